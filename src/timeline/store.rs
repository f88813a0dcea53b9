//! The `Store` trait: append, read, subscribe. Every back end keeps the same contract.

use super::chain::{self, Hash};
use super::{Event, EventBody, IncidentId, NewEvent, parse_time};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use thiserror::Error;
use uuid::Uuid;

/// What went wrong with a store, always naming it (a path, or a URL without its password).
#[derive(Debug, Error)]
pub enum StoreError {
    #[error("{store}: not a warroom store ({detail})")]
    NotAStore { store: String, detail: String },
    #[error(
        "{store}: written by a newer warroom (store schema {found}; this build reads up to {supported}); upgrade warroom to open it"
    )]
    TooNew {
        store: String,
        found: i64,
        supported: i64,
    },
    #[error(
        "{store}: cannot write there ({detail}); check the file's and its folder's permissions, or pick another store with --store"
    )]
    ReadOnly { store: String, detail: String },
    #[error("{store}: the disk is full; nothing was written — free some space and try again")]
    DiskFull { store: String },
    #[error("{store}: busy — another process held the store locked for too long; try again")]
    Busy { store: String },
    #[error("{store}: {detail}")]
    Io { store: String, detail: String },
    #[error("{store}: {detail}")]
    Unsupported { store: String, detail: String },
    /// The server cannot be reached (refused, timed out, lost): worth retrying later.
    #[error("{store}: {detail}")]
    Unreachable { store: String, detail: String },
    /// The server refused the login.
    #[error("{store}: {detail}")]
    Auth { store: String, detail: String },
    #[error("{store}: {detail}")]
    BadUrl { store: String, detail: String },
    /// The store's file was deleted, or another file put in its place, since this process
    /// opened it: whatever it writes now reaches no one else. Not worth retrying.
    #[error(
        "{store}: the store file at this path was {how} since this process opened it; nothing written now is saved — reopen warroom"
    )]
    Replaced { store: String, how: String },
    /// A conditional append refused: what it was decided on changed (`seq`: the event that
    /// changed it), or it could not be checked (`seq` 0: the server is away). Nothing was
    /// written; not worth retrying as it is — ask again.
    #[error("{store}: not saved: {detail}")]
    Conflict { store: String, seq: u64, detail: String },
}

impl StoreError {
    /// A conditional append refused because event `seq`, of `kind`, changed what it was
    /// decided on.
    pub fn changed(store: String, seq: u64, kind: &str) -> StoreError {
        StoreError::Conflict {
            store,
            seq,
            detail: format!("event #{seq} ({kind}) changed what it was decided on"),
        }
    }

    /// Whether the store may work again by itself (the server comes back): worth a retry, or
    /// the spool.
    pub fn is_unreachable(&self) -> bool {
        matches!(self, StoreError::Unreachable { .. })
    }
}

/// The outcome of one append.
#[derive(Debug, Clone, PartialEq)]
pub struct Appended {
    /// The event as stored: the new one, or the one already there.
    pub event: Event,
    /// True when nothing was written because an event with the same id or dedup key exists.
    pub duplicate: bool,
}

impl Appended {
    /// Not on the server yet: waiting in the offline spool (it has no sequence number).
    pub fn is_pending(&self) -> bool {
        self.event.seq == 0
    }
}

/// The state of a store's link to its server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Link {
    /// Reachable (and always, for a local file).
    #[default]
    Online,
    /// The server cannot be reached; appends wait in the spool.
    Offline,
    /// The server answers but refuses (for instance a login that no longer works).
    Failing,
    /// The store's file was deleted or replaced under this process: nothing it writes is saved.
    Replaced,
}

/// What the console's header shows about the store.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StoreHealth {
    pub link: Link,
    /// Events waiting in the offline spool.
    pub pending: u64,
    /// Why it is not online, for the log and the header.
    pub detail: Option<String>,
}

/// Receives each new event in order; returns false to end the subscription.
pub type Sink = Box<dyn FnMut(Event) -> bool + Send>;

/// A live subscription; dropping it stops the watcher.
pub struct Subscription {
    stop: Arc<AtomicBool>,
    on_drop: Option<Box<dyn FnOnce() + Send>>,
}

impl Subscription {
    pub fn new(stop: Arc<AtomicBool>, on_drop: Box<dyn FnOnce() + Send>) -> Subscription {
        Subscription {
            stop,
            on_drop: Some(on_drop),
        }
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(f) = self.on_drop.take() {
            f();
        }
    }
}

/// An event exactly as a back end stores it: what the hash covers.
#[derive(Debug, Clone, PartialEq)]
pub struct RawEvent {
    pub seq: u64,
    pub id: String,
    pub schema: u32,
    pub recorded_at: String,
    pub occurred_at: Option<String>,
    pub author: String,
    pub incident: String,
    pub kind: String,
    pub payload: String,
    pub dedup_key: Option<String>,
    pub prev_hash: Hash,
    pub hash: Hash,
}

impl RawEvent {
    pub fn stored(&self) -> chain::Stored<'_> {
        chain::Stored {
            seq: self.seq,
            id: &self.id,
            schema: self.schema,
            recorded_at: &self.recorded_at,
            occurred_at: self.occurred_at.as_deref(),
            author: &self.author,
            incident: &self.incident,
            kind: &self.kind,
            payload: &self.payload,
            dedup_key: self.dedup_key.as_deref(),
        }
    }

    /// The stored form of a new event placed at `seq` after `prev`.
    pub fn place(e: &NewEvent, seq: u64, prev: Hash) -> RawEvent {
        let mut raw = RawEvent {
            seq,
            id: e.id.to_string(),
            schema: super::EVENT_SCHEMA,
            recorded_at: super::format_time(e.recorded_at),
            occurred_at: e.occurred_at.map(super::format_time),
            author: e.author.0.clone(),
            incident: e.incident.0.clone(),
            kind: e.body.kind().to_string(),
            payload: e.body.payload_json(),
            dedup_key: e.dedup_key.clone(),
            prev_hash: prev,
            hash: Hash::GENESIS,
        };
        raw.hash = chain::hash_event(&prev, &raw.stored());
        raw
    }

    /// Decode into an [`Event`] (see [`decode_stored`]).
    pub fn into_event(self) -> Event {
        decode_stored(&self.stored(), self.prev_hash, self.hash)
    }

    /// [`RawEvent::into_event`] on a copy.
    pub fn decode(&self) -> Event {
        self.clone().into_event()
    }
}

/// Decode an event from its stored fields. Old schemas are upgraded here; fields that no
/// longer parse degrade (an unknown kind, a nil id) rather than refusing to load the log.
pub fn decode_stored(s: &chain::Stored<'_>, prev_hash: Hash, hash: Hash) -> Event {
    Event {
        seq: s.seq,
        id: Uuid::parse_str(s.id).unwrap_or_default(),
        schema: s.schema,
        recorded_at: parse_time(s.recorded_at).unwrap_or_default(),
        occurred_at: s.occurred_at.and_then(parse_time),
        author: super::Author(s.author.to_string()),
        incident: IncidentId(s.incident.to_string()),
        body: EventBody::from_stored(s.kind, s.payload),
        dedup_key: s.dedup_key.map(str::to_string),
        prev_hash,
        hash,
    }
}

/// The last event's place in the chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Head {
    pub seq: u64,
    pub hash: Hash,
}

/// A console open on a store: who, showing which incident, last seen when. Kept beside the
/// timeline, not in it: presence is no record (a console's row is overwritten as it goes, and
/// a day-old row is dropped), so it never touches the chain or the events.
#[derive(Debug, Clone, PartialEq)]
pub struct Presence {
    /// The console, one per process.
    pub console: Uuid,
    /// Its author, as its events are written (`alice (ops@jump-01)`).
    pub who: String,
    pub incident: Option<IncidentId>,
    pub seen_at: chrono::DateTime<chrono::Utc>,
}

/// Presence rows older than this are dropped by the next console that marks its own.
pub const PRESENCE_KEPT: chrono::TimeDelta = chrono::TimeDelta::days(1);

/// The shared timeline's storage. Appends are durable when they return; reads are in sequence
/// order; a subscription delivers every event appended after a given sequence number, from any
/// process, in order.
pub trait Store: Send + Sync {
    /// The store's name for messages: a path, or a URL without its password.
    fn describe(&self) -> String;

    /// Append events atomically and in order, extending the hash chain. An event whose id or
    /// dedup key is already stored is not written again: its `Appended` carries the existing one.
    fn append_batch(&self, events: &[NewEvent]) -> Result<Vec<Appended>, StoreError>;

    fn append(&self, event: NewEvent) -> Result<Appended, StoreError> {
        let mut out = self.append_batch(std::slice::from_ref(&event))?;
        out.pop().ok_or_else(|| StoreError::Io {
            store: self.describe(),
            detail: "append returned nothing".into(),
        })
    }

    /// Stream stored events with `seq > after`, in order, optionally of one incident, until the
    /// callback returns false. Nothing is held beyond the row being visited.
    fn scan_raw(
        &self,
        after: u64,
        incident: Option<&IncidentId>,
        visit: &mut dyn FnMut(RawEvent) -> bool,
    ) -> Result<(), StoreError>;

    /// The chain's head as the store records it (for spotting a removed tail).
    fn head(&self) -> Result<Head, StoreError>;

    /// Deliver every event with `seq > after` to `sink`, now and as they are appended by any
    /// process, until the sink returns false or the subscription is dropped.
    fn subscribe(&self, after: u64, sink: Sink) -> Result<Subscription, StoreError>;

    /// Store events exactly as another store holds them (id, sequence number, times, hashes),
    /// for `warroom store copy`. The first must follow this store's head and link to its hash.
    fn import_raw(&self, events: &[RawEvent]) -> Result<(), StoreError> {
        let _ = events;
        Err(StoreError::Unsupported {
            store: self.describe(),
            detail: "this store cannot take a copied timeline".into(),
        })
    }

    /// Say that a console is open, now (its row is made or overwritten). A store that keeps
    /// no presence takes it and forgets it.
    fn mark_present(&self, presence: &Presence) -> Result<(), StoreError> {
        let _ = presence;
        Ok(())
    }

    /// The consoles seen after `since`, newest first.
    fn present(&self, since: chrono::DateTime<chrono::Utc>) -> Result<Vec<Presence>, StoreError> {
        let _ = since;
        Ok(Vec::new())
    }

    /// The link to the server and what waits to be sent (a local file is always online).
    fn health(&self) -> StoreHealth {
        StoreHealth::default()
    }

    /// Decoded events, as [`Store::scan_raw`].
    fn scan(
        &self,
        after: u64,
        incident: Option<&IncidentId>,
        visit: &mut dyn FnMut(Event) -> bool,
    ) -> Result<(), StoreError> {
        self.scan_raw(after, incident, &mut |raw| visit(raw.into_event()))
    }

    /// Up to `limit` events after `after` (for paging).
    fn read_from(&self, after: u64, limit: usize) -> Result<Vec<Event>, StoreError> {
        let mut out = Vec::new();
        if limit == 0 {
            return Ok(out);
        }
        self.scan(after, None, &mut |e| {
            out.push(e);
            out.len() < limit
        })?;
        Ok(out)
    }
}

/// What `verify` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every event is present, in order and unedited.
    Intact { events: u64, head: Hash },
    /// The first sequence number at which the record stops being trustworthy, and why.
    Broken { seq: u64, reason: String },
}

/// Walk the whole chain and recompute every hash. Detects an edited event (its hash no longer
/// matches), a deleted or inserted one (a gap or a broken link) and reordered ones (the hash
/// covers the sequence number), and a removed tail (the recorded head is missing).
pub fn verify(store: &dyn Store) -> Result<Verdict, StoreError> {
    // The recorded head is read before the walk and again after it, so events appended by
    // others meanwhile (a shared server is never still) are not mistaken for tampering.
    let before = store.head()?;
    let mut at_before = (before.seq == 0).then_some(Hash::GENESIS);
    let mut expected_seq = 1u64;
    let mut prev = Hash::GENESIS;
    let mut broken: Option<(u64, String)> = None;
    store.scan_raw(0, None, &mut |raw| {
        if raw.seq == before.seq {
            at_before = Some(raw.hash);
        }
        let fail = if raw.seq != expected_seq {
            Some((
                expected_seq.min(raw.seq),
                format!(
                    "expected event {expected_seq} but found {}: events missing or inserted",
                    raw.seq
                ),
            ))
        } else if raw.prev_hash != prev {
            Some((raw.seq, "its link to the previous event is broken".to_string()))
        } else if chain::hash_event(&prev, &raw.stored()) != raw.hash {
            Some((
                raw.seq,
                "its content does not match its hash: it was edited or moved".to_string(),
            ))
        } else {
            None
        };
        if let Some(f) = fail {
            broken = Some(f);
            return false;
        }
        prev = raw.hash;
        expected_seq += 1;
        true
    })?;
    if let Some((seq, reason)) = broken {
        return Ok(Verdict::Broken { seq, reason });
    }
    let last = expected_seq - 1;
    if before.seq > last {
        return Ok(Verdict::Broken {
            seq: last + 1,
            reason: format!(
                "the store records {} events but only {last} remain: events were removed from the end",
                before.seq
            ),
        });
    }
    let after = store.head()?;
    let mismatch = || Verdict::Broken {
        seq: before.seq.max(1),
        reason: "the recorded head of the chain does not match the events".to_string(),
    };
    if at_before != Some(before.hash) || after.seq < last || (after.seq == last && after.hash != prev) {
        return Ok(mismatch());
    }
    Ok(Verdict::Intact {
        events: last,
        head: prev,
    })
}
