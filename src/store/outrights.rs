//! Outright (futures) prices in SQLite: the latest price per slot (season, book, market, team,
//! side, line). A futures board changes slowly and is read whole, so no odds path is kept; an
//! older observation never overwrites a newer one.

use crate::domain::outright::OutrightQuote;
use rusqlite::{params, Connection};

/// Writes each quote into its slot; returns how many slots changed price or line.
pub fn write_outrights(
    conn: &Connection,
    quotes: &[OutrightQuote],
    now_ms: i64,
) -> rusqlite::Result<usize> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO outrights_latest
             (season, book, market, team, side, line_key, line, american, observed_ms, seen_ms, source)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT (season, book, market, team, side, line_key) DO UPDATE SET
             line = excluded.line, american = excluded.american,
             observed_ms = excluded.observed_ms, seen_ms = excluded.seen_ms,
             source = excluded.source
         WHERE excluded.observed_ms >= outrights_latest.observed_ms",
    )?;
    let mut before = conn.prepare_cached(
        "SELECT american FROM outrights_latest
          WHERE season = ?1 AND book = ?2 AND market = ?3 AND team = ?4 AND side = ?5
            AND line_key = ?6",
    )?;
    let mut changed = 0;
    for q in quotes {
        let key = q.line_key();
        let old: Option<i64> = before
            .query_row(
                params![
                    q.season,
                    q.book,
                    q.market.as_str(),
                    q.team,
                    q.side.as_str(),
                    key
                ],
                |r| r.get(0),
            )
            .ok();
        let n = stmt.execute(params![
            q.season,
            q.book,
            q.market.as_str(),
            q.team,
            q.side.as_str(),
            key,
            q.line,
            q.american,
            q.observed_ms,
            now_ms,
            q.source
        ])?;
        if n > 0 && old != Some(q.american) {
            changed += 1;
        }
    }
    Ok(changed)
}

/// The latest outright prices seen since `seen_since_ms`, of one season or all.
pub fn latest_outrights(
    conn: &Connection,
    season: Option<i32>,
    seen_since_ms: i64,
) -> rusqlite::Result<Vec<OutrightQuote>> {
    let mut stmt = conn.prepare_cached(
        "SELECT season, book, market, team, side, line, american, observed_ms, source
           FROM outrights_latest
          WHERE seen_ms >= ?1 AND (?2 IS NULL OR season = ?2)
          ORDER BY season, market, team, side, line_key, book",
    )?;
    let rows = stmt.query_map(params![seen_since_ms, season], |r| {
        Ok(RawOutright {
            season: r.get(0)?,
            book: r.get(1)?,
            market: r.get(2)?,
            team: r.get(3)?,
            side: r.get(4)?,
            line: r.get(5)?,
            american: r.get(6)?,
            observed_ms: r.get(7)?,
            source: r.get(8)?,
        })
    })?;
    let mut out = Vec::new();
    for row in rows {
        // A row a later version wrote with a market this one does not know is skipped, not fatal.
        if let Some(q) = row?.into_quote() {
            out.push(q);
        }
    }
    Ok(out)
}

/// A stored row as both backends read it, before its names are checked.
pub(crate) struct RawOutright {
    pub season: i32,
    pub book: String,
    pub market: String,
    pub team: String,
    pub side: String,
    pub line: Option<f64>,
    pub american: i64,
    pub observed_ms: i64,
    pub source: String,
}

impl RawOutright {
    pub(crate) fn into_quote(self) -> Option<OutrightQuote> {
        Some(OutrightQuote {
            season: self.season,
            book: self.book,
            market: self.market.parse().ok()?,
            team: self.team,
            side: self.side.parse().ok()?,
            line: self.line,
            american: self.american,
            observed_ms: self.observed_ms,
            source: self.source,
        })
    }
}
