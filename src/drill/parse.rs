//! Reading a scenario file: TOML into [`Scenario`], every value checked, and each error naming
//! the file, the line and the field (`inject[3].payload`). A source inject's payload is read by
//! the real parser of its source, so a scenario that checks is one the consoles can show.

use super::scenario::{
    IncidentSpec, Inject, InjectKind, Measure, Objective, RoleSpec, Scenario, Target, parse_clock,
    parse_offset,
};
use crate::config::{ConfigError, Problems, parse_toml};
use serde::Deserialize;
use std::cell::RefCell;
use std::collections::BTreeSet;
use std::ops::Range;
use toml::Spanned;

/// The player actions an objective can measure, and the payload fields each can match on.
pub const MEASURABLE: &[(&str, &[&str])] = &[
    ("finding.updated", &["source", "findings", "workflow", "note"]),
    ("severity.changed", &["severity", "reason"]),
    ("status.changed", &["status", "reason"]),
    ("role.assigned", &["role", "person"]),
    ("role.released", &["role", "person"]),
    ("responder.added", &["person", "contact"]),
    ("responder.paged", &["person", "via"]),
    ("responder.acknowledged", &["person"]),
    ("responder.joined", &["person"]),
    ("note", &["text"]),
    ("decision", &["text", "rationale"]),
    ("status_update.posted", &["text", "audience"]),
    ("checklist.checked", &["item"]),
    ("checklist.assigned", &["item", "person"]),
    ("handoff", &["from", "to"]),
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    name: Spanned<String>,
    title: Spanned<String>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    audience: String,
    duration: Spanned<String>,
    epoch: Option<Spanned<toml::Value>>,
    incident: RawIncident,
    #[serde(default)]
    role: Vec<RawRole>,
    #[serde(default)]
    objective: Vec<RawObjective>,
    #[serde(default)]
    inject: Vec<RawInject>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIncident {
    title: Spanned<String>,
    severity: Spanned<i64>,
    runbook: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRole {
    name: Spanned<String>,
    #[serde(default)]
    description: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawObjective {
    id: Spanned<String>,
    text: Spanned<String>,
    kind: Spanned<String>,
    #[serde(default, rename = "match")]
    matches: Option<Spanned<toml::Table>>,
    within: Spanned<String>,
    from: Spanned<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInject {
    seq: Spanned<i64>,
    at: Spanned<String>,
    #[serde(rename = "type")]
    kind: Spanned<String>,
    target: Spanned<String>,
    source: Option<Spanned<String>>,
    search: Option<Spanned<String>>,
    from: Option<String>,
    to: Option<String>,
    description: Spanned<String>,
    expected_action: Option<String>,
    objective: Option<Spanned<String>>,
    #[serde(default)]
    hidden: bool,
    contingency: Option<Spanned<String>>,
    payload: Option<Spanned<String>>,
}

/// Locates errors (a field's span becomes `file:line:column`) and gathers them, so that one
/// check reports every problem: one for each role, objective and inject, and each of the rest.
struct Errors<'a> {
    file: &'a str,
    text: &'a str,
    problems: RefCell<Problems>,
}

impl Errors<'_> {
    fn push(&self, e: ConfigError) {
        self.problems.borrow_mut().push(e);
    }

    /// The value of `r`, or none with its error kept.
    fn keep<T>(&self, r: Result<T, ConfigError>) -> Option<T> {
        self.problems.borrow_mut().keep(r)
    }

    fn at(&self, span: Range<usize>, field: &str, message: impl Into<String>) -> ConfigError {
        let offset = span.start.min(self.text.len());
        let before = &self.text[..offset];
        ConfigError::Invalid {
            file: self.file.to_string(),
            line: before.matches('\n').count() + 1,
            column: before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1,
            key: Some(field.to_string()),
            message: message.into(),
        }
    }
}

fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

impl Scenario {
    /// Read and check a scenario. `runbooks` are the names `incident.runbook` may take (`None`:
    /// any, as when reading back a scenario recorded on the timeline).
    pub fn parse(file: &str, text: &str, runbooks: Option<&[&str]>) -> Result<Scenario, ConfigError> {
        let raw: RawScenario = parse_toml(file, text)?;
        let err = Errors {
            file,
            text,
            problems: RefCell::default(),
        };

        let name = raw.name.get_ref().trim().to_string();
        if !is_slug(&name) {
            err.push(err.at(
                raw.name.span(),
                "name",
                format!("`{name}`: a scenario's name is lowercase letters, digits and `-`"),
            ));
        }
        if raw.title.get_ref().trim().is_empty() {
            err.push(err.at(raw.title.span(), "title", "a scenario needs a title"));
        }
        let duration = parse_clock(raw.duration.get_ref()).filter(|d| !d.is_zero());
        if duration.is_none() {
            err.push(err.at(
                raw.duration.span(),
                "duration",
                format!(
                    "`{}` is not a duration: write HH:MM:SS, e.g. \"01:00:00\"",
                    raw.duration.get_ref()
                ),
            ));
        }

        let epoch = raw.epoch.as_ref().and_then(|e| {
            let text = match e.get_ref() {
                toml::Value::String(s) => s.clone(),
                toml::Value::Datetime(d) => d.to_string(),
                other => other.to_string(),
            };
            let parsed = chrono::DateTime::parse_from_rfc3339(text.trim()).map_err(|_| {
                err.at(
                    e.span(),
                    "epoch",
                    format!("`{text}` is not a time: write RFC 3339, e.g. \"2026-12-08T02:10:00Z\""),
                )
            });
            err.keep(parsed).map(|t| t.with_timezone(&chrono::Utc))
        });
        // What items name each other by, read before the items are checked: an inject with a
        // mistake is still the seq an objective counts from (one mistake, one message).
        let seqs: BTreeSet<u32> = (raw.inject.iter())
            .filter_map(|i| u32::try_from(*i.seq.get_ref()).ok())
            .collect();
        let ids: BTreeSet<String> = (raw.objective.iter())
            .map(|o| o.id.get_ref().trim().to_string())
            .collect();
        let incident = incident(&err, raw.incident, runbooks);
        let roles = roles(&err, raw.role);
        // An unreadable duration checks no inject against it (it is reported once, above).
        let injects = injects(&err, raw.inject, duration.unwrap_or(std::time::Duration::MAX));
        let objectives = objectives(&err, raw.objective, &seqs);

        // Injects name objectives; objectives name injects: check both ways once both are read.
        for (n, (objective, contingency)) in injects
            .iter()
            .map(|i| (i.index, (i.objective_span.clone(), i.contingency_span.clone())))
        {
            for (field, found) in [("objective", objective), ("contingency", contingency)] {
                if let Some((id, span)) = found
                    && !ids.contains(&id)
                {
                    err.push(err.at(
                        span,
                        &format!("inject[{n}].{field}"),
                        format!(
                            "`{id}` is not an objective of this scenario (objectives: {})",
                            list(&ids.iter().map(String::as_str).collect::<Vec<_>>())
                        ),
                    ));
                }
            }
        }
        err.problems.into_inner().finish()?;
        let duration = duration.unwrap_or_default();

        let mut injects: Vec<Inject> = injects.into_iter().map(|c| c.inject).collect();
        injects.sort_by_key(|i| (i.at, i.seq));
        Ok(Scenario {
            name,
            title: raw.title.into_inner().trim().to_string(),
            description: raw.description.trim().to_string(),
            audience: raw.audience.trim().to_string(),
            duration,
            epoch,
            incident,
            roles,
            objectives,
            injects,
        })
    }
}

fn list<'a>(items: impl IntoIterator<Item = &'a &'a str>) -> String {
    let v: Vec<&str> = items.into_iter().copied().collect();
    if v.is_empty() { "none".into() } else { v.join(", ") }
}

/// The drill's incident, with each mistake kept in `err` (and a stand-in value in its place).
fn incident(err: &Errors<'_>, raw: RawIncident, runbooks: Option<&[&str]>) -> IncidentSpec {
    if raw.title.get_ref().trim().is_empty() {
        err.push(err.at(
            raw.title.span(),
            "incident.title",
            "the drill incident needs a title",
        ));
    }
    let severity = *raw.severity.get_ref();
    if !(1..=5).contains(&severity) {
        err.push(err.at(
            raw.severity.span(),
            "incident.severity",
            format!("{severity} is not a severity: use 1 (worst) to 5"),
        ));
    }
    if let (Some(r), Some(books)) = (&raw.runbook, runbooks)
        && !books.contains(&r.get_ref().as_str())
    {
        err.push(err.at(
            r.span(),
            "incident.runbook",
            format!("no runbook `{}` (runbooks: {})", r.get_ref(), list(books)),
        ));
    }
    IncidentSpec {
        title: raw.title.into_inner().trim().to_string(),
        severity: severity.clamp(1, 5) as u8,
        runbook: raw.runbook.map(Spanned::into_inner),
    }
}

fn roles(err: &Errors<'_>, raw: Vec<RawRole>) -> Vec<RoleSpec> {
    let mut seen = BTreeSet::new();
    raw.into_iter()
        .enumerate()
        .filter_map(|(n, r)| {
            let name = r.name.get_ref().trim().to_string();
            if name.is_empty() || !seen.insert(name.clone()) {
                let why = if name.is_empty() {
                    "a role needs a name"
                } else {
                    "this role is listed twice"
                };
                err.push(err.at(r.name.span(), &format!("role[{n}].name"), why));
                return None;
            }
            Some(RoleSpec {
                name,
                description: r.description.trim().to_string(),
            })
        })
        .collect()
}

fn objectives(err: &Errors<'_>, raw: Vec<RawObjective>, seqs: &BTreeSet<u32>) -> Vec<Objective> {
    let mut seen = BTreeSet::new();
    (raw.into_iter().enumerate())
        .filter_map(|(n, o)| err.keep(objective(err, n, o, seqs, &mut seen)))
        .collect()
}

fn objective(
    err: &Errors<'_>,
    n: usize,
    o: RawObjective,
    seqs: &BTreeSet<u32>,
    seen: &mut BTreeSet<String>,
) -> Result<Objective, ConfigError> {
    let field = |f: &str| format!("objective[{n}].{f}");
    let id = o.id.get_ref().trim().to_string();
    if !is_slug(&id) {
        return Err(err.at(
            o.id.span(),
            &field("id"),
            format!("`{id}`: an objective's id is lowercase letters, digits and `-`"),
        ));
    }
    if !seen.insert(id.clone()) {
        return Err(err.at(
            o.id.span(),
            &field("id"),
            format!("objective `{id}` is defined twice"),
        ));
    }
    if o.text.get_ref().trim().is_empty() {
        return Err(err.at(o.text.span(), &field("text"), "say what the players must do"));
    }
    let kind = o.kind.get_ref().trim().to_string();
    let Some((_, fields)) = MEASURABLE.iter().find(|(k, _)| *k == kind) else {
        let kinds: Vec<&str> = MEASURABLE.iter().map(|(k, _)| *k).collect();
        return Err(err.at(
            o.kind.span(),
            &field("kind"),
            format!(
                "`{kind}` is not a player action that can be measured (one of: {})",
                kinds.join(", ")
            ),
        ));
    };
    let mut matches = Vec::new();
    if let Some(table) = &o.matches {
        for (key, value) in table.get_ref() {
            if !fields.contains(&key.as_str()) {
                return Err(err.at(
                    table.span(),
                    &field(&format!("match.{key}")),
                    format!("`{kind}` has no field `{key}` (fields: {})", fields.join(", ")),
                ));
            }
            let value = match value {
                toml::Value::String(s) => s.clone(),
                toml::Value::Integer(i) => i.to_string(),
                toml::Value::Boolean(b) => b.to_string(),
                _ => {
                    return Err(err.at(
                        table.span(),
                        &field(&format!("match.{key}")),
                        "a match is a string, a number or true/false",
                    ));
                }
            };
            matches.push((key.clone(), value));
        }
    }
    let within = parse_clock(o.within.get_ref())
        .filter(|d| !d.is_zero())
        .ok_or_else(|| {
            err.at(
                o.within.span(),
                &field("within"),
                format!(
                    "`{}` is not a time allowed: write HH:MM:SS, e.g. \"00:05:00\"",
                    o.within.get_ref()
                ),
            )
        })?;
    let from = *o.from.get_ref();
    let from = u32::try_from(from)
        .ok()
        .filter(|s| seqs.contains(s))
        .ok_or_else(|| {
            err.at(
                o.from.span(),
                &field("from"),
                format!("{from} is not the seq of an inject of this scenario"),
            )
        })?;
    Ok(Objective {
        id,
        text: o.text.into_inner().trim().to_string(),
        measure: Measure {
            kind,
            matches,
            within,
            from,
        },
    })
}

/// An inject read, with where its objective references stand (checked once objectives are read).
struct Checked {
    /// Its place in the file (`inject[N]`).
    index: usize,
    inject: Inject,
    objective_span: Option<(String, Range<usize>)>,
    contingency_span: Option<(String, Range<usize>)>,
}

fn injects(err: &Errors<'_>, raw: Vec<RawInject>, duration: std::time::Duration) -> Vec<Checked> {
    let mut seen = BTreeSet::new();
    (raw.into_iter().enumerate())
        .filter_map(|(n, i)| err.keep(inject(err, n, i, duration, &mut seen)))
        .collect()
}

fn inject(
    err: &Errors<'_>,
    n: usize,
    i: RawInject,
    duration: std::time::Duration,
    seen: &mut BTreeSet<u32>,
) -> Result<Checked, ConfigError> {
    let field = |f: &str| format!("inject[{n}].{f}");
    let seq = *i.seq.get_ref();
    let seq = u32::try_from(seq).ok().filter(|s| *s >= 1).ok_or_else(|| {
        err.at(
            i.seq.span(),
            &field("seq"),
            format!("{seq}: an inject's seq is a whole number from 1"),
        )
    })?;
    if !seen.insert(seq) {
        return Err(err.at(i.seq.span(), &field("seq"), format!("seq {seq} is used twice")));
    }
    let at = parse_offset(i.at.get_ref()).ok_or_else(|| {
        err.at(
            i.at.span(),
            &field("at"),
            format!(
                "`{}` is not a scenario time: write +HH:MM:SS, e.g. \"+00:05:00\"",
                i.at.get_ref()
            ),
        )
    })?;
    if at > duration {
        return Err(err.at(
            i.at.span(),
            &field("at"),
            format!("{} is after the scenario's duration", i.at.get_ref()),
        ));
    }
    let kind = match i.kind.get_ref().trim() {
        "source" => InjectKind::Source,
        "message" => InjectKind::Message,
        "note" => InjectKind::Note,
        other => {
            return Err(err.at(
                i.kind.span(),
                &field("type"),
                format!("`{other}` is not an inject type: source, message or note"),
            ));
        }
    };
    let target = match i.target.get_ref().trim() {
        "securityhub" => Target::Securityhub,
        "splunk" => Target::Splunk,
        "backup" => Target::Backup,
        "timeline" => Target::Timeline,
        "roster" => Target::Roster,
        other => {
            return Err(err.at(
                i.target.span(),
                &field("target"),
                format!("`{other}` is not a target: securityhub, splunk, backup, timeline or roster"),
            ));
        }
    };
    let is_source_target = matches!(target, Target::Securityhub | Target::Splunk | Target::Backup);
    if (kind == InjectKind::Source) != is_source_target {
        let message = if kind == InjectKind::Source {
            "a source inject targets securityhub, splunk or backup"
        } else {
            "only a source inject (type = \"source\") can target a source"
        };
        return Err(err.at(i.target.span(), &field("target"), message));
    }
    if i.description.get_ref().trim().is_empty() {
        return Err(err.at(
            i.description.span(),
            &field("description"),
            "say what the players see (or, for a note, what the facilitator does)",
        ));
    }
    let search = match (&i.search, target) {
        (Some(s), Target::Splunk) if !s.get_ref().trim().is_empty() => Some(s.get_ref().trim().to_string()),
        (Some(s), Target::Splunk) => {
            return Err(err.at(s.span(), &field("search"), "a search needs a name"));
        }
        (Some(s), _) => {
            return Err(err.at(
                s.span(),
                &field("search"),
                "only a splunk inject belongs to a search",
            ));
        }
        (None, Target::Splunk) => {
            return Err(err.at(
                i.target.span(),
                &field("search"),
                "a splunk inject names its search (search = \"…\")",
            ));
        }
        (None, _) => None,
    };
    let payload = payload(err, &field("payload"), &i, target, search.as_deref())?;
    let source = match i.source {
        Some(s) if !is_source_target => {
            return Err(err.at(s.span(), &field("source"), "only a source inject has a source"));
        }
        Some(s) if s.get_ref().trim().is_empty() => {
            return Err(err.at(s.span(), &field("source"), "a source needs a name"));
        }
        s => s.map(|s| s.into_inner().trim().to_string()),
    };
    let reference =
        |r: &Option<Spanned<String>>| r.as_ref().map(|s| (s.get_ref().trim().to_string(), s.span()));
    Ok(Checked {
        index: n,
        objective_span: reference(&i.objective),
        contingency_span: reference(&i.contingency),
        inject: Inject {
            seq,
            at,
            kind,
            target,
            source,
            search,
            from: i.from.map(|s| s.trim().to_string()).filter(|s| !s.is_empty()),
            to: i.to.map(|s| s.trim().to_string()).filter(|s| !s.is_empty()),
            description: i.description.into_inner().trim().to_string(),
            expected_action: i
                .expected_action
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty()),
            objective: i.objective.map(|s| s.into_inner().trim().to_string()),
            hidden: i.hidden,
            payload,
            contingency: i.contingency.map(|s| s.into_inner().trim().to_string()),
        },
    })
}

/// A source inject's payload must read as its source's answer; a roster inject's names a
/// person and a change; a message or note carries none.
fn payload(
    err: &Errors<'_>,
    field: &str,
    i: &RawInject,
    target: Target,
    search: Option<&str>,
) -> Result<String, ConfigError> {
    let Some(p) = &i.payload else {
        return match target {
            Target::Timeline => Ok(String::new()),
            Target::Roster => Err(err.at(
                i.target.span(),
                field,
                "a roster inject says who and what: payload = '{\"person\": \"kenji\", \"change\": \"unreachable\"}'",
            )),
            _ => Err(err.at(
                i.target.span(),
                field,
                format!("a {} inject carries the body the source returns (payload = '''…''')", target.as_str()),
            )),
        };
    };
    let text = p.get_ref().trim().to_string();
    match target {
        Target::Timeline => Err(err.at(p.span(), field, "a timeline inject carries no payload")),
        Target::Roster => {
            let v: serde_json::Value =
                serde_json::from_str(&text).map_err(|e| err.at(p.span(), field, format!("not JSON: {e}")))?;
            let person = v.get("person").and_then(|p| p.as_str()).unwrap_or("");
            let change = v.get("change").and_then(|c| c.as_str()).unwrap_or("");
            if person.trim().is_empty() || !matches!(change, "unreachable" | "available") {
                return Err(err.at(
                    p.span(),
                    field,
                    "a roster payload is {\"person\": \"NAME\", \"change\": \"unreachable\" or \"available\"}",
                ));
            }
            Ok(text)
        }
        _ => match super::inject::observe(target.as_str(), search, &text) {
            Ok(_) => Ok(text),
            Err(e) => Err(err.at(
                p.span(),
                field,
                format!("not what {} returns: {e}", target.as_str()),
            )),
        },
    }
}
