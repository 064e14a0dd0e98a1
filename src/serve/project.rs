//! A project on the page: checked, planned and sent by `relsync check` and `relsync submit` of
//! the project file, run as they are on the command line (the same binary), so the page shows
//! exactly what they do. An export uploaded for an interface takes its input's place through a
//! copy of the project file in the private folder; the files the project names are never
//! touched.

use std::path::PathBuf;
use std::process::Command;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

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

/// Runs relsync with `args` (the project file first) and the page's state and network options.
fn relsync(app: &App, command: &str, extra: &[&str]) -> Result<(i32, String, String), Answer> {
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
    let out = cmd
        .stdin(std::process::Stdio::null())
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
/// the plan that a send must present.
pub fn plan(app: &App) -> Answer {
    let (exit, stdout, stderr) = match relsync(app, "submit", &["--dry-run"]) {
        Ok(r) => r,
        Err(answer) => return answer,
    };
    Answer::json(&json!({
        "exit": exit,
        "plan": tidy(app, &stdout),
        "messages": tidy(app, &stderr),
        "fingerprint": fingerprint(&stdout),
    }))
}

fn fingerprint(plan: &str) -> String {
    crate::submit::receipt::hex(&Sha256::digest(plan.as_bytes()))
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
    let (_, now, _) = match relsync(app, "submit", &["--dry-run"]) {
        Ok(r) => r,
        Err(answer) => return answer,
    };
    if request["fingerprint"].as_str() != Some(fingerprint(&now).as_str()) {
        return Answer::json(&json!({
            "exit": 4,
            "output": "Nothing was sent: the plan changed since the page showed it (another submit?); make the plan again and confirm.",
        }));
    }
    let (exit, stdout, stderr) = match relsync(app, "submit", &["--allow-deletions"]) {
        Ok(r) => r,
        Err(answer) => return answer,
    };
    Answer::json(&json!({ "exit": exit, "output": tidy(app, &format!("{stderr}{stdout}")) }))
}
