//! The scenario file (TOML), modelled on HSEEP's Master Scenario Events List: metadata, player
//! roles, objectives with a measure, and injects in scenario time.

use serde::Deserialize;
use std::time::Duration;

/// A whole scenario, as checked by [`Scenario::parse`].
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// Short, unique: `leaked-key`.
    pub name: String,
    pub title: String,
    pub description: String,
    pub audience: String,
    /// How long the exercise is expected to take (scenario time).
    pub duration: Duration,
    /// The time the payloads' own timestamps take as +00:00:00. At delivery they are moved so
    /// that the data looks as fresh as the drill, whenever it is played.
    pub epoch: Option<chrono::DateTime<chrono::Utc>>,
    /// The drill incident the player declares.
    pub incident: IncidentSpec,
    pub roles: Vec<RoleSpec>,
    pub objectives: Vec<Objective>,
    /// Sorted by `at`, then `seq`.
    pub injects: Vec<Inject>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct IncidentSpec {
    pub title: String,
    /// 1 (worst) to 5.
    pub severity: u8,
    /// A runbook name (`generic`, `ransomware`, …) or none.
    pub runbook: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RoleSpec {
    pub name: String,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Objective {
    pub id: String,
    pub text: String,
    pub measure: Measure,
}

/// Which player action meets an objective, and how soon.
#[derive(Debug, Clone, PartialEq)]
pub struct Measure {
    /// An event kind, e.g. `finding.updated`, `severity.changed`, `note`.
    pub kind: String,
    /// Payload fields that must match (case-insensitive; for text fields, "contains").
    /// Keys are the payload's JSON field names (`workflow`, `text`, `person`, `status`…).
    pub matches: Vec<(String, String)>,
    /// Time allowed, in scenario time, counted from the delivery of inject `from`.
    pub within: Duration,
    /// The seq of the inject the clock starts from.
    pub from: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InjectKind {
    /// Data as a source would return it.
    Source,
    /// A message to players (an email, a call, a chat) shown on the timeline.
    Message,
    /// A facilitation note.
    Note,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Securityhub,
    Splunk,
    Backup,
    Timeline,
    Roster,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Inject {
    /// Unique, ≥ 1.
    pub seq: u32,
    /// Scenario time from the start.
    pub at: Duration,
    pub kind: InjectKind,
    pub target: Target,
    /// The source name players see it under (default: the target's name).
    pub source: Option<String>,
    /// Splunk: the search it belongs to.
    pub search: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub description: String,
    pub expected_action: Option<String>,
    pub objective: Option<String>,
    /// Facilitator only.
    pub hidden: bool,
    /// Source injects: the body exactly as the source returns it (GetFindings JSON, Splunk
    /// export NDJSON, ListBackupJobs JSON). Roster injects: `{"person": "...", "change": "unreachable"}`.
    pub payload: String,
    /// Delivered only if this objective is still unmet at `at`.
    pub contingency: Option<String>,
}

impl Scenario {
    pub fn inject(&self, seq: u32) -> Option<&Inject> {
        self.injects.iter().find(|i| i.seq == seq)
    }
    pub fn objective(&self, id: &str) -> Option<&Objective> {
        self.objectives.iter().find(|o| o.id == id)
    }
}

impl Target {
    pub fn as_str(self) -> &'static str {
        match self {
            Target::Securityhub => "securityhub",
            Target::Splunk => "splunk",
            Target::Backup => "backup",
            Target::Timeline => "timeline",
            Target::Roster => "roster",
        }
    }
}

impl InjectKind {
    pub fn as_str(self) -> &'static str {
        match self {
            InjectKind::Source => "source",
            InjectKind::Message => "message",
            InjectKind::Note => "note",
        }
    }
}

/// `+HH:MM:SS` (the `+` required) as a duration from the start.
pub fn parse_offset(s: &str) -> Option<Duration> {
    parse_clock(s.trim().strip_prefix('+')?)
}

/// `HH:MM:SS`.
pub fn parse_clock(s: &str) -> Option<Duration> {
    let mut parts = s.split(':');
    let (h, m, sec) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let field = |p: &str, max: u64| p.parse::<u64>().ok().filter(|n| *n < max);
    let (h, m, sec) = (field(h, 1000)?, field(m, 60)?, field(sec, 60)?);
    Some(Duration::from_secs(h * 3600 + m * 60 + sec))
}

/// `+00:05:00`.
pub fn format_offset(d: Duration) -> String {
    let s = d.as_secs();
    format!("+{:02}:{:02}:{:02}", s / 3600, (s % 3600) / 60, s % 60)
}
