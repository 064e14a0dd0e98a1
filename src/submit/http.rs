//! The only module that talks to the network: fetching an OAuth2 token, posting a body, and
//! getting a providing interface's answer.
//!
//! Redirects are never followed (they would carry the token elsewhere). Proxies come from the
//! usual environment variables (and, on Windows and macOS, the system settings), except for
//! loopback hosts, which are always reached directly so a local test never sends a token
//! through a proxy. Certificates are checked by the platform's verifier: the Windows and macOS
//! certificate stores, and on Linux the system bundle or `SSL_CERT_FILE` / `SSL_CERT_DIR`, so
//! a firm's own root CA is trusted where its IT department installed it. Every secret this
//! module handles is registered for redaction, so `--verbose` output and error messages show
//! `***`. Failures are classified ([`Transport`]) so messages say what happened in plain
//! words and only transient ones are retried.

use std::fmt;
use std::io::Read;
use std::path::Path;
use std::time::Duration;

use reqwest::blocking::{Body, Client};
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, LOCATION, RETRY_AFTER};

use super::trust::is_loopback;
use crate::body::BodyFormat;
use crate::exit::{Exit, ExitError};

/// Connecting may take at most this long.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest part of a response body that is kept (the answer to a token request or a
/// submit, shown in part).
const MAX_RESPONSE: u64 = 4 * 1024 * 1024;
/// The largest providing-interface answer `fetch-lookup` reads (some 9 million name/ID pairs).
pub const MAX_LOOKUP_RESPONSE: u64 = 512 * 1024 * 1024;

pub fn user_agent() -> String {
    format!("relsync/{}", env!("CARGO_PKG_VERSION"))
}

/// A response, read whole (up to [`MAX_RESPONSE`]).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub reason: String,
    pub content_type: Option<String>,
    pub location: Option<String>,
    /// `Retry-After` in seconds (delta or HTTP date), if given.
    pub retry_after: Option<u64>,
    /// The body, when it was read into memory (not when a 2xx answer went to a file).
    pub body: Vec<u8>,
    /// Bytes of the body read.
    pub size: u64,
    /// The body was longer than relsync reads, and was cut.
    pub truncated: bool,
}

/// What is wrong with a server's certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertProblem {
    /// Not signed by a certificate authority this machine trusts.
    Untrusted,
    /// Issued for another host name.
    WrongHost,
    Expired,
    /// No certificate authority could be loaded at all (`SSL_CERT_FILE` names an empty file).
    NoTrustStore,
    Other(String),
}

/// Why a request got no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transport {
    Timeout {
        seconds: u64,
    },
    /// Nothing listens at the address (`host:port`).
    Refused {
        address: String,
    },
    /// The host name does not resolve.
    UnknownHost {
        host: String,
    },
    Certificate {
        host: String,
        problem: CertProblem,
    },
    /// The proxy could not be used.
    Proxy(String),
    /// The proxy wants credentials, or refused the ones given: waiting will not change that.
    ProxyAuth(String),
    /// The connection was closed or broken before a whole answer arrived.
    Dropped,
    /// The server closed the connection before the whole body was sent (an early refusal whose
    /// answer relsync could not read, such as 413 or 401, or a network cut).
    SendCut,
    /// The answer is not valid HTTP.
    Malformed,
    /// Anything else, in the library's words.
    Other(String),
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Transport::Timeout { seconds } => write!(f, "no answer within {seconds} s"),
            Transport::Refused { address } => write!(f, "connection refused by {address}"),
            Transport::UnknownHost { host } => write!(f, "the host name {host} cannot be found"),
            Transport::Certificate { host, problem } => match problem {
                CertProblem::Untrusted => write!(
                    f,
                    "the certificate of {host} is not trusted: it is not signed by a certificate authority this \
                     machine trusts"
                ),
                CertProblem::WrongHost => write!(f, "the certificate of {host} was issued for another host name"),
                CertProblem::Expired => write!(f, "the certificate of {host} has expired"),
                CertProblem::NoTrustStore => f.write_str(&empty_store_words()),
                CertProblem::Other(why) => write!(f, "the certificate of {host} was refused ({why})"),
            },
            Transport::Proxy(why) | Transport::ProxyAuth(why) => write!(f, "the proxy could not be used ({why})"),
            Transport::Dropped => f.write_str("the connection was closed before a whole answer arrived"),
            Transport::SendCut => f.write_str(
                "the server closed the connection before the whole body was sent, so the body was not applied; it \
                 may have refused it early (too large, or the token) with an answer relsync could not read",
            ),
            Transport::Malformed => f.write_str("the answer is not valid HTTP"),
            Transport::Other(why) => write!(f, "the request failed ({why})"),
        }
    }
}

impl Transport {
    /// What to do about it, as the end of the sentence, for a request that sent a body (a
    /// submit) or one that only asked (a token, a providing interface's answer).
    pub fn advice(&self, sent_body: bool) -> &'static str {
        match self {
            Transport::Timeout { .. } if sent_body => {
                "Relatics may still be processing a large body (raise --timeout), or the network is slow"
            }
            Transport::Timeout { .. } => "the server or the network is slow (raise --timeout)",
            Transport::Dropped | Transport::Malformed | Transport::Other(_) if !sent_body => {
                "try again: a read changes nothing in Relatics"
            }
            Transport::Refused { .. } => "is the URL right and the server running?",
            Transport::UnknownHost { .. } => "check the host name in the URL, and the network",
            Transport::Certificate {
                problem: CertProblem::Untrusted,
                ..
            } => {
                "if your organisation inspects HTTPS with its own certificate authority, install its root \
                 certificate in the system's store (on Linux, or point SSL_CERT_FILE at a bundle that holds it); \
                 see the README's \"Networks\" section"
            }
            Transport::Certificate {
                problem: CertProblem::NoTrustStore,
                ..
            } => EMPTY_STORE_ADVICE,
            Transport::Certificate { .. } => "check the URL; relsync does not send credentials to such a server",
            Transport::Proxy(_) | Transport::ProxyAuth(_) => "check HTTPS_PROXY / HTTP_PROXY and NO_PROXY",
            Transport::SendCut => {
                "run with --verbose to see more, and check the body's size against the interface's limit with your \
                 Relatics administrator"
            }
            Transport::Dropped | Transport::Malformed | Transport::Other(_) => {
                "it is safe to submit again, since a full-set sync can be repeated"
            }
        }
    }

    /// Whether the request may have reached the server although no answer came back.
    pub fn may_have_arrived(&self) -> bool {
        matches!(
            self,
            Transport::Timeout { .. } | Transport::Dropped | Transport::Malformed | Transport::Other(_)
        )
    }

    /// Worth trying again: a certificate will not change by waiting.
    pub fn transient(&self) -> bool {
        !matches!(
            self,
            Transport::Certificate { .. } | Transport::UnknownHost { .. } | Transport::ProxyAuth(_)
        )
    }
}

/// An HTTP client with relsync's settings: one that uses the environment's proxies and one that
/// goes direct, for loopback hosts.
pub struct Http {
    proxied: Option<Client>,
    direct: Option<Client>,
    timeout: Duration,
    verbose: bool,
    secrets: Vec<String>,
}

/// The rustls error inside a reqwest error, if any (`io::Error` hides its inner error from
/// `source()`, so that is looked into too).
fn find_rustls<'a>(err: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    let mut current = Some(err);
    while let Some(e) = current {
        if let Some(r) = e.downcast_ref::<rustls::Error>() {
            return Some(r);
        }
        if let Some(inner) = e.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref())
            && let Some(r) = find_rustls(inner)
        {
            return Some(r);
        }
        current = e.source();
    }
    None
}

/// The I/O error kinds inside an error chain, innermost last.
fn io_kinds(err: &(dyn std::error::Error + 'static)) -> Vec<std::io::ErrorKind> {
    let mut kinds = Vec::new();
    let mut current = Some(err);
    while let Some(e) = current {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            kinds.push(io.kind());
            if let Some(inner) = io.get_ref() {
                kinds.extend(io_kinds(inner));
            }
        }
        current = e.source();
    }
    kinds
}

/// Every message in an error chain, lower-cased, for the few cases only the words tell apart.
fn chain_text(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = String::new();
    let mut current = Some(err);
    while let Some(e) = current {
        text.push_str(&e.to_string().to_ascii_lowercase());
        text.push_str(" | ");
        if let Some(inner) = e.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref()) {
            text.push_str(&chain_text(inner));
        }
        current = e.source();
    }
    text
}

/// Why the platform's certificate store could not be used, in plain words.
fn trust_store_failure(e: &reqwest::Error) -> Option<String> {
    let rustls::Error::General(message) = find_rustls(e)? else {
        return None;
    };
    message
        .contains("No CA certificates")
        .then(|| format!("{}: {EMPTY_STORE_ADVICE}", empty_store_words()))
}

const EMPTY_STORE_ADVICE: &str = "point SSL_CERT_FILE at a file of PEM certificates (your organisation's CA \
     bundle), or unset it to use the system's store";

fn empty_store_words() -> String {
    let var = |name: &str| match std::env::var_os(name) {
        Some(v) => format!("{name}={}", std::path::PathBuf::from(v).display()),
        None => format!("{name} is not set"),
    };
    format!(
        "no trusted certificate authorities could be loaded, so no HTTPS server can be checked ({}, {})",
        var("SSL_CERT_FILE"),
        var("SSL_CERT_DIR")
    )
}

/// Whether the trust store is `SSL_CERT_FILE` alone and it holds no certificate: then every
/// server looks untrusted, and that is what to say.
fn trust_store_is_empty() -> bool {
    let Some(file) = std::env::var_os("SSL_CERT_FILE") else {
        return false;
    };
    std::env::var_os("SSL_CERT_DIR").is_none()
        && std::fs::read(file).map_or(true, |pem| {
            !pem.windows(27).any(|w| w == b"-----BEGIN CERTIFICATE-----")
        })
}

impl Http {
    /// A client for requests to `urls` (proxied or direct as each host needs).
    /// The time limit of the next exchanges (at most the one the client was made with: the
    /// connection's own limits stay).
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.timeout = timeout;
    }

    pub fn new(timeout: Duration, verbose: bool, urls: &[&str]) -> anyhow::Result<Http> {
        // reqwest passes over a proxy variable it cannot read and connects directly: say so
        // instead (without the value, which may hold a password).
        for name in [
            "HTTPS_PROXY",
            "https_proxy",
            "HTTP_PROXY",
            "http_proxy",
            "ALL_PROXY",
            "all_proxy",
        ] {
            if let Ok(value) = std::env::var(name)
                && !value.trim().is_empty()
            {
                let value = value.trim();
                let with_scheme = if value.contains("://") {
                    value.to_owned()
                } else {
                    format!("http://{value}")
                };
                if url::Url::parse(&with_scheme).map_or(true, |u| u.host_str().is_none()) {
                    anyhow::bail!(
                        "{name} is set but is not a proxy URL (http://[user:password@]host:port); correct or unset it"
                    );
                }
            }
        }
        let loopback: Vec<bool> = urls
            .iter()
            .map(|u| url::Url::parse(u).is_ok_and(|u| is_loopback(&u)))
            .collect();
        let build = |direct: bool| -> anyhow::Result<Client> {
            let mut builder = Client::builder()
                .connect_timeout(CONNECT_TIMEOUT.min(timeout))
                .timeout(timeout)
                .redirect(reqwest::redirect::Policy::none())
                .user_agent(user_agent());
            if direct {
                builder = builder.no_proxy();
            }
            builder.build().map_err(|e| match trust_store_failure(&e) {
                Some(message) => ExitError::new(Exit::SubmitFailed, message).into(),
                None => anyhow::Error::new(e).context("cannot set up HTTPS"),
            })
        };
        Ok(Http {
            proxied: loopback.iter().any(|l| !l).then(|| build(false)).transpose()?,
            direct: loopback.iter().any(|l| *l).then(|| build(true)).transpose()?,
            timeout,
            verbose,
            secrets: Vec::new(),
        })
    }

    fn client(&self, url: &str) -> Result<&Client, Transport> {
        let direct = url::Url::parse(url).is_ok_and(|u| is_loopback(&u));
        let client = if direct { &self.direct } else { &self.proxied };
        client
            .as_ref()
            .ok_or_else(|| Transport::Other(format!("no client was set up for {url}")))
    }

    pub fn verbose(&self) -> bool {
        self.verbose
    }

    /// Registers a secret: it is replaced by `***` in everything this client prints.
    pub fn secret(&mut self, secret: &str) {
        if secret.len() >= 4 && !self.secrets.iter().any(|s| s == secret) {
            self.secrets.push(secret.to_owned());
            // Longest first, so a secret that contains another is hidden whole.
            self.secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        }
    }

    /// `text` with every registered secret replaced by `***`.
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for s in &self.secrets {
            out = out.replace(s.as_str(), "***");
        }
        out
    }

    fn log_request(&self, method: &str, url: &str, headers: &[(&str, String)]) {
        if !self.verbose {
            return;
        }
        crate::errln!("> {method} {}", self.redact(url));
        for (name, value) in headers {
            let value = if name.eq_ignore_ascii_case("authorization") {
                match value.split_once(' ') {
                    Some((scheme, _)) => format!("{scheme} ***"),
                    None => "***".to_owned(),
                }
            } else {
                self.redact(value)
            };
            crate::errln!("> {name}: {value}");
        }
    }

    fn log_answer(&self, answer: &Answer) {
        if !self.verbose {
            return;
        }
        crate::errln!("< HTTP {} {}", answer.status, answer.reason);
        if let Some(ct) = &answer.content_type {
            crate::errln!("< Content-Type: {ct}");
        }
        if let Some(l) = &answer.location {
            crate::errln!("< Location: {}", self.redact(l));
        }
        if let Some(r) = answer.retry_after {
            crate::errln!("< Retry-After: {r}");
        }
        crate::errln!("< ({} bytes)", answer.size);
    }

    /// POSTs `grant_type=client_credentials` with the client's credentials as HTTP Basic
    /// (RFC 6749 section 2.3.1: both form-urlencoded first).
    pub fn token_request(&self, token_url: &str, client_id: &str, client_secret: &str) -> Result<Answer, Transport> {
        let form = "grant_type=client_credentials";
        self.log_request(
            "POST",
            token_url,
            &[
                ("Authorization", "Basic ***".to_owned()),
                ("Content-Type", "application/x-www-form-urlencoded".to_owned()),
                ("Accept", "application/json".to_owned()),
                ("User-Agent", user_agent()),
            ],
        );
        if self.verbose {
            crate::errln!("> {form}");
        }
        let request = self
            .client(token_url)?
            .post(token_url)
            .header(
                AUTHORIZATION,
                format!("Basic {}", basic_credentials(client_id, client_secret)),
            )
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(ACCEPT, "application/json")
            .body(form);
        self.exchange(token_url, request, None)
    }

    /// POSTs the body file, streamed from disk.
    pub fn post_body(
        &self,
        endpoint: &str,
        token: &str,
        body: &Path,
        format: BodyFormat,
        accept: BodyFormat,
    ) -> Result<Answer, Transport> {
        let file = std::fs::File::open(body).map_err(|e| Transport::Other(format!("cannot read the body: {e}")))?;
        let size = file.metadata().map(|m| m.len()).unwrap_or(0);
        let accept = accept_header(accept);
        self.log_request(
            "POST",
            endpoint,
            &[
                ("Authorization", format!("Bearer {token}")),
                ("Content-Type", format.content_type().to_owned()),
                ("Accept", accept.to_owned()),
                ("User-Agent", user_agent()),
                ("Content-Length", size.to_string()),
            ],
        );
        let request = self
            .client(endpoint)?
            .post(endpoint)
            .header(AUTHORIZATION, format!("Bearer {token}"))
            .header(CONTENT_TYPE, format.content_type())
            .header(ACCEPT, accept)
            .body(Body::sized(file, size));
        self.exchange(endpoint, request, None)
    }

    /// GETs a providing interface's answer; a 2xx answer's body is written to `into` (at most
    /// [`MAX_LOOKUP_RESPONSE`] bytes; `truncated` says when there was more), any other answer's
    /// is kept in memory as usual.
    pub fn get(&self, url: &str, token: &str, accept: BodyFormat, into: &Path) -> Result<Answer, Transport> {
        let accept = accept_header(accept);
        self.log_request(
            "GET",
            url,
            &[
                ("Authorization", format!("Bearer {token}")),
                ("Accept", accept.to_owned()),
                ("User-Agent", user_agent()),
            ],
        );
        let request = self
            .client(url)?
            .get(url)
            .header(AUTHORIZATION, format!("Bearer {token}"))
            .header(ACCEPT, accept);
        self.exchange(url, request, Some(into))
    }

    /// Sends `request` and reads its whole answer on a worker thread, waiting for it at most
    /// the time limit: the limit holds for the whole exchange (sending the body, the answer's
    /// headers and all of its body), however slowly a server trickles bytes. A worker given
    /// up on ends by itself (each of its reads has the same limit) and changes nothing that
    /// is still used: a file it writes is one the caller removes.
    fn exchange(
        &self,
        url: &str,
        request: reqwest::blocking::RequestBuilder,
        into: Option<&Path>,
    ) -> Result<Answer, Transport> {
        let into = into.map(Path::to_owned);
        let (done, wait) = std::sync::mpsc::sync_channel(1);
        let worker = std::thread::Builder::new()
            .name("relsync-request".into())
            .spawn(move || {
                let _ = done.send(receive(request, into.as_deref()));
            });
        if let Err(e) = worker {
            return Err(Transport::Other(format!("cannot start the request ({e})")));
        }
        let raw = match wait.recv_timeout(self.timeout) {
            Ok(raw) => raw,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                if self.verbose {
                    crate::errln!("< no whole answer within {} s", self.timeout.as_secs());
                }
                return Err(Transport::Timeout {
                    seconds: self.timeout.as_secs(),
                });
            }
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                return Err(Transport::Other("the request stopped without an answer".into()));
            }
        };
        let raw = match raw {
            Ok(raw) => raw,
            Err(Failure::Request(e)) => return Err(self.transport(url, &e)),
            Err(Failure::Body(e)) => return Err(self.body_failure(url, &e)),
        };
        let answer = Answer {
            status: raw.status.as_u16(),
            reason: raw.status.canonical_reason().unwrap_or("").to_owned(),
            content_type: header(&raw.headers, CONTENT_TYPE),
            location: header(&raw.headers, LOCATION),
            retry_after: header(&raw.headers, RETRY_AFTER).and_then(|v| parse_retry_after(&v)),
            body: raw.body,
            size: raw.size,
            truncated: raw.truncated,
        };
        self.log_answer(&answer);
        Ok(answer)
    }

    fn body_failure(&self, url: &str, e: &std::io::Error) -> Transport {
        if self.verbose {
            crate::errln!("< the answer broke off: {}", self.redact(&e.to_string()));
        }
        if let Some(reqwest) = e.get_ref().and_then(|inner| inner.downcast_ref::<reqwest::Error>()) {
            return self.transport(url, reqwest);
        }
        match e.kind() {
            std::io::ErrorKind::TimedOut => Transport::Timeout {
                seconds: self.timeout.as_secs(),
            },
            _ => Transport::Dropped,
        }
    }

    /// Classifies a failed request.
    fn transport(&self, url: &str, e: &reqwest::Error) -> Transport {
        if self.verbose {
            crate::errln!("< no answer: {}", self.redact(&chain_text(e)));
        }
        let parsed = url::Url::parse(url).ok();
        let host = parsed
            .as_ref()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_default();
        if let Some(rustls::Error::InvalidCertificate(c)) = find_rustls(e) {
            use rustls::CertificateError as C;
            let problem = match c {
                C::UnknownIssuer | C::BadSignature if trust_store_is_empty() => CertProblem::NoTrustStore,
                C::UnknownIssuer | C::BadSignature => CertProblem::Untrusted,
                C::NotValidForName | C::NotValidForNameContext { .. } => CertProblem::WrongHost,
                C::Expired | C::ExpiredContext { .. } => CertProblem::Expired,
                other => CertProblem::Other(format!("{other:?}")),
            };
            return Transport::Certificate { host, problem };
        }
        if e.is_timeout() {
            return Transport::Timeout {
                seconds: self.timeout.as_secs(),
            };
        }
        let kinds = io_kinds(e);
        let text = chain_text(e);
        if text.contains("tunnel") || text.contains("proxy") {
            let why = if kinds.contains(&std::io::ErrorKind::ConnectionRefused) {
                "connection refused by the proxy".to_owned()
            } else if text.contains("authorization required") {
                let given = ["HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY"].iter().any(|v| {
                    [v.to_string(), v.to_ascii_lowercase()]
                        .iter()
                        .any(|name| std::env::var(name).is_ok_and(|url| url.contains('@')))
                });
                return Transport::ProxyAuth(if given {
                    "it did not accept the user name and password in the proxy URL".to_owned()
                } else {
                    "it asks for a user name and password: give them in the proxy URL \
                     (http://user:password@proxy:port)"
                        .to_owned()
                });
            } else {
                "it did not open a connection to the server".to_owned()
            };
            return Transport::Proxy(why);
        }
        if kinds.contains(&std::io::ErrorKind::ConnectionRefused) {
            let port = parsed.as_ref().and_then(url::Url::port_or_known_default).unwrap_or(443);
            let address = match parsed.as_ref().and_then(url::Url::host) {
                Some(url::Host::Ipv6(ip)) => format!("[{ip}]:{port}"),
                _ => format!("{host}:{port}"),
            };
            return Transport::Refused { address };
        }
        if e.is_connect() && (text.contains("dns error") || text.contains("failed to lookup")) {
            return Transport::UnknownHost { host };
        }
        if text.contains("receiver is gone") {
            // The body was still being handed over when the connection failed, and reqwest
            // reports the handover instead of the cause: ask again without a body (and without
            // credentials) through the same client, whose failure names the cause.
            return match self.client(url).map(|c| c.head(url).send()) {
                Ok(Err(e)) if !chain_text(&e).contains("receiver is gone") => self.transport(url, &e),
                // The server is there and answers: it closed the connection before the whole
                // body was in, so the body cannot have been applied.
                _ => Transport::SendCut,
            };
        }
        if text.contains("parse") || text.contains("invalid status") || text.contains("invalid http") {
            return Transport::Malformed;
        }
        if kinds.iter().any(|k| {
            matches!(
                k,
                std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::ConnectionAborted
                    | std::io::ErrorKind::BrokenPipe
                    | std::io::ErrorKind::UnexpectedEof
            )
        }) || text.contains("connection closed")
            || text.contains("incomplete")
            || text.contains("end of file")
            || text.contains("connection reset")
        {
            return Transport::Dropped;
        }
        // The innermost cause says most.
        let mut cause: &dyn std::error::Error = e;
        while let Some(next) = cause.source() {
            cause = next;
        }
        Transport::Other(self.redact(&cause.to_string()))
    }
}

/// An answer as the worker thread read it.
struct Raw {
    status: reqwest::StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
    size: u64,
    truncated: bool,
}

/// Why the worker got no whole answer: the request failed, or its body could not be read.
enum Failure {
    Request(reqwest::Error),
    Body(std::io::Error),
}

/// Sends `request` and reads the whole answer: into the file `into` when it is a 2xx and a
/// file is given, else into memory (at most [`MAX_RESPONSE`] bytes).
fn receive(request: reqwest::blocking::RequestBuilder, into: Option<&Path>) -> Result<Raw, Failure> {
    let response = request.send().map_err(Failure::Request)?;
    let headers = response.headers().clone();
    let status = response.status();
    let mut body = Vec::new();
    let (size, truncated) = match into {
        Some(path) if status.is_success() => {
            let file = std::fs::OpenOptions::new()
                .write(true)
                .truncate(true)
                .open(path)
                .map_err(Failure::Body)?;
            let mut out = std::io::BufWriter::with_capacity(256 * 1024, file);
            let size = std::io::copy(&mut response.take(MAX_LOOKUP_RESPONSE + 1), &mut out).map_err(Failure::Body)?;
            std::io::Write::flush(&mut out).map_err(Failure::Body)?;
            (size, size > MAX_LOOKUP_RESPONSE)
        }
        _ => {
            response
                .take(MAX_RESPONSE + 1)
                .read_to_end(&mut body)
                .map_err(Failure::Body)?;
            let truncated = body.len() as u64 > MAX_RESPONSE;
            body.truncate(MAX_RESPONSE as usize);
            (body.len() as u64, truncated)
        }
    };
    Ok(Raw {
        status,
        headers,
        body,
        size,
        truncated,
    })
}

/// The client id and secret as HTTP Basic credentials: each form-urlencoded first (RFC 6749,
/// 2.3.1), then `id:secret` in base64. A secret in its own right, registered for redaction.
pub fn basic_credentials(id: &str, secret: &str) -> String {
    use base64::Engine as _;
    let id: String = url::form_urlencoded::byte_serialize(id.as_bytes()).collect();
    let secret: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
    base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"))
}

fn accept_header(accept: BodyFormat) -> &'static str {
    match accept {
        BodyFormat::Json => "application/json",
        BodyFormat::Xml => "application/xml",
    }
}

fn header(headers: &HeaderMap, name: reqwest::header::HeaderName) -> Option<String> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

/// `Retry-After` as seconds: a number, or an HTTP date (seconds from now).
pub fn parse_retry_after(value: &str) -> Option<u64> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(seconds);
    }
    let date = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = date.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(wait.num_seconds().max(0) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_values() {
        assert_eq!(parse_retry_after("7"), Some(7));
        assert_eq!(parse_retry_after(" 0 "), Some(0));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), Some(0));
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn redaction() {
        let mut http = Http::new(Duration::from_secs(1), false, &["http://127.0.0.1/"]).unwrap();
        http.secret("s3cr3t");
        http.secret("s3cr3t-token");
        http.secret("ab"); // too short to redact safely
        assert_eq!(
            http.redact("Bearer s3cr3t-token and s3cr3t and ab"),
            "Bearer *** and *** and ab"
        );
    }

    #[test]
    fn messages_say_what_and_what_to_do() {
        let refused = Transport::Refused {
            address: "127.0.0.1:8090".into(),
        };
        assert_eq!(
            format!("{refused}: {}", refused.advice(true)),
            "connection refused by 127.0.0.1:8090: is the URL right and the server running?"
        );
        assert!(refused.transient());
        let cert = Transport::Certificate {
            host: "x".into(),
            problem: CertProblem::Untrusted,
        };
        assert!(cert.to_string().contains("not trusted"));
        assert!(!cert.transient());
    }
}
