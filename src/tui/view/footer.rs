//! The bottom line: the palette or filter being typed, a message, or the key hints.

use super::{key_hint, styled};
use crate::tui::action::Action;
use crate::tui::app::{FlashKind, Mode, View};
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
        Mode::Filter { input, .. } => {
            let x = area.x + 1 + input.cursor() as u16;
            frame.set_cursor_position(Position::new(x.min(area.right().saturating_sub(1)), area.y));
            Line::from(vec![
                styled("/", t.key),
                Span::styled(input.text().to_string(), t.base),
                // The timeline's filter knows kinds and authors; a source view's is plain text.
                styled(
                    if v.panes.focus == crate::tui::layout::Pane::Sources {
                        "   Enter keeps · Esc clears · text in any column"
                    } else {
                        "   Enter keeps · Esc clears · kind:note @maria"
                    },
                    t.muted,
                ),
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

/// The most useful keys: the actions the command table marks as hints, with their keys as
/// the keymap has them (so they are right after remapping).
fn hints(v: &View) -> Line<'static> {
    let t = &v.theme;
    let mut list: Vec<(u8, &str, Action)> = Action::ALL
        .iter()
        .filter(|a| !(a.writes() && v.opts.read_only))
        .filter_map(|&a| a.hint().map(|(place, label)| (place, label, a)))
        .collect();
    list.sort_by_key(|(place, _, _)| *place);
    let mut spans = Vec::new();
    for (_, label, action) in list {
        spans.push(styled(format!(" {} ", key_hint(v, action)), t.key));
        spans.push(styled(format!("{label} "), t.muted));
    }
    Line::from(spans)
}
