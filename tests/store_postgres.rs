//! PostgreSQL as the team's store, through the real binary: consoles on two hosts, ten writer
//! processes, moving a timeline between back ends, and the errors people meet (a bad URL, a
//! wrong password, no server, a server that vanishes).

mod common;
#[path = "common/tmux.rs"]
#[allow(dead_code)] // not every helper is used here
mod tmux;

use common::pg::{PgDb, host_port, psql};
use common::relay::Relay;
use common::{Sandbox, stderr, stdout};
use std::net::TcpListener;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tmux::Tmux;
use warroom::timeline::postgres::{PgOptions, PostgresStore};
use warroom::timeline::store::{Verdict, verify};
use warroom::timeline::{EventBody, Store, StoreError};

#[test]
fn two_consoles_on_two_hosts_see_each_others_actions() {
    let db = PgDb::new();
    let sb = Sandbox::new();
    let url = Path::new(&db.url);
    let id = sb.declare(url, "Cross-region outage");
    let host = |name: &str| format!("hostname {name} && exec \"$@\"");
    let (ha, hb) = (host("alpha"), host("bravo"));
    let a = Tmux::start_wrapped(
        &sb,
        url,
        &[],
        160,
        48,
        &[],
        &["unshare", "--uts", "sh", "-c", &ha, "sh"],
    );
    let b = Tmux::start_wrapped(
        &sb,
        url,
        &[],
        160,
        48,
        &[],
        &["unshare", "--uts", "sh", "-c", &hb, "sh"],
    );
    a.wait_for("Cross-region outage");
    b.wait_for("Cross-region outage");
    a.keys(&[":"]);
    a.type_text("note written on alpha");
    a.keys(&["Enter"]);
    b.wait_for("written on alpha");
    b.keys(&[":"]);
    b.type_text("note answered from bravo");
    b.keys(&["Enter"]);
    a.wait_for("answered from bravo");
    // and a script on a third machine reaches both
    sb.ok(url, &["log", "--incident", &id, "from the alert hook"]);
    a.wait_for("from the alert hook");
    b.wait_for("from the alert hook");
    let s = PostgresStore::open(&db.url).expect("open");
    let mut authors = Vec::new();
    s.scan(0, None, &mut |e| {
        if let EventBody::Note { text } = &e.body {
            authors.push((text.clone(), e.author.0.clone()));
        }
        true
    })
    .expect("scan");
    let by = |t: &str| {
        authors
            .iter()
            .find(|(x, _)| x == t)
            .map(|(_, a)| a.clone())
            .unwrap_or_default()
    };
    assert!(by("written on alpha").ends_with("@alpha"), "{authors:?}");
    assert!(by("answered from bravo").ends_with("@bravo"), "{authors:?}");
}

#[test]
fn ten_writer_processes_extend_one_chain() {
    let db = PgDb::new();
    let sb = Arc::new(Sandbox::new());
    let url = db.url.clone();
    let id = sb.declare(Path::new(&url), "Many writers");
    let writers: Vec<_> = (0..10)
        .map(|w| {
            let (sb, url, id) = (sb.clone(), url.clone(), id.clone());
            std::thread::spawn(move || {
                for i in 0..8 {
                    sb.ok(
                        Path::new(&url),
                        &["log", "--incident", &id, &format!("writer {w} note {i}")],
                    );
                }
            })
        })
        .collect();
    for w in writers {
        w.join().expect("writer");
    }
    let mut texts = common::notes(&PostgresStore::open(&url).expect("open"));
    assert_eq!(texts.len(), 80);
    texts.sort();
    texts.dedup();
    assert_eq!(texts.len(), 80, "a note was stored twice");
    let out = sb.ok(Path::new(&url), &["verify"]);
    assert!(out.starts_with("ok: "), "{out}");
    let count = psql(&url, "SELECT count(*), min(seq), max(seq) FROM warroom_events");
    let n: Vec<u64> = count.split('|').map(|x| x.parse().expect("number")).collect();
    assert_eq!((n[1], n[2]), (1, n[0]), "sequence numbers have gaps: {count}");
}

#[test]
fn a_timeline_moves_from_sqlite_to_postgres_and_back_with_its_chain() {
    let db = PgDb::new();
    let sb = Sandbox::new();
    let file = sb.store();
    let id = sb.declare(&file, "Started on a laptop");
    sb.ok(&file, &["log", "--incident", &id, "first note, local"]);
    sb.ok(
        &file,
        &[
            "log",
            "--incident",
            &id,
            "--kind",
            "decision",
            "promote it to the team",
        ],
    );
    let local = sb.ok(&file, &["verify"]);
    let file_s = file.display().to_string();
    let out = sb.ok(&file, &["store", "copy", "--from", &file_s, "--to", &db.url]);
    assert!(out.contains("hash chain intact"), "{out}");
    let remote = sb.ok(Path::new(&db.url), &["verify"]);
    // the same chain: same events, same head
    assert_eq!(local, remote);
    // the team carries on, on the server
    sb.ok(
        Path::new(&db.url),
        &["log", "--incident", &id, "a note on the server"],
    );
    // a second copy into a store that holds another timeline is refused
    let other = sb.path("other.db");
    sb.declare(&other, "Something else");
    let other_s = other.display().to_string();
    let refused = sb.run(&file, &["store", "copy", "--from", &other_s, "--to", &db.url]);
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("different timeline"),
        "{}",
        stderr(&refused)
    );
    // and back to a file, for the archive
    let archive = sb.path("archive.db");
    let archive_s = archive.display().to_string();
    sb.ok(&file, &["store", "copy", "--from", &db.url, "--to", &archive_s]);
    let back = sb.ok(&archive, &["verify"]);
    assert_eq!(back, sb.ok(Path::new(&db.url), &["verify"]));
    let md = sb.ok(&archive, &["export", "--incident", &id, "--format", "md"]);
    assert!(md.contains("a note on the server"), "{md}");
    // an edit on the server is caught by verify there
    psql(
        &db.url,
        "UPDATE warroom_events SET author = 'mallory@host' WHERE seq = 2",
    );
    let tampered = sb.run(Path::new(&db.url), &["verify"]);
    assert_eq!(tampered.status.code(), Some(3), "{}", stdout(&tampered));
    assert!(
        stdout(&tampered).contains("TAMPERED: event #2"),
        "{}",
        stdout(&tampered)
    );
}

#[test]
fn a_bad_url_says_what_is_wrong_without_the_password() {
    let sb = Sandbox::new();
    for url in [
        "postgres://ana:hunter2@db.invalid:notaport/warroom",
        "postgres://ana:hunter2@127.0.0.1:54329/warroom?frobnicate=1",
    ] {
        let out = sb.run(Path::new(url), &["status"]);
        assert!(!out.status.success());
        let err = stderr(&out);
        assert!(err.contains("not a PostgreSQL URL"), "{err}");
        assert!(err.contains("postgres://ana:***@"), "{err}");
        assert!(!err.contains("hunter2"), "the password leaked: {err}");
    }
}

#[test]
fn a_wrong_password_is_named_as_such_and_never_shown() {
    let db = PgDb::new();
    let sb = Sandbox::new();
    let hp = host_port(&db.url);
    let secret = "not-the-password-81c2";
    // in the URL
    let with_pw = db
        .url
        .replacen("://warroom@", &format!("://warroom:{secret}@"), 1);
    let out = sb.run(Path::new(&with_pw), &["status"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains(&format!("the server at {hp} refused user warroom")),
        "{err}"
    );
    assert!(err.contains("the password in the URL"), "{err}");
    assert!(!err.contains(secret), "the password leaked: {err}");
    // in PGPASSWORD
    let mut c = sb.cmd(Path::new(&db.url), &["status"]);
    c.env("PGPASSWORD", secret).env_remove("PGPASSFILE");
    let out = c.output().expect("run");
    let err = stderr(&out);
    assert!(!out.status.success());
    assert!(err.contains("the password in PGPASSWORD"), "{err}");
    assert!(!err.contains(secret), "the password leaked: {err}");
    // and nowhere in the log either
    let logs = std::fs::read_dir(sb.path("logs"))
        .map(|d| {
            d.flatten()
                .map(|f| std::fs::read_to_string(f.path()).unwrap_or_default())
                .collect::<String>()
        })
        .unwrap_or_default();
    assert!(
        logs.contains("refused user warroom"),
        "the failure is logged: {logs}"
    );
    assert!(!logs.contains(secret), "the password is in the log");
}

#[test]
fn no_server_is_a_clear_error_naming_host_and_port() {
    let sb = Sandbox::new();
    // a loopback port nobody listens on
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let url = format!("postgres://warroom@127.0.0.1:{port}/warroom");
    let mut c = sb.cmd(Path::new(&url), &["log", "hello"]);
    c.env("WARROOM_PG_WAIT", "0");
    let out = c.output().expect("run");
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains(&format!("cannot reach the PostgreSQL server at 127.0.0.1:{port}")),
        "{err}"
    );
}

#[test]
fn a_vanished_server_is_an_error_then_the_store_reconnects() {
    let db = PgDb::new();
    let relay = Relay::new(&host_port(&db.url));
    let via = relay.url(&db.url);
    let store = PostgresStore::open_with(
        &via,
        PgOptions {
            patience: Duration::ZERO,
        },
    )
    .expect("open through the relay");
    store.append(common::note("before")).expect("append");
    relay.vanish();
    match store.append(common::note("while gone")) {
        Err(e @ StoreError::Unreachable { .. }) => {
            let msg = e.to_string();
            assert!(msg.contains(&format!("127.0.0.1:{}", relay.port)), "{msg}");
            assert!(e.is_unreachable());
        }
        other => panic!("expected the server to be unreachable, got {other:?}"),
    }
    relay.start();
    store
        .append(common::note("after"))
        .expect("append after the server is back");
    assert_eq!(
        common::notes(&PostgresStore::open(&db.url).expect("open")),
        vec!["before", "after"]
    );
    assert!(matches!(
        verify(&store).expect("verify"),
        Verdict::Intact { events: 2, .. }
    ));
}

#[test]
fn tls_is_used_when_asked_for_and_checks_the_certificate() {
    let db = PgDb::new(); // the server is started, and its settings exported, by now
    let sb = Sandbox::new();
    let ca = std::env::var("WARROOM_TEST_PG_CA")
        .expect("WARROOM_TEST_PG_CA: the test server's CA certificate (`.ci/pg start` prints it)");
    let url = format!("{}?sslmode=require&sslrootcert={ca}", db.url);
    let id = sb.declare(Path::new(&url), "Over TLS");
    let store = PostgresStore::open(&url).expect("open over TLS");
    store.append(common::note("sent encrypted")).expect("append");
    // the server says this store's connection is encrypted
    let encrypted = psql(
        &db.url,
        "SELECT count(*) FROM pg_stat_ssl JOIN pg_stat_activity USING (pid) \
         WHERE datname = current_database() AND application_name = 'warroom' AND ssl",
    );
    assert!(
        encrypted.parse::<u32>().expect("count") >= 1,
        "no TLS connection: {encrypted}"
    );
    let out = sb.ok(Path::new(&url), &["verify"]);
    assert!(out.starts_with("ok: "), "{out}");
    let _ = id;
    // a certificate from a CA we were not told to trust is refused, clearly
    let mut c = sb.cmd(Path::new(&format!("{}?sslmode=require", db.url)), &["status"]);
    c.env("WARROOM_PG_WAIT", "0");
    let out = c.output().expect("run");
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains(&format!("the TLS handshake with {} failed", host_port(&db.url)))
            || err.contains("no CA certificates"),
        "{err}"
    );
}

#[test]
fn the_server_can_be_chosen_by_config_file_or_environment() {
    let db = PgDb::new();
    let sb = Sandbox::new();
    let id = sb.declare(Path::new(&db.url), "Chosen three ways");
    // the config file's `store`
    let cfg = sb.path("config.toml");
    std::fs::write(&cfg, format!("store = \"{}\"\n", db.url)).expect("write config");
    let mut c = std::process::Command::new(common::BIN);
    c.args([
        "--config",
        &cfg.display().to_string(),
        "log",
        "--incident",
        &id,
        "via the config file",
    ]);
    sb.isolate(&mut c);
    let out = c.output().expect("run");
    assert!(out.status.success(), "{}", stderr(&out));
    // WARROOM_STORE
    let mut c = std::process::Command::new(common::BIN);
    c.args(["log", "--incident", &id, "via WARROOM_STORE"]);
    sb.isolate(&mut c);
    c.env("WARROOM_STORE", &db.url);
    let out = c.output().expect("run");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        common::notes(&PostgresStore::open(&db.url).expect("open")),
        vec!["via the config file", "via WARROOM_STORE"]
    );
}

#[test]
fn migrations_are_recorded_and_a_newer_schema_is_refused() {
    let db = PgDb::new();
    drop(PostgresStore::open(&db.url).expect("open creates the tables"));
    drop(PostgresStore::open(&db.url).expect("and opens them again without migrating twice"));
    assert_eq!(
        psql(
            &db.url,
            "SELECT string_agg(version::text, ',') FROM warroom_migrations"
        ),
        "1"
    );
    // as a newer warroom would leave it
    psql(&db.url, "INSERT INTO warroom_migrations (version) VALUES (99)");
    match PostgresStore::open(&db.url) {
        Err(e @ StoreError::TooNew { .. }) => {
            let msg = e.to_string();
            assert!(msg.contains("written by a newer warroom"), "{msg}");
            assert!(msg.contains(&db.url), "{msg}");
        }
        Err(e) => panic!("expected TooNew, got {e}"),
        Ok(_) => panic!("a store of a newer schema opened"),
    }
}

#[test]
fn a_role_that_may_only_read_and_append_opens_a_migrated_store() {
    let db = PgDb::new();
    // The owner creates the store (the migrations need CREATE)…
    let store = PostgresStore::open(&db.url).expect("open as the owner");
    store.append(common::note("by the owner")).expect("append");
    drop(store);
    // …a responder's role gets rows, not DDL: PostgreSQL 15 grants no CREATE on `public`.
    let role = format!("wr_limited_{}", std::process::id());
    let (_, server_and_db) = db.url.split_once('@').expect("a user in the test URL");
    let dbname = server_and_db.rsplit('/').next().unwrap_or_default();
    psql(
        &db.url,
        &format!(
            "DROP ROLE IF EXISTS {role}; CREATE ROLE {role} LOGIN PASSWORD 'only-rows'; \
             GRANT CONNECT ON DATABASE {dbname} TO {role}; \
             GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO {role};"
        ),
    );
    let limited = format!("postgres://{role}:only-rows@{server_and_db}");
    let result = PostgresStore::open(&limited).and_then(|s| {
        s.append(common::note("by a responder"))?;
        verify(&s)
    });
    drop(db); // its grants go with it
    psql(&common::pg::base_url(), &format!("DROP ROLE IF EXISTS {role}"));
    assert!(
        matches!(result, Ok(Verdict::Intact { events: 2, .. })),
        "{result:?}"
    );
}
