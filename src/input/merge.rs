//! Assembling workbook cells into rows, with merged ranges filled in.
//!
//! Excel shows the value of a merged range in every cell of the range, but stores it only in the
//! top-left cell. [`Assembler`] collects the cells of one row, gives every cell of a merged range
//! the top-left value, and hands complete rows to the sink. Rows inside a vertical merge that
//! the file leaves out entirely are produced too, so what is sent is what the engineer sees.
//!
//! [`scan_merges`] finds a sheet's merged ranges by a raw scan of its XML: `<mergeCells>` sits
//! after the cell data, so it cannot come from the cell stream in time, and a raw scan is
//! several times faster than parsing the whole sheet again.

use std::io::Read;

use std::path::{Path, PathBuf};

use super::error::{InputError, WorkbookError};
use super::ooxml::{Token, Tokenizer, attribute};
use super::row::{Cell, Row, RowSink};
use super::spec::Limits;
use crate::cellref::{Range as Region, cell_name, parse_range, sheet_cell};

/// Cells that merged ranges may fill in one sheet: a damaged file could claim a range over the
/// whole grid.
const MAX_MERGED_CELLS: u64 = 1 << 27;

/// The top-left value of an active region, owned so it outlives its row.
#[derive(Clone, Debug)]
enum Anchor {
    Text(String),
    Other(Cell<'static>),
}

struct Active {
    region: Region,
    anchor: Option<Anchor>,
}

/// Fills merged ranges row by row. Regions are visited in row order, so only the regions that
/// span the current row are held.
struct MergeFill {
    pending: Vec<Region>,
    next: usize,
    active: Vec<Active>,
}

impl MergeFill {
    fn new(mut regions: Vec<Region>) -> MergeFill {
        // Single cells are not merges; drop them.
        regions.retain(|r| r.first_row != r.last_row || r.first_col != r.last_col);
        regions.sort_by_key(|r| (r.first_row, r.first_col));
        MergeFill {
            pending: regions,
            next: 0,
            active: Vec::new(),
        }
    }

    /// Brings the active set to row `r` (0-based).
    fn advance(&mut self, r: u32) {
        self.active.retain(|a| a.region.last_row >= r);
        while let Some(region) = self.pending.get(self.next) {
            if region.first_row > r {
                break;
            }
            if region.last_row >= r {
                self.active.push(Active {
                    region: *region,
                    anchor: None,
                });
            }
            self.next += 1;
        }
    }

    /// The first row after `after` and before `before` that an active region with a value
    /// covers; such rows must be produced even though the file has no cells in them.
    fn covered_row_between(&self, after: u32, before: u32) -> Option<u32> {
        let r = after + 1;
        if r >= before {
            return None;
        }
        self.active
            .iter()
            .any(|a| a.anchor.is_some() && a.region.last_row >= r)
            .then_some(r)
    }

    /// Gives every cell of the active regions in `row` (0-based `r`) the top-left value.
    fn apply(&mut self, r: u32, row: &mut Row) {
        self.advance(r);
        for a in &mut self.active {
            let region = a.region;
            if r == region.first_row {
                a.anchor = match row.cell(region.first_col) {
                    Cell::Empty => None,
                    Cell::Text(t) => Some(Anchor::Text(t.to_owned())),
                    Cell::Number(x) => Some(Anchor::Other(Cell::Number(x))),
                    Cell::Bool(b) => Some(Anchor::Other(Cell::Bool(b))),
                    Cell::DateTime(d) => Some(Anchor::Other(Cell::DateTime(d))),
                    Cell::Time(t) => Some(Anchor::Other(Cell::Time(t))),
                    Cell::Duration(d) => Some(Anchor::Other(Cell::Duration(d))),
                    Cell::Error(e) => Some(Anchor::Other(Cell::Error(e))),
                };
            }
            let Some(anchor) = &a.anchor else { continue };
            for col in region.first_col..=region.last_col {
                if r == region.first_row && col == region.first_col {
                    continue;
                }
                match anchor {
                    Anchor::Text(t) => row.set_text(col, t),
                    Anchor::Other(c) => row.set(col, *c),
                }
                row.mark_merged(col);
            }
        }
    }

    fn last_covered_row(&self) -> Option<u32> {
        self.active
            .iter()
            .filter(|a| a.anchor.is_some())
            .map(|a| a.region.last_row)
            .max()
    }
}

/// The row numbers a sheet has begun, as runs of consecutive rows: the current run, and the
/// earlier ones by first row. Rows in order cost nothing; memory grows with the runs a sheet
/// has (its gaps, or its rows when they come in reverse), never with how large a row number
/// a file claims.
#[derive(Default)]
pub struct RowsSeen {
    run: Option<(u32, u32)>,
    earlier: std::collections::BTreeMap<u32, u32>,
}

impl RowsSeen {
    /// Notes that row `r` begins; true if it began before.
    pub fn again(&mut self, r: u32) -> bool {
        if self.run.is_some_and(|(first, last)| (first..=last).contains(&r)) {
            return true;
        }
        // Runs do not overlap: the one starting last at or before `r` is the only one that
        // can hold it (with rows in order, there is none to look at).
        if !self.earlier.is_empty() && self.earlier.range(..=r).next_back().is_some_and(|(_, &last)| r <= last) {
            return true;
        }
        match self.run {
            Some((first, last)) if last.checked_add(1) == Some(r) => self.run = Some((first, r)),
            _ => {
                if let Some((first, last)) = self.run.replace((r, r)) {
                    self.earlier.insert(first, last);
                }
            }
        }
        false
    }
}

/// Collects cells (in sheet order) into rows and pushes them into a sink, within the limits.
pub struct Assembler<'s, S: RowSink> {
    sink: &'s mut S,
    fill: Option<MergeFill>,
    row: Row,
    current: Option<u32>,
    /// A row that comes back is a damaged sheet, not a second row with the same number.
    rows_seen: RowsSeen,
    last_emitted: Option<u32>,
    /// Whether any row has reached the sink.
    emitted: bool,
    limits: Limits,
    path: PathBuf,
    sheet: String,
}

impl<'s, S: RowSink> Assembler<'s, S> {
    /// An assembler for the sheet of `path`; merged ranges beyond the limits are refused.
    pub fn new(
        sink: &'s mut S,
        merges: Vec<Region>,
        limits: Limits,
        (path, sheet): (&Path, &str),
    ) -> Result<Assembler<'s, S>, InputError> {
        let area: u64 = merges
            .iter()
            .map(|r| u64::from(r.last_row - r.first_row + 1) * u64::from(r.last_col - r.first_col + 1))
            .sum();
        if area > MAX_MERGED_CELLS {
            return Err(InputError::Limit {
                path: path.to_owned(),
                what: format!(
                    "its merged ranges cover {area} cells, more than relsync fills in ({MAX_MERGED_CELLS}); the file \
                     is probably damaged"
                ),
            });
        }
        let fill = (!merges.is_empty()).then(|| MergeFill::new(merges));
        Ok(Assembler {
            sink,
            fill,
            row: Row::default(),
            current: None,
            rows_seen: RowsSeen::default(),
            last_emitted: None,
            emitted: false,
            limits,
            path: path.to_owned(),
            sheet: sheet.to_owned(),
        })
    }

    fn limit(&self, what: String) -> InputError {
        InputError::Limit {
            path: self.path.clone(),
            what,
        }
    }

    /// True once a row has been handed to the sink.
    pub fn emitted(&self) -> bool {
        self.emitted
    }

    /// Adds a cell at 0-based `(r, c)`.
    pub fn cell(&mut self, r: u32, c: u32, cell: Cell<'_>) -> Result<(), InputError> {
        if c >= self.limits.columns {
            return Err(self.limit(format!(
                "cell {} is beyond the {} columns relsync reads in a row ([limits] max_columns); raise it in the \
                 template if the sheet is real",
                cell_name(r.saturating_add(1), c),
                self.limits.columns
            )));
        }
        if r >= self.limits.rows {
            return Err(self.limit(format!(
                "the sheet has more than {} rows ([limits] max_rows); raise it in the template if the sheet is real",
                self.limits.rows
            )));
        }
        if self.current != Some(r) {
            if self.rows_seen.again(r) {
                return Err(self.damaged(format!(
                    "row {} of sheet '{}' is in the file twice, so relsync cannot tell which cells are meant",
                    r + 1,
                    self.sheet
                )));
            }
            self.flush()?;
            self.current = Some(r);
            self.row.reset(r + 1);
        }
        if !matches!(cell, Cell::Empty) {
            if !matches!(self.row.cell(c), Cell::Empty) {
                return Err(self.damaged(format!(
                    "cell {} is in the sheet twice, so relsync cannot tell which value is meant",
                    sheet_cell(Some(&self.sheet), r + 1, c)
                )));
            }
            self.row.set(c, cell);
        }
        Ok(())
    }

    /// The display style of the number or date cell just added in column `c` of the current row.
    pub fn style(&mut self, c: u32, style: u32) {
        self.row.set_style(c, style);
    }

    fn damaged(&self, why: String) -> InputError {
        InputError::Workbook {
            path: self.path.clone(),
            cause: WorkbookError::Damaged(format!(
                "{why}; Excel repairs such a file when it opens it: open it in Excel, save it and run again"
            )),
        }
    }

    /// Emits rows that exist only through a vertical merge, up to (not including) `before`.
    fn emit_covered_rows(&mut self, before: u32) -> Result<(), InputError> {
        let Some(fill) = &mut self.fill else { return Ok(()) };
        let mut after = match self.last_emitted {
            Some(r) => r,
            None => return Ok(()),
        };
        let mut extra = Row::default();
        while let Some(r) = fill.covered_row_between(after, before) {
            extra.reset(r + 1);
            extra.progress = u64::from(r) + 1;
            fill.apply(r, &mut extra);
            if extra.width() > 0 {
                self.emitted = true;
                self.sink.row(&mut extra)?;
            }
            after = r;
        }
        self.last_emitted = Some(after);
        Ok(())
    }

    fn flush(&mut self) -> Result<(), InputError> {
        let Some(r) = self.current.take() else { return Ok(()) };
        self.emit_covered_rows(r)?;
        if let Some(fill) = &mut self.fill {
            fill.apply(r, &mut self.row);
        }
        self.row.progress = u64::from(r) + 1;
        if self.row.width() > 0 {
            self.emitted = true;
            self.sink.row(&mut self.row)?;
        }
        self.last_emitted = Some(r);
        Ok(())
    }

    /// Emits the last row and any rows a vertical merge extends below it.
    pub fn finish(mut self) -> Result<(), InputError> {
        self.flush()?;
        if let Some(last) = self.fill.as_ref().and_then(MergeFill::last_covered_row) {
            self.emit_covered_rows(last + 1)?;
        }
        Ok(())
    }
}

/// Merged ranges of a sheet, from its XML part: everything up to `<mergeCells>` is only
/// searched, the rest parsed. `None` when the part cannot be read or the ranges cannot be
/// parsed (the caller then asks calamine, or gives up).
pub fn scan_merges(mut part: impl Read) -> Option<Vec<Region>> {
    let finder = memchr::memmem::Finder::new(b"mergeCells");
    let mut buf = vec![0u8; 256 * 1024];
    let mut carry: Vec<u8> = Vec::new();
    let mut tail: Option<Vec<u8>> = None;
    loop {
        let n = part.read(&mut buf).ok()?;
        if n == 0 {
            break;
        }
        if let Some(t) = &mut tail {
            t.extend_from_slice(&buf[..n]);
            continue;
        }
        // `carry` holds the end of the previous chunk, for a tag split across chunks.
        carry.extend_from_slice(&buf[..n]);
        match find_tag(&finder, &carry) {
            Some(at) => tail = Some(carry[at..].to_vec()),
            None => {
                let cut = carry.len().saturating_sub(64);
                carry.drain(..cut);
            }
        }
    }
    match tail {
        Some(t) => parse_merge_cells(&t),
        None => Some(Vec::new()),
    }
}

/// Start of a `<mergeCells` or `<x:mergeCells` tag (text cannot hold a raw `<`).
fn find_tag(finder: &memchr::memmem::Finder<'_>, hay: &[u8]) -> Option<usize> {
    for at in finder.find_iter(hay) {
        let mut i = at;
        if i > 0 && hay[i - 1] == b':' {
            i -= 1;
            while i > 0 && (hay[i - 1].is_ascii_alphanumeric() || hay[i - 1] == b'_') {
                i -= 1;
            }
        }
        if i > 0 && hay[i - 1] == b'<' {
            return Some(i - 1);
        }
    }
    None
}

/// The `ref` of every `mergeCell` in the XML from `<mergeCells ...>` on.
fn parse_merge_cells(xml: &[u8]) -> Option<Vec<Region>> {
    let mut t = Tokenizer::new(xml);
    let mut regions = Vec::new();
    loop {
        match t.next_token().ok()? {
            Some(Token::Start {
                name: b"mergeCell",
                attrs,
                ..
            }) => {
                if let Some(region) = attribute(attrs, b"ref").and_then(parse_range) {
                    regions.push(region);
                }
            }
            Some(Token::End { name: b"mergeCells" }) | None => return Some(regions),
            Some(Token::Start {
                name: b"mergeCells",
                empty: true,
                ..
            }) => return Some(regions),
            Some(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::row::{SheetInfo, Stopped};
    use super::*;

    fn assembler<S: RowSink>(sink: &mut S, merges: Vec<Region>) -> Assembler<'_, S> {
        Assembler::new(sink, merges, Limits::default(), (Path::new("t.xlsx"), "S")).unwrap()
    }

    #[derive(Default)]
    struct Collect(Vec<(u32, Vec<String>)>);

    impl RowSink for Collect {
        fn start(&mut self, _: SheetInfo) -> Result<(), Stopped> {
            Ok(())
        }
        fn restart(&mut self) -> Result<(), Stopped> {
            self.0.clear();
            Ok(())
        }
        fn row(&mut self, row: &mut Row) -> Result<(), Stopped> {
            let cells = row
                .cells()
                .map(|(_, c)| match c {
                    Cell::Text(t) => t.to_owned(),
                    Cell::Empty => String::new(),
                    other => format!("{other:?}"),
                })
                .collect();
            self.0.push((row.number, cells));
            Ok(())
        }
    }

    fn region(first_row: u32, first_col: u32, last_row: u32, last_col: u32) -> Region {
        Region {
            first_row,
            first_col,
            last_row,
            last_col,
        }
    }

    #[test]
    fn rows_without_merges_pass_through() {
        let mut sink = Collect::default();
        let mut a = assembler(&mut sink, Vec::new());
        a.cell(0, 0, Cell::Text("ID")).unwrap();
        a.cell(0, 1, Cell::Text("Name")).unwrap();
        a.cell(3, 1, Cell::Text("x")).unwrap();
        a.cell(4, 0, Cell::Empty).unwrap();
        a.finish().unwrap();
        assert_eq!(
            sink.0,
            vec![(1, vec!["ID".into(), "Name".into()]), (4, vec!["".into(), "x".into()])]
        );
    }

    #[test]
    fn merged_ranges_fill_every_cell_including_missing_rows() {
        let mut sink = Collect::default();
        // B2:C2 horizontal, A3:A5 vertical (rows 4 and 5 absent from the file).
        let mut a = assembler(&mut sink, vec![region(1, 1, 1, 2), region(2, 0, 4, 0)]);
        a.cell(0, 0, Cell::Text("h")).unwrap();
        a.cell(1, 1, Cell::Text("wide")).unwrap();
        a.cell(2, 0, Cell::Text("tall")).unwrap();
        a.cell(2, 1, Cell::Text("b3")).unwrap();
        a.finish().unwrap();
        let expected = vec![
            (1, vec!["h".to_owned()]),
            (2, vec!["".into(), "wide".into(), "wide".into()]),
            (3, vec!["tall".into(), "b3".into()]),
            (4, vec!["tall".into()]),
            (5, vec!["tall".into()]),
        ];
        assert_eq!(sink.0, expected);
    }

    #[test]
    fn a_vertical_merge_continues_into_present_rows() {
        let mut sink = Collect::default();
        let mut a = assembler(&mut sink, vec![region(1, 0, 3, 0)]);
        a.cell(1, 0, Cell::Number(7.0)).unwrap();
        a.cell(2, 1, Cell::Text("x")).unwrap();
        a.cell(6, 1, Cell::Text("y")).unwrap();
        a.finish().unwrap();
        let numbers: Vec<u32> = sink.0.iter().map(|(n, _)| *n).collect();
        assert_eq!(numbers, [2, 3, 4, 7]);
        assert_eq!(sink.0[1].1, vec!["Number(7.0)".to_owned(), "x".into()]);
    }

    #[test]
    fn limits_stop_wide_rows_long_sheets_and_huge_merges() {
        let mut sink = Collect::default();
        let limits = Limits {
            columns: 3,
            rows: 5,
            ..Limits::default()
        };
        let mut a = Assembler::new(&mut sink, Vec::new(), limits, (Path::new("t.xlsx"), "S")).unwrap();
        a.cell(0, 2, Cell::Text("ok")).unwrap();
        let wide = a.cell(1, 3, Cell::Text("x")).unwrap_err().to_string();
        assert!(wide.contains("cell D2 is beyond the 3 columns"), "{wide}");
        let long = a.cell(5, 0, Cell::Text("x")).unwrap_err().to_string();
        assert!(long.contains("more than 5 rows"), "{long}");
        let everything = region(0, 0, 1_048_575, 16_383);
        let huge = Assembler::new(
            &mut sink,
            vec![everything],
            Limits::default(),
            (Path::new("t.xlsx"), "S"),
        );
        assert!(huge.is_err_and(|e| e.to_string().contains("merged ranges cover")));
    }

    #[test]
    fn merge_tags_are_found_but_not_in_text() {
        let finder = memchr::memmem::Finder::new(b"mergeCells");
        assert_eq!(
            find_tag(&finder, b"<t>mergeCells</t><mergeCells count=\"1\">"),
            Some(17)
        );
        assert_eq!(find_tag(&finder, b"</sheetData><x:mergeCells>"), Some(12));
        assert_eq!(find_tag(&finder, b"<t>mergeCells</t>"), None);
        let regions = scan_merges(
            &b"<sheetData/><mergeCells count=\"2\"><mergeCell ref=\"A1:G1\"/><mergeCell ref=\"B3:B5\"/></mergeCells><pageMargins/></worksheet>"[..],
        )
        .unwrap();
        assert_eq!(regions.len(), 2);
        assert_eq!(regions[1].last_row, 4);
        assert_eq!(scan_merges(&b"<sheetData/></worksheet>"[..]), Some(Vec::new()));
    }

    #[test]
    fn rows_seen_in_any_order_and_at_any_number() {
        let mut seen = RowsSeen::default();
        for r in [0, 1, 2, 10, 11, 5, 3, u32::MAX, 4] {
            assert!(!seen.again(r), "{r}");
        }
        for r in [0, 2, 11, 5, 3, 4, u32::MAX, 10] {
            assert!(seen.again(r), "{r}");
        }
        assert!(!seen.again(6));
        // A row number near the end of the range holds no memory for the rows before it.
        assert!(seen.earlier.len() < 10);
    }
}
