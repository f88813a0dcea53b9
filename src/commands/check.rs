//! `warroom check`: is the configuration sound, and can the store be opened? Everything the
//! console would trip over at start-up, reported before an incident rather than during one.

use super::out::{errln, outln};
use crate::config::Config;
use crate::sources::client::{Client, Poll};
use crate::sources::{Snapshot, SourceConfig, SourceError};
use crate::text::clean_line;
use crate::tui::keymap::Keymap;
use anyhow::{Result, bail};

pub fn run(cli_store: Option<&str>, config: &Config, theme_name: Option<&str>, offline: bool) -> Result<()> {
    let file = config.file.as_ref().map(|f| f.display().to_string());
    outln!(
        "config    {}",
        file.as_deref().unwrap_or("none (built-in defaults)")
    )?;
    // Every part is checked whatever the others say, so that one run lists every problem.
    let mut problems = 0;
    let mut report = |what: &str, r: Result<String>| -> Result<()> {
        match r {
            Ok(line) => outln!("{what:<9} {line}")?,
            Err(e) => {
                problems += 1;
                errln!("{what:<9} problem: {}", clean_line(&format!("{e:#}")));
            }
        }
        Ok(())
    };
    report(
        "keys",
        match &config.keys {
            Some(table) => {
                Keymap::with_overrides(table, file.as_deref().unwrap_or("config.toml"), &config.text)
                    .map(|_| format!("{} remapped", table.len()))
                    .map_err(Into::into)
            }
            None => Ok("defaults".to_string()),
        },
    )?;
    report(
        "theme",
        super::console::load_theme(config, theme_name).map(|t| t.name.to_string()),
    )?;
    report(
        "runbooks",
        crate::incident::runbook::load_runbooks(config.runbooks_dir().as_deref())
            .map(|books| {
                books
                    .iter()
                    .map(|b| b.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .map_err(Into::into),
    )?;
    let store = super::open(cli_store, config).and_then(|store| {
        let head = store.head()?;
        Ok(format!("{} ({} events)", store.describe(), head.seq))
    });
    report("store", store)?;
    if let crate::timeline::StoreSpec::Sqlite(path) = super::store_spec(cli_store, config)
        && let Some(problem) = super::store::sharing_problem(&path)
    {
        outln!("warning   {problem}")?;
    }
    if config.source.is_empty() {
        outln!("sources   none configured (the console polls nothing; see [[source]] in the config file)")?;
    } else if offline {
        outln!(
            "sources   {} configured (not contacted: --offline)",
            config.source.len()
        )?;
    } else {
        let failed = contact_sources(&config.source)?;
        if failed > 0 {
            let also = match problems {
                0 => String::new(),
                n => format!(" (and {n} problem(s) above)"),
            };
            bail!("{failed} of {} sources failed{also}", config.source.len());
        }
    }
    if problems > 0 {
        bail!("{problems} problem(s) above");
    }
    outln!("ok")?;
    Ok(())
}

/// Poll every source once, all at the same time, and print a table. Returns the failures.
fn contact_sources(sources: &[SourceConfig]) -> Result<usize> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let results = runtime.block_on(async {
        let polls = sources.iter().map(|s| async move {
            let started = std::time::Instant::now();
            let deadline = crate::sources::poller::poll_deadline(s);
            let outcome = tokio::time::timeout(deadline, async { Client::connect(s).await?.poll().await })
                .await
                .unwrap_or(Err(SourceError::Timeout(deadline)));
            (s, outcome, started.elapsed())
        });
        futures::future::join_all(polls).await
    });
    outln!("sources")?;
    outln!(
        "  {:<20} {:<12} {:<7} {:>8}  detail",
        "NAME",
        "KIND",
        "RESULT",
        "TIME"
    )?;
    let mut failed = 0;
    for (s, outcome, elapsed) in results {
        let ms = format!("{}ms", elapsed.as_millis());
        let (result, detail) = match outcome {
            Ok(poll) => ("ok", describe(&poll)),
            Err(e) => {
                failed += 1;
                ("FAILED", e.to_string())
            }
        };
        outln!(
            "  {:<20} {:<12} {:<7} {:>8}  {}",
            clean_line(&s.name),
            s.kind.label(),
            result,
            ms,
            clean_line(&detail)
        )?;
    }
    Ok(failed)
}

fn describe(poll: &Poll) -> String {
    let what = match &poll.snapshot {
        Snapshot::Findings(f) => format!("{} findings", f.len()),
        Snapshot::Backups(j) => format!("{} backup jobs", j.len()),
        Snapshot::Searches(s) => s
            .iter()
            .map(|o| match (&o.result, o.count) {
                (Ok(_), Some(c)) => format!("{}: {c}", o.name),
                (Ok(_), None) => format!("{}: ok", o.name),
                (Err(e), _) => format!("{}: {e}", o.name),
            })
            .collect::<Vec<_>>()
            .join(", "),
    };
    format!("{what} ({} page(s), {} bytes)", poll.pages, poll.bytes)
}
