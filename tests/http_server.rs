//! The test HTTP server itself (`tests/common/http.rs`), driven by a raw `TcpStream` client so
//! that every byte on the wire is checked.

mod common;

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::http::{MAX_RECORDED_BODY, Reply, Server};

/// A raw HTTP/1.1 client on one connection.
struct Client {
    reader: BufReader<TcpStream>,
}

struct Head {
    status: u16,
    headers: Vec<(String, String)>,
}

impl Head {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    fn content_length(&self) -> Option<u64> {
        self.header("content-length")
            .map(|v| v.parse().expect("numeric Content-Length"))
    }
}

impl Client {
    fn connect(server: &Server) -> Client {
        let stream = TcpStream::connect(server.addr()).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("read timeout");
        Client {
            reader: BufReader::new(stream),
        }
    }

    fn send(&mut self, raw: &[u8]) {
        self.reader.get_mut().write_all(raw).expect("send request");
    }

    fn line(&mut self) -> String {
        let mut line = String::new();
        self.reader.read_line(&mut line).expect("read line");
        assert!(line.ends_with("\r\n"), "line not CRLF-terminated: {line:?}");
        line.truncate(line.len() - 2);
        line
    }

    fn head(&mut self) -> Head {
        let status_line = self.line();
        let mut parts = status_line.splitn(3, ' ');
        assert_eq!(parts.next(), Some("HTTP/1.1"), "status line {status_line:?}");
        let status = parts.next().and_then(|s| s.parse().ok()).expect("status code");
        let mut headers = Vec::new();
        loop {
            let line = self.line();
            if line.is_empty() {
                return Head { status, headers };
            }
            let (k, v) = line.split_once(':').expect("header line");
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }

    /// The body framed by Content-Length or chunked encoding.
    fn body(&mut self, head: &Head) -> Vec<u8> {
        let mut body = Vec::new();
        if let Some(len) = head.content_length() {
            (&mut self.reader).take(len).read_to_end(&mut body).expect("body");
            assert_eq!(body.len() as u64, len, "short body");
        } else {
            assert_eq!(head.header("transfer-encoding"), Some("chunked"));
            while let Some(chunk) = self.chunk() {
                body.extend_from_slice(&chunk);
            }
        }
        body
    }

    /// The next chunk of a chunked body, None after the last.
    fn chunk(&mut self) -> Option<Vec<u8>> {
        let size = usize::from_str_radix(&self.line(), 16).expect("chunk size");
        let mut data = vec![0; size];
        self.reader.read_exact(&mut data).expect("chunk data");
        assert_eq!(self.line(), "", "chunk not followed by CRLF");
        (size > 0).then_some(data)
    }

    fn get(&mut self, path: &str) -> (Head, Vec<u8>) {
        self.send(format!("GET {path} HTTP/1.1\r\nHost: test\r\n\r\n").as_bytes());
        let head = self.head();
        let body = self.body(&head);
        (head, body)
    }

    /// Everything until the server closes.
    fn rest(&mut self) -> Vec<u8> {
        let mut rest = Vec::new();
        self.reader.read_to_end(&mut rest).expect("read to EOF");
        rest
    }
}

/// Checks that every byte continues the `fill` pattern, and counts them.
struct Pattern<'a> {
    fill: &'a [u8],
    count: u64,
    wrong: u64,
}

impl Write for Pattern<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        for &b in buf {
            if b != self.fill[(self.count % self.fill.len() as u64) as usize] {
                self.wrong += 1;
            }
            self.count += 1;
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn echo_path() -> Server {
    Server::start(|req| Reply::text(200, "text/plain", format!("{} {}", req.method, req.path)))
}

#[test]
fn full_replies_keep_the_connection_alive() {
    let server = echo_path();
    let mut client = Client::connect(&server);
    let (head, body) = client.get("/one");
    assert_eq!(head.status, 200);
    assert_eq!(head.header("content-type"), Some("text/plain"));
    assert_eq!(head.header("connection"), None);
    assert_eq!(body, b"GET /one");
    let (_, body) = client.get("/two?x=1");
    assert_eq!(body, b"GET /two");
    let paths: Vec<_> = server.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, ["/one", "/two"]);
    assert_eq!(server.request_count(), 2);
}

#[test]
fn query_headers_and_form_are_decoded() {
    let server = Server::start(|_| Reply::json(201, "{}").with_header("X-Trace", "abc"));
    let mut client = Client::connect(&server);
    let form = "name=J%C3%BCrgen+M&empty=&flag&amp=%26%3D";
    client.send(
        format!(
            "POST /services/collector?q=a+b%2Fc&q=second&bad=%zz HTTP/1.1\r\nHost: test\r\n\
             X-Mixed-Case:  value with spaces  \r\nContent-Type: application/x-www-form-urlencoded\r\n\
             Content-Length: {}\r\n\r\n{form}",
            form.len()
        )
        .as_bytes(),
    );
    let head = client.head();
    assert_eq!(head.status, 201);
    assert_eq!(head.header("content-type"), Some("application/json"));
    assert_eq!(head.header("x-trace"), Some("abc"));
    assert_eq!(client.body(&head), b"{}");

    let req = &server.requests()[0];
    assert_eq!(req.method, "POST");
    assert_eq!(req.path, "/services/collector");
    let query: Vec<(&str, &str)> = req.query.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(query, [("q", "a b/c"), ("q", "second"), ("bad", "%zz")]);
    assert_eq!(req.query_value("q"), Some("a b/c"));
    assert_eq!(req.query_value("missing"), None);
    assert_eq!(req.header("X-MIXED-CASE"), Some("value with spaces"));
    assert!(
        req.headers.iter().any(|(k, _)| k == "x-mixed-case"),
        "names are lowercased"
    );
    assert_eq!(
        req.form(),
        [
            ("name".to_string(), "Jürgen M".to_string()),
            ("empty".to_string(), String::new()),
            ("flag".to_string(), String::new()),
            ("amp".to_string(), "&=".to_string()),
        ]
    );
    assert_eq!(req.json(), None, "a form is not JSON");
}

#[test]
fn chunked_request_bodies_are_dechunked() {
    let server = echo_path();
    let mut client = Client::connect(&server);
    client.send(
        b"POST /json HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n\
          6;ext=1\r\n{\"a\": \r\nb\r\n[1, \"two\"]}\r\n0\r\nX-Trailer: t\r\n\r\n",
    );
    let head = client.head();
    assert_eq!(client.body(&head), b"POST /json");
    // The connection is still in step after the trailers.
    assert_eq!(client.get("/after").1, b"GET /after");

    let req = &server.requests()[0];
    assert_eq!(req.body, br#"{"a": [1, "two"]}"#);
    assert_eq!(req.json(), Some(serde_json::json!({"a": [1, "two"]})));
}

#[test]
fn chunked_replies_arrive_in_paced_chunks() {
    let pause = Duration::from_millis(60);
    let server = Server::start(move |_| Reply::Chunked {
        status: 200,
        headers: vec![],
        chunks: vec![
            b"first ".to_vec(),
            Vec::new(),
            b"second ".to_vec(),
            b"third".to_vec(),
        ],
        pause,
    });
    let mut client = Client::connect(&server);
    let start = Instant::now();
    client.send(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n");
    let head = client.head();
    assert_eq!(head.header("transfer-encoding"), Some("chunked"));
    assert_eq!(client.chunk().as_deref(), Some(&b"first "[..]));
    let first = start.elapsed();
    assert_eq!(client.chunk().as_deref(), Some(&b"second "[..]));
    assert_eq!(client.chunk().as_deref(), Some(&b"third"[..]));
    assert_eq!(client.chunk(), None);
    // Two pauses: between first/second and second/third (the empty chunk is skipped).
    assert!(start.elapsed() >= 2 * pause, "took only {:?}", start.elapsed());
    assert!(first < pause, "the first chunk waited {first:?}");
    assert_eq!(
        client.get("/again").0.status,
        200,
        "keep-alive after a chunked reply"
    );
}

#[test]
fn huge_with_length_streams_50_mb_and_keeps_alive() {
    const LEN: u64 = 50_000_000;
    let server = Server::start(|req| match req.path.as_str() {
        "/huge" => Reply::Huge {
            status: 200,
            headers: vec![],
            len: LEN,
            fill: b"0123456".to_vec(),
            with_length: true,
        },
        _ => Reply::text(200, "text/plain", "small"),
    });
    let mut client = Client::connect(&server);
    client.send(b"GET /huge HTTP/1.1\r\nHost: test\r\n\r\n");
    let head = client.head();
    assert_eq!(head.content_length(), Some(LEN));
    let mut check = Pattern {
        fill: b"0123456",
        count: 0,
        wrong: 0,
    };
    io::copy(&mut (&mut client.reader).take(LEN), &mut check).expect("read the huge body");
    assert_eq!((check.count, check.wrong), (LEN, 0));
    assert_eq!(client.get("/small").1, b"small");
}

#[test]
fn huge_chunked_is_generated_on_the_fly() {
    // A terabyte could never be held in memory: reading 50 MB of it proves it is streamed.
    let server = Server::start(|req| match req.path.as_str() {
        "/huge" => Reply::Huge {
            status: 200,
            headers: vec![],
            len: 1 << 40,
            fill: b"xyz".to_vec(),
            with_length: false,
        },
        _ => Reply::text(200, "text/plain", "still here"),
    });
    let mut client = Client::connect(&server);
    client.send(b"GET /huge HTTP/1.1\r\nHost: test\r\n\r\n");
    let head = client.head();
    assert_eq!(head.header("transfer-encoding"), Some("chunked"));
    assert_eq!(head.content_length(), None);
    let mut check = Pattern {
        fill: b"xyz",
        count: 0,
        wrong: 0,
    };
    while check.count < 50_000_000 {
        let chunk = client.chunk().expect("the body goes on");
        check.write_all(&chunk).expect("count");
    }
    assert_eq!(check.wrong, 0);
    drop(client); // Mid-reply: the server thread must just stop.
    assert_eq!(Client::connect(&server).get("/small").1, b"still here");
}

#[test]
fn truncated_replies_end_before_their_content_length() {
    let server = Server::start(|_| Reply::Truncated {
        status: 200,
        headers: vec![("Content-Type".into(), "application/json".into())],
        declared: 100,
        body: b"{\"Findings\"".to_vec(),
    });
    let mut client = Client::connect(&server);
    client.send(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n");
    let head = client.head();
    assert_eq!(head.content_length(), Some(100));
    assert_eq!(head.header("connection"), Some("close"));
    assert_eq!(client.rest(), b"{\"Findings\"", "EOF after the partial body");
}

#[test]
fn close_replies_send_nothing() {
    let server = Server::start(|_| Reply::Close);
    let mut client = Client::connect(&server);
    client.send(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n");
    assert_eq!(client.rest(), b"");
    assert!(server.wait_for_requests(1, Duration::from_secs(5)));
}

#[test]
fn a_client_asking_to_close_gets_closed() {
    let server = echo_path();
    let mut client = Client::connect(&server);
    client.send(b"GET /bye HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
    let head = client.head();
    assert_eq!(head.header("connection"), Some("close"));
    assert_eq!(client.body(&head), b"GET /bye");
    assert_eq!(client.rest(), b"", "closed after the reply");
}

#[test]
fn malformed_requests_get_400_and_are_not_recorded() {
    let server = echo_path();
    let mut client = Client::connect(&server);
    client.send(b"NONSENSE\r\n\r\n");
    let head = client.head();
    assert_eq!(head.status, 400);
    assert_eq!(client.body(&head), b"");
    assert_eq!(client.rest(), b"");
    assert_eq!(server.request_count(), 0);
}

#[test]
fn hang_never_answers_and_drop_returns_promptly() {
    let server = Server::start(|_| Reply::Hang);
    let addr = server.addr();
    let mut client = Client::connect(&server);
    client.send(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n");
    assert!(server.wait_for_requests(1, Duration::from_secs(5)));
    client
        .reader
        .get_ref()
        .set_read_timeout(Some(Duration::from_millis(300)))
        .expect("read timeout");
    let mut byte = [0];
    let err = client.reader.read(&mut byte).expect_err("no answer");
    assert!(
        matches!(err.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut),
        "{err}"
    );

    let start = Instant::now();
    drop(server);
    assert!(
        start.elapsed() < Duration::from_secs(1),
        "drop took {:?}",
        start.elapsed()
    );
    client
        .reader
        .get_ref()
        .set_read_timeout(Some(Duration::from_secs(2)))
        .expect("read timeout");
    assert_eq!(client.reader.read(&mut byte).expect("EOF after drop"), 0);
    assert!(TcpStream::connect(addr).is_err(), "no longer accepting");
}

#[test]
fn trickle_is_slow_and_drop_cuts_it_short() {
    let server = Server::start(|req| Reply::Trickle {
        status: 200,
        headers: vec![],
        body: b"abcd".to_vec(),
        per_byte: Duration::from_millis(if req.path == "/fast" { 30 } else { 10_000 }),
    });
    let mut client = Client::connect(&server);
    let start = Instant::now();
    let (head, body) = client.get("/fast");
    assert_eq!((head.status, body.as_slice()), (200, &b"abcd"[..]));
    assert!(
        start.elapsed() >= Duration::from_millis(120),
        "took only {:?}",
        start.elapsed()
    );

    client.send(b"GET /slow HTTP/1.1\r\nHost: test\r\n\r\n");
    let head = client.head();
    assert_eq!(head.content_length(), Some(4));
    let start = Instant::now();
    drop(server);
    assert_eq!(client.rest(), b"", "not one byte of the slow body");
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "took {:?}",
        start.elapsed()
    );
}

#[test]
fn oversized_bodies_are_capped_and_the_connection_survives() {
    let server = echo_path();
    let mut client = Client::connect(&server);
    let len = MAX_RECORDED_BODY + 1_000_000;
    client.send(format!("PUT /big HTTP/1.1\r\nHost: test\r\nContent-Length: {len}\r\n\r\n").as_bytes());
    let body: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
    client.send(&body);
    let head = client.head();
    assert_eq!(client.body(&head), b"PUT /big");
    assert_eq!(client.get("/next").1, b"GET /next");
    let recorded = &server.requests()[0].body;
    assert_eq!(recorded.len(), MAX_RECORDED_BODY);
    assert!(
        recorded[..] == body[..MAX_RECORDED_BODY],
        "recorded the first 16 MiB as sent"
    );
}

#[test]
fn wait_for_requests_times_out_without_requests() {
    let server = echo_path();
    let start = Instant::now();
    assert!(!server.wait_for_requests(1, Duration::from_millis(100)));
    assert!(start.elapsed() >= Duration::from_millis(100));
    assert!(server.url().starts_with("http://127.0.0.1:"));
    assert_eq!(server.url(), format!("http://{}", server.addr()));
}
