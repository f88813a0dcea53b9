//! An inject's payload read as its source's answer, by the real parsers: a drill looks like the
//! real thing because it goes through the same code.

use crate::sources::splunk::{ExportParser, SearchOutcome};
use crate::sources::{Snapshot, SourceError, SourceKind, backup, securityhub};
use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use serde_json::Value;

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
            // A single row is a `| stats count` answer: its `count`. Otherwise, the rows.
            let field = (result.total_rows == 1).then_some("count");
            let count = crate::sources::splunk::count_in(field, &result);
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

/// The payload with its clock moved by `by`, so a scenario written for one day plays on any:
/// every RFC 3339 string (Security Hub's times, Splunk's `_time`) and every number under a key
/// ending in `Date` or named `StartBy` (AWS Backup's epoch seconds). JSON or NDJSON, a value at a
/// time; a line that is not JSON is left as it is, for the parser to judge.
pub fn shift_times(payload: &str, by: TimeDelta) -> String {
    if by.is_zero() {
        return payload.to_string();
    }
    let shift_line = |line: &str| match serde_json::from_str::<Value>(line) {
        Ok(mut v) => {
            shift_value(&mut v, None, by);
            v.to_string()
        }
        Err(_) => line.to_string(),
    };
    match serde_json::from_str::<Value>(payload) {
        Ok(mut v) => {
            shift_value(&mut v, None, by);
            v.to_string()
        }
        // NDJSON: one object a line.
        Err(_) => payload.lines().map(shift_line).collect::<Vec<_>>().join("\n"),
    }
}

fn shift_value(v: &mut Value, key: Option<&str>, by: TimeDelta) {
    match v {
        Value::String(s) => {
            if let Ok(t) = DateTime::parse_from_rfc3339(s) {
                *s = (t.with_timezone(&Utc) + by).to_rfc3339_opts(SecondsFormat::Millis, true);
            }
        }
        Value::Number(n) if key.is_some_and(|k| k.ends_with("Date") || k == "StartBy") => {
            if let Some(secs) = n.as_f64()
                && let Some(moved) = serde_json::Number::from_f64(secs + by.as_seconds_f64())
            {
                *n = moved;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| shift_value(i, key, by)),
        Value::Object(map) => map.iter_mut().for_each(|(k, v)| shift_value(v, Some(k), by)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shifting_moves_every_clock_in_the_payload_and_nothing_else() {
        let day = TimeDelta::days(1);
        let findings =
            r#"{"Findings":[{"Id":"arn:1","UpdatedAt":"2026-12-08T02:10:00.000Z","Title":"2026"}]}"#;
        let moved = shift_times(findings, day);
        assert!(
            moved.contains(r#""UpdatedAt":"2026-12-09T02:10:00.000Z""#),
            "{moved}"
        );
        assert!(moved.contains(r#""Title":"2026""#) && moved.contains(r#""Id":"arn:1""#));

        let jobs =
            r#"{"BackupJobs":[{"CreationDate":1796710200.5,"PercentDone":"10.0","BackupSizeInBytes":5}]}"#;
        let moved = shift_times(jobs, day);
        assert!(moved.contains(r#""CreationDate":1796796600.5"#), "{moved}");
        assert!(moved.contains(r#""BackupSizeInBytes":5"#));

        let ndjson =
            "{\"result\":{\"_time\":\"2026-12-08T02:09:00.000+00:00\",\"count\":\"3\"}}\n{\"lastrow\":true}";
        let moved = shift_times(ndjson, day);
        assert!(
            moved.contains("2026-12-09T02:09:00.000Z") && moved.contains("\"count\":\"3\""),
            "{moved}"
        );
        assert_eq!(moved.lines().count(), 2);
        assert_eq!(shift_times("<html>", day), "<html>");
    }
}
