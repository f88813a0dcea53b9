//! The roster tells the truth, in the real binary: a role given to someone paged who never
//! answered leaves them "paged, no answer", writing makes them engaged, a console of theirs
//! open on the incident shows them here, and a name the incident has not seen is asked about
//! before anything is written.

mod common;

#[path = "common/tmux.rs"]
mod tmux;

use common::Sandbox;
use tmux::Tmux;
use warroom::timeline::EventBody;

#[test]
fn a_role_is_no_answer_and_a_stranger_is_asked_about() {
    let sb = Sandbox::new();
    let st = sb.store();
    sb.declare(&st, "Checkout failing");
    sb.ok(&st, &["do", "page", "sam"]);
    sb.ok(&st, &["do", "role", "comms", "sam"]);
    let t = Tmux::start(&sb, &st, &[], 160, 48);
    let screen = t.wait_for("paged, no answer");
    let row = screen
        .lines()
        .find(|l| l.contains("paged, no answer"))
        .unwrap_or_default();
    assert!(row.contains("sam") && row.contains("comms"), "{screen}");

    // A typo is asked about, and nothing is written on esc.
    let before = common::events(&st).len();
    t.keys(&[":"]);
    t.type_text("role scribe smaa");
    t.keys(&["Enter"]);
    t.wait_for("is not on the roster — bring them in?");
    t.keys(&["Escape"]);
    t.wait_until("the question gone", |s| !s.contains("bring them in?"));
    assert_eq!(common::events(&st).len(), before);

    // sam writes from a shared login: at work now, seen just now.
    sb.ok(
        &st,
        &["--as", "Sam", "do", "note", "looking at the card-auth pods"],
    );
    let screen = t.wait_for("● engaged");
    let row = screen
        .lines()
        .find(|l| l.contains("● engaged"))
        .unwrap_or_default();
    assert!(row.contains("sam") && row.contains("comms"), "{screen}");
    assert!(!screen.contains("paged, no answer"), "{screen}");
    assert!(
        !common::bodies(&st)
            .iter()
            .any(|b| matches!(b, EventBody::ResponderAcknowledged { .. })),
        "writing is not an acknowledgement"
    );

    // sam opens a console on the incident: the first console shows sam here, from the store.
    let events = common::events(&st).len();
    let sams = Tmux::start(&sb, &st, &["--as", "sam"], 120, 36);
    sams.wait_for("Checkout failing");
    let screen = t.wait_until("sam here", |s| {
        s.lines()
            .any(|l| l.contains("sam") && l.contains("● engaged") && l.contains("here"))
    });
    assert!(screen.contains("seen"), "{screen}");
    assert_eq!(
        common::events(&st).len(),
        events,
        "presence is not on the timeline"
    );
}
