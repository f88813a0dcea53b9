//! The hash chain: each event's SHA-256 covers its own stored fields and the previous hash, so
//! editing, deleting, inserting or reordering any event breaks every hash after it.

use sha2::{Digest, Sha256};
use std::fmt;

#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Hash(pub [u8; 32]);

impl Hash {
    /// The "previous hash" of the first event.
    pub const GENESIS: Hash = Hash([0; 32]);

    pub fn from_slice(bytes: &[u8]) -> Option<Hash> {
        <[u8; 32]>::try_from(bytes).ok().map(Hash)
    }
    pub fn to_hex(self) -> String {
        hex::encode(self.0)
    }
    pub fn from_hex(s: &str) -> Option<Hash> {
        hex::decode(s).ok().and_then(|b| Hash::from_slice(&b))
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({})", &self.to_hex()[..12])
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

/// The fields of an event exactly as stored, in the order they are hashed.
pub struct Stored<'a> {
    pub seq: u64,
    pub id: &'a str,
    pub schema: u32,
    pub recorded_at: &'a str,
    pub occurred_at: Option<&'a str>,
    pub author: &'a str,
    pub incident: &'a str,
    pub kind: &'a str,
    pub payload: &'a str,
    pub dedup_key: Option<&'a str>,
}

/// Hash an event's stored form after `prev`. Every field is length-prefixed, so no two
/// different events can produce the same byte stream.
pub fn hash_event(prev: &Hash, e: &Stored<'_>) -> Hash {
    let mut h = Sha256::new();
    h.update(b"warroom-event-v1");
    h.update(prev.0);
    h.update(e.seq.to_be_bytes());
    h.update(e.schema.to_be_bytes());
    for field in [
        Some(e.id),
        Some(e.recorded_at),
        e.occurred_at,
        Some(e.author),
        Some(e.incident),
        Some(e.kind),
        Some(e.payload),
        e.dedup_key,
    ] {
        match field {
            None => h.update([0u8]),
            Some(s) => {
                h.update([1u8]);
                h.update((s.len() as u64).to_be_bytes());
                h.update(s.as_bytes());
            }
        }
    }
    Hash(h.finalize().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample<'a>(payload: &'a str, occurred: Option<&'a str>) -> Stored<'a> {
        Stored {
            seq: 1,
            id: "0190",
            schema: 1,
            recorded_at: "2026-01-01T00:00:00.000000Z",
            occurred_at: occurred,
            author: "ana@host",
            incident: "INC-1",
            kind: "note",
            payload,
            dedup_key: None,
        }
    }

    #[test]
    fn any_change_changes_the_hash() {
        let base = hash_event(&Hash::GENESIS, &sample("{}", None));
        assert_ne!(base, hash_event(&Hash::GENESIS, &sample("{ }", None)));
        assert_ne!(base, hash_event(&Hash([1; 32]), &sample("{}", None)));
        // an absent field and an empty one differ
        assert_ne!(base, hash_event(&Hash::GENESIS, &sample("{}", Some(""))));
        assert_eq!(base, hash_event(&Hash::GENESIS, &sample("{}", None)));
    }

    #[test]
    fn hex_round_trips() {
        let h = hash_event(&Hash::GENESIS, &sample("{}", None));
        assert_eq!(Hash::from_hex(&h.to_hex()), Some(h));
        assert_eq!(Hash::from_hex("zz"), None);
    }
}
