//! Source health: is each source answering, since when, and if not, why and when it tries again.

use super::{Column, cell, col, fill, note, size, table, table_width, widths};
use crate::sources::view::{Health, SourceView};
use crate::text::clean_line;
use crate::tui::app::View;
use crate::tui::sources_ui::{List, ago};
use crate::tui::theme::Theme;
use crate::tui::view::styled;
use crate::tui::wrap::wrap;
use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Row};

pub fn draw(frame: &mut Frame, v: &View, area: Rect, now: DateTime<Utc>) {
    let t = &v.theme;
    let pane = &v.panes.sources;
    let rows: Vec<&SourceView> = (0..pane.len(List::Health))
        .filter_map(|i| pane.health_row(&v.model.sources, i))
        .collect();
    if rows.is_empty() {
        return note(frame, v, area, "No source matches the filter.");
    }
    let selected = pane.selected(List::Health);
    // Under the table, when there is room: the whole error of the selected source, or else
    // of the source in trouble that failed last.
    let failed = |v: &SourceView| v.last_error.is_some();
    let in_trouble = (rows.iter().copied())
        .filter(|v| v.health(now) != Health::Ok && failed(v))
        .max_by_key(|v| v.last_error.as_ref().map(|(at, _)| *at));
    let selected_row = selected.and_then(|i| rows.get(i).copied());
    let shown = selected_row.filter(|v| failed(v)).or(in_trouble);
    let error = shown
        .and_then(|v| v.last_error.as_ref().map(|(at, e)| (v, at, e)))
        .map(|(v, at, e)| format!("{}, {} ago: {e}", v.name, ago(now - *at)));
    let table_height = rows.len() as u16 + 1;
    let error_lines = error
        .as_deref()
        .map(|e| wrap(&clean_line(e), usize::from(area.width)))
        .unwrap_or_default();
    let room = area.height.saturating_sub(table_height + 1);
    let error_height = room.min(error_lines.len() as u16);
    let gap = u16::from(error_height > 0);
    let [table_area, _, error_area, _] = Layout::vertical([
        Constraint::Length(table_height.min(area.height - error_height - gap)),
        Constraint::Length(gap),
        Constraint::Length(error_height),
        Constraint::Min(0),
    ])
    .areas(area);
    let width = table_width(table_area);
    let medium = width >= 70;
    let wide = width >= 110;
    let widest = width >= 130;
    let mut columns: Vec<Column> = vec![col("source", 14)];
    if wide {
        columns.push(col("kind", 11));
    }
    columns.extend([col("health", 12), col("last ok", 7)]);
    if medium {
        columns.extend([col("fails", 5), col("next try", 8)]);
    }
    if widest {
        columns.extend([col("polls", 6), col("read", 10)]);
    }
    columns.push(fill("last error"));
    let w = widths(&columns, width);
    let row = |i: usize| {
        rows.get(i).map(|v| {
            let health = v.health(now);
            let name = if v.insecure {
                format!("⚠ {}", v.name)
            } else {
                v.name.clone()
            };
            let last_ok = v.last_success.map_or("never".to_string(), |at| ago(now - at));
            let next = match v.next_try {
                Some(at) if at > now => format!("in {}", ago(at - now)),
                Some(_) => "now".to_string(),
                None => "—".to_string(),
            };
            let error = match &v.last_error {
                Some((at, e)) => format!("{} ago: {e}", ago(now - *at)),
                None => String::new(),
            };
            let mut cells = vec![cell(&name, w[0], if v.insecure { t.warn } else { t.base })];
            let mut i = 1;
            let mut push = |text: &str, style: Style| {
                cells.push(cell(text, w[i], style));
                i += 1;
            };
            if wide {
                push(v.kind.label(), t.muted);
            }
            push(health.label(), health_style(t, health));
            push(&last_ok, t.muted);
            if medium {
                let fails = v.failures.to_string();
                push(&fails, if v.failures > 0 { t.warn } else { t.muted });
                push(&next, t.muted);
            }
            if widest {
                push(&v.polls.to_string(), t.muted);
                push(&size(v.bytes), t.muted);
            }
            push(&error, if health == Health::Ok { t.muted } else { t.fail });
            Row::new(cells)
        })
    };
    table(frame, v, table_area, &columns, &w, rows.len(), selected, row);
    let lines: Vec<Line> = (error_lines.into_iter())
        .map(|l| Line::from(styled(l, t.fail)))
        .collect();
    frame.render_widget(Paragraph::new(lines), error_area);
}

/// The label says it in words; the colour (and bold for the bad ones) backs it up.
pub(crate) fn health_style(t: &Theme, h: Health) -> Style {
    match h {
        Health::Ok => t.ok,
        Health::Starting => t.muted,
        Health::Stale => t.warn,
        Health::Failing | Health::Unauthorized => t.fail.add_modifier(Modifier::BOLD),
    }
}
