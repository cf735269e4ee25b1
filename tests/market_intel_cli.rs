//! Hand-made boards with known answers fed through the file-drop source (CSV) into
//! `scan --kind ... --format json`: the whole path from a feed file to the printed answer.

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("a clock after 1970")
        .as_millis() as i64
}

/// Three games of the shipped schedule, each with one board:
/// - DAL@PHI moneyline +110 / +110 at two books: a 5% arbitrage;
/// - KC@LAC home -2.5 at draftkings, away +3.5 at fanduel: a middle on a margin of 3;
/// - TB@ATL pinnacle moves home -3 to -3.5 at t0, draftkings follows 40 s later, bovada never.
fn boards(now: i64) -> String {
    let t0 = now - 300_000;
    let mut rows = vec!["event_id,book,market,scope,selection,line,price,observed_at".to_string()];
    let mut row =
        |ev: &str, book: &str, market: &str, sel: &str, line: &str, price: &str, t: i64| {
            rows.push(format!(
                "{ev},{book},{market},game,{sel},{line},{price},{t}"
            ));
        };
    let arb = "2025_01_DAL_PHI";
    row(
        arb,
        "fanduel",
        "moneyline",
        "home",
        "",
        "+110",
        now - 10_000,
    );
    row(
        arb,
        "fanduel",
        "moneyline",
        "away",
        "",
        "-130",
        now - 10_000,
    );
    row(arb, "betmgm", "moneyline", "home", "", "-130", now - 10_000);
    row(arb, "betmgm", "moneyline", "away", "", "+110", now - 10_000);
    let mid = "2025_01_KC_LAC";
    row(
        mid,
        "draftkings",
        "spread",
        "home",
        "-2.5",
        "-110",
        now - 10_000,
    );
    row(
        mid,
        "draftkings",
        "spread",
        "away",
        "2.5",
        "-110",
        now - 10_000,
    );
    row(
        mid,
        "fanduel",
        "spread",
        "home",
        "-3.5",
        "-110",
        now - 10_000,
    );
    row(
        mid,
        "fanduel",
        "spread",
        "away",
        "3.5",
        "-110",
        now - 10_000,
    );
    let st = "2025_01_TB_ATL";
    for (book, price) in [
        ("pinnacle", "-105"),
        ("draftkings", "-110"),
        ("bovada", "-110"),
    ] {
        row(st, book, "spread", "home", "-3.0", price, t0 - 100_000);
        row(st, book, "spread", "away", "3.0", price, t0 - 100_000);
    }
    row(st, "pinnacle", "spread", "home", "-3.5", "-105", t0);
    row(st, "pinnacle", "spread", "away", "3.5", "-105", t0);
    row(
        st,
        "draftkings",
        "spread",
        "home",
        "-3.5",
        "-110",
        t0 + 40_000,
    );
    row(
        st,
        "draftkings",
        "spread",
        "away",
        "3.5",
        "-110",
        t0 + 40_000,
    );
    rows.join("\n") + "\n"
}

fn scan(kind: &str, db: &Path, drop: &Path) -> Value {
    let out = Command::cargo_bin("nflreadpy-betting")
        .expect("the binary")
        .current_dir(root())
        .env_remove("NFLREADPY_BETTING_ENV")
        .env_remove("NFLREADPY_BETTING_CONFIG")
        .env("NFLREADPY_BETTING__sources__0__enabled", "false")
        .env("NFLREADPY_BETTING__sources__2__enabled", "true")
        .env("NFLREADPY_BETTING__sources__2__directory", drop)
        // List every middle, whatever its EV, so the known pair shows up.
        .env("NFLREADPY_BETTING__analytics__markets__middle_min_ev", "-1")
        .args([
            "scan",
            "--iterations",
            "0",
            "--kind",
            kind,
            "--format",
            "json",
        ])
        .arg("--storage")
        .arg(db)
        .output()
        .expect("scan runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "scan --kind {kind}: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

#[test]
fn file_drop_boards_come_out_of_scan_with_their_known_answers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let drop = dir.path().join("drop");
    std::fs::create_dir_all(&drop).expect("drop dir");
    std::fs::write(drop.join("boards.csv"), boards(now_ms())).expect("csv");
    let db = dir.path().join("intel.sqlite3");

    // The first scan polls the drop directory into the store; the rest read the store.
    let arb = scan("arb", &db, &drop);
    assert_eq!(arb["kind"], "arb");
    let arbs = arb["arbitrage"].as_array().expect("arbitrage list");
    assert_eq!(arbs.len(), 1, "{arb:#}");
    let a = &arbs[0];
    assert_eq!(a["event_id"], "2025_01_DAL_PHI");
    assert!((a["ret"].as_f64().expect("ret") - 0.05).abs() < 1e-9, "{a}");
    assert_eq!(a["stale"], false);
    for leg in a["legs"].as_array().expect("legs") {
        assert!((leg["stake_share"].as_f64().expect("share") - 0.5).abs() < 1e-9);
        assert_eq!(leg["american"], 110);
    }
    assert!(drop.join("processed/boards.csv").exists());

    let mid = scan("middle", &db, &drop);
    let pair = mid["middles"]
        .as_array()
        .expect("middles")
        .iter()
        .find(|m| {
            m["event_id"] == "2025_01_KC_LAC"
                && m["low"]["book"] == "draftkings"
                && m["high"]["book"] == "fanduel"
        })
        .unwrap_or_else(|| panic!("the KC@LAC middle: {mid:#}"))
        .clone();
    assert_eq!(pair["axis"], "margin");
    assert_eq!(pair["width"].as_f64(), Some(1.0));
    let p = pair["middle_prob"].as_f64().expect("middle_prob");
    assert!(p > 0.0 && p < 0.2, "{pair}");
    assert!(pair["push_prob"].as_f64().expect("push").abs() < 1e-12);
    // -110 each way, equal stakes: the middle wins 0.909 a unit, anything else loses 0.0476.
    let d = 1.0 + 100.0 / 110.0;
    let ev = pair["ev"].as_f64().expect("ev");
    assert!((ev - (p * (d - 1.0) + (1.0 - p) * (d / 2.0 - 1.0))).abs() < 1e-9);

    let stale = scan("stale", &db, &drop);
    let steam = stale["steam"].as_array().expect("steam");
    let ev: Vec<&Value> = steam
        .iter()
        .filter(|e| e["event_id"] == "2025_01_TB_ATL")
        .collect();
    assert_eq!(ev.len(), 1, "{stale:#}");
    assert_eq!(ev[0]["originator"], "pinnacle");
    assert_eq!(ev[0]["selection"], "home");
    assert_eq!(ev[0]["followers"][0]["book"], "draftkings");
    assert_eq!(ev[0]["followers"][0]["lag_seconds"].as_f64(), Some(40.0));
    let lines = stale["stale_lines"].as_array().expect("stale lines");
    assert_eq!(lines.len(), 1, "{stale:#}");
    assert_eq!(lines[0]["book"], "bovada");
    assert_eq!(lines[0]["price"]["line"].as_f64(), Some(-3.0));
    assert_eq!(lines[0]["originator_price"]["line"].as_f64(), Some(-3.5));
    assert!(lines[0]["ev"].as_f64().is_some(), "priced: {}", lines[0]);
    for o in stale["opportunities"].as_array().expect("opportunities") {
        assert_eq!(o["kind"], "stale");
    }

    let value = scan("value", &db, &drop);
    for o in value["opportunities"].as_array().expect("opportunities") {
        assert_eq!(o["kind"], "value");
    }
}
