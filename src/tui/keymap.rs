//! Keys → actions: the defaults, remapping from the config file's `[keys]` table, and matching
//! crossterm key events robustly across terminals.
//!
//! ```toml
//! [keys]
//! note = "N"            # a key
//! up = ["k", "ctrl-p"]  # or a list of keys; they replace the defaults for that action
//! zoom = []             # unbound
//! ```
//!
//! Binding a key to an action takes it away from whatever action of the same [`Scope`] had it
//! by default. A key may have one global action and one per pane scope (`s` changes the status,
//! and sorts the findings when the findings view is focused). `ctrl-c` always quits from the
//! panes (in a prompt it cancels the prompt) and cannot be remapped: a console must always be
//! escapable.

use super::action::{Action, Scope};
use crate::config::ConfigError;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use std::fmt;
use std::str::FromStr;

/// One key with its modifiers, e.g. `q`, `G`, `?`, `space`, `backtab`, `ctrl-u`, `ctrl-alt-x`.
///
/// Character keys never carry SHIFT (it is implied by the character: `G`, `?`; `shift-g` is
/// read as `G`), and with CONTROL they are lowercase, since terminals cannot tell `ctrl-c` from
/// `ctrl-C`. `shift-tab` is `backtab`; other keys (`shift-up`) keep SHIFT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeySpec {
    code: KeyCode,
    modifiers: KeyModifiers,
}

const CTRL_C: KeySpec = KeySpec {
    code: KeyCode::Char('c'),
    modifiers: KeyModifiers::CONTROL,
};

const VALID_KEYS: &str = "keys look like `q`, `G`, `?`, `space`, `tab`, `backtab`, `enter`, `esc`, \
     `up`, `pgdown`, `home`, `f1`, `ctrl-u`, `alt-x` or `ctrl-alt-x`";

const NAMED: &[(&str, KeyCode)] = &[
    ("space", KeyCode::Char(' ')),
    ("tab", KeyCode::Tab),
    ("backtab", KeyCode::BackTab),
    ("enter", KeyCode::Enter),
    ("esc", KeyCode::Esc),
    ("backspace", KeyCode::Backspace),
    ("delete", KeyCode::Delete),
    ("insert", KeyCode::Insert),
    ("up", KeyCode::Up),
    ("down", KeyCode::Down),
    ("left", KeyCode::Left),
    ("right", KeyCode::Right),
    ("pgup", KeyCode::PageUp),
    ("pgdown", KeyCode::PageDown),
    ("home", KeyCode::Home),
    ("end", KeyCode::End),
];

impl KeySpec {
    fn new(code: KeyCode, modifiers: KeyModifiers) -> KeySpec {
        let mut modifiers = modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        let code = match code {
            KeyCode::Char(c) => {
                let c = if modifiers.contains(KeyModifiers::CONTROL) {
                    c.to_ascii_lowercase()
                } else if modifiers.contains(KeyModifiers::SHIFT) {
                    c.to_ascii_uppercase()
                } else {
                    c
                };
                modifiers.remove(KeyModifiers::SHIFT);
                KeyCode::Char(c)
            }
            KeyCode::Tab if modifiers.contains(KeyModifiers::SHIFT) => {
                modifiers.remove(KeyModifiers::SHIFT);
                KeyCode::BackTab
            }
            KeyCode::BackTab => {
                modifiers.remove(KeyModifiers::SHIFT);
                KeyCode::BackTab
            }
            other => other,
        };
        KeySpec { code, modifiers }
    }

    /// The key a terminal event stands for, or `None` for a release.
    pub fn from_event(key: &KeyEvent) -> Option<KeySpec> {
        match key.kind {
            KeyEventKind::Release => None,
            KeyEventKind::Press | KeyEventKind::Repeat => Some(KeySpec::new(key.code, key.modifiers)),
        }
    }

    /// Whether a terminal event is this key being pressed (or held down).
    pub fn matches(&self, key: &KeyEvent) -> bool {
        KeySpec::from_event(key).as_ref() == Some(self)
    }

    pub fn code(&self) -> KeyCode {
        self.code
    }

    pub fn modifiers(&self) -> KeyModifiers {
        self.modifiers
    }
}

impl FromStr for KeySpec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("`{s}` is not a key; {VALID_KEYS}");
        let mut rest = s;
        let mut modifiers = KeyModifiers::NONE;
        loop {
            if let Some(r) = rest.strip_prefix("ctrl-").filter(|r| !r.is_empty()) {
                modifiers |= KeyModifiers::CONTROL;
                rest = r;
            } else if let Some(r) = rest.strip_prefix("alt-").filter(|r| !r.is_empty()) {
                modifiers |= KeyModifiers::ALT;
                rest = r;
            } else if let Some(r) = rest.strip_prefix("shift-").filter(|r| !r.is_empty()) {
                modifiers |= KeyModifiers::SHIFT;
                rest = r;
            } else {
                break;
            }
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) if !c.is_whitespace() && !c.is_control() => KeyCode::Char(c),
            _ => {
                let name = rest.to_ascii_lowercase();
                let function = name
                    .strip_prefix('f')
                    .filter(|n| !n.starts_with('0') && n.bytes().all(|b| b.is_ascii_digit()))
                    .and_then(|n| n.parse::<u8>().ok())
                    .filter(|n| (1..=12).contains(n));
                match (NAMED.iter().find(|(n, _)| *n == name), function) {
                    (Some((_, code)), _) => *code,
                    (None, Some(n)) => KeyCode::F(n),
                    (None, None) => return Err(bad()),
                }
            }
        };
        Ok(KeySpec::new(code, modifiers))
    }
}

impl fmt::Display for KeySpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.modifiers.contains(KeyModifiers::CONTROL) {
            f.write_str("ctrl-")?;
        }
        if self.modifiers.contains(KeyModifiers::ALT) {
            f.write_str("alt-")?;
        }
        if self.modifiers.contains(KeyModifiers::SHIFT) {
            f.write_str("shift-")?;
        }
        match self.code {
            KeyCode::Char(c) if c != ' ' => write!(f, "{c}"),
            KeyCode::F(n) => write!(f, "f{n}"),
            code => match NAMED.iter().find(|(_, c)| *c == code) {
                Some((name, _)) => f.write_str(name),
                None => write!(f, "{code:?}"),
            },
        }
    }
}

/// Which action each key performs. Each key has at most one action per scope; an action may
/// have several keys, kept in the order they were given (the first is the one the hint bar
/// shows).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    bindings: Vec<(KeySpec, Action)>,
}

impl Default for Keymap {
    fn default() -> Keymap {
        let bindings = Action::ALL
            .iter()
            .flat_map(|&action| action.default_keys().iter().map(move |k| (k, action)))
            .filter_map(|(k, action)| Some((k.parse().ok()?, action)))
            .collect();
        Keymap { bindings }
    }
}

impl Keymap {
    /// The global action for a terminal key event: presses and repeats count, releases do not.
    pub fn action_for(&self, key: &KeyEvent) -> Option<Action> {
        self.action_in(key, &[])
    }

    /// The action for a key where `scopes` apply (most specific first): the first scope that
    /// binds the key wins, then the global bindings.
    pub fn action_in(&self, key: &KeyEvent, scopes: &[Scope]) -> Option<Action> {
        let spec = KeySpec::from_event(key)?;
        if spec == CTRL_C {
            return Some(Action::Quit);
        }
        scopes.iter().chain([&Scope::Global]).find_map(|scope| {
            self.bindings
                .iter()
                .find(|(k, a)| *k == spec && a.scope() == *scope)
                .map(|(_, a)| *a)
        })
    }

    /// The action of an overlay's or the editor's own key, with no global fallback: in the
    /// editor every other key is typing.
    pub fn action_only(&self, key: &KeyEvent, scope: Scope) -> Option<Action> {
        let spec = KeySpec::from_event(key)?;
        self.bindings
            .iter()
            .find(|(k, a)| *k == spec && a.scope() == scope)
            .map(|(_, a)| *a)
    }

    /// The action of a key in an overlay: its own scope, then what every overlay shares, then
    /// the global moves (`up`, `page-down`…); `None` for any other key.
    pub fn overlay_action(&self, key: &KeyEvent, scope: Scope) -> Option<Action> {
        self.action_only(key, scope)
            .or_else(|| self.action_only(key, Scope::Overlay))
            .or_else(|| self.action_only(key, Scope::Global).filter(|a| a.is_move()))
    }

    /// The first key that reaches `action` where `scopes` apply: not bound there to a more
    /// specific action (in the findings view `s` sorts, so it is not `next-status`'s key).
    pub fn reachable_key(&self, action: Action, scopes: &[Scope]) -> Option<KeySpec> {
        let shadowed = |k: &KeySpec| {
            (self.bindings.iter()).any(|(k2, b)| {
                k2 == k && *b != action && scopes.contains(&b.scope()) && b.scope() != action.scope()
            })
        };
        let own = scopes.contains(&action.scope());
        self.keys_for(action).into_iter().find(|k| own || !shadowed(k))
    }

    /// The first key bound to `action`, as the hints show it (`:name` if it has none).
    pub fn hint(&self, action: Action) -> String {
        self.keys_for(action)
            .first()
            .map(ToString::to_string)
            .unwrap_or_else(|| format!(":{action}"))
    }

    /// The keys bound to `action`, the preferred one first.
    pub fn keys_for(&self, action: Action) -> Vec<KeySpec> {
        self.bindings
            .iter()
            .filter(|(_, a)| *a == action)
            .map(|(k, _)| *k)
            .collect()
    }

    /// One row per action, in `Action::ALL` order: its keys joined by ", " (empty if unbound).
    pub fn help_rows(&self) -> Vec<(String, Action)> {
        Action::ALL
            .iter()
            .map(|&action| {
                let keys: Vec<String> = self.keys_for(action).iter().map(ToString::to_string).collect();
                (keys.join(", "), action)
            })
            .collect()
    }

    /// The defaults changed by the config file's `[keys]` table (action name → key or list of
    /// keys). `file` and `text` are the config file's name and contents, for error messages.
    pub fn with_overrides(overrides: &toml::Table, file: &str, text: &str) -> Result<Keymap, ConfigError> {
        let invalid =
            |name: &str, message: String| ConfigError::invalid(file, text, &format!("keys.{name}"), message);
        let mut wanted: Vec<(Action, Vec<KeySpec>)> = Vec::new();
        for (name, value) in overrides {
            let action: Action = name.parse().map_err(|_| {
                invalid(
                    name,
                    format!("`{name}` is not an action; see `?` in the console for the action names"),
                )
            })?;
            let strings: Vec<&str> = match value {
                toml::Value::String(s) => vec![s.as_str()],
                toml::Value::Array(items) => items
                    .iter()
                    .map(|v| v.as_str().ok_or(v.type_str()))
                    .collect::<Result<_, _>>()
                    .map_err(|found| {
                        invalid(
                            name,
                            format!("expected a list of key strings, found {found} in the list"),
                        )
                    })?,
                other => {
                    let found = other.type_str();
                    return Err(invalid(
                        name,
                        format!(
                            "expected a key (\"n\") or a list of keys ([\"n\", \"ctrl-n\"]), found {found}"
                        ),
                    ));
                }
            };
            let mut keys = Vec::new();
            for s in strings {
                let key: KeySpec = s.parse().map_err(|e| invalid(name, e))?;
                if key == CTRL_C && action != Action::Quit {
                    return Err(invalid(
                        name,
                        format!(
                            "`ctrl-c` always quits (or, in a prompt, cancels it); it cannot be bound to `{name}`"
                        ),
                    ));
                }
                let typed = matches!(key.code, KeyCode::Char(_))
                    && !key
                        .modifiers
                        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
                if action.scope() == Scope::Editor && typed {
                    return Err(invalid(
                        name,
                        format!(
                            "`{key}` would be typed into the editor; bind `{name}` to a chord (`ctrl-s`, `alt-enter`) or a named key (`esc`, `f2`)"
                        ),
                    ));
                }
                let clash =
                    |(a, ks): &&(Action, Vec<KeySpec>)| a.scope() == action.scope() && ks.contains(&key);
                if let Some((other, _)) = wanted.iter().find(clash) {
                    return Err(invalid(
                        name,
                        format!("`{key}` is bound to both `{other}` and `{name}`"),
                    ));
                }
                if !keys.contains(&key) {
                    keys.push(key);
                }
            }
            wanted.push((action, keys));
        }

        let mut map = Keymap::default();
        map.bindings.retain(|(key, action)| {
            !wanted
                .iter()
                .any(|(a, ks)| a == action || (a.scope() == action.scope() && ks.contains(key)))
        });
        for (action, keys) in wanted {
            map.bindings.extend(keys.into_iter().map(|k| (k, action)));
        }
        if !map.bindings.contains(&(CTRL_C, Action::Quit)) {
            map.bindings.push((CTRL_C, Action::Quit));
        }
        Ok(map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_the_view_takes_for_itself_is_not_hinted_for_the_global_action() {
        let k = Keymap::default();
        let findings = [Scope::Findings, Scope::Sources];
        assert_eq!(
            k.reachable_key(Action::NextStatus, &findings),
            None,
            "s sorts there"
        );
        assert_eq!(
            k.reachable_key(Action::Resolve, &findings),
            None,
            "R resolves the finding"
        );
        let own = k
            .reachable_key(Action::FindingResolved, &findings)
            .map(|k| k.to_string());
        assert_eq!(own.as_deref(), Some("R"));
        let elsewhere = k.reachable_key(Action::NextStatus, &[]).map(|k| k.to_string());
        assert_eq!(elsewhere.as_deref(), Some("s"));
        // Remapped away from the clash, the global action is reachable again.
        let mut remapped = k.clone();
        remapped
            .bindings
            .push(("ctrl-t".parse().expect("key"), Action::NextStatus));
        let again = remapped
            .reachable_key(Action::NextStatus, &findings)
            .map(|k| k.to_string());
        assert_eq!(again.as_deref(), Some("ctrl-t"));
    }

    fn press(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    fn ch(c: char) -> KeyEvent {
        press(KeyCode::Char(c), KeyModifiers::NONE)
    }

    fn ctrl(c: char) -> KeyEvent {
        press(KeyCode::Char(c), KeyModifiers::CONTROL)
    }

    fn table(text: &str) -> toml::Table {
        let all: toml::Table = toml::from_str(text).expect("valid toml");
        all["keys"].as_table().expect("[keys] table").clone()
    }

    fn remap(keys: &str) -> Result<Keymap, ConfigError> {
        let text = format!("[keys]\n{keys}");
        Keymap::with_overrides(&table(&text), "c.toml", &text)
    }

    #[test]
    fn every_action_has_a_default_key_and_no_key_has_two_actions_in_a_scope() {
        let map = Keymap::default();
        for &action in Action::ALL {
            assert!(!map.keys_for(action).is_empty(), "{action} has no key");
        }
        let mut seen = std::collections::HashSet::new();
        for (key, action) in &map.bindings {
            assert!(
                seen.insert((*key, action.scope())),
                "{key} bound twice in {:?} (again to {action})",
                action.scope()
            );
        }
        let listed: usize = Action::ALL.iter().map(|a| a.default_keys().len()).sum();
        assert_eq!(map.bindings.len(), listed, "every default key string parses");
    }

    #[test]
    fn defaults_leave_terminal_chords_alone_and_put_no_write_on_a_chord() {
        let map = Keymap::default();
        for c in ['b', 's', 'q', 'z', '\\'] {
            assert_eq!(map.action_for(&ctrl(c)), None, "ctrl-{c}");
        }
        for (key, action) in &map.bindings {
            if action.writes() {
                assert!(
                    !key.modifiers()
                        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT),
                    "{key} → {action}"
                );
            }
        }
    }

    #[test]
    fn default_keys_match_events() {
        let map = Keymap::default();
        assert_eq!(map.action_for(&ch('q')), Some(Action::Quit));
        assert_eq!(map.action_for(&ctrl('c')), Some(Action::Quit));
        assert_eq!(map.action_for(&ch(':')), Some(Action::Palette));
        assert_eq!(map.action_for(&ch(' ')), Some(Action::ToggleItem));
        assert_eq!(
            map.action_for(&press(KeyCode::Tab, KeyModifiers::NONE)),
            Some(Action::FocusNext)
        );
        assert_eq!(
            map.action_for(&press(KeyCode::BackTab, KeyModifiers::SHIFT)),
            Some(Action::FocusPrev)
        );
        assert_eq!(
            map.action_for(&press(KeyCode::Tab, KeyModifiers::SHIFT)),
            Some(Action::FocusPrev)
        );
        assert_eq!(map.action_for(&ctrl('u')), Some(Action::HalfPageUp));
        assert_eq!(map.action_for(&ch('u')), Some(Action::StatusUpdate));
        assert_eq!(
            map.action_for(&press(KeyCode::PageDown, KeyModifiers::NONE)),
            Some(Action::PageDown)
        );
        assert_eq!(map.action_for(&ch('w')), None);
        assert_eq!(
            map.action_for(&press(KeyCode::Char('q'), KeyModifiers::ALT)),
            None
        );
    }

    #[test]
    fn shift_is_ignored_on_character_keys() {
        let map = Keymap::default();
        assert_eq!(map.action_for(&ch('G')), Some(Action::Bottom));
        assert_eq!(
            map.action_for(&press(KeyCode::Char('G'), KeyModifiers::SHIFT)),
            Some(Action::Bottom)
        );
        assert_eq!(
            map.action_for(&press(KeyCode::Char('g'), KeyModifiers::SHIFT)),
            Some(Action::Bottom)
        );
        assert_eq!(map.action_for(&ch('g')), Some(Action::Top));
        assert_eq!(
            map.action_for(&press(KeyCode::Char('?'), KeyModifiers::SHIFT)),
            Some(Action::Help)
        );
        assert_eq!(
            map.action_for(&press(KeyCode::Char('+'), KeyModifiers::SHIFT)),
            Some(Action::SeverityUp)
        );
        assert_eq!(
            map.action_for(&press(
                KeyCode::Char('C'),
                KeyModifiers::CONTROL | KeyModifiers::SHIFT
            )),
            Some(Action::Quit)
        );
    }

    #[test]
    fn releases_are_ignored_and_repeats_count() {
        let map = Keymap::default();
        let release = KeyEvent::new_with_kind(KeyCode::Char('j'), KeyModifiers::NONE, KeyEventKind::Release);
        let repeat = KeyEvent::new_with_kind(KeyCode::Char('j'), KeyModifiers::NONE, KeyEventKind::Repeat);
        assert_eq!(map.action_for(&release), None);
        assert_eq!(map.action_for(&repeat), Some(Action::Down));
        let spec: KeySpec = "j".parse().expect("key");
        assert!(spec.matches(&repeat) && !spec.matches(&release));
    }

    #[test]
    fn key_strings_parse_and_display_round_trip() {
        let canonical = [
            "q",
            "Q",
            "?",
            ":",
            "/",
            "+",
            "-",
            "1",
            "space",
            "tab",
            "backtab",
            "enter",
            "esc",
            "up",
            "down",
            "left",
            "right",
            "pgup",
            "pgdown",
            "home",
            "end",
            "f1",
            "f12",
            "ctrl-c",
            "ctrl-u",
            "alt-x",
            "ctrl-alt-x",
            "ctrl--",
            "alt-G",
            "shift-up",
        ];
        for s in canonical {
            let key: KeySpec = s.parse().unwrap_or_else(|e| panic!("{s}: {e}"));
            assert_eq!(key.to_string(), s);
        }
        let q: KeySpec = "Q".parse().expect("key");
        assert_eq!(
            (q.code(), q.modifiers()),
            (KeyCode::Char('Q'), KeyModifiers::NONE)
        );
        let loose = [
            ("alt-ctrl-x", "ctrl-alt-x"),
            ("ctrl-X", "ctrl-x"),
            ("shift-g", "G"),
            ("shift-tab", "backtab"),
            ("Enter", "enter"),
            ("F5", "f5"),
        ];
        for (loose, canon) in loose {
            assert_eq!(
                loose.parse::<KeySpec>().map(|k| k.to_string()),
                Ok(canon.to_string())
            );
        }
        for bad in [
            "", "ctrl-", "qq", "f0", "f13", "f01", "f+1", "hyper-x", " ", "ctrl-foo",
        ] {
            assert!(bad.parse::<KeySpec>().is_err(), "`{bad}` parsed");
        }
    }

    #[test]
    fn help_rows_follow_action_order_and_join_keys() {
        let map = remap("zoom = []\n").expect("valid");
        let rows = map.help_rows();
        let order: Vec<Action> = rows.iter().map(|(_, a)| *a).collect();
        assert_eq!(order, Action::ALL);
        assert_eq!(rows[0], ("q, ctrl-c".to_string(), Action::Quit));
        assert!(rows.contains(&(String::new(), Action::Zoom)));
        assert!(rows.contains(&("space, x".to_string(), Action::ToggleItem)));
    }

    #[test]
    fn overrides_rebind_unbind_and_steal_keys() {
        let map =
            remap("note = \"N\"\nzoom = []\nup = [\"k\", \"ctrl-p\"]\nexport = \"f\"\n").expect("valid");
        assert_eq!(map.action_for(&ch('N')), Some(Action::Note));
        assert_eq!(map.action_for(&ch('n')), None, "note's default key is replaced");
        assert!(map.keys_for(Action::Zoom).is_empty());
        assert_eq!(map.action_for(&ch('z')), None);
        assert_eq!(
            map.keys_for(Action::Up),
            ["k".parse().expect("key"), "ctrl-p".parse().expect("key")]
        );
        assert_eq!(
            map.action_for(&ch('f')),
            Some(Action::Export),
            "stolen from follow"
        );
        assert!(map.keys_for(Action::Follow).is_empty());
        assert_eq!(map.action_for(&ch('e')), None);
        assert_eq!(map.action_for(&ch('G')), Some(Action::Bottom), "others untouched");
    }

    #[test]
    fn pane_keys_shadow_global_ones_only_where_they_apply() {
        let map = Keymap::default();
        let findings = [Scope::Findings, Scope::Sources];
        let backups = [Scope::Backups, Scope::Sources];
        assert_eq!(map.action_for(&ch('s')), Some(Action::NextStatus));
        assert_eq!(map.action_in(&ch('s'), &findings), Some(Action::SortFindings));
        assert_eq!(map.action_in(&ch('s'), &backups), Some(Action::NextStatus));
        assert_eq!(map.action_in(&ch('r'), &backups), Some(Action::BackupReadiness));
        assert_eq!(map.action_in(&ch('r'), &findings), Some(Action::AssignRole));
        assert_eq!(map.action_in(&ch(']'), &backups), Some(Action::SourceViewNext));
        assert_eq!(map.action_for(&ch(']')), None);
        assert_eq!(map.action_in(&ctrl('c'), &findings), Some(Action::Quit));

        let map = remap("sort-findings = \"o\"\nfinding-resolved = \"s\"\n").expect("valid");
        assert_eq!(map.action_in(&ch('s'), &findings), Some(Action::FindingResolved));
        assert_eq!(
            map.action_for(&ch('s')),
            Some(Action::NextStatus),
            "other scopes keep it"
        );
        assert_eq!(map.action_in(&ch('R'), &findings), Some(Action::Resolve));
        assert_eq!(map.action_in(&ch('o'), &findings), Some(Action::SortFindings));

        let err = remap("sort-findings = \"x\"\nfinding-note = \"x\"\n").expect_err("one scope");
        assert!(err.to_string().contains("bound to both"), "{err}");
        let map = remap("sort-findings = \"x\"\nnote = \"x\"\n").expect("two scopes");
        assert_eq!(map.action_for(&ch('x')), Some(Action::Note));
        assert_eq!(map.action_in(&ch('x'), &findings), Some(Action::SortFindings));
    }

    #[test]
    fn ctrl_c_always_quits() {
        let map = remap("quit = [\"Q\"]\n").expect("valid");
        assert_eq!(map.action_for(&ctrl('c')), Some(Action::Quit));
        assert_eq!(map.action_for(&ch('q')), None);
        assert_eq!(map.keys_for(Action::Quit), ["Q".parse().expect("key"), CTRL_C]);
        let map = remap("quit = []\n").expect("valid");
        assert_eq!(map.keys_for(Action::Quit), [CTRL_C]);
        let err = remap("note = \"ctrl-c\"\n").expect_err("ctrl-c is not remappable");
        assert!(err.to_string().contains("always quits"), "{err}");
    }

    #[test]
    fn overlay_and_editor_keys_are_remappable_without_touching_the_panes() {
        let enter = press(KeyCode::Enter, KeyModifiers::NONE);
        let esc = press(KeyCode::Esc, KeyModifiers::NONE);
        let map = Keymap::default();
        assert_eq!(map.overlay_action(&ch('y'), Scope::Confirm), Some(Action::Yes));
        assert_eq!(map.overlay_action(&ch('q'), Scope::Confirm), Some(Action::Close));
        assert_eq!(map.overlay_action(&ch('j'), Scope::Picker), Some(Action::Down));
        assert_eq!(map.overlay_action(&enter, Scope::Picker), Some(Action::Choose));
        assert_eq!(
            map.overlay_action(&ch('n'), Scope::Picker),
            None,
            "no global non-move"
        );
        assert_eq!(map.action_only(&ctrl('s'), Scope::Editor), Some(Action::Save));
        assert_eq!(
            map.action_only(&press(KeyCode::Enter, KeyModifiers::ALT), Scope::Editor),
            Some(Action::Save)
        );
        assert_eq!(
            map.action_only(&ch('q'), Scope::Editor),
            None,
            "typed, not closing"
        );
        assert_eq!(map.action_only(&esc, Scope::Editor), Some(Action::CloseEditor));

        let map = remap("yes = \"o\"\nsave = [\"ctrl-o\", \"f2\"]\ndown = \"ctrl-n\"\n").expect("valid");
        assert_eq!(map.overlay_action(&ch('o'), Scope::Confirm), Some(Action::Yes));
        assert_eq!(map.overlay_action(&ch('y'), Scope::Confirm), None);
        assert_eq!(map.action_only(&ctrl('o'), Scope::Editor), Some(Action::Save));
        assert_eq!(map.action_only(&ctrl('s'), Scope::Editor), None);
        assert_eq!(
            map.overlay_action(&ctrl('n'), Scope::Picker),
            Some(Action::Down),
            "moves follow"
        );
        assert_eq!(map.overlay_action(&ch('j'), Scope::Picker), None);
        assert_eq!(map.action_for(&ch('o')), None, "a modal key is not a pane key");
        assert_eq!(map.hint(Action::Yes), "o");

        let err = remap("save = \"s\"\n").expect_err("a letter is typing");
        assert!(err.to_string().contains("typed into the editor"), "{err}");
        let err = remap("yes = \"x\"\nno = \"x\"\n").expect_err("one scope");
        assert!(err.to_string().contains("bound to both"), "{err}");
    }

    /// Each file in `tests/invalid_configs/` is rejected with a message naming the file, the line
    /// and the key.
    #[test]
    fn invalid_config_files_name_file_line_and_key() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/invalid_configs");
        let cases = [
            (
                "keys-unknown-action.toml",
                6,
                "keys.launch-missiles",
                "not an action",
            ),
            ("keys-bad-key.toml", 7, "keys.note", "`C-n` is not a key"),
            ("keys-wrong-type.toml", 5, "keys.zoom", "found integer"),
            ("keys-wrong-type-in-list.toml", 6, "keys.up", "found boolean"),
            (
                "keys-duplicate.toml",
                7,
                "keys.note",
                "bound to both `decision` and `note`",
            ),
            ("keys-ctrl-c.toml", 5, "keys.export", "always quits"),
            ("keys-editor-typed.toml", 6, "keys.save", "typed into the editor"),
        ];
        for (name, line, key, what) in cases {
            let path = dir.join(name);
            let path = path.display().to_string();
            let text = std::fs::read_to_string(&path).expect("readable");
            let all: toml::Table = toml::from_str(&text).expect("valid toml");
            let keys = all["keys"].as_table().expect("[keys] table");
            let msg = Keymap::with_overrides(keys, &path, &text)
                .expect_err(name)
                .to_string();
            assert!(msg.starts_with(&format!("{path}:{line}:")), "{name}: {msg}");
            assert!(msg.contains(&format!("`{key}`")), "{name}: {msg}");
            assert!(msg.contains(what), "{name}: {msg}");
        }
    }
}
