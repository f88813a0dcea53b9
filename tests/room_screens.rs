//! Issue 26's scripted incident, drawn whole at 80×24, 120×32 and 160×48 into a TestBackend as
//! insta snapshots: six long notes that share their first 60 characters, a 200-character
//! status update, eight responders, 13 checklist items, read by a read-only console. Each note
//! must be told from the others, the update read in full, and every pane must say what it
//! cannot show.

use chrono::{DateTime, Duration, TimeZone, Utc};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use warroom::timeline::{
    Audience, Author, ChecklistItemSpec, EventBody, IncidentId, NewEvent, Phase, Role, Severity,
};
use warroom::tui::app::{App, Msg, Options};
use warroom::tui::view;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 28, 15, 0, 0)
        .single()
        .expect("valid time")
}

const PREFIX: &str = "CloudTrail shows GetObject on s3://partner-exports/batch-2026";

/// The six notes' endings: what tells them apart.
const ENDINGS: [&str; 6] = [
    "11-27/customers.csv from 203.0.113.7 (Tor exit)",
    "11-27/orders.csv from the same address",
    "11-26/customers.csv: the day before, so it began earlier",
    "11-25: nothing; the first read is at 02:14 UTC on the 26th",
    "11-27 by the partner-sync role, whose key is the one leaked",
    "11-27 stopped at 14:31 after the key was disabled",
];

const UPDATE: &str = "Customer data from the partner export bucket was read by an unknown party \
    between 26 Nov 02:14 and 27 Nov 14:31 UTC. The access key is disabled and the bucket locked. \
    Legal and the DPO are engaged; next update 16:00 UTC.";

fn events() -> Vec<NewEvent> {
    let id = IncidentId("INC-20261128-ROOM1".into());
    let start = now() - Duration::minutes(50);
    let maria = Author("maria@jump-01".into());
    let priya = Author("priya@jump-01".into());
    let mut out = Vec::new();
    let mut at = |mins: i64, author: &Author, body: EventBody| {
        let t = start + Duration::minutes(mins);
        let mut e = NewEvent::new(id.clone(), author.clone(), body).occurred_at(t);
        e.recorded_at = t;
        out.push(e);
    };
    at(
        0,
        &maria,
        EventBody::IncidentDeclared {
            title: "Partner export bucket read by an unknown party".into(),
            severity: Severity::new(1).expect("SEV1"),
            summary: Some("GuardDuty flagged S3 reads from a Tor exit node".into()),
            detected_at: Some(start - Duration::minutes(12)),
            drill: false,
        },
    );
    let phases = [
        Phase::Detect,
        Phase::Contain,
        Phase::Eradicate,
        Phase::Recover,
        Phase::PostIncident,
    ];
    let items = (1..=13)
        .map(|n| ChecklistItemSpec {
            id: format!("breach/step-{n}"),
            phase: phases[(n - 1) * phases.len() / 13],
            title: format!("Step {n}: a checklist item whose title is long enough to need wrapping"),
            owner: None,
            guidance: None,
        })
        .collect();
    at(
        1,
        &maria,
        EventBody::ChecklistAdded {
            runbook: "breach".into(),
            items,
        },
    );
    for (n, person) in ["maria", "priya", "kenji", "sam", "lena", "omar", "ruth", "tom"]
        .iter()
        .enumerate()
    {
        at(
            2 + n as i64,
            &maria,
            EventBody::ResponderAdded {
                person: person.to_string(),
                contact: None,
            },
        );
    }
    at(
        10,
        &maria,
        EventBody::RoleAssigned {
            role: Role::Commander,
            person: "maria".into(),
        },
    );
    at(
        11,
        &maria,
        EventBody::RoleAssigned {
            role: Role::Scribe,
            person: "priya".into(),
        },
    );
    for (n, ending) in ENDINGS.iter().enumerate() {
        at(
            15 + n as i64 * 3,
            &priya,
            EventBody::Note {
                text: format!("{PREFIX}-{ending}"),
            },
        );
    }
    at(
        40,
        &maria,
        EventBody::StatusUpdatePosted {
            text: UPDATE.into(),
            audience: Audience::Executive,
        },
    );
    out
}

fn screen(width: u16, height: u16) -> String {
    let options = Options {
        read_only: true,
        ..Options::new("exec@jump-01", "/srv/warroom/timeline.db")
    };
    let mut app = App::builder(options).stored(&events()).build().expect("app");
    app.update(Msg::Resize(width, height), now());
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
    terminal.draw(|f| view::draw(f, &app, now())).expect("draw");
    let buf = terminal.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..height {
        let line: String = (0..width).map(|x| buf[(x, y)].symbol()).collect();
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[test]
fn the_scripted_incident_reads_at_160x48() {
    let s = screen(160, 48);
    // Every note told apart by what follows the shared prefix.
    for ending in ENDINGS {
        let last = ending.split_whitespace().last().unwrap_or(ending);
        assert!(s.contains(last), "“{ending}” cut off:\n{s}");
    }
    assert!(
        s.contains("next update 16:00 UTC."),
        "the update is not read whole:\n{s}"
    );
    assert!(s.contains("READ-ONLY") && s.contains("detected 13:58Z"), "{s}");
    assert!(
        s.contains("more ─"),
        "the checklist does not say what it cannot show:\n{s}"
    );
    insta::assert_snapshot!("room_160x48", s);
}

#[test]
fn the_scripted_incident_reads_at_120x32() {
    let s = screen(120, 32);
    assert!(s.contains("READ-ONLY"), "{s}");
    assert!(
        s.contains("↓") && s.contains("more"),
        "hidden rows not said:\n{s}"
    );
    insta::assert_snapshot!("room_120x32", s);
}

#[test]
fn the_scripted_incident_reads_at_80x24() {
    let s = screen(80, 24);
    assert!(s.contains(" RO "), "{s}");
    assert!(s.contains("latest executive update"), "{s}");
    insta::assert_snapshot!("room_80x24", s);
}
