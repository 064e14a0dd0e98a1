//! `relsync submit` against a real HTTP server on 127.0.0.1: headers and body, tokens,
//! retries, redirects, timeouts, and the guards that keep Relatics data from being deleted.

use std::time::{Duration, Instant};

use crate::server::{Reply, Server};
use crate::support::*;

const SYNC: &str = "/api/v1/workspaces/0b5d/interfaces/synchronizing/requirements";
const TOKEN: &str = "/auth/realms/acme/protocol/openid-connect/token";
const TOKEN_VALUE: &str = "tok-7f3a9c51e2";
const SECRET: &str = "s3cr3t-v4lue";

/// A sheet with the given ids, and the requirement template.
fn sheet(dir: &Dir, ids: &[&'static str]) {
    let rows: Vec<Vec<C>> = ids.iter().map(|id| req_row(id, "Title")).collect();
    req_workbook(dir, &rows);
}

fn state(dir: &Dir) -> String {
    dir.path("state").display().to_string()
}

/// Runs `submit req.xlsx` against `server` with `env` for credentials.
fn submit_with_env(dir: &Dir, server: &Server, extra: &[&str], env: &[(&str, &str)]) -> Run {
    let endpoint = server.url(SYNC);
    let state = state(dir);
    let mut args = vec![
        "submit",
        "req.xlsx",
        "-t",
        "req.toml",
        "--endpoint",
        &endpoint,
        "--state-dir",
        &state,
    ];
    args.extend_from_slice(extra);
    dir.run_with(&args, env, None)
}

/// `extra` with `--allow-deletions`: most tests submit to an endpoint without a receipt, whose
/// deletions relsync cannot know, and say that this is the complete set.
fn allowing(extra: &[&'static str]) -> Vec<&'static str> {
    let mut args = extra.to_vec();
    args.push("--allow-deletions");
    args
}

/// Runs submit with a ready token, deletions allowed.
fn submit(dir: &Dir, server: &Server, extra: &[&'static str]) -> Run {
    submit_with_env(dir, server, &allowing(extra), &[("RELATICS_TOKEN", TOKEN_VALUE)])
}

/// Runs submit with a ready token and the deletion guard in force.
fn submit_guarded(dir: &Dir, server: &Server, extra: &[&str]) -> Run {
    submit_with_env(dir, server, extra, &[("RELATICS_TOKEN", TOKEN_VALUE)])
}

/// Runs submit with client credentials, deletions allowed.
fn submit_with_client(dir: &Dir, server: &Server, extra: &[&'static str]) -> Run {
    let token_url = server.url(TOKEN);
    let env = [
        ("RELATICS_CLIENT_ID", "relsync-client"),
        ("RELATICS_CLIENT_SECRET", SECRET),
        ("RELATICS_TOKEN_URL", token_url.as_str()),
    ];
    submit_with_env(dir, server, &allowing(extra), &env)
}

fn ok_sync() -> Reply {
    Reply::json(200, r#"{"result": "accepted"}"#)
}

/// A token endpoint handing out `tok-1`, `tok-2`, ... and a sync endpoint driven by `sync`.
fn server_with_tokens(sync: impl Fn(usize, &str) -> Reply + Send + Sync + 'static) -> Server {
    Server::start(move |req, earlier| {
        if req.path == TOKEN {
            let n = earlier.iter().filter(|r| r.path == TOKEN).count() + 1;
            return Reply::json(
                200,
                &format!(r#"{{"access_token": "tok-{n}", "token_type": "Bearer", "expires_in": 300}}"#),
            );
        }
        let n = earlier.iter().filter(|r| r.path == SYNC).count();
        let auth = req.header("authorization").unwrap_or("").to_owned();
        sync(n, &auth)
    })
}

fn receipts(dir: &Dir) -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    let root = dir.path("state").join("receipts");
    let Ok(endpoints) = std::fs::read_dir(root) else {
        return out;
    };
    for e in endpoints {
        for f in std::fs::read_dir(e.unwrap().path()).unwrap() {
            let text = std::fs::read_to_string(f.unwrap().path()).unwrap();
            out.push(serde_json::from_str(&text).unwrap());
        }
    }
    out.sort_by(|a, b| a["time"].as_str().cmp(&b["time"].as_str()));
    out
}

#[test]
fn sends_the_body_byte_for_byte_with_the_right_headers() {
    let dir = Dir::new();
    sheet(&dir, &["REQ-1", "REQ-2"]);
    let server = Server::start(|_, _| ok_sync());
    let run = submit(&dir, &server, &[]);
    assert_eq!(run.code, 0, "{run:?}");

    let expected = dir.run(&["convert", "req.xlsx", "-t", "req.toml"]).stdout;
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(r.method, "POST");
    assert_eq!(r.path, SYNC);
    assert_eq!(
        r.header("authorization"),
        Some(format!("Bearer {TOKEN_VALUE}").as_str())
    );
    assert_eq!(r.header("content-type"), Some("application/json; charset=utf-8"));
    assert_eq!(r.header("accept"), Some("application/json"));
    assert_eq!(
        r.header("user-agent"),
        Some(format!("relsync/{}", env!("CARGO_PKG_VERSION")).as_str())
    );
    assert_eq!(String::from_utf8(r.body.clone()).unwrap(), expected);

    assert!(run.stdout.contains("200"), "{}", run.stdout);
    assert!(run.stdout.contains("2 elements"), "{}", run.stdout);
    assert!(run.stdout.contains("accepted"), "{}", run.stdout);
    assert!(run.stdout.contains("Sync issues"), "{}", run.stdout);
    let receipts = receipts(&dir);
    assert_eq!(receipts.len(), 1);
    let receipt = &receipts[0];
    assert_eq!(receipt["endpoint"], server.url(SYNC));
    assert_eq!(receipt["status"], 200);
    assert_eq!(receipt["elements"], 2);
    assert_eq!(receipt["external_ids"], serde_json::json!(["REQ-1", "REQ-2"]));
    let sha = receipt["body_sha256"].as_str().unwrap();
    assert_eq!(sha.len(), 64);
    assert!(receipt["time"].as_str().unwrap().ends_with('Z'));
}

#[test]
fn xml_bodies_and_xml_answers() {
    let dir = Dir::new();
    sheet(&dir, &["REQ-1"]);
    let server = Server::start(|_, _| {
        Reply::Respond(
            200,
            vec![("Content-Type", "application/xml".into())],
            "<result>ok</result>".into(),
        )
    });
    let run = submit(&dir, &server, &["--format", "xml", "--accept", "xml"]);
    assert_eq!(run.code, 0, "{run:?}");
    let r = &server.requests()[0];
    assert_eq!(r.header("content-type"), Some("application/xml; charset=utf-8"));
    assert_eq!(r.header("accept"), Some("application/xml"));
    assert!(String::from_utf8_lossy(&r.body).starts_with("<?xml"));
    assert!(run.stdout.contains("<result>ok</result>"), "{}", run.stdout);
}

#[test]
fn a_body_made_earlier_is_checked_and_sent_as_it_is() {
    let dir = Dir::new();
    let body = "{\"Requirements\": [{\"@externalid\": \"A\", \"R\": [{\"@id\": \"X-1\"}]}]}";
    dir.write("body.json", body);
    let server = Server::start(|_, _| ok_sync());
    let endpoint = server.url(SYNC);
    let state = state(&dir);
    let run = dir.run_with(
        &[
            "submit",
            "body.json",
            "--endpoint",
            &endpoint,
            "--state-dir",
            &state,
            "--allow-deletions",
        ],
        &[("RELATICS_TOKEN", TOKEN_VALUE)],
        None,
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(server.requests()[0].body, body.as_bytes());

    dir.write(
        "bad.json",
        "{\"Requirements\": [{\"@externalid\": \"A\"}, {\"@externalid\": \"A\"}]}",
    );
    let run = dir.run_with(
        &["submit", "bad.json", "--endpoint", &endpoint, "--state-dir", &state],
        &[("RELATICS_TOKEN", TOKEN_VALUE)],
        None,
    );
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr
            .contains("bad.json, element 2  error  invalid-body  uses the external id 'A' again"),
        "{}",
        run.stderr
    );
    assert_eq!(server.requests().len(), 1, "nothing more was sent");
}

#[test]
fn client_credentials_as_basic_auth_and_the_token_is_reused_on_retry() {
    let dir = Dir::new();
    sheet(&dir, &["REQ-1"]);
    let server = server_with_tokens(|n, _| if n == 0 { Reply::json(503, "{}") } else { ok_sync() });
    let run = submit_with_client(&dir, &server, &[]);
    assert_eq!(run.code, 0, "{run:?}");
    let tokens = server.requests_to(TOKEN);
    assert_eq!(tokens.len(), 1, "one token for both attempts");
    let t = &tokens[0];
    assert_eq!(t.method, "POST");
    assert_eq!(t.header("content-type"), Some("application/x-www-form-urlencoded"));
    assert_eq!(String::from_utf8_lossy(&t.body), "grant_type=client_credentials");
    let expected = format!("Basic {}", base64(&format!("relsync-client:{SECRET}")));
    assert_eq!(t.header("authorization"), Some(expected.as_str()));
    let syncs = server.requests_to(SYNC);
    assert_eq!(syncs.len(), 2);
    assert!(syncs.iter().all(|r| r.header("authorization") == Some("Bearer tok-1")));
    assert!(
        syncs[1].at.duration_since(syncs[0].at) >= Duration::from_millis(900),
        "waited about 1 s"
    );
    assert!(
        run.stderr.contains("503") && run.stderr.contains("retrying in 1 s"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_401_fetches_a_new_token_once() {
    let dir = Dir::new();
    sheet(&dir, &["REQ-1"]);
    let server = server_with_tokens(|_, auth| {
        if auth == "Bearer tok-1" {
            Reply::json(401, "{}")
        } else {
            ok_sync()
        }
    });
    let run = submit_with_client(&dir, &server, &[]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(server.requests_to(TOKEN).len(), 2);
    let syncs = server.requests_to(SYNC);
    assert_eq!(syncs.len(), 2);
    assert_eq!(syncs[1].header("authorization"), Some("Bearer tok-2"));

    let always = server_with_tokens(|_, _| Reply::json(401, r#"{"error": "nope"}"#));
    let run = submit_with_client(&dir, &always, &[]);
    assert_eq!(run.code, 3, "{run:?}");
    assert_eq!(always.requests_to(TOKEN).len(), 2);
    assert_eq!(always.requests_to(SYNC).len(), 2);
    assert!(run.stderr.contains("401"), "{}", run.stderr);
}

#[test]
fn oauth_errors_are_explained() {
    let dir = Dir::new();
    sheet(&dir, &["REQ-1"]);
    let server = Server::start(|req, _| {
        if req.path == TOKEN {
            Reply::json(
                401,
                r#"{"error": "invalid_client", "error_description": "Invalid client credentials"}"#,
            )
        } else {
            ok_sync()
        }
    });
    let run = submit_with_client(&dir, &server, &[]);
    assert_eq!(run.code, 3, "{run:?}");
    assert!(run.stderr.contains("invalid_client"), "{}", run.stderr);
    assert!(run.stderr.contains("RELATICS_CLIENT_SECRET"), "{}", run.stderr);
    assert!(server.requests_to(SYNC).is_empty());
}

#[test]
fn retry_after_is_honoured() {
    let dir = Dir::new();
    sheet(&dir, &["REQ-1"]);
    let server = Server::start(|_, earlier| {
        if earlier.is_empty() {
            Reply::Respond(429, vec![("Retry-After", "2".into())], String::new())
        } else {
            ok_sync()
        }
    });
    let run = submit(&dir, &server, &[]);
    assert_eq!(run.code, 0, "{run:?}");
    let r = server.requests();
    assert_eq!(r.len(), 2);
    assert!(r[1].at.duration_since(r[0].at) >= Duration::from_millis(1900));
    assert!(run.stderr.contains("retrying in 2 s"), "{}", run.stderr);
}

#[test]
fn other_4xx_are_not_retried_and_get_a_hint() {
    for (status, hint) in [
        (400, "names"),
        (403, "initiator"),
        (404, "endpoint name"),
        (413, "too large"),
        (500, "later"),
    ] {
        let dir = Dir::new();
        sheet(&dir, &["REQ-1"]);
        let server = Server::start(move |_, _| Reply::json(status, r#"{"message": "details from Relatics"}"#));
        let run = submit(&dir, &server, &["--retries", "0"]);
        assert_eq!(run.code, 3, "{status}: {run:?}");
        assert_eq!(server.requests().len(), 1, "{status}");
        assert!(run.stderr.contains(&status.to_string()), "{}", run.stderr);
        assert!(run.stderr.contains("details from Relatics"), "{}", run.stderr);
        assert!(run.stderr.contains(hint), "{status}: {}", run.stderr);
        assert!(receipts(&dir).is_empty(), "no receipt after a failure");
    }
}

#[test]
fn a_server_that_never_answers_times_out() {
    let dir = Dir::new();
    sheet(&dir, &["REQ-1"]);
    let server = Server::start(|_, _| Reply::Hang);
    let started = Instant::now();
    let run = submit(&dir, &server, &["--timeout", "1", "--retries", "0"]);
    assert_eq!(run.code, 3, "{run:?}");
    assert!(started.elapsed() < Duration::from_secs(20));
    assert!(
        run.stderr.contains("no answer within 1 s") && run.stderr.contains("--timeout"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_dropped_connection_fails_clearly_and_is_retried() {
    let dir = Dir::new();
    sheet(&dir, &["REQ-1"]);
    let server = Server::start(|_, _| Reply::Drop);
    let run = submit(&dir, &server, &["--retries", "0"]);
    assert_eq!(run.code, 3, "{run:?}");
    assert!(run.stderr.contains("connection"), "{}", run.stderr);

    let flaky = Server::start(|_, earlier| if earlier.is_empty() { Reply::Drop } else { ok_sync() });
    let run = submit(&dir, &flaky, &[]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(flaky.requests().len(), 2);
}

#[test]
fn redirects_are_not_followed() {
    let dir = Dir::new();
    sheet(&dir, &["REQ-1"]);
    let server = Server::start(|req, _| {
        if req.path == SYNC {
            Reply::Respond(302, vec![("Location", "/elsewhere".into())], String::new())
        } else {
            ok_sync()
        }
    });
    let run = submit(&dir, &server, &[]);
    assert_eq!(run.code, 3, "{run:?}");
    assert!(run.stderr.contains("/elsewhere"), "{}", run.stderr);
    assert_eq!(server.requests().len(), 1, "the redirect was not followed");
}

#[test]
fn deletions_are_refused_unless_allowed() {
    let dir = Dir::new();
    let server = Server::start(|_, _| ok_sync());
    sheet(&dir, &["REQ-1", "REQ-2", "REQ-3"]);
    assert_eq!(submit(&dir, &server, &[]).code, 0);
    assert_eq!(receipts(&dir).len(), 1);

    sheet(&dir, &["REQ-1", "REQ-4"]);
    let run = submit_guarded(&dir, &server, &[]);
    assert_eq!(run.code, 4, "{run:?}");
    assert!(
        run.stderr.contains("REQ-2") && run.stderr.contains("REQ-3"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("2 would be deleted") || run.stderr.contains("delete 2"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--allow-deletions"), "{}", run.stderr);
    assert_eq!(server.requests().len(), 1, "nothing was sent");
    assert_eq!(receipts(&dir).len(), 1, "receipt unchanged");

    let run = submit(&dir, &server, &[]);
    assert_eq!(run.code, 0, "{run:?}");
    let receipts = receipts(&dir);
    assert_eq!(receipts.len(), 2);
    assert_eq!(receipts[1]["external_ids"], serde_json::json!(["REQ-1", "REQ-4"]));
}

#[test]
fn the_receipt_is_only_updated_after_success() {
    let dir = Dir::new();
    let server = Server::start(|_, earlier| {
        if earlier.is_empty() {
            ok_sync()
        } else {
            Reply::json(500, "{}")
        }
    });
    sheet(&dir, &["REQ-1"]);
    assert_eq!(submit(&dir, &server, &[]).code, 0);
    sheet(&dir, &["REQ-1", "REQ-2"]);
    let run = submit(&dir, &server, &["--retries", "0"]);
    assert_eq!(run.code, 3, "{run:?}");
    let receipts = receipts(&dir);
    assert_eq!(receipts.len(), 1);
    assert_eq!(receipts[0]["external_ids"], serde_json::json!(["REQ-1"]));
}

#[test]
fn an_empty_body_is_refused_unless_allowed() {
    let dir = Dir::new();
    dir.write("empty.json", "{\"Requirements\": []}");
    let server = Server::start(|_, _| ok_sync());
    let endpoint = server.url(SYNC);
    let state = state(&dir);
    let args = [
        "submit",
        "empty.json",
        "--endpoint",
        &endpoint,
        "--state-dir",
        &state,
        "--allow-deletions",
    ];
    let run = dir.run_with(&args, &[("RELATICS_TOKEN", TOKEN_VALUE)], None);
    assert_eq!(run.code, 4, "{run:?}");
    assert!(run.stderr.contains("--allow-empty"), "{}", run.stderr);
    assert!(server.requests().is_empty());

    let mut allowed = args.to_vec();
    allowed.push("--allow-empty");
    let run = dir.run_with(&allowed, &[("RELATICS_TOKEN", TOKEN_VALUE)], None);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(server.requests().len(), 1);

    // A sheet without rows too, once allowed.
    let sheet_dir = Dir::new();
    req_workbook(&sheet_dir, &[]);
    let run = submit(&sheet_dir, &server, &[]);
    assert_eq!(run.code, 4, "an empty sheet is an empty body: {run:?}");
    assert!(run.stderr.contains("--allow-empty"), "{}", run.stderr);
    let run = submit(&sheet_dir, &server, &["--allow-empty"]);
    assert_eq!(run.code, 0, "{run:?}");
}

#[test]
fn dry_run_sends_nothing_and_shows_the_plan() {
    let dir = Dir::new();
    let server = server_with_tokens(|_, _| ok_sync());
    sheet(&dir, &["REQ-1", "REQ-2"]);
    let run = submit_with_client(&dir, &server, &["--dry-run"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(server.requests().is_empty(), "no token, no POST");
    assert!(run.stdout.contains(&server.url(SYNC)), "{}", run.stdout);
    assert!(run.stdout.contains("2 elements"), "{}", run.stdout);
    assert!(run.stdout.contains("no earlier submit"), "{}", run.stdout);

    assert_eq!(submit_with_client(&dir, &server, &[]).code, 0);
    sheet(&dir, &["REQ-2", "REQ-3", "REQ-4"]);
    let run = submit_with_client(&dir, &server, &["--dry-run"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains("2 new, 1 kept, 1 would be deleted"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("REQ-1"), "{}", run.stdout);
    assert_eq!(server.requests().len(), 2, "only the real submit in between");
}

#[test]
fn secrets_never_appear_in_output_or_state() {
    let dir = Dir::new();
    sheet(&dir, &["REQ-1"]);
    let server = Server::start(|req, _| {
        if req.path == TOKEN {
            Reply::json(
                200,
                r#"{"access_token": "tok-secret-4242", "token_type": "Bearer", "expires_in": 60}"#,
            )
        } else {
            ok_sync()
        }
    });
    let run = submit_with_client(&dir, &server, &["--verbose"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stderr.contains("Authorization: Bearer ***"), "{}", run.stderr);
    for secret in ["tok-secret-4242", SECRET] {
        assert!(!run.stdout.contains(secret), "stdout has {secret}");
        assert!(!run.stderr.contains(secret), "stderr has {secret}");
    }
    for entry in walk(&dir.path("state")) {
        let bytes = std::fs::read(&entry).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains("tok-secret-4242") && !text.contains(SECRET),
            "{} has a secret",
            entry.display()
        );
    }
}

#[test]
fn endpoints_and_credentials_are_checked_before_anything_is_sent() {
    let dir = Dir::new();
    sheet(&dir, &["REQ-1"]);
    let state = state(&dir);
    let plain = dir.run_with(
        &[
            "submit",
            "req.xlsx",
            "-t",
            "req.toml",
            "--endpoint",
            "http://relatics.example.com/x",
            "--state-dir",
            &state,
        ],
        &[("RELATICS_TOKEN", TOKEN_VALUE)],
        None,
    );
    assert_eq!(plain.code, 2, "{plain:?}");
    assert!(plain.stderr.contains("https"), "{}", plain.stderr);

    let server = Server::start(|_, _| ok_sync());
    let endpoint = server.url(SYNC);
    let none = dir.run(&[
        "submit",
        "req.xlsx",
        "-t",
        "req.toml",
        "--endpoint",
        &endpoint,
        "--state-dir",
        &state,
    ]);
    assert_eq!(none.code, 2, "{none:?}");
    assert!(none.stderr.contains("RELATICS_TOKEN"), "{}", none.stderr);

    // The endpoint can come from the environment or the template.
    let from_env = dir.run_with(
        &[
            "submit",
            "req.xlsx",
            "-t",
            "req.toml",
            "--state-dir",
            &state,
            "--allow-deletions",
        ],
        &[("RELATICS_TOKEN", TOKEN_VALUE), ("RELATICS_ENDPOINT", &endpoint)],
        None,
    );
    assert_eq!(from_env.code, 0, "{from_env:?}");
    dir.write(
        "with-endpoint.toml",
        REQ_TEMPLATE.replace(
            "plural = \"Requirements\"",
            &format!("plural = \"Requirements\"\nendpoint = \"{endpoint}\""),
        ),
    );
    let from_template = dir.run_with(
        &["submit", "req.xlsx", "-t", "with-endpoint.toml", "--state-dir", &state],
        &[("RELATICS_TOKEN", TOKEN_VALUE)],
        None,
    );
    assert_eq!(from_template.code, 0, "{from_template:?}");
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn sheet_problems_stop_before_anything_is_sent() {
    let dir = Dir::new();
    let mut bad = req_row("REQ-2", "B");
    bad[3] = C::S("heavy");
    req_workbook(&dir, &[req_row("REQ-1", "A"), bad]);
    let server = Server::start(|_, _| ok_sync());
    let run = submit(&dir, &server, &[]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("not-a-number"), "{}", run.stderr);
    assert!(server.requests().is_empty());
}

#[test]
fn token_file_is_read() {
    let dir = Dir::new();
    sheet(&dir, &["REQ-1"]);
    dir.write("token.txt", "from-file-token-99\n");
    let server = Server::start(|_, _| ok_sync());
    let endpoint = server.url(SYNC);
    let state = state(&dir);
    let run = dir.run(&[
        "submit",
        "req.xlsx",
        "-t",
        "req.toml",
        "--endpoint",
        &endpoint,
        "--state-dir",
        &state,
        "--token-file",
        "token.txt",
        "--allow-deletions",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        server.requests()[0].header("authorization"),
        Some("Bearer from-file-token-99")
    );
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

/// Standard base64, for checking the Basic header independently of the client.
fn base64(text: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = text.as_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn a_token_endpoint_that_echoes_the_basic_header_shows_no_secret() {
    let dir = Dir::new();
    sheet(&dir, &["REQ-1"]);
    let server = Server::start(|req, _| {
        let echoed = req.header("authorization").unwrap_or("").to_owned();
        Reply::json(
            401,
            &format!(r#"{{"error": "invalid_client", "error_description": "bad creds: {echoed} for {SECRET}"}}"#),
        )
    });
    let run = submit_with_client(&dir, &server, &[]);
    assert_eq!(run.code, 3, "{run:?}");
    let basic = base64(&format!("relsync-client:{SECRET}"));
    for leaked in [SECRET, basic.as_str()] {
        assert!(
            !run.stderr.contains(leaked) && !run.stdout.contains(leaked),
            "{leaked} shown: {run:?}"
        );
    }
    assert!(run.stderr.contains("bad creds: Basic *** for ***"), "{}", run.stderr);
}

#[test]
fn tokens_an_http_header_cannot_carry_are_refused_before_sending() {
    let dir = Dir::new();
    sheet(&dir, &["REQ-1"]);
    let server = Server::start(|req, _| {
        if req.path == TOKEN {
            return Reply::json(200, r#"{"access_token": "tok\nsplit", "token_type": "Bearer"}"#);
        }
        ok_sync()
    });
    for (token, words) in [
        ("ab\ncd", "RELATICS_TOKEN holds more than one word or line"),
        ("SECRÉT", "RELATICS_TOKEN holds characters outside ASCII"),
    ] {
        let run = submit_with_env(&dir, &server, &allowing(&[]), &[("RELATICS_TOKEN", token)]);
        assert_eq!(run.code, 2, "{run:?}");
        assert!(run.stderr.contains(words), "{}", run.stderr);
    }
    let run = submit_with_client(&dir, &server, &[]);
    assert_eq!(run.code, 3, "{run:?}");
    assert!(
        run.stderr
            .contains("answered an access token that holds more than one word or line"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("split"), "the token is a secret: {}", run.stderr);
    assert!(server.requests_to(SYNC).is_empty());
    assert!(
        !dir.path("state").join("in-flight").exists()
            || std::fs::read_dir(dir.path("state/in-flight")).unwrap().next().is_none()
    );
}
