//! The REST handlers. Reads come from the engine's snapshot or a read-only store connection;
//! writes go through engine commands, exactly as the TUI's `:` commands do.

use super::params::{paginate, Params};
use super::problem::Problem;
use super::ApiState;
use crate::domain::{MarketKind, Scope, Selection};
use crate::snapshot::{Command, ExportFormat, Reply};
use crate::store;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures_util::stream::Stream;
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::{BTreeSet, HashMap};
use std::convert::Infallible;
use std::time::Duration;

type ApiResult = Result<Response, Problem>;

fn ok<T: Serialize>(v: T) -> ApiResult {
    Ok(Json(v).into_response())
}

pub async fn healthz() -> Response {
    Json(json!({"status": "ok"})).into_response()
}

/// Ready when the store answers, the engine is publishing and quotes are fresh.
pub async fn readyz(State(st): State<ApiState>) -> Response {
    let snap = st.handle.latest();
    let mut failures = Vec::new();
    let store_ok = st.store.ping().await.is_ok();
    if !store_ok {
        failures.push("store unreachable".to_string());
    }
    let beat = st.handle.heartbeat_ms().max(snap.taken_ms);
    let age = (store::now_ms() - beat) as f64 / 1000.0;
    if age > (snap.meta.refresh_seconds * 10.0).max(30.0) {
        failures.push(format!("engine not running: last refresh {age:.0}s ago"));
    }
    if snap.ingest.quotes_latest == 0 {
        failures.push("no quotes stored yet".to_string());
    }
    failures.extend(
        snap.health
            .problems
            .iter()
            .filter(|p| p.starts_with("ingestion stalled"))
            .cloned(),
    );
    if failures.is_empty() {
        Json(json!({"status": "ready"})).into_response()
    } else {
        Problem::new(StatusCode::SERVICE_UNAVAILABLE, failures.join("; ")).into_response()
    }
}

#[derive(Serialize)]
struct MarketRow {
    event_id: String,
    book: String,
    market: String,
    scope: String,
    selection: String,
    line: Option<f64>,
    american: i64,
    decimal: f64,
    implied_prob: f64,
    changed_ms: i64,
    seen_ms: i64,
}

/// (book, market, scope, event) filters shared by the market and opportunity listings.
struct Filters {
    book: Option<String>,
    market: Option<MarketKind>,
    scope: Option<Scope>,
    event: Option<String>,
}

fn market_filters(p: &Params) -> Result<Filters, Problem> {
    let market = p.parse::<MarketKind>(
        "market",
        "a market such as moneyline, spread, total, team_total, spread_alt",
    )?;
    let scope = p.parse::<Scope>("scope", "a scope: game, 1h, 2h, 1q, 2q, 3q or 4q")?;
    Ok(Filters {
        book: p.str("book").map(str::to_string),
        market,
        scope,
        event: p.str("event").map(str::to_string),
    })
}

impl Filters {
    /// Whether a row with these (event, book, market, scope) names passes every given filter.
    fn matches(&self, event: &str, book: &str, market: &str, scope: &str) -> bool {
        self.book.as_deref().is_none_or(|b| book == b)
            && self.market.is_none_or(|m| market == m.as_str())
            && self.scope.is_none_or(|s| scope == s.as_str())
            && self.event.as_deref().is_none_or(|e| event == e)
    }
}

pub async fn markets(
    State(st): State<ApiState>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let p = Params(q);
    let filters = market_filters(&p)?;
    let (limit, offset) = p.page()?;
    let rows = st.store.latest_quotes(0).await.map_err(super::unreadable)?;
    let mut items: Vec<MarketRow> = rows
        .into_iter()
        .filter(|r| {
            let q = &r.quote;
            filters.matches(&q.event_id, &q.book, q.market.as_str(), q.scope.as_str())
        })
        .map(|r| {
            let d = r.quote.decimal();
            MarketRow {
                event_id: r.quote.event_id,
                book: r.quote.book,
                market: r.quote.market.to_string(),
                scope: r.quote.scope.to_string(),
                selection: r.quote.selection.to_string(),
                line: r.quote.line,
                american: r.quote.american,
                decimal: d,
                implied_prob: 1.0 / d,
                changed_ms: r.quote.observed_ms,
                seen_ms: r.seen_ms,
            }
        })
        .collect();
    items.sort_by(|a, b| {
        (&a.event_id, &a.market, &a.scope, &a.selection, &a.book).cmp(&(
            &b.event_id,
            &b.market,
            &b.scope,
            &b.selection,
            &b.book,
        ))
    });
    ok(paginate(items, limit, offset))
}

pub async fn opportunities(
    State(st): State<ApiState>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let p = Params(q);
    let filters = market_filters(&p)?;
    let min_ev = p.parse::<f64>("min_ev", "a number such as 0.02")?;
    let (limit, offset) = p.page()?;
    let snap = st.handle.latest();
    let items: Vec<_> = snap
        .edges
        .iter()
        .filter(|e| filters.matches(&e.event_id, &e.book, &e.market, &e.scope))
        .filter(|e| min_ev.is_none_or(|m| e.ev >= m))
        .cloned()
        .collect();
    ok(paginate(items, limit, offset))
}

pub async fn line_history(
    State(st): State<ApiState>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let p = Params(q);
    let event = p.required("event")?.to_string();
    let market = p
        .parse::<MarketKind>("market", "a market such as moneyline, spread or total")?
        .ok_or_else(|| Problem::bad_request("query parameter `market` is required"))?;
    let scope = p
        .parse::<Scope>("scope", "a scope: game, 1h, 2h, 1q, 2q, 3q or 4q")?
        .unwrap_or(Scope::Game);
    let selection = p
        .parse::<Selection>("selection", "a selection such as home, away, over, under")?
        .ok_or_else(|| Problem::bad_request("query parameter `selection` is required"))?;
    let book = p.str("book").map(str::to_string);
    let (limit, offset) = p.page()?;
    let rows = st
        .store
        .history(event, market, scope, selection, book, 100_000)
        .await
        .map_err(super::unreadable)?;
    let items: Vec<Value> = rows
        .into_iter()
        .map(|q| json!({"book": q.book, "observed_ms": q.observed_ms, "american": q.american, "line": q.line, "implied_prob": 1.0 / q.decimal()}))
        .collect();
    ok(paginate(items, limit, offset))
}

pub async fn simulations_latest(State(st): State<ApiState>) -> ApiResult {
    match st.handle.latest().simulations.last() {
        Some(run) => ok(run.clone()),
        None => Err(Problem::not_found("no simulation has run yet")),
    }
}

pub async fn alerts(
    State(st): State<ApiState>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let p = Params(q);
    let (limit, offset) = p.page()?;
    let view = st.handle.latest().alerts.clone();
    let state_filter = p.str("state").map(str::to_string);
    let items: Vec<_> = view
        .alerts
        .into_iter()
        .filter(|a| state_filter.as_deref().is_none_or(|s| a.state == s))
        .collect();
    let page = paginate(items, limit, offset);
    ok(
        json!({"items": page.items, "total": page.total, "limit": page.limit, "offset": page.offset, "channels": view.channels, "silences": view.silences}),
    )
}

pub async fn ack_alert(State(st): State<ApiState>, Path(id): Path<String>) -> ApiResult {
    let id: i64 = id
        .parse()
        .map_err(|_| Problem::bad_request(format!("alert id must be an integer, got {id:?}")))?;
    command_reply(st.handle.send(Command::Ack { id }).await)
}

pub async fn filters(State(st): State<ApiState>) -> ApiResult {
    let snap = st.handle.latest();
    let books: BTreeSet<String> = snap
        .ingest
        .freshness
        .iter()
        .map(|f| f.book.clone())
        .collect();
    let events: Vec<Value> = snap
        .events
        .iter()
        .map(|e| json!({"event_id": e.event_id, "label": e.label}))
        .collect();
    ok(json!({
        "books": books,
        "markets": MarketKind::ALL.iter().map(|m| m.as_str()).collect::<Vec<_>>(),
        "scopes": Scope::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        "selections": Selection::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        "events": events,
    }))
}

pub async fn status(State(st): State<ApiState>) -> ApiResult {
    let snap = st.handle.latest();
    ok(json!({
        "taken_ms": snap.taken_ms,
        "meta": snap.meta,
        "ingest": snap.ingest,
        "health": snap.health,
        "edges": snap.edges.len(),
        "last_simulation": snap.simulations.last(),
    }))
}

pub async fn scan(State(st): State<ApiState>) -> ApiResult {
    command_reply(st.handle.send(Command::Scan).await)
}

/// Stops polling every source (the TUI's `:pause`); quotes age until `resume`.
pub async fn pause_ingest(State(st): State<ApiState>) -> ApiResult {
    command_reply(st.handle.send(Command::Pause).await)
}

/// Resumes polling after `pause`.
pub async fn resume_ingest(State(st): State<ApiState>) -> ApiResult {
    command_reply(st.handle.send(Command::Resume).await)
}

#[derive(serde::Deserialize)]
pub struct ExportBody {
    format: String,
}

pub async fn export(State(st): State<ApiState>, body: axum::body::Bytes) -> ApiResult {
    let b: ExportBody = serde_json::from_slice(&body).map_err(|e| {
        Problem::bad_request(format!(
            "expected a JSON body like {{\"format\": \"csv\"}}: {e}"
        ))
    })?;
    let format = match b.format.as_str() {
        "csv" => ExportFormat::Csv,
        "json" => ExportFormat::Json,
        other => {
            return Err(Problem::bad_request(format!(
                "`format`: expected csv or json, got {other:?}"
            )))
        }
    };
    // Paths are chosen by the engine under dashboard.export_dir, never by the caller.
    command_reply(st.handle.send(Command::Export { format, path: None }).await)
}

fn command_reply(r: Reply) -> ApiResult {
    match r {
        Reply::Done(msg) => ok(json!({"status": "done", "message": msg})),
        Reply::Detail(d) => ok(d),
        Reply::Error(msg) if msg.contains("not available") => {
            Err(Problem::new(StatusCode::NOT_IMPLEMENTED, msg))
        }
        Reply::Error(msg) => Err(Problem::new(StatusCode::CONFLICT, msg)),
    }
}

/// Rows per `quotes` event; a backlog larger than this goes out as several events.
pub const STREAM_PAGE: usize = 2000;

/// Server-sent events: a `snapshot` summary on every engine change, and `quotes` carrying every
/// price change since the previous event. The cursor is the store's change sequence, not a
/// timestamp, so changes sharing a timestamp or stamped late are each sent exactly once. Each
/// `quotes` event's id is its last sequence number: a client reconnecting with
/// `Last-Event-ID` resumes where it stopped.
pub async fn markets_stream(
    State(st): State<ApiState>,
    headers: axum::http::HeaderMap,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let mut rx = st.handle.subscribe();
    let resume: Option<i64> = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
        .filter(|v: &i64| *v >= 0);
    let stream = async_stream(st.clone(), move |tx| async move {
        let since = store::now_ms() - 60_000;
        let mut cursor = match resume {
            Some(c) => c,
            None => st.store.seq_before(since).await.unwrap_or(0),
        };
        if let Some(asked) = resume {
            // No row is committed after the head, so the head itself is the newest sequence.
            let head = st.store.seq_before(i64::MAX).await.unwrap_or(asked);
            if asked > head {
                // An id from another store or a reset one: waiting for the sequence to reach it
                // would starve the client forever; start from the head and say so.
                cursor = head;
                let note = json!({
                    "last_event_id": asked,
                    "head": head,
                    "detail": "Last-Event-ID is beyond the newest stored change; the stream resumes from the head",
                });
                let ev = Event::default()
                    .event("resync")
                    .id(head.to_string())
                    .data(note.to_string());
                if tx.send(ev).await.is_err() {
                    return;
                }
            }
        }
        loop {
            let snap = rx.borrow_and_update().clone();
            let summary = json!({
                "version": snap.version,
                "taken_ms": snap.taken_ms,
                "health": snap.health,
                "quotes_latest": snap.ingest.quotes_latest,
                "freshness": snap.ingest.freshness,
                "stalled_after_seconds": snap.ingest.stalled_after_seconds,
                "edges": snap.edges.iter().take(50).collect::<Vec<_>>(),
                "alerts": snap.alerts.alerts.iter().take(20).collect::<Vec<_>>(),
                "simulation": snap.simulations.last(),
            });
            if tx
                .send(Event::default().event("snapshot").data(summary.to_string()))
                .await
                .is_err()
            {
                return;
            }
            // Drain every change committed so far, a page per event.
            loop {
                let after = cursor;
                let Ok(rows) = st.store.changes_after(after, STREAM_PAGE).await else {
                    break;
                };
                let Some(last) = rows.last().map(|r| r.seq) else {
                    break;
                };
                cursor = last;
                let full = rows.len() == STREAM_PAGE;
                let data = serde_json::to_string(&rows).unwrap_or_else(|_| "[]".into());
                let ev = Event::default()
                    .event("quotes")
                    .id(last.to_string())
                    .data(data);
                if tx.send(ev).await.is_err() {
                    return;
                }
                if !full {
                    break;
                }
            }
            if rx.changed().await.is_err() {
                break;
            }
        }
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

/// A stream fed by a task through a bounded channel, ending when the task does.
fn async_stream<F, Fut>(_st: ApiState, f: F) -> impl Stream<Item = Result<Event, Infallible>>
where
    F: FnOnce(tokio::sync::mpsc::Sender<Event>) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let (tx, rx) = tokio::sync::mpsc::channel(16);
    tokio::spawn(f(tx));
    futures_util::stream::unfold(
        rx,
        |mut rx| async move { rx.recv().await.map(|e| (Ok(e), rx)) },
    )
}

pub async fn not_found() -> Problem {
    Problem::not_found("no such endpoint; see /api/v1/openapi.json")
}

pub async fn calibration(State(st): State<ApiState>) -> ApiResult {
    ok(st.calibration().await?)
}

pub async fn evaluation(State(st): State<ApiState>) -> ApiResult {
    ok(st.evaluation().await?)
}

/// Arbitrage across books from the latest pricing pass, best return first (stale ones flagged).
pub async fn arbitrage(State(st): State<ApiState>) -> ApiResult {
    let snap = st.handle.latest();
    ok(
        json!({"taken_ms": snap.taken_ms, "arbitrage": snap.market.arbitrage, "low_hold": snap.market.low_hold}),
    )
}

/// Middles priced on the exact score distribution, best EV first.
pub async fn middles(State(st): State<ApiState>) -> ApiResult {
    let snap = st.handle.latest();
    ok(json!({"taken_ms": snap.taken_ms, "middles": snap.market.middles}))
}

/// Steam events (newest first) and the stale lines they left.
pub async fn steam(State(st): State<ApiState>) -> ApiResult {
    let snap = st.handle.latest();
    ok(json!({"taken_ms": snap.taken_ms, "steam": snap.market.steam, "stale": snap.market.stale}))
}

/// The background season simulation and the outright board priced against it.
pub async fn futures(State(st): State<ApiState>) -> ApiResult {
    let snap = st.handle.latest();
    let f = &snap.futures;
    ok(json!({
        "taken_ms": snap.taken_ms,
        "state": f.state,
        "done": f.done,
        "total": f.total,
        "as_of": f.as_of,
        "finished_ms": f.finished_ms,
        "error": f.error,
        "quotes": f.quotes,
        "min_ev": f.min_ev,
        "forecast": f.forecast,
        "edges": f.edges,
    }))
}

/// How each book behaves: hold, distance from consensus, first moves, lag, stale share.
pub async fn books(State(st): State<ApiState>) -> ApiResult {
    let snap = st.handle.latest();
    ok(json!({"taken_ms": snap.taken_ms, "books": snap.market.books}))
}

/// The allocation behind the latest opportunities: stakes after Kelly fraction, caps and exposure.
pub async fn portfolio(State(st): State<ApiState>) -> ApiResult {
    let snap = st.handle.latest();
    let bets: Vec<_> = snap
        .edges
        .iter()
        .filter(|e| e.stake > 0.0)
        .cloned()
        .collect();
    let mut by_event: std::collections::BTreeMap<String, f64> = std::collections::BTreeMap::new();
    for b in &bets {
        *by_event.entry(b.event_id.clone()).or_default() += b.kelly;
    }
    ok(json!({
        "bankroll": snap.meta.bankroll,
        "total_stake": bets.iter().map(|b| b.stake).sum::<f64>(),
        "total_fraction": bets.iter().map(|b| b.kelly).sum::<f64>(),
        "event_exposure": by_event,
        "bets": bets,
    }))
}

/// The ledger, newest first: `status` (open, won, lost, push, void, ungraded), `paper`
/// (true/false), paged like every list.
pub async fn bets(
    State(st): State<ApiState>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let p = Params(q);
    let (limit, offset) = p.page()?;
    let status = p.str("status").map(str::to_string);
    if let Some(s) = &status {
        if !crate::store::bets::STATUSES.contains(&s.as_str()) {
            return Err(Problem::bad_request(format!(
                "query parameter `status`: expected one of {}, got {s:?}",
                crate::store::bets::STATUSES.join(", ")
            )));
        }
    }
    let paper = p.parse::<bool>("paper", "true or false")?;
    let all = st
        .store
        .list_bets(crate::store::bets::BetFilter {
            status,
            paper,
            limit: None,
        })
        .await
        .map_err(super::unreadable)?;
    ok(paginate(all, limit, offset))
}

/// The ledger's scorecard (`bets report`): `since` (a date or a duration back), `by` (book,
/// market or edge_bucket).
pub async fn bets_report(
    State(st): State<ApiState>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    use crate::edges::report;
    let p = Params(q);
    let since = p
        .str("since")
        .map(|s| report::parse_since(s, store::now_ms()))
        .transpose()
        .map_err(|e| Problem::bad_request(format!("query parameter {e}")))?;
    let by = p
        .str("by")
        .map(str::parse::<report::GroupBy>)
        .transpose()
        .map_err(|e| Problem::bad_request(format!("query parameter {e}")))?;
    let all = st
        .store
        .list_bets(crate::store::bets::BetFilter::default())
        .await
        .map_err(super::unreadable)?;
    ok(report::report(&all, since, by))
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct BetBody {
    event_id: String,
    market: String,
    #[serde(default)]
    scope: Option<String>,
    selection: String,
    #[serde(default)]
    line: Option<f64>,
    book: String,
    /// A string ("-110", "1.91", "10/11") or a number (decimal odds or American).
    price: Value,
    stake: f64,
    #[serde(default)]
    paper: bool,
    #[serde(default)]
    note: Option<String>,
}

/// Records a bet (201 with the stored bet); 422 naming the bad field or an unknown event, and
/// nothing stored; 409 on a read-only (attached) server.
pub async fn add_bet(State(st): State<ApiState>, body: axum::body::Bytes) -> ApiResult {
    let Some(store) = st.writer.clone() else {
        return Err(Problem::new(
            StatusCode::CONFLICT,
            "this server is attached read-only; record bets on the process that writes the store",
        ));
    };
    let b: BetBody = serde_json::from_slice(&body).map_err(|e| {
        Problem::bad_request(format!(
            "expected a JSON bet like {{\"event_id\": \"2025_12_BUF_HOU\", \"market\": \"spread\", \"selection\": \"home\", \"line\": -3.5, \"book\": \"pinnacle\", \"price\": \"-110\", \"stake\": 100}}: {e}"
        ))
    })?;
    let price = match &b.price {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => {
            return Err(Problem::bad_request(
                "`price`: expected a string or a number",
            ))
        }
    };
    let req = crate::edges::ledger::BetRequest {
        event_id: b.event_id,
        market: b.market,
        scope: b.scope,
        selection: b.selection,
        line: b.line,
        book: b.book,
        price,
        stake: b.stake,
        paper: b.paper,
        note: b.note,
    };
    let bet = crate::edges::ledger::validate(&req, store::now_ms())
        .map_err(|e| Problem::new(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()))?;
    let id = match store.insert_bet(bet).await {
        Ok(Some(id)) => id,
        Ok(None) => {
            return Err(Problem::new(
                StatusCode::CONFLICT,
                "a bet with the same key is already recorded",
            ))
        }
        Err(store::StoreError::UnknownEvent(e)) => {
            return Err(Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("`event_id`: no event {e:?} in the store"),
            ))
        }
        Err(e) => return Err(super::unreadable(e)),
    };
    let stored = store
        .get_bet(id)
        .await
        .map_err(super::unreadable)?
        .ok_or_else(|| Problem::internal("the bet just recorded cannot be read back"))?;
    Ok((StatusCode::CREATED, Json(stored)).into_response())
}
