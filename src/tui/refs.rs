//! What the console's parts call each other's things by: a view of the sources pane
//! (`SourceTab`), a finding (`FindingRef`), a detail view (`Detail`). The modals, the palette
//! and the sources pane all name these; this module imports none of them, so none of them
//! has to import another for a name.

use super::feed::Row;
use crate::sources::SourceKind;
use crate::sources::securityhub::Finding;
use crate::timeline::IncidentId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SourceTab {
    Findings,
    Searches,
    Backups,
    Health,
}

impl SourceTab {
    pub const ALL: [SourceTab; 4] = [
        SourceTab::Findings,
        SourceTab::Searches,
        SourceTab::Backups,
        SourceTab::Health,
    ];

    pub fn label(self) -> &'static str {
        match self {
            SourceTab::Findings => "Findings",
            SourceTab::Searches => "Searches",
            SourceTab::Backups => "Backups",
            SourceTab::Health => "Health",
        }
    }

    /// The palette's word for it (`:sources findings`).
    pub fn name(self) -> &'static str {
        match self {
            SourceTab::Findings => "findings",
            SourceTab::Searches => "searches",
            SourceTab::Backups => "backups",
            SourceTab::Health => "health",
        }
    }

    pub fn parse(s: &str) -> Option<SourceTab> {
        Self::ALL.into_iter().find(|t| t.name() == s.trim())
    }

    /// The kind of source the view shows; health shows every source.
    pub(super) fn kind(self) -> Option<SourceKind> {
        match self {
            SourceTab::Findings => Some(SourceKind::Securityhub),
            SourceTab::Searches => Some(SourceKind::Splunk),
            SourceTab::Backups => Some(SourceKind::Backup),
            SourceTab::Health => None,
        }
    }
}

/// A finding by identity: its source, and the keys `BatchUpdateFindings` takes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FindingRef {
    pub source: String,
    pub id: String,
    pub product_arn: String,
}

impl FindingRef {
    pub fn of(source: &str, f: &Finding) -> FindingRef {
        FindingRef {
            source: source.to_string(),
            id: f.id.clone(),
            product_arn: f.product_arn.clone(),
        }
    }
}

/// What a line typed after `/` or `&` narrows: the timeline's search (which jumps from the row
/// that was selected when it opened) or filter, or the sources pane's view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Find {
    Search { from: usize },
    Filter,
    Sources,
}

/// A floating detail view over the panes, naming what it shows by identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Detail {
    Finding {
        finding: FindingRef,
        scroll: usize,
    },
    Search {
        source: String,
        search: String,
        /// The selected result row.
        scroll: usize,
    },
    /// A timeline entry, its row as it was when opened (its text is looked up again on every
    /// frame, so an amendment shows).
    Entry {
        incident: IncidentId,
        row: Box<Row>,
        scroll: usize,
    },
    /// A checklist item, by its id.
    Item {
        incident: IncidentId,
        item: String,
        scroll: usize,
    },
}

impl Detail {
    pub fn scroll_mut(&mut self) -> &mut usize {
        match self {
            Detail::Finding { scroll, .. }
            | Detail::Search { scroll, .. }
            | Detail::Entry { scroll, .. }
            | Detail::Item { scroll, .. } => scroll,
        }
    }
}
