//! The `:` command palette: what can be typed, how it parses, and Tab completion.

use super::action::Action;
use super::refs::SourceTab;
use crate::export::Format;
use crate::sources::securityhub::Workflow;
use crate::timeline::{Audience, LinkKind, Role, Severity, Status};

/// A parsed palette command.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Severity(Severity),
    Status(Status),
    Role {
        role: Role,
        person: String,
    },
    Release {
        role: Role,
        person: Option<String>,
    },
    Add(String),
    Page {
        person: String,
        via: Option<String>,
    },
    Ack(Option<String>),
    Join(Option<String>),
    Leave(Option<String>),
    Note(String),
    Decision(String),
    /// A status update for an audience; without text, the editor for it.
    Update {
        audience: Audience,
        text: Option<String>,
    },
    /// An item named by its title, words of it or its id; none: the checklist's selected row.
    Check(Option<String>),
    Uncheck(Option<String>),
    /// `item` as for `Check`.
    Assign {
        item: Option<String>,
        person: String,
    },
    Handoff(String),
    Resolve,
    Reopen,
    Declare {
        severity: Severity,
        title: String,
    },
    Title(String),
    /// Correct an entry's text; the original stays on the record.
    Amend {
        seq: u64,
        text: String,
    },
    /// Withdraw an entry or a severity or status change; it stays on the record, struck.
    Retract {
        seq: u64,
        reason: Option<String>,
    },
    /// Where else the incident lives (a ticket, the chat channel, the bridge…).
    Link {
        kind: LinkKind,
        reference: String,
        url: Option<String>,
    },
    /// An action item for after the incident.
    FollowUp {
        text: String,
        owner: Option<String>,
    },
    /// Write the report: in a format, to a file (else one named for the incident and time).
    Export {
        format: Format,
        path: Option<String>,
    },
    /// Copy to the clipboard (OSC 52): the selected entry or last update, or the whole report.
    Copy {
        report: bool,
    },
    Incident(String),
    Filter(String),
    Time(String),
    Theme(String),
    /// Show a view of the sources pane (or just focus it).
    Sources(Option<SourceTab>),
    /// Change the selected Security Hub finding.
    Finding {
        workflow: Option<Workflow>,
        note: Option<String>,
    },
    /// The facilitator's drill controls.
    Drill(crate::drill::facilitator::Control),
    /// Show the MSEL or the metrics.
    Msel,
    Help,
    Quit,
}

impl Command {
    /// The same command with each person it names spelt by `spell` (as the roster has them).
    pub fn spelt_as(self, spell: impl Fn(&str) -> String) -> Command {
        let opt = |p: Option<String>| p.map(|p| spell(&p));
        match self {
            Command::Role { role, person } => Command::Role {
                role,
                person: spell(&person),
            },
            Command::Release { role, person } => Command::Release {
                role,
                person: opt(person),
            },
            Command::Add(p) => Command::Add(spell(&p)),
            Command::Page { person, via } => Command::Page {
                person: spell(&person),
                via,
            },
            Command::Ack(p) => Command::Ack(opt(p)),
            Command::Join(p) => Command::Join(opt(p)),
            Command::Leave(p) => Command::Leave(opt(p)),
            Command::Assign { item, person } => Command::Assign {
                item,
                person: spell(&person),
            },
            Command::Handoff(p) => Command::Handoff(spell(&p)),
            Command::FollowUp { text, owner } => Command::FollowUp {
                text,
                owner: opt(owner),
            },
            other => other,
        }
    }
}

/// A palette command's row in [`COMMANDS`]: the one list of command words.
pub struct Spec {
    pub word: &'static str,
    /// Other words for it (`severity` for `sev`).
    pub aliases: &'static [&'static str],
    /// What it takes, for help and completion (`ROLE PERSON`).
    pub args: &'static str,
    pub help: &'static str,
    /// Appends to the timeline: refused in a read-only console.
    pub writes: bool,
    /// Acts on the incident on screen: refused (when it writes) with none.
    pub needs_incident: bool,
    /// At most this many words of arguments (a name is one word), if limited.
    pub most: Option<usize>,
    /// What Tab offers for its first and second argument.
    pub complete: [Complete; 2],
    /// The actions whose keys do the same (help shows them beside the command).
    pub actions: &'static [Action],
    parse: fn(&Args) -> Result<Command, String>,
}

/// What Tab offers for an argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Complete {
    Nothing,
    Severities,
    Statuses,
    Audiences,
    LinkKinds,
    Roles,
    People,
    Items,
    Formats,
    TimeStyles,
    Incidents,
    Themes,
    SourceViews,
    FindingChanges,
    DrillControls,
}

/// A command line split into its word and the rest, for the row's parser.
pub struct Args<'a> {
    word: &'a str,
    rest: &'a str,
    /// The rest as words: `"Priya K"` (or `'Priya K'`) is one.
    words: Vec<String>,
}

impl Args<'_> {
    fn words(&self) -> impl Iterator<Item = &str> {
        self.words.iter().map(String::as_str)
    }

    /// The `n`th word, as a person (`@priya` is priya), or what is missing.
    fn person(&self, n: usize, what: &str) -> Result<String, String> {
        self.words().nth(n).map(person).ok_or_else(|| self.need(what))?
    }

    /// An optional person: the one word, if any.
    fn someone(&self) -> Result<Option<String>, String> {
        self.words().next().map(person).transpose()
    }

    /// The rest as a checklist item's name, unquoted; none when blank.
    fn item(&self) -> Option<String> {
        let rest = self.rest.trim();
        let unquoted = match split_words(rest).as_slice() {
            [one] => one.clone(),
            _ => rest.to_string(),
        };
        (!unquoted.is_empty()).then_some(unquoted)
    }

    /// The rest as text, which must not be blank.
    fn text(&self, what: &str) -> Result<String, String> {
        text(self.rest, &self.need(what))
    }

    /// The first word as an event's number (`41` or `#41`), as the timeline shows it.
    fn seq(&self) -> Result<u64, String> {
        let first = self
            .words()
            .next()
            .ok_or_else(|| self.need("an entry's number: `#41`"))?;
        match first.trim_start_matches('#').parse::<u64>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(format!(
                "`{first}` is not an entry's number (#41, as its detail shows)"
            )),
        }
    }

    /// What follows the first word.
    fn after_first(&self) -> &str {
        let first = self.rest.split_whitespace().next().unwrap_or_default();
        self.rest[first.len()..].trim()
    }

    fn need(&self, what: &str) -> String {
        format!("`{}` needs {what}", self.word)
    }
}

/// Split at whitespace, keeping a word in quotes whole: `role comms "Priya K"`. A quote that
/// opens a word and is never closed is just a character (`note 'tis…` is text).
pub fn split_words(s: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut rest = s.trim_start();
    while let Some(first) = rest.chars().next() {
        let quoted = matches!(first, '"' | '\'')
            .then(|| {
                rest[1..]
                    .find(first)
                    .map(|end| (&rest[1..=end], &rest[end + 2..]))
            })
            .flatten()
            .filter(|(_, after)| after.is_empty() || after.starts_with(char::is_whitespace));
        let (word, after) = quoted.unwrap_or_else(|| {
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            (&rest[..end], &rest[end..])
        });
        words.push(word.to_string());
        rest = after.trim_start();
    }
    words
}

/// A name as typed (`@priya` is priya), if it can name a responder.
fn person(s: &str) -> Result<String, String> {
    let name = s.trim().trim_start_matches('@');
    if name.contains(['"', '\'']) {
        return Err(format!(
            "`{}` cannot be a name: put a name with spaces in quotes, \"Priya K\"",
            crate::text::clean_line(name)
        ));
    }
    crate::timeline::Author::check_name(name)?;
    Ok(name.to_string())
}

/// A name for display in a quoted palette line: in quotes if it has spaces.
pub fn quote(name: &str) -> String {
    if name.contains(char::is_whitespace) {
        format!("\"{name}\"")
    } else {
        name.to_string()
    }
}

macro_rules! commands {
    ($($row:ident: $variant:pat => $word:literal $([$($alias:literal),*])? ($args:literal)
       writes $writes:literal, incident $incident:literal, most $most:expr,
       complete [$first:ident, $second:ident], keys [$($action:ident),*],
       $help:literal, $parse:expr;)*) => {
        /// Each command's row, by name (`row::Declare.word`).
        #[allow(non_upper_case_globals)]
        pub mod row {
            use super::*;
            $(pub const $row: Spec = Spec {
                word: $word,
                aliases: &[$($($alias),*)?],
                args: $args,
                help: $help,
                writes: $writes,
                needs_incident: $incident,
                most: $most,
                complete: [Complete::$first, Complete::$second],
                actions: &[$(Action::$action),*],
                parse: $parse,
            };)*
        }

        /// Every command, in the order help lists them.
        pub const COMMANDS: &[Spec] = &[$(row::$row),*];

        impl Command {
            /// Its row in the table.
            pub fn spec(&self) -> &'static Spec {
                match self { $($variant => &row::$row),* }
            }
        }
    };
}

commands! {
    Sev: Command::Severity(_) => "sev" ["severity"] ("1-5") writes true, incident true, most None,
        complete [Severities, Nothing], keys [SeverityUp, SeverityDown], "set the severity",
        |a| Ok(Command::Severity(a.rest.parse()?));
    Status: Command::Status(_) => "status" ("triage|active|mitigated|resolved|closed")
        writes true, incident true, most None, complete [Statuses, Nothing], keys [NextStatus],
        "set the status", |a| Ok(Command::Status(a.rest.parse()?));
    Role: Command::Role { .. } => "role" ["assign-role"] ("ROLE PERSON") writes true, incident true,
        most Some(2), complete [Roles, People], keys [AssignRole], "assign a role",
        |a| {
            let role = a.words().next().ok_or_else(|| a.need("a role and a person: `role scribe priya`"))?;
            Ok(Command::Role {
                role: Role::from(role),
                person: a.person(1, "a person: `role scribe priya`")?,
            })
        };
    Release: Command::Release { .. } => "release" ("ROLE [PERSON]") writes true, incident true,
        most Some(2), complete [Roles, People], keys [], "release a role",
        |a| {
            let role = a.words().next().ok_or_else(|| a.need("a role"))?;
            Ok(Command::Release {
                role: Role::from(role),
                person: a.words().nth(1).map(person).transpose()?,
            })
        };
    Add: Command::Add(_) => "add" ("PERSON") writes true, incident true, most Some(1),
        complete [People, Nothing], keys [], "add a responder",
        |a| Ok(Command::Add(a.person(0, "a person")?));
    Page: Command::Page { .. } => "page" ("PERSON [VIA]") writes true, incident true, most Some(2),
        complete [People, Nothing], keys [Page], "record a page",
        |a| Ok(Command::Page {
            person: a.person(0, "a person")?,
            via: a.words().nth(1).map(str::to_string),
        });
    Ack: Command::Ack(_) => "ack" ["acknowledge"] ("[PERSON]") writes true, incident true,
        most Some(1), complete [People, Nothing], keys [Acknowledge],
        "record an acknowledgement (you, if no one is named)", |a| Ok(Command::Ack(a.someone()?));
    Join: Command::Join(_) => "join" ("[PERSON]") writes true, incident true, most Some(1),
        complete [People, Nothing], keys [], "record that someone joined",
        |a| Ok(Command::Join(a.someone()?));
    Leave: Command::Leave(_) => "leave" ("[PERSON]") writes true, incident true, most Some(1),
        complete [People, Nothing], keys [], "record that someone left",
        |a| Ok(Command::Leave(a.someone()?));
    Note: Command::Note(_) => "note" ["n"] ("[@TIME] TEXT") writes true, incident true,
        most None, complete [Nothing, Nothing], keys [Note], "write a note (@14:57: logged late)",
        |a| Ok(Command::Note(a.text("some text")?));
    Decision: Command::Decision(_) => "decision" ["decide"] ("[@TIME] TEXT") writes true,
        incident true, most None, complete [Nothing, Nothing], keys [Decision],
        "record a decision (@14:57: taken earlier)",
        |a| Ok(Command::Decision(a.text("some text")?));
    Update: Command::Update { .. } => "update" ("[internal|executive|external] [TEXT]") writes true,
        incident true, most None, complete [Audiences, Nothing], keys [StatusUpdate],
        "post a status update for an audience (internal unless named); no text opens the editor",
        |a| {
            let first = a.words().next().unwrap_or_default();
            let (audience, text) = match first.parse::<Audience>() {
                Ok(audience) => (audience, a.after_first()),
                _ => (Audience::Internal, a.rest),
            };
            let text = text.trim();
            Ok(Command::Update {
                audience,
                text: (!text.is_empty()).then(|| text.to_string()),
            })
        };
    Check: Command::Check(_) => "check" ("[ITEM]") writes true, incident true, most None,
        complete [Items, Nothing], keys [ToggleItem],
        "check an item, by words of its title (none: the selected one)",
        |a| Ok(Command::Check(a.item()));
    Uncheck: Command::Uncheck(_) => "uncheck" ("[ITEM]") writes true, incident true, most None,
        complete [Items, Nothing], keys [], "uncheck an item (none: the selected one)",
        |a| Ok(Command::Uncheck(a.item()));
    Assign: Command::Assign { .. } => "assign" ("[ITEM] PERSON") writes true, incident true,
        most Some(2), complete [Items, People], keys [],
        "give an item to someone (one word: the selected item)",
        |a| {
            // One word is the person, for the selected item; two, an item and a person.
            let (item, person) = match a.words().count() {
                0 | 1 => (None, a.person(0, "a person (and an item, or select one)")?),
                _ => (a.words().next().map(str::to_string), a.person(1, "a person")?),
            };
            Ok(Command::Assign { item, person })
        };
    Handoff: Command::Handoff(_) => "handoff" ("PERSON") writes true, incident true, most Some(1),
        complete [People, Nothing], keys [Handoff], "hand off command (opens the briefing)",
        |a| Ok(Command::Handoff(a.person(0, "the incoming commander")?));
    Resolve: Command::Resolve => "resolve" ("") writes true, incident true, most None,
        complete [Nothing, Nothing], keys [Resolve], "resolve the incident",
        |_| Ok(Command::Resolve);
    Reopen: Command::Reopen => "reopen" ("") writes true, incident true, most None,
        complete [Nothing, Nothing], keys [], "reopen a resolved incident", |_| Ok(Command::Reopen);
    Declare: Command::Declare { .. } => "declare" ("SEV TITLE") writes true, incident false,
        most None, complete [Severities, Nothing], keys [Declare], "declare a new incident",
        |a| {
            let sev = a.words().next()
                .ok_or_else(|| a.need("a severity and a title: `declare 2 Checkout failing`"))?;
            let severity: Severity = sev.parse()?;
            let title = a.rest[sev.len()..].trim();
            Ok(Command::Declare {
                severity,
                title: text(title, &a.need("a title"))?,
            })
        };
    Title: Command::Title(_) => "title" ("TEXT") writes true, incident true, most None,
        complete [Nothing, Nothing], keys [], "retitle the incident",
        |a| Ok(Command::Title(a.text("a title")?));
    Amend: Command::Amend { .. } => "amend" ("#N TEXT") writes true, incident true, most None,
        complete [Nothing, Nothing], keys [Amend], "correct entry #N's text (the original is kept)",
        |a| {
            let seq = a.seq()?;
            Ok(Command::Amend {
                seq,
                text: text(a.after_first(), &a.need("the corrected text: `amend #41 TEXT`"))?,
            })
        };
    Retract: Command::Retract { .. } => "retract" ("#N [REASON]") writes true, incident true,
        most None, complete [Nothing, Nothing], keys [Retract],
        "withdraw entry #N or a severity or status change (it stays on the record, struck)",
        |a| {
            let seq = a.seq()?;
            let reason = a.after_first();
            Ok(Command::Retract {
                seq,
                reason: (!reason.is_empty()).then(|| reason.to_string()),
            })
        };
    Link: Command::Link { .. } => "link" ("KIND REF [URL]") writes true, incident true,
        most Some(3), complete [LinkKinds, Nothing], keys [],
        "link the ticket, chat channel, bridge, a dashboard or a runbook (the header shows the bridge and chat)",
        |a| {
            let usage = "a kind and a reference: `link ticket OPS-4411 https://…`";
            let mut words = a.words();
            let kind: LinkKind = words.next().ok_or_else(|| a.need(usage))?.parse()?;
            let reference = words.next().ok_or_else(|| a.need(usage))?;
            if reference.chars().count() > MAX_REFERENCE {
                return Err(format!("A reference is at most {MAX_REFERENCE} characters."));
            }
            let url = words.next().map(address).transpose()?;
            if reference.contains("://") {
                address(reference)?;
            }
            Ok(Command::Link {
                kind,
                reference: reference.to_string(),
                url,
            })
        };
    FollowUp: Command::FollowUp { .. } => "followup" ["follow-up"] ("TEXT [--owner PERSON]")
        writes true, incident true, most None, complete [Nothing, Nothing], keys [],
        "record an action item for after the incident, with its owner",
        |a| {
            let (text_part, owner) = match a.rest.split_once("--owner") {
                Some((before, after)) => {
                    let names = split_words(after.trim_start_matches('='));
                    let owner = names.first().ok_or_else(|| a.need("a name after --owner"))?;
                    if names.len() > 1 {
                        return Err("`--owner` takes one name, at the end: `followup TEXT --owner raj`".into());
                    }
                    (before, Some(person(owner)?))
                }
                None => (a.rest, None),
            };
            Ok(Command::FollowUp {
                text: text(text_part, &a.need("what is to be done: `followup Add a canary --owner raj`"))?,
                owner,
            })
        };
    Export: Command::Export { .. } => "export" ("[md|json|csv] [PATH]") writes false, incident true,
        most None, complete [Formats, Nothing], keys [Export],
        "write the report to PATH (the format from its extension), or to a file named for the incident",
        |a| {
            let first = a.words().next().unwrap_or_default();
            let named = match first {
                "md" | "markdown" => Some(Format::Md),
                "json" => Some(Format::Json),
                "csv" => Some(Format::Csv),
                _ => None,
            };
            let path = if named.is_some() { a.after_first() } else { a.rest };
            let path = (!path.is_empty()).then(|| path.to_string());
            let from_extension = path.as_deref().and_then(|p| Format::of_path(std::path::Path::new(p)));
            if named.is_none() && path.is_some() && from_extension.is_none() && !first.contains(['/', '.']) {
                return Err(format!("`{first}` is not an export format: md, json or csv (or give a PATH ending in .md, .json or .csv)"));
            }
            Ok(Command::Export {
                format: Format::choose(named, path.as_deref().map(std::path::Path::new)),
                path,
            })
        };
    Copy: Command::Copy { .. } => "copy" ["yank"] ("[report]") writes false, incident true, most Some(1),
        complete [Nothing, Nothing], keys [Copy],
        "copy to your clipboard over SSH (OSC 52): the selected entry, else the last update; `report`: the report",
        |a| match a.rest {
            "" => Ok(Command::Copy { report: false }),
            "report" => Ok(Command::Copy { report: true }),
            other => Err(format!("`copy` takes nothing or `report`, not `{other}`")),
        };
    Incident: Command::Incident(_) => "incident" ["inc"] ("ID") writes false, incident false,
        most None, complete [Incidents, Nothing], keys [PickIncident, Choose],
        "switch to another incident", |a| Ok(Command::Incident(a.text("an incident id")?));
    Filter: Command::Filter(_) => "filter" ("TEXT") writes false, incident false, most None,
        complete [Nothing, Nothing], keys [Filter], "filter the timeline",
        |a| Ok(Command::Filter(a.rest.to_string()));
    Time: Command::Time(_) => "time" ("utc|local|offset") writes false, incident false, most None,
        complete [TimeStyles, Nothing], keys [TimeFormat], "how times are shown",
        |a| match a.rest {
            "utc" | "local" | "offset" => Ok(Command::Time(a.rest.to_string())),
            _ => Err("`time` takes utc, local or offset".into()),
        };
    Theme: Command::Theme(_) => "theme" ("NAME") writes false, incident false, most None,
        complete [Themes, Nothing], keys [], "switch the colour theme",
        |a| Ok(Command::Theme(a.text("a theme name")?));
    Sources: Command::Sources(_) => "sources" ["source"] ("findings|searches|backups|health")
        writes false, incident false, most None, complete [SourceViews, Nothing],
        keys [SourceViewNext, SourceViewPrev], "show a view of the sources pane",
        |a| match a.rest {
            "" => Ok(Command::Sources(None)),
            view => Ok(Command::Sources(Some(SourceTab::parse(view).ok_or_else(|| {
                format!("`{view}` is not a view: findings, searches, backups or health")
            })?))),
        };
    Finding: Command::Finding { .. } => "finding" ("notified|resolved|suppressed|note TEXT")
        writes true, incident false, most None, complete [FindingChanges, Nothing],
        keys [FindingNotified, FindingResolved, FindingSuppressed, FindingNote],
        "change the selected Security Hub finding",
        |a| {
            let what = a.words().next().unwrap_or_default();
            let workflow = |w| Ok(Command::Finding {
                workflow: Some(w),
                note: None,
            });
            match what {
                "notified" => workflow(Workflow::Notified),
                "resolved" => workflow(Workflow::Resolved),
                "suppressed" => workflow(Workflow::Suppressed),
                "note" => Ok(Command::Finding {
                    workflow: None,
                    note: Some(text(a.rest[what.len()..].trim(), &a.need("a note: `finding note TEXT`"))?),
                }),
                _ => Err("`finding` takes notified, resolved, suppressed or note TEXT".into()),
            }
        };
    Drill: Command::Drill(_) => "drill" ("pause|resume|speed N|skip SEQ|inject SEQ|adhoc TEXT|end")
        writes true, incident false, most None, complete [DrillControls, Nothing], keys [],
        "facilitator: control the drill", |a| Ok(Command::Drill(a.rest.parse()?));
    Msel: Command::Msel => "msel" ("") writes false, incident false, most None,
        complete [Nothing, Nothing], keys [], "facilitator: the MSEL or the metrics",
        |_| Ok(Command::Msel);
    Help: Command::Help => "help" ["?"] ("") writes false, incident false, most None,
        complete [Nothing, Nothing], keys [Help], "show the key bindings", |_| Ok(Command::Help);
    Quit: Command::Quit => "quit" ["q"] ("") writes false, incident false, most None,
        complete [Nothing, Nothing], keys [Quit], "leave the console", |_| Ok(Command::Quit);
}

/// The palette opened to declare: its word typed, the severity next.
pub fn declaring() -> String {
    format!("{} ", row::Declare.word)
}

/// The row for a command word or alias.
pub fn spec(word: &str) -> Option<&'static Spec> {
    COMMANDS
        .iter()
        .find(|s| s.word == word || s.aliases.contains(&word))
}

/// The command whose row lists `action` among the keys that do the same, if any.
pub fn command_of(action: Action) -> Option<&'static Spec> {
    COMMANDS.iter().find(|s| s.actions.contains(&action))
}

/// Parse a palette line (without the leading `:`).
pub fn parse(line: &str) -> Result<Command, String> {
    let line = line.trim();
    let (word, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
    parse_split(word, rest.trim(), split_words(rest))
}

/// Parse a command given as words, as a shell hands them over (`warroom do role comms "Priya K"`):
/// each word stays one, spaces and all.
pub fn parse_words(words: &[String]) -> Result<Command, String> {
    let (word, args) = words
        .split_first()
        .map_or(("", &[][..]), |(w, a)| (w.as_str(), a));
    parse_split(word.trim(), &args.join(" "), args.to_vec())
}

fn parse_split(word: &str, rest: &str, words: Vec<String>) -> Result<Command, String> {
    if word.is_empty() {
        return Err("type a command; Tab completes".into());
    }
    let Some(spec) = spec(word) else {
        return Err(format!("`{word}` is not a command; Tab lists them"));
    };
    // Names are one word: `role commander a b c d` must not assign `a` and drop the rest.
    if let Some(most) = spec.most
        && words.len() > most
    {
        return Err(format!(
            "`{word}` takes {}: `{rest}` is more than that (a name is one word, or in quotes: \"Priya K\")",
            spec.args
        ));
    }
    (spec.parse)(&Args {
        word,
        rest: rest.trim(),
        words,
    })
}

fn text(s: &str, err: &str) -> Result<String, String> {
    if s.trim().is_empty() {
        Err(err.to_string())
    } else {
        Ok(s.trim().to_string())
    }
}

/// The longest reference a link takes (a ticket key, a channel, an address).
const MAX_REFERENCE: usize = 200;
/// The longest address a link takes.
const MAX_URL: usize = 2048;

/// A link's address: http or https, in one piece, not too long.
fn address(url: &str) -> Result<String, String> {
    let lower = url.to_ascii_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://")) || url.len() <= "http://".len() {
        return Err(format!("`{url}` is not an address: use https://…"));
    }
    if url.len() > MAX_URL {
        return Err(format!("An address is at most {MAX_URL} characters."));
    }
    Ok(url.to_string())
}

/// What the palette can complete from: things the incident knows.
#[derive(Debug, Default, Clone)]
pub struct Vocabulary {
    pub people: Vec<String>,
    pub items: Vec<String>,
    pub incidents: Vec<String>,
    pub themes: Vec<String>,
}

/// Candidates for the word being typed at the end of `line`, each as the whole completed line.
pub fn complete(line: &str, vocab: &Vocabulary) -> Vec<String> {
    // Quoted words are one (a title, a name with a space), quoted again in what is offered.
    let words: Vec<String> = split_words(line).iter().map(|w| quote(w)).collect();
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let ends_with_space = line.ends_with(' ');
    let (done, partial) = if ends_with_space || words.is_empty() {
        (words.as_slice(), "")
    } else {
        (&words[..words.len() - 1], words[words.len() - 1])
    };
    let prefix = if done.is_empty() {
        String::new()
    } else {
        format!("{} ", done.join(" "))
    };
    let offered = |c: Complete| -> Vec<String> {
        match c {
            Complete::Nothing => Vec::new(),
            Complete::Severities => (1..=5).map(|n| n.to_string()).collect(),
            Complete::Statuses => Status::ALL.iter().map(|s| s.to_string()).collect(),
            Complete::Audiences => Audience::ALL.iter().map(|a| a.to_string()).collect(),
            Complete::LinkKinds => LinkKind::ALL.iter().map(|k| k.to_string()).collect(),
            Complete::Roles => Role::STANDARD.iter().map(|r| r.to_string()).collect(),
            Complete::People => vocab.people.clone(),
            Complete::Items => vocab.items.clone(),
            Complete::Formats => ["md", "json", "csv"].map(String::from).to_vec(),
            Complete::TimeStyles => ["utc", "local", "offset"].map(String::from).to_vec(),
            Complete::Incidents => vocab.incidents.clone(),
            Complete::Themes => vocab.themes.clone(),
            Complete::SourceViews => SourceTab::ALL.iter().map(|t| t.name().to_string()).collect(),
            Complete::FindingChanges => ["notified", "resolved", "suppressed", "note"]
                .map(String::from)
                .to_vec(),
            Complete::DrillControls => (crate::drill::facilitator::CONTROLS.iter())
                .map(|(c, _, _)| c.to_string())
                .collect(),
        }
    };
    let options: Vec<String> = match done {
        [] => COMMANDS.iter().map(|c| c.word.to_string()).collect(),
        [cmd] => spec(cmd).map_or(Vec::new(), |s| offered(s.complete[0])),
        [cmd, _] => spec(cmd).map_or(Vec::new(), |s| offered(s.complete[1])),
        _ => Vec::new(),
    };
    options
        .into_iter()
        .filter(|o| {
            let (o, partial) = (o.trim_start_matches('"'), partial.trim_start_matches('"'));
            // Any word of a title counts: `sev` finds "Set the severity …".
            let lower = partial.to_lowercase();
            o.starts_with(partial)
                || o.rsplit('/').next().is_some_and(|s| s.starts_with(partial))
                || (!lower.is_empty()
                    && (o.to_lowercase().split(|c: char| !c.is_alphanumeric()))
                        .any(|w| w.starts_with(&lower)))
        })
        .map(|o| format!("{prefix}{o} "))
        .collect()
}

/// The longest common prefix of the candidates: what Tab fills in when several match.
pub fn common_prefix(candidates: &[String]) -> Option<String> {
    let first = candidates.first()?;
    let mut end = first.len();
    for c in &candidates[1..] {
        end = end.min(first.bytes().zip(c.bytes()).take_while(|(a, b)| a == b).count());
    }
    while !first.is_char_boundary(end) {
        end -= 1;
    }
    Some(first[..end].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_keep_a_name_whole_and_extra_words_are_refused() {
        assert_eq!(
            split_words(r#" role  "Priya K" 'x y' z "#),
            ["role", "Priya K", "x y", "z"]
        );
        // An unclosed or mid-word quote is a character: text with apostrophes stays text.
        assert_eq!(split_words("'tis o'clock \"a"), ["'tis", "o'clock", "\"a"]);
        assert_eq!(split_words(r#""a"b c"#), [r#""a"b"#, "c"]);
        assert_eq!(
            parse(r#"role comms "Priya K""#),
            Ok(Command::Role {
                role: Role::Comms,
                person: "Priya K".into()
            })
        );
        let err = parse("role comms Priya K").expect_err("three words");
        assert!(err.contains("in quotes"), "{err}");
        let err = parse(r#"role comms "Priya K"#).expect_err("unclosed");
        assert!(err.contains("more than that"), "{err}");
        let err = parse(r#"add "Pri"ya"#).expect_err("a quote in a name");
        assert!(err.contains("cannot be a name"), "{err}");
        assert!(parse("assign a sam extra").is_err());
        assert!(parse("page sam@laptop").is_err(), "a name has no @ in it");
        assert_eq!(parse("ack @sam"), Ok(Command::Ack(Some("sam".into()))));
        // From a shell, each word is one already.
        let words = ["role", "comms", "Priya K"].map(String::from);
        assert_eq!(
            parse_words(&words),
            Ok(Command::Role {
                role: Role::Comms,
                person: "Priya K".into()
            })
        );
        let words = ["note", "it's", "down"].map(String::from);
        assert_eq!(parse_words(&words), Ok(Command::Note("it's down".into())));
        assert_eq!(
            parse(r#"followup Add a canary --owner "Raj P""#),
            Ok(Command::FollowUp {
                text: "Add a canary".into(),
                owner: Some("Raj P".into())
            })
        );
    }

    #[test]
    fn each_command_comes_back_to_its_own_row() {
        let lines = [
            "sev 2",
            "status active",
            "role scribe priya",
            "release scribe",
            "add sam",
            "page sam",
            "ack",
            "join",
            "leave",
            "note x",
            "decision x",
            "update x",
            "check a",
            "uncheck a",
            "assign a sam",
            "handoff sam",
            "resolve",
            "reopen",
            "declare 2 t",
            "title t",
            "amend #4 corrected",
            "retract 4 wrong incident",
            "link ticket OPS-1",
            "followup add a canary --owner raj",
            "export",
            "copy",
            "incident INC-1",
            "filter x",
            "time utc",
            "theme dark",
            "sources",
            "finding notified",
            "drill pause",
            "msel",
            "help",
            "quit",
        ];
        let mut words = std::collections::HashSet::new();
        for c in COMMANDS {
            for w in std::iter::once(&c.word).chain(c.aliases) {
                assert!(words.insert(*w), "`{w}` names two commands");
            }
            let line = (lines.iter())
                .find(|l| l.split_whitespace().next() == Some(c.word))
                .unwrap_or_else(|| panic!("no sample line for `{}`", c.word));
            let parsed = parse(line).unwrap_or_else(|e| panic!("{line}: {e}"));
            assert_eq!(parsed.spec().word, c.word, "{line}");
            for alias in c.aliases {
                let again = line.replacen(c.word, alias, 1);
                assert_eq!(parse(&again).map(|p| p.spec().word), Ok(c.word), "{again}");
            }
        }
        assert_eq!(lines.len(), COMMANDS.len());
    }

    #[test]
    fn parses_the_commands_people_type() {
        assert_eq!(parse("sev 1"), Ok(Command::Severity(Severity::WORST)));
        assert_eq!(parse("status mitigated"), Ok(Command::Status(Status::Mitigated)));
        assert_eq!(
            parse("role scribe @priya"),
            Ok(Command::Role {
                role: Role::Scribe,
                person: "priya".into()
            })
        );
        assert_eq!(
            parse("note db-01 is back  "),
            Ok(Command::Note("db-01 is back".into()))
        );
        assert_eq!(
            parse("declare 2 Checkout API failing"),
            Ok(Command::Declare {
                severity: Severity::new(2).expect("valid"),
                title: "Checkout API failing".into()
            })
        );
        assert_eq!(
            parse("export md"),
            Ok(Command::Export {
                format: Format::Md,
                path: None
            })
        );
        assert_eq!(
            parse("export ~/pm/INC-1.JSON"),
            Ok(Command::Export {
                format: Format::Json,
                path: Some("~/pm/INC-1.JSON".into())
            })
        );
        assert_eq!(
            parse("export csv out/report.txt"),
            Ok(Command::Export {
                format: Format::Csv,
                path: Some("out/report.txt".into())
            })
        );
        assert!(parse("export pdf").unwrap_err().contains("not an export format"));
        assert_eq!(parse("copy report"), Ok(Command::Copy { report: true }));
        assert_eq!(parse("ack"), Ok(Command::Ack(None)));
    }

    #[test]
    fn mistakes_explain_themselves() {
        assert!(parse("sev 9").unwrap_err().contains("1 to 5"));
        assert!(parse("status done").unwrap_err().contains("mitigated"));
        assert!(parse("role scribe").unwrap_err().contains("person"));
        assert!(parse("note").unwrap_err().contains("text"));
        assert!(parse("frobnicate").unwrap_err().contains("not a command"));
        assert!(parse("sources alerts").unwrap_err().contains("not a view"));
        assert!(parse("finding closed").unwrap_err().contains("notified"));
        assert!(parse("finding note  ").unwrap_err().contains("note"));
        // Issue 24, item 9: more names than a command takes, and signed severities.
        for line in [
            "role commander a b c d",
            "page sam phone now",
            "ack priya k",
            "handoff sam lee",
        ] {
            let err = parse(line).expect_err(line);
            assert!(err.contains("one word"), "{line}: {err}");
        }
        for line in ["sev +1", "sev SEV+1", "sev +2"] {
            assert!(parse(line).expect_err(line).contains("1 to 5"), "{line}");
        }
        assert_eq!(parse("sev SEV-1"), Ok(Command::Severity(Severity::WORST)));
        assert!(
            parse("followup Fix it --owner")
                .unwrap_err()
                .contains("a name after --owner")
        );
        assert!(
            parse("followup Fix it --owner raj and sam")
                .unwrap_err()
                .contains("one name")
        );
        assert!(
            parse("link ticket OPS-1 https://x more")
                .unwrap_err()
                .contains("one word")
        );
        assert!(
            parse("link bridge http://")
                .unwrap_err()
                .contains("not an address")
        );
    }

    #[test]
    fn links_take_a_kind_by_any_of_its_names() {
        let link = |line: &str| match parse(line) {
            Ok(Command::Link { kind, reference, url }) => (kind, reference, url),
            other => panic!("{line}: {other:?}"),
        };
        assert_eq!(
            link("link SLACK #inc-42"),
            (LinkKind::Chat, "#inc-42".to_string(), None)
        );
        assert_eq!(
            link("link zoom https://zoom.example/j/1"),
            (LinkKind::Bridge, "https://zoom.example/j/1".to_string(), None)
        );
        assert_eq!(
            parse("followup Add a canary --owner=@raj"),
            Ok(Command::FollowUp {
                text: "Add a canary".into(),
                owner: Some("raj".into())
            })
        );
    }

    #[test]
    fn source_commands_parse() {
        assert_eq!(
            parse("sources backups"),
            Ok(Command::Sources(Some(SourceTab::Backups)))
        );
        assert_eq!(parse("sources"), Ok(Command::Sources(None)));
        assert_eq!(
            parse("finding resolved"),
            Ok(Command::Finding {
                workflow: Some(Workflow::Resolved),
                note: None
            })
        );
        assert_eq!(
            parse("finding note  owner paged,  ticket SEC-12 "),
            Ok(Command::Finding {
                workflow: None,
                note: Some("owner paged,  ticket SEC-12".into())
            })
        );
        let vocab = Vocabulary::default();
        assert_eq!(complete("sources b", &vocab), vec!["sources backups "]);
        assert_eq!(complete("finding s", &vocab), vec!["finding suppressed "]);
    }

    #[test]
    fn tab_completes_commands_and_arguments() {
        let vocab = Vocabulary {
            people: vec!["kenji".into(), "maria".into()],
            items: vec![
                quote("Assign an incident commander"),
                quote("Set the severity (when in doubt, assume the worst)"),
            ],
            ..Vocabulary::default()
        };
        assert_eq!(complete("st", &vocab), vec!["status "]);
        assert_eq!(complete("status m", &vocab), vec!["status mitigated "]);
        assert_eq!(complete("role scribe k", &vocab), vec!["role scribe kenji "]);
        // Items by words of their titles, quoted, and the person after one.
        assert_eq!(
            complete("check sev", &vocab),
            vec!["check \"Set the severity (when in doubt, assume the worst)\" "]
        );
        assert_eq!(
            complete("assign \"Assign an incident commander\" k", &vocab),
            vec!["assign \"Assign an incident commander\" kenji "]
        );
        assert_eq!(parse("check"), Ok(Command::Check(None)));
        assert_eq!(
            parse("check \"Set the severity\""),
            Ok(Command::Check(Some("Set the severity".into())))
        );
        assert_eq!(
            parse("assign kenji"),
            Ok(Command::Assign {
                item: None,
                person: "kenji".into()
            })
        );
        assert_eq!(complete("sev ", &vocab).len(), 5);
        let several = complete("re", &vocab);
        assert_eq!(common_prefix(&several).as_deref(), Some("re"));
    }
}
