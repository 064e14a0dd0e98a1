//! What the page asks of one interface: an upload, its check (on a thread of its own, so the
//! page keeps answering), the reports and body to download, what a submit would change, the
//! submit itself, and the history of submits. The work is the commands' own: the pipeline with
//! a body writer, the JSON report, the annotated copy, and the submit flow (its plan, its
//! guard, its lock and its receipts).

use std::collections::HashMap;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use super::App;
use super::http::{Answer, Call};
use crate::body::{BodyFormat, BodyWriter};
use crate::cmd::settings::ServeMode;
use crate::exit::{Exit, ExitError};
use crate::input::InputSpec;
use crate::pipeline::{self, Job as PipelineJob, Outcome};
use crate::progress::{Counts, Progress};
use crate::report::Context;
use crate::submit::guard::Deletions;
use crate::submit::{Prepared, Sent};
use crate::template::Template;

/// Problems the page lists; the counts cover every problem, and the JSON report lists all.
const LISTED: usize = 5000;
/// Extensions the page takes.
const SHEETS: [&str; 9] = ["xlsx", "xlsm", "xlsb", "xls", "ods", "csv", "tsv", "txt", "CSV"];

/// Uploads and checks, shared by the request threads.
#[derive(Default)]
pub struct State {
    next: u64,
    uploads: HashMap<u64, Upload>,
    jobs: HashMap<u64, Arc<Mutex<Job>>>,
    /// Checks running now (see [`CHECKS`]).
    running: Arc<std::sync::atomic::AtomicUsize>,
}

/// Checks that run at once; the page asks for more only when files are dropped in quick
/// succession, and each takes what `check` takes.
const CHECKS: usize = 2;

impl State {
    /// Stops and forgets the checks of `upload` (a new check of it, or another file in its
    /// place), with what they made.
    fn drop_jobs(&mut self, upload: u64) {
        self.jobs.retain(|_, job| {
            let Ok(j) = job.lock() else { return true };
            if j.upload != upload {
                return true;
            }
            j.counts.cancel.store(true, Ordering::Relaxed);
            let _ = std::fs::remove_dir_all(&j.dir);
            false
        });
    }
}

struct Upload {
    path: PathBuf,
    /// The folder it is in, removed with it.
    dir: PathBuf,
    name: String,
    interface: String,
}

struct Job {
    upload: u64,
    spec: InputSpec,
    /// The folder for what is made from the upload (body, reports, annotated copy).
    dir: PathBuf,
    counts: Arc<Counts>,
    started: std::time::Instant,
    phase: Phase,
}

enum Phase {
    Running,
    Failed(String),
    Done(Box<Done>),
}

struct Done {
    outcome: Outcome,
    elements: u64,
    /// The page's view: summary, counts, the first problems.
    view: Value,
}

impl App {
    /// The uploaded export of each interface that has one.
    pub fn uploads_by_interface(&self) -> Vec<(String, PathBuf)> {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state
            .uploads
            .values()
            .map(|u| (u.interface.clone(), u.path.clone()))
            .collect()
    }
}

/// The template of the one interface the page offers, with its endpoint.
fn one(app: &App) -> Option<(&Template, &Path, Option<&str>)> {
    match &app.settings.mode {
        ServeMode::Template {
            template,
            path,
            endpoint,
        } => Some((template, path, endpoint.as_deref())),
        ServeMode::Project { .. } => None,
    }
}

/// The interface's name on the page: the template's plural.
fn interface_name(template: &Template) -> String {
    template.target.plural.clone()
}

/// `GET /api/setup`: what the page offers.
pub fn setup(app: &App) -> Answer {
    let send = &app.settings.send;
    let credentials = match (&send.credentials, &send.credentials_problem) {
        (Some(c), _) => json!({ "ready": true, "from": c.describe() }),
        (None, problem) => json!({ "ready": false, "problem": problem }),
    };
    let (mode, interfaces) = match &app.settings.mode {
        ServeMode::Template {
            template,
            path,
            endpoint,
        } => (
            "template",
            vec![json!({
                "name": interface_name(template),
                "template": path.display().to_string(),
                "endpoint": endpoint,
            })],
        ),
        ServeMode::Project { path, project } => (
            "project",
            project
                .interfaces
                .iter()
                .map(|i| {
                    let upload = app
                        .uploads_by_interface()
                        .into_iter()
                        .find(|(n, _)| *n == i.name)
                        .and_then(|(_, p)| Some(p.file_name()?.to_string_lossy().into_owned()));
                    json!({
                        "upload": upload,
                        "name": i.name,
                        "template": i.template_path.display().to_string(),
                        "input": i.spec.path.display().to_string(),
                        "endpoint": i.endpoint.as_ref().map(|u| u.url.clone()),
                        "project": path.display().to_string(),
                    })
                })
                .collect(),
        ),
    };
    Answer::json(&json!({
        "mode": mode,
        "interfaces": interfaces,
        "max_upload": app.settings.max_upload,
        "credentials": credentials,
        "state_dir": send.state_dir.display().to_string(),
        "version": env!("CARGO_PKG_VERSION"),
    }))
}

/// `PUT /api/upload?interface=NAME&name=FILE`: the export, stored in the private folder
/// (replacing the interface's last upload); answers its id and its sheets.
pub fn upload(app: &App, call: &mut Call) -> Answer {
    let interface = call.param("interface").unwrap_or_default().to_owned();
    let known = match &app.settings.mode {
        ServeMode::Template { template, .. } => interface_name(template) == interface,
        ServeMode::Project { project, .. } => project.interfaces.iter().any(|i| i.name == interface),
    };
    if !known {
        return Answer::error(400, "no such interface");
    }
    let name = upload_name(call.param("name").unwrap_or_default());
    let extension = Path::new(&name)
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if name.trim_matches('.').is_empty() || !SHEETS.contains(&extension.as_str()) {
        return Answer::error(
            415,
            "choose an export: .xlsx, .xlsm, .xlsb, .xls, .ods, .csv, .tsv or .txt",
        );
    }
    let max = app.settings.max_upload;
    if call.body_length().is_some_and(|n| n > max) {
        return too_large(max);
    }
    let id = {
        let mut state = app.state.lock().unwrap_or_else(|e| e.into_inner());
        state.next += 1;
        state.next
    };
    let dir = app.work.join("uploads").join(id.to_string());
    let path = dir.join(&name);
    let stored = (|| -> std::io::Result<u64> {
        std::fs::create_dir_all(&dir)?;
        let mut file = BufWriter::new(std::fs::File::create(&path)?);
        let copied = std::io::copy(&mut call.body().take(max + 1), &mut file)?;
        file.flush()?;
        Ok(copied)
    })();
    match stored {
        Ok(n) if n > max => {
            let _ = std::fs::remove_dir_all(&dir);
            return too_large(max);
        }
        // The connection ended before the whole file came: nothing is kept (the last upload
        // stays).
        Ok(n) if call.body_length().is_some_and(|length| length != n) => {
            let _ = std::fs::remove_dir_all(&dir);
            return Answer::error(400, "the upload was cut off; choose the file again");
        }
        Ok(_) => {}
        Err(e) => {
            let _ = std::fs::remove_dir_all(&dir);
            return Answer::error(500, &format!("the upload could not be stored ({e})"));
        }
    }
    // The interface's earlier upload (and what was made from it) goes.
    {
        let mut state = app.state.lock().unwrap_or_else(|e| e.into_inner());
        let old: Vec<u64> = state
            .uploads
            .iter()
            .filter(|(_, u)| u.interface == interface)
            .map(|(k, _)| *k)
            .collect();
        for k in old {
            if let Some(u) = state.uploads.remove(&k) {
                let _ = std::fs::remove_dir_all(&u.dir);
            }
            state.drop_jobs(k);
        }
        state.uploads.insert(
            id,
            Upload {
                path: path.clone(),
                dir: dir.clone(),
                name: name.clone(),
                interface: interface.clone(),
            },
        );
    }
    let template = match &app.settings.mode {
        ServeMode::Template { template, .. } => template.as_ref(),
        ServeMode::Project { project, .. } => match project.interfaces.iter().find(|i| i.name == interface) {
            Some(i) => &i.template,
            None => return Answer::error(400, "no such interface"),
        },
    };
    let sheets = template
        .input_spec(&path, None)
        .map_err(|e| e.to_string())
        .and_then(|spec| crate::input::sheet_names(&spec).map_err(|e| e.to_string()));
    match sheets {
        Ok(sheets) => Answer::json(
            &json!({ "upload": id, "name": name, "sheets": sheets, "default_sheet": template.source.sheet }),
        ),
        // A file that is no workbook: said now, in check's words; the server keeps serving.
        Err(why) => Answer::json(&json!({
            "upload": id, "name": name, "sheets": [], "error": hide(&why, &dir, &name)
        })),
    }
}

/// The file's own name from what the browser says: no folder, nothing a file system or a
/// terminal reads otherwise (control and direction characters, `:*?"<>|`), at most 100
/// characters before its extension, and not a name Windows keeps for devices.
fn upload_name(given: &str) -> String {
    let base: String = given
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default()
        .chars()
        .filter(|c| {
            !c.is_control()
                && !matches!(c, ':' | '*' | '?' | '"' | '<' | '>' | '|')
                && !matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        })
        .collect();
    let base = base.trim().trim_start_matches('.').to_owned();
    let (stem, extension) = match base.rsplit_once('.') {
        Some((s, e)) if e.len() <= 5 => (s.to_owned(), format!(".{e}")),
        _ => (base.clone(), String::new()),
    };
    let mut stem: String = stem.chars().take(100).collect();
    const DEVICES: [&str; 22] = [
        "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8", "com9", "lpt1",
        "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
    ];
    if DEVICES.contains(&stem.trim().to_ascii_lowercase().as_str()) {
        stem.insert(0, '_');
    }
    format!("{stem}{extension}")
}

/// A message about an upload without the private folder it is in: the file's own name.
fn hide(message: &str, dir: &Path, name: &str) -> String {
    message.replace(&dir.join(name).display().to_string(), name)
}

fn too_large(max: u64) -> Answer {
    Answer::error(
        413,
        &format!(
            "the file is larger than the page takes ({}); start relsync serve with --max-upload to take larger ones",
            crate::output::human_size(max)
        ),
    )
}

/// `POST /api/check` `{"upload": ID, "sheet": NAME}`: starts the check of an upload on a
/// thread of its own; answers the job's id.
pub fn check(app: &App, call: &mut Call) -> Answer {
    let Some((template, template_path, _)) = one(app) else {
        return Answer::error(404, "a project is checked as a whole");
    };
    let request: Value = match call.small_body(64 * 1024).map(|b| serde_json::from_slice(&b)) {
        Ok(Ok(v)) => v,
        Ok(Err(_)) => return Answer::error(400, "the request is not JSON"),
        Err(answer) => return answer,
    };
    let Some(upload) = request["upload"].as_u64() else {
        return Answer::error(400, "which upload?");
    };
    let sheet = request["sheet"].as_str().map(str::to_owned);
    let path = {
        let state = app.state.lock().unwrap_or_else(|e| e.into_inner());
        match state.uploads.get(&upload) {
            Some(u) => u.path.clone(),
            None => return Answer::error(404, "that upload is gone; choose the file again"),
        }
    };
    let spec = match template.input_spec(&path, sheet.as_deref()) {
        Ok(spec) => spec,
        Err(e) => return Answer::error(422, &e.to_string()),
    };
    let (id, running) = {
        let mut state = app.state.lock().unwrap_or_else(|e| e.into_inner());
        // A new check of the file replaces the one running.
        state.drop_jobs(upload);
        if state.running.load(Ordering::Acquire) >= CHECKS {
            return Answer::error(
                429,
                "two checks are still running (of files dropped before); wait for them, then check again",
            );
        }
        state.next += 1;
        (state.next, Arc::clone(&state.running))
    };
    let dir = app.work.join("jobs").join(id.to_string());
    if let Err(e) = std::fs::create_dir_all(&dir) {
        return Answer::error(500, &format!("cannot make a folder for the check ({e})"));
    }
    let job = Arc::new(Mutex::new(Job {
        upload,
        spec,
        dir,
        counts: Arc::new(Counts::default()),
        started: std::time::Instant::now(),
        phase: Phase::Running,
    }));
    app.state
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .jobs
        .insert(id, Arc::clone(&job));
    let template = template.clone();
    let template_path = template_path.to_owned();
    running.fetch_add(1, Ordering::AcqRel);
    let done = Arc::clone(&running);
    let spawned = std::thread::Builder::new().name("relsync-check".into()).spawn(move || {
        run_check(&job, &template, &template_path);
        done.fetch_sub(1, Ordering::AcqRel);
    });
    if let Err(e) = spawned {
        running.fetch_sub(1, Ordering::AcqRel);
        return Answer::error(500, &format!("cannot start the check ({e})"));
    }
    Answer::json(&json!({ "job": id }))
}

/// The check of one upload: the pipeline with a JSON body writer, then the page's view and
/// the JSON report.
fn run_check(job: &Mutex<Job>, template: &Template, template_path: &Path) {
    let (spec, dir, counts) = {
        let j = job.lock().unwrap_or_else(|e| e.into_inner());
        (j.spec.clone(), j.dir.clone(), Arc::clone(&j.counts))
    };
    let result = crate::panics::quietly(|| check_upload(&spec, (template, template_path), &dir, counts));
    let name = spec
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let folder = spec.path.parent().map(Path::to_owned).unwrap_or_default();
    let phase = match result {
        Ok(Ok(done)) => Phase::Done(Box::new(done)),
        Ok(Err(e)) => Phase::Failed(hide(&sentence(&e), &folder, &name)),
        Err(why) => Phase::Failed(format!("the check stopped unexpectedly: {why}")),
    };
    job.lock().unwrap_or_else(|e| e.into_inner()).phase = phase;
}

/// An error and its causes in one line, as the command line says it.
fn sentence(e: &anyhow::Error) -> String {
    crate::exit::sentence(e)
}

fn check_upload(
    spec: &InputSpec,
    (template, template_name): (&Template, &Path),
    dir: &Path,
    counts: Arc<Counts>,
) -> anyhow::Result<Done> {
    let body_path = dir.join("body.json");
    let mut out = BufWriter::with_capacity(256 * 1024, std::fs::File::create(&body_path)?);
    let job = PipelineJob {
        spec,
        template,
        spool_problems: true,
        strict: false,
        collect_ids: true,
        // As `check`: an empty sheet is an error (its body would delete every element).
        allow_empty: false,
        progress: Progress::shared(counts),
        project: None,
    };
    let (mut outcome, elements) = {
        let mut writer = BodyWriter::new(&mut out, template, BodyFormat::Json, false);
        let outcome = pipeline::run(job, Some(&mut writer))?;
        let elements = writer.count();
        (outcome, elements)
    };
    out.flush()?;
    drop(out);
    let upload_name = spec
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let shown = PathBuf::from(&upload_name);
    let sheet = outcome.info.sheet.clone();
    let ctx = Context {
        input: &shown,
        sheet: sheet.as_deref(),
        template: Some(template_name),
        stats: outcome.stats,
        elapsed: None,
    };
    {
        let mut report = BufWriter::new(std::fs::File::create(dir.join("report.json"))?);
        crate::report::write_json(&mut report, &ctx, &mut outcome.problems)?;
        report.flush()?;
    }
    let counted = outcome.stats.elements;
    let view = view(&ctx, &mut outcome, counted)?;
    Ok(Done {
        outcome,
        elements,
        view,
    })
}

/// What the page shows of a check: the summary, the counts per code and per column, and the
/// first problems (each with its cell, as the reports place it).
fn view(ctx: &Context<'_>, outcome: &mut Outcome, elements: u64) -> anyhow::Result<Value> {
    let mut per_code: std::collections::BTreeMap<String, (String, u64)> = Default::default();
    let mut per_column: std::collections::BTreeMap<String, (u64, u64)> = Default::default();
    let mut listed = Vec::new();
    let errors = outcome.problems.errors();
    let warnings = outcome.problems.warnings();
    outcome.problems.for_each(|p| {
        let severity = p.severity().as_str().to_owned();
        per_code
            .entry(p.code.as_str().to_owned())
            .or_insert((severity.clone(), 0))
            .1 += 1;
        let column = match (p.col, p.column.as_deref()) {
            (Some(c), Some(h)) => format!("{} {h}", crate::cellref::column_letters(c)),
            (Some(c), None) => crate::cellref::column_letters(c),
            (None, _) => "(whole row or sheet)".to_owned(),
        };
        let entry = per_column.entry(column.clone()).or_insert((0, 0));
        if p.severity() == crate::problem::Severity::Error {
            entry.0 += 1;
        } else {
            entry.1 += 1;
        }
        if listed.len() < LISTED {
            listed.push(json!({
                "cell": crate::report::location(p, ctx),
                "severity": severity,
                "code": p.code.as_str(),
                "column": column,
                "value": p.value,
                "message": p.message,
            }));
        }
        Ok(())
    })?;
    Ok(json!({
        "sheet": ctx.sheet,
        "rows": outcome.stats.rows,
        "elements": elements,
        "errors": errors,
        "warnings": warnings,
        "clean": outcome.body_complete,
        "per_code": per_code.iter().map(|(code, (sev, n))| json!({"code": code, "severity": sev, "count": n})).collect::<Vec<_>>(),
        "per_column": per_column.iter().map(|(col, (e, w))| json!({"column": col, "errors": e, "warnings": w})).collect::<Vec<_>>(),
        "problems": listed,
        "listed": listed_count(errors + warnings),
    }))
}

fn listed_count(total: u64) -> u64 {
    total.min(LISTED as u64)
}

/// `/api/jobs/ID[/what]`: the job's state, its files, its plan, its submit.
pub fn job(app: &App, call: &mut Call, method: &str, rest: &str) -> Answer {
    let (id, what) = rest.split_once('/').unwrap_or((rest, ""));
    let Ok(id) = id.parse::<u64>() else {
        return Answer::error(404, "no such check");
    };
    let Some(job) = app
        .state
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .jobs
        .get(&id)
        .cloned()
    else {
        return Answer::error(404, "that check is gone; choose the file again");
    };
    match (method, what) {
        ("GET", "") => status(&job),
        ("GET", "report.json") => report_file(&job),
        ("GET", "annotated.xlsx") => annotated(app, &job),
        ("GET", "body.json") => body(app, &job, BodyFormat::Json),
        ("GET", "body.xml") => body(app, &job, BodyFormat::Xml),
        ("GET", "plan") => plan(app, &job),
        ("POST", "send") => send(app, &job, call),
        _ => Answer::error(404, "no such page"),
    }
}

/// The check's state: running (with how far), failed (why), or done (the page's view).
fn status(job: &Mutex<Job>) -> Answer {
    let j = job.lock().unwrap_or_else(|e| e.into_inner());
    match &j.phase {
        Phase::Running => Answer::json(&json!({
            "state": "running",
            "rows": j.counts.rows.load(Ordering::Relaxed),
            "position": j.counts.position.load(Ordering::Relaxed),
            "total": j.counts.total.load(Ordering::Relaxed),
            "seconds": j.started.elapsed().as_secs_f64(),
        })),
        Phase::Failed(why) => Answer::json(&json!({ "state": "failed", "error": why })),
        Phase::Done(done) => Answer::json(&json!({
            "state": "done",
            "seconds": j.started.elapsed().as_secs_f64(),
            "result": done.view,
        })),
    }
}

/// The upload's name without its extension, for the names of what is downloaded.
fn stem(app: &App, j: &Job) -> String {
    let state = app.state.lock().unwrap_or_else(|e| e.into_inner());
    state
        .uploads
        .get(&j.upload)
        .and_then(|u| Path::new(&u.name).file_stem().map(|s| s.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "export".to_owned())
}

fn report_file(job: &Mutex<Job>) -> Answer {
    let j = job.lock().unwrap_or_else(|e| e.into_inner());
    match &j.phase {
        Phase::Done(_) => Answer::download(j.dir.join("report.json"), "application/json", "relsync-report.json"),
        _ => Answer::error(409, "the check has not ended"),
    }
}

/// The annotated workbook, made when first asked for.
fn annotated(app: &App, job: &Mutex<Job>) -> Answer {
    let Some((template, template_path, _)) = one(app) else {
        return Answer::error(404, "no such page");
    };
    let mut j = job.lock().unwrap_or_else(|e| e.into_inner());
    let name = format!("{}-checked.xlsx", stem(app, &j));
    let path = j.dir.join("annotated.xlsx");
    let (spec, dir) = (j.spec.clone(), j.dir.clone());
    let Phase::Done(done) = &mut j.phase else {
        return Answer::error(409, "the check has not ended");
    };
    if !path.is_file() {
        let shown = spec.path.file_name().map(PathBuf::from).unwrap_or_default();
        let ctx = Context {
            input: &shown,
            sheet: done.outcome.info.sheet.as_deref(),
            template: Some(template_path),
            stats: done.outcome.stats,
            elapsed: None,
        };
        if let Err(e) = crate::annotate::write(&path, &spec, template, &ctx, &mut done.outcome.problems) {
            return Answer::error(500, &sentence(&e));
        }
        let _ = dir;
    }
    Answer::download(
        path,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &name,
    )
}

/// The body of a clean check: JSON as the check wrote it, XML written when first asked for.
fn body(app: &App, job: &Mutex<Job>, format: BodyFormat) -> Answer {
    let Some((template, _, _)) = one(app) else {
        return Answer::error(404, "no such page");
    };
    let j = job.lock().unwrap_or_else(|e| e.into_inner());
    let Phase::Done(done) = &j.phase else {
        return Answer::error(409, "the check has not ended");
    };
    if !done.outcome.body_complete {
        return Answer::error(
            409,
            "the sheet has errors, so there is no body; fix them and check again",
        );
    }
    let stem = stem(app, &j);
    let path = match format {
        BodyFormat::Json => j.dir.join("body.json"),
        BodyFormat::Xml => {
            let path = j.dir.join("body.xml");
            if !path.is_file()
                && let Err(e) = write_body(&j.spec, template, &path, format)
            {
                return Answer::error(500, &sentence(&e));
            }
            path
        }
    };
    Answer::download(
        path,
        format.content_type(),
        &format!("{stem}.{}", format.name().to_ascii_lowercase()),
    )
}

/// The body in `format`, made again from the upload (whole, or not at all).
fn write_body(spec: &InputSpec, template: &Template, path: &Path, format: BodyFormat) -> anyhow::Result<()> {
    let temp = path.with_extension("partial");
    {
        let mut out = BufWriter::new(std::fs::File::create(&temp)?);
        let mut writer = BodyWriter::new(&mut out, template, format, false);
        let job = PipelineJob {
            spec,
            template,
            spool_problems: false,
            strict: false,
            collect_ids: false,
            allow_empty: true,
            progress: Progress::off(),
            project: None,
        };
        let outcome = pipeline::run(job, Some(&mut writer))?;
        drop(writer);
        out.flush()?;
        if !outcome.body_complete {
            anyhow::bail!("the sheet changed since its check; choose it again");
        }
    }
    std::fs::rename(&temp, path)?;
    Ok(())
}

/// What a submit of the checked body is: its settings and body.
fn prepared(app: &App, j: &Job, done: &Done, dry_run: bool) -> Result<(crate::submit::Settings, Prepared), Answer> {
    let Some((template, _, endpoint)) = one(app) else {
        return Err(Answer::error(404, "no such page"));
    };
    if !done.outcome.body_complete {
        return Err(Answer::error(
            409,
            "the sheet has errors, so nothing can be sent; fix them in the export and check it again",
        ));
    }
    let base = &app.settings.send;
    let settings = crate::submit::Settings {
        input: PathBuf::from(
            j.spec
                .path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        ),
        endpoint: endpoint.map(str::to_owned),
        dry_run,
        allow_deletions: false,
        allow_empty: false,
        state_dir: base.state_dir.clone(),
        timeout: base.timeout,
        retries: base.retries,
        accept: base.accept,
        credentials: base.credentials.clone(),
        credentials_problem: base.credentials_problem.clone(),
        verbose: false,
        lock: true,
    };
    let prepared = Prepared {
        path: j.dir.join("body.json"),
        format: BodyFormat::Json,
        elements: done.elements,
        ids: done.outcome.external_ids.clone(),
        names: template.target_names(),
        report_page: None,
    };
    Ok((settings, prepared))
}

/// The deletions of a plan, for the page: `null` when relsync cannot tell (no receipt).
fn deletions_of(deletions: &Deletions) -> Value {
    match deletions {
        Deletions::Known(ids) => json!(ids.iter().take(LISTED).collect::<Vec<_>>()),
        Deletions::Unknown => Value::Null,
    }
}

/// What identifies the deletions a plan shows: the page sends it back with the confirmation,
/// and a submit goes ahead only when the plan made then deletes exactly those.
fn fingerprint(deletions: &Deletions) -> String {
    use sha2::{Digest, Sha256};
    let text = match deletions {
        Deletions::Known(ids) => ids.join("\n"),
        Deletions::Unknown => "relsync cannot tell".to_owned(),
    };
    crate::submit::receipt::hex(&Sha256::digest(text.as_bytes()))
}

fn deleting(deletions: &Deletions) -> Option<usize> {
    match deletions {
        Deletions::Known(ids) => Some(ids.len()),
        Deletions::Unknown => None,
    }
}

/// `GET plan`: what a submit would change, as `submit --dry-run` says it.
fn plan(app: &App, job: &Mutex<Job>) -> Answer {
    let j = job.lock().unwrap_or_else(|e| e.into_inner());
    let Phase::Done(done) = &j.phase else {
        return Answer::error(409, "the check has not ended");
    };
    let (settings, prepared) = match prepared(app, &j, done, true) {
        Ok(p) => p,
        Err(answer) => return answer,
    };
    let planned = match crate::submit::plan(&settings, &prepared) {
        Ok(p) => p,
        Err(e) => return Answer::error(500, &sentence(&e)),
    };
    // What the command line adds about its flags is the page's confirmation box here.
    Answer::json(&json!({
        // (The page has no `relsync diff` to point at.)
        "text": planned.plan.text.replace(" (relsync diff shows all)", ""),
        "endpoint": settings.endpoint,
        "deletions": deletions_of(&planned.plan.deletions),
        "deleting": deleting(&planned.plan.deletions),
        "fingerprint": fingerprint(&planned.plan.deletions),
        "empty": planned.plan.empty,
        "unchanged": planned.unchanged(),
        "can_send": settings.endpoint.is_some() && settings.credentials.is_some(),
        "why_not": match (&settings.endpoint, &settings.credentials) {
            (None, _) => Some("no endpoint: start relsync serve with --endpoint URL, RELATICS_ENDPOINT, or target.endpoint in the template".to_owned()),
            (_, None) => settings.credentials_problem.clone(),
            _ => None,
        },
    }))
}

/// `POST send` `{"confirm": true, "fingerprint": F}`: sends the checked body. Deletions must
/// have been confirmed on the page: the request carries the fingerprint of the deletions the
/// person saw (the plan's), and the submit goes ahead only if the plan made now deletes
/// exactly those.
fn send(app: &App, job: &Mutex<Job>, call: &mut Call) -> Answer {
    let request: Value = match call.small_body(64 * 1024).map(|b| serde_json::from_slice(&b)) {
        Ok(Ok(v)) => v,
        Ok(Err(_)) => return Answer::error(400, "the request is not JSON"),
        Err(answer) => return answer,
    };
    let confirmed = request.get("confirm").and_then(Value::as_bool).unwrap_or(false);
    let seen = request
        .get("fingerprint")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let j = job.lock().unwrap_or_else(|e| e.into_inner());
    let Phase::Done(done) = &j.phase else {
        return Answer::error(409, "the check has not ended");
    };
    let (mut settings, prepared) = match prepared(app, &j, done, false) {
        Ok(p) => p,
        Err(answer) => return answer,
    };
    if settings.endpoint.is_none() || settings.credentials.is_none() {
        return Answer::error(
            409,
            "nothing can be sent from this page: it has no endpoint or no credentials (see What will change)",
        );
    }
    // The plan now, holding the endpoint's lock (one submit per endpoint, the terminal's too).
    let planned = match crate::submit::plan(&settings, &prepared) {
        Ok(p) => p,
        Err(e) => return failed(&e),
    };
    let now = deleting(&planned.plan.deletions);
    let would_delete = !matches!(now, Some(0));
    if would_delete {
        let same = fingerprint(&planned.plan.deletions) == seen;
        if !confirmed {
            return Answer::json(&json!({
                "state": "refused",
                "message": "Nothing was sent: confirm the deletions first (What will change lists them).",
            }));
        }
        if !same {
            return Answer::json(&json!({
                "state": "refused",
                "message": "Nothing was sent: what Relatics would delete changed since the page showed it (another submit?); look at What will change again and confirm.",
            }));
        }
        settings.allow_deletions = true;
    }
    match crate::submit::flow::deliver(&settings, &prepared, planned) {
        Err(f) if f.may_have_arrived => Answer::json(&json!({
            "state": "may-have-arrived",
            "message": format!(
                "{} Whether Relatics received the body cannot be told; the next submit to this endpoint guards its \
                 elements as well.",
                sentence(&f.error)
            ),
        })),
        Ok(Sent::Recorded(receipt)) => Answer::json(&json!({
            "state": "sent",
            "message": format!("Sent: Relatics accepted the body ({} elements). Whether each element was processed is in the interface's sync issues in Relatics.", done.elements),
            "receipt": receipt.file_name().map(|n| n.to_string_lossy().into_owned()),
        })),
        Ok(Sent::NotRecorded) => Answer::json(&json!({
            "state": "not-recorded",
            "message": "Relatics accepted the body, but its receipt could not be saved in the state directory: the next submit cannot tell what it deletes until this is fixed.",
        })),
        Err(f) => failed(&f.error),
    }
}

/// A submit that did not go through, in the command line's words and exit states.
fn failed(e: &anyhow::Error) -> Answer {
    let exit = e.chain().find_map(|c| c.downcast_ref::<ExitError>()).map(|x| x.exit);
    let state = match exit {
        Some(Exit::Refused) => "refused",
        Some(Exit::NotRecorded) => "not-recorded",
        Some(Exit::SubmitFailed) => "failed",
        _ => "failed",
    };
    Answer::json(&json!({ "state": state, "message": sentence(e) }))
}

/// `GET /api/history?interface=NAME`: the last submits to the interface's endpoint.
pub fn history(app: &App, call: &Call) -> Answer {
    let interface = call.param("interface").unwrap_or_default();
    let endpoint = match &app.settings.mode {
        ServeMode::Template { endpoint, template, .. } if interface_name(template) == interface => endpoint.clone(),
        ServeMode::Project { project, .. } => project
            .interfaces
            .iter()
            .find(|i| i.name == interface)
            .and_then(|i| i.endpoint.as_ref().map(|u| u.url.clone())),
        _ => return Answer::error(400, "no such interface"),
    };
    let Some(endpoint) = endpoint else {
        return Answer::json(&json!({ "endpoint": null, "submits": [] }));
    };
    let store = crate::submit::receipt::Store::new(&app.settings.send.state_dir);
    // An upload by its own name: its place in the private folder means nothing once the page
    // is closed.
    let input = |input: &str| {
        Path::new(input)
            .strip_prefix(&app.work)
            .ok()
            .and_then(|_| Path::new(input).file_name())
            .map_or_else(|| input.to_owned(), |n| n.to_string_lossy().into_owned())
    };
    // A submit whose answer never came (it may have arrived): the guard counts it, so the page
    // shows it.
    let pending = store.in_flight(&endpoint).ok().flatten().map(|r| {
        json!({
            "time": r.time,
            "elements": r.elements,
            "size": r.size,
            "input": input(&r.input),
        })
    });
    match store.history(&endpoint) {
        Ok(receipts) => Answer::json(&json!({
            "endpoint": endpoint,
            "pending": pending,
            "submits": receipts
                .iter()
                .map(|(file, r)| json!({
                    "time": r.time,
                    "status": r.status,
                    "elements": r.elements,
                    "size": r.size,
                    "input": input(&r.input),
                    "receipt": file,
                }))
                .collect::<Vec<_>>(),
        })),
        Err(e) => Answer::error(500, &sentence(&e)),
    }
}
