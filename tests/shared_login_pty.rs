//! One login shared by several responders (a jump host's account): with `shared_login = true`
//! the console asks who is at it before anything else, writes their actions as
//! `NAME (user@host)`, and does not ask again in the same SSH session.

mod common;

#[path = "common/tmux.rs"]
mod tmux;

use common::Sandbox;
use tmux::Tmux;

fn authors(store: &std::path::Path) -> Vec<String> {
    common::events(store)
        .into_iter()
        .filter(|e| e.kind() == "note")
        .map(|e| e.author.to_string())
        .collect()
}

#[test]
fn a_shared_login_asks_once_per_session_who_is_there() {
    let sb = Sandbox::new();
    let st = sb.store();
    let config = sb.path("config/warroom/config.toml");
    std::fs::create_dir_all(config.parent().expect("a folder")).expect("mkdir");
    std::fs::write(&config, "shared_login = true\n").expect("write the config");
    sb.declare(&st, "Checkout failing");
    let alice = [("SSH_CONNECTION", "192.0.2.10 50022 192.0.2.1 22")];
    let bob = [("SSH_CONNECTION", "192.0.2.20 41000 192.0.2.1 22")];

    let t = Tmux::start_with_env(&sb, &st, &[], 120, 36, &alice);
    t.wait_for("Several people use this login. Who are you?");
    // The question has the keys: `n` is part of a name here, not a note.
    t.type_text("alice");
    t.keys(&["Enter"]);
    t.wait_for("You are alice (");
    t.keys(&["n"]);
    t.wait_for("ctrl-s");
    t.type_text("by alice");
    t.keys(&["C-s"]);
    t.wait_until("the note saved", |s| {
        s.contains("by alice") && !s.contains("ctrl-s")
    });
    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), 0);

    // The same SSH session: not asked again.
    let t = Tmux::start_with_env(&sb, &st, &[], 120, 36, &alice);
    t.wait_for("Checkout failing");
    t.keys(&[":"]);
    t.type_text("note alice again");
    t.keys(&["Enter"]);
    let screen = t.wait_for("alice again");
    assert!(!screen.contains("Who are you?"), "{screen}");
    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), 0);

    // Another session on the same login is asked; esc leaves, writing nothing.
    let t = Tmux::start_with_env(&sb, &st, &[], 120, 36, &bob);
    t.wait_for("Who are you?");
    t.keys(&["Escape"]);
    assert_eq!(t.wait_exit(), 0);
    // --as says it: no question (nor without any session to remember a name for).
    let t = Tmux::start(&sb, &st, &["--as", "bob"], 120, 36);
    t.wait_for("Checkout failing");
    t.keys(&[":"]);
    t.type_text("note by bob");
    t.keys(&["Enter"]);
    t.wait_for("by bob");
    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), 0);

    let authors = authors(&st);
    assert_eq!(authors.len(), 3, "{authors:?}");
    assert!(
        authors[0].starts_with("alice (") && authors[1].starts_with("alice ("),
        "{authors:?}"
    );
    assert!(authors[2].starts_with("bob ("), "{authors:?}");
}
