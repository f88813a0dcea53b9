use super::out::outln;
use crate::cli::StatusArgs;
use crate::incident::updates::Cadence;
use crate::incident::{Incident, ResponderState, fold_store};
use crate::text::clean_line;
use crate::timeline::{Audience, Role, Store};
use crate::when::human_duration;
use anyhow::Result;
use chrono::{DateTime, Utc};
use serde_json::json;

pub fn run(store: &dyn Store, cadence: &Cadence, args: &StatusArgs) -> Result<()> {
    let p = fold_store(store, None)?;
    let now = Utc::now();
    let shown: Vec<&Incident> = p
        .incidents()
        .iter()
        .filter(|i| i.declared && (args.all || i.is_open()))
        .collect();
    if args.json {
        let list: Vec<_> = shown.iter().map(|i| to_json(i, cadence, now)).collect();
        outln!("{}", serde_json::to_string_pretty(&list)?)?;
        return Ok(());
    }
    if shown.is_empty() {
        outln!("No open incidents in {}.", store.describe())?;
        return Ok(());
    }
    for (n, inc) in shown.iter().enumerate() {
        if n > 0 {
            outln!()?;
        }
        super::out::print(format_args!("{}", human(inc, cadence, now)))?;
    }
    Ok(())
}

fn human(inc: &Incident, cadence: &Cadence, now: DateTime<Utc>) -> String {
    let mut s = String::new();
    let elapsed = inc
        .milestones()
        .elapsed(now)
        .map(|d| format!("T+{}", clock(d)))
        .unwrap_or_default();
    let drill = if inc.drill { "  [DRILL]" } else { "" };
    s += &format!(
        "{}  {}  {}  {elapsed}{drill}\n  {}\n",
        inc.id,
        inc.severity(),
        inc.status().as_str().to_uppercase(),
        clean_line(&inc.title)
    );
    let roles: Vec<String> = Role::STANDARD
        .iter()
        .chain(inc.roles.keys().filter(|r| matches!(r, Role::Custom(_))))
        .map(|r| {
            format!(
                "{r}: {}",
                inc.roles
                    .get(r)
                    .map_or("—".into(), |p| clean_line(p).into_owned())
            )
        })
        .collect();
    s += &format!("  {}\n", roles.join("   "));
    let count = |st: ResponderState| inc.responders.values().filter(|r| r.state == st).count();
    // Who was paged and has not answered is named, with how long ago: the commander chases them.
    let unanswered: Vec<String> = (inc.responders.values())
        .filter(|r| r.state == ResponderState::Paged)
        .map(|r| format!("{} {}", clean_line(&r.person), human_duration(now - r.since)))
        .collect();
    s += &format!(
        "  responders: {} ({} engaged, {} acknowledged, {} paged with no answer{}, {} left)\n",
        inc.responders.len(),
        count(ResponderState::Engaged),
        count(ResponderState::Acknowledged),
        unanswered.len(),
        if unanswered.is_empty() {
            String::new()
        } else {
            format!(": {}", unanswered.join(", "))
        },
        count(ResponderState::Left),
    );
    let (done, total) = inc.checklist_progress();
    s += &format!("  checklist: {done}/{total} done\n");
    let ago = |t: Option<DateTime<Utc>>| {
        t.map_or("none yet".to_string(), |t| {
            format!("{} ago", human_duration(now - t))
        })
    };
    let by_audience: Vec<String> = Audience::ALL
        .iter()
        .map(|a| format!("{a} {}", ago(inc.last_update_to(*a))))
        .collect();
    s += &format!("  status updates: {}\n", by_audience.join(" · "));
    if let Some(due) = inc.update_due(cadence) {
        let when = if due.at <= now {
            format!("overdue by {}", human_duration(now - due.at))
        } else {
            format!("due in {}", human_duration(due.at - now))
        };
        s += &format!(
            "  next update: {} {when} (every {} minutes at {})\n",
            due.audience,
            due.every.num_minutes(),
            inc.severity()
        );
    }
    let m = inc.milestones();
    let d = |x: Option<chrono::TimeDelta>| x.map_or("—".to_string(), human_duration);
    s += &format!(
        "  time to acknowledge {} · mitigate {} · resolve {}\n",
        d(m.time_to_acknowledge()),
        d(m.time_to_mitigate()),
        d(m.time_to_resolve())
    );
    s
}

/// `HH:MM:SS`, hours growing past 24 rather than wrapping.
pub fn clock(d: chrono::TimeDelta) -> String {
    let s = d.num_seconds().max(0);
    format!("{:02}:{:02}:{:02}", s / 3600, (s % 3600) / 60, s % 60)
}

fn to_json(inc: &Incident, cadence: &Cadence, now: DateTime<Utc>) -> serde_json::Value {
    let m = inc.milestones();
    let secs = |x: Option<chrono::TimeDelta>| x.map(|d| d.num_seconds());
    let (done, total) = inc.checklist_progress();
    json!({
        "id": inc.id,
        "title": inc.title,
        "severity": inc.severity(),
        "status": inc.status(),
        "drill": inc.drill,
        "roles": inc.roles.iter().map(|(r, p)| (r.to_string(), p.clone())).collect::<std::collections::BTreeMap<_, _>>(),
        "responders": inc.responders.values().map(|r| json!({
            "person": r.person,
            "state": r.state.as_str(),
            "since": r.since,
            "roles": inc.roles_of(&r.person).iter().map(|r| r.as_str()).collect::<Vec<_>>(),
            "paged_at": r.paged_at,
            "acknowledged_at": r.acknowledged_at,
            "last_wrote": r.last_wrote,
        })).collect::<Vec<_>>(),
        "checklist": {"done": done, "total": total},
        "milestones": {
            "detected": m.detected, "declared": m.declared, "acknowledged": m.acknowledged,
            "mitigated": m.mitigated, "resolved": m.resolved, "closed": m.closed,
        },
        "seconds": {
            "to_acknowledge": secs(m.time_to_acknowledge()),
            "to_mitigate": secs(m.time_to_mitigate()),
            "to_resolve": secs(m.time_to_resolve()),
            "since_declared": m.declared.map(|d| (now - d).num_seconds()),
            "elapsed": m.elapsed(now).map(|d| d.num_seconds()),
            "since_status_update": inc.last_status_update_at().map(|t| (now - t).num_seconds()),
        },
        "status_updates": Audience::ALL.iter().map(|a| (a.as_str(), json!({
            "last": inc.last_update_to(*a),
            "seconds_since": inc.last_update_to(*a).map(|t| (now - t).num_seconds()),
        }))).collect::<std::collections::BTreeMap<_, _>>(),
        "next_update": inc.update_due(cadence).map(|d| json!({
            "audience": d.audience,
            "due": d.at,
            "seconds_left": (d.at - now).num_seconds(),
        })),
        "events": inc.events,
    })
}
