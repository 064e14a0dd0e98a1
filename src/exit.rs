//! Exit statuses and the error that carries one. A leaf: every command returns these, and
//! `crate::app` turns them into the process exit code.

use std::process::ExitCode;

/// Exit statuses; documented in `--help` and the README.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// Done, nothing to report.
    Success = 0,
    /// Problems found: errors, or warnings with `--strict`.
    Problems = 1,
    /// The command could not run.
    Failure = 2,
    /// The submission failed.
    SubmitFailed = 3,
    /// A safety check refused the submission.
    Refused = 4,
    /// The body was sent and accepted, but its receipt could not be saved.
    NotRecorded = 5,
    /// A project's run ended with relation targets still left out: the IDs of new elements did
    /// not come within `--wait`, or their interface was not sent (`--only`).
    Incomplete = 6,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e as u8)
    }
}

/// An error that ends the command with a specific exit status (default for others: 2).
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct ExitError {
    pub exit: Exit,
    pub message: String,
}

impl ExitError {
    pub fn new(exit: Exit, message: impl Into<String>) -> ExitError {
        ExitError {
            exit,
            message: message.into(),
        }
    }
}

/// The exit status an error chain asks for: the first [`ExitError`] in it, else 2.
pub fn status_of(e: &anyhow::Error) -> Exit {
    e.chain()
        .find_map(|c| c.downcast_ref::<ExitError>())
        .map_or(Exit::Failure, |x| x.exit)
}

/// The error and its causes as one line, `what: why: deeper why`, each cause once: an error
/// whose message already ends with its cause's words does not get them again.
pub fn sentence(e: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in e.chain() {
        let part = cause.to_string();
        if text.ends_with(&part) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&part);
    }
    text
}
