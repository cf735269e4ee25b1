//! Themes as TOML files in two levels: a `[palette]` of named colours and `[roles]` of semantic
//! styles that reference them, plus optional `[glyphs]` / `[glyphs_ascii]` overrides. The shipped
//! themes are compiled in; files in `dashboard.themes_dir` override them by name.

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// The themes shipped in `themes/`, embedded so the binary works from any directory.
pub const BUILTIN: [(&str, &str); 4] = [
    ("default", include_str!("../../themes/default.toml")),
    ("mono", include_str!("../../themes/mono.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
    ("colorblind", include_str!("../../themes/colorblind.toml")),
];

macro_rules! roles {
    ($($name:ident),* $(,)?) => {
        /// Semantic styles the UI draws with; panes never name a colour.
        #[derive(Debug, Clone, Default, PartialEq)]
        pub struct Roles { $(pub $name: Style,)* }

        impl Roles {
            pub const NAMES: &'static [&'static str] = &[$(stringify!($name)),*];

            fn slot(&mut self, name: &str) -> Option<&mut Style> {
                match name { $(stringify!($name) => Some(&mut self.$name),)* _ => None }
            }
        }
    };
}

roles!(
    text,
    muted,
    border,
    border_focus,
    title,
    title_focus,
    header,
    selection,
    key,
    status,
    ok,
    warn,
    bad,
    accent,
    edge_pos,
    edge_neg,
    firing,
    acked,
    resolved,
    chart,
    chart_alt,
    tab,
    tab_active,
    overlay,
);

macro_rules! glyphs {
    ($($name:ident = $uni:literal / $ascii:literal),* $(,)?) => {
        /// Marks that carry state without colour, with plain-ASCII fallbacks for terminals and fonts
        /// that lack them.
        #[derive(Debug, Clone, PartialEq)]
        pub struct Glyphs { $(pub $name: String,)* }

        impl Glyphs {
            pub fn unicode() -> Self { Glyphs { $($name: $uni.to_string(),)* } }
            pub fn ascii() -> Self { Glyphs { $($name: $ascii.to_string(),)* } }

            fn slot(&mut self, name: &str) -> Option<&mut String> {
                match name { $(stringify!($name) => Some(&mut self.$name),)* _ => None }
            }
        }
    };
}

glyphs!(
    ok = "✔" / "[ok]",
    warn = "▲" / "[!]",
    bad = "✖" / "[XX]",
    live = "●" / "*",
    paused = "‖" / "=",
    attach = "◌" / "o",
    firing = "✖" / "[!!]",
    acked = "◐" / "[ak]",
    resolved = "✔" / "[ok]",
    sort_desc = "▼" / "v",
    sort_asc = "▲" / "^",
    pointer = "▶" / ">",
    ellipsis = "…" / "~",
    sep = "│" / "|",
    spark = "▁▂▃▄▅▆▇█" / "_.-:=+*#",
    best = "★" / "*",
);

#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub name: String,
    pub roles: Roles,
    pub glyphs: Glyphs,
    /// Whether the glyphs are the ASCII fallbacks (chosen at load time).
    pub ascii: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    palette: BTreeMap<String, String>,
    #[serde(default)]
    roles: BTreeMap<String, StyleSpec>,
    #[serde(default)]
    glyphs: BTreeMap<String, String>,
    #[serde(default)]
    glyphs_ascii: BTreeMap<String, String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct StyleSpec {
    fg: Option<String>,
    bg: Option<String>,
    #[serde(default)]
    bold: bool,
    #[serde(default)]
    dim: bool,
    #[serde(default)]
    italic: bool,
    #[serde(default)]
    underline: bool,
    #[serde(default)]
    reverse: bool,
}

/// Parses a colour: an ANSI-16 name (`red`, `light-red`, `dark-gray`), `reset`/`none` (terminal
/// default), `#rrggbb`, or an xterm index `0`..`255`.
pub fn parse_color(s: &str) -> Option<Color> {
    let t = s.trim().to_ascii_lowercase().replace(['_', ' '], "-");
    let c = match t.as_str() {
        "reset" | "none" | "default" => Color::Reset,
        "black" => Color::Black,
        "red" => Color::Red,
        "green" => Color::Green,
        "yellow" => Color::Yellow,
        "blue" => Color::Blue,
        "magenta" => Color::Magenta,
        "cyan" => Color::Cyan,
        "gray" | "grey" => Color::Gray,
        "dark-gray" | "dark-grey" | "bright-black" => Color::DarkGray,
        "light-red" | "bright-red" => Color::LightRed,
        "light-green" | "bright-green" => Color::LightGreen,
        "light-yellow" | "bright-yellow" => Color::LightYellow,
        "light-blue" | "bright-blue" => Color::LightBlue,
        "light-magenta" | "bright-magenta" => Color::LightMagenta,
        "light-cyan" | "bright-cyan" => Color::LightCyan,
        "white" | "bright-white" => Color::White,
        hex if hex.starts_with('#') && hex.len() == 7 => {
            let v = u32::from_str_radix(&hex[1..], 16).ok()?;
            Color::Rgb((v >> 16) as u8, (v >> 8) as u8, v as u8)
        }
        n => Color::Indexed(n.parse::<u8>().ok()?),
    };
    Some(c)
}

impl Theme {
    /// Parses one theme file over the glyph defaults. Unknown roles, glyphs and colours become
    /// warnings (the role keeps its default) so a typo never stops the dashboard.
    pub fn parse(name: &str, text: &str, ascii: bool) -> Result<(Theme, Vec<String>), String> {
        let file: ThemeFile =
            toml::from_str(text).map_err(|e| format!("theme {name}: {}", e.message()))?;
        let mut warnings = Vec::new();
        let mut roles = Roles::default();
        let color =
            |spec: &Option<String>, warnings: &mut Vec<String>, role: &str| -> Option<Color> {
                let s = spec.as_ref()?;
                let resolved = file.palette.get(s).map(String::as_str).unwrap_or(s);
                let c = parse_color(resolved);
                if c.is_none() {
                    warnings.push(format!("theme {name}: role {role}: unknown colour `{s}`"));
                }
                c
            };
        for (role, spec) in &file.roles {
            let fg = color(&spec.fg, &mut warnings, role);
            let bg = color(&spec.bg, &mut warnings, role);
            let Some(slot) = roles.slot(role) else {
                warnings.push(format!(
                    "theme {name}: unknown role `{role}` (known: {})",
                    Roles::NAMES.join(", ")
                ));
                continue;
            };
            let mut st = Style::default();
            if let Some(c) = fg {
                st = st.fg(c);
            }
            if let Some(c) = bg {
                st = st.bg(c);
            }
            for (on, m) in [
                (spec.bold, Modifier::BOLD),
                (spec.dim, Modifier::DIM),
                (spec.italic, Modifier::ITALIC),
                (spec.underline, Modifier::UNDERLINED),
                (spec.reverse, Modifier::REVERSED),
            ] {
                if on {
                    st = st.add_modifier(m);
                }
            }
            *slot = st;
        }
        let mut glyphs = if ascii {
            Glyphs::ascii()
        } else {
            Glyphs::unicode()
        };
        let overrides = if ascii {
            &file.glyphs_ascii
        } else {
            &file.glyphs
        };
        for (g, v) in overrides {
            match glyphs.slot(g) {
                Some(slot) => *slot = v.clone(),
                None => warnings.push(format!("theme {name}: unknown glyph `{g}`")),
            }
        }
        let name = file.name.unwrap_or_else(|| name.to_string());
        Ok((
            Theme {
                name,
                roles,
                glyphs,
                ascii,
            },
            warnings,
        ))
    }

    /// A built-in theme by name.
    pub fn builtin(name: &str, ascii: bool) -> Option<Theme> {
        let (_, text) = BUILTIN.iter().find(|(n, _)| *n == name)?;
        Theme::parse(name, text, ascii).ok().map(|(t, _)| t)
    }

    pub fn default_theme() -> Theme {
        Theme::builtin("default", false).expect("the shipped default theme parses")
    }

    /// Loads `name`: a file `<themes_dir>/<name>.toml` first, then the built-in copy; an unknown
    /// or broken theme falls back to `default` (or `mono` when colour is off) with a warning.
    pub fn load(
        name: &str,
        themes_dir: Option<&Path>,
        no_color: bool,
        ascii: bool,
    ) -> (Theme, Vec<String>) {
        let wanted = if no_color { "mono" } else { name };
        let mut warnings = Vec::new();
        if let Some(dir) = themes_dir {
            let path = dir.join(format!("{wanted}.toml"));
            if let Ok(text) = std::fs::read_to_string(&path) {
                match Theme::parse(wanted, &text, ascii) {
                    Ok((t, w)) => return (t, w),
                    Err(e) => {
                        warnings.push(format!("{}: {e}; using the built-in theme", path.display()))
                    }
                }
            }
        }
        if let Some(t) = Theme::builtin(wanted, ascii) {
            return (t, warnings);
        }
        warnings.push(format!(
            "unknown theme `{wanted}` (available: {})",
            Theme::available(themes_dir).join(", ")
        ));
        let fallback = if no_color { "mono" } else { "default" };
        (
            Theme::builtin(fallback, ascii).expect("shipped themes parse"),
            warnings,
        )
    }

    /// Theme names: built-ins plus `*.toml` stems in `themes_dir`, sorted, without duplicates.
    pub fn available(themes_dir: Option<&Path>) -> Vec<String> {
        let mut names: Vec<String> = BUILTIN.iter().map(|(n, _)| n.to_string()).collect();
        if let Some(Ok(rd)) = themes_dir.map(std::fs::read_dir) {
            for e in rd.flatten() {
                let p = e.path();
                if p.extension().is_some_and(|x| x == "toml") {
                    if let Some(s) = p.file_stem().and_then(|s| s.to_str()) {
                        names.push(s.to_string());
                    }
                }
            }
        }
        names.sort();
        names.dedup();
        names
    }
}

/// Whether the terminal likely renders Unicode glyphs: a UTF-8 locale in the usual variables.
pub fn unicode_locale() -> bool {
    ["LC_ALL", "LC_CTYPE", "LANG"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
        .is_some_and(|v| v.to_ascii_lowercase().replace('-', "").contains("utf8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_theme_parses_without_warnings_and_sets_every_role() {
        for (name, text) in BUILTIN {
            let (t, w) = Theme::parse(name, text, false).unwrap();
            assert!(w.is_empty(), "{name}: {w:?}");
            assert_eq!(t.name, name);
            let defined: toml::Table = toml::from_str(text).unwrap();
            let roles = defined["roles"].as_table().unwrap();
            for r in Roles::NAMES {
                assert!(roles.contains_key(*r), "{name} lacks role {r}");
            }
        }
    }

    #[test]
    fn palette_names_resolve_and_modifiers_apply() {
        let t = Theme::builtin("default", false).unwrap();
        assert_eq!(t.roles.bad.fg, Some(Color::Red));
        assert!(t.roles.bad.add_modifier.contains(Modifier::BOLD));
        assert!(t.roles.selection.add_modifier.contains(Modifier::REVERSED));
        let cb = Theme::builtin("colorblind", false).unwrap();
        assert_eq!(cb.roles.bad.fg, Some(Color::Rgb(0xD5, 0x5E, 0x00)));
    }

    #[test]
    fn mono_has_no_colour_at_all() {
        let t = Theme::builtin("mono", false).unwrap();
        let r = &t.roles;
        for st in [
            &r.text,
            &r.ok,
            &r.warn,
            &r.bad,
            &r.firing,
            &r.edge_pos,
            &r.edge_neg,
            &r.selection,
            &r.key,
        ] {
            assert!(st.fg.is_none() && st.bg.is_none(), "{st:?}");
        }
    }

    #[test]
    fn bad_entries_become_warnings_not_errors() {
        let text = "[palette]\nx = \"plaid\"\n[roles]\nok = { fg = \"x\" }\nsparkle = { bold = true }\n[glyphs]\nzap = \"z\"\nok = \"Y\"";
        let (t, w) = Theme::parse("custom", text, false).unwrap();
        assert_eq!(w.len(), 3, "{w:?}");
        assert!(w[0].contains("unknown colour `x`"));
        assert!(w.iter().any(|m| m.contains("unknown role `sparkle`")));
        assert!(w.iter().any(|m| m.contains("unknown glyph `zap`")));
        assert_eq!(t.glyphs.ok, "Y");
        assert!(Theme::parse("broken", "roles = 3", false).is_err());
    }

    #[test]
    fn load_prefers_the_user_dir_then_builtin_then_falls_back() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("night.toml"),
            "[roles]\ntext = { fg = \"#102030\" }",
        )
        .unwrap();
        let (t, w) = Theme::load("night", Some(dir.path()), false, false);
        assert!(w.is_empty());
        assert_eq!(t.roles.text.fg, Some(Color::Rgb(0x10, 0x20, 0x30)));
        let (t, w) = Theme::load("nope", Some(dir.path()), false, true);
        assert_eq!(t.name, "default");
        assert!(
            w[0].contains("unknown theme `nope`") && w[0].contains("night"),
            "{w:?}"
        );
        assert_eq!(t.glyphs.ok, "[ok]");
        let (t, _) = Theme::load("colorblind", None, true, false);
        assert_eq!(t.name, "mono", "NO_COLOR wins over the configured theme");
    }

    #[test]
    fn colours_parse() {
        assert_eq!(parse_color("Light_Red"), Some(Color::LightRed));
        assert_eq!(parse_color("#ff0080"), Some(Color::Rgb(255, 0, 128)));
        assert_eq!(parse_color("208"), Some(Color::Indexed(208)));
        assert_eq!(parse_color("none"), Some(Color::Reset));
        assert_eq!(parse_color("#ff00"), None);
        assert_eq!(parse_color("plaid"), None);
    }
}
