//! `warroom` with no subcommand: the full-screen console.

use crate::config::{Config, ConfigError};
use crate::incident::runbook;
use crate::timeline::Store;
use crate::tui::app::Options;
use crate::tui::keymap::Keymap;
use crate::tui::run::Console;
use crate::tui::theme;
use anyhow::Result;
use std::sync::Arc;

/// Everything the console needs from the config file and the command line.
pub fn setup(
    config: &Config,
    store: &dyn Store,
    read_only: bool,
    theme_name: Option<&str>,
) -> Result<Console> {
    let file = config
        .file
        .as_ref()
        .map_or("config.toml".to_string(), |f| f.display().to_string());
    let keymap = match &config.keys {
        Some(keys) => Keymap::with_overrides(keys, &file, &config.text)?,
        None => Keymap::default(),
    };
    let themes_dir = crate::config::config_dir().map(|d| d.join("themes"));
    let theme = load_theme(config, theme_name)?;
    // A shared login: the name given earlier in this session, else the console asks for one.
    let unnamed = config.shared_login && config.acting_as.is_none();
    let remembered = unnamed.then(crate::config::remembered_name).flatten();
    let me = crate::timeline::Author::responder(config.acting_as.as_deref().or(remembered.as_deref()));
    let ask_name = unnamed && remembered.is_none() && !read_only;
    Ok(Console {
        sources: config.source.clone(),
        options: Options {
            me,
            ask_name,
            read_only,
            store_name: store.describe(),
            notify: config.notify.clone(),
            updates: config.updates.clone(),
            entry_lines: config.entry_lines.unwrap_or(crate::config::ENTRY_LINES),
        },
        keymap,
        theme,
        themes: theme::available(themes_dir.as_deref()),
        runbooks: runbook::load_runbooks(config.runbooks_dir().as_deref())?,
        drill: None,
        show_msel: true,
    })
}

/// The theme named on the command line, else in the config file (an error there names the
/// file's line), else the default.
pub fn load_theme(config: &Config, cli_theme: Option<&str>) -> Result<theme::Theme> {
    let themes_dir = crate::config::config_dir().map(|d| d.join("themes"));
    let (name, from_file) = match (cli_theme, &config.theme) {
        (Some(n), _) => (n, false),
        (None, Some(n)) => (n.as_str(), true),
        (None, None) => (theme::DEFAULT, false),
    };
    match theme::from_env(name, themes_dir.as_deref()) {
        Ok(t) => Ok(t),
        Err(e) if from_file => {
            let file = config
                .file
                .as_ref()
                .map_or("config.toml".into(), |f| f.display().to_string());
            Err(ConfigError::invalid(&file, &config.text, "theme", e.to_string()).into())
        }
        Err(e) => Err(e.into()),
    }
}

/// Run the console; its exit status (0, or 128 + the signal that ended it).
pub fn run(store: Arc<dyn Store>, config: &Config, read_only: bool, theme_name: Option<&str>) -> Result<i32> {
    use std::io::IsTerminal;
    if !(std::io::stdin().is_terminal() && std::io::stdout().is_terminal()) {
        anyhow::bail!(
            "the console needs a terminal (standard input and output are not one); from a script, \
             use `warroom status`, `warroom log TEXT`, `warroom do COMMAND` or `warroom export` \
             (`warroom --help` lists them all)"
        );
    }
    let console = setup(config, store.as_ref(), read_only, theme_name)?;
    crate::tui::run::run(store, console).map(|ending| ending.exit_code())
}
