//! The configuration contract, through the real binary: bad files, layering order, secrets.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures/config").join(name)
}

/// The binary with a clean environment (no NFLREADPY_* leaking in from the caller).
fn bin(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("nflreadpy-betting").unwrap();
    c.current_dir(dir);
    for (k, _) in std::env::vars() {
        if k.starts_with("NFLREADPY_BETTING") || k == "ODDS_API_KEY" {
            c.env_remove(k);
        }
    }
    c
}

struct Run {
    code: i32,
    out: String,
    err: String,
}

fn run(c: &mut Command) -> Run {
    let o = c.output().unwrap();
    Run {
        code: o.status.code().unwrap_or(-1),
        out: String::from_utf8_lossy(&o.stdout).into_owned(),
        err: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

#[test]
fn shipped_config_is_valid() {
    let r = run(bin(&root()).args(["validate-config", "--config", "config/betting.yaml"]));
    assert_eq!(r.code, 0, "{}{}", r.out, r.err);
    assert!(r.out.contains("Configuration 'default' is valid."));
}

/// The example alert policy validates once its required secrets are set; the optional SMTP
/// login (`${SMTP_USERNAME:-}`) left unset is an empty string, not a missing value.
#[test]
fn shipped_alerts_policy_is_valid_with_its_secrets_set() {
    let mut c = bin(&root());
    c.args(["validate-config", "--alerts-config", "config/alerts.yaml"]);
    for (k, v) in [
        ("SLACK_WEBHOOK_URL", "https://hooks.slack.test/x"),
        ("ALERT_WEBHOOK_URL", "https://hooks.example.test/y"),
        ("ALERT_WEBHOOK_SECRET", "hook-secret"),
        ("PAGERDUTY_ROUTING_KEY", "pd-key"),
    ] {
        c.env(k, v);
    }
    for k in ["SMTP_HOST", "SMTP_USERNAME", "SMTP_PASSWORD"] {
        c.env_remove(k);
    }
    let r = run(&mut c);
    assert_eq!(r.code, 0, "{}{}", r.out, r.err);
}

#[test]
fn production_overlay_is_valid_with_its_secrets_set() {
    let r = run(bin(&root())
        .args([
            "validate-config",
            "--environment",
            "production",
            "--warnings-as-errors",
        ])
        .env("ODDS_API_KEY", "k1")
        .env("NFLREADPY_API_TOKEN", "t1"));
    assert_eq!(r.code, 0, "{}{}", r.out, r.err);
}

#[test]
fn each_bad_config_exits_2_naming_file_and_key() {
    let cases: &[(&str, &[&str])] = &[
        (
            "wrong_type.yaml",
            &[
                "analytics.kelly_fraction",
                "expected a number, got a string",
                "analytics.iterations.simulate",
            ],
        ),
        (
            "unknown_key.yaml",
            &["analytics.kelly_fracton", "did you mean `kelly_fraction`"],
        ),
        (
            "out_of_range.yaml",
            &[
                "analytics.kelly_fraction",
                "(0, 1]",
                "analytics.value_threshold",
                "ingestion.scheduler.retries",
            ],
        ),
        (
            "missing_var.yaml",
            &["sources[0].api_key", "NFLREADPY_TEST_SURELY_UNSET_KEY"],
        ),
        (
            "bad_ca_file.yaml",
            &[
                "alerts.channels[0].ca_file",
                "no-such-ca.pem",
                "readable PEM",
            ],
        ),
        ("syntax_error.yaml", &["YAML syntax error"]),
        ("unreadable.yaml", &["cannot read file"]),
        (
            "bad_source_type.yaml",
            &["sources[0].type", "did you mean `replay`"],
        ),
        ("does_not_exist.yaml", &["cannot read file"]),
    ];
    for (file, needles) in cases {
        let path = fixture(file);
        let r = run(bin(&root())
            .args(["validate-config", "--config"])
            .arg(&path));
        assert_eq!(r.code, 2, "{file}: {}{}", r.out, r.err);
        assert!(
            r.err.contains(&path.display().to_string()),
            "{file} not named in: {}",
            r.err
        );
        for n in *needles {
            assert!(r.err.contains(n), "{file}: missing {n:?} in: {}", r.err);
        }
    }
}

#[test]
fn errors_carry_line_numbers_of_the_file_that_set_the_key() {
    let path = fixture("out_of_range.yaml");
    let r = run(bin(&root())
        .args(["validate-config", "--config"])
        .arg(&path));
    assert!(
        r.err
            .contains(&format!("{}:2: analytics.kelly_fraction", path.display())),
        "{}",
        r.err
    );
    assert!(
        r.err.contains(&format!(
            "{}:6: ingestion.scheduler.retries",
            path.display()
        )),
        "{}",
        r.err
    );
    let syntax = fixture("syntax_error.yaml");
    let r = run(bin(&root())
        .args(["validate-config", "--config"])
        .arg(&syntax));
    assert!(
        r.err.contains(&format!("{}:3", syntax.display())),
        "{}",
        r.err
    );
}

#[test]
fn bad_env_overrides_exit_2_naming_the_variable() {
    let r = run(bin(&root())
        .args(["validate-config"])
        .env("NFLREADPY_BETTING__analytics__kelly_fraction", "lots"));
    assert_eq!(r.code, 2);
    assert!(
        r.err
            .contains("env NFLREADPY_BETTING__analytics__kelly_fraction: analytics.kelly_fraction"),
        "{}",
        r.err
    );
    let r = run(bin(&root())
        .args(["validate-config"])
        .env("NFLREADPY_BETTING__sources__9__enabled", "true"));
    assert_eq!(r.code, 2);
    assert!(
        r.err.contains("sources[9].enabled") && r.err.contains("out of range"),
        "{}",
        r.err
    );
    let r = run(bin(&root())
        .args(["validate-config"])
        .env("NFLREADPY_BETTING__analytics__no_such_key", "1"));
    assert_eq!(r.code, 2);
    assert!(r.err.contains("unknown key `no_such_key`"), "{}", r.err);
}

#[test]
fn warnings_exit_0_unless_warnings_as_errors() {
    let path = fixture("warning_only.yaml");
    let r = run(bin(&root())
        .args(["validate-config", "--config"])
        .arg(&path));
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(r.out.contains("under 10s"), "{}", r.out);
    let r = run(bin(&root())
        .args(["validate-config", "--warnings-as-errors", "--config"])
        .arg(&path));
    assert_eq!(r.code, 2);
}

/// Every layer sets its own key, and all five set `analytics.seed`: the last layer wins and
/// `--print` names each key's layer.
#[test]
fn layering_order_is_base_env_overlay_extra_files_env_vars_cli() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("config")).unwrap();
    std::fs::write(
        d.join("config/betting.yaml"),
        "analytics:\n  seed: 1\n  model_weight:\n    total: 0.1\n",
    )
    .unwrap();
    std::fs::write(
        d.join("config/betting.staging.yaml"),
        "analytics:\n  seed: 2\n  sharp_weight: 2.0\n",
    )
    .unwrap();
    std::fs::write(
        d.join("extra1.yaml"),
        "analytics:\n  seed: 3\n  history_limit: 99\n",
    )
    .unwrap();
    std::fs::write(
        d.join("extra2.yaml"),
        "analytics:\n  seed: 4\n  kelly_fraction: 0.25\n",
    )
    .unwrap();
    let extra = format!(
        "{}:{}",
        d.join("extra1.yaml").display(),
        d.join("extra2.yaml").display()
    );
    let print = |with_env_var: bool, with_cli: bool| {
        let mut c = bin(d);
        c.args(["validate-config", "--print"])
            .env("NFLREADPY_BETTING_ENV", "staging")
            .env("NFLREADPY_BETTING_CONFIG", &extra);
        if with_env_var {
            c.env("NFLREADPY_BETTING__analytics__seed", "5")
                .env("NFLREADPY_BETTING__ingestion__storage_path", "env.sqlite3");
        }
        if with_cli {
            c.args(["--storage", "cli.sqlite3"]);
        }
        let r = run(&mut c);
        assert_eq!(r.code, 0, "{}", r.err);
        r.out
    };
    let line = |out: &str, key: &str| -> String {
        out.lines()
            .find(|l| l.starts_with(&format!("{key} ")))
            .unwrap_or_else(|| panic!("{key} missing"))
            .to_string()
    };
    let out = print(true, true);
    assert!(line(&out, "analytics.model_weight.total").contains("0.1  # config/betting.yaml"));
    assert!(line(&out, "analytics.sharp_weight").contains("2.0  # config/betting.staging.yaml"));
    assert!(
        line(&out, "analytics.history_limit").contains("99  #")
            && line(&out, "analytics.history_limit").contains("extra1.yaml")
    );
    assert!(line(&out, "analytics.kelly_fraction").contains("extra2.yaml"));
    assert!(line(&out, "analytics.seed").contains("5  # env NFLREADPY_BETTING__analytics__seed"));
    assert!(line(&out, "ingestion.storage_path").contains("\"cli.sqlite3\"  # --storage"));
    assert!(line(&out, "environment").contains("\"staging\""));
    // Peel the layers off one at a time: each lower layer then wins.
    let out = print(false, false);
    assert!(
        line(&out, "analytics.seed").contains("4  #")
            && line(&out, "analytics.seed").contains("extra2.yaml")
    );
    assert!(line(&out, "ingestion.storage_path").contains("built-in default"));
    let out = print(true, false);
    assert!(line(&out, "ingestion.storage_path")
        .contains("\"env.sqlite3\"  # env NFLREADPY_BETTING__ingestion__storage_path"));
}

#[test]
fn list_indices_in_env_overrides_work() {
    let r = run(bin(&root())
        .args(["validate-config", "--print"])
        .env("NFLREADPY_BETTING__sources__0__time_compression", "42")
        .env("NFLREADPY_BETTING__SOURCES__2__ENABLED", "true"));
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(
        r.out
            .lines()
            .any(|l| l.starts_with("sources[0].time_compression ")
                && l.ends_with("= 42  # env NFLREADPY_BETTING__sources__0__time_compression")),
        "{}",
        r.out
    );
    assert!(r
        .out
        .lines()
        .any(|l| l.starts_with("sources[2].enabled") && l.contains("true")));
}

#[test]
fn secrets_never_appear_in_any_output() {
    let secret = "sk-live-DO-NOT-PRINT-7f3a9c";
    let dir = tempfile::tempdir().unwrap();
    let alerts = dir.path().join("alerts.yaml");
    std::fs::write(
        &alerts,
        "channels:\n  - type: slack\n    webhook_url: https://hooks.example/${SLACK_HOOK}\n  - type: webhook\n    url: http://127.0.0.1:9/x\n    secret: ${SLACK_HOOK}\n    min_severity: bogus\n",
    )
    .unwrap();
    let bad_then_good: [(&[&str], i32); 4] = [
        (&["validate-config", "--print"], 0),
        (&["validate-config", "--print", "--log-format", "json"], 0),
        (&["-v", "validate-config"], 2),
        (&["validate-config", "--log-format", "json"], 2),
    ];
    for (i, (args, want)) in bad_then_good.iter().enumerate() {
        let mut c = bin(&root());
        c.args(*args)
            .env("ODDS_API_KEY", secret)
            .env("SLACK_HOOK", secret)
            .env("NFLREADPY_BETTING__sources__1__enabled", "true")
            .env("NFLREADPY_BETTING__api__token", secret);
        if *want == 2 {
            c.arg("--alerts-config").arg(&alerts); // min_severity: bogus makes it fail
        }
        let r = run(&mut c);
        assert_eq!(r.code, *want, "case {i}: {}{}", r.out, r.err);
        assert!(
            !r.out.contains(secret) && !r.err.contains(secret),
            "case {i} leaked the secret:\n{}{}",
            r.out,
            r.err
        );
        assert!(!r.out.contains("7f3a9c") && !r.err.contains("7f3a9c"));
        if *want == 0 && i == 0 {
            assert!(r.out.contains("sources[1].api_key") && r.out.contains("[redacted]"));
            assert!(r
                .out
                .lines()
                .any(|l| l.starts_with("api.token") && l.contains("[redacted]")));
        }
    }
}

#[test]
fn every_documented_command_line_parses() {
    use clap::Parser;
    use nflreadpy_betting::cli::Cli;
    for line in [
        "nflreadpy-betting validate-config --config config/betting.yaml",
        "nflreadpy-betting ingest --interval 0 --retries 0",
        "nflreadpy-betting ingest --interval 30 --jitter 2 --retries 3 --retry-backoff 2",
        "nflreadpy-betting simulate --refresh --alerts-config alerts.yaml",
        "nflreadpy-betting simulate --enable-alerts",
        "nflreadpy-betting simulate --iterations 20000 --seed 1 --no-bankroll",
        "nflreadpy-betting dashboard --refresh",
        "nflreadpy-betting dashboard --refresh 2 --attach",
        "nflreadpy-betting dashboard --read-only",
        "nflreadpy-betting dashboard --headless --cycles 3 --log-format json",
        "nflreadpy-betting scan --min-ev 0.03 --export x.csv --prune-older-than 30d",
        "nflreadpy-betting backtest --start-season 2020 --end-season 2024",
        "nflreadpy-betting serve --bind 127.0.0.1:8080 --attach",
        "nflreadpy-betting status --format json",
        "nflreadpy-betting --storage x.sqlite3 --environment production status",
        "nflreadpy-betting completions zsh",
        "nflreadpy-betting data update",
        "nflreadpy-betting data update --url https://example.test/games.csv --format json",
        "nflreadpy-betting data status --format json",
        "nflreadpy-betting",
    ] {
        let args: Vec<&str> = line.split_whitespace().collect();
        if let Err(e) = Cli::try_parse_from(&args) {
            panic!("{line}: {e}");
        }
    }
}

#[test]
fn shared_options_are_accepted_before_and_after_the_subcommand() {
    let a = run(bin(&root()).args(["--storage", "x.sqlite3", "validate-config", "--print"]));
    let b = run(bin(&root()).args(["validate-config", "--print", "--storage", "x.sqlite3"]));
    assert_eq!(a.code, 0, "{}", a.err);
    assert_eq!(a.out, b.out);
    assert!(a.out.contains("\"x.sqlite3\"  # --storage"));
    let r = run(bin(&root()).args(["completions", "bash"]));
    assert_eq!(r.code, 0);
    assert!(r.out.contains("nflreadpy-betting"));
    let r = run(bin(&root()).args(["--no-such-flag"]));
    assert_eq!(r.code, 2);
}

/// Issue 13, item 1: duration settings checked only as "positive" let 1e30 through to a
/// `Duration::from_secs_f64` panic; each now has a ceiling named in the error.
#[test]
fn bad_durations_in_config_are_refused_with_their_ceiling() {
    for key in [
        "alerts__retry_max_seconds",
        "alerts__retry_base_seconds",
        "ingestion__scheduler__max_backoff_seconds",
        "ingestion__circuit_breaker__open_seconds",
        "metrics__sample_interval_seconds",
        "data__timeout_seconds",
    ] {
        let r = run(bin(&root())
            .args(["validate-config"])
            .env(format!("NFLREADPY_BETTING__{key}"), "1e30"));
        assert_eq!(r.code, 2, "{key}: {}{}", r.out, r.err);
        let dotted = key.replace("__", ".");
        assert!(
            r.err.contains(&dotted) && r.err.contains("at most"),
            "{key}: {}",
            r.err
        );
    }
}

fn leaf_keys(v: &serde_yaml::Value, path: &str, out: &mut Vec<String>) {
    match v {
        serde_yaml::Value::Mapping(m) => {
            for (k, c) in m {
                let k = k.as_str().unwrap_or_default();
                let p = if path.is_empty() {
                    k.to_string()
                } else {
                    format!("{path}.{k}")
                };
                leaf_keys(c, &p, out);
            }
        }
        serde_yaml::Value::Sequence(_) if path == "sources" || path == "alerts.channels" => {}
        _ => out.push(path.to_string()),
    }
}

/// Issue 13, item 8: keys documented and validated that no code read (`analytics.threads`,
/// `analytics.correlation_limits`, `analytics.movement_threshold`, `storage.retention_days`,
/// `analytics.iterations.backtest`). Walks the schema — every section, every source and
/// channel type — and fails on any key that no code outside `src/config/` reads as a field.
#[test]
fn every_config_key_is_read_by_some_code() {
    use nflreadpy_betting::config::{ChannelConfig, Config, SourceConfig};
    let mut keys = Vec::new();
    leaf_keys(
        &serde_yaml::to_value(Config::default()).unwrap(),
        "",
        &mut keys,
    );
    for t in SourceConfig::TYPES {
        let v = serde_yaml::to_value(SourceConfig::template(t).unwrap()).unwrap();
        leaf_keys(&v, &format!("sources[{t}]"), &mut keys);
    }
    for t in ChannelConfig::TYPES {
        let v = serde_yaml::to_value(ChannelConfig::template(t).unwrap()).unwrap();
        leaf_keys(&v, &format!("alerts.channels[{t}]"), &mut keys);
    }
    let mut code = String::new();
    let mut dirs = vec![root().join("src")];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap().map(Result::unwrap) {
            let p = e.path();
            // Of `src/config/` only the schema's own helpers count (validation is no reader).
            let in_config = p.parent().is_some_and(|d| d.ends_with("config"));
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "rs")
                && (!in_config || p.ends_with("schema.rs"))
            {
                code.push_str(&std::fs::read_to_string(&p).unwrap());
            }
        }
    }
    let read = |field: &str| {
        code.match_indices(&format!(".{field}")).any(|(i, m)| {
            !code[i + m.len()..]
                .chars()
                .next()
                .is_some_and(|c| c.is_alphanumeric() || c == '_')
        })
    };
    let unread: Vec<&String> = keys
        .iter()
        .filter(|k| k.as_str() != "type")
        .filter(|k| !k.ends_with(".type"))
        .filter(|k| !read(k.rsplit('.').next().unwrap()))
        .collect();
    assert!(keys.len() > 80, "{keys:?}");
    assert!(unread.is_empty(), "keys no code reads: {unread:?}");
}

#[test]
fn cross_book_thresholds_are_validated_by_key() {
    for (var, value, key) in [
        (
            "NFLREADPY_BETTING__analytics__markets__steam_window_seconds",
            "0",
            "analytics.markets.steam_window_seconds",
        ),
        (
            "NFLREADPY_BETTING__analytics__markets__steam_min_prob",
            "1.5",
            "analytics.markets.steam_min_prob",
        ),
        (
            "NFLREADPY_BETTING__analytics__markets__steam_lookback_seconds",
            "30",
            "analytics.markets.steam_lookback_seconds",
        ),
        (
            "NFLREADPY_BETTING__alerts__rules__arbitrage_min_return",
            "-0.1",
            "alerts.rules.arbitrage_min_return",
        ),
        (
            "NFLREADPY_BETTING__alerts__rules__stale_line_min_ev",
            "2",
            "alerts.rules.stale_line_min_ev",
        ),
    ] {
        let r = run(bin(&root()).args(["validate-config"]).env(var, value));
        assert_eq!(r.code, 2, "{var}={value}: {}", r.err);
        assert!(r.err.contains(key), "{var}={value}: {}", r.err);
    }
}
