//! The real binary in a real pseudo-terminal (tmux): a commander declares, writes a note,
//! checks an item and quits, and the store holds it all; two consoles on one store see each
//! other's actions; resizing never kills it; the terminal comes back on quit.

mod common;

#[path = "common/tmux.rs"]
mod tmux;

use common::Sandbox;
use tmux::Tmux;
use warroom::timeline::EventBody;
use warroom::timeline::sqlite::SqliteStore;
use warroom::timeline::store::{Verdict, verify};

#[test]
fn declare_note_check_and_quit_in_a_real_terminal() {
    let sb = Sandbox::new();
    let st = sb.store();
    let t = Tmux::start(&sb, &st, &[], 160, 48);
    t.wait_for("no open incident");
    t.keys(&["D"]);
    t.wait_for(":declare");
    t.type_text("2 Payments failing in eu-west-1");
    t.keys(&["Enter"]);
    // the timeline's row, not the title still in the palette: the declaration is stored
    t.wait_for("Declared SEV2: Payments failing in eu-west-1");
    t.keys(&["n"]);
    t.wait_for("ctrl-s");
    t.type_text("Card auth errors started 13:02");
    t.keys(&["C-s"]);
    t.wait_for("Card auth errors started 13:02");
    t.keys(&["3", "x"]);
    t.wait_for("1/12 done");
    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), 0);

    let b = common::bodies(&st);
    assert!(
        matches!(&b[0], EventBody::IncidentDeclared { title, .. } if title == "Payments failing in eu-west-1")
    );
    assert!(b.contains(&EventBody::Note {
        text: "Card auth errors started 13:02".into()
    }));
    assert!(b.contains(&EventBody::ChecklistChecked {
        item: "generic/assign-ic".into()
    }));
    let s = SqliteStore::open(&st).expect("open");
    assert!(matches!(
        verify(&s).expect("verify"),
        Verdict::Intact { events: 4, .. }
    ));
}

#[test]
fn two_consoles_on_one_store_see_each_others_actions() {
    let sb = Sandbox::new();
    let st = sb.store();
    let id = sb.declare(&st, "Shared outage");
    let a = Tmux::start(&sb, &st, &[], 160, 48);
    let b = Tmux::start(&sb, &st, &["--read-only"], 120, 40);
    a.wait_for("Shared outage");
    b.wait_for("Shared outage");
    a.keys(&[":"]);
    a.type_text("note seen from the other console");
    a.keys(&["Enter"]);
    b.wait_for("seen from the other console");
    // and a script's append shows in both
    sb.ok(&st, &["log", "--incident", &id, "from a script"]);
    a.wait_for("from a script");
    b.wait_for("from a script");
    // the observer cannot write
    b.keys(&["n"]);
    b.wait_for("Read-only console");
}

#[test]
fn resizing_and_tiny_terminals_do_not_kill_it() {
    let sb = Sandbox::new();
    let st = sb.store();
    sb.declare(&st, "Resize me");
    let t = Tmux::start(&sb, &st, &[], 80, 24);
    t.wait_for("Resize me");
    for (w, h) in [
        (20, 6),
        (200, 60),
        (10, 3),
        (80, 24),
        (39, 9),
        (160, 48),
        (1, 1),
        (120, 32),
    ] {
        t.resize(w, h);
        std::thread::sleep(std::time::Duration::from_millis(30));
    }
    t.resize(100, 30);
    t.wait_for("Resize me");
    assert_eq!(t.exit_status(), None, "the console died:\n{}", t.screen());
    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), 0);
}

/// Whether any SGR sequence sets a colour (30–37, 38;…, 40–47, 48;…, 90–97, 100–107); 39 and
/// 49 only reset to the terminal's own colours.
fn has_colour(screen: &str) -> bool {
    screen.split("\u{1b}[").skip(1).any(|seq| {
        let Some(params) = seq.split_once('m').map(|(p, _)| p) else {
            return false;
        };
        params
            .split(';')
            .any(|p| matches!(p.parse::<u16>(), Ok(30..=38 | 40..=48 | 90..=97 | 100..=107)))
    })
}

#[test]
fn it_runs_under_every_common_term_and_honours_no_color() {
    let sb = Sandbox::new();
    let st = sb.store();
    sb.declare(&st, "Terminal zoo");
    for term in ["xterm-256color", "tmux-256color", "screen", "linux"] {
        let t = Tmux::start_with_env(&sb, &st, &[], 100, 30, &[("TERM", term)]);
        t.wait_for("Terminal zoo");
        t.keys(&["q"]);
        assert_eq!(t.wait_exit(), 0, "TERM={term}");
    }
    let coloured = Tmux::start(&sb, &st, &[], 100, 30);
    coloured.wait_for("Terminal zoo");
    assert!(
        has_colour(&coloured.screen_with_styles()),
        "the default theme shows no colour"
    );
    let plain = Tmux::start_with_env(&sb, &st, &[], 100, 30, &[("NO_COLOR", "1")]);
    plain.wait_for("Terminal zoo");
    let styled = plain.screen_with_styles();
    assert!(!has_colour(&styled), "NO_COLOR still shows colour:\n{styled:?}");
    assert!(
        styled.contains("\u{1b}[1m") || styled.contains("\u{1b}[7m"),
        "no emphasis left at all"
    );
}

/// The store file is replaced under a running console (`mv other.db timeline.db`): a note
/// written then is not reported saved, the header says why, and the new file never gets it.
#[test]
fn a_console_whose_store_file_is_replaced_never_says_saved() {
    let sb = Sandbox::new();
    let st = sb.store();
    sb.declare(&st, "Replaced under me");
    let t = Tmux::start(&sb, &st, &[], 160, 48);
    t.wait_for("● saved");
    // a note saved first, so the console's write-ahead log holds pages of the old file
    t.keys(&["n"]);
    t.wait_for("ctrl-s");
    t.type_text("saved before the swap");
    t.keys(&["C-s"]);
    t.wait_until("the note is saved", |s| {
        s.contains("note      saved before the swap") && s.contains("● saved")
    });
    let other = sb.path("other.db");
    sb.declare(&other, "The other store");
    std::fs::rename(&other, &st).expect("rename");
    // the header says so by itself, before anything is written
    t.wait_for("⚠ store file replaced — not saved");
    // and another process opening the path meanwhile finds the new file whole, not the
    // console's old pages laid over it by the write-ahead log the console still holds
    let status = sb.ok(&st, &["status"]);
    assert!(
        status.contains("The other store") && !status.contains("Replaced under me"),
        "{status}"
    );
    t.keys(&["n"]);
    t.wait_for("ctrl-s");
    t.type_text("written into the void");
    t.keys(&["C-s"]);
    let screen = t.wait_for("⚠ store file replaced");
    assert!(screen.contains("not saved"), "{screen}");
    assert!(!screen.contains("● saved"), "{screen}");
    // it stays so: the retries never turn into "saved"
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let screen = t.screen();
    assert!(
        screen.contains("⚠ store file replaced") && !screen.contains("● saved"),
        "{screen}"
    );
    // leaving with an action the store refused asks first, naming why
    t.keys(&["q"]);
    t.wait_for("Not saved yet");
    t.keys(&["L"]);
    assert_eq!(t.wait_exit(), 0);
    let b = common::bodies(&st);
    assert!(
        matches!(&b[0], EventBody::IncidentDeclared { title, .. } if title == "The other store"),
        "{b:?}"
    );
    assert!(
        !b.iter()
            .any(|e| matches!(e, EventBody::Note { text } if text.contains("void"))),
        "{b:?}"
    );
}
