use super::out::{ackln, errln};
use crate::cli::{LogArgs, LogKind};
use crate::timeline::{Appended, Author, EventBody, IncidentId, NewEvent, Store};
use anyhow::{Context, Result, bail};
use std::borrow::Cow;
use std::io::{BufRead, Read};

pub fn run(store: &dyn Store, config: &crate::config::Config, args: &LogArgs) -> Result<()> {
    let (incident, _) =
        super::pick_incident(store, args.incident.as_deref(), super::Otherwise::OpenOrTriage)?;
    let author = match &args.source {
        Some(name) => Author::source(name),
        None => config.me(),
    };
    if args.text == "-" && args.each_line {
        return each_line(store, args, &incident, &author);
    }
    let text = if args.text == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .context("reading standard input")?;
        let text = String::from_utf8_lossy(&bytes);
        if matches!(text, Cow::Owned(_)) {
            errln!("warroom: standard input is not all UTF-8: logged with U+FFFD for the bytes that are not");
        }
        text.into_owned()
    } else {
        args.text.clone()
    };
    let appended = store.append(event(args, &incident, &author, text.trim_end())?)?;
    acknowledge(&appended, &incident);
    Ok(())
}

/// `tail -f alerts | warroom log --each-line -`: every line an event, acknowledged on standard
/// output as soon as it is durable. A line that is not UTF-8 is logged with U+FFFD for its bad
/// bytes (and said so on standard error), never the end of the pipeline.
fn each_line(store: &dyn Store, args: &LogArgs, incident: &IncidentId, author: &Author) -> Result<()> {
    let mut input = std::io::stdin().lock();
    let mut bytes = Vec::new();
    let (mut number, mut logged, mut replaced) = (0u64, 0u64, 0u64);
    loop {
        bytes.clear();
        if input
            .read_until(b'\n', &mut bytes)
            .context("reading standard input")?
            == 0
        {
            break;
        }
        number += 1;
        let text = String::from_utf8_lossy(&bytes);
        let line = text.strip_suffix('\n').unwrap_or(&text);
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            continue;
        }
        let appended = store.append(event(args, incident, author, line)?)?;
        logged += 1;
        if matches!(text, Cow::Owned(_)) {
            replaced += 1;
            errln!(
                "warroom: line {number} of standard input is not UTF-8: logged as #{} with U+FFFD for the bytes that are not",
                appended.event.seq
            );
        }
        acknowledge(&appended, incident);
    }
    if replaced > 0 {
        errln!(
            "warroom: {replaced} of {logged} lines had bytes that are not UTF-8, logged with U+FFFD in their place"
        );
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

/// `#SEQ ID` first, so scripts can read it; the rest for people. The event is durable already,
/// so nothing that happens to this line makes the command fail ([`super::out::acknowledge`]).
fn acknowledge(a: &Appended, incident: &IncidentId) {
    if a.duplicate {
        ackln!(
            "#{} {} already on the timeline of {}",
            a.event.seq,
            a.event.id,
            a.event.incident
        );
    } else {
        ackln!(
            "#{} {} {} logged to {incident}",
            a.event.seq,
            a.event.id,
            a.event.kind()
        );
    }
}
