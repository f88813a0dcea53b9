//! `[[source]]` entries of config.toml: parsed, defaulted, and checked with errors that name
//! the file, the line and the key (`source[2].interval`).
//!
//! Secrets are never in this file's values: only the names of the environment variables or
//! files that hold them.

use super::backup::BackupQuery;
use super::securityhub::{FindingSeverity, FindingsQuery};
use super::splunk::SearchConfig;
use crate::config::{ConfigError, Problems};
use serde::{Deserialize, Deserializer};
use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    Securityhub,
    Splunk,
    Backup,
}

impl SourceKind {
    pub fn label(self) -> &'static str {
        match self {
            SourceKind::Securityhub => "securityhub",
            SourceKind::Splunk => "splunk",
            SourceKind::Backup => "backup",
        }
    }
}

/// How a Splunk source proves who it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SplunkAuth {
    /// `Authorization: Bearer <token>` (Settings › Tokens).
    Bearer,
    /// `Authorization: Basic` with username and password.
    Basic,
    /// `POST /services/auth/login`, then `Authorization: Splunk <session key>`.
    Session,
}

/// What turns observations into timeline signals (`[source.signals]`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SignalRules {
    /// Security Hub: a NEW finding at or above this severity.
    #[serde(deserialize_with = "severity")]
    pub min_severity: Option<FindingSeverity>,
    /// Security Hub: a finding's workflow went from RESOLVED/SUPPRESSED back to NEW/NOTIFIED.
    pub reopened: bool,
    /// AWS Backup: FAILED, ABORTED, EXPIRED and PARTIAL jobs.
    pub backup_failures: bool,
    /// Any source: failing for longer than this many minutes (0 = never).
    pub failing_minutes: u64,
    /// Splunk: after a threshold signal, the same search signals again at most this often.
    pub cooldown_minutes: u64,
    /// The severity written on threshold and failure signals.
    pub severity: String,
    /// At most this many signals from one poll (the rest are counted in one summary signal).
    pub max_per_poll: usize,
    /// Whether this source's signals raise a notification in the consoles.
    pub notify: bool,
}

impl Default for SignalRules {
    fn default() -> Self {
        SignalRules {
            min_severity: Some(FindingSeverity::High),
            reopened: true,
            backup_failures: true,
            failing_minutes: 10,
            cooldown_minutes: 15,
            severity: "HIGH".into(),
            max_per_poll: 20,
            notify: true,
        }
    }
}

fn severity<'de, D: Deserializer<'de>>(d: D) -> Result<Option<FindingSeverity>, D::Error> {
    let s = Option::<String>::deserialize(d)?;
    match s.as_deref() {
        None | Some("none" | "NONE" | "off") => Ok(None),
        Some(s) => FindingSeverity::parse(s).map(Some).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "`{s}` is not a severity: use INFORMATIONAL, LOW, MEDIUM, HIGH, CRITICAL or none"
            ))
        }),
    }
}

/// One `[[source]]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceConfig {
    pub kind: SourceKind,
    /// Unique; used in signal keys and as the author `source:NAME`.
    pub name: String,
    /// Defaults to the service's regional URL (AWS) or `https://localhost:8089` (Splunk).
    pub endpoint: Option<String>,
    /// AWS region; defaults to the profile's or AWS_REGION.
    pub region: Option<String>,
    /// AWS profile from the shared config and credentials files.
    pub profile: Option<String>,
    #[serde(default = "default_interval", deserialize_with = "duration")]
    pub interval: Duration,
    #[serde(default = "default_timeout", deserialize_with = "duration")]
    pub timeout: Duration,
    /// Responses larger than this are refused (bytes).
    #[serde(default = "default_cap")]
    pub max_response_bytes: u64,
    /// A PEM bundle of extra trusted CAs (e.g. Splunk's self-signed management certificate).
    pub ca_file: Option<PathBuf>,
    /// Accept any certificate. The console's header warns for as long as this is on.
    #[serde(default)]
    pub insecure_skip_verify: bool,
    /// Kind-specific filters; see [`FindingsQuery`] and [`BackupQuery`].
    filters: Option<toml::Table>,
    #[serde(skip)]
    pub findings_query: FindingsQuery,
    #[serde(skip)]
    pub backup_query: BackupQuery,
    /// Splunk searches (`[[source.search]]`).
    #[serde(default)]
    pub search: Vec<SearchConfig>,
    pub auth: Option<SplunkAuth>,
    /// Splunk: the environment variable holding the bearer token…
    pub token_env: Option<String>,
    /// …or a file holding it.
    pub token_file: Option<PathBuf>,
    pub username: Option<String>,
    pub password_env: Option<String>,
    pub password_file: Option<PathBuf>,
    #[serde(default)]
    pub signals: SignalRules,
}

/// The longest `interval`: a source polled less than daily is not watched.
pub const MAX_INTERVAL: Duration = Duration::from_secs(24 * 3600);
/// The longest `timeout` of one request (a poll may make several, see `poll_deadline`).
pub const MAX_TIMEOUT: Duration = Duration::from_secs(600);
/// The most pages one poll reads (`filters.max_pages`).
pub const MAX_PAGES: u32 = 1000;
/// The longest `signals.failing_minutes` and `signals.cooldown_minutes`: a week.
pub const MAX_SIGNAL_MINUTES: u64 = 7 * 24 * 60;

fn default_interval() -> Duration {
    Duration::from_secs(60)
}
fn default_timeout() -> Duration {
    Duration::from_secs(20)
}
fn default_cap() -> u64 {
    32 * 1024 * 1024
}

/// `30` (seconds), `"30s"`, `"500ms"`, `"5m"`, `"1h"`.
fn duration<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Secs(u64),
        Text(String),
    }
    match Raw::deserialize(d)? {
        Raw::Secs(s) => Ok(Duration::from_secs(s)),
        Raw::Text(t) => parse_duration(&t).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "`{t}` is not a duration: write e.g. 30s, 500ms, 5m or 1h"
            ))
        }),
    }
}

pub fn parse_duration(text: &str) -> Option<Duration> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit())?;
    let (number, unit) = t.split_at(split);
    let n: u64 = number.parse().ok()?;
    match unit.trim() {
        "ms" => Some(Duration::from_millis(n)),
        "s" => Some(Duration::from_secs(n)),
        "m" => Some(Duration::from_secs(n.checked_mul(60)?)),
        "h" => Some(Duration::from_secs(n.checked_mul(3600)?)),
        _ => None,
    }
}

/// A duration as it can be written back: `48h`, `15m`, `90s`, `250ms`.
fn show(d: Duration) -> String {
    let (secs, ms) = (d.as_secs(), d.subsec_millis());
    match (secs, ms) {
        (_, 1..) => format!("{}ms", d.as_millis()),
        (0, 0) => "0s".into(),
        (s, 0) if s % 3600 == 0 => format!("{}h", s / 3600),
        (s, 0) if s % 60 == 0 => format!("{}m", s / 60),
        (s, _) => format!("{s}s"),
    }
}

impl SourceConfig {
    /// Where requests go: the configured endpoint, or the service's default.
    pub fn endpoint(&self, region: &str) -> String {
        let base = match (&self.endpoint, self.kind) {
            (Some(e), _) => e.clone(),
            (None, SourceKind::Securityhub) => super::aws::default_endpoint("securityhub", region),
            (None, SourceKind::Backup) => super::aws::default_endpoint("backup", region),
            (None, SourceKind::Splunk) => "https://localhost:8089".to_string(),
        };
        base.trim_end_matches('/').to_string()
    }
}

/// Check every source and fill in the typed filters. `file` and `text` locate errors.
pub fn validate(sources: &mut [SourceConfig], file: &str, text: &str) -> Result<(), ConfigError> {
    let mut names = HashSet::new();
    // Every problem of every source, not just the first: `warroom check` lists them all.
    let problems = std::cell::RefCell::new(Problems::default());
    for (index, s) in sources.iter_mut().enumerate() {
        let error = |key: &str, message: String| ConfigError::Invalid {
            file: file.to_string(),
            line: locate(text, index, key),
            column: 1,
            key: Some(format!("source[{index}].{key}")),
            message,
        };
        let fail = |key: &str, message: String| problems.borrow_mut().push(error(key, message));
        if s.name.is_empty()
            || !s
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        {
            fail(
                "name",
                format!(
                    "`{}`: a source's name is letters, digits, `-`, `_` and `.`",
                    s.name
                ),
            );
        }
        if !names.insert(s.name.clone()) {
            fail("name", format!("another source is already named `{}`", s.name));
        }
        if s.interval < Duration::from_secs(1) {
            fail("interval", "poll at most once a second".into());
        }
        if s.interval > MAX_INTERVAL {
            fail(
                "interval",
                format!(
                    "`{}`: poll at least once every {}",
                    show(s.interval),
                    show(MAX_INTERVAL)
                ),
            );
        }
        if s.timeout < Duration::from_millis(100) {
            fail("timeout", "a timeout under 100ms cannot succeed".into());
        }
        if s.timeout > MAX_TIMEOUT {
            fail(
                "timeout",
                format!(
                    "`{}`: a request may take at most {} (from 100ms)",
                    show(s.timeout),
                    show(MAX_TIMEOUT)
                ),
            );
        }
        for (key, minutes) in [
            ("signals.failing_minutes", s.signals.failing_minutes),
            ("signals.cooldown_minutes", s.signals.cooldown_minutes),
        ] {
            if minutes > MAX_SIGNAL_MINUTES {
                fail(
                    key,
                    format!("`{minutes}`: at most {MAX_SIGNAL_MINUTES} minutes (a week)"),
                );
            }
        }
        if s.max_response_bytes < 1024 {
            fail("max_response_bytes", "allow at least 1024 bytes".into());
        }
        if let Some(e) = &s.endpoint {
            match reqwest::Url::parse(e) {
                Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {}
                _ => {
                    fail("endpoint", format!("`{e}` is not an http:// or https:// URL"));
                }
            }
        }
        if let Some(ca) = &s.ca_file
            && !ca.is_file()
        {
            fail("ca_file", format!("{}: no such file", ca.display()));
        }
        let filters = toml::Value::Table(s.filters.clone().unwrap_or_default());
        let aws = matches!(s.kind, SourceKind::Securityhub | SourceKind::Backup);
        let splunk_only = [
            ("search", !s.search.is_empty()),
            ("auth", s.auth.is_some()),
            ("token_env", s.token_env.is_some()),
            ("token_file", s.token_file.is_some()),
            ("username", s.username.is_some()),
            ("password_env", s.password_env.is_some()),
            ("password_file", s.password_file.is_some()),
        ];
        if aws && let Some((key, _)) = splunk_only.iter().find(|(_, set)| *set) {
            fail(key, format!("`{key}` is for Splunk sources"));
        }
        match s.kind {
            SourceKind::Securityhub => {
                match filters.try_into() {
                    Ok(query) => s.findings_query = query,
                    Err(e) => problems.borrow_mut().push(filter_error(&error, e)),
                }
                let q = &s.findings_query;
                if !(1..=100).contains(&q.page_size) {
                    fail("page_size", "Security Hub pages hold 1 to 100 findings".into());
                }
                if !(1..=MAX_PAGES).contains(&q.max_pages) {
                    fail("filters.max_pages", pages_error(q.max_pages));
                }
                for label in &q.severity_labels {
                    if FindingSeverity::parse(label).is_none() {
                        fail(
                            "severity_labels",
                            format!("`{label}` is not INFORMATIONAL, LOW, MEDIUM, HIGH or CRITICAL"),
                        );
                    }
                }
            }
            SourceKind::Backup => {
                match filters.try_into() {
                    Ok(query) => s.backup_query = query,
                    Err(e) => problems.borrow_mut().push(filter_error(&error, e)),
                }
                if !(1..=1000).contains(&s.backup_query.page_size) {
                    fail("page_size", "AWS Backup pages hold 1 to 1000 jobs".into());
                }
                if !(1..=MAX_PAGES).contains(&s.backup_query.max_pages) {
                    fail("filters.max_pages", pages_error(s.backup_query.max_pages));
                }
            }
            SourceKind::Splunk => {
                if s.filters.is_some() {
                    fail("filters", "Splunk sources use [[source.search]]".into());
                }
                if s.profile.is_some() || s.region.is_some() {
                    fail("profile", "`profile` and `region` are for AWS sources".into());
                }
                if s.search.is_empty() {
                    fail(
                        "kind",
                        "a Splunk source needs at least one [[source.search]]".into(),
                    );
                }
                let mut searches = HashSet::new();
                for search in &s.search {
                    if !searches.insert(search.name.clone()) {
                        fail("name", format!("two searches are named `{}`", search.name));
                    }
                    if search.query.is_some() == search.saved_search.is_some() {
                        fail(
                            "query",
                            format!("search `{}`: give either `query` or `saved_search`", search.name),
                        );
                    }
                }
                match s.auth {
                    Some(SplunkAuth::Bearer) | None => {
                        if s.token_env.is_none() && s.token_file.is_none() {
                            fail("auth", "a bearer token needs `token_env` or `token_file`".into());
                        }
                    }
                    Some(SplunkAuth::Basic | SplunkAuth::Session) => {
                        if s.username.is_none() || (s.password_env.is_none() && s.password_file.is_none()) {
                            fail(
                                "auth",
                                "needs `username` and `password_env` or `password_file`".into(),
                            );
                        }
                    }
                }
            }
        }
    }
    problems.into_inner().finish()
}

fn pages_error(n: u32) -> String {
    format!("`{n}`: a poll reads 1 to {MAX_PAGES} pages")
}

/// A filters table that does not fit: point at the field serde names (`unknown field `x``).
fn filter_error(error: &dyn Fn(&str, String) -> ConfigError, e: toml::de::Error) -> ConfigError {
    let message = e.message().trim().to_string();
    let field = message.split('`').nth(1).filter(|f| !f.contains(' '));
    match field {
        Some(f) => error(&format!("filters.{f}"), message),
        None => error("filters", message),
    }
}

/// The line of `key` inside the `index`-th `[[source]]` block (its header line if absent).
fn locate(text: &str, index: usize, key: &str) -> usize {
    let last = key.rsplit('.').next().unwrap_or(key);
    let mut block: Option<usize> = None;
    let mut header = 1;
    let mut found = None;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.starts_with("[[") && t.trim_matches(|c| c == '[' || c == ']').trim() == "source" {
            block = Some(block.map_or(0, |b| b + 1));
            if block == Some(index) {
                header = i + 1;
            }
            continue;
        }
        if t.starts_with('[') && !t.trim_start_matches('[').trim_start().starts_with("source.") {
            block = None; // another top-level table ends the source blocks
            continue;
        }
        if block == Some(index)
            && t.strip_prefix(last)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        {
            found = Some(i + 1);
        }
    }
    found.unwrap_or(header)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_the_usual_units() {
        assert_eq!(parse_duration("30s"), Some(Duration::from_secs(30)));
        assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_duration("5m"), Some(Duration::from_secs(300)));
        assert_eq!(parse_duration("1h"), Some(Duration::from_secs(3600)));
        assert_eq!(parse_duration("5 minutes"), None);
        assert_eq!(parse_duration("s"), None);
    }

    #[test]
    fn durations_are_shown_as_they_could_be_written() {
        assert_eq!(
            show(Duration::from_secs(2_562_047_788_015_216 * 3600)),
            "2562047788015216h"
        );
        assert_eq!(show(Duration::from_secs(900)), "15m");
        assert_eq!(show(Duration::from_secs(90)), "90s");
        assert_eq!(show(Duration::from_millis(1500)), "1500ms");
    }

    #[test]
    fn errors_point_into_the_right_block() {
        let text = "store = \"x\"\n[[source]]\nkind = \"splunk\"\nname = \"a\"\n[[source]]\nkind = \"backup\"\nname = \"b\"\ninterval = \"0s\"\n[source.filters]\npage_size = 5\n";
        assert_eq!(locate(text, 1, "interval"), 8);
        assert_eq!(locate(text, 1, "filters.page_size"), 10);
        assert_eq!(locate(text, 0, "interval"), 2);
    }
}
