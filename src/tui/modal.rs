//! What floats over the panes and takes the keys: help, the palette, the filter, the editor, a
//! confirmation, the incident picker, a source's detail view, and the wait for saves on the
//! way out.
//!
//! A modal is a value that captures its context when it opens: the incident it acts on, and
//! for a confirmation the state it was asked about. The console never changes incident while a
//! modal is open, and even if it did, a draft, a prompt or a palette command would still act on
//! the incident it was opened on. A confirmation is checked again when it is answered: if
//! someone else changed what it was about, it says so and asks again.

pub mod keys;

use super::input::LineInput;
use super::refs::{Detail, Find, FindingRef};
use crate::incident::Incident;
use crate::timeline::{Audience, EventBody, IncidentId, Role, Severity, Status};
use ratatui_textarea::TextArea;

pub enum Mode {
    Normal,
    /// Help, scrolled this far.
    Help {
        scroll: usize,
    },
    Palette {
        input: LineInput,
        candidates: Vec<String>,
        error: Option<String>,
        /// The incident on screen when `:` was pressed: the command acts on it.
        incident: Option<IncidentId>,
    },
    /// A search or filter being typed: the timeline's, or the sources pane's view's.
    Filter {
        input: LineInput,
        target: Find,
    },
    Editor(Box<Editor>),
    Confirm(Confirm),
    /// The incident picker, its list made when it opened (sorted once, not on every frame;
    /// rows never move under the cursor).
    Picker {
        selected: usize,
        list: Vec<IncidentId>,
    },
    /// A finding or a search's results, over the panes.
    Detail(Detail),
    /// `q` with saves still in flight: the console leaves when they are durable.
    Leaving(Leaving),
    /// Actions an earlier console on this store could not save: save them, discard them, or
    /// decide later.
    Unsaved(Vec<crate::timeline::unsaved::Unsaved>),
    /// A shared login: who is at this console? Asked before anything else.
    Identify {
        input: LineInput,
        error: Option<String>,
    },
}

impl Mode {
    pub fn is_normal(&self) -> bool {
        matches!(self, Mode::Normal)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EditorKind {
    Note,
    Decision,
    /// For one audience; `ctrl-t` in the editor moves to the next (drafts from before
    /// audiences existed are internal).
    StatusUpdate {
        #[serde(default)]
        audience: Audience,
    },
    Handoff {
        to: String,
        /// Who held command when the editor opened: the briefing is written as them, and the
        /// handoff is refused when it commits if command has changed hands since.
        from: String,
    },
    /// A correction of entry `seq` (event `target`), written over its text as it stood.
    Amend {
        seq: u64,
        target: uuid::Uuid,
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
            EditorKind::StatusUpdate { audience } => {
                format!(
                    "Status update for {} (ctrl-t: another audience)",
                    audience.as_str().to_uppercase()
                )
            }
            EditorKind::Handoff { to, from } if from.is_empty() => {
                format!("Hand off command to {to}: briefing")
            }
            EditorKind::Handoff { to, from } => format!("Hand off command {from} → {to}: briefing"),
            EditorKind::FindingNote { title, .. } => format!("Note on the finding “{title}”"),
            EditorKind::Amend { seq, .. } => format!("Amend #{seq} (the original stays on the record)"),
        }
    }
}

#[derive(Clone)]
pub struct Editor {
    pub kind: EditorKind,
    /// The incident the draft belongs to (none only for a finding note with no incident).
    pub incident: Option<IncidentId>,
    pub area: TextArea<'static>,
    /// What the editor opened with: leaving it unchanged loses nothing.
    pub template: Vec<String>,
    /// Esc (or ctrl-c) with text written: asking whether to keep it as a draft.
    pub closing: bool,
    /// The last event the console had seen when the editor opened (what a handoff is decided on).
    pub since: u64,
}

impl Editor {
    pub fn text(&self) -> String {
        self.area.lines().join("\n")
    }
    /// Whether anything was written beyond the template.
    pub fn is_touched(&self) -> bool {
        self.area.lines() != self.template.as_slice() && !self.text().trim().is_empty()
    }
}

/// A draft kept when its editor was closed with text in it; `n` (etc.) on the same incident
/// opens it again. Kept across consoles too (`src/tui/drafts.rs`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Draft {
    pub incident: Option<IncidentId>,
    pub kind: EditorKind,
    pub lines: Vec<String>,
}

/// A risky action waiting for a yes.
#[derive(Debug, Clone)]
pub struct Confirm {
    pub prompt: String,
    /// The incident it acts on (none for a finding change outside any incident).
    pub incident: Option<IncidentId>,
    pub intent: Intent,
    /// What it depends on, as it was when asked.
    pub seen: Option<Seen>,
    /// The reason being typed, once `r` asked for one (a severity or status change).
    pub reason: Option<LineInput>,
}

impl Confirm {
    /// The reason typed, if any.
    pub fn reason(&self) -> Option<String> {
        let text = self.reason.as_ref().map(|r| r.text().trim().to_string());
        text.filter(|t| !t.is_empty())
    }
}

/// What a yes does. Its events are built when the yes comes, from the state then.
#[derive(Debug, Clone, PartialEq)]
pub enum Intent {
    Severity(Severity),
    /// `+` / `-`: one step from whatever the severity is when confirmed.
    SeverityStep {
        up: bool,
    },
    Status {
        to: Status,
        reason: Option<String>,
    },
    Release {
        role: Role,
        person: String,
    },
    /// Give command to `to` while someone else holds it: a handoff (without a briefing).
    TakeCommand {
        to: String,
    },
    EndDrill {
        reason: String,
    },
    /// A person or role the incident has not seen (a typo makes a ghost): asked before the
    /// command that would bring them in runs.
    Introduce {
        question: String,
        command: Box<crate::tui::palette::Command>,
    },
    UpdateFindings {
        source: String,
        update: crate::sources::FindingUpdate,
        /// The finding's title, cleaned and short, for the question.
        title: String,
    },
}

/// The part of an incident a confirmation depends on: its value, the event that set it and
/// who wrote that event. Compared when the answer comes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub value: String,
    pub seq: u64,
    pub by: String,
}

impl Intent {
    /// A change the report explains: it can carry a reason.
    pub fn takes_reason(&self) -> bool {
        matches!(
            self,
            Intent::Severity(_) | Intent::SeverityStep { .. } | Intent::Status { .. }
        )
    }

    /// What this intent depends on in the incident, now.
    pub fn seen(&self, inc: &Incident) -> Option<Seen> {
        let by = |b: &str| crate::timeline::short_name(b).to_string();
        match self {
            Intent::Severity(_) | Intent::SeverityStep { .. } => {
                let last = inc.severity_history.iter().rev().find(|c| !c.retracted);
                Some(Seen {
                    value: inc.severity().to_string(),
                    seq: last.map_or(0, |c| c.seq),
                    by: last.map_or(String::new(), |c| by(&c.by)),
                })
            }
            Intent::Status { .. } => {
                let last = inc.status_history.iter().rev().find(|c| !c.retracted);
                Some(Seen {
                    value: inc.status().as_str().to_uppercase(),
                    seq: last.map_or(0, |c| c.seq),
                    by: last.map_or(String::new(), |c| by(&c.by)),
                })
            }
            Intent::Release { role, .. } => Some(Seen {
                value: inc.roles.get(role).cloned().unwrap_or_default(),
                seq: 0,
                by: String::new(),
            }),
            Intent::TakeCommand { .. } => Some(Seen {
                value: inc.commander().unwrap_or_default().to_string(),
                seq: 0,
                by: String::new(),
            }),
            Intent::EndDrill { .. } | Intent::UpdateFindings { .. } | Intent::Introduce { .. } => None,
        }
    }

    /// The question, asked of the incident as it is now.
    pub fn question(&self, inc: Option<&Incident>) -> String {
        match (self, inc) {
            (Intent::Severity(to), Some(i)) => format!("Change severity {} → {to}?", i.severity()),
            (Intent::SeverityStep { up }, Some(i)) => match step(i.severity(), *up) {
                Some(to) => format!("Change severity {} → {to}?", i.severity()),
                None => format!("It is already {}.", i.severity()),
            },
            (Intent::Status { to, .. }, Some(i)) if *to == Status::Resolved => {
                format!("Resolve {}: status {} → resolved?", i.id, i.status())
            }
            (Intent::Status { to, .. }, Some(i)) => format!("Move status {} → {to}?", i.status()),
            (Intent::Release { role, person }, _) => format!("Release {role} from {person}?"),
            (Intent::TakeCommand { to }, Some(i)) => match i.commander() {
                Some(ic) => format!("{ic} is IC — hand command to {to}? (a handoff, without a briefing)"),
                None => format!("Make {to} the incident commander?"),
            },
            (Intent::Introduce { question, .. }, _) => question.clone(),
            (Intent::EndDrill { .. }, _) => {
                "End the drill now? Injects stop; the report scores what was done.".into()
            }
            (Intent::UpdateFindings { update, title, .. }, _) => {
                let status = update.workflow.as_ref().map_or("", |w| w.as_str());
                format!("Set “{title}” {status} in Security Hub?")
            }
            (_, None) => "The incident is gone.".into(),
        }
    }

    /// What to say instead of asking, when the incident is already as this would make it.
    pub fn already(&self, inc: &Incident) -> Option<String> {
        match self {
            Intent::Severity(to) if inc.severity() == *to => Some(format!("It is already {to}.")),
            Intent::SeverityStep { up } if step(inc.severity(), *up).is_none() => {
                Some(format!("Already {}.", inc.severity()))
            }
            Intent::Status { to, .. } if inc.status() == *to => Some(format!("It is already {to}.")),
            Intent::TakeCommand { to } if inc.commander() == Some(to.as_str()) => {
                Some(format!("{to} is IC already."))
            }
            _ => None,
        }
    }

    /// Whether the incident is already as this intent would make it (someone else did it).
    pub fn is_done(&self, inc: &Incident) -> bool {
        match self {
            Intent::Severity(to) => inc.severity() == *to,
            Intent::Status { to, .. } => inc.status() == *to,
            Intent::Release { role, person } => inc.roles.get(role) != Some(person),
            Intent::TakeCommand { to } => inc.commander() == Some(to.as_str()),
            _ => false,
        }
    }

    /// A finding change asked again: the finding is now `state`, changed meanwhile.
    pub fn finding_asked_again(&self, state: &str) -> String {
        let wanted = match self {
            Intent::UpdateFindings { update, .. } => update.workflow.as_ref().map_or("", |w| w.as_str()),
            _ => "",
        };
        format!("The finding is now {state} — still set it {wanted} in Security Hub?")
    }

    /// The question again, after someone else changed what it depends on.
    pub fn asked_again(&self, inc: &Incident, seen: &Seen) -> String {
        let who = if seen.by.is_empty() {
            String::new()
        } else {
            format!(" by {}", seen.by)
        };
        match self {
            Intent::Status { to, .. } => {
                let reopens = !inc.status().is_open() && to.is_open();
                format!(
                    "It is now {}{who} — still move it to {to}?{}",
                    seen.value,
                    if reopens { " This reopens it." } else { "" }
                )
            }
            Intent::Severity(to) => format!("It is now {}{who} — still change it to {to}?", seen.value),
            Intent::SeverityStep { up } => match step(inc.severity(), *up) {
                Some(to) => format!("It is now {}{who} — still change it to {to}?", seen.value),
                None => format!("It is now {}{who}: nothing to change.", seen.value),
            },
            Intent::Release { role, person } if seen.value.is_empty() => {
                format!("Nobody holds {role} now — {person} already released it.")
            }
            Intent::Release { role, person } => {
                format!(
                    "{role} is now held by {} — {person} no longer holds it; nothing released.",
                    seen.value
                )
            }
            Intent::TakeCommand { to } if seen.value.is_empty() => {
                format!("Nobody is IC now — still make {to} the incident commander?")
            }
            Intent::TakeCommand { to } => {
                format!("{} is IC now — still hand command to {to}?", seen.value)
            }
            other => other.question(Some(inc)),
        }
    }

    /// The kinds of event that change what this intent is decided on: its append is refused
    /// by the store if one of them reached the incident after the console's view.
    pub fn depends_on(&self) -> &'static [&'static str] {
        match self {
            Intent::Severity(_) | Intent::SeverityStep { .. } => SEVERITY_KINDS,
            Intent::Status { .. } => STATUS_KINDS,
            Intent::Release { .. } | Intent::TakeCommand { .. } => ROLE_KINDS,
            Intent::EndDrill { .. } | Intent::UpdateFindings { .. } | Intent::Introduce { .. } => &[],
        }
    }

    /// The intent behind an event the store refused (its condition failed), to ask it again.
    pub fn of_refused(body: &EventBody) -> Option<Intent> {
        match body {
            EventBody::SeverityChanged { severity, .. } => Some(Intent::Severity(*severity)),
            EventBody::StatusChanged { status, reason } => Some(Intent::Status {
                to: *status,
                reason: reason.clone(),
            }),
            EventBody::RoleReleased { role, person } => Some(Intent::Release {
                role: role.clone(),
                person: person.clone(),
            }),
            EventBody::Handoff { to, briefing, .. } if *briefing == Default::default() => {
                Some(Intent::TakeCommand { to: to.clone() })
            }
            // Taking a vacant command, beaten to it.
            EventBody::RoleAssigned {
                role: Role::Commander,
                person,
            } => Some(Intent::TakeCommand { to: person.clone() }),
            _ => None,
        }
    }
}

/// What a severity change is decided on (a retraction may undo a change).
pub const SEVERITY_KINDS: &[&str] = &["severity.changed", "event.retracted"];
/// What a status change is decided on.
pub const STATUS_KINDS: &[&str] = &["status.changed", "event.retracted"];
/// Who holds which role: what a release, an assignment of command or a handoff is decided on.
/// What an amendment is refused for: another correction since its editor opened.
pub const CORRECTION_KINDS: &[&str] = &["event.amended", "event.retracted"];

pub const ROLE_KINDS: &[&str] = &["role.assigned", "role.released", "handoff", "event.retracted"];

/// One step of severity: up is towards SEV1.
pub fn step(sev: Severity, up: bool) -> Option<Severity> {
    let level = if up {
        sev.level().checked_sub(1)?
    } else {
        sev.level() + 1
    };
    Severity::new(level)
}

/// Quitting with saves in flight, or with something to know first.
#[derive(Debug, Clone, Default)]
pub struct Leaving {
    /// The store refused the last try, or there is something to know before leaving (spooled
    /// actions, kept drafts): say it, and offer to leave anyway.
    pub failing: Option<String>,
}
