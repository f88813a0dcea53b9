//! `warroom do COMMAND [ARGS]`: a palette command without a screen, for ChatOps bots, alert
//! hooks and scripts. It is the console's own logic, not a copy: an `App` is built over the
//! incident's events and takes the command exactly as the palette would, with the palette's
//! parser and errors. A question the console would ask (a severity or status change, a
//! resolve, a role release) is answered yes, with `--reason` when one is given; what it
//! appends is written durably, then printed.

use super::out::{ackln, outln};
use crate::cli::DoArgs;
use crate::incident::runbook;
use crate::timeline::{Appended, Store};
use crate::tui::app::{App, Effect, FlashKind, Mode, Msg, Options};
use crate::tui::palette;
use anyhow::{Result, anyhow, bail};
use chrono::Utc;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

pub fn run(store: &dyn Store, config: &crate::config::Config, args: &DoArgs) -> Result<()> {
    let mut command = palette::parse_words(&args.words).map_err(|e| anyhow!("{e}"))?;
    let spec = command.spec();
    // `retract 41 --reason "…"` is `:retract #41 …`.
    let mut reason = args.reason.clone();
    if let palette::Command::Retract { reason: r @ None, .. } = &mut command {
        *r = reason.take();
    }
    // `followup "…" --owner raj` is `:followup … --owner raj`.
    match (&mut command, &args.owner) {
        (palette::Command::FollowUp { owner: o @ None, .. }, Some(owner)) => {
            *o = Some(owner.trim_start_matches('@').to_string());
        }
        (palette::Command::FollowUp { .. }, Some(_)) => bail!("the owner is named twice"),
        (_, Some(_)) => bail!("`{}` takes no owner", spec.word),
        _ => {}
    }
    // Without a screen there is no selected row: an item must be named.
    if let palette::Command::Check(None)
    | palette::Command::Uncheck(None)
    | palette::Command::Assign { item: None, .. } = &command
    {
        bail!(
            "`{}` needs the item here (words of its title): there is no selected row",
            spec.word
        );
    }
    if !spec.writes || console_only(&command) {
        bail!(
            "`{}` works in the console only{}",
            spec.word,
            match spec.word {
                "export" => ": use `warroom export`",
                _ => "",
            }
        );
    }
    let incident = if spec.needs_incident {
        Some(super::pick_incident(store, args.incident.as_deref(), super::Otherwise::Open)?.0)
    } else {
        None
    };
    let options = Options::new(config.me().as_str(), &store.describe());
    let mut app = App::builder(options)
        .runbooks(runbook::load_runbooks(config.runbooks_dir().as_deref())?)
        .build()?;
    // The incident's own events are all the command's logic reads (conditions included).
    if let Some(id) = &incident {
        let mut ignored = Vec::new();
        store.scan(0, Some(id), &mut |e| {
            app.ingest(e, &mut ignored);
            true
        })?;
    }
    let now = Utc::now();
    let mut fx = Vec::new();
    app.run_command(command, incident, now, &mut fx);
    // Questions can come in a row (a new person, then a handoff): each is answered, the reason
    // going with the one that takes it.
    let mut questions = 0;
    while let Mode::Confirm(c) = app.mode() {
        let takes_reason = c.intent.takes_reason();
        questions += 1;
        if questions > 3 {
            bail!("`{}` works in the console only", spec.word);
        }
        match reason.take_if(|_| takes_reason) {
            Some(reason) => {
                fx.extend(app.update(key(KeyCode::Char('r')), now));
                fx.extend(app.update(Msg::Paste(reason), now));
                fx.extend(app.update(key(KeyCode::Enter), now));
            }
            None => fx.extend(app.update(key(KeyCode::Char('y')), now)),
        }
    }
    if reason.is_some() {
        bail!("`{}` takes no reason", spec.word);
    }
    if !app.mode().is_normal() {
        bail!("`{}` works in the console only", spec.word);
    }
    let events: Vec<_> = (fx.into_iter())
        .filter_map(|e| match e {
            Effect::Append(events) => Some(events),
            _ => None,
        })
        .flatten()
        .collect();
    let said = app
        .panes()
        .flash
        .as_ref()
        .map(|f| (f.kind.clone(), f.text.clone()));
    if events.is_empty() {
        return match said {
            Some((FlashKind::Error, text)) => bail!("{}", crate::text::clean_line(&text)),
            Some((FlashKind::Info, text)) => Ok(outln!("{}", crate::text::clean_line(&text))?),
            None => bail!("`{}` changed nothing", spec.word),
        };
    }
    let appended = store.append_batch(&events)?;
    for a in &appended {
        acknowledge(a, args.json);
    }
    Ok(())
}

/// Commands whose work needs the screen: an editor, a selection, a drill's facilitator.
fn console_only(command: &palette::Command) -> bool {
    use palette::Command as C;
    matches!(command, C::Handoff(_) | C::Finding { .. } | C::Drill(_))
}

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn acknowledge(a: &Appended, json: bool) {
    let e = &a.event;
    if json {
        let line = serde_json::json!({
            "seq": e.seq,
            "id": e.id.to_string(),
            "incident": e.incident.as_str(),
            "kind": e.kind(),
            "author": e.author.as_str(),
            "recorded_at": crate::timeline::format_time(e.recorded_at),
            "payload": serde_json::from_str::<serde_json::Value>(&e.body.payload_json())
                .unwrap_or(serde_json::Value::Null),
            "duplicate": a.duplicate,
        });
        ackln!("{line}");
    } else {
        let what = crate::timeline::describe::describe(&e.body);
        ackln!(
            "#{} {} {} on {}: {}",
            e.seq,
            e.id,
            e.kind(),
            e.incident,
            crate::text::clean_line(&what)
        );
    }
}
