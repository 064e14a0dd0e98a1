//! `relsync template init`: from an export to a template that converts it, with names from
//! Relatics' Excel sync template when there is one; and the Excel sync format as a body.

use rust_xlsxwriter::{Format, Workbook};

use crate::support::*;

/// Runs `template init` with `args` into `out`, and returns the template text and stderr.
fn init(dir: &Dir, args: &[&str], out: &str) -> (String, String) {
    let mut all = vec!["template", "init"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["-o", out]);
    let run = dir.run(&all);
    assert_eq!(run.code, 0, "{run:?}");
    (dir.read(out), run.stderr)
}

#[test]
fn templates_for_the_samples_convert_them_as_they_are() {
    let dir = Dir::new();
    for (sample, problems) in [
        ("samples/requirements.xlsx", 0),
        ("samples/objects-nl.csv", 0),
        ("samples/objects-by-name.csv", 0),
        ("tests/data/requirements.xls", 0),
        ("tests/data/requirements.ods", 0),
        // Only the real data problems remain, all planted: a missing and a duplicate id, an
        // impossible date, a word and an error cell in the number column, a URL that is not one.
        ("samples/requirements-with-problems.xlsx", 6),
    ] {
        let (template, stderr) = init(&dir, &[&repo(sample)], "t.toml");
        toml::from_str::<toml::Value>(&template).unwrap_or_else(|e| panic!("{sample}: not TOML: {e}"));
        assert!(stderr.contains("header row: row"), "{sample}: {stderr}");
        let check = dir.run(&["check", &repo(sample), "-t", "t.toml", "--report", "json"]);
        assert_eq!(check.json()["errors"], problems, "{sample}: {}", check.stdout);
        std::fs::remove_file(dir.path("t.toml")).unwrap();
    }
}

#[test]
fn what_the_sample_template_says() {
    let dir = Dir::new();
    let (template, stderr) = init(&dir, &[&repo("samples/requirements.xlsx")], "t.toml");
    // The title rows above the headers are seen for what they are.
    assert!(template.contains("header_row = 3  # row 3:"), "{template}");
    assert!(stderr.contains("rows 1-2 above it look like a title"), "{stderr}");
    assert!(template.contains("[external_id]\n# 50 values, 0 empty, more than 40 distinct, e.g. 'REQ-001'"));
    assert!(template.contains("column = \"ID\""));
    for expected in [
        "name = \"Status\"\ncolumn = \"Status\"\ntype = \"list\"\nvalues = [",
        "name = \"Due\"\ncolumn = \"Due\"\ntype = \"date\"\nrequired = true",
        "name = \"Weight\"\ncolumn = \"Weight\"\ntype = \"number\"",
        "name = \"Link\"\ncolumn = \"Link\"\ntype = \"url\"",
        "name = \"Description\"\ncolumn = \"Description\"\ntype = \"text\"",
        "# guessed as a relation: the cells hold element IDs or lists of them\n[[relation]]\nrole = \"Verified by\"",
    ] {
        assert!(template.contains(expected), "missing {expected:?} in:\n{template}");
    }
    // A CSV gives its delimiter, encoding, decimal comma and date format.
    let (csv, notes) = init(&dir, &[&repo("samples/objects-nl.csv")], "o.toml");
    for expected in [
        "delimiter = \";\"  # detected",
        "encoding = \"windows-1252\"",
        "decimal_comma = true",
        "date_formats = [\"dd-mm-yyyy\"]",
        "column = \"Code\"",
    ] {
        assert!(csv.contains(expected), "missing {expected:?} in:\n{csv}");
    }
    assert!(notes.contains("read as windows-1252"), "{notes}");

    // The same from standard input, which can be read only once.
    let bytes = std::fs::read(repo("samples/objects-nl.csv")).unwrap();
    let run = dir.run_with(&["template", "init", "-"], &[], Some(&bytes));
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("encoding = \"windows-1252\""), "{}", run.stdout);
    assert!(run.stdout.contains("plural = \"Elements\""), "{}", run.stdout);
    dir.write("stdin.toml", &run.stdout);
    let check = dir.run(&[
        "check",
        &repo("samples/objects-nl.csv"),
        "-t",
        "stdin.toml",
        "--report",
        "json",
    ]);
    assert_eq!(check.json()["errors"], 0, "{}", check.stdout);
}

#[test]
fn output_is_standard_output_or_a_file_never_overwritten_without_force() {
    let dir = Dir::new();
    let sample = repo("samples/requirements.xlsx");
    let run = dir.run(&["template", "init", &sample]);
    assert_eq!(run.code, 0);
    assert!(
        run.stdout.starts_with("# Template made by `relsync template init"),
        "{}",
        run.stdout
    );
    dir.write("t.toml", "mine");
    let refused = dir.run(&["template", "init", &sample, "-o", "t.toml"]);
    assert_eq!(refused.code, 2, "{refused:?}");
    assert!(
        refused
            .stderr
            .contains("t.toml exists; relsync does not replace it unless you give --force")
    );
    assert_eq!(dir.read("t.toml"), "mine");
    let forced = dir.run(&["template", "init", &sample, "-o", "t.toml", "--force"]);
    assert_eq!(forced.code, 0);
    assert!(dir.read("t.toml").contains("[external_id]"));
    // The header row can be given.
    let given = dir.run(&["template", "init", &sample, "--header-row", "3"]);
    assert!(
        given.stdout.contains("header_row = 3  # row 3 (--header-row)"),
        "{}",
        given.stdout
    );
}

/// A sheet with a title row, a blank row, Dutch headers and the kinds of columns exports have.
fn register(dir: &Dir) {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Assets").unwrap();
    let date = Format::new().set_num_format("dd-mm-yyyy");
    ws.write_string(0, 0, "Asset register export – 2026-11-28").unwrap();
    let headers = [
        "Objectcode",
        "Naam",
        "Type",
        "Lengte",
        "Datum ingebruikname",
        "Ligt in",
        "Notities",
    ];
    for (c, h) in headers.iter().enumerate() {
        ws.write_string(2, c as u16, *h).unwrap();
    }
    let types = ["Brug", "Sluis", "Gemaal"];
    for i in 0..40u32 {
        let r = i + 3;
        ws.write_string(r, 0, format!("OBJ-{:03}", i + 1)).unwrap();
        ws.write_string(r, 1, format!("Object {}", i + 1)).unwrap();
        ws.write_string(r, 2, types[i as usize % 3]).unwrap();
        ws.write_number(r, 3, 10.5 + f64::from(i)).unwrap();
        let d = rust_xlsxwriter::ExcelDateTime::from_ymd(2000 + i as u16 % 20, 3, 1).unwrap();
        ws.write_datetime_with_format(r, 4, d, &date).unwrap();
        ws.write_string(r, 5, format!("GEB-{}; GEB-{}", i % 4, i % 4 + 1))
            .unwrap();
        if i % 10 == 0 {
            ws.write_string(r, 6, "Controle nodig").unwrap();
        }
    }
    wb.save(dir.path("assets.xlsx")).unwrap();
}

#[test]
fn a_generated_export_with_a_title_and_a_blank_row() {
    let dir = Dir::new();
    register(&dir);
    let (template, stderr) = init(&dir, &["assets.xlsx"], "a.toml");
    assert!(template.contains("header_row = 3"), "{template}");
    assert!(stderr.contains("row 1 above it looks like a title"), "{stderr}");
    assert!(template.contains("column = \"Objectcode\""));
    assert!(
        template.contains(
            "name = \"Type\"\ncolumn = \"Type\"\ntype = \"list\"\nvalues = [\"Brug\", \"Gemaal\", \"Sluis\"]"
        ),
        "{template}"
    );
    assert!(template.contains("name = \"Lengte\"\ncolumn = \"Lengte\"\ntype = \"number\""));
    assert!(template.contains("name = \"Datum ingebruikname\"\ncolumn = \"Datum ingebruikname\"\ntype = \"date\""));
    assert!(template.contains("[[relation]]\nrole = \"Ligt in\""));
    assert!(
        template.contains("# 4 values, 36 empty, 1 distinct, e.g. 'Controle nodig'\n[[property]]\nname = \"Notities\"")
    );
    let convert = dir.run(&["convert", "assets.xlsx", "-t", "a.toml"]);
    assert_eq!(convert.code, 0, "{convert:?}");
    let body = convert.json();
    let first = &body["Assets"][0];
    assert_eq!(first["@externalid"], "OBJ-001");
    assert_eq!(
        first["Ligt_x0020_in"],
        serde_json::json!([{"@id": "GEB-0"}, {"@id": "GEB-1"}])
    );
    assert_eq!(first["Datum_x0020_ingebruikname"], "2000-03-01");
}

/// Relatics' Excel sync template: `ExternalId`, then the names as Relatics spells them.
fn sync_template(dir: &Dir, names: &[&str]) {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Fysieke objecten").unwrap();
    ws.write_string(0, 0, "ExternalId").unwrap();
    for (c, n) in names.iter().enumerate() {
        ws.write_string(0, c as u16 + 1, *n).unwrap();
    }
    wb.save(dir.path("sync.xlsx")).unwrap();
}

#[test]
fn names_from_relatics_sync_template_are_matched_to_the_headers() {
    let dir = Dir::new();
    register(&dir);
    sync_template(
        &dir,
        &["Naam", "TYPE", "lengte", "Datum_ingebruikname", "Ligt-in", "Beheerder"],
    );
    let (template, stderr) = init(&dir, &["assets.xlsx", "--sync-template", "sync.xlsx"], "s.toml");
    assert!(template.contains("plural = \"Fysieke objecten\""), "{template}");
    assert!(
        template.contains("# 'Naam' (from the sync template): matched exactly"),
        "{template}"
    );
    assert!(
        template
            .contains("# 'TYPE' (from the sync template): matched ignoring case, spaces, '-' and '_' to column 'Type'")
    );
    assert!(template.contains("name = \"Datum_ingebruikname\"\ncolumn = \"Datum ingebruikname\"\ntype = \"date\""));
    assert!(template.contains("role = \"Ligt-in\"\ncolumn = \"Ligt in\""));
    // A name without a column is left commented out, with the closest header.
    assert!(
        template.contains("# No column of the sheet matches \"Beheerder\""),
        "{template}"
    );
    // Columns no name matched are ignored, said so.
    assert!(template.contains("columns = [\"Notities\"]"), "{template}");
    assert!(
        stderr.contains("5 of 6 names from the sync template matched a column (1 exactly)"),
        "{stderr}"
    );
    let check = dir.run(&["check", "assets.xlsx", "-t", "s.toml"]);
    assert_eq!(check.code, 0, "{check:?}");
    let body = dir.run(&["convert", "assets.xlsx", "-t", "s.toml"]).json();
    assert_eq!(body["Fysieke_x0020_objecten"][0]["TYPE"], "Brug");
}

#[test]
fn the_bundled_sync_template_gives_relatics_names() {
    let dir = Dir::new();
    let (template, stderr) = init(
        &dir,
        &[
            &repo("samples/requirements.xlsx"),
            "--sync-template",
            &repo("samples/requirements-sync.xlsx"),
        ],
        "t.toml",
    );
    assert!(
        stderr.contains(
            "8 of 10 names from the sync template matched a column (7 exactly); left commented out: 'Due date' (the \
             nearest header is 'Due'), 'Is part of'"
        ),
        "{stderr}"
    );
    assert!(
        template.contains("role = \"Verified By\"\ncolumn = \"Verified by\""),
        "{template}"
    );
    assert!(template.contains("# name = \"Due date\"\n# column = \"Due\"\n# type = \"date\""));
    assert!(template.contains("columns = [\"Due\", \"Remark\", \"Parent\", \"Comments\"]"));
    let check = dir.run(&["check", &repo("samples/requirements.xlsx"), "-t", "t.toml"]);
    assert_eq!(check.code, 0, "{check:?}");
}

#[test]
fn the_sync_sheet_named_like_the_export_is_read_before_the_first() {
    let dir = Dir::new();
    register(&dir);
    let mut wb = Workbook::new();
    let help = wb.add_worksheet();
    help.set_name("Instructions").unwrap();
    help.write_string(0, 0, "Fill in one row per element.").unwrap();
    let other = wb.add_worksheet();
    other.set_name("Gebieden").unwrap();
    other.write_string(0, 0, "ExternalId").unwrap();
    other.write_string(0, 1, "Oppervlakte").unwrap();
    let ours = wb.add_worksheet();
    ours.set_name("Assets").unwrap();
    for (c, n) in ["ExternalId", "Naam", "Type"].iter().enumerate() {
        ours.write_string(0, c as u16, *n).unwrap();
    }
    wb.save(dir.path("sync.xlsx")).unwrap();
    let (template, stderr) = init(&dir, &["assets.xlsx", "--sync-template", "sync.xlsx"], "t.toml");
    assert!(
        stderr.contains("2 of 2 names from the sync template matched"),
        "{stderr}"
    );
    assert!(template.contains("plural = \"Assets\""), "{template}");

    // Without a sheet of that name, the first sheet is read, and it must hold `ExternalId`.
    let mut wb = Workbook::new();
    wb.add_worksheet().set_name("Instructions").unwrap();
    wb.save(dir.path("sync2.xlsx")).unwrap();
    let run = dir.run(&["template", "init", "assets.xlsx", "--sync-template", "sync2.xlsx"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains(
            "sync2.xlsx (sheet 'Instructions') has no header row with 'ExternalId'; is it the Excel sync template"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn the_excel_sync_format_round_trips_through_template_init() {
    let dir = Dir::new();
    let sample = repo("samples/requirements.xlsx");
    let template = repo("templates/requirements.toml");
    let run = dir.run(&["convert", &sample, "-t", &template, "-o", "body.xlsx"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stderr.contains("wrote body.xlsx (Excel"), "{}", run.stderr);

    // The Excel body: ExternalId, then the sent names as Relatics spells them.
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(dir.path("body.xlsx")).unwrap();
    use calamine::Reader;
    let range = wb.worksheet_range("Requirements").unwrap();
    let header: Vec<String> = range.rows().next().unwrap().iter().map(|c| c.to_string()).collect();
    assert_eq!(
        header,
        [
            "ExternalId",
            "Name",
            "Description",
            "Status",
            "Due date",
            "Weight",
            "Kosten (€)",
            "Eigenaar",
            "Source document",
            "Is part of",
            "Geverifieerd door"
        ]
    );
    let first: Vec<&calamine::Data> = range.rows().nth(1).unwrap().iter().collect();
    assert!(
        matches!(first[4], calamine::Data::DateTime(_)),
        "a date cell: {:?}",
        first[4]
    );
    assert_eq!(first[5], &calamine::Data::Float(1.5));
    assert!(
        range.rows().any(|r| r[10].to_string().contains('\n')),
        "several targets, one per line"
    );

    // Its names come back as the template's, and so does the body.
    let (made, _) = init(&dir, &["body.xlsx", "--sync-template", "body.xlsx"], "round.toml");
    let names = |text: &str| -> Vec<String> {
        let v: toml::Value = toml::from_str(text).unwrap();
        let mut out = Vec::new();
        for (section, key) in [("property", "name"), ("relation", "role")] {
            for item in v.get(section).and_then(|s| s.as_array()).into_iter().flatten() {
                let internal = item.get("ownership").and_then(|o| o.as_str()) == Some("internal");
                if !internal {
                    out.push(item[key].as_str().unwrap().to_owned());
                }
            }
        }
        out.sort();
        out
    };
    assert_eq!(names(&made), names(&std::fs::read_to_string(&template).unwrap()));
    let original = dir.run(&["convert", &sample, "-t", &template]).json();
    let again = dir.run(&["convert", "body.xlsx", "-t", "round.toml"]).json();
    assert_eq!(again, original);

    // Dates Excel cannot hold (before 1900) are written as their ISO text, not refused or
    // shifted; they read back as the same dates.
    dir.write(
        "old.toml",
        "[target]\ntype = \"Asset\"\nplural = \"Assets\"\n[external_id]\ncolumn = \"Code\"\n\
         [[property]]\nname = \"Built\"\ncolumn = \"Built\"\ntype = \"date\"\n",
    );
    dir.write(
        "old.csv",
        "Code,Built\nB-1,1850-06-15\nB-2,1899-12-31\nB-3,1900-01-01\nB-4,2027-03-01\n",
    );
    let run = dir.run(&["convert", "old.csv", "-t", "old.toml", "-o", "old.xlsx"]);
    assert_eq!(run.code, 0, "{run:?}");
    dir.write(
        "back.toml",
        dir.read("old.toml")
            .replace("column = \"Code\"", "column = \"ExternalId\""),
    );
    let back = dir.run(&["convert", "old.xlsx", "-t", "back.toml"]);
    assert_eq!(
        back.json(),
        dir.run(&["convert", "old.csv", "-t", "old.toml"]).json(),
        "{back:?}"
    );
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(dir.path("old.xlsx")).unwrap();
    let range = wb.worksheet_range("Assets").unwrap();
    let built: Vec<&calamine::Data> = range.rows().skip(1).map(|r| &r[1]).collect();
    assert_eq!(built[0], &calamine::Data::String("1850-06-15".into()));
    assert_eq!(built[1], &calamine::Data::String("1899-12-31".into()));
    assert!(matches!(built[2], calamine::Data::DateTime(_)), "{:?}", built[2]);

    // submit does not send this format.
    let refused = dir.run(&["submit", &sample, "-t", &template, "-f", "xlsx", "--dry-run"]);
    assert_eq!(refused.code, 2);
    assert!(
        refused.stderr.contains("submit sends JSON or XML"),
        "{}",
        refused.stderr
    );
}

#[test]
fn a_header_row_in_the_wrong_place_is_named() {
    let dir = Dir::new();
    let template = std::fs::read_to_string(repo("templates/requirements.toml"))
        .unwrap()
        .replace("header_row = 3", "");
    dir.write("no-row.toml", template);
    let run = dir.run(&["check", &repo("samples/requirements.xlsx"), "-t", "no-row.toml"]);
    assert_eq!(run.code, 1);
    let lines: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.contains("  error  ") || l.contains("  warning  "))
        .collect();
    assert_eq!(
        lines,
        [
            "Requirements!1:1  error  missing-column  12 of the template's columns are not in the header row 1 ('ID', \
          'Title', 'Description', 'Status', 'Due', 7 more); the headers look like row 3 (12 of 12 template columns \
          found there): set source.header_row = 3"
        ],
        "one problem, no flood of unmapped columns"
    );
}

#[test]
fn a_csv_with_a_title_row_gets_the_hint_and_no_ragged_flood() {
    let dir = Dir::new();
    let mut csv = String::from("My export\nCode;Naam;Stat\n");
    for i in 0..80 {
        csv.push_str(&format!("A-{i};n;x\n"));
    }
    dir.write("hr.csv", csv);
    dir.write(
        "hr.toml",
        "[target]\ntype = \"T\"\nplural = \"Ts\"\n[source]\ndelimiter = \";\"\n[external_id]\ncolumn = \"Code\"\n\
         [[property]]\nname = \"Naam\"\ncolumn = \"Naam\"\ntype = \"text\"\n\
         [[property]]\nname = \"Stat\"\ncolumn = \"Stat\"\ntype = \"text\"\n",
    );
    let run = dir.run(&["check", "hr.csv", "-t", "hr.toml"]);
    assert_eq!(run.code, 1, "{run:?}");
    let problems: Vec<&str> = run.stdout.lines().filter(|l| l.contains("  error  ")).collect();
    assert_eq!(
        problems,
        [
            "1:1  error  missing-column  3 of the template's columns are not in the header row 1 ('Code', 'Naam', \
             'Stat'); the headers look like row 2 (3 of 3 template columns found there): set source.header_row = 2"
        ]
    );
    // With the row set, the file converts.
    let fixed = dir.read("hr.toml").replace("[source]", "[source]\nheader_row = 2");
    dir.write("hr.toml", fixed);
    assert_eq!(dir.run(&["check", "hr.csv", "-t", "hr.toml"]).code, 0);
}

#[test]
fn stray_values_do_not_change_a_columns_type_and_codes_are_not_ids() {
    let dir = Dir::new();
    let mut csv = String::from("ID;Weight;Link;Code;Due\n");
    for i in 1..=20 {
        let weight = if i == 7 { "twee".to_owned() } else { format!("{i}.5") };
        let link = if i == 9 {
            "www.example.nl".to_owned()
        } else {
            format!("https://example.nl/{i}")
        };
        csv.push_str(&format!("REQ-{i:03};{weight};{link};T{};2027-03-{i:02}\n", i % 3));
    }
    dir.write("in.csv", csv);
    let (template, _) = init(&dir, &["in.csv"], "t.toml");
    for expected in [
        "# 20 values, 0 empty, 20 distinct, e.g. '1.5'; 1 is not a number, which relsync check reports\n\
         [[property]]\nname = \"Weight\"\ncolumn = \"Weight\"\ntype = \"number\"",
        "1 is not a URL, which relsync check reports\n[[property]]\nname = \"Link\"\ncolumn = \"Link\"\ntype = \"url\"",
        "name = \"Code\"\ncolumn = \"Code\"\ntype = \"list\"",
    ] {
        assert!(template.contains(expected), "missing {expected:?} in:\n{template}");
    }
    assert!(
        !template.contains("[[relation]]"),
        "T1, T2 are codes, not IDs:\n{template}"
    );
    let check = dir.run(&["check", "in.csv", "-t", "t.toml", "--report", "json"]);
    assert_eq!(check.json()["errors"], 2, "{}", check.stdout);

    // A header row given by hand that does not look like one is said to be doubtful.
    let (template, notes) = init(
        &dir,
        &[&repo("samples/requirements.xlsx"), "--header-row", "1"],
        "h.toml",
    );
    assert!(
        notes.contains("row 1 (--header-row), though the headers look like row 3"),
        "{notes}"
    );
    assert!(template.contains("though the headers look like row 3"), "{template}");
}

#[test]
fn headers_relsync_cannot_tell_apart_and_columns_without_one_are_said() {
    let dir = Dir::new();
    dir.write(
        "dh.csv",
        "ID,Name,name, Name ,,X\nA,x,y,z,w,1\nB,x2,y2,z2,,2\nC,x3,y3,z3,,3\n",
    );
    let (template, notes) = init(&dir, &["dh.csv"], "t.toml");
    assert!(
        notes.contains("column C ('name') has the header, but for case and spaces, of column B ('Name')"),
        "{notes}"
    );
    assert!(notes.contains("column E holds values but no header"), "{notes}");
    assert_eq!(template.matches("column = \"Name\"").count(), 1, "{template}");
    assert!(!template.contains("others = true"), "no blanket ignore:\n{template}");
    // What check then reports is the export's own problem, said once each.
    let check = dir.run(&["check", "dh.csv", "-t", "t.toml", "--report", "json"]).json();
    let codes: Vec<&str> = check["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["duplicate-column", "unmapped-column"]);
}

#[test]
fn dutch_thousands_with_dots_make_a_decimal_comma() {
    let dir = Dir::new();
    dir.write(
        "thou.csv",
        "Code;Naam;Gewicht\r\nA;x;1.500\r\nB;y;2.750\r\nC;z;12.000\r\nD;w;3.250\r\n",
    );
    let (template, _) = init(&dir, &["thou.csv"], "t.toml");
    assert!(template.contains("decimal_comma = true"), "{template}");
    let body = dir.run(&["convert", "thou.csv", "-t", "t.toml"]).json();
    let weights: Vec<f64> = body["thou"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["Gewicht"].as_f64().unwrap())
        .collect();
    assert_eq!(weights, [1500.0, 2750.0, 12000.0, 3250.0]);
    // The same numbers in a comma-separated file are read with a decimal point.
    dir.write("us.csv", "Code,Weight\nA,1.500\nB,2.750\n");
    let (template, _) = init(&dir, &["us.csv"], "u.toml");
    assert!(!template.contains("decimal_comma"), "{template}");
}

#[test]
fn control_characters_in_values_do_not_break_the_template() {
    let dir = Dir::new();
    dir.write("c.csv", "ID,Name\nR-1,a\x1bb\nR-2,c\x01d\n");
    let (template, _) = init(&dir, &["c.csv"], "t.toml");
    assert!(template.contains(r"e.g. 'a\u{1b}b'"), "{template}");
    assert_eq!(
        dir.run(&["check", "c.csv", "-t", "t.toml"]).code,
        1,
        "the values themselves are problems"
    );
}
