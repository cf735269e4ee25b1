//! Writing quotes: latest prices upserted, the odds path appended only on a real change.

use crate::domain::{Event, Quote};
use rusqlite::{params, Connection, OptionalExtension};

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct QuoteWriteStats {
    pub received: usize,
    /// Quotes whose price or line differs from the stored latest (including first sightings).
    pub changed: usize,
}

pub fn upsert_events(conn: &Connection, events: &[Event], now_ms: i64) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO events (event_id, game_id, season, week, home_team, away_team, commence_ms, updated_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT(event_id) DO UPDATE SET
           game_id = COALESCE(excluded.game_id, events.game_id),
           season = COALESCE(excluded.season, events.season),
           week = COALESCE(excluded.week, events.week),
           commence_ms = excluded.commence_ms,
           updated_ms = excluded.updated_ms",
    )?;
    for e in events {
        stmt.execute(params![
            e.event_id,
            e.game_id,
            e.season,
            e.week,
            e.home_team,
            e.away_team,
            e.commence_ms,
            now_ms
        ])?;
    }
    Ok(())
}

pub fn write_quotes(
    conn: &Connection,
    quotes: &[Quote],
    now_ms: i64,
) -> rusqlite::Result<QuoteWriteStats> {
    let mut find = conn.prepare_cached(
        "SELECT line, american FROM quotes_latest
         WHERE event_id = ?1 AND book = ?2 AND market = ?3 AND scope = ?4 AND selection = ?5 AND ladder_key = ?6",
    )?;
    let mut upsert = conn.prepare_cached(
        "INSERT INTO quotes_latest (event_id, book, market, scope, selection, ladder_key, line, american, changed_ms, seen_ms, source)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT(event_id, book, market, scope, selection, ladder_key) DO UPDATE SET
           line = excluded.line, american = excluded.american, changed_ms = excluded.changed_ms,
           seen_ms = excluded.seen_ms, source = excluded.source",
    )?;
    let mut touch = conn.prepare_cached(
        "UPDATE quotes_latest SET seen_ms = ?7
         WHERE event_id = ?1 AND book = ?2 AND market = ?3 AND scope = ?4 AND selection = ?5 AND ladder_key = ?6",
    )?;
    let mut append = conn.prepare_cached(
        "INSERT INTO quotes_history (event_id, book, market, scope, selection, ladder_key, line, american, observed_ms, source)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?;
    let mut stats = QuoteWriteStats {
        received: quotes.len(),
        changed: 0,
    };
    for q in quotes {
        let ladder = q.ladder_key();
        let (market, scope, sel) = (q.market.as_str(), q.scope.as_str(), q.selection.as_str());
        let prev: Option<(Option<f64>, i64)> = find
            .query_row(
                params![q.event_id, q.book, market, scope, sel, ladder],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let changed = match prev {
            None => true,
            Some((line, american)) => american != q.american || !same_line(line, q.line),
        };
        // seen_ms is when this process last confirmed the price: the freshness clock.
        let seen = now_ms;
        if changed {
            stats.changed += 1;
            upsert.execute(params![
                q.event_id,
                q.book,
                market,
                scope,
                sel,
                ladder,
                q.line,
                q.american,
                q.observed_ms,
                seen,
                q.source
            ])?;
            append.execute(params![
                q.event_id,
                q.book,
                market,
                scope,
                sel,
                ladder,
                q.line,
                q.american,
                q.observed_ms,
                q.source
            ])?;
        } else {
            touch.execute(params![
                q.event_id, q.book, market, scope, sel, ladder, seen
            ])?;
        }
    }
    Ok(stats)
}

fn same_line(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(x), Some(y)) => (x - y).abs() < 1e-9,
        _ => false,
    }
}
