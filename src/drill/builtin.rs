//! The scenarios compiled into the binary (`assets/scenarios/`), and finding a scenario by file
//! or by name.

use super::Scenario;
use crate::config::ConfigError;
use std::path::Path;

/// (name, file text). Each is checked by a test, so a broken one cannot ship.
pub const BUILTIN: &[(&str, &str)] = &[
    (
        "leaked-key",
        include_str!("../../assets/scenarios/leaked-key.toml"),
    ),
    (
        "ransomware",
        include_str!("../../assets/scenarios/ransomware.toml"),
    ),
    (
        "regional-outage",
        include_str!("../../assets/scenarios/regional-outage.toml"),
    ),
];

/// A scenario and the text it was read from (recorded in `drill.started`).
#[derive(Debug, Clone)]
pub struct Loaded {
    pub scenario: Scenario,
    pub text: String,
    /// `builtin:NAME` or the file's path.
    pub origin: String,
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Invalid(#[from] ConfigError),
    #[error("{0}: cannot read: {1}")]
    Read(String, String),
    #[error("no scenario `{0}`: name a file, or one of the built-in scenarios ({1})")]
    Unknown(String, String),
}

/// `what` is a path to a scenario file, or the name of a built-in one.
pub fn load(what: &str, runbooks: &[&str]) -> Result<Loaded, LoadError> {
    let path = Path::new(what);
    if path.exists() || what.contains('/') || what.ends_with(".toml") {
        let text =
            std::fs::read_to_string(path).map_err(|e| LoadError::Read(what.to_string(), e.to_string()))?;
        let scenario = Scenario::parse(what, &text, Some(runbooks))?;
        return Ok(Loaded {
            scenario,
            text,
            origin: what.to_string(),
        });
    }
    match BUILTIN.iter().find(|(name, _)| *name == what) {
        Some((name, text)) => builtin(name, text, runbooks),
        None => Err(LoadError::Unknown(what.to_string(), names().join(", "))),
    }
}

fn builtin(name: &str, text: &str, runbooks: &[&str]) -> Result<Loaded, LoadError> {
    let origin = format!("builtin:{name}");
    let scenario = Scenario::parse(&origin, text, Some(runbooks))?;
    Ok(Loaded {
        scenario,
        text: text.to_string(),
        origin,
    })
}

pub fn names() -> Vec<&'static str> {
    BUILTIN.iter().map(|(n, _)| *n).collect()
}

/// Every built-in scenario, read.
pub fn all(runbooks: &[&str]) -> Result<Vec<Loaded>, LoadError> {
    BUILTIN
        .iter()
        .map(|(name, text)| builtin(name, text, runbooks))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_scenario_checks_and_uses_every_source_and_the_roster() {
        use super::super::scenario::Target;
        let runbooks = ["generic", "data-breach", "ransomware"];
        for loaded in all(&runbooks).unwrap_or_else(|e| panic!("{e}")) {
            let s = &loaded.scenario;
            for target in [
                Target::Securityhub,
                Target::Splunk,
                Target::Backup,
                Target::Roster,
            ] {
                assert!(
                    s.injects.iter().any(|i| i.target == target),
                    "{}: no {} inject",
                    s.name,
                    target.as_str()
                );
            }
            assert!(!s.objectives.is_empty(), "{}: no objectives", s.name);
            assert!(
                s.injects.iter().any(|i| i.contingency.is_some()),
                "{}: no contingency inject",
                s.name
            );
        }
    }
}
