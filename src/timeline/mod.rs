//! The shared, append-only timeline: the event model, its hash chain and the stores that keep it.

pub mod chain;
pub mod describe;
pub mod kind;
pub mod open;
pub mod postgres;
pub mod spool;
pub mod sqlite;
pub mod store;
pub mod unsaved;

use chrono::{DateTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

pub use chain::Hash;
pub use kind::{Audience, Briefing, ChecklistItemSpec, EventBody, LinkKind, Phase, Role, Severity, Status};
pub use open::{StoreSpec, open_store};
pub use store::{Appended, Link, Store, StoreError, StoreHealth, Subscription};

/// The version of the event envelope and payload schema this build writes.
/// Older versions are upgraded on load (see [`Event::from_stored`]); none exist yet.
pub const EVENT_SCHEMA: u32 = 1;

/// Which incident an event belongs to, e.g. `INC-20261128-7F3K`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct IncidentId(pub String);

impl IncidentId {
    /// A new id: the UTC date and four characters from a UUIDv7's random bits — readable on a
    /// call, and unique enough that two commanders declaring at the same minute do not collide.
    pub fn generate(now: DateTime<Utc>) -> IncidentId {
        IncidentId::from_random(now, Uuid::now_v7())
    }
    /// The same, from the caller's randomness (the console's `IdSource`).
    pub fn from_random(now: DateTime<Utc>, random: Uuid) -> IncidentId {
        const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ"; // Crockford base32
        let random = random.as_u128() as u64;
        let suffix: String = (0..5)
            .map(|i| ALPHABET[((random >> (i * 5)) & 31) as usize] as char)
            .collect();
        IncidentId(format!("INC-{}-{suffix}", now.format("%Y%m%d")))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for IncidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Who wrote an event: a person as `user@host`, or a machine as `source:NAME` or `drill`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Author(pub String);

impl Author {
    /// The person at this terminal, from the operating system (never typed in).
    pub fn current_user() -> Author {
        let user = whoami::username();
        let host = whoami::fallible::hostname().unwrap_or_else(|_| "localhost".to_string());
        Author(format!("{user}@{host}"))
    }

    /// The responder at this terminal: `NAME (user@host)` when they said who they are (`--as`,
    /// `WARROOM_USER`: many jump hosts have one shared login), else the operating system's user.
    pub fn responder(name: Option<&str>) -> Author {
        let login = Author::current_user();
        match name.map(str::trim).filter(|n| !n.is_empty()) {
            Some(name) => login.named(name),
            None => login,
        }
    }

    /// `NAME (login)`: the name a responder gave, beside the login they share (`self`).
    pub fn named(&self, name: &str) -> Author {
        Author(format!("{} ({})", name.trim(), self.0))
    }

    /// Why `name` cannot name a responder, if it cannot.
    pub fn check_name(name: &str) -> Result<(), String> {
        let n = name.trim();
        if n.is_empty() {
            return Err("the name is empty: say who you are (`--as alice`)".into());
        }
        if n.chars().count() > 40 {
            return Err("a name is at most 40 characters".into());
        }
        if n.chars().any(|c| c.is_control() || matches!(c, '(' | ')' | '@')) {
            return Err(format!(
                "`{}` cannot be a name: no control characters, brackets or @",
                crate::text::clean_line(n)
            ));
        }
        Ok(())
    }
    pub fn source(name: &str) -> Author {
        Author(format!("source:{name}"))
    }
    pub fn drill() -> Author {
        Author("drill".to_string())
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The name alone, for compact display: `alice` of `alice (ops@jump-01)` or `alice@laptop`.
    pub fn short(&self) -> &str {
        short_name(&self.0)
    }
}

/// The name alone of an author as stored: `alice` of `alice (ops@jump-01)` or `alice@laptop`.
pub fn short_name(author: &str) -> &str {
    let name = author.split(" (").next().unwrap_or(author);
    name.split('@').next().unwrap_or(name)
}

/// A person's name of an author as stored, or none for a machine (`source:NAME`, `drill`).
pub fn person_of(author: &str) -> Option<&str> {
    let machine = author.starts_with("source:") || author == "drill";
    (!machine).then(|| short_name(author))
}

impl fmt::Display for Author {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An event before the store has given it a place: what a console, script or source submits.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub id: Uuid,
    pub recorded_at: DateTime<Utc>,
    pub occurred_at: Option<DateTime<Utc>>,
    pub author: Author,
    pub incident: IncidentId,
    pub body: EventBody,
    pub dedup_key: Option<String>,
    /// What the action was decided on, checked by the store when it commits (not stored).
    pub unchanged: Option<Unchanged>,
}

/// A condition on an append: nothing of `kinds` has been stored on the event's incident after
/// `since`, the last event the deciding console had seen. A store checks it inside the write
/// transaction and refuses the append ([`StoreError::Conflict`]) when it fails, so two
/// responders who both answer `y` can never both apply their change to the same state: the
/// second is asked again. An append found already stored (a retry) is a duplicate, not a
/// conflict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unchanged {
    pub kinds: &'static [&'static str],
    pub since: u64,
}

impl NewEvent {
    /// A new event recorded now, by the clock: for one-shot commands. Anything with a clock of
    /// its own (the console's `update`, a drill's player) uses [`NewEvent::at`].
    pub fn new(incident: IncidentId, author: Author, body: EventBody) -> NewEvent {
        NewEvent::at(Utc::now(), incident, author, body)
    }
    /// A new event recorded at `now`. Its id is a fresh UUIDv7; the console gives each event
    /// an id of its own source when it appends it (`App::append`).
    pub fn at(now: DateTime<Utc>, incident: IncidentId, author: Author, body: EventBody) -> NewEvent {
        NewEvent {
            id: Uuid::now_v7(),
            // Microseconds: what every back end stores exactly, so the hash survives a copy.
            recorded_at: now.trunc_subsecs(6),
            occurred_at: None,
            author,
            incident,
            body,
            dedup_key: None,
            unchanged: None,
        }
    }
    /// Refuse this append if the incident's `kinds` changed after `since` (see [`Unchanged`]).
    pub fn unless_changed(mut self, kinds: &'static [&'static str], since: u64) -> NewEvent {
        self.unchanged = Some(Unchanged { kinds, since });
        self
    }
    pub fn occurred_at(mut self, at: DateTime<Utc>) -> NewEvent {
        self.occurred_at = Some(at.trunc_subsecs(6));
        self
    }
    pub fn dedup_key(mut self, key: impl Into<String>) -> NewEvent {
        // No NUL: a PostgreSQL text column refuses it, and a key is never meant to hold one.
        self.dedup_key = Some(key.into().replace('\0', ""));
        self
    }
    /// A dedup key that holds within this event's incident only, as `log --dedup-key` gives:
    /// the same key on another incident is another event. Stored as
    /// `incident/INCIDENT/KEY` (a `/` or `%` in the incident id percent-encoded, so no two
    /// incidents share a prefix), which no source's key (`securityhub/…`, `splunk/…`,
    /// `backup/…`, `source/…`, `drill/…`: global, one signal whichever incident) begins with.
    /// Set the incident first.
    pub fn incident_dedup_key(self, key: impl Into<String>) -> NewEvent {
        let scope = self.incident.0.replace('%', "%25").replace('/', "%2F");
        let key = format!("incident/{scope}/{}", key.into());
        self.dedup_key(key)
    }
}

/// An event as the store holds it: placed (sequence number) and chained (hashes).
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub seq: u64,
    pub id: Uuid,
    pub schema: u32,
    pub recorded_at: DateTime<Utc>,
    pub occurred_at: Option<DateTime<Utc>>,
    pub author: Author,
    pub incident: IncidentId,
    pub body: EventBody,
    pub dedup_key: Option<String>,
    pub prev_hash: Hash,
    pub hash: Hash,
}

impl Event {
    /// When it happened: `occurred_at` if the author gave one, else when it was recorded.
    pub fn at(&self) -> DateTime<Utc> {
        self.occurred_at.unwrap_or(self.recorded_at)
    }
    pub fn kind(&self) -> &str {
        self.body.kind()
    }
}

/// Timestamps are stored as RFC 3339 text with microseconds, which sorts and reads well.
pub fn format_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// A note by ana on INC-1, for the timeline's unit tests.
#[cfg(test)]
pub(crate) fn test_note(text: &str) -> NewEvent {
    NewEvent::new(
        IncidentId("INC-1".into()),
        Author("ana@host".into()),
        EventBody::Note { text: text.into() },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_responder_named_on_a_shared_login_is_shown_by_name() {
        let login = Author::current_user();
        let alice = Author::responder(Some(" alice "));
        assert_eq!(alice.as_str(), format!("alice ({login})"));
        assert_eq!(alice.short(), "alice");
        assert_eq!(Author::responder(Some("")), login);
        assert_eq!(short_name("bob@laptop"), "bob");
        assert_eq!(short_name("source:splunk"), "source:splunk");
        assert!(Author::check_name("ann marie").is_ok());
        assert!(Author::check_name("x".repeat(41).as_str()).is_err());
    }
}
