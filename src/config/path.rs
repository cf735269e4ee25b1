//! Key paths into a YAML tree (`analytics.kelly_fraction`, `sources[0].enabled`) and the
//! best-effort line lookup that lets errors point at a line of the file that set the key.

use serde_yaml::Value;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Seg {
    Key(String),
    Index(usize),
}

#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeyPath(pub Vec<Seg>);

impl KeyPath {
    pub fn root() -> Self {
        KeyPath(Vec::new())
    }

    pub fn key(&self, k: &str) -> Self {
        let mut v = self.0.clone();
        v.push(Seg::Key(k.to_string()));
        KeyPath(v)
    }

    pub fn index(&self, i: usize) -> Self {
        let mut v = self.0.clone();
        v.push(Seg::Index(i));
        KeyPath(v)
    }

    pub fn last_key(&self) -> Option<&str> {
        self.0.iter().rev().find_map(|s| match s {
            Seg::Key(k) => Some(k.as_str()),
            Seg::Index(_) => None,
        })
    }

    pub fn starts_with(&self, other: &KeyPath) -> bool {
        self.0.len() >= other.0.len() && self.0[..other.0.len()] == other.0[..]
    }

    /// Parses the dotted form back (`a.b[2].c`), for tests and lookups.
    pub fn parse(s: &str) -> KeyPath {
        let mut segs = Vec::new();
        for part in s.split('.') {
            let (name, rest) = match part.find('[') {
                Some(i) => (&part[..i], &part[i..]),
                None => (part, ""),
            };
            if !name.is_empty() {
                segs.push(Seg::Key(name.to_string()));
            }
            for idx in rest.split('[').filter(|x| !x.is_empty()) {
                if let Ok(i) = idx.trim_end_matches(']').parse() {
                    segs.push(Seg::Index(i));
                }
            }
        }
        KeyPath(segs)
    }

    pub fn get<'a>(&self, mut v: &'a Value) -> Option<&'a Value> {
        for s in &self.0 {
            v = match (s, v) {
                (Seg::Key(k), Value::Mapping(m)) => m.get(Value::String(k.clone()))?,
                (Seg::Index(i), Value::Sequence(xs)) => xs.get(*i)?,
                _ => return None,
            };
        }
        Some(v)
    }
}

impl fmt::Display for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("(root)");
        }
        for (i, s) in self.0.iter().enumerate() {
            match s {
                Seg::Key(k) if i == 0 => write!(f, "{k}")?,
                Seg::Key(k) => write!(f, ".{k}")?,
                Seg::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// Finds the 1-based line on which `path` is written in block-style YAML `text`. Tracks the
/// chain of keys by indentation; list items count their position under the parent key.
pub fn locate(text: &str, path: &KeyPath) -> Option<usize> {
    if path.0.is_empty() {
        return None;
    }
    // Stack of (indent, segment) describing where the current line sits.
    let mut stack: Vec<(usize, Seg)> = Vec::new();
    let mut list_counters: Vec<(usize, usize)> = Vec::new(); // (indent of '-', next index)
    for (lineno, raw) in text.lines().enumerate() {
        let line = raw.split(" #").next().unwrap_or("");
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with("---") {
            continue;
        }
        let mut indent = line.len() - trimmed.len();
        let mut body = trimmed;
        while stack.last().is_some_and(|(i, _)| *i >= indent) {
            stack.pop();
        }
        list_counters.retain(|(i, _)| *i <= indent);
        if let Some(rest) = body
            .strip_prefix("- ")
            .or_else(|| (body == "-").then_some(""))
        {
            let idx = match list_counters.iter_mut().find(|(i, _)| *i == indent) {
                Some((_, n)) => {
                    let cur = *n;
                    *n += 1;
                    cur
                }
                None => {
                    list_counters.push((indent, 1));
                    0
                }
            };
            while stack.last().is_some_and(|(i, _)| *i >= indent) {
                stack.pop();
            }
            stack.push((indent, Seg::Index(idx)));
            indent += 2;
            body = rest.trim_start();
            if body.is_empty() {
                if matches!(path.0.last(), Some(Seg::Index(_))) && stack_matches(&stack, path) {
                    return Some(lineno + 1);
                }
                continue;
            }
        }
        if let Some((key, _)) = body.split_once(':') {
            let key = key.trim().trim_matches('"').trim_matches('\'');
            stack.push((indent, Seg::Key(key.to_string())));
            if stack_matches(&stack, path) {
                return Some(lineno + 1);
            }
        }
    }
    None
}

fn stack_matches(stack: &[(usize, Seg)], path: &KeyPath) -> bool {
    stack.len() == path.0.len() && stack.iter().zip(&path.0).all(|((_, a), b)| a == b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_and_parse_agree() {
        let p = KeyPath::root().key("sources").index(2).key("enabled");
        assert_eq!(p.to_string(), "sources[2].enabled");
        assert_eq!(KeyPath::parse("sources[2].enabled"), p);
    }

    #[test]
    fn locate_finds_nested_and_list_keys() {
        let text = "environment: x\n# c\nsources:\n  - type: replay\n    enabled: true\n  - type: file\n    directory: d\nanalytics:\n  kelly_fraction: 2 # too big\n";
        assert_eq!(
            locate(text, &KeyPath::parse("analytics.kelly_fraction")),
            Some(9)
        );
        assert_eq!(
            locate(text, &KeyPath::parse("sources[1].directory")),
            Some(7)
        );
        assert_eq!(locate(text, &KeyPath::parse("sources[0].type")), Some(4));
        assert_eq!(locate(text, &KeyPath::parse("nope")), None);
    }
}
