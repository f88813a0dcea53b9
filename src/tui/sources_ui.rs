//! The sources pane's own state (which view, what is selected, how findings are sorted, what
//! each view is filtered by) and the rows of each view. Drawing and keys read the rows from the
//! same functions, so a key always acts on the row the user sees; selections follow a row's
//! identity, not its position, so a new poll never moves them onto another finding.

mod actions;
mod detail;

pub use actions::note_problem;
pub use detail::{
    DetailLine, Tone, detail_area, detail_text_height, detail_text_width, finding_detail, wrap,
};

use super::action::Scope;
use super::app::App;
pub use super::refs::{Detail, FindingRef, SourceTab};
use crate::sources::backup::{self, BackupJob, BackupQuery, Readiness};
use crate::sources::securityhub::Finding;
use crate::sources::splunk::SearchOutcome;
use crate::sources::view::SourceView;
use crate::sources::{SourceConfig, SourceKind};
use chrono::{DateTime, Utc};
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FindingSort {
    /// Most severe first, then most recently updated.
    #[default]
    Severity,
    /// Most recently updated first.
    Age,
    Title,
}

impl FindingSort {
    pub fn next(self) -> FindingSort {
        match self {
            FindingSort::Severity => FindingSort::Age,
            FindingSort::Age => FindingSort::Title,
            FindingSort::Title => FindingSort::Severity,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            FindingSort::Severity => "severity",
            FindingSort::Age => "age",
            FindingSort::Title => "title",
        }
    }
}

/// What the pane needs from the configuration that the source views do not carry: search
/// thresholds and how old a backup may be before its resource counts as stale.
#[derive(Debug, Clone, Default)]
pub struct SourceSettings {
    /// `source/search` → threshold.
    thresholds: HashMap<String, u64>,
    /// Backup source → `stale_after_hours`.
    stale_after: HashMap<String, u32>,
}

impl SourceSettings {
    pub fn new(sources: &[SourceConfig]) -> SourceSettings {
        let mut settings = SourceSettings::default();
        for s in sources {
            for search in &s.search {
                if let Some(t) = search.threshold {
                    settings
                        .thresholds
                        .insert(format!("{}/{}", s.name, search.name), t);
                }
            }
            if s.kind == SourceKind::Backup {
                (settings.stale_after).insert(s.name.clone(), s.backup_query.stale_after_hours);
            }
        }
        settings
    }

    pub fn threshold(&self, source: &str, search: &str) -> Option<u64> {
        self.thresholds.get(&format!("{source}/{search}")).copied()
    }

    pub fn stale_after(&self, source: &str) -> chrono::Duration {
        let hours =
            (self.stale_after.get(source).copied()).unwrap_or(BackupQuery::default().stale_after_hours);
        chrono::Duration::hours(i64::from(hours))
    }
}

/// The selectable lists of the pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum List {
    Findings,
    Searches,
    Jobs,
    Readiness,
    Health,
}

/// A selected row: its identity, and where it was (for when it goes away).
#[derive(Debug, Clone, Default)]
struct Selection {
    key: Option<String>,
    index: usize,
}

impl Selection {
    fn resolve(&self, keys: &[String]) -> Option<usize> {
        let last = keys.len().checked_sub(1)?;
        let found = self.key.as_ref().and_then(|k| keys.iter().position(|x| x == k));
        Some(found.unwrap_or(self.index.min(last)))
    }

    fn step(&mut self, keys: &[String], delta: i64) {
        let Some(current) = self.resolve(keys) else {
            return;
        };
        let index = (current as i64)
            .saturating_add(delta)
            .clamp(0, keys.len() as i64 - 1) as usize;
        self.index = index;
        self.key = keys.get(index).cloned();
    }
}

/// The pane's state. The view shown is the one chosen, if it is still offered.
#[derive(Debug, Clone, Default)]
pub struct SourcesUi {
    tab: Option<SourceTab>,
    pub sort: FindingSort,
    /// Backups: readiness per resource instead of jobs.
    pub readiness: bool,
    /// Keyed by list and by view, not by position: a new view or list needs no array resized.
    selections: HashMap<List, Selection>,
    filters: HashMap<SourceTab, String>,
}

pub struct FindingRow<'a> {
    pub source: &'a str,
    pub finding: &'a Finding,
}

pub struct SearchRow<'a> {
    pub view: &'a SourceView,
    pub search: &'a SearchOutcome,
    pub threshold: Option<u64>,
}

pub struct JobRow<'a> {
    pub source: &'a str,
    pub job: &'a BackupJob,
}

pub struct ReadinessRow<'a> {
    pub source: &'a str,
    pub readiness: Readiness,
}

/// The recovery-readiness summary over every backup source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReadinessSummary {
    pub resources: usize,
    pub stale: usize,
    pub failed: usize,
    pub last_completed: Option<DateTime<Utc>>,
}

/// Every word of the filter appears in one of the fields (case-insensitive).
fn matches(filter: &str, fields: &[&str]) -> bool {
    if filter.trim().is_empty() {
        return true;
    }
    let fields: Vec<String> = fields.iter().map(|f| f.to_lowercase()).collect();
    filter
        .to_lowercase()
        .split_whitespace()
        .all(|word| fields.iter().any(|f| f.contains(word)))
}

fn finding_key(source: &str, f: &Finding) -> String {
    format!("{source}\n{}\n{}", f.id, f.product_arn)
}

impl App {
    /// The views offered: one per kind of source configured, and health always.
    pub fn source_tabs(&self) -> Vec<SourceTab> {
        SourceTab::ALL
            .into_iter()
            .filter(|t| t.kind().is_none_or(|k| self.sources.has_kind(k)))
            .collect()
    }

    /// The view shown.
    pub fn source_tab(&self) -> SourceTab {
        let tabs = self.source_tabs();
        (self.sources_ui.tab)
            .filter(|t| tabs.contains(t))
            .or(tabs.first().copied())
            .unwrap_or(SourceTab::Health)
    }

    /// The list the keys move in.
    pub fn source_list(&self) -> List {
        match self.source_tab() {
            SourceTab::Findings => List::Findings,
            SourceTab::Searches => List::Searches,
            SourceTab::Backups if self.sources_ui.readiness => List::Readiness,
            SourceTab::Backups => List::Jobs,
            SourceTab::Health => List::Health,
        }
    }

    /// The filter typed for a view ("" for none).
    pub fn source_filter(&self, tab: SourceTab) -> &str {
        self.sources_ui.filters.get(&tab).map_or("", String::as_str)
    }

    /// Key scopes in force, most specific first (see [`Scope`]).
    pub(super) fn key_scopes(&self) -> Vec<Scope> {
        if self.focus != super::layout::Pane::Sources {
            return Vec::new();
        }
        match self.source_tab() {
            SourceTab::Findings => vec![Scope::Findings, Scope::Sources],
            SourceTab::Backups => vec![Scope::Backups, Scope::Sources],
            SourceTab::Searches | SourceTab::Health => vec![Scope::Sources],
        }
    }

    /// Every Security Hub finding, filtered and in the chosen order.
    pub fn finding_rows(&self) -> Vec<FindingRow<'_>> {
        let filter = self.source_filter(SourceTab::Findings);
        let mut rows: Vec<FindingRow> = (self.sources.list.iter())
            .filter(|v| v.kind == SourceKind::Securityhub)
            .flat_map(|v| {
                v.findings().iter().map(|f| FindingRow {
                    source: &v.name,
                    finding: f,
                })
            })
            .filter(|r| {
                let f = r.finding;
                let resource = f.resources.first().map_or("", |r| r.id.as_str());
                let fields = [
                    r.source,
                    f.severity.label(),
                    &f.title,
                    resource,
                    &f.account,
                    &f.region,
                    f.workflow.as_str(),
                    &f.product_name,
                ];
                matches(filter, &fields)
            })
            .collect();
        let newest = |a: &FindingRow, b: &FindingRow| b.finding.updated_at.cmp(&a.finding.updated_at);
        let severe = |a: &FindingRow, b: &FindingRow| b.finding.severity.cmp(&a.finding.severity);
        match self.sources_ui.sort {
            FindingSort::Severity => rows.sort_by(|a, b| severe(a, b).then_with(|| newest(a, b))),
            FindingSort::Age => rows.sort_by(|a, b| newest(a, b).then_with(|| severe(a, b))),
            FindingSort::Title => rows.sort_by(|a, b| {
                (a.finding.title.to_lowercase())
                    .cmp(&b.finding.title.to_lowercase())
                    .then_with(|| severe(a, b))
            }),
        }
        rows
    }

    /// One row per search of every Splunk source, in configuration order.
    pub fn search_rows(&self) -> Vec<SearchRow<'_>> {
        let filter = self.source_filter(SourceTab::Searches);
        (self.sources.list.iter())
            .filter(|v| v.kind == SourceKind::Splunk)
            .flat_map(|v| {
                v.searches().iter().map(move |s| SearchRow {
                    view: v,
                    search: s,
                    threshold: self.source_settings.threshold(&v.name, &s.name),
                })
            })
            .filter(|r| {
                let (messages, error) = match &r.search.result {
                    Ok(result) => (
                        result.messages.iter().map(|m| m.text.as_str()).collect(),
                        String::new(),
                    ),
                    Err(e) => (Vec::new(), e.to_string()),
                };
                let mut fields = vec![r.view.name.as_str(), &r.search.name, &error];
                fields.extend(messages);
                matches(filter, &fields)
            })
            .collect()
    }

    /// Every backup job, newest first.
    pub fn job_rows(&self) -> Vec<JobRow<'_>> {
        let filter = self.source_filter(SourceTab::Backups);
        let mut rows: Vec<JobRow> = (self.sources.list.iter())
            .filter(|v| v.kind == SourceKind::Backup)
            .flat_map(|v| {
                v.jobs().iter().map(|j| JobRow {
                    source: &v.name,
                    job: j,
                })
            })
            .filter(|r| {
                let j = r.job;
                let fields = [
                    r.source,
                    j.state.as_str(),
                    &j.resource_name,
                    &j.resource_arn,
                    &j.resource_type,
                    &j.status_message,
                ];
                matches(filter, &fields)
            })
            .collect();
        rows.sort_by_key(|r| std::cmp::Reverse(r.job.created_at));
        rows
    }

    /// Readiness per resource of every backup source, unfiltered: stale and failed first.
    fn all_readiness(&self, now: DateTime<Utc>) -> Vec<ReadinessRow<'_>> {
        let mut rows: Vec<ReadinessRow> = (self.sources.list.iter())
            .filter(|v| v.kind == SourceKind::Backup)
            .flat_map(|v| {
                let stale_after = self.source_settings.stale_after(&v.name);
                backup::readiness(v.jobs(), now, stale_after)
                    .into_iter()
                    .map(|readiness| ReadinessRow {
                        source: &v.name,
                        readiness,
                    })
            })
            .collect();
        rows.sort_by(|a, b| {
            let (a, b) = (&a.readiness, &b.readiness);
            (b.stale, b.latest_state.is_failure())
                .cmp(&(a.stale, a.latest_state.is_failure()))
                .then_with(|| a.resource_name.cmp(&b.resource_name))
        });
        rows
    }

    pub fn readiness_rows(&self, now: DateTime<Utc>) -> Vec<ReadinessRow<'_>> {
        let filter = self.source_filter(SourceTab::Backups);
        let mut rows = self.all_readiness(now);
        rows.retain(|r| {
            let x = &r.readiness;
            let stale = if x.stale { "stale" } else { "" };
            let fields = [
                r.source,
                &x.resource_name,
                &x.resource_arn,
                &x.resource_type,
                x.latest_state.as_str(),
                stale,
            ];
            matches(filter, &fields)
        });
        rows
    }

    pub fn readiness_summary(&self, now: DateTime<Utc>) -> ReadinessSummary {
        let rows = self.all_readiness(now);
        ReadinessSummary {
            resources: rows.len(),
            stale: rows.iter().filter(|r| r.readiness.stale).count(),
            failed: (rows.iter())
                .filter(|r| r.readiness.latest_state.is_failure())
                .count(),
            last_completed: rows.iter().filter_map(|r| r.readiness.last_completed).max(),
        }
    }

    pub fn health_rows(&self, now: DateTime<Utc>) -> Vec<&SourceView> {
        let filter = self.source_filter(SourceTab::Health);
        (self.sources.list.iter())
            .filter(|v| {
                let error = v
                    .last_error
                    .as_ref()
                    .map(|(_, e)| e.to_string())
                    .unwrap_or_default();
                let fields = [v.name.as_str(), v.kind.label(), v.health(now).label(), &error];
                matches(filter, &fields)
            })
            .collect()
    }

    /// The identities of a list's rows, in order.
    fn row_keys(&self, list: List, now: DateTime<Utc>) -> Vec<String> {
        match list {
            List::Findings => (self.finding_rows().iter())
                .map(|r| finding_key(r.source, r.finding))
                .collect(),
            List::Searches => (self.search_rows().iter())
                .map(|r| format!("{}/{}", r.view.name, r.search.name))
                .collect(),
            List::Jobs => (self.job_rows().iter())
                .map(|r| format!("{}\n{}", r.source, r.job.id))
                .collect(),
            List::Readiness => (self.readiness_rows(now).iter())
                .map(|r| format!("{}\n{}", r.source, r.readiness.resource_arn))
                .collect(),
            List::Health => self.health_rows(now).iter().map(|v| v.name.clone()).collect(),
        }
    }

    /// Where the selection of `list` is among `len` rows (None when there are none).
    pub fn source_selected(&self, list: List, now: DateTime<Utc>) -> Option<usize> {
        let keys = self.row_keys(list, now);
        match self.sources_ui.selections.get(&list) {
            Some(s) => s.resolve(&keys),
            None => Selection::default().resolve(&keys),
        }
    }

    /// Move the selection of the list on screen.
    pub(super) fn source_step(&mut self, delta: i64, now: DateTime<Utc>) {
        let list = self.source_list();
        let keys = self.row_keys(list, now);
        self.sources_ui
            .selections
            .entry(list)
            .or_default()
            .step(&keys, delta);
    }

    /// The selected finding, and the source it came from.
    pub fn selected_finding(&self, now: DateTime<Utc>) -> Option<(&str, &Finding)> {
        let index = self.source_selected(List::Findings, now)?;
        self.finding_rows().get(index).map(|r| (r.source, r.finding))
    }

    /// The finding as the latest poll has it (none if it is gone).
    pub fn find_finding(&self, r: &FindingRef) -> Option<&Finding> {
        let view = self.sources.get(&r.source)?;
        (view.findings().iter()).find(|f| f.id == r.id && f.product_arn == r.product_arn)
    }

    pub fn find_search(&self, source: &str, search: &str) -> Option<&SearchOutcome> {
        let view = self.sources.get(source)?;
        view.searches().iter().find(|s| s.name == search)
    }
}

/// `12s`, `4m`, `2h05m`, then whole days past two.
pub fn ago(d: chrono::TimeDelta) -> String {
    let s = d.num_seconds().max(0);
    match s {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m", s / 60),
        s if s < 48 * 3600 => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
        s => format!("{}d", s / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selections_follow_the_row_not_the_position() {
        let keys = |ks: &[&str]| ks.iter().map(|k| k.to_string()).collect::<Vec<_>>();
        let mut s = Selection::default();
        assert_eq!(s.resolve(&[]), None);
        s.step(&keys(&["a", "b", "c"]), 1);
        assert_eq!(s.resolve(&keys(&["a", "b", "c"])), Some(1));
        // a new poll puts another row first: still on b
        assert_eq!(s.resolve(&keys(&["z", "a", "b", "c"])), Some(2));
        // b is gone: stay where it was, within bounds
        assert_eq!(s.resolve(&keys(&["a"])), Some(0));
        s.step(&keys(&["a", "b", "c"]), i64::MAX);
        assert_eq!(s.resolve(&keys(&["a", "b", "c"])), Some(2));
        s.step(&keys(&["a", "b", "c"]), i64::MIN);
        assert_eq!(s.resolve(&keys(&["a", "b", "c"])), Some(0));
    }

    #[test]
    fn filters_need_every_word_somewhere() {
        assert!(matches("", &["x"]));
        assert!(matches("crit EC2", &["CRITICAL", "ec2 instance"]));
        assert!(!matches("crit rds", &["CRITICAL", "ec2 instance"]));
    }

    #[test]
    fn ages_stay_short() {
        assert_eq!(ago(chrono::Duration::seconds(-5)), "0s");
        assert_eq!(ago(chrono::Duration::minutes(125)), "2h05m");
        assert_eq!(ago(chrono::Duration::days(400)), "400d");
    }
}
