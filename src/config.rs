//! The configuration file: where it lives, how it is read, and errors that name the file, the
//! line and the key.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::path::{Path, PathBuf};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("{file}: cannot read: {detail}")]
    Read { file: String, detail: String },
    #[error("{file}:{line}:{column}: {}{message}", key_prefix(key))]
    Invalid {
        file: String,
        line: usize,
        column: usize,
        key: Option<String>,
        message: String,
    },
    /// Every problem found in a file, not just the first: each names its line and key.
    #[error("{} problems:\n{}", .0.len(), lines(.0))]
    Several(Vec<ConfigError>),
}

fn lines(errors: &[ConfigError]) -> String {
    let each: Vec<String> = errors.iter().map(|e| format!("  {e}")).collect();
    each.join("\n")
}

/// Problems gathered while checking a file, so that one run reports them all.
#[derive(Debug, Default)]
pub struct Problems(Vec<ConfigError>);

impl Problems {
    pub fn push(&mut self, e: ConfigError) {
        match e {
            ConfigError::Several(many) => self.0.extend(many),
            one => self.0.push(one),
        }
    }

    /// Keep the error of `r`, if any; its value otherwise.
    pub fn keep<T>(&mut self, r: Result<T, ConfigError>) -> Option<T> {
        r.map_err(|e| self.push(e)).ok()
    }

    /// None found: `Ok`; one: that error; more: all of them, in the file's order.
    pub fn finish(mut self) -> Result<(), ConfigError> {
        self.0.sort_by_key(|e| match e {
            ConfigError::Invalid { line, column, .. } => (*line, *column),
            _ => (0, 0),
        });
        match self.0.len() {
            0 => Ok(()),
            1 => Err(self.0.remove(0)),
            _ => Err(ConfigError::Several(self.0)),
        }
    }
}

fn key_prefix(key: &Option<String>) -> String {
    key.as_ref().map(|k| format!("key `{k}`: ")).unwrap_or_default()
}

impl ConfigError {
    /// A value that parsed but makes no sense; the line is that of `key`'s last assignment.
    pub fn invalid(file: &str, text: &str, key: &str, message: String) -> ConfigError {
        let last = key.rsplit('.').next().unwrap_or(key);
        let line = text
            .lines()
            .enumerate()
            .filter(|(_, l)| {
                let t = l.trim_start();
                t.strip_prefix(last)
                    .is_some_and(|rest| rest.trim_start().starts_with('='))
                    || t.trim_matches(|c| c == '[' || c == ']') == last
            })
            .map(|(i, _)| i + 1)
            .last()
            .unwrap_or(1);
        ConfigError::Invalid {
            file: file.to_string(),
            line,
            column: 1,
            key: Some(key.to_string()),
            message,
        }
    }
}

/// Parse TOML into `T`, turning serde's error into one that names the file, line and key.
pub fn parse_toml<T: DeserializeOwned>(file: &str, text: &str) -> Result<T, ConfigError> {
    toml::from_str(text).map_err(|e| {
        let offset = e.span().map(|s| s.start).unwrap_or(0).min(text.len());
        let before = &text[..offset];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        ConfigError::Invalid {
            file: file.to_string(),
            line,
            column,
            key: key_at(text, offset),
            message: e.message().trim().to_string(),
        }
    })
}

/// The dotted key at a byte offset: the enclosing `[table]` and the `key =` on that line.
fn key_at(text: &str, offset: usize) -> Option<String> {
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line = text[line_start..].lines().next().unwrap_or("");
    let key = line
        .split_once('=')
        .map(|(k, _)| k.trim().trim_matches('"').to_string())
        .filter(|k| !k.is_empty() && !k.starts_with('['));
    let table = text[..line_start]
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('['))
        .map(|l| l.trim_matches(|c| c == '[' || c == ']').trim().to_string());
    match (table, key) {
        (Some(t), Some(k)) => Some(format!("{t}.{k}")),
        (None, Some(k)) => Some(k),
        (Some(t), None) => Some(t),
        (None, None) => None,
    }
}

/// `config.toml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The timeline: a file path, or a `postgres://` URL.
    pub store: Option<String>,
    /// Extra runbooks; defaults to `runbooks/` beside the config file.
    pub runbooks_dir: Option<PathBuf>,
    /// The console's colour theme (built in: dark, light, high-contrast, colorblind).
    pub theme: Option<String>,
    /// Key bindings: action name = key or [keys] (see `?` in the console).
    pub keys: Option<toml::Table>,
    /// Which events notify (desktop, or the terminal bell and OSC 9/777 over SSH).
    #[serde(default)]
    pub notify: crate::tui::notify::NotifyConfig,
    /// How often status updates are owed at each severity, and each audience's template.
    #[serde(default)]
    pub updates: crate::incident::updates::UpdatesConfig,
    /// What to watch: `[[source]]` entries (Security Hub, Splunk, AWS Backup).
    #[serde(default)]
    pub source: Vec<crate::sources::SourceConfig>,
    /// Where the file came from, for messages and relative paths.
    #[serde(skip)]
    pub file: Option<PathBuf>,
    /// Its text, so that later checks (key bindings) can name the line.
    #[serde(skip)]
    pub text: String,
    /// Who the responder said they are (`--as`, `WARROOM_USER`), if they did.
    #[serde(skip)]
    pub acting_as: Option<String>,
    /// Several people use this login (a jump host's shared account): the console asks each
    /// for their name, once per SSH session, unless `--as` or `WARROOM_USER` says it.
    #[serde(default)]
    pub shared_login: bool,
    /// How many lines a timeline entry may take when it is not under the cursor (1–20; the
    /// one under the cursor always wraps in full).
    pub entry_lines: Option<usize>,
}

/// Timeline entries wrap to this many lines unless `entry_lines` says otherwise.
pub const ENTRY_LINES: usize = 3;

impl Config {
    /// Load `explicit` (which must exist), or the default file if there is one.
    pub fn load(explicit: Option<&Path>) -> Result<Config, ConfigError> {
        let (path, must_exist) = match explicit {
            Some(p) => (p.to_path_buf(), true),
            None => match default_config_file() {
                Some(p) => (p, false),
                None => return Ok(Config::default()),
            },
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !must_exist => return Ok(Config::default()),
            Err(e) => {
                return Err(ConfigError::Read {
                    file: path.display().to_string(),
                    detail: e.to_string(),
                });
            }
        };
        let file = path.display().to_string();
        let mut config: Config = parse_toml(&file, &text)?;
        let mut problems = Problems::default();
        problems.keep(crate::sources::config::validate(&mut config.source, &file, &text));
        problems.keep(config.updates.validate(&file, &text));
        if let Some(n) = config.entry_lines.filter(|n| !(1..=20).contains(n)) {
            let why = format!("{n} lines is out of range: an entry takes 1 to 20 lines");
            problems.push(ConfigError::invalid(&file, &text, "entry_lines", why));
        }
        if let Some(keys) = &config.keys {
            problems.keep(crate::tui::keymap::Keymap::with_overrides(keys, &file, &text));
        }
        problems.finish()?;
        config.file = Some(path);
        config.text = text;
        Ok(config)
    }

    /// The responder this run writes as: `NAME (user@host)` with `--as`, else the login.
    pub fn me(&self) -> crate::timeline::Author {
        crate::timeline::Author::responder(self.acting_as.as_deref())
    }

    /// The runbooks folder: as configured (relative to the config file), or the default.
    pub fn runbooks_dir(&self) -> Option<PathBuf> {
        match (&self.runbooks_dir, &self.file) {
            (Some(d), Some(f)) if d.is_relative() => f.parent().map(|p| p.join(d)),
            (Some(d), _) => Some(d.clone()),
            (None, _) => config_dir().map(|d| d.join("runbooks")),
        }
    }
}

fn dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "warroom")
}

/// `$XDG_CONFIG_HOME/warroom` (usually `~/.config/warroom`).
pub fn config_dir() -> Option<PathBuf> {
    dirs().map(|d| d.config_dir().to_path_buf())
}

pub fn default_config_file() -> Option<PathBuf> {
    config_dir().map(|d| d.join("config.toml"))
}

/// `$XDG_STATE_HOME/warroom` (usually `~/.local/state/warroom`): the default store and logs.
pub fn state_dir() -> Option<PathBuf> {
    dirs().map(|d| d.state_dir().unwrap_or(d.data_local_dir()).to_path_buf())
}

/// A file of this user's that belongs to one store (its offline spool, its unsaved actions,
/// its drafts): in `dir`, named `PREFIX-DIGEST.EXT`, the digest of the store's name — a file's
/// canonical path, however it was typed; a URL as given (callers pass it masked).
pub fn store_file(dir: &Path, prefix: &str, store: &str, ext: &str) -> PathBuf {
    use sha2::{Digest, Sha256};
    let name = std::fs::canonicalize(store).map_or(store.to_string(), |p| p.display().to_string());
    let digest = hex::encode(Sha256::digest(name.as_bytes()));
    dir.join(format!("{prefix}-{}.{ext}", &digest[..16]))
}

/// How long a name given on a shared login is remembered for its session.
const NAME_KEPT: std::time::Duration = std::time::Duration::from_secs(12 * 3600);

/// This login session, where it can be told apart from others on the same account: the SSH
/// connection (the client's address and port), else the desktop session.
fn login_session() -> Option<String> {
    ["SSH_CONNECTION", "XDG_SESSION_ID"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.trim().is_empty()))
}

fn name_file() -> Option<PathBuf> {
    login_session().map(|session| store_file(&state_folder("names"), "session", &session, "name"))
}

/// The name given earlier in this login session on a shared login, if it is still fresh.
pub fn remembered_name() -> Option<String> {
    let file = name_file()?;
    let age = std::fs::metadata(&file).ok()?.modified().ok()?.elapsed().ok()?;
    let name = std::fs::read_to_string(&file).ok()?.trim().to_string();
    (age < NAME_KEPT && crate::timeline::Author::check_name(&name).is_ok()).then_some(name)
}

/// Remember the name given on a shared login for this session (0600), so the next console in
/// it does not ask again. Nothing is kept without a session to keep it for.
pub fn remember_name(name: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let Some(file) = name_file() else { return Ok(()) };
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&file)?;
    f.write_all(name.as_bytes())
}

/// The folder `name` of the state directory (a temporary folder if there is no home).
pub fn state_folder(name: &str) -> PathBuf {
    state_dir().unwrap_or_else(std::env::temp_dir).join(name)
}

pub fn default_store_path() -> PathBuf {
    state_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join("timeline.db")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_file_line_and_key() {
        let text = "store = \"/tmp/x\"\nrunbooks_dir = 3\n";
        let err = parse_toml::<Config>("c.toml", text).expect_err("bad type");
        let msg = err.to_string();
        assert!(msg.starts_with("c.toml:2:"), "{msg}");
        assert!(msg.contains("key `runbooks_dir`"), "{msg}");

        let err = parse_toml::<Config>("c.toml", "stor = 1\n").expect_err("unknown key");
        let msg = err.to_string();
        assert!(msg.contains("c.toml:1:1"), "{msg}");
        assert!(msg.contains("unknown field `stor`"), "{msg}");
    }

    #[test]
    fn problems_come_all_together_in_the_files_order() {
        let text = "a = 1\nb = 2\nc = 3\n";
        let mut problems = Problems::default();
        assert!(problems.keep(Ok::<_, ConfigError>(7)) == Some(7));
        problems.push(ConfigError::invalid("f.toml", text, "c", "third".into()));
        problems.keep::<()>(Err(ConfigError::Several(vec![
            ConfigError::invalid("f.toml", text, "a", "first".into()),
            ConfigError::invalid("f.toml", text, "b", "second".into()),
        ])));
        let msg = problems.finish().expect_err("three").to_string();
        assert_eq!(
            msg,
            "3 problems:\n  f.toml:1:1: key `a`: first\n  f.toml:2:1: key `b`: second\n  f.toml:3:1: key `c`: third"
        );
        let mut one = Problems::default();
        one.push(ConfigError::invalid("f.toml", text, "b", "only".into()));
        assert_eq!(
            one.finish().expect_err("one").to_string(),
            "f.toml:2:1: key `b`: only"
        );
        assert!(Problems::default().finish().is_ok());
    }

    #[test]
    fn a_missing_explicit_file_is_an_error_but_a_missing_default_is_not() {
        let err = Config::load(Some(Path::new("/nonexistent/warroom.toml"))).expect_err("must fail");
        assert!(err.to_string().contains("/nonexistent/warroom.toml"));
    }
}
