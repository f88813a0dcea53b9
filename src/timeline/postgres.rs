//! The team back end: one PostgreSQL database shared by consoles on many hosts.
//!
//! The `Store` trait is synchronous; this store keeps a small tokio runtime of its own (one
//! worker thread) and hands each call to it, so it works the same from a plain thread and from
//! inside another runtime (the console's). Appends run in one transaction that takes an
//! advisory lock, so writers on every host queue in one well-defined order and each extends the
//! hash chain from the head it read under that lock; the same transaction sends
//! `NOTIFY warroom_events`, which wakes every subscriber at once. Connections are made again
//! whenever one is lost; calls wait up to `patience` for the server to come back.
//!
//! Passwords come from the URL, `PGPASSWORD` or the password file (`PGPASSFILE`, else
//! `~/.pgpass`). They are never logged, and no message shows one.

use super::chain::Hash;
use super::open::mask_password;
use super::store::{
    Appended, Head, PRESENCE_KEPT, Presence, RawEvent, Sink, Store, StoreError, Subscription,
};
use super::{IncidentId, NewEvent, format_time, parse_time};
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};
use tokio_postgres::config::Host;
use tokio_postgres::error::SqlState;
use tokio_postgres::{AsyncMessage, Client, Config, NoTls, Row};
use tokio_postgres_rustls::MakeRustlsConnect;

/// The newest store schema this build knows (the highest row of `warroom_migrations`).
pub const STORE_SCHEMA: i32 = 1;
/// Advisory lock keys ("WRRM" and a purpose): appends, and migrations.
const LOCK_APPEND: i64 = 0x5752_524D_0001;
const LOCK_MIGRATE: i64 = 0x5752_524D_0002;
/// The channel every append notifies, with its last sequence number as the payload.
pub const CHANNEL: &str = "warroom_events";
/// Rows fetched per round trip when scanning.
const PAGE: i64 = 1000;
/// How long one connection attempt, and one operation, may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const OP_TIMEOUT: Duration = Duration::from_secs(20);
/// How long a call waits, by default, for a server that cannot be reached to come back.
pub const DEFAULT_PATIENCE: Duration = Duration::from_secs(10);
/// A subscriber reads new rows on each notification, and in any case this often.
const POLL_FALLBACK: Duration = Duration::from_secs(2);

/// Schema migrations; entry `n` takes the store from version `n` to `n + 1`.
const MIGRATIONS: &[&str] = &["
    CREATE TABLE warroom_events (
        seq         bigint  PRIMARY KEY,
        id          uuid    NOT NULL UNIQUE,
        schema      integer NOT NULL,
        recorded_at text    NOT NULL,
        occurred_at text,
        author      text    NOT NULL,
        incident    text    NOT NULL,
        kind        text    NOT NULL,
        payload     text    NOT NULL,
        dedup_key   text    UNIQUE,
        prev_hash   bytea   NOT NULL,
        hash        bytea   NOT NULL
    );
    CREATE INDEX warroom_events_by_incident ON warroom_events (incident, seq);
    CREATE TABLE warroom_head (
        one  integer PRIMARY KEY CHECK (one = 1),
        seq  bigint  NOT NULL,
        hash bytea   NOT NULL
    );
    INSERT INTO warroom_head (one, seq, hash) VALUES (1, 0, decode(repeat('00', 32), 'hex'));
"];

/// Which consoles are open ([`Presence`]): made by the first console to mark itself, not by a
/// migration, so that older builds and roles without CREATE open the store as before (such a
/// role's consoles mark nothing until the table exists).
const PRESENCE_TABLE: &str = "CREATE TABLE IF NOT EXISTS warroom_presence (
    console  uuid PRIMARY KEY,
    who      text NOT NULL,
    incident text,
    seen_at  text NOT NULL
)";

const SELECT_COLUMNS: &str = "seq, id::text, schema, recorded_at, occurred_at, author, incident, kind, payload, dedup_key, prev_hash, hash";

/// Where the password came from, for messages (never the password itself).
#[derive(Debug, Clone, PartialEq, Eq)]
enum PasswordFrom {
    Url,
    Env,
    File(PathBuf),
    None,
}

#[derive(Clone)]
enum Connector {
    Plain,
    Tls(MakeRustlsConnect),
}

/// What a call needs, shared with the runtime's tasks.
struct Inner {
    /// The URL without its password.
    name: String,
    /// `host:port` of the (first) server, for messages.
    target: String,
    user: String,
    dbname: String,
    config: Config,
    connector: Connector,
    password: Option<String>,
    password_from: PasswordFrom,
    /// Milliseconds (see [`PgOptions::patience`]); changeable after opening.
    patience_ms: std::sync::atomic::AtomicU64,
    writer: tokio::sync::Mutex<Option<Client>>,
    reader: tokio::sync::Mutex<Option<Client>>,
}

/// Options for [`PostgresStore::open_with`].
#[derive(Debug, Clone)]
pub struct PgOptions {
    /// How long a call keeps retrying while the server cannot be reached (0: fail at once).
    pub patience: Duration,
}

impl Default for PgOptions {
    fn default() -> PgOptions {
        PgOptions {
            patience: DEFAULT_PATIENCE,
        }
    }
}

pub struct PostgresStore {
    inner: Arc<Inner>,
    runtime: Option<tokio::runtime::Runtime>,
}

/// An operation's failure before it is explained: the driver's error, or already ours.
enum Failure {
    Pg(tokio_postgres::Error),
    Store(StoreError),
    /// A conditional append refused: the event (seq, kind) that changed its ground.
    Conflict(u64, String),
}

impl From<tokio_postgres::Error> for Failure {
    fn from(e: tokio_postgres::Error) -> Failure {
        Failure::Pg(e)
    }
}

type Op<'c, T> = Pin<Box<dyn Future<Output = Result<T, Failure>> + Send + 'c>>;

impl PostgresStore {
    /// Connect to the store at `url`, creating or upgrading its tables.
    pub fn open(url: &str) -> Result<PostgresStore, StoreError> {
        PostgresStore::open_with(url, PgOptions::default())
    }

    pub fn open_with(url: &str, options: PgOptions) -> Result<PostgresStore, StoreError> {
        let name = mask_password(url);
        let parsed = parse_url(url).map_err(|detail| StoreError::BadUrl {
            store: name.clone(),
            detail,
        })?;
        let mut config = parsed.config;
        let target = target_of(&config);
        let user = match config.get_user() {
            Some(u) => u.to_string(),
            None => whoami::username(),
        };
        config.user(&user);
        let dbname = config.get_dbname().unwrap_or(&user).to_string();
        config.dbname(&dbname);
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        // A link that dies silently (VPN, Wi-Fi, NAT) is noticed in about a minute, not fifteen.
        config.keepalives(true);
        config.keepalives_idle(Duration::from_secs(30));
        config.keepalives_interval(Duration::from_secs(10));
        config.keepalives_retries(3);
        config.tcp_user_timeout(Duration::from_secs(60));
        config.application_name("warroom");
        let (password, password_from) = match config.get_password() {
            Some(p) => (Some(String::from_utf8_lossy(p).into_owned()), PasswordFrom::Url),
            None => match std::env::var("PGPASSWORD") {
                Ok(p) if !p.is_empty() => (Some(p), PasswordFrom::Env),
                _ => match passfile_password(&config, &user, &dbname) {
                    Some((p, file)) => (Some(p), PasswordFrom::File(file)),
                    None => (None, PasswordFrom::None),
                },
            },
        };
        if let Some(p) = &password {
            config.password(p.as_bytes());
        }
        let connector = if config.get_ssl_mode() == tokio_postgres::config::SslMode::Require {
            Connector::Tls(tls_connector(parsed.root_cert.as_deref()).map_err(|detail| {
                StoreError::BadUrl {
                    store: name.clone(),
                    detail,
                }
            })?)
        } else {
            config.ssl_mode(tokio_postgres::config::SslMode::Disable);
            Connector::Plain
        };
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("warroom-pg")
            .enable_all()
            .build()
            .map_err(|e| StoreError::Io {
                store: name.clone(),
                detail: format!("cannot start the database client: {e}"),
            })?;
        let store = PostgresStore {
            inner: Arc::new(Inner {
                name,
                target,
                user,
                dbname,
                config,
                connector,
                password,
                password_from,
                patience_ms: std::sync::atomic::AtomicU64::new(options.patience.as_millis() as u64),
                writer: tokio::sync::Mutex::new(None),
                reader: tokio::sync::Mutex::new(None),
            }),
            runtime: Some(runtime),
        };
        store.call(|inner| async move {
            let name = inner.name.clone();
            with_client(&inner, &inner.writer, &mut |c| Box::pin(migrate(c, name.clone()))).await
        })?;
        Ok(store)
    }

    /// From now on, wait this long for an unreachable server (0: fail at once, e.g. to spool).
    pub fn set_patience(&self, patience: Duration) {
        self.inner
            .patience_ms
            .store(patience.as_millis() as u64, Ordering::Relaxed);
    }

    /// `host:port` of the server (no user, no password).
    pub fn target(&self) -> &str {
        &self.inner.target
    }

    /// Run `f` on the store's runtime and wait for it. Works from any thread, inside another
    /// runtime or not.
    fn call<T, F, Fut>(&self, f: F) -> Result<T, StoreError>
    where
        F: FnOnce(Arc<Inner>) -> Fut,
        Fut: Future<Output = Result<T, StoreError>> + Send + 'static,
        T: Send + 'static,
    {
        let stopped = || StoreError::Io {
            store: self.inner.name.clone(),
            detail: "the database client has stopped".into(),
        };
        let Some(rt) = &self.runtime else {
            return Err(stopped());
        };
        let (tx, rx) = mpsc::sync_channel(1);
        let fut = f(self.inner.clone());
        rt.spawn(async move {
            let _ = tx.send(fut.await);
        });
        rx.recv().unwrap_or_else(|_| Err(stopped()))
    }

    fn page(&self, after: u64, incident: Option<&IncidentId>) -> Result<Vec<RawEvent>, StoreError> {
        let incident = incident.map(|i| i.0.clone());
        self.call(move |inner| async move {
            with_client(&inner, &inner.reader, &mut |c| {
                let incident = incident.clone();
                Box::pin(async move { read_page(c, after, incident.as_deref(), PAGE).await })
            })
            .await
        })
    }
}

impl Drop for PostgresStore {
    fn drop(&mut self) {
        // Allowed anywhere, including inside another runtime (dropping a runtime is not).
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

impl Store for PostgresStore {
    fn describe(&self) -> String {
        self.inner.name.clone()
    }

    fn append_batch(&self, events: &[NewEvent]) -> Result<Vec<Appended>, StoreError> {
        if events.is_empty() {
            return Ok(Vec::new());
        }
        let events: Arc<Vec<NewEvent>> = Arc::new(events.to_vec());
        self.call(move |inner| async move {
            with_client(&inner, &inner.writer, &mut |c| {
                let events = events.clone();
                Box::pin(async move { append_tx(c, &events).await })
            })
            .await
        })
    }

    fn scan_raw(
        &self,
        mut after: u64,
        incident: Option<&IncidentId>,
        visit: &mut dyn FnMut(RawEvent) -> bool,
    ) -> Result<(), StoreError> {
        // Page by sequence number. Appends are serialised and commit in order, so the rows
        // anyone can see are always 1..=n: paging never skips one.
        loop {
            let rows = self.page(after, incident)?;
            let full = rows.len() as i64 == PAGE;
            for raw in rows {
                after = raw.seq;
                if !visit(raw) {
                    return Ok(());
                }
            }
            if !full {
                return Ok(());
            }
        }
    }

    fn import_raw(&self, events: &[RawEvent]) -> Result<(), StoreError> {
        self.import(events.to_vec())
    }

    fn mark_present(&self, p: &Presence) -> Result<(), StoreError> {
        let row = Arc::new((
            p.console.to_string(),
            p.who.clone(),
            p.incident.as_ref().map(|i| i.as_str().to_string()),
            format_time(p.seen_at),
            format_time(p.seen_at - PRESENCE_KEPT),
        ));
        self.call(move |inner| async move {
            with_client(&inner, &inner.writer, &mut |c| {
                let row = row.clone();
                Box::pin(async move {
                    if !presence_made(c).await? {
                        c.batch_execute(PRESENCE_TABLE).await?;
                    }
                    let (console, who, incident, seen_at, expired) = &*row;
                    c.execute(
                        "INSERT INTO warroom_presence (console, who, incident, seen_at)
                         VALUES ($1::text::uuid, $2, $3, $4)
                         ON CONFLICT (console) DO UPDATE
                         SET who = excluded.who, incident = excluded.incident, seen_at = excluded.seen_at",
                        &[console, who, incident, seen_at],
                    )
                    .await?;
                    c.execute("DELETE FROM warroom_presence WHERE seen_at < $1", &[expired])
                        .await?;
                    Ok(())
                })
            })
            .await
        })
    }

    fn present(&self, since: chrono::DateTime<chrono::Utc>) -> Result<Vec<Presence>, StoreError> {
        let since = format_time(since);
        self.call(move |inner| async move {
            with_client(&inner, &inner.reader, &mut |c| {
                let since = since.clone();
                Box::pin(async move {
                    if !presence_made(c).await? {
                        return Ok(Vec::new());
                    }
                    let rows = c
                        .query(
                            "SELECT console::text, who, incident, seen_at FROM warroom_presence
                             WHERE seen_at > $1 ORDER BY seen_at DESC LIMIT 1000",
                            &[&since],
                        )
                        .await?;
                    let mut out = Vec::new();
                    for r in &rows {
                        let console: String = r.try_get(0)?;
                        let seen_at: String = r.try_get(3)?;
                        if let (Ok(console), Some(seen_at)) = (console.parse(), parse_time(&seen_at)) {
                            out.push(Presence {
                                console,
                                who: r.try_get(1)?,
                                incident: r.try_get::<_, Option<String>>(2)?.map(IncidentId),
                                seen_at,
                            });
                        }
                    }
                    Ok(out)
                })
            })
            .await
        })
    }

    fn head(&self) -> Result<Head, StoreError> {
        self.call(|inner| async move {
            with_client(&inner, &inner.reader, &mut |c| {
                Box::pin(async move {
                    let row = c
                        .query_one("SELECT seq, hash FROM warroom_head WHERE one = 1", &[])
                        .await?;
                    Ok(Head {
                        seq: row.try_get::<_, i64>(0)? as u64,
                        hash: Hash::from_slice(row.try_get::<_, &[u8]>(1)?).unwrap_or_default(),
                    })
                })
            })
            .await
        })
    }

    fn subscribe(&self, after: u64, sink: Sink) -> Result<Subscription, StoreError> {
        let inner = self.inner.clone();
        let stop = Arc::new(AtomicBool::new(false));
        let wake = Arc::new(tokio::sync::Notify::new());
        let (thread_stop, thread_wake) = (stop.clone(), wake.clone());
        let io = |e: std::io::Error| StoreError::Io {
            store: self.inner.name.clone(),
            detail: format!("cannot start the subscription: {e}"),
        };
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(io)?;
        std::thread::Builder::new()
            .name("store-listen".into())
            .spawn(move || {
                rt.block_on(follow(inner, after, sink, thread_stop, thread_wake));
            })
            .map_err(io)?;
        Ok(Subscription::new(stop, Box::new(move || wake.notify_one())))
    }
}

/// Run `op` with a connection from `slot`, connecting (again) as needed. While the server
/// cannot be reached, retry with backoff for up to the store's patience.
async fn with_client<T>(
    inner: &Inner,
    slot: &tokio::sync::Mutex<Option<Client>>,
    op: &mut (dyn for<'c> FnMut(&'c mut Client) -> Op<'c, T> + Send),
) -> Result<T, StoreError> {
    let deadline = Instant::now() + Duration::from_millis(inner.patience_ms.load(Ordering::Relaxed));
    let mut delay = Duration::from_millis(100);
    let mut guard = slot.lock().await;
    loop {
        if guard.as_ref().is_none_or(Client::is_closed) {
            *guard = None;
            match connect(inner).await {
                Ok(c) => *guard = Some(c),
                Err(e) => {
                    if e.is_unreachable() && Instant::now() + delay < deadline {
                        tracing::info!(store = %inner.name, error = %e, "cannot reach the server; retrying");
                        tokio::time::sleep(delay).await;
                        delay = (delay * 2).min(Duration::from_secs(2));
                        continue;
                    }
                    return Err(e);
                }
            }
        }
        let Some(client) = guard.as_mut() else {
            continue;
        };
        let e = match tokio::time::timeout(OP_TIMEOUT, op(client)).await {
            Ok(Ok(v)) => return Ok(v),
            Ok(Err(Failure::Store(e))) => e,
            Ok(Err(Failure::Conflict(seq, kind))) => StoreError::changed(inner.name.clone(), seq, &kind),
            Ok(Err(Failure::Pg(e))) => inner.error(&e),
            Err(_) => StoreError::Unreachable {
                store: inner.name.clone(),
                detail: format!(
                    "the server at {} did not answer within {} s",
                    inner.target,
                    OP_TIMEOUT.as_secs()
                ),
            },
        };
        if e.is_unreachable() {
            *guard = None; // the connection is gone or unusable: make a new one
            if Instant::now() + delay < deadline {
                tracing::info!(store = %inner.name, error = %e, "lost the server; retrying");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(2));
                continue;
            }
        } else if guard.as_ref().is_some_and(Client::is_closed) {
            *guard = None;
        }
        return Err(e);
    }
}

/// A new connection whose driver runs as a task on the current runtime.
async fn connect(inner: &Inner) -> Result<Client, StoreError> {
    let result = match &inner.connector {
        Connector::Plain => spawn_connection(&inner.config, NoTls).await,
        Connector::Tls(t) => spawn_connection(&inner.config, t.clone()).await,
    };
    result.map_err(|e| inner.error(&e))
}

async fn spawn_connection<T>(config: &Config, tls: T) -> Result<Client, tokio_postgres::Error>
where
    T: tokio_postgres::tls::MakeTlsConnect<tokio_postgres::Socket>,
    T::Stream: Send + 'static,
{
    let (client, connection) = config.connect(tls).await?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::debug!(error = %e, "database connection ended");
        }
    });
    Ok(client)
}

/// A connection that `LISTEN`s: each notification is one `()` on the receiver, which closes
/// when the connection does.
async fn listen(inner: &Inner) -> Result<(Client, tokio::sync::mpsc::UnboundedReceiver<()>), StoreError> {
    async fn open<T>(
        config: &Config,
        tls: T,
    ) -> Result<(Client, tokio::sync::mpsc::UnboundedReceiver<()>), tokio_postgres::Error>
    where
        T: tokio_postgres::tls::MakeTlsConnect<tokio_postgres::Socket>,
        T::Stream: Send + 'static,
    {
        let (client, mut connection) = config.connect(tls).await?;
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(async move {
            loop {
                match std::future::poll_fn(|cx| connection.poll_message(cx)).await {
                    Some(Ok(AsyncMessage::Notification(_))) => {
                        if tx.send(()).is_err() {
                            return;
                        }
                    }
                    Some(Ok(_)) => {}
                    Some(Err(e)) => {
                        tracing::debug!(error = %e, "listening connection ended");
                        return;
                    }
                    None => return,
                }
            }
        });
        client.batch_execute(&format!("LISTEN {CHANNEL}")).await?;
        Ok((client, rx))
    }
    let result = match &inner.connector {
        Connector::Plain => open(&inner.config, NoTls).await,
        Connector::Tls(t) => open(&inner.config, t.clone()).await,
    };
    result.map_err(|e| inner.error(&e))
}

/// The subscription's loop: listen, catch up, then read after every notification (and every
/// couple of seconds regardless). A lost connection is made again, with backoff, and the
/// subscriber carries on from the last event it delivered, so nothing is missed or repeated.
async fn follow(
    inner: Arc<Inner>,
    mut after: u64,
    mut sink: Sink,
    stop: Arc<AtomicBool>,
    wake: Arc<tokio::sync::Notify>,
) {
    let mut backoff = Duration::from_millis(200);
    'connect: loop {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let (client, mut notes) = match listen(&inner).await {
            Ok(x) => x,
            Err(e) => {
                tracing::warn!(store = %inner.name, error = %e, "subscription cannot connect; will retry");
                tokio::select! {
                    _ = tokio::time::sleep(backoff) => {}
                    _ = wake.notified() => {}
                }
                backoff = (backoff * 2).min(Duration::from_secs(5));
                continue;
            }
        };
        loop {
            if stop.load(Ordering::SeqCst) {
                return;
            }
            // A read on a dead socket would wait for TCP to give up: bound it, and reconnect.
            let read = match tokio::time::timeout(OP_TIMEOUT, read_page(&client, after, None, PAGE)).await {
                Ok(read) => read,
                Err(_) => {
                    tracing::warn!(store = %inner.name, "reading new events timed out; reconnecting");
                    continue 'connect;
                }
            };
            match read {
                Ok(rows) => {
                    // Only a read that worked shows the connection is good again.
                    backoff = Duration::from_millis(200);
                    let full = rows.len() as i64 == PAGE;
                    for raw in rows {
                        after = raw.seq;
                        if !sink(raw.into_event()) {
                            return;
                        }
                    }
                    if full {
                        continue;
                    }
                }
                Err(failure) => {
                    let e = match failure {
                        Failure::Pg(e) => inner.error(&e),
                        Failure::Store(e) => e,
                        Failure::Conflict(seq, kind) => StoreError::changed(inner.name.clone(), seq, &kind),
                    };
                    tracing::warn!(store = %inner.name, error = %e, "reading new events failed; reconnecting");
                    // A lasting failure (a revoked grant, a row that will not decode) must
                    // not become a tight loop of connections and log lines.
                    tokio::select! {
                        _ = tokio::time::sleep(backoff) => {}
                        _ = wake.notified() => {}
                    }
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                    continue 'connect;
                }
            }
            tokio::select! {
                n = notes.recv() => match n {
                    Some(()) => while notes.try_recv().is_ok() {},
                    None => continue 'connect,
                },
                _ = tokio::time::sleep(POLL_FALLBACK) => {}
                _ = wake.notified() => {}
            }
        }
    }
}

/// One event into the events table, exactly as placed (the same statement serves appends and
/// copies).
async fn insert_row(
    tx: &tokio_postgres::Transaction<'_>,
    insert: &tokio_postgres::Statement,
    raw: &RawEvent,
) -> Result<u64, tokio_postgres::Error> {
    tx.execute(
        insert,
        &[
            &(raw.seq as i64),
            &raw.id,
            &(raw.schema as i32),
            &raw.recorded_at,
            &raw.occurred_at,
            &raw.author,
            &raw.incident,
            &raw.kind,
            &raw.payload,
            &raw.dedup_key,
            &&raw.prev_hash.0[..],
            &&raw.hash.0[..],
        ],
    )
    .await
}

fn row_to_raw(r: &Row) -> Result<RawEvent, tokio_postgres::Error> {
    let hash = |i: usize| -> Result<Hash, tokio_postgres::Error> {
        Ok(Hash::from_slice(r.try_get::<_, &[u8]>(i)?).unwrap_or_default())
    };
    Ok(RawEvent {
        seq: r.try_get::<_, i64>(0)? as u64,
        id: r.try_get(1)?,
        schema: r.try_get::<_, i32>(2)? as u32,
        recorded_at: r.try_get(3)?,
        occurred_at: r.try_get(4)?,
        author: r.try_get(5)?,
        incident: r.try_get(6)?,
        kind: r.try_get(7)?,
        payload: r.try_get(8)?,
        dedup_key: r.try_get(9)?,
        prev_hash: hash(10)?,
        hash: hash(11)?,
    })
}

async fn read_page(
    c: &Client,
    after: u64,
    incident: Option<&str>,
    limit: i64,
) -> Result<Vec<RawEvent>, Failure> {
    let after = after as i64;
    let rows = match incident {
        Some(inc) => {
            c.query(
                &format!(
                    "SELECT {SELECT_COLUMNS} FROM warroom_events WHERE incident = $1 AND seq > $2 ORDER BY seq LIMIT $3"
                ),
                &[&inc, &after, &limit],
            )
            .await?
        }
        None => {
            c.query(
                &format!("SELECT {SELECT_COLUMNS} FROM warroom_events WHERE seq > $1 ORDER BY seq LIMIT $2"),
                &[&after, &limit],
            )
            .await?
        }
    };
    Ok(rows.iter().map(row_to_raw).collect::<Result<Vec<_>, _>>()?)
}

/// Whether a console has made the presence table yet.
async fn presence_made(c: &Client) -> Result<bool, tokio_postgres::Error> {
    c.query_one("SELECT to_regclass('warroom_presence') IS NOT NULL", &[])
        .await?
        .try_get(0)
}

/// Create or upgrade the tables, under an advisory lock so that two first consoles cannot
/// both create them.
async fn migrate(c: &mut Client, store: String) -> Result<(), Failure> {
    // A store already at this schema needs no DDL: a role that may only read and append (no
    // CREATE on the schema, as PostgreSQL 15 grants by default) must still open it.
    let exists: bool = c
        .query_one("SELECT to_regclass('warroom_migrations') IS NOT NULL", &[])
        .await?
        .try_get(0)?;
    if exists {
        let version: i32 = c
            .query_one("SELECT coalesce(max(version), 0) FROM warroom_migrations", &[])
            .await?
            .try_get(0)?;
        if version == STORE_SCHEMA {
            return Ok(());
        }
    }
    let tx = c.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK_MIGRATE])
        .await?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS warroom_migrations (
            version    integer     PRIMARY KEY,
            applied_at timestamptz NOT NULL DEFAULT now()
        )",
    )
    .await?;
    let version: i32 = tx
        .query_one("SELECT coalesce(max(version), 0) FROM warroom_migrations", &[])
        .await?
        .try_get(0)?;
    if version > STORE_SCHEMA {
        return Err(Failure::Store(StoreError::TooNew {
            store,
            found: version as i64,
            supported: STORE_SCHEMA as i64,
        }));
    }
    for (i, step) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        tx.batch_execute(step).await?;
        tx.execute(
            "INSERT INTO warroom_migrations (version) VALUES ($1)",
            &[&(i as i32 + 1)],
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// One transaction: lock, read the head, skip what is already stored, place the rest after the
/// head with their hashes, move the head, notify, commit.
async fn append_tx(c: &mut Client, events: &[NewEvent]) -> Result<Vec<Appended>, Failure> {
    use tokio_postgres::types::ToSql;
    let tx = c.transaction().await?;
    // Pipelined: one round trip. The server runs them in order, so the head is read under the
    // lock.
    let lock_params: [&(dyn ToSql + Sync); 1] = [&LOCK_APPEND];
    let find_sql = format!(
        "SELECT {SELECT_COLUMNS} FROM warroom_events WHERE id = $1::text::uuid OR dedup_key = $2
         ORDER BY id = $1::text::uuid DESC LIMIT 1"
    );
    let (_, head, find, insert) = futures::try_join!(
        tx.execute("SELECT pg_advisory_xact_lock($1)", &lock_params),
        tx.query_one("SELECT seq, hash FROM warroom_head WHERE one = 1", &[]),
        tx.prepare(&find_sql),
        tx.prepare(
            "INSERT INTO warroom_events (seq, id, schema, recorded_at, occurred_at, author, incident, kind, payload, dedup_key, prev_hash, hash)
             VALUES ($1, $2::text::uuid, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        ),
    )?;
    let mut seq = head.try_get::<_, i64>(0)? as u64;
    let mut prev = Hash::from_slice(head.try_get::<_, &[u8]>(1)?).unwrap_or_default();
    // Conditions are checked under the lock, before anything is written (a retry of an append
    // already stored is a duplicate, not a conflict).
    for e in events.iter() {
        let Some(cond) = &e.unchanged else { continue };
        if tx
            .query_opt(&find, &[&e.id.to_string(), &e.dedup_key])
            .await?
            .is_some()
        {
            continue;
        }
        let kinds: Vec<&str> = cond.kinds.to_vec();
        let changed = tx
            .query_opt(
                "SELECT seq, kind FROM warroom_events WHERE incident = $1 AND seq > $2 AND kind = ANY($3)
                 ORDER BY seq LIMIT 1",
                &[&e.incident.0, &(cond.since as i64), &kinds],
            )
            .await?;
        if let Some(row) = changed {
            let (at, kind): (i64, String) = (row.try_get(0)?, row.try_get(1)?);
            return Err(Failure::Conflict(at as u64, kind));
        }
    }
    let mut out: Vec<Appended> = Vec::with_capacity(events.len());
    let first_seq = seq;
    for e in events {
        // the same id first, else the same dedup key
        let id = e.id.to_string();
        if let Some(row) = tx.query_opt(&find, &[&id, &e.dedup_key]).await? {
            out.push(Appended {
                event: row_to_raw(&row)?.into_event(),
                duplicate: true,
            });
            continue;
        }
        // Two events of one batch may share a dedup key (or an id): the first wins.
        if let Some(first) = out
            .iter()
            .find(|a| a.event.id == e.id || (e.dedup_key.is_some() && a.event.dedup_key == e.dedup_key))
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
        insert_row(&tx, &insert, &raw).await?;
        prev = raw.hash;
        out.push(Appended {
            event: raw.into_event(),
            duplicate: false,
        });
    }
    if seq != first_seq {
        let (seq_i, seq_s, prev_bytes) = (seq as i64, seq.to_string(), &prev.0[..]);
        let head_params: [&(dyn ToSql + Sync); 2] = [&seq_i, &prev_bytes];
        let notify_params: [&(dyn ToSql + Sync); 2] = [&CHANNEL, &seq_s];
        futures::try_join!(
            tx.execute(
                "UPDATE warroom_head SET seq = $1, hash = $2 WHERE one = 1",
                &head_params
            ),
            tx.execute("SELECT pg_notify($1, $2)", &notify_params),
        )?;
    }
    tx.commit().await?;
    Ok(out)
}

/// Copy stored events verbatim (id, sequence number, times, hashes) into an empty store.
async fn insert_raw(c: &mut Client, events: &[RawEvent], store: String) -> Result<(), Failure> {
    let tx = c.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK_APPEND])
        .await?;
    let head = tx
        .query_one("SELECT seq, hash FROM warroom_head WHERE one = 1", &[])
        .await?;
    let seq = head.try_get::<_, i64>(0)? as u64;
    let hash = Hash::from_slice(head.try_get::<_, &[u8]>(1)?).unwrap_or_default();
    let Some(first) = events.first() else {
        return Ok(());
    };
    if first.seq != seq + 1 || first.prev_hash != hash {
        return Err(Failure::Store(StoreError::Io {
            store,
            detail: format!(
                "the store holds {seq} events, and the copied ones do not continue its chain (they start at event {})",
                first.seq
            ),
        }));
    }
    let insert = tx
        .prepare(
            "INSERT INTO warroom_events (seq, id, schema, recorded_at, occurred_at, author, incident, kind, payload, dedup_key, prev_hash, hash)
             VALUES ($1, $2::text::uuid, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .await?;
    for raw in events {
        insert_row(&tx, &insert, raw).await?;
    }
    if let Some(last) = events.last() {
        tx.execute(
            "UPDATE warroom_head SET seq = $1, hash = $2 WHERE one = 1",
            &[&(last.seq as i64), &&last.hash.0[..]],
        )
        .await?;
        tx.execute("SELECT pg_notify($1, $2)", &[&CHANNEL, &last.seq.to_string()])
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

impl PostgresStore {
    fn import(&self, events: Vec<RawEvent>) -> Result<(), StoreError> {
        let events = Arc::new(events);
        self.call(move |inner| async move {
            let name = inner.name.clone();
            with_client(&inner, &inner.writer, &mut |c| {
                let (events, name) = (events.clone(), name.clone());
                Box::pin(async move { insert_raw(c, &events, name).await })
            })
            .await
        })
    }
}

impl Inner {
    /// Explain a driver error: name the server (`host:port`), never the password.
    fn error(&self, e: &tokio_postgres::Error) -> StoreError {
        let store = self.name.clone();
        let scrub = |s: String| match &self.password {
            Some(p) if !p.is_empty() => s.replace(p.as_str(), "***"),
            _ => s,
        };
        if let Some(db) = e.as_db_error() {
            let code = db.code();
            let message = scrub(db.message().to_string());
            if *code == SqlState::INVALID_PASSWORD || *code == SqlState::INVALID_AUTHORIZATION_SPECIFICATION {
                let from = match &self.password_from {
                    PasswordFrom::Url => "the password in the URL".to_string(),
                    PasswordFrom::Env => "the password in PGPASSWORD".to_string(),
                    PasswordFrom::File(f) => format!("the password from {}", f.display()),
                    PasswordFrom::None => {
                        "no password (none in the URL, PGPASSWORD or the password file)".to_string()
                    }
                };
                return StoreError::Auth {
                    store,
                    detail: format!(
                        "the server at {} refused user {} with {from}: {message}",
                        self.target, self.user
                    ),
                };
            }
            if *code == SqlState::INVALID_CATALOG_NAME {
                return StoreError::Io {
                    store,
                    detail: format!(
                        "the server at {} has no database {:?}; create it (createdb -O {} {}) or fix the URL",
                        self.target, self.dbname, self.user, self.dbname
                    ),
                };
            }
            let class = code.code().get(..2).unwrap_or("");
            if class == "08"
                || *code == SqlState::ADMIN_SHUTDOWN
                || *code == SqlState::CRASH_SHUTDOWN
                || *code == SqlState::CANNOT_CONNECT_NOW
                || *code == SqlState::TOO_MANY_CONNECTIONS
            {
                return StoreError::Unreachable {
                    store,
                    detail: format!("the server at {} is not available: {message}", self.target),
                };
            }
            if *code == SqlState::INSUFFICIENT_PRIVILEGE {
                return StoreError::ReadOnly {
                    store,
                    detail: format!("user {} may not do this: {message}", self.user),
                };
            }
            return StoreError::Io {
                store,
                detail: format!("the server at {} said: {message}", self.target),
            };
        }
        // Not from the server: the connection itself.
        let mut cause = String::new();
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            cause = s.to_string();
            source = s.source();
        }
        let cause = scrub(cause);
        let text = e.to_string();
        if text.starts_with("authentication error") || text.starts_with("invalid configuration") {
            let detail = if self.password.is_none() {
                format!(
                    "the server at {} wants a password for user {}, and there is none in the URL, PGPASSWORD or the password file (PGPASSFILE, else ~/.pgpass)",
                    self.target, self.user
                )
            } else {
                format!("cannot log in to {} as {}: {cause}", self.target, self.user)
            };
            return StoreError::Auth { store, detail };
        }
        if text.starts_with("error performing TLS handshake") {
            return StoreError::Io {
                store,
                detail: format!(
                    "the TLS handshake with {} failed: {cause} (give the CA that signed the server's certificate with sslrootcert=FILE)",
                    self.target
                ),
            };
        }
        let what = if cause.is_empty() {
            text.clone()
        } else {
            format!("{text}: {cause}")
        };
        if e.is_closed()
            || text.starts_with("error connecting")
            || text.starts_with("error communicating")
            || text.starts_with("timeout")
            || text.starts_with("unexpected message")
        {
            return StoreError::Unreachable {
                store,
                detail: format!("cannot reach the PostgreSQL server at {} ({what})", self.target),
            };
        }
        StoreError::Io {
            store,
            detail: format!("{} ({what})", self.target),
        }
    }
}

/// A URL that tokio-postgres accepts, and what it does not know: `sslrootcert`, and the
/// `sslmode`s that verify (which rustls always does).
struct ParsedUrl {
    config: Config,
    root_cert: Option<PathBuf>,
}

fn parse_url(url: &str) -> Result<ParsedUrl, String> {
    let (base, query) = super::open::split_query(url);
    // The driver ends the password at its first `@`: a second one would put the password's
    // tail in the host name, and so in every message.
    let userinfo = base
        .split_once("://")
        .and_then(|(_, r)| r.rsplit_once('@'))
        .map(|(u, _)| u);
    if userinfo.is_some_and(|u| u.contains('@')) {
        return Err("the user or password holds an `@`: write it as %40 (or give the password in PGPASSWORD or a password file)".into());
    }
    let mut root_cert = None;
    let mut kept = Vec::new();
    for pair in query
        .into_iter()
        .flat_map(|q| q.split('&'))
        .filter(|p| !p.is_empty())
    {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        match (k, v) {
            ("sslrootcert", v) => root_cert = Some(PathBuf::from(percent_decode(v))),
            ("sslmode", "verify-full" | "verify-ca") => kept.push("sslmode=require".to_string()),
            ("sslmode", "allow") => kept.push("sslmode=prefer".to_string()),
            _ => kept.push(pair.to_string()),
        }
    }
    let rebuilt = if kept.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    let config = Config::from_str(&rebuilt).map_err(|e| {
        let mut msg = e.to_string();
        if let Some(s) = std::error::Error::source(&e) {
            msg = format!("{msg}: {s}");
        }
        format!(
            "not a PostgreSQL URL this build understands ({msg}); the form is postgres://USER@HOST:PORT/DATABASE[?sslmode=require]"
        )
    })?;
    if config.get_hosts().is_empty() {
        return Err("the URL names no server; the form is postgres://USER@HOST:PORT/DATABASE".into());
    }
    Ok(ParsedUrl { config, root_cert })
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(b) = s.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn target_of(config: &Config) -> String {
    let port = config.get_ports().first().copied().unwrap_or(5432);
    match config.get_hosts().first() {
        Some(Host::Tcp(h)) if h.contains(':') => format!("[{h}]:{port}"),
        Some(Host::Tcp(h)) => format!("{h}:{port}"),
        Some(Host::Unix(p)) => format!("{}/.s.PGSQL.{port}", p.display()),
        None => format!("localhost:{port}"),
    }
}

fn tls_connector(root_cert: Option<&Path>) -> Result<MakeRustlsConnect, String> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    match root_cert {
        Some(file) => {
            let certs = CertificateDer::pem_file_iter(file)
                .map_err(|e| format!("cannot read sslrootcert {}: {e}", file.display()))?;
            for cert in certs {
                let cert = cert.map_err(|e| format!("cannot read sslrootcert {}: {e}", file.display()))?;
                roots
                    .add(cert)
                    .map_err(|e| format!("sslrootcert {}: {e}", file.display()))?;
            }
        }
        None => {
            let found = rustls_native_certs::load_native_certs();
            roots.add_parsable_certificates(found.certs);
        }
    }
    if roots.is_empty() {
        return Err(
            "sslmode=require, but there are no CA certificates to check the server's against; give sslrootcert=FILE"
                .into(),
        );
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
}

/// The password for this server from the password file: `PGPASSFILE`, else `~/.pgpass`.
/// Lines are `host:port:database:user:password`; `*` matches anything, `\:` and `\\` escape.
/// As libpq does, a file that others can read is ignored.
fn passfile_password(config: &Config, user: &str, dbname: &str) -> Option<(String, PathBuf)> {
    let file = match std::env::var_os("PGPASSFILE") {
        Some(f) if !f.is_empty() => PathBuf::from(f),
        _ => PathBuf::from(std::env::var_os("HOME")?).join(".pgpass"),
    };
    let text = std::fs::read_to_string(&file).ok()?;
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).ok()?.permissions().mode();
        if mode & 0o077 != 0 {
            tracing::warn!(file = %file.display(), "the password file can be read by others; ignored (chmod 0600 it)");
            return None;
        }
    }
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(h)) => h.clone(),
        _ => "localhost".to_string(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432).to_string();
    passfile_lookup(&text, &host, &port, dbname, user).map(|p| (p, file))
}

pub(crate) fn passfile_lookup(text: &str, host: &str, port: &str, db: &str, user: &str) -> Option<String> {
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let fields = split_passfile_line(line);
        if fields.len() < 5 {
            continue;
        }
        let matches = |pattern: &str, value: &str| pattern == "*" || pattern == value;
        if matches(&fields[0], host)
            && matches(&fields[1], port)
            && matches(&fields[2], db)
            && matches(&fields[3], user)
        {
            return Some(fields[4..].join(":"));
        }
    }
    None
}

fn split_passfile_line(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next()
                    && let Some(f) = fields.last_mut()
                {
                    f.push(n);
                }
            }
            ':' if fields.len() < 5 => fields.push(String::new()),
            c => {
                if let Some(f) = fields.last_mut() {
                    f.push(c);
                }
            }
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_file_matches_with_wildcards_and_escapes() {
        let text = "# comment\n\
            db.example:5432:warroom:ana:first\n\
            *:54329:*:warroom:s\\:ecret\\\\x\n\
            127.0.0.1:*:*:*:fallback\n";
        assert_eq!(
            passfile_lookup(text, "db.example", "5432", "warroom", "ana").as_deref(),
            Some("first")
        );
        assert_eq!(
            passfile_lookup(text, "10.0.0.1", "54329", "any", "warroom").as_deref(),
            Some("s:ecret\\x")
        );
        assert_eq!(
            passfile_lookup(text, "127.0.0.1", "1", "d", "u").as_deref(),
            Some("fallback")
        );
        assert_eq!(passfile_lookup(text, "elsewhere", "1", "d", "u"), None);
    }

    #[test]
    fn urls_keep_what_rustls_needs_and_name_their_server() {
        let p =
            parse_url("postgres://ana@db.example:6543/wr?sslmode=verify-full&sslrootcert=/etc/ca%20file.pem")
                .expect("parses");
        assert_eq!(p.root_cert, Some(PathBuf::from("/etc/ca file.pem")));
        assert_eq!(p.config.get_ssl_mode(), tokio_postgres::config::SslMode::Require);
        assert_eq!(target_of(&p.config), "db.example:6543");
        let err = parse_url("postgres://ana:hunter2@db:notaport/wr")
            .err()
            .expect("refused");
        assert!(!err.contains("hunter2"), "{err}");
        assert!(parse_url("postgres://ana@db/wr?bogus=1").is_err());
    }
}
