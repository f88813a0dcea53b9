//! The command line at its edges (issue 11, items 5 and 6): standard output closed by its reader
//! or failing, standard input that is not UTF-8, and times too far away to mean anything.
//! Real binary, real SQLite files in temporary folders.

mod common;

use common::{Sandbox, stderr, stdout};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use warroom::timeline::EventBody;

/// Run `c` with standard output a pipe whose reading end is already closed, as in
/// `warroom verify | head -0`: every write to it fails with EPIPE.
fn closed_stdout(mut c: Command) -> Output {
    c.stdout(common::closed_pipe())
        .stdin(Stdio::null())
        .stderr(Stdio::piped());
    c.output().expect("run warroom")
}

/// Run `c` with standard output on `/dev/full`: every write fails with ENOSPC.
fn full_stdout(mut c: Command) -> Output {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("open /dev/full");
    c.stdout(full).stdin(Stdio::null()).stderr(Stdio::piped());
    c.output().expect("run warroom")
}

/// Exited with `code`, and said nothing about a panic or the pipe.
fn quietly(out: &Output, code: i32, what: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(code), "{what}: {err}");
    assert!(!err.contains("panicked"), "{what}: {err}");
    assert!(!err.to_lowercase().contains("broken pipe"), "{what}: {err}");
}

fn mini() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/scenarios/mini.toml")
        .display()
        .to_string()
}

fn declared(store: &Path) -> usize {
    common::bodies(store)
        .iter()
        .filter(|b| matches!(b, EventBody::IncidentDeclared { .. }))
        .count()
}

#[test]
fn every_printing_command_exits_quietly_with_its_real_status_when_stdout_is_closed() {
    let sb = Sandbox::new();
    let st = sb.store();
    sb.declare(&st, "Checkout API failing");
    sb.ok(&st, &["log", "db-01 failed over"]);
    let bad_scenario = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/invalid_scenarios/bad-severity.toml")
        .display()
        .to_string();
    let init_file = sb.path("etc/config.toml").display().to_string();
    let copy = sb.path("copy.db").display().to_string();
    let cases: &[(&[&str], i32)] = &[
        (&["status"], 0),
        (&["status", "--json"], 0),
        (&["status", "--all"], 0),
        (&["verify"], 0),
        (&["runbooks"], 0),
        (&["runbooks", "show", "ransomware"], 0),
        (&["drill", "show", "leaked-key"], 0),
        (&["completions", "bash"], 0),
        (&["completions", "zsh"], 0),
        (&["check", "--offline"], 0),
        (&["drill", "list"], 0),
        (&["drill", "check", "ransomware"], 0),
        (&["drill", "check", "ransomware", &bad_scenario], 1),
        (&["export", "--format", "md"], 0),
        (&["export", "--format", "json"], 0),
        (&["export", "--format", "csv"], 0),
        (&["init", &init_file], 0),
        (
            &[
                "store",
                "copy",
                "--from",
                &st.display().to_string(),
                "--to",
                &copy,
            ],
            0,
        ),
    ];
    for (args, code) in cases {
        let out = closed_stdout(sb.cmd(&st, args));
        quietly(&out, *code, &format!("warroom {args:?}"));
    }
    // The work behind the output was done all the same.
    assert!(Path::new(&init_file).is_file(), "init wrote its file");
    assert_eq!(common::events(Path::new(&copy)).len(), common::events(&st).len());
}

#[test]
fn verify_into_a_closed_pipe_still_says_tampered_by_its_exit_code() {
    let sb = Sandbox::new();
    let st = sb.store();
    sb.declare(&st, "evidence");
    sb.ok(&st, &["log", "a note"]);
    let conn = rusqlite::Connection::open(&st).expect("raw open");
    conn.execute_batch("UPDATE events SET payload = '{\"text\":\"nothing happened\"}' WHERE seq = 2")
        .expect("tamper");
    drop(conn);
    // The real status, so that `warroom verify | head -1` under `set -o pipefail` tells.
    let out = closed_stdout(sb.cmd(&st, &["verify"]));
    quietly(&out, 3, "verify of a tampered store");
    assert!(
        stderr(&out).contains("does not verify from event #"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_headless_drill_into_a_closed_pipe_plays_to_its_end() {
    let sb = Sandbox::new();
    let st = sb.store();
    let out = closed_stdout(sb.cmd(&st, &["drill", "run", "--headless", "--speed", "3600", &mini()]));
    quietly(&out, 0, "drill run --headless");
    let bodies = common::bodies(&st);
    assert!(
        bodies.iter().any(|b| matches!(b, EventBody::DrillEnded { .. })),
        "the drill was ended on the timeline"
    );
    let out = closed_stdout(sb.cmd(&st, &["drill", "report"]));
    quietly(&out, 0, "drill report");
}

#[test]
fn other_write_errors_are_still_errors_but_never_panics() {
    let sb = Sandbox::new();
    let st = sb.store();
    sb.declare(&st, "disk full");
    for args in [&["status"][..], &["verify"], &["runbooks"], &["export"]] {
        let out = full_stdout(sb.cmd(&st, args));
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(err.contains("standard output"), "{args:?}: {err}");
    }
}

#[test]
fn declare_and_log_exit_0_once_durable_whatever_happens_to_their_output() {
    let sb = Sandbox::new();
    let st = sb.store();
    let declare = ["declare", "--title", "Checkout API failing", "--severity", "2"];
    let out = closed_stdout(sb.cmd(&st, &declare));
    quietly(&out, 0, "declare into a closed pipe");
    assert_eq!(declared(&st), 1);

    let log = ["log", "--dedup-key", "alert-42", "checkout 5xx over 2%"];
    let out = closed_stdout(sb.cmd(&st, &log));
    quietly(&out, 0, "log into a closed pipe");
    assert_eq!(common::notes(&*open(&st)), vec!["checkout 5xx over 2%"]);
    // The script retries (it cannot know): the key keeps it single.
    let out = closed_stdout(sb.cmd(&st, &log));
    quietly(&out, 0, "log retried into a closed pipe");
    let out = full_stdout(sb.cmd(&st, &log));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(common::notes(&*open(&st)), vec!["checkout 5xx over 2%"]);

    // Output that fails otherwise (a full disk) is told on standard error, and is not a failure.
    let out = full_stdout(sb.cmd(&st, &["log", "--incident", &incident(&st), "second"]));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.contains("is on the timeline"), "{err}");
    let out = full_stdout(sb.cmd(&st, &declare));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(declared(&st), 2);
    assert_eq!(common::notes(&*open(&st)), vec!["checkout 5xx over 2%", "second"]);

    // Standard error closed too: still a quiet 0.
    let mut c = sb.cmd(&st, &["log", "--incident", &incident(&st), "third"]);
    c.stdin(Stdio::null())
        .stdout(common::closed_pipe())
        .stderr(common::closed_pipe());
    let status = c.status().expect("run warroom");
    assert_eq!(status.code(), Some(0));
    assert_eq!(common::notes(&*open(&st)).len(), 3);
    // Every one of those appends is in the chain once.
    let verify = sb.ok(&st, &["verify"]);
    assert!(verify.starts_with("ok: "), "{verify}");
}

fn open(store: &Path) -> Box<dyn warroom::timeline::Store> {
    Box::new(warroom::timeline::sqlite::SqliteStore::open(store).expect("open"))
}

/// The first incident declared in the store.
fn incident(store: &Path) -> String {
    common::events(store)
        .into_iter()
        .find(|e| matches!(e.body, EventBody::IncidentDeclared { .. }))
        .map(|e| e.incident.0)
        .expect("an incident")
}
/// `log --each-line -` fed `input`; returns the output.
fn each_line(sb: &Sandbox, st: &Path, args: &[&str], input: &[u8]) -> Output {
    let mut c = sb.cmd(st, args);
    c.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(input).expect("write");
    drop(stdin);
    child.wait_with_output().expect("wait")
}

#[test]
fn each_line_keeps_going_past_bytes_that_are_not_utf8() {
    let sb = Sandbox::new();
    let st = sb.store();
    sb.declare(&st, "alerts");
    let out = each_line(
        &sb,
        &st,
        &["log", "--each-line", "-"],
        b"first\n\xff\xfebad\nthird\n",
    );
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert_eq!(
        common::notes(&*open(&st)),
        vec!["first", "\u{FFFD}\u{FFFD}bad", "third"]
    );
    assert_eq!(
        stdout(&out).lines().filter(|l| l.contains("logged to")).count(),
        3,
        "{}",
        stdout(&out)
    );
    assert!(err.contains("line 2"), "{err}");
    assert!(err.contains("1 of 3 lines"), "{err}");
    assert!(err.contains("U+FFFD"), "{err}");

    // The whole of standard input as one note, likewise.
    let out = each_line(&sb, &st, &["log", "-"], b"one\n\xc3(two\n");
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert_eq!(common::notes(&*open(&st))[3], "one\n\u{FFFD}(two");
    assert!(err.contains("U+FFFD"), "{err}");

    // A pipeline whose reader has gone keeps logging every line.
    let mut c = sb.cmd(&st, &["log", "--each-line", "-"]);
    c.stdout(common::closed_pipe())
        .stdin(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(b"four\nfive\n").expect("write");
    drop(stdin);
    let out = child.wait_with_output().expect("wait");
    quietly(&out, 0, "each-line into a closed pipe");
    assert_eq!(
        common::notes(&*open(&st))[4..],
        ["four".to_string(), "five".to_string()]
    );
}
#[test]
fn times_too_far_away_are_refused_naming_the_value() {
    let sb = Sandbox::new();
    let st = sb.store();
    let id = sb.declare(&st, "clock");
    let before = common::events(&st).len();
    for value in [
        "-99999999999999m",
        "-9999999999999999s",
        "999999999999 hours ago",
        "-20000d",
        "9999-12-31T23:59:59Z",
        "1900-01-01 00:00",
    ] {
        for args in [
            vec![
                "log",
                "--incident",
                id.as_str(),
                "--occurred-at",
                value,
                "late note",
            ],
            vec![
                "declare",
                "--title",
                "x",
                "--severity",
                "3",
                "--detected-at",
                value,
            ],
        ] {
            let out = sb.run(&st, &args);
            let err = stderr(&out);
            assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
            assert!(!err.contains("panicked"), "{args:?}: {err}");
            assert!(err.contains(value) && err.contains("years"), "{args:?}: {err}");
        }
    }
    assert_eq!(common::events(&st).len(), before, "nothing was written");
    // A time people really type still works.
    sb.ok(
        &st,
        &[
            "log",
            "--incident",
            &id,
            "--occurred-at",
            "-3d",
            "three days back",
        ],
    );
}

#[test]
fn drill_speeds_out_of_range_are_refused_naming_the_value() {
    let sb = Sandbox::new();
    let st = sb.store();
    for speed in ["NaN", "inf", "-1", "0", "1e308"] {
        let flag = format!("--speed={speed}");
        let out = sb.run(&st, &["drill", "run", "--headless", &flag, &mini()]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "--speed {speed}: {err}");
        assert!(!err.contains("panicked"), "{err}");
        assert!(err.contains("--speed"), "{err}");
    }
    assert!(common::events(&st).is_empty(), "no drill started");
}

/// Issue 24, item 8: `store copy` and `init` have done their durable work by the time they
/// print; output that fails then is told on standard error, and the exit status is 0 (a
/// retry would fail: the copy's target is no longer empty, the config file exists).
#[test]
fn store_copy_and_init_exit_0_once_done_whatever_happens_to_their_output() {
    let sb = Sandbox::new();
    let st = sb.store();
    sb.declare(&st, "Checkout API failing");
    let copy = sb.path("copy.db").display().to_string();
    let out = full_stdout(sb.cmd(
        &st,
        &[
            "store",
            "copy",
            "--from",
            &st.display().to_string(),
            "--to",
            &copy,
        ],
    ));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(common::events(Path::new(&copy)).len(), common::events(&st).len());

    let init_file = sb.path("etc/config.toml");
    let out = full_stdout(sb.cmd(&st, &["init", &init_file.display().to_string()]));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(init_file.exists(), "{err}");
}

/// Issue 24, item 9: values that look like something but are not are refused, naming them.
#[test]
fn empty_keys_and_sources_and_signed_severities_are_refused() {
    let sb = Sandbox::new();
    let st = sb.store();
    sb.declare(&st, "Checkout API failing");
    let before = common::events(&st).len();
    let cases: &[(&[&str], &str)] = &[
        (&["log", "--dedup-key", "", "a note"], "--dedup-key"),
        (&["log", "--dedup-key", "  ", "a note"], "--dedup-key"),
        (&["log", "--source", "", "a note"], "--source"),
        (&["declare", "--title", "x", "--severity", "+1"], "+1"),
        (&["declare", "--title", "x", "--severity", "SEV+1"], "SEV+1"),
        (&["declare", "--title", "x", "--severity", "sev 1"], "sev 1"),
    ];
    for (args, names) in cases {
        let out = sb.run(&st, args);
        let err = stderr(&out);
        assert_ne!(out.status.code(), Some(0), "{args:?} was accepted");
        assert!(err.contains(names), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
    assert_eq!(common::events(&st).len(), before, "nothing was written");
    // The good spellings still work.
    for sev in ["1", "SEV2", "sev-3", " 4 "] {
        let out = sb.run(&st, &["declare", "--title", "ok", "--severity", sev]);
        assert_eq!(out.status.code(), Some(0), "{sev}: {}", stderr(&out));
    }
}

/// Issue 24, item 10: `--read-only` is read-only for every command that writes.
#[test]
fn read_only_refuses_every_writing_command() {
    let sb = Sandbox::new();
    let st = sb.store();
    sb.declare(&st, "Checkout API failing");
    let before = common::events(&st).len();
    let copy = sb.path("copy.db").display().to_string();
    let cases: &[&[&str]] = &[
        &["--read-only", "declare", "--title", "x", "--severity", "2"],
        &["--read-only", "log", "a note"],
        &["log", "--read-only", "a note"],
        &[
            "--read-only",
            "drill",
            "run",
            "ransomware",
            "--headless",
            "--speed",
            "3600",
        ],
        &["--read-only", "drill", "resume", "--headless"],
        &["--read-only", "watch"],
        &[
            "--read-only",
            "store",
            "copy",
            "--from",
            &st.display().to_string(),
            "--to",
            &copy,
        ],
    ];
    for args in cases {
        let out = sb.run(&st, args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains("read-only"), "{args:?}: {err}");
    }
    assert_eq!(common::events(&st).len(), before, "nothing was written");
    assert!(!Path::new(&copy).exists());
    // Reading still works.
    for args in [
        &["--read-only", "status"][..],
        &["--read-only", "verify"],
        &["--read-only", "export"],
    ] {
        let out = sb.run(&st, args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
    }
}
