//! A TCP relay on loopback in front of the real PostgreSQL server: it can vanish (every
//! connection cut, nothing listening) and come back on the same port, as a server behind a
//! broken link does.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub struct Relay {
    pub port: u16,
    upstream: String,
    up: Arc<AtomicBool>,
    conns: Arc<Mutex<Vec<TcpStream>>>,
}

impl Relay {
    pub fn new(upstream: &str) -> Relay {
        let port = {
            let l = TcpListener::bind("127.0.0.1:0").expect("bind");
            l.local_addr().expect("addr").port()
        };
        let r = Relay {
            port,
            upstream: upstream.to_string(),
            up: Arc::new(AtomicBool::new(false)),
            conns: Arc::new(Mutex::new(Vec::new())),
        };
        r.start();
        r
    }
    pub fn start(&self) {
        let listener = TcpListener::bind(("127.0.0.1", self.port)).expect("bind the relay");
        listener.set_nonblocking(true).expect("nonblocking");
        self.up.store(true, Ordering::SeqCst);
        let (up, conns, upstream) = (self.up.clone(), self.conns.clone(), self.upstream.clone());
        std::thread::spawn(move || {
            while up.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((client, _)) => {
                        let _ = client.set_nonblocking(false);
                        let Ok(server) = TcpStream::connect(&upstream) else {
                            continue;
                        };
                        let pipe = |mut from: TcpStream, mut to: TcpStream| {
                            std::thread::spawn(move || {
                                let mut buf = [0u8; 16384];
                                while let Ok(n) = from.read(&mut buf) {
                                    if n == 0 || to.write_all(&buf[..n]).is_err() {
                                        break;
                                    }
                                }
                                let _ = to.shutdown(Shutdown::Both);
                            });
                        };
                        let mut held = conns.lock().expect("relay");
                        for s in [&client, &server] {
                            if let Ok(c) = s.try_clone() {
                                held.push(c);
                            }
                        }
                        if let (Ok(c2), Ok(s2)) = (client.try_clone(), server.try_clone()) {
                            pipe(c2, s2);
                            pipe(server, client);
                        }
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
    }
    pub fn vanish(&self) {
        self.up.store(false, Ordering::SeqCst);
        for c in self.conns.lock().expect("relay").drain(..) {
            let _ = c.shutdown(Shutdown::Both);
        }
        std::thread::sleep(Duration::from_millis(50)); // the listener is closed
    }

    /// `url` (of the real server, with its password written in) through this relay.
    pub fn url(&self, url: &str) -> String {
        let real = super::pg::host_port(url);
        super::pg::with_password(url).replacen(&real, &format!("127.0.0.1:{}", self.port), 1)
    }
}
