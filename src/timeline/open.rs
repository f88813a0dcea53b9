//! Choosing and opening a store from a path or URL.

use super::postgres::{PgOptions, PostgresStore};
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

/// A URL and its query (`?…`). The query starts at the first `?` after the user info, so a
/// password with a `?` in it is never taken for the query (and then shown).
pub fn split_query(url: &str) -> (&str, Option<&str>) {
    let authority = url.find("://").map_or(0, |i| i + 3);
    let after_user = url[authority..]
        .rfind('@')
        .map_or(authority, |i| authority + i + 1);
    match url[after_user..].find('?') {
        Some(i) => (&url[..after_user + i], Some(&url[after_user + i + 1..])),
        None => (url, None),
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`: URLs are shown, passwords never.
pub fn mask_password(url: &str) -> String {
    // `?password=…` too, which libpq-style URLs allow.
    let (url, query) = match split_query(url) {
        (base, Some(q)) => {
            let q: Vec<String> = q
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some(("password", _)) => "password=***".to_string(),
                    _ => pair.to_string(),
                })
                .collect();
            (base, format!("?{}", q.join("&")))
        }
        (url, None) => (url, String::new()),
    };
    let Some((scheme, rest)) = url.split_once("://") else {
        return format!("{url}{query}");
    };
    let Some((userinfo, host)) = rest.rsplit_once('@') else {
        return format!("{url}{query}");
    };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}{query}"),
        None => format!("{url}{query}"),
    }
}

pub fn open_store(spec: &StoreSpec) -> Result<Box<dyn Store>, StoreError> {
    match spec {
        StoreSpec::Sqlite(path) => Ok(Box::new(SqliteStore::open(path)?)),
        StoreSpec::Postgres(url) => Ok(Box::new(PostgresStore::open_with(url, pg_options())?)),
    }
}

/// `WARROOM_PG_WAIT` (seconds): how long a command waits for an unreachable server.
pub fn pg_options() -> PgOptions {
    let mut o = PgOptions::default();
    if let Some(secs) = std::env::var("WARROOM_PG_WAIT")
        .ok()
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
    {
        o.patience = std::time::Duration::from_secs_f64(secs.min(3600.0));
    }
    o
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
        // A `?` or `@` in the password is still the password.
        assert_eq!(
            mask_password("postgres://ana:s3cr?t@db/w?sslmode=require"),
            "postgres://ana:***@db/w?sslmode=require"
        );
        assert_eq!(
            mask_password("postgres://ana:p@ss@db/w"),
            "postgres://ana:***@db/w"
        );
        assert_eq!(
            mask_password("postgres://ana@db/w?sslmode=require&password=hunter2"),
            "postgres://ana@db/w?sslmode=require&password=***"
        );
        assert_eq!(
            StoreSpec::parse("sqlite:///tmp/x.db"),
            StoreSpec::Sqlite(PathBuf::from("/tmp/x.db"))
        );
    }
}
