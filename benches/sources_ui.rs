//! Do sources slow the console? The UI loop (update + draw at 160×48) with 50 sources polling
//! every second against loopback servers that speak their wire formats, compared with the same
//! loop and no sources. Target: p99 iteration time unchanged within noise.
//!
//! Each run drives the loop as the console does: a key every 20 ms (scrolling the timeline),
//! the 1 Hz tick, and every observation the pollers publish, each followed by a frame. The
//! figures are per iteration (message in, frame drawn). `cargo bench --bench sources_ui`;
//! `SOURCES_UI_SECONDS` sets the length of each run (default 20).

#[path = "../tests/common/http.rs"]
mod http;

use chrono::Utc;
use http::{Reply, Server};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::time::{Duration, Instant};
use warroom::tui::app::{App, Msg, Options};
use warroom::tui::view;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const SOURCES: usize = 50;

fn fixture(path: &str) -> Vec<u8> {
    let full = format!("{}/tests/fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}

fn app() -> App {
    let (_, events) = warroom::demo::sample_incident(Utc::now());
    let mut app = App::builder(Options::new("bench@jump-01", "bench"))
        .stored(&events)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    app.update(Msg::Resize(160, 48), Utc::now());
    app
}

/// 50 sources, a third of each kind, all on one server that answers by path.
fn config(url: &str) -> Vec<warroom::sources::SourceConfig> {
    let mut toml = String::new();
    for i in 0..SOURCES {
        let kind = match i % 3 {
            0 => format!("kind = \"securityhub\"\nregion = \"us-east-1\"\nendpoint = \"{url}\"\n"),
            1 => format!("kind = \"backup\"\nregion = \"us-east-1\"\nendpoint = \"{url}\"\n"),
            _ => format!(
                "kind = \"splunk\"\nendpoint = \"{url}\"\ntoken_env = \"BENCH_SPLUNK_TOKEN\"\n\
                 [[source.search]]\nname = \"errors\"\nquery = \"index=prod\"\nthreshold = 5\n"
            ),
        };
        toml.push_str(&format!(
            "[[source]]\nname = \"s{i:02}\"\ninterval = \"1s\"\n{kind}\n"
        ));
    }
    let mut c: warroom::config::Config =
        warroom::config::parse_toml("bench", &toml).unwrap_or_else(|e| panic!("{e}"));
    warroom::sources::config::validate(&mut c.source, "bench", &toml).unwrap_or_else(|e| panic!("{e}"));
    c.source
}

struct Run {
    /// Every iteration.
    iterations: Vec<Duration>,
    /// Those that handled a key: what a user feels.
    keys: Vec<Duration>,
    observations: usize,
}

fn run(sources: &[warroom::sources::SourceConfig], seconds: u64) -> Run {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    rt.block_on(async {
        let mut app = app();
        app.set_sources(sources);
        let mut terminal = Terminal::new(TestBackend::new(160, 48)).unwrap_or_else(|e| panic!("{e}"));
        let (tx, mut rx) = tokio::sync::mpsc::channel(64);
        let _pollers = warroom::sources::poller::Pollers::spawn(sources, tx);
        let mut keys = tokio::time::interval(Duration::from_millis(20));
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        let deadline = tokio::time::Instant::now() + Duration::from_secs(seconds);
        let mut iterations = Vec::new();
        let mut key_iterations = Vec::new();
        let mut observations = 0;
        let mut down = true;
        loop {
            let msg = tokio::select! {
                _ = tokio::time::sleep_until(deadline) => break,
                Some(o) = rx.recv() => { observations += 1; Msg::Source(Box::new(o)) }
                _ = keys.tick() => {
                    down = !down;
                    let code = if down { KeyCode::Char('j') } else { KeyCode::Char('k') };
                    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
                }
                _ = tick.tick() => Msg::Tick,
            };
            let is_key = matches!(msg, Msg::Key(_));
            let started = Instant::now();
            let _effects = app.update(msg, Utc::now());
            if app.needs_frame() {
                let now = Utc::now();
                terminal
                    .draw(|f| view::draw(f, &app, now))
                    .unwrap_or_else(|e| panic!("{e}"));
            }
            let took = started.elapsed();
            iterations.push(took);
            if is_key {
                key_iterations.push(took);
            }
        }
        Run {
            iterations,
            keys: key_iterations,
            observations,
        }
    })
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn report(name: &str, mut r: Run) {
    r.iterations.sort();
    r.keys.sort();
    println!(
        "{name:<12} iterations {:>6} (observations {:>4})  all: p50 {:>8.1?} p99 {:>8.1?} max {:>8.1?}  keys: p50 {:>8.1?} p99 {:>8.1?}",
        r.iterations.len(),
        r.observations,
        percentile(&r.iterations, 0.50),
        percentile(&r.iterations, 0.99),
        r.iterations.last().copied().unwrap_or_default(),
        percentile(&r.keys, 0.50),
        percentile(&r.keys, 0.99),
    );
}

fn main() {
    // `cargo test --benches` runs bench binaries without `--bench`: nothing to do then.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    // SAFETY: set before any thread starts. Credentials for the AWS chain; no instance
    // metadata, nothing beyond loopback.
    unsafe {
        std::env::set_var("AWS_ACCESS_KEY_ID", "AKIDBENCH");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "bench-secret");
        std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
        std::env::set_var("AWS_CONFIG_FILE", "/nonexistent/warroom-bench/config");
        std::env::set_var(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/warroom-bench/credentials",
        );
        std::env::set_var("BENCH_SPLUNK_TOKEN", "bench-token");
    }
    let seconds = std::env::var("SOURCES_UI_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let findings = fixture("securityhub/get_findings_page1.json");
    let jobs = fixture("backup/list_jobs_page2.json");
    let rows = fixture("splunk/export_events.ndjson");
    let server = Server::start(move |r| {
        if r.path.starts_with("/findings") {
            Reply::json(200, findings.clone())
        } else if r.path.starts_with("/backup-jobs") {
            Reply::json(200, jobs.clone())
        } else {
            Reply::text(200, "application/json", rows.clone())
        }
    });
    let sources = config(&server.url());
    println!("{seconds} s per run, 160x48, a key every 20 ms");
    report("no sources", run(&[], seconds));
    report("50 sources", run(&sources, seconds));
    report("no sources", run(&[], seconds));
    report("50 sources", run(&sources, seconds));
    println!("requests served: {}", server.request_count());
}
