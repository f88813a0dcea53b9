//! Colour themes. A theme names *meanings* (normal text, a failure, a SEV1, the focused pane),
//! never widgets; the views pick the role that says what they mean.
//!
//! Built-in themes (`dark`, the default; `light`; `high-contrast`; `colorblind`) are compiled
//! in from `themes/NAME.toml`. A file `<config_dir>/themes/NAME.toml` adds a theme, or replaces
//! the built-in of the same name. The format:
//!
//! ```toml
//! name = "mine"          # optional; if given it must match the file name
//! inherits = "dark"      # optional: start from another theme and override some roles
//!
//! [roles]
//! base = { fg = "white" }
//! sev1 = { fg = "white", bg = "red", bold = true }
//! focus_border = { fg = "#56b4e9", bold = true }
//! ```
//!
//! * Roles: `base`, `muted`, `title`, `border`, `focus_border`, `selection`, `header`, `ok`,
//!   `warn`, `fail`, `info`, `sev1` … `sev5`, `drill`, `pending`, `key`, `status_triage`,
//!   `status_active`, `status_mitigated`, `status_resolved` (also used for closed).
//! * A role is an inline table of `fg` and `bg` colours and the modifiers `bold`, `italic`,
//!   `underline`, `reversed`, `dim` (`true` adds, `false` removes). A role you write replaces
//!   the inherited one whole; a role you leave out is inherited, or plain text if the theme
//!   inherits nothing.
//! * Colours: `black`, `red`, `green`, `yellow`, `blue`, `magenta`, `cyan`, `gray`,
//!   `darkgray`, `lightred`, `lightgreen`, `lightyellow`, `lightblue`, `lightmagenta`,
//!   `lightcyan`, `white`, `reset` (the terminal's own colour), `"#rrggbb"`, or `0`..`255`
//!   (the xterm-256 palette, as a number or a string).
//! * `inherits` looks for a user theme first, then a built-in; a user theme that inherits its
//!   own name (`dark.toml` with `inherits = "dark"`) gets the built-in. Built-in themes only
//!   inherit built-ins.
//!
//! Unknown keys, bad colours, unknown or cyclic `inherits` are errors that name the file, the
//! line and the key. With `NO_COLOR` set (<https://no-color.org>), [`from_env`] turns the theme
//! [`monochrome`](Theme::monochrome).

use crate::config::{ConfigError, parse_toml};
use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use std::ffi::OsStr;
use std::fmt;
use std::path::Path;

/// The built-in themes, in the order they are offered; the first is the default.
const BUILTINS: [(&str, &str); 4] = [
    ("dark", include_str!("../../themes/dark.toml")),
    ("light", include_str!("../../themes/light.toml")),
    ("high-contrast", include_str!("../../themes/high-contrast.toml")),
    ("colorblind", include_str!("../../themes/colorblind.toml")),
];

/// The name of the default theme.
pub const DEFAULT: &str = "dark";

/// Styles by meaning. Views use a role, never a colour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Theme {
    pub name: String,
    /// Normal text.
    pub base: Style,
    /// Secondary text: timestamps, labels, ids.
    pub muted: Style,
    /// Pane titles.
    pub title: Style,
    pub border: Style,
    /// The focused pane's border (and title).
    pub focus_border: Style,
    /// The selected row.
    pub selection: Style,
    /// The incident header bar.
    pub header: Style,
    pub ok: Style,
    pub warn: Style,
    pub fail: Style,
    pub info: Style,
    /// SEV1 … SEV5: index 0 is SEV1. See [`Theme::severity`].
    pub sev: [Style; 5],
    /// The DRILL banner.
    pub drill: Style,
    /// Events not yet confirmed by the store.
    pub pending: Style,
    /// Key names in the hint bar and the help.
    pub key: Style,
    pub status_triage: Style,
    pub status_active: Style,
    pub status_mitigated: Style,
    /// Resolved and closed.
    pub status_resolved: Style,
}

impl Theme {
    /// Every role unstyled: the starting point of a theme that inherits nothing.
    fn plain(name: &str) -> Theme {
        let s = Style::new();
        Theme {
            name: name.to_string(),
            base: s,
            muted: s,
            title: s,
            border: s,
            focus_border: s,
            selection: s,
            header: s,
            ok: s,
            warn: s,
            fail: s,
            info: s,
            sev: [s; 5],
            drill: s,
            pending: s,
            key: s,
            status_triage: s,
            status_active: s,
            status_mitigated: s,
            status_resolved: s,
        }
    }

    /// The style of SEV`level`; levels outside 1..=5 are clamped.
    pub fn severity(&self, level: u8) -> Style {
        self.sev[usize::from(level.clamp(1, 5)) - 1]
    }

    /// The theme without colour, for `NO_COLOR`: every foreground and background is dropped,
    /// modifiers are kept, and roles that were told apart by colour get a modifier instead.
    pub fn monochrome(mut self) -> Theme {
        for role in ROLES {
            if let Some(style) = self.role_mut(role) {
                *style = Style::new()
                    .remove_modifier(style.sub_modifier)
                    .add_modifier(style.add_modifier);
            }
        }
        let bold = Modifier::BOLD;
        let reversed = Modifier::REVERSED;
        let [sev1, sev2, sev3, _, _] = &mut self.sev;
        let extra = [
            (sev1, bold | reversed),
            (sev2, bold | reversed),
            (sev3, bold),
            (&mut self.fail, bold),
            (&mut self.warn, Modifier::UNDERLINED),
            (&mut self.focus_border, bold),
            (&mut self.selection, reversed),
            (&mut self.drill, bold | reversed),
            (&mut self.pending, Modifier::DIM | Modifier::ITALIC),
            (&mut self.muted, Modifier::DIM),
            (&mut self.header, reversed),
            (&mut self.title, bold),
            (&mut self.key, bold),
            (&mut self.status_triage, bold),
            (&mut self.status_active, bold),
            (&mut self.status_mitigated, bold),
            (&mut self.status_resolved, bold),
        ];
        for (style, modifier) in extra {
            *style = style.add_modifier(modifier);
        }
        self
    }
}

/// Declares the roles once: the file's `[roles]` table, and where each lands in [`Theme`].
macro_rules! roles {
    ($($role:ident: $field:ident $([$idx:literal])?),+ $(,)?) => {
        /// Every role a theme file may set.
        const ROLES: &[&str] = &[$(stringify!($role)),+];

        #[derive(Debug, Default, Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Roles {
            $($role: Option<RoleSpec>,)+
        }

        impl Roles {
            fn entries(&self) -> Vec<(&'static str, Option<&RoleSpec>)> {
                vec![$((stringify!($role), self.$role.as_ref())),+]
            }
        }

        impl Theme {
            fn role_mut(&mut self, role: &str) -> Option<&mut Style> {
                match role {
                    $(stringify!($role) => Some(&mut self.$field $([$idx])?),)+
                    _ => None,
                }
            }

            #[cfg(test)]
            fn roles(&self) -> Vec<(&'static str, Style)> {
                vec![$((stringify!($role), self.$field $([$idx])?)),+]
            }
        }
    };
}

roles! {
    base: base,
    muted: muted,
    title: title,
    border: border,
    focus_border: focus_border,
    selection: selection,
    header: header,
    ok: ok,
    warn: warn,
    fail: fail,
    info: info,
    sev1: sev[0],
    sev2: sev[1],
    sev3: sev[2],
    sev4: sev[3],
    sev5: sev[4],
    drill: drill,
    pending: pending,
    key: key,
    status_triage: status_triage,
    status_active: status_active,
    status_mitigated: status_mitigated,
    status_resolved: status_resolved,
}

/// A theme file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    name: Option<String>,
    inherits: Option<String>,
    #[serde(default)]
    roles: Roles,
}

/// One role in a theme file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleSpec {
    fg: Option<ColorSpec>,
    bg: Option<ColorSpec>,
    bold: Option<bool>,
    italic: Option<bool>,
    underline: Option<bool>,
    reversed: Option<bool>,
    dim: Option<bool>,
}

impl RoleSpec {
    fn style(&self) -> Style {
        let mut style = Style::new();
        if let Some(ColorSpec(c)) = self.fg {
            style = style.fg(c);
        }
        if let Some(ColorSpec(c)) = self.bg {
            style = style.bg(c);
        }
        let modifiers = [
            (self.bold, Modifier::BOLD),
            (self.italic, Modifier::ITALIC),
            (self.underline, Modifier::UNDERLINED),
            (self.reversed, Modifier::REVERSED),
            (self.dim, Modifier::DIM),
        ];
        for (on, modifier) in modifiers {
            style = match on {
                Some(true) => style.add_modifier(modifier),
                Some(false) => style.remove_modifier(modifier),
                None => style,
            };
        }
        style
    }
}

/// The colour names a theme may use, with what they mean to ratatui.
const COLOUR_NAMES: [(&str, Color); 17] = [
    ("black", Color::Black),
    ("red", Color::Red),
    ("green", Color::Green),
    ("yellow", Color::Yellow),
    ("blue", Color::Blue),
    ("magenta", Color::Magenta),
    ("cyan", Color::Cyan),
    ("gray", Color::Gray),
    ("darkgray", Color::DarkGray),
    ("lightred", Color::LightRed),
    ("lightgreen", Color::LightGreen),
    ("lightyellow", Color::LightYellow),
    ("lightblue", Color::LightBlue),
    ("lightmagenta", Color::LightMagenta),
    ("lightcyan", Color::LightCyan),
    ("white", Color::White),
    ("reset", Color::Reset),
];

/// A colour in a theme file: a name, `#rrggbb`, or an xterm-256 index.
#[derive(Debug, Clone, Copy)]
struct ColorSpec(Color);

impl<'de> Deserialize<'de> for ColorSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ColourVisitor;

        impl Visitor<'_> for ColourVisitor {
            type Value = ColorSpec;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                write!(f, "a colour: {}", valid_colours())
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<ColorSpec, E> {
                parse_colour(v).map(ColorSpec).map_err(E::custom)
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<ColorSpec, E> {
                indexed(v.to_string().as_str()).map(ColorSpec).map_err(E::custom)
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<ColorSpec, E> {
                indexed(v.to_string().as_str()).map(ColorSpec).map_err(E::custom)
            }
        }

        deserializer.deserialize_any(ColourVisitor)
    }
}

fn valid_colours() -> String {
    let names: Vec<&str> = COLOUR_NAMES.iter().map(|(n, _)| *n).collect();
    format!("{}, \"#rrggbb\" or 0..255", names.join(", "))
}

fn parse_colour(text: &str) -> Result<Color, String> {
    let t = text.trim();
    if let Some(hex) = t.strip_prefix('#') {
        let rgb = (hex.len() == 6 && hex.chars().all(|c| c.is_ascii_hexdigit()))
            .then(|| u32::from_str_radix(hex, 16).ok())
            .flatten();
        return match rgb {
            Some(v) => Ok(Color::Rgb((v >> 16) as u8, (v >> 8) as u8, v as u8)),
            None => Err(format!("`{text}` is not a colour: write #rrggbb, six hex digits")),
        };
    }
    if !t.is_empty() && t.chars().all(|c| c.is_ascii_digit()) {
        return indexed(t);
    }
    let wanted: String = t
        .chars()
        .filter(|c| !matches!(c, '-' | '_' | ' '))
        .flat_map(char::to_lowercase)
        .collect::<String>()
        .replace("grey", "gray");
    COLOUR_NAMES
        .iter()
        .find(|(name, _)| *name == wanted)
        .map(|(_, c)| *c)
        .ok_or_else(|| format!("unknown colour `{text}`; use one of {}", valid_colours()))
}

fn indexed(digits: &str) -> Result<Color, String> {
    digits
        .parse::<u8>()
        .map(Color::Indexed)
        .map_err(|_| format!("colour index `{digits}` is out of range: use 0..255"))
}

/// Where a theme's text came from.
struct Source {
    name: String,
    user: bool,
    file: String,
    text: String,
}

/// Theme names are file names: letters, digits, `-` and `_`.
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn builtin(name: &str) -> Option<Source> {
    BUILTINS.iter().find(|(n, _)| *n == name).map(|(n, text)| Source {
        name: n.to_string(),
        user: false,
        file: format!("<built-in>/{n}.toml"),
        text: text.to_string(),
    })
}

/// The user's `NAME.toml`, if there is one.
fn user(name: &str, user_dir: Option<&Path>) -> Result<Option<Source>, ConfigError> {
    let Some(dir) = user_dir else {
        return Ok(None);
    };
    if !valid_name(name) {
        return Ok(None);
    }
    let path = dir.join(format!("{name}.toml"));
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(Some(Source {
            name: name.to_string(),
            user: true,
            file: path.display().to_string(),
            text,
        })),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(ConfigError::Read {
            file: path.display().to_string(),
            detail: e.to_string(),
        }),
    }
}

/// A user theme if there is one, else a built-in.
fn find(name: &str, user_dir: Option<&Path>) -> Result<Option<Source>, ConfigError> {
    Ok(match user(name, user_dir)? {
        Some(s) => Some(s),
        None => builtin(name),
    })
}

/// The themes there are: the built-ins, then the user's own, sorted.
pub fn available(user_dir: Option<&Path>) -> Vec<String> {
    let mut names: Vec<String> = BUILTINS.iter().map(|(n, _)| n.to_string()).collect();
    let mut extra: Vec<String> = user_dir
        .and_then(|d| std::fs::read_dir(d).ok())
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let path = entry.path();
            if path.extension().and_then(OsStr::to_str) != Some("toml") {
                return None;
            }
            let stem = path.file_stem()?.to_str()?.to_string();
            (valid_name(&stem) && !names.contains(&stem)).then_some(stem)
        })
        .collect();
    extra.sort();
    extra.dedup();
    names.append(&mut extra);
    names
}

/// Load the theme `name`: the user's `<user_dir>/NAME.toml` if it exists, else the built-in.
pub fn load(name: &str, user_dir: Option<&Path>) -> Result<Theme, ConfigError> {
    let Some(source) = find(name, user_dir)? else {
        let hint = user_dir
            .filter(|_| valid_name(name))
            .map(|d| format!(", or create {}", d.join(format!("{name}.toml")).display()))
            .unwrap_or_default();
        return Err(ConfigError::Read {
            file: format!("theme `{name}`"),
            detail: format!(
                "no such theme; available: {}{hint}",
                available(user_dir).join(", ")
            ),
        });
    };
    let mut chain = Vec::new();
    resolve(source, user_dir, &mut chain)
}

/// Parse `source` and everything it inherits. `chain` holds the themes being resolved, as
/// (name, is a user theme), to catch cycles.
fn resolve(
    source: Source,
    user_dir: Option<&Path>,
    chain: &mut Vec<(String, bool)>,
) -> Result<Theme, ConfigError> {
    let file: ThemeFile = parse_toml(&source.file, &source.text)?;
    if let Some(declared) = &file.name
        && *declared != source.name
    {
        return Err(ConfigError::invalid(
            &source.file,
            &source.text,
            "name",
            format!(
                "this file is theme `{}` but says name = \"{declared}\"; make them match",
                source.name
            ),
        ));
    }
    chain.push((source.name.clone(), source.user));
    let mut theme = match &file.inherits {
        None => Theme::plain(&source.name),
        Some(parent) => {
            let found = if !source.user || *parent == source.name {
                // Built-ins inherit only built-ins; a user theme inheriting its own name means
                // the built-in it replaces.
                builtin(parent)
            } else {
                find(parent, user_dir)?
            };
            let Some(parent_source) = found else {
                return Err(ConfigError::invalid(
                    &source.file,
                    &source.text,
                    "inherits",
                    format!(
                        "there is no theme `{parent}` to inherit; available: {}",
                        available(user_dir).join(", ")
                    ),
                ));
            };
            if chain.contains(&(parent_source.name.clone(), parent_source.user)) {
                let mut names: Vec<&str> = chain.iter().map(|(n, _)| n.as_str()).collect();
                names.push(parent);
                return Err(ConfigError::invalid(
                    &source.file,
                    &source.text,
                    "inherits",
                    format!("inherits cycle: {}", names.join(" → ")),
                ));
            }
            let mut theme = resolve(parent_source, user_dir, chain)?;
            theme.name = source.name.clone();
            theme
        }
    };
    for (role, spec) in file.roles.entries() {
        if let (Some(spec), Some(slot)) = (spec, theme.role_mut(role)) {
            *slot = spec.style();
        }
    }
    chain.pop();
    Ok(theme)
}

/// [`load`], then [`Theme::monochrome`] if `NO_COLOR` is set and not empty.
pub fn from_env(name: &str, user_dir: Option<&Path>) -> Result<Theme, ConfigError> {
    load_with_no_color(name, user_dir, std::env::var_os("NO_COLOR").as_deref())
}

fn load_with_no_color(
    name: &str,
    user_dir: Option<&Path>,
    no_color: Option<&OsStr>,
) -> Result<Theme, ConfigError> {
    let theme = load(name, user_dir)?;
    Ok(if no_color.is_some_and(|v| !v.is_empty()) {
        theme.monochrome()
    } else {
        theme
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn builtin_file(name: &str) -> ThemeFile {
        let source = builtin(name).expect("built-in");
        parse_toml(&source.file, &source.text).expect("built-in parses")
    }

    fn colours(theme: &Theme) -> Vec<(&'static str, Color)> {
        theme
            .roles()
            .into_iter()
            .flat_map(|(role, s)| [s.fg, s.bg].into_iter().flatten().map(move |c| (role, c)))
            .collect()
    }

    fn invalid_dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/invalid_themes")
    }

    fn write(dir: &Path, name: &str, text: &str) {
        std::fs::write(dir.join(format!("{name}.toml")), text).expect("write theme");
    }

    #[test]
    fn every_builtin_loads_and_sets_every_role() {
        assert_eq!(available(None), ["dark", "light", "high-contrast", "colorblind"]);
        for name in available(None) {
            let file = builtin_file(&name);
            assert_eq!(file.name.as_deref(), Some(name.as_str()));
            assert!(file.inherits.is_none(), "{name} should stand alone");
            for (role, spec) in file.roles.entries() {
                assert!(spec.is_some(), "theme {name} does not set `{role}`");
            }
            let theme = load(&name, None).expect("built-in loads");
            assert_eq!(theme.name, name);
            for (role, style) in theme.roles() {
                assert_ne!(style, Style::default(), "{name}.{role} is unstyled");
            }
            for level in 1..5 {
                assert_ne!(
                    theme.severity(level),
                    theme.severity(level + 1),
                    "{name}: SEV{level} looks like SEV{}",
                    level + 1
                );
            }
            assert_ne!(theme.fail, theme.ok, "{name}: fail looks like ok");
            assert_ne!(theme.focus_border, theme.border, "{name}: focus is invisible");
        }
        assert_eq!(load(DEFAULT, None).expect("default").name, "dark");
    }

    #[test]
    fn dark_and_light_use_only_the_16_ansi_colours() {
        for name in ["dark", "light"] {
            let theme = load(name, None).expect("loads");
            for (role, c) in colours(&theme) {
                assert!(
                    !matches!(c, Color::Rgb(..) | Color::Indexed(_)),
                    "{name}.{role} uses {c:?}, which a 16-colour terminal cannot show"
                );
            }
        }
    }

    #[test]
    fn high_contrast_is_black_and_white() {
        let theme = load("high-contrast", None).expect("loads");
        for (role, c) in colours(&theme) {
            assert!(
                matches!(c, Color::Reset | Color::Black | Color::White),
                "high-contrast.{role} uses {c:?}"
            );
        }
        assert!(theme.selection.add_modifier.contains(Modifier::REVERSED));
        assert!(
            theme
                .severity(1)
                .add_modifier
                .contains(Modifier::REVERSED | Modifier::BOLD)
        );
    }

    #[test]
    fn colorblind_never_uses_red_or_green_and_marks_danger_without_colour() {
        let theme = load("colorblind", None).expect("loads");
        for (role, c) in colours(&theme) {
            assert!(
                !matches!(c, Color::Red | Color::Green | Color::LightRed | Color::LightGreen),
                "colorblind.{role} uses {c:?}"
            );
        }
        for style in [theme.severity(1), theme.severity(2), theme.fail] {
            assert!(style.add_modifier.contains(Modifier::BOLD), "{style:?}");
        }
        assert_ne!(theme.severity(1).add_modifier, theme.severity(2).add_modifier);
    }

    #[test]
    fn severity_clamps() {
        let theme = load("dark", None).expect("loads");
        assert_eq!(theme.severity(0), theme.sev[0]);
        assert_eq!(theme.severity(1), theme.sev[0]);
        assert_eq!(theme.severity(5), theme.sev[4]);
        assert_eq!(theme.severity(200), theme.sev[4]);
    }

    #[test]
    fn colours_parse_by_name_hex_and_index() {
        assert_eq!(parse_colour("lightred"), Ok(Color::LightRed));
        assert_eq!(parse_colour("Light-Blue"), Ok(Color::LightBlue));
        assert_eq!(parse_colour("dark_grey"), Ok(Color::DarkGray));
        assert_eq!(parse_colour("reset"), Ok(Color::Reset));
        assert_eq!(parse_colour("#e69f00"), Ok(Color::Rgb(0xe6, 0x9f, 0x00)));
        assert_eq!(parse_colour("208"), Ok(Color::Indexed(208)));
        assert!(parse_colour("#12345").is_err());
        assert!(parse_colour("256").is_err());
        let err = parse_colour("rose").expect_err("not a colour");
        assert!(err.contains("`rose`") && err.contains("lightmagenta"), "{err}");

        let text = "[roles]\nbase = { fg = 33, bg = \"#000000\" }\n";
        let file: ThemeFile = parse_toml("t.toml", text).expect("parses");
        let style = file.roles.base.expect("base").style();
        assert_eq!(style.fg, Some(Color::Indexed(33)));
        assert_eq!(style.bg, Some(Color::Rgb(0, 0, 0)));
        let err = parse_toml::<ThemeFile>("t.toml", "[roles]\nbase = { fg = 300 }\n")
            .expect_err("out of range")
            .to_string();
        assert!(
            err.starts_with("t.toml:2:") && err.contains("out of range"),
            "{err}"
        );
    }

    #[test]
    fn inheritance_overrides_only_the_roles_written() {
        let dir = tempfile::tempdir().expect("tempdir");
        write(
            dir.path(),
            "mine",
            "inherits = \"light\"\n[roles]\nfail = { fg = \"magenta\", bold = false }\n",
        );
        write(
            dir.path(),
            "grandchild",
            "inherits = \"mine\"\n[roles]\nok = { fg = \"blue\" }\n",
        );
        let light = load("light", Some(dir.path())).expect("light");
        let mine = load("mine", Some(dir.path())).expect("mine");
        assert_eq!(mine.name, "mine");
        assert_eq!(
            mine.fail,
            Style::new().fg(Color::Magenta).remove_modifier(Modifier::BOLD)
        );
        assert_eq!(mine.base, light.base);
        assert_eq!(mine.sev, light.sev);
        let grandchild = load("grandchild", Some(dir.path())).expect("grandchild");
        assert_eq!(grandchild.name, "grandchild");
        assert_eq!(grandchild.fail, mine.fail);
        assert_eq!(grandchild.ok, Style::new().fg(Color::Blue));
        assert_eq!(grandchild.title, light.title);

        // Without `inherits`, roles left out are plain.
        write(dir.path(), "bare", "[roles]\nsev1 = { reversed = true }\n");
        let bare = load("bare", Some(dir.path())).expect("bare");
        assert_eq!(bare.base, Style::default());
        assert_eq!(bare.severity(1), Style::new().add_modifier(Modifier::REVERSED));
    }

    #[test]
    fn a_user_theme_overrides_a_builtin_and_can_inherit_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        write(
            dir.path(),
            "dark",
            "name = \"dark\"\ninherits = \"dark\"\n[roles]\nbase = { fg = \"white\" }\n",
        );
        write(dir.path(), "light", "[roles]\nbase = { fg = \"black\" }\n");
        write(dir.path(), "zebra", "inherits = \"dark\"\n");
        std::fs::write(dir.path().join("notes.txt"), "not a theme").expect("write");

        let builtin_dark = load("dark", None).expect("built-in");
        let dark = load("dark", Some(dir.path())).expect("user dark");
        assert_eq!(dark.base, Style::new().fg(Color::White));
        assert_eq!(dark.sev, builtin_dark.sev);
        // A user theme inheriting `dark` gets the user's dark.
        assert_eq!(load("zebra", Some(dir.path())).expect("zebra").base, dark.base);
        // A user file replaces the built-in whole.
        let light = load("light", Some(dir.path())).expect("user light");
        assert_eq!(light.base, Style::new().fg(Color::Black));
        assert_eq!(light.fail, Style::default());

        assert_eq!(
            available(Some(dir.path())),
            ["dark", "light", "high-contrast", "colorblind", "zebra"]
        );
        assert_eq!(available(Some(&dir.path().join("missing"))).len(), 4);
    }

    #[test]
    fn an_unknown_theme_lists_the_available_ones() {
        let dir = tempfile::tempdir().expect("tempdir");
        write(dir.path(), "mine", "inherits = \"dark\"\n");
        let msg = load("neon", Some(dir.path())).expect_err("unknown").to_string();
        for name in ["`neon`", "dark", "light", "high-contrast", "colorblind", "mine"] {
            assert!(msg.contains(name), "{msg}");
        }
        let msg = load("../etc/passwd", Some(dir.path()))
            .expect_err("not a name")
            .to_string();
        assert!(msg.contains("no such theme"), "{msg}");
    }

    #[test]
    fn invalid_theme_files_name_file_line_and_key() {
        let dir = invalid_dir();
        let cases = [
            // (theme, file:line, key, words in the message)
            (
                "bad-colour",
                "bad-colour.toml:5:",
                "roles.sev1",
                vec!["unknown colour `rose`", "lightred", "#rrggbb"],
            ),
            (
                "unknown-role",
                "unknown-role.toml:6:",
                "roles.sev6",
                vec!["unknown field `sev6`", "status_resolved"],
            ),
            (
                "unknown-modifier",
                "unknown-modifier.toml:5:",
                "roles.fail",
                vec!["unknown field `blink`", "reversed"],
            ),
            (
                "cycle-a",
                "cycle-b.toml:3:",
                "inherits",
                vec!["cycle-a → cycle-b → cycle-a"],
            ),
            (
                "inherits-unknown",
                "inherits-unknown.toml:3:",
                "inherits",
                vec!["`solarized`", "dark", "colorblind"],
            ),
            ("not-toml", "not-toml.toml:3:", "roles.base", vec![]),
        ];
        for (name, at, key, words) in cases {
            let msg = load(name, Some(&dir)).expect_err(name).to_string();
            let at = format!("{}/{at}", dir.display());
            assert!(
                msg.starts_with(&at),
                "{name}: {msg}\nwanted it to start with {at}"
            );
            assert!(msg.contains(&format!("key `{key}`")), "{name}: {msg}");
            for word in words {
                assert!(msg.contains(word), "{name}: {msg}\nwanted {word}");
            }
        }
    }

    #[test]
    fn a_name_that_disagrees_with_the_file_is_an_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        write(dir.path(), "copy", "name = \"dark\"\ninherits = \"dark\"\n");
        let msg = load("copy", Some(dir.path())).expect_err("mismatch").to_string();
        assert!(
            msg.contains("copy.toml:1:") && msg.contains("key `name`"),
            "{msg}"
        );
    }

    #[test]
    fn monochrome_has_no_colour_but_keeps_the_distinctions() {
        for name in available(None) {
            let theme = load(&name, None).expect("loads").monochrome();
            assert_eq!(colours(&theme), [], "{name}");
            assert_ne!(theme.severity(1), theme.severity(5), "{name}");
            assert!(
                theme
                    .severity(1)
                    .add_modifier
                    .contains(Modifier::BOLD | Modifier::REVERSED),
                "{name}"
            );
            assert!(theme.fail.add_modifier.contains(Modifier::BOLD), "{name}");
            assert!(theme.focus_border.add_modifier.contains(Modifier::BOLD), "{name}");
            assert!(
                theme.selection.add_modifier.contains(Modifier::REVERSED),
                "{name}"
            );
            assert!(
                theme
                    .drill
                    .add_modifier
                    .contains(Modifier::REVERSED | Modifier::BOLD),
                "{name}"
            );
            assert!(
                theme
                    .pending
                    .add_modifier
                    .intersects(Modifier::DIM | Modifier::ITALIC),
                "{name}"
            );
        }
        // Modifiers the theme had survive.
        let dark = load("dark", None).expect("dark");
        assert!(dark.monochrome().pending.add_modifier.contains(Modifier::ITALIC));
    }

    #[test]
    fn no_color_applies_only_when_set_and_not_empty() {
        let plain = load("dark", None).expect("dark");
        let mono = load_with_no_color("dark", None, Some(OsStr::new("1"))).expect("mono");
        assert_eq!(mono, plain.clone().monochrome());
        let empty = load_with_no_color("dark", None, Some(OsStr::new(""))).expect("empty");
        assert_eq!(empty, plain);
        let unset = load_with_no_color("dark", None, None).expect("unset");
        assert_eq!(unset, plain);
    }
}
