//! The incident header: what is burning, how badly, for how long, and who is in charge; and,
//! for as long as any source runs without certificate checks, a warning naming it.

use super::{age, offset, styled};
use crate::incident::Incident;
use crate::text::clean_line;
use crate::timeline::{Audience, Link, LinkKind, Status};
use crate::tui::app::View;
use crate::tui::layout::latest_update_text;
use crate::tui::wrap;
use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

pub fn draw(frame: &mut Frame, v: &View, area: Rect, now: DateTime<Utc>, compact: bool) {
    let t = &v.theme;
    let Some(inc) = v.incident() else {
        let open = v.model.open_incidents().count();
        let msg = if open > 0 {
            format!(" warroom · {open} open incident(s): press i to pick one")
        } else if v.opts.read_only {
            // A read-only console never offers to write: it waits for a declaration elsewhere.
            " warroom · no open incident (read-only: one declared elsewhere shows here)".to_string()
        } else {
            " warroom · no open incident: press D to declare one".to_string()
        };
        let lines = vec![
            Line::from(styled(msg, t.header)),
            Line::from(vec![
                styled(format!(" store: {}  ", clean_line(&v.opts.store_name)), t.muted),
                store_state(v),
            ]),
        ];
        return render(frame, v, area, lines, t.header);
    };
    let sev = inc.severity();
    let status = inc.status();
    let status_style = match status {
        Status::Triage => t.status_triage,
        Status::Active => t.status_active,
        Status::Mitigated => t.status_mitigated,
        Status::Resolved | Status::Closed => t.status_resolved,
    };
    let m = inc.milestones();
    let elapsed = m.elapsed(now).map_or("T+--:--:--".into(), offset);
    // What is kept first as the width shrinks, in this order: severity, status, read-only, an
    // incident waiting elsewhere, the save state, the IC, T+; then the rest. Short forms when
    // narrow (at 80 columns `READ-ONLY` and the badge used to be cut off the end of line 2).
    let narrow = area.width < 100;
    let mut first = vec![
        styled(format!(" {} ", sev), t.severity(sev.level())),
        Span::raw(" "),
        styled(format!(" {} ", status.as_str().to_uppercase()), status_style),
        Span::raw(" "),
    ];
    if v.opts.read_only {
        first.push(styled(if narrow { " RO " } else { " READ-ONLY " }, t.warn));
        first.push(Span::raw(" "));
    }
    if let Some((other, more)) = v.new_incident_badge() {
        let badge = match (narrow, more) {
            (true, 0) => format!(" +{}·i ", other.severity()),
            (true, n) => format!(" +{} (+{n})·i ", other.severity()),
            (false, 0) => format!(" +{} {} · i to switch ", other.severity(), other.id),
            (false, n) => format!(" +{} {} (+{n} more) · i to switch ", other.severity(), other.id),
        };
        first.push(styled(badge, t.severity(other.severity().level())));
        first.push(Span::raw(" "));
    }
    if inc.drill {
        first.push(styled(" DRILL ", t.drill));
        first.push(Span::raw(" "));
    }
    first.push(styled(clean_line(&inc.title).into_owned(), t.title));
    let commander = inc
        .commander()
        .map_or("— unassigned".to_string(), |c| clean_line(c).into_owned());
    let (update, update_style) = update_clock(v, inc, now, compact);
    let second = vec![
        Span::raw(" "),
        store_state(v),
        styled("  IC ".to_string(), t.muted),
        styled(commander, t.base),
        Span::raw("  "),
        styled(format!(" {elapsed} "), t.header),
        styled(format!(" {} ", inc.id), t.muted),
        Span::raw(" "),
        styled(update, update_style),
    ];
    let mut lines = vec![Line::from(first), Line::from(second)];
    if !compact {
        let mut third = updates_by_audience(v, inc, now);
        // When the problem began, if before the declaration: T+ counts from there.
        if let (Some(detected), Some(declared)) = (inc.detected_at, m.declared)
            && detected < declared
        {
            third.push(styled("   detected ".to_string(), t.muted));
            third.push(styled(detected.format("%H:%MZ").to_string(), t.base));
        }
        for kind in [LinkKind::Bridge, LinkKind::Chat] {
            if let Some(link) = inc.link(kind) {
                third.push(styled(format!("   {kind} "), t.muted));
                third.push(styled(clean_line(&link.text).into_owned(), t.base));
            }
        }
        third.push(styled(
            format!("   {} · {} ", clean_line(&v.opts.store_name), v.opts.me),
            t.muted,
        ));
        lines.push(Line::from(third));
    }
    lines.extend(latest_update(v, inc, now, area.width));
    render(frame, v, area, lines, Style::default());
}

/// The newest status update in full: its audience, age and text, wrapped to at most two
/// lines (the second ending in `…` when there is more), as [`crate::tui::layout::Content`] made room for.
fn latest_update(v: &View, inc: &Incident, now: DateTime<Utc>, width: u16) -> Vec<Line<'static>> {
    let Some(e) = inc.latest_update() else {
        return Vec::new();
    };
    let t = &v.theme;
    let text = latest_update_text(e.kind, &e.text, &age(now - e.at));
    let label = text.find(": ").map_or(0, |at| at + 2);
    let parts = [
        (text[..label].to_string(), t.muted),
        (text[label..].to_string(), t.ok),
    ];
    let width = usize::from(width.saturating_sub(1)).max(1);
    let mut lines = wrap::styled(&parts, width);
    let more = lines.len() > 2;
    lines.truncate(2);
    if more && let Some(last) = lines.last_mut() {
        let used: usize = last.iter().map(|s| s.content.width()).sum();
        if used + 1 > width {
            last.pop();
        }
        last.push(styled("…".to_string(), t.muted));
    }
    lines
        .into_iter()
        .map(|spans| {
            let mut line = vec![Span::raw(" ")];
            line.extend(spans);
            Line::from(line)
        })
        .collect()
}

/// When the next status update is owed (`internal update due in 4m`, `… overdue 2m`), or,
/// without a cadence, how long since the last one.
fn update_clock(v: &View, inc: &Incident, now: DateTime<Utc>, compact: bool) -> (String, Style) {
    let t = &v.theme;
    let Some(due) = inc.update_due(&v.opts.updates.cadence) else {
        let last = inc
            .last_status_update_at()
            .map_or("none yet".to_string(), |at| format!("{} ago", age(now - at)));
        return (format!("last update {last}"), t.base);
    };
    let who = if compact {
        String::new()
    } else {
        format!("{} ", due.audience)
    };
    if due.at <= now {
        (format!("{who}update overdue {}", age(now - due.at)), t.fail)
    } else if due.at - now <= due.every / 4 {
        (format!("{who}update due in {}", age(due.at - now)), t.warn)
    } else {
        (format!("{who}update due in {}", age(due.at - now)), t.base)
    }
}

/// `updates: internal 12m ago · executive — · external 3m ago`.
fn updates_by_audience(v: &View, inc: &Incident, now: DateTime<Utc>) -> Vec<Span<'static>> {
    let t = &v.theme;
    let mut spans = vec![styled(" updates: ".to_string(), t.muted)];
    for (n, audience) in Audience::ALL.into_iter().enumerate() {
        if n > 0 {
            spans.push(styled(" · ".to_string(), t.muted));
        }
        let last = inc
            .last_update_to(audience)
            .map_or("—".to_string(), |at| format!("{} ago", age(now - at)));
        spans.push(styled(format!("{audience} "), t.muted));
        spans.push(styled(last, t.base));
    }
    spans
}

/// Whether this console's actions are saved: the header says so on every screen.
fn store_state(v: &View) -> Span<'static> {
    let t = &v.theme;
    let link = &v.model.store_health;
    match (&v.model.save_error, v.pending) {
        // Louder than any save error: retrying cannot help, only reopening on the new file.
        (_, 0) if link.link == Link::Replaced => {
            styled("⚠ store file replaced — not saved".to_string(), t.fail)
        }
        (_, n) if link.link == Link::Replaced => {
            styled(format!("⚠ store file replaced — {n} not saved"), t.fail)
        }
        (Some(e), n) => styled(format!("⚠ {n} unsaved: {}", clean_line(e)), t.fail),
        _ if link.link == Link::Offline => styled(format!("⚠ offline — {} pending", link.pending), t.fail),
        _ if link.link == Link::Failing => {
            styled(format!("⚠ server refusing — {} pending", link.pending), t.fail)
        }
        _ if link.pending > 0 => styled(format!("… sending {} pending", link.pending), t.pending),
        (None, 0) => styled("● saved".to_string(), t.ok),
        (None, n) => styled(format!("… {n} saving"), t.pending),
    }
}

/// The header's lines, with the TLS warning (if any) at the right of the first.
fn render(frame: &mut Frame, v: &View, area: Rect, lines: Vec<Line<'static>>, style: Style) {
    let Some(warning) = tls_warning(v, area.width) else {
        frame.render_widget(Paragraph::new(lines).style(style), area);
        return;
    };
    let [first, rest] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(area);
    let width = warning.width() as u16 + 1;
    let [left, right] = Layout::horizontal([Constraint::Min(0), Constraint::Length(width)]).areas(first);
    let mut lines = lines.into_iter();
    let top = lines.next().unwrap_or_default();
    frame.render_widget(Paragraph::new(top).style(style), left);
    frame.render_widget(Paragraph::new(lines.collect::<Vec<_>>()).style(style), rest);
    let warning = Paragraph::new(styled(warning, v.theme.warn))
        .alignment(Alignment::Right)
        .style(style);
    frame.render_widget(warning, right);
}

/// `⚠ TLS verification off: NAME`, shorter on narrow screens, at most a third of the width
/// (but always something: it stays on screen as long as the risk does).
fn tls_warning(v: &View, width: u16) -> Option<String> {
    let names: Vec<String> = v
        .model
        .sources
        .insecure()
        .map(|v| clean_line(&v.name).into_owned())
        .collect();
    if names.is_empty() {
        return None;
    }
    let room = usize::from(width / 3).max(16);
    let list = names.join(", ");
    [
        format!("⚠ TLS verification off: {list}"),
        format!("⚠ TLS off: {list}"),
        format!("⚠ TLS off ({})", names.len()),
    ]
    .into_iter()
    .find(|w| w.width() <= room)
    .or_else(|| Some("⚠ TLS off".to_string()))
}
