//! The fold: `Projection::apply(&Event)` is deterministic and does no I/O, so replaying the same
//! events always gives the same state, in a console, an export or a test.

use crate::timeline::{
    Audience, Author, Briefing, ChecklistItemSpec, Event, EventBody, IncidentId, LinkKind, Phase, Role,
    Severity, Status, Store, StoreError,
};
use chrono::{DateTime, TimeDelta, Utc};
use rustc_hash::FxHashMap as HashMap;
use std::collections::BTreeMap;
use std::sync::Arc;
use uuid::Uuid;

/// A value that changed at a point in the timeline (severity, status).
#[derive(Debug, Clone, PartialEq)]
pub struct Change<T> {
    pub event: Uuid,
    pub seq: u64,
    pub at: DateTime<Utc>,
    pub by: Arc<str>,
    pub value: T,
    pub reason: Option<String>,
    pub retracted: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    Note,
    Decision,
    StatusUpdate(Audience),
    Signal,
    /// A change made at a source from a console (a finding's workflow status, a note).
    SourceAction,
    /// A link (the text is its reference, the detail its address).
    Link(LinkKind),
    /// An action item for after the incident (the detail is its owner).
    FollowUp,
}

/// A written entry: a note, decision, status update or signal, as corrected.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub event: Uuid,
    pub seq: u64,
    pub kind: EntryKind,
    pub at: DateTime<Utc>,
    pub recorded_at: DateTime<Utc>,
    pub author: Arc<str>,
    pub text: String,
    /// A decision's rationale, or a signal's source and severity.
    pub detail: Option<String>,
    /// The text as first written, when it has been amended.
    pub original: Option<String>,
    pub retracted: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ResponderState {
    Added,
    Paged,
    Acknowledged,
    Engaged,
    Left,
}

impl ResponderState {
    pub fn as_str(self) -> &'static str {
        match self {
            ResponderState::Added => "added",
            ResponderState::Paged => "paged",
            ResponderState::Acknowledged => "acknowledged",
            ResponderState::Engaged => "engaged",
            ResponderState::Left => "left",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Responder {
    pub person: String,
    pub state: ResponderState,
    pub since: DateTime<Utc>,
    pub contact: Option<String>,
    pub paged_via: Option<String>,
    pub paged_at: Option<DateTime<Utc>>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// When they last wrote on the incident (any event of theirs, by the time it was recorded).
    pub last_wrote: Option<DateTime<Utc>>,
}

/// How a person's name is matched: `Priya` and `priya` are one responder.
pub fn person_key(name: &str) -> String {
    name.trim().to_lowercase()
}

#[derive(Debug, Clone, PartialEq)]
pub struct ChecklistItem {
    pub runbook: String,
    pub spec: ChecklistItemSpec,
    pub checked: Option<(Arc<str>, DateTime<Utc>)>,
    pub assignee: Option<String>,
}

/// Someone holding a role, from one moment to another (none: still).
#[derive(Debug, Clone, PartialEq)]
pub struct RoleSpell {
    pub role: Role,
    pub person: String,
    pub from: DateTime<Utc>,
    pub until: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct HandoffRecord {
    pub seq: u64,
    pub at: DateTime<Utc>,
    pub from: String,
    pub to: String,
    pub briefing: Briefing,
}

/// What the fold keeps derived from an incident's history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Derived {
    milestones: Milestones,
    /// When the last status update that stands was posted to each audience (`Audience::ALL`).
    last_update: [Option<DateTime<Utc>>; Audience::ALL.len()],
    /// The newest standing link of each kind (`LinkKind::ALL`), by its event's seq.
    newest_link: [Option<u64>; LinkKind::ALL.len()],
    /// The newest status update that stands, to any audience, by its event's seq.
    latest_update: Option<u64>,
}

/// The moments an incident is measured by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Milestones {
    pub detected: Option<DateTime<Utc>>,
    pub declared: Option<DateTime<Utc>>,
    pub acknowledged: Option<DateTime<Utc>>,
    pub mitigated: Option<DateTime<Utc>>,
    pub resolved: Option<DateTime<Utc>>,
    pub closed: Option<DateTime<Utc>>,
}

impl Milestones {
    fn since_detected(&self, t: Option<DateTime<Utc>>) -> Option<TimeDelta> {
        Some(t? - self.detected.or(self.declared)?)
    }
    pub fn time_to_acknowledge(&self) -> Option<TimeDelta> {
        self.since_detected(self.acknowledged)
    }
    pub fn time_to_mitigate(&self) -> Option<TimeDelta> {
        self.since_detected(self.mitigated)
    }
    pub fn time_to_resolve(&self) -> Option<TimeDelta> {
        self.since_detected(self.resolved)
    }
    /// The incident's clock, the T+ everywhere (header, `status`, report): from detection (or
    /// the declaration) to the resolution, or to `now` while unresolved.
    pub fn elapsed(&self, now: DateTime<Utc>) -> Option<TimeDelta> {
        self.since_detected(Some(self.resolved.unwrap_or(now)))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Incident {
    pub id: IncidentId,
    pub title: String,
    pub summary: Option<String>,
    pub drill: bool,
    pub declared_by: Option<Arc<str>>,
    /// False for an incident seen only through later events (its declaration missing).
    pub declared: bool,
    pub detected_at: Option<DateTime<Utc>>,
    pub declared_at: Option<DateTime<Utc>>,
    pub severity_history: Vec<Change<Severity>>,
    pub status_history: Vec<Change<Status>>,
    /// Each role's holder, spelt as the roster spells them.
    pub roles: BTreeMap<Role, String>,
    /// Every role's holders over time, in the order they took it.
    pub role_history: Vec<RoleSpell>,
    /// Everyone on the roster, by [`person_key`]: names match whatever their case.
    pub responders: BTreeMap<String, Responder>,
    pub entries: Vec<Entry>,
    pub checklist: Vec<ChecklistItem>,
    pub runbooks: Vec<String>,
    pub handoffs: Vec<HandoffRecord>,
    pub events: u64,
    pub first_seq: u64,
    pub last_seq: u64,
    pub last_event_at: Option<DateTime<Utc>>,
    /// Kept by the fold, so that drawing never walks the entries: the milestones and when the
    /// last status update (not retracted) was posted.
    derived: Derived,
    checklist_index: HashMap<String, usize>,
    /// Each amendment that landed, and the event it corrects (never itself an amendment).
    amendments: Vec<(Uuid, Uuid)>,
}

impl Incident {
    fn new(id: IncidentId, seq: u64) -> Incident {
        Incident {
            title: format!("{id} (declaration not found)"),
            id,
            summary: None,
            drill: false,
            declared_by: None,
            declared: false,
            detected_at: None,
            declared_at: None,
            severity_history: Vec::new(),
            status_history: Vec::new(),
            roles: BTreeMap::new(),
            role_history: Vec::new(),
            responders: BTreeMap::new(),
            entries: Vec::new(),
            derived: Derived::default(),
            checklist: Vec::new(),
            runbooks: Vec::new(),
            handoffs: Vec::new(),
            events: 0,
            first_seq: seq,
            last_seq: seq,
            last_event_at: None,
            checklist_index: HashMap::default(),
            amendments: Vec::new(),
        }
    }

    fn current<T: Copy>(history: &[Change<T>]) -> Option<T> {
        history.iter().rev().find(|c| !c.retracted).map(|c| c.value)
    }

    pub fn severity(&self) -> Severity {
        Self::current(&self.severity_history).unwrap_or(Severity::LEAST)
    }

    pub fn status(&self) -> Status {
        Self::current(&self.status_history).unwrap_or(Status::Triage)
    }

    pub fn is_open(&self) -> bool {
        self.status().is_open()
    }

    pub fn commander(&self) -> Option<&str> {
        self.roles.get(&Role::Commander).map(String::as_str)
    }

    /// The roles a person holds, for the roster.
    pub fn roles_of(&self, person: &str) -> Vec<&Role> {
        let key = person_key(person);
        self.roles
            .iter()
            .filter(|(_, p)| person_key(p) == key)
            .map(|(r, _)| r)
            .collect()
    }

    /// The responder of this name, whatever its case.
    pub fn responder_named(&self, name: &str) -> Option<&Responder> {
        self.responders.get(&person_key(name))
    }

    /// A name as the roster spells it (`Priya` is `priya` once priya is on it).
    pub fn spelling(&self, name: &str) -> String {
        self.responder_named(name)
            .map_or_else(|| name.trim().to_string(), |r| r.person.clone())
    }

    /// How many times it went back from resolved or closed.
    pub fn reopened(&self) -> usize {
        // Retracted changes are left out: a retracted resolution was never one, and a retracted
        // reopen never happened (both used to count as reopens).
        let mut live = self
            .status_history
            .iter()
            .filter(|c| !c.retracted)
            .map(|c| c.value);
        let Some(mut prev) = live.next() else { return 0 };
        live.filter(|&s| {
            let reopen = !prev.is_open() && s.is_open();
            prev = s;
            reopen
        })
        .count()
    }

    /// The written entry (note, decision, update, signal) event `seq` made, as corrected.
    pub fn entry_at(&self, seq: u64) -> Option<&Entry> {
        // The fold applies events in sequence order, so entries are sorted by it.
        let at = self.entries.binary_search_by_key(&seq, |e| e.seq).ok()?;
        self.entries.get(at)
    }

    /// The entry made by the event with this id.
    pub fn entry_of(&self, event: Uuid) -> Option<&Entry> {
        self.entries.iter().find(|e| e.event == event)
    }

    pub fn handoff_at(&self, seq: u64) -> Option<&HandoffRecord> {
        self.handoffs.iter().find(|h| h.seq == seq)
    }

    /// The reason given with the severity or status change event `seq` made.
    pub fn change_reason(&self, seq: u64) -> Option<&str> {
        let changes = self.severity_history.iter().map(|c| (c.seq, &c.reason));
        let mut all = changes.chain(self.status_history.iter().map(|c| (c.seq, &c.reason)));
        all.find(|(s, _)| *s == seq)?.1.as_deref()
    }

    /// The moments this incident is measured by (kept by the fold: cheap on every frame).
    pub fn milestones(&self) -> Milestones {
        self.derived.milestones
    }

    /// When the last status update that stands was posted, to any audience (kept by the fold).
    pub fn last_status_update_at(&self) -> Option<DateTime<Utc>> {
        self.derived.last_update.iter().flatten().max().copied()
    }

    /// When the last status update that stands was posted to `audience` (kept by the fold).
    pub fn last_update_to(&self, audience: Audience) -> Option<DateTime<Utc>> {
        self.derived.last_update[audience.index()]
    }

    /// Work out again what the fold keeps: after an event that may change it.
    fn refresh_derived(&mut self) {
        let mut last_update = [None; Audience::ALL.len()];
        let mut latest: Option<(DateTime<Utc>, u64)> = None;
        for e in self.status_updates().filter(|e| !e.retracted) {
            if let EntryKind::StatusUpdate(audience) = e.kind {
                let last = &mut last_update[audience.index()];
                *last = (*last).max(Some(e.at));
                latest = latest.max(Some((e.at, e.seq)));
            }
        }
        let mut newest_link = [None; LinkKind::ALL.len()];
        for e in self.links() {
            if let EntryKind::Link(kind) = e.kind {
                newest_link[kind.index()] = Some(e.seq);
            }
        }
        self.derived = Derived {
            milestones: self.compute_milestones(),
            last_update,
            newest_link,
            latest_update: latest.map(|(_, seq)| seq),
        };
    }

    /// Milestones derived from the (corrected) history: the first acknowledgement or move to
    /// active, the first mitigation, and the resolution the history ends in, if it still stands
    /// (after a reopen, the last one: time to resolve counts to the final resolution).
    fn compute_milestones(&self) -> Milestones {
        let live = || self.status_history.iter().filter(|c| !c.retracted);
        let first_at = |pred: &dyn Fn(Status) -> bool| live().filter(|c| pred(c.value)).map(|c| c.at).min();
        // MTTA as PagerDuty defines it: to the first acknowledgement of a page (a move to
        // active is not one: it used to count, so an incident nobody was paged for had an MTTA).
        let acknowledged = self.responders.values().filter_map(|r| r.acknowledged_at).min();
        let mitigated = first_at(&|s| s >= Status::Mitigated && s != Status::Closed)
            .or_else(|| first_at(&|s| s == Status::Closed));
        let status = self.status();
        // Only the run of resolved/closed the history ends in (empty while open) counts: a
        // resolution before a reopen does not stand. (A reopened incident closed without a
        // second `resolved` used to show the first resolution, before the reopen.)
        let final_run = self
            .status_history
            .iter()
            .rposition(|c| !c.retracted && c.value.is_open())
            .map_or(0, |i| i + 1);
        let final_run = || self.status_history[final_run..].iter().filter(|c| !c.retracted);
        let latest = |s: Status| final_run().filter(|c| c.value == s).map(|c| c.at).max();
        let resolved = latest(Status::Resolved).or_else(|| latest(Status::Closed));
        Milestones {
            detected: self.detected_at.or(self.declared_at),
            declared: self.declared_at,
            acknowledged,
            mitigated,
            resolved,
            closed: if status == Status::Closed {
                latest(Status::Closed)
            } else {
                None
            },
        }
    }

    pub fn notes(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(|e| e.kind == EntryKind::Note)
    }
    pub fn decisions(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(|e| e.kind == EntryKind::Decision)
    }
    /// The links that stand (not retracted), oldest first.
    pub fn links(&self) -> impl Iterator<Item = &Entry> {
        (self.entries.iter()).filter(|e| matches!(e.kind, EntryKind::Link(_)) && !e.retracted)
    }
    /// The newest standing link of a kind (the bridge, the chat channel; kept by the fold:
    /// the header asks on every frame).
    /// The newest status update that stands, to any audience (kept by the fold).
    pub fn latest_update(&self) -> Option<&Entry> {
        self.entry_at(self.derived.latest_update?)
    }

    pub fn link(&self, kind: LinkKind) -> Option<&Entry> {
        self.entry_at(self.derived.newest_link[kind.index()]?)
    }
    pub fn follow_ups(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(|e| e.kind == EntryKind::FollowUp)
    }
    pub fn status_updates(&self) -> impl Iterator<Item = &Entry> {
        self.entries
            .iter()
            .filter(|e| matches!(e.kind, EntryKind::StatusUpdate(_)))
    }

    /// Checklist progress: (checked, total).
    pub fn checklist_progress(&self) -> (usize, usize) {
        let done = self.checklist.iter().filter(|i| i.checked.is_some()).count();
        (done, self.checklist.len())
    }

    /// Checklist progress of each phase, in `Phase::ALL` order: (checked, total), in one pass.
    pub fn progress_by_phase(&self) -> [(usize, usize); Phase::ALL.len()] {
        let mut out = [(0, 0); Phase::ALL.len()];
        for item in &self.checklist {
            if let Some(n) = Phase::ALL.iter().position(|p| *p == item.spec.phase) {
                out[n].0 += usize::from(item.checked.is_some());
                out[n].1 += 1;
            }
        }
        out
    }

    pub fn checklist_item(&self, id: &str) -> Option<&ChecklistItem> {
        self.checklist_index.get(id).map(|&i| &self.checklist[i])
    }

    /// The title of the checklist item with this id: how people name it.
    pub fn item_title(&self, id: &str) -> Option<&str> {
        self.checklist_item(id).map(|item| item.spec.title.as_str())
    }

    fn responder(&mut self, person: &str, at: DateTime<Utc>) -> &mut Responder {
        self.responders
            .entry(person_key(person))
            .or_insert_with(|| Responder {
                person: person.trim().to_string(),
                state: ResponderState::Added,
                since: at,
                contact: None,
                paged_via: None,
                paged_at: None,
                acknowledged_at: None,
                last_wrote: None,
            })
    }

    /// What the event `seq` made, if it can be corrected: an entry (amended or retracted), or
    /// a severity or status change (retracted). Not the declaration: declare again instead.
    pub fn correctable(&self, seq: u64) -> Option<Correctable> {
        if let Some(e) = self.entry_at(seq) {
            return Some(Correctable {
                event: e.event,
                has_text: true,
                retracted: e.retracted,
            });
        }
        let change = |c: (Uuid, u64, bool)| (c.1 == seq).then_some(c);
        let (event, _, retracted) = (self.severity_history.iter().skip(usize::from(self.declared)))
            .map(|c| (c.event, c.seq, c.retracted))
            .chain(
                self.status_history
                    .iter()
                    .skip(usize::from(self.declared))
                    .map(|c| (c.event, c.seq, c.retracted)),
            )
            .find_map(change)?;
        Some(Correctable {
            event,
            has_text: false,
            retracted,
        })
    }

    /// The entry or change an amend or retract points at. Corrections are rare and usually of
    /// something recent, so a search from the end beats indexing every event.
    fn find(&self, event: Uuid) -> Option<Target> {
        if self.severity_history.first().is_some_and(|c| c.event == event) && self.declared {
            return None; // the declaration itself is not retracted: declare again instead
        }
        if let Some(i) = self.entries.iter().rposition(|e| e.event == event) {
            return Some(Target::Entry(i));
        }
        if let Some(i) = self.severity_history.iter().rposition(|c| c.event == event) {
            return Some(Target::Severity(i));
        }
        self.status_history
            .iter()
            .rposition(|c| c.event == event)
            .map(Target::Status)
    }

    /// `person` holds `role` from `at` on (none: nobody does); the spell before ends then.
    /// The one place both the holders and their history change.
    fn hold_role(&mut self, role: &Role, person: Option<&str>, at: DateTime<Utc>) {
        match person {
            Some(p) => self.roles.insert(role.clone(), p.to_string()),
            None => self.roles.remove(role),
        };
        let current = (self.role_history.iter_mut()).rfind(|s| s.role == *role && s.until.is_none());
        if let Some(spell) = current {
            if Some(spell.person.as_str()) == person {
                return;
            }
            spell.until = Some(at);
        }
        if let Some(person) = person {
            self.role_history.push(RoleSpell {
                role: role.clone(),
                person: person.to_string(),
                from: at,
                until: None,
            });
        }
    }

    /// The worst severity that stood, and how long the incident spent at each severity until
    /// `until` (its resolution, or now), worst first.
    pub fn time_at_severity(&self, until: DateTime<Utc>) -> Vec<(Severity, TimeDelta)> {
        let mut live: Vec<&Change<Severity>> =
            self.severity_history.iter().filter(|c| !c.retracted).collect();
        live.sort_by_key(|c| (c.at, c.seq));
        let mut spent: BTreeMap<Severity, TimeDelta> = BTreeMap::new();
        for (n, c) in live.iter().enumerate() {
            let end = live.get(n + 1).map_or(until, |next| next.at).min(until);
            *spent.entry(c.value).or_default() += (end - c.at).max(TimeDelta::zero());
        }
        spent.into_iter().collect()
    }

    fn set_responder_state(&mut self, person: &str, state: ResponderState, at: DateTime<Utc>) {
        let r = self.responder(person, at);
        r.state = state;
        r.since = at;
    }

    /// Paged or acknowledged: a step forward, or back in after leaving, but never a step back
    /// from a later state. (An acknowledgement logged after the join, or a page to someone
    /// already on the bridge, used to show an engaged responder as acked or paged.)
    fn advance_responder(&mut self, person: &str, state: ResponderState, at: DateTime<Utc>) {
        let r = self.responder(person, at);
        if r.state < state || r.state == ResponderState::Left {
            r.state = state;
            r.since = at;
        }
    }
}

/// An event that can be corrected (see [`Incident::correctable`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Correctable {
    pub event: Uuid,
    /// An entry: its text can be amended. Otherwise a change, which can only be retracted.
    pub has_text: bool,
    pub retracted: bool,
}

/// Where an amend or retract lands.
#[derive(Debug, Clone, Copy)]
enum Target {
    Entry(usize),
    Severity(usize),
    Status(usize),
}

/// The state of every incident in a store, built by folding its events in order.
#[derive(Debug, Default)]
pub struct Projection {
    incidents: Vec<Incident>,
    by_id: HashMap<IncidentId, usize>,
    authors: HashMap<String, Arc<str>>,
    pub last_seq: u64,
}

impl Projection {
    pub fn new() -> Projection {
        Projection::default()
    }

    /// Every incident, in the order they were declared.
    pub fn incidents(&self) -> &[Incident] {
        &self.incidents
    }

    pub fn incident(&self, id: &IncidentId) -> Option<&Incident> {
        self.by_id.get(id).map(|&i| &self.incidents[i])
    }

    pub fn open_incidents(&self) -> impl Iterator<Item = &Incident> {
        self.incidents.iter().filter(|i| i.is_open())
    }

    fn author(&mut self, a: &Author) -> Arc<str> {
        if let Some(s) = self.authors.get(a.as_str()) {
            return s.clone();
        }
        let s: Arc<str> = Arc::from(a.as_str());
        self.authors.insert(a.0.clone(), s.clone());
        s
    }

    /// Fold one event in. Events must come in sequence order; a replayed one is ignored.
    pub fn apply(&mut self, e: Event) {
        if e.seq != 0 && e.seq <= self.last_seq {
            return;
        }
        self.last_seq = e.seq;
        let by = self.author(&e.author);
        let idx = match self.by_id.get(&e.incident) {
            Some(&i) => i,
            None => {
                self.incidents.push(Incident::new(e.incident.clone(), e.seq));
                self.by_id.insert(e.incident.clone(), self.incidents.len() - 1);
                self.incidents.len() - 1
            }
        };
        let at = e.at();
        let inc = &mut self.incidents[idx];
        inc.events += 1;
        inc.last_seq = e.seq;
        inc.last_event_at = Some(inc.last_event_at.map_or(e.recorded_at, |t| t.max(e.recorded_at)));

        let stamp = Stamp {
            event: e.id,
            seq: e.seq,
            at,
        };
        let recorded_at = e.recorded_at;
        let entry = |kind, text: String, detail: Option<String>| Entry {
            event: stamp.event,
            seq: stamp.seq,
            kind,
            at,
            recorded_at,
            author: by.clone(),
            text,
            detail,
            original: None,
            retracted: false,
        };
        // Writing about anything but someone's page, answer or coming and going is being at
        // work: it engages a roster member who had not said so (not an acknowledgement: MTTA
        // counts only those). Every event of a person's is when they were last seen.
        let works = !matches!(
            e.body,
            EventBody::ResponderAdded { .. }
                | EventBody::ResponderPaged { .. }
                | EventBody::ResponderAcknowledged { .. }
                | EventBody::ResponderJoined { .. }
                | EventBody::ResponderLeft { .. }
        );
        let writer = crate::timeline::person_of(&by).map(person_key);
        // The events that can move a milestone or the last status update.
        let derives = matches!(
            e.body,
            EventBody::IncidentDeclared { .. }
                | EventBody::StatusChanged { .. }
                | EventBody::ResponderAcknowledged { .. }
                | EventBody::StatusUpdatePosted { .. }
                | EventBody::LinkAdded { .. }
                | EventBody::Amended { .. }
                | EventBody::Retracted { .. }
        );
        match e.body {
            EventBody::IncidentDeclared {
                title,
                severity,
                summary,
                detected_at,
                drill,
            } => {
                inc.title = title;
                inc.summary = summary;
                inc.drill = drill;
                inc.declared = true;
                inc.declared_by = Some(by.clone());
                inc.declared_at = Some(at);
                inc.detected_at = detected_at;
                inc.severity_history.push(change(&stamp, &by, severity, None));
                inc.status_history.push(change(&stamp, &by, Status::Triage, None));
            }
            EventBody::IncidentRetitled { title } => inc.title = title,
            EventBody::SeverityChanged { severity, reason } => {
                inc.severity_history.push(change(&stamp, &by, severity, reason));
            }
            EventBody::StatusChanged { status, reason } => {
                inc.status_history.push(change(&stamp, &by, status, reason));
            }
            // Holding a role says nothing of answering a page: someone paged who never
            // acknowledged stays "paged, no answer" with a role (it used to read "engaged").
            EventBody::RoleAssigned { role, person } => {
                let person = inc.responder(&person, at).person.clone();
                inc.hold_role(&role, Some(&person), at);
            }
            EventBody::RoleReleased { role, person } => {
                if inc
                    .roles
                    .get(&role)
                    .is_some_and(|p| person_key(p) == person_key(&person))
                {
                    inc.hold_role(&role, None, at);
                }
            }
            EventBody::ResponderAdded { person, contact } => {
                let r = inc.responder(&person, at);
                if contact.is_some() {
                    r.contact = contact;
                }
            }
            EventBody::ResponderPaged { person, via } => {
                inc.advance_responder(&person, ResponderState::Paged, at);
                let r = inc.responder(&person, at);
                r.paged_via = via;
                r.paged_at = Some(at);
            }
            EventBody::ResponderAcknowledged { person } => {
                inc.advance_responder(&person, ResponderState::Acknowledged, at);
                let r = inc.responder(&person, at);
                r.acknowledged_at.get_or_insert(at);
            }
            EventBody::ResponderJoined { person } => {
                inc.set_responder_state(&person, ResponderState::Engaged, at)
            }
            EventBody::ResponderLeft { person } => {
                inc.set_responder_state(&person, ResponderState::Left, at);
                let held: Vec<Role> = inc.roles_of(&person).into_iter().cloned().collect();
                for role in held {
                    inc.hold_role(&role, None, at);
                }
            }
            EventBody::Note { text } => {
                inc.entries.push(entry(EntryKind::Note, text, None));
            }
            EventBody::Decision { text, rationale } => {
                inc.entries.push(entry(EntryKind::Decision, text, rationale));
            }
            EventBody::StatusUpdatePosted { text, audience } => {
                inc.entries
                    .push(entry(EntryKind::StatusUpdate(audience), text, None));
            }
            EventBody::LinkAdded { kind, reference, url } => {
                inc.entries.push(entry(EntryKind::Link(kind), reference, url));
            }
            EventBody::FollowUpAdded { text, owner } => {
                inc.entries.push(entry(EntryKind::FollowUp, text, owner));
            }
            EventBody::Signal {
                source,
                title,
                severity,
                ..
            } => {
                let detail = match severity {
                    Some(s) => format!("{source} · {s}"),
                    None => source,
                };
                inc.entries.push(entry(EntryKind::Signal, title, Some(detail)));
            }
            EventBody::DrillInject {
                description,
                from,
                hidden: false,
                ..
            } => {
                let from = from.unwrap_or_else(|| "drill".to_string());
                inc.entries
                    .push(entry(EntryKind::Signal, description, Some(from)));
            }
            EventBody::DrillStarted { .. }
            | EventBody::DrillPaused { .. }
            | EventBody::DrillResumed { .. }
            | EventBody::DrillSpeed { .. }
            | EventBody::DrillInject { .. }
            | EventBody::DrillSkipped { .. }
            | EventBody::DrillEnded { .. } => {}
            body @ EventBody::FindingUpdated { .. } => {
                let text = crate::timeline::describe::describe(&body);
                let source = match body {
                    EventBody::FindingUpdated { source, .. } => source,
                    _ => String::new(),
                };
                inc.entries
                    .push(entry(EntryKind::SourceAction, text, Some(source)));
            }
            EventBody::ChecklistAdded { runbook, items } => {
                if !inc.runbooks.contains(&runbook) {
                    inc.runbooks.push(runbook.clone());
                }
                for spec in items {
                    if inc.checklist_index.contains_key(&spec.id) {
                        continue;
                    }
                    inc.checklist_index.insert(spec.id.clone(), inc.checklist.len());
                    inc.checklist.push(ChecklistItem {
                        runbook: runbook.clone(),
                        spec,
                        checked: None,
                        assignee: None,
                    });
                }
            }
            EventBody::ChecklistChecked { item } => {
                if let Some(&i) = inc.checklist_index.get(&item) {
                    inc.checklist[i].checked = Some((by.clone(), at));
                }
            }
            EventBody::ChecklistUnchecked { item } => {
                if let Some(&i) = inc.checklist_index.get(&item) {
                    inc.checklist[i].checked = None;
                }
            }
            EventBody::ChecklistAssigned { item, person } => {
                if let Some(&i) = inc.checklist_index.get(&item) {
                    inc.checklist[i].assignee = Some(person);
                }
            }
            EventBody::Handoff { from, to, briefing } => {
                let to = inc.responder(&to, at).person.clone();
                inc.hold_role(&Role::Commander, Some(&to), at);
                inc.set_responder_state(&to, ResponderState::Engaged, at);
                inc.handoffs.push(HandoffRecord {
                    seq: stamp.seq,
                    at,
                    from,
                    to,
                    briefing,
                });
            }
            EventBody::Amended {
                target: t,
                text,
                occurred_at,
                ..
            } => self.amend(stamp.event, t, idx, text.as_deref(), occurred_at),
            EventBody::Retracted { target: t, .. } => self.retract(t, idx),
            EventBody::Unrecognized { .. } => {}
        }
        if let Some(r) = writer.and_then(|w| self.incidents[idx].responders.get_mut(&w)) {
            r.last_wrote = Some(recorded_at);
            if works && r.state < ResponderState::Engaged {
                r.state = ResponderState::Engaged;
                r.since = recorded_at;
            }
        }
        if derives {
            self.incidents[idx].refresh_derived();
        }
    }

    fn amend(
        &mut self,
        id: Uuid,
        target: Uuid,
        incident: usize,
        text: Option<&str>,
        occurred_at: Option<DateTime<Utc>>,
    ) {
        // A correction only applies within its own incident.
        let inc = &mut self.incidents[incident];
        // An amendment of an amendment corrects the same event (it used to be ignored).
        let target = inc
            .amendments
            .iter()
            .rev()
            .find(|(a, _)| *a == target)
            .map_or(target, |&(_, t)| t);
        let Some(t) = inc.find(target) else { return };
        inc.amendments.push((id, target));
        match t {
            Target::Entry(i) => {
                let entry = &mut inc.entries[i];
                if let Some(text) = text {
                    let old = std::mem::replace(&mut entry.text, text.to_string());
                    entry.original.get_or_insert(old);
                }
                if let Some(at) = occurred_at {
                    entry.at = at;
                }
            }
            Target::Severity(i) => {
                if let Some(at) = occurred_at {
                    inc.severity_history[i].at = at;
                }
            }
            Target::Status(i) => {
                if let Some(at) = occurred_at {
                    inc.status_history[i].at = at;
                }
            }
        }
    }

    fn retract(&mut self, target: Uuid, incident: usize) {
        let inc = &mut self.incidents[incident];
        let Some(t) = inc.find(target) else { return };
        match t {
            Target::Entry(i) => inc.entries[i].retracted = true,
            Target::Severity(i) => inc.severity_history[i].retracted = true,
            Target::Status(i) => inc.status_history[i].retracted = true,
        }
    }
}

/// Where and when an event happened, for the records the fold keeps.
struct Stamp {
    event: Uuid,
    seq: u64,
    at: DateTime<Utc>,
}

fn change<T>(stamp: &Stamp, by: &Arc<str>, value: T, reason: Option<String>) -> Change<T> {
    Change {
        event: stamp.event,
        seq: stamp.seq,
        at: stamp.at,
        by: by.clone(),
        value,
        reason,
        retracted: false,
    }
}

/// Fold a whole store (or one incident of it), streaming: events are visited one at a time and
/// dropped, so memory holds only the state.
pub fn fold_store(store: &dyn Store, incident: Option<&IncidentId>) -> Result<Projection, StoreError> {
    let mut p = Projection::new();
    store.scan(0, incident, &mut |e| {
        p.apply(e);
        true
    })?;
    Ok(p)
}
