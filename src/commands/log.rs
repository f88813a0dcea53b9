use crate::cli::{LogArgs, LogKind};
use crate::timeline::{Appended, Author, EventBody, IncidentId, NewEvent, Store};
use anyhow::{Context, Result, bail};
use std::io::{BufRead, Read, Write};

pub fn run(store: &dyn Store, args: &LogArgs) -> Result<()> {
    let (incident, _) = super::pick_incident(store, args.incident.as_deref())?;
    let author = match &args.source {
        Some(name) => Author::source(name),
        None => Author::current_user(),
    };
    if args.text == "-" && args.each_line {
        return each_line(store, args, &incident, &author);
    }
    let text = if args.text == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .context("reading standard input")?;
        s
    } else {
        args.text.clone()
    };
    let appended = store.append(event(args, &incident, &author, text.trim_end())?)?;
    report(&appended, &incident)?;
    Ok(())
}

/// `tail -f alerts | warroom log --each-line -`: every line an event, acknowledged on standard
/// output as soon as it is durable.
fn each_line(store: &dyn Store, args: &LogArgs, incident: &IncidentId, author: &Author) -> Result<()> {
    for line in std::io::stdin().lock().lines() {
        let line = line.context("reading standard input")?;
        if line.trim().is_empty() {
            continue;
        }
        let appended = store.append(event(args, incident, author, &line)?)?;
        report(&appended, incident)?;
    }
    Ok(())
}

fn event(args: &LogArgs, incident: &IncidentId, author: &Author, text: &str) -> Result<NewEvent> {
    if text.trim().is_empty() {
        bail!("nothing to log: the text is empty");
    }
    let body = match args.kind {
        LogKind::Note => EventBody::Note {
            text: text.to_string(),
        },
        LogKind::Decision => EventBody::Decision {
            text: text.to_string(),
            rationale: None,
        },
    };
    let mut e = NewEvent::new(incident.clone(), author.clone(), body);
    if let Some(at) = args.occurred_at {
        e = e.occurred_at(at);
    }
    if let Some(key) = &args.dedup_key {
        e = e.incident_dedup_key(key.clone());
    }
    Ok(e)
}

/// `#SEQ ID` first, so scripts can read it; the rest for people.
fn report(a: &Appended, incident: &IncidentId) -> Result<()> {
    let mut out = std::io::stdout().lock();
    if a.duplicate {
        writeln!(
            out,
            "#{} {} already on the timeline of {}",
            a.event.seq, a.event.id, a.event.incident
        )?;
    } else {
        writeln!(
            out,
            "#{} {} {} logged to {incident}",
            a.event.seq,
            a.event.id,
            a.event.kind()
        )?;
    }
    out.flush()?;
    Ok(())
}
