//! The sources pane: a view per kind of configured source (findings, searches, backups) and
//! their health, switched with `[` and `]`. Without sources, a placeholder that says how
//! scripts can still write.

mod backups;
pub(super) mod detail;
mod findings;
mod health;
mod searches;

use super::{empty, hidden_rows, pane_block, styled};
use crate::text::clean_line;
use crate::tui::app::View;
use crate::tui::layout::Pane;
use crate::tui::sources_ui::SourceTab;
use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, HighlightSpacing, Row, Table, TableState};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

pub fn draw(frame: &mut Frame, v: &View, area: Rect, now: DateTime<Utc>) {
    if v.model.sources.is_empty() {
        let block = pane_block(v, Pane::Sources, None);
        frame.render_widget(
            empty(
                v,
                "No sources configured. Scripts can still write: `warroom log --source NAME`.",
            )
            .block(block),
            area,
        );
        return;
    }
    let tab = v.panes.sources.tab();
    let block = pane_block(v, Pane::Sources, title(v, tab));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.width == 0 || inner.height == 0 {
        return;
    }
    match tab {
        SourceTab::Findings => findings::draw(frame, v, inner, now),
        SourceTab::Searches => searches::draw(frame, v, inner, now),
        SourceTab::Backups => backups::draw(frame, v, inner, now),
        SourceTab::Health => health::draw(frame, v, inner, now),
    }
}

/// `[Findings 12] Searches Backups Health!`: the views, the current one bracketed with its row
/// count, `!` on health when a source is in trouble, then the filter if any.
fn title(v: &View, current: SourceTab) -> String {
    let pane = &v.panes.sources;
    let trouble = pane.trouble();
    let mut parts = Vec::new();
    for &tab in pane.tabs() {
        let mark = if tab == SourceTab::Health && trouble {
            "!"
        } else {
            ""
        };
        if tab != current {
            parts.push(format!("{}{mark}", tab.label()));
            continue;
        }
        let (shown, total) = (pane.len(pane.list()), pane.total(pane.list()));
        let count = if shown == total {
            total.to_string()
        } else {
            format!("{shown}/{total}")
        };
        parts.push(format!("[{}{mark} {count}]", tab.label()));
    }
    let filter = pane.filter(current);
    if !filter.is_empty() {
        let filter = fit(filter, 20);
        parts.push(format!("· filter “{filter}”"));
    }
    parts.join(" ")
}

/// A column: its heading and width; `fill` columns share what the fixed ones leave.
struct Column {
    heading: String,
    width: u16,
    fill: bool,
}

fn col(heading: impl Into<String>, width: u16) -> Column {
    Column {
        heading: heading.into(),
        width,
        fill: false,
    }
}

fn fill(heading: impl Into<String>) -> Column {
    Column {
        heading: heading.into(),
        width: 0,
        fill: true,
    }
}

/// Widths for `columns` in `total` cells, one cell apart; fill columns share the rest.
fn widths(columns: &[Column], total: u16) -> Vec<u16> {
    let gaps = columns.len().saturating_sub(1) as u16;
    let fixed: u16 = columns.iter().filter(|c| !c.fill).map(|c| c.width).sum();
    let fills = columns.iter().filter(|c| c.fill).count() as u16;
    let spare = total.saturating_sub(fixed + gaps);
    let mut left = spare;
    let mut seen = 0;
    columns
        .iter()
        .map(|c| {
            if !c.fill {
                return c.width;
            }
            seen += 1;
            let w = if seen == fills { left } else { spare / fills.max(1) };
            left = left.saturating_sub(w);
            w
        })
        .collect()
}

/// One cell: cleaned, cut to its column with an ellipsis.
fn cell(text: &str, width: u16, style: Style) -> Cell<'static> {
    Cell::from(Span::styled(fit(text, usize::from(width)), style))
}

/// A table of `len` rows (`row(i)` gives row `i`, its cells already fitted to `widths`),
/// scrolled to keep the selection in view and, while the pane has focus, marking it with `›`
/// and the selection style (so it never depends on colour alone). Only the rows in view are
/// built, whatever `len` is. The first column is the marker's: see [`table_width`].
#[allow(clippy::too_many_arguments)]
fn table<'a>(
    frame: &mut Frame,
    v: &View,
    area: Rect,
    columns: &[Column],
    widths: &[u16],
    len: usize,
    selected: Option<usize>,
    row: impl FnMut(usize) -> Option<Row<'a>>,
) {
    // Where ratatui would scroll to from the top: the selection on the last row in view.
    let height = usize::from(area.height.saturating_sub(1));
    let first = match selected {
        Some(s) if height > 0 && s >= height => s + 1 - height,
        _ => 0,
    };
    let rows: Vec<Row> = (first..len.min(first + height)).filter_map(row).collect();
    let selected = selected.map(|s| s - first);
    let t = &v.theme;
    let header = (columns.iter().zip(widths))
        .map(|(c, w)| cell(&c.heading, *w, t.muted))
        .collect::<Vec<_>>();
    let constraints = widths.iter().map(|w| Constraint::Length(*w));
    let focused = v.panes.focus == Pane::Sources;
    let mut table = Table::new(rows, constraints)
        .header(Row::new(header))
        .column_spacing(1)
        .highlight_spacing(HighlightSpacing::Always)
        .highlight_symbol(if focused { "›" } else { " " });
    if focused {
        table = table.row_highlight_style(t.selection);
    }
    let mut state = TableState::default().with_selected(selected);
    frame.render_stateful_widget(table, area, &mut state);
    hidden_rows(frame, v, area, first, len.saturating_sub(first + height));
}

/// The width left for columns once the selection marker has its cell.
fn table_width(area: Rect) -> u16 {
    area.width.saturating_sub(1)
}

/// Untrusted text for one cell: cleaned, and cut to `width` columns with an ellipsis.
pub(super) fn fit(text: &str, width: usize) -> String {
    let text = clean_line(text);
    if text.width() <= width {
        return text.into_owned();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    if width > 0 {
        out.push('…');
    }
    out
}

/// Like [`fit`], but keeps the end: for ids and ARNs, whose tail says the most.
fn fit_left(text: &str, width: usize) -> String {
    let text = clean_line(text);
    if text.width() <= width {
        return text.into_owned();
    }
    let mut tail = Vec::new();
    let mut used = 0;
    for c in text.chars().rev() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        tail.push(c);
        used += w;
    }
    let mut out = String::from(if width > 0 { "…" } else { "" });
    out.extend(tail.into_iter().rev());
    out
}

/// `512 B`, `1.5 KiB`, `10.0 GiB`.
pub(super) fn size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// A one-line message inside the pane (nothing to show yet, and why).
fn note(frame: &mut Frame, v: &View, area: Rect, text: &str) {
    let line = Line::from(styled(fit(text, usize::from(area.width)), v.theme.muted));
    frame.render_widget(line, area);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_cut_to_their_width_by_display_columns() {
        assert_eq!(fit("short", 10), "short");
        assert_eq!(fit("a longer title", 8), "a longe…");
        assert_eq!(fit("漢字のメモ", 5), "漢字…");
        assert!(fit("漢字のメモ", 5).width() <= 5);
        assert_eq!(fit("x\u{1b}]0;pwned\u{7}y", 10), "xy");
        assert_eq!(fit("anything", 0), "");
        assert_eq!(
            fit_left("arn:aws:ec2:eu-west-1:1234:instance/i-0a1b", 12),
            "…ance/i-0a1b"
        );
        assert_eq!(fit_left("i-0a1b", 12), "i-0a1b");
    }

    #[test]
    fn column_widths_add_up() {
        let cols = [col("a", 8), fill("b"), col("c", 5), fill("d")];
        let w = widths(&cols, 60);
        assert_eq!(w.iter().sum::<u16>() + 3, 60);
        assert_eq!((w[0], w[2]), (8, 5));
        assert!(w[1].abs_diff(w[3]) <= 1);
        assert_eq!(widths(&cols, 10)[1], 0, "too narrow: fills get nothing");
    }

    #[test]
    fn sizes_are_human() {
        assert_eq!(size(512), "512 B");
        assert_eq!(size(1536), "1.5 KiB");
        assert_eq!(size(10_737_418_240), "10.0 GiB");
        assert_eq!(size(u64::MAX), "16384.0 PiB");
    }
}
