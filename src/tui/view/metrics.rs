//! Incident metrics: activity per minute, open checklist items, people engaged, and how long
//! since the last status update.

use super::{age, empty, pane_block, styled};
use crate::incident::ResponderState;
use crate::timeline::Phase;
use crate::tui::app::App;
use crate::tui::layout::Pane;
use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Bar, BarChart, BarGroup, Paragraph, Sparkline};

pub fn draw(frame: &mut Frame, app: &App, area: Rect, now: DateTime<Utc>) {
    let t = &app.theme;
    let (Some(inc), Some(feed)) = (app.incident(), app.feed()) else {
        frame.render_widget(empty(app, "—").block(pane_block(app, Pane::Metrics, None)), area);
        return;
    };
    let block = pane_block(app, Pane::Metrics, None);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height == 0 || inner.width < 10 {
        return;
    }
    let (done, total) = inc.checklist_progress();
    let engaged = inc
        .responders
        .values()
        .filter(|r| matches!(r.state, ResponderState::Engaged | ResponderState::Acknowledged))
        .count();
    let since_update = inc
        .last_status_update_at()
        .map_or("never".to_string(), |at| age(now - at));
    let minutes = inner.width.saturating_sub(2) as usize;
    let series = feed.per_minute(now, minutes.max(1));
    let last = series.last().copied().unwrap_or(0);
    let stats = Line::from(vec![
        styled(format!("{last}/min "), t.base),
        styled("· open items ", t.muted),
        styled(
            format!("{} ", total - done),
            if total > done { t.warn } else { t.ok },
        ),
        styled("· engaged ", t.muted),
        styled(format!("{engaged} "), t.base),
        styled("· since update ", t.muted),
        styled(since_update, t.base),
    ]);
    let chart_height = if inner.height >= 9 { 4 } else { 0 };
    let [stats_area, spark_area, chart_area] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(chart_height),
    ])
    .areas(inner);
    frame.render_widget(Paragraph::new(stats), stats_area);
    frame.render_widget(
        Sparkline::default()
            .data(&series)
            .style(t.info)
            .max(series.iter().copied().max().unwrap_or(1).max(1)),
        spark_area,
    );
    if chart_height > 0 {
        let bars: Vec<Bar> = Phase::ALL
            .iter()
            .map(|p| {
                let items = inc.checklist.iter().filter(|i| i.spec.phase == *p);
                let (d, a) = items.fold((0u64, 0u64), |(d, a), i| {
                    (d + u64::from(i.checked.is_some()), a + 1)
                });
                let label = match p {
                    Phase::PostIncident => "post".to_string(),
                    other => other.as_str().to_string(),
                };
                Bar::default()
                    .value(d)
                    .text_value(format!("{d}/{a}"))
                    .label(Line::from(label))
                    .style(if a > 0 && d == a { t.ok } else { t.info })
            })
            .collect();
        let width = (chart_area.width / 5).saturating_sub(1).clamp(3, 12);
        frame.render_widget(
            BarChart::default()
                .data(BarGroup::default().bars(&bars))
                .bar_width(width)
                .bar_gap(1)
                .max(inc.checklist.len().max(1) as u64),
            chart_area,
        );
    }
}
