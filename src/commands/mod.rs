//! The work behind each subcommand. Each file is one command; this one holds what they share:
//! choosing the store and the incident.

pub mod check;
pub mod console;
pub mod declare;
pub mod demo;
pub mod do_command;
pub mod drill;
pub mod export;
pub mod init;
pub mod log;
pub mod out;
pub mod status;
pub mod store;
pub mod unsaved;
pub mod verify;
pub mod watch;

use crate::config::{Config, default_store_path};
use crate::incident::{Incident, Projection, fold_store};
use crate::sources::signals::TRIAGE;
use crate::timeline::{IncidentId, Store, StoreSpec, open_store};
use anyhow::{Context, Result, bail};
use out::{errln, outln};
use std::io::Write;
use std::path::Path;

/// The store: `--store` or `WARROOM_STORE` (clap reads both), then the config file, then the
/// default file in the XDG state directory.
pub fn store_spec(cli_store: Option<&str>, config: &Config) -> StoreSpec {
    match cli_store.or(config.store.as_deref()) {
        Some(s) => StoreSpec::parse(s),
        None => StoreSpec::Sqlite(default_store_path()),
    }
}

pub fn open(cli_store: Option<&str>, config: &Config) -> Result<Box<dyn Store>> {
    let spec = store_spec(cli_store, config);
    Ok(open_store(&spec)?)
}

/// The store for a console: a PostgreSQL server behind the offline spool (in the state
/// directory, one file per server), so that actions taken while the server is away wait and
/// are sent when it returns; any other store as it is.
pub fn open_console(cli_store: Option<&str>, config: &Config) -> Result<Box<dyn Store>> {
    match store_spec(cli_store, config) {
        StoreSpec::Postgres(url) => {
            use crate::timeline::postgres::PostgresStore;
            use crate::timeline::spool::SpooledStore;
            let server = PostgresStore::open_with(&url, crate::timeline::open::pg_options())?;
            // From now on a call fails fast to the spool rather than waiting for the server.
            server.set_patience(std::time::Duration::ZERO);
            let path = SpooledStore::path_for(&crate::config::state_folder("spool"), &url);
            Ok(Box::new(SpooledStore::new(std::sync::Arc::new(server), &path)?))
        }
        spec => Ok(open_store(&spec)?),
    }
}

/// Which incident a command takes when none is named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Otherwise {
    /// The only open incident.
    Open,
    /// The only open incident, or with none open the triage stream (where sources' signals go
    /// too): an alert hook's line is never dropped because nobody has declared yet.
    OpenOrTriage,
    /// The only open incident, or with none open the one resolved most recently: a
    /// postmortem is written after the resolve.
    OpenOrLastResolved,
}

/// The incident a command acts on: the one named (its whole id, or a unique prefix or suffix
/// of it, in any case: `RNDZ2`), or else as `otherwise` says. A drill's incident is never
/// chosen unless named: a script must not write into an exercise.
pub fn pick_incident(
    store: &dyn Store,
    named: Option<&str>,
    otherwise: Otherwise,
) -> Result<(IncidentId, Projection)> {
    if let Some(wanted) = named {
        return pick_named(store, wanted.trim());
    }
    let p = fold_store(store, None).context("reading the timeline")?;
    let real = |i: &&Incident| i.declared && !i.drill && i.id.as_str() != TRIAGE;
    let open: Vec<&Incident> = p.open_incidents().filter(real).collect();
    let chosen = match open.as_slice() {
        [one] => one.id.clone(),
        [] if otherwise == Otherwise::OpenOrTriage => IncidentId(TRIAGE.to_string()),
        [] if otherwise == Otherwise::OpenOrLastResolved => {
            let last = (p.incidents().iter().filter(real))
                .filter_map(|i| Some((i.milestones().resolved?, i)))
                .max_by_key(|(at, i)| (*at, i.last_seq));
            match last {
                Some((_, i)) => i.id.clone(),
                None => bail!(
                    "{}: no incident has been declared here yet; name one with --incident",
                    store.describe()
                ),
            }
        }
        [] => bail!(
            "{}: no open incident; declare one with `warroom declare --title … --severity …`, or name one with --incident",
            store.describe()
        ),
        several => bail!(
            "{} incidents are open; choose one with --incident:\n{}",
            several.len(),
            listing(several)
        ),
    };
    Ok((chosen, p))
}

/// The incident `wanted` names: exactly (read only up to its declaration), or else the one
/// declared incident whose id starts or ends with it, ignoring case.
fn pick_named(store: &dyn Store, wanted: &str) -> Result<(IncidentId, Projection)> {
    let id = IncidentId(wanted.to_string());
    let mut p = Projection::new();
    store.scan(0, Some(&id), &mut |e| {
        let declaration = matches!(e.body, crate::timeline::EventBody::IncidentDeclared { .. });
        p.apply(e);
        !declaration
    })?;
    if p.incident(&id).is_some_and(|i| i.declared) {
        return Ok((id, p));
    }
    let lower = wanted.to_lowercase();
    if lower.is_empty() {
        bail!("--incident is empty: give an id, or a unique part of one");
    }
    let p = fold_store(store, None).context("reading the timeline")?;
    let matches: Vec<&Incident> = (p.incidents().iter())
        .filter(|i| i.declared)
        .filter(|i| {
            let id = i.id.as_str().to_lowercase();
            id.starts_with(&lower) || id.ends_with(&lower)
        })
        .collect();
    match matches.as_slice() {
        [one] => {
            let id = one.id.clone();
            Ok((id, p))
        }
        [] => bail!("{}: no incident {wanted} in this store", store.describe()),
        several => bail!(
            "`{wanted}` matches {} incidents; give more of the id:\n{}",
            several.len(),
            listing(several)
        ),
    }
}

/// `  ID  SEV  title`, a line each.
fn listing(incidents: &[&Incident]) -> String {
    let lines: Vec<String> = incidents
        .iter()
        .map(|i| {
            format!(
                "  {}  {}  {}",
                i.id,
                i.severity(),
                crate::text::clean_line(&i.title)
            )
        })
        .collect();
    lines.join("\n")
}

/// `warroom runbooks`: what can be attached with `declare --runbook`.
pub fn runbooks(config: &Config, args: &crate::cli::RunbooksArgs) -> Result<()> {
    let books = crate::incident::runbook::load_runbooks(config.runbooks_dir().as_deref())?;
    if let Some(crate::cli::RunbooksCommand::Show { name }) = &args.command {
        let Some(book) = crate::incident::runbook::find(&books, name) else {
            let names: Vec<&str> = books.iter().map(|b| b.name.as_str()).collect();
            bail!(
                "no runbook named `{}`: there are {}",
                crate::text::clean_line(name),
                names.join(", ")
            );
        };
        return Ok(out::print(format_args!(
            "{}",
            crate::text::clean_text(&book.text)
        ))?);
    }
    for b in &books {
        outln!(
            "{:<14} {:>3} items  {}  ({})",
            b.name,
            b.items.len(),
            b.title,
            b.origin
        )?;
    }
    Ok(())
}

/// Every event in the store, in order (drill reports need the whole record).
pub fn all_events(store: &dyn Store) -> Result<Vec<crate::timeline::Event>> {
    let mut events = Vec::new();
    store.scan(0, None, &mut |e| {
        events.push(e);
        true
    })?;
    Ok(events)
}

/// Write a report to `path` (then say `Wrote {what} to PATH` on standard error), or to
/// standard output (a reader that goes away is not an error: [`out`]).
pub fn write_output(
    path: Option<&Path>,
    what: &str,
    write: impl FnOnce(&mut dyn Write) -> Result<()>,
) -> Result<()> {
    match path {
        Some(path) => {
            let file =
                std::fs::File::create(path).with_context(|| format!("{}: cannot create", path.display()))?;
            let mut out = std::io::BufWriter::new(file);
            write(&mut out)?;
            out.flush()
                .with_context(|| format!("{}: cannot write", path.display()))?;
            errln!("Wrote {what} to {}", path.display());
        }
        None => {
            let mut out = std::io::BufWriter::new(out::stdout());
            write(&mut out)?;
            out.flush()?;
        }
    }
    Ok(())
}
