//! Console performance targets (issue: the console). `docs/performance.md` has the targets,
//! the figures and how they were produced.
//!
//! - `console/draw_160x48_100k*`: one `terminal.draw(|f| view::draw(f, &app, now))` at 160×48
//!   of an incident holding the demo sample plus 100,000 more events. Target: ≤ 2 ms.
//!   ratatui diffs each frame against the previous one, so there are several variants:
//!   - `draw_160x48_100k`: the same state every iteration (the diff finds nothing to write);
//!   - `…_scroll`: the timeline scrolled by one row each iteration (every timeline row changes);
//!   - `…_full`: a fresh terminal per iteration (made untimed), so every cell of the frame is
//!     diffed against a blank screen and written, as on start-up or after a resize;
//!   - `…_scroll_crossterm` and `…_full_crossterm`: the same through the real backend
//!     (`CrosstermBackend`) into a byte-counting sink, so the escape-sequence encoding counts.
//! - `console/startup_100k`: `SqliteStore::open`, `commands::console::setup`, `tui::run::load`
//!   and the first 160×48 frame, on a cached store of one incident of 100,000 events.
//!   Target: ≤ 300 ms.
//!
//! The store is built once under `target/bench-data/console-100k.db` (rebuilt when its event
//! count or its last event's time is not the expected one).

use chrono::{DateTime, Duration, TimeZone, Utc};
use criterion::{BatchSize, Criterion, SamplingMode, criterion_group, criterion_main};
use ratatui::backend::{CrosstermBackend, TestBackend};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};
use serde_json::json;
use std::hint::black_box;
use std::io::Sink;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration as StdDuration, Instant};
use warroom::config::Config;
use warroom::incident::runbook;
use warroom::timeline::sqlite::SqliteStore;
use warroom::timeline::{
    Audience, Author, ChecklistItemSpec, EventBody, IncidentId, NewEvent, Role, Severity, Status, Store,
};
use warroom::tui::app::{App, Msg, Options};
use warroom::tui::run::CountingWriter;
use warroom::tui::view;

mod common;
use common::*;

/// The same allocator as the `warroom` binary, so the figures are the product's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Events added after the demo sample.
const EXTRA: u64 = 100_000;
const WIDTH: u16 = 160;
const HEIGHT: u16 = 48;

/// The demo sample's "now": the sample starts 47 minutes before it. The extra events then run
/// for 27.8 hours, ending on 2026-11-27: in the past, so that notes a console or `warroom log`
/// adds to the cached store today sort after them, at the bottom of the timeline.
fn sample_now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 26, 12, 0, 0)
        .single()
        .expect("valid time")
}

/// The time the frames are drawn at: just after the last of the extra events.
fn draw_now() -> DateTime<Utc> {
    sample_now() + Duration::seconds(EXTRA as i64 + 30)
}

fn incident() -> IncidentId {
    IncidentId("INC-20261128-CONSOLE".into())
}

/// One event of the ongoing work, in a realistic mix: mostly notes, then signals, status
/// updates, checklist work, responders, roles, decisions and severity/status changes. Status
/// changes stay between active and mitigated, so the incident is still open at the end (the
/// console opens on it).
fn work_event(rng: &mut Rng, checklist: &[ChecklistItemSpec]) -> EventBody {
    let who = |rng: &mut Rng| rng.pick(PEOPLE).to_string();
    match rng.below(100) {
        0..50 => EventBody::Note { text: note_text(rng) },
        50..65 => {
            let svc = rng.pick(SERVICES);
            EventBody::Signal {
                source: rng.pick(SOURCES).to_string(),
                title: format!(
                    "{svc} 5xx rate {}.{}% (threshold 2%)",
                    rng.below(30),
                    rng.below(10)
                ),
                severity: Some(["HIGH", "MEDIUM", "LOW"][rng.below(3)].into()),
                detail: json!({ "service": svc, "count": rng.below(5000) }),
            }
        }
        65..71 => EventBody::StatusUpdatePosted {
            text: format!(
                "We are investigating errors affecting {}. Next update in 30 minutes.",
                rng.pick(SERVICES)
            ),
            audience: [Audience::Internal, Audience::External, Audience::Executive][rng.below(3)],
        },
        71..75 => EventBody::ChecklistChecked {
            item: rng.pick(checklist).id.clone(),
        },
        75..77 => EventBody::ChecklistUnchecked {
            item: rng.pick(checklist).id.clone(),
        },
        77..80 => EventBody::ResponderPaged {
            person: who(rng),
            via: Some("pagerduty".into()),
        },
        80..83 => EventBody::ResponderAcknowledged { person: who(rng) },
        83..87 => EventBody::RoleAssigned {
            role: rng.pick(&Role::STANDARD).clone(),
            person: who(rng),
        },
        87..91 => EventBody::Decision {
            text: format!("Fail over {} to the standby region", rng.pick(SERVICES)),
            rationale: Some("the primary is not recovering and failover is rehearsed".into()),
        },
        91..95 => EventBody::SeverityChanged {
            severity: Severity::new(rng.below(3) as u8 + 1).unwrap_or(Severity::WORST),
            reason: Some("impact reassessed".into()),
        },
        _ => EventBody::StatusChanged {
            status: *rng.pick(&[Status::Active, Status::Mitigated]),
            reason: None,
        },
    }
}

/// The incident: the demo sample, then `EXTRA` work events one second apart from the sample's
/// end (about one in fifty logged late, with an earlier `occurred_at`).
fn events() -> Vec<NewEvent> {
    let id = incident();
    let books = runbook::load_runbooks(None).expect("built-in runbooks load");
    let checklist = runbook::find(&books, runbook::DEFAULT_RUNBOOK)
        .expect("the generic runbook is built in")
        .checklist();
    let mut all = warroom::demo::sample_events(&id, sample_now());
    let start = sample_now();
    for i in 1..=EXTRA {
        let mut rng = Rng(i.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ 0x434F_4E53);
        let body = work_event(&mut rng, &checklist);
        let author = if matches!(body, EventBody::Signal { .. }) {
            Author::source(rng.pick::<&str>(SOURCES))
        } else {
            Author(format!("{}@{}", rng.pick(PEOPLE), rng.pick(HOSTS)))
        };
        let t = start + Duration::seconds(i as i64);
        let mut e = NewEvent::new(id.clone(), author, body);
        e.recorded_at = t;
        if rng.below(50) == 0 {
            e = e.occurred_at(t - Duration::minutes(rng.below(30) as i64 + 1));
        }
        all.push(e);
    }
    all
}

/// An app built the way the tests build one: every event placed in a chain and ingested.
fn app_with(events: &[NewEvent]) -> App {
    App::builder(Options::new("maria@jump-01", "/srv/warroom/timeline.db"))
        .stored(events)
        .size(WIDTH, HEIGHT, draw_now())
        .build()
        .expect("app")
}

fn test_terminal() -> Terminal<TestBackend> {
    Terminal::new(TestBackend::new(WIDTH, HEIGHT)).expect("terminal")
}

type Counted = CrosstermBackend<CountingWriter<Sink>>;

/// The real backend writing into a sink that counts bytes; a fixed viewport, so nothing asks
/// a (missing) terminal for its size.
fn crossterm_terminal(count: Arc<AtomicU64>) -> Terminal<Counted> {
    Terminal::with_options(
        CrosstermBackend::new(CountingWriter::new(std::io::sink(), count)),
        TerminalOptions {
            viewport: Viewport::Fixed(Rect::new(0, 0, WIDTH, HEIGHT)),
        },
    )
    .expect("terminal")
}

/// Scroll the timeline one row up from the bottom (`k`), or back to the bottom (`G`).
fn scroll_to(app: &mut App, rows: usize) {
    let key = if rows == 1 { 'k' } else { 'G' };
    app.update(
        Msg::Key(KeyEvent::new(KeyCode::Char(key), KeyModifiers::NONE)),
        draw_now(),
    );
}

fn draw(c: &mut Criterion) {
    let events = events();
    let started = Instant::now();
    let mut app = app_with(&events);
    eprintln!(
        "built the app ({} events) in {:.2} s",
        events.len(),
        started.elapsed().as_secs_f64()
    );
    let shown = app.view().feed().map_or(0, |f| f.total());
    assert_eq!(shown, events.len(), "every event is on the incident's timeline");
    assert!(
        app.view().incident().is_some(),
        "the console opens on the incident"
    );
    let now = draw_now();

    // Bytes one frame sends through the real backend, for the docs.
    let count = Arc::new(AtomicU64::new(0));
    let mut t = crossterm_terminal(count.clone());
    t.draw(|f| view::draw(f, &app, now)).expect("draw");
    let full = count.swap(0, Ordering::Relaxed);
    scroll_to(&mut app, 1);
    t.draw(|f| view::draw(f, &app, now)).expect("draw");
    let scrolled = count.swap(0, Ordering::Relaxed);
    scroll_to(&mut app, 0);
    t.draw(|f| view::draw(f, &app, now)).expect("draw");
    count.swap(0, Ordering::Relaxed);
    t.draw(|f| view::draw(f, &app, now + Duration::seconds(1)))
        .expect("draw");
    let tick = count.swap(0, Ordering::Relaxed);
    t.draw(|f| view::draw(f, &app, now + Duration::seconds(1)))
        .expect("draw");
    let same = count.swap(0, Ordering::Relaxed);
    eprintln!(
        "bytes per 160x48 frame through CrosstermBackend: full {full}, one-row scroll {scrolled}, one-second tick {tick}, unchanged {same}"
    );

    let mut group = c.benchmark_group("console");
    group.bench_function("draw_160x48_100k", |b| {
        let mut terminal = test_terminal();
        terminal.draw(|f| view::draw(f, &app, now)).expect("draw");
        b.iter(|| {
            terminal
                .draw(|f| view::draw(f, black_box(&app), now))
                .expect("draw");
        })
    });
    group.bench_function("draw_160x48_100k_scroll", |b| {
        let mut terminal = test_terminal();
        let mut up = false;
        b.iter(|| {
            up = !up;
            scroll_to(&mut app, usize::from(up));
            terminal
                .draw(|f| view::draw(f, black_box(&app), now))
                .expect("draw");
        })
    });
    scroll_to(&mut app, 0);
    group.bench_function("draw_160x48_100k_full", |b| {
        b.iter_batched(
            test_terminal,
            |mut terminal| {
                terminal
                    .draw(|f| view::draw(f, black_box(&app), now))
                    .expect("draw");
                terminal
            },
            BatchSize::SmallInput,
        )
    });
    group.bench_function("draw_160x48_100k_scroll_crossterm", |b| {
        let mut terminal = crossterm_terminal(Arc::new(AtomicU64::new(0)));
        let mut up = false;
        b.iter(|| {
            up = !up;
            scroll_to(&mut app, usize::from(up));
            terminal
                .draw(|f| view::draw(f, black_box(&app), now))
                .expect("draw");
        })
    });
    scroll_to(&mut app, 0);
    group.bench_function("draw_160x48_100k_full_crossterm", |b| {
        b.iter_batched(
            || crossterm_terminal(Arc::new(AtomicU64::new(0))),
            |mut terminal| {
                terminal
                    .draw(|f| view::draw(f, black_box(&app), now))
                    .expect("draw");
                terminal
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

/// The store at `target/bench-data/console-100k.db` holding `events`: reused if it has
/// exactly that many and its last event was recorded when the last of `events` was, else
/// rebuilt with `append_batch` in chunks of 10,000.
fn cached_store(events: &[NewEvent]) -> PathBuf {
    let dir = bench_data();
    let name = "console-100k.db";
    let path = dir.join(name);
    if path.exists() {
        let store = SqliteStore::open(&path).expect("open the cached bench store");
        let total = events.len() as u64;
        let mut last = None;
        if store.head().expect("read the head").seq == total {
            store
                .scan(total - 1, None, &mut |e| {
                    last = Some(e.recorded_at);
                    true
                })
                .expect("read the last event");
        }
        if last.is_some() && last == events.last().map(|e| e.recorded_at) {
            return path;
        }
        drop(store);
        eprintln!("{}: not the expected events, rebuilding", path.display());
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(dir.join(format!("{name}{suffix}")));
        }
    }
    std::fs::create_dir_all(&dir).expect("create target/bench-data");
    let store = SqliteStore::open(&path).expect("create the bench store");
    let started = Instant::now();
    for chunk in events.chunks(10_000) {
        store.append_batch(chunk).expect("append a chunk");
    }
    eprintln!(
        "built {} ({} events) in {:.1} s",
        path.display(),
        events.len(),
        started.elapsed().as_secs_f64()
    );
    path
}

fn startup(c: &mut Criterion) {
    let events = events();
    let path = cached_store(&events);
    let total = events.len() as u64;
    drop(events);
    let now = draw_now();
    let config = Config::default();
    let mut group = c.benchmark_group("console");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .measurement_time(StdDuration::from_secs(10));
    // Everything from opening the store to the first complete frame; the app, store and
    // terminal are returned, so freeing them is not part of the timing.
    group.bench_function("startup_100k", |b| {
        b.iter_with_large_drop(|| {
            let store = SqliteStore::open(&path).expect("open store");
            let console = warroom::commands::console::setup(&config, &store, false, None).expect("setup");
            let mut app = warroom::tui::run::load(&store, console).expect("load");
            assert_eq!(app.model().projection.last_seq, total);
            let mut terminal = test_terminal();
            app.update(Msg::Resize(WIDTH, HEIGHT), now);
            terminal.draw(|f| view::draw(f, &app, now)).expect("draw");
            (store, app, terminal)
        })
    });
    group.finish();
}

criterion_group!(benches, draw, startup);
criterion_main!(benches);
