//! `${VAR}` tokens: resolved from the environment after all layers merge. Resolved values are
//! remembered as secrets so no printout, log or error ever shows them.

use super::layers::{parse_scalar, Merged};
use super::path::KeyPath;
use super::Severity;
use serde_yaml::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Keys whose values are credentials even when written literally.
const SECRET_KEYS: [&str; 7] = [
    "api_key",
    "token",
    "password",
    "secret",
    "webhook_url",
    "routing_key",
    "apikey",
];

pub fn is_secret_key(key: &str) -> bool {
    SECRET_KEYS.contains(&key)
}

/// Replaces every token in place; returns the paths that held one.
pub fn resolve(m: &mut Merged, env: &BTreeMap<String, String>) -> BTreeSet<KeyPath> {
    let mut secrets = BTreeSet::new();
    let mut missing: Vec<(KeyPath, String)> = Vec::new();
    let mut value = std::mem::replace(&mut m.value, Value::Null);
    walk(
        &mut value,
        &KeyPath::root(),
        env,
        &mut secrets,
        &mut missing,
    );
    for (path, var) in missing {
        let severity = if inside_disabled_entry(&value, &path) {
            Severity::Note
        } else {
            Severity::Error
        };
        let tail = if severity == Severity::Note {
            " (the entry is disabled, so this is not used)"
        } else {
            ""
        };
        let issue = m.issue(
            severity,
            &path,
            format!("environment variable {var} referenced as ${{{var}}} is not set{tail}"),
        );
        m.issues.push(issue);
    }
    m.value = value;
    secrets
}

fn walk(
    v: &mut Value,
    path: &KeyPath,
    env: &BTreeMap<String, String>,
    secrets: &mut BTreeSet<KeyPath>,
    missing: &mut Vec<(KeyPath, String)>,
) {
    match v {
        Value::Mapping(m) => {
            for (k, c) in m.iter_mut() {
                let key = super::layers::key_string(k);
                walk(c, &path.key(&key), env, secrets, missing);
            }
        }
        Value::Sequence(xs) => {
            for (i, c) in xs.iter_mut().enumerate() {
                walk(c, &path.index(i), env, secrets, missing);
            }
        }
        Value::String(s) if s.contains("${") => {
            let whole_token =
                s.starts_with("${") && s.ends_with('}') && s.matches("${").count() == 1;
            let (out, unresolved) = substitute(s, env);
            secrets.insert(path.clone());
            if unresolved.is_empty() {
                // An empty result (`${SMTP_USERNAME:-}`) is an empty string, not YAML null.
                *v = if whole_token && !out.is_empty() {
                    parse_scalar(&out)
                } else {
                    Value::String(out)
                };
            } else {
                missing.extend(unresolved.into_iter().map(|var| (path.clone(), var)));
            }
        }
        _ => {}
    }
}

/// `${NAME}` and `${NAME:-fallback}`; returns the text and the names that had no value.
pub fn substitute(s: &str, env: &BTreeMap<String, String>) -> (String, Vec<String>) {
    let mut out = String::with_capacity(s.len());
    let mut missing = Vec::new();
    let mut rest = s;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            rest = "";
            break;
        };
        let inner = &after[..end];
        let (name, fallback) = match inner.split_once(":-") {
            Some((n, f)) => (n, Some(f)),
            None => (inner, None),
        };
        match (env.get(name), fallback) {
            (Some(val), _) if !val.is_empty() => out.push_str(val),
            (_, Some(f)) => out.push_str(f),
            _ => missing.push(name.to_string()),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    (out, missing)
}

/// Tokens inside a source or channel with `enabled: false` do not block a deployment.
fn inside_disabled_entry(root: &Value, path: &KeyPath) -> bool {
    for prefix_len in 1..=path.0.len() {
        let prefix = KeyPath(path.0[..prefix_len].to_vec());
        if matches!(prefix.0.last(), Some(super::path::Seg::Index(_))) {
            if let Some(Value::Mapping(entry)) = prefix.get(root) {
                if entry.get("enabled") == Some(&Value::Bool(false)) {
                    return true;
                }
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substitutes_tokens_and_reports_missing() {
        let env = BTreeMap::from([("A".to_string(), "1".to_string())]);
        assert_eq!(substitute("x${A}y", &env), ("x1y".into(), vec![]));
        assert_eq!(substitute("${B:-z}", &env), ("z".into(), vec![]));
        assert_eq!(substitute("${B:-}", &env), (String::new(), vec![]));
        assert_eq!(substitute("${B}", &env).1, vec!["B".to_string()]);
    }
}
