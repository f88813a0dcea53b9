//! `warroom init`: write a commented example configuration, never over an existing one.

use super::out::errln;
use anyhow::{Context, Result, bail};
use std::io::Write;
use std::path::{Path, PathBuf};

pub const EXAMPLE: &str = include_str!("../../assets/config.example.toml");

pub fn run(path: Option<&Path>, force: bool) -> Result<()> {
    let path: PathBuf = match path {
        Some(p) => p.to_path_buf(),
        None => crate::config::config_dir()
            .context("no configuration folder: set --config or XDG_CONFIG_HOME")?
            .join("config.toml"),
    };
    if path.exists() && !force {
        bail!(
            "{} already exists; `warroom check` tells whether it is sound (--force replaces it)",
            path.display()
        );
    }
    if let Some(dir) = path.parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let mut file = std::fs::File::create(&path).with_context(|| format!("writing {}", path.display()))?;
    file.write_all(EXAMPLE.as_bytes())
        .with_context(|| format!("writing {}", path.display()))?;
    // Written: a retry would refuse (the file exists), so failing output is told, not failed.
    let said = super::out::print(format_args!(
        "wrote {}\nedit its [[source]] entries, then run `warroom check --config {}`\n",
        path.display(),
        path.display()
    ));
    if let Err(e) = said {
        errln!("warroom: wrote {}, but could not say so ({e})", path.display());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example with its sources enabled: `#` taken off lines that begin `#` and a word.
    fn enabled(text: &str) -> String {
        text.lines()
            .map(|l| match l.strip_prefix('#') {
                Some(rest) if !rest.is_empty() && !rest.starts_with([' ', '#']) => rest,
                _ => l,
            })
            .flat_map(|l| [l, "\n"])
            .collect()
    }

    #[test]
    fn the_example_polls_nothing_until_its_sources_are_enabled_and_then_they_are_valid() {
        let config: crate::config::Config =
            crate::config::parse_toml("example", EXAMPLE).unwrap_or_else(|e| panic!("{e}"));
        assert!(config.source.is_empty(), "a fresh install polls nothing");
        let text = enabled(EXAMPLE);
        let mut config: crate::config::Config =
            crate::config::parse_toml("example", &text).unwrap_or_else(|e| panic!("{e}"));
        crate::sources::config::validate(&mut config.source, "example", &text)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(config.source.len(), 3);
        assert_eq!(config.source[2].search.len(), 2);
        assert_eq!(config.source[0].findings_query.severity_labels.len(), 3);
    }
}
