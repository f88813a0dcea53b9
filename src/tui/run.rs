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
use crate::timeline::{NewEvent, Store, StoreError};
use anyhow::{Context, Result};
use futures::StreamExt;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{Event as TermEvent, EventStream};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

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
    let mut app = App::builder(console.options)
        .keymap(console.keymap)
        .theme(console.theme)
        .themes(console.themes)
        .runbooks(console.runbooks)
        .drill(console.drill, console.show_msel)
        .sources(&console.sources)
        .build()?;
    let mut fx = Vec::new();
    store.scan(0, None, &mut |e| {
        app.ingest(e, &mut fx);
        true
    })?;
    app.start();
    Ok(app)
}

/// How the console ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// `q` (or `:quit`, or ctrl-c on the panes).
    Quit,
    /// SIGTERM, SIGHUP (an SSH session dropped), SIGINT or SIGQUIT.
    Signal(i32),
    /// The terminal went away without a signal (its input or output failed).
    TerminalClosed,
}

impl Ending {
    /// The conventional exit status: 0, or 128 + the signal (a lost terminal counts as SIGHUP).
    pub fn exit_code(self) -> i32 {
        match self {
            Ending::Quit => 0,
            Ending::Signal(n) => 128 + n,
            Ending::TerminalClosed => 128 + libc::SIGHUP,
        }
    }
}

/// How long a console ending on a signal or a lost terminal waits for its saves (a quit has
/// already waited for them on screen): 20 s, or `WARROOM_SAVE_WAIT` seconds (0 to 600). What
/// is still not saved then is kept in the unsaved file.
fn save_patience() -> Duration {
    std::env::var("WARROOM_SAVE_WAIT")
        .ok()
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map_or(Duration::from_secs(20), |s| Duration::from_secs_f64(s.min(600.0)))
}

/// Run the console until the user quits, a signal comes or the terminal goes away; every
/// action confirmed before then is durable (or said on standard error not to be) when it
/// returns, and the terminal is restored.
pub fn run(store: Arc<dyn Store>, console: Console) -> Result<Ending> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the console's runtime")?;
    runtime.block_on(run_async(store, console))
}

async fn run_async(store: Arc<dyn Store>, console: Console) -> Result<Ending> {
    let notifier = Notifier::new(console.options.notify.clone());
    let sources = console.sources.clone();
    let mut app = load(store.as_ref(), console)?;
    let (tx, rx) = unbounded_channel::<Msg>();
    let pollers = spawn_pollers(&sources, tx.clone());
    let sub_tx = tx.clone();
    let _subscription = store.subscribe(
        app.model().projection.last_seq,
        Box::new(move |e| sub_tx.send(Msg::Stored(Box::new(e))).is_ok()),
    )?;
    let appender = Appender::spawn(store.clone(), tx.clone());
    let signals = Signals::new().context("listening for signals")?;
    let suspend = signal(SignalKind::from_raw(libc::SIGTSTP)).context("listening for SIGTSTP")?;

    let guard = TerminalGuard::enter().context("setting up the terminal")?;
    let written = Arc::new(AtomicU64::new(0));
    let out = CountingWriter::new(std::io::stdout(), written.clone());
    let mut terminal = Terminal::new(CrosstermBackend::new(out))?;
    let store_name = store.describe();
    let parts = Loop {
        store,
        tx,
        rx,
        pollers,
        appender: &appender,
        notifier,
        raw: Box::new(CountingWriter::new(std::io::stdout(), written.clone())),
        suspend: Some(suspend),
    };
    // What an earlier console on this store could not save is offered first.
    match crate::timeline::unsaved::read(&crate::timeline::unsaved::path(&store_name)) {
        Ok(kept) if !kept.is_empty() => {
            let _ = parts.tx.send(Msg::UnsavedFound(kept));
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "cannot read the unsaved actions"),
    }
    let drafts_file = super::drafts::path(&store_name);
    match super::drafts::restore(&drafts_file) {
        Ok(drafts) => app.restore_drafts(drafts),
        Err(e) => tracing::warn!(file = %drafts_file.display(), error = %e, "cannot read the kept drafts"),
    }
    let (ending, frames) = parts
        .run(&mut app, &mut terminal, EventStream::new(), signals.next())
        .await;
    // Drafts and an editor's text outlive the console, whichever way it ended.
    if let Err(e) = super::drafts::keep(&drafts_file, &app.drafts_to_keep()) {
        tracing::error!(file = %drafts_file.display(), error = %e, "cannot keep the drafts");
    }
    // ratatui's Terminal shows the cursor when dropped and prints to stderr if it cannot,
    // which panics when the terminal is gone: show it here, and if that fails there is no
    // terminal left to restore, so the Terminal is not dropped at all.
    if terminal.show_cursor().is_err() {
        std::mem::forget(terminal);
    } else {
        drop(terminal);
    }
    // Stop taking input (the loop has), make every confirmed action durable, then give the
    // terminal back.
    let patience = if ending == Ending::Quit {
        Duration::from_secs(2) // only what `L` chose to leave behind can still be waiting
    } else {
        save_patience()
    };
    let unsaved = appender.finish(patience);
    drop(guard);
    tracing::info!(
        frames,
        bytes_written = written.load(Ordering::Relaxed),
        ?ending,
        unsaved = unsaved.events.len(),
        "console closed"
    );
    if !unsaved.events.is_empty() {
        // Their text is kept, not only counted: on a dropped SSH session this line goes to a
        // dead terminal, and the next console is what tells.
        let why = if unsaved.why.is_empty() {
            "the store did not answer in time"
        } else {
            &unsaved.why
        };
        let said = crate::timeline::unsaved::keep_and_tell(&store_name, &unsaved.events, why);
        // The terminal may be gone (SIGHUP): never panic for want of a stderr.
        let _ = writeln!(std::io::stderr(), "{}", crate::text::clean_line(&said));
    }
    Ok(ending)
}

/// What the loop talks to besides the terminal.
pub struct Loop<'a> {
    pub store: Arc<dyn Store>,
    pub tx: UnboundedSender<Msg>,
    pub rx: UnboundedReceiver<Msg>,
    pub pollers: crate::sources::poller::Pollers,
    pub appender: &'a Appender,
    pub notifier: Notifier,
    /// The terminal's output for what is not a frame (synchronized-update markers, the bell
    /// and OSC notifications): the same stream the backend draws to.
    pub raw: Box<dyn Write + Send>,
    /// SIGTSTP, in a real terminal: the console steps aside until continued.
    pub suspend: Option<tokio::signal::unix::Signal>,
}

impl Loop<'_> {
    /// The event loop, over any backend and any input stream (tests drive it in-process with
    /// ratatui's `TestBackend`). Returns how it ended and how many frames it drew.
    pub async fn run<B, I>(
        mut self,
        app: &mut App,
        terminal: &mut Terminal<B>,
        mut input: I,
        shutdown: impl std::future::Future<Output = i32>,
    ) -> (Ending, u64)
    where
        B: ratatui::backend::Backend,
        I: futures::Stream<Item = std::io::Result<TermEvent>> + Unpin,
    {
        let Ok(size) = terminal.size() else {
            return (Ending::TerminalClosed, 0);
        };
        app.update(Msg::Resize(size.width, size.height), chrono::Utc::now());
        let mut tick = tokio::time::interval_at(next_second(), Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let mut frames: u64 = 0;
        let mut bell: Vec<u8> = Vec::new();
        // After a stop and continue, everything is drawn again.
        let mut whole = false;
        tokio::pin!(shutdown);
        loop {
            // Draw whenever something changed — including before the first message, so the
            // first frame does not wait for the clock's first tick.
            if app.needs_frame() || std::mem::take(&mut whole) {
                let now = chrono::Utc::now();
                let _ = execute!(self.raw, BeginSynchronizedUpdate);
                if terminal.draw(|f| view::draw(f, app, now)).is_err() {
                    return (Ending::TerminalClosed, frames);
                }
                let _ = execute!(self.raw, EndSynchronizedUpdate);
                frames += 1;
            }
            // The facilitator's next inject wakes the loop on time, not on the next clock tick.
            let drill_due = app.drill_wake(chrono::Utc::now()).map(|at| {
                let wait = (at - chrono::Utc::now()).to_std().unwrap_or_default();
                tokio::time::Instant::now() + wait
            });
            let msg = tokio::select! {
                signal = &mut shutdown => return (Ending::Signal(signal), frames),
                Some(()) = async { self.suspend.as_mut()?.recv().await } => {
                    if let Err(e) = super::terminal::suspend() {
                        tracing::info!(error = %e, "taking the terminal back after a stop failed");
                        return (Ending::TerminalClosed, frames);
                    }
                    // The screen was the shell's meanwhile: clear it, and forget the last frame
                    // (both buffers empty) so the next one is drawn whole. Not `Terminal::clear`,
                    // which asks the terminal for the cursor while the input reader owns it.
                    let clear = ratatui::crossterm::terminal::Clear(ratatui::crossterm::terminal::ClearType::All);
                    if execute!(self.raw, clear).is_err() {
                        return (Ending::TerminalClosed, frames);
                    }
                    terminal.swap_buffers();
                    whole = true; // continued: everything is drawn again
                    continue;
                }
                ev = input.next() => match ev {
                    Some(Ok(ev)) => match terminal_msg(ev) { Some(m) => m, None => continue },
                    // Input that fails, or ends, is a terminal that went away: not a crash.
                    Some(Err(e)) => {
                        tracing::info!(error = %e, "terminal input failed");
                        return (Ending::TerminalClosed, frames);
                    }
                    None => return (Ending::TerminalClosed, frames),
                },
                Some(m) = self.rx.recv() => m,
                _ = tick.tick() => Msg::Tick,
                _ = sleep_until_some(drill_due) => Msg::DrillDue,
            };
            let health_may_change = matches!(msg, Msg::Tick | Msg::Saved(_) | Msg::SaveFailed(_));
            let mut effects = app.update(msg, chrono::Utc::now());
            // Drain whatever else is already waiting, then draw once.
            while let Ok(m) = self.rx.try_recv() {
                effects.extend(app.update(m, chrono::Utc::now()));
            }
            if health_may_change {
                effects.extend(app.update(Msg::Health(self.store.health()), chrono::Utc::now()));
            }
            let mut quit = false;
            let mut replies = Vec::new();
            for effect in effects {
                match effect {
                    Effect::Quit => quit = true,
                    Effect::Append(events) => {
                        if !self.appender.send(events) {
                            let stopped = Msg::SaveFailed("the writer stopped; see the log".into());
                            app.update(stopped, chrono::Utc::now());
                        }
                    }
                    Effect::Unsaved { save } => {
                        let (store, tx) = (self.store.clone(), self.tx.clone());
                        tokio::task::spawn_blocking(move || {
                            let _ = tx.send(Msg::UnsavedDone(settle_unsaved(store.as_ref(), save)));
                        });
                    }
                    Effect::Export { incident, format, to } => {
                        let (store, tx) = (self.store.clone(), self.tx.clone());
                        tokio::task::spawn_blocking(move || {
                            let result = export(store.as_ref(), &incident, format, to);
                            let _ = tx.send(Msg::Exported(result));
                        });
                    }
                    Effect::Copy(text) => {
                        // Checked by the app already: an error here cannot happen.
                        if let Ok(bytes) = super::clipboard::osc52(&text, self.notifier.in_tmux()) {
                            bell.extend(bytes);
                        }
                    }
                    Effect::LoadTheme(name) => {
                        let dir = crate::config::config_dir().map(|d| d.join("themes"));
                        let theme = super::theme::from_env(&name, dir.as_deref());
                        let msg = Msg::Theme(theme.map(Box::new).map_err(|e| e.to_string()));
                        replies.push(msg);
                    }
                    Effect::Notify(n) => {
                        if let Some(bytes) = self.notifier.send(&n) {
                            bell.extend(bytes);
                        }
                    }
                    Effect::Identified(name) => {
                        // A file in the home folder: never written on the UI's thread.
                        tokio::task::spawn_blocking(move || {
                            if let Err(e) = crate::config::remember_name(&name) {
                                tracing::warn!(error = %e, "cannot remember the name for this session");
                            }
                        });
                    }
                    Effect::Presence { mark, since } => {
                        let (store, tx) = (self.store.clone(), self.tx.clone());
                        tokio::task::spawn_blocking(move || {
                            if let Some(p) = &mark
                                && let Err(e) = store.mark_present(p)
                            {
                                tracing::warn!(error = %e, "cannot mark this console present");
                            }
                            let seen = store.present(since).unwrap_or_else(|e| {
                                tracing::warn!(error = %e, "cannot read who is present");
                                Vec::new()
                            });
                            let _ = tx.send(Msg::Presence(seen));
                        });
                    }
                    Effect::UpdateFindings { source, update } => {
                        // The source's task answers with an Observation::Updated; if it cannot
                        // even take the request, say so the same way.
                        if let Err(e) = self.pollers.update_findings(&source, update.clone()) {
                            let refused = crate::sources::Observation::Updated {
                                source,
                                at: chrono::Utc::now(),
                                update,
                                result: Err(crate::sources::SourceError::Rejected(e)),
                            };
                            let _ = self.tx.send(Msg::Source(Box::new(refused)));
                        }
                    }
                }
            }
            for m in replies {
                let _ = self.tx.send(m);
            }
            if quit {
                return (Ending::Quit, frames);
            }
            if !bell.is_empty() {
                if self.raw.write_all(&bell).and_then(|()| self.raw.flush()).is_err() {
                    return (Ending::TerminalClosed, frames);
                }
                bell.clear();
            }
        }
    }
}

/// The four signals that end a console. Installed before the terminal is set up, so none of
/// them can kill the process with the terminal raw.
struct Signals(Vec<(i32, tokio::signal::unix::Signal)>);

impl Signals {
    fn new() -> std::io::Result<Signals> {
        let kinds = [
            (libc::SIGTERM, SignalKind::terminate()),
            (libc::SIGHUP, SignalKind::hangup()),
            (libc::SIGINT, SignalKind::interrupt()),
            (libc::SIGQUIT, SignalKind::quit()),
        ];
        let mut all = Vec::new();
        for (n, kind) in kinds {
            all.push((n, signal(kind)?));
        }
        Ok(Signals(all))
    }

    /// The first of them to arrive.
    async fn next(mut self) -> i32 {
        let waits = self.0.iter_mut().map(|(n, s)| {
            let n = *n;
            Box::pin(async move {
                s.recv().await;
                n
            })
        });
        futures::future::select_all(waits).await.0
    }
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
pub fn spawn_pollers(
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
pub struct Appender {
    send: std::sync::Mutex<Option<std::sync::mpsc::Sender<Vec<NewEvent>>>>,
    thread: std::sync::Mutex<Option<std::thread::JoinHandle<()>>>,
    /// Events sent to the thread and not yet durable, in order, and the store's last word on
    /// why: what goes to the unsaved file if the console cannot wait for them.
    in_flight: Arc<std::sync::Mutex<InFlight>>,
    /// Set when the console can wait no longer: the thread stops retrying.
    give_up: Arc<AtomicBool>,
}

/// What the appender holds and has not made durable.
#[derive(Debug, Default)]
pub struct InFlight {
    pub events: Vec<NewEvent>,
    pub why: String,
}

fn hold(m: &std::sync::Mutex<InFlight>) -> std::sync::MutexGuard<'_, InFlight> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl InFlight {
    fn done(&mut self, batch: &[NewEvent]) {
        self.events.retain(|e| !batch.iter().any(|b| b.id == e.id));
    }
}

impl Appender {
    pub fn spawn(store: Arc<dyn Store>, tx: UnboundedSender<Msg>) -> Appender {
        let (send, recv) = std::sync::mpsc::channel::<Vec<NewEvent>>();
        let in_flight = Arc::new(std::sync::Mutex::new(InFlight::default()));
        let give_up = Arc::new(AtomicBool::new(false));
        let (held, stop) = (in_flight.clone(), give_up.clone());
        let thread = std::thread::Builder::new()
            .name("appender".into())
            .spawn(move || {
                for batch in recv {
                    let mut delay = Duration::from_millis(250);
                    loop {
                        match store.append_batch(&batch) {
                            Ok(_) => {
                                hold(&held).done(&batch);
                                let _ = tx.send(Msg::Saved(batch.len()));
                                break;
                            }
                            // Decided on a state that changed: asked again, never retried.
                            Err(StoreError::Conflict { seq, detail, .. }) => {
                                tracing::info!(seq, %detail, "conditional append refused");
                                hold(&held).done(&batch);
                                let refused = Msg::Refused {
                                    events: batch,
                                    seq,
                                    detail,
                                };
                                let _ = tx.send(refused);
                                break;
                            }
                            Err(e) => {
                                tracing::warn!(error = %e, "append failed; retrying");
                                hold(&held).why = e.to_string();
                                let _ = tx.send(Msg::SaveFailed(e.to_string()));
                                if stop.load(Ordering::SeqCst) {
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
        Appender {
            send: std::sync::Mutex::new(Some(send)),
            thread: std::sync::Mutex::new(thread),
            in_flight,
            give_up,
        }
    }

    fn held(&self) -> std::sync::MutexGuard<'_, InFlight> {
        hold(&self.in_flight)
    }

    /// Hand a batch to the thread; false if it has stopped (the batch then stays unsaved).
    pub fn send(&self, events: Vec<NewEvent>) -> bool {
        self.held().events.extend(events.iter().cloned());
        let Ok(guard) = self.send.lock() else { return false };
        let Some(send) = guard.as_ref() else { return false };
        send.send(events).is_ok()
    }

    /// Take no more, wait up to `patience` for what was sent to be durable, and hand back what
    /// was not (with the store's reason).
    pub fn finish(&self, patience: Duration) -> InFlight {
        if let Ok(mut send) = self.send.lock() {
            send.take(); // the thread ends once it has written what it holds
        }
        let thread = self.thread.lock().ok().and_then(|mut t| t.take());
        if let Some(thread) = thread {
            let deadline = std::time::Instant::now() + patience;
            while !thread.is_finished() && std::time::Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(5));
            }
            if thread.is_finished() {
                let _ = thread.join();
            } else {
                self.give_up.store(true, Ordering::SeqCst); // it stops at its next failure
            }
        }
        // An event that commits after this snapshot is kept too: saving it later finds its id
        // stored, so it is never doubled.
        std::mem::take(&mut *self.held())
    }
}

/// Save (or discard) what an earlier console left unsaved for this store.
fn settle_unsaved(store: &dyn Store, save: bool) -> Result<String, String> {
    use crate::timeline::unsaved;
    let path = unsaved::path(&store.describe());
    if !save {
        unsaved::discard(&path).map_err(|e| e.to_string())?;
        return Ok("Discarded the unsaved actions.".into());
    }
    let new = unsaved::save(store, &path).map_err(|e| format!("Not saved: {e}"))?;
    Ok(format!("Saved {new} earlier action(s) to the timeline."))
}

fn export(
    store: &dyn Store,
    incident: &crate::timeline::IncidentId,
    format: crate::export::Format,
    to: super::app::ExportTo,
) -> Result<super::app::Exported, String> {
    use super::app::{ExportTo, Exported};
    let now = chrono::Utc::now();
    let path = match to {
        ExportTo::Clipboard => {
            let mut out = Vec::new();
            crate::export::export(store, incident, format, &mut out, now).map_err(|e| format!("{e:#}"))?;
            return Ok(Exported::Text(String::from_utf8_lossy(&out).into_owned()));
        }
        ExportTo::File(Some(path)) => expand_home(&path),
        ExportTo::File(None) => {
            let name = format!(
                "{incident}-{}.{}",
                now.format("%Y%m%dT%H%M%SZ"),
                format.extension()
            );
            std::env::current_dir().map_err(|e| e.to_string())?.join(name)
        }
    };
    let file = std::fs::File::create(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut out = std::io::BufWriter::new(file);
    crate::export::export(store, incident, format, &mut out, now).map_err(|e| format!("{e:#}"))?;
    out.flush().map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(Exported::File(path.display().to_string()))
}

/// `~/x` is `x` in the home folder; any other path as typed.
fn expand_home(path: &str) -> std::path::PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => std::path::PathBuf::from(home).join(rest),
        _ => std::path::PathBuf::from(path),
    }
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
