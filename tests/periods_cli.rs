//! Period scores from the command line: `data import-periods` checks a file like the games file
//! and puts it beside the games file, `data status` reports it, and `backtest --periods FILE
//! --format json` scores every half and quarter market on it in the documented shape.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The binary from the repository root, its games file pointed at `games`.
fn cli(games: &Path, args: &[&str]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_nflreadpy-betting"));
    c.current_dir(ROOT);
    for (k, _) in std::env::vars() {
        if k.starts_with("NFLREADPY_BETTING") {
            c.env_remove(k);
        }
    }
    c.env("NFLREADPY_BETTING__analytics__ratings__games_path", games)
        .args(args)
        .output()
        .expect("the binary runs")
}

fn temp_games() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let games = dir.path().join("games.csv");
    std::fs::copy(Path::new(ROOT).join("data/games.csv"), &games).unwrap();
    (dir, games)
}

#[test]
fn import_checks_the_file_and_status_reports_it() {
    let (dir, games) = temp_games();
    let o = cli(&games, &["data", "status"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("absent (optional"), "{}", text(&o));

    // A row whose quarters do not sum to the final: exit 1, nothing written.
    let shipped = std::fs::read_to_string(Path::new(ROOT).join("data/periods.csv")).unwrap();
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        shipped.replacen(
            "2025_12_ATL_NO,2025,12,0,7,0,3,0,",
            "2025_12_ATL_NO,2025,12,0,7,0,6,0,",
            1,
        ),
    )
    .unwrap();
    let o = cli(&games, &["data", "import-periods", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let msg = text(&o);
    assert!(
        msg.contains("bad.csv:2") && msg.contains("periods sum to 13-24, the final is 10-24"),
        "{msg}"
    );
    assert!(!dir.path().join("periods.csv").exists());

    // A malformed value names line and column.
    let malformed = shipped.replacen("2025_12_TB_LA,2025,12,14,", "2025_12_TB_LA,2025,12,x,", 1);
    assert_ne!(malformed, shipped);
    std::fs::write(&bad, malformed).unwrap();
    let o = cli(&games, &["data", "import-periods", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let msg = text(&o);
    assert!(
        msg.contains("bad.csv:15") && msg.contains("\"home_q1\" has \"x\", expected an integer"),
        "{msg}"
    );

    let good = Path::new(ROOT).join("data/periods/period_scores_2025_week12.csv");
    let o = cli(&games, &["data", "import-periods", good.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("imported 14 games"), "{}", text(&o));
    let o = cli(&games, &["data", "status", "--format", "json"]);
    let st: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(st["periods"]["games"], 14, "{st}");
    assert!(st["periods"]["error"].is_null(), "{st}");
}

#[test]
fn backtest_periods_json_has_the_documented_shape() {
    let games = Path::new(ROOT).join("data/games.csv");
    let file = Path::new(ROOT).join("data/periods.csv");
    let o = cli(
        &games,
        &[
            "backtest",
            "--periods",
            file.to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["schema"], "nflreadpy-betting/period-backtest/1");
    assert_eq!(r["games"], 14);
    let scopes: Vec<&str> = r["by_scope"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["slice"].as_str().unwrap())
        .collect();
    assert_eq!(scopes, ["1q", "2q", "3q", "4q", "1h", "2h"]);
    for forecast in ["model", "market", "blend"] {
        let f = &r["all"][forecast];
        assert!(f["brier"].as_f64().unwrap() > 0.0, "{f}");
        let bins = f["calibration"].as_array().unwrap();
        assert_eq!(bins.len(), 10);
        let n: u64 = bins.iter().map(|b| b["n"].as_u64().unwrap()).sum();
        assert_eq!(n, f["n"].as_u64().unwrap());
        for b in bins.iter().filter(|b| b["n"].as_u64().unwrap() > 0) {
            let p = b["mean_predicted"].as_f64().unwrap();
            assert!((0.0..=1.0).contains(&p), "{b}");
        }
    }
    // A file with an unknown game is refused naming the line.
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("p.csv");
    std::fs::write(
        &bad,
        "game_id,season,week,home_q1,home_q2,home_q3,home_q4,home_ot,away_q1,away_q2,away_q3,away_q4,away_ot\nnope,2025,12,0,0,0,0,0,0,0,0,0,0\n",
    )
    .unwrap();
    let o = cli(&games, &["backtest", "--periods", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("p.csv:2") && text(&o).contains("not in the games file"));
}
