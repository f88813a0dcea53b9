//! The kinds of event on the timeline and their payloads.
//!
//! The kind is stored as its own column (`kind`) and the payload as JSON text, so the enum is
//! adjacently tagged. A kind this build does not know (written by a newer warroom) still loads,
//! as [`EventBody::Unrecognized`], and the fold passes it by.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;
use std::str::FromStr;

/// SEV1 (worst) to SEV5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Severity(u8);

impl Severity {
    pub const WORST: Severity = Severity(1);
    pub const LEAST: Severity = Severity(5);

    pub fn new(level: u8) -> Option<Severity> {
        (1..=5).contains(&level).then_some(Severity(level))
    }
    pub fn level(self) -> u8 {
        self.0
    }
    /// SEV1..SEV3 are "major" in PagerDuty's scale.
    pub fn is_major(self) -> bool {
        self.0 <= 3
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SEV{}", self.0)
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        // `SEV-1` is a spelling of SEV1; a bare `-1` is no severity at all.
        let digits = t
            .strip_prefix("SEV")
            .or_else(|| t.strip_prefix("sev"))
            .or_else(|| t.strip_prefix("Sev"))
            .map_or(t, |rest| rest.strip_prefix('-').unwrap_or(rest));
        // Digits only: `u8` would read `+1` (and `SEV+1`) as 1.
        Some(digits)
            .filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|d| d.parse::<u8>().ok())
            .and_then(Severity::new)
            .ok_or_else(|| format!("`{s}` is not a severity: use 1 to 5 (SEV1 is the worst)"))
    }
}

impl Serialize for Severity {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Severity {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Repr {
            Num(u8),
            Text(String),
        }
        match Repr::deserialize(d)? {
            Repr::Num(n) => {
                Severity::new(n).ok_or_else(|| serde::de::Error::custom("severity out of range 1..5"))
            }
            Repr::Text(t) => t.parse().map_err(serde::de::Error::custom),
        }
    }
}

/// The incident lifecycle: triage → active → mitigated → resolved → closed.
/// Going back from resolved or closed is a reopen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Triage,
    Active,
    Mitigated,
    Resolved,
    Closed,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::Triage,
        Status::Active,
        Status::Mitigated,
        Status::Resolved,
        Status::Closed,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Triage => "triage",
            Status::Active => "active",
            Status::Mitigated => "mitigated",
            Status::Resolved => "resolved",
            Status::Closed => "closed",
        }
    }
    /// Resolved and closed incidents are no longer open.
    pub fn is_open(self) -> bool {
        self < Status::Resolved
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Status {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().to_ascii_lowercase();
        Status::ALL
            .into_iter()
            .find(|st| st.as_str() == t)
            .ok_or_else(|| {
                format!("`{s}` is not a status: use triage, active, mitigated, resolved or closed")
            })
    }
}

/// A role in the response. The five common ones are named; any other is a custom role.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    Commander,
    Deputy,
    Scribe,
    Comms,
    Ops,
    Custom(String),
}

impl Role {
    pub const STANDARD: [Role; 5] = [
        Role::Commander,
        Role::Deputy,
        Role::Scribe,
        Role::Comms,
        Role::Ops,
    ];

    pub fn as_str(&self) -> &str {
        match self {
            Role::Commander => "commander",
            Role::Deputy => "deputy",
            Role::Scribe => "scribe",
            Role::Comms => "comms",
            Role::Ops => "ops",
            Role::Custom(name) => name,
        }
    }
}

impl From<&str> for Role {
    fn from(s: &str) -> Self {
        match s.trim().to_ascii_lowercase().as_str() {
            "commander" | "ic" | "incident-commander" => Role::Commander,
            "deputy" => Role::Deputy,
            "scribe" => Role::Scribe,
            "comms" | "communications" => Role::Comms,
            "ops" | "operations" => Role::Ops,
            other => Role::Custom(other.to_string()),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Role {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Role {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(Role::from(s.as_str()))
    }
}

/// The phases a runbook item belongs to (NIST SP 800-61 rev. 2, with detection first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    Detect,
    Contain,
    Eradicate,
    Recover,
    PostIncident,
}

impl Phase {
    pub const ALL: [Phase; 5] = [
        Phase::Detect,
        Phase::Contain,
        Phase::Eradicate,
        Phase::Recover,
        Phase::PostIncident,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Detect => "detect",
            Phase::Contain => "contain",
            Phase::Eradicate => "eradicate",
            Phase::Recover => "recover",
            Phase::PostIncident => "post-incident",
        }
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One item of a checklist as it was attached to the incident (a copy of the runbook's item,
/// so that replaying the timeline never depends on today's runbook files).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChecklistItemSpec {
    pub id: String,
    pub phase: Phase,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Role>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guidance: Option<String>,
}

/// The briefing an outgoing commander hands to the incoming one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Briefing {
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub hypotheses_open: Vec<String>,
    #[serde(default)]
    pub hypotheses_ruled_out: Vec<String>,
    #[serde(default)]
    pub last_customer_update: String,
    #[serde(default)]
    pub next_steps: Vec<String>,
}

/// Who a status update is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    #[default]
    Internal,
    External,
    Executive,
}

impl Audience {
    pub const ALL: [Audience; 3] = [Audience::Internal, Audience::Executive, Audience::External];

    pub fn as_str(self) -> &'static str {
        match self {
            Audience::Internal => "internal",
            Audience::Executive => "executive",
            Audience::External => "external",
        }
    }

    /// Where it stands in `ALL`.
    pub fn index(self) -> usize {
        match self {
            Audience::Internal => 0,
            Audience::Executive => 1,
            Audience::External => 2,
        }
    }

    /// The next in `ALL`, round again after the last.
    pub fn next(self) -> Audience {
        Audience::ALL[(self.index() + 1) % Audience::ALL.len()]
    }
}

impl fmt::Display for Audience {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Audience {
    type Err = String;
    fn from_str(s: &str) -> Result<Audience, String> {
        let s = s.trim().to_lowercase();
        (Audience::ALL.into_iter())
            .find(|a| a.as_str() == s)
            .ok_or_else(|| format!("`{s}` is not an audience: internal, executive or external"))
    }
}

/// What a link points at. The header shows the bridge and the chat channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkKind {
    Ticket,
    Chat,
    Bridge,
    Dashboard,
    Runbook,
}

impl LinkKind {
    pub const ALL: [LinkKind; 5] = [
        LinkKind::Ticket,
        LinkKind::Chat,
        LinkKind::Bridge,
        LinkKind::Dashboard,
        LinkKind::Runbook,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LinkKind::Ticket => "ticket",
            LinkKind::Chat => "chat",
            LinkKind::Bridge => "bridge",
            LinkKind::Dashboard => "dashboard",
            LinkKind::Runbook => "runbook",
        }
    }

    /// Where it stands in `ALL`.
    pub fn index(self) -> usize {
        self as usize
    }

    /// The other words people use for each (`jira OPS-4411`, `slack #inc-42`, `zoom URL`).
    fn aliases(self) -> &'static [&'static str] {
        match self {
            LinkKind::Ticket => &["jira", "linear", "servicenow", "issue", "github", "gitlab"],
            LinkKind::Chat => &["slack", "teams", "channel", "mattermost", "irc"],
            LinkKind::Bridge => &["zoom", "meet", "call", "webex", "phone"],
            LinkKind::Dashboard => &["grafana", "datadog", "newrelic", "kibana"],
            LinkKind::Runbook => &["wiki", "doc", "docs", "confluence"],
        }
    }
}

impl fmt::Display for LinkKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for LinkKind {
    type Err = String;
    fn from_str(s: &str) -> Result<LinkKind, String> {
        let s = s.trim().to_lowercase();
        (LinkKind::ALL.into_iter())
            .find(|k| k.as_str() == s || k.aliases().contains(&s.as_str()))
            .ok_or_else(|| format!("`{s}` is not a kind of link: ticket, chat, bridge, dashboard or runbook"))
    }
}

/// Everything that can happen in an incident. The serde tag is the stored `kind`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "payload")]
pub enum EventBody {
    #[serde(rename = "incident.declared")]
    IncidentDeclared {
        title: String,
        severity: Severity,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        summary: Option<String>,
        /// When the problem was first noticed, if earlier than the declaration.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        detected_at: Option<DateTime<Utc>>,
        /// An exercise, not a real incident.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        drill: bool,
    },
    #[serde(rename = "incident.retitled")]
    IncidentRetitled { title: String },
    #[serde(rename = "severity.changed")]
    SeverityChanged {
        severity: Severity,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    #[serde(rename = "status.changed")]
    StatusChanged {
        status: Status,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    #[serde(rename = "role.assigned")]
    RoleAssigned { role: Role, person: String },
    #[serde(rename = "role.released")]
    RoleReleased { role: Role, person: String },
    #[serde(rename = "responder.added")]
    ResponderAdded {
        person: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        contact: Option<String>,
    },
    #[serde(rename = "responder.paged")]
    ResponderPaged {
        person: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        via: Option<String>,
    },
    #[serde(rename = "responder.acknowledged")]
    ResponderAcknowledged { person: String },
    #[serde(rename = "responder.joined")]
    ResponderJoined { person: String },
    #[serde(rename = "responder.left")]
    ResponderLeft { person: String },
    #[serde(rename = "note")]
    Note { text: String },
    #[serde(rename = "decision")]
    Decision {
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rationale: Option<String>,
    },
    /// A runbook attached to the incident; its items become the checklist.
    #[serde(rename = "checklist.added")]
    ChecklistAdded {
        runbook: String,
        items: Vec<ChecklistItemSpec>,
    },
    #[serde(rename = "checklist.checked")]
    ChecklistChecked { item: String },
    #[serde(rename = "checklist.unchecked")]
    ChecklistUnchecked { item: String },
    #[serde(rename = "checklist.assigned")]
    ChecklistAssigned { item: String, person: String },
    #[serde(rename = "status_update.posted")]
    StatusUpdatePosted {
        text: String,
        #[serde(default)]
        audience: Audience,
    },
    /// Command passes from one person to another, with a briefing.
    #[serde(rename = "handoff")]
    Handoff {
        from: String,
        to: String,
        briefing: Briefing,
    },
    /// Something a source (or a script) noticed. Sources fill `detail` with their own shape.
    #[serde(rename = "signal")]
    Signal {
        source: String,
        title: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        severity: Option<String>,
        #[serde(default, skip_serializing_if = "Value::is_null")]
        detail: Value,
    },
    /// A change made at a source from the console (Security Hub `BatchUpdateFindings`): the
    /// findings' workflow status and/or a note, as the service accepted it.
    #[serde(rename = "finding.updated")]
    FindingUpdated {
        source: String,
        /// The findings' titles (or ids), as shown.
        findings: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        workflow: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// A drill began: scenario `scenario` played as run `run` (every drill event names it).
    #[serde(rename = "drill.started")]
    DrillStarted {
        run: String,
        scenario: String,
        title: String,
        speed: f64,
        /// The scenario file's text, so that scoring and reports need only the timeline.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        definition: String,
    },
    #[serde(rename = "drill.paused")]
    DrillPaused { run: String },
    #[serde(rename = "drill.resumed")]
    DrillResumed { run: String },
    /// The scenario clock now runs `speed` times real time.
    #[serde(rename = "drill.speed")]
    DrillSpeed { run: String, speed: f64 },
    /// An inject delivered: what a source would have returned (`payload`, its exact body), a
    /// message, or a facilitation note. `scenario_at` is the scenario clock, in seconds.
    #[serde(rename = "drill.inject")]
    DrillInject {
        run: String,
        /// The MSEL's sequence number; 0 for an ad-hoc inject.
        seq: u32,
        scenario_at: u64,
        /// `source`, `message` or `note`.
        inject: String,
        /// securityhub, splunk, backup, timeline or roster.
        target: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        source: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        search: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        to: Option<String>,
        description: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        payload: String,
        #[serde(default)]
        hidden: bool,
    },
    #[serde(rename = "drill.skipped")]
    DrillSkipped { run: String, seq: u32 },
    #[serde(rename = "drill.ended")]
    DrillEnded {
        run: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// Where else the incident lives: its ticket, chat channel, bridge, a dashboard, a runbook.
    #[serde(rename = "link.added")]
    LinkAdded {
        kind: LinkKind,
        /// What people call it: `OPS-4411`, `#inc-checkout`, or the address itself.
        reference: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        url: Option<String>,
    },
    /// An action item for after the incident.
    #[serde(rename = "followup.added")]
    FollowUpAdded {
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        owner: Option<String>,
    },
    /// A correction of an earlier event's text or time. The record keeps both.
    #[serde(rename = "event.amended")]
    Amended {
        target: uuid::Uuid,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        text: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        occurred_at: Option<DateTime<Utc>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// An earlier event withdrawn (logged in error). The record keeps it.
    #[serde(rename = "event.retracted")]
    Retracted {
        target: uuid::Uuid,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// A kind this build does not know; kept as it was stored.
    #[serde(skip)]
    Unrecognized { kind: String, payload: Value },
}

impl EventBody {
    /// The stored kind name, e.g. `status.changed`.
    pub fn kind(&self) -> &str {
        match self {
            EventBody::IncidentDeclared { .. } => "incident.declared",
            EventBody::IncidentRetitled { .. } => "incident.retitled",
            EventBody::SeverityChanged { .. } => "severity.changed",
            EventBody::StatusChanged { .. } => "status.changed",
            EventBody::RoleAssigned { .. } => "role.assigned",
            EventBody::RoleReleased { .. } => "role.released",
            EventBody::ResponderAdded { .. } => "responder.added",
            EventBody::ResponderPaged { .. } => "responder.paged",
            EventBody::ResponderAcknowledged { .. } => "responder.acknowledged",
            EventBody::ResponderJoined { .. } => "responder.joined",
            EventBody::ResponderLeft { .. } => "responder.left",
            EventBody::Note { .. } => "note",
            EventBody::Decision { .. } => "decision",
            EventBody::ChecklistAdded { .. } => "checklist.added",
            EventBody::ChecklistChecked { .. } => "checklist.checked",
            EventBody::ChecklistUnchecked { .. } => "checklist.unchecked",
            EventBody::ChecklistAssigned { .. } => "checklist.assigned",
            EventBody::StatusUpdatePosted { .. } => "status_update.posted",
            EventBody::Handoff { .. } => "handoff",
            EventBody::LinkAdded { .. } => "link.added",
            EventBody::FollowUpAdded { .. } => "followup.added",
            EventBody::Signal { .. } => "signal",
            EventBody::FindingUpdated { .. } => "finding.updated",
            EventBody::DrillStarted { .. } => "drill.started",
            EventBody::DrillPaused { .. } => "drill.paused",
            EventBody::DrillResumed { .. } => "drill.resumed",
            EventBody::DrillSpeed { .. } => "drill.speed",
            EventBody::DrillInject { .. } => "drill.inject",
            EventBody::DrillSkipped { .. } => "drill.skipped",
            EventBody::DrillEnded { .. } => "drill.ended",
            EventBody::Amended { .. } => "event.amended",
            EventBody::Retracted { .. } => "event.retracted",
            EventBody::Unrecognized { kind, .. } => kind,
        }
    }

    /// The payload as stored: JSON text.
    pub fn payload_json(&self) -> String {
        if let EventBody::Unrecognized { payload, .. } = self {
            return payload.to_string();
        }
        // Serializing our own derived types into a Value cannot fail: every map key is a string.
        match serde_json::to_value(self) {
            Ok(Value::Object(mut map)) => map.remove("payload").unwrap_or(Value::Null).to_string(),
            _ => "null".to_string(),
        }
    }

    /// Rebuild a body from its stored kind and payload text. An unknown kind, or a payload that
    /// no longer parses, loads as `Unrecognized` rather than failing the whole log.
    pub fn from_stored(kind: &str, payload: &str) -> EventBody {
        // The tag first, then the payload: serde reads the payload straight into its variant,
        // with no intermediate `Value` (this is the hot path of every fold).
        // One buffer per thread for the tagged text: no allocation per event.
        thread_local!(static TAGGED: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) });
        let parsed = TAGGED.with_borrow_mut(|tagged| {
            tagged.clear();
            tagged.push_str("{\"kind\":");
            if kind.chars().all(|c| c != '"' && c != '\\' && !c.is_control()) {
                tagged.push('"');
                tagged.push_str(kind);
                tagged.push('"');
            } else {
                tagged.push_str(&serde_json::Value::from(kind).to_string());
            }
            tagged.push_str(",\"payload\":");
            tagged.push_str(payload);
            tagged.push('}');
            serde_json::from_str::<EventBody>(tagged)
        });
        match parsed {
            Ok(body) => body,
            Err(_) => EventBody::Unrecognized {
                kind: kind.to_string(),
                payload: serde_json::from_str(payload).unwrap_or(Value::Null),
            },
        }
    }

    pub fn from_parts(kind: &str, payload: Value) -> EventBody {
        Self::from_stored(kind, &payload.to_string())
    }

    /// The main text of a note, decision, status update or signal, if it has one.
    pub fn text(&self) -> Option<&str> {
        match self {
            EventBody::Note { text }
            | EventBody::Decision { text, .. }
            | EventBody::StatusUpdatePosted { text, .. } => Some(text),
            EventBody::Signal { title, .. } => Some(title),
            _ => None,
        }
    }
}

/// Every kind name this build writes, for help texts and filters.
pub const KINDS: &[&str] = &[
    "incident.declared",
    "incident.retitled",
    "severity.changed",
    "status.changed",
    "role.assigned",
    "role.released",
    "responder.added",
    "responder.paged",
    "responder.acknowledged",
    "responder.joined",
    "responder.left",
    "note",
    "decision",
    "checklist.added",
    "checklist.checked",
    "checklist.unchecked",
    "checklist.assigned",
    "status_update.posted",
    "handoff",
    "signal",
    "finding.updated",
    "drill.started",
    "drill.paused",
    "drill.resumed",
    "drill.speed",
    "drill.inject",
    "drill.skipped",
    "drill.ended",
    "event.amended",
    "event.retracted",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_parses_the_usual_spellings() {
        for s in ["1", "SEV1", "sev1", "SEV-1"] {
            assert_eq!(s.parse::<Severity>(), Ok(Severity::WORST), "{s}");
        }
        assert!("0".parse::<Severity>().is_err());
        assert!("6".parse::<Severity>().is_err());
        assert!("high".parse::<Severity>().is_err());
    }

    #[test]
    fn every_kind_round_trips_through_its_stored_form() {
        let bodies = vec![
            EventBody::IncidentDeclared {
                title: "t".into(),
                severity: Severity::WORST,
                summary: None,
                detected_at: None,
                drill: true,
            },
            EventBody::StatusChanged {
                status: Status::Mitigated,
                reason: Some("rollback".into()),
            },
            EventBody::RoleAssigned {
                role: Role::Custom("legal".into()),
                person: "ana".into(),
            },
            EventBody::Handoff {
                from: "a".into(),
                to: "b".into(),
                briefing: Briefing::default(),
            },
        ];
        for body in bodies {
            let back = EventBody::from_stored(body.kind(), &body.payload_json());
            assert_eq!(back, body);
        }
    }

    #[test]
    fn unknown_kinds_and_broken_payloads_still_load() {
        let b = EventBody::from_stored("pager.escalated", r#"{"level":2}"#);
        assert_eq!(b.kind(), "pager.escalated");
        assert!(matches!(b, EventBody::Unrecognized { .. }));
        let b = EventBody::from_stored("note", "not json");
        assert!(matches!(b, EventBody::Unrecognized { .. }));
        // a kind that would need escaping cannot smuggle a different tag in
        let b = EventBody::from_stored("x\",\"kind\":\"note", r#"{"text":"t"}"#);
        assert_eq!(b.kind(), "x\",\"kind\":\"note");
        // and it is stored back unchanged
        let b = EventBody::from_stored("pager.escalated", r#"{"level":2}"#);
        assert_eq!(b.payload_json(), r#"{"level":2}"#);
    }

    #[test]
    fn kinds_list_matches_the_enum() {
        let b = EventBody::Note { text: "x".into() };
        assert!(KINDS.contains(&b.kind()));
        let f = EventBody::FindingUpdated {
            source: "hub".into(),
            findings: vec!["t".into()],
            workflow: Some("RESOLVED".into()),
            note: None,
        };
        assert!(KINDS.contains(&f.kind()));
        assert_eq!(KINDS.len(), 30);
    }
}
