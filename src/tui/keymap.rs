//! Key bindings as data: key -> command line of the `:` grammar. The shipped `config/keymap.toml`
//! is compiled in; a user file is laid over it key by key. Problems become warnings, never crashes.

use super::command::{self, UiCommand};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

pub const BUILTIN: &str = include_str!("../../config/keymap.toml");

/// A key as bindings see it: character keys ignore Shift (`G` already says it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl Key {
    pub fn new(code: KeyCode, mods: KeyModifiers) -> Key {
        let mut mods = mods & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        if matches!(code, KeyCode::Char(_) | KeyCode::BackTab) {
            mods.remove(KeyModifiers::SHIFT);
        }
        Key { code, mods }
    }

    pub fn from_event(e: &KeyEvent) -> Key {
        Key::new(e.code, e.modifiers)
    }

    pub fn parse(s: &str) -> Result<Key, String> {
        let mut mods = KeyModifiers::NONE;
        let mut rest = s;
        loop {
            let lower = rest.to_ascii_lowercase();
            let (m, n) = if lower.starts_with("ctrl-") {
                (KeyModifiers::CONTROL, 5)
            } else if lower.starts_with("alt-") {
                (KeyModifiers::ALT, 4)
            } else if lower.starts_with("shift-") && rest.len() > 6 {
                (KeyModifiers::SHIFT, 6)
            } else {
                break;
            };
            mods |= m;
            rest = &rest[n..];
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) => KeyCode::Char(c),
            _ => match rest.to_ascii_lowercase().as_str() {
                "enter" | "return" => KeyCode::Enter,
                "esc" | "escape" => KeyCode::Esc,
                "tab" if mods.contains(KeyModifiers::SHIFT) => KeyCode::BackTab,
                "tab" => KeyCode::Tab,
                "backtab" => KeyCode::BackTab,
                "space" => KeyCode::Char(' '),
                "backspace" => KeyCode::Backspace,
                "up" => KeyCode::Up,
                "down" => KeyCode::Down,
                "left" => KeyCode::Left,
                "right" => KeyCode::Right,
                "home" => KeyCode::Home,
                "end" => KeyCode::End,
                "pgup" | "pageup" => KeyCode::PageUp,
                "pgdn" | "pagedown" => KeyCode::PageDown,
                "insert" => KeyCode::Insert,
                "delete" | "del" => KeyCode::Delete,
                f if f.starts_with('f')
                    && f[1..].parse::<u8>().is_ok_and(|n| (1..=12).contains(&n)) =>
                {
                    KeyCode::F(f[1..].parse().unwrap_or(1))
                }
                _ => return Err(format!("unknown key `{s}`")),
            },
        };
        Ok(Key::new(code, mods))
    }

    /// Short label for hints and help.
    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCode::Char(' ') => "Space".to_string(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Enter => "Enter".into(),
            KeyCode::Esc => "Esc".into(),
            KeyCode::Tab => "Tab".into(),
            KeyCode::BackTab => "S-Tab".into(),
            KeyCode::Backspace => "BkSp".into(),
            KeyCode::Up => "Up".into(),
            KeyCode::Down => "Down".into(),
            KeyCode::Left => "Left".into(),
            KeyCode::Right => "Right".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
            KeyCode::Insert => "Ins".into(),
            KeyCode::Delete => "Del".into(),
            KeyCode::F(n) => format!("F{n}"),
            other => format!("{other:?}"),
        };
        let mut out = String::new();
        if self.mods.contains(KeyModifiers::CONTROL) {
            out.push('^');
        }
        if self.mods.contains(KeyModifiers::ALT) {
            out.push_str("M-");
        }
        if self.mods.contains(KeyModifiers::SHIFT) {
            out.push_str("S-");
        }
        out + &base
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Binding {
    pub key: Key,
    pub line: String,
    pub command: UiCommand,
}

#[derive(Debug, Clone, Default)]
pub struct Keymap {
    bindings: Vec<Binding>,
    index: HashMap<Key, usize>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeymapFile {
    #[serde(default)]
    keys: BTreeMap<String, String>,
}

impl Keymap {
    /// The shipped defaults, then `user` (when given and present) over them.
    pub fn load(user: Option<&Path>) -> (Keymap, Vec<String>) {
        let mut warnings = Vec::new();
        let mut map = Keymap::default();
        map.apply("built-in keymap", BUILTIN, &mut warnings);
        if let Some(path) = user {
            match std::fs::read_to_string(path) {
                Ok(text) => map.apply(&path.display().to_string(), &text, &mut warnings),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => warnings.push(format!("{}: {e}", path.display())),
            }
        }
        (map, warnings)
    }

    /// Parses `text` and lays its bindings over the current ones.
    pub fn apply(&mut self, origin: &str, text: &str, warnings: &mut Vec<String>) {
        let file: KeymapFile = match toml::from_str(text) {
            Ok(f) => f,
            Err(e) => {
                warnings.push(format!(
                    "{origin}: {}; its bindings are ignored",
                    e.message().trim()
                ));
                return;
            }
        };
        // Keep the file's order stable for help: TOML tables are sorted, so order by key label.
        for (k, line) in file.keys {
            let key = match Key::parse(&k) {
                Ok(key) => key,
                Err(e) => {
                    warnings.push(format!("{origin}: {e}"));
                    continue;
                }
            };
            if line.trim().is_empty() {
                self.unbind(key);
                continue;
            }
            match command::parse(&line) {
                Ok(cmd) => self.bind(key, line.trim().to_string(), cmd),
                Err(e) => warnings.push(format!("{origin}: key `{k}`: {e}")),
            }
        }
    }

    fn bind(&mut self, key: Key, line: String, command: UiCommand) {
        let b = Binding { key, line, command };
        match self.index.get(&key) {
            Some(&i) => self.bindings[i] = b,
            None => {
                self.index.insert(key, self.bindings.len());
                self.bindings.push(b);
            }
        }
    }

    fn unbind(&mut self, key: Key) {
        if let Some(i) = self.index.remove(&key) {
            self.bindings.remove(i);
            self.index = self
                .bindings
                .iter()
                .enumerate()
                .map(|(i, b)| (b.key, i))
                .collect();
        }
    }

    pub fn get(&self, key: &Key) -> Option<&Binding> {
        self.index.get(key).map(|&i| &self.bindings[i])
    }

    pub fn bindings(&self) -> &[Binding] {
        &self.bindings
    }

    /// Labels of the keys bound to exactly this command line, in a stable order (shortest first).
    pub fn keys_for_line(&self, line: &str) -> Vec<String> {
        let mut v: Vec<String> = self
            .bindings
            .iter()
            .filter(|b| b.line == line)
            .map(|b| b.key.label())
            .collect();
        v.sort_by_key(|l| (l.chars().count(), l.clone()));
        v
    }

    /// The best key for a registry command name (any arguments), for the hint bar.
    pub fn key_for_command(&self, name: &str) -> Option<String> {
        let mut v: Vec<String> = self
            .bindings
            .iter()
            .filter(|b| b.command.spec().name == name)
            .map(|b| b.key.label())
            .collect();
        v.sort_by_key(|l| (l.chars().count(), l.clone()));
        v.into_iter().next()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::command::{Pane, SortColumn};

    fn key(s: &str) -> Key {
        Key::parse(s).unwrap()
    }

    #[test]
    fn builtin_keymap_loads_clean_and_binds_the_essentials() {
        let (m, w) = Keymap::load(None);
        assert!(w.is_empty(), "{w:?}");
        let cmd = |k: &str| m.get(&key(k)).map(|b| b.command.clone());
        assert_eq!(cmd("q"), Some(UiCommand::Quit));
        assert_eq!(cmd("ctrl-c"), Some(UiCommand::Quit));
        assert_eq!(cmd(":"), Some(UiCommand::CommandLine));
        assert_eq!(cmd("/"), Some(UiCommand::Search));
        assert_eq!(cmd("?"), Some(UiCommand::Help));
        assert_eq!(cmd("2"), Some(UiCommand::Focus(Pane::Edges)));
        assert_eq!(cmd("enter"), Some(UiCommand::Open));
        assert_eq!(
            cmd("o"),
            Some(UiCommand::Sort {
                column: SortColumn::Ev,
                descending: None
            })
        );
        assert_eq!(cmd("p"), Some(UiCommand::Pause));
        assert_eq!(m.key_for_command("help"), Some("?".into()));
        assert_eq!(m.keys_for_line("quit"), ["q", "^c"]);
    }

    #[test]
    fn keys_parse_and_label() {
        assert_eq!(key("G"), Key::new(KeyCode::Char('G'), KeyModifiers::SHIFT));
        assert_eq!(
            key("ctrl-d"),
            Key::new(KeyCode::Char('d'), KeyModifiers::CONTROL)
        );
        assert_eq!(key("shift-tab"), key("backtab"));
        assert_eq!(key("F5").code, KeyCode::F(5));
        assert_eq!(key("pgdn").label(), "PgDn");
        assert_eq!(key("alt-x").label(), "M-x");
        for bad in ["", "ctrl-", "f13", "hyper-x", "enterr"] {
            assert!(Key::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn user_file_overrides_unbinds_and_reports_unknowns_as_warnings() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys.toml");
        std::fs::write(
            &path,
            "[keys]\n\"x\" = \"quit\"\n\"q\" = \"\"\n\"s\" = \"scna\"\n\"hyper-k\" = \"scan\"\n\"n\" = \"sort nope\"\n",
        )
        .unwrap();
        let (m, w) = Keymap::load(Some(&path));
        assert_eq!(w.len(), 3, "{w:?}");
        assert!(w
            .iter()
            .any(|x| x.contains("key `s`") && x.contains("unknown command `scna`")));
        assert!(w.iter().any(|x| x.contains("unknown key `hyper-k`")));
        assert!(w
            .iter()
            .any(|x| x.contains("key `n`") && x.contains("sort")));
        assert_eq!(m.get(&key("x")).unwrap().command, UiCommand::Quit);
        assert!(m.get(&key("q")).is_none(), "q was unbound");
        assert_eq!(
            m.get(&key("s")).unwrap().command,
            UiCommand::Scan,
            "a bad override keeps the default"
        );
        assert_eq!(m.key_for_command("quit"), Some("x".into()));
    }

    #[test]
    fn a_broken_or_missing_user_file_keeps_the_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys.toml");
        std::fs::write(&path, "[keys\n").unwrap();
        let (m, w) = Keymap::load(Some(&path));
        assert_eq!(w.len(), 1);
        assert!(w[0].contains("keys.toml"), "{w:?}");
        assert_eq!(m.get(&key("q")).unwrap().command, UiCommand::Quit);
        let (_, w) = Keymap::load(Some(&dir.path().join("absent.toml")));
        assert!(w.is_empty());
        std::fs::write(&path, "[bindings]\n").unwrap();
        let (_, w) = Keymap::load(Some(&path));
        assert!(w[0].contains("unknown field"), "{w:?}");
    }
}
