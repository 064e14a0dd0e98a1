//! The fast `.xlsx` reader: the sheet is parsed while the shared strings load.
//!
//! calamine must load a workbook's whole shared-string table before it can read the first cell,
//! then parses the sheet with a general XML reader. For the workbooks relsync sees (machine-made
//! exports, often a million rows) that leaves a core idle and does more work per cell than
//! needed. This reader splits the work over threads:
//! - one inflates and tokenizes the sheet ([`ooxml::Tokenizer`]) into raw cells: position,
//!   style, type and the value's text;
//! - one parses `sharedStrings.xml` into one buffer;
//! - one finds merged ranges (`xlsx::scan_merges`);
//! - the calling thread reads `styles.xml`, then turns raw cells into values exactly as calamine
//!   does (same type rules, same date formats, same `_xHHHH_` unescaping) and assembles rows.
//!
//! Anything unusual (a part it cannot find, markup it does not know, a value calamine would
//! reject) makes it give up: before the first row, [`read`] says so and the caller uses calamine;
//! after, it returns [`InputError::Retry`] and the pipeline starts over with calamine. Tests
//! compare both readers cell by cell.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use calamine::{ExcelDateTime, ExcelDateTimeType};

use super::merge::Assembler;
use super::ooxml::{Malformed, Token, Tokenizer, attribute, push_text, unescape_excel};
use super::xlsx::parse_cell;
use super::{Cell, InputError, RowSink, SheetInfo};

/// Cells per batch.
const BATCH: usize = 16_384;
/// Batches in flight.
const IN_FLIGHT: usize = 4;

/// Where a workbook keeps what this reader needs.
#[derive(Debug)]
pub struct Plan {
    pub sheet: String,
    sheet_part: String,
    shared_strings: Option<String>,
    styles: Option<String>,
    date1904: bool,
}

fn open_zip(path: &Path) -> Result<zip::ZipArchive<BufReader<File>>, Malformed> {
    let file = File::open(path).map_err(|e| Malformed(e.to_string()))?;
    zip::ZipArchive::new(BufReader::new(file)).map_err(|e| Malformed(e.to_string()))
}

fn part<'z>(zip: &'z mut zip::ZipArchive<BufReader<File>>, name: &str) -> Result<impl Read + 'z, Malformed> {
    zip.by_name(name).map_err(|e| Malformed(format!("{name}: {e}")))
}

fn text_attr(attrs: &[u8], name: &[u8]) -> Option<String> {
    let raw = attribute(attrs, name)?;
    let mut s = String::new();
    push_text(&mut s, raw).ok()?;
    Some(s)
}

/// Reads `xl/workbook.xml` and its relationships: the sheet (named, or the first), the
/// shared-strings and styles parts, and the date system.
pub fn plan(path: &Path, wanted: Option<&str>) -> Result<Plan, Malformed> {
    let mut zip = open_zip(path)?;
    let mut sheets: Vec<(String, String)> = Vec::new();
    let mut date1904 = false;
    {
        let mut t = Tokenizer::new(part(&mut zip, "xl/workbook.xml")?);
        while let Some(token) = t.next_token()? {
            if let Token::Start { name, attrs, .. } = token {
                match name {
                    b"sheet" => {
                        let (Some(n), Some(id)) = (text_attr(attrs, b"name"), text_attr(attrs, b"id")) else {
                            return Err(Malformed("a sheet without name or id".into()));
                        };
                        sheets.push((n, id));
                    }
                    b"workbookPr" => {
                        if let Some(v) = attribute(attrs, b"date1904") {
                            date1904 = v == b"1" || v == b"true";
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    let (sheet, rel_id) = match wanted {
        None => sheets.first().cloned(),
        Some(w) => sheets.iter().find(|(n, _)| n == w).cloned(),
    }
    .ok_or_else(|| Malformed("sheet not found".into()))?;

    let mut sheet_part = None;
    let mut shared_strings = None;
    let mut styles = None;
    let mut t = Tokenizer::new(part(&mut zip, "xl/_rels/workbook.xml.rels")?);
    while let Some(token) = t.next_token()? {
        let Token::Start {
            name: b"Relationship",
            attrs,
            ..
        } = token
        else {
            continue;
        };
        let (Some(id), Some(target), Some(kind)) = (
            text_attr(attrs, b"Id"),
            text_attr(attrs, b"Target"),
            text_attr(attrs, b"Type"),
        ) else {
            continue;
        };
        let target = match target.strip_prefix('/') {
            Some(absolute) => absolute.to_owned(),
            None => format!("xl/{target}"),
        };
        if id == rel_id {
            if !kind.ends_with("/worksheet") {
                return Err(Malformed(format!("sheet '{sheet}' is not a worksheet")));
            }
            sheet_part = Some(target);
        } else if kind.ends_with("/sharedStrings") {
            shared_strings = Some(target);
        } else if kind.ends_with("/styles") {
            styles = Some(target);
        }
    }
    Ok(Plan {
        sheet,
        sheet_part: sheet_part.ok_or_else(|| Malformed("the sheet's part is not listed".into()))?,
        shared_strings,
        styles,
        date1904,
    })
}

/// How a style shows numbers, as far as dates are concerned (calamine's `CellFormat`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum NumberFormat {
    Other,
    DateTime,
    TimeDelta,
}

/// calamine's `detect_custom_number_format`, rule for rule.
fn detect_custom_number_format(format: &str) -> NumberFormat {
    let mut escaped = false;
    let mut is_quote = false;
    let mut brackets = 0u8;
    let mut prev = ' ';
    let mut hms = false;
    let mut ap = false;
    for s in format.chars() {
        match (s, escaped, is_quote, ap, brackets) {
            (_, true, ..) => escaped = false,
            ('_' | '\\' | '*', ..) => escaped = true,
            ('"', _, true, _, _) => is_quote = false,
            (_, _, true, _, _) => (),
            ('"', _, _, _, _) => is_quote = true,
            (';', ..) => return NumberFormat::Other,
            ('[', ..) => brackets += 1,
            (']', .., 1) if hms => return NumberFormat::TimeDelta,
            (']', ..) => brackets = brackets.saturating_sub(1),
            ('a' | 'A', _, _, false, 0) => ap = true,
            ('p' | 'm' | '/' | 'P' | 'M', _, _, true, 0) => return NumberFormat::DateTime,
            ('d' | 'm' | 'h' | 'y' | 's' | 'D' | 'M' | 'H' | 'Y' | 'S', _, _, false, 0) => {
                return NumberFormat::DateTime;
            }
            _ => {
                if !(hms && s.eq_ignore_ascii_case(&prev)) {
                    hms = prev == '[' && matches!(s, 'm' | 'h' | 's' | 'M' | 'H' | 'S');
                }
            }
        }
        prev = s;
    }
    NumberFormat::Other
}

/// calamine's `builtin_format_by_id`.
fn builtin_format(id: &str) -> NumberFormat {
    match id {
        "14" | "15" | "16" | "17" | "18" | "19" | "20" | "21" | "22" | "45" | "47" => NumberFormat::DateTime,
        "27" | "28" | "29" | "30" | "31" | "32" | "33" | "34" | "35" | "36" | "50" | "51" | "52" | "53" | "54"
        | "55" | "56" | "57" | "58" => NumberFormat::DateTime,
        "46" => NumberFormat::TimeDelta,
        _ => NumberFormat::Other,
    }
}

/// The number format of every cell style (`cellXfs`), by style index.
fn read_styles(r: impl Read) -> Result<Vec<NumberFormat>, Malformed> {
    let mut custom: Vec<(String, String)> = Vec::new();
    let mut formats = Vec::new();
    let mut in_cell_xfs = false;
    let mut t = Tokenizer::new(r);
    while let Some(token) = t.next_token()? {
        match token {
            Token::Start {
                name: b"numFmt", attrs, ..
            } => {
                if let (Some(id), Some(code)) = (text_attr(attrs, b"numFmtId"), text_attr(attrs, b"formatCode")) {
                    custom.push((id, code));
                }
            }
            Token::Start {
                name: b"cellXfs",
                empty,
                ..
            } => in_cell_xfs = !empty,
            Token::End { name: b"cellXfs" } => in_cell_xfs = false,
            Token::Start { name: b"xf", attrs, .. } if in_cell_xfs => {
                let format = match text_attr(attrs, b"numFmtId") {
                    None => NumberFormat::Other,
                    Some(id) => match custom.iter().rev().find(|(i, _)| *i == id) {
                        Some((_, code)) => detect_custom_number_format(code),
                        None => builtin_format(&id),
                    },
                };
                formats.push(format);
            }
            _ => {}
        }
    }
    Ok(formats)
}

/// The shared strings, back to back in one buffer.
#[derive(Default)]
struct SharedStrings {
    text: String,
    ends: Vec<usize>,
}

impl SharedStrings {
    fn get(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        self.text.get(start..end)
    }
}

/// Collects the text of a string item (`<si>` or `<is>`) as calamine does: the `<t>` runs,
/// without phonetic runs (`<rPh>`), trimmed of ASCII whitespace unless `xml:space="preserve"`,
/// with `_xHHHH_` escapes decoded. Consumes tokens up to the closing `end` tag.
fn read_string_item<R: Read>(t: &mut Tokenizer<R>, end: &[u8], out: &mut String) -> Result<(), Malformed> {
    let mut phonetic = false;
    let mut in_t = false;
    let mut preserve = false;
    let mut value = String::new();
    loop {
        let Some(token) = t.next_token()? else {
            return Err(Malformed("a string item is not closed".into()));
        };
        match token {
            Token::End { name } if name == end => return Ok(()),
            Token::Start {
                name: b"rPh", empty, ..
            } => phonetic = !empty,
            Token::End { name: b"rPh" } => phonetic = false,
            Token::Start {
                name: b"t",
                attrs,
                empty,
            } if !phonetic => {
                preserve = attribute(attrs, b"space") == Some(b"preserve");
                value.clear();
                in_t = !empty;
            }
            Token::Text(raw) if in_t => push_text(&mut value, raw)?,
            Token::CData(raw) if in_t => {
                value.push_str(std::str::from_utf8(raw).map_err(|_| Malformed("CDATA that is not UTF-8".into()))?)
            }
            Token::End { name: b"t" } if in_t => {
                in_t = false;
                let text = if preserve {
                    &value[..]
                } else {
                    value.trim_matches([' ', '\t', '\r', '\n'])
                };
                out.push_str(&unescape_excel(text));
            }
            _ => {}
        }
    }
}

fn read_shared_strings(r: impl Read) -> Result<SharedStrings, Malformed> {
    let mut sst = SharedStrings::default();
    let mut t = Tokenizer::new(r);
    while let Some(token) = t.next_token()? {
        match token {
            Token::Start {
                name: b"sst", attrs, ..
            } => {
                if let Some(n) =
                    attribute(attrs, b"uniqueCount").and_then(|v| std::str::from_utf8(v).ok()?.parse().ok())
                {
                    sst.ends.reserve(n);
                }
            }
            Token::Start { name: b"si", empty, .. } => {
                if !empty {
                    let mut text = std::mem::take(&mut sst.text);
                    read_string_item(&mut t, b"si", &mut text)?;
                    sst.text = text;
                }
                sst.ends.push(sst.text.len());
            }
            _ => {}
        }
    }
    Ok(sst)
}

/// A cell's type attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// `t="n"` or none: a number (maybe a date, by style).
    Number {
        typed: bool,
    },
    Shared,
    Bool,
    Error,
    /// `t="str"`: a formula's text result.
    Str,
    /// `t="inlineStr"`: the text of `<is>`.
    Inline,
    /// `t="d"`: an ISO 8601 date.
    IsoDate,
}

/// A cell as the sheet holds it; its text is a range of the batch's buffer.
#[derive(Clone, Copy, Debug)]
struct RawCell {
    row: u32,
    col: u32,
    style: Option<u32>,
    kind: Kind,
    /// `None`: no value (an empty cell, or one whose last child was a formula).
    value: Option<(u32, u32)>,
}

#[derive(Default)]
struct Batch {
    cells: Vec<RawCell>,
    text: String,
}

enum Message {
    /// The sheet's declared rows, from `<dimension>`, sent before the first batch.
    Dimension(Option<u64>),
    Cells(Batch),
    Failed(Malformed),
}

fn kind_of(t: Option<&[u8]>) -> Result<Kind, Malformed> {
    Ok(match t {
        None => Kind::Number { typed: false },
        Some(b"n") => Kind::Number { typed: true },
        Some(b"s") => Kind::Shared,
        Some(b"b") => Kind::Bool,
        Some(b"e") => Kind::Error,
        Some(b"str") => Kind::Str,
        Some(b"inlineStr" | b"is") => Kind::Inline,
        Some(b"d") => Kind::IsoDate,
        Some(other) => {
            return Err(Malformed(format!(
                "unknown cell type '{}'",
                String::from_utf8_lossy(other)
            )));
        }
    })
}

fn number_attr(attrs: &[u8], name: &[u8]) -> Option<u32> {
    parse_u32(attribute(attrs, name)?)
}

fn parse_u32(digits: &[u8]) -> Option<u32> {
    if digits.is_empty() {
        return None;
    }
    digits.iter().try_fold(0u32, |acc, &d| {
        if d.is_ascii_digit() {
            acc.checked_mul(10)?.checked_add(u32::from(d - b'0'))
        } else {
            None
        }
    })
}

/// The `r` (reference), `s` (style) and `t` (type) attributes of a `<c>` tag.
#[derive(Default)]
struct CellAttributes<'a> {
    reference: Option<&'a [u8]>,
    style: Option<&'a [u8]>,
    kind: Option<&'a [u8]>,
}

/// Reads a `<c>` tag's attributes in one pass.
fn cell_attributes(attrs: &[u8]) -> CellAttributes<'_> {
    let mut found = CellAttributes::default();
    for (name, value) in super::ooxml::attributes(attrs) {
        match name {
            b"r" => found.reference = Some(value),
            b"s" => found.style = Some(value),
            b"t" => found.kind = Some(value),
            _ => {}
        }
    }
    found
}

/// `C17` -> `(16, 2)`, as calamine reads cell references (letters, then digits).
fn cell_reference(b: &[u8]) -> Option<(u32, u32)> {
    let letters = b.iter().take_while(|c| c.is_ascii_alphabetic()).count();
    if letters == 0 || letters == b.len() || letters > 3 {
        return None;
    }
    let col = b[..letters]
        .iter()
        .fold(0u32, |acc, c| acc * 26 + u32::from(c.to_ascii_uppercase() - b'A') + 1);
    let row = parse_u32(&b[letters..])?;
    Some((row.checked_sub(1)?, col - 1))
}

/// Tokenizes the sheet into raw cells and sends them in batches.
fn scan_sheet(r: impl Read, tx: &SyncSender<Message>, recycled: &Receiver<Batch>) -> Result<(), Malformed> {
    let mut t = Tokenizer::new(r);
    // Up to <sheetData>: the dimension, for progress.
    loop {
        match t.next_token()? {
            None => return Err(Malformed("the sheet has no sheetData".into())),
            Some(Token::Start {
                name: b"dimension",
                attrs,
                ..
            }) => {
                let total = attribute(attrs, b"ref")
                    .and_then(|r| std::str::from_utf8(r).ok())
                    .and_then(|r| parse_cell(r.rsplit(':').next()?))
                    .map(|(row, _)| u64::from(row) + 1);
                let _ = tx.send(Message::Dimension(total));
            }
            Some(Token::Start {
                name: b"sheetData",
                empty,
                ..
            }) => {
                let _ = tx.send(Message::Dimension(None));
                if empty {
                    return Ok(());
                }
                break;
            }
            Some(_) => {}
        }
    }
    let mut batch = Batch::default();
    let mut row_index = 0u32;
    let mut col_index = 0u32;
    let send = |batch: &mut Batch| -> bool {
        let next = recycled.try_recv().unwrap_or_default();
        let full = std::mem::replace(batch, next);
        tx.send(Message::Cells(full)).is_ok()
    };
    loop {
        let Some(token) = t.next_token()? else {
            return Err(Malformed("the sheet ends inside sheetData".into()));
        };
        match token {
            Token::End { name: b"sheetData" } => break,
            Token::Start {
                name: b"row", attrs, ..
            } => {
                if let Some(r) = number_attr(attrs, b"r") {
                    row_index = r.saturating_sub(1);
                }
                col_index = 0;
            }
            Token::End { name: b"row" } => {
                row_index = row_index.saturating_add(1);
                col_index = 0;
            }
            Token::Start {
                name: b"c",
                attrs,
                empty,
            } => {
                let found = cell_attributes(attrs);
                let (row, col) = match found.reference {
                    Some(r) => cell_reference(r)
                        .ok_or_else(|| Malformed(format!("a bad cell reference '{}'", String::from_utf8_lossy(r))))?,
                    None => (row_index, col_index),
                };
                col_index = col + 1;
                let style = found.style.and_then(parse_u32);
                let kind = kind_of(found.kind)?;
                let value = if empty {
                    None
                } else {
                    read_cell_value(&mut t, kind, &mut batch.text)?
                };
                batch.cells.push(RawCell {
                    row,
                    col,
                    style,
                    kind,
                    value,
                });
                if batch.cells.len() >= BATCH && !send(&mut batch) {
                    return Ok(());
                }
            }
            _ => {}
        }
    }
    if !batch.cells.is_empty() {
        send(&mut batch);
    }
    Ok(())
}

/// Reads a cell's children up to `</c>`; like calamine, the last `<v>`, `<is>` or `<f>` decides
/// the value (a formula after the value leaves the cell empty).
fn read_cell_value<R: Read>(
    t: &mut Tokenizer<R>,
    kind: Kind,
    text: &mut String,
) -> Result<Option<(u32, u32)>, Malformed> {
    let mut value = None;
    loop {
        let Some(token) = t.next_token()? else {
            return Err(Malformed("a cell is not closed".into()));
        };
        match token {
            Token::End { name: b"c" } => return Ok(value),
            Token::Start { name: b"v", empty, .. } => {
                let start = text.len() as u32;
                if !empty {
                    read_until_end(t, b"v", text)?;
                }
                // The <v> of an inline string is redundant; calamine ignores it.
                value = match kind {
                    Kind::Inline => None,
                    _ if empty || text.len() as u32 == start => None,
                    _ => Some((start, text.len() as u32)),
                };
            }
            Token::Start { name: b"is", empty, .. } => {
                let start = text.len() as u32;
                if !empty {
                    read_string_item(t, b"is", text)?;
                }
                value = Some((start, text.len() as u32));
            }
            Token::Start { name: b"f", empty, .. } => {
                if !empty {
                    let mut skipped = String::new();
                    read_until_end(t, b"f", &mut skipped)?;
                }
                value = None;
            }
            Token::Start { name, .. } => {
                return Err(Malformed(format!(
                    "unexpected <{}> in a cell",
                    String::from_utf8_lossy(name)
                )));
            }
            _ => {}
        }
    }
}

/// Appends the decoded text of an element up to its end tag.
fn read_until_end<R: Read>(t: &mut Tokenizer<R>, end: &[u8], out: &mut String) -> Result<(), Malformed> {
    loop {
        match t.next_token()? {
            None => return Err(Malformed("an element is not closed".into())),
            Some(Token::End { name }) if name == end => return Ok(()),
            Some(Token::Text(raw)) => push_text(out, raw)?,
            Some(Token::CData(raw)) => {
                out.push_str(std::str::from_utf8(raw).map_err(|_| Malformed("CDATA that is not UTF-8".into()))?)
            }
            Some(Token::Start { name, .. }) => {
                return Err(Malformed(format!(
                    "unexpected <{}> in a value",
                    String::from_utf8_lossy(name)
                )));
            }
            Some(Token::End { .. }) => {}
        }
    }
}

fn error_value(v: &str) -> Result<&'static str, Malformed> {
    Ok(match v {
        "#DIV/0!" => "#DIV/0!",
        "#N/A" => "#N/A",
        "#NAME?" => "#NAME?",
        "#NULL!" => "#NULL!",
        "#NUM!" => "#NUM!",
        "#REF!" => "#REF!",
        "#VALUE!" => "#VALUE!",
        other => return Err(Malformed(format!("unknown error value '{other}'"))),
    })
}

/// A raw cell's value, exactly as calamine's cell reader (and `workbook::cell_of_ref`) gives it.
fn value<'a>(
    raw: &RawCell,
    text: &'a str,
    sst: &'a SharedStrings,
    formats: &[NumberFormat],
    date1904: bool,
) -> Result<Cell<'a>, Malformed> {
    let Some((start, end)) = raw.value else {
        return Ok(Cell::Empty);
    };
    let v = &text[start as usize..end as usize];
    Ok(match raw.kind {
        Kind::Shared => {
            let i: usize = v.parse().unwrap_or(0);
            Cell::Text(
                sst.get(i)
                    .ok_or_else(|| Malformed(format!("shared string {i} does not exist")))?,
            )
        }
        Kind::Number { typed } => match v.parse::<f64>() {
            Ok(x) => {
                let format = match raw.style {
                    None => Some(NumberFormat::Other),
                    Some(s) => formats.get(s as usize).copied(),
                };
                match format {
                    Some(NumberFormat::DateTime) => {
                        super::workbook::cell_of_datetime(&ExcelDateTime::new(x, ExcelDateTimeType::DateTime, date1904))
                    }
                    Some(NumberFormat::TimeDelta) => super::workbook::cell_of_datetime(&ExcelDateTime::new(
                        x,
                        ExcelDateTimeType::TimeDelta,
                        date1904,
                    )),
                    _ => Cell::Number(x),
                }
            }
            Err(_) if !typed => Cell::Text(v),
            Err(_) => return Err(Malformed(format!("'{v}' is not a number"))),
        },
        Kind::Bool => match v.trim() {
            "" => Cell::Empty,
            b if b == "0" || b.eq_ignore_ascii_case("false") => Cell::Bool(false),
            b if b == "1" || b.eq_ignore_ascii_case("true") => Cell::Bool(true),
            other => return Err(Malformed(format!("'{other}' is not a boolean"))),
        },
        Kind::Error => Cell::Error(error_value(v)?),
        // `_xHHHH_` escapes in formula text are decoded by `convert_batch` (rare; needs a buffer).
        Kind::Str | Kind::Inline => Cell::Text(v),
        Kind::IsoDate => super::workbook::cell_of_iso(v),
    })
}

/// Hands the cells of one batch to the assembler.
fn convert_batch<S: RowSink>(
    batch: &Batch,
    sst: &SharedStrings,
    formats: &[NumberFormat],
    date1904: bool,
    rows: &mut Assembler<'_, S>,
) -> Result<(), InputError> {
    let mut decoded = String::new();
    for raw in &batch.cells {
        let cell = value(raw, &batch.text, sst, formats, date1904).map_err(|e| InputError::Retry(e.0))?;
        // Formula text results may hold `_xHHHH_` escapes, as shared strings do.
        let cell = match (raw.kind, cell) {
            (Kind::Str, Cell::Text(t)) if t.contains("_x") => {
                decoded.clear();
                decoded.push_str(&unescape_excel(t));
                Cell::Text(&decoded)
            }
            (_, c) => c,
        };
        rows.cell(raw.row, raw.col, cell)?;
    }
    Ok(())
}

/// Why the fast reader did not read the sheet.
pub enum GaveUp {
    /// Before any row reached the sink: read it with calamine instead.
    Early(String),
    /// A real failure (the sink stopped, or rows were sent before the reader gave up).
    Late(InputError),
}

/// Reads the sheet `plan` names into `sink`.
pub fn read(path: &Path, plan: &Plan, sink: &mut impl RowSink) -> Result<(), GaveUp> {
    let early = |e: Malformed| GaveUp::Early(e.0);
    // Styles first (small), on this thread; the rest on helpers.
    let formats = match &plan.styles {
        None => Vec::new(),
        Some(part_name) => {
            let mut zip = open_zip(path).map_err(early)?;
            read_styles(part(&mut zip, part_name).map_err(early)?).map_err(early)?
        }
    };
    std::thread::scope(|scope| {
        let sst_thread = std::thread::Builder::new()
            .name("relsync-sst".into())
            .spawn_scoped(scope, || -> Result<SharedStrings, Malformed> {
                match &plan.shared_strings {
                    None => Ok(SharedStrings::default()),
                    Some(name) => {
                        let mut zip = open_zip(path)?;
                        read_shared_strings(part(&mut zip, name)?)
                    }
                }
            })
            .map_err(|e| GaveUp::Early(e.to_string()))?;
        let merge_thread = scope.spawn(|| super::xlsx::scan_merges(path, Some(&plan.sheet)));
        let (tx, rx) = sync_channel::<Message>(IN_FLIGHT);
        let (back_tx, back_rx) = sync_channel::<Batch>(IN_FLIGHT + 2);
        let producer = std::thread::Builder::new()
            .name("relsync-sheet".into())
            .spawn_scoped(scope, move || {
                let result = open_zip(path).and_then(|mut zip| {
                    let reader = part(&mut zip, &plan.sheet_part)?;
                    scan_sheet(reader, &tx, &back_rx)
                });
                if let Err(e) = result {
                    let _ = tx.send(Message::Failed(e));
                }
            })
            .map_err(|e| GaveUp::Early(e.to_string()))?;

        // Until the first cells arrive nothing is committed: any failure means "use calamine".
        let mut total = None;
        let mut first: Option<Batch> = None;
        let mut failure: Option<String> = None;
        for message in &rx {
            match message {
                Message::Dimension(d) => total = total.or(d),
                Message::Cells(batch) => {
                    first = Some(batch);
                    break;
                }
                Message::Failed(e) => {
                    failure = Some(e.0);
                    break;
                }
            }
        }
        let sst = match sst_thread.join() {
            Ok(Ok(sst)) => Some(sst),
            Ok(Err(e)) => {
                failure = failure.or(Some(e.0));
                None
            }
            Err(_) => {
                failure = failure.or(Some("the shared-strings reader stopped".into()));
                None
            }
        };
        let merges = match merge_thread.join() {
            Ok(Some((_, regions))) => Some(regions),
            _ => {
                failure = failure.or(Some("merged ranges unknown".into()));
                None
            }
        };
        let (Some(sst), Some(merges), None) = (sst, merges, failure.clone()) else {
            drop(rx);
            let _ = producer.join();
            return Err(GaveUp::Early(failure.unwrap_or_default()));
        };

        let info = SheetInfo {
            sheet: Some(plan.sheet.clone()),
            total,
            ..SheetInfo::default()
        };
        if sink.start(info).is_err() {
            drop(rx);
            let _ = producer.join();
            return Err(GaveUp::Late(InputError::Stopped));
        }
        let mut rows = Assembler::new(sink, merges);
        let mut outcome = Ok(());
        let mut next = first;
        loop {
            let mut batch = match next.take() {
                Some(batch) => batch,
                None => match rx.recv() {
                    Ok(Message::Cells(batch)) => batch,
                    Ok(Message::Dimension(_)) => continue,
                    Ok(Message::Failed(e)) => {
                        outcome = Err(if rows.emitted() {
                            GaveUp::Late(InputError::Retry(e.0))
                        } else {
                            GaveUp::Early(e.0)
                        });
                        break;
                    }
                    Err(_) => break, // the producer is done
                },
            };
            if let Err(e) = convert_batch(&batch, &sst, &formats, plan.date1904, &mut rows) {
                outcome = Err(match e {
                    InputError::Retry(why) if !rows.emitted() => GaveUp::Early(why),
                    other => GaveUp::Late(other),
                });
                break;
            }
            batch.cells.clear();
            batch.text.clear();
            let _ = back_tx.try_send(batch);
        }
        if outcome.is_ok() {
            outcome = rows.finish().map_err(|e| GaveUp::Late(e.into()));
        }
        drop(rx);
        if producer.join().is_err() && outcome.is_ok() {
            outcome = Err(GaveUp::Late(InputError::Thread(
                "the sheet reader stopped unexpectedly".into(),
            )));
        }
        outcome
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_formats_follow_calamine() {
        for (code, expected) in [
            ("DD/MM/YY", NumberFormat::DateTime),
            ("H:MM:SS;@", NumberFormat::DateTime),
            ("#,##0\\ [$\\u20bd-46D]", NumberFormat::Other),
            ("m\"M\"d\"D\";@", NumberFormat::DateTime),
            ("[h]:mm:ss", NumberFormat::TimeDelta),
            ("\"$\"#,##0_);[Red](\"$\"#,##0)", NumberFormat::Other),
            ("[>=100][Magenta][s].00", NumberFormat::TimeDelta),
            ("[>=100][Magenta]General", NumberFormat::Other),
            ("ha/p\\\\m", NumberFormat::DateTime),
            ("#,##0*y", NumberFormat::Other),
            ("*-yyyy-mm-dd", NumberFormat::DateTime),
            ("€ #,##0.00", NumberFormat::Other),
            ("dd-mm-yyyy", NumberFormat::DateTime),
        ] {
            assert_eq!(detect_custom_number_format(code), expected, "{code}");
        }
        assert_eq!(builtin_format("14"), NumberFormat::DateTime);
        assert_eq!(builtin_format("46"), NumberFormat::TimeDelta);
        assert_eq!(builtin_format("2"), NumberFormat::Other);
    }

    /// Damaged XML of every kind must give an error or a value, never a panic.
    #[test]
    fn mangled_parts_never_panic() {
        let sheet = br#"<?xml version="1.0"?><worksheet><dimension ref="A1:C3"/><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" s="1"><v>2.5</v></c><c r="C1" t="inlineStr"><is><r><t>x &amp; y</t></r></is></c></row><row r="2"><c r="A2" t="str"><f>A1</f><v>a_x000D_</v></c><c t="b"><v>1</v></c><c t="e"><v>#N/A</v></c><c r="D2" t="d"><v>2026-01-02T00:00:00</v></c></row></sheetData><mergeCells><mergeCell ref="A1:B1"/></mergeCells></worksheet>"#;
        let sst = br#"<sst uniqueCount="2"><si><t xml:space="preserve"> a </t></si><si><r><t>b</t></r><rPh><t>c</t></rPh></si></sst>"#;
        let styles = br#"<styleSheet><numFmts><numFmt numFmtId="164" formatCode="dd-mm-yyyy"/></numFmts><cellXfs><xf numFmtId="0"/><xf numFmtId="164"/></cellXfs></styleSheet>"#;
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for round in 0..800 {
            for source in [&sheet[..], &sst[..], &styles[..]] {
                let mut bytes = source.to_vec();
                for _ in 0..(1 + round % 4) {
                    let at = (next() as usize) % bytes.len();
                    match next() % 4 {
                        0 => {
                            let pool = b"<>/\"=&;_x:0 a";
                            bytes[at] = pool[(next() % pool.len() as u64) as usize];
                        }
                        1 => {
                            bytes.remove(at);
                        }
                        2 => bytes.insert(at, (next() % 256) as u8),
                        _ => bytes.truncate(at),
                    }
                    if bytes.is_empty() {
                        bytes.push(b'<');
                    }
                }
                let (tx, rx) = sync_channel::<Message>(1024);
                let (_back_tx, back_rx) = sync_channel::<Batch>(1);
                let _ = scan_sheet(bytes.as_slice(), &tx, &back_rx);
                drop(tx);
                let strings = read_shared_strings(bytes.as_slice()).unwrap_or_default();
                let formats = read_styles(bytes.as_slice()).unwrap_or_default();
                for message in rx {
                    if let Message::Cells(batch) = message {
                        for raw in &batch.cells {
                            let _ = value(raw, &batch.text, &strings, &formats, false);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn shared_strings_like_calamine() {
        let xml = r#"<?xml version="1.0"?><sst xmlns="x" count="5" uniqueCount="5">
<si><t>plain</t></si>
<si><t xml:space="preserve">  kept  </t></si>
<si><t>  trimmed
</t></si>
<si><r><rPr><b/></rPr><t>rich </t></r><r><t xml:space="preserve">text</t></r><rPh sb="0" eb="1"><t>PHONETIC</t></rPh></si>
<si/>
<si><t>a_x000D_b &amp; c</t></si>
</sst>"#;
        let sst = read_shared_strings(xml.as_bytes()).unwrap();
        let all: Vec<&str> = (0..6).map(|i| sst.get(i).unwrap()).collect();
        assert_eq!(all, ["plain", "  kept  ", "trimmed", "richtext", "", "a\rb & c"]);
        assert_eq!(sst.get(6), None);
    }
}
