//! Incident state: a pure fold of timeline events. Every pane and every report is a view of it.

pub mod runbook;
mod state;
pub mod updates;

use crate::timeline::{Author, EventBody, IncidentId, NewEvent, Severity};
use chrono::{DateTime, Utc};
use runbook::Runbook;

pub use state::{
    Change, ChecklistItem, Correctable, Entry, EntryKind, HandoffRecord, Incident, Milestones, Projection,
    Responder, ResponderState, RoleSpell, fold_store, person_key,
};

/// What it takes to declare an incident.
#[derive(Debug, Clone)]
pub struct Declaration {
    pub title: String,
    pub severity: Severity,
    pub summary: Option<String>,
    pub detected_at: Option<DateTime<Utc>>,
    pub drill: bool,
}

impl Declaration {
    /// The declaration, then the runbook's checklist: appended as one batch (one transaction),
    /// so no console ever sees an incident without its checklist.
    pub fn events(
        self,
        author: &Author,
        runbook: Option<&Runbook>,
        now: DateTime<Utc>,
    ) -> (IncidentId, Vec<NewEvent>) {
        let id = IncidentId::generate(now);
        (id.clone(), self.events_as(id, author, runbook, now))
    }

    /// [`Declaration::events`] for an id the caller made, recorded at `now`.
    pub fn events_as(
        self,
        id: IncidentId,
        author: &Author,
        runbook: Option<&Runbook>,
        now: DateTime<Utc>,
    ) -> Vec<NewEvent> {
        let mut events = vec![NewEvent::at(
            now,
            id.clone(),
            author.clone(),
            EventBody::IncidentDeclared {
                title: self.title,
                severity: self.severity,
                summary: self.summary,
                detected_at: self.detected_at,
                drill: self.drill,
            },
        )];
        if let Some(rb) = runbook {
            events.push(NewEvent::at(
                now,
                id.clone(),
                author.clone(),
                EventBody::ChecklistAdded {
                    runbook: rb.name.clone(),
                    items: rb.checklist(),
                },
            ));
        }
        events
    }
}
