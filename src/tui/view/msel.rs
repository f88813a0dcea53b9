//! The facilitator's MSEL: the scenario clock, the objectives as scored, and the injects —
//! delivered (planned and actual time), skipped, and upcoming. Shown in the metrics' place.

use super::{pane_block, styled};
use crate::drill::facilitator::Facilitator;
use crate::drill::player::InjectState;
use crate::drill::scenario::format_offset;
use crate::drill::score::Outcome;
use crate::text::clean_line;
use crate::tui::app::View;
use crate::tui::layout::Pane;
use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Cell, Paragraph, Row, Table};

/// Delivered injects kept in view above the upcoming ones.
const RECENT: usize = 2;

pub fn draw(frame: &mut Frame, v: &View, f: &Facilitator, area: Rect, now: DateTime<Utc>) {
    let t = &v.theme;
    let p = &f.player;
    let state = if p.ended {
        "ENDED"
    } else if p.paused() {
        "PAUSED"
    } else {
        "running"
    };
    let extra = format!(
        "{} · {} · {}× · {state}",
        f.scenario().name,
        format_offset(p.clock(now)),
        p.speed()
    );
    let block = pane_block(v, Pane::Metrics, extra);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height == 0 || inner.width < 10 {
        return;
    }
    let objectives = f.results.len().min(usize::from(inner.height / 2)) as u16;
    let [top, rest] = Layout::vertical([Constraint::Length(objectives), Constraint::Min(0)]).areas(inner);

    let lines: Vec<Line> = f
        .results
        .iter()
        .take(usize::from(objectives))
        .map(|r| {
            let (mark, style) = match r.outcome {
                Outcome::Met => ("✓ met    ", t.ok),
                Outcome::Missed => ("✗ missed ", t.fail),
                Outcome::Pending => ("… pending", t.warn),
                Outcome::NotStarted => ("· not yet", t.muted),
            };
            let took = r.took.map_or(String::new(), |d| format!(" {}", format_offset(d)));
            let by = r.by.as_deref().map(|b| format!(" {b}")).unwrap_or_default();
            Line::from(vec![
                styled(mark, style),
                styled(format!(" {}", r.id), t.title),
                styled(format!("{took} of {}{by}", format_offset(r.within)), t.muted),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), top);

    // The newest delivered injects, then every upcoming one that fits.
    let all: Vec<_> = f.msel().collect();
    let first_upcoming = all
        .iter()
        .position(|(_, s, _)| *s == InjectState::Upcoming)
        .unwrap_or(all.len());
    let start = first_upcoming.saturating_sub(RECENT);
    let rows: Vec<Row> = all[start..]
        .iter()
        .map(|(inject, state, delivered)| {
            let (mark, style) = match state {
                InjectState::Delivered => ("✓", t.muted),
                InjectState::Skipped => ("⤼", t.muted),
                InjectState::Upcoming => ("·", t.base),
            };
            let actual = delivered.map_or(String::new(), format_offset);
            let mut what = clean_line(&inject.description).into_owned();
            if inject.hidden {
                what.insert_str(0, "(hidden) ");
            }
            if inject.contingency.is_some() {
                what.insert_str(0, "(if unmet) ");
            }
            Row::new(vec![
                Cell::from(styled(format!("{mark} {:>2}", inject.seq), style)),
                Cell::from(styled(format_offset(inject.at), style)),
                Cell::from(styled(actual, t.muted)),
                Cell::from(styled(inject.target.as_str(), t.info)),
                Cell::from(styled(what, style)),
            ])
        })
        .collect();
    let table = Table::new(
        rows,
        [
            Constraint::Length(4),
            Constraint::Length(9),
            Constraint::Length(9),
            Constraint::Length(11),
            Constraint::Fill(1),
        ],
    )
    .header(Row::new(vec!["seq", "planned", "actual", "target", "inject"]).style(t.muted));
    frame.render_widget(table, rest);
}
