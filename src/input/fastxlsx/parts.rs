//! The workbook-wide parts the sheet needs: the number formats of the cell styles (which
//! numbers are dates) and the shared-string table, read as calamine reads them.

use std::io::Read;

use crate::input::NumberDisplay;

use super::super::ooxml::{
    Token, Tokenizer, XmlError, attribute, attribute_text, push_cdata, push_text, unescape_excel,
};

/// How a style shows numbers, as far as dates are concerned (calamine's `CellFormat`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum NumberFormat {
    Other,
    DateTime,
    TimeDelta,
}

/// calamine's `detect_custom_number_format`, rule for rule.
pub(super) fn detect_custom_number_format(format: &str) -> NumberFormat {
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
pub(super) fn builtin_format(id: &str) -> NumberFormat {
    match id {
        "14" | "15" | "16" | "17" | "18" | "19" | "20" | "21" | "22" | "45" | "47" => NumberFormat::DateTime,
        "27" | "28" | "29" | "30" | "31" | "32" | "33" | "34" | "35" | "36" | "50" | "51" | "52" | "53" | "54"
        | "55" | "56" | "57" | "58" => NumberFormat::DateTime,
        "46" => NumberFormat::TimeDelta,
        _ => NumberFormat::Other,
    }
}

/// The number format of every cell style (`cellXfs`), by style index: its kind, and how it
/// shows numbers (`None` for General).
pub(super) fn read_styles(r: impl Read) -> Result<Vec<(NumberFormat, Option<NumberDisplay>)>, XmlError> {
    let mut custom: Vec<(String, String)> = Vec::new();
    let mut formats = Vec::new();
    let mut in_cell_xfs = false;
    let mut t = Tokenizer::new(r);
    while let Some(token) = t.next_token()? {
        match token {
            Token::Start {
                name: b"numFmt", attrs, ..
            } => {
                if let (Some(id), Some(code)) =
                    (attribute_text(attrs, b"numFmtId"), attribute_text(attrs, b"formatCode"))
                {
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
                let format = match attribute_text(attrs, b"numFmtId") {
                    None => (NumberFormat::Other, None),
                    Some(id) => match custom.iter().rev().find(|(i, _)| *i == id) {
                        Some((_, code)) => (
                            detect_custom_number_format(code),
                            // A format code is short; a long one is damage, and shown as General.
                            (code.len() <= 255).then(|| NumberDisplay::Code(code.clone())),
                        ),
                        None => (
                            builtin_format(&id),
                            id.parse::<u8>()
                                .ok()
                                .filter(|n| (1..=49).contains(n))
                                .map(NumberDisplay::Builtin),
                        ),
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
pub(super) struct SharedStrings {
    text: String,
    ends: Vec<usize>,
}

impl SharedStrings {
    pub(super) fn get(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        self.text.get(start..end)
    }
}

/// Collects the text of a string item (`<si>` or `<is>`) as calamine does: the `<t>` runs,
/// without phonetic runs (`<rPh>`), trimmed of ASCII whitespace unless `xml:space="preserve"`,
/// with `_xHHHH_` escapes decoded. Consumes tokens up to the closing `end` tag.
pub(super) fn read_string_item<R: Read>(t: &mut Tokenizer<R>, end: &[u8], out: &mut String) -> Result<(), XmlError> {
    let mut phonetic = false;
    let mut in_t = false;
    let mut nested = 0usize;
    let mut preserve = false;
    let mut value = String::new();
    loop {
        let at = t.position();
        let Some(token) = t.next_token()? else {
            return Err(XmlError::unexpected(at, "has a string item that is not closed"));
        };
        match token {
            Token::End { name } if name == end => return Ok(()),
            Token::Start {
                name: b"rPh", empty, ..
            } => phonetic = !empty,
            Token::End { name: b"rPh" } => phonetic = false,
            // A `<t>` inside a `<t>` (not valid, but seen): its text joins the outer one's, so
            // nothing is dropped.
            Token::Start { name: b"t", empty, .. } if in_t => nested += usize::from(!empty),
            Token::End { name: b"t" } if in_t && nested > 0 => nested -= 1,
            Token::Start {
                name: b"t",
                attrs,
                empty,
            } if !phonetic => {
                preserve = attribute(attrs, b"xml:space") == Some(b"preserve");
                value.clear();
                in_t = !empty;
            }
            Token::Text(raw) if in_t => push_text(&mut value, raw).map_err(|kind| XmlError::new(at, kind))?,
            Token::CData(raw) if in_t => push_cdata(&mut value, raw).map_err(|kind| XmlError::new(at, kind))?,
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

/// Entries reserved up front at most: `uniqueCount` is a hint from the file, never an
/// allocation size (a damaged or hostile file may claim 10^18 strings).
const RESERVE_AT_MOST: usize = 1 << 16;

pub(super) fn read_shared_strings(r: impl Read) -> Result<SharedStrings, XmlError> {
    let mut sst = SharedStrings::default();
    let mut t = Tokenizer::new(r);
    while let Some(token) = t.next_token()? {
        match token {
            Token::Start {
                name: b"sst", attrs, ..
            } => {
                if let Some(n) =
                    attribute(attrs, b"uniqueCount").and_then(|v| std::str::from_utf8(v).ok()?.parse::<u64>().ok())
                {
                    sst.ends.reserve(n.min(RESERVE_AT_MOST as u64) as usize);
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
