//! The embedded back end: one SQLite file in WAL mode, shared by every process on a host.
//!
//! Appends run in a `BEGIN IMMEDIATE` transaction, so writers queue on SQLite's own lock and
//! each extends the hash chain from the head it read inside that lock. `synchronous=FULL`
//! makes an append durable (fsynced) before it returns. Other processes learn of new rows by
//! watching the database's folder with `notify`, with a cheap poll behind it.
//!
//! A store remembers which file it opened (device and inode). If the path comes to name
//! another file, or none (`mv other.db store.db`, `rm store.db`), its connections would go on
//! writing to a file no one else can open: so every append checks before its transaction and
//! after its commit, and fails with [`StoreError::Replaced`], and [`Store::health`] says so.

use super::chain;
use super::chain::Hash;
use super::store::{
    Appended, Head, Link, PRESENCE_KEPT, Presence, RawEvent, Sink, Store, StoreError, StoreHealth,
    Subscription, decode_stored,
};
use super::{Event, IncidentId, NewEvent, Unchanged, format_time, parse_time};
use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension, TransactionBehavior, params};
use std::fs::OpenOptions;
use std::io::ErrorKind;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

/// `PRAGMA application_id`: "WRRM". Marks the file as ours.
const APPLICATION_ID: i64 = 0x5752_524D;
/// The newest store schema this build knows (`PRAGMA user_version`).
pub const STORE_SCHEMA: i64 = 1;
/// How long a writer waits for another process's transaction before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);
/// Poll intervals behind the file watcher: a slow safety net when the watcher works, and a
/// quick one (inside the 250 ms propagation target) when it cannot be started.
const POLL_WITH_WATCHER: Duration = Duration::from_millis(1000);
const POLL_WITHOUT_WATCHER: Duration = Duration::from_millis(150);
/// After file activity: how often, and for how long, to look for the commit it announced.
const HOT_POLL: Duration = Duration::from_millis(5);
const HOT_WINDOW: Duration = Duration::from_millis(250);

/// Schema migrations; entry `n` takes the store from version `n` to `n + 1`.
const MIGRATIONS: &[&str] = &["
    CREATE TABLE events (
        seq         INTEGER PRIMARY KEY,
        id          TEXT    NOT NULL UNIQUE,
        schema      INTEGER NOT NULL,
        recorded_at TEXT    NOT NULL,
        occurred_at TEXT,
        author      TEXT    NOT NULL,
        incident    TEXT    NOT NULL,
        kind        TEXT    NOT NULL,
        payload     TEXT    NOT NULL,
        dedup_key   TEXT    UNIQUE,
        prev_hash   BLOB    NOT NULL,
        hash        BLOB    NOT NULL
    );
    CREATE INDEX events_by_incident ON events (incident, seq);
    CREATE TABLE chain_head (
        one  INTEGER PRIMARY KEY CHECK (one = 1),
        seq  INTEGER NOT NULL,
        hash BLOB    NOT NULL
    );
    INSERT INTO chain_head (one, seq, hash) VALUES (1, 0, zeroblob(32));
"];

const SELECT_COLUMNS: &str =
    "seq, id, schema, recorded_at, occurred_at, author, incident, kind, payload, dedup_key, prev_hash, hash";

/// Which consoles are open ([`Presence`]): made by the first console to mark itself, not by a
/// migration, so that older builds open the store as before and a read-only store opens too.
const PRESENCE_TABLE: &str = "CREATE TABLE IF NOT EXISTS presence (
    console  TEXT PRIMARY KEY,
    who      TEXT NOT NULL,
    incident TEXT,
    seen_at  TEXT NOT NULL
)";

pub struct SqliteStore {
    path: PathBuf,
    writer: Mutex<Connection>,
    reader: Mutex<Connection>,
    file: Arc<FileIdentity>,
}

/// The database file a store opened, by device and inode. The path may later name another
/// file, or none; this process's connections still hold the old one, which nobody who opens
/// the path will ever read.
///
/// The write-ahead log is another matter: it and its index are found by name (`PATH-wal`,
/// `PATH-shm`), so whoever opens the path next would lay this file's uncheckpointed pages over
/// the new one, and SQLite leaves them behind when the last connection to a moved file closes.
/// So the first connection to see the change checkpoints the log into the old file and
/// truncates it ([`FileIdentity::settle`]), once, promptly (the watcher sees a rename or
/// removal at once), before a newcomer has written to the log under the same name.
struct FileIdentity {
    path: PathBuf,
    dev: u64,
    ino: u64,
    watch: Mutex<Watch>,
}

#[derive(Default)]
struct Watch {
    /// Since when the path has named another file, or none (None: it names ours).
    gone_since: Option<Instant>,
    /// Whether this change's write-ahead log has been dealt with (or given up on).
    settled: bool,
}

/// What became of the store's path.
struct Change {
    how: String,
    /// Certainly another file or none (not just a look that failed, as for a folder whose
    /// permissions changed): only then is the log ours to settle.
    certain: bool,
}

/// How long after a change the log may still be checkpointed: after that a newcomer may have
/// written to it, and truncating it would lose their work.
const SETTLE_WINDOW: Duration = Duration::from_secs(10);

impl FileIdentity {
    fn of(path: &Path) -> Result<FileIdentity, StoreError> {
        let m = std::fs::metadata(path).map_err(|e| io_error(&path.display().to_string(), e))?;
        Ok(FileIdentity {
            path: path.to_path_buf(),
            dev: m.dev(),
            ino: m.ino(),
            watch: Mutex::new(Watch::default()),
        })
    }

    /// `None` while the path still names the file opened; otherwise what became of it. Each
    /// change, and a return, is logged once.
    fn changed(&self) -> Option<Change> {
        let change = match std::fs::metadata(&self.path) {
            Ok(m) if (m.dev(), m.ino()) == (self.dev, self.ino) => None,
            Ok(_) => Some(Change {
                how: "replaced by another file".into(),
                certain: true,
            }),
            Err(e) if e.kind() == ErrorKind::NotFound => Some(Change {
                how: "deleted".into(),
                certain: true,
            }),
            Err(e) => Some(Change {
                how: format!("made unreachable ({e})"),
                certain: false,
            }),
        };
        let mut w = self.watch.lock().unwrap_or_else(|p| p.into_inner());
        match (&change, w.gone_since) {
            (Some(c), None) => {
                tracing::error!(store = %self.path.display(), how = %c.how, "the store file changed under this process; appends are refused");
                *w = Watch {
                    gone_since: Some(Instant::now()),
                    settled: false,
                };
            }
            (None, Some(_)) => {
                tracing::info!(store = %self.path.display(), "the store file is back at its path");
                *w = Watch::default();
            }
            _ => {}
        }
        change
    }

    /// An error unless the path still names the file opened; when it certainly does not,
    /// first settle the write-ahead log through `conn` (a connection to the old file).
    fn check(&self, conn: &Connection) -> Result<(), StoreError> {
        let Some(change) = self.changed() else {
            return Ok(());
        };
        if change.certain {
            self.settle(conn);
        }
        Err(self.refusal(change))
    }

    fn refusal(&self, change: Change) -> StoreError {
        StoreError::Replaced {
            store: self.path.display().to_string(),
            how: change.how,
        }
    }

    /// Checkpoint the old file's log into it and truncate the log, so the next process to
    /// open the path does not read this file's pages as the new one's. Once per change, and
    /// only soon after it.
    fn settle(&self, conn: &Connection) {
        let mut w = self.watch.lock().unwrap_or_else(|p| p.into_inner());
        let Some(since) = w.gone_since.filter(|_| !w.settled) else {
            return;
        };
        let wal = format!("{}-wal", self.path.display());
        if since.elapsed() > SETTLE_WINDOW {
            w.settled = true;
            tracing::error!(store = %self.path.display(), %wal, "the old store's write-ahead log was not truncated in time; whoever opens the path may see its pages: quit every warroom that had the old file open, then check the store with `warroom verify`");
            return;
        }
        // (busy, frames in the log, frames checkpointed): busy 0 means it is done.
        let done = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get::<_, i64>(0));
        match done {
            Ok(0) => {
                w.settled = true;
                tracing::info!(store = %self.path.display(), %wal, "the old store's write-ahead log was checkpointed into it and truncated");
            }
            Ok(_) => {
                tracing::warn!(store = %self.path.display(), "the old store's write-ahead log is busy; will try again")
            }
            Err(e) => {
                tracing::warn!(store = %self.path.display(), error = %e, "cannot checkpoint the old store's write-ahead log; will try again")
            }
        }
    }
}

impl SqliteStore {
    /// Open the store at `path`, creating it (mode 0660 under the umask) if it does not exist.
    pub fn open(path: impl AsRef<Path>) -> Result<SqliteStore, StoreError> {
        let path = path.as_ref().to_path_buf();
        create_if_missing(&path)?;
        let file = Arc::new(FileIdentity::of(&path)?);
        let writer = connect(&path)?;
        migrate(&path, &writer)?;
        let reader = connect(&path)?;
        // Still the same file after connecting: so the connections hold the file remembered.
        file.check(&writer)?;
        Ok(SqliteStore {
            path,
            writer: Mutex::new(writer),
            reader: Mutex::new(reader),
            file,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn name(&self) -> String {
        self.path.display().to_string()
    }

    /// Walk rows in one read transaction: a consistent snapshot however long the walk takes.
    fn read<T>(
        &self,
        after: u64,
        incident: Option<&IncidentId>,
        decode: fn(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
        visit: &mut dyn FnMut(T) -> bool,
    ) -> Result<(), StoreError> {
        let conn = self.reader.lock().unwrap_or_else(|p| p.into_inner());
        // Once the path names another file, the log this connection reads may hold the
        // newcomer's pages: nothing read then is trusted.
        self.file.check(&conn)?;
        conn.execute_batch("BEGIN DEFERRED")
            .map_err(|e| sql_error(&self.path, e))?;
        let result = scan_conn(&conn, after, incident, decode, visit);
        let _ = conn.execute_batch("COMMIT");
        result.map_err(|e| sql_error(&self.path, e))?;
        self.file.check(&conn)
    }
}

fn create_if_missing(path: &Path) -> Result<(), StoreError> {
    if path.exists() {
        return Ok(());
    }
    let name = path.display().to_string();
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| io_error(&name, e))?;
    }
    // Group-shareable for a responders' group; the umask may take more away, never add.
    match OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o660)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(io_error(&name, e)),
    }
}

fn io_error(name: &str, e: std::io::Error) -> StoreError {
    match e.kind() {
        ErrorKind::PermissionDenied | ErrorKind::ReadOnlyFilesystem => StoreError::ReadOnly {
            store: name.to_string(),
            detail: e.to_string(),
        },
        ErrorKind::StorageFull => StoreError::DiskFull {
            store: name.to_string(),
        },
        _ => StoreError::Io {
            store: name.to_string(),
            detail: e.to_string(),
        },
    }
}

fn connect(path: &Path) -> Result<Connection, StoreError> {
    let flags =
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
    let conn = Connection::open_with_flags(path, flags).map_err(|e| sql_error(path, e))?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(|e| sql_error(path, e))?;
    // The first statement that reads the header tells a non-database apart.
    let mode = use_wal(&conn).map_err(|e| sql_error(path, e))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Io {
            store: path.display().to_string(),
            detail: format!("cannot use write-ahead logging here (journal mode {mode})"),
        });
    }
    conn.execute_batch("PRAGMA synchronous = FULL; PRAGMA foreign_keys = OFF;")
        .map_err(|e| sql_error(path, e))?;
    Ok(conn)
}

/// Turn write-ahead logging on and say which journal mode the file is in. On a new file, two
/// processes switching it at once deadlock on its lock and SQLite answers one of them "busy"
/// at once, without the busy handler's wait: that one lets go and asks again.
pub(super) fn use_wal(conn: &Connection) -> rusqlite::Result<String> {
    let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
    loop {
        match conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0)) {
            Err(rusqlite::Error::SqliteFailure(f, _))
                if f.code == ErrorCode::DatabaseBusy && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(5 + rand::random::<u64>() % 20));
            }
            answer => return answer,
        }
    }
}

/// Map SQLite's error codes to what a user can act on.
fn sql_error(path: &Path, e: rusqlite::Error) -> StoreError {
    let store = path.display().to_string();
    let code = match &e {
        rusqlite::Error::SqliteFailure(f, _) => Some(f.code),
        _ => None,
    };
    match code {
        Some(ErrorCode::NotADatabase) => StoreError::NotAStore {
            store,
            detail: "the file is not an SQLite database".into(),
        },
        Some(ErrorCode::ReadOnly) | Some(ErrorCode::PermissionDenied) | Some(ErrorCode::CannotOpen) => {
            StoreError::ReadOnly {
                store,
                detail: e.to_string(),
            }
        }
        Some(ErrorCode::DiskFull) => StoreError::DiskFull { store },
        // A write that hits ENOSPC in the WAL often surfaces as a plain I/O error.
        Some(ErrorCode::SystemIoFailure) if nearly_full(path) => StoreError::DiskFull { store },
        Some(ErrorCode::DatabaseBusy) | Some(ErrorCode::DatabaseLocked) => StoreError::Busy { store },
        _ => StoreError::Io {
            store,
            detail: e.to_string(),
        },
    }
}

/// Whether the filesystem holding `path` has (almost) no space left for us.
fn nearly_full(path: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let Ok(c_path) = std::ffi::CString::new(dir.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: statvfs only writes into the struct we pass, and c_path is a valid C string.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statvfs(c_path.as_ptr(), &mut st) } != 0 {
        return false;
    }
    (st.f_bavail as u64).saturating_mul(st.f_frsize as u64) < 1024 * 1024
}

/// Bring a store up to [`STORE_SCHEMA`], or refuse a file that is not ours or is too new.
fn migrate(path: &Path, conn: &Connection) -> Result<(), StoreError> {
    let err = |e| sql_error(path, e);
    let read_ids = |c: &Connection| -> rusqlite::Result<(i64, i64, i64)> {
        let app: i64 = c.query_row("PRAGMA application_id", [], |r| r.get(0))?;
        let ver: i64 = c.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let tables: i64 = c.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?;
        Ok((app, ver, tables))
    };
    let check = |(app, ver, tables): (i64, i64, i64)| -> Result<bool, StoreError> {
        if app == 0 && ver == 0 && tables == 0 {
            return Ok(true); // brand new
        }
        if app != APPLICATION_ID {
            return Err(StoreError::NotAStore {
                store: path.display().to_string(),
                detail: "it is an SQLite database, but another program's".into(),
            });
        }
        if ver > STORE_SCHEMA {
            return Err(StoreError::TooNew {
                store: path.display().to_string(),
                found: ver,
                supported: STORE_SCHEMA,
            });
        }
        Ok(ver < STORE_SCHEMA)
    };
    // One snapshot for the three: read one by one, another process's creation could land
    // between them and a half-seen new store look like another program's.
    let first = {
        let tx = rusqlite::Transaction::new_unchecked(conn, TransactionBehavior::Deferred).map_err(err)?;
        let ids = read_ids(&tx).map_err(err)?;
        tx.commit().map_err(err)?;
        ids
    };
    if !check(first)? {
        return Ok(());
    }
    // Another process may be creating the same store: decide again under the write lock.
    let tx = rusqlite::Transaction::new_unchecked(conn, TransactionBehavior::Immediate).map_err(err)?;
    let (app, ver, tables) = read_ids(&tx).map_err(err)?;
    if !check((app, ver, tables))? {
        return Ok(());
    }
    let from = if app == 0 { 0 } else { ver };
    for step in &MIGRATIONS[from as usize..] {
        tx.execute_batch(step).map_err(err)?;
    }
    tx.execute_batch(&format!(
        "PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {STORE_SCHEMA};"
    ))
    .map_err(err)?;
    tx.commit().map_err(err)
}

fn row_to_raw(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawEvent> {
    let blob_hash = |i: usize| -> rusqlite::Result<Hash> {
        let b: Vec<u8> = r.get(i)?;
        Ok(Hash::from_slice(&b).unwrap_or_default())
    };
    Ok(RawEvent {
        seq: r.get::<_, i64>(0)? as u64,
        id: r.get(1)?,
        schema: r.get::<_, i64>(2)? as u32,
        recorded_at: r.get(3)?,
        occurred_at: r.get(4)?,
        author: r.get(5)?,
        incident: r.get(6)?,
        kind: r.get(7)?,
        payload: r.get(8)?,
        dedup_key: r.get(9)?,
        prev_hash: blob_hash(10)?,
        hash: blob_hash(11)?,
    })
}

/// Decode straight from the row's borrowed text: no intermediate copies on the replay path.
fn row_to_event(r: &rusqlite::Row<'_>) -> rusqlite::Result<Event> {
    let text = |i: usize| -> rusqlite::Result<&str> {
        r.get_ref(i)?.as_str().map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
        })
    };
    let optional = |i: usize| -> rusqlite::Result<Option<&str>> {
        match r.get_ref(i)? {
            rusqlite::types::ValueRef::Null => Ok(None),
            _ => text(i).map(Some),
        }
    };
    let hash = |i: usize| -> rusqlite::Result<Hash> {
        let b = r.get_ref(i)?.as_blob().unwrap_or_default();
        Ok(Hash::from_slice(b).unwrap_or_default())
    };
    let stored = chain::Stored {
        seq: r.get::<_, i64>(0)? as u64,
        id: text(1)?,
        schema: r.get::<_, i64>(2)? as u32,
        recorded_at: text(3)?,
        occurred_at: optional(4)?,
        author: text(5)?,
        incident: text(6)?,
        kind: text(7)?,
        payload: text(8)?,
        dedup_key: optional(9)?,
    };
    Ok(decode_stored(&stored, hash(10)?, hash(11)?))
}

fn find_existing(tx: &rusqlite::Transaction<'_>, e: &NewEvent) -> rusqlite::Result<Option<RawEvent>> {
    let by_id = tx
        .prepare_cached(&format!("SELECT {SELECT_COLUMNS} FROM events WHERE id = ?1"))?
        .query_row([e.id.to_string()], row_to_raw)
        .optional()?;
    if by_id.is_some() || e.dedup_key.is_none() {
        return Ok(by_id);
    }
    tx.prepare_cached(&format!(
        "SELECT {SELECT_COLUMNS} FROM events WHERE dedup_key = ?1"
    ))?
    .query_row([&e.dedup_key], row_to_raw)
    .optional()
}

/// The first event that breaks an append's condition: one of its kinds, on its incident, after
/// what the deciding console had seen (the incident index makes this a look at the newest rows).
fn changed_since(
    tx: &rusqlite::Transaction<'_>,
    incident: &IncidentId,
    cond: &Unchanged,
) -> rusqlite::Result<Option<(u64, String)>> {
    let mut stmt =
        tx.prepare_cached("SELECT seq, kind FROM events WHERE incident = ?1 AND seq > ?2 ORDER BY seq")?;
    let mut rows = stmt.query(params![incident.0, cond.since as i64])?;
    while let Some(row) = rows.next()? {
        let kind: String = row.get(1)?;
        if cond.kinds.contains(&kind.as_str()) {
            return Ok(Some((row.get::<_, i64>(0)? as u64, kind)));
        }
    }
    Ok(None)
}

/// Append under the write lock: `Ok(Err((seq, kind)))` when a condition failed (nothing written).
fn append_locked(
    conn: &mut Connection,
    events: &[NewEvent],
) -> rusqlite::Result<Result<Vec<Appended>, (u64, String)>> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let (mut seq, mut prev) = tx.query_row("SELECT seq, hash FROM chain_head WHERE one = 1", [], |r| {
        let b: Vec<u8> = r.get(1)?;
        Ok((
            r.get::<_, i64>(0)? as u64,
            Hash::from_slice(&b).unwrap_or_default(),
        ))
    })?;
    for e in events {
        if let Some(cond) = &e.unchanged
            && find_existing(&tx, e)?.is_none()
            && let Some(conflict) = changed_since(&tx, &e.incident, cond)?
        {
            return Ok(Err(conflict));
        }
    }
    let mut out = Vec::with_capacity(events.len());
    {
        let mut insert = tx.prepare_cached(
            "INSERT INTO events (seq, id, schema, recorded_at, occurred_at, author, incident, kind, payload, dedup_key, prev_hash, hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )?;
        for e in events {
            if let Some(existing) = find_existing(&tx, e)? {
                out.push(Appended {
                    event: existing.into_event(),
                    duplicate: true,
                });
                continue;
            }
            // Two events of one batch may share a dedup key: the first wins.
            if let Some(key) = &e.dedup_key
                && let Some(first) = out.iter().find(|a| a.event.dedup_key.as_ref() == Some(key))
            {
                let event = first.event.clone();
                out.push(Appended {
                    event,
                    duplicate: true,
                });
                continue;
            }
            seq += 1;
            let raw = RawEvent::place(e, seq, prev);
            insert_row(&mut insert, &raw)?;
            prev = raw.hash;
            out.push(Appended {
                event: raw.decode(),
                duplicate: false,
            });
        }
    }
    tx.execute(
        "UPDATE chain_head SET seq = ?1, hash = ?2 WHERE one = 1",
        params![seq as i64, &prev.0[..]],
    )?;
    tx.commit()?;
    Ok(Ok(out))
}

/// One event into the events table, exactly as placed (appends and copies alike).
fn insert_row(insert: &mut rusqlite::CachedStatement<'_>, raw: &RawEvent) -> rusqlite::Result<usize> {
    insert.execute(params![
        raw.seq as i64,
        raw.id,
        raw.schema as i64,
        raw.recorded_at,
        raw.occurred_at,
        raw.author,
        raw.incident,
        raw.kind,
        raw.payload,
        raw.dedup_key,
        &raw.prev_hash.0[..],
        &raw.hash.0[..],
    ])
}

/// Copied events, verbatim, after the head (see [`Store::import_raw`]).
fn import_locked(conn: &mut Connection, events: &[RawEvent]) -> Result<Result<(), String>, rusqlite::Error> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let (seq, hash) = tx.query_row("SELECT seq, hash FROM chain_head WHERE one = 1", [], |r| {
        let b: Vec<u8> = r.get(1)?;
        Ok((
            r.get::<_, i64>(0)? as u64,
            Hash::from_slice(&b).unwrap_or_default(),
        ))
    })?;
    let (Some(first), Some(last)) = (events.first(), events.last()) else {
        return Ok(Ok(()));
    };
    if first.seq != seq + 1 || first.prev_hash != hash {
        return Ok(Err(format!(
            "the store holds {seq} events, and the copied ones do not continue its chain (they start at event {})",
            first.seq
        )));
    }
    {
        let mut insert = tx.prepare_cached(
            "INSERT INTO events (seq, id, schema, recorded_at, occurred_at, author, incident, kind, payload, dedup_key, prev_hash, hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )?;
        for raw in events {
            insert_row(&mut insert, raw)?;
        }
    }
    tx.execute(
        "UPDATE chain_head SET seq = ?1, hash = ?2 WHERE one = 1",
        params![last.seq as i64, &last.hash.0[..]],
    )?;
    tx.commit()?;
    Ok(Ok(()))
}

fn scan_conn<T>(
    conn: &Connection,
    after: u64,
    incident: Option<&IncidentId>,
    decode: fn(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    visit: &mut dyn FnMut(T) -> bool,
) -> rusqlite::Result<()> {
    let mut stmt;
    let mut rows = match incident {
        Some(inc) => {
            stmt = conn.prepare_cached(&format!(
                "SELECT {SELECT_COLUMNS} FROM events WHERE incident = ?1 AND seq > ?2 ORDER BY seq"
            ))?;
            stmt.query(params![inc.as_str(), after as i64])?
        }
        None => {
            stmt = conn.prepare_cached(&format!(
                "SELECT {SELECT_COLUMNS} FROM events WHERE seq > ?1 ORDER BY seq"
            ))?;
            stmt.query(params![after as i64])?
        }
    };
    while let Some(row) = rows.next()? {
        if !visit(decode(row)?) {
            break;
        }
    }
    Ok(())
}

impl Store for SqliteStore {
    fn describe(&self) -> String {
        self.name()
    }

    fn append_batch(&self, events: &[NewEvent]) -> Result<Vec<Appended>, StoreError> {
        if events.is_empty() {
            return Ok(Vec::new());
        }
        let mut conn = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        // Before: nothing is written to a file no one else can open. After: a file replaced
        // while this append waited for the lock or wrote is not reported saved either.
        self.file.check(&conn)?;
        let out = append_locked(&mut conn, events).map_err(|e| sql_error(&self.path, e))?;
        self.file.check(&conn)?;
        out.map_err(|(seq, kind)| StoreError::changed(self.name(), seq, &kind))
    }

    fn scan_raw(
        &self,
        after: u64,
        incident: Option<&IncidentId>,
        visit: &mut dyn FnMut(RawEvent) -> bool,
    ) -> Result<(), StoreError> {
        self.read(after, incident, row_to_raw, visit)
    }

    fn import_raw(&self, events: &[RawEvent]) -> Result<(), StoreError> {
        let mut conn = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        self.file.check(&conn)?;
        import_locked(&mut conn, events)
            .map_err(|e| sql_error(&self.path, e))?
            .map_err(|detail| StoreError::Io {
                store: self.name(),
                detail,
            })?;
        self.file.check(&conn)
    }

    fn health(&self) -> StoreHealth {
        // Only a look (a stat): the console's loop asks, and must never wait on a checkpoint.
        match self.file.changed() {
            None => StoreHealth::default(),
            Some(change) => StoreHealth {
                link: Link::Replaced,
                pending: 0,
                detail: Some(self.file.refusal(change).to_string()),
            },
        }
    }

    fn scan(
        &self,
        after: u64,
        incident: Option<&IncidentId>,
        visit: &mut dyn FnMut(Event) -> bool,
    ) -> Result<(), StoreError> {
        self.read(after, incident, row_to_event, visit)
    }

    fn mark_present(&self, p: &Presence) -> Result<(), StoreError> {
        let mut conn = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        self.file.check(&conn)?;
        let err = |e| sql_error(&self.path, e);
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        tx.execute_batch(PRESENCE_TABLE).map_err(err)?;
        tx.execute(
            "INSERT INTO presence (console, who, incident, seen_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (console) DO UPDATE
             SET who = excluded.who, incident = excluded.incident, seen_at = excluded.seen_at",
            params![
                p.console.to_string(),
                p.who,
                p.incident.as_ref().map(IncidentId::as_str),
                format_time(p.seen_at)
            ],
        )
        .map_err(err)?;
        tx.execute(
            "DELETE FROM presence WHERE seen_at < ?1",
            [format_time(p.seen_at - PRESENCE_KEPT)],
        )
        .map_err(err)?;
        tx.commit().map_err(err)
    }

    fn present(&self, since: chrono::DateTime<chrono::Utc>) -> Result<Vec<Presence>, StoreError> {
        let conn = self.reader.lock().unwrap_or_else(|p| p.into_inner());
        let err = |e| sql_error(&self.path, e);
        let made: bool = conn
            .query_row(
                "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'presence'",
                [],
                |r| r.get(0),
            )
            .map_err(err)?;
        if !made {
            return Ok(Vec::new());
        }
        let mut stmt = conn
            .prepare_cached(
                "SELECT console, who, incident, seen_at FROM presence WHERE seen_at > ?1
                 ORDER BY seen_at DESC LIMIT 1000",
            )
            .map_err(err)?;
        let rows = stmt
            .query_map([format_time(since)], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, String>(3)?,
                ))
            })
            .map_err(err)?;
        let mut out = Vec::new();
        for row in rows {
            let (console, who, incident, seen_at) = row.map_err(err)?;
            // Anyone who can write the file can write these rows: one that does not read is
            // left out, not trusted.
            if let (Ok(console), Some(seen_at)) = (console.parse(), parse_time(&seen_at)) {
                out.push(Presence {
                    console,
                    who,
                    incident: incident.map(IncidentId),
                    seen_at,
                });
            }
        }
        Ok(out)
    }

    fn head(&self) -> Result<Head, StoreError> {
        let conn = self.reader.lock().unwrap_or_else(|p| p.into_inner());
        let head = conn
            .query_row("SELECT seq, hash FROM chain_head WHERE one = 1", [], |r| {
                let b: Vec<u8> = r.get(1)?;
                Ok(Head {
                    seq: r.get::<_, i64>(0)? as u64,
                    hash: Hash::from_slice(&b).unwrap_or_default(),
                })
            })
            .map_err(|e| sql_error(&self.path, e))?;
        self.file.check(&conn)?;
        Ok(head)
    }

    fn subscribe(&self, after: u64, sink: Sink) -> Result<Subscription, StoreError> {
        let conn = connect(&self.path)?;
        self.file.check(&conn)?; // the connection holds the store's file, not a newcomer
        let stop = Arc::new(AtomicBool::new(false));
        let (wake_tx, wake_rx) = mpsc::channel::<()>();
        let watcher = start_watcher(&self.path, wake_tx.clone());
        let poll = if watcher.is_some() {
            POLL_WITH_WATCHER
        } else {
            POLL_WITHOUT_WATCHER
        };
        let file = self.file.clone();
        let thread_stop = stop.clone();
        std::thread::Builder::new()
            .name("store-watch".into())
            .spawn(move || {
                let _watcher = watcher; // lives as long as the thread
                follow(&file, &conn, after, sink, &wake_rx, poll, &thread_stop);
            })
            .map_err(|e| io_error(&self.name(), e))?;
        Ok(Subscription::new(
            stop,
            Box::new(move || {
                let _ = wake_tx.send(());
            }),
        ))
    }
}

/// Watch the database's folder; any change to the database or its WAL wakes the follower, and
/// so does the database's removal or a file renamed over it.
fn start_watcher(path: &Path, wake: mpsc::Sender<()>) -> Option<notify::RecommendedWatcher> {
    use notify::{RecursiveMode, Watcher};
    let file_name = path.file_name()?.to_string_lossy().to_string();
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        if let Ok(ev) = res
            && (ev.kind.is_modify() || ev.kind.is_remove() || ev.kind.is_create())
            && ev.paths.iter().any(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with(&file_name))
            })
        {
            let _ = wake.send(());
        }
    })
    .ok()?;
    match watcher.watch(&dir, RecursiveMode::NonRecursive) {
        Ok(()) => Some(watcher),
        Err(e) => {
            tracing::warn!(dir = %dir.display(), error = %e, "cannot watch the store's folder; polling instead");
            None
        }
    }
}

fn follow(
    file: &FileIdentity,
    conn: &Connection,
    mut after: u64,
    mut sink: Sink,
    wake: &mpsc::Receiver<()>,
    poll: Duration,
    stop: &AtomicBool,
) {
    let mut hot_until = Instant::now();
    loop {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        // While the path names another file (or none) nothing new is read: the log may hold
        // a newcomer's pages. Delivery resumes if the file comes back.
        let mut open = true;
        if file.check(conn).is_ok() {
            let result = scan_conn(conn, after, None, row_to_event, &mut |e| {
                after = e.seq;
                open = sink(e);
                open
            });
            if let Err(e) = result {
                tracing::warn!(store = %file.path.display(), error = %e, "reading new events failed; will retry");
            }
        }
        if !open {
            return;
        }
        // A writer's file events arrive as it writes the WAL, a moment before its commit is
        // published in the shared-memory index (which raises no event). So after any activity
        // look again every few milliseconds for a while, not only at the next slow poll.
        let wait = if Instant::now() < hot_until {
            HOT_POLL
        } else {
            poll
        };
        match wake.recv_timeout(wait) {
            Ok(()) => {
                while wake.try_recv().is_ok() {} // coalesce a burst of file events
                hot_until = Instant::now() + HOT_WINDOW; // and a rename or removal is seen at once
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => std::thread::sleep(wait),
        }
    }
}
