use super::out::{ackln, errln};
use crate::cli::DeclareArgs;
use crate::config::Config;
use crate::incident::Declaration;
use crate::incident::runbook::{self, DEFAULT_RUNBOOK};
use crate::timeline::{Author, IncidentId, NewEvent, Store};
use anyhow::{Result, bail};
use chrono::Utc;

/// The declaration and its runbook's checklist, for `args`.
pub fn declaration(
    args: &DeclareArgs,
    config: &Config,
    author: &Author,
) -> Result<(IncidentId, Vec<NewEvent>)> {
    let name = args.runbook.as_deref().unwrap_or(DEFAULT_RUNBOOK);
    let books = runbook::load_runbooks(config.runbooks_dir().as_deref())?;
    let rb = match name {
        "none" => None,
        _ => match runbook::find(&books, name) {
            Some(rb) => Some(rb),
            None => {
                let names: Vec<&str> = books.iter().map(|b| b.name.as_str()).collect();
                bail!(
                    "no runbook named `{name}`; there are: {}, or `none`",
                    names.join(", ")
                );
            }
        },
    };
    let declared = Declaration {
        title: args.title.trim().to_string(),
        severity: args.severity,
        summary: args.summary.clone(),
        detected_at: args.detected_at,
        drill: args.drill,
    };
    Ok(declared.events(author, rb, Utc::now()))
}

pub fn run(store: &dyn Store, config: &Config, args: &DeclareArgs) -> Result<()> {
    if args.title.trim().is_empty() {
        bail!("the title is empty: say what is wrong in a few words");
    }
    let (id, events) = declaration(args, config, &config.me())?;
    store.append_batch(&events)?;
    // Durable from here on: whatever happens to the output, the command has succeeded.
    ackln!("{id}");
    errln!(
        "Declared {id} ({}): {} — it is now on the timeline at {}",
        args.severity,
        crate::text::clean_line(args.title.trim()),
        store.describe()
    );
    Ok(())
}
