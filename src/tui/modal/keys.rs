//! How each modal takes its keys. A modal handles a key on its own state (a scroll, a cursor,
//! the text typed) and answers with an [`Outcome`]: it stays, it closes, or it closes and asks
//! the console for [`Step`]s — each carrying what the modal captured when it opened, so a
//! command, a yes or a draft lands on the incident it was meant for. The console's dispatcher
//! (`App::on_key`) is the only place that changes the mode.

use super::{Confirm, Editor, Leaving, Mode};
use crate::timeline::IncidentId;
use crate::tui::action::{Action, Scope};
use crate::tui::input::LineInput;
use crate::tui::keymap::Keymap;
use crate::tui::palette::{self, Command, Vocabulary};
use crate::tui::refs::{Detail, Find, FindingRef};
use ratatui::crossterm::event::{KeyCode, KeyEvent};

/// What a key did to a modal.
pub enum Outcome {
    /// The modal stays open (its own state may have changed).
    Stay,
    /// It stays open, and the console does these too (a filter applies as it is typed).
    StayAnd(Vec<Step>),
    /// It closes.
    Close,
    /// It closes, then the console does these (which may open another modal).
    Then(Vec<Step>),
}

/// What a modal asks of the console.
pub enum Step {
    Say(String),
    Fail(String),
    /// A palette command, on the incident the palette was opened on.
    Run {
        command: Command,
        incident: Option<IncidentId>,
    },
    /// A yes: checked against the state as it is now, then carried out.
    Confirmed(Confirm),
    /// The editor's text, saved on its incident (the editor opens again if it cannot be).
    Save(Box<Editor>),
    /// A note on a finding, written in the editor.
    FindingNote {
        finding: FindingRef,
        incident: Option<IncidentId>,
        text: String,
    },
    KeepDraft(Box<Editor>),
    /// Switch to an incident chosen in the picker.
    Switch(IncidentId),
    /// Leave with the same care as `q` (saves in flight, drafts).
    Quit,
    /// Leave now, knowing what is lost.
    LeaveNow,
    /// The name the responder at a shared login gave.
    Identified(String),
    /// Save or discard the actions an earlier console could not save.
    Unsaved {
        save: bool,
    },
    /// Open the palette with this text.
    Palette(String),
    /// Search or filter the timeline, or filter the sources pane's view, by this text.
    Filter {
        target: Find,
        text: String,
    },
    /// The status update being written is for this audience now.
    Audience(crate::timeline::Audience),
    /// A finding's action from its detail view; the view opens again unless the action opened
    /// something else (a confirmation, the note editor).
    FindingAction {
        action: Action,
        finding: FindingRef,
        back: Detail,
    },
}

/// What a modal may know of the console when it handles a key.
pub struct Context<'a> {
    pub keymap: &'a Keymap,
    /// Rows in a page (page up and down).
    pub page: usize,
    pub read_only: bool,
    /// An incident is on screen (the picker can close back to it).
    pub has_incident: bool,
    /// What the palette completes from: given only for a Tab in the palette.
    pub vocabulary: Option<Vocabulary>,
    /// How far the detail view on screen can scroll.
    pub detail_max: usize,
}

/// What the Unsaved offer says when it is put off.
pub const UNSAVED_LATER: &str = "Kept for later: the next console (or `warroom unsaved`) offers them again.";

impl Mode {
    /// The key `key` (`ctrl_c` when it is ctrl-c) in this modal.
    pub fn on_key(&mut self, key: KeyEvent, ctrl_c: bool, cx: &Context) -> Outcome {
        match self {
            Mode::Normal => Outcome::Stay,
            Mode::Help { scroll } => help(scroll, &key, cx),
            Mode::Palette { .. } if ctrl_c => Outcome::Close,
            Mode::Palette {
                input,
                candidates,
                error,
                incident,
            } => match key.code {
                KeyCode::Esc => Outcome::Close,
                KeyCode::Enter => match palette::parse(input.text()) {
                    Ok(command) => Outcome::Then(vec![Step::Run {
                        command,
                        incident: incident.clone(),
                    }]),
                    Err(e) => {
                        candidates.clear();
                        *error = Some(e);
                        Outcome::Stay
                    }
                },
                KeyCode::Tab => {
                    let vocabulary = cx.vocabulary.clone().unwrap_or_default();
                    let options = palette::complete(input.text(), &vocabulary);
                    match options.as_slice() {
                        [one] => input.set(one),
                        [] => {}
                        many => {
                            if let Some(p) = palette::common_prefix(many)
                                && p.len() > input.text().len()
                            {
                                input.set(&p);
                            }
                        }
                    }
                    *candidates = if options.len() > 1 { options } else { Vec::new() };
                    *error = None;
                    Outcome::Stay
                }
                _ => {
                    if input.edit(&key) {
                        candidates.clear();
                        *error = None;
                    }
                    Outcome::Stay
                }
            },
            Mode::Filter { target, .. } if ctrl_c || key.code == KeyCode::Esc => {
                Outcome::Then(vec![Step::Filter {
                    target: *target,
                    text: String::new(),
                }])
            }
            Mode::Filter { .. } if key.code == KeyCode::Enter => Outcome::Close,
            Mode::Filter { input, target } => {
                input.edit(&key);
                Outcome::StayAnd(vec![Step::Filter {
                    target: *target,
                    text: input.text().to_string(),
                }])
            }
            Mode::Editor(editor) => on_editor_key(editor, key, ctrl_c, cx),
            Mode::Confirm(_) if ctrl_c => Outcome::Then(vec![Step::Say("Cancelled.".into())]),
            // Typing the reason: enter says yes with it, esc goes back to the question.
            Mode::Confirm(c) if c.reason.is_some() => match key.code {
                KeyCode::Enter => Outcome::Then(vec![Step::Confirmed(c.clone())]),
                KeyCode::Esc => {
                    c.reason = None;
                    Outcome::Stay
                }
                _ => {
                    if let Some(input) = &mut c.reason {
                        input.edit(&key);
                    }
                    Outcome::Stay
                }
            },
            Mode::Confirm(c) => match cx.keymap.overlay_action(&key, Scope::Confirm) {
                Some(Action::Yes) => Outcome::Then(vec![Step::Confirmed(c.clone())]),
                Some(Action::No | Action::Close) => Outcome::Then(vec![Step::Say("Cancelled.".into())]),
                Some(Action::WithReason) if c.intent.takes_reason() => {
                    c.reason = Some(LineInput::new(""));
                    Outcome::Stay
                }
                _ => Outcome::Stay,
            },
            // Nothing happens on a shared login until the responder says who they are.
            Mode::Identify { .. } if ctrl_c || key.code == KeyCode::Esc => {
                Outcome::Then(vec![Step::LeaveNow])
            }
            Mode::Identify { input, error } if key.code == KeyCode::Enter => {
                match crate::timeline::Author::check_name(input.text()) {
                    Ok(()) => Outcome::Then(vec![Step::Identified(input.text().trim().to_string())]),
                    Err(e) => {
                        *error = Some(e);
                        Outcome::Stay
                    }
                }
            }
            Mode::Identify { input, error } => {
                if input.edit(&key) {
                    *error = None;
                }
                Outcome::Stay
            }
            Mode::Picker { .. } if ctrl_c && cx.has_incident => Outcome::Close,
            Mode::Picker { selected, list } => picker(selected, list, &key, ctrl_c, cx),
            Mode::Detail(_) if ctrl_c => Outcome::Close,
            Mode::Detail(detail) => on_detail_key(detail, &key, cx),
            Mode::Leaving(leaving) => on_leaving_key(leaving, &key, cx),
            Mode::Unsaved(kept) => match cx.keymap.overlay_action(&key, Scope::Unsaved) {
                Some(Action::SaveUnsaved) if !cx.read_only => Outcome::Then(vec![
                    Step::Say(format!("Saving {} action(s)…", kept.len())),
                    Step::Unsaved { save: true },
                ]),
                Some(Action::DiscardUnsaved) => Outcome::Then(vec![
                    Step::Say(format!("Discarded {} unsaved action(s).", kept.len())),
                    Step::Unsaved { save: false },
                ]),
                Some(Action::Close) => Outcome::Then(vec![Step::Say(UNSAVED_LATER.into())]),
                _ if ctrl_c => Outcome::Then(vec![Step::Say(UNSAVED_LATER.into())]),
                _ => Outcome::Stay,
            },
        }
    }
}

/// Help scrolls with the moving keys; any other key closes it.
fn help(scroll: &mut usize, key: &KeyEvent, cx: &Context) -> Outcome {
    match cx.keymap.overlay_action(key, Scope::Overlay) {
        Some(Action::Down) => *scroll += 1,
        Some(Action::Up) => *scroll = scroll.saturating_sub(1),
        Some(Action::PageDown) => *scroll += cx.page,
        Some(Action::PageUp) => *scroll = scroll.saturating_sub(cx.page),
        Some(Action::HalfPageDown) => *scroll += cx.page / 2,
        Some(Action::HalfPageUp) => *scroll = scroll.saturating_sub(cx.page / 2),
        Some(Action::Top) => *scroll = 0,
        Some(Action::Bottom) => *scroll = usize::MAX / 2, // the overlay clamps it
        _ => return Outcome::Close,
    }
    Outcome::Stay
}

fn picker(selected: &mut usize, list: &[IncidentId], key: &KeyEvent, ctrl_c: bool, cx: &Context) -> Outcome {
    let last = list.len().saturating_sub(1);
    let global = cx.keymap.action_for(key);
    match cx.keymap.overlay_action(key, Scope::Picker) {
        Some(Action::Down) => *selected = (*selected + 1).min(last),
        Some(Action::Up) => *selected = selected.saturating_sub(1),
        Some(Action::PageDown) => *selected = (*selected + cx.page).min(last),
        Some(Action::PageUp) => *selected = selected.saturating_sub(cx.page),
        Some(Action::HalfPageDown) => *selected = (*selected + cx.page / 2).min(last),
        Some(Action::HalfPageUp) => *selected = selected.saturating_sub(cx.page / 2),
        Some(Action::Top) => *selected = 0,
        Some(Action::Bottom) => *selected = last,
        Some(Action::Choose) => {
            let chosen = list.get(*selected).cloned();
            return Outcome::Then(chosen.map(Step::Switch).into_iter().collect());
        }
        Some(Action::Close) if cx.has_incident => return Outcome::Close,
        // With no incident to go back to, the picker is the console: its quit key quits.
        _ if global == Some(Action::Quit) && !ctrl_c => return Outcome::Then(vec![Step::Quit]),
        _ if global == Some(Action::Declare) && !cx.read_only => {
            return Outcome::Then(vec![Step::Palette(palette::declaring())]);
        }
        _ => {}
    }
    Outcome::Stay
}

/// Keys in the editor. Esc (or ctrl-c) with something written asks whether to keep it as a
/// draft; a reflexive second Esc goes back to writing, so nothing is lost to a reflex.
fn on_editor_key(editor: &mut Editor, key: KeyEvent, ctrl_c: bool, cx: &Context) -> Outcome {
    if editor.closing {
        editor.closing = false;
        return match cx.keymap.action_only(&key, Scope::Draft) {
            Some(Action::KeepDraft) => Outcome::Then(vec![
                Step::KeepDraft(Box::new(editor.clone())),
                Step::Say("Draft kept: open the editor again to go on.".into()),
            ]),
            Some(Action::DiscardDraft) => Outcome::Then(vec![Step::Say("Discarded.".into())]),
            _ => Outcome::Stay, // back to writing
        };
    }
    let action = cx.keymap.action_only(&key, Scope::Editor);
    if action == Some(Action::CloseEditor) || ctrl_c {
        if !editor.is_touched() {
            return Outcome::Close;
        }
        editor.closing = true;
        return Outcome::Stay;
    }
    if action == Some(Action::NextAudience)
        && let super::EditorKind::StatusUpdate { audience } = &editor.kind
    {
        return Outcome::StayAnd(vec![Step::Audience(audience.next())]);
    }
    if action != Some(Action::Save) {
        editor.area.input(key);
        return Outcome::Stay;
    }
    if let super::EditorKind::FindingNote { finding, .. } = &editor.kind {
        let text = editor.text().trim().to_string();
        if let Some(problem) = crate::tui::sources_ui::note_problem(&text) {
            return Outcome::StayAnd(vec![Step::Fail(problem)]);
        }
        return Outcome::Then(vec![Step::FindingNote {
            finding: finding.clone(),
            incident: editor.incident.clone(),
            text,
        }]);
    }
    Outcome::Then(vec![Step::Save(Box::new(editor.clone()))])
}

/// Keys over a detail view: scroll, close, and on a finding its actions.
fn on_detail_key(detail: &mut Detail, key: &KeyEvent, cx: &Context) -> Outcome {
    let max = cx.detail_max;
    let back = detail.clone();
    let scroll = detail.scroll_mut();
    let open = cx.keymap.action_in(key, &[Scope::Global]) == Some(Action::Open);
    match cx.keymap.overlay_action(key, Scope::Overlay) {
        Some(Action::Close) => return Outcome::Close,
        _ if open => return Outcome::Close, // the key that opened it closes it
        Some(Action::Down) => *scroll = (*scroll + 1).min(max),
        Some(Action::Up) => *scroll = scroll.saturating_sub(1).min(max),
        Some(Action::PageDown) => *scroll = (*scroll + cx.page).min(max),
        Some(Action::PageUp) => *scroll = scroll.saturating_sub(cx.page).min(max),
        Some(Action::HalfPageDown) => *scroll = (*scroll + cx.page / 2).min(max),
        Some(Action::HalfPageUp) => *scroll = scroll.saturating_sub(cx.page / 2).min(max),
        Some(Action::Top) => *scroll = 0,
        Some(Action::Bottom) => *scroll = max,
        _ => {
            let action = cx.keymap.action_in(key, &[Scope::Findings]);
            if let (Detail::Finding { finding, .. }, Some(action)) = (&back, action)
                && action.scope() == Scope::Findings
                && action != Action::SortFindings
            {
                if action.writes() && cx.read_only {
                    let said = format!("Read-only console: `{action}` is not available.");
                    return Outcome::StayAnd(vec![Step::Fail(said)]);
                }
                return Outcome::Then(vec![Step::FindingAction {
                    action,
                    finding: finding.clone(),
                    back: back.clone(),
                }]);
            }
        }
    }
    Outcome::Stay
}

/// Keys while waiting to leave: the console leaves by itself once the saves are durable.
fn on_leaving_key(leaving: &Leaving, key: &KeyEvent, cx: &Context) -> Outcome {
    match cx.keymap.action_only(key, Scope::Leaving) {
        // Leave now, knowing what is lost (or only spooled): said on the screen first.
        Some(Action::LeaveNow) if leaving.failing.is_some() => Outcome::Then(vec![Step::LeaveNow]),
        Some(Action::Stay) => Outcome::Then(vec![Step::Say("Staying.".into())]),
        _ => Outcome::Stay,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::input::LineInput;
    use ratatui::crossterm::event::KeyModifiers;

    fn key(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
    }

    fn code(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    fn cx(keymap: &Keymap) -> Context<'_> {
        Context {
            keymap,
            page: 10,
            read_only: false,
            has_incident: true,
            vocabulary: None,
            detail_max: 0,
        }
    }

    #[test]
    fn help_keeps_its_own_scroll_and_any_other_key_closes_it() {
        let keymap = Keymap::default();
        let mut help = Mode::Help { scroll: 0 };
        assert!(matches!(
            help.on_key(key('j'), false, &cx(&keymap)),
            Outcome::Stay
        ));
        assert!(matches!(
            help.on_key(code(KeyCode::PageDown), false, &cx(&keymap)),
            Outcome::Stay
        ));
        assert!(matches!(help, Mode::Help { scroll: 11 }));
        assert!(matches!(
            help.on_key(key('x'), false, &cx(&keymap)),
            Outcome::Close
        ));
    }

    #[test]
    fn the_palette_runs_its_command_on_the_incident_it_was_opened_on() {
        let keymap = Keymap::default();
        let opened_on = Some(IncidentId("INC-A".into()));
        let mut palette = Mode::Palette {
            input: LineInput::new("sev 9"),
            candidates: Vec::new(),
            error: None,
            incident: opened_on.clone(),
        };
        // A bad command stays, saying why.
        assert!(matches!(
            palette.on_key(code(KeyCode::Enter), false, &cx(&keymap)),
            Outcome::Stay
        ));
        assert!(matches!(&palette, Mode::Palette { error: Some(_), .. }));
        let Mode::Palette { input, .. } = &mut palette else {
            unreachable!()
        };
        input.set("sev 2");
        match palette.on_key(code(KeyCode::Enter), false, &cx(&keymap)) {
            Outcome::Then(steps) => match steps.as_slice() {
                [Step::Run { incident, .. }] => assert_eq!(*incident, opened_on),
                _ => panic!("one command"),
            },
            _ => panic!("the palette closes and runs its command"),
        }
    }

    #[test]
    fn the_filter_applies_as_typed_to_its_own_target_and_esc_clears_it() {
        let keymap = Keymap::default();
        let mut filter = Mode::Filter {
            input: LineInput::new("db"),
            target: Find::Sources,
        };
        match filter.on_key(key('x'), false, &cx(&keymap)) {
            Outcome::StayAnd(steps) => match steps.as_slice() {
                [
                    Step::Filter {
                        target: Find::Sources,
                        text,
                    },
                ] => assert_eq!(text, "dbx"),
                _ => panic!("one filter step"),
            },
            _ => panic!("the filter stays open"),
        }
        match filter.on_key(code(KeyCode::Esc), false, &cx(&keymap)) {
            Outcome::Then(steps) => match steps.as_slice() {
                [
                    Step::Filter {
                        target: Find::Sources,
                        text,
                    },
                ] => assert!(text.is_empty()),
                _ => panic!("one filter step"),
            },
            _ => panic!("Esc closes the filter and clears it"),
        }
    }
}
