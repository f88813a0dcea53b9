//! The runbook checklist by phase: who owns each item, who checked it and when.

use super::{empty, hidden_rows, pane_block, styled};
use crate::text::clean_line;
use crate::timeline::Phase;
use crate::tui::app::View;
use crate::tui::layout::Pane;
use crate::tui::wrap;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn draw(frame: &mut Frame, v: &View, area: Rect) {
    let t = &v.theme;
    let Some(inc) = v.incident() else {
        frame.render_widget(empty(v, "—").block(pane_block(v, Pane::Checklist, None)), area);
        return;
    };
    let (done, total) = inc.checklist_progress();
    let block = pane_block(v, Pane::Checklist, format!("{done}/{total} done"));
    if total == 0 {
        frame.render_widget(empty(v, "No runbook attached.").block(block), area);
        return;
    }
    let inner = block.inner(area);
    frame.render_widget(block, area);
    // A heading per phase, then its items wrapped under their titles; the selected item whole
    // in view, and the items out of view counted on the border.
    let width = usize::from(inner.width).saturating_sub(5).max(8);
    let mut lines: Vec<Line> = Vec::new();
    let mut items = Vec::with_capacity(inc.checklist.len()); // each item's first line and end
    let mut phase = None;
    let progress = inc.progress_by_phase();
    for (n, item) in inc.checklist.iter().enumerate() {
        if phase != Some(item.spec.phase) {
            phase = Some(item.spec.phase);
            let at = Phase::ALL.iter().position(|p| *p == item.spec.phase);
            let (d, a) = at.map_or((0, 0), |at| progress[at]);
            lines.push(Line::from(styled(
                format!("{} {d}/{a}", item.spec.phase.as_str().to_uppercase()),
                t.title,
            )));
        }
        let selected = v.panes.focus == Pane::Checklist && n == v.panes.checklist.selected;
        let (mark, mark_style) = if item.checked.is_some() {
            ("[x] ", t.ok)
        } else {
            ("[ ] ", t.base)
        };
        let title_style = if item.checked.is_some() { t.muted } else { t.base };
        let mut parts = vec![(clean_line(&item.spec.title).into_owned(), title_style)];
        if let Some(owner) = &item.spec.owner {
            parts.push((format!("  ({owner})"), t.muted));
        }
        if let Some(who) = &item.assignee {
            parts.push((format!(" → {}", clean_line(who)), t.info));
        }
        if let Some((by, at)) = &item.checked {
            let by = crate::timeline::short_name(by);
            parts.push((format!("  ✓ {by} {}", at.format("%H:%MZ")), t.muted));
        }
        let start = lines.len();
        for (k, spans) in wrap::styled(&parts, width).into_iter().enumerate() {
            let mut line = if k == 0 {
                vec![
                    styled(if selected { "›" } else { " " }, t.focus_border),
                    styled(mark, mark_style),
                ]
            } else {
                vec![Span::raw("     ")]
            };
            line.extend(spans);
            let line = Line::from(line);
            lines.push(if selected { line.style(t.selection) } else { line });
        }
        items.push(start..lines.len());
    }
    let height = usize::from(inner.height);
    let chosen = items
        .get(v.panes.checklist.selected.min(items.len() - 1))
        .cloned()
        .unwrap_or(0..0);
    let top = chosen.end.saturating_sub(height).min(chosen.start);
    let above = items.iter().filter(|i| i.start < top).count();
    let below = items.iter().filter(|i| i.start >= top + height).count();
    let visible: Vec<Line> = lines.into_iter().skip(top).take(height).collect();
    frame.render_widget(Paragraph::new(visible), inner);
    hidden_rows(frame, v, inner, above, below);
}
