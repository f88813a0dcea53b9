//! One line of plain words for an event, as the timeline pane and the reports show it.

use super::EventBody;

/// What happened, in a short sentence (without the author or time). Not yet cleaned for a
/// terminal: callers pass it through [`crate::text`]. Checklist items are named by their ids;
/// where the incident is at hand, [`describe_with`] names them by their titles.
pub fn describe(body: &EventBody) -> String {
    describe_with(body, |_| None)
}

/// As [`describe`], a checklist item named by `title(id)` when it knows one (people read
/// "Checked Assign an incident commander", not "Checked generic/assign-ic").
pub fn describe_with<'a>(body: &'a EventBody, title: impl Fn(&str) -> Option<&'a str>) -> String {
    let item = |id: &'a str| title(id).unwrap_or(id);
    match body {
        EventBody::IncidentDeclared {
            title,
            severity,
            drill,
            ..
        } => {
            let drill = if *drill { " (DRILL)" } else { "" };
            format!("Declared {severity}{drill}: {title}")
        }
        EventBody::IncidentRetitled { title } => format!("Retitled: {title}"),
        EventBody::SeverityChanged { severity, reason } => {
            with_reason(format!("Severity → {severity}"), reason)
        }
        EventBody::StatusChanged { status, reason } => with_reason(format!("Status → {status}"), reason),
        EventBody::RoleAssigned { role, person } => format!("{person} is {role}"),
        EventBody::RoleReleased { role, person } => format!("{person} released {role}"),
        EventBody::ResponderAdded { person, .. } => format!("Added responder {person}"),
        EventBody::ResponderPaged { person, via } => match via {
            Some(v) => format!("Paged {person} via {v}"),
            None => format!("Paged {person}"),
        },
        EventBody::ResponderAcknowledged { person } => format!("{person} acknowledged"),
        EventBody::ResponderJoined { person } => format!("{person} joined"),
        EventBody::ResponderLeft { person } => format!("{person} left"),
        EventBody::Note { text } => text.clone(),
        EventBody::Decision { text, rationale } => match rationale {
            Some(r) => format!("DECISION: {text} (because {r})"),
            None => format!("DECISION: {text}"),
        },
        EventBody::ChecklistAdded { runbook, items } => {
            format!("Runbook {runbook} attached ({} items)", items.len())
        }
        EventBody::ChecklistChecked { item: id } => format!("Checked {}", item(id)),
        EventBody::ChecklistUnchecked { item: id } => format!("Unchecked {}", item(id)),
        EventBody::ChecklistAssigned { item: id, person } => {
            format!("{} assigned to {person}", item(id))
        }
        EventBody::StatusUpdatePosted { text, audience } => {
            format!("STATUS UPDATE ({audience}): {text}")
        }
        EventBody::Handoff { from, to, .. } => format!("Command handed from {from} to {to}"),
        EventBody::DrillStarted {
            scenario,
            title,
            speed,
            ..
        } => format!("DRILL started: {title} ({scenario}, {speed}×)"),
        EventBody::DrillPaused { .. } => "DRILL paused".to_string(),
        EventBody::DrillResumed { .. } => "DRILL resumed".to_string(),
        EventBody::DrillSpeed { speed, .. } => format!("DRILL speed {speed}×"),
        EventBody::DrillInject {
            seq,
            target,
            from,
            description,
            hidden,
            ..
        } => {
            let who = from.as_deref().map(|f| format!(" from {f}")).unwrap_or_default();
            let note = if *hidden { " (facilitator only)" } else { "" };
            let seq = if *seq == 0 {
                "ad hoc".to_string()
            } else {
                format!("#{seq}")
            };
            format!("DRILL inject {seq} → {target}{who}: {description}{note}")
        }
        EventBody::DrillSkipped { seq, .. } => format!("DRILL inject #{seq} skipped"),
        EventBody::DrillEnded { reason, .. } => match reason {
            Some(r) => format!("DRILL ended: {r}"),
            None => "DRILL ended".to_string(),
        },
        EventBody::FindingUpdated {
            source,
            findings,
            workflow,
            note,
        } => {
            let what = match (workflow, note) {
                (Some(w), Some(n)) => format!("set to {w}, note \"{n}\""),
                (Some(w), None) => format!("set to {w}"),
                (None, Some(n)) => format!("note \"{n}\""),
                (None, None) => "updated".to_string(),
            };
            let list = match findings.as_slice() {
                [one] => one.clone(),
                many => format!("{} findings ({})", many.len(), many.join("; ")),
            };
            format!("[{source}] {list}: {what}")
        }
        EventBody::Signal {
            source,
            title,
            severity,
            ..
        } => match severity {
            Some(s) => format!("[{source}] {s}: {title}"),
            None => format!("[{source}] {title}"),
        },
        EventBody::LinkAdded { kind, reference, url } => match url {
            Some(url) => format!("Linked {kind} {reference} {url}"),
            None => format!("Linked {kind} {reference}"),
        },
        EventBody::FollowUpAdded { text, owner } => match owner {
            Some(owner) => format!("FOLLOW-UP: {text} (owner {owner})"),
            None => format!("FOLLOW-UP: {text}"),
        },
        EventBody::Amended { target, text, .. } => match text {
            Some(t) => format!("Amended {}: {t}", short_id(target)),
            None => format!("Amended the time of {}", short_id(target)),
        },
        EventBody::Retracted { target, reason } => {
            with_reason(format!("Retracted {}", short_id(target)), reason)
        }
        EventBody::Unrecognized { kind, .. } => format!("({kind})"),
    }
}

fn with_reason(s: String, reason: &Option<String>) -> String {
    match reason {
        Some(r) if !r.is_empty() => format!("{s} — {r}"),
        _ => s,
    }
}

/// The last eight hex digits of an event id: enough to point at one in conversation.
pub fn short_id(id: &uuid::Uuid) -> String {
    let s = id.simple().to_string();
    s[s.len() - 8..].to_string()
}
