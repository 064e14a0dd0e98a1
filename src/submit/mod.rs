//! `submit`: send a body to a Relatics synchronizing interface, safely.
//!
//! The steps: make or check the body (`crate::pipeline` for a sheet, [`bodyfile`] for a body made
//! earlier), compare its external ids with the last receipt for the endpoint ([`receipt`]),
//! refuse deletions and empty bodies that were not asked for, then authenticate and POST with
//! retries ([`http`], the only module on the network), and record a receipt after success.

pub mod bodyfile;
pub mod http;
pub mod receipt;

use std::collections::HashSet;
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, bail};

use crate::body::BodyFormat;
use crate::exit::{Exit, ExitError};
use crate::output::human_size;
use http::{Answer, Http, Transport};
use receipt::{Diff, Receipt, Store};

/// How relsync gets an access token.
pub enum Credentials {
    /// A ready token (`RELATICS_TOKEN` or `--token-file`).
    Token(String),
    /// OAuth2 client credentials.
    Client {
        id: String,
        secret: String,
        token_url: String,
    },
}

/// A body ready to send: a file, its facts, and its external ids.
pub struct Prepared {
    pub path: PathBuf,
    pub format: BodyFormat,
    pub elements: u64,
    pub ids: Vec<String>,
}

/// Checked settings for one submit.
pub struct Settings {
    /// The input as given, for messages and receipts.
    pub input: PathBuf,
    pub endpoint: String,
    pub dry_run: bool,
    pub allow_deletions: bool,
    pub allow_empty: bool,
    pub state_dir: PathBuf,
    pub timeout: Duration,
    pub retries: u32,
    pub accept: BodyFormat,
    /// `None` only for a dry run.
    pub credentials: Option<Credentials>,
    pub verbose: bool,
}

/// Longest wait honoured from `Retry-After`.
const MAX_RETRY_AFTER: u64 = 60;
/// Deleted ids listed before "and N more".
const LIST_DELETED: usize = 20;

/// Checks that `url` is https, or http on a loopback host (for local tests and demos).
pub fn check_url(url: &str, what: &str) -> anyhow::Result<String> {
    let parsed = url::Url::parse(url).map_err(|e| anyhow::anyhow!("the {what} '{url}' is not a URL ({e})"))?;
    let loopback = match parsed.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match parsed.scheme() {
        "https" if parsed.host().is_some() => Ok(parsed.to_string()),
        "http" if loopback => Ok(parsed.to_string()),
        "http" => bail!(
            "the {what} '{url}' uses plain http, which would send the token unencrypted; use https:// \
             (plain http is only allowed for 127.0.0.1, localhost and [::1])"
        ),
        other => bail!("the {what} '{url}' must be an https:// URL, not {other}:"),
    }
}

/// Sends `prepared` according to `settings`, with the safety checks first.
pub fn submit(settings: &Settings, prepared: &Prepared) -> anyhow::Result<Exit> {
    let size = std::fs::metadata(&prepared.path).map(|m| m.len()).unwrap_or(0);
    let sha256 = receipt::sha256_file(&prepared.path)?;
    let store = Store::new(&settings.state_dir);
    let last = store.last(&settings.endpoint)?;
    let current: HashSet<&str> = prepared.ids.iter().map(String::as_str).collect();
    let diff = last.as_ref().map(|(_, r)| receipt::diff(&r.external_ids, &current));

    let mut plan = String::new();
    plan.push_str(&format!("endpoint: {}\n", settings.endpoint));
    plan.push_str(&format!(
        "format:   {} ({})\n",
        prepared.format.name(),
        prepared.format.content_type()
    ));
    plan.push_str(&format!(
        "body:     {} elements, {} (sha256 {})\n",
        prepared.elements,
        human_size(size),
        &sha256[..16]
    ));
    match (&last, &diff) {
        (Some((_, r)), Some(d)) => {
            plan.push_str(&format!(
                "compared with the last submit ({}, {} elements): {} new, {} kept, {} would be deleted\n",
                r.time,
                r.elements,
                d.new,
                d.kept,
                d.deleted.len()
            ));
            if !d.deleted.is_empty() {
                plan.push_str(&deleted_list(d));
            }
        }
        _ => plan.push_str(&format!(
            "no earlier submit to this endpoint is recorded in {}: relsync cannot tell what Relatics will delete.\n\
             Relatics deletes every element of this type that is not in this body.\n",
            settings.state_dir.display()
        )),
    }

    let empty_refused = prepared.elements == 0 && !settings.allow_empty;
    let deletions = diff.as_ref().map_or(0, |d| d.deleted.len());
    let deletions_refused = deletions > 0 && !settings.allow_deletions;

    if settings.dry_run {
        print!("{plan}");
        if empty_refused {
            println!("a real submit would be refused: the body has no elements (use --allow-empty to send it)");
        }
        if deletions_refused {
            println!(
                "a real submit would be refused: {deletions} elements would be deleted (use --allow-deletions, or confirm at the prompt)"
            );
        }
        println!("dry run: no token was fetched and nothing was sent");
        return Ok(Exit::Success);
    }

    eprint!("{plan}");
    if empty_refused {
        return Err(ExitError::new(
            Exit::Refused,
            "refusing to send a body without elements: Relatics would delete every element of this type. \
             Nothing was sent; run again with --allow-empty if that is what you want",
        )
        .into());
    }
    if deletions_refused && !confirm_deletions(deletions)? {
        return Err(ExitError::new(
            Exit::Refused,
            format!(
                "refusing to send: Relatics would delete {deletions} element{} that the last submit to this endpoint sent \
                 (listed above). Nothing was sent; if they should go, run again with --allow-deletions",
                if deletions == 1 { "" } else { "s" }
            ),
        )
        .into());
    }

    let Some(credentials) = &settings.credentials else {
        bail!("no credentials: set RELATICS_TOKEN, or RELATICS_CLIENT_ID and RELATICS_CLIENT_SECRET");
    };
    let mut http = Http::new(settings.timeout, settings.verbose)?;
    let answer = send(settings, prepared, credentials, &mut http)?;

    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let mut ids = prepared.ids.clone();
    ids.sort();
    let record = Receipt {
        endpoint: settings.endpoint.clone(),
        time: now,
        status: answer.status,
        format: prepared.format.name().to_ascii_lowercase(),
        body_sha256: sha256,
        size,
        elements: prepared.elements,
        input: settings.input.display().to_string(),
        relsync_version: env!("CARGO_PKG_VERSION").to_owned(),
        external_ids: ids,
    };
    let receipt_path = store.save(&record)?;

    println!(
        "Relatics answered {} {}: the body was accepted ({} elements, {}, {})",
        answer.status,
        answer.reason,
        prepared.elements,
        human_size(size),
        prepared.format.name()
    );
    let shown = show_response(&answer, &http);
    if !shown.is_empty() {
        println!("response:\n{shown}");
    }
    println!(
        "Relatics reports the result per element in the interface's Sync issues log; a 2xx answer only means \
         the body's structure was accepted."
    );
    println!("receipt: {}", receipt_path.display());
    Ok(Exit::Success)
}

fn deleted_list(d: &Diff) -> String {
    let mut out = String::from("  would be deleted:");
    for id in d.deleted.iter().take(LIST_DELETED) {
        out.push_str(&format!(" {id}"));
    }
    if d.deleted.len() > LIST_DELETED {
        out.push_str(&format!(" ... and {} more", d.deleted.len() - LIST_DELETED));
    }
    out.push('\n');
    out
}

/// On an interactive terminal, asks whether to go ahead with deletions.
fn confirm_deletions(count: usize) -> anyhow::Result<bool> {
    if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        return Ok(false);
    }
    eprint!(
        "Relatics will delete {count} element{} of this type. Type 'yes' to send the body anyway: ",
        if count == 1 { "" } else { "s" }
    );
    std::io::stderr().flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim().eq_ignore_ascii_case("yes"))
}

/// Gets a token and POSTs, with retries and one token refresh on 401.
fn send(
    settings: &Settings,
    prepared: &Prepared,
    credentials: &Credentials,
    http: &mut Http,
) -> anyhow::Result<Answer> {
    let mut token = match credentials {
        Credentials::Token(t) => {
            http.secret(t);
            t.clone()
        }
        Credentials::Client { id, secret, token_url } => {
            http.secret(secret);
            fetch_token(http, token_url, id, secret)?
        }
    };
    let mut refreshed = false;
    let mut attempt = 0u32;
    loop {
        let result = http.post_body(
            &settings.endpoint,
            &token,
            &prepared.path,
            prepared.format,
            settings.accept,
        );
        let client = match credentials {
            Credentials::Client { id, secret, token_url } => Some((id, secret, token_url)),
            Credentials::Token(_) => None,
        };
        let wait = match result {
            Ok(a) if (200..300).contains(&a.status) => return Ok(a),
            Ok(a) if a.status == 401 && !refreshed && client.is_some() => {
                let Some((id, secret, token_url)) = client else {
                    continue;
                };
                eprintln!(
                    "relsync: the sync endpoint answered 401 Unauthorized; fetching a new token and trying once more"
                );
                refreshed = true;
                token = fetch_token(http, token_url, id, secret)?;
                continue;
            }
            Ok(a) if matches!(a.status, 429 | 502 | 503 | 504) && attempt < settings.retries => {
                let backoff = 1u64 << attempt;
                let wait = a.retry_after.map_or(backoff, |r| r.min(MAX_RETRY_AFTER));
                eprintln!(
                    "relsync: Relatics answered {} {}; retrying in {wait} s (retry {} of {})",
                    a.status,
                    a.reason,
                    attempt + 1,
                    settings.retries
                );
                wait
            }
            Ok(a) => return Err(failure(settings, &a, http)),
            Err(t) if attempt < settings.retries => {
                let wait = 1u64 << attempt;
                eprintln!(
                    "relsync: {}: {t}; retrying in {wait} s (retry {} of {})",
                    settings.endpoint,
                    attempt + 1,
                    settings.retries
                );
                wait
            }
            Err(t) => return Err(transport_failure(settings, &t)),
        };
        attempt += 1;
        std::thread::sleep(Duration::from_secs(wait));
    }
}

fn fetch_token(http: &Http, token_url: &str, id: &str, secret: &str) -> anyhow::Result<String> {
    let answer = http.token_request(token_url, id, secret).map_err(|t| {
        anyhow::Error::new(ExitError::new(
            Exit::SubmitFailed,
            format!("cannot get a token from {token_url}: {t}; check the token URL and the network (proxy settings: HTTPS_PROXY, NO_PROXY)"),
        ))
    })?;
    let json: Option<serde_json::Value> = serde_json::from_slice(&answer.body).ok();
    if (200..300).contains(&answer.status) {
        let token = json
            .as_ref()
            .and_then(|j| j.get("access_token"))
            .and_then(|t| t.as_str())
            .filter(|t| !t.is_empty());
        let Some(token) = token else {
            return Err(ExitError::new(
                Exit::SubmitFailed,
                format!(
                    "the token endpoint {token_url} answered {} without an access_token; is this the right token URL?",
                    answer.status
                ),
            )
            .into());
        };
        if let Some(kind) = json.as_ref().and_then(|j| j.get("token_type")).and_then(|t| t.as_str())
            && !kind.eq_ignore_ascii_case("bearer")
        {
            eprintln!("relsync: the token endpoint gave a token of type '{kind}'; sending it as a Bearer token");
        }
        if let Some(expires) = json.as_ref().and_then(|j| j.get("expires_in")).and_then(|t| t.as_u64())
            && http.verbose()
        {
            eprintln!("relsync: got a token valid for {expires} s");
        }
        return Ok(token.to_owned());
    }
    let error = json
        .as_ref()
        .and_then(|j| j.get("error"))
        .and_then(|e| e.as_str())
        .unwrap_or("");
    let description = json
        .as_ref()
        .and_then(|j| j.get("error_description"))
        .and_then(|e| e.as_str())
        .map(|d| format!(" ({})", http.redact(d)))
        .unwrap_or_default();
    let advice = match error {
        "invalid_client" => {
            "the client id or secret was not accepted. Check RELATICS_CLIENT_ID and RELATICS_CLIENT_SECRET against the API key \
             in Relatics (Environment administration > Application authentications); the secret is shown only once, so if it \
             is lost, create a new key. Also check that the key is not disabled and that the token URL is the one shown with the key"
        }
        "unauthorized_client" => {
            "this client may not use the client-credentials grant; check the API key's settings in Relatics"
        }
        "invalid_grant" => {
            "the token endpoint refused the grant; check that the token URL belongs to this API key's environment"
        }
        "invalid_scope" => "the token endpoint refused the requested scope",
        "unsupported_grant_type" => {
            "the token endpoint does not offer the client-credentials grant; check that the token URL is the one shown with the API key"
        }
        "invalid_request" => "the token endpoint found the request malformed; check the token URL",
        _ => "check the token URL and the client credentials",
    };
    let what = if error.is_empty() {
        String::new()
    } else {
        format!(" '{error}'")
    };
    Err(ExitError::new(
        Exit::SubmitFailed,
        format!(
            "the token endpoint {token_url} answered {} {}{what}{description}: {advice}",
            answer.status, answer.reason
        ),
    )
    .into())
}

fn failure(settings: &Settings, answer: &Answer, http: &Http) -> anyhow::Error {
    let excerpt = show_response(answer, http);
    let hint = match answer.status {
        300..=399 => format!(
            "Relatics redirected the request to {}; relsync does not follow redirects, because they would carry the token \
             elsewhere. If you trust that address, use it as the endpoint",
            answer
                .location
                .as_deref()
                .map(|l| http.redact(l))
                .unwrap_or_else(|| "(no Location given)".into())
        ),
        400 => {
            "Relatics did not accept the body: check that the template's type, plural, property and role names match \
                the interface (names are escaped, e.g. 'Due_x0020_date') and that the interface expects this format"
                .into()
        }
        401 => {
            "the access token was not accepted: check RELATICS_TOKEN or the client credentials, and that the API key \
                is the one configured on this interface"
                .into()
        }
        403 => "this API key may not use this interface: in Relatics, check that the interface's initiator is \
                'External application (via API request)' with this key"
            .into(),
        404 => "there is no synchronizing interface at this URL: check the workspace id and the endpoint name in the \
                interface's settings"
            .into(),
        413 => "the body is too large for the server: split the data over several interfaces, or ask the Relatics \
                administrator about the size limit"
            .into(),
        429 => "Relatics is limiting requests; wait a while and try again".into(),
        500..=599 => {
            "Relatics had a problem on its side; try again later, and if it persists contact Relatics support \
                      with the time of this request"
                .into()
        }
        _ => "see the response above".into(),
    };
    let body = if excerpt.is_empty() {
        String::new()
    } else {
        format!("\nresponse:\n{excerpt}\n")
    };
    ExitError::new(
        Exit::SubmitFailed,
        format!(
            "{} answered {} {}; no receipt was recorded{body}\n{hint}",
            settings.endpoint, answer.status, answer.reason
        ),
    )
    .into()
}

fn transport_failure(settings: &Settings, t: &Transport) -> anyhow::Error {
    let advice = match t {
        Transport::Timeout => format!(
            "no answer within {} s; Relatics may still be processing a large body (raise --timeout), or the network is slow",
            settings.timeout.as_secs()
        ),
        Transport::Connect(_) => "check the endpoint's host name and the network (proxy settings: HTTPS_PROXY, NO_PROXY)".into(),
        Transport::Other(_) => {
            "the connection broke before Relatics answered; it is safe to submit again, since a full-set sync can be repeated"
                .into()
        }
    };
    ExitError::new(
        Exit::SubmitFailed,
        format!(
            "sending to {} failed after {} attempt{}: {t}; {advice}",
            settings.endpoint,
            settings.retries + 1,
            if settings.retries == 0 { "" } else { "s" }
        ),
    )
    .into()
}

/// The response body for people: JSON pretty-printed, XML as sent, anything else its first 2 KB.
fn show_response(answer: &Answer, http: &Http) -> String {
    if answer.body.is_empty() {
        return String::new();
    }
    if let Ok(json) = serde_json::from_slice::<serde_json::Value>(&answer.body) {
        return http.redact(&serde_json::to_string_pretty(&json).unwrap_or_default());
    }
    let text = String::from_utf8_lossy(&answer.body);
    let looks_xml =
        answer.content_type.as_deref().is_some_and(|c| c.contains("xml")) || text.trim_start().starts_with('<');
    if looks_xml && roxml_ok(&text) {
        return http.redact(text.trim());
    }
    let mut end = text.len().min(2048);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let cut = if end < text.len() { " ..." } else { "" };
    http.redact(&format!("{}{cut}", text[..end].trim_end()))
}

/// Is `text` well-formed XML?
fn roxml_ok(text: &str) -> bool {
    let mut reader = quick_xml::Reader::from_str(text);
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => return true,
            Ok(_) => {}
            Err(_) => return false,
        }
    }
}

/// Path helpers for callers.
pub fn default_state_dir() -> anyhow::Result<PathBuf> {
    receipt::default_dir().context("cannot find a state directory: set XDG_STATE_HOME or HOME, or give --state-dir")
}

/// Reads a token file: the whole file, trimmed.
pub fn read_token_file(path: &Path) -> anyhow::Result<String> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read the token file {}", path.display()))?;
    let token = text.trim();
    if token.is_empty() {
        bail!("the token file {} is empty", path.display());
    }
    Ok(token.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_must_be_https_except_on_loopback() {
        assert!(check_url("https://acme.relatics.com/api/v1/x", "endpoint").is_ok());
        assert!(check_url("http://127.0.0.1:8080/x", "endpoint").is_ok());
        assert!(check_url("http://127.1.2.3/x", "endpoint").is_ok());
        assert!(check_url("http://localhost:9/x", "endpoint").is_ok());
        assert!(check_url("http://[::1]:9/x", "endpoint").is_ok());
        let e = check_url("http://acme.relatics.com/x", "endpoint")
            .unwrap_err()
            .to_string();
        assert!(e.contains("plain http"), "{e}");
        assert!(check_url("http://localhost.evil.com/x", "endpoint").is_err());
        assert!(check_url("ftp://x/y", "endpoint").is_err());
        assert!(check_url("not a url", "endpoint").is_err());
    }
}
