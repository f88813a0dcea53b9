//! What the sources pane's keys and commands do: switch views, open a detail view, and ask a
//! Security Hub source to change a finding (RESOLVED and SUPPRESSED only after a yes).

use super::{
    Detail, FindingRef, List, SourceTab, detail_area, detail_text_height, detail_text_width, finding_detail,
};
use crate::sources::securityhub::Workflow;
use crate::sources::{FindingUpdate, SourceKind};
use crate::text::{clean_line, truncate};
use crate::timeline::IncidentId;
use crate::tui::action::Action;
use crate::tui::app::{App, EditorKind, Effect, Intent, Mode};
use crate::tui::layout::Pane;
use crate::tui::modal::Seen;
use chrono::{DateTime, Utc};
use ratatui::layout::Rect;

/// Security Hub refuses notes longer than this (characters).
const NOTE_MAX: usize = 512;

impl App {
    /// Show another view (`:sources NAME`, `[` and `]`).
    pub(in crate::tui) fn show_source_tab(&mut self, tab: SourceTab, now: DateTime<Utc>) {
        if self.sources_ui.show(tab) {
            self.focus = Pane::Sources;
        } else {
            self.fail(
                format!("No {} view: no source of that kind is configured.", tab.name()),
                now,
            );
        }
    }

    /// Enter on the sources pane: the selected finding or search in detail.
    pub(in crate::tui) fn open_source_detail(&mut self) {
        let pane = &self.sources_ui;
        let detail = match pane.tab() {
            SourceTab::Findings => pane
                .selected_finding(&self.sources)
                .map(|(source, f)| Detail::Finding {
                    finding: FindingRef::of(source, f),
                    scroll: 0,
                }),
            SourceTab::Searches => {
                let index = pane.selected(List::Searches);
                index
                    .and_then(|i| pane.search(&self.sources, i))
                    .map(|r| Detail::Search {
                        source: r.view.name.clone(),
                        search: r.search.name.clone(),
                        scroll: 0,
                    })
            }
            SourceTab::Backups | SourceTab::Health => None,
        };
        if let Some(d) = detail {
            self.set_mode(Mode::Detail(d));
        }
    }

    /// The finding as the latest poll has it (none if it is gone).
    pub fn find_finding(&self, r: &FindingRef) -> Option<&crate::sources::securityhub::Finding> {
        let view = self.sources.get(&r.source)?;
        (view.findings().iter()).find(|f| f.id == r.id && f.product_arn == r.product_arn)
    }

    pub fn find_search(&self, source: &str, search: &str) -> Option<&crate::sources::splunk::SearchOutcome> {
        let view = self.sources.get(source)?;
        view.searches().iter().find(|s| s.name == search)
    }

    /// How far a detail view can scroll.
    pub(in crate::tui) fn detail_max_scroll(&self, detail: &Detail, now: DateTime<Utc>) -> usize {
        match detail {
            Detail::Finding { finding, .. } => {
                let area = detail_area(Rect::new(0, 0, self.size.0, self.size.1));
                let Some(f) = self.find_finding(finding) else {
                    return 0;
                };
                let lines = finding_detail(f, &finding.source, detail_text_width(area), now);
                lines.len().saturating_sub(detail_text_height(area))
            }
            Detail::Search { source, search, .. } => {
                let rows = self
                    .find_search(source, search)
                    .map_or(0, |s| s.result.as_ref().map_or(0, |r| r.rows.len()));
                rows.saturating_sub(1)
            }
        }
    }

    /// A finding action (`N`, `R`, `S`, `a`) on `target`, or on the selected finding.
    pub(in crate::tui) fn finding_action(
        &mut self,
        action: Action,
        target: Option<FindingRef>,
        now: DateTime<Utc>,
        fx: &mut Vec<Effect>,
    ) {
        let workflow = match action {
            Action::FindingNotified => Some(Workflow::Notified),
            Action::FindingResolved => Some(Workflow::Resolved),
            Action::FindingSuppressed => Some(Workflow::Suppressed),
            _ => None,
        };
        let on = self.current.clone();
        self.change_finding(workflow, None, target, on, now, fx);
    }

    /// Ask for a workflow status and/or a note on a finding: NOTIFIED and notes go at once,
    /// RESOLVED and SUPPRESSED ask first, no text yet opens the editor.
    pub(in crate::tui) fn change_finding(
        &mut self,
        workflow: Option<Workflow>,
        note: Option<String>,
        target: Option<FindingRef>,
        on: Option<IncidentId>,
        now: DateTime<Utc>,
        fx: &mut Vec<Effect>,
    ) {
        if !self.sources.has_kind(SourceKind::Securityhub) {
            return self.fail("No Security Hub source is configured.".into(), now);
        }
        let selected = self.sources_ui.selected_finding(&self.sources);
        let target = target.or_else(|| selected.map(|(s, f)| FindingRef::of(s, f)));
        let Some(finding) = target else {
            return self.fail(
                "No finding selected: pick one in the sources pane's findings.".into(),
                now,
            );
        };
        let title = (self.find_finding(&finding).map(|f| f.title.as_str()))
            .filter(|t| !t.trim().is_empty())
            .unwrap_or(&finding.id);
        let title = truncate(clean_line(title).trim(), 48).into_owned();
        if workflow.is_none() && note.is_none() {
            if self.opts.read_only {
                return self.fail("Read-only console: findings cannot be changed".into(), now);
            }
            return self.open_editor(EditorKind::FindingNote { finding, title });
        }
        if let Some(problem) = note.as_deref().and_then(note_problem) {
            return self.fail(problem, now);
        }
        let risky = matches!(workflow, Some(Workflow::Resolved | Workflow::Suppressed));
        let update = FindingUpdate {
            findings: vec![(finding.id, finding.product_arn)],
            workflow,
            note,
            by: format!("warroom/{}", self.opts.me),
            incident: on.clone(),
        };
        let source = finding.source;
        if risky && !self.opts.read_only {
            self.ask(
                Intent::UpdateFindings {
                    source,
                    update,
                    title,
                },
                on,
            );
        } else {
            self.request_finding_update(&source, update, now, fx);
        }
    }

    /// A finding change's state as asked about: the finding's workflow status now (checked
    /// again at the yes).
    pub(in crate::tui) fn finding_seen(&self, source: &str, update: &FindingUpdate) -> Option<Seen> {
        let (id, product_arn) = update.findings.first()?;
        let finding = FindingRef {
            source: source.to_string(),
            id: id.clone(),
            product_arn: product_arn.clone(),
        };
        let state = self
            .find_finding(&finding)
            .map(|f| f.workflow.as_str().to_string());
        Some(Seen {
            value: state.unwrap_or_default(),
            seq: 0,
            by: String::new(),
        })
    }
}

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
