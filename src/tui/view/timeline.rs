//! The timeline: newest at the bottom, following new events unless scrolled up.

use super::{clock, empty, pane_block, styled};
use crate::tui::app::View;
use crate::tui::feed::Emphasis;
use crate::tui::layout::Pane;
use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn draw(frame: &mut Frame, v: &View, area: Rect, _now: DateTime<Utc>) {
    let t = &v.theme;
    let Some(feed) = v.feed() else {
        let block = pane_block(v, Pane::Timeline, None);
        frame.render_widget(empty(v, "No incident on screen.").block(block), area);
        return;
    };
    let mut extra = Vec::new();
    if let Some(f) = feed.filter() {
        extra.push(format!("filter “{}” {}/{}", f.source, feed.len(), feed.total()));
    } else {
        extra.push(format!("{} events", feed.total()));
    }
    extra.push(if v.panes.timeline.follow {
        "following".into()
    } else {
        format!("↑{} · f to follow", v.panes.timeline.scroll)
    });
    let block = pane_block(v, Pane::Timeline, extra.join(" · "));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let height = inner.height as usize;
    if height == 0 || inner.width == 0 {
        return;
    }
    let len = feed.len();
    let end = len.saturating_sub(v.panes.timeline.scroll);
    let start = end.saturating_sub(height);
    let origin = v.incident().and_then(|i| i.milestones().declared);
    let wide = inner.width >= 60;
    let lines: Vec<Line> = (start..end)
        .filter_map(|i| feed.get(i))
        .map(|row| {
            let style = match row.emphasis {
                Emphasis::Plain => t.base,
                Emphasis::Decision => t.info,
                Emphasis::Severity => t.severity(1),
                Emphasis::Status => t.status_active,
                Emphasis::Signal => t.warn,
                Emphasis::Update => t.ok,
            };
            let author = row.author.strip_prefix("source:").unwrap_or(&row.author);
            let author = author.split('@').next().unwrap_or(author);
            let mut spans = vec![
                styled(format!("{} ", clock(v, row.at, origin)), t.muted),
                styled(format!("{:<9.9} ", author), t.base),
            ];
            if wide {
                spans.push(styled(format!("{:<9} ", row.tag), t.muted));
            }
            if row.late {
                spans.push(styled("↶ ".to_string(), t.muted));
            }
            spans.push(Span::styled(row.text.as_str(), style));
            Line::from(spans)
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}
