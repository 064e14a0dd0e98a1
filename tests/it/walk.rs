//! What a second newcomer walk found: `template init` must not bake mistakes into the template
//! (codes as numbers, near-duplicate list values, relations to the sheet's own rows, ids, sync
//! template names, dates with a time), names beside target IDs wherever they are shown, and
//! small things. Each with real files, the generated template read back.

use crate::server::{Reply, Server};
use crate::support::*;

/// `template init ARGS -o OUT`: the template and standard error.
fn init(dir: &Dir, args: &[&str], out: &str) -> (String, String) {
    let mut all = vec!["template", "init"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["-o", out]);
    let run = dir.run(&all);
    assert_eq!(run.code, 0, "{run:?}");
    (dir.read(out), run.stderr)
}

/// The TOML block of the field whose `column` is `column`, with its comments.
fn block<'a>(template: &'a str, column: &str) -> &'a str {
    let at = template
        .find(&format!("column = \"{column}\""))
        .unwrap_or_else(|| panic!("no column {column} in:\n{template}"));
    let start = template[..at].rfind("\n\n").map_or(0, |s| s + 2);
    let end = template[at..].find("\n\n").map_or(template.len(), |e| at + e);
    &template[start..end]
}

/// An asset register of 60 rows: object codes, postcodes with a leading zero, version codes, a
/// status list with two variant spellings, lengths with a fixed decimal, and (`tree`) a parent
/// column holding other rows' names.
fn register(dir: &Dir, tree: bool) {
    let mut csv = String::from("Nr;Omschrijving;Objectcode;Postcode;Versie;Status;Lengte");
    csv.push_str(if tree { ";Onderdeel van\n" } else { "\n" });
    for i in 0..60 {
        let status = match i {
            17 => "in gebruik",
            30 => "In  gebruik",
            _ if i % 3 == 0 => "Buiten gebruik",
            _ => "In gebruik",
        };
        csv.push_str(&format!(
            "{};Gemaal {i};FO-{};0{};1.{};{status};{},{}0",
            i + 1,
            5000 + i,
            1000 + i,
            i % 12,
            10 + i,
            i % 10
        ));
        if tree {
            let parent = match i {
                0 => String::new(),
                1..=9 => "Gemaal 0".to_owned(),
                _ => format!("gemaal {}", i / 10),
            };
            csv.push_str(&format!(";{parent}"));
        }
        csv.push('\n');
    }
    dir.write("register.csv", csv);
}

/// A column of `08123`-style codes is text (a number would send 8123.0); version codes with
/// `1.10` beside `1.9` are text; lengths written with a fixed decimal are numbers.
#[test]
fn codes_stay_text_and_numbers_as_written_stay_numbers() {
    let dir = Dir::new();
    register(&dir, false);
    let (template, _) = init(&dir, &["register.csv"], "t.toml");
    let postcode = block(&template, "Postcode");
    assert!(postcode.contains("type = \"single-line-text\""), "{postcode}");
    assert!(
        postcode.contains(
            "text, not a number: a number column would change 60 values such as '01000' (row 2), sent as 1000.0"
        ),
        "{postcode}"
    );
    let version = block(&template, "Versie");
    assert!(!version.contains("type = \"number\""), "{version}");
    let length = block(&template, "Lengte");
    assert!(length.contains("type = \"number\""), "{length}");
    assert!(template.contains("decimal_comma = true"), "{template}");
    // The id: the column whose header says it is one, though a column before it is unique too.
    assert!(
        template.contains(
            "[external_id]\n# 60 values, 0 empty, more than 40 distinct, e.g. 'FO-5000': its header names an id"
        ),
        "{template}"
    );
    assert!(template.contains("column = \"Objectcode\""), "{template}");
    // What convert sends: the codes as written (the variant spellings, problems of their own,
    // put right first).
    let text = dir
        .read("register.csv")
        .replace("in gebruik", "In gebruik")
        .replace("In  gebruik", "In gebruik");
    dir.write("register.csv", text);
    let run = dir.run(&["convert", "register.csv", "-t", "t.toml"]);
    assert_eq!(run.code, 0, "{run:?}");
    let body = run.json();
    let first = &elements(&body, "register")[0];
    assert_eq!(first["@externalid"], "FO-5000");
    assert_eq!(first["Postcode"], "01000");
    assert_eq!(first["Versie"], "1.0");
    assert_eq!(first["Lengte"], 10.0);
}

/// In a comma-separated export, `1,250` is 1250 as much as 1.25: no decimal comma is guessed
/// from such values, and the column is text with a comment saying why (a convert sent 1.25
/// without a word). In a `;`-separated one the comma is the decimal separator.
#[test]
fn amounts_with_a_thousands_comma_are_not_guessed() {
    let dir = Dir::new();
    let mut csv = String::from("ID,Bedrag,Naam\n");
    for i in 0..20 {
        csv.push_str(&format!("T-{i},\"{},{}50\",n{i}\n", 1 + i / 4, i % 4 * 2));
    }
    dir.write("thou.csv", &csv);
    let (template, _) = init(&dir, &["thou.csv"], "t.toml");
    assert!(!template.contains("\ndecimal_comma"), "{template}");
    let amount = block(&template, "Bedrag");
    assert!(amount.contains("type = \"single-line-text\""), "{amount}");
    assert!(
        amount.contains("a value such as '1,050' (row 2) is 1.05 with a decimal comma and 1050 in an English export"),
        "{amount}"
    );
    let run = dir.run(&["convert", "thou.csv", "-t", "t.toml"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(elements(&run.json(), "thou")[1]["Bedrag"], "1,250");
    let semi: String = csv
        .lines()
        .map(|l| format!("{}\n", l.replacen(',', ";", 1).replace(",n", ";n").replace('"', "")))
        .collect::<String>()
        .replace("Bedrag,Naam", "Bedrag;Naam");
    assert!(semi.starts_with("ID;Bedrag;Naam\nT-0;1,050;n0\n"), "{semi}");
    dir.write("semi.csv", semi);
    let (template, _) = init(&dir, &["semi.csv"], "u.toml");
    assert!(
        template.contains("decimal_comma = true  # numbers are written 1.234,5"),
        "{template}"
    );
    // Mixed with plain and unambiguous numbers: still text, and said why.
    dir.write(
        "mixed.csv",
        "ID,Bedrag\nA,999\nB,\"1,250,000\"\nC,\"1,250\"\nD,12\nE,\"2,500\"\n",
    );
    let (template, _) = init(&dir, &["mixed.csv"], "m.toml");
    assert!(
        block(&template, "Bedrag").contains("is 1.25 with a decimal comma and 1250 in an English export"),
        "{template}"
    );
    // `1.500` in a `;` file is 1500, but only guessed: marked for a check.
    dir.write("km.csv", "ID;Afstand\nA;1.500\nB;2.250\nC;3.125\nD;4.000\nE;5.750\n");
    let (template, _) = init(&dir, &["km.csv"], "k.toml");
    assert!(
        template.contains("decimal_comma = true  # check: numbers such as 1.500 read either way"),
        "{template}"
    );
}

/// List values that differ only in case, spacing or accents are one value, spelled as most
/// cells spell it; the note names each other spelling with its count and first cell, and check
/// reports those cells.
#[test]
fn near_duplicate_list_values_are_one_and_check_flags_the_variants() {
    let dir = Dir::new();
    register(&dir, false);
    let (template, stderr) = init(&dir, &["register.csv"], "t.toml");
    let status = block(&template, "Status");
    assert!(
        status.contains("values = [\"In gebruik\", \"Buiten gebruik\"]"),
        "{status}"
    );
    assert!(
        status.contains("'in gebruik' (1 cell, first F19) is another spelling of 'In gebruik'"),
        "{status}"
    );
    assert!(
        stderr.contains("column F ('Status'): values that differ only in case, spacing or accents are one list value")
            && stderr.contains(
                "'in gebruik' x1 (first F19) for 'In gebruik', 'In  gebruik' x1 (first F32) for 'In gebruik'"
            ),
        "{stderr}"
    );
    let check = dir.run(&["check", "register.csv", "-t", "t.toml", "--report", "json"]);
    assert_eq!(check.code, 1, "{check:?}");
    let report = check.json();
    let cells: Vec<&str> = problems_with_code(&report, "not-in-list")
        .iter()
        .map(|p| p["cell"].as_str().unwrap())
        .collect();
    assert_eq!(cells, ["F19", "F32"]);
    // Accents too, in a workbook.
    let mut rows = vec![vec![C::S("ID"), C::S("Toestand")]];
    for i in 0..12 {
        let value = match i {
            1 => "Geevalueerd",
            _ if i % 2 == 0 => "Geëvalueerd",
            _ => "Open",
        };
        rows.push(vec![C::Str(format!("A-{i}")), C::S(value)]);
    }
    xlsx(&dir.path("acc.xlsx"), "Blad1", &rows);
    let (template, _) = init(&dir, &["acc.xlsx"], "a.toml");
    assert!(
        block(&template, "Toestand").contains("values = [\"Geëvalueerd\", \"Open\"]"),
        "{template}"
    );
}

/// A column whose values are the names of other rows is a relation to the sheet's own type,
/// by interface, with a comment saying why; the project the notes describe checks clean.
#[test]
fn a_column_of_other_rows_names_is_a_relation_to_the_same_sheet() {
    let dir = Dir::new();
    register(&dir, true);
    let (template, stderr) = init(&dir, &["register.csv", "--interface", "objects"], "t.toml");
    let parent = block(&template, "Onderdeel van");
    assert!(parent.contains("[[relation]]"), "{parent}");
    assert!(parent.contains("lookup = \"interface:objects\""), "{parent}");
    assert!(parent.contains("target = \"register\""), "{parent}");
    assert!(
        parent.contains("a relation to other rows of this sheet: every value is a value of column 'Omschrijving'"),
        "{parent}"
    );
    assert!(!parent.contains("values ="), "{parent}");
    assert!(
        stderr.contains("column H ('Onderdeel van') holds names of other rows (column 'Omschrijving')")
            && stderr.contains("name_property = \"Omschrijving\"")
            && stderr.contains("relsync check relsync.toml"),
        "{stderr}"
    );
    // Without --interface, the file's name.
    let (template, _) = init(&dir, &["register.csv"], "u.toml");
    assert!(template.contains("lookup = \"interface:register\""), "{template}");
    let text = dir
        .read("register.csv")
        .replace("in gebruik", "In gebruik")
        .replace("In  gebruik", "In gebruik");
    dir.write("register.csv", text);
    // The project file is the lines the note gives, as they are.
    let project: String = stderr
        .lines()
        .filter_map(|l| l.strip_prefix("  "))
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(
        project.contains("[[interface]]\nname = \"objects\"\ninput = \"register.csv\"\ntemplate = \"t.toml\"\n"),
        "{project}"
    );
    dir.write("relsync.toml", project);
    let check = dir.run(&["check", "relsync.toml"]);
    assert_eq!(check.code, 0, "{check:?}");
}

/// A sync template gives the names: the type's singular where a row above its header says it,
/// never the plural unmarked, and the nearest export header for a name without a column
/// (`Objecttype` ~ `Type`), in the comment and on standard error.
#[test]
fn sync_template_singular_and_nearest_headers() {
    let dir = Dir::new();
    let mut rows = vec![vec![C::S("Code"), C::S("Naam"), C::S("Type")]];
    for i in 0..12 {
        rows.push(vec![
            C::Str(format!("FO-{i}")),
            C::Str(format!("Object {i}")),
            C::S(if i % 2 == 0 { "Pomp" } else { "Gemaal" }),
        ]);
    }
    xlsx(&dir.path("export.xlsx"), "Export", &rows);
    xlsx(
        &dir.path("sync.xlsx"),
        "Fysieke objecten",
        &[
            vec![C::S("Type element"), C::S("Fysiek object")],
            vec![C::S("ExternalId"), C::S("Naam"), C::S("Objecttype")],
        ],
    );
    let (template, stderr) = init(&dir, &["export.xlsx", "--sync-template", "sync.xlsx"], "t.toml");
    assert!(template.contains("type = \"Fysiek object\"  # check"), "{template}");
    assert!(template.contains("plural = \"Fysieke objecten\""), "{template}");
    assert!(
        template.contains("No column of the sheet matches \"Objecttype\"; the closest header is 'Type'"),
        "{template}"
    );
    assert!(template.contains("# column = \"Type\""), "{template}");
    assert!(
        stderr.contains("left commented out: 'Objecttype' (the nearest header is 'Type')"),
        "{stderr}"
    );
    // Without the label row: a Dutch singular, and a plural that stays the same is marked.
    xlsx(
        &dir.path("sync2.xlsx"),
        "Objecten",
        &[vec![C::S("ExternalId"), C::S("Naam")]],
    );
    let (template, _) = init(&dir, &["export.xlsx", "--sync-template", "sync2.xlsx"], "u.toml");
    assert!(template.contains("type = \"Object\""), "{template}");
    xlsx(
        &dir.path("sync3.xlsx"),
        "Materieel",
        &[vec![C::S("ExternalId"), C::S("Naam")]],
    );
    let (template, _) = init(&dir, &["export.xlsx", "--sync-template", "sync3.xlsx"], "v.toml");
    assert!(
        template.contains("type = \"Materieel\"  # check: the same as the plural"),
        "{template}"
    );
}

/// Dates with a time of day in a CSV: `template init` writes the format it saw with Excel's
/// time parts, check reads them (the time is dropped, with a warning); the hint to use a date
/// cell is given for workbooks only.
#[test]
fn dates_with_a_time_and_the_date_cell_hint() {
    let dir = Dir::new();
    dir.write(
        "d.csv",
        "ID;Gewijzigd\r\nA;04-05-2011 14:30\r\nB;05-05-2011 9:05\r\nC;06-05-2011 10:00\r\nD;07-05-2011 11:15\r\n\
         E;08-05-2011 12:45\r\n",
    );
    let (template, _) = init(&dir, &["d.csv"], "t.toml");
    assert!(template.contains("date_formats = [\"dd-mm-yyyy hh:mm\"]"), "{template}");
    assert!(block(&template, "Gewijzigd").contains("type = \"date\""), "{template}");
    let run = dir.run(&["convert", "d.csv", "-t", "t.toml"]);
    assert_eq!(run.code, 0, "{run:?}");
    let body = run.json();
    assert_eq!(elements(&body, "d")[0]["Gewijzigd"], "2011-05-04");
    assert!(run.stderr.contains("5 warnings"), "{}", run.stderr);
    // A template written by hand with Excel's time parts, and a value that is no date.
    dir.write(
        "h.toml",
        "[target]\ntype = \"D\"\nplural = \"Ds\"\n[source]\ndate_formats = [\"d-m-yyyy h:mm:ss\"]\n\
         [external_id]\ncolumn = \"ID\"\n[[property]]\nname = \"Gewijzigd\"\ncolumn = \"Gewijzigd\"\ntype = \"date\"\n",
    );
    dir.write("e.csv", "ID;Gewijzigd\nA;4-5-2011 14:30:05\nB;morgen\n");
    let report = dir.run(&["check", "e.csv", "-t", "h.toml", "--report", "json"]).json();
    let bad = problems_with_code(&report, "not-a-date");
    assert_eq!(bad.len(), 1, "{report}");
    let message = bad[0]["message"].as_str().unwrap();
    assert!(!message.contains("date cell"), "a CSV has no date cells: {message}");
    assert!(message.contains("write it like 01-03-2027 09:30:00"), "{message}");
    xlsx(
        &dir.path("e.xlsx"),
        "Blad1",
        &[vec![C::S("ID"), C::S("Gewijzigd")], vec![C::S("B"), C::S("morgen")]],
    );
    let report = dir.run(&["check", "e.xlsx", "-t", "h.toml", "--report", "json"]).json();
    let message = problems_with_code(&report, "not-a-date")[0]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(message.contains("use a date cell or write it like"), "{message}");
    // A time in a format the template does not take: the format to add, with its time.
    dir.write("f.csv", "ID;Gewijzigd\nA;04-05-2011 14:30\n");
    dir.write(
        "g.toml",
        dir.read("h.toml")
            .replace("[source]\ndate_formats = [\"d-m-yyyy h:mm:ss\"]\n", ""),
    );
    let report = dir.run(&["check", "f.csv", "-t", "g.toml", "--report", "json"]).json();
    let message = problems_with_code(&report, "not-a-date")[0]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        message.contains("add \"%d-%m-%Y %H:%M\" to source.date_formats"),
        "{message}"
    );
}

/// A lookup with two elements of one name, told apart by their other fields.
/// `relsync submit INPUT -t t.toml` to `endpoint`, receipts in `state`.
fn submit_with_t(dir: &Dir, endpoint: &str, input: &str, extra: &[&str]) -> Run {
    let mut args = vec![
        "submit",
        input,
        "-t",
        "t.toml",
        "--endpoint",
        endpoint,
        "--state-dir",
        "state",
    ];
    args.extend_from_slice(extra);
    dir.run_with(&args, &[("RELATICS_TOKEN", "tok-names-1")], None)
}

fn lookup_template(dir: &Dir) {
    dir.write(
        "l.csv",
        "id,name,Type,Locatie\nFO-1,Gemaal,Pomp,Noord\nFO-2,Gemaal,Sluis,Zuid\nFO-3,Brug,Brug,Oost\nFO-4,Dijk,Dijk,West\n",
    );
    dir.write(
        "t.toml",
        "[target]\ntype = \"O\"\nplural = \"Os\"\n[external_id]\ncolumn = \"ID\"\n\
         [[relation]]\nrole = \"Over\"\ncolumn = \"Over\"\ntarget = \"Fac\"\nlookup = \"l.csv\"\n",
    );
}

/// Names beside target IDs: in diff (sheets, or bodies with --template), in the submit plan;
/// ambiguous candidates with what tells them apart.
#[test]
fn names_beside_target_ids() {
    let dir = Dir::new();
    lookup_template(&dir);
    dir.write("old.csv", "ID;Over\nA;FO-2\nB;Brug\n");
    dir.write("new.csv", "ID;Over\nA;Brug\nB;FO-1\n");
    let run = dir.run(&["diff", "old.csv", "new.csv", "-t", "t.toml"]);
    assert_eq!(run.code, 1, "differences: {run:?}");
    assert!(
        run.stdout.contains("Over: + FO-3 'Brug'; - FO-2 'Gemaal'")
            && run.stdout.contains("Over: + FO-1 'Gemaal'; - FO-3 'Brug'"),
        "{}",
        run.stdout
    );
    // Bodies compared with the template show the names too; without it, the IDs alone.
    assert_eq!(
        dir.run(&["convert", "old.csv", "-t", "t.toml", "-o", "old.json"]).code,
        0
    );
    assert_eq!(
        dir.run(&["convert", "new.csv", "-t", "t.toml", "-o", "new.json"]).code,
        0
    );
    let run = dir.run(&["diff", "old.json", "new.json", "-t", "t.toml"]);
    assert!(run.stdout.contains("+ FO-3 'Brug'; - FO-2 'Gemaal'"), "{}", run.stdout);
    let run = dir.run(&["diff", "old.json", "new.json"]);
    assert!(run.stdout.contains("Over: + FO-3; - FO-2"), "{}", run.stdout);

    // The submit plan: changes against the body last sent, with names.
    let server = Server::start(|_, _| Reply::json(200, r#"{"result": "accepted"}"#));
    let endpoint = server.url("/api/v1/workspaces/7550/interfaces/synchronizing/os");
    let submit = |input: &str, extra: &[&str]| submit_with_t(&dir, &endpoint, input, extra);
    assert_eq!(submit("old.csv", &["--allow-deletions"]).code, 0);
    let plan = submit("new.csv", &["--dry-run"]);
    assert_eq!(plan.code, 0, "{plan:?}");
    assert!(
        plan.stdout.contains("Over: + FO-3 'Brug'; - FO-2 'Gemaal'"),
        "{}",
        plan.stdout
    );

    // An ambiguous name: each candidate with its other fields.
    dir.write("amb.csv", "ID;Over\nA;Gemaal\nB;\"Dijk\nFO-4\"\n");
    let report = dir
        .run(&["check", "amb.csv", "-t", "t.toml", "--report", "json"])
        .json();
    let ambiguous = problems_with_code(&report, "ambiguous-target");
    assert!(
        ambiguous[0]["message"]
            .as_str()
            .unwrap()
            .contains("(FO-1 (Type: Pomp, Locatie: Noord), FO-2 (Type: Sluis, Locatie: Zuid))"),
        "{report}"
    );
    let twice = problems_with_code(&report, "duplicate-target");
    assert!(
        twice[0]["message"]
            .as_str()
            .unwrap()
            .contains("target 'FO-4' ('Dijk') is listed more than once"),
        "{report}"
    );
    // Names equal but for case: each candidate's spelling tells them apart.
    dir.write("l.csv", "id,name\nFO-1,Pomp\nFO-2,pomp\n");
    dir.write("case.csv", "ID;Over\nA;POMP\n");
    let run = dir.run(&["check", "case.csv", "-t", "t.toml"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stdout.contains("'POMP' names 2 elements in") && run.stdout.contains("(FO-1 'Pomp', FO-2 'pomp')"),
        "{}",
        run.stdout
    );
}

/// A template whose relations point at project interfaces compares two bodies (their targets
/// by ID, said so); a sheet of it is compared within its project only.
#[test]
fn diff_of_bodies_with_a_project_template() {
    let dir = Dir::new();
    dir.write(
        "objects.toml",
        "[target]\ntype = \"Object\"\nplural = \"Objecten\"\n[external_id]\ncolumn = \"Code\"\n\
         [[relation]]\nrole = \"Onderdeel van\"\ncolumn = \"Onderdeel van\"\ntarget = \"Object\"\n\
         lookup = \"interface:objects\"\n",
    );
    dir.write(
        "a.json",
        r#"{"Objecten": [{"@externalid": "A", "Onderdeel_x0020_van": [{"@id": "FO-1"}]}]}"#,
    );
    dir.write(
        "b.json",
        r#"{"Objecten": [{"@externalid": "A", "Onderdeel_x0020_van": [{"@id": "FO-2"}]}]}"#,
    );
    let run = dir.run(&["diff", "a.json", "b.json", "-t", "objects.toml"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stdout.contains("+ FO-2") && run.stdout.contains("- FO-1"),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr
            .contains("relations to elements of interface 'objects' are shown by ID"),
        "{}",
        run.stderr
    );
    dir.write("s.csv", "Code;Onderdeel van\nA;Gemaal\n");
    let run = dir.run(&["diff", "a.json", "s.csv", "-t", "objects.toml"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("relsync submit relsync.toml --dry-run"),
        "{}",
        run.stderr
    );
}

/// diff of two sheets with problems names each problem's file (both sheets are called the
/// same); a dry run without an endpoint says that none was given.
#[test]
fn small_things() {
    let dir = Dir::new();
    req_workbook(&dir, &[req_row("REQ-1", "Pump"), req_row("REQ-1", "Twice")]);
    std::fs::copy(dir.path("req.xlsx"), dir.path("other.xlsx")).unwrap();
    let run = dir.run(&["diff", "req.xlsx", "other.xlsx", "-t", "req.toml"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr
            .contains("req.xlsx: Requirements!A3  error  duplicate-external-id"),
        "{}",
        run.stderr
    );
    req_workbook(&dir, &[req_row("REQ-1", "Pump")]);
    let run = dir.run(&["submit", "req.xlsx", "-t", "req.toml", "--dry-run"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("no endpoint was given"), "{}", run.stdout);
    let all = format!("{}{}", run.stdout, run.stderr);
    assert!(!all.contains("no receipt for this endpoint"), "{all}");
    assert!(all.contains("a real submit needs an endpoint"), "{all}");
    assert!(
        !run.stdout.contains("no earlier submit to this endpoint"),
        "{}",
        run.stdout
    );
}

/// A submit refused with 400 leaves the state directory as it found it; the HTML report keeps
/// IDs and cell references on one line.
#[test]
fn a_refused_submit_leaves_no_folders_and_ids_do_not_break() {
    let dir = Dir::new();
    req_workbook(&dir, &[req_row("REQ-1", "Pump")]);
    let server = Server::start(|_, _| Reply::json(400, r#"{"error": "bad request"}"#));
    let endpoint = server.url("/api/v1/workspaces/7550/interfaces/synchronizing/req");
    let submit = |extra: &[&str]| {
        let mut args = vec![
            "submit",
            "req.xlsx",
            "-t",
            "req.toml",
            "--endpoint",
            &endpoint,
            "--state-dir",
            "state",
        ];
        args.extend_from_slice(extra);
        dir.run_with(&args, &[("RELATICS_TOKEN", "tok-400-1")], None)
    };
    let run = submit(&["--allow-deletions"]);
    assert_ne!(run.code, 0, "{run:?}");
    assert_eq!(server.requests().len(), 1);
    assert!(!dir.exists("state"), "the state directory was made for nothing");
    // Refused by the deletion guard (no receipt, no --allow-deletions): nothing sent, nothing made.
    let run = submit(&[]);
    assert_eq!(run.code, 4, "{run:?}");
    assert_eq!(server.requests().len(), 1);
    assert!(
        !dir.exists("state"),
        "the state directory was made for a refused submit"
    );

    dir.write("bad.csv", "ID;Over\nA;FO-5186\n");
    dir.write(
        "t.toml",
        "[target]\ntype = \"O\"\nplural = \"Os\"\n[external_id]\ncolumn = \"ID\"\n\
         [[property]]\nname = \"Over\"\ncolumn = \"Over\"\ntype = \"number\"\n",
    );
    let run = dir.run(&["check", "bad.csv", "-t", "t.toml", "--html-report", "r.html"]);
    assert_eq!(run.code, 1, "{run:?}");
    let page = dir.read("r.html");
    assert!(page.contains("<span class=\"id\">FO-5186</span>"), "{page}");
    assert!(page.contains(".id { white-space: nowrap; }"), "{page}");
}

/// From the review: workbook codes as number cells shown with leading zeros (`00000`) are the
/// codes Excel shows; a `1.10` text cell among number cells is no number either; one list value
/// with a variant spelling is a list whose variant check reports.
#[test]
fn workbook_codes_and_a_single_list_value_with_a_variant() {
    use rust_xlsxwriter::{Format, Workbook};
    let dir = Dir::new();
    let mut wb = Workbook::new();
    let padded = Format::new().set_num_format("00000");
    let ws = wb.add_worksheet();
    for (c, h) in ["ID", "Postcode", "Versie", "Status"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for r in 1..=20u32 {
        ws.write_string(r, 0, format!("OBJ-{r}")).unwrap();
        ws.write_number_with_format(r, 1, f64::from(8100 + r), &padded).unwrap();
        if r == 5 {
            ws.write_string(r, 2, "1.10").unwrap();
        } else {
            ws.write_number(r, 2, 1.0 + f64::from(r) / 100.0).unwrap();
        }
        ws.write_string(r, 3, if r == 7 { "in gebruik" } else { "In gebruik" })
            .unwrap();
    }
    wb.save(dir.path("codes.xlsx")).unwrap();
    let (template, stderr) = init(&dir, &["codes.xlsx"], "t.toml");
    let postcode = block(&template, "Postcode");
    assert!(postcode.contains("type = \"single-line-text\""), "{postcode}");
    assert!(postcode.contains("'08101' (row 2), sent as 8101.0"), "{postcode}");
    assert!(!block(&template, "Versie").contains("type = \"number\""), "{template}");
    let status = block(&template, "Status");
    assert!(status.contains("values = [\"In gebruik\"]"), "{status}");
    assert!(stderr.contains("'in gebruik' x1 (first Sheet1!D8)"), "{stderr}");
    let report = dir
        .run(&["check", "codes.xlsx", "-t", "t.toml", "--report", "json"])
        .json();
    let cells: Vec<&str> = problems_with_code(&report, "not-in-list")
        .iter()
        .map(|p| p["cell"].as_str().unwrap())
        .collect();
    assert_eq!(cells, ["D8"]);
    // Sent as Excel shows them.
    let t = dir
        .read("t.toml")
        .replace("values = [\"In gebruik\"]", "values = [\"In gebruik\", \"in gebruik\"]");
    dir.write("t.toml", t);
    let run = dir.run(&["convert", "codes.xlsx", "-t", "t.toml"]);
    assert_eq!(run.code, 0, "{run:?}");
    let body = run.json();
    let first = &elements(&body, "Sheet1")[0];
    assert_eq!(first["Postcode"], "08101");
    assert_eq!(elements(&body, "Sheet1")[4]["Versie"], "1.10");
}

/// The HTML report of a submit shows what it changes, names beside IDs.
#[test]
fn the_html_report_of_a_submit_shows_its_plan() {
    let dir = Dir::new();
    lookup_template(&dir);
    dir.write("old.csv", "ID;Over\nA;FO-2\nB;Brug\n");
    dir.write("new.csv", "ID;Over\nA;Brug\nB;FO-1\n");
    let server = Server::start(|_, _| Reply::json(200, r#"{"result": "accepted"}"#));
    let endpoint = server.url("/api/v1/workspaces/7550/interfaces/synchronizing/os");
    let submit = |input: &str, extra: &[&str]| submit_with_t(&dir, &endpoint, input, extra);
    assert_eq!(submit("old.csv", &["--allow-deletions"]).code, 0);
    let plan = submit("new.csv", &["--dry-run", "--html-report", "plan.html"]);
    assert_eq!(plan.code, 0, "{plan:?}");
    let page = dir.read("plan.html");
    assert!(page.contains("What this submit changes"), "{page}");
    assert!(
        page.contains(
            "Over: + <span class=\"id\">FO-3</span> &#39;Brug&#39;; - <span class=\"id\">FO-2</span> &#39;Gemaal&#39;"
        ),
        "{page}"
    );
}
