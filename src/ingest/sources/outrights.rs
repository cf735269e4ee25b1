//! Outright (futures) prices: The Odds API's outright sports and the file drop's outright CSV.
//!
//! The Odds API lists a futures market as its own sport key whose only market is `outrights`
//! (`GET /v4/sports/americanfootball_nfl_super_bowl_winner/odds?markets=outrights`); the body is
//! the usual event array, one event per market, `home_team`/`away_team` null, and each outcome
//! `{name, price}` naming a team. The shape follows the API's documentation; no recording of a
//! real outright response was at hand, so the tests run on hand-made bodies shaped as documented.
//! The NFL key the API documents is the Super Bowl winner; conference and division keys are read
//! from their names ([`OutrightMarket::of_sport_key`]) for when it lists them, and any other key
//! is skipped with a warning.
//!
//! The outright CSV (header names these columns, any order; `#` starts a comment line):
//!
//! ```text
//! season,book,market,team,side,line,price,observed_at
//! 2024,circa,super_bowl,Kansas City Chiefs,,,+450,2024-11-01T12:00:00Z
//! 2024,circa,playoffs,DET,yes,,-2000,
//! 2024,circa,win_total,BUF,over,11.5,-120,
//! ```
//!
//! - `season`: the season the market settles (2024 for the Super Bowl of February 2025).
//! - `market`: `super_bowl`, `conference`, `division`, `playoffs`, `win_total`.
//! - `team`: any name, nickname or code the team table knows.
//! - `side`: blank or `win` for the three winner markets, `yes`/`no` for playoffs,
//!   `over`/`under` for win totals; `line` only for win totals (whole or half number).
//! - `price`: American, decimal or fractional; `observed_at` as in the game-quote CSV.

use super::file_drop::{cell_number, cell_price, cell_time, CellError};
use super::{american_from_json, reason, reject, short, time_ms, OddsFormat};
use crate::domain::outright::{check_outright, OutrightMarket, OutrightQuote, OutrightSide};
use crate::ingest::normalize::{franchise_code, season_of, Normalizer};
use crate::ingest::source::{SourceBatch, SourceError};
use serde_json::Value;

/// The Odds API's market key for futures.
pub const MARKET_KEY: &str = "outrights";

/// An Odds API outright sport key to the market it prices (see [`OutrightMarket::of_sport_key`]).
pub fn market_of_sport_key(key: &str) -> Option<OutrightMarket> {
    OutrightMarket::of_sport_key(key)
}

/// Whether an Odds API body carries outright markets (so the file drop reads it as futures).
pub fn is_outright_body(root: &Value) -> bool {
    let events: &[Value] = match root {
        Value::Array(a) => a,
        _ => std::slice::from_ref(root),
    };
    events.iter().any(|ev| {
        ev.get("bookmakers")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|b| b.get("markets").and_then(Value::as_array))
            .flatten()
            .any(|m| m.get("key").and_then(Value::as_str) == Some(MARKET_KEY))
    })
}

/// Parses an outright response. Fails as a whole only when the body is not a JSON array of
/// events; a bad event, book or outcome is quarantined with its reason and the rest survives.
pub fn parse_outrights(
    body: &[u8],
    normalizer: &Normalizer,
    format: OddsFormat,
    source: &str,
    now_ms: i64,
) -> Result<SourceBatch, SourceError> {
    let root: Value = serde_json::from_slice(super::strip_bom(body))
        .map_err(|e| SourceError::Parse(format!("outright body is not JSON: {e}")))?;
    let events = match &root {
        Value::Array(a) => a.as_slice(),
        Value::Object(_) => std::slice::from_ref(&root),
        other => {
            return Err(SourceError::Parse(format!(
                "outright body is {}, expected an array of events",
                short(other)
            )))
        }
    };
    let mut batch = SourceBatch::default();
    for ev in events {
        let key = ev.get("sport_key").and_then(Value::as_str).unwrap_or("");
        let Some(market) = market_of_sport_key(key) else {
            batch.warnings.push(format!(
                "{source}: outright sport key {key:?} not understood; skipped"
            ));
            continue;
        };
        let Some(commence) = ev.get("commence_time").and_then(time_ms) else {
            batch.rejected.push(reject(
                source,
                reason::MISSING_FIELD,
                format!("outright event {key}: no readable commence_time"),
                now_ms,
            ));
            continue;
        };
        let season = season_of(commence);
        let books = ev.get("bookmakers").and_then(Value::as_array);
        for b in books.into_iter().flatten() {
            let Some(book) = b
                .get("key")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
            else {
                batch.rejected.push(reject(
                    source,
                    reason::MISSING_FIELD,
                    format!("outright event {key}: a bookmaker without a key"),
                    now_ms,
                ));
                continue;
            };
            let book_time = b.get("last_update").and_then(time_ms);
            let markets = b.get("markets").and_then(Value::as_array);
            for m in markets.into_iter().flatten() {
                if m.get("key").and_then(Value::as_str) != Some(MARKET_KEY) {
                    continue;
                }
                let observed_ms = m
                    .get("last_update")
                    .and_then(time_ms)
                    .or(book_time)
                    .unwrap_or(now_ms);
                let outcomes = m.get("outcomes").and_then(Value::as_array);
                for o in outcomes.into_iter().flatten() {
                    let name = o.get("name").and_then(Value::as_str).unwrap_or("");
                    let Some(team) = normalizer.team(name) else {
                        batch.rejected.push(reject(
                            source,
                            reason::UNKNOWN_TEAM,
                            format!("{key} {book}: outcome {name:?} is no team"),
                            now_ms,
                        ));
                        continue;
                    };
                    let price = o.get("price").unwrap_or(&Value::Null);
                    match american_from_json(price, format) {
                        Ok(american) => batch.outrights.push(OutrightQuote {
                            season,
                            book: book.to_ascii_lowercase(),
                            market,
                            team: franchise_code(team).to_string(),
                            side: OutrightSide::Win,
                            line: None,
                            american,
                            observed_ms,
                            source: source.to_string(),
                        }),
                        Err(e) => batch.rejected.push(reject(
                            source,
                            reason::INVALID_ODDS,
                            format!("{key} {book} {name}: {e}"),
                            now_ms,
                        )),
                    }
                }
            }
        }
    }
    Ok(batch)
}

const COLUMNS: [&str; 8] = [
    "season",
    "book",
    "market",
    "team",
    "side",
    "line",
    "price",
    "observed_at",
];
const REQUIRED: [&str; 5] = ["season", "book", "market", "team", "price"];

/// Whether a CSV header is the outright layout: it names a `season` and a `team` and no
/// `selection` (the game-quote layout's own column).
pub fn is_outright_header(headers: &csv::StringRecord) -> bool {
    let has = |c: &str| {
        headers.iter().any(|h| {
            h.trim_start_matches('\u{feff}')
                .trim()
                .eq_ignore_ascii_case(c)
        })
    };
    has("season") && has("team") && !has("selection")
}

/// Parses an outright CSV (layout in the module docs). Fails as a whole when the text is not CSV
/// or lacks a required column; a bad row is quarantined with its line number.
pub fn parse_outright_csv(
    bytes: &[u8],
    normalizer: &Normalizer,
    source: &str,
    default_observed_ms: i64,
    now_ms: i64,
) -> Result<SourceBatch, SourceError> {
    let mut batch = SourceBatch::default();
    super::read_csv(
        bytes,
        &COLUMNS,
        &REQUIRED,
        "outright CSV",
        "",
        |row| match outright_row(row.cells, normalizer, source, default_observed_ms) {
            Ok(q) => batch.outrights.push(q),
            Err((why, detail)) => batch.rejected.push(reject(
                source,
                why,
                format!("line {}: {detail}", row.line),
                now_ms,
            )),
        },
    )?;
    Ok(batch)
}

fn outright_row(
    fields: [&str; 8],
    normalizer: &Normalizer,
    source: &str,
    default_observed_ms: i64,
) -> Result<OutrightQuote, CellError> {
    let [season, book, market, team, side, line, price, observed] = fields;
    let season = season
        .parse::<i32>()
        .ok()
        .filter(|s| (1920..=2100).contains(s))
        .ok_or((
            reason::INVALID_FIELD,
            format!("season {season:?} is not a year"),
        ))?;
    if book.is_empty() {
        return Err((reason::MISSING_FIELD, "no book".into()));
    }
    let market = market
        .parse::<OutrightMarket>()
        .map_err(|e| (reason::UNKNOWN_MARKET, e))?;
    let code = normalizer
        .team(team)
        .ok_or((reason::UNKNOWN_TEAM, format!("team {team:?} is no team")))?;
    let side = side
        .parse::<OutrightSide>()
        .map_err(|e| (reason::UNMATCHED_OUTCOME, e))?;
    let line =
        check_outright(market, side, cell_number(line)?).map_err(|m| (reason::INVALID_LINE, m))?;
    let american = cell_price(price)?;
    let observed_ms = cell_time(observed, default_observed_ms)?;
    Ok(OutrightQuote {
        season,
        book: book.to_ascii_lowercase(),
        market,
        team: franchise_code(code).to_string(),
        side,
        line,
        american,
        observed_ms,
        source: source.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n() -> Normalizer {
        Normalizer::embedded()
    }

    #[test]
    fn sport_keys_map_to_markets() {
        assert_eq!(
            market_of_sport_key("americanfootball_nfl_super_bowl_winner"),
            Some(OutrightMarket::SuperBowl)
        );
        assert_eq!(
            market_of_sport_key("americanfootball_nfl_afc_championship_winner"),
            Some(OutrightMarket::Conference)
        );
        assert_eq!(
            market_of_sport_key("americanfootball_nfl_nfc_west_winner"),
            Some(OutrightMarket::Division)
        );
        assert_eq!(market_of_sport_key("americanfootball_nfl"), None);
        assert_eq!(market_of_sport_key("golf_masters_tournament_winner"), None);
    }

    #[test]
    fn the_odds_api_outright_body_parses_and_quarantines_bad_outcomes() {
        let body = br#"[{"id":"e1","sport_key":"americanfootball_nfl_super_bowl_winner",
            "sport_title":"NFL Super Bowl Winner","commence_time":"2025-02-09T23:30:00Z",
            "home_team":null,"away_team":null,"bookmakers":[{"key":"DraftKings",
            "title":"DraftKings","last_update":"2024-11-01T12:00:00Z","markets":[{"key":"outrights",
            "last_update":"2024-11-01T12:00:00Z","outcomes":[{"name":"Kansas City Chiefs","price":450},
            {"name":"Detroit Lions","price":500},{"name":"London Monarchs","price":100000},
            {"name":"Buffalo Bills","price":"x"}]}]}]},
            {"id":"e2","sport_key":"americanfootball_nfl_mvp","commence_time":"2025-02-09T23:30:00Z",
            "bookmakers":[]}]"#;
        assert!(is_outright_body(&serde_json::from_slice(body).unwrap()));
        let b = parse_outrights(body, &n(), OddsFormat::American, "t", 0).unwrap();
        assert_eq!(b.outrights.len(), 2);
        let kc = &b.outrights[0];
        assert_eq!(
            (kc.season, kc.team.as_str(), kc.american),
            (2024, "KC", 450)
        );
        assert_eq!(kc.book, "draftkings");
        assert_eq!(b.rejected.len(), 2, "{:?}", b.rejected);
        assert_eq!(b.warnings.len(), 1);
        assert!(parse_outrights(b"{", &n(), OddsFormat::American, "t", 0).is_err());
    }

    #[test]
    fn outright_csv_parses_each_market_and_names_bad_lines() {
        let text = "season,book,market,team,side,line,price,observed_at\n\
            2024,circa,super_bowl,Kansas City Chiefs,,,+450,2024-11-01T12:00:00Z\n\
            2024,circa,playoffs,DET,yes,,-2000,\n\
            2024,circa,win_total,Bills,over,11.5,1.87,\n\
            2024,circa,win_total,BUF,over,,-110,\n\
            2024,circa,mvp,BUF,,,+300,\n\
            nope,circa,division,BUF,,,+300,\n";
        let hdr = csv::ReaderBuilder::new()
            .from_reader(text.as_bytes())
            .headers()
            .unwrap()
            .clone();
        assert!(is_outright_header(&hdr));
        let b = parse_outright_csv(text.as_bytes(), &n(), "file", 7, 9).unwrap();
        assert_eq!(b.outrights.len(), 3);
        assert_eq!(b.outrights[1].side, OutrightSide::Yes);
        assert_eq!(b.outrights[1].observed_ms, 7);
        assert_eq!(b.outrights[2].line, Some(11.5));
        assert_eq!(b.outrights[2].american, -115);
        let details: Vec<&str> = b.rejected.iter().map(|r| r.detail.as_str()).collect();
        assert!(details[0].starts_with("line 5:"), "{details:?}");
        assert!(details[1].starts_with("line 6:") && details[1].contains("mvp"));
        assert!(details[2].starts_with("line 7:") && details[2].contains("season"));
        let team_odds = csv::ReaderBuilder::new()
            .from_reader(&b"team,odds\n"[..])
            .headers()
            .unwrap()
            .clone();
        assert!(!is_outright_header(&team_odds), "a game file's mistake");
        let err = parse_outright_csv(b"season,book,team\n", &n(), "f", 0, 0).unwrap_err();
        assert!(err.to_string().contains("market, price"), "{err}");
    }

    proptest::proptest! {
        /// Whatever arrives, the parsers answer with quotes, quarantined rows or an error: never
        /// a panic, and never a price outside the range books quote.
        #[test]
        fn no_input_panics(body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600),
                           price in proptest::prelude::any::<f64>(), team in "[A-Za-z ]{0,20}") {
            let n = n();
            let _ = parse_outrights(&body, &n, OddsFormat::Auto, "t", 0);
            let _ = parse_outright_csv(&body, &n, "t", 0, 0);
            let json = format!(
                r#"[{{"sport_key":"americanfootball_nfl_super_bowl_winner","commence_time":"2025-02-09T23:30:00Z","bookmakers":[{{"key":"b","markets":[{{"key":"outrights","outcomes":[{{"name":{team:?},"price":{price}}}]}}]}}]}}]"#
            );
            if let Ok(b) = parse_outrights(json.as_bytes(), &n, OddsFormat::Auto, "t", 0) {
                for q in b.outrights {
                    proptest::prop_assert!(q.american.abs() >= 100 && q.american.abs() <= super::super::MAX_AMERICAN);
                }
            }
            let csv = format!("season,book,market,team,side,line,price\n2024,b,win_total,{team},over,{price},{price}\n");
            let b = parse_outright_csv(csv.as_bytes(), &n, "t", 0, 0).unwrap();
            proptest::prop_assert_eq!(b.outrights.len() + b.rejected.len(), 1);
        }
    }
}
