//! `relsync check relsync.toml`: every interface of a project checked as one sheet is, with
//! the targets of `interface:` relations resolved through the other sheets and the IDs last
//! read from Relatics; the reports grouped per interface. (`submit` of a project is in
//! `project_submit`.)

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;

use super::settings::{Global, ProjectCheck};
use super::sheet::write_file;
use crate::cli::ReportFormat;
use crate::exit::Exit;
use crate::lookup::interfaces::Held;
use crate::lookup::{Fields, Lookup};
use crate::project::Project;
use crate::project::run::{Options, Read, Reader};
use crate::report::{self, Context};

/// The IDs of one interface's elements, and when they were read (for messages).
pub type Known = Option<(Arc<Lookup>, String)>;

/// The IDs kept from the last read of each interface's `ids` endpoint, for the interfaces
/// others point at (`None`: never read, or no state directory).
pub fn kept_ids(project: &Project, state_dir: Option<&Path>) -> anyhow::Result<Vec<Known>> {
    let store = state_dir.map(crate::submit::receipt::Store::new);
    let mut known = Vec::with_capacity(project.interfaces.len());
    for (i, interface) in project.interfaces.iter().enumerate() {
        let (Some(store), Some(ids)) = (&store, &interface.ids) else {
            known.push(None);
            continue;
        };
        if !project.is_target(i) {
            known.push(None);
            continue;
        }
        let Some((path, when)) = store.kept_ids(&ids.url)? else {
            known.push(None);
            continue;
        };
        let lookup = Lookup::load_ids(&path, &path, &Fields::default()).map_err(|e| {
            anyhow::anyhow!(
                "the IDs kept from the last read of interface '{}' ({}) cannot be used: it {}; remove the file, and the \
                 next submit reads them again",
                interface.name,
                path.display(),
                e.why
            )
        })?;
        known.push(Some((Arc::new(lookup), format!("at {when}"))));
    }
    Ok(known)
}

/// What Relatics holds of each interface others point at, from the body last sent to its
/// endpoint (`endpoint(i)`): which name each external id has there. Without a kept body that
/// is the one the last receipt records, nothing is known, and every row's element is taken to
/// be new ([`Held::Unknown`]): its ID is read after its sync, never guessed from its name.
pub fn held_names(
    project: &Project,
    state_dir: Option<&Path>,
    endpoint: impl Fn(usize) -> Option<String>,
) -> Vec<Held> {
    let store = state_dir.map(crate::submit::receipt::Store::new);
    (0..project.interfaces.len())
        .map(|i| {
            let interface = &project.interfaces[i];
            let (Some(store), Some(endpoint), Some(name_field)) = (&store, endpoint(i), interface.name_field) else {
                return Held::Unknown;
            };
            if !project.is_target(i) {
                return Held::Unknown;
            }
            let key = &interface.template.fields[name_field].key;
            match last_names(store, &endpoint, key) {
                Ok(Some(names)) => Held::Body(names),
                Ok(None) => Held::Unknown,
                Err(e) => {
                    crate::errln!(
                        "relsync: interface '{}': the body last sent cannot be read back ({e:#}), so every row is taken \
                         to be a new element: relations to them are sent once Relatics has given them IDs",
                        crate::value::for_terminal(&interface.name)
                    );
                    Held::Unknown
                }
            }
        })
        .collect()
}

/// The names (the values of the property keyed `key`) of the body last sent to `endpoint`, by
/// external id; `None` when no body is kept.
fn last_names(
    store: &crate::submit::receipt::Store,
    endpoint: &str,
    key: &str,
) -> anyhow::Result<Option<std::collections::HashMap<String, String>>> {
    use crate::body::read::{BodyElement, ElementSink, FieldValue};
    struct Names<'k> {
        key: &'k str,
        names: std::collections::HashMap<String, String>,
        problem: Option<String>,
    }
    impl ElementSink for Names<'_> {
        fn element(&mut self, element: BodyElement) {
            let name = element.fields.into_iter().find_map(|(k, v)| match v {
                FieldValue::Text(t) if k == self.key => Some(t),
                _ => None,
            });
            if let (Some(id), Some(name)) = (element.id, name) {
                self.names.insert(id, name);
            }
        }
        fn problem(&mut self, at: String, message: String) {
            self.problem.get_or_insert(format!("{at} {message}"));
        }
    }
    let Some((_, receipt)) = store.last(endpoint)? else {
        return Ok(None);
    };
    let Some(kept) = store.kept_body(endpoint, &receipt) else {
        return Ok(None);
    };
    kept.verify(&receipt)?;
    let mut sink = Names {
        key,
        names: std::collections::HashMap::new(),
        problem: None,
    };
    crate::body::read::read(kept.open()?, kept.format, &mut sink);
    match sink.problem {
        Some(p) => anyhow::bail!("{}: {p}", kept.path.display()),
        None => Ok(Some(sink.names)),
    }
}

/// The report context of one interface's read.
pub fn context<'a>(project: &'a Project, read: &'a Read) -> Context<'a> {
    let interface = &project.interfaces[read.index];
    Context {
        input: &interface.spec.path,
        sheet: read.outcome.info.sheet.as_deref(),
        template: Some(&interface.template_path),
        stats: read.outcome.stats,
        elapsed: Some(read.started.elapsed()),
    }
}

/// [`context`] with the read's problems beside it, to write a report of them.
fn context_and_problems<'a>(
    project: &'a Project,
    read: &'a mut Read,
) -> (Context<'a>, &'a mut crate::problem::Problems) {
    let interface = &project.interfaces[read.index];
    let elapsed = read.started.elapsed();
    let outcome = &mut read.outcome;
    let ctx = Context {
        input: &interface.spec.path,
        sheet: outcome.info.sheet.as_deref(),
        template: Some(&interface.template_path),
        stats: outcome.stats,
        elapsed: Some(elapsed),
    };
    (ctx, &mut outcome.problems)
}

pub fn check(settings: &ProjectCheck, global: &Global) -> anyhow::Result<Exit> {
    let project = &settings.project;
    let known = kept_ids(project, settings.state_dir.as_deref())?;
    let mut held = held_names(project, settings.state_dir.as_deref(), |i| {
        project.interfaces[i].endpoint.as_ref().map(|u| u.url.clone())
    });
    let reader = Reader::new(
        project,
        |i| known[i].clone(),
        |i| std::mem::take(&mut held[i]),
        |_| true,
    );
    let full = settings.report != ReportFormat::Text
        || settings.report_file.is_some()
        || settings.html_report.is_some()
        || settings.annotate.is_some();
    let options = Options {
        body: None,
        spool: full,
        strict: settings.strict,
        allow_empty: false,
        progress: !global.quiet,
    };
    let mut reads = reader.read_all(&project.order(), options)?;
    // Reports list the interfaces as the project file does.
    reads.sort_by_key(|r| r.index);
    write_report_files(
        project,
        &mut reads,
        settings.report_file.as_deref(),
        settings.html_report.as_deref(),
        settings.annotate.as_deref(),
    )?;
    let written = match settings.report {
        ReportFormat::Text => {
            let mut out = std::io::BufWriter::new(anstream::stdout().lock());
            write_text(&mut out, project, &reads, global.style(true)).and_then(|()| out.flush())
        }
        ReportFormat::Json => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            write_json(&mut out, project, &mut reads).and_then(|()| out.flush())
        }
        ReportFormat::Html => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            write_html(&mut out, project, &mut reads).and_then(|()| out.flush())
        }
    };
    match written {
        // A reader that stopped early (`| head`) wanted no more.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        written => written.context("writing the report to standard output")?,
    }
    Ok(if reads.iter().any(|r| r.outcome.blocked(settings.strict)) {
        Exit::Problems
    } else {
        Exit::Success
    })
}

/// The JSON report, the HTML report and the annotated copies, where asked for.
pub fn write_report_files(
    project: &Project,
    reads: &mut [Read],
    json: Option<&Path>,
    html: Option<&Path>,
    annotate: Option<&Path>,
) -> anyhow::Result<()> {
    if let Some(path) = json {
        write_file(path, "report", |out| write_json(out, project, reads))?;
    }
    if let Some(path) = html {
        write_file(path, "HTML report", |out| write_html(out, project, reads))?;
    }
    if let Some(dir) = annotate {
        std::fs::create_dir_all(dir).with_context(|| format!("creating the folder {}", dir.display()))?;
        for read in reads.iter_mut() {
            let interface = &project.interfaces[read.index];
            let path = crate::project::annotated_copy(dir, &interface.name);
            let (ctx, problems) = context_and_problems(project, read);
            crate::annotate::write(&path, &interface.spec, &interface.template, &ctx, problems)?;
        }
    }
    Ok(())
}

/// The text report: per interface a heading, its problems (each with its file and cell) and its
/// summary line; then the project's totals.
fn write_text(out: &mut dyn Write, project: &Project, reads: &[Read], style: report::Style) -> std::io::Result<()> {
    let (mut errors, mut warnings) = (0, 0);
    for read in reads {
        let interface = &project.interfaces[read.index];
        let ctx = context(project, read);
        let sheet = ctx.sheet.map(|s| format!(", sheet '{s}'")).unwrap_or_default();
        writeln!(
            out,
            "interface '{}': {}{sheet}, template {}",
            crate::value::for_terminal(&interface.name),
            interface.spec.path.display(),
            interface.template_path.display()
        )?;
        report::write_problems_as(out, &ctx, &read.outcome.problems, style, true)?;
        writeln!(out, "{}", report::summary(&ctx, &read.outcome.problems, style))?;
        writeln!(out)?;
        errors += read.outcome.problems.errors();
        warnings += read.outcome.problems.warnings();
    }
    writeln!(
        out,
        "project {}: {} interface{}, {errors} error{}, {warnings} warning{}",
        project.path.display(),
        reads.len(),
        if reads.len() == 1 { "" } else { "s" },
        if errors == 1 { "" } else { "s" },
        if warnings == 1 { "" } else { "s" },
    )
}

/// The JSON report: the project, its totals, and one report object per interface (as `check`
/// writes for one sheet, with `"interface"` first).
fn write_json(out: &mut dyn Write, project: &Project, reads: &mut [Read]) -> std::io::Result<()> {
    let errors: u64 = reads.iter().map(|r| r.outcome.problems.errors()).sum();
    let warnings: u64 = reads.iter().map(|r| r.outcome.problems.warnings()).sum();
    writeln!(
        out,
        "{{\n  \"project\": {},\n  \"errors\": {errors},\n  \"warnings\": {warnings},\n  \"interfaces\": [",
        serde_json::to_string(&project.path.display().to_string())?
    )?;
    for (n, read) in reads.iter_mut().enumerate() {
        if n > 0 {
            out.write_all(b",\n")?;
        }
        let interface = &project.interfaces[read.index];
        let (ctx, problems) = context_and_problems(project, read);
        let mut one = Vec::new();
        report::write_json_for(&mut one, &ctx, problems, Some(&interface.name))?;
        out.write_all(String::from_utf8_lossy(&one).trim_end().as_bytes())?;
    }
    out.write_all(b"\n  ]\n}\n")
}

/// The HTML report: one page, a section per interface.
fn write_html(out: &mut dyn Write, project: &Project, reads: &mut [Read]) -> std::io::Result<()> {
    let title = format!("project {}", project.path.display());
    let names: Vec<&str> = reads
        .iter()
        .map(|r| project.interfaces[r.index].name.as_str())
        .collect();
    report::page_start(out, &title, &format!("interfaces {}", names.join(", ")))?;
    for (n, read) in reads.iter_mut().enumerate() {
        let interface = &project.interfaces[read.index];
        let (ctx, problems) = context_and_problems(project, read);
        writeln!(
            out,
            "<section class=\"interface\" id=\"interface-{n}\">\n<h2>Interface {}</h2>",
            report::html_escape(&interface.name)
        )?;
        report::html_section(out, &ctx, problems, &format!("-{n}"))?;
        writeln!(out, "</section>")?;
    }
    report::page_end(out)
}
