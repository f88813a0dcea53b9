//! The post-incident export of one incident: a Markdown report, a JSON document, or a CSV
//! timeline.
//!
//! All three are views of the same two things: the incident's folded state (the corrected view:
//! amended text, retracted entries) and its events in the order they happened. Every piece of
//! text that came from a person or a source passes through [`crate::text`] before it is written,
//! so no export ever carries a terminal escape sequence or another control character.

mod csv;
mod json;
pub(crate) mod markdown;

use crate::incident::{Incident, fold_store};
use crate::timeline::describe::describe_with;
use crate::timeline::{Event, EventBody, IncidentId, Store};
use anyhow::{Context, Result, bail};
use chrono::{DateTime, TimeDelta, Utc};
use std::collections::{HashMap, HashSet};
use std::io::{BufWriter, Write};
use uuid::Uuid;

/// The export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A post-incident report in Markdown.
    Md,
    /// One JSON document: the incident's state and every event.
    Json,
    /// The timeline as CSV, one row per event.
    Csv,
}

impl Format {
    /// The format a file's extension names (`report.JSON` is JSON).
    pub fn of_path(path: &std::path::Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "md" | "markdown" => Some(Format::Md),
            "json" => Some(Format::Json),
            "csv" => Some(Format::Csv),
            _ => None,
        }
    }

    /// The format to write: the one named, else the one `path`'s extension names, else Markdown.
    pub fn choose(named: Option<Format>, path: Option<&std::path::Path>) -> Format {
        named
            .or_else(|| path.and_then(Format::of_path))
            .unwrap_or(Format::Md)
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Md => "md",
            Format::Json => "json",
            Format::Csv => "csv",
        }
    }
}

/// Writes the export of `incident` to `out`. `now` is used for "generated at" and for
/// durations of still-open incidents.
pub fn export(
    store: &dyn Store,
    incident: &IncidentId,
    format: Format,
    out: &mut dyn Write,
    now: DateTime<Utc>,
) -> Result<()> {
    let projection = fold_store(store, Some(incident)).context("reading the timeline")?;
    let Some(state) = projection.incident(incident) else {
        bail!("{}: no incident {incident} in this store", store.describe());
    };
    // The events the projection saw, and no more: an append that lands between the two scans
    // must not show in the timeline without showing in the state.
    let last_seq = state.last_seq;
    let mut events = Vec::with_capacity(usize::try_from(state.events).unwrap_or(0));
    store
        .scan(0, Some(incident), &mut |e| {
            if e.seq > last_seq {
                return false;
            }
            events.push(e);
            true
        })
        .context("reading the timeline")?;
    // In the order things happened; `sort_by_key` is stable and seq breaks ties anyway.
    events.sort_by_key(|e| (e.at(), e.seq));

    let mut report = Report::new(state, events, now);
    // The record proves itself in the report: the whole chain is walked once, here.
    report.record = Some(crate::timeline::store::verify(store).context("verifying the timeline")?);
    let mut w = BufWriter::with_capacity(64 * 1024, out);
    match format {
        Format::Md => markdown::write(&report, &mut w),
        Format::Json => json::write(&report, &mut w),
        Format::Csv => csv::write(&report, &mut w),
    }
    .context("writing the export")?;
    w.flush().context("writing the export")?;
    Ok(())
}

/// What every format works from.
pub(crate) struct Report<'a> {
    pub incident: &'a Incident,
    /// The incident's events, ordered by (occurred time, seq).
    pub events: Vec<Event>,
    pub now: DateTime<Utc>,
    /// Whether the store's hash chain verified when the report was written.
    pub record: Option<crate::timeline::store::Verdict>,
    /// Corrections, by the id of the event they correct.
    corrections: HashMap<Uuid, Correction<'a>>,
}

/// How an earlier event stands after the amendments and retractions aimed at it.
#[derive(Debug, Clone, Copy)]
struct Correction<'a> {
    /// The corrected text, when the text was amended.
    text: Option<&'a str>,
    /// When it happened, as corrected (compare with the event's own time).
    at: DateTime<Utc>,
    retracted: bool,
}

/// An event's description in the corrected view.
#[derive(Debug, Clone)]
pub(crate) struct Described {
    /// Not yet cleaned.
    pub text: String,
    pub amended: bool,
    pub retracted: bool,
    /// The corrected time, when an amendment moved it.
    pub moved_to: Option<DateTime<Utc>>,
}

impl<'a> Report<'a> {
    fn new(incident: &'a Incident, events: Vec<Event>, now: DateTime<Utc>) -> Report<'a> {
        let targets: HashSet<Uuid> = events
            .iter()
            .filter_map(|e| match &e.body {
                EventBody::Amended { target, .. } | EventBody::Retracted { target, .. } => Some(*target),
                _ => None,
            })
            .collect();
        let mut corrections = HashMap::new();
        if !targets.is_empty() {
            for entry in incident.entries.iter().filter(|x| targets.contains(&x.event)) {
                let text = entry.original.is_some().then_some(entry.text.as_str());
                corrections.insert(
                    entry.event,
                    Correction {
                        text,
                        at: entry.at,
                        retracted: entry.retracted,
                    },
                );
            }
            let changes = incident
                .severity_history
                .iter()
                .map(|c| (c.event, c.at, c.retracted))
                .chain(
                    incident
                        .status_history
                        .iter()
                        .map(|c| (c.event, c.at, c.retracted)),
                );
            for (event, at, retracted) in changes.filter(|(id, ..)| targets.contains(id)) {
                corrections.insert(
                    event,
                    Correction {
                        text: None,
                        at,
                        retracted,
                    },
                );
            }
        }
        Report {
            incident,
            events,
            now,
            record: None,
            corrections,
        }
    }

    /// What `body` says, checklist items by their titles.
    fn say(&self, body: &EventBody) -> String {
        describe_with(body, |id| self.incident.item_title(id))
    }

    /// What an event says, as corrected: an amended note shows its new text, a retracted one is
    /// flagged. Amendments and retractions themselves are described as they are.
    pub fn describe(&self, e: &Event) -> Described {
        let Some(c) = self.corrections.get(&e.id) else {
            return Described {
                text: self.say(&e.body),
                amended: false,
                retracted: false,
                moved_to: None,
            };
        };
        let text = match c.text {
            Some(t) => self.say(&with_text(&e.body, t)),
            None => self.say(&e.body),
        };
        let moved_to = (c.at != e.at()).then_some(c.at);
        Described {
            text,
            amended: c.text.is_some() || moved_to.is_some(),
            retracted: c.retracted,
            moved_to,
        }
    }

    /// When the incident's clock stops: its resolution, or `now` while it is still open.
    pub fn elapsed(&self) -> Option<TimeDelta> {
        self.incident.milestones().elapsed(self.now)
    }
}

/// A copy of a body with its main text replaced (for amended entries).
fn with_text(body: &EventBody, text: &str) -> EventBody {
    let mut b = body.clone();
    match &mut b {
        EventBody::Note { text: t }
        | EventBody::Decision { text: t, .. }
        | EventBody::StatusUpdatePosted { text: t, .. } => {
            *t = text.to_string();
        }
        EventBody::Signal { title, .. } => *title = text.to_string(),
        _ => {}
    }
    b
}

/// `2026-11-28 13:05:00Z`.
pub(crate) fn full_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%SZ").to_string()
}

/// `13:05:00`.
pub(crate) fn clock(t: DateTime<Utc>) -> String {
    t.format("%H:%M:%S").to_string()
}

/// RFC 3339 in UTC with microseconds, as the store keeps times.
pub(crate) fn rfc3339(t: DateTime<Utc>) -> String {
    crate::timeline::format_time(t)
}

/// `1h 05m 12s`, `2d 03h 00m 05s`, `4m 09s`, `12s`; whole seconds, rounded down.
pub(crate) fn duration(d: TimeDelta) -> String {
    let secs = d.num_seconds();
    let sign = if secs < 0 { "-" } else { "" };
    let s = secs.unsigned_abs();
    let (days, hours, minutes, seconds) = (s / 86_400, s / 3_600 % 24, s / 60 % 60, s % 60);
    if days > 0 {
        format!("{sign}{days}d {hours:02}h {minutes:02}m {seconds:02}s")
    } else if hours > 0 {
        format!("{sign}{hours}h {minutes:02}m {seconds:02}s")
    } else if minutes > 0 {
        format!("{sign}{minutes}m {seconds:02}s")
    } else {
        format!("{sign}{seconds}s")
    }
}

#[cfg(test)]
pub(crate) mod fixture {
    //! A store with one well-exercised incident (and another one that must not leak in).

    use crate::timeline::sqlite::SqliteStore;
    use crate::timeline::{
        Audience, Author, ChecklistItemSpec, EventBody, IncidentId, NewEvent, Phase, Role, Severity, Status,
        Store,
    };
    use chrono::{DateTime, TimeDelta, TimeZone, Utc};

    pub const ID: &str = "INC-20261128-TEST1";
    pub const OTHER: &str = "INC-20261128-OTHER";
    /// The note carrying a terminal escape sequence (an OSC window-title change).
    pub const EVIL: &str = "cache \u{1b}]0;pwned\u{7}flushed";
    /// Events of incident `ID` in the fixture.
    pub const EVENTS: usize = 21;

    pub struct Fixture {
        pub _dir: tempfile::TempDir,
        pub store: SqliteStore,
        pub id: IncidentId,
    }

    pub fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 28, 13, 0, 0).single().unwrap()
    }

    pub fn mins(m: i64) -> DateTime<Utc> {
        t0() + TimeDelta::minutes(m)
    }

    pub fn new_store() -> (tempfile::TempDir, SqliteStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path().join("warroom.db")).unwrap();
        (dir, store)
    }

    /// An event that happened when it was logged.
    pub fn at(id: &str, body: EventBody, t: DateTime<Utc>) -> NewEvent {
        let mut e = NewEvent::new(IncidentId(id.into()), Author("ana@host".into()), body);
        e.recorded_at = t;
        e
    }

    /// An event logged at `logged` about something that happened at `occurred`.
    pub fn late(id: &str, body: EventBody, occurred: DateTime<Utc>, logged: DateTime<Utc>) -> NewEvent {
        at(id, body, logged).occurred_at(occurred)
    }

    pub fn note(text: &str) -> EventBody {
        EventBody::Note { text: text.into() }
    }

    pub fn status(s: Status) -> EventBody {
        EventBody::StatusChanged {
            status: s,
            reason: None,
        }
    }

    pub fn declared(title: &str) -> EventBody {
        EventBody::IncidentDeclared {
            title: title.into(),
            severity: Severity::new(2).unwrap(),
            summary: Some("Checkout returned 500s for EU customers.\nSecond line.".into()),
            detected_at: Some(mins(-5)),
            drill: false,
        }
    }

    fn item(id: &str, phase: Phase, title: &str) -> ChecklistItemSpec {
        ChecklistItemSpec {
            id: id.into(),
            phase,
            title: title.into(),
            owner: Some(Role::Commander),
            guidance: None,
        }
    }

    /// Incident `ID`: detected 12:55, declared 13:00, resolved 14:00:12 (time to resolve
    /// 1h 05m 12s); an escape sequence, a formula, an amended and a retracted note, and a note
    /// logged at 14:10 about 12:58.
    pub fn build() -> Fixture {
        let (dir, store) = new_store();
        let s = |e: NewEvent| {
            store.append(e).unwrap();
        };
        s(at(ID, declared("Checkout 500s | EU"), t0()));
        s(at(OTHER, declared("Other incident"), t0()));
        s(at(
            ID,
            EventBody::RoleAssigned {
                role: Role::Commander,
                person: "ana".into(),
            },
            mins(1),
        ));
        s(at(
            ID,
            EventBody::ResponderPaged {
                person: "bob".into(),
                via: Some("pagerduty".into()),
            },
            mins(2),
        ));
        s(at(
            ID,
            EventBody::ResponderAcknowledged { person: "bob".into() },
            mins(4),
        ));
        s(at(ID, status(Status::Active), mins(5)));
        s(at(
            ID,
            EventBody::SeverityChanged {
                severity: Severity::new(1).unwrap(),
                reason: Some("all regions | not just EU".into()),
            },
            mins(6),
        ));
        s(at(ID, note(EVIL), mins(7)));
        s(at(ID, note("=HYPERLINK(\"http://evil\",\"x\")"), mins(8)));
        let typo = at(ID, note("typo in the note"), mins(9));
        let typo_id = typo.id;
        s(typo);
        let wrong = at(ID, note("wrong incident note"), mins(10));
        let wrong_id = wrong.id;
        s(wrong);
        s(at(OTHER, note("other incident secret"), mins(10)));
        s(at(
            ID,
            EventBody::Decision {
                text: "roll back deploy 42".into(),
                rationale: Some("errors began with it".into()),
            },
            mins(11),
        ));
        s(at(
            ID,
            EventBody::ChecklistAdded {
                runbook: "generic".into(),
                items: vec![
                    item("confirm-impact", Phase::Detect, "Confirm the impact"),
                    item("rollback", Phase::Contain, "Roll back the change"),
                    item("schedule-review", Phase::PostIncident, "Schedule the review"),
                    item("write-postmortem", Phase::PostIncident, "Write the postmortem"),
                ],
            },
            mins(12),
        ));
        s(at(
            ID,
            EventBody::ChecklistChecked {
                item: "confirm-impact".into(),
            },
            mins(13),
        ));
        s(at(
            ID,
            EventBody::ChecklistChecked {
                item: "schedule-review".into(),
            },
            mins(14),
        ));
        s(at(
            ID,
            EventBody::ChecklistAssigned {
                item: "write-postmortem".into(),
                person: "carol".into(),
            },
            mins(15),
        ));
        s(at(ID, status(Status::Mitigated), mins(30)));
        s(at(
            ID,
            EventBody::StatusUpdatePosted {
                text: "We rolled back, errors are recovering.".into(),
                audience: Audience::External,
            },
            mins(31),
        ));
        s(at(
            ID,
            EventBody::Amended {
                target: typo_id,
                text: Some("corrected note text".into()),
                occurred_at: None,
                reason: Some("typo".into()),
            },
            mins(40),
        ));
        s(at(
            ID,
            EventBody::Retracted {
                target: wrong_id,
                reason: Some("wrong incident".into()),
            },
            mins(41),
        ));
        s(at(ID, status(Status::Resolved), t0() + TimeDelta::seconds(3612)));
        // Logged late: at 14:10, about 12:58 (before the declaration).
        s(late(
            ID,
            note("pager fired before anyone looked"),
            mins(-2),
            mins(70),
        ));
        Fixture {
            _dir: dir,
            store,
            id: IncidentId(ID.into()),
        }
    }

    /// Export the fixture's incident in a format, as text.
    pub fn render(store: &dyn Store, id: &IncidentId, format: super::Format) -> String {
        let mut out = Vec::new();
        super::export(store, id, format, &mut out, mins(120)).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// No escape sequence, no control character but newlines (and CR in CSV line ends).
    pub fn assert_clean(out: &str) {
        assert!(!out.contains("pwned"), "escape sequence payload leaked");
        assert!(
            !out.chars().any(|c| c.is_control() && c != '\n' && c != '\r'),
            "control character in output"
        );
        assert!(!out.contains("other incident secret"), "another incident leaked");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fixture::*;

    #[test]
    fn durations_read_like_a_clock() {
        assert_eq!(duration(TimeDelta::seconds(3912)), "1h 05m 12s");
        assert_eq!(duration(TimeDelta::seconds(12)), "12s");
        assert_eq!(duration(TimeDelta::seconds(249)), "4m 09s");
        assert_eq!(
            duration(TimeDelta::seconds(2 * 86_400 + 3 * 3600 + 5)),
            "2d 03h 00m 05s"
        );
        assert_eq!(duration(TimeDelta::seconds(-65)), "-1m 05s");
    }

    #[test]
    fn an_unknown_incident_is_a_clear_error() {
        let f = build();
        for format in [Format::Md, Format::Json, Format::Csv] {
            let mut out = Vec::new();
            let err = export(&f.store, &IncidentId("INC-NOPE".into()), format, &mut out, t0()).unwrap_err();
            let msg = format!("{err:#}");
            assert!(msg.contains("no incident INC-NOPE"), "{msg}");
            assert!(out.is_empty());
        }
    }

    #[test]
    fn events_are_ordered_by_occurred_time_then_seq() {
        let f = build();
        let p = fold_store(&f.store, Some(&f.id)).unwrap();
        let mut events = Vec::new();
        f.store
            .scan(0, Some(&f.id), &mut |e| {
                events.push(e);
                true
            })
            .unwrap();
        events.sort_by_key(|e| (e.at(), e.seq));
        assert_eq!(events.len(), EVENTS);
        let r = Report::new(p.incident(&f.id).unwrap(), events, mins(120));
        assert!(
            r.events
                .windows(2)
                .all(|w| (w[0].at(), w[0].seq) < (w[1].at(), w[1].seq))
        );
        assert_eq!(r.describe(&r.events[0]).text, "pager fired before anyone looked");
        let amended = r
            .events
            .iter()
            .map(|e| r.describe(e))
            .find(|d| d.amended)
            .unwrap();
        assert_eq!(amended.text, "corrected note text");
        let retracted = r
            .events
            .iter()
            .map(|e| r.describe(e))
            .find(|d| d.retracted)
            .unwrap();
        assert_eq!(retracted.text, "wrong incident note");
    }
}
