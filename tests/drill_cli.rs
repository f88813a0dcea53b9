//! Drills through the real binary: scenario files checked (one invalid file per failure mode in
//! `tests/invalid_scenarios/`, each with a last line `# expect: A | B | …`), the built-in
//! scenarios listed and checked, and a headless drill at 60× with players acting through the
//! CLI, whose report's figures are checked against times read from the store.

mod common;

use chrono::{DateTime, Utc};
use common::Sandbox;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};
use warroom::timeline::EventBody;

fn mini() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/scenarios/mini.toml")
}

#[test]
fn every_invalid_scenario_is_rejected_with_file_line_and_field() {
    let sb = Sandbox::new();
    let files = common::expectations("tests/invalid_scenarios");
    assert!(files.len() >= 25, "only {} invalid scenarios", files.len());
    for (file, expected) in files {
        let name = file.display().to_string();
        let out = sb.run(&sb.store(), &["drill", "check", &name]);
        let err = common::stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{name}: {err}");
        assert!(!err.contains("panicked"), "{err}");
        for wanted in expected {
            assert!(err.contains(&wanted), "{name}: expected `{wanted}` in:\n{err}");
        }
    }
}

#[test]
fn the_builtin_scenarios_are_listed_and_check() {
    let sb = Sandbox::new();
    let list = sb.ok(&sb.store(), &["drill", "list"]);
    for name in ["ransomware", "leaked-key", "regional-outage"] {
        assert!(
            list.lines().any(|l| l.starts_with(name)),
            "{name} not in:\n{list}"
        );
    }
    let fixture = mini().display().to_string();
    let out = sb.ok(
        &sb.store(),
        &[
            "drill",
            "check",
            "ransomware",
            "leaked-key",
            "regional-outage",
            &fixture,
        ],
    );
    assert_eq!(out.lines().filter(|l| l.contains(": ok — ")).count(), 4, "{out}");
    let unknown = sb.run(&sb.store(), &["drill", "run", "--headless", "no-such-scenario"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(common::stderr(&unknown).contains("no scenario `no-such-scenario`"));
}

/// The headless player's standard output, a line at a time.
struct Lines {
    rx: Receiver<String>,
    seen: Vec<String>,
}

impl Lines {
    fn follow(child: &mut Child) -> Lines {
        let out = child.stdout.take().expect("stdout");
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Lines { rx, seen: Vec::new() }
    }

    /// Wait for a line containing `what`.
    fn wait(&mut self, what: &str) -> String {
        if let Some(l) = self.seen.iter().find(|l| l.contains(what)) {
            return l.clone();
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.rx.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(what) {
                        return line;
                    }
                }
                Err(_) => break,
            }
        }
        panic!("no line with `{what}`; saw:\n{}", self.seen.join("\n"));
    }
}

/// `drill run --headless` at `speed`, taking controls on its standard input, once it has said
/// it started (and on which incident).
struct Headless {
    child: Child,
    stdin: ChildStdin,
    lines: Lines,
    incident: String,
}

impl Headless {
    fn start(sb: &Sandbox, store: &Path, speed: &str, scenario: &str) -> Headless {
        let mut child = sb
            .cmd(store, &["drill", "run", "--headless", "--speed", speed, scenario])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the headless drill");
        let stdin = child.stdin.take().expect("stdin");
        let mut lines = Lines::follow(&mut child);
        let started = lines.wait("started");
        let incident = (started.split_whitespace())
            .find(|w| w.starts_with("INC-"))
            .expect("the drill's incident in the started line")
            .to_string();
        Headless {
            child,
            stdin,
            lines,
            incident,
        }
    }
}

fn send(stdin: &mut ChildStdin, line: &str) {
    writeln!(stdin, "{line}").expect("write a control");
    stdin.flush().expect("flush");
}

/// `1m 03s` or `45s` (the report's spans) in seconds.
fn seconds(span: &str) -> f64 {
    let mut total = 0.0;
    for part in span.split_whitespace() {
        let (n, unit) = part.split_at(part.len() - 1);
        let n: f64 = n.parse().unwrap_or_else(|_| panic!("not a span: {span}"));
        total += n * match unit {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            _ => panic!("not a span: {span}"),
        };
    }
    total
}

/// The report's objectives table: id → (took, outcome).
fn objectives(report: &str) -> Vec<(String, String, String)> {
    report
        .lines()
        .skip_while(|l| !l.starts_with("## Objectives"))
        .filter(|l| l.starts_with("| ") && !l.starts_with("| Id"))
        .take_while(|l| !l.starts_with("| Seq"))
        .map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split('|').map(str::trim).collect();
            (cells[0].to_string(), cells[3].to_string(), cells[4].to_string())
        })
        .collect()
}

fn secs_between(a: DateTime<Utc>, b: DateTime<Utc>) -> f64 {
    (b - a).num_microseconds().unwrap_or(0) as f64 / 1e6
}

#[test]
fn a_headless_drill_scores_players_acting_through_the_cli() {
    const SPEED: f64 = 60.0;
    let sb = Sandbox::new();
    let store = sb.store();
    let fixture = mini().display().to_string();
    // A drill's incident is written to only by name (`log` never picks one by itself).
    let Headless {
        mut child,
        mut stdin,
        mut lines,
        incident,
    } = Headless::start(&sb, &store, "60", &fixture);

    // The security engineer acknowledges the finding once it arrives.
    lines.wait("inject 1  securityhub");
    sb.ok(
        &store,
        &["log", "--incident", &incident, "ack: looking at the Tor finding"],
    );
    // The Splunk spike; the facilitator pauses half a second, then the team decides.
    lines.wait("inject 2  splunk");
    send(&mut stdin, "pause");
    lines.wait("paused");
    std::thread::sleep(Duration::from_millis(500));
    send(&mut stdin, "resume");
    lines.wait("resumed");
    sb.ok(
        &store,
        &[
            "log",
            "--incident",
            &incident,
            "--kind",
            "decision",
            "Disable the key AKIAEXAMPLE now",
        ],
    );
    send(&mut stdin, "speed 0");
    lines.wait("! speed needs a number");
    lines.wait("objective contain met");
    // Nobody tells customers: `tell` is missed. The contingency (nudge if `ack` unmet) is skipped.
    lines.wait("skipped 5");
    lines.wait("objective tell missed");
    lines.wait("ended: scenario time is up");
    let status = child.wait().expect("the drill ends by itself");
    assert!(status.success(), "{status:?}\n{}", lines.seen.join("\n"));

    // The figures, from the store's own times.
    let events = common::events(&store);
    let at = |pred: &dyn Fn(&EventBody) -> bool| {
        events
            .iter()
            .find(|e| pred(&e.body))
            .map(|e| (e.recorded_at, e.body.clone()))
            .unwrap_or_else(|| panic!("missing event"))
    };
    let inject = |n: u32| at(&|b| matches!(b, EventBody::DrillInject { seq, .. } if *seq == n));
    let (i1, i1_body) = inject(1);
    let (i2, i2_body) = inject(2);
    let planned = |b: &EventBody| match b {
        EventBody::DrillInject { scenario_at, .. } => *scenario_at as f64,
        _ => 0.0,
    };
    let (ack, _) = at(&|b| matches!(b, EventBody::Note { text } if text.starts_with("ack:")));
    let (decision, _) = at(&|b| matches!(b, EventBody::Decision { .. }));
    let (paused, _) = at(&|b| matches!(b, EventBody::DrillPaused { .. }));
    let (resumed, _) = at(&|b| matches!(b, EventBody::DrillResumed { .. }));
    assert!(i2 < paused && resumed < decision);
    // Scenario time runs at 60× except while paused; an inject records the whole second it fell in.
    let started = events
        .iter()
        .find(|e| matches!(e.body, EventBody::DrillStarted { .. }))
        .map(|e| e.recorded_at)
        .expect("started");
    let clock = |t: DateTime<Utc>| {
        let paused_for = if t > resumed {
            secs_between(paused, resumed)
        } else if t > paused {
            secs_between(paused, t)
        } else {
            0.0
        };
        (secs_between(started, t) - paused_for) * SPEED
    };
    let ack_took = clock(ack) - planned(&i1_body);
    let contain_took = clock(decision) - planned(&i2_body);
    assert!(
        clock(i1) - planned(&i1_body) < 1.5,
        "inject 1 recorded its scenario time"
    );

    let out_file = sb.path("aar.md");
    sb.ok(
        &store,
        &["drill", "report", "--output", out_file.to_str().expect("path")],
    );
    let report = std::fs::read_to_string(&out_file).expect("the report");
    let rows = objectives(&report);
    let row = |id: &str| {
        rows.iter()
            .find(|r| r.0 == id)
            .cloned()
            .unwrap_or_else(|| panic!("no row {id} in {rows:?}"))
    };
    let (_, took, outcome) = row("ack");
    assert_eq!(outcome, "met");
    assert!(
        (seconds(&took) - ack_took).abs() <= 2.0,
        "ack took {took}, expected {ack_took:.1}s"
    );
    let (_, took, outcome) = row("contain");
    assert_eq!(outcome, "met");
    assert!(
        (seconds(&took) - contain_took).abs() <= 2.0,
        "contain took {took}, expected {contain_took:.1}s (the pause not counted)"
    );
    let (_, took, outcome) = row("tell");
    assert_eq!((took.as_str(), outcome.as_str()), ("—", "missed"));
    assert!(report.contains("**2 of 3 objectives met.**"), "{report}");
    // Delivered and skipped injects, with the hidden note marked as such.
    let skipped = report.split("### Skipped").nth(1).expect("a skipped section");
    assert!(skipped.contains("#5"), "{skipped}");
    assert!(
        report.contains("#6"),
        "the hidden note is listed for the facilitator"
    );
    // The drill's incident is a drill, and the chain is intact.
    let verify = sb.ok(&store, &["verify"]);
    assert!(verify.contains("intact") || verify.contains("ok"), "{verify}");
}

#[test]
fn a_drill_whose_facilitator_died_is_taken_up_where_it_stood() {
    let sb = Sandbox::new();
    let store = sb.store();
    let fixture = mini().display().to_string();
    let none = sb.run(&store, &["drill", "resume", "--headless"]);
    assert_eq!(none.status.code(), Some(1));
    assert!(common::stderr(&none).contains("no drill is running here"));

    let mut first = sb
        .cmd(&store, &["drill", "run", "--headless", "--speed", "60", &fixture])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the drill");
    let mut lines = Lines::follow(&mut first);
    lines.wait("inject 2  splunk");
    first.kill().expect("kill the facilitator"); // SIGKILL: nothing recorded its end
    let _ = first.wait();

    let mut second = sb
        .cmd(&store, &["drill", "resume", "--headless"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .expect("take the drill up");
    let mut lines = Lines::follow(&mut second);
    lines.wait("taken up");
    lines.wait("inject 3  backup");
    lines.wait("ended: scenario time is up");
    assert!(second.wait().expect("it ends").success());
    assert!(
        !lines
            .seen
            .iter()
            .any(|l| l.contains("inject 1 ") || l.contains("inject 2 ")),
        "delivered again:\n{}",
        lines.seen.join("\n")
    );
    let delivered: Vec<u32> = common::bodies(&store)
        .into_iter()
        .filter_map(|b| match b {
            EventBody::DrillInject { seq, .. } => Some(seq),
            _ => None,
        })
        .collect();
    // Nobody acknowledged, so the contingency (5) fired too.
    assert_eq!(delivered, [1, 2, 3, 4, 5, 6], "each once, in order");
}

#[test]
fn the_demo_without_a_terminal_plays_a_drill_and_prints_its_report() {
    let sb = Sandbox::new();
    let kept = sb.path("demo.db");
    let out = sb.run(&sb.store(), &["demo", "--keep", kept.to_str().expect("path")]);
    let text = common::stdout(&out);
    assert!(out.status.success(), "{}\n{}", text, common::stderr(&out));
    for part in [
        "started: Ransomware on the file servers",
        "inject 1  securityhub",
        "inject 4  backup",
        "ended: scenario time is up",
        "# After-action report: Ransomware on the file servers (exercise)",
        "objectives met.**",
    ] {
        assert!(text.contains(part), "`{part}` missing from:\n{text}");
    }
    // The simulated team played: its actions are on the timeline, and the chain is intact.
    assert!(
        common::events(&kept)
            .iter()
            .any(|e| e.author.as_str().ends_with("@demo-jump-01"))
    );
    assert!(sb.ok(&kept, &["verify"]).starts_with("ok:"));
}

/// A built-in scenario's external-update objective, met by a person posting an external
/// status update as any responder can (`update external …`, here through `warroom do`).
#[test]
fn a_players_external_update_meets_a_built_in_objective() {
    let sb = Sandbox::new();
    let store = sb.store();
    let Headless {
        mut child,
        mut stdin,
        mut lines,
        incident,
    } = Headless::start(&sb, &store, "300", "ransomware");
    // The customer's tweet; the comms lead answers in public.
    lines.wait("inject 16");
    let text = "Some customer documents are unavailable while we restore them; next update at 15:00.";
    sb.ok(
        &store,
        &["do", "--incident", &incident, "update", "external", text],
    );
    lines.wait("objective external-update met");
    send(&mut stdin, "end");
    let status = child.wait().expect("the drill ends");
    assert!(status.success(), "{status:?}\n{}", lines.seen.join("\n"));
    assert!(common::bodies(&store).iter().any(|b| matches!(b,
        EventBody::StatusUpdatePosted { audience: warroom::timeline::Audience::External, text: t } if t == text)));
}
