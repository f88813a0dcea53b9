//! The console's whole loop in-process: keys in through a stream, a real SQLite store behind it,
//! ratatui's `TestBackend` as the screen. Keys become appended events, events from another
//! writer become rows on the screen, and `q` ends the loop only when the saves are durable.

use futures::channel::mpsc::{UnboundedSender, unbounded};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};
use std::sync::Arc;
use std::time::{Duration, Instant};
use warroom::incident::runbook::load_runbooks;
use warroom::timeline::sqlite::SqliteStore;
use warroom::timeline::{Author, EventBody, IncidentId, NewEvent, Store};
use warroom::tui::app::{Msg, Options};
use warroom::tui::keymap::Keymap;
use warroom::tui::notify::{Notifier, NotifyConfig};
use warroom::tui::run::{Appender, Console, Ending, Loop, load, spawn_pollers};

fn key(tx: &UnboundedSender<std::io::Result<TermEvent>>, code: KeyCode, modifiers: KeyModifiers) {
    let _ = tx.unbounded_send(Ok(TermEvent::Key(KeyEvent::new(code, modifiers))));
}

fn typed(tx: &UnboundedSender<std::io::Result<TermEvent>>, text: &str) {
    for c in text.chars() {
        key(tx, KeyCode::Char(c), KeyModifiers::NONE);
    }
}

fn notes(store: &dyn Store) -> Vec<(String, String)> {
    let mut out = Vec::new();
    store
        .scan(0, None, &mut |e| {
            if let EventBody::Note { text } = &e.body {
                out.push((e.incident.to_string(), text.clone()));
            }
            true
        })
        .expect("scan");
    out
}

/// maria's console: no sources, the default keys, theme and runbooks.
fn console() -> Console {
    Console {
        options: Options {
            me: Author("maria@jump-01".into()),
            read_only: false,
            store_name: "loop.db".into(),
            notify: NotifyConfig::default(),
        },
        sources: Vec::new(),
        keymap: Keymap::default(),
        theme: warroom::tui::theme::load("dark", None).expect("theme"),
        themes: Vec::new(),
        runbooks: load_runbooks(None).expect("runbooks"),
        drill: None,
        show_msel: true,
    }
}

/// The loop's connections: the store, no sources, a quiet notifier, nowhere for raw bytes.
fn parts<'a>(
    store: &Arc<dyn Store>,
    tx: tokio::sync::mpsc::UnboundedSender<Msg>,
    rx: tokio::sync::mpsc::UnboundedReceiver<Msg>,
    appender: &'a Appender,
) -> Loop<'a> {
    Loop {
        store: store.clone(),
        pollers: spawn_pollers(&[], tx.clone()),
        tx,
        rx,
        appender,
        notifier: Notifier::new(NotifyConfig::default()),
        raw: Box::new(std::io::sink()),
        suspend: None,
    }
}

fn wait_until(what: &str, check: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !check() {
        assert!(Instant::now() < deadline, "{what} never happened");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn keys_in_events_out_and_others_events_on_screen() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("timeline.db");
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&path).expect("store"));
    let incident = IncidentId("INC-20261202-LOOP1".into());
    let declared = NewEvent::new(
        incident.clone(),
        Author("kenji@jump-02".into()),
        EventBody::IncidentDeclared {
            title: "Loop in-process".into(),
            severity: "2".parse().expect("severity"),
            summary: None,
            detected_at: None,
            drill: false,
        },
    );
    store.append(declared).expect("declare");

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let (keys, input) = unbounded::<std::io::Result<TermEvent>>();
    let (end, ended) = tokio::sync::oneshot::channel::<i32>();
    let loop_store = store.clone();
    let finished = runtime.spawn(async move {
        let mut app = load(loop_store.as_ref(), console()).expect("load");
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let sub_tx = tx.clone();
        let _subscription = loop_store
            .subscribe(
                app.model().projection.last_seq,
                Box::new(move |e| sub_tx.send(Msg::Stored(Box::new(e))).is_ok()),
            )
            .expect("subscribe");
        let appender = Appender::spawn(loop_store.clone(), tx.clone());
        let mut terminal = Terminal::new(TestBackend::new(120, 36)).expect("terminal");
        let parts = parts(&loop_store, tx, rx, &appender);
        let shutdown = async { ended.await.unwrap_or(0) };
        let (ending, frames) = parts.run(&mut app, &mut terminal, input, shutdown).await;
        let unsaved = appender.finish(Duration::from_secs(5)).events.len();
        let screen: String = terminal
            .backend()
            .buffer()
            .content()
            .chunks(120)
            .map(|row| row.iter().map(|c| c.symbol()).collect::<String>() + "\n")
            .collect();
        (ending, frames, unsaved, screen)
    });

    // a note, typed and saved: appended to the store under this console's author
    key(&keys, KeyCode::Char('n'), KeyModifiers::NONE);
    typed(&keys, "in-process note");
    key(&keys, KeyCode::Char('s'), KeyModifiers::CONTROL);
    wait_until("the note is stored", || !notes(store.as_ref()).is_empty());
    assert_eq!(
        notes(store.as_ref()),
        [(incident.to_string(), "in-process note".to_string())]
    );
    // another writer's note arrives through the subscription
    store
        .append(NewEvent::new(
            incident.clone(),
            Author("priya@jump-03".into()),
            EventBody::Note {
                text: "from another writer".into(),
            },
        ))
        .expect("append");
    std::thread::sleep(Duration::from_millis(500));
    key(&keys, KeyCode::Char('q'), KeyModifiers::NONE);
    let (ending, frames, unsaved, screen) = runtime.block_on(finished).expect("the loop ran");
    drop(end);
    assert_eq!(ending, Ending::Quit);
    assert_eq!(unsaved, 0);
    assert!(frames >= 2, "drew on change: {frames} frames");
    assert!(screen.contains("Loop in-process"), "{screen}");
    assert!(screen.contains("in-process note"), "{screen}");
    assert!(screen.contains("from another writer"), "{screen}");
    let head = warroom::timeline::sqlite::SqliteStore::open(&path)
        .expect("open")
        .head()
        .expect("head")
        .seq;
    assert_eq!(head, 3, "declaration, our note, theirs: nothing doubled");
}

#[test]
fn a_signal_ends_the_loop_with_its_number() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.path().join("t.db")).expect("store"));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (_keys, input) = unbounded::<std::io::Result<TermEvent>>();
    let (ending, _) = runtime.block_on(async {
        let mut app = load(store.as_ref(), console()).expect("load");
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let appender = Appender::spawn(store.clone(), tx.clone());
        let mut terminal = Terminal::new(TestBackend::new(80, 24)).expect("terminal");
        let parts = parts(&store, tx, rx, &appender);
        parts.run(&mut app, &mut terminal, input, async { 15 }).await
    });
    assert_eq!(ending, Ending::Signal(15));
    assert_eq!(ending.exit_code(), 143);
}
