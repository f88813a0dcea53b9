//! Where each pane goes, for a terminal size. Shared by drawing and by mouse hit-testing, so a
//! click always lands on the pane it appears to.
//!
//! At 120×32 and larger every pane is on screen; smaller, one pane at a time under a tab bar
//! (digits or Tab switch); below 40×10 the console only says it needs more room. When sources
//! are configured, the wide layout gives them the lower part of the left column, under the
//! timeline; without sources their pane is the small placeholder at the bottom right.

use ratatui::layout::{Constraint, Layout, Rect};

pub const MIN_WIDTH: u16 = 40;
pub const MIN_HEIGHT: u16 = 10;
const WIDE_WIDTH: u16 = 120;
const WIDE_HEIGHT: u16 = 32;
/// The side column (roster, checklist, metrics) is at least this wide, and at most 2/5 of
/// the screen: the timeline is always the widest pane.
const SIDE_MIN: u16 = 40;

/// The roster's name and roles columns, as wide as the widest of each (up to a cap).
pub fn roster_columns(inc: &crate::incident::Incident) -> (u16, u16) {
    use unicode_width::UnicodeWidthStr;
    let (mut name, mut roles) = (6, 5);
    for r in inc.responders.values() {
        name = name.max(crate::text::clean_line(&r.person).width());
        let held = inc.roles_of(&r.person);
        let w = held.iter().map(|r| r.to_string().width() + 2).sum::<usize>();
        roles = roles.max(w.saturating_sub(2));
    }
    (name.min(16) as u16, roles.min(28) as u16)
}

/// What the content on screen asks of the layout: the side column's width (the roster's
/// columns, or the MSEL's when the facilitator sees it), the roster's rows, and the header's
/// lines for the latest status update.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Content {
    pub side_width: u16,
    pub roster_rows: u16,
    pub update_lines: u16,
}

impl Content {
    /// For `inc` on a screen `width` columns wide.
    pub fn of(inc: Option<&crate::incident::Incident>, msel: bool, width: u16) -> Content {
        let Some(inc) = inc else {
            return Content::default();
        };
        let (name, roles) = roster_columns(inc);
        // state 18, since 6, seen 6, four gaps, two borders
        let roster = name + roles + 30 + 4 + 2;
        Content {
            side_width: if msel { roster.max(72) } else { roster },
            roster_rows: inc.responders.len().max(2) as u16,
            update_lines: inc.latest_update().map_or(0, |e| {
                let text = latest_update_text(e.kind, &e.text, "00h00m");
                crate::tui::wrap::height(&text, usize::from(width.saturating_sub(1))).min(2) as u16
            }),
        }
    }
}

/// The header's latest update as one text: its audience, its age and its text, cleaned. The
/// layout measures it with the widest age (`00h00m`): its lines never change as it ages.
pub fn latest_update_text(kind: crate::incident::EntryKind, text: &str, age: &str) -> String {
    let audience = match kind {
        crate::incident::EntryKind::StatusUpdate(a) => a.to_string(),
        _ => String::new(),
    };
    format!(
        "latest {audience} update, {age} ago: {}",
        crate::text::clean_line(text)
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pane {
    Timeline,
    Roster,
    Checklist,
    Metrics,
    Sources,
}

impl Pane {
    pub const ALL: [Pane; 5] = [
        Pane::Timeline,
        Pane::Roster,
        Pane::Checklist,
        Pane::Metrics,
        Pane::Sources,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Pane::Timeline => "Timeline",
            Pane::Roster => "Roster",
            Pane::Checklist => "Checklist",
            Pane::Metrics => "Metrics",
            Pane::Sources => "Sources",
        }
    }

    fn index(self) -> usize {
        Pane::ALL.iter().position(|p| *p == self).unwrap_or(0)
    }

    pub fn next(self) -> Pane {
        Pane::ALL[(self.index() + 1) % Pane::ALL.len()]
    }

    pub fn prev(self) -> Pane {
        Pane::ALL[(self.index() + Pane::ALL.len() - 1) % Pane::ALL.len()]
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Areas {
    pub header: Rect,
    /// In the compact layout: each tab's clickable area.
    pub tabs: Vec<(Pane, Rect)>,
    pub tab_bar: Option<Rect>,
    pub panes: Vec<(Pane, Rect)>,
    /// The line under the panes: key hints, messages, the palette.
    pub footer: Rect,
    pub compact: bool,
}

/// `None` when the terminal is too small to be useful. `sources`: some are configured;
/// `content`: what the header and the side column ask for.
pub fn layout(area: Rect, focus: Pane, zoomed: bool, sources: bool, content: Content) -> Option<Areas> {
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        return None;
    }
    let compact = area.width < WIDE_WIDTH || area.height < WIDE_HEIGHT;
    let header_height = if compact { 2 } else { 3 } + content.update_lines;
    if compact {
        let [header, tab_bar, body, footer] = Layout::vertical([
            Constraint::Length(header_height),
            Constraint::Length(1),
            Constraint::Min(1),
            Constraint::Length(1),
        ])
        .areas(area);
        let mut tabs = Vec::new();
        let mut x = tab_bar.x;
        for (n, p) in Pane::ALL.iter().enumerate() {
            let w = (p.title().len() + 4) as u16; // "1 Timeline" plus spacing
            let r = Rect::new(x, tab_bar.y, w.min(tab_bar.right().saturating_sub(x)), 1);
            tabs.push((*p, r));
            x = x.saturating_add(w + u16::from(n + 1 < Pane::ALL.len()));
        }
        return Some(Areas {
            header,
            tabs,
            tab_bar: Some(tab_bar),
            panes: vec![(focus, body)],
            footer,
            compact,
        });
    }
    let [header, body, footer] = Layout::vertical([
        Constraint::Length(header_height),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(area);
    let width = content.side_width.max(SIDE_MIN).min(body.width * 2 / 5);
    let columns = [Constraint::Fill(1), Constraint::Length(width)];
    // The roster as tall as its people (a heading and borders besides), up to a third.
    let roster = (content.roster_rows + 3).max(5).min(body.height / 3);
    let panes = if zoomed {
        vec![(focus, body)]
    } else if sources {
        let [left, right] = Layout::horizontal(columns).areas(body);
        let [timeline, sources] =
            Layout::vertical([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(left);
        let [roster, checklist, metrics] = Layout::vertical([
            Constraint::Length(roster),
            Constraint::Fill(1),
            Constraint::Percentage(32),
        ])
        .areas(right);
        vec![
            (Pane::Timeline, timeline),
            (Pane::Roster, roster),
            (Pane::Checklist, checklist),
            (Pane::Metrics, metrics),
            (Pane::Sources, sources),
        ]
    } else {
        let [left, right] = Layout::horizontal(columns).areas(body);
        let [roster, checklist, metrics, sources] = Layout::vertical([
            Constraint::Length(roster),
            Constraint::Fill(1),
            Constraint::Percentage(20),
            Constraint::Percentage(12),
        ])
        .areas(right);
        vec![
            (Pane::Timeline, left),
            (Pane::Roster, roster),
            (Pane::Checklist, checklist),
            (Pane::Metrics, metrics),
            (Pane::Sources, sources),
        ]
    };
    Some(Areas {
        header,
        tabs: Vec::new(),
        tab_bar: None,
        panes,
        footer,
        compact,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The layout with no content asking for room.
    fn bare(area: Rect, focus: Pane, zoomed: bool, sources: bool) -> Option<Areas> {
        layout(area, focus, zoomed, sources, Content::default())
    }

    #[test]
    fn wide_terminals_show_every_pane_and_small_ones_one() {
        let wide = bare(Rect::new(0, 0, 160, 48), Pane::Roster, false, false).expect("fits");
        assert_eq!(wide.panes.len(), 5);
        assert!(!wide.compact);
        let small = bare(Rect::new(0, 0, 80, 24), Pane::Roster, false, false).expect("fits");
        assert_eq!(small.panes, vec![(Pane::Roster, small.panes[0].1)]);
        assert!(small.compact && small.tabs.len() == 5);
        assert!(bare(Rect::new(0, 0, 39, 24), Pane::Roster, false, false).is_none());
        let zoomed = bare(Rect::new(0, 0, 160, 48), Pane::Checklist, true, false).expect("fits");
        assert_eq!(zoomed.panes.len(), 1);
    }

    #[test]
    fn panes_never_overlap_or_leave_the_screen() {
        let sizes = [
            (40, 10),
            (80, 24),
            (119, 31),
            (120, 32),
            (160, 48),
            (300, 100),
            (1000, 500),
        ];
        for (w, h) in sizes {
            for (sources, zoomed, focus) in [
                (false, false, Pane::Timeline),
                (true, false, Pane::Timeline),
                (true, true, Pane::Sources),
                (true, false, Pane::Sources),
            ] {
                let area = Rect::new(0, 0, w, h);
                let a = bare(area, focus, zoomed, sources).expect("fits");
                let all = a.panes.iter().map(|(_, r)| *r).chain([a.header, a.footer]);
                let all: Vec<Rect> = all.chain(a.tab_bar).collect();
                for (i, r) in all.iter().enumerate() {
                    assert!(
                        area.contains(r.as_position()) && r.right() <= w && r.bottom() <= h,
                        "{w}x{h} sources={sources}: {r:?}"
                    );
                    for other in &all[i + 1..] {
                        assert!(!r.intersects(*other), "{w}x{h}: {r:?} overlaps {other:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn configured_sources_get_the_lower_left_and_zoom_fills_the_body() {
        let area = Rect::new(0, 0, 160, 48);
        let plain = bare(area, Pane::Sources, false, false).expect("fits");
        let with = bare(area, Pane::Sources, false, true).expect("fits");
        let rect = |a: &Areas, p: Pane| a.panes.iter().find(|(q, _)| *q == p).map(|(_, r)| *r);
        let (Some(timeline), Some(sources)) = (rect(&with, Pane::Timeline), rect(&with, Pane::Sources))
        else {
            panic!("both panes shown: {with:?}");
        };
        assert_eq!(
            (sources.x, sources.width),
            (timeline.x, timeline.width),
            "one column"
        );
        assert_eq!(sources.y, timeline.bottom(), "under the timeline");
        assert!(
            sources.height * 100 >= (timeline.height + sources.height) * 40,
            "{sources:?}"
        );
        let small = rect(&plain, Pane::Sources).expect("placeholder");
        assert!(sources.area() > small.area() * 3, "{small:?} → {sources:?}");
        assert_eq!(with.panes.len(), 5);
        // compact: still one tab among the others
        let compact = bare(Rect::new(0, 0, 80, 24), Pane::Sources, false, true).expect("fits");
        assert_eq!(compact.panes.len(), 1);
        assert_eq!(compact.tabs.len(), 5);
        // zoom: the whole body
        let zoomed = bare(area, Pane::Sources, true, true).expect("fits");
        assert_eq!(zoomed.panes, vec![(Pane::Sources, Rect::new(0, 3, 160, 44))]);
    }

    #[test]
    fn the_side_column_takes_what_its_content_asks_and_the_timeline_stays_widest() {
        let rect = |a: &Areas, p: Pane| a.panes.iter().find(|(q, _)| *q == p).map(|(_, r)| *r);
        for (w, width, want) in [(160, 55, 55), (160, 20, SIDE_MIN), (160, 120, 64), (120, 100, 48)] {
            let content = Content {
                side_width: width,
                roster_rows: 8,
                update_lines: 2,
            };
            let a = layout(Rect::new(0, 0, w, 48), Pane::Timeline, false, false, content).expect("fits");
            let (Some(timeline), Some(roster)) = (rect(&a, Pane::Timeline), rect(&a, Pane::Roster)) else {
                panic!("both shown at {w}");
            };
            assert_eq!(roster.width, want, "{w} wide, {width} asked");
            assert!(timeline.width > roster.width, "{w}: {timeline:?} {roster:?}");
            assert_eq!(timeline.width + roster.width, w);
            assert_eq!(roster.height, 8 + 3, "eight people, a heading and borders");
            assert_eq!(a.header.height, 3 + 2, "the latest update's two lines");
        }
    }

    #[test]
    fn focus_cycles_through_every_pane() {
        let mut p = Pane::Timeline;
        for _ in 0..5 {
            p = p.next();
        }
        assert_eq!(p, Pane::Timeline);
        assert_eq!(Pane::Timeline.prev(), Pane::Sources);
    }
}
