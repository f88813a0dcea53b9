//! One tokio task per source: poll, publish, sleep. The interval is jittered so that many
//! consoles (and many sources) do not poll in step; failures back off exponentially with
//! jitter, never sooner than the service's `Retry-After`. Between polls the task also carries
//! out the console's requests to the source (BatchUpdateFindings).
//!
//! A task only ever waits on its own source: a hung or huge source slows nothing else.

use super::client::Client;
use super::{FindingUpdate, Observation, SourceConfig, SourceError};
use chrono::Utc;
use rand::Rng;
use std::collections::HashMap;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// Longest wait between tries of a failing source (unless its interval is longer).
const MAX_BACKOFF: Duration = Duration::from_secs(300);
/// First retry after a failure waits about this (or the interval, if shorter).
const FIRST_BACKOFF: Duration = Duration::from_secs(5);

/// The running pollers. Dropping this stops them.
pub struct Pollers {
    tasks: Vec<JoinHandle<()>>,
    commands: HashMap<String, mpsc::Sender<FindingUpdate>>,
}

impl Pollers {
    /// Start a task per source, publishing to `tx`. Call from within a tokio runtime.
    pub fn spawn(sources: &[SourceConfig], tx: mpsc::Sender<Observation>) -> Pollers {
        let mut tasks = Vec::new();
        let mut commands = HashMap::new();
        for config in sources {
            let (command_tx, command_rx) = mpsc::channel(16);
            commands.insert(config.name.clone(), command_tx);
            tasks.push(tokio::spawn(run(config.clone(), tx.clone(), command_rx)));
        }
        Pollers { tasks, commands }
    }

    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }

    /// Queue a finding update for `source`'s task; the outcome arrives as
    /// [`Observation::Updated`].
    pub fn update_findings(&self, source: &str, update: FindingUpdate) -> Result<(), String> {
        let tx = self
            .commands
            .get(source)
            .ok_or_else(|| format!("no source named {source}"))?;
        tx.try_send(update)
            .map_err(|_| format!("{source} is busy; try again in a moment"))
    }
}

impl Drop for Pollers {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

async fn run(
    config: SourceConfig,
    tx: mpsc::Sender<Observation>,
    mut commands: mpsc::Receiver<FindingUpdate>,
) {
    // Spread the first polls of many sources over half a second.
    let start = rand::rng().random_range(0..500);
    tokio::time::sleep(Duration::from_millis(start)).await;
    let mut failures = 0u32;
    let client = loop {
        match Client::connect(&config).await {
            Ok(client) => break client,
            Err(error) => {
                failures += 1;
                let wait = backoff(config.interval, failures, error.retry_after());
                if !publish_failure(&tx, &config.name, error, wait).await {
                    return;
                }
                if !idle(wait, &mut commands, None, &tx, &config.name).await {
                    return;
                }
            }
        }
    };
    loop {
        let started = Instant::now();
        // Each request has its deadline; this bounds a poll of many pages or searches.
        let deadline = poll_deadline(&config);
        let result = match tokio::time::timeout(deadline, client.poll()).await {
            Ok(r) => r,
            Err(_) => Err(SourceError::Timeout(deadline)),
        };
        let wait = match result {
            Ok(poll) => {
                failures = 0;
                let observation = Observation::Data {
                    source: config.name.clone(),
                    at: Utc::now(),
                    snapshot: poll.snapshot,
                    pages: poll.pages,
                    bytes: poll.bytes,
                    elapsed: started.elapsed(),
                };
                if tx.send(observation).await.is_err() {
                    return;
                }
                jitter(config.interval)
            }
            Err(error) => {
                failures += 1;
                let wait = backoff(config.interval, failures, error.retry_after());
                tracing::warn!(source = %config.name, %error, retry_in = ?wait, "poll failed");
                if !publish_failure(&tx, &config.name, error, wait).await {
                    return;
                }
                wait
            }
        };
        if !idle(wait, &mut commands, Some(&client), &tx, &config.name).await {
            return;
        }
    }
}

async fn publish_failure(
    tx: &mpsc::Sender<Observation>,
    source: &str,
    error: SourceError,
    retry_in: Duration,
) -> bool {
    tx.send(Observation::Failed {
        source: source.to_string(),
        at: Utc::now(),
        error,
        retry_in,
    })
    .await
    .is_ok()
}

/// Wait `wait`, carrying out requests meanwhile. False when nobody listens any more.
async fn idle(
    wait: Duration,
    commands: &mut mpsc::Receiver<FindingUpdate>,
    client: Option<&Client>,
    tx: &mpsc::Sender<Observation>,
    source: &str,
) -> bool {
    let until = Instant::now() + wait;
    loop {
        tokio::select! {
            _ = tokio::time::sleep_until(until) => return !tx.is_closed(),
            command = commands.recv() => {
                let Some(update) = command else {
                    // The console is gone; keep polling only if someone still reads.
                    tokio::time::sleep_until(until).await;
                    return !tx.is_closed();
                };
                let result = match client {
                    Some(Client::SecurityHub(hub)) => {
                        hub.update(
                            &update.findings,
                            update.workflow.as_ref(),
                            update.note.as_deref().map(|n| (n, update.by.as_str())),
                        )
                        .await
                    }
                    Some(_) => Err(SourceError::Rejected(
                        "only Security Hub sources take finding updates".into(),
                    )),
                    None => Err(SourceError::Rejected(
                        "the source is not connected yet".into(),
                    )),
                };
                let observation = Observation::Updated {
                    source: source.to_string(),
                    at: Utc::now(),
                    update,
                    result,
                };
                if tx.send(observation).await.is_err() {
                    return false;
                }
            }
        }
    }
}

/// How long one whole poll may take: each request has the timeout, and a poll makes several
/// (plus one for a retry or a login). Saturating: `max_pages = 4294967295` once wrapped this to
/// zero, and every poll "timed out after 0ns" (the config check now refuses it too).
pub fn poll_deadline(config: &SourceConfig) -> Duration {
    config
        .timeout
        .saturating_mul(requests_per_poll(config).saturating_add(1))
}

/// The most requests one poll may make (pages, searches, a login).
fn requests_per_poll(config: &SourceConfig) -> u32 {
    let n = match config.kind {
        super::SourceKind::Securityhub => config.findings_query.max_pages,
        super::SourceKind::Backup => config.backup_query.max_pages,
        // A search, its v1 retry and a login each.
        super::SourceKind::Splunk => u32::try_from(config.search.len())
            .unwrap_or(u32::MAX)
            .saturating_mul(3),
    };
    n.max(1)
}

/// The interval, ±10 %.
pub fn jitter(interval: Duration) -> Duration {
    interval.mul_f64(rand::rng().random_range(0.9..1.1))
}

/// After `failures` failures in a row: 5 s (or the interval if shorter) doubled each time, up
/// to 5 minutes (or the interval if longer), times a random 0.5–1.0; never sooner than the
/// service asked.
pub fn backoff(interval: Duration, failures: u32, retry_after: Option<Duration>) -> Duration {
    let first = interval.min(FIRST_BACKOFF);
    let cap = interval.max(MAX_BACKOFF);
    let doubled = first.saturating_mul(1u32 << failures.saturating_sub(1).min(16));
    let wait = doubled.min(cap).mul_f64(rand::rng().random_range(0.5..=1.0));
    wait.max(retry_after.unwrap_or_default())
        .max(Duration::from_millis(500))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_a_cap_and_honours_retry_after() {
        let minute = Duration::from_secs(60);
        for _ in 0..50 {
            let first = backoff(minute, 1, None);
            assert!(first >= Duration::from_millis(2500) && first <= Duration::from_secs(5));
            let third = backoff(minute, 3, None);
            assert!(third >= Duration::from_secs(10) && third <= Duration::from_secs(20));
            let many = backoff(minute, 40, None);
            assert!(many >= Duration::from_secs(150) && many <= MAX_BACKOFF);
            let told = backoff(minute, 1, Some(Duration::from_secs(90)));
            assert!(told >= Duration::from_secs(90));
            let fast = backoff(Duration::from_secs(1), 1, None);
            assert!(fast >= Duration::from_millis(500) && fast <= Duration::from_secs(1));
        }
    }

    #[test]
    fn the_deadline_of_a_poll_of_many_pages_never_wraps_to_nothing() {
        let text = "[[source]]\nkind = \"securityhub\"\nname = \"hub\"\ntimeout = \"10s\"\n";
        let config: crate::config::Config =
            crate::config::parse_toml("t", text).unwrap_or_else(|e| panic!("{e}"));
        let mut source = config.source[0].clone();
        source.findings_query.max_pages = u32::MAX;
        assert!(poll_deadline(&source) >= Duration::from_secs(10));
        source.findings_query.max_pages = 3;
        assert_eq!(poll_deadline(&source), Duration::from_secs(40));
    }

    #[test]
    fn jitter_stays_within_ten_percent() {
        for _ in 0..100 {
            let j = jitter(Duration::from_secs(10));
            assert!(j >= Duration::from_secs(9) && j <= Duration::from_secs(11));
        }
    }
}
