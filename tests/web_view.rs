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
    if let Some(why) = missing_tools() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must provide the browser: {why}"
        );
        eprintln!("skipping the browser test: {why}");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (mut server, url) = common::spawn_serve(
        &dir.path().join("web.sqlite3"),
        &[
            ("NFLREADPY_BETTING__dashboard__refresh_seconds", "0.5"),
            (
                "NFLREADPY_BETTING__ingestion__scheduler__interval_seconds",
                "1",
            ),
        ],
    );
    let shot = root().join("target/web-view.png");
    let out = Command::new("node")
        .current_dir(root().join("tests/web"))
        .arg("smoke.mjs")
        .arg(&url)
        .arg(&shot)
        .output()
        .unwrap();
    let _ = server.kill();
    let _ = server.wait();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
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
}
