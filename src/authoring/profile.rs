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

/// Columns whose values are hashed as names (see [`Column::names`]).
pub const NAMED_COLUMNS: usize = 32;
/// Name hashes kept in all, for the whole sheet (about 16 bytes each): beyond, the columns
/// hold too many distinct values to be told apart this way, and relations by name are left
/// for the user to write.
pub const NAME_HASHES: usize = 4_000_000;

/// Times of day after a text date (`04-05-2011 14:30`), in chrono's codes and as a template
/// writes them.
pub const TIME_FORMATS: [&str; 2] = ["%H:%M", "%H:%M:%S"];
pub const TIME_NAMES: [&str; 2] = ["hh:mm", "hh:mm:ss"];

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
    /// Text values read as numbers with a decimal point / with a decimal comma.
    pub point: NumberTexts,
    pub comma: NumberTexts,
    /// Text values shaped like thousands with dots (`1.500`, `12.000.000`): 1.5 with a decimal
    /// point, 1500 with a decimal comma.
    pub text_dot_thousands: u64,
    /// Text values shaped like one thousands group after a comma (`1,500`): 1.5 with a decimal
    /// comma, 1500 in an English export; relsync reads neither without being told.
    pub text_comma_thousands: u64,
    /// The first such value and its row.
    pub first_comma_thousands: Option<(String, u32)>,
    /// Text values that read as ISO dates.
    pub text_iso_dates: u64,
    /// Text values that read as dates in each of [`TEXT_DATE_FORMATS`], with a time of day
    /// after the date or not.
    pub text_dates: [u64; 6],
    /// Of those, the ones with a time in each of [`TIME_FORMATS`] after the date.
    pub text_timed: [[u64; 2]; 6],
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
    /// A hash of every value as lookups match names (case and runs of spaces aside), for the
    /// first [`NAMED_COLUMNS`] text columns while [`NAME_HASHES`] allow: which column's values
    /// are the names of other rows. `None` once dropped.
    pub names: Option<HashSet<u64>>,
}

/// A column's text values that read as numbers in one convention (decimal point or comma).
#[derive(Clone, Debug, Default)]
pub struct NumberTexts {
    /// Written as the number is (`8123`, `2,5`, `1.137,1`).
    pub same: u64,
    /// Written with trailing zeros (`40,0`, `2.50`): the same only when every value has as
    /// many decimals, as an export with fixed decimals writes them.
    pub trailing: u64,
    /// A number would change them: a leading zero (`08123`), a sign or exponent, 16 digits or
    /// more. Codes, not numbers.
    pub changed: u64,
    /// The numbers of decimals seen (bit n: n decimals; 31 for more).
    pub decimals: u32,
    /// The first value that is changed, and the first with trailing zeros, with what a number
    /// column would send for it and its row.
    pub first_changed: Option<(String, String, u32)>,
    pub first_trailing: Option<(String, String, u32)>,
}

impl NumberTexts {
    /// All values that read as numbers.
    pub fn read(&self) -> u64 {
        self.same + self.trailing + self.changed
    }

    /// Values a number column would not send as written: the changed ones, and the trailing
    /// zeros unless every value has as many decimals (a column that also has number cells,
    /// written without decimals, has not).
    pub fn lost(&self, number_cells: u64) -> u64 {
        let fixed = self.decimals.count_ones() <= 1 && number_cells == 0;
        self.changed + if fixed { 0 } else { self.trailing }
    }

    /// Values sent as written.
    pub fn kept(&self, number_cells: u64) -> u64 {
        self.read() - self.lost(number_cells)
    }

    /// A value a number column would not send as written: a changed one first.
    pub fn example(&self) -> Option<&(String, String, u32)> {
        self.first_changed.as_ref().or(self.first_trailing.as_ref())
    }

    fn count(&mut self, t: &str, decimal_comma: bool, row: u32) {
        let Some(written) = number_as_written(t, decimal_comma) else {
            return;
        };
        let decimals = match written {
            Written::Same { decimals } => {
                self.same += 1;
                decimals
            }
            Written::Trailing { decimals, sent } => {
                self.trailing += 1;
                if self.first_trailing.is_none() {
                    self.first_trailing = Some((crate::problem::clip(t, 40), sent, row));
                }
                decimals
            }
            Written::Changed { sent } => {
                self.changed += 1;
                if self.first_changed.is_none() {
                    self.first_changed = Some((crate::problem::clip(t, 40), sent, row));
                }
                return;
            }
        };
        self.decimals |= 1 << decimals.min(31);
    }
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
    /// Name hashes held (see [`NAME_HASHES`]).
    name_hashes: usize,
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
        for (i, _) in self
            .headers
            .iter()
            .enumerate()
            .filter(|(_, h)| !h.is_empty())
            .take(NAMED_COLUMNS)
        {
            self.columns[i].names = Some(HashSet::new());
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
            // A value past PARSED_CHARS makes its column text whatever its lines (and no id).
            if chars <= PARSED_CHARS {
                column.line_breaks |= memchr::memchr2(b'\n', b'\r', value.as_bytes()).is_some();
            }
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
                    column.point.count(t, false, row.number);
                    column.comma.count(t, true, row.number);
                    if thousands(t, '.') {
                        column.text_dot_thousands += 1;
                    }
                    if thousands(t, ',') && t.matches(',').count() == 1 {
                        column.text_comma_thousands += 1;
                        if column.first_comma_thousands.is_none() {
                            column.first_comma_thousands = Some((t.to_owned(), row.number));
                        }
                    }
                    if formats.parse(t).is_ok() {
                        column.text_iso_dates += 1;
                    }
                    // A date, or a date and a time (`04-05-2011 14:30`).
                    let (date, time) = match t.split_once(' ') {
                        Some((d, time)) => (
                            d,
                            TIME_FORMATS
                                .iter()
                                .position(|f| chrono::NaiveTime::parse_from_str(time.trim(), f).is_ok()),
                        ),
                        None => (t, None),
                    };
                    if date.len() != t.len() && time.is_none() {
                        // Something after the date that is no time: not a date.
                    } else {
                        for (i, f) in TEXT_DATE_FORMATS.iter().enumerate() {
                            if chrono::NaiveDate::parse_from_str(date, f).is_ok() {
                                column.text_dates[i] += 1;
                                if let Some(k) = time {
                                    column.text_timed[i][k] += 1;
                                }
                            }
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
            if column.names.is_some() {
                if matches!(cell, Cell::Text(_)) && chars <= MAX_NAME_CHARS && self.name_hashes < NAME_HASHES {
                    let folded = crate::lookup::fold(value);
                    let names = column.names.as_mut().expect("checked above");
                    if names.insert(rustc_hash::FxBuildHasher.hash_one(folded)) {
                        self.name_hashes += 1;
                    }
                } else {
                    // Not a name (a number, a long text), or too many to hold: not a column
                    // of names, nor of names of other rows.
                    if let Some(names) = column.names.take() {
                        self.name_hashes -= names.len();
                    }
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

/// How text that reads as a number compares with the number written back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Written {
    /// The same (`8123`, `-2.5`, `2,5` and `1.137,1` with a decimal comma), with its number of
    /// decimals.
    Same { decimals: usize },
    /// The same but for zeros at the end of its decimals (`40,0`, `1.10`), and what would be
    /// sent.
    Trailing { decimals: usize, sent: String },
    /// Otherwise changed: a leading zero (`08123`), a sign or exponent, more than 15 digits.
    Changed { sent: String },
}

/// Text that reads as a number, compared with the number written back in the same convention
/// (with thousands separators if the text has them); `None` when it is no number.
pub fn number_as_written(t: &str, decimal_comma: bool) -> Option<Written> {
    let x = value::parse_number(t, decimal_comma).ok()?;
    let mut sent = String::new();
    value::write_decimal(&mut sent, x);
    if t.bytes().filter(u8::is_ascii_digit).count() > 15 {
        return Some(Written::Changed { sent });
    }
    let written = format!("{x}");
    let (decimal, group) = if decimal_comma { (',', '.') } else { ('.', ',') };
    let (int, fraction) = written.split_once('.').unwrap_or((&written, ""));
    let local = |grouped: bool| {
        let (sign, digits) = int.split_at(usize::from(int.starts_with('-')));
        let mut out = sign.to_owned();
        for (i, d) in digits.chars().enumerate() {
            if grouped && i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(group);
            }
            out.push(d);
        }
        if !fraction.is_empty() {
            out.push(decimal);
            out.push_str(fraction);
        }
        out
    };
    // As the number is written, with or without thousands separators (`1.137,1` is 1137.1
    // written back the same in a Dutch export).
    let same = |text: &str| text == local(false) || text.contains(group) && text == local(true);
    let decimals = t.rsplit_once(decimal).map_or(0, |(_, f)| f.len());
    if same(t) {
        return Some(Written::Same { decimals });
    }
    if let Some((whole, f)) = t.rsplit_once(decimal)
        && f.ends_with('0')
        && f.bytes().all(|b| b.is_ascii_digit())
    {
        let f = f.trim_end_matches('0');
        let shorter = if f.is_empty() {
            whole.to_owned()
        } else {
            format!("{whole}{decimal}{f}")
        };
        if same(&shorter) {
            return Some(Written::Trailing { decimals, sent });
        }
    }
    Some(Written::Changed { sent })
}

/// `1.500`, `12.000.000` (with `separator` '.'): one to three digits, then groups of three
/// after separators.
fn thousands(t: &str, separator: char) -> bool {
    let mut groups = t.split(separator);
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
    fn numbers_as_written() {
        for (t, comma, decimals) in [
            ("8123", false, 0),
            ("-2.5", false, 1),
            ("2,5", true, 1),
            ("1.137,1", true, 1),
            ("1.500", true, 0),
            ("0", false, 0),
        ] {
            assert_eq!(number_as_written(t, comma), Some(Written::Same { decimals }), "{t}");
        }
        for (t, comma, sent, decimals) in [
            ("1.10", false, "1.1", 2),
            ("40,0", true, "40.0", 1),
            ("2.50", false, "2.5", 2),
            ("1.500", false, "1.5", 3),
        ] {
            let sent = sent.to_owned();
            assert_eq!(
                number_as_written(t, comma),
                Some(Written::Trailing { decimals, sent }),
                "{t}"
            );
        }
        for (t, comma, sent) in [
            ("08123", false, "8123.0"),
            ("1234567890123456", false, "1234567890123460.0"),
            ("+5", false, "5.0"),
        ] {
            let sent = sent.to_owned();
            assert_eq!(number_as_written(t, comma), Some(Written::Changed { sent }), "{t}");
        }
        assert_eq!(number_as_written("Pomp", false), None);
    }

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
