//! AWS Backup: a recovery-readiness summary, then the jobs (failures standing out) or, with
//! `r`, the readiness of each resource.

use super::{Column, cell, col, fill, fit, fit_left, note, size, table, table_width, widths};
use crate::sources::backup::JobState;
use crate::tui::action::Action;
use crate::tui::app::View;
use crate::tui::sources_ui::{List, SourceTab, ago};
use crate::tui::theme::Theme;
use crate::tui::view::{key_hint, styled};
use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Row;

pub fn draw(frame: &mut Frame, v: &View, area: Rect, now: DateTime<Utc>) {
    let [summary_area, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(area);
    summary(frame, v, summary_area, now);
    if body.height == 0 {
        return;
    }
    if v.panes.sources.readiness_shown() {
        readiness(frame, v, body, now);
    } else {
        jobs(frame, v, body, now);
    }
}

fn summary(frame: &mut Frame, v: &View, area: Rect, now: DateTime<Utc>) {
    let t = &v.theme;
    let s = v.panes.sources.readiness_summary();
    let last = s
        .last_completed
        .map_or("never".to_string(), |at| format!("{} ago", ago(now - at)));
    let (other, label) = if v.panes.sources.readiness_shown() {
        ("jobs", "readiness")
    } else {
        ("readiness", "jobs")
    };
    let mut spans = vec![
        styled(format!("{} resources", s.resources), t.base),
        styled(" · ", t.muted),
        styled(
            format!("{} stale", s.stale),
            if s.stale > 0 { t.warn } else { t.ok },
        ),
        styled(" · ", t.muted),
        styled(
            format!("{} failed", s.failed),
            if s.failed > 0 { t.fail } else { t.ok },
        ),
        styled(" · last completed ", t.muted),
        styled(last, t.base),
    ];
    let hint = [
        styled(format!("   {label} · "), t.muted),
        styled(key_hint(v, Action::BackupReadiness), t.key),
        styled(format!(" {other}"), t.muted),
    ];
    let width = |spans: &[Span]| spans.iter().map(Span::width).sum::<usize>();
    if width(&spans) + width(&hint) <= usize::from(area.width) {
        spans.extend(hint);
    }
    frame.render_widget(Line::from(spans), area);
}

fn jobs(frame: &mut Frame, v: &View, area: Rect, now: DateTime<Utc>) {
    let t = &v.theme;
    let pane = &v.panes.sources;
    let len = pane.len(List::Jobs);
    if len == 0 {
        return empty(frame, v, area, "No backup jobs in the window.");
    }
    let medium = area.width >= 70;
    let mut columns: Vec<Column> = vec![
        col("state", 9),
        if medium {
            col("resource", 16)
        } else {
            fill("resource")
        },
    ];
    if medium {
        columns.push(col("type", 8));
    }
    columns.push(col("done", 5));
    if medium {
        columns.push(col("size", 10));
    }
    columns.push(col("age", 6));
    if medium {
        columns.push(fill("message"));
    }
    let w = widths(&columns, table_width(area));
    let row = |i| {
        pane.job(&v.model.sources, i).map(|r| {
            let j = r.job;
            let name = if j.resource_name.is_empty() {
                fit_left(&j.resource_arn, usize::from(w[1]))
            } else {
                fit(&j.resource_name, usize::from(w[1]))
            };
            let done = j
                .percent_done
                .map_or("—".to_string(), |p| format!("{:.0}%", p.clamp(0.0, 100.0)));
            let age = j.created_at.map_or("—".to_string(), |at| ago(now - at));
            let mut cells = vec![
                cell(j.state.as_str(), w[0], state_style(t, &j.state)),
                cell(&name, w[1], t.base),
            ];
            let mut i = 2;
            if medium {
                cells.push(cell(&j.resource_type, w[i], t.muted));
                i += 1;
            }
            cells.push(cell(&done, w[i], t.muted));
            i += 1;
            if medium {
                let bytes = j.size_bytes.map_or("—".to_string(), size);
                cells.push(cell(&bytes, w[i], t.muted));
                i += 1;
            }
            cells.push(cell(&age, w[i], t.muted));
            if medium {
                let style = if j.state.is_failure() { t.fail } else { t.muted };
                cells.push(cell(&j.status_message, w[i + 1], style));
            }
            Row::new(cells)
        })
    };
    let selected = pane.selected(List::Jobs);
    table(frame, v, area, &columns, &w, len, selected, row);
}

fn readiness(frame: &mut Frame, v: &View, area: Rect, now: DateTime<Utc>) {
    let t = &v.theme;
    let pane = &v.panes.sources;
    let len = pane.len(List::Readiness);
    if len == 0 {
        return empty(frame, v, area, "No resource has a backup job in the window.");
    }
    let columns = [
        fill("resource"),
        col("type", 14),
        col("last ok", 8),
        col("latest", 9),
        col("stale", 5),
    ];
    let w = widths(&columns, table_width(area));
    let row = |i| {
        pane.readiness_row(&v.model.sources, i).map(|r| {
            let x = r.readiness;
            let name = if x.resource_name.is_empty() {
                fit_left(&x.resource_arn, usize::from(w[0]))
            } else {
                fit(&x.resource_name, usize::from(w[0]))
            };
            let last = x.last_completed.map_or("never".to_string(), |at| ago(now - at));
            let (stale, stale_style) = if x.stale {
                ("STALE", t.warn.add_modifier(Modifier::BOLD))
            } else {
                ("ok", t.ok)
            };
            Row::new(vec![
                cell(&name, w[0], t.base),
                cell(&x.resource_type, w[1], t.muted),
                cell(&last, w[2], if x.stale { t.warn } else { t.muted }),
                cell(x.latest_state.as_str(), w[3], state_style(t, &x.latest_state)),
                cell(stale, w[4], stale_style),
            ])
        })
    };
    let selected = pane.selected(List::Readiness);
    table(frame, v, area, &columns, &w, len, selected, row);
}

fn empty(frame: &mut Frame, v: &View, area: Rect, text: &str) {
    if v.panes.sources.filter(SourceTab::Backups).is_empty() {
        note(frame, v, area, text);
    } else {
        note(frame, v, area, "Nothing matches the filter.");
    }
}

/// Failures in the alarm colour and bold (they stand out without colour too), completions
/// calm, running jobs informative.
fn state_style(t: &Theme, state: &JobState) -> Style {
    match state {
        s if s.is_failure() => t.fail.add_modifier(Modifier::BOLD),
        JobState::Completed => t.ok,
        s if s.is_active() => t.info,
        _ => t.muted,
    }
}
