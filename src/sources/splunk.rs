//! Splunk: the streaming export endpoint's newline-delimited JSON, parsed incrementally with
//! bounded memory. Wire format: docs/source-apis.md §A2. Pure: no I/O here.

use super::SourceError;
use crate::text::{clean_line, truncate};
use serde::Deserialize;
use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

/// A field's value: Splunk sends strings, and arrays of strings for multi-value fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldValue {
    One(String),
    Many(Vec<String>),
}

/// One result row: fields in the order the server sent them, names and values cleaned.
pub type Row = Vec<(String, FieldValue)>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplunkMessage {
    /// INFO, WARN, ERROR, FATAL, DEBUG…
    pub level: String,
    pub text: String,
}

/// The final (non-preview) result set of one search run.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SearchResult {
    /// At most the parser's row cap.
    pub rows: Vec<Row>,
    /// Every final row the stream carried, kept or not.
    pub total_rows: u64,
    /// More rows arrived than the cap kept.
    pub truncated: bool,
    pub messages: Vec<SplunkMessage>,
}

/// One configured search and what its last run gave.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchOutcome {
    pub name: String,
    pub result: Result<SearchResult, SourceError>,
    /// The number compared with the threshold and drawn in the metrics: the `count_field`
    /// of the first row when configured and numeric, else `total_rows`.
    pub count: Option<u64>,
}

/// A `[[source.search]]` entry.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchConfig {
    pub name: String,
    /// SPL; `search ` is prefixed unless it starts with `search` or `|`.
    pub query: Option<String>,
    /// Run a saved search by name instead (`| savedsearch NAME`).
    pub saved_search: Option<String>,
    #[serde(default = "default_earliest")]
    pub earliest: String,
    #[serde(default = "default_latest")]
    pub latest: String,
    /// Read the count from this field of the first row (e.g. `count` for `| stats count`).
    pub count_field: Option<String>,
    /// A signal when the count is above this.
    pub threshold: Option<u64>,
    /// Rows kept in memory per run.
    #[serde(default = "default_max_rows")]
    pub max_rows: usize,
}

fn default_earliest() -> String {
    "-15m".into()
}
fn default_latest() -> String {
    "now".into()
}
fn default_max_rows() -> usize {
    1000
}

/// A line longer than this is an error; the partial-line buffer never grows past it.
const MAX_LINE: usize = 1 << 20;
const MAX_NAME: usize = 100;
const MAX_VALUE: usize = 1_000;
const MAX_FIELDS: usize = 200;
/// Values kept per multi-value field: bounds what one row can cost in memory.
const MAX_VALUES: usize = 100;
const MAX_MESSAGES: usize = 50;
const MAX_LEVEL: usize = 20;
const HTML: &str = "not JSON: the service sent an HTML page";

/// Incremental parser of the export endpoint's NDJSON stream (`output_mode=json`).
///
/// Feed the body in chunks of any size with [`push`](Self::push), then call
/// [`finish`](Self::finish). Only the final (`preview:false`) rows are kept, at most `max_rows`
/// of them; later rows are counted but never materialised. After an error the parser keeps
/// returning it.
#[derive(Debug)]
pub struct ExportParser {
    max_rows: usize,
    /// The bytes of a line whose newline has not arrived yet (≤ [`MAX_LINE`]).
    partial: Vec<u8>,
    line_no: u64,
    out: SearchResult,
    /// Final rows arrived since the last `lastrow`.
    open_set: bool,
    /// The first ERROR or FATAL message, even past the message cap.
    first_error: Option<String>,
    failed: Option<SourceError>,
}

impl ExportParser {
    pub fn new(max_rows: usize) -> ExportParser {
        ExportParser {
            max_rows,
            partial: Vec::new(),
            line_no: 0,
            out: SearchResult::default(),
            open_set: false,
            first_error: None,
            failed: None,
        }
    }

    /// Parses every line the chunk completes; chunks may split lines and characters anywhere.
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), SourceError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let outcome = self.push_lines(chunk);
        if let Err(e) = &outcome {
            self.failed = Some(e.clone());
        }
        outcome
    }

    /// The final result set, once the whole body has been pushed.
    pub fn finish(mut self) -> Result<SearchResult, SourceError> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        let rest = std::mem::take(&mut self.partial);
        if !is_blank(&rest) {
            if first_non_blank(&rest) == Some(b'<') {
                return Err(SourceError::Malformed(HTML.into()));
            }
            self.line(&rest)
                .map_err(|_| SourceError::Malformed("the stream ended mid-line (truncated)".into()))?;
        }
        if self.out.total_rows == 0
            && let Some(text) = self.first_error
        {
            return Err(SourceError::Rejected(text));
        }
        if self.open_set {
            return Err(SourceError::Malformed(
                "the stream ended before the last row (truncated)".into(),
            ));
        }
        self.out.truncated = self.out.total_rows > self.out.rows.len() as u64;
        Ok(self.out)
    }

    fn push_lines(&mut self, mut chunk: &[u8]) -> Result<(), SourceError> {
        if !self.partial.is_empty() {
            let Some(end) = find_newline(chunk) else {
                return self.buffer(chunk);
            };
            self.buffer(&chunk[..end])?;
            // Taken out and put back so the buffer keeps its capacity.
            let mut line = std::mem::take(&mut self.partial);
            let parsed = self.line(&line);
            line.clear();
            self.partial = line;
            parsed?;
            chunk = &chunk[end + 1..];
        }
        // Whole lines are parsed straight from the chunk, without a copy.
        while let Some(end) = find_newline(chunk) {
            self.line(&chunk[..end])?;
            chunk = &chunk[end + 1..];
        }
        self.buffer(chunk)
    }

    fn buffer(&mut self, bytes: &[u8]) -> Result<(), SourceError> {
        if self.partial.len() + bytes.len() > MAX_LINE {
            let first = first_non_blank(&self.partial).or_else(|| first_non_blank(bytes));
            return Err(SourceError::Malformed(
                if first == Some(b'<') {
                    HTML
                } else {
                    "a line longer than 1 MiB"
                }
                .into(),
            ));
        }
        self.partial.extend_from_slice(bytes);
        Ok(())
    }

    /// One line, without its `\n`.
    fn line(&mut self, bytes: &[u8]) -> Result<(), SourceError> {
        self.line_no += 1;
        let n = self.line_no;
        let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
        if bytes.len() > MAX_LINE {
            return Err(SourceError::Malformed("a line longer than 1 MiB".into()));
        }
        match first_non_blank(bytes) {
            None => return Ok(()),
            Some(b'<') => return Err(SourceError::Malformed(HTML.into())),
            Some(_) => {}
        }
        let text = std::str::from_utf8(bytes)
            .map_err(|_| SourceError::Malformed(format!("line {n} is not valid UTF-8")))?;
        let kept = self.out.rows.len();
        let mut de = serde_json::Deserializer::from_str(text);
        let seed = LineSeed {
            rows: &mut self.out.rows,
            max_rows: self.max_rows,
            messages: &mut self.out.messages,
            first_error: &mut self.first_error,
        };
        let line = seed.deserialize(&mut de).and_then(|line| de.end().map(|()| line));
        let line = line.map_err(|e| {
            self.out.rows.truncate(kept);
            json_error(n, &e)
        })?;
        if !line.preview {
            self.out.total_rows += line.rows;
            if line.rows > 0 {
                self.open_set = true;
            }
            if line.lastrow {
                self.open_set = false;
            }
        }
        Ok(())
    }
}

/// A serde error as a short message naming the line (serde's own position is always line 1).
fn json_error(n: u64, e: &serde_json::Error) -> SourceError {
    let full = e.to_string();
    let what = full
        .rsplit_once(" at line ")
        .map_or(full.as_str(), |(what, _)| what);
    let kind = match e.classify() {
        serde_json::error::Category::Data => "is not a Splunk result line",
        _ => "is not JSON",
    };
    let what = clean_line(what);
    SourceError::Malformed(format!(
        "line {n} {kind} (column {}): {}",
        e.column(),
        truncate(&what, 200)
    ))
}

/// The first `\n`, a machine word at a time (the stream is mostly long lines).
fn find_newline(bytes: &[u8]) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    const NL: u64 = LO * b'\n' as u64;
    let mut words = bytes.chunks_exact(8);
    let mut at = 0;
    for word in words.by_ref() {
        let mut w = [0u8; 8];
        w.copy_from_slice(word);
        let x = u64::from_le_bytes(w) ^ NL;
        let found = x.wrapping_sub(LO) & !x & HI;
        if found != 0 {
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    words.remainder().iter().position(|&b| b == b'\n').map(|i| at + i)
}

fn first_non_blank(bytes: &[u8]) -> Option<u8> {
    bytes.iter().copied().find(|b| !b.is_ascii_whitespace())
}

fn is_blank(bytes: &[u8]) -> bool {
    first_non_blank(bytes).is_none()
}

/// Untrusted text, cleaned for the terminal and capped.
fn cleaned(s: &str, max: usize) -> String {
    truncate(&clean_line(s), max).into_owned()
}

/// What one line added, once its fields have all been seen.
struct LineSummary {
    preview: bool,
    lastrow: bool,
    /// Rows the line carried, kept or not.
    rows: u64,
}

/// Parses one line straight into the parser's rows and messages: rows are built only while
/// there is room and the line is not (yet) known to be a preview.
struct LineSeed<'p> {
    rows: &'p mut Vec<Row>,
    max_rows: usize,
    messages: &'p mut Vec<SplunkMessage>,
    first_error: &'p mut Option<String>,
}

#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "lowercase")]
enum LineKey {
    Preview,
    Lastrow,
    Result,
    Results,
    Messages,
    #[serde(other)]
    Other,
}

impl<'de> DeserializeSeed<'de> for LineSeed<'_> {
    type Value = LineSummary;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<LineSummary, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for LineSeed<'_> {
    type Value = LineSummary;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<LineSummary, A::Error> {
        let start = self.rows.len();
        let (mut preview, mut lastrow, mut count) = (None, false, 0u64);
        while let Some(key) = map.next_key::<LineKey>()? {
            // A `preview` that comes after the rows is honoured by dropping them below.
            let room = if preview == Some(true) {
                0
            } else {
                self.max_rows.saturating_sub(self.rows.len())
            };
            match key {
                LineKey::Preview => preview = map.next_value::<Option<bool>>()?,
                LineKey::Lastrow => lastrow = map.next_value::<Option<bool>>()?.unwrap_or(false),
                LineKey::Result => {
                    if room > 0 {
                        self.rows.push(map.next_value_seed(RowSeed)?);
                    } else {
                        map.next_value_seed(SkipRow)?;
                    }
                    count += 1;
                }
                LineKey::Results => {
                    count += map.next_value_seed(RowsSeed {
                        rows: &mut *self.rows,
                        room,
                    })?;
                }
                LineKey::Messages => {
                    let seed = MessagesSeed {
                        messages: &mut *self.messages,
                        first_error: &mut *self.first_error,
                    };
                    map.next_value_seed(seed)?;
                }
                LineKey::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let preview = preview.unwrap_or(false);
        if preview {
            self.rows.truncate(start);
        }
        Ok(LineSummary {
            preview,
            lastrow,
            rows: count,
        })
    }
}

/// One kept row: names and values cleaned and capped, at most [`MAX_FIELDS`] fields.
struct RowSeed;

impl<'de> DeserializeSeed<'de> for RowSeed {
    type Value = Row;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Row, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RowSeed {
    type Value = Row;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a result object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Row, A::Error> {
        let mut row = Row::with_capacity(map.size_hint().unwrap_or(16).min(MAX_FIELDS));
        while let Some(name) = map.next_key::<Text>()? {
            if row.len() < MAX_FIELDS {
                let Field(value) = map.next_value()?;
                row.push((cleaned(&name.0, MAX_NAME), value));
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(row)
    }
}

/// A row past the cap: checked to be an object, counted, never built.
struct SkipRow;

impl<'de> DeserializeSeed<'de> for SkipRow {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for SkipRow {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a result object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(())
    }
}

/// A `results` array: the first `room` rows are built, the rest only counted.
struct RowsSeed<'p> {
    rows: &'p mut Vec<Row>,
    room: usize,
}

impl<'de> DeserializeSeed<'de> for RowsSeed<'_> {
    type Value = u64;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<u64, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for RowsSeed<'_> {
    type Value = u64;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of result objects")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<u64, A::Error> {
        let mut count = 0u64;
        loop {
            if (count as usize) < self.room {
                match seq.next_element_seed(RowSeed)? {
                    Some(row) => self.rows.push(row),
                    None => break,
                }
            } else if seq.next_element_seed(SkipRow)?.is_none() {
                break;
            }
            count += 1;
        }
        Ok(count)
    }
}

/// A `messages` array: up to [`MAX_MESSAGES`] distinct messages kept, the first error noted.
struct MessagesSeed<'p> {
    messages: &'p mut Vec<SplunkMessage>,
    first_error: &'p mut Option<String>,
}

#[derive(Deserialize)]
struct RawMessage<'a> {
    #[serde(rename = "type", borrow, default)]
    level: Option<Text<'a>>,
    #[serde(borrow, default)]
    text: Option<Text<'a>>,
}

impl<'de> DeserializeSeed<'de> for MessagesSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for MessagesSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of messages")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(raw) = seq.next_element::<RawMessage>()? {
            let text = raw.text.map_or_else(String::new, |t| cleaned(&t.0, MAX_VALUE));
            let level = raw.level.map_or_else(String::new, |l| cleaned(&l.0, MAX_LEVEL));
            if self.first_error.is_none() && is_error(&level) {
                *self.first_error = Some(text.clone());
            }
            let message = SplunkMessage { level, text };
            // Preview sets can repeat the same diagnostics.
            if self.messages.len() < MAX_MESSAGES && !self.messages.contains(&message) {
                self.messages.push(message);
            }
        }
        Ok(())
    }
}

fn is_error(level: &str) -> bool {
    level.eq_ignore_ascii_case("ERROR") || level.eq_ignore_ascii_case("FATAL")
}

/// A string as sent (borrowed when it had no escapes); a number, bool or null from a
/// non-conforming server becomes its JSON text, and so does anything nested.
struct Text<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(TextVisitor(PhantomData))
    }
}

struct TextVisitor<'a>(PhantomData<Text<'a>>);

impl<'de: 'a, 'a> Visitor<'de> for TextVisitor<'a> {
    type Value = Text<'a>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Text<'a>, E> {
        Ok(Text(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Text<'a>, E> {
        Ok(Text(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E>(self, v: String) -> Result<Text<'a>, E> {
        Ok(Text(Cow::Owned(v)))
    }
    fn visit_bool<E>(self, v: bool) -> Result<Text<'a>, E> {
        Ok(Text(Cow::Borrowed(if v { "true" } else { "false" })))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Text<'a>, E> {
        Ok(Text(Cow::Owned(v.to_string())))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Text<'a>, E> {
        Ok(Text(Cow::Owned(v.to_string())))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Text<'a>, E> {
        Ok(Text(Cow::Owned(v.to_string())))
    }
    fn visit_unit<E>(self) -> Result<Text<'a>, E> {
        Ok(Text(Cow::Borrowed("null")))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Text<'a>, A::Error> {
        let value = serde_json::Value::deserialize(SeqAccessDeserializer::new(seq))?;
        Ok(Text(Cow::Owned(value.to_string())))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Text<'a>, A::Error> {
        let value = serde_json::Value::deserialize(MapAccessDeserializer::new(map))?;
        Ok(Text(Cow::Owned(value.to_string())))
    }
}

/// A field value, cleaned: a string, or an array of them (multi-value, at most
/// [`MAX_VALUES`] kept).
struct Field(FieldValue);

impl<'de> Deserialize<'de> for Field {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(FieldVisitor)
    }
}

struct FieldVisitor;

impl FieldVisitor {
    fn one<E: de::Error>(text: Text<'_>) -> Result<Field, E> {
        Ok(Field(FieldValue::One(cleaned(&text.0, MAX_VALUE))))
    }
}

impl<'de> Visitor<'de> for FieldVisitor {
    type Value = Field;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string or an array of strings")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Field, E> {
        Self::one(Text(Cow::Borrowed(v)))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Field, E> {
        Self::one(TextVisitor(PhantomData).visit_bool(v)?)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Field, E> {
        Self::one(TextVisitor(PhantomData).visit_i64(v)?)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Field, E> {
        Self::one(TextVisitor(PhantomData).visit_u64(v)?)
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Field, E> {
        Self::one(TextVisitor(PhantomData).visit_f64(v)?)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Field, E> {
        Self::one(TextVisitor(PhantomData).visit_unit()?)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Field, A::Error> {
        Self::one(TextVisitor(PhantomData).visit_map(map)?)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Field, A::Error> {
        let mut values = Vec::with_capacity(seq.size_hint().unwrap_or(4).min(MAX_VALUES));
        while values.len() < MAX_VALUES {
            match seq.next_element::<Text>()? {
                Some(text) => values.push(cleaned(&text.0, MAX_VALUE)),
                None => return Ok(Field(FieldValue::Many(values))),
            }
        }
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Field(FieldValue::Many(values)))
    }
}

/// The form of `POST /services/search/v2/jobs/export` for one configured search.
pub fn export_form(search: &SearchConfig) -> Result<Vec<(&'static str, String)>, SourceError> {
    let blank = |s: &&String| s.trim().is_empty();
    let spl = match (search.query.as_ref(), search.saved_search.as_ref()) {
        (Some(query), None) if !blank(&query) => {
            let query = query.trim();
            let is_search_command = query
                .strip_prefix("search")
                .is_some_and(|rest| rest.is_empty() || rest.starts_with(char::is_whitespace));
            if is_search_command || query.starts_with('|') {
                query.to_owned()
            } else {
                format!("search {query}")
            }
        }
        (None, Some(name)) if !blank(&name) => {
            let name = name.replace('\\', "\\\\").replace('"', "\\\"");
            format!("| savedsearch \"{name}\"")
        }
        _ => {
            return Err(SourceError::Rejected(format!(
                "search `{}`: set exactly one of `query` and `saved_search`",
                search.name
            )));
        }
    };
    Ok(vec![
        ("search", spl),
        ("output_mode", "json".into()),
        ("earliest_time", search.earliest.clone()),
        ("latest_time", search.latest.clone()),
    ])
}

/// The number a search's threshold is checked against: the configured `count_field` of the
/// first row when it holds a number (a float is floored), else every final row counted.
pub fn count_of(search: &SearchConfig, result: &SearchResult) -> u64 {
    count_in(search.count_field.as_deref(), result)
}

/// As [`count_of`], with the count field named directly.
pub fn count_in(count_field: Option<&str>, result: &SearchResult) -> u64 {
    let field = count_field.and_then(|name| {
        let row = result.rows.first()?;
        row.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    });
    let text = match field {
        Some(FieldValue::One(s)) => Some(s.as_str()),
        Some(FieldValue::Many(values)) => values.first().map(String::as_str),
        None => None,
    };
    text.and_then(parse_count).unwrap_or(result.total_rows)
}

fn parse_count(s: &str) -> Option<u64> {
    let s = s.trim();
    if let Ok(n) = s.parse::<u64>() {
        return Some(n);
    }
    let f = s.parse::<f64>().ok().filter(|f| f.is_finite())?;
    // `as` saturates: a negative count reads as 0.
    Some(f.floor() as u64)
}

/// The session key of a `/services/auth/login` response: XML
/// `<response><sessionKey>KEY</sessionKey></response>`, or JSON `{"sessionKey":"KEY"}`.
pub fn parse_session_key(body: &[u8]) -> Result<String, SourceError> {
    let text = String::from_utf8_lossy(body);
    let key = if text.trim_start().starts_with('{') {
        #[derive(Deserialize)]
        struct Login {
            #[serde(rename = "sessionKey")]
            session_key: Option<String>,
        }
        serde_json::from_str::<Login>(&text)
            .ok()
            .and_then(|l| l.session_key)
    } else {
        between(&text, "<sessionKey>", "</sessionKey>").map(unescape_xml)
    };
    let missing = || {
        SourceError::Malformed(format!(
            "no session key in the login response: {}",
            error_message(body)
        ))
    };
    let key = key.ok_or_else(missing)?;
    let key = key.trim();
    if key.is_empty() {
        return Err(missing());
    }
    // It goes into an Authorization header.
    if key.len() > 4096 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(SourceError::Malformed(
            "the session key holds characters a header cannot carry".into(),
        ));
    }
    Ok(key.to_owned())
}

/// What a Splunk error body says: the `messages` texts of a JSON body, the `<msg>` texts of an
/// XML one, "an HTML page", or a cleaned snippet of anything else.
pub fn error_message(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return "an empty response".into();
    }
    let texts = if text.starts_with('{') {
        json_messages(text)
    } else if text.starts_with('<') {
        let lower = text
            .get(..text.len().min(1024))
            .unwrap_or(text)
            .to_ascii_lowercase();
        if lower.contains("<html") || lower.contains("<!doctype") {
            return "an HTML page".into();
        }
        xml_messages(text)
    } else {
        Vec::new()
    };
    let joined = if texts.is_empty() {
        text.to_owned()
    } else {
        texts.join("; ")
    };
    cleaned(&joined, 200)
}

fn json_messages(text: &str) -> Vec<String> {
    #[derive(Deserialize)]
    struct Body<'a> {
        #[serde(borrow, default)]
        messages: Vec<RawMessage<'a>>,
    }
    let Ok(body) = serde_json::from_str::<Body>(text) else {
        return Vec::new();
    };
    let all: Vec<(String, String)> = body
        .messages
        .into_iter()
        .filter_map(|m| {
            Some((
                m.level.map(|l| l.0.into_owned()).unwrap_or_default(),
                m.text?.0.into_owned(),
            ))
        })
        .collect();
    preferring_errors(all)
}

fn xml_messages(text: &str) -> Vec<String> {
    let mut all = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("<msg") {
        let tag = &rest[start..];
        let (Some(open_end), Some(close)) = (tag.find('>'), tag.find("</msg>")) else {
            break;
        };
        if open_end < close {
            let attrs = &tag[..open_end];
            let level = between(attrs, "type=\"", "\"").unwrap_or_default();
            all.push((level.to_owned(), unescape_xml(&tag[open_end + 1..close])));
        }
        rest = &tag[close + "</msg>".len()..];
    }
    preferring_errors(all)
}

/// The error texts when there are any, else every text.
fn preferring_errors(all: Vec<(String, String)>) -> Vec<String> {
    let any_error = all.iter().any(|(level, _)| is_error(level));
    all.into_iter()
        .filter(|(level, _)| !any_error || is_error(level))
        .map(|(_, text)| text)
        .collect()
}

fn between<'a>(text: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = text.find(open)? + open.len();
    let len = text[start..].find(close)?;
    Some(&text[start..start + len])
}

/// The five predefined XML entities (`&amp;` last, so `&amp;lt;` stays `&lt;`).
fn unescape_xml(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVENTS: &[u8] = include_bytes!("../../tests/fixtures/splunk/export_events.ndjson");
    const TRANSFORMING: &[u8] = include_bytes!("../../tests/fixtures/splunk/export_transforming.ndjson");
    const EMPTY: &[u8] = include_bytes!("../../tests/fixtures/splunk/export_empty.ndjson");
    const MESSAGES: &[u8] = include_bytes!("../../tests/fixtures/splunk/export_messages.ndjson");
    const ERROR: &[u8] = include_bytes!("../../tests/fixtures/splunk/export_error.ndjson");
    const HOSTILE: &[u8] = include_bytes!("../../tests/fixtures/splunk/export_hostile.ndjson");
    const TRUNCATED: &[u8] = include_bytes!("../../tests/fixtures/splunk/export_truncated.ndjson");
    const LOGIN: &[u8] = include_bytes!("../../tests/fixtures/splunk/login.xml");
    const ERROR_BODY: &[u8] = include_bytes!("../../tests/fixtures/splunk/error.json");
    const ALL: &[&[u8]] = &[EVENTS, TRANSFORMING, EMPTY, MESSAGES, ERROR, HOSTILE, TRUNCATED];

    fn parse(body: &[u8]) -> Result<SearchResult, SourceError> {
        parse_capped(body, 1000)
    }

    fn parse_capped(body: &[u8], max_rows: usize) -> Result<SearchResult, SourceError> {
        let mut parser = ExportParser::new(max_rows);
        parser.push(body)?;
        parser.finish()
    }

    fn parse_chunks<'a>(chunks: impl IntoIterator<Item = &'a [u8]>) -> Result<SearchResult, SourceError> {
        let mut parser = ExportParser::new(1000);
        for chunk in chunks {
            parser.push(chunk)?;
        }
        parser.finish()
    }

    fn one(s: &str) -> FieldValue {
        FieldValue::One(s.into())
    }

    fn field<'r>(row: &'r Row, name: &str) -> Option<&'r FieldValue> {
        row.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    fn malformed(result: Result<SearchResult, SourceError>) -> String {
        match result {
            Err(SourceError::Malformed(m)) => m,
            other => panic!("expected Malformed, got {other:?}"),
        }
    }

    fn search(query: Option<&str>, saved: Option<&str>) -> SearchConfig {
        SearchConfig {
            name: "errors".into(),
            query: query.map(Into::into),
            saved_search: saved.map(Into::into),
            earliest: "-15m".into(),
            latest: "now".into(),
            count_field: None,
            threshold: None,
            max_rows: 1000,
        }
    }

    #[test]
    fn event_rows_keep_order_and_multi_value_fields() {
        let r = parse(EVENTS).unwrap();
        assert_eq!(r.total_rows, 3);
        assert!(!r.truncated);
        assert!(r.messages.is_empty());
        let names: Vec<&str> = r.rows[0].iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            ["_time", "host", "sourcetype", "user", "action", "_raw", "tags"]
        );
        assert_eq!(
            field(&r.rows[0], "_raw"),
            Some(&one("login from 203.0.113.7 — ünïcode 漢字 ok"))
        );
        assert_eq!(
            field(&r.rows[1], "tags"),
            Some(&FieldValue::Many(vec![
                "cloudtrail".into(),
                "high".into(),
                "tamper".into()
            ]))
        );
        // An escaped quote survives; a tab becomes a space.
        assert_eq!(
            field(&r.rows[1], "_raw"),
            Some(&one("trail \"main\" deleted by kenji"))
        );
        assert_eq!(field(&r.rows[2], "tags"), Some(&one("single")));
        assert_eq!(field(&r.rows[2], "host"), Some(&one("web-3")));
    }

    #[test]
    fn preview_sets_are_dropped_and_the_final_set_kept() {
        let r = parse(TRANSFORMING).unwrap();
        assert_eq!(r.total_rows, 4);
        let counts: Vec<_> = r.rows.iter().map(|row| field(row, "count").cloned()).collect();
        assert_eq!(
            counts,
            [
                Some(one("63870")),
                Some(one("125")),
                Some(one("4480")),
                Some(one("13"))
            ]
        );
        assert_eq!(field(&r.rows[0], "sourcetype"), Some(&one("eventgen-2")));
    }

    #[test]
    fn a_preview_flag_after_the_row_still_drops_it() {
        let body = b"{\"result\":{\"a\":\"1\"},\"preview\":true}\n{\"results\":[{\"a\":\"2\"}],\"preview\":false,\"lastrow\":true}\n";
        let r = parse(body).unwrap();
        assert_eq!(r.total_rows, 1);
        assert_eq!(r.rows, vec![vec![("a".to_string(), one("2"))]]);
    }

    #[test]
    fn empty_bodies_are_zero_rows() {
        for body in [EMPTY, b"" as &[u8], b"\n\r\n  \n"] {
            let r = parse(body).unwrap();
            assert_eq!(r, SearchResult::default(), "{body:?}");
        }
    }

    #[test]
    fn messages_are_kept_beside_rows() {
        let r = parse(MESSAGES).unwrap();
        assert_eq!(r.total_rows, 2);
        let levels: Vec<&str> = r.messages.iter().map(|m| m.level.as_str()).collect();
        assert_eq!(levels, ["INFO", "WARN"]);
        assert!(
            r.messages[1]
                .text
                .starts_with("Search results might be incomplete")
        );
    }

    #[test]
    fn an_error_message_without_rows_is_a_rejection() {
        assert_eq!(
            parse(ERROR),
            Err(SourceError::Rejected(
                "Error in 'search' command: Unable to parse the search: unbalanced parentheses.".into()
            ))
        );
        // With rows, the error is only a message.
        let body = b"{\"messages\":[{\"type\":\"FATAL\",\"text\":\"peer down\"}]}\n{\"preview\":false,\"lastrow\":true,\"result\":{\"a\":\"1\"}}\n";
        let r = parse(body).unwrap();
        assert_eq!(r.total_rows, 1);
        assert_eq!(r.messages[0].level, "FATAL");
    }

    #[test]
    fn messages_are_capped_and_deduplicated() {
        let mut body = String::new();
        for i in 0..120 {
            body.push_str(&format!(
                "{{\"messages\":[{{\"type\":\"INFO\",\"text\":\"m{i}\"}},{{\"type\":\"INFO\",\"text\":\"m{i}\"}}]}}\n"
            ));
        }
        let r = parse(body.as_bytes()).unwrap();
        assert_eq!(r.messages.len(), MAX_MESSAGES);
        assert_eq!(r.messages[1].text, "m1");
    }

    #[test]
    fn hostile_text_is_cleaned_everywhere() {
        let r = parse(HOSTILE).unwrap();
        let mut texts: Vec<&str> = Vec::new();
        for row in &r.rows {
            for (name, value) in row {
                texts.push(name);
                match value {
                    FieldValue::One(v) => texts.push(v),
                    FieldValue::Many(vs) => texts.extend(vs.iter().map(String::as_str)),
                }
            }
        }
        for m in &r.messages {
            texts.extend([m.level.as_str(), m.text.as_str()]);
        }
        assert!(texts.len() > 10);
        for t in &texts {
            assert!(
                !t.chars().any(|c| c.is_control() || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')),
                "{t:?}"
            );
        }
        let row = &r.rows[0];
        assert_eq!(field(row, "host"), Some(&one("db-01")));
        assert_eq!(field(row, "user"), Some(&one("admintxt.exe")));
        assert_eq!(field(row, "msg"), Some(&one("red alert done")));
        assert_eq!(
            field(row, "multi"),
            Some(&FieldValue::Many(vec![
                "ab".into(),
                "cd".into(),
                "line break  end".into()
            ]))
        );
        assert_eq!(field(row, "link"), Some(&one("xy")));
        assert_eq!(
            r.messages[0],
            SplunkMessage {
                level: "WARN".into(),
                text: "look here".into()
            }
        );
    }

    #[test]
    fn a_stream_cut_mid_line_is_truncated() {
        assert_eq!(
            malformed(parse(TRUNCATED)),
            "the stream ended mid-line (truncated)"
        );
    }

    #[test]
    fn rows_without_a_last_row_are_truncated() {
        let body = b"{\"preview\":false,\"offset\":0,\"result\":{\"a\":\"1\"}}\n";
        assert_eq!(
            malformed(parse(body)),
            "the stream ended before the last row (truncated)"
        );
        // A complete last line without its newline is fine.
        let body = b"{\"preview\":false,\"offset\":0,\"lastrow\":true,\"result\":{\"a\":\"1\"}}";
        assert_eq!(parse(body).unwrap().total_rows, 1);
    }

    #[test]
    fn any_chunking_gives_the_same_result() {
        for body in ALL {
            let whole = parse(body);
            assert_eq!(parse_chunks(body.chunks(1)), whole, "1-byte chunks");
            for at in 0..=body.len() {
                let (a, b) = body.split_at(at);
                assert_eq!(parse_chunks([a, b]), whole, "split at {at}");
            }
        }
    }

    #[test]
    fn rows_past_the_cap_are_counted_not_kept() {
        let r = parse_capped(EVENTS, 2).unwrap();
        assert_eq!(r.rows.len(), 2);
        assert_eq!(r.total_rows, 3);
        assert!(r.truncated);
        assert_eq!(r.rows, parse(EVENTS).unwrap().rows[..2]);

        let body = b"{\"preview\":false,\"results\":[{\"a\":\"1\"},{\"a\":\"2\"},{\"a\":\"3\"}]}\n{\"preview\":false,\"lastrow\":true,\"result\":{\"a\":\"4\"}}\n";
        let r = parse_capped(body, 2).unwrap();
        assert_eq!(r.total_rows, 4);
        assert_eq!(r.rows.len(), 2);
        assert!(r.truncated);
        let r = parse_capped(body, 0).unwrap();
        assert_eq!((r.rows.len(), r.total_rows, r.truncated), (0, 4, true));
    }

    #[test]
    fn fields_values_and_names_are_capped() {
        let long = "v".repeat(1500);
        let mut row = serde_json::Map::new();
        for i in 0..250 {
            row.insert(format!("{}{i}", "n".repeat(150)), long.clone().into());
        }
        let line = serde_json::json!({"preview": false, "lastrow": true, "result": row});
        let r = parse(format!("{line}\n").as_bytes()).unwrap();
        let row = &r.rows[0];
        assert_eq!(row.len(), MAX_FIELDS);
        assert!(row.iter().all(|(n, _)| n.chars().count() == MAX_NAME));
        let FieldValue::One(v) = &row[0].1 else {
            panic!("{:?}", row[0].1)
        };
        assert_eq!(v.chars().count(), MAX_VALUE);
        assert!(v.ends_with('…'));
    }

    #[test]
    fn multi_values_are_capped() {
        let many: Vec<String> = (0..300).map(|i| i.to_string()).collect();
        let line = serde_json::json!({"lastrow": true, "result": {"many": many}});
        let r = parse(format!("{line}\n").as_bytes()).unwrap();
        let Some(FieldValue::Many(vs)) = field(&r.rows[0], "many") else {
            panic!()
        };
        assert_eq!(vs.len(), MAX_VALUES);
        assert_eq!(vs[99], "99");
    }

    #[test]
    fn non_string_values_become_their_text() {
        let body = b"{\"lastrow\":true,\"result\":{\"n\":42,\"f\":1.5,\"b\":true,\"z\":null,\"m\":[1,\"x\",false],\"o\":{\"k\":\"v\"}}}\n";
        let r = parse(body).unwrap();
        let row = &r.rows[0];
        assert_eq!(field(row, "n"), Some(&one("42")));
        assert_eq!(field(row, "f"), Some(&one("1.5")));
        assert_eq!(field(row, "b"), Some(&one("true")));
        assert_eq!(field(row, "z"), Some(&one("null")));
        assert_eq!(
            field(row, "m"),
            Some(&FieldValue::Many(vec!["1".into(), "x".into(), "false".into()]))
        );
        assert_eq!(field(row, "o"), Some(&one("{\"k\":\"v\"}")));
    }

    #[test]
    fn a_line_over_one_mib_is_refused_without_buffering_it() {
        let mut parser = ExportParser::new(10);
        let filler = vec![b' '; 64 * 1024];
        parser.push(b"{\"result\":{\"a\":\"").unwrap();
        let mut refused = None;
        for i in 0..32 {
            if let Err(e) = parser.push(&filler) {
                refused = Some((i, e));
                break;
            }
            assert!(parser.partial.len() <= MAX_LINE);
        }
        let (i, e) = refused.unwrap();
        assert_eq!(i, 15, "the 16th filler chunk takes the line past 1 MiB");
        assert_eq!(e, SourceError::Malformed("a line longer than 1 MiB".into()));
        // The parser stays failed.
        assert_eq!(parser.push(b"\n"), Err(e.clone()));
        assert_eq!(parser.finish(), Err(e));

        // The same line, whole in one chunk.
        let mut line = b"{\"result\":{\"a\":\"".to_vec();
        line.resize(MAX_LINE + 10, b'x');
        line.extend_from_slice(b"\"}}\n");
        assert_eq!(malformed(parse(&line)), "a line longer than 1 MiB");
        // Exactly 1 MiB is still fine.
        let mut line = b"{\"lastrow\":true,\"result\":{\"a\":\"".to_vec();
        line.resize(MAX_LINE - 3, b'x');
        line.extend_from_slice(b"\"}}\n");
        assert_eq!(parse(&line).unwrap().total_rows, 1);
    }

    #[test]
    fn html_is_named() {
        let page = b"\n  <!DOCTYPE html>\n<html><body>502 Bad Gateway</body></html>\n";
        assert_eq!(malformed(parse(page)), HTML);
        assert_eq!(malformed(parse(b"<html>no newline")), HTML);
        let mut huge = b"<html>".to_vec();
        huge.resize(MAX_LINE + 1, b'a');
        assert_eq!(malformed(parse(&huge)), HTML);
    }

    #[test]
    fn garbage_names_its_line() {
        let body = b"{\"preview\":false,\"result\":{\"a\":\"1\"}}\n\nnot json at all\n";
        let m = malformed(parse(body));
        assert!(m.starts_with("line 3 is not JSON"), "{m}");
        let m = malformed(parse(b"{\"result\":\"a string\"}\n"));
        assert!(m.starts_with("line 1 is not a Splunk result line"), "{m}");
        let m = malformed(parse(b"[1,2]\n"));
        assert!(m.starts_with("line 1 is not a Splunk result line"), "{m}");
        let m = malformed(parse(b"{\"lastrow\":true} trailing\n"));
        assert!(m.starts_with("line 1 is not JSON"), "{m}");
        // The message quotes at most a cleaned snippet of the body.
        let evil = format!("{{\"result\":\"\\u001b]0;pwned\\u0007{}\"}}\n", "x".repeat(5000));
        let m = malformed(parse(evil.as_bytes()));
        assert!(m.chars().count() < 300 && !m.contains('\u{1b}'), "{m}");
    }

    #[test]
    fn invalid_utf8_is_malformed() {
        let body = b"{\"lastrow\":true}\n{\"result\":{\"a\":\"\xff\xfe\"}}\n";
        assert_eq!(malformed(parse(body)), "line 2 is not valid UTF-8");
    }

    #[test]
    fn export_form_builds_the_search() {
        let form = export_form(&search(Some("index=security sourcetype=aws:securityhub"), None)).unwrap();
        assert_eq!(
            form,
            vec![
                (
                    "search",
                    "search index=security sourcetype=aws:securityhub".to_string()
                ),
                ("output_mode", "json".into()),
                ("earliest_time", "-15m".into()),
                ("latest_time", "now".into()),
            ]
        );
        let spl = |q: &str| export_form(&search(Some(q), None)).unwrap()[0].1.clone();
        assert_eq!(spl("search index=main"), "search index=main");
        assert_eq!(spl("  | makeresults count=3"), "| makeresults count=3");
        assert_eq!(spl("searchtype=x"), "search searchtype=x");
        let saved = export_form(&search(None, Some(r#"Errors "prod" \ eu"#))).unwrap();
        assert_eq!(saved[0].1, r#"| savedsearch "Errors \"prod\" \\ eu""#);
        for (q, s) in [
            (None, None),
            (Some("x"), Some("y")),
            (Some("  "), None),
            (None, Some("")),
        ] {
            assert!(
                matches!(export_form(&search(q, s)), Err(SourceError::Rejected(_))),
                "{q:?} {s:?}"
            );
        }
    }

    #[test]
    fn count_of_reads_the_count_field_or_counts_rows() {
        let result = parse(MESSAGES).unwrap();
        let mut s = search(Some("| stats count"), None);
        assert_eq!(count_of(&s, &result), 2);
        s.count_field = Some("count".into());
        assert_eq!(count_of(&s, &result), 41);
        s.count_field = Some("host".into());
        assert_eq!(count_of(&s, &result), 2, "not a number");
        s.count_field = Some("missing".into());
        assert_eq!(count_of(&s, &result), 2);
        s.count_field = Some("c".into());
        let with = |v: FieldValue| SearchResult {
            rows: vec![vec![("c".into(), v)]],
            total_rows: 9,
            ..SearchResult::default()
        };
        assert_eq!(count_of(&s, &with(one("12.9"))), 12);
        assert_eq!(count_of(&s, &with(one("inf"))), 9);
        assert_eq!(count_of(&s, &with(FieldValue::Many(vec!["5".into()]))), 5);
        assert_eq!(count_of(&s, &SearchResult::default()), 0);
    }

    #[test]
    fn session_keys_from_xml_and_json() {
        assert_eq!(
            parse_session_key(LOGIN).unwrap(),
            "192fd3e46a31246da7ea7f109e7f95fd^Xz_2Ab"
        );
        assert_eq!(parse_session_key(br#" {"sessionKey":"abc=="}"#).unwrap(), "abc==");
        let failed = br#"<response><messages><msg type="WARN" code="incorrect_username_or_password">Login failed</msg></messages></response>"#;
        match parse_session_key(failed) {
            Err(SourceError::Malformed(m)) => assert!(m.ends_with("Login failed"), "{m}"),
            other => panic!("{other:?}"),
        }
        assert!(parse_session_key(b"<sessionKey></sessionKey>").is_err());
        assert!(parse_session_key(b"<sessionKey>a\nb</sessionKey>").is_err());
        assert!(parse_session_key(b"{\"sessionKey\":\"a\\u001bb\"}").is_err());
        assert!(parse_session_key(b"{\"other\":1}").is_err());
    }

    #[test]
    fn error_messages_are_read_from_any_body() {
        assert_eq!(error_message(ERROR_BODY), "Unknown search command 'foo'.");
        let xml = br#"<?xml version="1.0"?><response><messages><msg type="ERROR">In handler &apos;savedsearch&apos;: Could not find object id=x &amp; y</msg></messages></response>"#;
        assert_eq!(
            error_message(xml),
            "In handler 'savedsearch': Could not find object id=x & y"
        );
        assert_eq!(
            error_message(b"<!DOCTYPE html><html><body>Bad Gateway</body></html>"),
            "an HTML page"
        );
        let noisy = format!("upstream \u{1b}[2Jfailed {}", "y".repeat(500));
        let m = error_message(noisy.as_bytes());
        assert!(
            m.starts_with("upstream failed") && m.chars().count() == 200,
            "{m}"
        );
        assert_eq!(error_message(b"  "), "an empty response");
    }
}
