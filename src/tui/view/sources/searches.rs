//! Splunk searches: one row per search, its count against its threshold, the rows kept, what
//! Splunk warned about, and a failed search's error.

use super::{Column, cell, col, fill, note, table, table_width, widths};
use crate::tui::app::View;
use crate::tui::sources_ui::{List, SearchRow, SourceTab, ago};
use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::Row;

pub fn draw(frame: &mut Frame, v: &View, area: Rect, now: DateTime<Utc>) {
    let t = &v.theme;
    let pane = &v.panes.sources;
    // A few searches a source: all of them, for the widest count of rows kept.
    let rows: Vec<SearchRow> = (0..pane.len(List::Searches))
        .filter_map(|i| pane.search(&v.model.sources, i))
        .collect();
    if rows.is_empty() {
        let text = if pane.filter(SourceTab::Searches).is_empty() {
            "No search has run yet; see Health."
        } else {
            "No search matches the filter."
        };
        return note(frame, v, area, text);
    }
    let medium = area.width >= 70;
    let mut columns: Vec<Column> = vec![
        if medium { col("search", 20) } else { fill("search") },
        col("count", 7),
        col("threshold", 9),
    ];
    if medium {
        let widest = rows.iter().map(|r| kept(r).chars().count()).max().unwrap_or(0);
        columns.push(col("rows", widest.clamp(4, 16) as u16));
    }
    columns.push(col("ran", 6));
    if medium {
        columns.push(fill("messages"));
    }
    let w = widths(&columns, table_width(area));
    let several = (v.model.sources.list.iter())
        .filter(|v| v.kind == crate::sources::SourceKind::Splunk)
        .count()
        > 1;
    let row = |i: usize| {
        rows.get(i).map(|r| {
            let name = if several {
                format!("{}/{}", r.view.name, r.search.name)
            } else {
                r.search.name.clone()
            };
            let over = over(r);
            let count = r.search.count.map_or("—".to_string(), |c| c.to_string());
            let threshold = match (r.threshold, over) {
                (Some(th), true) => format!("{th} ▲"),
                (Some(th), false) => th.to_string(),
                (None, _) => "—".to_string(),
            };
            let hot = if over { t.fail } else { t.base };
            let ran = r.view.last_success.map_or("—".to_string(), |at| ago(now - at));
            let kept = kept(r);
            let (message, message_style): (String, Style) = match &r.search.result {
                Ok(result) => {
                    let loud: Vec<_> = (result.messages.iter())
                        .filter(|m| matches!(m.level.as_str(), "WARN" | "ERROR" | "FATAL"))
                        .collect();
                    let message = match loud.as_slice() {
                        [] => String::new(),
                        [one] => format!("{} {}", one.level, one.text),
                        [first, rest @ ..] => {
                            format!("{} {} (+{} more)", first.level, first.text, rest.len())
                        }
                    };
                    let error = loud.iter().any(|m| m.level != "WARN");
                    (message, if error { t.fail } else { t.warn })
                }
                Err(e) => (format!("failed: {e}"), t.fail),
            };
            let mut cells = vec![
                cell(&name, w[0], t.base),
                cell(&count, w[1], hot),
                cell(&threshold, w[2], hot),
            ];
            let mut i = 3;
            if medium {
                cells.push(cell(&kept, w[i], t.muted));
                i += 1;
            }
            cells.push(cell(&ran, w[i], t.muted));
            if medium {
                cells.push(cell(&message, w[i + 1], message_style));
            }
            Row::new(cells)
        })
    };
    let selected = pane.selected(List::Searches);
    table(frame, v, area, &columns, &w, rows.len(), selected, row);
}

/// Rows kept, and whether more came than were kept.
fn kept(r: &SearchRow) -> String {
    match &r.search.result {
        Ok(result) if result.truncated => format!("{} truncated", result.rows.len()),
        Ok(result) => result.rows.len().to_string(),
        Err(_) => "—".to_string(),
    }
}

/// The count is above the search's threshold (what signals).
pub(crate) fn over(r: &SearchRow) -> bool {
    matches!((r.search.count, r.threshold), (Some(c), Some(th)) if c > th)
}
