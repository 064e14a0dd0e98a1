//! A server's answer for people: JSON pretty-printed, XML as sent, anything else its first
//! 2 KB; secrets redacted.

use super::http::{Answer, Http};

/// The response body for people: JSON pretty-printed, XML as sent, anything else its first 2 KB.
pub fn show_response(answer: &Answer, http: &Http) -> String {
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
        return http.redact(&printable(text.trim()));
    }
    let mut end = text.len().min(2048);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let cut = if end < text.len() { " ..." } else { "" };
    http.redact(&format!("{}{cut}", printable(text[..end].trim_end())))
}

/// The answer's lines with what a terminal would obey (escape sequences, bells) escaped; the
/// line breaks stay. (JSON is re-serialized, which escapes them already.)
fn printable(text: &str) -> String {
    text.split('\n')
        .map(|line| crate::value::for_terminal(line.strip_suffix('\r').unwrap_or(line)).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
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

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(body: &str, content_type: Option<&str>) -> Answer {
        Answer {
            status: 200,
            reason: "OK".into(),
            content_type: content_type.map(str::to_owned),
            location: None,
            retry_after: None,
            body: body.as_bytes().to_vec(),
            size: body.len() as u64,
            truncated: false,
        }
    }

    #[test]
    fn answers_as_people_read_them() {
        let mut http = Http::new(std::time::Duration::from_secs(1), false, &["http://127.0.0.1/"]).unwrap();
        http.secret("tok-secret");
        assert_eq!(show_response(&answer("{\"a\":1}", None), &http), "{\n  \"a\": 1\n}");
        assert_eq!(
            show_response(&answer("<r>tok-secret</r>", Some("application/xml")), &http),
            "<r>***</r>"
        );
        let long = "x".repeat(5000);
        let shown = show_response(&answer(&long, Some("text/plain")), &http);
        assert!(shown.ends_with(" ...") && shown.len() < 2100, "{}", shown.len());
        assert_eq!(show_response(&answer("", None), &http), "");
        // What the server says cannot steer the terminal; its lines stay lines.
        assert_eq!(
            show_response(
                &answer("\u{1b}[31mRED\u{1b}[0m \u{7} done\r\nline 2", Some("text/plain")),
                &http
            ),
            "\\u{1b}[31mRED\\u{1b}[0m \\u{7} done\nline 2"
        );
    }
}
