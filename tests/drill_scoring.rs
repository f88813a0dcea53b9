//! Drill scoring and the after-action report, over timelines built by hand with explicit
//! recorded times.

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use std::time::Duration;
use warroom::drill::report::{after_action, find_run};
use warroom::drill::scenario::{
    IncidentSpec, Inject, InjectKind, Measure, Objective, RoleSpec, Scenario, Target,
};
use warroom::drill::score::{Outcome, Run, runs, score};
use warroom::timeline::store::RawEvent;
use warroom::timeline::{Author, Event, EventBody, Hash, IncidentId, NewEvent, Role, Severity};

const INC: &str = "INC-20261128-DRILL";
const MARIA: &str = "maria@jump-01";
const KENJI: &str = "kenji@jump-02";
/// An OSC window-title change and a bell: must never reach the report.
const EVIL: &str = "flushed \u{1b}]0;pwned\u{7} <script>x</script> | cache";

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 28, 13, 0, 0).single().unwrap()
}

fn mins(m: u64) -> Duration {
    Duration::from_secs(m * 60)
}

/// A timeline under construction: events in append order, each at `t0 + secs`.
#[derive(Default)]
struct Tl(Vec<NewEvent>);

impl Tl {
    fn at(&mut self, secs: i64, incident: &str, author: &str, body: EventBody) -> &mut Tl {
        let mut e = NewEvent::new(IncidentId(incident.into()), Author(author.into()), body);
        e.recorded_at = t0() + TimeDelta::seconds(secs);
        self.0.push(e);
        self
    }
    /// Drill events of run `run` in incident `INC`.
    fn drill(&mut self, secs: i64, body: EventBody) -> &mut Tl {
        self.at(secs, INC, "drill", body)
    }
    fn player(&mut self, secs: i64, who: &str, body: EventBody) -> &mut Tl {
        self.at(secs, INC, who, body)
    }
    fn events(&self) -> Vec<Event> {
        let mut prev = Hash::GENESIS;
        self.0
            .iter()
            .enumerate()
            .map(|(n, e)| {
                let raw = RawEvent::place(e, n as u64 + 1, prev);
                prev = raw.hash;
                raw.into_event()
            })
            .collect()
    }
}

fn started(run: &str, speed: f64) -> EventBody {
    EventBody::DrillStarted {
        run: run.into(),
        scenario: "leaked-key".into(),
        title: "Leaked access key".into(),
        speed,
        definition: "name = \"leaked-key\"".into(),
    }
}

fn inject(run: &str, seq: u32, scenario_at: u64, description: &str, hidden: bool) -> EventBody {
    EventBody::DrillInject {
        run: run.into(),
        seq,
        scenario_at,
        inject: "message".into(),
        target: "timeline".into(),
        source: None,
        search: None,
        from: Some("AWS".into()),
        to: None,
        description: description.into(),
        payload: String::new(),
        hidden,
    }
}

fn ended(run: &str) -> EventBody {
    EventBody::DrillEnded {
        run: run.into(),
        reason: Some("done".into()),
    }
}

fn notified() -> EventBody {
    EventBody::FindingUpdated {
        source: "securityhub".into(),
        findings: vec!["Access key used from a new country".into()],
        workflow: Some("Notified".into()),
        note: None,
    }
}

fn sev1() -> EventBody {
    EventBody::SeverityChanged {
        severity: Severity::WORST,
        reason: None,
    }
}

fn update(text: &str) -> EventBody {
    EventBody::StatusUpdatePosted {
        text: text.into(),
        audience: Default::default(),
    }
}

fn note(text: &str) -> EventBody {
    EventBody::Note { text: text.into() }
}

fn objective(
    id: &str,
    text: &str,
    kind: &str,
    matches: &[(&str, &str)],
    within: u64,
    from: u32,
) -> Objective {
    Objective {
        id: id.into(),
        text: text.into(),
        measure: Measure {
            kind: kind.into(),
            matches: matches
                .iter()
                .map(|(f, v)| (f.to_string(), v.to_string()))
                .collect(),
            within: mins(within),
            from,
        },
    }
}

fn msel(seq: u32, at: u64, description: &str) -> Inject {
    Inject {
        seq,
        at: mins(at),
        kind: InjectKind::Message,
        target: Target::Timeline,
        source: None,
        search: None,
        from: None,
        to: None,
        description: description.into(),
        expected_action: None,
        objective: None,
        hidden: false,
        payload: String::new(),
        contingency: None,
    }
}

fn scenario() -> Scenario {
    Scenario {
        name: "leaked-key".into(),
        title: "Leaked access key".into(),
        description: "An access key leaks.\nPlayers contain it.".into(),
        audience: "on-call engineers".into(),
        duration: mins(45),
        epoch: None,
        incident: IncidentSpec {
            title: "Access key used from abroad".into(),
            severity: 2,
            runbook: None,
        },
        roles: vec![
            RoleSpec {
                name: "commander".into(),
                description: "runs the response".into(),
            },
            RoleSpec {
                name: "ops".into(),
                description: String::new(),
            },
        ],
        objectives: vec![
            objective(
                "ack",
                "Acknowledge the finding",
                "finding.updated",
                &[("workflow", "NOTIFIED"), ("findings", "new COUNTRY")],
                5,
                1,
            ),
            objective(
                "sev",
                "Raise to SEV1",
                "severity.changed",
                &[("severity", "sev1")],
                10,
                1,
            ),
            objective(
                "comms",
                "Tell customers",
                "status_update.posted",
                &[("text", "customers")],
                15,
                2,
            ),
            objective(
                "restore",
                "Confirm restore",
                "note",
                &[("text", "restored")],
                10,
                4,
            ),
        ],
        injects: vec![
            msel(1, 1, "Security Hub: key used from a new country"),
            Inject {
                hidden: true,
                ..msel(2, 10, "Facilitator: watch whether comms is engaged")
            },
            Inject {
                contingency: Some("ack".into()),
                ..msel(3, 20, "Reminder: the finding is still new")
            },
            msel(4, 30, "Backups finished"),
        ],
    }
}

fn outcomes(results: &[warroom::drill::score::ObjectiveResult]) -> Vec<(&str, Outcome, Option<u64>)> {
    results
        .iter()
        .map(|r| (r.id.as_str(), r.outcome, r.took.map(|d| d.as_secs())))
        .collect()
}

fn after(secs: i64) -> DateTime<Utc> {
    t0() + TimeDelta::seconds(secs)
}

/// Speed 1: one objective met, one late, one pending then missed, one never started; the
/// actions that must not count are there too.
fn real_time() -> Vec<Event> {
    let mut tl = Tl::default();
    tl.drill(0, started("r1", 1.0))
        // before the inject: too early
        .player(30, MARIA, notified())
        .drill(60, inject("r1", 1, 60, "key used", false))
        // not players, or not this incident
        .at(90, INC, "source:securityhub", notified())
        .drill(100, notified())
        .at(120, "INC-20261128-OTHER", MARIA, notified())
        // wrong kind for "comms"; a field value that does not match "ack"
        .player(150, KENJI, note("customers informed"))
        .player(
            170,
            KENJI,
            EventBody::FindingUpdated {
                source: "securityhub".into(),
                findings: vec!["Access key used from a new country".into()],
                workflow: Some("RESOLVED".into()),
                note: None,
            },
        )
        // met: 140 s after the inject, workflow matched case-insensitively
        .player(200, MARIA, notified())
        .drill(600, inject("r1", 2, 600, "watch comms", true))
        // late: 700 s after inject 1, 600 allowed
        .player(760, KENJI, sev1())
        .player(800, KENJI, sev1());
    tl.events()
}

#[test]
fn speed_one_scores_met_late_pending_and_not_started() {
    let events = real_time();
    let runs = runs(&events);
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    assert_eq!(
        run.delivered.iter().map(|d| d.seq).collect::<Vec<_>>(),
        vec![1, 2]
    );
    let s = scenario();

    let results = score(&s, run, &events, after(1000));
    assert_eq!(
        outcomes(&results),
        vec![
            ("ack", Outcome::Met, Some(140)),
            ("sev", Outcome::Missed, Some(700)),
            ("comms", Outcome::Pending, None),
            ("restore", Outcome::NotStarted, None),
        ]
    );
    assert_eq!(results[0].by.as_deref(), Some(MARIA));
    let action = results[0].action.as_deref().unwrap_or_default();
    assert!(action.contains("set to Notified"), "{action}");
    assert_eq!(results[1].by.as_deref(), Some(KENJI));
    assert_eq!(results[1].within, mins(10));

    // Inject 2 came at 600 s with 15 minutes allowed: past 1500 s, "comms" is missed.
    let at = |secs| score(&s, run, &events, after(secs))[2].outcome;
    assert_eq!(at(1500), Outcome::Pending);
    assert_eq!(at(1501), Outcome::Missed);
}

#[test]
fn actions_that_do_not_count_leave_an_objective_open() {
    let mut tl = Tl::default();
    tl.drill(0, started("r1", 1.0))
        .player(30, MARIA, notified())
        .drill(60, inject("r1", 1, 60, "key used", false))
        .at(90, INC, "source:securityhub", notified())
        .drill(100, notified())
        .at(120, "INC-20261128-OTHER", MARIA, notified())
        .player(130, MARIA, note("Notified, new country"));
    let events = tl.events();
    let runs = runs(&events);
    let results = score(&scenario(), &runs[0], &events, after(200));
    assert_eq!(results[0].outcome, Outcome::Pending);
    assert_eq!(results[0].took, None);
    assert_eq!(results[0].by, None);
}

#[test]
fn a_retracted_action_meets_nothing() {
    let mut tl = Tl::default();
    tl.drill(0, started("r1", 1.0))
        .drill(60, inject("r1", 1, 60, "key used", false))
        .player(100, MARIA, sev1());
    let wrong = tl.0[2].id;
    tl.player(
        110,
        MARIA,
        EventBody::Retracted {
            target: wrong,
            reason: None,
        },
    )
    .player(400, KENJI, sev1());
    let events = tl.events();
    let runs = runs(&events);
    let results = score(&scenario(), &runs[0], &events, after(500));
    assert_eq!(outcomes(&results)[1], ("sev", Outcome::Met, Some(340)));
}

/// 60×, a pause in the middle, then back to real time, then the end.
fn fast_with_pause() -> Vec<Event> {
    let mut tl = Tl::default();
    tl.drill(0, started("r2", 60.0))
        .drill(2, inject("r2", 1, 120, "key used", false))
        .drill(4, EventBody::DrillPaused { run: "r2".into() })
        // clock stopped at 240 s for 496 s of wall time
        .drill(500, EventBody::DrillResumed { run: "r2".into() })
        // 240 + 3 × 60 = 420: exactly the 5 minutes allowed
        .player(503, MARIA, notified())
        .drill(505, inject("r2", 2, 540, "watch comms", true))
        .drill(
            510,
            EventBody::DrillSpeed {
                run: "r2".into(),
                speed: 1.0,
            },
        )
        // 840 + 60 = 900: 13 minutes after inject 1, 10 allowed
        .player(570, KENJI, sev1())
        .drill(600, ended("r2"))
        // after the end: does not count
        .player(700, MARIA, update("Customers: we are on it"));
    tl.events()
}

#[test]
fn the_clock_runs_fast_stops_while_paused_and_follows_speed_changes() {
    let events = fast_with_pause();
    let runs = runs(&events);
    let run = &runs[0];
    let clock = |secs| run.scenario_time(after(secs)).as_secs();
    assert_eq!(clock(2), 120);
    assert_eq!(clock(4), 240);
    assert_eq!(clock(300), 240, "paused");
    assert_eq!(clock(503), 420);
    assert_eq!(clock(510), 840);
    assert_eq!(clock(570), 900);
    assert_eq!(clock(600), 930);
    assert_eq!(clock(100_000), 930, "frozen after the end");
    assert_eq!(run.ended_at, Some(after(600)));

    let results = score(&scenario(), run, &events, after(100_000));
    assert_eq!(
        outcomes(&results),
        vec![
            ("ack", Outcome::Met, Some(300)),
            ("sev", Outcome::Missed, Some(780)),
            // inject 2 at 540 s, 900 allowed; the clock stopped at 930: never timed out
            ("comms", Outcome::Pending, None),
            ("restore", Outcome::NotStarted, None),
        ]
    );
}

#[test]
fn runs_are_listed_oldest_first_and_found_by_id() {
    let mut tl = Tl::default();
    tl.drill(0, started("a", 1.0))
        .drill(10, ended("a"))
        .drill(100, started("b", 1.0))
        .drill(
            110,
            EventBody::DrillSkipped {
                run: "b".into(),
                seq: 3,
            },
        )
        .drill(120, inject("b", 0, 20, "ad hoc", false))
        .drill(130, inject("b", 1, 30, "once", false))
        .drill(140, inject("b", 1, 40, "twice", false))
        // a run never started here
        .drill(150, inject("ghost", 1, 0, "x", false));
    let events = tl.events();
    let all = runs(&events);
    let ids: Vec<&str> = all.iter().map(|r| r.run.as_str()).collect();
    assert_eq!(ids, vec!["a", "b"]);
    let b = &all[1];
    assert_eq!(b.skipped, vec![3]);
    assert_eq!(b.adhoc, 1);
    assert_eq!(b.delivered.len(), 1);
    assert_eq!(b.delivered[0].scenario_at, Duration::from_secs(30));
    assert_eq!(b.definition, "name = \"leaked-key\"");
    assert_eq!(find_run(&all, None).map(|r| r.run.as_str()), Some("b"));
    assert_eq!(find_run(&all, Some("a")).map(|r| r.run.as_str()), Some("a"));
    assert!(find_run(&all, Some("zzz")).is_none());
    assert!(find_run(&[], None).is_none());
}

/// Three runs of `leaked-key` (and one of another scenario), each in its own incident; the
/// last is the one reported on.
fn three_runs() -> Vec<Event> {
    let mut tl = Tl::default();
    let inc = |n: u32| format!("INC-20261128-RUN{n}");
    // Run 1: ack in 4 min, sev never.
    tl.at(0, &inc(1), "drill", started("leaked-key-1", 1.0))
        .at(
            60,
            &inc(1),
            "drill",
            inject("leaked-key-1", 1, 60, "key used", false),
        )
        .at(300, &inc(1), MARIA, notified())
        .at(1800, &inc(1), "drill", ended("leaked-key-1"));
    // Another scenario: not compared.
    let other = EventBody::DrillStarted {
        run: "ransomware-1".into(),
        scenario: "ransomware".into(),
        title: "Ransomware".into(),
        speed: 1.0,
        definition: String::new(),
    };
    tl.at(2000, "INC-20261128-RANSOM", "drill", other);
    // Run 2: ack late (6 min), sev in 8 min.
    let base = 10_000;
    tl.at(base, &inc(2), "drill", started("leaked-key-2", 1.0))
        .at(
            base + 60,
            &inc(2),
            "drill",
            inject("leaked-key-2", 1, 60, "key used", false),
        )
        .at(base + 420, &inc(2), KENJI, notified())
        .at(base + 540, &inc(2), KENJI, sev1())
        .at(base + 1800, &inc(2), "drill", ended("leaked-key-2"));
    // Run 3 (reported): hostile text, roles, a pause, a skip, a hidden inject.
    let base = 20_000;
    let run = "leaked-key-3";
    tl.at(base, &inc(3), "drill", started(run, 1.0))
        .at(
            base + 10,
            &inc(3),
            MARIA,
            EventBody::RoleAssigned {
                role: Role::Commander,
                person: "maria".into(),
            },
        )
        .at(
            base + 20,
            &inc(3),
            MARIA,
            EventBody::RoleAssigned {
                role: Role::Ops,
                person: KENJI.into(),
            },
        )
        .at(base + 60, &inc(3), "drill", inject(run, 1, 60, EVIL, false))
        .at(base + 120, &inc(3), MARIA, notified())
        .at(base + 130, &inc(3), KENJI, note(EVIL))
        .at(
            base + 200,
            &inc(3),
            "drill",
            EventBody::DrillPaused { run: run.into() },
        )
        .at(
            base + 500,
            &inc(3),
            "drill",
            EventBody::DrillResumed { run: run.into() },
        )
        .at(
            base + 600,
            &inc(3),
            "drill",
            inject(run, 2, 300, "watch comms", true),
        )
        .at(
            base + 700,
            &inc(3),
            "drill",
            EventBody::DrillSkipped {
                run: run.into(),
                seq: 3,
            },
        )
        .at(base + 800, &inc(3), "source:securityhub", note("polled"))
        .at(base + 1000, &inc(3), "drill", ended(run));
    tl.events()
}

fn report(events: &[Event], run: Option<&str>) -> String {
    let all = runs(events);
    let run: &Run = find_run(&all, run).unwrap();
    let mut out = Vec::new();
    after_action(&scenario(), run, events, after(30_000), &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// The text of one `## ` section.
fn section<'a>(md: &'a str, title: &str) -> &'a str {
    let start = md
        .find(&format!("\n## {title}\n"))
        .unwrap_or_else(|| panic!("no section {title} in\n{md}"));
    let rest = &md[start + 1..];
    let end = rest[3..].find("\n## ").map_or(rest.len(), |i| i + 4);
    &rest[..end]
}

#[test]
fn the_report_scores_the_objectives() {
    let events = three_runs();
    let md = report(&events, None);
    assert!(
        md.starts_with("# After-action report: Leaked access key (exercise)\n"),
        "{md}"
    );
    assert!(md.contains("| **Run** | leaked-key-3 |"));
    let o = section(&md, "Objectives");
    assert!(
        o.contains("| ack | Acknowledge the finding | 5m 00s | 1m 00s | met | maria@jump-01 |"),
        "{o}"
    );
    assert!(
        o.contains("| sev | Raise to SEV1 | 10m 00s | — | missed | — |"),
        "{o}"
    );
    // inject 2 at 300 s, 15 min allowed, the run ended at 700 s of scenario time
    assert!(
        o.contains("| comms | Tell customers | 15m 00s | — | not met (run ended) | — |"),
        "{o}"
    );
    assert!(o.contains("| restore | Confirm restore | 10m 00s | — | not started | — |"));
    assert!(
        o.contains("**1 of 4 objectives met.** (1 not met before the run ended)"),
        "{o}"
    );
}

#[test]
fn the_report_describes_the_exercise_people_and_injects() {
    let events = three_runs();
    let md = report(&events, None);
    let s = section(&md, "Scenario");
    assert!(s.contains("| **Planned duration** | 45m 00s |"), "{s}");
    // 1000 s of wall time, 300 of them paused
    assert!(
        s.contains("| **Actual duration** | 11m 40s scenario time, 16m 40s wall time |"),
        "{s}"
    );
    assert!(s.contains("| **Speed** | 1× |"));
    assert!(
        s.contains("| **Pauses** | once, 5m 00s in all: at T+00:03:20 for 5m 00s |"),
        "{s}"
    );
    assert!(s.contains("> An access key leaks.\n> Players contain it.\n"));

    let p = section(&md, "Participants and roles");
    assert!(p.contains("| kenji@jump-02 | ops | 1 |"), "{p}");
    assert!(p.contains("| maria@jump-01 | commander | 3 |"), "{p}");
    assert!(!p.contains("source:"), "{p}");
    assert!(!p.contains("| drill |"), "{p}");
    assert!(p.contains("- **commander** — runs the response (held by maria)"));
    assert!(p.contains("- **ops** (held by kenji@jump-02)"));

    let i = section(&md, "Injects");
    assert!(
        i.contains("| #1 | T+00:01:00 | T+00:01:00 | timeline | flushed"),
        "{i}"
    );
    assert!(
        i.contains("| #2 | T+00:10:00 | T+00:05:00 | timeline | watch comms *(facilitator only)* |"),
        "{i}"
    );
    assert!(i.contains(
        "- #3 (planned T+00:20:00): Reminder: the finding is still new — contingency for objective ack, not fired"
    ));
    assert!(
        i.contains("### Not delivered\n\n- #4 (planned T+00:30:00): Backups finished\n"),
        "{i}"
    );

    let t = section(&md, "Timeline");
    assert!(
        t.contains("| T+00:02:00 | 2026-11-28 18:35:20Z | maria@jump-01 | finding.updated |"),
        "{t}"
    );
    // paused from T+00:03:20 to wall +500 s: inject 2 at wall +600 is T+00:05:00
    assert!(
        t.contains("| T+00:05:00 | 2026-11-28 18:43:20Z | drill | drill.inject |"),
        "{t}"
    );
    assert!(!t.contains("polled"), "source events are not player actions");
    assert!(
        !t.contains("13:05:00Z"),
        "other runs are not in this run's timeline"
    );

    let improve = section(&md, "Areas for improvement");
    assert!(
        improve.contains("- Objective sev (Raise to SEV1) was missed: no matching action within 10m 00s.")
    );
    assert!(
        improve.contains(
            "- Objective restore (Confirm restore) was not exercised: inject #4 was never delivered."
        )
    );
    assert!(improve.contains("- *(to be filled in)*"));
    let strong = section(&md, "Strengths");
    assert!(
        strong.contains("- Objective ack (Acknowledge the finding) was met in 1m 00s of the 5m 00s allowed.")
    );
    assert!(strong.contains("- *(to be filled in)*"));
}

#[test]
fn the_report_compares_earlier_runs_of_the_same_scenario() {
    let events = three_runs();
    let md = report(&events, None);
    let c = section(&md, "Compared with earlier runs");
    let rows: Vec<&str> = c.lines().filter(|l| l.starts_with("| ")).collect();
    assert_eq!(rows.len(), 4, "{c}");
    assert_eq!(rows[0], "| Run | Date | Met | ack | sev | comms | restore |");
    assert_eq!(
        rows[1],
        "| leaked-key-1 | 2026-11-28 13:00:00Z | 1 of 4 | 4m 00s | missed | not started | not started |"
    );
    assert_eq!(
        rows[2],
        "| leaked-key-2 | 2026-11-28 15:46:40Z | 1 of 4 | 6m 00s (late) | 8m 00s | not started | not started |"
    );
    assert!(
        rows[3].starts_with("| leaked-key-3 (this run) | 2026-11-28 18:33:20Z | 1 of 4 | 1m 00s | missed |")
    );
    assert!(!c.contains("ransomware"));

    // The first run has nothing to compare with.
    let md = report(&events, Some("leaked-key-1"));
    assert!(md.contains("No earlier runs of this scenario in this store."));
    // The second compares with the first only.
    let md = report(&events, Some("leaked-key-2"));
    let c = section(&md, "Compared with earlier runs");
    assert!(
        c.contains("| leaked-key-1 |") && !c.contains("leaked-key-3"),
        "{c}"
    );
}

#[test]
fn hostile_text_cannot_escape_the_report() {
    let events = three_runs();
    let md = report(&events, None);
    assert!(
        !md.chars().any(|c| c.is_control() && c != '\n'),
        "a control character survived"
    );
    assert!(!md.contains("pwned"), "the escape sequence's text went with it");
    assert!(!md.contains("<script>"));
    assert!(md.contains("&lt;script>x&lt;/script> \\| cache"));
    // Every table row keeps its column count.
    let t = section(&md, "Timeline");
    for l in t.lines().filter(|l| l.starts_with('|')) {
        assert_eq!(l.replace("\\|", "").matches('|').count(), 6, "{l}");
    }
    let i = section(&md, "Injects");
    for l in i.lines().filter(|l| l.starts_with('|')) {
        assert_eq!(l.replace("\\|", "").matches('|').count(), 6, "{l}");
    }
}

#[test]
fn a_running_drill_reports_pending_objectives_and_speed_changes() {
    // As the store held it at wall +590 s: the end and the late update not yet written.
    let events: Vec<Event> = fast_with_pause()
        .into_iter()
        .filter(|e| e.recorded_at <= after(590))
        .collect();
    let all = runs(&events);
    let mut out = Vec::new();
    after_action(&scenario(), &all[0], &events, after(590), &mut out).unwrap();
    let md = String::from_utf8(out).unwrap();
    assert!(
        md.contains("| **Ended** | still running at 2026-11-28 13:09:50Z |"),
        "{md}"
    );
    assert!(md.contains("| **Speed** | 60×; 1× from T+00:14:00 |"), "{md}");
    assert!(
        md.contains("| **Pauses** | once, 8m 16s in all: at T+00:04:00 for 8m 16s |"),
        "{md}"
    );
    // now: 840 + 80 = 920 s; inject 2 at 540 s with 900 allowed
    assert!(
        md.contains("| comms | Tell customers | 15m 00s | — | pending | — |"),
        "{md}"
    );
    assert!(md.contains("**1 of 4 objectives met.** (1 still pending)"));
}
