//! Status updates on a cadence, in the real binary: the header counts down to the next update
//! owed and says to which audience, shows how long since each audience last heard, rings when
//! one falls due (OSC 9 on the tty), and `u` starts from the config's own template.

mod common;

#[path = "common/tmux.rs"]
mod tmux;

use chrono::{Duration, Utc};
use common::Sandbox;
use std::time::Instant;
use tmux::Tmux;
use warroom::timeline::sqlite::SqliteStore;
use warroom::timeline::{Audience, Author, EventBody, IncidentId, NewEvent, Severity, Store};

const CONFIG: &str = r#"
[notify]
desktop = false

[updates.cadence]
sev1 = 15

[updates.templates]
internal = """INTERNAL {severity} {status} ({id}): <impact>
Next update: {next}"""
"#;

/// A SEV1 declared `declared_ago` ago, with an external update 3 minutes ago.
fn sev1(sb: &Sandbox, declared_ago: Duration) -> (std::path::PathBuf, String) {
    let st = sb.store();
    let id = "INC-20261207-CADNC";
    let now = Utc::now();
    let ana = || Author("ana@jump-01".into());
    let incident = || IncidentId(id.into());
    let events = [
        NewEvent::new(
            incident(),
            ana(),
            EventBody::IncidentDeclared {
                title: "Checkout down".into(),
                severity: Severity::WORST,
                summary: None,
                detected_at: None,
                drill: false,
            },
        )
        .occurred_at(now - declared_ago),
        NewEvent::new(
            incident(),
            ana(),
            EventBody::StatusUpdatePosted {
                text: "We are aware that checkout fails.".into(),
                audience: Audience::External,
            },
        )
        .occurred_at(now - Duration::minutes(3)),
    ];
    let store = SqliteStore::open(&st).expect("open");
    store.append_batch(&events).expect("append");
    let config = sb.path("config/warroom/config.toml");
    std::fs::create_dir_all(config.parent().expect("folder")).expect("mkdir");
    std::fs::write(&config, CONFIG).expect("write config");
    (st, id.to_string())
}

#[test]
fn the_header_counts_down_to_the_next_update_and_rings_when_it_falls_due() {
    let sb = Sandbox::new();
    // Internal updates are owed 15 minutes after the declaration: 8 seconds from now.
    let (st, id) = sev1(&sb, Duration::minutes(15) - Duration::seconds(8));
    let t = Tmux::start(&sb, &st, &[], 160, 48);
    let tty = sb.path("tty.out");
    t.record_output(&tty);

    let screen = t.wait_for("internal update due in");
    assert!(
        screen.contains("updates: internal — · executive — · external 3m ago"),
        "{screen}"
    );
    t.wait_until("the update falling due", |s| {
        s.contains("internal update overdue")
    });
    // The reminder went to the terminal (through tmux's passthrough): OSC 9 with its text.
    let deadline = Instant::now() + std::time::Duration::from_secs(10);
    let wanted = format!("]9;{id}: internal status update due: SEV1 updates are owed every 15 minutes");
    loop {
        let bytes = std::fs::read(&tty).unwrap_or_default();
        if String::from_utf8_lossy(&bytes).contains(&wanted) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no OSC 9 reminder in {:?}",
            String::from_utf8_lossy(&bytes)
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }

    // `u` starts from the configured template, filled in; its blank must be replaced.
    t.keys(&["u"]);
    let screen = t.wait_for("Next update: in 15 minutes");
    assert!(
        screen.contains(&format!("INTERNAL SEV1 triage ({id}): <impact>")),
        "{screen}"
    );
    t.keys(&["C-s"]);
    t.wait_for("Replace the placeholder <impact> before posting.");
    t.keys(&["Escape"]);

    // An update from a script resets the internal clock: the external one (3 minutes old
    // at the start) is owed next.
    sb.ok(
        &st,
        &[
            "do",
            "update",
            "internal",
            "Checkout is failing over to eu-central.",
        ],
    );
    let screen = t.wait_until("the clock moving on", |s| {
        s.contains("external update due in 11m") || s.contains("external update due in 12m")
    });
    assert!(
        screen.contains("updates: internal 0s ago") || screen.contains("updates: internal 1s ago"),
        "{screen}"
    );
}

#[test]
fn status_says_when_each_audience_last_heard_and_what_is_owed_next() {
    let sb = Sandbox::new();
    let (st, _) = sev1(&sb, Duration::minutes(20));
    let out = sb.ok(&st, &["status"]);
    assert!(
        out.contains("status updates: internal none yet · executive none yet · external 3m 0"),
        "{out}"
    );
    assert!(
        out.contains("next update: internal overdue by 5m 0") && out.contains("(every 15 minutes at SEV1)"),
        "{out}"
    );
    let json: serde_json::Value = serde_json::from_str(&sb.ok(&st, &["status", "--json"])).expect("json");
    let inc = &json[0];
    assert_eq!(inc["next_update"]["audience"], "internal");
    assert!(
        inc["next_update"]["seconds_left"]
            .as_i64()
            .is_some_and(|s| (-305..=-299).contains(&s)),
        "{inc}"
    );
    assert!(
        inc["status_updates"]["external"]["seconds_since"]
            .as_i64()
            .is_some_and(|s| (180..=185).contains(&s)),
        "{inc}"
    );
    assert_eq!(
        inc["status_updates"]["executive"]["last"],
        serde_json::Value::Null
    );
}
