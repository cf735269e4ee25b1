//! The bet ledger from the command line, on the embedded SQLite store and on PostgreSQL: a bet
//! is recorded, listed (JSON shape) and voided; every bad field and an unknown event exit 2 and
//! store nothing.

#[path = "common/pg.rs"]
mod pg;

use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_nflreadpy-betting");

fn run(storage: &str, args: &[&str]) -> Output {
    Command::new(BIN)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("--storage")
        .arg(storage)
        .args(args)
        .output()
        .expect("the binary runs")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn bets(storage: &str) -> Vec<serde_json::Value> {
    let o = run(storage, &["bets", "list", "--format", "json"]);
    assert!(o.status.success(), "{}", text(&o));
    serde_json::from_slice::<Vec<serde_json::Value>>(&o.stdout).expect("a JSON array")
}

/// The whole lifecycle on one store, whichever backend it is.
fn lifecycle(storage: &str) {
    let o = run(storage, &["ingest", "--interval", "0"]);
    assert!(o.status.success(), "{}", text(&o));
    let event = "2025_12_ATL_NO";
    let add = |extra: &[&str]| {
        let mut args = vec!["bets", "add", "--event", event, "--book", "pinnacle"];
        args.extend_from_slice(extra);
        run(storage, &args)
    };
    let o = add(&[
        "--market",
        "spread",
        "--selection",
        "home",
        "--line",
        "-3.5",
        "--price",
        "-110",
        "--stake",
        "100",
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let b: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    for key in [
        "id",
        "paper",
        "event_id",
        "market",
        "scope",
        "selection",
        "line",
        "book",
        "decimal",
        "stake",
        "placed_ms",
        "status",
        "pnl",
        "clv_book",
        "clv_consensus",
    ] {
        assert!(b.get(key).is_some(), "missing {key} in {b}");
    }
    assert_eq!(b["status"], "open");
    assert_eq!(b["scope"], "game");
    assert!((b["decimal"].as_f64().unwrap() - 1.0 - 100.0 / 110.0).abs() < 1e-9);

    for (bad, why) in [
        (
            vec![
                "--market",
                "spread",
                "--selection",
                "home",
                "--price",
                "-110",
                "--stake",
                "1",
            ],
            "line",
        ),
        (
            vec![
                "--market",
                "spread",
                "--selection",
                "home",
                "--line",
                "-3.5",
                "--price",
                "+50",
                "--stake",
                "1",
            ],
            "price",
        ),
        (
            vec![
                "--market",
                "spread",
                "--selection",
                "home",
                "--line",
                "-3.5",
                "--price",
                "1.0",
                "--stake",
                "1",
            ],
            "price",
        ),
        (
            vec![
                "--market",
                "total",
                "--selection",
                "over",
                "--line",
                "44.5",
                "--price",
                "10/11",
                "--stake",
                "-5",
            ],
            "stake",
        ),
        (
            vec![
                "--market",
                "total",
                "--selection",
                "over",
                "--line",
                "44.5",
                "--price",
                "10/11",
                "--stake",
                "NaN",
            ],
            "stake",
        ),
        (
            vec![
                "--market",
                "parlay",
                "--selection",
                "over",
                "--price",
                "2.0",
                "--stake",
                "5",
            ],
            "market",
        ),
    ] {
        let o = add(&bad);
        assert_eq!(o.status.code(), Some(2), "{bad:?}: {}", text(&o));
        assert!(text(&o).contains(why), "{bad:?}: {}", text(&o));
    }
    let o = run(
        storage,
        &[
            "bets",
            "add",
            "--event",
            "2031_01_XXX_YYY",
            "--book",
            "pinnacle",
            "--market",
            "moneyline",
            "--selection",
            "home",
            "--price",
            "2.1",
            "--stake",
            "5",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("no event `2031_01_XXX_YYY`"),
        "{}",
        text(&o)
    );
    assert_eq!(bets(storage).len(), 1, "a refused bet was stored");

    let id = b["id"].as_i64().unwrap().to_string();
    let o = run(storage, &["bets", "void", &id]);
    assert!(o.status.success(), "{}", text(&o));
    let o = run(storage, &["bets", "void", &id]);
    assert_eq!(o.status.code(), Some(1), "voided twice: {}", text(&o));
    let all = bets(storage);
    assert_eq!(all[0]["status"], "void");
    assert_eq!(all[0]["pnl"], 0.0);
    let open = run(
        storage,
        &["bets", "list", "--status", "open", "--format", "json"],
    );
    assert_eq!(String::from_utf8_lossy(&open.stdout).trim(), "[]");
}

#[test]
fn bets_on_the_embedded_store() {
    let dir = tempfile::tempdir().unwrap();
    lifecycle(dir.path().join("bets.sqlite3").to_str().unwrap());
}

#[test]
fn bets_on_postgres() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let Some(db) = rt.block_on(pg::TestDb::new("bets")) else {
        return;
    };
    lifecycle(&db.url);
    rt.block_on(db.drop_db());
}
