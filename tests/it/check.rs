//! `relsync check`: reports, exit codes, header matching, and the sheet-level rules.

use crate::support::*;

#[test]
fn a_clean_sheet_passes() {
    let dir = Dir::new();
    req_workbook(&dir, &[req_row("REQ-001", "A"), req_row("REQ-002", "B")]);
    let run = dir.run(&["check", "req.xlsx", "-t", "req.toml"]);
    assert_eq!(run.code, 0, "{run:?}");
    let summary = run.stdout.trim();
    assert!(
        summary.starts_with("2 rows read, 2 elements, 0 errors, 0 warnings in "),
        "{summary}"
    );
    assert!(summary.ends_with(" s"), "{summary}");
}

#[test]
fn text_report_lines_name_the_cell_code_and_fix() {
    let dir = Dir::new();
    let mut bad = req_row("REQ-017", "B");
    bad[2] = C::S("31-02-2026");
    let mut rows: Vec<Vec<C>> = (0..15).map(|_| vec![]).collect();
    rows[0] = req_row("REQ-001", "A");
    rows.push(bad); // row 17
    req_workbook(&dir, &rows);
    let run = dir.run(&["check", "req.xlsx", "-t", "req.toml"]);
    assert_eq!(run.code, 1);
    let line = run
        .stdout
        .lines()
        .find(|l| l.contains("not-a-date"))
        .expect("a not-a-date line");
    assert_eq!(
        line,
        "Requirements!C17  error  not-a-date  'Due date': found text '31-02-2026', but 31 February does not \
         exist; correct the date"
    );
    let summary = run.stdout.lines().last().unwrap();
    assert!(
        summary.starts_with("16 rows read, 2 elements, 1 error, 0 warnings (14 empty rows skipped) in "),
        "{summary}"
    );
}

#[test]
fn json_report_has_every_documented_field() {
    let dir = Dir::new();
    let mut bad = req_row("REQ-002", "B");
    bad[3] = C::S("12,5 kg");
    req_workbook(&dir, &[req_row("REQ-001", "A"), bad]);
    let run = dir.run(&["check", "req.xlsx", "-t", "req.toml", "--report", "json"]);
    assert_eq!(run.code, 1);
    let report = run.json();
    for key in [
        "input", "sheet", "template", "rows", "elements", "errors", "warnings", "problems",
    ] {
        assert!(report.get(key).is_some(), "missing {key}: {report}");
    }
    assert_eq!(report["input"], "req.xlsx");
    assert_eq!(report["sheet"], "Requirements");
    assert_eq!(report["template"], "req.toml");
    assert_eq!(report["rows"], 2);
    assert_eq!(report["elements"], 2);
    assert_eq!(report["errors"], 1);
    assert_eq!(report["warnings"], 0);
    let p = &report["problems"][0];
    assert_eq!(p["severity"], "error");
    assert_eq!(p["code"], "not-a-number");
    assert_eq!(p["sheet"], "Requirements");
    assert_eq!(p["cell"], "D3");
    assert_eq!(p["row"], 3);
    assert_eq!(p["column"], "Weight");
    assert_eq!(p["property"], "Weight");
    assert_eq!(p["value"], "12,5 kg");
    assert!(p["message"].as_str().unwrap().contains("Weight"), "{p}");
}

#[test]
fn report_file_is_json_beside_a_text_report() {
    let dir = Dir::new();
    let mut bad = req_row("REQ-002", "B");
    bad[4] = C::S("Aproved");
    req_workbook(&dir, &[req_row("REQ-001", "A"), bad]);
    let run = dir.run(&["check", "req.xlsx", "-t", "req.toml", "--report-file", "r.json"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains("Requirements!E3  error  not-in-list"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("did you mean 'Approved'"), "{}", run.stdout);
    let report: serde_json::Value = serde_json::from_str(&dir.read("r.json")).unwrap();
    assert_eq!(problems_with_code(&report, "not-in-list").len(), 1);
}

#[test]
fn strict_turns_warnings_into_a_failure() {
    let dir = Dir::new();
    let mut row = req_row("REQ-001", "A");
    row[2] = C::Dt(2027, 3, 1, 14, 30, 0);
    req_workbook(&dir, &[row]);
    let run = dir.run(&["check", "req.xlsx", "-t", "req.toml"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("warning  time-dropped"), "{}", run.stdout);
    assert_eq!(dir.run(&["check", "req.xlsx", "-t", "req.toml", "--strict"]).code, 1);
}

#[test]
fn headers_match_ignoring_case_and_spaces() {
    let dir = Dir::new();
    let header: Vec<C> = ["  id ", "TITLE", "due", "Weight ", "status", "parent", "VERIFIED BY"]
        .into_iter()
        .map(C::S)
        .collect();
    xlsx(
        &dir.path("req.xlsx"),
        "Requirements",
        &[header, req_row("REQ-001", "A")],
    );
    dir.write("req.toml", REQ_TEMPLATE);
    let run = dir.run(&["convert", "req.xlsx", "-t", "req.toml"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.json()["Requirements"][0]["Name"], "A");
}

#[test]
fn missing_and_duplicate_columns() {
    let dir = Dir::new();
    let header: Vec<C> = [
        "ID",
        "Title",
        "Due Date",
        "Weight",
        "Status",
        "Parent",
        "Verified by",
        "title",
    ]
    .into_iter()
    .map(C::S)
    .collect();
    xlsx(
        &dir.path("req.xlsx"),
        "Requirements",
        &[header, req_row("REQ-001", "A")],
    );
    dir.write("req.toml", REQ_TEMPLATE);
    let run = dir.run(&["check", "req.xlsx", "-t", "req.toml", "--report", "json"]);
    assert_eq!(run.code, 1);
    let report = run.json();
    let missing = problems_with_code(&report, "missing-column");
    assert_eq!(missing.len(), 1, "{report}");
    assert_eq!(missing[0]["column"], "Due");
    assert_eq!(missing[0]["property"], "Due date");
    assert!(
        missing[0]["message"]
            .as_str()
            .unwrap()
            .contains("did you mean 'Due Date'?"),
        "{}",
        missing[0]
    );
    let dup = problems_with_code(&report, "duplicate-column");
    assert_eq!(dup.len(), 1);
    assert_eq!(dup[0]["cell"], "H1");
}

#[test]
fn unmapped_columns_are_reported_once_with_a_count_and_ignored_ones_not() {
    let dir = Dir::new();
    let mut header = req_header();
    header.push(C::S("Reviewer"));
    header.push(C::S("Comments"));
    header.push(C::S("Unused"));
    let mut rows = vec![header];
    for i in 0..4 {
        let mut r = req_row(["R1", "R2", "R3", "R4"][i], "A");
        r.push(if i < 3 { C::S("Karin") } else { C::Blank });
        r.push(C::S("note"));
        rows.push(r);
    }
    rows[1].push(C::Blank);
    xlsx(&dir.path("req.xlsx"), "Requirements", &rows);
    dir.write(
        "req.toml",
        format!("{REQ_TEMPLATE}\n[ignore]\ncolumns = [\"Comments\"]\n"),
    );
    let run = dir.run(&["check", "req.xlsx", "-t", "req.toml", "--report", "json"]);
    assert_eq!(run.code, 0, "{run:?}");
    let report = run.json();
    let unmapped = problems_with_code(&report, "unmapped-column");
    assert_eq!(unmapped.len(), 1, "{report}");
    assert_eq!(unmapped[0]["severity"], "warning");
    assert_eq!(unmapped[0]["column"], "Reviewer");
    assert_eq!(unmapped[0]["cell"], "H1");
    assert!(
        unmapped[0]["message"].as_str().unwrap().contains("3 non-empty cells"),
        "{}",
        unmapped[0]
    );

    // others = true ignores every column the template does not map.
    dir.write("all.toml", format!("{REQ_TEMPLATE}\n[ignore]\nothers = true\n"));
    let run = dir.run(&["check", "req.xlsx", "-t", "all.toml", "--report", "json"]);
    assert!(problems_with_code(&run.json(), "unmapped-column").is_empty());
}

#[test]
fn header_row_skips_title_rows_and_says_where_headers_are() {
    let dir = Dir::new();
    let rows = vec![
        vec![C::S("Export of 28-11-2026")],
        vec![],
        req_header(),
        req_row("REQ-001", "A"),
    ];
    xlsx(&dir.path("req.xlsx"), "Requirements", &rows);
    let template = REQ_TEMPLATE.replace("sheet = \"Requirements\"", "sheet = \"Requirements\"\nheader_row = 3");
    dir.write("req.toml", &template);
    let run = dir.run(&["convert", "req.xlsx", "-t", "req.toml"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(elements(&run.json(), "Requirements").len(), 1);

    dir.write(
        "two.toml",
        REQ_TEMPLATE.replace("sheet = \"Requirements\"", "sheet = \"Requirements\"\nheader_row = 2"),
    );
    let run = dir.run(&["check", "req.xlsx", "-t", "two.toml"]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("empty-header-row"), "{}", run.stdout);
    assert!(run.stdout.contains("source.header_row = 3"), "{}", run.stdout);
}

#[test]
fn empty_rows_are_skipped_and_an_empty_sheet_is_an_error() {
    let dir = Dir::new();
    req_workbook(
        &dir,
        &[
            req_row("REQ-001", "A"),
            vec![],
            vec![C::S("  ")],
            req_row("REQ-002", "B"),
        ],
    );
    let run = dir.run(&["check", "req.xlsx", "-t", "req.toml", "--report", "json"]);
    assert_eq!(run.code, 0, "{run:?}");
    let report = run.json();
    assert_eq!(report["rows"], 4);
    assert_eq!(report["elements"], 2);
    assert_eq!(report["empty_rows"], 2);

    let empty = Dir::new();
    req_workbook(&empty, &[]);
    let run = empty.run(&["convert", "req.xlsx", "-t", "req.toml", "-o", "out.json"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("empty-body"), "{}", run.stderr);
    assert!(!empty.exists("out.json"));
}

#[test]
fn thousands_of_problems_are_folded_in_text_but_not_in_json() {
    let dir = Dir::new();
    let rows: Vec<Vec<C>> = (0..600)
        .map(|i| {
            let mut r = req_row("X", "A");
            r[0] = C::Str(format!("REQ-{i}"));
            r[2] = C::S("someday");
            r
        })
        .collect();
    req_workbook(&dir, &rows);
    let run = dir.run(&["check", "req.xlsx", "-t", "req.toml", "--report-file", "all.json"]);
    assert_eq!(run.code, 1);
    let lines = run.stdout.lines().filter(|l| l.contains("not-a-date")).count();
    assert!(lines < 20, "{lines} lines:\n{}", run.stdout);
    assert!(
        run.stdout
            .contains("590 more not-a-date in column C (rows 12-601) folded"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("600 rows read, 600 elements, 600 errors"),
        "{}",
        run.stdout
    );
    let report: serde_json::Value = serde_json::from_str(&dir.read("all.json")).unwrap();
    assert_eq!(problems_with_code(&report, "not-a-date").len(), 600);
}

#[test]
fn merged_cells_give_every_cell_the_value() {
    use rust_xlsxwriter::{Format, Workbook};
    let dir = Dir::new();
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Requirements").unwrap();
    for (c, h) in ["ID", "Title", "Due", "Weight", "Status", "Parent", "Verified by"]
        .iter()
        .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (r, id) in ["REQ-1", "REQ-2", "REQ-3"].iter().enumerate() {
        ws.write_string(r as u32 + 1, 0, *id).unwrap();
        ws.write_string(r as u32 + 1, 1, format!("Title {r}")).unwrap();
    }
    // Status merged over three rows, Parent and Verified by merged across two columns.
    ws.merge_range(1, 4, 3, 4, "Approved", &Format::new()).unwrap();
    ws.merge_range(1, 5, 1, 6, "EIS-9", &Format::new()).unwrap();
    wb.save(dir.path("req.xlsx")).unwrap();
    dir.write("req.toml", REQ_TEMPLATE);
    let run = dir.run(&["convert", "req.xlsx", "-t", "req.toml"]);
    assert_eq!(run.code, 0, "{run:?}");
    let body = run.json();
    let items = elements(&body, "Requirements");
    for item in items {
        assert_eq!(item["Status"], "Approved", "{item}");
    }
    assert_eq!(
        items[0]["Is_x0020_part_x0020_of"],
        serde_json::json!([{"@id": "EIS-9"}])
    );
    assert_eq!(items[0]["Verified_x0020_by"], serde_json::json!([{"@id": "EIS-9"}]));
    assert_eq!(items[1]["Is_x0020_part_x0020_of"], serde_json::json!([]));
}
