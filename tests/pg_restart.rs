//! The PostgreSQL server stopped and started again in the middle of a burst of writes: nothing
//! lost, nothing doubled, the chain valid, and a subscriber that lived through it saw every
//! event once, in order. Its own test binary, because it stops the server every PostgreSQL
//! test shares (test binaries run one after another).

mod common;

use common::Sandbox;
use common::pg::{PgDb, psql, server_script};
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};
use warroom::timeline::Store;
use warroom::timeline::postgres::PostgresStore;

fn server(action: &str) {
    let out = Command::new("bash")
        .arg(server_script())
        .arg(action)
        .output()
        .expect("run .ci/pg");
    assert!(
        out.status.success(),
        ".ci/pg {action} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_server_restarting_mid_burst_loses_and_doubles_nothing() {
    let db = PgDb::new();
    let sb = Arc::new(Sandbox::new());
    let url = db.url.clone();
    let id = sb.declare(Path::new(&url), "Restart under load");
    let base = PostgresStore::open(&url).expect("open").head().expect("head").seq;

    // a console's subscription, living through the restart
    let watcher = PostgresStore::open(&url).expect("open");
    let (tx, rx) = mpsc::channel();
    let _sub = watcher
        .subscribe(0, Box::new(move |e| tx.send(e.seq).is_ok()))
        .expect("subscribe");

    const WRITERS: usize = 5;
    const EACH: usize = 20;
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let (sb, url, id) = (sb.clone(), url.clone(), id.clone());
            std::thread::spawn(move || {
                for i in 0..EACH {
                    let mut c = sb.cmd(
                        Path::new(&url),
                        &["log", "--incident", &id, &format!("w{w} n{i}")],
                    );
                    c.env("WARROOM_PG_WAIT", "60");
                    let out = c.output().expect("run warroom");
                    assert!(
                        out.status.success(),
                        "writer {w} note {i}: {}",
                        String::from_utf8_lossy(&out.stderr)
                    );
                }
            })
        })
        .collect();
    // stop the server once the burst is well under way, and start it again
    let started = Instant::now();
    let at_stop = loop {
        let n: u64 = psql(&url, "SELECT count(*) FROM warroom_events")
            .parse()
            .expect("count");
        if n >= base + 20 {
            break n;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the writers made no progress"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    server("stop");
    let total = base + (WRITERS * EACH) as u64;
    assert!(at_stop < total, "the burst ended before the server stopped");
    std::thread::sleep(Duration::from_millis(1500));
    server("start");
    for w in writers {
        w.join().expect("writer");
    }

    let store = PostgresStore::open(&url).expect("open");
    let mut texts = Vec::new();
    store
        .scan(base, None, &mut |e| {
            if let warroom::timeline::EventBody::Note { text } = e.body {
                texts.push(text);
            }
            true
        })
        .expect("scan");
    assert_eq!(texts.len(), WRITERS * EACH, "notes lost or doubled");
    let mut unique = texts.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), WRITERS * EACH, "a note was stored twice");
    assert_eq!(store.head().expect("head").seq, total);
    let out = sb.ok(Path::new(&url), &["verify"]);
    assert!(out.starts_with(&format!("ok: {total} events")), "{out}");

    // the subscriber: every event, once, in order
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while (seen.len() as u64) < total && Instant::now() < deadline {
        if let Ok(seq) = rx.recv_timeout(Duration::from_millis(200)) {
            seen.push(seq);
        }
    }
    let expected: Vec<u64> = (1..=total).collect();
    assert_eq!(
        seen, expected,
        "the subscription missed or repeated events across the restart"
    );
}
