//! The Odds API adapter against a loopback server replaying real recorded responses, and every
//! failure the API (or the network) can produce.

mod common;

use common::*;
use nflreadpy_betting::config::TheOddsApiSource;
use nflreadpy_betting::domain::{MarketKind, Scope, Selection};
use nflreadpy_betting::ingest::sources::the_odds_api::parse_odds;
use nflreadpy_betting::ingest::sources::{OddsFormat, TheOddsApi};
use nflreadpy_betting::ingest::{Normalizer, Quota, SourceError};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

const KEY: &str = "test-key-8f3a9c";
const NOW: i64 = 1_787_407_200_000; // 2026-08-22T14:00:00Z

fn normalizer() -> Arc<Normalizer> {
    static N: OnceLock<Arc<Normalizer>> = OnceLock::new();
    N.get_or_init(|| Arc::new(Normalizer::embedded())).clone()
}

fn cfg(server: &TestServer) -> TheOddsApiSource {
    TheOddsApiSource {
        enabled: true,
        base_url: server.base_url(),
        api_key: KEY.into(),
        markets: vec!["h2h".into(), "spreads".into()],
        ..TheOddsApiSource::default()
    }
}

fn api(server: &TestServer) -> TheOddsApi {
    TheOddsApi::new(&cfg(server), Duration::from_secs(5), normalizer()).unwrap()
}

const ODDS_PATH: &str = "/v4/sports/americanfootball_nfl/odds";

fn assert_no_secret(e: &SourceError) {
    let text = format!("{e} {e:?}");
    assert!(
        !text.contains(KEY),
        "the API key leaked into an error: {text}"
    );
}

#[tokio::test]
async fn wk1_recording_is_stored_with_home_away_prices_and_points() {
    let server = TestServer::start().await;
    server.route(
        ODDS_PATH,
        Reply::new(200, fixture(WK1))
            .header("x-requests-remaining", "480")
            .header("x-requests-used", "20")
            .header("x-requests-last", "2"),
    );
    let mut src = api(&server);
    let batch = src.poll(NOW).await.unwrap();

    let req = &server.requests()[0];
    assert!(req.target.starts_with(ODDS_PATH), "{}", req.target);
    assert!(
        req.target.ends_with(&format!(
            "?apiKey={KEY}&regions=us&markets=h2h%2Cspreads&oddsFormat=american&dateFormat=iso"
        )),
        "{}",
        req.target
    );
    assert!(!src.redacted_url().contains(KEY));
    assert!(src.redacted_url().contains("apiKey=[redacted]"));

    assert_eq!(
        batch.quota,
        Some(Quota {
            remaining: Some(480),
            used: Some(20),
            last: Some(2)
        })
    );
    assert_eq!(src.quota(), batch.quota);
    assert!(batch.warnings.is_empty(), "{:?}", batch.warnings);
    assert!(batch.rejected.is_empty(), "{:?}", batch.rejected);
    assert_eq!(batch.events.len(), 16);
    assert_eq!(batch.quotes.len(), 560, "every outcome of the recording");
    let books: BTreeSet<&str> = batch.quotes.iter().map(|q| q.book.as_str()).collect();
    assert_eq!(books.len(), 9, "{books:?}");

    let store = TestStore::new();
    let stats = store.store(&batch, NOW).await;
    assert_eq!((stats.received, stats.changed), (560, 560));
    assert_eq!(store.count("events"), 16);
    assert_eq!(store.count("quotes_latest"), 560);
    assert_eq!(store.count("quotes_history"), 560);

    let events = store.events();
    let sea = events.iter().find(|e| e.home_team == "SEA").unwrap();
    // 2026 is past the shipped schedule: a synthetic id from the Eastern kickoff date.
    assert_eq!(sea.event_id, "2026_20260909_NE_SEA");
    assert_eq!(
        (sea.away_team.as_str(), sea.season, sea.game_id.as_deref()),
        ("NE", Some(2026), None)
    );
    assert!(events.iter().any(|e| e.event_id == "2026_20260910_SF_LA"));
    assert!(events.iter().any(|e| e.event_id == "2026_20260913_WAS_PHI"));

    let latest = store.latest();
    // Real values from the recording: outcomes listed alphabetically (NE first) land on the right side.
    let ev = "2026_20260909_NE_SEA";
    let dk_home_ml = find(&latest, ev, "draftkings", "moneyline", "home");
    assert_eq!((dk_home_ml.american, dk_home_ml.line), (-185, None));
    assert_eq!(
        find(&latest, ev, "draftkings", "moneyline", "away").american,
        154
    );
    let dk_home_sp = find(&latest, ev, "draftkings", "spread", "home");
    assert_eq!((dk_home_sp.american, dk_home_sp.line), (-110, Some(-3.5)));
    assert_eq!(
        find(&latest, ev, "draftkings", "spread", "away").line,
        Some(3.5)
    );
    assert_eq!(
        find(&latest, ev, "fanduel", "moneyline", "away").american,
        162
    );
    assert_eq!(
        find(&latest, ev, "fanduel", "spread", "home").american,
        -112
    );
    let lv = find(&latest, ev, "lowvig", "spread", "home");
    assert_eq!((lv.american, lv.line), (100, Some(-4.0)), "+100 survives");
    // The market's last_update, not the poll time.
    assert_eq!(
        dk_home_ml.observed_ms,
        chrono::DateTime::parse_from_rfc3339("2026-08-22T13:42:01Z")
            .unwrap()
            .timestamp_millis()
    );
    assert!(latest
        .iter()
        .all(|q| q.observed_ms < NOW && q.source == "the-odds-api" && q.scope == Scope::Game));
    // A pick'em line of 0 is kept, not lost to a truthiness check.
    let hou = events.iter().find(|e| e.home_team == "HOU").unwrap();
    let pk = find(&latest, &hou.event_id, "lowvig", "spread", "away");
    assert_eq!((pk.american, pk.line), (100, Some(0.0)));

    // Unchanged prices on the next poll: seen again, no new history rows.
    let batch2 = src.poll(NOW + 60_000).await.unwrap();
    let stats2 = store.store(&batch2, NOW + 60_000).await;
    assert_eq!((stats2.received, stats2.changed), (560, 0));
    assert_eq!(store.count("quotes_history"), 560);
    assert_eq!(store.count("quotes_latest"), 560);
    assert_eq!(store.count("events"), 16);
}

#[tokio::test]
async fn wk8_recording_matches_nflverse_game_ids() {
    let server = TestServer::start().await;
    server.route(ODDS_PATH, Reply::new(200, fixture(WK8)));
    let batch = api(&server).poll(NOW).await.unwrap();
    assert!(batch.rejected.is_empty(), "{:?}", batch.rejected);
    assert_eq!(batch.quota, None, "no quota headers sent");
    let ids: BTreeSet<String> = batch.events.iter().map(|e| e.event_id.clone()).collect();
    let want: BTreeSet<String> = [
        "2025_08_MIN_LAC",
        "2025_08_MIA_ATL",
        "2025_08_CHI_BAL",
        "2025_08_BUF_CAR",
        "2025_08_NYJ_CIN",
        "2025_08_SF_HOU",
        "2025_08_CLE_NE",
        "2025_08_NYG_PHI",
        "2025_08_TB_NO",
        "2025_08_DAL_DEN",
        "2025_08_TEN_IND",
        "2025_08_GB_PIT",
        "2025_08_WAS_KC",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(ids, want);
    assert!(batch.events.iter().all(|e| e.season == Some(2025)
        && e.week == Some(8)
        && e.game_id.as_deref() == Some(&e.event_id)));
    assert_eq!(batch.quotes.len(), 858);
    let books: BTreeSet<&str> = batch.quotes.iter().map(|q| q.book.as_str()).collect();
    assert_eq!(books.len(), 11);

    let q = &batch.quotes;
    let ev = "2025_08_MIN_LAC";
    assert_eq!(
        find(q, ev, "draftkings", "moneyline", "home").american,
        -175
    );
    assert_eq!(find(q, ev, "draftkings", "moneyline", "away").american, 145);
    let sp = find(q, ev, "draftkings", "spread", "home");
    assert_eq!((sp.american, sp.line), (-120, Some(-3.0)));
    let over = find(q, ev, "draftkings", "total", "over");
    assert_eq!((over.american, over.line), (-112, Some(44.5)));
    let under = find(q, ev, "draftkings", "total", "under");
    assert_eq!((under.american, under.line), (-108, Some(44.5)));
}

#[tokio::test]
async fn quota_below_threshold_warns() {
    let server = TestServer::start().await;
    server.route(
        ODDS_PATH,
        Reply::new(200, "[]")
            .header("x-requests-remaining", "12")
            .header("x-requests-used", "488"),
    );
    let batch = api(&server).poll(NOW).await.unwrap();
    assert_eq!(batch.quota.unwrap().remaining, Some(12));
    assert!(
        batch
            .warnings
            .iter()
            .any(|w| w.contains("quota low") && w.contains("12")),
        "{:?}",
        batch.warnings
    );
}

#[tokio::test]
async fn bookmakers_and_decimal_odds_are_requested_and_converted() {
    let server = TestServer::start().await;
    let body = json!([{
        "id": "x1", "commence_time": "2025-10-24T00:15:00Z",
        "home_team": "Los Angeles Chargers", "away_team": "Minnesota Vikings",
        "bookmakers": [{"key": "pinnacle", "last_update": "2025-10-21T22:00:00Z", "markets": [
            {"key": "h2h", "outcomes": [{"name": "Minnesota Vikings", "price": 2.45}, {"name": "Los Angeles Chargers", "price": 1.62}]},
            {"key": "totals", "last_update": "2025-10-21T22:01:00Z", "outcomes": [
                {"name": "Over", "price": 1.95, "point": 44.5}, {"name": "Under", "price": 1.95, "point": 44.5}]}
        ]}]
    }]);
    server.route(ODDS_PATH, Reply::new(200, body.to_string()));
    let mut c = cfg(&server);
    c.odds_format = "decimal".into();
    c.bookmakers = vec!["pinnacle".into(), "circa".into()];
    c.regions = vec!["us".into(), "eu".into()];
    let batch = TheOddsApi::new(&c, Duration::from_secs(5), normalizer())
        .unwrap()
        .poll(NOW)
        .await
        .unwrap();
    let t = &server.requests()[0].target;
    assert!(
        t.contains("regions=us%2Ceu")
            && t.contains("oddsFormat=decimal")
            && t.ends_with("&bookmakers=pinnacle%2Ccirca"),
        "{t}"
    );
    let q = &batch.quotes;
    assert_eq!(
        find(q, "2025_08_MIN_LAC", "pinnacle", "moneyline", "away").american,
        145
    );
    assert_eq!(
        find(q, "2025_08_MIN_LAC", "pinnacle", "moneyline", "home").american,
        -161
    );
    let o = find(q, "2025_08_MIN_LAC", "pinnacle", "total", "over");
    assert_eq!((o.american, o.line), (-105, Some(44.5)));
    // The market's own last_update wins over the bookmaker's; the bookmaker's fills in.
    let ts = |s: &str| {
        chrono::DateTime::parse_from_rfc3339(s)
            .unwrap()
            .timestamp_millis()
    };
    assert_eq!(o.observed_ms, ts("2025-10-21T22:01:00Z"));
    assert_eq!(
        find(q, "2025_08_MIN_LAC", "pinnacle", "moneyline", "away").observed_ms,
        ts("2025-10-21T22:00:00Z")
    );
}

#[tokio::test]
async fn neutral_site_game_takes_the_nflverse_orientation() {
    // 2025_04_MIN_PIT was played in Dublin with PIT the designated home team; a feed that lists
    // MIN as home still lands on the nflverse game, with selections flipped to match.
    let server = TestServer::start().await;
    let body = json!([{
        "id": "dub", "commence_time": "2025-09-28T13:30:00Z",
        "home_team": "Minnesota Vikings", "away_team": "Pittsburgh Steelers",
        "bookmakers": [{"key": "fanduel", "last_update": "2025-09-27T10:00:00Z", "markets": [
            {"key": "spreads", "outcomes": [
                {"name": "Minnesota Vikings", "price": -110, "point": -3.0},
                {"name": "Pittsburgh Steelers", "price": -110, "point": 3.0}]},
            {"key": "team_totals", "outcomes": [
                {"name": "Over", "description": "Minnesota Vikings", "price": -115, "point": 23.5}]}
        ]}]
    }]);
    server.route(ODDS_PATH, Reply::new(200, body.to_string()));
    let batch = api(&server).poll(NOW).await.unwrap();
    assert!(batch.rejected.is_empty(), "{:?}", batch.rejected);
    let e = &batch.events[0];
    assert_eq!(
        (
            e.event_id.as_str(),
            e.home_team.as_str(),
            e.away_team.as_str()
        ),
        ("2025_04_MIN_PIT", "PIT", "MIN")
    );
    let q = &batch.quotes;
    let min = find(q, "2025_04_MIN_PIT", "fanduel", "spread", "away");
    assert_eq!(
        min.line,
        Some(-3.0),
        "MIN gives 3 and MIN is the nflverse away team"
    );
    assert_eq!(
        find(q, "2025_04_MIN_PIT", "fanduel", "spread", "home").line,
        Some(3.0)
    );
    let tt = find(q, "2025_04_MIN_PIT", "fanduel", "team_total", "away_over");
    assert_eq!(
        (tt.market, tt.selection, tt.line),
        (MarketKind::TeamTotal, Selection::AwayOver, Some(23.5))
    );
}

/// A good poll stored, then each failure in turn: the store must not change.
#[tokio::test]
async fn http_failures_map_to_source_errors_and_leave_the_store_intact() {
    let server = TestServer::start().await;
    server.route(ODDS_PATH, Reply::new(200, fixture(WK8)));
    let mut src = api(&server);
    let store = TestStore::new();
    store.store(&src.poll(NOW).await.unwrap(), NOW).await;
    let before = (
        store.latest(),
        store.count("quotes_history"),
        store.events(),
    );

    type Check = fn(&SourceError) -> bool;
    let cases: Vec<(Reply, Check)> = vec![
        (Reply::new(500, r#"{"message":"internal"}"#), |e| {
            matches!(e, SourceError::Http { status: 500, .. })
        }),
        (
            Reply::new(503, "<html>down</html>"),
            |e| matches!(e, SourceError::Http { status: 503, message } if message.contains("down")),
        ),
        (
            Reply::new(
                401,
                format!(r#"{{"message":"API key {KEY} is not valid"}}"#),
            ),
            |e| matches!(e, SourceError::Unauthorized { status: 401, message } if message.contains("[redacted]")),
        ),
        (Reply::new(403, "forbidden"), |e| {
            matches!(e, SourceError::Unauthorized { status: 403, .. })
        }),
        (
            Reply::new(422, r#"{"message":"Invalid markets parameter"}"#),
            |e| matches!(e, SourceError::BadRequest(m) if m == "Invalid markets parameter"),
        ),
        (
            Reply::new(429, r#"{"message":"Usage quota has been reached"}"#)
                .header("Retry-After", "7"),
            |e| matches!(e, SourceError::RateLimited { retry_after: Some(d), message } if *d == Duration::from_secs(7) && message.contains("quota")),
        ),
        (Reply::new(429, "{}"), |e| {
            matches!(
                e,
                SourceError::RateLimited {
                    retry_after: None,
                    ..
                }
            )
        }),
        (
            Reply::new(200, fixture(WK8)[..5_000].to_vec()),
            |e| matches!(e, SourceError::Parse(m) if m.contains("invalid JSON")),
        ),
        (Reply::new(200, "not json at all"), |e| {
            matches!(e, SourceError::Parse(_))
        }),
        (
            Reply::new(200, r#"{"message":"unexpected object"}"#),
            |e| matches!(e, SourceError::Parse(m) if m.contains("unexpected object")),
        ),
        (Reply::new(200, ""), |e| matches!(e, SourceError::Parse(_))),
    ];
    for (i, (reply, check)) in cases.into_iter().enumerate() {
        server.route(ODDS_PATH, reply.clone());
        let err = src
            .poll(NOW + 1000 * i as i64)
            .await
            .expect_err(&format!("case {i} should fail"));
        assert!(check(&err), "case {i} (HTTP {}): got {err:?}", reply.status);
        assert_no_secret(&err);
    }
    assert_eq!(
        (
            store.latest(),
            store.count("quotes_history"),
            store.events()
        ),
        before
    );
}

#[tokio::test]
async fn a_slow_server_times_out() {
    let server = TestServer::start().await;
    server.route(
        ODDS_PATH,
        Reply::new(200, "[]").delay(Duration::from_secs(3)),
    );
    let mut src = TheOddsApi::new(&cfg(&server), Duration::from_millis(300), normalizer()).unwrap();
    let started = std::time::Instant::now();
    let err = src.poll(NOW).await.unwrap_err();
    assert_eq!(err, SourceError::Timeout(Duration::from_millis(300)));
    assert!(err.retryable());
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn connection_refused_is_a_network_error_without_the_key() {
    // Bind then drop a listener so the port is (almost certainly) closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let c = TheOddsApiSource {
        base_url: format!("http://127.0.0.1:{port}"),
        api_key: KEY.into(),
        ..TheOddsApiSource::default()
    };
    let err = TheOddsApi::new(&c, Duration::from_secs(2), normalizer())
        .unwrap()
        .poll(NOW)
        .await
        .unwrap_err();
    assert!(matches!(err, SourceError::Network(_)), "{err:?}");
    assert_no_secret(&err);
}

#[tokio::test]
async fn empty_array_is_an_empty_batch() {
    let server = TestServer::start().await;
    server.route(ODDS_PATH, Reply::new(200, "[]"));
    let batch = api(&server).poll(NOW).await.unwrap();
    assert!(batch.events.is_empty() && batch.quotes.is_empty() && batch.rejected.is_empty());
}

/// Schema drift inside an otherwise good response: the broken pieces are quarantined with a
/// reason, everything else is stored, and nothing already stored is disturbed.
#[tokio::test]
async fn schema_drift_is_quarantined_and_the_rest_stored() {
    let server = TestServer::start().await;
    server.route(ODDS_PATH, Reply::new(200, fixture(WK8)));
    let mut src = api(&server);
    let store = TestStore::new();
    store.store(&src.poll(NOW).await.unwrap(), NOW).await;
    let before = store.latest();

    let mut v: Value = serde_json::from_slice(&fixture(WK8)).unwrap();
    let evs = v.as_array_mut().unwrap();
    // 0: missing home_team -> one missing_field, the event's 66 outcomes dropped.
    evs[0].as_object_mut().unwrap().remove("home_team");
    // 1: an unknown team -> one unknown_team.
    evs[1]["away_team"] = json!("London Monarchs");
    // 2: bookmakers of the wrong type -> invalid_field (event still known).
    evs[2]["bookmakers"] = json!("soon");
    // 3: outcome-level drift in the first book.
    let m = &mut evs[3]["bookmakers"][0]["markets"];
    m[0]["outcomes"][0]["price"] = json!(50); // impossible American price
    m[0]["outcomes"][1]["price"] = json!("-110"); // wrong type
    m[1]["outcomes"][0].as_object_mut().unwrap().remove("point"); // spread without point
    m[1]["outcomes"][1]["name"] = json!("Nobody FC"); // matches no team
    m[2]["outcomes"][0]["point"] = json!("44.5"); // wrong type
                                                  // 4: a market without last_update anywhere, and a non-object outcome.
    evs[4]["bookmakers"][0]
        .as_object_mut()
        .unwrap()
        .remove("last_update");
    evs[4]["bookmakers"][0]["markets"][0]
        .as_object_mut()
        .unwrap()
        .remove("last_update");
    evs[4]["bookmakers"][1]["markets"][0]["outcomes"][0] = json!(42);
    // 5: commence_time not a time; 6 is not an object at all.
    evs[5]["commence_time"] = json!("next Sunday");
    evs[6] = json!("garbage");
    server.route(ODDS_PATH, Reply::new(200, v.to_string()));

    let batch = src.poll(NOW + 60_000).await.unwrap();
    let reasons = |r: &str| batch.rejected.iter().filter(|q| q.reason == r).count();
    assert_eq!(reasons("missing_field"), 1 + 1 + 1, "{:#?}", batch.rejected); // home_team, point, last_update
    assert_eq!(reasons("unknown_team"), 1);
    assert_eq!(
        reasons("invalid_field"),
        1 + 1 + 1 + 1 + 1,
        "{:#?}",
        batch.rejected
    ); // bookmakers, point type, outcome 42, commence_time, event 6
    assert_eq!(reasons("invalid_odds"), 2);
    assert_eq!(reasons("unmatched_outcome"), 1);
    assert!(batch
        .rejected
        .iter()
        .all(|r| r.source == "the-odds-api" && r.observed_ms == NOW + 60_000));
    assert!(batch
        .rejected
        .iter()
        .any(|r| r.detail.contains("London Monarchs")));
    // Every event has 11 books x 6 outcomes: events 0, 1, 2, 5 and 6 lose all 66; event 3 loses
    // five outcomes, event 4 one market (2) and one outcome.
    assert_eq!(batch.quotes.len(), 858 - 5 * 66 - 5 - 2 - 1);
    assert_eq!(
        batch.events.len(),
        13 - 1 - 1 - 1 - 1,
        "events 0, 1, 5, 6 unresolvable"
    );

    let stats = store.store(&batch, NOW + 60_000).await;
    assert_eq!(
        stats.changed, 0,
        "the surviving prices are the same as before"
    );
    assert_eq!(store.latest(), before, "nothing stored was damaged");
    assert_eq!(store.count("quarantine") as usize, batch.rejected.len());
}

#[test]
fn whole_body_parser_accepts_envelopes_and_single_events() {
    let n = normalizer();
    let arr: Value = serde_json::from_slice(&fixture(WK8)).unwrap();
    let envelope = json!({"timestamp": "2025-10-21T22:55:00Z", "data": arr});
    let b = parse_odds(
        envelope.to_string().as_bytes(),
        &n,
        OddsFormat::American,
        "t",
        NOW,
    )
    .unwrap();
    assert_eq!((b.events.len(), b.quotes.len()), (13, 858));
    let single = arr[0].to_string();
    let b = parse_odds(single.as_bytes(), &n, OddsFormat::American, "t", NOW).unwrap();
    assert_eq!(b.events.len(), 1);
    let props = json!([{"id":"p","commence_time":"2025-10-24T00:15:00Z","home_team":"Los Angeles Chargers","away_team":"Minnesota Vikings",
        "bookmakers":[{"key":"dk","last_update":"2025-10-21T22:00:00Z","markets":[{"key":"player_pass_tds","outcomes":[{"name":"Over","price":-110,"point":1.5}]}]}]}]);
    let b = parse_odds(
        props.to_string().as_bytes(),
        &n,
        OddsFormat::American,
        "t",
        NOW,
    )
    .unwrap();
    assert!(b.quotes.is_empty() && b.rejected.is_empty());
    assert!(
        b.warnings[0].contains("player_pass_tds (1)"),
        "{:?}",
        b.warnings
    );
}
