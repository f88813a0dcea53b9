//! `warroom check`: is the configuration sound, and can the store be opened? Everything the
//! console would trip over at start-up, reported before an incident rather than during one.

use crate::config::Config;
use crate::tui::keymap::Keymap;
use anyhow::Result;

pub fn run(cli_store: Option<&str>, config: &Config, theme_name: Option<&str>) -> Result<()> {
    let file = config.file.as_ref().map(|f| f.display().to_string());
    println!(
        "config    {}",
        file.as_deref().unwrap_or("none (built-in defaults)")
    );
    let keys = match &config.keys {
        Some(table) => {
            Keymap::with_overrides(table, file.as_deref().unwrap_or("config.toml"), &config.text)?;
            format!("{} remapped", table.len())
        }
        None => "defaults".to_string(),
    };
    println!("keys      {keys}");
    let theme = super::console::load_theme(config, theme_name)?;
    println!("theme     {}", theme.name);
    let books = crate::incident::runbook::load_runbooks(config.runbooks_dir().as_deref())?;
    let names: Vec<&str> = books.iter().map(|b| b.name.as_str()).collect();
    println!("runbooks  {}", names.join(", "));
    let store = super::open(cli_store, config)?;
    let head = store.head()?;
    println!("store     {} ({} events)", store.describe(), head.seq);
    println!("ok");
    Ok(())
}
