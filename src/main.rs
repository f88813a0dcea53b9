//! `warroom`: parse the command line, start logging, dispatch. The work is in the library.

use anyhow::Result;
use clap::Parser;
use warroom::cli::{Cli, Command};
use warroom::commands;
use warroom::config::Config;
use warroom::timeline::Author;

/// mimalloc: replaying a long timeline is allocation-heavy, and glibc's allocator spent a
/// fifth of the fold in malloc and free (docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let cli = Cli::parse();
    let log = warroom::logging::init();
    let code = match run(cli) {
        Ok(code) => code,
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "command failed");
            commands::out::eprint(format_args!("warroom: {e:#}\n"));
            1
        }
    };
    drop(log); // flush the log before exit, which skips destructors
    std::process::exit(code);
}

fn run(cli: Cli) -> Result<i32> {
    // An observer's flag holds for the command line too: nothing is written.
    if cli.read_only
        && let Some(name) = cli.command.as_ref().and_then(Command::writes)
    {
        anyhow::bail!("--read-only: `warroom {name}` writes to the timeline, so it is refused");
    }
    // Completions need nothing set up.
    if let Some(Command::Completions { shell }) = &cli.command {
        // Into memory first: the generator panics on a write error (a closed pipe).
        let mut script = Vec::new();
        clap_complete::generate(
            *shell,
            &mut <Cli as clap::CommandFactory>::command(),
            "warroom",
            &mut script,
        );
        commands::out::print(format_args!("{}", String::from_utf8_lossy(&script)))?;
        return Ok(0);
    }
    // `init` writes the config file: it must not need one that parses.
    if let Some(Command::Init(args)) = &cli.command {
        return commands::init::run(args.path.as_deref().or(cli.config.as_deref()), args.force).map(|()| 0);
    }
    let mut config = Config::load(cli.config.as_deref())?;
    if let Some(name) = &cli.acting_as {
        Author::check_name(name).map_err(|e| anyhow::anyhow!("--as / WARROOM_USER: {e}"))?;
        config.acting_as = Some(name.trim().to_string());
    }
    let config = config;
    let store = || commands::open(cli.store.as_deref(), &config);
    match &cli.command {
        None => {
            let store: std::sync::Arc<dyn warroom::timeline::Store> =
                commands::open_console(cli.store.as_deref(), &config)?.into();
            commands::console::run(store, &config, cli.read_only, cli.theme.as_deref())
        }
        Some(Command::Demo(args)) => commands::demo::run(args, &config, cli.theme.as_deref()),
        Some(Command::Declare(args)) => commands::declare::run(&*store()?, &config, args).map(|()| 0),
        Some(Command::Log(args)) => commands::log::run(&*store()?, &config, args).map(|()| 0),
        Some(Command::Do(args)) => commands::do_command::run(&*store()?, &config, args).map(|()| 0),
        Some(Command::Status(args)) => {
            commands::status::run(&*store()?, &config.updates.cadence, args).map(|()| 0)
        }
        Some(Command::Export(args)) => commands::export::run(&*store()?, args).map(|()| 0),
        Some(Command::Verify) => commands::verify::run(&*store()?),
        Some(Command::Runbooks(args)) => commands::runbooks(&config, args).map(|()| 0),
        Some(Command::Check(args)) => {
            commands::check::run(cli.store.as_deref(), &config, cli.theme.as_deref(), args.offline)
                .map(|()| 0)
        }
        Some(Command::Init(_) | Command::Completions { .. }) => Ok(0), // handled above
        Some(Command::Drill(cmd)) => {
            commands::drill::run(cmd, cli.store.as_deref(), &config, cli.theme.as_deref())
        }
        Some(Command::Store(warroom::cli::StoreCommand::Copy { from, to })) => {
            commands::store::copy(from, to).map(|()| 0)
        }
        Some(Command::Store(warroom::cli::StoreCommand::Init { path, group })) => {
            commands::store::init(path, group.as_deref()).map(|()| 0)
        }
        Some(Command::Unsaved(args)) => commands::unsaved::run(&*store()?, args).map(|()| 0),
        Some(Command::Watch) => {
            let store: std::sync::Arc<dyn warroom::timeline::Store> = store()?.into();
            commands::watch::run(store, &config).map(|()| 0)
        }
    }
}
