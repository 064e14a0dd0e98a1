//! The HTTP side of the page: connections (a small HTTP/1.1 server on a loopback socket, with
//! `httparse` reading the request head), who may ask (the run's secret, the host, the origin),
//! and answers with the headers every one of them carries.
//!
//! Each connection gets one request and one answer, then is closed (the page needs no more).
//! Everything a client sends is bounded: the request head (16 KiB, 64 headers, 10 s to arrive),
//! each read of a body (30 s), the connections open at once ([`MAX_CONNECTIONS`]; more are
//! closed at once), and a body is read only as far as its handler wants it: what is left unread
//! is never drained, the connection is closed instead.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The cookie that carries the run's secret after the first request, named after the port: a
/// browser sends cookies of 127.0.0.1 to every port, and two pages of two runs keep their own.
fn cookie_name(port: u16) -> String {
    format!("relsync_{port}")
}

/// What the browser may do with a page: its own script and style, nothing from elsewhere, no
/// frames, no forms sent anywhere.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
     connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

/// Connections served at once; more are closed as they come.
pub const MAX_CONNECTIONS: usize = 64;
/// The largest request head read.
const MAX_HEAD: usize = 16 * 1024;
/// Time for a request head to arrive, and for each read of a body.
const HEAD_TIME: Duration = Duration::from_secs(10);
const READ_TIME: Duration = Duration::from_secs(30);

/// One request and what is known of it.
pub struct Call {
    stream: Option<TcpStream>,
    method: String,
    path: String,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    length: Option<u64>,
    /// The body: what came with the head, then the socket, up to the length given.
    body: Box<dyn Read + Send>,
}

/// Why a connection gave no request.
pub enum Refused {
    /// Nothing usable came (closed, too slow): close without a word.
    Silently,
    /// A request that cannot be served: this answer, then close.
    Answer(Answer),
}

impl Call {
    /// Reads one request head from `stream`; the body is left to the handler.
    pub fn read(stream: TcpStream) -> Result<Call, (TcpStream, Refused)> {
        let started = Instant::now();
        let _ = stream.set_read_timeout(Some(HEAD_TIME));
        let _ = stream.set_write_timeout(Some(READ_TIME));
        let mut reader = BufReader::with_capacity(
            MAX_HEAD,
            match stream.try_clone() {
                Ok(s) => s,
                Err(_) => return Err((stream, Refused::Silently)),
            },
        );
        let mut head: Vec<u8> = Vec::with_capacity(1024);
        loop {
            if started.elapsed() > HEAD_TIME {
                return Err((stream, Refused::Silently));
            }
            let available = match reader.fill_buf() {
                Ok([]) | Err(_) => return Err((stream, Refused::Silently)),
                Ok(bytes) => bytes,
            };
            let take = available.len().min(MAX_HEAD + 4 - head.len());
            head.extend_from_slice(&available[..take]);
            let mut parsed = [httparse::EMPTY_HEADER; 64];
            let mut request = httparse::Request::new(&mut parsed);
            match request.parse(&head) {
                Ok(httparse::Status::Complete(end)) => {
                    // Only what belongs to the head is used up; the rest is the body's.
                    reader.consume(take - (head.len() - end));
                    let method = request.method.unwrap_or("").to_ascii_uppercase();
                    let target = request.path.unwrap_or("/").to_owned();
                    let headers: Vec<(String, String)> = request
                        .headers
                        .iter()
                        .map(|h| (h.name.to_owned(), String::from_utf8_lossy(h.value).trim().to_owned()))
                        .collect();
                    return Call::new(stream, reader, method, &target, headers);
                }
                Ok(httparse::Status::Partial) => {
                    reader.consume(take);
                    if head.len() > MAX_HEAD {
                        let answer = Answer::error(431, "the request head is too large");
                        return Err((stream, Refused::Answer(answer)));
                    }
                }
                Err(httparse::Error::TooManyHeaders) => {
                    let answer = Answer::error(431, "the request has too many headers");
                    return Err((stream, Refused::Answer(answer)));
                }
                Err(_) => return Err((stream, Refused::Answer(Answer::error(400, "not an HTTP request")))),
            }
        }
    }

    fn new(
        stream: TcpStream,
        reader: BufReader<TcpStream>,
        method: String,
        target: &str,
        headers: Vec<(String, String)>,
    ) -> Result<Call, (TcpStream, Refused)> {
        let find = |name: &str| {
            headers
                .iter()
                .filter(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
                .collect::<Vec<_>>()
        };
        // One length, given as digits; no other way of sending a body (the page never uses one).
        if !find("Transfer-Encoding").is_empty() {
            return Err((
                stream,
                Refused::Answer(Answer::error(411, "send the body with a Content-Length")),
            ));
        }
        let lengths = find("Content-Length");
        let length = match lengths.as_slice() {
            [] => None,
            [one] if !one.is_empty() && one.bytes().all(|b| b.is_ascii_digit()) => one.parse::<u64>().ok(),
            _ => {
                return Err((
                    stream,
                    Refused::Answer(Answer::error(400, "the Content-Length cannot be read")),
                ));
            }
        };
        let _ = stream.set_read_timeout(Some(READ_TIME));
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let query = query
            .split('&')
            .filter(|kv| !kv.is_empty())
            .map(|kv| {
                let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                (decode(k), decode(v))
            })
            .collect();
        let body: Box<dyn Read + Send> = Box::new(reader.take(length.unwrap_or(0)));
        Ok(Call {
            stream: Some(stream),
            method,
            path: decode(path),
            query,
            headers,
            length,
            body,
        })
    }

    pub fn method(&self) -> &str {
        &self.method
    }

    pub fn path(&self) -> &str {
        &self.path
    }

    /// A query parameter.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// A header's value, by name in any case; `None` when it is missing or given twice.
    pub fn header(&self, name: &str) -> Option<String> {
        let mut found = self.headers.iter().filter(|(k, _)| k.eq_ignore_ascii_case(name));
        let first = found.next()?;
        found.next().is_none().then(|| first.1.clone())
    }

    /// The length the request says its body has.
    pub fn body_length(&self) -> Option<u64> {
        self.length
    }

    /// The request's body, as a stream.
    pub fn body(&mut self) -> &mut dyn Read {
        &mut self.body
    }

    /// The body read whole, for small JSON requests (at most `max` bytes).
    pub fn small_body(&mut self, max: u64) -> Result<Vec<u8>, Answer> {
        if self.length.is_some_and(|n| n > max) {
            return Err(Answer::error(413, "the request is too large"));
        }
        let mut body = Vec::new();
        self.body()
            .take(max + 1)
            .read_to_end(&mut body)
            .map_err(|e| Answer::error(400, &format!("the request could not be read ({e})")))?;
        if body.len() as u64 > max {
            return Err(Answer::error(413, "the request is too large"));
        }
        Ok(body)
    }

    /// Sends `answer` with the headers every answer carries, and closes the connection.
    pub fn answer(&mut self, answer: Answer) {
        if let Some(stream) = self.stream.take() {
            send(stream, answer);
        }
    }
}

/// Writes `answer` on `stream` and closes it (what the client did not send of its body is not
/// waited for).
pub fn send(mut stream: TcpStream, answer: Answer) {
    let reason = match answer.status {
        200 => "OK",
        303 => "See Other",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Content",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        _ => "Error",
    };
    let (length, file) = match &answer.body {
        Body::Bytes(b) => (b.len() as u64, None),
        Body::File(path) => match std::fs::File::open(path) {
            Ok(f) => (f.metadata().map(|m| m.len()).unwrap_or(0), Some(f)),
            Err(_) => {
                send(stream, Answer::error(410, "that file is gone"));
                return;
            }
        },
    };
    let mut head = format!("HTTP/1.1 {} {reason}\r\n", answer.status);
    for (k, v) in [
        ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "no-referrer"),
        ("Cache-Control", "no-store"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
        ("Cross-Origin-Resource-Policy", "same-origin"),
        ("Connection", "close"),
    ] {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str(&format!("Content-Type: {}\r\n", answer.content_type));
    head.push_str(&format!("Content-Length: {length}\r\n"));
    for (k, v) in &answer.headers {
        // Values are made here; a line break in one would start another header.
        if !v.contains(['\r', '\n']) {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
    }
    head.push_str("\r\n");
    let _ = stream.write_all(head.as_bytes());
    let _ = match (answer.body, file) {
        (Body::Bytes(b), _) => stream.write_all(&b),
        (Body::File(_), Some(mut f)) => std::io::copy(&mut f, &mut stream).map(|_| ()),
        (Body::File(_), None) => Ok(()),
    };
    let _ = stream.flush();
    let _ = stream.shutdown(std::net::Shutdown::Write);
}

/// `%XX` and `+` decoded, as browsers encode query strings.
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// What an answer carries.
pub enum Body {
    Bytes(Vec<u8>),
    File(PathBuf),
}

pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub headers: Vec<(&'static str, String)>,
    pub body: Body,
}

impl Answer {
    pub fn bytes(content_type: &str, body: Vec<u8>) -> Answer {
        Answer {
            status: 200,
            content_type: content_type.to_owned(),
            headers: Vec::new(),
            body: Body::Bytes(body),
        }
    }

    pub fn html(text: &str) -> Answer {
        Answer::bytes("text/html; charset=utf-8", text.as_bytes().to_vec())
    }

    pub fn json(value: &serde_json::Value) -> Answer {
        Answer::bytes("application/json", value.to_string().into_bytes())
    }

    /// A JSON answer `{"error": message}` with `status`.
    pub fn error(status: u16, message: &str) -> Answer {
        Answer {
            status,
            ..Answer::json(&serde_json::json!({ "error": message }))
        }
    }

    /// A file to save, named `name` for the person.
    pub fn download(path: PathBuf, content_type: &str, name: &str) -> Answer {
        let ascii: String = name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "._- ".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let encoded: String = name
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"._-".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        Answer {
            status: 200,
            content_type: content_type.to_owned(),
            headers: vec![(
                "Content-Disposition",
                format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"),
            )],
            body: Body::File(path),
        }
    }

    /// Sets the cookie that carries the secret from now on (for this port), and sends the
    /// browser on to `/` from a page of this origin. Not a redirect: a browser that came from
    /// elsewhere (`--open`'s launch file is a `file:` page) would treat the redirected request
    /// as cross-site and leave the `SameSite=Strict` cookie out; a refresh from this page is
    /// same-site. The address with the secret leaves the address bar either way.
    pub fn enter_with_cookie(secret: &str, port: u16) -> Answer {
        Answer {
            status: 200,
            content_type: "text/html; charset=utf-8".into(),
            headers: vec![(
                "Set-Cookie",
                format!("{}={secret}; Path=/; HttpOnly; SameSite=Strict", cookie_name(port)),
            )],
            body: Body::Bytes(
                b"<!DOCTYPE html><meta charset=\"utf-8\"><meta http-equiv=\"refresh\" content=\"0; url=/\">\
                  <title>relsync</title><p>Opening relsync\xE2\x80\xA6 <a href=\"/\">continue</a></p>"
                    .to_vec(),
            ),
        }
    }

    /// 403, and nothing else.
    pub fn forbidden() -> Answer {
        Answer {
            status: 403,
            content_type: "text/plain; charset=utf-8".into(),
            headers: Vec::new(),
            body: Body::Bytes(b"forbidden".to_vec()),
        }
    }
}

/// Whether a request may be answered.
pub enum Access {
    Granted,
    /// The first request, with the secret in its URL: set the cookie.
    SetCookie,
}

/// Equal, in time that does not depend on where they differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The checks every request passes: the host it names is this server, it carries the secret
/// (in the first URL or the cookie), and one that changes anything comes from the page.
pub fn access(call: &Call, port: u16, secret: &str) -> Result<Access, Answer> {
    let ours = |host: &str| {
        let host = host.trim();
        host == format!("127.0.0.1:{port}") || host.eq_ignore_ascii_case(&format!("localhost:{port}"))
    };
    if !call.header("Host").is_some_and(|h| ours(&h)) {
        return Err(Answer::forbidden());
    }
    let safe = matches!(call.method(), "GET" | "HEAD");
    if !safe {
        let origin = call.header("Origin").unwrap_or_default();
        let from_page = origin
            .strip_prefix("http://")
            .is_some_and(|host| !host.contains('/') && ours(host));
        if !from_page {
            return Err(Answer::forbidden());
        }
    }
    if safe
        && call.path() == "/"
        && let Some(key) = call.param("key")
    {
        return if same(key, secret) {
            Ok(Access::SetCookie)
        } else {
            Err(Answer::forbidden())
        };
    }
    let name = cookie_name(port);
    let carried = call
        .headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("Cookie"))
        .any(|(_, cookie)| {
            cookie
                .split(';')
                .filter_map(|c| c.trim().split_once('='))
                .any(|(k, v)| k == name && same(v.trim(), secret))
        });
    if carried {
        Ok(Access::Granted)
    } else {
        Err(Answer::forbidden())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_texts_are_decoded() {
        assert_eq!(decode("Eisen%202026.xlsx"), "Eisen 2026.xlsx");
        assert_eq!(decode("a+b%2Bc%"), "a b+c%");
        assert_eq!(decode("%E2%82%AC%zz"), "€%zz");
    }

    #[test]
    fn secrets_compare_whole() {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", "abcd"));
    }
}
