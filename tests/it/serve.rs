//! `relsync serve` over real HTTP on 127.0.0.1: the run's secret, the Host and Origin checks,
//! the headers every answer carries, uploads (their limit, a hostile file), the check, the plan
//! and the submit to a local stand-in of Relatics with and without deletions, and no secret in
//! any answer.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::server::{Reply, Server};
use crate::support::*;

const TOKEN: &str = "tok-page-7c1e55";

/// A running `relsync serve`, stopped when dropped.
struct Page {
    child: Child,
    port: u16,
    key: String,
    /// Every answer's status line, headers and body, to look for secrets.
    seen: std::cell::RefCell<String>,
}

impl Drop for Page {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One answer.
struct Got {
    status: u16,
    headers: String,
    body: Vec<u8>,
}

impl Got {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }

    fn header(&self, name: &str) -> Option<String> {
        self.headers.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim().eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
        })
    }
}

impl Page {
    fn start(dir: &Dir, args: &[&str]) -> Page {
        Page::start_with(dir, args, &[("RELATICS_TOKEN", TOKEN)])
    }

    fn start_with(dir: &Dir, args: &[&str], env: &[(&str, &str)]) -> Page {
        let mut all = vec!["serve", "--port", "0", "--state-dir", "state"];
        all.extend_from_slice(args);
        let mut command = dir.command(&all);
        for (k, v) in env {
            command.env(k, v);
        }
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line
            .trim()
            .strip_prefix("relsync serve: open ")
            .unwrap_or_else(|| panic!("no address: {line}"))
            .to_owned();
        assert!(url.starts_with("http://127.0.0.1:"), "{url}");
        let rest = &url["http://127.0.0.1:".len()..];
        let (port, key) = rest.split_once("/?key=").unwrap();
        Page {
            child,
            port: port.parse().unwrap(),
            key: key.to_owned(),
            seen: std::cell::RefCell::new(String::new()),
        }
    }

    fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// A request with the cookie, the right Host and (for changes) the page's Origin.
    fn ask(&self, method: &str, path: &str, body: &[u8]) -> Got {
        let cookie = format!("relsync_{}={}", self.port, self.key);
        let origin = self.origin();
        let mut headers = vec![("Cookie", cookie.as_str())];
        if method != "GET" {
            headers.push(("Origin", origin.as_str()));
        }
        self.raw(method, path, &format!("127.0.0.1:{}", self.port), &headers, body)
    }

    fn raw(&self, method: &str, path: &str, host: &str, headers: &[(&str, &str)], body: &[u8]) -> Got {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        if !headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("Content-Length") || k.eq_ignore_ascii_case("Transfer-Encoding"))
        {
            head.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).unwrap();
        let _ = stream.write_all(body);
        let mut raw = Vec::new();
        let _ = stream.read_to_end(&mut raw);
        let split = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .unwrap_or_else(|| panic!("no answer: {}", String::from_utf8_lossy(&raw)));
        let headers = String::from_utf8_lossy(&raw[..split]).into_owned();
        let mut body = raw[split + 4..].to_vec();
        if headers.to_ascii_lowercase().contains("transfer-encoding: chunked") {
            body = unchunk(&body);
        }
        let status = headers.split(' ').nth(1).unwrap().parse().unwrap();
        self.seen
            .borrow_mut()
            .push_str(&format!("{headers}\n{}\n", String::from_utf8_lossy(&body)));
        Got { status, headers, body }
    }

    fn upload(&self, name: &str, bytes: &[u8], interface: &str) -> Got {
        self.ask("PUT", &format!("/api/upload?interface={interface}&name={name}"), bytes)
    }

    /// Uploads and checks a file; waits for the check and returns the job id and its state.
    fn check(&self, name: &str, bytes: &[u8]) -> (u64, Value) {
        let up = self.upload(name, bytes, "Requirements").json();
        let upload = up["upload"].as_u64().unwrap();
        let job = self
            .ask("POST", "/api/check", format!("{{\"upload\": {upload}}}").as_bytes())
            .json()["job"]
            .as_u64()
            .unwrap();
        let started = Instant::now();
        loop {
            let state = self.ask("GET", &format!("/api/jobs/{job}"), b"").json();
            if state["state"] != "running" {
                return (job, state);
            }
            assert!(started.elapsed() < Duration::from_secs(60), "the check did not end");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn unchunk(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(at) = rest.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(std::str::from_utf8(&rest[..at]).unwrap().trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.extend_from_slice(&rest[at + 2..at + 2 + size]);
        rest = &rest[at + 2 + size + 2..];
    }
    out
}

/// The requirement workbook with `ids`, as bytes.
fn workbook(dir: &Dir, ids: &[&'static str]) -> Vec<u8> {
    let rows: Vec<Vec<C>> = ids.iter().map(|id| req_row(id, "Title")).collect();
    req_workbook(dir, &rows);
    std::fs::read(dir.path("req.xlsx")).unwrap()
}

/// Only with the run's secret, only for this host, changes only from the page; every answer
/// with its Content-Security-Policy.
#[test]
fn the_secret_the_host_and_the_origin() {
    let dir = Dir::new();
    workbook(&dir, &["REQ-1"]);
    let page = Page::start(&dir, &["-t", "req.toml"]);
    let host = format!("127.0.0.1:{}", page.port);
    // No secret: 403 and nothing else.
    let got = page.raw("GET", "/", &host, &[], b"");
    assert_eq!((got.status, got.body.as_slice()), (403, &b"forbidden"[..]));
    let got = page.raw("GET", "/api/setup", &host, &[], b"");
    assert_eq!(got.status, 403);
    let got = page.raw("GET", "/?key=0000", &host, &[], b"");
    assert_eq!(got.status, 403);
    // The secret in the first URL: a cookie, and the page without the secret in its address.
    let got = page.raw("GET", &format!("/?key={}", page.key), &host, &[], b"");
    // (A page of this origin that sends the browser on: a redirect would keep a launch from
    // a `file:` page cross-site, and the browser would leave the cookie out.)
    assert_eq!(got.status, 200);
    assert!(
        String::from_utf8_lossy(&got.body).contains("<meta http-equiv=\"refresh\" content=\"0; url=/\">"),
        "{:?}",
        got.body
    );
    let cookie = got.header("Set-Cookie").unwrap();
    assert!(
        cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Strict")
            && cookie.starts_with(&format!("relsync_{}=", page.port)),
        "{cookie}"
    );
    let got = page.ask("GET", "/", b"");
    assert_eq!(got.status, 200);
    let csp = got.header("Content-Security-Policy").unwrap();
    assert!(
        csp.contains("default-src 'none'") && csp.contains("script-src 'self'"),
        "{csp}"
    );
    assert_eq!(got.header("X-Frame-Options").as_deref(), Some("DENY"));
    assert!(String::from_utf8_lossy(&got.body).contains("<script src=\"/page.js\""));
    // A name rebound to 127.0.0.1 by another site: 403, even with the cookie.
    let with_cookie = format!("relsync_{}={}", page.port, page.key);
    let got = page.raw(
        "GET",
        "/api/setup",
        &format!("evil.example:{}", page.port),
        &[("Cookie", &with_cookie)],
        b"",
    );
    assert_eq!(got.status, 403);
    let got = page.raw(
        "GET",
        "/api/setup",
        &format!("localhost:{}", page.port),
        &[("Cookie", &with_cookie)],
        b"",
    );
    assert_eq!(got.status, 200);
    // A change without the page's Origin, or from another: 403.
    let bytes = std::fs::read(dir.path("req.xlsx")).unwrap();
    let path = "/api/upload?interface=Requirements&name=req.xlsx";
    let got = page.raw("PUT", path, &host, &[("Cookie", &with_cookie)], &bytes);
    assert_eq!(got.status, 403);
    let got = page.raw(
        "PUT",
        path,
        &host,
        &[("Cookie", &with_cookie), ("Origin", "http://evil.example")],
        &bytes,
    );
    assert_eq!(got.status, 403);
    assert_eq!(page.upload("req.xlsx", &bytes, "Requirements").status, 200);
    // The script builds the page from data as text, never as markup.
    let script = String::from_utf8(page.ask("GET", "/page.js", b"").body).unwrap();
    assert!(!script.contains("innerHTML") && !script.contains("outerHTML") && !script.contains("insertAdjacentHTML"));
    assert!(
        !script.contains("http://") && !script.contains("https://"),
        "nothing from elsewhere"
    );
}

/// Uploads over the limit are refused before they are stored; a file that is no workbook is
/// said in check's words, and the server keeps serving.
#[test]
fn upload_limit_and_hostile_uploads() {
    let dir = Dir::new();
    let bytes = workbook(&dir, &["REQ-1"]);
    let page = Page::start(&dir, &["-t", "req.toml", "--max-upload", "2 KB"]);
    let got = page.upload("big.xlsx", &vec![b'x'; 3000], "Requirements");
    assert_eq!(got.status, 413);
    assert!(got.json()["error"].as_str().unwrap().contains("--max-upload"));
    let got = page.upload("notes.docx", b"hello", "Requirements");
    assert_eq!(got.status, 415);
    let got = page.upload("r.xlsx", b"hello", "Nope");
    assert_eq!(got.status, 400);
    let page = Page::start(&dir, &["-t", "req.toml"]);
    let mut broken = bytes.clone();
    broken.truncate(bytes.len() / 2);
    let got = page.upload("broken.xlsx", &broken, "Requirements");
    assert_eq!(got.status, 200);
    assert!(
        got.json()["error"].as_str().unwrap().contains("broken.xlsx"),
        "{}",
        got.json()
    );
    let (_, state) = page.check("zip.xlsx", b"PK\x03\x04garbage");
    assert_eq!(state["state"], "failed", "{state}");
    // Still serving.
    assert_eq!(page.ask("GET", "/api/setup", b"").status, 200);
    let (_, state) = page.check("req.xlsx", &bytes);
    assert_eq!(state["state"], "done", "{state}");
}

/// Problems as check reports them, with the annotated workbook and reports to download; a cell
/// holding markup is data.
#[test]
fn problems_and_downloads() {
    let dir = Dir::new();
    let mut rows = vec![req_row("REQ-1", "Pump"), req_row("REQ-1", "Twice")];
    rows[0][4] = C::S("<script>alert(1)</script>");
    req_workbook(&dir, &rows);
    let bytes = std::fs::read(dir.path("req.xlsx")).unwrap();
    let page = Page::start(&dir, &["-t", "req.toml"]);
    let (job, state) = page.check("req.xlsx", &bytes);
    let result = &state["result"];
    assert_eq!(result["clean"], false);
    assert_eq!(result["errors"], 2, "{result}");
    let problems = result["problems"].as_array().unwrap();
    assert!(
        problems
            .iter()
            .any(|p| p["code"] == "duplicate-external-id" && p["cell"] == "Requirements!A3")
    );
    assert!(problems.iter().any(|p| p["value"] == "<script>alert(1)</script>"));
    let annotated = page.ask("GET", &format!("/api/jobs/{job}/annotated.xlsx"), b"");
    assert_eq!(annotated.status, 200);
    assert!(
        annotated
            .header("Content-Disposition")
            .unwrap()
            .contains("req-checked.xlsx")
    );
    assert_eq!(&annotated.body[..2], b"PK");
    let report = page.ask("GET", &format!("/api/jobs/{job}/report.json"), b"");
    assert_eq!(report.json()["errors"], 2);
    // No body for a sheet with errors.
    assert_eq!(page.ask("GET", &format!("/api/jobs/{job}/body.json"), b"").status, 409);
    assert_eq!(
        page.ask("POST", &format!("/api/jobs/{job}/send"), b"{\"confirm\": true}")
            .status,
        409
    );
}

/// The plan and the submit to a local stand-in: a first submit only with its deletions (what
/// relsync cannot tell) confirmed, then a submit that deletes one element only when the page
/// confirms that one; the history lists them; no secret in any answer.
#[test]
fn submits_with_and_without_deletions() {
    let dir = Dir::new();
    let relatics = Server::start(|_, _| Reply::json(200, r#"{"result": "accepted"}"#));
    let endpoint = relatics.url("/api/v1/workspaces/7550/interfaces/synchronizing/req");
    let bytes = workbook(&dir, &["REQ-1", "REQ-2"]);
    let page = Page::start(&dir, &["-t", "req.toml", "--endpoint", &endpoint]);
    let (job, state) = page.check("req.xlsx", &bytes);
    assert_eq!(state["result"]["clean"], true, "{state}");
    let body = page.ask("GET", &format!("/api/jobs/{job}/body.xml"), b"");
    assert!(String::from_utf8_lossy(&body.body).contains("externalid=\"REQ-2\""));
    let plan = page.ask("GET", &format!("/api/jobs/{job}/plan"), b"").json();
    assert_eq!(plan["deleting"], Value::Null, "no receipt: relsync cannot tell");
    assert_eq!(plan["can_send"], true);
    assert!(
        plan["text"].as_str().unwrap().contains("body:     2 elements"),
        "{plan}"
    );
    // Not confirmed: nothing sent.
    let sent = page
        .ask("POST", &format!("/api/jobs/{job}/send"), b"{\"confirm\": false}")
        .json();
    assert_eq!(sent["state"], "refused", "{sent}");
    assert_eq!(relatics.requests().len(), 0);
    let first = plan["fingerprint"].to_string();
    let confirm = format!("{{\"confirm\": true, \"fingerprint\": {first}}}");
    let sent = page
        .ask("POST", &format!("/api/jobs/{job}/send"), confirm.as_bytes())
        .json();
    assert_eq!(sent["state"], "sent", "{sent}");
    let posts = relatics.requests();
    assert_eq!(posts.len(), 1);
    assert_eq!(
        posts[0].header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );

    // REQ-2 gone: the plan lists it, and only a confirmation of that one deletion sends.
    let bytes = workbook(&dir, &["REQ-1"]);
    let (job, _) = page.check("req.xlsx", &bytes);
    let plan = page.ask("GET", &format!("/api/jobs/{job}/plan"), b"").json();
    assert_eq!(plan["deleting"], 1, "{plan}");
    assert_eq!(plan["deletions"], serde_json::json!(["REQ-2"]));
    assert!(plan["text"].as_str().unwrap().contains("REQ-2"), "{plan}");
    let send = |body: &str| {
        page.ask("POST", &format!("/api/jobs/{job}/send"), body.as_bytes())
            .json()
    };
    let shown = plan["fingerprint"].to_string();
    assert_eq!(
        send(&format!("{{\"confirm\": false, \"fingerprint\": {shown}}}"))["state"],
        "refused"
    );
    // A confirmation of other deletions (those of the first plan) sends nothing.
    assert_eq!(
        send(&format!("{{\"confirm\": true, \"fingerprint\": {first}}}"))["state"],
        "refused"
    );
    assert_eq!(relatics.requests().len(), 1, "nothing sent");
    let sent = send(&format!("{{\"confirm\": true, \"fingerprint\": {shown}}}"));
    assert_eq!(sent["state"], "sent", "{sent}");
    assert_eq!(relatics.requests().len(), 2);

    let history = page.ask("GET", "/api/history?interface=Requirements", b"").json();
    let submits = history["submits"].as_array().unwrap();
    assert_eq!(submits.len(), 2, "{history}");
    assert_eq!(submits[0]["elements"], 1);

    // The token went only to Relatics: never in an answer of the page.
    let setup = page.ask("GET", "/api/setup", b"").json();
    assert_eq!(setup["credentials"]["from"], "a ready access token from RELATICS_TOKEN");
    assert!(!page.seen.borrow().contains(TOKEN), "the token in an answer");
}

/// A project: its interfaces, checked and planned as `check` and `submit --dry-run` of the
/// project file do.
#[test]
fn a_project_on_the_page() {
    let dir = Dir::new();
    let project = repo("samples/project/relsync.toml");
    // No credentials: the plan uses what is kept (nothing), as a dry run does.
    let page = Page::start_with(&dir, &[&project], &[]);
    let setup = page.ask("GET", "/api/setup", b"").json();
    assert_eq!(setup["mode"], "project");
    let names: Vec<&str> = setup["interfaces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["objects", "requirements"]);
    let check = page.ask("POST", "/api/project/check", b"").json();
    assert_eq!(check["exit"], 0, "{check}");
    assert_eq!(check["report"]["interfaces"].as_array().unwrap().len(), 2);
    let plan = page.ask("POST", "/api/project/plan", b"").json();
    assert!(
        plan["plan"].as_str().unwrap().contains("dry run: nothing was sent"),
        "{plan}"
    );
    let refused = page.ask("POST", "/api/project/send", b"{\"confirm\": false}").json();
    assert_eq!(refused["exit"], 4);
}

/// A body whose answer never came: the page says it may have arrived, and the history shows
/// that submit (without a receipt) above the others.
#[test]
fn a_send_whose_answer_never_came_is_in_the_history() {
    let dir = Dir::new();
    let relatics = Server::start(|_, _| Reply::Drop);
    let endpoint = relatics.url("/api/v1/workspaces/7550/interfaces/synchronizing/req");
    let bytes = workbook(&dir, &["REQ-1", "REQ-2"]);
    let page = Page::start(&dir, &["-t", "req.toml", "--endpoint", &endpoint, "--retries", "0"]);
    let (job, _) = page.check("req.xlsx", &bytes);
    let plan = page.ask("GET", &format!("/api/jobs/{job}/plan"), b"").json();
    let confirm = format!("{{\"confirm\": true, \"fingerprint\": {}}}", plan["fingerprint"]);
    let sent = page
        .ask("POST", &format!("/api/jobs/{job}/send"), confirm.as_bytes())
        .json();
    assert_eq!(sent["state"], "may-have-arrived", "{sent}");
    let history = page.ask("GET", "/api/history?interface=Requirements", b"").json();
    assert_eq!(history["pending"]["elements"], 2, "{history}");
    assert_eq!(history["pending"]["input"], "req.xlsx", "{history}");
    assert_eq!(history["submits"], serde_json::json!([]), "{history}");
}

/// A project whose addresses a submit would refuse (a password in the workspace URL) is
/// refused by serve too, without showing the password.
#[test]
fn a_project_with_a_password_in_its_url_is_refused() {
    use crate::workspace::{tree_project, tree_workspace};
    let dir = Dir::new();
    let ws = tree_workspace();
    tree_project(&dir, &ws);
    let text = dir.read("relsync.toml").replace("http://", "http://admin:pw-LEAK@");
    dir.write("relsync.toml", text);
    let run = dir.run(&["serve", "relsync.toml", "--port", "0"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("must not hold a user name or password") && !run.stderr.contains("pw-LEAK"),
        "{}",
        run.stderr
    );
}

/// A project sent from the page, against a stand-in of a workspace: the plan interface by
/// interface, the run followed while it runs, what Relatics has of each interface at its end,
/// and an export uploaded for an interface named as the one used when the page is loaded again.
#[test]
fn a_project_sent_from_the_page() {
    use crate::workspace::{assert_tree_in_place, tree_project, tree_workspace};
    let dir = Dir::new();
    let ws = tree_workspace();
    tree_project(&dir, &ws);
    let page = Page::start(&dir, &["relsync.toml"]);
    assert_eq!(page.ask("POST", "/api/project/check", b"").json()["exit"], 0);
    let plan = page.ask("POST", "/api/project/plan", b"").json();
    assert_eq!(plan["exit"], 0, "{plan}");
    let parts = &plan["parts"];
    let headings: Vec<&str> = parts["interfaces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["heading"].as_str().unwrap())
        .collect();
    assert_eq!(
        headings,
        ["objects (exports/objecten.csv)", "requirements (exports/eisen.csv)"],
        "{plan}"
    );
    let lines = parts["interfaces"][0]["lines"].to_string();
    assert!(
        lines.contains("relation targets wait") && !lines.contains("token:"),
        "{lines}"
    );
    // In the page's words: the confirmation is the page's box, not a flag.
    let notes = parts["notes"].to_string();
    assert!(
        !notes.contains("--allow-deletions") && notes.contains("confirm below"),
        "{notes}"
    );
    assert_eq!(ws.posts(), 0);
    // Sends the plan `plan` and follows the run to its end.
    let send = |plan: &Value| {
        let send = format!(
            "{{\"confirm\": true, \"fingerprint\": \"{}\"}}",
            plan["fingerprint"].as_str().unwrap()
        );
        let started = page.ask("POST", "/api/project/send", send.as_bytes()).json();
        assert_eq!(started["started"], true, "{started}");
        let mut run = page.ask("GET", "/api/project/run", b"").json();
        for _ in 0..300 {
            if run["running"] == false {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
            run = page.ask("GET", "/api/project/run", b"").json();
        }
        run
    };
    // A sheet saved again after the plan was shown: the run sends nothing.
    let sheet = dir.read("exports/objecten.csv");
    dir.write("exports/objecten.csv", format!("{sheet}OBJ-E;Pomp 3;Pompkelder\n"));
    let run = send(&plan);
    assert_eq!(run["exit"], 4, "{run}");
    assert!(
        run["output"].as_str().unwrap().contains("is not the one expected"),
        "{run}"
    );
    // Why it stopped, for the page's verdict.
    assert!(
        run["said"].as_str().unwrap().contains("is not the one expected"),
        "{run}"
    );
    assert_eq!(ws.posts(), 0);
    dir.write("exports/objecten.csv", sheet);
    let run = send(&plan);
    assert_eq!(run["exit"], 0, "{run}");
    assert_eq!(
        run["has"],
        serde_json::json!([
            {"interface": "objects", "has": "complete"},
            {"interface": "requirements", "has": "complete"}
        ]),
        "{run}"
    );
    assert!(
        run["output"].as_str().unwrap().contains("relsync: sending 'objects'"),
        "{run}"
    );
    assert_tree_in_place(&ws);
    // Sent: the next plan has nothing to send.
    let plan = page.ask("POST", "/api/project/plan", b"").json();
    assert_eq!(plan["parts"]["unchanged"], true, "{plan}");
    // Another export for objects: the page, loaded again, names it as the one used.
    let csv = dir.read("exports/objecten.csv");
    page.upload("objecten-nieuw.csv", csv.as_bytes(), "objects");
    let setup = page.ask("GET", "/api/setup", b"").json();
    assert_eq!(setup["interfaces"][1]["upload"], "objecten-nieuw.csv", "{setup}");
    assert_eq!(setup["interfaces"][0]["upload"], serde_json::Value::Null, "{setup}");
}

/// From the hostile review: requests that claim huge bodies or send huge heads are answered
/// and forgotten, the server keeps serving; an upload cut off is not kept; an empty sheet is no
/// clean sheet; the element count is the sheet's; the private folder is private.
#[test]
fn hostile_requests_and_uploads() {
    let dir = Dir::new();
    let bytes = workbook(&dir, &["REQ-1", "REQ-1", "REQ-2"]);
    let page = Page::start(&dir, &["-t", "req.toml"]);
    let host = format!("127.0.0.1:{}", page.port);
    // A body of a terabyte, claimed: 403, not read, and the server is still there.
    let got = page.raw("GET", "/", "evil", &[("Content-Length", "1000000000000")], b"");
    assert_eq!(got.status, 403);
    let huge = "A".repeat(40_000);
    let got = page.raw("GET", "/", &host, &[("X-Big", &huge)], b"");
    assert_eq!(got.status, 431);
    assert!(got.header("Content-Security-Policy").is_some());
    let got = page.raw(
        "PUT",
        "/api/upload?interface=Requirements&name=a.xlsx",
        &host,
        &[("Transfer-Encoding", "chunked")],
        b"",
    );
    assert_eq!(got.status, 411);
    assert_eq!(page.ask("GET", "/api/setup", b"").status, 200);

    // An upload whose connection ends early is not kept.
    let mut stream = TcpStream::connect(("127.0.0.1", page.port)).unwrap();
    let head = format!(
        "PUT /api/upload?interface=Requirements&name=cut.xlsx HTTP/1.1\r\nHost: {host}\r\nOrigin: {}\r\nCookie: relsync_{}={}\r\nContent-Length: 100000\r\n\r\n",
        page.origin(),
        page.port,
        page.key
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(&bytes[..1000.min(bytes.len())]).unwrap();
    stream.shutdown(std::net::Shutdown::Write).unwrap();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("cut off"), "{answer}");

    // Device names and direction marks do not reach the file system.
    let got = page.upload("CON.xlsx", &bytes, "Requirements").json();
    assert_eq!(got["name"], "_CON.xlsx");
    let got = page.upload("%E2%80%AEreq.xlsx", &bytes, "Requirements").json();
    assert_eq!(got["name"], "req.xlsx");

    // Errors count every element; an empty sheet is an error, not a clean sheet.
    let (_, state) = page.check("req.xlsx", &bytes);
    assert_eq!(state["result"]["elements"], 3, "{state}");
    assert_eq!(state["result"]["clean"], false);
    req_workbook(&dir, &[]);
    let empty = std::fs::read(dir.path("req.xlsx")).unwrap();
    let (_, state) = page.check("empty.xlsx", &empty);
    assert_eq!(state["result"]["clean"], false, "{state}");
    assert!(
        state["result"]["problems"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["code"] == "empty-body"),
        "{state}"
    );
    // Messages name the file, never the private folder.
    let (_, state) = page.check("broken.xlsx", b"PK\x03\x04 not a workbook");
    let error = state["error"].as_str().unwrap();
    assert!(
        error.contains("broken.xlsx") && !error.contains("relsync-serve-"),
        "{error}"
    );
}

/// The private folder only its owner may enter.
#[cfg(unix)]
#[test]
fn the_private_folder_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = Dir::new();
    let bytes = workbook(&dir, &["REQ-1"]);
    let tmp = dir.path("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let tmp_text = tmp.display().to_string();
    let page = Page::start_with(
        &dir,
        &["-t", "req.toml"],
        &[("RELATICS_TOKEN", TOKEN), ("TMPDIR", &tmp_text)],
    );
    assert_eq!(page.upload("req.xlsx", &bytes, "Requirements").status, 200);
    let folder = std::fs::read_dir(&tmp)
        .unwrap()
        .filter_map(Result::ok)
        .find(|e| e.file_name().to_string_lossy().starts_with("relsync-serve-"))
        .expect("the private folder");
    let mode = std::fs::metadata(folder.path()).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700);
}
