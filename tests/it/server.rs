//! Real servers on 127.0.0.1 for the network tests: an HTTP/1.1 server (plain or TLS, with a
//! certificate from a test CA made here with rcgen) that records every request and answers as
//! the test's handler says, including the faults of a real network; and a CONNECT proxy.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A request as the server received it.
#[derive(Clone, Debug)]
pub struct Request {
    pub method: String,
    pub path: String,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub at: Instant,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What the server does with a request.
pub enum Reply {
    /// Status, extra headers, body.
    Respond(u16, Vec<(&'static str, String)>, String),
    /// Never answer (the connection stays open).
    Hang,
    /// Close the connection without answering.
    Drop,
    /// Write these bytes as they are, then close (a truncated or malformed answer).
    Raw(Vec<u8>),
    /// Answer after a delay.
    After(Duration, Box<Reply>),
    /// Send the headers of a 200 answer of `body`, then the body one byte at a time, `every`
    /// apart (a server that keeps a connection alive without ever finishing).
    Trickle(Duration, String),
}

impl Reply {
    pub fn json(status: u16, body: &str) -> Reply {
        Reply::Respond(status, vec![("Content-Type", "application/json".into())], body.into())
    }
}

type Handler = dyn Fn(&Request, &[Request]) -> Reply + Send + Sync;

pub struct Server {
    pub addr: SocketAddr,
    /// `http://127.0.0.1:PORT`, or `https://HOST:PORT` for a TLS server.
    base: String,
    requests: Arc<Mutex<Vec<Request>>>,
}

/// A connection the server can read a request from and answer on.
trait Conn: Read + Write + Send {}
impl<T: Read + Write + Send> Conn for T {}

impl Server {
    /// Starts a plain HTTP server; `handler` gets each request and the ones before it.
    pub fn start(handler: impl Fn(&Request, &[Request]) -> Reply + Send + Sync + 'static) -> Server {
        Server::serve(None, "127.0.0.1", handler)
    }

    /// Starts an HTTPS server with `tls`; its URLs name `host` (which the client must reach as
    /// 127.0.0.1: `localhost`, or a name a proxy resolves).
    pub fn start_tls(
        tls: Arc<rustls::ServerConfig>,
        host: &str,
        handler: impl Fn(&Request, &[Request]) -> Reply + Send + Sync + 'static,
    ) -> Server {
        Server::serve(Some(tls), host, handler)
    }

    fn serve(
        tls: Option<Arc<rustls::ServerConfig>>,
        host: &str,
        handler: impl Fn(&Request, &[Request]) -> Reply + Send + Sync + 'static,
    ) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let addr = listener.local_addr().expect("address");
        let scheme = if tls.is_some() { "https" } else { "http" };
        let base = format!("{scheme}://{host}:{}", addr.port());
        let requests: Arc<Mutex<Vec<Request>>> = Arc::default();
        let seen = Arc::clone(&requests);
        let handler: Arc<Handler> = Arc::new(handler);
        std::thread::spawn(move || {
            let mut hung: Vec<Box<dyn Conn>> = Vec::new();
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
                let mut conn: Box<dyn Conn> = match &tls {
                    None => Box::new(stream),
                    Some(config) => {
                        let Ok(server) = rustls::ServerConnection::new(Arc::clone(config)) else {
                            continue;
                        };
                        Box::new(rustls::StreamOwned::new(server, stream))
                    }
                };
                // A client that refuses the certificate ends here, during the handshake.
                let Some(request) = read_request(&mut conn) else {
                    continue;
                };
                let earlier = seen.lock().unwrap().clone();
                seen.lock().unwrap().push(request.clone());
                let mut reply = handler(&request, &earlier);
                while let Reply::After(wait, then) = reply {
                    std::thread::sleep(wait);
                    reply = *then;
                }
                match reply {
                    Reply::Respond(status, headers, body) => respond(&mut conn, status, &headers, &body),
                    Reply::Raw(bytes) => {
                        let _ = conn.write_all(&bytes);
                        let _ = conn.flush();
                    }
                    Reply::Hang => hung.push(conn),
                    Reply::Trickle(every, body) => {
                        let head = format!(
                            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                            body.len()
                        );
                        let mut sent = conn.write_all(head.as_bytes()).and_then(|()| conn.flush());
                        for byte in body.as_bytes() {
                            if sent.is_err() {
                                break;
                            }
                            std::thread::sleep(every);
                            sent = conn.write_all(&[*byte]).and_then(|()| conn.flush());
                        }
                    }
                    Reply::Drop | Reply::After(..) => drop(conn),
                }
            }
        });
        Server { addr, base, requests }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }

    pub fn requests_to(&self, path: &str) -> Vec<Request> {
        self.requests().into_iter().filter(|r| r.path == path).collect()
    }
}

fn read_request(conn: &mut Box<dyn Conn>) -> Option<Request> {
    let mut reader = BufReader::new(conn);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let path = parts.next()?.to_owned();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (name, value) = h.split_once(':')?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
    let find = |name: &str| headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
    let mut body = Vec::new();
    if let Some(len) = find("content-length") {
        let len: usize = len.parse().ok()?;
        body.resize(len, 0);
        reader.read_exact(&mut body).ok()?;
    } else if find("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).ok()?;
            let size = usize::from_str_radix(size.trim(), 16).ok()?;
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk).ok()?;
            if size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    }
    Some(Request {
        method,
        path,
        headers,
        body,
        at: Instant::now(),
    })
}

fn respond(conn: &mut Box<dyn Conn>, status: u16, headers: &[(&str, String)], body: &str) {
    let mut out = format!(
        "HTTP/1.1 {status} Status\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str("\r\n");
    out.push_str(body);
    let _ = conn.write_all(out.as_bytes());
    let _ = conn.flush();
}

/// A port on 127.0.0.1 where nothing listens.
pub fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("address").port()
}

/// Test certificates: a CA, and server certificates it signs.
pub struct TestCa {
    issuer: rcgen::CertifiedIssuer<'static, rcgen::KeyPair>,
}

impl TestCa {
    pub fn new(name: &str) -> TestCa {
        use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
        params.distinguished_name.push(DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let issuer = rcgen::CertifiedIssuer::self_signed(params, KeyPair::generate().expect("key")).expect("CA");
        TestCa { issuer }
    }

    /// Writes the CA certificate as PEM (for `SSL_CERT_FILE`).
    pub fn write_pem(&self, path: &Path) {
        std::fs::write(path, self.issuer.pem()).expect("write CA");
    }

    /// A server configuration with a certificate for `names`, expired if asked.
    pub fn server(&self, names: &[&str], expired: bool) -> Arc<rustls::ServerConfig> {
        let mut params =
            rcgen::CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>()).expect("params");
        if expired {
            params.not_before = rcgen::date_time_ymd(2020, 1, 1);
            params.not_after = rcgen::date_time_ymd(2021, 1, 1);
        }
        let key = rcgen::KeyPair::generate().expect("key");
        let cert = params.signed_by(&key, &self.issuer).expect("sign");
        let chain = vec![cert.der().clone(), self.issuer.der().clone()];
        let key = rustls::pki_types::PrivateKeyDer::from(key);
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("protocols")
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .expect("server config");
        Arc::new(config)
    }
}

/// A CONNECT proxy on 127.0.0.1 that resolves the fake host `relatics.test` to 127.0.0.1 itself,
/// and records each CONNECT target and whether it came with proxy credentials.
pub struct Proxy {
    pub port: u16,
    seen: Arc<Mutex<Vec<(String, bool)>>>,
}

impl Proxy {
    pub fn start() -> Proxy {
        Proxy::serve(false)
    }

    /// A proxy that answers every CONNECT with 407, whatever credentials came with it.
    pub fn start_refusing() -> Proxy {
        Proxy::serve(true)
    }

    fn serve(refuse: bool) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("address").port();
        let seen: Arc<Mutex<Vec<(String, bool)>>> = Arc::default();
        let record = Arc::clone(&seen);
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let record = Arc::clone(&record);
                std::thread::spawn(move || {
                    let _ = tunnel(client, &record, refuse);
                });
            }
        });
        Proxy { port, seen }
    }

    /// CONNECT targets so far, with whether `Proxy-Authorization` was sent.
    pub fn connects(&self) -> Vec<(String, bool)> {
        self.seen.lock().unwrap().clone()
    }
}

fn tunnel(client: TcpStream, seen: &Mutex<Vec<(String, bool)>>, refuse: bool) -> io::Result<()> {
    let mut reader = BufReader::new(client.try_clone()?);
    let mut request = String::new();
    reader.read_line(&mut request)?;
    let mut authorized = false;
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" {
            break;
        }
        authorized |= line.to_ascii_lowercase().starts_with("proxy-authorization:");
    }
    let mut parts = request.split_whitespace();
    let (Some("CONNECT"), Some(target)) = (parts.next(), parts.next()) else {
        return (&client).write_all(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n");
    };
    seen.lock().unwrap().push((target.to_owned(), authorized));
    if refuse {
        return (&client).write_all(
            b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"corp\"\r\n\
              Content-Length: 0\r\n\r\n",
        );
    }
    let (host, port) = target.rsplit_once(':').unwrap_or((target, "443"));
    let host = if host == "relatics.test" { "127.0.0.1" } else { host };
    let upstream = TcpStream::connect((host, port.parse::<u16>().unwrap_or(443)))?;
    (&client).write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")?;
    (&upstream).write_all(reader.buffer())?;
    let (c2, u2) = (client.try_clone()?, upstream.try_clone()?);
    let back = std::thread::spawn(move || {
        let _ = io::copy(&mut &u2, &mut &c2);
        let _ = c2.shutdown(Shutdown::Write);
    });
    let _ = io::copy(&mut &client, &mut &upstream);
    let _ = upstream.shutdown(Shutdown::Write);
    let _ = back.join();
    Ok(())
}
