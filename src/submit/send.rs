//! One request with retries: a token first (client credentials), then the request, repeated
//! after a connection failure, a timeout, or a 429/502/503/504 (after 1, 2, 4, ... s, at most
//! 60 s, or what `Retry-After` asks up to that), with one new token after a
//! 401. Used by `submit` and `fetch-lookup` alike, so both authenticate and retry the same way.

use std::time::Duration;

use super::advice::{status_failure, transport_failure};
use super::http::{Answer, Http, Transport};
use super::oauth::fetch_token;
use super::settings::{Credentials, wait_before};

/// An access token and how to get a new one.
pub struct Auth<'c> {
    credentials: &'c Credentials,
    token: String,
    refreshed: bool,
    retries: u32,
}

impl<'c> Auth<'c> {
    /// Gets the first token (for client credentials) and registers every secret for redaction.
    pub fn new(credentials: &'c Credentials, http: &mut Http, retries: u32) -> anyhow::Result<Auth<'c>> {
        let token = match credentials {
            Credentials::Token { token, .. } => {
                http.secret(token);
                token.clone()
            }
            Credentials::Client { id, secret, token_url } => {
                // The secret as written, as sent (form-urlencoded), and inside the Basic header.
                http.secret(secret);
                let encoded: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
                http.secret(&encoded);
                http.secret(&crate::submit::http::basic_credentials(id, secret));
                fetch_token(http, token_url, id, secret, retries)?
            }
        };
        Ok(Auth {
            credentials,
            token,
            refreshed: false,
            retries,
        })
    }

    /// After a 401: a new token, once, when there are client credentials.
    fn refresh(&mut self, http: &mut Http) -> anyhow::Result<bool> {
        let Credentials::Client { id, secret, token_url } = self.credentials else {
            return Ok(false);
        };
        if self.refreshed {
            return Ok(false);
        }
        self.refreshed = true;
        crate::errln!("relsync: the server answered 401 Unauthorized; fetching a new token and trying once more");
        self.token = fetch_token(http, token_url, id, secret, self.retries)?;
        Ok(true)
    }
}

/// A request that got no 2xx answer: the error to report, and whether the request may still have
/// reached the server (no answer came back: a timeout, a connection that broke off), so that
/// what it carried may have been applied.
pub struct Failed {
    pub error: anyhow::Error,
    pub may_have_arrived: bool,
}

impl From<Failed> for anyhow::Error {
    fn from(f: Failed) -> anyhow::Error {
        f.error
    }
}

/// Sends `request` until it is answered with a 2xx, retrying what is worth retrying. Any other
/// answer, or no answer after `retries` retries, is an error (exit 3) that ends with
/// `what_happened` (e.g. "nothing was sent; no receipt was recorded"); `sends_body` says whether
/// the request carries a body to apply (a submit) or only asks (a read), for the advice.
pub fn with_retries(
    http: &mut Http,
    auth: &mut Auth<'_>,
    retries: u32,
    url: &str,
    what_happened: &str,
    sends_body: bool,
    request: impl Fn(&Http, &str) -> Result<Answer, Transport>,
) -> Result<Answer, Failed> {
    let answered = |error: anyhow::Error| Failed {
        error,
        may_have_arrived: false,
    };
    let mut attempt = 0u32;
    loop {
        let wait = match request(http, &auth.token) {
            Ok(a) if (200..300).contains(&a.status) => return Ok(a),
            Ok(a) if a.status == 401 && auth.refresh(http).map_err(answered)? => continue,
            Ok(a) if matches!(a.status, 429 | 502 | 503 | 504) && attempt < retries => {
                let wait = wait_before(attempt, a.retry_after);
                crate::errln!(
                    "relsync: the server answered {} {}; retrying in {wait} s (retry {} of {retries})",
                    a.status,
                    a.reason,
                    attempt + 1
                );
                wait
            }
            Ok(a) => return Err(answered(status_failure(url, &a, http, what_happened))),
            Err(t) if t.transient() && attempt < retries => {
                let wait = wait_before(attempt, None);
                crate::errln!(
                    "relsync: {t}; retrying in {wait} s (retry {} of {retries})",
                    attempt + 1
                );
                wait
            }
            Err(t) => {
                return Err(Failed {
                    error: transport_failure(url, attempt + 1, &t, what_happened, sends_body),
                    may_have_arrived: t.may_have_arrived(),
                });
            }
        };
        attempt += 1;
        std::thread::sleep(Duration::from_secs(wait));
    }
}
