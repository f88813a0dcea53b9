//! AWS Security Hub: `GetFindings` requests and ASFF findings, `BatchUpdateFindings`.
//! Wire format: docs/source-apis.md §A1. Pure: no I/O here.

use super::SourceError;
use crate::text::{clean_line, clean_text, truncate};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde::de::value::MapAccessDeserializer;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Value, json};
use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

/// ASFF severity labels, in order (INFORMATIONAL lowest).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum FindingSeverity {
    Informational,
    Low,
    Medium,
    High,
    Critical,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Workflow {
    New,
    Notified,
    Resolved,
    Suppressed,
    /// Anything else the service sends (cleaned).
    Other(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    pub kind: String,
    pub id: String,
    pub region: String,
}

/// One finding, with every text field already cleaned for the terminal.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub id: String,
    pub product_arn: String,
    pub product_name: String,
    pub generator_id: String,
    pub title: String,
    pub description: String,
    pub severity: FindingSeverity,
    pub workflow: Workflow,
    /// ACTIVE or ARCHIVED.
    pub record_state: String,
    pub account: String,
    pub region: String,
    pub types: Vec<String>,
    pub resources: Vec<Resource>,
    /// Recommendation text, then its URL if any.
    pub remediation: Option<String>,
    pub compliance: Option<String>,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FindingsPage {
    pub findings: Vec<Finding>,
    pub next_token: Option<String>,
}

/// The filters of a `[[source]]` of kind `securityhub` (the `[source.filters]` table).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FindingsQuery {
    /// e.g. ["CRITICAL", "HIGH"]; empty = all.
    pub severity_labels: Vec<String>,
    /// e.g. ["ACTIVE"]; empty = all.
    pub record_states: Vec<String>,
    /// e.g. ["NEW", "NOTIFIED"]; empty = all.
    pub workflow_statuses: Vec<String>,
    /// Only findings updated within this many days (the API's unit is days).
    pub updated_within_days: Option<u32>,
    /// 1..=100 per page.
    pub page_size: u32,
    /// Stop after this many pages, however many the service offers.
    pub max_pages: u32,
}

impl Default for FindingsQuery {
    fn default() -> Self {
        FindingsQuery {
            severity_labels: vec![],
            record_states: vec!["ACTIVE".into()],
            workflow_statuses: vec![],
            updated_within_days: Some(7),
            page_size: 100,
            max_pages: 10,
        }
    }
}

/// The outcome of `BatchUpdateFindings`: which findings the service took, and which it refused.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BatchUpdateOutcome {
    pub processed: Vec<(String, String)>,
    /// (id, product arn, error code, message)
    pub unprocessed: Vec<(String, String, String, String)>,
}

/// Caps on what one finding may bring in, so a hostile or broken page cannot flood the screen.
const LINE_MAX: usize = 300;
const TEXT_MAX: usize = 4000;
/// `Id` and `ProductArn` are the keys `BatchUpdateFindings` needs verbatim; ASFF allows 512
/// characters, so this cap never cuts a real one.
const KEY_MAX: usize = 512;
const MAX_RESOURCES: usize = 20;
const MAX_TYPES: usize = 10;
/// `BatchUpdateFindings` limits.
const BATCH_MAX: usize = 100;
const NOTE_MAX: usize = 512;
/// How much of a service's error text goes into ours.
const REASON_MAX: usize = 200;

impl FindingSeverity {
    const ALL: [FindingSeverity; 5] = [
        FindingSeverity::Informational,
        FindingSeverity::Low,
        FindingSeverity::Medium,
        FindingSeverity::High,
        FindingSeverity::Critical,
    ];

    /// The ASFF label, e.g. `"CRITICAL"`.
    pub fn label(self) -> &'static str {
        match self {
            FindingSeverity::Informational => "INFORMATIONAL",
            FindingSeverity::Low => "LOW",
            FindingSeverity::Medium => "MEDIUM",
            FindingSeverity::High => "HIGH",
            FindingSeverity::Critical => "CRITICAL",
        }
    }

    /// A label in any case; `None` for anything else.
    pub fn parse(s: &str) -> Option<FindingSeverity> {
        let s = s.trim();
        Self::ALL
            .into_iter()
            .find(|sev| sev.label().eq_ignore_ascii_case(s))
    }

    /// The deprecated 0–100 `Normalized` score, banded as ASFF maps it to labels
    /// (1–39 LOW, 40–69 MEDIUM, 70–89 HIGH, 90–100 CRITICAL).
    fn from_normalized(n: f64) -> FindingSeverity {
        match n {
            n if n >= 90.0 => FindingSeverity::Critical,
            n if n >= 70.0 => FindingSeverity::High,
            n if n >= 40.0 => FindingSeverity::Medium,
            n if n >= 1.0 => FindingSeverity::Low,
            _ => FindingSeverity::Informational,
        }
    }
}

impl Workflow {
    /// The status as the API spells it.
    pub fn as_str(&self) -> &str {
        match self {
            Workflow::New => "NEW",
            Workflow::Notified => "NOTIFIED",
            Workflow::Resolved => "RESOLVED",
            Workflow::Suppressed => "SUPPRESSED",
            Workflow::Other(s) => s,
        }
    }

    /// A status in any case; anything unknown is kept, cleaned, as [`Workflow::Other`].
    pub fn parse(s: &str) -> Workflow {
        let s = s.trim();
        [
            Workflow::New,
            Workflow::Notified,
            Workflow::Resolved,
            Workflow::Suppressed,
        ]
        .into_iter()
        .find(|w| w.as_str().eq_ignore_ascii_case(s))
        .unwrap_or_else(|| Workflow::Other(line(s, LINE_MAX)))
    }
}

impl BatchUpdateOutcome {
    /// How many findings were updated, or an error naming why the others were not.
    pub fn into_result(self) -> Result<usize, SourceError> {
        const SHOWN: usize = 5;
        if self.unprocessed.is_empty() {
            return Ok(self.processed.len());
        }
        let failed = self.unprocessed.len();
        let mut reasons: Vec<String> = (self.unprocessed.iter().take(SHOWN))
            .map(
                |(_, _, code, message)| match (code.is_empty(), message.is_empty()) {
                    (_, true) => code.clone(),
                    (true, false) => message.clone(),
                    (false, false) => format!("{code}: {message}"),
                },
            )
            .collect();
        if failed > SHOWN {
            reasons.push(format!("and {} more", failed - SHOWN));
        }
        Err(SourceError::Rejected(format!(
            "{failed} of {} findings not updated: {}",
            failed + self.processed.len(),
            reasons.join("; ")
        )))
    }
}

/// The `GetFindings` body: newest first, with the query's filters. Severity and workflow values
/// are normalised to the API's upper case, since the service compares them exactly.
pub fn findings_request(q: &FindingsQuery, next_token: Option<&str>) -> Vec<u8> {
    let equals = |values: Vec<&str>| -> Value {
        let filters = values
            .into_iter()
            .map(|v| json!({"Value": v, "Comparison": "EQUALS"}));
        Value::Array(filters.collect())
    };
    let severities = q
        .severity_labels
        .iter()
        .map(|s| FindingSeverity::parse(s).map_or(s.as_str(), |sev| sev.label()));
    let workflows: Vec<Workflow> = q.workflow_statuses.iter().map(|s| Workflow::parse(s)).collect();
    let mut filters = serde_json::Map::new();
    for (key, values) in [
        ("SeverityLabel", severities.collect::<Vec<_>>()),
        (
            "RecordState",
            q.record_states.iter().map(String::as_str).collect(),
        ),
        ("WorkflowStatus", workflows.iter().map(Workflow::as_str).collect()),
    ] {
        if !values.is_empty() {
            filters.insert(key.into(), equals(values));
        }
    }
    if let Some(days) = q.updated_within_days {
        filters.insert(
            "UpdatedAt".into(),
            json!([{"DateRange": {"Value": days, "Unit": "DAYS"}}]),
        );
    }
    let mut body = json!({
        "SortCriteria": [{"Field": "UpdatedAt", "SortOrder": "desc"}],
        "MaxResults": q.page_size.clamp(1, 100),
    });
    if !filters.is_empty() {
        body["Filters"] = Value::Object(filters);
    }
    if let Some(token) = next_token.filter(|t| !t.is_empty()) {
        body["NextToken"] = token.into();
    }
    body.to_string().into_bytes()
}

/// One page of `GetFindings`, in one pass that borrows strings from the body and skips what
/// warroom does not show. Lenient where that is free: a field of the wrong type reads as
/// missing, and a finding without its keys (`Id`, `ProductArn`) is skipped and logged rather
/// than losing the page. Broken JSON, or a page where no finding is usable, is an error.
pub fn parse_findings(body: &[u8]) -> Result<FindingsPage, SourceError> {
    let text = json_text(body)?;
    let page: WirePage =
        serde_json::from_str(text).map_err(|e| malformed("expected a JSON object with `Findings`", &e))?;
    let wire = page.findings.ok_or_else(|| missing(text, "Findings"))?;
    let total = wire.len();
    let read = wire.into_iter().map(|f| {
        (f.0)
            .ok_or_else(|| "a finding is not a JSON object".to_string())
            .and_then(WireFinding::into_finding)
    });
    let findings = keep(total, read)?;
    // Not truncated: the token goes back to the service as it came, and a real one never
    // holds a control character, so cleaning leaves it alone.
    let next_token = Some(page.next_token.0.trim())
        .filter(|t| !t.is_empty())
        .map(|t| clean_line(t).into_owned());
    Ok(FindingsPage { findings, next_token })
}

/// The `BatchUpdateFindings` body that sets a workflow status and/or adds a note. Refuses what
/// the service would refuse, so the user hears why before a round trip.
pub fn batch_update_request(
    findings: &[(&str, &str)],
    workflow: Option<&Workflow>,
    note: Option<(&str, &str)>,
) -> Result<Vec<u8>, SourceError> {
    let reject = |why: String| Err(SourceError::Rejected(why));
    if findings.is_empty() || findings.len() > BATCH_MAX {
        return reject(format!(
            "a batch update takes 1 to {BATCH_MAX} findings, not {}",
            findings.len()
        ));
    }
    if findings.iter().any(|(id, arn)| id.is_empty() || arn.is_empty()) {
        return reject("every finding to update needs both an Id and a ProductArn".into());
    }
    if workflow.is_none() && note.is_none() {
        return reject("nothing to update: give a workflow status or a note".into());
    }
    let identifiers = findings
        .iter()
        .map(|(id, arn)| json!({"Id": id, "ProductArn": arn}));
    let mut body = json!({"FindingIdentifiers": identifiers.collect::<Vec<_>>()});
    if let Some(workflow) = workflow {
        if let Workflow::Other(status) = workflow {
            return reject(format!(
                "`{}` is not a workflow status Security Hub accepts (NEW, NOTIFIED, RESOLVED, SUPPRESSED)",
                line(status, 60)
            ));
        }
        body["Workflow"] = json!({"Status": workflow.as_str()});
    }
    if let Some((text, updated_by)) = note {
        let chars = text.chars().count();
        if text.trim().is_empty() {
            return reject("a note needs some text".into());
        }
        if chars > NOTE_MAX {
            return reject(format!(
                "a note is at most {NOTE_MAX} characters; this one has {chars}"
            ));
        }
        if updated_by.trim().is_empty() {
            return reject("a note needs to say who wrote it (UpdatedBy)".into());
        }
        body["Note"] = json!({"Text": text, "UpdatedBy": updated_by});
    }
    Ok(body.to_string().into_bytes())
}

/// The `BatchUpdateFindings` response. Check [`BatchUpdateOutcome::into_result`]: HTTP 200 can
/// still mean some findings were refused.
pub fn parse_batch_update(body: &[u8]) -> Result<BatchUpdateOutcome, SourceError> {
    let text = json_text(body)?;
    let wire: WireBatch = serde_json::from_str(text).map_err(|e| {
        malformed(
            "expected a JSON object with `ProcessedFindings` and `UnprocessedFindings`",
            &e,
        )
    })?;
    if wire.processed_findings.is_none() && wire.unprocessed_findings.is_none() {
        return Err(missing(text, "ProcessedFindings"));
    }
    let key = |w: &WireIdentifier| (line(&w.id.0, KEY_MAX), line(&w.product_arn.0, KEY_MAX));
    let processed = wire
        .processed_findings
        .unwrap_or_default()
        .iter()
        .map(key)
        .collect();
    let unprocessed = (wire.unprocessed_findings.unwrap_or_default().iter())
        .map(|u| {
            let (id, arn) = u.finding_identifier.0.as_ref().map(key).unwrap_or_default();
            (
                id,
                arn,
                line(&u.error_code.0, LINE_MAX),
                line(&u.error_message.0, LINE_MAX),
            )
        })
        .collect();
    Ok(BatchUpdateOutcome {
        processed,
        unprocessed,
    })
}

/// The body as JSON text, or why it cannot be.
fn json_text(body: &[u8]) -> Result<&str, SourceError> {
    let start = body.trim_ascii_start();
    if start.is_empty() {
        return Err(SourceError::Malformed("empty response".into()));
    }
    if start.starts_with(b"<") {
        return Err(SourceError::Malformed(
            "not JSON: the service sent an HTML page".into(),
        ));
    }
    let text = std::str::from_utf8(body)
        .map_err(|e| SourceError::Malformed(format!("not UTF-8 (bad byte at offset {})", e.valid_up_to())))?;
    if !start.starts_with(b"{") {
        return Err(SourceError::Malformed(format!(
            "expected a JSON object, got `{}`",
            line(text.trim_start(), 60)
        )));
    }
    Ok(text)
}

/// The findings that could be read, out of `total`; see [`parse_findings`].
fn keep(
    total: usize,
    read: impl Iterator<Item = Result<Finding, String>>,
) -> Result<Vec<Finding>, SourceError> {
    let mut findings = Vec::with_capacity(total);
    let mut first_error = None;
    for finding in read {
        match finding {
            Ok(f) => findings.push(f),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    if let Some(e) = first_error {
        if findings.is_empty() {
            return Err(SourceError::Malformed(format!(
                "none of the {total} findings could be read: {e}"
            )));
        }
        let skipped = total - findings.len();
        tracing::warn!(skipped, total, "Security Hub: skipped unreadable findings: {e}");
    }
    Ok(findings)
}

/// A body without the key we asked for: name the service's own error when it sent one.
fn missing(text: &str, key: &str) -> SourceError {
    #[derive(Deserialize)]
    #[serde(bound(deserialize = "'de: 'a"))]
    struct ServiceError<'a> {
        #[serde(rename = "__type", default)]
        kind: Text<'a>,
        #[serde(rename = "Message", default)]
        message: Text<'a>,
        #[serde(rename = "message", default)]
        message_lower: Text<'a>,
    }
    let expected = format!("expected a JSON object with `{key}`");
    match serde_json::from_str::<ServiceError>(text) {
        Ok(e) if !(e.kind.0.is_empty() && e.message.0.is_empty() && e.message_lower.0.is_empty()) => {
            let message = if e.message.0.is_empty() {
                e.message_lower
            } else {
                e.message
            };
            SourceError::Malformed(format!(
                "{expected}, got the service error {}: {}",
                line(&e.kind.0, 100),
                line(&message.0, REASON_MAX)
            ))
        }
        _ => SourceError::Malformed(expected),
    }
}

/// A parse error as one safe line: serde's messages can quote the body.
fn malformed(context: &str, e: &serde_json::Error) -> SourceError {
    SourceError::Malformed(format!("{context}: {}", line(&e.to_string(), REASON_MAX)))
}

/// Untrusted single-line text, cleaned, trimmed and capped.
fn line(s: &str, max: usize) -> String {
    truncate(clean_line(s).trim(), max).into_owned()
}

/// Untrusted multi-line text, cleaned, trimmed and capped.
fn text(s: &str) -> String {
    truncate(clean_text(s).trim(), TEXT_MAX).into_owned()
}

fn non_empty(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

/// RFC 3339, or the ISO 8601 variants ASFF also allows (e.g. an offset without a colon).
fn timestamp(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    DateTime::parse_from_rfc3339(s)
        .or_else(|_| DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f%z"))
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// How a lenient field reads each JSON shape. Whatever it does not expect reads as the default
/// (`null`, a number where an object belongs, …), so type drift costs neither the finding nor
/// the page. Unexpected objects and lists are still read through (iteratively, by serde_json).
trait Lenient<'de>: Default {
    fn string(_: Cow<'de, str>) -> Self {
        Self::default()
    }
    fn scalar(_: impl fmt::Display) -> Self {
        Self::default()
    }
    fn map<A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Self::default())
    }
    fn seq<A: SeqAccess<'de>>(mut seq: A) -> Result<Self, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Self::default())
    }
}

struct LenientVisitor<T>(PhantomData<T>);

impl<'de, T: Lenient<'de>> Visitor<'de> for LenientVisitor<T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<T, E> {
        Ok(T::string(Cow::Borrowed(s)))
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<T, E> {
        Ok(T::string(Cow::Owned(s.to_owned())))
    }
    fn visit_string<E: de::Error>(self, s: String) -> Result<T, E> {
        Ok(T::string(Cow::Owned(s)))
    }
    fn visit_bool<E: de::Error>(self, b: bool) -> Result<T, E> {
        Ok(T::scalar(b))
    }
    fn visit_i64<E: de::Error>(self, n: i64) -> Result<T, E> {
        Ok(T::scalar(n))
    }
    fn visit_u64<E: de::Error>(self, n: u64) -> Result<T, E> {
        Ok(T::scalar(n))
    }
    fn visit_f64<E: de::Error>(self, n: f64) -> Result<T, E> {
        Ok(T::scalar(n))
    }
    fn visit_unit<E: de::Error>(self) -> Result<T, E> {
        Ok(T::default())
    }
    fn visit_none<E: de::Error>(self) -> Result<T, E> {
        Ok(T::default())
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::map(map)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<T, A::Error> {
        T::seq(seq)
    }
}

/// A string field, borrowed from the body when it holds no escapes. A number or boolean reads
/// as its JSON text; anything else as empty.
#[derive(Default)]
struct Text<'a>(Cow<'a, str>);

impl<'de> Lenient<'de> for Text<'de> {
    fn string(s: Cow<'de, str>) -> Self {
        Text(s)
    }
    fn scalar(v: impl fmt::Display) -> Self {
        Text(Cow::Owned(v.to_string()))
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(LenientVisitor::<Text<'de>>(PhantomData))
    }
}

/// An object field; anything else reads as absent.
struct Object<T>(Option<T>);

impl<T> Default for Object<T> {
    fn default() -> Self {
        Object(None)
    }
}

impl<'de, T: Deserialize<'de>> Lenient<'de> for Object<T> {
    fn map<A: MapAccess<'de>>(map: A) -> Result<Self, A::Error> {
        T::deserialize(MapAccessDeserializer::new(map)).map(|t| Object(Some(t)))
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Object<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(LenientVisitor(PhantomData))
    }
}

/// A list field; anything else reads as empty.
struct List<T>(Vec<T>);

impl<T> Default for List<T> {
    fn default() -> Self {
        List(Vec::new())
    }
}

impl<'de, T: Deserialize<'de>> Lenient<'de> for List<T> {
    fn seq<A: SeqAccess<'de>>(mut seq: A) -> Result<Self, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(List(items))
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for List<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(LenientVisitor(PhantomData))
    }
}

// The wire shapes: only the fields warroom shows. Everything else (ProductFields, resource
// Details, …) is skipped unread by serde.

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", bound(deserialize = "'de: 'a"))]
struct WirePage<'a> {
    /// Strict: a page without a list of findings is not a page.
    findings: Option<Vec<Object<WireFinding<'a>>>>,
    #[serde(default)]
    next_token: Text<'a>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default, bound(deserialize = "'de: 'a"))]
struct WireFinding<'a> {
    id: Text<'a>,
    product_arn: Text<'a>,
    product_name: Text<'a>,
    generator_id: Text<'a>,
    title: Text<'a>,
    description: Text<'a>,
    severity: Object<WireSeverity<'a>>,
    workflow: Object<WireStatus<'a>>,
    /// Deprecated; read when `Workflow` is absent.
    workflow_state: Text<'a>,
    record_state: Text<'a>,
    aws_account_id: Text<'a>,
    region: Text<'a>,
    types: List<Text<'a>>,
    resources: List<Object<WireResource<'a>>>,
    remediation: Object<WireRemediation<'a>>,
    compliance: Object<WireStatus<'a>>,
    note: Object<WireNote<'a>>,
    created_at: Text<'a>,
    updated_at: Text<'a>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default, bound(deserialize = "'de: 'a"))]
struct WireSeverity<'a> {
    label: Text<'a>,
    /// A number; read as text so that a string of digits also counts.
    normalized: Text<'a>,
}

/// `Workflow` and `Compliance` alike.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default, bound(deserialize = "'de: 'a"))]
struct WireStatus<'a> {
    status: Text<'a>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default, bound(deserialize = "'de: 'a"))]
struct WireResource<'a> {
    r#type: Text<'a>,
    id: Text<'a>,
    region: Text<'a>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default, bound(deserialize = "'de: 'a"))]
struct WireRemediation<'a> {
    recommendation: Object<WireRecommendation<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default, bound(deserialize = "'de: 'a"))]
struct WireRecommendation<'a> {
    text: Text<'a>,
    url: Text<'a>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default, bound(deserialize = "'de: 'a"))]
struct WireNote<'a> {
    text: Text<'a>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", bound(deserialize = "'de: 'a"))]
struct WireBatch<'a> {
    processed_findings: Option<Vec<WireIdentifier<'a>>>,
    unprocessed_findings: Option<Vec<WireUnprocessed<'a>>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default, bound(deserialize = "'de: 'a"))]
struct WireIdentifier<'a> {
    id: Text<'a>,
    product_arn: Text<'a>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default, bound(deserialize = "'de: 'a"))]
struct WireUnprocessed<'a> {
    finding_identifier: Object<WireIdentifier<'a>>,
    error_code: Text<'a>,
    error_message: Text<'a>,
}

impl WireFinding<'_> {
    /// The cleaned finding; only a missing key (`Id`, `ProductArn`) makes it unusable.
    fn into_finding(self) -> Result<Finding, String> {
        let id = line(&self.id.0, KEY_MAX);
        let product_arn = line(&self.product_arn.0, KEY_MAX);
        if id.is_empty() || product_arn.is_empty() {
            return Err("a finding without an `Id` or a `ProductArn`".into());
        }
        let wire_resources: Vec<WireResource> = self.resources.0.into_iter().filter_map(|r| r.0).collect();
        let region = match self.region.0.trim() {
            "" => wire_resources.first().map_or("", |r| &r.region.0),
            region => region,
        };
        let severity = self.severity.0.and_then(|s| {
            let normalized = s
                .normalized
                .0
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite());
            FindingSeverity::parse(&s.label.0).or(normalized.map(FindingSeverity::from_normalized))
        });
        let status = match self.workflow.0 {
            Some(w) if !w.status.0.trim().is_empty() => w.status,
            _ => self.workflow_state,
        };
        let workflow = match status.0.trim() {
            "" => Workflow::New,
            status => Workflow::parse(status),
        };
        let remediation = self.remediation.0.and_then(|r| r.recommendation.0).and_then(|r| {
            let (what, url) = (text(&r.text.0), line(&r.url.0, LINE_MAX));
            let both = match (what.is_empty(), url.is_empty()) {
                (_, true) => what,
                (true, false) => url,
                (false, false) => format!("{what} ({url})"),
            };
            non_empty(truncate(&both, TEXT_MAX).into_owned())
        });
        let created_at = timestamp(&self.created_at.0);
        Ok(Finding {
            id,
            product_arn,
            product_name: line(&self.product_name.0, LINE_MAX),
            generator_id: line(&self.generator_id.0, LINE_MAX),
            title: line(&self.title.0, LINE_MAX),
            description: text(&self.description.0),
            severity: severity.unwrap_or(FindingSeverity::Informational),
            workflow,
            record_state: line(&self.record_state.0, LINE_MAX),
            account: line(&self.aws_account_id.0, LINE_MAX),
            region: line(region, LINE_MAX),
            types: (self.types.0.iter().take(MAX_TYPES))
                .map(|t| line(&t.0, LINE_MAX))
                .collect(),
            resources: (wire_resources.iter().take(MAX_RESOURCES))
                .map(|r| Resource {
                    kind: line(&r.r#type.0, LINE_MAX),
                    id: line(&r.id.0, LINE_MAX),
                    region: line(&r.region.0, LINE_MAX),
                })
                .collect(),
            remediation,
            compliance: self
                .compliance
                .0
                .and_then(|c| non_empty(line(&c.status.0, LINE_MAX))),
            note: self.note.0.and_then(|n| non_empty(text(&n.text.0))),
            created_at: created_at.unwrap_or(DateTime::UNIX_EPOCH),
            updated_at: timestamp(&self.updated_at.0)
                .or(created_at)
                .unwrap_or(DateTime::UNIX_EPOCH),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const PAGE1: &[u8] = include_bytes!("../../tests/fixtures/securityhub/get_findings_page1.json");
    const PAGE2: &[u8] = include_bytes!("../../tests/fixtures/securityhub/get_findings_page2.json");
    const BATCH_PARTIAL: &[u8] = include_bytes!("../../tests/fixtures/securityhub/batch_update_partial.json");
    const ERROR_INVALID_INPUT: &[u8] =
        include_bytes!("../../tests/fixtures/securityhub/error_invalid_input.json");

    fn json(bytes: &[u8]) -> Value {
        serde_json::from_slice(bytes).expect("our own request bodies are JSON")
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .expect("test timestamp")
            .with_timezone(&Utc)
    }

    fn malformed_message(body: &[u8]) -> String {
        match parse_findings(body) {
            Err(SourceError::Malformed(m)) => m,
            other => panic!("expected Malformed, got {other:?}"),
        }
    }

    /// A minimal finding with one field replaced by raw JSON.
    fn finding_with(id: &str, extra: &str) -> String {
        format!(r#"{{"Id":"{id}","ProductArn":"arn:aws:securityhub:::product/x/y"{extra}}}"#)
    }

    #[test]
    fn severity_labels_round_trip_in_any_case() {
        for sev in FindingSeverity::ALL {
            assert_eq!(FindingSeverity::parse(sev.label()), Some(sev));
            assert_eq!(FindingSeverity::parse(&sev.label().to_lowercase()), Some(sev));
        }
        assert_eq!(FindingSeverity::parse(" High "), Some(FindingSeverity::High));
        assert_eq!(FindingSeverity::parse("SEVERE"), None);
        assert_eq!(FindingSeverity::parse(""), None);
        assert!(FindingSeverity::Critical > FindingSeverity::High);
    }

    #[test]
    fn normalized_scores_band_like_asff() {
        let band = FindingSeverity::from_normalized;
        assert_eq!(band(0.0), FindingSeverity::Informational);
        assert_eq!(band(1.0), FindingSeverity::Low);
        assert_eq!(band(39.0), FindingSeverity::Low);
        assert_eq!(band(40.0), FindingSeverity::Medium);
        assert_eq!(band(69.9), FindingSeverity::Medium);
        assert_eq!(band(70.0), FindingSeverity::High);
        assert_eq!(band(89.0), FindingSeverity::High);
        assert_eq!(band(90.0), FindingSeverity::Critical);
        assert_eq!(band(100.0), FindingSeverity::Critical);
    }

    #[test]
    fn workflow_statuses_parse_and_keep_unknowns_cleaned() {
        assert_eq!(Workflow::parse("notified"), Workflow::Notified);
        assert_eq!(Workflow::parse("RESOLVED"), Workflow::Resolved);
        assert_eq!(Workflow::parse("Suppressed"), Workflow::Suppressed);
        assert_eq!(Workflow::parse("NEW").as_str(), "NEW");
        let other = Workflow::parse("IN_PROGRESS\u{1b}[31m");
        assert_eq!(other, Workflow::Other("IN_PROGRESS".into()));
        assert_eq!(other.as_str(), "IN_PROGRESS");
    }

    #[test]
    fn findings_request_has_every_filter() {
        let q = FindingsQuery {
            severity_labels: vec!["critical".into(), "HIGH".into()],
            record_states: vec!["ACTIVE".into()],
            workflow_statuses: vec!["NEW".into(), "notified".into()],
            updated_within_days: Some(1),
            page_size: 50,
            max_pages: 3,
        };
        let expected = serde_json::json!({
            "Filters": {
                "SeverityLabel": [{"Value": "CRITICAL", "Comparison": "EQUALS"},
                                  {"Value": "HIGH", "Comparison": "EQUALS"}],
                "RecordState": [{"Value": "ACTIVE", "Comparison": "EQUALS"}],
                "WorkflowStatus": [{"Value": "NEW", "Comparison": "EQUALS"},
                                   {"Value": "NOTIFIED", "Comparison": "EQUALS"}],
                "UpdatedAt": [{"DateRange": {"Value": 1, "Unit": "DAYS"}}]
            },
            "SortCriteria": [{"Field": "UpdatedAt", "SortOrder": "desc"}],
            "MaxResults": 50,
            "NextToken": "tok-2"
        });
        assert_eq!(json(&findings_request(&q, Some("tok-2"))), expected);
    }

    #[test]
    fn findings_request_omits_empty_filters_and_clamps_page_size() {
        let q = FindingsQuery {
            record_states: vec![],
            updated_within_days: None,
            page_size: 0,
            ..FindingsQuery::default()
        };
        let expected = serde_json::json!({
            "SortCriteria": [{"Field": "UpdatedAt", "SortOrder": "desc"}],
            "MaxResults": 1
        });
        assert_eq!(json(&findings_request(&q, None)), expected);
        assert_eq!(json(&findings_request(&q, Some(""))), expected);

        let big = FindingsQuery {
            page_size: 1000,
            ..FindingsQuery::default()
        };
        let body = json(&findings_request(&big, None));
        assert_eq!(body["MaxResults"], 100);
        assert_eq!(
            body["Filters"],
            serde_json::json!({
                "RecordState": [{"Value": "ACTIVE", "Comparison": "EQUALS"}],
                "UpdatedAt": [{"DateRange": {"Value": 7, "Unit": "DAYS"}}]
            })
        );
        assert!(body.get("NextToken").is_none());
    }

    #[test]
    fn page1_guardduty_finding_is_read_and_cleaned() {
        let page = parse_findings(PAGE1).expect("page 1 parses");
        assert_eq!(page.findings.len(), 3);
        assert_eq!(
            page.next_token.as_deref(),
            Some("eyJzb3J0IjoiVXBkYXRlZEF0IiwicGFnZSI6Mn0=")
        );
        let f = &page.findings[0];
        assert_eq!(
            f.id,
            "arn:aws:guardduty:eu-west-1:123456789012:detector/12abc34d567e8fa901bc2d34e56789f0/finding/c2c6f0e5a4b1d3e7f8a9b0c1d2e3f4a5"
        );
        assert_eq!(
            f.product_arn,
            "arn:aws:securityhub:eu-west-1::product/aws/guardduty"
        );
        assert_eq!(f.product_name, "GuardDuty");
        assert_eq!(
            f.generator_id,
            "arn:aws:guardduty:eu-west-1:123456789012:detector/12abc34d567e8fa901bc2d34e56789f0"
        );
        // The escape sequences (clear screen, retitle window) are gone, not just defanged.
        assert_eq!(f.title, "EC2 instance i-0a1b2c3d4e5f60718 querying a C&C domain");
        assert!(!f.title.contains('\u{1b}') && !f.title.contains("pwned"));
        // The bidi override is dropped; the newline of a multi-line description stays.
        assert_eq!(
            f.description,
            "EC2 instance i-0a1b2c3d4e5f60718 is querying a domain name associated with a known \
             command and control server.\nSee txt.exe for the resolver log."
        );
        assert_eq!(f.severity, FindingSeverity::Critical);
        assert_eq!(f.workflow, Workflow::New);
        assert_eq!(f.record_state, "ACTIVE");
        assert_eq!(f.account, "123456789012");
        assert_eq!(f.region, "eu-west-1");
        assert_eq!(
            f.types,
            [
                "TTPs/Command and Control/Backdoor:EC2-C&CActivity.B!DNS",
                "Effects/Resource Consumption"
            ]
        );
        assert_eq!(
            f.resources,
            [Resource {
                kind: "AwsEc2Instance".into(),
                id: "arn:aws:ec2:eu-west-1:123456789012:instance/i-0a1b2c3d4e5f60718".into(),
                region: "eu-west-1".into(),
            }]
        );
        assert_eq!(f.remediation, None);
        assert_eq!(f.compliance, None);
        assert_eq!(f.note, None);
        assert_eq!(f.created_at, at("2026-11-27T21:10:03.552Z"));
        assert_eq!(f.updated_at, at("2026-11-28T09:20:17.118Z"));
    }

    #[test]
    fn page1_control_finding_has_remediation_compliance_and_note() {
        let page = parse_findings(PAGE1).expect("page 1 parses");
        let f = &page.findings[1];
        assert_eq!(
            f.id,
            "arn:aws:securityhub:eu-west-1:123456789012:security-control/EC2.19/finding/5b6e2f10-7c3d-4a9e-8f21-0d4c6b8a9e13"
        );
        assert_eq!(f.product_name, "Security Hub");
        assert_eq!(f.generator_id, "security-control/EC2.19");
        assert_eq!(
            f.title,
            "Security groups should not allow unrestricted access to ports with high risk"
        );
        assert_eq!(f.severity, FindingSeverity::High);
        // `Workflow.Status` wins over the deprecated `WorkflowState`.
        assert_eq!(f.workflow, Workflow::Notified);
        assert_eq!(
            f.remediation.as_deref(),
            Some(
                "For information on how to correct this issue, consult the AWS Security Hub \
                 controls documentation. (https://docs.aws.amazon.com/console/securityhub/EC2.19/remediation)"
            )
        );
        assert_eq!(f.compliance.as_deref(), Some("FAILED"));
        // The tab becomes a space.
        assert_eq!(f.note.as_deref(), Some("Paged network on-call. Ticket NET-4411."));
        assert_eq!(
            f.types,
            ["Software and Configuration Checks/Industry and Regulatory Standards"]
        );
        assert_eq!(f.resources.len(), 2);
        assert_eq!(f.resources[1].kind, "AwsAccount");
        assert_eq!(f.resources[1].id, "AWS::::Account:123456789012");
        assert_eq!(f.created_at, at("2026-11-02T10:00:12Z"));
        // An offset is honoured.
        assert_eq!(f.updated_at, at("2026-11-28T07:00:40Z"));
    }

    #[test]
    fn page1_sparse_finding_gets_defaults() {
        let page = parse_findings(PAGE1).expect("page 1 parses");
        let f = &page.findings[2];
        assert_eq!(f.id, "inspector-legacy-0042");
        assert_eq!(
            f.product_arn,
            "arn:aws:securityhub:eu-west-1:123456789012:product/123456789012/default"
        );
        for empty in [
            &f.product_name,
            &f.generator_id,
            &f.title,
            &f.description,
            &f.record_state,
            &f.account,
        ] {
            assert_eq!(empty, "");
        }
        // No label: from `Normalized` 45.
        assert_eq!(f.severity, FindingSeverity::Medium);
        // No `Workflow`: from the deprecated `WorkflowState`.
        assert_eq!(f.workflow, Workflow::Resolved);
        // No top-level region: the first resource's.
        assert_eq!(f.region, "us-east-2");
        assert!(f.types.is_empty());
        assert_eq!(f.resources[0].id, "legacy-host-7");
        assert_eq!((&f.remediation, &f.compliance, &f.note), (&None, &None, &None));
        // An unreadable `UpdatedAt` falls back to `CreatedAt`.
        assert_eq!(f.created_at, at("2026-10-30T23:59:59Z"));
        assert_eq!(f.updated_at, f.created_at);
    }

    #[test]
    fn page2_is_the_last_page() {
        let page = parse_findings(PAGE2).expect("page 2 parses");
        assert_eq!(page.next_token, None);
        assert_eq!(page.findings.len(), 1);
        let f = &page.findings[0];
        assert_eq!(f.severity, FindingSeverity::Low, "labels are read in any case");
        assert_eq!(f.workflow, Workflow::Suppressed);
        assert_eq!(f.record_state, "ARCHIVED");
        assert_eq!(f.compliance.as_deref(), Some("PASSED"));
        assert_eq!(f.region, "us-east-1", "from the resource");
        assert_eq!(
            f.title,
            "1.4 Ensure access keys are rotated every 90 days or less"
        );
        assert_eq!(f.updated_at, at("2026-11-26T06:00:00Z"));
    }

    #[test]
    fn missing_dates_and_severity_fall_back() {
        let body = format!(r#"{{"Findings":[{}],"NextToken":null}}"#, finding_with("a", ""));
        let page = parse_findings(body.as_bytes()).expect("minimal finding parses");
        let f = &page.findings[0];
        assert_eq!(f.created_at, DateTime::UNIX_EPOCH);
        assert_eq!(f.updated_at, DateTime::UNIX_EPOCH);
        assert_eq!(f.severity, FindingSeverity::Informational);
        assert_eq!(f.workflow, Workflow::New);
        assert_eq!(page.next_token, None);

        let odd = finding_with(
            "b",
            r#","Severity":{"Label":"SEVERE","Normalized":95},"CreatedAt":"2026-01-04T15:25:10-0130","AwsAccountId":123456789012,"Region":null"#,
        );
        let page = parse_findings(format!(r#"{{"Findings":[{odd}]}}"#).as_bytes()).expect("parses");
        let f = &page.findings[0];
        assert_eq!(
            f.severity,
            FindingSeverity::Critical,
            "unknown label: from Normalized"
        );
        assert_eq!(
            f.created_at,
            Utc.with_ymd_and_hms(2026, 1, 4, 16, 55, 10).unwrap()
        );
        assert_eq!(
            f.account, "123456789012",
            "a number where a string belongs is kept"
        );
        assert_eq!(f.region, "");
    }

    #[test]
    fn long_fields_and_lists_are_capped() {
        let long = "x".repeat(5000);
        let types = (0..15)
            .map(|i| format!(r#""t{i}""#))
            .collect::<Vec<_>>()
            .join(",");
        let resources = (0..30)
            .map(|i| format!(r#"{{"Type":"Other","Id":"r{i}","Details":{{"Other":{{"k":"v"}}}}}}"#))
            .collect::<Vec<_>>()
            .join(",");
        let extra = format!(
            r#","Title":"{long}","Description":"{long}","Types":[{types}],"Resources":[{resources}],"Remediation":{{"Recommendation":{{"Text":"{long}","Url":"https://x"}}}},"Note":{{"Text":"{long}"}}"#
        );
        let body = format!(r#"{{"Findings":[{}]}}"#, finding_with("c", &extra));
        let page = parse_findings(body.as_bytes()).expect("parses");
        let f = &page.findings[0];
        assert_eq!(f.title.chars().count(), LINE_MAX);
        assert!(f.title.ends_with('…'));
        assert_eq!(f.description.chars().count(), TEXT_MAX);
        assert_eq!(f.remediation.as_ref().map(|r| r.chars().count()), Some(TEXT_MAX));
        assert_eq!(f.note.as_ref().map(|n| n.chars().count()), Some(TEXT_MAX));
        assert_eq!(f.types.len(), MAX_TYPES);
        assert_eq!(f.types[9], "t9");
        assert_eq!(f.resources.len(), MAX_RESOURCES);
        assert_eq!(f.resources[19].id, "r19");
    }

    #[test]
    fn fields_of_the_wrong_type_read_as_missing() {
        let drifted = finding_with(
            "drift",
            r#","Title":{"nested":[1,2]},"Description":["a"],"Severity":"HIGH","Workflow":"NEW","WorkflowState":"NOTIFIED","Types":"one","Resources":[7,{"Type":"Other","Id":"r1","Region":["x"]}],"Remediation":{"Recommendation":true},"Note":{"Text":{"x":1}},"Compliance":null,"CreatedAt":1700000000,"ProductName":true"#,
        );
        let page = parse_findings(format!(r#"{{"Findings":[{drifted}]}}"#).as_bytes())
            .expect("type drift does not fail the page");
        let f = &page.findings[0];
        assert_eq!(f.id, "drift");
        assert_eq!((f.title.as_str(), f.description.as_str()), ("", ""));
        assert_eq!(f.severity, FindingSeverity::Informational);
        assert_eq!(f.workflow, Workflow::Notified, "from WorkflowState");
        assert!(f.types.is_empty());
        assert_eq!(
            f.resources,
            [Resource {
                kind: "Other".into(),
                id: "r1".into(),
                region: String::new()
            }]
        );
        assert_eq!((&f.remediation, &f.compliance, &f.note), (&None, &None, &None));
        assert_eq!(f.created_at, DateTime::UNIX_EPOCH, "a number is not a timestamp");
        assert_eq!(f.product_name, "true");
        let numeric = finding_with("n", r#","Severity":{"Normalized":"72"}"#);
        let page = parse_findings(format!(r#"{{"Findings":[{numeric}]}}"#).as_bytes()).expect("parses");
        assert_eq!(page.findings[0].severity, FindingSeverity::High);
    }

    #[test]
    fn findings_without_keys_are_skipped_not_the_page() {
        let good = finding_with("good", r#","Title":"fine""#);
        let no_id = r#"{"ProductArn":"arn:aws:securityhub:::product/x/y","Title":"no id"}"#;
        let no_arn = r#"{"Id":"x","ProductArn":null}"#;
        let empty_id = finding_with(" \\u001b[2J ", "");
        let body =
            format!(r#"{{"Findings":[{no_id},{good},{no_arn},{empty_id},42,"x",null,[]],"NextToken":"n"}}"#);
        let page = parse_findings(body.as_bytes()).expect("the good finding survives");
        assert_eq!(page.findings.len(), 1);
        assert_eq!(page.findings[0].id, "good");
        assert_eq!(page.findings[0].title, "fine");
        assert_eq!(page.next_token.as_deref(), Some("n"));
    }

    #[test]
    fn a_page_of_only_unusable_findings_is_malformed() {
        let m = malformed_message(br#"{"Findings":[{"Title":"no keys"},17]}"#);
        assert_eq!(
            m,
            "none of the 2 findings could be read: a finding without an `Id` or a `ProductArn`"
        );
        let m = malformed_message(br#"{"Findings":[17]}"#);
        assert!(m.ends_with("a finding is not a JSON object"), "{m}");
    }

    #[test]
    fn duplicate_keys_fail_the_page_with_a_reason() {
        let m = malformed_message(br#"{"Findings":[{"Id":"a","ProductArn":"b","Title":"x","Title":"y"}]}"#);
        assert!(m.contains("duplicate field `Title`"), "{m}");
    }

    #[test]
    fn findings_missing_or_not_a_list_is_malformed() {
        let m = malformed_message(br#"{"NextToken":"x"}"#);
        assert_eq!(m, "expected a JSON object with `Findings`");
        let m = malformed_message(br#"{"Findings":{"Id":"x"}}"#);
        assert!(
            m.starts_with("expected a JSON object with `Findings`: invalid type: map"),
            "{m}"
        );
        let m = malformed_message(br#"{"Findings":"none"}"#);
        assert!(m.contains("invalid type: string"), "{m}");
        assert_eq!(
            parse_findings(br#"{"Findings":[]}"#).map(|p| p.findings.len()),
            Ok(0)
        );
    }

    #[test]
    fn an_error_body_names_the_service_error() {
        let m = malformed_message(ERROR_INVALID_INPUT);
        assert_eq!(
            m,
            "expected a JSON object with `Findings`, got the service error InvalidInputException: \
             Invalid parameter 'MaxResults'. Value must be between 1 and 100."
        );
        let lower = br#"{"__type":"AccessDenied","message":"no \u001b[31mway"}"#;
        assert!(malformed_message(lower).ends_with("AccessDenied: no way"));
    }

    #[test]
    fn html_empty_garbage_and_truncated_bodies_are_malformed() {
        let html = b"  \r\n<!DOCTYPE html><html><body>502 Bad Gateway</body></html>";
        assert_eq!(malformed_message(html), "not JSON: the service sent an HTML page");
        assert_eq!(malformed_message(b""), "empty response");
        assert_eq!(malformed_message(b" \n\t "), "empty response");
        let m = malformed_message(b"garbage\x1b]0;pwned\x07 everywhere");
        assert!(m.starts_with("expected a JSON object, got `garbage"), "{m}");
        assert!(!m.contains('\u{1b}') && !m.contains("pwned"), "{m}");
        let long = "x".repeat(10_000);
        assert!(malformed_message(long.as_bytes()).chars().count() < 120);
        // Cut off anywhere, the fixture never parses and never panics.
        for cut in [1, 10, 100, PAGE1.len() / 2, PAGE1.len() - 3] {
            assert!(
                matches!(parse_findings(&PAGE1[..cut]), Err(SourceError::Malformed(_))),
                "cut {cut}"
            );
        }
        let m = malformed_message(br#"{"Findings":[{"Id":"a","ProductArn":"b""#);
        assert!(m.contains("EOF"), "{m}");
    }

    #[test]
    fn nesting_bombs_are_errors_not_stack_overflows() {
        let bomb = "[".repeat(100_000);
        for body in [
            bomb.clone(),
            format!(r#"{{"Findings":{bomb}"#),
            format!(r#"{{"Findings":[{{"Id":"a","ProductArn":"b","ProductFields":{bomb}"#),
            format!(r#"{{"Findings":[{{"Id":"a","ProductArn":"b","Title":{bomb}"#),
        ] {
            assert!(matches!(
                parse_findings(body.as_bytes()),
                Err(SourceError::Malformed(_))
            ));
        }
        // Closed, inside a field warroom skips, it is valid JSON: read through without recursion.
        let closed = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let body = format!(
            r#"{{"Findings":[{}],"NextToken":{closed}}}"#,
            finding_with("a", &format!(r#","ProductFields":{closed}"#))
        );
        let page = parse_findings(body.as_bytes()).expect("valid JSON");
        assert_eq!((page.findings.len(), page.next_token), (1, None));
        // Past the fixed depth of the wire shapes, serde_json skips iteratively, so depth can
        // only end in an ordinary error (here: the body ends).
        let mut deep = String::from(r#"{"Findings":[{"Id":"a","ProductArn":"b","Severity":"#);
        for _ in 0..100_000 {
            deep.push_str(r#"{"Label":"#);
        }
        let m = malformed_message(deep.as_bytes());
        assert!(m.contains("EOF"), "{m}");
        let batch = format!(r#"{{"ProcessedFindings":{bomb}"#);
        assert!(matches!(
            parse_batch_update(batch.as_bytes()),
            Err(SourceError::Malformed(_))
        ));
    }

    #[test]
    fn invalid_utf8_is_malformed() {
        let mut body = br#"{"Findings":[{"Id":"a","ProductArn":"b","Title":"bad "#.to_vec();
        body.extend_from_slice(&[0xff, 0xfe, 0xc3]);
        body.extend_from_slice(br#""}]}"#);
        assert!(malformed_message(&body).starts_with("not UTF-8"));
        assert!(matches!(
            parse_batch_update(&body),
            Err(SourceError::Malformed(_))
        ));
        // A lone surrogate escape is refused too.
        let surrogate = br#"{"Findings":[{"Id":"a","ProductArn":"b","Title":"\ud800"}]}"#;
        assert!(matches!(
            parse_findings(surrogate),
            Err(SourceError::Malformed(_))
        ));
    }

    #[test]
    fn batch_update_request_shape() {
        let ids = [
            (
                "finding-1",
                "arn:aws:securityhub:us-east-1::product/aws/guardduty",
            ),
            ("finding-2", "arn:aws:securityhub:us-east-1:1:product/1/default"),
        ];
        let body = batch_update_request(
            &ids,
            Some(&Workflow::Notified),
            Some(("acked by incident console", "incident-console/alice")),
        )
        .expect("valid update");
        let expected = serde_json::json!({
            "FindingIdentifiers": [
                {"Id": "finding-1", "ProductArn": "arn:aws:securityhub:us-east-1::product/aws/guardduty"},
                {"Id": "finding-2", "ProductArn": "arn:aws:securityhub:us-east-1:1:product/1/default"}
            ],
            "Workflow": {"Status": "NOTIFIED"},
            "Note": {"Text": "acked by incident console", "UpdatedBy": "incident-console/alice"}
        });
        assert_eq!(json(&body), expected);

        let only_workflow = batch_update_request(&ids[..1], Some(&Workflow::Resolved), None).expect("valid");
        assert_eq!(
            json(&only_workflow),
            serde_json::json!({
                "FindingIdentifiers": [{"Id": "finding-1", "ProductArn": "arn:aws:securityhub:us-east-1::product/aws/guardduty"}],
                "Workflow": {"Status": "RESOLVED"}
            })
        );
        let only_note = json(&batch_update_request(&ids[..1], None, Some(("n", "me"))).expect("valid"));
        assert_eq!(
            only_note["Note"],
            serde_json::json!({"Text": "n", "UpdatedBy": "me"})
        );
        assert!(only_note.get("Workflow").is_none());
    }

    #[test]
    fn batch_update_request_refuses_what_the_service_would() {
        let rejected = |r: Result<Vec<u8>, SourceError>| match r {
            Err(SourceError::Rejected(m)) => m,
            other => panic!("expected Rejected, got {other:?}"),
        };
        let one = [("id", "arn")];
        let new = Some(&Workflow::New);
        assert!(rejected(batch_update_request(&[], new, None)).contains("not 0"));
        let many: Vec<(&str, &str)> = vec![("id", "arn"); 101];
        assert!(rejected(batch_update_request(&many, new, None)).contains("not 101"));
        assert!(batch_update_request(&many[..100], new, None).is_ok());
        rejected(batch_update_request(&[("", "arn")], new, None));
        rejected(batch_update_request(&[("id", "")], new, None));
        assert!(rejected(batch_update_request(&one, None, None)).contains("nothing to update"));
        let other = Workflow::Other("IN_PROGRESS".into());
        assert!(rejected(batch_update_request(&one, Some(&other), None)).contains("IN_PROGRESS"));
        rejected(batch_update_request(&one, None, Some(("", "me"))));
        rejected(batch_update_request(&one, None, Some(("  \n", "me"))));
        rejected(batch_update_request(&one, None, Some(("text", ""))));
        let at_limit = "é".repeat(NOTE_MAX);
        assert!(batch_update_request(&one, None, Some((&at_limit, "me"))).is_ok());
        let over = "é".repeat(NOTE_MAX + 1);
        assert!(rejected(batch_update_request(&one, None, Some((&over, "me")))).contains("513"));
    }

    #[test]
    fn partial_batch_update_is_read_and_reported() {
        let outcome = parse_batch_update(BATCH_PARTIAL).expect("parses");
        assert_eq!(
            outcome.processed,
            [(
                "arn:aws:securityhub:eu-west-1:123456789012:security-control/EC2.19/finding/5b6e2f10-7c3d-4a9e-8f21-0d4c6b8a9e13".to_string(),
                "arn:aws:securityhub:eu-west-1::product/aws/securityhub".to_string()
            )]
        );
        assert_eq!(
            outcome.unprocessed,
            [(
                "inspector-legacy-0042".to_string(),
                "arn:aws:securityhub:eu-west-1:123456789012:product/123456789012/default".to_string(),
                "FindingNotFound".to_string(),
                "Finding Not Found".to_string()
            )]
        );
        assert_eq!(
            outcome.into_result(),
            Err(SourceError::Rejected(
                "1 of 2 findings not updated: FindingNotFound: Finding Not Found".into()
            ))
        );
    }

    #[test]
    fn batch_outcomes_become_results() {
        let full = parse_batch_update(br#"{"ProcessedFindings":[{"Id":"a","ProductArn":"p"},{"Id":"b","ProductArn":"p"}],"UnprocessedFindings":[]}"#)
            .expect("parses");
        assert_eq!(full.into_result(), Ok(2));
        let unprocessed: Vec<String> = (0..7)
            .map(|i| format!(r#"{{"FindingIdentifier":{{"Id":"f{i}","ProductArn":"p"}},"ErrorCode":"ConcurrentUpdateError","ErrorMessage":"try \u001b[2Jagain"}}"#))
            .collect();
        let body = format!(
            r#"{{"ProcessedFindings":[],"UnprocessedFindings":[{}]}}"#,
            unprocessed.join(",")
        );
        let outcome = parse_batch_update(body.as_bytes()).expect("parses");
        assert_eq!(outcome.unprocessed[6].0, "f6");
        assert_eq!(outcome.unprocessed[0].3, "try again");
        let Err(SourceError::Rejected(m)) = outcome.into_result() else {
            panic!("expected Rejected");
        };
        assert!(
            m.starts_with("7 of 7 findings not updated: ConcurrentUpdateError: try again; "),
            "{m}"
        );
        assert!(m.ends_with("; and 2 more"), "{m}");
    }

    #[test]
    fn batch_update_bad_bodies_are_malformed() {
        let m = match parse_batch_update(ERROR_INVALID_INPUT) {
            Err(SourceError::Malformed(m)) => m,
            other => panic!("expected Malformed, got {other:?}"),
        };
        assert!(m.contains("InvalidInputException"), "{m}");
        for body in [
            &b"<html>"[..],
            b"",
            b"{}",
            b"[]",
            b"{\"ProcessedFindings\":3}",
            b"{\"ProcessedFindings\":[",
        ] {
            assert!(
                matches!(parse_batch_update(body), Err(SourceError::Malformed(_))),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }
}
