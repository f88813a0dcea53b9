//! What matters, as timeline events. Each rule gives its signal a dedup key built only from
//! what every console sees alike (the finding, the job, the search and a time bucket), so ten
//! consoles polling the same source append each signal once: the store keeps the first and
//! answers the rest with it.

use super::backup::BackupJob;
use super::config::SignalRules;
use super::securityhub::{Finding, Workflow};
use super::splunk::SearchOutcome;
use super::{Observation, Snapshot, SourceConfig};
use crate::timeline::{Author, EventBody, IncidentId, NewEvent};
use chrono::{DateTime, Utc};
use rustc_hash::{FxHashMap, FxHashSet};
use serde_json::json;

/// Where signals go while no incident is open: the triage stream, read by `warroom status`
/// and by the next incident's commander.
pub const TRIAGE: &str = "TRIAGE";

/// Keys this process has already sent are not sent again; past this many, start afresh (the
/// store still refuses duplicates).
const REMEMBERED_KEYS: usize = 100_000;

#[derive(Debug, Clone, PartialEq)]
pub struct Signal {
    pub source: String,
    pub dedup_key: String,
    pub title: String,
    pub severity: Option<String>,
    pub detail: serde_json::Value,
    /// When it happened at the source, if it says.
    pub occurred_at: Option<DateTime<Utc>>,
}

impl Signal {
    pub fn into_event(self, incident: IncidentId) -> NewEvent {
        let mut event = NewEvent::new(
            incident,
            Author::source(&self.source),
            EventBody::Signal {
                source: self.source,
                title: self.title,
                severity: self.severity,
                detail: self.detail,
            },
        )
        .dedup_key(self.dedup_key);
        if let Some(at) = self.occurred_at {
            event = event.occurred_at(at);
        }
        event
    }
}

/// Per search name: the count above which it signals.
type Thresholds = FxHashMap<String, u64>;

#[derive(Default)]
struct Memory {
    workflows: FxHashMap<(String, String), Workflow>,
    counts: FxHashMap<String, u64>,
    last_threshold: FxHashMap<String, DateTime<Utc>>,
    failing_since: Option<DateTime<Utc>>,
    failing_signalled: bool,
}

/// Turns observations into signals, per source's rules.
pub struct Detector {
    rules: FxHashMap<String, (SignalRules, Thresholds)>,
    memory: FxHashMap<String, Memory>,
    sent: FxHashSet<String>,
}

impl Detector {
    pub fn new(sources: &[SourceConfig]) -> Detector {
        Detector {
            rules: sources
                .iter()
                .map(|s| {
                    let thresholds = s
                        .search
                        .iter()
                        .filter_map(|q| Some((q.name.clone(), q.threshold?)))
                        .collect();
                    (s.name.clone(), (s.signals.clone(), thresholds))
                })
                .collect(),
            memory: FxHashMap::default(),
            sent: FxHashSet::default(),
        }
    }

    /// The signals `observation` raises that this process has not raised before.
    pub fn observe(&mut self, observation: &Observation) -> Vec<Signal> {
        let name = observation.source();
        let Some((rules, thresholds)) = self.rules.get(name) else {
            return Vec::new();
        };
        let memory = self.memory.entry(name.to_string()).or_default();
        let mut out = Vec::new();
        match observation {
            Observation::Data { snapshot, at, .. } => {
                memory.failing_since = None;
                memory.failing_signalled = false;
                match snapshot {
                    Snapshot::Findings(findings) => findings_signals(name, rules, memory, findings, &mut out),
                    Snapshot::Searches(searches) => {
                        search_signals(name, rules, thresholds, memory, searches, *at, &mut out)
                    }
                    Snapshot::Backups(jobs) => backup_signals(name, rules, jobs, &mut out),
                }
            }
            Observation::Failed { at, error, .. } => {
                let since = *memory.failing_since.get_or_insert(*at);
                let minutes = rules.failing_minutes;
                if minutes > 0
                    && !memory.failing_signalled
                    && *at - since >= chrono::Duration::minutes(minutes as i64)
                {
                    memory.failing_signalled = true;
                    let bucket = since.timestamp() / (minutes as i64 * 60);
                    out.push(Signal {
                        source: name.to_string(),
                        dedup_key: format!("source/{name}/failing/{bucket}"),
                        title: format!("{name} failing for over {minutes} min: {error}"),
                        severity: Some(rules.severity.clone()),
                        detail: json!({"rule": "source_failing", "since": since.to_rfc3339(),
                                       "error": error.to_string(), "notify": rules.notify}),
                        occurred_at: Some(since),
                    });
                }
            }
            Observation::Updated { .. } => {}
        }
        let notify = rules.notify;
        out.retain(|s| !self.sent.contains(&s.dedup_key));
        out.truncate(rules.max_per_poll.max(1));
        if self.sent.len() + out.len() > REMEMBERED_KEYS {
            self.sent.clear();
        }
        for signal in &mut out {
            self.sent.insert(signal.dedup_key.clone());
            if let Some(obj) = signal.detail.as_object_mut() {
                obj.insert("notify".into(), json!(notify));
            }
        }
        out
    }
}

fn findings_signals(
    name: &str,
    rules: &SignalRules,
    memory: &mut Memory,
    findings: &[Finding],
    out: &mut Vec<Signal>,
) {
    let mut sorted: Vec<&Finding> = findings.iter().collect();
    sorted.sort_by(|a, b| b.severity.cmp(&a.severity).then(b.updated_at.cmp(&a.updated_at)));
    for f in sorted {
        let key = (f.product_arn.clone(), f.id.clone());
        let before = memory.workflows.insert(key, f.workflow.clone());
        let detail = || {
            json!({"rule": "finding", "id": f.id, "product_arn": f.product_arn,
                   "account": f.account, "region": f.region,
                   "resource": f.resources.first().map(|r| r.id.as_str()).unwrap_or_default(),
                   "workflow": f.workflow.as_str(), "updated_at": f.updated_at.to_rfc3339()})
        };
        let reopened = matches!(before, Some(Workflow::Resolved | Workflow::Suppressed))
            && matches!(f.workflow, Workflow::New | Workflow::Notified);
        if rules.reopened && reopened {
            out.push(Signal {
                source: name.to_string(),
                dedup_key: format!(
                    "securityhub/{name}/{}/{}/reopened/{}",
                    f.product_arn,
                    f.id,
                    f.updated_at.timestamp()
                ),
                title: format!("Finding reopened ({}): {}", f.severity.label(), f.title),
                severity: Some(f.severity.label().to_string()),
                detail: detail(),
                occurred_at: Some(f.updated_at),
            });
        } else if f.workflow == Workflow::New && rules.min_severity.is_some_and(|min| f.severity >= min) {
            out.push(Signal {
                source: name.to_string(),
                dedup_key: format!("securityhub/{name}/{}/{}", f.product_arn, f.id),
                title: format!("{} finding: {}", f.severity.label(), f.title),
                severity: Some(f.severity.label().to_string()),
                detail: detail(),
                occurred_at: Some(f.created_at),
            });
        }
    }
}

fn search_signals(
    name: &str,
    rules: &SignalRules,
    thresholds: &Thresholds,
    memory: &mut Memory,
    searches: &[SearchOutcome],
    at: DateTime<Utc>,
    out: &mut Vec<Signal>,
) {
    for s in searches {
        let Some(count) = s.count else { continue };
        let before = memory.counts.insert(s.name.clone(), count);
        let Some(&threshold) = thresholds.get(&s.name) else {
            continue;
        };
        let crossed = count > threshold && before.is_none_or(|b| b <= threshold);
        let cooldown = chrono::Duration::minutes(rules.cooldown_minutes.max(1) as i64);
        let cooled = memory
            .last_threshold
            .get(&s.name)
            .is_none_or(|last| at - *last >= cooldown);
        if crossed && cooled {
            memory.last_threshold.insert(s.name.clone(), at);
            let bucket = at.timestamp() / cooldown.num_seconds();
            out.push(Signal {
                source: name.to_string(),
                dedup_key: format!("splunk/{name}/{}/over/{bucket}", s.name),
                title: format!("{}: {count} (threshold {threshold})", s.name),
                severity: Some(rules.severity.clone()),
                detail: json!({"rule": "search_threshold", "search": s.name,
                               "count": count, "threshold": threshold}),
                occurred_at: Some(at),
            });
        }
    }
}

fn backup_signals(name: &str, rules: &SignalRules, jobs: &[BackupJob], out: &mut Vec<Signal>) {
    if !rules.backup_failures {
        return;
    }
    for job in jobs.iter().filter(|j| j.state.is_failure()) {
        let resource = if job.resource_name.is_empty() {
            &job.resource_arn
        } else {
            &job.resource_name
        };
        let message = if job.status_message.is_empty() {
            String::new()
        } else {
            format!(": {}", job.status_message)
        };
        out.push(Signal {
            source: name.to_string(),
            dedup_key: format!("backup/{name}/{}/{}", job.id, job.state.as_str()),
            title: format!(
                "Backup {} for {resource} ({}){message}",
                job.state.as_str(),
                job.resource_type
            ),
            severity: Some(rules.severity.clone()),
            detail: json!({"rule": "backup_job", "job": job.id, "resource": job.resource_arn,
                           "vault": job.vault, "state": job.state.as_str(),
                           "category": job.message_category}),
            occurred_at: job.completed_at.or(job.created_at),
        });
    }
}
