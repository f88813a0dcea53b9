//! What is on screen: which incident, which pane has focus, each pane's scroll and selection
//! (the sources pane with its rows), the clock's style, and the message under the panes.
//! Keys change these; the views read them with the model.

use super::action::Scope;
use super::feed::{Feed, Filter, Row};
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

/// How many screen lines row `i` takes, the date line above it included; `selected`: it is
/// under the cursor, which wraps in full.
pub type Lines<'a> = &'a dyn Fn(usize, bool) -> usize;

impl TimelinePane {
    /// The selected row of `len`, and the first row of a window `height` lines tall, rows
    /// taking `lines` each: the cursor's row always in view, and the page full when there
    /// are rows enough below to fill it.
    pub fn window(&self, len: usize, height: usize, lines: Lines) -> (usize, usize) {
        if len == 0 {
            return (0, 0);
        }
        let cursor = self.cursor(len);
        let mut top = if self.follow { cursor } else { self.top.min(cursor) };
        // The cursor's row whole, dropping rows from the top until it fits.
        let mut used: usize = (top..=cursor).map(|i| lines(i, i == cursor)).sum();
        while used > height && top < cursor {
            used -= lines(top, false);
            top += 1;
        }
        // Near the end, rows above fill what the rows below leave empty.
        let mut filled = used;
        for i in cursor + 1..len {
            filled += lines(i, false);
            if filled > height {
                return (cursor, top);
            }
        }
        (cursor, rows_above(top, filled, height, lines))
    }

    /// The selected row of `len`.
    pub fn cursor(&self, len: usize) -> usize {
        let last = len.saturating_sub(1);
        if self.follow { last } else { self.cursor.min(last) }
    }

    /// Move the cursor by `delta` rows (clamped), scrolling as little as keeps it in view.
    pub fn move_by(&mut self, delta: i64, len: usize, height: usize, lines: Lines) {
        if len == 0 {
            return;
        }
        let (cursor, top) = self.window(len, height, lines);
        let cursor = (cursor as i64 + delta).clamp(0, len as i64 - 1) as usize;
        self.follow = cursor + 1 == len && delta > 0;
        self.cursor = cursor;
        self.top = top;
        (self.cursor, self.top) = self.window(len, height, lines);
    }

    /// The cursor onto row `at`; when it was out of view, the window puts it a third of the
    /// way down, so what led up to it shows too.
    pub fn jump_to(&mut self, at: usize, len: usize, height: usize, lines: Lines) {
        let (_, top) = self.window(len, height, lines);
        let shown = self.shown(top, len, height, lines);
        self.follow = false;
        self.cursor = at.min(len.saturating_sub(1));
        self.top = if shown.contains(&self.cursor) {
            top
        } else {
            // Rows above it worth a third of the window.
            rows_above(self.cursor, 0, height / 3, lines)
        };
        (self.cursor, self.top) = self.window(len, height, lines);
    }

    /// A page of lines down (or up), however many rows that is: the cursor onto the first row
    /// below the window, which then starts it (or the last row above it, which then ends it).
    pub fn page(&mut self, down: bool, len: usize, height: usize, lines: Lines) {
        if len == 0 {
            return;
        }
        let (cursor, top) = self.window(len, height, lines);
        self.cursor = cursor;
        let shown = self.shown(top, len, height, lines);
        self.follow = false;
        if down {
            if shown.end >= len {
                self.follow = true;
                return;
            }
            let next = shown.end.max(cursor + 1);
            (self.cursor, self.top) = (next, next);
        } else {
            let to = top.saturating_sub(1).min(cursor.saturating_sub(1));
            (self.cursor, self.top) = (to, rows_above(to, lines(to, true), height, lines));
        }
        (self.cursor, self.top) = self.window(len, height, lines);
    }

    /// The rows wholly in a window from `top`.
    fn shown(&self, top: usize, len: usize, height: usize, lines: Lines) -> std::ops::Range<usize> {
        let mut used = 0;
        let end = (top..len)
            .take_while(|&i| {
                used += lines(i, i == self.cursor);
                used <= height
            })
            .count();
        top..top + end
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

/// The timeline's columns at a width: the clock, the author and the kind as wide as what the
/// feed holds (up to a cap), the text in what is left; an entry not under the cursor takes
/// at most `cap` lines.
#[derive(Debug, Clone, Copy)]
pub struct Columns {
    pub clock: usize,
    pub author: usize,
    /// The kind's column, when the pane is wide enough for one.
    pub tag: Option<usize>,
    width: usize,
    cap: usize,
}

/// Authors longer than this are cut in the column (the detail shows them whole).
const AUTHOR_CAP: usize = 14;

impl Columns {
    pub fn new(width: u16, feed: &Feed, mode: TimeMode, cap: usize) -> Columns {
        let (author, tag) = feed.column_widths();
        let width = usize::from(width);
        Columns {
            clock: match mode {
                TimeMode::Utc => 9,
                TimeMode::Local => 8,
                TimeMode::Offset => 10,
            },
            author: author.clamp(4, if width < 100 { AUTHOR_CAP - 4 } else { AUTHOR_CAP }),
            tag: (width >= 60).then_some(tag.max(4)),
            width,
            cap: cap.max(1),
        }
    }

    /// Where the text starts: after the cursor's mark, the clock, the author and the kind.
    pub fn indent(&self) -> usize {
        1 + self.clock + 1 + self.author + 1 + self.tag.map_or(0, |t| t + 1)
    }

    /// The text's width in `row` (a late row's `↶ ` takes two columns of it).
    pub fn text_width(&self, row: &Row) -> usize {
        let late = if row.late { 2 } else { 0 };
        self.width.saturating_sub(self.indent() + late).max(10)
    }

    /// How many lines `row`'s text takes: in full under the cursor, else up to the cap.
    pub fn text_lines(&self, row: &Row, selected: bool) -> usize {
        let n = crate::tui::wrap::height(&row.text, self.text_width(row));
        if selected { n } else { n.min(self.cap) }
    }

    /// Lines row `i` of `feed` takes, with the date line above it when it starts a day.
    pub fn lines(&self, feed: &Feed, mode: TimeMode, i: usize, selected: bool) -> usize {
        feed.get(i).map_or(1, |row| self.text_lines(row, selected)) + usize::from(starts_day(feed, mode, i))
    }
}

/// Whether row `i` is the first of its day (in the zone the clock is shown in).
pub fn starts_day(feed: &Feed, mode: TimeMode, i: usize) -> bool {
    let day = |i: usize| feed.get(i).map(|r| local_day(mode, r.at));
    i == 0 || day(i) != day(i - 1)
}

/// The day a time falls on in the zone the clock is shown in (UTC for T+ offsets).
pub fn local_day(mode: TimeMode, at: DateTime<Utc>) -> chrono::NaiveDate {
    match mode {
        TimeMode::Local => at.with_timezone(&chrono::Local).date_naive(),
        TimeMode::Utc | TimeMode::Offset => at.date_naive(),
    }
}

/// The first row of a window that ends with row `from`, taking rows above it while the
/// lines they add to `used` stay within `budget`.
fn rows_above(from: usize, mut used: usize, budget: usize, lines: Lines) -> usize {
    let mut top = from;
    while top > 0 && used + lines(top - 1, false) <= budget {
        top -= 1;
        used += lines(top, false);
    }
    top
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
    use super::{Lines, TimelinePane};

    const ONE: Lines = &|_, _| 1;

    #[test]
    fn top_shows_the_oldest_page_full_and_moves_scroll_as_little_as_needed() {
        let mut t = TimelinePane::default();
        assert_eq!(t.window(100, 10, ONE), (99, 90), "following: the newest page");
        t.to_top();
        assert_eq!(t.window(100, 10, ONE), (0, 0));
        for _ in 0..9 {
            t.move_by(1, 100, 10, ONE);
        }
        assert_eq!(
            t.window(100, 10, ONE),
            (9, 0),
            "the cursor moves inside the window"
        );
        t.move_by(1, 100, 10, ONE);
        assert_eq!(
            t.window(100, 10, ONE),
            (10, 1),
            "then the window follows it by a row"
        );
        t.move_by(-5, 100, 10, ONE);
        assert_eq!(t.window(100, 10, ONE), (5, 1));
        t.move_by(1000, 100, 10, ONE);
        assert!(t.follow, "onto the newest row: following again");
        assert_eq!(t.window(3, 10, ONE), (2, 0), "fewer rows than lines");
    }

    #[test]
    fn a_row_inserted_above_keeps_the_cursor_on_its_row() {
        let mut t = TimelinePane::default();
        t.to_top();
        t.move_by(20, 100, 10, ONE);
        let before = t.window(100, 10, ONE);
        t.row_inserted(3); // a late row, above the window
        assert_eq!(t.window(101, 10, ONE), (before.0 + 1, before.1 + 1));
        t.row_inserted(100); // the newest, below it
        assert_eq!(t.window(102, 10, ONE), (before.0 + 1, before.1 + 1));
    }
}

#[cfg(test)]
mod wrapped {
    use super::TimelinePane;

    /// Rows 0..100, every fifth three lines tall; the cursor's row wraps to five.
    fn lines(i: usize, selected: bool) -> usize {
        match (selected, i % 5) {
            (true, _) => 5,
            (false, 0) => 3,
            _ => 1,
        }
    }

    /// Lines the window from `top` to `cursor` (inclusive) takes.
    fn used(top: usize, cursor: usize) -> usize {
        (top..=cursor).map(|i| lines(i, i == cursor)).sum()
    }

    #[test]
    fn rows_of_many_lines_keep_the_cursor_row_whole_in_view() {
        let mut t = TimelinePane::default();
        let (cursor, top) = t.window(100, 10, &lines);
        assert_eq!(cursor, 99);
        assert!(used(top, cursor) <= 10, "following: the newest row whole, {top}");
        assert!(used(top - 1, cursor) > 10, "and the page as full as it gets");
        t.to_top();
        for n in 1..60 {
            t.move_by(1, 100, 10, &lines);
            let (cursor, top) = t.window(100, 10, &lines);
            assert_eq!(cursor, n);
            assert!(top <= cursor && used(top, cursor) <= 10, "row {n}: top {top}");
        }
        // Back up: the window does not move until the cursor reaches its top.
        let (_, top) = t.window(100, 10, &lines);
        t.move_by(-1, 100, 10, &lines);
        assert_eq!(t.window(100, 10, &lines).1, top, "moving up inside the window");
        t.jump_to(20, 100, 10, &lines);
        let (cursor, top) = t.window(100, 10, &lines);
        assert_eq!(cursor, 20);
        assert!(
            top < 20 && used(top, cursor) <= 10,
            "a jump shows what led up to it: {top}"
        );
    }

    #[test]
    fn a_page_is_a_window_of_lines_not_of_rows() {
        let three = |_: usize, _: bool| 3;
        let mut t = TimelinePane::default();
        t.to_top();
        assert_eq!(t.window(20, 10, &three), (0, 0), "three rows of three lines fit");
        t.page(true, 20, 10, &three);
        assert_eq!(
            t.window(20, 10, &three),
            (3, 3),
            "the first row below starts the page"
        );
        t.page(true, 20, 10, &three);
        t.page(false, 20, 10, &three);
        let (cursor, top) = t.window(20, 10, &three);
        assert_eq!((cursor, top), (5, 3), "the last row above ends the page");
        for _ in 0..10 {
            t.page(true, 20, 10, &three);
        }
        assert!(t.follow, "paging past the end follows");
    }

    #[test]
    fn a_row_taller_than_the_window_is_shown_from_its_start() {
        let t = TimelinePane {
            follow: false,
            cursor: 3,
            top: 0,
            search: None,
        };
        let tall = |i: usize, selected: bool| if selected && i == 3 { 40 } else { 1 };
        assert_eq!(t.window(10, 8, &tall), (3, 3));
    }
}
