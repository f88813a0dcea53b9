//! The sources through the real binary: `warroom init`, `warroom check` contacting every
//! source, and `warroom watch` feeding the timeline — two watchers on one store append each
//! signal once, and SIGTERM stops them cleanly.

mod common;

use common::http::{Reply, Server};
use common::{Sandbox, stderr, stdout};
use std::collections::HashMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use warroom::sources::securityhub::{FindingSeverity, Workflow, parse_findings};
use warroom::timeline::sqlite::SqliteStore;
use warroom::timeline::{EventBody, Store};

fn fixture(path: &str) -> Vec<u8> {
    let full = format!("{}/tests/fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}

/// AWS credentials for the chain, and nothing beyond loopback (no instance metadata).
fn aws_env(c: &mut Command) {
    c.envs(common::aws::AWS_TEST_ENV.iter().copied())
        .env("SPLUNK_TOKEN", "splunk-token-123")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_REGION");
}

fn warroom(sb: &Sandbox, config: &Path, args: &[&str]) -> Command {
    let mut c = sb.cmd(&sb.store(), &[]);
    c.arg("--config").arg(config).args(args);
    aws_env(&mut c);
    c
}

#[test]
fn init_writes_an_example_that_checks_and_never_overwrites() {
    let sb = Sandbox::new();
    let file = sb.path("etc/warroom.toml");
    let mut c = Command::new(common::BIN);
    sb.isolate(&mut c);
    let out = c.arg("init").arg(&file).output().expect("run");
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(&file).expect("written");
    assert!(text.contains("[[source]]") && text.contains("kind = \"splunk\""));
    assert!(!text.contains("splunk-token"), "no secret values in the example");

    // Its sources are commented out: the first check passes and nothing is polled…
    let out = warroom(&sb, &file, &["check"]).output().expect("run");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("sources   none configured"),
        "{}",
        stdout(&out)
    );
    // …and taking the `#` off the start of their lines enables all three, as written.
    let enabled: String = text
        .lines()
        .map(|l| match l.strip_prefix('#') {
            Some(rest) if !rest.starts_with([' ', '#']) && !rest.is_empty() => rest,
            _ => l,
        })
        .flat_map(|l| [l, "\n"])
        .collect();
    std::fs::write(&file, &enabled).expect("write");
    let out = warroom(&sb, &file, &["check", "--offline"])
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("3 configured"), "{}", stdout(&out));
    std::fs::write(&file, &text).expect("write");

    let before = std::fs::read(&file).expect("read");
    let mut c = Command::new(common::BIN);
    sb.isolate(&mut c);
    let out = c.arg("init").arg(&file).output().expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("already exists"), "{}", stderr(&out));
    assert_eq!(std::fs::read(&file).expect("read"), before);
}

#[test]
fn check_contacts_every_source_and_prints_a_table() {
    let sb = Sandbox::new();
    let hub = Server::start(|_| Reply::json(200, fixture("securityhub/get_findings_page2.json")));
    let backup = Server::start(|_| {
        Reply::json(
            403,
            br#"{"Message":"User is not authorized to perform: backup:ListBackupJobs"}"#.to_vec(),
        )
        .with_header("x-amzn-ErrorType", "AccessDeniedException")
    });
    let splunk =
        Server::start(|_| Reply::text(200, "application/json", fixture("splunk/export_events.ndjson")));
    let config = sb.path("config.toml");
    std::fs::write(
        &config,
        format!(
            "[[source]]\nkind = \"securityhub\"\nname = \"hub\"\nendpoint = \"{}\"\nregion = \"us-east-1\"\n\
             [[source]]\nkind = \"backup\"\nname = \"vaults\"\nendpoint = \"{}\"\nregion = \"us-east-1\"\n\
             [[source]]\nkind = \"splunk\"\nname = \"splunk\"\nendpoint = \"{}\"\ntoken_env = \"SPLUNK_TOKEN\"\n\
             [[source.search]]\nname = \"errors\"\nquery = \"index=prod error\"\n",
            hub.url(),
            backup.url(),
            splunk.url()
        ),
    )
    .expect("write");
    let out = warroom(&sb, &config, &["check"]).output().expect("run");
    let (o, e) = (stdout(&out), stderr(&out));
    assert_eq!(out.status.code(), Some(1), "one source fails: {o}\n{e}");
    assert!(e.contains("1 of 3 sources failed"), "{e}");
    let row = |name: &str| {
        o.lines()
            .find(|l| l.trim_start().starts_with(name))
            .unwrap_or_else(|| panic!("no row for {name} in:\n{o}"))
            .to_string()
    };
    assert!(
        row("hub").contains(" ok ") && row("hub").contains("findings"),
        "{o}"
    );
    assert!(
        row("vaults").contains("FAILED") && row("vaults").contains("unauthorised"),
        "{o}"
    );
    assert!(row("vaults").contains("AccessDeniedException"), "{o}");
    assert!(
        row("splunk").contains(" ok ") && row("splunk").contains("errors:"),
        "{o}"
    );
    assert!(!o.contains("splunk-token-123") && !e.contains("splunk-token-123"));
    assert_eq!(hub.request_count(), 1);
    assert_eq!(splunk.request_count(), 1);
}

fn spawn_watch(sb: &Sandbox, config: &Path) -> Child {
    warroom(sb, config, &["watch"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn watch")
}

fn signals(store: &Path) -> Vec<(String, String, String)> {
    let s = SqliteStore::open(store).expect("open");
    let mut out = Vec::new();
    s.scan(0, None, &mut |e| {
        if let EventBody::Signal { title, .. } = &e.body {
            out.push((
                e.dedup_key.clone().unwrap_or_default(),
                e.incident.to_string(),
                title.clone(),
            ));
        }
        true
    })
    .expect("scan");
    out
}

fn terminate(mut child: Child) -> (Option<i32>, String) {
    // SAFETY: kill(2) on our own child's pid; no memory is involved.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let started = Instant::now();
    loop {
        if let Ok(Some(_)) = child.try_wait() {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "watch did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().expect("wait");
    (out.status.code(), stderr(&out))
}

#[test]
fn two_watchers_write_each_signal_once_and_stop_on_sigterm() {
    let sb = Sandbox::new();
    let store = sb.store();
    let incident = sb.declare(&store, "Suspicious activity in prod");
    let findings = fixture("securityhub/get_findings_page1.json");
    let page = parse_findings(&findings).expect("fixture parses");
    let expected_findings = page
        .findings
        .iter()
        .filter(|f| f.workflow == Workflow::New && f.severity >= FindingSeverity::High)
        .count();
    assert!(expected_findings > 0, "the fixture must hold NEW HIGH+ findings");
    let hub = Server::start(move |_| Reply::json(200, findings.clone()));
    let p1 = fixture("backup/list_jobs_page1.json");
    let p2 = fixture("backup/list_jobs_page2.json");
    let backup = Server::start(move |r| {
        Reply::json(
            200,
            if r.query_value("nextToken").is_some() {
                p2.clone()
            } else {
                p1.clone()
            },
        )
    });
    let config = sb.path("config.toml");
    std::fs::write(
        &config,
        format!(
            "[[source]]\nkind = \"securityhub\"\nname = \"hub\"\nendpoint = \"{}\"\nregion = \"us-east-1\"\ninterval = \"1s\"\n[source.filters]\nmax_pages = 1\n\
             [[source]]\nkind = \"backup\"\nname = \"vaults\"\nendpoint = \"{}\"\nregion = \"us-east-1\"\ninterval = \"1s\"\n",
            hub.url(),
            backup.url()
        ),
    )
    .expect("write");
    let expected = expected_findings + 4; // FAILED, PARTIAL, ABORTED, EXPIRED
    let a = spawn_watch(&sb, &config);
    let b = spawn_watch(&sb, &config);
    let started = Instant::now();
    while signals(&store).len() < expected && started.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(100));
    }
    // Let both poll a few more times: nothing new may appear.
    std::thread::sleep(Duration::from_millis(2500));
    let (code_a, log_a) = terminate(a);
    let (code_b, log_b) = terminate(b);
    assert_eq!(code_a, Some(0), "{log_a}");
    assert_eq!(code_b, Some(0), "{log_b}");

    let got = signals(&store);
    let mut by_key: HashMap<&str, usize> = HashMap::new();
    for (key, inc, title) in &got {
        *by_key.entry(key.as_str()).or_default() += 1;
        assert_eq!(inc, &incident, "signals go to the open incident");
        assert!(!title.contains('\u{1b}') && !title.contains('\u{7}'), "{title:?}");
    }
    assert_eq!(got.len(), expected, "{got:#?}");
    assert!(by_key.values().all(|n| *n == 1), "{by_key:#?}");
    assert!(hub.request_count() >= 4, "both watchers kept polling");

    // Standard error is one JSON object a line, and says what happened.
    for log in [&log_a, &log_b] {
        let events: Vec<serde_json::Value> = log
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect();
        let kinds: Vec<&str> = events.iter().filter_map(|e| e["event"].as_str()).collect();
        assert_eq!(kinds.first(), Some(&"started"));
        assert_eq!(kinds.last(), Some(&"stopped"));
        assert!(kinds.contains(&"poll_ok"), "{kinds:?}");
    }
    let written: usize = [&log_a, &log_b]
        .iter()
        .flat_map(|l| l.lines())
        .filter(|l| l.contains("\"event\":\"signal\"") && l.contains("\"duplicate\":false"))
        .count();
    assert_eq!(written, expected, "each signal written by exactly one watcher");

    // The secret never reaches the logs, standard error or the timeline.
    let secret = "wJalrXUtnFEMI";
    assert!(!log_a.contains(secret) && !log_b.contains(secret));
    let mut logged = String::new();
    for entry in std::fs::read_dir(sb.path("logs")).expect("log folder").flatten() {
        logged.push_str(&std::fs::read_to_string(entry.path()).unwrap_or_default());
    }
    assert!(
        logged.contains("watch started"),
        "the log file was written: {logged}"
    );
    assert!(!logged.contains(secret), "secret in the log file");
    assert!(
        !std::fs::read(&store)
            .expect("store")
            .windows(secret.len())
            .any(|w| w == secret.as_bytes())
    );
}

#[test]
fn watch_without_sources_says_how_to_add_them() {
    let sb = Sandbox::new();
    let config = sb.path("config.toml");
    std::fs::write(&config, "theme = \"dark\"\n").expect("write");
    let out = warroom(&sb, &config, &["watch"]).output().expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("warroom init"), "{}", stderr(&out));
}
