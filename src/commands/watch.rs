//! `warroom watch`: the pollers without a screen, writing signals to the timeline — a service
//! on the jump host keeps the timeline fed when nobody has a console open. It logs one JSON
//! object a line to standard error, and stops cleanly on SIGINT or SIGTERM.

use crate::config::Config;
use crate::incident::{Projection, fold_store};
use crate::sources::poller::Pollers;
use crate::sources::signals::{Detector, TRIAGE};
use crate::sources::{Observation, Snapshot};
use crate::timeline::{IncidentId, NewEvent, Store};
use anyhow::{Context, Result, bail};
use serde_json::{Value, json};
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;

pub fn run(store: Arc<dyn Store>, config: &Config) -> Result<()> {
    if config.source.is_empty() {
        bail!(
            "{}: no [[source]] to watch; `warroom init` writes an example",
            config
                .file
                .as_ref()
                .map_or("no config file".to_string(), |f| f.display().to_string())
        );
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the watcher's runtime")?;
    runtime.block_on(watch(store, config))
}

/// One JSON line on standard error.
fn log(event: &str, fields: Value) {
    let mut line = json!({"ts": chrono::Utc::now().to_rfc3339(), "event": event});
    if let (Some(obj), Value::Object(extra)) = (line.as_object_mut(), fields) {
        obj.extend(extra);
    }
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{line}");
}

async fn watch(store: Arc<dyn Store>, config: &Config) -> Result<()> {
    // The open incidents decide where signals go; follow them as the timeline grows.
    let projection = Arc::new(Mutex::new(
        fold_store(store.as_ref(), None).context("reading the timeline")?,
    ));
    let last_seq = projection.lock().map(|p| p.last_seq).unwrap_or(0);
    let follower = projection.clone();
    let _subscription = store.subscribe(
        last_seq,
        Box::new(move |e| {
            if let Ok(mut p) = follower.lock() {
                p.apply(e);
            }
            true
        }),
    )?;

    let (tx, mut rx) = mpsc::channel::<Observation>(256);
    let pollers = Pollers::spawn(&config.source, tx);
    let mut detector = Detector::new(&config.source);
    tracing::info!(sources = config.source.len(), "watch started");
    log(
        "started",
        json!({"sources": config.source.iter().map(|s| &s.name).collect::<Vec<_>>(),
               "store": store.describe()}),
    );

    let mut interrupt = signal(tokio::signal::unix::SignalKind::interrupt())?;
    let mut terminate = signal(tokio::signal::unix::SignalKind::terminate())?;
    // Signals not yet durable: kept and retried, never dropped.
    let mut waiting: Vec<NewEvent> = Vec::new();
    let mut retry = tokio::time::interval(Duration::from_secs(2));
    loop {
        tokio::select! {
            _ = interrupt.recv() => break,
            _ = terminate.recv() => break,
            _ = retry.tick(), if !waiting.is_empty() => {}
            observation = rx.recv() => {
                let Some(observation) = observation else { break };
                log_observation(&observation);
                let signals = detector.observe(&observation);
                if !signals.is_empty() {
                    let incident = target(&projection);
                    waiting.extend(signals.into_iter().map(|s| s.into_event(incident.clone(), chrono::Utc::now())));
                }
            }
        }
        if !waiting.is_empty() {
            waiting = append(store.clone(), std::mem::take(&mut waiting)).await;
        }
    }
    drop(pollers);
    if !waiting.is_empty() {
        waiting = append(store.clone(), waiting).await;
    }
    log("stopped", json!({"unwritten": waiting.len()}));
    if !waiting.is_empty() {
        bail!("{} signal(s) could not be written", waiting.len());
    }
    Ok(())
}

fn signal(kind: tokio::signal::unix::SignalKind) -> Result<tokio::signal::unix::Signal> {
    tokio::signal::unix::signal(kind).context("listening for SIGINT/SIGTERM")
}

/// The newest open incident, else the triage stream.
fn target(projection: &Mutex<Projection>) -> IncidentId {
    projection
        .lock()
        .ok()
        .and_then(|p| {
            p.open_incidents()
                .filter(|i| i.declared && !i.drill && i.id.as_str() != TRIAGE)
                .max_by_key(|i| i.declared_at)
                .map(|i| i.id.clone())
        })
        .unwrap_or_else(|| IncidentId(TRIAGE.to_string()))
}

/// Append off the runtime's threads; what fails comes back to be tried again.
async fn append(store: Arc<dyn Store>, events: Vec<NewEvent>) -> Vec<NewEvent> {
    let result = tokio::task::spawn_blocking(move || {
        let outcome = store.append_batch(&events);
        (events, outcome)
    })
    .await;
    match result {
        Ok((_, Ok(appended))) => {
            for a in appended {
                let key = a.event.dedup_key.clone();
                log(
                    "signal",
                    json!({"seq": a.event.seq, "incident": a.event.incident.as_str(),
                           "key": key, "duplicate": a.duplicate,
                           "text": crate::timeline::describe::describe(&a.event.body)}),
                );
            }
            Vec::new()
        }
        Ok((events, Err(e))) => {
            log(
                "append_failed",
                json!({"error": e.to_string(), "pending": events.len()}),
            );
            events
        }
        Err(e) => {
            log("append_failed", json!({"error": e.to_string()}));
            Vec::new()
        }
    }
}

fn log_observation(o: &Observation) {
    match o {
        Observation::Data {
            source,
            snapshot,
            pages,
            bytes,
            elapsed,
            ..
        } => {
            let items = match snapshot {
                Snapshot::Findings(f) => f.len(),
                Snapshot::Searches(s) => s.len(),
                Snapshot::Backups(j) => j.len(),
            };
            log(
                "poll_ok",
                json!({"source": source, "items": items, "pages": pages, "bytes": bytes,
                       "ms": elapsed.as_millis() as u64}),
            );
        }
        Observation::Failed {
            source,
            error,
            retry_in,
            ..
        } => log(
            "poll_failed",
            json!({"source": source, "error": error.to_string(),
                   "retry_in_ms": retry_in.as_millis() as u64}),
        ),
        Observation::Updated { source, .. } => log("updated", json!({"source": source})),
    }
}
