//! `relsync serve`: the checks, the change preview and the safe submit on a local web page,
//! for people who never open a terminal.
//!
//! A server on 127.0.0.1 only ([`http`]: one request per connection, a thread each, every limit
//! bounded), reachable only with the secret made for this run: in the first URL, then in a
//! `SameSite=Strict`, `HttpOnly` cookie.
//! Every request must name the server as its host (`127.0.0.1:PORT` or `localhost:PORT`: a
//! page elsewhere that points a name at 127.0.0.1 gets 403), and every request that changes
//! anything must come from the page itself (`Origin`). Every answer forbids the browser anything
//! but the page's own script and style. The work is the commands' own: the pipeline, the
//! reports, the annotated copy, the submit flow with its lock, and for a project the `check`
//! and `submit` of the project file ([`work`], [`project`]); the page shows what they give.

mod http;
mod page;
mod project;
mod work;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::Context as _;

use crate::cmd::settings::{ServeMode, ServeSettings};
use crate::exit::Exit;
use http::{Answer, Call};

/// The server, shared by the request threads.
pub struct App {
    pub settings: ServeSettings,
    /// The secret of this run (64 hex digits).
    secret: String,
    port: u16,
    /// A private folder for uploads and what is made from them, removed at the end.
    work: PathBuf,
    state: std::sync::Mutex<work::State>,
    /// The project's send running now, or the last one (its output and exit status).
    project_run: std::sync::Mutex<Option<project::Running>>,
}

/// Starts the server and serves until Ctrl+C.
pub fn run(settings: ServeSettings) -> anyhow::Result<Exit> {
    // Loopback only: there is no option to listen anywhere else.
    let listener = std::net::TcpListener::bind(("127.0.0.1", settings.port)).map_err(|e| {
        anyhow::anyhow!(
            "cannot listen on 127.0.0.1:{} ({e}); {}",
            settings.port,
            if settings.port == 0 {
                "is the loopback network working?"
            } else {
                "is another program using that port? Leave out --port to take a free one"
            }
        )
    })?;
    let port = listener.local_addr().context("the server has no port")?.port();
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness for the page's secret ({e})"))?;
    let secret = crate::submit::receipt::hex(&bytes);
    let work = crate::output::private_folder("relsync-serve-").context("creating a private folder for the uploads")?;
    // Removed at the end, and on Ctrl+C (which ends the process).
    let _registered = crate::output::remove_on_interrupt(work.path());
    let url = format!("http://127.0.0.1:{port}/?key={secret}");
    crate::outln!("relsync serve: open {url}");
    crate::outln!("(only this computer can reach it; the address holds a secret for this run. Ctrl+C stops it.)");
    if settings.open {
        open_in_browser(work.path(), &url);
    }
    let app = Arc::new(App {
        settings,
        secret,
        port,
        work: work.path().to_owned(),
        state: std::sync::Mutex::new(work::State::default()),
        project_run: std::sync::Mutex::new(None),
    });
    // Stopped while a project's send runs: that run is told to stop too (as Ctrl+C in a
    // terminal tells both), waited for, and what it said is said here; its output is in the
    // private folder, which goes next.
    let stopping = Arc::clone(&app);
    crate::output::on_interrupt_first(Box::new(move || project::stop_running(&stopping)));
    let open = Arc::new(AtomicUsize::new(0));
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        // A bounded number of connections: more are closed as they come.
        if open.load(Ordering::Acquire) >= http::MAX_CONNECTIONS {
            drop(stream);
            continue;
        }
        open.fetch_add(1, Ordering::AcqRel);
        let (app, done) = (Arc::clone(&app), Arc::clone(&open));
        let spawned = std::thread::Builder::new()
            .name("relsync-request".into())
            .spawn(move || {
                handle(&app, stream);
                done.fetch_sub(1, Ordering::AcqRel);
            });
        if spawned.is_err() {
            open.fetch_sub(1, Ordering::AcqRel);
        }
    }
    drop(work);
    Ok(Exit::Success)
}

/// Opens the page through a file in the private folder that sends the browser on: the
/// address, with its secret, never stands on a command line other users can read.
fn open_in_browser(work: &std::path::Path, url: &str) {
    let launch = work.join("open.html");
    let page = format!(
        "<!DOCTYPE html><meta charset=\"utf-8\"><meta http-equiv=\"refresh\" content=\"0; url={url}\"><title>relsync</title>"
    );
    let opened = std::fs::write(&launch, page)
        .map_err(|e| e.to_string())
        .and_then(|()| url::Url::from_file_path(&launch).map_err(|()| "no file address".to_owned()))
        .and_then(|file| webbrowser::open(file.as_str()).map_err(|e| e.to_string()));
    if let Err(e) = opened {
        crate::errln!("relsync: the browser could not be opened ({e}); open the address above in it");
    }
}

/// Answers one connection: its request, the access checks, then the route.
fn handle(app: &App, stream: std::net::TcpStream) {
    let mut call = match Call::read(stream) {
        Ok(call) => call,
        Err((stream, http::Refused::Answer(answer))) => return http::send(stream, answer),
        Err((_, http::Refused::Silently)) => return,
    };
    let answer = match http::access(&call, app.port, &app.secret) {
        Err(refused) => refused,
        Ok(http::Access::SetCookie) => Answer::enter_with_cookie(&app.secret, app.port),
        Ok(http::Access::Granted) => route(app, &mut call),
    };
    call.answer(answer);
}

fn route(app: &App, call: &mut Call) -> Answer {
    let path = call.path().to_owned();
    let method = call.method().to_owned();
    let project = matches!(app.settings.mode, ServeMode::Project { .. });
    match (method.as_str(), path.as_str()) {
        ("GET", "/") => Answer::html(page::INDEX),
        ("GET", "/page.js") => Answer::bytes("text/javascript; charset=utf-8", page::SCRIPT.as_bytes().to_vec()),
        ("GET", "/page.css") => Answer::bytes("text/css; charset=utf-8", page::STYLE.as_bytes().to_vec()),
        ("GET", "/favicon.svg" | "/favicon.ico") => Answer::bytes("image/svg+xml", page::ICON.as_bytes().to_vec()),
        ("GET", "/api/setup") => work::setup(app),
        ("PUT", "/api/upload") => work::upload(app, call),
        ("POST", "/api/check") if !project => work::check(app, call),
        ("GET", "/api/history") => work::history(app, call),
        ("POST", "/api/project/check") if project => project::check(app),
        ("POST", "/api/project/plan") if project => project::plan(app),
        ("POST", "/api/project/send") if project => project::send(app, call),
        ("GET", "/api/project/run") if project => project::progress(app),
        ("GET", p) if project && p.starts_with("/api/project/files/") => {
            project::file(app, &p["/api/project/files/".len()..])
        }
        (_, p) if p.starts_with("/api/jobs/") && !project => work::job(app, call, &method, &p["/api/jobs/".len()..]),
        ("GET" | "POST" | "PUT", _) => Answer::error(404, "no such page"),
        _ => Answer::error(405, "method not allowed"),
    }
}
