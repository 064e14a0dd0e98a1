//! What a submit needs, checked: where to send, how to authenticate, what is allowed.

use std::path::PathBuf;
use std::time::Duration;

use crate::body::BodyFormat;

/// How relsync gets an access token.
#[derive(Clone)]
pub enum Credentials {
    /// A ready token (`RELATICS_TOKEN` or `--token-file`), with where it came from.
    Token { token: String, from: String },
    /// OAuth2 client credentials.
    Client {
        id: String,
        secret: String,
        token_url: String,
    },
}

impl Credentials {
    /// How the token is obtained, for the plan and `--verbose` (never the secret itself).
    pub fn describe(&self) -> String {
        match self {
            Credentials::Token { from, .. } => format!("a ready access token from {from}"),
            Credentials::Client { token_url, .. } => format!("client credentials, token from {token_url}"),
        }
    }
}

/// A body ready to send: a private file, its facts, and its external ids.
pub struct Prepared {
    pub path: PathBuf,
    pub format: BodyFormat,
    pub elements: u64,
    pub ids: Vec<String>,
    /// Names of relation targets, shown beside their IDs in the plan.
    pub names: crate::lookup::TargetNames,
    /// The HTML report of the run, which gets the plan too.
    pub report_page: Option<PathBuf>,
}

/// Checked settings for one submit.
pub struct Settings {
    /// The input as given, for messages and receipts.
    pub input: PathBuf,
    /// The interface URL; `None` only for a dry run.
    pub endpoint: Option<String>,
    pub dry_run: bool,
    pub allow_deletions: bool,
    pub allow_empty: bool,
    pub state_dir: PathBuf,
    pub timeout: Duration,
    pub retries: u32,
    pub accept: BodyFormat,
    /// `None` only for a dry run.
    pub credentials: Option<Credentials>,
    /// A dry run only: why the credentials given are incomplete (a real submit stops there).
    pub credentials_problem: Option<String>,
    pub verbose: bool,
    /// Take the endpoint's lock for this submit; `false` when the caller holds it (a
    /// project's run holds every endpoint's for the whole run).
    pub lock: bool,
}

/// The most retries `--retries` takes.
pub const MAX_RETRIES: u32 = 10;
/// The longest wait between two attempts, whatever `Retry-After` says.
pub const MAX_WAIT_SECONDS: u64 = 60;

/// The wait before retry `attempt` (0-based): `Retry-After` if given, else 1, 2, 4, ... s; never
/// more than [`MAX_WAIT_SECONDS`].
pub fn wait_before(attempt: u32, retry_after: Option<u64>) -> u64 {
    let backoff = 1u64 << attempt.min(16);
    retry_after.unwrap_or(backoff).min(MAX_WAIT_SECONDS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_grow_and_are_capped() {
        let waits: Vec<u64> = (0..10).map(|a| wait_before(a, None)).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 60, 60, 60, 60]);
        assert_eq!(wait_before(0, Some(5)), 5);
        assert_eq!(wait_before(0, Some(3600)), MAX_WAIT_SECONDS);
        assert_eq!(wait_before(u32::MAX, None), MAX_WAIT_SECONDS);
    }
}
