//! `submit`: send a body to a Relatics synchronizing interface, safely.
//!
//! The steps: make or check the body (`crate::pipeline` for a sheet, [`bodyfile`] for a body made
//! earlier, checked on a private copy), compare its external ids with the last receipt for the
//! endpoint ([`receipt`]), refuse deletions, first submits of unknown effect and empty bodies
//! that were not asked for (`guard`), then authenticate and POST with retries (`send`, over
//! [`http`], the only module on the network), and record a receipt after success (`flow`).
//! `trust` decides where credentials may go; `oauth` gets tokens; `advice` and `response` turn
//! failures and answers into words.

mod advice;
pub mod bodyfile;
pub mod flow;
pub mod guard;
pub mod http;
mod oauth;
pub mod receipt;
mod response;
mod send;
mod settings;
pub mod trust;

pub use flow::{Planned, Sent, plan, send, submit};
pub use oauth::{read_token_file, token_problem};
pub use send::{Auth, Failed, with_retries};
pub use settings::{Credentials, MAX_RETRIES, Prepared, Settings};

/// The default state directory, or an error that says how to give one.
pub fn default_state_dir() -> anyhow::Result<std::path::PathBuf> {
    receipt::default_dir().ok_or_else(|| {
        anyhow::anyhow!(
            "cannot find a per-user directory for receipts (LOCALAPPDATA on Windows, HOME elsewhere); give \
             --state-dir DIR or set XDG_STATE_HOME"
        )
    })
}
