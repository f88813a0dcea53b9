//! The timeline: a window on the incident's rows, oldest at the top, with the cursor's row
//! marked when the pane has focus, and a date line wherever the day changes (in the zone the
//! clock is shown in).

use super::{clock, empty, pane_block, styled};
use crate::tui::app::{TimeMode, View};
use crate::tui::feed::{Emphasis, Feed, Filter, Row};
use crate::tui::layout::Pane;
use chrono::{DateTime, FixedOffset, Local, NaiveDate, Utc};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn draw(frame: &mut Frame, v: &View, area: Rect, _now: DateTime<Utc>) {
    let Some(feed) = v.feed() else {
        let block = pane_block(v, Pane::Timeline, None);
        frame.render_widget(empty(v, "No incident on screen.").block(block), area);
        return;
    };
    let len = feed.len();
    // The frame's inner height decides the window before the frame is drawn.
    let height = area.height.saturating_sub(2) as usize;
    let (cursor, top) = v.panes.timeline.window(len, height);
    let mut extra = Vec::new();
    if let Some(f) = feed.filter() {
        extra.push(format!("filter “{}” {}/{}", f.source, len, feed.total()));
    } else {
        extra.push(format!("{} events", feed.total()));
    }
    extra.push(if v.panes.timeline.follow {
        "following".into()
    } else {
        format!("row {} of {len} · G to follow", cursor + 1)
    });
    if let Some(s) = &v.panes.timeline.search {
        extra.push(format!("search “{}” n/N", s.source));
    }
    if v.panes.time_mode == TimeMode::Local {
        extra.push(format!(
            "local time, {}",
            zone(Local::now().fixed_offset().offset())
        ));
    }
    let block = pane_block(v, Pane::Timeline, extra.join(" · "));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if height == 0 || inner.width == 0 || len == 0 {
        return;
    }
    let focused = v.panes.focus == Pane::Timeline;
    let search = v.panes.timeline.search.as_ref();
    let lines = window_lines(v, feed, top, cursor, height, v.panes.timeline.follow)
        .into_iter()
        .map(|line| match line {
            Shown::Day(day) => day_line(v, day),
            Shown::Row(i) => match feed.get(i) {
                Some(row) => {
                    let found = search.filter(|s| row.matches(s));
                    row_line(v, row, inner.width >= 60, focused && i == cursor, found)
                }
                None => Line::default(),
            },
        })
        .collect::<Vec<_>>();
    frame.render_widget(Paragraph::new(lines), inner);
}

enum Shown {
    Day(NaiveDate),
    Row(usize),
}

/// What fills `height` lines: rows from `top` down, each day's first row under a date line.
/// Date lines take room the window does not count, so when they push the cursor out of view
/// (or the newest row, following), the lines are taken up from there instead.
fn window_lines(v: &View, feed: &Feed, top: usize, cursor: usize, height: usize, follow: bool) -> Vec<Shown> {
    let day = |i: usize| feed.get(i).map(|r| local_day(v, r.at));
    let starts_day = |i: usize| i == 0 || day(i) != day(i - 1);
    let mut down = Vec::with_capacity(height);
    let mut i = top;
    while down.len() < height && i < feed.len() {
        if starts_day(i)
            && let Some(d) = day(i)
        {
            down.push(Shown::Day(d));
        }
        down.push(Shown::Row(i));
        i += 1;
    }
    down.truncate(height);
    let bottom = if follow {
        feed.len().saturating_sub(1)
    } else {
        cursor
    };
    if down.iter().any(|s| matches!(s, Shown::Row(r) if *r == bottom)) {
        return down;
    }
    let mut up = Vec::with_capacity(height);
    let mut i = bottom + 1;
    while up.len() < height && i > 0 {
        i -= 1;
        up.push(Shown::Row(i));
        if starts_day(i)
            && let Some(d) = day(i)
        {
            up.push(Shown::Day(d));
        }
    }
    up.truncate(height);
    up.reverse();
    up
}

/// The day a time falls on in the zone the clock is shown in (UTC for T+ offsets).
fn local_day(v: &View, at: DateTime<Utc>) -> NaiveDate {
    match v.panes.time_mode {
        TimeMode::Local => at.with_timezone(&Local).date_naive(),
        TimeMode::Utc | TimeMode::Offset => at.date_naive(),
    }
}

fn zone(offset: &FixedOffset) -> String {
    let s = offset.local_minus_utc();
    if s == 0 {
        return "UTC".into();
    }
    let sign = if s < 0 { '-' } else { '+' };
    let s = s.unsigned_abs();
    format!("UTC{sign}{:02}:{:02}", s / 3600, (s % 3600) / 60)
}

fn day_line(v: &View, day: NaiveDate) -> Line<'static> {
    let zone = match v.panes.time_mode {
        TimeMode::Local => day
            .and_hms_opt(12, 0, 0)
            .and_then(|noon| noon.and_local_timezone(Local).earliest())
            .map_or_else(|| "local".into(), |t| zone(t.offset())),
        TimeMode::Utc | TimeMode::Offset => "UTC".into(),
    };
    Line::from(styled(
        format!("── {} {zone} ──", day.format("%a %d %b %Y")),
        v.theme.muted,
    ))
}

/// A row; when it matches the search, the searched words stand out (the whole text when
/// only its kind or author matched), reversed and underlined so it shows without colour too.
fn row_line<'a>(v: &View, row: &'a Row, wide: bool, selected: bool, found: Option<&Filter>) -> Line<'a> {
    let t = &v.theme;
    let style = match row.emphasis {
        Emphasis::Plain => t.base,
        Emphasis::Decision => t.info,
        Emphasis::Severity => t.severity(1),
        Emphasis::Status => t.status_active,
        Emphasis::Signal => t.warn,
        Emphasis::Update => t.ok,
    };
    let origin = v.incident().and_then(|i| i.milestones().declared);
    let author = row.author.strip_prefix("source:").unwrap_or(&row.author);
    let author = crate::timeline::short_name(author);
    let mut spans = vec![
        styled(if selected { "›" } else { " " }, t.focus_border),
        styled(format!("{} ", clock(v, row.at, origin)), t.muted),
        styled(format!("{:<9.9} ", author), t.base),
    ];
    if wide {
        spans.push(styled(format!("{:<9} ", row.tag), t.muted));
    }
    if row.late {
        spans.push(styled("↶ ".to_string(), t.muted));
    }
    match found {
        None => spans.push(Span::styled(row.text.as_str(), style)),
        Some(search) => spans.extend(highlighted(&row.text, search, style)),
    }
    let line = Line::from(spans);
    if selected { line.style(t.selection) } else { line }
}

/// `text` in pieces, the search's words (case-insensitively) reversed.
fn highlighted<'a>(text: &'a str, search: &Filter, style: Style) -> Vec<Span<'a>> {
    // Underlined too: on the cursor's row, which is reversed already, that is what shows.
    let found = style.add_modifier(Modifier::REVERSED | Modifier::UNDERLINED);
    let lower = text.to_lowercase();
    let words: Vec<&str> = search.words().filter(|w| !w.is_empty()).collect();
    // Lowercasing can move byte offsets outside ASCII: then the whole text stands out.
    if words.is_empty() || lower.len() != text.len() {
        return vec![Span::styled(text, found)];
    }
    let mut marked = vec![false; text.len()];
    for w in &words {
        for (at, _) in lower.match_indices(w) {
            marked[at..at + w.len()].iter_mut().for_each(|m| *m = true);
        }
    }
    let mut spans = Vec::new();
    let mut start = 0;
    for i in 1..=text.len() {
        if i == text.len() || (marked[i] != marked[start] && text.is_char_boundary(i)) {
            let piece = &text[start..i];
            spans.push(Span::styled(piece, if marked[start] { found } else { style }));
            start = i;
        }
    }
    spans
}
