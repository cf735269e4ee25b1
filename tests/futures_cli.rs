//! `futures` through the real binary on `data/games.csv`: the JSON is byte-identical for a
//! fixed seed whatever the thread count, its probabilities add up as a season's must, a finished
//! season reproduces what happened, the table fits 80 columns and bad input exits 2.

use assert_cmd::Command;
use serde_json::Value;
use std::path::PathBuf;

fn run(args: &[&str], threads: &str) -> (i32, String, String) {
    let out = Command::cargo_bin("nflreadpy-betting")
        .unwrap()
        .current_dir(PathBuf::from(env!("CARGO_MANIFEST_DIR")))
        .env_remove("NFLREADPY_BETTING_ENV")
        .env_remove("NFLREADPY_BETTING_CONFIG")
        .env("RAYON_NUM_THREADS", threads)
        .arg("futures")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const ARGS: [&str; 7] = [
    "--as-of",
    "2024-11-01",
    "--format",
    "json",
    "--simulations",
    "3000",
    "--seed",
];

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn json_is_byte_identical_across_runs_and_thread_counts() {
    let args: Vec<&str> = ARGS.iter().copied().chain(["7"]).collect();
    let (c1, one, err) = run(&args, "1");
    assert_eq!(c1, 0, "{err}");
    let (c2, two, _) = run(&args, "2");
    let (c3, again, _) = run(&args, "2");
    assert_eq!((c2, c3), (0, 0));
    assert_eq!(one, two, "1 vs 2 threads");
    assert_eq!(two, again, "two runs");
    let other: Vec<&str> = ARGS.iter().copied().chain(["8"]).collect();
    assert_ne!(run(&other, "2").1, one, "the seed matters");
}

#[test]
fn a_season_s_probabilities_add_up() {
    let args: Vec<&str> = ARGS.iter().copied().chain(["3"]).collect();
    let (code, out, err) = run(&args, "2");
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["schema"], "nflreadpy-betting/futures/1");
    assert_eq!(v["season"], 2024);
    assert_eq!(v["as_of"], "2024-11-01");
    assert_eq!(v["playoff_seeds"], 7);
    let teams = v["teams"].as_array().unwrap();
    assert_eq!(teams.len(), 32);
    let f = |t: &Value, k: &str| t[k].as_f64().unwrap();
    let sum = |k: &str| teams.iter().map(|t| f(t, k)).sum::<f64>();
    assert!(close(sum("p_division"), 8.0));
    assert!(close(sum("p_playoffs"), 14.0));
    assert!(close(sum("p_conference_game"), 4.0));
    assert!(close(sum("p_conference"), 2.0));
    assert!(close(sum("p_super_bowl"), 1.0));
    assert!(close(sum("p_first_pick"), 1.0));
    for conf in ["AFC", "NFC"] {
        for s in 0..7 {
            let p: f64 = teams
                .iter()
                .filter(|t| t["conference"] == conf)
                .map(|t| t["p_seed"][s].as_f64().unwrap())
                .sum();
            assert!(close(p, 1.0), "{conf} seed {}", s + 1);
        }
    }
    for t in teams {
        let wins: Vec<f64> = t["wins"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect();
        assert_eq!(wins.len(), 2 * 17 + 1);
        assert!(close(wins.iter().sum(), 1.0));
        let seeds: f64 = t["p_seed"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .sum();
        assert!(close(seeds, f(t, "p_playoffs")), "{}", t["team"]);
        assert!(f(t, "p_division") <= f(t, "p_playoffs") + 1e-12);
        assert!(f(t, "p_super_bowl") <= f(t, "p_conference") + 1e-12);
        // Nobody finishes below the wins already banked.
        let now = f(t, "current_wins");
        let below: f64 = wins[..(2.0 * now) as usize].iter().sum();
        assert_eq!(below, 0.0, "{}", t["team"]);
    }
}

#[test]
fn a_finished_regular_season_reproduces_what_happened() {
    // After week 18 of 2023: every division winner and playoff club is settled by the results
    // and the tiebreakers (nflseedR's snapshot: data/standings/).
    let (code, out, err) = run(
        &[
            "--as-of",
            "2024-01-10",
            "--format",
            "json",
            "--simulations",
            "500",
        ],
        "2",
    );
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let oracle = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/data/standings/nflseedR_standings_2008_2023.csv"
    ))
    .unwrap();
    let mut checked = 0;
    for line in oracle.lines().filter(|l| l.starts_with("2023,")) {
        let c: Vec<&str> = line.split(',').collect();
        let (team, div_rank, conf_rank) = (c[1], c[17], c[19]);
        let t = v["teams"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["team"] == team)
            .unwrap();
        let division = if div_rank == "1" { 1.0 } else { 0.0 };
        assert_eq!(t["p_division"].as_f64(), Some(division), "{team}");
        let seed: usize = conf_rank.parse().unwrap();
        let made = if seed <= 7 { 1.0 } else { 0.0 };
        assert_eq!(t["p_playoffs"].as_f64(), Some(made), "{team}");
        if seed <= 7 {
            assert_eq!(t["p_seed"][seed - 1].as_f64(), Some(1.0), "{team}");
        }
        checked += 1;
    }
    assert_eq!(checked, 32);
}

#[test]
fn the_table_fits_80_columns() {
    let (code, out, err) = run(&["--as-of", "2024-11-01", "--simulations", "500"], "2");
    assert_eq!(code, 0, "{err}");
    assert!(out.lines().count() > 32);
    for line in out.lines() {
        assert!(line.chars().count() <= 80, "{} wide: {line}", line.len());
    }
    assert!(out.contains("KC ") && out.contains("AFC West"));
}

#[test]
fn bad_input_is_a_usage_error_naming_what_was_wrong() {
    for (args, needle) in [
        (
            vec!["--as-of", "2024-13-45"],
            "--as-of expects a date YYYY-MM-DD",
        ),
        (
            vec!["--simulations", "0"],
            "--simulations expects 1 to 1000000",
        ),
        (
            vec!["--simulations", "5000000"],
            "--simulations expects 1 to 1000000",
        ),
        (
            vec!["--as-of", "2031-10-01"],
            "no regular-season games of season 2031",
        ),
        (
            vec!["--as-of", "1990-10-01"],
            "no regular-season games of season 1990",
        ),
        (vec!["--calibrate", "--format", "csv"], "--calibrate prints"),
        (
            vec![
                "--calibrate",
                "--start-season",
                "2020",
                "--end-season",
                "2019",
            ],
            "--start-season 2020 is after --end-season 2019",
        ),
    ] {
        let (code, out, err) = run(&args, "2");
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        assert!(err.contains(needle), "{args:?}: {err}");
    }
}
