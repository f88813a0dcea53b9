//! The console's vocabulary: one table of every action. It feeds the keymap (its default keys
//! and where they work), the help overlay (its name and description), the footer (its hint)
//! and the tests; the palette's table (`palette::COMMANDS`) names the actions that do what a
//! command does. Each action has a
//! kebab-case name, used in the config file's `[keys]` table, so every key is remappable,
//! the modals' keys too.

use std::fmt;
use std::str::FromStr;

macro_rules! actions {
    ($($variant:ident = $name:literal, $scope:ident, [$($key:literal),*], $hint:expr,
       $writes:literal, $help:literal;)*) => {
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
            /// Where its keys work.
            pub fn scope(self) -> Scope {
                match self { $(Action::$variant => Scope::$scope),* }
            }
            /// Its keys unless the config file says otherwise, the one the hints show first.
            pub fn default_keys(self) -> &'static [&'static str] {
                match self { $(Action::$variant => &[$($key),*]),* }
            }
            /// Its place and label in the footer's key hints, if it is one of them.
            pub fn hint(self) -> Option<(u8, &'static str)> {
                match self { $(Action::$variant => $hint),* }
            }
        }
    };
}

actions! {
    Quit = "quit", Global, ["q", "ctrl-c"], Some((11, "quit")), false,
        "Leave the console (after the saves in flight; ctrl-c too)";
    Help = "help", Global, ["?"], Some((1, "help")), false, "Show every key binding";
    Palette = "palette", Global, [":"], Some((2, "command")), false, "Open the command palette";
    Search = "search", Global, ["/"], Some((9, "search")), false,
        "Search the timeline (matches highlighted, n/N next and previous); filter the sources pane's view";
    Filter = "filter", Global, ["&"], None, false,
        "Show only the timeline rows that match (kind:note, @maria, text)";
    FocusNext = "focus-next", Global, ["tab"], Some((10, "pane")), false, "Move focus to the next pane";
    FocusPrev = "focus-prev", Global, ["backtab"], None, false, "Move focus to the previous pane";
    FocusTimeline = "focus-timeline", Global, ["1"], None, false, "Focus the timeline";
    FocusRoster = "focus-roster", Global, ["2"], None, false, "Focus the roster";
    FocusChecklist = "focus-checklist", Global, ["3"], None, false, "Focus the checklist";
    FocusMetrics = "focus-metrics", Global, ["4"], None, false, "Focus the metrics";
    FocusSources = "focus-sources", Global, ["5"], None, false, "Focus the source health";
    Zoom = "zoom", Global, ["z"], None, false, "Show the focused pane alone (again to return)";
    Up = "up", Global, ["k", "up"], None, false, "Move up / scroll up (in lists and overlays too)";
    Down = "down", Global, ["j", "down"], None, false, "Move down / scroll down (in lists and overlays too)";
    PageUp = "page-up", Global, ["pgup"], None, false, "Scroll up a page";
    PageDown = "page-down", Global, ["pgdown"], None, false, "Scroll down a page";
    HalfPageUp = "half-page-up", Global, ["ctrl-u"], None, false, "Scroll up half a page";
    HalfPageDown = "half-page-down", Global, ["ctrl-d"], None, false, "Scroll down half a page";
    Top = "top", Global, ["g", "home"], None, false, "Go to the top (the oldest page, full)";
    Bottom = "bottom", Global, ["G", "end"], None, false, "Go to the bottom (newest) and follow";
    Follow = "follow", Global, ["f"], None, false, "Follow new events on the timeline (on/off)";
    TimeFormat = "time-format", Global, ["t"], None, false, "Show times as UTC, local or T+ offsets";
    PickIncident = "pick-incident", Global, ["i"], None, false, "Switch to another incident";
    Note = "note", Global, ["n"], Some((3, "note")), true, "Write a note";
    Decision = "decision", Global, ["d"], Some((4, "decision")), true, "Record a decision";
    StatusUpdate = "status-update", Global, ["u"], Some((5, "update")), true,
        "Post a status update (from a template)";
    Handoff = "handoff", Global, ["H"], None, true, "Hand off command with a briefing";
    ToggleItem = "toggle-item", Global, ["space", "x"], Some((8, "check")), true,
        "Check or uncheck the selected checklist item";
    SeverityUp = "severity-up", Global, ["+"], Some((6, "sev")), true, "Raise the severity (towards SEV1)";
    SeverityDown = "severity-down", Global, ["-"], None, true, "Lower the severity (towards SEV5)";
    NextStatus = "next-status", Global, ["s"], Some((7, "status")), true,
        "Move the status on: triage, active, mitigated, resolved";
    Resolve = "resolve", Global, ["R"], None, true, "Resolve the incident";
    Page = "page", Global, ["p"], None, true, "Record a page to a responder";
    Acknowledge = "acknowledge", Global, ["a"], None, true, "Record a responder's acknowledgement";
    AssignRole = "assign-role", Global, ["r"], None, true,
        "Assign a role (commander, scribe, comms, ops…)";
    Declare = "declare", Global, ["D"], None, true, "Declare a new incident";
    Export = "export", Global, ["e"], None, false, "Write the post-incident report (Markdown) to a file";
    Copy = "copy", Global, ["y"], None, false,
        "Copy to your clipboard, over SSH too (OSC 52): the selected timeline entry, else the last status update";
    SourceViewNext = "source-view-next", Sources, ["]"], Some((21, "view")), false,
        "Sources: the next view (findings, searches, backups, health)";
    SourceViewPrev = "source-view-prev", Sources, ["["], None, false, "Sources: the previous view";
    Open = "open", Global, ["enter"], Some((20, "open")), false,
        "Open what is selected in full: a timeline entry, a checklist item, a finding, a search";
    SortFindings = "sort-findings", Findings, ["s"], Some((15, "sort")), false, "Findings: sort by severity, then age, then title";
    FindingNotified = "finding-notified", Findings, ["N"], Some((16, "notified")), true,
        "Findings: set the selected finding NOTIFIED";
    FindingResolved = "finding-resolved", Findings, ["R"], Some((17, "resolved")), true,
        "Findings: set the selected finding RESOLVED (asks first)";
    FindingSuppressed = "finding-suppressed", Findings, ["S"], Some((18, "suppress")), true,
        "Findings: set the selected finding SUPPRESSED (asks first)";
    FindingNote = "finding-note", Findings, ["a"], Some((19, "annotate")), true, "Findings: add a note to the selected finding";
    Amend = "amend", Timeline, ["A"], Some((16, "amend")), true,
        "Timeline: correct the selected entry's text (the editor opens with it; the original is kept)";
    Retract = "retract", Timeline, ["X"], Some((17, "retract")), true,
        "Timeline: withdraw the selected entry or change, with a reason (it stays on the record, struck)";
    SearchNext = "search-next", Search, ["n"], Some((12, "next")), false,
        "Timeline search: the next match down (wraps)";
    SearchPrev = "search-prev", Search, ["N"], Some((13, "previous")), false,
        "Timeline search: the previous match up (wraps)";
    EndSearch = "end-search", Search, ["esc"], Some((14, "end search")), false,
        "Timeline search: end it (n writes a note again)";
    ClearFilter = "clear-filter", Filtered, ["esc"], Some((22, "clear filter")), false,
        "A filtered pane (timeline or sources view): clear the filter, show everything";
    BackupReadiness = "backup-readiness", Backups, ["r"], Some((15, "readiness")), false,
        "Backups: switch between jobs and readiness per resource";
    Close = "close", Overlay, ["esc", "q"], None, false,
        "Overlays (help, picker, detail, confirmation): close, or answer no";
    Choose = "choose", Picker, ["enter"], None, false, "Picker: open the selected incident";
    Yes = "yes", Confirm, ["y", "Y", "enter"], None, false, "Confirmation: yes, do it";
    No = "no", Confirm, ["n", "N"], None, false, "Confirmation: no";
    WithReason = "with-reason", Confirm, ["r"], None, false,
        "Confirming a severity or status change: yes, with a reason for the report (type it, then enter)";
    Save = "save", Editor, ["ctrl-s", "alt-enter"], None, false, "Editor: save what is written (appends it)";
    NextAudience = "next-audience", Editor, ["ctrl-t"], None, false,
        "Editor, status update: for the next audience (internal, executive, external)";
    CloseEditor = "close-editor", Editor, ["esc"], None, false,
        "Editor: close (with text written, asks whether to keep it as a draft)";
    KeepDraft = "keep-draft", Draft, ["y", "k", "enter"], None, false,
        "Closing the editor: keep what is written as a draft for the next time";
    DiscardDraft = "discard-draft", Draft, ["d"], None, false, "Closing the editor: discard what is written";
    LeaveNow = "leave-now", Leaving, ["L", "y"], None, false,
        "Leaving with saves failing or only spooled: leave anyway (says what is lost)";
    Stay = "stay", Leaving, ["esc", "n"], None, false, "Leaving: stay in the console";
    SaveUnsaved = "save-unsaved", Unsaved, ["y", "s", "enter"], None, false,
        "Unsaved actions from an earlier console: save them to the timeline now";
    DiscardUnsaved = "discard-unsaved", Unsaved, ["d"], None, false,
        "Unsaved actions from an earlier console: discard them";
}

/// Where an action's keys work. Keys route from the most specific scope out: in the findings
/// view a key bound to a finding action shadows the same key's global action, and everywhere
/// else the global action keeps it. Each overlay has its scope too; an overlay that lists or
/// scrolls also takes the global moves (`up`, `down`, `page-up`, `top`…), so remapping `up`
/// remaps it everywhere. The editor is the exception: it takes only its own keys (the rest
/// are typing), which therefore must be chords or named keys, never a printable character.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    Global,
    /// The sources pane, whatever its view.
    Sources,
    /// The sources pane's findings view.
    Findings,
    /// The sources pane's backups view.
    Backups,
    /// The timeline pane.
    Timeline,
    /// The timeline while a search is on.
    Search,
    /// The timeline or the sources pane's view while it is filtered.
    Filtered,
    /// Every overlay that is not typed into: help, the picker, a detail view, a confirmation.
    Overlay,
    /// The incident picker.
    Picker,
    /// A yes/no question.
    Confirm,
    /// The note, decision, update and handoff editor.
    Editor,
    /// The editor's "keep this as a draft?" question.
    Draft,
    /// The wait for saves on the way out.
    Leaving,
    /// The offer of an earlier console's unsaved actions.
    Unsaved,
}

impl Scope {
    /// How the help overlay heads this scope's keys.
    pub fn heading(self) -> &'static str {
        match self {
            Scope::Global => "Everywhere",
            Scope::Sources => "Sources pane",
            Scope::Findings => "Findings view",
            Scope::Backups => "Backups view",
            Scope::Timeline => "Timeline",
            Scope::Search => "Timeline search",
            Scope::Filtered => "A filtered pane",
            Scope::Overlay => "Overlays",
            Scope::Picker => "Incident picker",
            Scope::Confirm => "Confirmation",
            Scope::Editor => "Editor",
            Scope::Draft => "Closing the editor",
            Scope::Leaving => "Leaving",
            Scope::Unsaved => "Unsaved actions",
        }
    }

    /// The keys of an overlay or the editor, as opposed to the panes'.
    pub fn is_modal(self) -> bool {
        !matches!(
            self,
            Scope::Global
                | Scope::Sources
                | Scope::Findings
                | Scope::Backups
                | Scope::Timeline
                | Scope::Search
                | Scope::Filtered
        )
    }
}

impl Action {
    /// The moves an overlay that lists or scrolls takes from the global keys.
    pub fn is_move(self) -> bool {
        matches!(
            self,
            Action::Up
                | Action::Down
                | Action::PageUp
                | Action::PageDown
                | Action::HalfPageUp
                | Action::HalfPageDown
                | Action::Top
                | Action::Bottom
        )
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
    fn an_action_does_what_at_most_one_command_does() {
        for a in Action::ALL {
            let rows = (crate::tui::palette::COMMANDS.iter())
                .filter(|c| c.actions.contains(a))
                .count();
            assert!(rows <= 1, "{a} is the key of {rows} commands");
        }
    }

    #[test]
    fn footer_hints_have_distinct_places_where_they_show_together() {
        let together = [
            vec![Scope::Global],
            vec![Scope::Global, Scope::Sources, Scope::Findings],
            vec![Scope::Global, Scope::Sources, Scope::Backups],
            vec![Scope::Global, Scope::Timeline, Scope::Search, Scope::Filtered],
            vec![Scope::Global, Scope::Sources, Scope::Findings, Scope::Filtered],
            vec![Scope::Global, Scope::Sources, Scope::Backups, Scope::Filtered],
        ];
        for scopes in together {
            let mut places: Vec<u8> = (Action::ALL.iter())
                .filter(|a| scopes.contains(&a.scope()))
                .filter_map(|a| a.hint())
                .map(|(n, _)| n)
                .collect();
            let count = places.len();
            places.sort();
            places.dedup();
            assert_eq!(places.len(), count, "{scopes:?}");
        }
    }

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
