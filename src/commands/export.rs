use crate::cli::ExportArgs;
use crate::export::Format;
use crate::timeline::Store;
use anyhow::Result;

pub fn run(store: &dyn Store, args: &ExportArgs) -> Result<()> {
    let (incident, _) = super::pick_incident(
        store,
        args.incident.as_deref(),
        super::Otherwise::OpenOrLastResolved,
    )?;
    let format = Format::choose(args.format, args.output.as_deref());
    let now = chrono::Utc::now();
    super::write_output(args.output.as_deref(), incident.as_str(), |out| {
        crate::export::export(store, &incident, format, out, now)
    })
}
