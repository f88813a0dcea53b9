//! A timeline entry or a checklist item in full: what its one-line row leaves out (the whole
//! text, who and when to the second with date and zone, a correction's history, a handoff's
//! briefing, an item's guidance), as lines that fit the detail overlay. The view styles them;
//! the keys use their count to know how far there is to scroll.

use super::feed::{Row, Subject};
use super::model::Model;
use super::panes::TimeMode;
use super::refs::Detail;
use super::sources_ui::{DetailLine, Tone};
use super::wrap::wrap;
use crate::incident::{ChecklistItem, EntryKind, Incident};
use crate::text::{clean_line, clean_text};
use crate::timeline::Briefing;
use chrono::{DateTime, Local, Utc};

const LABEL: usize = 11;

/// The lines of an entry's or an item's detail view; none for the sources' details.
pub fn lines(model: &Model, detail: &Detail, time: TimeMode, width: usize) -> Vec<DetailLine> {
    match detail {
        Detail::Entry { incident, row, .. } => model
            .incident(Some(incident))
            .map(|inc| entry_detail(inc, row, time, width))
            .unwrap_or_default(),
        Detail::Item { incident, item, .. } => model
            .incident(Some(incident))
            .and_then(|inc| inc.checklist_item(item))
            .map(|item| item_detail(item, time, width))
            .unwrap_or_default(),
        Detail::Finding { .. } | Detail::Search { .. } => Vec::new(),
    }
}

/// Everything known of `row`'s event in `incident`, in lines of at most `width` columns.
pub fn entry_detail(inc: &Incident, row: &Row, time: TimeMode, width: usize) -> Vec<DetailLine> {
    let mut out: Vec<DetailLine> = Vec::new();
    let entry = inc.entry_at(row.seq);
    let title = match entry {
        Some(e) if e.retracted => format!("{} #{} — RETRACTED", row.tag.to_uppercase(), row.seq),
        Some(e) if e.original.is_some() => format!("{} #{} — amended", row.tag.to_uppercase(), row.seq),
        _ => format!("{} #{}", row.tag.to_uppercase(), row.seq),
    };
    out.push(vec![(Tone::Title, title)]);
    field(&mut out, "by", &clean_line(&row.author), width);
    let occurred = entry.map_or(row.at, |e| e.at);
    if occurred != row.recorded_at {
        field(&mut out, "occurred", &when(occurred, time), width);
    }
    field(&mut out, "recorded", &when(row.recorded_at, time), width);
    field(&mut out, "kind", &row.kind, width);
    if row.tag == "declared"
        && let Some(detected) = inc.detected_at
    {
        field(&mut out, "detected", &when(detected, time), width);
    }
    out.push(Vec::new());
    match entry {
        Some(e) => {
            text(&mut out, &e.text, width);
            if let Some(detail) = &e.detail {
                heading(
                    &mut out,
                    match e.kind {
                        EntryKind::Decision => "Rationale",
                        EntryKind::Link(_) => "Address",
                        EntryKind::FollowUp => "Owner",
                        _ => "Detail",
                    },
                );
                text(&mut out, detail, width);
            }
            if let Some(original) = &e.original {
                heading(&mut out, "As first written");
                text(&mut out, original, width);
            }
        }
        None => text(&mut out, &row.text, width),
    }
    if row.tag == "declared"
        && let Some(summary) = &inc.summary
    {
        heading(&mut out, "Summary");
        text(&mut out, summary, width);
    }
    if let Some(reason) = inc.change_reason(row.seq) {
        heading(&mut out, "Reason");
        text(&mut out, reason, width);
    }
    if let Some(h) = inc.handoff_at(row.seq) {
        briefing(&mut out, &h.briefing, width);
    }
    match &row.subject {
        Some(Subject::Item(id)) => {
            if let Some(item) = inc.checklist_item(id) {
                out.push(Vec::new());
                item_lines(&mut out, item, time, width);
            }
        }
        Some(Subject::Corrects(event)) => {
            if let Some(target) = inc.entry_of(*event) {
                let by = clean_line(&target.author);
                heading(&mut out, &format!("Corrects #{} by {by}", target.seq));
                text(
                    &mut out,
                    target.original.as_deref().unwrap_or(&target.text),
                    width,
                );
            }
        }
        None => {}
    }
    out
}

/// A checklist item in full: its runbook, phase, owner and assignee, who checked it, and the
/// runbook's guidance for it.
pub fn item_detail(item: &ChecklistItem, time: TimeMode, width: usize) -> Vec<DetailLine> {
    let mut out: Vec<DetailLine> = Vec::new();
    for line in wrap(&clean_line(&item.spec.title), width) {
        out.push(vec![(Tone::Title, line)]);
    }
    item_lines(&mut out, item, time, width);
    out
}

fn item_lines(out: &mut Vec<DetailLine>, item: &ChecklistItem, time: TimeMode, width: usize) {
    field(out, "item", &clean_line(&item.spec.id), width);
    field(out, "runbook", &clean_line(&item.runbook), width);
    field(out, "phase", item.spec.phase.as_str(), width);
    if let Some(owner) = &item.spec.owner {
        field(out, "owner", &owner.to_string(), width);
    }
    if let Some(who) = &item.assignee {
        field(out, "assigned", &clean_line(who), width);
    }
    match &item.checked {
        Some((by, at)) => field(
            out,
            "checked",
            &format!("{} by {}", when(*at, time), clean_line(by)),
            width,
        ),
        None => field(out, "checked", "not yet", width),
    }
    heading(out, "Guidance");
    match &item.spec.guidance {
        Some(g) => text(out, g, width),
        None => out.push(vec![(
            Tone::Label,
            "The runbook gives none for this item.".into(),
        )]),
    }
}

fn briefing(out: &mut Vec<DetailLine>, b: &Briefing, width: usize) {
    heading(out, "Status");
    text(out, &b.status, width);
    for (name, items) in [
        ("Open hypotheses", &b.hypotheses_open),
        ("Ruled out", &b.hypotheses_ruled_out),
        ("Next steps", &b.next_steps),
    ] {
        heading(out, name);
        if items.is_empty() {
            out.push(vec![(Tone::Label, "none".into())]);
        }
        for item in items {
            text(out, &format!("• {item}"), width);
        }
    }
    heading(out, "Last customer update");
    text(out, &b.last_customer_update, width);
}

/// `Mon 07 Dec 2026 13:22:15 UTC`, and in local time too when the console shows local time.
fn when(at: DateTime<Utc>, time: TimeMode) -> String {
    let utc = at.format("%a %d %b %Y %H:%M:%S UTC").to_string();
    match time {
        TimeMode::Local => {
            let local = at.with_timezone(&Local);
            format!(
                "{utc} ({} local, UTC{})",
                local.format("%H:%M:%S"),
                local.format("%:z")
            )
        }
        TimeMode::Utc | TimeMode::Offset => utc,
    }
}

fn field(out: &mut Vec<DetailLine>, label: &str, value: &str, width: usize) {
    let room = width.saturating_sub(LABEL).max(1);
    for (n, line) in wrap(value, room).into_iter().enumerate() {
        let label = if n == 0 { label } else { "" };
        out.push(vec![
            (Tone::Label, format!("{label:<LABEL$}")),
            (Tone::Text, line),
        ]);
    }
}

fn heading(out: &mut Vec<DetailLine>, name: &str) {
    out.push(Vec::new());
    out.push(vec![(Tone::Heading, name.to_string())]);
}

fn text(out: &mut Vec<DetailLine>, s: &str, width: usize) {
    for line in wrap(&clean_text(s), width) {
        out.push(vec![(Tone::Text, line)]);
    }
}
