//! The timeline: a window on the incident's rows, oldest at the top, with the cursor's row
//! marked when the pane has focus, and a date line wherever the day changes (in the zone the
//! clock is shown in).

use super::{clock, empty, hidden_rows, pane_block, styled};
use crate::tui::app::{TimeMode, View};
use crate::tui::feed::{Emphasis, Filter, Row};
use crate::tui::layout::Pane;
use crate::tui::panes::{Columns, local_day, starts_day};
use chrono::{DateTime, FixedOffset, Local, NaiveDate, Utc};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

pub fn draw(frame: &mut Frame, v: &View, area: Rect, _now: DateTime<Utc>) {
    let Some(feed) = v.feed() else {
        let block = pane_block(v, Pane::Timeline, None);
        frame.render_widget(empty(v, "No incident on screen.").block(block), area);
        return;
    };
    let len = feed.len();
    // The frame's inner height decides the window before the frame is drawn.
    let height = area.height.saturating_sub(2) as usize;
    let mode = v.panes.time_mode;
    let cols = Columns::new(area.width.saturating_sub(2), feed, mode, v.opts.entry_lines);
    let lines_of = |i, selected| cols.lines(feed, mode, i, selected);
    let (cursor, top) = v.panes.timeline.window(len, height, &lines_of);
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
    // Row `i`'s lines, under a date line when it starts a day.
    let entry = |i: usize| {
        let mut out = Vec::new();
        let Some(row) = feed.get(i) else { return out };
        if starts_day(feed, mode, i) {
            out.push(day_line(v, local_day(mode, row.at)));
        }
        let found = search.filter(|s| row.matches(s));
        out.extend(row_lines(
            v,
            row,
            &cols,
            i == cursor,
            i == cursor && focused,
            found,
        ));
        out
    };
    let mut lines = Vec::with_capacity(height);
    let mut end = top; // rows before it are shown whole
    for i in top..len {
        if lines.len() >= height {
            break;
        }
        lines.extend(entry(i));
        if lines.len() <= height {
            end = i + 1;
        }
    }
    // Room left under the newest row: the end of the row above the window fills it.
    if lines.len() < height && top > 0 {
        let spare = height - lines.len();
        let above = entry(top - 1);
        let skip = above.len().saturating_sub(spare);
        lines.splice(0..0, above.into_iter().skip(skip));
    }
    lines.truncate(height);
    frame.render_widget(Paragraph::new(lines), inner);
    hidden_rows(frame, v, inner, top, len - end);
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

/// A row's lines: its clock, author and kind, then its text wrapped under its own column (in
/// full under the cursor, else up to the configured lines, the last ending in `…`). When it
/// matches the search, the searched words stand out (the whole text when only its kind or
/// author matched), reversed and underlined so it shows without colour too.
fn row_lines<'a>(
    v: &View,
    row: &'a Row,
    cols: &Columns,
    full: bool,
    selected: bool,
    found: Option<&Filter>,
) -> Vec<Line<'a>> {
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
    let author = cut(row.who(), cols.author);
    let mut first = vec![
        styled(if selected { "›" } else { " " }, t.focus_border),
        styled(
            format!("{:<w$} ", clock(v, row.at, origin), w = cols.clock),
            t.muted,
        ),
        styled(format!("{author:<w$} ", w = cols.author), t.base),
    ];
    if let Some(w) = cols.tag {
        first.push(styled(format!("{:<w$} ", row.tag), t.muted));
    }
    if row.late {
        first.push(styled("↶ ".to_string(), t.muted));
    }
    let width = cols.text_width(row);
    let mut ranges = crate::tui::wrap::ranges(&row.text, width);
    let cap = cols.text_lines(row, full);
    let cut_short = ranges.len() > cap;
    ranges.truncate(cap);
    let indent = " ".repeat(cols.indent() + if row.late { 2 } else { 0 });
    let last = ranges.len().saturating_sub(1);
    let mut out = Vec::with_capacity(ranges.len());
    for (n, range) in ranges.into_iter().enumerate() {
        let mut spans = if n == 0 {
            std::mem::take(&mut first)
        } else {
            vec![Span::raw(indent.clone())]
        };
        let text = &row.text[range];
        let text = if cut_short && n == last {
            ellipsis(text, width)
        } else {
            text
        };
        match found {
            None => spans.push(Span::styled(text, style)),
            Some(search) => spans.extend(highlighted(text, search, style)),
        }
        if cut_short && n == last {
            spans.push(styled("…", t.muted));
        }
        let line = Line::from(spans);
        out.push(if selected { line.style(t.selection) } else { line });
    }
    out
}

/// `s` cut to `width` columns.
fn cut(s: &str, width: usize) -> &str {
    let mut used = 0;
    for (i, c) in s.char_indices() {
        used += c.width().unwrap_or(0);
        if used > width {
            return &s[..i];
        }
    }
    s
}

/// `s` with room left for a `…` after it in `width` columns.
fn ellipsis(s: &str, width: usize) -> &str {
    if s.width() < width {
        s
    } else {
        cut(s, width.saturating_sub(1))
    }
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
