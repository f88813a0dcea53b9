//! An inject's payload read as its source's answer, by the real parsers: a drill looks like the
//! real thing because it goes through the same code.

use crate::sources::splunk::{ExportParser, SearchOutcome};
use crate::sources::{Snapshot, SourceError, SourceKind, backup, securityhub};

/// Rows kept from an injected search result (as a real search's default).
const MAX_ROWS: usize = 1000;

/// The observation a source inject stands for; `None` for messages and notes.
pub fn observe(
    target: &str,
    search: Option<&str>,
    payload: &str,
) -> Result<Option<(SourceKind, Snapshot)>, SourceError> {
    Ok(Some(match target {
        "securityhub" => (
            SourceKind::Securityhub,
            Snapshot::Findings(securityhub::parse_findings(payload.as_bytes())?.findings),
        ),
        "backup" => (
            SourceKind::Backup,
            Snapshot::Backups(backup::parse_jobs(payload.as_bytes())?.jobs),
        ),
        "splunk" => {
            let mut parser = ExportParser::new(MAX_ROWS);
            parser.push(payload.as_bytes())?;
            let result = parser.finish()?;
            let count = result.total_rows;
            (
                SourceKind::Splunk,
                Snapshot::Searches(vec![SearchOutcome {
                    name: search.unwrap_or("search").to_string(),
                    result: Ok(result),
                    count: Some(count),
                }]),
            )
        }
        _ => return Ok(None),
    }))
}
