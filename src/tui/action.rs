//! The console's vocabulary. One `Action` enum serves the keymap, the command palette, the
//! help overlay and the tests; each has a kebab-case name (used in the config file's `[keys]`
//! table) and a one-line description (shown by `?`).

use std::fmt;
use std::str::FromStr;

macro_rules! actions {
    ($($variant:ident = $name:literal, $help:literal, $writes:literal;)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Action { $($variant),* }

        impl Action {
            /// Every action, in the order the help overlay lists them.
            pub const ALL: &'static [Action] = &[$(Action::$variant),*];

            pub fn name(self) -> &'static str {
                match self { $(Action::$variant => $name),* }
            }
            pub fn help(self) -> &'static str {
                match self { $(Action::$variant => $help),* }
            }
            /// Whether it appends to the timeline (and so is unavailable in a read-only console).
            pub fn writes(self) -> bool {
                match self { $(Action::$variant => $writes),* }
            }
        }
    };
}

actions! {
    Quit = "quit", "Leave the console (nothing is lost: the timeline is already saved)", false;
    Help = "help", "Show every key binding", false;
    Palette = "palette", "Open the command palette", false;
    Filter = "filter", "Filter the timeline by kind, author or text", false;
    FocusNext = "focus-next", "Move focus to the next pane", false;
    FocusPrev = "focus-prev", "Move focus to the previous pane", false;
    FocusTimeline = "focus-timeline", "Focus the timeline", false;
    FocusRoster = "focus-roster", "Focus the roster", false;
    FocusChecklist = "focus-checklist", "Focus the checklist", false;
    FocusMetrics = "focus-metrics", "Focus the metrics", false;
    FocusSources = "focus-sources", "Focus the source health", false;
    Zoom = "zoom", "Show the focused pane alone (again to return)", false;
    Up = "up", "Move up / scroll up", false;
    Down = "down", "Move down / scroll down", false;
    PageUp = "page-up", "Scroll up a page", false;
    PageDown = "page-down", "Scroll down a page", false;
    Top = "top", "Go to the top (oldest)", false;
    Bottom = "bottom", "Go to the bottom (newest) and follow", false;
    Follow = "follow", "Follow new events on the timeline (on/off)", false;
    TimeFormat = "time-format", "Show times as UTC, local or T+ offsets", false;
    PickIncident = "pick-incident", "Switch to another incident", false;
    Note = "note", "Write a note", true;
    Decision = "decision", "Record a decision", true;
    StatusUpdate = "status-update", "Post a status update (from a template)", true;
    Handoff = "handoff", "Hand off command with a briefing", true;
    ToggleItem = "toggle-item", "Check or uncheck the selected checklist item", true;
    SeverityUp = "severity-up", "Raise the severity (towards SEV1)", true;
    SeverityDown = "severity-down", "Lower the severity (towards SEV5)", true;
    NextStatus = "next-status", "Move the status on: triage, active, mitigated, resolved", true;
    Resolve = "resolve", "Resolve the incident", true;
    Page = "page", "Record a page to a responder", true;
    Acknowledge = "acknowledge", "Record a responder's acknowledgement", true;
    AssignRole = "assign-role", "Assign a role (commander, scribe, comms, ops…)", true;
    Declare = "declare", "Declare a new incident", true;
    Export = "export", "Write the post-incident report (Markdown) to a file", false;
    SourceViewNext = "source-view-next", "Sources: the next view (findings, searches, backups, health)", false;
    SourceViewPrev = "source-view-prev", "Sources: the previous view", false;
    Open = "open", "Sources: open the selected finding or search in detail", false;
    SortFindings = "sort-findings", "Findings: sort by severity, then age, then title", false;
    FindingNotified = "finding-notified", "Findings: set the selected finding NOTIFIED", true;
    FindingResolved = "finding-resolved", "Findings: set the selected finding RESOLVED (asks first)", true;
    FindingSuppressed = "finding-suppressed", "Findings: set the selected finding SUPPRESSED (asks first)", true;
    FindingNote = "finding-note", "Findings: add a note to the selected finding", true;
    BackupReadiness = "backup-readiness", "Backups: switch between jobs and readiness per resource", false;
}

/// Where an action's keys work. Keys route from the most specific scope out: in the findings
/// view a key bound to a finding action shadows the same key's global action, and everywhere
/// else the global action keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    Global,
    /// The sources pane, whatever its view.
    Sources,
    /// The sources pane's findings view.
    Findings,
    /// The sources pane's backups view.
    Backups,
}

impl Action {
    pub fn scope(self) -> Scope {
        match self {
            Action::SourceViewNext | Action::SourceViewPrev | Action::Open => Scope::Sources,
            Action::SortFindings
            | Action::FindingNotified
            | Action::FindingResolved
            | Action::FindingSuppressed
            | Action::FindingNote => Scope::Findings,
            Action::BackupReadiness => Scope::Backups,
            _ => Scope::Global,
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Action {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Action::ALL
            .iter()
            .copied()
            .find(|a| a.name() == s)
            .ok_or_else(|| format!("`{s}` is not an action; see `?` in the console for the list"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_kebab_case_and_parse_back() {
        let mut seen = std::collections::HashSet::new();
        for a in Action::ALL {
            assert!(seen.insert(a.name()), "{a} twice");
            assert!(
                a.name().chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "{a}"
            );
            assert_eq!(a.name().parse::<Action>(), Ok(*a));
        }
        assert!("launch-missiles".parse::<Action>().is_err());
    }
}
