//! The console's state and its update function. `App::update` takes a message and the time,
//! changes the state and returns the effects to carry out (append, export, notify, quit); it
//! does no I/O, so every key and every store event can be tested without a terminal.
//!
//! A console never changes incident state itself: actions become events that are appended,
//! and the state changes when they come back from the store, as they do in every other console.

use super::action::{Action, Scope};
use super::entry_detail;
use super::feed::{Feed, Filter, Row};
use super::input::LineInput;
use super::keymap::Keymap;
use super::layout::{Areas, Content, Pane, layout};
use super::modal::keys::{self, Outcome, Step};
pub use super::modal::{Confirm, Draft, Editor, EditorKind, Intent, Leaving, Mode, Seen};
pub use super::model::Model;
use super::notify::{Notification, NotifyConfig, notification_for};
use super::palette::{self, Command, Vocabulary};
use super::panes::{Columns, Lines};
pub use super::panes::{Flash, FlashKind, Panes, TimeMode, TimelinePane};
use super::refs::{Detail, Find, FindingRef, SourceTab};
use super::sources_ui::{
    List, detail_area, detail_text_height, detail_text_width, finding_detail, note_problem,
};
use super::theme::Theme;
use crate::drill::facilitator::Control;
use crate::export::Format;
use crate::incident::runbook::{self, Runbook};
use crate::incident::updates::{self, UpdatesConfig};
use crate::incident::{Declaration, Incident, person_key};
use crate::sources::securityhub::Workflow;
use crate::sources::signals::Detector;
use crate::sources::view::SourceViews;
use crate::sources::{FindingUpdate, Observation, SourceConfig, SourceKind};
use crate::text::{clean_line, truncate};
use crate::timeline::{Audience, Author, Briefing, Event, EventBody, IncidentId, NewEvent, Role, Status};
pub use builder::Builder;
use chrono::{DateTime, Duration, SubsecRound, Utc};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseEvent, MouseEventKind};
use ratatui::layout::{Position, Rect};
use ratatui_textarea::TextArea;

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
    Exported(Result<Exported, String>),
    /// A theme read for `:theme`, or why it could not be.
    Theme(Result<Box<Theme>, String>),
    /// Unsaved actions an earlier console left for this store, to offer.
    UnsavedFound(Vec<crate::timeline::unsaved::Unsaved>),
    /// What became of them (a line to show).
    UnsavedDone(Result<String, String>),
    /// What a source's poller saw (or failed to).
    Source(Box<crate::sources::Observation>),
    /// The consoles open on the store, as just read (none if it could not be read).
    Presence(Vec<crate::timeline::store::Presence>),
}

/// What the loop must do for the app.
#[derive(Debug)]
pub enum Effect {
    Append(Vec<NewEvent>),
    Export {
        incident: IncidentId,
        format: Format,
        to: ExportTo,
    },
    /// Put this text (checked: [`super::clipboard::check`]) on the responder's clipboard.
    Copy(String),
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
    /// The name a responder gave on a shared login: remembered for their session.
    Identified(String),
    /// Mark this console present (unless read-only), then read who else is, since `since`:
    /// answered with `Msg::Presence`.
    Presence {
        mark: Option<crate::timeline::store::Presence>,
        since: DateTime<Utc>,
    },
    Quit,
}

/// How often a console reads who is present, and marks itself so.
const PRESENCE_READ_EVERY: Duration = Duration::seconds(5);
const PRESENCE_MARK_EVERY: Duration = Duration::seconds(30);
/// A console not marked for this long is gone (it missed two marks).
pub const PRESENT_WITHIN: Duration = Duration::seconds(75);

/// Where a report goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportTo {
    /// A file: the path asked for (`~/` is the home folder), else one named for the incident
    /// and the time, in the current folder.
    File(Option<String>),
    /// The clipboard (`:copy report`): the text comes back to be copied.
    Clipboard,
}

/// A report that was written.
#[derive(Debug)]
pub enum Exported {
    File(String),
    Text(String),
}

/// How this console was started.
#[derive(Debug, Clone)]
pub struct Options {
    pub me: Author,
    pub read_only: bool,
    pub store_name: String,
    pub notify: NotifyConfig,
    /// The status update cadence and templates.
    pub updates: UpdatesConfig,
    /// A shared login whose responder has not said who they are: ask before anything else.
    pub ask_name: bool,
    /// The most lines a timeline entry takes when it is not under the cursor.
    pub entry_lines: usize,
}

impl Options {
    /// `me`'s console on `store_name`: writing, with the default notifications.
    pub fn new(me: &str, store_name: &str) -> Options {
        Options {
            me: Author(me.to_string()),
            read_only: false,
            store_name: store_name.to_string(),
            notify: NotifyConfig::default(),
            updates: UpdatesConfig::default(),
            ask_name: false,
            entry_lines: crate::config::ENTRY_LINES,
        }
    }
}

/// The console: a dispatcher over what it knows (the model), what is on screen (the panes),
/// the modal open, and how it was set up. Messages go in through [`App::update`]; effects come
/// out for the loop to carry out.
pub struct App {
    model: Model,
    panes: Panes,
    mode: Mode,
    cx: Settings,
    session: Session,
}

/// How the console was set up: keys, theme, runbooks, options, and where ids come from.
struct Settings {
    keymap: Keymap,
    theme: Theme,
    themes: Vec<String>,
    runbooks: Vec<Runbook>,
    opts: Options,
    /// Where new events get their ids (the caller's: `update` has no randomness of its own).
    ids: IdSource,
}

/// What this console keeps for itself between messages.
#[derive(Default)]
struct Session {
    /// Drafts kept from editors closed with text in them.
    drafts: Vec<Draft>,
    /// Incidents this console declared: only these are switched to on their own.
    declared_here: Vec<IncidentId>,
    /// Refused actions waiting to be asked again (incident, intent, the event that refused
    /// them): once this console has seen that event and no modal is open.
    refused: Vec<(IncidentId, Intent, u64)>,
    /// Appends this console sent that are not yet durable.
    pending: usize,
    /// Something changed since the last frame.
    dirty: bool,
    /// The status update reminder last sent: the incident and when its update fell due.
    reminded: Option<(IncidentId, DateTime<Utc>)>,
    /// What an earlier console could not save, to offer once no other modal is open.
    unsaved_offer: Vec<crate::timeline::unsaved::Unsaved>,
    /// This console, as its presence rows name it (made at its first mark).
    console: Option<uuid::Uuid>,
    /// When presence was last asked for and this console last marked, and whether an answer
    /// is awaited (a slow store is not asked again meanwhile).
    presence_read: Option<DateTime<Utc>>,
    presence_marked: Option<DateTime<Utc>>,
    presence_awaited: bool,
}

/// What a view reads: the model and the panes, the modal, and the look — never the app.
pub struct View<'a> {
    pub model: &'a Model,
    pub panes: &'a Panes,
    pub mode: &'a Mode,
    /// Appends this console sent that are not yet durable.
    pub pending: usize,
    pub theme: &'a Theme,
    pub keymap: &'a Keymap,
    pub opts: &'a Options,
}

impl View<'_> {
    /// The incident on screen.
    pub fn incident(&self) -> Option<&Incident> {
        self.model.incident(self.panes.current.as_ref())
    }

    pub fn feed(&self) -> Option<&Feed> {
        self.model.feed(self.panes.current.as_ref())
    }

    /// Where the panes go in `area`, with `focus` focused, the header and the side column
    /// as large as their content asks.
    pub fn areas(&self, area: Rect, focus: Pane) -> Option<Areas> {
        let content = Content::of(self.incident(), self.msel_shown(), area.width);
        let sources = !self.model.sources.is_empty();
        layout(area, focus, self.panes.zoomed, sources, content)
    }

    /// Key scopes in force, most specific first: the focused pane's, with `Filtered` while
    /// it is filtered (after a search's: `esc` ends the search first).
    pub fn key_scopes(&self) -> Vec<Scope> {
        let mut scopes = self.panes.key_scopes();
        let filtered = match self.panes.focus {
            Pane::Timeline => self.feed().and_then(Feed::filter).is_some(),
            Pane::Sources => !self.panes.sources.filter(self.panes.sources.tab()).is_empty(),
            _ => false,
        };
        if filtered {
            let at = usize::from(scopes.first() == Some(&Scope::Search));
            scopes.insert(at, Scope::Filtered);
        }
        scopes
    }

    /// The worst incident of the header's badge that is still open, and how many more wait.
    pub fn new_incident_badge(&self) -> Option<(&Incident, usize)> {
        let waiting = || {
            (self.panes.new_incidents.iter())
                .filter_map(|id| self.model.projection.incident(id))
                .filter(|i| i.is_open() && Some(&i.id) != self.panes.current.as_ref())
        };
        let worst = waiting().min_by_key(|i| (i.severity(), std::cmp::Reverse(i.first_seq)))?;
        Some((worst, waiting().count() - 1))
    }

    /// The facilitator's MSEL is on screen in the metrics' place.
    pub fn msel_shown(&self) -> bool {
        self.model.drill.is_some() && self.panes.show_msel
    }

    /// A pane's name on screen (the metrics' place says MSEL while it shows the MSEL).
    pub fn pane_title(&self, pane: Pane) -> &'static str {
        match pane {
            Pane::Metrics if self.msel_shown() => "MSEL",
            _ => pane.title(),
        }
    }
}

/// Gives each new event its id.
pub type IdSource = Box<dyn FnMut() -> uuid::Uuid + Send>;

/// Whether a command's strangers (a new person or role) were asked about already.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Introduced {
    No,
    Yes,
}

impl App {
    /// A console with nothing loaded yet; `ids` gives every event it appends its id (`update`
    /// has no randomness of its own: tests give a counter).
    fn new(opts: Options, keymap: Keymap, theme: Theme, runbooks: Vec<Runbook>, ids: IdSource) -> App {
        App {
            model: Model::default(),
            panes: Panes::default(),
            mode: Mode::Normal,
            cx: Settings {
                keymap,
                theme,
                themes: Vec::new(),
                runbooks,
                opts,
                ids,
            },
            session: Session {
                dirty: true,
                ..Session::default()
            },
        }
    }

    /// The initial load is done: choose the incident to show, and let live events notify.
    pub fn start(&mut self) {
        self.model.live = true;
        self.choose_incident();
        // On a shared login nothing is done before the responder says who they are.
        if self.cx.opts.ask_name && !self.cx.opts.read_only {
            self.set_mode(Mode::Identify {
                input: LineInput::new(""),
                error: None,
            });
        }
        self.session.dirty = true;
    }

    /// Open where the action is: the worst open incident, then the most recently active; the
    /// others wait behind the header's badge (`i` lists them all).
    fn choose_incident(&mut self) {
        let mut open: Vec<&Incident> = self.open_incidents().collect();
        open.sort_by_key(|i| {
            (
                i.severity(),
                std::cmp::Reverse(i.last_event_at),
                std::cmp::Reverse(i.first_seq),
            )
        });
        let ids: Vec<IncidentId> = open.iter().map(|i| i.id.clone()).collect();
        self.panes.current = ids.first().cloned();
        self.panes.new_incidents = ids.into_iter().skip(1).collect();
    }

    /// The responder on a shared login said who they are: everything from here is theirs.
    fn identified(&mut self, name: String, now: DateTime<Utc>, fx: &mut Vec<Effect>) {
        self.cx.opts.me = self.cx.opts.me.named(&name);
        self.cx.opts.ask_name = false;
        self.say(
            format!("You are {} here.", clean_line(&self.cx.opts.me.to_string())),
            now,
        );
        fx.push(Effect::Identified(name));
        if self.panes.current.is_none() {
            self.choose_incident();
        }
    }

    fn open_picker(&mut self) {
        let list = self.picker_incidents().iter().map(|i| i.id.clone()).collect();
        self.set_mode(Mode::Picker { selected: 0, list });
    }

    /// How an app is made (the loader, tests and benches): defaults for everything else.
    pub fn builder(opts: Options) -> Builder {
        Builder::new(opts)
    }

    /// What the views read: the model and the panes, the modal and the look.
    pub fn view(&self) -> View<'_> {
        View {
            model: &self.model,
            panes: &self.panes,
            mode: &self.mode,
            pending: self.session.pending,
            theme: &self.cx.theme,
            keymap: &self.cx.keymap,
            opts: &self.cx.opts,
        }
    }

    pub fn model(&self) -> &Model {
        &self.model
    }

    pub fn panes(&self) -> &Panes {
        &self.panes
    }

    pub fn mode(&self) -> &Mode {
        &self.mode
    }

    /// Whether something changed since the last call: the loop draws a frame then.
    pub fn needs_frame(&mut self) -> bool {
        std::mem::take(&mut self.session.dirty)
    }

    fn incident(&self) -> Option<&Incident> {
        self.model.incident(self.panes.current.as_ref())
    }

    fn feed(&self) -> Option<&Feed> {
        self.model.feed(self.panes.current.as_ref())
    }

    fn open_incidents(&self) -> impl Iterator<Item = &Incident> {
        self.model.open_incidents()
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

    pub fn update(&mut self, msg: Msg, now: DateTime<Utc>) -> Vec<Effect> {
        let mut fx = Vec::new();
        match msg {
            Msg::Key(key) if key.kind != KeyEventKind::Release => {
                if self.on_key(key, now, &mut fx) {
                    self.session.dirty = true;
                }
            }
            Msg::Key(_) => {}
            Msg::Mouse(m) => self.on_mouse(m),
            Msg::Paste(s) => {
                self.on_paste(&s);
                self.session.dirty = true;
            }
            Msg::Resize(w, h) => {
                self.panes.size = (w, h);
                self.session.dirty = true;
            }
            Msg::Tick => {
                if self.panes.flash.as_ref().is_some_and(|f| f.until <= now) {
                    self.panes.flash = None;
                }
                self.drill_tick(now, &mut fx);
                self.remind_update(now, &mut fx);
                self.presence_tick(now, &mut fx);
                self.panes.sources.clock_moved();
                self.session.dirty = true; // the clocks moved
            }
            Msg::DrillDue => self.drill_tick(now, &mut fx),
            Msg::Stored(e) => self.ingest(*e, &mut fx),
            Msg::Saved(n) => {
                self.session.pending = self.session.pending.saturating_sub(n);
                self.model.save_error = None;
                if let Mode::Leaving(leaving) = &mut self.mode {
                    leaving.failing = None;
                    if self.session.pending == 0 {
                        self.set_mode(Mode::Normal);
                        self.quit(&mut fx);
                    }
                }
                self.session.dirty = true;
            }
            Msg::Refused { events, seq, detail } => {
                self.session.pending = self.session.pending.saturating_sub(events.len());
                self.on_refused(events, seq, detail, now);
                self.session.dirty = true;
            }
            Msg::SaveFailed(err) => {
                if let Mode::Leaving(leaving) = &mut self.mode {
                    leaving.failing = Some(err.clone());
                }
                self.model.save_error = Some(err);
                self.session.dirty = true;
            }
            Msg::Health(health) => {
                if health != self.model.store_health {
                    self.model.store_health = health;
                    self.session.dirty = true;
                }
            }
            Msg::Exported(Ok(Exported::File(path))) => self.say(format!("Report written to {path}"), now),
            Msg::Exported(Ok(Exported::Text(text))) => self.copy(&text, "The report", now, &mut fx),
            Msg::Exported(Err(e)) => self.fail(format!("Export failed: {e}"), now),
            Msg::Theme(Ok(theme)) => {
                self.cx.theme = *theme;
                self.session.dirty = true;
            }
            Msg::Theme(Err(e)) => self.fail(e, now),
            // Offered once the user is free to answer (not over the picker or the question of
            // who they are: it used to be dropped then, until the next console).
            Msg::UnsavedFound(kept) => self.session.unsaved_offer = kept,
            Msg::UnsavedDone(Ok(line)) => self.say(line, now),
            Msg::UnsavedDone(Err(e)) => self.fail(e, now),
            Msg::Source(o) => self.observe(*o, now, &mut fx),
            Msg::Presence(seen) => {
                self.session.presence_awaited = false;
                let present = super::model::present_by_incident(&seen);
                if present != self.model.present {
                    self.model.present = present;
                    self.session.dirty = true;
                }
            }
        }
        if !self.session.refused.is_empty() {
            self.ask_refused_again(now);
        }
        if self.mode.is_normal() && !self.session.unsaved_offer.is_empty() {
            let kept = std::mem::take(&mut self.session.unsaved_offer);
            self.set_mode(Mode::Unsaved(kept));
            self.session.dirty = true;
        }
        self.panes.sources.refresh(&self.model.sources, now);
        fx
    }

    /// The incident on screen owes a status update: say so once each time one falls due (and
    /// not to a console that cannot write one).
    fn remind_update(&mut self, now: DateTime<Utc>, fx: &mut Vec<Effect>) {
        if self.cx.opts.read_only || !self.model.live {
            return;
        }
        let Some(inc) = self.incident() else { return };
        let Some(due) = inc.update_due(&self.cx.opts.updates.cadence) else {
            return;
        };
        let key = (inc.id.clone(), due.at);
        if due.at > now || self.session.reminded.as_ref() == Some(&key) {
            return;
        }
        if let Some(n) = super::notify::update_due(inc, &due, &self.cx.opts.notify) {
            fx.push(Effect::Notify(n));
        }
        self.session.reminded = Some(key);
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
                let from = (self.model.projection.incident(&e.incident))
                    .and_then(Incident::commander)
                    .unwrap_or_default()
                    .to_string();
                self.session.drafts.push(Draft {
                    incident: Some(e.incident.clone()),
                    kind: EditorKind::Handoff { to: to.clone(), from },
                    lines: briefing_lines(briefing),
                });
                let msg = "Not handed over: command changed hands meanwhile. Your briefing is kept as a draft: hand over again to review it.";
                self.fail(msg.into(), now);
            } else if let EventBody::Amended {
                target,
                text: Some(text),
                ..
            } = &e.body
            {
                let inc = self.model.projection.incident(&e.incident);
                if let Some(entry) = inc.and_then(|i| i.entry_of(*target)) {
                    self.session.drafts.push(Draft {
                        incident: Some(e.incident.clone()),
                        kind: EditorKind::Amend {
                            seq: entry.seq,
                            target: *target,
                        },
                        lines: text.lines().map(str::to_string).collect(),
                    });
                }
                let msg = "Not amended: the entry was corrected by someone else meanwhile. Your text is kept as a draft: amend it again to review it.";
                self.fail(msg.into(), now);
            } else if seq == 0 {
                self.fail(format!("Not saved: {detail}"), now);
            } else if let Some(intent) = Intent::of_refused(&e.body) {
                self.session.refused.push((e.incident, intent, seq));
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
        let last = self.model.projection.last_seq;
        let Some(n) = self.session.refused.iter().position(|(_, _, seq)| *seq <= last) else {
            return;
        };
        let (incident, intent, _) = self.session.refused.remove(n);
        let Some(inc) = self.model.projection.incident(&incident) else {
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
            reason: None,
        }));
    }

    /// Fold a stored event into every view.
    pub fn ingest(&mut self, e: Event, fx: &mut Vec<Effect>) {
        let incident = e.incident.clone();
        let before = self.model.projection.incident(&incident);
        if self.model.live {
            let drill = before.is_some_and(|i| i.drill);
            let severity = before.map(Incident::severity);
            if let Some(n) = notification_for(&e, severity, &self.cx.opts.me, &self.cx.opts.notify, drill) {
                fx.push(Effect::Notify(n));
            }
        }
        let open_drill = self
            .model
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
            } if open_drill
                && self
                    .model
                    .sources
                    .apply_drill_workflow(source, findings, workflow) =>
            {
                self.panes.sources.sources_changed();
            }
            _ => {}
        }
        self.drill_observe(&e);
        let declared = matches!(e.body, EventBody::IncidentDeclared { .. });
        // A hidden inject is the facilitator's: players' timelines never show it.
        let hidden =
            matches!(e.body, EventBody::DrillInject { hidden: true, .. }) && self.model.drill.is_none();
        let inc = self.model.projection.incident(&incident);
        let row = (!hidden).then(|| Row::from_event(&e, inc, &mut self.model.interner));
        self.model.projection.apply(e);
        let is_current = self.panes.current.as_ref() == Some(&incident);
        let feed = self.model.feeds.entry(incident.clone()).or_default();
        let shown = row.and_then(|row| feed.push(row));
        if let Some(at) = shown
            && is_current
        {
            self.panes.timeline.row_inserted(at);
        }
        if self.model.live && declared {
            self.declared(incident);
        }
        self.session.dirty = true;
    }

    /// A new incident is on the timeline. Only the console that declared it switches to it (or
    /// one with nothing on screen), and never while a modal is open: a draft or a prompt must
    /// stay with the incident it was opened on. Everyone else sees the badge.
    fn declared(&mut self, incident: IncidentId) {
        let here = self.session.declared_here.contains(&incident);
        if self.mode.is_normal() && (here || self.panes.current.is_none()) {
            self.switch_to(incident);
        } else if !self.panes.new_incidents.contains(&incident) {
            self.panes.new_incidents.push(incident);
        }
    }

    fn switch_to(&mut self, id: IncidentId) {
        self.panes.new_incidents.retain(|n| *n != id);
        self.panes.current = Some(id);
        self.panes.timeline = TimelinePane::default();
        self.panes.checklist.selected = 0;
        self.panes.roster.selected = 0;
        if matches!(self.mode, Mode::Picker { .. }) {
            self.set_mode(Mode::Normal);
        }
    }

    pub(super) fn say(&mut self, text: String, now: DateTime<Utc>) {
        self.panes.flash = Some(Flash {
            text,
            kind: FlashKind::Info,
            until: now + Duration::seconds(4),
        });
        self.session.dirty = true;
    }

    pub(super) fn fail(&mut self, text: String, now: DateTime<Utc>) {
        self.panes.flash = Some(Flash {
            text,
            kind: FlashKind::Error,
            until: now + Duration::seconds(8),
        });
        self.session.dirty = true;
    }

    /// Every few seconds: who is present (a read), and now and then this console's own mark
    /// (never from a read-only console: it writes nothing).
    fn presence_tick(&mut self, now: DateTime<Utc>, fx: &mut Vec<Effect>) {
        let s = &mut self.session;
        if !self.model.live
            || s.presence_awaited
            || s.presence_read.is_some_and(|t| now - t < PRESENCE_READ_EVERY)
        {
            return;
        }
        s.presence_read = Some(now);
        s.presence_awaited = true;
        let due = s.presence_marked.is_none_or(|t| now - t >= PRESENCE_MARK_EVERY);
        let mark = (due && !self.cx.opts.read_only).then(|| {
            s.presence_marked = Some(now);
            crate::timeline::store::Presence {
                console: *s.console.get_or_insert_with(|| (self.cx.ids)()),
                who: self.cx.opts.me.to_string(),
                incident: self.panes.current.clone(),
                seen_at: now,
            }
        });
        fx.push(Effect::Presence {
            mark,
            since: now - PRESENT_WITHIN,
        });
    }

    fn me(&self) -> String {
        self.cx.opts.me.short().to_string()
    }

    /// A new event for `incident`, by the person at this console, stamped `now` (the moment
    /// the action was decided: a key, a save, a yes).
    pub(super) fn event_on(
        &mut self,
        incident: &IncidentId,
        body: EventBody,
        now: DateTime<Utc>,
    ) -> NewEvent {
        NewEvent::at(now, incident.clone(), self.cx.opts.me.clone(), body)
    }

    /// A new event for the incident on screen.
    fn event(&mut self, body: EventBody, now: DateTime<Utc>) -> Option<NewEvent> {
        let id = self.panes.current.clone()?;
        Some(self.event_on(&id, body, now))
    }

    /// Send events to the store: the one place an event leaves `update`, so the one place it
    /// is stamped — an id from the caller's `IdSource` and `update`'s `now`, whoever built it.
    pub(super) fn append(&mut self, mut events: Vec<NewEvent>, now: DateTime<Utc>, fx: &mut Vec<Effect>) {
        if events.is_empty() {
            return;
        }
        for e in &mut events {
            e.id = (self.cx.ids)();
            e.recorded_at = now.trunc_subsecs(6);
        }
        self.session.pending += events.len();
        fx.push(Effect::Append(events));
    }

    /// `q`: leave, but never with an action unsaved. With saves in flight the console waits
    /// for them (and says how many); with actions only spooled on this host, it asks.
    fn quit(&mut self, fx: &mut Vec<Effect>) {
        if self.session.pending > 0 {
            self.set_mode(Mode::Leaving(Leaving {
                failing: self.model.save_error.clone(),
            }));
            return;
        }
        let spooled = self.model.store_health.pending;
        if spooled > 0 {
            self.set_mode(Mode::Leaving(Leaving {
                failing: Some(format!(
                    "{spooled} action(s) are spooled on this host, not yet on the server; \
                     the next console here sends them"
                )),
            }));
            return;
        }
        if !self.session.drafts.is_empty() {
            let on: Vec<String> = self.session.drafts.iter().map(draft_label).collect();
            self.set_mode(Mode::Leaving(Leaving {
                failing: Some(format!(
                    "{} draft(s) not posted ({}): they are kept for your next console on this store",
                    self.session.drafts.len(),
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
        let mut drafts = self.session.drafts.clone();
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
            if !self.session.drafts.contains(&d) {
                self.session.drafts.push(d);
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
            match self.cx.keymap.action_in(&key, &self.view().key_scopes()) {
                Some(action) => self.perform(action, now, fx),
                None => return false,
            }
            return true;
        }
        let tab_in_palette = key.code == KeyCode::Tab && matches!(self.mode, Mode::Palette { .. });
        let cx = keys::Context {
            keymap: &self.cx.keymap,
            page: self.page(),
            read_only: self.cx.opts.read_only,
            has_incident: self.panes.current.is_some(),
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
        self.session.dirty = true;
    }

    /// What a modal asked for, with what it captured.
    fn steps(&mut self, steps: Vec<Step>, now: DateTime<Utc>, fx: &mut Vec<Effect>) {
        for step in steps {
            match step {
                Step::Say(text) => self.say(text, now),
                Step::Fail(text) => self.fail(text, now),
                Step::Run { command, incident } => self.run_command(command, incident, now, fx),
                Step::Confirmed(c) => self.confirmed(c, now, fx),
                Step::Audience(audience) => self.switch_audience(audience),
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
                Step::Identified(name) => self.identified(name, now, fx),
                Step::Unsaved { save } => fx.push(Effect::Unsaved { save }),
                Step::Palette(text) => self.open_palette(&text),
                Step::Filter { target, text } => self.apply_filter(target, &text),
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
        self.session
            .drafts
            .retain(|d| !(d.incident == editor.incident && d.kind == editor.kind));
        self.session.drafts.push(Draft {
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
        if let Intent::Introduce { command, .. } = c.intent {
            return self.run_command_as(*command, c.incident, now, fx, Introduced::Yes);
        }
        let Some(inc) = c
            .incident
            .as_ref()
            .and_then(|id| self.model.projection.incident(id))
        else {
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
        if let Some(already) = c.intent.already(inc) {
            return self.say(already, now);
        }
        let body = match &c.intent {
            Intent::Severity(to) => EventBody::SeverityChanged {
                severity: *to,
                reason: c.reason(),
            },
            Intent::SeverityStep { up } => match super::modal::step(inc.severity(), *up) {
                Some(to) => EventBody::SeverityChanged {
                    severity: to,
                    reason: c.reason(),
                },
                None => return, // said above: it is already as far as it goes
            },
            Intent::Status { to, reason } => EventBody::StatusChanged {
                status: *to,
                reason: c.reason().or_else(|| reason.clone()),
            },
            Intent::Release { role, person } => EventBody::RoleReleased {
                role: role.clone(),
                person: person.clone(),
            },
            Intent::TakeCommand { to } => match inc.commander() {
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
            Intent::EndDrill { .. } | Intent::UpdateFindings { .. } | Intent::Introduce { .. } => return,
        };
        let Some(id) = c.incident else { return };
        // Decided on what this console has seen: the store refuses it if that changed before
        // it commits, and the answer comes back as the question asked again (`on_refused`).
        let since = self.model.projection.last_seq;
        let e = self
            .event_on(&id, body, now)
            .unless_changed(c.intent.depends_on(), since);
        self.append(vec![e], now, fx);
    }

    /// Ask before acting on `incident` (the one on screen unless a modal captured another).
    pub(super) fn ask(&mut self, intent: Intent, incident: Option<IncidentId>, now: DateTime<Utc>) {
        let inc = incident
            .as_ref()
            .and_then(|id| self.model.projection.incident(id));
        // No question ever offers what already is (`R` on a resolved incident asked
        // "resolved → resolved?").
        if let Some(already) = inc.and_then(|i| intent.already(i)) {
            return self.say(already, now);
        }
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
            reason: None,
        }));
    }

    fn on_paste(&mut self, s: &str) {
        match &mut self.mode {
            Mode::Palette { input, .. } => input.paste(s),
            Mode::Confirm(Confirm {
                reason: Some(input), ..
            }) => input.paste(s),
            Mode::Filter { input, target } => {
                input.paste(s);
                let (target, text) = (*target, input.text().to_string());
                self.apply_filter(target, &text);
            }
            Mode::Editor(editor) => {
                editor.area.insert_str(crate::text::clean_text(s));
            }
            _ => {}
        }
    }

    fn on_mouse(&mut self, m: MouseEvent) {
        let Some(areas) = self.areas(self.panes.focus) else {
            return;
        };
        let at = Position::new(m.column, m.row);
        let hit = areas.panes.iter().find(|(_, r)| r.contains(at)).map(|(p, _)| *p);
        let tab = areas.tabs.iter().find(|(_, r)| r.contains(at)).map(|(p, _)| *p);
        match m.kind {
            MouseEventKind::Down(_) => {
                if let Some(p) = hit.or(tab) {
                    self.panes.focus = p;
                    self.session.dirty = true;
                }
            }
            MouseEventKind::ScrollUp | MouseEventKind::ScrollDown => {
                if let Some(p) = hit {
                    self.panes.focus = p;
                }
                let down = matches!(m.kind, MouseEventKind::ScrollDown);
                self.scroll_by(if down { 3 } else { -3 });
                self.session.dirty = true;
            }
            _ => {}
        }
    }

    /// The filter being typed, to the pane it was opened on.
    fn apply_filter(&mut self, target: Find, text: &str) {
        match target {
            Find::Sources => self.panes.sources.set_filter(text),
            Find::Filter => self.set_filter(Filter::parse(text)),
            Find::Search { from } => {
                self.panes.timeline.search = Filter::parse(text);
                // As it is typed, the nearest match at or above where the reader was.
                let found = self.find_match(from, false, true);
                if let Some(at) = found {
                    self.on_timeline(|t, len, page, lines| t.jump_to(at, len, page, lines));
                }
            }
        }
    }

    /// The first row matching the search from `from` down (or up), wrapping past the end.
    /// `here`: `from` itself counts.
    fn find_match(&self, from: usize, down: bool, here: bool) -> Option<usize> {
        let search = self.panes.timeline.search.as_ref()?;
        let feed = self.feed()?;
        let len = feed.len();
        if len == 0 {
            return None;
        }
        let from = from.min(len - 1);
        let start = if here { 0 } else { 1 };
        (start..=len)
            .map(|k| {
                if down {
                    (from + k) % len
                } else {
                    (from + len * 2 - k) % len
                }
            })
            .find(|&i| feed.get(i).is_some_and(|r| r.matches(search)))
    }

    /// `n` and `N`: the next match below (or above) the cursor, saying so when it wraps.
    fn next_match(&mut self, down: bool, now: DateTime<Utc>) {
        let cursor = self.timeline_cursor();
        let Some(at) = self.find_match(cursor, down, false) else {
            let what = (self.panes.timeline.search.as_ref()).map_or(String::new(), |s| s.source.clone());
            return self.say(format!("No match for “{}”.", clean_line(&what)), now);
        };
        if (down && at <= cursor) || (!down && at >= cursor) {
            let edge = if down { "top" } else { "bottom" };
            self.say(format!("Search wrapped to the {edge}."), now);
        }
        self.on_timeline(|t, len, page, lines| t.jump_to(at, len, page, lines));
    }

    fn set_filter(&mut self, f: Option<Filter>) {
        if let Some(id) = &self.panes.current
            && let Some(feed) = self.model.feeds.get_mut(id)
        {
            feed.set_filter(f);
        }
        self.panes.timeline.to_bottom();
    }

    fn open_palette(&mut self, text: &str) {
        self.set_mode(Mode::Palette {
            input: LineInput::new(text),
            candidates: Vec::new(),
            error: None,
            incident: self.panes.current.clone(),
        });
    }

    /// Open the editor on the incident on screen: with the draft kept for it, or its template.
    pub(super) fn open_editor(&mut self, kind: EditorKind) {
        let incident = self.panes.current.clone();
        let template: Vec<String> = match &kind {
            EditorKind::StatusUpdate { audience } => self.status_template(*audience),
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
            EditorKind::Amend { seq, .. } => {
                let entry = self.incident().and_then(|i| i.entry_at(*seq));
                entry
                    .map_or(String::new(), |e| e.text.clone())
                    .lines()
                    .map(str::to_string)
                    .collect()
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
            .session
            .drafts
            .iter()
            .position(|d| d.incident == incident && same(&d.kind))
            .map(|n| self.session.drafts.remove(n).lines);
        let area = text_area(draft.unwrap_or_else(|| template.clone()));
        self.set_mode(Mode::Editor(Box::new(Editor {
            kind,
            incident,
            area,
            template,
            closing: false,
            since: self.model.projection.last_seq,
        })));
    }

    /// A status update's starting text for `audience`, filled in for the incident on screen.
    fn status_template(&self, audience: Audience) -> Vec<String> {
        let updates = &self.cx.opts.updates;
        updates
            .templates
            .render(audience, self.incident(), &updates.cadence)
    }

    /// The status update being written is for `audience` now; untouched, its text becomes
    /// that audience's template.
    fn switch_audience(&mut self, audience: Audience) {
        let template = self.status_template(audience);
        if let Mode::Editor(editor) = &mut self.mode {
            if !editor.is_touched() {
                editor.area = text_area(template.clone());
            }
            editor.template = template;
            editor.kind = EditorKind::StatusUpdate { audience };
        }
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
        // A note or decision logged late starts with when it happened: `@14:57 …`.
        let (occurred, text) = match editor.kind {
            EditorKind::Note | EditorKind::Decision => crate::when::leading(text, now)?,
            _ => (None, text),
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
            EditorKind::StatusUpdate { audience } => {
                let template = editor.template.join("\n");
                if let Some(p) = updates::blanks(&template).into_iter().find(|p| text.contains(*p)) {
                    return Err(format!("Replace the placeholder {p} before posting."));
                }
                EventBody::StatusUpdatePosted {
                    text: text.into(),
                    audience: *audience,
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
            EditorKind::Amend { target, .. } => {
                // Written over the text as it stood: refused if it was corrected meanwhile.
                let body = EventBody::Amended {
                    target: *target,
                    text: Some(text.into()),
                    occurred_at: None,
                    reason: None,
                };
                let e = self.event_on(&id, body, now);
                return Ok(vec![
                    e.unless_changed(super::modal::CORRECTION_KINDS, editor.since),
                ]);
            }
        };
        let e = self.event_on(&id, body, now);
        Ok(vec![match occurred {
            Some(at) => e.occurred_at(at),
            None => e,
        }])
    }

    /// Carry out an action from the keymap.
    pub fn perform(&mut self, action: Action, now: DateTime<Utc>, fx: &mut Vec<Effect>) {
        if action.writes() && self.cx.opts.read_only {
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
            // In the sources pane, `/` and `&` both filter its view: it has no search.
            Action::Search | Action::Filter if self.panes.focus == Pane::Sources => {
                let current = self.panes.sources.filter(self.panes.sources.tab()).to_string();
                self.set_mode(Mode::Filter {
                    input: LineInput::new(&current),
                    target: Find::Sources,
                });
            }
            Action::Search => {
                let from = self.timeline_cursor();
                self.panes.focus = Pane::Timeline;
                self.set_mode(Mode::Filter {
                    input: LineInput::new(""),
                    target: Find::Search { from },
                });
            }
            Action::Filter => {
                let current = (self.feed().and_then(Feed::filter))
                    .map(|f| f.source.clone())
                    .unwrap_or_default();
                self.set_mode(Mode::Filter {
                    input: LineInput::new(&current),
                    target: Find::Filter,
                });
            }
            Action::Amend | Action::Retract => self.correct_selected(action, now),
            Action::SearchNext => self.next_match(true, now),
            Action::SearchPrev => self.next_match(false, now),
            Action::EndSearch => self.panes.timeline.search = None,
            Action::ClearFilter => {
                match self.panes.focus {
                    Pane::Sources => self.panes.sources.set_filter(""),
                    _ => self.set_filter(None),
                }
                self.say("Filter cleared: everything shows again.".into(), now);
            }
            Action::FocusNext => self.panes.focus = self.panes.focus.next(),
            Action::FocusPrev => self.panes.focus = self.panes.focus.prev(),
            Action::FocusTimeline => self.panes.focus = Pane::Timeline,
            Action::FocusRoster => self.panes.focus = Pane::Roster,
            Action::FocusChecklist => self.panes.focus = Pane::Checklist,
            Action::FocusMetrics => self.panes.focus = Pane::Metrics,
            Action::FocusSources => self.panes.focus = Pane::Sources,
            Action::Zoom => self.panes.zoomed = !self.panes.zoomed,
            Action::Up => self.scroll_by(-1),
            Action::Down => self.scroll_by(1),
            // The timeline's rows wrap: a page there is a page of lines.
            Action::PageUp | Action::PageDown if self.panes.focus == Pane::Timeline => {
                let down = action == Action::PageDown;
                self.on_timeline(|t, len, page, lines| t.page(down, len, page, lines));
            }
            Action::PageUp => self.scroll_by(-(self.page() as i64)),
            Action::PageDown => self.scroll_by(self.page() as i64),
            Action::HalfPageUp => self.scroll_by(-(self.page() as i64 / 2).max(1)),
            Action::HalfPageDown => self.scroll_by((self.page() as i64 / 2).max(1)),
            Action::Top if self.panes.focus == Pane::Timeline => self.panes.timeline.to_top(),
            Action::Top => self.scroll_by(i64::MIN / 2),
            Action::Bottom if self.panes.focus == Pane::Timeline => self.panes.timeline.to_bottom(),
            Action::Bottom => self.scroll_by(i64::MAX / 2),
            Action::Follow => {
                if self.panes.timeline.follow {
                    // Stop where the window is: the cursor on the newest row.
                    self.on_timeline(|t, len, page, lines| t.move_by(0, len, page, lines));
                } else {
                    self.panes.timeline.to_bottom();
                }
                self.say(
                    format!("Follow {}", if self.panes.timeline.follow { "on" } else { "off" }),
                    now,
                );
            }
            Action::TimeFormat => {
                self.panes.time_mode = match self.panes.time_mode {
                    TimeMode::Utc => TimeMode::Local,
                    TimeMode::Local => TimeMode::Offset,
                    TimeMode::Offset => TimeMode::Utc,
                }
            }
            Action::PickIncident => self.open_picker(),
            Action::Note => self.open_editor(EditorKind::Note),
            Action::Decision => self.open_editor(EditorKind::Decision),
            Action::StatusUpdate => self.open_editor(EditorKind::StatusUpdate {
                audience: Audience::Internal,
            }),
            Action::Handoff => self.open_palette("handoff "),
            Action::ToggleItem => self.toggle_item(now, fx),
            Action::SeverityUp | Action::SeverityDown => {
                let up = action == Action::SeverityUp;
                if self.incident().is_some() {
                    self.ask(Intent::SeverityStep { up }, self.panes.current.clone(), now);
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
                    self.panes.current.clone(),
                    now,
                );
            }
            Action::Resolve => self.run_command(Command::Resolve, self.panes.current.clone(), now, fx),
            Action::Page => self.open_palette("page "),
            Action::Acknowledge => self.open_palette("ack "),
            Action::AssignRole => self.open_palette("role "),
            Action::Declare => self.open_palette(&palette::declaring()),
            Action::Export => {
                let md = Command::Export {
                    format: Format::Md,
                    path: None,
                };
                self.run_command(md, self.panes.current.clone(), now, fx)
            }
            Action::Copy => {
                let copy = Command::Copy { report: false };
                self.run_command(copy, self.panes.current.clone(), now, fx)
            }
            Action::SourceViewNext => self.panes.sources.cycle(1),
            Action::SourceViewPrev => self.panes.sources.cycle(-1),
            Action::Open => match self.panes.focus {
                Pane::Timeline => self.open_entry_detail(),
                Pane::Checklist => self.open_item_detail(),
                Pane::Sources => self.open_source_detail(),
                Pane::Roster | Pane::Metrics => {}
            },
            Action::SortFindings => {
                let sort = self.panes.sources.next_sort();
                self.say(format!("Findings sorted by {}", sort.label()), now);
            }
            Action::FindingNotified
            | Action::FindingResolved
            | Action::FindingSuppressed
            | Action::FindingNote => self.finding_action(action, None, now, fx),
            Action::BackupReadiness => self.panes.sources.toggle_readiness(),
            // The overlays' and the editor's own keys: they mean nothing on the panes.
            Action::Close
            | Action::Choose
            | Action::Yes
            | Action::No
            | Action::WithReason
            | Action::Save
            | Action::CloseEditor
            | Action::NextAudience
            | Action::KeepDraft
            | Action::DiscardDraft
            | Action::LeaveNow
            | Action::Stay
            | Action::SaveUnsaved
            | Action::DiscardUnsaved => {}
        }
    }

    /// The rows inside the focused pane's frame, as the layout draws it now.
    fn page(&self) -> usize {
        self.areas(self.panes.focus)
            .and_then(|areas| areas.panes.into_iter().find(|(p, _)| *p == self.panes.focus))
            .map_or(1, |(_, r)| (r.height as usize).saturating_sub(2).max(1))
    }

    fn scroll_by(&mut self, delta: i64) {
        match self.panes.focus {
            Pane::Timeline => {
                self.on_timeline(|t, len, page, lines| t.move_by(delta, len, page, lines));
            }
            Pane::Checklist => {
                let len = self.incident().map_or(0, |i| i.checklist.len());
                self.panes.checklist.selected = step(self.panes.checklist.selected, delta, len);
            }
            Pane::Roster => {
                let len = self.incident().map_or(0, |i| i.responders.len());
                self.panes.roster.selected = step(self.panes.roster.selected, delta, len);
            }
            Pane::Sources => self.panes.sources.step(delta, &self.model.sources),
            Pane::Metrics => {}
        }
    }

    fn toggle_item(&mut self, now: DateTime<Utc>, fx: &mut Vec<Effect>) {
        if self.panes.focus != Pane::Checklist {
            self.say("Focus the checklist (3) to check items.".into(), now);
            return;
        }
        let Some(item) = self
            .incident()
            .and_then(|i| i.checklist.get(self.panes.checklist.selected))
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
        let mut people: Vec<String> = (self.incident().iter())
            .flat_map(|i| i.responders.values().map(|r| palette::quote(&r.person)))
            .collect();
        let me = self.me();
        if !people.iter().any(|p| person_key(p) == person_key(&me)) {
            people.push(palette::quote(&me));
        }
        people.sort_by_key(|p| person_key(p));
        Vocabulary {
            people,
            items: self
                .incident()
                .map(|i| {
                    i.checklist
                        .iter()
                        .map(|c| palette::quote(&c.spec.title))
                        .collect()
                })
                .unwrap_or_default(),
            incidents: self
                .model
                .projection
                .incidents()
                .iter()
                .map(|i| i.id.to_string())
                .collect(),
            themes: self.cx.themes.clone(),
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
        self.run_command_as(cmd, on, now, fx, Introduced::No);
    }

    /// A person or role `cmd` names that the incident has not seen: the question to ask first.
    fn stranger(&self, cmd: &Command, inc: &Incident) -> Option<String> {
        let (role, person) = match cmd {
            Command::Role { role, person } => (Some(role), Some(person)),
            Command::Page { person, .. } | Command::Assign { person, .. } | Command::Handoff(person) => {
                (None, Some(person))
            }
            Command::Ack(person) | Command::Join(person) => (None, person.as_ref()),
            _ => return None,
        };
        let new_role = role
            .filter(|r| matches!(r, Role::Custom(_)))
            .filter(|r| !inc.role_history.iter().any(|s| &s.role == *r));
        let me = person_key(&self.me());
        let new_person = person.filter(|p| inc.responder_named(p).is_none() && person_key(p) != me);
        let (role, person) = (
            new_role.map(|r| clean_line(r.as_str()).into_owned()),
            new_person.map(|p| clean_line(p).into_owned()),
        );
        let standard = Role::STANDARD.map(|r| r.to_string()).join(", ");
        Some(match (role, person) {
            (None, None) => return None,
            (Some(r), None) => format!("`{r}` is not a role here ({standard}) — make it one?"),
            (None, Some(p)) => format!("{p} is not on the roster — bring them in?"),
            (Some(r), Some(p)) => format!("`{r}` is a new role and {p} is not on the roster — go on?"),
        })
    }

    fn run_command_as(
        &mut self,
        cmd: Command,
        on: Option<IncidentId>,
        now: DateTime<Utc>,
        fx: &mut Vec<Effect>,
        introduced: Introduced,
    ) {
        // What it may do comes from its row in the palette's table.
        let spec = cmd.spec();
        let (writes, needs_incident) = (spec.writes, spec.needs_incident);
        if writes && self.cx.opts.read_only {
            self.fail("Read-only console: nothing can be written from here.".into(), now);
            return;
        }
        let inc = on.as_ref().and_then(|id| self.model.projection.incident(id));
        if writes && needs_incident && inc.is_none() {
            self.fail("No incident on screen: `:declare SEV TITLE` first.".into(), now);
            return;
        }
        if introduced == Introduced::No
            && let Some(question) = inc.and_then(|i| self.stranger(&cmd, i))
        {
            let command = Box::new(cmd);
            return self.ask(Intent::Introduce { question, command }, on, now);
        }
        if let (Command::Leave(Some(p)), Some(i)) = (&cmd, inc)
            && i.responder_named(p).is_none()
        {
            return self.fail(format!("{} is not on the roster.", clean_line(p)), now);
        }
        // Names as the roster spells them: `Priya` is priya once priya is on it.
        let cmd = match inc {
            Some(i) => cmd.spelt_as(|p| i.spelling(p)),
            None => cmd,
        };
        let me = self.me();
        // A note or decision logged late says when it happened: `:note @14:57 …`.
        let (cmd, occurred) = match logged_late(cmd, now) {
            Ok(late) => late,
            Err(e) => return self.fail(e, now),
        };
        let selected_item = self.panes.checklist.selected;
        let body = match cmd {
            // `:sev N` and `:status X` ask exactly as their keys do.
            Command::Severity(severity) => return self.ask(Intent::Severity(severity), on, now),
            Command::Status(to) => return self.ask(Intent::Status { to, reason: None }, on, now),
            // Replacing a sitting commander is a handoff: asked first, checked at commit.
            Command::Role { role, person }
                if role == Role::Commander
                    && inc.and_then(Incident::commander).is_some_and(|ic| ic != person) =>
            {
                return self.ask(Intent::TakeCommand { to: person }, on, now);
            }
            Command::Role { role, person } if inc.is_some_and(|i| i.roles.get(&role) == Some(&person)) => {
                let said = match role {
                    Role::Commander => format!("{person} is IC already."),
                    _ => format!("{person} is {role} already."),
                };
                return self.say(clean_line(&said).into_owned(), now);
            }
            Command::Role { role, person } => EventBody::RoleAssigned { role, person },
            Command::Release { role, person } => {
                let holder = person.or_else(|| inc.and_then(|i| i.roles.get(&role).cloned()));
                let Some(person) = holder else {
                    return self.fail(format!("Nobody holds {role}."), now);
                };
                return self.ask(Intent::Release { role, person }, on, now);
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
            Command::Update { audience, text: None } => {
                return self.open_editor(EditorKind::StatusUpdate { audience });
            }
            Command::Update {
                audience,
                text: Some(text),
            } => EventBody::StatusUpdatePosted { text, audience },
            Command::Check(item) => match find_item(inc, item.as_deref(), selected_item) {
                Ok(item) => EventBody::ChecklistChecked { item },
                Err(e) => return self.fail(e, now),
            },
            Command::Uncheck(item) => match find_item(inc, item.as_deref(), selected_item) {
                Ok(item) => EventBody::ChecklistUnchecked { item },
                Err(e) => return self.fail(e, now),
            },
            Command::Assign { item, person } => match find_item(inc, item.as_deref(), selected_item) {
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
                return self.ask(intent, on, now);
            }
            Command::Reopen => {
                if inc.is_some_and(Incident::is_open) {
                    return self.say("It is open already.".into(), now);
                }
                let intent = Intent::Status {
                    to: Status::Active,
                    reason: Some("reopened".into()),
                };
                return self.ask(intent, on, now);
            }
            Command::Declare { severity, title } => {
                let rb = runbook::find(&self.cx.runbooks, runbook::DEFAULT_RUNBOOK);
                let declaration = Declaration {
                    title,
                    severity,
                    summary: None,
                    detected_at: None,
                    drill: false,
                };
                let id = IncidentId::from_random(now, (self.cx.ids)());
                let events = declaration.events_as(id.clone(), &self.cx.opts.me, rb, now);
                // This console switches to it when it comes back from the store; no other does.
                self.session.declared_here.push(id);
                return self.append(events, now, fx);
            }
            Command::Title(title) => EventBody::IncidentRetitled { title },
            Command::Link { kind, reference, url } => EventBody::LinkAdded { kind, reference, url },
            Command::FollowUp { text, owner } => EventBody::FollowUpAdded { text, owner },
            Command::Amend { seq, text } => match inc.and_then(|i| i.correctable(seq)) {
                Some(c) if c.has_text && !c.retracted => EventBody::Amended {
                    target: c.event,
                    text: Some(text),
                    occurred_at: None,
                    reason: None,
                },
                Some(c) if c.retracted => return self.fail(format!("#{seq} is retracted."), now),
                Some(_) => {
                    return self.fail(
                        format!("#{seq} has no text to amend: retract it and record it again."),
                        now,
                    );
                }
                None => return self.fail(format!("#{seq} is not an entry of this incident."), now),
            },
            Command::Retract { seq, reason } => match inc.and_then(|i| i.correctable(seq)) {
                Some(c) if !c.retracted => EventBody::Retracted {
                    target: c.event,
                    reason,
                },
                Some(_) => return self.fail(format!("#{seq} is retracted already."), now),
                None => {
                    let what = "an entry or a severity or status change of this incident";
                    return self.fail(format!("#{seq} is not {what}."), now);
                }
            },
            // Ending a drill asks, as leaving it does.
            Command::Drill(crate::drill::facilitator::Control::End(reason)) if self.model.drill.is_some() => {
                let incident = self.model.drill.as_ref().map(|f| f.player.incident.clone());
                return self.ask(Intent::EndDrill { reason }, incident, now);
            }
            Command::Drill(control) => return self.drill_control(control, now, fx),
            Command::Msel => return self.toggle_msel(now),
            Command::Export { format, path } => {
                if let Some(incident) = on {
                    let to = ExportTo::File(path);
                    fx.push(Effect::Export { incident, format, to });
                    self.say("Writing the report…".into(), now);
                }
                return;
            }
            Command::Copy { report: true } => {
                if let Some(incident) = on {
                    let to = ExportTo::Clipboard;
                    fx.push(Effect::Export {
                        incident,
                        format: Format::Md,
                        to,
                    });
                }
                return;
            }
            Command::Copy { report: false } => {
                let (what, text) = self.copyable();
                return match text {
                    Some(text) => self.copy(&text, what, now, fx),
                    None => self.fail(
                        "Nothing to copy: no entry selected and no status update yet.".into(),
                        now,
                    ),
                };
            }
            Command::Incident(id) => {
                let id = IncidentId(id);
                if self.model.projection.incident(&id).is_some() {
                    self.switch_to(id);
                } else {
                    self.fail(format!("No incident {id}."), now);
                }
                return;
            }
            Command::Filter(text) => return self.set_filter(Filter::parse(&text)),
            Command::Time(mode) => {
                self.panes.time_mode = match mode.as_str() {
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
                self.panes.focus = Pane::Sources;
                return;
            }
            Command::Finding { workflow, note } => {
                return self.change_finding(workflow, note, None, on, now, fx);
            }
            Command::Quit => return self.quit(fx),
        };
        let Some(id) = on else { return };
        let mut e = self.event_on(&id, body, now);
        if let Some(at) = occurred {
            e = e.occurred_at(at);
        }
        if matches!(
            &e.body,
            EventBody::RoleAssigned {
                role: Role::Commander,
                ..
            }
        ) {
            // Two responders taking a vacant command at once: the second is asked.
            e = e.unless_changed(super::modal::ROLE_KINDS, self.model.projection.last_seq);
        }
        self.append(vec![e], now, fx);
    }
}

/// A note or decision whose text starts with `@TIME`, without it, and that time
/// ([`crate::when::leading`]); any other command as it is.
fn logged_late(cmd: Command, now: DateTime<Utc>) -> Result<(Command, Option<DateTime<Utc>>), String> {
    let (text, again): (&str, fn(String) -> Command) = match &cmd {
        Command::Note(text) => (text, Command::Note),
        Command::Decision(text) => (text, Command::Decision),
        _ => return Ok((cmd, None)),
    };
    let (at, rest) = crate::when::leading(text, now)?;
    Ok((again(rest.to_string()), at))
}

/// The checklist item `wanted` names — its title or words of it (`severity`), its id or the
/// part after the runbook's name — or, named by nothing, the checklist's selected row.
fn find_item(inc: Option<&Incident>, wanted: Option<&str>, selected: usize) -> Result<String, String> {
    let inc = inc.ok_or("No incident on screen.")?;
    let Some(wanted) = wanted.map(str::trim).filter(|w| !w.is_empty()) else {
        return (inc.checklist.get(selected).map(|i| i.spec.id.clone()))
            .ok_or_else(|| "No checklist item to act on: this incident has none.".into());
    };
    let lower = wanted.to_lowercase();
    let short = |id: &str| id.rsplit('/').next().unwrap_or(id).to_string();
    if let Some(one) = inc
        .checklist
        .iter()
        .find(|i| i.spec.id == wanted || short(&i.spec.id) == wanted || i.spec.title.to_lowercase() == lower)
    {
        return Ok(one.spec.id.clone());
    }
    let words: Vec<&str> = lower.split_whitespace().collect();
    let matching: Vec<_> = (inc.checklist.iter())
        .filter(|i| {
            let title = i.spec.title.to_lowercase();
            let title_words = || title.split(|c: char| !c.is_alphanumeric());
            short(&i.spec.id).starts_with(wanted)
                || words.iter().all(|w| title_words().any(|t| t.starts_with(w)))
        })
        .collect();
    match matching.as_slice() {
        [one] => Ok(one.spec.id.clone()),
        [] => Err(format!("No checklist item matches “{}”.", clean_line(wanted))),
        many => {
            let some: Vec<String> = (many.iter().take(3))
                .map(|i| format!("“{}”", clean_line(&i.spec.title)))
                .collect();
            Err(format!(
                "“{}” matches {} items ({}): say more, or Tab completes.",
                clean_line(wanted),
                many.len(),
                some.join(", ")
            ))
        }
    }
}

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
        EditorKind::StatusUpdate { audience } => format!("{audience} status update"),
        EditorKind::Handoff { to, .. } => format!("handoff to {to}"),
        EditorKind::FindingNote { .. } => "finding note".to_string(),
        EditorKind::Amend { seq, .. } => format!("amendment of #{seq}"),
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

// What the sources report, and the sources pane's actions.
impl App {
    /// Watch these sources (their observations arrive as `Msg::Source`).
    pub fn set_sources(&mut self, sources: &[SourceConfig]) {
        self.model.sources = SourceViews::new(sources);
        let settings = crate::tui::sources_ui::SourceSettings::new(sources);
        self.panes.sources = crate::tui::sources_ui::SourcesPane::new(settings, &self.model.sources);
        self.model.detector = Some(Detector::new(sources));
        self.session.dirty = true;
    }

    /// Where signals go (see [`Model::signal_incident`]).
    pub fn signal_incident(&self) -> IncidentId {
        self.model.signal_incident()
    }

    pub(super) fn observe(&mut self, observation: Observation, now: DateTime<Utc>, fx: &mut Vec<Effect>) {
        if !self.cx.opts.read_only
            && let Some(detector) = self.model.detector.as_mut()
        {
            let signals = detector.observe(&observation);
            if !signals.is_empty() {
                let incident = self.signal_incident();
                let events = signals
                    .into_iter()
                    .map(|s| s.into_event(incident.clone(), now))
                    .collect();
                self.append(events, now, fx);
            }
        }
        if let Observation::Updated {
            source,
            update,
            result,
            ..
        } = &observation
        {
            match result {
                Ok(n) => {
                    let titles = self.model.finding_titles(source, &update.findings);
                    let body = EventBody::FindingUpdated {
                        source: source.clone(),
                        findings: titles,
                        workflow: update.workflow.as_ref().map(|w| w.as_str().to_string()),
                        note: update.note.clone(),
                    };
                    // Filed on the incident it was decided on, whatever is on screen now.
                    let incident = update.incident.clone().unwrap_or_else(|| self.signal_incident());
                    let event = self.event_on(&incident, body, now);
                    self.append(vec![event], now, fx);
                    self.say(format!("{source}: {n} finding(s) updated"), now);
                }
                Err(e) => self.fail(format!("{source}: update refused: {e}"), now),
            }
        }
        if self.model.sources.apply(observation) {
            self.panes.sources.sources_changed();
            self.session.dirty = true;
        }
    }

    /// Ask a Security Hub source to change findings. Refused in read-only consoles.
    pub fn request_finding_update(
        &mut self,
        source: &str,
        update: FindingUpdate,
        now: DateTime<Utc>,
        fx: &mut Vec<Effect>,
    ) {
        if self.cx.opts.read_only {
            self.fail("Read-only console: findings cannot be changed".into(), now);
            return;
        }
        if update.findings.is_empty() {
            self.fail("No finding selected".into(), now);
            return;
        }
        // The sandbox: during a drill nothing reaches a real account. The change is recorded
        // on the timeline (where scoring finds it) and never sent.
        let drill_source = self.model.sources.get(source).is_some_and(|v| v.drill);
        let on = update
            .incident
            .as_ref()
            .and_then(|id| self.model.projection.incident(id));
        let in_drill = on.is_some_and(|i| i.drill && i.is_open());
        if drill_source || in_drill {
            let body = EventBody::FindingUpdated {
                source: source.to_string(),
                findings: self.model.finding_titles(source, &update.findings),
                workflow: update.workflow.as_ref().map(|w| w.as_str().to_string()),
                note: update.note.clone(),
            };
            let incident = update.incident.clone().unwrap_or_else(|| self.signal_incident());
            let event = self.event_on(&incident, body, now);
            self.append(vec![event], now, fx);
            self.say(
                format!("DRILL: recorded on the timeline, not sent to {source}"),
                now,
            );
            return;
        }
        self.say(format!("{source}: sending the update…"), now);
        fx.push(Effect::UpdateFindings {
            source: source.to_string(),
            update,
        });
    }

    /// A delivered inject becomes what the source would have shown: findings, a search's
    /// result, backup jobs — parsed by the same parsers as the real answers.
    pub(super) fn drill_inject(&mut self, e: &crate::timeline::Event) {
        let EventBody::DrillInject {
            target,
            source,
            search,
            payload,
            ..
        } = &e.body
        else {
            return;
        };
        let parsed = crate::drill::inject::observe(target, search.as_deref(), payload);
        match parsed {
            Ok(Some((kind, snapshot))) => {
                let name = source.clone().unwrap_or_else(|| target.clone());
                self.model
                    .sources
                    .apply_drill(&name, kind, snapshot, e.recorded_at);
                self.panes.sources.sources_changed();
                self.session.dirty = true;
            }
            Ok(None) => {}
            Err(error) => tracing::warn!(%error, "a drill inject's payload did not parse"),
        }
    }
}

// The facilitator's console: the drill's player inside the app. Injects fall due on the loop's
// drill timer (or the clock tick), controls come from `:drill …`, and every one of them is an
// append like any other action — the MSEL on screen changes when the events come back.
impl App {
    /// A stored event, for the drill's scoring (only its own incident's are kept).
    pub(super) fn drill_observe(&mut self, e: &Event) {
        if let Some(f) = self.model.drill.as_mut() {
            f.observe(e, e.recorded_at);
        }
    }

    /// The clock moved: score again, deliver what is due, and end the drill when its time is up.
    pub(super) fn drill_tick(&mut self, now: DateTime<Utc>, fx: &mut Vec<Effect>) {
        let Some(f) = self.model.drill.as_mut() else {
            return;
        };
        f.rescore(now);
        let mut events = f.due(now);
        if f.finished(now) {
            events.extend(f.player.end("scenario time is up", now));
        }
        self.append(events, now, fx);
    }

    /// When the loop should wake for the next inject.
    pub fn drill_wake(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.model.drill.as_ref().and_then(|f| f.next_due(now))
    }

    pub(super) fn drill_control(&mut self, control: Control, now: DateTime<Utc>, fx: &mut Vec<Effect>) {
        let Some(f) = self.model.drill.as_mut() else {
            return self.fail(
                "Only the facilitator's console controls a drill (`warroom drill run SCENARIO`).".into(),
                now,
            );
        };
        match f.control(&control, now) {
            Ok(events) => {
                let done = match &control {
                    Control::Pause => "Paused.".to_string(),
                    Control::Resume => "Resumed.".into(),
                    Control::Speed(s) => format!("Playing at {s}×."),
                    Control::Skip(seq) => format!("Inject {seq} skipped."),
                    Control::Inject(seq) => format!("Inject {seq} delivered."),
                    Control::Adhoc { .. } => "Ad-hoc inject delivered.".into(),
                    Control::End(_) => {
                        "Drill ended: `warroom drill report` writes the after-action report.".into()
                    }
                };
                self.append(events, now, fx);
                self.say(done, now);
            }
            Err(e) => self.fail(e, now),
        }
    }

    /// The MSEL and the metrics share a place on a facilitator's screen.
    pub(super) fn toggle_msel(&mut self, now: DateTime<Utc>) {
        if self.model.drill.is_none() {
            return self.fail("The MSEL is the facilitator's (`warroom drill run`).".into(), now);
        }
        self.panes.show_msel = !self.panes.show_msel;
        self.session.dirty = true;
    }
}

// The sources pane's keys and commands: switch views, open a detail view, and ask a Security
// Hub source to change a finding (RESOLVED and SUPPRESSED only after a yes).
impl App {
    /// Show another view (`:sources NAME`, `[` and `]`).
    pub(in crate::tui) fn show_source_tab(&mut self, tab: SourceTab, now: DateTime<Utc>) {
        if self.panes.sources.show(tab) {
            self.panes.focus = Pane::Sources;
        } else {
            self.fail(
                format!("No {} view: no source of that kind is configured.", tab.name()),
                now,
            );
        }
    }

    /// Enter on the sources pane: the selected finding or search in detail.
    pub(in crate::tui) fn open_source_detail(&mut self) {
        let pane = &self.panes.sources;
        let detail = match pane.tab() {
            SourceTab::Findings => {
                pane.selected_finding(&self.model.sources)
                    .map(|(source, f)| Detail::Finding {
                        finding: FindingRef::of(source, f),
                        scroll: 0,
                    })
            }
            SourceTab::Searches => {
                let index = pane.selected(List::Searches);
                index
                    .and_then(|i| pane.search(&self.model.sources, i))
                    .map(|r| Detail::Search {
                        source: r.view.name.clone(),
                        search: r.search.name.clone(),
                        scroll: 0,
                    })
            }
            SourceTab::Backups | SourceTab::Health => None,
        };
        if let Some(d) = detail {
            self.set_mode(Mode::Detail(d));
        }
    }

    /// The timeline's selected row (an index into the shown rows), as its window stands.
    /// What `y` copies: the selected timeline entry as written (when the timeline has the
    /// focus), else the last status update that stands.
    fn copyable(&self) -> (&'static str, Option<String>) {
        if self.panes.focus == Pane::Timeline
            && let Some(row) = self.feed().and_then(|f| f.get(self.timeline_cursor()))
        {
            let entry = self.incident().and_then(|i| i.entry_at(row.seq));
            let text = entry.map_or_else(|| row.text.clone(), |e| e.text.clone());
            return ("The selected entry", Some(text));
        }
        let last = self
            .incident()
            .and_then(|i| i.status_updates().filter(|e| !e.retracted).last());
        ("The last status update", last.map(|e| e.text.clone()))
    }

    /// Put `text` on the clipboard, and say so (or why not).
    fn copy(&mut self, text: &str, what: &str, now: DateTime<Utc>, fx: &mut Vec<Effect>) {
        match super::clipboard::check(text) {
            Ok(checked) => {
                fx.push(Effect::Copy(checked));
                self.say(
                    format!(
                        "{what} is on your clipboard ({} characters).",
                        text.chars().count()
                    ),
                    now,
                );
            }
            Err(e) => self.fail(format!("Not copied: {e}."), now),
        }
    }

    fn timeline_cursor(&self) -> usize {
        self.panes.timeline.cursor(self.feed().map_or(0, Feed::len))
    }

    /// `f` on the timeline pane with its rows measured as they are drawn: how many there are,
    /// the window's height in lines, and each row's lines.
    fn on_timeline(&mut self, f: impl FnOnce(&mut TimelinePane, usize, usize, Lines)) {
        let (width, height) = self.timeline_area();
        let (mode, cap) = (self.panes.time_mode, self.cx.opts.entry_lines);
        match self
            .panes
            .current
            .as_ref()
            .and_then(|id| self.model.feeds.get(id))
        {
            Some(feed) => {
                let cols = Columns::new(width, feed, mode, cap);
                let lines = |i, selected| cols.lines(feed, mode, i, selected);
                f(&mut self.panes.timeline, feed.len(), height, &lines);
            }
            None => f(&mut self.panes.timeline, 0, height, &|_, _| 1),
        }
    }

    /// Where the panes are at this size, with `focus` focused: as [`View::areas`] draws them.
    fn areas(&self, focus: Pane) -> Option<Areas> {
        let (w, h) = self.panes.size;
        self.view().areas(Rect::new(0, 0, w, h), focus)
    }

    /// The timeline's inside width and height as it is drawn at this size (focused, when the
    /// layout shows one pane at a time).
    fn timeline_area(&self) -> (u16, usize) {
        self.areas(Pane::Timeline)
            .and_then(|a| a.panes.into_iter().find(|(p, _)| *p == Pane::Timeline))
            .map_or((78, 1), |(_, r)| {
                (
                    r.width.saturating_sub(2),
                    usize::from(r.height.saturating_sub(2)).max(1),
                )
            })
    }

    /// `A` and `X` on the timeline's selected row: the editor with its text, or the palette
    /// asking for a reason.
    fn correct_selected(&mut self, action: Action, now: DateTime<Utc>) {
        let Some(seq) = self
            .feed()
            .and_then(|f| f.get(self.timeline_cursor()))
            .map(|r| r.seq)
        else {
            return;
        };
        let found = self.incident().and_then(|i| i.correctable(seq));
        match (action, found) {
            (_, None) => self.fail(
                format!("#{seq} cannot be corrected: only notes, decisions, updates, signals and severity or status changes can."),
                now,
            ),
            (_, Some(c)) if c.retracted => self.fail(format!("#{seq} is retracted already."), now),
            (Action::Amend, Some(c)) if !c.has_text => self.fail(
                format!("#{seq} has no text to amend: retract it (X) and record it again."),
                now,
            ),
            (Action::Amend, Some(c)) => self.open_editor(EditorKind::Amend { seq, target: c.event }),
            (_, Some(_)) => self.open_palette(&format!("retract #{seq} ")),
        }
    }

    /// The timeline's selected entry in full.
    fn open_entry_detail(&mut self) {
        let (Some(incident), Some(feed)) = (self.panes.current.clone(), self.feed()) else {
            return;
        };
        if let Some(row) = feed.get(self.timeline_cursor()) {
            let row = Box::new(row.clone());
            self.set_mode(Mode::Detail(Detail::Entry {
                incident,
                row,
                scroll: 0,
            }));
        }
    }

    /// The checklist's selected item in full, with the runbook's guidance.
    fn open_item_detail(&mut self) {
        let (Some(incident), Some(inc)) = (self.panes.current.clone(), self.incident()) else {
            return;
        };
        if let Some(item) = inc.checklist.get(self.panes.checklist.selected) {
            let item = item.spec.id.clone();
            self.set_mode(Mode::Detail(Detail::Item {
                incident,
                item,
                scroll: 0,
            }));
        }
    }

    /// How far a detail view can scroll.
    pub(in crate::tui) fn detail_max_scroll(&self, detail: &Detail, now: DateTime<Utc>) -> usize {
        match detail {
            Detail::Finding { finding, .. } => {
                let area = detail_area(Rect::new(0, 0, self.panes.size.0, self.panes.size.1));
                let Some(f) = self.model.find_finding(finding) else {
                    return 0;
                };
                let lines = finding_detail(f, &finding.source, detail_text_width(area), now);
                lines.len().saturating_sub(detail_text_height(area))
            }
            Detail::Search { source, search, .. } => {
                let rows = self
                    .model
                    .find_search(source, search)
                    .map_or(0, |s| s.result.as_ref().map_or(0, |r| r.rows.len()));
                rows.saturating_sub(1)
            }
            Detail::Entry { .. } | Detail::Item { .. } => {
                let area = detail_area(Rect::new(0, 0, self.panes.size.0, self.panes.size.1));
                let lines =
                    entry_detail::lines(&self.model, detail, self.panes.time_mode, detail_text_width(area));
                lines.len().saturating_sub(detail_text_height(area))
            }
        }
    }

    /// A finding action (`N`, `R`, `S`, `a`) on `target`, or on the selected finding.
    pub(in crate::tui) fn finding_action(
        &mut self,
        action: Action,
        target: Option<FindingRef>,
        now: DateTime<Utc>,
        fx: &mut Vec<Effect>,
    ) {
        let workflow = match action {
            Action::FindingNotified => Some(Workflow::Notified),
            Action::FindingResolved => Some(Workflow::Resolved),
            Action::FindingSuppressed => Some(Workflow::Suppressed),
            _ => None,
        };
        let on = self.panes.current.clone();
        self.change_finding(workflow, None, target, on, now, fx);
    }

    /// Ask for a workflow status and/or a note on a finding: NOTIFIED and notes go at once,
    /// RESOLVED and SUPPRESSED ask first, no text yet opens the editor.
    pub(in crate::tui) fn change_finding(
        &mut self,
        workflow: Option<Workflow>,
        note: Option<String>,
        target: Option<FindingRef>,
        on: Option<IncidentId>,
        now: DateTime<Utc>,
        fx: &mut Vec<Effect>,
    ) {
        if !self.model.sources.has_kind(SourceKind::Securityhub) {
            return self.fail("No Security Hub source is configured.".into(), now);
        }
        let selected = self.panes.sources.selected_finding(&self.model.sources);
        let target = target.or_else(|| selected.map(|(s, f)| FindingRef::of(s, f)));
        let Some(finding) = target else {
            return self.fail(
                "No finding selected: pick one in the sources pane's findings.".into(),
                now,
            );
        };
        let title = (self.model.find_finding(&finding).map(|f| f.title.as_str()))
            .filter(|t| !t.trim().is_empty())
            .unwrap_or(&finding.id);
        let title = truncate(clean_line(title).trim(), 48).into_owned();
        if workflow.is_none() && note.is_none() {
            if self.cx.opts.read_only {
                return self.fail("Read-only console: findings cannot be changed".into(), now);
            }
            return self.open_editor(EditorKind::FindingNote { finding, title });
        }
        if let Some(problem) = note.as_deref().and_then(note_problem) {
            return self.fail(problem, now);
        }
        let risky = matches!(workflow, Some(Workflow::Resolved | Workflow::Suppressed));
        let update = FindingUpdate {
            findings: vec![(finding.id, finding.product_arn)],
            workflow,
            note,
            by: format!("warroom/{}", self.cx.opts.me),
            incident: on.clone(),
        };
        let source = finding.source;
        if risky && !self.cx.opts.read_only {
            self.ask(
                Intent::UpdateFindings {
                    source,
                    update,
                    title,
                },
                on,
                now,
            );
        } else {
            self.request_finding_update(&source, update, now, fx);
        }
    }

    /// A finding change's state as asked about: the finding's workflow status now (checked
    /// again at the yes).
    pub(in crate::tui) fn finding_seen(&self, source: &str, update: &FindingUpdate) -> Option<Seen> {
        let (id, product_arn) = update.findings.first()?;
        let finding = FindingRef {
            source: source.to_string(),
            id: id.clone(),
            product_arn: product_arn.clone(),
        };
        let state = self
            .model
            .find_finding(&finding)
            .map(|f| f.workflow.as_str().to_string());
        Some(Seen {
            value: state.unwrap_or_default(),
            seq: 0,
            by: String::new(),
        })
    }
}

mod builder;
/// The editor's text area: soft-wrapped at words (so a long note, the template and the
/// handoff's labels stay in view), the cursor at the end of the text.
fn text_area(lines: Vec<String>) -> TextArea<'static> {
    let mut area = TextArea::new(lines);
    area.set_wrap_mode(ratatui_textarea::WrapMode::WordOrGlyph);
    area.move_cursor(ratatui_textarea::CursorMove::Bottom);
    area.move_cursor(ratatui_textarea::CursorMove::End);
    area
}

#[cfg(test)]
mod tests;
