use crate::cli::DemoArgs;
use crate::config::Config;
use crate::timeline::sqlite::SqliteStore;
use crate::timeline::{Store, open::StoreSpec};
use anyhow::Result;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;

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

/// The console on the sample incident; without a terminal, a walk-through of its status and
/// report instead. The temporary store is removed afterwards unless `--keep` named it.
pub fn run(args: &DemoArgs, config: &Config, theme: Option<&str>) -> Result<()> {
    let (store, path) = prepare(args)?;
    let result = if std::io::stdout().is_terminal() && std::io::stdin().is_terminal() {
        let store: Arc<dyn Store> = Arc::new(store);
        super::console::run(store, config, false, theme)
    } else {
        walk_through(&store, &path)
    };
    if args.keep.is_none() {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    } else {
        eprintln!("Kept the store: try `warroom --store {} status`", path.display());
    }
    result
}

fn walk_through(store: &SqliteStore, path: &std::path::Path) -> Result<()> {
    println!(
        "A sample incident on a temporary store: {}\n",
        StoreSpec::Sqlite(path.to_path_buf())
    );
    super::status::run(
        store,
        &crate::cli::StatusArgs {
            json: false,
            all: false,
        },
    )?;
    println!("\n--- the post-incident report (`warroom export --format md`) ---\n");
    let (incident, _) = super::pick_incident(store, None)?;
    let mut out = std::io::stdout().lock();
    crate::export::export(
        store,
        &incident,
        crate::export::Format::Md,
        &mut out,
        chrono::Utc::now(),
    )?;
    Ok(())
}
