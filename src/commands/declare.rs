use crate::cli::DeclareArgs;
use crate::config::Config;
use crate::incident::runbook::{self, DEFAULT_RUNBOOK};
use crate::timeline::{Author, EventBody, IncidentId, NewEvent, Store};
use anyhow::{Result, bail};
use chrono::Utc;

/// The events that declare an incident: the declaration, then its runbook's checklist,
/// appended in one transaction so no console ever sees one without the other.
pub fn declaration(
    args: &DeclareArgs,
    config: &Config,
    author: &Author,
) -> Result<(IncidentId, Vec<NewEvent>)> {
    let now = Utc::now();
    let id = IncidentId::generate(now);
    let mut events = vec![NewEvent::new(
        id.clone(),
        author.clone(),
        EventBody::IncidentDeclared {
            title: args.title.trim().to_string(),
            severity: args.severity,
            summary: args.summary.clone(),
            detected_at: args.detected_at,
            drill: args.drill,
        },
    )];
    let name = args.runbook.as_deref().unwrap_or(DEFAULT_RUNBOOK);
    if name != "none" {
        let books = runbook::load_runbooks(config.runbooks_dir().as_deref())?;
        let Some(rb) = runbook::find(&books, name) else {
            let names: Vec<&str> = books.iter().map(|b| b.name.as_str()).collect();
            bail!(
                "no runbook named `{name}`; there are: {}, or `none`",
                names.join(", ")
            );
        };
        events.push(NewEvent::new(
            id.clone(),
            author.clone(),
            EventBody::ChecklistAdded {
                runbook: rb.name.clone(),
                items: rb.checklist(),
            },
        ));
    }
    Ok((id, events))
}

pub fn run(store: &dyn Store, config: &Config, args: &DeclareArgs) -> Result<()> {
    if args.title.trim().is_empty() {
        bail!("the title is empty: say what is wrong in a few words");
    }
    let (id, events) = declaration(args, config, &Author::current_user())?;
    store.append_batch(&events)?;
    println!("{id}");
    eprintln!(
        "Declared {id} ({}): {} — it is now on the timeline at {}",
        args.severity,
        crate::text::clean_line(args.title.trim()),
        store.describe()
    );
    Ok(())
}
