//! Pinnacle's public "arcadia" guest JSON, the API behind pinnacle.com. Off by default.
//!
//! **Unverified.** No genuine recording of these endpoints was available when this was written;
//! the shapes below come from `shared/research/data-sources.md` §2.4 (read from public code that
//! calls them), and the tests use synthetic payloads in that shape. In particular unverified:
//! the period numbering (taken from Pinnacle's official lines API: 0 game, 1 first half, 2 second
//! half, 3..6 quarters), `side` on team totals, whether child matchups (`parentId`) carry their
//! own participants, and whether prices are ever decimal. The endpoint is unofficial, may demand
//! browser headers, and can change without notice; prefer Pinnacle through The Odds API (`eu`
//! region, bookmaker `pinnacle`) where possible.
//!
//! - `GET {base}/leagues/{league}/matchups` ->
//!   `[{id, type:"matchup"|"special", parentId, startTime, participants:[{alignment:"home"|"away", name}]}]`
//! - `GET {base}/leagues/{league}/markets/straight` ->
//!   `[{matchupId, key, type:"moneyline"|"spread"|"total"|"team_total", period, isAlternate,
//!   status:"open", side?:"home"|"away", prices:[{designation:"home"|"away"|"draw"|"over"|"under",
//!   price, points?}]}]`
//!
//! Prices are read as American when the JSON number is an integer and as decimal otherwise.
//! Spread `points` are per designation (home -3.5 / away +3.5), which is already this crate's
//! line convention. The payload has no per-price timestamp, so quotes are stamped with the poll
//! time: it is a snapshot of the live board.

use super::{
    american_from_json, check_line, dedup_events, fetch, http_client, oriented, reason, reject,
    scope_of_period, short, time_ms, OddsFormat, SetupError, SharedNormalizer,
};
use crate::config::PinnacleSource;
use crate::domain::{MarketKind, Quote, Selection};
use crate::ingest::normalize::Normalizer;
use crate::ingest::source::{SourceBatch, SourceError};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

pub const SOURCE: &str = "pinnacle";
pub const BOOK: &str = "pinnacle";

pub struct Pinnacle {
    cfg: PinnacleSource,
    client: reqwest::Client,
    timeout: Duration,
    normalizer: SharedNormalizer,
    matchups_url: reqwest::Url,
    markets_url: reqwest::Url,
}

impl Pinnacle {
    pub fn new(
        cfg: &PinnacleSource,
        timeout: Duration,
        normalizer: SharedNormalizer,
    ) -> Result<Pinnacle, SetupError> {
        let base = cfg.base_url.trim().trim_end_matches('/');
        let parse = |path: &str| {
            reqwest::Url::parse(&format!("{base}/leagues/{}/{path}", cfg.league_id)).map_err(|e| {
                SetupError::BaseUrl {
                    url: cfg.base_url.clone(),
                    message: e.to_string(),
                }
            })
        };
        Ok(Pinnacle {
            cfg: cfg.clone(),
            client: http_client(timeout)?,
            timeout,
            normalizer,
            matchups_url: parse("matchups")?,
            markets_url: parse("markets/straight")?,
        })
    }

    /// Fetches matchups and markets concurrently; either failing fails the poll.
    pub async fn poll(&mut self, now_ms: i64) -> Result<SourceBatch, SourceError> {
        let key = self.cfg.api_key.expose();
        let req = |url: &reqwest::Url| {
            self.client
                .get(url.clone())
                .header("X-API-Key", key)
                .header("Accept", "application/json")
        };
        let (matchups, markets) = tokio::join!(
            fetch(req(&self.matchups_url), self.timeout, key),
            fetch(req(&self.markets_url), self.timeout, key)
        );
        let (matchups, markets) = (matchups?.body, markets?.body);
        let normalizer = self.normalizer.clone();
        tokio::task::spawn_blocking(move || {
            parse_pinnacle(&matchups, &markets, &normalizer, now_ms)
        })
        .await
        .map_err(|e| SourceError::Parse(format!("parser task failed: {e}")))?
    }
}

struct Matchup {
    event_id: String,
    swapped: bool,
}

/// Parses the two guest responses into a batch. Fails as a whole when either body is not a JSON
/// array; matchups and markets that do not fit are quarantined.
pub fn parse_pinnacle(
    matchups: &[u8],
    markets: &[u8],
    normalizer: &Normalizer,
    now_ms: i64,
) -> Result<SourceBatch, SourceError> {
    let array = |bytes: &[u8], what: &str| -> Result<Vec<Value>, SourceError> {
        match serde_json::from_slice::<Value>(super::strip_bom(bytes)) {
            Ok(Value::Array(a)) => Ok(a),
            Ok(_) => Err(SourceError::Parse(format!(
                "pinnacle {what}: expected a JSON array"
            ))),
            Err(e) => Err(SourceError::Parse(format!(
                "pinnacle {what}: invalid JSON: {e}"
            ))),
        }
    };
    let (matchups, markets) = (array(matchups, "matchups")?, array(markets, "markets")?);
    let mut batch = SourceBatch::default();
    let rej = |reason: &str, detail: String| reject(SOURCE, reason, detail, now_ms);
    let mut by_id: HashMap<i64, Matchup> = HashMap::new();
    let mut children: Vec<(i64, i64)> = Vec::new();
    for m in &matchups {
        let id = m.get("id").and_then(Value::as_i64);
        let kind = m.get("type").and_then(Value::as_str).unwrap_or("matchup");
        if kind != "matchup" {
            continue; // specials and futures are outside the taxonomy
        }
        let Some(id) = id else {
            batch.rejected.push(rej(
                reason::MISSING_FIELD,
                format!("matchup without a numeric `id`: {}", short(m)),
            ));
            continue;
        };
        let parts = m.get("participants").and_then(Value::as_array);
        let side = |al: &str| {
            parts?
                .iter()
                .find(|p| p.get("alignment").and_then(Value::as_str) == Some(al))?
                .get("name")?
                .as_str()
        };
        if let (Some(parent), None) = (m.get("parentId").and_then(Value::as_i64), side("home")) {
            children.push((id, parent));
            continue;
        }
        let (Some(home), Some(away)) = (side("home"), side("away")) else {
            batch.rejected.push(rej(
                reason::MISSING_FIELD,
                format!("matchup {id}: no home and away participants"),
            ));
            continue;
        };
        let Some(kick) = m.get("startTime").and_then(time_ms) else {
            batch.rejected.push(rej(
                reason::MISSING_FIELD,
                format!("matchup {id} ({away} @ {home}): no readable `startTime`"),
            ));
            continue;
        };
        match normalizer.resolve(home, away, kick) {
            Ok(r) => {
                by_id.insert(
                    id,
                    Matchup {
                        event_id: r.event.event_id.clone(),
                        swapped: r.swapped,
                    },
                );
                batch.events.push(r.event);
            }
            Err(e) => batch
                .rejected
                .push(rej(reason::UNKNOWN_TEAM, format!("matchup {id}: {e}"))),
        }
    }
    for (child, parent) in children {
        if let Some(p) = by_id.get(&parent) {
            let m = Matchup {
                event_id: p.event_id.clone(),
                swapped: p.swapped,
            };
            by_id.insert(child, m);
        }
    }
    let mut skipped: BTreeMap<String, usize> = BTreeMap::new();
    for mk in &markets {
        let Some(mid) = mk.get("matchupId").and_then(Value::as_i64) else {
            batch.rejected.push(rej(
                reason::MISSING_FIELD,
                format!("market without `matchupId`: {}", short(mk)),
            ));
            continue;
        };
        let Some(matchup) = by_id.get(&mid) else {
            // Markets of specials, of matchups filtered above, or of games already off the board.
            *skipped.entry("unknown matchup".into()).or_default() += 1;
            continue;
        };
        if mk
            .get("status")
            .and_then(Value::as_str)
            .is_some_and(|s| s != "open")
        {
            continue;
        }
        let ty = mk.get("type").and_then(Value::as_str).unwrap_or("");
        let alt = mk
            .get("isAlternate")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let Some(period) = mk.get("period").and_then(Value::as_i64) else {
            batch.rejected.push(rej(
                reason::MISSING_FIELD,
                format!("market {}: no numeric `period`", short(mk)),
            ));
            continue;
        };
        let Some(scope) = scope_of_period(period) else {
            *skipped.entry(format!("period {period}")).or_default() += 1;
            continue;
        };
        let Some(prices) = mk.get("prices").and_then(Value::as_array) else {
            batch.rejected.push(rej(
                reason::MISSING_FIELD,
                format!("market {}: no `prices` array", short(mk)),
            ));
            continue;
        };
        let has_draw = prices
            .iter()
            .any(|p| p.get("designation").and_then(Value::as_str) == Some("draw"));
        let kind = match (ty, alt) {
            ("moneyline", _) if has_draw => MarketKind::Moneyline3Way,
            ("moneyline", _) => MarketKind::Moneyline,
            ("spread", false) => MarketKind::Spread,
            ("spread", true) => MarketKind::SpreadAlt,
            ("total", false) => MarketKind::Total,
            ("total", true) => MarketKind::TotalAlt,
            ("team_total", _) => MarketKind::TeamTotal,
            (other, _) => {
                *skipped.entry(format!("type {other:?}")).or_default() += 1;
                continue;
            }
        };
        let team_side = mk.get("side").and_then(Value::as_str);
        for p in prices {
            let designation = p.get("designation").and_then(Value::as_str).unwrap_or("");
            let sel = match (kind, designation, team_side) {
                (MarketKind::TeamTotal, "over", Some("home")) => Some(Selection::HomeOver),
                (MarketKind::TeamTotal, "under", Some("home")) => Some(Selection::HomeUnder),
                (MarketKind::TeamTotal, "over", Some("away")) => Some(Selection::AwayOver),
                (MarketKind::TeamTotal, "under", Some("away")) => Some(Selection::AwayUnder),
                (MarketKind::TeamTotal, _, _) => None,
                (MarketKind::Total | MarketKind::TotalAlt, "over", _) => Some(Selection::Over),
                (MarketKind::Total | MarketKind::TotalAlt, "under", _) => Some(Selection::Under),
                (MarketKind::Total | MarketKind::TotalAlt, _, _) => None,
                (_, "home", _) => Some(Selection::Home),
                (_, "away", _) => Some(Selection::Away),
                (MarketKind::Moneyline3Way, "draw", _) => Some(Selection::Tie),
                _ => None,
            };
            let Some(sel) = sel else {
                batch.rejected.push(rej(
                    reason::UNMATCHED_OUTCOME,
                    format!("matchup {mid} {ty} period {period}: designation {designation:?} (side {team_side:?}) fits no selection"),
                ));
                continue;
            };
            let american = match p
                .get("price")
                .map(|v| american_from_json(v, OddsFormat::Auto))
            {
                Some(Ok(a)) => a,
                Some(Err(m)) => {
                    batch.rejected.push(rej(
                        reason::INVALID_ODDS,
                        format!("matchup {mid} {ty} {designation}: {m}"),
                    ));
                    continue;
                }
                None => {
                    batch.rejected.push(rej(
                        reason::MISSING_FIELD,
                        format!("matchup {mid} {ty} {designation}: no `price`"),
                    ));
                    continue;
                }
            };
            let line = match check_line(kind, p.get("points").and_then(Value::as_f64)) {
                Ok(l) => l,
                Err(m) => {
                    batch.rejected.push(rej(
                        reason::INVALID_LINE,
                        format!("matchup {mid} {ty} {designation}: {m}"),
                    ));
                    continue;
                }
            };
            let q = Quote {
                event_id: matchup.event_id.clone(),
                book: BOOK.to_string(),
                market: kind,
                scope,
                selection: sel,
                line,
                american,
                observed_ms: now_ms,
                source: SOURCE.to_string(),
            };
            batch.quotes.push(oriented(q, matchup.swapped));
        }
    }
    if !skipped.is_empty() {
        let list: Vec<String> = skipped.iter().map(|(k, n)| format!("{k} ({n})")).collect();
        batch
            .warnings
            .push(format!("pinnacle: skipped markets: {}", list.join(", ")));
    }
    dedup_events(&mut batch.events);
    Ok(batch)
}
