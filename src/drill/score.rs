//! Drill scoring: the runs recorded on a timeline, their scenario clock, and for each objective
//! the time from its inject to the first player action that meets it. Pure functions over
//! events, so a score is the same in the facilitator's console, a report or a test.

use super::player::{MAX_SPEED, MIN_SPEED};
use super::scenario::{Measure, Objective, Scenario};
use crate::text::{clean_line, truncate};
use crate::timeline::describe::describe;
use crate::timeline::{Event, EventBody, IncidentId};
use chrono::{DateTime, Utc};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use serde_json::Value;
use std::time::Duration;

/// Names and titles from the timeline are capped at this many characters.
const MAX_NAME: usize = 200;

/// An MSEL inject as it was delivered.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivered {
    pub seq: u32,
    /// When the `drill.inject` was recorded.
    pub at: DateTime<Utc>,
    pub scenario_at: Duration,
}

/// One play of a scenario, as its `drill.*` events record it.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    pub run: String,
    pub scenario: String,
    pub title: String,
    pub incident: IncidentId,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    /// The scenario file's text, as recorded at the start (not cleaned: it is TOML to parse).
    pub definition: String,
    /// MSEL injects (seq ≥ 1), each once, in delivery order.
    pub delivered: Vec<Delivered>,
    pub skipped: Vec<u32>,
    /// Ad-hoc injects (seq 0).
    pub adhoc: usize,
    /// Every change of the clock, in order, starting with `Start`.
    pub controls: Vec<(DateTime<Utc>, Control)>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Control {
    Start { speed: f64 },
    Pause,
    Resume,
    Speed(f64),
    End,
}

/// Every drill run in these events, oldest first. Drill events of a run not started in
/// `events` are ignored, as are a run's events after its end.
pub fn runs(events: &[Event]) -> Vec<Run> {
    let mut runs: Vec<Run> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::default();
    for e in events {
        if let EventBody::DrillStarted {
            run,
            scenario,
            title,
            speed,
            definition,
        } = &e.body
        {
            if index.contains_key(run.as_str()) {
                continue;
            }
            index.insert(run, runs.len());
            runs.push(Run {
                run: name(run),
                scenario: name(scenario),
                title: name(title),
                incident: e.incident.clone(),
                started_at: e.recorded_at,
                ended_at: None,
                definition: definition.clone(),
                delivered: Vec::new(),
                skipped: Vec::new(),
                adhoc: 0,
                controls: vec![(e.recorded_at, Control::Start { speed: *speed })],
            });
            continue;
        }
        let Some(id) = drill_run(&e.body) else {
            continue;
        };
        let Some(r) = index.get(id).map(|&i| &mut runs[i]) else {
            continue;
        };
        if r.ended_at.is_some() {
            continue;
        }
        let at = e.recorded_at;
        match &e.body {
            EventBody::DrillPaused { .. } => r.controls.push((at, Control::Pause)),
            EventBody::DrillResumed { .. } => r.controls.push((at, Control::Resume)),
            EventBody::DrillSpeed { speed, .. } => r.controls.push((at, Control::Speed(*speed))),
            EventBody::DrillEnded { .. } => {
                r.controls.push((at, Control::End));
                r.ended_at = Some(at);
            }
            EventBody::DrillInject { seq: 0, .. } => r.adhoc += 1,
            // Each MSEL inject counts once, as delivered first.
            EventBody::DrillInject { seq, scenario_at, .. } if r.delivery(*seq).is_none() => {
                r.delivered.push(Delivered {
                    seq: *seq,
                    at,
                    scenario_at: Duration::from_secs(*scenario_at),
                });
            }
            EventBody::DrillSkipped { seq, .. } if !r.skipped.contains(seq) => r.skipped.push(*seq),
            _ => {}
        }
    }
    runs.sort_by_key(|r| r.started_at);
    runs
}

/// The run a `drill.*` event belongs to.
pub fn drill_run(body: &EventBody) -> Option<&str> {
    match body {
        EventBody::DrillStarted { run, .. }
        | EventBody::DrillPaused { run }
        | EventBody::DrillResumed { run }
        | EventBody::DrillSpeed { run, .. }
        | EventBody::DrillInject { run, .. }
        | EventBody::DrillSkipped { run, .. }
        | EventBody::DrillEnded { run, .. } => Some(run),
        _ => None,
    }
}

fn name(s: &str) -> String {
    clean_line(&truncate(s, MAX_NAME)).into_owned()
}

/// A speed as the player would have applied it (a hostile event cannot stop or reverse time).
fn sane_speed(speed: f64) -> f64 {
    if speed.is_finite() {
        speed.clamp(MIN_SPEED, MAX_SPEED)
    } else {
        1.0
    }
}

impl Run {
    /// The scenario clock at wall time `t`: real time elapsed since start, times the speed in
    /// force, not counting paused spans (piecewise over `controls`); frozen after End.
    pub fn scenario_time(&self, t: DateTime<Utc>) -> Duration {
        let mut clock = Duration::ZERO;
        let mut speed = 1.0;
        let mut running = false;
        let mut since = self.started_at;
        let advance = |clock: &mut Duration, from: DateTime<Utc>, to: DateTime<Utc>, speed: f64| {
            *clock += (to - from).to_std().unwrap_or_default().mul_f64(speed);
        };
        for &(at, control) in &self.controls {
            if at > t {
                break;
            }
            if running {
                advance(&mut clock, since, at, speed);
            }
            since = at;
            match control {
                Control::Start { speed: s } => {
                    speed = sane_speed(s);
                    running = true;
                }
                Control::Pause => running = false,
                Control::Resume => running = true,
                Control::Speed(s) => speed = sane_speed(s),
                Control::End => return clock,
            }
        }
        if running {
            advance(&mut clock, since, t, speed);
        }
        clock
    }

    /// The scenario as this run recorded it at its start (whatever the files say today).
    pub fn scenario(&self) -> Result<Scenario, crate::config::ConfigError> {
        let origin = format!("the scenario recorded by run {}", self.run);
        Scenario::parse(&origin, &self.definition, None)
    }

    /// Whether `body` is one of this run's `drill.*` events.
    pub fn owns(&self, body: &EventBody) -> bool {
        drill_run(body).is_some_and(|id| name(id) == self.run)
    }

    /// When inject `seq` was delivered, if it was.
    pub fn delivery(&self, seq: u32) -> Option<&Delivered> {
        self.delivered.iter().find(|d| d.seq == seq)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Met,
    Missed,
    /// The clock is running: not yet met, not yet timed out.
    Pending,
    /// Its `from` inject was never delivered.
    NotStarted,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Met => "met",
            Outcome::Missed => "missed",
            Outcome::Pending => "pending",
            Outcome::NotStarted => "not started",
        }
    }
}

/// One objective scored. Text fields are cleaned single lines.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectiveResult {
    pub id: String,
    pub text: String,
    pub outcome: Outcome,
    /// Scenario time from the `from` inject's delivery to the first matching action.
    pub took: Option<Duration>,
    pub within: Duration,
    /// Who did it.
    pub by: Option<String>,
    /// The matching action, in one line.
    pub action: Option<String>,
}

/// Every objective of `scenario`, scored against `run` as of `now`.
pub fn score(scenario: &Scenario, run: &Run, events: &[Event], now: DateTime<Utc>) -> Vec<ObjectiveResult> {
    let retracted = retracted(run, events);
    scenario
        .objectives
        .iter()
        .map(|o| objective(o, run, events, &retracted, now))
        .collect()
}

fn objective(
    o: &Objective,
    run: &Run,
    events: &[Event],
    retracted: &HashSet<uuid::Uuid>,
    now: DateTime<Utc>,
) -> ObjectiveResult {
    let m = &o.measure;
    let mut result = ObjectiveResult {
        id: name(&o.id),
        text: name(&o.text),
        outcome: Outcome::NotStarted,
        took: None,
        within: m.within,
        by: None,
        action: None,
    };
    let Some(from) = run.delivery(m.from) else {
        return result;
    };
    let first = events
        .iter()
        .filter(|e| {
            e.incident == run.incident
                && e.recorded_at >= from.at
                && run.ended_at.is_none_or(|end| e.recorded_at <= end)
                && is_player(e.author.as_str())
                && e.kind() == m.kind
                && !retracted.contains(&e.id)
                && payload_matches(&e.body, m)
        })
        .min_by_key(|e| (e.recorded_at, e.seq));
    match first {
        Some(e) => {
            let took = run.scenario_time(e.recorded_at).saturating_sub(from.scenario_at);
            result.outcome = if took <= m.within {
                Outcome::Met
            } else {
                Outcome::Missed
            };
            result.took = Some(took);
            result.by = Some(name(e.author.as_str()));
            result.action = Some(name(&describe(&e.body)));
        }
        None => {
            let clock = run.scenario_time(now);
            result.outcome = if clock > from.scenario_at.saturating_add(m.within) {
                Outcome::Missed
            } else {
                Outcome::Pending
            };
        }
    }
    result
}

/// A person playing, not the drill player or a source.
pub fn is_player(author: &str) -> bool {
    author != "drill" && !author.starts_with("source:")
}

/// Events withdrawn in the run's incident: an action logged in error meets nothing.
fn retracted(run: &Run, events: &[Event]) -> HashSet<uuid::Uuid> {
    events
        .iter()
        .filter(|e| e.incident == run.incident)
        .filter_map(|e| match &e.body {
            EventBody::Retracted { target, .. } => Some(*target),
            _ => None,
        })
        .collect()
}

fn payload_matches(body: &EventBody, m: &Measure) -> bool {
    if m.matches.is_empty() {
        return true;
    }
    let Ok(payload) = serde_json::from_str::<Value>(&body.payload_json()) else {
        return false;
    };
    m.matches.iter().all(|(field, want)| {
        payload
            .get(field)
            .is_some_and(|v| value_matches(v, &want.to_lowercase()))
    })
}

/// Text contains `want`; an array has an element that matches; a number or bool reads as it.
/// `want` is lower case.
fn value_matches(v: &Value, want: &str) -> bool {
    match v {
        Value::String(s) => s.to_lowercase().contains(want),
        Value::Array(items) => items.iter().any(|i| value_matches(i, want)),
        Value::Number(n) => n.to_string() == want,
        Value::Bool(b) => b.to_string() == want,
        Value::Null | Value::Object(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::Author;
    use crate::timeline::store::RawEvent;
    use crate::timeline::{Hash, NewEvent};
    use chrono::TimeZone;
    use serde_json::json;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 28, 13, 0, 0).single().unwrap()
    }

    fn secs(s: i64) -> DateTime<Utc> {
        t0() + chrono::TimeDelta::seconds(s)
    }

    fn events(list: Vec<(i64, &str, EventBody)>) -> Vec<Event> {
        let mut prev = Hash::GENESIS;
        list.into_iter()
            .enumerate()
            .map(|(n, (at, author, body))| {
                let mut e = NewEvent::new(IncidentId("INC-1".into()), Author(author.into()), body);
                e.recorded_at = secs(at);
                let raw = RawEvent::place(&e, n as u64 + 1, prev);
                prev = raw.hash;
                raw.into_event()
            })
            .collect()
    }

    fn started(speed: f64) -> EventBody {
        EventBody::DrillStarted {
            run: "r1".into(),
            scenario: "s".into(),
            title: "t".into(),
            speed,
            definition: String::new(),
        }
    }

    #[test]
    fn the_clock_follows_speed_pauses_and_the_end() {
        let r = "r1".to_string();
        let evs = events(vec![
            (0, "drill", started(2.0)),
            (10, "drill", EventBody::DrillPaused { run: r.clone() }),
            (100, "drill", EventBody::DrillResumed { run: r.clone() }),
            (
                110,
                "drill",
                EventBody::DrillSpeed {
                    run: r.clone(),
                    speed: 60.0,
                },
            ),
            (
                120,
                "drill",
                EventBody::DrillEnded {
                    run: r.clone(),
                    reason: None,
                },
            ),
            // after the end: ignored
            (130, "drill", EventBody::DrillSpeed { run: r, speed: 1.0 }),
        ]);
        let runs = runs(&evs);
        assert_eq!(runs.len(), 1);
        let run = &runs[0];
        assert_eq!(run.controls.len(), 5);
        let at = |s| run.scenario_time(secs(s)).as_secs();
        assert_eq!(at(-5), 0);
        assert_eq!(at(5), 10);
        assert_eq!(at(50), 20, "paused");
        assert_eq!(at(105), 30);
        assert_eq!(at(115), 40 + 300);
        assert_eq!(at(120), 40 + 600);
        assert_eq!(at(5000), 640, "frozen after the end");
    }

    #[test]
    fn hostile_speeds_are_clamped() {
        assert_eq!(sane_speed(f64::NAN), 1.0);
        assert_eq!(sane_speed(f64::INFINITY), 1.0);
        assert_eq!(sane_speed(1e9), MAX_SPEED);
        let evs = events(vec![(0, "drill", started(-5.0))]);
        assert_eq!(runs(&evs)[0].scenario_time(secs(10)).as_secs(), 5);
    }

    #[test]
    fn values_match_case_insensitively() {
        let m = |v: Value, w: &str| value_matches(&v, &w.to_lowercase());
        assert!(m(json!("Root Key USED"), "key used"));
        assert!(!m(json!("root key"), "key used"));
        assert!(m(json!(["a", "Suspicious Login"]), "suspicious"));
        assert!(!m(json!(["a", "b"]), "c"));
        assert!(m(json!(1), "1"));
        assert!(!m(json!(12), "1"), "numbers are equal, not contained");
        assert!(m(json!(true), "TRUE"));
        assert!(!m(json!(null), "null"));
        assert!(!m(json!({"a": "x"}), "x"));
    }

    #[test]
    fn a_missing_field_does_not_match() {
        let m = Measure {
            kind: "note".into(),
            matches: vec![("rationale".into(), "x".into())],
            within: Duration::from_secs(60),
            from: 1,
        };
        assert!(!payload_matches(&EventBody::Note { text: "x".into() }, &m));
        let m = Measure {
            matches: vec![("text".into(), "X".into())],
            ..m
        };
        assert!(payload_matches(&EventBody::Note { text: "axe".into() }, &m));
    }

    #[test]
    fn players_are_people() {
        assert!(is_player("maria@jump-01"));
        assert!(!is_player("drill"));
        assert!(!is_player("source:securityhub"));
    }
}
