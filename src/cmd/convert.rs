//! `relsync convert`: sheet + template -> checked body (JSON or XML), written atomically.

use anyhow::bail;

use crate::app::{Exit, Global, input_spec, load_template};
use crate::body::BodyFormat;
use crate::cli::ConvertArgs;
use crate::output::{Destination, Staged, human_size};

pub fn run(args: &ConvertArgs, global: &Global) -> anyhow::Result<Exit> {
    let started = std::time::Instant::now();
    let template = load_template(&args.sheet.template)?;
    let spec = input_spec(&args.sheet.input, args.sheet.options.sheet.as_deref(), &template)?;
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
    let run = super::SheetRun {
        spec: &spec,
        template: &template,
        template_path: &args.sheet.template,
        strict: args.sheet.options.strict,
        report_file: args.sheet.options.report_file.as_deref(),
        collect_ids: false,
        allow_empty: false,
        started,
    };
    let result = super::convert_sheet(&run, staged.writer(), format, args.compact, global)?;
    if !result.outcome.body_complete {
        super::print_summary(&run, &result.outcome, global, "");
        eprintln!("no body written: {}", super::blocked_message(&result.outcome));
        return Ok(Exit::Problems);
    }
    let size = staged.commit()?;
    let tail = format!(
        "; wrote {} ({}, {})",
        destination.describe(),
        format.name(),
        human_size(size)
    );
    super::print_summary(&run, &result.outcome, global, &tail);
    Ok(Exit::Success)
}

/// True when both paths name the same existing file.
fn same_file(a: &std::path::Path, b: &std::path::Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}
