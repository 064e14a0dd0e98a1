//! Getting an access token: OAuth2 client credentials against the token URL shown with the API
//! key, or a ready token from a file. OAuth errors are explained in plain words.

use std::path::Path;

use anyhow::{Context as _, bail};

use super::http::Http;
use super::settings::wait_before;
use crate::exit::{Exit, ExitError};

/// Gets an access token with the client-credentials grant; the token is registered with `http`
/// for redaction before anything else is printed.
pub fn fetch_token(http: &mut Http, token_url: &str, id: &str, secret: &str, retries: u32) -> anyhow::Result<String> {
    let mut attempt = 0u32;
    let answer = loop {
        match http.token_request(token_url, id, secret) {
            Ok(answer) => break answer,
            Err(t) if t.transient() && attempt < retries => {
                let wait = wait_before(attempt, None);
                crate::errln!(
                    "relsync: {t}; retrying in {wait} s (retry {} of {retries})",
                    attempt + 1
                );
                attempt += 1;
                std::thread::sleep(std::time::Duration::from_secs(wait));
            }
            Err(t) => {
                let tries = if attempt > 0 {
                    format!(" ({} attempts)", attempt + 1)
                } else {
                    String::new()
                };
                return Err(ExitError::new(
                    Exit::SubmitFailed,
                    format!("cannot get a token from {token_url}: {t}{tries}: {}", t.advice(false)),
                )
                .into());
            }
        }
    };
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
        http.secret(token);
        if let Some(why) = token_problem(token) {
            return Err(ExitError::new(
                Exit::SubmitFailed,
                format!("the token endpoint {token_url} answered an access token that {why}; ask your Relatics administrator"),
            )
            .into());
        }
        if let Some(kind) = json.as_ref().and_then(|j| j.get("token_type")).and_then(|t| t.as_str())
            && !kind.eq_ignore_ascii_case("bearer")
        {
            crate::errln!(
                "relsync: the token endpoint gave a token of type '{}'; sending it as a Bearer token",
                crate::value::for_terminal(&crate::problem::clip(kind, 40))
            );
        }
        if let Some(expires) = json.as_ref().and_then(|j| j.get("expires_in")).and_then(|t| t.as_u64())
            && http.verbose()
        {
            crate::errln!("relsync: got a token valid for {expires} s");
        }
        http.secret(token);
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

/// Reads a token file: the whole file, decoded by its byte-order mark (PowerShell 5.1 writes
/// UTF-16 with one, and `Out-File -Encoding utf8` a UTF-8 one), without surrounding whitespace.
pub fn read_token_file(path: &Path) -> anyhow::Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read the token file {}", path.display()))?;
    let (text, _, malformed) = match encoding_rs::Encoding::for_bom(&bytes) {
        Some((encoding, _)) => encoding.decode(&bytes),
        None => encoding_rs::UTF_8.decode(&bytes),
    };
    if malformed {
        bail!(
            "the token file {} is not text (neither UTF-8 nor UTF-16 with a byte-order mark)",
            path.display()
        );
    }
    let token = text.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    if token.is_empty() {
        bail!("the token file {} is empty", path.display());
    }
    if let Some(why) = token_problem(token) {
        bail!(
            "the token file {} {why}; it should hold only the access token",
            path.display()
        );
    }
    Ok(token.to_owned())
}

/// What makes `token` unusable in an HTTP `Authorization` header, if anything: a space or line
/// break (more than one word), or a character outside ASCII.
pub fn token_problem(token: &str) -> Option<&'static str> {
    if token.chars().any(|c| c.is_whitespace() || c.is_control()) {
        Some("holds more than one word or line")
    } else if !token.is_ascii() {
        Some("holds characters outside ASCII, which an HTTP header cannot carry")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_files_as_windows_writes_them() {
        let dir = tempfile::tempdir().unwrap();
        let cases: [(&str, Vec<u8>); 4] = [
            ("plain", b"tok-123\n".to_vec()),
            ("utf8-bom", b"\xEF\xBB\xBFtok-123\r\n".to_vec()),
            (
                "utf16le-bom",
                [0xFF, 0xFE]
                    .into_iter()
                    .chain("tok-123\r\n".encode_utf16().flat_map(u16::to_le_bytes))
                    .collect(),
            ),
            (
                "utf16be-bom",
                [0xFE, 0xFF]
                    .into_iter()
                    .chain(" tok-123 ".encode_utf16().flat_map(u16::to_be_bytes))
                    .collect(),
            ),
        ];
        for (name, bytes) in cases {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).unwrap();
            assert_eq!(read_token_file(&path).unwrap(), "tok-123", "{name}");
        }
        let empty = dir.path().join("empty");
        std::fs::write(&empty, b"\xEF\xBB\xBF \r\n").unwrap();
        assert!(read_token_file(&empty).unwrap_err().to_string().contains("is empty"));
        let two = dir.path().join("two");
        std::fs::write(&two, b"a\nb").unwrap();
        assert!(read_token_file(&two).unwrap_err().to_string().contains("more than one"));
    }
}
