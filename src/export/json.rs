//! The JSON export: one document, `{"format": "warroom-export", "version": 1, ...}`, with the
//! incident's (corrected) state and every event in the order things happened.
//!
//! The document is serialized straight to the writer: events are turned into JSON one at a
//! time, never all at once. Every string that came from a person or a source is cleaned of
//! escape sequences and control characters (newlines are kept, and JSON escapes them), so a
//! consumer that prints a field to a terminal cannot be attacked through it.

use super::{Report, rfc3339};
use crate::incident::{Change, Entry, EntryKind, Incident};
use crate::text::{clean_line, clean_text};
use crate::timeline::{Event, EventBody};
use chrono::{DateTime, TimeDelta, Utc};
use serde::ser::{Error as _, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::io::{Result, Write};
use uuid::Uuid;

pub(super) fn write(r: &Report<'_>, w: &mut dyn Write) -> Result<()> {
    let doc = Document {
        format: "warroom-export",
        version: 1,
        generated_at: rfc3339(r.now),
        incident: incident(r),
        events: Events(&r.events),
    };
    serde_json::to_writer_pretty(&mut *w, &doc)?;
    writeln!(w)
}

#[derive(Serialize)]
struct Document<'a> {
    format: &'static str,
    version: u32,
    generated_at: String,
    incident: IncidentOut,
    events: Events<'a>,
}

#[derive(Serialize)]
struct IncidentOut {
    id: String,
    title: String,
    summary: Option<String>,
    severity: String,
    status: &'static str,
    /// Not yet resolved or closed.
    open: bool,
    drill: bool,
    /// False when the declaration is missing from the store.
    declared: bool,
    declared_by: Option<String>,
    declared_at: Option<String>,
    commander: Option<String>,
    /// Current holders, by role.
    roles: BTreeMap<String, String>,
    responders: Vec<ResponderOut>,
    severity_history: Vec<ChangeOut>,
    status_history: Vec<ChangeOut>,
    milestones: MilestonesOut,
    durations_seconds: DurationsOut,
    checklist: ChecklistOut,
    /// Notes, decisions, status updates and signals as corrected by later amendments and
    /// retractions (the events themselves are under `events`).
    entries: Vec<EntryOut>,
    event_count: u64,
}

#[derive(Serialize)]
struct ResponderOut {
    person: String,
    roles: Vec<String>,
    state: &'static str,
    paged_at: Option<String>,
    paged_via: Option<String>,
    acknowledged_at: Option<String>,
}

#[derive(Serialize)]
struct ChangeOut {
    event: Uuid,
    seq: u64,
    at: String,
    by: String,
    value: String,
    reason: Option<String>,
    retracted: bool,
}

#[derive(Serialize)]
struct MilestonesOut {
    detected: Option<String>,
    declared: Option<String>,
    acknowledged: Option<String>,
    mitigated: Option<String>,
    resolved: Option<String>,
    closed: Option<String>,
}

#[derive(Serialize)]
struct DurationsOut {
    time_to_acknowledge: Option<i64>,
    time_to_mitigate: Option<i64>,
    time_to_resolve: Option<i64>,
    /// From detection to resolution, or to `generated_at` while the incident is open.
    elapsed: Option<i64>,
}

#[derive(Serialize)]
struct ChecklistOut {
    done: usize,
    total: usize,
    items: Vec<ItemOut>,
}

#[derive(Serialize)]
struct ItemOut {
    id: String,
    runbook: String,
    phase: &'static str,
    title: String,
    owner: Option<String>,
    done: bool,
    checked_by: Option<String>,
    checked_at: Option<String>,
    assignee: Option<String>,
}

#[derive(Serialize)]
struct EntryOut {
    event: Uuid,
    seq: u64,
    kind: &'static str,
    audience: Option<&'static str>,
    /// A link's kind (ticket, chat, bridge, dashboard, runbook).
    link: Option<&'static str>,
    at: String,
    recorded_at: String,
    author: String,
    text: String,
    detail: Option<String>,
    /// The text as first written, when it was amended.
    original: Option<String>,
    retracted: bool,
}

fn incident(r: &Report<'_>) -> IncidentOut {
    let inc: &Incident = r.incident;
    let m = inc.milestones();
    let (done, total) = inc.checklist_progress();
    IncidentOut {
        id: line(inc.id.as_str()),
        title: line(&inc.title),
        summary: inc.summary.as_deref().map(text),
        severity: inc.severity().to_string(),
        status: inc.status().as_str(),
        open: inc.is_open(),
        drill: inc.drill,
        declared: inc.declared,
        declared_by: inc.declared_by.as_deref().map(line),
        declared_at: time(inc.declared_at),
        commander: inc.commander().map(line),
        roles: inc
            .roles
            .iter()
            .map(|(role, p)| (line(role.as_str()), line(p)))
            .collect(),
        responders: inc
            .responders
            .values()
            .map(|p| ResponderOut {
                person: line(&p.person),
                roles: inc.roles_of(&p.person).iter().map(|r| line(r.as_str())).collect(),
                state: p.state.as_str(),
                paged_at: time(p.paged_at),
                paged_via: p.paged_via.as_deref().map(line),
                acknowledged_at: time(p.acknowledged_at),
            })
            .collect(),
        severity_history: inc.severity_history.iter().map(change).collect(),
        status_history: inc.status_history.iter().map(change).collect(),
        milestones: MilestonesOut {
            detected: time(m.detected),
            declared: time(m.declared),
            acknowledged: time(m.acknowledged),
            mitigated: time(m.mitigated),
            resolved: time(m.resolved),
            closed: time(m.closed),
        },
        durations_seconds: DurationsOut {
            time_to_acknowledge: seconds(m.time_to_acknowledge()),
            time_to_mitigate: seconds(m.time_to_mitigate()),
            time_to_resolve: seconds(m.time_to_resolve()),
            elapsed: seconds(r.elapsed()),
        },
        checklist: ChecklistOut {
            done,
            total,
            items: inc
                .checklist
                .iter()
                .map(|i| ItemOut {
                    id: line(&i.spec.id),
                    runbook: line(&i.runbook),
                    phase: i.spec.phase.as_str(),
                    title: line(&i.spec.title),
                    owner: i.spec.owner.as_ref().map(|o| line(o.as_str())),
                    done: i.checked.is_some(),
                    checked_by: i.checked.as_ref().map(|(by, _)| line(by)),
                    checked_at: time(i.checked.as_ref().map(|(_, at)| *at)),
                    assignee: i.assignee.as_deref().map(line),
                })
                .collect(),
        },
        entries: inc.entries.iter().map(entry).collect(),
        event_count: inc.events,
    }
}

fn change<T: std::fmt::Display>(c: &Change<T>) -> ChangeOut {
    ChangeOut {
        event: c.event,
        seq: c.seq,
        at: rfc3339(c.at),
        by: line(&c.by),
        value: c.value.to_string(),
        reason: c.reason.as_deref().map(line),
        retracted: c.retracted,
    }
}

fn entry(e: &Entry) -> EntryOut {
    let (kind, audience) = match e.kind {
        EntryKind::Note => ("note", None),
        EntryKind::Decision => ("decision", None),
        EntryKind::Signal => ("signal", None),
        EntryKind::SourceAction => ("source_action", None),
        EntryKind::Link(_) => ("link", None),
        EntryKind::FollowUp => ("follow_up", None),
        EntryKind::StatusUpdate(a) => ("status_update", Some(a.as_str())),
    };
    EntryOut {
        event: e.event,
        seq: e.seq,
        kind,
        audience,
        link: match e.kind {
            EntryKind::Link(k) => Some(k.as_str()),
            _ => None,
        },
        at: rfc3339(e.at),
        recorded_at: rfc3339(e.recorded_at),
        author: line(&e.author),
        text: text(&e.text),
        detail: e.detail.as_deref().map(text),
        original: e.original.as_deref().map(text),
        retracted: e.retracted,
    }
}

/// The events, serialized one by one as the writer asks for them.
struct Events<'a>(&'a [Event]);

impl Serialize for Events<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for e in self.0 {
            seq.serialize_element(&event(e).map_err(S::Error::custom)?)?;
        }
        seq.end()
    }
}

#[derive(Serialize)]
struct EventOut {
    seq: u64,
    id: Uuid,
    recorded_at: String,
    occurred_at: Option<String>,
    at: String,
    author: String,
    kind: String,
    payload: Value,
    dedup_key: Option<String>,
    hash: String,
}

fn event(e: &Event) -> serde_json::Result<EventOut> {
    Ok(EventOut {
        seq: e.seq,
        id: e.id,
        recorded_at: rfc3339(e.recorded_at),
        occurred_at: time(e.occurred_at),
        at: rfc3339(e.at()),
        author: line(e.author.as_str()),
        kind: line(e.kind()),
        payload: clean_value(payload(&e.body)?),
        dedup_key: e.dedup_key.as_deref().map(line),
        hash: e.hash.to_hex(),
    })
}

/// The payload object, as the store keeps it.
fn payload(body: &EventBody) -> serde_json::Result<Value> {
    if let EventBody::Unrecognized { payload, .. } = body {
        return Ok(payload.clone());
    }
    Ok(match serde_json::to_value(body)? {
        Value::Object(mut map) => map.remove("payload").unwrap_or(Value::Null),
        _ => Value::Null,
    })
}

/// Every string (and object key) in a payload cleaned for a terminal.
fn clean_value(v: Value) -> Value {
    match v {
        Value::String(s) => Value::String(text(&s)),
        Value::Array(items) => Value::Array(items.into_iter().map(clean_value).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (line(&k), clean_value(v)))
                .collect::<Map<String, Value>>(),
        ),
        other => other,
    }
}

fn line(s: &str) -> String {
    clean_line(s).into_owned()
}

fn text(s: &str) -> String {
    clean_text(s).into_owned()
}

fn time(t: Option<DateTime<Utc>>) -> Option<String> {
    t.map(rfc3339)
}

fn seconds(d: Option<TimeDelta>) -> Option<i64> {
    d.map(|d| d.num_seconds())
}

#[cfg(test)]
mod tests {
    use super::super::Format;
    use super::super::fixture::*;
    use super::*;
    use crate::timeline::{IncidentId, Store};

    fn doc() -> (String, Value) {
        let f = build();
        let out = render(&f.store, &f.id, Format::Json);
        let v: Value = serde_json::from_str(&out).unwrap();
        (out, v)
    }

    #[test]
    fn the_document_parses_back_with_every_event() {
        let (_, v) = doc();
        assert_eq!(v["format"], "warroom-export");
        assert_eq!(v["version"], 1);
        assert_eq!(v["generated_at"], "2026-11-28T15:00:00.000000Z");
        let events = v["events"].as_array().unwrap();
        assert_eq!(events.len(), EVENTS);
        assert_eq!(v["incident"]["event_count"], EVENTS);
        for key in [
            "seq",
            "id",
            "recorded_at",
            "occurred_at",
            "at",
            "author",
            "kind",
            "payload",
            "dedup_key",
            "hash",
        ] {
            assert!(events[0].get(key).is_some(), "event lacks {key}");
        }
        // In occurred order: the late note first, and never backwards.
        assert_eq!(events[0]["payload"]["text"], "pager fired before anyone looked");
        assert_eq!(events[0]["occurred_at"], "2026-11-28T12:58:00.000000Z");
        assert_eq!(events[0]["recorded_at"], "2026-11-28T14:10:00.000000Z");
        let ats: Vec<&str> = events.iter().map(|e| e["at"].as_str().unwrap()).collect();
        assert!(ats.windows(2).all(|w| w[0] <= w[1]), "{ats:?}");
        assert_eq!(events[1]["kind"], "incident.declared");
        assert_eq!(events[1]["payload"]["title"], "Checkout 500s | EU");
        assert_eq!(events[1]["payload"]["severity"], "SEV2");
        assert_eq!(events[1]["hash"].as_str().unwrap().len(), 64);
        assert!(events.iter().all(|e| e["author"] == "ana@host"));
    }

    #[test]
    fn the_incident_carries_state_milestones_and_durations() {
        let (_, v) = doc();
        let inc = &v["incident"];
        assert_eq!(inc["id"], ID);
        assert_eq!(inc["title"], "Checkout 500s | EU");
        assert_eq!(inc["severity"], "SEV1");
        assert_eq!(inc["status"], "resolved");
        assert_eq!(inc["open"], false);
        assert_eq!(inc["drill"], false);
        assert_eq!(inc["commander"], "ana");
        assert_eq!(inc["roles"]["commander"], "ana");
        assert_eq!(inc["milestones"]["detected"], "2026-11-28T12:55:00.000000Z");
        assert_eq!(inc["milestones"]["resolved"], "2026-11-28T14:00:12.000000Z");
        assert_eq!(inc["milestones"]["closed"], Value::Null);
        assert_eq!(inc["durations_seconds"]["time_to_acknowledge"], 540);
        assert_eq!(inc["durations_seconds"]["time_to_mitigate"], 2100);
        assert_eq!(inc["durations_seconds"]["time_to_resolve"], 3912);
        assert_eq!(inc["durations_seconds"]["elapsed"], 3912);
        assert_eq!(inc["checklist"]["done"], 2);
        assert_eq!(inc["checklist"]["total"], 4);
        assert_eq!(inc["checklist"]["items"][0]["checked_by"], "ana@host");
        assert_eq!(inc["checklist"]["items"][3]["assignee"], "carol");
        assert_eq!(inc["responders"][1]["person"], "bob");
        assert_eq!(
            inc["responders"][1]["acknowledged_at"],
            "2026-11-28T13:04:00.000000Z"
        );
    }

    #[test]
    fn entries_show_the_corrected_view() {
        let (_, v) = doc();
        let entries = v["incident"]["entries"].as_array().unwrap();
        let amended = entries
            .iter()
            .find(|e| e["original"] == "typo in the note")
            .unwrap();
        assert_eq!(amended["text"], "corrected note text");
        assert_eq!(amended["retracted"], false);
        let retracted = entries
            .iter()
            .find(|e| e["text"] == "wrong incident note")
            .unwrap();
        assert_eq!(retracted["retracted"], true);
        // The raw events keep what was written, and the corrections.
        let events = v["events"].as_array().unwrap();
        assert!(events.iter().any(|e| e["payload"]["text"] == "typo in the note"));
        assert!(events.iter().any(|e| e["kind"] == "event.amended"));
        assert!(events.iter().any(|e| e["kind"] == "event.retracted"));
    }

    #[test]
    fn untrusted_text_is_cleaned_even_when_escaped() {
        let (out, v) = doc();
        assert_clean(&out);
        assert!(
            !out.contains("\\u001b") && !out.contains("\\u0007"),
            "escape survived as a JSON escape"
        );
        let events = v["events"].as_array().unwrap();
        assert!(events.iter().any(|e| e["payload"]["text"] == "cache flushed"));
    }

    #[test]
    fn unknown_kinds_keep_their_payload() {
        let (_dir, store) = new_store();
        let id = "INC-20261128-NEWER";
        store.append(at(id, declared("newer"), t0())).unwrap();
        let body = EventBody::from_parts(
            "pager.escalated",
            serde_json::json!({"level": 2, "to": "vp\u{1b}[2Jeng", "list": ["a", {"k\u{7}": 1}]}),
        );
        store.append(at(id, body, mins(1))).unwrap();
        let out = render(&store, &IncidentId(id.into()), Format::Json);
        let v: Value = serde_json::from_str(&out).unwrap();
        let e = &v["events"][1];
        assert_eq!(e["kind"], "pager.escalated");
        assert_eq!(
            e["payload"],
            serde_json::json!({"level": 2, "to": "vpeng", "list": ["a", {"k ": 1}]})
        );
    }
}
