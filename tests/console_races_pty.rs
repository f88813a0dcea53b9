//! Issue 24: the last ways an action is lost, doubled or misapplied, through the real binary in
//! tmux. Two consoles on one store answer `y` to changes decided on the same state — with the
//! store busy (so both appends wait for the lock) and at the same moment — and the store, not
//! the screen, decides: one change lands, the other console is asked again. Never a silent
//! reopen. A handoff written for a commander who has left is refused and kept; a pasted block
//! keeps its lines.

mod common;

#[path = "common/tmux.rs"]
mod tmux;

#[path = "common/lock.rs"]
mod lock;

use common::Sandbox;
use lock::WriteLock;
use std::path::Path;
use tmux::Tmux;
use warroom::timeline::{EventBody, Status};

fn statuses(st: &Path) -> Vec<Status> {
    common::bodies(st)
        .into_iter()
        .filter_map(|b| match b {
            EventBody::StatusChanged { status, .. } => Some(status),
            _ => None,
        })
        .collect()
}

/// Two consoles on a fresh store whose incident is active.
fn two_consoles_on_an_active_incident(title: &str) -> (Sandbox, std::path::PathBuf, Tmux, Tmux) {
    let sb = Sandbox::new();
    let st = sb.store();
    sb.declare(&st, title);
    let a = Tmux::start(&sb, &st, &[], 120, 36);
    let b = Tmux::start(&sb, &st, &[], 120, 36);
    a.wait_for(title);
    b.wait_for(title);
    a.keys(&[":"]);
    a.type_text("status active");
    a.keys(&["Enter"]);
    a.wait_for("Move status triage → active?");
    a.keys(&["y"]);
    a.wait_for(" ACTIVE ");
    b.wait_for(" ACTIVE ");
    (sb, st, a, b)
}

#[test]
fn two_consoles_answering_yes_together_never_reopen_silently() {
    for round in 0..10 {
        let title = format!("Race {round}");
        let (_sb, st, a, b) = two_consoles_on_an_active_incident(&title);
        a.keys(&["s"]);
        a.wait_for("Move status active → mitigated?");
        b.keys(&["R"]);
        b.wait_for("status active → resolved?");
        let locked = round % 2 == 0;
        if locked {
            // The store is busy: both yeses are answered before either append can commit.
            let lock = WriteLock::hold(&st, 1.0);
            b.keys(&["y"]);
            a.keys(&["y"]);
            lock.wait();
        } else {
            // At the same moment.
            std::thread::scope(|s| {
                s.spawn(|| b.keys(&["y"]));
                s.spawn(|| a.keys(&["y"]));
            });
        }
        let (loser, winner_status) = loop {
            let now = statuses(&st);
            match now.last() {
                Some(Status::Resolved) => break (&a, "RESOLVED"),
                Some(Status::Mitigated) => break (&b, "MITIGATED"),
                _ => std::thread::sleep(std::time::Duration::from_millis(20)),
            }
        };
        let asked = loser.wait_for(&format!("It is now {winner_status}"));
        if winner_status == "RESOLVED" {
            assert!(asked.contains("reopens"), "round {round}: {asked}");
        }
        assert_eq!(
            statuses(&st).len(),
            2,
            "round {round} ({}): one change lands, the other is asked again: {:?}",
            if locked { "locked" } else { "together" },
            statuses(&st)
        );
        // Answering the question again applies it, on purpose this time.
        loser.keys(&["y"]);
        loser.wait_until("the change applied", |_| statuses(&st).len() == 3);
    }
}

#[test]
fn a_handoff_written_for_a_commander_who_left_is_refused_and_kept() {
    let sb = Sandbox::new();
    let st = sb.store();
    sb.declare(&st, "Command race");
    // On the roster already: a stranger would be asked about first.
    for person in ["alex", "lena", "sam"] {
        sb.ok(&st, &["do", "add", person]);
    }
    let a = Tmux::start(&sb, &st, &[], 120, 36);
    let b = Tmux::start(&sb, &st, &[], 120, 36);
    a.wait_for("Command race");
    b.wait_for("Command race");
    a.keys(&[":"]);
    a.type_text("role commander alex");
    a.keys(&["Enter"]);
    b.wait_for("IC alex");
    // B replaces the sitting commander: asked, then a handoff on the record.
    b.keys(&[":"]);
    b.type_text("role commander lena");
    b.keys(&["Enter"]);
    b.wait_for("alex is IC — hand command to lena?");
    // Meanwhile A writes a briefing for alex's handoff to sam.
    a.keys(&[":"]);
    a.type_text("handoff sam");
    a.keys(&["Enter"]);
    a.wait_for("alex → sam");
    a.type_text("db-02 is primary");
    b.keys(&["y"]);
    a.wait_for("IC lena");
    a.keys(&["C-s"]);
    a.wait_for("kept as a draft");
    let handoffs: Vec<(String, String)> = common::bodies(&st)
        .into_iter()
        .filter_map(|b| match b {
            EventBody::Handoff { from, to, .. } => Some((from, to)),
            _ => None,
        })
        .collect();
    assert_eq!(
        handoffs,
        [("alex".to_string(), "lena".to_string())],
        "nothing handed over on stale ground"
    );
    // Handing over again opens the briefing, now from lena.
    a.keys(&[":"]);
    a.type_text("handoff sam");
    a.keys(&["Enter"]);
    // The editor's title and its text may reach tmux in two writes: wait for the whole frame
    // (the briefing never coming back fails here, after 20 s).
    a.wait_until("the kept briefing, now from lena", |s| {
        s.contains("lena → sam") && s.contains("db-02 is primary")
    });
    a.keys(&["C-s"]);
    a.wait_for("IC sam");
    let last = common::events(&st)
        .into_iter()
        .rev()
        .find(|e| e.kind() == "handoff")
        .expect("a handoff");
    let EventBody::Handoff { from, to, briefing } = last.body else {
        panic!("a handoff")
    };
    assert_eq!((from.as_str(), to.as_str()), ("lena", "sam"));
    assert!(
        briefing.next_steps.iter().any(|s| s.contains("db-02")),
        "{briefing:?}"
    );
}

#[test]
fn a_pasted_block_keeps_its_lines() {
    let sb = Sandbox::new();
    let st = sb.store();
    sb.declare(&st, "Paste");
    let t = Tmux::start(&sb, &st, &[], 120, 36);
    t.wait_for("Paste");
    t.keys(&["n"]);
    t.wait_for("ctrl-s");
    t.paste("panic: index out of range\n  at checkout::cart (cart.rs:42)\n  at main");
    t.wait_for("at main");
    t.keys(&["C-s"]);
    t.wait_until("the note is stored", |_| {
        common::bodies(&st)
            .iter()
            .any(|b| matches!(b, EventBody::Note { .. }))
    });
    let notes: Vec<String> = common::bodies(&st)
        .into_iter()
        .filter_map(|b| match b {
            EventBody::Note { text } => Some(text),
            _ => None,
        })
        .collect();
    assert_eq!(
        notes,
        ["panic: index out of range\n  at checkout::cart (cart.rs:42)\n  at main"]
    );
}

/// The process's state letter in /proc (`T`: stopped).
fn proc_state(pid: u32) -> char {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    stat.rsplit(')')
        .next()
        .and_then(|rest| rest.trim().chars().next())
        .unwrap_or('?')
}

fn signal(pid: u32, name: &str) {
    let ok = std::process::Command::new("kill")
        .args([&format!("-{name}"), &pid.to_string()])
        .status()
        .expect("kill");
    assert!(ok.success());
}

#[test]
fn a_job_control_stop_gives_the_terminal_back_and_continue_takes_it_again() {
    let sb = Sandbox::new();
    let st = sb.store();
    sb.declare(&st, "Suspended");
    let t = Tmux::start(&sb, &st, &[], 120, 36);
    t.wait_for("Suspended");
    let pid = t.warroom_pid().expect("the console's pid");
    assert_eq!(t.pane("#{alternate_on}"), "1");
    signal(pid, "TSTP");
    t.wait_until("the console stopped", |_| proc_state(pid) == 'T');
    assert_eq!(
        t.pane("#{alternate_on}"),
        "0",
        "the alternate screen left on while stopped"
    );
    assert_eq!(
        t.pane("#{mouse_any_flag}"),
        "0",
        "mouse tracking left on while stopped"
    );
    assert_eq!(t.pane("#{cursor_flag}"), "1", "the cursor hidden while stopped");
    signal(pid, "CONT");
    t.wait_until("the console back", |_| t.pane("#{alternate_on}") == "1");
    assert_eq!(t.pane("#{mouse_any_flag}"), "1");
    t.wait_for("Suspended");
    t.keys(&["n"]);
    t.wait_for("ctrl-s");
    t.type_text("back after fg");
    t.keys(&["C-s"]);
    t.wait_until("the note is stored", |_| {
        common::bodies(&st)
            .iter()
            .any(|b| matches!(b, EventBody::Note { text } if text == "back after fg"))
    });
}

/// Issue 24, item 3: a SIGHUP while the store stays busy past the console's patience keeps the
/// action's text in the unsaved file, says where, and the next console offers it.
#[test]
fn an_action_unsaved_at_a_hangup_is_kept_and_offered_by_the_next_console() {
    let sb = Sandbox::new();
    let st = sb.store();
    sb.declare(&st, "Hangup");
    let a = Tmux::start_with_env(&sb, &st, &[], 120, 36, &[("WARROOM_SAVE_WAIT", "1")]);
    a.wait_for("Hangup");
    let lock = WriteLock::hold(&st, 8.0);
    a.keys(&["n"]);
    a.wait_for("ctrl-s");
    a.type_text("rolled back checkout to v4.17.3");
    a.keys(&["C-s"]);
    a.wait_for("1 saving");
    let pid = a.warroom_pid().expect("the console's pid");
    signal(pid, "HUP");
    assert_eq!(a.wait_exit(), 129);
    let told = a.screen();
    assert!(
        told.contains("could not be saved") && told.contains("unsaved-"),
        "{told}"
    );
    lock.wait();
    let notes = |st: &Path| -> Vec<String> {
        common::bodies(st)
            .into_iter()
            .filter_map(|b| match b {
                EventBody::Note { text } => Some(text),
                _ => None,
            })
            .collect()
    };
    assert!(notes(&st).is_empty(), "it was not saved");
    let listed = sb.ok(&st, &["unsaved"]);
    assert!(listed.contains("rolled back checkout to v4.17.3"), "{listed}");

    let b = Tmux::start(&sb, &st, &[], 120, 36);
    let offer = b.wait_for("unsaved action(s) from");
    assert!(offer.contains("rolled back checkout to v4.17.3"), "{offer}");
    b.keys(&["y"]);
    b.wait_until("the note is saved", |_| notes(&st).len() == 1);
    assert_eq!(notes(&st), ["rolled back checkout to v4.17.3"]);
    b.wait_for("Saved 1 earlier action");
    assert!(sb.ok(&st, &["unsaved"]).contains("no unsaved actions"));
    let verify = sb.ok(&st, &["verify"]);
    assert!(verify.starts_with("ok: "), "{verify}");
}

/// Issue 24, item 4: `q` with a kept draft says so before leaving; the draft, and an editor's
/// text cut off by a hangup, are there in the next console on the store.
#[test]
fn drafts_outlive_the_console_on_q_and_on_a_hangup() {
    let sb = Sandbox::new();
    let st = sb.store();
    sb.declare(&st, "Drafts");
    let a = Tmux::start(&sb, &st, &[], 120, 36);
    a.wait_for("Drafts");
    a.keys(&["d"]);
    a.wait_for("ctrl-s");
    a.type_text("fail over to eu-central-1");
    a.keys(&["Escape"]);
    a.wait_for("Keep this as a draft?");
    a.keys(&["y"]);
    a.wait_for("Draft kept");
    a.keys(&["q"]);
    let asked = a.wait_for("draft(s) not posted");
    assert!(asked.contains("decision on INC-"), "{asked}");
    a.keys(&["L"]);
    assert_eq!(a.wait_exit(), 0);

    let b = Tmux::start(&sb, &st, &[], 120, 36);
    b.wait_for("Drafts");
    b.keys(&["d"]);
    b.wait_for("fail over to eu-central-1");
    // This one is cut off mid-sentence by a dropped SSH session.
    b.type_text(" once the DNS TTL has passed");
    // The keys must reach the console before the hangup does.
    b.wait_for("once the DNS TTL has passed");
    let pid = b.warroom_pid().expect("the console's pid");
    signal(pid, "HUP");
    assert_eq!(b.wait_exit(), 129);

    let c = Tmux::start(&sb, &st, &[], 120, 36);
    c.wait_for("Drafts");
    c.keys(&["d"]);
    c.wait_for("fail over to eu-central-1 once the DNS TTL has passed");
    c.keys(&["C-s"]);
    c.wait_until("the decision is stored", |_| {
        common::bodies(&st).iter().any(|b| {
            matches!(b, EventBody::Decision { text, .. } if text == "fail over to eu-central-1 once the DNS TTL has passed")
        })
    });
}
