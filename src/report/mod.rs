//! Rendering problems for people (text, and the HTML page in [`html`]) and programs (JSON).
//!
//! Every report is rendered from the same [`Problems`]. The text report shows one line per
//! problem, sorted by row then column, folds long runs of the same code in the same column, and
//! ends with a summary line. The JSON report lists every problem, unfolded.

use std::io::{self, Write};
use std::path::Path;

mod html;

pub use html::{
    MAX_ROWS as HTML_MAX_ROWS, add_plan, escape as html_escape, page_end, page_start, section as html_section,
    write_html,
};

use serde::Serialize;

use crate::cellref::{cell_name, column_letters, quote_sheet};
use crate::problem::{Problem, Problems, Severity, Stats};
use crate::value::for_terminal;

/// What the report is about.
pub struct Context<'a> {
    pub input: &'a Path,
    /// Sheet name (workbooks) or `None` (delimited text).
    pub sheet: Option<&'a str>,
    /// The column template; `None` for a body file checked by `submit`.
    pub template: Option<&'a Path>,
    pub stats: Stats,
    /// How long the run took, for the summary line.
    pub elapsed: Option<std::time::Duration>,
}

impl Context<'_> {
    /// The sheet as the reports name it.
    pub fn sheet_label(&self) -> &str {
        match (self.sheet, self.template) {
            (Some(sheet), _) => sheet,
            (None, Some(_)) => "(delimited text)",
            (None, None) => "(a body file)",
        }
    }

    /// The template as the reports name it.
    pub fn template_label(&self) -> String {
        match self.template {
            Some(path) => path.display().to_string(),
            None => "none (a body made earlier)".into(),
        }
    }
}

/// Colours for the text report, or none. The text goes out through `anstream`, which turns
/// colour on for Windows consoles or strips it where the stream cannot show it.
#[derive(Clone, Copy, Debug)]
pub struct Style {
    pub color: bool,
}

impl Style {
    fn paint(&self, text: &str, style: anstyle::Style) -> String {
        if self.color {
            format!("{}{text}{}", style.render(), style.render_reset())
        } else {
            text.to_owned()
        }
    }

    fn severity(&self, s: Severity) -> String {
        use anstyle::AnsiColor;
        match s {
            Severity::Error => self.paint("error", AnsiColor::Red.on_default().bold()),
            Severity::Warning => self.paint("warning", AnsiColor::Yellow.on_default().bold()),
        }
    }
}

/// Where a problem is, as the text report shows it: `Requirements!C17`, `Requirements!1:1`
/// for a whole row, `C17 (line 18)` for CSV, `body.json, Requirements[3]` in a body file.
pub fn location(p: &Problem, ctx: &Context<'_>) -> String {
    let place = match (p.row, p.col) {
        (Some(r), Some(c)) => cell_name(r, c),
        (Some(r), None) => format!("{r}:{r}"),
        _ => String::new(),
    };
    let mut loc = match (ctx.sheet, place.is_empty()) {
        (Some(s), false) => format!("{}!{place}", quote_sheet(s)),
        (Some(s), true) => quote_sheet(s),
        (None, false) => place,
        (None, true) => {
            let file = ctx
                .input
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            match &p.path {
                Some(path) => format!("{file}, {path}"),
                None => file,
            }
        }
    };
    if let Some(line) = p.line {
        loc.push_str(&format!(" (line {line})"));
    }
    loc
}

/// Where a problem in a file without cells is (a body file): `body.json, element 3`.
pub fn place_in_file(file: &Path, p: &Problem) -> String {
    match &p.path {
        Some(path) => format!("{}, {path}", file.display()),
        None => file.display().to_string(),
    }
}

/// One line of the text report: place, severity, code, message.
pub fn write_problem_line(out: &mut dyn Write, p: &Problem, place: &str, style: Style) -> io::Result<()> {
    // Messages quote cell text, which may hold terminal escape sequences.
    writeln!(
        out,
        "{}  {}  {}  {}",
        for_terminal(place),
        style.severity(p.severity()),
        p.code,
        for_terminal(&p.message)
    )
}

fn plural(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// The summary line: rows read, elements, errors, warnings.
pub fn summary(ctx: &Context<'_>, problems: &Problems, style: Style) -> String {
    let s = ctx.stats;
    let mut line = format!(
        "{}, {}, {}, {}",
        plural(s.rows, "row read", "rows read"),
        plural(s.elements, "element", "elements"),
        plural(problems.errors(), "error", "errors"),
        plural(problems.warnings(), "warning", "warnings"),
    );
    if s.empty_rows > 0 {
        line.push_str(&format!(
            " ({} skipped)",
            plural(s.empty_rows, "empty row", "empty rows")
        ));
    }
    if let Some(elapsed) = ctx.elapsed {
        line.push_str(&format!(" in {:.2} s", elapsed.as_secs_f64()));
    }
    if problems.errors() > 0 {
        line = style.paint(&line, anstyle::Style::new().bold());
    }
    line
}

/// Writes the text report: problem lines, folded remainders, and the summary line.
pub fn write_text(out: &mut dyn Write, ctx: &Context<'_>, problems: &Problems, style: Style) -> io::Result<()> {
    write_problems(out, ctx, problems, style)?;
    writeln!(out, "{}", summary(ctx, problems, style))
}

/// Writes the problem lines and folded remainders, without the summary line.
pub fn write_problems(out: &mut dyn Write, ctx: &Context<'_>, problems: &Problems, style: Style) -> io::Result<()> {
    write_problems_as(out, ctx, problems, style, false)
}

/// [`write_problems`], each place starting with its file when `with_file` (a project's report,
/// where sheets of several files meet): `exports/objecten.xlsx: Objecten!C7`.
pub fn write_problems_as(
    out: &mut dyn Write,
    ctx: &Context<'_>,
    problems: &Problems,
    style: Style,
    with_file: bool,
) -> io::Result<()> {
    let (shown, folds) = problems.for_text_report();
    for p in shown {
        let place = location(p, ctx);
        let place = if with_file && (p.row.is_some() || ctx.sheet.is_some()) {
            format!("{}: {place}", ctx.input.display())
        } else {
            place
        };
        write_problem_line(out, p, &place, style)?;
    }
    for ((code, col), fold) in &folds {
        let column = col
            .map(|c| format!(" in column {}", column_letters(c)))
            .unwrap_or_default();
        let rows = match (fold.first_row, fold.last_row) {
            (Some(a), Some(b)) if a != b => format!(" (rows {a}-{b})"),
            (Some(a), _) => format!(" (row {a})"),
            _ => String::new(),
        };
        writeln!(
            out,
            "... {} more {code}{column}{rows} folded; --report json or --report-file lists every problem",
            fold.count
        )?;
    }
    Ok(())
}

#[derive(Serialize)]
struct JsonHeader<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    interface: Option<&'a str>,
    input: String,
    sheet: Option<&'a str>,
    template: Option<String>,
    rows: u64,
    empty_rows: u64,
    elements: u64,
    errors: u64,
    warnings: u64,
}

/// Writes the JSON report: an object with the counts and every problem.
pub fn write_json(out: &mut dyn Write, ctx: &Context<'_>, problems: &mut Problems) -> io::Result<()> {
    write_json_for(out, ctx, problems, None)
}

/// [`write_json`], naming the project interface the sheet is (`"interface": "objects"`, first).
pub fn write_json_for(
    out: &mut dyn Write,
    ctx: &Context<'_>,
    problems: &mut Problems,
    interface: Option<&str>,
) -> io::Result<()> {
    let header = JsonHeader {
        interface,
        input: ctx.input.display().to_string(),
        sheet: ctx.sheet,
        template: ctx.template.map(|t| t.display().to_string()),
        rows: ctx.stats.rows,
        empty_rows: ctx.stats.empty_rows,
        elements: ctx.stats.elements,
        errors: problems.errors(),
        warnings: problems.warnings(),
    };
    let head = serde_json::to_string_pretty(&header)?;
    // Reopen the object to append the problem list, one problem per line.
    let head = head.trim_end().trim_end_matches('}').trim_end();
    write!(out, "{head},\n  \"problems\": [")?;
    let n = {
        let mut items = LeadingNewline {
            out: &mut *out,
            started: false,
        };
        problems.write_json_items(&mut items, ctx.sheet, "    ")?
    };
    if n > 0 {
        out.write_all(b"\n  ]\n}\n")
    } else {
        out.write_all(b"]\n}\n")
    }
}

/// The problem items start on a new line after `[`; this writes that line break lazily so an
/// empty list stays `[]`.
struct LeadingNewline<'w> {
    out: &'w mut dyn Write,
    started: bool,
}

impl Write for LeadingNewline<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if !self.started && !buf.is_empty() {
            self.out.write_all(b"\n")?;
            self.started = true;
        }
        self.out.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problem::Code;

    fn ctx(sheet: Option<&str>) -> Context<'_> {
        Context {
            input: Path::new("dir/in.xlsx"),
            sheet,
            template: Some(Path::new("t.toml")),
            elapsed: None,
            stats: Stats {
                rows: 3,
                empty_rows: 1,
                elements: 2,
            },
        }
    }

    #[test]
    fn locations() {
        let p = Problem::new(Code::NotADate, "m").at(17, Some(2));
        assert_eq!(location(&p, &ctx(Some("Requirements"))), "Requirements!C17");
        assert_eq!(location(&p, &ctx(Some("Eisen 2026"))), "'Eisen 2026'!C17");
        assert_eq!(location(&p, &ctx(None)), "C17");
        let p = Problem::new(Code::MissingColumn, "m").at(1, None);
        assert_eq!(location(&p, &ctx(Some("R"))), "R!1:1");
        let p = Problem::new(Code::EmptyBody, "m");
        assert_eq!(location(&p, &ctx(None)), "in.xlsx");
        let p = Problem::new(Code::NotADate, "m").at(4, Some(0)).line(Some(6));
        assert_eq!(location(&p, &ctx(None)), "A4 (line 6)");
    }

    #[test]
    fn text_report_lines_and_summary() {
        let mut problems = Problems::new(false).unwrap();
        problems.set_header_row(1);
        problems
            .push(Problem::new(Code::NotADate, "'Due date': found text '31-02-2026' (no such day)").at(17, Some(2)))
            .unwrap();
        let mut out = Vec::new();
        write_text(&mut out, &ctx(Some("Requirements")), &problems, Style { color: false }).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "Requirements!C17  error  not-a-date  'Due date': found text '31-02-2026' (no such day)\n\
             3 rows read, 2 elements, 1 error, 0 warnings (1 empty row skipped)\n"
        );
    }

    #[test]
    fn json_report_parses_and_counts() {
        let mut problems = Problems::new(true).unwrap();
        problems.set_header_row(1);
        problems
            .push(Problem::new(Code::NotADate, "m").at(5, Some(1)).value("x"))
            .unwrap();
        let mut out = Vec::new();
        write_json(&mut out, &ctx(None), &mut problems).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["errors"], 1);
        assert_eq!(v["sheet"], serde_json::Value::Null);
        assert_eq!(v["problems"][0]["cell"], "B5");
        assert_eq!(v["problems"][0]["sheet"], serde_json::Value::Null);

        let mut none = Problems::new(true).unwrap();
        let mut out = Vec::new();
        write_json(&mut out, &ctx(Some("S")), &mut none).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["problems"], serde_json::json!([]));
    }
}
