//! The `Store` contract, written once against `&dyn Store`, run on both back ends: real
//! SQLite files, and a real PostgreSQL server (a fresh database per test; `.ci/pg start`).

mod common;

use common::pg::{PgDb, psql};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use warroom::timeline::sqlite::SqliteStore;
use warroom::timeline::store::{Verdict, verify};
use warroom::timeline::{
    Author, EventBody, Hash, IncidentId, Link, NewEvent, Store, StoreError, StoreSpec, open_store,
};

/// One back end's empty store: how to open it (again, as another process would) and how to
/// tamper with it behind the store's back.
enum Fixture {
    Sqlite(tempfile::TempDir),
    Postgres(PgDb),
}

impl Fixture {
    fn sqlite() -> Fixture {
        Fixture::Sqlite(tempfile::tempdir().expect("tempdir"))
    }
    fn postgres() -> Fixture {
        Fixture::Postgres(PgDb::new())
    }
    fn spec(&self) -> String {
        match self {
            Fixture::Sqlite(d) => d.path().join("t.db").display().to_string(),
            Fixture::Postgres(db) => db.url.clone(),
        }
    }
    /// A new handle on the same store: its own connections.
    fn open(&self) -> Box<dyn Store> {
        open_store(&StoreSpec::parse(&self.spec())).expect("open the store")
    }
    /// Change stored rows directly, as an attacker with database access would.
    fn tamper(&self, set: &str, seq: u64) {
        match self {
            Fixture::Sqlite(d) => {
                let conn = rusqlite::Connection::open(d.path().join("t.db")).expect("raw open");
                conn.execute(&format!("UPDATE events SET {set} WHERE seq = {seq}"), [])
                    .expect("update");
            }
            Fixture::Postgres(db) => {
                psql(
                    &db.url,
                    &format!("UPDATE warroom_events SET {set} WHERE seq = {seq}"),
                );
            }
        }
    }
}

fn note(incident: &str, text: &str) -> NewEvent {
    NewEvent::new(
        IncidentId(incident.into()),
        Author("ana@host".into()),
        EventBody::Note { text: text.into() },
    )
}

fn appends_are_numbered_and_chained(f: &Fixture) {
    let store = &*f.open();
    let a = store.append(note("INC-1", "one")).expect("append");
    let b = store.append(note("INC-1", "two")).expect("append");
    assert_eq!((a.event.seq, b.event.seq), (1, 2));
    assert!(!a.duplicate && !b.duplicate);
    assert_eq!(a.event.prev_hash, Hash::GENESIS);
    assert_eq!(b.event.prev_hash, a.event.hash);
    let read = store.read_from(0, 10).expect("read");
    assert_eq!(read, vec![a.event.clone(), b.event.clone()]);
    assert_eq!(store.read_from(1, 10).expect("read")[0].seq, 2);
    assert_eq!(
        verify(store).expect("verify"),
        Verdict::Intact {
            events: 2,
            head: b.event.hash
        }
    );
}

fn the_same_id_or_dedup_key_is_stored_once(f: &Fixture) {
    let store = &*f.open();
    let e = note("INC-1", "finding 42 is new").dedup_key("securityhub:42");
    let first = store.append(e.clone()).expect("append");
    // the same event again (a retry after a lost answer)
    let again = store.append(e).expect("append");
    assert!(again.duplicate);
    assert_eq!(again.event, first.event);
    // a different event with the same key (another console saw the same finding)
    let other = store
        .append(note("INC-1", "finding 42 seen elsewhere").dedup_key("securityhub:42"))
        .expect("append");
    assert!(other.duplicate);
    assert_eq!(other.event.id, first.event.id);
    // within one batch, the first wins
    let batch = store
        .append_batch(&[
            note("INC-1", "a").dedup_key("k2"),
            note("INC-1", "b").dedup_key("k2"),
        ])
        .expect("batch");
    assert!(!batch[0].duplicate && batch[1].duplicate);
    assert_eq!(store.read_from(0, 100).expect("read").len(), 2);
}

/// A key given for an incident (`log --dedup-key`) is that incident's: the same key on
/// another incident is another event. A source's key stays global.
fn incident_dedup_keys_are_scoped_to_their_incident(f: &Fixture) {
    let store = &*f.open();
    let a = store
        .append(note("INC-A", "deploy paused").incident_dedup_key("pause"))
        .expect("append");
    let b = store
        .append(note("INC-B", "deploy paused").incident_dedup_key("pause"))
        .expect("append");
    assert!(!a.duplicate && !b.duplicate, "{b:?}");
    assert_eq!(a.event.incident, IncidentId("INC-A".into()));
    assert_eq!(b.event.incident, IncidentId("INC-B".into()));
    // the same key on the same incident: one event, and the one returned is on that incident
    let again = store
        .append(note("INC-B", "deploy paused again").incident_dedup_key("pause"))
        .expect("append");
    assert!(again.duplicate);
    assert_eq!(again.event.id, b.event.id);
    assert_eq!(again.event.incident, IncidentId("INC-B".into()));
    // one finding in one source is one signal, whichever incident it was aimed at
    let key = "securityhub/hub/arn:aws:securityhub/f-1";
    let s1 = store
        .append(note("INC-A", "finding").dedup_key(key))
        .expect("append");
    let s2 = store
        .append(note("INC-B", "finding").dedup_key(key))
        .expect("append");
    assert!(!s1.duplicate && s2.duplicate);
    assert_eq!(s2.event.incident, IncidentId("INC-A".into()));
    // an incident key never collides with a source's key of the same text
    let plain = store
        .append(note("INC-A", "plain").dedup_key("pause"))
        .expect("append");
    assert!(!plain.duplicate);
    assert_eq!(store.read_from(0, 100).expect("read").len(), 4);
}

fn scans_filter_by_incident_and_stop_when_asked(f: &Fixture) {
    let store = &*f.open();
    for i in 0..10 {
        store
            .append(note(if i % 2 == 0 { "INC-A" } else { "INC-B" }, &format!("n{i}")))
            .expect("append");
    }
    let mut seen = Vec::new();
    store
        .scan(0, Some(&IncidentId("INC-B".into())), &mut |e| {
            seen.push(e.seq);
            true
        })
        .expect("scan");
    assert_eq!(seen, vec![2, 4, 6, 8, 10]);
    let mut count = 0;
    store
        .scan(0, None, &mut |_| {
            count += 1;
            count < 3
        })
        .expect("scan");
    assert_eq!(count, 3);
}

fn a_subscription_sees_the_backlog_then_live_appends(f: &Fixture) {
    let (store, writer) = (&*f.open(), &*f.open());
    store.append(note("INC-1", "before")).expect("append");
    let (tx, rx) = mpsc::channel();
    let _sub = store
        .subscribe(0, Box::new(move |e| tx.send(e).is_ok()))
        .expect("subscribe");
    let first = rx.recv_timeout(Duration::from_secs(5)).expect("backlog");
    assert_eq!(first.seq, 1);
    // appended through a different connection, as another console would
    writer.append(note("INC-1", "after")).expect("append");
    let second = rx.recv_timeout(Duration::from_secs(5)).expect("live event");
    assert_eq!(second.seq, 2);
    assert_eq!(second.body, EventBody::Note { text: "after".into() });
}

fn threads_racing_on_one_dedup_key_store_one_event(f: &Fixture) {
    let handles: Vec<_> = (0..10)
        .map(|i| {
            let s = f.open();
            std::thread::spawn(move || {
                s.append(note("INC-1", &format!("racer {i}")).dedup_key("race"))
                    .expect("append")
            })
        })
        .collect();
    let results: Vec<_> = handles.into_iter().map(|h| h.join().expect("thread")).collect();
    assert_eq!(results.iter().filter(|a| !a.duplicate).count(), 1);
    let winner = &results.iter().find(|a| !a.duplicate).expect("one winner").event;
    assert!(results.iter().all(|a| a.event.id == winner.id));
    assert_eq!(f.open().read_from(0, 100).expect("read").len(), 1);
}

/// Many writers at once, each with its own connections: one chain, no gaps, no duplicates.
fn concurrent_writers_extend_one_chain(f: &Fixture) {
    let handles: Vec<_> = (0..8)
        .map(|w| {
            let s = f.open();
            std::thread::spawn(move || {
                for i in 0..25 {
                    s.append(note("INC-1", &format!("w{w} n{i}"))).expect("append");
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("writer");
    }
    let store = f.open();
    let events = store.read_from(0, 1000).expect("read");
    assert_eq!(events.len(), 200);
    assert!(events.iter().enumerate().all(|(i, e)| e.seq == i as u64 + 1));
    assert!(matches!(
        verify(&*store).expect("verify"),
        Verdict::Intact { events: 200, .. }
    ));
}

fn verify_names_an_edited_event(f: &Fixture) {
    let store = f.open();
    for i in 0..5 {
        store.append(note("INC-1", &format!("n{i}"))).expect("append");
    }
    assert!(matches!(
        verify(&*store).expect("verify"),
        Verdict::Intact { events: 5, .. }
    ));
    f.tamper("payload = '{\"text\":\"rewritten\"}'", 3);
    match verify(&*store).expect("verify") {
        Verdict::Broken { seq, reason } => {
            assert_eq!(seq, 3);
            assert!(reason.contains("edited"), "{reason}");
        }
        v => panic!("an edited event verified: {v:?}"),
    }
}

/// Another process's append reaches a subscriber within 250 ms (the median of ten, so one
/// slow moment on a busy machine does not decide it).
fn a_subscriber_hears_of_an_append_within_250_ms(f: &Fixture) {
    let (reader, writer) = (f.open(), f.open());
    writer.append(note("INC-1", "warm up")).expect("append");
    let (tx, rx) = mpsc::channel();
    let _sub = reader
        .subscribe(1, Box::new(move |e| tx.send((e.seq, Instant::now())).is_ok()))
        .expect("subscribe");
    std::thread::sleep(Duration::from_millis(300)); // the subscription is listening
    let mut lags = Vec::new();
    for i in 0..10 {
        let sent = Instant::now();
        let a = writer
            .append(note("INC-1", &format!("ping {i}")))
            .expect("append");
        let (seq, at) = rx.recv_timeout(Duration::from_secs(5)).expect("delivered");
        assert_eq!(seq, a.event.seq);
        lags.push(at.duration_since(sent));
        std::thread::sleep(Duration::from_millis(20));
    }
    lags.sort();
    assert!(
        lags[5] < Duration::from_millis(250),
        "median propagation {:?} (all: {lags:?})",
        lags[5]
    );
}

fn a_dropped_subscription_stops_delivering(f: &Fixture) {
    let (reader, writer) = (f.open(), f.open());
    let (tx, rx) = mpsc::channel();
    let sub = reader
        .subscribe(0, Box::new(move |e| tx.send(e.seq).is_ok()))
        .expect("subscribe");
    writer.append(note("INC-1", "one")).expect("append");
    assert_eq!(rx.recv_timeout(Duration::from_secs(5)).expect("delivered"), 1);
    drop(sub);
    std::thread::sleep(Duration::from_millis(100));
    writer.append(note("INC-1", "two")).expect("append");
    match rx.recv_timeout(Duration::from_millis(1500)) {
        Err(_) => {}
        Ok(seq) => panic!("event {seq} delivered after the subscription was dropped"),
    }
}

/// Verifying a store that others are appending to never cries tampering.
fn verify_while_others_append_is_intact(f: &Fixture) {
    let writer = f.open();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = done.clone();
    let w = std::thread::spawn(move || {
        for i in 0..150 {
            writer
                .append(note("INC-1", &format!("busy {i}")))
                .expect("append");
        }
        flag.store(true, std::sync::atomic::Ordering::SeqCst);
    });
    let reader = f.open();
    let mut checks = 0;
    while !done.load(std::sync::atomic::Ordering::SeqCst) || checks == 0 {
        match verify(&*reader).expect("verify") {
            Verdict::Intact { .. } => checks += 1,
            v => panic!("verify during appends: {v:?}"),
        }
    }
    w.join().expect("writer");
    assert!(matches!(
        verify(&*reader).expect("verify"),
        Verdict::Intact { events: 150, .. }
    ));
}

fn status(incident: &str, to: warroom::timeline::Status) -> NewEvent {
    NewEvent::new(
        IncidentId(incident.into()),
        Author("ana@host".into()),
        EventBody::StatusChanged {
            status: to,
            reason: None,
        },
    )
}

const STATUS: &[&str] = &["status.changed", "event.retracted"];

/// Issue 24, item 1: an append decided on a state is refused, inside the write, when that
/// state changed after what its console had seen — by another handle, as another console on
/// another host would write it — and nothing of its batch is written.
fn a_conditional_append_is_refused_when_its_ground_changed(f: &Fixture) {
    use warroom::timeline::Status;
    let (a, b) = (f.open(), f.open());
    let seen = a
        .append(status("INC-1", Status::Active))
        .expect("append")
        .event
        .seq;
    // Other kinds, and the same kinds on another incident, leave it standing.
    b.append(note("INC-1", "a note")).expect("append");
    b.append(status("INC-2", Status::Resolved)).expect("append");
    let ok = a
        .append(status("INC-1", Status::Mitigated).unless_changed(STATUS, seen))
        .expect("its ground is unchanged");
    // B resolves on the state it saw (the mitigation); A's change, decided before that
    // commit, must not reopen it.
    let (a_saw, b_saw) = (ok.event.seq, ok.event.seq);
    let resolved = b
        .append(status("INC-1", Status::Resolved).unless_changed(STATUS, b_saw))
        .expect("B saw the latest");
    let stale = status("INC-1", Status::Active).unless_changed(STATUS, a_saw);
    let stale_id = stale.id;
    let refused = a
        .append_batch(&[note("INC-1", "with it"), stale])
        .expect_err("refused");
    match refused {
        StoreError::Conflict { seq, .. } => assert_eq!(seq, resolved.event.seq, "names the change"),
        other => panic!("not a conflict: {other}"),
    }
    let stored = a.read_from(0, 100).expect("read");
    assert_eq!(
        stored.last().map(|e| e.seq),
        Some(resolved.event.seq),
        "nothing of the batch written"
    );
    assert!(stored.iter().all(|e| e.id != stale_id));
    // A retry of an append that did commit is its duplicate, not a conflict.
    let again = b
        .append(status("INC-1", Status::Resolved).unless_changed(STATUS, b_saw))
        .map(|_| ());
    assert!(
        matches!(again, Err(StoreError::Conflict { .. })),
        "a new event on old ground"
    );
    let mut retry = status("INC-1", Status::Resolved).unless_changed(STATUS, b_saw);
    retry.id = resolved.event.id;
    let dup = b.append(retry).expect("a retry");
    assert!(dup.duplicate);
    assert!(matches!(verify(&*a).expect("verify"), Verdict::Intact { .. }));
}

/// Many writers deciding on the same state at once: exactly one wins.
fn racing_conditional_appends_apply_once(f: &Fixture) {
    use warroom::timeline::Status;
    let seen = f
        .open()
        .append(status("INC-1", Status::Active))
        .expect("append")
        .event
        .seq;
    let won: usize = std::thread::scope(|s| {
        let handles: Vec<_> = (0..6)
            .map(|_| {
                let store = f.open();
                s.spawn(move || {
                    store
                        .append(status("INC-1", Status::Resolved).unless_changed(STATUS, seen))
                        .is_ok() as usize
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("thread")).sum()
    });
    assert_eq!(won, 1);
    let statuses = f
        .open()
        .read_from(0, 100)
        .expect("read")
        .iter()
        .filter(|e| e.kind() == "status.changed")
        .count();
    assert_eq!(statuses, 2);
}

/// Each contract test, once per back end: `sqlite::NAME` and `postgres::NAME`.
macro_rules! contract {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[test] fn $name() { super::$name(&super::Fixture::sqlite()); } )*
        }
        mod postgres {
            $( #[test] fn $name() { super::$name(&super::Fixture::postgres()); } )*
        }
    };
}

fn unknown_kinds_still_load(f: &Fixture) {
    let store = f.open();
    store.append(note("INC-1", "known")).expect("append");
    // an event of a kind this build does not know, as a newer warroom might write it
    f.tamper("kind = 'pager.escalated', payload = '{\"level\":2}'", 1);
    let events = store.read_from(0, 10).expect("read");
    assert_eq!(events[0].kind(), "pager.escalated");
    let p = warroom::incident::fold_store(&*store, None).expect("fold");
    assert_eq!(p.incidents().len(), 1);
}

/// Which consoles are open: beside the timeline, never in it; a console's row is overwritten,
/// a day-old row is dropped, and any handle on the store reads them.
fn presence_is_kept_beside_the_timeline(f: &Fixture) {
    use warroom::timeline::store::Presence;
    let store = f.open();
    let now = chrono::Utc::now();
    // As stored: to the microsecond.
    let now = chrono::DateTime::from_timestamp_micros(now.timestamp_micros()).expect("a time");
    let minutes = |m: i64| now + chrono::TimeDelta::minutes(m);
    assert_eq!(
        store.present(minutes(-60)).expect("read"),
        [],
        "none before any console"
    );
    let ana = Presence {
        console: uuid::Uuid::now_v7(),
        who: "ana (ops@jump-01)".into(),
        incident: Some(IncidentId("INC-1".into())),
        seen_at: minutes(-3),
    };
    let bo = Presence {
        console: uuid::Uuid::now_v7(),
        who: "bo@desk".into(),
        incident: None,
        seen_at: minutes(-1),
    };
    store.mark_present(&ana).expect("mark ana");
    store.mark_present(&bo).expect("mark bo");
    // ana's console moves on to another incident: its one row says so.
    let ana_now = Presence {
        incident: Some(IncidentId("INC-2".into())),
        seen_at: now,
        ..ana.clone()
    };
    store.mark_present(&ana_now).expect("mark ana again");
    let other = f.open();
    assert_eq!(
        other.present(minutes(-60)).expect("read"),
        [ana_now.clone(), bo.clone()]
    );
    assert_eq!(
        other.present(minutes(-2)).expect("read"),
        [ana_now.clone(), bo.clone()]
    );
    assert_eq!(
        other.present(minutes(-1)).expect("read"),
        std::slice::from_ref(&ana_now)
    );
    // A console gone for a day is dropped by the next mark.
    let gone = Presence {
        console: uuid::Uuid::now_v7(),
        who: "cy@host".into(),
        incident: None,
        seen_at: minutes(-2 * 24 * 60),
    };
    store.mark_present(&gone).expect("mark an old console");
    assert_eq!(other.present(minutes(-3 * 24 * 60)).expect("read").len(), 3);
    store.mark_present(&ana_now).expect("mark ana");
    assert_eq!(other.present(minutes(-3 * 24 * 60)).expect("read").len(), 2);
    // None of it is on the timeline.
    assert_eq!(store.head().expect("head").seq, 0);
    store.append(note("INC-1", "after")).expect("append");
    assert!(matches!(
        verify(store.as_ref()),
        Ok(Verdict::Intact { events: 1, .. })
    ));
}

contract!(
    presence_is_kept_beside_the_timeline,
    unknown_kinds_still_load,
    appends_are_numbered_and_chained,
    the_same_id_or_dedup_key_is_stored_once,
    incident_dedup_keys_are_scoped_to_their_incident,
    scans_filter_by_incident_and_stop_when_asked,
    a_subscription_sees_the_backlog_then_live_appends,
    threads_racing_on_one_dedup_key_store_one_event,
    concurrent_writers_extend_one_chain,
    verify_names_an_edited_event,
    verify_while_others_append_is_intact,
    a_subscriber_hears_of_an_append_within_250_ms,
    a_dropped_subscription_stops_delivering,
    a_conditional_append_is_refused_when_its_ground_changed,
    racing_conditional_appends_apply_once,
);

#[test]
fn a_new_store_file_is_group_shareable_and_never_world_writable() {
    use std::os::unix::fs::PermissionsExt;
    let sb = common::Sandbox::new();
    let store = sb.store();
    // umask 000 would let a careless create make it world-writable
    let mut c = std::process::Command::new("sh");
    c.arg("-c").arg(format!(
        "umask 000 && exec '{}' --store '{}' declare --title t --severity 3",
        common::BIN,
        store.display()
    ));
    sb.isolate(&mut c);
    let out = c.output().expect("run");
    assert!(out.status.success(), "{}", common::stderr(&out));
    let mode = |p: &str| std::fs::metadata(p).expect("stat").permissions().mode() & 0o777;
    let db = store.display().to_string();
    assert_eq!(mode(&db), 0o660, "{db} has mode {:o}", mode(&db));
    // While a console has it open, the write-ahead log shares the store's mode.
    let open = SqliteStore::open(&store).expect("open");
    open.append(note("INC-1", "x")).expect("append");
    let wal = format!("{db}-wal");
    assert_eq!(mode(&wal) & 0o002, 0, "{wal} is world-writable: {:o}", mode(&wal));
    assert_eq!(
        mode(&wal) & 0o060,
        0o060,
        "{wal} is not group-shareable: {:o}",
        mode(&wal)
    );
}

/// What an append to a store whose file is no longer at its path must say, and health too.
fn assert_refused(store: &SqliteStore, path: &std::path::Path, how: &str) {
    let err = store
        .append(note("INC-1", "written after the file went"))
        .expect_err("an append to a file no one else can see was reported saved");
    assert!(matches!(err, StoreError::Replaced { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains(&path.display().to_string()) && msg.contains(how) && msg.contains("reopen warroom"),
        "{msg}"
    );
    let health = store.health();
    assert_eq!(health.link, Link::Replaced, "{health:?}");
    assert!(health.detail.is_some_and(|d| d.contains(how)));
}

#[test]
fn an_append_to_a_store_file_replaced_under_it_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("t.db");
    let store = SqliteStore::open(&path).expect("open");
    store.append(note("INC-1", "before")).expect("append");
    assert_eq!(store.health().link, Link::Online);
    // `mv other.db t.db`: another (closed) store put in its place
    let other = dir.path().join("other.db");
    SqliteStore::open(&other)
        .expect("open")
        .append(note("INC-2", "the other store's"))
        .expect("append");
    std::fs::rename(&other, &path).expect("rename");
    assert_refused(&store, &path, "replaced");
    // and it stays refused: a retry is no better, and reads are not trusted either
    assert!(matches!(
        store.append(note("INC-1", "retried")),
        Err(StoreError::Replaced { .. })
    ));
    assert!(matches!(store.head(), Err(StoreError::Replaced { .. })));
    // Whoever opens the path, while the old store is open and after it closed, finds the
    // other store whole: not the old one's pages laid over it by the old one's log.
    let whole = |extra: &[&str]| {
        let now = SqliteStore::open(&path).expect("open");
        let mut want = vec!["the other store's"];
        want.extend_from_slice(extra);
        assert_eq!(common::notes(&now), want);
        assert!(matches!(verify(&now).expect("verify"), Verdict::Intact { .. }));
        now
    };
    whole(&[]).append(note("INC-2", "new")).expect("append");
    drop(store);
    whole(&["new"]);
}

#[test]
fn an_append_to_a_deleted_store_file_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("t.db");
    let store = SqliteStore::open(&path).expect("open");
    store.append(note("INC-1", "before")).expect("append");
    std::fs::remove_file(&path).expect("rm");
    assert_refused(&store, &path, "deleted");
    assert!(!path.exists(), "the append made a new file");
    // a store made afresh at the path is empty: the old one's log does not come back with it
    let fresh = SqliteStore::open(&path).expect("open");
    assert!(common::notes(&fresh).is_empty());
    assert_eq!(
        verify(&fresh).expect("verify"),
        Verdict::Intact {
            events: 0,
            head: Hash::GENESIS
        }
    );
}

#[test]
fn a_store_file_moved_away_and_back_is_the_same_store() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("t.db");
    let store = SqliteStore::open(&path).expect("open");
    let (tx, rx) = mpsc::channel();
    let _sub = store
        .subscribe(0, Box::new(move |e| tx.send(e.seq).is_ok()))
        .expect("subscribe");
    store.append(note("INC-1", "one")).expect("append");
    assert_eq!(rx.recv_timeout(Duration::from_secs(5)).expect("delivered"), 1);
    // moved away (a careless backup): refused meanwhile, and the moved file is complete
    let aside = dir.path().join("aside.db");
    std::fs::rename(&path, &aside).expect("move away");
    assert_refused(&store, &path, "deleted");
    assert_eq!(
        common::notes(&SqliteStore::open(&aside).expect("open the moved file")),
        vec!["one"]
    );
    // and back: the same file, so appends go on, and the subscription with them
    std::fs::rename(&aside, &path).expect("move back");
    assert_eq!(store.health().link, Link::Online);
    store.append(note("INC-1", "two")).expect("append");
    assert_eq!(rx.recv_timeout(Duration::from_secs(5)).expect("delivered"), 2);
    assert_eq!(common::notes(&store), vec!["one", "two"]);
}

/// Consoles and alert hooks started together on a store nobody has opened yet all get it:
/// none is refused because another was turning the new file into a write-ahead-logged one.
#[test]
fn processes_opening_a_new_store_at_once_all_get_it() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    for round in 0..40 {
        let path = dir.path().join(format!("t-{round}.db"));
        let start = std::sync::Arc::new(std::sync::Barrier::new(4));
        let openers: Vec<_> = (0..4)
            .map(|_| {
                let (path, start) = (path.clone(), start.clone());
                std::thread::spawn(move || {
                    start.wait();
                    SqliteStore::open(&path).map(|_| ()).map_err(|e| e.to_string())
                })
            })
            .collect();
        for opener in openers {
            let opened = opener.join().map_err(|_| "an opener panicked")?;
            assert_eq!(opened, Ok(()), "round {round}");
        }
    }
    Ok(())
}
