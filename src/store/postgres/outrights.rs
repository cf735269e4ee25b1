//! Outright prices on PostgreSQL, statement for statement with `store/outrights.rs`.

use super::{in_transaction, PgError, PgStore};
use crate::domain::outright::OutrightQuote;
use crate::store::outrights::RawOutright;
use crate::store::StoreError;
use tokio_postgres::Transaction;

pub(super) async fn write_outrights_tx(
    tx: &Transaction<'_>,
    quotes: &[OutrightQuote],
    now_ms: i64,
) -> Result<usize, PgError> {
    let upsert = tx
        .prepare(
            "INSERT INTO outrights_latest
                 (season, book, market, team, side, line_key, line, american, observed_ms, seen_ms, source)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
             ON CONFLICT (season, book, market, team, side, line_key) DO UPDATE SET
                 line = excluded.line, american = excluded.american,
                 observed_ms = excluded.observed_ms, seen_ms = excluded.seen_ms,
                 source = excluded.source
             WHERE excluded.observed_ms >= outrights_latest.observed_ms",
        )
        .await?;
    let before = tx
        .prepare(
            "SELECT american FROM outrights_latest
              WHERE season = $1 AND book = $2 AND market = $3 AND team = $4 AND side = $5
                AND line_key = $6",
        )
        .await?;
    let mut changed = 0;
    for q in quotes {
        let key = q.line_key();
        let (market, side) = (q.market.as_str(), q.side.as_str());
        let old: Option<i64> = tx
            .query_opt(
                &before,
                &[&q.season, &q.book, &market, &q.team, &side, &key],
            )
            .await?
            .map(|r| r.get(0));
        let n = tx
            .execute(
                &upsert,
                &[
                    &q.season,
                    &q.book,
                    &market,
                    &q.team,
                    &side,
                    &key,
                    &q.line,
                    &q.american,
                    &q.observed_ms,
                    &now_ms,
                    &q.source,
                ],
            )
            .await?;
        if n > 0 && old != Some(q.american) {
            changed += 1;
        }
    }
    Ok(changed)
}

impl PgStore {
    pub async fn write_outrights(
        &self,
        quotes: &[OutrightQuote],
        now_ms: i64,
    ) -> Result<usize, StoreError> {
        let n = in_transaction!(self, |tx| write_outrights_tx(&tx, quotes, now_ms).await?)?;
        Ok(n)
    }

    pub async fn latest_outrights(
        &self,
        season: Option<i32>,
        seen_since_ms: i64,
    ) -> Result<Vec<OutrightQuote>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT season, book, market, team, side, line, american, observed_ms, source
                   FROM outrights_latest
                  WHERE seen_ms >= $1 AND ($2::int4 IS NULL OR season = $2)
                  ORDER BY season, market, team, side, line_key, book",
                &[&seen_since_ms, &season],
            )
            .await
            .map_err(PgError::from)?;
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                RawOutright {
                    season: r.get(0),
                    book: r.get(1),
                    market: r.get(2),
                    team: r.get(3),
                    side: r.get(4),
                    line: r.get(5),
                    american: r.get(6),
                    observed_ms: r.get(7),
                    source: r.get(8),
                }
                .into_quote()
            })
            .collect())
    }
}
