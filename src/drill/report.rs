//! The after-action report of a drill run, in Markdown, shaped like HSEEP's AAR/IP: the
//! exercise, who played, objectives scored, injects, the timeline in scenario time, strengths,
//! areas for improvement, an improvement plan, and the scenario's earlier runs.
//!
//! Text from the timeline is untrusted and escaped as the post-incident report does it:
//! cleaned of control characters, `<` written as `&lt;`, `|` escaped inside table cells.

use super::scenario::{Scenario, format_offset};
use super::score::{Control, ObjectiveResult, Outcome, Run, drill_run, is_player, runs, score};
use crate::export::markdown::{cell, inline, quote, row};
use crate::export::{duration, full_time};
use crate::incident::{Incident, Projection};
use crate::text::truncate;
use crate::timeline::describe::describe;
use crate::timeline::{Event, EventBody, Role};
use chrono::{DateTime, TimeDelta, Utc};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::{Result, Write};
use std::time::Duration;

const NONE: &str = "—";
/// Longest text in a table cell or bullet.
const MAX_TEXT: usize = 300;
const TO_FILL: &str = "- *(to be filled in)*";

/// The run named `id`, or the newest one.
pub fn find_run<'a>(runs: &'a [Run], id: Option<&str>) -> Option<&'a Run> {
    match id {
        Some(id) => runs.iter().find(|r| r.run == id),
        None => runs.iter().max_by_key(|r| r.started_at),
    }
}

/// Writes the after-action report of `run` (a play of `scenario`) as of `now`.
pub fn after_action(
    scenario: &Scenario,
    run: &Run,
    events: &[Event],
    now: DateTime<Utc>,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let r = Aar {
        scenario,
        run,
        events,
        now,
        results: score(scenario, run, events, now),
        end: run.ended_at.unwrap_or(now),
    };
    header(&r, out)?;
    exercise(&r, out)?;
    participants(&r, out)?;
    objectives(&r, out)?;
    injects(&r, out)?;
    timeline(&r, out)?;
    assessment(&r, out)?;
    earlier_runs(&r, out)?;
    out.flush()?;
    Ok(())
}

struct Aar<'a> {
    scenario: &'a Scenario,
    run: &'a Run,
    events: &'a [Event],
    now: DateTime<Utc>,
    results: Vec<ObjectiveResult>,
    /// When the run ended, or now.
    end: DateTime<Utc>,
}

impl Aar<'_> {
    /// The run's events in its incident, in time order: player actions and its own `drill.*`
    /// events, from the start to the end.
    fn timeline(&self) -> Vec<&Event> {
        let run = self.run;
        let mut v: Vec<&Event> = self
            .events
            .iter()
            .filter(|e| e.incident == run.incident)
            .filter(|e| (run.started_at..=self.end).contains(&e.recorded_at))
            .filter(|e| match drill_run(&e.body) {
                Some(_) => run.owns(&e.body),
                None => is_player(e.author.as_str()),
            })
            .collect();
        v.sort_by_key(|e| (e.recorded_at, e.seq));
        v
    }

    /// The scenario time at `t`, as `T+HH:MM:SS`.
    fn clock(&self, t: DateTime<Utc>) -> String {
        offset(self.run.scenario_time(t))
    }
}

fn header(r: &Aar<'_>, w: &mut dyn Write) -> Result<()> {
    let run = r.run;
    let title = if run.title.trim().is_empty() {
        &r.scenario.title
    } else {
        &run.title
    };
    writeln!(w, "# After-action report: {} (exercise)", inline(title))?;
    writeln!(w)?;
    writeln!(
        w,
        "> **EXERCISE** — a drill played from a scenario, not a real incident."
    )?;
    writeln!(w)?;
    writeln!(w, "| | |")?;
    writeln!(w, "|---|---|")?;
    row(w, &["**Run**", &cell(&run.run)])?;
    row(w, &["**Scenario**", &cell(&run.scenario)])?;
    row(w, &["**Incident**", &cell(run.incident.as_str())])?;
    row(w, &["**Started**", &full_time(run.started_at)])?;
    let ended = match run.ended_at {
        Some(t) => full_time(t),
        None => format!("still running at {}", full_time(r.now)),
    };
    row(w, &["**Ended**", &ended])?;
    row(w, &["**Generated at**", &full_time(r.now)])?;
    writeln!(w)
}

fn exercise(r: &Aar<'_>, w: &mut dyn Write) -> Result<()> {
    let (s, run) = (r.scenario, r.run);
    writeln!(w, "## Scenario")?;
    writeln!(w)?;
    writeln!(w, "| | |")?;
    writeln!(w, "|---|---|")?;
    row(w, &["**Name**", &cell(&s.name)])?;
    row(w, &["**Title**", &cell(&s.title)])?;
    row(w, &["**Audience**", &or_none(cell(&s.audience))])?;
    row(w, &["**Planned duration**", &span(s.duration)])?;
    let running = if run.ended_at.is_none() { " (so far)" } else { "" };
    row(
        w,
        &[
            "**Actual duration**",
            &format!(
                "{} scenario time, {} wall time{running}",
                span(run.scenario_time(r.end)),
                duration(r.end - run.started_at)
            ),
        ],
    )?;
    row(w, &["**Speed**", &speeds(r)])?;
    row(w, &["**Pauses**", &pauses(r)])?;
    writeln!(w)?;
    if !s.description.trim().is_empty() {
        quote(w, &s.description)?;
        writeln!(w)?;
    }
    Ok(())
}

/// `1×; 60× from T+00:05:00`.
fn speeds(r: &Aar<'_>) -> String {
    let parts: Vec<String> = r
        .run
        .controls
        .iter()
        .filter_map(|&(at, c)| match c {
            Control::Start { speed } => Some(format!("{speed}×")),
            Control::Speed(speed) => Some(format!("{speed}× from {}", r.clock(at))),
            _ => None,
        })
        .collect();
    parts.join("; ")
}

/// The paused spans: when (scenario time) and for how long (wall time).
fn pauses(r: &Aar<'_>) -> String {
    let mut spans: Vec<(DateTime<Utc>, DateTime<Utc>)> = Vec::new();
    let mut paused: Option<DateTime<Utc>> = None;
    for &(at, c) in &r.run.controls {
        match (c, paused) {
            (Control::Pause, None) => paused = Some(at),
            (Control::Resume | Control::End, Some(from)) => {
                spans.push((from, at));
                paused = None;
            }
            _ => {}
        }
    }
    if let Some(from) = paused {
        spans.push((from, r.end));
    }
    if spans.is_empty() {
        return "none".to_string();
    }
    let total = spans
        .iter()
        .fold(TimeDelta::zero(), |sum, (a, b)| sum + (*b - *a));
    let each: Vec<String> = spans
        .iter()
        .map(|(a, b)| format!("at {} for {}", r.clock(*a), duration(*b - *a)))
        .collect();
    let times = if spans.len() == 1 { "once" } else { "times" };
    let count = if spans.len() == 1 {
        String::new()
    } else {
        format!("{} ", spans.len())
    };
    format!("{count}{times}, {} in all: {}", duration(total), each.join("; "))
}

fn participants(r: &Aar<'_>, w: &mut dyn Write) -> Result<()> {
    let run = r.run;
    let mut mine: Vec<&Event> = r.events.iter().filter(|e| e.incident == run.incident).collect();
    mine.sort_by_key(|e| e.seq);
    let mut projection = Projection::new();
    for e in &mine {
        projection.apply((*e).clone());
    }
    let incident = projection.incident(&run.incident);
    let mut actions: BTreeMap<&str, usize> = BTreeMap::new();
    for e in mine.iter().filter(|e| is_player(e.author.as_str())) {
        *actions.entry(e.author.as_str()).or_default() += 1;
    }
    writeln!(w, "## Participants and roles")?;
    writeln!(w)?;
    if actions.is_empty() {
        writeln!(w, "No player acted in this run's incident.")?;
    } else {
        writeln!(w, "| Person | Roles | Actions |")?;
        writeln!(w, "|---|---|---|")?;
        for (person, n) in &actions {
            let roles = incident.map(|i| roles_of(i, person)).unwrap_or_default();
            let roles = or_none(Cow::Owned(roles.join(", ")));
            row(w, &[&cell(person), &roles, &n.to_string()])?;
        }
    }
    writeln!(w)?;
    if !r.scenario.roles.is_empty() {
        writeln!(w, "Player roles in the scenario:")?;
        writeln!(w)?;
        for spec in &r.scenario.roles {
            let mut line = format!("- **{}**", inline(&spec.name));
            if !spec.description.trim().is_empty() {
                line.push_str(&format!(" — {}", inline(&spec.description)));
            }
            let held = incident.and_then(|i| i.roles.get(&Role::from(spec.name.as_str())));
            match held {
                Some(person) => line.push_str(&format!(" (held by {})", inline(person))),
                None => line.push_str(" (not assigned)"),
            }
            writeln!(w, "{line}")?;
        }
        writeln!(w)?;
    }
    Ok(())
}

/// An author's roles, whether the role names them as `user@host` or as `user`.
fn roles_of(incident: &Incident, author: &str) -> Vec<String> {
    let short = crate::timeline::short_name(author);
    let mut roles = incident.roles_of(author);
    if short != author {
        roles.extend(incident.roles_of(short));
    }
    roles.into_iter().map(|r| cell(r.as_str()).into_owned()).collect()
}

fn objectives(r: &Aar<'_>, w: &mut dyn Write) -> Result<()> {
    writeln!(w, "## Objectives")?;
    writeln!(w)?;
    if r.results.is_empty() {
        writeln!(w, "The scenario has no objectives.")?;
        return writeln!(w);
    }
    writeln!(w, "| Id | Objective | Allowed | Took | Outcome | By |")?;
    writeln!(w, "|---|---|---|---|---|---|")?;
    for o in &r.results {
        let took = o.took.map_or(NONE.to_string(), span);
        let by = o.by.as_deref().map_or(Cow::Borrowed(NONE), cell);
        row(
            w,
            &[
                &cell(&o.id),
                &cell(&o.text),
                &span(o.within),
                &took,
                outcome(o.outcome, r.run),
                &by,
            ],
        )?;
    }
    writeln!(w)?;
    let met = count(&r.results, Outcome::Met);
    let pending = count(&r.results, Outcome::Pending);
    let pending = match (pending, r.run.ended_at) {
        (0, _) => String::new(),
        (n, None) => format!(" ({n} still pending)"),
        (n, Some(_)) => format!(" ({n} not met before the run ended)"),
    };
    writeln!(
        w,
        "**{met} of {} objectives met.**{pending} Time is scenario time, from the delivery of \
         the objective's inject to the first matching player action.",
        r.results.len()
    )?;
    writeln!(w)?;
    let actions: Vec<&ObjectiveResult> = r.results.iter().filter(|o| o.action.is_some()).collect();
    if !actions.is_empty() {
        writeln!(w, "Matching actions:")?;
        writeln!(w)?;
        for o in actions {
            writeln!(
                w,
                "- {}: {} ({})",
                inline(&o.id),
                inline(o.action.as_deref().unwrap_or_default()),
                inline(o.by.as_deref().unwrap_or_default())
            )?;
        }
        writeln!(w)?;
    }
    Ok(())
}

/// An outcome in words; pending is only pending while the run goes on.
fn outcome(o: Outcome, run: &Run) -> &'static str {
    match o {
        Outcome::Pending if run.ended_at.is_some() => "not met (run ended)",
        o => o.as_str(),
    }
}

fn count(results: &[ObjectiveResult], outcome: Outcome) -> usize {
    results.iter().filter(|o| o.outcome == outcome).count()
}

fn injects(r: &Aar<'_>, w: &mut dyn Write) -> Result<()> {
    let (s, run) = (r.scenario, r.run);
    writeln!(w, "## Injects")?;
    writeln!(w)?;
    writeln!(w, "### Delivered")?;
    writeln!(w)?;
    let mut seen = Vec::new();
    let delivered: Vec<&Event> = r
        .timeline()
        .into_iter()
        .filter(|e| match &e.body {
            EventBody::DrillInject { seq: 0, .. } => true,
            EventBody::DrillInject { seq, .. } if !seen.contains(seq) => {
                seen.push(*seq);
                true
            }
            _ => false,
        })
        .collect();
    if delivered.is_empty() {
        writeln!(w, "No inject was delivered.")?;
    } else {
        writeln!(w, "| Seq | Planned | Delivered | Target | Description |")?;
        writeln!(w, "|---|---|---|---|---|")?;
        for e in delivered {
            let EventBody::DrillInject {
                seq,
                scenario_at,
                target,
                description,
                hidden,
                ..
            } = &e.body
            else {
                continue;
            };
            let planned = s.inject(*seq).map_or(NONE.to_string(), |i| offset(i.at));
            let seq = if *seq == 0 {
                "ad hoc".to_string()
            } else {
                format!("#{seq}")
            };
            let mut text = cell(&truncate(description, MAX_TEXT)).into_owned();
            if *hidden {
                text.push_str(" *(facilitator only)*");
            }
            let at = offset(Duration::from_secs(*scenario_at));
            row(w, &[&seq, &planned, &at, &cell(target), &text])?;
        }
    }
    writeln!(w)?;
    writeln!(w, "### Skipped")?;
    writeln!(w)?;
    if run.skipped.is_empty() {
        writeln!(w, "None.")?;
    }
    for seq in &run.skipped {
        writeln!(w, "- {}", inject_line(s, *seq))?;
    }
    writeln!(w)?;
    let left: Vec<u32> = s
        .injects
        .iter()
        .map(|i| i.seq)
        .filter(|seq| run.delivery(*seq).is_none() && !run.skipped.contains(seq))
        .collect();
    if !left.is_empty() {
        let heading = if run.ended_at.is_some() {
            "Not delivered"
        } else {
            "Not yet delivered"
        };
        writeln!(w, "### {heading}")?;
        writeln!(w)?;
        for seq in left {
            writeln!(w, "- {}", inject_line(s, seq))?;
        }
        writeln!(w)?;
    }
    Ok(())
}

/// `#4 (planned T+00:20:00): description — contingency for objective X, not fired`.
fn inject_line(s: &Scenario, seq: u32) -> String {
    let Some(i) = s.inject(seq) else {
        return format!("#{seq} (not in the scenario)");
    };
    let mut line = format!(
        "#{seq} (planned {}): {}",
        offset(i.at),
        inline(&truncate(&i.description, MAX_TEXT))
    );
    if let Some(objective) = &i.contingency {
        line.push_str(&format!(
            " — contingency for objective {}, not fired",
            inline(objective)
        ));
    }
    line
}

fn timeline(r: &Aar<'_>, w: &mut dyn Write) -> Result<()> {
    writeln!(w, "## Timeline")?;
    writeln!(w)?;
    writeln!(
        w,
        "Player actions, injects and clock changes, in the order they were recorded. Scenario \
         time runs at the drill's speed and stops while paused."
    )?;
    writeln!(w)?;
    writeln!(w, "| Scenario time | Wall (UTC) | Who | Kind | What |")?;
    writeln!(w, "|---|---|---|---|---|")?;
    for e in r.timeline() {
        let what = cell(&truncate(&describe(&e.body), MAX_TEXT)).into_owned();
        row(
            w,
            &[
                &r.clock(e.recorded_at),
                &full_time(e.recorded_at),
                &cell(e.author.as_str()),
                &cell(e.kind()),
                &what,
            ],
        )?;
    }
    writeln!(w)
}

/// Strengths, areas for improvement and the improvement plan: for the hot wash to fill in,
/// started with what the scores show.
fn assessment(r: &Aar<'_>, w: &mut dyn Write) -> Result<()> {
    let scored = || r.scenario.objectives.iter().zip(&r.results);
    writeln!(w, "## Strengths")?;
    writeln!(w)?;
    writeln!(
        w,
        "<!-- What went well, from the hot wash and the evaluators. -->"
    )?;
    writeln!(w)?;
    for (_, o) in scored() {
        // Met in at most half the time allowed.
        if let (Outcome::Met, Some(took)) = (o.outcome, o.took)
            && took.saturating_mul(2) <= o.within
        {
            writeln!(
                w,
                "- Objective {} ({}) was met in {} of the {} allowed.",
                inline(&o.id),
                inline(&o.text),
                span(took),
                span(o.within)
            )?;
        }
    }
    writeln!(w, "{TO_FILL}")?;
    writeln!(w)?;
    writeln!(w, "## Areas for improvement")?;
    writeln!(w)?;
    writeln!(
        w,
        "<!-- What to do differently: gaps in plans, tools, training. -->"
    )?;
    writeln!(w)?;
    for (spec, o) in scored() {
        let why = match (o.outcome, o.took) {
            (Outcome::Missed, Some(took)) => format!(
                "was missed: it took {} of the {} allowed",
                span(took),
                span(o.within)
            ),
            (Outcome::Missed, None) => {
                format!("was missed: no matching action within {}", span(o.within))
            }
            (Outcome::NotStarted, _) => format!(
                "was not exercised: inject #{} was never delivered",
                spec.measure.from
            ),
            _ => continue,
        };
        writeln!(w, "- Objective {} ({}) {why}.", inline(&o.id), inline(&o.text))?;
    }
    writeln!(w, "{TO_FILL}")?;
    writeln!(w)?;
    writeln!(w, "## Improvement plan")?;
    writeln!(w)?;
    writeln!(w, "| Corrective action | Area | Owner | Due |")?;
    writeln!(w, "|---|---|---|---|")?;
    writeln!(w, "| *(to be filled in)* | | | |")?;
    writeln!(w)
}

fn earlier_runs(r: &Aar<'_>, w: &mut dyn Write) -> Result<()> {
    writeln!(w, "## Compared with earlier runs")?;
    writeln!(w)?;
    let all = runs(r.events);
    let earlier: Vec<&Run> = all
        .iter()
        .filter(|o| o.scenario == r.run.scenario && o.started_at < r.run.started_at && o.run != r.run.run)
        .collect();
    if earlier.is_empty() {
        writeln!(w, "No earlier runs of this scenario in this store.")?;
        return writeln!(w);
    }
    writeln!(
        w,
        "Each run scored against this scenario's objectives; *late* is met after the time allowed."
    )?;
    writeln!(w)?;
    let ids: Vec<String> = r.results.iter().map(|o| cell(&o.id).into_owned()).collect();
    let mut head = vec!["Run", "Date", "Met"];
    head.extend(ids.iter().map(String::as_str));
    row(w, &head)?;
    writeln!(w, "|{}", "---|".repeat(head.len()))?;
    let line = |w: &mut dyn Write, run: &Run, results: &[ObjectiveResult], this: bool| {
        let name = if this {
            format!("{} (this run)", cell(&run.run))
        } else {
            cell(&run.run).into_owned()
        };
        let met = format!("{} of {}", count(results, Outcome::Met), results.len());
        let mut cells = vec![name, full_time(run.started_at), met];
        cells.extend(results.iter().map(|o| took_cell(o, run)));
        let cells: Vec<&str> = cells.iter().map(String::as_str).collect();
        row(w, &cells)
    };
    for run in earlier {
        line(w, run, &score(r.scenario, run, r.events, r.now), false)?;
    }
    line(w, r.run, &r.results, true)?;
    writeln!(w)
}

/// How long an objective took, or why it has no time.
fn took_cell(o: &ObjectiveResult, run: &Run) -> String {
    match (o.outcome, o.took) {
        (Outcome::Met, Some(t)) => span(t),
        (_, Some(t)) => format!("{} (late)", span(t)),
        (o, None) => outcome(o, run).to_string(),
    }
}

/// A scenario duration as the reports write durations: `4m 09s`.
fn span(d: Duration) -> String {
    duration(TimeDelta::from_std(d).unwrap_or(TimeDelta::MAX))
}

/// `T+00:05:00`.
fn offset(d: Duration) -> String {
    format!("T{}", format_offset(d))
}

fn or_none(s: Cow<'_, str>) -> Cow<'_, str> {
    if s.trim().is_empty() {
        Cow::Borrowed(NONE)
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::IncidentId;
    use chrono::TimeZone;

    fn run(ended: bool) -> Run {
        let t0 = Utc.with_ymd_and_hms(2026, 11, 28, 13, 0, 0).single().unwrap();
        Run {
            run: "r".into(),
            scenario: "s".into(),
            title: "t".into(),
            incident: IncidentId("INC-1".into()),
            started_at: t0,
            ended_at: ended.then_some(t0),
            definition: String::new(),
            delivered: vec![],
            skipped: vec![],
            adhoc: 0,
            controls: vec![(t0, Control::Start { speed: 1.0 })],
        }
    }

    fn result(outcome: Outcome, took: Option<u64>) -> ObjectiveResult {
        ObjectiveResult {
            id: "ack".into(),
            text: "t".into(),
            outcome,
            took: took.map(Duration::from_secs),
            within: Duration::from_secs(300),
            by: None,
            action: None,
        }
    }

    #[test]
    fn took_cells_say_why_there_is_no_time() {
        let (live, over) = (run(false), run(true));
        assert_eq!(took_cell(&result(Outcome::Met, Some(249)), &live), "4m 09s");
        assert_eq!(
            took_cell(&result(Outcome::Missed, Some(360)), &live),
            "6m 00s (late)"
        );
        assert_eq!(took_cell(&result(Outcome::Missed, None), &live), "missed");
        assert_eq!(took_cell(&result(Outcome::Pending, None), &live), "pending");
        assert_eq!(
            took_cell(&result(Outcome::Pending, None), &over),
            "not met (run ended)"
        );
        assert_eq!(
            took_cell(&result(Outcome::NotStarted, None), &over),
            "not started"
        );
    }

    #[test]
    fn untrusted_text_is_escaped_for_markdown() {
        assert_eq!(cell("a|b<c\u{1b}[31m"), "a\\|b&lt;c");
        assert_eq!(inline("a|b<c"), "a|b&lt;c");
        assert!(matches!(cell("plain"), Cow::Borrowed("plain")));
    }

    #[test]
    fn scenario_times_read_as_offsets() {
        assert_eq!(offset(Duration::from_secs(3725)), "T+01:02:05");
        assert_eq!(span(Duration::from_secs(3725)), "1h 02m 05s");
    }
}
