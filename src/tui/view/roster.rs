//! Who is on the incident, who holds which role, and who has been paged but not answered:
//! separate facts (a role is not an answer); and whether each is here (a console of theirs
//! open on it, from the store's presence rows) or when they last wrote.

use super::{age, empty, hidden_rows, pane_block, styled};
use crate::incident::{ResponderState, person_key};
use crate::text::clean_line;
use crate::tui::app::View;
use crate::tui::layout::Pane;
use chrono::{DateTime, TimeDelta, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Cell, Row, Table};

pub fn draw(frame: &mut Frame, v: &View, area: Rect, now: DateTime<Utc>) {
    let t = &v.theme;
    let Some(inc) = v.incident() else {
        frame.render_widget(empty(v, "—").block(pane_block(v, Pane::Roster, None)), area);
        return;
    };
    let vacant: Vec<String> = crate::timeline::Role::STANDARD
        .iter()
        .filter(|r| !inc.roles.contains_key(r))
        .map(ToString::to_string)
        .collect();
    let extra = if vacant.is_empty() {
        format!("{} people", inc.responders.len())
    } else {
        format!("vacant: {}", vacant.join(", "))
    };
    let block = pane_block(v, Pane::Roster, extra);
    if inc.responders.is_empty() {
        frame.render_widget(
            empty(
                v,
                "Nobody yet. `:add NAME`, `:page NAME`, `:role commander NAME`.",
            )
            .block(block),
            area,
        );
        return;
    }
    let present = v.model.present.get(&inc.id);
    // The selected person in view; the rest said as `↑N ↓M more`.
    let inner = block.inner(area);
    let height = usize::from(inner.height.saturating_sub(1)).max(1);
    let len = inc.responders.len();
    let selected = v.panes.roster.selected.min(len - 1);
    let first = (selected + 1).saturating_sub(height);
    let rows: Vec<Row> = inc
        .responders
        .values()
        .enumerate()
        .skip(first)
        .take(height)
        .map(|(n, r)| {
            let roles: Vec<String> = inc.roles_of(&r.person).iter().map(|r| r.to_string()).collect();
            // A page nobody answered is the row to act on: amber, red after five minutes.
            let (glyph, style) = match r.state {
                ResponderState::Engaged => ("● engaged", t.ok),
                ResponderState::Acknowledged => ("◐ acked", t.info),
                ResponderState::Paged if now - r.since > TimeDelta::minutes(5) => {
                    ("◌ paged, no answer", t.fail)
                }
                ResponderState::Paged => ("◌ paged, no answer", t.warn),
                ResponderState::Added if !roles.is_empty() => ("○ assigned", t.muted),
                ResponderState::Added => ("○ added", t.muted),
                ResponderState::Left => ("✕ left", t.muted),
            };
            // Here: a console of theirs is open on this incident; else when they last wrote.
            let here = present.is_some_and(|p| p.contains(&person_key(&r.person)));
            let (seen, seen_style) = match r.last_wrote {
                _ if here => ("here".to_string(), t.ok),
                Some(at) => (age(now - at), t.muted),
                None => ("—".to_string(), t.muted),
            };
            let row = Row::new(vec![
                Cell::from(clean_line(&r.person).into_owned()),
                Cell::from(Line::from(styled(roles.join(", "), t.title))),
                Cell::from(Line::from(styled(glyph, style))),
                Cell::from(Line::from(styled(age(now - r.since), t.muted))),
                Cell::from(Line::from(styled(seen, seen_style))),
            ]);
            if v.panes.focus == Pane::Roster && n == v.panes.roster.selected {
                row.style(t.selection)
            } else {
                row
            }
        })
        .collect();
    let (name, roles) = crate::tui::layout::roster_columns(inc);
    let table = Table::new(
        rows,
        [
            Constraint::Length(name),
            Constraint::Length(roles),
            Constraint::Length(18),
            Constraint::Length(6),
            Constraint::Length(6),
        ],
    )
    .header(Row::new(vec!["person", "roles", "state", "since", "seen"]).style(t.muted))
    .block(block);
    frame.render_widget(table, area);
    hidden_rows(frame, v, inner, first, len.saturating_sub(first + height));
}
