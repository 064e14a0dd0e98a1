//! `relsync convert`: bodies in both formats, parsed back and compared by value; output
//! selection; nothing written when there are errors.

use serde_json::json;

use crate::support::*;

#[test]
fn json_body_has_the_documented_shape() {
    let dir = Dir::new();
    req_workbook(
        &dir,
        &[
            req_row("REQ-001", "Pump capacity"),
            vec![
                C::S("REQ-002"),
                C::S("Valve"),
                C::Blank,
                C::Blank,
                C::Blank,
                C::Blank,
                C::Blank,
            ],
        ],
    );
    let run = dir.run(&["convert", "req.xlsx", "-t", "req.toml", "-o", "out.json"]);
    assert_eq!(run.code, 0, "{run:?}");
    let last = run.stderr.lines().last().unwrap();
    assert!(
        last.starts_with("2 rows read, 2 elements, 0 errors, 0 warnings in "),
        "{last}"
    );
    assert!(
        last.contains(" s; wrote out.json (JSON, ") && last.ends_with(" B)"),
        "{last}"
    );
    let body: serde_json::Value = serde_json::from_str(&dir.read("out.json")).unwrap();
    assert_eq!(
        body,
        json!({
            "Requirements": [
                {
                    "@externalid": "REQ-001",
                    "Name": "Pump capacity",
                    "Due_x0020_date": "2027-03-01",
                    "Weight": 2.5,
                    "Status": "Draft",
                    "Is_x0020_part_x0020_of": [{"@id": "EIS-1"}],
                    "Verified_x0020_by": [{"@id": "VER-1"}, {"@id": "VER-2"}]
                },
                {
                    "@externalid": "REQ-002",
                    "Name": "Valve",
                    "Due_x0020_date": "",
                    "Weight": "",
                    "Status": "",
                    "Is_x0020_part_x0020_of": [],
                    "Verified_x0020_by": []
                }
            ]
        })
    );
    // Key order: @externalid first, then the template order.
    let text = dir.read("out.json");
    let positions: Vec<usize> = [
        "@externalid",
        "Name",
        "Due_x0020_date",
        "Weight",
        "Status",
        "Is_x0020_part",
        "Verified_x0020_by",
    ]
    .iter()
    .map(|k| text.find(k).unwrap())
    .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "keys out of order:\n{text}");
    assert!(
        text.starts_with("{\n  \"Requirements\": [\n    {\n      \"@externalid\""),
        "not two-space pretty:\n{text}"
    );
}

#[test]
fn xml_body_has_the_documented_shape() {
    let dir = Dir::new();
    req_workbook(&dir, &[req_row("REQ-001", "Pump & <valve>")]);
    let run = dir.run(&["convert", "req.xlsx", "-t", "req.toml", "-o", "out.xml"]);
    assert_eq!(run.code, 0, "{run:?}");
    let text = dir.read("out.xml");
    assert!(text.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>"), "{text}");
    let doc = roxmltree::Document::parse(&text).expect("well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "elements");
    let container = root.first_element_child().unwrap();
    assert_eq!(container.tag_name().name(), "Requirements");
    let items: Vec<_> = container.children().filter(|n| n.is_element()).collect();
    assert_eq!(items.len(), 1);
    let item = items[0];
    assert_eq!(item.tag_name().name(), "Requirement");
    assert_eq!(item.attribute("externalid"), Some("REQ-001"));
    let child = |name: &str| {
        item.children()
            .find(|n| n.has_tag_name(name))
            .unwrap_or_else(|| panic!("no <{name}>"))
    };
    assert_eq!(child("Name").text(), Some("Pump & <valve>"));
    assert_eq!(child("Due_x0020_date").text(), Some("2027-03-01"));
    assert_eq!(child("Weight").text(), Some("2.5"));
    let parents: Vec<_> = child("Is_x0020_part_x0020_of")
        .children()
        .filter(|n| n.is_element())
        .collect();
    assert_eq!(parents.len(), 1);
    assert_eq!(parents[0].tag_name().name(), "Requirement");
    assert_eq!(parents[0].attribute("id"), Some("EIS-1"));
    let verified: Vec<_> = child("Verified_x0020_by")
        .children()
        .filter(|n| n.is_element())
        .map(|n| (n.tag_name().name().to_owned(), n.attribute("id").unwrap().to_owned()))
        .collect();
    assert_eq!(
        verified,
        [
            ("Verification".to_owned(), "VER-1".to_owned()),
            ("Verification".to_owned(), "VER-2".to_owned())
        ]
    );
    let order: Vec<&str> = item
        .children()
        .filter(|n| n.is_element())
        .map(|n| n.tag_name().name())
        .collect();
    assert_eq!(
        order,
        [
            "Name",
            "Due_x0020_date",
            "Weight",
            "Status",
            "Is_x0020_part_x0020_of",
            "Verified_x0020_by"
        ]
    );
}

#[test]
fn format_comes_from_the_extension_or_the_flag_then_json() {
    let dir = Dir::new();
    req_workbook(&dir, &[req_row("REQ-001", "A")]);
    assert_eq!(
        dir.run(&["convert", "req.xlsx", "-t", "req.toml", "-o", "a.xml"]).code,
        0
    );
    assert!(dir.read("a.xml").starts_with("<?xml"));
    // A flag that contradicts the extension is refused rather than followed silently.
    let contradiction = dir.run(&[
        "convert", "req.xlsx", "-t", "req.toml", "-o", "b.xml", "--format", "json",
    ]);
    assert_eq!(contradiction.code, 2, "{contradiction:?}");
    assert!(!dir.exists("b.xml"));
    assert_eq!(
        dir.run(&[
            "convert", "req.xlsx", "-t", "req.toml", "-o", "b.body", "--format", "xml"
        ])
        .code,
        0
    );
    assert!(dir.read("b.body").starts_with("<?xml"));
    assert_eq!(
        dir.run(&["convert", "req.xlsx", "-t", "req.toml", "-o", "c.body"]).code,
        0
    );
    assert!(dir.read("c.body").starts_with('{'));
    let stdout = dir.run(&["convert", "req.xlsx", "-t", "req.toml"]);
    assert_eq!(stdout.code, 0);
    assert_eq!(elements(&stdout.json(), "Requirements").len(), 1);
    let dash = dir.run(&["convert", "req.xlsx", "-t", "req.toml", "-o", "-", "--format", "xml"]);
    assert!(dash.stdout.starts_with("<?xml"), "{dash:?}");
}

#[test]
fn compact_json_is_one_line() {
    let dir = Dir::new();
    req_workbook(&dir, &[req_row("REQ-001", "A"), req_row("REQ-002", "B")]);
    let run = dir.run(&["convert", "req.xlsx", "-t", "req.toml", "--compact"]);
    assert_eq!(run.code, 0);
    assert_eq!(run.stdout.trim_end().lines().count(), 1, "{}", run.stdout);
    assert_eq!(elements(&run.json(), "Requirements").len(), 2);
}

#[test]
fn errors_write_no_body_and_keep_an_existing_file() {
    let dir = Dir::new();
    let mut bad = req_row("REQ-002", "B");
    bad[2] = C::S("31-02-2026");
    req_workbook(&dir, &[req_row("REQ-001", "A"), bad]);
    dir.write("out.json", "previous body");
    let run = dir.run(&["convert", "req.xlsx", "-t", "req.toml", "-o", "out.json"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(dir.read("out.json"), "previous body");
    assert!(
        run.stderr.contains("Requirements!C3  error  not-a-date"),
        "{}",
        run.stderr
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.temp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");

    let run = dir.run(&["convert", "req.xlsx", "-t", "req.toml", "-o", "new.json"]);
    assert_eq!(run.code, 1);
    assert!(!dir.exists("new.json"));
    let run = dir.run(&["convert", "req.xlsx", "-t", "req.toml"]);
    assert_eq!(run.code, 1);
    assert_eq!(run.stdout, "", "no partial body on stdout");
}

#[test]
fn warnings_pass_unless_strict() {
    let dir = Dir::new();
    let mut dup = req_row("REQ-001", "A");
    dup[6] = C::S("VER-1;VER-1");
    req_workbook(&dir, &[dup]);
    let run = dir.run(&["convert", "req.xlsx", "-t", "req.toml", "-o", "out.json"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stderr.contains("warning  duplicate-target"), "{}", run.stderr);
    let body: serde_json::Value = serde_json::from_str(&dir.read("out.json")).unwrap();
    assert_eq!(body["Requirements"][0]["Verified_x0020_by"], json!([{"@id": "VER-1"}]));

    let strict = dir.run(&["convert", "req.xlsx", "-t", "req.toml", "-o", "strict.json", "--strict"]);
    assert_eq!(strict.code, 1, "{strict:?}");
    assert!(!dir.exists("strict.json"));
}

#[test]
fn report_file_holds_every_problem_as_json() {
    let dir = Dir::new();
    let mut rows = vec![];
    for _ in 0..3 {
        let mut r = req_row("REQ-001", "A");
        r[3] = C::S("heavy");
        rows.push(r);
    }
    req_workbook(&dir, &rows);
    let run = dir.run(&[
        "convert",
        "req.xlsx",
        "-t",
        "req.toml",
        "-o",
        "out.json",
        "--report-file",
        "report.json",
    ]);
    assert_eq!(run.code, 1);
    let report: serde_json::Value = serde_json::from_str(&dir.read("report.json")).unwrap();
    assert_eq!(report["errors"], 5, "{report}");
    assert_eq!(problems_with_code(&report, "not-a-number").len(), 3);
    assert_eq!(problems_with_code(&report, "duplicate-external-id").len(), 2);
}

#[test]
fn refuses_to_overwrite_the_input() {
    let dir = Dir::new();
    req_workbook(&dir, &[req_row("REQ-001", "A")]);
    let before = std::fs::read(dir.path("req.xlsx")).unwrap();
    let run = dir.run(&["convert", "req.xlsx", "-t", "req.toml", "-o", "req.xlsx"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert_eq!(std::fs::read(dir.path("req.xlsx")).unwrap(), before);
}

#[test]
fn sheet_choice_and_unknown_sheets() {
    let dir = Dir::new();
    let other = vec![req_header(), req_row("OTHER-1", "other")];
    let main = vec![req_header(), req_row("REQ-001", "main")];
    xlsx_sheets(&dir.path("two.xlsx"), &[("Other", &other), ("Requirements", &main)]);
    dir.write("req.toml", REQ_TEMPLATE);
    dir.write("nosheet.toml", REQ_TEMPLATE.replace("sheet = \"Requirements\"", ""));

    // The template's sheet.
    let run = dir.run(&["convert", "two.xlsx", "-t", "req.toml"]);
    assert_eq!(run.json()["Requirements"][0]["@externalid"], "REQ-001");
    // --sheet wins.
    let run = dir.run(&["convert", "two.xlsx", "-t", "req.toml", "--sheet", "Other"]);
    assert_eq!(run.json()["Requirements"][0]["@externalid"], "OTHER-1");
    // Neither: the first sheet.
    let run = dir.run(&["convert", "two.xlsx", "-t", "nosheet.toml"]);
    assert_eq!(run.json()["Requirements"][0]["@externalid"], "OTHER-1");
    // Unknown: exit 2, listing the sheets.
    let run = dir.run(&["convert", "two.xlsx", "-t", "req.toml", "--sheet", "Requirement"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("'Other'") && run.stderr.contains("'Requirements'"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("did you mean 'Requirements'"), "{}", run.stderr);
}

/// The exact layout of both formats, pretty and compact, for one element with every kind of
/// value (parsed comparisons elsewhere cannot see indentation).
#[test]
fn exact_layout_of_both_formats() {
    let dir = Dir::new();
    xlsx(
        &dir.path("in.xlsx"),
        "S",
        &[
            vec![C::S("ID"), C::S("Name"), C::S("W"), C::S("P"), C::S("E")],
            vec![
                C::S("A-1"),
                C::S("Pump \"X\" & <Y>"),
                C::N(2.5),
                C::S("R-1\nR-2"),
                C::Blank,
            ],
        ],
    );
    dir.write(
        "t.toml",
        r#"
[target]
type = "Requirement"
plural = "Requirements"
[external_id]
column = "ID"
[[property]]
name = "Name"
column = "Name"
type = "text"
[[property]]
name = "Weight"
column = "W"
type = "number"
[[relation]]
role = "Is part of"
column = "P"
target = "Requirement"
[[relation]]
role = "Empty"
column = "E"
target = "Thing"
"#,
    );
    let json = dir.run(&["convert", "in.xlsx", "-t", "t.toml"]);
    assert_eq!(json.code, 0, "{json:?}");
    assert_eq!(
        json.stdout,
        r#"{
  "Requirements": [
    {
      "@externalid": "A-1",
      "Name": "Pump \"X\" & <Y>",
      "Weight": 2.5,
      "Is_x0020_part_x0020_of": [
        {
          "@id": "R-1"
        },
        {
          "@id": "R-2"
        }
      ],
      "Empty": []
    }
  ]
}
"#
    );
    let compact = dir.run(&["convert", "in.xlsx", "-t", "t.toml", "--compact"]);
    assert_eq!(
        compact.stdout,
        r#"{"Requirements":[{"@externalid":"A-1","Name":"Pump \"X\" & <Y>","Weight":2.5,"Is_x0020_part_x0020_of":[{"@id":"R-1"},{"@id":"R-2"}],"Empty":[]}]}"#
    );
    let xml = dir.run(&["convert", "in.xlsx", "-t", "t.toml", "--format", "xml"]);
    assert_eq!(
        xml.stdout,
        r#"<?xml version="1.0" encoding="utf-8"?>
<elements>
  <Requirements>
    <Requirement externalid="A-1">
      <Name>Pump "X" &amp; &lt;Y&gt;</Name>
      <Weight>2.5</Weight>
      <Is_x0020_part_x0020_of>
        <Requirement id="R-1" />
        <Requirement id="R-2" />
      </Is_x0020_part_x0020_of>
      <Empty />
    </Requirement>
  </Requirements>
</elements>
"#
    );
}
