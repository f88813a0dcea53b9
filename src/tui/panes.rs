//! What is on screen: which incident, which pane has focus, each pane's scroll and selection
//! (the sources pane with its rows), the clock's style, and the message under the panes.
//! Keys change these; the views read them with the model.

use super::action::Scope;
use super::feed::Filter;
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

/// The timeline pane: a window on the incident's rows with a cursor in it. Following, the
/// cursor is on the newest row and the window shows the newest page; any move stops that,
/// and moving onto the newest row (or `G`) follows again.
#[derive(Debug, Clone)]
pub struct TimelinePane {
    pub follow: bool,
    /// The selected row (an index into the shown rows), when not following.
    pub cursor: usize,
    /// The first row in the window, when not following.
    pub top: usize,
    /// The search whose matches are highlighted and jumped between (`/`, `n`, `N`).
    pub search: Option<Filter>,
}

impl Default for TimelinePane {
    fn default() -> TimelinePane {
        TimelinePane {
            follow: true,
            cursor: 0,
            top: 0,
            search: None,
        }
    }
}

impl TimelinePane {
    /// The selected row of `len`, and the first row of a window `height` rows tall.
    pub fn window(&self, len: usize, height: usize) -> (usize, usize) {
        let last = len.saturating_sub(1);
        if self.follow {
            return (last, len.saturating_sub(height));
        }
        let cursor = self.cursor.min(last);
        // The cursor in view, and the page full when there are rows enough to fill it.
        let top = self
            .top
            .min(cursor)
            .max((cursor + 1).saturating_sub(height))
            .min(len.saturating_sub(height));
        (cursor, top)
    }

    /// Move the cursor by `delta` rows (clamped), scrolling as little as keeps it in view.
    pub fn move_by(&mut self, delta: i64, len: usize, height: usize) {
        if len == 0 {
            return;
        }
        let (cursor, top) = self.window(len, height);
        let cursor = (cursor as i64 + delta).clamp(0, len as i64 - 1) as usize;
        self.follow = cursor + 1 == len && delta > 0;
        self.cursor = cursor;
        self.top = top;
        (self.cursor, self.top) = self.window(len, height);
    }

    /// The cursor onto row `at`; when it was out of view, the window puts it a third of the
    /// way down, so what led up to it shows too.
    pub fn jump_to(&mut self, at: usize, len: usize, height: usize) {
        let (_, top) = self.window(len, height);
        self.follow = false;
        self.cursor = at.min(len.saturating_sub(1));
        if self.cursor < top || self.cursor >= top + height {
            self.top = self.cursor.saturating_sub(height / 3);
        } else {
            self.top = top;
        }
        (self.cursor, self.top) = self.window(len, height);
    }

    /// The oldest page, cursor on its first row.
    pub fn to_top(&mut self) {
        (self.follow, self.cursor, self.top) = (false, 0, 0);
    }

    pub fn to_bottom(&mut self) {
        self.follow = true;
    }

    /// A row was shown at `at` (rows from there on moved down one): what is being read stays.
    pub fn row_inserted(&mut self, at: usize) {
        if self.follow {
            return;
        }
        if at <= self.cursor {
            self.cursor += 1;
        }
        if at < self.top {
            self.top += 1;
        }
    }
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
    /// Whether `enter` opens something in the focused pane (an entry, an item, a finding).
    pub fn focus_opens(&self) -> bool {
        matches!(self.focus, Pane::Timeline | Pane::Checklist | Pane::Sources)
    }

    /// Key scopes in force, most specific first: the focused pane's (see [`Scope`]).
    pub fn key_scopes(&self) -> Vec<Scope> {
        match self.focus {
            Pane::Sources => self.sources.scopes(),
            Pane::Timeline if self.timeline.search.is_some() => vec![Scope::Search, Scope::Timeline],
            Pane::Timeline => vec![Scope::Timeline],
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
            timeline: TimelinePane::default(),
            roster: ListPane::default(),
            checklist: ListPane::default(),
            sources: SourcesPane::default(),
            show_msel: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::TimelinePane;

    #[test]
    fn top_shows_the_oldest_page_full_and_moves_scroll_as_little_as_needed() {
        let mut t = TimelinePane::default();
        assert_eq!(t.window(100, 10), (99, 90), "following: the newest page");
        t.to_top();
        assert_eq!(t.window(100, 10), (0, 0));
        for _ in 0..9 {
            t.move_by(1, 100, 10);
        }
        assert_eq!(t.window(100, 10), (9, 0), "the cursor moves inside the window");
        t.move_by(1, 100, 10);
        assert_eq!(t.window(100, 10), (10, 1), "then the window follows it by a row");
        t.move_by(-5, 100, 10);
        assert_eq!(t.window(100, 10), (5, 1));
        t.move_by(1000, 100, 10);
        assert!(t.follow, "onto the newest row: following again");
        assert_eq!(t.window(3, 10), (2, 0), "fewer rows than lines");
    }

    #[test]
    fn a_row_inserted_above_keeps_the_cursor_on_its_row() {
        let mut t = TimelinePane::default();
        t.to_top();
        t.move_by(20, 100, 10);
        let before = t.window(100, 10);
        t.row_inserted(3); // a late row, above the window
        assert_eq!(t.window(101, 10), (before.0 + 1, before.1 + 1));
        t.row_inserted(100); // the newest, below it
        assert_eq!(t.window(102, 10), (before.0 + 1, before.1 + 1));
    }
}
