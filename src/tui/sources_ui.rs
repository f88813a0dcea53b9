//! The sources pane's own state (which view, what is selected, how findings are sorted, what
//! each view is filtered by) and the rows of each view. Drawing and keys read the rows from the
//! same functions, so a key always acts on the row the user sees; selections follow a row's
//! identity, not its position, so a new poll never moves them onto another finding.

mod detail;

pub use detail::{DetailLine, Tone, detail_area, detail_text_height, detail_text_width, finding_detail};

use super::action::Scope;
pub use super::refs::{Detail, FindingRef, SourceTab};
use crate::sources::backup::{self, BackupJob, BackupQuery, Readiness};
use crate::sources::securityhub::Finding;
use crate::sources::splunk::SearchOutcome;
use crate::sources::view::{Health, SourceView, SourceViews};
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
    /// Where the selected row is among `len` rows: where its key is now, or else where it was.
    fn resolve(&self, len: usize, key_at: impl Fn(usize) -> Option<String>) -> Option<usize> {
        let last = len.checked_sub(1)?;
        let found = (self.key.as_ref()).and_then(|k| (0..len).position(|i| key_at(i).as_ref() == Some(k)));
        Some(found.unwrap_or(self.index.min(last)))
    }
}

/// The pane: which view, what is selected, how findings are sorted, what each view is filtered
/// by, and the rows of every view. The rows are positions in the source views, worked out when
/// something they depend on changes (a poll, the filter, the sort; the clock for backup
/// readiness and health), never while drawing: a frame reads them, whatever the number of
/// findings. The view shown is the one chosen, if it is still offered.
#[derive(Debug, Clone)]
pub struct SourcesPane {
    tab: Option<SourceTab>,
    sort: FindingSort,
    /// Backups: readiness per resource instead of jobs.
    readiness: bool,
    /// Keyed by list and by view, not by position: a new view or list needs no array resized.
    selections: HashMap<List, Selection>,
    filters: HashMap<SourceTab, String>,
    settings: SourceSettings,
    rows: Rows,
    /// The views' contents, the filter or the sort changed: every row is to be worked out.
    stale: bool,
    /// The clock moved: readiness (staleness) and health are to be worked out.
    clock_moved: bool,
}

/// No sources: health alone, empty.
impl Default for SourcesPane {
    fn default() -> SourcesPane {
        SourcesPane::new(SourceSettings::default(), &SourceViews::default())
    }
}

/// The rows of every list, as positions `(view, item)` in [`SourceViews::list`].
#[derive(Debug, Clone, Default)]
struct Rows {
    tabs: Vec<SourceTab>,
    findings: Vec<(usize, usize)>,
    searches: Vec<(usize, usize)>,
    jobs: Vec<(usize, usize)>,
    /// Every resource's readiness, stale and failed first (the summary counts all of them).
    readiness: Vec<(usize, Readiness)>,
    /// The readiness rows the filter shows: positions in `readiness`.
    readiness_shown: Vec<usize>,
    health: Vec<usize>,
    summary: ReadinessSummary,
    /// Rows there are in each list, filtered or not.
    totals: HashMap<List, usize>,
    /// A source is failing or refused.
    trouble: bool,
    /// Each list's selection, resolved against its rows.
    selected: HashMap<List, usize>,
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
    pub readiness: &'a Readiness,
}

/// The recovery-readiness summary over every backup source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReadinessSummary {
    pub resources: usize,
    pub stale: usize,
    pub failed: usize,
    pub last_completed: Option<DateTime<Utc>>,
}

/// The views offered: one per kind of source configured, and health always.
fn offered(views: &SourceViews) -> Vec<SourceTab> {
    (SourceTab::ALL.into_iter())
        .filter(|t| t.kind().is_none_or(|k| views.has_kind(k)))
        .collect()
}

/// A filter's words, lowercased once: every word must appear in one of a row's fields
/// (case-insensitive).
struct Filter(Vec<String>);

impl Filter {
    fn new(text: &str) -> Filter {
        Filter(
            text.to_lowercase()
                .split_whitespace()
                .map(str::to_string)
                .collect(),
        )
    }

    fn matches(&self, fields: &[&str]) -> bool {
        if self.0.is_empty() {
            return true;
        }
        let fields: Vec<String> = fields.iter().map(|f| f.to_lowercase()).collect();
        (self.0.iter()).all(|word| fields.iter().any(|f| f.contains(word.as_str())))
    }
}

fn finding_key(source: &str, f: &Finding) -> String {
    format!("{source}\n{}\n{}", f.id, f.product_arn)
}

impl SourcesPane {
    /// The pane for these views; its rows are worked out at the first [`SourcesPane::refresh`].
    pub fn new(settings: SourceSettings, views: &SourceViews) -> SourcesPane {
        SourcesPane {
            tab: None,
            sort: FindingSort::default(),
            readiness: false,
            selections: HashMap::new(),
            filters: HashMap::new(),
            settings,
            rows: Rows {
                tabs: offered(views),
                ..Rows::default()
            },
            stale: true,
            clock_moved: false,
        }
    }

    pub fn settings(&self) -> &SourceSettings {
        &self.settings
    }

    /// The views' contents changed (a poll, an inject): the rows are worked out again.
    pub fn sources_changed(&mut self) {
        self.stale = true;
    }

    /// The clock moved: readiness and health are worked out again.
    pub fn clock_moved(&mut self) {
        self.clock_moved = true;
    }

    /// Work out what changed since the last call; nothing when nothing did.
    pub fn refresh(&mut self, views: &SourceViews, now: DateTime<Utc>) {
        if self.stale {
            self.rows.tabs = offered(views);
            self.findings(views);
            self.searches(views);
            self.jobs(views);
            for list in [List::Findings, List::Searches, List::Jobs] {
                self.resolve(list, views);
            }
        }
        if self.stale || self.clock_moved {
            self.readiness(views, now);
            self.health(views, now);
            for list in [List::Readiness, List::Health] {
                self.resolve(list, views);
            }
        }
        self.stale = false;
        self.clock_moved = false;
    }

    /// The views offered: one per kind of source configured, and health always.
    pub fn tabs(&self) -> &[SourceTab] {
        &self.rows.tabs
    }

    /// The view shown.
    pub fn tab(&self) -> SourceTab {
        let tabs = self.tabs();
        (self.tab)
            .filter(|t| tabs.contains(t))
            .or(tabs.first().copied())
            .unwrap_or(SourceTab::Health)
    }

    /// Show `tab`, if it is offered.
    pub fn show(&mut self, tab: SourceTab) -> bool {
        let offered = self.tabs().contains(&tab);
        if offered {
            self.tab = Some(tab);
        }
        offered
    }

    /// The next or previous view, round.
    pub fn cycle(&mut self, delta: isize) {
        let tabs = self.tabs();
        let at = tabs.iter().position(|t| *t == self.tab()).unwrap_or(0);
        let next = (at as isize + delta).rem_euclid(tabs.len().max(1) as isize) as usize;
        self.tab = tabs.get(next).copied();
    }

    /// The list the keys move in.
    pub fn list(&self) -> List {
        match self.tab() {
            SourceTab::Findings => List::Findings,
            SourceTab::Searches => List::Searches,
            SourceTab::Backups if self.readiness => List::Readiness,
            SourceTab::Backups => List::Jobs,
            SourceTab::Health => List::Health,
        }
    }

    /// Key scopes in force while the pane has focus, most specific first (see [`Scope`]).
    pub fn scopes(&self) -> Vec<Scope> {
        match self.tab() {
            SourceTab::Findings => vec![Scope::Findings, Scope::Sources],
            SourceTab::Backups => vec![Scope::Backups, Scope::Sources],
            SourceTab::Searches | SourceTab::Health => vec![Scope::Sources],
        }
    }

    /// The filter typed for a view ("" for none).
    pub fn filter(&self, tab: SourceTab) -> &str {
        self.filters.get(&tab).map_or("", String::as_str)
    }

    /// Filter the view shown.
    pub fn set_filter(&mut self, text: &str) {
        let tab = self.tab();
        if self.filter(tab) != text {
            self.filters.insert(tab, text.to_string());
            self.stale = true;
        }
    }

    pub fn sort(&self) -> FindingSort {
        self.sort
    }

    pub fn next_sort(&mut self) -> FindingSort {
        self.sort = self.sort.next();
        self.stale = true;
        self.sort
    }

    /// Backups show readiness per resource rather than jobs.
    pub fn readiness_shown(&self) -> bool {
        self.readiness
    }

    pub fn toggle_readiness(&mut self) {
        self.readiness = !self.readiness;
    }

    /// Rows shown in a list.
    pub fn len(&self, list: List) -> usize {
        match list {
            List::Findings => self.rows.findings.len(),
            List::Searches => self.rows.searches.len(),
            List::Jobs => self.rows.jobs.len(),
            List::Readiness => self.rows.readiness_shown.len(),
            List::Health => self.rows.health.len(),
        }
    }

    /// Rows there are in a list, whatever the filter.
    pub fn total(&self, list: List) -> usize {
        self.rows.totals.get(&list).copied().unwrap_or(0)
    }

    /// A source is failing or refused (health is marked).
    pub fn trouble(&self) -> bool {
        self.rows.trouble
    }

    pub fn readiness_summary(&self) -> ReadinessSummary {
        self.rows.summary
    }

    /// Where the selection of `list` is among its rows (None when there are none).
    pub fn selected(&self, list: List) -> Option<usize> {
        let last = self.len(list).checked_sub(1)?;
        Some(self.rows.selected.get(&list).copied().unwrap_or(0).min(last))
    }

    /// Move the selection of the list on screen.
    pub fn step(&mut self, delta: i64, views: &SourceViews) {
        let list = self.list();
        let Some(current) = self.selected(list) else {
            return;
        };
        let last = self.len(list).saturating_sub(1);
        let index = (current as i64).saturating_add(delta).clamp(0, last as i64) as usize;
        let key = self.key(list, index, views);
        self.selections.insert(list, Selection { key, index });
        self.rows.selected.insert(list, index);
    }

    pub fn finding<'a>(&self, views: &'a SourceViews, i: usize) -> Option<FindingRow<'a>> {
        let (v, f) = *self.rows.findings.get(i)?;
        let view = views.list.get(v)?;
        Some(FindingRow {
            source: &view.name,
            finding: view.findings().get(f)?,
        })
    }

    pub fn search<'a>(&self, views: &'a SourceViews, i: usize) -> Option<SearchRow<'a>> {
        let (v, s) = *self.rows.searches.get(i)?;
        let view = views.list.get(v)?;
        let search = view.searches().get(s)?;
        Some(SearchRow {
            view,
            search,
            threshold: self.settings.threshold(&view.name, &search.name),
        })
    }

    pub fn job<'a>(&self, views: &'a SourceViews, i: usize) -> Option<JobRow<'a>> {
        let (v, j) = *self.rows.jobs.get(i)?;
        let view = views.list.get(v)?;
        Some(JobRow {
            source: &view.name,
            job: view.jobs().get(j)?,
        })
    }

    pub fn readiness_row<'a>(&'a self, views: &'a SourceViews, i: usize) -> Option<ReadinessRow<'a>> {
        let (v, readiness) = self.rows.readiness.get(*self.rows.readiness_shown.get(i)?)?;
        Some(ReadinessRow {
            source: &views.list.get(*v)?.name,
            readiness,
        })
    }

    pub fn health_row<'a>(&self, views: &'a SourceViews, i: usize) -> Option<&'a SourceView> {
        views.list.get(*self.rows.health.get(i)?)
    }

    /// The selected finding, and the source it came from.
    pub fn selected_finding<'a>(&self, views: &'a SourceViews) -> Option<(&'a str, &'a Finding)> {
        let row = self.finding(views, self.selected(List::Findings)?)?;
        Some((row.source, row.finding))
    }

    /// Every Security Hub finding, filtered and in the chosen order.
    fn findings(&mut self, views: &SourceViews) {
        let filter = Filter::new(self.filter(SourceTab::Findings));
        let mut rows = Vec::new();
        let mut total = 0;
        for (v, view) in views.list.iter().enumerate() {
            if view.kind != SourceKind::Securityhub {
                continue;
            }
            total += view.findings().len();
            for (i, f) in view.findings().iter().enumerate() {
                let resource = f.resources.first().map_or("", |r| r.id.as_str());
                let fields = [
                    view.name.as_str(),
                    f.severity.label(),
                    &f.title,
                    resource,
                    &f.account,
                    &f.region,
                    f.workflow.as_str(),
                    &f.product_name,
                ];
                if filter.matches(&fields) {
                    rows.push((v, i));
                }
            }
        }
        let at = |&(v, i): &(usize, usize)| &views.list[v].findings()[i];
        let newest = |a: &Finding, b: &Finding| b.updated_at.cmp(&a.updated_at);
        let severe = |a: &Finding, b: &Finding| b.severity.cmp(&a.severity);
        match self.sort {
            FindingSort::Severity => {
                rows.sort_by(|a, b| severe(at(a), at(b)).then_with(|| newest(at(a), at(b))))
            }
            FindingSort::Age => rows.sort_by(|a, b| newest(at(a), at(b)).then_with(|| severe(at(a), at(b)))),
            FindingSort::Title => rows.sort_by_cached_key(|r| {
                let f = at(r);
                (f.title.to_lowercase(), std::cmp::Reverse(f.severity))
            }),
        }
        self.rows.findings = rows;
        self.rows.totals.insert(List::Findings, total);
    }

    /// One row per search of every Splunk source, in configuration order.
    fn searches(&mut self, views: &SourceViews) {
        let filter = Filter::new(self.filter(SourceTab::Searches));
        let mut rows = Vec::new();
        let mut total = 0;
        for (v, view) in views.list.iter().enumerate() {
            if view.kind != SourceKind::Splunk {
                continue;
            }
            total += view.searches().len();
            for (i, s) in view.searches().iter().enumerate() {
                let (messages, error) = match &s.result {
                    Ok(result) => (
                        result.messages.iter().map(|m| m.text.as_str()).collect(),
                        String::new(),
                    ),
                    Err(e) => (Vec::new(), e.to_string()),
                };
                let mut fields = vec![view.name.as_str(), &s.name, &error];
                fields.extend(messages);
                if filter.matches(&fields) {
                    rows.push((v, i));
                }
            }
        }
        self.rows.searches = rows;
        self.rows.totals.insert(List::Searches, total);
    }

    /// Every backup job, newest first.
    fn jobs(&mut self, views: &SourceViews) {
        let filter = Filter::new(self.filter(SourceTab::Backups));
        let mut rows = Vec::new();
        let mut total = 0;
        for (v, view) in views.list.iter().enumerate() {
            if view.kind != SourceKind::Backup {
                continue;
            }
            total += view.jobs().len();
            for (i, j) in view.jobs().iter().enumerate() {
                let fields = [
                    view.name.as_str(),
                    j.state.as_str(),
                    &j.resource_name,
                    &j.resource_arn,
                    &j.resource_type,
                    &j.status_message,
                ];
                if filter.matches(&fields) {
                    rows.push((v, i));
                }
            }
        }
        rows.sort_by_key(|&(v, i)| std::cmp::Reverse(views.list[v].jobs()[i].created_at));
        self.rows.jobs = rows;
        self.rows.totals.insert(List::Jobs, total);
    }

    /// Readiness per resource of every backup source, stale and failed first: the summary
    /// counts them all, the filter picks those shown.
    fn readiness(&mut self, views: &SourceViews, now: DateTime<Utc>) {
        let mut all: Vec<(usize, Readiness)> = Vec::new();
        for (v, view) in views.list.iter().enumerate() {
            if view.kind != SourceKind::Backup {
                continue;
            }
            let stale_after = self.settings.stale_after(&view.name);
            let resources = backup::readiness(view.jobs(), now, stale_after);
            all.extend(resources.into_iter().map(|r| (v, r)));
        }
        all.sort_by(|(_, a), (_, b)| {
            (b.stale, b.latest_state.is_failure())
                .cmp(&(a.stale, a.latest_state.is_failure()))
                .then_with(|| a.resource_name.cmp(&b.resource_name))
        });
        let filter = Filter::new(self.filter(SourceTab::Backups));
        self.rows.readiness_shown = (all.iter().enumerate())
            .filter(|(_, (v, x))| {
                let stale = if x.stale { "stale" } else { "" };
                let fields = [
                    views.list[*v].name.as_str(),
                    &x.resource_name,
                    &x.resource_arn,
                    &x.resource_type,
                    x.latest_state.as_str(),
                    stale,
                ];
                filter.matches(&fields)
            })
            .map(|(i, _)| i)
            .collect();
        self.rows.summary = ReadinessSummary {
            resources: all.len(),
            stale: all.iter().filter(|(_, r)| r.stale).count(),
            failed: (all.iter()).filter(|(_, r)| r.latest_state.is_failure()).count(),
            last_completed: all.iter().filter_map(|(_, r)| r.last_completed).max(),
        };
        self.rows.totals.insert(List::Readiness, all.len());
        self.rows.readiness = all;
    }

    fn health(&mut self, views: &SourceViews, now: DateTime<Utc>) {
        let filter = Filter::new(self.filter(SourceTab::Health));
        self.rows.health = (views.list.iter().enumerate())
            .filter(|(_, v)| {
                let error = v
                    .last_error
                    .as_ref()
                    .map(|(_, e)| e.to_string())
                    .unwrap_or_default();
                let fields = [v.name.as_str(), v.kind.label(), v.health(now).label(), &error];
                filter.matches(&fields)
            })
            .map(|(i, _)| i)
            .collect();
        self.rows.trouble =
            (views.list.iter()).any(|v| matches!(v.health(now), Health::Failing | Health::Unauthorized));
        self.rows.totals.insert(List::Health, views.list.len());
    }

    /// The identity of a list's row `i`: what a selection follows.
    fn key(&self, list: List, i: usize, views: &SourceViews) -> Option<String> {
        match list {
            List::Findings => self.finding(views, i).map(|r| finding_key(r.source, r.finding)),
            List::Searches => (self.search(views, i)).map(|r| format!("{}/{}", r.view.name, r.search.name)),
            List::Jobs => (self.job(views, i)).map(|r| format!("{}\n{}", r.source, r.job.id)),
            List::Readiness => {
                (self.readiness_row(views, i)).map(|r| format!("{}\n{}", r.source, r.readiness.resource_arn))
            }
            List::Health => self.health_row(views, i).map(|v| v.name.clone()),
        }
    }

    /// Find the selected row of `list` among its new rows.
    fn resolve(&mut self, list: List, views: &SourceViews) {
        let len = self.len(list);
        let index = match self.selections.get(&list) {
            Some(s) => s.resolve(len, |i| self.key(list, i, views)),
            None => None,
        };
        self.rows.selected.insert(list, index.unwrap_or(0));
    }
}

/// Security Hub refuses notes longer than this (characters).
const NOTE_MAX: usize = 512;

/// Why Security Hub would refuse this note, if it would.
pub fn note_problem(text: &str) -> Option<String> {
    let chars = text.trim().chars().count();
    if chars == 0 {
        Some("Nothing written yet (Esc discards).".into())
    } else if chars > NOTE_MAX {
        Some(format!(
            "A finding note is at most {NOTE_MAX} characters; this one has {chars}."
        ))
    } else {
        None
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
        let at = |ks: &'static [&'static str]| move |i: usize| ks.get(i).map(|k| k.to_string());
        let b = Selection {
            key: Some("b".into()),
            index: 1,
        };
        assert_eq!(b.resolve(0, at(&[])), None);
        assert_eq!(b.resolve(3, at(&["a", "b", "c"])), Some(1));
        // a new poll puts another row first: still on b
        assert_eq!(b.resolve(4, at(&["z", "a", "b", "c"])), Some(2));
        // b is gone: stay where it was, within bounds
        assert_eq!(b.resolve(1, at(&["a"])), Some(0));
        assert_eq!(b.resolve(3, at(&["x", "y", "z"])), Some(1));
    }

    #[test]
    fn filters_need_every_word_somewhere() {
        assert!(Filter::new("").matches(&["x"]));
        assert!(Filter::new(" ").matches(&["x"]));
        assert!(Filter::new("crit EC2").matches(&["CRITICAL", "ec2 instance"]));
        assert!(!Filter::new("crit rds").matches(&["CRITICAL", "ec2 instance"]));
    }

    #[test]
    fn ages_stay_short() {
        assert_eq!(ago(chrono::Duration::seconds(-5)), "0s");
        assert_eq!(ago(chrono::Duration::minutes(125)), "2h05m");
        assert_eq!(ago(chrono::Duration::days(400)), "400d");
    }
}
