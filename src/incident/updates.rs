//! Status updates: how often an incident owes one at each severity (the cadence), and the text
//! each audience's update starts from (the templates). Both are `[updates]` in `config.toml`.
//!
//! The cadence follows PagerDuty's and incident.io's practice: the team hears from the
//! commander every 15 minutes at SEV1, 30 at SEV2, 60 at SEV3. Internal updates are owed from
//! the declaration on; executive and external ones once the first has been posted (not every
//! incident has a status page), and then at the same cadence.

use super::Incident;
use crate::config::ConfigError;
use crate::text::clean_line;
use crate::timeline::{Audience, Severity};
use chrono::{DateTime, TimeDelta, Utc};
use serde::Deserialize;

/// The `[updates]` table.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UpdatesConfig {
    pub cadence: Cadence,
    pub templates: Templates,
}

/// `[updates.cadence]`: minutes between status updates at each severity; 0 for none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Cadence {
    pub sev1: u32,
    pub sev2: u32,
    pub sev3: u32,
    pub sev4: u32,
    pub sev5: u32,
}

impl Default for Cadence {
    fn default() -> Self {
        Cadence {
            sev1: 15,
            sev2: 30,
            sev3: 60,
            sev4: 0,
            sev5: 0,
        }
    }
}

/// A day: a longer cadence is a typo, not a policy.
const MAX_CADENCE_MINUTES: u32 = 24 * 60;

impl Cadence {
    fn minutes(&self) -> [(&'static str, u32); 5] {
        [
            ("sev1", self.sev1),
            ("sev2", self.sev2),
            ("sev3", self.sev3),
            ("sev4", self.sev4),
            ("sev5", self.sev5),
        ]
    }

    /// How long an incident at `severity` may go without a status update, if it has a cadence.
    pub fn every(&self, severity: Severity) -> Option<TimeDelta> {
        let (_, minutes) = self.minutes()[usize::from(severity.level() - 1)];
        (minutes > 0).then(|| TimeDelta::minutes(i64::from(minutes)))
    }
}

/// `[updates.templates]`: the text a status update starts from, per audience. `{status}`,
/// `{severity}`, `{id}`, `{title}` and `{next}` (`in 15 minutes`, from the cadence) are filled
/// in; a `<blank>` must be replaced before the update can be posted.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Templates {
    pub internal: String,
    pub executive: String,
    pub external: String,
}

impl Default for Templates {
    /// The team wants the state and the impact, executives the business impact and the plan,
    /// customers what they see, in plain words.
    fn default() -> Self {
        Templates {
            internal: "We are {status}: <what customers see>.\n\
                       Impact: <who is affected, since when>\n\
                       Next update: {next}"
                .into(),
            executive: "Status: {status}. Business impact: <what it costs the business>.\n\
                        Plan: <what we are doing about it>\n\
                        Next update: {next}"
                .into(),
            external: "We are aware that <what customers see> and are working on it.\n\
                       We will post an update {next}."
                .into(),
        }
    }
}

/// What a template may name in braces.
const FIELDS: [&str; 5] = ["status", "severity", "id", "title", "next"];

impl Templates {
    pub fn get(&self, audience: Audience) -> &str {
        match audience {
            Audience::Internal => &self.internal,
            Audience::Executive => &self.executive,
            Audience::External => &self.external,
        }
    }

    /// `audience`'s template filled in for `incident` (none: an update before any incident).
    pub fn render(&self, audience: Audience, incident: Option<&Incident>, cadence: &Cadence) -> Vec<String> {
        let next = incident
            .and_then(|i| cadence.every(i.severity()))
            .map_or("when there is news".to_string(), |d| {
                format!("in {} minutes", d.num_minutes())
            });
        let status = incident.map_or("investigating".to_string(), |i| i.status().to_string());
        let severity = incident.map_or(String::new(), |i| i.severity().to_string());
        let id = incident.map_or(String::new(), |i| i.id.to_string());
        let title = incident.map_or(String::new(), |i| clean_line(&i.title).into_owned());
        let values = [status, severity, id, title, next];
        let mut text = self.get(audience).to_string();
        for (field, value) in FIELDS.iter().zip(&values) {
            text = text.replace(&format!("{{{field}}}"), value);
        }
        text.lines().map(str::to_string).collect()
    }
}

/// The `<blanks>` in a template's text: an update still holding one is not posted.
pub fn blanks(template: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find('<') {
        let Some(len) = rest[start..].find('>') else { break };
        let blank = &rest[start..=start + len];
        if len > 1 && !blank[1..len].contains(['<', '\n']) {
            out.push(blank);
        }
        rest = &rest[start + 1..];
    }
    out
}

impl UpdatesConfig {
    /// Values that parse but make no sense: a cadence over a day, a field no template knows.
    pub fn validate(&self, file: &str, text: &str) -> Result<(), ConfigError> {
        let mut problems = crate::config::Problems::default();
        for (key, minutes) in self.cadence.minutes() {
            if minutes > MAX_CADENCE_MINUTES {
                problems.push(ConfigError::invalid(
                    file,
                    text,
                    &format!("updates.cadence.{key}"),
                    format!(
                        "{minutes} minutes is over a day: use 1 to {MAX_CADENCE_MINUTES}, or 0 for no cadence"
                    ),
                ));
            }
        }
        for audience in Audience::ALL {
            let template = self.templates.get(audience);
            if let Some(field) = unknown_field(template) {
                problems.push(ConfigError::invalid(
                    file,
                    text,
                    &format!("updates.templates.{audience}"),
                    format!(
                        "`{{{field}}}` is not a field: use {}",
                        FIELDS.map(|f| format!("{{{f}}}")).join(", ")
                    ),
                ));
            }
        }
        problems.finish()
    }
}

/// The first `{name}` in `template` that is not one of [`FIELDS`].
fn unknown_field(template: &str) -> Option<&str> {
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        let end = after.find('}')?;
        let name = &after[..end];
        if !FIELDS.contains(&name) {
            return Some(name);
        }
        rest = &after[end + 1..];
    }
    None
}

/// When an incident's next status update is owed, and to whom.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    pub audience: Audience,
    pub at: DateTime<Utc>,
    /// The cadence it follows.
    pub every: TimeDelta,
}

impl Incident {
    /// The next status update owed, by the cadence at the incident's severity: the audience
    /// that has gone longest past its cadence. None when resolved or without a cadence.
    pub fn update_due(&self, cadence: &Cadence) -> Option<Due> {
        if !self.is_open() {
            return None;
        }
        let every = cadence.every(self.severity())?;
        let since = |audience: Audience| match (self.last_update_to(audience), audience) {
            (Some(at), _) => Some(at),
            (None, Audience::Internal) => self.declared_at,
            (None, _) => None,
        };
        Audience::ALL
            .into_iter()
            .filter_map(|audience| since(audience).map(|at| (audience, at + every)))
            .min_by_key(|(_, at)| *at)
            .map(|(audience, at)| Due { audience, at, every })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incident::Projection;
    use crate::timeline::{Author, Event, EventBody, Hash, IncidentId, Status};

    fn at(minute: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + minute * 60, 0).expect("in range")
    }

    fn fold(events: &[(i64, EventBody)]) -> Projection {
        let mut p = Projection::new();
        for (n, (minute, body)) in events.iter().enumerate() {
            p.apply(Event {
                seq: n as u64 + 1,
                id: uuid::Uuid::from_u128(n as u128 + 1),
                schema: 1,
                recorded_at: at(*minute),
                occurred_at: None,
                author: Author("ana@jump".into()),
                incident: IncidentId("INC-1".into()),
                body: body.clone(),
                dedup_key: None,
                prev_hash: Hash::GENESIS,
                hash: Hash::GENESIS,
            });
        }
        p
    }

    fn declared(level: u8) -> EventBody {
        EventBody::IncidentDeclared {
            title: "Checkout <down>".into(),
            severity: Severity::new(level).expect("level"),
            summary: None,
            detected_at: None,
            drill: false,
        }
    }

    fn update(audience: Audience) -> EventBody {
        EventBody::StatusUpdatePosted {
            text: "news".into(),
            audience,
        }
    }

    fn due(events: &[(i64, EventBody)]) -> Option<Due> {
        let p = fold(events);
        p.incident(&IncidentId("INC-1".into()))
            .and_then(|i| i.update_due(&Cadence::default()))
    }

    #[test]
    fn internal_updates_are_owed_from_the_declaration_at_the_severity_cadence() {
        let d = due(&[(0, declared(1))]).expect("SEV1 has a cadence");
        assert_eq!((d.audience, d.at), (Audience::Internal, at(15)));
        let d = due(&[(0, declared(2)), (10, update(Audience::Internal))]).expect("SEV2");
        assert_eq!((d.audience, d.at), (Audience::Internal, at(40)));
        assert_eq!(due(&[(0, declared(4))]), None, "SEV4 has no cadence");
    }

    #[test]
    fn external_and_executive_updates_are_owed_once_started_and_the_oldest_comes_first() {
        let events = [
            (0, declared(2)),
            (5, update(Audience::External)),
            (20, update(Audience::Internal)),
        ];
        let d = due(&events).expect("due");
        assert_eq!((d.audience, d.at), (Audience::External, at(35)));
        // A raise to SEV1 shortens every clock at once.
        let mut raised = events.to_vec();
        raised.push((
            21,
            EventBody::SeverityChanged {
                severity: Severity::WORST,
                reason: None,
            },
        ));
        let d = due(&raised).expect("due");
        assert_eq!(
            (d.audience, d.at, d.every),
            (Audience::External, at(20), TimeDelta::minutes(15))
        );
    }

    #[test]
    fn a_retracted_update_does_not_count_and_a_resolved_incident_owes_nothing() {
        let retracted = [
            (0, declared(1)),
            (10, update(Audience::Internal)),
            (
                11,
                EventBody::Retracted {
                    target: uuid::Uuid::from_u128(2),
                    reason: None,
                },
            ),
        ];
        assert_eq!(due(&retracted).map(|d| d.at), Some(at(15)));
        let resolved = [
            (0, declared(1)),
            (
                30,
                EventBody::StatusChanged {
                    status: Status::Resolved,
                    reason: None,
                },
            ),
        ];
        assert_eq!(due(&resolved), None);
    }

    #[test]
    fn templates_fill_their_fields_and_keep_their_blanks() {
        let p = fold(&[(0, declared(1))]);
        let inc = p.incident(&IncidentId("INC-1".into()));
        let templates = Templates {
            internal: "{id} {severity} {status}: {title}\nNext: {next} <impact>".into(),
            ..Templates::default()
        };
        let text = templates.render(Audience::Internal, inc, &Cadence::default());
        assert_eq!(
            text,
            vec![
                "INC-1 SEV1 triage: Checkout <down>",
                "Next: in 15 minutes <impact>"
            ]
        );
        let external = Templates::default().render(Audience::External, None, &Cadence::default());
        assert_eq!(external[1], "We will post an update when there is news.");
        assert_eq!(blanks(&templates.internal), vec!["<impact>"]);
        assert_eq!(blanks("a <b> c <d e> <<f>"), vec!["<b>", "<d e>", "<f>"]);
        assert_eq!(blanks("x < y and y > z"), vec!["< y and y >"]);
    }

    /// What `[updates]` in `text` says about itself.
    fn validated(text: &str) -> String {
        let config: UpdatesConfig = toml::from_str::<toml::Table>(text)
            .ok()
            .and_then(|t| t.get("updates").cloned())
            .and_then(|u| u.try_into().ok())
            .expect("parses");
        config
            .validate("c.toml", text)
            .map_or_else(|e| e.to_string(), |()| "ok".into())
    }

    #[test]
    fn config_errors_name_the_key_and_line() {
        let err = validated("[updates.cadence]\nsev1 = 5000\n");
        assert!(
            err.starts_with("c.toml:2:1: key `updates.cadence.sev1`: 5000 minutes"),
            "{err}"
        );
        let err = validated("[updates.templates]\nexternal = \"We are on it, {eta}\"\n");
        assert!(
            err.contains("c.toml:2:1: key `updates.templates.external`: `{eta}` is not a field"),
            "{err}"
        );
        assert_eq!(validated("[updates.cadence]\nsev3 = 0\n"), "ok");
    }
}
