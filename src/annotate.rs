//! `--annotate OUT.xlsx`: the checked sheet again, as an Excel workbook in which every problem
//! sits on its cell, for the person who fixes the export.
//!
//! - A first sheet, "Problems": what was checked, the count per code, and every problem as a row
//!   whose cell reference links to the cell.
//! - The sheet itself, read a second time and written as it was read (dates as dates, numbers as
//!   numbers) with every problem cell filled red (error) or amber (warning) and a note holding
//!   the code and message; problems of a whole row go on its first cell. The header row is
//!   bold, frozen and has an autofilter. A merged range shows its value in its first cell.
//!
//! Both sheets are written row by row in rust_xlsxwriter's constant-memory mode. Memory is
//! flat in the rows: per problem, 16 bytes for where it is (so the second read can fill the
//! cells as they pass), and notes for the first [`MAX_NOTES`] problem cells.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use anyhow::Context as _;
use rust_xlsxwriter::{Color, ExcelDateTime, Format, FormatBorder, Note, Url, Workbook, XlsxError};

use crate::cellref::{cell_name, column_letters, excel_sheet_name, quote_sheet};
use crate::input::{Cell, InputSpec, NumberDisplay, Row, RowSink, SheetInfo, Stopped};
use crate::output::StagedPath;
use crate::problem::{Code, Problems, Severity};
use crate::report::{Context, location};

/// Problem cells that get a note; beyond them cells are only filled (Excel slows down with
/// many more notes). Every problem is listed on the Problems sheet.
pub const MAX_NOTES: usize = 2_000;
/// Hyperlinks Excel allows on one sheet; further problems show their cell as text.
const MAX_LINKS: u64 = 65_530;
/// Excel's last row (1-based).
const EXCEL_ROWS: u32 = 1_048_576;
/// Excel's last column (0-based).
const EXCEL_LAST_COL: u32 = 16_383;
/// Longest text in a cell or note (Excel's limit is 32,767 UTF-16 units; notes keep room for
/// the author).
const MAX_CELL_UNITS: usize = 32_767;
const MAX_NOTE_UNITS: usize = 2_000;
/// Rows whose text decides the column widths.
const WIDTH_ROWS: u32 = 200;

const ERROR_FILL: u32 = 0xFFC7CE;
const ERROR_FONT: u32 = 0x9C0006;
const WARNING_FILL: u32 = 0xFFEB9C;
const WARNING_FONT: u32 = 0x9C5700;

fn xlsx(e: XlsxError) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

/// Where one problem is, for the second read: 1-based row, 0-based column.
#[derive(Clone, Copy, Debug)]
struct Mark {
    row: u32,
    col: u32,
    error: bool,
}

/// What the problems say about the sheet's cells.
#[derive(Default)]
struct Marks {
    /// Sorted by row, then column.
    marks: Vec<Mark>,
    /// Note text for the first [`MAX_NOTES`] cells.
    notes: HashMap<(u32, u32), String>,
    per_code: BTreeMap<Code, u64>,
    total: u64,
}

impl Marks {
    fn collect(problems: &mut Problems) -> anyhow::Result<Marks> {
        let mut marks = Marks::default();
        problems.for_each(|p| {
            marks.total += 1;
            *marks.per_code.entry(p.code).or_insert(0) += 1;
            // A problem of a whole row goes on its first cell; one of the whole sheet on none.
            let Some(row) = p.row else { return Ok(()) };
            let col = p.col.unwrap_or(0);
            marks.marks.push(Mark {
                row,
                col,
                error: p.severity() == Severity::Error,
            });
            let room = marks.notes.len() < MAX_NOTES;
            if let Some(text) = marks.notes.get_mut(&(row, col)) {
                text.push_str(&format!("\n\n{}: {}", p.code, p.message));
            } else if room {
                marks.notes.insert((row, col), format!("{}: {}", p.code, p.message));
            }
            Ok(())
        })?;
        marks.marks.sort_by_key(|m| (m.row, m.col));
        Ok(marks)
    }
}

/// What a cell's format is made of.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Look {
    /// 0 none, 1 warning, 2 error.
    fill: u8,
    kind: Kind,
    header: bool,
    /// Text with line breaks: wrapped, as Excel shows such a cell.
    wrap: bool,
    /// How the export shows the number or date, when it says.
    display: Option<NumberDisplay>,
}

/// Formats by what they are made of, made once each (a workbook has few distinct ones).
#[derive(Default)]
struct Formats {
    made: HashMap<Look, Format>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Kind {
    General,
    Date,
    DateTime,
    Time,
    Duration,
}

impl Formats {
    fn get(&mut self, look: Look) -> &Format {
        self.made.entry(look).or_insert_with_key(|look| {
            let mut f = Format::new();
            f = match (&look.display, look.kind) {
                (Some(NumberDisplay::Builtin(n)), _) => f.set_num_format_index(*n),
                (Some(NumberDisplay::Code(code)), _) => f.set_num_format(code),
                (None, Kind::General) => f,
                (None, Kind::Date) => f.set_num_format("yyyy-mm-dd"),
                (None, Kind::DateTime) => f.set_num_format("yyyy-mm-dd hh:mm:ss"),
                (None, Kind::Time) => f.set_num_format("hh:mm:ss"),
                (None, Kind::Duration) => f.set_num_format("[h]:mm:ss"),
            };
            if look.header {
                f = f.set_bold().set_border_bottom(FormatBorder::Thin);
            }
            if look.wrap {
                f = f.set_text_wrap().set_align(rust_xlsxwriter::FormatAlign::Top);
            }
            match look.fill {
                2 => f
                    .set_background_color(Color::RGB(ERROR_FILL))
                    .set_font_color(Color::RGB(ERROR_FONT)),
                1 => f
                    .set_background_color(Color::RGB(WARNING_FILL))
                    .set_font_color(Color::RGB(WARNING_FONT)),
                _ => f,
            }
        })
    }
}

/// Text cut to at most `units` UTF-16 units (Excel's measure).
fn cut(text: &str, units: usize) -> &str {
    let mut used = 0;
    for (i, c) in text.char_indices() {
        used += c.len_utf16();
        if used > units {
            return &text[..i];
        }
    }
    text
}

fn excel_datetime(d: chrono::NaiveDateTime) -> Option<ExcelDateTime> {
    use chrono::{Datelike, Timelike};
    let date = ExcelDateTime::from_ymd(u16::try_from(d.year()).ok()?, d.month() as u8, d.day() as u8).ok()?;
    date.and_hms(d.hour() as u16, d.minute() as u8, f64::from(d.second()))
        .ok()
}

/// The second read: writes each row of the sheet with its marks.
struct DataSheet<'m> {
    marks: &'m Marks,
    /// The next mark not yet written.
    next: usize,
    formats: Formats,
    header_row: u32,
    workbook: Workbook,
    /// Index of the data sheet in the workbook.
    sheet: usize,
    /// The names of the Problems sheet and the data sheet.
    names: (String, String),
    last_row: u32,
    last_col: u32,
    /// Longest text per column, over the header and the first data rows.
    widths: Vec<usize>,
    /// Rows beyond Excel's last row, not written.
    beyond: u64,
    failed: Option<anyhow::Error>,
    /// How the export shows numbers and dates, by cell style.
    displays: Option<std::sync::Arc<[Option<NumberDisplay>]>>,
    /// Delimited text: how the template reads each column, so that the copy holds numbers
    /// and dates where the template reads them (found at the header row).
    typed: Typing,
}

/// What a column of delimited text holds, as its template reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Typed {
    Number,
    Date,
}

/// How a delimited file's text cells become typed cells in the copy.
struct Typing {
    /// Whether the input is delimited text (a workbook's cells are typed already).
    delimited: bool,
    /// The template's columns by header (normalized), with what they hold.
    by_header: HashMap<String, Typed>,
    /// Per column of the sheet, found at the header row.
    columns: Vec<Option<Typed>>,
    decimal_comma: bool,
    dates: crate::value::DateFormats,
    /// How dates read from text are shown: the template's first date format, as Excel writes
    /// it, else ISO.
    date_display: Option<NumberDisplay>,
}

impl Typing {
    fn new(template: &crate::template::Template, delimited: bool) -> Typing {
        use crate::template::{FieldKind, PropertyType};
        let mut by_header = HashMap::new();
        for field in &template.fields {
            let typed = match &field.kind {
                FieldKind::Property(PropertyType::Number) => Typed::Number,
                FieldKind::Property(PropertyType::Date) => Typed::Date,
                _ => continue,
            };
            by_header.insert(crate::template::normalize_header(&field.column), typed);
        }
        let date_display = template
            .source
            .date_formats
            .first()
            .and_then(|f| excel_format(f))
            .map(NumberDisplay::Code);
        Typing {
            delimited,
            by_header,
            columns: Vec::new(),
            decimal_comma: template.source.decimal_comma,
            dates: crate::value::DateFormats::new(&template.source.date_formats),
            date_display,
        }
    }

    /// The header row: which columns hold numbers and dates.
    fn header(&mut self, row: &Row) {
        if !self.delimited {
            return;
        }
        self.columns = row
            .cells()
            .map(|(_, cell)| match cell {
                Cell::Text(h) => self.by_header.get(&crate::template::normalize_header(h)).copied(),
                _ => None,
            })
            .collect();
    }

    /// The typed cell for text in column `col` (with its display), when the template reads it
    /// as a number or a date; `None` keeps the text.
    fn typed(&self, col: u32, text: &str) -> Option<(Cell<'static>, Option<NumberDisplay>)> {
        match self.columns.get(col as usize).copied().flatten()? {
            Typed::Number => crate::value::parse_number(text, self.decimal_comma)
                .ok()
                .filter(|x| x.is_finite())
                .map(|x| (Cell::Number(x), None)),
            Typed::Date => {
                let d = self.dates.parse(text).ok()?;
                let iso = text.trim().len() >= 10 && text.trim().as_bytes().get(4) == Some(&b'-');
                let display = if iso { None } else { self.date_display.clone() };
                Some((Cell::DateTime(d.date.and_time(d.time.unwrap_or_default())), display))
            }
        }
    }
}

/// A chrono date format (`%d-%m-%Y %H:%M`) as Excel writes it (`dd-mm-yyyy hh:mm`); `None` for
/// one with codes Excel has no match for.
fn excel_format(chrono: &str) -> Option<String> {
    let mut out = String::new();
    let mut chars = chrono.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        out.push_str(match chars.next()? {
            'd' => "dd",
            'm' => "mm",
            'Y' => "yyyy",
            'y' => "yy",
            'H' => "hh",
            'M' => "mm",
            'S' => "ss",
            _ => return None,
        });
    }
    Some(out)
}

/// Characters a display format adds to a number (thousands separators, a currency, padding):
/// about what its code has beyond digits.
fn display_extra(display: Option<&NumberDisplay>) -> usize {
    match display {
        Some(NumberDisplay::Code(code)) => code.chars().filter(|c| !matches!(c, '0' | '#' | '.')).count().min(20) + 2,
        Some(NumberDisplay::Builtin(_)) => 4,
        None => 0,
    }
}

/// About how wide a date shows in its display format (`dddd d mmmm yyyy`: weekday and month in
/// words).
fn display_width(display: Option<&NumberDisplay>) -> usize {
    match display {
        Some(NumberDisplay::Code(code)) => {
            let words = code.matches("mmmm").count() * 8 + code.matches("dddd").count() * 8;
            (code.len() + words).min(50)
        }
        _ => 0,
    }
}

/// The widest column of the copy, in characters.
const MAX_WIDTH: usize = 60;
/// Points a line of text takes in the copy (Excel's default font).
const LINE_POINTS: f64 = 15.0;
/// Excel's tallest row, in points.
const MAX_ROW_POINTS: f64 = 409.0;

impl DataSheet<'_> {
    /// Writes the marks of rows before `row` that the reader never delivered (empty rows).
    fn flush_marks_before(&mut self, row: u32) -> anyhow::Result<()> {
        while let Some(m) = self.marks.marks.get(self.next).copied() {
            if m.row >= row {
                break;
            }
            let end = self.marks.marks[self.next..]
                .iter()
                .position(|x| x.row != m.row)
                .map_or(self.marks.marks.len(), |n| self.next + n);
            let empty = Row::default();
            self.write_row(m.row, &empty, self.next..end)?;
            self.next = end;
        }
        Ok(())
    }

    /// Writes one row: its cells, then blank cells where a mark has no value.
    fn write_row(&mut self, number: u32, row: &Row, marks: std::ops::Range<usize>) -> anyhow::Result<()> {
        if number == 0 || number > EXCEL_ROWS {
            return Ok(());
        }
        let r = number - 1;
        let header = number == self.header_row;
        if header {
            self.typed.header(row);
        }
        // Cells with line breaks are wrapped, and the row is as tall as the most lines (set
        // before the row's cells: the sheet is written row by row).
        let lines = row
            .cells()
            .filter_map(|(_, c)| match c {
                // A line longer than the widest column wraps again.
                Cell::Text(t) if t.contains('\n') => Some(
                    t.lines()
                        .map(|l| l.chars().count().div_ceil(MAX_WIDTH).max(1))
                        .sum::<usize>(),
                ),
                _ => None,
            })
            .max()
            .unwrap_or(1);
        if lines > 1 {
            let height = (lines as f64 * LINE_POINTS).min(MAX_ROW_POINTS);
            self.workbook
                .worksheet_from_index(self.sheet)
                .map_err(xlsx)?
                .set_row_height(r, height)
                .map_err(xlsx)?;
        }
        let mut fills: BTreeMap<u32, u8> = BTreeMap::new();
        for m in &self.marks.marks[marks] {
            let fill = if m.error { 2 } else { 1 };
            let entry = fills.entry(m.col).or_insert(0);
            *entry = (*entry).max(fill);
        }
        for (col, cell) in row.cells() {
            if col > EXCEL_LAST_COL {
                break;
            }
            let fill = fills.remove(&col).unwrap_or(0);
            // A merged range shows its value once, as in the workbook (relsync checked it in
            // every cell of the range, so a problem there is still marked).
            let cell = if row.is_merged(col) { Cell::Empty } else { cell };
            // A CSV's line breaks as relsync reads them (`\r\n` is one break; a kept `\r`
            // shows as `_x000D_` in Excel).
            let unix;
            let cell = match cell {
                Cell::Text(t) if self.typed.delimited && t.contains('\r') => {
                    unix = t.replace("\r\n", "\n").replace('\r', "\n");
                    Cell::Text(&unix)
                }
                cell => cell,
            };
            if matches!(cell, Cell::Empty) && fill == 0 && !header {
                continue;
            }
            // Delimited text becomes a number or date where the template reads one, unless
            // the cell has a problem (kept as the text found).
            let mut display = row
                .style(col)
                .and_then(|s| self.displays.as_ref()?.get(s as usize).cloned().flatten());
            // A warning (a time of day dropped) leaves the value as it is read; an error keeps
            // the text found.
            let typed = match cell {
                Cell::Text(t) if fill < 2 && !header && number > self.header_row => self.typed.typed(col, t),
                _ => None,
            };
            let cell = match typed {
                Some((typed, shown)) => {
                    display = shown;
                    typed
                }
                None => cell,
            };
            self.write_cell(r, col, cell, fill, header, display.clone())?;
            self.last_col = self.last_col.max(col);
            // Widths come from the header and the first data rows (texts), not from titles
            // above; numbers and dates from every row, so none shows as ####.
            let len = if number < self.header_row {
                None
            } else {
                match cell {
                    Cell::Text(t) if number <= self.header_row + WIDTH_ROWS => {
                        Some(t.lines().map(|l| l.chars().count()).max().unwrap_or(0))
                    }
                    Cell::Text(_) | Cell::Empty => None,
                    Cell::Number(x) => Some(crate::value::general(x).len() + 2 + display_extra(display.as_ref())),
                    Cell::DateTime(_) => Some(19.max(display_width(display.as_ref()))),
                    _ => Some(12),
                }
            };
            if let Some(len) = len {
                let c = col as usize;
                if c >= self.widths.len() {
                    self.widths.resize(c + 1, 0);
                }
                self.widths[c] = self.widths[c].max(len);
            }
        }
        // Marks beyond the row's last cell (a required value that is missing at the end).
        for (col, fill) in fills {
            if col <= EXCEL_LAST_COL {
                self.write_cell(r, col, Cell::Empty, fill, header, None)?;
                self.last_col = self.last_col.max(col);
            }
        }
        self.last_row = self.last_row.max(number);
        Ok(())
    }

    fn write_cell(
        &mut self,
        r: u32,
        col: u32,
        cell: Cell<'_>,
        fill: u8,
        header: bool,
        display: Option<NumberDisplay>,
    ) -> anyhow::Result<()> {
        let c = col as u16;
        let kind = match cell {
            Cell::DateTime(d) if d.time() == chrono::NaiveTime::MIN => Kind::Date,
            Cell::DateTime(_) => Kind::DateTime,
            Cell::Time(_) => Kind::Time,
            Cell::Duration(_) => Kind::Duration,
            _ => Kind::General,
        };
        let wrap = matches!(cell, Cell::Text(t) if t.contains('\n'));
        let look = Look {
            fill,
            kind,
            header,
            wrap,
            display,
        };
        let plain = fill == 0 && kind == Kind::General && !header && !wrap && look.display.is_none();
        // Disjoint borrows: the format stays in its cache while the sheet is written.
        let DataSheet {
            marks,
            formats,
            workbook,
            sheet,
            ..
        } = self;
        let ws = workbook.worksheet_from_index(*sheet).map_err(xlsx)?;
        // Most cells need no format; rust_xlsxwriter hashes every format it is given, so those
        // go without.
        if plain {
            match cell {
                Cell::Text(t) => ws.write_string(r, c, cut(t, MAX_CELL_UNITS)).map_err(xlsx)?,
                Cell::Number(x) if x.is_finite() => ws.write_number(r, c, x).map_err(xlsx)?,
                Cell::Bool(b) => ws.write_boolean(r, c, b).map_err(xlsx)?,
                Cell::Error(e) => ws.write_string(r, c, e).map_err(xlsx)?,
                _ => return Self::write_formatted(ws, formats.get(look), r, c, cell),
            };
            return Ok(());
        }
        Self::write_formatted(ws, formats.get(look), r, c, cell)?;
        // Only a marked cell can have a note.
        if let Some(text) = (fill > 0).then(|| marks.notes.get(&(r + 1, col))).flatten() {
            let note = Note::new(cut(text, MAX_NOTE_UNITS))
                .set_author("relsync")
                .set_width(360)
                .set_height(140);
            ws.insert_note(r, c, &note).map_err(xlsx)?;
        }
        Ok(())
    }

    fn write_formatted(
        ws: &mut rust_xlsxwriter::Worksheet,
        format: &Format,
        r: u32,
        c: u16,
        cell: Cell<'_>,
    ) -> anyhow::Result<()> {
        match cell {
            Cell::Empty => ws.write_blank(r, c, format).map_err(xlsx)?,
            Cell::Text(t) => ws
                .write_string_with_format(r, c, cut(t, MAX_CELL_UNITS), format)
                .map_err(xlsx)?,
            Cell::Number(x) if x.is_finite() => ws.write_number_with_format(r, c, x, format).map_err(xlsx)?,
            Cell::Number(x) => ws.write_string_with_format(r, c, x.to_string(), format).map_err(xlsx)?,
            Cell::Bool(b) => ws.write_boolean_with_format(r, c, b, format).map_err(xlsx)?,
            Cell::DateTime(d) => match excel_datetime(d) {
                Some(x) => ws.write_datetime_with_format(r, c, x, format).map_err(xlsx)?,
                None => ws.write_string_with_format(r, c, d.to_string(), format).map_err(xlsx)?,
            },
            Cell::Time(t) => {
                use chrono::Timelike;
                let x =
                    ExcelDateTime::from_hms(t.hour() as u16, t.minute() as u8, f64::from(t.second())).map_err(xlsx)?;
                ws.write_datetime_with_format(r, c, x, format).map_err(xlsx)?
            }
            Cell::Duration(days) => ws.write_number_with_format(r, c, days, format).map_err(xlsx)?,
            Cell::Error(e) => ws.write_string_with_format(r, c, e, format).map_err(xlsx)?,
        };
        Ok(())
    }

    fn keep(&mut self, result: anyhow::Result<()>) -> Result<(), Stopped> {
        match result {
            Ok(()) => Ok(()),
            Err(e) => {
                self.failed = Some(e);
                Err(Stopped)
            }
        }
    }
}

impl RowSink for DataSheet<'_> {
    fn start(&mut self, info: SheetInfo) -> Result<(), Stopped> {
        self.displays = info.displays;
        Ok(())
    }

    fn row(&mut self, row: &mut Row) -> Result<(), Stopped> {
        if row.number > EXCEL_ROWS {
            self.beyond += 1;
            return Ok(());
        }
        let result = self.flush_marks_before(row.number);
        self.keep(result)?;
        let start = self.next;
        let end = self.marks.marks[start..]
            .iter()
            .position(|m| m.row != row.number)
            .map_or(self.marks.marks.len(), |n| start + n);
        let result = self.write_row(row.number, row, start..end);
        self.next = end;
        self.keep(result)
    }

    fn restart(&mut self) -> Result<(), Stopped> {
        // Rows already written cannot be taken back in constant-memory mode: start a new
        // workbook.
        let result = new_workbook(self.names.clone()).map(|(workbook, _)| {
            self.workbook = workbook;
            self.next = 0;
            self.last_row = 0;
            self.last_col = 0;
            self.widths.clear();
            self.beyond = 0;
            self.typed.columns.clear();
        });
        self.keep(result)
    }
}

/// A workbook with the Problems sheet first and the data sheet second, both in constant-memory
/// mode.
fn new_workbook((list, data): (String, String)) -> anyhow::Result<(Workbook, usize)> {
    let mut workbook = Workbook::new();
    workbook
        .add_worksheet_with_constant_memory()
        .and_then(|w| w.set_name(&list))
        .map_err(xlsx)?;
    workbook
        .add_worksheet_with_constant_memory()
        .and_then(|w| w.set_name(&data))
        .map_err(xlsx)?;
    Ok((workbook, 1))
}

/// Writes the annotated copy of the sheet `spec` (read again) to `path`, whole or not at all.
pub fn write(
    path: &Path,
    spec: &InputSpec,
    template: &crate::template::Template,
    ctx: &Context<'_>,
    problems: &mut Problems,
) -> anyhow::Result<()> {
    // rust_xlsxwriter panics when a write to its temporary files fails (a full disk).
    let what = || format!("writing the annotated workbook {}", path.display());
    match crate::panics::quietly(|| write_copy(path, spec, template, ctx, problems)) {
        Ok(written) => written.with_context(what),
        Err(why) => Err(anyhow::anyhow!(
            "{}: {}",
            what(),
            crate::panics::xlsx_write_failure(&why)
        )),
    }
}

fn write_copy(
    path: &Path,
    spec: &InputSpec,
    template: &crate::template::Template,
    ctx: &Context<'_>,
    problems: &mut Problems,
) -> anyhow::Result<()> {
    let header_row = template.source.header_row;
    let marks = Marks::collect(problems)?;
    let data_name = excel_sheet_name(
        ctx.sheet
            .unwrap_or_else(|| spec.path.file_stem().and_then(|s| s.to_str()).unwrap_or("Sheet1")),
    );
    let list_name = if data_name.eq_ignore_ascii_case("Problems") {
        "Problems (relsync)".to_owned()
    } else {
        "Problems".to_owned()
    };
    let (workbook, sheet) = new_workbook((list_name.clone(), data_name.clone()))?;
    let mut data = DataSheet {
        marks: &marks,
        next: 0,
        formats: Formats::default(),
        header_row,
        workbook,
        sheet,
        names: (list_name.clone(), data_name.clone()),
        last_row: 0,
        last_col: 0,
        widths: Vec::new(),
        beyond: 0,
        failed: None,
        displays: None,
        typed: Typing::new(template, ctx.sheet.is_none()),
    };
    let read = crate::input::read(spec, &mut data);
    if let Some(e) = data.failed.take() {
        return Err(e);
    }
    read.with_context(|| format!("reading {} again for the annotated copy", spec.path.display()))?;
    data.flush_marks_before(u32::MAX)?;

    let (last_row, last_col, beyond) = (data.last_row, data.last_col, data.beyond);
    let widths = std::mem::take(&mut data.widths);
    let mut workbook = data.workbook;
    // A working copy: saving fast matters more than the last bytes of size.
    workbook.set_zip_compression_level(1);
    {
        let ws = workbook.worksheet_from_index(sheet).map_err(xlsx)?;
        // Printed, each sheet is one A4 page wide.
        ws.set_landscape().set_print_fit_to_pages(1, 0).set_paper_size(9);
        for (col, len) in widths.into_iter().enumerate() {
            ws.set_column_width(col as u16, (len + 2).clamp(8, MAX_WIDTH) as f64)
                .map_err(xlsx)?;
        }
        if (1..=EXCEL_ROWS).contains(&header_row) {
            ws.set_freeze_panes(header_row, 0).map_err(xlsx)?;
            // Printed, the header row is on every page.
            ws.set_repeat_rows(header_row - 1, header_row - 1).map_err(xlsx)?;
            if last_row > header_row {
                ws.autofilter(header_row - 1, 0, last_row - 1, last_col as u16)
                    .map_err(xlsx)?;
            }
        }
    }
    write_list(&mut workbook, &data_name, ctx, problems, &marks, beyond)?;
    workbook.worksheet_from_index(0).map_err(xlsx)?.set_active(true);

    let staged = StagedPath::new(path)?;
    let mut file = crate::output::FailOnce::create(staged.path())?;
    workbook.save_to_writer(&mut file).map_err(xlsx)?;
    drop(file);
    staged.commit()?;
    Ok(())
}

/// The Problems sheet: what was checked, counts per code, then every problem with a link.
fn write_list(
    workbook: &mut Workbook,
    data_name: &str,
    ctx: &Context<'_>,
    problems: &mut Problems,
    marks: &Marks,
    beyond: u64,
) -> anyhow::Result<()> {
    let title = Format::new().set_bold().set_font_size(14);
    let bold = Format::new().set_bold();
    let head = Format::new()
        .set_bold()
        .set_border_bottom(FormatBorder::Thin)
        .set_background_color(Color::RGB(0xF2F2F2));
    let error = Format::new()
        .set_background_color(Color::RGB(ERROR_FILL))
        .set_font_color(Color::RGB(ERROR_FONT));
    let warning = Format::new()
        .set_background_color(Color::RGB(WARNING_FILL))
        .set_font_color(Color::RGB(WARNING_FONT));
    let sev_format = |s: Severity| if s == Severity::Error { &error } else { &warning };
    let ws = workbook.worksheet_from_index(0).map_err(xlsx)?;
    ws.set_landscape().set_print_fit_to_pages(1, 0);
    // Printed one page wide: the long texts (the value, the message) wrap in their columns
    // instead of making the page wider.
    let wrapped = Format::new()
        .set_text_wrap()
        .set_align(rust_xlsxwriter::FormatAlign::Top);
    for (col, width) in [(0u16, 24.0), (1, 9.0), (2, 24.0), (3, 20.0), (4, 28.0), (5, 80.0)] {
        ws.set_column_width(col, width).map_err(xlsx)?;
    }
    ws.set_paper_size(9);
    ws.write_string_with_format(0, 0, "relsync check", &title)
        .map_err(xlsx)?;
    let (errors, warnings) = (problems.errors(), problems.warnings());
    let facts: Vec<(&str, String)> = vec![
        ("Input", ctx.input.display().to_string()),
        ("Sheet", ctx.sheet_label().to_owned()),
        ("Template", ctx.template_label()),
        ("Rows read", ctx.stats.rows.to_string()),
        ("Elements", ctx.stats.elements.to_string()),
        ("Errors", errors.to_string()),
        ("Warnings", warnings.to_string()),
    ];
    let mut r = 1u32;
    for (k, v) in facts {
        ws.write_string_with_format(r, 0, k, &bold).map_err(xlsx)?;
        match v.parse::<f64>() {
            Ok(n) => ws.write_number(r, 1, n).map_err(xlsx)?,
            Err(_) => ws.write_string(r, 1, v).map_err(xlsx)?,
        };
        r += 1;
    }
    if beyond > 0 {
        ws.write_string(
            r,
            0,
            format!("{beyond} rows beyond Excel's last row (1,048,576) are not in the sheet copy; their problems are listed below"),
        )
        .map_err(xlsx)?;
        r += 1;
    }
    if marks.notes.len() >= MAX_NOTES {
        ws.write_string(
            r,
            0,
            format!("The first {MAX_NOTES} problem cells have a note; further ones are filled only. Every problem is listed below."),
        )
        .map_err(xlsx)?;
        r += 1;
    }
    r += 1;
    ws.write_string_with_format(r, 0, "Problems per code", &bold)
        .map_err(xlsx)?;
    r += 1;
    if marks.per_code.is_empty() {
        ws.write_string(r, 0, "No problems: every cell can be sent.")
            .map_err(xlsx)?;
        r += 1;
    } else {
        for (c, text) in ["Code", "Severity", "Problems"].iter().enumerate() {
            ws.write_string_with_format(r, c as u16, *text, &head).map_err(xlsx)?;
        }
        r += 1;
        for (code, n) in &marks.per_code {
            ws.write_string(r, 0, code.as_str()).map_err(xlsx)?;
            ws.write_string_with_format(r, 1, code.severity().as_str(), sev_format(code.severity()))
                .map_err(xlsx)?;
            ws.write_number(r, 2, *n as f64).map_err(xlsx)?;
            r += 1;
        }
    }
    r += 1;
    let list_head = r;
    for (c, text) in [
        "Cell",
        "Severity",
        "Code",
        "Column",
        "Value found",
        "What is wrong and how to fix it",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string_with_format(r, c as u16, *text, &head).map_err(xlsx)?;
    }
    let data_sheet = quote_sheet(data_name);
    let mut links = 0u64;
    let mut not_listed = 0u64;
    problems.for_each(|p| {
        if r + 1 >= EXCEL_ROWS {
            not_listed += 1;
            return Ok(());
        }
        r += 1;
        // A hyperlink's text is an attribute, which rust_xlsxwriter does not escape: characters
        // XML forbids (from a sheet name) would make the workbook unreadable.
        let place: String = location(p, ctx)
            .chars()
            .map(|c| match c {
                '\t' | '\n' | '\r' => c,
                c if c.is_control() || matches!(c, '\u{FFFE}' | '\u{FFFF}') => char::REPLACEMENT_CHARACTER,
                c => c,
            })
            .collect();
        // The wrapped texts' lines: rows as tall as they need (LibreOffice does not grow a row
        // for wrapped text by itself).
        let lines = |text: &str, width: usize| {
            text.lines()
                .map(|l| l.chars().count().div_ceil(width).max(1))
                .sum::<usize>()
        };
        let tall = lines(&p.message, 78).max(lines(p.value.as_deref().unwrap_or(""), 26));
        let result = (|| -> Result<(), XlsxError> {
            if tall > 1 {
                ws.set_row_height(r, (tall as f64 * LINE_POINTS).min(MAX_ROW_POINTS))?;
            }
            match p.row {
                Some(row) if links < MAX_LINKS && row <= EXCEL_ROWS => {
                    links += 1;
                    let target = format!("internal:{data_sheet}!{}", cell_name(row, p.col.unwrap_or(0)));
                    ws.write_url(r, 0, Url::new(target).set_text(&place))?;
                }
                _ => {
                    ws.write_string(r, 0, &place)?;
                }
            }
            ws.write_string_with_format(r, 1, p.severity().as_str(), sev_format(p.severity()))?;
            ws.write_string(r, 2, p.code.as_str())?;
            let column = match (p.col, p.column.as_deref()) {
                (Some(c), Some(h)) => format!("{} {h}", column_letters(c)),
                (Some(c), None) => column_letters(c),
                (None, _) => String::new(),
            };
            ws.write_string(r, 3, cut(&column, MAX_CELL_UNITS))?;
            ws.write_string_with_format(r, 4, cut(p.value.as_deref().unwrap_or(""), MAX_CELL_UNITS), &wrapped)?;
            ws.write_string_with_format(r, 5, cut(&p.message, MAX_CELL_UNITS), &wrapped)?;
            Ok(())
        })();
        result.map_err(|e| std::io::Error::other(e.to_string()))
    })?;
    if r > list_head {
        ws.autofilter(list_head, 0, r, 5).map_err(xlsx)?;
    }
    if not_listed > 0 {
        ws.write_string(
            r + 1,
            0,
            format!("... and {not_listed} more problems than an Excel sheet holds; the JSON report (--report-file) lists every problem"),
        )
        .map_err(xlsx)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_cut_as_excel_counts() {
        assert_eq!(cut("abc", 2), "ab");
        assert_eq!(cut("a😀b", 2), "a", "an astral character is two units");
        assert_eq!(cut("a😀b", 3), "a😀");
        assert_eq!(cut("", 5), "");
    }
}
