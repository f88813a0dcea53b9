//! Incident metrics: activity per minute, open checklist items, people engaged, and how long
//! since the last status update. With sources: a line each for findings by severity, every
//! search's count and backups completed and failed, each with its sparkline.

use super::{age, empty, pane_block, styled};
use crate::incident::ResponderState;
use crate::sources::SourceKind;
use crate::sources::view::Series;
use crate::timeline::Phase;
use crate::tui::app::View;
use crate::tui::layout::Pane;
use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Bar, BarChart, BarGroup, Paragraph, Sparkline};

/// Columns for a search's name in its label.
const NAME_WIDTH: usize = 16;

pub fn draw(frame: &mut Frame, v: &View, area: Rect, now: DateTime<Utc>) {
    let t = &v.theme;
    let sources = source_series(v);
    let (Some(inc), Some(feed)) = (v.incident(), v.feed()) else {
        if sources.is_empty() {
            frame.render_widget(empty(v, "—").block(pane_block(v, Pane::Metrics, None)), area);
        } else {
            let block = pane_block(v, Pane::Metrics, None);
            let inner = block.inner(area);
            frame.render_widget(block, area);
            draw_series(frame, &sources, inner);
        }
        return;
    };
    let block = pane_block(v, Pane::Metrics, None);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height == 0 || inner.width < 10 {
        return;
    }
    // The source lines that fit, leaving a row for the activity sparkline.
    let shown = sources.len().min(usize::from(inner.height.saturating_sub(2)));
    let (done, total) = inc.checklist_progress();
    let engaged = inc
        .responders
        .values()
        .filter(|r| matches!(r.state, ResponderState::Engaged | ResponderState::Acknowledged))
        .count();
    let since_update = inc
        .last_status_update_at()
        .map_or("never".to_string(), |at| age(now - at));
    // The chart's scale (its peak, right-aligned in a gutter) takes the first columns.
    let mut series = feed.per_minute(now, usize::from(inner.width).max(1));
    let gutter = series.iter().copied().max().unwrap_or(0).max(1).to_string().len() as u16 + 1;
    series.drain(..usize::from(gutter).min(series.len() - 1));
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
    let chart_height = if usize::from(inner.height) >= 9 + shown {
        4
    } else {
        0
    };
    let [stats_area, spark_area, chart_area] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(chart_height),
    ])
    .areas(inner);
    let [spark_area, series_area] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(shown as u16)]).areas(spark_area);
    draw_series(frame, &sources[..shown], series_area);
    frame.render_widget(Paragraph::new(stats), stats_area);
    activity(frame, v, spark_area, &series, gutter, now);
    if chart_height > 0 {
        let progress = inc.progress_by_phase();
        let bars: Vec<Bar> = Phase::ALL
            .iter()
            .zip(progress)
            .map(|(p, (d, a))| {
                let (d, a) = (d as u64, a as u64);
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

/// Events per minute as bars, one a minute, newest at the right: a legend saying so, the
/// scale (the peak at the top of a gutter, 0 at the bottom) and a time axis under the bars
/// (clock times at its ends and middle), as far as the room allows.
fn activity(frame: &mut Frame, v: &View, area: Rect, series: &[u64], gutter: u16, now: DateTime<Utc>) {
    let t = &v.theme;
    let peak = series.iter().copied().max().unwrap_or(0);
    let decorated = area.height >= 4;
    let (legend, bars, axis) = if decorated {
        let [legend, bars, axis] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(1), Constraint::Length(1)]).areas(area);
        (Some(legend), bars, Some(axis))
    } else {
        (None, area, None)
    };
    let minutes = series.len();
    if let Some(legend) = legend {
        // A bar is a minute's events: the legend says so, and what the full height is.
        let text = format!("events/min, last {minutes} min · peak {peak}");
        frame.render_widget(Paragraph::new(styled(text, t.muted)), legend);
    }
    let [scale, chart] = Layout::horizontal([Constraint::Length(gutter), Constraint::Min(1)]).areas(bars);
    if decorated && scale.height >= 2 {
        let top = Rect::new(scale.x, scale.y, scale.width, 1);
        let bottom = Rect::new(scale.x, scale.bottom() - 1, scale.width, 1);
        let label =
            |s: String| Paragraph::new(styled(s, t.muted)).alignment(ratatui::layout::Alignment::Right);
        frame.render_widget(label(format!("{peak} ")), top);
        frame.render_widget(label("0 ".to_string()), bottom);
    }
    frame.render_widget(
        Sparkline::default().data(series).style(t.info).max(peak.max(1)),
        chart,
    );
    if let Some(axis) = axis {
        let [_, axis] = Layout::horizontal([Constraint::Length(gutter), Constraint::Min(1)]).areas(axis);
        let width = usize::from(axis.width);
        let at = |col: usize| {
            let ago = minutes.saturating_sub(col + 1) as i64;
            (now - chrono::TimeDelta::minutes(ago))
                .format("%H:%M")
                .to_string()
        };
        let mut line = vec![' '; width];
        let mut put = |col: usize, text: &str| {
            let start = col.min(width.saturating_sub(text.chars().count()));
            for (i, c) in text.chars().enumerate() {
                if let Some(cell) = line.get_mut(start + i) {
                    *cell = c;
                }
            }
        };
        put(0, &format!("└{}", at(0)));
        if width >= 24 {
            put(width / 2 - 3, &at(width / 2));
        }
        put(width, &format!("{}┘", at(width.saturating_sub(1))));
        frame.render_widget(
            Paragraph::new(styled(line.into_iter().collect::<String>(), t.muted)),
            axis,
        );
    }
}

/// One source series: what it is and its latest value, and the samples to draw.
struct SeriesLine {
    label: Vec<Span<'static>>,
    data: Vec<u64>,
    style: Style,
}

/// Findings by severity, backups completed and failed, then each search's count (as many as
/// there are; the pane shows those that fit).
fn source_series(v: &View) -> Vec<SeriesLine> {
    let t = &v.theme;
    let s = &v.model.sources;
    let mut out = Vec::new();
    if s.has_kind(SourceKind::Securityhub) {
        let by = &s.findings_by_severity;
        let latest = by.latest().unwrap_or_default();
        let n = |i: usize| latest.get(i).copied().unwrap_or(0);
        let mut label = vec![styled("findings ", t.muted)];
        if by.latest().is_none() {
            label.push(styled("—", t.muted));
        }
        for (i, name, level) in [(4, "C", 1), (3, "H", 2), (2, "M", 3), (1, "L", 4)] {
            if by.latest().is_some() {
                let style = if n(i) > 0 { t.severity(level) } else { t.muted };
                label.push(styled(format!("{name}:{}", n(i)), style));
                label.push(Span::raw(" "));
            }
        }
        let worst: Vec<u64> = (by.column(4).into_iter().zip(by.column(3)))
            .map(|(c, h)| c + h)
            .collect();
        out.push(SeriesLine {
            label,
            data: worst,
            style: t.fail,
        });
    }
    if s.has_kind(SourceKind::Backup) {
        let b = &s.backup_outcomes;
        for (i, name, style) in [(0, "backups done", t.ok), (1, "backups failed", t.fail)] {
            out.push(SeriesLine {
                label: vec![
                    styled(format!("{name} "), t.muted),
                    styled(
                        latest(b, i),
                        if i == 1 && b.latest().is_some_and(|v| v.get(1) > Some(&0)) {
                            t.fail
                        } else {
                            t.base
                        },
                    ),
                ],
                data: b.column(i),
                style,
            });
        }
    }
    if s.has_kind(SourceKind::Splunk) && s.search_counts.is_empty() {
        out.push(SeriesLine {
            label: vec![styled("searches —", t.muted)],
            data: Vec::new(),
            style: t.info,
        });
    }
    let several = s.list.iter().filter(|v| v.kind == SourceKind::Splunk).count() > 1;
    for (key, series) in &s.search_counts {
        let (source, search) = key.split_once('/').unwrap_or(("", key));
        let name = if several { key.as_str() } else { search };
        let over = (series.latest().and_then(|v| v.first()))
            .zip(v.panes.sources.settings().threshold(source, search))
            .is_some_and(|(c, th)| *c > th);
        out.push(SeriesLine {
            label: vec![
                styled(format!("{} ", super::sources::fit(name, NAME_WIDTH)), t.muted),
                styled(latest(series, 0), if over { t.fail } else { t.base }),
                styled(if over { " ▲" } else { "" }, t.fail),
            ],
            data: series.column(0),
            style: if over { t.fail } else { t.info },
        });
    }
    out
}

fn latest(series: &Series, i: usize) -> String {
    (series.latest().and_then(|v| v.get(i))).map_or("—".to_string(), ToString::to_string)
}

/// Each series on a row: its label, then its newest samples as a sparkline; the labels share
/// a width (at most half the row) so the sparklines line up.
fn draw_series(frame: &mut Frame, series: &[SeriesLine], area: Rect) {
    let widest = (series.iter())
        .map(|s| s.label.iter().map(Span::width).sum::<usize>())
        .max()
        .unwrap_or(0);
    let label_width = (widest as u16 + 1).min(area.width / 2);
    for (line, y) in series.iter().zip(area.y..area.bottom()) {
        let row = Rect::new(area.x, y, area.width, 1);
        let [label, spark] =
            Layout::horizontal([Constraint::Length(label_width), Constraint::Min(0)]).areas(row);
        frame.render_widget(Line::from(line.label.clone()), label);
        let take = usize::from(spark.width);
        let data = &line.data[line.data.len().saturating_sub(take)..];
        frame.render_widget(
            Sparkline::default()
                .data(data)
                .style(line.style)
                .max(data.iter().copied().max().unwrap_or(1).max(1)),
            spark,
        );
    }
}
