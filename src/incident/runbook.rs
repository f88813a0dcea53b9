//! Runbook templates: checklists by phase, compiled in from `assets/runbooks/*.toml` and
//! extendable (or overridden by name) from `runbooks/*.toml` in the config directory.

use crate::config::{ConfigError, parse_toml};
use crate::timeline::{ChecklistItemSpec, Phase, Role};
use serde::Deserialize;
use std::path::Path;

const BUILT_IN: &[(&str, &str)] = &[
    (
        "assets/runbooks/generic.toml",
        include_str!("../../assets/runbooks/generic.toml"),
    ),
    (
        "assets/runbooks/data-breach.toml",
        include_str!("../../assets/runbooks/data-breach.toml"),
    ),
    (
        "assets/runbooks/ransomware.toml",
        include_str!("../../assets/runbooks/ransomware.toml"),
    ),
];

/// The runbook every incident gets unless another is named.
pub const DEFAULT_RUNBOOK: &str = "generic";

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Runbook {
    pub name: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(rename = "item")]
    pub items: Vec<RunbookItem>,
    /// Where it came from, for messages.
    #[serde(skip)]
    pub origin: String,
    /// Its file as written, for `warroom runbooks show`.
    #[serde(skip)]
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunbookItem {
    pub id: String,
    pub phase: Phase,
    pub title: String,
    #[serde(default)]
    pub owner: Option<String>,
    #[serde(default)]
    pub guidance: Option<String>,
}

impl Runbook {
    /// The items as they are written to the timeline, ids prefixed with the runbook's name so
    /// that two runbooks can share an incident.
    pub fn checklist(&self) -> Vec<ChecklistItemSpec> {
        self.items
            .iter()
            .map(|i| ChecklistItemSpec {
                id: format!("{}/{}", self.name, i.id),
                phase: i.phase,
                title: i.title.clone(),
                owner: i.owner.as_deref().map(Role::from),
                guidance: i.guidance.clone(),
            })
            .collect()
    }

    fn parse(origin: &str, text: &str) -> Result<Runbook, ConfigError> {
        let mut rb: Runbook = parse_toml(origin, text)?;
        rb.origin = origin.to_string();
        rb.text = text.to_string();
        let mut seen = std::collections::HashSet::new();
        for item in &rb.items {
            if !seen.insert(item.id.as_str()) {
                return Err(ConfigError::invalid(
                    origin,
                    text,
                    "item.id",
                    format!(
                        "item id `{}` appears twice; ids must be unique within a runbook",
                        item.id
                    ),
                ));
            }
        }
        if rb.items.is_empty() {
            return Err(ConfigError::invalid(
                origin,
                text,
                "item",
                "a runbook needs at least one [[item]]".into(),
            ));
        }
        Ok(rb)
    }
}

/// The built-in runbooks, then any in `dir` (same name replaces, new names add).
pub fn load_runbooks(dir: Option<&Path>) -> Result<Vec<Runbook>, ConfigError> {
    let mut books = Vec::new();
    for (origin, text) in BUILT_IN {
        books.push(Runbook::parse(origin, text)?);
    }
    let Some(dir) = dir else { return Ok(books) };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(books); // no runbooks folder: nothing to add
    };
    let mut files: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    for path in files {
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(&path).map_err(|e| ConfigError::Read {
            file: origin.clone(),
            detail: e.to_string(),
        })?;
        let rb = Runbook::parse(&origin, &text)?;
        match books.iter_mut().find(|b| b.name == rb.name) {
            Some(slot) => *slot = rb,
            None => books.push(rb),
        }
    }
    Ok(books)
}

pub fn find<'a>(books: &'a [Runbook], name: &str) -> Option<&'a Runbook> {
    books.iter().find(|b| b.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_runbooks_load_and_cover_every_phase() {
        let books = load_runbooks(None).expect("built-in runbooks parse");
        for name in ["generic", "data-breach", "ransomware"] {
            let rb = find(&books, name).unwrap_or_else(|| panic!("{name} missing"));
            for phase in Phase::ALL {
                assert!(
                    rb.items.iter().any(|i| i.phase == phase),
                    "{name} has no {phase} item"
                );
            }
            assert!(
                rb.checklist()
                    .iter()
                    .all(|i| i.id.starts_with(&format!("{name}/")))
            );
        }
    }

    #[test]
    fn a_runbook_in_the_config_folder_overrides_and_extends() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join("generic.toml"),
            "name = \"generic\"\ntitle = \"Ours\"\n[[item]]\nid = \"a\"\nphase = \"detect\"\ntitle = \"Look\"\n",
        )
        .expect("write");
        std::fs::write(
            dir.path().join("ddos.toml"),
            "name = \"ddos\"\ntitle = \"DDoS\"\n[[item]]\nid = \"a\"\nphase = \"contain\"\ntitle = \"Rate-limit\"\nowner = \"ops\"\n",
        )
        .expect("write");
        let books = load_runbooks(Some(dir.path())).expect("loads");
        assert_eq!(find(&books, "generic").map(|b| b.title.as_str()), Some("Ours"));
        assert_eq!(
            find(&books, "ddos").map(|b| b.checklist()[0].owner.clone()),
            Some(Some(Role::Ops))
        );
    }

    #[test]
    fn a_broken_runbook_names_its_file_line_and_key() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("bad.toml");
        std::fs::write(
            &path,
            "name = \"bad\"\ntitle = \"Bad\"\n[[item]]\nid = \"a\"\nphase = \"panic\"\ntitle = \"x\"\n",
        )
        .expect("write");
        let err = load_runbooks(Some(dir.path()))
            .expect_err("must fail")
            .to_string();
        assert!(err.contains("bad.toml"), "{err}");
        assert!(err.contains("bad.toml:5:"), "{err}");
        assert!(err.contains("phase"), "{err}");
    }
}
