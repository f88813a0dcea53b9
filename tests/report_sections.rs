//! The postmortem's sections against a scripted incident with known times, through the real
//! binary: MTTA to the first acknowledgement of a page, peak severity and time at each, every
//! role's holders, a handoff's whole briefing, status updates by audience, links, follow-ups,
//! and the line saying the record verified. `status` keeps the same clock.

mod common;

use chrono::{DateTime, Duration, TimeZone, Utc};
use common::Sandbox;
use warroom::timeline::sqlite::SqliteStore;
use warroom::timeline::{
    Audience, Author, Briefing, EventBody, IncidentId, LinkKind, NewEvent, Role, Severity, Status, Store,
};

const ID: &str = "INC-20261128-RNDZ2";

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 28, 13, 0, 0)
        .single()
        .expect("a time")
}

/// Detected at −5, declared SEV2 at 0; sam paged at +2 and acknowledged at +6; SEV1 from +10
/// to +50; maria commands from +1 and hands to kenji at +30; priya is scribe from +3 until she
/// leaves at +45; updates internal +12, executive +20, external +25 and +40; resolved at +60.
fn scripted(sb: &Sandbox) -> std::path::PathBuf {
    let st = sb.store();
    let store = SqliteStore::open(&st).expect("open");
    let ev = |minute: i64, who: &str, body: EventBody| {
        NewEvent::new(IncidentId(ID.into()), Author(format!("{who}@jump-01")), body)
            .occurred_at(t0() + Duration::minutes(minute))
    };
    let sev = |level: u8| EventBody::SeverityChanged {
        severity: Severity::new(level).expect("level"),
        reason: None,
    };
    let update = |audience: Audience, text: &str| EventBody::StatusUpdatePosted {
        text: text.into(),
        audience,
    };
    let events = vec![
        ev(
            0,
            "maria",
            EventBody::IncidentDeclared {
                title: "Card payments failing".into(),
                severity: Severity::new(2).expect("level"),
                summary: None,
                detected_at: Some(t0() - Duration::minutes(5)),
                drill: false,
            },
        ),
        ev(
            1,
            "maria",
            EventBody::RoleAssigned {
                role: Role::Commander,
                person: "maria".into(),
            },
        ),
        ev(
            2,
            "maria",
            EventBody::ResponderPaged {
                person: "sam".into(),
                via: Some("pagerduty".into()),
            },
        ),
        ev(
            3,
            "maria",
            EventBody::RoleAssigned {
                role: Role::Scribe,
                person: "priya".into(),
            },
        ),
        ev(
            4,
            "maria",
            EventBody::StatusChanged {
                status: Status::Active,
                reason: None,
            },
        ),
        ev(
            6,
            "sam",
            EventBody::ResponderAcknowledged { person: "sam".into() },
        ),
        ev(10, "maria", sev(1)),
        ev(
            12,
            "maria",
            update(Audience::Internal, "Card payments failing in EU."),
        ),
        ev(
            15,
            "maria",
            EventBody::LinkAdded {
                kind: LinkKind::Bridge,
                reference: "https://meet.example/wr-rndz2".into(),
                url: None,
            },
        ),
        ev(
            20,
            "maria",
            update(Audience::Executive, "EU card revenue at risk."),
        ),
        ev(
            25,
            "priya",
            update(Audience::External, "Some card payments fail."),
        ),
        ev(
            30,
            "maria",
            EventBody::Handoff {
                from: "maria".into(),
                to: "kenji".into(),
                briefing: Briefing {
                    status: "SEV1 active, failover in progress".into(),
                    hypotheses_open: vec!["connection pool exhaustion".into()],
                    hypotheses_ruled_out: vec!["DNS".into()],
                    last_customer_update: "Some card payments fail.".into(),
                    next_steps: vec!["finish the failover".into(), "watch p99".into()],
                },
            },
        ),
        ev(
            40,
            "priya",
            update(Audience::External, "Payments are recovering."),
        ),
        ev(
            45,
            "priya",
            EventBody::ResponderLeft {
                person: "priya".into(),
            },
        ),
        ev(50, "kenji", sev(2)),
        ev(
            55,
            "kenji",
            EventBody::FollowUpAdded {
                text: "Alert on pool saturation".into(),
                owner: Some("raj".into()),
            },
        ),
        ev(
            60,
            "kenji",
            EventBody::StatusChanged {
                status: Status::Resolved,
                reason: Some("failover done".into()),
            },
        ),
    ];
    store.append_batch(&events).expect("append");
    st
}

/// The text of one `## ` section.
fn section<'a>(md: &'a str, title: &str) -> &'a str {
    let start = md
        .find(&format!("\n## {title}\n"))
        .unwrap_or_else(|| panic!("no section {title} in:\n{md}"));
    let rest = &md[start + 1..];
    let end = rest[3..].find("\n## ").map_or(rest.len(), |i| i + 4);
    &rest[..end]
}

#[test]
fn the_postmortem_has_what_its_author_needs_first() {
    let sb = Sandbox::new();
    let st = scripted(&sb);
    // Resolved, nothing open: `export` takes it, named by the end of its id.
    let md = sb.ok(&st, &["export", "--incident", "rndz2"]);

    assert!(
        md.contains("| **Record** | hash chain verified intact when written: 17 events in the store, head "),
        "{md}"
    );

    let m = section(&md, "Milestones and durations");
    // MTTA from detection (−5) to sam's acknowledgement (+6), not to the move to active (+4).
    assert!(m.contains("| Time to acknowledge | 11m 00s |"), "{m}");
    assert!(m.contains("| Time to resolve | 1h 05m 00s |"), "{m}");
    assert!(m.contains("| Total duration | 1h 05m 00s |"), "{m}");

    let h = section(&md, "Severity and status history");
    assert!(
        h.contains("**Peak severity:** SEV1. **Time at each severity:** SEV1 40m 00s · SEV2 20m 00s."),
        "{h}"
    );
    assert!(
        h.contains("| 2026-11-28 14:00:00Z | resolved | kenji@jump-01 | failover done |"),
        "{h}"
    );

    let p = section(&md, "Roles and responders");
    for line in [
        "| commander | maria | 2026-11-28 13:01:00Z | 2026-11-28 13:30:00Z |",
        "| commander | kenji | 2026-11-28 13:30:00Z | still |",
        "| scribe | priya | 2026-11-28 13:03:00Z | 2026-11-28 13:45:00Z |",
        "  **Hypotheses open:**\n\n  - connection pool exhaustion",
        "  **Hypotheses ruled out:**\n\n  - DNS",
        "  **Next steps:**\n\n  - finish the failover\n  - watch p99",
        "  **Last customer update:**\n\n  > Some card payments fail.",
    ] {
        assert!(p.contains(line), "`{line}` not in:\n{p}");
    }

    let u = section(&md, "Status updates");
    let internal = u.find("### Internal (1)").expect("internal");
    let executive = u.find("### Executive (1)").expect("executive");
    let external = u.find("### External (2)").expect("external");
    assert!(internal < executive && executive < external, "{u}");
    assert!(u[external..].contains("Payments are recovering."), "{u}");

    assert!(section(&md, "Links").contains("| bridge | https://meet.example/wr-rndz2 | — | maria@jump-01 |"));
    assert!(section(&md, "Follow-ups").contains("| Alert on pool saturation | raj | kenji@jump-01 |"));

    // `status --all` keeps the same clock: from detection, stopped at the resolve.
    let status = sb.ok(&st, &["status", "--all"]);
    assert!(status.contains("T+01:05:00"), "{status}");
}
