//! Property tests: whatever bytes or JSON a feed sends, the parsers answer with a batch or an
//! error, never a panic, and every quote they do emit is valid.

use nflreadpy_betting::domain::odds::american_to_decimal;
use nflreadpy_betting::ingest::sources::file_drop::parse_csv;
use nflreadpy_betting::ingest::sources::pinnacle::parse_pinnacle;
use nflreadpy_betting::ingest::sources::the_odds_api::parse_odds;
use nflreadpy_betting::ingest::sources::OddsFormat;
use nflreadpy_betting::ingest::{Normalizer, SourceBatch};
use proptest::prelude::*;
use serde_json::{json, Value};
use std::sync::OnceLock;

fn n() -> &'static Normalizer {
    static N: OnceLock<Normalizer> = OnceLock::new();
    N.get_or_init(Normalizer::embedded)
}

fn check(b: &SourceBatch) {
    for q in &b.quotes {
        assert!(american_to_decimal(q.american).is_ok(), "{q:?}");
        assert_eq!(q.market.has_line(), q.line.is_some(), "{q:?}");
        assert!(q.line.is_none_or(f64::is_finite));
        assert!(
            b.events.iter().any(|e| e.event_id == q.event_id),
            "quote without its event: {q:?}"
        );
    }
}

/// Arbitrary JSON, biased toward the keys and values the parsers look at.
fn json_value() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        Just("id".to_string()),
        Just("home_team".to_string()),
        Just("away_team".to_string()),
        Just("commence_time".to_string()),
        Just("bookmakers".to_string()),
        Just("markets".to_string()),
        Just("outcomes".to_string()),
        Just("key".to_string()),
        Just("name".to_string()),
        Just("price".to_string()),
        Just("point".to_string()),
        Just("last_update".to_string()),
        Just("description".to_string()),
        Just("data".to_string()),
        "[a-z_]{1,8}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|i| json!(i)),
        (-1000i64..1000).prop_map(|i| json!(i)),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f)
            .map(Value::Number)
            .unwrap_or(Value::Null)),
        prop_oneof![
            Just("Kansas City Chiefs"),
            Just("Washington Commanders"),
            Just("Over"),
            Just("Under"),
            Just("h2h"),
            Just("spreads"),
            Just("totals"),
            Just("team_totals_q1"),
            Just("alternate_spreads"),
            Just("2025-10-28T00:15:00Z"),
            Just("draftkings"),
        ]
        .prop_map(|s| json!(s)),
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 64, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// A structurally plausible Odds API event with arbitrary leaves.
fn odds_event() -> impl Strategy<Value = Value> {
    (json_value(), json_value(), json_value(), prop::collection::vec(json_value(), 0..4)).prop_map(|(price, point, name, extra)| {
        json!([{
            "id": "e1", "commence_time": "2025-10-28T00:15:00Z",
            "home_team": "Kansas City Chiefs", "away_team": "Washington Commanders",
            "bookmakers": [{"key": "dk", "last_update": "2025-10-27T12:00:00Z", "markets": [
                {"key": "spreads", "outcomes": [{"name": name, "price": price, "point": point}]},
                {"key": "totals", "outcomes": extra}
            ]}]
        }])
    })
}

proptest! {
    // PROPTEST_CASES raises the count for longer fuzzing runs.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256),
        ..ProptestConfig::default()
    })]

    #[test]
    fn odds_api_parser_never_panics_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        for f in [OddsFormat::American, OddsFormat::Decimal, OddsFormat::Auto] {
            if let Ok(b) = parse_odds(&bytes, n(), f, "p", 0) { check(&b) }
        }
    }

    #[test]
    fn odds_api_parser_never_panics_on_json(v in json_value()) {
        let bytes = v.to_string().into_bytes();
        if let Ok(b) = parse_odds(&bytes, n(), OddsFormat::Auto, "p", 0) { check(&b) }
    }

    #[test]
    fn odds_api_parser_keeps_or_quarantines_every_outcome(v in odds_event()) {
        let b = parse_odds(v.to_string().as_bytes(), n(), OddsFormat::American, "p", 0).unwrap();
        check(&b);
        let outcomes = 1 + v[0]["bookmakers"][0]["markets"][1]["outcomes"].as_array().map_or(0, Vec::len);
        prop_assert_eq!(b.quotes.len() + b.rejected.len(), outcomes);
    }

    #[test]
    fn csv_parser_never_panics_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        if let Ok(b) = parse_csv(&bytes, n(), "p", 0, 0) { check(&b) }
    }

    #[test]
    fn csv_parser_never_panics_on_rows(rows in prop::collection::vec(prop::collection::vec(
        prop_oneof![Just(String::new()), Just("2025_08_WAS_KC".to_string()), Just("KC".to_string()), Just("spread".to_string()),
                    Just("home".to_string()), Just("-110".to_string()), Just("2.5".to_string()), Just("NaN".to_string()),
                    Just("1e308".to_string()), "[ -~]{0,10}"], 11), 0..8)) {
        let mut text = String::from("event_id,commence_time,home_team,away_team,book,market,scope,selection,line,price,observed_at\n");
        for r in rows {
            let cells: Vec<String> = r.into_iter().map(|c| format!("\"{}\"", c.replace('"', "\"\""))).collect();
            text.push_str(&cells.join(","));
            text.push('\n');
        }
        let b = parse_csv(text.as_bytes(), n(), "p", 0, 0).unwrap();
        check(&b);
    }

    #[test]
    fn pinnacle_parser_never_panics(a in prop::collection::vec(any::<u8>(), 0..1024), m in prop::collection::vec(any::<u8>(), 0..1024)) {
        if let Ok(b) = parse_pinnacle(&a, &m, n(), 0) { check(&b) }
    }

    #[test]
    fn pinnacle_parser_never_panics_on_json(a in json_value(), m in json_value(), price in json_value(), points in json_value()) {
        let matchups = json!([{"id": 1, "type": "matchup", "startTime": "2025-10-28T00:15:00Z",
            "participants": [{"alignment": "home", "name": "KC"}, {"alignment": "away", "name": "WAS"}]}, a]);
        let markets = json!([{"matchupId": 1, "type": "spread", "period": 0, "prices": [{"designation": "home", "price": price, "points": points}]}, m]);
        let b = parse_pinnacle(matchups.to_string().as_bytes(), markets.to_string().as_bytes(), n(), 0).unwrap();
        check(&b);
    }
}
