//! What a sheet holds, column by column: the first rows read to find the header row, then the
//! whole sheet streamed once more, and for every column below the header row its counts,
//! distinct values (up to a few, each short), lengths, line breaks and which kinds of values it
//! has: the facts the guesses are made from. Memory is that of one row and a few bytes per
//! column (per value only a hash, and only for the columns that may be the external id), so
//! `template init` reads any file `check` reads.

use std::collections::{HashMap, HashSet};
use std::hash::BuildHasher;

use crate::input::{Cell, Row, RowSink, SheetInfo, Stopped};
use crate::value::{self, DateFormats};

use super::header::HeadCell;

/// The longest header a template maps: property and role names are far shorter, and a
/// template holds each header it maps whole (three times, with its comment).
pub const MAX_NAME_CHARS: usize = 255;

/// Rows looked at to find the header row.
pub const HEAD_ROWS: usize = 50;
/// Distinct values remembered per column (enough to offer a list of values).
pub const DISTINCT: usize = 40;

/// The common ways exports write dates as text, tried in this order.
pub const TEXT_DATE_FORMATS: [&str; 6] = ["%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y", "%Y/%m/%d", "%m/%d/%Y", "%d-%m-%y"];
/// The same formats as a template writes them, the way Excel does.
pub const TEXT_DATE_NAMES: [&str; 6] = [
    "dd-mm-yyyy",
    "dd/mm/yyyy",
    "dd.mm.yyyy",
    "yyyy/mm/dd",
    "mm/dd/yyyy",
    "dd-mm-yy",
];

/// Longest value kept as it is for the list of distinct values (a list value is short; a
/// longer value is counted by its first characters).
const KEPT_CHARS: usize = 100;
/// Values longer than this are not parsed as numbers, dates, URLs or IDs (none is this long).
const PARSED_CHARS: usize = 1000;

/// What one column holds, below the header row.
#[derive(Clone, Debug, Default)]
pub struct Column {
    /// Rows with a value in this column.
    pub values: u64,
    /// Data rows (with a value somewhere) where this column is empty.
    pub empty: u64,
    /// Up to [`DISTINCT`] values (their first [`KEPT_CHARS`] characters) with how often each
    /// occurs, and the first cell of each; `overflow` once there are more.
    pub distinct: HashMap<String, (u64, u32)>,
    pub overflow: bool,
    /// The first value (its start), for the comment.
    pub example: Option<String>,
    pub max_chars: usize,
    pub line_breaks: bool,
    pub date_cells: u64,
    pub number_cells: u64,
    /// Text values that read as numbers with a decimal point / with a decimal comma.
    pub text_numbers_point: u64,
    pub text_numbers_comma: u64,
    /// Text values shaped like thousands with dots (`1.500`, `12.000.000`): 1.5 with a decimal
    /// point, 1500 with a decimal comma.
    pub text_dot_thousands: u64,
    /// Text values that read as ISO dates.
    pub text_iso_dates: u64,
    /// Text values that read as dates in each of [`TEXT_DATE_FORMATS`].
    pub text_dates: [u64; 6],
    /// Values that look like element IDs (`FAC-12`) or lists of tokens (`a; b`, lines).
    pub id_like: u64,
    pub multi_token: u64,
    /// Error cells (`#N/A`): values, but never list values.
    pub error_cells: u64,
    /// Text values that are URLs.
    pub urls: u64,
    /// A hash of every value, for the columns that may be the external id.
    pub seen: Option<HashSet<u64>>,
    /// Values that were seen before in the column (when `seen` is kept).
    pub repeats: u64,
}

/// A sheet, profiled.
#[derive(Debug, Default)]
pub struct Profile {
    pub info: SheetInfo,
    /// The header row (1-based).
    pub header_row: u32,
    /// Header texts; empty for a column without one, and for one whose header is longer than
    /// any name (see `long_headers`).
    pub headers: Vec<String>,
    /// Columns whose header is longer than [`MAX_NAME_CHARS`], with its length: no template
    /// maps them (no Relatics name is that long, and the template would hold it whole).
    pub long_headers: Vec<(usize, usize)>,
    pub columns: Vec<Column>,
    /// Data rows with at least one value.
    pub rows: u64,
    /// Why the header row was chosen, for people.
    pub why: String,
}

/// The first rows of a sheet, as finding the header row needs them (a few bytes per cell).
#[derive(Default)]
struct Head {
    rows: Vec<(u32, Vec<Option<HeadCell>>)>,
}

impl RowSink for Head {
    fn start(&mut self, _: SheetInfo) -> Result<(), Stopped> {
        Ok(())
    }

    fn row(&mut self, row: &mut Row) -> Result<(), Stopped> {
        let mut text = String::new();
        let cells = row
            .cells()
            .map(|(_, c)| {
                if c.is_blank() {
                    return None;
                }
                text.clear();
                crate::mapper::cell_text(c, &mut text);
                Some(HeadCell::new(&text, matches!(c, Cell::Text(_))))
            })
            .collect();
        self.rows.push((row.number, cells));
        if self.rows.len() >= HEAD_ROWS {
            return Err(Stopped);
        }
        Ok(())
    }

    fn restart(&mut self) -> Result<(), Stopped> {
        self.rows.clear();
        Ok(())
    }
}

fn is_id_like(token: &str) -> bool {
    // `FAC-12`, `REQ-001`, `OBJ_7`, `A-12-3`: letters, a separator, then digits; without the
    // separator only with two letters and two digits or more (`KW12`), so that a code such as
    // `T1` is not taken for an element ID.
    let t = token.trim();
    let letters = t.chars().take_while(|c| c.is_ascii_alphabetic()).count();
    let rest = &t[letters..];
    let (separated, rest) = match rest.strip_prefix(['-', '_', '.']) {
        Some(r) => (true, r),
        None => (false, rest),
    };
    let digits = rest.chars().filter(char::is_ascii_digit).count();
    (1..=6).contains(&letters)
        && !rest.is_empty()
        && rest.chars().all(|c| c.is_ascii_digit() || c == '-')
        && (separated || letters >= 2 && digits >= 2)
}

impl Profile {
    fn new(header_row: u32, why: String) -> Profile {
        Profile {
            header_row,
            why,
            ..Profile::default()
        }
    }

    /// The header row's texts, whole (one row, as `check` holds it), and which columns may be
    /// the external id.
    fn header(&mut self, row: &Row) {
        let mut text = String::new();
        let mut long = Vec::new();
        self.headers = row
            .cells()
            .map(|(col, c)| {
                text.clear();
                if !c.is_blank() {
                    crate::mapper::cell_text(c, &mut text);
                }
                let header = text.trim();
                let chars = header.chars().take(MAX_NAME_CHARS + 1).count();
                if chars > MAX_NAME_CHARS {
                    long.push((col as usize, header.chars().count()));
                    return String::new();
                }
                header.to_owned()
            })
            .collect();
        self.long_headers = long;
        self.columns = vec![Column::default(); self.headers.len()];
        for c in self.columns.iter_mut().take(8) {
            c.seen = Some(HashSet::new());
        }
        for (i, h) in self.headers.iter().enumerate() {
            if super::header::looks_like_id_header(h) {
                self.columns[i].seen = Some(HashSet::new());
            }
        }
    }

    fn data_row(&mut self, row: &Row) {
        if row.number <= self.header_row || row.is_blank() {
            return;
        }
        self.rows += 1;
        if row.width() as usize > self.columns.len() {
            self.columns.resize(row.width() as usize, Column::default());
            self.headers.resize(row.width() as usize, String::new());
        }
        let formats = DateFormats::new(&[]);
        let mut text = String::new();
        for (col, column) in self.columns.iter_mut().enumerate() {
            let cell = row.cell(col as u32);
            if cell.is_blank() {
                column.empty += 1;
                continue;
            }
            column.values += 1;
            // A column without a header is only counted: no template can map it.
            if self.headers[col].is_empty() {
                continue;
            }
            let value = match cell {
                Cell::Text(t) => t.trim(),
                other => {
                    text.clear();
                    crate::mapper::cell_text(other, &mut text);
                    text.trim()
                }
            };
            // Characters counted as far as any guess needs them: a value past PARSED_CHARS is
            // none of the shapes parsed below.
            let chars = value.chars().take(PARSED_CHARS + 1).count();
            if column.example.is_none() {
                column.example = Some(crate::problem::clip(value, 60));
            }
            column.max_chars = column.max_chars.max(chars);
            column.line_breaks |= memchr::memchr2(b'\n', b'\r', value.as_bytes()).is_some();
            match cell {
                Cell::DateTime(_) => column.date_cells += 1,
                Cell::Number(_) => column.number_cells += 1,
                Cell::Error(_) => {
                    column.error_cells += 1;
                    continue;
                }
                Cell::Text(t) if chars <= PARSED_CHARS => {
                    if is_url(t) {
                        column.urls += 1;
                    }
                    let t = t.trim();
                    if value::parse_number(t, false).is_ok() {
                        column.text_numbers_point += 1;
                    }
                    if value::parse_number(t, true).is_ok() {
                        column.text_numbers_comma += 1;
                    }
                    if dot_thousands(t) {
                        column.text_dot_thousands += 1;
                    }
                    if formats.parse(t).is_ok() {
                        column.text_iso_dates += 1;
                    }
                    for (i, f) in TEXT_DATE_FORMATS.iter().enumerate() {
                        if chrono::NaiveDate::parse_from_str(t, f).is_ok() {
                            column.text_dates[i] += 1;
                        }
                    }
                    let mut tokens = t.split([';', '\n', '\r']).map(str::trim).filter(|s| !s.is_empty());
                    let first = tokens.next();
                    let more = tokens.next();
                    if more.is_some() {
                        column.multi_token += 1;
                    }
                    if first.is_some_and(is_id_like) && more.is_none_or(is_id_like) && tokens.all(is_id_like) {
                        column.id_like += 1;
                    }
                }
                _ => {}
            }
            if !column.overflow {
                let key = if chars <= KEPT_CHARS {
                    value.to_owned()
                } else {
                    crate::problem::clip(value, KEPT_CHARS)
                };
                column.distinct.entry(key).or_insert((0, row.number)).0 += 1;
                if column.distinct.len() > DISTINCT {
                    column.overflow = true;
                    column.distinct.clear();
                }
            }
            // A value longer than an external id may be rules its column out anyway.
            if let Some(seen) = &mut column.seen
                && chars <= crate::value::MAX_EXTERNAL_ID
                && !seen.insert(rustc_hash::FxBuildHasher.hash_one(value))
            {
                column.repeats += 1;
            }
        }
    }
}

/// `1.500`, `12.000.000`: one to three digits, then groups of three after dots.
fn dot_thousands(t: &str) -> bool {
    let mut groups = t.split('.');
    let first = groups.next().unwrap_or("");
    let rest: Vec<&str> = groups.collect();
    (1..=3).contains(&first.len())
        && first.bytes().all(|b| b.is_ascii_digit())
        && !rest.is_empty()
        && rest
            .iter()
            .all(|g| g.len() == 3 && g.bytes().all(|b| b.is_ascii_digit()))
}

/// An absolute http(s) or mailto URL without spaces.
pub fn is_url(text: &str) -> bool {
    let t = text.trim();
    (t.starts_with("http://") || t.starts_with("https://") || t.starts_with("mailto:"))
        && !t.contains(char::is_whitespace)
}

impl Column {
    /// Values are unique and present in every data row.
    pub fn unique(&self) -> bool {
        self.seen.is_some() && self.repeats == 0 && self.empty == 0 && self.values > 0
    }

    /// Values are unique and present but for a few (a duplicate or a missing id is a problem of
    /// the data, which `check` reports, not a sign of another column).
    pub fn nearly_unique(&self) -> bool {
        self.seen.is_some() && self.values > 0 && (self.repeats + self.empty) * 10 <= self.values + self.empty
    }

    /// Could be an external id: one line, at most 450 characters, not dates.
    pub fn id_shaped(&self) -> bool {
        !self.line_breaks && self.max_chars <= 450 && self.date_cells == 0
    }
}

impl RowSink for Profile {
    fn start(&mut self, info: SheetInfo) -> Result<(), Stopped> {
        self.info = info;
        Ok(())
    }

    fn row(&mut self, row: &mut Row) -> Result<(), Stopped> {
        if row.number == self.header_row {
            self.header(row);
        } else {
            self.data_row(row);
        }
        Ok(())
    }

    fn restart(&mut self) -> Result<(), Stopped> {
        *self = Profile::new(self.header_row, std::mem::take(&mut self.why));
        Ok(())
    }
}

/// Reads the sheet twice: its first rows to find the header row (unless `asked`; they are
/// read all the same, to say when the rows look otherwise), then the whole sheet, one row at a
/// time. Nothing is kept of a row but counts, a few short values and hashes.
pub fn profile(spec: &crate::input::InputSpec, asked: Option<u32>) -> Result<Profile, crate::input::InputError> {
    let mut head = Head::default();
    match crate::input::read(spec, &mut head) {
        Ok(()) | Err(crate::input::InputError::Stopped) => {}
        Err(e) => return Err(e),
    }
    let (row, why) = match asked {
        Some(r) => match super::header::detect(&head.rows) {
            (detected, why) if detected != r => (
                r,
                format!("row {r} (--header-row), though the headers look like {why}; check it"),
            ),
            _ => (r, format!("row {r} (--header-row)")),
        },
        None => super::header::detect(&head.rows),
    };
    drop(head);
    let mut profile = Profile::new(row, why);
    crate::input::read(spec, &mut profile)?;
    Ok(profile)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_look_like_ids() {
        for id in ["FAC-12", "REQ-001", "OBJ_7", "VER-101", "KW12", "A-1"] {
            assert!(is_id_like(id), "{id}");
        }
        for not in [
            "Pump station",
            "12",
            "2027-03-01",
            "Draft",
            "ABCDEFGH-1",
            "FAC-",
            "T1",
            "D1",
            "A12",
        ] {
            assert!(!is_id_like(not), "{not}");
        }
    }
}
