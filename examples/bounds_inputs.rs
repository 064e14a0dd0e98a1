//! Builds the hostile inputs of the bounded-work issue (17) at full size, for
//! `scripts/bench-bounds` (never committed, never part of `cargo test`):
//!
//!     cargo run --release --example bounds_inputs -- bench-data/bounds
//!
//! Each file is what the review that found the issue built: small inputs that took gigabytes
//! or hours in `template init`, lookups, suggestions, reports and template checks.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

fn main() -> std::io::Result<()> {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "bench-data/bounds".to_owned());
    let dir = Path::new(&dir);
    std::fs::create_dir_all(dir)?;
    wide_shared(&dir.join("init-wide-shared.xlsx"), true)?;
    wide_shared(&dir.join("init-wide-shared-all.xlsx"), false)?;
    merged(&dir.join("init-merged.xlsx"))?;
    lookups(dir)?;
    long_header(dir)?;
    wide_template(dir)?;
    eprintln!("wrote the inputs to {}", dir.display());
    Ok(())
}

/// A minimal workbook: one sheet (its XML as given) and a shared-string table.
fn workbook(path: &Path, sheet: &str, shared: &[&str]) -> std::io::Result<()> {
    let file = std::fs::File::create(path)?;
    let mut zip = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let mut part = |name: &str, text: &str| -> std::io::Result<()> {
        zip.start_file(name, options).map_err(std::io::Error::other)?;
        zip.write_all(text.as_bytes())
    };
    part(
        "[Content_Types].xml",
        r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#,
    )?;
    part(
        "_rels/.rels",
        r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
    )?;
    part(
        "xl/workbook.xml",
        r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Objects" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
    )?;
    part(
        "xl/_rels/workbook.xml.rels",
        r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#,
    )?;
    let mut sst = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{0}" uniqueCount="{0}">"#,
        shared.len()
    );
    for s in shared {
        let _ = write!(sst, "<si><t>{s}</t></si>");
    }
    sst.push_str("</sst>");
    part("xl/sharedStrings.xml", &sst)?;
    part("xl/worksheets/sheet1.xml", sheet)?;
    zip.finish().map_err(std::io::Error::other)?;
    Ok(())
}

fn column(mut c: u32) -> String {
    let mut out = Vec::new();
    c += 1;
    while c > 0 {
        let r = (c - 1) % 26;
        out.push(b'A' + r as u8);
        c = (c - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

const SHEET_START: &str = r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#;

/// 16,384 columns x 60 rows, every cell the same 16 KB shared string; the first row distinct
/// headers (`headers`), or the long string too: 2.7 MB on disk.
fn wide_shared(path: &Path, headers: bool) -> std::io::Result<()> {
    let long = "x".repeat(16 * 1024);
    let mut texts: Vec<String> = (0..16_384).map(|c| format!("Kolom {c}")).collect();
    texts.push(long);
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let mut sheet = String::from(SHEET_START);
    for r in 1..=60u32 {
        let _ = write!(sheet, r#"<row r="{r}">"#);
        for c in 0..16_384u32 {
            let index = if r == 1 && headers { c } else { 16_384 };
            let _ = write!(sheet, r#"<c r="{}{r}" t="s"><v>{index}</v></c>"#, column(c));
        }
        sheet.push_str("</row>");
    }
    sheet.push_str("</sheetData></worksheet>");
    workbook(path, &sheet, &refs)
}

/// One 16,000-character cell merged over B2:XFD60, ids in column A: a 2 KB file.
fn merged(path: &Path) -> std::io::Result<()> {
    let long = "lange omschrijving ".repeat(842);
    let mut sheet = String::from(SHEET_START);
    sheet.push_str(r#"<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>"#);
    for r in 2..=60u32 {
        let _ = write!(sheet, r#"<row r="{r}"><c r="A{r}"><v>{r}</v></c>"#);
        if r == 2 {
            sheet.push_str(r#"<c r="B2" t="s"><v>2</v></c>"#);
        }
        sheet.push_str("</row>");
    }
    sheet.push_str(r#"</sheetData><mergeCells count="1"><mergeCell ref="B2:XFD60"/></mergeCells></worksheet>"#);
    workbook(path, &sheet, &["ID", "Omschrijving", long.trim_end()])
}

/// Lookups and sheets: 100,000 entries named X against 1,000 cells X; 1,000,000 equal names;
/// 100 unknown cells of 32,014 characters against 100,000 names; twenty relations on one 48 MB
/// lookup; and a 500 MB providing answer for `fetch-lookup`.
fn lookups(dir: &Path) -> std::io::Result<()> {
    let template = |relations: &[(&str, &str)], lookup: &str| {
        let mut t = String::from("[target]\ntype = \"Object\"\nplural = \"Objects\"\n[external_id]\ncolumn = \"ID\"\n");
        for (role, column) in relations {
            let _ = write!(
                t,
                "[[relation]]\nrole = \"{role}\"\ncolumn = \"{column}\"\ntarget = \"Gebied\"\nlookup = \"{lookup}\"\n"
            );
        }
        t
    };
    // Ambiguous: 100,000 X.
    let mut json = String::from("[");
    for i in 0..100_000 {
        let sep = if i > 0 { "," } else { "" };
        let _ = write!(json, r#"{sep}{{"id": "X-{i}", "name": "X"}}"#);
    }
    json.push(']');
    std::fs::write(dir.join("ambiguous.json"), json)?;
    let mut csv = String::from("ID;Ligt in\n");
    for i in 0..1000 {
        let _ = writeln!(csv, "OBJ-{i};X");
    }
    std::fs::write(dir.join("ambiguous.csv"), csv)?;
    std::fs::write(
        dir.join("ambiguous.toml"),
        template(&[("Ligt in", "Ligt in")], "ambiguous.json"),
    )?;
    // Equal names: 1,000,000 elements named "Zelfde naam".
    let mut out = std::io::BufWriter::new(std::fs::File::create(dir.join("equal.json"))?);
    out.write_all(b"[")?;
    for i in 0..1_000_000 {
        let sep = if i > 0 { "," } else { "" };
        write!(out, r#"{sep}{{"id": "Z-{i}", "name": "Zelfde naam"}}"#)?;
    }
    out.write_all(b"]")?;
    out.flush()?;
    std::fs::write(dir.join("equal.csv"), "ID;Ligt in\nOBJ-1;Zelfde naam\n")?;
    std::fs::write(
        dir.join("equal.toml"),
        template(&[("Ligt in", "Ligt in")], "equal.json"),
    )?;
    // Unknown long cells: 100 cells of 32,014 characters against 100,000 names.
    let mut json = String::from("[");
    for i in 0..100_000 {
        let sep = if i > 0 { "," } else { "" };
        let _ = write!(
            json,
            r#"{sep}{{"id": "G-{i}", "name": "Gemaal nummer {i} aan de dijk"}}"#
        );
    }
    json.push(']');
    std::fs::write(dir.join("names.json"), json)?;
    let long = format!("{}x", &"Gemaal nummer 1 ".repeat(2001)[..32_013]);
    let mut csv = String::from("ID;Ligt in\n");
    for i in 0..100 {
        let _ = writeln!(csv, "OBJ-{i};{long}{i}");
    }
    std::fs::write(dir.join("unknown-long.csv"), csv)?;
    std::fs::write(
        dir.join("unknown-long.toml"),
        template(&[("Ligt in", "Ligt in")], "names.json"),
    )?;
    // Twenty relations on one 48 MB lookup (600,000 entries).
    let mut out = std::io::BufWriter::new(std::fs::File::create(dir.join("big.json"))?);
    out.write_all(b"{\"Gebieden\": [")?;
    for i in 0..600_000 {
        let sep = if i > 0 { "," } else { "" };
        write!(
            out,
            r#"{sep}{{"@id": "GEB-{i}", "@name": "Gebied nummer {i} in het beheergebied"}}"#
        )?;
    }
    out.write_all(b"]}")?;
    out.flush()?;
    let relations: Vec<(String, String)> = (0..20).map(|i| (format!("R{i}"), format!("R{i}"))).collect();
    let refs: Vec<(&str, &str)> = relations.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    std::fs::write(dir.join("twenty.toml"), template(&refs, "big.json"))?;
    std::fs::write(dir.join("one.toml"), template(&refs[..1], "big.json"))?;
    let mut csv = String::from("ID");
    for (_, c) in &relations {
        let _ = write!(csv, ";{c}");
    }
    csv.push('\n');
    for r in 0..1000 {
        let _ = write!(csv, "OBJ-{r}");
        for i in 0..20 {
            let _ = write!(csv, ";Gebied nummer {} in het beheergebied", (r * 20 + i) % 600_000);
        }
        csv.push('\n');
    }
    std::fs::write(dir.join("twenty.csv"), csv)?;
    // A 500 MB providing answer.
    let mut out = std::io::BufWriter::new(std::fs::File::create(dir.join("answer-500mb.json"))?);
    out.write_all(b"{\"Gebieden\": [")?;
    let mut i = 0u64;
    let mut written = 0u64;
    while written < 500_000_000 {
        let item = format!(
            r#"{}{{"@id": "GEB-{i}", "@name": "Gebied nummer {i} in het beheergebied", "Omschrijving": "een gebied"}}"#,
            if i > 0 { "," } else { "" }
        );
        written += item.len() as u64;
        out.write_all(item.as_bytes())?;
        i += 1;
    }
    out.write_all(b"]}")?;
    out.flush()?;
    Ok(())
}

/// A 100,000-character header over 5,000 bad cells (reports), and a 200 KB header against a
/// long sync-template name (template init).
fn long_header(dir: &Path) -> std::io::Result<()> {
    let header = "H".repeat(100_000);
    let mut csv = format!("ID;{header}\n");
    for i in 0..5000 {
        let _ = writeln!(csv, "OBJ-{i};geen getal");
    }
    std::fs::write(dir.join("long-header.csv"), csv)?;
    std::fs::write(
        dir.join("long-header.toml"),
        format!(
            "[target]\ntype = \"Object\"\nplural = \"Objects\"\n[external_id]\ncolumn = \"ID\"\n\
             [[property]]\nname = \"Gewicht\"\ncolumn = \"{header}\"\ntype = \"number\"\n"
        ),
    )?;
    let header = "Omschrijving ".repeat(15_400);
    std::fs::write(dir.join("header-200kb.csv"), format!("ID;{header}\nOBJ-1;a\nOBJ-2;b\n"))?;
    let name = format!("{}x", "Omschrijving ".repeat(2_500));
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Objects").map_err(std::io::Error::other)?;
    ws.write_string(0, 0, "ExternalId").map_err(std::io::Error::other)?;
    ws.write_string(0, 1, &name).map_err(std::io::Error::other)?;
    wb.save(dir.join("sync-long.xlsx")).map_err(std::io::Error::other)?;
    Ok(())
}

/// A template of 16,383 fields and a sheet of 16,384 columns to check it on.
fn wide_template(dir: &Path) -> std::io::Result<()> {
    let mut template =
        String::from("[target]\ntype = \"Object\"\nplural = \"Objects\"\n[external_id]\ncolumn = \"ID\"\n");
    let mut header = String::from("ID");
    let mut row = String::from("OBJ-1");
    for i in 0..16_383 {
        let _ = write!(
            template,
            "\n# column {i}: 1 value, 0 empty, 1 distinct, e.g. 'v{i}'\n[[property]]\nname = \"P{i}\"\ncolumn = \"C{i}\"\ntype = \"single-line-text\"\n"
        );
        let _ = write!(header, ";C{i}");
        let _ = write!(row, ";v{i}");
    }
    std::fs::write(dir.join("wide.toml"), template)?;
    std::fs::write(
        dir.join("wide.csv"),
        format!("{header}\n{row}\n{}\n", row.replace("OBJ-1", "OBJ-2")),
    )?;
    Ok(())
}
