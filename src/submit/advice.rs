//! Why a submit failed and what to do about it: an error status from Relatics, or no answer.

use super::http::{Answer, Http, Transport};
use super::response::show_response;
use crate::exit::{Exit, ExitError};

/// The hint for an HTTP status Relatics answered with.
fn hint(answer: &Answer, http: &Http) -> String {
    match answer.status {
        300..=399 => format!(
            "Relatics redirected the request to {}; relsync does not follow redirects, because they would carry the \
             token elsewhere. If you trust that address, use it as the endpoint",
            answer
                .location
                .as_deref()
                .map(|l| http.redact(l))
                .unwrap_or_else(|| "(no Location given)".into())
        ),
        400 => "Relatics did not accept the body: check that the template's type, plural, property and role names \
                match the interface (names are escaped, e.g. 'Due_x0020_date') and that the interface expects this \
                format"
            .into(),
        401 => "the access token was not accepted: check RELATICS_TOKEN or the client credentials, and that the API \
                key is the one configured on this interface"
            .into(),
        403 => "this API key may not use this interface: in Relatics, check that the interface's initiator is \
                'External application (via API request)' with this key"
            .into(),
        404 => "there is no interface at this URL: check the workspace id and the endpoint name in the interface's \
                settings"
            .into(),
        413 => "the body is too large for the server: split the data over several interfaces, or ask the Relatics \
                administrator about the size limit"
            .into(),
        429 => "Relatics is limiting requests; wait a while and try again".into(),
        500..=599 => "Relatics had a problem on its side; try again later, and if it persists contact Relatics \
                      support with the time of this request"
            .into(),
        _ => "see the response above".into(),
    }
}

/// An error status from the server: exit 3 with the answer and a hint.
pub fn status_failure(url: &str, answer: &Answer, http: &Http, what_happened: &str) -> anyhow::Error {
    let excerpt = show_response(answer, http);
    let body = if excerpt.is_empty() {
        String::new()
    } else {
        format!("\nresponse:\n{excerpt}\n")
    };
    ExitError::new(
        Exit::SubmitFailed,
        format!(
            "{} answered {} {}. {}.{body}\n{}",
            http.redact(url),
            answer.status,
            answer.reason,
            sentence(what_happened),
            hint(answer, http)
        ),
    )
    .into()
}

/// No answer after every attempt: exit 3, one sentence.
pub fn transport_failure(
    url: &str,
    attempts: u32,
    t: &Transport,
    what_happened: &str,
    sent_body: bool,
) -> anyhow::Error {
    let tries = if attempts > 1 {
        format!(" ({attempts} attempts)")
    } else {
        String::new()
    };
    let advice = t.advice(sent_body);
    let stop = if advice.ends_with('?') { "" } else { "." };
    ExitError::new(
        Exit::SubmitFailed,
        format!("{url}: {t}{tries}: {advice}{stop} {}.", sentence(what_happened)),
    )
    .into()
}

/// `text` with a capital first letter, to start a sentence.
fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
