//! The Markdown post-incident report, laid out like a PagerDuty postmortem: summary, history,
//! milestones, people, timeline, checklist, communications, decisions, links and follow-ups.
//!
//! Untrusted text is cleaned of escape sequences and control characters, `<` is written as
//! `&lt;` (no raw HTML reaches a renderer) and `|` is escaped inside table cells.

use super::{Report, clock, duration, full_time};
use crate::incident::{Change, ChecklistItem, Entry, EntryKind};
use crate::text::{clean_line, clean_text};
use crate::timeline::describe::short_id;
use crate::timeline::store::Verdict;
use crate::timeline::{Audience, Phase};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use std::borrow::Cow;
use std::fmt::Display;
use std::io::{Result, Write};

const NONE: &str = "—";

pub(super) fn write(r: &Report<'_>, w: &mut dyn Write) -> Result<()> {
    summary(r, w)?;
    history(r, w)?;
    milestones(r, w)?;
    people(r, w)?;
    timeline(r, w)?;
    checklist(r, w)?;
    status_updates(r, w)?;
    decisions(r, w)?;
    links(r, w)?;
    follow_ups(r, w)?;
    Ok(())
}

fn summary(r: &Report<'_>, w: &mut dyn Write) -> Result<()> {
    let inc = r.incident;
    let drill = if inc.drill { " (DRILL)" } else { "" };
    writeln!(w, "# Post-incident report: {}{drill}", inline(inc.id.as_str()))?;
    writeln!(w)?;
    if inc.drill {
        writeln!(
            w,
            "> **DRILL** — this incident was an exercise, not a real incident."
        )?;
        writeln!(w)?;
    }
    writeln!(w, "| | |")?;
    writeln!(w, "|---|---|")?;
    row(w, &["**Title**", &cell(&inc.title)])?;
    row(w, &["**Incident**", &cell(inc.id.as_str())])?;
    row(w, &["**Severity**", &inc.severity().to_string()])?;
    row(w, &["**Status**", inc.status().as_str()])?;
    if inc.drill {
        row(w, &["**Drill**", "**DRILL** — an exercise"])?;
    }
    let declared_by = match &inc.declared_by {
        Some(by) => cell(by).into_owned(),
        None => "(declaration not found)".to_string(),
    };
    row(w, &["**Declared by**", &declared_by])?;
    row(w, &["**Declared at**", &opt_time(inc.declared_at)])?;
    row(w, &["**Commander**", &inc.commander().map_or(NONE.into(), cell)])?;
    if let Some(record) = &r.record {
        row(w, &["**Record**", &record_line(record)])?;
    }
    if !inc.runbooks.is_empty() {
        let runbooks: Vec<_> = inc.runbooks.iter().map(|b| cell(b)).collect();
        row(w, &["**Runbooks**", &runbooks.join(", ")])?;
    }
    row(w, &["**Events**", &inc.events.to_string()])?;
    row(w, &["**Generated at**", &full_time(r.now)])?;
    writeln!(w)?;
    if let Some(s) = inc.summary.as_deref().filter(|s| !s.trim().is_empty()) {
        writeln!(w, "## Summary")?;
        writeln!(w)?;
        quote(w, s)?;
        writeln!(w)?;
    }
    Ok(())
}

fn history(r: &Report<'_>, w: &mut dyn Write) -> Result<()> {
    let inc = r.incident;
    writeln!(w, "## Severity and status history")?;
    writeln!(w)?;
    writeln!(w, "### Severity")?;
    writeln!(w)?;
    changes(w, "Severity", &inc.severity_history, inc.declared)?;
    let until = inc.milestones().resolved.unwrap_or(r.now);
    let spent = inc.time_at_severity(until);
    if let Some((peak, _)) = spent.first() {
        let each: Vec<String> = (spent.iter())
            .map(|(sev, d)| format!("{sev} {}", duration(*d)))
            .collect();
        writeln!(
            w,
            "**Peak severity:** {peak}. **Time at each severity:** {}.",
            each.join(" · ")
        )?;
        writeln!(w)?;
    }
    writeln!(w, "### Status")?;
    writeln!(w)?;
    changes(w, "Status", &inc.status_history, inc.declared)?;
    let reopened = inc.reopened();
    if reopened > 0 {
        let times = if reopened == 1 { "once" } else { "more than once" };
        writeln!(w, "Reopened {times} ({reopened}× in all).")?;
        writeln!(w)?;
    }
    Ok(())
}

/// One history table, in time order (an amendment may have moved a change).
fn changes<T: Display>(w: &mut dyn Write, what: &str, history: &[Change<T>], declared: bool) -> Result<()> {
    if history.is_empty() {
        writeln!(w, "No changes recorded.")?;
        return writeln!(w);
    }
    let mut sorted: Vec<&Change<T>> = history.iter().collect();
    sorted.sort_by_key(|c| (c.at, c.seq));
    let first_seq = history.first().map(|c| c.seq);
    writeln!(w, "| Time (UTC) | {what} | By | Reason |")?;
    writeln!(w, "|---|---|---|---|")?;
    for c in sorted {
        let value = if c.retracted {
            format!("~~{}~~ *(retracted)*", c.value)
        } else {
            c.value.to_string()
        };
        let reason = match c.reason.as_deref() {
            Some(reason) => cell(reason).into_owned(),
            None if declared && Some(c.seq) == first_seq => "declared".to_string(),
            None => String::new(),
        };
        row(w, &[&full_time(c.at), &value, &cell(&c.by), &reason])?;
    }
    writeln!(w)
}

fn milestones(r: &Report<'_>, w: &mut dyn Write) -> Result<()> {
    let inc = r.incident;
    let m = inc.milestones();
    writeln!(w, "## Milestones and durations")?;
    writeln!(w)?;
    writeln!(w, "| Milestone | Time (UTC) |")?;
    writeln!(w, "|---|---|")?;
    for (name, t) in [
        ("Detected", m.detected),
        ("Declared", m.declared),
        ("Acknowledged", m.acknowledged),
        ("Mitigated", m.mitigated),
        ("Resolved", m.resolved),
        ("Closed", m.closed),
    ] {
        row(w, &[name, &opt_time(t)])?;
    }
    writeln!(w)?;
    let open = inc.is_open();
    let pending = |d: Option<TimeDelta>| match d {
        Some(d) => duration(d),
        None if open => format!("{NONE} (not yet)"),
        None => NONE.to_string(),
    };
    writeln!(w, "| Duration | |")?;
    writeln!(w, "|---|---|")?;
    row(w, &["Time to acknowledge", &pending(m.time_to_acknowledge())])?;
    row(w, &["Time to mitigate", &pending(m.time_to_mitigate())])?;
    row(w, &["Time to resolve", &pending(m.time_to_resolve())])?;
    let total = match r.elapsed() {
        Some(d) if open => format!("{} (still open at {})", duration(d), full_time(r.now)),
        Some(d) => duration(d),
        None => NONE.to_string(),
    };
    row(w, &["Total duration", &total])?;
    writeln!(w)?;
    writeln!(
        w,
        "Durations are measured from detection (or from the declaration when no detection time was given)."
    )?;
    writeln!(w)
}

fn people(r: &Report<'_>, w: &mut dyn Write) -> Result<()> {
    let inc = r.incident;
    writeln!(w, "## Roles and responders")?;
    writeln!(w)?;
    if inc.responders.is_empty() {
        writeln!(w, "No responders recorded.")?;
        writeln!(w)?;
    } else {
        writeln!(w, "| Person | Roles | State | Paged (UTC) | Acknowledged (UTC) |")?;
        writeln!(w, "|---|---|---|---|---|")?;
        for p in inc.responders.values() {
            let roles: Vec<_> = inc.roles_of(&p.person).iter().map(|r| cell(r.as_str())).collect();
            let roles = if roles.is_empty() {
                NONE.to_string()
            } else {
                roles.join(", ")
            };
            let paged = match (p.paged_at, p.paged_via.as_deref()) {
                (Some(t), Some(via)) => format!("{} via {}", full_time(t), cell(via)),
                (Some(t), None) => full_time(t),
                (None, _) => NONE.to_string(),
            };
            row(
                w,
                &[
                    &cell(&p.person),
                    &roles,
                    p.state.as_str(),
                    &paged,
                    &opt_time(p.acknowledged_at),
                ],
            )?;
        }
        writeln!(w)?;
    }
    if !inc.role_history.is_empty() {
        writeln!(w, "### Who held each role")?;
        writeln!(w)?;
        writeln!(w, "| Role | Person | From (UTC) | Until (UTC) |")?;
        writeln!(w, "|---|---|---|---|")?;
        let mut spells: Vec<_> = inc.role_history.iter().collect();
        spells.sort_by(|a, b| a.role.cmp(&b.role).then(a.from.cmp(&b.from)));
        for s in spells {
            let until = s.until.map_or_else(|| "still".to_string(), full_time);
            row(
                w,
                &[
                    &cell(s.role.as_str()),
                    &cell(&s.person),
                    &full_time(s.from),
                    &until,
                ],
            )?;
        }
        writeln!(w)?;
    }
    if !inc.handoffs.is_empty() {
        writeln!(w, "### Command handoffs")?;
        writeln!(w)?;
        for h in &inc.handoffs {
            writeln!(
                w,
                "- **{}** — {} handed command to {}",
                full_time(h.at),
                inline(&h.from),
                inline(&h.to)
            )?;
            briefing(w, &h.briefing)?;
        }
        writeln!(w)?;
    }
    Ok(())
}

/// A handoff's briefing in full, under its handoff.
fn briefing(w: &mut dyn Write, b: &crate::timeline::Briefing) -> Result<()> {
    let text = |label: &str, t: &str, w: &mut dyn Write| -> Result<()> {
        if !t.trim().is_empty() {
            writeln!(w)?;
            writeln!(w, "  **{label}:**")?;
            writeln!(w)?;
            quote_indented(w, t, "  ")?;
        }
        Ok(())
    };
    let list = |label: &str, items: &[String], w: &mut dyn Write| -> Result<()> {
        if !items.is_empty() {
            writeln!(w)?;
            writeln!(w, "  **{label}:**")?;
            writeln!(w)?;
            for i in items {
                writeln!(w, "  - {}", inline(i))?;
            }
        }
        Ok(())
    };
    text("Status", &b.status, w)?;
    list("Hypotheses open", &b.hypotheses_open, w)?;
    list("Hypotheses ruled out", &b.hypotheses_ruled_out, w)?;
    text("Last customer update", &b.last_customer_update, w)?;
    list("Next steps", &b.next_steps, w)?;
    writeln!(w)
}

fn timeline(r: &Report<'_>, w: &mut dyn Write) -> Result<()> {
    writeln!(w, "## Timeline")?;
    writeln!(w)?;
    writeln!(
        w,
        "All times UTC, in the order things happened; *logged …* marks an entry written down later \
         than it happened. Corrections (amendments, retractions) are listed where they were made, \
         and the entries they correct show the corrected view."
    )?;
    writeln!(w)?;
    writeln!(w, "| Time (UTC) | Author | Kind | What happened | Ref |")?;
    writeln!(w, "|---|---|---|---|---|")?;
    let mut last_date: Option<NaiveDate> = None;
    let mut line = String::with_capacity(256);
    for e in &r.events {
        let at = e.at();
        let date = at.date_naive();
        let when = if last_date == Some(date) {
            clock(at)
        } else {
            last_date = Some(date);
            full_time(at)
        };
        let d = r.describe(e);
        line.clear();
        let text = cell(&d.text);
        if d.retracted && !text.trim().is_empty() {
            line.push_str("~~");
            line.push_str(text.trim());
            line.push_str("~~ *(retracted)*");
        } else {
            line.push_str(&text);
            if d.retracted {
                line.push_str(" *(retracted)*");
            }
        }
        if d.amended {
            line.push_str(" *(amended)*");
        }
        if let Some(t) = d.moved_to {
            line.push_str(&format!(" *(time corrected to {})*", relative(t, date)));
        }
        let logged_late = e
            .occurred_at
            .is_some_and(|occurred| (e.recorded_at - occurred).abs() >= TimeDelta::seconds(1));
        if logged_late {
            line.push_str(&format!(" *(logged {})*", relative(e.recorded_at, date)));
        }
        row(
            w,
            &[
                &when,
                &cell(e.author.as_str()),
                &cell(e.kind()),
                &line,
                &short_id(&e.id),
            ],
        )?;
    }
    writeln!(w)
}

fn checklist(r: &Report<'_>, w: &mut dyn Write) -> Result<()> {
    let inc = r.incident;
    writeln!(w, "## Checklist")?;
    writeln!(w)?;
    if inc.checklist.is_empty() {
        writeln!(w, "No runbook was attached.")?;
        return writeln!(w);
    }
    let (done, total) = inc.checklist_progress();
    writeln!(w, "**{done}/{total} items done.**")?;
    writeln!(w)?;
    for phase in Phase::ALL {
        let items: Vec<&ChecklistItem> = inc.checklist.iter().filter(|i| i.spec.phase == phase).collect();
        if items.is_empty() {
            continue;
        }
        let done = items.iter().filter(|i| i.checked.is_some()).count();
        writeln!(w, "### {phase} — {done}/{}", items.len())?;
        writeln!(w)?;
        for item in items {
            checklist_item(w, item)?;
        }
        writeln!(w)?;
    }
    Ok(())
}

fn checklist_item(w: &mut dyn Write, item: &ChecklistItem) -> Result<()> {
    let mark = if item.checked.is_some() { "x" } else { " " };
    let mut line = format!(
        "- [{mark}] {} ({})",
        inline(&item.spec.title),
        inline(&item.spec.id)
    );
    let mut details = Vec::new();
    if let Some((by, at)) = &item.checked {
        details.push(format!("checked by {} at {}", inline(by), full_time(*at)));
    }
    if let Some(owner) = &item.spec.owner {
        details.push(format!("owner: {}", inline(owner.as_str())));
    }
    if let Some(person) = &item.assignee {
        details.push(format!("assigned to {}", inline(person)));
    }
    if !details.is_empty() {
        line.push_str(" — ");
        line.push_str(&details.join("; "));
    }
    writeln!(w, "{line}")
}

fn status_updates(r: &Report<'_>, w: &mut dyn Write) -> Result<()> {
    writeln!(w, "## Status updates")?;
    writeln!(w)?;
    let updates = sorted(r.incident.status_updates());
    if updates.is_empty() {
        writeln!(w, "No status updates were posted.")?;
        return writeln!(w);
    }
    for audience in Audience::ALL {
        let mine: Vec<&&Entry> = (updates.iter())
            .filter(|u| u.kind == EntryKind::StatusUpdate(audience))
            .collect();
        let title = match audience {
            Audience::Internal => "Internal",
            Audience::Executive => "Executive",
            Audience::External => "External",
        };
        writeln!(w, "### {title} ({})", mine.len())?;
        writeln!(w)?;
        if mine.is_empty() {
            writeln!(w, "None.")?;
            writeln!(w)?;
        }
        for u in mine {
            write!(w, "**{}** · {audience} · {}", full_time(u.at), inline(&u.author))?;
            if u.retracted {
                writeln!(w, " *(retracted)*")?;
                writeln!(w)?;
                writeln!(w, "> {}", struck(&inline(&u.text)))?;
            } else {
                writeln!(w, "{}", if u.original.is_some() { " *(amended)*" } else { "" })?;
                writeln!(w)?;
                quote(w, &u.text)?;
            }
            writeln!(w)?;
        }
    }
    Ok(())
}

fn decisions(r: &Report<'_>, w: &mut dyn Write) -> Result<()> {
    writeln!(w, "## Decisions")?;
    writeln!(w)?;
    let decisions = sorted(r.incident.decisions());
    if decisions.is_empty() {
        writeln!(w, "No decisions were recorded.")?;
        return writeln!(w);
    }
    for d in decisions {
        let mut text = inline(&d.text).into_owned();
        if let Some(why) = d.detail.as_deref().filter(|s| !s.trim().is_empty()) {
            text.push_str(" — because ");
            text.push_str(&inline(why));
        }
        let text = if d.retracted { struck(&text) } else { text };
        let mark = match (d.retracted, d.original.is_some()) {
            (true, _) => " *(retracted)*",
            (false, true) => " *(amended)*",
            (false, false) => "",
        };
        writeln!(
            w,
            "- **{}** {text}{mark} ({})",
            full_time(d.at),
            inline(&d.author)
        )?;
    }
    writeln!(w)
}

fn links(r: &Report<'_>, w: &mut dyn Write) -> Result<()> {
    writeln!(w, "## Links")?;
    writeln!(w)?;
    let links = sorted(r.incident.links());
    if links.is_empty() {
        writeln!(w, "No links were recorded (`:link KIND REF [URL]`).")?;
        return writeln!(w);
    }
    writeln!(w, "| Kind | Reference | Address | Added by | At |")?;
    writeln!(w, "|---|---|---|---|---|")?;
    for l in links {
        let kind = match l.kind {
            EntryKind::Link(k) => k.as_str(),
            _ => "",
        };
        let address = l.detail.as_deref().map_or(Cow::Borrowed(NONE), cell);
        row(
            w,
            &[kind, &cell(&l.text), &address, &cell(&l.author), &full_time(l.at)],
        )?;
    }
    writeln!(w)
}

fn follow_ups(r: &Report<'_>, w: &mut dyn Write) -> Result<()> {
    writeln!(w, "## Follow-ups")?;
    writeln!(w)?;
    let recorded = sorted(r.incident.follow_ups());
    if recorded.is_empty() {
        writeln!(
            w,
            "<!-- Fill in the action items agreed in the review: what, who, by when, and the ticket. -->"
        )?;
        writeln!(w)?;
    }
    writeln!(w, "| Action item | Owner | Recorded by | At |")?;
    writeln!(w, "|---|---|---|---|")?;
    for f in &recorded {
        let text = match (f.retracted, f.original.is_some()) {
            (true, _) => format!("{} *(retracted)*", struck(&cell(&f.text))),
            (false, true) => format!("{} *(amended)*", cell(&f.text)),
            (false, false) => cell(&f.text).into_owned(),
        };
        let owner = f.detail.as_deref().map_or(Cow::Borrowed(NONE), cell);
        row(w, &[&text, &owner, &cell(&f.author), &full_time(f.at)])?;
    }
    if recorded.is_empty() {
        writeln!(w, "| *(to be filled in)* | | | |")?;
    }
    writeln!(w)?;
    let post: Vec<&ChecklistItem> = r
        .incident
        .checklist
        .iter()
        .filter(|i| i.spec.phase == Phase::PostIncident)
        .collect();
    let open: Vec<&&ChecklistItem> = post.iter().filter(|i| i.checked.is_none()).collect();
    if !open.is_empty() {
        writeln!(w, "Open post-incident checklist items:")?;
        writeln!(w)?;
        for item in open {
            checklist_item(w, item)?;
        }
        writeln!(w)?;
    } else if !post.is_empty() {
        writeln!(w, "Every post-incident checklist item is done.")?;
        writeln!(w)?;
    }
    Ok(())
}

/// Whether the store's hash chain held when the report was written: what makes it evidence.
fn record_line(v: &Verdict) -> String {
    match v {
        Verdict::Intact { events, head } => format!(
            "hash chain verified intact when written: {events} events in the store, head {}",
            &head.to_hex()[..16]
        ),
        Verdict::Broken { seq, reason } => format!(
            "**the hash chain does NOT verify from event #{seq}: {}** — keep the store as evidence",
            cell(reason)
        ),
    }
}

/// Entries in the order they happened (as corrected).
fn sorted<'a>(entries: impl Iterator<Item = &'a Entry>) -> Vec<&'a Entry> {
    let mut v: Vec<&Entry> = entries.collect();
    v.sort_by_key(|e| (e.at, e.seq));
    v
}

/// A table row; the cells must already be escaped.
pub(crate) fn row(w: &mut dyn Write, cells: &[&str]) -> Result<()> {
    w.write_all(b"|")?;
    for c in cells {
        w.write_all(b" ")?;
        w.write_all(c.as_bytes())?;
        w.write_all(b" |")?;
    }
    w.write_all(b"\n")
}

fn opt_time(t: Option<DateTime<Utc>>) -> String {
    t.map_or_else(|| NONE.to_string(), full_time)
}

/// The time of day, with the date too when it is not `date`.
fn relative(t: DateTime<Utc>, date: NaiveDate) -> String {
    if t.date_naive() == date {
        clock(t)
    } else {
        full_time(t)
    }
}

fn struck(s: &str) -> String {
    if s.trim().is_empty() {
        s.to_string()
    } else {
        format!("~~{}~~", s.trim())
    }
}

/// Multi-line untrusted text as a block quote.
pub(crate) fn quote(w: &mut dyn Write, s: &str) -> Result<()> {
    quote_indented(w, s, "")
}

fn quote_indented(w: &mut dyn Write, s: &str, indent: &str) -> Result<()> {
    for line in clean_text(s).lines() {
        let line = escape(Cow::Borrowed(line), false);
        if line.is_empty() {
            writeln!(w, "{indent}>")?;
        } else {
            writeln!(w, "{indent}> {line}")?;
        }
    }
    Ok(())
}

/// Untrusted text on one line, outside a table.
pub(crate) fn inline(s: &str) -> Cow<'_, str> {
    escape(clean_line(s), false)
}

/// Untrusted text in a table cell.
pub(crate) fn cell(s: &str) -> Cow<'_, str> {
    escape(clean_line(s), true)
}

/// No raw HTML (`<` becomes `&lt;`), and in a table no cell boundary (`|` becomes `\|`).
pub(crate) fn escape(s: Cow<'_, str>, pipes: bool) -> Cow<'_, str> {
    let special = |c: char| c == '<' || (pipes && c == '|');
    if !s.contains(special) {
        return s;
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '|' if pipes => out.push_str("\\|"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::super::fixture::*;
    use super::super::{Format, export as export_to};
    use super::*;
    use crate::timeline::{EventBody, IncidentId, Severity, Status, Store};

    fn md() -> String {
        let f = build();
        render(&f.store, &f.id, Format::Md)
    }

    /// The text of one `## ` section.
    fn section<'a>(md: &'a str, title: &str) -> &'a str {
        let start = md
            .find(&format!("\n## {title}\n"))
            .unwrap_or_else(|| panic!("no section {title}"));
        let rest = &md[start + 1..];
        let end = rest[3..].find("\n## ").map_or(rest.len(), |i| i + 4);
        &rest[..end]
    }

    #[test]
    fn the_report_has_its_summary_and_every_section() {
        let md = md();
        assert!(
            md.starts_with("# Post-incident report: INC-20261128-TEST1\n"),
            "{md}"
        );
        assert!(md.contains("| **Title** | Checkout 500s \\| EU |"));
        assert!(md.contains("| **Severity** | SEV1 |"));
        assert!(md.contains("| **Status** | resolved |"));
        assert!(md.contains("| **Declared by** | ana@host |"));
        assert!(md.contains("| **Declared at** | 2026-11-28 13:00:00Z |"));
        assert!(md.contains("| **Commander** | ana |"));
        assert!(md.contains("| **Generated at** | 2026-11-28 15:00:00Z |"));
        assert!(md.contains("> Checkout returned 500s for EU customers.\n> Second line.\n"));
        assert!(!md.contains("DRILL"));
        for s in [
            "Severity and status history",
            "Milestones and durations",
            "Roles and responders",
            "Timeline",
            "Checklist",
            "Status updates",
            "Decisions",
            "Links",
            "Follow-ups",
        ] {
            section(&md, s);
        }
    }

    #[test]
    fn milestones_and_durations_are_reported() {
        let md = md();
        let m = section(&md, "Milestones and durations");
        assert!(m.contains("| Detected | 2026-11-28 12:55:00Z |"), "{m}");
        assert!(m.contains("| Declared | 2026-11-28 13:00:00Z |"));
        assert!(m.contains("| Acknowledged | 2026-11-28 13:04:00Z |"));
        assert!(m.contains("| Mitigated | 2026-11-28 13:30:00Z |"));
        assert!(m.contains("| Resolved | 2026-11-28 14:00:12Z |"));
        assert!(m.contains("| Closed | — |"));
        assert!(m.contains("| Time to acknowledge | 9m 00s |"));
        assert!(m.contains("| Time to mitigate | 35m 00s |"));
        assert!(m.contains("| Time to resolve | 1h 05m 12s |"));
        assert!(m.contains("| Total duration | 1h 05m 12s |"));
    }

    #[test]
    fn history_and_people_are_tables() {
        let md = md();
        let h = section(&md, "Severity and status history");
        assert!(
            h.contains("| 2026-11-28 13:00:00Z | SEV2 | ana@host | declared |"),
            "{h}"
        );
        assert!(h.contains("| 2026-11-28 13:06:00Z | SEV1 | ana@host | all regions \\| not just EU |"));
        assert!(h.contains("| 2026-11-28 14:00:12Z | resolved | ana@host |  |"));
        let p = section(&md, "Roles and responders");
        assert!(p.contains("| ana | commander | engaged | — | — |"), "{p}");
        assert!(p.contains(
            "| bob | — | acknowledged | 2026-11-28 13:02:00Z via pagerduty | 2026-11-28 13:04:00Z |"
        ));
    }

    #[test]
    fn the_timeline_is_in_occurred_order_and_marks_late_entries() {
        let md = md();
        let t = section(&md, "Timeline");
        let rows: Vec<&str> = t
            .lines()
            .filter(|l| l.starts_with("| ") && !l.starts_with("| Time"))
            .collect();
        assert_eq!(rows.len(), EVENTS);
        // Logged at 14:10 about 12:58: first, with the full date, and marked.
        assert!(
            rows[0].starts_with(
                "| 2026-11-28 12:58:00Z | ana@host | note | pager fired before anyone looked *(logged 14:10:00)* |"
            ),
            "{}",
            rows[0]
        );
        // Later rows on the same day show only the time of day.
        assert!(rows[1].starts_with(
            "| 13:00:00 | ana@host | incident.declared | Declared SEV2: Checkout 500s \\| EU |"
        ));
        assert!(rows[EVENTS - 1].starts_with("| 14:00:12 | ana@host | status.changed | Status → resolved |"));
        assert_eq!(t.matches("*(logged").count(), 1);
        let pos = |s: &str| t.find(s).unwrap_or_else(|| panic!("{s} not in timeline"));
        assert!(pos("pager fired") < pos("Declared SEV2"));
        assert!(pos("Status → mitigated") < pos("STATUS UPDATE (external)"));
    }

    #[test]
    fn amended_and_retracted_entries_show_the_corrected_view() {
        let md = md();
        let t = section(&md, "Timeline");
        assert!(t.contains("| note | corrected note text *(amended)* |"), "{t}");
        assert!(!md.contains("typo in the note"));
        assert!(t.contains("| note | ~~wrong incident note~~ *(retracted)* |"));
        // The corrections themselves are still listed.
        assert!(t.contains("| event.amended | Amended "));
        assert!(t.contains("| event.retracted | Retracted "));
    }

    #[test]
    fn untrusted_text_cannot_escape_the_report() {
        let md = md();
        assert_clean(&md);
        assert!(md.contains("| note | cache flushed |"));
        // Every table row keeps its column count.
        let t = section(&md, "Timeline");
        for l in t.lines().filter(|l| l.starts_with('|')) {
            let unescaped = l.replace("\\|", "");
            assert_eq!(unescaped.matches('|').count(), 6, "{l}");
        }
    }

    #[test]
    fn checklist_status_updates_decisions_and_follow_ups() {
        let md = md();
        let c = section(&md, "Checklist");
        assert!(c.contains("**2/4 items done.**"), "{c}");
        assert!(c.contains("### detect — 1/1"));
        assert!(c.contains("### contain — 0/1"));
        assert!(c.contains("### post-incident — 1/2"));
        assert!(c.contains(
            "- [x] Confirm the impact (confirm-impact) — checked by ana@host at 2026-11-28 13:13:00Z; owner: commander"
        ));
        assert!(c.contains("- [ ] Roll back the change (rollback) — owner: commander\n"));
        let s = section(&md, "Status updates");
        assert!(s.contains(
            "**2026-11-28 13:31:00Z** · external · ana@host\n\n> We rolled back, errors are recovering."
        ));
        let d = section(&md, "Decisions");
        assert!(d.contains(
            "- **2026-11-28 13:11:00Z** roll back deploy 42 — because errors began with it (ana@host)"
        ));
        let f = section(&md, "Follow-ups");
        assert!(f.contains("| *(to be filled in)* | | | |"));
        assert!(
            f.contains("- [ ] Write the postmortem (write-postmortem) — owner: commander; assigned to carol")
        );
        assert!(
            !f.contains("Schedule the review"),
            "done items are not follow-ups"
        );
    }

    #[test]
    fn links_and_follow_ups_come_from_their_events() {
        let f = build();
        let id = f.id.as_str();
        let s = |body: EventBody, m: i64| f.store.append(at(id, body, mins(m))).unwrap();
        s(
            EventBody::LinkAdded {
                kind: crate::timeline::LinkKind::Ticket,
                reference: "OPS-4411".into(),
                url: Some("https://jira.example/browse/OPS-4411".into()),
            },
            40,
        );
        s(
            EventBody::LinkAdded {
                kind: crate::timeline::LinkKind::Chat,
                reference: "#inc|checkout".into(),
                url: None,
            },
            41,
        );
        s(
            EventBody::FollowUpAdded {
                text: "Add a canary for <payments>".into(),
                owner: Some("raj".into()),
            },
            42,
        );
        let dropped = s(
            EventBody::FollowUpAdded {
                text: "Blame the intern".into(),
                owner: None,
            },
            43,
        );
        let dropped = dropped.event.id;
        s(
            EventBody::Retracted {
                target: dropped,
                reason: Some("not blameless".into()),
            },
            44,
        );
        let md = render(&f.store, &f.id, Format::Md);
        let l = section(&md, "Links");
        assert!(l.contains(
            "| ticket | OPS-4411 | https://jira.example/browse/OPS-4411 | ana@host | 2026-11-28 13:40:00Z |"
        ), "{l}");
        assert!(
            l.contains("| chat | #inc\\|checkout | — | ana@host | 2026-11-28 13:41:00Z |"),
            "{l}"
        );
        let fu = section(&md, "Follow-ups");
        assert!(
            fu.contains("| Add a canary for &lt;payments> | raj | ana@host | 2026-11-28 13:42:00Z |"),
            "{fu}"
        );
        assert!(fu.contains("| ~~Blame the intern~~ *(retracted)* | — |"), "{fu}");
        assert!(!fu.contains("to be filled in"), "{fu}");
        assert!(
            fu.contains("- [ ] Write the postmortem (write-postmortem)"),
            "{fu}"
        );
    }

    #[test]
    fn a_drill_still_open_is_marked_and_measured_to_now() {
        let (_dir, store) = new_store();
        let id = "INC-20261128-DRILL";
        let body = EventBody::IncidentDeclared {
            title: "<script>alert(1)</script> game day".into(),
            severity: Severity::new(3).unwrap(),
            summary: None,
            detected_at: None,
            drill: true,
        };
        store.append(at(id, body, t0())).unwrap();
        store.append(at(id, status(Status::Active), mins(3))).unwrap();
        let mut out = Vec::new();
        let now = t0() + TimeDelta::seconds(2 * 3600 + 5 * 60 + 7);
        export_to(&store, &IncidentId(id.into()), Format::Md, &mut out, now).unwrap();
        let md = String::from_utf8(out).unwrap();
        assert!(md.starts_with("# Post-incident report: INC-20261128-DRILL (DRILL)\n"));
        assert!(md.contains("> **DRILL** — this incident was an exercise"));
        assert!(md.contains("| Time to resolve | — (not yet) |"), "{md}");
        assert!(md.contains("| Total duration | 2h 05m 07s (still open at 2026-11-28 15:05:07Z) |"));
        assert!(md.contains("&lt;script>alert(1)&lt;/script> game day"));
        assert!(!md.contains("<script>"));
        assert!(md.contains("No runbook was attached."));
    }

    #[test]
    fn dates_appear_when_the_day_changes() {
        let (_dir, store) = new_store();
        let id = "INC-20261128-NIGHT";
        store.append(at(id, declared("overnight"), t0())).unwrap();
        let next_day = t0() + TimeDelta::hours(12);
        store.append(at(id, note("still going"), next_day)).unwrap();
        store
            .append(at(id, note("and on"), next_day + TimeDelta::minutes(1)))
            .unwrap();
        let md = render(&store, &IncidentId(id.into()), Format::Md);
        assert!(
            md.contains("| 2026-11-29 01:00:00Z | ana@host | note | still going |"),
            "{md}"
        );
        assert!(md.contains("| 01:01:00 | ana@host | note | and on |"));
    }
}
