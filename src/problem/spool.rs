//! The full list of data-row problems, one JSON object per line, in a temporary file: the JSON
//! report copies it, the HTML report and the annotated workbook read it back. The lines are
//! the JSON report's own problem objects, without the sheet (the same on every line; it is
//! spliced in when copying).

use std::io::{self, BufRead, BufWriter, Seek, Write};

use serde::{Deserialize, Serialize};

use super::code::{Code, Severity};
use super::item::Problem;

pub(super) struct Spool {
    out: BufWriter<std::fs::File>,
    count: u64,
}

/// A problem as the JSON report shows it.
#[derive(Serialize)]
pub(super) struct JsonProblem<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    sheet: Option<Option<&'a str>>,
    severity: Severity,
    code: Code,
    cell: Option<String>,
    row: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<&'a str>,
    column: Option<&'a str>,
    property: Option<&'a str>,
    value: Option<&'a str>,
    message: &'a str,
}

impl<'a> JsonProblem<'a> {
    /// `sheet` is `None` when spooling (the sheet is spliced in later), `Some(None)` for CSV.
    pub(super) fn of(p: &'a Problem, sheet: Option<Option<&'a str>>) -> JsonProblem<'a> {
        JsonProblem {
            sheet,
            severity: p.severity(),
            code: p.code,
            cell: p.cell(),
            row: p.row,
            line: p.line,
            path: p.path.as_deref(),
            column: p.column.as_deref(),
            property: p.property.as_deref(),
            value: p.value.as_deref(),
            message: &p.message,
        }
    }
}

/// A spooled line read back.
#[derive(Deserialize)]
struct Line {
    code: Code,
    cell: Option<String>,
    row: Option<u32>,
    line: Option<u64>,
    path: Option<String>,
    column: Option<String>,
    property: Option<String>,
    value: Option<String>,
    message: String,
}

impl Line {
    fn into_problem(self) -> Problem {
        let col = self
            .cell
            .as_deref()
            .and_then(|c| crate::cellref::parse(c.as_bytes()))
            .map(|(_, col)| col);
        Problem {
            code: self.code,
            row: self.row,
            col,
            line: self.line,
            path: self.path,
            column: self.column,
            property: self.property,
            value: self.value,
            message: self.message,
        }
    }
}

impl Spool {
    pub(super) fn new() -> io::Result<Spool> {
        Ok(Spool {
            out: BufWriter::new(tempfile::tempfile()?),
            count: 0,
        })
    }

    pub(super) fn push(&mut self, problem: &Problem) -> io::Result<()> {
        serde_json::to_writer(&mut self.out, &JsonProblem::of(problem, None))?;
        self.out.write_all(b"\n")?;
        self.count += 1;
        Ok(())
    }

    /// Reads the lines back from the start; `each` gets every line's text.
    fn lines(&mut self, mut each: impl FnMut(&str) -> io::Result<()>) -> io::Result<u64> {
        self.out.flush()?;
        let file = self.out.get_mut();
        file.seek(io::SeekFrom::Start(0))?;
        let mut reader = io::BufReader::new(&*file);
        let mut line = String::new();
        let mut n = 0;
        while n < self.count {
            line.clear();
            if reader.read_line(&mut line)? == 0 {
                break;
            }
            each(line.trim_end())?;
            n += 1;
        }
        file.seek(io::SeekFrom::End(0))?;
        Ok(n)
    }

    /// Copies every line into `out` as a JSON report item with `sheet` spliced in, calling
    /// `sep` before each.
    pub(super) fn copy_json(
        &mut self,
        out: &mut dyn Write,
        sheet: Option<&str>,
        sep: &mut dyn FnMut(&mut dyn Write) -> io::Result<()>,
    ) -> io::Result<u64> {
        let sheet_json = serde_json::to_string(&sheet)?;
        self.lines(|body| {
            sep(out)?;
            // Each spooled line starts with `{"severity":...`; the sheet goes before it.
            match body.strip_prefix('{') {
                Some(rest) => write!(out, "{{\"sheet\":{sheet_json},{rest}"),
                None => out.write_all(body.as_bytes()),
            }
        })
    }

    /// Reads every problem back.
    pub(super) fn replay(&mut self, each: &mut dyn FnMut(&Problem) -> io::Result<()>) -> io::Result<u64> {
        self.lines(|text| {
            let line: Line = serde_json::from_str(text).map_err(io::Error::other)?;
            each(&line.into_problem())
        })
    }
}
