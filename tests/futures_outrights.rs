//! Outright (futures) prices from The Odds API's outright sport keys and the file drop's outright
//! CSV, through the store on SQLite and PostgreSQL. No recording of a real outright response was
//! at hand: the bodies are hand-made in the shape The Odds API documents (`markets=outrights`,
//! one event per market, `{name, price}` outcomes).

mod common;

use common::*;
use nflreadpy_betting::config::{Config, FileSource, TheOddsApiSource};
use nflreadpy_betting::domain::outright::{OutrightMarket, OutrightQuote, OutrightSide};
use nflreadpy_betting::ingest::sources::{FileDrop, TheOddsApi};
use nflreadpy_betting::ingest::Normalizer;
use nflreadpy_betting::store::{PollBatch, Store};
use std::sync::Arc;
use std::time::Duration;

#[path = "common/pg.rs"]
mod pg;

const KEY: &str = "outright-key-77c1";
const NOW: i64 = 1_730_462_400_000; // 2024-11-01T12:00:00Z
const SB_PATH: &str = "/v4/sports/americanfootball_nfl_super_bowl_winner/odds";
const ODDS_PATH: &str = "/v4/sports/americanfootball_nfl/odds";

fn sb_body(kc_price: i64) -> Vec<u8> {
    format!(
        r#"[{{"id":"sb2025","sport_key":"americanfootball_nfl_super_bowl_winner",
        "sport_title":"NFL Super Bowl Winner","commence_time":"2025-02-09T23:30:00Z",
        "home_team":null,"away_team":null,"bookmakers":[
          {{"key":"draftkings","title":"DraftKings","last_update":"2024-11-01T11:58:00Z",
            "markets":[{{"key":"outrights","last_update":"2024-11-01T11:58:00Z","outcomes":[
              {{"name":"Kansas City Chiefs","price":{kc_price}}},{{"name":"Detroit Lions","price":450}},
              {{"name":"Baltimore Ravens","price":650}},{{"name":"Gotham Rogues","price":900}}]}}]}},
          {{"key":"fanduel","title":"FanDuel","last_update":"2024-11-01T11:59:00Z",
            "markets":[{{"key":"outrights","outcomes":[{{"name":"Kansas City Chiefs","price":380}}]}}]}}]}}]"#
    )
    .into_bytes()
}

fn api(server: &TestServer) -> TheOddsApi {
    let cfg = TheOddsApiSource {
        enabled: true,
        base_url: server.base_url(),
        api_key: KEY.into(),
        outright_sports: vec!["americanfootball_nfl_super_bowl_winner".into()],
        ..TheOddsApiSource::default()
    };
    TheOddsApi::new(
        &cfg,
        Duration::from_secs(5),
        Arc::new(Normalizer::embedded()),
    )
    .unwrap()
}

#[tokio::test]
async fn outright_sport_keys_are_polled_beside_the_games_and_stored() {
    let server = TestServer::start().await;
    server.route(ODDS_PATH, Reply::new(200, "[]"));
    server.route(
        SB_PATH,
        Reply::new(200, sb_body(400)).header("x-requests-remaining", "77"),
    );
    let mut src = api(&server);
    let batch = src.poll(NOW).await.unwrap();
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    let sb = reqs.iter().find(|r| r.target.starts_with(SB_PATH)).unwrap();
    assert!(sb.target.contains("markets=outrights"), "{}", sb.target);
    assert_eq!(batch.quota.and_then(|q| q.remaining), Some(77));
    assert_eq!(batch.outrights.len(), 4, "{:?}", batch.rejected);
    assert_eq!(batch.rejected.len(), 1, "the unknown team");
    assert!(batch.rejected[0].detail.contains("Gotham Rogues"));
    let kc = &batch.outrights[0];
    assert_eq!(
        (kc.season, kc.market, kc.team.as_str(), kc.side, kc.american),
        (
            2024,
            OutrightMarket::SuperBowl,
            "KC",
            OutrightSide::Win,
            400
        )
    );
    // The market's own time, or the book's when the market has none.
    let fd = batch
        .outrights
        .iter()
        .find(|q| q.book == "fanduel")
        .unwrap();
    assert_eq!(
        fd.observed_ms,
        chrono::DateTime::parse_from_rfc3339("2024-11-01T11:59:00Z")
            .unwrap()
            .timestamp_millis()
    );
}

#[tokio::test]
async fn a_failed_outright_request_is_a_warning_without_the_key_not_a_failed_poll() {
    let server = TestServer::start().await;
    server.route(ODDS_PATH, Reply::new(200, "[]"));
    server.route(SB_PATH, Reply::new(500, format!("boom {KEY}")));
    let mut src = api(&server);
    let batch = src.poll(NOW).await.unwrap();
    assert!(batch.outrights.is_empty());
    assert_eq!(batch.warnings.len(), 1, "{:?}", batch.warnings);
    assert!(batch.warnings[0].contains("outrights"));
    assert!(!batch.warnings[0].contains(KEY), "{}", batch.warnings[0]);
}

const OUTRIGHT_CSV: &str = "\
# a trader's futures sheet
season,book,market,team,side,line,price,observed_at
2024,circa,division,Buffalo Bills,,,-2000,2024-11-01T10:00:00Z
2024,circa,playoffs,DET,yes,,-5000,2024-11-01T10:00:00Z
2024,circa,playoffs,DET,no,,+1500,2024-11-01T10:00:00Z
2024,circa,win_total,KC,over,13.5,+120,2024-11-01T10:00:00Z
2024,circa,win_total,KC,over,13.25,+120,2024-11-01T10:00:00Z
";

#[tokio::test]
async fn the_file_drop_takes_an_outright_csv_and_names_its_bad_line() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("drop");
    std::fs::create_dir_all(&dir).unwrap();
    write_file(&dir, "futures.csv", OUTRIGHT_CSV.as_bytes());
    write_file(&dir, "sb.json", &sb_body(400));
    let cfg = FileSource {
        enabled: true,
        directory: dir.display().to_string(),
        ..FileSource::default()
    };
    let mut src = FileDrop::new(&cfg, Arc::new(Normalizer::embedded()));
    let batch = src.poll(NOW).await.unwrap();
    assert_eq!(batch.outrights.len(), 4 + 4, "{:#?}", batch.rejected);
    assert!(batch.quotes.is_empty());
    let bad: Vec<_> = batch
        .rejected
        .iter()
        .filter(|r| r.detail.starts_with("futures.csv"))
        .collect();
    assert_eq!(bad.len(), 1, "{bad:?}");
    assert!(bad[0].detail.contains("line 7") && bad[0].detail.contains("13.25"));
    assert!(dir.join("processed/futures.csv").exists());
    assert!(dir.join("processed/sb.json").exists());
}

/// The same writes and reads on either backend.
async fn store_round_trip(store: &Store) {
    let q = |book: &str, price: i64, t: i64| OutrightQuote {
        season: 2024,
        book: book.into(),
        market: OutrightMarket::WinTotal,
        team: "KC".into(),
        side: OutrightSide::Over,
        line: Some(13.5),
        american: price,
        observed_ms: t,
        source: "file".into(),
    };
    let batch = |qs: Vec<OutrightQuote>| PollBatch {
        outrights: qs,
        ..PollBatch::default()
    };
    let s = store
        .write_poll(batch(vec![q("a", 120, NOW), q("b", 110, NOW)]), NOW)
        .await
        .unwrap();
    assert_eq!(s.changed, 2);
    // The same prices again: nothing changed; an older price never overwrites a newer one.
    let s = store
        .write_poll(batch(vec![q("a", 120, NOW), q("b", 150, NOW - 1)]), NOW + 1)
        .await
        .unwrap();
    assert_eq!(s.changed, 0);
    let s = store
        .write_poll(batch(vec![q("a", 130, NOW + 5)]), NOW + 5)
        .await
        .unwrap();
    assert_eq!(s.changed, 1);
    let all = store.latest_outrights(Some(2024), 0).await.unwrap();
    let prices: Vec<(&str, i64)> = all.iter().map(|q| (q.book.as_str(), q.american)).collect();
    assert_eq!(prices, vec![("a", 130), ("b", 110)]);
    assert_eq!(all[0].line, Some(13.5));
    assert!(store
        .latest_outrights(Some(2023), 0)
        .await
        .unwrap()
        .is_empty());
    // Seen-since filters what a later poll did not confirm.
    let fresh = store.latest_outrights(None, NOW + 3).await.unwrap();
    assert_eq!(fresh.len(), 1);
}

#[tokio::test]
async fn outrights_round_trip_on_sqlite() {
    let tmp = tempfile::tempdir().unwrap();
    let (store, _thread) = Store::open_writable(tmp.path().join("s.sqlite3"), 5000, 64).unwrap();
    store_round_trip(&store).await;
}

#[tokio::test]
async fn outrights_round_trip_on_postgres() {
    let Some(db) = pg::TestDb::new("outrights").await else {
        return;
    };
    let mut cfg = Config::default();
    cfg.storage.url = Some(db.url.clone());
    let (store, _) = Store::open(&cfg, true).await.unwrap();
    store_round_trip(&store).await;
    drop(store);
    db.drop_db().await;
}

/// The must-show path: an outright CSV dropped into the file source, taken in by `ingest`, and
/// `futures --edges` finding the edge with its EV recomputable from the printed columns.
#[test]
fn an_outright_edge_is_found_through_the_csv_drop_and_its_ev_recomputes() {
    let tmp = tempfile::tempdir().unwrap();
    let drop_dir = tmp.path().join("drop");
    std::fs::create_dir_all(&drop_dir).unwrap();
    let cfg = tmp.path().join("betting.yaml");
    std::fs::write(
        &cfg,
        format!(
            "sources:\n  - type: file\n    enabled: true\n    directory: {}\ningestion:\n  storage_path: {}\n",
            drop_dir.display(),
            tmp.path().join("store.sqlite3").display()
        ),
    )
    .unwrap();
    // Blank observed_at: the file's time, so the prices are fresh for the EV floor's age limit.
    write_file(
        &drop_dir,
        "futures.csv",
        b"season,book,market,team,side,line,price,observed_at\n\
          2024,circa,super_bowl,KC,,,+450,\n\
          2024,circa,playoffs,MIN,yes,,-150,\n\
          2024,circa,playoffs,MIN,no,,+130,\n\
          2024,circa,win_total,DET,over,12.5,+110,\n\
          2024,circa,win_total,DET,under,12.5,-130,\n",
    );
    let cfg = cfg.display().to_string();
    let out = bin()
        .args([
            "ingest",
            "--config",
            &cfg,
            "--interval",
            "0",
            "--source",
            "file",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(drop_dir.join("processed/futures.csv").exists());
    let run = |format: &str| {
        let out = bin()
            .args(["futures", "--config", &cfg, "--as-of", "2024-11-01"])
            .args([
                "--simulations",
                "2000",
                "--seed",
                "5",
                "--edges",
                "--format",
                format,
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let doc: serde_json::Value = serde_json::from_str(&run("json")).unwrap();
    assert_eq!(doc["schema"], "nflreadpy-betting/futures-edges/1");
    assert_eq!(doc["quotes"], 5);
    let edges = doc["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 5);
    for e in edges {
        let f = |k: &str| e[k].as_f64().unwrap();
        assert!((f("model_prob") * f("decimal") + f("push_prob") - 1.0 - f("ev")).abs() < 1e-9);
    }
    // Best EV first, and the playoff pair de-vigged against each other.
    assert!(edges
        .windows(2)
        .all(|w| w[0]["ev"].as_f64() >= w[1]["ev"].as_f64()));
    let yes = edges.iter().find(|e| e["side"] == "yes").unwrap();
    let no = edges.iter().find(|e| e["side"] == "no").unwrap();
    let fair = yes["book_fair_prob"].as_f64().unwrap() + no["book_fair_prob"].as_f64().unwrap();
    assert!((fair - 1.0).abs() < 1e-9);
    assert!(
        edges.iter().any(|e| e["ev"].as_f64().unwrap() >= 0.05),
        "{edges:?}"
    );
    // The table prints the same EV from its own columns (4-decimal model, 3-decimal odds).
    let table = run("table");
    let rows: Vec<&str> = table.lines().filter(|l| l.starts_with("circa")).collect();
    assert_eq!(rows.len(), 5, "{table}");
    for row in rows {
        let cols: Vec<&str> = row.split_whitespace().collect();
        let n = cols.len();
        let (dec, model, push): (f64, f64, f64) = (
            cols[n - 6].parse().unwrap(),
            cols[n - 5].parse().unwrap(),
            cols[n - 4].parse().unwrap(),
        );
        let ev: f64 = cols[n - 3].trim_end_matches('%').parse().unwrap();
        assert!(
            ((model * dec + push - 1.0) * 100.0 - ev).abs() < 0.1,
            "{row}"
        );
    }
    assert!(table.lines().all(|l| l.chars().count() <= 80), "{table}");
}
