//! Broken and hostile files: whatever the file, relsync gives a correct body or says, cell by
//! cell or in one plain sentence naming the file, why not. It never panics, never writes a
//! partial file, and never follows a size or count in a file into unbounded memory. The small
//! fixed files are in `tests/data/bad/`; the rest are made here.

use std::io::Write;

use crate::support::*;

/// A failure in one sentence: the exit code, the file named, the cause's words, no panic, and
/// no body written.
fn assert_refused(dir: &Dir, run: &Run, code: i32, file: &str, words: &str) {
    assert_eq!(run.code, code, "{file}: {run:?}");
    assert!(run.stderr.contains(file), "{file} not named: {}", run.stderr);
    assert!(
        run.stderr.contains(words),
        "{file}: expected '{words}' in: {}",
        run.stderr
    );
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert!(!dir.exists("out.json"), "{file}: a body was written");
    let leftovers: Vec<_> = std::fs::read_dir(dir.temp.path())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{file}: temporary files left: {leftovers:?}");
}

fn convert(dir: &Dir, input: &str, template: &str) -> Run {
    dir.run(&["convert", input, "-t", template, "-o", "out.json"])
}

fn bad(name: &str) -> String {
    repo(&format!("tests/data/bad/{name}"))
}

#[test]
fn files_that_are_not_what_their_extension_says() {
    let dir = Dir::new();
    req_workbook(&dir, &[req_row("REQ-1", "A")]);
    dir.write("empty.xlsx", b"");
    let full = std::fs::read(dir.path("req.xlsx")).unwrap();
    dir.write("truncated.xlsx", &full[..full.len() / 2]);
    // A zip that is not a workbook.
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.start_file("readme.txt", zip::write::SimpleFileOptions::default())
        .unwrap();
    zip.write_all(b"hello").unwrap();
    dir.write("archive.xlsx", zip.finish().unwrap().into_inner());
    dir.write("text.xlsx", "ID,Title\nREQ-1,x\n");
    for (file, words) in [
        ("empty.xlsx", "the file is damaged: it is empty (0 bytes)"),
        ("truncated.xlsx", "cut off or broken"),
        ("archive.xlsx", "a zip archive but not an Excel workbook"),
        (
            "text.xlsx",
            "plain text, not a workbook; if it is CSV, give it a .csv extension",
        ),
        ("missing.xlsx", "cannot open missing.xlsx"),
    ] {
        let run = convert(&dir, file, "req.toml");
        assert_refused(&dir, &run, 2, file, words);
    }
    let html = convert(&dir, &bad("html-export.xls"), "req.toml");
    assert_refused(
        &dir,
        &html,
        2,
        "html-export.xls",
        "an HTML page saved with a spreadsheet extension",
    );
}

#[test]
fn workbooks_saved_under_the_other_extension_are_read_by_content() {
    let dir = Dir::new();
    dir.write("t.toml", "[target]\ntype = \"T\"\nplural = \"Ts\"\n[source]\nheader_row = 3\n[external_id]\ncolumn = \"ID\"\n[ignore]\nothers = true\n");
    std::fs::copy(repo("tests/data/requirements.xls"), dir.path("old-as-new.xlsx")).unwrap();
    std::fs::copy(repo("samples/requirements.xlsx"), dir.path("new-as-old.xls")).unwrap();
    std::fs::copy(repo("samples/requirements.xlsx"), dir.path("new-as-text.csv")).unwrap();
    std::fs::copy(repo("tests/data/requirements.xls"), dir.path("old-as-text.csv")).unwrap();
    for (renamed, original) in [
        ("old-as-new.xlsx", repo("tests/data/requirements.xls")),
        ("new-as-old.xls", repo("samples/requirements.xlsx")),
        ("new-as-text.csv", repo("samples/requirements.xlsx")),
        ("old-as-text.csv", repo("tests/data/requirements.xls")),
    ] {
        let as_renamed = dir.run(&["convert", renamed, "-t", "t.toml"]);
        assert_eq!(as_renamed.code, 0, "{renamed}: {as_renamed:?}");
        let as_original = dir.run(&["convert", &original, "-t", "t.toml"]);
        assert_eq!(as_renamed.json(), as_original.json(), "{renamed}");
        assert_eq!(as_renamed.json()["Ts"].as_array().map(Vec::len), Some(50));
    }
}

#[test]
fn a_password_protected_workbook_is_said_to_be_one() {
    let dir = Dir::new();
    req_workbook(&dir, &[req_row("REQ-1", "A")]);
    // What Excel writes for an encrypted workbook: an OLE file with the encrypted package.
    for name in ["locked.xlsx", "locked.xls"] {
        let mut cfb = cfb::create(dir.path(name)).unwrap();
        cfb.create_stream("/EncryptionInfo")
            .unwrap()
            .write_all(&[4, 0, 4, 0, 0x40, 0, 0, 0])
            .unwrap();
        cfb.create_stream("/EncryptedPackage")
            .unwrap()
            .write_all(&[0u8; 4096])
            .unwrap();
        cfb.flush().unwrap();
        drop(cfb);
        let run = convert(&dir, name, "req.toml");
        assert_refused(&dir, &run, 2, name, "the workbook is password-protected (encrypted)");
    }
}

#[test]
fn malformed_sheet_xml_is_a_clear_error() {
    let dir = Dir::new();
    req_workbook(&dir, &[req_row("REQ-1", "A")]);
    rewrite_part(&dir.path("req.xlsx"), "xl/worksheets/sheet1.xml", |xml| {
        let cut = xml.find("</sheetData>").unwrap();
        format!("{}</sheetDa", &xml[..cut])
    });
    let run = convert(&dir, "req.xlsx", "req.toml");
    assert_refused(&dir, &run, 2, "req.xlsx", "cannot read req.xlsx as a workbook");
}

#[test]
fn a_sheet_part_that_is_only_a_byte_order_mark() {
    // Found by the tokenizer fuzzer: the reader indexed past the end after skipping the mark.
    let dir = Dir::new();
    req_workbook(&dir, &[req_row("REQ-1", "A")]);
    rewrite_part(&dir.path("req.xlsx"), "xl/worksheets/sheet1.xml", |_| {
        "\u{feff}".to_owned()
    });
    let run = convert(&dir, "req.xlsx", "req.toml");
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert_refused(&dir, &run, 2, "req.xlsx", "cannot read req.xlsx as a workbook");
}

#[test]
fn a_header_of_16384_identical_cells_costs_one_problem_per_template_column() {
    let dir = Dir::new();
    let mut header = String::from("ID");
    for _ in 1..16_384 {
        header.push_str(",1");
    }
    dir.write("wide.csv", format!("{header}\nA,{}\n", vec!["x"; 16_383].join(",")));
    let mut template = String::from("[target]\ntype = \"T\"\nplural = \"Ts\"\n[external_id]\ncolumn = \"ID\"\n");
    for i in 0..200 {
        template.push_str(&format!(
            "[[property]]\nname = \"P{i}\"\ncolumn = \"1\"\ntype = \"text\"\n"
        ));
    }
    dir.write("wide.toml", template);
    let run = dir.run(&["check", "wide.csv", "-t", "wide.toml", "--report", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = run.json();
    let duplicates = problems_with_code(&report, "duplicate-column");
    assert_eq!(duplicates.len(), 200, "one per template column");
    assert_eq!(
        duplicates[0]["message"],
        "16383 headers match column '1' (property 'P0'): B1, C1, D1 and 16380 more; rename all but one so the \
         template knows which to read"
    );
    assert_eq!(report["problems"].as_array().unwrap().len(), 200);
}

#[test]
fn wide_long_and_huge_inputs_stop_at_their_limits() {
    let dir = Dir::new();
    // A record with more fields than relsync reads in one row.
    dir.write("fields.csv", format!("ID,T\nA,{}\n", vec!["x"; 20_000].join(",")));
    dir.write("t.toml", "[target]\ntype = \"T\"\nplural = \"Ts\"\n[external_id]\ncolumn = \"ID\"\n[[property]]\nname = \"T\"\ncolumn = \"T\"\ntype = \"text\"\n");
    let run = convert(&dir, "fields.csv", "t.toml");
    assert_refused(
        &dir,
        &run,
        2,
        "fields.csv",
        "line 2 has 20001 fields, more than the 16384 relsync reads in a record ([limits] max_columns)",
    );
    // Limits are raised, or lowered, in the template.
    dir.write(
        "small.toml",
        format!("{}[limits]\nmax_rows = 3\nmax_columns = 30000\n", dir.read("t.toml")),
    );
    dir.write("rows.csv", "ID,T\nA,x\nB,y\nC,z\nD,w\n");
    let run = convert(&dir, "rows.csv", "small.toml");
    assert_refused(&dir, &run, 2, "rows.csv", "more than 3 records ([limits] max_rows)");
    let run = convert(&dir, "fields.csv", "small.toml");
    assert_eq!(
        run.code, 1,
        "read once the limit is raised (the surplus is an extra-cell): {run:?}"
    );

    // A 1 MB cell is a text-too-long problem with a clipped value, not a crash.
    let big = "é".repeat(500_000);
    dir.write("big.csv", format!("ID,T\nA,{big}\n"));
    let run = dir.run(&["check", "big.csv", "-t", "t.toml", "--report", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = run.json();
    let long = problems_with_code(&report, "text-too-long");
    assert_eq!(long.len(), 1);
    assert!(long[0]["message"].as_str().unwrap().contains("500000 characters"));
    let value = long[0]["value"].as_str().unwrap();
    assert!(
        value.chars().count() <= 1030 && value.ends_with("… (500,000 characters)"),
        "{value}"
    );
}

#[test]
fn a_decompression_bomb_stops_before_it_is_inflated() {
    let dir = Dir::new();
    req_workbook(&dir, &[req_row("REQ-1", "A")]);
    // 3 MB of sheet XML that compresses to a few kilobytes (a real bomb is the same, larger).
    rewrite_part(&dir.path("req.xlsx"), "xl/worksheets/sheet1.xml", |xml| {
        let end = xml.find("</worksheet>").unwrap();
        format!("{}<!--{}--></worksheet>", &xml[..end], " ".repeat(3 << 20))
    });
    assert!(std::fs::metadata(dir.path("req.xlsx")).unwrap().len() < 64 << 10);
    dir.write(
        "limited.toml",
        format!("{REQ_TEMPLATE}\n[limits]\nmax_part_size = \"2 MiB\"\n"),
    );
    let started = std::time::Instant::now();
    let run = convert(&dir, "req.xlsx", "limited.toml");
    assert_refused(
        &dir,
        &run,
        2,
        "req.xlsx",
        "the part xl/worksheets/sheet1.xml expands to 3146",
    );
    assert!(run.stderr.contains("decompression bomb") && run.stderr.contains("max_part_size"));
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    // With the default limit (4 GiB) the same file is read.
    assert_eq!(convert(&dir, "req.xlsx", "req.toml").code, 0);
}

#[test]
fn counts_in_a_file_are_hints_never_allocation_sizes() {
    for claim in ["2000000000000000000", "200000000000"] {
        let dir = Dir::new();
        req_workbook(&dir, &[req_row("REQ-1", "A")]);
        rewrite_part(&dir.path("req.xlsx"), "xl/sharedStrings.xml", |xml| {
            let at = xml.find("uniqueCount=\"").unwrap() + "uniqueCount=\"".len();
            let end = at + xml[at..].find('"').unwrap();
            format!("{}{claim}{}", &xml[..at], &xml[end..])
        });
        // relsync's reader takes the count as a hint and reads the file.
        let run = convert(&dir, "req.xlsx", "req.toml");
        assert_eq!(run.code, 0, "{claim}: {run:?}");
        std::fs::remove_file(dir.path("out.json")).unwrap();
        // calamine would reserve that many: relsync says the file is damaged instead.
        let run = dir.run_with(
            &["convert", "req.xlsx", "-t", "req.toml", "-o", "out.json"],
            &[("RELSYNC_XLSX_READER", "calamine")],
            None,
        );
        assert_refused(
            &dir,
            &run,
            2,
            "req.xlsx",
            &format!("its shared-string table claims {claim} strings"),
        );
    }
}

#[test]
fn an_xls_with_impossible_dimensions_is_refused() {
    let dir = Dir::new();
    std::fs::copy(repo("tests/data/requirements.xls"), dir.path("dims.xls")).unwrap();
    {
        use std::io::{Read, Seek, SeekFrom};
        let mut cfb = cfb::open_rw(dir.path("dims.xls")).unwrap();
        let mut stream = cfb.open_stream("/Workbook").unwrap();
        let mut bytes = Vec::new();
        stream.read_to_end(&mut bytes).unwrap();
        let mut at = 0;
        let mut patched = 0;
        while at + 4 <= bytes.len() {
            let kind = u16::from_le_bytes([bytes[at], bytes[at + 1]]);
            let len = u16::from_le_bytes([bytes[at + 2], bytes[at + 3]]) as usize;
            if kind == 0x0200 && len == 14 {
                bytes[at + 8..at + 12].copy_from_slice(&u32::MAX.to_le_bytes());
                bytes[at + 14..at + 16].copy_from_slice(&u16::MAX.to_le_bytes());
                patched += 1;
            }
            at += 4 + len;
        }
        assert!(patched > 0, "the fixture has DIMENSIONS records");
        stream.seek(SeekFrom::Start(0)).unwrap();
        stream.write_all(&bytes).unwrap();
    }
    dir.write(
        "t.toml",
        "[target]\ntype = \"T\"\nplural = \"Ts\"\n[external_id]\ncolumn = \"ID\"\n",
    );
    let run = convert(&dir, "dims.xls", "t.toml");
    assert_refused(&dir, &run, 2, "dims.xls", "a sheet declares 4294967295 rows by");
}

#[test]
fn delimited_text_with_nul_bytes_and_bad_encoding() {
    let dir = Dir::new();
    dir.write(
        "t.toml",
        "[target]\ntype = \"T\"\nplural = \"Ts\"\n[external_id]\ncolumn = \"ID\"\n[[property]]\nname = \"Title\"\ncolumn = \"Title\"\ntype = \"text\"\n",
    );
    let nul = dir.run(&["convert", &bad("nul.csv"), "-t", "t.toml", "-o", "out.json"]);
    assert_eq!(nul.code, 1, "{nul:?}");
    assert!(
        nul.stderr
            .contains("B3  error  control-character  'Title': contains the control character U+0000"),
        "{}",
        nul.stderr
    );
    let utf8 = dir.run(&["convert", &bad("invalid-utf8.csv"), "-t", "t.toml", "-o", "out.json"]);
    assert_refused(
        &dir,
        &utf8,
        2,
        "invalid-utf8.csv",
        "line 3: the text is not valid UTF-8; set source.encoding",
    );
    // Found by the delimited fuzzer: a lead byte ending one field and its continuation bytes
    // starting the next are valid UTF-8 only across the delimiter.
    dir.write("split.csv", b"ID,Title\nA,x\nB,\xe1,\xb2\x9ey\n");
    let split = dir.run(&["convert", "split.csv", "-t", "t.toml", "-o", "out.json"]);
    assert!(!split.stderr.contains("panicked"), "{}", split.stderr);
    assert_refused(&dir, &split, 2, "split.csv", "line 3: the text is not valid UTF-8");
}

#[test]
fn templates_that_are_not_templates() {
    let dir = Dir::new();
    req_workbook(&dir, &[req_row("REQ-1", "A")]);
    let not_toml = convert(&dir, "req.xlsx", &bad("not-toml.toml"));
    assert_refused(&dir, &not_toml, 2, "not-toml.toml", "invalid template");
    assert!(not_toml.stderr.contains("line 1"), "{}", not_toml.stderr);
    let cargo = convert(&dir, "req.xlsx", &bad("not-a-template.toml"));
    assert_refused(
        &dir,
        &cargo,
        2,
        "not-a-template.toml",
        "'dependencies' is not a template key here (the keys here are 'target', 'source'",
    );
    for (name, change, words) in [
        (
            "duplicate.toml",
            ("name = \"Due date\"", "name = \"Name\""),
            "is defined twice",
        ),
        (
            "empty.toml",
            ("name = \"Due date\"", "name = \"  \""),
            "must not be empty",
        ),
    ] {
        dir.write(name, REQ_TEMPLATE.replacen(change.0, change.1, 1));
        let run = convert(&dir, "req.xlsx", name);
        assert_refused(&dir, &run, 2, name, words);
    }
    // Punctuation-only names are escaped into valid XML names, in both bodies.
    dir.write(
        "punct.toml",
        REQ_TEMPLATE
            .replacen("name = \"Due date\"", "name = \"!?\"", 1)
            .replacen("plural = \"Requirements\"", "plural = \"...\"", 1),
    );
    let json = dir.run(&["convert", "req.xlsx", "-t", "punct.toml"]);
    assert_eq!(json.code, 0, "{json:?}");
    let body = json.json();
    assert!(
        body["_x002E_.."][0].get("_x0021__x003F_").is_some(),
        "a leading dot is escaped: {body}"
    );
    let xml = dir.run(&["convert", "req.xlsx", "-t", "punct.toml", "-f", "xml"]);
    assert_eq!(xml.code, 0);
    roxmltree::Document::parse(&xml.stdout).expect("well-formed XML");
}

#[test]
fn ragged_records_are_errors_unless_allowed() {
    let dir = Dir::new();
    dir.write(
        "t.toml",
        "[target]\ntype = \"T\"\nplural = \"Ts\"\n[external_id]\ncolumn = \"ID\"\n[[property]]\nname = \"T\"\ncolumn = \"T\"\ntype = \"text\"\n",
    );
    let run = dir.run(&["check", &bad("ragged.csv"), "-t", "t.toml", "--report", "json"]);
    assert_eq!(run.code, 1, "{run:?}");
    let report = run.json();
    let extra = problems_with_code(&report, "extra-cell");
    assert_eq!(extra.len(), 1);
    assert_eq!(extra[0]["cell"], "C2");
    assert_eq!(extra[0]["value"], "extra");
    assert!(
        extra[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("line 2 has 4 fields where the header has 2 fields; the first surplus value is 'extra'")
    );
    let missing = problems_with_code(&report, "missing-cell");
    assert_eq!(missing.len(), 1);
    assert_eq!(missing[0]["cell"], "B3");
    assert!(missing[0]["message"].as_str().unwrap().starts_with(
        "line 3 has 1 field where the header has 2 fields; 'T' (B3) and the columns after it are missing, \
                 so Relatics would clear the properties and relations they hold"
    ));
    assert_eq!(
        report["errors"], 2,
        "A-3,y,, has trailing empty fields only: not extra cells"
    );
    assert!(problems_with_code(&report, "unmapped-column").is_empty());

    dir.write(
        "allow.toml",
        dir.read("t.toml")
            .replace("[external_id]", "[source]\nragged = \"allow\"\n[external_id]"),
    );
    let run = dir.run(&["convert", &bad("ragged.csv"), "-t", "allow.toml"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.json()["Ts"][1]["T"], "", "A-2 is sent with T cleared, as asked");
}

#[test]
fn cell_text_never_breaks_the_markup() {
    let dir = Dir::new();
    let nasty = [
        "</Name>",
        "]]>",
        "\"quoted\" 'single'",
        "<script>alert(1)</script>",
        "a & b &amp; c",
        "tab\there",
        "line\nbreak",
        "emoji 😀 and é",
        "<?xml version=\"1.0\"?>",
    ];
    let rows: Vec<Vec<C>> = nasty
        .iter()
        .enumerate()
        .map(|(i, t)| vec![C::Str(format!("ID-{i}")), C::Str((*t).to_owned())])
        .collect();
    let mut all = vec![vec![C::S("ID"), C::S("Text")]];
    all.extend(rows);
    xlsx(&dir.path("in.xlsx"), "Sheet1", &all);
    dir.write(
        "t.toml",
        "[target]\ntype = \"T\"\nplural = \"Ts\"\n[external_id]\ncolumn = \"ID\"\n[[property]]\nname = \"Text\"\ncolumn = \"Text\"\ntype = \"text\"\n",
    );
    let json = dir.run(&["convert", "in.xlsx", "-t", "t.toml"]);
    assert_eq!(json.code, 0, "{json:?}");
    let xml = dir.run(&["convert", "in.xlsx", "-t", "t.toml", "-f", "xml"]);
    assert_eq!(xml.code, 0);
    let doc = roxmltree::Document::parse(&xml.stdout).expect("well-formed XML");
    let texts: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("Text"))
        .map(|n| n.text().unwrap_or(""))
        .collect();
    let from_json: Vec<String> = json.json()["Ts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["Text"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(texts, nasty);
    assert_eq!(from_json, nasty);

    // Characters XML cannot carry are problems with their cell, never output.
    dir.write("ctl.csv", "ID,Text\nA,bell\u{7}\nB,\u{FFFF}\nC,\u{FFFE}x\n");
    let run = dir.run(&["check", "ctl.csv", "-t", "t.toml", "--report", "json"]);
    assert_eq!(run.code, 1);
    let report = run.json();
    let cells: Vec<&str> = problems_with_code(&report, "control-character")
        .iter()
        .map(|p| p["cell"].as_str().unwrap())
        .collect();
    assert_eq!(cells, ["B2", "B3", "B4"]);
}

#[test]
fn an_ods_whose_repeats_expand_past_max_cells_is_refused_before_calamine_reads_it() {
    let dir = Dir::new();
    std::fs::copy(repo("tests/data/requirements.ods"), dir.path("bomb.ods")).unwrap();
    // 10,000 rows of one value repeated across all 16,384 columns: about a megabyte of XML that
    // calamine would write out as 164 million cells (some 9 GB).
    rewrite_part(&dir.path("bomb.ods"), "content.xml", |xml| {
        let row = "<table:table-row><table:table-cell office:value-type=\"float\" office:value=\"1\" \
                   table:number-columns-repeated=\"16384\"><text:p>1</text:p></table:table-cell></table:table-row>";
        xml.replacen("</table:table>", &format!("{}</table:table>", row.repeat(10_000)), 1)
    });
    assert!(std::fs::metadata(dir.path("bomb.ods")).unwrap().len() < 256 << 10);
    let template = repo("templates/requirements.toml");
    let run = convert(&dir, "bomb.ods", &template);
    assert_refused(
        &dir,
        &run,
        2,
        "bomb.ods",
        "its sheets repeat rows and columns out to at least",
    );
    assert!(
        run.stderr.contains("relsync lets calamine hold at most 25000000 cells for this format, which it reads whole ([limits] max_cells)"),
        "{}",
        run.stderr
    );

    // The limit is the template's: the real workbook passes by default and is refused below it.
    let real = repo("tests/data/requirements.ods");
    assert_eq!(convert(&dir, &real, &template).code, 0);
    std::fs::remove_file(dir.path("out.json")).unwrap();
    let text = std::fs::read_to_string(&template).unwrap();
    dir.write("small.toml", format!("{text}\n[limits]\nmax_cells = 100\n"));
    let run = convert(&dir, &real, "small.toml");
    assert_refused(&dir, &run, 2, "requirements.ods", "raise max_cells in the template");
}

#[test]
fn cell_text_cannot_steer_the_terminal() {
    let dir = Dir::new();
    dir.write(
        "t.toml",
        "[target]\ntype = \"T\"\nplural = \"Ts\"\n[external_id]\ncolumn = \"ID\"\n\
         [[property]]\nname = \"N\"\ncolumn = \"N\"\ntype = \"number\"\n",
    );
    dir.write("esc.csv", "ID,N\nA-1,\"\x1b[2J\x1b]0;pwned\x07x\"\nA-2,\"1\r2\"\n");
    let run = dir.run(&["check", "esc.csv", "-t", "t.toml", "--color", "always"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(!run.stdout.contains("\x1b[2J") && !run.stdout.contains('\x07') && !run.stdout.contains('\r'));
    assert!(
        run.stdout.contains(r"'\u{1b}[2J\u{1b}]0;pwned\u{7}x'"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains(r"'1\r2'"), "{}", run.stdout);
}

#[test]
fn an_unpaired_surrogate_is_reported_not_passed_silently() {
    let dir = Dir::new();
    xlsx(
        &dir.path("in.xlsx"),
        "Sheet1",
        &[vec![C::S("ID"), C::S("Text")], vec![C::S("ID-1"), C::S("SURROGATE")]],
    );
    // Excel writes a UTF-16 unit that is not a character as `_xD800_`.
    rewrite_part(&dir.path("in.xlsx"), "xl/sharedStrings.xml", |xml| {
        xml.replace("SURROGATE", "a_xD800_b")
    });
    dir.write(
        "t.toml",
        "[target]\ntype = \"T\"\nplural = \"Ts\"\n[external_id]\ncolumn = \"ID\"\n[[property]]\nname = \"Text\"\ncolumn = \"Text\"\ntype = \"text\"\n",
    );
    for reader in ["fast", "calamine"] {
        let run = dir.run_with(
            &["check", "in.xlsx", "-t", "t.toml"],
            &[("RELSYNC_XLSX_READER", reader)],
            None,
        );
        assert_eq!(run.code, 0, "a warning: {run:?}");
        assert!(
            run.stdout
                .contains("Sheet1!B2  warning  replacement-character  'Text': holds U+FFFD"),
            "{reader}: {}",
            run.stdout
        );
        let strict = dir.run_with(
            &["convert", "in.xlsx", "-t", "t.toml", "--strict"],
            &[("RELSYNC_XLSX_READER", reader)],
            None,
        );
        assert_eq!(strict.code, 1, "{reader}: {strict:?}");
    }
}

/// A minimal `.xlsx` with one sheet `Sheet1` whose `<sheetData>` is `rows`, inline strings
/// only; the workbook names a shared-string part that is there only if `sst` is given.
fn raw_workbook(dir: &Dir, name: &str, rows: &str, sst: Option<&str>) {
    const NS: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
    const REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    let parts = [
        (
            "[Content_Types].xml",
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/><Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/><Override PartName=\"/xl/worksheets/sheet1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/></Types>".to_owned(),
        ),
        (
            "_rels/.rels",
            format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"{REL}/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>"),
        ),
        (
            "xl/workbook.xml",
            format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><workbook xmlns=\"{NS}\" xmlns:r=\"{REL}\"><sheets><sheet name=\"Sheet1\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>"),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"{REL}/worksheet\" Target=\"worksheets/sheet1.xml\"/><Relationship Id=\"rId2\" Type=\"{REL}/sharedStrings\" Target=\"sharedStrings.xml\"/></Relationships>"),
        ),
        (
            "xl/worksheets/sheet1.xml",
            format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><worksheet xmlns=\"{NS}\"><sheetData>{rows}</sheetData></worksheet>"),
        ),
    ];
    let mut zip = zip::ZipWriter::new(std::fs::File::create(dir.path(name)).unwrap());
    let sst = sst.map(|items| {
        (
            "xl/sharedStrings.xml",
            format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><sst xmlns=\"{NS}\">{items}</sst>"),
        )
    });
    for (part, xml) in parts.into_iter().chain(sst) {
        zip.start_file(part, zip::write::SimpleFileOptions::default()).unwrap();
        zip.write_all(xml.as_bytes()).unwrap();
    }
    zip.finish().unwrap();
}

/// An inline-string cell.
fn is(reference: &str, text: &str) -> String {
    format!("<c r=\"{reference}\" t=\"inlineStr\"><is><t>{text}</t></is></c>")
}

const NAME_TEMPLATE: &str = "[target]\ntype = \"Req\"\nplural = \"Reqs\"\n[external_id]\ncolumn = \"ID\"\n\
                             [[property]]\nname = \"Name\"\ncolumn = \"Name\"\ntype = \"text\"\n";

fn header() -> String {
    format!("<row r=\"1\">{}{}</row>", is("A1", "ID"), is("B1", "Name"))
}

#[test]
fn a_formula_without_a_saved_result_or_a_number_that_is_not_finite_is_reported_at_its_cell() {
    // Written by programs that do not calculate: sending the cell as empty would clear the
    // property in Relatics.
    let dir = Dir::new();
    dir.write("t.toml", NAME_TEMPLATE);
    for (name, cell, words) in [
        (
            "formula.xlsx",
            "<c r=\"B2\"><f>1+1</f></c>",
            "formula whose result was never saved",
        ),
        (
            "formula-str.xlsx",
            "<c r=\"B2\" t=\"str\"><f>A2&amp;\"x\"</f></c>",
            "formula whose result was never saved",
        ),
        (
            "shared-formula.xlsx",
            "<c r=\"B2\"><f t=\"shared\" si=\"0\"/></c>",
            "formula whose result was never saved",
        ),
        // What openpyxl writes for every formula: an empty result where only text may be empty.
        (
            "openpyxl.xlsx",
            "<c r=\"B2\"><f>SUM(1,2)</f><v></v></c>",
            "formula whose result was never saved",
        ),
        (
            "blank.xlsx",
            "<c r=\"B2\" t=\"b\"><f>TRUE()</f><v> </v></c>",
            "formula whose result was never saved",
        ),
        (
            "openpyxl-bool.xlsx",
            "<c r=\"B2\" t=\"b\"><f>TRUE()</f><v/></c>",
            "formula whose result was never saved",
        ),
        ("nan.xlsx", "<c r=\"B2\"><v>NaN</v></c>", "#NUM!"),
        ("inf.xlsx", "<c r=\"B2\" t=\"n\"><v>-inf</v></c>", "#NUM!"),
        ("huge.xlsx", "<c r=\"B2\"><v>1e400</v></c>", "#NUM!"),
    ] {
        raw_workbook(
            &dir,
            name,
            &format!("{}<row r=\"2\">{}{cell}</row>", header(), is("A2", "R-1")),
            None,
        );
        for reader in ["auto", "calamine"] {
            // calamine does not see a formula written as an empty element (`<f t="shared"
            // si="0"/>`) nor a blank result; relsync's reader is the default.
            if reader == "calamine" && (cell.contains("<f t=\"shared\"") || cell.contains("<v> </v>")) {
                continue;
            }
            let run = dir.run_with(
                &["check", name, "-t", "t.toml", "--report", "json"],
                &[("RELSYNC_XLSX_READER", reader)],
                None,
            );
            assert_eq!(run.code, 1, "{name} ({reader}): {run:?}");
            let report = run.json();
            let found = problems_with_code(&report, "error-cell");
            assert_eq!(found.len(), 1, "{name} ({reader}): {report}");
            assert_eq!(found[0]["cell"], "B2", "{name}");
            assert_eq!(found[0]["sheet"], "Sheet1", "{name}");
            assert!(
                found[0]["message"].as_str().unwrap().contains(words),
                "{name}: {}",
                found[0]
            );
        }
    }
    // A formula with its result is read as the result, and an empty result is empty.
    raw_workbook(
        &dir,
        "ok.xlsx",
        &format!(
            "{}<row r=\"2\">{}<c r=\"B2\" t=\"str\"><f>1</f><v>done</v></c></row><row r=\"3\">{}<c r=\"B3\" t=\"str\"><f>\"\"</f><v></v></c></row>",
            header(),
            is("A2", "R-1"),
            is("A3", "R-2")
        ),
        None,
    );
    let run = dir.run(&["convert", "ok.xlsx", "-t", "t.toml"]);
    assert_eq!(run.code, 0, "{run:?}");
    let body = run.json();
    assert_eq!(body["Reqs"][0]["Name"], "done");
    assert_eq!(body["Reqs"][1]["Name"], "");
}

#[test]
fn a_cell_or_row_that_is_in_the_sheet_twice_is_refused_not_overwritten() {
    let dir = Dir::new();
    dir.write("t.toml", NAME_TEMPLATE);
    let cases = [
        (
            "cell.xlsx",
            format!(
                "<row r=\"2\">{}{}{}</row>",
                is("A2", "R-1"),
                is("B2", "first"),
                is("B2", "second")
            ),
            "cell Sheet1!B2 is in the sheet twice",
        ),
        (
            "adjacent.xlsx",
            format!(
                "<row r=\"2\">{}</row><row r=\"2\">{}</row>",
                is("A2", "R-1"),
                is("A2", "R-2")
            ),
            "sheet 'Sheet1' (the part xl/worksheets/sheet1.xml) has row 2 twice",
        ),
        (
            "empty-first.xlsx",
            format!(
                "<row r=\"2\"/><row r=\"3\">{}</row><row r=\"2\">{}</row>",
                is("A3", "R-2"),
                is("A2", "R-1")
            ),
            "has row 2 twice",
        ),
        (
            "not-a-number.xlsx",
            format!("<row r=\"abc\">{}</row>", is("A2", "R-1")),
            "has a row numbered 'abc', which is not a row number",
        ),
        (
            "zero.xlsx",
            format!("<row r=\"0\">{}</row>", is("A2", "R-1")),
            "has a row numbered '0', which is not a row number",
        ),
        (
            "row.xlsx",
            format!(
                "<row r=\"2\">{}</row><row r=\"3\">{}</row><row r=\"2\">{}</row>",
                is("A2", "R-1"),
                is("A3", "R-2"),
                is("B2", "late")
            ),
            "sheet 'Sheet1' (the part xl/worksheets/sheet1.xml) has row 2 twice",
        ),
    ];
    for (name, rows, words) in &cases {
        raw_workbook(&dir, name, &format!("{}{rows}", header()), None);
        for reader in ["auto", "calamine"] {
            if reader == "calamine" && *name != "cell.xlsx" {
                continue; // calamine merges such rows before relsync sees them
            }
            let run = dir.run_with(
                &["convert", name, "-t", "t.toml", "-o", "out.json"],
                &[("RELSYNC_XLSX_READER", reader)],
                None,
            );
            assert_refused(&dir, &run, 2, name, words);
        }
    }
    // Rows without numbers follow each other, `<row/>` too; out of order, they are not repeats.
    raw_workbook(
        &dir,
        "implicit.xlsx",
        &format!(
            "{}<row ht=\"20\" customHeight=\"1\"/><row/><row><c t=\"inlineStr\"><is><t>R-4</t></is></c></row>",
            header()
        ),
        None,
    );
    let run = dir.run(&["convert", "implicit.xlsx", "-t", "t.toml"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.json()["Reqs"][0]["@externalid"], "R-4");
    raw_workbook(
        &dir,
        "order.xlsx",
        &format!(
            "{}<row r=\"3\">{}</row><row r=\"2\">{}</row>",
            header(),
            is("A3", "R-2"),
            is("A2", "R-1")
        ),
        None,
    );
    let run = dir.run(&["convert", "order.xlsx", "-t", "t.toml"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.json()["Reqs"].as_array().unwrap().len(), 2);
    // Counted once each, and not as empty rows before the later one.
    let summary = run.stderr.lines().last().unwrap_or_default();
    assert!(summary.starts_with("2 rows read, 2 elements"), "{summary}");
    assert!(!summary.contains("empty"), "{summary}");
}

#[test]
fn valid_but_unusual_cells_and_strings_are_read_whole() {
    let dir = Dir::new();
    dir.write("t.toml", NAME_TEMPLATE);
    // `<extLst>` is allowed in a cell; a `<t>` inside a `<t>` is not, but none of its text is
    // dropped; a shared-string part the workbook names but does not hold is an empty table.
    raw_workbook(
        &dir,
        "ext.xlsx",
        &format!(
            "{}<row r=\"2\">{}<c r=\"B2\" t=\"s\"><v>0</v><extLst><ext uri=\"x\"><y>1</y></ext></extLst></c></row><row r=\"3\">{}{}</row>",
            header(),
            is("A2", "R-1"),
            is("A3", "R-2"),
            is("B3", "plain")
        ),
        Some("<si><t>Before<r><t>MID</t></r>After</t></si>"),
    );
    raw_workbook(
        &dir,
        "nosst.xlsx",
        &format!("{}<row r=\"2\">{}{}</row>", header(), is("A2", "R-1"), is("B2", "x")),
        None,
    );
    for reader in ["auto", "fast"] {
        let run = dir.run_with(
            &["convert", "ext.xlsx", "-t", "t.toml"],
            &[("RELSYNC_XLSX_READER", reader)],
            None,
        );
        assert_eq!(run.code, 0, "{reader}: {run:?}");
        let body = run.json();
        assert_eq!(body["Reqs"][0]["Name"], "BeforeMIDAfter", "{reader}");
        assert_eq!(body["Reqs"][1]["Name"], "plain", "{reader}");
        let run = dir.run_with(
            &["convert", "nosst.xlsx", "-t", "t.toml"],
            &[("RELSYNC_XLSX_READER", reader)],
            None,
        );
        assert_eq!(run.code, 0, "{reader}: {run:?}");
        assert_eq!(run.json()["Reqs"][0]["Name"], "x", "{reader}");
    }
}

#[test]
fn a_damaged_workbook_is_explained_in_relsyncs_words_not_calamines() {
    // relsync's reader hands what it cannot read to calamine; when calamine fails too, the
    // message names the part and the cell, not calamine's error.
    let dir = Dir::new();
    dir.write("t.toml", NAME_TEMPLATE);
    for (name, cell, words) in [
        (
            "index.xlsx",
            "<c r=\"B2\" t=\"s\"><v>999999</v></c>",
            "cell B2 of xl/worksheets/sheet1.xml refers to shared string 999999, which does not exist",
        ),
        (
            "type.xlsx",
            "<c r=\"B2\" t=\"zzz\"><v>1</v></c>",
            "has a cell of unknown type 'zzz'",
        ),
        // calamine would read these as shared string 0: a value, but not the file's.
        (
            "negative.xlsx",
            "<c r=\"B2\" t=\"s\"><v>-1</v></c>",
            "cell B2 of xl/worksheets/sheet1.xml refers to shared string '-1', which is not an index",
        ),
        (
            "word.xlsx",
            "<c r=\"B2\" t=\"s\"><v>one</v></c>",
            "refers to shared string 'one', which is not an index",
        ),
        (
            "reference.xlsx",
            "<c r=\"A99999999999999999999\"><v>1</v></c>",
            "has a bad cell reference 'A99999999999999999999'",
        ),
    ] {
        raw_workbook(
            &dir,
            name,
            &format!("{}<row r=\"2\">{}{cell}</row>", header(), is("A2", "R-1")),
            Some("<si><t>first</t></si>"),
        );
        let run = convert(&dir, name, "t.toml");
        assert_refused(&dir, &run, 2, name, "the file is damaged");
        assert!(run.stderr.contains(words), "{name}: {}", run.stderr);
        assert!(
            !run.stderr.contains("Xlsx error") && !run.stderr.contains("calamine"),
            "{}",
            run.stderr
        );
    }
}

#[test]
fn template_numbers_out_of_range_are_said_in_template_words() {
    let dir = Dir::new();
    raw_workbook(&dir, "w.xlsx", &header(), None);
    for (line, words) in [
        (
            "[limits]\nmax_part_size = nan",
            "`max_part_size` must be a size: a whole number of bytes, or text such as \"8 GiB\"",
        ),
        ("[limits]\nmax_part_size = 1.5", "`max_part_size` must be a size"),
        (
            "[limits]\nmax_columns = 18446744073709551615",
            "`max_columns` is too large a number (18446744073709551615)",
        ),
        (
            "[source]\nheader_row = 99999999999999999999",
            "`header_row` is too large a number",
        ),
    ] {
        dir.write("t.toml", format!("{NAME_TEMPLATE}{line}\n"));
        let run = convert(&dir, "w.xlsx", "t.toml");
        assert_refused(&dir, &run, 2, "t.toml", words);
        assert!(
            !run.stderr.contains("RawSize") && !run.stderr.contains("i64"),
            "{}",
            run.stderr
        );
    }
}

#[test]
fn a_workbook_with_a_part_twice_is_refused() {
    // Two entries for the sheet part: the zip reader would silently take one of them.
    let dir = Dir::new();
    dir.write("t.toml", NAME_TEMPLATE);
    let rows = |name: &str| format!("{}<row r=\"2\">{}{}</row>", header(), is("A2", "R-1"), is("B2", name));
    raw_workbook(&dir, "w.xlsx", &rows("FIRST"), None);
    let add = |path: &std::path::Path, part: &str, xml: &str| {
        let mut zip =
            zip::ZipWriter::new_append(std::fs::File::options().read(true).write(true).open(path).unwrap()).unwrap();
        let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
        zip.start_file(part, stored).unwrap();
        zip.write_all(xml.as_bytes()).unwrap();
        zip.finish().unwrap();
    };
    let second = format!(
        "<?xml version=\"1.0\"?><worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>{}</sheetData></worksheet>",
        rows("SECOND")
    );
    std::fs::copy(dir.path("w.xlsx"), dir.path("case.xlsx")).unwrap();
    add(&dir.path("case.xlsx"), "xl/worksheets/Sheet1.xml", &second);
    // calamine reads `\` as `/`: relsync's reader took one copy, calamine the other.
    std::fs::copy(dir.path("w.xlsx"), dir.path("backslash.xlsx")).unwrap();
    add(&dir.path("backslash.xlsx"), "xl\\worksheets\\sheet1.xml", &second);
    // The same name exactly: written under another name of the same length, then renamed in
    // the archive's bytes (a zip writer refuses to write a name twice).
    std::fs::copy(dir.path("w.xlsx"), dir.path("exact.xlsx")).unwrap();
    add(&dir.path("exact.xlsx"), "xl/worksheets/sheetX.xml", &second);
    let bytes = std::fs::read(dir.path("exact.xlsx")).unwrap();
    let (from, to) = (b"xl/worksheets/sheetX.xml", b"xl/worksheets/sheet1.xml");
    let mut patched = bytes.clone();
    let mut renamed = 0;
    for i in 0..bytes.len() - from.len() {
        if &bytes[i..i + from.len()] == from {
            patched[i..i + to.len()].copy_from_slice(to);
            renamed += 1;
        }
    }
    assert_eq!(renamed, 2, "the local and the central header");
    std::fs::write(dir.path("exact.xlsx"), patched).unwrap();
    for (name, words) in [
        ("case.xlsx", "it holds the part xl/worksheets/Sheet1.xml twice"),
        ("backslash.xlsx", "it holds the part xl\\worksheets\\sheet1.xml twice"),
        ("exact.xlsx", "it holds two parts with the same name"),
    ] {
        let run = convert(&dir, name, "t.toml");
        assert_refused(&dir, &run, 2, name, words);
    }
    // The workbook before the second entry is read.
    let run = convert(&dir, "w.xlsx", "t.toml");
    assert_eq!(run.code, 0, "{run:?}");
}

#[test]
fn a_sheet_in_another_encoding_is_read_by_relsyncs_reader() {
    // Excel writes UTF-8; some generators declare ISO-8859-1. Decoded as it streams, the sheet
    // keeps every check of relsync's reader (here: a formula without a result).
    let dir = Dir::new();
    dir.write("t.toml", NAME_TEMPLATE);
    raw_workbook(&dir, "utf8.xlsx", "", None);
    let latin1 = |name: &str, row3: &[u8]| {
        let mut sheet = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>\
<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>ID</t></is></c><c r=\"B1\" t=\"inlineStr\"><is><t>Name</t></is></c></row>\
<row r=\"2\"><c r=\"A2\" t=\"inlineStr\"><is><t>R-1</t></is></c><c r=\"B2\" t=\"inlineStr\"><is><t>Caf\xe9 na\xefef</t></is></c></row>"
            .to_vec();
        sheet.extend_from_slice(row3);
        sheet.extend_from_slice(b"</sheetData></worksheet>");
        let mut archive = zip::ZipArchive::new(std::fs::File::open(dir.path("utf8.xlsx")).unwrap()).unwrap();
        let mut out = zip::ZipWriter::new(std::fs::File::create(dir.path(name)).unwrap());
        for i in 0..archive.len() {
            let mut entry = archive.by_index(i).unwrap();
            let part = entry.name().unwrap().to_string();
            let mut data = Vec::new();
            std::io::Read::read_to_end(&mut entry, &mut data).unwrap();
            if part == "xl/worksheets/sheet1.xml" {
                data = sheet.clone();
            }
            out.start_file(part, zip::write::SimpleFileOptions::default()).unwrap();
            out.write_all(&data).unwrap();
        }
        out.finish().unwrap();
    };
    latin1(
        "formula.xlsx",
        b"<row r=\"3\"><c r=\"A3\" t=\"inlineStr\"><is><t>R-2</t></is></c><c r=\"B3\"><f>1+1</f></c></row>",
    );
    latin1("plain.xlsx", b"");
    for reader in ["auto", "fast"] {
        let env = [("RELSYNC_XLSX_READER", reader)];
        let run = dir.run_with(
            &["check", "formula.xlsx", "-t", "t.toml", "--report", "json"],
            &env,
            None,
        );
        assert_eq!(run.code, 1, "{reader}: {run:?}");
        let report = run.json();
        let found = problems_with_code(&report, "error-cell");
        assert_eq!(found.len(), 1, "{report}");
        assert_eq!(found[0]["cell"], "B3");
        let run = dir.run_with(&["convert", "plain.xlsx", "-t", "t.toml"], &env, None);
        assert_eq!(run.code, 0, "{reader}: {run:?}");
        assert_eq!(run.json()["Reqs"][0]["Name"], "Café naïef", "{reader}");
    }
}

#[test]
fn a_sheet_name_with_characters_xml_forbids_gives_a_readable_annotated_workbook() {
    let dir = Dir::new();
    dir.write("t.toml", NAME_TEMPLATE);
    raw_workbook(
        &dir,
        "w.xlsx",
        &format!(
            "{}<row r=\"2\">{}{}</row>",
            header(),
            is("A2", "R-1"),
            is("B2", "a&#x1;b")
        ),
        None,
    );
    rewrite_part(&dir.path("w.xlsx"), "xl/workbook.xml", |xml| {
        xml.replace("name=\"Sheet1\"", "name=\"Sh&#x1;eet&#xFFFE;\"")
    });
    let run = dir.run(&["check", "w.xlsx", "-t", "t.toml", "--annotate", "annotated.xlsx"]);
    assert_eq!(run.code, 1, "{run:?}");
    let mut archive = zip::ZipArchive::new(std::fs::File::open(dir.path("annotated.xlsx")).unwrap()).unwrap();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let name = entry.name().unwrap().to_string();
        let mut xml = String::new();
        std::io::Read::read_to_string(&mut entry, &mut xml).unwrap();
        if name.ends_with(".xml") || name.ends_with(".rels") {
            roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }
}

#[test]
fn an_ods_error_cell_is_an_error_not_its_text() {
    // calamine reads LibreOffice's error cells as the text they show: "#N/A" was sent as text.
    let dir = Dir::new();
    dir.write("t.toml", NAME_TEMPLATE);
    let cell = |text: &str| {
        format!(
            "<table:table-cell office:value-type=\"string\" calcext:value-type=\"string\"><text:p>{text}</text:p></table:table-cell>"
        )
    };
    let error = |shown: &str, repeated: u32| {
        format!(
            "<table:table-cell table:number-columns-repeated=\"{repeated}\" table:formula=\"of:=NA()\" office:value-type=\"string\" \
             office:string-value=\"\" calcext:value-type=\"error\"><text:p>{shown}</text:p></table:table-cell>"
        )
    };
    let content = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><office:document-content \
         xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" \
         xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\" \
         xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\" \
         xmlns:calcext=\"urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0\" office:version=\"1.3\">\
         <office:body><office:spreadsheet>\
         <table:table table:name=\"Other\"><table:table-row>{}{}</table:table-row></table:table>\
         <table:table table:name=\"Data\">\
         <table:table-row>{}{}{}</table:table-row>\
         <table:table-row>{}{}{}</table:table-row>\
         <table:table-row table:number-rows-repeated=\"2\">{}{}</table:table-row>\
         <table:table-row>{}{}</table:table-row>\
         </table:table></office:spreadsheet></office:body></office:document-content>",
        cell("ID"),
        error("#N/A", 1),
        cell("ID"),
        cell("Name"),
        cell("Other"),
        cell("R-1"),
        error("#N/A", 1),
        cell("x"),
        cell("R-2"),
        cell("ok"),
        cell("R-4"),
        error("#DIV/0!", 2),
    );
    let mut zip = zip::ZipWriter::new(std::fs::File::create(dir.path("e.ods")).unwrap());
    let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    zip.start_file("mimetype", stored).unwrap();
    zip.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
        .unwrap();
    zip.start_file("META-INF/manifest.xml", zip::write::SimpleFileOptions::default())
        .unwrap();
    zip.write_all(
        b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><manifest:manifest \
          xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0\" manifest:version=\"1.3\">\
          <manifest:file-entry manifest:full-path=\"/\" manifest:media-type=\"application/vnd.oasis.opendocument.spreadsheet\"/>\
          <manifest:file-entry manifest:full-path=\"content.xml\" manifest:media-type=\"text/xml\"/></manifest:manifest>",
    )
    .unwrap();
    zip.start_file("content.xml", zip::write::SimpleFileOptions::default())
        .unwrap();
    zip.write_all(content.as_bytes()).unwrap();
    zip.finish().unwrap();
    let run = dir.run(&["check", "e.ods", "-t", "t.toml", "--sheet", "Data", "--report", "json"]);
    assert_eq!(run.code, 1, "{run:?}");
    let report = run.json();
    let errors: Vec<(String, String)> = problems_with_code(&report, "error-cell")
        .iter()
        .map(|p| {
            (
                p["cell"].as_str().unwrap().to_owned(),
                p["value"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    // B2 in the sheet asked for; rows 3 and 4 (one repeated row) hold R-2 twice, so only their
    // ids are reported; row 5's errors are in B5 and C5 (C5 is not mapped).
    assert_eq!(
        errors,
        [
            ("B2".to_owned(), "#N/A".to_owned()),
            ("B5".to_owned(), "#DIV/0!".to_owned())
        ],
        "{report}"
    );
}

// From the hostile review of the bounded-work issue.

/// A full or closed standard output or error never makes relsync panic: a submit whose summary
/// cannot be printed has still been sent, keeps its receipt and says so by its exit code.
#[test]
fn a_full_output_stream_is_no_panic_and_a_sent_body_keeps_its_receipt() {
    use crate::server::{Reply, Server};
    let dir = Dir::new();
    req_workbook(&dir, &[req_row("REQ-1", "Pump")]);
    let server = Server::start(|_, _| Reply::json(200, r#"{"result": "accepted"}"#));
    let endpoint = server.url("/api/v1/workspaces/0b5d/interfaces/synchronizing/req");
    let state = dir.path("state").display().to_string();
    let full = || std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
    let out = dir
        .command(&[
            "submit",
            "req.xlsx",
            "-t",
            "req.toml",
            "--endpoint",
            &endpoint,
            "--state-dir",
            &state,
            "--allow-deletions",
        ])
        .env("RELATICS_TOKEN", "ready-token-1")
        .stdout(full())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(server.requests().len(), 1);
    let receipts: Vec<_> = std::fs::read_dir(dir.path("state").join("receipts"))
        .unwrap()
        .flat_map(|d| std::fs::read_dir(d.unwrap().path()).unwrap())
        .filter_map(Result::ok)
        .collect();
    assert_eq!(receipts.len(), 1, "no receipt kept");

    // A report that cannot be written is an error said on standard error (exit 2); a full
    // standard error leaves the exit code saying what the check found (exit 1).
    req_workbook(&dir, &[req_row("REQ-1", "Pump"), req_row("REQ-1", "Twice")]);
    let out = dir
        .command(&["check", "req.xlsx", "-t", "req.toml"])
        .stdout(full())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("writing the report to standard output"), "{stderr}");
    let out = dir
        .command(&["check", "req.xlsx", "-t", "req.toml"])
        .stderr(full())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
}

/// The answer excerpt `fetch-lookup` shows of an unusable answer never shows the token, even
/// when the server echoes it.
#[test]
fn an_echoed_token_is_not_shown_in_the_excerpt() {
    use crate::server::{Reply, Server};
    let dir = Dir::new();
    let server = Server::start(|request, _| {
        let auth = request.header("authorization").unwrap_or("").to_owned();
        Reply::Respond(
            200,
            vec![("Content-Type", format!("text/html; echo={auth}"))],
            format!("<html>you sent {auth}</html>"),
        )
    });
    let endpoint = server.url("/api/v1/workspaces/0b5d/interfaces/providing/gebieden");
    let run = dir.run_with(
        &[
            "fetch-lookup",
            "--endpoint",
            &endpoint,
            "-o",
            "g.json",
            "--retries",
            "0",
        ],
        &[("RELATICS_TOKEN", "tok-echoed-4471")],
        None,
    );
    assert_eq!(run.code, 3, "{run:?}");
    assert!(
        run.stderr.contains("It begins: <html>you sent Bearer ***"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("tok-echoed-4471"), "{}", run.stderr);
}

/// A list of thousands of values: a value not in it is reported with the first twenty and a
/// count, and thousands of such cells are checked in bounded time (the suggestion has a budget).
#[test]
fn long_lists_are_clipped_in_not_in_list_problems() {
    let dir = Dir::new();
    let values: Vec<String> = (0..5000).map(|i| format!("\"Waarde {i:05}\"")).collect();
    dir.write(
        "t.toml",
        format!(
            "[target]\ntype = \"Object\"\nplural = \"Objects\"\n[external_id]\ncolumn = \"ID\"\n\
             [[property]]\nname = \"Soort\"\ncolumn = \"Soort\"\ntype = \"list\"\nvalues = [{}]\n",
            values.join(", ")
        ),
    );
    let mut csv = String::from("ID;Soort\n");
    for i in 0..3000 {
        csv.push_str(&format!("OBJ-{i};Onbekend {i}\n"));
    }
    dir.write("o.csv", csv);
    let run = dir.run(&["check", "o.csv", "-t", "t.toml", "--report", "json"]);
    assert_eq!(run.code, 1, "{run:?}");
    let report = run.json();
    let problems = problems_with_code(&report, "not-in-list");
    assert_eq!(problems.len(), 3000);
    let message = problems[0]["message"].as_str().unwrap();
    assert!(message.contains("'Waarde 00019' and 4980 more"), "{message}");
    assert!(!message.contains("Waarde 00020"), "{message}");
}

/// A body that is a device or does not begin like JSON or XML is refused before it is copied.
#[test]
fn a_body_that_is_no_body_is_refused_before_copying() {
    let dir = Dir::new();
    std::os::unix::fs::symlink("/dev/zero", dir.path("zero.json")).unwrap();
    dir.write("binary.json", [0u8, 159, 146, 150]);
    for file in ["zero.json", "binary.json"] {
        let run = dir.run_with(
            &[
                "submit",
                file,
                "--endpoint",
                "http://127.0.0.1:9/api/v1/workspaces/0b5d/interfaces/synchronizing/req",
                "--state-dir",
                "state",
            ],
            &[("RELATICS_TOKEN", "ready-token-1")],
            None,
        );
        assert_eq!(run.code, 2, "{file}: {run:?}");
        assert!(run.stderr.contains(file), "{file}: {}", run.stderr);
        assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    }
}

/// Lookup answers are read strictly: a DOCTYPE, content after the root, or an element with two
/// ids is refused; numeric ids keep the digits they were written with.
#[test]
fn lookups_are_read_strictly_and_numbers_as_written() {
    let dir = Dir::new();
    dir.write(
        "t.toml",
        "[target]\ntype = \"Object\"\nplural = \"Objects\"\n[external_id]\ncolumn = \"ID\"\n\
         [[relation]]\nrole = \"In\"\ncolumn = \"In\"\ntarget = \"Gebied\"\nlookup = \"g.json\"\n",
    );
    dir.write("o.csv", "ID;In\nOBJ-1;Noord\n");
    dir.write(
        "g.json",
        r#"[{"id": 1.50, "name": "Noord"}, {"id": 12345678901234567890, "name": "Zuid"}]"#,
    );
    let run = dir.run(&["convert", "o.csv", "-t", "t.toml"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(elements(&run.json(), "Objects")[0]["In"][0]["@id"], "1.50");

    let t = dir.read("t.toml").replace("g.json", "g.xml");
    dir.write("t.toml", t);
    for (xml, words) in [
        (
            "<!DOCTYPE r [<!ENTITY a \"Noord\">]><r><e id=\"G-1\" name=\"&a;\"/></r>",
            "DOCTYPE",
        ),
        (
            "<r><e id=\"G-1\" name=\"Noord\"/></r><r/>",
            "content after its root element",
        ),
        (
            "<r><e id=\"G-1\" id=\"G-2\" name=\"Noord\"/></r>",
            "an attribute of <e>",
        ),
        (
            "<r><e><id>G-1</id><id>G-2</id><name>Noord</name></e></r>",
            "its id or its name twice",
        ),
    ] {
        dir.write("g.xml", xml);
        let run = dir.run(&["convert", "o.csv", "-t", "t.toml"]);
        assert_eq!(run.code, 2, "{xml}: {run:?}");
        assert!(run.stderr.contains("g.xml"), "{xml}: {}", run.stderr);
        assert!(run.stderr.contains(words), "{xml}: {}", run.stderr);
    }
}
