//! The Odds API v4 (`GET /v4/sports/americanfootball_nfl/odds`).
//!
//! Shape (checked against two real recordings, see `tests/fixtures/README.md`):
//! `[{id, commence_time, home_team, away_team, bookmakers:[{key, last_update, markets:[{key,
//! last_update, outcomes:[{name, price, point?, description?}]}]}]}]`. Outcomes come in
//! alphabetical order, not home/away, so they are matched to the event's teams by name.
//!
//! Market keys understood: `h2h`, `h2h_3_way`, `spreads`, `totals`, `alternate_spreads`,
//! `alternate_totals`, `team_totals`, `alternate_team_totals`, each optionally suffixed with a
//! period (`_h1`, `_h2`, `_q1` .. `_q4`) as the event-odds endpoint names them. Other keys (player
//! props, outrights) are skipped with a warning, not quarantined: they are requested on purpose or
//! not at all. The period and alternate keys follow the API's published market list and have not
//! been checked against a recording.

use super::{
    american_from_json, check_line, dedup_events, fetch, http_client, oriented, reason, redact,
    reject, short, time_ms, OddsFormat, SetupError, SharedNormalizer,
};
use crate::config::TheOddsApiSource;
use crate::domain::{MarketKind, Quote, Scope, Selection};
use crate::ingest::normalize::Normalizer;
use crate::ingest::source::{Quota, SourceBatch, SourceError};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::time::Duration;

pub const SOURCE: &str = "the-odds-api";
pub const SPORT_KEY: &str = "americanfootball_nfl";

/// Polls The Odds API. Holds no secret in any text it produces: the key lives only in the URL it
/// sends, and every error message is redacted.
pub struct TheOddsApi {
    cfg: TheOddsApiSource,
    client: reqwest::Client,
    timeout: Duration,
    normalizer: SharedNormalizer,
    format: OddsFormat,
    last_quota: Option<Quota>,
}

impl TheOddsApi {
    /// `timeout` bounds each request (connect, headers and body together).
    pub fn new(
        cfg: &TheOddsApiSource,
        timeout: Duration,
        normalizer: SharedNormalizer,
    ) -> Result<TheOddsApi, SetupError> {
        let api = TheOddsApi {
            cfg: cfg.clone(),
            client: http_client(timeout)?,
            timeout,
            normalizer,
            format: OddsFormat::from_config(&cfg.odds_format),
            last_quota: None,
        };
        api.url()?;
        Ok(api)
    }

    /// The request URL, key included: never log it; see [`TheOddsApi::redacted_url`].
    fn url(&self) -> Result<reqwest::Url, SetupError> {
        self.url_for(SPORT_KEY, &self.cfg.markets.join(","))
    }

    /// The request URL of one sport key and its markets, key included: never log it.
    fn url_for(&self, sport: &str, markets: &str) -> Result<reqwest::Url, SetupError> {
        let base = self.cfg.base_url.trim().trim_end_matches('/');
        let mut url =
            reqwest::Url::parse(&format!("{base}/v4/sports/{sport}/odds")).map_err(|e| {
                SetupError::BaseUrl {
                    url: self.cfg.base_url.clone(),
                    message: e.to_string(),
                }
            })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(SetupError::BaseUrl {
                url: self.cfg.base_url.clone(),
                message: "expected http(s)".into(),
            });
        }
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("apiKey", self.cfg.api_key.expose());
            q.append_pair("regions", &self.cfg.regions.join(","));
            q.append_pair("markets", markets);
            q.append_pair("oddsFormat", &self.cfg.odds_format);
            q.append_pair("dateFormat", "iso");
            if !self.cfg.bookmakers.is_empty() {
                q.append_pair("bookmakers", &self.cfg.bookmakers.join(","));
            }
        }
        Ok(url)
    }

    /// The request URL with the key replaced by [`crate::secret::REDACTED`], for logs.
    pub fn redacted_url(&self) -> String {
        self.url()
            .map(|u| redact(u.as_str(), self.cfg.api_key.expose()))
            .unwrap_or_default()
    }

    /// The quota headers of the last successful response.
    pub fn quota(&self) -> Option<Quota> {
        self.last_quota
    }

    pub async fn poll(&mut self, now_ms: i64) -> Result<SourceBatch, SourceError> {
        let url = self.url().map_err(|e| {
            SourceError::BadRequest(redact(&e.to_string(), self.cfg.api_key.expose()))
        })?;
        let fetched = fetch(
            self.client.get(url),
            self.timeout,
            self.cfg.api_key.expose(),
        )
        .await?;
        let quota = quota_from_headers(&fetched.headers);
        let normalizer = self.normalizer.clone();
        let format = self.format;
        let body = fetched.body;
        // A full slate with alternates is megabytes of JSON: parse off the async workers.
        let parsed = tokio::task::spawn_blocking(move || {
            parse_odds(&body, &normalizer, format, SOURCE, now_ms)
        })
        .await
        .map_err(|e| SourceError::Parse(format!("parser task failed: {e}")))?;
        let mut batch = parsed.map_err(|e| match e {
            SourceError::Parse(m) => SourceError::Parse(redact(&m, self.cfg.api_key.expose())),
            other => other,
        })?;
        if let Some(q) = quota {
            self.last_quota = Some(q);
            if let Some(rem) = q.remaining.filter(|r| *r < self.cfg.quota_warn_below) {
                batch.warnings.push(format!(
                    "the-odds-api quota low: {rem} requests remaining (warning below {})",
                    self.cfg.quota_warn_below
                ));
            }
        }
        batch.quota = quota;
        for sport in self.cfg.outright_sports.clone() {
            self.poll_outrights(&sport, now_ms, &mut batch).await;
        }
        Ok(batch)
    }

    /// One outright sport key into `batch`. A failure is a warning, never the poll's failure:
    /// the game prices matter more than a futures board that changes daily.
    async fn poll_outrights(&mut self, sport: &str, now_ms: i64, batch: &mut SourceBatch) {
        let secret = self.cfg.api_key.expose().to_string();
        let url = match self.url_for(sport, super::outrights::MARKET_KEY) {
            Ok(u) => u,
            Err(e) => {
                batch.warnings.push(format!(
                    "{SOURCE} outrights {sport}: {}",
                    redact(&e.to_string(), &secret)
                ));
                return;
            }
        };
        let fetched = match fetch(self.client.get(url), self.timeout, &secret).await {
            Ok(f) => f,
            Err(e) => {
                batch.warnings.push(format!(
                    "{SOURCE} outrights {sport}: {}",
                    redact(&e.to_string(), &secret)
                ));
                return;
            }
        };
        if let Some(q) = quota_from_headers(&fetched.headers) {
            self.last_quota = Some(q);
            batch.quota = Some(q);
        }
        match super::outrights::parse_outrights(
            &fetched.body,
            &self.normalizer,
            self.format,
            SOURCE,
            now_ms,
        ) {
            Ok(mut b) => {
                batch.outrights.append(&mut b.outrights);
                batch.rejected.append(&mut b.rejected);
                batch.warnings.append(&mut b.warnings);
            }
            Err(e) => batch.warnings.push(format!(
                "{SOURCE} outrights {sport}: {}",
                redact(&e.to_string(), &secret)
            )),
        }
    }
}

/// `x-requests-remaining`, `x-requests-used`, `x-requests-last`; `None` when none is present.
pub fn quota_from_headers(h: &reqwest::header::HeaderMap) -> Option<Quota> {
    let get = |name: &str| {
        h.get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|s| s.trim().parse::<f64>().ok())
            .filter(|x| x.is_finite() && *x >= 0.0)
            .map(|x| x.round() as u64)
    };
    let q = Quota {
        remaining: get("x-requests-remaining"),
        used: get("x-requests-used"),
        last: get("x-requests-last"),
    };
    (q != Quota::default()).then_some(q)
}

/// An Odds API market key to the taxonomy; `None` for keys outside it (props, outrights).
pub fn market_of_key(key: &str) -> Option<(MarketKind, Scope)> {
    const BASES: [(&str, MarketKind); 8] = [
        ("alternate_team_totals", MarketKind::TeamTotal),
        ("team_totals", MarketKind::TeamTotal),
        ("alternate_spreads", MarketKind::SpreadAlt),
        ("alternate_totals", MarketKind::TotalAlt),
        ("h2h_3_way", MarketKind::Moneyline3Way),
        ("h2h", MarketKind::Moneyline),
        ("spreads", MarketKind::Spread),
        ("totals", MarketKind::Total),
    ];
    for (base, kind) in BASES {
        if let Some(rest) = key.strip_prefix(base) {
            let scope = match rest {
                "" => Scope::Game,
                "_h1" => Scope::H1,
                "_h2" => Scope::H2,
                "_q1" => Scope::Q1,
                "_q2" => Scope::Q2,
                "_q3" => Scope::Q3,
                "_q4" => Scope::Q4,
                _ => continue,
            };
            return Some((kind, scope));
        }
    }
    None
}

/// Accepts the `/odds` array, a historical envelope `{timestamp, data: [...]}`, or one event
/// object (`/events/{id}/odds`).
fn events_of(root: &Value) -> Option<&[Value]> {
    match root {
        Value::Array(a) => Some(a),
        Value::Object(o) if o.contains_key("bookmakers") => Some(std::slice::from_ref(root)),
        Value::Object(o) => o.get("data").and_then(|d| match d {
            Value::Array(a) => Some(a.as_slice()),
            Value::Object(_) => Some(std::slice::from_ref(d)),
            _ => None,
        }),
        _ => None,
    }
}

/// Parses a response body in the Odds API shape into normalised events and quotes.
///
/// Fails as a whole only when the body is not JSON or not an event list; anything wrong inside
/// one event, bookmaker, market or outcome is quarantined and the rest kept. `now_ms` stamps
/// quarantine rows; quotes carry the market's `last_update` (the bookmaker's when absent), never
/// the poll time, so stale data cannot pass as fresh.
pub fn parse_odds(
    body: &[u8],
    normalizer: &Normalizer,
    format: OddsFormat,
    source: &str,
    now_ms: i64,
) -> Result<SourceBatch, SourceError> {
    let root: Value = serde_json::from_slice(super::strip_bom(body))
        .map_err(|e| SourceError::Parse(format!("invalid JSON: {e}")))?;
    let events = events_of(&root).ok_or_else(|| {
        let hint = root
            .get("message")
            .and_then(Value::as_str)
            .map(|m| format!(" (message: {m})"))
            .unwrap_or_default();
        SourceError::Parse(format!(
            "expected a JSON array of events, got {}{hint}",
            kind_of(&root)
        ))
    })?;
    let mut p = Parser {
        normalizer,
        format,
        source,
        now_ms,
        batch: SourceBatch::default(),
        skipped: BTreeMap::new(),
    };
    for (i, ev) in events.iter().enumerate() {
        p.event(i, ev);
    }
    dedup_events(&mut p.batch.events);
    if !p.skipped.is_empty() {
        let list: Vec<String> = p
            .skipped
            .iter()
            .map(|(k, n)| format!("{k} ({n})"))
            .collect();
        p.batch.warnings.push(format!(
            "{source}: skipped outcomes of markets outside the taxonomy: {}",
            list.join(", ")
        ));
    }
    Ok(p.batch)
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

struct Parser<'a> {
    normalizer: &'a Normalizer,
    format: OddsFormat,
    source: &'a str,
    now_ms: i64,
    batch: SourceBatch,
    skipped: BTreeMap<String, usize>,
}

/// A required string field: `Err((reason, problem))` when absent or not a string.
fn req_str<'v>(o: &'v Map<String, Value>, field: &str) -> Result<&'v str, (&'static str, String)> {
    match o.get(field) {
        None | Some(Value::Null) => Err((reason::MISSING_FIELD, format!("no `{field}`"))),
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err((
            reason::INVALID_FIELD,
            format!("`{field}` is {} not a string", kind_of(other)),
        )),
    }
}

fn req_array<'v>(
    o: &'v Map<String, Value>,
    field: &str,
) -> Result<&'v [Value], (&'static str, String)> {
    match o.get(field) {
        None | Some(Value::Null) => Err((reason::MISSING_FIELD, format!("no `{field}`"))),
        Some(Value::Array(a)) => Ok(a),
        Some(other) => Err((
            reason::INVALID_FIELD,
            format!("`{field}` is {} not an array", kind_of(other)),
        )),
    }
}

/// What an outcome is matched against.
struct EventCtx<'a> {
    label: String,
    event_id: &'a str,
    home_name: &'a str,
    away_name: &'a str,
    home_code: &'a str,
    away_code: &'a str,
    swapped: bool,
}

impl<'a> Parser<'a> {
    fn reject(&mut self, reason: &str, detail: String) {
        self.batch
            .rejected
            .push(reject(self.source, reason, detail, self.now_ms));
    }

    fn event(&mut self, i: usize, ev: &Value) {
        let Some(o) = ev.as_object() else {
            return self.reject(
                reason::INVALID_FIELD,
                format!("event #{i} is {} not an object", kind_of(ev)),
            );
        };
        let label = match o.get("id").and_then(Value::as_str) {
            Some(id) => format!("event {id}"),
            None => format!("event #{i}"),
        };
        let fields = (|| {
            let home = req_str(o, "home_team")?;
            let away = req_str(o, "away_team")?;
            let commence = o
                .get("commence_time")
                .ok_or((reason::MISSING_FIELD, "no `commence_time`".to_string()))?;
            let kick = time_ms(commence).ok_or((
                reason::INVALID_FIELD,
                format!("`commence_time` {} is not a time", short(commence)),
            ))?;
            Ok::<_, (&str, String)>((home, away, kick))
        })();
        let (home, away, kick) = match fields {
            Ok(f) => f,
            Err((r, problem)) => return self.reject(r, format!("{label}: {problem}")),
        };
        let label = format!("{label} ({away} @ {home})");
        let n_outcomes = count_outcomes(o);
        let resolved = match self.normalizer.resolve(home, away, kick) {
            Ok(r) => r,
            Err(e) => {
                return self.reject(
                    reason::UNKNOWN_TEAM,
                    format!("{label}: {e}; {n_outcomes} outcomes dropped"),
                )
            }
        };
        let teams = &self.normalizer.teams;
        let (home_code, away_code) = (
            teams.code(home).unwrap_or_default(),
            teams.code(away).unwrap_or_default(),
        );
        let event_id = resolved.event.event_id.clone();
        self.batch.events.push(resolved.event);
        let books = match req_array(o, "bookmakers") {
            Ok(b) => b,
            Err((r, problem)) => return self.reject(r, format!("{label}: {problem}")),
        };
        let ctx = EventCtx {
            label,
            event_id: &event_id,
            home_name: home,
            away_name: away,
            home_code,
            away_code,
            swapped: resolved.swapped,
        };
        for b in books {
            self.bookmaker(&ctx, b);
        }
    }

    fn bookmaker(&mut self, ev: &EventCtx<'_>, b: &Value) {
        let Some(o) = b.as_object() else {
            return self.reject(
                reason::INVALID_FIELD,
                format!("{}: bookmaker {} is not an object", ev.label, short(b)),
            );
        };
        let parts = req_str(o, "key").and_then(|k| Ok((k, req_array(o, "markets")?)));
        let (key, markets) = match parts {
            Ok(p) => p,
            Err((r, problem)) => {
                return self.reject(r, format!("{}: bookmaker: {problem}", ev.label))
            }
        };
        let book = key.trim().to_ascii_lowercase();
        if book.is_empty() {
            return self.reject(
                reason::INVALID_FIELD,
                format!("{}: bookmaker with an empty key", ev.label),
            );
        }
        let book_update = o.get("last_update").and_then(time_ms);
        for m in markets {
            self.market(ev, &book, book_update, m);
        }
    }

    fn market(&mut self, ev: &EventCtx<'_>, book: &str, book_update: Option<i64>, m: &Value) {
        let ctx = format!("{} book {book}", ev.label);
        let Some(o) = m.as_object() else {
            return self.reject(
                reason::INVALID_FIELD,
                format!("{ctx}: market {} is not an object", short(m)),
            );
        };
        let parts = req_str(o, "key").and_then(|k| Ok((k, req_array(o, "outcomes")?)));
        let (key, outcomes) = match parts {
            Ok(p) => p,
            Err((r, problem)) => return self.reject(r, format!("{ctx}: market: {problem}")),
        };
        let Some((kind, scope)) = market_of_key(key) else {
            *self.skipped.entry(key.to_string()).or_default() += outcomes.len();
            return;
        };
        let Some(observed) = o.get("last_update").and_then(time_ms).or(book_update) else {
            let problem = "no readable `last_update` on the market or its bookmaker";
            return self.reject(
                reason::MISSING_FIELD,
                format!("{ctx} market {key}: {problem}"),
            );
        };
        for out in outcomes {
            match self.outcome(ev, kind, out) {
                Ok((selection, line, american)) => {
                    let q = Quote {
                        event_id: ev.event_id.to_string(),
                        book: book.to_string(),
                        market: kind,
                        scope,
                        selection,
                        line,
                        american,
                        observed_ms: observed,
                        source: self.source.to_string(),
                    };
                    self.batch.quotes.push(oriented(q, ev.swapped));
                }
                Err((r, problem)) => self.reject(
                    r,
                    format!("{ctx} market {key}: {problem}; outcome {}", short(out)),
                ),
            }
        }
    }

    fn outcome(
        &self,
        ev: &EventCtx<'_>,
        kind: MarketKind,
        out: &Value,
    ) -> Result<(Selection, Option<f64>, i64), (&'static str, String)> {
        let o = out.as_object().ok_or((
            reason::INVALID_FIELD,
            "outcome is not an object".to_string(),
        ))?;
        let name = req_str(o, "name")?;
        let team = |n: &str| -> Option<bool> {
            if n == ev.home_name {
                return Some(true);
            }
            if n == ev.away_name {
                return Some(false);
            }
            match self.normalizer.team(n) {
                Some(c) if c == ev.home_code => Some(true),
                Some(c) if c == ev.away_code => Some(false),
                _ => None,
            }
        };
        let over_under = |n: &str| match n.trim().to_ascii_lowercase().as_str() {
            "over" => Some(true),
            "under" => Some(false),
            _ => None,
        };
        let unmatched = || {
            (
                reason::UNMATCHED_OUTCOME,
                format!("`name` {name:?} is not a side of this market"),
            )
        };
        let selection = match kind {
            MarketKind::Moneyline | MarketKind::Spread | MarketKind::SpreadAlt => {
                match team(name).ok_or_else(unmatched)? {
                    true => Selection::Home,
                    false => Selection::Away,
                }
            }
            MarketKind::Moneyline3Way => match name.trim().to_ascii_lowercase().as_str() {
                "draw" | "tie" => Selection::Tie,
                _ => match team(name).ok_or_else(unmatched)? {
                    true => Selection::Home,
                    false => Selection::Away,
                },
            },
            MarketKind::Total | MarketKind::TotalAlt => {
                match over_under(name).ok_or_else(unmatched)? {
                    true => Selection::Over,
                    false => Selection::Under,
                }
            }
            MarketKind::TeamTotal => {
                let over = over_under(name).ok_or_else(unmatched)?;
                let desc = req_str(o, "description")?;
                let home = team(desc).ok_or((
                    reason::UNMATCHED_OUTCOME,
                    format!("`description` {desc:?} is not a team of this event"),
                ))?;
                match (home, over) {
                    (true, true) => Selection::HomeOver,
                    (true, false) => Selection::HomeUnder,
                    (false, true) => Selection::AwayOver,
                    (false, false) => Selection::AwayUnder,
                }
            }
        };
        let price = o
            .get("price")
            .ok_or((reason::MISSING_FIELD, "no `price`".to_string()))?;
        let american =
            american_from_json(price, self.format).map_err(|m| (reason::INVALID_ODDS, m))?;
        let line = if kind.has_line() {
            let point = match o.get("point") {
                None | Some(Value::Null) => {
                    return Err((reason::MISSING_FIELD, "no `point`".to_string()))
                }
                Some(Value::Number(n)) => n.as_f64(),
                Some(other) => {
                    return Err((
                        reason::INVALID_FIELD,
                        format!("`point` {} is not a number", short(other)),
                    ))
                }
            };
            check_line(kind, point).map_err(|m| (reason::INVALID_LINE, m))?
        } else {
            None
        };
        Ok((selection, line, american))
    }
}

fn count_outcomes(ev: &Map<String, Value>) -> usize {
    fn arr(v: Option<&Value>) -> &[Value] {
        v.and_then(Value::as_array)
            .map(|a| a.as_slice())
            .unwrap_or_default()
    }
    arr(ev.get("bookmakers"))
        .iter()
        .flat_map(|b| arr(b.get("markets")))
        .map(|m| arr(m.get("outcomes")).len())
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn market_keys() {
        assert_eq!(
            market_of_key("h2h"),
            Some((MarketKind::Moneyline, Scope::Game))
        );
        assert_eq!(
            market_of_key("h2h_q1"),
            Some((MarketKind::Moneyline, Scope::Q1))
        );
        assert_eq!(
            market_of_key("h2h_3_way_h1"),
            Some((MarketKind::Moneyline3Way, Scope::H1))
        );
        assert_eq!(
            market_of_key("spreads"),
            Some((MarketKind::Spread, Scope::Game))
        );
        assert_eq!(
            market_of_key("alternate_spreads_q4"),
            Some((MarketKind::SpreadAlt, Scope::Q4))
        );
        assert_eq!(
            market_of_key("totals_h2"),
            Some((MarketKind::Total, Scope::H2))
        );
        assert_eq!(
            market_of_key("alternate_team_totals"),
            Some((MarketKind::TeamTotal, Scope::Game))
        );
        assert_eq!(market_of_key("player_pass_tds"), None);
        assert_eq!(market_of_key("h2h_p1"), None);
        assert_eq!(market_of_key("outrights"), None);
    }
}
