//! `warroom drill list|check|run|resume|report`.

use super::out::{self, errln, outln};
use crate::cli::{DrillCommand, DrillReportArgs, DrillResumeArgs, DrillRunArgs};
use crate::config::Config;
use crate::drill::builtin::{self, Loaded};
use crate::drill::facilitator::Facilitator;
use crate::drill::headless::{self, Options};
use crate::drill::player::{MAX_CONSOLE_SPEED, MAX_SPEED};
use crate::drill::report::{after_action, find_run};
use crate::drill::scenario::format_offset;
use crate::drill::score::runs;
use crate::incident::runbook::{Runbook, load_runbooks};
use crate::timeline::{NewEvent, Store};
use anyhow::{Context, Result, bail};
use std::sync::Arc;

pub fn run(cmd: &DrillCommand, store: Option<&str>, config: &Config, theme: Option<&str>) -> Result<i32> {
    let runbooks = load_runbooks(config.runbooks_dir().as_deref())?;
    let names: Vec<&str> = runbooks.iter().map(|r| r.name.as_str()).collect();
    match cmd {
        DrillCommand::List => list(&names).map(|()| 0),
        DrillCommand::Show { name } => show(name).map(|()| 0),
        DrillCommand::Check { files } => check(files, &names),
        DrillCommand::Run(args) => {
            let loaded = builtin::load(&args.scenario, &names)?;
            let store: Arc<dyn Store> = super::open(store, config)?.into();
            play(store, loaded, &runbooks, args, config, theme)
        }
        DrillCommand::Resume(args) => {
            let store: Arc<dyn Store> = super::open(store, config)?.into();
            take_up(store, args, config, theme)
        }
        DrillCommand::Report(args) => report(&*super::open(store, config)?, args).map(|()| 0),
    }
}

fn list(runbooks: &[&str]) -> Result<()> {
    for loaded in builtin::all(runbooks)? {
        let s = &loaded.scenario;
        outln!(
            "{:<16} {:>2} injects  {:>2} objectives  {}  {}",
            s.name,
            s.injects.len(),
            s.objectives.len(),
            format_offset(s.duration),
            s.title
        )?;
    }
    outln!("\nPlay one with `warroom drill run NAME`; start your own from `warroom drill show NAME`.")?;
    Ok(())
}

/// `drill show NAME`: a built-in scenario's file, to start one of your own from.
fn show(name: &str) -> Result<()> {
    match builtin::BUILTIN.iter().find(|(n, _)| *n == name) {
        Some((_, text)) => Ok(super::out::print(format_args!("{text}"))?),
        None => anyhow::bail!(
            "no built-in scenario `{}`: there are {}",
            crate::text::clean_line(name),
            builtin::names().join(", ")
        ),
    }
}

/// Every file checked; the exit code is 1 if any failed.
fn check(files: &[String], runbooks: &[&str]) -> Result<i32> {
    let mut failed = 0;
    for file in files {
        match builtin::load(file, runbooks) {
            Ok(loaded) => {
                let s = &loaded.scenario;
                outln!(
                    "{}: ok — {} ({} injects, {} objectives, {} roles, {})",
                    loaded.origin,
                    s.title,
                    s.injects.len(),
                    s.objectives.len(),
                    s.roles.len(),
                    format_offset(s.duration)
                )?;
            }
            Err(e) => {
                failed += 1;
                errln!("{e}");
            }
        }
    }
    Ok(i32::from(failed > 0))
}

fn play(
    store: Arc<dyn Store>,
    loaded: Loaded,
    runbooks: &[Runbook],
    args: &DrillRunArgs,
    config: &Config,
    theme: Option<&str>,
) -> Result<i32> {
    if !(args.speed.is_finite() && args.speed > 0.0) {
        bail!(
            "--speed {}: give a positive number of scenario seconds per second",
            args.speed
        );
    }
    let max_speed = if args.headless {
        MAX_SPEED
    } else {
        MAX_CONSOLE_SPEED
    };
    if args.speed > max_speed {
        let hint = if args.headless {
            ""
        } else {
            " (use --headless to go faster)"
        };
        bail!("--speed {}: the fastest here is {max_speed}×{hint}", args.speed);
    }
    let now = chrono::Utc::now();
    let (mut f, mut first) =
        Facilitator::start(loaded.scenario, loaded.text, args.speed, max_speed, runbooks, now);
    if args.paused {
        first.extend(f.player.pause(now));
    }
    facilitate(store, f, first, args.headless, config, theme)
}

/// Take up a run already on the timeline: the newest one still running, or the one named.
fn take_up(
    store: Arc<dyn Store>,
    args: &DrillResumeArgs,
    config: &Config,
    theme: Option<&str>,
) -> Result<i32> {
    let events = super::all_events(store.as_ref())?;
    let all = runs(&events);
    let run = match &args.run {
        Some(id) => all.iter().find(|r| &r.run == id),
        None => all
            .iter()
            .filter(|r| r.ended_at.is_none())
            .max_by_key(|r| r.started_at),
    };
    let Some(run) = run else {
        match &args.run {
            Some(id) => bail!("{}: no drill run `{id}`", store.describe()),
            None => bail!(
                "{}: no drill is running here (`warroom drill run` starts one)",
                store.describe()
            ),
        }
    };
    if run.ended_at.is_some() {
        bail!(
            "drill run {} has ended: `warroom drill report --run {}` writes its report",
            run.run,
            run.run
        );
    }
    let scenario = run.scenario().context("reading the run's scenario")?;
    let max_speed = if args.headless {
        MAX_SPEED
    } else {
        MAX_CONSOLE_SPEED
    };
    let f = Facilitator::take_up(scenario, run, max_speed, chrono::Utc::now());
    drop(events);
    facilitate(store, f, Vec::new(), args.headless, config, theme)
}

/// The facilitator's console, or the headless loop, on `f`; `first` starts a new run.
fn facilitate(
    store: Arc<dyn Store>,
    f: Facilitator,
    first: Vec<NewEvent>,
    headless: bool,
    config: &Config,
    theme: Option<&str>,
) -> Result<i32> {
    if headless {
        let opts = Options {
            controls: true,
            team: None,
        };
        headless::run(store, f, first, opts, &mut out::stdout())?;
        return Ok(0);
    }
    let mut console = super::console::setup(config, store.as_ref(), false, theme)?;
    store.append_batch(&first).context("starting the drill")?;
    console.drill = Some(f);
    crate::tui::run::run(store, console).map(|ending| ending.exit_code())
}

fn report(store: &dyn Store, args: &DrillReportArgs) -> Result<()> {
    let events = super::all_events(store)?;
    let all = runs(&events);
    let Some(run) = find_run(&all, args.run.as_deref()) else {
        match &args.run {
            Some(id) => bail!("{}: no drill run `{id}`", store.describe()),
            None => bail!(
                "{}: no drill has been run here (`warroom drill run`)",
                store.describe()
            ),
        }
    };
    let scenario = run.scenario().context("reading the run's scenario")?;
    let what = format!("the after-action report of {}", run.run);
    super::write_output(args.output.as_deref(), &what, |out| {
        after_action(&scenario, run, &events, chrono::Utc::now(), out)
    })
}
