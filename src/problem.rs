//! Problems in the user's data: what they are, where they are, and how they are collected.
//!
//! A [`Problem`] is a value, never an early return: the pipeline records it in [`Problems`] and
//! carries on, so one run shows everything that needs fixing. The text and JSON reports
//! (`crate::report`) are both rendered from these values. [`Problems`] keeps memory flat however
//! many problems there are: the text report needs only the first few of each kind, and the full
//! list for the JSON report is spooled to a temporary file as it arrives.

use std::collections::HashMap;
use std::fmt;
use std::io::{self, BufWriter, Write};

use serde::Serialize;

/// How bad a problem is. Errors stop the body; warnings stop it only with `--strict`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// The stable rule codes. Users filter reports on these strings; never rename one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Code {
    MissingColumn,
    DuplicateColumn,
    UnmappedColumn,
    EmptyHeaderRow,
    MissingExternalId,
    DuplicateExternalId,
    ExternalIdTooLong,
    RequiredEmpty,
    InternalOwnedFilled,
    NotANumber,
    NotADate,
    NotInList,
    TextTooLong,
    LineBreakInSingleLineText,
    LineBreakInExternalId,
    ControlCharacter,
    NotAUrl,
    ErrorCell,
    TooManyTargets,
    UnknownTargetType,
    DuplicateTarget,
    TimeDropped,
    EmptyBody,
}

impl Code {
    /// Every code, in the order the README documents them.
    pub const ALL: [Code; 23] = [
        Code::MissingColumn,
        Code::DuplicateColumn,
        Code::UnmappedColumn,
        Code::EmptyHeaderRow,
        Code::MissingExternalId,
        Code::DuplicateExternalId,
        Code::ExternalIdTooLong,
        Code::RequiredEmpty,
        Code::InternalOwnedFilled,
        Code::NotANumber,
        Code::NotADate,
        Code::NotInList,
        Code::TextTooLong,
        Code::LineBreakInSingleLineText,
        Code::LineBreakInExternalId,
        Code::ControlCharacter,
        Code::NotAUrl,
        Code::ErrorCell,
        Code::TooManyTargets,
        Code::UnknownTargetType,
        Code::DuplicateTarget,
        Code::TimeDropped,
        Code::EmptyBody,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Code::MissingColumn => "missing-column",
            Code::DuplicateColumn => "duplicate-column",
            Code::UnmappedColumn => "unmapped-column",
            Code::EmptyHeaderRow => "empty-header-row",
            Code::MissingExternalId => "missing-external-id",
            Code::DuplicateExternalId => "duplicate-external-id",
            Code::ExternalIdTooLong => "external-id-too-long",
            Code::RequiredEmpty => "required-empty",
            Code::InternalOwnedFilled => "internal-owned-filled",
            Code::NotANumber => "not-a-number",
            Code::NotADate => "not-a-date",
            Code::NotInList => "not-in-list",
            Code::TextTooLong => "text-too-long",
            Code::LineBreakInSingleLineText => "line-break-in-single-line-text",
            Code::LineBreakInExternalId => "line-break-in-external-id",
            Code::ControlCharacter => "control-character",
            Code::NotAUrl => "not-a-url",
            Code::ErrorCell => "error-cell",
            Code::TooManyTargets => "too-many-targets",
            Code::UnknownTargetType => "unknown-target-type",
            Code::DuplicateTarget => "duplicate-target",
            Code::TimeDropped => "time-dropped",
            Code::EmptyBody => "empty-body",
        }
    }

    /// Each code has one severity, so a report reader can rely on it.
    pub fn severity(self) -> Severity {
        match self {
            Code::UnmappedColumn | Code::DuplicateTarget | Code::TimeDropped => Severity::Warning,
            _ => Severity::Error,
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Longest offending value kept in a problem; longer ones are cut with an ellipsis.
const MAX_VALUE_CHARS: usize = 1000;

/// One problem in the user's data, with everything a report needs.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    pub code: Code,
    /// 1-based row as Excel shows it; `None` for problems of the whole sheet.
    pub row: Option<u32>,
    /// 0-based column index; `None` for problems of a whole row or sheet.
    pub col: Option<u32>,
    /// Physical line in a CSV file where the record starts, when it differs from the row.
    pub line: Option<u64>,
    /// Header text of the column.
    pub column: Option<String>,
    /// Template name of the property or relation.
    pub property: Option<String>,
    /// The offending text.
    pub value: Option<String>,
    /// What is wrong and how to fix it, without the location (reports add that).
    pub message: String,
}

impl Problem {
    pub fn new(code: Code, message: impl Into<String>) -> Problem {
        Problem {
            code,
            row: None,
            col: None,
            line: None,
            column: None,
            property: None,
            value: None,
            message: message.into(),
        }
    }

    pub fn severity(&self) -> Severity {
        self.code.severity()
    }

    pub fn at(mut self, row: u32, col: Option<u32>) -> Problem {
        self.row = Some(row);
        self.col = col;
        self
    }

    pub fn line(mut self, line: Option<u64>) -> Problem {
        self.line = line;
        self
    }

    pub fn column(mut self, header: &str) -> Problem {
        self.column = Some(header.to_owned());
        self
    }

    pub fn property(mut self, name: &str) -> Problem {
        self.property = Some(name.to_owned());
        self
    }

    pub fn value(mut self, value: &str) -> Problem {
        self.value = Some(clip(value, MAX_VALUE_CHARS));
        self
    }

    /// `C17`-style cell reference, if the problem has a row and a column.
    pub fn cell(&self) -> Option<String> {
        Some(cell_name(self.row?, self.col?))
    }

    /// Sort key: by row, then column; problems without a place come last.
    fn order(&self) -> (u32, u32) {
        (self.row.unwrap_or(u32::MAX), self.col.unwrap_or(u32::MAX))
    }
}

/// Cuts `s` to at most `max` characters, marking the cut with an ellipsis.
pub fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        None => s.to_owned(),
        Some((at, _)) => format!("{}…", &s[..at]),
    }
}

/// Column letters as Excel shows them: 0 -> `A`, 25 -> `Z`, 26 -> `AA`.
pub fn column_letters(col: u32) -> String {
    let mut n = col as u64 + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = ((n - 1) % 26) as u8;
        letters.push(b'A' + rem);
        n = (n - 1) / 26;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
}

/// `C17`-style reference for a 1-based row and 0-based column.
pub fn cell_name(row: u32, col: u32) -> String {
    format!("{}{}", column_letters(col), row)
}

/// How many problems of one code in one column the text report shows before folding the rest.
pub const FOLD_AFTER: usize = 10;
/// Reports with at most this many problems are shown whole, without folding.
pub const SHOW_ALL_UP_TO: u64 = 100;

/// A code and a column: problems are folded per key.
pub type FoldKey = (Code, Option<u32>);

/// Problems of one code in one column beyond those kept for the text report.
#[derive(Clone, Debug, Default)]
pub struct Fold {
    pub count: u64,
    pub first_row: Option<u32>,
    pub last_row: Option<u32>,
}

/// Where the problems of a run are collected.
///
/// Memory stays flat: at most [`SHOW_ALL_UP_TO`] problems per code and column are kept for the
/// text report, with a count of the rest. Problems of data rows arrive in row order (the
/// pipeline sorts each row's problems by column), so when a JSON report is wanted they are
/// spooled to a temporary file as they come; problems of the header row and of the whole sheet
/// are few and kept in memory so the report can put them first.
#[derive(Default)]
pub struct Problems {
    errors: u64,
    warnings: u64,
    kept: Vec<Problem>,
    kept_per_group: HashMap<FoldKey, usize>,
    folds: HashMap<FoldKey, Fold>,
    /// Problems of the header row or the whole sheet (few; never folded).
    sheet_level: Vec<Problem>,
    spool: Option<Spool>,
    /// Rows at or above this one are the header; their problems are "sheet level".
    header_row: u32,
}

/// The full list of data-row problems, one JSON object per line, in a temporary file.
struct Spool {
    out: BufWriter<std::fs::File>,
    count: u64,
}

impl Problems {
    /// A collector; `spool_all` keeps every problem (for a JSON report).
    pub fn new(spool_all: bool) -> io::Result<Problems> {
        let spool = if spool_all {
            Some(Spool {
                out: BufWriter::new(tempfile::tempfile()?),
                count: 0,
            })
        } else {
            None
        };
        Ok(Problems {
            spool,
            header_row: 0,
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

    /// Records one problem.
    pub fn push(&mut self, problem: Problem) -> io::Result<()> {
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
            serde_json::to_writer(&mut spool.out, &JsonProblem::of(&problem, None))?;
            spool.out.write_all(b"\n")?;
            spool.count += 1;
        }
        let key = (problem.code, problem.col);
        let kept = self.kept_per_group.entry(key).or_insert(0);
        if (*kept as u64) < SHOW_ALL_UP_TO {
            *kept += 1;
            self.kept.push(problem);
        } else {
            let fold = self.folds.entry(key).or_default();
            fold.count += 1;
            fold.first_row = fold.first_row.or(problem.row);
            fold.last_row = problem.row;
        }
        Ok(())
    }

    /// Problems for the text report, sorted by row then column, and the folded remainder per
    /// code and column (sorted by column, then code).
    pub fn for_text_report(&self) -> (Vec<&Problem>, Vec<(FoldKey, Fold)>) {
        let mut shown: Vec<&Problem> = self.sheet_level.iter().chain(self.kept.iter()).collect();
        shown.sort_by_key(|p| p.order());
        if self.total() <= SHOW_ALL_UP_TO {
            return (shown, Vec::new());
        }
        // Too many to read: show the first few of each code and column, fold the rest.
        let mut seen: HashMap<FoldKey, usize> = HashMap::new();
        let mut folds: HashMap<FoldKey, Fold> = self.folds.clone();
        let mut out = Vec::new();
        for p in shown {
            let is_sheet_level = p.row.is_none_or(|r| r <= self.header_row);
            let key = (p.code, p.col);
            let n = seen.entry(key).or_insert(0);
            *n += 1;
            if is_sheet_level || *n <= FOLD_AFTER {
                out.push(p);
            } else {
                let fold = folds.entry(key).or_default();
                fold.count += 1;
                let row = p.row;
                fold.first_row = match (fold.first_row, row) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
                fold.last_row = match (fold.last_row, row) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    (a, b) => a.or(b),
                };
            }
        }
        let mut folds: Vec<_> = folds.into_iter().filter(|(_, f)| f.count > 0).collect();
        folds.sort_by_key(|((code, col), _)| (col.unwrap_or(u32::MAX), *code));
        (out, folds)
    }

    /// Writes every problem as JSON array items (`{...}` objects separated by `,\n`), sheet-level
    /// problems first, then data rows in order, each line indented by `indent`.
    /// Returns how many were written.
    pub fn write_json_items(&mut self, out: &mut dyn Write, sheet: Option<&str>, indent: &str) -> io::Result<u64> {
        let mut sheet_level: Vec<&Problem> = self.sheet_level.iter().collect();
        sheet_level.sort_by_key(|p| p.order());
        let (before, after): (Vec<&Problem>, Vec<&Problem>) = sheet_level.into_iter().partition(|p| p.row.is_some());
        let mut written = 0u64;
        let sep = |out: &mut dyn Write, written: &mut u64| -> io::Result<()> {
            if *written > 0 {
                out.write_all(b",\n")?;
            }
            out.write_all(indent.as_bytes())?;
            *written += 1;
            Ok(())
        };
        for p in before {
            sep(out, &mut written)?;
            serde_json::to_writer(&mut *out, &JsonProblem::of(p, Some(sheet)))?;
        }
        if let Some(spool) = &mut self.spool {
            // The spool was written without the sheet name (it is the same for every line);
            // splice it in while copying so the spool stays small.
            spool.out.flush()?;
            let file = spool.out.get_mut();
            use std::io::{BufRead, Seek};
            file.seek(io::SeekFrom::Start(0))?;
            let mut reader = io::BufReader::new(&*file);
            let sheet_json = serde_json::to_string(&sheet)?;
            let mut line = String::new();
            for _ in 0..spool.count {
                line.clear();
                if reader.read_line(&mut line)? == 0 {
                    break;
                }
                sep(out, &mut written)?;
                let body = line.trim_end();
                // Each spooled line starts with `{"severity":...`; the sheet goes after it.
                match body.strip_prefix('{') {
                    Some(rest) => {
                        write!(out, "{{\"sheet\":{sheet_json},{rest}")?;
                    }
                    None => out.write_all(body.as_bytes())?,
                }
            }
            file.seek(io::SeekFrom::End(0))?;
        } else {
            for p in &self.kept {
                sep(out, &mut written)?;
                serde_json::to_writer(&mut *out, &JsonProblem::of(p, Some(sheet)))?;
            }
        }
        for p in after {
            sep(out, &mut written)?;
            serde_json::to_writer(&mut *out, &JsonProblem::of(p, Some(sheet)))?;
        }
        Ok(written)
    }
}

/// A problem as the JSON report shows it.
#[derive(Serialize)]
struct JsonProblem<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    sheet: Option<Option<&'a str>>,
    severity: Severity,
    code: Code,
    cell: Option<String>,
    row: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<u64>,
    column: Option<&'a str>,
    property: Option<&'a str>,
    value: Option<&'a str>,
    message: &'a str,
}

impl<'a> JsonProblem<'a> {
    /// `sheet` is `None` when spooling (the sheet is spliced in later), `Some(None)` for CSV.
    fn of(p: &'a Problem, sheet: Option<Option<&'a str>>) -> JsonProblem<'a> {
        JsonProblem {
            sheet,
            severity: p.severity(),
            code: p.code,
            cell: p.cell(),
            row: p.row,
            line: p.line,
            column: p.column.as_deref(),
            property: p.property.as_deref(),
            value: p.value.as_deref(),
            message: &p.message,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters_follow_excel() {
        for (col, letters) in [
            (0, "A"),
            (2, "C"),
            (25, "Z"),
            (26, "AA"),
            (51, "AZ"),
            (52, "BA"),
            (701, "ZZ"),
            (702, "AAA"),
            (16383, "XFD"),
        ] {
            assert_eq!(column_letters(col), letters, "column {col}");
        }
        assert_eq!(cell_name(17, 2), "C17");
    }

    #[test]
    fn every_code_is_kebab_case_and_unique() {
        let mut seen = std::collections::HashSet::new();
        for code in Code::ALL {
            let s = code.as_str();
            assert!(s.chars().all(|c| c.is_ascii_lowercase() || c == '-'), "{s}");
            assert!(seen.insert(s), "{s} twice");
        }
    }

    #[test]
    fn clip_marks_the_cut() {
        assert_eq!(clip("abc", 5), "abc");
        assert_eq!(clip("abcdef", 3), "abc…");
        assert_eq!(clip("ééé", 2), "éé…");
    }

    fn data_problem(row: u32, col: u32) -> Problem {
        Problem::new(Code::NotADate, "x").at(row, Some(col))
    }

    #[test]
    fn small_reports_are_not_folded_and_are_sorted() {
        let mut p = Problems::new(false).unwrap();
        p.set_header_row(1);
        p.push(data_problem(5, 3)).unwrap();
        p.push(data_problem(3, 1)).unwrap();
        p.push(Problem::new(Code::MissingColumn, "m").at(1, None)).unwrap();
        let (shown, folds) = p.for_text_report();
        let rows: Vec<_> = shown.iter().map(|p| p.row).collect();
        assert_eq!(rows, [Some(1), Some(3), Some(5)]);
        assert!(folds.is_empty());
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
    }
}
