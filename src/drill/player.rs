//! The drill player: a scenario clock (speed, pause) and the MSEL's injects delivered on time
//! as `drill.*` events. It does no I/O: each call returns the events to append, so the same
//! player runs headless, in the facilitator's console and in the demo.

use super::scenario::{Inject, InjectKind, Scenario, Target, format_offset};
use super::score::{Control, Run};
use crate::incident::Declaration;
use crate::incident::runbook::Runbook;
use crate::timeline::{Author, EventBody, IncidentId, NewEvent, Severity};
use chrono::{DateTime, Utc};
use std::collections::BTreeSet;
use std::time::Duration;

pub const MIN_SPEED: f64 = 0.5;
/// The facilitator's range ends at 60×; automation (`--headless`) may go faster.
pub const MAX_CONSOLE_SPEED: f64 = 60.0;
pub const MAX_SPEED: f64 = 3600.0;

/// Where an inject stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InjectState {
    Upcoming,
    Delivered,
    Skipped,
}

pub struct Player {
    pub scenario: Scenario,
    pub run: String,
    pub incident: IncidentId,
    speed: f64,
    paused: bool,
    /// The scenario time at `base_wall`, when the clock last changed pace.
    base_scenario: Duration,
    base_wall: DateTime<Utc>,
    delivered: BTreeSet<u32>,
    skipped: BTreeSet<u32>,
    pub ended: bool,
    author: Author,
    /// The scenario file's text, recorded in `drill.started`.
    definition: String,
}

impl Player {
    /// Declare the drill incident and start the clock. Returns the events to append first.
    pub fn start(
        scenario: Scenario,
        definition: String,
        speed: f64,
        runbooks: &[Runbook],
        now: DateTime<Utc>,
    ) -> (Player, Vec<NewEvent>) {
        let author = Author::drill();
        let runbook = scenario
            .incident
            .runbook
            .as_deref()
            .and_then(|name| runbooks.iter().find(|r| r.name == name));
        let declaration = Declaration {
            title: scenario.incident.title.clone(),
            severity: Severity::new(scenario.incident.severity).unwrap_or(Severity::WORST),
            summary: Some(scenario.description.clone()).filter(|s| !s.is_empty()),
            detected_at: None,
            drill: true,
        };
        let (incident, mut events) = declaration.events(&author, runbook, now);
        let run = format!("{}-{}", scenario.name, now.format("%Y%m%dT%H%M%SZ"));
        let speed = speed.clamp(MIN_SPEED, MAX_SPEED);
        events.push(NewEvent::at(
            now,
            incident.clone(),
            author.clone(),
            EventBody::DrillStarted {
                run: run.clone(),
                scenario: scenario.name.clone(),
                title: scenario.title.clone(),
                speed,
                definition: definition.clone(),
            },
        ));
        let player = Player {
            scenario,
            run,
            incident,
            speed,
            paused: false,
            base_scenario: Duration::ZERO,
            base_wall: now,
            delivered: BTreeSet::new(),
            skipped: BTreeSet::new(),
            ended: false,
            author,
            definition,
        };
        (player, events)
    }

    /// Take up a run already on the timeline where it stands (the facilitator's console was
    /// closed, or another host takes over): what was delivered and skipped, the speed, whether
    /// it is paused, and the scenario clock, all from the run's own events.
    pub fn take_up(scenario: Scenario, run: &Run, now: DateTime<Utc>) -> Player {
        let (mut speed, mut paused) = (1.0, false);
        for (_, control) in &run.controls {
            match *control {
                Control::Start { speed: s } | Control::Speed(s) => speed = s,
                Control::Pause => paused = true,
                Control::Resume => paused = false,
                Control::End => {}
            }
        }
        Player {
            scenario,
            run: run.run.clone(),
            incident: run.incident.clone(),
            speed: if speed.is_finite() {
                speed.clamp(MIN_SPEED, MAX_SPEED)
            } else {
                1.0
            },
            paused,
            base_scenario: run.scenario_time(now),
            base_wall: now,
            delivered: run.delivered.iter().map(|d| d.seq).collect(),
            skipped: run.skipped.iter().copied().collect(),
            ended: run.ended_at.is_some(),
            author: Author::drill(),
            definition: run.definition.clone(),
        }
    }

    pub fn speed(&self) -> f64 {
        self.speed
    }
    pub fn paused(&self) -> bool {
        self.paused
    }

    /// The scenario clock now.
    pub fn clock(&self, now: DateTime<Utc>) -> Duration {
        if self.paused || self.ended {
            return self.base_scenario;
        }
        let wall = (now - self.base_wall).to_std().unwrap_or_default();
        self.base_scenario + wall.mul_f64(self.speed)
    }

    fn rebase(&mut self, now: DateTime<Utc>) {
        self.base_scenario = self.clock(now);
        self.base_wall = now;
    }

    fn event(&self, body: EventBody, now: DateTime<Utc>) -> NewEvent {
        NewEvent::at(now, self.incident.clone(), self.author.clone(), body)
    }

    pub fn pause(&mut self, now: DateTime<Utc>) -> Vec<NewEvent> {
        if self.paused || self.ended {
            return vec![];
        }
        self.rebase(now);
        self.paused = true;
        vec![self.event(
            EventBody::DrillPaused {
                run: self.run.clone(),
            },
            now,
        )]
    }

    pub fn resume(&mut self, now: DateTime<Utc>) -> Vec<NewEvent> {
        if !self.paused || self.ended {
            return vec![];
        }
        self.base_wall = now;
        self.paused = false;
        vec![self.event(
            EventBody::DrillResumed {
                run: self.run.clone(),
            },
            now,
        )]
    }

    pub fn set_speed(&mut self, speed: f64, now: DateTime<Utc>) -> Vec<NewEvent> {
        let speed = speed.clamp(MIN_SPEED, MAX_SPEED);
        if self.ended || (speed - self.speed).abs() < f64::EPSILON {
            return vec![];
        }
        self.rebase(now);
        self.speed = speed;
        vec![self.event(
            EventBody::DrillSpeed {
                run: self.run.clone(),
                speed,
            },
            now,
        )]
    }

    pub fn state(&self, seq: u32) -> InjectState {
        if self.delivered.contains(&seq) {
            InjectState::Delivered
        } else if self.skipped.contains(&seq) {
            InjectState::Skipped
        } else {
            InjectState::Upcoming
        }
    }

    /// The injects not yet delivered or skipped, in order.
    pub fn upcoming(&self) -> impl Iterator<Item = &Inject> {
        self.scenario
            .injects
            .iter()
            .filter(|i| self.state(i.seq) == InjectState::Upcoming)
    }

    /// Skip an upcoming inject.
    pub fn skip(&mut self, seq: u32, now: DateTime<Utc>) -> Vec<NewEvent> {
        if self.ended || self.state(seq) != InjectState::Upcoming {
            return vec![];
        }
        self.skipped.insert(seq);
        vec![self.event(
            EventBody::DrillSkipped {
                run: self.run.clone(),
                seq,
            },
            now,
        )]
    }

    /// Deliver an upcoming inject now, ahead of its time.
    pub fn inject_now(&mut self, seq: u32, now: DateTime<Utc>) -> Vec<NewEvent> {
        if self.ended || self.state(seq) != InjectState::Upcoming {
            return vec![];
        }
        match self.scenario.inject(seq).cloned() {
            Some(inject) => self.deliver(&inject, now),
            None => vec![],
        }
    }

    /// An inject the facilitator makes up on the spot (seq 0).
    pub fn adhoc(
        &mut self,
        target: Target,
        description: &str,
        payload: &str,
        now: DateTime<Utc>,
    ) -> Vec<NewEvent> {
        if self.ended {
            return vec![];
        }
        let inject = Inject {
            seq: 0,
            at: self.clock(now),
            kind: if payload.is_empty() {
                InjectKind::Message
            } else {
                InjectKind::Source
            },
            target,
            source: None,
            search: None,
            from: Some("facilitator".into()),
            to: None,
            description: description.to_string(),
            expected_action: None,
            objective: None,
            hidden: false,
            payload: payload.to_string(),
            contingency: None,
        };
        self.deliver(&inject, now)
    }

    /// Deliver whatever is due. `met(objective)` says whether an objective is already met
    /// (contingency injects fire only if theirs is not).
    pub fn due(&mut self, now: DateTime<Utc>, met: &dyn Fn(&str) -> bool) -> Vec<NewEvent> {
        if self.ended {
            return vec![];
        }
        let clock = self.clock(now);
        let due: Vec<Inject> = self.upcoming().filter(|i| i.at <= clock).cloned().collect();
        let mut events = Vec::new();
        for inject in due {
            match &inject.contingency {
                Some(objective) if met(objective) => events.extend(self.skip(inject.seq, now)),
                _ => events.extend(self.deliver(&inject, now)),
            }
        }
        events
    }

    /// Every inject delivered or skipped.
    pub fn exhausted(&self) -> bool {
        self.upcoming().next().is_none()
    }

    /// The scenario's planned end has passed.
    pub fn overtime(&self, now: DateTime<Utc>) -> bool {
        self.clock(now) >= self.scenario.duration
    }

    pub fn end(&mut self, reason: &str, now: DateTime<Utc>) -> Vec<NewEvent> {
        if self.ended {
            return vec![];
        }
        self.rebase(now);
        self.ended = true;
        vec![self.event(
            EventBody::DrillEnded {
                run: self.run.clone(),
                reason: Some(reason.to_string()).filter(|r| !r.is_empty()),
            },
            now,
        )]
    }

    fn deliver(&mut self, inject: &Inject, now: DateTime<Utc>) -> Vec<NewEvent> {
        if inject.seq > 0 {
            self.delivered.insert(inject.seq);
        }
        let scenario_at = self.clock(now).as_secs();
        let payload = match self.scenario.epoch {
            // The payload's +00:00:00 becomes the moment the clock was at zero.
            Some(epoch) if inject.kind == InjectKind::Source => {
                let zero = now - chrono::TimeDelta::seconds(scenario_at as i64);
                super::inject::shift_times(&inject.payload, zero - epoch)
            }
            _ => inject.payload.clone(),
        };
        let mut inject_event = self.event(
            EventBody::DrillInject {
                run: self.run.clone(),
                seq: inject.seq,
                scenario_at,
                inject: inject.kind.as_str().to_string(),
                target: inject.target.as_str().to_string(),
                source: inject.source.clone(),
                search: inject.search.clone(),
                from: inject.from.clone(),
                to: inject.to.clone(),
                description: inject.description.clone(),
                payload,
                hidden: inject.hidden,
            },
            now,
        );
        if inject.seq > 0 {
            // Two facilitators on one run would still deliver each inject once.
            inject_event = inject_event.dedup_key(format!("drill/{}/inject/{}", self.run, inject.seq));
        }
        let mut events = vec![inject_event];
        if inject.target == Target::Roster
            && let Some((person, change)) = roster_change(&inject.payload)
        {
            let body = match change.as_str() {
                "available" => EventBody::ResponderJoined { person },
                _ => EventBody::ResponderLeft { person },
            };
            events.push(self.event(body, now));
        }
        tracing::info!(run = %self.run, seq = inject.seq, at = %format_offset(Duration::from_secs(scenario_at)), "inject delivered");
        events
    }

    pub fn definition(&self) -> &str {
        &self.definition
    }
}

/// `{"person": "kenji", "change": "unreachable"}`.
fn roster_change(payload: &str) -> Option<(String, String)> {
    let v: serde_json::Value = serde_json::from_str(payload).ok()?;
    let person = v.get("person")?.as_str()?.to_string();
    let change = v
        .get("change")
        .and_then(|c| c.as_str())
        .unwrap_or("unreachable")
        .to_string();
    Some((person, change))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drill::scenario::{IncidentSpec, Measure, Objective};
    use chrono::TimeZone;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 28, 10, 0, 0)
            .single()
            .unwrap_or_default()
    }
    fn at(ms: i64) -> DateTime<Utc> {
        t0() + chrono::Duration::milliseconds(ms)
    }
    fn inject(seq: u32, secs: u64, target: Target) -> Inject {
        Inject {
            seq,
            at: Duration::from_secs(secs),
            kind: if target == Target::Timeline {
                InjectKind::Message
            } else {
                InjectKind::Source
            },
            target,
            source: None,
            search: None,
            from: Some("CloudTrail".into()),
            to: None,
            description: format!("inject {seq}"),
            expected_action: None,
            objective: None,
            hidden: false,
            payload: String::new(),
            contingency: None,
        }
    }
    fn scenario() -> Scenario {
        let mut roster = inject(3, 120, Target::Roster);
        roster.payload = r#"{"person": "kenji", "change": "unreachable"}"#.into();
        let mut contingency = inject(4, 300, Target::Timeline);
        contingency.contingency = Some("ack".into());
        Scenario {
            name: "t".into(),
            title: "Test".into(),
            description: String::new(),
            audience: String::new(),
            duration: Duration::from_secs(600),
            epoch: None,
            incident: IncidentSpec {
                title: "Drill".into(),
                severity: 2,
                runbook: None,
            },
            roles: vec![],
            objectives: vec![Objective {
                id: "ack".into(),
                text: "ack".into(),
                measure: Measure {
                    kind: "note".into(),
                    matches: vec![],
                    within: Duration::from_secs(60),
                    from: 1,
                },
            }],
            injects: vec![
                inject(1, 5, Target::Timeline),
                inject(2, 60, Target::Timeline),
                roster,
                contingency,
            ],
        }
    }
    fn seqs(events: &[NewEvent]) -> Vec<u32> {
        events
            .iter()
            .filter_map(|e| match &e.body {
                EventBody::DrillInject { seq, .. } => Some(*seq),
                _ => None,
            })
            .collect()
    }
    const NOT_MET: &dyn Fn(&str) -> bool = &|_| false;

    #[test]
    fn start_declares_a_drill_incident_and_records_the_scenario() {
        let (p, events) = Player::start(scenario(), "the toml".into(), 10.0, &[], t0());
        assert!(matches!(
            &events[0].body,
            EventBody::IncidentDeclared { drill: true, .. }
        ));
        assert!(matches!(
            &events.last().map(|e| &e.body),
            Some(EventBody::DrillStarted { speed, definition, .. }) if *speed == 10.0 && definition == "the toml"
        ));
        assert!(
            events
                .iter()
                .all(|e| e.incident == p.incident && e.author.as_str() == "drill")
        );
    }

    #[test]
    fn the_clock_follows_speed_and_pauses() {
        let (mut p, _) = Player::start(scenario(), String::new(), 10.0, &[], t0());
        assert_eq!(p.clock(at(1000)), Duration::from_secs(10));
        assert_eq!(p.pause(at(2000)).len(), 1);
        assert_eq!(p.clock(at(9000)), Duration::from_secs(20), "paused");
        assert!(p.pause(at(9000)).is_empty(), "already paused");
        p.resume(at(10_000));
        assert_eq!(p.clock(at(11_000)), Duration::from_secs(30));
        p.set_speed(60.0, at(11_000));
        assert_eq!(p.clock(at(12_000)), Duration::from_secs(90));
        assert_eq!(p.set_speed(10_000.0, at(12_000)).len(), 1);
        assert_eq!(p.speed(), MAX_SPEED);
    }

    #[test]
    fn injects_arrive_on_time_once_with_their_effects() {
        let (mut p, _) = Player::start(scenario(), String::new(), 1.0, &[], t0());
        assert!(p.due(at(4_000), NOT_MET).is_empty());
        let first = p.due(at(5_000), NOT_MET);
        assert_eq!(seqs(&first), [1]);
        assert!(
            first[0]
                .dedup_key
                .as_deref()
                .is_some_and(|k| k.ends_with("/inject/1"))
        );
        assert!(p.due(at(6_000), NOT_MET).is_empty(), "delivered once");
        let late = p.due(at(130_000), NOT_MET);
        assert_eq!(seqs(&late), [2, 3]);
        assert!(late.iter().any(|e| e.body
            == EventBody::ResponderLeft {
                person: "kenji".into()
            }));
        assert_eq!(p.state(2), InjectState::Delivered);
    }

    #[test]
    fn a_contingency_fires_only_while_its_objective_is_unmet() {
        let (mut p, _) = Player::start(scenario(), String::new(), 1.0, &[], t0());
        let met: &dyn Fn(&str) -> bool = &|id| id == "ack";
        let events = p.due(at(400_000), met);
        assert_eq!(seqs(&events), [1, 2, 3]);
        assert!(events.iter().any(|e| e.body
            == EventBody::DrillSkipped {
                run: p.run.clone(),
                seq: 4
            }));
        assert!(p.exhausted());

        let (mut q, _) = Player::start(scenario(), String::new(), 1.0, &[], t0());
        assert_eq!(seqs(&q.due(at(400_000), NOT_MET)), [1, 2, 3, 4]);
    }

    #[test]
    fn a_run_is_taken_up_where_the_timeline_left_it() {
        use crate::drill::score::runs;
        use crate::timeline::Hash;
        use crate::timeline::store::RawEvent;
        let (mut p, mut events) = Player::start(scenario(), String::new(), 10.0, &[], t0());
        events.extend(p.due(at(6_100), NOT_MET)); // +00:01:01: injects 1 and 2
        events.extend(p.skip(3, t0()));
        events.extend(p.pause(at(7_000)));
        let mut prev = Hash::GENESIS;
        let stored: Vec<_> = events
            .iter()
            .enumerate()
            .map(|(n, e)| {
                let mut e = e.clone();
                e.recorded_at = e.recorded_at.min(at(7_000));
                let raw = RawEvent::place(&e, n as u64 + 1, prev);
                prev = raw.hash;
                raw.into_event()
            })
            .collect();
        let run = runs(&stored).pop().unwrap_or_else(|| panic!("a run"));
        let q = Player::take_up(scenario(), &run, at(60_000));
        assert_eq!((q.run.as_str(), &q.incident), (p.run.as_str(), &p.incident));
        assert!(q.paused() && !q.ended);
        assert_eq!(q.speed(), 10.0);
        assert_eq!(q.state(1), InjectState::Delivered);
        assert_eq!(q.state(3), InjectState::Skipped);
        assert_eq!(q.upcoming().map(|i| i.seq).collect::<Vec<_>>(), [4]);
    }

    #[test]
    fn the_facilitator_skips_brings_forward_adds_and_ends() {
        let (mut p, _) = Player::start(scenario(), String::new(), 1.0, &[], t0());
        assert_eq!(p.skip(2, t0()).len(), 1);
        assert!(p.skip(2, t0()).is_empty());
        assert_eq!(seqs(&p.inject_now(3, at(1_000))), [3]);
        assert_eq!(
            seqs(&p.adhoc(Target::Timeline, "the CFO calls", "", at(2_000))),
            [0]
        );
        assert_eq!(seqs(&p.due(at(10_000), NOT_MET)), [1]);
        assert_eq!(p.end("done", at(11_000)).len(), 1);
        assert!(p.due(at(900_000), NOT_MET).is_empty(), "nothing after the end");
        assert_eq!(
            p.clock(at(900_000)),
            Duration::from_secs(11),
            "the clock stops at the end"
        );
    }
}
