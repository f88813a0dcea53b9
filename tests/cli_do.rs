//! `warroom do`: the console's palette commands from a script, on a real SQLite file, with the
//! palette's parser and errors; the store holds exactly what each command means.

mod common;

use common::{Sandbox, stderr, stdout};
use warroom::timeline::{EventBody, LinkKind, Role, Severity, Status};

fn last_body(store: &std::path::Path) -> EventBody {
    common::bodies(store).pop().expect("an event")
}

#[test]
fn every_writing_command_appends_what_the_palette_would() {
    let sb = Sandbox::new();
    let st = sb.store();
    let id = sb.declare(&st, "Checkout failing");
    let run = |args: &[&str]| {
        let mut all = vec!["do"];
        all.extend_from_slice(args);
        sb.ok(&st, &all)
    };

    let out = run(&["sev", "1", "--reason", "all EU card payments"]);
    assert!(out.starts_with('#') && out.contains("severity.changed"), "{out}");
    assert_eq!(
        last_body(&st),
        EventBody::SeverityChanged {
            severity: Severity::WORST,
            reason: Some("all EU card payments".into())
        }
    );
    run(&["status", "active"]);
    assert!(matches!(
        last_body(&st),
        EventBody::StatusChanged {
            status: Status::Active,
            reason: None
        }
    ));
    run(&["role", "comms", "priya"]);
    assert_eq!(
        last_body(&st),
        EventBody::RoleAssigned {
            role: Role::from("comms"),
            person: "priya".into()
        }
    );
    run(&["page", "sam"]);
    assert!(matches!(last_body(&st), EventBody::ResponderPaged { person, .. } if person == "sam"));
    run(&["ack", "sam"]);
    assert!(matches!(last_body(&st), EventBody::ResponderAcknowledged { person } if person == "sam"));
    run(&["note", "db", "failover", "at", "13:02"]);
    assert_eq!(
        last_body(&st),
        EventBody::Note {
            text: "db failover at 13:02".into()
        }
    );
    let note_seq = common::events(&st).last().map(|e| e.seq).expect("the note");
    run(&["check", "assign-ic"]);
    assert!(matches!(last_body(&st), EventBody::ChecklistChecked { item } if item == "generic/assign-ic"));
    // By words of its title; and never "the selected row", which a script does not have.
    run(&["check", "verify", "recovery"]);
    assert!(
        matches!(last_body(&st), EventBody::ChecklistChecked { item } if item == "generic/verify-recovery")
    );
    let refused = sb.run(&st, &["do", "check"]);
    assert!(
        !refused.status.success() && common::stderr(&refused).contains("needs the item"),
        "{}",
        common::stderr(&refused)
    );
    run(&["amend", &note_seq.to_string(), "db failover at 13:20"]);
    assert!(
        matches!(last_body(&st), EventBody::Amended { text: Some(t), .. } if t == "db failover at 13:20")
    );
    run(&["retract", &format!("#{note_seq}"), "--reason", "wrong incident"]);
    assert!(matches!(last_body(&st), EventBody::Retracted { reason: Some(r), .. } if r == "wrong incident"));
    run(&["link", "jira", "OPS-4411", "https://jira.example/browse/OPS-4411"]);
    assert_eq!(
        last_body(&st),
        EventBody::LinkAdded {
            kind: LinkKind::Ticket,
            reference: "OPS-4411".into(),
            url: Some("https://jira.example/browse/OPS-4411".into())
        }
    );
    run(&["link", "bridge", "https://meet.example/abc-defg"]);
    assert!(matches!(
        last_body(&st),
        EventBody::LinkAdded {
            kind: LinkKind::Bridge,
            url: None,
            ..
        }
    ));
    run(&["followup", "Add a canary for payments", "--owner", "@raj"]);
    assert_eq!(
        last_body(&st),
        EventBody::FollowUpAdded {
            text: "Add a canary for payments".into(),
            owner: Some("raj".into())
        }
    );
    run(&["resolve", "--reason", "rolled back"]);
    assert_eq!(
        last_body(&st),
        EventBody::StatusChanged {
            status: Status::Resolved,
            reason: Some("rolled back".into())
        }
    );

    // --json: one object a line, once durable
    let out = run(&["--json", "--incident", &id, "reopen"]);
    let v: serde_json::Value = serde_json::from_str(out.trim()).expect("one JSON object");
    assert_eq!(v["kind"], "status.changed");
    assert_eq!(v["incident"], id.as_str());
    assert_eq!(v["payload"]["status"], "active");
    // a declaration needs no incident, and attaches the runbook as the palette's does
    let out = run(&["declare", "3", "Second", "outage"]);
    assert!(
        out.contains("incident.declared") && out.contains("checklist.added"),
        "{out}"
    );
    assert!(common::bodies(&st).iter().any(|b| matches!(b,
        EventBody::IncidentDeclared { title, .. } if title == "Second outage")));
}

#[test]
fn errors_are_the_palettes_and_nothing_is_written() {
    let sb = Sandbox::new();
    let st = sb.store();
    sb.declare(&st, "Checkout failing");
    let before = common::events(&st).len();
    for (args, expected) in [
        (vec!["do", "sev", "9"], "severity"),
        (vec!["do", "launch", "missiles"], "launch"),
        (vec!["do", "note"], "needs some text"),
        (vec!["do", "amend", "999", "x"], "not an entry"),
        (
            vec!["do", "retract", "1"],
            "not an entry or a severity or status change",
        ),
        (vec!["do", "filter", "x"], "works in the console only"),
        (
            vec!["do", "link", "fax", "555-0100"],
            "`fax` is not a kind of link",
        ),
        (vec!["do", "link", "ticket"], "needs a kind and a reference"),
        (
            vec!["do", "link", "ticket", "OPS-1", "ftp://x"],
            "`ftp://x` is not an address",
        ),
        (vec!["do", "link", "ticket", "OPS-1", "https://x", "more"], "link"),
        (
            vec!["do", "followup", "--owner", "raj"],
            "needs what is to be done",
        ),
        (
            vec!["do", "followup", "Fix", "it", "--owner"],
            "a value is required for '--owner",
        ),
        (vec!["do", "note", "x", "--owner", "raj"], "`note` takes no owner"),
        (vec!["do", "handoff", "kenji"], "works in the console only"),
        (vec!["do", "note", "x", "--reason", "y"], "takes no reason"),
        (
            vec!["do", "--incident", "INC-NOPE", "note", "x"],
            "no incident INC-NOPE",
        ),
    ] {
        let out = sb.run(&st, &args);
        assert!(!out.status.success(), "{args:?} succeeded: {}", stdout(&out));
        assert!(stderr(&out).contains(expected), "{args:?}: {}", stderr(&out));
    }
    // nothing to do is not an error: a hook may say it twice
    let out = sb.run(&st, &["do", "sev", "2"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("already SEV2"), "{}", stdout(&out));
    // the observer's flag holds here too
    let out = sb.run(&st, &["--read-only", "do", "note", "x"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("--read-only"), "{}", stderr(&out));
    assert_eq!(common::events(&st).len(), before, "an error wrote something");
}

#[test]
fn a_role_given_to_someone_who_never_answered_keeps_them_paged_and_names_match_any_case() {
    let sb = Sandbox::new();
    let st = sb.store();
    let id = sb.declare(&st, "Checkout failing");
    sb.ok(&st, &["do", "page", "sam"]);
    sb.ok(&st, &["do", "role", "comms", "Sam"]);
    assert_eq!(
        last_body(&st),
        EventBody::RoleAssigned {
            role: Role::Comms,
            person: "sam".into()
        },
        "spelt as the roster spells sam"
    );
    // A name with a space is one word from the shell; a stranger's question is answered yes.
    sb.ok(&st, &["do", "role", "scribe", "Priya K"]);
    assert_eq!(
        last_body(&st),
        EventBody::RoleAssigned {
            role: Role::Scribe,
            person: "Priya K".into()
        }
    );
    let out = sb.run(&st, &["do", "role", "ops", "Priya K", "extra"]);
    assert!(stderr(&out).contains("in quotes"), "{}", stderr(&out));

    let status = sb.ok(&st, &["status"]);
    assert!(status.contains("1 paged with no answer: sam"), "{status}");
    let v: serde_json::Value = serde_json::from_str(&sb.ok(&st, &["status", "--json"])).expect("JSON");
    let v = v[0].clone();
    assert_eq!(v["id"], id.as_str());
    let sam = (v["responders"].as_array().expect("responders").iter())
        .find(|r| r["person"] == "sam")
        .expect("sam")
        .clone();
    assert_eq!(sam["state"], "paged", "{v}");
    assert_eq!(sam["roles"], serde_json::json!(["comms"]), "{v}");
    assert!(sam["acknowledged_at"].is_null(), "{v}");
    // Writing is being at work (but not an acknowledgement).
    sb.ok(
        &st,
        &["--as", "Sam", "do", "note", "looking at the card-auth pods"],
    );
    let v: serde_json::Value = serde_json::from_str(&sb.ok(&st, &["status", "--json"])).expect("JSON");
    let v = v[0].clone();
    let sam = (v["responders"].as_array().expect("responders").iter())
        .find(|r| r["person"] == "sam")
        .expect("sam")
        .clone();
    assert_eq!(sam["state"], "engaged", "{v}");
    assert!(sam["last_wrote"].is_string(), "{v}");
    assert!(v["milestones"]["acknowledged"].is_null(), "{v}");
}
