//! Security Hub findings: one row each, the most severe standing out; the columns that fit.

use super::{Column, cell, col, fill, fit_left, note, table, table_width, widths};
use crate::sources::securityhub::FindingSeverity;
use crate::sources::view::severity_index;
use crate::tui::app::View;
use crate::tui::sources_ui::{FindingSort, List, SourceTab, ago};
use crate::tui::theme::Theme;
use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::widgets::{Cell, Row};

pub fn draw(frame: &mut Frame, v: &View, area: Rect, now: DateTime<Utc>) {
    let t = &v.theme;
    let pane = &v.panes.sources;
    let len = pane.len(List::Findings);
    if len == 0 {
        let text = if pane.filter(SourceTab::Findings).is_empty() {
            "No findings (yet): the first poll may still be running; see Health."
        } else {
            "No finding matches the filter (/ to change it, Esc in it to clear)."
        };
        return note(frame, v, area, text);
    }
    let many = (v.model.sources.list.iter())
        .filter(|v| v.kind == crate::sources::SourceKind::Securityhub)
        .count()
        > 1;
    let sort = pane.sort();
    let marked = |name: &str, by: FindingSort| {
        if sort == by {
            format!("{name}▼")
        } else {
            name.to_string()
        }
    };
    // Account and region only when the title keeps 40 columns beside them.
    let wide = area.width >= 124;
    let medium = area.width >= 70;
    let mut columns: Vec<Column> = vec![col(marked("severity", FindingSort::Severity), 9)];
    if many && medium {
        columns.push(col("source", 10));
    }
    columns.push(fill(marked("title", FindingSort::Title)));
    if medium {
        columns.push(col("resource", if wide { 26 } else { 20 }));
    }
    if wide {
        columns.push(col("account", 12));
        columns.push(col("region", 12));
    }
    if medium {
        columns.push(col("workflow", 10));
    }
    columns.push(col(marked("age", FindingSort::Age), 6));
    let w = widths(&columns, table_width(area));
    let resource_width = (columns.iter().zip(&w))
        .find(|(c, _)| c.heading == "resource")
        .map_or(0, |(_, w)| usize::from(*w));
    let row = |i| {
        pane.finding(&v.model.sources, i).map(|r| {
            let f = r.finding;
            let mut texts: Vec<(String, Style)> =
                vec![(short_label(f.severity).to_string(), severity_style(t, f.severity))];
            if many && medium {
                texts.push((r.source.to_string(), t.muted));
            }
            if f.title.trim().is_empty() {
                texts.push((format!("(untitled) {}", f.id), t.muted));
            } else {
                texts.push((f.title.clone(), t.base));
            }
            if medium {
                let resource = f.resources.first().map_or("", |r| r.id.as_str());
                texts.push((fit_left(resource, resource_width), t.muted));
            }
            if wide {
                texts.push((f.account.clone(), t.muted));
                texts.push((f.region.clone(), t.muted));
            }
            if medium {
                let style = match f.workflow.as_str() {
                    "NEW" => t.warn,
                    "RESOLVED" | "SUPPRESSED" => t.muted,
                    _ => t.base,
                };
                texts.push((f.workflow.as_str().to_string(), style));
            }
            let age = if f.updated_at == DateTime::UNIX_EPOCH {
                "—".to_string()
            } else {
                ago(now - f.updated_at)
            };
            texts.push((age, t.muted));
            let cells = (texts.iter().zip(&w)).map(|((text, style), w)| cell(text, *w, *style));
            Row::new(cells.collect::<Vec<Cell>>())
        })
    };
    let selected = pane.selected(List::Findings);
    table(frame, v, area, &columns, &w, len, selected, row);
}

/// The label, short enough for its column: INFORMATIONAL is INFO.
pub(crate) fn short_label(s: FindingSeverity) -> &'static str {
    match s {
        FindingSeverity::Informational => "INFO",
        other => other.label(),
    }
}

/// CRITICAL as SEV1, HIGH as SEV2 and so on down; the worst two in bold as well, so they
/// stand out without colour.
pub(crate) fn severity_style(t: &Theme, s: FindingSeverity) -> Style {
    let level = 5 - severity_index(s) as u8;
    let style = t.severity(level);
    if level <= 2 {
        style.add_modifier(Modifier::BOLD)
    } else {
        style
    }
}
