//! Issue 26 in real terminals (tmux): what a responder writes and what the console asks can be
//! read whole at 80×24 — the editor wraps a long note instead of scrolling it sideways, the
//! note wraps on the timeline, and a popup with a long reason still shows its keys.

mod common;

#[path = "common/tmux.rs"]
#[allow(dead_code)]
mod tmux;

use common::Sandbox;
use tmux::Tmux;

/// A note of 140 characters: numbered words, so the first and the last can be looked for.
fn long_note() -> String {
    let words: Vec<String> = (1..=28).map(|n| format!("w{n:02}x")).collect();
    let text = words.join(" ");
    assert!(text.len() >= 139, "{}", text.len());
    text
}

#[test]
fn the_editor_and_the_timeline_wrap_a_long_note_at_80x24() {
    let sb = Sandbox::new();
    let st = sb.store();
    sb.declare(&st, "Checkout failing");
    let t = Tmux::start(&sb, &st, &[], 80, 24);
    t.wait_for("● saved");
    t.keys(&["n"]);
    t.wait_for("ctrl-s");
    let note = long_note();
    t.type_text(&note);
    // Every word in view while writing: the first and the last at once.
    let screen = t.wait_until("the note's last word typed", |s| s.contains("w28x"));
    assert!(screen.contains("w01x"), "the start scrolled away:\n{screen}");
    t.keys(&["C-s"]);
    let screen = t.wait_until("the note on the timeline", |s| {
        s.contains("note") && s.contains("w28x") && !s.contains("ctrl-s")
    });
    // The newest entry is under the cursor: wrapped in full, no word cut off.
    for n in 1..=28 {
        let word = format!("w{n:02}x");
        assert!(screen.contains(&word), "{word} missing:\n{screen}");
    }
    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), 0);
}

#[test]
fn a_long_reason_never_pushes_the_leave_popup_keys_out_of_sight() {
    let sb = Sandbox::new();
    let st = sb.store();
    sb.declare(&st, "Replaced under me");
    let t = Tmux::start(&sb, &st, &[], 80, 24);
    t.wait_for("● saved");
    let other = sb.path("other.db");
    sb.declare(&other, "The other store");
    std::fs::rename(&other, &st).expect("rename");
    t.wait_for("not saved");
    t.keys(&["n"]);
    t.wait_for("ctrl-s");
    t.type_text("written into the void");
    t.keys(&["C-s"]);
    t.wait_until("the refused note", |s| !s.contains("ctrl-s"));
    t.keys(&["q"]);
    let screen = t.wait_for("Not saved yet");
    // The reason is long (it names the file); the keys still show under it.
    assert!(
        screen.contains("leave (they are kept") && screen.contains("stay"),
        "the popup's keys are cut off:\n{screen}"
    );
    t.keys(&["L"]);
    assert_eq!(t.wait_exit(), 0);
}

#[test]
fn the_latest_update_is_read_in_full_in_the_header_at_160x48() {
    let sb = Sandbox::new();
    let st = sb.store();
    sb.declare(&st, "Card payments failing");
    let t = Tmux::start(&sb, &st, &["--read-only"], 160, 48);
    t.wait_for("READ-ONLY");
    // 200 characters: more than the old header's one line kept of it.
    let update = "Card payments in Europe are failing for about one in five customers since \
        13:02 UTC. We rolled back the 13:00 release and are watching the error rate fall. Next \
        update at 14:00 UTC or sooner, by Maria: ZEBRA";
    assert!(update.len() >= 200, "{}", update.len());
    sb.ok(&st, &["do", "update", "executive", update]);
    let screen = t.wait_until("the latest update", |s| s.contains("latest executive update"));
    let header: String = screen.lines().take(6).collect::<Vec<_>>().join("\n");
    assert!(
        header.contains("ZEBRA") && header.contains("one in five customers"),
        "the update's last word is not in the header:\n{screen}"
    );
}

#[test]
fn a_late_entry_from_the_console_is_sorted_where_it_happened() {
    let sb = Sandbox::new();
    let st = sb.store();
    sb.declare(&st, "Database failover");
    sb.ok(&st, &["log", "--occurred-at", "-20m", "first: replica lag alert"]);
    sb.ok(&st, &["log", "--occurred-at", "-2m", "third: writes resumed"]);
    let t = Tmux::start(&sb, &st, &[], 120, 32);
    t.wait_for("third: writes resumed");
    t.keys(&[":"]);
    t.type_text("note @-10m second: primary failed over");
    t.keys(&["Enter"]);
    let screen = t.wait_until("the late note", |s| {
        s.contains("second: primary failed over") && !s.contains(":note")
    });
    let at = |needle: &str| screen.lines().position(|l| l.contains(needle));
    let (first, second, third) = (at("first: replica"), at("second: primary"), at("third: writes"));
    assert!(
        first < second && second < third && first.is_some(),
        "not in the order things happened:\n{screen}"
    );
    let line = screen
        .lines()
        .find(|l| l.contains("second: primary"))
        .unwrap_or_default();
    assert!(line.contains('↶'), "not marked late: {line}");
    let stored = common::events(&st);
    let late = stored
        .iter()
        .find(|e| e.occurred_at.is_some() && e.recorded_at - e.at() > chrono::TimeDelta::minutes(9));
    assert!(late.is_some(), "the store has no late entry");
}

#[test]
fn the_roster_says_how_many_more_people_it_cannot_show_at_120x32() {
    let sb = Sandbox::new();
    let st = sb.store();
    sb.declare(&st, "Checkout failing");
    let people = ["ana", "bo", "cy", "dee", "eli", "fay", "gus", "hal", "ivy"];
    for p in people {
        sb.ok(&st, &["do", "add", p]);
    }
    let t = Tmux::start(&sb, &st, &[], 120, 32);
    let screen = t.wait_for("● saved");
    let shown = people
        .iter()
        .filter(|p| screen.contains(&format!("│{p} ")))
        .count();
    assert!(
        shown < people.len(),
        "all nine fit; the test needs more:\n{screen}"
    );
    let more = format!("↓{} more", people.len() - shown);
    assert!(screen.contains(&more), "no `{more}` on the roster:\n{screen}");
}
