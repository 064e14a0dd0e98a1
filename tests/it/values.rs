//! The value rules of the README, each on a real workbook.

use serde_json::json;

use crate::support::*;

/// A one-sheet workbook with a template mapping every column of `header` by the same name.
fn one_sheet(dir: &Dir, fields: &str, header: &[&'static str], rows: Vec<Vec<C>>) {
    let mut all = vec![header.iter().map(|h| C::S(h)).collect::<Vec<_>>()];
    all.extend(rows);
    xlsx(&dir.path("in.xlsx"), "Sheet1", &all);
    dir.write(
        "t.toml",
        format!("[target]\ntype = \"Thing\"\nplural = \"Things\"\n[external_id]\ncolumn = \"ID\"\n{fields}"),
    );
}

fn body(dir: &Dir) -> serde_json::Value {
    let run = dir.run(&["convert", "in.xlsx", "-t", "t.toml"]);
    assert_eq!(run.code, 0, "{run:?}");
    run.json()
}

fn report(dir: &Dir) -> serde_json::Value {
    dir.run(&["check", "in.xlsx", "-t", "t.toml", "--report", "json"])
        .json()
}

#[test]
fn external_ids_from_numbers_are_plain_digits() {
    let dir = Dir::new();
    one_sheet(
        &dir,
        "",
        &["ID"],
        vec![vec![C::N(43530759.0)], vec![C::S("  REQ-2  ")], vec![C::N(12.5)]],
    );
    let b = body(&dir);
    let ids: Vec<_> = elements(&b, "Things")
        .iter()
        .map(|e| e["@externalid"].clone())
        .collect();
    assert_eq!(ids, [json!("43530759"), json!("REQ-2"), json!("12.5")]);
}

#[test]
fn external_id_rules() {
    let dir = Dir::new();
    let long: String = "x".repeat(451);
    one_sheet(
        &dir,
        "[[property]]\nname = \"Name\"\ncolumn = \"Name\"\ntype = \"text\"\n",
        &["ID", "Name"],
        vec![
            vec![C::S("A-1"), C::S("first")],
            vec![C::Blank, C::S("no id")],
            vec![C::S("A-1"), C::S("again")],
            vec![C::Str(long), C::S("long")],
            vec![C::Str("x".repeat(450)), C::S("450 is fine")],
            vec![C::F("=NA()", "#N/A"), C::S("error")],
        ],
    );
    let r = report(&dir);
    let missing = problems_with_code(&r, "missing-external-id");
    assert_eq!(missing.len(), 1);
    assert_eq!(missing[0]["cell"], "A3");
    let dup = problems_with_code(&r, "duplicate-external-id");
    assert_eq!(dup.len(), 1);
    assert_eq!(dup[0]["cell"], "A4");
    assert!(dup[0]["message"].as_str().unwrap().contains("Sheet1!A2"), "{}", dup[0]);
    let long = problems_with_code(&r, "external-id-too-long");
    assert_eq!(long.len(), 1);
    assert_eq!(long[0]["cell"], "A5");
    let err = problems_with_code(&r, "error-cell");
    assert_eq!(err.len(), 1);
    assert_eq!(err[0]["cell"], "A7");
    assert_eq!(err[0]["value"], "#N/A");
    assert_eq!(r["errors"], 4);
}

#[test]
fn text_shows_cells_as_excel_does() {
    let dir = Dir::new();
    one_sheet(
        &dir,
        "[[property]]\nname = \"Note\"\ncolumn = \"Note\"\ntype = \"text\"\n",
        &["ID", "Note"],
        vec![
            vec![C::S("1"), C::N(43530759.0)],
            vec![C::S("2"), C::F("=0.1+0.2", "0.30000000000000004")],
            vec![C::S("3"), C::D(2027, 3, 1)],
            vec![C::S("4"), C::B(true)],
            vec![C::S("5"), C::S("  line one\r\nline two  ")],
            vec![C::S("6"), C::N(123456789012345678.0)],
            vec![C::S("7"), C::N(-0.5)],
        ],
    );
    let b = body(&dir);
    let notes: Vec<_> = elements(&b, "Things").iter().map(|e| e["Note"].clone()).collect();
    assert_eq!(
        notes,
        [
            json!("43530759"),
            json!("0.3"),
            json!("2027-03-01"),
            json!("TRUE"),
            json!("line one\nline two"),
            json!("123456789012346000"),
            json!("-0.5")
        ]
    );
}

#[test]
fn text_limits() {
    let dir = Dir::new();
    one_sheet(
        &dir,
        "[[property]]\nname = \"Short\"\ncolumn = \"Short\"\ntype = \"single-line-text\"\n\
         [[property]]\nname = \"Long\"\ncolumn = \"Long\"\ntype = \"text\"\n",
        &["ID", "Short", "Long"],
        vec![
            vec![C::S("1"), C::Str("a".repeat(100)), C::Str("b".repeat(10_000))],
            vec![C::S("2"), C::Str("a".repeat(101)), C::Str("b".repeat(10_001))],
            vec![C::S("3"), C::S("two\nlines"), C::S("two\nlines are fine")],
        ],
    );
    let r = report(&dir);
    let long: Vec<_> = problems_with_code(&r, "text-too-long")
        .iter()
        .map(|p| p["cell"].clone())
        .collect();
    assert_eq!(long, [json!("B3"), json!("C3")]);
    let lb = problems_with_code(&r, "line-break-in-single-line-text");
    assert_eq!(lb.len(), 1);
    assert_eq!(lb[0]["cell"], "B4");
    assert_eq!(r["errors"], 3);
}

#[test]
fn numbers() {
    let dir = Dir::new();
    one_sheet(
        &dir,
        "[[property]]\nname = \"Weight\"\ncolumn = \"Weight\"\ntype = \"number\"\n",
        &["ID", "Weight"],
        vec![
            vec![C::S("1"), C::N(2.5)],
            vec![C::S("2"), C::F("=0.1+0.2", "0.30000000000000004")],
            vec![C::S("3"), C::N(42.0)],
            vec![C::S("4"), C::S("1234.5")],
            vec![C::S("5"), C::N(1e20)],
            vec![C::S("6"), C::N(-0.000001)],
        ],
    );
    let run = dir.run(&["convert", "in.xlsx", "-t", "t.toml"]);
    assert_eq!(run.code, 0, "{run:?}");
    let b = run.json();
    let weights: Vec<f64> = elements(&b, "Things")
        .iter()
        .map(|e| e["Weight"].as_f64().unwrap())
        .collect();
    assert_eq!(weights, [2.5, 0.3, 42.0, 1234.5, 1e20, -0.000001]);
    // Written with a decimal point and never in exponent notation.
    assert!(run.stdout.contains("\"Weight\": 0.3\n"), "{}", run.stdout);
    assert!(run.stdout.contains("\"Weight\": 42.0\n"), "{}", run.stdout);
    assert!(
        run.stdout.contains("\"Weight\": 100000000000000000000.0\n"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("\"Weight\": -0.000001\n"), "{}", run.stdout);

    let xml = dir.run(&["convert", "in.xlsx", "-t", "t.toml", "--format", "xml"]);
    assert!(xml.stdout.contains("<Weight>0.3</Weight>"), "{}", xml.stdout);
    assert!(
        xml.stdout.contains("<Weight>100000000000000000000.0</Weight>"),
        "{}",
        xml.stdout
    );
}

#[test]
fn numbers_that_are_not() {
    let dir = Dir::new();
    one_sheet(
        &dir,
        "[[property]]\nname = \"Weight\"\ncolumn = \"Weight\"\ntype = \"number\"\n",
        &["ID", "Weight"],
        vec![
            vec![C::S("1"), C::S("twelve")],
            vec![C::S("2"), C::S("12,5")],
            vec![C::S("3"), C::B(true)],
            vec![C::S("4"), C::D(2027, 1, 1)],
            vec![C::S("5"), C::F("=1/0", "#DIV/0!")],
        ],
    );
    let r = report(&dir);
    let cells: Vec<_> = problems_with_code(&r, "not-a-number")
        .iter()
        .map(|p| p["cell"].clone())
        .collect();
    assert_eq!(cells, [json!("B2"), json!("B3"), json!("B4"), json!("B5")]);
    let comma = &problems_with_code(&r, "not-a-number")[1];
    assert!(comma["message"].as_str().unwrap().contains("decimal_comma"), "{comma}");
    assert_eq!(problems_with_code(&r, "error-cell")[0]["cell"], "B6");
}

#[test]
fn decimal_comma_in_text_cells() {
    let dir = Dir::new();
    let fields = "[[property]]\nname = \"Weight\"\ncolumn = \"Weight\"\ntype = \"number\"\n";
    one_sheet(
        &dir,
        fields,
        &["ID", "Weight"],
        vec![vec![C::S("1"), C::S("1.234,5")], vec![C::S("2"), C::N(3.25)]],
    );
    let t = dir
        .read("t.toml")
        .replace("[external_id]", "[source]\ndecimal_comma = true\n[external_id]");
    dir.write("t.toml", t);
    let b = body(&dir);
    let weights: Vec<f64> = elements(&b, "Things")
        .iter()
        .map(|e| e["Weight"].as_f64().unwrap())
        .collect();
    assert_eq!(weights, [1234.5, 3.25]);
}

#[test]
fn dates() {
    let dir = Dir::new();
    one_sheet(
        &dir,
        "[source]\ndate_formats = [\"%d-%m-%Y\", \"%d/%m/%Y\"]\n\
         [[property]]\nname = \"Due\"\ncolumn = \"Due\"\ntype = \"date\"\n",
        &["ID", "Due"],
        vec![
            vec![C::S("1"), C::D(2027, 3, 1)],
            vec![C::S("2"), C::S("2027-03-02")],
            vec![C::S("3"), C::S("03-03-2027")],
            vec![C::S("4"), C::S("04/03/2027")],
            vec![C::S("5"), C::Dt(2027, 3, 5, 9, 15, 0)],
        ],
    );
    let run = dir.run(&["convert", "in.xlsx", "-t", "t.toml", "--report-file", "r.json"]);
    assert_eq!(run.code, 0, "{run:?}");
    let b = run.json();
    let dates: Vec<_> = elements(&b, "Things").iter().map(|e| e["Due"].clone()).collect();
    assert_eq!(
        dates,
        [
            json!("2027-03-01"),
            json!("2027-03-02"),
            json!("2027-03-03"),
            json!("2027-03-04"),
            json!("2027-03-05")
        ]
    );
    let r: serde_json::Value = serde_json::from_str(&dir.read("r.json")).unwrap();
    let dropped = problems_with_code(&r, "time-dropped");
    assert_eq!(dropped.len(), 1);
    assert_eq!(dropped[0]["cell"], "B6");
    assert_eq!(dropped[0]["severity"], "warning");
}

#[test]
fn dates_that_are_not() {
    let dir = Dir::new();
    one_sheet(
        &dir,
        "[source]\ndate_formats = [\"%d-%m-%Y\"]\n[[property]]\nname = \"Due\"\ncolumn = \"Due\"\ntype = \"date\"\n",
        &["ID", "Due"],
        vec![
            vec![C::S("1"), C::S("31-02-2026")],
            vec![C::S("2"), C::S("next week")],
            vec![C::S("3"), C::N(46082.0)],
        ],
    );
    let r = report(&dir);
    let bad = problems_with_code(&r, "not-a-date");
    let cells: Vec<_> = bad.iter().map(|p| p["cell"].clone()).collect();
    assert_eq!(cells, [json!("B2"), json!("B3"), json!("B4")]);
    assert_eq!(
        bad[0]["message"],
        "'Due': found text '31-02-2026', but 31 February does not exist; correct the date"
    );
    assert_eq!(
        bad[1]["message"],
        "'Due': found text 'next week', which is not a date; use a date cell or write it like 01-03-2027"
    );
    assert_eq!(
        bad[2]["message"],
        "'Due': found the number 46082, not a date; format the cell as a date in Excel, or write the date"
    );
}

#[test]
fn dates_in_the_1904_system() {
    let dir = Dir::new();
    // 2027-03-01 is serial 46447 in the 1900 system and 46447 - 1462 in the 1904 system.
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    let date = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    ws.write_string(0, 0, "ID").unwrap();
    ws.write_string(0, 1, "Due").unwrap();
    ws.write_string(1, 0, "1").unwrap();
    ws.write_number_with_format(1, 1, 46447.0 - 1462.0, &date).unwrap();
    wb.save(dir.path("in.xlsx")).unwrap();
    make_1904(&dir.path("in.xlsx"));
    dir.write(
        "t.toml",
        "[target]\ntype = \"Thing\"\nplural = \"Things\"\n[external_id]\ncolumn = \"ID\"\n\
         [[property]]\nname = \"Due\"\ncolumn = \"Due\"\ntype = \"date\"\n",
    );
    let b = body(&dir);
    assert_eq!(b["Things"][0]["Due"], "2027-03-01");
}

#[test]
fn lists() {
    let dir = Dir::new();
    one_sheet(
        &dir,
        "[[property]]\nname = \"Status\"\ncolumn = \"Status\"\ntype = \"list\"\nvalues = [\"Draft\", \"Approved\"]\n\
         [[property]]\nname = \"Free\"\ncolumn = \"Free\"\ntype = \"list\"\n",
        &["ID", "Status", "Free"],
        vec![
            vec![C::S("1"), C::S("Approved"), C::N(3.0)],
            vec![C::S("2"), C::S("approved"), C::S("anything")],
        ],
    );
    let r = report(&dir);
    let bad = problems_with_code(&r, "not-in-list");
    assert_eq!(bad.len(), 1);
    assert_eq!(bad[0]["cell"], "B3");
    let msg = bad[0]["message"].as_str().unwrap();
    assert!(
        msg.contains("did you mean 'Approved'") && msg.contains("'Draft', 'Approved'"),
        "{msg}"
    );
    std::fs::write(
        dir.path("t.toml"),
        dir.read("t.toml").replace(
            "values = [\"Draft\", \"Approved\"]",
            "values = [\"Draft\", \"Approved\", \"approved\"]",
        ),
    )
    .unwrap();
    let b = body(&dir);
    assert_eq!(b["Things"][0]["Free"], "3");
    assert_eq!(b["Things"][1]["Status"], "approved");
}

#[test]
fn urls() {
    let dir = Dir::new();
    one_sheet(
        &dir,
        "[[property]]\nname = \"Link\"\ncolumn = \"Link\"\ntype = \"url\"\n",
        &["ID", "Link"],
        vec![
            vec![C::S("1"), C::S("https://example.nl/a?b=1")],
            vec![C::S("2"), C::S("mailto:info@example.nl")],
            vec![C::S("3"), C::S("www.example.nl")],
            vec![C::S("4"), C::S("ftp://example.nl/x")],
        ],
    );
    let r = report(&dir);
    let cells: Vec<_> = problems_with_code(&r, "not-a-url")
        .iter()
        .map(|p| p["cell"].clone())
        .collect();
    assert_eq!(cells, [json!("B4"), json!("B5")]);
}

#[test]
fn relations() {
    let dir = Dir::new();
    one_sheet(
        &dir,
        "[[relation]]\nrole = \"Parts\"\ncolumn = \"Parts\"\ntarget = \"Part\"\n\
         [[relation]]\nrole = \"Owner\"\ncolumn = \"Owner\"\ntarget = \"Person\"\ncardinality = \"single\"\n\
         [[relation]]\nrole = \"Tags\"\ncolumn = \"Tags\"\ntarget = \"Tag\"\nseparator = \",\"\n",
        &["ID", "Parts", "Owner", "Tags"],
        vec![
            vec![
                C::S("1"),
                C::S(" P-1 ;P-2\nP-3\r\n\n;"),
                C::S("PER-1"),
                C::S("T-1, T-2\nT-3"),
            ],
            vec![C::S("2"), C::S("P-1;P-1"), C::S("PER-1; PER-2"), C::S("T;1")],
        ],
    );
    let r = report(&dir);
    assert_eq!(problems_with_code(&r, "duplicate-target").len(), 1);
    assert_eq!(problems_with_code(&r, "duplicate-target")[0]["cell"], "B3");
    let many = problems_with_code(&r, "too-many-targets");
    assert_eq!(many.len(), 1);
    assert_eq!(many[0]["cell"], "C3");

    std::fs::write(
        dir.path("t.toml"),
        dir.read("t.toml").replace("cardinality = \"single\"", ""),
    )
    .unwrap();
    let b = body(&dir);
    let items = elements(&b, "Things");
    assert_eq!(
        items[0]["Parts"],
        json!([{"@id": "P-1"}, {"@id": "P-2"}, {"@id": "P-3"}])
    );
    assert_eq!(items[0]["Owner"], json!([{"@id": "PER-1"}]));
    assert_eq!(
        items[0]["Tags"],
        json!([{"@id": "T-1"}, {"@id": "T-2"}, {"@id": "T-3"}])
    );
    assert_eq!(items[1]["Parts"], json!([{"@id": "P-1"}]));
    assert_eq!(items[1]["Tags"], json!([{"@id": "T;1"}]));
}

#[test]
fn required_and_internal() {
    let dir = Dir::new();
    one_sheet(
        &dir,
        "[[property]]\nname = \"Name\"\ncolumn = \"Name\"\ntype = \"text\"\nrequired = true\n\
         [[property]]\nname = \"Remark\"\ncolumn = \"Remark\"\ntype = \"text\"\nownership = \"internal\"\n\
         [[relation]]\nrole = \"Parent\"\ncolumn = \"Parent\"\ntarget = \"Thing\"\nrequired = true\n",
        &["ID", "Name", "Remark", "Parent"],
        vec![
            vec![C::S("1"), C::S("ok"), C::Blank, C::S("T-1")],
            vec![C::S("2"), C::S("  "), C::S("filled"), C::S(" ; ")],
        ],
    );
    let r = report(&dir);
    let required: Vec<_> = problems_with_code(&r, "required-empty")
        .iter()
        .map(|p| p["cell"].clone())
        .collect();
    assert_eq!(required, [json!("B3"), json!("D3")]);
    let internal = problems_with_code(&r, "internal-owned-filled");
    assert_eq!(internal.len(), 1);
    assert_eq!(internal[0]["cell"], "C3");
    assert_eq!(internal[0]["value"], "filled");

    // Internal fields are never sent.
    let clean = Dir::new();
    one_sheet(
        &clean,
        "[[property]]\nname = \"Remark\"\ncolumn = \"Remark\"\ntype = \"text\"\nownership = \"internal\"\n",
        &["ID", "Remark"],
        vec![vec![C::S("1"), C::Blank]],
    );
    assert_eq!(body(&clean), json!({"Things": [{"@externalid": "1"}]}));
}

#[test]
fn empty_cells_follow_the_empty_policy() {
    let fields = "[[property]]\nname = \"A\"\ncolumn = \"A\"\ntype = \"text\"\n\
                  [[property]]\nname = \"B\"\ncolumn = \"B\"\ntype = \"text\"\nempty = \"omit\"\n\
                  [[relation]]\nrole = \"R\"\ncolumn = \"R\"\ntarget = \"T\"\n";
    let rows = vec![vec![C::S("1")]];
    let dir = Dir::new();
    one_sheet(&dir, fields, &["ID", "A", "B", "R"], rows.clone());
    assert_eq!(body(&dir), json!({"Things": [{"@externalid": "1", "A": "", "R": []}]}));

    let dir = Dir::new();
    one_sheet(
        &dir,
        &format!("[source]\nempty = \"null\"\n{fields}"),
        &["ID", "A", "B", "R"],
        rows.clone(),
    );
    assert_eq!(
        body(&dir),
        json!({"Things": [{"@externalid": "1", "A": null, "R": null}]})
    );

    let dir = Dir::new();
    one_sheet(
        &dir,
        &format!("[source]\nempty = \"omit\"\n{fields}"),
        &["ID", "A", "B", "R"],
        rows,
    );
    assert_eq!(body(&dir), json!({"Things": [{"@externalid": "1"}]}));
}

#[test]
fn error_cells_are_problems_in_any_mapped_column() {
    let dir = Dir::new();
    one_sheet(
        &dir,
        "[[property]]\nname = \"Name\"\ncolumn = \"Name\"\ntype = \"text\"\n\
         [[relation]]\nrole = \"R\"\ncolumn = \"R\"\ntarget = \"T\"\n",
        &["ID", "Name", "R", "Unmapped"],
        vec![vec![
            C::S("1"),
            C::F("=#REF!", "#REF!"),
            C::F("=1/0", "#DIV/0!"),
            C::F("=NA()", "#N/A"),
        ]],
    );
    let r = report(&dir);
    let errors: Vec<_> = problems_with_code(&r, "error-cell")
        .iter()
        .map(|p| (p["cell"].clone(), p["value"].clone()))
        .collect();
    assert_eq!(errors, [(json!("B2"), json!("#REF!")), (json!("C2"), json!("#DIV/0!"))]);
}

#[test]
fn names_are_escaped_and_literal_keys_are_kept() {
    let dir = Dir::new();
    one_sheet(
        &dir,
        "[[property]]\nname = \"Kosten (€)\"\ncolumn = \"Cost\"\ntype = \"number\"\n\
         [[property]]\nname = \"1st check\"\ncolumn = \"First\"\ntype = \"text\"\n\
         [[property]]\nname = \"Due date\"\nkey = \"Due_x0020_Date\"\ncolumn = \"Due\"\ntype = \"text\"\n",
        &["ID", "Cost", "First", "Due"],
        vec![vec![C::S("1"), C::N(5.0), C::S("x"), C::S("y")]],
    );
    let b = body(&dir);
    let item = &b["Things"][0];
    assert_eq!(item["Kosten_x0020__x0028__x20AC__x0029_"], 5.0);
    assert_eq!(item["_x0031_st_x0020_check"], "x");
    assert_eq!(item["Due_x0020_Date"], "y");
}

#[test]
fn a_date_in_an_unaccepted_format_names_the_format_to_add_once() {
    let dir = Dir::new();
    one_sheet(
        &dir,
        "[[property]]\nname = \"Due\"\ncolumn = \"Due\"\ntype = \"date\"\n",
        &["ID", "Due"],
        vec![vec![C::S("1"), C::S("01-03-2027")]],
    );
    let r = report(&dir);
    let bad = problems_with_code(&r, "not-a-date");
    let msg = bad[0]["message"].as_str().unwrap();
    assert!(msg.contains("add \"%d-%m-%Y\" to source.date_formats"), "{msg}");
    assert_eq!(msg.matches("source.date_formats").count(), 1, "{msg}");
}
