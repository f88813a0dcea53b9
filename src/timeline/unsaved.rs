//! Actions a console could not save — the store stayed busy past the bound after a signal, its
//! file was replaced, or the user chose to leave anyway — kept in the state directory rather
//! than lost with a dead terminal: one JSON line an event, mode 0600 (it holds timeline text),
//! one file per store. The next console on that store offers them, and `warroom unsaved`
//! lists, saves or discards them. Saving appends them by their own ids, so an action that did
//! reach the store after all is not written twice.

use super::{Author, EventBody, IncidentId, NewEvent, Store, StoreError};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use uuid::Uuid;

/// One action that was not saved, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unsaved {
    pub id: Uuid,
    pub recorded_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub occurred_at: Option<DateTime<Utc>>,
    pub author: String,
    pub incident: String,
    pub kind: String,
    pub payload: serde_json::Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dedup_key: Option<String>,
    /// Why it could not be saved, as the store said.
    pub why: String,
}

impl Unsaved {
    pub fn of(e: &NewEvent, why: &str) -> Unsaved {
        Unsaved {
            id: e.id,
            recorded_at: e.recorded_at,
            occurred_at: e.occurred_at,
            author: e.author.0.clone(),
            incident: e.incident.0.clone(),
            kind: e.body.kind().to_string(),
            payload: serde_json::from_str(&e.body.payload_json()).unwrap_or_default(),
            dedup_key: e.dedup_key.clone(),
            why: why.to_string(),
        }
    }

    /// The event again, as it was (without the condition it was decided on: whoever saves it
    /// now has reviewed it).
    pub fn event(&self) -> NewEvent {
        NewEvent {
            id: self.id,
            recorded_at: self.recorded_at,
            occurred_at: self.occurred_at,
            author: Author(self.author.clone()),
            incident: IncidentId(self.incident.clone()),
            body: EventBody::from_stored(&self.kind, &self.payload.to_string()),
            dedup_key: self.dedup_key.clone(),
            unchanged: None,
        }
    }
}

/// The unsaved file of the store named `store` (its path or masked URL), in `dir`.
pub fn path_for(dir: &Path, store: &str) -> PathBuf {
    crate::config::store_file(dir, "unsaved", store, "jsonl")
}

/// Where this user's consoles keep what they could not save for `store`.
pub fn path(store: &str) -> PathBuf {
    path_for(&crate::config::state_folder("unsaved"), store)
}

/// Add `events` to the file (created mode 0600), flushed to disk before it returns.
pub fn keep(path: &Path, events: &[NewEvent], why: &str) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)?;
    let mut text = String::new();
    for e in events {
        text.push_str(&serde_json::to_string(&Unsaved::of(e, why)).map_err(std::io::Error::other)?);
        text.push('\n');
    }
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

/// Keep what a console could not save for `store`, and the line that says so (for its standard
/// error): where they are kept, or, if they cannot be, that their text is in the log.
pub fn keep_and_tell(store: &str, events: &[NewEvent], why: &str) -> String {
    let path = path(store);
    let count = events.len();
    match keep(&path, events, why) {
        Ok(()) => {
            tracing::warn!(file = %path.display(), count, %why, "actions kept unsaved");
            format!(
                "warroom: {count} action(s) could not be saved ({why}); kept in {} — the next console on this store offers them (or `warroom unsaved`)",
                path.display()
            )
        }
        Err(e) => {
            tracing::error!(file = %path.display(), error = %e, ?events, "unsaved actions could not be kept");
            format!(
                "warroom: {count} action(s) could not be saved ({why}), nor kept in {} ({e}); their text is in the log",
                path.display()
            )
        }
    }
}

/// What the file holds (nothing if there is no file). A line that does not parse is skipped
/// and logged: one damaged line must not hide the others.
pub fn read(path: &Path) -> std::io::Result<Vec<Unsaved>> {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut out = Vec::new();
    for (n, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str(&line) {
            Ok(u) => out.push(u),
            Err(e) => {
                tracing::warn!(file = %path.display(), line = n + 1, error = %e, "an unsaved action that does not parse")
            }
        }
    }
    Ok(out)
}

/// Append everything in the file to `store`, in order (each once: by its id), then remove the
/// file. Returns how many were new on the timeline.
pub fn save(store: &dyn Store, path: &Path) -> Result<usize, UnsavedError> {
    let kept = read(path).map_err(|e| UnsavedError::File {
        path: path.to_path_buf(),
        error: e,
    })?;
    let events: Vec<NewEvent> = kept.iter().map(Unsaved::event).collect();
    let appended = store.append_batch(&events)?;
    discard(path)?;
    Ok(appended.iter().filter(|a| !a.duplicate).count())
}

/// Forget them.
pub fn discard(path: &Path) -> Result<(), UnsavedError> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(UnsavedError::File {
            path: path.to_path_buf(),
            error: e,
        }),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum UnsavedError {
    #[error("{}: {error}", path.display())]
    File { path: PathBuf, error: std::io::Error },
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::sqlite::SqliteStore;

    use crate::timeline::test_note as note;

    #[test]
    fn kept_actions_read_back_exactly_and_save_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = path_for(dir.path(), "/srv/t.db");
        let (a, b) = (note("db-01 failed over"), note("second\nline"));
        keep(&path, std::slice::from_ref(&a), "busy").expect("keep");
        keep(&path, std::slice::from_ref(&b), "replaced").expect("keep");
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).expect("file").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let kept = read(&path).expect("read");
        assert_eq!(kept.len(), 2);
        assert_eq!(kept[0].event(), a);
        assert_eq!(kept[1].event(), b);
        assert_eq!(kept[1].why, "replaced");

        let store = SqliteStore::open(dir.path().join("t.db")).expect("store");
        store.append(a.clone()).expect("the first got there after all");
        assert_eq!(
            save(&store, &path).expect("save"),
            1,
            "the one already stored is not doubled"
        );
        assert!(!path.exists());
        assert_eq!(store.read_from(0, 10).expect("read").len(), 2);
        assert_eq!(read(&path).expect("read"), Vec::new());
    }
}
