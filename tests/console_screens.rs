//! Whole screens of the console, drawn into a TestBackend from a fixed sample incident, as
//! insta snapshots: every pane at 160×48, the compact layout at 80×24, the overlays, and the
//! styles of one theme. Plus every tiny size and a burst of resizes, which must never panic.

use chrono::{DateTime, TimeZone, Utc};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use warroom::incident::runbook::load_runbooks;
use warroom::timeline::store::RawEvent;
use warroom::timeline::{Author, Hash, IncidentId};
use warroom::tui::app::{App, Msg, Options};
use warroom::tui::keymap::Keymap;
use warroom::tui::notify::NotifyConfig;
use warroom::tui::{theme, view};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 28, 14, 0, 0)
        .single()
        .expect("valid time")
}

fn app(read_only: bool) -> App {
    let id = IncidentId("INC-20261128-DEMO1".into());
    let options = Options {
        me: Author("maria@jump-01".into()),
        read_only,
        store_name: "/srv/warroom/timeline.db".into(),
        notify: NotifyConfig::default(),
    };
    let theme = theme::load("dark", None).expect("dark theme");
    let mut app = App::new(
        options,
        Keymap::default(),
        theme,
        load_runbooks(None).expect("runbooks"),
    );
    let mut prev = Hash::GENESIS;
    let mut fx = Vec::new();
    for (n, e) in warroom::demo::sample_events(&id, now()).iter().enumerate() {
        let raw = RawEvent::place(e, n as u64 + 1, prev);
        prev = raw.hash;
        app.ingest(raw.decode(), &mut fx);
    }
    app.start();
    app
}

fn draw(app: &App, w: u16, h: u16) -> Buffer {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    terminal.draw(|f| view::draw(f, app, now())).expect("draw");
    terminal.backend().buffer().clone()
}

fn text(buf: &Buffer) -> String {
    let area = buf.area;
    let mut out = String::new();
    for y in 0..area.height {
        let mut line = String::new();
        for x in 0..area.width {
            line.push_str(buf[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn key(app: &mut App, code: KeyCode) {
    app.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)), now());
}

fn keys(app: &mut App, s: &str) {
    for c in s.chars() {
        key(app, KeyCode::Char(c));
    }
}

#[test]
fn overview_at_160x48_shows_every_pane() {
    let mut a = app(false);
    a.size = (160, 48);
    let screen = text(&draw(&a, 160, 48));
    for pane in ["Timeline", "Roster", "Checklist", "Metrics", "Sources"] {
        assert!(screen.contains(pane), "{pane} missing:\n{screen}");
    }
    insta::assert_snapshot!("overview_160x48", screen);
}

#[test]
fn compact_layout_at_80x24() {
    let mut a = app(false);
    a.size = (80, 24);
    insta::assert_snapshot!("compact_timeline_80x24", text(&draw(&a, 80, 24)));
    key(&mut a, KeyCode::Char('3'));
    insta::assert_snapshot!("compact_checklist_80x24", text(&draw(&a, 80, 24)));
    key(&mut a, KeyCode::Char('2'));
    insta::assert_snapshot!("compact_roster_80x24", text(&draw(&a, 80, 24)));
}

#[test]
fn overlays() {
    let mut a = app(false);
    a.size = (100, 30);
    key(&mut a, KeyCode::Char('?'));
    insta::assert_snapshot!("help_100x30", text(&draw(&a, 100, 30)));
    key(&mut a, KeyCode::Esc);
    key(&mut a, KeyCode::Char('n'));
    keys(&mut a, "Rollback verified on all EU pods");
    insta::assert_snapshot!("note_editor_100x30", text(&draw(&a, 100, 30)));
    key(&mut a, KeyCode::Esc);
    key(&mut a, KeyCode::Char('+'));
    let confirm = text(&draw(&a, 100, 30));
    assert!(confirm.contains("Already SEV1"), "{confirm}");
    key(&mut a, KeyCode::Char('-'));
    insta::assert_snapshot!("confirm_100x30", text(&draw(&a, 100, 30)));
    key(&mut a, KeyCode::Char('n'));
    key(&mut a, KeyCode::Char(':'));
    keys(&mut a, "re");
    key(&mut a, KeyCode::Tab);
    insta::assert_snapshot!("palette_completion_100x30", text(&draw(&a, 100, 30)));
}

#[test]
fn read_only_console_says_so_and_hides_write_hints() {
    let mut a = app(true);
    a.size = (160, 48);
    let screen = text(&draw(&a, 160, 48));
    assert!(screen.contains("READ-ONLY"), "{screen}");
    let hints = screen.lines().last().unwrap_or_default();
    assert!(hints.contains("help") && !hints.contains("note"), "{hints}");
    key(&mut a, KeyCode::Char('n'));
    let screen = text(&draw(&a, 160, 48));
    assert!(screen.contains("Read-only console"), "{screen}");
}

#[test]
fn dark_theme_styles() {
    let mut a = app(false);
    a.size = (80, 24);
    insta::assert_debug_snapshot!("styles_dark_80x24", draw(&a, 80, 24));
}

#[test]
fn too_small_says_so() {
    let a = app(false);
    let screen = text(&draw(&a, 30, 8));
    assert!(screen.contains("at least"), "{screen}");
}

#[test]
fn no_size_from_1x1_to_20x6_panics_and_neither_does_a_resize_burst() {
    let mut a = app(false);
    for w in 1..=20 {
        for h in 1..=6 {
            a.size = (w, h);
            draw(&a, w, h);
        }
    }
    // a burst of resizes through the update function, with overlays open, drawing each
    let mut terminal = Terminal::new(TestBackend::new(10, 5)).expect("terminal");
    key(&mut a, KeyCode::Char('?'));
    for i in 0..200u16 {
        let (w, h) = (1 + (i * 37) % 220, 1 + (i * 17) % 70);
        a.update(Msg::Resize(w, h), now());
        terminal.backend_mut().resize(w, h);
        terminal
            .resize(ratatui::layout::Rect::new(0, 0, w, h))
            .expect("resize");
        terminal.draw(|f| view::draw(f, &a, now())).expect("draw");
        if i == 100 {
            key(&mut a, KeyCode::Esc);
            key(&mut a, KeyCode::Char('n'));
        }
    }
}

#[test]
fn hostile_text_cannot_escape_or_break_the_layout() {
    let mut a = app(false);
    a.size = (160, 48);
    let id = IncidentId("INC-20261128-DEMO1".into());
    let nasty = [
        "\u{1b}]0;pwned\u{7}\u{1b}[2J\u{1b}[31mred alert\u{1b}[0m",
        "漢字のメモ：データベースが停止しました 🔥🔥",
        "مرحبا \u{202E}gnp.exe\u{202C} zero\u{200B}width",
        "tab\there\rcarriage\u{8}backspace\u{7}bell",
    ];
    let mut fx = Vec::new();
    let mut seq = 1000;
    for (n, text) in nasty.iter().enumerate() {
        seq += 1;
        let e = warroom::timeline::NewEvent::new(
            id.clone(),
            Author(format!("mallory{n}\u{1b}[5m@evil")),
            warroom::timeline::EventBody::Note {
                text: text.to_string(),
            },
        );
        app_ingest(&mut a, &e, seq, &mut fx);
    }
    let buf = draw(&a, 160, 48);
    let screen = text(&buf);
    for cell in buf.content() {
        assert!(
            !cell
                .symbol()
                .chars()
                .any(|c| c.is_control() || ('\u{202A}'..='\u{202E}').contains(&c)),
            "a control character reached the screen: {:?}",
            cell.symbol()
        );
    }
    assert!(
        screen.contains("red alert") && screen.contains("漢") && screen.contains("🔥"),
        "{screen}"
    );
    // every row of the timeline still ends at the same border column
    let border_col = |line: &str| {
        line.chars().position(|c| c == '┃').and_then(|first| {
            line.chars()
                .skip(first + 1)
                .position(|c| c == '┃')
                .map(|p| p + first + 1)
        })
    };
    let cols: Vec<_> = screen.lines().skip(4).take(40).filter_map(border_col).collect();
    assert!(
        cols.windows(2).all(|w| w[0] == w[1]),
        "the timeline's right border moved: {cols:?}\n{screen}"
    );
}

fn app_ingest(
    a: &mut App,
    e: &warroom::timeline::NewEvent,
    seq: u64,
    fx: &mut Vec<warroom::tui::app::Effect>,
) {
    a.ingest(RawEvent::place(e, seq, Hash::GENESIS).into_event(), fx);
}
