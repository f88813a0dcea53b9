//! `warroom unsaved`: what a console on this store could not save as it ended, listed, saved
//! or discarded (the console offers the same when it starts).

use super::out::{ackln, outln};
use crate::cli::UnsavedArgs;
use crate::text::clean_line;
use crate::timeline::{Store, describe::describe, unsaved};
use anyhow::Result;

pub fn run(store: &dyn Store, args: &UnsavedArgs) -> Result<()> {
    let path = unsaved::path(&store.describe());
    let kept = unsaved::read(&path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    if kept.is_empty() {
        outln!("no unsaved actions for {}", store.describe())?;
        return Ok(());
    }
    if args.discard {
        unsaved::discard(&path)?;
        ackln!("discarded {} unsaved action(s)", kept.len());
        return Ok(());
    }
    if args.save {
        let new = unsaved::save(store, &path)?;
        // Durable now: a retry finds nothing left to save, so failing output is told, not failed.
        ackln!(
            "saved {new} unsaved action(s) to {} ({} already there)",
            store.describe(),
            kept.len() - new
        );
        return Ok(());
    }
    outln!("{} unsaved action(s) kept in {}:", kept.len(), path.display())?;
    for u in &kept {
        let what = describe(&u.event().body);
        outln!(
            "{}  {}  {}  {}  {}",
            u.recorded_at.format("%Y-%m-%dT%H:%M:%SZ"),
            clean_line(&u.incident),
            clean_line(&u.author),
            clean_line(&u.kind),
            clean_line(&what)
        )?;
    }
    outln!(
        "not saved: {}",
        clean_line(kept.last().map_or("", |u| u.why.as_str()))
    )?;
    outln!("`warroom unsaved --save` appends them (each once); `--discard` forgets them")?;
    Ok(())
}
