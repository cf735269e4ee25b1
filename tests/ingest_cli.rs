//! `ingest` through the real binary on the default configuration (the replay feed, no network).

use assert_cmd::Command;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::Stdio;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn count(db: &std::path::Path, sql: &str) -> i64 {
    let conn = nflreadpy_betting::store::open_for_reading(db, 5000).unwrap();
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn single_shot_ingest_stores_replay_quotes_into_a_fresh_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("fresh.sqlite3");
    let out = Command::cargo_bin("nflreadpy-betting")
        .unwrap()
        .current_dir(root())
        .env_remove("NFLREADPY_BETTING_ENV")
        .env_remove("NFLREADPY_BETTING_CONFIG")
        .args(["ingest", "--interval", "0", "--retries", "0", "--storage"])
        .arg(&db)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("source=replay status=ok"), "{stdout}");
    assert!(
        stdout.contains(&format!("into {}", db.display())),
        "{stdout}"
    );
    assert!(count(&db, "SELECT COUNT(*) FROM quotes_latest") > 1000);
    assert!(count(&db, "SELECT COUNT(DISTINCT book) FROM quotes_latest") >= 5);
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM ingest_runs WHERE ok = 1"),
        1
    );
    assert!(count(&db, "SELECT COUNT(*) FROM events WHERE game_id IS NOT NULL") >= 13);
    // The pass's health metrics are stored under the guide's names.
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM metrics_samples WHERE name = 'ingestion.success_rate' \
             AND json_extract(labels, '$.source') = 'replay' AND value = 1.0"
        ),
        1
    );
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM metrics_samples WHERE name = 'ingestion.poll_latency'"
        ),
        1
    );
    assert!(
        count(
            &db,
            "SELECT COUNT(DISTINCT json_extract(labels, '$.book')) FROM metrics_samples \
             WHERE name = 'ingestion.quote_freshness_seconds' AND value >= 0 AND value < 60"
        ) >= 5
    );

    // JSON lines for scripts.
    let out = Command::cargo_bin("nflreadpy-betting")
        .unwrap()
        .current_dir(root())
        .args([
            "ingest",
            "--interval",
            "0",
            "--retries",
            "0",
            "--log-format",
            "json",
            "--storage",
        ])
        .arg(&db)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(
            v.get("event").is_some() || v.get("summary").is_some(),
            "{line}"
        );
    }
}

#[test]
fn bad_flags_are_usage_errors() {
    let out = Command::cargo_bin("nflreadpy-betting")
        .unwrap()
        .current_dir(root())
        .args(["ingest", "--interval", "-1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = Command::cargo_bin("nflreadpy-betting")
        .unwrap()
        .current_dir(root())
        .args(["ingest", "--interval", "0", "--source", "pinnacle"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no enabled source of that type"));
}

#[test]
fn sigterm_stops_continuous_ingest_cleanly_after_committing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cont.sqlite3");
    let bin = assert_cmd::cargo::cargo_bin("nflreadpy-betting");
    let mut child = std::process::Command::new(bin)
        .current_dir(root())
        .args(["ingest", "--interval", "0.2", "--jitter", "0", "--storage"])
        .arg(&db)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut polls = 0;
    while polls < 3 {
        let line = lines.next().unwrap().unwrap();
        if line.contains("status=ok") {
            polls += 1;
        }
    }
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    for line in lines.map_while(Result::ok) {
        if line.contains("status=ok") {
            polls += 1;
        }
    }
    let code = child.wait().unwrap().code();
    assert_eq!(code, Some(0));
    // Every reported poll is committed; the file is consistent.
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM ingest_runs WHERE ok = 1"),
        polls
    );
    let conn = nflreadpy_betting::store::open_for_reading(&db, 5000).unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
}

/// Issue 13, item 9: `metrics.textfile` was honoured only behind `dashboard`/`serve`; the
/// batch jobs cron runs (`ingest`, `simulate`, `scan`) now write it too, atomically.
#[test]
fn batch_jobs_write_the_metrics_textfile() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("prom.sqlite3");
    for (args, family) in [
        (
            &["ingest", "--interval", "0", "--retries", "0"][..],
            "ingestion_success_rate{source=\"replay\"}",
        ),
        (
            &["simulate", "--iterations", "2000", "--no-bankroll"][..],
            "analytics_simulation_latency",
        ),
        (
            &["scan", "--iterations", "2000"][..],
            "analytics_edge_count",
        ),
    ] {
        let prom = dir.path().join(format!("{}.prom", args[0]));
        let out = Command::cargo_bin("nflreadpy-betting")
            .unwrap()
            .current_dir(root())
            .env_remove("NFLREADPY_BETTING_ENV")
            .env_remove("NFLREADPY_BETTING_CONFIG")
            .env("NFLREADPY_BETTING__metrics__textfile", &prom)
            .args(args)
            .arg("--storage")
            .arg(&db)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = std::fs::read_to_string(&prom)
            .unwrap_or_else(|e| panic!("{args:?}: no textfile at {}: {e}", prom.display()));
        assert!(text.contains(family), "{args:?}: {family} missing:\n{text}");
        // Nothing half-written is left beside it.
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }
}
