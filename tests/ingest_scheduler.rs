//! The scheduler with real HTTP sources next to the replay feed: failures are retried as
//! configured, recorded per source, and never stop the other sources.

mod common;

use common::{fixture, Reply, TestServer};
use nflreadpy_betting::config::{Config, SourceConfig};
use nflreadpy_betting::ingest::adapter;
use nflreadpy_betting::ingest::scheduler::{single_pass, IngestState, Runner, SchedulerSettings};
use nflreadpy_betting::store::{self, StoreWriter};

fn config(db: &std::path::Path, base_url: &str) -> Config {
    let mut cfg = Config::default();
    cfg.ingestion.storage_path = db.display().to_string();
    for s in &mut cfg.sources {
        match s {
            SourceConfig::Replay(r) => {
                r.games_path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/games.csv").into()
            }
            SourceConfig::TheOddsApi(o) => {
                o.enabled = true;
                o.base_url = base_url.to_string();
                o.api_key = "test-key-not-secret".into();
                o.timeout_seconds = 0.5;
            }
            _ => {}
        }
    }
    cfg
}

const ODDS_PATH: &str = "/v4/sports/americanfootball_nfl/odds";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_source_is_retried_recorded_and_isolated() {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sched.sqlite3");
    let cfg = config(&db, &server.base_url());
    let mut settings = SchedulerSettings::from_config(&cfg.ingestion);
    settings.retries = 2;
    settings.retry_backoff = 1.0; // U(0, 1 s) sleeps keep the test short
    settings.max_backoff_seconds = 0.05;
    let (writer, thread) = StoreWriter::spawn(&db, 5000, 16).unwrap();
    let slots = adapter::build(&cfg, &[], 10.0).unwrap();
    let mut runners: Vec<Runner> = slots
        .into_iter()
        .map(|s| Runner::new(s, &settings))
        .collect();
    let state = IngestState::new(&runners);

    // 1. Upstream down: three attempts, recorded as one failed poll; replay still stored.
    server.route(ODDS_PATH, Reply::new(500, "boom"));
    let reports = single_pass(
        &mut runners,
        &settings,
        &nflreadpy_betting::store::Store::from_writer(&db, 5000, writer.clone()),
        &state,
    )
    .await;
    let odds = reports.iter().find(|r| r.source == "the-odds-api").unwrap();
    assert!(!odds.ok);
    assert_eq!(odds.attempts, 3);
    assert_eq!(odds.error_reason.as_deref(), Some("http_error"));
    assert!(reports.iter().find(|r| r.source == "replay").unwrap().ok);

    // 2. Bad key: never retried.
    server.route(
        ODDS_PATH,
        Reply::new(401, r#"{"message":"Invalid API key"}"#),
    );
    let reports = single_pass(
        &mut runners,
        &settings,
        &nflreadpy_betting::store::Store::from_writer(&db, 5000, writer.clone()),
        &state,
    )
    .await;
    let odds = reports.iter().find(|r| r.source == "the-odds-api").unwrap();
    assert_eq!((odds.ok, odds.attempts), (false, 1));
    assert!(!format!("{odds:?}").contains("test-key-not-secret"));

    // 3. Rate limited with Retry-After, then a good response: the retry succeeds.
    server.route(
        ODDS_PATH,
        Reply::new(429, r#"{"message":"slow down"}"#).header("Retry-After", "0"),
    );
    let reports = single_pass(
        &mut runners,
        &settings,
        &nflreadpy_betting::store::Store::from_writer(&db, 5000, writer.clone()),
        &state,
    )
    .await;
    let odds = reports.iter().find(|r| r.source == "the-odds-api").unwrap();
    assert_eq!(odds.error_reason.as_deref(), Some("rate_limited"));

    // 4. Recovery: the recorded week-1 response is stored.
    server.route(
        ODDS_PATH,
        Reply::new(
            200,
            fixture("theoddsapi_v4_nfl_odds_2026-08-22_h2h_spreads_wk1.json"),
        ),
    );
    let reports = single_pass(
        &mut runners,
        &settings,
        &nflreadpy_betting::store::Store::from_writer(&db, 5000, writer.clone()),
        &state,
    )
    .await;
    let odds = reports.iter().find(|r| r.source == "the-odds-api").unwrap();
    assert!(odds.ok, "{odds:?}");
    assert_eq!(odds.events, 16);

    let st = state.lock().unwrap();
    let h = st
        .sources
        .iter()
        .find(|h| h.name == "the-odds-api")
        .unwrap();
    assert_eq!(h.polls_total, 4);
    assert_eq!(h.polls_ok, 1);
    assert!((h.success_rate - 0.25).abs() < 1e-9);
    assert_eq!(h.errors_by_reason.get("http_error"), Some(&1));
    assert_eq!(h.errors_by_reason.get("unauthorized"), Some(&1));
    let replay = st.sources.iter().find(|h| h.name == "replay").unwrap();
    assert_eq!((replay.polls_total, replay.polls_ok), (4, 4));
    drop(st);
    drop(writer);
    thread.join();
    let conn = store::open_for_reading(&db, 5000).unwrap();
    let failed: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM ingest_runs WHERE source = 'the-odds-api' AND ok = 0",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(failed, 3);
    let books: i64 = conn
        .query_row(
            "SELECT COUNT(DISTINCT book) FROM quotes_latest WHERE source = 'the-odds-api'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(books, 9);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_breaker_opens_after_repeated_failures_and_skips_polls() {
    let server = TestServer::start().await;
    server.route(ODDS_PATH, Reply::new(503, "down"));
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("breaker.sqlite3");
    let mut cfg = config(&db, &server.base_url());
    cfg.ingestion.circuit_breaker.failure_threshold = 2;
    cfg.ingestion.circuit_breaker.open_seconds = 3600.0;
    let mut settings = SchedulerSettings::from_config(&cfg.ingestion);
    settings.retries = 0;
    let (writer, _thread) = StoreWriter::spawn(&db, 5000, 16).unwrap();
    let slots = adapter::build(&cfg, &["the-odds-api".to_string()], 10.0).unwrap();
    let mut runners: Vec<Runner> = slots
        .into_iter()
        .map(|s| Runner::new(s, &settings))
        .collect();
    let state = IngestState::new(&runners);
    for _ in 0..2 {
        single_pass(
            &mut runners,
            &settings,
            &nflreadpy_betting::store::Store::from_writer(&db, 5000, writer.clone()),
            &state,
        )
        .await;
    }
    let before = server.requests().len();
    let reports = single_pass(
        &mut runners,
        &settings,
        &nflreadpy_betting::store::Store::from_writer(&db, 5000, writer.clone()),
        &state,
    )
    .await;
    assert!(reports[0].skipped);
    assert_eq!(
        server.requests().len(),
        before,
        "an open breaker must not call upstream"
    );
    let st = state.lock().unwrap();
    assert_eq!(st.sources[0].breaker.as_str(), "open");
}

/// Issue 22, item 12: after a full disk the store's failures had opened the source's circuit
/// breaker, and no poll was made for 53 s after space returned. A store failure is no source
/// failure: every poll is still made (and counted as failed with `store_error`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_failure_never_opens_the_source_breaker() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("full.sqlite3");
    let cfg = config(&db, "http://127.0.0.1:9");
    let mut settings = SchedulerSettings::from_config(&cfg.ingestion);
    settings.breaker_threshold = 2;
    let slots = adapter::build(&cfg, &["replay".to_string()], 10.0).unwrap();
    let mut runners: Vec<Runner> = slots
        .into_iter()
        .map(|s| Runner::new(s, &settings))
        .collect();
    let state = IngestState::new(&runners);
    // A store that refuses every write, as a full disk does.
    let broken = nflreadpy_betting::store::Store::reader(&db, 5000);
    for poll in 0..5 {
        let reports = single_pass(&mut runners, &settings, &broken, &state).await;
        let r = &reports[0];
        assert!(!r.skipped, "poll {poll} was skipped: {r:?}");
        assert!(!r.ok);
        assert_eq!(r.error_reason.as_deref(), Some("store_error"), "{r:?}");
    }
}
