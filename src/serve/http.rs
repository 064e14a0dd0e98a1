//! The HTTP side of the page: who may ask (the run's secret, the host, the origin), and
//! answers with the headers every one of them carries.

use std::io::Read;
use std::path::PathBuf;

/// The cookie that carries the run's secret after the first request.
const COOKIE: &str = "relsync_key";

/// What the browser may do with a page: its own script and style, nothing from elsewhere, no
/// frames, no forms sent anywhere.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
     connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

/// One request and what is known of it.
pub struct Call {
    request: Option<tiny_http::Request>,
    method: String,
    path: String,
    query: Vec<(String, String)>,
}

impl Call {
    pub fn new(request: tiny_http::Request) -> Call {
        let method = request.method().as_str().to_ascii_uppercase();
        let (path, query) = match request.url().split_once('?') {
            Some((p, q)) => (p.to_owned(), q.to_owned()),
            None => (request.url().to_owned(), String::new()),
        };
        let query = query
            .split('&')
            .filter(|kv| !kv.is_empty())
            .map(|kv| {
                let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                (decode(k), decode(v))
            })
            .collect();
        Call {
            request: Some(request),
            method,
            path: decode(&path),
            query,
        }
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

    /// A header's value (the first), by name in any case.
    pub fn header(&self, name: &str) -> Option<String> {
        self.request.as_ref()?.headers().iter().find_map(|h| {
            h.field
                .as_str()
                .as_str()
                .eq_ignore_ascii_case(name)
                .then(|| h.value.as_str().to_owned())
        })
    }

    /// The length the request says its body has.
    pub fn body_length(&self) -> Option<usize> {
        self.request.as_ref()?.body_length()
    }

    /// The request's body, as a stream.
    pub fn body(&mut self) -> &mut dyn Read {
        match &mut self.request {
            Some(r) => r.as_reader(),
            None => unreachable!("a call is answered once, at the end"),
        }
    }

    /// The body read whole, for small JSON requests (at most `max` bytes).
    pub fn small_body(&mut self, max: u64) -> Result<Vec<u8>, Answer> {
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

    /// Sends `answer` with the headers every answer carries.
    pub fn answer(&mut self, answer: Answer) {
        let Some(request) = self.request.take() else { return };
        let mut headers = vec![
            ("Content-Security-Policy", CONTENT_SECURITY_POLICY.to_owned()),
            ("X-Content-Type-Options", "nosniff".to_owned()),
            ("X-Frame-Options", "DENY".to_owned()),
            ("Referrer-Policy", "no-referrer".to_owned()),
            ("Cache-Control", "no-store".to_owned()),
            ("Cross-Origin-Opener-Policy", "same-origin".to_owned()),
            ("Cross-Origin-Resource-Policy", "same-origin".to_owned()),
            ("Content-Type", answer.content_type.clone()),
        ];
        headers.extend(answer.headers.iter().map(|(k, v)| (*k, v.clone())));
        let header = |(k, v): (&str, String)| tiny_http::Header::from_bytes(k.as_bytes(), v.as_bytes()).ok();
        let status = tiny_http::StatusCode(answer.status);
        let _ = match answer.body {
            Body::Bytes(bytes) => {
                let mut response = tiny_http::Response::from_data(bytes).with_status_code(status);
                for h in headers.into_iter().filter_map(header) {
                    response.add_header(h);
                }
                request.respond(response)
            }
            Body::File(path) => match std::fs::File::open(&path) {
                Ok(file) => {
                    let mut response = tiny_http::Response::from_file(file).with_status_code(status);
                    for h in headers.into_iter().filter_map(header) {
                        response.add_header(h);
                    }
                    request.respond(response)
                }
                Err(_) => request.respond(tiny_http::Response::from_string("gone").with_status_code(410)),
            },
        };
    }
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

    /// To `location`, setting the cookie that carries the secret from now on.
    pub fn redirect_with_cookie(location: &str, secret: &str) -> Answer {
        Answer {
            status: 303,
            content_type: "text/plain; charset=utf-8".into(),
            headers: vec![
                ("Location", location.to_owned()),
                (
                    "Set-Cookie",
                    format!("{COOKIE}={secret}; Path=/; HttpOnly; SameSite=Strict"),
                ),
            ],
            body: Body::Bytes(b"see /".to_vec()),
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
    let cookie = call.header("Cookie").unwrap_or_default();
    let carried = cookie
        .split(';')
        .filter_map(|c| c.trim().split_once('='))
        .any(|(k, v)| k == COOKIE && same(v.trim(), secret));
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
