//! The console's state and its update function. `App::update` takes a message and the time,
//! changes the state and returns the effects to carry out (append, export, notify, quit); it
//! does no I/O, so every key and every store event can be tested without a terminal.
//!
//! A console never changes incident state itself: actions become events that are appended,
//! and the state changes when they come back from the store, as they do in every other console.

use super::action::{Action, Scope};
use super::feed::{Feed, Filter, Interner, Row};
use super::input::LineInput;
use super::keymap::Keymap;
use super::layout::{Pane, layout};
use super::notify::{Notification, NotifyConfig, notification_for};
use super::palette::{self, Command, Vocabulary};
use super::sources_ui::{Detail, FindingRef, SourceSettings, SourcesUi, note_problem};
use super::theme::Theme;
use crate::export::Format;
use crate::incident::runbook::{self, Runbook};
use crate::incident::{Declaration, Incident, Projection};
use crate::timeline::{Audience, Author, Briefing, Event, EventBody, IncidentId, NewEvent, Severity, Status};
use chrono::{DateTime, Duration, Utc};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseEvent, MouseEventKind};
use ratatui::layout::{Position, Rect};
use ratatui_textarea::TextArea;
use std::collections::HashMap;

/// What the loop feeds the app.
#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Paste(String),
    Resize(u16, u16),
    /// The once-a-second clock.
    Tick,
    /// The facilitator's next inject is due.
    DrillDue,
    /// An event read back from the store (ours or anyone's).
    Stored(Box<Event>),
    /// Appends that are now durable.
    Saved(usize),
    /// An append failed; it is being retried.
    SaveFailed(String),
    Exported(Result<String, String>),
    /// What a source's poller saw (or failed to).
    Source(Box<crate::sources::Observation>),
}

/// What the loop must do for the app.
#[derive(Debug)]
pub enum Effect {
    Append(Vec<NewEvent>),
    Export {
        incident: IncidentId,
        format: Format,
    },
    Notify(Notification),
    /// Ask a Security Hub source to change findings (BatchUpdateFindings).
    UpdateFindings {
        source: String,
        update: crate::sources::FindingUpdate,
    },
    Quit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeMode {
    Utc,
    Local,
    Offset,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditorKind {
    Note,
    Decision,
    StatusUpdate,
    Handoff {
        to: String,
    },
    /// A note on a Security Hub finding, sent to the service (and recorded on the timeline).
    FindingNote {
        finding: FindingRef,
        /// Cleaned and short, for the editor's title.
        title: String,
    },
}

impl EditorKind {
    pub fn title(&self) -> String {
        match self {
            EditorKind::Note => "Note".into(),
            EditorKind::Decision => "Decision (first line: the decision; the rest: why)".into(),
            EditorKind::StatusUpdate => "Status update".into(),
            EditorKind::Handoff { to } => format!("Hand off command to {to}: briefing"),
            EditorKind::FindingNote { title, .. } => format!("Note on the finding “{title}”"),
        }
    }
}

pub struct Editor {
    pub kind: EditorKind,
    pub area: TextArea<'static>,
}

/// A risky action waiting for a yes.
#[derive(Debug, Clone)]
pub struct Confirm {
    pub prompt: String,
    pub then: Then,
}

/// What a yes does.
#[derive(Debug, Clone)]
pub enum Then {
    Append(Vec<NewEvent>),
    UpdateFindings {
        source: String,
        update: crate::sources::FindingUpdate,
    },
}

pub enum Mode {
    Normal,
    Help,
    Palette {
        input: LineInput,
        candidates: Vec<String>,
        error: Option<String>,
    },
    Filter(LineInput),
    Editor(Box<Editor>),
    Confirm(Confirm),
    Picker {
        selected: usize,
    },
    /// A finding or a search's results, over the panes.
    Detail(Detail),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlashKind {
    Info,
    Error,
}

/// A message under the panes for a few seconds.
#[derive(Debug, Clone)]
pub struct Flash {
    pub text: String,
    pub kind: FlashKind,
    pub until: DateTime<Utc>,
}

/// How this console was started.
#[derive(Debug, Clone)]
pub struct Options {
    pub me: Author,
    pub read_only: bool,
    pub store_name: String,
    pub notify: NotifyConfig,
}

pub struct App {
    pub projection: Projection,
    pub feeds: HashMap<IncidentId, Feed>,
    interner: Interner,
    pub current: Option<IncidentId>,
    pub focus: Pane,
    pub zoomed: bool,
    pub mode: Mode,
    pub time_mode: TimeMode,
    /// Keep the newest timeline row in view.
    pub follow: bool,
    /// Timeline rows scrolled up from the bottom.
    pub scroll: usize,
    pub roster_selected: usize,
    pub checklist_selected: usize,
    pub help_scroll: usize,
    pub keymap: Keymap,
    pub theme: Theme,
    pub themes: Vec<String>,
    pub runbooks: Vec<Runbook>,
    pub opts: Options,
    /// Appends sent and not yet durable.
    pub pending: usize,
    pub save_error: Option<String>,
    /// The store's link and offline spool, refreshed by the loop (the header shows them).
    pub store_health: crate::timeline::StoreHealth,
    pub flash: Option<Flash>,
    pub size: (u16, u16),
    /// After the initial load: live events may notify.
    live: bool,
    /// Something changed since the last frame.
    pub dirty: bool,
    /// The configured sources: newest snapshots, health, series.
    pub sources: crate::sources::view::SourceViews,
    /// Turns observations into signals (none until sources are set).
    pub(super) detector: Option<crate::sources::signals::Detector>,
    /// The sources pane: view, selections, sort, filters.
    pub sources_ui: SourcesUi,
    /// What the sources pane needs from the configuration (thresholds, backup staleness).
    pub source_settings: SourceSettings,
    /// The filter being typed applies to the sources pane, not the timeline.
    filter_sources: bool,
    /// In the facilitator's console (`warroom drill run`): the drill being played.
    pub drill: Option<crate::drill::facilitator::Facilitator>,
    /// The facilitator sees the MSEL where the metrics would be (`:msel` switches).
    pub show_msel: bool,
}

impl App {
    pub fn new(opts: Options, keymap: Keymap, theme: Theme, runbooks: Vec<Runbook>) -> App {
        App {
            projection: Projection::new(),
            feeds: HashMap::new(),
            interner: Interner::default(),
            current: None,
            focus: Pane::Timeline,
            zoomed: false,
            mode: Mode::Normal,
            time_mode: TimeMode::Utc,
            follow: true,
            scroll: 0,
            roster_selected: 0,
            checklist_selected: 0,
            help_scroll: 0,
            keymap,
            theme,
            themes: Vec::new(),
            runbooks,
            opts,
            pending: 0,
            save_error: None,
            store_health: Default::default(),
            flash: None,
            size: (80, 24),
            live: false,
            dirty: true,
            sources: Default::default(),
            detector: None,
            sources_ui: SourcesUi::default(),
            source_settings: SourceSettings::default(),
            filter_sources: false,
            drill: None,
            show_msel: true,
        }
    }

    /// The initial load is done: choose the incident to show, and let live events notify.
    pub fn start(&mut self) {
        self.live = true;
        let open: Vec<IncidentId> = self.open_incidents().map(|i| i.id.clone()).collect();
        match open.as_slice() {
            [one] => self.current = Some(one.clone()),
            [] => self.current = None,
            _ => self.mode = Mode::Picker { selected: 0 },
        }
        self.dirty = true;
    }

    pub fn incident(&self) -> Option<&Incident> {
        self.current.as_ref().and_then(|id| self.projection.incident(id))
    }

    pub fn feed(&self) -> Option<&Feed> {
        self.current.as_ref().and_then(|id| self.feeds.get(id))
    }

    pub fn open_incidents(&self) -> impl Iterator<Item = &Incident> {
        self.projection.open_incidents().filter(|i| i.declared)
    }

    /// Incidents offered by the picker: the open ones, newest first, then the current one if closed.
    pub fn picker_incidents(&self) -> Vec<&Incident> {
        let mut list: Vec<&Incident> = self.open_incidents().collect();
        list.reverse();
        if let Some(cur) = self.incident()
            && !cur.is_open()
        {
            list.push(cur);
        }
        list
    }

    pub fn update(&mut self, msg: Msg, now: DateTime<Utc>) -> Vec<Effect> {
        let mut fx = Vec::new();
        match msg {
            Msg::Key(key) if key.kind != KeyEventKind::Release => {
                if self.on_key(key, now, &mut fx) {
                    self.dirty = true;
                }
            }
            Msg::Key(_) => {}
            Msg::Mouse(m) => self.on_mouse(m, now),
            Msg::Paste(s) => {
                self.on_paste(&s);
                self.dirty = true;
            }
            Msg::Resize(w, h) => {
                self.size = (w, h);
                self.dirty = true;
            }
            Msg::Tick => {
                if self.flash.as_ref().is_some_and(|f| f.until <= now) {
                    self.flash = None;
                }
                self.drill_tick(now, &mut fx);
                self.dirty = true; // the clocks moved
            }
            Msg::DrillDue => self.drill_tick(now, &mut fx),
            Msg::Stored(e) => self.ingest(*e, &mut fx),
            Msg::Saved(n) => {
                self.pending = self.pending.saturating_sub(n);
                self.save_error = None;
                self.dirty = true;
            }
            Msg::SaveFailed(err) => {
                self.save_error = Some(err);
                self.dirty = true;
            }
            Msg::Exported(Ok(path)) => self.say(format!("Report written to {path}"), now),
            Msg::Exported(Err(e)) => self.fail(format!("Export failed: {e}"), now),
            Msg::Source(o) => self.observe(*o, now, &mut fx),
        }
        fx
    }

    /// Fold a stored event into every view.
    pub fn ingest(&mut self, e: Event, fx: &mut Vec<Effect>) {
        let incident = e.incident.clone();
        let before = self.projection.incident(&incident);
        if self.live {
            let drill = before.is_some_and(|i| i.drill);
            let severity = before.map(Incident::severity);
            if let Some(n) = notification_for(&e, severity, &self.opts.me, &self.opts.notify, drill) {
                fx.push(Effect::Notify(n));
            }
        }
        let open_drill = self
            .projection
            .incident(&incident)
            .is_some_and(|i| i.drill && i.is_open());
        match &e.body {
            EventBody::DrillInject { .. } if open_drill => self.drill_inject(&e),
            EventBody::FindingUpdated {
                source,
                findings,
                workflow: Some(workflow),
                ..
            } if open_drill => {
                self.sources.apply_drill_workflow(source, findings, workflow);
            }
            _ => {}
        }
        self.drill_observe(&e);
        let declared = matches!(e.body, EventBody::IncidentDeclared { .. });
        let mine = e.author == self.opts.me;
        // A hidden inject is the facilitator's: players' timelines never show it.
        let hidden = matches!(e.body, EventBody::DrillInject { hidden: true, .. }) && self.drill.is_none();
        let row = (!hidden).then(|| Row::from_event(&e, &mut self.interner));
        self.projection.apply(e);
        let is_current = self.current.as_ref() == Some(&incident);
        let feed = self.feeds.entry(incident.clone()).or_default();
        let shown = row.is_some();
        if let Some(row) = row {
            feed.push(row);
        }
        if shown && is_current && !self.follow {
            self.scroll += 1; // keep the rows being read in place
        }
        // An incident I just declared, or the first one declared, becomes the one on screen.
        if self.live && declared && (mine || self.current.is_none()) {
            self.switch_to(incident);
        }
        self.dirty = true;
    }

    fn switch_to(&mut self, id: IncidentId) {
        self.current = Some(id);
        self.scroll = 0;
        self.follow = true;
        self.checklist_selected = 0;
        self.roster_selected = 0;
        if matches!(self.mode, Mode::Picker { .. }) {
            self.mode = Mode::Normal;
        }
    }

    pub(super) fn say(&mut self, text: String, now: DateTime<Utc>) {
        self.flash = Some(Flash {
            text,
            kind: FlashKind::Info,
            until: now + Duration::seconds(4),
        });
        self.dirty = true;
    }

    pub(super) fn fail(&mut self, text: String, now: DateTime<Utc>) {
        self.flash = Some(Flash {
            text,
            kind: FlashKind::Error,
            until: now + Duration::seconds(8),
        });
        self.dirty = true;
    }

    fn me(&self) -> String {
        self.opts.me.short().to_string()
    }

    /// A new event for the incident on screen, by the person at this console.
    fn event(&self, body: EventBody) -> Option<NewEvent> {
        let id = self.current.clone()?;
        Some(NewEvent::new(id, self.opts.me.clone(), body))
    }

    pub(super) fn append(&mut self, events: Vec<NewEvent>, fx: &mut Vec<Effect>) {
        if events.is_empty() {
            return;
        }
        self.pending += events.len();
        fx.push(Effect::Append(events));
    }

    /// Whether the key did anything (an unbound key leaves the screen as it was).
    fn on_key(&mut self, key: KeyEvent, now: DateTime<Utc>, fx: &mut Vec<Effect>) -> bool {
        // ctrl-c always leaves, whatever is open.
        if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
            fx.push(Effect::Quit);
            return true;
        }
        match std::mem::replace(&mut self.mode, Mode::Normal) {
            Mode::Normal => match self.keymap.action_in(&key, &self.key_scopes()) {
                Some(action) => self.perform(action, now, fx),
                None => return false,
            },
            Mode::Help => match key.code {
                KeyCode::Char('j') | KeyCode::Down => {
                    self.help_scroll += 1;
                    self.mode = Mode::Help;
                }
                KeyCode::Char('k') | KeyCode::Up => {
                    self.help_scroll = self.help_scroll.saturating_sub(1);
                    self.mode = Mode::Help;
                }
                _ => {} // any other key closes help
            },
            Mode::Palette {
                mut input,
                candidates,
                error,
            } => match key.code {
                KeyCode::Esc => {}
                KeyCode::Enter => match palette::parse(input.text()) {
                    Ok(cmd) => self.run_command(cmd, now, fx),
                    Err(e) => {
                        self.mode = Mode::Palette {
                            input,
                            candidates: Vec::new(),
                            error: Some(e),
                        }
                    }
                },
                KeyCode::Tab => {
                    let options = palette::complete(input.text(), &self.vocabulary());
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
                    let candidates = if options.len() > 1 { options } else { Vec::new() };
                    self.mode = Mode::Palette {
                        input,
                        candidates,
                        error: None,
                    };
                }
                _ => {
                    let changed = input.edit(&key);
                    self.mode = Mode::Palette {
                        input,
                        candidates: if changed { Vec::new() } else { candidates },
                        error: if changed { None } else { error },
                    };
                }
            },
            Mode::Filter(mut input) => match key.code {
                KeyCode::Esc => self.apply_filter(""),
                KeyCode::Enter => {}
                _ => {
                    input.edit(&key);
                    self.apply_filter(input.text());
                    self.mode = Mode::Filter(input);
                }
            },
            Mode::Editor(mut editor) => {
                let submit = (key.code == KeyCode::Char('s')
                    && key.modifiers.contains(KeyModifiers::CONTROL))
                    || (key.code == KeyCode::Enter && key.modifiers.contains(KeyModifiers::ALT));
                if key.code == KeyCode::Esc {
                    self.say("Discarded.".into(), now);
                } else if submit && let EditorKind::FindingNote { finding, .. } = &editor.kind {
                    let text = editor.area.lines().join("\n");
                    let text = text.trim();
                    if let Some(problem) = note_problem(text) {
                        self.fail(problem, now);
                        self.mode = Mode::Editor(editor);
                    } else {
                        let target = Some(finding.clone());
                        self.change_finding(None, Some(text.to_string()), target, now, fx);
                    }
                } else if submit {
                    let text = editor.area.lines().join("\n");
                    match self.editor_events(&editor.kind, &text) {
                        Ok(events) => self.append(events, fx),
                        Err(e) => {
                            self.fail(e, now);
                            self.mode = Mode::Editor(editor);
                        }
                    }
                } else {
                    editor.area.input(key);
                    self.mode = Mode::Editor(editor);
                }
            }
            Mode::Confirm(c) => match key.code {
                KeyCode::Char('y') | KeyCode::Char('Y') | KeyCode::Enter => match c.then {
                    Then::Append(events) => self.append(events, fx),
                    Then::UpdateFindings { source, update } => {
                        self.request_finding_update(&source, update, now, fx)
                    }
                },
                KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc | KeyCode::Char('q') => {
                    self.say("Cancelled.".into(), now)
                }
                _ => self.mode = Mode::Confirm(c),
            },
            Mode::Picker { mut selected } => {
                let count = self.picker_incidents().len();
                match key.code {
                    KeyCode::Char('j') | KeyCode::Down => {
                        selected = (selected + 1).min(count.saturating_sub(1))
                    }
                    KeyCode::Char('k') | KeyCode::Up => selected = selected.saturating_sub(1),
                    KeyCode::Enter => {
                        if let Some(id) = self.picker_incidents().get(selected).map(|i| i.id.clone()) {
                            self.switch_to(id);
                        }
                        return true;
                    }
                    KeyCode::Esc | KeyCode::Char('q') if self.current.is_some() => return true,
                    KeyCode::Char('D') if !self.opts.read_only => {
                        self.open_palette("declare ");
                        return true;
                    }
                    _ => {}
                }
                self.mode = Mode::Picker { selected };
            }
            Mode::Detail(detail) => self.on_detail_key(detail, key, now, fx),
        }
        true
    }

    /// Keys over a detail view: scroll, close, and on a finding its actions.
    fn on_detail_key(&mut self, mut detail: Detail, key: KeyEvent, now: DateTime<Utc>, fx: &mut Vec<Effect>) {
        let max = self.detail_max_scroll(&detail, now);
        let (Detail::Finding { scroll, .. } | Detail::Search { scroll, .. }) = &mut detail;
        let page = self.page();
        match key.code {
            KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q') => return,
            KeyCode::Char('j') | KeyCode::Down => *scroll = (*scroll + 1).min(max),
            KeyCode::Char('k') | KeyCode::Up => *scroll = scroll.saturating_sub(1).min(max),
            KeyCode::PageDown | KeyCode::Char(' ') => *scroll = (*scroll + page).min(max),
            KeyCode::PageUp => *scroll = scroll.saturating_sub(page).min(max),
            KeyCode::Home | KeyCode::Char('g') => *scroll = 0,
            KeyCode::End | KeyCode::Char('G') => *scroll = max,
            _ => {
                let action = self.keymap.action_in(&key, &[Scope::Findings]);
                if let (Detail::Finding { finding, .. }, Some(action)) = (&detail, action)
                    && action.scope() == Scope::Findings
                    && action != Action::SortFindings
                {
                    let target = Some(finding.clone());
                    if action.writes() && self.opts.read_only {
                        self.fail(format!("Read-only console: `{action}` is not available."), now);
                    } else {
                        self.finding_action(action, target, now, fx);
                    }
                    if !matches!(self.mode, Mode::Normal) {
                        return; // a confirmation or the note editor took over
                    }
                }
            }
        }
        self.mode = Mode::Detail(detail);
    }

    fn on_paste(&mut self, s: &str) {
        match &mut self.mode {
            Mode::Palette { input, .. } => input.paste(s),
            Mode::Filter(input) => {
                input.paste(s);
                let text = input.text().to_string();
                self.apply_filter(&text);
            }
            Mode::Editor(editor) => {
                editor.area.insert_str(crate::text::clean_text(s));
            }
            _ => {}
        }
    }

    fn on_mouse(&mut self, m: MouseEvent, now: DateTime<Utc>) {
        let area = Rect::new(0, 0, self.size.0, self.size.1);
        let Some(areas) = layout(area, self.focus, self.zoomed, !self.sources.is_empty()) else {
            return;
        };
        let at = Position::new(m.column, m.row);
        let hit = areas.panes.iter().find(|(_, r)| r.contains(at)).map(|(p, _)| *p);
        let tab = areas.tabs.iter().find(|(_, r)| r.contains(at)).map(|(p, _)| *p);
        match m.kind {
            MouseEventKind::Down(_) => {
                if let Some(p) = hit.or(tab) {
                    self.focus = p;
                    self.dirty = true;
                }
            }
            MouseEventKind::ScrollUp | MouseEventKind::ScrollDown => {
                if let Some(p) = hit {
                    self.focus = p;
                }
                let down = matches!(m.kind, MouseEventKind::ScrollDown);
                self.scroll_by(if down { 3 } else { -3 }, now);
                self.dirty = true;
            }
            _ => {}
        }
    }

    /// The filter being typed, to the pane it was opened on.
    fn apply_filter(&mut self, text: &str) {
        if self.filter_sources {
            self.set_source_filter(text);
        } else {
            self.set_filter(Filter::parse(text));
        }
    }

    fn set_filter(&mut self, f: Option<Filter>) {
        if let Some(id) = &self.current
            && let Some(feed) = self.feeds.get_mut(id)
        {
            feed.set_filter(f);
        }
        self.scroll = 0;
    }

    fn open_palette(&mut self, text: &str) {
        self.mode = Mode::Palette {
            input: LineInput::new(text),
            candidates: Vec::new(),
            error: None,
        };
    }

    pub(super) fn open_editor(&mut self, kind: EditorKind) {
        let template: Vec<String> = match &kind {
            EditorKind::StatusUpdate => {
                let inc = self.incident();
                let status = inc.map_or("investigating".to_string(), |i| i.status().to_string());
                vec![
                    format!("We are {status}: <what customers see>."),
                    "Impact: <who is affected, since when>".into(),
                    "Next update: in 30 minutes".into(),
                ]
            }
            EditorKind::Handoff { .. } => {
                let status = self
                    .incident()
                    .map_or(String::new(), |i| format!("{} {}", i.severity(), i.status()));
                let last = self
                    .incident()
                    .and_then(|i| i.status_updates().filter(|e| !e.retracted).last())
                    .map_or(String::new(), |e| e.text.lines().next().unwrap_or("").to_string());
                vec![
                    format!("Status: {status}"),
                    "Hypotheses open:".into(),
                    "- ".into(),
                    "Hypotheses ruled out:".into(),
                    "- ".into(),
                    format!("Last customer update: {last}"),
                    "Next steps:".into(),
                    "- ".into(),
                ]
            }
            _ => vec![String::new()],
        };
        let mut area = TextArea::new(template);
        area.move_cursor(ratatui_textarea::CursorMove::Bottom);
        area.move_cursor(ratatui_textarea::CursorMove::End);
        self.mode = Mode::Editor(Box::new(Editor { kind, area }));
    }

    /// Turn what was written in the editor into events.
    fn editor_events(&self, kind: &EditorKind, text: &str) -> Result<Vec<NewEvent>, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("Nothing written yet (Esc discards).".into());
        }
        let body = match kind {
            EditorKind::Note => EventBody::Note { text: text.into() },
            EditorKind::Decision => {
                let (first, rest) = text.split_once('\n').unwrap_or((text, ""));
                EventBody::Decision {
                    text: first.trim().into(),
                    rationale: (!rest.trim().is_empty()).then(|| rest.trim().to_string()),
                }
            }
            EditorKind::StatusUpdate => EventBody::StatusUpdatePosted {
                text: text.into(),
                audience: Audience::Internal,
            },
            EditorKind::Handoff { to } => EventBody::Handoff {
                from: self
                    .incident()
                    .and_then(Incident::commander)
                    .unwrap_or("")
                    .to_string(),
                to: to.clone(),
                briefing: parse_briefing(text),
            },
            EditorKind::FindingNote { .. } => return Err("A finding note goes to its source.".into()),
        };
        self.event(body)
            .map(|e| vec![e])
            .ok_or_else(|| "No incident on screen.".to_string())
    }

    /// Carry out an action from the keymap.
    pub fn perform(&mut self, action: Action, now: DateTime<Utc>, fx: &mut Vec<Effect>) {
        if action.writes() && self.opts.read_only {
            self.fail(format!("Read-only console: `{action}` is not available."), now);
            return;
        }
        let needs_incident = action.scope() == Scope::Global && action != Action::Declare;
        if action.writes() && needs_incident && self.incident().is_none() {
            self.fail(
                "No incident on screen: press D to declare one, or i to pick one.".into(),
                now,
            );
            return;
        }
        match action {
            Action::Quit => fx.push(Effect::Quit),
            Action::Help => {
                self.help_scroll = 0;
                self.mode = Mode::Help;
            }
            Action::Palette => self.open_palette(""),
            Action::Filter => {
                self.filter_sources = self.focus == Pane::Sources;
                let current = if self.filter_sources {
                    self.source_filter(self.source_tab()).to_string()
                } else {
                    (self.feed().and_then(Feed::filter))
                        .map(|f| f.source.clone())
                        .unwrap_or_default()
                };
                self.mode = Mode::Filter(LineInput::new(&current));
            }
            Action::FocusNext => self.focus = self.focus.next(),
            Action::FocusPrev => self.focus = self.focus.prev(),
            Action::FocusTimeline => self.focus = Pane::Timeline,
            Action::FocusRoster => self.focus = Pane::Roster,
            Action::FocusChecklist => self.focus = Pane::Checklist,
            Action::FocusMetrics => self.focus = Pane::Metrics,
            Action::FocusSources => self.focus = Pane::Sources,
            Action::Zoom => self.zoomed = !self.zoomed,
            Action::Up => self.scroll_by(-1, now),
            Action::Down => self.scroll_by(1, now),
            Action::PageUp => self.scroll_by(-(self.page() as i64), now),
            Action::PageDown => self.scroll_by(self.page() as i64, now),
            Action::Top => self.scroll_by(i64::MIN / 2, now),
            Action::Bottom => {
                self.scroll_by(i64::MAX / 2, now);
                if self.focus == Pane::Timeline {
                    self.follow = true;
                }
            }
            Action::Follow => {
                self.follow = !self.follow;
                if self.follow {
                    self.scroll = 0;
                }
                self.say(format!("Follow {}", if self.follow { "on" } else { "off" }), now);
            }
            Action::TimeFormat => {
                self.time_mode = match self.time_mode {
                    TimeMode::Utc => TimeMode::Local,
                    TimeMode::Local => TimeMode::Offset,
                    TimeMode::Offset => TimeMode::Utc,
                }
            }
            Action::PickIncident => self.mode = Mode::Picker { selected: 0 },
            Action::Note => self.open_editor(EditorKind::Note),
            Action::Decision => self.open_editor(EditorKind::Decision),
            Action::StatusUpdate => self.open_editor(EditorKind::StatusUpdate),
            Action::Handoff => self.open_palette("handoff "),
            Action::ToggleItem => self.toggle_item(now, fx),
            Action::SeverityUp | Action::SeverityDown => {
                let Some(sev) = self.incident().map(Incident::severity) else {
                    return;
                };
                let level = if action == Action::SeverityUp {
                    sev.level().saturating_sub(1)
                } else {
                    sev.level() + 1
                };
                match Severity::new(level) {
                    Some(new) => self.confirm(
                        format!("Change severity {sev} → {new}?"),
                        EventBody::SeverityChanged {
                            severity: new,
                            reason: None,
                        },
                    ),
                    None => self.say(format!("Already {sev}."), now),
                }
            }
            Action::NextStatus => {
                let Some(status) = self.incident().map(Incident::status) else {
                    return;
                };
                let next = match status {
                    Status::Triage => Status::Active,
                    Status::Active => Status::Mitigated,
                    Status::Mitigated => Status::Resolved,
                    Status::Resolved => Status::Closed,
                    Status::Closed => {
                        self.say("Closed. To reopen: `:reopen`.".into(), now);
                        return;
                    }
                };
                self.confirm(
                    format!("Move status {status} → {next}?"),
                    EventBody::StatusChanged {
                        status: next,
                        reason: None,
                    },
                );
            }
            Action::Resolve => self.run_command(Command::Resolve, now, fx),
            Action::Page => self.open_palette("page "),
            Action::Acknowledge => self.open_palette("ack "),
            Action::AssignRole => self.open_palette("role "),
            Action::Declare => self.open_palette("declare "),
            Action::Export => self.run_command(Command::Export(Format::Md), now, fx),
            Action::SourceViewNext => self.cycle_source_tab(1),
            Action::SourceViewPrev => self.cycle_source_tab(-1),
            Action::Open => self.open_source_detail(now),
            Action::SortFindings => {
                self.sources_ui.sort = self.sources_ui.sort.next();
                self.say(
                    format!("Findings sorted by {}", self.sources_ui.sort.label()),
                    now,
                );
            }
            Action::FindingNotified
            | Action::FindingResolved
            | Action::FindingSuppressed
            | Action::FindingNote => self.finding_action(action, None, now, fx),
            Action::BackupReadiness => self.sources_ui.readiness = !self.sources_ui.readiness,
        }
    }

    fn confirm(&mut self, prompt: String, body: EventBody) {
        if let Some(e) = self.event(body) {
            self.mode = Mode::Confirm(Confirm {
                prompt,
                then: Then::Append(vec![e]),
            });
        }
    }

    fn page(&self) -> usize {
        (self.size.1 as usize).saturating_sub(8).max(1)
    }

    fn scroll_by(&mut self, delta: i64, now: DateTime<Utc>) {
        match self.focus {
            Pane::Timeline => {
                let len = self.feed().map_or(0, Feed::len);
                let scroll = (self.scroll as i64 - delta).clamp(0, len.saturating_sub(1) as i64);
                self.scroll = scroll as usize;
                self.follow = self.scroll == 0;
            }
            Pane::Checklist => {
                let len = self.incident().map_or(0, |i| i.checklist.len());
                self.checklist_selected = step(self.checklist_selected, delta, len);
            }
            Pane::Roster => {
                let len = self.incident().map_or(0, |i| i.responders.len());
                self.roster_selected = step(self.roster_selected, delta, len);
            }
            Pane::Sources => self.source_step(delta, now),
            Pane::Metrics => {}
        }
    }

    fn toggle_item(&mut self, now: DateTime<Utc>, fx: &mut Vec<Effect>) {
        if self.focus != Pane::Checklist {
            self.say("Focus the checklist (3) to check items.".into(), now);
            return;
        }
        let Some(item) = self
            .incident()
            .and_then(|i| i.checklist.get(self.checklist_selected))
        else {
            return;
        };
        let id = item.spec.id.clone();
        let body = if item.checked.is_some() {
            EventBody::ChecklistUnchecked { item: id }
        } else {
            EventBody::ChecklistChecked { item: id }
        };
        let events = self.event(body).into_iter().collect();
        self.append(events, fx);
    }

    /// Find a checklist item by its id, the part after the runbook's name, or a unique prefix.
    fn find_item(&self, wanted: &str) -> Result<String, String> {
        let inc = self.incident().ok_or("No incident on screen.")?;
        let matches: Vec<&str> = inc
            .checklist
            .iter()
            .map(|i| i.spec.id.as_str())
            .filter(|id| *id == wanted || id.rsplit('/').next() == Some(wanted))
            .collect();
        if let [one] = matches.as_slice() {
            return Ok(one.to_string());
        }
        let prefixed: Vec<&str> = inc
            .checklist
            .iter()
            .map(|i| i.spec.id.as_str())
            .filter(|id| {
                id.starts_with(wanted) || id.rsplit('/').next().is_some_and(|s| s.starts_with(wanted))
            })
            .collect();
        match prefixed.as_slice() {
            [one] => Ok(one.to_string()),
            [] => Err(format!("No checklist item `{wanted}`.")),
            _ => Err(format!(
                "`{wanted}` matches {} items; Tab completes.",
                prefixed.len()
            )),
        }
    }

    fn vocabulary(&self) -> Vocabulary {
        let mut people: Vec<String> = self
            .incident()
            .map(|i| i.responders.keys().cloned().collect())
            .unwrap_or_default();
        if !people.contains(&self.me()) {
            people.push(self.me());
        }
        people.sort();
        Vocabulary {
            people,
            items: self
                .incident()
                .map(|i| i.checklist.iter().map(|c| c.spec.id.clone()).collect())
                .unwrap_or_default(),
            incidents: self
                .projection
                .incidents()
                .iter()
                .map(|i| i.id.to_string())
                .collect(),
            themes: self.themes.clone(),
        }
    }

    /// Carry out a palette command.
    pub fn run_command(&mut self, cmd: Command, now: DateTime<Utc>, fx: &mut Vec<Effect>) {
        let writes = !matches!(
            cmd,
            Command::Export(_)
                | Command::Incident(_)
                | Command::Filter(_)
                | Command::Time(_)
                | Command::Theme(_)
                | Command::Sources(_)
                | Command::Msel
                | Command::Help
                | Command::Quit
        );
        if writes && self.opts.read_only {
            self.fail("Read-only console: nothing can be written from here.".into(), now);
            return;
        }
        let needs_incident = !matches!(
            cmd,
            Command::Declare { .. } | Command::Finding { .. } | Command::Drill(_)
        );
        if writes && needs_incident && self.incident().is_none() {
            self.fail("No incident on screen: `:declare SEV TITLE` first.".into(), now);
            return;
        }
        let me = self.me();
        let body = match cmd {
            Command::Severity(severity) => EventBody::SeverityChanged {
                severity,
                reason: None,
            },
            Command::Status(status) if !status.is_open() => {
                let id = self.current.as_ref().map(ToString::to_string).unwrap_or_default();
                return self.confirm(
                    format!("Mark {id} {status}?"),
                    EventBody::StatusChanged { status, reason: None },
                );
            }
            Command::Status(status) => EventBody::StatusChanged { status, reason: None },
            Command::Role { role, person } => EventBody::RoleAssigned { role, person },
            Command::Release { role, person } => {
                let holder = person.or_else(|| self.incident().and_then(|i| i.roles.get(&role).cloned()));
                let Some(person) = holder else {
                    return self.fail(format!("Nobody holds {role}."), now);
                };
                return self.confirm(
                    format!("Release {role} from {person}?"),
                    EventBody::RoleReleased { role, person },
                );
            }
            Command::Add(person) => EventBody::ResponderAdded {
                person,
                contact: None,
            },
            Command::Page { person, via } => EventBody::ResponderPaged { person, via },
            Command::Ack(p) => EventBody::ResponderAcknowledged {
                person: p.unwrap_or(me),
            },
            Command::Join(p) => EventBody::ResponderJoined {
                person: p.unwrap_or(me),
            },
            Command::Leave(p) => EventBody::ResponderLeft {
                person: p.unwrap_or(me),
            },
            Command::Note(text) => EventBody::Note { text },
            Command::Decision(text) => EventBody::Decision {
                text,
                rationale: None,
            },
            Command::Update(text) => EventBody::StatusUpdatePosted {
                text,
                audience: Audience::Internal,
            },
            Command::Check(item) | Command::Uncheck(item) if self.find_item(&item).is_err() => {
                return self.fail(self.find_item(&item).err().unwrap_or_default(), now);
            }
            Command::Check(item) => EventBody::ChecklistChecked {
                item: self.find_item(&item).unwrap_or(item),
            },
            Command::Uncheck(item) => EventBody::ChecklistUnchecked {
                item: self.find_item(&item).unwrap_or(item),
            },
            Command::Assign { item, person } => match self.find_item(&item) {
                Ok(item) => EventBody::ChecklistAssigned { item, person },
                Err(e) => return self.fail(e, now),
            },
            Command::Handoff(to) => return self.open_editor(EditorKind::Handoff { to }),
            Command::Resolve => {
                let id = self.current.as_ref().map(ToString::to_string).unwrap_or_default();
                return self.confirm(
                    format!("Resolve {id}?"),
                    EventBody::StatusChanged {
                        status: Status::Resolved,
                        reason: None,
                    },
                );
            }
            Command::Reopen => {
                if self.incident().is_some_and(Incident::is_open) {
                    return self.say("It is open already.".into(), now);
                }
                return self.confirm(
                    "Reopen this incident?".into(),
                    EventBody::StatusChanged {
                        status: Status::Active,
                        reason: Some("reopened".into()),
                    },
                );
            }
            Command::Declare { severity, title } => {
                let rb = runbook::find(&self.runbooks, runbook::DEFAULT_RUNBOOK);
                let declaration = Declaration {
                    title,
                    severity,
                    summary: None,
                    detected_at: None,
                    drill: false,
                };
                let (_, events) = declaration.events(&self.opts.me, rb, now);
                return self.append(events, fx);
            }
            Command::Title(title) => EventBody::IncidentRetitled { title },
            Command::Drill(control) => return self.drill_control(control, now, fx),
            Command::Msel => return self.toggle_msel(now),
            Command::Export(format) => {
                if let Some(incident) = self.current.clone() {
                    fx.push(Effect::Export { incident, format });
                    self.say("Writing the report…".into(), now);
                }
                return;
            }
            Command::Incident(id) => {
                let id = IncidentId(id);
                if self.projection.incident(&id).is_some() {
                    self.switch_to(id);
                } else {
                    self.fail(format!("No incident {id}."), now);
                }
                return;
            }
            Command::Filter(text) => return self.set_filter(Filter::parse(&text)),
            Command::Time(mode) => {
                self.time_mode = match mode.as_str() {
                    "local" => TimeMode::Local,
                    "offset" => TimeMode::Offset,
                    _ => TimeMode::Utc,
                };
                return;
            }
            Command::Theme(name) => {
                let dir = crate::config::config_dir().map(|d| d.join("themes"));
                match super::theme::from_env(&name, dir.as_deref()) {
                    Ok(t) => self.theme = t,
                    Err(e) => self.fail(e.to_string(), now),
                }
                return;
            }
            Command::Help => {
                self.mode = Mode::Help;
                return;
            }
            Command::Sources(Some(tab)) => return self.show_source_tab(tab, now),
            Command::Sources(None) => {
                self.focus = Pane::Sources;
                return;
            }
            Command::Finding { workflow, note } => {
                return self.change_finding(workflow, note, None, now, fx);
            }
            Command::Quit => return fx.push(Effect::Quit),
        };
        let events = self.event(body).into_iter().collect();
        self.append(events, fx);
    }
}

fn step(current: usize, delta: i64, len: usize) -> usize {
    if len == 0 {
        return 0;
    }
    (current as i64 + delta).clamp(0, len as i64 - 1) as usize
}

/// Read the handoff template back into a briefing: lines under each heading.
fn parse_briefing(text: &str) -> Briefing {
    let mut b = Briefing::default();
    let mut section = "";
    for line in text.lines() {
        let t = line.trim();
        let lower = t.to_ascii_lowercase();
        let item = t.trim_start_matches(['-', '*']).trim();
        if let Some(rest) = lower.strip_prefix("status:") {
            b.status = t[t.len() - rest.len()..].trim().to_string();
            section = "";
        } else if lower.starts_with("hypotheses open") {
            section = "open";
        } else if lower.starts_with("hypotheses ruled out") {
            section = "ruled_out";
        } else if let Some(rest) = lower.strip_prefix("last customer update:") {
            b.last_customer_update = t[t.len() - rest.len()..].trim().to_string();
            section = "";
        } else if lower.starts_with("next steps") {
            section = "next";
        } else if !item.is_empty() {
            match section {
                "open" => b.hypotheses_open.push(item.to_string()),
                "ruled_out" => b.hypotheses_ruled_out.push(item.to_string()),
                "next" => b.next_steps.push(item.to_string()),
                _ => {}
            }
        }
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incident::runbook::load_runbooks;
    use crate::sources::securityhub::Workflow;
    use crate::timeline::Hash;
    use crate::timeline::store::RawEvent;
    use crate::tui::sources_ui::{FindingSort, List, SourceTab};
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 28, 14, 0, 0)
            .single()
            .expect("valid")
    }

    struct Harness {
        app: App,
        seq: u64,
        prev: Hash,
    }

    impl Harness {
        fn new(read_only: bool) -> Harness {
            let opts = Options {
                me: Author("maria@jump-01".into()),
                read_only,
                store_name: "test.db".into(),
                notify: NotifyConfig::default(),
            };
            let theme = super::super::theme::load("dark", None).expect("theme");
            let app = App::new(
                opts,
                Keymap::default(),
                theme,
                load_runbooks(None).expect("runbooks"),
            );
            Harness {
                app,
                seq: 0,
                prev: Hash::GENESIS,
            }
        }

        /// What the store would send back for these events.
        fn store(&mut self, events: &[NewEvent]) -> Vec<Effect> {
            let mut fx = Vec::new();
            for e in events {
                self.seq += 1;
                let raw = RawEvent::place(e, self.seq, self.prev);
                self.prev = raw.hash;
                fx.extend(self.app.update(Msg::Stored(Box::new(raw.decode())), now()));
            }
            fx
        }

        fn with_sample() -> Harness {
            let mut h = Harness::new(false);
            let id = IncidentId("INC-1".into());
            let events = crate::demo::sample_events(&id, now());
            h.store(&events);
            h.app.start();
            h
        }

        fn key(&mut self, code: KeyCode) -> Vec<Effect> {
            self.app
                .update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)), now())
        }

        fn ctrl(&mut self, c: char) -> Vec<Effect> {
            self.app.update(
                Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)),
                now(),
            )
        }

        fn typed(&mut self, s: &str) -> Vec<Effect> {
            s.chars().flat_map(|c| self.key(KeyCode::Char(c))).collect()
        }

        fn palette(&mut self, line: &str) -> Vec<Effect> {
            self.key(KeyCode::Char(':'));
            self.typed(line);
            self.key(KeyCode::Enter)
        }
    }

    fn appended(fx: Vec<Effect>) -> Vec<NewEvent> {
        fx.into_iter()
            .flat_map(|f| match f {
                Effect::Append(e) => e,
                _ => Vec::new(),
            })
            .collect()
    }

    #[test]
    fn a_note_is_appended_and_shows_only_when_the_store_returns_it() {
        let mut h = Harness::with_sample();
        let notes_before = h.app.incident().map(|i| i.notes().count());
        h.key(KeyCode::Char('n'));
        assert!(matches!(h.app.mode, Mode::Editor(_)));
        h.typed("db-02 is primary now");
        let events = appended(h.ctrl('s'));
        assert_eq!(events.len(), 1);
        assert_eq!(
            events[0].body,
            EventBody::Note {
                text: "db-02 is primary now".into()
            }
        );
        assert_eq!(events[0].author, Author("maria@jump-01".into()));
        assert_eq!(h.app.pending, 1);
        // not yet on screen: the state is what the store holds
        assert_eq!(h.app.incident().map(|i| i.notes().count()), notes_before);
        h.store(&events);
        h.app.update(Msg::Saved(1), now());
        assert_eq!(
            h.app.incident().map(|i| i.notes().count()),
            notes_before.map(|n| n + 1)
        );
        assert_eq!(h.app.pending, 0);
    }

    #[test]
    fn escape_discards_the_editor_and_ctrl_c_always_quits() {
        let mut h = Harness::with_sample();
        h.key(KeyCode::Char('d'));
        h.typed("something");
        assert!(appended(h.key(KeyCode::Esc)).is_empty());
        assert!(matches!(h.app.mode, Mode::Normal));
        h.key(KeyCode::Char('n'));
        assert!(matches!(h.ctrl('c').as_slice(), [Effect::Quit]));
    }

    #[test]
    fn risky_actions_ask_first() {
        let mut h = Harness::with_sample();
        assert!(appended(h.key(KeyCode::Char('-'))).is_empty());
        assert!(matches!(h.app.mode, Mode::Confirm(_)));
        let events = appended(h.key(KeyCode::Char('y')));
        assert!(
            matches!(events[0].body, EventBody::SeverityChanged { severity, .. } if severity.level() == 2)
        );
        // no to resolve
        h.key(KeyCode::Char('R'));
        assert!(appended(h.key(KeyCode::Char('n'))).is_empty());
        assert!(matches!(h.app.mode, Mode::Normal));
        h.key(KeyCode::Char('s'));
        let events = appended(h.key(KeyCode::Char('y')));
        assert!(matches!(
            events[0].body,
            EventBody::StatusChanged {
                status: Status::Resolved,
                ..
            }
        ));
    }

    #[test]
    fn palette_commands_become_events() {
        let mut h = Harness::with_sample();
        let e = appended(h.palette("role comms priya"));
        assert_eq!(
            e[0].body,
            EventBody::RoleAssigned {
                role: crate::timeline::Role::Comms,
                person: "priya".into()
            }
        );
        let e = appended(h.palette("page sam phone"));
        assert_eq!(
            e[0].body,
            EventBody::ResponderPaged {
                person: "sam".into(),
                via: Some("phone".into())
            }
        );
        let e = appended(h.palette("check all-clear"));
        assert_eq!(
            e[0].body,
            EventBody::ChecklistChecked {
                item: "generic/all-clear".into()
            }
        );
        let e = appended(h.palette("ack"));
        assert_eq!(
            e[0].body,
            EventBody::ResponderAcknowledged {
                person: "maria".into()
            }
        );
        // a mistake keeps the palette open with the reason
        assert!(appended(h.palette("sev 7")).is_empty());
        assert!(matches!(&h.app.mode, Mode::Palette { error: Some(e), .. } if e.contains("1 to 5")));
    }

    #[test]
    fn checklist_items_toggle_from_the_checklist_pane() {
        let mut h = Harness::with_sample();
        h.key(KeyCode::Char('3'));
        // the first item (assign-ic) is checked in the sample: toggling unchecks it
        let e = appended(h.key(KeyCode::Char(' ')));
        assert_eq!(
            e[0].body,
            EventBody::ChecklistUnchecked {
                item: "generic/assign-ic".into()
            }
        );
        h.key(KeyCode::Char('j'));
        h.key(KeyCode::Char('j'));
        h.key(KeyCode::Char('j'));
        let e = appended(h.key(KeyCode::Char('x')));
        // items 0..3 of the sample are assign-ic, set-severity, assign-scribe, scope-impact
        assert_eq!(
            e[0].body,
            EventBody::ChecklistUnchecked {
                item: "generic/scope-impact".into()
            }
        );
    }

    #[test]
    fn a_read_only_console_writes_nothing() {
        let mut h = Harness::new(true);
        h.store(&crate::demo::sample_events(&IncidentId("INC-1".into()), now()));
        h.app.start();
        for c in ['n', 'd', 'u', '+', '-', 's', 'R', 'x', 'D'] {
            let fx = h.key(KeyCode::Char(c));
            assert!(appended(fx).is_empty(), "{c}");
            assert!(!matches!(h.app.mode, Mode::Editor(_) | Mode::Confirm(_)), "{c}");
        }
        assert!(appended(h.palette("note sneaky")).is_empty());
        assert!(h.app.flash.as_ref().is_some_and(|f| f.text.contains("Read-only")));
    }

    #[test]
    fn others_raising_severity_notifies_but_my_own_actions_do_not() {
        let mut h = Harness::with_sample();
        let id = IncidentId("INC-1".into());
        let mine = NewEvent::new(
            id.clone(),
            Author("maria@jump-01".into()),
            EventBody::SeverityChanged {
                severity: Severity::new(2).expect("valid"),
                reason: None,
            },
        );
        assert!(!h.store(&[mine]).iter().any(|f| matches!(f, Effect::Notify(_))));
        let theirs = NewEvent::new(
            id,
            Author("kenji@jump-02".into()),
            EventBody::SeverityChanged {
                severity: Severity::WORST,
                reason: None,
            },
        );
        assert!(h.store(&[theirs]).iter().any(|f| matches!(f, Effect::Notify(_))));
    }

    #[test]
    fn several_open_incidents_start_in_the_picker_and_none_offers_to_declare() {
        let mut h = Harness::new(false);
        for n in 0..2 {
            let id = IncidentId(format!("INC-{n}"));
            h.store(&crate::demo::sample_events(&id, now()));
        }
        h.app.start();
        assert!(matches!(h.app.mode, Mode::Picker { .. }));
        h.key(KeyCode::Char('j'));
        h.key(KeyCode::Enter);
        assert_eq!(h.app.current, Some(IncidentId("INC-0".into())));

        let mut empty = Harness::new(false);
        empty.app.start();
        assert!(empty.app.current.is_none());
        let e = appended(empty.palette("declare 1 Database on fire"));
        assert_eq!(e.len(), 2, "declaration and checklist");
        empty.store(&e);
        assert_eq!(
            empty.app.incident().map(|i| i.title.as_str()),
            Some("Database on fire")
        );
    }

    #[test]
    fn the_filter_narrows_the_timeline_as_you_type() {
        let mut h = Harness::with_sample();
        let all = h.app.feed().map(Feed::len);
        h.key(KeyCode::Char('/'));
        h.typed("kind:decision");
        assert_eq!(h.app.feed().map(Feed::len), Some(1));
        h.key(KeyCode::Esc);
        assert_eq!(h.app.feed().map(Feed::len), all);
    }

    #[test]
    fn scrolling_up_stops_following_and_bottom_resumes() {
        let mut h = Harness::with_sample();
        h.app.size = (160, 48);
        h.key(KeyCode::Char('k'));
        assert!(!h.app.follow);
        assert_eq!(h.app.scroll, 1);
        // new events keep the reader's place
        let id = IncidentId("INC-1".into());
        h.store(&[NewEvent::new(
            id,
            Author("kenji@jump-02".into()),
            EventBody::Note { text: "x".into() },
        )]);
        assert_eq!(h.app.scroll, 2);
        h.key(KeyCode::Char('G'));
        assert!(h.app.follow);
        assert_eq!(h.app.scroll, 0);
    }

    #[test]
    fn the_handoff_briefing_is_read_back_from_its_template() {
        let b = parse_briefing(
            "Status: SEV1 mitigated\nHypotheses open:\n- pool size\nHypotheses ruled out:\n- network\n- dns\nLast customer update: 13:25 recovering\nNext steps:\n- confirm\n",
        );
        assert_eq!(b.status, "SEV1 mitigated");
        assert_eq!(b.hypotheses_open, vec!["pool size"]);
        assert_eq!(b.hypotheses_ruled_out, vec!["network", "dns"]);
        assert_eq!(b.last_customer_update, "13:25 recovering");
        assert_eq!(b.next_steps, vec!["confirm"]);
    }

    /// A console watching a Security Hub source (the fixture's three findings) and a backup
    /// source (no jobs yet).
    fn with_sources(read_only: bool) -> Harness {
        let mut h = Harness::new(read_only);
        h.store(&crate::demo::sample_events(&IncidentId("INC-1".into()), now()));
        h.app.start();
        let text = "[[source]]\nkind = \"securityhub\"\nname = \"hub\"\nregion = \"eu-west-1\"\n\
                    [[source]]\nkind = \"backup\"\nname = \"vault\"\nregion = \"us-east-1\"\n";
        let mut config: crate::config::Config = crate::config::parse_toml("t.toml", text).expect("config");
        crate::sources::config::validate(&mut config.source, "t.toml", text).expect("valid");
        h.app.set_sources(&config.source);
        h.app.source_settings = SourceSettings::new(&config.source);
        let page = crate::sources::securityhub::parse_findings(include_bytes!(
            "../../tests/fixtures/securityhub/get_findings_page1.json"
        ))
        .expect("fixture");
        h.app.update(
            Msg::Source(Box::new(crate::sources::Observation::Data {
                source: "hub".into(),
                at: now(),
                snapshot: crate::sources::Snapshot::Findings(page.findings),
                pages: 1,
                bytes: 4096,
                elapsed: std::time::Duration::from_millis(80),
            })),
            now(),
        );
        h
    }

    const SG: &str = "arn:aws:securityhub:eu-west-1:123456789012:security-control/EC2.19/finding/5b6e2f10-7c3d-4a9e-8f21-0d4c6b8a9e13";

    fn updates(fx: Vec<Effect>) -> Vec<(String, crate::sources::FindingUpdate)> {
        fx.into_iter()
            .filter_map(|f| match f {
                Effect::UpdateFindings { source, update } => Some((source, update)),
                _ => None,
            })
            .collect()
    }

    fn selected_id(h: &Harness) -> Option<String> {
        h.app.selected_finding(now()).map(|(_, f)| f.id.clone())
    }

    #[test]
    fn finding_keys_send_the_selected_finding_and_risky_ones_ask_first() {
        let mut h = with_sources(false);
        h.key(KeyCode::Char('5'));
        assert_eq!(h.app.source_tab(), SourceTab::Findings);
        h.key(KeyCode::Char('j')); // CRITICAL first, then the HIGH security-group finding
        let id = selected_id(&h).expect("a finding is selected");
        assert_eq!(id, SG);

        let sent = updates(h.key(KeyCode::Char('N')));
        let [(source, update)] = sent.as_slice() else {
            panic!("one update: {sent:?}");
        };
        assert_eq!(source, "hub");
        assert_eq!(update.workflow, Some(Workflow::Notified));
        assert_eq!(update.note, None);
        assert_eq!(update.by, "warroom/maria@jump-01");
        let [(sent_id, arn)] = update.findings.as_slice() else {
            panic!("one finding");
        };
        assert_eq!(sent_id, &id);
        assert!(arn.starts_with("arn:aws:securityhub:"), "{arn}");

        assert!(
            updates(h.key(KeyCode::Char('R'))).is_empty(),
            "RESOLVED asks first"
        );
        assert!(matches!(&h.app.mode, Mode::Confirm(c) if c.prompt.contains("RESOLVED")));
        let sent = updates(h.key(KeyCode::Char('y')));
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].1.workflow, Some(Workflow::Resolved));
        assert_eq!(sent[0].1.findings[0].0, id);

        assert!(
            updates(h.key(KeyCode::Char('S'))).is_empty(),
            "SUPPRESSED asks first"
        );
        assert!(matches!(&h.app.mode, Mode::Confirm(c) if c.prompt.contains("SUPPRESSED")));
        assert!(updates(h.key(KeyCode::Char('n'))).is_empty(), "and no means no");
        assert!(matches!(h.app.mode, Mode::Normal));

        h.key(KeyCode::Char('a'));
        assert!(matches!(&h.app.mode, Mode::Editor(e) if matches!(e.kind, EditorKind::FindingNote { .. })));
        h.typed("owner paged; ticket SEC-12");
        let sent = updates(h.ctrl('s'));
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].1.note.as_deref(), Some("owner paged; ticket SEC-12"));
        assert_eq!(sent[0].1.workflow, None);
        assert_eq!(sent[0].1.findings[0].0, id);
        assert!(matches!(h.app.mode, Mode::Normal));
    }

    #[test]
    fn finding_commands_from_the_palette_need_no_incident_but_a_finding() {
        let mut h = with_sources(false);
        h.app.current = None;
        let sent = updates(h.palette("finding notified"));
        assert_eq!(sent.len(), 1, "acts on the selected (first) finding");
        assert_eq!(sent[0].1.workflow, Some(Workflow::Notified));
        let sent = updates(h.palette("finding note  rotated the keys "));
        assert_eq!(sent[0].1.note.as_deref(), Some("rotated the keys"));
        assert!(updates(h.palette("finding suppressed")).is_empty());
        assert!(matches!(h.app.mode, Mode::Confirm(_)));
        assert_eq!(updates(h.key(KeyCode::Enter)).len(), 1);
        // an over-long note is refused before a round trip
        let long = "x".repeat(600);
        assert!(updates(h.palette(&format!("finding note {long}"))).is_empty());
        assert!(h.app.flash.as_ref().is_some_and(|f| f.text.contains("512")));
        // no Security Hub source: said so
        let mut bare = Harness::with_sample();
        assert!(updates(bare.palette("finding notified")).is_empty());
        assert!(
            bare.app
                .flash
                .as_ref()
                .is_some_and(|f| f.text.contains("Security Hub"))
        );
    }

    #[test]
    fn a_read_only_console_changes_no_finding() {
        let mut h = with_sources(true);
        h.key(KeyCode::Char('5'));
        for c in ['N', 'R', 'S', 'a'] {
            h.app.flash = None;
            assert!(updates(h.key(KeyCode::Char(c))).is_empty(), "{c}");
            assert!(matches!(h.app.mode, Mode::Normal), "{c}");
            assert!(
                h.app.flash.as_ref().is_some_and(|f| f.text.contains("Read-only")),
                "{c}"
            );
        }
        for line in ["finding resolved", "finding note hi"] {
            assert!(updates(h.palette(line)).is_empty(), "{line}");
            assert!(matches!(h.app.mode, Mode::Normal), "{line}");
        }
        // from the detail view too
        h.key(KeyCode::Enter);
        assert!(matches!(h.app.mode, Mode::Detail(_)));
        assert!(updates(h.key(KeyCode::Char('R'))).is_empty());
        assert!(matches!(h.app.mode, Mode::Detail(_)), "still reading");
    }

    #[test]
    fn sorting_keeps_the_selected_finding_and_s_elsewhere_still_changes_status() {
        let mut h = with_sources(false);
        let titles = |h: &Harness| -> Vec<String> {
            h.app
                .finding_rows()
                .iter()
                .map(|r| r.finding.severity.label().to_string())
                .collect()
        };
        assert_eq!(titles(&h), ["CRITICAL", "HIGH", "MEDIUM"]);
        h.key(KeyCode::Char('5'));
        h.key(KeyCode::Char('G'));
        let medium = selected_id(&h);
        assert_eq!(medium.as_deref(), Some("inspector-legacy-0042"));
        h.key(KeyCode::Char('s'));
        assert_eq!(h.app.sources_ui.sort, FindingSort::Age);
        // newest update first: the CRITICAL (09:20Z), the HIGH (07:00Z), the legacy one
        assert_eq!(titles(&h), ["CRITICAL", "HIGH", "MEDIUM"]);
        h.key(KeyCode::Char('s'));
        assert_eq!(h.app.sources_ui.sort, FindingSort::Title);
        assert_eq!(titles(&h)[0], "MEDIUM", "its title is empty, so first");
        assert_eq!(selected_id(&h), medium, "the selection follows the finding");
        assert_eq!(h.app.source_selected(List::Findings, now()), Some(0));
        h.key(KeyCode::Char('s'));
        assert_eq!(h.app.sources_ui.sort, FindingSort::Severity);
        // outside the sources pane, s is the status key again
        h.key(KeyCode::Char('1'));
        h.key(KeyCode::Char('s'));
        assert!(matches!(&h.app.mode, Mode::Confirm(c) if c.prompt.contains("status")));
    }

    #[test]
    fn the_filter_applies_to_the_focused_pane() {
        let mut h = with_sources(false);
        let events = h.app.feed().map(Feed::len);
        h.key(KeyCode::Char('5'));
        h.key(KeyCode::Char('/'));
        h.typed("security GROUPS");
        assert_eq!(h.app.finding_rows().len(), 1);
        assert_eq!(
            h.app.feed().map(Feed::len),
            events,
            "the timeline is not filtered"
        );
        h.key(KeyCode::Enter);
        assert_eq!(h.app.source_filter(SourceTab::Findings), "security GROUPS");
        // each view has its own
        h.key(KeyCode::Char(']'));
        assert_eq!(h.app.source_filter(h.app.source_tab()), "");
        h.key(KeyCode::Char('['));
        h.key(KeyCode::Char('/'));
        h.key(KeyCode::Esc);
        assert_eq!(h.app.finding_rows().len(), 3);
        // on the timeline, the timeline's filter
        h.key(KeyCode::Char('1'));
        h.key(KeyCode::Char('/'));
        h.typed("kind:decision");
        assert_eq!(h.app.feed().map(Feed::len), Some(1));
        assert_eq!(h.app.finding_rows().len(), 3);
    }

    #[test]
    fn views_cycle_through_what_is_configured() {
        let mut h = with_sources(false);
        h.key(KeyCode::Char(']'));
        assert_eq!(
            h.app.source_tab(),
            SourceTab::Findings,
            "] needs the sources pane"
        );
        h.key(KeyCode::Char('5'));
        let mut seen = Vec::new();
        for _ in 0..3 {
            h.key(KeyCode::Char(']'));
            seen.push(h.app.source_tab());
        }
        assert_eq!(seen, [SourceTab::Backups, SourceTab::Health, SourceTab::Findings]);
        h.key(KeyCode::Char('['));
        assert_eq!(h.app.source_tab(), SourceTab::Health);
        h.key(KeyCode::Char('1'));
        h.palette("sources backups");
        assert_eq!(
            (h.app.focus, h.app.source_tab()),
            (Pane::Sources, SourceTab::Backups)
        );
        h.palette("sources searches");
        assert_eq!(h.app.source_tab(), SourceTab::Backups, "no Splunk source");
        assert!(h.app.flash.as_ref().is_some_and(|f| f.text.contains("searches")));
        assert!(!h.app.sources_ui.readiness);
        h.key(KeyCode::Char('r'));
        assert!(h.app.sources_ui.readiness, "r in the backups view");
        // without sources, health is all there is
        let bare = Harness::with_sample();
        assert_eq!(bare.app.source_tabs(), [SourceTab::Health]);
    }

    #[test]
    fn the_detail_view_opens_scrolls_acts_and_closes() {
        let mut h = with_sources(false);
        h.app.size = (80, 24);
        h.key(KeyCode::Char('5'));
        h.key(KeyCode::Enter);
        let Mode::Detail(Detail::Finding { finding, scroll: 0 }) = &h.app.mode else {
            panic!("a finding's detail");
        };
        assert!(finding.id.contains("guardduty"), "{finding:?}");
        for _ in 0..200 {
            h.key(KeyCode::Char('j'));
        }
        let Mode::Detail(Detail::Finding { scroll, .. }) = &h.app.mode else {
            panic!("still open");
        };
        let max = *scroll;
        assert!(max > 0 && max < 200, "scrolls, within the text: {max}");
        h.key(KeyCode::Char('k'));
        assert!(matches!(&h.app.mode, Mode::Detail(Detail::Finding { scroll, .. }) if *scroll == max - 1));
        let sent = updates(h.key(KeyCode::Char('N')));
        assert_eq!(sent.len(), 1);
        assert!(sent[0].1.findings[0].0.contains("guardduty"));
        assert!(matches!(h.app.mode, Mode::Detail(_)), "N keeps it open");
        h.key(KeyCode::Esc);
        assert!(matches!(h.app.mode, Mode::Normal));
    }

    #[test]
    fn keys_that_do_nothing_leave_the_screen_alone() {
        let mut h = with_sources(false);
        h.app.dirty = false;
        h.key(KeyCode::Char('w'));
        h.key(KeyCode::Char(']')); // only bound on the sources pane
        assert!(!h.app.dirty);
        h.key(KeyCode::Char('5'));
        assert!(h.app.dirty);
    }
}
