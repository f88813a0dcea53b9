use crate::cli::ExportArgs;
use crate::export::Format;
use crate::timeline::Store;
use anyhow::Result;
use std::path::Path;

pub fn run(store: &dyn Store, args: &ExportArgs) -> Result<()> {
    let (incident, _) = super::pick_incident(
        store,
        args.incident.as_deref(),
        super::Otherwise::OpenOrLastResolved,
    )?;
    let format = args
        .format
        .or_else(|| args.output.as_deref().and_then(format_of))
        .unwrap_or(Format::Md);
    let now = chrono::Utc::now();
    super::write_output(args.output.as_deref(), incident.as_str(), |out| {
        crate::export::export(store, &incident, format, out, now)
    })
}

/// The format a file's extension names (`report.JSON` is JSON).
pub fn format_of(path: &Path) -> Option<Format> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    match ext.as_str() {
        "md" | "markdown" => Some(Format::Md),
        "json" => Some(Format::Json),
        "csv" => Some(Format::Csv),
        _ => None,
    }
}
