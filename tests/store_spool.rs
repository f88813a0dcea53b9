//! The offline spool, against the real PostgreSQL server behind a relay that can vanish:
//! actions taken while the server is away wait (pending), then reach it once each, in their
//! order; a console shows it in its header.

mod common;
#[path = "common/tmux.rs"]
#[allow(dead_code)] // not every helper is used here
mod tmux;

use common::Sandbox;
use common::pg::PgDb;
use common::relay::Relay;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tmux::Tmux;
use warroom::timeline::postgres::{PgOptions, PostgresStore};
use warroom::timeline::spool::SpooledStore;
use warroom::timeline::store::{Verdict, verify};
use warroom::timeline::{Link, NewEvent, Store};

fn spooled(url: &str, spool: &Path) -> SpooledStore {
    let server = PostgresStore::open_with(
        url,
        PgOptions {
            patience: Duration::ZERO,
        },
    )
    .expect("open through the relay");
    SpooledStore::new(Arc::new(server), spool).expect("spool")
}

fn wait_until(what: &str, mut ok: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !ok() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn actions_while_offline_wait_then_arrive_once_in_order() {
    let db = PgDb::new();
    let relay = Relay::new(&common::pg::host_port(&db.url));
    let dir = tempfile::tempdir().expect("tempdir");
    let spool = SpooledStore::path_for(dir.path(), &relay.url(&db.url));
    let store = spooled(&relay.url(&db.url), &spool);
    let first = store.append(common::note("online")).expect("append");
    assert!(!first.is_pending());
    assert_eq!(store.health().link, Link::Online);

    relay.vanish();
    for i in 0..3 {
        let a = store
            .append(common::note(&format!("offline {i}")))
            .expect("spooled");
        assert!(a.is_pending(), "appended while the server is gone: {a:?}");
    }
    let h = store.health();
    assert_eq!((h.link, h.pending), (Link::Offline, 3), "{h:?}");
    assert!(
        h.detail
            .as_deref()
            .unwrap_or("")
            .contains(&format!("127.0.0.1:{}", relay.port)),
        "{h:?}"
    );
    // meanwhile another host, still connected, writes
    let elsewhere = PostgresStore::open(&db.url).expect("open");
    elsewhere
        .append(common::note("meanwhile elsewhere"))
        .expect("append");

    relay.start();
    wait_until("the spool drained", || {
        let h = store.health();
        h.pending == 0 && h.link == Link::Online
    });
    assert_eq!(
        common::notes(&PostgresStore::open(&db.url).expect("open")),
        vec![
            "online",
            "meanwhile elsewhere",
            "offline 0",
            "offline 1",
            "offline 2"
        ]
    );
    assert!(matches!(
        verify(&elsewhere).expect("verify"),
        Verdict::Intact { events: 5, .. }
    ));
    // and, once online, appends go straight through again
    assert!(!store.append(common::note("back")).expect("append").is_pending());
}

/// Issue 24, item 1: a change decided on the shared state is never spooled: the spool cannot
/// check it, and sending it later would apply it to whatever the state is by then. While the
/// server is away (or actions wait), it is refused at once and nothing is written; online, the
/// server checks it.
#[test]
fn a_conditional_append_is_refused_while_offline_and_checked_once_online() {
    use warroom::timeline::{EventBody, StoreError};
    let db = PgDb::new();
    let relay = Relay::new(&common::pg::host_port(&db.url));
    let dir = tempfile::tempdir().expect("tempdir");
    let spool = SpooledStore::path_for(dir.path(), &relay.url(&db.url));
    let store = spooled(&relay.url(&db.url), &spool);
    let seen = store.append(common::note("online")).expect("append").event.seq;
    let resolve = || {
        let mut e = common::note("x");
        e.body = EventBody::StatusChanged {
            status: warroom::timeline::Status::Resolved,
            reason: None,
        };
        e.unless_changed(&["status.changed"], seen)
    };
    relay.vanish();
    match store.append(resolve()) {
        Err(StoreError::Conflict { seq: 0, detail, .. }) => {
            assert!(detail.contains("cannot be reached"), "{detail}")
        }
        other => panic!("refused at once, not spooled: {other:?}"),
    }
    let a = store.append(common::note("offline")).expect("a note is spooled");
    assert!(a.is_pending());
    // Behind a waiting note it would overtake it: refused too.
    assert!(matches!(
        store.append(resolve()),
        Err(StoreError::Conflict { seq: 0, .. })
    ));
    assert_eq!(store.health().pending, 1, "only the note waits");
    relay.start();
    wait_until("the spool drained", || store.health().pending == 0);
    let done = store
        .append(resolve())
        .expect("online: checked by the server, and unchanged");
    assert!(!done.is_pending());
    let kinds: Vec<String> = PostgresStore::open(&db.url)
        .expect("open")
        .read_from(0, 10)
        .expect("read")
        .iter()
        .map(|e| e.kind().to_string())
        .collect();
    assert_eq!(kinds, ["note", "note", "status.changed"]);
}

#[test]
fn a_spool_left_by_a_closed_console_is_sent_once_when_the_server_returns() {
    let db = PgDb::new();
    let relay = Relay::new(&common::pg::host_port(&db.url));
    let dir = tempfile::tempdir().expect("tempdir");
    let url = relay.url(&db.url);
    let spool = SpooledStore::path_for(dir.path(), &url);
    let store = spooled(&url, &spool);
    relay.vanish();
    let events: Vec<NewEvent> = (0..4).map(|i| common::note(&format!("kept {i}"))).collect();
    for e in &events {
        assert!(store.append(e.clone()).expect("spooled").is_pending());
    }
    drop(store); // the console closes with four actions waiting

    // one of them reached the server before its answer was lost
    let direct = PostgresStore::open(&db.url).expect("open");
    direct.append(events[1].clone()).expect("append");

    relay.start();
    let store = spooled(&url, &spool);
    assert_eq!(store.health().pending, 4, "the spool survived the restart");
    wait_until("the spool drained", || store.health().pending == 0);
    // nothing doubled: the one already there is skipped by its id; the rest keep their order
    assert_eq!(
        common::notes(&PostgresStore::open(&db.url).expect("open")),
        vec!["kept 1", "kept 0", "kept 2", "kept 3"]
    );
    assert!(matches!(
        verify(&direct).expect("verify"),
        Verdict::Intact { events: 4, .. }
    ));
}

#[test]
fn the_console_header_shows_offline_and_pending_until_the_server_returns() {
    let db = PgDb::new();
    let relay = Relay::new(&common::pg::host_port(&db.url));
    let sb = Sandbox::new();
    let url = relay.url(&db.url);
    let id = sb.declare(Path::new(&db.url), "Flaky link");
    let t = Tmux::start(&sb, Path::new(&url), &[], 160, 48);
    t.wait_for("Flaky link");
    t.wait_for("● saved");
    relay.vanish();
    t.keys(&[":"]);
    t.type_text("note typed while offline");
    t.keys(&["Enter"]);
    t.wait_for("offline — 1 pending");
    relay.start();
    t.wait_for("typed while offline");
    t.wait_for("● saved");
    let texts = common::notes(&PostgresStore::open(&db.url).expect("open"));
    assert_eq!(
        texts.iter().filter(|t| *t == "typed while offline").count(),
        1,
        "{texts:?}"
    );
    let _ = id;
}
