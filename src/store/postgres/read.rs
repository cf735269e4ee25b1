//! Read-side queries, as `store::read` answers them from SQLite.

use super::{PgError, PgStore};
use crate::domain::{Event, MarketKind, Quote, Scope, Selection};
use crate::store::read::{LatestQuote, QuoteChange, RunRow};
use crate::store::StoreError;
use tokio_postgres::Row;

fn parse<T: std::str::FromStr<Err = String>>(r: &Row, i: usize) -> Result<T, PgError> {
    let s: &str = r.try_get(i)?;
    s.parse::<T>()
        .map_err(|e| PgError::Data(format!("column {i}: {e}")))
}

/// Columns: event_id, book, market, scope, selection, line, american, observed_ms, source.
fn quote_from_row(r: &Row) -> Result<Quote, PgError> {
    Ok(Quote {
        event_id: r.try_get(0)?,
        book: r.try_get(1)?,
        market: parse::<MarketKind>(r, 2)?,
        scope: parse::<Scope>(r, 3)?,
        selection: parse::<Selection>(r, 4)?,
        line: r.try_get(5)?,
        american: r.try_get(6)?,
        observed_ms: r.try_get(7)?,
        source: r.try_get(8)?,
    })
}

/// `count` accepts only these (a table name cannot be bound).
use crate::store::read::COUNTABLE as TABLES;

fn limit(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl PgStore {
    async fn rows(
        &self,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<Vec<Row>, PgError> {
        let client = self.client().await?;
        let stmt = client.prepare_cached(sql).await?;
        Ok(client.query(&stmt, params).await?)
    }

    pub async fn latest_quotes(&self, seen_since_ms: i64) -> Result<Vec<LatestQuote>, StoreError> {
        let rows = self
            .rows(
                "SELECT event_id, book, market, scope, selection, line, american, changed_ms, source, seen_ms
                 FROM quotes_latest WHERE seen_ms >= $1",
                &[&seen_since_ms],
            )
            .await?;
        let out: Result<Vec<_>, PgError> = rows
            .iter()
            .map(|r| {
                Ok(LatestQuote {
                    quote: quote_from_row(r)?,
                    seen_ms: r.try_get(9)?,
                })
            })
            .collect();
        Ok(out?)
    }

    pub async fn events(&self) -> Result<Vec<Event>, StoreError> {
        let rows = self
            .rows(
                "SELECT event_id, game_id, season, week, home_team, away_team, commence_ms
                 FROM events ORDER BY commence_ms, event_id",
                &[],
            )
            .await?;
        let out: Result<Vec<_>, PgError> = rows
            .iter()
            .map(|r| {
                Ok(Event {
                    event_id: r.try_get(0)?,
                    game_id: r.try_get(1)?,
                    season: r.try_get(2)?,
                    week: r.try_get(3)?,
                    home_team: r.try_get(4)?,
                    away_team: r.try_get(5)?,
                    commence_ms: r.try_get(6)?,
                })
            })
            .collect();
        Ok(out?)
    }

    /// The stored odds path of one selection at one book (or every book), oldest first.
    #[allow(clippy::too_many_arguments)]
    pub async fn history(
        &self,
        event_id: &str,
        market: MarketKind,
        scope: Scope,
        selection: Selection,
        book: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Quote>, StoreError> {
        let rows = self
            .rows(
                "SELECT event_id, book, market, scope, selection, line, american, observed_ms, source FROM (
                   SELECT * FROM quotes_history
                   WHERE event_id = $1 AND market = $2 AND scope = $3 AND selection = $4
                     AND ($5::text IS NULL OR book = $5)
                   ORDER BY observed_ms DESC, id DESC LIMIT $6) AS h
                 ORDER BY observed_ms, id",
                &[
                    &event_id,
                    &market.as_str(),
                    &scope.as_str(),
                    &selection.as_str(),
                    &book,
                    &self::limit(limit),
                ],
            )
            .await?;
        Ok(rows
            .iter()
            .map(quote_from_row)
            .collect::<Result<_, PgError>>()?)
    }

    pub async fn count(&self, table: &str) -> Result<i64, StoreError> {
        if !TABLES.contains(&table) {
            return Err(PgError::UnknownTable(table.to_string()).into());
        }
        let rows = self
            .rows(&format!("SELECT COUNT(*) FROM {table}"), &[])
            .await?;
        let n = rows
            .first()
            .map(|r| r.try_get(0))
            .transpose()
            .map_err(PgError::from)?;
        Ok(n.unwrap_or(0))
    }

    /// Newest confirmation time per (book, market).
    pub async fn last_seen_by_book_market(
        &self,
    ) -> Result<Vec<(String, String, i64, String)>, StoreError> {
        let rows = self
            .rows(
                "SELECT book, market, MAX(seen_ms), MAX(source) FROM quotes_latest GROUP BY book, market",
                &[],
            )
            .await?;
        let out: Result<Vec<_>, tokio_postgres::Error> = rows
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?)))
            .collect();
        Ok(out.map_err(PgError::from)?)
    }

    pub async fn recent_runs(&self, per_source: usize) -> Result<Vec<RunRow>, StoreError> {
        let rows = self
            .rows(
                "SELECT source, scheduled_ms, started_ms, finished_ms, ok, quotes_received, quotes_changed, quotes_rejected, error FROM (
                   SELECT *, ROW_NUMBER() OVER (PARTITION BY source ORDER BY started_ms DESC, id DESC) AS rn FROM ingest_runs) AS r
                 WHERE rn <= $1 ORDER BY source, started_ms",
                &[&limit(per_source)],
            )
            .await?;
        let out: Result<Vec<_>, tokio_postgres::Error> = rows
            .iter()
            .map(|r| {
                Ok(RunRow {
                    source: r.try_get(0)?,
                    scheduled_ms: r.try_get(1)?,
                    started_ms: r.try_get(2)?,
                    finished_ms: r.try_get(3)?,
                    ok: r.try_get(4)?,
                    quotes_received: r.try_get(5)?,
                    quotes_changed: r.try_get(6)?,
                    quotes_rejected: r.try_get(7)?,
                    error: r.try_get(8)?,
                })
            })
            .collect();
        Ok(out.map_err(PgError::from)?)
    }

    /// Quote counts per event: (event_id, books, quotes).
    pub async fn event_quote_counts(&self) -> Result<Vec<(String, i64, i64)>, StoreError> {
        let rows = self
            .rows(
                "SELECT event_id, COUNT(DISTINCT book), COUNT(*) FROM quotes_latest GROUP BY event_id",
                &[],
            )
            .await?;
        let out: Result<Vec<_>, tokio_postgres::Error> = rows
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
            .collect();
        Ok(out.map_err(PgError::from)?)
    }

    /// `store::read::closing_quotes` on PostgreSQL.
    pub async fn closing_quotes(
        &self,
        event_id: &str,
        kickoff_ms: i64,
    ) -> Result<Vec<Quote>, StoreError> {
        let rows = self
            .rows(
                "SELECT event_id, book, market, scope, selection, line, american, observed_ms, source FROM (
                   SELECT *, ROW_NUMBER() OVER (
                       PARTITION BY book, market, scope, selection, ladder_key
                       ORDER BY observed_ms DESC, id DESC) AS rn
                   FROM quotes_history WHERE event_id = $1 AND observed_ms < $2) AS h
                 WHERE rn = 1 ORDER BY book, market, scope, selection, ladder_key",
                &[&event_id, &kickoff_ms],
            )
            .await?;
        Ok(rows
            .iter()
            .map(quote_from_row)
            .collect::<Result<_, PgError>>()?)
    }

    /// The odds path since `since_ms`, oldest first, capped at `limit` newest rows.
    pub async fn history_for_events(
        &self,
        since_ms: i64,
        limit: usize,
    ) -> Result<Vec<Quote>, StoreError> {
        let rows = self
            .rows(
                "SELECT event_id, book, market, scope, selection, line, american, observed_ms, source FROM (
                   SELECT * FROM quotes_history WHERE observed_ms >= $1 ORDER BY observed_ms DESC, id DESC LIMIT $2) AS h
                 ORDER BY observed_ms, id",
                &[&since_ms, &self::limit(limit)],
            )
            .await?;
        Ok(rows
            .iter()
            .map(quote_from_row)
            .collect::<Result<_, PgError>>()?)
    }

    /// Up to `limit` changes after `after_seq`, in sequence order.
    pub async fn changes_after(
        &self,
        after_seq: i64,
        limit: usize,
    ) -> Result<Vec<QuoteChange>, StoreError> {
        let rows = self
            .rows(
                "SELECT id, event_id, book, market, scope, selection, line, american, observed_ms
                 FROM quotes_history WHERE id > $1 ORDER BY id LIMIT $2",
                &[&after_seq, &self::limit(limit)],
            )
            .await?;
        let out: Result<Vec<_>, tokio_postgres::Error> = rows
            .iter()
            .map(|r| {
                Ok(QuoteChange {
                    seq: r.try_get(0)?,
                    event_id: r.try_get(1)?,
                    book: r.try_get(2)?,
                    market: r.try_get(3)?,
                    scope: r.try_get(4)?,
                    selection: r.try_get(5)?,
                    line: r.try_get(6)?,
                    american: r.try_get(7)?,
                    changed_ms: r.try_get(8)?,
                })
            })
            .collect();
        Ok(out.map_err(PgError::from)?)
    }

    /// The cursor a new stream starts from: just before the first change observed after
    /// `since_ms`, or the end of the sequence.
    pub async fn seq_before(&self, since_ms: i64) -> Result<i64, StoreError> {
        let rows = self
            .rows(
                "SELECT COALESCE(
                   (SELECT MIN(id) - 1 FROM quotes_history WHERE observed_ms > $1),
                   (SELECT COALESCE(MAX(id), 0) FROM quotes_history))",
                &[&since_ms],
            )
            .await?;
        let seq = rows
            .first()
            .map(|r| r.try_get::<_, i64>(0))
            .transpose()
            .map_err(PgError::from)?;
        Ok(seq.unwrap_or(0))
    }

    /// The last sequence committed (0 when there is no history).
    pub async fn last_seq(&self) -> Result<i64, StoreError> {
        let rows = self
            .rows("SELECT COALESCE(MAX(id), 0) FROM quotes_history", &[])
            .await?;
        let seq = rows
            .first()
            .map(|r| r.try_get::<_, i64>(0))
            .transpose()
            .map_err(PgError::from)?;
        Ok(seq.unwrap_or(0))
    }
}
