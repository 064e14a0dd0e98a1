//! A project on the page: checked, planned and sent by `relsync check` and `relsync submit` of
//! the project file, run as they are on the command line (the same binary), so the page shows
//! exactly what they do. An export uploaded for an interface takes its input's place through a
//! copy of the project file in the private folder; the files the project names are never
//! touched.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::Command;

use serde_json::{Value, json};

use super::App;
use super::http::{Answer, Call};
use crate::cmd::settings::ServeMode;

/// The project file to run: the one given, or a copy naming the uploaded exports.
fn project_file(app: &App) -> anyhow::Result<PathBuf> {
    let ServeMode::Project { path, project } = &app.settings.mode else {
        anyhow::bail!("no project");
    };
    let uploads = app.uploads_by_interface();
    if uploads.is_empty() {
        return Ok(path.clone());
    }
    let absolute = |p: &std::path::Path| std::path::absolute(p).unwrap_or_else(|_| p.to_owned());
    let mut root = toml::Table::new();
    let mut workspace = toml::Table::new();
    if let Some((url, _)) = &project.token_url {
        workspace.insert("token_url".into(), url.clone().into());
    }
    root.insert("workspace".into(), workspace.into());
    let mut interfaces = Vec::new();
    for i in &project.interfaces {
        let mut t = toml::Table::new();
        t.insert("name".into(), i.name.clone().into());
        let uploaded = uploads.iter().find(|(n, _)| *n == i.name).map(|(_, p)| p.clone());
        let input = uploaded.clone().unwrap_or_else(|| absolute(&i.spec.path));
        t.insert("input".into(), input.display().to_string().into());
        t.insert(
            "template".into(),
            absolute(&i.template_path).display().to_string().into(),
        );
        if let Some(e) = &i.endpoint {
            t.insert("endpoint".into(), e.url.clone().into());
        }
        if let Some(ids) = &i.ids {
            t.insert("ids".into(), ids.url.clone().into());
        }
        if let Some(f) = i.name_field {
            t.insert("name_property".into(), i.template.fields[f].name.clone().into());
        }
        let delimited = crate::template::input_format(&input).is_ok_and(|f| f.is_delimited());
        if let (Some(sheet), false) = (&i.spec.sheet, delimited) {
            t.insert("sheet".into(), sheet.clone().into());
        }
        interfaces.push(toml::Value::Table(t));
    }
    root.insert("interface".into(), toml::Value::Array(interfaces));
    let file = app.work.join("relsync.toml");
    std::fs::write(&file, toml::to_string(&root)?)?;
    Ok(file)
}

/// The command line of relsync with `args` (the project file first) and the page's state and
/// network options.
fn command(app: &App, command: &str, extra: &[&str]) -> Result<Command, Answer> {
    let project = project_file(app).map_err(|e| Answer::error(500, &format!("{e:#}")))?;
    let exe = std::env::current_exe().map_err(|e| Answer::error(500, &format!("cannot find relsync itself ({e})")))?;
    let mut cmd = Command::new(exe);
    cmd.arg("--color").arg("never").arg("-q").arg(command).arg(&project);
    cmd.args(extra);
    if command == "submit" {
        cmd.args(&app.settings.passthrough);
    } else if let Some(at) = app.settings.passthrough.iter().position(|a| a == "--state-dir") {
        cmd.args(&app.settings.passthrough[at..at + 2]);
    }
    cmd.stdin(std::process::Stdio::null());
    Ok(cmd)
}

/// Runs relsync (see [`command`]) to its end: exit status, standard output and error.
fn relsync(app: &App, name: &str, extra: &[&str]) -> Result<(i32, String, String), Answer> {
    let out = command(app, name, extra)?
        .output()
        .map_err(|e| Answer::error(500, &format!("cannot run relsync ({e})")))?;
    Ok((
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    ))
}

/// The folder of the last project check's annotated copies.
fn annotated_dir(app: &App) -> PathBuf {
    app.work.join("project-annotated")
}

/// `POST /api/project/check`: `relsync check relsync.toml --report json --annotate DIR`; the
/// JSON report and the annotated copies can then be downloaded.
pub fn check(app: &App) -> Answer {
    let dir = annotated_dir(app);
    let _ = std::fs::remove_dir_all(&dir);
    let annotate = dir.display().to_string();
    let (exit, stdout, stderr) = match relsync(app, "check", &["--report", "json", "--annotate", &annotate]) {
        Ok(r) => r,
        Err(answer) => return answer,
    };
    let _ = std::fs::write(app.work.join("project-report.json"), &stdout);
    let report: Value = serde_json::from_str(&tidy(app, &stdout)).unwrap_or(Value::Null);
    let ServeMode::Project { project, .. } = &app.settings.mode else {
        return Answer::error(404, "no project");
    };
    let downloads: Vec<Value> = project
        .interfaces
        .iter()
        .map(|i| {
            json!({
                "interface": i.name,
                "annotated": format!("/api/project/files/{}.xlsx", crate::project::file_name(&i.name)),
            })
        })
        .collect();
    Answer::json(&json!({
        "exit": exit,
        "report": report,
        "messages": tidy(app, &stderr),
        "downloads": downloads,
        "report_file": "/api/project/files/report.json",
    }))
}

/// `GET /api/project/files/NAME`: an annotated copy of the last check, or its JSON report.
pub fn file(app: &App, name: &str) -> Answer {
    if name == "report.json" {
        let path = app.work.join("project-report.json");
        if !path.is_file() {
            return Answer::error(404, "check the project first");
        }
        return Answer::download(path, "application/json", "relsync-project-report.json");
    }
    // Only the copies the check wrote, by their own names.
    let ServeMode::Project { project, .. } = &app.settings.mode else {
        return Answer::error(404, "no project");
    };
    let Some(interface) = project
        .interfaces
        .iter()
        .find(|i| format!("{}.xlsx", crate::project::file_name(&i.name)) == name)
    else {
        return Answer::error(404, "no such file");
    };
    let path = crate::project::annotated_copy(&annotated_dir(app), &interface.name);
    if !path.is_file() {
        return Answer::error(404, "check the project first");
    }
    Answer::download(
        path,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &format!("{}-checked.xlsx", crate::project::file_name(&interface.name)),
    )
}

/// What the runs say, with the private folder's paths as the person knows them: the project
/// file given, and each uploaded export by its own name.
fn tidy(app: &App, text: &str) -> String {
    let ServeMode::Project { path, .. } = &app.settings.mode else {
        return text.to_owned();
    };
    let mut text = text.replace(
        &app.work.join("relsync.toml").display().to_string(),
        &path.display().to_string(),
    );
    for (_, upload) in app.uploads_by_interface() {
        if let Some(name) = upload.file_name() {
            text = text.replace(&upload.display().to_string(), &name.to_string_lossy());
        }
    }
    text
}

/// `POST /api/project/plan`: `relsync submit relsync.toml --dry-run`, with a fingerprint of
/// the plan that a send must present; the plan also in parts, interface by interface.
pub fn plan(app: &App) -> Answer {
    let (exit, stdout, stderr) = match relsync(app, "submit", &["--dry-run"]) {
        Ok(r) => r,
        Err(answer) => return answer,
    };
    let text = tidy(app, &stdout);
    // The plan's own fingerprint: the send gives it to the run (--expect-plan), which sends
    // this plan and no other.
    let fingerprint = stdout
        .lines()
        .find_map(|l| l.strip_prefix("plan: sha256 "))
        .and_then(|l| l.split_whitespace().next());
    Answer::json(&json!({
        "exit": exit,
        "plan": text,
        "parts": plan_parts(&text),
        "messages": tidy(app, &stderr),
        "fingerprint": fingerprint,
    }))
}

/// The dry run's plan as the page shows it: its first line, a part per interface (its heading
/// and lines), and the notes after them, in the page's words (the page asks for the
/// confirmation a terminal would).
fn plan_parts(text: &str) -> Value {
    let mut lines = text.lines();
    let summary = lines.next().unwrap_or_default();
    let mut parts: Vec<(String, Vec<String>)> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    let mut ids = String::new();
    for line in lines {
        let heading = line
            .split_once(". ")
            .filter(|(n, rest)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) && rest.ends_with(')'));
        if let Some((_, rest)) = heading {
            parts.push((rest.to_owned(), Vec::new()));
        } else if let (Some(inner), Some((_, body))) = (line.strip_prefix("   "), parts.last_mut()) {
            // What the page does not need: how the token is got, the wire format.
            if !(inner.starts_with("token:") || inner.starts_with("format:")) {
                body.push(inner.replace(" (relsync diff shows all)", ""));
            }
        } else if let Some(rest) = line.strip_prefix("dry run: nothing was sent (") {
            ids = rest.trim_end_matches(')').to_owned();
        } else if !line.trim().is_empty() && !line.starts_with("not sent this run") && !line.starts_with("plan: sha256")
        {
            let line = line
                .replace("a real submit would ask (at a terminal) or refuse: ", "")
                .replace(" (use --allow-deletions)", ": confirm below to send");
            notes.push(line);
        }
    }
    let unchanged = !parts.is_empty()
        && parts
            .iter()
            .all(|(_, lines)| lines.iter().any(|l| l.starts_with("unchanged:")));
    json!({
        "summary": summary,
        "unchanged": unchanged,
        "interfaces": parts
            .into_iter()
            .map(|(heading, lines)| json!({ "heading": heading, "lines": lines }))
            .collect::<Vec<_>>(),
        "notes": notes,
        "ids": ids,
    })
}

/// A project's send, run in the background: the page follows its output.
pub struct Running {
    child: std::process::Child,
    /// Standard output and error together, in the order written.
    output: PathBuf,
    exit: Option<i32>,
}

/// How long a project's send, told to stop, is waited for when the server stops.
const STOP_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

/// The server is stopping: a project's send it started is told to stop (on Windows, Ctrl+C
/// reaches it through the console), waited for, and what it said goes to standard error, so
/// what was sent is not lost with the private folder.
pub fn stop_running(app: &App) {
    let mut run = app.project_run.lock().unwrap_or_else(|e| e.into_inner());
    let Some(r) = run.as_mut() else { return };
    if r.exit.is_some() || matches!(r.child.try_wait(), Ok(Some(_))) {
        return;
    }
    #[cfg(unix)]
    if let Ok(pid) = libc::pid_t::try_from(r.child.id()) {
        // SAFETY: kill(2) on the process relsync started and has not yet waited for, so its
        // id is not reused; SIGINT is what Ctrl+C in a terminal sends it.
        unsafe {
            libc::kill(pid, libc::SIGINT);
        }
    }
    let started = std::time::Instant::now();
    while started.elapsed() < STOP_WAIT && matches!(r.child.try_wait(), Ok(None)) {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let text = std::fs::read(&r.output).unwrap_or_default();
    let text = String::from_utf8_lossy(&text[text.len().saturating_sub(64 * 1024)..]).into_owned();
    let _ = writeln!(
        std::io::stderr(),
        "relsync serve: the project's send from the page was running; what it said:\n{}",
        crate::value::for_terminal_lines(tidy(app, &text).trim_end())
    );
}

/// `GET /api/project/run`: the output of the project's send so far, whether it still runs,
/// its exit status, and what Relatics has of each interface once it has ended.
pub fn progress(app: &App) -> Answer {
    let mut run = app.project_run.lock().unwrap_or_else(|e| e.into_inner());
    let Some(r) = run.as_mut() else {
        // Nothing was sent from this page yet.
        return Answer::json(&json!({ "running": false, "exit": null, "output": "", "has": [] }));
    };
    if r.exit.is_none()
        && let Ok(Some(status)) = r.child.try_wait()
    {
        r.exit = Some(status.code().unwrap_or(-1));
    }
    // The output's last 256 KiB (a run says far less).
    let text = std::fs::read(&r.output).unwrap_or_default();
    let text = String::from_utf8_lossy(&text[text.len().saturating_sub(256 * 1024)..]).into_owned();
    let text = tidy(app, &text);
    let has: Vec<Value> = text
        .split("what Relatics has of this run:")
        .nth(1)
        .map(|rest| {
            rest.lines()
                .filter_map(|l| l.strip_prefix("  ").filter(|l| !l.starts_with(' ')))
                .filter_map(|l| l.split_once(": "))
                .map(|(name, has)| json!({ "interface": name, "has": has }))
                .collect()
        })
        .unwrap_or_default();
    // What the run does now (its last line of sending or of waiting for IDs), and the last
    // thing it said of itself (why it stopped, when it did).
    let mut doing: Option<String> = None;
    let mut said: Option<&str> = None;
    for line in text.lines() {
        let Some(rest) = line.strip_prefix("relsync: ") else {
            continue;
        };
        if let Some((name, _)) = rest.strip_prefix("sending '").and_then(|r| r.split_once('\'')) {
            doing = Some(format!("Sending \u{2018}{name}\u{2019}"));
        } else if let Some((waits, _)) = rest.split_once("; reading the IDs again in") {
            doing = Some(format!("Waiting for Relatics to give new elements their IDs: {waits}"));
        } else if !rest.contains("is unchanged: its body is the one last sent") {
            said = Some(rest);
        }
    }
    Answer::json(&json!({
        "running": r.exit.is_none(),
        "exit": r.exit,
        "output": text,
        "doing": doing,
        "said": said,
        "has": has,
    }))
}

/// `POST /api/project/send` `{"confirm": true, "fingerprint": F}`: sends the project, its
/// deletions confirmed, when the plan is still the one the page showed.
pub fn send(app: &App, call: &mut Call) -> Answer {
    let request: Value = match call.small_body(64 * 1024).map(|b| serde_json::from_slice(&b)) {
        Ok(Ok(v)) => v,
        Ok(Err(_)) => return Answer::error(400, "the request is not JSON"),
        Err(answer) => return answer,
    };
    if request["confirm"].as_bool() != Some(true) {
        return Answer::json(&json!({
            "exit": 4,
            "output": "Nothing was sent: confirm what the plan deletes first.",
        }));
    }
    // The run sends the plan the page showed and no other: a sheet saved again, or another
    // submit, since then makes it stop before sending anything.
    let Some(fingerprint) = request["fingerprint"]
        .as_str()
        .filter(|f| f.len() == 64 && f.bytes().all(|b| b.is_ascii_hexdigit()))
    else {
        return Answer::json(&json!({
            "exit": 4,
            "output": "Nothing was sent: make the plan first, then confirm it.",
        }));
    };
    let mut run = app.project_run.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(r) = run.as_mut()
        && r.exit.is_none()
        && !matches!(r.child.try_wait(), Ok(Some(_)))
    {
        return Answer::error(409, "the project is being sent; wait for that run to end");
    }
    // Both streams into one file, so what the run says stays in order.
    let output = app.work.join("project-run.txt");
    let started = std::fs::File::create(&output).and_then(|f| Ok((f.try_clone()?, f)));
    let (out, err) = match started {
        Ok(files) => files,
        Err(e) => return Answer::error(500, &format!("cannot record the run's output ({e})")),
    };
    let mut cmd = match command(app, "submit", &["--allow-deletions", "--expect-plan", fingerprint]) {
        Ok(cmd) => cmd,
        Err(answer) => return answer,
    };
    match cmd.stdout(out).stderr(err).spawn() {
        Ok(child) => {
            *run = Some(Running {
                child,
                output,
                exit: None,
            });
            Answer::json(&json!({ "started": true }))
        }
        Err(e) => Answer::error(500, &format!("cannot run relsync ({e})")),
    }
}
