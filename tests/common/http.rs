//! A small HTTP/1.1 server on 127.0.0.1 that stands in for AWS Security Hub, AWS Backup and
//! Splunk in tests and benches. It records exactly what each client sent and can misbehave on
//! purpose: slow, truncated, endless or silent replies. std only, one thread per connection.
//!
//! Tests use it as `mod common;` then `common::http::…`; benches as
//! `#[path = "../tests/common/http.rs"] mod http;`, so it depends on nothing else in
//! `tests/common`.
#![allow(dead_code)]

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// The most of a request body that is recorded; the rest is read and dropped.
pub const MAX_RECORDED_BODY: usize = 16 << 20;
/// Longest request line, header line or chunk-size line accepted.
const MAX_LINE: usize = 64 << 10;
const MAX_HEADERS: usize = 256;
/// Size of the pattern block a `Huge` reply repeats.
const HUGE_BLOCK: usize = 64 << 10;

/// One request as the client sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    /// The request target up to `?`, as sent (not percent-decoded).
    pub path: String,
    /// Percent-decoded, `+` as space, in the order sent.
    pub query: Vec<(String, String)>,
    /// Names lowercased, values trimmed, in the order sent.
    pub headers: Vec<(String, String)>,
    /// De-chunked when sent chunked; at most [`MAX_RECORDED_BODY`] bytes.
    pub body: Vec<u8>,
}

impl Request {
    /// The first header of that name, case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        find(&self.headers, |k| k.eq_ignore_ascii_case(name))
    }

    /// The first query parameter of that (decoded) name.
    pub fn query_value(&self, name: &str) -> Option<&str> {
        find(&self.query, |k| k == name)
    }

    /// The body parsed as `application/x-www-form-urlencoded`.
    pub fn form(&self) -> Vec<(String, String)> {
        parse_urlencoded(&self.body)
    }

    /// The body as JSON, if it is JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

fn find(pairs: &[(String, String)], key: impl Fn(&str) -> bool) -> Option<&str> {
    pairs.iter().find(|(k, _)| key(k)).map(|(_, v)| v.as_str())
}

/// What the server does with a request. The server writes the framing headers
/// (`Content-Length`, `Transfer-Encoding`) itself; `headers` are sent as given, and a
/// `Connection: close` among them closes the connection after the reply.
#[derive(Debug, Clone)]
pub enum Reply {
    /// A normal response; Content-Length is set from the body (no body is sent to HEAD).
    Full {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// Chunked transfer encoding, each chunk flushed, with `pause` between chunks. Empty
    /// chunks are skipped (an empty chunk would end the body).
    Chunked {
        status: u16,
        headers: Vec<(String, String)>,
        chunks: Vec<Vec<u8>>,
        pause: Duration,
    },
    /// Headers (with the true Content-Length), then the body one byte at a time, each byte
    /// preceded by `per_byte` (a slow server: the body takes `len × per_byte`).
    Trickle {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
        per_byte: Duration,
    },
    /// Declares Content-Length `declared` but sends only `body`, then closes (a truncated
    /// response).
    Truncated {
        status: u16,
        headers: Vec<(String, String)>,
        declared: u64,
        body: Vec<u8>,
    },
    /// A `len`-byte body of repeated `fill` (generated on the fly, never held in memory; an
    /// empty `fill` sends zeros), with Content-Length when `with_length`, chunked otherwise.
    Huge {
        status: u16,
        headers: Vec<(String, String)>,
        len: u64,
        fill: Vec<u8>,
        with_length: bool,
    },
    /// Read the request, then never answer (until the server is dropped).
    Hang,
    /// Close the connection without a response.
    Close,
}

impl Reply {
    /// A full reply with `Content-Type: application/json`.
    pub fn json(status: u16, body: impl Into<Vec<u8>>) -> Reply {
        Reply::text(status, "application/json", body)
    }

    /// A full reply with the given Content-Type.
    pub fn text(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Reply {
        Reply::Full {
            status,
            headers: vec![("Content-Type".to_string(), content_type.to_string())],
            body: body.into(),
        }
    }

    /// Adds a header to any reply that has headers (not `Hang` or `Close`).
    pub fn with_header(mut self, name: &str, value: &str) -> Reply {
        match &mut self {
            Reply::Full { headers, .. }
            | Reply::Chunked { headers, .. }
            | Reply::Trickle { headers, .. }
            | Reply::Truncated { headers, .. }
            | Reply::Huge { headers, .. } => headers.push((name.to_string(), value.to_string())),
            Reply::Hang | Reply::Close => {}
        }
        self
    }
}

type Handler = Box<dyn Fn(&Request) -> Reply + Send + Sync>;

/// State shared by the server handle, the acceptor and the connection threads.
struct Shared {
    handler: Handler,
    log: Mutex<Vec<Request>>,
    logged: Condvar,
    live: Mutex<Live>,
    /// Signalled once, when the server stops.
    stopping: Condvar,
}

/// Open connections (clones, so that stopping can shut them down) and whether we stopped.
struct Live {
    stopped: bool,
    next_id: u64,
    conns: HashMap<u64, TcpStream>,
}

/// A poisoned lock only means a handler panicked; the data is still good.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    /// Sleeps for `d` or until the server stops; true while the server still runs.
    fn pause(&self, d: Duration) -> bool {
        let live = lock(&self.live);
        let (live, _) = self
            .stopping
            .wait_timeout_while(live, d, |l| !l.stopped)
            .unwrap_or_else(PoisonError::into_inner);
        !live.stopped
    }

    fn wait_until_stopped(&self) {
        let live = lock(&self.live);
        drop(
            self.stopping
                .wait_while(live, |l| !l.stopped)
                .unwrap_or_else(PoisonError::into_inner),
        );
    }

    fn record(&self, req: Request) {
        lock(&self.log).push(req);
        self.logged.notify_all();
    }
}

/// A running server; dropping it stops it.
pub struct Server {
    addr: SocketAddr,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

impl Server {
    /// Binds 127.0.0.1 on a free port and answers every request with `handler`.
    pub fn start(handler: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address of the test server");
        let shared = Arc::new(Shared {
            handler: Box::new(handler),
            log: Mutex::new(Vec::new()),
            logged: Condvar::new(),
            live: Mutex::new(Live {
                stopped: false,
                next_id: 0,
                conns: HashMap::new(),
            }),
            stopping: Condvar::new(),
        });
        let acceptor = {
            let shared = Arc::clone(&shared);
            thread::Builder::new()
                .name("http-stub-accept".into())
                .spawn(move || accept_loop(&listener, &shared))
                .expect("spawn the test server's acceptor")
        };
        Server {
            addr,
            shared,
            acceptor: Some(acceptor),
        }
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Every request received so far, in order of arrival.
    pub fn requests(&self) -> Vec<Request> {
        lock(&self.shared.log).clone()
    }

    pub fn request_count(&self) -> usize {
        lock(&self.shared.log).len()
    }

    /// Waits until at least `n` requests arrived; false if `timeout` passed first.
    pub fn wait_for_requests(&self, n: usize, timeout: Duration) -> bool {
        let log = lock(&self.shared.log);
        let (log, _) = self
            .shared
            .logged
            .wait_timeout_while(log, timeout, |log| log.len() < n)
            .unwrap_or_else(PoisonError::into_inner);
        log.len() >= n
    }
}

impl Drop for Server {
    /// Stops accepting and unblocks every connection thread: sleeping ones through the
    /// condvar, reading or writing ones by shutting their sockets down.
    fn drop(&mut self) {
        {
            let mut live = lock(&self.shared.live);
            live.stopped = true;
            for conn in live.conns.values() {
                let _ = conn.shutdown(Shutdown::Both);
            }
        }
        self.shared.stopping.notify_all();
        // Wake the acceptor, which then sees `stopped` and closes the listener. Join it only
        // when the wake-up surely reached it.
        let woke = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1)).is_ok();
        if let Some(acceptor) = self.acceptor.take().filter(|_| woke) {
            let _ = acceptor.join();
        }
    }
}

fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>) {
    for stream in listener.incoming() {
        let Ok(stream) = stream else {
            if lock(&shared.live).stopped {
                return;
            }
            // Out of descriptors or similar: give the system a moment.
            thread::sleep(Duration::from_millis(10));
            continue;
        };
        let id = {
            let mut live = lock(&shared.live);
            if live.stopped {
                return;
            }
            let Ok(clone) = stream.try_clone() else {
                continue;
            };
            live.next_id += 1;
            let id = live.next_id;
            live.conns.insert(id, clone);
            id
        };
        let conn = Conn {
            shared: Arc::clone(shared),
            id,
        };
        let spawned = thread::Builder::new()
            .name("http-stub-conn".into())
            .spawn(move || conn.serve(&stream));
        // On failure the closure, and with it the `Conn`, is dropped: the socket closes.
        drop(spawned);
    }
}

/// One connection's thread; dropping it (even in a panicking handler) forgets the socket.
struct Conn {
    shared: Arc<Shared>,
    id: u64,
}

impl Drop for Conn {
    fn drop(&mut self) {
        lock(&self.shared.live).conns.remove(&self.id);
    }
}

/// Why no request could be read.
enum ReadError {
    /// The client closed or the socket failed: just close.
    Gone,
    /// Not HTTP/1.x as we know it: answer 400 and close.
    Bad,
}

impl Conn {
    fn serve(&self, stream: &TcpStream) {
        let _ = stream.set_nodelay(true);
        let mut reader = BufReader::new(stream);
        loop {
            let (req, http10) = match read_request(&mut reader, stream) {
                Ok(read) => read,
                Err(ReadError::Gone) => break,
                Err(ReadError::Bad) => {
                    let _ = (&*stream).write_all(
                        b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                    );
                    break;
                }
            };
            let client_close = client_wants_close(&req, http10);
            let head_only = req.method.eq_ignore_ascii_case("HEAD");
            self.shared.record(req.clone());
            let reply = (self.shared.handler)(&req);
            let keep_alive = send(&self.shared, stream, reply, head_only, client_close);
            if !keep_alive {
                break;
            }
        }
        let _ = stream.shutdown(Shutdown::Both);
    }
}

/// HTTP/1.1 keeps the connection unless told otherwise; HTTP/1.0 closes unless told otherwise.
fn client_wants_close(req: &Request, http10: bool) -> bool {
    let has = |token: &str| {
        req.header("connection")
            .is_some_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
    };
    has("close") || (http10 && !has("keep-alive"))
}

/// The next request, and whether it was HTTP/1.0.
fn read_request(reader: &mut impl BufRead, stream: &TcpStream) -> Result<(Request, bool), ReadError> {
    // Blank lines between requests are tolerated (RFC 9112 §2.2).
    let line = loop {
        let line = read_line(reader)?;
        if !line.is_empty() {
            break line;
        }
    };
    let mut parts = line.split_whitespace();
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(ReadError::Bad);
    };
    if !version.starts_with("HTTP/1.") {
        return Err(ReadError::Bad);
    }
    let target = origin_form(target);
    let (path, query) = target.split_once('?').unwrap_or((target, ""));

    let mut headers = Vec::new();
    loop {
        let line = read_line(reader)?;
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':').ok_or(ReadError::Bad)?;
        if headers.len() == MAX_HEADERS {
            return Err(ReadError::Bad);
        }
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
    }
    let mut req = Request {
        method: method.to_string(),
        path: path.to_string(),
        query: parse_urlencoded(query.as_bytes()),
        headers,
        body: Vec::new(),
    };

    let chunked = req
        .header("transfer-encoding")
        .is_some_and(|te| te.to_ascii_lowercase().contains("chunked"));
    let length = match req.header("content-length") {
        Some(v) if !chunked => v.parse::<u64>().map_err(|_| ReadError::Bad)?,
        _ => 0,
    };
    let expects_continue = req
        .header("expect")
        .is_some_and(|v| v.eq_ignore_ascii_case("100-continue"));
    if expects_continue && (chunked || length > 0) {
        let _ = (&*stream).write_all(b"HTTP/1.1 100 Continue\r\n\r\n");
    }
    if chunked {
        read_chunked(reader, &mut req.body)?;
    } else {
        read_body(reader, length, &mut req.body)?;
    }
    Ok((req, version == "HTTP/1.0"))
}

/// Strips `http://host` from an absolute-form target (as sent to a proxy).
fn origin_form(target: &str) -> &str {
    let Some((_, rest)) = target.split_once("://") else {
        return target;
    };
    rest.find(['/', '?']).map_or("/", |i| &rest[i..])
}

/// One line without its CRLF (or bare LF).
fn read_line(reader: &mut impl BufRead) -> Result<String, ReadError> {
    let mut buf = Vec::new();
    let n = (&mut *reader)
        .take(MAX_LINE as u64 + 1)
        .read_until(b'\n', &mut buf)
        .map_err(|_| ReadError::Gone)?;
    if buf.last() != Some(&b'\n') {
        return Err(if n > MAX_LINE {
            ReadError::Bad
        } else {
            ReadError::Gone
        });
    }
    buf.pop();
    if buf.last() == Some(&b'\r') {
        buf.pop();
    }
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

/// Reads exactly `len` bytes, keeping what fits under [`MAX_RECORDED_BODY`].
fn read_body(reader: &mut impl Read, len: u64, body: &mut Vec<u8>) -> Result<(), ReadError> {
    let keep = (MAX_RECORDED_BODY.saturating_sub(body.len()) as u64).min(len);
    let kept = (&mut *reader)
        .take(keep)
        .read_to_end(body)
        .map_err(|_| ReadError::Gone)?;
    let dropped =
        io::copy(&mut (&mut *reader).take(len - keep), &mut io::sink()).map_err(|_| ReadError::Gone)?;
    if kept as u64 + dropped == len {
        Ok(())
    } else {
        Err(ReadError::Gone)
    }
}

fn read_chunked(reader: &mut impl BufRead, body: &mut Vec<u8>) -> Result<(), ReadError> {
    loop {
        let line = read_line(reader)?;
        let size = line.split_once(';').map_or(line.as_str(), |(s, _)| s).trim();
        let size = u64::from_str_radix(size, 16).map_err(|_| ReadError::Bad)?;
        if size == 0 {
            // Trailers, up to the blank line; not recorded.
            while !read_line(reader)?.is_empty() {}
            return Ok(());
        }
        read_body(reader, size, body)?;
        if !read_line(reader)?.is_empty() {
            return Err(ReadError::Bad);
        }
    }
}

/// `a=1&b=x+y` → pairs, percent-decoded with `+` as space; a key without `=` gets "".
fn parse_urlencoded(s: &[u8]) -> Vec<(String, String)> {
    s.split(|&b| b == b'&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| match pair.iter().position(|&b| b == b'=') {
            Some(i) => (decode(&pair[..i]), decode(&pair[i + 1..])),
            None => (decode(pair), String::new()),
        })
        .collect()
}

/// Percent-decoding with `+` as space; a malformed `%` escape is kept as is.
fn decode(s: &[u8]) -> String {
    let hex = |i: usize| s.get(i).and_then(|&b| (b as char).to_digit(16));
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        match (s[i], hex(i + 1), hex(i + 2)) {
            (b'%', Some(hi), Some(lo)) => {
                out.push((hi * 16 + lo) as u8);
                i += 3;
                continue;
            }
            (b'+', ..) => out.push(b' '),
            (b, ..) => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Writes the reply; true when the connection may serve another request. Write errors (the
/// client went away) just end the connection.
fn send(shared: &Shared, stream: &TcpStream, reply: Reply, head_only: bool, client_close: bool) -> bool {
    try_send(shared, stream, reply, head_only, client_close).unwrap_or(false)
}

fn try_send(
    shared: &Shared,
    mut out: &TcpStream,
    reply: Reply,
    head_only: bool,
    client_close: bool,
) -> io::Result<bool> {
    let close_after = |headers: &[(String, String)]| {
        client_close
            || headers
                .iter()
                .any(|(k, v)| k.eq_ignore_ascii_case("connection") && v.eq_ignore_ascii_case("close"))
    };
    match reply {
        Reply::Full {
            status,
            headers,
            body,
        } => {
            let close = close_after(&headers);
            let mut msg = head(
                status,
                &headers,
                &format!("Content-Length: {}\r\n", body.len()),
                close,
            );
            if !head_only {
                msg.extend_from_slice(&body);
            }
            out.write_all(&msg)?;
            Ok(!close)
        }
        Reply::Chunked {
            status,
            headers,
            chunks,
            pause,
        } => {
            let close = close_after(&headers);
            out.write_all(&head(status, &headers, "Transfer-Encoding: chunked\r\n", close))?;
            for (i, chunk) in chunks.iter().filter(|c| !c.is_empty()).enumerate() {
                if i > 0 && !shared.pause(pause) {
                    return Ok(false);
                }
                write_chunk(out, chunk)?;
            }
            out.write_all(b"0\r\n\r\n")?;
            Ok(!close)
        }
        Reply::Trickle {
            status,
            headers,
            body,
            per_byte,
        } => {
            let close = close_after(&headers);
            out.write_all(&head(
                status,
                &headers,
                &format!("Content-Length: {}\r\n", body.len()),
                close,
            ))?;
            for byte in body {
                if !shared.pause(per_byte) {
                    return Ok(false);
                }
                out.write_all(&[byte])?;
            }
            Ok(!close)
        }
        Reply::Truncated {
            status,
            headers,
            declared,
            body,
        } => {
            out.write_all(&head(
                status,
                &headers,
                &format!("Content-Length: {declared}\r\n"),
                true,
            ))?;
            out.write_all(&body)?;
            Ok(false)
        }
        Reply::Huge {
            status,
            headers,
            len,
            fill,
            with_length,
        } => {
            let close = close_after(&headers);
            let framing = if with_length {
                format!("Content-Length: {len}\r\n")
            } else {
                "Transfer-Encoding: chunked\r\n".to_string()
            };
            out.write_all(&head(status, &headers, &framing, close))?;
            // A whole number of `fill`s, so the pattern runs on across blocks.
            let fill = if fill.is_empty() { vec![0] } else { fill };
            let block = fill.repeat(HUGE_BLOCK.div_ceil(fill.len()));
            let mut left = len;
            while left > 0 {
                let n = block.len().min(usize::try_from(left).unwrap_or(usize::MAX));
                if with_length {
                    out.write_all(&block[..n])?;
                } else {
                    write_chunk(out, &block[..n])?;
                }
                left -= n as u64;
            }
            if !with_length {
                out.write_all(b"0\r\n\r\n")?;
            }
            Ok(!close)
        }
        Reply::Hang => {
            shared.wait_until_stopped();
            Ok(false)
        }
        Reply::Close => Ok(false),
    }
}

/// Status line, the reply's headers, the framing header, then the blank line.
fn head(status: u16, headers: &[(String, String)], framing: &str, close: bool) -> Vec<u8> {
    let mut h = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    for (name, value) in headers {
        let _ = write!(h, "{name}: {value}\r\n");
    }
    h.push_str(framing);
    let already = headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("connection"));
    if close && !already {
        h.push_str("Connection: close\r\n");
    }
    h.push_str("\r\n");
    h.into_bytes()
}

/// One chunk in a single write, so it leaves at once (the socket has `TCP_NODELAY`).
fn write_chunk(mut out: &TcpStream, data: &[u8]) -> io::Result<()> {
    let mut msg = format!("{:x}\r\n", data.len()).into_bytes();
    msg.extend_from_slice(data);
    msg.extend_from_slice(b"\r\n");
    out.write_all(&msg)
}

fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        413 => "Content Too Large",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}
