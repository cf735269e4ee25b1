//! The bet ledger on PostgreSQL: the operations of `store::bets`.

use super::{PgError, PgStore};
use crate::store::bets::{Bet, BetFilter, NewBet, COLUMNS};
use crate::store::StoreError;
use tokio_postgres::Row;

fn bet_from_row(r: &Row) -> Result<Bet, tokio_postgres::Error> {
    Ok(Bet {
        id: r.try_get(0)?,
        paper: r.try_get(1)?,
        event_id: r.try_get(2)?,
        market: r.try_get(3)?,
        scope: r.try_get(4)?,
        selection: r.try_get(5)?,
        line: r.try_get(6)?,
        book: r.try_get(7)?,
        decimal: r.try_get(8)?,
        stake: r.try_get(9)?,
        placed_ms: r.try_get(10)?,
        fair_prob: r.try_get(11)?,
        ev: r.try_get(12)?,
        model_prob: r.try_get(13)?,
        consensus_prob: r.try_get(14)?,
        status: r.try_get(15)?,
        settled_ms: r.try_get(16)?,
        pnl: r.try_get(17)?,
        clv_book: r.try_get(18)?,
        clv_consensus: r.try_get(19)?,
        clv_roi_book: None,
        clv_roi_consensus: None,
        note: r.try_get(20)?,
    }
    .with_roi())
}

impl PgStore {
    /// Records a bet; `None` when a bet with the same dedup key is already there.
    pub async fn insert_bet(&self, b: &NewBet) -> Result<Option<i64>, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "INSERT INTO bets (paper, event_id, market, scope, selection, line, book, decimal, stake, placed_ms, fair_prob, ev, model_prob, consensus_prob, note, dedup_key)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
                 ON CONFLICT (dedup_key) DO NOTHING RETURNING id",
                &[
                    &b.paper,
                    &b.event_id,
                    &b.market,
                    &b.scope,
                    &b.selection,
                    &b.line,
                    &b.book,
                    &b.decimal,
                    &b.stake,
                    &b.placed_ms,
                    &b.fair_prob,
                    &b.ev,
                    &b.model_prob,
                    &b.consensus_prob,
                    &b.note,
                    &b.dedup_key,
                ],
            )
            .await
            .map_err(PgError::from)?;
        match row {
            Some(r) => Ok(Some(r.try_get(0).map_err(PgError::from)?)),
            None => Ok(None),
        }
    }

    /// Bets newest first.
    pub async fn list_bets(&self, f: &BetFilter) -> Result<Vec<Bet>, StoreError> {
        let client = self.client().await?;
        let limit = f
            .limit
            .map_or(i64::MAX, |n| i64::try_from(n).unwrap_or(i64::MAX));
        let rows = client
            .query(
                &format!(
                    "SELECT {COLUMNS} FROM bets
                     WHERE ($1::text IS NULL OR status = $1) AND ($2::boolean IS NULL OR paper = $2)
                     ORDER BY placed_ms DESC, id DESC LIMIT $3"
                ),
                &[&f.status, &f.paper, &limit],
            )
            .await
            .map_err(PgError::from)?;
        let out: Result<Vec<_>, _> = rows.iter().map(bet_from_row).collect();
        Ok(out.map_err(PgError::from)?)
    }

    pub async fn get_bet(&self, id: i64) -> Result<Option<Bet>, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt(&format!("SELECT {COLUMNS} FROM bets WHERE id = $1"), &[&id])
            .await
            .map_err(PgError::from)?;
        match row {
            Some(r) => Ok(Some(bet_from_row(&r).map_err(PgError::from)?)),
            None => Ok(None),
        }
    }

    /// Voids an open or ungraded bet; `false` when there is none or it is already graded.
    pub async fn void_bet(&self, id: i64, now_ms: i64, reason: &str) -> Result<bool, StoreError> {
        let client = self.client().await?;
        let n = client
            .execute(
                "UPDATE bets SET status = 'void', settled_ms = $2, pnl = 0,
                        note = COALESCE(note || '; ', '') || $3
                 WHERE id = $1 AND status IN ('open', 'ungraded')",
                &[&id, &now_ms, &reason],
            )
            .await
            .map_err(PgError::from)?;
        Ok(n == 1)
    }

    pub async fn event_exists(&self, event_id: &str) -> Result<bool, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM events WHERE event_id = $1)",
                &[&event_id],
            )
            .await
            .map_err(PgError::from)?;
        Ok(row.try_get(0).map_err(PgError::from)?)
    }

    /// `store::bets::settle` on PostgreSQL.
    pub async fn settle_bet(
        &self,
        id: i64,
        status: &str,
        pnl: Option<f64>,
        settled_ms: i64,
        note: Option<&str>,
    ) -> Result<bool, StoreError> {
        let client = self.client().await?;
        let n = client
            .execute(
                "UPDATE bets SET status = $2, pnl = $3,
                        settled_ms = CASE WHEN $2 = 'ungraded' THEN NULL ELSE $4::bigint END,
                        note = CASE WHEN $5::text IS NULL THEN note ELSE COALESCE(note || '; ', '') || $5 END
                 WHERE id = $1 AND status IN ('open', 'ungraded')",
                &[&id, &status, &pnl, &settled_ms, &note],
            )
            .await
            .map_err(PgError::from)?;
        Ok(n == 1)
    }

    /// `store::bets::set_clv` on PostgreSQL.
    pub async fn set_bet_clv(
        &self,
        id: i64,
        clv_book: Option<f64>,
        clv_consensus: Option<f64>,
    ) -> Result<bool, StoreError> {
        let client = self.client().await?;
        let n = client
            .execute(
                "UPDATE bets SET clv_book = COALESCE($2, clv_book),
                        clv_consensus = COALESCE($3, clv_consensus)
                 WHERE id = $1",
                &[&id, &clv_book, &clv_consensus],
            )
            .await
            .map_err(PgError::from)?;
        Ok(n == 1)
    }
}
