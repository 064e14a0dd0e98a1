//! `relsync check`: the same reading and checking as convert, no body; the report goes to
//! standard output.

use std::io::Write;

use anyhow::Context;

use super::settings::{CheckSettings, Global};
use super::sheet::write_reports;
use crate::cli::ReportFormat;
use crate::exit::Exit;
use crate::pipeline::{self, Job};
use crate::progress::Progress;
use crate::report;

pub fn run(settings: &CheckSettings, global: &Global) -> anyhow::Result<Exit> {
    let started = std::time::Instant::now();
    let sheet = &settings.sheet;
    let job = Job {
        spec: &sheet.spec,
        template: &sheet.template,
        spool_problems: settings.report != ReportFormat::Text || sheet.full_reports(),
        strict: sheet.strict,
        collect_ids: false,
        allow_empty: false,
        progress: Progress::new(!global.quiet),
        project: None,
    };
    let mut outcome = pipeline::run(job, None)?;

    write_reports(sheet, &mut outcome, started.elapsed())?;
    let sheet_name = outcome.info.sheet.clone();
    let ctx = report::Context {
        input: &sheet.spec.path,
        sheet: sheet_name.as_deref(),
        template: Some(&sheet.template_path),
        stats: outcome.stats,
        elapsed: Some(started.elapsed()),
    };
    let written = match settings.report {
        ReportFormat::Text => {
            let mut out = std::io::BufWriter::new(anstream::stdout().lock());
            report::write_text(&mut out, &ctx, &outcome.problems, global.style(true)).and_then(|()| out.flush())
        }
        ReportFormat::Json => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            report::write_json(&mut out, &ctx, &mut outcome.problems).and_then(|()| out.flush())
        }
        ReportFormat::Html => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            report::write_html(&mut out, &ctx, &mut outcome.problems).and_then(|()| out.flush())
        }
    };
    match written {
        // A reader that stopped early (`| head`) wanted no more.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        written => written.context("writing the report to standard output")?,
    }
    Ok(if outcome.blocked(sheet.strict) {
        Exit::Problems
    } else {
        Exit::Success
    })
}
