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
use warroom::tui::view;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 28, 14, 0, 0)
        .single()
        .expect("valid time")
}

fn app(read_only: bool) -> App {
    let id = IncidentId("INC-20261128-DEMO1".into());
    let options = Options {
        read_only,
        ..Options::new("maria@jump-01", "/srv/warroom/timeline.db")
    };
    App::builder(options)
        .stored(&warroom::demo::sample_events(&id, now()))
        .build()
        .expect("app")
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
    a.update(Msg::Resize(160, 48), now());
    let screen = text(&draw(&a, 160, 48));
    for pane in ["Timeline", "Roster", "Checklist", "Metrics", "Sources"] {
        assert!(screen.contains(pane), "{pane} missing:\n{screen}");
    }
    insta::assert_snapshot!("overview_160x48", screen);
}

#[test]
fn compact_layout_at_80x24() {
    let mut a = app(false);
    a.update(Msg::Resize(80, 24), now());
    insta::assert_snapshot!("compact_timeline_80x24", text(&draw(&a, 80, 24)));
    key(&mut a, KeyCode::Char('3'));
    insta::assert_snapshot!("compact_checklist_80x24", text(&draw(&a, 80, 24)));
    key(&mut a, KeyCode::Char('2'));
    insta::assert_snapshot!("compact_roster_80x24", text(&draw(&a, 80, 24)));
}

#[test]
fn overlays() {
    let mut a = app(false);
    a.update(Msg::Resize(100, 30), now());
    key(&mut a, KeyCode::Char('?'));
    insta::assert_snapshot!("help_100x30", text(&draw(&a, 100, 30)));
    key(&mut a, KeyCode::Esc);
    key(&mut a, KeyCode::Char('n'));
    keys(&mut a, "Rollback verified on all EU pods");
    insta::assert_snapshot!("note_editor_100x30", text(&draw(&a, 100, 30)));
    key(&mut a, KeyCode::Esc); // with text written: keep it as a draft?
    let asked = text(&draw(&a, 100, 30));
    assert!(asked.contains("Keep this as a draft?"), "{asked}");
    key(&mut a, KeyCode::Char('d'));
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
    a.update(Msg::Resize(160, 48), now());
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
    a.update(Msg::Resize(80, 24), now());
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
            a.update(Msg::Resize(w, h), now());
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
    a.update(Msg::Resize(160, 48), now());
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

// ---------------------------------------------------------------------------------------------
// A console with sources: Security Hub, Splunk (without certificate checks), two AWS Backup
// sources (one refused), fed from the recorded fixtures at fixed times.

use warroom::sources::splunk::{self, ExportParser, SearchConfig, SearchOutcome};
use warroom::sources::{Observation, Snapshot, SourceConfig, SourceError, backup, securityhub};

const SOURCES: &str = r#"
[[source]]
kind = "securityhub"
name = "hub"
region = "eu-west-1"

[[source]]
kind = "splunk"
name = "splunk"
endpoint = "https://splunk.corp.example:8089"
token_env = "SPLUNK_TOKEN"
insecure_skip_verify = true

[[source.search]]
name = "http-5xx"
query = "index=web status>=500 | stats count by host"
count_field = "count"
threshold = 40

[[source.search]]
name = "console-logins"
query = "index=aws sourcetype=aws:cloudtrail"
threshold = 5

[[source.search]]
name = "by-sourcetype"
saved_search = "Volume by sourcetype"
count_field = "count"

[[source.search]]
name = "bad-spl"
query = "index=prod ("

[[source]]
kind = "backup"
name = "vault"
region = "us-east-1"

[[source]]
kind = "backup"
name = "vault-dr"
region = "us-west-2"
"#;

fn fixture(path: &str) -> Vec<u8> {
    let full = format!("{}/tests/fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}

fn source_configs(text: &str) -> Vec<SourceConfig> {
    let mut config: warroom::config::Config =
        warroom::config::parse_toml("sources.toml", text).unwrap_or_else(|e| panic!("{e}"));
    warroom::sources::config::validate(&mut config.source, "sources.toml", text)
        .unwrap_or_else(|e| panic!("{e}"));
    config.source
}

fn findings(files: &[&str]) -> Vec<securityhub::Finding> {
    files
        .iter()
        .flat_map(|f| {
            securityhub::parse_findings(&fixture(f))
                .unwrap_or_else(|e| panic!("{f}: {e}"))
                .findings
        })
        .collect()
}

fn jobs(files: &[&str]) -> Vec<backup::BackupJob> {
    files
        .iter()
        .flat_map(|f| {
            backup::parse_jobs(&fixture(f))
                .unwrap_or_else(|e| panic!("{f}: {e}"))
                .jobs
        })
        .collect()
}

/// A search run over a recorded export stream, pushed in small chunks as it would arrive.
fn search(config: &SearchConfig, file: &str) -> SearchOutcome {
    let mut parser = ExportParser::new(config.max_rows);
    let body = fixture(file);
    let pushed = body.chunks(7).try_for_each(|c| parser.push(c));
    let result = pushed.and_then(|()| parser.finish());
    let count = result.as_ref().ok().map(|r| splunk::count_of(config, r));
    SearchOutcome {
        name: config.name.clone(),
        result,
        count,
    }
}

fn data(source: &str, secs_ago: i64, snapshot: Snapshot) -> Observation {
    Observation::Data {
        source: source.into(),
        at: now() - chrono::Duration::seconds(secs_ago),
        snapshot,
        pages: 2,
        bytes: 48_213,
        elapsed: std::time::Duration::from_millis(340),
    }
}

/// Feed an observation, and send what the console appends (signals) back as the store would.
fn observe(a: &mut App, o: Observation, seq: &mut u64) {
    let fx = a.update(Msg::Source(Box::new(o)), now());
    for f in fx {
        if let warroom::tui::app::Effect::Append(events) = f {
            let n = events.len();
            let mut more = Vec::new();
            for e in &events {
                *seq += 1;
                app_ingest(a, e, *seq, &mut more);
            }
            a.update(Msg::Saved(n), now());
        }
    }
}

fn app_with_sources(read_only: bool) -> App {
    let mut a = app(read_only);
    let configs = source_configs(SOURCES);
    a.set_sources(&configs);
    let searches = &configs[1].search;
    let mut seq = 500;
    // A few polls, so the metrics have a history.
    let hub = [
        (300, vec!["securityhub/get_findings_page2.json"]),
        (
            180,
            vec![
                "securityhub/get_findings_page2.json",
                "securityhub/get_findings_page1.json",
            ],
        ),
        (
            30,
            vec![
                "securityhub/get_findings_page1.json",
                "securityhub/get_findings_page2.json",
            ],
        ),
    ];
    for (ago, files) in hub {
        observe(
            &mut a,
            data("hub", ago, Snapshot::Findings(findings(&files))),
            &mut seq,
        );
    }
    for (ago, five_xx) in [
        (240, "splunk/export_events.ndjson"),
        (45, "splunk/export_messages.ndjson"),
    ] {
        let outcomes = vec![
            search(&searches[0], five_xx),
            search(&searches[1], "splunk/export_events.ndjson"),
            search(&searches[2], "splunk/export_transforming.ndjson"),
            search(&searches[3], "splunk/export_error.ndjson"),
        ];
        observe(
            &mut a,
            data("splunk", ago, Snapshot::Searches(outcomes)),
            &mut seq,
        );
    }
    for (ago, files) in [
        (200, vec!["backup/list_jobs_page1.json"]),
        (
            20,
            vec!["backup/list_jobs_page1.json", "backup/list_jobs_page2.json"],
        ),
    ] {
        observe(
            &mut a,
            data("vault", ago, Snapshot::Backups(jobs(&files))),
            &mut seq,
        );
    }
    let refused = Observation::Failed {
        source: "vault-dr".into(),
        at: now() - chrono::Duration::seconds(10),
        error: SourceError::Unauthorized {
            status: 403,
            message: "User: arn:aws:sts::123456789012:assumed-role/ir-readonly is not authorized to perform: backup:ListBackupJobs".into(),
        },
        retry_in: std::time::Duration::from_secs(290),
    };
    observe(&mut a, refused, &mut seq);
    a
}

/// Every cell of the screen is free of control and bidi characters.
fn assert_clean(buf: &Buffer) {
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
}

/// The sources pane's views in order, each snapshotted at 160×48 and 80×24.
#[test]
fn sources_views_at_160x48_and_80x24() {
    for (w, h) in [(160u16, 48u16), (80, 24)] {
        let mut a = app_with_sources(false);
        a.update(Msg::Resize(w, h), now());
        key(&mut a, KeyCode::Char('5'));
        for (name, keys_after) in [
            ("findings", "]"),
            ("searches", "]"),
            ("backups", "r"),
            ("readiness", "]"),
            ("health", "]"),
        ] {
            let buf = draw(&a, w, h);
            assert_clean(&buf);
            let screen = text(&buf);
            assert!(
                screen.contains("⚠ TLS"),
                "the TLS warning is always on:\n{screen}"
            );
            insta::assert_snapshot!(format!("sources_{name}_{w}x{h}"), screen);
            keys(&mut a, keys_after);
        }
    }
}

#[test]
fn sources_views_show_what_matters() {
    let mut a = app_with_sources(false);
    a.update(Msg::Resize(160, 48), now());
    key(&mut a, KeyCode::Char('5'));
    let screen = text(&draw(&a, 160, 48));
    assert!(
        screen.contains("[Findings 4] Searches Backups Health!"),
        "{screen}"
    );
    assert!(screen.contains("⚠ TLS verification off: splunk"), "{screen}");
    // the rows of the findings table, most severe first
    let order: Vec<usize> = ["CRITICAL", "HIGH", "MEDIUM", "LOW"]
        .iter()
        .map(|s| {
            let row = |l: &str| {
                l.trim_start_matches(['┃', '›', ' '])
                    .starts_with(&format!("{s} "))
            };
            screen.lines().position(row).unwrap_or(usize::MAX)
        })
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}\n{screen}");
    assert!(
        (screen.lines()).any(|l| l.contains("…") && l.contains("i-0a1b2c3d4e5f60718 ")),
        "resources keep their tail:\n{screen}"
    );
    key(&mut a, KeyCode::Char(']'));
    let screen = text(&draw(&a, 160, 48));
    assert!(screen.contains("41      40 ▲"), "over its threshold:\n{screen}");
    assert!(screen.contains("failed: Error in 'search'"), "{screen}");
    assert!(screen.contains("WARN Search results"), "{screen}");
    key(&mut a, KeyCode::Char(']'));
    let screen = text(&draw(&a, 160, 48));
    assert!(
        screen.contains("10.0 GiB") && screen.contains("FAILED"),
        "{screen}"
    );
    assert!(screen.contains("Insufficient privileg"), "{screen}");
    key(&mut a, KeyCode::Char(']'));
    let screen = text(&draw(&a, 160, 48));
    assert!(
        screen.contains("unauthorised") && screen.contains("in 4m"),
        "{screen}"
    );
    assert!(screen.contains("⚠ splunk"), "{screen}");
}

#[test]
fn finding_and_search_details() {
    for (w, h) in [(160u16, 48u16), (80, 24)] {
        let mut a = app_with_sources(false);
        a.update(Msg::Resize(w, h), now());
        key(&mut a, KeyCode::Char('5'));
        key(&mut a, KeyCode::Enter);
        let buf = draw(&a, w, h);
        assert_clean(&buf);
        let screen = text(&buf);
        assert!(screen.contains("querying a C&C domain"), "{screen}");
        assert!(
            !screen.contains("pwned") || screen.contains("querying"),
            "{screen}"
        );
        insta::assert_snapshot!(format!("finding_detail_{w}x{h}"), screen);
        keys(&mut a, "jjjjjjjjjj");
        insta::assert_snapshot!(format!("finding_detail_scrolled_{w}x{h}"), text(&draw(&a, w, h)));
        key(&mut a, KeyCode::Esc);
        key(&mut a, KeyCode::Char(']'));
        key(&mut a, KeyCode::Char('j'));
        key(&mut a, KeyCode::Enter);
        let buf = draw(&a, w, h);
        assert_clean(&buf);
        let screen = text(&buf);
        assert!(
            screen.contains("Console") && screen.contains("auth, con"),
            "{screen}"
        );
        insta::assert_snapshot!(format!("search_detail_{w}x{h}"), screen);
    }
}

#[test]
fn resolving_a_finding_asks_first() {
    let mut a = app_with_sources(false);
    a.update(Msg::Resize(100, 30), now());
    key(&mut a, KeyCode::Char('5'));
    key(&mut a, KeyCode::Char('R'));
    insta::assert_snapshot!("finding_confirm_100x30", text(&draw(&a, 100, 30)));
}

#[test]
fn metrics_with_sources() {
    let mut a = app_with_sources(false);
    a.update(Msg::Resize(80, 24), now());
    key(&mut a, KeyCode::Char('4'));
    let screen = text(&draw(&a, 80, 24));
    assert!(screen.contains("findings C:1 H:1 M:1 L:1"), "{screen}");
    assert!(screen.contains("http-5xx 41 ▲"), "{screen}");
    insta::assert_snapshot!("metrics_sources_80x24", screen);
}

#[test]
fn findings_styles_at_80x24() {
    let mut a = app_with_sources(false);
    a.update(Msg::Resize(80, 24), now());
    key(&mut a, KeyCode::Char('5'));
    insta::assert_debug_snapshot!("styles_findings_80x24", draw(&a, 80, 24));
}

#[test]
fn a_read_only_console_with_sources_offers_no_changes() {
    let mut a = app_with_sources(true);
    a.update(Msg::Resize(160, 48), now());
    key(&mut a, KeyCode::Char('5'));
    key(&mut a, KeyCode::Enter);
    let screen = text(&draw(&a, 160, 48));
    assert!(screen.contains("READ-ONLY") && screen.contains("esc"), "{screen}");
    assert!(!screen.contains("resolved"), "{screen}");
}

#[test]
fn hostile_source_text_never_reaches_the_screen() {
    let mut a = app(false);
    let configs = source_configs(SOURCES);
    a.set_sources(&configs);
    let mut seq = 500;
    observe(
        &mut a,
        data(
            "hub",
            5,
            Snapshot::Findings(findings(&["securityhub/get_findings_page1.json"])),
        ),
        &mut seq,
    );
    let hostile = search(&configs[1].search[0], "splunk/export_hostile.ndjson");
    observe(
        &mut a,
        data("splunk", 5, Snapshot::Searches(vec![hostile])),
        &mut seq,
    );
    observe(
        &mut a,
        data(
            "vault",
            5,
            Snapshot::Backups(jobs(&["backup/list_jobs_hostile.json"])),
        ),
        &mut seq,
    );
    for (w, h) in [(160u16, 48u16), (80, 24), (41, 12)] {
        a.update(Msg::Resize(w, h), now());
        key(&mut a, KeyCode::Char('5'));
        for step in ["", "]", "]", "r", "]", "]"] {
            keys(&mut a, step);
            assert_clean(&draw(&a, w, h));
            key(&mut a, KeyCode::Enter);
            let buf = draw(&a, w, h);
            assert_clean(&buf);
            key(&mut a, KeyCode::Esc);
        }
        key(&mut a, KeyCode::Char('4'));
        assert_clean(&draw(&a, w, h));
    }
    a.update(Msg::Resize(160, 48), now());
    key(&mut a, KeyCode::Char('5'));
    keys(&mut a, "]");
    key(&mut a, KeyCode::Enter);
    let screen = text(&draw(&a, 160, 48));
    assert!(screen.contains("db-01") && !screen.contains("pwned"), "{screen}");
    insta::assert_snapshot!("hostile_search_detail_160x48", screen);
    key(&mut a, KeyCode::Esc);
    keys(&mut a, "]");
    if a.panes().sources.readiness_shown() {
        keys(&mut a, "r");
    }
    let screen = text(&draw(&a, 160, 48));
    insta::assert_snapshot!("hostile_backups_160x48", screen);
    keys(&mut a, "]]");
    key(&mut a, KeyCode::Enter);
    let screen = text(&draw(&a, 160, 48));
    assert!(
        screen.contains("C&C domain") && !screen.contains("pwned"),
        "{screen}"
    );
    insta::assert_snapshot!("hostile_finding_detail_160x48", screen);
}

#[test]
fn no_size_panics_with_sources_in_any_view() {
    let mut a = app_with_sources(false);
    key(&mut a, KeyCode::Char('5'));
    let views = ["", "]", "r", "]", "]"];
    for step in views {
        keys(&mut a, step);
        for w in 1..=24 {
            for h in 1..=8 {
                a.update(Msg::Resize(w, h), now());
                draw(&a, w, h);
            }
        }
        for w in (30..=260).step_by(11) {
            for h in (8..=80).step_by(6) {
                a.update(Msg::Resize(w, h), now());
                draw(&a, w, h);
                key(&mut a, KeyCode::Enter);
                draw(&a, w, h);
                keys(&mut a, "jjG");
                draw(&a, w, h);
                key(&mut a, KeyCode::Esc);
            }
        }
    }
    key(&mut a, KeyCode::Char('z'));
    for w in [40u16, 120, 200] {
        a.update(Msg::Resize(w, 40), now());
        let screen = text(&draw(&a, w, 40));
        assert!(screen.contains("Sources"), "zoomed:\n{screen}");
    }
    // a resize burst through update, with a detail open half the time
    let mut terminal = Terminal::new(TestBackend::new(10, 5)).expect("terminal");
    for i in 0..200u16 {
        let (w, h) = (1 + (i * 37) % 220, 1 + (i * 17) % 70);
        a.update(Msg::Resize(w, h), now());
        terminal.backend_mut().resize(w, h);
        terminal
            .resize(ratatui::layout::Rect::new(0, 0, w, h))
            .expect("resize");
        terminal.draw(|f| view::draw(f, &a, now())).expect("draw");
        if i % 50 == 0 {
            key(&mut a, KeyCode::Enter);
        }
        if i % 50 == 25 {
            key(&mut a, KeyCode::Esc);
            key(&mut a, KeyCode::Char(']'));
        }
    }
}

#[test]
fn help_lists_source_keys_only_when_there_are_sources() {
    let help = |a: &mut App| {
        a.update(Msg::Resize(100, 80), now());
        key(a, KeyCode::Char('?'));
        let screen = text(&draw(a, 100, 80));
        key(a, KeyCode::Esc);
        screen
    };
    let with = help(&mut app_with_sources(false));
    for expected in [
        "sort-findings",
        "finding-resolved",
        "source-view-next",
        ":sources",
        ":finding",
    ] {
        assert!(with.contains(expected), "{expected}:\n{with}");
    }
    let without = help(&mut app(false));
    assert!(
        !without.contains("finding") && !without.contains(":sources"),
        "{without}"
    );
}

/// A facilitator's console two minutes into the test scenario at 10×: inject 1 acknowledged,
/// 2 and 3 delivered, the contingency and the hidden note upcoming.
fn facilitator_app() -> App {
    use warroom::drill::Scenario;
    use warroom::drill::facilitator::Facilitator;
    use warroom::timeline::{EventBody, NewEvent};
    let text = std::fs::read_to_string(format!(
        "{}/tests/fixtures/scenarios/mini.toml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("the test scenario");
    let scenario = Scenario::parse("mini.toml", &text, None).expect("it checks");
    let runbooks = load_runbooks(None).expect("runbooks");
    let t0 = now() - chrono::TimeDelta::seconds(12);
    let at = |s: i64| t0 + chrono::TimeDelta::seconds(s);
    let (mut f, mut timed) = Facilitator::start(scenario, text, 10.0, 60.0, &runbooks, t0);
    let incident = f.player.incident.clone();
    for e in &mut timed {
        e.recorded_at = t0;
    }
    for (secs, batch) in [(3, f.due(at(3))), (6, f.due(at(6))), (12, f.due(at(12)))] {
        timed.extend(batch.into_iter().map(|mut e| {
            e.recorded_at = at(secs);
            e
        }));
    }
    let mut ack = NewEvent::new(
        incident,
        Author("kenji@jump-02".into()),
        EventBody::Note {
            text: "ack: looking at the Tor finding".into(),
        },
    );
    ack.recorded_at = at(4);
    timed.push(ack);
    timed.sort_by_key(|e| e.recorded_at);
    let options = Options::new("drill-lead@jump-01", "/srv/warroom/timeline.db");
    let mut app = App::builder(options)
        .runbooks(runbooks)
        .drill(Some(f), true)
        .stored(&timed)
        .build()
        .expect("app");
    app.update(Msg::Tick, now());
    app
}

#[test]
fn the_facilitators_msel_at_160x48_and_80x24() {
    let mut a = facilitator_app();
    // The drill incident's id is random: the snapshots name it INC-DRILL.
    let id = a
        .model()
        .drill
        .as_ref()
        .map(|f| f.player.incident.to_string())
        .unwrap_or_default();
    let text = |b: &Buffer| text(b).replace(&id, "INC-DRILL");
    a.update(Msg::Resize(160, 48), now());
    let wide = text(&draw(&a, 160, 48));
    for part in [
        "MSEL · mini · +00:02:00 · 10× · running",
        "✓ met",
        "ack",
        "(if unmet)",
        "(hidden)",
    ] {
        assert!(wide.contains(part), "{part} missing:\n{wide}");
    }
    insta::assert_snapshot!("facilitator_160x48", wide);
    a.update(Msg::Resize(80, 24), now());
    key(&mut a, KeyCode::Char('4'));
    insta::assert_snapshot!("facilitator_msel_80x24", text(&draw(&a, 80, 24)));
    // `:msel` gives the metrics their place back.
    key(&mut a, KeyCode::Char(':'));
    keys(&mut a, "msel");
    key(&mut a, KeyCode::Enter);
    let metrics = text(&draw(&a, 80, 24));
    assert!(
        metrics.contains("Metrics") && !metrics.contains("MSEL"),
        "{metrics}"
    );
}

#[test]
fn a_long_findings_list_keeps_the_selection_in_view() {
    let mut a = app(false);
    a.set_sources(&source_configs(SOURCES));
    let one = findings(&["securityhub/get_findings_page1.json"])
        .into_iter()
        .next()
        .expect("a finding in the fixture");
    // Same severity and age: they keep this order.
    let many: Vec<securityhub::Finding> = (0..300)
        .map(|n| {
            let mut f = one.clone();
            f.id = format!("{}-{n:03}", one.id);
            f.title = format!("finding {n:03}");
            f
        })
        .collect();
    let mut seq = 500;
    observe(&mut a, data("hub", 5, Snapshot::Findings(many)), &mut seq);
    a.update(Msg::Resize(160, 48), now());
    key(&mut a, KeyCode::Char('5'));
    let selected = |a: &App| -> String {
        let screen = text(&draw(a, 160, 48));
        let marked: Vec<&str> = screen.lines().filter(|l| l.contains('›')).collect();
        assert_eq!(marked.len(), 1, "one row is marked:\n{screen}");
        marked[0].to_string()
    };
    assert!(selected(&a).contains("finding 000"));
    keys(&mut a, "G");
    let screen = text(&draw(&a, 160, 48));
    assert!(selected(&a).contains("finding 299"), "{screen}");
    assert!(
        screen.contains("finding 290") && !screen.contains("finding 000"),
        "{screen}"
    );
    keys(&mut a, "kkk");
    assert!(selected(&a).contains("finding 296"));
    keys(&mut a, "g");
    let screen = text(&draw(&a, 160, 48));
    assert!(selected(&a).contains("finding 000"), "{screen}");
    assert!(
        screen.contains("finding 001") && !screen.contains("finding 299"),
        "{screen}"
    );
}

#[test]
fn the_metrics_chart_says_what_a_bar_is_with_a_scale_and_a_time_axis() {
    let mut a = app(false);
    a.update(Msg::Resize(80, 24), now());
    key(&mut a, KeyCode::Char('4'));
    let screen = text(&draw(&a, 80, 24));
    assert!(
        screen.contains("events/min, last") && screen.contains("min · peak"),
        "no legend:\n{screen}"
    );
    // The axis ends at the time drawn (14:00) and starts as many minutes before as there are bars.
    assert!(
        screen.contains("14:00┘") && screen.contains("└12:"),
        "no time axis:\n{screen}"
    );
    insta::assert_snapshot!("compact_metrics_80x24", screen);
}

#[test]
fn a_read_only_console_never_offers_to_write() {
    let options = Options {
        read_only: true,
        ..Options::new("exec@jump-01", "/srv/warroom/timeline.db")
    };
    let a = App::builder(options).build().expect("app");
    let screen = text(&draw(&a, 80, 24));
    assert!(
        screen.contains("no open incident") && !screen.contains("press D"),
        "{screen}"
    );
}
