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
use super::modal::keys::{self, Outcome, Step};
pub use super::modal::{Confirm, Draft, Editor, EditorKind, Intent, Leaving, Mode, Seen};
use super::notify::{Notification, NotifyConfig, notification_for};
use super::palette::{Command, Vocabulary};
use super::sources_ui::SourcesPane;
use super::theme::Theme;
use crate::export::Format;
use crate::incident::runbook::{self, Runbook};
use crate::incident::{Declaration, Incident, Projection};
use crate::timeline::{Audience, Author, Briefing, Event, EventBody, IncidentId, NewEvent, Role, Status};
use chrono::{DateTime, Duration, SubsecRound, Utc};
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
    /// A conditional append refused by the store, not retried: what it was decided on changed
    /// (`seq`: the event that changed it; 0: it could not be checked).
    Refused {
        events: Vec<NewEvent>,
        seq: u64,
        detail: String,
    },
    /// The store's link and offline spool, as the loop last read them.
    Health(crate::timeline::StoreHealth),
    Exported(Result<String, String>),
    /// A theme read for `:theme`, or why it could not be.
    Theme(Result<Box<Theme>, String>),
    /// Unsaved actions an earlier console left for this store, to offer.
    UnsavedFound(Vec<crate::timeline::unsaved::Unsaved>),
    /// What became of them (a line to show).
    UnsavedDone(Result<String, String>),
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
    /// Read a theme (`:theme NAME`): built in, or from the config folder.
    LoadTheme(String),
    /// An earlier console's unsaved actions: save them to the store (or discard them).
    Unsaved {
        save: bool,
    },
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
    /// The sources pane: view, selections, sort, filters, and its rows.
    pub sources_ui: SourcesPane,
    /// In the facilitator's console (`warroom drill run`): the drill being played.
    pub drill: Option<crate::drill::facilitator::Facilitator>,
    /// The facilitator sees the MSEL where the metrics would be (`:msel` switches).
    pub show_msel: bool,
    /// Drafts kept from editors closed with text in them.
    pub drafts: Vec<Draft>,
    /// Incidents this console declared: only these are switched to on their own.
    declared_here: Vec<IncidentId>,
    /// Incidents declared elsewhere (or while a modal was open) since this console looked:
    /// the header's badge, until they are switched to or closed.
    pub new_incidents: Vec<IncidentId>,
    /// Where new events get their ids (the caller's: `update` has no randomness of its own).
    ids: IdSource,
    /// Refused actions waiting to be asked again (incident, intent, the event that refused
    /// them): once this console has seen that event and no modal is open.
    refused: Vec<(IncidentId, Intent, u64)>,
}

/// Gives each new event its id.
pub type IdSource = Box<dyn FnMut() -> uuid::Uuid + Send>;

impl App {
    /// A console with nothing loaded yet; `ids` gives every event it appends its id (`update`
    /// has no randomness of its own: tests give a counter).
    pub fn new(opts: Options, keymap: Keymap, theme: Theme, runbooks: Vec<Runbook>, ids: IdSource) -> App {
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
            sources_ui: SourcesPane::default(),
            drill: None,
            show_msel: true,
            drafts: Vec::new(),
            declared_here: Vec::new(),
            new_incidents: Vec::new(),
            ids,
            refused: Vec::new(),
        }
    }

    /// The initial load is done: choose the incident to show, and let live events notify.
    pub fn start(&mut self) {
        self.live = true;
        let open: Vec<IncidentId> = self.open_incidents().map(|i| i.id.clone()).collect();
        match open.as_slice() {
            [one] => self.current = Some(one.clone()),
            [] => self.current = None,
            _ => self.open_picker(),
        }
        self.dirty = true;
    }

    fn open_picker(&mut self) {
        let list = self.picker_incidents().iter().map(|i| i.id.clone()).collect();
        self.set_mode(Mode::Picker { selected: 0, list });
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

    /// Incidents offered by the picker: the open ones, worst severity first, then the newest,
    /// then the current one if closed.
    pub fn picker_incidents(&self) -> Vec<&Incident> {
        let mut list: Vec<&Incident> = self.open_incidents().collect();
        list.sort_by_key(|i| (i.severity(), std::cmp::Reverse(i.first_seq)));
        if let Some(cur) = self.incident()
            && !cur.is_open()
        {
            list.push(cur);
        }
        list
    }

    /// The newest incident of the header's badge that is still open, if any.
    pub fn new_incident_badge(&self) -> Option<&Incident> {
        self.new_incidents
            .iter()
            .filter_map(|id| self.projection.incident(id))
            .filter(|i| i.is_open() && Some(&i.id) != self.current.as_ref())
            .min_by_key(|i| (i.severity(), std::cmp::Reverse(i.first_seq)))
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
            Msg::Mouse(m) => self.on_mouse(m),
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
                self.sources_ui.clock_moved();
                self.dirty = true; // the clocks moved
            }
            Msg::DrillDue => self.drill_tick(now, &mut fx),
            Msg::Stored(e) => self.ingest(*e, &mut fx),
            Msg::Saved(n) => {
                self.pending = self.pending.saturating_sub(n);
                self.save_error = None;
                if let Mode::Leaving(leaving) = &mut self.mode {
                    leaving.failing = None;
                    if self.pending == 0 {
                        self.set_mode(Mode::Normal);
                        self.quit(&mut fx);
                    }
                }
                self.dirty = true;
            }
            Msg::Refused { events, seq, detail } => {
                self.pending = self.pending.saturating_sub(events.len());
                self.on_refused(events, seq, detail, now);
                self.dirty = true;
            }
            Msg::SaveFailed(err) => {
                if let Mode::Leaving(leaving) = &mut self.mode {
                    leaving.failing = Some(err.clone());
                }
                self.save_error = Some(err);
                self.dirty = true;
            }
            Msg::Health(health) => {
                if health != self.store_health {
                    self.store_health = health;
                    self.dirty = true;
                }
            }
            Msg::Exported(Ok(path)) => self.say(format!("Report written to {path}"), now),
            Msg::Exported(Err(e)) => self.fail(format!("Export failed: {e}"), now),
            Msg::Theme(Ok(theme)) => {
                self.theme = *theme;
                self.dirty = true;
            }
            Msg::Theme(Err(e)) => self.fail(e, now),
            Msg::UnsavedFound(kept) if !kept.is_empty() => {
                // Offered over whatever else is open only once the user is free to answer.
                if self.mode.is_normal() {
                    self.set_mode(Mode::Unsaved(kept));
                    self.dirty = true;
                }
            }
            Msg::UnsavedFound(_) => {}
            Msg::UnsavedDone(Ok(line)) => self.say(line, now),
            Msg::UnsavedDone(Err(e)) => self.fail(e, now),
            Msg::Source(o) => self.observe(*o, now, &mut fx),
        }
        if !self.refused.is_empty() {
            self.ask_refused_again(now);
        }
        self.sources_ui.refresh(&self.sources, now);
        fx
    }

    /// A conditional append the store refused: what it was decided on changed before it
    /// committed (someone else's change got there first), or it could not be checked (`seq` 0:
    /// the server is away). Nothing was written.
    fn on_refused(&mut self, events: Vec<NewEvent>, seq: u64, detail: String, now: DateTime<Utc>) {
        if let Mode::Leaving(leaving) = &mut self.mode {
            leaving.failing = Some(format!("not saved: {detail}"));
        }
        for e in events {
            if let EventBody::Handoff { to, briefing, .. } = &e.body
                && *briefing != Briefing::default()
            {
                // The briefing was written for another commander: kept, to be read again.
                let from = (self.projection.incident(&e.incident))
                    .and_then(Incident::commander)
                    .unwrap_or_default()
                    .to_string();
                self.drafts.push(Draft {
                    incident: Some(e.incident.clone()),
                    kind: EditorKind::Handoff { to: to.clone(), from },
                    lines: briefing_lines(briefing),
                });
                let msg = "Not handed over: command changed hands meanwhile. Your briefing is kept as a draft: hand over again to review it.";
                self.fail(msg.into(), now);
            } else if seq == 0 {
                self.fail(format!("Not saved: {detail}"), now);
            } else if let Some(intent) = Intent::of_refused(&e.body) {
                self.refused.push((e.incident, intent, seq));
            } else {
                self.fail(format!("Not saved: {detail}"), now);
            }
        }
        self.ask_refused_again(now);
    }

    /// Ask a refused action's question again, as it stands now, once this console has seen
    /// the change that refused it and nothing else is open.
    fn ask_refused_again(&mut self, now: DateTime<Utc>) {
        if !self.mode.is_normal() {
            return;
        }
        let last = self.projection.last_seq;
        let Some(n) = self.refused.iter().position(|(_, _, seq)| *seq <= last) else {
            return;
        };
        let (incident, intent, _) = self.refused.remove(n);
        let Some(inc) = self.projection.incident(&incident) else {
            return;
        };
        let Some(seen) = intent.seen(inc) else { return };
        if intent.is_done(inc) {
            let by = if seen.by.is_empty() {
                String::new()
            } else {
                format!(" by {}", seen.by)
            };
            return self.say(
                format!("Not saved, nothing to do: it is now {}{by}.", seen.value),
                now,
            );
        }
        let prompt = intent.asked_again(inc, &seen);
        self.set_mode(Mode::Confirm(Confirm {
            prompt,
            incident: Some(incident),
            intent,
            seen: Some(seen),
        }));
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
            } if open_drill && self.sources.apply_drill_workflow(source, findings, workflow) => {
                self.sources_ui.sources_changed();
            }
            _ => {}
        }
        self.drill_observe(&e);
        let declared = matches!(e.body, EventBody::IncidentDeclared { .. });
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
        if self.live && declared {
            self.declared(incident);
        }
        self.dirty = true;
    }

    /// A new incident is on the timeline. Only the console that declared it switches to it (or
    /// one with nothing on screen), and never while a modal is open: a draft or a prompt must
    /// stay with the incident it was opened on. Everyone else sees the badge.
    fn declared(&mut self, incident: IncidentId) {
        let here = self.declared_here.contains(&incident);
        if self.mode.is_normal() && (here || self.current.is_none()) {
            self.switch_to(incident);
        } else if !self.new_incidents.contains(&incident) {
            self.new_incidents.push(incident);
        }
    }

    fn switch_to(&mut self, id: IncidentId) {
        self.new_incidents.retain(|n| *n != id);
        self.current = Some(id);
        self.scroll = 0;
        self.follow = true;
        self.checklist_selected = 0;
        self.roster_selected = 0;
        if matches!(self.mode, Mode::Picker { .. }) {
            self.set_mode(Mode::Normal);
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

    /// A new event for `incident`, by the person at this console, stamped `now` (the moment
    /// the action was decided: a key, a save, a yes).
    pub(super) fn event_on(
        &mut self,
        incident: &IncidentId,
        body: EventBody,
        now: DateTime<Utc>,
    ) -> NewEvent {
        NewEvent::at(now, incident.clone(), self.opts.me.clone(), body)
    }

    /// A new event for the incident on screen.
    fn event(&mut self, body: EventBody, now: DateTime<Utc>) -> Option<NewEvent> {
        let id = self.current.clone()?;
        Some(self.event_on(&id, body, now))
    }

    /// Send events to the store: the one place an event leaves `update`, so the one place it
    /// is stamped — an id from the caller's `IdSource` and `update`'s `now`, whoever built it.
    pub(super) fn append(&mut self, mut events: Vec<NewEvent>, now: DateTime<Utc>, fx: &mut Vec<Effect>) {
        if events.is_empty() {
            return;
        }
        for e in &mut events {
            e.id = (self.ids)();
            e.recorded_at = now.trunc_subsecs(6);
        }
        self.pending += events.len();
        fx.push(Effect::Append(events));
    }

    /// `q`: leave, but never with an action unsaved. With saves in flight the console waits
    /// for them (and says how many); with actions only spooled on this host, it asks.
    fn quit(&mut self, fx: &mut Vec<Effect>) {
        if self.pending > 0 {
            self.set_mode(Mode::Leaving(Leaving {
                failing: self.save_error.clone(),
            }));
            return;
        }
        let spooled = self.store_health.pending;
        if spooled > 0 {
            self.set_mode(Mode::Leaving(Leaving {
                failing: Some(format!(
                    "{spooled} action(s) are spooled on this host, not yet on the server; \
                     the next console here sends them"
                )),
            }));
            return;
        }
        if !self.drafts.is_empty() {
            let on: Vec<String> = self.drafts.iter().map(draft_label).collect();
            self.set_mode(Mode::Leaving(Leaving {
                failing: Some(format!(
                    "{} draft(s) not posted ({}): they are kept for your next console on this store",
                    self.drafts.len(),
                    on.join(", ")
                )),
            }));
            return;
        }
        fx.push(Effect::Quit);
    }

    /// What to keep for the next console: the kept drafts, and the text of an editor still
    /// open (a signal or a lost terminal ends the console mid-sentence).
    pub fn drafts_to_keep(&self) -> Vec<Draft> {
        let mut drafts = self.drafts.clone();
        if let Mode::Editor(editor) = &self.mode
            && editor.is_touched()
            && !matches!(editor.kind, EditorKind::FindingNote { .. } if editor.incident.is_none())
        {
            drafts.push(Draft {
                incident: editor.incident.clone(),
                kind: editor.kind.clone(),
                lines: editor.area.lines().to_vec(),
            });
        }
        drafts
    }

    /// Drafts an earlier console kept: each opens again with its editor, on its incident.
    pub fn restore_drafts(&mut self, drafts: Vec<Draft>) {
        for d in drafts {
            if !self.drafts.contains(&d) {
                self.drafts.push(d);
            }
        }
    }

    /// Whether the key did anything (an unbound key leaves the screen as it was).
    fn on_key(&mut self, key: KeyEvent, now: DateTime<Utc>, fx: &mut Vec<Effect>) -> bool {
        let ctrl_c = key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL);
        if self.mode.is_normal() {
            // ctrl-c leaves from the panes (with the same care as q); in a modal it cancels it.
            if ctrl_c {
                self.quit(fx);
                return true;
            }
            match self.keymap.action_in(&key, &self.key_scopes()) {
                Some(action) => self.perform(action, now, fx),
                None => return false,
            }
            return true;
        }
        let tab_in_palette = key.code == KeyCode::Tab && matches!(self.mode, Mode::Palette { .. });
        let cx = keys::Context {
            keymap: &self.keymap,
            page: self.page(),
            read_only: self.opts.read_only,
            has_incident: self.current.is_some(),
            vocabulary: tab_in_palette.then(|| self.vocabulary()),
            detail_max: match &self.mode {
                Mode::Detail(d) => self.detail_max_scroll(d, now),
                _ => 0,
            },
        };
        match self.mode.on_key(key, ctrl_c, &cx) {
            Outcome::Stay => {}
            Outcome::StayAnd(steps) => self.steps(steps, now, fx),
            Outcome::Close => self.set_mode(Mode::Normal),
            Outcome::Then(steps) => {
                self.set_mode(Mode::Normal);
                self.steps(steps, now, fx);
            }
        }
        true
    }

    /// The one place the mode changes: every modal opens and closes here.
    pub(in crate::tui) fn set_mode(&mut self, mode: Mode) {
        self.mode = mode;
        self.dirty = true;
    }

    /// What a modal asked for, with what it captured.
    fn steps(&mut self, steps: Vec<Step>, now: DateTime<Utc>, fx: &mut Vec<Effect>) {
        for step in steps {
            match step {
                Step::Say(text) => self.say(text, now),
                Step::Fail(text) => self.fail(text, now),
                Step::Run { command, incident } => self.run_command(command, incident, now, fx),
                Step::Confirmed(c) => self.confirmed(c, now, fx),
                Step::Save(editor) => match self.editor_events(&editor, &editor.text(), now) {
                    Ok(events) => self.append(events, now, fx),
                    Err(e) => {
                        self.fail(e, now);
                        self.set_mode(Mode::Editor(editor));
                    }
                },
                Step::FindingNote {
                    finding,
                    incident,
                    text,
                } => self.change_finding(None, Some(text), Some(finding), incident, now, fx),
                Step::KeepDraft(editor) => self.keep_draft(&editor),
                Step::Switch(id) => self.switch_to(id),
                Step::Quit => self.quit(fx),
                Step::LeaveNow => fx.push(Effect::Quit),
                Step::Unsaved { save } => fx.push(Effect::Unsaved { save }),
                Step::Palette(text) => self.open_palette(&text),
                Step::Filter { sources, text } => self.apply_filter(sources, &text),
                Step::FindingAction {
                    action,
                    finding,
                    back,
                } => {
                    self.finding_action(action, Some(finding), now, fx);
                    if self.mode.is_normal() {
                        self.set_mode(Mode::Detail(back));
                    }
                }
            }
        }
    }

    fn keep_draft(&mut self, editor: &Editor) {
        self.drafts
            .retain(|d| !(d.incident == editor.incident && d.kind == editor.kind));
        self.drafts.push(Draft {
            incident: editor.incident.clone(),
            kind: editor.kind.clone(),
            lines: editor.area.lines().to_vec(),
        });
    }

    /// A yes: check that what was asked about still holds, then act on the state as it is now.
    fn confirmed(&mut self, c: Confirm, now: DateTime<Utc>, fx: &mut Vec<Effect>) {
        if let Intent::UpdateFindings { source, update, .. } = &c.intent {
            // Checked again as it is now: someone may have changed the finding meanwhile.
            let seen = self.finding_seen(source, update);
            if let (Some(state), Some(asked)) = (&seen, &c.seen)
                && !state.value.is_empty()
                && state.value != asked.value
            {
                let wanted = update.workflow.as_ref().map_or("", |w| w.as_str());
                if state.value == wanted {
                    let said = format!("Nothing to do: the finding is {} already.", state.value);
                    return self.say(said, now);
                }
                let prompt = c.intent.finding_asked_again(&state.value);
                return self.set_mode(Mode::Confirm(Confirm { prompt, seen, ..c }));
            }
            let (source, update) = (source.clone(), update.clone());
            return self.request_finding_update(&source, update, now, fx);
        }
        if let Intent::EndDrill { reason } = c.intent {
            return self.drill_control(crate::drill::facilitator::Control::End(reason), now, fx);
        }
        let Some(inc) = c.incident.as_ref().and_then(|id| self.projection.incident(id)) else {
            return self.fail("That incident is not on this timeline.".into(), now);
        };
        let seen = c.intent.seen(inc);
        if seen != c.seen
            && let Some(s) = &seen
        {
            if matches!(c.intent, Intent::Release { .. }) {
                return self.say(c.intent.asked_again(inc, s), now);
            }
            if c.intent.is_done(inc) {
                let by = if s.by.is_empty() {
                    String::new()
                } else {
                    format!(" by {}", s.by)
                };
                return self.say(format!("Nothing to do: it is now {}{by}.", s.value), now);
            }
            let prompt = c.intent.asked_again(inc, s);
            self.set_mode(Mode::Confirm(Confirm { prompt, seen, ..c }));
            return;
        }
        let body = match &c.intent {
            Intent::Severity(to) if *to == inc.severity() => {
                return self.say(format!("It is already {to}."), now);
            }
            Intent::Severity(to) => EventBody::SeverityChanged {
                severity: *to,
                reason: None,
            },
            Intent::SeverityStep { up } => match super::modal::step(inc.severity(), *up) {
                Some(to) => EventBody::SeverityChanged {
                    severity: to,
                    reason: None,
                },
                None => return self.say(format!("It is already {}.", inc.severity()), now),
            },
            Intent::Status { to, .. } if *to == inc.status() => {
                return self.say(format!("It is already {to}."), now);
            }
            Intent::Status { to, reason } => EventBody::StatusChanged {
                status: *to,
                reason: reason.clone(),
            },
            Intent::Release { role, person } => EventBody::RoleReleased {
                role: role.clone(),
                person: person.clone(),
            },
            Intent::TakeCommand { to } => match inc.commander() {
                Some(ic) if ic == to => return self.say(format!("{to} is IC already."), now),
                Some(ic) => EventBody::Handoff {
                    from: ic.to_string(),
                    to: to.clone(),
                    briefing: Briefing::default(),
                },
                None => EventBody::RoleAssigned {
                    role: Role::Commander,
                    person: to.clone(),
                },
            },
            Intent::EndDrill { .. } | Intent::UpdateFindings { .. } => return,
        };
        let Some(id) = c.incident else { return };
        // Decided on what this console has seen: the store refuses it if that changed before
        // it commits, and the answer comes back as the question asked again (`on_refused`).
        let since = self.projection.last_seq;
        let e = self
            .event_on(&id, body, now)
            .unless_changed(c.intent.depends_on(), since);
        self.append(vec![e], now, fx);
    }

    /// Ask before acting on `incident` (the one on screen unless a modal captured another).
    pub(super) fn ask(&mut self, intent: Intent, incident: Option<IncidentId>) {
        let inc = incident.as_ref().and_then(|id| self.projection.incident(id));
        let seen = match &intent {
            Intent::UpdateFindings { source, update, .. } => self.finding_seen(source, update),
            _ => inc.and_then(|i| intent.seen(i)),
        };
        let prompt = intent.question(inc);
        self.set_mode(Mode::Confirm(Confirm {
            prompt,
            incident,
            intent,
            seen,
        }));
    }

    fn on_paste(&mut self, s: &str) {
        match &mut self.mode {
            Mode::Palette { input, .. } => input.paste(s),
            Mode::Filter { input, sources } => {
                input.paste(s);
                let (sources, text) = (*sources, input.text().to_string());
                self.apply_filter(sources, &text);
            }
            Mode::Editor(editor) => {
                editor.area.insert_str(crate::text::clean_text(s));
            }
            _ => {}
        }
    }

    fn on_mouse(&mut self, m: MouseEvent) {
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
                self.scroll_by(if down { 3 } else { -3 });
                self.dirty = true;
            }
            _ => {}
        }
    }

    /// The filter being typed, to the pane it was opened on.
    fn apply_filter(&mut self, sources: bool, text: &str) {
        if sources {
            self.sources_ui.set_filter(text);
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
        self.set_mode(Mode::Palette {
            input: LineInput::new(text),
            candidates: Vec::new(),
            error: None,
            incident: self.current.clone(),
        });
    }

    /// Open the editor on the incident on screen: with the draft kept for it, or its template.
    pub(super) fn open_editor(&mut self, kind: EditorKind) {
        let incident = self.current.clone();
        let template: Vec<String> = match &kind {
            EditorKind::StatusUpdate => {
                let inc = self.incident();
                let status = inc.map_or("investigating".to_string(), |i| i.status().to_string());
                vec![
                    format!("We are {status}: {}.", STATUS_PLACEHOLDERS[0]),
                    format!("Impact: {}", STATUS_PLACEHOLDERS[1]),
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
        // A handoff's draft is the handoff to the same person, whoever holds command now (a
        // briefing refused because command moved is kept under the commander of that moment).
        let same = |d: &EditorKind| match (d, &kind) {
            (EditorKind::Handoff { to: a, .. }, EditorKind::Handoff { to: b, .. }) => a == b,
            _ => *d == kind,
        };
        let draft = self
            .drafts
            .iter()
            .position(|d| d.incident == incident && same(&d.kind))
            .map(|n| self.drafts.remove(n).lines);
        let mut area = TextArea::new(draft.unwrap_or_else(|| template.clone()));
        area.move_cursor(ratatui_textarea::CursorMove::Bottom);
        area.move_cursor(ratatui_textarea::CursorMove::End);
        self.set_mode(Mode::Editor(Box::new(Editor {
            kind,
            incident,
            area,
            template,
            closing: false,
            since: self.projection.last_seq,
        })));
    }

    /// Turn what was written in the editor into events for the incident it was opened on.
    fn editor_events(
        &mut self,
        editor: &Editor,
        text: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<NewEvent>, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("Nothing written yet (Esc closes).".into());
        }
        let Some(id) = editor.incident.clone() else {
            return Err("No incident on screen.".into());
        };
        let body = match &editor.kind {
            EditorKind::Note => EventBody::Note { text: text.into() },
            EditorKind::Decision => {
                let (first, rest) = text.split_once('\n').unwrap_or((text, ""));
                EventBody::Decision {
                    text: first.trim().into(),
                    rationale: (!rest.trim().is_empty()).then(|| rest.trim().to_string()),
                }
            }
            EditorKind::StatusUpdate => {
                if let Some(p) = STATUS_PLACEHOLDERS.iter().find(|p| text.contains(**p)) {
                    return Err(format!("Replace the placeholder {p} before posting."));
                }
                EventBody::StatusUpdatePosted {
                    text: text.into(),
                    audience: Audience::Internal,
                }
            }
            EditorKind::Handoff { to, from } => {
                // Written for the commander of the moment it opened: refused at commit if
                // command changed hands since, and kept as a draft (see `on_refused`).
                let body = EventBody::Handoff {
                    from: from.clone(),
                    to: to.clone(),
                    briefing: parse_briefing(text),
                };
                let e = self.event_on(&id, body, now);
                return Ok(vec![e.unless_changed(super::modal::ROLE_KINDS, editor.since)]);
            }
            EditorKind::FindingNote { .. } => return Err("A finding note goes to its source.".into()),
        };
        Ok(vec![self.event_on(&id, body, now)])
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
            Action::Quit => self.quit(fx),
            Action::Help => self.set_mode(Mode::Help { scroll: 0 }),
            Action::Palette => self.open_palette(""),
            Action::Filter => {
                let sources = self.focus == Pane::Sources;
                let current = if sources {
                    self.sources_ui.filter(self.sources_ui.tab()).to_string()
                } else {
                    (self.feed().and_then(Feed::filter))
                        .map(|f| f.source.clone())
                        .unwrap_or_default()
                };
                self.set_mode(Mode::Filter {
                    input: LineInput::new(&current),
                    sources,
                });
            }
            Action::FocusNext => self.focus = self.focus.next(),
            Action::FocusPrev => self.focus = self.focus.prev(),
            Action::FocusTimeline => self.focus = Pane::Timeline,
            Action::FocusRoster => self.focus = Pane::Roster,
            Action::FocusChecklist => self.focus = Pane::Checklist,
            Action::FocusMetrics => self.focus = Pane::Metrics,
            Action::FocusSources => self.focus = Pane::Sources,
            Action::Zoom => self.zoomed = !self.zoomed,
            Action::Up => self.scroll_by(-1),
            Action::Down => self.scroll_by(1),
            Action::PageUp => self.scroll_by(-(self.page() as i64)),
            Action::PageDown => self.scroll_by(self.page() as i64),
            Action::Top => self.scroll_by(i64::MIN / 2),
            Action::Bottom => {
                self.scroll_by(i64::MAX / 2);
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
            Action::PickIncident => self.open_picker(),
            Action::Note => self.open_editor(EditorKind::Note),
            Action::Decision => self.open_editor(EditorKind::Decision),
            Action::StatusUpdate => self.open_editor(EditorKind::StatusUpdate),
            Action::Handoff => self.open_palette("handoff "),
            Action::ToggleItem => self.toggle_item(now, fx),
            Action::SeverityUp | Action::SeverityDown => {
                let up = action == Action::SeverityUp;
                match self.incident().map(Incident::severity) {
                    Some(sev) if super::modal::step(sev, up).is_none() => {
                        self.say(format!("Already {sev}."), now)
                    }
                    Some(_) => self.ask(Intent::SeverityStep { up }, self.current.clone()),
                    None => {}
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
                self.ask(
                    Intent::Status {
                        to: next,
                        reason: None,
                    },
                    self.current.clone(),
                );
            }
            Action::Resolve => self.run_command(Command::Resolve, self.current.clone(), now, fx),
            Action::Page => self.open_palette("page "),
            Action::Acknowledge => self.open_palette("ack "),
            Action::AssignRole => self.open_palette("role "),
            Action::Declare => self.open_palette("declare "),
            Action::Export => self.run_command(Command::Export(Format::Md), self.current.clone(), now, fx),
            Action::SourceViewNext => self.sources_ui.cycle(1),
            Action::SourceViewPrev => self.sources_ui.cycle(-1),
            Action::Open => self.open_source_detail(),
            Action::SortFindings => {
                let sort = self.sources_ui.next_sort();
                self.say(format!("Findings sorted by {}", sort.label()), now);
            }
            Action::FindingNotified
            | Action::FindingResolved
            | Action::FindingSuppressed
            | Action::FindingNote => self.finding_action(action, None, now, fx),
            Action::BackupReadiness => self.sources_ui.toggle_readiness(),
            // The overlays' and the editor's own keys: they mean nothing on the panes.
            Action::Close
            | Action::Choose
            | Action::Yes
            | Action::No
            | Action::Save
            | Action::CloseEditor
            | Action::KeepDraft
            | Action::DiscardDraft
            | Action::LeaveNow
            | Action::Stay
            | Action::SaveUnsaved
            | Action::DiscardUnsaved => {}
        }
    }

    /// Key scopes in force, most specific first (see [`Scope`]).
    fn key_scopes(&self) -> Vec<super::action::Scope> {
        if self.focus != Pane::Sources {
            return Vec::new();
        }
        self.sources_ui.scopes()
    }

    fn page(&self) -> usize {
        (self.size.1 as usize).saturating_sub(8).max(1)
    }

    fn scroll_by(&mut self, delta: i64) {
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
            Pane::Sources => self.sources_ui.step(delta, &self.sources),
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
        let events = self.event(body, now).into_iter().collect();
        self.append(events, now, fx);
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

    /// Carry out a palette command on `on`, the incident it was typed for.
    pub fn run_command(
        &mut self,
        cmd: Command,
        on: Option<IncidentId>,
        now: DateTime<Utc>,
        fx: &mut Vec<Effect>,
    ) {
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
        let inc = on.as_ref().and_then(|id| self.projection.incident(id));
        if writes && needs_incident && inc.is_none() {
            self.fail("No incident on screen: `:declare SEV TITLE` first.".into(), now);
            return;
        }
        let me = self.me();
        let body = match cmd {
            // `:sev N` and `:status X` ask exactly as their keys do.
            Command::Severity(severity) => return self.ask(Intent::Severity(severity), on),
            Command::Status(to) => return self.ask(Intent::Status { to, reason: None }, on),
            // Replacing a sitting commander is a handoff: asked first, checked at commit.
            Command::Role { role, person }
                if role == Role::Commander
                    && inc.and_then(Incident::commander).is_some_and(|ic| ic != person) =>
            {
                return self.ask(Intent::TakeCommand { to: person }, on);
            }
            Command::Role { role, person } => EventBody::RoleAssigned { role, person },
            Command::Release { role, person } => {
                let holder = person.or_else(|| inc.and_then(|i| i.roles.get(&role).cloned()));
                let Some(person) = holder else {
                    return self.fail(format!("Nobody holds {role}."), now);
                };
                return self.ask(Intent::Release { role, person }, on);
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
            Command::Check(item) => match find_item(inc, &item) {
                Ok(item) => EventBody::ChecklistChecked { item },
                Err(e) => return self.fail(e, now),
            },
            Command::Uncheck(item) => match find_item(inc, &item) {
                Ok(item) => EventBody::ChecklistUnchecked { item },
                Err(e) => return self.fail(e, now),
            },
            Command::Assign { item, person } => match find_item(inc, &item) {
                Ok(item) => EventBody::ChecklistAssigned { item, person },
                Err(e) => return self.fail(e, now),
            },
            Command::Handoff(to) => {
                let from = inc.and_then(Incident::commander).unwrap_or_default().to_string();
                if from == to {
                    return self.say(format!("{to} is IC already."), now);
                }
                return self.open_editor(EditorKind::Handoff { to, from });
            }
            Command::Resolve => {
                let intent = Intent::Status {
                    to: Status::Resolved,
                    reason: None,
                };
                return self.ask(intent, on);
            }
            Command::Reopen => {
                if inc.is_some_and(Incident::is_open) {
                    return self.say("It is open already.".into(), now);
                }
                let intent = Intent::Status {
                    to: Status::Active,
                    reason: Some("reopened".into()),
                };
                return self.ask(intent, on);
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
                let id = IncidentId::from_random(now, (self.ids)());
                let events = declaration.events_as(id.clone(), &self.opts.me, rb, now);
                // This console switches to it when it comes back from the store; no other does.
                self.declared_here.push(id);
                return self.append(events, now, fx);
            }
            Command::Title(title) => EventBody::IncidentRetitled { title },
            // Ending a drill asks, as leaving it does.
            Command::Drill(crate::drill::facilitator::Control::End(reason)) if self.drill.is_some() => {
                let incident = self.drill.as_ref().map(|f| f.player.incident.clone());
                return self.ask(Intent::EndDrill { reason }, incident);
            }
            Command::Drill(control) => return self.drill_control(control, now, fx),
            Command::Msel => return self.toggle_msel(now),
            Command::Export(format) => {
                if let Some(incident) = on {
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
            // Reading the theme's file is the loop's job; the answer comes back as a message.
            Command::Theme(name) => return fx.push(Effect::LoadTheme(name)),
            Command::Help => return self.set_mode(Mode::Help { scroll: 0 }),
            Command::Sources(Some(tab)) => return self.show_source_tab(tab, now),
            Command::Sources(None) => {
                self.focus = Pane::Sources;
                return;
            }
            Command::Finding { workflow, note } => {
                return self.change_finding(workflow, note, None, on, now, fx);
            }
            Command::Quit => return self.quit(fx),
        };
        let Some(id) = on else { return };
        let mut e = self.event_on(&id, body, now);
        if matches!(
            &e.body,
            EventBody::RoleAssigned {
                role: Role::Commander,
                ..
            }
        ) {
            // Two responders taking a vacant command at once: the second is asked.
            e = e.unless_changed(super::modal::ROLE_KINDS, self.projection.last_seq);
        }
        self.append(vec![e], now, fx);
    }
}

/// Find a checklist item by its id, the part after the runbook's name, or a unique prefix.
fn find_item(inc: Option<&Incident>, wanted: &str) -> Result<String, String> {
    let inc = inc.ok_or("No incident on screen.")?;
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
        .filter(|id| id.starts_with(wanted) || id.rsplit('/').next().is_some_and(|s| s.starts_with(wanted)))
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

/// The status update template's blanks: an update still holding one is refused.
const STATUS_PLACEHOLDERS: [&str; 2] = ["<what customers see>", "<who is affected, since when>"];

fn step(current: usize, delta: i64, len: usize) -> usize {
    if len == 0 {
        return 0;
    }
    (current as i64 + delta).clamp(0, len as i64 - 1) as usize
}

/// A draft as the leaving question names it: `note on INC-…`.
fn draft_label(d: &Draft) -> String {
    let kind = match &d.kind {
        EditorKind::Note => "note".to_string(),
        EditorKind::Decision => "decision".to_string(),
        EditorKind::StatusUpdate => "status update".to_string(),
        EditorKind::Handoff { to, .. } => format!("handoff to {to}"),
        EditorKind::FindingNote { .. } => "finding note".to_string(),
    };
    match &d.incident {
        Some(id) => format!("{kind} on {id}"),
        None => kind,
    }
}

/// A briefing as the handoff editor's lines (what `parse_briefing` reads back).
fn briefing_lines(b: &Briefing) -> Vec<String> {
    let list = |items: &[String]| -> Vec<String> {
        if items.is_empty() {
            vec!["- ".into()]
        } else {
            items.iter().map(|i| format!("- {i}")).collect()
        }
    };
    let mut lines = vec![format!("Status: {}", b.status), "Hypotheses open:".into()];
    lines.extend(list(&b.hypotheses_open));
    lines.push("Hypotheses ruled out:".into());
    lines.extend(list(&b.hypotheses_ruled_out));
    lines.push(format!("Last customer update: {}", b.last_customer_update));
    lines.push("Next steps:".into());
    lines.extend(list(&b.next_steps));
    lines
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
mod tests;
