//! The runbook checklist by phase: who owns each item, who checked it and when.

use super::{empty, pane_block, styled};
use crate::text::clean_line;
use crate::timeline::Phase;
use crate::tui::app::View;
use crate::tui::layout::Pane;
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
    // Lines: a heading per phase, then its items; keep the selected item in view.
    let mut lines: Vec<Line> = Vec::new();
    let mut selected_line = 0;
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
        if selected {
            selected_line = lines.len();
        }
        let (mark, mark_style) = if item.checked.is_some() {
            ("[x]", t.ok)
        } else {
            ("[ ]", t.base)
        };
        let mut spans = vec![
            styled(if selected { "›" } else { " " }, t.focus_border),
            styled(mark, mark_style),
            Span::raw(" "),
            styled(
                clean_line(&item.spec.title).into_owned(),
                if item.checked.is_some() { t.muted } else { t.base },
            ),
        ];
        if let Some(owner) = &item.spec.owner {
            spans.push(styled(format!("  ({owner})"), t.muted));
        }
        if let Some(who) = &item.assignee {
            spans.push(styled(format!(" → {}", clean_line(who)), t.info));
        }
        if let Some((by, at)) = &item.checked {
            let by = crate::timeline::short_name(by);
            spans.push(styled(format!("  ✓ {by} {}", at.format("%H:%MZ")), t.muted));
        }
        let line = Line::from(spans);
        lines.push(if selected { line.style(t.selection) } else { line });
    }
    let height = inner.height as usize;
    let top = selected_line.saturating_sub(height.saturating_sub(1));
    let visible: Vec<Line> = lines.into_iter().skip(top).take(height).collect();
    frame.render_widget(Paragraph::new(visible), inner);
}
