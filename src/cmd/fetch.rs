//! `relsync fetch-lookup`: a providing interface's answer saved as a lookup file.
//!
//! The answer is streamed into a temporary file beside the destination and read back as a
//! lookup (as a stream too) before it takes the file's place: an answer that is not a lookup
//! (a login page, a body cut off by a closed connection, one without name/ID pairs) is refused
//! and the file that was there is left as it was.

use std::io::Read as _;

use super::settings::FetchSettings;
use crate::exit::{Exit, ExitError};
use crate::lookup::{Fields, Lookup};
use crate::output::{StagedPath, human_size};
use crate::submit::http::{Http, MAX_LOOKUP_RESPONSE};
use crate::submit::{Auth, with_retries};

/// How much of a refused answer is shown.
const SHOWN: u64 = 300;

pub fn run(settings: &FetchSettings) -> anyhow::Result<Exit> {
    let mut urls = vec![settings.endpoint.as_str()];
    if let crate::submit::Credentials::Client { token_url, .. } = &settings.credentials {
        urls.push(token_url);
    }
    let mut http = Http::new(settings.timeout, settings.verbose, &urls)?;
    let mut auth = Auth::new(&settings.credentials, &mut http, settings.retries)?;
    let endpoint = settings.endpoint.as_str();
    let staged = StagedPath::new(&settings.output)?;
    let answer = with_retries(
        &mut http,
        &mut auth,
        settings.retries,
        endpoint,
        "nothing was saved",
        false,
        |http, token| http.get(endpoint, token, settings.accept, staged.path()),
    )?;
    let path = settings.output.display();
    let refuse = |why: String| -> anyhow::Result<Exit> {
        let size = if answer.truncated {
            format!("more than {}", human_size(MAX_LOOKUP_RESPONSE))
        } else {
            human_size(answer.size)
        };
        let what = match &answer.content_type {
            Some(ct) => format!("{size} of {}", crate::value::for_terminal(&http.redact(ct))),
            None => size,
        };
        // The answer may echo what was sent (the token): secrets are never shown.
        let excerpt = http.redact(&excerpt(staged.path()));
        Err(ExitError::new(
            Exit::SubmitFailed,
            format!(
                "{endpoint} answered {} {} with {what}, but {why}: nothing was saved, and {path} is left as it \
                 was{excerpt}",
                answer.status, answer.reason
            ),
        )
        .into())
    };
    if answer.truncated {
        return refuse(format!(
            "it is larger than {} MiB, more than relsync reads for a lookup",
            MAX_LOOKUP_RESPONSE >> 20
        ));
    }
    let pairs = match Lookup::count_pairs(staged.path(), &settings.output, &Fields::default()) {
        Ok(pairs) => pairs,
        Err(e) => {
            // An answer that does not even parse (a login page, a cut-off body) needs no word on
            // field names.
            let unreadable = ["is not valid JSON", "is not well-formed XML", "cannot be read"]
                .iter()
                .any(|w| e.why.starts_with(w));
            let why = match e.why.strip_suffix(&format!("; {}", crate::lookup::SHAPES)) {
                Some(short) if unreadable => short.to_owned(),
                _ => e.why.clone(),
            };
            return refuse(format!("it is not a lookup relsync can use: it {why}"));
        }
    };
    let size = staged.commit()?;
    crate::outln!(
        "saved {path} ({}): {} name/ID pair{} recognised",
        human_size(size),
        pairs,
        if pairs == 1 { "" } else { "s" }
    );
    Ok(Exit::Success)
}

/// The start of the answer saved at `path`, as text safe to print, for a refusal.
fn excerpt(path: &std::path::Path) -> String {
    let mut head = Vec::new();
    let read = std::fs::File::open(path).and_then(|f| f.take(SHOWN).read_to_end(&mut head));
    if read.is_err() || head.is_empty() {
        return String::new();
    }
    let text = String::from_utf8_lossy(&head);
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    format!(
        ". It begins: {}{}",
        crate::value::for_terminal(&text),
        if head.len() as u64 == SHOWN { " ..." } else { "" }
    )
}
