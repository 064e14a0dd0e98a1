//! Cells as text, for values and for messages: Excel's General format, descriptions of what
//! was found, and URL checks.

use std::fmt::Write as _;

use crate::input::Cell;
use crate::value::{self, DateError, NumberError};

/// A cell as text, the way Excel shows it: numbers in General format, dates as `YYYY-MM-DD`.
pub fn cell_text(cell: Cell<'_>, out: &mut String) {
    match cell {
        Cell::Empty => {}
        Cell::Text(t) => out.push_str(t),
        Cell::Number(x) => value::write_general(out, x),
        Cell::Bool(true) => out.push_str("TRUE"),
        Cell::Bool(false) => out.push_str("FALSE"),
        Cell::DateTime(dt) => {
            let d = value::DateValue::from_datetime(dt);
            value::push_date(out, d.date);
            if let Some(t) = d.time {
                let _ = write!(out, " {}", t.format("%H:%M:%S"));
            }
        }
        Cell::Time(t) => {
            let _ = write!(out, "{}", t.format("%H:%M:%S"));
        }
        Cell::Duration(days) => {
            let seconds = (days * 86_400.0).round() as i64;
            let sign = if seconds < 0 { "-" } else { "" };
            let s = seconds.abs();
            let _ = write!(out, "{sign}{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60);
        }
        Cell::Error(e) => out.push_str(e),
    }
}

/// `cell_text`, then trimmed with line breaks normalized to `\n`.
pub(super) fn cell_text_normalized(cell: Cell<'_>, out: &mut String) {
    match cell {
        Cell::Text(t) => value::push_normalized(out, t),
        other => cell_text(other, out),
    }
}

/// The offending value for a problem.
pub(super) fn shown_value(cell: Cell<'_>) -> Option<String> {
    let mut s = String::new();
    cell_text(cell, &mut s);
    let s = s.trim();
    (!s.is_empty()).then(|| crate::problem::clip_said(s, crate::problem::MAX_VALUE_CHARS))
}

/// What a cell is, for "found ..." in messages.
pub(super) fn describe(cell: Cell<'_>) -> String {
    match cell {
        Cell::Empty => "an empty cell".into(),
        Cell::Text(t) => format!("text '{}'", crate::problem::quoted(t.trim())),
        Cell::Number(x) => format!("the number {}", value::general(x)),
        Cell::Bool(b) => format!("the boolean {}", if b { "TRUE" } else { "FALSE" }),
        Cell::DateTime(dt) => format!("the date {}", dt.date().format("%Y-%m-%d")),
        Cell::Time(t) => format!("the time {t}"),
        Cell::Duration(_) => "a duration".into(),
        Cell::Error(e) => format!("the error value {e}"),
    }
}

/// What was found instead of a number, and the one fix, for a `not-a-number` message.
pub(super) fn number_error_text(text: &str, e: &NumberError, required: bool) -> String {
    let t = crate::problem::quoted(text.trim());
    match e {
        NumberError::NotNumeric if required => format!("found text '{t}', which is not a number; write a number"),
        NumberError::NotNumeric => format!(
            "found text '{t}', which is not a number; write a number, or leave the cell empty if the value is unknown"
        ),
        NumberError::WrongSeparator { decimal_comma: false } => format!(
            "found text '{t}', which uses a decimal comma; set source.decimal_comma = true in the template if the sheet writes numbers that way"
        ),
        NumberError::WrongSeparator { decimal_comma: true } => format!(
            "found text '{t}', which uses a decimal point while source.decimal_comma = true; write it with a decimal comma"
        ),
        NumberError::Ambiguous => format!(
            "found text '{t}', which could mean a thousands separator or a decimal comma; write it without the separator, or with a decimal point"
        ),
    }
}

/// What was found instead of a date, and the one fix, for a `not-a-date` message.
pub(super) fn date_error_text(text: &str, e: DateError, formats: &[String], workbook: bool) -> String {
    let t = crate::problem::quoted(text.trim());
    match e {
        DateError::Impossible(why) => format!("found text '{t}', but {why}; correct the date"),
        DateError::ShortYear { year, format } => {
            let used = formats.get(format).map_or("%Y", String::as_str);
            format!(
                "found text '{t}', whose year has fewer than four digits (read with \"{used}\" it is the year {year}); \
                 write the year in full, or add \"{}\" to source.date_formats if the sheet writes two-digit years",
                used.replace("%Y", "%y")
            )
        }
        DateError::OtherFormat(f) => format!(
            "found text '{t}', a date in a format the template does not accept; add \"{f}\" to source.date_formats"
        ),
        DateError::UnknownFormat => {
            // An example in the first accepted format, else ISO.
            // A date and time, for formats with a time part; a format chrono cannot write
            // (a time zone) gives the ISO form.
            let example = chrono::NaiveDate::from_ymd_opt(2027, 3, 1)
                .and_then(|d| d.and_hms_opt(9, 30, 0))
                .and_then(|d| {
                    let mut s = String::new();
                    write!(s, "{}", d.format(formats.first()?)).ok()?;
                    Some(s)
                });
            // Only a workbook has date cells to offer.
            format!(
                "found text '{t}', which is not a date; {}write it like {}",
                if workbook { "use a date cell or " } else { "" },
                example.unwrap_or_else(|| "2027-03-01".to_owned())
            )
        }
    }
}

/// A plain `http(s)://host/path` URL in the characters RFC 3986 allows, so certainly valid:
/// checked without the full parser, which is slow for a column of a million links.
pub(super) fn plain_http_url(text: &str) -> bool {
    let Some(rest) = text.strip_prefix("https://").or_else(|| text.strip_prefix("http://")) else {
        return false;
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let (host, port) = authority.split_once(':').unwrap_or((authority, ""));
    let host_ok = !host.is_empty()
        && host
            .split('.')
            .all(|label| !label.is_empty() && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
    let port_ok =
        port.len() <= 5 && port.bytes().all(|b| b.is_ascii_digit()) && (port.is_empty() != authority.contains(':'));
    let bytes = tail.as_bytes();
    let tail_ok = bytes.iter().enumerate().all(|(i, &b)| match b {
        b'%' => bytes
            .get(i + 1..i + 3)
            .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)),
        b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' => true,
        b'-' | b'.' | b'_' | b'~' | b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'=' => true,
        b':' | b'@' | b'/' | b'?' | b'#' => true,
        _ => false,
    });
    host_ok && port_ok && tail_ok
}

/// An absolute http, https or mailto URL.
pub(super) fn check_url(text: &str) -> Result<(), String> {
    if plain_http_url(text) {
        return Ok(());
    }
    match url::Url::parse(text) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(()),
        Ok(u) if u.scheme() == "mailto" && u.path().contains('@') => Ok(()),
        Ok(u) if u.scheme() == "mailto" => {
            Err("is a mailto link without an address; write it as mailto:name@example.com".to_owned())
        }
        Ok(u) => Err(format!(
            "is a '{}:' link, but Relatics takes http, https and mailto URLs; write one of those",
            u.scheme()
        )),
        Err(url::ParseError::RelativeUrlWithoutBase) => Err(format!(
            "is not an absolute URL; write it in full, for example 'https://{}'",
            crate::problem::quoted(text.trim_start_matches('/'))
        )),
        Err(e) => Err(format!(
            "is not a valid URL ({e}); write it as a full link, e.g. 'https://example.com/page'"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_urls_agree_with_the_parser() {
        for url in [
            "https://example.com",
            "http://a.b-c.nl:8080/x/y?q=1&r=%20#frag",
            "https://docs.example.nl/pve/hoofdstuk-3/eis-17",
            "https://x/",
            "https://exa mple.com",
            "https://ex..com/",
            "https://example.com:/x",
            "https://example.com/a b",
            "https://example.com/%zz",
            "https://-x.com/",
            "http://[::1]/",
            "https://user@host/",
        ] {
            if plain_http_url(url) {
                let parsed = url::Url::parse(url);
                assert!(parsed.is_ok_and(|u| u.host().is_some()), "fast path accepted {url}");
            }
        }
        assert!(plain_http_url("https://docs.example.nl/pve/hoofdstuk-3/eis-17"));
        assert!(!plain_http_url("https://exa mple.com"));
    }

    #[test]
    fn urls() {
        assert!(check_url("https://example.com/a?b=c").is_ok());
        assert!(check_url("http://intranet/page").is_ok());
        assert!(check_url("mailto:piet@example.nl").is_ok());
        assert!(
            check_url("www.example.com")
                .unwrap_err()
                .contains("https://www.example.com")
        );
        assert!(check_url("ftp://example.com").unwrap_err().contains("ftp"));
        assert!(check_url("file:///c:/x").is_err());
        assert!(check_url("mailto:").is_err());
    }

    #[test]
    fn cell_texts() {
        let mut s = String::new();
        cell_text(Cell::Number(43530759.0), &mut s);
        assert_eq!(s, "43530759");
        s.clear();
        cell_text(Cell::Bool(true), &mut s);
        assert_eq!(s, "TRUE");
        s.clear();
        cell_text(Cell::Duration(1.5), &mut s);
        assert_eq!(s, "36:00:00");
        s.clear();
        let dt = chrono::NaiveDate::from_ymd_opt(2026, 3, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap();
        cell_text(Cell::DateTime(dt), &mut s);
        assert_eq!(s, "2026-03-01");
    }
}
