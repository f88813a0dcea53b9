//! Incident state: a pure fold of timeline events. Every pane and every report is a view of it.

pub mod runbook;
mod state;

pub use state::{
    Change, ChecklistItem, Entry, EntryKind, HandoffRecord, Incident, Milestones, Projection, Responder,
    ResponderState, fold_store,
};
