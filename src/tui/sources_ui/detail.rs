//! A finding in full, as lines of styled-by-meaning text that fit the detail overlay; the
//! view styles them, and the keys use their count to know how far there is to scroll.

use super::ago;
use crate::sources::securityhub::{Finding, FindingSeverity};
use crate::text::{clean_line, clean_text};
use crate::tui::wrap::wrap;
use chrono::{DateTime, Utc};
use ratatui::layout::{Constraint, Flex, Layout, Rect};

/// The detail overlay's place on a screen of `area`: under the header (and tab bar), over the
/// footer-less rest, so the incident, the TLS warning and the messages stay in sight.
pub fn detail_area(area: Rect) -> Rect {
    let width = area.width.saturating_sub(2).min(100);
    let [r] = Layout::horizontal([Constraint::Length(width)])
        .flex(Flex::Center)
        .areas(area);
    let (top, bottom) = if area.height >= 12 { (3, 1) } else { (0, 0) };
    Rect::new(r.x, r.y + top, r.width, r.height.saturating_sub(top + bottom))
}

/// Text columns inside the detail overlay (borders and a margin each side).
pub fn detail_text_width(area: Rect) -> usize {
    usize::from(area.width.saturating_sub(4)).max(1)
}

pub fn detail_text_height(area: Rect) -> usize {
    usize::from(area.height.saturating_sub(2))
}

/// What a piece of detail text is, for the view to style.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Title,
    /// A section's name (Description, Resources…).
    Heading,
    /// A field's name.
    Label,
    Text,
    Severity(FindingSeverity),
}

pub type DetailLine = Vec<(Tone, String)>;

const LABEL: usize = 12;

/// A finding, every field of it, as lines of at most `width` columns.
pub fn finding_detail(f: &Finding, source: &str, width: usize, now: DateTime<Utc>) -> Vec<DetailLine> {
    let mut out: Vec<DetailLine> = Vec::new();
    for line in wrap(&clean_line(&f.title), width) {
        out.push(vec![(Tone::Title, line)]);
    }
    out.push(vec![
        (Tone::Severity(f.severity), format!(" {} ", f.severity.label())),
        (
            Tone::Text,
            format!(
                "  {} · {}",
                clean_line(f.workflow.as_str()),
                clean_line(&f.record_state)
            ),
        ),
    ]);
    out.push(Vec::new());
    let when = |at: DateTime<Utc>| {
        if at == DateTime::UNIX_EPOCH {
            "unknown".to_string()
        } else {
            format!("{} ({} ago)", at.format("%Y-%m-%d %H:%M:%SZ"), ago(now - at))
        }
    };
    let fields = [
        ("Source", source.to_string()),
        ("Account", format!("{} · {}", f.account, f.region)),
        ("Product", f.product_name.clone()),
        ("Generator", f.generator_id.clone()),
        ("Types", f.types.join("; ")),
        ("Created", when(f.created_at)),
        ("Updated", when(f.updated_at)),
        ("Compliance", f.compliance.clone().unwrap_or_default()),
        ("Id", f.id.clone()),
    ];
    for (label, value) in fields {
        field(&mut out, label, &value, width);
    }
    let section = |out: &mut Vec<DetailLine>, title: &str, text: &str| {
        if text.trim().is_empty() {
            return;
        }
        out.push(Vec::new());
        out.push(vec![(Tone::Heading, title.to_string())]);
        for line in wrap(&clean_text(text), width) {
            out.push(vec![(Tone::Text, line)]);
        }
    };
    section(&mut out, "Description", &f.description);
    section(&mut out, "Remediation", f.remediation.as_deref().unwrap_or(""));
    if !f.resources.is_empty() {
        out.push(Vec::new());
        out.push(vec![(Tone::Heading, "Resources".to_string())]);
        for r in &f.resources {
            let text = format!("{}  {}  {}", r.kind, r.id, r.region);
            for line in wrap(&clean_line(&text), width) {
                out.push(vec![(Tone::Text, line)]);
            }
        }
    }
    section(&mut out, "Note", f.note.as_deref().unwrap_or(""));
    out
}

fn field(out: &mut Vec<DetailLine>, label: &str, value: &str, width: usize) {
    if value.trim().is_empty() {
        return;
    }
    let lines = wrap(&clean_line(value), width.saturating_sub(LABEL).max(8));
    for (n, line) in lines.into_iter().enumerate() {
        let label = if n == 0 { label } else { "" };
        out.push(vec![
            (Tone::Label, format!("{label:<LABEL$}")),
            (Tone::Text, line),
        ]);
    }
}
