//! What is on screen: which incident, which pane has focus, each pane's scroll and selection
//! (the sources pane with its rows), the clock's style, and the message under the panes.
//! Keys change these; the views read them with the model.

use super::action::Scope;
use super::layout::Pane;
use super::sources_ui::SourcesPane;
use crate::timeline::IncidentId;
use chrono::{DateTime, Utc};

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

/// The timeline pane: following the newest row, or scrolled up.
#[derive(Debug, Clone)]
pub struct TimelinePane {
    /// Keep the newest row in view.
    pub follow: bool,
    /// Rows scrolled up from the bottom.
    pub scroll: usize,
}

/// A pane that is a list with a cursor (roster, checklist).
#[derive(Debug, Clone, Default)]
pub struct ListPane {
    pub selected: usize,
}

pub struct Panes {
    /// The incident on screen.
    pub current: Option<IncidentId>,
    pub focus: Pane,
    pub zoomed: bool,
    pub size: (u16, u16),
    pub time_mode: TimeMode,
    pub flash: Option<Flash>,
    /// Incidents declared elsewhere (or while a modal was open) since this console looked:
    /// the header's badge, until they are switched to or closed.
    pub new_incidents: Vec<IncidentId>,
    pub timeline: TimelinePane,
    pub roster: ListPane,
    pub checklist: ListPane,
    pub sources: SourcesPane,
    /// The facilitator sees the MSEL where the metrics would be (`:msel` switches).
    pub show_msel: bool,
}

impl Panes {
    /// Key scopes in force, most specific first: the focused pane's (see [`Scope`]).
    pub fn key_scopes(&self) -> Vec<Scope> {
        match self.focus {
            Pane::Sources => self.sources.scopes(),
            _ => Vec::new(),
        }
    }
}

impl Default for Panes {
    fn default() -> Panes {
        Panes {
            current: None,
            focus: Pane::Timeline,
            zoomed: false,
            size: (80, 24),
            time_mode: TimeMode::Utc,
            flash: None,
            new_incidents: Vec::new(),
            timeline: TimelinePane {
                follow: true,
                scroll: 0,
            },
            roster: ListPane::default(),
            checklist: ListPane::default(),
            sources: SourcesPane::default(),
            show_msel: true,
        }
    }
}
