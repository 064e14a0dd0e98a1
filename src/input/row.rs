//! One sheet row, the type every reader produces and everything after the reader consumes:
//! dense cells by column, each a [`Cell`], with the row number Excel shows. Text lives in one
//! buffer per row, and rows are reused, so reading allocates nothing per row.

use chrono::{NaiveDateTime, NaiveTime};

/// Facts about the sheet being read, known before the first row.
#[derive(Clone, Debug, Default)]
pub struct SheetInfo {
    /// Sheet name (workbooks only).
    pub sheet: Option<String>,
    /// Rows the sheet declares (workbooks), or bytes in the file (delimited), for progress.
    pub total: Option<u64>,
    /// Delimiter used (delimited only), and whether it was detected.
    pub delimiter: Option<(u8, bool)>,
    /// Encoding used (delimited only).
    pub encoding: Option<&'static str>,
    /// How number and date cells are shown, by cell style (`.xlsx` read by relsync's own
    /// reader): for the annotated copy, which shows them the same way.
    pub displays: Option<std::sync::Arc<[Option<NumberDisplay>]>>,
}

/// How a number or date cell is shown in Excel: a built-in format (`14`, the short date of
/// the reader's language) or a format code (`dd-mm-yyyy`, `#,##0.00`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum NumberDisplay {
    Builtin(u8),
    Code(String),
}

impl SheetInfo {
    /// A workbook sheet with `total` declared rows.
    pub fn workbook(name: &str, total: Option<u64>) -> SheetInfo {
        SheetInfo {
            sheet: Some(name.to_owned()),
            total,
            ..SheetInfo::default()
        }
    }
}

/// One stored cell value. Text lives in the row's buffer.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Slot {
    Empty,
    Text(u32, u32),
    Number(f64),
    Bool(bool),
    DateTime(NaiveDateTime),
    Time(NaiveTime),
    /// A duration in days (`[h]:mm` cells).
    Duration(f64),
    Error(&'static str),
}

/// A cell value as the mapper sees it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Cell<'a> {
    Empty,
    Text(&'a str),
    Number(f64),
    Bool(bool),
    /// A date cell (with its time of day, midnight if none).
    DateTime(NaiveDateTime),
    /// A time-of-day cell without a date.
    Time(NaiveTime),
    Duration(f64),
    /// An error value such as `#N/A`.
    Error(&'static str),
}

/// The error value of a formula cell whose result was never saved (a workbook written by a
/// program that does not calculate): reported like `#N/A`, never sent as an empty value.
pub const UNCALCULATED: &str = "#UNCALCULATED";

/// The error value of a number cell holding `NaN`, an infinity or a number beyond the largest
/// double: Excel's own `#NUM!`.
pub const NOT_FINITE: &str = "#NUM!";

impl Cell<'_> {
    /// Empty, or text that is only whitespace.
    pub fn is_blank(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(t) => t.trim().is_empty(),
            _ => false,
        }
    }
}

/// A quoted field of a delimited record whose closing quote never comes: the csv reader then
/// reads the rest of the file into that field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnclosedQuote {
    /// 0-based column of the field.
    pub col: u32,
    /// Line of the opening quote.
    pub line: u64,
    /// Last line of the file.
    pub last_line: u64,
}

/// One sheet row: dense cells by 0-based column, and the row number Excel shows.
#[derive(Clone, Debug, Default)]
pub struct Row {
    /// 1-based row number as Excel shows it (for CSV: the record number, counting blank lines).
    pub number: u32,
    /// CSV only: the physical line where the record starts.
    pub line: Option<u64>,
    /// CSV only: how many fields the record has (trailing empty ones included).
    pub fields: Option<u32>,
    /// CSV only: a quoted field in this record that is never closed, so the rest of the file
    /// was read into it.
    pub unclosed_quote: Option<UnclosedQuote>,
    /// Progress position: rows (workbooks) or bytes (delimited) read so far.
    pub progress: u64,
    slots: Vec<Slot>,
    text: String,
    /// The text set last, where it is in `text`: a cell with the same text (a merged range, a
    /// shared string used across the row) points at it instead of copying it again, so a row's
    /// memory follows its distinct texts, not its cells.
    last_text: Option<(u32, u32)>,
    /// Columns whose value was filled in from a merged range (not its top-left cell).
    merged: Vec<u32>,
    /// Number and date cells with a display format: (column, style), in column order.
    styles: Vec<(u32, u32)>,
}

impl Row {
    /// Clears the row for reuse, keeping its buffers.
    pub fn reset(&mut self, number: u32) {
        self.number = number;
        self.line = None;
        self.fields = None;
        self.unclosed_quote = None;
        self.slots.clear();
        self.text.clear();
        self.last_text = None;
        self.merged.clear();
        self.styles.clear();
    }

    /// Notes the cell style of the number or date cell in `col` (set in column order).
    pub fn set_style(&mut self, col: u32, style: u32) {
        self.styles.push((col, style));
    }

    /// The cell style of the number or date cell in `col`, when the reader gave one.
    pub fn style(&self, col: u32) -> Option<u32> {
        let i = self.styles.binary_search_by_key(&col, |(c, _)| *c).ok()?;
        Some(self.styles[i].1)
    }

    /// Notes that `col` holds the value of a merged range it is part of (not the top-left
    /// cell): what Excel shows there, though the file stores it once.
    pub fn mark_merged(&mut self, col: u32) {
        self.merged.push(col);
    }

    /// Whether `col` was filled in from a merged range.
    pub fn is_merged(&self, col: u32) -> bool {
        self.merged.contains(&col)
    }

    /// Number of columns up to the last one that was set.
    pub fn width(&self) -> u32 {
        self.slots.len() as u32
    }

    pub fn cell(&self, col: u32) -> Cell<'_> {
        match self.slots.get(col as usize) {
            None | Some(Slot::Empty) => Cell::Empty,
            Some(Slot::Text(start, end)) => Cell::Text(self.text.get(*start as usize..*end as usize).unwrap_or("")),
            Some(Slot::Number(x)) => Cell::Number(*x),
            Some(Slot::Bool(b)) => Cell::Bool(*b),
            Some(Slot::DateTime(d)) => Cell::DateTime(*d),
            Some(Slot::Time(t)) => Cell::Time(*t),
            Some(Slot::Duration(d)) => Cell::Duration(*d),
            Some(Slot::Error(e)) => Cell::Error(e),
        }
    }

    /// The cells, by column.
    pub fn cells(&self) -> impl Iterator<Item = (u32, Cell<'_>)> {
        (0..self.width()).map(|c| (c, self.cell(c)))
    }

    /// True when every cell is empty or whitespace.
    pub fn is_blank(&self) -> bool {
        self.cells().all(|(_, c)| c.is_blank())
    }

    fn slot_mut(&mut self, col: u32) -> &mut Slot {
        let col = col as usize;
        if col >= self.slots.len() {
            self.slots.resize(col + 1, Slot::Empty);
        }
        &mut self.slots[col]
    }

    pub fn set_text(&mut self, col: u32, text: &str) {
        if let Some((start, end)) = self.last_text
            && (end - start) as usize == text.len()
            && self.text.get(start as usize..end as usize) == Some(text)
        {
            *self.slot_mut(col) = Slot::Text(start, end);
            return;
        }
        let start = self.text.len() as u32;
        self.text.push_str(text);
        let end = self.text.len() as u32;
        self.last_text = Some((start, end));
        *self.slot_mut(col) = Slot::Text(start, end);
    }

    pub fn set(&mut self, col: u32, cell: Cell<'_>) {
        let slot = match cell {
            Cell::Empty => Slot::Empty,
            Cell::Text(t) => return self.set_text(col, t),
            Cell::Number(x) => Slot::Number(x),
            Cell::Bool(b) => Slot::Bool(b),
            Cell::DateTime(d) => Slot::DateTime(d),
            Cell::Time(t) => Slot::Time(t),
            Cell::Duration(d) => Slot::Duration(d),
            Cell::Error(e) => Slot::Error(e),
        };
        *self.slot_mut(col) = slot;
    }
}

/// Receives rows from a reader, always on the thread that called `input::read` (readers that
/// use a helper thread hand rows over themselves).
pub trait RowSink {
    /// Called before the first row.
    fn start(&mut self, info: SheetInfo) -> Result<(), Stopped>;
    /// Called for every row that has at least one cell, in sheet order. The sink may take the
    /// row's buffers (by swapping); the reader resets the row before filling it again.
    fn row(&mut self, row: &mut Row) -> Result<(), Stopped>;
    /// The sheet is read again from the start by another reader (relsync's own `.xlsx` reader
    /// met something it does not handle after rows had gone out): forget every row so far.
    /// `start` follows.
    fn restart(&mut self) -> Result<(), Stopped>;
}

/// A sink that takes every row and keeps nothing (for measuring and fuzzing the readers).
pub struct NullSink;

impl RowSink for NullSink {
    fn start(&mut self, _: SheetInfo) -> Result<(), Stopped> {
        Ok(())
    }
    fn row(&mut self, _: &mut Row) -> Result<(), Stopped> {
        Ok(())
    }
    fn restart(&mut self) -> Result<(), Stopped> {
        Ok(())
    }
}

/// The sink wants no more rows (the consumer stopped early).
#[derive(Debug)]
pub struct Stopped;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_dense_and_reusable() {
        let mut row = Row::default();
        row.reset(3);
        row.set_text(2, "x");
        row.set(0, Cell::Number(1.5));
        assert_eq!(row.width(), 3);
        assert_eq!(row.cell(1), Cell::Empty);
        assert_eq!(row.cell(2), Cell::Text("x"));
        assert_eq!(row.cell(9), Cell::Empty);
        assert!(!row.is_blank());
        row.reset(4);
        assert_eq!(row.width(), 0);
        row.set_text(0, "  ");
        assert!(row.is_blank());
    }

    #[test]
    fn a_text_repeated_across_a_row_is_kept_once() {
        let mut row = Row::default();
        row.reset(1);
        let long = "x".repeat(100_000);
        for col in 0..1000 {
            row.set_text(col, &long);
        }
        row.set_text(1000, "y");
        row.set_text(1001, &long);
        assert_eq!(row.cell(999), Cell::Text(&long));
        assert_eq!(row.cell(1000), Cell::Text("y"));
        assert_eq!(row.cell(1001), Cell::Text(&long));
        assert!(row.text.len() < 3 * long.len(), "{}", row.text.len());
    }
}
