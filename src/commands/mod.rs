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
use crate::incident::{Projection, fold_store};
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

/// The incident a command acts on: the one named, or else the only open one. A drill's
/// incident is never chosen unless named: a script must not write into an exercise.
pub fn pick_incident(store: &dyn Store, explicit: Option<&str>) -> Result<(IncidentId, Projection)> {
    pick(store, explicit, false)
}

/// As [`pick_incident`], but with no incident open the triage stream (where sources' signals go
/// too): an alert hook's line is never dropped because nobody has declared yet.
pub fn pick_incident_or_triage(
    store: &dyn Store,
    explicit: Option<&str>,
) -> Result<(IncidentId, Projection)> {
    pick(store, explicit, true)
}

fn pick(store: &dyn Store, explicit: Option<&str>, triage: bool) -> Result<(IncidentId, Projection)> {
    if let Some(id) = explicit {
        // Read up to its declaration (normally its first event or nearly): no need to fold the
        // rest to know the incident exists.
        let id = IncidentId(id.trim().to_string());
        let mut p = Projection::new();
        store.scan(0, Some(&id), &mut |e| {
            let declaration = matches!(e.body, crate::timeline::EventBody::IncidentDeclared { .. });
            p.apply(e);
            !declaration
        })?;
        match p.incident(&id) {
            Some(i) if i.declared => return Ok((id, p)),
            _ => bail!("{}: no incident {id} in this store", store.describe()),
        }
    }
    let p = fold_store(store, None).context("reading the timeline")?;
    let open: Vec<_> = (p.open_incidents())
        .filter(|i| i.declared && !i.drill && i.id.as_str() != TRIAGE)
        .collect();
    match open.as_slice() {
        [] if triage => Ok((IncidentId(TRIAGE.to_string()), p)),
        [one] => {
            let id = one.id.clone();
            Ok((id, p))
        }
        [] => bail!(
            "{}: no open incident; declare one with `warroom declare --title … --severity …`, or name one with --incident",
            store.describe()
        ),
        several => {
            let list: Vec<String> = several
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
            bail!(
                "{} incidents are open; choose one with --incident:\n{}",
                several.len(),
                list.join("\n")
            )
        }
    }
}

/// `warroom runbooks`: what can be attached with `declare --runbook`.
pub fn runbooks(config: &Config) -> Result<()> {
    let books = crate::incident::runbook::load_runbooks(config.runbooks_dir().as_deref())?;
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
