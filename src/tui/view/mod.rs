//! Drawing: a pure function of the app's state and the time. Nothing here reads the store,
//! the network or the disk. Panes slice what ingest prepared: timeline rows, and the
//! incident's milestones and last status update, kept by the fold; the checklist's per-phase
//! counts take one pass; the picker's list was made when it opened. The sources pane's rows
//! are worked out when a poll, the filter, the sort or the clock changes them, and a table
//! builds only the rows in view.

mod checklist;
mod footer;
mod header;
mod metrics;
mod msel;
mod overlay;
mod roster;
mod sources;
mod timeline;

use super::app::{App, TimeMode, View};
use super::layout::{MIN_HEIGHT, MIN_WIDTH, Pane};
use chrono::{DateTime, Local, Utc};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Paragraph, Wrap};

/// The console's frame at `now`.
pub fn draw(frame: &mut Frame, app: &App, now: DateTime<Utc>) {
    draw_view(frame, &app.view(), now);
}

fn draw_view(frame: &mut Frame, v: &View, now: DateTime<Utc>) {
    let area = frame.area();
    let Some(areas) = v.areas(area, v.panes.focus) else {
        let msg = format!(
            "warroom needs at least {MIN_WIDTH}×{MIN_HEIGHT}; this terminal is {}×{}.",
            area.width, area.height
        );
        frame.render_widget(
            Paragraph::new(msg).wrap(Wrap { trim: true }).style(v.theme.warn),
            area,
        );
        return;
    };
    header::draw(frame, v, areas.header, now, areas.compact);
    if let Some(bar) = areas.tab_bar {
        draw_tabs(frame, v, bar, &areas.tabs);
    }
    for (pane, rect) in &areas.panes {
        draw_pane(frame, v, *pane, *rect, now);
    }
    footer::draw(frame, v, areas.footer);
    overlay::draw(frame, v, area, now);
}

fn draw_pane(frame: &mut Frame, v: &View, pane: Pane, area: Rect, now: DateTime<Utc>) {
    match pane {
        Pane::Timeline => timeline::draw(frame, v, area, now),
        Pane::Roster => roster::draw(frame, v, area, now),
        Pane::Checklist => checklist::draw(frame, v, area),
        Pane::Metrics => match &v.model.drill {
            Some(f) if v.msel_shown() => msel::draw(frame, v, f, area, now),
            _ => metrics::draw(frame, v, area, now),
        },
        Pane::Sources => sources::draw(frame, v, area, now),
    }
}

fn draw_tabs(frame: &mut Frame, v: &View, bar: Rect, tabs: &[(Pane, Rect)]) {
    let mut spans = Vec::new();
    for (n, (pane, _)) in tabs.iter().enumerate() {
        let text = format!(" {} {} ", n + 1, v.pane_title(*pane));
        let style = if *pane == v.panes.focus {
            v.theme.selection.add_modifier(Modifier::BOLD)
        } else {
            v.theme.muted
        };
        spans.push(Span::styled(text, style));
        spans.push(Span::raw(" "));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), bar);
}

/// A pane's frame: its title, and a heavier border with a marker when focused (so focus never
/// depends on colour alone).
fn pane_block<'a>(v: &View, pane: Pane, extra: impl Into<Option<String>>) -> Block<'a> {
    let focused = v.panes.focus == pane;
    let mut title = if focused {
        format!("▶ {} ", v.pane_title(pane))
    } else {
        format!(" {} ", v.pane_title(pane))
    };
    if let Some(extra) = extra.into() {
        title.push_str(&format!("· {extra} "));
    }
    Block::default()
        .borders(Borders::ALL)
        .border_type(if focused {
            BorderType::Thick
        } else {
            BorderType::Plain
        })
        .border_style(if focused {
            v.theme.focus_border
        } else {
            v.theme.border
        })
        .title(Span::styled(
            title,
            if focused {
                v.theme.focus_border
            } else {
                v.theme.title
            },
        ))
}

/// A time as the console is set to show it.
fn clock(v: &View, at: DateTime<Utc>, origin: Option<DateTime<Utc>>) -> String {
    match v.panes.time_mode {
        TimeMode::Utc => at.format("%H:%M:%SZ").to_string(),
        TimeMode::Local => at.with_timezone(&Local).format("%H:%M:%S").to_string(),
        TimeMode::Offset => match origin {
            Some(o) => offset(at - o),
            None => at.format("%H:%M:%SZ").to_string(),
        },
    }
}

/// `T+01:02:03`, or `T-00:02:10` before the origin.
pub fn offset(d: chrono::TimeDelta) -> String {
    let s = d.num_seconds();
    let sign = if s < 0 { '-' } else { '+' };
    let s = s.unsigned_abs();
    format!("T{sign}{:02}:{:02}:{:02}", s / 3600, (s % 3600) / 60, s % 60)
}

/// `12s`, `4m`, `2h05m`: compact ages for narrow columns.
fn age(d: chrono::TimeDelta) -> String {
    let s = d.num_seconds().max(0);
    if s < 60 {
        format!("{s}s")
    } else if s < 3600 {
        format!("{}m", s / 60)
    } else {
        format!("{}h{:02}m", s / 3600, (s % 3600) / 60)
    }
}

/// `↑N ↓M more` on the bottom border under a pane's `inner` area, right-aligned: rows the
/// pane cannot show, above and below what it shows.
fn hidden_rows(frame: &mut Frame, v: &View, inner: Rect, above: usize, below: usize) {
    let mut parts = Vec::new();
    if above > 0 {
        parts.push(format!("↑{above}"));
    }
    if below > 0 {
        parts.push(format!("↓{below} more"));
    }
    if parts.is_empty() {
        return;
    }
    let text = format!(" {} ", parts.join(" "));
    let width = text.chars().count() as u16;
    if inner.width < width + 2 {
        return;
    }
    let at = Rect::new(inner.right() - width - 1, inner.bottom(), width, 1);
    frame.render_widget(Paragraph::new(Span::styled(text, v.theme.title)), at);
}

fn empty(v: &View, text: &str) -> Paragraph<'static> {
    Paragraph::new(Span::styled(text.to_string(), v.theme.muted)).wrap(Wrap { trim: true })
}

fn key_hint(v: &View, action: super::action::Action) -> String {
    v.keymap.hint(action)
}

fn styled(s: impl Into<String>, style: Style) -> Span<'static> {
    Span::styled(s.into(), style)
}
