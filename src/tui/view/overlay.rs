//! What floats over the panes: help, the editor, a confirmation, the incident picker, the
//! palette's completions and the sources' detail views.

use super::{age, styled};
use crate::text::clean_line;
use crate::tui::action::Scope;
use crate::tui::app::{App, Mode};
use crate::tui::palette::COMMANDS;
use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph};

pub fn draw(frame: &mut Frame, app: &App, area: Rect, now: DateTime<Utc>) {
    match &app.mode {
        Mode::Help => help(frame, app, area),
        Mode::Editor(editor) => {
            let r = centered(area, 76, 14);
            frame.render_widget(Clear, r);
            let keys = if editor.closing {
                vec![
                    styled(" Keep this as a draft? ", app.theme.warn),
                    styled(" y ", app.theme.key),
                    styled("keep  ", app.theme.muted),
                    styled(" d ", app.theme.key),
                    styled("discard  ", app.theme.muted),
                    styled(" esc ", app.theme.key),
                    styled("back to writing ", app.theme.muted),
                ]
            } else {
                vec![
                    styled(" ctrl-s ", app.theme.key),
                    styled("save  ", app.theme.muted),
                    styled(" esc ", app.theme.key),
                    styled("close ", app.theme.muted),
                ]
            };
            let title = match &editor.incident {
                Some(id) => format!("{} · {id}", editor.kind.title()),
                None => editor.kind.title(),
            };
            let block = popup(app, &title).title_bottom(Line::from(keys));
            let inner = block.inner(r);
            frame.render_widget(block, r);
            frame.render_widget(&editor.area, inner);
        }
        Mode::Confirm(c) => {
            let r = centered(area, (c.prompt.chars().count() as u16 + 6).max(34), 5);
            frame.render_widget(Clear, r);
            let text = vec![
                Line::from(styled(clean_line(&c.prompt).into_owned(), app.theme.base)),
                Line::from(""),
                Line::from(vec![
                    styled(" y ", app.theme.key),
                    styled("yes   ", app.theme.muted),
                    styled(" n ", app.theme.key),
                    styled("no", app.theme.muted),
                ]),
            ];
            frame.render_widget(Paragraph::new(text).block(popup(app, "Confirm")), r);
        }
        Mode::Leaving(leaving) => {
            let (title, text, keys) = match &leaving.failing {
                None => (
                    "Leaving",
                    format!("Saving {} action(s) before leaving…", app.pending),
                    vec![styled(" esc ", app.theme.key), styled("stay", app.theme.muted)],
                ),
                Some(why) => (
                    "Not saved yet",
                    if app.pending > 0 {
                        format!("{} action(s) not saved: {}", app.pending, clean_line(why))
                    } else {
                        clean_line(why).into_owned()
                    },
                    vec![
                        styled(" L ", app.theme.key),
                        styled(
                            if app.pending > 0 {
                                "leave and lose them   "
                            } else {
                                "leave   "
                            },
                            app.theme.muted,
                        ),
                        styled(" esc ", app.theme.key),
                        styled("stay", app.theme.muted),
                    ],
                ),
            };
            let r = centered(area, (text.chars().count() as u16 + 6).clamp(40, 100), 5);
            frame.render_widget(Clear, r);
            let lines = vec![
                Line::from(styled(text, app.theme.base)),
                Line::from(""),
                Line::from(keys),
            ];
            let p = Paragraph::new(lines).wrap(ratatui::widgets::Wrap { trim: true });
            frame.render_widget(p.block(popup(app, title)), r);
        }
        Mode::Picker { selected } => picker(frame, app, area, *selected, now),
        Mode::Detail(detail) => super::sources::detail::draw(frame, app, area, detail, now),
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
                    let hint = COMMANDS.iter().find(|(w, _, _)| *w == word && c.trim() == word);
                    match hint {
                        Some((_, args, what)) => Line::from(vec![
                            styled(format!("{c:<12}"), app.theme.base),
                            styled(format!("{args:<14} {what}"), app.theme.muted),
                        ]),
                        None => Line::from(styled(c.clone(), app.theme.base)),
                    }
                })
                .collect();
            frame.render_widget(Paragraph::new(lines).block(popup(app, "Tab")), r);
        }
        _ => {}
    }
}

fn popup<'a>(app: &App, title: &str) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Double)
        .border_style(app.theme.focus_border)
        .title(Span::styled(format!(" {title} "), app.theme.title))
        .style(app.theme.base)
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
fn help(frame: &mut Frame, app: &App, area: Rect) {
    let r = centered(area, 84, area.height.saturating_sub(2));
    frame.render_widget(Clear, r);
    let t = &app.theme;
    let mut lines = vec![Line::from(styled(
        "Keys (remap them under [keys] in config.toml)",
        t.title,
    ))];
    // Without sources, their keys and commands would only be noise.
    let sources = !app.sources.is_empty();
    let rows: Vec<_> = (app.keymap.help_rows().into_iter())
        .filter(|(_, a)| sources || a.scope() == Scope::Global)
        .collect();
    let name_width = rows
        .iter()
        .map(|(_, a)| a.name().len())
        .max()
        .unwrap_or(0)
        .max(15);
    for (keys, action) in rows {
        let unavailable = action.writes() && app.opts.read_only;
        lines.push(Line::from(vec![
            styled(
                format!("{:>16}  ", if keys.is_empty() { "—".into() } else { keys }),
                t.key,
            ),
            styled(
                format!("{:<name_width$} ", action.name()),
                if unavailable { t.muted } else { t.base },
            ),
            styled(action.help().to_string(), t.muted),
        ]));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(styled(
        "Commands (type : then Tab to complete)",
        t.title,
    )));
    let commands = COMMANDS.iter();
    for (word, args, what) in commands.filter(|(w, _, _)| sources || !matches!(*w, "sources" | "finding")) {
        lines.push(Line::from(vec![
            styled(format!("{:>16}  ", format!(":{word}")), t.key),
            styled(format!("{args:<15} "), t.base),
            styled(what.to_string(), t.muted),
        ]));
    }
    let inner_height = r.height.saturating_sub(2) as usize;
    let max_scroll = lines.len().saturating_sub(inner_height);
    let scroll = app.help_scroll.min(max_scroll) as u16;
    frame.render_widget(
        Paragraph::new(lines)
            .scroll((scroll, 0))
            .block(popup(app, "Help · j/k scroll · any other key closes")),
        r,
    );
}

fn picker(frame: &mut Frame, app: &App, area: Rect, selected: usize, now: DateTime<Utc>) {
    let list = app.picker_incidents();
    let r = centered(area, 90, (list.len() as u16 + 5).min(area.height));
    frame.render_widget(Clear, r);
    let t = &app.theme;
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
    let mut keys = vec![styled(" enter ", t.key), styled("open  ", t.muted)];
    if !app.opts.read_only {
        keys.extend([styled(" D ", t.key), styled("declare a new one  ", t.muted)]);
    }
    if app.current.is_some() {
        keys.extend([styled(" esc ", t.key), styled("back", t.muted)]);
    }
    lines.push(Line::from(keys));
    frame.render_widget(Paragraph::new(lines).block(popup(app, "Incidents")), r);
}
