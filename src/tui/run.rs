//! The console's event loop. One task owns the app; input, store events, append results and a
//! one-second clock arrive as messages; the screen is redrawn only when something changed.
//! Disk work (appends, exports) happens off the loop, so a slow disk never freezes the keys.

use super::app::{App, Effect, Msg, Options};
use super::keymap::Keymap;
use super::notify::Notifier;
use super::terminal::TerminalGuard;
use super::theme::Theme;
use super::view;
use crate::incident::runbook::Runbook;
use crate::timeline::{NewEvent, Store};
use anyhow::{Context, Result};
use futures::StreamExt;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{Event as TermEvent, EventStream};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

/// Everything the console needs besides the store.
pub struct Console {
    pub options: Options,
    /// What to poll (`[[source]]`).
    pub sources: Vec<crate::sources::SourceConfig>,
    pub keymap: Keymap,
    pub theme: Theme,
    pub themes: Vec<String>,
    pub runbooks: Vec<Runbook>,
    /// The facilitator's console (`warroom drill run`): the drill it plays.
    pub drill: Option<crate::drill::facilitator::Facilitator>,
    /// Whether the facilitator's MSEL starts in the metrics' place.
    pub show_msel: bool,
}

/// Build the app from the store's whole timeline (the first frame shows everything).
pub fn load(store: &dyn Store, console: Console) -> Result<App> {
    let mut app = App::new(console.options, console.keymap, console.theme, console.runbooks);
    app.themes = console.themes;
    app.drill = console.drill;
    app.show_msel = console.show_msel;
    app.set_sources(&console.sources);
    let mut fx = Vec::new();
    store.scan(0, None, &mut |e| {
        app.ingest(e, &mut fx);
        true
    })?;
    app.start();
    Ok(app)
}

/// Run the console until the user quits.
pub fn run(store: Arc<dyn Store>, console: Console) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the console's runtime")?;
    runtime.block_on(run_async(store, console))
}

async fn run_async(store: Arc<dyn Store>, console: Console) -> Result<()> {
    let notifier = Notifier::new(console.options.notify.clone());
    let sources = console.sources.clone();
    let mut app = load(store.as_ref(), console)?;
    let (tx, mut rx) = unbounded_channel::<Msg>();
    let pollers = spawn_pollers(&sources, tx.clone());
    let sub_tx = tx.clone();
    let _subscription = store.subscribe(
        app.projection.last_seq,
        Box::new(move |e| sub_tx.send(Msg::Stored(Box::new(e))).is_ok()),
    )?;
    let appender = spawn_appender(store.clone(), tx.clone());

    let _guard = TerminalGuard::enter().context("setting up the terminal")?;
    let written = Arc::new(AtomicU64::new(0));
    let out = CountingWriter::new(std::io::stdout(), written.clone());
    let mut terminal = Terminal::new(CrosstermBackend::new(out))?;
    let size = terminal.size()?;
    app.size = (size.width, size.height);
    let mut input = EventStream::new();
    let mut tick = tokio::time::interval_at(next_second(), Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut frames: u64 = 0;
    let mut bell: Vec<u8> = Vec::new();

    loop {
        // Draw whenever something changed — including before the first message, so the first
        // frame does not wait for the clock's first tick.
        if app.dirty {
            let now = chrono::Utc::now();
            let _ = execute!(terminal.backend_mut(), BeginSynchronizedUpdate);
            terminal.draw(|f| view::draw(f, &app, now))?;
            let _ = execute!(terminal.backend_mut(), EndSynchronizedUpdate);
            app.dirty = false;
            frames += 1;
        }
        // The facilitator's next inject wakes the loop on time, not on the next clock tick.
        let drill_due = app.drill_wake(chrono::Utc::now()).map(|at| {
            let wait = (at - chrono::Utc::now()).to_std().unwrap_or_default();
            tokio::time::Instant::now() + wait
        });
        let msg = tokio::select! {
            ev = input.next() => match ev {
                Some(Ok(ev)) => match terminal_msg(ev) { Some(m) => m, None => continue },
                Some(Err(e)) => { tracing::warn!(error = %e, "terminal input"); continue }
                None => break,
            },
            Some(m) = rx.recv() => m,
            _ = tick.tick() => Msg::Tick,
            _ = sleep_until_some(drill_due) => Msg::DrillDue,
        };
        if matches!(msg, Msg::Tick | Msg::Saved(_) | Msg::SaveFailed(_)) {
            let health = store.health();
            if health != app.store_health {
                app.store_health = health;
                app.dirty = true;
            }
        }
        let mut effects = app.update(msg, chrono::Utc::now());
        // Drain whatever else is already waiting, then draw once.
        while let Ok(m) = rx.try_recv() {
            effects.extend(app.update(m, chrono::Utc::now()));
        }
        let mut quit = false;
        for effect in effects {
            match effect {
                Effect::Quit => quit = true,
                Effect::Append(events) => {
                    if appender.send(events).is_err() {
                        app.save_error = Some("the writer stopped; see the log".into());
                    }
                }
                Effect::Export { incident, format } => {
                    let (store, tx) = (store.clone(), tx.clone());
                    tokio::task::spawn_blocking(move || {
                        let result = export_to_file(store.as_ref(), &incident, format);
                        let _ = tx.send(Msg::Exported(result));
                    });
                }
                Effect::Notify(n) => {
                    if let Some(bytes) = notifier.send(&n) {
                        bell.extend(bytes);
                    }
                }
                Effect::UpdateFindings { source, update } => {
                    // The source's task answers with an Observation::Updated; if it cannot
                    // even take the request, say so the same way.
                    if let Err(e) = pollers.update_findings(&source, update.clone()) {
                        let refused = crate::sources::Observation::Updated {
                            source,
                            at: chrono::Utc::now(),
                            update,
                            result: Err(crate::sources::SourceError::Rejected(e)),
                        };
                        let _ = tx.send(Msg::Source(Box::new(refused)));
                    }
                }
            }
        }
        if quit {
            break;
        }
        if !bell.is_empty() {
            let backend = terminal.backend_mut();
            backend.write_all(&bell)?;
            backend.flush()?;
            bell.clear();
        }
    }
    tracing::info!(
        frames,
        bytes_written = written.load(Ordering::Relaxed),
        "console closed"
    );
    Ok(())
}

fn terminal_msg(ev: TermEvent) -> Option<Msg> {
    match ev {
        TermEvent::Key(k) => Some(Msg::Key(k)),
        TermEvent::Mouse(m) => Some(Msg::Mouse(m)),
        TermEvent::Paste(s) => Some(Msg::Paste(s)),
        TermEvent::Resize(w, h) => Some(Msg::Resize(w, h)),
        _ => None,
    }
}

/// Start the pollers; their observations join the loop's messages as they come.
fn spawn_pollers(
    sources: &[crate::sources::SourceConfig],
    tx: UnboundedSender<Msg>,
) -> crate::sources::poller::Pollers {
    let (obs_tx, mut obs_rx) = tokio::sync::mpsc::channel(64);
    tokio::spawn(async move {
        while let Some(o) = obs_rx.recv().await {
            if tx.send(Msg::Source(Box::new(o))).is_err() {
                break;
            }
        }
    });
    crate::sources::poller::Pollers::spawn(sources, obs_tx)
}

/// Sleep until `at`, or forever when there is nothing to wait for.
async fn sleep_until_some(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// The start of the next wall-clock second, so the T+ clock ticks on the second.
fn next_second() -> tokio::time::Instant {
    let nanos = chrono::Utc::now().timestamp_subsec_nanos() as u64;
    tokio::time::Instant::now() + Duration::from_nanos(1_000_000_000 - nanos.min(999_999_999))
}

/// Appends run on their own thread, in order. A failed batch is retried with backoff (its
/// events keep their ids, so a retry can never double one) while the header shows the error.
fn spawn_appender(store: Arc<dyn Store>, tx: UnboundedSender<Msg>) -> std::sync::mpsc::Sender<Vec<NewEvent>> {
    let (send, recv) = std::sync::mpsc::channel::<Vec<NewEvent>>();
    std::thread::Builder::new()
        .name("appender".into())
        .spawn(move || {
            for batch in recv {
                let mut delay = Duration::from_millis(250);
                loop {
                    match store.append_batch(&batch) {
                        Ok(_) => {
                            let _ = tx.send(Msg::Saved(batch.len()));
                            break;
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "append failed; retrying");
                            if tx.send(Msg::SaveFailed(e.to_string())).is_err() {
                                return;
                            }
                            std::thread::sleep(delay);
                            delay = (delay * 2).min(Duration::from_secs(15));
                        }
                    }
                }
            }
        })
        .ok();
    send
}

fn export_to_file(
    store: &dyn Store,
    incident: &crate::timeline::IncidentId,
    format: crate::export::Format,
) -> Result<String, String> {
    let ext = match format {
        crate::export::Format::Md => "md",
        crate::export::Format::Json => "json",
        crate::export::Format::Csv => "csv",
    };
    let name = format!("{incident}-{}.{ext}", chrono::Utc::now().format("%Y%m%dT%H%M%SZ"));
    let path = std::env::current_dir().map_err(|e| e.to_string())?.join(name);
    let file = std::fs::File::create(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut out = std::io::BufWriter::new(file);
    crate::export::export(store, incident, format, &mut out, chrono::Utc::now())
        .map_err(|e| format!("{e:#}"))?;
    out.flush().map_err(|e| e.to_string())?;
    Ok(path.display().to_string())
}

/// Counts the bytes sent to the terminal (logged at exit: idle consoles must stay quiet).
pub struct CountingWriter<W> {
    inner: W,
    count: Arc<AtomicU64>,
}

impl<W> CountingWriter<W> {
    pub fn new(inner: W, count: Arc<AtomicU64>) -> Self {
        CountingWriter { inner, count }
    }
}

impl<W: Write> Write for CountingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}
