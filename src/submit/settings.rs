//! What a submit needs, checked: where to send, how to authenticate, what is allowed.

use std::path::PathBuf;
use std::time::Duration;

use crate::body::BodyFormat;

/// How relsync gets an access token.
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
    pub verbose: bool,
}

/// The most retries `--retries` takes.
pub const MAX_RETRIES: u32 = 10;
/// The longest wait between two attempts, whatever `Retry-After` says.
pub const MAX_WAIT_SECONDS: u64 = 60;
