//! The sources pane's frame (issue 25): one 160×48 frame of the demo incident with a Security
//! Hub source holding 10,000 findings, against the same frame with no sources, in the same run.
//! Target: ≤ 1 ms, and ≤ 1.5× the frame without sources.
//!
//! - `draw_160x48_no_sources`: the demo incident, no sources configured (the pane says so);
//! - `draw_160x48_10k_findings`: the same, with 10,000 findings in the sources pane (focused);
//! - `…_step`: a key moving the selection (`j`/`k`) handled and drawn, every iteration;
//! - `poll_10k_findings`: a poll's answer of 10,000 findings taken in (the pane's rows are
//!   filtered and sorted then, not while drawing).
//!
//! `cargo bench --bench sources_pane`

use chrono::{DateTime, TimeZone, Utc};
use criterion::{BatchSize, Criterion, SamplingMode, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::hint::black_box;
use std::time::Duration;
use warroom::sources::securityhub::{Finding, parse_findings};
use warroom::sources::{Observation, Snapshot};
use warroom::tui::app::{App, Msg, Options};
use warroom::tui::view;

mod common;
use common::findings::{FINDINGS, findings_body};

/// The same allocator as the `warroom` binary, so the figures are the product's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 28, 10, 0, 0)
        .single()
        .expect("valid time")
}

fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

/// The demo incident in a console of 160×48, with `sources` configured (TOML).
fn app(sources: &str) -> App {
    let (_, events) = warroom::demo::sample_incident(now());
    let mut app = App::builder(Options::new("bench@jump-01", "bench"))
        .stored(&events)
        .build()
        .expect("app");
    if !sources.is_empty() {
        let mut c: warroom::config::Config = warroom::config::parse_toml("bench", sources).expect("config");
        warroom::sources::config::validate(&mut c.source, "bench", sources).expect("valid sources");
        app.set_sources(&c.source);
    }
    app.update(Msg::Resize(160, 48), now());
    app
}

fn poll(findings: Vec<Finding>) -> Msg {
    Msg::Source(Box::new(Observation::Data {
        source: "hub".into(),
        at: now(),
        snapshot: Snapshot::Findings(findings),
        pages: 100,
        bytes: 18_000_000,
        elapsed: Duration::from_secs(3),
    }))
}

fn draw(terminal: &mut Terminal<TestBackend>, app: &App) {
    terminal
        .draw(|f| view::draw(f, app, now()))
        .expect("draw into the test backend");
}

fn frames(c: &mut Criterion) {
    let findings = parse_findings(&findings_body())
        .expect("the generated page parses")
        .findings;
    assert_eq!(findings.len(), FINDINGS);
    let hub = "[[source]]\nkind = \"securityhub\"\nname = \"hub\"\nregion = \"eu-west-1\"\n";

    let mut group = c.benchmark_group("sources_pane");
    group
        .sample_size(50)
        .sampling_mode(SamplingMode::Flat)
        .measurement_time(Duration::from_secs(5));

    let bare = app("");
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).expect("terminal");
    draw(&mut terminal, &bare);
    group.bench_function("draw_160x48_no_sources", |b| {
        b.iter(|| draw(&mut terminal, &bare))
    });

    let mut full = app(hub);
    full.update(poll(findings.clone()), now());
    full.update(key('5'), now()); // the sources pane has focus: its selection is drawn
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).expect("terminal");
    draw(&mut terminal, &full);
    let shown = (terminal.backend().buffer().content.iter())
        .filter(|c| c.symbol() == "›")
        .count();
    assert_eq!(shown, 1, "the selected finding is drawn");
    group.bench_function("draw_160x48_10k_findings", |b| {
        b.iter(|| draw(&mut terminal, &full))
    });

    // Down to row 40 and back, so the table scrolls as well.
    let mut n = 0u64;
    group.bench_function("draw_160x48_10k_findings_step", |b| {
        b.iter(|| {
            n += 1;
            let down = (n / 40) % 2 == 0;
            black_box(full.update(key(if down { 'j' } else { 'k' }), now()));
            draw(&mut terminal, &full);
        })
    });

    group.bench_function("poll_10k_findings", |b| {
        b.iter_batched(
            || poll(findings.clone()),
            |msg| black_box(full.update(msg, now())),
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, frames);
criterion_main!(benches);
