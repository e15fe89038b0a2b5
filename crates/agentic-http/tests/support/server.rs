//! A scripted loopback HTTP/1.1 server for transport and driver tests.
//!
//! Include it with `#[path = "support/server.rs"] mod server;` (or `pub mod server;` from a
//! `support/mod.rs`).
//!
//! ```ignore
//! let server = TestServer::http();                       // or TestServer::https(&pki)
//! server.push(Reply::json(200, r#"{"ok":true}"#).header("x-request-id", "r1"));
//! server.push(Action::Hang);                             // next request: no answer
//! let url = server.url("/txns");                         // http://127.0.0.1:PORT/txns
//! // … send requests …
//! assert_eq!(server.connections(), 1);                   // TCP connections accepted
//! let seen = server.requests();                          // every request, in order
//! assert_eq!(seen[0].header("authorization"), Some("Basic …"));
//! ```
//!
//! * Listens on `127.0.0.1:0`; one thread per connection; keep-alive (several requests per
//!   connection) unless a reply carries `connection: close`.
//! * Every complete request (method, path with query, headers in order with lowercase names,
//!   body) is recorded *before* the scripted action runs, so a test can inspect it even when
//!   the client got an error.
//! * Each request takes the next [`Action`] of the script (FIFO, shared by all connections);
//!   when the script is empty the fallback answers (default: `500` with body
//!   `unscripted request`; see [`TestServer::set_fallback`]).
//! * Request bodies are read by `content-length` or `transfer-encoding: chunked`.
//! * TLS: [`Pki::generate`] makes a CA and a separate leaf for `localhost` and `127.0.0.1`; give
//!   the client [`Pki::ca_pem`] as its root. A client that rejects the certificate never
//!   produces a recorded request (the connection is still counted).
//! * Dropping the server stops every thread within ~50 ms (hanging connections are closed).
//!
//! [`SilentServer`] accepts TCP connections and never reads or writes: a TLS client stalls in
//! its handshake, an HTTP client waits for a response.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// How often blocked server threads look at the stop flag.
const POLL: Duration = Duration::from_millis(20);

/// An HTTP response to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// Status code.
    pub status: u16,
    /// Headers (`content-length` is added, unless they say `transfer-encoding: chunked`: then
    /// the body is sent in chunks of 4096 bytes).
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Vec<u8>,
}

impl Reply {
    /// A reply with this status, no headers and an empty body.
    pub fn new(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// A reply with `content-type: application/json` and this body.
    pub fn json(status: u16, body: &str) -> Self {
        Self::new(status)
            .header("content-type", "application/json")
            .body(body)
    }

    /// A redirect (`301`, `302`, `307` …) to `location`.
    pub fn redirect(status: u16, location: &str) -> Self {
        Self::new(status).header("location", location)
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }
}

/// What the server does with one request (after recording it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Send this reply.
    Reply(Reply),
    /// Wait, then send this reply.
    Delay(Duration, Reply),
    /// Close the connection without answering.
    Close,
    /// Never answer; keep the connection open until the server is dropped.
    Hang,
}

impl From<Reply> for Action {
    fn from(reply: Reply) -> Self {
        Self::Reply(reply)
    }
}

/// A request as the server received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    /// Which accepted connection carried it (1 = the first).
    pub connection: usize,
    /// `GET`, `POST` …
    pub method: String,
    /// Path and query, as sent.
    pub path: String,
    /// Headers in order, names lowercased, values as sent.
    pub headers: Vec<(String, String)>,
    /// Body (de-chunked).
    pub body: Vec<u8>,
}

impl Recorded {
    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every header named `name` (case-insensitive), in order.
    pub fn headers_named(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// A test CA and a leaf certificate for `localhost` / `127.0.0.1` signed by it.
#[derive(Debug)]
pub struct Pki {
    ca_pem: String,
    leaf_pem: String,
    leaf_der: CertificateDer<'static>,
    leaf_key_der: Vec<u8>,
    leaf_key_pem: String,
}

impl Pki {
    /// Generates a fresh CA (`CA:TRUE`) and a leaf (`CA:FALSE`, serverAuth) for `localhost`
    /// and `127.0.0.1`.
    pub fn generate() -> Self {
        Self::generate_for(&["localhost", "127.0.0.1"])
    }

    /// As [`Pki::generate`], with a leaf for `names` (host names or IP addresses).
    pub fn generate_for(names: &[&str]) -> Self {
        let ca_key = KeyPair::generate().expect("CA key");
        let mut ca = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name
            .push(DnType::CommonName, "agentic test CA");
        ca.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca_cert = ca.self_signed(&ca_key).expect("CA certificate");

        let leaf_key = KeyPair::generate().expect("leaf key");
        let mut leaf =
            CertificateParams::new(names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>())
                .expect("leaf params");
        leaf.is_ca = IsCa::ExplicitNoCa;
        leaf.distinguished_name
            .push(DnType::CommonName, "localhost");
        leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let leaf_cert = leaf
            .signed_by(&leaf_key, &ca_cert, &ca_key)
            .expect("leaf certificate");

        Self {
            ca_pem: ca_cert.pem(),
            leaf_pem: leaf_cert.pem(),
            leaf_der: leaf_cert.der().clone(),
            leaf_key_der: leaf_key.serialize_der(),
            leaf_key_pem: leaf_key.serialize_pem(),
        }
    }

    /// The CA certificate, PEM: the client's root.
    pub fn ca_pem(&self) -> Vec<u8> {
        self.ca_pem.as_bytes().to_vec()
    }

    /// The leaf certificate and its private key, PEM: for a server other than [`TestServer`].
    pub fn leaf_pems(&self) -> (&str, &str) {
        (&self.leaf_pem, &self.leaf_key_pem)
    }

    fn server_config(&self) -> Arc<rustls::ServerConfig> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.leaf_key_der.clone()));
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("protocol versions")
            .with_no_client_auth()
            .with_single_cert(vec![self.leaf_der.clone()], key)
            .expect("server certificate");
        Arc::new(config)
    }
}

#[derive(Debug)]
struct Shared {
    script: Mutex<VecDeque<Action>>,
    fallback: Mutex<Action>,
    requests: Mutex<Vec<Recorded>>,
    connections: AtomicUsize,
    stop: AtomicBool,
    workers: Mutex<Vec<JoinHandle<()>>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The scripted server; see the module documentation.
#[derive(Debug)]
pub struct TestServer {
    addr: SocketAddr,
    scheme: &'static str,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

impl TestServer {
    /// A plain HTTP server on `127.0.0.1`.
    pub fn http() -> Self {
        Self::start(None)
    }

    /// An HTTPS server on `127.0.0.1` presenting `pki`'s leaf.
    pub fn https(pki: &Pki) -> Self {
        Self::start(Some(pki.server_config()))
    }

    fn start(tls: Option<Arc<rustls::ServerConfig>>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let shared = Arc::new(Shared {
            script: Mutex::new(VecDeque::new()),
            fallback: Mutex::new(Action::Reply(Reply::new(500).body("unscripted request"))),
            requests: Mutex::new(Vec::new()),
            connections: AtomicUsize::new(0),
            stop: AtomicBool::new(false),
            workers: Mutex::new(Vec::new()),
        });
        let scheme = if tls.is_some() { "https" } else { "http" };
        let acceptor = {
            let shared = Arc::clone(&shared);
            thread::spawn(move || accept_loop(&listener, &shared, tls.as_ref()))
        };
        Self {
            addr,
            scheme,
            shared,
            acceptor: Some(acceptor),
        }
    }

    /// Appends an action to the script.
    pub fn push(&self, action: impl Into<Action>) -> &Self {
        lock(&self.shared.script).push_back(action.into());
        self
    }

    /// What answers once the script is exhausted (default: `500`, `unscripted request`).
    pub fn set_fallback(&self, action: impl Into<Action>) -> &Self {
        *lock(&self.shared.fallback) = action.into();
        self
    }

    /// `http(s)://127.0.0.1:PORT` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}://127.0.0.1:{}{}", self.scheme, self.addr.port(), path)
    }

    /// The listening address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// TCP connections accepted so far.
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<Recorded> {
        lock(&self.shared.requests).clone()
    }

    /// Scripted actions not consumed yet.
    pub fn remaining(&self) -> usize {
        lock(&self.shared.script).len()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wake the blocking accept.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200));
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
        let workers = std::mem::take(&mut *lock(&self.shared.workers));
        for worker in workers {
            let _ = worker.join();
        }
    }
}

fn accept_loop(
    listener: &TcpListener,
    shared: &Arc<Shared>,
    tls: Option<&Arc<rustls::ServerConfig>>,
) {
    for stream in listener.incoming() {
        if shared.stop.load(Ordering::SeqCst) {
            return;
        }
        let Ok(stream) = stream else { continue };
        let connection = shared.connections.fetch_add(1, Ordering::SeqCst) + 1;
        let shared_for_worker = Arc::clone(shared);
        let tls = tls.cloned();
        let worker = thread::spawn(move || {
            let _ = serve_connection(stream, connection, &shared_for_worker, tls);
        });
        lock(&shared.workers).push(worker);
    }
}

fn serve_connection(
    stream: TcpStream,
    connection: usize,
    shared: &Shared,
    tls: Option<Arc<rustls::ServerConfig>>,
) -> io::Result<()> {
    stream.set_read_timeout(Some(POLL))?;
    stream.set_write_timeout(Some(Duration::from_secs(2)))?;
    stream.set_nodelay(true)?;
    match tls {
        None => serve(stream, connection, shared),
        Some(config) => {
            let session = rustls::ServerConnection::new(config).map_err(io::Error::other)?;
            serve(
                rustls::StreamOwned::new(session, stream),
                connection,
                shared,
            )
        }
    }
}

/// Serves requests on one connection until it closes, an action closes it, or the server stops.
fn serve<S: Read + Write>(mut stream: S, connection: usize, shared: &Shared) -> io::Result<()> {
    let mut buffer = Vec::new();
    loop {
        let Some(request) = read_request(&mut stream, &mut buffer, connection, shared)? else {
            return Ok(());
        };
        lock(&shared.requests).push(request);
        let action = lock(&shared.script)
            .pop_front()
            .unwrap_or_else(|| lock(&shared.fallback).clone());
        match action {
            Action::Reply(reply) => {
                if !write_reply(&mut stream, &reply)? {
                    return Ok(());
                }
            }
            Action::Delay(delay, reply) => {
                if !sleep_unless_stopped(delay, shared) || !write_reply(&mut stream, &reply)? {
                    return Ok(());
                }
            }
            Action::Close => return Ok(()),
            Action::Hang => {
                while !shared.stop.load(Ordering::SeqCst) {
                    thread::sleep(POLL);
                }
                return Ok(());
            }
        }
    }
}

/// Sleeps `delay`; false when the server stopped meanwhile.
fn sleep_unless_stopped(delay: Duration, shared: &Shared) -> bool {
    let end = Instant::now() + delay;
    loop {
        if shared.stop.load(Ordering::SeqCst) {
            return false;
        }
        let now = Instant::now();
        if now >= end {
            return true;
        }
        thread::sleep(POLL.min(end - now));
    }
}

/// Writes a reply; false when the connection must close afterwards.
fn write_reply<S: Write>(stream: &mut S, reply: &Reply) -> io::Result<bool> {
    let mut head = format!("HTTP/1.1 {} {}\r\n", reply.status, reason(reply.status));
    let mut keep_alive = true;
    for (name, value) in &reply.headers {
        if name.eq_ignore_ascii_case("connection") && value.eq_ignore_ascii_case("close") {
            keep_alive = false;
        }
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    let chunked = reply.headers.iter().any(|(name, value)| {
        name.eq_ignore_ascii_case("transfer-encoding") && value.eq_ignore_ascii_case("chunked")
    });
    if !chunked {
        head.push_str(&format!("content-length: {}\r\n", reply.body.len()));
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    if chunked {
        // Chunks of up to 4096 bytes, then the last (empty) chunk.
        for chunk in reply.body.chunks(4096) {
            bytes.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
            bytes.extend_from_slice(chunk);
            bytes.extend_from_slice(b"\r\n");
        }
        bytes.extend_from_slice(b"0\r\n\r\n");
    } else {
        bytes.extend_from_slice(&reply.body);
    }
    stream.write_all(&bytes)?;
    stream.flush()?;
    Ok(keep_alive)
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        409 => "Conflict",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

/// Reads more bytes into `buffer`; `Ok(false)` at end of stream or when the server stops.
fn fill<S: Read>(stream: &mut S, buffer: &mut Vec<u8>, shared: &Shared) -> io::Result<bool> {
    let mut chunk = [0_u8; 4096];
    loop {
        if shared.stop.load(Ordering::SeqCst) {
            return Ok(false);
        }
        match stream.read(&mut chunk) {
            Ok(0) => return Ok(false),
            Ok(n) => {
                buffer.extend_from_slice(&chunk[..n]);
                return Ok(true);
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock
                        | io::ErrorKind::TimedOut
                        | io::ErrorKind::Interrupted
                ) => {}
            Err(e) => return Err(e),
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Takes `n` bytes from `buffer`, reading more as needed; `None` if the stream ends first.
fn take<S: Read>(
    stream: &mut S,
    buffer: &mut Vec<u8>,
    n: usize,
    shared: &Shared,
) -> io::Result<Option<Vec<u8>>> {
    while buffer.len() < n {
        if !fill(stream, buffer, shared)? {
            return Ok(None);
        }
    }
    Ok(Some(buffer.drain(..n).collect()))
}

/// Takes one CRLF-terminated line (without the CRLF).
fn take_line<S: Read>(
    stream: &mut S,
    buffer: &mut Vec<u8>,
    shared: &Shared,
) -> io::Result<Option<Vec<u8>>> {
    loop {
        if let Some(end) = find(buffer, b"\r\n") {
            let line: Vec<u8> = buffer.drain(..end + 2).take(end).collect();
            return Ok(Some(line));
        }
        if !fill(stream, buffer, shared)? {
            return Ok(None);
        }
    }
}

/// Reads one complete request; `None` when the connection ends cleanly first.
fn read_request<S: Read>(
    stream: &mut S,
    buffer: &mut Vec<u8>,
    connection: usize,
    shared: &Shared,
) -> io::Result<Option<Recorded>> {
    let head_end = loop {
        if let Some(end) = find(buffer, b"\r\n\r\n") {
            break end;
        }
        if !fill(stream, buffer, shared)? {
            return Ok(None);
        }
    };
    let head: Vec<u8> = buffer.drain(..head_end + 4).collect();
    let head = String::from_utf8_lossy(&head[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next().unwrap_or_default().split(' ');
    let method = request_line.next().unwrap_or_default().to_owned();
    let path = request_line.next().unwrap_or_default().to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };

    let body = if header("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        let mut body = Vec::new();
        loop {
            let Some(size_line) = take_line(stream, buffer, shared)? else {
                return Ok(None);
            };
            let size_text = String::from_utf8_lossy(&size_line);
            let size_hex = size_text.split(';').next().unwrap_or_default().trim();
            let size = usize::from_str_radix(size_hex, 16)
                .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "bad chunk size"))?;
            if size == 0 {
                // Trailers until an empty line.
                loop {
                    match take_line(stream, buffer, shared)? {
                        Some(line) if line.is_empty() => break,
                        Some(_) => {}
                        None => return Ok(None),
                    }
                }
                break body;
            }
            let Some(chunk) = take(stream, buffer, size + 2, shared)? else {
                return Ok(None);
            };
            body.extend_from_slice(&chunk[..size]);
        }
    } else {
        let length = header("content-length")
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(0);
        let Some(body) = take(stream, buffer, length, shared)? else {
            return Ok(None);
        };
        body
    };
    Ok(Some(Recorded {
        connection,
        method,
        path,
        headers,
        body,
    }))
}

/// Accepts TCP connections and never reads or writes on them.
#[derive(Debug)]
pub struct SilentServer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    acceptor: Option<JoinHandle<()>>,
}

impl SilentServer {
    /// Starts listening on `127.0.0.1:0`.
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let stop = Arc::new(AtomicBool::new(false));
        let acceptor = {
            let stop = Arc::clone(&stop);
            thread::spawn(move || {
                let mut held = Vec::new();
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        return;
                    }
                    if let Ok(stream) = stream {
                        held.push(stream);
                    }
                }
            })
        };
        Self {
            addr,
            stop,
            acceptor: Some(acceptor),
        }
    }

    /// `scheme://127.0.0.1:PORT` + `path`.
    pub fn url(&self, scheme: &str, path: &str) -> String {
        format!("{scheme}://127.0.0.1:{}{path}", self.addr.port())
    }
}

impl Drop for SilentServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200));
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

/// A `http://127.0.0.1:PORT/` URL on which nothing listens (connections are refused).
pub fn closed_port_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let port = listener.local_addr().expect("local address").port();
    drop(listener);
    format!("http://127.0.0.1:{port}/")
}
