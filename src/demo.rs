//! A realistic sample incident, for `warroom demo`, the tests and the benchmarks.

use crate::incident::runbook;
use crate::timeline::{
    Audience, Author, Briefing, EventBody, IncidentId, LinkKind, NewEvent, Role, Severity, Status,
};
use chrono::{DateTime, Duration, SubsecRound, Utc};
use serde_json::json;

/// The events of a SEV1 checkout outage that began about 47 minutes before `now`: paging,
/// roles, notes, a decision, checklist work, status updates, a mitigation and a handoff.
pub fn sample_incident(now: DateTime<Utc>) -> (IncidentId, Vec<NewEvent>) {
    let id = IncidentId::generate(now);
    let events = sample_events(&id, now);
    (id, events)
}

/// The sample's events under a given incident id (tests use a fixed one).
pub fn sample_events(id: &IncidentId, now: DateTime<Utc>) -> Vec<NewEvent> {
    let start = (now - Duration::minutes(47)).trunc_subsecs(0);
    let maria = Author("maria@jump-01".into());
    let kenji = Author("kenji@jump-02".into());
    let priya = Author("priya@jump-01".into());
    let splunk = Author::source("splunk-errors");
    let mut events = Vec::new();
    let mut at = |mins: i64, secs: i64, author: &Author, body: EventBody| {
        let t = start + Duration::minutes(mins) + Duration::seconds(secs);
        let mut e = NewEvent::new(id.clone(), author.clone(), body).occurred_at(t);
        e.recorded_at = t;
        events.push(e);
    };
    at(
        0,
        0,
        &splunk,
        EventBody::Signal {
            source: "splunk-errors".into(),
            title: "checkout-api 5xx rate 14.2% (threshold 2%)".into(),
            severity: Some("HIGH".into()),
            detail: json!({"search": "index=prod sourcetype=nginx status>=500 service=checkout-api", "count": 1842}),
        },
    );
    at(
        2,
        10,
        &maria,
        EventBody::IncidentDeclared {
            title: "Checkout API failing: payments returning 502 in eu-west-1".into(),
            severity: Severity::new(2).unwrap_or(Severity::WORST),
            summary: Some(
                "Customers cannot complete payment; error rate spiked minutes after the afternoon deploy."
                    .into(),
            ),
            detected_at: Some(start),
            drill: false,
        },
    );
    if let Ok(books) = runbook::load_runbooks(None)
        && let Some(rb) = runbook::find(&books, "generic")
    {
        at(
            2,
            11,
            &maria,
            EventBody::ChecklistAdded {
                runbook: rb.name.clone(),
                items: rb.checklist(),
            },
        );
    }
    at(
        2,
        30,
        &maria,
        EventBody::RoleAssigned {
            role: Role::Commander,
            person: "maria".into(),
        },
    );
    at(
        2,
        45,
        &maria,
        EventBody::ChecklistChecked {
            item: "generic/assign-ic".into(),
        },
    );
    at(
        2,
        50,
        &maria,
        EventBody::LinkAdded {
            kind: LinkKind::Bridge,
            reference: "https://meet.example.com/wr-checkout".into(),
            url: None,
        },
    );
    at(
        2,
        55,
        &maria,
        EventBody::LinkAdded {
            kind: LinkKind::Chat,
            reference: "#inc-checkout-502".into(),
            url: None,
        },
    );
    at(
        3,
        0,
        &maria,
        EventBody::ResponderPaged {
            person: "kenji".into(),
            via: Some("pagerduty".into()),
        },
    );
    at(
        3,
        5,
        &maria,
        EventBody::ResponderPaged {
            person: "priya".into(),
            via: Some("phone".into()),
        },
    );
    at(
        3,
        10,
        &maria,
        EventBody::ResponderPaged {
            person: "sam".into(),
            via: Some("pagerduty".into()),
        },
    );
    at(
        5,
        40,
        &kenji,
        EventBody::ResponderAcknowledged {
            person: "kenji".into(),
        },
    );
    at(
        6,
        0,
        &kenji,
        EventBody::ResponderJoined {
            person: "kenji".into(),
        },
    );
    at(
        6,
        20,
        &maria,
        EventBody::RoleAssigned {
            role: Role::Ops,
            person: "kenji".into(),
        },
    );
    at(
        7,
        2,
        &priya,
        EventBody::ResponderJoined {
            person: "priya".into(),
        },
    );
    at(
        7,
        30,
        &maria,
        EventBody::RoleAssigned {
            role: Role::Scribe,
            person: "priya".into(),
        },
    );
    at(
        7,
        45,
        &maria,
        EventBody::StatusChanged {
            status: Status::Active,
            reason: None,
        },
    );
    at(
        8,
        0,
        &maria,
        EventBody::SeverityChanged {
            severity: Severity::WORST,
            reason: Some("all EU card payments affected".into()),
        },
    );
    at(
        8,
        5,
        &maria,
        EventBody::ChecklistChecked {
            item: "generic/set-severity".into(),
        },
    );
    at(
        9,
        15,
        &kenji,
        EventBody::Note {
            text: "Error spike starts two minutes after checkout-api v4.18.0 rolled out to eu-west-1.".into(),
        },
    );
    at(
        10,
        0,
        &priya,
        EventBody::ChecklistChecked {
            item: "generic/assign-scribe".into(),
        },
    );
    at(11, 30, &kenji, EventBody::Note {
        text: "Upstream payment-gateway latency normal; 502s come from checkout-api pods OOMKilled under load.".into(),
    });
    at(
        12,
        0,
        &priya,
        EventBody::StatusUpdatePosted {
            text: "We are investigating failed card payments in Europe. Next update in 30 minutes.".into(),
            audience: Audience::External,
        },
    );
    at(
        12,
        5,
        &priya,
        EventBody::ChecklistChecked {
            item: "generic/first-update".into(),
        },
    );
    at(
        14,
        40,
        &maria,
        EventBody::Decision {
            text: "Roll back checkout-api to v4.17.3 in eu-west-1".into(),
            rationale: Some("onset matches the deploy; rollback is tested and takes ~5 minutes".into()),
        },
    );
    at(
        15,
        0,
        &kenji,
        EventBody::Note {
            text: "Rollback started (deploy #8812).".into(),
        },
    );
    at(
        21,
        30,
        &kenji,
        EventBody::Note {
            text: "Rollback complete; 5xx rate falling: 3.1%.".into(),
        },
    );
    at(
        23,
        0,
        &maria,
        EventBody::StatusChanged {
            status: Status::Mitigated,
            reason: Some("rolled back; error rate 0.4%".into()),
        },
    );
    at(
        23,
        10,
        &kenji,
        EventBody::ChecklistChecked {
            item: "generic/stop-the-bleeding".into(),
        },
    );
    at(
        24,
        0,
        &kenji,
        EventBody::ChecklistChecked {
            item: "generic/scope-impact".into(),
        },
    );
    at(
        25,
        0,
        &priya,
        EventBody::StatusUpdatePosted {
            text: "A fix is in place and payments are recovering. We continue to monitor.".into(),
            audience: Audience::External,
        },
    );
    at(
        31,
        0,
        &kenji,
        EventBody::ChecklistAssigned {
            item: "generic/root-cause".into(),
            person: "kenji".into(),
        },
    );
    at(
        38,
        0,
        &maria,
        EventBody::Handoff {
            from: "maria".into(),
            to: "kenji".into(),
            briefing: Briefing {
                status: "Mitigated by rollback; error rate back to baseline 0.3%.".into(),
                hypotheses_open: vec!["v4.18.0 connection-pool change raises memory per request".into()],
                hypotheses_ruled_out: vec!["payment-gateway outage".into(), "network partition".into()],
                last_customer_update: "25 minutes in: fix in place, recovering".into(),
                next_steps: vec![
                    "confirm root cause".into(),
                    "post the all-clear once stable for 30 minutes".into(),
                ],
            },
        },
    );
    at(
        40,
        0,
        &kenji,
        EventBody::Note {
            text: "Heap profile of v4.18.0 shows the pool allocating 4x buffers per connection.".into(),
        },
    );
    at(
        40,
        30,
        &kenji,
        EventBody::FollowUpAdded {
            text: "Load-test connection pool changes before release".into(),
            owner: Some("kenji".into()),
        },
    );
    at(44, 0, &maria, EventBody::ResponderLeft { person: "sam".into() });
    events
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incident::{Projection, ResponderState};

    #[test]
    fn the_sample_folds_into_a_mitigated_sev1_under_its_second_commander() {
        let now = Utc::now();
        let (id, events) = sample_incident(now);
        let mut p = Projection::new();
        for (n, e) in events.iter().enumerate() {
            let placed = crate::timeline::store::RawEvent::place(e, n as u64 + 1, Default::default());
            p.apply(placed.decode());
        }
        let inc = p.incident(&id).expect("declared");
        assert_eq!(inc.severity(), Severity::WORST);
        assert_eq!(inc.status(), Status::Mitigated);
        assert_eq!(inc.commander(), Some("kenji"));
        assert_eq!(inc.responders["sam"].state, ResponderState::Left);
        assert_eq!(inc.checklist_progress().0, 6);
        let m = inc.milestones();
        assert_eq!(m.time_to_mitigate().map(|d| d.num_seconds()), Some(23 * 60));
        assert!(
            m.detected
                .is_some_and(|d| d < m.declared.unwrap_or(d) + Duration::seconds(1))
        );
    }
}
