//! The timeline pane's data: one display row per event, kept in the order things happened,
//! built once on ingest so that drawing only slices it. Also the per-minute event counts the
//! metrics pane charts.

use crate::text::clean_line;
use crate::timeline::describe::describe_with;
use crate::timeline::{Event, EventBody};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::sync::Arc;
use unicode_width::UnicodeWidthStr;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub seq: u64,
    /// When it happened (occurred time if given).
    pub at: DateTime<Utc>,
    pub recorded_at: DateTime<Utc>,
    pub author: Arc<str>,
    pub kind: Arc<str>,
    /// A short label for the kind, for the timeline's narrow column.
    pub tag: &'static str,
    /// One line, already cleaned of control characters and escape sequences.
    pub text: String,
    /// Logged noticeably later than it happened.
    pub late: bool,
    pub emphasis: Emphasis,
    /// What the row is about besides itself, for its detail.
    pub subject: Option<Subject>,
}

/// What a row's event refers to, for its detail view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// A checklist item, by id.
    Item(Box<str>),
    /// The event a correction corrects.
    Corrects(uuid::Uuid),
}

/// How a row should stand out; the theme decides what that looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Emphasis {
    Plain,
    Decision,
    Severity,
    Status,
    Signal,
    Update,
}

impl Row {
    /// `e`'s row; `inc`, the incident it belongs to as it stood before it, names checklist
    /// items by their titles.
    pub fn from_event(e: &Event, inc: Option<&crate::incident::Incident>, interned: &mut Interner) -> Row {
        let emphasis = match &e.body {
            EventBody::Decision { .. } => Emphasis::Decision,
            EventBody::SeverityChanged { .. } | EventBody::IncidentDeclared { .. } => Emphasis::Severity,
            EventBody::StatusChanged { .. } => Emphasis::Status,
            EventBody::Signal { .. } => Emphasis::Signal,
            EventBody::StatusUpdatePosted { .. } | EventBody::Handoff { .. } => Emphasis::Update,
            _ => Emphasis::Plain,
        };
        let at = e.at();
        Row {
            seq: e.seq,
            at,
            recorded_at: e.recorded_at,
            author: interned.get(e.author.as_str()),
            kind: interned.get(e.kind()),
            tag: tag(&e.body),
            text: clean_line(&describe_with(&e.body, |id| inc?.item_title(id))).into_owned(),
            late: (e.recorded_at - at).num_seconds().abs() >= 60,
            emphasis,
            subject: match &e.body {
                EventBody::ChecklistChecked { item }
                | EventBody::ChecklistUnchecked { item }
                | EventBody::ChecklistAssigned { item, .. } => Some(Subject::Item(item.as_str().into())),
                EventBody::Amended { target, .. } | EventBody::Retracted { target, .. } => {
                    Some(Subject::Corrects(*target))
                }
                _ => None,
            },
        }
    }

    /// The author as the timeline's column shows it: a source by its name, a person by theirs.
    pub fn who(&self) -> &str {
        let author = self.author.strip_prefix("source:").unwrap_or(&self.author);
        crate::timeline::short_name(author)
    }

    pub fn matches(&self, f: &Filter) -> bool {
        f.terms.iter().all(|t| self.has(t))
    }

    fn has(&self, t: &Term) -> bool {
        match t {
            // `kind:` matches the stored kind or the short tag (`kind:update`, `kind:status_update`).
            Term::Kind(k) => self.kind.contains(k.as_str()) || self.tag.contains(k.as_str()),
            Term::Author(a) => self.author.to_lowercase().contains(a.as_str()),
            Term::Text(s) => {
                self.text.to_lowercase().contains(s.as_str())
                    || self.author.to_lowercase().contains(s.as_str())
            }
            Term::People => crate::timeline::person_of(&self.author).is_some(),
            Term::Not(t) => !self.has(t),
        }
    }
}

/// At most nine characters: what kind of thing happened.
fn tag(body: &EventBody) -> &'static str {
    match body {
        EventBody::IncidentDeclared { .. } => "declared",
        EventBody::IncidentRetitled { .. } => "retitled",
        EventBody::SeverityChanged { .. } => "severity",
        EventBody::StatusChanged { .. } => "status",
        EventBody::RoleAssigned { .. } | EventBody::RoleReleased { .. } => "role",
        EventBody::ResponderAdded { .. } => "added",
        EventBody::ResponderPaged { .. } => "paged",
        EventBody::ResponderAcknowledged { .. } => "acked",
        EventBody::ResponderJoined { .. } => "joined",
        EventBody::ResponderLeft { .. } => "left",
        EventBody::Note { .. } => "note",
        EventBody::Decision { .. } => "decision",
        EventBody::ChecklistAdded { .. }
        | EventBody::ChecklistChecked { .. }
        | EventBody::ChecklistUnchecked { .. }
        | EventBody::ChecklistAssigned { .. } => "checklist",
        EventBody::StatusUpdatePosted { .. } => "update",
        EventBody::Handoff { .. } => "handoff",
        EventBody::LinkAdded { .. } => "link",
        EventBody::FollowUpAdded { .. } => "follow-up",
        EventBody::Signal { .. } => "signal",
        EventBody::FindingUpdated { .. } => "finding",
        EventBody::DrillInject { .. } => "inject",
        EventBody::DrillStarted { .. }
        | EventBody::DrillPaused { .. }
        | EventBody::DrillResumed { .. }
        | EventBody::DrillSpeed { .. }
        | EventBody::DrillSkipped { .. }
        | EventBody::DrillEnded { .. } => "drill",
        EventBody::Amended { .. } => "amended",
        EventBody::Retracted { .. } => "retracted",
        EventBody::Unrecognized { .. } => "other",
    }
}

/// Shared strings for authors and kinds: a hundred thousand rows by five people cost five.
#[derive(Debug, Default)]
pub struct Interner(std::collections::HashSet<Arc<str>>);

impl Interner {
    pub fn get(&mut self, s: &str) -> Arc<str> {
        if let Some(a) = self.0.get(s) {
            return a.clone();
        }
        let a: Arc<str> = Arc::from(s);
        self.0.insert(a.clone());
        a
    }
}

/// `&` filter and `/` search: words are ANDed; `kind:note` and `author:maria` (or `@maria`)
/// narrow by field; `people` keeps people's entries (no source's or drill's); a leading `-`
/// negates any of them (`-@k8s`, `-kind:signal`, `-heartbeat`); `text:WORD` is the word itself.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Filter {
    pub source: String,
    terms: Vec<Term>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Term {
    Kind(String),
    Author(String),
    Text(String),
    /// Written by a person, not a machine (`source:NAME`, `drill`).
    People,
    Not(Box<Term>),
}

impl Term {
    fn parse(w: &str) -> Term {
        if let Some(rest) = w
            .strip_prefix('-')
            .filter(|r| !r.is_empty() && !r.starts_with('-'))
        {
            return Term::Not(Box::new(Term::parse(rest)));
        }
        if let Some(k) = w.strip_prefix("kind:") {
            Term::Kind(k.to_string())
        } else if let Some(a) = w.strip_prefix("author:").or_else(|| w.strip_prefix('@')) {
            Term::Author(a.to_string())
        } else if let Some(t) = w.strip_prefix("text:") {
            Term::Text(t.to_string())
        } else if w == "people" {
            Term::People
        } else {
            Term::Text(w.to_string())
        }
    }
}

impl Filter {
    /// The plain words (not `kind:`, `@author` or negated), lowercased: what a search highlights.
    pub fn words(&self) -> impl Iterator<Item = &str> {
        self.terms.iter().filter_map(|t| match t {
            Term::Text(w) => Some(w.as_str()),
            _ => None,
        })
    }

    pub fn parse(s: &str) -> Option<Filter> {
        let terms: Vec<Term> = s
            .split_whitespace()
            .map(|w| Term::parse(&w.to_lowercase()))
            .collect();
        (!terms.is_empty()).then(|| Filter {
            source: s.trim().to_string(),
            terms,
        })
    }
}

/// One incident's rows and activity.
#[derive(Debug, Default)]
pub struct Feed {
    rows: Vec<Row>,
    filter: Option<Filter>,
    /// Indices into `rows` that pass the filter (only kept while a filter is set).
    visible: Vec<usize>,
    /// Events recorded per minute (minutes since the epoch).
    per_minute: BTreeMap<i64, u64>,
    /// The widest author and kind tag so far: the timeline's columns fit them.
    author_width: usize,
    tag_width: usize,
}

impl Feed {
    /// Add a row, keeping time order; a row logged late lands where it happened. Where it is
    /// shown (an index into the shown rows), unless the filter hides it.
    pub fn push(&mut self, row: Row) -> Option<usize> {
        *self
            .per_minute
            .entry(row.recorded_at.timestamp().div_euclid(60))
            .or_default() += 1;
        self.author_width = self.author_width.max(row.who().width());
        self.tag_width = self.tag_width.max(row.tag.width());
        let key = (row.at, row.seq);
        let pos = if self.rows.last().is_none_or(|last| (last.at, last.seq) <= key) {
            self.rows.len()
        } else {
            self.rows.partition_point(|r| (r.at, r.seq) <= key)
        };
        self.rows.insert(pos, row);
        // Kept up to date row by row: a new event costs the rows after it, not the whole feed.
        if let Some(f) = &self.filter {
            if pos + 1 < self.rows.len() {
                (self.visible.iter_mut())
                    .filter(|v| **v >= pos)
                    .for_each(|v| *v += 1);
            }
            if !self.rows[pos].matches(f) {
                return None;
            }
            let at = self.visible.partition_point(|&v| v < pos);
            self.visible.insert(at, pos);
            return Some(at);
        }
        Some(pos)
    }

    pub fn set_filter(&mut self, filter: Option<Filter>) {
        self.filter = filter;
        self.refilter();
    }

    pub fn filter(&self) -> Option<&Filter> {
        self.filter.as_ref()
    }

    fn refilter(&mut self) {
        self.visible = match &self.filter {
            Some(f) => (0..self.rows.len())
                .filter(|&i| self.rows[i].matches(f))
                .collect(),
            None => Vec::new(),
        };
    }

    /// How many rows are shown (after the filter).
    pub fn len(&self) -> usize {
        if self.filter.is_some() {
            self.visible.len()
        } else {
            self.rows.len()
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The widest author (as [`Row::who`] shows it) and kind tag among the rows.
    pub fn column_widths(&self) -> (usize, usize) {
        (self.author_width, self.tag_width)
    }

    pub fn total(&self) -> usize {
        self.rows.len()
    }

    /// The `i`th shown row.
    pub fn get(&self, i: usize) -> Option<&Row> {
        if self.filter.is_some() {
            self.visible.get(i).and_then(|&r| self.rows.get(r))
        } else {
            self.rows.get(i)
        }
    }

    /// Events per minute for the `minutes` minutes ending at `now`, oldest first.
    pub fn per_minute(&self, now: DateTime<Utc>, minutes: usize) -> Vec<u64> {
        let end = now.timestamp().div_euclid(60);
        let start = end - minutes as i64 + 1;
        let mut out = vec![0; minutes];
        for (&m, &n) in self.per_minute.range(start..=end) {
            out[(m - start) as usize] = n;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn row(seq: u64, min: u32, text: &str, kind: &str, author: &str) -> Row {
        let at = Utc
            .with_ymd_and_hms(2026, 11, 28, 13, min, 0)
            .single()
            .expect("valid");
        Row {
            seq,
            at,
            recorded_at: at,
            author: Arc::from(author),
            kind: Arc::from(kind),
            tag: "note",
            text: text.into(),
            late: false,
            emphasis: Emphasis::Plain,
            subject: None,
        }
    }

    #[test]
    fn rows_stay_in_time_order_when_logged_late() {
        let mut f = Feed::default();
        f.push(row(1, 10, "a", "note", "x"));
        f.push(row(2, 20, "b", "note", "x"));
        f.push(row(3, 5, "late", "note", "x"));
        let texts: Vec<_> = (0..f.len())
            .filter_map(|i| f.get(i))
            .map(|r| r.text.as_str())
            .collect();
        assert_eq!(texts, ["late", "a", "b"]);
    }

    #[test]
    fn filters_by_kind_author_and_text() {
        let mut f = Feed::default();
        f.push(row(1, 1, "db failover", "note", "maria@h"));
        f.push(row(2, 2, "roll back", "decision", "kenji@h"));
        f.push(row(3, 3, "db is back", "note", "kenji@h"));
        f.set_filter(Filter::parse("db @kenji"));
        assert_eq!(f.len(), 1);
        assert_eq!(f.get(0).map(|r| r.seq), Some(3));
        f.set_filter(Filter::parse("kind:decision"));
        assert_eq!(f.get(0).map(|r| r.seq), Some(2));
        // rows arriving while filtered are filtered too, late ones in their place
        f.push(row(4, 4, "another call", "decision", "x"));
        assert_eq!(f.len(), 2);
        f.push(row(5, 0, "an early decision", "decision", "x"));
        f.push(row(6, 0, "an early note", "note", "x"));
        let seqs: Vec<u64> = (0..f.len()).filter_map(|i| f.get(i)).map(|r| r.seq).collect();
        assert_eq!(seqs, [5, 2, 4]);
        f.set_filter(None);
        assert_eq!(f.len(), 6);
    }

    #[test]
    fn a_minus_negates_and_people_hides_the_machines() {
        let mut f = Feed::default();
        f.push(row(1, 1, "pod restarted", "signal", "source:k8s"));
        f.push(row(2, 2, "db failover", "note", "maria@h"));
        f.push(row(3, 3, "pod restarted", "note", "k8s-bot@h"));
        f.push(row(4, 4, "inject 2", "note", "drill"));
        f.push(row(5, 5, "heartbeat ok", "note", "kenji (ops@jump)"));
        let seqs = |f: &Feed| -> Vec<u64> { (0..f.len()).filter_map(|i| f.get(i)).map(|r| r.seq).collect() };
        f.set_filter(Filter::parse("-@k8s"));
        assert_eq!(seqs(&f), [2, 4, 5]);
        f.set_filter(Filter::parse("people"));
        assert_eq!(seqs(&f), [2, 3, 5]);
        f.set_filter(Filter::parse("people -heartbeat -kind:signal"));
        assert_eq!(seqs(&f), [2, 3]);
        f.set_filter(Filter::parse("-people"));
        assert_eq!(seqs(&f), [1, 4]);
        // `text:` is the word itself; a lone `-` or `--x` is text too.
        f.set_filter(Filter::parse("text:people"));
        assert_eq!(seqs(&f), Vec::<u64>::new());
        f.set_filter(Filter::parse("-"));
        assert_eq!(seqs(&f), [3], "k8s-bot has a -");
        // A negated word is not highlighted as a match.
        let search = Filter::parse("db -pod").expect("a filter");
        assert_eq!(search.words().collect::<Vec<_>>(), ["db"]);
    }

    #[test]
    fn per_minute_counts_cover_the_window() {
        let mut f = Feed::default();
        f.push(row(1, 1, "a", "note", "x"));
        f.push(row(2, 1, "b", "note", "x"));
        f.push(row(3, 3, "c", "note", "x"));
        let now = Utc
            .with_ymd_and_hms(2026, 11, 28, 13, 3, 30)
            .single()
            .expect("valid");
        assert_eq!(f.per_minute(now, 4), vec![0, 2, 0, 1]);
    }
}
