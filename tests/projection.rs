//! Table-driven tests of the fold, `Projection::apply`: each case is a list of events, placed
//! and decoded as the store does (`RawEvent::place`, then `decode`), and the facts expected of
//! the incidents they fold into.
//!
//! Times are minutes after 13:00 UTC: event `i` of a case is recorded at minute `i`, and
//! `.at(m)` says it happened at minute `m` (`occurred_at`). Corrections (`amend`, `retract`)
//! name the event they correct by its index in the same case.

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::json;
use std::fmt::Debug;
use warroom::incident::{Incident, Projection, ResponderState};
use warroom::timeline::store::RawEvent;
use warroom::timeline::{
    Author, Briefing, ChecklistItemSpec, Event, EventBody, Hash, IncidentId, NewEvent, Phase, Role, Severity,
    Status,
};

const A: &str = "INC-20261128-AAAAA";
const B: &str = "INC-20261128-BBBBB";

fn t(min: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 28, 13, 0, 0)
        .single()
        .expect("valid")
        + Duration::minutes(min)
}

// ---------------------------------------------------------------------------------------------
// Events

/// What an event says. Corrections point at an earlier event of the same case by index.
enum Body {
    Plain(EventBody),
    Amend {
        target: usize,
        text: Option<&'static str>,
        occurred: Option<i64>,
    },
    Retract(usize),
}

struct Ev {
    author: &'static str,
    incident: &'static str,
    body: Body,
    occurred: Option<i64>,
}

impl Ev {
    /// It happened at minute `min` (logged whenever its index says).
    fn at(mut self, min: i64) -> Ev {
        self.occurred = Some(min);
        self
    }
}

fn ev(author: &'static str, incident: &'static str, body: EventBody) -> Ev {
    Ev {
        author,
        incident,
        body: Body::Plain(body),
        occurred: None,
    }
}

fn amend(
    author: &'static str,
    incident: &'static str,
    target: usize,
    text: Option<&'static str>,
    occurred: Option<i64>,
) -> Ev {
    Ev {
        author,
        incident,
        body: Body::Amend {
            target,
            text,
            occurred,
        },
        occurred: None,
    }
}

fn retract(author: &'static str, incident: &'static str, target: usize) -> Ev {
    Ev {
        author,
        incident,
        body: Body::Retract(target),
        occurred: None,
    }
}

fn declare(level: u8) -> EventBody {
    EventBody::IncidentDeclared {
        title: "checkout 5xx".into(),
        severity: sev_of(level),
        summary: None,
        detected_at: None,
        drill: false,
    }
}
fn declare_detected(level: u8, detected: i64) -> EventBody {
    EventBody::IncidentDeclared {
        title: "checkout 5xx".into(),
        severity: sev_of(level),
        summary: None,
        detected_at: Some(t(detected)),
        drill: false,
    }
}
fn sev(level: u8) -> EventBody {
    EventBody::SeverityChanged {
        severity: sev_of(level),
        reason: None,
    }
}
fn status(status: Status) -> EventBody {
    EventBody::StatusChanged { status, reason: None }
}
fn update(text: &str) -> EventBody {
    EventBody::StatusUpdatePosted {
        text: text.into(),
        audience: Default::default(),
    }
}

fn note(text: &str) -> EventBody {
    EventBody::Note { text: text.into() }
}
fn assign(role: Role, person: &str) -> EventBody {
    EventBody::RoleAssigned {
        role,
        person: person.into(),
    }
}
fn release(role: Role, person: &str) -> EventBody {
    EventBody::RoleReleased {
        role,
        person: person.into(),
    }
}
fn page(person: &str) -> EventBody {
    EventBody::ResponderPaged {
        person: person.into(),
        via: Some("pagerduty".into()),
    }
}
fn ack(person: &str) -> EventBody {
    EventBody::ResponderAcknowledged {
        person: person.into(),
    }
}
fn join(person: &str) -> EventBody {
    EventBody::ResponderJoined {
        person: person.into(),
    }
}
fn leave(person: &str) -> EventBody {
    EventBody::ResponderLeft {
        person: person.into(),
    }
}
fn checklist(runbook: &str, items: &[&str]) -> EventBody {
    EventBody::ChecklistAdded {
        runbook: runbook.into(),
        items: items
            .iter()
            .map(|id| ChecklistItemSpec {
                id: id.to_string(),
                phase: Phase::Contain,
                title: format!("do {id}"),
                owner: None,
                guidance: None,
            })
            .collect(),
    }
}
fn check(item: &str) -> EventBody {
    EventBody::ChecklistChecked { item: item.into() }
}
fn uncheck(item: &str) -> EventBody {
    EventBody::ChecklistUnchecked { item: item.into() }
}
fn assign_item(item: &str, person: &str) -> EventBody {
    EventBody::ChecklistAssigned {
        item: item.into(),
        person: person.into(),
    }
}
fn handoff(from: &str, to: &str) -> EventBody {
    EventBody::Handoff {
        from: from.into(),
        to: to.into(),
        briefing: Briefing {
            status: "rolled back, watching".into(),
            ..Briefing::default()
        },
    }
}
/// Stored as `kind` with this payload; read back by this build as `Unrecognized`.
fn unknown(kind: &str, payload: serde_json::Value) -> EventBody {
    EventBody::Unrecognized {
        kind: kind.into(),
        payload,
    }
}

fn sev_of(level: u8) -> Severity {
    Severity::new(level).expect("SEV1..SEV5")
}

/// The events as the store would hand them back: ids given, placed at seq 1, 2, 3… on one
/// hash chain, then decoded from their stored form.
fn place(case: &str, evs: &[Ev]) -> Vec<Event> {
    let mut ids = Vec::new();
    let mut prev = Hash::GENESIS;
    let mut out = Vec::new();
    for (i, e) in evs.iter().enumerate() {
        let id_of = |target: usize| {
            assert!(
                target < i,
                "{case}: event {i} corrects event {target}, not an earlier one"
            );
            ids[target]
        };
        let body = match &e.body {
            Body::Plain(b) => b.clone(),
            Body::Amend {
                target,
                text,
                occurred,
            } => EventBody::Amended {
                target: id_of(*target),
                text: text.map(str::to_string),
                occurred_at: occurred.map(t),
                reason: Some("typo".into()),
            },
            Body::Retract(target) => EventBody::Retracted {
                target: id_of(*target),
                reason: Some("logged in error".into()),
            },
        };
        let mut n = NewEvent::new(IncidentId(e.incident.into()), Author(e.author.into()), body);
        n.recorded_at = t(i as i64);
        if let Some(m) = e.occurred {
            n = n.occurred_at(t(m));
        }
        ids.push(n.id);
        let raw = RawEvent::place(&n, i as u64 + 1, prev);
        prev = raw.hash;
        out.push(raw.decode());
    }
    out
}

fn fold<'a>(events: impl IntoIterator<Item = &'a Event>) -> Projection {
    let mut p = Projection::new();
    for e in events {
        p.apply(e.clone());
    }
    p
}

// ---------------------------------------------------------------------------------------------
// Expectations

/// A note as the projection shows it: (text, original text if amended, retracted).
type Shown = (&'static str, Option<&'static str>, bool);

enum Fact {
    Severity(u8),
    /// Every change kept, in order: (level, retracted).
    SeverityHistory(Vec<(u8, bool)>),
    Status(Status),
    StatusHistory(Vec<(Status, bool)>),
    Open(bool),
    Commander(Option<&'static str>),
    /// Who holds a role.
    Holder(Role, Option<&'static str>),
    RolesOf(&'static str, Vec<Role>),
    Responder(&'static str, ResponderState),
    PagedAt(&'static str, Option<i64>),
    AckedAt(&'static str, Option<i64>),
    /// When the person last wrote on the incident, in minutes.
    LastWrote(&'static str, Option<i64>),
    /// How the roster spells a name.
    Spelt(&'static str, &'static str),
    /// An item's checker and when.
    Checked(&'static str, Option<(&'static str, i64)>),
    Assignee(&'static str, Option<&'static str>),
    Progress(usize, usize),
    Notes(Vec<Shown>),
    /// Every entry in `entries` order: (happened, recorded), in minutes.
    EntryTimes(Vec<(i64, i64)>),
    LastEventAt(i64),
    Acknowledged(Option<i64>),
    Mitigated(Option<i64>),
    Resolved(Option<i64>),
    Closed(Option<i64>),
    TimeToResolve(Option<i64>),
    Reopened(usize),
    /// When the last status update that stands was posted, in minutes.
    LastUpdate(Option<i64>),
    Handoffs(Vec<(&'static str, &'static str)>),
    Events(u64),
    /// Folding the case without this event gives the same incident, but for its event count.
    Inert(usize),
    /// Folding only this incident's events gives the same incident.
    Isolated,
    /// These facts hold after only the first `n` events.
    After(usize, Vec<Fact>),
    /// These facts are of another incident of the case.
    Of(&'static str, Vec<Fact>),
}

struct Case {
    name: &'static str,
    events: Vec<Ev>,
    facts: Vec<Fact>,
}

fn same<T: PartialEq + Debug>(errs: &mut Vec<String>, at: &str, what: &str, got: T, want: T) {
    if got != want {
        errs.push(format!("{at}: {what}: got {got:?}, want {want:?}"));
    }
}

fn minutes(t0: Option<DateTime<Utc>>) -> Option<i64> {
    t0.map(|x| (x - t(0)).num_minutes())
}

fn verify(events: &[Event], incident: &str, facts: &[Fact], at: &str, errs: &mut Vec<String>) {
    let p = fold(events);
    let Some(inc) = p.incident(&IncidentId(incident.into())) else {
        errs.push(format!("{at}: no incident {incident}"));
        return;
    };
    for fact in facts {
        check_one(events, inc, fact, at, errs);
    }
}

fn check_one(events: &[Event], inc: &Incident, fact: &Fact, at: &str, errs: &mut Vec<String>) {
    let m = inc.milestones();
    match fact {
        Fact::Severity(level) => same(errs, at, "severity", inc.severity(), sev_of(*level)),
        Fact::SeverityHistory(want) => {
            let got: Vec<_> = inc
                .severity_history
                .iter()
                .map(|c| (c.value.level(), c.retracted))
                .collect();
            same(errs, at, "severity history", got, want.clone());
        }
        Fact::Status(want) => same(errs, at, "status", inc.status(), *want),
        Fact::StatusHistory(want) => {
            let got: Vec<_> = inc
                .status_history
                .iter()
                .map(|c| (c.value, c.retracted))
                .collect();
            same(errs, at, "status history", got, want.clone());
        }
        Fact::Open(want) => same(errs, at, "is_open", inc.is_open(), *want),
        Fact::Commander(want) => same(errs, at, "commander", inc.commander(), *want),
        Fact::Holder(role, want) => same(
            errs,
            at,
            &format!("holder of {}", role.as_str()),
            inc.roles.get(role).map(String::as_str),
            *want,
        ),
        Fact::RolesOf(person, want) => same(
            errs,
            at,
            &format!("roles of {person}"),
            inc.roles_of(person),
            want.iter().collect(),
        ),
        Fact::Responder(person, want) => same(
            errs,
            at,
            &format!("state of {person}"),
            inc.responder_named(person).map(|r| r.state),
            Some(*want),
        ),
        Fact::PagedAt(person, want) => same(
            errs,
            at,
            &format!("{person} paged at"),
            minutes(inc.responder_named(person).and_then(|r| r.paged_at)),
            *want,
        ),
        Fact::AckedAt(person, want) => same(
            errs,
            at,
            &format!("{person} acknowledged at"),
            minutes(inc.responder_named(person).and_then(|r| r.acknowledged_at)),
            *want,
        ),
        Fact::LastWrote(person, want) => same(
            errs,
            at,
            &format!("{person} last wrote at"),
            minutes(inc.responder_named(person).and_then(|r| r.last_wrote)),
            *want,
        ),
        Fact::Spelt(name, want) => same(
            errs,
            at,
            &format!("{name} spelt"),
            inc.spelling(name),
            want.to_string(),
        ),
        Fact::Checked(item, want) => match inc.checklist_item(item) {
            None => errs.push(format!("{at}: no checklist item {item}")),
            Some(i) => same(
                errs,
                at,
                &format!("{item} checked"),
                i.checked
                    .as_ref()
                    .map(|(by, when)| (by.to_string(), minutes(Some(*when)))),
                want.map(|(by, when)| (by.to_string(), Some(when))),
            ),
        },
        Fact::Assignee(item, want) => match inc.checklist_item(item) {
            None => errs.push(format!("{at}: no checklist item {item}")),
            Some(i) => same(
                errs,
                at,
                &format!("{item} assignee"),
                i.assignee.as_deref(),
                *want,
            ),
        },
        Fact::Progress(done, total) => same(
            errs,
            at,
            "checklist progress",
            inc.checklist_progress(),
            (*done, *total),
        ),
        Fact::Notes(want) => {
            let got: Vec<_> = inc
                .notes()
                .map(|e| (e.text.as_str(), e.original.as_deref(), e.retracted))
                .collect();
            same(errs, at, "notes", got, want.clone());
        }
        Fact::EntryTimes(want) => {
            let got: Vec<_> = inc
                .entries
                .iter()
                .map(|e| (minutes(Some(e.at)), minutes(Some(e.recorded_at))))
                .collect();
            let want: Vec<_> = want.iter().map(|&(a, r)| (Some(a), Some(r))).collect();
            same(errs, at, "entry times (happened, recorded)", got, want);
        }
        Fact::LastEventAt(want) => same(errs, at, "last event at", minutes(inc.last_event_at), Some(*want)),
        Fact::Acknowledged(want) => same(errs, at, "acknowledged milestone", minutes(m.acknowledged), *want),
        Fact::Mitigated(want) => same(errs, at, "mitigated milestone", minutes(m.mitigated), *want),
        Fact::Resolved(want) => same(errs, at, "resolved milestone", minutes(m.resolved), *want),
        Fact::Closed(want) => same(errs, at, "closed milestone", minutes(m.closed), *want),
        Fact::TimeToResolve(want) => same(
            errs,
            at,
            "time to resolve (minutes)",
            m.time_to_resolve().map(|d| d.num_minutes()),
            *want,
        ),
        Fact::Reopened(want) => same(errs, at, "reopened", inc.reopened(), *want),
        Fact::LastUpdate(want) => same(
            errs,
            at,
            "last status update",
            minutes(inc.last_status_update_at()),
            *want,
        ),
        Fact::Handoffs(want) => {
            let got: Vec<_> = inc
                .handoffs
                .iter()
                .map(|h| (h.from.as_str(), h.to.as_str()))
                .collect();
            same(errs, at, "handoffs", got, want.clone());
        }
        Fact::Events(want) => same(errs, at, "events counted", inc.events, *want),
        Fact::Inert(i) => {
            let without: Vec<&Event> = events
                .iter()
                .enumerate()
                .filter(|(j, _)| j != i)
                .map(|(_, e)| e)
                .collect();
            let p = fold(without);
            let Some(other) = p.incident(&inc.id) else {
                errs.push(format!("{at}: without event {i}, no incident {}", inc.id));
                return;
            };
            same(
                errs,
                at,
                &format!("events counted with event {i} vs without"),
                inc.events,
                other.events + 1,
            );
            let mut mine = inc.clone();
            mine.events = other.events;
            mine.last_seq = other.last_seq;
            mine.last_event_at = other.last_event_at;
            if mine != *other {
                errs.push(format!(
                    "{at}: event {i} changed the incident\n with: {mine:#?}\n without: {other:#?}"
                ));
            }
        }
        Fact::Isolated => {
            let p = fold(events.iter().filter(|e| e.incident == inc.id));
            match p.incident(&inc.id) {
                Some(alone) if alone == inc => {}
                alone => errs.push(format!(
                    "{at}: other incidents' events changed {}\n interleaved: {inc:#?}\n alone: {alone:#?}",
                    inc.id
                )),
            }
        }
        Fact::After(n, facts) => verify(
            &events[..*n],
            inc.id.as_str(),
            facts,
            &format!("{at} (after {n} events)"),
            errs,
        ),
        Fact::Of(other, facts) => verify(events, other, facts, &format!("{at} [{other}]"), errs),
    }
}

// ---------------------------------------------------------------------------------------------
// The table

fn cases() -> Vec<Case> {
    use Fact::*;
    use warroom::timeline::Status::{
        Active, Closed as StClosed, Mitigated as StMitigated, Resolved as StResolved, Triage,
    };
    vec![
        Case {
            name: "the last status update is kept by the fold, across late logging, amend and retract",
            events: vec![
                ev("maria", A, declare(2)),
                ev("maria", A, update("investigating")),
                ev("kenji", A, update("mitigating")),
                ev("kenji", A, update("logged late")).at(1),
                retract("kenji", A, 2),
                amend("maria", A, 1, None, Some(0)),
            ],
            facts: vec![
                After(1, vec![LastUpdate(None)]),
                After(3, vec![LastUpdate(Some(2))]),
                After(4, vec![LastUpdate(Some(2))]),
                After(5, vec![LastUpdate(Some(1))]),
                LastUpdate(Some(1)),
                Notes(vec![]),
            ],
        },
        Case {
            name: "retract undoes a severity change; the record keeps both",
            events: vec![
                ev("maria", A, declare(3)),
                ev("maria", A, sev(1)),
                ev("kenji", A, sev(2)),
                retract("kenji", A, 2),
            ],
            facts: vec![
                After(3, vec![Severity(2)]),
                Severity(1),
                SeverityHistory(vec![(3, false), (1, false), (2, true)]),
            ],
        },
        Case {
            name: "retracting every change goes back to the declared severity; the declaration stays",
            events: vec![
                ev("maria", A, declare(3)),
                ev("maria", A, sev(1)),
                retract("maria", A, 1),
                retract("maria", A, 0),
            ],
            facts: vec![
                Severity(3),
                SeverityHistory(vec![(3, false), (1, true)]),
                StatusHistory(vec![(Triage, false)]),
            ],
        },
        Case {
            name: "retract undoes a status change",
            events: vec![
                ev("maria", A, declare(2)),
                ev("maria", A, status(Active)),
                ev("maria", A, status(StMitigated)),
                retract("kenji", A, 2),
            ],
            facts: vec![
                After(3, vec![Status(StMitigated), Mitigated(Some(2))]),
                Status(Active),
                Open(true),
                Mitigated(None),
                StatusHistory(vec![(Triage, false), (Active, false), (StMitigated, true)]),
            ],
        },
        Case {
            name: "a retracted resolution: open again, and never reopened",
            events: vec![
                ev("maria", A, declare(2)),
                ev("maria", A, status(Active)),
                ev("maria", A, status(StResolved)),
                retract("maria", A, 2),
                ev("maria", A, status(StMitigated)),
            ],
            facts: vec![
                After(3, vec![Status(StResolved), Open(false), Resolved(Some(2))]),
                Status(StMitigated),
                Open(true),
                Resolved(None),
                Reopened(0),
            ],
        },
        Case {
            name: "a retracted reopen: resolved again, never reopened",
            events: vec![
                ev("maria", A, declare(2)),
                ev("maria", A, status(Active)),
                ev("maria", A, status(StResolved)),
                ev("kenji", A, status(Active)),
                retract("kenji", A, 3),
            ],
            facts: vec![
                After(4, vec![Reopened(1), Open(true), Resolved(None)]),
                Status(StResolved),
                Open(false),
                Reopened(0),
                Resolved(Some(2)),
            ],
        },
        Case {
            name: "amend changes a note's text; the original is kept",
            events: vec![
                ev("maria", A, declare(2)),
                ev("priya", A, note("db primary at 92% cpu")),
                amend("priya", A, 1, Some("db replica at 92% cpu"), None),
            ],
            facts: vec![
                After(2, vec![Notes(vec![("db primary at 92% cpu", None, false)])]),
                Notes(vec![(
                    "db replica at 92% cpu",
                    Some("db primary at 92% cpu"),
                    false,
                )]),
                EntryTimes(vec![(1, 1)]),
            ],
        },
        Case {
            name: "amend moves when a note and a status change happened",
            events: vec![
                ev("maria", A, declare(2)),
                ev("maria", A, status(Active)),
                ev("priya", A, note("rolled back checkout-api")),
                ev("maria", A, status(StMitigated)),
                amend("priya", A, 2, None, Some(1)),
                amend("maria", A, 3, None, Some(2)),
            ],
            facts: vec![
                After(4, vec![Mitigated(Some(3)), EntryTimes(vec![(2, 2)])]),
                Notes(vec![("rolled back checkout-api", None, false)]),
                EntryTimes(vec![(1, 2)]),
                Mitigated(Some(2)),
                Status(StMitigated),
            ],
        },
        Case {
            name: "an amend of an amend corrects the same note",
            events: vec![
                ev("maria", A, declare(2)),
                ev("priya", A, note("a")),
                amend("priya", A, 1, Some("b"), None),
                amend("priya", A, 2, Some("c"), None),
                amend("priya", A, 3, None, Some(0)),
            ],
            facts: vec![
                After(3, vec![Notes(vec![("b", Some("a"), false)])]),
                Notes(vec![("c", Some("a"), false)]),
                EntryTimes(vec![(0, 1)]),
            ],
        },
        Case {
            name: "two amends of one note: the later text shows, the first is the original",
            events: vec![
                ev("maria", A, declare(2)),
                ev("priya", A, note("a")),
                amend("priya", A, 1, Some("b"), None),
                amend("kenji", A, 1, Some("c"), None),
            ],
            facts: vec![Notes(vec![("c", Some("a"), false)])],
        },
        Case {
            name: "an amend of a retracted note corrects it and it stays retracted",
            events: vec![
                ev("maria", A, declare(2)),
                ev("priya", A, note("x")),
                ev("priya", A, note("kept")),
                retract("priya", A, 1),
                amend("priya", A, 1, Some("y"), None),
            ],
            facts: vec![
                After(4, vec![Notes(vec![("x", None, true), ("kept", None, false)])]),
                Notes(vec![("y", Some("x"), true), ("kept", None, false)]),
            ],
        },
        Case {
            name: "a handoff makes the receiver commander and the giver not",
            events: vec![
                ev("maria", A, declare(1)),
                ev("maria", A, assign(Role::Commander, "maria")),
                ev("maria", A, assign(Role::Scribe, "maria")),
                ev("maria", A, handoff("maria", "kenji")),
                ev("kenji", A, handoff("kenji", "priya")),
            ],
            facts: vec![
                After(
                    4,
                    vec![
                        Commander(Some("kenji")),
                        RolesOf("maria", vec![Role::Scribe]),
                        RolesOf("kenji", vec![Role::Commander]),
                        Responder("kenji", ResponderState::Engaged),
                    ],
                ),
                Commander(Some("priya")),
                RolesOf("kenji", vec![]),
                Responder("priya", ResponderState::Engaged),
                Handoffs(vec![("maria", "kenji"), ("kenji", "priya")]),
            ],
        },
        Case {
            name: "resolve, reopen, resolve: reopened once; time to resolve counts to the last resolution",
            events: vec![
                ev("maria", A, declare_detected(2, -5)),
                ev("maria", A, page("sam")),
                ev("sam", A, ack("sam")),
                ev("maria", A, status(Active)),
                ev("maria", A, status(StMitigated)),
                ev("maria", A, status(StResolved)),
                ev("kenji", A, status(Active)),
                ev("kenji", A, status(StMitigated)),
                ev("kenji", A, status(StResolved)),
            ],
            facts: vec![
                After(6, vec![Resolved(Some(5)), Reopened(0), Open(false)]),
                After(
                    7,
                    vec![Open(true), Resolved(None), TimeToResolve(None), Reopened(1)],
                ),
                Status(StResolved),
                Reopened(1),
                Acknowledged(Some(2)),
                // The first mitigation, as documented ("the first move to mitigated or
                // beyond"): time to mitigate is to when impact was first reduced.
                Mitigated(Some(4)),
                Resolved(Some(8)),
                Closed(None),
                TimeToResolve(Some(13)),
            ],
        },
        Case {
            name: "reopened, then closed without resolving again: resolved when closed",
            events: vec![
                ev("maria", A, declare(2)),
                ev("maria", A, status(Active)),
                ev("maria", A, status(StResolved)),
                ev("kenji", A, status(Active)),
                ev("kenji", A, status(StClosed)),
            ],
            facts: vec![
                Reopened(1),
                Open(false),
                Resolved(Some(4)),
                Closed(Some(4)),
                TimeToResolve(Some(4)),
            ],
        },
        Case {
            name: "resolved, closed, reopened, resolved: not closed, resolved at the last",
            events: vec![
                ev("maria", A, declare(3)),
                ev("maria", A, status(StResolved)),
                ev("maria", A, status(StClosed)),
                ev("kenji", A, status(Active)),
                ev("kenji", A, status(StResolved)),
            ],
            facts: vec![
                After(3, vec![Resolved(Some(1)), Closed(Some(2))]),
                Reopened(1),
                Resolved(Some(4)),
                Closed(None),
                Mitigated(Some(1)),
            ],
        },
        Case {
            name: "concurrent role changes: the later seq wins; a stale release does nothing",
            events: vec![
                ev("maria", A, declare(2)),
                ev("maria", A, assign(Role::Scribe, "priya")).at(1),
                ev("kenji", A, assign(Role::Scribe, "sam")).at(1),
                ev("priya", A, release(Role::Scribe, "priya")),
                ev("maria", A, assign(Role::Ops, "sam")),
                ev("sam", A, release(Role::Ops, "sam")),
                ev("sam", A, leave("sam")),
            ],
            facts: vec![
                After(
                    5,
                    vec![
                        Holder(Role::Scribe, Some("sam")),
                        RolesOf("sam", vec![Role::Scribe, Role::Ops]),
                        RolesOf("priya", vec![]),
                        Responder("priya", ResponderState::Engaged),
                    ],
                ),
                After(6, vec![RolesOf("sam", vec![Role::Scribe])]),
                Holder(Role::Scribe, None),
                RolesOf("sam", vec![]),
                Responder("sam", ResponderState::Left),
            ],
        },
        Case {
            name: "responders: paged, acknowledged, joined, left",
            events: vec![
                ev("maria", A, declare(2)),
                ev("maria", A, page("sam")),
                ev("sam", A, ack("sam")),
                ev("sam", A, join("sam")),
                ev("sam", A, leave("sam")),
            ],
            facts: vec![
                After(
                    2,
                    vec![Responder("sam", ResponderState::Paged), PagedAt("sam", Some(1))],
                ),
                After(
                    3,
                    vec![
                        Responder("sam", ResponderState::Acknowledged),
                        AckedAt("sam", Some(2)),
                    ],
                ),
                After(4, vec![Responder("sam", ResponderState::Engaged)]),
                Responder("sam", ResponderState::Left),
                PagedAt("sam", Some(1)),
                AckedAt("sam", Some(2)),
                Acknowledged(Some(2)),
            ],
        },
        Case {
            name: "roster: a role is no answer, names match whatever their case, writing is work",
            events: vec![
                ev("maria@jump", A, declare(2)),
                ev("maria@jump", A, page("sam")),
                ev("maria@jump", A, assign(Role::Comms, "Sam")),
                ev("maria@jump", A, page("Priya")),
                ev("priya@jump", A, ack("priya")),
                ev("PRIYA (ops@jump)", A, note("on it")),
                ev("maria@jump", A, release(Role::Comms, "SAM")),
                ev("maria@jump", A, assign(Role::Scribe, "sam")),
                ev("source:splunk", A, note("sam")),
                ev("maria@jump", A, leave("SAM")),
            ],
            facts: vec![
                // sam was paged, never answered, and was given comms: still paged, no answer
                After(
                    3,
                    vec![
                        Responder("sam", ResponderState::Paged),
                        RolesOf("SAM", vec![Role::Comms]),
                        Holder(Role::Comms, Some("sam")),
                    ],
                ),
                After(
                    5,
                    vec![
                        Responder("priya", ResponderState::Acknowledged),
                        LastWrote("priya", Some(4)),
                    ],
                ),
                After(
                    8,
                    vec![Holder(Role::Comms, None), Holder(Role::Scribe, Some("sam"))],
                ),
                After(
                    9,
                    vec![Responder("sam", ResponderState::Paged), LastWrote("sam", None)],
                ),
                Responder("Priya", ResponderState::Engaged),
                LastWrote("priya", Some(5)),
                Spelt("PRIYA", "Priya"),
                Spelt("nobody", "nobody"),
                Responder("sam", ResponderState::Left),
                Holder(Role::Scribe, None),
                // MTTA counts the acknowledgement, not the first note
                Acknowledged(Some(4)),
            ],
        },
        Case {
            name: "responders: a late acknowledgement or page leaves an engaged responder engaged",
            events: vec![
                ev("maria", A, declare(2)),
                ev("sam", A, join("sam")),
                ev("sam", A, ack("sam")).at(0),
                ev("maria", A, page("sam")),
                ev("sam", A, leave("sam")),
                ev("maria", A, page("sam")),
            ],
            facts: vec![
                After(
                    3,
                    vec![Responder("sam", ResponderState::Engaged), AckedAt("sam", Some(0))],
                ),
                After(
                    4,
                    vec![Responder("sam", ResponderState::Engaged), PagedAt("sam", Some(3))],
                ),
                // paged again after leaving: paged, asked back
                Responder("sam", ResponderState::Paged),
                PagedAt("sam", Some(5)),
                Acknowledged(Some(0)),
            ],
        },
        Case {
            name: "checklist: checked, unchecked, checked again by someone else; assigned",
            events: vec![
                ev("maria", A, declare(2)),
                ev(
                    "maria",
                    A,
                    checklist("sev-basics", &["channel", "page-oncall", "status-page"]),
                ),
                ev("maria", A, check("channel")),
                ev("kenji", A, uncheck("channel")),
                ev("priya", A, check("channel")),
                ev("maria", A, assign_item("status-page", "sam")),
                ev("kenji", A, check("page-oncall")),
                ev("kenji", A, check("no-such-item")),
                ev("kenji", A, checklist("rollback", &["page-oncall", "rollback"])),
            ],
            facts: vec![
                After(3, vec![Checked("channel", Some(("maria", 2)))]),
                After(4, vec![Checked("channel", None), Progress(0, 3)]),
                Checked("channel", Some(("priya", 4))),
                Checked("page-oncall", Some(("kenji", 6))),
                Checked("status-page", None),
                Assignee("status-page", Some("sam")),
                Assignee("channel", None),
                Inert(7),
                Progress(2, 4),
            ],
        },
        Case {
            name: "two incidents interleaved never bleed into each other",
            events: vec![
                ev("maria", A, declare(2)),
                ev("kenji", B, declare(4)),
                ev("maria", A, note("A: checkout errors")),
                ev("kenji", B, note("B: cert expires friday")),
                ev("maria", A, sev(1)),
                ev("kenji", B, status(Active)),
                ev("maria", A, assign(Role::Commander, "maria")),
                ev("kenji", B, assign(Role::Commander, "kenji")),
                // corrections filed under B that point at A's events
                amend("kenji", B, 2, Some("B's words"), Some(0)),
                retract("kenji", B, 4),
                ev("maria", A, checklist("sev-basics", &["channel"])),
                ev("kenji", B, check("channel")),
            ],
            facts: vec![
                Isolated,
                Severity(1),
                Status(Triage),
                Commander(Some("maria")),
                Notes(vec![("A: checkout errors", None, false)]),
                Checked("channel", None),
                Events(5),
                Of(
                    B,
                    vec![
                        Isolated,
                        Severity(4),
                        Status(Active),
                        Commander(Some("kenji")),
                        Notes(vec![("B: cert expires friday", None, false)]),
                        Events(7),
                    ],
                ),
            ],
        },
        Case {
            name: "an unknown kind, or a known kind this build cannot read, passes by",
            events: vec![
                ev("maria", A, declare(3)),
                ev("maria", A, note("n")),
                ev(
                    "maria",
                    A,
                    unknown("pager.escalated", json!({"person": "sam", "level": 2})),
                ),
                ev("maria", A, unknown("severity.changed", json!({"severity": 9}))),
                ev(
                    "maria",
                    A,
                    unknown("status.changed", json!({"status": "on-fire"})),
                ),
                ev("maria", A, sev(2)),
            ],
            facts: vec![
                Inert(2),
                Inert(3),
                Inert(4),
                Severity(2),
                Status(Triage),
                Notes(vec![("n", None, false)]),
                Events(6),
            ],
        },
        Case {
            name: "events logged late keep their record order in entries, with when they happened",
            events: vec![
                ev("maria", A, declare(2)),
                ev("maria", A, note("first")),
                ev("priya", A, note("seen at 13:00, logged at 13:02")).at(0),
                ev("priya", A, status(Active)).at(0),
            ],
            facts: vec![
                Notes(vec![
                    ("first", None, false),
                    ("seen at 13:00, logged at 13:02", None, false),
                ]),
                EntryTimes(vec![(1, 1), (0, 2)]),
                LastEventAt(3),
                // MTTA is to the first acknowledgement of a page, as PagerDuty's: a move to
                // active is none (it used to count, giving 0 here).
                Acknowledged(None),
            ],
        },
    ]
}

#[test]
fn the_fold_gives_each_case_its_facts() {
    let mut errs = Vec::new();
    for case in cases() {
        assert!(
            !case.facts.is_empty(),
            "{}: a case with nothing to check",
            case.name
        );
        let events = place(case.name, &case.events);
        verify(&events, A, &case.facts, case.name, &mut errs);
    }
    assert!(
        errs.is_empty(),
        "{} failed expectations:\n{}",
        errs.len(),
        errs.join("\n")
    );
}

/// The table's own machinery can fail: a wrong expectation is reported, not passed over.
#[test]
fn a_wrong_expectation_is_reported() {
    let events = place(
        "wrong",
        &[
            ev("maria", A, declare(3)),
            ev("maria", A, sev(1)),
            ev("maria", A, note("x")),
        ],
    );
    let mut errs = Vec::new();
    verify(
        &events,
        A,
        &[
            Fact::Severity(3),
            Fact::Inert(1),
            Fact::Inert(2),
            Fact::After(1, vec![Fact::Severity(1)]),
            Fact::Of(B, vec![]),
        ],
        "wrong",
        &mut errs,
    );
    assert_eq!(errs.len(), 5, "{errs:#?}");
}
