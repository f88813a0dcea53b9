//! The real PostgreSQL server the tests use (`.ci/pg start` runs one on 127.0.0.1): a fresh
//! database per test, dropped afterwards. Unless `WARROOM_TEST_PG` names a server already (as
//! `.ci/run` exports it), the first test to ask starts one with `.ci/pg start`, so `cargo test`
//! needs nothing started by hand. If no server can be had, the tests fail saying why; they
//! never skip.

use std::process::Command;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

/// Make sure a server is running and its settings are in the environment (for this process
/// and every child it starts: `WARROOM_TEST_PG`, `PGPASSFILE`, `WARROOM_TEST_PG_CA`).
pub fn ensure_server() {
    static STARTED: OnceLock<()> = OnceLock::new();
    STARTED.get_or_init(|| {
        if std::env::var("WARROOM_TEST_PG").is_ok_and(|u| !u.trim().is_empty()) {
            return;
        }
        let out = Command::new("bash")
            .arg(server_script())
            .arg("start")
            .output()
            .expect("run .ci/pg start");
        assert!(
            out.status.success(),
            "no PostgreSQL server for the tests: `.ci/pg start` failed (as root it installs \
             PostgreSQL from Debian's packages; otherwise install it, or point WARROOM_TEST_PG at \
             a server on 127.0.0.1):\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            if let Some((key, value)) = line.strip_prefix("export ").and_then(|l| l.split_once('=')) {
                // SAFETY: set once, under the OnceLock, before any test of this binary uses the
                // server (each waits here); the other threads read the environment only through
                // std, which takes the same lock.
                unsafe { std::env::set_var(key, value) };
            }
        }
    });
}

/// `WARROOM_TEST_PG`: a loopback URL whose role may create databases; the password comes
/// from `PGPASSFILE` or `PGPASSWORD`, as for any client.
pub fn base_url() -> String {
    ensure_server();
    let url = match std::env::var("WARROOM_TEST_PG") {
        Ok(u) if !u.trim().is_empty() => u,
        _ => panic!(
            "WARROOM_TEST_PG is not set, and the PostgreSQL tests need a real server{}. Start one \
             with `eval \"$(bash .ci/pg start)\"` (as root; it prints the WARROOM_TEST_PG and \
             PGPASSFILE to export), or point WARROOM_TEST_PG at a server on 127.0.0.1 whose role \
             may create databases",
            if std::env::var_os("CI").is_some() {
                " (and CI must start it: .ci/run does)"
            } else {
                ""
            }
        ),
    };
    let host = url
        .split_once("://")
        .map(|(_, r)| r)
        .and_then(|r| r.rsplit_once('@').map(|(_, h)| h).or(Some(r)))
        .and_then(|r| r.split(['/', '?']).next())
        .unwrap_or("");
    assert!(
        host.starts_with("127.") || host.starts_with("localhost") || host.starts_with("[::1]"),
        "WARROOM_TEST_PG must be a server on the loopback address, not {host}: tests never reach beyond this machine"
    );
    url
}

/// `URL` with its database replaced by `db`.
pub fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let (scheme, rest) = base.split_once("://").expect("a URL");
    let authority = rest.split('/').next().unwrap_or(rest);
    format!("{scheme}://{authority}/{db}{query}")
}

/// `host:port` of the test server.
pub fn host_port(url: &str) -> String {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let rest = rest.rsplit_once('@').map(|(_, h)| h).unwrap_or(rest);
    rest.split(['/', '?']).next().unwrap_or(rest).to_string()
}

/// `url` with the test role's password written into it (from `PGPASSWORD` or the first line
/// of `PGPASSFILE`), for a connection through another port.
pub fn with_password(url: &str) -> String {
    let password = std::env::var("PGPASSWORD")
        .ok()
        .filter(|p| !p.is_empty())
        .or_else(|| {
            let file = std::env::var_os("PGPASSFILE")?;
            let text = std::fs::read_to_string(file).ok()?;
            text.lines().next()?.splitn(5, ':').nth(4).map(str::to_string)
        });
    let password = password.expect("the test role's password, in PGPASSWORD or PGPASSFILE");
    let (scheme, rest) = url.split_once("://").expect("a URL");
    let (user, host) = rest.split_once('@').expect("a user in the URL");
    format!("{scheme}://{user}:{password}@{host}")
}

/// Run SQL with psql (the server's own client) against `url`.
pub fn psql(url: &str, sql: &str) -> String {
    let out = Command::new("psql")
        .args(["-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", url, "-c", sql])
        .output()
        .expect("psql must be installed (.ci/pg installs PostgreSQL)");
    assert!(
        out.status.success(),
        "psql {sql:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A database of its own for one test, dropped when it goes out of scope.
pub struct PgDb {
    pub url: String,
    name: String,
    admin: String,
}

impl PgDb {
    pub fn new() -> PgDb {
        static N: AtomicU32 = AtomicU32::new(0);
        let admin = base_url();
        let name = format!(
            "wt_{}_{}_{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst),
            uuid::Uuid::now_v7().simple().to_string().get(20..).unwrap_or("x")
        );
        psql(&admin, &format!("CREATE DATABASE {name}"));
        PgDb {
            url: with_database(&admin, &name),
            name,
            admin,
        }
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        let _ = Command::new("psql")
            .args(["-X", "-q", &self.admin, "-c"])
            .arg(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name))
            .output();
    }
}

/// The `.ci/pg` script that runs the test server (to stop and start it mid-test).
pub fn server_script() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/pg")
}
