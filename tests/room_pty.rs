//! Where a console opens and what its filter hides, in the real binary: with several incidents
//! open it opens the worst (the others on the header's badge, with a count), and `-@NAME`
//! hides a bot's storm while the people's notes stay; `esc` in the pane shows all again.

mod common;

#[path = "common/tmux.rs"]
mod tmux;

use common::Sandbox;
use std::io::Write;
use tmux::Tmux;

#[test]
fn a_console_opens_on_the_worst_of_several_open_incidents() {
    let sb = Sandbox::new();
    let st = sb.store();
    for (title, sev) in [
        ("Slow reports", "3"),
        ("Card payments down", "1"),
        ("Search degraded", "2"),
    ] {
        sb.ok(&st, &["declare", "--title", title, "--severity", sev]);
    }
    let t = Tmux::start(&sb, &st, &[], 160, 48);
    let screen = t.wait_for("Card payments down");
    let first = screen.lines().next().unwrap_or_default();
    assert!(first.starts_with(" SEV1 "), "{screen}");
    assert!(first.contains("+SEV2") && first.contains("(+1 more)"), "{screen}");
    assert!(
        !screen.contains("declare a new one"),
        "opened on one, not the picker: {screen}"
    );
}

#[test]
fn minus_at_a_bot_hides_its_storm_and_esc_shows_it_again() {
    let sb = Sandbox::new();
    let st = sb.store();
    sb.declare(&st, "Checkout failing");
    sb.ok(&st, &["log", "the db failed over at 13:02"]);
    let mut storm = sb
        .cmd(&st, &["log", "--source", "k8s-bot", "--each-line", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("start the storm");
    {
        let mut input = storm.stdin.take().expect("stdin");
        for n in 0..300 {
            writeln!(input, "pod card-auth-{n} restarted").expect("write a line");
        }
    }
    assert!(storm.wait().expect("the storm ends").success());
    let t = Tmux::start(&sb, &st, &[], 160, 48);
    t.wait_for("pod card-auth-299 restarted");
    t.keys(&["&"]);
    t.type_text("-@k8s-bot");
    t.keys(&["Enter"]);
    // Filtered as it is typed; once enter keeps it, the footer says what esc does.
    let screen = t.wait_until("the filter kept", |s| s.contains("clear filter"));
    assert!(screen.contains("the db failed over at 13:02"), "{screen}");
    assert!(!screen.contains("pod card-auth"), "{screen}");
    t.keys(&["Escape"]);
    t.wait_for("pod card-auth-299 restarted");
}

#[test]
fn read_only_and_an_incident_waiting_stay_in_view_at_80x24() {
    let sb = Sandbox::new();
    let st = sb.store();
    sb.declare(
        &st,
        "Checkout failing: card payments returning 502 in all EU regions",
    );
    let t = Tmux::start(&sb, &st, &["--read-only"], 80, 24);
    t.wait_for("Checkout failing");
    sb.ok(&st, &["declare", "--title", "Payments down", "--severity", "1"]);
    let screen = t.wait_for("+SEV1·i");
    let first = screen.lines().next().unwrap_or_default();
    assert!(first.contains(" RO ") && first.contains("+SEV1·i"), "{screen}");
    let second = screen.lines().nth(1).unwrap_or_default();
    assert!(second.contains("● saved") && second.contains("IC"), "{screen}");
}
