//! Both `.xlsx` readers on workbooks in Excel's own shape (hand-written parts, zipped here) and
//! on random workbooks (rust_xlsxwriter): they must agree cell for cell, and relsync's reader
//! must not give up on what Excel writes. Where calamine departs from XML, relsync follows XML;
//! those cases are pinned here for both readers.

use std::io::Write;
use std::path::Path;

use super::dispatch;
use super::row::{Cell, Row, RowSink, SheetInfo, Stopped};
use super::spec::{DelimitedOptions, InputFormat, InputSpec, XlsxReader};

/// Every cell read, as `(row, col, value)` with the value in `Debug` form.
#[derive(Default)]
struct Collect(Vec<(u32, u32, String)>);

impl RowSink for Collect {
    fn start(&mut self, _: SheetInfo) -> Result<(), Stopped> {
        Ok(())
    }
    fn row(&mut self, row: &mut Row) -> Result<(), Stopped> {
        for (col, cell) in row.cells() {
            if cell != Cell::Empty {
                self.0.push((row.number, col, format!("{cell:?}")));
            }
        }
        Ok(())
    }
    fn restart(&mut self) -> Result<(), Stopped> {
        self.0.clear();
        Ok(())
    }
}

fn read(path: &Path, reader: XlsxReader) -> Result<Vec<(u32, u32, String)>, String> {
    let spec = InputSpec {
        path: path.to_owned(),
        format: InputFormat::Xlsx,
        sheet: None,
        delimited: DelimitedOptions::default(),
        xlsx_reader: reader,
        limits: super::spec::Limits::default(),
    };
    let mut sink = Collect::default();
    dispatch::read(&spec, &mut sink).map_err(|e| e.to_string())?;
    Ok(sink.0)
}

/// Both readers agree on `path`, and relsync's reader reads it without giving up.
fn agreed(path: &Path) -> Vec<(u32, u32, String)> {
    let fast = read(path, XlsxReader::Fast).expect("relsync's reader reads it");
    let calamine = read(path, XlsxReader::Calamine).expect("calamine reads it");
    assert_eq!(fast, calamine);
    fast
}

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#;

const ROOT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;

/// `xl/workbook.xml` as Excel 365 writes it: markup compatibility, revision ids, `r:id`.
const WORKBOOK: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" mc:Ignorable="x15 xr xr6 xr10 xr2" xmlns:x15="http://schemas.microsoft.com/office/spreadsheetml/2010/11/main" xmlns:xr="http://schemas.microsoft.com/office/spreadsheetml/2014/revision" xmlns:xr6="http://schemas.microsoft.com/office/spreadsheetml/2016/revision6" xmlns:xr10="http://schemas.microsoft.com/office/spreadsheetml/2016/revision10" xmlns:xr2="http://schemas.microsoft.com/office/spreadsheetml/2015/revision2"><fileVersion appName="xl" lastEdited="7" lowestEdited="7" rupBuild="27425"/><workbookPr defaultThemeVersion="202300"/><mc:AlternateContent xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"><mc:Choice Requires="x15"><x15ac:absPath url="C:\Users\piet\" xmlns:x15ac="http://schemas.microsoft.com/office/spreadsheetml/2010/11/ac"/></mc:Choice></mc:AlternateContent><xr:revisionPtr revIDLastSave="0" documentId="8_{1E7B0A37-0000-4A6B-9E2C-2F5D4C3B1A00}" xr6:coauthVersionLast="47" xr6:coauthVersionMax="47" xr10:uidLastSave="{00000000-0000-0000-0000-000000000000}"/><bookViews><workbookView xWindow="-110" yWindow="-110" windowWidth="25820" windowHeight="15500" xr2:uid="{00000000-000D-0000-FFFF-FFFF00000000}"/></bookViews><sheets><sheet name="Assets" sheetId="1" r:id="rId1"/></sheets><calcPr calcId="191029"/></workbook>"#;

const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#;

/// Styles: 0 General, 1 a built-in date (14), 2 a custom `dd-mm-yyyy`, 3 a percentage.
const STYLES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" mc:Ignorable="x14ac x16r2 xr" xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac" xmlns:x16r2="http://schemas.microsoft.com/office/spreadsheetml/2015/02/main" xmlns:xr="http://schemas.microsoft.com/office/spreadsheetml/2014/revision"><numFmts count="1"><numFmt numFmtId="164" formatCode="dd\-mm\-yyyy"/></numFmts><fonts count="1" x14ac:knownFonts="1"><font><sz val="11"/><color theme="1"/><name val="Aptos Narrow"/><family val="2"/><scheme val="minor"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="10" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles><dxfs count="0"/><tableStyles count="0" defaultTableStyle="TableStyleMedium2" defaultPivotStyle="PivotStyleLight16"/></styleSheet>"#;

/// Shared strings with rich text runs and a phonetic run (`<rPh>`), which is not part of the value.
const SHARED: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="6" uniqueCount="5"><si><t>Code</t></si><si><t>Naam</t></si><si><t>Datum</t></si><si><r><rPr><b/><sz val="11"/><color theme="1"/><rFont val="Aptos Narrow"/><family val="2"/><scheme val="minor"/></rPr><t>Pomp</t></r><r><rPr><sz val="11"/><color theme="1"/><rFont val="Aptos Narrow"/><family val="2"/><scheme val="minor"/></rPr><t xml:space="preserve"> station Noord</t></r></si><si><t>東京</t><rPh sb="0" eb="2"><t>トウキョウ</t></rPh><phoneticPr fontId="1"/></si></sst>"#;

/// The sheet's cells, wrapped as Excel writes a worksheet (with `prefix` on every element, as
/// some generators do: `x:`).
fn sheet(cells: &str, prefix: &str) -> String {
    let body = format!(
        r#"<{p}worksheet xmlns{colon}{x}="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" mc:Ignorable="x14ac xr xr2 xr3" xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac" xmlns:xr="http://schemas.microsoft.com/office/spreadsheetml/2014/revision" xmlns:xr2="http://schemas.microsoft.com/office/spreadsheetml/2015/revision2" xmlns:xr3="http://schemas.microsoft.com/office/spreadsheetml/2016/revision3" xr:uid="{{7A2B0C1D-0000-4000-8000-000000000001}}"><{p}dimension ref="A1:D5"/><{p}sheetViews><{p}sheetView tabSelected="1" workbookViewId="0"/></{p}sheetViews><{p}sheetFormatPr defaultRowHeight="14.5" x14ac:dyDescent="0.35"/><{p}sheetData>{cells}</{p}sheetData><{p}pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></{p}worksheet>"#,
        p = prefix,
        colon = if prefix.is_empty() { "" } else { ":" },
        x = prefix.trim_end_matches(':'),
    );
    format!("\u{FEFF}<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n{body}")
}

/// The cells of the Excel-shaped sheet, with `p` as the element prefix.
fn cells(p: &str) -> String {
    let c = |attrs: &str, inner: &str| format!("<{p}c {attrs}>{inner}</{p}c>");
    let v = |x: &str| format!("<{p}v>{x}</{p}v>");
    let row = |r: u32, cells: &[String]| {
        format!(
            "<{p}row r=\"{r}\" spans=\"1:4\" x14ac:dyDescent=\"0.35\">{}</{p}row>",
            cells.concat()
        )
    };
    [
        row(
            1,
            &[
                c("r=\"A1\" t=\"s\"", &v("0")),
                c("r=\"B1\" t=\"s\"", &v("1")),
                c("r=\"C1\" t=\"s\"", &v("2")),
                c("r=\"D1\" t=\"inlineStr\"", &format!("<{p}is><{p}t>Factor</{p}t></{p}is>")),
            ],
        ),
        row(
            2,
            &[
                c("r=\"A2\" t=\"s\"", &v("3")),
                c("r=\"B2\" t=\"s\"", &v("4")),
                c("r=\"C2\" s=\"1\"", &v("46447")),
                c("r=\"D2\" s=\"3\"", &v("0.125")),
            ],
        ),
        row(
            3,
            &[
                c("r=\"A3\" t=\"str\"", &format!("<{p}f>UPPER(B3)</{p}f>{}", v("KLEP_x000D_"))),
                c(
                    "r=\"B3\" t=\"inlineStr\"",
                    &format!(
                        "<{p}is><{p}r><{p}rPr><{p}b/></{p}rPr><{p}t xml:space=\"preserve\">klep </{p}t></{p}r><{p}r><{p}t>&amp; co</{p}t></{p}r></{p}is>"
                    ),
                ),
                c("r=\"C3\" s=\"2\"", &v("46448")),
                c("r=\"D3\"", &format!("<{p}f t=\"shared\" ref=\"D3:D4\" si=\"0\">C3*2</{p}f>{}", v("92896"))),
            ],
        ),
        row(
            4,
            &[
                c("r=\"A4\" t=\"b\"", &v("1")),
                c("r=\"B4\" t=\"e\"", &format!("<{p}f>1/0</{p}f>{}", v("#DIV/0!"))),
                c("r=\"C4\" t=\"d\"", &v("2027-03-01T00:00:00")),
                c("r=\"D4\"", &format!("<{p}f t=\"shared\" si=\"0\"/>{}", v("92898"))),
            ],
        ),
        row(5, &[c("r=\"A5\" s=\"1\"", ""), c("r=\"B5\" t=\"s\"", &v("4"))]),
    ]
    .concat()
}

/// Zips the parts of a workbook into `path`; `sheet_xml` is the worksheet part.
fn package(path: &Path, sheet_xml: &str) {
    let file = std::fs::File::create(path).expect("create");
    let mut zip = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default();
    for (name, text) in [
        ("[Content_Types].xml", CONTENT_TYPES),
        ("_rels/.rels", ROOT_RELS),
        ("xl/workbook.xml", WORKBOOK),
        ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
        ("xl/styles.xml", STYLES),
        ("xl/sharedStrings.xml", SHARED),
        ("xl/worksheets/sheet1.xml", sheet_xml),
    ] {
        zip.start_file(name, options).expect("start");
        zip.write_all(text.as_bytes()).expect("write");
    }
    zip.finish().expect("finish");
}

#[test]
fn a_workbook_in_excels_own_shape() {
    let dir = tempfile::tempdir().unwrap();
    for prefix in ["", "x:"] {
        let path = dir.path().join(format!("excel{}.xlsx", prefix.len()));
        package(&path, &sheet(&cells(prefix), prefix));
        let read = agreed(&path);
        let at = |r: u32, c: u32| read.iter().find(|x| x.0 == r && x.1 == c).map(|x| x.2.as_str());
        assert_eq!(at(1, 3), Some("Text(\"Factor\")"), "{prefix}");
        assert_eq!(
            at(2, 0),
            Some("Text(\"Pomp station Noord\")"),
            "rich text runs, {prefix}"
        );
        assert_eq!(at(2, 1), Some("Text(\"東京\")"), "no phonetic run, {prefix}");
        assert_eq!(at(2, 2), Some("DateTime(2027-03-01T00:00:00)"), "{prefix}");
        assert_eq!(at(2, 3), Some("Number(0.125)"), "{prefix}");
        assert_eq!(at(3, 0), Some("Text(\"KLEP\\r\")"), "formula text, {prefix}");
        assert_eq!(at(3, 1), Some("Text(\"klep & co\")"), "{prefix}");
        assert_eq!(at(3, 2), Some("DateTime(2027-03-02T00:00:00)"), "{prefix}");
        assert_eq!(at(4, 3), Some("Number(92898.0)"), "shared formula, {prefix}");
        assert_eq!(at(4, 1), Some("Error(\"#DIV/0!\")"), "{prefix}");
        assert_eq!(at(4, 2), Some("DateTime(2027-03-01T00:00:00)"), "t=\"d\", {prefix}");
        assert_eq!(at(5, 0), None, "a styled empty cell, {prefix}");
    }
}

/// One cell `A2` (with the header `A1`) whose `<c>` tag and content are given.
fn one_cell(dir: &Path, name: &str, c: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    let rows = format!("<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c></row><row r=\"2\">{c}</row>");
    package(&path, &sheet(&rows, ""));
    path
}

fn a2(read: &[(u32, u32, String)]) -> Option<&str> {
    read.iter().find(|x| x.0 == 2 && x.1 == 0).map(|x| x.2.as_str())
}

#[test]
fn a_namespace_declaration_is_not_an_attribute() {
    let dir = tempfile::tempdir().unwrap();
    let path = one_cell(
        dir.path(),
        "ns.xlsx",
        r#"<c r="A2" s="1" xmlns:s="urn:example"><v>46447</v></c>"#,
    );
    let read = agreed(&path);
    assert_eq!(a2(&read), Some("DateTime(2027-03-01T00:00:00)"));
}

/// Where calamine departs from XML, relsync's reader follows XML: a comment or a character
/// reference inside a number does not end it.
#[test]
fn values_split_by_comments_or_references_read_as_xml_says() {
    let dir = tempfile::tempdir().unwrap();
    for (name, value) in [("comment", "2<!--c-->.5"), ("reference", "&#50;.5")] {
        let path = one_cell(
            dir.path(),
            &format!("{name}.xlsx"),
            &format!("<c r=\"A2\"><v>{value}</v></c>"),
        );
        let fast = read(&path, XlsxReader::Fast).unwrap();
        assert_eq!(a2(&fast), Some("Number(2.5)"), "{name}");
        let calamine = read(&path, XlsxReader::Calamine).unwrap();
        let expected = if name == "comment" { Some("Number(2.0)") } else { None };
        assert_eq!(
            a2(&calamine),
            expected,
            "calamine keeps only the first text event ({name})"
        );
        // The default reads relsync's way.
        assert_eq!(a2(&read(&path, XlsxReader::Auto).unwrap()), Some("Number(2.5)"));
    }
}

#[test]
fn what_is_not_well_formed_goes_to_calamine() {
    let dir = tempfile::tempdir().unwrap();
    let path = one_cell(dir.path(), "mismatch.xlsx", r#"<c r="A2"><v>1</c></v>"#);
    let refused = read(&path, XlsxReader::Fast).unwrap_err();
    assert!(refused.contains("closes <v> with </c>"), "{refused}");
    assert!(refused.contains("xl/worksheets/sheet1.xml"), "{refused}");
    // An encoding other than UTF-8 is refused too.
    let path = dir.path().join("utf16.xlsx");
    let xml =
        sheet("<row r=\"1\"><c r=\"A1\"><v>1</v></c></row>", "").replace("encoding=\"UTF-8\"", "encoding=\"UTF-16\"");
    package(&path, &xml);
    let refused = read(&path, XlsxReader::Fast).unwrap_err();
    assert!(refused.contains("encoding 'UTF-16'"), "{refused}");
}

#[test]
fn characters_xml_forbids_are_read_for_the_mapper_to_report() {
    // Text pasted from Word brings control characters; handing the file to calamine for them
    // would lose what relsync's reader checks (formulas without results, repeated cells).
    let dir = tempfile::tempdir().unwrap();
    for (name, c, value) in [
        ("nul", r#"<c r="A2" t="str"><v>a&#0;b</v></c>"#, "Text(\"a\\0b\")"),
        (
            "control",
            "<c r=\"A2\" t=\"str\"><v>a\u{b}b</v></c>",
            "Text(\"a\\u{b}b\")",
        ),
        (
            "surrogate",
            r#"<c r="A2" t="str"><v>a&#xD800;b</v></c>"#,
            "Text(\"a\u{FFFD}b\")",
        ),
    ] {
        let path = one_cell(dir.path(), &format!("{name}.xlsx"), c);
        let fast = read(&path, XlsxReader::Fast).unwrap();
        assert_eq!(a2(&fast), Some(value), "{name}");
    }
}

mod differential {
    use proptest::prelude::*;
    use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook};

    use super::*;

    #[derive(Clone, Debug)]
    enum Kind {
        Text(String),
        Number(f64),
        Bool(bool),
        Date(u16, u8, u8),
        DateTime(u16, u8, u8, u16),
        Formula(String),
        Blank,
    }

    fn kind() -> impl Strategy<Value = Kind> {
        prop_oneof![
            3 => "[ -~]{0,12}|\\PC{0,8}|[ a-z]{0,4}_x00[0-9A-F]{2}_[a-z]{0,3}".prop_map(Kind::Text),
            2 => prop_oneof![any::<i32>().prop_map(f64::from), -1e15f64..1e15, -1.0f64..1.0].prop_map(Kind::Number),
            1 => any::<bool>().prop_map(Kind::Bool),
            1 => (1900u16..2100, 1u8..13, 1u8..29).prop_map(|(y, m, d)| Kind::Date(y, m, d)),
            1 => (1900u16..2100, 1u8..13, 1u8..29, 0u16..24).prop_map(|(y, m, d, h)| Kind::DateTime(y, m, d, h)),
            1 => "[a-z0-9 ]{0,6}".prop_map(Kind::Formula),
            2 => Just(Kind::Blank),
        ]
    }

    #[derive(Clone, Debug)]
    struct Book {
        cells: Vec<Vec<(Kind, u8)>>,
        inline: bool,
        merges: Vec<(u32, u16, u32, u16)>,
    }

    fn book() -> impl Strategy<Value = Book> {
        (
            prop::collection::vec(prop::collection::vec((kind(), 0u8..4), 1..7), 1..12),
            any::<bool>(),
            prop::collection::vec((0u32..12, 0u16..7, 0u32..3, 0u16..3), 0..3),
        )
            .prop_map(|(cells, inline, spans)| {
                // Merges that do not overlap: each in its own band of rows.
                let mut merges: Vec<(u32, u16, u32, u16)> = Vec::new();
                for (r, c, h, w) in spans {
                    let cand = (r, c, r + h, c + w);
                    let overlaps = merges
                        .iter()
                        .any(|m| !(cand.2 < m.0 || cand.0 > m.2 || cand.3 < m.1 || cand.1 > m.3));
                    if (h, w) != (0, 0) && !overlaps {
                        merges.push(cand);
                    }
                }
                Book { cells, inline, merges }
            })
    }

    fn write(book: &Book, path: &Path) {
        let mut wb = Workbook::new();
        let ws = if book.inline {
            wb.add_worksheet_with_constant_memory().unwrap()
        } else {
            wb.add_worksheet()
        };
        let formats = [
            Format::new(),
            Format::new().set_bold(),
            Format::new().set_num_format("dd-mm-yyyy"),
            Format::new().set_num_format("0.00%"),
        ];
        let date = Format::new().set_num_format("yyyy-mm-dd");
        let datetime = Format::new().set_num_format("yyyy-mm-dd hh:mm");
        for (r, row) in book.cells.iter().enumerate() {
            for (c, (kind, style)) in row.iter().enumerate() {
                let (r, c) = (r as u32, c as u16);
                let format = &formats[*style as usize];
                let _ = match kind {
                    Kind::Text(s) => ws.write_string_with_format(r, c, s, format).map(|_| ()),
                    Kind::Number(x) => ws.write_number_with_format(r, c, *x, format).map(|_| ()),
                    Kind::Bool(b) => ws.write_boolean_with_format(r, c, *b, format).map(|_| ()),
                    Kind::Date(y, m, d) => ExcelDateTime::from_ymd(*y, *m, *d)
                        .and_then(|dt| ws.write_datetime_with_format(r, c, dt, &date).map(|_| ())),
                    Kind::DateTime(y, m, d, h) => ExcelDateTime::from_ymd(*y, *m, *d)
                        .and_then(|dt| dt.and_hms(*h, 30, 0))
                        .and_then(|dt| ws.write_datetime_with_format(r, c, dt, &datetime).map(|_| ())),
                    Kind::Formula(result) => ws
                        .write_formula(r, c, Formula::new("=A1").set_result(result))
                        .map(|_| ()),
                    Kind::Blank => Ok(()),
                };
            }
        }
        if !book.inline {
            for &(r0, c0, r1, c1) in &book.merges {
                let _ = ws.merge_range(r0, c0, r1, c1, "merged", &Format::new());
            }
        }
        wb.save(path).unwrap();
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

        /// Random workbooks (every cell kind, styles, merges, shared and inline strings) read
        /// the same, cell for cell, by both readers.
        #[test]
        fn both_readers_agree_on_random_workbooks(book in book()) {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("random.xlsx");
            write(&book, &path);
            let fast = read(&path, XlsxReader::Fast).map_err(TestCaseError::fail)?;
            let calamine = read(&path, XlsxReader::Calamine).map_err(TestCaseError::fail)?;
            prop_assert_eq!(fast, calamine);
        }
    }
}
