//! The real binary in tmux at the edges where real incidents live: several consoles and a script
//! racing on one store, a prompt answered after the state changed, leaving with saves in flight,
//! the four signals that end a console (SIGHUP is what a dropped SSH session sends), a terminal
//! that goes away, and the editor's reflex keys.

mod common;

#[path = "common/tmux.rs"]
mod tmux;

#[path = "common/lock.rs"]
mod lock;

use common::Sandbox;
use lock::WriteLock;
use std::path::Path;
use std::process::Command;
use std::time::Duration;
use tmux::Tmux;
use warroom::timeline::{EventBody, Status};

fn notes(store: &Path) -> Vec<String> {
    common::bodies(store)
        .into_iter()
        .filter_map(|b| match b {
            EventBody::Note { text } => Some(text),
            _ => None,
        })
        .collect()
}

/// Type `count` notes as fast as keys go: `n`, the text, ctrl-s.
fn burst(t: &Tmux, count: usize, tag: &str) {
    for n in 0..count {
        t.keys(&["n"]);
        t.type_text(&format!("{tag} note {n}"));
        t.keys(&["C-s"]);
    }
}

/// The terminal is as the shell left it: main screen, no mouse tracking, a cursor.
fn assert_terminal_restored(t: &Tmux) {
    assert_eq!(t.pane("#{alternate_on}"), "0", "still on the alternate screen");
    assert_eq!(t.pane("#{mouse_any_flag}"), "0", "mouse tracking left on");
    assert_eq!(t.pane("#{mouse_standard_flag}"), "0", "mouse tracking left on");
    assert_eq!(t.pane("#{cursor_flag}"), "1", "the cursor is hidden");
}

/// A console on a fresh store, `count` notes confirmed while another process holds the store's
/// write lock (for 2 s from the start of the burst), so all of them are still in flight.
fn console_mid_burst(title: &str, count: usize) -> (Sandbox, std::path::PathBuf, Tmux, WriteLock, u32) {
    let sb = Sandbox::new();
    let st = sb.store();
    sb.declare(&st, title);
    let t = Tmux::start(&sb, &st, &[], 120, 40);
    t.wait_for(title);
    let lock = WriteLock::hold(&st, 2.0);
    burst(&t, count, title);
    let saving = format!("{count} saving");
    t.wait_until("the notes are confirmed", |s| s.contains(&saving));
    let pid = t.warroom_pid().expect("the console's pid");
    (sb, st, t, lock, pid)
}

/// Crash reports the console left in its log folder.
fn crash_reports(sb: &Sandbox) -> usize {
    std::fs::read_dir(sb.path("logs"))
        .map(|d| {
            d.flatten()
                .filter(|f| f.file_name().to_string_lossy().starts_with("crash-"))
                .count()
        })
        .unwrap_or(0)
}

#[test]
fn a_draft_stays_with_its_incident_when_the_same_user_declares_another() {
    let sb = Sandbox::new();
    let st = sb.store();
    let a_id = sb.declare(&st, "Checkout failing");
    let writing = Tmux::start(&sb, &st, &[], 160, 48);
    let watching = Tmux::start(&sb, &st, &[], 160, 48);
    writing.wait_for("Checkout failing");
    watching.wait_for("Checkout failing");
    writing.keys(&["n"]);
    writing.wait_for("ctrl-s");
    writing.type_text("rolled back the card service");
    // a script, as the same Unix user as both consoles, declares another incident
    let b_id = sb
        .ok(&st, &["declare", "--title", "Payments down", "--severity", "1"])
        .trim()
        .to_string();
    let badge = format!("+SEV1 {b_id}");
    watching.wait_for(&badge);
    writing.wait_for(&badge);
    writing.keys(&["C-s"]);
    // (The editor shows the text too: wait for the store, not the screen.)
    writing.wait_until("the note is stored", |_| {
        common::bodies(&st)
            .iter()
            .any(|b| matches!(b, EventBody::Note { text } if text.contains("rolled back")))
    });
    let filed: Vec<String> = common::events(&st)
        .into_iter()
        .filter(|e| matches!(&e.body, EventBody::Note { text } if text.contains("rolled back")))
        .map(|e| e.incident.to_string())
        .collect();
    assert_eq!(
        filed,
        std::slice::from_ref(&a_id),
        "the note belongs to the incident it was written on"
    );
    // neither console left its incident; the badge stays until they switch
    assert!(watching.screen().contains("Checkout failing"));
    watching.keys(&["i"]);
    watching.wait_for("Incidents");
    let screen = watching.screen();
    let picker = screen.split_once("Incidents").map_or("", |(_, list)| list);
    let (first, second) = (picker.find(&b_id), picker.find(&a_id));
    assert!(
        matches!((first, second), (Some(b), Some(a)) if b < a),
        "SEV1 first in the picker:\n{picker}"
    );
}

#[test]
fn a_stale_confirmation_says_what_changed_and_asks_again() {
    let sb = Sandbox::new();
    let st = sb.store();
    let id = sb.declare(&st, "Search latency");
    let a = Tmux::start(&sb, &st, &[], 160, 48);
    let b = Tmux::start(&sb, &st, &[], 160, 48);
    a.wait_for("Search latency");
    b.wait_for("Search latency");
    a.keys(&[":"]);
    a.type_text("status active");
    a.keys(&["Enter"]);
    a.wait_for("Move status triage → active?");
    a.keys(&["y"]);
    a.wait_for(" ACTIVE ");
    b.wait_for(" ACTIVE ");
    a.keys(&["s"]);
    a.wait_for("Move status active → mitigated?");
    b.keys(&["R"]);
    b.wait_for("Resolve");
    b.keys(&["y"]);
    a.wait_for(" RESOLVED ");
    a.keys(&["y"]);
    let asked = a.wait_for("It is now RESOLVED");
    assert!(asked.contains("reopens"), "{asked}");
    let statuses = |st: &Path| -> Vec<Status> {
        common::bodies(st)
            .into_iter()
            .filter_map(|b| match b {
                EventBody::StatusChanged { status, .. } => Some(status),
                _ => None,
            })
            .collect()
    };
    assert_eq!(
        statuses(&st),
        [Status::Active, Status::Resolved],
        "nothing reopened silently"
    );
    a.keys(&["y"]);
    a.wait_for(" MITIGATED ");
    assert_eq!(
        statuses(&st),
        [Status::Active, Status::Resolved, Status::Mitigated]
    );
    let events = common::events(&st);
    let times: Vec<_> = events.iter().map(|e| e.recorded_at).collect();
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "stamped when confirmed, so stored in time order: {times:?}"
    );
    assert!(events.iter().all(|e| e.incident.to_string() == id));
}

#[test]
fn q_during_a_burst_against_a_slow_store_loses_nothing() {
    let sb = Sandbox::new();
    let st = sb.store();
    sb.declare(&st, "Burst");
    let t = Tmux::start(&sb, &st, &[], 160, 48);
    t.wait_for("Burst");
    let lock = WriteLock::hold(&st, 3.0);
    burst(&t, 30, "q");
    t.keys(&["q"]);
    lock.wait();
    assert_eq!(t.wait_exit(), 0);
    assert_eq!(notes(&st).len(), 30, "every confirmed note is on the timeline");
    assert_terminal_restored(&t);
}

#[test]
fn each_signal_during_a_burst_saves_everything_and_restores_the_terminal() {
    for (name, number) in [("TERM", 15), ("HUP", 1), ("INT", 2), ("QUIT", 3)] {
        let (sb, st, t, lock, pid) = console_mid_burst("Signals", 10);
        let sent = Command::new("kill")
            .args([&format!("-{name}"), &pid.to_string()])
            .status()
            .expect("kill");
        assert!(sent.success());
        lock.wait();
        assert_eq!(t.wait_exit(), 128 + number, "SIG{name}");
        assert_eq!(notes(&st).len(), 10, "SIG{name}: every confirmed note saved");
        assert_terminal_restored(&t);
        assert_eq!(crash_reports(&sb), 0, "SIG{name} is not a crash");
    }
}

#[test]
fn a_terminal_that_goes_away_is_not_a_crash_and_loses_no_save() {
    let (sb, st, t, lock, pid) = console_mid_burst("Dropped", 5);
    t.kill(); // the terminal is gone, as when an SSH session drops
    lock.wait();
    let gone = std::time::Instant::now() + Duration::from_secs(30);
    while Path::new(&format!("/proc/{pid}")).exists() {
        assert!(std::time::Instant::now() < gone, "the console never ended");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(notes(&st).len(), 5);
    assert_eq!(crash_reports(&sb), 0, "no crash report for a closed terminal");
}

#[test]
fn the_editor_survives_reflexes() {
    let sb = Sandbox::new();
    let st = sb.store();
    sb.declare(&st, "Reflexes");
    let t = Tmux::start(&sb, &st, &[], 120, 40);
    t.wait_for("Reflexes");
    t.keys(&["n"]);
    t.wait_for("ctrl-s");
    t.type_text("a thought worth keeping");
    t.keys(&["Escape"]);
    t.wait_for("Keep this as a draft?");
    t.keys(&["Escape"]); // a second reflex: back to writing
    t.keys(&["C-c"]);
    t.wait_for("Keep this as a draft?");
    assert_eq!(t.exit_status(), None, "ctrl-c in the editor left the console");
    t.keys(&["y"]);
    t.wait_for("Draft kept");
    t.keys(&["n"]);
    t.wait_for("a thought worth keeping");
    t.keys(&["C-s"]);
    t.wait_until("the note is saved", |s| {
        s.contains("● saved") && !s.contains("ctrl-s")
    });
    assert_eq!(notes(&st), ["a thought worth keeping"]);
    // a status update with the template's blanks is refused
    t.keys(&["u"]);
    t.wait_for("ctrl-s");
    t.keys(&["C-s"]);
    t.wait_for("placeholder");
    t.keys(&["Escape"]);
    // `:sev -1` is no severity
    t.keys(&[":"]);
    t.type_text("sev -1");
    t.keys(&["Enter"]);
    t.wait_for("not a severity");
    t.keys(&["Escape"]);
    let changes = common::bodies(&st)
        .into_iter()
        .filter(|b| {
            matches!(
                b,
                EventBody::SeverityChanged { .. } | EventBody::StatusUpdatePosted { .. }
            )
        })
        .count();
    assert_eq!(changes, 0);
    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), 0);
}
