//! The command line on real SQLite files: the flow a scribe and a script use, many writers at
//! once, writers killed mid-burst, tampering, and bad store files.

mod common;

use common::{Sandbox, stderr, stdout};
use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;
use std::time::Duration;
use warroom::timeline::Store;
use warroom::timeline::sqlite::SqliteStore;
use warroom::timeline::store::{Verdict, verify};

fn assert_intact(store: &std::path::Path) -> u64 {
    let s = SqliteStore::open(store).expect("open");
    match verify(&s).expect("verify") {
        Verdict::Intact { events, .. } => events,
        broken => panic!("chain broken: {broken:?}"),
    }
}

#[test]
fn declare_log_status_export_verify() {
    let sb = Sandbox::new();
    let st = sb.store();
    let id = sb.declare(&st, "Checkout API failing");
    assert!(id.starts_with("INC-"), "{id}");

    sb.ok(&st, &["log", "db-01 failed over to db-02"]);
    sb.ok(&st, &["log", "--kind", "decision", "roll back v4.18"]);
    let mut c = sb.cmd(&st, &["log", "-"]);
    c.stdin(Stdio::piped()).stdout(Stdio::piped());
    let mut child = c.spawn().expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"from a pipe\nsecond line\n")
        .expect("write");
    assert!(child.wait_with_output().expect("wait").status.success());
    sb.ok(&st, &["log", "--occurred-at", "-20m", "first 502 seen on the LB"]);
    assert_eq!(
        common::notes(&SqliteStore::open(&st).expect("open")),
        vec![
            "db-01 failed over to db-02",
            "from a pipe\nsecond line",
            "first 502 seen on the LB"
        ]
    );

    let status = sb.ok(&st, &["status"]);
    assert!(
        status.contains(&id) && status.contains("SEV2") && status.contains("TRIAGE"),
        "{status}"
    );
    assert!(status.contains("checklist: 0/12"), "{status}");
    let json: serde_json::Value = serde_json::from_str(&sb.ok(&st, &["status", "--json"])).expect("json");
    assert_eq!(json[0]["id"], id.as_str());
    assert_eq!(json[0]["events"], 6);

    let md = sb.ok(&st, &["export", "--format", "md"]);
    assert!(
        md.contains("Checkout API failing") && md.contains("roll back v4.18"),
        "{md}"
    );
    // the late entry sorts by when it happened, before the declaration
    assert!(md.find("first 502 seen").expect("in md") < md.find("db-01 failed over").expect("in md"));

    let v = sb.ok(&st, &["verify"]);
    assert!(v.starts_with("ok: 6 events"), "{v}");
}

#[test]
fn commands_say_clearly_when_there_is_no_incident_or_several() {
    let sb = Sandbox::new();
    let st = sb.store();
    // An alert hook's line before anyone declared is kept in the triage stream, not dropped;
    // a drill's incident is never chosen for it unless named.
    sb.ok(
        &st,
        &["declare", "--title", "exercise", "--severity", "3", "--drill"],
    );
    let out = sb.ok(&st, &["log", "hello"]);
    assert!(out.contains("logged to TRIAGE"), "{out}");
    assert!(common::events(&st).iter().any(|e| e.incident.as_str() == "TRIAGE"
        && matches!(&e.body, warroom::timeline::EventBody::Note { text } if text == "hello")));
    // a command that acts on an incident still says there is none
    let out = sb.run(&st, &["do", "note", "hello"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("no open incident"), "{}", stderr(&out));

    let a = sb.declare(&st, "first");
    let out = sb.ok(&st, &["log", "to the real one"]);
    assert!(out.contains(&format!("logged to {a}")), "{out}");
    let b = sb.declare(&st, "second");
    let out = sb.run(&st, &["log", "hello"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("2 incidents are open") && err.contains(&a) && err.contains(&b),
        "{err}"
    );
    sb.ok(&st, &["log", "--incident", &b, "hello"]);
    let out = sb.run(&st, &["log", "--incident", "INC-nope", "hello"]);
    assert!(stderr(&out).contains("no incident INC-nope"), "{}", stderr(&out));
    let out = sb.run(&st, &["declare", "--title", "x", "--severity", "9"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("1 to 5"), "{}", stderr(&out));
    let out = sb.run(
        &st,
        &["declare", "--title", "x", "--severity", "1", "--runbook", "nope"],
    );
    assert!(
        stderr(&out).contains("no runbook named `nope`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn export_after_resolve_takes_the_last_resolved_by_any_unique_part_of_its_id() {
    let sb = Sandbox::new();
    let st = sb.store();
    let drill = sb.ok(
        &st,
        &["declare", "--title", "exercise", "--severity", "3", "--drill"],
    );
    let first = sb.declare(&st, "first outage");
    sb.ok(&st, &["do", "--incident", &first, "resolve"]);
    let second = sb.declare(&st, "second outage");
    sb.ok(&st, &["do", "--incident", &second, "resolve"]);
    sb.ok(&st, &["do", "--incident", drill.trim(), "resolve"]);
    // No incident open: the postmortem is of the one resolved last (never the drill).
    let md = sb.ok(&st, &["export"]);
    assert!(md.contains(&format!("# Post-incident report: {second}")), "{md}");
    // A unique suffix or prefix, in any case, names one.
    let suffix = second[second.len() - 5..].to_lowercase();
    let md = sb.ok(&st, &["export", "--incident", &suffix]);
    assert!(md.contains(&format!("# Post-incident report: {second}")), "{md}");
    let out = sb.run(&st, &["export", "--incident", "inc-"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("`inc-` matches 3 incidents; give more of the id"),
        "{}",
        stderr(&out)
    );
    // The file's extension says the format; --format still wins.
    let json = sb.path("report.JSON");
    sb.ok(
        &st,
        &[
            "export",
            "--incident",
            &first,
            "-o",
            json.to_str().expect("utf-8"),
        ],
    );
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).expect("written")).expect("JSON");
    assert_eq!(v["incident"]["id"], first.as_str(), "{v}");
    let csv = sb.path("report.csv");
    sb.ok(&st, &["export", "-o", csv.to_str().expect("utf-8")]);
    let text = std::fs::read_to_string(&csv).expect("written");
    assert!(
        text.lines().count() > 1 && text.lines().all(|l| l.contains(',')),
        "{text}"
    );
    let forced = sb.path("notes.json");
    sb.ok(
        &st,
        &["export", "--format", "md", "-o", forced.to_str().expect("utf-8")],
    );
    assert!(
        std::fs::read_to_string(&forced)
            .expect("written")
            .starts_with("# Post-incident report")
    );
}

#[test]
fn eight_writer_processes_of_250_appends_give_exactly_2000_events() {
    let sb = Sandbox::new();
    let st = sb.store();
    let id = sb.declare(&st, "load");
    let children: Vec<_> = (0..8)
        .map(|p| {
            let mut c = sb.cmd(&st, &["log", "--incident", &id, "--each-line", "-"]);
            c.stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            let mut child = c.spawn().expect("spawn");
            let mut stdin = child.stdin.take().expect("stdin");
            let lines: String = (0..250).map(|i| format!("writer {p} line {i}\n")).collect();
            std::thread::spawn(move || stdin.write_all(lines.as_bytes()));
            child
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().expect("wait");
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(stdout(&out).lines().count(), 250);
    }
    let mut got = common::notes(&SqliteStore::open(&st).expect("open"));
    assert_eq!(got.len(), 2000);
    got.sort();
    got.dedup();
    assert_eq!(got.len(), 2000, "some appends were doubled");
    // declaration + checklist + 2000 notes
    assert_eq!(assert_intact(&st), 2002);
}

#[test]
fn writers_killed_mid_burst_leave_a_valid_chain_with_every_acknowledged_append() {
    let sb = Sandbox::new();
    let st = sb.store();
    let id = sb.declare(&st, "kill");
    let mut acknowledged = Vec::new();
    for round in 0..12u64 {
        let mut writers = Vec::new();
        for w in 0..2 {
            let mut c = sb.cmd(&st, &["log", "--incident", &id, "--each-line", "-"]);
            c.stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::null());
            let mut child = c.spawn().expect("spawn");
            let mut stdin = child.stdin.take().expect("stdin");
            std::thread::spawn(move || {
                for i in 0.. {
                    if writeln!(stdin, "round {round} writer {w} line {i}").is_err() {
                        return;
                    }
                }
            });
            let stdout = child.stdout.take().expect("stdout");
            let reader = std::thread::spawn(move || {
                BufReader::new(stdout)
                    .lines()
                    .map_while(Result::ok)
                    .filter_map(|l| l.split_whitespace().nth(1).map(str::to_string))
                    .collect::<Vec<_>>()
            });
            writers.push((child, reader));
        }
        // let them get going, then kill without warning at a varying moment
        std::thread::sleep(Duration::from_millis(40 + (round * 37) % 120));
        for (mut child, reader) in writers {
            child.kill().expect("SIGKILL");
            child.wait().expect("reap");
            acknowledged.extend(reader.join().expect("reader"));
        }
    }
    assert!(
        acknowledged.len() > 12,
        "writers never got going: {}",
        acknowledged.len()
    );
    let s = SqliteStore::open(&st).expect("open");
    let mut stored = std::collections::HashSet::new();
    s.scan(0, None, &mut |e| {
        stored.insert(e.id.to_string());
        true
    })
    .expect("scan");
    for id in &acknowledged {
        assert!(stored.contains(id), "acknowledged append {id} is missing");
    }
    assert_intact(&st);
}

#[test]
fn processes_racing_on_one_dedup_key_append_one_event() {
    let sb = Sandbox::new();
    let st = sb.store();
    let id = sb.declare(&st, "race");
    let children: Vec<_> = (0..10)
        .map(|i| {
            let text = format!("finding seen by console {i}");
            sb.cmd(
                &st,
                &[
                    "log",
                    "--incident",
                    &id,
                    "--source",
                    "securityhub",
                    "--dedup-key",
                    "finding-42",
                    &text,
                ],
            )
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn")
        })
        .collect();
    let outputs: Vec<String> = children
        .into_iter()
        .map(|c| stdout(&c.wait_with_output().expect("wait")))
        .collect();
    assert_eq!(common::notes(&SqliteStore::open(&st).expect("open")).len(), 1);
    assert_eq!(
        outputs
            .iter()
            .filter(|o| o.contains("already on the timeline"))
            .count(),
        9
    );
    assert_intact(&st);
}

/// `log --dedup-key` keys belong to the incident: the same key on two incidents is two
/// events, and a duplicate is reported on the incident it is really on.
#[test]
fn a_dedup_key_is_scoped_to_its_incident() {
    let sb = Sandbox::new();
    let st = sb.store();
    let a = sb.declare(&st, "Checkout down");
    let b = sb.declare(&st, "Search slow");
    let log = |inc: &str, text: &str| {
        sb.ok(
            &st,
            &["log", "--incident", inc, "--dedup-key", "deploy-paused", text],
        )
    };
    let first = log(&a, "deploys paused (checkout)");
    assert!(first.contains(&format!("logged to {a}")), "{first}");
    let second = log(&b, "deploys paused (search)");
    assert!(second.contains(&format!("logged to {b}")), "{second}");
    // the same key again on one incident: not written, and said so, with success
    let again = log(&b, "deploys paused (search), again");
    assert!(
        again.contains(&format!("already on the timeline of {b}")),
        "{again}"
    );
    let notes: Vec<(String, String)> = common::events(&st)
        .into_iter()
        .filter_map(|e| match e.body {
            warroom::timeline::EventBody::Note { text } => Some((e.incident.0, text)),
            _ => None,
        })
        .collect();
    assert_eq!(
        notes,
        vec![
            (a.clone(), "deploys paused (checkout)".to_string()),
            (b.clone(), "deploys paused (search)".to_string()),
        ]
    );
    assert_intact(&st);
}

/// Tamper with the file behind warroom's back, then `verify` must fail naming the event.
fn tampered(sql: &str) -> (String, Option<i32>) {
    let sb = Sandbox::new();
    let st = sb.store();
    sb.declare(&st, "evidence");
    for i in 0..5 {
        sb.ok(&st, &["log", &format!("note {i}")]);
    }
    assert!(sb.ok(&st, &["verify"]).starts_with("ok: 7 events"));
    let conn = rusqlite::Connection::open(&st).expect("raw open");
    conn.execute_batch(sql).expect("tamper");
    drop(conn);
    let out = sb.run(&st, &["verify"]);
    (stdout(&out), out.status.code())
}

#[test]
fn verify_catches_an_edited_payload() {
    let (out, code) = tampered("UPDATE events SET payload = '{\"text\":\"nothing happened\"}' WHERE seq = 4");
    assert_eq!(code, Some(3));
    assert!(out.contains("event #4") && out.contains("edited"), "{out}");
}

#[test]
fn verify_catches_a_deleted_event() {
    let (out, code) = tampered("DELETE FROM events WHERE seq = 5");
    assert_eq!(code, Some(3));
    assert!(out.contains("event #5") && out.contains("missing"), "{out}");
}

#[test]
fn verify_catches_a_removed_tail() {
    let (out, code) = tampered("DELETE FROM events WHERE seq = 7");
    assert_eq!(code, Some(3));
    assert!(
        out.contains("event #7") && out.contains("removed from the end"),
        "{out}"
    );
}

#[test]
fn verify_catches_two_swapped_events() {
    // swap the contents of events 3 and 4, keeping their places
    let (out, code) = tampered(
        "UPDATE events SET seq = -3 WHERE seq = 3; UPDATE events SET seq = 3 WHERE seq = 4;
         UPDATE events SET seq = 4 WHERE seq = -3;",
    );
    assert_eq!(code, Some(3));
    assert!(out.contains("event #3"), "{out}");
}

#[test]
fn verify_catches_an_inserted_event() {
    let (out, code) = tampered(
        "UPDATE events SET seq = -(seq + 1) WHERE seq >= 5; UPDATE events SET seq = -seq WHERE seq < 0;
         INSERT INTO events SELECT 5, 'forged', schema, recorded_at, occurred_at, author, incident, kind,
           '{\"text\":\"forged\"}', NULL, prev_hash, hash FROM events WHERE seq = 4;",
    );
    assert_eq!(code, Some(3));
    assert!(out.contains("event #5"), "{out}");
}

fn fails_clearly(sb: &Sandbox, store: &std::path::Path, expect: &str) {
    for args in [&["status"][..], &["log", "x"], &["verify"]] {
        let out = sb.run(store, args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(
            err.contains(&store.display().to_string()),
            "{args:?} does not name the store: {err}"
        );
        assert!(err.contains(expect), "{args:?}: expected `{expect}` in: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn random_bytes_are_not_a_store() {
    let sb = Sandbox::new();
    let st = sb.path("random.db");
    let bytes: Vec<u8> = (0..8192u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(&st, &bytes).expect("write");
    fails_clearly(&sb, &st, "not a warroom store");
    assert_eq!(std::fs::read(&st).expect("read"), bytes, "the file was changed");
}

#[test]
fn another_programs_sqlite_database_is_not_a_store() {
    let sb = Sandbox::new();
    let st = sb.path("other.db");
    let conn = rusqlite::Connection::open(&st).expect("create");
    conn.execute_batch("CREATE TABLE songs (title TEXT); INSERT INTO songs VALUES ('x');")
        .expect("fill");
    drop(conn);
    fails_clearly(&sb, &st, "another program's");
}

#[test]
fn a_store_from_a_newer_warroom_is_refused() {
    let sb = Sandbox::new();
    let st = sb.store();
    sb.declare(&st, "x");
    let conn = rusqlite::Connection::open(&st).expect("open");
    conn.execute_batch("PRAGMA user_version = 99;").expect("bump");
    drop(conn);
    fails_clearly(&sb, &st, "newer warroom");
}

/// A folder warroom cannot write to, even as root: a read-only mount.
struct ReadOnlyDir {
    dir: tempfile::TempDir,
    mounted: bool,
}

impl ReadOnlyDir {
    fn new() -> ReadOnlyDir {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        if !common::is_root() {
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o555)).expect("chmod");
            return ReadOnlyDir { dir, mounted: false };
        }
        let status = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", "ro,size=64k", "tmpfs"])
            .arg(dir.path())
            .status()
            .expect("run mount");
        assert!(
            status.success(),
            "as root, this test needs `mount -t tmpfs` to make a read-only folder"
        );
        ReadOnlyDir { dir, mounted: true }
    }
}

impl Drop for ReadOnlyDir {
    fn drop(&mut self) {
        if self.mounted {
            let _ = std::process::Command::new("umount").arg(self.dir.path()).status();
        }
    }
}

#[test]
fn an_unwritable_folder_gives_a_clear_error() {
    let sb = Sandbox::new();
    let ro = ReadOnlyDir::new();
    let st = ro.dir.path().join("timeline.db");
    let out = sb.run(&st, &["declare", "--title", "x", "--severity", "1"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&st.display().to_string()) && err.contains("cannot write"),
        "{err}"
    );
}

#[test]
fn a_full_disk_gives_a_clear_error_and_loses_nothing() {
    if !common::is_root() {
        eprintln!(
            "a_full_disk_gives_a_clear_error_and_loses_nothing: needs root to mount a small tmpfs; CI runs it"
        );
        return;
    }
    let sb = Sandbox::new();
    let dir = tempfile::tempdir().expect("tempdir");
    let status = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=1m", "tmpfs"])
        .arg(dir.path())
        .status()
        .expect("mount");
    assert!(status.success());
    let st = dir.path().join("timeline.db");
    let result = std::panic::catch_unwind(|| {
        sb.declare(&st, "disk");
        sb.ok(&st, &["log", "before the disk filled"]);
        // fill what is left
        let filler = dir.path().join("filler");
        let mut f = std::fs::File::create(&filler).expect("filler");
        let chunk = vec![0u8; 64 * 1024];
        while f.write_all(&chunk).is_ok() {}
        let _ = f.flush();
        drop(f);
        let big = "x".repeat(120_000); // under the 128 KiB limit of one argument
        let out = sb.run(&st, &["log", &big]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(err.contains("disk is full"), "{err}");
        std::fs::remove_file(&filler).expect("free space");
        assert_eq!(
            common::notes(&SqliteStore::open(&st).expect("open")),
            vec!["before the disk filled"]
        );
        assert!(sb.ok(&st, &["verify"]).starts_with("ok: 3 events"));
    });
    let _ = std::process::Command::new("umount").arg(dir.path()).status();
    if let Err(p) = result {
        std::panic::resume_unwind(p);
    }
}
