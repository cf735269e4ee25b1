//! The real-odds archive end to end through the binary: `backtest --odds DIR` in every format on
//! archive folders (a slice of the shipped one, a season laid out as one the product has never
//! seen, a damaged one), and `data import-odds DIR` into SQLite and PostgreSQL, twice.

mod common;
#[path = "common/pg.rs"]
mod pg;

use common::bin;
use nflreadpy_betting::config::Config;
use nflreadpy_betting::domain::{MarketKind, Scope, Selection};
use nflreadpy_betting::store::Store;
use pg::TestDb;
use serde_json::Value;
use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// An archive folder holding `weeks` of each season, copied from the shipped archive.
fn archive(dir: &Path, seasons: &[(i32, std::ops::RangeInclusive<i32>)]) -> PathBuf {
    let out = dir.join("odds");
    for (s, weeks) in seasons {
        let d = out.join(s.to_string());
        std::fs::create_dir_all(&d).unwrap();
        for w in weeks.clone() {
            let from = Path::new(ROOT).join(format!("data/odds/{s}/week_{w}.csv"));
            std::fs::copy(&from, d.join(format!("week_{w}.csv"))).unwrap();
        }
    }
    out
}

/// What a successful run of the binary printed.
fn stdout(args: &[&str]) -> String {
    let out = bin().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn json(args: &[&str]) -> Value {
    serde_json::from_str(&stdout(args)).unwrap()
}

fn is_estimate(v: &Value) -> bool {
    ["n", "mean", "ci95_low", "ci95_high"]
        .iter()
        .all(|k| v.get(k).is_some())
}

#[test]
fn backtest_odds_prints_every_figure_with_intervals() {
    let tmp = tempfile::tempdir().unwrap();
    // A full regular season, then the first weeks of the next: enough earlier pairs for the
    // move model of the second season.
    let dir = archive(tmp.path(), &[(2018, 1..=17), (2019, 1..=2)]);
    let d = json(&[
        "backtest",
        "--odds",
        dir.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(d["schema"], "nflreadpy-betting/evaluation/1");
    assert_eq!(d["archive"]["seasons"], serde_json::json!([2018, 2019]));
    assert_eq!(d["archive"]["games"], 256 + 32);
    assert_eq!(d["archive"]["joined"], 256 + 32);
    let t = &d["total"];
    for p in [
        "opener",
        "close_consensus",
        "model_open",
        "model_kickoff",
        "blend_open",
        "blend_close",
    ] {
        assert!(is_estimate(&t["probabilities"][p]["brier"]), "{p}");
        assert!(is_estimate(&t["probabilities"][p]["log_loss"]), "{p}");
    }
    // The closing consensus forecasts better than the advance opener.
    let b = |p: &str| t["probabilities"][p]["brier"]["mean"].as_f64().unwrap();
    assert!(b("close_consensus") < b("opener") + 0.01);
    for axis in ["moneyline", "spread", "total"] {
        let m = &t["movement"][axis];
        assert!(m["correlation"]["r"].as_f64().is_some(), "{axis}");
        assert!(is_estimate(&m["all"]["toward_model"]));
        assert_eq!(m["by_disagreement"].as_array().unwrap().len(), 4);
    }
    for rule in [
        "opener_bets",
        "model_opener_bets",
        "move_model_bets",
        "line_shopping",
    ] {
        let f = &t[rule];
        assert!(is_estimate(&f["all"]["clv_points"]), "{rule}");
        assert!(is_estimate(&f["all"]["roi_percent"]), "{rule}");
        assert_eq!(f["by_market"].as_array().unwrap().len(), 3, "{rule}");
    }
    // Opener bets carry a CLV; line shopping (made at the close) does not.
    assert!(t["model_opener_bets"]["all"]["bets"].as_u64().unwrap() > 50);
    assert_eq!(
        t["model_opener_bets"]["all"]["clv_points"]["n"],
        t["model_opener_bets"]["all"]["bets"]
    );
    assert_eq!(t["line_shopping"]["all"]["clv_points"]["n"], 0);
    assert!(!t["line_shopping"]["by_book"].as_array().unwrap().is_empty());
    // The move model exists only where earlier seasons do, and bets only there.
    assert!(d["move_models"]["2018"].is_null());
    assert!(d["move_models"]["2019"]["total"]["slope"]
        .as_f64()
        .is_some());
    let by_season = d["by_season"].as_array().unwrap();
    assert_eq!(by_season[0]["move_model_bets"]["all"]["bets"], 0);
    assert!(t["cross_book"]["boards"].as_u64().unwrap() == 288);
    assert!(d["books"]
        .as_array()
        .unwrap()
        .iter()
        .any(|b| b["book"] == "book-8"));
    // Seasons 2018 have no earlier archive season: every book is unrated there.
    assert!(d["books"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["season"] == 2018)
        .all(|b| b["class"] == "unrated"));
}

#[test]
fn a_season_never_seen_and_a_damaged_file_are_read_as_the_layout_says() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = archive(tmp.path(), &[(2024, 1..=1)]);
    // A bad price and a row whose partner is missing: quarantined, the rest evaluated.
    let f = dir.join("2024/week_1.csv");
    let text = std::fs::read_to_string(&f).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let cols: Vec<&str> = lines[0].split(',').collect();
    let ml = cols.iter().position(|c| *c == "9_moneyline").unwrap();
    let mut row: Vec<String> = lines[1].split(',').map(str::to_string).collect();
    row[ml] = "0".into();
    lines[1] = row.join(",");
    lines.remove(lines.len() - 1);
    std::fs::write(&f, lines.join("\n") + "\n").unwrap();
    let d = json(&[
        "backtest",
        "--odds",
        dir.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(d["archive"]["seasons"], serde_json::json!([2024]));
    assert_eq!(
        d["archive"]["games"], 15,
        "the game missing a row is not loaded"
    );
    let rejected: Vec<String> = d["archive"]["rejected_first"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert!(
        rejected
            .iter()
            .any(|r| r.contains("2024/week_1.csv line 2, column 9_moneyline")),
        "{rejected:?}"
    );
    assert!(
        rejected.iter().any(|r| r.contains("1 rows")),
        "{rejected:?}"
    );
    assert!(d["move_models"]["2024"].is_null());

    // The CSV: one row per figure with its interval; the table names the sections.
    let csv = stdout(&[
        "backtest",
        "--odds",
        dir.to_str().unwrap(),
        "--format",
        "csv",
    ]);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("season,figure,n,value,ci95_low,ci95_high")
    );
    assert!(csv
        .lines()
        .any(|l| l.starts_with("all,move_model_bets.by_market.total.clv_points,")));
    assert!(csv
        .lines()
        .any(|l| l.starts_with("2024,probabilities.opener.brier,")));
    let text = stdout(&[
        "backtest",
        "--odds",
        dir.to_str().unwrap(),
        "--format",
        "table",
    ]);
    for section in [
        "Moneyline Brier",
        "Line shopping at the close",
        "Arbitrage and middles",
        "Books over every season",
    ] {
        assert!(text.contains(section), "{section}:\n{text}");
    }

    // A file without the opener's columns: exit 2, the file named.
    std::fs::write(&f, "game_id,season,week,team\n1,2024,1,Dallas\n").unwrap();
    let out = bin()
        .args(["backtest", "--odds", dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("2024/week_1.csv") && err.contains("opening_moneyline"),
        "{err}"
    );
    // No archive at all.
    let out = bin()
        .args([
            "backtest",
            "--odds",
            tmp.path().join("nowhere").to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// Imports a week twice through the binary into `url`, then reads the odds paths back.
async fn import_twice(url: &str, odds: &Path) {
    let run = || {
        json(&[
            "--storage",
            url,
            "data",
            "import-odds",
            odds.to_str().unwrap(),
            "--format",
            "json",
        ])
    };
    let first = run();
    assert_eq!(first["games_read"], 14);
    assert_eq!(first["games_imported"], 14);
    assert!(first["history_rows_added"].as_u64().unwrap() > 14 * 6 * 5);
    let second = run();
    assert_eq!(second["games_imported"], 0, "{second}");
    assert_eq!(second["games_already_stored"], 14);
    assert_eq!(second["history_rows_added"], 0);

    let mut cfg = Config::default();
    cfg.storage.url = Some(url.to_string());
    let (store, _) = Store::open(&cfg, false).await.unwrap();
    let events = store.events().await.unwrap();
    let ev = events
        .iter()
        .find(|e| e.event_id == "2023_10_CAR_CHI")
        .expect("the imported Thursday game");
    // The opener's book: its opener, then its close, in that order.
    let path = store
        .history(
            ev.event_id.clone(),
            MarketKind::Total,
            Scope::Game,
            Selection::Over,
            Some("book-8".into()),
            10,
        )
        .await
        .unwrap();
    assert!(path.len() >= 2, "{path:?}");
    let mut stamps: Vec<i64> = path.iter().map(|q| q.observed_ms).collect();
    stamps.sort_unstable();
    assert!(
        stamps[0] < ev.commence_ms - 86_400_000,
        "the opener was posted days before"
    );
    assert_eq!(*stamps.last().unwrap(), ev.commence_ms - 5 * 60_000);
    let close = store
        .closing_quotes(ev.event_id.clone(), ev.commence_ms)
        .await
        .unwrap();
    let books: std::collections::BTreeSet<&str> = close.iter().map(|q| q.book.as_str()).collect();
    assert!(books.len() >= 8, "{books:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_odds_into_sqlite_is_idempotent() {
    let tmp = tempfile::tempdir().unwrap();
    let odds = archive(tmp.path(), &[(2023, 10..=10)]);
    let url = format!("sqlite:{}", tmp.path().join("store.sqlite3").display());
    import_twice(&url, &odds).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_odds_into_postgres_is_idempotent() {
    let Some(db) = TestDb::new("import_odds").await else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let odds = archive(tmp.path(), &[(2023, 10..=10)]);
    import_twice(&db.url, &odds).await;
    db.drop_db().await;
}
