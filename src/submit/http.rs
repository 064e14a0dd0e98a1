//! The only module that talks to the network: fetching an OAuth2 token and posting a body.
//!
//! Redirects are never followed (they would carry the token elsewhere), proxies come from the
//! usual environment variables, and certificates are checked against the system's store (firms
//! put their own certificate authority in front of the internet). Every secret this module
//! handles is registered for redaction, so `--verbose` output and error messages show `***`.

use std::io::Read;
use std::path::Path;
use std::time::Duration;

use reqwest::blocking::{Body, Client};
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, LOCATION, RETRY_AFTER};

use crate::body::BodyFormat;

/// Connecting may take at most this long.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest part of a response body that is kept.
const MAX_RESPONSE: u64 = 4 * 1024 * 1024;

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
    pub body: Vec<u8>,
}

/// Why a request got no answer.
#[derive(Debug)]
pub enum Transport {
    Timeout,
    Connect(String),
    Other(String),
}

impl std::fmt::Display for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Transport::Timeout => f.write_str("no answer within the time limit"),
            Transport::Connect(why) => write!(f, "cannot connect ({why})"),
            Transport::Other(why) => write!(f, "the connection failed before an answer arrived ({why})"),
        }
    }
}

/// An HTTP client with relsync's settings.
pub struct Http {
    client: Client,
    verbose: bool,
    secrets: Vec<String>,
}

impl Http {
    pub fn new(timeout: Duration, verbose: bool) -> anyhow::Result<Http> {
        let client = Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(user_agent())
            .build()?;
        Ok(Http {
            client,
            verbose,
            secrets: Vec::new(),
        })
    }

    pub fn verbose(&self) -> bool {
        self.verbose
    }

    /// Registers a secret: it is replaced by `***` in everything this client prints.
    pub fn secret(&mut self, secret: &str) {
        if secret.len() >= 4 {
            self.secrets.push(secret.to_owned());
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

    fn log_request(&self, url: &str, headers: &[(&str, String)]) {
        if !self.verbose {
            return;
        }
        eprintln!("> POST {}", self.redact(url));
        for (name, value) in headers {
            let value = if name.eq_ignore_ascii_case("authorization") {
                match value.split_once(' ') {
                    Some((scheme, _)) => format!("{scheme} ***"),
                    None => "***".to_owned(),
                }
            } else {
                self.redact(value)
            };
            eprintln!("> {name}: {value}");
        }
    }

    fn log_answer(&self, answer: &Answer) {
        if !self.verbose {
            return;
        }
        eprintln!("< HTTP {} {}", answer.status, answer.reason);
        if let Some(ct) = &answer.content_type {
            eprintln!("< Content-Type: {ct}");
        }
        if let Some(l) = &answer.location {
            eprintln!("< Location: {}", self.redact(l));
        }
        if let Some(r) = answer.retry_after {
            eprintln!("< Retry-After: {r}");
        }
        eprintln!("< ({} bytes)", answer.body.len());
    }

    /// POSTs `grant_type=client_credentials` with the client's credentials as HTTP Basic
    /// (RFC 6749 section 2.3.1: both form-urlencoded first).
    pub fn token_request(&self, token_url: &str, client_id: &str, client_secret: &str) -> Result<Answer, Transport> {
        let form = "grant_type=client_credentials";
        self.log_request(
            token_url,
            &[
                ("Authorization", "Basic ***".to_owned()),
                ("Content-Type", "application/x-www-form-urlencoded".to_owned()),
                ("Accept", "application/json".to_owned()),
                ("User-Agent", user_agent()),
            ],
        );
        if self.verbose {
            eprintln!("> {form}");
        }
        let id: String = url::form_urlencoded::byte_serialize(client_id.as_bytes()).collect();
        let secret: String = url::form_urlencoded::byte_serialize(client_secret.as_bytes()).collect();
        let response = self
            .client
            .post(token_url)
            .basic_auth(id, Some(secret))
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(ACCEPT, "application/json")
            .body(form)
            .send();
        self.finish(response)
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
        let accept = match accept {
            BodyFormat::Json => "application/json",
            BodyFormat::Xml => "application/xml",
        };
        self.log_request(
            endpoint,
            &[
                ("Authorization", format!("Bearer {token}")),
                ("Content-Type", format.content_type().to_owned()),
                ("Accept", accept.to_owned()),
                ("User-Agent", user_agent()),
                ("Content-Length", size.to_string()),
            ],
        );
        let response = self
            .client
            .post(endpoint)
            .header(AUTHORIZATION, format!("Bearer {token}"))
            .header(CONTENT_TYPE, format.content_type())
            .header(ACCEPT, accept)
            .body(Body::sized(file, size))
            .send();
        self.finish(response)
    }

    fn finish(&self, response: reqwest::Result<reqwest::blocking::Response>) -> Result<Answer, Transport> {
        let response = response.map_err(|e| self.transport(e))?;
        let headers = response.headers().clone();
        let status = response.status();
        let mut body = Vec::new();
        response
            .take(MAX_RESPONSE)
            .read_to_end(&mut body)
            .map_err(|e| Transport::Other(self.redact(&e.to_string())))?;
        let answer = Answer {
            status: status.as_u16(),
            reason: status.canonical_reason().unwrap_or("").to_owned(),
            content_type: header(&headers, CONTENT_TYPE),
            location: header(&headers, LOCATION),
            retry_after: header(&headers, RETRY_AFTER).and_then(|v| parse_retry_after(&v)),
            body,
        };
        self.log_answer(&answer);
        Ok(answer)
    }

    fn transport(&self, e: reqwest::Error) -> Transport {
        if e.is_timeout() {
            return Transport::Timeout;
        }
        // The innermost cause says most ("Connection refused", "connection closed").
        let mut cause: &dyn std::error::Error = &e;
        while let Some(next) = cause.source() {
            cause = next;
        }
        let why = self.redact(&cause.to_string());
        if e.is_connect() {
            Transport::Connect(why)
        } else {
            Transport::Other(why)
        }
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
        let mut http = Http::new(Duration::from_secs(1), false).unwrap();
        http.secret("s3cr3t-token");
        http.secret("ab"); // too short to redact safely
        assert_eq!(http.redact("Bearer s3cr3t-token and ab"), "Bearer *** and ab");
    }
}
