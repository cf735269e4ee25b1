//! The deployment files in `deploy/` against the tools that judge them:
//!
//! - the systemd units pass `systemd-analyze verify` with no output (a warning such as an unknown
//!   key fails too) and `systemd-analyze security --offline=yes` rates them well hardened;
//! - the sysusers file creates the units' user in a scratch root (`systemd-sysusers --root`);
//! - each unit's `ExecStartPre` line (`validate-config`) runs with the repository's `config/`
//!   and the example environment files and exits 0, and `--print` shows no secret;
//! - the Kubernetes manifests parse, every HTTP container has `/healthz` liveness and `/readyz`
//!   readiness probes, every container has requests, limits and a non-root read-only security
//!   context, secrets arrive as environment variables, the store is PostgreSQL via
//!   `storage.url`, and each Deployment's `validate-config` init container passes with the
//!   ConfigMap and the example Secret.
//!
//! `systemd-analyze` and `systemd-sysusers` come from Debian's `systemd` (installed by `.ci/run`):
//! missing, they skip outside CI and fail under `CI`. `kubectl kustomize` and
//! `kubernetes-validate --strict` (PyPI) run when on PATH and are skipped otherwise: neither is
//! installed by CI. No unit is started under systemd and nothing is applied to a cluster here.

use serde_yaml::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_nflreadpy-betting");
/// Where the units and manifests expect the binary, the config and the data.
const INSTALLED_BIN: &str = "/usr/local/bin/nflreadpy-betting";
const INSTALLED_CONFIG_DIR: &str = "/etc/nflreadpy-betting";
const INSTALLED_SHARE: &str = "/usr/share/nflreadpy-betting";
const UNITS: [&str; 2] = [
    "nflreadpy-betting-ingest.service",
    "nflreadpy-betting-serve.service",
];
/// The placeholder every example secret holds; it must never be printed.
const PLACEHOLDER: &str = "change-me";
const STORE_URL_VAR: &str = "NFLREADPY_BETTING__storage__url";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn systemd_dir() -> PathBuf {
    repo().join("deploy/systemd")
}

fn kube_dir() -> PathBuf {
    repo().join("deploy/kubernetes")
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    })
}

/// The tool on PATH, or `None` (skip) outside CI; under CI a missing tool fails the test.
fn required_tool(name: &str) -> Option<PathBuf> {
    let found = on_path(name);
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but {name} is not installed: .ci/run must install Debian's systemd"
        );
        println!("SKIPPED: {name} is not installed (apt-get install systemd)");
    }
    found
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

// ---------------------------------------------------------------------------------------------
// systemd

/// `(section, key, value)` for every assignment of a unit file, in order.
fn unit_entries(name: &str) -> Vec<(String, String, String)> {
    let body = read(&systemd_dir().join(name));
    let mut section = String::new();
    let mut out = Vec::new();
    for (n, line) in body.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        assert!(
            !line.ends_with('\\'),
            "{name}:{}: keep lines unbroken (this parser does not join continuations)",
            n + 1
        );
        if line.starts_with('[') {
            section = line.trim_matches(|c| c == '[' || c == ']').to_string();
            continue;
        }
        let (k, v) = line
            .split_once('=')
            .unwrap_or_else(|| panic!("{name}:{}: not KEY=VALUE: {line}", n + 1));
        out.push((section.clone(), k.trim().to_string(), v.trim().to_string()));
    }
    out
}

fn values<'a>(entries: &'a [(String, String, String)], section: &str, key: &str) -> Vec<&'a str> {
    entries
        .iter()
        .filter(|(s, k, _)| s == section && k == key)
        .map(|(_, _, v)| v.as_str())
        .collect()
}

fn one<'a>(entries: &'a [(String, String, String)], section: &str, key: &str) -> &'a str {
    let v = values(entries, section, key);
    assert_eq!(v.len(), 1, "[{section}] {key}= must appear once: {v:?}");
    v[0]
}

/// Copies of the units with `ExecStart*` pointing at the binary under test.
fn staged_units(dir: &Path) -> Vec<PathBuf> {
    UNITS
        .iter()
        .map(|name| {
            let body = read(&systemd_dir().join(name)).replace(INSTALLED_BIN, BIN);
            let p = dir.join(name);
            std::fs::write(&p, body).unwrap();
            p
        })
        .collect()
}

#[test]
fn systemd_units_pass_systemd_analyze_verify() {
    let Some(tool) = required_tool("systemd-analyze") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let units = staged_units(dir.path());
    let out = Command::new(&tool)
        .args(["verify", "--man=no"])
        .args(&units)
        .output()
        .unwrap();
    let said = text(&out);
    assert!(
        out.status.success(),
        "systemd-analyze verify failed:\n{said}"
    );
    // Unknown keys and unparsable values are only warnings to verify; here they fail.
    assert!(
        said.trim().is_empty(),
        "systemd-analyze verify warned:\n{said}"
    );
}

#[test]
fn systemd_units_are_hardened() {
    let Some(tool) = required_tool("systemd-analyze") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    for unit in staged_units(dir.path()) {
        let out = Command::new(&tool)
            .args(["security", "--offline=yes", "--no-pager"])
            .arg(&unit)
            .output()
            .unwrap();
        let said = text(&out);
        assert!(out.status.success(), "{}:\n{said}", unit.display());
        // "→ Overall exposure level for X.service: 1.2 OK 🙂" (0 best, 10 worst).
        let level: f64 = said
            .lines()
            .find_map(|l| l.split_once("Overall exposure level for ").map(|(_, r)| r))
            .and_then(|r| r.split(": ").nth(1))
            .and_then(|r| r.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no exposure level in:\n{said}"));
        assert!(
            level <= 2.0,
            "{}: exposure {level} (want <= 2.0):\n{said}",
            unit.display()
        );
    }
}

#[test]
fn units_restart_on_failure_as_the_dedicated_user_with_the_documented_layout() {
    let sysusers = read(&systemd_dir().join("nflreadpy-betting.sysusers"));
    let user = sysusers
        .lines()
        .find(|l| l.starts_with("u "))
        .and_then(|l| l.split_whitespace().nth(1))
        .expect("a `u` line in nflreadpy-betting.sysusers");
    for name in UNITS {
        let e = unit_entries(name);
        assert_eq!(one(&e, "Service", "User"), user, "{name}");
        assert_eq!(one(&e, "Service", "Group"), user, "{name}");
        assert_eq!(one(&e, "Service", "Restart"), "on-failure", "{name}");
        assert!(!values(&e, "Service", "RestartSec").is_empty(), "{name}");
        assert!(!values(&e, "Unit", "StartLimitBurst").is_empty(), "{name}");
        assert!(
            !values(&e, "Unit", "StartLimitIntervalSec").is_empty(),
            "{name}"
        );
        for (k, v) in [
            ("NoNewPrivileges", "yes"),
            ("ProtectSystem", "strict"),
            ("PrivateTmp", "yes"),
            ("ProtectHome", "yes"),
        ] {
            assert_eq!(one(&e, "Service", k), v, "{name}: {k}");
        }
        assert!(
            values(&e, "Service", "ReadWritePaths").contains(&"/var/lib/nflreadpy"),
            "{name}: the data directory must be writable"
        );
        assert!(
            values(&e, "Unit", "After").contains(&"network-online.target")
                && values(&e, "Unit", "Wants").contains(&"network-online.target"),
            "{name}"
        );
        // The secrets file is required (no leading `-`): no start without the DB password.
        assert!(
            values(&e, "Service", "EnvironmentFile")
                .contains(&"/etc/nflreadpy-betting/nflreadpy-betting.env"),
            "{name}"
        );
        // What validate-config checks is what runs: the same global arguments.
        let pre = one(&e, "Service", "ExecStartPre");
        let start = one(&e, "Service", "ExecStart");
        let globals = pre
            .strip_suffix(" validate-config")
            .unwrap_or_else(|| panic!("{name}: ExecStartPre must end in validate-config: {pre}"));
        assert!(
            start.starts_with(&format!("{globals} ")),
            "{name}: ExecStart must use ExecStartPre's arguments:\n{pre}\n{start}"
        );
        let sub = &start[globals.len() + 1..];
        let want = if name.contains("ingest") {
            "ingest"
        } else {
            "serve --attach"
        };
        assert!(sub.starts_with(want), "{name}: {sub}");
    }
}

#[test]
fn sysusers_file_creates_the_service_user() {
    let Some(tool) = required_tool("systemd-sysusers") else {
        return;
    };
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir(root.path().join("etc")).unwrap();
    let out = Command::new(&tool)
        .arg(format!("--root={}", root.path().display()))
        .arg(systemd_dir().join("nflreadpy-betting.sysusers"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let passwd = read(&root.path().join("etc/passwd"));
    let line = passwd
        .lines()
        .find(|l| l.starts_with("nflreadpy:"))
        .unwrap_or_else(|| panic!("no nflreadpy user:\n{passwd}"));
    let fields: Vec<&str> = line.split(':').collect();
    assert_eq!(fields[5], "/var/lib/nflreadpy", "{line}");
    assert!(fields[6].ends_with("nologin"), "{line}");
    assert!(read(&root.path().join("etc/group")).contains("nflreadpy:"));
}

/// A systemd environment file as systemd reads these simple ones: `KEY=VALUE` lines, `#`
/// comments, a value in single quotes taken literally.
fn env_file(path: &Path) -> Vec<(String, String)> {
    read(path)
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with(';'))
        .map(|l| {
            let (k, v) = l
                .split_once('=')
                .unwrap_or_else(|| panic!("{}: not KEY=VALUE: {l}", path.display()));
            let v = v.trim();
            assert!(
                !v.contains('\\') && !v.contains('"'),
                "{}: keep values simple (single quotes only): {l}",
                path.display()
            );
            let v = v
                .strip_prefix('\'')
                .and_then(|s| s.strip_suffix('\''))
                .unwrap_or(v);
            (k.trim().to_string(), v.to_string())
        })
        .collect()
}

/// `/etc/nflreadpy-betting/NAME.env` -> `deploy/systemd/NAME.env.example`.
fn example_for(installed: &str) -> PathBuf {
    let name = installed
        .strip_prefix(&format!("{INSTALLED_CONFIG_DIR}/"))
        .unwrap_or_else(|| panic!("environment files live in {INSTALLED_CONFIG_DIR}: {installed}"));
    systemd_dir().join(format!("{name}.example"))
}

/// The repository stands in for the installed tree: the binary under test, `config/` for
/// /etc/nflreadpy-betting (the install copies it there) and the repository root, which holds
/// `data/games.csv`, for /usr/share/nflreadpy-betting.
fn map_installed(arg: &str, config_dir: &Path) -> String {
    if arg == INSTALLED_BIN {
        return BIN.to_string();
    }
    if let Some(rest) = arg.strip_prefix(&format!("{INSTALLED_CONFIG_DIR}/")) {
        return config_dir.join(rest).display().to_string();
    }
    assert!(
        !arg.starts_with('/'),
        "unmapped absolute path in a command line: {arg}"
    );
    arg.to_string()
}

/// Runs `validate-config` and returns its output. A build without `storage.url` (before issue 14's
/// PostgreSQL store) rejects that key: then it says so and validates the rest without it.
/// Once `storage.url` exists, this fallback never triggers.
fn validate(argv: &[String], cwd: &Path, env: &BTreeMap<String, String>, what: &str) -> Output {
    let run = |env: &BTreeMap<String, String>| {
        let mut cmd = Command::new(&argv[0]);
        cmd.args(&argv[1..]).current_dir(cwd).env_clear();
        if let Some(path) = std::env::var_os("PATH") {
            cmd.env("PATH", path);
        }
        cmd.envs(env).output().unwrap()
    };
    let out = run(env);
    if !out.status.success()
        && env.contains_key(STORE_URL_VAR)
        && text(&out).contains("storage.url: unknown key `url`")
    {
        println!(
            "NOTE ({what}): this build has no storage.url yet; validating without {STORE_URL_VAR}"
        );
        let mut without = env.clone();
        without.remove(STORE_URL_VAR);
        return run(&without);
    }
    out
}

#[test]
fn exec_start_pre_validates_the_repository_config_with_the_example_environment() {
    for name in UNITS {
        let e = unit_entries(name);
        let pre = one(&e, "Service", "ExecStartPre");
        assert!(
            !pre.starts_with(['-', '+', '!', '@', ':']),
            "{name}: a failing validate-config must stop the start: {pre}"
        );
        assert!(
            !pre.contains(['"', '\'', '$', '%']),
            "{name}: keep ExecStartPre free of quoting, variables and specifiers: {pre}"
        );
        assert_eq!(one(&e, "Service", "WorkingDirectory"), INSTALLED_SHARE);
        assert!(repo().join("data/games.csv").is_file());

        // Environment= first, then each EnvironmentFile= in order (later ones win).
        let mut env = BTreeMap::new();
        for assignment in values(&e, "Service", "Environment") {
            let (k, v) = assignment.split_once('=').unwrap();
            env.insert(k.to_string(), v.to_string());
        }
        for file in values(&e, "Service", "EnvironmentFile") {
            let (optional, installed) = match file.strip_prefix('-') {
                Some(rest) => (true, rest),
                None => (false, file),
            };
            let example = example_for(installed);
            if !example.exists() {
                assert!(
                    optional,
                    "{name}: {installed} is required but has no example"
                );
                continue;
            }
            env.extend(env_file(&example));
        }
        assert!(
            env.get(STORE_URL_VAR).is_some_and(
                |u| u.starts_with("postgres://") && u.contains("${NFLREADPY_DB_PASSWORD}")
            ),
            "{name}: the store must be PostgreSQL with the password from the environment: {env:?}"
        );

        let config_dir = repo().join("config");
        let mut argv: Vec<String> = pre
            .split_whitespace()
            .map(|a| map_installed(a, &config_dir))
            .collect();
        let out = validate(&argv, &repo(), &env, name);
        let said = text(&out);
        assert!(out.status.success(), "{name}: {pre}\n{said}");
        assert!(
            said.contains("Configuration 'production' is valid."),
            "{name}:\n{said}"
        );

        argv.push("--print".into());
        let out = validate(&argv, &repo(), &env, name);
        let said = text(&out);
        assert!(out.status.success(), "{name}: --print\n{said}");
        assert!(
            !said.contains(PLACEHOLDER),
            "{name}: a secret was printed:\n{said}"
        );
        if said.contains("storage.url") {
            assert!(
                !said.contains("postgres://"),
                "{name}: the store URL was printed:\n{said}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Kubernetes

fn documents(path: &Path) -> Vec<Value> {
    use serde::Deserialize;
    serde_yaml::Deserializer::from_str(&read(path))
        .map(|d| Value::deserialize(d).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
        .filter(|v| !v.is_null())
        .collect()
}

fn get<'a>(v: &'a Value, dotted: &str) -> Option<&'a Value> {
    dotted.split('.').try_fold(v, |cur, k| cur.get(k))
}

fn s<'a>(v: &'a Value, dotted: &str) -> &'a str {
    get(v, dotted)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("missing string {dotted} in {v:?}"))
}

fn seq<'a>(v: &'a Value, dotted: &str) -> &'a [Value] {
    get(v, dotted)
        .and_then(Value::as_sequence)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn strings(v: &Value, dotted: &str) -> Vec<String> {
    seq(v, dotted)
        .iter()
        .map(|x| x.as_str().expect("a list of strings").to_string())
        .collect()
}

fn string_map(v: Option<&Value>) -> BTreeMap<String, String> {
    v.and_then(Value::as_mapping)
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    (
                        k.as_str().unwrap().to_string(),
                        v.as_str().expect("string values").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

struct Manifests {
    /// Every object of the files kustomization.yaml lists.
    objects: Vec<Value>,
    secret: Value,
}

impl Manifests {
    fn load() -> Manifests {
        let kustomization = documents(&kube_dir().join("kustomization.yaml"));
        let listed = strings(&kustomization[0], "resources");
        let mut files: Vec<String> = std::fs::read_dir(kube_dir())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|f| f.ends_with(".yaml"))
            .filter(|f| f != "kustomization.yaml" && f != "secret.example.yaml")
            .collect();
        files.sort();
        let mut sorted = listed.clone();
        sorted.sort();
        assert_eq!(sorted, files, "kustomization.yaml must list every manifest");
        let objects: Vec<Value> = listed
            .iter()
            .flat_map(|f| documents(&kube_dir().join(f)))
            .collect();
        for o in &objects {
            s(o, "apiVersion");
            s(o, "kind");
            s(o, "metadata.name");
        }
        let secret = documents(&kube_dir().join("secret.example.yaml")).remove(0);
        assert_eq!(s(&secret, "kind"), "Secret");
        Manifests { objects, secret }
    }

    fn of_kind(&self, kind: &str) -> Vec<&Value> {
        self.objects
            .iter()
            .filter(|o| s(o, "kind") == kind)
            .collect()
    }

    fn config_map(&self, name: &str) -> &Value {
        self.of_kind("ConfigMap")
            .into_iter()
            .find(|c| s(c, "metadata.name") == name)
            .unwrap_or_else(|| panic!("no ConfigMap {name}"))
    }

    /// A container's environment as the kubelet builds it: `envFrom` in order, then `env`.
    fn env_of(&self, container: &Value) -> BTreeMap<String, String> {
        let mut env = BTreeMap::new();
        for from in seq(container, "envFrom") {
            if let Some(name) = get(from, "configMapRef.name").and_then(Value::as_str) {
                env.extend(string_map(get(self.config_map(name), "data")));
            } else if let Some(name) = get(from, "secretRef.name").and_then(Value::as_str) {
                assert_eq!(name, s(&self.secret, "metadata.name"));
                env.extend(string_map(get(&self.secret, "stringData")));
            } else {
                panic!("unexpected envFrom {from:?}");
            }
        }
        for var in seq(container, "env") {
            let name = s(var, "name").to_string();
            if let Some(v) = get(var, "value").and_then(Value::as_str) {
                env.insert(name, v.to_string());
            } else {
                let key = get(var, "valueFrom.secretKeyRef.key")
                    .and_then(Value::as_str)
                    .unwrap_or_else(|| panic!("{name}: a value or a secretKeyRef"));
                let v = string_map(get(&self.secret, "stringData"))
                    .remove(key)
                    .unwrap_or_else(|| panic!("the example Secret has no key {key}"));
                env.insert(name, v);
            }
        }
        env
    }
}

fn pod_spec(d: &Value) -> &Value {
    get(d, "spec.template.spec").expect("a pod template")
}

#[test]
fn kubernetes_containers_have_probes_limits_and_a_locked_down_context() {
    let m = Manifests::load();
    let deployments = m.of_kind("Deployment");
    let names: Vec<&str> = deployments.iter().map(|d| s(d, "metadata.name")).collect();
    assert!(
        names.iter().filter(|n| n.contains("ingest")).count() >= 2,
        "one ingest Deployment per source or region: {names:?}"
    );
    assert!(names.iter().any(|n| n.contains("serve")), "{names:?}");
    for d in &deployments {
        let name = s(d, "metadata.name");
        let labels = string_map(get(d, "spec.template.metadata.labels"));
        for (k, v) in string_map(get(d, "spec.selector.matchLabels")) {
            assert_eq!(labels.get(&k), Some(&v), "{name}: selector {k}");
        }
        assert!(
            get(d, "spec.replicas").and_then(Value::as_u64).unwrap_or(0) >= 1,
            "{name}"
        );
        let pod = pod_spec(d);
        assert_eq!(
            get(pod, "securityContext.runAsNonRoot"),
            Some(&Value::Bool(true)),
            "{name}"
        );
        let volumes = seq(pod, "volumes");
        let containers: Vec<&Value> = seq(pod, "containers")
            .iter()
            .chain(seq(pod, "initContainers"))
            .collect();
        for c in containers {
            let cname = format!("{name}/{}", s(c, "name"));
            for q in [
                "requests.cpu",
                "requests.memory",
                "limits.cpu",
                "limits.memory",
            ] {
                assert!(
                    get(c, &format!("resources.{q}")).is_some(),
                    "{cname}: resources.{q}"
                );
            }
            let sc =
                get(c, "securityContext").unwrap_or_else(|| panic!("{cname}: securityContext"));
            assert_eq!(
                get(sc, "readOnlyRootFilesystem"),
                Some(&Value::Bool(true)),
                "{cname}"
            );
            assert_eq!(
                get(sc, "allowPrivilegeEscalation"),
                Some(&Value::Bool(false)),
                "{cname}"
            );
            assert_eq!(get(sc, "runAsNonRoot"), Some(&Value::Bool(true)), "{cname}");
            assert_eq!(strings(sc, "capabilities.drop"), ["ALL"], "{cname}");
            for mount in seq(c, "volumeMounts") {
                let v = s(mount, "name");
                assert!(
                    volumes.iter().any(|x| s(x, "name") == v),
                    "{cname}: mounts missing volume {v}"
                );
            }
            // Every container that listens gets both probes on its port.
            let ports: Vec<&str> = seq(c, "ports").iter().map(|p| s(p, "name")).collect();
            if !ports.is_empty() {
                assert_eq!(s(c, "livenessProbe.httpGet.path"), "/healthz", "{cname}");
                assert_eq!(s(c, "readinessProbe.httpGet.path"), "/readyz", "{cname}");
                for probe in ["livenessProbe", "readinessProbe"] {
                    let port = s(c, &format!("{probe}.httpGet.port"));
                    assert!(
                        ports.contains(&port),
                        "{cname}: {probe} on unknown port {port}"
                    );
                }
            }
            // Secrets only from the Secret; the store is PostgreSQL through storage.url.
            let env = m.env_of(c);
            let url = env
                .get(STORE_URL_VAR)
                .unwrap_or_else(|| panic!("{cname}: no {STORE_URL_VAR}"));
            assert!(
                url.starts_with("postgres://") && url.contains("${NFLREADPY_DB_PASSWORD}"),
                "{cname}: {url}"
            );
            for secret in ["NFLREADPY_DB_PASSWORD", "NFLREADPY_API_TOKEN"] {
                assert!(
                    env.contains_key(secret),
                    "{cname}: {secret} is not in the environment"
                );
            }
        }
        for v in volumes {
            if let Some(cm) = get(v, "configMap.name").and_then(Value::as_str) {
                m.config_map(cm);
            }
        }
    }
    for cm in m.of_kind("ConfigMap") {
        let body = serde_yaml::to_string(cm).unwrap();
        assert!(
            !body.contains(PLACEHOLDER),
            "a secret value in a ConfigMap:\n{body}"
        );
    }
    for svc in m.of_kind("Service") {
        let selector = string_map(get(svc, "spec.selector"));
        let target = deployments
            .iter()
            .find(|d| {
                let labels = string_map(get(d, "spec.template.metadata.labels"));
                selector.iter().all(|(k, v)| labels.get(k) == Some(v))
            })
            .unwrap_or_else(|| panic!("Service {} selects no pod", s(svc, "metadata.name")));
        let ports: Vec<&str> = seq(pod_spec(target), "containers")
            .iter()
            .flat_map(|c| seq(c, "ports"))
            .map(|p| s(p, "name"))
            .collect();
        for p in seq(svc, "spec.ports") {
            assert!(
                ports.contains(&s(p, "targetPort")),
                "{p:?} not in {ports:?}"
            );
        }
    }
}

#[test]
fn kubernetes_validate_config_init_containers_pass_with_the_config_map() {
    let m = Manifests::load();
    for d in m.of_kind("Deployment") {
        let name = s(d, "metadata.name");
        let pod = pod_spec(d);
        let init = seq(pod, "initContainers")
            .iter()
            .find(|c| s(c, "name") == "validate-config")
            .unwrap_or_else(|| panic!("{name}: no validate-config init container"));
        let main = &seq(pod, "containers")[0];
        let argv = |c: &Value| -> Vec<String> {
            strings(c, "command")
                .into_iter()
                .chain(strings(c, "args"))
                .collect()
        };
        let (pre, run) = (argv(init), argv(main));
        assert_eq!(
            pre.last().map(String::as_str),
            Some("validate-config"),
            "{name}"
        );
        let globals = &pre[..pre.len() - 1];
        assert_eq!(
            &run[..globals.len()],
            globals,
            "{name}: the same global arguments"
        );
        assert_eq!(
            m.env_of(init),
            m.env_of(main),
            "{name}: the same environment"
        );
        assert_eq!(s(init, "workingDir"), INSTALLED_SHARE);
        assert_eq!(s(main, "workingDir"), INSTALLED_SHARE);

        // Mount the ConfigMap's files where the pod would see them.
        let dir = tempfile::tempdir().unwrap();
        for mount in seq(init, "volumeMounts") {
            let volume = seq(pod, "volumes")
                .iter()
                .find(|v| s(v, "name") == s(mount, "name"))
                .unwrap();
            let cm = s(volume, "configMap.name");
            assert_eq!(s(mount, "mountPath"), INSTALLED_CONFIG_DIR, "{name}");
            for (file, body) in string_map(get(m.config_map(cm), "data")) {
                std::fs::write(dir.path().join(file), body).unwrap();
            }
        }
        let mut argv: Vec<String> = pre.iter().map(|a| map_installed(a, dir.path())).collect();
        let env = m.env_of(init);
        let out = validate(&argv, &repo(), &env, name);
        let said = text(&out);
        assert!(out.status.success(), "{name}: {pre:?}\n{said}");
        assert!(said.contains("is valid"), "{name}:\n{said}");
        argv.push("--print".into());
        let out = validate(&argv, &repo(), &env, name);
        let said = text(&out);
        assert!(out.status.success(), "{name}: --print\n{said}");
        assert!(
            !said.contains(PLACEHOLDER),
            "{name}: a secret was printed:\n{said}"
        );
    }
}

/// Offline extras when the tools happen to be installed (CI installs neither): kustomize renders
/// the set, and `kubernetes-validate --strict` checks every object against the API schemas.
#[test]
fn kubernetes_manifests_render_and_match_the_api_schemas_when_tools_are_present() {
    match on_path("kubectl") {
        Some(kubectl) => {
            let out = Command::new(kubectl)
                .arg("kustomize")
                .arg(kube_dir())
                .output()
                .unwrap();
            assert!(out.status.success(), "kubectl kustomize:\n{}", text(&out));
            let rendered: Vec<Value> = {
                use serde::Deserialize;
                serde_yaml::Deserializer::from_slice(&out.stdout)
                    .map(|d| Value::deserialize(d).unwrap())
                    .collect()
            };
            assert_eq!(rendered.len(), Manifests::load().objects.len());
        }
        None => println!("SKIPPED: kubectl is not installed (kustomize rendering not checked)"),
    }
    match on_path("kubernetes-validate") {
        Some(tool) => {
            let mut files: Vec<PathBuf> = std::fs::read_dir(kube_dir())
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
                .filter(|p| !p.ends_with("kustomization.yaml"))
                .collect();
            files.sort();
            let out = Command::new(tool)
                .arg("--strict")
                .args(&files)
                .output()
                .unwrap();
            assert!(out.status.success(), "kubernetes-validate:\n{}", text(&out));
        }
        None => println!(
            "SKIPPED: kubernetes-validate is not installed (pip install kubernetes-validate)"
        ),
    }
}
