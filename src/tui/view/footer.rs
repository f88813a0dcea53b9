//! The bottom line: the palette or filter being typed, a message, or the key hints.

use super::styled;
use crate::tui::action::{Action, Scope};
use crate::tui::app::{FlashKind, Mode, View};
use crate::tui::refs::Find;
use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn draw(frame: &mut Frame, v: &View, area: Rect) {
    let t = &v.theme;
    let line = match &v.mode {
        Mode::Palette { input, error, .. } => {
            let mut spans = vec![styled(":", t.key), Span::styled(input.text().to_string(), t.base)];
            if let Some(e) = error {
                spans.push(styled(format!("   {e}"), t.fail));
            }
            let x = area.x + 1 + input.cursor() as u16;
            frame.set_cursor_position(Position::new(x.min(area.right().saturating_sub(1)), area.y));
            Line::from(spans)
        }
        Mode::Filter { input, target } => {
            let x = area.x + 1 + input.cursor() as u16;
            frame.set_cursor_position(Position::new(x.min(area.right().saturating_sub(1)), area.y));
            // The timeline's knows kinds and authors; a source view's is plain text.
            let (prompt, help) = match target {
                Find::Search { .. } => ("/", "   Enter keeps · Esc ends · then n/N · kind:note @maria"),
                Find::Filter => (
                    "&",
                    "   only matching rows · Enter keeps · Esc clears · kind:note @maria",
                ),
                Find::Sources => ("/", "   Enter keeps · Esc clears · text in any column"),
            };
            Line::from(vec![
                styled(prompt, t.key),
                Span::styled(input.text().to_string(), t.base),
                styled(help, t.muted),
            ])
        }
        _ => match &v.panes.flash {
            Some(f) => Line::from(styled(
                f.text.clone(),
                if f.kind == FlashKind::Error {
                    t.fail
                } else {
                    t.info
                },
            )),
            None => hints(v),
        },
    };
    frame.render_widget(Paragraph::new(line), area);
}

/// The most useful keys, asked of the focused pane: help and the palette, its own actions (a
/// finding's in the findings view), then the other global ones whose keys still reach them — each with the key
/// the keymap has for it, so they are right after remapping.
fn hints(v: &View) -> Line<'static> {
    let t = &v.theme;
    let scopes = v.key_scopes();
    // Help and the palette lead, then the pane's own keys, then the rest.
    let rank = |a: Action, place: u8| match (a.scope(), place) {
        (Scope::Global, 0..=2) => 0,
        // what enter opens is the focused pane's own
        (Scope::Global, _) if a == Action::Open => 1,
        // corrections are rarer than writing: after the global keys
        (Scope::Timeline, _) => 2,
        (Scope::Global, _) => 2,
        _ => 1,
    };
    let mut list: Vec<(u8, u8, &str, String, Scope)> = Action::ALL
        .iter()
        .filter(|a| !(a.writes() && v.opts.read_only))
        .filter(|a| a.scope() == Scope::Global || scopes.contains(&a.scope()))
        .filter(|&&a| a != Action::Open || v.panes.focus_opens())
        .filter_map(|&a| {
            let (place, label) = a.hint()?;
            let key = match v.keymap.reachable_key(a, &scopes) {
                Some(k) => k.to_string(),
                // Unbound: the palette still does it.
                None if v.keymap.keys_for(a).is_empty() => format!(":{a}"),
                None => return None, // its key does something else here
            };
            Some((rank(a, place), place, label, key, a.scope()))
        })
        .collect();
    list.sort_by_key(|(rank, place, ..)| (*rank, *place));
    let mut spans = Vec::new();
    let mut said = None;
    for (_, _, label, key, scope) in list {
        // Keys that act on the selected finding or backup, not on the incident, say so.
        if said != Some(scope)
            && let Some(what) = scope_label(scope)
        {
            spans.push(styled(format!(" {what}:"), t.title));
        }
        said = Some(scope);
        spans.push(styled(format!(" {key} "), t.key));
        spans.push(styled(format!("{label} "), t.muted));
    }
    Line::from(spans)
}

/// What a pane's scoped keys act on, for the footer: `finding: R resolve  s suppress …`.
fn scope_label(scope: Scope) -> Option<&'static str> {
    match scope {
        Scope::Findings => Some("finding"),
        Scope::Backups => Some("backup"),
        Scope::Sources => Some("sources"),
        _ => None,
    }
}
