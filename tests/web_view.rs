//! The web view in headless Chromium (Debian `chromium`, driven by playwright-core from
//! tests/web): it loads, shows live data updated from the event stream, logs no console errors,
//! and leaves a screenshot at target/web-view.png. `.ci/run` installs both; elsewhere the test
//! says what is missing and passes only when not under CI.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn missing_tools() -> Option<String> {
    if !Path::new("/usr/bin/chromium").exists() && std::env::var_os("CHROMIUM").is_none() {
        return Some("chromium is not installed (apt-get install chromium)".into());
    }
    if !root()
        .join("tests/web/node_modules/playwright-core")
        .exists()
    {
        return Some("playwright-core is not installed (cd tests/web && npm install)".into());
    }
    None
}

#[test]
fn web_view_loads_live_data_without_console_errors() {
    let report = run_smoke(&[], None, "web-view.png");
    if report.is_null() {
        return;
    }
    assert_eq!(report["locked"], serde_json::Value::Null, "{report}");
}

/// A server with `api.token`: the page asks for the token (its status request is refused), and
/// once it is typed in the page goes live over the same cookie-authenticated stream.
#[test]
fn web_view_asks_for_the_api_token_then_goes_live() {
    const TOKEN: &str = "desk-token; with=odd chars";
    let report = run_smoke(
        &[("NFLREADPY_BETTING__api__token", TOKEN)],
        Some(TOKEN),
        "web-view-token.png",
    );
    if report.is_null() {
        return;
    }
    assert_eq!(report["locked"], "○ locked", "{report}");
    assert_eq!(report["authHidden"], true, "{report}");
    assert!(root().join("target/web-view-token-locked.png").exists());
}

/// Serves the replay feed, runs tests/web/smoke.mjs against it and checks what every run must
/// show; `Null` when the browser tools are missing outside CI.
fn run_smoke(env: &[(&str, &str)], token: Option<&str>, shot: &str) -> serde_json::Value {
    if let Some(why) = missing_tools() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must provide the browser: {why}"
        );
        eprintln!("skipping the browser test: {why}");
        return serde_json::Value::Null;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut vars = vec![
        ("NFLREADPY_BETTING__dashboard__refresh_seconds", "0.5"),
        (
            "NFLREADPY_BETTING__ingestion__scheduler__interval_seconds",
            "1",
        ),
    ];
    vars.extend_from_slice(env);
    let (mut server, url, log) = common::spawn_serve_logged(&dir.path().join("web.sqlite3"), &vars);
    let shot = root().join("target").join(shot);
    let mut cmd = Command::new("node");
    cmd.current_dir(root().join("tests/web"))
        .arg("smoke.mjs")
        .arg(&url)
        .arg(&shot);
    if let Some(t) = token {
        cmd.arg(t);
    }
    let out = cmd.output().unwrap();
    let _ = server.kill();
    let _ = server.wait();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}\n--- the server's log ---\n{}",
        String::from_utf8_lossy(&out.stderr),
        log.text()
    );
    let report: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert!(
        report["second"].as_u64() > report["first"].as_u64(),
        "{report}"
    );
    assert!(report["freshRows"].as_u64().unwrap() >= 6, "{report}");
    assert_eq!(report["live"], "● live");
    assert!(report["errors"].as_array().unwrap().is_empty(), "{report}");
    assert!(shot.exists());
    report
}
