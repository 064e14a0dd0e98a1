//! `relsync check`: the same reading and checking as convert, no body; the report goes to
//! standard output.

use std::io::Write;

use crate::app::{Exit, Global, input_spec, load_template};
use crate::cli::{CheckArgs, ReportFormat};
use crate::pipeline::{self, Job};
use crate::progress::Progress;
use crate::report;

pub fn run(args: &CheckArgs, global: &Global) -> anyhow::Result<Exit> {
    let started = std::time::Instant::now();
    let template = load_template(&args.sheet.template)?;
    let spec = input_spec(&args.sheet.input, args.sheet.options.sheet.as_deref(), &template)?;
    let job = Job {
        spec: &spec,
        template: &template,
        spool_problems: args.report == ReportFormat::Json || args.sheet.options.report_file.is_some(),
        strict: args.sheet.options.strict,
        collect_ids: false,
        allow_empty: false,
        progress: Progress::new(!global.quiet),
    };
    let mut outcome = pipeline::run::<std::io::Sink>(job, None)?;

    if let Some(path) = &args.sheet.options.report_file {
        super::write_report_file(path, &args.sheet.input, &args.sheet.template, &mut outcome)?;
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let sheet = outcome.info.sheet.clone();
    let ctx = report::Context {
        input: &args.sheet.input,
        sheet: sheet.as_deref(),
        template: &args.sheet.template,
        stats: outcome.stats,
        elapsed: Some(started.elapsed()),
    };
    match args.report {
        ReportFormat::Text => report::write_text(&mut out, &ctx, &outcome.problems, global.style(true))?,
        ReportFormat::Json => report::write_json(&mut out, &ctx, &mut outcome.problems)?,
    }
    out.flush()?;
    Ok(if outcome.blocked(args.sheet.options.strict) {
        Exit::Problems
    } else {
        Exit::Success
    })
}
