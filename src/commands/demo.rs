//! `warroom demo`: a live drill with nothing set up. A temporary store, a built-in scenario at a
//! lively speed, a simulated team answering it, and the full console — findings, searches,
//! backup jobs, metrics and the timeline move within seconds. Without a terminal it plays the
//! same drill headless, faster, and prints the after-action report.

use super::out::{self, errln, outln};
use crate::cli::DemoArgs;
use crate::config::Config;
use crate::drill::builtin::{self, Loaded};
use crate::drill::facilitator::Facilitator;
use crate::drill::headless;
use crate::drill::player::{MAX_CONSOLE_SPEED, MAX_SPEED};
use crate::drill::report::after_action;
use crate::drill::scenario::Scenario;
use crate::drill::score::runs;
use crate::drill::simulate::Simulator;
use crate::incident::runbook::{Runbook, load_runbooks};
use crate::timeline::sqlite::SqliteStore;
use crate::timeline::{Event, Store, Subscription};
use anyhow::{Context, Result};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// The console's pace: an hour's scenario in two minutes, the first injects within seconds.
pub const DEMO_SPEED: f64 = 30.0;
/// Without a terminal: an hour in six seconds.
const WALK_THROUGH_SPEED: f64 = 600.0;

/// A fresh store: the one named by `--keep`, or a new temporary file.
pub fn prepare(args: &DemoArgs) -> Result<(SqliteStore, PathBuf)> {
    let path = match &args.keep {
        Some(p) => p.clone(),
        None => std::env::temp_dir().join(format!("warroom-demo-{}.db", uuid::Uuid::now_v7().simple())),
    };
    let store = SqliteStore::open(&path)?;
    Ok((store, path))
}

/// Play the demo; the exit status (a console ended by a signal says which).
pub fn run(args: &DemoArgs, config: &Config, theme: Option<&str>) -> Result<i32> {
    let runbooks = load_runbooks(config.runbooks_dir().as_deref())?;
    let names: Vec<&str> = runbooks.iter().map(|r| r.name.as_str()).collect();
    let loaded = builtin::load(&args.scenario, &names)?;
    let (store, path) = prepare(args)?;
    let store: Arc<dyn Store> = Arc::new(store);
    let result = if std::io::stdout().is_terminal() && std::io::stdin().is_terminal() {
        live(store.clone(), loaded, &runbooks, config, theme)
    } else {
        walk_through(store.clone(), loaded, &runbooks).map(|()| 0)
    };
    drop(store);
    if args.keep.is_none() {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    } else {
        errln!(
            "Kept the store: try `warroom --store {} drill report`",
            path.display()
        );
    }
    result
}

fn live(
    store: Arc<dyn Store>,
    loaded: Loaded,
    runbooks: &[Runbook],
    config: &Config,
    theme: Option<&str>,
) -> Result<i32> {
    let mut console = super::console::setup(config, store.as_ref(), false, theme)?;
    // The team reads the timeline like any console: from before the drill's first event.
    let _team = spawn_team(store.clone(), loaded.scenario.clone(), store.head()?.seq)?;
    let (facilitator, first) = Facilitator::start(
        loaded.scenario,
        loaded.text,
        DEMO_SPEED,
        MAX_CONSOLE_SPEED,
        runbooks,
        chrono::Utc::now(),
    );
    store.append_batch(&first).context("starting the demo drill")?;
    console.drill = Some(facilitator);
    console.show_msel = false; // a newcomer sees what players see; `:msel` shows the MSEL
    crate::tui::run::run(store, console).map(|ending| ending.exit_code())
}

/// The simulated team: a thread that follows the timeline and appends its actions when due.
/// It stops when the returned subscription is dropped.
pub fn spawn_team(store: Arc<dyn Store>, scenario: Scenario, after: u64) -> Result<Subscription> {
    let (tx, rx) = std::sync::mpsc::channel::<Event>();
    let subscription = store.subscribe(after, Box::new(move |e| tx.send(e).is_ok()))?;
    std::thread::Builder::new()
        .name("demo-team".into())
        .spawn(move || {
            let mut team = Simulator::new(scenario);
            loop {
                let now = chrono::Utc::now();
                let wait = team
                    .next()
                    .map_or(Duration::from_secs(1), |t| (t - now).to_std().unwrap_or_default())
                    .min(Duration::from_secs(1));
                match rx.recv_timeout(wait) {
                    Ok(e) => team.observe(&e),
                    Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                    Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
                }
                let due = team.due(chrono::Utc::now());
                if !due.is_empty()
                    && let Err(e) = store.append_batch(&due)
                {
                    tracing::warn!(error = %e, "the demo team could not append");
                }
            }
        })
        .context("starting the demo team")?;
    Ok(subscription)
}

/// No terminal: play the drill headless with the simulated team, then print the report.
fn walk_through(store: Arc<dyn Store>, loaded: Loaded, runbooks: &[Runbook]) -> Result<()> {
    let scenario = loaded.scenario.clone();
    outln!(
        "A drill ({}) played at {WALK_THROUGH_SPEED}× by a simulated team, on a temporary store.\n\
         In a terminal, `warroom demo` shows it live in the console.\n",
        scenario.title
    )?;
    let now = chrono::Utc::now();
    let (f, first) = Facilitator::start(
        loaded.scenario,
        loaded.text,
        WALK_THROUGH_SPEED,
        MAX_SPEED,
        runbooks,
        now,
    );
    let opts = headless::Options {
        controls: false,
        team: Some(Simulator::new(scenario.clone())),
    };
    let finished = headless::run(store.clone(), f, first, opts, &mut out::stdout())?;
    outln!("\n--- the after-action report (`warroom drill report`) ---\n")?;
    let events = super::all_events(store.as_ref())?;
    let all = runs(&events);
    let run = all
        .iter()
        .find(|r| r.run == finished.run)
        .context("the demo's run is not on the timeline")?;
    let mut report = std::io::BufWriter::new(out::stdout());
    after_action(&scenario, run, &events, chrono::Utc::now(), &mut report)?;
    report.flush()?;
    Ok(())
}
