//! The Pinnacle guest-JSON adapter against a loopback server. The payloads are synthetic, written
//! in the shape documented in `shared/research/data-sources.md` §2.4: no genuine recording of this
//! feed was available, so these tests pin the parser to that description, not to the live API.

mod common;

use common::*;
use nflreadpy_betting::config::PinnacleSource;
use nflreadpy_betting::domain::Scope;
use nflreadpy_betting::ingest::sources::Pinnacle;
use nflreadpy_betting::ingest::{Normalizer, SourceError};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

const NOW: i64 = 1_761_087_600_000; // 2025-10-21T23:00:00Z
const KEY: &str = "guest-key-77";

fn matchups() -> serde_json::Value {
    json!([
        {"id": 1001, "type": "matchup", "parentId": null, "isLive": false, "startTime": "2025-10-24T00:15:00Z",
         "league": {"id": 889, "name": "NFL", "sport": {"id": 15}},
         "participants": [{"alignment": "home", "name": "Los Angeles Chargers", "order": 1, "rotation": 102},
                          {"alignment": "away", "name": "Minnesota Vikings", "order": 0, "rotation": 101}]},
        {"id": 1002, "type": "matchup", "parentId": 1001, "isLive": false, "startTime": "2025-10-24T00:15:00Z",
         "participants": [{"alignment": "neutral", "name": "Alternate lines"}]},
        {"id": 1003, "type": "matchup", "parentId": null, "startTime": "2027-01-10T21:30:00Z",
         "participants": [{"alignment": "home", "name": "Buffalo Bills"}, {"alignment": "away", "name": "Denver Broncos"}]},
        {"id": 1004, "type": "special", "startTime": "2026-02-08T23:30:00Z", "participants": []},
        {"id": 1005, "type": "matchup", "startTime": "2025-10-27T00:20:00Z",
         "participants": [{"alignment": "home", "name": "Pittsburgh Steelers"}, {"alignment": "away", "name": "Green Bay Packers Reserves"}]}
    ])
}

fn markets() -> serde_json::Value {
    json!([
        {"matchupId": 1001, "key": "s;0;m", "type": "moneyline", "period": 0, "isAlternate": false, "status": "open",
         "prices": [{"designation": "home", "price": -170}, {"designation": "away", "price": 150}]},
        {"matchupId": 1001, "key": "s;0;s;-3.0", "type": "spread", "period": 0, "isAlternate": false, "status": "open",
         "prices": [{"designation": "home", "price": -118, "points": -3.0}, {"designation": "away", "price": 104, "points": 3.0}]},
        {"matchupId": 1001, "key": "s;0;ou;44.5", "type": "total", "period": 0, "isAlternate": false, "status": "open",
         "prices": [{"designation": "over", "price": -108, "points": 44.5}, {"designation": "under", "price": -102, "points": 44.5}]},
        {"matchupId": 1001, "key": "s;1;s;-1.5", "type": "spread", "period": 1, "isAlternate": false, "status": "open",
         "prices": [{"designation": "home", "price": -105, "points": -1.5}, {"designation": "away", "price": -115, "points": 1.5}]},
        {"matchupId": 1001, "key": "s;3;ou;10.5", "type": "total", "period": 3, "isAlternate": false, "status": "open",
         "prices": [{"designation": "over", "price": 1.87, "points": 10.5}, {"designation": "under", "price": 1.95, "points": 10.5}]},
        {"matchupId": 1002, "key": "s;0;s;-6.5", "type": "spread", "period": 0, "isAlternate": true, "status": "open",
         "prices": [{"designation": "home", "price": 180, "points": -6.5}, {"designation": "away", "price": -220, "points": 6.5}]},
        {"matchupId": 1001, "key": "s;0;tt;home", "type": "team_total", "period": 0, "side": "home", "isAlternate": false, "status": "open",
         "prices": [{"designation": "over", "price": -110, "points": 24.5}, {"designation": "under", "price": -110, "points": 24.5}]},
        {"matchupId": 1001, "key": "s;1;m", "type": "moneyline", "period": 1, "status": "open",
         "prices": [{"designation": "home", "price": -150}, {"designation": "away", "price": 140}, {"designation": "draw", "price": 1200}]},
        {"matchupId": 1001, "key": "s;0;m2", "type": "moneyline", "period": 0, "status": "suspended",
         "prices": [{"designation": "home", "price": -999}]},
        {"matchupId": 1001, "key": "s;9;m", "type": "moneyline", "period": 9, "status": "open", "prices": []},
        {"matchupId": 1003, "key": "s;0;m", "type": "moneyline", "period": 0, "status": "open",
         "prices": [{"designation": "home", "price": -130}, {"designation": "away", "price": 30}]},
        {"matchupId": 4242, "key": "s;0;m", "type": "moneyline", "period": 0, "status": "open", "prices": []}
    ])
}

fn source(server: &TestServer, timeout: Duration) -> Pinnacle {
    let cfg = PinnacleSource {
        enabled: true,
        base_url: format!("{}/0.1", server.base_url()),
        api_key: KEY.into(),
        ..PinnacleSource::default()
    };
    Pinnacle::new(&cfg, timeout, Arc::new(Normalizer::embedded())).unwrap()
}

#[tokio::test]
async fn matchups_and_straight_markets_become_quotes() {
    let server = TestServer::start().await;
    server.route(
        "/0.1/leagues/889/matchups",
        Reply::new(200, matchups().to_string()),
    );
    server.route(
        "/0.1/leagues/889/markets/straight",
        Reply::new(200, markets().to_string()),
    );
    let batch = source(&server, Duration::from_secs(5))
        .poll(NOW)
        .await
        .unwrap();

    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    assert!(
        reqs.iter().all(|r| r.header("x-api-key") == Some(KEY)),
        "{reqs:?}"
    );

    let ids: Vec<&str> = batch.events.iter().map(|e| e.event_id.as_str()).collect();
    assert_eq!(ids, vec!["2025_08_MIN_LAC", "2026_20270110_DEN_BUF"]);
    let q = &batch.quotes;
    let ev = "2025_08_MIN_LAC";
    assert!(q
        .iter()
        .all(|x| x.book == "pinnacle" && x.source == "pinnacle" && x.observed_ms == NOW));
    assert_eq!(find(q, ev, "pinnacle", "moneyline", "home").american, -170);
    let sp = find(q, ev, "pinnacle", "spread", "away");
    assert_eq!((sp.american, sp.line), (104, Some(3.0)));
    let h1 = q
        .iter()
        .find(|x| {
            x.scope == Scope::H1 && x.market.as_str() == "spread" && x.selection.as_str() == "home"
        })
        .unwrap();
    assert_eq!((h1.american, h1.line), (-105, Some(-1.5)));
    let q1 = q
        .iter()
        .find(|x| x.scope == Scope::Q1 && x.selection.as_str() == "over")
        .unwrap();
    assert_eq!(
        (q1.american, q1.line),
        (-115, Some(10.5)),
        "decimal 1.87 read as decimal"
    );
    let alt = find(q, ev, "pinnacle", "spread_alt", "home");
    assert_eq!(
        (alt.american, alt.line),
        (180, Some(-6.5)),
        "child matchup's market lands on its parent"
    );
    let tt = find(q, ev, "pinnacle", "team_total", "home_under");
    assert_eq!(tt.line, Some(24.5));
    let tie = find(q, ev, "pinnacle", "moneyline_3way", "tie");
    assert_eq!((tie.scope, tie.american), (Scope::H1, 1200));
    // BUF home moneyline kept; the +30 away price quarantined.
    assert_eq!(
        find(q, "2026_20270110_DEN_BUF", "pinnacle", "moneyline", "home").american,
        -130
    );
    assert_eq!(q.len(), 2 + 2 + 2 + 2 + 2 + 2 + 2 + 3 + 1);

    let mut reasons: Vec<&str> = batch.rejected.iter().map(|r| r.reason.as_str()).collect();
    reasons.sort();
    assert_eq!(
        reasons,
        vec!["invalid_odds", "unknown_team"],
        "{:#?}",
        batch.rejected
    );
    assert!(
        batch
            .warnings
            .iter()
            .any(|w| w.contains("period 9") && w.contains("unknown matchup")),
        "{:?}",
        batch.warnings
    );

    let store = TestStore::new();
    assert_eq!(store.store(&batch, NOW).await.changed, q.len());
}

#[tokio::test]
async fn failures_of_either_endpoint_fail_the_poll() {
    let server = TestServer::start().await;
    server.route("/matchups", Reply::new(200, matchups().to_string()));
    server.route(
        "/markets/straight",
        Reply::new(401, r#"{"message":"bad key"}"#),
    );
    let mut src = source(&server, Duration::from_secs(5));
    assert!(matches!(
        src.poll(NOW).await.unwrap_err(),
        SourceError::Unauthorized { status: 401, .. }
    ));

    server.route(
        "/markets/straight",
        Reply::new(200, "[{\"matchupId\": 1001,"),
    );
    assert!(matches!(
        src.poll(NOW).await.unwrap_err(),
        SourceError::Parse(_)
    ));

    server.route("/markets/straight", Reply::new(200, "{}"));
    assert!(matches!(
        src.poll(NOW).await.unwrap_err(),
        SourceError::Parse(_)
    ));

    server.route(
        "/matchups",
        Reply::new(200, "[]").delay(Duration::from_secs(3)),
    );
    let mut slow = source(&server, Duration::from_millis(300));
    assert_eq!(
        slow.poll(NOW).await.unwrap_err(),
        SourceError::Timeout(Duration::from_millis(300))
    );

    server.route("/matchups", Reply::new(200, "[]"));
    server.route("/markets/straight", Reply::new(200, "[]"));
    let b = src.poll(NOW).await.unwrap();
    assert!(b.events.is_empty() && b.quotes.is_empty());
}
