//! Sources: the systems an incident commander watches (AWS Security Hub findings, Splunk
//! searches, AWS Backup jobs). Each configured source runs as its own tokio task that polls,
//! parses and publishes an [`Observation`]; the console keeps the newest one per source in
//! memory, and [`signals`] turns what matters into timeline events with dedup keys.
//!
//! Everything a source returns is untrusted: parsers clean text before anything else sees it.

pub mod aws;
pub mod backup;
pub mod client;
pub mod config;
pub mod http;
pub mod poller;
pub mod securityhub;
pub mod signals;
pub mod splunk;
pub mod view;

use chrono::{DateTime, Utc};
use std::time::Duration;
use thiserror::Error;

pub use config::{SourceConfig, SourceKind};

/// Why a poll failed. Each variant maps to a health state and a retry policy.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum SourceError {
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    #[error("cannot connect: {0}")]
    Connect(String),
    #[error("unauthorised (HTTP {status}): {message}")]
    Unauthorized { status: u16, message: String },
    #[error("throttled (HTTP {status}): {message}")]
    Throttled {
        status: u16,
        retry_after: Option<Duration>,
        message: String,
    },
    #[error("HTTP {status}: {message}")]
    Http { status: u16, message: String },
    #[error("response larger than the {cap}-byte cap")]
    TooLarge { cap: u64 },
    #[error("unreadable response: {0}")]
    Malformed(String),
    #[error("credentials: {0}")]
    Credentials(String),
    /// A write (BatchUpdateFindings) that the service refused in part.
    #[error("{0}")]
    Rejected(String),
}

impl SourceError {
    /// Wait at least this long before the next try, when the service said so.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            SourceError::Throttled { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
    pub fn is_unauthorized(&self) -> bool {
        matches!(
            self,
            SourceError::Unauthorized { .. } | SourceError::Credentials(_)
        )
    }
}

/// What one successful poll of a source saw.
#[derive(Debug, Clone, PartialEq)]
pub enum Snapshot {
    Findings(Vec<securityhub::Finding>),
    /// One result per configured search, in configuration order.
    Searches(Vec<splunk::SearchOutcome>),
    Backups(Vec<backup::BackupJob>),
}

/// A message from a poller to whoever watches it (the console, `warroom watch`).
#[derive(Debug, Clone, PartialEq)]
pub enum Observation {
    /// A poll succeeded.
    Data {
        source: String,
        at: DateTime<Utc>,
        snapshot: Snapshot,
        /// Pages fetched and bytes read, for the health pane.
        pages: u32,
        bytes: u64,
        elapsed: Duration,
    },
    /// A change asked of a source (BatchUpdateFindings), and how it went.
    Updated {
        source: String,
        at: DateTime<Utc>,
        update: FindingUpdate,
        result: Result<usize, SourceError>,
    },
    /// A poll failed; the next try is `retry_in` from now.
    Failed {
        source: String,
        at: DateTime<Utc>,
        error: SourceError,
        retry_in: Duration,
    },
}

impl Observation {
    pub fn source(&self) -> &str {
        match self {
            Observation::Data { source, .. }
            | Observation::Updated { source, .. }
            | Observation::Failed { source, .. } => source,
        }
    }
}

/// What a console asks of a Security Hub source: a workflow status and/or a note, on findings
/// named by (Id, ProductArn).
#[derive(Debug, Clone, PartialEq)]
pub struct FindingUpdate {
    pub findings: Vec<(String, String)>,
    pub workflow: Option<securityhub::Workflow>,
    pub note: Option<String>,
    /// `UpdatedBy` on the note: who asked.
    pub by: String,
    /// The incident it was decided on (none: no incident on screen), where its
    /// `finding.updated` is recorded whatever is on screen when the service answers.
    pub incident: Option<crate::timeline::IncidentId>,
}
