//! Read-side queries used by every front end. Each takes its own connection.

use crate::domain::{Event, MarketKind, Quote, Scope, Selection};
use rusqlite::{params, Connection, Row};

/// A latest quote with the time it was last confirmed by its book.
#[derive(Debug, Clone, PartialEq)]
pub struct LatestQuote {
    pub quote: Quote,
    pub seen_ms: i64,
}

fn quote_from_row(r: &Row<'_>) -> rusqlite::Result<Quote> {
    let parse_err = |i: usize, e: String| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, e.into())
    };
    Ok(Quote {
        event_id: r.get(0)?,
        book: r.get(1)?,
        market: r
            .get::<_, String>(2)?
            .parse::<MarketKind>()
            .map_err(|e| parse_err(2, e))?,
        scope: r
            .get::<_, String>(3)?
            .parse::<Scope>()
            .map_err(|e| parse_err(3, e))?,
        selection: r
            .get::<_, String>(4)?
            .parse::<Selection>()
            .map_err(|e| parse_err(4, e))?,
        line: r.get(5)?,
        american: r.get(6)?,
        observed_ms: r.get(7)?,
        source: r.get(8)?,
    })
}

pub fn latest_quotes(conn: &Connection, seen_since_ms: i64) -> rusqlite::Result<Vec<LatestQuote>> {
    let mut stmt = conn.prepare_cached(
        "SELECT event_id, book, market, scope, selection, line, american, changed_ms, source, seen_ms
         FROM quotes_latest WHERE seen_ms >= ?1",
    )?;
    let rows = stmt.query_map(params![seen_since_ms], |r| {
        Ok(LatestQuote {
            quote: quote_from_row(r)?,
            seen_ms: r.get(9)?,
        })
    })?;
    rows.collect()
}

pub fn events(conn: &Connection) -> rusqlite::Result<Vec<Event>> {
    let mut stmt = conn.prepare_cached(
        "SELECT event_id, game_id, season, week, home_team, away_team, commence_ms FROM events ORDER BY commence_ms, event_id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(Event {
            event_id: r.get(0)?,
            game_id: r.get(1)?,
            season: r.get(2)?,
            week: r.get(3)?,
            home_team: r.get(4)?,
            away_team: r.get(5)?,
            commence_ms: r.get(6)?,
        })
    })?;
    rows.collect()
}

/// The stored odds path of one selection at one book (or every book), oldest first.
pub fn history(
    conn: &Connection,
    event_id: &str,
    market: MarketKind,
    scope: Scope,
    selection: Selection,
    book: Option<&str>,
    limit: usize,
) -> rusqlite::Result<Vec<Quote>> {
    let mut stmt = conn.prepare_cached(
        "SELECT event_id, book, market, scope, selection, line, american, observed_ms, source FROM (
           SELECT * FROM quotes_history
           WHERE event_id = ?1 AND market = ?2 AND scope = ?3 AND selection = ?4 AND (?5 IS NULL OR book = ?5)
           ORDER BY observed_ms DESC, id DESC LIMIT ?6)
         ORDER BY observed_ms, id",
    )?;
    let rows = stmt.query_map(
        params![
            event_id,
            market.as_str(),
            scope.as_str(),
            selection.as_str(),
            book,
            limit as i64
        ],
        quote_from_row,
    )?;
    rows.collect()
}

/// The closing quote of every slot of one event: per (book, market, scope, selection, ladder
/// rung), the last row of the odds path observed before `kickoff_ms`. Each row of the path is a
/// price that stood until the next one, so the last before kickoff is the price at the close.
pub fn closing_quotes(
    conn: &Connection,
    event_id: &str,
    kickoff_ms: i64,
) -> rusqlite::Result<Vec<Quote>> {
    let mut stmt = conn.prepare_cached(
        "SELECT event_id, book, market, scope, selection, line, american, observed_ms, source FROM (
           SELECT *, ROW_NUMBER() OVER (
               PARTITION BY book, market, scope, selection, ladder_key
               ORDER BY observed_ms DESC, id DESC) AS rn
           FROM quotes_history WHERE event_id = ?1 AND observed_ms < ?2)
         WHERE rn = 1 ORDER BY book, market, scope, selection, ladder_key",
    )?;
    let rows = stmt.query_map(params![event_id, kickoff_ms], quote_from_row)?;
    rows.collect()
}

/// The tables whose rows `count` may report (table names cannot be bound, so only these are
/// accepted); shared by both backends.
pub const COUNTABLE: [&str; 11] = [
    "events",
    "quotes_latest",
    "quotes_history",
    "outrights_latest",
    "quarantine",
    "ingest_runs",
    "simulations",
    "opportunities",
    "alert_outbox",
    "metrics_samples",
    "bets",
];

pub fn count(conn: &Connection, table: &str) -> rusqlite::Result<i64> {
    if !COUNTABLE.contains(&table) {
        return Err(rusqlite::Error::InvalidParameterName(table.to_string()));
    }
    conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
}

/// Newest confirmation time per (book, market) from the store, for processes that watch a store
/// another process writes.
pub fn last_seen_by_book_market(
    conn: &Connection,
) -> rusqlite::Result<Vec<(String, String, i64, String)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT book, market, MAX(seen_ms), MAX(source) FROM quotes_latest GROUP BY book, market",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
    rows.collect()
}

/// A stored poll outcome, newest first per source.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRow {
    pub source: String,
    pub scheduled_ms: i64,
    pub started_ms: i64,
    pub finished_ms: i64,
    pub ok: bool,
    pub quotes_received: i64,
    pub quotes_changed: i64,
    pub quotes_rejected: i64,
    pub error: Option<String>,
}

pub fn recent_runs(conn: &Connection, per_source: usize) -> rusqlite::Result<Vec<RunRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT source, scheduled_ms, started_ms, finished_ms, ok, quotes_received, quotes_changed, quotes_rejected, error FROM (
           SELECT *, ROW_NUMBER() OVER (PARTITION BY source ORDER BY started_ms DESC, id DESC) AS rn FROM ingest_runs)
         WHERE rn <= ?1 ORDER BY source, started_ms",
    )?;
    let rows = stmt.query_map(params![per_source as i64], |r| {
        Ok(RunRow {
            source: r.get(0)?,
            scheduled_ms: r.get(1)?,
            started_ms: r.get(2)?,
            finished_ms: r.get(3)?,
            ok: r.get(4)?,
            quotes_received: r.get(5)?,
            quotes_changed: r.get(6)?,
            quotes_rejected: r.get(7)?,
            error: r.get(8)?,
        })
    })?;
    rows.collect()
}

/// Quote counts per event: (event_id, books, quotes).
pub fn event_quote_counts(conn: &Connection) -> rusqlite::Result<Vec<(String, i64, i64)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT event_id, COUNT(DISTINCT book), COUNT(*) FROM quotes_latest GROUP BY event_id",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    rows.collect()
}

/// The odds path of every slot of the given events, oldest first, capped at `limit` newest rows.
pub fn history_for_events(
    conn: &Connection,
    since_ms: i64,
    limit: usize,
) -> rusqlite::Result<Vec<Quote>> {
    let mut stmt = conn.prepare_cached(
        "SELECT event_id, book, market, scope, selection, line, american, observed_ms, source FROM (
           SELECT * FROM quotes_history WHERE observed_ms >= ?1 ORDER BY observed_ms DESC, id DESC LIMIT ?2)
         ORDER BY observed_ms, id",
    )?;
    let rows = stmt.query_map(params![since_ms, limit as i64], quote_from_row)?;
    rows.collect()
}

/// One price or line change from the odds path, with its place in the store's sequence.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct QuoteChange {
    /// `quotes_history.id`: assigned in commit order and never reused (retention keeps the
    /// newest row), so it is a cursor that neither skips nor repeats.
    pub seq: i64,
    pub event_id: String,
    pub book: String,
    pub market: String,
    pub scope: String,
    pub selection: String,
    pub line: Option<f64>,
    pub american: i64,
    /// When the source says the price changed (may be earlier than rows before it).
    pub changed_ms: i64,
}

/// Up to `limit` changes after `after_seq`, in sequence order.
pub fn changes_after(
    conn: &Connection,
    after_seq: i64,
    limit: usize,
) -> rusqlite::Result<Vec<QuoteChange>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, event_id, book, market, scope, selection, line, american, observed_ms
         FROM quotes_history WHERE id > ?1 ORDER BY id LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![after_seq, limit as i64], |r| {
        Ok(QuoteChange {
            seq: r.get(0)?,
            event_id: r.get(1)?,
            book: r.get(2)?,
            market: r.get(3)?,
            scope: r.get(4)?,
            selection: r.get(5)?,
            line: r.get(6)?,
            american: r.get(7)?,
            changed_ms: r.get(8)?,
        })
    })?;
    rows.collect()
}

/// The cursor a new stream starts from: just before the first change observed after
/// `since_ms` (so a client sees the last minute), or the end of the sequence.
pub fn seq_before(conn: &Connection, since_ms: i64) -> rusqlite::Result<i64> {
    let first: Option<i64> = conn
        .query_row(
            "SELECT MIN(id) FROM quotes_history WHERE observed_ms > ?1",
            [since_ms],
            |r| r.get(0),
        )
        .unwrap_or(None);
    match first {
        Some(id) => Ok(id - 1),
        None => conn.query_row("SELECT COALESCE(MAX(id), 0) FROM quotes_history", [], |r| {
            r.get(0)
        }),
    }
}
