//! Issue 22, "Hardening, second pass": each defect found by trying the product as an attacker
//! and as a careless operator would, reproduced through the real binary (or the real store and a
//! real loopback server) and checked fixed.

mod common;

use assert_cmd::Command;
use common::bin;
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

/// The binary with the file-drop source alone, reading `drop`.
fn with_drop(drop: &Path) -> Command {
    let mut c = bin();
    c.env("NFLREADPY_BETTING__sources__0__enabled", "false")
        .env("NFLREADPY_BETTING__sources__2__enabled", "true")
        .env("NFLREADPY_BETTING__sources__2__directory", drop);
    c
}

fn run(mut c: Command) -> (i32, String, String) {
    let out = c.output().expect("the binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json(text: &str) -> Value {
    serde_json::from_str(text.trim()).unwrap_or_else(|e| panic!("{e}: {text}"))
}

fn sql_count(db: &Path, sql: &str) -> i64 {
    let c = rusqlite::Connection::open(db).expect("the store");
    c.query_row(sql, [], |r| r.get(0)).expect(sql)
}

/// Item 1: one book at +100000/-100000 and one at decimal 1000.0 beside three sharp books at
/// about -120/+105 once showed a 45,982% EV, a +104% arbitrage and a consensus skewed enough to
/// give a sane book a fake +10% edge. They go to quarantine with their reason instead.
#[test]
fn absurd_prices_are_quarantined_and_never_priced() {
    let dir = tempfile::tempdir().expect("tempdir");
    let drop = dir.path().join("drop");
    std::fs::create_dir_all(&drop).expect("drop dir");
    let t = now_ms() - 10_000;
    let ev = "2025_01_DAL_PHI";
    let mut csv = String::from("event_id,book,market,scope,selection,line,price,observed_at\n");
    for (book, home, away) in [
        ("pinnacle", "-120", "+105"),
        ("circa", "-118", "+102"),
        ("draftkings", "-125", "+105"),
        ("fanduel", "-122", "+100"),
        ("fatfinger", "+100000", "-100000"),
        ("glitch", "1000.0", "1.001"),
        ("wild", "+450", "-700"),
    ] {
        csv.push_str(&format!("{ev},{book},moneyline,game,home,,{home},{t}\n"));
        csv.push_str(&format!("{ev},{book},moneyline,game,away,,{away},{t}\n"));
    }
    std::fs::write(drop.join("board.csv"), csv).expect("csv");
    let db = dir.path().join("odds.sqlite3");

    let mut c = with_drop(&drop);
    c.args([
        "scan",
        "--iterations",
        "0",
        "--format",
        "json",
        "--min-ev",
        "0",
    ])
    .arg("--storage")
    .arg(&db);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{out}{err}");
    let v = json(&out);
    for o in v["opportunities"].as_array().expect("opportunities") {
        let ev = o["ev"].as_f64().expect("ev");
        assert!(ev < 0.05, "an absurd quote became an edge: {o}");
        assert!(
            !["fatfinger", "glitch", "wild"].contains(&o["book"].as_str().unwrap_or("")),
            "{o}"
        );
    }
    let mut c = with_drop(&drop);
    c.args([
        "scan",
        "--iterations",
        "0",
        "--format",
        "json",
        "--kind",
        "arb",
    ])
    .arg("--storage")
    .arg(&db);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{out}{err}");
    let arbs = json(&out)["arbitrage"].clone();
    assert_eq!(arbs.as_array().map(Vec::len), Some(0), "{arbs:#}");

    assert_eq!(
        sql_count(
            &db,
            "SELECT COUNT(*) FROM quotes_latest WHERE book IN ('fatfinger','glitch','wild')"
        ),
        0
    );
    assert_eq!(
        sql_count(
            &db,
            "SELECT COUNT(*) FROM quarantine WHERE reason = 'implausible_price'"
        ),
        4
    );
    assert_eq!(
        sql_count(
            &db,
            "SELECT COUNT(*) FROM quarantine WHERE reason = 'outlier_price' AND detail LIKE 'wild %'"
        ),
        2
    );
    assert_eq!(sql_count(&db, "SELECT COUNT(*) FROM quotes_latest"), 8);
}

/// Item 1: the bounds are configuration, validated like every other key.
#[test]
fn plausibility_bounds_are_validated() {
    let mut c = bin();
    c.env(
        "NFLREADPY_BETTING__ingestion__plausibility__max_american",
        "50",
    )
    .env(
        "NFLREADPY_BETTING__ingestion__plausibility__outlier_max_gap",
        "1.5",
    )
    .arg("validate-config");
    let (code, out, err) = run(c);
    assert_eq!(code, 2, "{out}{err}");
    let all = format!("{out}{err}");
    assert!(all.contains("ingestion.plausibility.max_american"), "{all}");
    assert!(
        all.contains("ingestion.plausibility.outlier_max_gap"),
        "{all}"
    );
}

/// Three 2025 week-1 games (kicked off more than a year before the clock of any run of this
/// test), two books, a moneyline that moved once: 24 quotes, all history.
fn old_games_csv() -> String {
    let mut csv = String::from("event_id,book,market,scope,selection,line,price,observed_at\n");
    for ev in ["2025_01_DAL_PHI", "2025_01_KC_LAC", "2025_01_TB_ATL"] {
        for book in ["pinnacle", "circa"] {
            for (at, home, away) in [
                ("2025-09-01T12:00:00Z", "-150", "+130"),
                ("2025-09-03T12:00:00Z", "-160", "+140"),
            ] {
                csv.push_str(&format!("{ev},{book},moneyline,game,home,,{home},{at}\n"));
                csv.push_str(&format!("{ev},{book},moneyline,game,away,,{away},{at}\n"));
            }
        }
    }
    csv
}

/// Item 3: a drop file whose games kicked off more than `storage.retention_days` ago was
/// "Ingested" and then all but lost to the same command's retention pass (1 history row,
/// 0 latest quotes, 1 of 3 events left), without a word. Retention now counts a row's age from
/// when it was stored, so imported history survives; and the next pass a retention period
/// later still removes it.
#[test]
fn imported_history_of_old_games_survives_retention() {
    let dir = tempfile::tempdir().expect("tempdir");
    let drop_dir = dir.path().join("drop");
    std::fs::create_dir_all(&drop_dir).expect("drop dir");
    std::fs::write(drop_dir.join("history.csv"), old_games_csv()).expect("csv");
    let db = dir.path().join("odds.sqlite3");
    let mut c = with_drop(&drop_dir);
    c.env("NFLREADPY_BETTING__storage__retention_days", "30")
        .args(["ingest", "--interval", "0", "-vv"])
        .arg("--storage")
        .arg(&db);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("Ingested 24 quotes"), "{out}");
    assert_eq!(sql_count(&db, "SELECT COUNT(*) FROM quotes_history"), 24);
    assert_eq!(sql_count(&db, "SELECT COUNT(*) FROM quotes_latest"), 12);
    assert_eq!(sql_count(&db, "SELECT COUNT(*) FROM events"), 3);
    assert!(!out.contains("Retention removed"), "{out}");

    // Stored long ago (as if the clock had moved on): the next pass removes it, and says so.
    let c = rusqlite::Connection::open(&db).expect("store");
    c.execute_batch(
        "UPDATE quotes_history SET stored_ms = stored_ms - 40 * 86400000;
         UPDATE quotes_latest SET seen_ms = seen_ms - 40 * 86400000;
         UPDATE events SET updated_ms = updated_ms - 40 * 86400000;",
    )
    .expect("age the rows");
    drop(c);
    let mut c = with_drop(&drop_dir);
    c.env("NFLREADPY_BETTING__storage__retention_days", "30")
        .args(["ingest", "--interval", "0"])
        .arg("--storage")
        .arg(&db);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("Retention removed"), "{out}");
    assert!(out.contains("23 odds-path changes"), "{out}");
    assert_eq!(sql_count(&db, "SELECT COUNT(*) FROM quotes_history"), 1);
    assert_eq!(sql_count(&db, "SELECT COUNT(*) FROM quotes_latest"), 0);
}

/// Item 4: `postgres://user:PASSWORD@...` set literally through an environment override was
/// shown by `validate-config --print`; a `?password=` query parameter was echoed by `store
/// check`.
#[test]
fn literal_passwords_in_store_urls_are_redacted() {
    let mut c = bin();
    c.env(
        "NFLREADPY_BETTING__storage__url",
        "postgres://desk:Lit3ralPw@db.internal:5432/betting?sslmode=require&password=QueryPw9",
    )
    .args(["validate-config", "--print"]);
    let (code, out, err) = run(c);
    let all = format!("{out}{err}");
    assert_eq!(code, 0, "{all}");
    assert!(all.contains("storage.url"), "{all}");
    assert!(
        !all.contains("Lit3ralPw") && !all.contains("QueryPw9"),
        "{all}"
    );
    assert!(all.contains("desk:[redacted]@db.internal"), "{all}");

    let mut c = bin();
    c.args([
        "store",
        "check",
        "--storage",
        "postgres://desk@127.0.0.1:1/betting?password=QueryPw9&connect_timeout=2",
    ]);
    let (code, out, err) = run(c);
    let all = format!("{out}{err}");
    assert_ne!(code, 0, "{all}");
    assert!(!all.contains("QueryPw9"), "{all}");
    assert!(all.contains("password=[redacted]"), "{all}");
}

/// Item 9: `ingest --interval 2 --jitter 1e9` made no poll in 15 s and `--retries 4294967295`
/// was accepted: the flags skipped the ceilings the same keys have in the configuration.
#[test]
fn ingest_flags_meet_the_configuration_ceilings() {
    for (flag, value, key) in [
        ("--jitter", "1e9", "ingestion.scheduler.jitter_seconds"),
        ("--retries", "4294967295", "ingestion.scheduler.retries"),
        (
            "--retry-backoff",
            "1e9",
            "ingestion.scheduler.retry_backoff",
        ),
    ] {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut c = bin();
        c.args(["ingest", "--interval", "2", flag, value])
            .arg("--storage")
            .arg(dir.path().join("odds.sqlite3"))
            .timeout(std::time::Duration::from_secs(60));
        let (code, out, err) = run(c);
        assert_eq!(code, 2, "{flag} {value}: {out}{err}");
        assert!(err.contains(flag) && err.contains(key), "{flag}: {err}");
    }
}

/// Item 8: a file row naming a known game with another kickoff rewrote the game's kickoff, and
/// retention then deleted that game's latest quotes. The schedule decides kickoffs; the row is
/// quarantined with its reason and the game keeps its kickoff and its quotes.
#[test]
fn a_quote_file_cannot_move_a_known_game() {
    let dir = tempfile::tempdir().expect("tempdir");
    let drop_dir = dir.path().join("drop");
    std::fs::create_dir_all(&drop_dir).expect("drop dir");
    let db = dir.path().join("odds.sqlite3");
    let t = now_ms() - 10_000;
    let ev = "2025_01_DAL_PHI";
    let ingest = |name: &str, body: String| {
        std::fs::write(drop_dir.join(name), body).expect("csv");
        let mut c = with_drop(&drop_dir);
        c.args(["ingest", "--interval", "0"])
            .arg("--storage")
            .arg(&db);
        let (code, out, err) = run(c);
        assert_eq!(code, 0, "{out}{err}");
    };
    ingest(
        "a.csv",
        format!(
            "event_id,book,market,scope,selection,line,price,observed_at\n\
             {ev},pinnacle,moneyline,game,home,,-120,{t}\n\
             {ev},pinnacle,moneyline,game,away,,+105,{t}\n"
        ),
    );
    let kickoff = |db: &Path| {
        let c = rusqlite::Connection::open(db).expect("store");
        c.query_row(
            "SELECT commence_ms FROM events WHERE event_id = ?1",
            [ev],
            |r| r.get::<_, i64>(0),
        )
        .expect("the event")
    };
    let before = kickoff(&db);
    ingest(
        "b.csv",
        format!(
            "event_id,commence_time,book,market,scope,selection,line,price,observed_at\n\
             {ev},2020-01-01T00:00:00Z,circa,moneyline,game,home,,-118,{t}\n"
        ),
    );
    assert_eq!(kickoff(&db), before, "the kickoff moved");
    assert_eq!(
        sql_count(
            &db,
            "SELECT COUNT(*) FROM quarantine WHERE reason = 'kickoff_mismatch'"
        ),
        1
    );
    assert_eq!(sql_count(&db, "SELECT COUNT(*) FROM quotes_latest"), 2);
}

/// A configuration overlay file (layer 3) holding `yaml`.
fn overlay(dir: &Path, yaml: &str) -> PathBuf {
    let p = dir.join("overlay.yaml");
    std::fs::write(&p, yaml).expect("overlay");
    p
}

/// Item 13: a 50 MB configuration was read (1.5 GB of memory) and a 200 KB nested flow took
/// 20 s; `api.token: " "` passed validation (leaving the API open); a number past u32 hid every
/// other configuration error.
#[test]
fn configuration_files_are_bounded_and_every_error_is_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let validate = |yaml: &str| {
        let mut c = bin();
        c.env("NFLREADPY_BETTING_CONFIG", overlay(dir.path(), yaml))
            .arg("validate-config")
            .timeout(std::time::Duration::from_secs(60));
        run(c)
    };
    let mut big = String::from("analytics:\n  kelly_fraction: 0.25\n");
    while big.len() < 2 * 1024 * 1024 {
        big.push_str("# padding padding padding padding padding padding padding padding\n");
    }
    let (code, out, err) = validate(&big);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("larger than"), "{err}");

    let deep = format!(
        "analytics: {}{}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let (code, out, err) = validate(&deep);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("nested"), "{err}");

    let (code, out, err) = validate("api:\n  token: \" \"\n");
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("api.token"), "{err}");

    let (code, out, err) = validate(
        "ingestion:\n  scheduler:\n    retries: 99999999999\nanalytics:\n  kelly_fraction: 7\n",
    );
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("ingestion.scheduler.retries"), "{err}");
    assert!(err.contains("analytics.kelly_fraction"), "{err}");
}

/// Item 13: book names with ESC, NUL or 100,000 characters were stored and printed raw; kickoffs
/// in 1970, 2100 and 9999 were accepted.
#[test]
fn hostile_book_names_and_absurd_kickoffs_are_quarantined() {
    let dir = tempfile::tempdir().expect("tempdir");
    let drop_dir = dir.path().join("drop");
    std::fs::create_dir_all(&drop_dir).expect("drop dir");
    let t = now_ms() - 10_000;
    let ev = "2025_01_DAL_PHI";
    let long = "b".repeat(100_000);
    let mut csv = String::from(
        "event_id,commence_time,home_team,away_team,book,market,scope,selection,line,price,observed_at\n",
    );
    for book in [
        "esc\u{1b}[31mred",
        "nul\u{0}book",
        long.as_str(),
        "pinnacle",
    ] {
        csv.push_str(&format!("{ev},,,,{book},moneyline,game,home,,-120,{t}\n"));
    }
    for kick in [
        "1970-01-01T00:00:00Z",
        "2100-09-10T17:00:00Z",
        "9999-09-10T17:00:00Z",
    ] {
        csv.push_str(&format!(
            ",{kick},Philadelphia Eagles,Dallas Cowboys,circa,moneyline,game,home,,-120,{t}\n"
        ));
    }
    std::fs::write(drop_dir.join("hostile.csv"), csv).expect("csv");
    let db = dir.path().join("odds.sqlite3");
    let mut c = with_drop(&drop_dir);
    c.args(["ingest", "--interval", "0"])
        .arg("--storage")
        .arg(&db);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{out}{err}");
    assert!(!out.contains('\u{1b}') && !err.contains('\u{1b}'));
    assert_eq!(
        sql_count(
            &db,
            "SELECT COUNT(*) FROM quotes_latest WHERE book <> 'pinnacle'"
        ),
        0
    );
    assert_eq!(
        sql_count(
            &db,
            "SELECT COUNT(*) FROM quarantine WHERE reason = 'invalid_book'"
        ),
        3
    );
    assert_eq!(
        sql_count(
            &db,
            "SELECT COUNT(*) FROM quarantine WHERE reason = 'invalid_book' AND (instr(detail, char(27)) > 0 OR instr(detail, char(0)) > 0 OR length(detail) > 2000)"
        ),
        0
    );
    assert_eq!(
        sql_count(
            &db,
            "SELECT COUNT(*) FROM events WHERE commence_ms < 900000000000 OR commence_ms > 4102444800000"
        ),
        0
    );
}

/// Item 13: an Odds-API JSON file with a byte-order mark was rejected while a CSV with one was
/// taken in.
#[test]
fn a_json_drop_file_with_a_byte_order_mark_is_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let drop_dir = dir.path().join("drop");
    std::fs::create_dir_all(&drop_dir).expect("drop dir");
    let mut body = b"\xEF\xBB\xBF".to_vec();
    body.extend(
        std::fs::read(root().join(
            "tests/fixtures/odds/theoddsapi_v4_nfl_odds_2025-10-21_h2h_spreads_totals_wk8.json",
        ))
        .expect("fixture"),
    );
    std::fs::write(drop_dir.join("wk8.json"), body).expect("json");
    let db = dir.path().join("odds.sqlite3");
    let mut c = with_drop(&drop_dir);
    c.args(["ingest", "--interval", "0"])
        .arg("--storage")
        .arg(&db);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{out}{err}");
    assert!(drop_dir.join("processed/wk8.json").exists(), "{out}{err}");
    assert!(sql_count(&db, "SELECT COUNT(*) FROM quotes_latest") > 100);
}

/// Item 13: `bets settle --games /dev/zero` read without limit; `--predictions` and `scan
/// --export` would overwrite the product's own games file.
#[test]
fn inputs_are_read_bounded_and_never_overwritten() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("odds.sqlite3");
    if Path::new("/dev/zero").exists() {
        let mut c = bin();
        c.args(["bets", "settle", "--games", "/dev/zero"])
            .arg("--storage")
            .arg(&db)
            .timeout(std::time::Duration::from_secs(120));
        let (code, out, err) = run(c);
        assert!(code == 1 || code == 2, "{code}: {out}{err}");
        assert!(err.contains("larger than"), "{err}");
    }
    let games = dir.path().join("games.csv");
    std::fs::copy(root().join("data/games.csv"), &games).expect("copy");
    let before = std::fs::read(&games).expect("games");
    for args in [
        vec!["scan", "--iterations", "0", "--export"],
        vec![
            "backtest",
            "--start-season",
            "2024",
            "--end-season",
            "2024",
            "--predictions",
        ],
    ] {
        let mut c = bin();
        c.env("NFLREADPY_BETTING__analytics__ratings__games_path", &games)
            .args(&args)
            .arg(&games)
            .arg("--storage")
            .arg(&db);
        let (code, out, err) = run(c);
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        assert!(err.contains("own input"), "{err}");
        assert_eq!(std::fs::read(&games).expect("games"), before, "{args:?}");
    }
}
