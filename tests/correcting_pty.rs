//! Correcting the record in the real binary (tmux): amend the selected entry in the editor
//! (its text prefilled), retract another with a reason; the store keeps both originals and
//! the three exports show the corrected view.

mod common;

#[path = "common/tmux.rs"]
mod tmux;

use common::Sandbox;
use tmux::Tmux;
use warroom::timeline::EventBody;

#[test]
fn amend_and_retract_the_selected_entry_keep_the_original() {
    let sb = Sandbox::new();
    let st = sb.store();
    let id = sb.declare(&st, "Checkout failing");
    sb.ok(&st, &["log", "--incident", &id, "db failover at 13:02"]);
    sb.ok(
        &st,
        &["log", "--incident", &id, "this belongs to another incident"],
    );
    let t = Tmux::start(&sb, &st, &[], 120, 40);
    t.wait_for("this belongs to another incident");
    // The newest row is selected: retract it, with a reason.
    t.keys(&["X"]);
    t.wait_for(":retract #");
    t.type_text("logged on the wrong incident");
    t.keys(&["Enter"]);
    t.wait_for("Retracted");
    // The note above it: amend it, the editor opening with its text.
    t.keys(&["k", "k"]);
    t.wait_until("the cursor on the note", |s| {
        s.lines()
            .any(|l| l.contains('›') && l.contains("db failover at 13:02"))
    });
    t.keys(&["A"]);
    t.wait_for("Amend #");
    t.type_text(" (it was 13:20)");
    t.keys(&["C-s"]);
    t.wait_for("Amended");

    let events = common::events(&st);
    let id_of = |text: &str| {
        (events.iter())
            .find(|e| matches!(&e.body, EventBody::Note { text: t } if t == text))
            .map(|e| e.id)
            .expect("the note is stored")
    };
    let (wrong, typo) = (
        id_of("this belongs to another incident"),
        id_of("db failover at 13:02"),
    );
    assert!(events.iter().any(|e| matches!(&e.body,
        EventBody::Retracted { target, reason: Some(r) } if *target == wrong && r == "logged on the wrong incident")));
    assert!(events.iter().any(|e| matches!(&e.body,
        EventBody::Amended { target, text: Some(t), .. } if *target == typo && t == "db failover at 13:02 (it was 13:20)")));

    // Every export shows the corrected view and keeps what was first written.
    let md = sb.ok(&st, &["export", "--incident", &id]);
    assert!(md.contains("db failover at 13:02 (it was 13:20)"), "{md}");
    assert!(
        md.contains("~~this belongs to another incident~~ *(retracted)*"),
        "{md}"
    );
    let json = sb.ok(&st, &["export", "--incident", &id, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    let entries = v["incident"]["entries"].as_array().cloned().unwrap_or_default();
    assert!(
        entries
            .iter()
            .any(|e| e["text"] == "db failover at 13:02 (it was 13:20)"
                && e["original"] == "db failover at 13:02"),
        "{json}"
    );
    assert!(
        entries
            .iter()
            .any(|e| e["text"] == "this belongs to another incident" && e["retracted"] == true),
        "{json}"
    );
    let csv = sb.ok(&st, &["export", "--incident", &id, "--format", "csv"]);
    assert!(
        csv.contains("this belongs to another incident (retracted)"),
        "{csv}"
    );
    assert!(csv.contains("(amended)"), "{csv}");

    // The detail of the amended note says so and shows the original.
    t.keys(&["Enter"]);
    let screen = t.wait_for("As first written");
    assert!(screen.contains("amended"), "{screen}");
}
