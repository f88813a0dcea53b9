//! `warroom drill run --headless`: the facilitator's player without a screen, for automation
//! and tests. It prints one line per inject, control and objective outcome; controls come as
//! lines on standard input (`pause`, `speed 10`, `skip 3`, `inject 4`, `adhoc …`, `end`);
//! SIGINT or SIGTERM ends the drill cleanly. With `simulate`, the demo's simulated team plays.

use super::facilitator::{Control, Facilitator};
use super::scenario::format_offset;
use super::score::Outcome;
use super::simulate::Simulator;
use crate::timeline::{Event, EventBody, IncidentId, NewEvent, Store};
use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::sync::Arc;
use std::sync::mpsc::{RecvTimeoutError, Sender, channel};
use std::time::Duration;

/// The longest the loop sleeps: pending objectives time out and the end comes on time.
const IDLE: Duration = Duration::from_millis(100);

pub struct Options {
    /// Read controls from standard input.
    pub controls: bool,
    /// The simulated team that plays along (the demo).
    pub team: Option<Simulator>,
}

/// What a run left behind.
pub struct Finished {
    pub run: String,
    pub incident: IncidentId,
}

enum Input {
    Stored(Box<Event>),
    Control(String),
    Stop(&'static str),
}

/// Play `f` until the scenario's time is up or it is ended. `first` are the events that start
/// it ([`Facilitator::start`]); none for a run taken up from the timeline
/// ([`Facilitator::take_up`]), whose history is then read back from the start of the store.
pub fn run(
    store: Arc<dyn Store>,
    mut f: Facilitator,
    first: Vec<NewEvent>,
    opts: Options,
    out: &mut dyn Write,
) -> Result<Finished> {
    let (tx, rx) = channel::<Input>();
    let head = store.head()?.seq;
    let after = if first.is_empty() { 0 } else { head };
    let mut sim = opts.team;
    let finished = Finished {
        run: f.player.run.clone(),
        incident: f.player.incident.clone(),
    };
    append(store.as_ref(), &first)?;
    let sub_tx = tx.clone();
    let _subscription = store.subscribe(
        after,
        Box::new(move |e| sub_tx.send(Input::Stored(Box::new(e))).is_ok()),
    )?;
    if opts.controls {
        read_controls(tx.clone());
    }
    on_signal(tx);
    say(
        out,
        &format!(
            "drill {} {}: {} on {} at {}× ({} injects, {} objectives, {} of scenario time)",
            f.player.run,
            if first.is_empty() { "taken up" } else { "started" },
            f.scenario().title,
            f.player.incident,
            f.player.speed(),
            f.scenario().injects.len(),
            f.scenario().objectives.len(),
            format_offset(f.scenario().duration)
        ),
    )?;

    let mut outcomes: BTreeMap<String, Outcome> = BTreeMap::new();
    let (mut ending, mut ended_stored) = (None, false);
    loop {
        let now = Utc::now();
        let wake = [f.next_due(now), sim.as_ref().and_then(Simulator::next)]
            .into_iter()
            .flatten()
            .map(|t| (t - now).to_std().unwrap_or_default())
            .fold(IDLE, Duration::min);
        match rx.recv_timeout(wake) {
            Ok(Input::Stored(e)) => {
                let now = Utc::now();
                // A run taken up reads its history first: only what is new is told.
                if f.observe(&e, now) && e.seq > head {
                    ended_stored |= matches!(e.body, EventBody::DrillEnded { .. });
                    describe(out, &f, &e, now)?;
                }
                if let Some(sim) = sim.as_mut() {
                    sim.observe(&e);
                }
            }
            Ok(Input::Control(line)) => {
                let result = line.parse::<Control>().and_then(|c| f.control(&c, Utc::now()));
                match result {
                    Ok(events) => append(store.as_ref(), &events)?,
                    Err(e) => say(out, &format!("! {e}"))?,
                }
            }
            Ok(Input::Stop(why)) => {
                append(store.as_ref(), &f.player.end(why, Utc::now()))?;
            }
            Err(RecvTimeoutError::Timeout) => f.rescore(Utc::now()),
            Err(RecvTimeoutError::Disconnected) => break,
        }
        let now = Utc::now();
        for r in &f.results {
            if outcomes.insert(r.id.clone(), r.outcome) != Some(r.outcome)
                && matches!(r.outcome, Outcome::Met | Outcome::Missed)
            {
                let took = r.took.map_or("—".into(), format_offset);
                let by = r.by.as_deref().map(|b| format!(" by {b}")).unwrap_or_default();
                say(
                    out,
                    &format!("objective {} {} ({took}{by})", r.id, r.outcome.as_str()),
                )?;
            }
        }
        append(store.as_ref(), &f.due(now))?;
        if let Some(sim) = sim.as_mut() {
            append(store.as_ref(), &sim.due(now))?;
        }
        if f.finished(now) {
            append(store.as_ref(), &f.player.end("scenario time is up", now))?;
            // Stay for the end to come back from the store (its line is the last word).
            let ending = ending.get_or_insert(now);
            if ended_stored || now - *ending > chrono::TimeDelta::seconds(2) {
                break;
            }
        }
    }
    say(out, &format!("drill {} ended", finished.run))?;
    say(
        out,
        &format!("the report: warroom drill report --run {}", finished.run),
    )?;
    Ok(finished)
}

fn append(store: &dyn Store, events: &[NewEvent]) -> Result<()> {
    if !events.is_empty() {
        store.append_batch(events).context("appending drill events")?;
    }
    Ok(())
}

fn say(out: &mut dyn Write, line: &str) -> Result<()> {
    writeln!(out, "{line}")?;
    out.flush()?;
    Ok(())
}

/// One line for the drill's own events as they come back from the store.
fn describe(out: &mut dyn Write, f: &Facilitator, e: &Event, now: DateTime<Utc>) -> Result<()> {
    let clock = format_offset(f.player.clock(now));
    let line = match &e.body {
        EventBody::DrillInject {
            seq,
            scenario_at,
            target,
            description,
            hidden,
            ..
        } => format!(
            "{}  {}  {target}{}  {}",
            format_offset(Duration::from_secs(*scenario_at)),
            if *seq == 0 {
                "ad hoc".to_string()
            } else {
                format!("inject {seq}")
            },
            if *hidden { " (hidden)" } else { "" },
            crate::text::clean_line(description)
        ),
        EventBody::DrillSkipped { seq, .. } => format!("{clock}  skipped {seq}"),
        EventBody::DrillPaused { .. } => format!("{clock}  paused"),
        EventBody::DrillResumed { .. } => format!("{clock}  resumed"),
        EventBody::DrillSpeed { speed, .. } => format!("{clock}  speed {speed}×"),
        EventBody::DrillEnded { reason, .. } => {
            format!(
                "{clock}  ended: {}",
                crate::text::clean_line(reason.as_deref().unwrap_or(""))
            )
        }
        _ => return Ok(()),
    };
    say(out, &line)
}

/// Standard input, a control per line, until it closes.
fn read_controls(tx: Sender<Input>) {
    let _ = std::thread::Builder::new()
        .name("drill-controls".into())
        .spawn(move || {
            for line in std::io::stdin().lock().lines() {
                let Ok(line) = line else { break };
                if !line.trim().is_empty() && tx.send(Input::Control(line)).is_err() {
                    break;
                }
            }
        });
}

/// SIGINT and SIGTERM end the drill (recorded) rather than the process.
fn on_signal(tx: Sender<Input>) {
    let _ = std::thread::Builder::new()
        .name("drill-signals".into())
        .spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
                return;
            };
            rt.block_on(async {
                #[cfg(unix)]
                {
                    use tokio::signal::unix::{SignalKind, signal};
                    let (Ok(mut int), Ok(mut term)) =
                        (signal(SignalKind::interrupt()), signal(SignalKind::terminate()))
                    else {
                        return;
                    };
                    tokio::select! {
                        _ = int.recv() => {}
                        _ = term.recv() => {}
                    }
                }
                #[cfg(not(unix))]
                let _ = tokio::signal::ctrl_c().await;
            });
            let _ = tx.send(Input::Stop("stopped by a signal"));
        });
}
