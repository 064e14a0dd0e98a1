//! Delimited text: encodings, delimiters, quoted line breaks, Dutch conventions, stdin.

use serde_json::json;

use crate::support::*;

const TEMPLATE: &str = r#"
[target]
type = "Object"
plural = "Objects"
[external_id]
column = "Code"
[[property]]
name = "Naam"
column = "Naam"
type = "text"
[[property]]
name = "Lengte"
column = "Lengte"
type = "number"
"#;

fn convert(dir: &Dir, file: &str, template: &str) -> serde_json::Value {
    dir.write("t.toml", template);
    let run = dir.run(&["convert", file, "-t", "t.toml"]);
    assert_eq!(run.code, 0, "{run:?}");
    run.json()
}

fn names(body: &serde_json::Value) -> Vec<String> {
    elements(body, "Objects")
        .iter()
        .map(|e| e["Naam"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn dutch_export_converts_once_the_template_says_so() {
    let dir = Dir::new();
    let text = "Code;Naam;Lengte;Datum\r\nOBJ-1;Brug Ëde;1.234,5;01-03-2027\r\nOBJ-2;\"Sluis; oud\r\ntweede regel\";12,75;31-12-1999\r\n";
    let (bytes, _, bad) = encoding_rs::WINDOWS_1252.encode(text);
    assert!(!bad);
    dir.write("nl.csv", &bytes);
    let template = format!(
        "{TEMPLATE}\n[[property]]\nname = \"Datum\"\ncolumn = \"Datum\"\ntype = \"date\"\n"
    )
    .replace(
        "[external_id]",
        "[source]\ndelimiter = \";\"\nencoding = \"windows-1252\"\ndecimal_comma = true\ndate_formats = [\"%d-%m-%Y\"]\n[external_id]",
    );
    let body = convert(&dir, "nl.csv", &template);
    assert_eq!(
        body,
        json!({"Objects": [
            {"@externalid": "OBJ-1", "Naam": "Brug Ëde", "Lengte": 1234.5, "Datum": "2027-03-01"},
            {"@externalid": "OBJ-2", "Naam": "Sluis; oud\ntweede regel", "Lengte": 12.75, "Datum": "1999-12-31"}
        ]})
    );
}

#[test]
fn delimiter_is_detected() {
    for (delimiter, file) in [(";", "a.csv"), (",", "b.csv"), ("\t", "c.txt"), ("\t", "d.tsv")] {
        let dir = Dir::new();
        let text = ["Code", "Naam", "Lengte"].join(delimiter) + "\n" + &["A", "x, y; z", "1"].join(delimiter) + "\n";
        let text = if delimiter == "\t" {
            text
        } else {
            text.replace("x, y; z", "\"x, y; z\"")
        };
        dir.write(file, text);
        let body = convert(&dir, file, TEMPLATE);
        assert_eq!(names(&body), ["x, y; z"], "delimiter {delimiter:?}");
    }
}

#[test]
fn byte_order_marks_are_honoured() {
    let dir = Dir::new();
    let mut utf8 = b"\xEF\xBB\xBF".to_vec();
    utf8.extend_from_slice("Code,Naam,Lengte\nA,Ærø,1\n".as_bytes());
    dir.write("utf8.csv", utf8);
    assert_eq!(names(&convert(&dir, "utf8.csv", TEMPLATE)), ["Ærø"]);

    for (le, file) in [(true, "le.csv"), (false, "be.csv")] {
        let mut bytes: Vec<u8> = if le { vec![0xFF, 0xFE] } else { vec![0xFE, 0xFF] };
        for unit in "Code;Naam;Lengte\r\nA;日本 €;2\r\n".encode_utf16() {
            bytes.extend_from_slice(&if le { unit.to_le_bytes() } else { unit.to_be_bytes() });
        }
        dir.write(file, bytes);
        assert_eq!(names(&convert(&dir, file, TEMPLATE)), ["日本 €"], "{file}");
    }
}

#[test]
fn utf16_without_bom_from_the_template() {
    let dir = Dir::new();
    let mut bytes = Vec::new();
    for unit in "Code,Naam,Lengte\nA,Ωmega,3\n".encode_utf16() {
        bytes.extend_from_slice(&unit.to_le_bytes());
    }
    dir.write("u16.csv", bytes);
    let template = TEMPLATE.replace("[external_id]", "[source]\nencoding = \"utf-16\"\n[external_id]");
    assert_eq!(names(&convert(&dir, "u16.csv", &template)), ["Ωmega"]);
}

#[test]
fn invalid_utf8_names_the_line_and_the_fix() {
    let dir = Dir::new();
    let mut bytes = b"Code,Naam,Lengte\nA,ok,1\nB,\"two\nlines\",2\nC,caf".to_vec();
    bytes.push(0xE9); // 'é' in Windows-1252, invalid as UTF-8
    bytes.extend_from_slice(b",3\n");
    dir.write("bad.csv", bytes);
    dir.write("t.toml", TEMPLATE);
    let run = dir.run(&["check", "bad.csv", "-t", "t.toml"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("line 5"), "{}", run.stderr);
    assert!(run.stderr.contains("source.encoding"), "{}", run.stderr);

    // Declared correctly, the same file converts.
    let template = TEMPLATE.replace("[external_id]", "[source]\nencoding = \"windows-1252\"\n[external_id]");
    assert_eq!(
        names(&convert(&dir, "bad.csv", &template)),
        ["ok", "two\nlines", "café"]
    );
}

#[test]
fn rows_are_the_rows_excel_shows() {
    let dir = Dir::new();
    // Row 3 is a blank line; the record on row 4 spans lines 4-5; row 5 starts on line 6.
    dir.write("rows.csv", "Code,Naam,Lengte\nA,one,1\n\nB,\"two\nlines\",x\nC,three,y");
    dir.write("t.toml", TEMPLATE);
    let run = dir.run(&["check", "rows.csv", "-t", "t.toml", "--report", "json"]);
    assert_eq!(run.code, 1);
    let report = run.json();
    let bad: Vec<_> = problems_with_code(&report, "not-a-number")
        .iter()
        .map(|p| (p["cell"].clone(), p["row"].clone(), p["sheet"].clone()))
        .collect();
    assert_eq!(
        bad,
        [
            (json!("C4"), json!(4), json!(null)),
            (json!("C5"), json!(5), json!(null))
        ]
    );
    assert_eq!(report["sheet"], json!(null));
    assert_eq!(report["empty_rows"], 1);
}

#[test]
fn stdin_is_read_as_csv() {
    let dir = Dir::new();
    dir.write("t.toml", TEMPLATE);
    let run = dir.run_with(
        &["convert", "-", "-t", "t.toml"],
        &[],
        Some(b"Code,Naam,Lengte\nA,piped,1\n"),
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(names(&run.json()), ["piped"]);
}

#[test]
fn sheet_flag_is_refused_for_csv() {
    let dir = Dir::new();
    dir.write("a.csv", "Code,Naam,Lengte\nA,x,1\n");
    dir.write("t.toml", TEMPLATE);
    let run = dir.run(&["check", "a.csv", "-t", "t.toml", "--sheet", "X"]);
    assert_eq!(run.code, 2);
}

/// The text report's location and the JSON report's `line` for the planted `not-a-number`s.
fn placed(dir: &Dir, file: &str) -> (Vec<String>, Vec<(String, Option<u64>)>) {
    let text = dir.run(&["check", file, "-t", "mini.toml"]);
    assert_eq!(text.code, 1, "{file}: {text:?}");
    let lines = text
        .stdout
        .lines()
        .filter(|l| l.contains("not-a-number"))
        .map(|l| l.split("  error").next().unwrap_or("").to_owned())
        .collect();
    let json = dir.run(&["check", file, "-t", "mini.toml", "--report", "json"]).json();
    let items = problems_with_code(&json, "not-a-number")
        .into_iter()
        .map(|p| (p["cell"].as_str().unwrap_or("").to_owned(), p["line"].as_u64()))
        .collect();
    (lines, items)
}

#[test]
fn line_numbers_with_every_kind_of_line_ending() {
    let dir = Dir::new();
    dir.write(
        "mini.toml",
        "[target]\ntype = \"T\"\nplural = \"Ts\"\n[external_id]\ncolumn = \"Code\"\n\
         [[property]]\nname = \"L\"\ncolumn = \"L\"\ntype = \"number\"\n[[property]]\nname = \"N\"\ncolumn = \"N\"\ntype = \"text\"\n",
    );
    // (file, bytes, the places of the two bad numbers as text and as JSON)
    let both = |a: &str, b: &str| vec![a.to_owned(), b.to_owned()];
    /// A file, its bytes, where the text report places the problems, and the JSON cells and lines.
    type Case = (&'static str, Vec<u8>, Vec<String>, Vec<(&'static str, Option<u64>)>);
    let cases: Vec<Case> = vec![
        (
            "lf.csv",
            b"Code;L;N\nA;1;\nB;x;\nC;y;\n".to_vec(),
            both("B3", "B4"),
            vec![("B3", None), ("B4", None)],
        ),
        (
            "crlf.csv",
            b"Code;L;N\r\nA;1;\r\nB;x;\r\nC;y;\r\n".to_vec(),
            both("B3", "B4"),
            vec![("B3", None), ("B4", None)],
        ),
        (
            "cr.csv",
            b"Code;L;N\rA;1;\rB;x;\rC;y;\r".to_vec(),
            both("B3", "B4"),
            vec![("B3", None), ("B4", None)],
        ),
        (
            "mixed.csv",
            b"Code;L;N\r\nA;1;\nB;x;\rC;y;\r\n".to_vec(),
            both("B3", "B4"),
            vec![("B3", None), ("B4", None)],
        ),
        // A quoted line break of each kind moves every later record one line down.
        (
            "quoted-crlf.csv",
            b"Code;L;N\r\nA;1;\"a\r\nb\"\r\nB;x;\r\nC;y;\"c\rd\"\r\nD;z;\r\n".to_vec(),
            vec!["B3 (line 4)".into(), "B4 (line 5)".into(), "B5 (line 7)".into()],
            vec![("B3", Some(4)), ("B4", Some(5)), ("B5", Some(7))],
        ),
        (
            "quoted-lf.csv",
            b"Code;L;N\nA;1;\"a\nb\"\nB;x;\nC;y;\n".to_vec(),
            both("B3 (line 4)", "B4 (line 5)"),
            vec![("B3", Some(4)), ("B4", Some(5))],
        ),
        // Blank lines are rows too, as Excel shows them.
        (
            "blank-crlf.csv",
            b"Code;L;N\r\n\r\nA;1;\r\n\r\nB;x;\r\nC;y;".to_vec(),
            both("B5", "B6"),
            vec![("B5", None), ("B6", None)],
        ),
        (
            "bom.csv",
            b"\xEF\xBB\xBFCode;L;N\r\nA;1;\"x\r\ny\"\r\nB;x;\r\nC;y;\r\n".to_vec(),
            both("B3 (line 4)", "B4 (line 5)"),
            vec![("B3", Some(4)), ("B4", Some(5))],
        ),
    ];
    let mut cases = cases;
    // UTF-16 with a byte-order mark, as Excel's "Unicode text" writes it.
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(
            "Code;L;N\r\nA;1;\"a\r\nb\"\r\nB;x;\r\nC;y;\r\n"
                .encode_utf16()
                .flat_map(u16::to_le_bytes),
        )
        .collect();
    cases.push((
        "utf16.csv",
        utf16,
        both("B3 (line 4)", "B4 (line 5)"),
        vec![("B3", Some(4)), ("B4", Some(5))],
    ));
    for (file, bytes, text, json) in cases {
        dir.write(file, bytes);
        let (lines, items) = placed(&dir, file);
        assert_eq!(lines, text, "{file}: text report");
        let json: Vec<(String, Option<u64>)> = json.into_iter().map(|(c, l)| (c.to_owned(), l)).collect();
        assert_eq!(items, json, "{file}: JSON report");
    }
}

#[test]
fn a_quote_that_is_never_closed_is_named_not_read_as_a_short_record() {
    let dir = Dir::new();
    dir.write(
        "mini.toml",
        "[target]\ntype = \"T\"\nplural = \"Ts\"\n[external_id]\ncolumn = \"Code\"\n\
         [[property]]\nname = \"L\"\ncolumn = \"L\"\ntype = \"text\"\n[[property]]\nname = \"N\"\ncolumn = \"N\"\ntype = \"text\"\n",
    );
    // (file, bytes, where the problem is, the line of the quote, the file's last line)
    let cases: [(&str, &[u8], &str, u64, u64); 4] = [
        (
            "middle.csv",
            b"Code;L;N\r\nA;1;x\r\nB;\"2;x\r\nC;3;y\r\nD;4;z\r\n",
            "B3",
            3,
            5,
        ),
        // In the last column the record even has the right number of fields: only the quote
        // says that rows C and D were swallowed.
        ("last.csv", b"Code;L;N\nA;1;x\nB;2;\"x\nC;3;y\nD;4;z", "C3", 3, 5),
        // A quote opened on a later line of a record that started earlier.
        (
            "later-line.csv",
            b"Code;L;N\nA;1;x\nB;\"2\nx\";\"y\nC;3;y\n",
            "C3",
            4,
            5,
        ),
        ("header.csv", b"Code;\"L;N\nA;1;x\n", "B1", 1, 2),
    ];
    for (file, bytes, place, line, last) in cases {
        dir.write(file, bytes);
        let run = dir.run(&["check", file, "-t", "mini.toml"]);
        assert_eq!(run.code, 1, "{file}: {run:?}");
        let expected = format!(
            "{place}  error  unclosed-quote  the quote that opens this value on line {line} is never closed, \
             so the rest of the file (to line {last}) was read as this one value"
        );
        assert!(run.stdout.contains(&expected), "{file}:\n{}", run.stdout);
        assert!(
            !run.stdout.contains("missing-cell"),
            "{file}: one fact once:\n{}",
            run.stdout
        );
        assert_eq!(dir.run(&["convert", file, "-t", "mini.toml", "-o", "b.json"]).code, 1);
        assert!(!dir.exists("b.json"));
    }

    // Closed quotes, doubled quotes and a quote inside an unquoted value are no problem.
    dir.write(
        "fine.csv",
        b"Code;L;N\nA;\"1;\"\"x\"\"\";5\" pipe\nB;\"2\nline\";\"\"\n",
    );
    let body = convert(&dir, "fine.csv", &dir.read("mini.toml"));
    assert_eq!(
        body,
        json!({"Ts": [
            {"@externalid": "A", "L": "1;\"x\"", "N": "5\" pipe"},
            {"@externalid": "B", "L": "2\nline", "N": ""}
        ]})
    );
}
