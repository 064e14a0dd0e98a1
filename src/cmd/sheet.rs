//! Running a sheet through the pipeline for a command: the body, the problems on stderr, the
//! JSON report file and the summary line, the same for `convert`, `check` and `submit`.

use std::io::Write;
use std::path::Path;

use anyhow::Context as _;

use super::settings::{Global, SheetSettings};
use crate::body::Encoder;
use crate::output::{Destination, Staged};
use crate::pipeline::{self, Job, Outcome};
use crate::problem::Problems;
use crate::progress::Progress;
use crate::report::{self, Context};

/// A sheet to convert into a body, as `convert` and `submit` both do.
pub struct SheetRun<'a> {
    pub sheet: &'a SheetSettings,
    pub collect_ids: bool,
    pub allow_empty: bool,
    /// When the command started, for the summary line.
    pub started: std::time::Instant,
    /// Problems name their file too (`diff` of two sheets: both may be called "Objecten").
    pub with_file: bool,
}

impl SheetRun<'_> {
    fn context<'o>(&'o self, outcome: &'o Outcome, elapsed: Option<std::time::Duration>) -> Context<'o> {
        Context {
            input: &self.sheet.spec.path,
            sheet: outcome.info.sheet.as_deref(),
            template: Some(&self.sheet.template_path),
            stats: outcome.stats,
            elapsed,
        }
    }
}

/// What a sheet run produced: the outcome and the number of elements written.
pub struct SheetResult {
    pub outcome: Outcome,
    pub elements: u64,
}

/// Converts the sheet into `encoder`, prints the problems to stderr, and writes the JSON report
/// file if asked. The body is complete only if `outcome.body_complete`; the caller prints the
/// summary line ([`print_summary`]).
pub fn convert_sheet(run: &SheetRun<'_>, encoder: &mut dyn Encoder, global: &Global) -> anyhow::Result<SheetResult> {
    let job = Job {
        spec: &run.sheet.spec,
        template: &run.sheet.template,
        spool_problems: run.sheet.full_reports(),
        strict: run.sheet.strict,
        collect_ids: run.collect_ids,
        allow_empty: run.allow_empty,
        progress: Progress::new(!global.quiet),
        project: None,
    };
    let mut outcome = pipeline::run(job, Some(&mut *encoder))?;
    let elements = encoder.count();
    {
        let ctx = run.context(&outcome, None);
        let mut err = anstream::stderr().lock();
        report::write_problems_as(&mut err, &ctx, &outcome.problems, global.style(false), run.with_file)?;
        err.flush()?;
    }
    write_reports(run.sheet, &mut outcome, run.started.elapsed())?;
    Ok(SheetResult { outcome, elements })
}

/// A failure to write the body (the pipeline says "writing the body") with the file it was
/// written to, as `what` says it: "writing out.json: No space left on device".
pub fn name_body_file(e: anyhow::Error, what: &str) -> anyhow::Error {
    if e.to_string() != crate::pipeline::WRITING_BODY {
        return e;
    }
    let cause = e
        .chain()
        .skip(1)
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(": ");
    anyhow::anyhow!("{what}: {cause}")
}

/// Prints the summary line of a sheet run to stderr, with `tail` after it (what was written).
pub fn print_summary(run: &SheetRun<'_>, outcome: &Outcome, global: &Global, tail: &str) {
    let ctx = run.context(outcome, Some(run.started.elapsed()));
    crate::errln!(
        "{}{tail}",
        report::summary(&ctx, &outcome.problems, global.style(false))
    );
}

/// Writes the report files the settings ask for (JSON, HTML, the annotated copy), each
/// atomically.
pub fn write_reports(
    settings: &SheetSettings,
    outcome: &mut Outcome,
    elapsed: std::time::Duration,
) -> anyhow::Result<()> {
    let sheet = outcome.info.sheet.clone();
    let ctx = Context {
        input: &settings.spec.path,
        sheet: sheet.as_deref(),
        template: Some(&settings.template_path),
        stats: outcome.stats,
        elapsed: Some(elapsed),
    };
    write_report_files(
        settings.report_file.as_deref(),
        settings.html_report.as_deref(),
        &ctx,
        &mut outcome.problems,
    )?;
    if let Some(path) = &settings.annotate {
        crate::annotate::write(path, &settings.spec, &settings.template, &ctx, &mut outcome.problems)?;
    }
    Ok(())
}

/// Writes the JSON report to `json` and the HTML report to `html`, where given.
pub fn write_report_files(
    json: Option<&Path>,
    html: Option<&Path>,
    ctx: &Context<'_>,
    problems: &mut Problems,
) -> anyhow::Result<()> {
    if let Some(path) = json {
        write_file(path, "report", |out| report::write_json(out, ctx, problems))?;
    }
    if let Some(path) = html {
        write_file(path, "HTML report", |out| report::write_html(out, ctx, problems))?;
    }
    Ok(())
}

/// Writes one report file through `write`, whole or not at all.
pub fn write_file(
    path: &Path,
    what: &str,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    let mut staged = Staged::new(Destination::File(path.to_owned()))?;
    write(staged.writer()).with_context(|| format!("writing the {what} {}", path.display()))?;
    // The commit names the file itself.
    staged.commit()?;
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
