//! The detail overlays: a whole finding (wrapped, scrollable), a search's result rows as a
//! table, or a timeline entry or checklist item in full. All name what they show by identity,
//! so a new poll (or an amendment) refreshes them in place.

use super::findings::severity_style;
use super::{cell, fit};
use crate::sources::splunk::{FieldValue, Row as ResultRow, SearchOutcome};
use crate::tui::action::Action;
use crate::tui::app::View;
use crate::tui::entry_detail;
use crate::tui::sources_ui::{
    Detail, DetailLine, Tone, detail_area, detail_text_height, detail_text_width, finding_detail,
};
use crate::tui::view::{key_hint, styled};
use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Block, BorderType, Borders, Clear, HighlightSpacing, Padding, Paragraph, Row, Table, TableState,
};
use unicode_width::UnicodeWidthStr;

/// Result columns shown at most.
const MAX_COLUMNS: usize = 8;
/// A column never takes more than this many cells when others need room…
const COLUMN_MAX: u16 = 40;
/// …and gets at least this many (or its natural width) before any column gets more.
const COLUMN_MIN: u16 = 10;

pub fn draw(frame: &mut Frame, v: &View, area: Rect, detail: &Detail, now: DateTime<Utc>) {
    let r = detail_area(area);
    if r.width < 3 || r.height < 3 {
        return;
    }
    match detail {
        Detail::Entry { scroll, .. } | Detail::Item { scroll, .. } => {
            let title = if matches!(detail, Detail::Item { .. }) {
                " Checklist item "
            } else {
                " Timeline entry "
            };
            let block = block(v, title, search_keys(v, "scroll"));
            let lines = entry_detail::lines(v.model, detail, v.panes.time_mode, detail_text_width(r));
            if lines.is_empty() {
                let r = fit_height(r, 1);
                let inner = block.inner(r);
                frame.render_widget(Clear, r);
                frame.render_widget(block, r);
                return gone(frame, v, inner, "This is no longer on the timeline.");
            }
            text_lines(frame, v, r, block, lines, *scroll);
        }
        Detail::Finding { finding, scroll } => {
            let block = block(v, " Finding ", finding_keys(v));
            let Some(f) = v.model.find_finding(finding) else {
                let r = fit_height(r, 1);
                let inner = block.inner(r);
                frame.render_widget(block, r);
                return gone(
                    frame,
                    v,
                    inner,
                    "This finding is not in the latest poll any more.",
                );
            };
            let lines = finding_detail(f, &finding.source, detail_text_width(r), now);
            text_lines(frame, v, r, block, lines, *scroll);
        }
        Detail::Search {
            source,
            search,
            scroll,
        } => {
            let title = format!(" {} ", fit(&format!("{source}/{search}"), 60));
            let block = block(v, &title, search_keys(v, "rows"));
            let outcome = v.model.find_search(source, search);
            let rows = outcome.map_or(1, |o| {
                // summary, messages, a gap, the header and the rows
                o.result
                    .as_ref()
                    .map_or(2, |r| 3 + r.messages.len().min(3) + r.rows.len().max(1))
            });
            let r = fit_height(r, rows);
            frame.render_widget(Clear, r);
            let inner = block.inner(r);
            frame.render_widget(block, r);
            match outcome {
                Some(outcome) => results(frame, v, inner, source, outcome, *scroll),
                None => gone(frame, v, inner, "This search is not in the latest poll any more."),
            }
        }
    }
}

/// No taller than `lines` of text need.
fn fit_height(r: Rect, lines: usize) -> Rect {
    let height = (lines as u16).saturating_add(2).min(r.height);
    Rect { height, ..r }
}

fn block<'a>(v: &View, title: &str, keys: Line<'a>) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Double)
        .border_style(v.theme.focus_border)
        .title(Span::styled(title.to_string(), v.theme.title))
        .title_bottom(keys)
        .padding(Padding::horizontal(1))
        .style(v.theme.base)
}

/// Styled lines in the overlay, as tall as they need (up to `r`), from `scroll` down.
fn text_lines(frame: &mut Frame, v: &View, r: Rect, block: Block, lines: Vec<DetailLine>, scroll: usize) {
    let r = fit_height(r, lines.len());
    frame.render_widget(Clear, r);
    let inner = block.inner(r);
    frame.render_widget(block, r);
    let top = scroll.min(lines.len().saturating_sub(detail_text_height(r)));
    let lines: Vec<Line> = (lines.into_iter().skip(top))
        .take(usize::from(inner.height))
        .map(|parts| {
            let spans = parts
                .into_iter()
                .map(|(tone, text)| Span::styled(text, style(v, tone)));
            Line::from(spans.collect::<Vec<_>>())
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

fn gone(frame: &mut Frame, v: &View, area: Rect, text: &str) {
    frame.render_widget(Paragraph::new(styled(text, v.theme.muted)), area);
}

fn style(v: &View, tone: Tone) -> Style {
    let t = &v.theme;
    match tone {
        Tone::Title => t.title.add_modifier(Modifier::BOLD),
        Tone::Heading => t.title,
        Tone::Label => t.muted,
        Tone::Text => t.base,
        Tone::Severity(s) => severity_style(t, s),
    }
}

/// The keys that work here, from the keymap; the changes only where they are allowed.
fn finding_keys(v: &View) -> Line<'static> {
    let t = &v.theme;
    let mut spans = Vec::new();
    if !v.opts.read_only {
        for (action, label) in [
            (Action::FindingNotified, "notified"),
            (Action::FindingResolved, "resolved"),
            (Action::FindingSuppressed, "suppressed"),
            (Action::FindingNote, "note"),
        ] {
            spans.push(styled(format!(" {} ", key_hint(v, action)), t.key));
            spans.push(styled(format!("{label} "), t.muted));
        }
    }
    spans.extend([
        styled(" j/k ", t.key),
        styled("scroll ", t.muted),
        styled(" esc ", t.key),
        styled("close ", t.muted),
    ]);
    Line::from(spans)
}

fn search_keys(v: &View, moves: &str) -> Line<'static> {
    let t = &v.theme;
    Line::from(vec![
        styled(" j/k ", t.key),
        styled(format!("{moves} "), t.muted),
        styled(" esc ", t.key),
        styled("close ", t.muted),
    ])
}

/// What the search said, then its rows as a table.
fn results(frame: &mut Frame, v: &View, area: Rect, source: &str, outcome: &SearchOutcome, selected: usize) {
    let t = &v.theme;
    let threshold = v.panes.sources.settings().threshold(source, &outcome.name);
    let count = outcome.count.map_or("—".to_string(), |c| c.to_string());
    let over = matches!((outcome.count, threshold), (Some(c), Some(th)) if c > th);
    let mut summary = vec![
        styled("count ", t.muted),
        styled(count, if over { t.fail } else { t.base }),
    ];
    if let Some(th) = threshold {
        summary.push(styled(" · threshold ", t.muted));
        summary.push(styled(
            if over { format!("{th} ▲") } else { th.to_string() },
            if over { t.fail } else { t.base },
        ));
    }
    let mut head = Vec::new();
    let result = match &outcome.result {
        Ok(result) => result,
        Err(e) => {
            head.push(Line::from(summary));
            head.push(Line::from(styled(
                fit(&format!("failed: {e}"), usize::from(area.width)),
                t.fail,
            )));
            frame.render_widget(Paragraph::new(head), area);
            return;
        }
    };
    summary.push(styled(
        format!(" · {} of {} rows kept", result.rows.len(), result.total_rows),
        t.muted,
    ));
    if result.truncated {
        summary.push(styled(" (truncated)", t.warn));
    }
    head.push(Line::from(summary));
    for m in result.messages.iter().take(3) {
        let style = match m.level.as_str() {
            "WARN" => t.warn,
            "ERROR" | "FATAL" => t.fail,
            _ => t.muted,
        };
        let text = fit(&format!("{} {}", m.level, m.text), usize::from(area.width));
        head.push(Line::from(styled(text, style)));
    }
    let [head_area, table_area] =
        Layout::vertical([Constraint::Length(head.len() as u16 + 1), Constraint::Min(0)]).areas(area);
    frame.render_widget(Paragraph::new(head), head_area);
    if result.rows.is_empty() {
        frame.render_widget(Paragraph::new(styled("No rows.", t.muted)), table_area);
        return;
    }
    let names = field_names(&result.rows);
    let cells: Vec<Vec<String>> = (result.rows.iter())
        .map(|row| names.iter().map(|n| value(row, n)).collect())
        .collect();
    let natural: Vec<u16> = (names.iter().enumerate())
        .map(|(i, n)| {
            let widest = cells.iter().map(|r| r[i].width()).max().unwrap_or(0);
            widest.max(n.width()).min(usize::from(COLUMN_MAX)) as u16
        })
        .collect();
    let widths = proportional(&natural, table_area.width.saturating_sub(1));
    let header = Row::new(
        (names.iter().zip(&widths))
            .map(|(n, w)| cell(n, *w, t.muted))
            .collect::<Vec<_>>(),
    );
    let rows: Vec<Row> = (cells.iter())
        .map(|r| {
            Row::new(
                r.iter()
                    .zip(&widths)
                    .map(|(v, w)| cell(v, *w, t.base))
                    .collect::<Vec<_>>(),
            )
        })
        .collect();
    let table = Table::new(rows, widths.iter().map(|w| Constraint::Length(*w)))
        .header(header)
        .column_spacing(1)
        .highlight_spacing(HighlightSpacing::Always)
        .highlight_symbol("›")
        .row_highlight_style(t.selection);
    let selected = selected.min(result.rows.len().saturating_sub(1));
    let mut state = TableState::default().with_selected(Some(selected));
    frame.render_stateful_widget(table, table_area, &mut state);
}

/// The first fields seen across the rows, in the order the server sent them.
fn field_names(rows: &[ResultRow]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for (name, _) in rows.iter().flatten() {
        if names.len() == MAX_COLUMNS {
            break;
        }
        if !names.contains(name) {
            names.push(name.clone());
        }
    }
    names
}

/// A field's value as one line; multi-value fields joined with `, `.
fn value(row: &ResultRow, name: &str) -> String {
    match row.iter().find(|(n, _)| n == name).map(|(_, v)| v) {
        Some(FieldValue::One(s)) => s.clone(),
        Some(FieldValue::Many(values)) => values.join(", "),
        None => String::new(),
    }
}

/// Column widths in `total` cells, one apart: each its natural width when they all fit (the
/// last takes what is left); else each gets up to [`COLUMN_MIN`], and what remains goes to the
/// wider ones in proportion to what they lack.
fn proportional(natural: &[u16], total: u16) -> Vec<u16> {
    let gaps = natural.len().saturating_sub(1) as u16;
    let room = total.saturating_sub(gaps);
    let sum: u32 = natural.iter().map(|w| u32::from(*w)).sum();
    if sum <= u32::from(room) {
        let mut out = natural.to_vec();
        if let Some(last) = out.last_mut() {
            *last += room - sum as u16;
        }
        return out;
    }
    let base: Vec<u16> = natural.iter().map(|w| (*w).min(COLUMN_MIN)).collect();
    let base_sum: u32 = base.iter().map(|w| u32::from(*w)).sum();
    if base_sum >= u32::from(room) {
        let share = room / natural.len().max(1) as u16;
        return base.iter().map(|w| (*w).min(share)).collect();
    }
    let spare = u32::from(room) - base_sum;
    let lacking = sum - base_sum;
    (natural.iter().zip(&base))
        .map(|(n, b)| b + (u32::from(n - b) * spare / lacking.max(1)) as u16)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_columns_share_the_room() {
        assert_eq!(proportional(&[5, 10], 30), vec![5, 24]);
        let squeezed = proportional(&[40, 4, 20], 52);
        assert!(squeezed.iter().sum::<u16>() + 2 <= 52, "{squeezed:?}");
        assert_eq!(squeezed[1], 4, "narrow columns keep their width");
        assert!(
            squeezed[0] > squeezed[2] && squeezed[2] >= COLUMN_MIN,
            "{squeezed:?}"
        );
        let tiny = proportional(&[40, 40, 40], 20);
        assert!(tiny.iter().sum::<u16>() + 2 <= 20, "{tiny:?}");
        assert_eq!(proportional(&[], 10), Vec::<u16>::new());
    }

    #[test]
    fn fields_are_named_in_order_and_multi_values_joined() {
        let row: ResultRow = vec![
            ("host".into(), FieldValue::One("web-1".into())),
            ("tags".into(), FieldValue::Many(vec!["a".into(), "b".into()])),
        ];
        let other: ResultRow = vec![("user".into(), FieldValue::One("maria".into()))];
        assert_eq!(field_names(&[row.clone(), other]), ["host", "tags", "user"]);
        assert_eq!(value(&row, "tags"), "a, b");
        assert_eq!(value(&row, "missing"), "");
    }
}
