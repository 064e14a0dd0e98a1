//! The commands. Each takes its parsed arguments and the global settings and returns the exit
//! status; failures are returned as errors and printed once by `crate::app`.

pub mod check;
pub mod convert;
pub mod submit;

use std::io::Write;
use std::path::Path;

use anyhow::Context as _;

use crate::app::Global;
use crate::body::{BodyFormat, BodyWriter};
use crate::input::InputSpec;
use crate::output::{Destination, Staged};
use crate::pipeline::{self, Job, Outcome};
use crate::progress::Progress;
use crate::report::{self, Context};
use crate::template::Template;

/// A sheet to convert into a body, as `convert` and `submit` both do.
pub struct SheetRun<'a> {
    pub spec: &'a InputSpec,
    pub template: &'a Template,
    pub template_path: &'a Path,
    pub strict: bool,
    pub report_file: Option<&'a Path>,
    pub collect_ids: bool,
    pub allow_empty: bool,
    /// When the command started, for the summary line.
    pub started: std::time::Instant,
}

/// What a sheet run produced: the outcome and the number of elements written.
pub struct SheetResult {
    pub outcome: Outcome,
    pub elements: u64,
}

/// Converts the sheet, writing the body to `out` (pretty unless `compact`), prints the problems
/// to stderr, and writes the JSON report file if asked. The body is complete only if
/// `outcome.body_complete`; the caller prints the summary line ([`print_summary`]).
pub fn convert_sheet<W: Write + crate::output::Rewind>(
    run: &SheetRun<'_>,
    out: W,
    format: BodyFormat,
    compact: bool,
    global: &Global,
) -> anyhow::Result<SheetResult> {
    let mut writer = BodyWriter::new(out, run.template, format, !compact);
    let job = Job {
        spec: run.spec,
        template: run.template,
        spool_problems: run.report_file.is_some(),
        strict: run.strict,
        collect_ids: run.collect_ids,
        allow_empty: run.allow_empty,
        progress: Progress::new(!global.quiet),
    };
    let mut outcome = pipeline::run(job, Some(&mut writer))?;
    let elements = writer.count();
    let ctx = Context {
        input: &run.spec.path,
        sheet: outcome.info.sheet.as_deref(),
        template: run.template_path,
        stats: outcome.stats,
        elapsed: None,
    };
    {
        let stderr = std::io::stderr();
        let mut err = stderr.lock();
        report::write_problems(&mut err, &ctx, &outcome.problems, global.style(false))?;
        err.flush()?;
    }
    if let Some(path) = run.report_file {
        write_report_file(path, &run.spec.path, run.template_path, &mut outcome)?;
    }
    Ok(SheetResult { outcome, elements })
}

/// Prints the summary line of a sheet run to stderr, with `tail` after it (what was written).
pub fn print_summary(run: &SheetRun<'_>, outcome: &Outcome, global: &Global, tail: &str) {
    let ctx = Context {
        input: &run.spec.path,
        sheet: outcome.info.sheet.as_deref(),
        template: run.template_path,
        stats: outcome.stats,
        elapsed: Some(run.started.elapsed()),
    };
    eprintln!(
        "{}{tail}",
        report::summary(&ctx, &outcome.problems, global.style(false))
    );
}

/// Writes the JSON report to `path`, atomically.
pub fn write_report_file(path: &Path, input: &Path, template: &Path, outcome: &mut Outcome) -> anyhow::Result<()> {
    let mut staged = Staged::new(Destination::File(path.to_owned()))?;
    let sheet = outcome.info.sheet.clone();
    let ctx = Context {
        input,
        sheet: sheet.as_deref(),
        template,
        stats: outcome.stats,
        elapsed: None,
    };
    report::write_json(staged.writer(), &ctx, &mut outcome.problems)
        .with_context(|| format!("writing the report {}", path.display()))?;
    staged
        .commit()
        .with_context(|| format!("writing the report {}", path.display()))?;
    Ok(())
}

/// The sentence printed when problems stop the body.
pub fn blocked_message(outcome: &Outcome) -> &'static str {
    if outcome.problems.errors() > 0 {
        "fix the errors above and run again"
    } else {
        "fix the warnings above, or run without --strict"
    }
}
