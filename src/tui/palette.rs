//! The `:` command palette: what can be typed, how it parses, and Tab completion.

use super::refs::SourceTab;
use crate::export::Format;
use crate::sources::securityhub::Workflow;
use crate::timeline::{Role, Severity, Status};

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
    Update(String),
    Check(String),
    Uncheck(String),
    Assign {
        item: String,
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
    Export(Format),
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

/// Every command word, its argument hint and what it does (for completion and help).
pub const COMMANDS: &[(&str, &str, &str)] = &[
    ("sev", "1-5", "set the severity"),
    (
        "status",
        "triage|active|mitigated|resolved|closed",
        "set the status",
    ),
    ("role", "ROLE PERSON", "assign a role"),
    ("release", "ROLE [PERSON]", "release a role"),
    ("add", "PERSON", "add a responder"),
    ("page", "PERSON [VIA]", "record a page"),
    (
        "ack",
        "[PERSON]",
        "record an acknowledgement (you, if no one is named)",
    ),
    ("join", "[PERSON]", "record that someone joined"),
    ("leave", "[PERSON]", "record that someone left"),
    ("note", "TEXT", "write a note"),
    ("decision", "TEXT", "record a decision"),
    ("update", "TEXT", "post a status update"),
    ("check", "ITEM", "check a checklist item"),
    ("uncheck", "ITEM", "uncheck a checklist item"),
    ("assign", "ITEM PERSON", "give a checklist item to someone"),
    ("handoff", "PERSON", "hand off command (opens the briefing)"),
    ("resolve", "", "resolve the incident"),
    ("reopen", "", "reopen a resolved incident"),
    ("declare", "SEV TITLE", "declare a new incident"),
    ("title", "TEXT", "retitle the incident"),
    ("export", "md|json|csv", "write the report to a file"),
    ("incident", "ID", "switch to another incident"),
    ("filter", "TEXT", "filter the timeline"),
    ("time", "utc|local|offset", "how times are shown"),
    ("theme", "NAME", "switch the colour theme"),
    (
        "sources",
        "findings|searches|backups|health",
        "show a view of the sources pane",
    ),
    (
        "finding",
        "notified|resolved|suppressed|note TEXT",
        "change the selected Security Hub finding",
    ),
    (
        "drill",
        "pause|resume|speed N|skip SEQ|inject SEQ|adhoc TEXT|end",
        "facilitator: control the drill",
    ),
    ("msel", "", "facilitator: the MSEL or the metrics"),
    ("help", "", "show the key bindings"),
    ("quit", "", "leave the console"),
];

/// Parse a palette line (without the leading `:`).
pub fn parse(line: &str) -> Result<Command, String> {
    let line = line.trim();
    let (word, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
    let rest = rest.trim();
    let mut args = rest.split_whitespace();
    let person = |s: &str| s.trim_start_matches('@').to_string();
    let need = |what: &str| format!("`{word}` needs {what}");
    let optional = |s: &str| (!s.is_empty()).then(|| person(s));
    // Names are one word: `role commander a b c d` must not assign `a` and drop the rest.
    let most = match word {
        "add" | "ack" | "acknowledge" | "join" | "leave" | "handoff" => Some(1),
        "role" | "assign-role" | "release" | "page" => Some(2),
        _ => None,
    };
    if let Some(most) = most
        && rest.split_whitespace().count() > most
    {
        let usage = COMMANDS
            .iter()
            .find(|(w, _, _)| *w == word)
            .map_or("", |(_, a, _)| *a);
        return Err(format!(
            "`{word}` takes {usage}: `{rest}` is more than that (a name is one word, like priya or priya.k)"
        ));
    }
    let cmd = match word {
        "sev" | "severity" => Command::Severity(rest.parse()?),
        "status" => Command::Status(rest.parse()?),
        "role" | "assign-role" => {
            let role = args
                .next()
                .ok_or_else(|| need("a role and a person: `role scribe priya`"))?;
            let who = args.next().ok_or_else(|| need("a person: `role scribe priya`"))?;
            Command::Role {
                role: Role::from(role),
                person: person(who),
            }
        }
        "release" => {
            let role = args.next().ok_or_else(|| need("a role"))?;
            Command::Release {
                role: Role::from(role),
                person: args.next().map(person),
            }
        }
        "add" => Command::Add(person(args.next().ok_or_else(|| need("a person"))?)),
        "page" => Command::Page {
            person: person(args.next().ok_or_else(|| need("a person"))?),
            via: args.next().map(str::to_string),
        },
        "ack" | "acknowledge" => Command::Ack(optional(rest)),
        "join" => Command::Join(optional(rest)),
        "leave" => Command::Leave(optional(rest)),
        "note" | "n" => Command::Note(text(rest, &need("some text"))?),
        "decision" | "decide" => Command::Decision(text(rest, &need("some text"))?),
        "update" => Command::Update(text(rest, &need("some text"))?),
        "check" => Command::Check(text(rest, &need("a checklist item"))?),
        "uncheck" => Command::Uncheck(text(rest, &need("a checklist item"))?),
        "assign" => {
            let item = args.next().ok_or_else(|| need("an item and a person"))?;
            let who = args.next().ok_or_else(|| need("a person"))?;
            Command::Assign {
                item: item.to_string(),
                person: person(who),
            }
        }
        "handoff" => Command::Handoff(person(args.next().ok_or_else(|| need("the incoming commander"))?)),
        "resolve" => Command::Resolve,
        "reopen" => Command::Reopen,
        "declare" => {
            let sev = args
                .next()
                .ok_or_else(|| need("a severity and a title: `declare 2 Checkout failing`"))?;
            let severity: Severity = sev.parse()?;
            let title = rest[sev.len()..].trim();
            Command::Declare {
                severity,
                title: text(title, &need("a title"))?,
            }
        }
        "title" => Command::Title(text(rest, &need("a title"))?),
        "export" => Command::Export(match rest {
            "" | "md" | "markdown" => Format::Md,
            "json" => Format::Json,
            "csv" => Format::Csv,
            other => return Err(format!("`{other}` is not an export format: md, json or csv")),
        }),
        "incident" | "inc" => Command::Incident(text(rest, &need("an incident id"))?),
        "filter" => Command::Filter(rest.to_string()),
        "time" => match rest {
            "utc" | "local" | "offset" => Command::Time(rest.to_string()),
            _ => return Err("`time` takes utc, local or offset".into()),
        },
        "theme" => Command::Theme(text(rest, &need("a theme name"))?),
        "sources" | "source" => match rest {
            "" => Command::Sources(None),
            view => Command::Sources(Some(SourceTab::parse(view).ok_or_else(|| {
                format!("`{view}` is not a view: findings, searches, backups or health")
            })?)),
        },
        "finding" => {
            let what = args.next().unwrap_or_default();
            let workflow = |w| Command::Finding {
                workflow: Some(w),
                note: None,
            };
            match what {
                "notified" => workflow(Workflow::Notified),
                "resolved" => workflow(Workflow::Resolved),
                "suppressed" => workflow(Workflow::Suppressed),
                "note" => Command::Finding {
                    workflow: None,
                    note: Some(text(
                        rest[what.len()..].trim(),
                        &need("a note: `finding note TEXT`"),
                    )?),
                },
                _ => return Err("`finding` takes notified, resolved, suppressed or note TEXT".into()),
            }
        }
        "drill" => Command::Drill(rest.parse()?),
        "msel" => Command::Msel,
        "help" | "?" => Command::Help,
        "quit" | "q" => Command::Quit,
        "" => return Err("type a command; Tab completes".into()),
        other => return Err(format!("`{other}` is not a command; Tab lists them")),
    };
    Ok(cmd)
}

fn text(s: &str, err: &str) -> Result<String, String> {
    if s.trim().is_empty() {
        Err(err.to_string())
    } else {
        Ok(s.trim().to_string())
    }
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
    let words: Vec<&str> = line.split_whitespace().collect();
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
    let options: Vec<String> = match done {
        [] => COMMANDS.iter().map(|(c, _, _)| c.to_string()).collect(),
        [cmd] => match *cmd {
            "sev" | "severity" => (1..=5).map(|n| n.to_string()).collect(),
            "declare" => (1..=5).map(|n| n.to_string()).collect(),
            "status" => Status::ALL.iter().map(|s| s.to_string()).collect(),
            "drill" => crate::drill::facilitator::CONTROLS
                .iter()
                .map(|(c, _, _)| c.to_string())
                .collect(),
            "role" | "release" => Role::STANDARD.iter().map(|r| r.to_string()).collect(),
            "add" | "page" | "ack" | "join" | "leave" | "handoff" => vocab.people.clone(),
            "check" | "uncheck" | "assign" => vocab.items.clone(),
            "export" => vec!["md".into(), "json".into(), "csv".into()],
            "time" => vec!["utc".into(), "local".into(), "offset".into()],
            "incident" | "inc" => vocab.incidents.clone(),
            "theme" => vocab.themes.clone(),
            "sources" => SourceTab::ALL.iter().map(|t| t.name().to_string()).collect(),
            "finding" => ["notified", "resolved", "suppressed", "note"]
                .map(String::from)
                .to_vec(),
            _ => Vec::new(),
        },
        [cmd, _] if matches!(*cmd, "role" | "release" | "assign") => vocab.people.clone(),
        _ => Vec::new(),
    };
    options
        .into_iter()
        .filter(|o| o.starts_with(partial) || o.rsplit('/').next().is_some_and(|s| s.starts_with(partial)))
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
        assert_eq!(parse("export md"), Ok(Command::Export(Format::Md)));
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
            items: vec!["generic/assign-ic".into(), "generic/all-clear".into()],
            ..Vocabulary::default()
        };
        assert_eq!(complete("st", &vocab), vec!["status "]);
        assert_eq!(complete("status m", &vocab), vec!["status mitigated "]);
        assert_eq!(complete("role scribe k", &vocab), vec!["role scribe kenji "]);
        assert_eq!(complete("check as", &vocab), vec!["check generic/assign-ic "]);
        assert_eq!(complete("sev ", &vocab).len(), 5);
        let several = complete("re", &vocab);
        assert_eq!(common_prefix(&several).as_deref(), Some("re"));
    }
}
