//! What floats over the panes: help, the editor, a confirmation, the incident picker, the
//! palette's completions and the sources' detail views.

use super::{age, styled};
use crate::text::clean_line;
use crate::tui::action::{Action, Scope};
use crate::tui::app::{Mode, View};
use crate::tui::palette::{self, Spec};
use crate::tui::wrap::{self, wrap};
use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph};
use unicode_width::UnicodeWidthStr;

pub fn draw(frame: &mut Frame, v: &View, area: Rect, now: DateTime<Utc>) {
    match &v.mode {
        Mode::Help { scroll } => help(frame, v, area, *scroll),
        Mode::Editor(editor) => {
            // As large as a screen allows, up to 100×18: the text soft-wraps inside it.
            let r = centered(
                area,
                area.width.saturating_sub(4).min(100),
                area.height.saturating_sub(4).min(18),
            );
            frame.render_widget(Clear, r);
            let keys = if editor.closing {
                let mut keys = vec![styled(" Keep this as a draft? ", v.theme.warn)];
                keys.extend(hints(
                    v,
                    &[(Action::KeepDraft, "keep"), (Action::DiscardDraft, "discard")],
                ));
                keys.push(styled(" any other key: back to writing ", v.theme.muted));
                keys
            } else {
                hints(v, &[(Action::Save, "save"), (Action::CloseEditor, "close")])
            };
            let title = match &editor.incident {
                Some(id) => format!("{} · {id}", editor.kind.title()),
                None => editor.kind.title(),
            };
            let block = popup(v, &title).title_bottom(Line::from(keys));
            let inner = block.inner(r);
            frame.render_widget(block, r);
            frame.render_widget(&editor.area, inner);
        }
        Mode::Identify { input, error } => {
            let t = &v.theme;
            let r = centered(area, 64, 7);
            frame.render_widget(Clear, r);
            let x = r.x + 1 + 6 + input.cursor() as u16;
            frame.set_cursor_position(Position::new(x.min(r.right().saturating_sub(2)), r.y + 3));
            let last = match error {
                Some(e) => Line::from(styled(clean_line(e).into_owned(), t.fail)),
                None => Line::from(styled("enter: that is me   esc: leave", t.muted)),
            };
            let text = vec![
                Line::from(styled("Several people use this login. Who are you?", t.base)),
                Line::from(styled("Your actions are written as NAME (this login).", t.muted)),
                Line::from(vec![
                    styled("Name: ", t.muted),
                    styled(clean_line(input.text()).into_owned(), t.base),
                ]),
                Line::from(""),
                last,
            ];
            frame.render_widget(Paragraph::new(text).block(popup(v, "Who are you?")), r);
        }
        Mode::Confirm(c) => {
            let t = &v.theme;
            let last = match &c.reason {
                Some(input) => vec![
                    styled("Reason: ", t.muted),
                    styled(clean_line(input.text()).into_owned(), t.base),
                    styled("   enter yes · esc back", t.muted),
                ],
                None if c.intent.takes_reason() => hints(
                    v,
                    &[
                        (Action::Yes, "yes"),
                        (Action::No, "no"),
                        (Action::WithReason, "yes, with a reason"),
                    ],
                ),
                None => hints(v, &[(Action::Yes, "yes"), (Action::No, "no")]),
            };
            let prompt = [(clean_line(&c.prompt).into_owned(), t.base)];
            let (r, keys_at) = sized(frame, v, area, "Confirm", &prompt, last, 50);
            if let Some(input) = &c.reason {
                // the cursor sits in the reason: inside the frame's border, after the label
                let x = r.x + 1 + 8 + input.cursor() as u16;
                let cursor = Position::new(x.min(r.right().saturating_sub(2)), r.y + keys_at);
                frame.set_cursor_position(cursor);
            }
        }
        Mode::Leaving(leaving) => {
            let (title, text, keys) = match &leaving.failing {
                None => (
                    "Leaving",
                    format!("Saving {} action(s) before leaving…", v.pending),
                    hints(v, &[(Action::Stay, "stay")]),
                ),
                Some(why) => (
                    if v.pending > 0 {
                        "Not saved yet"
                    } else {
                        "Before you leave"
                    },
                    if v.pending > 0 {
                        format!("{} action(s) not saved: {}", v.pending, clean_line(why))
                    } else {
                        clean_line(why).into_owned()
                    },
                    hints(
                        v,
                        &[
                            (
                                Action::LeaveNow,
                                if v.pending > 0 {
                                    "leave (they are kept for the next console)"
                                } else {
                                    "leave"
                                },
                            ),
                            (Action::Stay, "stay"),
                        ],
                    ),
                ),
            };
            sized(frame, v, area, title, &[(text, v.theme.base)], keys, 40);
        }
        Mode::Unsaved(kept) => unsaved(frame, v, area, kept),
        Mode::Picker { selected, list } => picker(frame, v, area, list, *selected, now),
        Mode::Detail(detail) => super::sources::detail::draw(frame, v, area, detail, now),
        Mode::Palette { candidates, .. } if !candidates.is_empty() => {
            let height = (candidates.len() as u16).min(10) + 2;
            let r = Rect::new(
                area.x,
                area.bottom().saturating_sub(height + 1),
                area.width.min(60),
                height,
            );
            frame.render_widget(Clear, r);
            let lines: Vec<Line> = candidates
                .iter()
                .take(10)
                .map(|c| {
                    let word = c.split_whitespace().next().unwrap_or("");
                    let hint = palette::spec(word).filter(|_| c.trim() == word);
                    match hint {
                        Some(spec) => {
                            // The same vocabulary as the keys: say which key does it too.
                            let key = (spec.actions.iter())
                                .find(|a| !v.keymap.keys_for(**a).is_empty())
                                .map(|a| format!("  ({})", v.keymap.hint(*a)))
                                .unwrap_or_default();
                            Line::from(vec![
                                styled(format!("{c:<12}"), v.theme.base),
                                styled(format!("{:<14} {}", spec.args, spec.help), v.theme.muted),
                                styled(key, v.theme.key),
                            ])
                        }
                        None => Line::from(styled(c.clone(), v.theme.base)),
                    }
                })
                .collect();
            frame.render_widget(Paragraph::new(lines).block(popup(v, "Tab")), r);
        }
        _ => {}
    }
}

/// An earlier console's unsaved actions, each as it would be on the timeline, and why.
fn unsaved(frame: &mut Frame, v: &View, area: Rect, kept: &[crate::timeline::unsaved::Unsaved]) {
    let t = &v.theme;
    let from = kept
        .first()
        .map_or(String::new(), |u| u.recorded_at.format("%H:%M").to_string());
    let title = format!("{} unsaved action(s) from {from}Z — save them?", kept.len());
    let height = (kept.len() as u16 + 6).min(area.height.saturating_sub(2));
    let r = centered(area, 100, height);
    frame.render_widget(Clear, r);
    let mut lines = Vec::new();
    for u in kept {
        let e = u.event();
        let what = crate::timeline::describe::describe(&e.body);
        lines.push(Line::from(vec![
            styled(format!("{} ", u.recorded_at.format("%H:%M:%SZ")), t.muted),
            styled(format!("{} ", clean_line(&u.incident)), t.muted),
            styled(format!("{:<10} ", clean_line(&u.kind)), t.key),
            styled(clean_line(&what).into_owned(), t.base),
        ]));
    }
    if let Some(why) = kept.last().map(|u| u.why.as_str()) {
        lines.push(Line::from(styled(
            format!("not saved: {}", clean_line(why)),
            t.warn,
        )));
    }
    lines.push(Line::from(""));
    let mut keys = hints(
        v,
        &[
            (Action::SaveUnsaved, "save them"),
            (Action::DiscardUnsaved, "discard"),
        ],
    );
    keys.extend(hints(v, &[(Action::Close, "later")]));
    lines.push(Line::from(keys));
    let p = Paragraph::new(lines).wrap(ratatui::widgets::Wrap { trim: false });
    frame.render_widget(p.block(popup(v, &title)), r);
}

/// Key hints for an overlay, each action's key as the keymap has it now.
fn hints(v: &View, wanted: &[(Action, &str)]) -> Vec<Span<'static>> {
    let mut spans = Vec::new();
    for (action, label) in wanted {
        spans.push(styled(format!(" {} ", v.keymap.hint(*action)), v.theme.key));
        spans.push(styled(format!("{label}  "), v.theme.muted));
    }
    spans
}

/// A popup sized to its text: `body`'s paragraphs wrapped to its width (at least `min`, at
/// most 100 columns or the screen), a blank line, then `keys`, wrapped too. The keys always
/// show: on a short screen the body is cut (with `…`) rather than them. Returns the popup and
/// the line inside it where the keys start.
fn sized(
    frame: &mut Frame,
    v: &View,
    area: Rect,
    title: &str,
    body: &[(String, Style)],
    keys: Vec<Span<'static>>,
    min: u16,
) -> (Rect, u16) {
    let keys: Vec<(String, Style)> = keys
        .into_iter()
        .map(|s| (s.content.into_owned(), s.style))
        .collect();
    let keys_width: usize = keys.iter().map(|(s, _)| s.width()).sum();
    let widest = body
        .iter()
        .map(|(s, _)| s.width())
        .max()
        .unwrap_or(0)
        .max(keys_width);
    let width = (widest as u16 + 4).clamp(min, 100).min(area.width);
    let inner = usize::from(width.saturating_sub(2)).max(1);
    let mut lines: Vec<Line> = Vec::new();
    for (text, style) in body {
        lines.extend(
            wrap(text, inner)
                .into_iter()
                .map(|l| Line::from(styled(l, *style))),
        );
    }
    let keys: Vec<Line> = wrap::styled(&keys, inner).into_iter().map(Line::from).collect();
    let room = usize::from(area.height.saturating_sub(3)).saturating_sub(keys.len());
    if lines.len() > room {
        lines.truncate(room);
        if let Some(last) = lines.last_mut() {
            last.push_span(styled("…", v.theme.muted));
        }
    }
    let keys_at = lines.len() as u16 + 2;
    lines.push(Line::from(""));
    lines.extend(keys);
    let r = centered(area, width, lines.len() as u16 + 2);
    frame.render_widget(Clear, r);
    frame.render_widget(Paragraph::new(lines).block(popup(v, title)), r);
    (r, keys_at)
}

fn popup<'a>(v: &View, title: &str) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Double)
        .border_style(v.theme.focus_border)
        .title(Span::styled(format!(" {title} "), v.theme.title))
        .style(v.theme.base)
}

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [r] = Layout::horizontal([Constraint::Length(width.min(area.width))])
        .flex(Flex::Center)
        .areas(area);
    let [r] = Layout::vertical([Constraint::Length(height.min(area.height))])
        .flex(Flex::Center)
        .areas(r);
    r
}

/// Every binding, generated from the keymap, then the palette's commands.
fn help(frame: &mut Frame, v: &View, area: Rect, scroll: usize) {
    let r = centered(area, 100, area.height.saturating_sub(2));
    frame.render_widget(Clear, r);
    let t = &v.theme;
    let mut lines = vec![Line::from(styled(
        "Keys (remap them under [keys] in config.toml)",
        t.title,
    ))];
    // Without sources, their keys and commands would only be noise.
    let sources = !v.model.sources.is_empty();
    let source_scopes = [Scope::Sources, Scope::Findings, Scope::Backups];
    let rows: Vec<_> = (v.keymap.help_rows().into_iter())
        .filter(|(_, a)| sources || !source_scopes.contains(&a.scope()))
        .collect();
    let name_width = rows
        .iter()
        .map(|(_, a)| a.name().len())
        .max()
        .unwrap_or(0)
        .max(15);
    let mut scope = None;
    for (keys, action) in rows {
        if scope != Some(action.scope()) {
            scope = Some(action.scope());
            lines.push(Line::from(styled(
                format!("{:>16}  {}", "", action.scope().heading()),
                t.title,
            )));
        }
        let unavailable = action.writes() && v.opts.read_only;
        let spans = vec![
            styled(
                format!("{:>16}  ", if keys.is_empty() { "—".into() } else { keys }),
                t.key,
            ),
            styled(
                format!("{:<name_width$} ", action.name()),
                if unavailable { t.muted } else { t.base },
            ),
            styled(
                format!(
                    "{:<10}",
                    palette::command_of(action).map_or(String::new(), |c| format!(":{}", c.word))
                ),
                t.key,
            ),
            styled(action.help().to_string(), t.muted),
        ];
        lines.push(Line::from(spans));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(styled(
        "Commands (type : then Tab to complete)",
        t.title,
    )));
    // The sources pane's commands only where there are sources: those whose keys all work
    // there.
    let of_sources = |c: &Spec| {
        !c.actions.is_empty()
            && (c.actions.iter())
                .all(|a| matches!(a.scope(), Scope::Sources | Scope::Findings | Scope::Backups))
    };
    for c in palette::COMMANDS.iter().filter(|c| sources || !of_sources(c)) {
        lines.push(Line::from(vec![
            styled(format!("{:>16}  ", format!(":{}", c.word)), t.key),
            styled(format!("{:<15} ", c.args), t.base),
            styled(c.help.to_string(), t.muted),
        ]));
    }
    let inner_height = r.height.saturating_sub(2) as usize;
    let max_scroll = lines.len().saturating_sub(inner_height);
    let scroll = scroll.min(max_scroll) as u16;
    frame.render_widget(
        Paragraph::new(lines).scroll((scroll, 0)).block(popup(
            v,
            &format!(
                "Help · {}/{} scroll · any other key closes",
                v.keymap.hint(Action::Down),
                v.keymap.hint(Action::Up)
            ),
        )),
        r,
    );
}

fn picker(
    frame: &mut Frame,
    v: &View,
    area: Rect,
    list: &[crate::timeline::IncidentId],
    selected: usize,
    now: DateTime<Utc>,
) {
    let list: Vec<_> = list
        .iter()
        .filter_map(|id| v.model.projection.incident(id))
        .collect();
    let r = centered(area, 90, (list.len() as u16 + 5).min(area.height));
    frame.render_widget(Clear, r);
    let t = &v.theme;
    let mut lines = Vec::new();
    if list.is_empty() {
        lines.push(Line::from(styled("No open incidents.", t.muted)));
    }
    for (n, inc) in list.iter().enumerate() {
        let since = inc.milestones().declared.map_or(String::new(), |d| age(now - d));
        let line = Line::from(vec![
            styled(if n == selected { "› " } else { "  " }, t.focus_border),
            styled(
                format!(" {} ", inc.severity()),
                t.severity(inc.severity().level()),
            ),
            styled(format!(" {:<9} ", inc.status().as_str()), t.base),
            styled(format!("{:<20} ", inc.id), t.muted),
            styled(format!("{:>6}  ", since), t.muted),
            styled(clean_line(&inc.title).into_owned(), t.base),
        ]);
        lines.push(if n == selected {
            line.style(t.selection)
        } else {
            line
        });
    }
    lines.push(Line::from(""));
    let mut wanted = vec![(Action::Choose, "open")];
    if !v.opts.read_only {
        wanted.push((Action::Declare, "declare a new one"));
    }
    if v.panes.current.is_some() {
        wanted.push((Action::Close, "back"));
    }
    let keys = hints(v, &wanted);
    lines.push(Line::from(keys));
    frame.render_widget(Paragraph::new(lines).block(popup(v, "Incidents")), r);
}
