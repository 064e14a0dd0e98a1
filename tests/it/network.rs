//! `submit` over a real network: HTTPS with a test CA (trusted as a firm's IT would trust it:
//! `SSL_CERT_FILE` on Linux), refused certificates, a CONNECT proxy, loopback never proxied,
//! and a server that fails in every way a network does. Each ends with the documented exit
//! code and message, no receipt after a failure, and no secret in any output.

use std::time::{Duration, Instant};

use crate::server::{Proxy, Reply, Server, TestCa, closed_port};
use crate::support::*;

const SYNC: &str = "/api/v1/workspaces/0b5d/interfaces/synchronizing/requirements";
const TOKEN: &str = "/auth/realms/acme/protocol/openid-connect/token";
const SECRET: &str = "s3cr3t-v4lue";
const ISSUED: &str = "tok-issued-8d1e77";

fn ok_sync() -> Reply {
    Reply::json(200, r#"{"result": "accepted"}"#)
}

/// A token endpoint and a sync endpoint answered by `sync`.
fn handler(
    sync: impl Fn(usize) -> Reply + Send + Sync + 'static,
) -> impl Fn(&crate::server::Request, &[crate::server::Request]) -> Reply + Send + Sync + 'static {
    move |req, earlier| {
        if req.path == TOKEN {
            return Reply::json(
                200,
                &format!(r#"{{"access_token": "{ISSUED}", "token_type": "Bearer"}}"#),
            );
        }
        sync(earlier.iter().filter(|r| r.path == SYNC).count())
    }
}

/// `submit req.xlsx` to `endpoint` with client credentials (token from `token_url`).
fn run(dir: &Dir, endpoint: &str, token_url: &str, extra: &[&str], env: &[(&str, &str)]) -> Run {
    let mut args = vec!["--allow-deletions"];
    args.extend_from_slice(extra);
    let mut all = vec![
        ("RELATICS_CLIENT_ID", "relsync-client"),
        ("RELATICS_CLIENT_SECRET", SECRET),
        ("RELATICS_TOKEN_URL", token_url),
    ];
    all.extend_from_slice(env);
    submit_sheet_with(dir, endpoint, &args, &all)
}

fn workbook() -> Dir {
    let dir = Dir::new();
    req_workbook(&dir, &[req_row("REQ-1", "A")]);
    dir
}

/// A workbook whose body (some 400 KB) is larger than what reqwest hands over before it has a
/// connection, so a failed connection shows up as a failed handover ("receiver is gone")
/// unless relsync looks further.
fn large_workbook() -> Dir {
    let dir = Dir::new();
    let ids: Vec<&'static str> = (0..2000)
        .map(|i| &*Box::leak(format!("REQ-{i}").into_boxed_str()))
        .collect();
    let rows: Vec<_> = ids.iter().map(|id| req_row(id, "a title long enough")).collect();
    req_workbook(&dir, &rows);
    dir
}

/// `submit` of `req.xlsx` to `url` with a ready token (`tok-1234`), deletions allowed.
fn submit_ready(dir: &Dir, url: &str, extra: &[&str]) -> Run {
    let mut args = vec!["--allow-deletions"];
    args.extend_from_slice(extra);
    submit_sheet(dir, url, "tok-1234", &args)
}

fn no_receipt(dir: &Dir) -> bool {
    let root = dir.path("state").join("receipts");
    std::fs::read_dir(root).map_or(true, |mut d| {
        d.all(|e| std::fs::read_dir(e.unwrap().path()).unwrap().next().is_none())
    })
}

fn assert_no_secret(run: &Run) {
    for secret in [SECRET, ISSUED] {
        assert!(
            !run.stdout.contains(secret) && !run.stderr.contains(secret),
            "a secret was printed: {run:?}"
        );
    }
}

#[cfg(target_os = "linux")]
mod tls {
    use super::*;

    #[test]
    fn https_to_a_server_signed_by_the_trusted_ca() {
        let dir = workbook();
        let ca = TestCa::new("Acme IT Root CA");
        ca.write_pem(&dir.path("ca.pem"));
        let server = Server::start_tls(ca.server(&["localhost"], false), "localhost", handler(|_| ok_sync()));
        let ca_file = dir.path("ca.pem").display().to_string();
        let run = run(
            &dir,
            &server.url(SYNC),
            &server.url(TOKEN),
            &[],
            &[("SSL_CERT_FILE", &ca_file)],
        );
        assert_eq!(run.code, 0, "{run:?}");
        assert_eq!(server.requests_to(SYNC).len(), 1);
        assert_eq!(
            server.requests_to(SYNC)[0].header("authorization"),
            Some(&*format!("Bearer {ISSUED}"))
        );
        assert_no_secret(&run);
    }

    #[test]
    fn certificates_that_are_not_trusted_are_refused_in_plain_words() {
        let ca = TestCa::new("Acme IT Root CA");
        let other = TestCa::new("Somebody else");
        for (name, config, expect) in [
            (
                "untrusted",
                other.server(&["localhost"], false),
                "the certificate of localhost is not trusted",
            ),
            (
                "wrong host",
                ca.server(&["other.example"], false),
                "the certificate of localhost was issued for another host name",
            ),
            (
                "expired",
                ca.server(&["localhost"], true),
                "the certificate of localhost has expired",
            ),
        ] {
            let dir = workbook();
            ca.write_pem(&dir.path("ca.pem"));
            let ca_file = dir.path("ca.pem").display().to_string();
            let server = Server::start_tls(config, "localhost", handler(|_| ok_sync()));
            let started = Instant::now();
            let run = run(
                &dir,
                &server.url(SYNC),
                &server.url(TOKEN),
                &[],
                &[("SSL_CERT_FILE", &ca_file)],
            );
            assert_eq!(run.code, 3, "{name}: {run:?}");
            assert!(run.stderr.contains(expect), "{name}: {}", run.stderr);
            assert!(started.elapsed() < Duration::from_secs(10), "{name}: not retried");
            assert!(server.requests().is_empty(), "{name}: nothing reached the server");
            assert!(no_receipt(&dir), "{name}");
            assert_no_secret(&run);
        }
    }

    #[test]
    fn a_large_body_to_an_untrusted_server_is_named_and_not_retried() {
        let dir = large_workbook();
        let other = TestCa::new("Somebody else");
        let server = Server::start_tls(other.server(&["localhost"], false), "localhost", handler(|_| ok_sync()));
        let started = Instant::now();
        let run = submit_ready(&dir, &server.url(SYNC), &["--retries", "3"]);
        assert_eq!(run.code, 3, "{run:?}");
        assert!(
            run.stderr.contains("the certificate of localhost is not trusted"),
            "{}",
            run.stderr
        );
        assert!(
            !run.stderr.contains("retrying"),
            "a certificate is not retried: {}",
            run.stderr
        );
        assert!(started.elapsed() < Duration::from_secs(10));
        assert!(server.requests().is_empty());
        assert!(!run.stderr.contains("tok-1234"));
    }

    #[test]
    fn an_empty_trust_store_is_named_when_a_server_is_reached_too() {
        let dir = Dir::new();
        dir.write("empty.pem", "\n");
        let empty = dir.path("empty.pem").display().to_string();
        let ca = TestCa::new("Acme IT Root CA");
        let server = Server::start_tls(ca.server(&["localhost"], false), "localhost", |_, _| {
            Reply::json(200, "[]")
        });
        let url = server.url("/api/v1/workspaces/0b5d/interfaces/providing/facilities");
        let run = dir.run_with(
            &["fetch-lookup", "--endpoint", &url, "-o", "l.json", "--retries", "2"],
            &[("RELATICS_TOKEN", "tok-1234"), ("SSL_CERT_FILE", &empty)],
            None,
        );
        assert_eq!(run.code, 3, "{run:?}");
        assert!(
            run.stderr.contains(&format!(
                "no trusted certificate authorities could be loaded, so no HTTPS server can be checked \
                 (SSL_CERT_FILE={empty}, SSL_CERT_DIR is not set): point SSL_CERT_FILE at a file of PEM certificates"
            )),
            "{}",
            run.stderr
        );
        assert!(!run.stderr.contains("retrying"), "{}", run.stderr);
    }

    #[test]
    fn fetch_lookup_over_https_trusts_the_same_way() {
        let dir = workbook();
        let ca = TestCa::new("Acme IT Root CA");
        ca.write_pem(&dir.path("ca.pem"));
        let ca_file = dir.path("ca.pem").display().to_string();
        let server = Server::start_tls(ca.server(&["localhost"], false), "localhost", |_, _| {
            Reply::json(200, r#"[{"id": "FAC-1", "name": "Pump"}]"#)
        });
        let url = server.url("/api/v1/workspaces/0b5d/interfaces/providing/facilities");
        let args = [
            "fetch-lookup",
            "--endpoint",
            url.as_str(),
            "-o",
            "l.json",
            "--retries",
            "0",
        ];
        let run = dir.run_with(
            &args,
            &[("RELATICS_TOKEN", "tok-1234"), ("SSL_CERT_FILE", &ca_file)],
            None,
        );
        assert_eq!(run.code, 0, "{run:?}");
        assert!(run.stdout.contains("1 name/ID pair recognised"));
        let other = TestCa::new("Somebody else");
        other.write_pem(&dir.path("other.pem"));
        let other_file = dir.path("other.pem").display().to_string();
        let run = dir.run_with(
            &args,
            &[("RELATICS_TOKEN", "tok-1234"), ("SSL_CERT_FILE", &other_file)],
            None,
        );
        assert_eq!(run.code, 3, "{run:?}");
        assert!(
            run.stderr.contains("the certificate of localhost is not trusted"),
            "{}",
            run.stderr
        );
    }

    #[test]
    fn an_empty_trust_store_is_said_in_plain_words() {
        let dir = workbook();
        dir.write("empty.pem", "");
        let server = Server::start(handler(|_| ok_sync()));
        let empty = dir.path("empty.pem").display().to_string();
        let https = format!("https://relatics.test:{}{SYNC}", closed_port());
        let run = run(&dir, &https, &server.url(TOKEN), &[], &[("SSL_CERT_FILE", &empty)]);
        assert_eq!(run.code, 3, "{run:?}");
        assert!(
            run.stderr
                .contains("no trusted certificate authorities could be loaded"),
            "{}",
            run.stderr
        );
        assert!(run.stderr.contains(&format!("SSL_CERT_FILE={empty}")), "{}", run.stderr);
        assert!(!run.stderr.contains("builder error"), "{}", run.stderr);
        assert!(server.requests().is_empty());
    }

    #[test]
    fn https_proxy_tunnels_and_no_proxy_is_honoured() {
        let dir = workbook();
        let ca = TestCa::new("Acme IT Root CA");
        ca.write_pem(&dir.path("ca.pem"));
        let ca_file = dir.path("ca.pem").display().to_string();
        // relatics.test resolves nowhere but in the proxy: only the tunnel can deliver.
        let server = Server::start_tls(
            ca.server(&["relatics.test"], false),
            "relatics.test",
            handler(|_| ok_sync()),
        );
        let proxy = Proxy::start();
        let proxy_url = format!("http://proxyuser:pr0xy-pa55@127.0.0.1:{}", proxy.port);
        let env = [("SSL_CERT_FILE", ca_file.as_str()), ("HTTPS_PROXY", proxy_url.as_str())];
        let run = run(&dir, &server.url(SYNC), &server.url(TOKEN), &[], &env);
        assert_eq!(run.code, 0, "{run:?}");
        let target = format!("relatics.test:{}", server.addr.port());
        assert_eq!(
            proxy.connects(),
            [(target.clone(), true), (target, true)],
            "token and body"
        );
        assert_eq!(server.requests().len(), 2);
        assert!(!run.stdout.contains("pr0xy-pa55") && !run.stderr.contains("pr0xy-pa55"));

        let env = [
            ("SSL_CERT_FILE", ca_file.as_str()),
            ("HTTPS_PROXY", proxy_url.as_str()),
            ("NO_PROXY", "relatics.test"),
        ];
        let bypass = super::run(&dir, &server.url(SYNC), &server.url(TOKEN), &["--retries", "0"], &env);
        assert_eq!(bypass.code, 3, "{bypass:?}");
        assert_eq!(proxy.connects().len(), 2, "NO_PROXY bypassed the proxy");
        assert!(bypass.stderr.contains("relatics.test"), "{}", bypass.stderr);
        assert!(!bypass.stderr.contains("pr0xy-pa55"));

        // A proxy that refuses the credentials: said so, and not retried.
        let refusing = Proxy::start_refusing();
        let refusing_url = format!("http://proxyuser:pr0xy-pa55@127.0.0.1:{}", refusing.port);
        let env = [
            ("SSL_CERT_FILE", ca_file.as_str()),
            ("HTTPS_PROXY", refusing_url.as_str()),
        ];
        let run = super::run(&dir, &server.url(SYNC), &server.url(TOKEN), &["--retries", "2"], &env);
        assert_eq!(run.code, 3, "{run:?}");
        assert!(
            run.stderr.contains(
                "the proxy could not be used (it did not accept the user name and password in the proxy URL)"
            ),
            "{}",
            run.stderr
        );
        assert_eq!(refusing.connects().len(), 1, "not retried: {:?}", refusing.connects());
        assert!(!run.stderr.contains("pr0xy-pa55"));
    }
}

#[test]
fn loopback_is_never_proxied() {
    let dir = workbook();
    let server = Server::start(handler(|_| ok_sync()));
    let proxy = Server::start(|_, _| Reply::json(502, "{}"));
    let proxy_url = proxy.url("");
    let env = [("HTTP_PROXY", proxy_url.as_str()), ("HTTPS_PROXY", proxy_url.as_str())];
    let run = run(&dir, &server.url(SYNC), &server.url(TOKEN), &[], &env);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(proxy.requests().is_empty(), "the token and the body went direct");
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn a_closed_port_is_one_sentence() {
    let dir = workbook();
    let port = closed_port();
    let url = format!("http://127.0.0.1:{port}{SYNC}");
    let token_url = format!("http://127.0.0.1:{port}{TOKEN}");
    let run = run(&dir, &url, &token_url, &["--retries", "0"], &[]);
    assert_eq!(run.code, 3, "{run:?}");
    let expected = format!("connection refused by 127.0.0.1:{port}: is the URL right and the server running?");
    assert_eq!(
        run.stderr.matches(&expected).count(),
        1,
        "one sentence, once: {}",
        run.stderr
    );
    assert!(!run.stderr.contains("receiver"), "{}", run.stderr);
}

#[test]
fn a_closed_port_is_one_sentence_whatever_the_body_size() {
    let dir = large_workbook();
    let port = closed_port();
    let url = format!("http://127.0.0.1:{port}{SYNC}");
    let run = submit_ready(&dir, &url, &["--retries", "1"]);
    assert_eq!(run.code, 3, "{run:?}");
    assert!(
        run.stderr.contains(&format!(
            "relsync: connection refused by 127.0.0.1:{port}; retrying in 1 s (retry 1 of 1)"
        )),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(&format!(
            "{url}: connection refused by 127.0.0.1:{port} (2 attempts): is the URL right and the server running? \
             No receipt was recorded."
        )),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("receiver"), "{}", run.stderr);
    assert!(no_receipt(&dir));
}

#[test]
fn a_server_that_fails_in_every_way() {
    // (what the sync endpoint does, extra arguments, the words of the message)
    type Case = (&'static str, fn(usize) -> Reply, &'static [&'static str], &'static str);
    let cases: [Case; 6] = [
        (
            "slow",
            |_| Reply::After(Duration::from_secs(3), Box::new(ok_sync())),
            &["--timeout", "1", "--retries", "0"],
            "no answer within 1 s",
        ),
        (
            "dropped after the headers",
            |_| {
                Reply::Raw(
                    b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\nContent-Type: application/json\r\n\r\n{\"res".to_vec(),
                )
            },
            &["--retries", "0"],
            "the connection was closed before a whole answer arrived",
        ),
        (
            "malformed",
            |_| Reply::Raw(b"HTTP/1.1 abc\r\n\r\n".to_vec()),
            &["--retries", "0"],
            "the answer is not valid HTTP",
        ),
        (
            "500 forever",
            |_| Reply::json(500, r#"{"error": "boom"}"#),
            &["--retries", "2"],
            "answered 500",
        ),
        (
            "503 forever",
            |_| Reply::json(503, r#"{"error": "busy"}"#),
            &["--retries", "2"],
            "answered 503",
        ),
        (
            "dropped",
            |_| Reply::Drop,
            &["--retries", "1"],
            "the connection was closed before a whole answer arrived",
        ),
    ];
    // The cases run side by side: each waits on its own server.
    std::thread::scope(|scope| {
        for (name, sync, extra, expect) in cases {
            scope.spawn(move || {
                let dir = workbook();
                let server = Server::start(handler(sync));
                let started = Instant::now();
                let run = run(&dir, &server.url(SYNC), &server.url(TOKEN), extra, &[]);
                assert_eq!(run.code, 3, "{name}: {run:?}");
                assert!(run.stderr.contains(expect), "{name}: {}", run.stderr);
                assert!(
                    run.stderr.contains("No receipt was recorded."),
                    "{name}: {}",
                    run.stderr
                );
                assert!(
                    started.elapsed() < Duration::from_secs(15),
                    "{name}: took {:?}",
                    started.elapsed()
                );
                assert!(no_receipt(&dir), "{name}: no receipt for a failed submit");
                assert_no_secret(&run);
                match name {
                    // A server error is not retried: the same body would fail the same way.
                    "500 forever" => assert_eq!(server.requests_to(SYNC).len(), 1),
                    "503 forever" => {
                        assert_eq!(server.requests_to(SYNC).len(), 3, "two retries");
                        assert!(run.stderr.contains("retrying in 1 s") && run.stderr.contains("retrying in 2 s"));
                    }
                    _ => {}
                }
            });
        }
    });
}

#[test]
fn a_fetched_token_is_redacted_like_the_secret() {
    let dir = workbook();
    // A server that echoes the bearer token back in its error.
    let server = Server::start(|req, _| {
        if req.path == TOKEN {
            return Reply::json(200, &format!(r#"{{"access_token": "{ISSUED}"}}"#));
        }
        let auth = req.header("authorization").unwrap_or("").to_owned();
        Reply::json(400, &format!(r#"{{"error": "bad body", "seen": "{auth}"}}"#))
    });
    let run = run(&dir, &server.url(SYNC), &server.url(TOKEN), &["--verbose"], &[]);
    assert_eq!(run.code, 3, "{run:?}");
    assert!(run.stderr.contains("Bearer ***"), "{}", run.stderr);
    assert_no_secret(&run);
}

#[test]
fn retries_are_bounded() {
    let dir = workbook();
    let run = dir.run(&["submit", "req.xlsx", "-t", "req.toml", "--retries", "11", "--dry-run"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("--retries"), "{}", run.stderr);
}

#[test]
fn a_proxy_variable_that_is_not_a_url_is_said_not_passed_over() {
    let dir = workbook();
    let server = Server::start(handler(|_| ok_sync()));
    let env = [("HTTPS_PROXY", "http://u:s3cret@[::1")];
    let run = run(&dir, "https://acme.relatics.com/api/x", &server.url(TOKEN), &[], &env);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("HTTPS_PROXY is set but is not a proxy URL"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("s3cret"));
    assert!(server.requests().is_empty());
}

#[test]
fn a_body_refused_before_it_is_all_sent_is_not_taken_for_a_maybe() {
    use std::io::{BufRead, BufReader, Write};
    let dir = large_workbook();
    // A server that answers 413 as soon as it has the headers, and closes without reading the
    // body, as a front end with a size limit does.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 0) && line != "\r\n" {
                line.clear();
            }
            let _ = (&stream)
                .write_all(b"HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            let _ = stream.shutdown(std::net::Shutdown::Both);
        }
    });
    let url = format!("http://127.0.0.1:{port}{SYNC}");
    let run = submit_ready(&dir, &url, &["--retries", "0"]);
    assert_eq!(run.code, 3, "{run:?}");
    assert!(
        run.stderr.contains("413 Payload Too Large")
            || run
                .stderr
                .contains("the server closed the connection before the whole body was sent"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("cannot be told"), "{}", run.stderr);
    let in_flight = dir.path("state").join("in-flight");
    let records = std::fs::read_dir(&in_flight)
        .map(|d| {
            d.flatten()
                .filter(|e| e.path().extension().is_some_and(|x| x == "pending"))
                .count()
        })
        .unwrap_or(0);
    assert_eq!(records, 0, "a body that was not all sent was not applied");
}
