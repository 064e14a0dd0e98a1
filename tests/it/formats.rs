//! The other workbook formats (fixtures made by scripts/make-fixtures with LibreOffice) give the
//! same body as the `.xlsx` they were made from.

use crate::support::*;

fn body(dir: &Dir, input: &str, template: &str) -> serde_json::Value {
    let run = dir.run(&["convert", &repo(input), "-t", template]);
    assert_eq!(run.code, 0, "{input}: {run:?}");
    run.json()
}

#[test]
fn xls_ods_and_libreoffice_xlsx_match_the_excel_sample() {
    let dir = Dir::new();
    let template = repo("templates/requirements.toml");
    let expected = body(&dir, "samples/requirements.xlsx", &template);
    assert_eq!(elements(&expected, "Requirements").len(), 50);
    for input in [
        "tests/data/requirements.xls",
        "tests/data/requirements.ods",
        "tests/data/requirements-lo.xlsx",
    ] {
        assert_eq!(body(&dir, input, &template), expected, "{input}");
    }
}

#[test]
fn merged_ranges_in_xls_are_filled() {
    let dir = Dir::new();
    dir.write(
        "m.toml",
        r#"
[target]
type = "Requirement"
plural = "Requirements"
[external_id]
column = "ID"
[[property]]
name = "Status"
column = "Status"
type = "text"
[[relation]]
role = "Parent"
column = "Parent"
target = "Requirement"
[[relation]]
role = "Verified by"
column = "Verified by"
target = "Verification"
[ignore]
columns = ["Title", "Due", "Weight"]
"#,
    );
    let b = body(&dir, "tests/data/merged.xls", "m.toml");
    let items = elements(&b, "Requirements");
    assert_eq!(items.len(), 3);
    assert!(items.iter().all(|e| e["Status"] == "Approved"), "{b}");
    assert_eq!(items[0]["Parent"], serde_json::json!([{"@id": "EIS-9"}]));
    assert_eq!(items[0]["Verified_x0020_by"], serde_json::json!([{"@id": "EIS-9"}]));
    assert_eq!(items[1]["Parent"], serde_json::json!([]));
}
