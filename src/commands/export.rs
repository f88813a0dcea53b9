use crate::cli::ExportArgs;
use crate::timeline::Store;
use anyhow::{Context, Result};
use std::io::Write;

pub fn run(store: &dyn Store, args: &ExportArgs) -> Result<()> {
    let (incident, _) = super::pick_incident(store, args.incident.as_deref())?;
    let now = chrono::Utc::now();
    match &args.output {
        Some(path) => {
            let file =
                std::fs::File::create(path).with_context(|| format!("{}: cannot create", path.display()))?;
            let mut out = std::io::BufWriter::new(file);
            crate::export::export(store, &incident, args.format, &mut out, now)?;
            out.flush()
                .with_context(|| format!("{}: cannot write", path.display()))?;
            eprintln!("Wrote {} to {}", incident, path.display());
        }
        None => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            crate::export::export(store, &incident, args.format, &mut out, now)?;
            out.flush()?;
        }
    }
    Ok(())
}
