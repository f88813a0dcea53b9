//! What the console knows of its sources: the newest snapshot of each, its health, and short
//! series for the metrics pane. In memory only; the timeline holds what matters (signals).

use super::backup::{self, BackupJob, Counts};
use super::securityhub::{Finding, FindingSeverity};
use super::splunk::SearchOutcome;
use super::{Observation, Snapshot, SourceConfig, SourceError, SourceKind};
use chrono::{DateTime, Utc};
use std::collections::VecDeque;
use std::time::Duration;

/// Samples kept per series.
const SERIES_LEN: usize = 240;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Health {
    /// Not heard from yet.
    Starting,
    Ok,
    /// The newest data is older than it should be: a failed poll, or a poll overdue.
    Stale,
    /// Failed three times in a row, or never succeeded.
    Failing,
    /// The service refused the credentials (or there are none).
    Unauthorized,
}

impl Health {
    pub fn label(self) -> &'static str {
        match self {
            Health::Starting => "starting",
            Health::Ok => "ok",
            Health::Stale => "stale",
            Health::Failing => "failing",
            Health::Unauthorized => "unauthorised",
        }
    }
}

#[derive(Debug, Clone)]
pub struct SourceView {
    pub name: String,
    pub kind: SourceKind,
    pub interval: Duration,
    /// The longest one poll may take (see `poller::poll_deadline`).
    pub deadline: Duration,
    /// Certificate checks are off: warned about for as long as it runs.
    pub insecure: bool,
    /// Fed by a drill's injects, not by a real service: nothing is ever sent to it.
    pub drill: bool,
    pub snapshot: Option<Snapshot>,
    pub last_success: Option<DateTime<Utc>>,
    pub last_error: Option<(DateTime<Utc>, SourceError)>,
    /// Failures since the last success.
    pub failures: u32,
    pub next_try: Option<DateTime<Utc>>,
    pub polls: u64,
    pub bytes: u64,
    pub last_elapsed: Duration,
    /// The last finding update asked through this console, and how it went.
    pub last_update: Option<(DateTime<Utc>, Result<usize, SourceError>)>,
}

impl SourceView {
    /// A source not heard from yet.
    pub fn new(name: &str, kind: SourceKind, interval: Duration, deadline: Duration) -> SourceView {
        SourceView {
            name: name.to_string(),
            kind,
            interval,
            deadline,
            insecure: false,
            drill: false,
            snapshot: None,
            last_success: None,
            last_error: None,
            failures: 0,
            next_try: None,
            polls: 0,
            bytes: 0,
            last_elapsed: Duration::ZERO,
            last_update: None,
        }
    }

    pub fn health(&self, now: DateTime<Utc>) -> Health {
        let failed_last = match (&self.last_error, self.last_success) {
            (Some((e, _)), Some(s)) => *e > s,
            (Some(_), None) => true,
            _ => false,
        };
        if failed_last {
            let error = self.last_error.as_ref().map(|(_, e)| e);
            if error.is_some_and(SourceError::is_unauthorized) {
                return Health::Unauthorized;
            }
            if self.failures >= 3 || self.last_success.is_none() {
                return Health::Failing;
            }
            return Health::Stale;
        }
        match self.last_success {
            None => Health::Starting,
            Some(at) => {
                let due = self.interval.saturating_mul(2) + self.deadline;
                let overdue = chrono::Duration::from_std(due).unwrap_or(chrono::Duration::MAX);
                if now - at > overdue {
                    Health::Stale
                } else {
                    Health::Ok
                }
            }
        }
    }

    pub fn findings(&self) -> &[Finding] {
        match &self.snapshot {
            Some(Snapshot::Findings(f)) => f,
            _ => &[],
        }
    }
    pub fn searches(&self) -> &[SearchOutcome] {
        match &self.snapshot {
            Some(Snapshot::Searches(s)) => s,
            _ => &[],
        }
    }
    pub fn jobs(&self) -> &[BackupJob] {
        match &self.snapshot {
            Some(Snapshot::Backups(j)) => j,
            _ => &[],
        }
    }
}

/// A bounded series of samples: (when, values).
#[derive(Debug, Clone, Default)]
pub struct Series {
    pub samples: VecDeque<(DateTime<Utc>, Vec<u64>)>,
}

impl Series {
    fn push(&mut self, at: DateTime<Utc>, values: Vec<u64>) {
        if self.samples.len() == SERIES_LEN {
            self.samples.pop_front();
        }
        self.samples.push_back((at, values));
    }
    /// The `i`-th value of every sample, oldest first.
    pub fn column(&self, i: usize) -> Vec<u64> {
        self.samples
            .iter()
            .map(|(_, v)| v.get(i).copied().unwrap_or(0))
            .collect()
    }
    pub fn latest(&self) -> Option<&[u64]> {
        self.samples.back().map(|(_, v)| v.as_slice())
    }
}

/// Every source's view, in configuration order, and the metrics series.
#[derive(Debug, Clone, Default)]
pub struct SourceViews {
    pub list: Vec<SourceView>,
    /// Findings by severity (INFORMATIONAL..CRITICAL), summed over Security Hub sources.
    pub findings_by_severity: Series,
    /// Per search (`source/search`): its count at each run.
    pub search_counts: Vec<(String, Series)>,
    /// AWS Backup, summed over sources: [completed, failed, active] at each poll.
    pub backup_outcomes: Series,
}

impl SourceViews {
    pub fn new(sources: &[SourceConfig]) -> SourceViews {
        SourceViews {
            list: sources
                .iter()
                .map(|s| SourceView {
                    insecure: s.insecure_skip_verify,
                    ..SourceView::new(&s.name, s.kind, s.interval, super::poller::poll_deadline(s))
                })
                .collect(),
            ..SourceViews::default()
        }
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    pub fn get(&self, name: &str) -> Option<&SourceView> {
        self.list.iter().find(|v| v.name == name)
    }

    /// Sources running without certificate checks.
    pub fn insecure(&self) -> impl Iterator<Item = &SourceView> {
        self.list.iter().filter(|v| v.insecure)
    }

    pub fn has_kind(&self, kind: SourceKind) -> bool {
        self.list.iter().any(|v| v.kind == kind)
    }

    /// A drill's inject: data as if `source` had returned it. A source the console does not
    /// poll gets a view of its own, marked as a drill's; a Splunk inject replaces only its own
    /// search's result.
    pub fn apply_drill(&mut self, source: &str, kind: SourceKind, snapshot: Snapshot, at: DateTime<Utc>) {
        if !self.list.iter().any(|v| v.name == source) {
            let minute = Duration::from_secs(60);
            self.list.push(SourceView {
                drill: true,
                ..SourceView::new(source, kind, minute, minute)
            });
        }
        let snapshot = match (snapshot, self.get(source).and_then(|v| v.snapshot.clone())) {
            (Snapshot::Searches(new), Some(Snapshot::Searches(mut old))) => {
                for outcome in new {
                    match old.iter_mut().find(|o| o.name == outcome.name) {
                        Some(slot) => *slot = outcome,
                        None => old.push(outcome),
                    }
                }
                Snapshot::Searches(old)
            }
            (snapshot, _) => snapshot,
        };
        self.apply(Observation::Data {
            source: source.to_string(),
            at,
            snapshot,
            pages: 1,
            bytes: 0,
            elapsed: Duration::ZERO,
        });
    }

    /// A finding update recorded during a drill: a drill view shows it at once, as the real
    /// service would on its next answer (nothing was sent to it). Findings are named by title,
    /// as the timeline records them. False if nothing changed.
    pub fn apply_drill_workflow(&mut self, source: &str, titles: &[String], workflow: &str) -> bool {
        let Some(view) = self.list.iter_mut().find(|v| v.name == source && v.drill) else {
            return false;
        };
        let Some(Snapshot::Findings(findings)) = view.snapshot.as_mut() else {
            return false;
        };
        let workflow = crate::sources::securityhub::Workflow::parse(workflow);
        let mut changed = false;
        for f in findings.iter_mut().filter(|f| titles.contains(&f.title)) {
            f.workflow = workflow.clone();
            changed = true;
        }
        changed
    }

    /// Take in an observation. False if it names no source of ours.
    pub fn apply(&mut self, observation: Observation) -> bool {
        let Some(index) = self.list.iter().position(|v| v.name == observation.source()) else {
            return false;
        };
        match observation {
            Observation::Data {
                at,
                snapshot,
                bytes,
                elapsed,
                ..
            } => {
                let view = &mut self.list[index];
                view.last_success = Some(at);
                view.failures = 0;
                view.next_try = None;
                view.polls += 1;
                view.bytes += bytes;
                view.last_elapsed = elapsed;
                view.snapshot = Some(snapshot);
                self.sample(index, at);
            }
            Observation::Failed {
                at, error, retry_in, ..
            } => {
                let view = &mut self.list[index];
                view.failures += 1;
                view.polls += 1;
                view.next_try = Some(at + chrono::Duration::from_std(retry_in).unwrap_or_default());
                view.last_error = Some((at, error));
            }
            Observation::Updated { at, result, .. } => {
                self.list[index].last_update = Some((at, result));
            }
        }
        true
    }

    /// Record the series after a successful poll of source `index`.
    fn sample(&mut self, index: usize, at: DateTime<Utc>) {
        let view = &self.list[index];
        match view.kind {
            SourceKind::Securityhub => {
                let mut by = vec![0u64; 5];
                for v in self.list.iter().filter(|v| v.kind == SourceKind::Securityhub) {
                    for f in v.findings() {
                        by[severity_index(f.severity)] += 1;
                    }
                }
                self.findings_by_severity.push(at, by);
            }
            SourceKind::Splunk => {
                let name = view.name.clone();
                let counts: Vec<(String, u64)> = view
                    .searches()
                    .iter()
                    .filter_map(|s| Some((format!("{name}/{}", s.name), s.count?)))
                    .collect();
                for (key, count) in counts {
                    let at_key = self.search_counts.iter().position(|(k, _)| *k == key);
                    let i = at_key.unwrap_or_else(|| {
                        self.search_counts.push((key, Series::default()));
                        self.search_counts.len() - 1
                    });
                    self.search_counts[i].1.push(at, vec![count]);
                }
            }
            SourceKind::Backup => {
                let mut total = Counts::default();
                for v in self.list.iter().filter(|v| v.kind == SourceKind::Backup) {
                    let c = backup::summarize(v.jobs());
                    total.completed += c.completed;
                    total.failed += c.failed;
                    total.active += c.active;
                }
                self.backup_outcomes.push(
                    at,
                    vec![total.completed as u64, total.failed as u64, total.active as u64],
                );
            }
        }
    }
}

pub fn severity_index(s: FindingSeverity) -> usize {
    match s {
        FindingSeverity::Informational => 0,
        FindingSeverity::Low => 1,
        FindingSeverity::Medium => 2,
        FindingSeverity::High => 3,
        FindingSeverity::Critical => 4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view() -> SourceView {
        SourceView::new(
            "s",
            SourceKind::Backup,
            Duration::from_secs(60),
            Duration::from_secs(40),
        )
    }

    #[test]
    fn health_follows_successes_failures_and_age() {
        let now = Utc::now();
        let mut v = view();
        assert_eq!(v.health(now), Health::Starting);
        v.last_error = Some((now, SourceError::Timeout(Duration::from_secs(1))));
        v.failures = 1;
        assert_eq!(v.health(now), Health::Failing, "never succeeded");
        v.last_success = Some(now - chrono::Duration::seconds(5));
        assert_eq!(v.health(now), Health::Stale, "one failure after a success");
        v.failures = 3;
        assert_eq!(v.health(now), Health::Failing);
        v.last_error = Some((
            now,
            SourceError::Unauthorized {
                status: 403,
                message: "no".into(),
            },
        ));
        assert_eq!(v.health(now), Health::Unauthorized);
        v.last_success = Some(now);
        v.last_error = Some((
            now - chrono::Duration::seconds(1),
            SourceError::Timeout(Duration::ZERO),
        ));
        assert_eq!(v.health(now), Health::Ok);
        assert_eq!(v.health(now + chrono::Duration::minutes(10)), Health::Stale);
    }

    #[test]
    fn series_are_bounded() {
        let mut s = Series::default();
        for i in 0..1000 {
            s.push(Utc::now(), vec![i]);
        }
        assert_eq!(s.samples.len(), SERIES_LEN);
        assert_eq!(s.latest(), Some(&[999][..]));
        assert_eq!(s.column(0).first(), Some(&760));
    }

    #[test]
    fn a_drill_inject_makes_its_own_view_and_replaces_only_its_search() {
        let mut views = SourceViews::default();
        let search = |name: &str, count: u64| crate::sources::splunk::SearchOutcome {
            name: name.into(),
            result: Ok(Default::default()),
            count: Some(count),
        };
        let now = Utc::now();
        views.apply_drill(
            "splunk",
            SourceKind::Splunk,
            Snapshot::Searches(vec![search("errors", 5), search("logins", 1)]),
            now,
        );
        views.apply_drill(
            "splunk",
            SourceKind::Splunk,
            Snapshot::Searches(vec![search("errors", 90)]),
            now,
        );
        let v = views.get("splunk").unwrap_or_else(|| panic!("no view"));
        assert!(v.drill);
        let counts: Vec<(&str, Option<u64>)> =
            v.searches().iter().map(|s| (s.name.as_str(), s.count)).collect();
        assert_eq!(counts, [("errors", Some(90)), ("logins", Some(1))]);
        assert_eq!(views.search_counts.len(), 2);
        assert_eq!(v.health(now), Health::Ok);
    }
}
