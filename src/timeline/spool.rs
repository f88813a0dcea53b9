//! The offline spool: when the team's server cannot be reached, a console's actions wait in a
//! small local SQLite file and are sent, in their original order and exactly once (the event
//! id is the idempotency key: the server skips an id it already holds), when it comes back.
//!
//! `SpooledStore` wraps another store (PostgreSQL). An append goes straight through while the
//! link is up and nothing waits; otherwise it joins the spool, durably, and comes back pending
//! (`Appended::is_pending`). A background thread sends the spool with backoff, and between
//! times checks the link, so [`Store::health`] can tell the header "offline — N pending".

use super::store::{
    Appended, Head, Link, Presence, RawEvent, Sink, Store, StoreError, StoreHealth, Subscription,
};
use super::{Author, EventBody, IncidentId, NewEvent, format_time, parse_time};
use rusqlite::{Connection, params};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;
use uuid::Uuid;

/// Events sent per transaction when the spool drains. Each costs the append two round trips
/// under the server's append lock, so a batch must fit the operation's timeout on a slow link
/// (25 × 2 × 200 ms = 10 s < 20 s).
const BATCH: usize = 25;
/// How often an idle link is checked.
const PROBE: Duration = Duration::from_secs(2);
const BACKOFF_MIN: Duration = Duration::from_millis(250);
const BACKOFF_MAX: Duration = Duration::from_secs(10);

struct Shared {
    inner: Arc<dyn Store>,
    spool: Mutex<Connection>,
    spool_path: PathBuf,
    /// Held across "is anything waiting? then send directly, or spool" and across each drain,
    /// so a new event never overtakes one that waits.
    order: Mutex<()>,
    pending: AtomicU64,
    state: Mutex<(Link, Option<String>)>,
    wake: (Mutex<bool>, Condvar),
    stop: AtomicBool,
}

pub struct SpooledStore {
    shared: Arc<Shared>,
}

impl SpooledStore {
    /// Wrap `inner`, spooling to `spool_path` (created mode 0600: it holds timeline text).
    /// Events left in the spool by an earlier run are sent first.
    pub fn new(inner: Arc<dyn Store>, spool_path: &Path) -> Result<SpooledStore, StoreError> {
        let conn = open_spool(spool_path)?;
        let waiting: i64 = conn
            .query_row("SELECT count(*) FROM spool", [], |r| r.get(0))
            .map_err(|e| spool_error(spool_path, e))?;
        let shared = Arc::new(Shared {
            inner,
            spool: Mutex::new(conn),
            spool_path: spool_path.to_path_buf(),
            order: Mutex::new(()),
            pending: AtomicU64::new(waiting as u64),
            state: Mutex::new((Link::Online, None)),
            wake: (Mutex::new(false), Condvar::new()),
            stop: AtomicBool::new(false),
        });
        let worker = shared.clone();
        std::thread::Builder::new()
            .name("spool".into())
            .spawn(move || drain_loop(&worker))
            .map_err(|e| StoreError::Io {
                store: spool_path.display().to_string(),
                detail: format!("cannot start the spool's sender: {e}"),
            })?;
        Ok(SpooledStore { shared })
    }

    /// The spool file for a server: one per URL, in `dir`.
    pub fn path_for(dir: &Path, url: &str) -> PathBuf {
        crate::config::store_file(dir, "spool", &super::open::mask_password(url), "db")
    }

    pub fn spool_path(&self) -> &Path {
        &self.shared.spool_path
    }
}

impl Drop for SpooledStore {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        self.shared.poke();
    }
}

impl Shared {
    fn poke(&self) {
        let (lock, cv) = &self.wake;
        *lock.lock().unwrap_or_else(|p| p.into_inner()) = true;
        cv.notify_all();
    }

    fn wait(&self, d: Duration) {
        let (lock, cv) = &self.wake;
        let mut woken = lock.lock().unwrap_or_else(|p| p.into_inner());
        if !*woken {
            woken = cv
                .wait_timeout(woken, d)
                .map(|(g, _)| g)
                .unwrap_or_else(|p| p.into_inner().0);
        }
        *woken = false;
    }

    fn set_state(&self, link: Link, detail: Option<String>) {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if s.0 != link {
            match &detail {
                Some(d) => {
                    tracing::warn!(store = %self.inner.describe(), state = ?link, detail = %d, "store link changed")
                }
                None => tracing::info!(store = %self.inner.describe(), state = ?link, "store link changed"),
            }
        }
        *s = (link, detail);
    }

    fn spool_events(&self, events: &[NewEvent]) -> Result<Vec<Appended>, StoreError> {
        let mut conn = self.spool.lock().unwrap_or_else(|p| p.into_inner());
        let tx = conn.transaction().map_err(|e| spool_error(&self.spool_path, e))?;
        let mut added = 0;
        {
            let mut insert = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO spool (id, recorded_at, occurred_at, author, incident, kind, payload, dedup_key)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )
                .map_err(|e| spool_error(&self.spool_path, e))?;
            for e in events {
                added += insert
                    .execute(params![
                        e.id.to_string(),
                        format_time(e.recorded_at),
                        e.occurred_at.map(format_time),
                        e.author.0,
                        e.incident.0,
                        e.body.kind(),
                        e.body.payload_json(),
                        e.dedup_key,
                    ])
                    .map_err(|e| spool_error(&self.spool_path, e))?;
            }
        }
        tx.commit().map_err(|e| spool_error(&self.spool_path, e))?;
        self.pending.fetch_add(added as u64, Ordering::SeqCst);
        self.poke();
        // Not placed yet: sequence number 0 marks them pending.
        Ok(events
            .iter()
            .map(|e| Appended {
                event: RawEvent::place(e, 0, super::Hash::GENESIS).into_event(),
                duplicate: false,
            })
            .collect())
    }

    /// The oldest waiting events, in their order.
    fn oldest(&self) -> Result<Vec<(i64, NewEvent)>, StoreError> {
        let conn = self.spool.lock().unwrap_or_else(|p| p.into_inner());
        let mut stmt = conn
            .prepare_cached(
                "SELECT n, id, recorded_at, occurred_at, author, incident, kind, payload, dedup_key
                 FROM spool ORDER BY n LIMIT ?1",
            )
            .map_err(|e| spool_error(&self.spool_path, e))?;
        let rows = stmt
            .query_map([BATCH as i64], |r| {
                let id: String = r.get(1)?;
                let recorded: String = r.get(2)?;
                let occurred: Option<String> = r.get(3)?;
                let kind: String = r.get(6)?;
                let payload: String = r.get(7)?;
                Ok((
                    r.get::<_, i64>(0)?,
                    NewEvent {
                        id: Uuid::parse_str(&id).unwrap_or_default(),
                        recorded_at: parse_time(&recorded).unwrap_or_default(),
                        occurred_at: occurred.as_deref().and_then(parse_time),
                        author: Author(r.get(4)?),
                        incident: IncidentId(r.get(5)?),
                        body: EventBody::from_stored(&kind, &payload),
                        dedup_key: r.get(8)?,
                        unchanged: None, // never spooled (see `append_batch`)
                    },
                ))
            })
            .map_err(|e| spool_error(&self.spool_path, e))?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(|e| spool_error(&self.spool_path, e))
    }

    fn forget_through(&self, n: i64, count: usize) -> Result<(), StoreError> {
        let conn = self.spool.lock().unwrap_or_else(|p| p.into_inner());
        conn.execute("DELETE FROM spool WHERE n <= ?1", [n])
            .map_err(|e| spool_error(&self.spool_path, e))?;
        let _ = self
            .pending
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |p| {
                Some(p.saturating_sub(count as u64))
            });
        Ok(())
    }

    /// Send what waits, oldest first; true when the spool is empty.
    fn drain_once(&self) -> Result<bool, StoreError> {
        let _order = self.order.lock().unwrap_or_else(|p| p.into_inner());
        let batch = self.oldest()?;
        let Some(&(last, _)) = batch.last() else {
            self.pending.store(0, Ordering::SeqCst);
            return Ok(true);
        };
        let events: Vec<NewEvent> = batch.into_iter().map(|(_, e)| e).collect();
        // Exactly once: an event the server already holds (sent before a lost answer) comes
        // back as a duplicate and is not written again.
        self.inner.append_batch(&events)?;
        self.forget_through(last, events.len())?;
        tracing::info!(store = %self.inner.describe(), sent = events.len(), "spooled events sent");
        Ok(self.pending.load(Ordering::SeqCst) == 0)
    }
}

fn drain_loop(s: &Shared) {
    let mut backoff = BACKOFF_MIN;
    loop {
        if s.stop.load(Ordering::SeqCst) {
            return;
        }
        let waiting = s.pending.load(Ordering::SeqCst) > 0;
        let result = if waiting {
            s.drain_once()
        } else {
            s.inner.head().map(|_| true)
        };
        match result {
            Ok(empty) => {
                s.set_state(Link::Online, None);
                backoff = BACKOFF_MIN;
                if !empty {
                    continue;
                }
                s.wait(PROBE);
            }
            Err(e) => {
                let link = if e.is_unreachable() {
                    Link::Offline
                } else {
                    Link::Failing
                };
                s.set_state(link, Some(e.to_string()));
                // jittered, so many consoles do not all knock at once when the server returns
                let jitter = 0.5 + rand::random::<f64>() * 0.5;
                s.wait(backoff.mul_f64(jitter));
                backoff = (backoff * 2).min(BACKOFF_MAX);
            }
        }
    }
}

impl Store for SpooledStore {
    fn describe(&self) -> String {
        self.shared.inner.describe()
    }

    // Presence is not spooled: a console the server cannot hear from is not present there.
    fn mark_present(&self, presence: &Presence) -> Result<(), StoreError> {
        self.shared.inner.mark_present(presence)
    }

    fn present(&self, since: chrono::DateTime<chrono::Utc>) -> Result<Vec<Presence>, StoreError> {
        self.shared.inner.present(since)
    }

    fn append_batch(&self, events: &[NewEvent]) -> Result<Vec<Appended>, StoreError> {
        let s = &self.shared;
        let _order = s.order.lock().unwrap_or_else(|p| p.into_inner());
        // A conditional append is checked by the server when it commits; a spool cannot check
        // it, and sending it past what waits would reorder this console's actions.
        let conditional = events.iter().any(|e| e.unchanged.is_some());
        let cannot_check = || {
            StoreError::Conflict {
            store: s.inner.describe(),
            seq: 0,
            detail: "the server cannot be reached, and this change must be checked against the shared record when it is made; try again once it is back".into(),
        }
        };
        if s.pending.load(Ordering::SeqCst) > 0 {
            if conditional {
                return Err(cannot_check());
            }
            return s.spool_events(events);
        }
        match s.inner.append_batch(events) {
            Ok(out) => Ok(out),
            Err(e) if e.is_unreachable() => {
                s.set_state(Link::Offline, Some(e.to_string()));
                if conditional {
                    return Err(cannot_check());
                }
                s.spool_events(events)
            }
            Err(e) => Err(e),
        }
    }

    fn scan_raw(
        &self,
        after: u64,
        incident: Option<&IncidentId>,
        visit: &mut dyn FnMut(RawEvent) -> bool,
    ) -> Result<(), StoreError> {
        self.shared.inner.scan_raw(after, incident, visit)
    }

    fn head(&self) -> Result<Head, StoreError> {
        self.shared.inner.head()
    }

    fn subscribe(&self, after: u64, sink: Sink) -> Result<Subscription, StoreError> {
        self.shared.inner.subscribe(after, sink)
    }

    fn import_raw(&self, events: &[RawEvent]) -> Result<(), StoreError> {
        self.shared.inner.import_raw(events)
    }

    fn health(&self) -> StoreHealth {
        let s = &self.shared;
        let pending = s.pending.load(Ordering::SeqCst);
        // The wrapped store's own trouble (its file replaced, say) comes first: the spool's
        // view of the link cannot see it.
        let inner = s.inner.health();
        if inner.link != Link::Online {
            return StoreHealth {
                pending: pending + inner.pending,
                ..inner
            };
        }
        let (link, detail) = s.state.lock().unwrap_or_else(|p| p.into_inner()).clone();
        StoreHealth {
            link,
            pending,
            detail,
        }
    }
}

fn open_spool(path: &Path) -> Result<Connection, StoreError> {
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::Io {
            store: path.display().to_string(),
            detail: format!("cannot create the spool's folder: {e}"),
        })?;
    }
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => {
            return Err(StoreError::Io {
                store: path.display().to_string(),
                detail: format!("cannot create the spool: {e}"),
            });
        }
    }
    let conn = Connection::open(path).map_err(|e| spool_error(path, e))?;
    conn.busy_timeout(Duration::from_secs(30))
        .map_err(|e| spool_error(path, e))?;
    super::sqlite::use_wal(&conn).map_err(|e| spool_error(path, e))?;
    // The table is made under the write lock taken first (BEGIN IMMEDIATE waits for it): a
    // plain CREATE reads the schema, then upgrades to a write, and SQLite refuses that upgrade
    // without waiting when another console created the table in between.
    conn.execute_batch(
        "PRAGMA synchronous = FULL;
         BEGIN IMMEDIATE;
         CREATE TABLE IF NOT EXISTS spool (
             n           INTEGER PRIMARY KEY AUTOINCREMENT,
             id          TEXT    NOT NULL UNIQUE,
             recorded_at TEXT    NOT NULL,
             occurred_at TEXT,
             author      TEXT    NOT NULL,
             incident    TEXT    NOT NULL,
             kind        TEXT    NOT NULL,
             payload     TEXT    NOT NULL,
             dedup_key   TEXT
         );
         COMMIT;",
    )
    .map_err(|e| spool_error(path, e))?;
    Ok(conn)
}

fn spool_error(path: &Path, e: rusqlite::Error) -> StoreError {
    StoreError::Io {
        store: path.display().to_string(),
        detail: format!("the offline spool: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::sqlite::SqliteStore;

    use crate::timeline::test_note as note;

    /// Two consoles of one user share the spool file of a server. Opened at the same moment,
    /// both must get it: the one that finds no table must not fail because the other just
    /// created it (a stale read upgraded to a write is refused without waiting).
    #[test]
    fn consoles_opening_one_spool_at_once_both_get_it() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        for round in 0..40 {
            let path = dir.path().join(format!("spool-{round}.db"));
            let start = Arc::new(std::sync::Barrier::new(4));
            let openers: Vec<_> = (0..4)
                .map(|_| {
                    let (path, start) = (path.clone(), start.clone());
                    std::thread::spawn(move || {
                        start.wait();
                        open_spool(&path).map(|_| ()).map_err(|e| e.to_string())
                    })
                })
                .collect();
            for opener in openers {
                let opened = opener.join().map_err(|_| "an opener panicked")?;
                assert_eq!(opened, Ok(()), "round {round}");
            }
        }
        Ok(())
    }

    /// The wrapped store's own trouble (a local file deleted under it) shows through the spool,
    /// and its appends fail rather than wait in the spool as if the link were only down.
    #[test]
    fn the_inner_stores_health_passes_through() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("t.db");
        let inner: Arc<dyn Store> = Arc::new(SqliteStore::open(&path)?);
        let spooled = SpooledStore::new(inner, &dir.path().join("spool.db"))?;
        spooled.append(note("saved"))?;
        assert_eq!(spooled.health().link, Link::Online);
        std::fs::remove_file(&path)?;
        let health = spooled.health();
        assert_eq!(health.link, Link::Replaced, "{health:?}");
        assert!(health.detail.is_some_and(|d| d.contains("deleted")));
        let err = spooled.append(note("lost")).err();
        assert!(matches!(err, Some(StoreError::Replaced { .. })), "{err:?}");
        assert_eq!(spooled.health().pending, 0);
        Ok(())
    }
}
