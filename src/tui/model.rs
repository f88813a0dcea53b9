//! What the console knows: the projection of the timeline and each incident's feed, the
//! sources' newest snapshots and signal detector, the drill being played, and how saving goes
//! (the last save error, the store's link). The store, the sources and the appender change it
//! (`Msg::Stored`, `Msg::Source`, `Msg::Saved`, `Msg::SaveFailed`, `Msg::Health`); keys change
//! the panes, the modals and the session. Two exceptions remain: the timeline's filter, kept in
//! each feed beside the rows it filters, and the drill's player, which the clock and the
//! facilitator's `:drill` controls move on.

use super::feed::{Feed, Interner};
use super::refs::FindingRef;
use crate::drill::facilitator::Facilitator;
use crate::incident::{Incident, Projection, person_key};
use crate::sources::securityhub::Finding;
use crate::sources::signals::{Detector, TRIAGE};
use crate::sources::splunk::SearchOutcome;
use crate::sources::view::SourceViews;
use crate::timeline::store::Presence;
use crate::timeline::{IncidentId, StoreHealth, person_of};
use std::collections::{HashMap, HashSet};

#[derive(Default)]
pub struct Model {
    pub projection: Projection,
    /// Each incident's timeline rows, built once per event.
    pub feeds: HashMap<IncidentId, Feed>,
    pub(super) interner: Interner,
    /// The configured sources: newest snapshots, health, series.
    pub sources: SourceViews,
    /// Turns observations into signals (none until sources are set).
    pub(super) detector: Option<Detector>,
    /// In the facilitator's console (`warroom drill run`): the drill being played.
    pub drill: Option<Facilitator>,
    pub save_error: Option<String>,
    /// The store's link and offline spool, as the loop last read them (the header shows them).
    pub store_health: StoreHealth,
    /// After the initial load: live events may notify.
    pub(super) live: bool,
    /// Who has a console open on each incident, by [`person_key`], as last read from the
    /// store (the roster's `here`).
    pub present: HashMap<IncidentId, HashSet<String>>,
}

/// The people with a console open on each incident, from the store's presence rows.
pub fn present_by_incident(seen: &[Presence]) -> HashMap<IncidentId, HashSet<String>> {
    let mut out: HashMap<IncidentId, HashSet<String>> = HashMap::new();
    for p in seen {
        if let (Some(incident), Some(person)) = (&p.incident, person_of(&p.who)) {
            out.entry(incident.clone())
                .or_default()
                .insert(person_key(person));
        }
    }
    out
}

impl Model {
    pub fn incident(&self, id: Option<&IncidentId>) -> Option<&Incident> {
        id.and_then(|id| self.projection.incident(id))
    }

    pub fn feed(&self, id: Option<&IncidentId>) -> Option<&Feed> {
        id.and_then(|id| self.feeds.get(id))
    }

    /// Declared incidents still open.
    pub fn open_incidents(&self) -> impl Iterator<Item = &Incident> {
        self.projection.open_incidents().filter(|i| i.declared)
    }

    /// Where signals go: the newest open real incident (never a drill's), or the triage
    /// stream when none is open.
    pub fn signal_incident(&self) -> IncidentId {
        self.open_incidents()
            .filter(|i| i.id.as_str() != TRIAGE && !i.drill)
            .max_by_key(|i| i.declared_at)
            .map(|i| i.id.clone())
            .unwrap_or_else(|| IncidentId(TRIAGE.to_string()))
    }

    /// The finding as the latest poll has it (none if it is gone).
    pub fn find_finding(&self, r: &FindingRef) -> Option<&Finding> {
        let view = self.sources.get(&r.source)?;
        (view.findings().iter()).find(|f| f.id == r.id && f.product_arn == r.product_arn)
    }

    pub fn find_search(&self, source: &str, search: &str) -> Option<&SearchOutcome> {
        let view = self.sources.get(source)?;
        view.searches().iter().find(|s| s.name == search)
    }

    /// Findings' titles as the latest poll has them (the id where a finding is gone).
    pub fn finding_titles(&self, source: &str, ids: &[(String, String)]) -> Vec<String> {
        let findings = self.sources.get(source).map(|v| v.findings()).unwrap_or_default();
        ids.iter()
            .map(|(id, arn)| {
                findings
                    .iter()
                    .find(|f| &f.id == id && &f.product_arn == arn)
                    .map_or_else(|| id.clone(), |f| f.title.clone())
            })
            .collect()
    }
}
