//! `relsync submit`: the body made (from a sheet) or checked (a body file), then handed to
//! `crate::submit`.

use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::Context as _;

use super::settings::{Global, SheetSettings, SubmitInput, SubmitSettings};
use super::sheet::{SheetRun, blocked_message, convert_sheet, print_summary};
use crate::body::BodyFormat;
use crate::exit::Exit;
use crate::submit::{self, Prepared, bodyfile};

pub fn run(settings: &SubmitSettings, global: &Global) -> anyhow::Result<Exit> {
    // The body: a sheet is converted into a temporary file, a body file is checked as it is.
    let temp;
    let prepared = match &settings.input {
        SubmitInput::Body { path, format } => match check_body_file(path, *format)? {
            Some(prepared) => prepared,
            None => return Ok(Exit::Problems),
        },
        SubmitInput::Sheet { sheet, format } => {
            temp = tempfile::NamedTempFile::new().context("creating a temporary file for the body")?;
            match convert(sheet, *format, temp.path(), global)? {
                Some(prepared) => prepared,
                None => return Ok(Exit::Problems),
            }
        }
    };
    submit::submit(&settings.send, &prepared)
}

/// Checks a body made earlier; prints its problems and returns `None` if it has any.
fn check_body_file(path: &Path, format: BodyFormat) -> anyhow::Result<Option<Prepared>> {
    let check = bodyfile::check(path, format)?;
    if check.problem_count > 0 {
        for p in &check.problems {
            eprintln!("{}  error  invalid-body  {p}", path.display());
        }
        if check.problem_count > check.problems.len() as u64 {
            eprintln!("... and {} more", check.problem_count - check.problems.len() as u64);
        }
        eprintln!(
            "nothing was sent: {} is not a valid {} body",
            path.display(),
            format.name()
        );
        return Ok(None);
    }
    Ok(Some(Prepared {
        path: path.to_owned(),
        format,
        elements: check.elements,
        ids: check.ids,
    }))
}

/// Converts a sheet into `body_path`; prints the report and returns `None` if problems stop it.
fn convert(
    sheet: &SheetSettings,
    format: BodyFormat,
    body_path: &Path,
    global: &Global,
) -> anyhow::Result<Option<Prepared>> {
    let file = std::fs::File::create(body_path).context("writing the body")?;
    let mut out = BufWriter::with_capacity(256 * 1024, file);
    let run = SheetRun {
        sheet,
        collect_ids: true,
        // An empty sheet is not a problem of the sheet here: it is an empty body, which the
        // safety check refuses (exit 4) unless --allow-empty.
        allow_empty: true,
        started: std::time::Instant::now(),
    };
    let result = convert_sheet(&run, &mut out, format, false, global)?;
    out.flush().context("writing the body")?;
    print_summary(&run, &result.outcome, global, "");
    if !result.outcome.body_complete {
        eprintln!("nothing was sent: {}", blocked_message(&result.outcome));
        return Ok(None);
    }
    Ok(Some(Prepared {
        path: body_path.to_owned(),
        format,
        elements: result.elements,
        ids: result.outcome.external_ids,
    }))
}
