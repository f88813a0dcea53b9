//! The drill player: a scenario clock (speed, pause) and the MSEL's injects delivered on time
//! as `drill.*` events. It does no I/O: each call returns the events to append, so the same
//! player runs headless, in the facilitator's console and in the demo.

use super::scenario::{Inject, InjectKind, Scenario, Target, format_offset};
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
        events.push(NewEvent::new(
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

    fn event(&self, body: EventBody) -> NewEvent {
        NewEvent::new(self.incident.clone(), self.author.clone(), body)
    }

    pub fn pause(&mut self, now: DateTime<Utc>) -> Vec<NewEvent> {
        if self.paused || self.ended {
            return vec![];
        }
        self.rebase(now);
        self.paused = true;
        vec![self.event(EventBody::DrillPaused {
            run: self.run.clone(),
        })]
    }

    pub fn resume(&mut self, now: DateTime<Utc>) -> Vec<NewEvent> {
        if !self.paused || self.ended {
            return vec![];
        }
        self.base_wall = now;
        self.paused = false;
        vec![self.event(EventBody::DrillResumed {
            run: self.run.clone(),
        })]
    }

    pub fn set_speed(&mut self, speed: f64, now: DateTime<Utc>) -> Vec<NewEvent> {
        let speed = speed.clamp(MIN_SPEED, MAX_SPEED);
        if self.ended || (speed - self.speed).abs() < f64::EPSILON {
            return vec![];
        }
        self.rebase(now);
        self.speed = speed;
        vec![self.event(EventBody::DrillSpeed {
            run: self.run.clone(),
            speed,
        })]
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
    pub fn skip(&mut self, seq: u32) -> Vec<NewEvent> {
        if self.ended || self.state(seq) != InjectState::Upcoming {
            return vec![];
        }
        self.skipped.insert(seq);
        vec![self.event(EventBody::DrillSkipped {
            run: self.run.clone(),
            seq,
        })]
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
                Some(objective) if met(objective) => events.extend(self.skip(inject.seq)),
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
        vec![self.event(EventBody::DrillEnded {
            run: self.run.clone(),
            reason: Some(reason.to_string()).filter(|r| !r.is_empty()),
        })]
    }

    fn deliver(&mut self, inject: &Inject, now: DateTime<Utc>) -> Vec<NewEvent> {
        if inject.seq > 0 {
            self.delivered.insert(inject.seq);
        }
        let scenario_at = self.clock(now).as_secs();
        let mut inject_event = self.event(EventBody::DrillInject {
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
            payload: inject.payload.clone(),
            hidden: inject.hidden,
        });
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
            events.push(self.event(body));
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
