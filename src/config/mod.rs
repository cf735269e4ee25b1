//! Layered configuration: built-in defaults, `config/betting.yaml`, the environment overlay,
//! `NFLREADPY_BETTING_CONFIG` files, `NFLREADPY_BETTING__section__key` variables, then CLI flags.

pub mod layers;
pub mod location;
pub mod path;
pub mod schema;
pub mod secrets;
mod suggest;
pub mod validate;

pub use layers::{LoadRequest, DEFAULT_CONFIG_PATH};
pub use schema::*;

use path::KeyPath;
use serde_yaml::Value;
use std::collections::BTreeSet;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
    /// Worth knowing, never a failure: shown by validate-config only.
    Note,
}

/// One problem found while loading: where (file or variable, line, key path) and what was expected.
#[derive(Debug, Clone, PartialEq)]
pub struct Issue {
    pub severity: Severity,
    pub source: String,
    pub line: Option<usize>,
    pub path: Option<String>,
    pub message: String,
}

impl Issue {
    pub fn general(
        severity: Severity,
        source: impl Into<String>,
        message: impl Into<String>,
    ) -> Issue {
        Issue {
            severity,
            source: source.into(),
            line: None,
            path: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tag = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        };
        write!(f, "{tag}: {}", self.source)?;
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
        }
        if let Some(p) = &self.path {
            write!(f, ": {p}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// A configuration that passed validation, with what is needed to explain it.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub config: Config,
    pub merged: layers::Merged,
    pub secrets: BTreeSet<KeyPath>,
    pub warnings: Vec<Issue>,
    pub notes: Vec<Issue>,
}

/// Every error and warning found; `errors` is non-empty when loading failed.
#[derive(Debug, Clone)]
pub struct Report {
    pub errors: Vec<Issue>,
    pub warnings: Vec<Issue>,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for i in self.errors.iter().chain(&self.warnings) {
            writeln!(f, "{i}")?;
        }
        Ok(())
    }
}

pub fn load(req: &LoadRequest) -> Result<Loaded, Report> {
    let mut merged = layers::load_layers(req);
    let secrets = secrets::resolve(&mut merged, &req.env);
    let mut issues = std::mem::take(&mut merged.issues);
    let shape = validate::check_shape(&merged);
    let shape_ok = !shape.iter().any(|i| i.severity == Severity::Error);
    issues.extend(shape);
    let mut typed = None;
    if shape_ok {
        // Typed reading stops at the first value that does not fit (a number past u32, say);
        // that key is taken out (its default stands in) and the rest read again, so one bad
        // value never hides the other problems.
        let mut probe = merged.clone();
        let mut type_errors = false;
        for _ in 0..64 {
            match validate::to_typed(&probe) {
                Ok(c) => {
                    issues.extend(validate::check_ranges(&merged, &c));
                    if !type_errors {
                        typed = Some(c);
                    }
                    break;
                }
                Err(e) => {
                    type_errors = true;
                    let removed = e
                        .path
                        .as_deref()
                        .is_some_and(|p| remove_path(&mut probe.value, &KeyPath::parse(p)));
                    issues.push(e);
                    if !removed {
                        break;
                    }
                }
            }
        }
    }
    let (notes, issues): (Vec<Issue>, Vec<Issue>) = issues
        .into_iter()
        .partition(|i| i.severity == Severity::Note);
    let (errors, warnings): (Vec<Issue>, Vec<Issue>) = issues
        .into_iter()
        .partition(|i| i.severity == Severity::Error);
    match typed {
        Some(config) if errors.is_empty() => Ok(Loaded {
            config,
            merged,
            secrets,
            warnings,
            notes,
        }),
        _ => Err(Report { errors, warnings }),
    }
}

impl Loaded {
    /// Every leaf of the effective configuration as `key = value  # layer`, secrets redacted.
    pub fn effective_lines(&self) -> Vec<String> {
        let mut rows = Vec::new();
        flatten(&self.merged.value, &KeyPath::root(), &mut rows);
        let width = rows
            .iter()
            .map(|(p, _)| p.to_string().len())
            .max()
            .unwrap_or(0);
        rows.into_iter()
            .map(|(p, v)| {
                let shown = if self.is_secret(&p, &v) {
                    format!("{:?}", crate::secret::REDACTED)
                } else {
                    // A credential written into a URL by hand is as secret as one from ${VAR}.
                    crate::secret::redact_urls_in(&render(&v))
                };
                format!(
                    "{:width$} = {shown}  # {}",
                    p.to_string(),
                    self.merged.layer_of(&p).name
                )
            })
            .collect()
    }

    fn is_secret(&self, p: &KeyPath, v: &Value) -> bool {
        let named = p.last_key().is_some_and(secrets::is_secret_key)
            || p.0
                .iter()
                .any(|s| matches!(s, path::Seg::Key(k) if k == "headers"));
        let empty = matches!(v, Value::Null) || v.as_str().is_some_and(|s| s.is_empty());
        self.secrets.iter().any(|s| p.starts_with(s)) || (named && !empty)
    }

    /// Values that must never appear in any output, for log scrubbing and tests.
    pub fn secret_values(&self) -> Vec<String> {
        let mut rows = Vec::new();
        flatten(&self.merged.value, &KeyPath::root(), &mut rows);
        rows.into_iter()
            .filter(|(p, v)| self.is_secret(p, v))
            .filter_map(|(_, v)| match v {
                Value::String(s) if !s.is_empty() => Some(s),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .collect()
    }
}

/// Takes the leaf at `p` out of `v`; false when there is none.
fn remove_path(v: &mut Value, p: &KeyPath) -> bool {
    let Some((last, parents)) = p.0.split_last() else {
        return false;
    };
    let mut cur = v;
    for seg in parents {
        let next = match seg {
            path::Seg::Key(k) => cur
                .as_mapping_mut()
                .and_then(|m| m.get_mut(Value::String(k.clone()))),
            path::Seg::Index(i) => cur.as_sequence_mut().and_then(|s| s.get_mut(*i)),
        };
        match next {
            Some(n) => cur = n,
            None => return false,
        }
    }
    match last {
        path::Seg::Key(k) => cur
            .as_mapping_mut()
            .and_then(|m| m.remove(Value::String(k.clone())))
            .is_some(),
        path::Seg::Index(_) => false,
    }
}

fn flatten(v: &Value, p: &KeyPath, out: &mut Vec<(KeyPath, Value)>) {
    match v {
        Value::Mapping(m) if !m.is_empty() => {
            for (k, c) in m {
                flatten(c, &p.key(&layers::key_string(k)), out);
            }
        }
        Value::Sequence(xs) if !xs.is_empty() => {
            for (i, c) in xs.iter().enumerate() {
                flatten(c, &p.index(i), out);
            }
        }
        other => out.push((p.clone(), other.clone())),
    }
}

fn render(v: &Value) -> String {
    match v {
        Value::String(s) => format!("{s:?}"),
        Value::Mapping(_) => "{}".into(),
        Value::Sequence(_) => "[]".into(),
        other => serde_yaml::to_string(other)
            .unwrap_or_default()
            .trim()
            .to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_yaml_equals_the_built_in_defaults() {
        let text =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config/betting.yaml"))
                .unwrap();
        let parsed: Config = serde_yaml::from_str(&text).unwrap();
        assert_eq!(parsed, Config::default());
    }

    #[test]
    fn shipped_yaml_documents_every_key_with_a_comment() {
        // Every section header and every source/channel entry is preceded by a comment line.
        let text =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config/betting.yaml"))
                .unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for (i, l) in lines.iter().enumerate() {
            let top_level = !l.starts_with(' ') && l.contains(':') && !l.starts_with('#');
            if top_level {
                assert!(
                    i > 0 && (lines[i - 1].starts_with('#') || lines[i - 1].is_empty()),
                    "line {}: {l}",
                    i + 1
                );
            }
        }
    }
}
