//! Drafts outlive the console: kept drafts, and the text of an editor still open, are written
//! to the state directory when a console ends (`q`, a signal, a lost terminal) and restored by
//! the next console on the same store — one JSON file per store, mode 0600 (it holds what
//! someone was writing about an incident).

use super::modal::Draft;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The drafts file of the store named `store` (its path or masked URL), in `dir`.
pub fn path_for(dir: &Path, store: &str) -> PathBuf {
    crate::config::store_file(dir, "drafts", store, "json")
}

/// Where this user's console keeps the drafts for `store`.
pub fn path(store: &str) -> PathBuf {
    path_for(&crate::config::state_folder("drafts"), store)
}

/// Replace the file with `drafts` (none: remove it). Written to a temporary file, flushed and
/// renamed, so a crash mid-write leaves the old drafts, never half of the new ones.
pub fn keep(path: &Path, drafts: &[Draft]) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    if drafts.is_empty() {
        return match std::fs::remove_file(path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        };
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("json.tmp");
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)?;
    file.write_all(&serde_json::to_vec_pretty(drafts).map_err(std::io::Error::other)?)?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)
}

/// The drafts kept for this store (none if there is no file; a file that does not parse is
/// logged and left alone rather than overwritten blind).
pub fn restore(path: &Path) -> std::io::Result<Vec<Draft>> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(std::io::Error::other),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::IncidentId;
    use crate::tui::modal::EditorKind;

    #[test]
    fn drafts_round_trip_and_none_removes_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = path_for(dir.path(), "/srv/t.db");
        let drafts = vec![
            Draft {
                incident: Some(IncidentId("INC-1".into())),
                kind: EditorKind::Note,
                lines: vec!["db-02 is".into(), "primary".into()],
            },
            Draft {
                incident: Some(IncidentId("INC-1".into())),
                kind: EditorKind::Handoff {
                    to: "sam".into(),
                    from: "alex".into(),
                },
                lines: vec!["Status: SEV2".into()],
            },
        ];
        keep(&path, &drafts).expect("keep");
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).expect("file").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(restore(&path).expect("restore"), drafts);
        keep(&path, &[]).expect("keep none");
        assert!(!path.exists());
        assert_eq!(restore(&path).expect("restore"), Vec::new());
    }
}
