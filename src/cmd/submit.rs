//! `relsync submit`: the body made (from a sheet) or checked (a body file, on a private copy),
//! then handed to `crate::submit`.

use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::Context as _;

use super::settings::{Global, SheetSettings, SubmitInput, SubmitSettings};
use super::sheet::{SheetRun, blocked_message, convert_sheet, name_body_file, print_summary, write_report_files};
use crate::body::{BodyFormat, BodyWriter};
use crate::exit::Exit;
use crate::output::{Registered, remove_on_interrupt};
use crate::problem::{Code, Problem, Problems, Stats};
use crate::report;
use crate::submit::{self, Prepared, bodyfile};

pub fn run(settings: &SubmitSettings, global: &Global) -> anyhow::Result<Exit> {
    // Either way the body is sent from a private temporary file, removed when done or
    // interrupted; these hold it until the end of the submit.
    let _copy: bodyfile::PrivateCopy;
    let _temp: (tempfile::NamedTempFile, Registered);
    let prepared = match &settings.input {
        SubmitInput::Body {
            path,
            format,
            report_file,
            html_report,
            names,
        } => {
            let started = std::time::Instant::now();
            let copy = bodyfile::private_copy(path)?;
            if let Some(note) = &copy.note {
                crate::errln!("relsync: {}: {note}", path.display());
            }
            let reports = ReportFiles {
                json: report_file.as_deref(),
                html: html_report.as_deref(),
                started,
            };
            let checked = check_body_file(path, copy.file.path(), *format, &reports, global)?;
            _copy = copy;
            match checked {
                Some(prepared) => Prepared {
                    names: names.clone(),
                    report_page: html_report.clone(),
                    ..prepared
                },
                None => return Ok(Exit::Problems),
            }
        }
        SubmitInput::Sheet { sheet, format } => {
            let temp = tempfile::NamedTempFile::new().context("creating a temporary file for the body")?;
            let registered = remove_on_interrupt(temp.path());
            let converted = convert(sheet, *format, temp.path(), global)?;
            _temp = (temp, registered);
            match converted {
                Some(prepared) => prepared,
                None => return Ok(Exit::Problems),
            }
        }
    };
    submit::submit(&settings.send, &prepared)
}

/// The report files asked for on a submit of a body file.
struct ReportFiles<'a> {
    json: Option<&'a Path>,
    html: Option<&'a Path>,
    started: std::time::Instant,
}

/// Checks a body made earlier (its private copy at `copy`); prints its problems, writes the
/// report files asked for, and returns `None` if it has any problems.
fn check_body_file(
    original: &Path,
    copy: &Path,
    format: BodyFormat,
    reports: &ReportFiles<'_>,
    global: &Global,
) -> anyhow::Result<Option<Prepared>> {
    let wants_reports = reports.json.is_some() || reports.html.is_some();
    let keep = if wants_reports { bodyfile::MAX_REPORTED } else { 0 };
    let check = bodyfile::check(copy, format, keep)?;
    if wants_reports {
        write_body_reports(original, &check, reports)?;
    }
    if check.problem_count > 0 {
        let mut err = anstream::stderr().lock();
        let shown = check.problems.len().min(bodyfile::MAX_SHOWN);
        for p in &check.problems[..shown] {
            report::write_problem_line(&mut err, p, &report::place_in_file(original, p), global.style(false))?;
        }
        if check.problem_count > shown as u64 {
            writeln!(err, "... and {} more", check.problem_count - shown as u64)?;
        }
        writeln!(
            err,
            "nothing was sent: {} is not a valid {} body",
            original.display(),
            format.name()
        )?;
        return Ok(None);
    }
    Ok(Some(Prepared {
        path: copy.to_owned(),
        format,
        elements: check.elements,
        ids: check.ids,
        names: crate::lookup::TargetNames::default(),
        report_page: None,
    }))
}

/// Writes the JSON and HTML reports of a body file's check: its `invalid-body` problems, or
/// none.
fn write_body_reports(original: &Path, check: &bodyfile::BodyCheck, reports: &ReportFiles<'_>) -> anyhow::Result<()> {
    let mut problems = Problems::new(false).context("keeping the problems for the report")?;
    for p in &check.problems {
        problems
            .push(p.clone())
            .context("keeping the problems for the report")?;
    }
    let unlisted = check.problem_count - check.problems.len() as u64;
    if unlisted > 0 {
        let more = Problem::new(
            Code::InvalidBody,
            format!("{unlisted} more problems like the ones above are not listed; fix those and check again"),
        );
        problems.push(more).context("keeping the problems for the report")?;
    }
    let ctx = report::Context {
        input: original,
        sheet: None,
        template: None,
        stats: Stats {
            elements: check.elements,
            ..Stats::default()
        },
        elapsed: Some(reports.started.elapsed()),
    };
    write_report_files(reports.json, reports.html, &ctx, &mut problems)
}

/// Converts a sheet into `body_path`; prints the report and returns `None` if problems stop it.
fn convert(
    sheet: &SheetSettings,
    format: BodyFormat,
    body_path: &Path,
    global: &Global,
) -> anyhow::Result<Option<Prepared>> {
    let writing = || format!("writing the body to send in {}", body_path.display());
    let file = std::fs::File::create(body_path).with_context(writing)?;
    let mut out = BufWriter::with_capacity(256 * 1024, file);
    let run = SheetRun {
        sheet,
        collect_ids: true,
        // An empty sheet is not a problem of the sheet here: it is an empty body, which the
        // safety check refuses (exit 4) unless --allow-empty.
        allow_empty: true,
        started: std::time::Instant::now(),
        with_file: false,
    };
    let mut writer = BodyWriter::new(&mut out, &sheet.template, format, true);
    let result = convert_sheet(&run, &mut writer, global).map_err(|e| name_body_file(e, &writing()))?;
    drop(writer);
    out.flush().with_context(writing)?;
    print_summary(&run, &result.outcome, global, "");
    if !result.outcome.body_complete {
        crate::errln!("nothing was sent: {}", blocked_message(&result.outcome));
        return Ok(None);
    }
    Ok(Some(Prepared {
        path: body_path.to_owned(),
        format,
        elements: result.elements,
        ids: result.outcome.external_ids,
        names: sheet.template.target_names(),
        report_page: sheet.html_report.clone(),
    }))
}
