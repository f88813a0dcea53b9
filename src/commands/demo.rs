use crate::cli::DemoArgs;
use crate::timeline::sqlite::SqliteStore;
use crate::timeline::{Store, open::StoreSpec};
use anyhow::Result;
use std::path::PathBuf;

/// Seed a store with the sample incident. Without `--keep`, a fresh temporary file.
pub fn prepare(args: &DemoArgs) -> Result<(SqliteStore, PathBuf)> {
    let path = match &args.keep {
        Some(p) => p.clone(),
        None => std::env::temp_dir().join(format!("warroom-demo-{}.db", uuid::Uuid::now_v7().simple())),
    };
    let store = SqliteStore::open(&path)?;
    let (_, events) = crate::demo::sample_incident(chrono::Utc::now());
    store.append_batch(&events)?;
    Ok((store, path))
}

/// A walk-through on the command line: the sample incident's status and report.
pub fn run(args: &DemoArgs) -> Result<()> {
    let (store, path) = prepare(args)?;
    println!(
        "A sample incident on a temporary store: {}\n",
        StoreSpec::Sqlite(path.clone())
    );
    super::status::run(
        &store,
        &crate::cli::StatusArgs {
            json: false,
            all: false,
        },
    )?;
    println!("\n--- the post-incident report (`warroom export --format md`) ---\n");
    let (incident, _) = super::pick_incident(&store, None)?;
    let mut out = std::io::stdout().lock();
    crate::export::export(
        &store,
        &incident,
        crate::export::Format::Md,
        &mut out,
        chrono::Utc::now(),
    )?;
    drop(store);
    if args.keep.is_none() {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    } else {
        println!(
            "\nKept the store: try `warroom --store {} status`",
            path.display()
        );
    }
    Ok(())
}
