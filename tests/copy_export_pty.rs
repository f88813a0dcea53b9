//! Taking words out of the console, in the real binary: `y` puts the selected entry on the
//! responder's clipboard with OSC 52 (the bytes are read off the tty), `:copy report` the whole
//! report, and `:export PATH` writes the report where asked, in the format its extension names.

mod common;

#[path = "common/tmux.rs"]
mod tmux;

use base64::Engine;
use common::Sandbox;
use std::time::{Duration, Instant};
use tmux::Tmux;

/// Every text put on the clipboard so far: the OSC 52 payloads in what the console wrote.
fn copied(tty: &std::path::Path) -> Vec<String> {
    let bytes = std::fs::read(tty).unwrap_or_default();
    let out = String::from_utf8_lossy(&bytes);
    out.split("\x1b]52;c;")
        .skip(1)
        .filter_map(|rest| rest.split('\x07').next())
        .filter_map(|b64| base64::engine::general_purpose::STANDARD.decode(b64).ok())
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .collect()
}

fn wait_copied(tty: &std::path::Path, check: impl Fn(&[String]) -> bool) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let all = copied(tty);
        if check(&all) {
            return all;
        }
        assert!(Instant::now() < deadline, "not copied; so far: {all:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn y_copies_the_selected_entry_and_export_writes_where_asked() {
    let sb = Sandbox::new();
    let st = sb.store();
    let id = sb.declare(&st, "Checkout failing");
    sb.ok(
        &st,
        &[
            "log",
            "--kind",
            "decision",
            "Roll back v4.18 \u{1b}]0;pwned\u{7}now",
        ],
    );
    sb.ok(&st, &["do", "note", "db-01 is primary again"]);
    let t = Tmux::start(&sb, &st, &[], 120, 32);
    let tty = sb.path("tty.out");
    t.record_output(&tty);
    t.wait_for("db-01 is primary again");

    // The cursor one row up is the decision: its text as written, cleaned of the escape.
    t.keys(&["k", "y"]);
    t.wait_for("The selected entry is on your clipboard");
    let all = wait_copied(&tty, |c| !c.is_empty());
    assert!(
        all[0].starts_with("Roll back v4.18") && all[0].ends_with("now"),
        "{all:?}"
    );
    assert!(!all[0].contains('\u{1b}') && !all[0].contains('\u{7}'), "{all:?}");

    t.keys(&[":"]);
    t.type_text("copy report");
    t.keys(&["Enter"]);
    t.wait_for("The report is on your clipboard");
    let all = wait_copied(&tty, |c| {
        c.iter().any(|x| x.starts_with("# Post-incident report"))
    });
    let report = all
        .iter()
        .find(|x| x.starts_with("# Post-incident report"))
        .expect("report");
    assert!(
        report.contains(&id) && report.contains("db-01 is primary again"),
        "{report}"
    );

    let json = sb.path("pm/report.json");
    std::fs::create_dir_all(json.parent().expect("folder")).expect("mkdir");
    t.keys(&[":"]);
    t.type_text("export ~/pm/report.json");
    t.keys(&["Enter"]);
    t.wait_for("Report written to");
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).expect("written")).expect("JSON");
    assert_eq!(v["incident"]["id"], id.as_str());

    t.keys(&[":"]);
    t.type_text("export /nonexistent-folder/r.md");
    t.keys(&["Enter"]);
    t.wait_for("Export failed: /nonexistent-folder/r.md");
}
