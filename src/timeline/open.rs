//! Choosing and opening a store from a path or URL.

use super::sqlite::SqliteStore;
use super::store::{Store, StoreError};
use std::fmt;
use std::path::PathBuf;

/// Where the timeline lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreSpec {
    Sqlite(PathBuf),
    Postgres(String),
}

impl StoreSpec {
    pub fn parse(s: &str) -> StoreSpec {
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            StoreSpec::Postgres(s.to_string())
        } else {
            StoreSpec::Sqlite(PathBuf::from(s.strip_prefix("sqlite://").unwrap_or(s)))
        }
    }
}

impl fmt::Display for StoreSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreSpec::Sqlite(p) => write!(f, "{}", p.display()),
            StoreSpec::Postgres(url) => f.write_str(&mask_password(url)),
        }
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`: URLs are shown, passwords never.
pub fn mask_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let Some((userinfo, host)) = rest.rsplit_once('@') else {
        return url.to_string();
    };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_string(),
    }
}

pub fn open_store(spec: &StoreSpec) -> Result<Box<dyn Store>, StoreError> {
    match spec {
        StoreSpec::Sqlite(path) => Ok(Box::new(SqliteStore::open(path)?)),
        StoreSpec::Postgres(_) => Err(StoreError::Unsupported {
            store: spec.to_string(),
            detail: "this build keeps the timeline in SQLite only; PostgreSQL is not available yet".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_masked() {
        assert_eq!(
            mask_password("postgres://ana:hunter2@db.example:5432/warroom"),
            "postgres://ana:***@db.example:5432/warroom"
        );
        assert_eq!(mask_password("postgres://db/warroom"), "postgres://db/warroom");
        assert_eq!(
            StoreSpec::parse("sqlite:///tmp/x.db"),
            StoreSpec::Sqlite(PathBuf::from("/tmp/x.db"))
        );
    }
}
