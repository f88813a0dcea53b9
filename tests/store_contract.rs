//! The `Store` contract, written once against `&dyn Store`, run here on real SQLite files.

mod common;

use std::sync::mpsc;
use std::time::Duration;
use warroom::timeline::sqlite::SqliteStore;
use warroom::timeline::store::{Verdict, verify};
use warroom::timeline::{Author, EventBody, Hash, IncidentId, NewEvent, Store};

fn note(incident: &str, text: &str) -> NewEvent {
    NewEvent::new(
        IncidentId(incident.into()),
        Author("ana@host".into()),
        EventBody::Note { text: text.into() },
    )
}

fn sqlite() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = SqliteStore::open(dir.path().join("t.db")).expect("open");
    (dir, store)
}

fn appends_are_numbered_and_chained(store: &dyn Store) {
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

fn the_same_id_or_dedup_key_is_stored_once(store: &dyn Store) {
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

fn scans_filter_by_incident_and_stop_when_asked(store: &dyn Store) {
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

fn a_subscription_sees_the_backlog_then_live_appends(store: &dyn Store, writer: &dyn Store) {
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

#[test]
fn sqlite_appends_are_numbered_and_chained() {
    let (_d, s) = sqlite();
    appends_are_numbered_and_chained(&s);
}

#[test]
fn sqlite_the_same_id_or_dedup_key_is_stored_once() {
    let (_d, s) = sqlite();
    the_same_id_or_dedup_key_is_stored_once(&s);
}

#[test]
fn sqlite_scans_filter_by_incident_and_stop_when_asked() {
    let (_d, s) = sqlite();
    scans_filter_by_incident_and_stop_when_asked(&s);
}

#[test]
fn sqlite_a_subscription_sees_the_backlog_then_live_appends() {
    let (d, s) = sqlite();
    let writer = SqliteStore::open(d.path().join("t.db")).expect("second handle");
    a_subscription_sees_the_backlog_then_live_appends(&s, &writer);
}

#[test]
fn sqlite_threads_racing_on_one_dedup_key_store_one_event() {
    let (d, _s) = sqlite();
    let path = d.path().join("t.db");
    let handles: Vec<_> = (0..10)
        .map(|i| {
            let path = path.clone();
            std::thread::spawn(move || {
                let s = SqliteStore::open(&path).expect("open");
                s.append(note("INC-1", &format!("racer {i}")).dedup_key("race"))
                    .expect("append")
            })
        })
        .collect();
    let results: Vec<_> = handles.into_iter().map(|h| h.join().expect("thread")).collect();
    assert_eq!(results.iter().filter(|a| !a.duplicate).count(), 1);
    let winner = &results.iter().find(|a| !a.duplicate).expect("one winner").event;
    assert!(results.iter().all(|a| a.event.id == winner.id));
    assert_eq!(
        SqliteStore::open(&path)
            .expect("open")
            .read_from(0, 100)
            .expect("read")
            .len(),
        1
    );
}

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

#[test]
fn old_stores_and_unknown_kinds_still_load() {
    let (d, s) = sqlite();
    s.append(note("INC-1", "known")).expect("append");
    drop(s);
    // an event of a kind this build does not know, as a newer warroom might write it
    let conn = rusqlite::Connection::open(d.path().join("t.db")).expect("raw open");
    conn.execute(
        "UPDATE events SET kind = 'pager.escalated', payload = '{\"level\":2}' WHERE seq = 1",
        [],
    )
    .expect("update");
    drop(conn);
    let s = SqliteStore::open(d.path().join("t.db")).expect("reopen");
    let events = s.read_from(0, 10).expect("read");
    assert_eq!(events[0].kind(), "pager.escalated");
    let p = warroom::incident::fold_store(&s, None).expect("fold");
    assert_eq!(p.incidents().len(), 1);
}
