//! The facilitator's side of a drill: the player, the run's events as the store returns them,
//! and the objectives scored from those events. The same code drives the facilitator's console,
//! `drill run --headless` and the demo; it does no I/O (each call returns events to append).

use super::player::{InjectState, Player};
use super::scenario::{Inject, Scenario, Target};
use super::score::{ObjectiveResult, Outcome, Run, drill_run, runs, score};
use crate::incident::runbook::Runbook;
use crate::timeline::{Event, NewEvent};
use chrono::{DateTime, Utc};
use std::str::FromStr;
use std::time::Duration;

/// What a facilitator can do to a running drill (`:drill …` in the console, a line on
/// standard input headless).
#[derive(Debug, Clone, PartialEq)]
pub enum Control {
    Pause,
    Resume,
    Speed(f64),
    Skip(u32),
    /// Deliver an upcoming inject now.
    Inject(u32),
    /// An inject made up on the spot: a message on the timeline, or a roster change
    /// (`adhoc roster kenji unreachable`).
    Adhoc {
        target: Target,
        text: String,
    },
    End(String),
}

/// The words, their arguments and what they do (for help and completion).
pub const CONTROLS: &[(&str, &str, &str)] = &[
    ("pause", "", "stop the scenario clock"),
    ("resume", "", "start the scenario clock again"),
    ("speed", "N", "play at N× (0.5 to 60)"),
    ("skip", "SEQ", "skip an upcoming inject"),
    ("inject", "SEQ", "deliver an upcoming inject now"),
    (
        "adhoc",
        "TEXT | roster PERSON unreachable|available",
        "an inject made up on the spot",
    ),
    ("end", "[REASON]", "end the drill"),
];

impl FromStr for Control {
    type Err = String;
    fn from_str(s: &str) -> Result<Control, String> {
        let s = s.trim();
        let (word, rest) = s.split_once(char::is_whitespace).unwrap_or((s, ""));
        let rest = rest.trim();
        let seq = |what: &str| {
            rest.parse::<u32>()
                .map_err(|_| format!("{what} needs an inject's seq number, e.g. `{what} 3`"))
        };
        match word.to_ascii_lowercase().as_str() {
            "pause" => Ok(Control::Pause),
            "resume" | "start" => Ok(Control::Resume),
            "speed" => rest
                .trim_end_matches(['x', '×'])
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite() && *n > 0.0)
                .map(Control::Speed)
                .ok_or_else(|| "speed needs a number, e.g. `speed 10`".to_string()),
            "skip" => seq("skip").map(Control::Skip),
            "inject" | "now" => seq("inject").map(Control::Inject),
            "adhoc" if rest.is_empty() => Err("adhoc needs the inject's text".into()),
            "adhoc" => Ok(match rest.split_once(char::is_whitespace) {
                Some(("roster", who)) => Control::Adhoc {
                    target: Target::Roster,
                    text: who.trim().to_string(),
                },
                _ => Control::Adhoc {
                    target: Target::Timeline,
                    text: rest.to_string(),
                },
            }),
            "end" | "stop" => Ok(Control::End(rest.to_string())),
            "" => {
                Err("a drill control: pause, resume, speed N, skip SEQ, inject SEQ, adhoc TEXT, end".into())
            }
            other => Err(format!(
                "`{other}` is not a drill control: pause, resume, speed N, skip SEQ, inject SEQ, adhoc TEXT, end"
            )),
        }
    }
}

pub struct Facilitator {
    pub player: Player,
    /// The drill incident's events, as stored (the facilitator's own and the players').
    events: Vec<Event>,
    run: Option<Run>,
    /// The objectives as of the last event or tick.
    pub results: Vec<ObjectiveResult>,
    max_speed: f64,
}

impl Facilitator {
    /// Start a run: the events to append first declare the drill incident and start the clock.
    /// `max_speed` bounds the speed (60× in a console; headless runs may go faster).
    pub fn start(
        scenario: Scenario,
        definition: String,
        speed: f64,
        max_speed: f64,
        runbooks: &[Runbook],
        now: DateTime<Utc>,
    ) -> (Facilitator, Vec<NewEvent>) {
        let (player, events) = Player::start(scenario, definition, speed.min(max_speed), runbooks, now);
        let f = Facilitator {
            player,
            events: Vec::new(),
            run: None,
            results: Vec::new(),
            max_speed,
        };
        (f, events)
    }

    /// Take up a run already on the timeline ([`Player::take_up`]); feed it the incident's
    /// events with [`Facilitator::observe`] to score it.
    pub fn take_up(scenario: Scenario, run: &Run, max_speed: f64, now: DateTime<Utc>) -> Facilitator {
        Facilitator {
            player: Player::take_up(scenario, run, now),
            events: Vec::new(),
            run: None,
            results: Vec::new(),
            max_speed,
        }
    }

    pub fn scenario(&self) -> &Scenario {
        &self.player.scenario
    }

    /// Take in an event read back from the store; true if it belongs to this drill.
    pub fn observe(&mut self, event: &Event, now: DateTime<Utc>) -> bool {
        if event.incident != self.player.incident {
            return false;
        }
        self.events.push(event.clone());
        // The run (its deliveries and clock) changes only with its own drill.* events.
        if drill_run(&event.body).is_some() {
            self.run = runs(&self.events).into_iter().find(|r| r.run == self.player.run);
        }
        self.rescore(now);
        true
    }

    /// Score again (the clock moves even when no event arrives: pending objectives time out).
    pub fn rescore(&mut self, now: DateTime<Utc>) {
        self.results = match &self.run {
            Some(run) => score(&self.player.scenario, run, &self.events, now),
            None => Vec::new(),
        };
    }

    /// Whether an objective is met, as of the last scoring.
    pub fn is_met(&self, objective: &str) -> bool {
        met(&self.results, objective)
    }

    /// Whatever is due now (a contingency inject only while its objective is unmet).
    pub fn due(&mut self, now: DateTime<Utc>) -> Vec<NewEvent> {
        let results = &self.results;
        self.player.due(now, &|id| met(results, id))
    }

    /// When the next upcoming inject falls due, in wall time (none while paused or ended).
    pub fn next_due(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if self.player.paused() || self.player.ended {
            return None;
        }
        let clock = self.player.clock(now);
        let next = self.player.upcoming().map(|i| i.at).min()?;
        let wait = next.saturating_sub(clock).div_f64(self.player.speed());
        Some(now + chrono::TimeDelta::from_std(wait).unwrap_or_default())
    }

    /// The scenario's time is up (or the facilitator ended it).
    pub fn finished(&self, now: DateTime<Utc>) -> bool {
        self.player.ended || self.player.overtime(now)
    }

    /// Carry out a control; an error says why it cannot be done.
    pub fn control(&mut self, control: &Control, now: DateTime<Utc>) -> Result<Vec<NewEvent>, String> {
        if self.player.ended {
            return Err("the drill has ended".into());
        }
        let p = &mut self.player;
        let events = match control {
            Control::Pause if p.paused() => return Err("the drill is already paused".into()),
            Control::Pause => p.pause(now),
            Control::Resume if !p.paused() => return Err("the drill is running".into()),
            Control::Resume => p.resume(now),
            Control::Speed(s) if *s > self.max_speed => {
                return Err(format!("the fastest here is {}×", self.max_speed));
            }
            Control::Speed(s) => p.set_speed(*s, now),
            Control::Skip(seq) | Control::Inject(seq) => {
                match (p.scenario.inject(*seq).is_some(), p.state(*seq)) {
                    (false, _) => return Err(format!("no inject {seq} in this scenario")),
                    (true, InjectState::Upcoming) => {}
                    (true, state) => return Err(format!("inject {seq} is already {}", state_word(state))),
                }
                if matches!(control, Control::Skip(_)) {
                    p.skip(*seq, now)
                } else {
                    p.inject_now(*seq, now)
                }
            }
            Control::Adhoc {
                target: Target::Roster,
                text,
            } => {
                let mut words = text.split_whitespace();
                let (Some(person), change) = (words.next(), words.next().unwrap_or("unreachable")) else {
                    return Err("adhoc roster needs a person: `adhoc roster kenji unreachable`".into());
                };
                if !matches!(change, "unreachable" | "available") {
                    return Err("a roster change is `unreachable` or `available`".into());
                }
                let payload = serde_json::json!({ "person": person, "change": change }).to_string();
                p.adhoc(Target::Roster, &format!("{person} is {change}"), &payload, now)
            }
            Control::Adhoc { target, text } => p.adhoc(*target, text, "", now),
            Control::End(reason) => {
                let reason = if reason.is_empty() {
                    "ended by the facilitator"
                } else {
                    reason
                };
                p.end(reason, now)
            }
        };
        Ok(events)
    }

    /// The MSEL: every inject with its state and, once delivered, its actual scenario time.
    pub fn msel(&self) -> impl Iterator<Item = (&Inject, InjectState, Option<Duration>)> {
        self.player.scenario.injects.iter().map(|i| {
            let delivered = self
                .run
                .as_ref()
                .and_then(|r| r.delivery(i.seq))
                .map(|d| d.scenario_at);
            (i, self.player.state(i.seq), delivered)
        })
    }
}

fn met(results: &[ObjectiveResult], objective: &str) -> bool {
    results
        .iter()
        .any(|r| r.id == objective && r.outcome == Outcome::Met)
}

pub fn state_word(state: InjectState) -> &'static str {
    match state {
        InjectState::Upcoming => "upcoming",
        InjectState::Delivered => "delivered",
        InjectState::Skipped => "skipped",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::store::RawEvent;
    use crate::timeline::{EventBody, Hash};

    const MINI: &str = include_str!("../../tests/fixtures/scenarios/mini.toml");

    /// What the store would hand back: the events placed on a chain.
    fn stored(events: &[NewEvent], from: u64) -> Vec<Event> {
        let mut prev = Hash::GENESIS;
        events
            .iter()
            .enumerate()
            .map(|(n, e)| {
                let raw = RawEvent::place(e, from + n as u64 + 1, prev);
                prev = raw.hash;
                raw.into_event()
            })
            .collect()
    }

    #[test]
    fn the_facilitator_wakes_for_the_next_inject_and_refuses_what_cannot_be_done() {
        let scenario = Scenario::parse("mini.toml", MINI, None).unwrap_or_else(|e| panic!("{e}"));
        let t0 = Utc::now();
        let (mut f, first) = Facilitator::start(scenario, MINI.into(), 10.0, 60.0, &[], t0);
        for e in stored(&first, 0) {
            f.observe(&e, t0);
        }
        // Inject 1 is at +00:00:30: 3 s away at 10×.
        let wake = f.next_due(t0).unwrap_or(t0);
        assert!((wake - t0 - chrono::TimeDelta::seconds(3)).abs() < chrono::TimeDelta::milliseconds(50));
        assert!(f.due(t0).is_empty());
        let later = t0 + chrono::TimeDelta::seconds(3);
        let delivered = f.due(later);
        assert!(matches!(
            &delivered[0].body,
            EventBody::DrillInject { seq: 1, .. }
        ));
        for e in stored(&delivered, first.len() as u64) {
            f.observe(&e, later);
        }
        assert_eq!(
            f.msel().filter(|(_, s, _)| *s == InjectState::Delivered).count(),
            1
        );

        assert!(
            f.control(&Control::Speed(600.0), later).is_err(),
            "a console stops at 60×"
        );
        assert!(f.control(&Control::Skip(1), later).is_err(), "already delivered");
        assert!(f.control(&Control::Inject(42), later).is_err(), "no such inject");
        assert_eq!(f.control(&Control::Pause, later).map(|e| e.len()), Ok(1));
        assert!(f.next_due(later).is_none(), "nothing falls due while paused");
        assert!(f.control(&Control::Pause, later).is_err());
        assert_eq!(
            f.control(&Control::End(String::new()), later).map(|e| e.len()),
            Ok(1)
        );
        assert!(f.finished(later) && f.control(&Control::Resume, later).is_err());
    }

    #[test]
    fn controls_parse_as_typed() {
        assert_eq!("pause".parse(), Ok(Control::Pause));
        assert_eq!("speed 10x".parse(), Ok(Control::Speed(10.0)));
        assert_eq!(" skip 3 ".parse(), Ok(Control::Skip(3)));
        assert_eq!("inject 4".parse(), Ok(Control::Inject(4)));
        assert_eq!(
            "adhoc The CFO is on the phone".parse(),
            Ok(Control::Adhoc {
                target: Target::Timeline,
                text: "The CFO is on the phone".into()
            })
        );
        assert_eq!(
            "adhoc roster kenji available".parse(),
            Ok(Control::Adhoc {
                target: Target::Roster,
                text: "kenji available".into()
            })
        );
        assert_eq!("end time is up".parse(), Ok(Control::End("time is up".into())));
        assert!("skip three".parse::<Control>().is_err());
        assert!("speed -2".parse::<Control>().is_err());
        assert!("explode".parse::<Control>().is_err());
    }
}
