//! Reading a long timeline in the real binary (tmux): `g` shows the oldest page full, the
//! cursor moves the window, and a date line marks where the day changes.

mod common;

#[path = "common/tmux.rs"]
mod tmux;

use chrono::{Duration, Timelike, Utc};
use common::Sandbox;
use tmux::Tmux;
use warroom::timeline::sqlite::SqliteStore;
use warroom::timeline::{Author, EventBody, IncidentId, NewEvent, Store};

/// An incident whose 60 entries ran from 23:30 yesterday (UTC) past midnight.
fn long_incident(sb: &Sandbox) -> (std::path::PathBuf, chrono::NaiveDate) {
    let st = sb.store();
    let id = sb.declare(&st, "Long night");
    let now = Utc::now();
    let start = (now - Duration::days(1))
        .with_hour(23)
        .and_then(|t| t.with_minute(30))
        .expect("a valid time");
    let store = SqliteStore::open(&st).expect("open");
    let entries: Vec<NewEvent> = (1..=60)
        .map(|n| {
            NewEvent::new(
                IncidentId(id.clone()),
                Author("ana@jump-01".into()),
                EventBody::Note {
                    text: format!("entry {n:02}"),
                },
            )
            .occurred_at(start + Duration::minutes(n))
        })
        .collect();
    store.append_batch(&entries).expect("append");
    (st, start.date_naive())
}

/// The lines of the timeline pane, between its top and bottom borders.
fn timeline_rows(screen: &str) -> Vec<String> {
    let lines: Vec<&str> = screen.lines().collect();
    let top = (lines.iter())
        .position(|l| (l.starts_with('┏') || l.starts_with('┌')) && l.contains("Timeline"))
        .expect("the timeline's frame");
    lines[top + 1..]
        .iter()
        .take_while(|l| !(l.starts_with('└') || l.starts_with('┗')))
        .map(|l| l.to_string())
        .collect()
}

#[test]
fn top_shows_the_oldest_page_full_under_its_date() {
    let sb = Sandbox::new();
    let (st, first_day) = long_incident(&sb);
    let t = Tmux::start(&sb, &st, &[], 80, 24);
    t.wait_for("Declared SEV2");
    t.keys(&["g"]);
    let screen = t.wait_for("entry 01");
    let rows = timeline_rows(&screen);
    assert!(rows.len() >= 10, "a pane of {} lines:\n{screen}", rows.len());
    // every line of the pane is used: the date, then the oldest entries in order
    assert!(
        rows[0].contains(&first_day.format("%a %d %b %Y").to_string()),
        "no date line on top:\n{screen}"
    );
    for (n, row) in rows[1..].iter().enumerate() {
        assert!(
            row.contains(&format!("entry {:02}", n + 1)),
            "line {} of the pane is not entry {}:\n{screen}",
            n + 2,
            n + 1
        );
    }
    assert!(
        rows[1].contains('›'),
        "the cursor is on the oldest row:\n{screen}"
    );
    assert!(screen.contains("row 1 of 6"), "{screen}");

    // Half pages down to midnight: the next day gets its own date line.
    let next_day = (first_day + Duration::days(1)).format("%a %d %b %Y").to_string();
    for _ in 0..4 {
        t.keys(&["C-d"]);
    }
    let screen = t.wait_for("entry 33");
    let rows = timeline_rows(&screen);
    let at = |needle: &str| rows.iter().position(|r| r.contains(needle));
    let (before, midnight, after) = (at("entry 29"), at(&next_day), at("entry 30"));
    assert!(
        before.is_some() && midnight > before && after > midnight,
        "no date line between 23:59's entry and 00:00's:\n{screen}"
    );
    // G follows again: the newest row at the bottom
    t.keys(&["G"]);
    let screen = t.wait_for("following");
    let rows = timeline_rows(&screen);
    assert!(
        rows.last()
            .is_some_and(|r| !r.trim_matches(['│', '┃', ' ']).is_empty() && !r.contains("entry")),
        "the newest is not at the bottom:\n{screen}"
    );
}
