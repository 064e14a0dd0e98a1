//! The words a user reads: every message says where, what, and one fix. Each assertion here
//! is the text a newcomer saw cost a second try before.

use crate::support::*;

/// A CSV with the columns ID, Due, Weight, and a template that reads them as a date and a
/// number, with `source` lines added.
fn sheet(dir: &Dir, source: &str, rows: &str) {
    dir.write(
        "t.toml",
        format!(
            "[target]\ntype = \"T\"\nplural = \"Ts\"\n[source]\n{source}\n[external_id]\ncolumn = \"ID\"\n\
             [[property]]\nname = \"Due\"\ncolumn = \"Due\"\ntype = \"date\"\n\
             [[property]]\nname = \"Weight\"\ncolumn = \"Weight\"\ntype = \"number\"\n"
        ),
    );
    dir.write("in.csv", format!("ID;Due;Weight\n{rows}"));
}

/// The messages of the text report, by cell.
fn messages(dir: &Dir) -> Vec<(String, String)> {
    let run = dir.run(&["check", "in.csv", "-t", "t.toml"]);
    assert_eq!(run.code, 1, "{run:?}");
    run.stdout
        .lines()
        .filter_map(|l| {
            let (cell, rest) = l.split_once("  error  ")?;
            let (_, message) = rest.split_once("  ")?;
            Some((cell.to_owned(), message.to_owned()))
        })
        .collect()
}

#[test]
fn impossible_dates_name_the_part() {
    let dir = Dir::new();
    sheet(
        &dir,
        "date_formats = [\"%d-%m-%Y\"]",
        "A;31-13-2024;1\nB;2024-13-01;1\nC;30-02-2024;1\nD;29-02-2023;1\n",
    );
    assert_eq!(
        messages(&dir),
        [
            (
                "B2".into(),
                "'Due': found text '31-13-2024', but month 13 does not exist; correct the date".into()
            ),
            (
                "B3".into(),
                "'Due': found text '2024-13-01', but month 13 does not exist; correct the date".into()
            ),
            (
                "B4".into(),
                "'Due': found text '30-02-2024', but 30 February does not exist; correct the date".into()
            ),
            (
                "B5".into(),
                "'Due': found text '29-02-2023', but 2023 is not a leap year; correct the date".into()
            ),
        ]
    );
}

#[test]
fn two_digit_years_and_other_formats_are_named_not_guessed() {
    let dir = Dir::new();
    sheet(
        &dir,
        "date_formats = [\"dd-mm-yyyy\"]",
        "A;01-01-99;1\nB;13/12/2024;1\nC;12/13/2024;1\n",
    );
    assert_eq!(
        messages(&dir),
        [
            (
                "B2".into(),
                "'Due': found text '01-01-99', whose year has fewer than four digits (read with \"%d-%m-%Y\" it is \
                 the year 99); write the year in full, or add \"%d-%m-%y\" to source.date_formats if the sheet \
                 writes two-digit years"
                    .into()
            ),
            (
                "B3".into(),
                "'Due': found text '13/12/2024', a date in a format the template does not accept; add \
                 \"%d/%m/%Y\" to source.date_formats"
                    .into()
            ),
            (
                "B4".into(),
                "'Due': found text '12/13/2024', a date in a format the template does not accept; add \
                 \"%m/%d/%Y\" to source.date_formats"
                    .into()
            ),
        ]
    );
    // Nothing of it reaches a body.
    assert_eq!(dir.run(&["convert", "in.csv", "-t", "t.toml"]).stdout, "");
}

#[test]
fn excel_style_date_formats_are_accepted() {
    let dir = Dir::new();
    sheet(&dir, "date_formats = [\"dd-mm-yyyy\"]", "A;01-03-2027;1\n");
    let run = dir.run(&["convert", "in.csv", "-t", "t.toml"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.json()["Ts"][0]["Due"], "2027-03-01");
    sheet(&dir, "date_formats = [\"dd-mmm-yyyy\"]", "A;01-03-2027;1\n");
    let run = dir.run(&["check", "in.csv", "-t", "t.toml"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains(
            "invalid template t.toml, line 5, key 'date_formats': 'dd-mmm-yyyy' is not a date format relsync reads"
        ) && run.stderr.contains("(\"dd-mm-yyyy\")"),
        "{}",
        run.stderr
    );
}

#[test]
fn one_hint_and_the_right_one() {
    let dir = Dir::new();
    sheet(
        &dir,
        "",
        "A;2027-03-01;onbekend\nB;2027-03-01;85,5\nC;2027-03-01;1,500\n",
    );
    let found = messages(&dir);
    assert_eq!(
        found[0].1,
        "'Weight': found text 'onbekend', which is not a number; write a number, or leave the cell empty if the value is unknown"
    );
    assert_eq!(
        found[1].1,
        "'Weight': found text '85,5', which uses a decimal comma; set source.decimal_comma = true in the template if the sheet writes numbers that way"
    );
    assert_eq!(
        found[2].1,
        "'Weight': found text '1,500', which could mean a thousands separator or a decimal comma; write it without the separator, or with a decimal point"
    );
    for (cell, message) in &found {
        assert_eq!(message.matches("; ").count(), 1, "{cell}: one fix: {message}");
    }
}

#[test]
fn closed_sets_in_the_template_say_what_is_allowed() {
    let dir = Dir::new();
    sheet(&dir, "", "A;2027-03-01;1\n");
    let text = dir.read("t.toml").replace("type = \"number\"", "type = \"Number\"");
    dir.write("t.toml", &text);
    let run = dir.run(&["check", "in.csv", "-t", "t.toml"]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr.trim(),
        "relsync: invalid template t.toml, line 15: `type` must be one of 'text', 'single-line-text', 'number', \
         'date', 'list' or 'url', not 'Number'; did you mean 'number'?"
    );
    // Not text at all: the same key and list, never the value taken for a key.
    for (value, found) in [("5", "5"), ("[\"number\"]", "[\"number\"]")] {
        dir.write("t.toml", text.replace("type = \"Number\"", &format!("type = {value}")));
        let run = dir.run(&["check", "in.csv", "-t", "t.toml"]);
        assert_eq!(run.code, 2);
        assert_eq!(
            run.stderr.trim(),
            format!(
                "relsync: invalid template t.toml, line 15: `type` must be one of 'text', 'single-line-text', \
                 'number', 'date', 'list' or 'url', written in double quotes, not {found}"
            )
        );
    }
    let fixed = text.replace("\"Number\"", "\"number\"");
    dir.write("t.toml", fixed.replace("[source]", "[source]\nragged = 1"));
    let run = dir.run(&["check", "in.csv", "-t", "t.toml"]);
    assert!(
        run.stderr
            .contains("line 5: `ragged` must be one of 'error' or 'allow', written in double quotes, not 1"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_format_that_contradicts_the_file_name_is_refused() {
    let dir = Dir::new();
    sheet(&dir, "", "A;2027-03-01;1\n");
    let run = dir.run(&["convert", "in.csv", "-t", "t.toml", "-o", "out.json", "-f", "xml"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr
            .contains("--format xml does not match the extension of out.json, which names a JSON body"),
        "{}",
        run.stderr
    );
    assert!(!dir.exists("out.json"));
    // Without an extension that names a format, --format decides.
    let run = dir.run(&["convert", "in.csv", "-t", "t.toml", "-o", "out.body", "-f", "xml"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(dir.read("out.body").starts_with("<?xml"));
    // Written, with a word: the extension says something else.
    assert!(
        run.stderr
            .contains("warning: writing an XML body to out.body, whose extension .body says otherwise"),
        "{}",
        run.stderr
    );
}

#[test]
fn urls_and_ids_say_how_to_fix_them() {
    let dir = Dir::new();
    dir.write(
        "t.toml",
        "[target]\ntype = \"T\"\nplural = \"Ts\"\n[external_id]\ncolumn = \"ID\"\n\
         [[property]]\nname = \"Link\"\ncolumn = \"Link\"\ntype = \"url\"\n",
    );
    let long = "X".repeat(451);
    dir.write(
        "in.csv",
        format!("ID;Link\nA;ftp://x/y\nB;mailto:\n{long};https://ok.example\n"),
    );
    let found = messages(&dir);
    assert_eq!(
        found[0].1,
        "'Link': 'ftp://x/y' is a 'ftp:' link, but Relatics takes http, https and mailto URLs; write one of those"
    );
    assert_eq!(
        found[1].1,
        "'Link': 'mailto:' is a mailto link without an address; write it as mailto:name@example.com"
    );
    assert_eq!(
        found[2].1,
        "the external id is 451 characters long, but Relatics allows at most 450; shorten it"
    );
}

#[test]
fn a_row_without_an_id_says_where_its_values_are() {
    let dir = Dir::new();
    sheet(&dir, "", "A;2027-03-01;1\n");
    dir.write("in.csv", "ID;Due;Weight;Comments\nA;2027-03-01;1;\n;;;a note\n");
    let text = dir
        .read("t.toml")
        .replace("[external_id]", "[ignore]\ncolumns = [\"Comments\"]\n[external_id]");
    dir.write("t.toml", text);
    assert_eq!(
        messages(&dir),
        [(
            "A3".to_owned(),
            "the row has values (the first in 'Comments', D3) but no external id; every element needs a unique \
             external id: add one, or empty the row"
                .to_owned()
        )]
    );
}

#[test]
fn a_folder_where_a_file_belongs_is_said_so() {
    let dir = Dir::new();
    sheet(&dir, "", "A;2027-03-01;1\n");
    std::fs::create_dir(dir.path("out")).unwrap();
    for (args, words) in [
        (
            vec!["check", "out", "-t", "t.toml"],
            "relsync: out is a folder: give the sheet file itself",
        ),
        (
            vec!["convert", "in.csv", "-t", "t.toml", "-o", "out"],
            "relsync: out is a folder: give a file name for the body",
        ),
        (
            vec!["check", "in.csv", "-t", "t.toml", "--html-report", "out"],
            "relsync: out is a folder: give a file name for the HTML report",
        ),
    ] {
        let run = dir.run(&args);
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        assert_eq!(run.stderr.trim(), words, "{args:?}");
    }
}
