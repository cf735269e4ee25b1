//! Reads and merges the configuration layers in the guide's order, remembering which layer set
//! every leaf so errors and `validate-config --print` can name it.

use super::path::{KeyPath, Seg};
use super::schema::Config;
use super::{Issue, Severity};
use serde_yaml::{Mapping, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const ENV_PREFIX: &str = "NFLREADPY_BETTING__";
pub const ENV_ENVIRONMENT: &str = "NFLREADPY_BETTING_ENV";
pub const ENV_EXTRA_FILES: &str = "NFLREADPY_BETTING_CONFIG";

/// Where one value came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Layer {
    /// Shown to users: a file path, `env NAME`, `--flag` or `built-in default`.
    pub name: String,
    /// File text, kept for line lookups.
    pub text: Option<String>,
}

/// What the loader was asked to read; built from CLI flags and the process environment.
#[derive(Debug, Clone, Default)]
pub struct LoadRequest {
    pub config_path: Option<PathBuf>,
    pub environment: Option<String>,
    pub alerts_config: Option<PathBuf>,
    pub storage: Option<String>,
    /// The process environment, passed in so tests can control it.
    pub env: BTreeMap<String, String>,
}

impl LoadRequest {
    pub fn from_process_env() -> Self {
        LoadRequest {
            env: std::env::vars().collect(),
            ..Default::default()
        }
    }
}

pub const DEFAULT_CONFIG_PATH: &str = "config/betting.yaml";

#[derive(Debug, Clone)]
pub struct Merged {
    pub value: Value,
    pub layers: Vec<Layer>,
    /// Leaf path -> index into `layers`.
    pub provenance: BTreeMap<KeyPath, usize>,
    pub issues: Vec<Issue>,
}

impl Merged {
    pub fn layer_of(&self, path: &KeyPath) -> &Layer {
        // The nearest recorded ancestor wins: a layer that replaced a list owns its items.
        let mut p = path.clone();
        loop {
            if let Some(i) = self.provenance.get(&p) {
                return &self.layers[*i];
            }
            if p.0.pop().is_none() {
                return &self.layers[0];
            }
        }
    }

    pub fn issue(&self, severity: Severity, path: &KeyPath, message: impl Into<String>) -> Issue {
        let layer = self.layer_of(path);
        let line = layer
            .text
            .as_deref()
            .and_then(|t| super::path::locate(t, path));
        Issue {
            severity,
            source: layer.name.clone(),
            line,
            path: Some(path.to_string()),
            message: message.into(),
        }
    }
}

pub fn load_layers(req: &LoadRequest) -> Merged {
    let defaults = serde_yaml::to_value(Config::default()).unwrap_or(Value::Null);
    let mut m = Merged {
        value: Value::Mapping(Mapping::new()),
        layers: vec![],
        provenance: BTreeMap::new(),
        issues: vec![],
    };
    apply(
        &mut m,
        Layer {
            name: "built-in default".into(),
            text: None,
        },
        defaults,
    );

    // 1. base file
    let explicit = req.config_path.is_some();
    let base = req
        .config_path
        .clone()
        .unwrap_or_else(|| PathBuf::from(DEFAULT_CONFIG_PATH));
    if base.exists() || explicit {
        read_file_layer(&mut m, &base);
    } else {
        m.issues.push(Issue::general(
            Severity::Warning,
            base.display().to_string(),
            "not found; using the built-in defaults",
        ));
    }

    // 2. environment overlay
    let env_name = req
        .environment
        .clone()
        .or_else(|| req.env.get(ENV_ENVIRONMENT).cloned())
        .filter(|s| !s.trim().is_empty());
    if let Some(name) = &env_name {
        let overlay = overlay_path(&base, name);
        if overlay.exists() {
            read_file_layer(&mut m, &overlay);
        } else {
            m.issues.push(Issue::general(
                Severity::Warning,
                overlay.display().to_string(),
                format!("environment {name:?} is selected but this overlay file does not exist"),
            ));
        }
        set_leaf(
            &mut m,
            "environment layer",
            &KeyPath::root().key("environment"),
            Value::String(name.clone()),
        );
    }

    // 3. colon-separated extra files
    if let Some(list) = req.env.get(ENV_EXTRA_FILES) {
        for f in list.split(':').filter(|s| !s.trim().is_empty()) {
            read_file_layer(&mut m, Path::new(f.trim()));
        }
    }

    // 4. NFLREADPY_BETTING__section__key=value
    for (k, raw) in &req.env {
        if let Some(rest) = k.strip_prefix(ENV_PREFIX) {
            apply_env_override(&mut m, k, rest, raw);
        }
    }

    // 5. CLI flags
    if let Some(alerts) = &req.alerts_config {
        read_alerts_layer(&mut m, alerts);
    }
    if let Some(s) = &req.storage {
        // A URL picks the backend; a bare path is the SQLite file, as before.
        let key = if crate::config::location::looks_like_url(s) {
            "storage.url"
        } else {
            "ingestion.storage_path"
        };
        set_leaf(
            &mut m,
            "--storage",
            &KeyPath::parse(key),
            Value::String(s.clone()),
        );
    }
    if let Some(e) = &req.environment {
        set_leaf(
            &mut m,
            "--environment",
            &KeyPath::root().key("environment"),
            Value::String(e.clone()),
        );
    }
    m
}

/// `config/betting.yaml` + `production` -> `config/betting.production.yaml`.
pub fn overlay_path(base: &Path, env: &str) -> PathBuf {
    let stem = base
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("betting");
    let ext = base.extension().and_then(|s| s.to_str()).unwrap_or("yaml");
    base.with_file_name(format!("{stem}.{env}.{ext}"))
}

/// A configuration is a few kilobytes; a file far past this is a mistake (or an attack), and
/// parsing it would cost memory in proportion.
pub const MAX_CONFIG_BYTES: u64 = 1024 * 1024;
/// Deeper flow nesting (`[[[[...`) than any configuration needs; the YAML parser's time grows
/// fast with it.
pub const MAX_FLOW_DEPTH: usize = 32;

/// The deepest `[`/`{` nesting in the text. Quotes and comments are not told apart: a scanner
/// that guessed at YAML's quoting could be led to skip brackets the parser then reads, and no
/// real configuration nests anywhere near the limit even counting its strings.
pub fn flow_depth(text: &str) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    for b in text.bytes() {
        match b {
            b'[' | b'{' => {
                depth += 1;
                max = max.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

fn read_bounded(path: &Path) -> Result<String, String> {
    use std::io::Read;
    let f = std::fs::File::open(path).map_err(|e| format!("cannot read file: {e}"))?;
    let mut bytes = Vec::new();
    f.take(MAX_CONFIG_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read file: {e}"))?;
    if bytes.len() as u64 > MAX_CONFIG_BYTES {
        return Err(format!(
            "the file is larger than {MAX_CONFIG_BYTES} bytes; a configuration is a few kilobytes"
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "cannot read file: not UTF-8 text (byte {})",
            e.utf8_error().valid_up_to()
        )
    })
}

fn read_yaml(m: &mut Merged, path: &Path) -> Option<(String, Value)> {
    let name = path.display().to_string();
    let text = match read_bounded(path) {
        Ok(t) => t,
        Err(why) => {
            m.issues.push(Issue::general(Severity::Error, name, why));
            return None;
        }
    };
    let depth = flow_depth(&text);
    if depth > MAX_FLOW_DEPTH {
        m.issues.push(Issue::general(
            Severity::Error,
            name,
            format!("flow collections are nested {depth} deep; at most {MAX_FLOW_DEPTH} are read"),
        ));
        return None;
    }
    match serde_yaml::from_str::<Value>(&text) {
        Ok(Value::Null) => Some((text, Value::Mapping(Mapping::new()))),
        Ok(v @ Value::Mapping(_)) => Some((text, v)),
        Ok(_) => {
            m.issues.push(Issue::general(
                Severity::Error,
                name,
                "the top level must be a mapping of sections",
            ));
            None
        }
        Err(e) => {
            let line = e.location().map(|l| l.line());
            let msg = e.to_string();
            // serde_yaml appends "at line X column Y"; the line is already in the prefix.
            let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
            m.issues.push(Issue {
                severity: Severity::Error,
                source: name,
                line,
                path: None,
                message: format!("YAML syntax error: {msg}"),
            });
            None
        }
    }
}

fn read_file_layer(m: &mut Merged, path: &Path) {
    if let Some((text, v)) = read_yaml(m, path) {
        apply(
            m,
            Layer {
                name: path.display().to_string(),
                text: Some(text),
            },
            v,
        );
    }
}

/// `--alerts-config` holds the `alerts` section, either at its top level or under `alerts:`.
fn read_alerts_layer(m: &mut Merged, path: &Path) {
    if let Some((text, v)) = read_yaml(m, path) {
        let alerts = match &v {
            Value::Mapping(map) if map.len() == 1 && map.contains_key("alerts") => v,
            _ => {
                let mut wrap = Mapping::new();
                wrap.insert(Value::String("alerts".into()), v);
                Value::Mapping(wrap)
            }
        };
        apply(
            m,
            Layer {
                name: path.display().to_string(),
                text: Some(text),
            },
            alerts,
        );
    }
}

fn apply(m: &mut Merged, layer: Layer, v: Value) {
    m.layers.push(layer);
    let idx = m.layers.len() - 1;
    let mut root = std::mem::replace(&mut m.value, Value::Null);
    merge(&mut root, v, &KeyPath::root(), idx, &mut m.provenance);
    m.value = root;
}

/// Mappings merge key by key; anything else (lists included) replaces what was there.
fn merge(
    dst: &mut Value,
    src: Value,
    path: &KeyPath,
    layer: usize,
    prov: &mut BTreeMap<KeyPath, usize>,
) {
    match (dst, src) {
        (Value::Mapping(d), Value::Mapping(s)) => {
            for (k, v) in s {
                let key = key_string(&k);
                let child = path.key(&key);
                match d.get_mut(&k) {
                    Some(existing) if existing.is_mapping() && v.is_mapping() => {
                        merge(existing, v, &child, layer, prov)
                    }
                    _ => {
                        forget_below(prov, &child);
                        record(prov, &child, &v, layer);
                        d.insert(k, v);
                    }
                }
            }
        }
        (d, s) => {
            forget_below(prov, path);
            record(prov, path, &s, layer);
            *d = s;
        }
    }
}

fn forget_below(prov: &mut BTreeMap<KeyPath, usize>, path: &KeyPath) {
    prov.retain(|k, _| !k.starts_with(path));
}

fn record(prov: &mut BTreeMap<KeyPath, usize>, path: &KeyPath, v: &Value, layer: usize) {
    prov.insert(path.clone(), layer);
    match v {
        Value::Mapping(m) => {
            for (k, c) in m {
                record(prov, &path.key(&key_string(k)), c, layer);
            }
        }
        Value::Sequence(xs) => {
            for (i, c) in xs.iter().enumerate() {
                record(prov, &path.index(i), c, layer);
            }
        }
        _ => {}
    }
}

pub fn key_string(k: &Value) -> String {
    match k {
        Value::String(s) => s.clone(),
        other => serde_yaml::to_string(other)
            .unwrap_or_default()
            .trim()
            .to_string(),
    }
}

fn set_leaf(m: &mut Merged, layer_name: &str, path: &KeyPath, v: Value) {
    m.layers.push(Layer {
        name: layer_name.to_string(),
        text: None,
    });
    let idx = m.layers.len() - 1;
    if let Err(msg) = set_path(&mut m.value, path, v.clone()) {
        m.issues.push(Issue {
            severity: Severity::Error,
            source: layer_name.to_string(),
            line: None,
            path: Some(path.to_string()),
            message: msg,
        });
        return;
    }
    forget_below(&mut m.provenance, path);
    record(&mut m.provenance, path, &v, idx);
}

fn apply_env_override(m: &mut Merged, var: &str, rest: &str, raw: &str) {
    let layer = format!("env {var}");
    let mut path = KeyPath::root();
    let mut cursor = Some(&m.value);
    for seg in rest.split("__") {
        let seg = seg.trim().to_ascii_lowercase().replace('-', "_");
        if seg.is_empty() {
            m.issues.push(Issue::general(
                Severity::Error,
                layer,
                "empty key segment (two `__` in a row?)",
            ));
            return;
        }
        let is_list = matches!(cursor, Some(Value::Sequence(_)));
        match seg.parse::<usize>() {
            Ok(i) if is_list => {
                path = path.index(i);
                cursor = cursor
                    .and_then(|c| c.as_sequence())
                    .and_then(|xs| xs.get(i));
            }
            _ => {
                path = path.key(&seg);
                cursor = cursor
                    .and_then(|c| c.as_mapping())
                    .and_then(|mm| mm.get(Value::String(seg.clone())));
            }
        }
    }
    let value = parse_scalar(raw);
    set_leaf(m, &layer, &path, value);
}

/// Environment values are YAML scalars: `0.25`, `true`, `null`, or plain text.
pub fn parse_scalar(raw: &str) -> Value {
    if raw.len() as u64 > MAX_CONFIG_BYTES || flow_depth(raw) > MAX_FLOW_DEPTH {
        return Value::String(raw.to_string());
    }
    match serde_yaml::from_str::<Value>(raw) {
        Ok(v @ (Value::Bool(_) | Value::Number(_) | Value::Null | Value::Sequence(_))) => v,
        _ => Value::String(raw.to_string()),
    }
}

fn set_path(root: &mut Value, path: &KeyPath, v: Value) -> Result<(), String> {
    let mut cur = root;
    for (n, seg) in path.0.iter().enumerate() {
        let last = n + 1 == path.0.len();
        match seg {
            Seg::Index(i) => {
                let xs = cur.as_sequence_mut().ok_or("not a list")?;
                let len = xs.len();
                let slot = xs.get_mut(*i).ok_or_else(|| {
                    format!("list index {i} is out of range: the list has {len} entries (indices 0..{})", len.saturating_sub(1))
                })?;
                if last {
                    *slot = v;
                    return Ok(());
                }
                cur = slot;
            }
            Seg::Key(k) => {
                if !cur.is_mapping() {
                    *cur = Value::Mapping(Mapping::new());
                }
                let map = cur.as_mapping_mut().ok_or("not a mapping")?;
                let key = Value::String(k.clone());
                if last {
                    map.insert(key, v);
                    return Ok(());
                }
                if !map.contains_key(&key) {
                    map.insert(key.clone(), Value::Mapping(Mapping::new()));
                }
                cur = map.get_mut(&key).ok_or("missing")?;
            }
        }
    }
    *cur = v;
    Ok(())
}
