//! `relsync convert`: sheet + template -> checked body (JSON or XML), written atomically.

use std::io::Write;

use anyhow::bail;

use crate::app::{Exit, Global, input_spec, load_template};
use crate::body::{BodyFormat, BodyWriter};
use crate::cli::ConvertArgs;
use crate::output::{Destination, Staged, human_size};
use crate::pipeline::{self, Job};
use crate::progress::Progress;
use crate::report;

pub fn run(args: &ConvertArgs, global: &Global) -> anyhow::Result<Exit> {
    let template = load_template(&args.sheet.template)?;
    let spec = input_spec(&args.sheet, &template)?;
    let destination = Destination::from_arg(args.output.as_deref());
    let format = args
        .format
        .or_else(|| args.output.as_deref().and_then(BodyFormat::of_path))
        .unwrap_or(BodyFormat::Json);
    if let Destination::File(out) = &destination
        && (same_file(out, &spec.path) || same_file(out, &args.sheet.template))
    {
        bail!("refusing to write the body over {}, which is an input", out.display());
    }

    let mut staged = Staged::new(destination.clone())?;
    let mut writer = BodyWriter::new(staged.writer(), &template, format, !args.compact);
    let job = Job {
        spec: &spec,
        template: &template,
        spool_problems: args.sheet.report_file.is_some(),
        strict: args.sheet.strict,
        collect_ids: false,
        progress: Progress::new(!global.quiet),
    };
    let mut outcome = pipeline::run(job, Some(&mut writer))?;
    let elements = writer.count();

    let style = global.style(false);
    {
        let ctx = report::Context {
            input: &args.sheet.input,
            sheet: outcome.info.sheet.as_deref(),
            template: &args.sheet.template,
            stats: outcome.stats,
        };
        let stderr = std::io::stderr();
        let mut err = stderr.lock();
        report::write_text(&mut err, &ctx, &outcome.problems, style)?;
        err.flush()?;
    }
    if let Some(path) = &args.sheet.report_file {
        super::write_report_file(path, &args.sheet.input, &args.sheet.template, &mut outcome)?;
    }
    if !outcome.body_complete {
        let why = if outcome.problems.errors() > 0 {
            "errors"
        } else {
            "warnings (--strict)"
        };
        eprintln!("no body written: fix the {why} above and run again");
        return Ok(Exit::Problems);
    }
    let size = staged.commit()?;
    if destination != Destination::Stdout {
        eprintln!(
            "wrote {} ({}, {} elements, {})",
            destination.describe(),
            format.name(),
            elements,
            human_size(size)
        );
    }
    Ok(Exit::Success)
}

/// True when both paths name the same existing file.
fn same_file(a: &std::path::Path, b: &std::path::Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}
