//! AWS Backup: `ListBackupJobs` and the recovery-readiness summary.
//! Wire format: docs/source-apis.md §A3. Pure: no I/O here.

use super::SourceError;
use crate::text::{clean_line, truncate};
use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use serde::Deserialize;
use serde::de::IgnoredAny;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// Cap for ids, ARNs, names and other short fields.
const MAX_FIELD: usize = 300;
const MAX_MESSAGE: usize = 1000;
/// Tokens are opaque and go back to the API verbatim, so they are refused, not cut.
const MAX_TOKEN: usize = 8192;
/// How much of a body or a parser message an error may quote.
const MAX_QUOTE: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum JobState {
    Created,
    Pending,
    Running,
    Aborting,
    Aborted,
    Completed,
    Failed,
    Expired,
    Partial,
    Other(String),
}

/// One backup job, text cleaned.
#[derive(Debug, Clone, PartialEq)]
pub struct BackupJob {
    pub id: String,
    pub account: String,
    pub vault: String,
    pub resource_arn: String,
    pub resource_type: String,
    pub resource_name: String,
    pub state: JobState,
    /// `PercentDone` arrives as a string.
    pub percent_done: Option<f64>,
    pub size_bytes: Option<u64>,
    pub status_message: String,
    pub message_category: String,
    pub created_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct JobsPage {
    pub jobs: Vec<BackupJob>,
    pub next_token: Option<String>,
}

/// The filters of a `[[source]]` of kind `backup` (the `[source.filters]` table).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BackupQuery {
    /// Only jobs in this state (the API takes one).
    pub state: Option<String>,
    /// Only jobs created within this many hours (`createdAfter`).
    pub created_within_hours: u32,
    pub resource_type: Option<String>,
    pub vault: Option<String>,
    /// `*` for every account of the organization.
    pub account_id: Option<String>,
    /// 1..=1000 per page.
    pub page_size: u32,
    pub max_pages: u32,
    /// A resource with no completed backup for this long is "not recently backed up".
    pub stale_after_hours: u32,
}

impl Default for BackupQuery {
    fn default() -> Self {
        BackupQuery {
            state: None,
            created_within_hours: 24,
            resource_type: None,
            vault: None,
            account_id: None,
            page_size: 100,
            max_pages: 10,
            stale_after_hours: 26,
        }
    }
}

/// Per resource: its newest completed backup, and the state of its newest job.
#[derive(Debug, Clone, PartialEq)]
pub struct Readiness {
    pub resource_arn: String,
    pub resource_name: String,
    pub resource_type: String,
    pub last_completed: Option<DateTime<Utc>>,
    pub latest_state: JobState,
    /// No completed backup within `stale_after_hours`.
    pub stale: bool,
}

impl JobState {
    /// Case-insensitive; anything unknown is kept (cleaned) as [`JobState::Other`].
    pub fn parse(s: &str) -> JobState {
        let s = clean_line(s);
        let s = s.trim();
        match s.to_ascii_uppercase().as_str() {
            "CREATED" => JobState::Created,
            "PENDING" => JobState::Pending,
            "RUNNING" => JobState::Running,
            "ABORTING" => JobState::Aborting,
            "ABORTED" => JobState::Aborted,
            "COMPLETED" => JobState::Completed,
            "FAILED" => JobState::Failed,
            "EXPIRED" => JobState::Expired,
            "PARTIAL" => JobState::Partial,
            _ => JobState::Other(truncate(s, MAX_FIELD).into_owned()),
        }
    }

    /// The API's spelling.
    pub fn as_str(&self) -> &str {
        match self {
            JobState::Created => "CREATED",
            JobState::Pending => "PENDING",
            JobState::Running => "RUNNING",
            JobState::Aborting => "ABORTING",
            JobState::Aborted => "ABORTED",
            JobState::Completed => "COMPLETED",
            JobState::Failed => "FAILED",
            JobState::Expired => "EXPIRED",
            JobState::Partial => "PARTIAL",
            JobState::Other(s) => s,
        }
    }

    /// The job ended without a full recovery point.
    pub fn is_failure(&self) -> bool {
        matches!(
            self,
            JobState::Failed | JobState::Aborted | JobState::Expired | JobState::Partial
        )
    }

    /// The job has not ended yet.
    pub fn is_active(&self) -> bool {
        matches!(
            self,
            JobState::Created | JobState::Pending | JobState::Running | JobState::Aborting
        )
    }
}

/// Jobs per outcome, for the status line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    pub completed: usize,
    pub failed: usize,
    pub active: usize,
    pub other: usize,
}

/// Query pairs for `GET /backup-jobs/`, unencoded. Blank filters are left out.
pub fn list_query(
    q: &BackupQuery,
    now: DateTime<Utc>,
    next_token: Option<&str>,
) -> Vec<(&'static str, String)> {
    // Never before the epoch: a huge window must not produce a year the API cannot read.
    let after = now
        .checked_sub_signed(TimeDelta::hours(i64::from(q.created_within_hours)))
        .map_or(DateTime::UNIX_EPOCH, |t| t.max(DateTime::UNIX_EPOCH));
    let mut pairs = vec![
        ("maxResults", q.page_size.clamp(1, 1000).to_string()),
        ("createdAfter", after.to_rfc3339_opts(SecondsFormat::Secs, true)),
    ];
    let optional = [
        ("state", q.state.as_deref()),
        ("resourceType", q.resource_type.as_deref()),
        ("backupVaultName", q.vault.as_deref()),
        ("accountId", q.account_id.as_deref()),
        ("nextToken", next_token),
    ];
    for (name, value) in optional {
        if let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) {
            pairs.push((name, v.to_owned()));
        }
    }
    pairs
}

/// A JSON value whose type the service (or a proxy) may get wrong; read leniently.
#[derive(Deserialize)]
#[serde(untagged)]
enum Loose {
    Int(u64),
    Float(f64),
    Text(String),
    Other(IgnoredAny),
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct WirePage {
    backup_jobs: Vec<WireJob>,
    next_token: Option<Loose>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct WireJob {
    backup_job_id: Option<Loose>,
    account_id: Option<Loose>,
    backup_vault_name: Option<Loose>,
    resource_arn: Option<Loose>,
    resource_type: Option<Loose>,
    resource_name: Option<Loose>,
    state: Option<Loose>,
    percent_done: Option<Loose>,
    backup_size_in_bytes: Option<Loose>,
    status_message: Option<Loose>,
    message_category: Option<Loose>,
    creation_date: Option<Loose>,
    completion_date: Option<Loose>,
}

/// An AWS JSON error body, to say what came back instead of jobs.
#[derive(Deserialize)]
struct WireError {
    #[serde(rename = "Code", alias = "__type")]
    code: Option<String>,
    #[serde(rename = "Message", alias = "message")]
    message: Option<String>,
}

/// One page of `ListBackupJobs`. Missing or mistyped job fields become defaults; only a body
/// that is not a JSON object with a `BackupJobs` array is an error.
pub fn parse_jobs(body: &[u8]) -> Result<JobsPage, SourceError> {
    let malformed = SourceError::Malformed;
    let text = std::str::from_utf8(body)
        .map_err(|e| malformed(format!("not UTF-8 text ({e})")))?
        .trim_start();
    if text.is_empty() {
        return Err(malformed("empty response".into()));
    }
    if text.starts_with('<') {
        return Err(malformed("not JSON: the service sent an HTML page".into()));
    }
    let page: WirePage = serde_json::from_str(text).map_err(|e| {
        if !e.is_data() {
            return malformed(format!("not valid JSON: {}", quote(&e.to_string())));
        }
        match serde_json::from_str::<WireError>(text) {
            Ok(WireError {
                code: Some(code),
                message,
            }) => malformed(format!(
                "expected `BackupJobs`, got an AWS error: {}",
                quote(&format!("{code}: {}", message.unwrap_or_default()))
            )),
            _ => malformed(format!(
                "expected a JSON object with `BackupJobs`: {}",
                quote(&e.to_string())
            )),
        }
    })?;
    let next_token = field(page.next_token.as_ref(), usize::MAX);
    if next_token.chars().count() > MAX_TOKEN {
        return Err(malformed(format!(
            "`NextToken` longer than {MAX_TOKEN} characters"
        )));
    }
    Ok(JobsPage {
        jobs: page.backup_jobs.iter().map(job).collect(),
        next_token: (!next_token.is_empty()).then_some(next_token),
    })
}

fn job(w: &WireJob) -> BackupJob {
    let text = |v: &Option<Loose>| field(v.as_ref(), MAX_FIELD);
    BackupJob {
        id: text(&w.backup_job_id),
        account: text(&w.account_id),
        vault: text(&w.backup_vault_name),
        resource_arn: text(&w.resource_arn),
        resource_type: text(&w.resource_type),
        resource_name: text(&w.resource_name),
        state: JobState::parse(&text(&w.state)),
        percent_done: percent(w.percent_done.as_ref()),
        size_bytes: size(w.backup_size_in_bytes.as_ref()),
        status_message: field(w.status_message.as_ref(), MAX_MESSAGE),
        message_category: text(&w.message_category),
        created_at: timestamp(w.creation_date.as_ref()),
        completed_at: timestamp(w.completion_date.as_ref()),
    }
}

/// Cleaned, trimmed and capped single-line text; numbers are spelled out, anything else is "".
fn field(v: Option<&Loose>, max: usize) -> String {
    let raw: Cow<'_, str> = match v {
        Some(Loose::Text(s)) => Cow::Borrowed(s),
        Some(Loose::Int(n)) => Cow::Owned(n.to_string()),
        Some(Loose::Float(f)) => Cow::Owned(f.to_string()),
        Some(Loose::Other(_)) | None => Cow::Borrowed(""),
    };
    truncate(clean_line(&raw).trim(), max).into_owned()
}

/// Epoch seconds (fractional or whole), or an RFC 3339 string; out of range is `None`.
fn timestamp(v: Option<&Loose>) -> Option<DateTime<Utc>> {
    let secs = match v? {
        Loose::Int(n) => *n as f64,
        Loose::Float(f) => *f,
        Loose::Text(s) => {
            return DateTime::parse_from_rfc3339(s.trim()).ok().map(|t| t.to_utc());
        }
        Loose::Other(_) => return None,
    };
    let micros = (secs * 1e6).round();
    // `as` saturates; the bounds keep saturated values out, and chrono rejects the rest.
    (micros.is_finite() && micros.abs() < i64::MAX as f64)
        .then(|| DateTime::from_timestamp_micros(micros as i64))
        .flatten()
}

/// `PercentDone` is a string like "14.0"; only 0..=100 is believable.
fn percent(v: Option<&Loose>) -> Option<f64> {
    let p = match v? {
        Loose::Int(n) => *n as f64,
        Loose::Float(f) => *f,
        Loose::Text(s) => s.trim().parse().ok()?,
        Loose::Other(_) => return None,
    };
    (0.0..=100.0).contains(&p).then_some(p)
}

fn size(v: Option<&Loose>) -> Option<u64> {
    match v? {
        Loose::Int(n) => Some(*n),
        Loose::Text(s) => s.trim().parse().ok(),
        Loose::Float(_) | Loose::Other(_) => None,
    }
}

/// Untrusted text for an error message: cleaned and short.
fn quote(s: &str) -> String {
    truncate(clean_line(s).trim(), MAX_QUOTE).into_owned()
}

/// Recovery readiness per resource: the ones without a recent completed backup first, then
/// those whose newest job failed, then by name. Jobs without a resource ARN are left out.
pub fn readiness(jobs: &[BackupJob], now: DateTime<Utc>, stale_after: chrono::Duration) -> Vec<Readiness> {
    struct Acc<'a> {
        newest: &'a BackupJob,
        last_completed: Option<DateTime<Utc>>,
    }
    let mut by_arn: BTreeMap<&str, Acc<'_>> = BTreeMap::new();
    for job in jobs.iter().filter(|j| !j.resource_arn.is_empty()) {
        let completed = (job.state == JobState::Completed)
            .then(|| job.completed_at.or(job.created_at))
            .flatten();
        let acc = by_arn.entry(job.resource_arn.as_str()).or_insert(Acc {
            newest: job,
            last_completed: None,
        });
        // `None` sorts first, so a job without a creation date never wins over a dated one.
        if job.created_at > acc.newest.created_at {
            acc.newest = job;
        }
        acc.last_completed = acc.last_completed.max(completed);
    }
    let cutoff = now.checked_sub_signed(stale_after);
    let mut out: Vec<Readiness> = by_arn
        .into_iter()
        .map(|(arn, acc)| Readiness {
            resource_arn: arn.to_owned(),
            resource_name: acc.newest.resource_name.clone(),
            resource_type: acc.newest.resource_type.clone(),
            last_completed: acc.last_completed,
            latest_state: acc.newest.state.clone(),
            stale: match (acc.last_completed, cutoff) {
                (Some(t), Some(cutoff)) => t < cutoff,
                (Some(_), None) => false,
                (None, _) => true,
            },
        })
        .collect();
    out.sort_by(|a, b| {
        (b.stale, b.latest_state.is_failure())
            .cmp(&(a.stale, a.latest_state.is_failure()))
            .then_with(|| a.resource_name.cmp(&b.resource_name))
            .then_with(|| a.resource_arn.cmp(&b.resource_arn))
    });
    out
}

/// How many jobs completed, failed, are still going, or are in some other state.
pub fn summarize(jobs: &[BackupJob]) -> Counts {
    let mut counts = Counts::default();
    for job in jobs {
        match &job.state {
            JobState::Completed => counts.completed += 1,
            s if s.is_failure() => counts.failed += 1,
            s if s.is_active() => counts.active += 1,
            _ => counts.other += 1,
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE1: &[u8] = include_bytes!("../../tests/fixtures/backup/list_jobs_page1.json");
    const PAGE2: &[u8] = include_bytes!("../../tests/fixtures/backup/list_jobs_page2.json");
    const HOSTILE: &[u8] = include_bytes!("../../tests/fixtures/backup/list_jobs_hostile.json");
    const ACCESS_DENIED: &[u8] = include_bytes!("../../tests/fixtures/backup/error_access_denied.json");

    fn at(s: &str) -> DateTime<Utc> {
        match DateTime::parse_from_rfc3339(s) {
            Ok(t) => t.to_utc(),
            Err(e) => panic!("bad test time {s}: {e}"),
        }
    }

    fn page(body: &[u8]) -> JobsPage {
        match parse_jobs(body) {
            Ok(p) => p,
            Err(e) => panic!("fixture did not parse: {e}"),
        }
    }

    fn malformed(body: &[u8]) -> String {
        match parse_jobs(body) {
            Err(SourceError::Malformed(m)) => m,
            other => panic!("expected Malformed, got {other:?}"),
        }
    }

    fn both_pages() -> Vec<BackupJob> {
        let mut jobs = page(PAGE1).jobs;
        jobs.extend(page(PAGE2).jobs);
        jobs
    }

    #[test]
    fn states_round_trip_and_classify() {
        let all = [
            "CREATED",
            "PENDING",
            "RUNNING",
            "ABORTING",
            "ABORTED",
            "COMPLETED",
            "FAILED",
            "EXPIRED",
            "PARTIAL",
        ];
        for s in all {
            let state = JobState::parse(s);
            assert!(!matches!(state, JobState::Other(_)), "{s}");
            assert_eq!(state.as_str(), s);
        }
        assert_eq!(JobState::parse(" failed "), JobState::Failed);
        let failures: Vec<_> = all
            .into_iter()
            .filter(|s| JobState::parse(s).is_failure())
            .collect();
        assert_eq!(failures, ["ABORTED", "FAILED", "EXPIRED", "PARTIAL"]);
        let active: Vec<_> = all
            .into_iter()
            .filter(|s| JobState::parse(s).is_active())
            .collect();
        assert_eq!(active, ["CREATED", "PENDING", "RUNNING", "ABORTING"]);
        let other = JobState::parse("AGGREGATE_ALL\u{1b}[2J");
        assert_eq!(other, JobState::Other("AGGREGATE_ALL".into()));
        assert_eq!(other.as_str(), "AGGREGATE_ALL");
        assert!(!other.is_failure() && !other.is_active());
    }

    #[test]
    fn query_defaults() {
        let now = at("2026-11-28T04:00:00.75Z");
        assert_eq!(
            list_query(&BackupQuery::default(), now, None),
            vec![
                ("maxResults", "100".to_string()),
                ("createdAfter", "2026-11-27T04:00:00Z".to_string()),
            ]
        );
    }

    #[test]
    fn query_with_every_filter_and_a_token() {
        let q = BackupQuery {
            state: Some("FAILED".into()),
            created_within_hours: 6,
            resource_type: Some("SAP HANA on Amazon EC2".into()),
            vault: Some("console-vault".into()),
            account_id: Some("*".into()),
            page_size: 250,
            ..BackupQuery::default()
        };
        let now = at("2026-11-28T04:00:00Z");
        assert_eq!(
            list_query(&q, now, Some("tok/en+=")),
            vec![
                ("maxResults", "250".to_string()),
                ("createdAfter", "2026-11-27T22:00:00Z".to_string()),
                ("state", "FAILED".to_string()),
                ("resourceType", "SAP HANA on Amazon EC2".to_string()),
                ("backupVaultName", "console-vault".to_string()),
                ("accountId", "*".to_string()),
                ("nextToken", "tok/en+=".to_string()),
            ]
        );
    }

    #[test]
    fn query_clamps_and_skips_blanks() {
        let now = at("2026-11-28T04:00:00Z");
        let value = |q: &BackupQuery, name: &str| {
            list_query(q, now, Some(""))
                .into_iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v)
        };
        let mut q = BackupQuery {
            page_size: 0,
            state: Some("  ".into()),
            vault: Some(String::new()),
            ..BackupQuery::default()
        };
        assert_eq!(value(&q, "maxResults").as_deref(), Some("1"));
        assert_eq!(list_query(&q, now, Some("")).len(), 2, "blanks are left out");
        q.page_size = 5000;
        assert_eq!(value(&q, "maxResults").as_deref(), Some("1000"));
        q.created_within_hours = u32::MAX;
        assert_eq!(value(&q, "createdAfter").as_deref(), Some("1970-01-01T00:00:00Z"));
        q.created_within_hours = 0;
        assert_eq!(value(&q, "createdAfter").as_deref(), Some("2026-11-28T04:00:00Z"));
    }

    #[test]
    fn page1_field_by_field() {
        let p = page(PAGE1);
        assert_eq!(
            p.next_token.as_deref(),
            Some("AAMA-EFRSHQRfDa2bWVtYmVyLXRva2VuLXBhZ2UtMg==")
        );
        assert_eq!(p.jobs.len(), 4);

        let j = &p.jobs[0];
        assert_eq!(j.id, "D48A8E76-D9C2-9F3A-0D72-2A5F6AB3C1E1");
        assert_eq!(j.account, "123456789012");
        assert_eq!(j.vault, "console-vault");
        assert_eq!(
            j.resource_arn,
            "arn:aws:ec2:us-east-1:123456789012:instance/i-0123"
        );
        assert_eq!(j.resource_type, "EC2");
        assert_eq!(j.resource_name, "web-1");
        assert_eq!(j.state, JobState::Completed);
        assert_eq!(j.percent_done, Some(100.0));
        assert_eq!(j.size_bytes, Some(10_737_418_240));
        assert_eq!(j.status_message, "");
        assert_eq!(j.message_category, "SUCCESS");
        assert_eq!(j.created_at, Some(at("2026-11-27T02:00:00.087Z")));
        assert_eq!(j.completed_at, Some(at("2026-11-27T02:15:12.5Z")));

        let j = &p.jobs[1];
        assert_eq!(j.id, "7A2C11F0-3B1E-4D6A-9E55-0C4B8D2E9F10");
        assert_eq!(j.resource_name, "db-main");
        assert_eq!(j.resource_type, "RDS");
        assert_eq!(j.state, JobState::Failed);
        assert_eq!(
            j.status_message,
            "Insufficient privileges to perform this action."
        );
        assert_eq!(j.message_category, "AccessDenied");
        assert_eq!(j.percent_done, Some(0.0));
        assert_eq!(j.size_bytes, Some(0));
        assert_eq!(j.created_at, Some(at("2026-11-27T03:00:00Z")));
        assert_eq!(j.completed_at, Some(at("2026-11-27T03:00:41.25Z")));

        let j = &p.jobs[2];
        assert_eq!(j.id, "C0FFEE00-1111-2222-3333-444455556666");
        assert_eq!(j.resource_name, "web-1");
        assert_eq!(j.state, JobState::Running);
        assert_eq!(j.percent_done, Some(14.0));
        assert_eq!(j.size_bytes, None, "missing size");
        assert_eq!(j.message_category, "", "missing category");
        assert_eq!(j.created_at, Some(at("2026-11-28T03:30:00.123456Z")));
        assert_eq!(j.completed_at, None);

        let j = &p.jobs[3];
        assert_eq!(j.resource_type, "EFS");
        assert_eq!(j.resource_name, "files");
        assert_eq!(j.state, JobState::Partial);
        assert_eq!(j.status_message, "Some files could not be backed up.");
        assert_eq!(j.size_bytes, Some(524_288_000));
        assert_eq!(j.created_at, Some(at("2026-11-26T01:00:00Z")), "integer epoch");
        assert_eq!(j.completed_at, Some(at("2026-11-26T01:45:00Z")));
    }

    #[test]
    fn page2_field_by_field() {
        let p = page(PAGE2);
        assert_eq!(p.next_token, None);
        assert_eq!(p.jobs.len(), 2);

        let j = &p.jobs[0];
        assert_eq!(j.id, "0B1C2D3E-4F50-4617-8293-A4B5C6D7E8F9");
        assert_eq!(j.account, "210987654321");
        assert_eq!(j.vault, "org-vault");
        assert_eq!(j.resource_arn, "arn:aws:rds:us-east-1:123456789012:db:db-main");
        assert_eq!(j.state, JobState::Aborted);
        assert_eq!(j.status_message, "Backup job was stopped by the user.");
        assert_eq!(j.message_category, "ABORTED");
        assert_eq!(j.percent_done, Some(37.5));
        assert_eq!(j.created_at, Some(at("2026-11-27T22:00:00.5Z")));
        assert_eq!(j.completed_at, Some(at("2026-11-27T23:10:05Z")));

        let j = &p.jobs[1];
        assert_eq!(j.resource_type, "VirtualMachine");
        assert_eq!(j.resource_name, "payroll-vm");
        assert_eq!(j.state, JobState::Expired);
        assert_eq!(
            j.status_message,
            "The backup job did not start within the start window."
        );
        assert_eq!(j.size_bytes, None);
        assert_eq!(j.created_at, Some(at("2026-11-25T05:00:00Z")));
        assert_eq!(j.completed_at, None);
    }

    #[test]
    fn hostile_page_is_cleaned_and_defaulted() {
        let p = page(HOSTILE);
        assert_eq!(p.next_token, None, "an empty token ends paging");
        assert_eq!(p.jobs.len(), 4);
        for j in &p.jobs {
            for s in [
                &j.id,
                &j.account,
                &j.vault,
                &j.resource_arn,
                &j.resource_type,
                &j.resource_name,
                &j.status_message,
                &j.message_category,
                &j.state.as_str().to_string(),
            ] {
                assert!(!s.chars().any(char::is_control), "control char in {s:?}");
                assert!(!s.contains('\u{202E}'), "bidi override in {s:?}");
            }
        }

        let j = &p.jobs[0];
        assert_eq!(j.id, "id-1");
        assert_eq!(j.vault, "vault-evil");
        assert_eq!(j.resource_name, "web-1");
        assert_eq!(j.status_message, "Denied by policy second line");
        assert_eq!(j.message_category, "AccessDenied");
        assert_eq!(j.resource_arn.chars().count(), MAX_FIELD);
        assert!(j.resource_arn.ends_with('…'));
        assert_eq!(j.state, JobState::Completed);
        assert_eq!(j.created_at, None, "1e300 is out of range");
        assert_eq!(j.completed_at, None, "-1e300 is out of range");
        assert_eq!(j.percent_done, None, "\"abc\"");
        assert_eq!(j.size_bytes, None, "negative size");

        let j = &p.jobs[1];
        assert_eq!(j.account, "123456789012", "a number is spelled out");
        assert_eq!(j.vault, "", "missing");
        assert_eq!(j.resource_type, "", "null");
        assert_eq!(j.resource_name, "", "a boolean");
        assert_eq!(j.state, JobState::Other("weird".into()));
        assert_eq!(j.status_message.chars().count(), MAX_MESSAGE);
        assert_eq!(j.created_at, Some(at("2026-11-27T02:00:00Z")), "ISO string");
        assert_eq!(j.completed_at, Some(at("2026-11-27T02:15:12Z")));
        assert_eq!(j.percent_done, Some(42.5), "a number");
        assert_eq!(j.size_bytes, None, "\"garbage\"");

        let j = &p.jobs[2];
        assert_eq!(j.id, "job-3");
        assert_eq!(j.created_at, None, "not a date");
        assert_eq!(j.percent_done, None, "NaN");
        assert_eq!(j.size_bytes, None, "a fraction");

        let empty = BackupJob {
            id: String::new(),
            account: String::new(),
            vault: String::new(),
            resource_arn: String::new(),
            resource_type: String::new(),
            resource_name: String::new(),
            state: JobState::Other(String::new()),
            percent_done: None,
            size_bytes: None,
            status_message: String::new(),
            message_category: String::new(),
            created_at: None,
            completed_at: None,
        };
        assert_eq!(p.jobs[3], empty);
    }

    #[test]
    fn an_aws_error_body_is_named() {
        let m = malformed(ACCESS_DENIED);
        assert!(m.contains("AccessDeniedException"), "{m}");
        assert!(m.contains("not authorized"), "{m}");
        assert!(m.chars().count() < 260, "{m}");
    }

    #[test]
    fn html_garbage_and_wrong_shapes_are_malformed() {
        let m = malformed(b"\n  <!DOCTYPE html><html><title>Sign in</title>");
        assert!(m.contains("HTML page"), "{m}");
        assert!(malformed(b"").contains("empty"));
        assert!(malformed(b"{\"BackupJobs\": tru").contains("not valid JSON"));
        for body in [
            &b"{}"[..],
            b"{\"BackupJobs\": {}}",
            b"{\"BackupJobs\": null}",
            b"{\"BackupJobs\": \"x\"}",
            b"[]",
            b"{\"BackupJobs\": [42]}",
        ] {
            let m = malformed(body);
            assert!(m.contains("`BackupJobs`"), "{m}");
        }
        assert_eq!(
            page(b"{\"BackupJobs\": []}"),
            JobsPage {
                jobs: vec![],
                next_token: None
            }
        );
    }

    #[test]
    fn error_messages_quote_little_and_cleanly() {
        let evil = format!(
            "{{\"BackupJobs\": \"\\u001b]0;pwned\\u0007{}\"}}",
            "A".repeat(5000)
        );
        let m = malformed(evil.as_bytes());
        assert!(!m.contains('\u{1b}') && !m.contains('\u{7}'), "{m}");
        assert!(m.chars().count() < 260, "{} chars", m.chars().count());
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let deep = |open: &str, n| format!("{{\"BackupJobs\":{}", open.repeat(n));
        for body in [
            deep("[", 100_000),
            deep("{\"a\":", 100_000),
            format!("{{\"BackupJobs\":[{{\"ResourceName\":{}", "[".repeat(100_000)),
            format!("{{\"Unknown\":{}", "[".repeat(100_000)),
            format!("{{\"BackupJobs\":[{{\"CreatedBy\":{}", "{\"a\":".repeat(100_000)),
        ] {
            malformed(body.as_bytes());
        }
    }

    #[test]
    fn invalid_utf8_is_malformed() {
        let m = malformed(b"{\"BackupJobs\":[{\"ResourceName\":\"a\xff\xfe\"}]}");
        assert!(m.contains("UTF-8"), "{m}");
    }

    #[test]
    fn an_oversized_token_is_refused() {
        let body = format!("{{\"BackupJobs\":[],\"NextToken\":\"{}\"}}", "t".repeat(9000));
        assert!(malformed(body.as_bytes()).contains("NextToken"));
    }

    #[test]
    fn readiness_from_the_fixtures() {
        let jobs = both_pages();
        let now = at("2026-11-28T04:00:00Z");
        let r = readiness(&jobs, now, TimeDelta::hours(26));
        let names: Vec<_> = r.iter().map(|r| r.resource_name.as_str()).collect();
        // All three stale ones are failures too, so they sort by name; web-1 is fresh.
        assert_eq!(names, ["db-main", "files", "payroll-vm", "web-1"]);

        let db = &r[0];
        assert!(db.stale);
        assert_eq!(db.last_completed, None);
        assert_eq!(db.latest_state, JobState::Aborted, "the newer of FAILED, ABORTED");
        assert_eq!(db.resource_type, "RDS");

        assert_eq!(r[1].latest_state, JobState::Partial);
        assert_eq!(r[1].last_completed, None, "PARTIAL is not a completed backup");

        let web = &r[3];
        assert!(!web.stale);
        assert_eq!(web.latest_state, JobState::Running, "newest job wins");
        assert_eq!(web.last_completed, Some(at("2026-11-27T02:15:12.5Z")));

        // 25 hours ago is after web-1's backup: now it is stale too, but sorts after the
        // stale failures.
        let r = readiness(&jobs, now, TimeDelta::hours(25));
        assert!(r.iter().all(|r| r.stale));
        let names: Vec<_> = r.iter().map(|r| r.resource_name.as_str()).collect();
        assert_eq!(names, ["db-main", "files", "payroll-vm", "web-1"]);
    }

    fn job(arn: &str, name: &str, state: JobState, created: &str, completed: Option<&str>) -> BackupJob {
        BackupJob {
            id: format!("{arn}@{created}"),
            account: "123456789012".into(),
            vault: "v".into(),
            resource_arn: arn.into(),
            resource_type: "EC2".into(),
            resource_name: name.into(),
            state,
            percent_done: None,
            size_bytes: None,
            status_message: String::new(),
            message_category: String::new(),
            created_at: Some(at(created)),
            completed_at: completed.map(at),
        }
    }

    #[test]
    fn readiness_sorts_stale_then_failures_then_name() {
        use JobState::*;
        let jobs = vec![
            // fresh, newest failed
            job(
                "a:fresh-failed",
                "m-fresh-failed",
                Completed,
                "2026-11-28T01:00:00Z",
                Some("2026-11-28T01:10:00Z"),
            ),
            job(
                "a:fresh-failed",
                "m-fresh-failed",
                Failed,
                "2026-11-28T02:00:00Z",
                None,
            ),
            // fresh and fine; completed_at missing, so created_at counts
            job(
                "a:fresh-ok",
                "a-fresh-ok",
                Completed,
                "2026-11-28T01:00:00Z",
                None,
            ),
            // stale, newest job still running
            job(
                "a:stale-running",
                "z-stale-running",
                Running,
                "2026-11-28T03:00:00Z",
                None,
            ),
            job(
                "a:stale-running",
                "z-stale-running",
                Completed,
                "2026-11-20T00:00:00Z",
                Some("2026-11-20T00:30:00Z"),
            ),
            // stale and failing
            job(
                "a:stale-failed",
                "q-stale-failed",
                Expired,
                "2026-11-27T00:00:00Z",
                None,
            ),
            // no ARN: left out
            job("", "nameless", Failed, "2026-11-27T00:00:00Z", None),
        ];
        let now = at("2026-11-28T04:00:00Z");
        let r = readiness(&jobs, now, TimeDelta::hours(24));
        let got: Vec<_> = r
            .iter()
            .map(|r| (r.resource_arn.as_str(), r.stale, r.latest_state.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("a:stale-failed", true, "EXPIRED"),
                ("a:stale-running", true, "RUNNING"),
                ("a:fresh-failed", false, "FAILED"),
                ("a:fresh-ok", false, "COMPLETED"),
            ]
        );
        assert_eq!(r[1].last_completed, Some(at("2026-11-20T00:30:00Z")));
        assert_eq!(r[3].last_completed, Some(at("2026-11-28T01:00:00Z")));

        // Exactly `stale_after` ago still counts as recent.
        let edge = [job(
            "a:edge",
            "edge",
            Completed,
            "2026-11-27T03:00:00Z",
            Some("2026-11-27T04:00:00Z"),
        )];
        assert!(!readiness(&edge, now, TimeDelta::hours(24))[0].stale);
        assert!(readiness(&edge, now, TimeDelta::hours(24) - TimeDelta::seconds(1))[0].stale);
    }

    #[test]
    fn readiness_takes_name_and_type_from_the_newest_job() {
        let mut old = job(
            "a:1",
            "old-name",
            JobState::Completed,
            "2026-11-27T00:00:00Z",
            None,
        );
        old.resource_type = "EBS".into();
        let new = job("a:1", "new-name", JobState::Failed, "2026-11-28T00:00:00Z", None);
        for jobs in [vec![old.clone(), new.clone()], vec![new, old]] {
            let r = readiness(&jobs, at("2026-11-28T04:00:00Z"), TimeDelta::hours(26));
            assert_eq!(r.len(), 1);
            assert_eq!(r[0].resource_name, "new-name");
            assert_eq!(r[0].resource_type, "EC2");
            assert_eq!(r[0].latest_state, JobState::Failed);
            assert_eq!(r[0].last_completed, Some(at("2026-11-27T00:00:00Z")));
        }
    }

    #[test]
    fn summarize_counts_each_outcome() {
        assert_eq!(
            summarize(&both_pages()),
            Counts {
                completed: 1,
                failed: 4,
                active: 1,
                other: 0
            }
        );
        assert_eq!(
            summarize(&page(HOSTILE).jobs),
            Counts {
                completed: 1,
                failed: 0,
                active: 0,
                other: 3
            }
        );
        assert_eq!(summarize(&[]), Counts::default());
    }
}
