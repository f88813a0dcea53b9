//! The real console with real sources, in a real terminal (tmux): findings with escape
//! sequences in their titles reach the screen clean, a hung source shows as failing without
//! freezing the keys, signals land on the timeline once, and a finding resolved from the
//! console goes to Security Hub as BatchUpdateFindings and onto the timeline.

mod common;

#[path = "common/tmux.rs"]
#[allow(dead_code)]
mod tmux;

use common::Sandbox;
use common::http::{Reply, Server};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tmux::Tmux;
use warroom::timeline::EventBody;

fn fixture(path: &str) -> Vec<u8> {
    let full = format!("{}/tests/fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}

/// The test credentials, and the Splunk token the configs name.
fn env() -> Vec<(&'static str, &'static str)> {
    let mut env = common::aws::AWS_TEST_ENV.to_vec();
    env.push(("SPLUNK_TOKEN", "splunk-token-123"));
    env
}

#[test]
fn a_console_with_live_sources() {
    let sb = Sandbox::new();
    let store = sb.store();
    sb.declare(&store, "Suspicious activity in prod");

    // Security Hub: the hostile page, and BatchUpdateFindings accepting whatever it is sent.
    let updates: Arc<Mutex<Vec<serde_json::Value>>> = Arc::default();
    let seen = updates.clone();
    let page = fixture("securityhub/get_findings_page1.json");
    let hub = Server::start(move |r| {
        if r.method == "PATCH" {
            let body = r.json().unwrap_or_default();
            let ids = body["FindingIdentifiers"].clone();
            if let Ok(mut u) = seen.lock() {
                u.push(body);
            }
            Reply::json(
                200,
                serde_json::json!({"ProcessedFindings": ids, "UnprocessedFindings": []}).to_string(),
            )
        } else {
            Reply::json(200, page.clone())
        }
    });
    let splunk =
        Server::start(|_| Reply::text(200, "application/json", fixture("splunk/export_hostile.ndjson")));
    let hung = Server::start(|_| Reply::Hang);
    let config = sb.path("config.toml");
    std::fs::write(
        &config,
        format!(
            "[[source]]\nkind = \"securityhub\"\nname = \"hub\"\nendpoint = \"{}\"\nregion = \"us-east-1\"\ninterval = \"2s\"\n\
             [source.filters]\nmax_pages = 1\n\
             [[source]]\nkind = \"splunk\"\nname = \"spl\"\nendpoint = \"{}\"\ntoken_env = \"SPLUNK_TOKEN\"\ninterval = \"2s\"\n\
             [[source.search]]\nname = \"errors\"\nquery = \"index=prod\"\n\
             [[source]]\nkind = \"backup\"\nname = \"vaults\"\nendpoint = \"{}\"\nregion = \"us-east-1\"\ntimeout = \"1s\"\n",
            hub.url(),
            splunk.url(),
            hung.url()
        ),
    )
    .expect("write config");
    let cfg = config.display().to_string();
    let t = Tmux::start_with_env(&sb, &store, &["--config", &cfg], 160, 48, &env());

    // The signals arrive on the timeline; the findings table fills.
    t.wait_for("CRITICAL finding:");
    let screen = t.wait_for("Findings");
    assert!(
        !screen.contains("pwned"),
        "an escape sequence's payload reached the screen:\n{screen}"
    );
    let title = Command::new("tmux")
        .args([
            "-L",
            &t.socket(),
            "display-message",
            "-p",
            "-t",
            &t.session,
            "#{pane_title}",
        ])
        .output()
        .expect("tmux");
    assert!(
        !String::from_utf8_lossy(&title.stdout).contains("pwned"),
        "a finding retitled the terminal"
    );

    // The hung source shows as failing, and the keys still answer at once meanwhile.
    t.keys(&["5"]);
    for _ in 0..3 {
        t.keys(&["]"]);
    }
    t.wait_until("the hung source failing", |s| {
        s.contains("vaults") && (s.contains("failing") || s.contains("stale"))
    });
    let started = Instant::now();
    t.keys(&["]"]);
    t.wait_until("the view to change", |s| s.contains("[Findings"));
    assert!(started.elapsed() < Duration::from_secs(2), "keys were slow");

    // Resolve the first (CRITICAL) finding: confirm, then Security Hub is told.
    t.keys(&["R"]);
    t.wait_for("y yes");
    t.keys(&["y"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while updates.lock().map(|u| u.is_empty()).unwrap_or(true) {
        assert!(
            Instant::now() < deadline,
            "no BatchUpdateFindings:\n{}",
            t.screen()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let sent = updates.lock().map(|u| u[0].clone()).unwrap_or_default();
    assert_eq!(sent["Workflow"]["Status"], "RESOLVED");
    assert!(
        sent["FindingIdentifiers"][0]["Id"]
            .as_str()
            .is_some_and(|id| id.contains("guardduty"))
    );
    t.wait_until("the update on the timeline", |s| {
        s.contains(" finding   [hub] EC2 instance")
    });

    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), 0);

    // Each signal once (the console polled several times), the update recorded, nothing
    // from a source carries an escape character into the store.
    let events = common::bodies(&store);
    let mut titles: Vec<&str> = events
        .iter()
        .filter_map(|b| match b {
            EventBody::Signal { title, .. } => Some(title.as_str()),
            _ => None,
        })
        .collect();
    let all = titles.len();
    assert!(all > 0);
    titles.sort();
    titles.dedup();
    assert_eq!(titles.len(), all, "a signal was written twice");
    assert!(titles.iter().all(|t| !t.contains('\u{1b}')));
    assert!(events.iter().any(|b| matches!(
        b,
        EventBody::FindingUpdated { workflow: Some(w), .. } if w == "RESOLVED"
    )));
}

/// The sandbox: while a drill runs (`drill run --headless`), resolving a finding of a real
/// Security Hub source sends nothing to it; the change is recorded on the timeline instead.
#[test]
fn during_a_drill_nothing_is_sent_to_a_real_account() {
    let sb = Sandbox::new();
    let store = sb.store();
    let mini = format!(
        "{}/tests/fixtures/scenarios/mini.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut drill = sb
        .cmd(&store, &["drill", "run", "--headless", &mini])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("start the drill");
    let mut started = String::new();
    let mut out = std::io::BufReader::new(drill.stdout.take().expect("stdout"));
    std::io::BufRead::read_line(&mut out, &mut started).expect("the drill's first line");
    assert!(started.contains("started"), "{started}");
    let writes: Arc<Mutex<usize>> = Arc::default();
    let seen = writes.clone();
    let page = fixture("securityhub/get_findings_page1.json");
    let hub = Server::start(move |r| {
        if r.method != "POST" {
            if let Ok(mut n) = seen.lock() {
                *n += 1;
            }
        }
        Reply::json(200, page.clone())
    });
    let config = sb.path("config.toml");
    std::fs::write(
        &config,
        format!(
            "[[source]]\nkind = \"securityhub\"\nname = \"hub\"\nendpoint = \"{}\"\nregion = \"us-east-1\"\ninterval = \"2s\"\n[source.filters]\nmax_pages = 1\n",
            hub.url()
        ),
    )
    .expect("write config");
    let cfg = config.display().to_string();
    let t = Tmux::start_with_env(&sb, &store, &["--config", &cfg], 160, 48, &env());
    t.wait_for("DRILL");
    t.keys(&["5"]);
    t.wait_for("›CRITICAL");
    t.keys(&["R"]);
    t.wait_for("y yes");
    t.keys(&["y"]);
    t.wait_until("the sandbox message", |s| s.contains("not sent"));
    t.wait_until("the change on the timeline", |s| {
        s.contains(" finding   [hub] EC2 instance")
    });
    // Give a stray write every chance to arrive.
    std::thread::sleep(Duration::from_millis(1500));
    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), 0);
    // SIGTERM ends the drill on the record, and the player exits cleanly.
    // SAFETY: kill(2) on our own child's pid, with a valid signal number.
    unsafe { libc::kill(drill.id() as i32, libc::SIGTERM) };
    assert!(drill.wait().expect("the drill exits").success());
    assert!(
        common::bodies(&store)
            .iter()
            .any(|b| matches!(b, EventBody::DrillEnded { .. }))
    );
    assert_eq!(
        writes.lock().map(|n| *n).unwrap_or(99),
        0,
        "a write reached the account"
    );
    assert!(hub.request_count() >= 1, "the source was polled");
    assert!(common::bodies(&store).iter().any(|b| matches!(
        b,
        EventBody::FindingUpdated { workflow: Some(w), .. } if w == "RESOLVED"
    )));
}
