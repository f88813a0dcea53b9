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

/// An incident whose 60 entries ran from 23:30 (UTC) past midnight, over an hour ago.
fn long_incident(sb: &Sandbox) -> (std::path::PathBuf, chrono::NaiveDate) {
    let st = sb.store();
    let id = sb.declare(&st, "Long night");
    let now = Utc::now();
    let start = (now - Duration::days(1))
        .with_hour(23)
        .and_then(|t| t.with_minute(30))
        .expect("a valid time");
    // All in the past, even just after midnight (the notes used to run past now then, and the
    // declaration sorted among them).
    let start = if start + Duration::minutes(61) > now {
        start - Duration::days(1)
    } else {
        start
    };
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

/// A captured line without its escape sequences.
fn plain(styled: &str) -> String {
    let mut out = String::new();
    let mut chars = styled.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // CSI: ESC [ parameters, then a final letter
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
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

#[test]
fn enter_opens_an_entry_a_handoff_or_an_item_in_full() {
    let sb = Sandbox::new();
    let st = sb.store();
    let id = sb.declare(&st, "Readable");
    let store = SqliteStore::open(&st).expect("open");
    let long = "The 502s come from checkout-api's connection pool: every pod holds 4x the usual \
                buffers since v4.18.0, and the gateway's keep-alive resets them under load, which \
                is why the error rate tracks traffic and not deploys. END-OF-NOTE";
    let incident = IncidentId(id.clone());
    let kenji = Author("kenji@jump-02".into());
    store
        .append_batch(&[
            NewEvent::new(
                incident.clone(),
                kenji.clone(),
                EventBody::Note { text: long.into() },
            ),
            NewEvent::new(
                incident.clone(),
                Author("maria@jump-01".into()),
                EventBody::Handoff {
                    from: "maria".into(),
                    to: "kenji".into(),
                    briefing: warroom::timeline::Briefing {
                        status: "Mitigated by rollback; watching error rates".into(),
                        hypotheses_open: vec!["pool sizing regression in v4.18.0".into()],
                        hypotheses_ruled_out: vec!["payment gateway latency".into()],
                        last_customer_update: "13:38 external: fix in place".into(),
                        next_steps: vec!["heap profile the canary".into()],
                    },
                },
            ),
        ])
        .expect("append");
    let t = Tmux::start(&sb, &st, &[], 100, 30);
    t.wait_for("Command handed from maria to kenji");
    // The handoff is the newest row, where the cursor is when following.
    t.keys(&["Enter"]);
    // The overlay's last line, not its title: a frame caught mid-draw has only the top.
    let screen = t.wait_until("the handoff drawn", |s| {
        s.contains("Timeline entry") && s.contains("heap profile the canary")
    });
    for part in [
        "HANDOFF",
        "maria@jump-01",
        "Mitigated by rollback",
        "pool sizing regression",
        "payment gateway latency",
        "13:38 external: fix in place",
        "heap profile the canary",
    ] {
        assert!(
            screen.contains(part),
            "`{part}` missing from the handoff:\n{screen}"
        );
    }
    let today = Utc::now().format("%a %d %b %Y").to_string();
    assert!(screen.contains(&format!("recorded   {today}")), "{screen}");
    t.keys(&["Escape"]);
    t.wait_until("the overlay closed", |s| !s.contains("Timeline entry"));
    // The note above it: its whole text, wrapped, where the row cuts it short.
    t.keys(&["k"]);
    t.keys(&["Enter"]);
    let screen = t.wait_for("END-OF-NOTE");
    assert!(screen.contains("kenji@jump-02"), "{screen}");
    t.keys(&["Escape"]);
    t.wait_until("the overlay closed", |s| !s.contains("Timeline entry"));
    // The checklist's first item, with the runbook's guidance.
    t.keys(&["3"]);
    t.wait_for("▶ Checklist");
    t.keys(&["Enter"]);
    let screen = t.wait_until("the item drawn", |s| {
        s.contains("Checklist item") && s.contains("Say who it is out loud")
    });
    assert!(screen.contains("generic/assign-ic"), "{screen}");
    assert!(
        screen.contains("Say who it is out loud"),
        "no guidance:\n{screen}"
    );
}

#[test]
fn a_search_highlights_its_matches_and_n_jumps_between_them() {
    let sb = Sandbox::new();
    let (st, _) = long_incident(&sb);
    let t = Tmux::start(&sb, &st, &[], 80, 24);
    t.wait_for("Declared SEV2");
    t.keys(&["/"]);
    t.type_text("5");
    t.keys(&["Enter"]);
    // Entries 05, 15, 25, 35, 45 and 50 to 59 match. From the newest row, the nearest match
    // above: entry 59, in view with what follows it.
    let screen = t.wait_for("search “5”");
    let rows = timeline_rows(&screen);
    let cursor = rows.iter().position(|r| r.contains('›'));
    assert!(
        cursor.is_some_and(|c| rows[c].contains("entry 59")
            && c + 1 < rows.len()
            && rows[c + 1].contains("entry 60")),
        "the cursor is not on entry 59 with what follows in view:\n{screen}"
    );
    let styled = t.screen_with_styles();
    // A match is reversed; on the cursor's row (reversed already) it is underlined too.
    let highlighted = |n: &str| {
        let line = (styled.lines())
            .find(|l| plain(l).contains(&format!("entry {n}")))
            .unwrap_or_default();
        line.contains("\u{1b}[4;7m") || line.contains("\u{1b}[4m")
    };
    assert!(
        highlighted("59") && highlighted("55"),
        "the matches are not highlighted:\n{styled}"
    );
    assert!(
        !highlighted("48"),
        "a row that does not match is highlighted:\n{styled}"
    );
    // N goes up, n down; n does not open the note editor while the search is on
    t.keys(&["N"]);
    t.wait_until("N moved up", |s| {
        timeline_rows(s)
            .iter()
            .any(|r| r.contains('›') && r.contains("entry 58"))
    });
    t.keys(&["n", "n"]);
    let screen = t.wait_for("Search wrapped to the top");
    assert!(
        timeline_rows(&screen)
            .iter()
            .any(|r| r.contains('›') && r.contains("entry 05")),
        "{screen}"
    );
    assert!(!screen.contains("ctrl-s"), "n opened the editor:\n{screen}");
    // Esc ends the search: n writes a note again
    t.keys(&["Escape"]);
    t.wait_until("the search ended", |s| !s.contains("search “5”"));
    t.keys(&["n"]);
    t.wait_for("ctrl-s");
}
