//! `--annotate OUT.xlsx`: the checked sheet as a workbook with every problem on its cell, read
//! back here part by part (fills, notes, links, frozen header, autofilter) and through calamine
//! (values).

use std::collections::HashMap;
use std::io::Read;

use calamine::{Data, Reader};

use crate::support::*;

/// The parts of an `.xlsx`, by name.
fn parts(path: &std::path::Path) -> HashMap<String, String> {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut out = HashMap::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let mut text = String::new();
        if f.read_to_string(&mut text).is_ok() {
            out.insert(f.name().expect("entry name").to_string(), text);
        }
    }
    out
}

/// What one annotated workbook holds, in the terms a test asks about.
struct Annotated {
    parts: HashMap<String, String>,
}

impl Annotated {
    fn open(path: &std::path::Path) -> Annotated {
        Annotated { parts: parts(path) }
    }

    fn doc(&self, part: &str) -> roxmltree::Document<'_> {
        roxmltree::Document::parse(&self.parts[part]).unwrap_or_else(|e| panic!("{part}: {e}"))
    }

    fn sheet_names(&self) -> Vec<String> {
        self.doc("xl/workbook.xml")
            .descendants()
            .filter(|n| n.has_tag_name("sheet"))
            .map(|n| n.attribute("name").unwrap().to_owned())
            .collect()
    }

    /// The fill colour (`FFFFC7CE`) of a cell of sheet `n` (1-based), if it has one.
    fn fill(&self, n: usize, cell: &str) -> Option<String> {
        let sheet = self.doc(&format!("xl/worksheets/sheet{n}.xml"));
        let style: usize = sheet
            .descendants()
            .find(|c| c.has_tag_name("c") && c.attribute("r") == Some(cell))?
            .attribute("s")?
            .parse()
            .ok()?;
        let styles = self.doc("xl/styles.xml");
        let xf = styles
            .descendants()
            .find(|n| n.has_tag_name("cellXfs"))?
            .children()
            .filter(|n| n.has_tag_name("xf"))
            .nth(style)?;
        let fill: usize = xf.attribute("fillId")?.parse().ok()?;
        let fill = styles
            .descendants()
            .find(|n| n.has_tag_name("fills"))?
            .children()
            .filter(|n| n.has_tag_name("fill"))
            .nth(fill)?;
        fill.descendants()
            .find(|n| n.has_tag_name("fgColor"))?
            .attribute("rgb")
            .map(str::to_owned)
    }

    /// The note text on `cell` (any sheet's notes; only the data sheet has them).
    fn note(&self, cell: &str) -> Option<String> {
        self.parts
            .keys()
            .filter(|k| k.starts_with("xl/comments"))
            .find_map(|k| {
                let doc = self.doc(k);
                doc.descendants()
                    .find(|n| n.has_tag_name("comment") && n.attribute("ref") == Some(cell))
                    .map(|c| {
                        c.descendants()
                            .filter(|n| n.is_text())
                            .filter_map(|n| n.text())
                            .collect()
                    })
            })
    }

    /// `(cell, location)` of every hyperlink on sheet `n`.
    fn links(&self, n: usize) -> Vec<(String, String)> {
        self.doc(&format!("xl/worksheets/sheet{n}.xml"))
            .descendants()
            .filter(|n| n.has_tag_name("hyperlink"))
            .map(|h| {
                (
                    h.attribute("ref").unwrap().to_owned(),
                    h.attribute("location").unwrap_or("").to_owned(),
                )
            })
            .collect()
    }

    fn attribute_of(&self, n: usize, tag: &str, attribute: &str) -> Option<String> {
        self.doc(&format!("xl/worksheets/sheet{n}.xml"))
            .descendants()
            .find(|e| e.has_tag_name(tag))
            .and_then(|e| e.attribute(attribute).map(str::to_owned))
    }
}

const RED: &str = "FFFFC7CE";
const AMBER: &str = "FFFFEB9C";

#[test]
fn every_problem_is_on_its_cell_and_listed_with_a_link() {
    let dir = Dir::new();
    let run = run_sample(
        &dir,
        "check",
        "samples/requirements-with-problems.xlsx",
        "templates/requirements.toml",
        &["--annotate", "annotated.xlsx"],
    );
    assert_eq!(run.code, 1, "the exit status is check's own: {run:?}");
    let book = Annotated::open(&dir.path("annotated.xlsx"));
    assert_eq!(book.sheet_names(), ["Problems", "Requirements"]);

    // Cells with problems: filled, with the code and message in a note.
    assert_eq!(book.fill(2, "E8").as_deref(), Some(RED), "not-a-date");
    assert!(
        book.note("E8")
            .unwrap()
            .contains("not-a-date: 'Due date': found text '31-02-2027'")
    );
    assert_eq!(book.fill(2, "E11").as_deref(), Some(AMBER), "time-dropped is a warning");
    assert_eq!(
        book.fill(2, "A7").as_deref(),
        Some(RED),
        "a missing id marks the empty cell"
    );
    assert!(book.note("A7").unwrap().contains("missing-external-id"));
    assert_eq!(book.fill(2, "B5"), None, "a clean cell is left alone");
    // The unmapped column's warning sits on its header.
    assert_eq!(book.fill(2, "N3").as_deref(), Some(AMBER));

    // The header row (row 3, under a title) is frozen and filtered.
    assert_eq!(book.attribute_of(2, "pane", "ySplit").as_deref(), Some("3"));
    assert_eq!(book.attribute_of(2, "autoFilter", "ref").as_deref(), Some("A3:N33"));

    // The Problems sheet links each of the 15 problems to its cell.
    let links = book.links(1);
    assert_eq!(links.len(), 15, "{links:?}");
    assert!(links.iter().any(|(_, to)| to == "Requirements!E8"), "{links:?}");

    // Values as they were read: dates are dates, numbers numbers, text text.
    let mut wb = calamine::open_workbook_auto(dir.path("annotated.xlsx")).unwrap();
    let range = wb.worksheet_range("Requirements").unwrap();
    assert_eq!(range.get_value((3, 0)), Some(&Data::String("REQ-001".into())));
    assert!(
        matches!(range.get_value((3, 4)), Some(Data::DateTime(_))),
        "{:?}",
        range.get_value((3, 4))
    );
    assert_eq!(range.get_value((3, 5)), Some(&Data::Float(1.5)));
    assert_eq!(range.get_value((7, 4)), Some(&Data::String("31-02-2027".into())));
    // The title merged over the first columns shows once, as in the export.
    assert!(matches!(range.get_value((0, 0)), Some(Data::String(t)) if t.starts_with("Requirements export")));
    assert_eq!(range.get_value((0, 1)), Some(&Data::Empty));
    let list = wb.worksheet_range("Problems").unwrap();
    let codes: Vec<String> = list
        .rows()
        .map(|r| r.get(2).map(|c| c.to_string()).unwrap_or_default())
        .collect();
    assert!(codes.iter().any(|c| c == "not-a-date"), "{codes:?}");
}

#[test]
fn a_clean_csv_gives_a_clean_copy_and_the_body_too() {
    let dir = Dir::new();
    let run = run_sample(
        &dir,
        "convert",
        "samples/objects-nl.csv",
        "templates/objects.toml",
        &["-o", "objects.json", "--annotate", "objects.xlsx"],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert!(dir.exists("objects.json"));
    let book = Annotated::open(&dir.path("objects.xlsx"));
    assert_eq!(book.sheet_names(), ["Problems", "objects-nl"]);
    assert!(book.links(1).is_empty());
    assert!(!book.parts.keys().any(|k| k.starts_with("xl/comments")), "no notes");
    let mut wb = calamine::open_workbook_auto(dir.path("objects.xlsx")).unwrap();
    let list = wb.worksheet_range("Problems").unwrap();
    assert!(
        list.rows().any(|r| r
            .iter()
            .any(|c| *c == Data::String("No problems: every cell can be sent.".into()))),
        "the list says so"
    );
    let data = wb.worksheet_range("objects-nl").unwrap();
    // CSV cells are text as read (Windows-1252 decoded).
    assert_eq!(data.get_value((0, 0)), Some(&Data::String("Code".into())));
    assert_eq!(data.get_value((4, 1)), Some(&Data::String("Duiker Ëde-Noord".into())));
}

#[test]
fn convert_with_errors_writes_the_copy_but_no_body() {
    let dir = Dir::new();
    let run = run_sample(
        &dir,
        "convert",
        "samples/requirements-with-problems.xlsx",
        "templates/requirements.toml",
        &["-o", "b.json", "--annotate", "fix-me.xlsx"],
    );
    assert_eq!(run.code, 1, "{run:?}");
    assert!(!dir.exists("b.json"));
    assert_eq!(Annotated::open(&dir.path("fix-me.xlsx")).links(1).len(), 15);
}

#[test]
fn the_copy_is_never_written_over_an_input_or_as_another_format() {
    let dir = Dir::new();
    let sample = repo("samples/requirements.xlsx");
    let template = repo("templates/requirements.toml");
    for (annotate, words) in [
        (sample.as_str(), "refusing to write the annotated workbook over"),
        ("out.csv", "--annotate writes an Excel workbook"),
    ] {
        let run = dir.run(&["check", &sample, "-t", &template, "--annotate", annotate]);
        assert_eq!(run.code, 2, "{run:?}");
        assert!(run.stderr.contains(words), "{}", run.stderr);
    }
    let run = dir.run(&[
        "convert",
        &sample,
        "-t",
        &template,
        "-o",
        "same.xlsx",
        "--annotate",
        "same.xlsx",
    ]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr
            .contains("the body and the annotated workbook would both be written to same.xlsx"),
        "{}",
        run.stderr
    );
    assert!(!dir.exists("same.xlsx"));
    let run = dir.run_with(
        &["check", "-", "-t", &template, "--annotate", "x.xlsx"],
        &[],
        Some(b"ID\nA\n"),
    );
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("needs a file, not standard input"),
        "{}",
        run.stderr
    );
}

impl Annotated {
    /// The `xf` of a cell of sheet `n` in `cellXfs`.
    fn xf<'a>(&self, styles: &'a roxmltree::Document<'a>, n: usize, cell: &str) -> Option<roxmltree::Node<'a, 'a>> {
        let sheet = self.doc(&format!("xl/worksheets/sheet{n}.xml"));
        let style: usize = sheet
            .descendants()
            .find(|c| c.has_tag_name("c") && c.attribute("r") == Some(cell))?
            .attribute("s")
            .unwrap_or("0")
            .parse()
            .ok()?;
        styles
            .descendants()
            .find(|n| n.has_tag_name("cellXfs"))?
            .children()
            .filter(|n| n.has_tag_name("xf"))
            .nth(style)
    }

    /// The number format code of a cell of sheet `n` (`None` for General).
    fn number_format(&self, n: usize, cell: &str) -> Option<String> {
        let styles = self.doc("xl/styles.xml");
        let id: u32 = self.xf(&styles, n, cell)?.attribute("numFmtId")?.parse().ok()?;
        if id == 0 {
            return None;
        }
        styles
            .descendants()
            .find(|f| f.has_tag_name("numFmt") && f.attribute("numFmtId") == Some(&id.to_string()))
            .and_then(|f| f.attribute("formatCode").map(str::to_owned))
            .or(Some(format!("builtin {id}")))
    }

    fn wraps(&self, n: usize, cell: &str) -> bool {
        let styles = self.doc("xl/styles.xml");
        self.xf(&styles, n, cell)
            .and_then(|xf| xf.children().find(|c| c.has_tag_name("alignment")))
            .and_then(|a| a.attribute("wrapText"))
            == Some("1")
    }

    /// The height of row `r` of sheet `n`, when it is set.
    fn row_height(&self, n: usize, r: u32) -> Option<f64> {
        self.doc(&format!("xl/worksheets/sheet{n}.xml"))
            .descendants()
            .find(|e| e.has_tag_name("row") && e.attribute("r") == Some(&r.to_string()))?
            .attribute("ht")?
            .parse()
            .ok()
    }

    /// The raw value of a cell of sheet `n` and its type attribute.
    fn raw(&self, n: usize, cell: &str) -> (Option<String>, Option<String>) {
        let sheet = self.doc(&format!("xl/worksheets/sheet{n}.xml"));
        let c = sheet
            .descendants()
            .find(|c| c.has_tag_name("c") && c.attribute("r") == Some(cell))
            .unwrap_or_else(|| panic!("no cell {cell}"));
        let text: String = c
            .descendants()
            .filter(|t| t.is_text())
            .filter_map(|t| t.text())
            .collect();
        (Some(text), c.attribute("t").map(str::to_owned))
    }
}

/// The annotated copy as people open and print it: line breaks wrap in a row tall enough for
/// them, the export's number and date formats are kept, the header row is printed on every
/// page, and the Problems sheet is one page wide with its long texts wrapped.
#[test]
fn the_copy_keeps_formats_wraps_and_prints_its_header() {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let dir = Dir::new();
    let mut wb = Workbook::new();
    let date = Format::new().set_num_format("dd-mm-yyyy");
    let money = Format::new().set_num_format("#,##0.00");
    let ws = wb.add_worksheet();
    ws.set_name("Objecten").unwrap();
    for (c, h) in ["ID", "Omschrijving", "Datum", "Kosten", "Aantal"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for r in 1..=6u32 {
        ws.write_string(r, 0, format!("OBJ-{r}")).unwrap();
        let text = if r == 2 {
            "Regel een\nRegel twee\nRegel drie".to_owned()
        } else {
            format!("Object {r}")
        };
        ws.write_string(r, 1, text).unwrap();
        let d = ExcelDateTime::from_ymd(2024, 1, r as u8).unwrap();
        ws.write_datetime_with_format(r, 2, d, &date).unwrap();
        ws.write_number_with_format(r, 3, 1234.5 * f64::from(r), &money)
            .unwrap();
        if r == 4 {
            ws.write_string(r, 4, "veel").unwrap();
        } else {
            ws.write_number(r, 4, f64::from(r)).unwrap();
        }
    }
    wb.save(dir.path("exp.xlsx")).unwrap();
    dir.write(
        "t.toml",
        "[target]\ntype = \"O\"\nplural = \"Os\"\n[external_id]\ncolumn = \"ID\"\n\
         [[property]]\nname = \"Omschrijving\"\ncolumn = \"Omschrijving\"\ntype = \"text\"\n\
         [[property]]\nname = \"Datum\"\ncolumn = \"Datum\"\ntype = \"date\"\n\
         [[property]]\nname = \"Kosten\"\ncolumn = \"Kosten\"\ntype = \"number\"\n\
         [[property]]\nname = \"Aantal\"\ncolumn = \"Aantal\"\ntype = \"number\"\n",
    );
    let run = dir.run(&["check", "exp.xlsx", "-t", "t.toml", "--annotate", "a.xlsx"]);
    assert_eq!(run.code, 1, "{run:?}");
    let book = Annotated::open(&dir.path("a.xlsx"));
    // Line breaks: wrapped, the row three lines tall.
    assert!(book.wraps(2, "B3"));
    assert!(!book.wraps(2, "B4"));
    assert_eq!(book.row_height(2, 3), Some(45.0));
    assert_eq!(book.row_height(2, 4), None);
    // The export's formats: dates as dd-mm-yyyy, amounts with two decimals.
    assert_eq!(book.number_format(2, "C2").as_deref(), Some("dd-mm-yyyy"));
    assert_eq!(book.number_format(2, "D2").as_deref(), Some("#,##0.00"));
    assert_eq!(book.number_format(2, "E2"), None);
    // Printing: the header row on every page; the Problems sheet one page wide, wrapping.
    let workbook = &book.parts["xl/workbook.xml"];
    assert!(
        workbook.contains("_xlnm.Print_Titles") && workbook.contains("Objecten!$1:$1"),
        "{workbook}"
    );
    assert_eq!(book.attribute_of(1, "pageSetUpPr", "fitToPage").as_deref(), Some("1"));
    let problems = book.doc("xl/worksheets/sheet1.xml");
    let message_cell = problems
        .descendants()
        .filter(|c| c.has_tag_name("c"))
        .filter_map(|c| c.attribute("r"))
        .rfind(|r| r.starts_with('F'))
        .unwrap()
        .to_owned();
    assert!(book.wraps(1, &message_cell), "{message_cell}");
}

/// A CSV's copy holds values as the template reads them: numbers as numbers, dates as date
/// cells (shown as the template's format); cells with problems keep the text found.
#[test]
fn a_csv_copy_holds_typed_values() {
    let dir = Dir::new();
    dir.write(
        "e.csv",
        "ID;Datum;Kosten;Tekst\nA;04-05-2011;1.234,5;\"x\r\ny\"\nB;31-02-2011;12,0;y\nC;2011-05-05;abc;z\n",
    );
    dir.write(
        "c.toml",
        "[target]\ntype = \"O\"\nplural = \"Os\"\n[source]\ndecimal_comma = true\ndate_formats = [\"dd-mm-yyyy\"]\n\
         [external_id]\ncolumn = \"ID\"\n[[property]]\nname = \"Datum\"\ncolumn = \"Datum\"\ntype = \"date\"\n\
         [[property]]\nname = \"Kosten\"\ncolumn = \"Kosten\"\ntype = \"number\"\n\
         [[property]]\nname = \"Tekst\"\ncolumn = \"Tekst\"\ntype = \"text\"\n",
    );
    let run = dir.run(&["check", "e.csv", "-t", "c.toml", "--annotate", "c.xlsx"]);
    assert_eq!(run.code, 1, "{run:?}");
    let book = Annotated::open(&dir.path("c.xlsx"));
    // 2011-05-04 is serial 40667; 1.234,5 is 1234.5.
    assert_eq!(book.raw(2, "B2"), (Some("40667".into()), None));
    assert_eq!(book.number_format(2, "B2").as_deref(), Some("dd-mm-yyyy"));
    assert_eq!(book.raw(2, "C2"), (Some("1234.5".into()), None));
    assert_eq!(book.raw(2, "B4").0.as_deref(), Some("40668"));
    assert_eq!(book.number_format(2, "B4").as_deref(), Some("yyyy-mm-dd"));
    // Problems keep their text: the impossible date, the word in a number column.
    let (text, kind) = book.raw(2, "B3");
    assert_eq!((text.as_deref(), kind.is_some()), (Some("31-02-2011"), true));
    let (text, kind) = book.raw(2, "C4");
    assert_eq!((text.as_deref(), kind.is_some()), (Some("abc"), true));
    assert!(book.raw(2, "D2").1.is_some(), "text stays text");
    // A line break as relsync reads it, no `\r` kept (Excel would show `_x000D_`).
    assert_eq!(book.raw(2, "D2").0.as_deref(), Some("x\ny"));
}
