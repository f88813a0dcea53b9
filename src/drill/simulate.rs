//! Simulated players, for `warroom demo`: a small team that reads the timeline like anyone
//! else and answers a drill's injects — takes the roles, acknowledges, and performs each
//! objective's measured action some time after its inject (one of them late, so the demo's
//! report shows a miss). Pure: it takes in stored events and returns events to append.

use super::scenario::{Inject, Objective, Scenario, Target};
use crate::timeline::{Author, Event, EventBody, IncidentId, NewEvent, Role};
use chrono::{DateTime, SubsecRound, TimeDelta, Utc};
use serde_json::{Value, json};
use std::time::Duration;

/// The team: (name, host). Authors are `name@host`, so they count as players.
const CAST: &[&str] = &["maria", "kenji", "aisha", "tom", "li"];
const HOST: &str = "demo-jump-01";

/// Fractions of an objective's time allowed at which the team meets it; the fourth is late.
const PACE: &[f64] = &[0.35, 0.6, 0.45, 1.6, 0.5, 0.7, 0.4];

pub struct Simulator {
    scenario: Scenario,
    incident: Option<IncidentId>,
    run: Option<String>,
    speed: f64,
    /// (when, event), in no particular order.
    pending: Vec<(DateTime<Utc>, NewEvent)>,
    /// The roles someone holds on the drill's incident, as read back: a planned assignment of
    /// one is dropped (the team used to reassign the commander a player had put in place).
    held: std::collections::HashSet<Role>,
}

impl Simulator {
    pub fn new(scenario: Scenario) -> Simulator {
        Simulator {
            scenario,
            incident: None,
            run: None,
            speed: 1.0,
            pending: Vec::new(),
            held: Default::default(),
        }
    }

    fn author(n: usize) -> Author {
        Author(format!("{}@{HOST}", CAST[n % CAST.len()]))
    }

    /// Schedule `body` by player `who`, `after` scenario time from `at`.
    fn plan(&mut self, at: DateTime<Utc>, after: Duration, who: usize, body: EventBody) {
        let Some(incident) = self.incident.clone() else {
            return;
        };
        let wall = after.div_f64(self.speed.max(0.5));
        let when = at + TimeDelta::from_std(wall).unwrap_or_default();
        self.pending
            .push((when, NewEvent::new(incident, Self::author(who), body)));
    }

    /// Take in an event read back from the store.
    pub fn observe(&mut self, e: &Event) {
        match &e.body {
            EventBody::DrillStarted {
                run, scenario, speed, ..
            } if *scenario == self.scenario.name && self.run.is_none() => {
                self.run = Some(run.clone());
                self.incident = Some(e.incident.clone());
                self.speed = *speed;
                self.opening(e.recorded_at);
            }
            EventBody::DrillSpeed { run, speed } if self.owns(run) => self.speed = *speed,
            EventBody::DrillEnded { run, .. } if self.owns(run) => self.pending.clear(),
            EventBody::DrillInject {
                run,
                seq,
                target,
                description,
                hidden: false,
                ..
            } if self.owns(run) => self.answer(*seq, target, description, e.recorded_at),
            _ if Some(&e.incident) != self.incident.as_ref() => {}
            EventBody::RoleAssigned { role, .. } => {
                self.held.insert(role.clone());
            }
            EventBody::Handoff { .. } => {
                self.held.insert(Role::Commander);
            }
            EventBody::RoleReleased { role, .. } => {
                self.held.remove(role);
            }
            _ => {}
        }
    }

    fn owns(&self, run: &str) -> bool {
        self.run.as_deref() == Some(run)
    }

    /// The first minutes of any incident: roles taken, the commander acknowledges, work starts.
    fn opening(&mut self, at: DateTime<Utc>) {
        let roles: Vec<Role> = match self.scenario.roles.as_slice() {
            [] => vec![Role::Commander, Role::Scribe, Role::Ops],
            roles => roles.iter().map(|r| Role::from(r.name.as_str())).collect(),
        };
        for (n, role) in roles.into_iter().enumerate() {
            let person = CAST[n % CAST.len()].to_string();
            self.plan(
                at,
                secs(15 + 10 * n as u64),
                n,
                EventBody::ResponderAcknowledged {
                    person: person.clone(),
                },
            );
            self.plan(
                at,
                secs(20 + 10 * n as u64),
                0,
                EventBody::RoleAssigned { role, person },
            );
        }
        let status = EventBody::StatusChanged {
            status: crate::timeline::Status::Active,
            reason: Some("responders engaged".into()),
        };
        self.plan(at, secs(60), 0, status);
    }

    /// A delivered inject: someone says they are on it, and the objectives it starts are met
    /// (at the team's pace).
    fn answer(&mut self, seq: u32, target: &str, description: &str, at: DateTime<Utc>) {
        if seq > 0 && target != "roster" {
            let text = format!("Looking at: {}", crate::text::truncate(description, 120));
            self.plan(
                at,
                secs(20 + u64::from(seq % 4) * 15),
                seq as usize,
                EventBody::Note { text },
            );
        }
        let inject = self.scenario.inject(seq).cloned();
        let objectives: Vec<(usize, Objective)> = self
            .scenario
            .objectives
            .iter()
            .cloned()
            .enumerate()
            .filter(|(_, o)| o.measure.from == seq && seq > 0)
            .collect();
        for (n, o) in objectives {
            if let Some(body) = action(&o, inject.as_ref()) {
                let after = o.measure.within.mul_f64(PACE[n % PACE.len()]);
                self.plan(at, after, n + 1, body);
            }
        }
    }

    /// The actions due by `now`, in time order.
    pub fn due(&mut self, now: DateTime<Utc>) -> Vec<NewEvent> {
        let (mut due, later): (Vec<_>, Vec<_>) = std::mem::take(&mut self.pending)
            .into_iter()
            .partition(|(when, _)| *when <= now);
        self.pending = later;
        due.sort_by_key(|(when, _)| *when);
        let held = &mut self.held;
        due.into_iter()
            // A role someone holds already is theirs: never reassigned by the team.
            .filter(|(_, e)| match &e.body {
                EventBody::RoleAssigned { role, .. } => held.insert(role.clone()),
                _ => true,
            })
            .map(|(_, mut e)| {
                e.recorded_at = now.trunc_subsecs(6); // done now, not when it was planned
                e
            })
            .collect()
    }

    /// When the next action falls due.
    pub fn next(&self) -> Option<DateTime<Utc>> {
        self.pending.iter().map(|(when, _)| *when).min()
    }
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

/// The player action that meets `o`: the measured kind, with a payload holding what its match
/// asks for.
pub fn action(o: &Objective, inject: Option<&Inject>) -> Option<EventBody> {
    let m = &o.measure;
    let mut payload = match m.kind.as_str() {
        "finding.updated" => json!({
            "source": inject.and_then(|i| i.source.clone()).unwrap_or_else(|| "securityhub".into()),
            "findings": inject.and_then(first_finding).into_iter().collect::<Vec<_>>(),
            "workflow": "NOTIFIED",
        }),
        "severity.changed" => json!({"severity": 1, "reason": o.text}),
        "status.changed" => json!({"status": "mitigated", "reason": o.text}),
        "role.assigned" | "role.released" => json!({"role": "commander", "person": CAST[0]}),
        "responder.added" | "responder.paged" | "responder.acknowledged" | "responder.joined" => {
            json!({"person": CAST[4]})
        }
        "note" | "decision" => json!({"text": o.text}),
        "status_update.posted" => json!({"text": o.text, "audience": "internal"}),
        "checklist.checked" | "checklist.assigned" => json!({"item": "", "person": CAST[1]}),
        "handoff" => json!({"from": CAST[0], "to": CAST[1], "briefing": {}}),
        _ => return None,
    };
    let fields = payload.as_object_mut()?;
    for (field, want) in &m.matches {
        let value = match (field.as_str(), fields.get(field)) {
            // Text fields match by "contains": keep the sentence, lead with what is looked for.
            ("text" | "note" | "reason" | "rationale", Some(Value::String(s))) => {
                json!(format!("{want}: {s}"))
            }
            ("findings", _) => json!([inject
                .and_then(|i| finding_titled(i, want))
                .unwrap_or_else(|| want.clone())]),
            _ => json!(want),
        };
        fields.insert(field.clone(), value);
    }
    match EventBody::from_stored(&m.kind, &payload.to_string()) {
        EventBody::Unrecognized { .. } => None,
        body => Some(body),
    }
}

/// The title of the first finding a Security Hub inject carries.
fn first_finding(inject: &Inject) -> Option<String> {
    finding_titled(inject, "")
}

/// The title of the first finding of a Security Hub inject whose title contains `part`.
fn finding_titled(inject: &Inject, part: &str) -> Option<String> {
    if inject.target != Target::Securityhub {
        return None;
    }
    let page = crate::sources::securityhub::parse_findings(inject.payload.as_bytes()).ok()?;
    let part = part.to_lowercase();
    page.findings
        .into_iter()
        .map(|f| f.title)
        .find(|t| t.to_lowercase().contains(&part))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_team_never_reassigns_a_role_someone_holds() {
        let books = crate::incident::runbook::load_runbooks(None).expect("runbooks");
        let names: Vec<&str> = books.iter().map(|b| b.name.as_str()).collect();
        let name = crate::drill::builtin::names()[0];
        let scenario = crate::drill::builtin::load(name, &names)
            .expect("a built-in")
            .scenario;
        let mut team = Simulator::new(scenario.clone());
        let incident = IncidentId("INC-DRILL".into());
        let at = Utc::now();
        let stored = |body: EventBody| {
            let mut e = NewEvent::new(incident.clone(), Author("ana@jump".into()), body);
            e.recorded_at = at;
            crate::timeline::store::RawEvent::place(&e, 1, crate::timeline::Hash::GENESIS).decode()
        };
        team.observe(&stored(EventBody::DrillStarted {
            run: "r1".into(),
            scenario: scenario.name.clone(),
            title: scenario.title.clone(),
            speed: 1.0,
            definition: String::new(),
        }));
        // A player is IC before the team gets to it.
        team.observe(&stored(EventBody::RoleAssigned {
            role: Role::Commander,
            person: "ana".into(),
        }));
        let done = team.due(at + TimeDelta::hours(1));
        let assigned: Vec<&Role> = (done.iter())
            .filter_map(|e| match &e.body {
                EventBody::RoleAssigned { role, .. } => Some(role),
                _ => None,
            })
            .collect();
        assert!(!assigned.is_empty(), "the team still takes the other roles");
        assert!(!assigned.contains(&&Role::Commander), "{assigned:?}");
        let mut unique = assigned.clone();
        unique.dedup();
        assert_eq!(unique.len(), assigned.len(), "each role once");
    }
}
