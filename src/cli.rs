//! Command-line definitions (clap). `main.rs` dispatches; `commands/` does the work.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "warroom",
    version,
    about = "A terminal war-room console for incident response: one shared, append-only timeline.",
    long_about = "A terminal war-room console for incident response: one shared, append-only timeline.\n\n\
        With no command, warroom opens the console on the store (it needs a terminal; scripts use\n\
        the commands below). `warroom demo` tries it with nothing set up.\n\n\
        The store is chosen by --store, then WARROOM_STORE, then `store` in the config file, then\n\
        $XDG_STATE_HOME/warroom/timeline.db.",
    after_help = "With no command, warroom opens the console. `warroom demo` tries it with nothing set up."
)]
pub struct Cli {
    /// The timeline: an SQLite file path (or a postgres:// URL).
    #[arg(
        long,
        global = true,
        help_heading = "Global options",
        env = "WARROOM_STORE",
        value_name = "PATH_OR_URL"
    )]
    pub store: Option<String>,
    /// The config file [default: $XDG_CONFIG_HOME/warroom/config.toml].
    #[arg(
        long,
        global = true,
        help_heading = "Global options",
        env = "WARROOM_CONFIG",
        value_name = "FILE"
    )]
    pub config: Option<PathBuf>,
    /// Who you are, when several people share this login: written as `NAME (user@host)`.
    #[arg(
        long = "as",
        global = true,
        help_heading = "Global options",
        env = "WARROOM_USER",
        value_name = "NAME"
    )]
    pub acting_as: Option<String>,
    /// Observe only: the console shows everything and writes nothing.
    #[arg(long, global = true, help_heading = "Global options")]
    pub read_only: bool,
    /// The console's colour theme: dark, light, high-contrast, colorblind, or one of yours.
    #[arg(
        long,
        global = true,
        help_heading = "Global options",
        env = "WARROOM_THEME",
        value_name = "NAME"
    )]
    pub theme: Option<String>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Try warroom with nothing set up: a live drill, played by a simulated team, in a temporary store.
    Demo(DemoArgs),
    /// Declare a new incident and attach its runbook.
    Declare(DeclareArgs),
    /// Append a note or decision to an incident's timeline (for people, scripts and alert hooks).
    Log(LogArgs),
    /// Run a console command without a screen, for bots, hooks and scripts: `warroom do sev 1
    /// --reason "…"`, `do status mitigated`, `do amend 41 "…"`, `do retract 41 --reason "…"`.
    Do(DoArgs),
    /// Show the open incidents.
    Status(StatusArgs),
    /// Write the post-incident report (Markdown) or the raw timeline (JSON, CSV).
    Export(ExportArgs),
    /// Prove that no event was edited, removed, inserted or reordered.
    Verify,
    /// List the runbooks (built in, and from the config folder), or print one to start yours
    /// from: `warroom runbooks show ransomware > ~/.config/warroom/runbooks/mine.toml`.
    Runbooks(RunbooksArgs),
    /// Check the configuration (keys, theme, runbooks, sources), that the store opens, and
    /// that every source answers.
    Check(CheckArgs),
    /// Write a commented example configuration (sources included).
    Init(InitArgs),
    /// Poll the configured sources without a screen and write their signals to the timeline.
    Watch,
    /// Exercises: play a scenario as the facilitator, check one, list the built-in ones, or
    /// write a run's after-action report.
    #[command(subcommand)]
    Drill(DrillCommand),
    /// Actions a console could not save (its store stayed busy or was replaced as it ended):
    /// list them, or save them to the timeline, or discard them.
    Unsaved(UnsavedArgs),
    /// Work on whole stores: `store copy --from X --to Y`.
    #[command(subcommand)]
    Store(StoreCommand),
    /// Print shell completions: `warroom completions bash > ~/.local/share/bash-completion/completions/warroom`.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

impl Command {
    /// The name `--read-only` refuses it by, if it writes to a timeline.
    pub fn writes(&self) -> Option<&'static str> {
        match self {
            Command::Declare(_) => Some("declare"),
            Command::Log(_) => Some("log"),
            Command::Do(_) => Some("do"),
            Command::Watch => Some("watch"),
            Command::Drill(DrillCommand::Run(_)) => Some("drill run"),
            Command::Drill(DrillCommand::Resume(_)) => Some("drill resume"),
            Command::Store(StoreCommand::Copy { .. }) => Some("store copy"),
            Command::Store(StoreCommand::Init { .. }) => Some("store init"),
            Command::Unsaved(args) if args.save => Some("unsaved --save"),
            _ => None,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum StoreCommand {
    /// Create a store the team can share on this host: the file 0660 and, with --group, that
    /// group's, whatever the umask; a folder it creates is 2770 and setgid, so the files SQLite
    /// makes beside the store take its group too.
    Init {
        /// The store file to create (an existing one is made shareable).
        path: PathBuf,
        /// The responders' group (a name or a number) [default: your primary group].
        #[arg(long, value_name = "GROUP")]
        group: Option<String>,
    },
    /// Copy a timeline to another store (e.g. a local file to the team's PostgreSQL server),
    /// hash chain intact, and verify the copy. The destination must be empty.
    Copy {
        /// The store to copy: an SQLite file path or a postgres:// URL.
        #[arg(long, value_name = "PATH_OR_URL")]
        from: String,
        /// Where to copy it.
        #[arg(long, value_name = "PATH_OR_URL")]
        to: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum DrillCommand {
    /// The built-in scenarios.
    List,
    /// Check scenario files; every problem names the file, line and field.
    Check {
        /// Scenario files (or built-in names).
        #[arg(required = true, value_name = "FILE")]
        files: Vec<String>,
    },
    /// Play a scenario as the facilitator: the console with the MSEL (or no screen, --headless).
    Run(DrillRunArgs),
    /// Take up a drill already running on the timeline (the facilitator's console was closed,
    /// or another host takes over): the newest running one, or the one named.
    Resume(DrillResumeArgs),
    /// The after-action report of a run (Markdown).
    Report(DrillReportArgs),
    /// Print a built-in scenario, to start one of your own from.
    Show {
        /// The scenario's name (`warroom drill list`).
        name: String,
    },
}

#[derive(Debug, Args)]
pub struct RunbooksArgs {
    #[command(subcommand)]
    pub command: Option<RunbooksCommand>,
}

#[derive(Debug, Subcommand)]
pub enum RunbooksCommand {
    /// Print a runbook's file as written (a built-in one is a template to start yours from).
    Show {
        /// The runbook's name (`warroom runbooks`).
        name: String,
    },
}

#[derive(Debug, Args)]
pub struct UnsavedArgs {
    /// Append them to the timeline (each once, by its id), then forget them.
    #[arg(long, conflicts_with = "discard")]
    pub save: bool,
    /// Forget them without saving.
    #[arg(long)]
    pub discard: bool,
}

#[derive(Debug, Args)]
pub struct DrillResumeArgs {
    /// The run [default: the newest run still going].
    #[arg(long, value_name = "RUN")]
    pub run: Option<String>,
    /// No screen (as `drill run --headless`).
    #[arg(long)]
    pub headless: bool,
}

#[derive(Debug, Args)]
pub struct DrillRunArgs {
    /// A scenario file, or the name of a built-in scenario (`warroom drill list`).
    #[arg(value_name = "SCENARIO")]
    pub scenario: String,
    /// Scenario seconds per real second: 0.5 to 60 in the console; headless up to 3600.
    #[arg(long, default_value_t = 1.0)]
    pub speed: f64,
    /// No screen: deliver the injects on time, print a line for each, read controls (pause,
    /// resume, speed N, skip SEQ, inject SEQ, adhoc TEXT, end) from standard input.
    #[arg(long)]
    pub headless: bool,
    /// Start with the scenario clock stopped (brief the players first; `resume` starts it).
    #[arg(long)]
    pub paused: bool,
}

#[derive(Debug, Args)]
pub struct DrillReportArgs {
    /// The run [default: the newest run in the store].
    #[arg(long, value_name = "RUN")]
    pub run: Option<String>,
    /// Write here instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Do not contact the sources.
    #[arg(long)]
    pub offline: bool,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Where to write it [default: --config, or $XDG_CONFIG_HOME/warroom/config.toml].
    #[arg(value_name = "FILE")]
    pub path: Option<PathBuf>,
    /// Replace an existing file.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Keep the demo store here instead of a temporary file.
    #[arg(long, value_name = "PATH")]
    pub keep: Option<PathBuf>,
    /// The built-in scenario to play (`warroom drill list`).
    #[arg(long, default_value = "ransomware", value_name = "NAME")]
    pub scenario: String,
}

#[derive(Debug, Args)]
#[command(
    after_help = "COMMAND is any of the console palette's writing commands (`:help` in the console, or \
    README.md), with the palette's words and errors: sev, status, role, release, add, page, ack, join, \
    leave, note, decision, update, check, uncheck, assign, resolve, reopen, declare, title, amend, \
    retract, link, followup. A question the console would ask is answered yes. Each appended event is printed once \
    it is durable: `#SEQ ID KIND on INCIDENT: WHAT`, or with --json one JSON object a line."
)]
pub struct DoArgs {
    /// The incident [default: the one open incident].
    #[arg(long, value_name = "ID")]
    pub incident: Option<String>,
    /// Why: for a severity or status change, a resolve, a retraction (the report shows it).
    #[arg(long)]
    pub reason: Option<String>,
    /// Who owns a follow-up (`followup "Add a canary" --owner raj`).
    #[arg(long, value_name = "PERSON")]
    pub owner: Option<String>,
    /// Print each appended event as one JSON object a line.
    #[arg(long)]
    pub json: bool,
    /// The command and its arguments, as typed after `:` in the console.
    #[arg(required = true, num_args = 1.., value_name = "COMMAND")]
    pub words: Vec<String>,
}

#[derive(Debug, Args)]
pub struct DeclareArgs {
    /// What is wrong, in a few words.
    #[arg(long)]
    pub title: String,
    /// 1 (worst) to 5; SEV1 and sev1 work too.
    #[arg(long, value_parser = parse_severity)]
    pub severity: crate::timeline::Severity,
    /// The runbook whose checklist to attach [default: generic]; `none` for no checklist.
    #[arg(long)]
    pub runbook: Option<String>,
    /// A longer description.
    #[arg(long)]
    pub summary: Option<String>,
    /// When the problem was first noticed, if before now (see `warroom log --help` for formats).
    #[arg(long, value_name = "TIME", value_parser = parse_when, allow_hyphen_values = true)]
    pub detected_at: Option<chrono::DateTime<chrono::Utc>>,
    /// This is an exercise, not a real incident.
    #[arg(long)]
    pub drill: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogKind {
    Note,
    Decision,
}

#[derive(Debug, Args)]
#[command(
    after_help = "TIME is RFC 3339 (2026-11-28T13:05:00Z), `YYYY-MM-DD HH:MM[:SS]` or `HH:MM[:SS]` \
    (UTC; a time later than now means yesterday), or relative: `-15m`, `-2h`, `-90s`."
)]
pub struct LogArgs {
    /// The text; `-` reads it from standard input.
    pub text: String,
    /// The incident [default: the one open incident].
    #[arg(long, value_name = "ID")]
    pub incident: Option<String>,
    #[arg(long, value_enum, default_value = "note")]
    pub kind: LogKind,
    /// When it happened, if not now: "detected at 13:05", logged at 13:20.
    #[arg(long, value_name = "TIME", value_parser = parse_when, allow_hyphen_values = true)]
    pub occurred_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Log at most once per incident: a second event with the same key on the same incident is
    /// not written.
    #[arg(long, value_name = "KEY", value_parser = non_blank)]
    pub dedup_key: Option<String>,
    /// Write as `source:NAME` rather than as the person running the command (for alert hooks).
    #[arg(long, value_name = "NAME", value_parser = non_blank)]
    pub source: Option<String>,
    /// With `-`: every line of standard input is its own event, appended as it arrives.
    #[arg(long)]
    pub each_line: bool,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
    /// Include resolved and closed incidents.
    #[arg(long)]
    pub all: bool,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// [default: from --output's extension (.md, .json, .csv), else md]
    #[arg(long, value_enum)]
    pub format: Option<crate::export::Format>,
    /// The incident: its id or a unique part of it (`RNDZ2`) [default: the one open incident,
    /// or with none open the one resolved last].
    #[arg(long, value_name = "ID")]
    pub incident: Option<String>,
    /// Write here instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// A value that must say something: an empty key would be one real key shared by every
/// script that forgot to set it, an empty source an author with no name.
fn non_blank(s: &str) -> Result<String, String> {
    if s.trim().is_empty() {
        return Err("it is empty; give a value or leave the option out".into());
    }
    Ok(s.to_string())
}

fn parse_severity(s: &str) -> Result<crate::timeline::Severity, String> {
    s.parse()
}

fn parse_when(s: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    crate::when::parse(s, chrono::Utc::now())
}
