//! The sheet itself: tokenized into raw cells on one thread, turned into values on another
//! with calamine's rules.

use std::io::Read;
use std::sync::mpsc::{Receiver, SyncSender};

use calamine::{ExcelDateTime, ExcelDateTimeType};

use super::super::cells::{cell_of_datetime, cell_of_iso};
use super::super::error::InputError;
use super::super::merge::{Assembler, RowsSeen};
use super::super::ooxml::{
    Token, Tokenizer, XmlError, XmlErrorKind, attribute, attributes, push_cdata, push_text, unescape_excel,
};
use super::super::package::PackageError;
use super::super::row::{Cell, NOT_FINITE, RowSink, UNCALCULATED};
use super::parts::{NumberFormat, SharedStrings, read_string_item};
use crate::cellref;

/// Cells per batch.
pub(super) const BATCH: usize = 16_384;

/// A cell's type attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
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
pub(super) struct RawCell {
    row: u32,
    col: u32,
    style: Option<u32>,
    kind: Kind,
    value: RawValue,
}

/// What a cell's children give it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum RawValue {
    Empty,
    /// A range of the batch's text.
    Text(u32, u32),
    /// A formula and no `<v>`: the result was never saved.
    Uncalculated,
}

#[derive(Default)]
pub(super) struct Batch {
    pub(super) cells: Vec<RawCell>,
    pub(super) text: String,
}

pub(super) enum Message {
    /// The sheet's declared rows, from `<dimension>`, sent before the first batch.
    Dimension(Option<u64>),
    Cells(Batch),
    Failed(PackageError),
}

pub(super) fn kind_of(t: Option<&[u8]>) -> Result<Kind, String> {
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
            return Err(format!(
                "has a cell of unknown type '{}'",
                String::from_utf8_lossy(other)
            ));
        }
    })
}

pub(super) fn parse_u32(digits: &[u8]) -> Option<u32> {
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
pub(super) struct CellAttributes<'a> {
    reference: Option<&'a [u8]>,
    style: Option<&'a [u8]>,
    kind: Option<&'a [u8]>,
}

/// Reads a `<c>` tag's attributes in one pass.
pub(super) fn cell_attributes(attrs: &[u8]) -> CellAttributes<'_> {
    let mut found = CellAttributes::default();
    for (name, value) in attributes(attrs) {
        match name {
            b"r" => found.reference = Some(value),
            b"s" => found.style = Some(value),
            b"t" => found.kind = Some(value),
            _ => {}
        }
    }
    found
}

/// Tokenizes the sheet into raw cells and sends them in batches.
pub(super) fn scan_sheet(r: impl Read, tx: &SyncSender<Message>, recycled: &Receiver<Batch>) -> Result<(), XmlError> {
    let mut t = Tokenizer::new(r);
    // Up to <sheetData>: the dimension, for progress.
    loop {
        match t.next_token()? {
            None => return Err(XmlError::unexpected(t.position(), "has no sheetData")),
            Some(Token::Start {
                name: b"dimension",
                attrs,
                ..
            }) => {
                let total = attribute(attrs, b"ref")
                    .and_then(cellref::parse_range)
                    .map(|range| u64::from(range.last_row) + 1);
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
    let mut rows = RowsSeen::default();
    let send = |batch: &mut Batch| -> bool {
        let next = recycled.try_recv().unwrap_or_default();
        let full = std::mem::replace(batch, next);
        tx.send(Message::Cells(full)).is_ok()
    };
    loop {
        let at = t.position();
        let Some(token) = t.next_token()? else {
            return Err(XmlError::unexpected(at, "ends inside sheetData"));
        };
        match token {
            Token::End { name: b"sheetData" } => break,
            Token::Start {
                name: b"row",
                attrs,
                empty,
            } => {
                if let Some(r) = attribute(attrs, b"r") {
                    row_index = parse_u32(r).filter(|&r| r > 0).map(|r| r - 1).ok_or_else(|| {
                        XmlError::new(
                            at,
                            XmlErrorKind::Damaged(format!(
                                "has a row numbered '{}', which is not a row number",
                                String::from_utf8_lossy(r)
                            )),
                        )
                    })?;
                }
                let (again, number) = (rows.again(row_index), u64::from(row_index) + 1);
                if empty {
                    // `<row/>` ends where it starts: the next row without a number is the next one.
                    row_index = row_index.saturating_add(1);
                }
                if again {
                    return Err(XmlError::new(
                        at,
                        XmlErrorKind::Damaged(format!(
                            "has row {} twice, so relsync cannot tell which cells are meant; Excel repairs such a \
                             file when it opens it: open it in Excel, save it and run again",
                            number
                        )),
                    ));
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
                    Some(r) => cellref::parse(r).ok_or_else(|| {
                        XmlError::unexpected(at, format!("has a bad cell reference '{}'", String::from_utf8_lossy(r)))
                    })?,
                    None => (row_index, col_index),
                };
                col_index = col + 1;
                let style = found.style.and_then(parse_u32);
                let kind = kind_of(found.kind).map_err(|why| XmlError::unexpected(at, why))?;
                let value = if empty {
                    RawValue::Empty
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

/// Reads a cell's children up to `</c>`. A `<v>` or `<is>` gives the value (the last one, as
/// calamine reads it); a formula without a result (no `<v>`, or an empty one in a cell that is
/// not text) never had its result saved, which the caller reports instead of sending an empty
/// value. Other children (`<extLst>`) are skipped.
pub(super) fn read_cell_value<R: Read>(
    t: &mut Tokenizer<R>,
    kind: Kind,
    text: &mut String,
) -> Result<RawValue, XmlError> {
    let mut value = RawValue::Empty;
    let mut formula = false;
    let mut has_value = false;
    loop {
        let at = t.position();
        let Some(token) = t.next_token()? else {
            return Err(XmlError::unexpected(at, "has a cell that is not closed"));
        };
        match token {
            Token::End { name: b"c" } => {
                // No result at all, or an empty one where only text can be empty: openpyxl
                // writes `<f>..</f><v/>` for every formula, and Excel writes an empty text
                // result as `t="str"` with `<v></v>`.
                let uncalculated = !has_value || (value == RawValue::Empty && kind != Kind::Str);
                return Ok(if formula && uncalculated {
                    RawValue::Uncalculated
                } else {
                    value
                });
            }
            Token::Start { name: b"v", empty, .. } => {
                let start = text.len() as u32;
                if !empty {
                    read_until_end(t, b"v", text)?;
                }
                // The <v> of an inline string is redundant; calamine ignores it.
                if kind != Kind::Inline {
                    has_value = true;
                    // Only text may be blank: a blank number, boolean or index is no value.
                    value = if text.len() as u32 == start
                        || (kind != Kind::Str && text[start as usize..].trim_ascii().is_empty())
                    {
                        text.truncate(start as usize);
                        RawValue::Empty
                    } else {
                        RawValue::Text(start, text.len() as u32)
                    };
                }
            }
            Token::Start { name: b"is", empty, .. } => {
                let start = text.len() as u32;
                if !empty {
                    read_string_item(t, b"is", text)?;
                }
                has_value = true;
                value = RawValue::Text(start, text.len() as u32);
            }
            Token::Start { name: b"f", empty, .. } => {
                if !empty {
                    skip_element(t, b"f")?;
                }
                formula = true;
            }
            Token::Start { name, empty: false, .. } => {
                let name = name.to_vec();
                skip_element(t, &name)?;
            }
            _ => {}
        }
    }
}

/// Skips an element's content up to its end tag (the tokenizer checks the nesting).
fn skip_element<R: Read>(t: &mut Tokenizer<R>, name: &[u8]) -> Result<(), XmlError> {
    let mut depth = 0usize;
    loop {
        let at = t.position();
        match t.next_token()? {
            None => return Err(XmlError::unexpected(at, "has an element that is not closed")),
            Some(Token::End { name: end }) if depth == 0 && end == name => return Ok(()),
            Some(Token::End { .. }) => depth = depth.saturating_sub(1),
            Some(Token::Start { empty: false, .. }) => depth += 1,
            Some(_) => {}
        }
    }
}

/// Appends the decoded text of an element up to its end tag.
pub(super) fn read_until_end<R: Read>(t: &mut Tokenizer<R>, end: &[u8], out: &mut String) -> Result<(), XmlError> {
    loop {
        let at = t.position();
        match t.next_token()? {
            None => return Err(XmlError::unexpected(at, "has an element that is not closed")),
            Some(Token::End { name }) if name == end => return Ok(()),
            Some(Token::Text(raw)) => push_text(out, raw).map_err(|kind| XmlError::new(at, kind))?,
            Some(Token::CData(raw)) => push_cdata(out, raw).map_err(|kind| XmlError::new(at, kind))?,
            Some(Token::Start { name, .. }) => {
                return Err(XmlError::unexpected(
                    at,
                    format!("has an unexpected <{}> in a value", String::from_utf8_lossy(name)),
                ));
            }
            Some(Token::End { .. }) => {}
        }
    }
}

pub(super) fn error_value(v: &str) -> Result<&'static str, String> {
    Ok(match v {
        "#DIV/0!" => "#DIV/0!",
        "#N/A" => "#N/A",
        "#NAME?" => "#NAME?",
        "#NULL!" => "#NULL!",
        "#NUM!" => "#NUM!",
        "#REF!" => "#REF!",
        "#VALUE!" => "#VALUE!",
        other => return Err(format!("holds the unknown error value '{other}'")),
    })
}

/// A raw cell's value, exactly as calamine's cell reader (and `workbook::cell_of_ref`) gives it.
pub(super) fn value<'a>(
    raw: &RawCell,
    text: &'a str,
    sst: &'a SharedStrings,
    formats: &[NumberFormat],
    date1904: bool,
) -> Result<Cell<'a>, String> {
    let (start, end) = match raw.value {
        RawValue::Empty => return Ok(Cell::Empty),
        RawValue::Uncalculated => return Ok(Cell::Error(UNCALCULATED)),
        RawValue::Text(start, end) => (start, end),
    };
    let v = &text[start as usize..end as usize];
    Ok(match raw.kind {
        Kind::Shared => {
            // Not a guess: calamine reads an index it cannot parse as string 0.
            let i: usize = v
                .trim_ascii()
                .parse()
                .map_err(|_| format!("refers to shared string '{v}', which is not an index"))?;
            Cell::Text(
                sst.get(i)
                    .ok_or_else(|| format!("refers to shared string {i}, which does not exist"))?,
            )
        }
        Kind::Number { typed } => match v.parse::<f64>() {
            // `NaN`, `inf`, or beyond the largest double: no number Excel stores.
            Ok(x) if !x.is_finite() => Cell::Error(NOT_FINITE),
            Ok(x) => {
                let format = match raw.style {
                    None => Some(NumberFormat::Other),
                    Some(s) => formats.get(s as usize).copied(),
                };
                match format {
                    Some(NumberFormat::DateTime) => {
                        cell_of_datetime(&ExcelDateTime::new(x, ExcelDateTimeType::DateTime, date1904))
                    }
                    Some(NumberFormat::TimeDelta) => {
                        cell_of_datetime(&ExcelDateTime::new(x, ExcelDateTimeType::TimeDelta, date1904))
                    }
                    _ => Cell::Number(x),
                }
            }
            Err(_) if !typed => Cell::Text(v),
            Err(_) => return Err(format!("holds '{v}' as a number")),
        },
        Kind::Bool => match v.trim() {
            "" => Cell::Empty,
            b if b == "0" || b.eq_ignore_ascii_case("false") => Cell::Bool(false),
            b if b == "1" || b.eq_ignore_ascii_case("true") => Cell::Bool(true),
            other => return Err(format!("holds '{other}' as a boolean")),
        },
        Kind::Error => Cell::Error(error_value(v)?),
        // `_xHHHH_` escapes in formula text are decoded by `convert_batch` (rare; needs a buffer).
        Kind::Str | Kind::Inline => Cell::Text(v),
        Kind::IsoDate => cell_of_iso(v),
    })
}

/// Why a batch could not be handed over.
pub(super) enum BatchError {
    /// A cell holds what calamine would reject: its reference and why.
    Cell(String, String),
    /// The sink stopped, or a limit was reached.
    Failed(InputError),
}

/// Hands the cells of one batch to the assembler.
/// `x` as a format of only zeros (`00000`, `000000`) shows it, when it is a whole number that
/// format pads: `8123` with `00000` is `08123`.
fn zero_padded(x: f64, display: &crate::input::NumberDisplay) -> Option<String> {
    let crate::input::NumberDisplay::Code(code) = display else {
        return None;
    };
    let width = code.len();
    let zeros = width >= 2 && code.bytes().all(|b| b == b'0');
    if !zeros || x.fract() != 0.0 || !(0.0..1e15).contains(&x) {
        return None;
    }
    let text = format!("{:0width$}", x as u64);
    text.starts_with('0').then_some(text)
}

pub(super) fn convert_batch<S: RowSink>(
    batch: &Batch,
    sst: &SharedStrings,
    (formats, displays): (&[NumberFormat], &[Option<crate::input::NumberDisplay>]),
    date1904: bool,
    rows: &mut Assembler<'_, S>,
) -> Result<(), BatchError> {
    let mut decoded = String::new();
    for raw in &batch.cells {
        let cell = value(raw, &batch.text, sst, formats, date1904)
            .map_err(|why| BatchError::Cell(cellref::cell_name(raw.row + 1, raw.col), why))?;
        // Formula text results may hold `_xHHHH_` escapes, as shared strings do.
        let cell = match (raw.kind, cell) {
            (Kind::Str, Cell::Text(t)) if t.contains("_x") => {
                decoded.clear();
                decoded.push_str(&unescape_excel(t));
                Cell::Text(&decoded)
            }
            (_, c) => c,
        };
        // A whole number shown with leading zeros (`00000`: postcodes, article numbers) is the
        // code Excel shows, not the number: as a number its zeros would be lost.
        let padded;
        let cell = match (
            cell,
            raw.style
                .and_then(|s| displays.get(s as usize))
                .and_then(Option::as_ref),
        ) {
            (Cell::Number(x), Some(display)) => match zero_padded(x, display) {
                Some(text) => {
                    padded = text;
                    Cell::Text(&padded)
                }
                None => cell,
            },
            _ => cell,
        };
        let shown = matches!(
            cell,
            Cell::Number(_) | Cell::DateTime(_) | Cell::Time(_) | Cell::Duration(_)
        );
        rows.cell(raw.row, raw.col, cell).map_err(BatchError::Failed)?;
        // How a number or date is shown, for the annotated copy.
        if shown
            && let Some(style) = raw.style
            && displays.get(style as usize).is_some_and(Option::is_some)
        {
            rows.style(raw.col, style);
        }
    }
    Ok(())
}
