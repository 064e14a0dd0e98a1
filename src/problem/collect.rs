//! Where the problems of a run are collected, counted and folded.
//!
//! Memory stays flat however many problems there are. The text report shows every problem when
//! there are at most [`SHOW_ALL_UP_TO`], else the first [`FOLD_AFTER`] of each code and column
//! with a count of the rest; so only those are kept, plus the first hundred beyond them in case
//! the run stays small. When a full list is wanted (JSON report, HTML report, annotated
//! workbook), data-row problems are spooled to a temporary file as they arrive ([`Spool`]).

use std::collections::HashMap;
use std::io::{self, Write};

use super::code::{Code, Severity};
use super::item::Problem;
use super::spool::{JsonProblem, Spool};

/// How many problems of one code in one column the text report shows before folding the rest.
pub const FOLD_AFTER: usize = 10;
/// Reports with at most this many problems are shown whole, without folding.
pub const SHOW_ALL_UP_TO: u64 = 100;

/// A code and a column: problems are folded per key.
pub type FoldKey = (Code, Option<u32>);

/// Problems of one code in one column beyond those the text report shows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fold {
    pub count: u64,
    pub first_row: Option<u32>,
    pub last_row: Option<u32>,
}

impl Fold {
    fn add(&mut self, row: Option<u32>) {
        self.count += 1;
        self.first_row = match (self.first_row, row) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.last_row = match (self.last_row, row) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
    }
}

/// The problems of one run.
///
/// Problems of data rows arrive in row order (the mapper sorts each row's problems by column);
/// problems of the header row and of the whole sheet are few and kept so reports can put them
/// first.
#[derive(Default)]
pub struct Problems {
    errors: u64,
    warnings: u64,
    /// The first [`FOLD_AFTER`] data-row problems of each code and column.
    shown: Vec<Problem>,
    per_key: HashMap<FoldKey, usize>,
    /// Data-row problems beyond those, kept only while the run is small enough to show whole.
    extra: Vec<Problem>,
    /// Counts of the data-row problems beyond [`FOLD_AFTER`] per code and column.
    folds: HashMap<FoldKey, Fold>,
    /// Problems of the header row or the whole sheet (few; never folded).
    sheet_level: Vec<Problem>,
    spool: Option<Spool>,
    /// Data-row problems found after the rows were read (a target settled at the end of a
    /// project's check), kept apart and merged into row order when reports are written.
    late: Vec<Problem>,
    /// Rows at or above this one are the header; their problems are "sheet level".
    header_row: u32,
}

impl Problems {
    /// A collector; `spool_all` keeps every problem (for the full reports).
    pub fn new(spool_all: bool) -> io::Result<Problems> {
        let spool = if spool_all { Some(Spool::new()?) } else { None };
        Ok(Problems {
            spool,
            ..Problems::default()
        })
    }

    /// Rows up to and including `row` belong to the header.
    pub fn set_header_row(&mut self, row: u32) {
        self.header_row = row;
    }

    pub fn errors(&self) -> u64 {
        self.errors
    }

    pub fn warnings(&self) -> u64 {
        self.warnings
    }

    pub fn total(&self) -> u64 {
        self.errors + self.warnings
    }

    /// Whether these problems stop the body: any error, or any warning with `--strict`.
    pub fn block_body(&self, strict: bool) -> bool {
        self.errors > 0 || (strict && self.warnings > 0)
    }

    /// Records one problem.
    pub fn push(&mut self, problem: Problem) -> io::Result<()> {
        // Whatever a problem was built from, the reports keep its texts short.
        let problem = problem.bounded();
        match problem.severity() {
            Severity::Error => self.errors += 1,
            Severity::Warning => self.warnings += 1,
        }
        let data_row = problem.row.is_some_and(|r| r > self.header_row);
        if !data_row {
            self.sheet_level.push(problem);
            return Ok(());
        }
        if let Some(spool) = &mut self.spool {
            spool.push(&problem)?;
        }
        let key = (problem.code, problem.col);
        let n = self.per_key.entry(key).or_insert(0);
        *n += 1;
        if *n <= FOLD_AFTER {
            self.shown.push(problem);
            return Ok(());
        }
        self.folds.entry(key).or_default().add(problem.row);
        if self.total() <= SHOW_ALL_UP_TO {
            self.extra.push(problem);
        } else if !self.extra.is_empty() {
            self.extra = Vec::new();
        }
        Ok(())
    }

    /// Records a problem of a data row found after the rows were read: reports still list it
    /// in row order.
    pub fn push_late(&mut self, problem: Problem) -> io::Result<()> {
        let problem = problem.bounded();
        if problem.row.is_none_or(|r| r <= self.header_row) {
            return self.push(problem);
        }
        match problem.severity() {
            Severity::Error => self.errors += 1,
            Severity::Warning => self.warnings += 1,
        }
        let key = (problem.code, problem.col);
        let n = self.per_key.entry(key).or_insert(0);
        *n += 1;
        if *n <= FOLD_AFTER {
            self.shown.push(problem.clone());
        } else {
            self.folds.entry(key).or_default().add(problem.row);
        }
        if self.spool.is_some() {
            let at = self.late.partition_point(|p| p.order() <= problem.order());
            self.late.insert(at, problem);
        }
        Ok(())
    }

    /// Problems for the text report, sorted by row then column, and the folded remainder per
    /// code and column (sorted by column, then code).
    pub fn for_text_report(&self) -> (Vec<&Problem>, Vec<(FoldKey, Fold)>) {
        let small = self.total() <= SHOW_ALL_UP_TO;
        let extra = if small { &self.extra[..] } else { &[] };
        let mut folds: HashMap<FoldKey, Fold> = if small { HashMap::new() } else { self.folds.clone() };
        // Problems of the header or sheet fold per code (a sheet of 16,384 columns can have a
        // warning for each).
        let mut per_code: HashMap<Code, usize> = HashMap::new();
        let mut sheet_level: Vec<&Problem> = self.sheet_level.iter().collect();
        sheet_level.sort_by_key(|p| p.order());
        sheet_level.retain(|p| {
            let n = per_code.entry(p.code).or_insert(0);
            *n += 1;
            if small || *n <= FOLD_AFTER {
                return true;
            }
            folds.entry((p.code, None)).or_default().add(p.row);
            false
        });
        let mut shown: Vec<&Problem> = sheet_level.into_iter().chain(&self.shown).chain(extra).collect();
        shown.sort_by_key(|p| p.order());
        if small {
            return (shown, Vec::new());
        }
        let mut folds: Vec<(FoldKey, Fold)> = folds.into_iter().collect();
        folds.sort_by_key(|((code, col), _)| (col.unwrap_or(u32::MAX), *code));
        (shown, folds)
    }

    /// Calls `each` with every problem, in report order: problems with a place in the header
    /// first, then data rows in order, then problems of the whole sheet. Without a spool, only
    /// the problems kept for the text report are seen.
    pub fn for_each(&mut self, mut each: impl FnMut(&Problem) -> io::Result<()>) -> io::Result<u64> {
        let mut sheet_level: Vec<&Problem> = self.sheet_level.iter().collect();
        sheet_level.sort_by_key(|p| p.order());
        let (before, after): (Vec<&Problem>, Vec<&Problem>) = sheet_level.into_iter().partition(|p| p.row.is_some());
        let mut n = 0u64;
        for p in before {
            each(p)?;
            n += 1;
        }
        match &mut self.spool {
            Some(spool) => {
                // The late problems go in before the first spooled one that comes after them.
                let late = &self.late;
                let mut next = 0;
                n += spool.replay(&mut |p: &Problem| {
                    while next < late.len() && late[next].order() < p.order() {
                        each(&late[next])?;
                        next += 1;
                    }
                    each(p)
                })?;
                for p in &late[next..] {
                    each(p)?;
                }
                n += late.len() as u64;
            }
            None => {
                let mut data: Vec<&Problem> = self.shown.iter().chain(&self.extra).collect();
                data.sort_by_key(|p| p.order());
                for p in data {
                    each(p)?;
                    n += 1;
                }
            }
        }
        for p in after {
            each(p)?;
            n += 1;
        }
        Ok(n)
    }

    /// Writes every problem as JSON array items (`{...}` objects separated by `,\n`, each line
    /// indented by `indent`), in the order of [`Problems::for_each`]. Returns how many.
    pub fn write_json_items(&mut self, out: &mut dyn Write, sheet: Option<&str>, indent: &str) -> io::Result<u64> {
        let mut written = 0u64;
        let mut sep = |out: &mut dyn Write| -> io::Result<()> {
            if written > 0 {
                out.write_all(b",\n")?;
            }
            written += 1;
            out.write_all(indent.as_bytes())
        };
        let mut sheet_level: Vec<&Problem> = self.sheet_level.iter().collect();
        sheet_level.sort_by_key(|p| p.order());
        let (before, after): (Vec<&Problem>, Vec<&Problem>) = sheet_level.into_iter().partition(|p| p.row.is_some());
        for p in before {
            sep(out)?;
            serde_json::to_writer(&mut *out, &JsonProblem::of(p, Some(sheet)))?;
        }
        match &mut self.spool {
            // Copied line by line, without parsing: a million problems stay fast.
            Some(spool) if self.late.is_empty() => {
                spool.copy_json(out, sheet, &mut sep)?;
            }
            // With late problems to merge in, read back in order (they are rare).
            Some(spool) => {
                let late = &self.late;
                let mut next = 0;
                let mut write = |p: &Problem| -> io::Result<()> {
                    sep(out)?;
                    serde_json::to_writer(&mut *out, &JsonProblem::of(p, Some(sheet)))?;
                    Ok(())
                };
                spool.replay(&mut |p: &Problem| {
                    while next < late.len() && late[next].order() < p.order() {
                        write(&late[next])?;
                        next += 1;
                    }
                    write(p)
                })?;
                for p in &late[next..] {
                    write(p)?;
                }
            }
            None => {
                let mut data: Vec<&Problem> = self.shown.iter().chain(&self.extra).collect();
                data.sort_by_key(|p| p.order());
                for p in data {
                    sep(out)?;
                    serde_json::to_writer(&mut *out, &JsonProblem::of(p, Some(sheet)))?;
                }
            }
        }
        for p in after {
            sep(out)?;
            serde_json::to_writer(&mut *out, &JsonProblem::of(p, Some(sheet)))?;
        }
        Ok(written)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data_problem(row: u32, col: u32) -> Problem {
        Problem::new(Code::NotADate, "x").at(row, Some(col))
    }

    #[test]
    fn small_reports_are_not_folded_and_are_sorted() {
        let mut p = Problems::new(false).unwrap();
        p.set_header_row(1);
        for row in (2..40).rev() {
            p.push(data_problem(row, 3)).unwrap();
        }
        p.push(Problem::new(Code::MissingColumn, "m").at(1, None)).unwrap();
        let (shown, folds) = p.for_text_report();
        let rows: Vec<_> = shown.iter().map(|p| p.row.unwrap()).collect();
        let mut expected: Vec<u32> = (2..40).collect();
        expected.insert(0, 1);
        assert_eq!(rows, expected);
        assert!(folds.is_empty());
        assert!(p.block_body(false));
    }

    #[test]
    fn many_repeats_fold_after_the_first_few() {
        let mut p = Problems::new(false).unwrap();
        p.set_header_row(1);
        for row in 2..1002 {
            p.push(data_problem(row, 3)).unwrap();
        }
        p.push(data_problem(7, 4)).unwrap();
        assert_eq!(p.errors(), 1001);
        let (shown, folds) = p.for_text_report();
        assert_eq!(shown.len(), FOLD_AFTER + 1);
        assert_eq!(folds.len(), 1);
        let ((code, col), fold) = &folds[0];
        assert_eq!((*code, *col), (Code::NotADate, Some(3)));
        assert_eq!(fold.count, 1000 - FOLD_AFTER as u64);
        assert_eq!(fold.first_row, Some(2 + FOLD_AFTER as u32));
        assert_eq!(fold.last_row, Some(1001));
        assert!(p.extra.is_empty(), "nothing beyond the shown problems is kept");
    }

    #[test]
    fn memory_is_bounded_by_keys_not_problems() {
        let mut p = Problems::new(false).unwrap();
        p.set_header_row(1);
        for row in 2..20_000 {
            for col in 0..5 {
                p.push(data_problem(row, col)).unwrap();
            }
        }
        assert_eq!(p.shown.len(), 5 * FOLD_AFTER);
        assert!(p.extra.is_empty());
    }

    #[test]
    fn wide_header_problems_fold_too() {
        let mut p = Problems::new(false).unwrap();
        p.set_header_row(1);
        for col in 0..16_384 {
            p.push(Problem::new(Code::UnmappedColumn, "u").at(1, Some(col)))
                .unwrap();
        }
        let (shown, folds) = p.for_text_report();
        assert_eq!(shown.len(), FOLD_AFTER);
        assert_eq!(folds.len(), 1);
        assert_eq!(folds[0].0, (Code::UnmappedColumn, None));
        assert_eq!(folds[0].1.count, 16_384 - FOLD_AFTER as u64);
    }

    #[test]
    fn warnings_block_only_when_strict() {
        let mut p = Problems::new(false).unwrap();
        p.set_header_row(1);
        p.push(Problem::new(Code::TimeDropped, "t").at(2, Some(0))).unwrap();
        assert!(!p.block_body(false));
        assert!(p.block_body(true));
    }

    #[test]
    fn json_items_list_everything_in_order() {
        let mut p = Problems::new(true).unwrap();
        p.set_header_row(1);
        for row in 2..500 {
            p.push(data_problem(row, 3).value("31-02-2026")).unwrap();
        }
        p.push(Problem::new(Code::UnmappedColumn, "u").at(1, Some(9))).unwrap();
        let mut out = Vec::new();
        let n = p.write_json_items(&mut out, Some("Req"), "  ").unwrap();
        assert_eq!(n, 499);
        let text = format!("[{}]", String::from_utf8(out).unwrap());
        let items: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
        assert_eq!(items.len(), 499);
        assert_eq!(items[0]["code"], "unmapped-column");
        assert_eq!(items[0]["cell"], "J1");
        assert_eq!(items[1]["cell"], "D2");
        assert_eq!(items[1]["sheet"], "Req");
        assert_eq!(items[498]["row"], 499);
        assert_eq!(items[498]["value"], "31-02-2026");

        let mut seen = Vec::new();
        let n = p
            .for_each(|problem| {
                seen.push(problem.clone());
                Ok(())
            })
            .unwrap();
        assert_eq!(n, 499);
        assert_eq!(seen[0].code, Code::UnmappedColumn);
        assert_eq!(seen[1], data_problem(2, 3).value("31-02-2026"));
        assert_eq!(seen[498].row, Some(499));
    }
}
