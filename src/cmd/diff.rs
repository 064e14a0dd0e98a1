//! `relsync diff OLD NEW`: what changes between two bodies. A side that is a sheet is first
//! converted (as `convert` does) into a temporary JSON body; then the old side is loaded and the
//! new one streamed past it.

use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};

use super::settings::{DiffSettings, DiffSide, Global};
use super::sheet::{SheetRun, convert_sheet};
use crate::body::{BodyFormat, BodyWriter};
use crate::cli::DiffReport;
use crate::diff::{self, BodyProblems, DIFF_WORDS, JsonReport, Report, Side, Sides, TextReport};
use crate::exit::Exit;

/// A side ready to read: a body file (the user's, or a temporary one made from a sheet).
struct Ready {
    path: PathBuf,
    format: BodyFormat,
    /// For the first lines of the report.
    label: Side,
    _temporary: Option<tempfile::NamedTempFile>,
    _registered: Option<crate::output::Registered>,
}

fn ready(side: &DiffSide, global: &Global) -> anyhow::Result<Ready> {
    match side {
        DiffSide::Body { path, format } => Ok(Ready {
            path: path.clone(),
            format: *format,
            label: Side {
                source: path.display().to_string(),
                kind: format!("{} body", format.name()),
            },
            _temporary: None,
            _registered: None,
        }),
        DiffSide::Sheet(sheet) => {
            let file = tempfile::NamedTempFile::new().context("creating a temporary body")?;
            let registered = crate::output::remove_on_interrupt(file.path());
            let run = SheetRun {
                sheet,
                collect_ids: false,
                allow_empty: true,
                started: std::time::Instant::now(),
                with_file: true,
            };
            let quiet = Global {
                color: global.color,
                quiet: true,
            };
            let mut out = std::io::BufWriter::new(file.reopen()?);
            let result = {
                let mut writer = BodyWriter::new(&mut out, &sheet.template, BodyFormat::Json, false);
                convert_sheet(&run, &mut writer, &quiet)?
            };
            out.flush()?;
            let path = &sheet.spec.path;
            if !result.outcome.body_complete {
                bail!(
                    "{} has errors (listed above), so it cannot be compared; fix them and run again",
                    path.display()
                );
            }
            let sheet_name = result
                .outcome
                .info
                .sheet
                .as_deref()
                .map(|s| format!(", sheet '{s}'"))
                .unwrap_or_default();
            Ok(Ready {
                path: file.path().to_owned(),
                format: BodyFormat::Json,
                label: Side {
                    source: format!("{}{sheet_name}, with {}", path.display(), sheet.template_path.display()),
                    kind: "sheet".to_owned(),
                },
                _temporary: Some(file),
                _registered: Some(registered),
            })
        }
    }
}

fn open(side: &Ready) -> anyhow::Result<BufReader<std::fs::File>> {
    let file = std::fs::File::open(&side.path).with_context(|| format!("cannot open {}", side.path.display()))?;
    Ok(BufReader::with_capacity(256 * 1024, file))
}

/// Stops with the structure problems of a body, if it has any.
fn refuse_invalid(path: &Path, problems: &BodyProblems) -> anyhow::Result<()> {
    if problems.count == 0 {
        return Ok(());
    }
    let more = problems.count - problems.first.len() as u64;
    let mut text = format!("{} is not a body that can be compared:", path.display());
    for p in &problems.first {
        text.push_str(&format!("\n  {p}"));
    }
    if more > 0 {
        text.push_str(&format!("\n  ... and {more} more"));
    }
    bail!(text)
}

pub fn run(settings: &DiffSettings, global: &Global) -> anyhow::Result<Exit> {
    // Both sides are read before either refusal, so the problems of both sheets are shown in one run.
    let (old, new) = match (ready(&settings.old, global), ready(&settings.new, global)) {
        (Ok(old), Ok(new)) => (old, new),
        (Err(e), Ok(_)) | (Ok(_), Err(e)) => return Err(e),
        (Err(old), Err(new)) => bail!("neither side can be compared:\n  {old:#}\n  {new:#}"),
    };
    if !settings.interfaces.is_empty() && !global.quiet {
        crate::errln!(
            "relsync: relations to elements of {} are shown by ID: their names are known within the project \
             (relsync submit relsync.toml --dry-run shows its plan with them)",
            settings
                .interfaces
                .iter()
                .map(|i| format!("interface '{}'", crate::value::for_terminal(i)))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let mut old_side = diff::load_old(open(&old)?, old.format);
    refuse_invalid(&old.path, &old_side.problems)?;
    let sides = Sides {
        old: old.label.clone(),
        new: new.label.clone(),
    };
    let mut report: Box<dyn Report> = match settings.report {
        DiffReport::Text => Box::new(TextReport::new(settings.limit, DIFF_WORDS).with_names(settings.names.clone())),
        DiffReport::Json => Box::new(JsonReport::new()?),
    };
    let (counts, problems) = diff::compare(&mut old_side, open(&new)?, new.format, &mut *report)?;
    refuse_invalid(&new.path, &problems)?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    report
        .write_to(&mut out, &sides, &counts)
        .and_then(|()| out.flush())
        .context("writing the comparison to standard output")?;
    Ok(if counts.identical() {
        Exit::Success
    } else {
        Exit::Problems
    })
}
