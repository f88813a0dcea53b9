//! The console's whole loop in-process: keys in through a stream, a real SQLite store behind it,
//! ratatui's `TestBackend` as the screen. Each scenario waits on the frames the loop draws (the
//! screen is sent on every flush), never on a timer, and snapshots the screens that matter:
//! "loaded", "after keys", "after another console's event".
//!
//! - keys become appended events, another writer's events become rows;
//! - the misfiled draft: a draft stays on its incident when another is declared meanwhile;
//! - the stale confirmation: a yes given after someone else changed the state asks again;
//! - `q` with saves in flight leaves only once they are durable;
//! - a signal ends the loop with its number.

#[path = "common/aws.rs"]
mod aws;
#[path = "common/http.rs"]
mod http;
#[path = "common/lock.rs"]
mod lock;

use futures::channel::mpsc::{UnboundedSender, unbounded};
use http::{Reply, Server};
use lock::WriteLock;
use ratatui::Terminal;
use ratatui::backend::{Backend, ClearType, TestBackend, WindowSize};
use ratatui::buffer::Cell;
use ratatui::crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::{Position, Size};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::{Duration, Instant};
use warroom::incident::runbook::load_runbooks;
use warroom::sources::SourceConfig;
use warroom::timeline::sqlite::SqliteStore;
use warroom::timeline::{Author, EventBody, IncidentId, NewEvent, Status, Store};
use warroom::tui::app::{Msg, Options};
use warroom::tui::keymap::Keymap;
use warroom::tui::notify::{Notifier, NotifyConfig};
use warroom::tui::run::{Appender, Console, Ending, Loop, load, spawn_pollers};

/// The compact layout: the timeline alone under the header, so the snapshots hold what the
/// scenarios are about (no per-minute chart whose bars move with the clock).
const WIDTH: u16 = 100;
const HEIGHT: u16 = 24;

/// The screen as the user sees it, sent on every flush: what the tests wait on.
struct Recorder {
    screen: TestBackend,
    frames: Sender<String>,
}

impl Recorder {
    fn text(&self) -> String {
        let buffer = self.screen.buffer();
        (buffer.content().chunks(usize::from(buffer.area.width)))
            .map(|row| {
                row.iter()
                    .map(Cell::symbol)
                    .collect::<String>()
                    .trim_end()
                    .to_string()
                    + "\n"
            })
            .collect()
    }
}

impl Backend for Recorder {
    type Error = core::convert::Infallible;

    fn draw<'a, I>(&mut self, content: I) -> Result<(), Self::Error>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        self.screen.draw(content)
    }
    fn hide_cursor(&mut self) -> Result<(), Self::Error> {
        self.screen.hide_cursor()
    }
    fn show_cursor(&mut self) -> Result<(), Self::Error> {
        self.screen.show_cursor()
    }
    fn get_cursor_position(&mut self) -> Result<Position, Self::Error> {
        self.screen.get_cursor_position()
    }
    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> Result<(), Self::Error> {
        self.screen.set_cursor_position(position)
    }
    fn clear(&mut self) -> Result<(), Self::Error> {
        self.screen.clear()
    }
    fn clear_region(&mut self, clear_type: ClearType) -> Result<(), Self::Error> {
        self.screen.clear_region(clear_type)
    }
    fn size(&self) -> Result<Size, Self::Error> {
        self.screen.size()
    }
    fn window_size(&mut self) -> Result<WindowSize, Self::Error> {
        self.screen.window_size()
    }
    fn flush(&mut self) -> Result<(), Self::Error> {
        let _ = self.frames.send(self.text());
        self.screen.flush()
    }
}

static ENV: std::sync::Once = std::sync::Once::new();

/// Credentials for the AWS chain, set once before any test of this binary starts a thread of
/// its own (each calls this first). Nothing reaches beyond loopback: no instance metadata, no
/// shared files.
fn env() {
    ENV.call_once(|| {
        for &(k, v) in aws::AWS_TEST_ENV {
            // SAFETY: runs once, before any test of this binary reads the environment or starts
            // a thread of its own.
            unsafe { std::env::set_var(k, v) };
        }
    });
}

/// `me`'s console watching `sources`, with the default keys, theme and runbooks.
fn console(me: &str, sources: &[SourceConfig]) -> Console {
    Console {
        options: Options::new(me, "loop.db"),
        sources: sources.to_vec(),
        keymap: Keymap::default(),
        theme: warroom::tui::theme::load("dark", None).expect("theme"),
        themes: Vec::new(),
        runbooks: load_runbooks(None).expect("runbooks"),
        drill: None,
        show_msel: true,
    }
}

/// What the loop returned, and what its appender could not save.
struct Ended {
    ending: Ending,
    frames: u64,
    unsaved: usize,
}

/// A console running its real loop on its own runtime, typed into and watched frame by frame.
struct Running {
    keys: UnboundedSender<std::io::Result<TermEvent>>,
    frames: Receiver<String>,
    last: String,
    task: tokio::task::JoinHandle<Ended>,
    runtime: tokio::runtime::Runtime,
}

impl Running {
    fn start(store: &Arc<dyn Store>, me: &str, sources: &[SourceConfig]) -> Running {
        env();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let (keys, input) = unbounded::<std::io::Result<TermEvent>>();
        let (frames_tx, frames) = channel();
        let store = store.clone();
        let console = console(me, sources);
        let console_sources = sources.to_vec();
        let task = runtime.spawn(async move {
            let mut app = load(store.as_ref(), console).expect("load");
            let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
            let sub_tx = tx.clone();
            let _subscription = store
                .subscribe(
                    app.model().projection.last_seq,
                    Box::new(move |e| sub_tx.send(Msg::Stored(Box::new(e))).is_ok()),
                )
                .expect("subscribe");
            let appender = Appender::spawn(store.clone(), tx.clone());
            let recorder = Recorder {
                screen: TestBackend::new(WIDTH, HEIGHT),
                frames: frames_tx,
            };
            let mut terminal = Terminal::new(recorder).expect("terminal");
            let parts = Loop {
                store: store.clone(),
                pollers: spawn_pollers(&console_sources, tx.clone()),
                tx,
                rx,
                appender: &appender,
                notifier: Notifier::new(NotifyConfig::default()),
                raw: Box::new(std::io::sink()),
                suspend: None,
            };
            let (ending, frames) = parts
                .run(&mut app, &mut terminal, input, std::future::pending::<i32>())
                .await;
            let unsaved = appender.finish(Duration::from_secs(5)).events.len();
            Ended {
                ending,
                frames,
                unsaved,
            }
        });
        Running {
            keys,
            frames,
            last: String::new(),
            task,
            runtime,
        }
    }

    fn press(&self, code: KeyCode, modifiers: KeyModifiers) {
        let _ = self
            .keys
            .unbounded_send(Ok(TermEvent::Key(KeyEvent::new(code, modifiers))));
    }

    fn key(&self, c: char) {
        self.press(KeyCode::Char(c), KeyModifiers::NONE);
    }

    fn ctrl(&self, c: char) {
        self.press(KeyCode::Char(c), KeyModifiers::CONTROL);
    }

    fn typed(&self, text: &str) {
        text.chars().for_each(|c| self.key(c));
    }

    /// The first frame drawn from now on that shows `wanted` (the latest one if it already
    /// does).
    fn screen_with(&mut self, wanted: &str) -> String {
        self.screen_where(wanted, |s| s.contains(wanted))
    }

    /// The first frame with a line holding every one of `parts` (a timeline row, say).
    fn line_with(&mut self, parts: &[&str]) -> String {
        let what = parts.join(" … ");
        self.screen_where(&what, |s| s.lines().any(|l| parts.iter().all(|p| l.contains(p))))
    }

    /// The first frame drawn from now on (or the latest) for which `shows` holds. Fails after
    /// 20 s without one.
    fn screen_where(&mut self, what: &str, shows: impl Fn(&str) -> bool) -> String {
        if shows(&self.last) {
            return self.last.clone();
        }
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.frames.recv_timeout(left) {
                Ok(screen) => {
                    self.last = screen;
                    if shows(&self.last) {
                        return self.last.clone();
                    }
                }
                Err(_) => panic!("no frame showed {what:?}; the last was:\n{}", self.last),
            }
        }
    }

    /// The loop's end (after `q`, or whatever ended it).
    fn ended(self) -> Ended {
        let Running { task, runtime, .. } = self;
        runtime.block_on(task).expect("the loop ran")
    }
}

/// Clock readings vary from run to run: the snapshots keep their shape, not their digits.
fn snapshot(name: &str, screen: &str) {
    insta::with_settings!({filters => vec![
        (r"\d\d:\d\d:\d\dZ?", "hh:mm:ss"),
        (r"\d{4}-\d\d-\d\d", "yyyy-mm-dd"),
        // The timeline's date line, the same width (it failed these snapshots after midnight).
        (r"\b[A-Z][a-z]{2} \d\d [A-Z][a-z]{2} \d{4} UTC\b", "Ddd dd Mmm yyyy UTC"),
        // Ages and durations change width with the clock: the spaces after them go too.
        (r"\b(\d+h\d\dm|\d+[smhd])( ago)?\b *", "N "),
    ]}, {
        insta::assert_snapshot!(name, screen);
    });
}

fn store() -> (tempfile::TempDir, std::path::PathBuf, Arc<dyn Store>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("timeline.db");
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&path).expect("store"));
    (dir, path, store)
}

fn declare(store: &Arc<dyn Store>, id: &str, title: &str, by: &str) -> IncidentId {
    let incident = IncidentId(id.into());
    let declared = NewEvent::new(
        incident.clone(),
        Author(by.into()),
        EventBody::IncidentDeclared {
            title: title.into(),
            severity: "2".parse().expect("severity"),
            summary: None,
            detected_at: None,
            drill: false,
        },
    );
    store.append(declared).expect("declare");
    incident
}

fn notes(store: &dyn Store) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    store
        .scan(0, None, &mut |e| {
            if let EventBody::Note { text } = &e.body {
                out.push((e.incident.to_string(), e.author.to_string(), text.clone()));
            }
            true
        })
        .expect("scan");
    out
}

#[test]
fn keys_in_events_out_and_others_events_on_screen() {
    let (_dir, path, store) = store();
    let incident = declare(&store, "INC-20261202-LOOP1", "Loop in-process", "kenji@jump-02");
    let mut console = Running::start(&store, "maria@jump-01", &[]);
    console.screen_with("Loop in-process");

    // a note, typed and saved: appended to the store under this console's author
    console.key('n');
    console.typed("in-process note");
    console.ctrl('s');
    // the row comes back from the store: stored, then drawn
    console.line_with(&["maria", "in-process note"]);
    assert_eq!(
        notes(store.as_ref()),
        [(
            incident.to_string(),
            "maria@jump-01".to_string(),
            "in-process note".to_string()
        )]
    );
    // another writer's note arrives through the subscription, and is drawn
    store
        .append(NewEvent::new(
            incident.clone(),
            Author("priya@jump-03".into()),
            EventBody::Note {
                text: "from another writer".into(),
            },
        ))
        .expect("append");
    console.line_with(&["priya", "from another writer"]);
    console.key('q');
    let ended = console.ended();
    assert_eq!(ended.ending, Ending::Quit);
    assert_eq!(ended.unsaved, 0);
    assert!(ended.frames >= 3, "drew on change: {} frames", ended.frames);
    let head = SqliteStore::open(&path).expect("open").head().expect("head").seq;
    assert_eq!(head, 3, "declaration, our note, theirs: nothing doubled");
}

#[test]
fn a_draft_stays_on_its_incident_when_another_is_declared_meanwhile() {
    let (_dir, _path, store) = store();
    let a = declare(&store, "INC-A", "Checkout failing", "kenji@jump-02");
    let mut console = Running::start(&store, "maria@jump-01", &[]);
    snapshot("misfiled_draft_loaded", &console.screen_with("Checkout failing"));

    console.key('n');
    console.typed("rolled back the checkout deploy");
    snapshot(
        "misfiled_draft_after_keys",
        &console.screen_with("rolled back the checkout deploy"),
    );

    // The same user declares another incident from another console meanwhile.
    declare(&store, "INC-B", "Search degraded", "maria@jump-02");
    let screen = console.screen_with("INC-B");
    assert!(
        screen.contains("rolled back the checkout deploy"),
        "still writing:\n{screen}"
    );
    snapshot("misfiled_draft_after_another_console", &screen);

    console.ctrl('s');
    console.key('q');
    assert_eq!(console.ended().ending, Ending::Quit);
    assert_eq!(
        notes(store.as_ref()),
        [(
            a.to_string(),
            "maria@jump-01".to_string(),
            "rolled back the checkout deploy".to_string()
        )],
        "filed on the incident it was written for"
    );
}

#[test]
fn a_yes_after_someone_else_changed_the_status_asks_again() {
    let (_dir, _path, store) = store();
    let a = declare(&store, "INC-S", "Payments timing out", "kenji@jump-02");
    let mut console = Running::start(&store, "maria@jump-01", &[]);
    snapshot(
        "stale_confirmation_loaded",
        &console.screen_with("Payments timing out"),
    );

    console.key('R');
    snapshot("stale_confirmation_after_keys", &console.screen_with("resolved?"));

    // priya resolves it from her console while maria's question is open.
    store
        .append(NewEvent::new(
            a.clone(),
            Author("priya@jump-03".into()),
            EventBody::StatusChanged {
                status: Status::Resolved,
                reason: None,
            },
        ))
        .expect("resolve");
    let screen = console.screen_with("RESOLVED");
    snapshot("stale_confirmation_after_another_console", &screen);

    console.key('y');
    let screen = console.screen_with("Nothing to do");
    assert!(screen.contains("priya"), "says who did it:\n{screen}");
    snapshot("stale_confirmation_answered", &screen);
    console.key('q');
    assert_eq!(console.ended().ending, Ending::Quit);
    let mut changes = Vec::new();
    store
        .scan(0, None, &mut |e| {
            if let EventBody::StatusChanged { status, .. } = &e.body {
                changes.push((e.author.to_string(), *status));
            }
            true
        })
        .expect("scan");
    assert_eq!(
        changes,
        [("priya@jump-03".to_string(), Status::Resolved)],
        "maria's stale yes wrote nothing"
    );
}

#[test]
fn a_finding_reply_after_a_switch_is_filed_on_the_incident_it_was_decided_on() {
    // Security Hub on loopback: the findings of the recorded page; a change is answered only
    // once the test lets it (the console has switched incidents by then).
    let page = std::fs::read(format!(
        "{}/tests/fixtures/securityhub/get_findings_page1.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("fixture");
    let (release, released) = channel::<()>();
    let released = std::sync::Mutex::new(released);
    let server = Server::start(move |r| match r.method.as_str() {
        "PATCH" => {
            let _ = released.lock().map(|rx| rx.recv_timeout(Duration::from_secs(30)));
            let ids = r
                .json()
                .map(|b| b["FindingIdentifiers"].clone())
                .unwrap_or_default();
            let body = serde_json::json!({"ProcessedFindings": ids, "UnprocessedFindings": []});
            Reply::json(200, body.to_string())
        }
        _ => Reply::json(200, page.clone()),
    });
    let toml = format!(
        "[[source]]\nkind = \"securityhub\"\nname = \"hub\"\nendpoint = \"{}\"\nregion = \"us-east-1\"\ninterval = \"10m\"\n\
         [source.filters]\nmax_pages = 1\n",
        server.url()
    );
    let mut config: warroom::config::Config =
        warroom::config::parse_toml("sources.toml", &toml).expect("config");
    warroom::sources::config::validate(&mut config.source, "sources.toml", &toml).expect("valid");

    let (_dir, _path, store) = store();
    let a = declare(&store, "INC-A", "Credential stuffing", "kenji@jump-02");
    let mut console = Running::start(&store, "maria@jump-01", &config.source);
    console.key('5');
    // The findings, and the signals they raised saved.
    let loaded = console.screen_where("findings, saved", |s| {
        s.contains("querying a C&C") && s.contains("● saved")
    });
    snapshot("finding_reply_loaded", &loaded);

    // RESOLVED on the selected (most severe) finding, asked and confirmed on INC-A.
    console.key('R');
    console.screen_with("RESOLVED in Security Hub?");
    console.key('y');
    snapshot(
        "finding_reply_after_keys",
        &console.screen_with("sending the update"),
    );
    assert!(
        server.wait_for_requests(2, Duration::from_secs(20)),
        "the change reached Security Hub"
    );

    // Another console declares INC-B; maria switches to it before the answer comes.
    let b = declare(&store, "INC-B", "Search degraded", "priya@jump-03");
    console.screen_with("+SEV2 INC-B");
    console.key('i');
    console.screen_with("Search degraded");
    console.press(KeyCode::Enter, KeyModifiers::NONE);
    let screen = console.screen_where("INC-B on screen", |s| {
        s.lines().nth(1).is_some_and(|l| l.contains("  INC-B  "))
    });
    snapshot("finding_reply_after_another_console", &screen);

    let _ = release.send(());
    console.screen_with("1 finding(s) updated");
    console.key('q');
    assert_eq!(console.ended().ending, Ending::Quit);
    let mut filed = Vec::new();
    store
        .scan(0, None, &mut |e| {
            if let EventBody::FindingUpdated { workflow, .. } = &e.body {
                filed.push((e.incident.clone(), workflow.clone()));
            }
            true
        })
        .expect("scan");
    assert_eq!(
        filed,
        [(a, Some("RESOLVED".to_string()))],
        "on the incident it was decided on, not {b} on screen when the answer came"
    );
}

#[test]
fn q_with_saves_in_flight_leaves_once_they_are_durable() {
    let (_dir, path, store) = store();
    let a = declare(&store, "INC-Q", "Queue backlog", "kenji@jump-02");
    let mut console = Running::start(&store, "maria@jump-01", &[]);
    snapshot("saves_in_flight_loaded", &console.screen_with("Queue backlog"));

    // Another process holds the write lock: the notes wait for it.
    let lock = WriteLock::hold(&path, 3.0);
    for n in 1..=3 {
        console.key('n');
        console.typed(&format!("step {n} done"));
        console.ctrl('s');
    }
    console.key('q');
    let screen = console.screen_with("Saving");
    snapshot("saves_in_flight_after_q", &screen);
    lock.wait();
    let ended = console.ended();
    assert_eq!(ended.ending, Ending::Quit);
    assert_eq!(ended.unsaved, 0);
    let saved: Vec<String> = notes(store.as_ref())
        .into_iter()
        .filter(|(incident, _, _)| *incident == a.to_string())
        .map(|(_, _, text)| text)
        .collect();
    assert_eq!(saved, ["step 1 done", "step 2 done", "step 3 done"]);
}

#[test]
fn a_signal_ends_the_loop_with_its_number() {
    env();
    let (_dir, _path, store) = store();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (_keys, input) = unbounded::<std::io::Result<TermEvent>>();
    let (ending, _) = runtime.block_on(async {
        let mut app = load(store.as_ref(), console("maria@jump-01", &[])).expect("load");
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let appender = Appender::spawn(store.clone(), tx.clone());
        let mut terminal = Terminal::new(TestBackend::new(80, 24)).expect("terminal");
        let parts = Loop {
            store: store.clone(),
            pollers: spawn_pollers(&[], tx.clone()),
            tx,
            rx,
            appender: &appender,
            notifier: Notifier::new(NotifyConfig::default()),
            raw: Box::new(std::io::sink()),
            suspend: None,
        };
        parts.run(&mut app, &mut terminal, input, async { 15 }).await
    });
    assert_eq!(ending, Ending::Signal(15));
    assert_eq!(ending.exit_code(), 143);
}
