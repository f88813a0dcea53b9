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
    /// The signal as an event on `incident`, recorded at `now`.
    pub fn into_event(self, incident: IncidentId, now: DateTime<Utc>) -> NewEvent {
        let mut event = NewEvent::at(
            now,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::SourceError;
    use crate::sources::backup::JobState;
    use crate::sources::securityhub::FindingSeverity;
    use crate::sources::splunk::SearchResult;
    use chrono::TimeZone;
    use std::time::Duration;

    fn config(toml: &str) -> Vec<SourceConfig> {
        let mut c: crate::config::Config =
            crate::config::parse_toml("t", toml).unwrap_or_else(|e| panic!("{e}"));
        crate::sources::config::validate(&mut c.source, "t", toml).unwrap_or_else(|e| panic!("{e}"));
        c.source
    }

    fn at(min: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 28, 9, 0, 0)
            .single()
            .unwrap_or_default()
            + chrono::Duration::minutes(min)
    }

    fn finding(id: &str, severity: FindingSeverity, workflow: Workflow) -> Finding {
        Finding {
            id: id.into(),
            product_arn: "arn:aws:securityhub:us-east-1::product/aws/guardduty".into(),
            product_name: "GuardDuty".into(),
            generator_id: "g".into(),
            title: format!("finding {id}"),
            description: String::new(),
            severity,
            workflow,
            record_state: "ACTIVE".into(),
            account: "123456789012".into(),
            region: "us-east-1".into(),
            types: vec![],
            resources: vec![],
            remediation: None,
            compliance: None,
            note: None,
            created_at: at(-60),
            updated_at: at(-30),
        }
    }

    fn data(source: &str, when: DateTime<Utc>, snapshot: Snapshot) -> Observation {
        Observation::Data {
            source: source.into(),
            at: when,
            snapshot,
            pages: 1,
            bytes: 0,
            elapsed: Duration::ZERO,
        }
    }

    const HUB: &str = "[[source]]\nkind = \"securityhub\"\nname = \"hub\"\n";

    #[test]
    fn new_findings_at_or_above_the_severity_signal_once() {
        let mut d = Detector::new(&config(HUB));
        let findings = vec![
            finding("a", FindingSeverity::Critical, Workflow::New),
            finding("b", FindingSeverity::High, Workflow::New),
            finding("c", FindingSeverity::Medium, Workflow::New),
            finding("d", FindingSeverity::Critical, Workflow::Notified),
        ];
        let first = d.observe(&data("hub", at(0), Snapshot::Findings(findings.clone())));
        let keys: Vec<&str> = first.iter().map(|s| s.dedup_key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "securityhub/hub/arn:aws:securityhub:us-east-1::product/aws/guardduty/a",
                "securityhub/hub/arn:aws:securityhub:us-east-1::product/aws/guardduty/b"
            ]
        );
        assert_eq!(first[0].severity.as_deref(), Some("CRITICAL"));
        assert_eq!(first[0].detail["notify"], true);
        assert!(
            d.observe(&data("hub", at(1), Snapshot::Findings(findings)))
                .is_empty()
        );
        // Another process (a second console) computes the very same keys.
        let mut other = Detector::new(&config(HUB));
        let again = other.observe(&data(
            "hub",
            at(7),
            Snapshot::Findings(vec![finding("a", FindingSeverity::Critical, Workflow::New)]),
        ));
        assert_eq!(again[0].dedup_key, first[0].dedup_key);
    }

    #[test]
    fn a_resolved_finding_coming_back_is_a_reopen() {
        let mut d = Detector::new(&config(HUB));
        let resolved = finding("a", FindingSeverity::Low, Workflow::Resolved);
        assert!(
            d.observe(&data("hub", at(0), Snapshot::Findings(vec![resolved])))
                .is_empty()
        );
        let mut back = finding("a", FindingSeverity::Low, Workflow::Notified);
        back.updated_at = at(5);
        let s = d.observe(&data("hub", at(6), Snapshot::Findings(vec![back])));
        assert_eq!(s.len(), 1);
        assert!(
            s[0].dedup_key
                .ends_with(&format!("/a/reopened/{}", at(5).timestamp()))
        );
        assert!(s[0].title.starts_with("Finding reopened (LOW)"));
    }

    #[test]
    fn failed_backup_jobs_signal_and_good_ones_do_not() {
        let mut d = Detector::new(&config("[[source]]\nkind = \"backup\"\nname = \"vault\"\n"));
        let job = |id: &str, state: JobState| crate::sources::backup::BackupJob {
            id: id.into(),
            account: String::new(),
            vault: "prod".into(),
            resource_arn: format!("arn:aws:rds:::db/{id}"),
            resource_type: "RDS".into(),
            resource_name: format!("db-{id}"),
            state,
            percent_done: None,
            size_bytes: None,
            status_message: "Insufficient privileges".into(),
            message_category: "AccessDenied".into(),
            created_at: Some(at(-10)),
            completed_at: Some(at(-2)),
        };
        let jobs = vec![
            job("1", JobState::Completed),
            job("2", JobState::Failed),
            job("3", JobState::Running),
            job("4", JobState::Partial),
        ];
        let s = d.observe(&data("vault", at(0), Snapshot::Backups(jobs)));
        let keys: Vec<&str> = s.iter().map(|s| s.dedup_key.as_str()).collect();
        assert_eq!(keys, ["backup/vault/2/FAILED", "backup/vault/4/PARTIAL"]);
        assert_eq!(
            s[0].title,
            "Backup FAILED for db-2 (RDS): Insufficient privileges"
        );
        assert_eq!(s[0].occurred_at, Some(at(-2)));
    }

    fn searches(count: u64) -> Snapshot {
        Snapshot::Searches(vec![crate::sources::splunk::SearchOutcome {
            name: "5xx".into(),
            result: Ok(SearchResult::default()),
            count: Some(count),
        }])
    }

    #[test]
    fn a_search_signals_when_it_crosses_its_threshold_not_while_it_stays_over() {
        let toml = "[[source]]\nkind = \"splunk\"\nname = \"spl\"\ntoken_env = \"T\"\n\
                    [[source.search]]\nname = \"5xx\"\nquery = \"x\"\nthreshold = 100\n\
                    [source.signals]\ncooldown_minutes = 15\n";
        let mut d = Detector::new(&config(toml));
        assert!(d.observe(&data("spl", at(0), searches(50))).is_empty());
        let s = d.observe(&data("spl", at(1), searches(150)));
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].title, "5xx: 150 (threshold 100)");
        assert_eq!(
            s[0].dedup_key,
            format!("splunk/spl/5xx/over/{}", at(1).timestamp() / 900)
        );
        assert!(
            d.observe(&data("spl", at(2), searches(170))).is_empty(),
            "still over"
        );
        assert!(d.observe(&data("spl", at(3), searches(20))).is_empty());
        assert!(
            d.observe(&data("spl", at(4), searches(120))).is_empty(),
            "within the cooldown"
        );
        assert!(d.observe(&data("spl", at(20), searches(20))).is_empty());
        assert_eq!(d.observe(&data("spl", at(21), searches(300))).len(), 1);
    }

    #[test]
    fn a_source_failing_longer_than_the_rule_signals_once_per_outage() {
        let toml = "[[source]]\nkind = \"backup\"\nname = \"vault\"\n[source.signals]\nfailing_minutes = 5\nnotify = false\n";
        let mut d = Detector::new(&config(toml));
        let failed = |m: i64| Observation::Failed {
            source: "vault".into(),
            at: at(m),
            error: SourceError::Timeout(Duration::from_secs(20)),
            retry_in: Duration::from_secs(30),
        };
        assert!(d.observe(&failed(0)).is_empty());
        assert!(d.observe(&failed(4)).is_empty());
        let s = d.observe(&failed(6));
        assert_eq!(s.len(), 1);
        assert!(s[0].title.starts_with("vault failing for over 5 min"));
        assert_eq!(s[0].detail["notify"], false);
        assert!(d.observe(&failed(9)).is_empty());
        d.observe(&data("vault", at(10), Snapshot::Backups(vec![])));
        assert!(
            d.observe(&failed(11)).is_empty(),
            "a new outage starts its own clock"
        );
        assert_eq!(d.observe(&failed(17)).len(), 1);
    }

    #[test]
    fn a_flood_of_findings_is_spread_over_polls() {
        let toml = format!("{HUB}[source.signals]\nmax_per_poll = 3\n");
        let mut d = Detector::new(&config(&toml));
        let many: Vec<Finding> = (0..7)
            .map(|i| finding(&i.to_string(), FindingSeverity::High, Workflow::New))
            .collect();
        let sizes: Vec<usize> = (0..4)
            .map(|m| {
                d.observe(&data("hub", at(m), Snapshot::Findings(many.clone())))
                    .len()
            })
            .collect();
        assert_eq!(sizes, [3, 3, 1, 0]);
    }

    #[test]
    fn signals_become_events_by_the_source_with_their_key() {
        let s = Signal {
            source: "hub".into(),
            dedup_key: "k".into(),
            title: "t".into(),
            severity: Some("HIGH".into()),
            detail: json!({}),
            occurred_at: Some(at(0)),
        };
        let e = s.into_event(IncidentId("INC-1".into()), chrono::Utc::now());
        assert_eq!(e.author.as_str(), "source:hub");
        assert_eq!(e.dedup_key.as_deref(), Some("k"));
        assert_eq!(e.occurred_at, Some(at(0)));
        assert_eq!(e.incident.as_str(), "INC-1");
    }
}
