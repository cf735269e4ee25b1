//! The whole bet lifecycle offline: a headless replay at high compression paper-trades its
//! alerted edges, takes each game off the board at kickoff, records closing-line value, and
//! grades the bets when the replay's finals (the scores in data/games.csv) arrive: full games on
//! the final, halves and quarters on the period scores of data/periods.csv (2025 week 12, the
//! replay's week). Every settled bet's P&L is recomputed here by hand from its price, stake and
//! the score of its scope.

use std::collections::HashMap;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_nflreadpy-betting");

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// (home, away) final scores by game id, read straight from the CSV.
fn finals() -> HashMap<String, (f64, f64)> {
    let csv = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/data/games.csv"))
        .expect("data/games.csv");
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (id, hs, aw) = (col("game_id"), col("home_score"), col("away_score"));
    lines
        .filter_map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            Some((
                f[id].to_string(),
                (f.get(hs)?.parse().ok()?, f.get(aw)?.parse().ok()?),
            ))
        })
        .collect()
}

/// Quarter and overtime points `[q1, q2, q3, q4, ot]` (home, away) by game id, straight from
/// data/periods.csv.
fn periods() -> HashMap<String, ([f64; 5], [f64; 5])> {
    let csv = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/data/periods.csv"))
        .expect("data/periods.csv");
    csv.lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let n = |i: usize| f[i].parse::<f64>().unwrap();
            (
                f[0].to_string(),
                (
                    [n(3), n(4), n(5), n(6), n(7)],
                    [n(8), n(9), n(10), n(11), n(12)],
                ),
            )
        })
        .collect()
}

/// (home, away) points in a scope; the second half counts overtime (the shipped config).
fn scope_score(scope: &str, p: &([f64; 5], [f64; 5])) -> (f64, f64) {
    let parts: &[usize] = match scope {
        "1h" => &[0, 1],
        "2h" => &[2, 3, 4],
        "1q" => &[0],
        "2q" => &[1],
        "3q" => &[2],
        "4q" => &[3],
        other => panic!("unexpected scope {other}"),
    };
    (
        parts.iter().map(|&i| p.0[i]).sum(),
        parts.iter().map(|&i| p.1[i]).sum(),
    )
}

/// A listed bet's status by hand from the game's final score.
fn status_by_hand(b: &serde_json::Value, home: f64, away: f64) -> &'static str {
    let sign = by_hand(
        b["market"].as_str().unwrap(),
        b["selection"].as_str().unwrap(),
        b["line"].as_f64(),
        home,
        away,
    );
    if sign > 0.0 {
        "won"
    } else if sign < 0.0 {
        "lost"
    } else {
        "push"
    }
}

/// The grade of a full-game bet, by the rules a sportsbook states: >0 won, <0 lost, 0 push.
fn by_hand(market: &str, sel: &str, line: Option<f64>, home: f64, away: f64) -> f64 {
    let l = line.unwrap_or(0.0);
    match (market, sel) {
        ("moneyline", "home") => home - away,
        ("moneyline", "away") => away - home,
        ("moneyline_3way", "home") => (home > away) as i32 as f64 * 2.0 - 1.0,
        ("moneyline_3way", "away") => (away > home) as i32 as f64 * 2.0 - 1.0,
        ("moneyline_3way", "tie") => (home == away) as i32 as f64 * 2.0 - 1.0,
        ("spread" | "spread_alt", "home") => home - away + l,
        ("spread" | "spread_alt", "away") => away - home + l,
        ("total" | "total_alt", "over") => home + away - l,
        ("total" | "total_alt", "under") => l - home - away,
        ("team_total", "home_over") => home - l,
        ("team_total", "home_under") => l - home,
        ("team_total", "away_over") => away - l,
        ("team_total", "away_under") => l - away,
        other => panic!("unexpected market {other:?}"),
    }
}

/// The binary on this test's config and store, run from the repository root.
fn cli(config: &std::path::Path, db: &std::path::Path) -> Command {
    let mut c = Command::new(BIN);
    c.current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("--config")
        .arg(config)
        .arg("--storage")
        .arg(db);
    c
}

#[test]
fn headless_replay_settles_paper_bets_and_reports_clv() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("lifecycle.sqlite3");
    let games = concat!(env!("CARGO_MANIFEST_DIR"), "/data/games.csv");
    // A 20 s market per game (144 simulated hours at 25,920x), then 10 s off the board: in
    // 60 s every game kicks off about twice. Where the replay stands depends on the wall
    // clock, so any edge over 1% alerts and is paper-traded.
    let config = dir.path().join("betting.yaml");
    std::fs::write(
        &config,
        format!(
            "sources:\n  - type: replay\n    games_path: {games}\n    time_compression: 25920.0\n    market_hours: 144.0\n\
             analytics:\n  value_threshold: 0.01\n  ratings:\n    games_path: {games}\n  periods:\n    gate:\n      enabled: false\n\
             alerts:\n  rules:\n    new_edge_min_ev: 0.01\n\
             ingestion:\n  scheduler:\n    interval_seconds: 1.0\n"
        ),
    )
    .unwrap();
    let o = cli(&config, &db)
        .args(["dashboard", "--headless", "--duration", "60s"])
        .output()
        .unwrap();
    // Exit 1 only says the last snapshot missed a health target.
    assert!(
        matches!(o.status.code(), Some(0 | 1)),
        "{:?}: {}",
        o.status,
        text(&o)
    );
    let list = cli(&config, &db)
        .args(["bets", "list", "--paper", "--format", "json"])
        .output()
        .unwrap();
    assert!(list.status.success(), "{}", text(&list));
    let bets: Vec<serde_json::Value> = serde_json::from_slice(&list.stdout).unwrap();
    let finals = finals();
    let settled: Vec<&serde_json::Value> = bets
        .iter()
        .filter(|b| matches!(b["status"].as_str(), Some("won" | "lost" | "push")))
        .collect();
    let log_tail: String = text(&o)
        .lines()
        .rev()
        .take(40)
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        !settled.is_empty(),
        "no paper bet settled in 60 s ({} bets):\n{log_tail}",
        bets.len()
    );
    let periods = periods();
    for b in &settled {
        let id = b["event_id"].as_str().unwrap();
        let (home, away) = match b["scope"].as_str().unwrap() {
            "game" => finals[id],
            scope => {
                let p = periods
                    .get(id)
                    .unwrap_or_else(|| panic!("a period bet settled without period scores: {b}"));
                scope_score(scope, p)
            }
        };
        let (d, stake) = (b["decimal"].as_f64().unwrap(), b["stake"].as_f64().unwrap());
        let status = status_by_hand(b, home, away);
        let pnl = match status {
            "won" => stake * (d - 1.0),
            "lost" => -stake,
            _ => 0.0,
        };
        assert_eq!(b["status"], status, "{b} final {home}-{away}");
        let got = b["pnl"].as_f64().unwrap();
        assert!((got - pnl).abs() < 1e-9, "{b}: pnl {got} by hand {pnl}");
    }
    // Halves and quarters settle from the period scores (the gate is off here so period
    // edges are paper-traded at the same 1% as full games); a game without period scores
    // would leave them ungraded, with the reason.
    let period_settled = settled.iter().filter(|b| b["scope"] != "game").count();
    assert!(
        period_settled > 0,
        "no half or quarter bet settled ({} bets):\n{log_tail}",
        bets.len()
    );
    for b in bets.iter().filter(|b| b["status"] == "ungraded") {
        assert_ne!(b["scope"], "game", "{b}");
        assert!(
            !periods.contains_key(b["event_id"].as_str().unwrap()),
            "{b}"
        );
        assert!(b["pnl"].is_null(), "{b}");
    }
    // Closing-line value on every bet whose game kicked off while the engine watched it.
    let valued = bets
        .iter()
        .filter(|b| b["clv_book"].is_number() || b["clv_consensus"].is_number())
        .count();
    assert!(valued > 0, "no CLV recorded:\n{log_tail}");
    for b in &bets {
        for k in ["clv_book", "clv_consensus"] {
            if let Some(c) = b[k].as_f64() {
                assert!(c.abs() < 0.5, "implausible {k}: {b}");
            }
        }
    }
    // The report agrees with the ledger, and reports the CLV with its interval.
    let rep = cli(&config, &db)
        .args(["bets", "report", "--by", "book", "--format", "json"])
        .output()
        .unwrap();
    assert!(rep.status.success(), "{}", text(&rep));
    let r: serde_json::Value = serde_json::from_slice(&rep.stdout).unwrap();
    let total = &r["total"];
    assert_eq!(total["settled"], settled.len(), "{total}");
    let pnl: f64 = settled.iter().map(|b| b["pnl"].as_f64().unwrap()).sum();
    assert!(
        (total["pnl"].as_f64().unwrap() - pnl).abs() < 1e-6,
        "{total}"
    );
    let staked: f64 = settled.iter().map(|b| b["stake"].as_f64().unwrap()).sum();
    assert!((total["roi"].as_f64().unwrap() - pnl / staked).abs() < 1e-9);
    let clv = &total["clv_consensus"];
    let (lo, mean, hi) = (
        clv["ci95_low"].as_f64().unwrap(),
        clv["mean"].as_f64().unwrap(),
        clv["ci95_high"].as_f64().unwrap(),
    );
    assert!(lo <= mean && mean <= hi, "{clv}");
    let beat = total["beat_close"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&beat));
    let by_book: u64 = r["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["count"].as_u64().unwrap())
        .sum();
    assert_eq!(by_book, total["count"].as_u64().unwrap());
    eprintln!(
        "report: {} bets, {} settled, P&L {:.2} on {:.2} staked, CLV {:+.4} [{:+.4}, {:+.4}], {:.0}% beat the close",
        total["count"], total["settled"], pnl, staked, mean, lo, hi, beat * 100.0
    );
    eprintln!(
        "{} paper bets, {} settled ({} on halves and quarters), {} with CLV",
        bets.len(),
        settled.len(),
        period_settled,
        valued
    );
}

/// Spawns the binary with stderr collected line by line, so a test can wait for a log line.
fn spawn_logged(
    args: &[&std::ffi::OsStr],
) -> (
    std::process::Child,
    std::sync::Arc<std::sync::Mutex<String>>,
) {
    use std::io::BufRead;
    let mut child = Command::new(BIN)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let sink = log.clone();
    let err = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(err).lines().map_while(Result::ok) {
            if let Ok(mut l) = sink.lock() {
                l.push_str(&line);
                l.push('\n');
            }
        }
    });
    (child, log)
}

/// Waits (generously: a busy 2-core box) until the log holds `what`.
fn wait_for(log: &std::sync::Mutex<String>, what: &str, secs: u64) -> bool {
    wait_until(log, |l| l.contains(what), secs)
}

fn wait_until(log: &std::sync::Mutex<String>, ok: impl Fn(&str) -> bool, secs: u64) -> bool {
    let until = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    while std::time::Instant::now() < until {
        if log.lock().map(|l| ok(&l)).unwrap_or(false) {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    false
}

/// `data update` swaps the games file under a running engine: it refits in the background
/// and grades the bets whose results only the new file has, without a restart.
#[test]
fn a_running_engine_refits_on_a_new_games_file_and_grades_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("refit.sqlite3");
    let shipped = concat!(env!("CARGO_MANIFEST_DIR"), "/data/games.csv");
    let full = std::fs::read_to_string(shipped).unwrap();
    // The old file: the replayed weeks not played yet (no scores).
    let header: Vec<&str> = full.lines().next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (season, week, hs, aw) = (
        col("season"),
        col("week"),
        col("home_score"),
        col("away_score"),
    );
    let old: String = full
        .lines()
        .enumerate()
        .map(|(i, l)| {
            let mut f: Vec<&str> = l.split(',').collect();
            if i > 0 && f[season] == "2025" && f[week].parse::<i32>().unwrap_or(0) >= 12 {
                f[hs] = "";
                f[aw] = "";
            }
            f.join(",") + "\n"
        })
        .collect();
    assert_ne!(old.len(), full.len());
    let games = dir.path().join("games.csv");
    std::fs::write(&games, &old).unwrap();
    let config = dir.path().join("betting.yaml");
    std::fs::write(
        &config,
        format!(
            "sources:\n  - type: replay\n    games_path: {shipped}\n    time_compression: 25920.0\n\
             analytics:\n  value_threshold: 0.01\n  ratings:\n    games_path: {}\n\
             alerts:\n  rules:\n    new_edge_min_ev: 0.01\n\
             ingestion:\n  scheduler:\n    interval_seconds: 1.0\n",
            games.display()
        ),
    )
    .unwrap();
    let (mut child, log) = spawn_logged(&[
        "--config".as_ref(),
        config.as_os_str(),
        "--storage".as_ref(),
        db.as_os_str(),
        "dashboard".as_ref(),
        "--headless".as_ref(),
        "--duration".as_ref(),
        "240s".as_ref(),
    ]);
    // Games kick off and their bets are valued at the close, but nothing grades: the file has
    // no final for them.
    let valued = wait_for(&log, "closing-line value recorded", 60);
    let text = || log.lock().unwrap().clone();
    assert!(valued, "no bet reached its close:\n{}", text());
    assert!(!text().contains("bet graded"), "{}", text());
    // data update's swap: a new file renamed over the old one.
    let fresh = dir.path().join("games.csv.new");
    std::fs::write(&fresh, &full).unwrap();
    std::fs::rename(&fresh, &games).unwrap();
    assert!(
        wait_for(&log, "ratings refitted from the new games file", 60),
        "no refit:\n{}",
        text()
    );
    // A half or quarter bet "grades" to ungraded (no period scores): wait for a decided one.
    let decided = |l: &str| {
        l.lines().any(|line| {
            line.contains("bet graded")
                && ["won", "lost", "push"].iter().any(|s| {
                    line.contains(&format!("status={s}"))
                        || line.contains(&format!("status=\"{s}\""))
                })
        })
    };
    assert!(
        wait_until(&log, decided, 60),
        "nothing graded won, lost or push:\n{}",
        text()
    );
    let _ = child.kill();
    let _ = child.wait();
    let list = cli(&config, &db)
        .args(["bets", "list", "--format", "json"])
        .output()
        .unwrap();
    let bets: Vec<serde_json::Value> = serde_json::from_slice(&list.stdout).unwrap();
    let finals = finals();
    let mut settled = 0;
    for b in bets
        .iter()
        .filter(|b| matches!(b["status"].as_str(), Some("won" | "lost" | "push")))
    {
        settled += 1;
        let (home, away) = finals[b["event_id"].as_str().unwrap()];
        assert_eq!(b["status"], status_by_hand(b, home, away), "{b}");
    }
    assert!(settled > 0);
}
