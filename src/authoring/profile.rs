//! What a sheet holds, column by column: read once (streaming), with the first rows kept to find
//! the header row, and for every column below it counts, distinct values (up to a few), lengths,
//! line breaks and which kinds of values it has: the facts the guesses are made from.

use std::collections::{HashMap, HashSet};

use crate::input::{Cell, Row, RowSink, SheetInfo, Stopped};
use crate::value::{self, DateFormats};

use super::header::HeadCell;

/// Rows kept whole to find the header row.
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

/// What one column holds, below the header row.
#[derive(Clone, Debug, Default)]
pub struct Column {
    /// Rows with a value in this column.
    pub values: u64,
    /// Data rows (with a value somewhere) where this column is empty.
    pub empty: u64,
    /// Up to [`DISTINCT`] values with how often each occurs; `overflow` once there are more.
    pub distinct: HashMap<String, u64>,
    pub overflow: bool,
    /// The first value, for the comment.
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
    /// Every value, for the columns that may be the external id.
    pub seen: Option<HashSet<String>>,
    /// Values that were seen before in the column (when `seen` is kept).
    pub repeats: u64,
}

/// A sheet, profiled.
#[derive(Debug, Default)]
pub struct Profile {
    pub info: SheetInfo,
    /// The first rows: row number and cells.
    pub head: Vec<(u32, Vec<Option<HeadCell>>)>,
    /// The header row (1-based), once known.
    pub header_row: Option<u32>,
    pub headers: Vec<String>,
    pub columns: Vec<Column>,
    /// Data rows with at least one value.
    pub rows: u64,
    /// Rows waiting until the header row is known (only while the head is read).
    pending: Vec<Row>,
    /// The header row asked for (`--header-row`), if any.
    asked: Option<u32>,
    /// Why the header row was chosen, for people.
    pub why: String,
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
    pub fn new(asked: Option<u32>) -> Profile {
        Profile {
            asked,
            ..Profile::default()
        }
    }

    fn head_cells(row: &Row) -> Vec<Option<HeadCell>> {
        row.cells()
            .map(|(_, c)| {
                if c.is_blank() {
                    return None;
                }
                let mut text = String::new();
                crate::mapper::cell_text(c, &mut text);
                Some(HeadCell {
                    text: text.trim().to_owned(),
                    is_text: matches!(c, Cell::Text(_)),
                })
            })
            .collect()
    }

    /// Decides the header row from the first rows.
    fn settle_header(&mut self) {
        if self.header_row.is_some() {
            return;
        }
        let (row, why) = match self.asked {
            Some(r) => match super::header::detect(&self.head) {
                (detected, why) if detected != r => (
                    r,
                    format!("row {r} (--header-row), though the headers look like {why}; check it"),
                ),
                _ => (r, format!("row {r} (--header-row)")),
            },
            None => super::header::detect(&self.head),
        };
        self.header_row = Some(row);
        self.why = why;
        if let Some((_, cells)) = self.head.iter().find(|(n, _)| *n == row) {
            self.headers = cells
                .iter()
                .map(|c| c.as_ref().map(|c| c.text.clone()).unwrap_or_default())
                .collect();
        }
        self.columns = vec![Column::default(); self.headers.len()];
        for c in self.columns.iter_mut().take(8) {
            c.seen = Some(HashSet::new());
        }
        for (i, h) in self.headers.iter().enumerate() {
            if super::header::looks_like_id_header(h) {
                self.columns[i].seen = Some(HashSet::new());
            }
        }
        for row in std::mem::take(&mut self.pending) {
            self.data_row(&row);
        }
    }

    fn data_row(&mut self, row: &Row) {
        let Some(header_row) = self.header_row else { return };
        if row.number <= header_row || row.is_blank() {
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
            text.clear();
            crate::mapper::cell_text(cell, &mut text);
            let value = text.trim();
            if column.example.is_none() {
                column.example = Some(value.to_owned());
            }
            column.max_chars = column.max_chars.max(value.chars().count());
            column.line_breaks |= value.contains(['\n', '\r']);
            match cell {
                Cell::DateTime(_) => column.date_cells += 1,
                Cell::Number(_) => column.number_cells += 1,
                Cell::Error(_) => {
                    column.error_cells += 1;
                    continue;
                }
                Cell::Text(t) => {
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
                    let tokens: Vec<&str> = t
                        .split([';', '\n', '\r'])
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .collect();
                    if tokens.len() > 1 {
                        column.multi_token += 1;
                    }
                    if !tokens.is_empty() && tokens.iter().all(|s| is_id_like(s)) {
                        column.id_like += 1;
                    }
                }
                _ => {}
            }
            if !column.overflow {
                *column.distinct.entry(value.to_owned()).or_insert(0) += 1;
                if column.distinct.len() > DISTINCT {
                    column.overflow = true;
                    column.distinct.clear();
                }
            }
            if let Some(seen) = &mut column.seen
                && !seen.insert(value.to_owned())
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
        if self.header_row.is_none() && self.head.len() < HEAD_ROWS {
            let cells = Profile::head_cells(row);
            self.head.push((row.number, cells));
            self.pending.push(row.clone());
            if self.head.len() == HEAD_ROWS {
                self.settle_header();
            }
            return Ok(());
        }
        self.settle_header();
        self.data_row(row);
        Ok(())
    }

    fn restart(&mut self) -> Result<(), Stopped> {
        *self = Profile::new(self.asked);
        Ok(())
    }
}

/// Reads the whole sheet and profiles it.
pub fn profile(spec: &crate::input::InputSpec, header_row: Option<u32>) -> Result<Profile, crate::input::InputError> {
    let mut profile = Profile::new(header_row);
    crate::input::read(spec, &mut profile)?;
    profile.settle_header();
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
