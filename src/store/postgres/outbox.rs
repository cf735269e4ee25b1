//! The alert outbox on PostgreSQL: the operations of `store::outbox`, plus a claim with a lease
//! so that several dispatchers (one per `serve`/`dashboard` process) never send the same row.
//!
//! A dispatcher calls [`PgStore::claim`] instead of `due`: the rows it gets are marked with its
//! id until `now + lease`; another dispatcher's claim skips them (`FOR UPDATE SKIP LOCKED` on
//! the rows being claimed, and the lease once the first claim has committed). [`PgStore::apply`]
//! records the outcome and ends the claim. A dispatcher that dies leaves its rows to be claimed
//! again once the lease lapses.

use super::{in_transaction, PgError, PgStore};
use crate::store::outbox::{ChannelSummary, NewRow, Outcome, PendingRow};
use crate::store::StoreError;
use tokio_postgres::Row;

fn pending_row(r: &Row) -> Result<PendingRow, tokio_postgres::Error> {
    Ok(PendingRow {
        id: r.try_get(0)?,
        dedup_key: r.try_get(1)?,
        channel: r.try_get(2)?,
        payload: r.try_get(3)?,
        attempts: r.try_get(4)?,
        created_ms: r.try_get(5)?,
    })
}

fn limit(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl PgStore {
    /// Inserts rows, ignoring ones already present; returns how many were new.
    pub async fn enqueue(&self, rows: &[NewRow]) -> Result<usize, StoreError> {
        if rows.is_empty() {
            return Ok(0);
        }
        let col = |f: fn(&NewRow) -> &str| rows.iter().map(f).collect::<Vec<&str>>();
        let (key, rule, severity, channel, payload) = (
            col(|r| &r.dedup_key),
            col(|r| &r.rule),
            col(|r| &r.severity),
            col(|r| &r.channel),
            col(|r| &r.payload),
        );
        let created: Vec<i64> = rows.iter().map(|r| r.created_ms).collect();
        let next: Vec<i64> = rows.iter().map(|r| r.next_attempt_ms).collect();
        let n = in_transaction!(self, |tx| {
            let stmt = tx
                .prepare_cached(
                    "INSERT INTO alert_outbox
                       (dedup_key, rule, severity, channel, payload, created_ms, state, attempts, next_attempt_ms)
                     SELECT k, r, s, c, p, cr, 'pending', 0, nx
                     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int8[], $7::int8[])
                          WITH ORDINALITY AS u(k, r, s, c, p, cr, nx, n)
                     ORDER BY n
                     ON CONFLICT (dedup_key, channel) DO NOTHING",
                )
                .await?;
            tx.execute(
                &stmt,
                &[&key, &rule, &severity, &channel, &payload, &created, &next],
            )
            .await?
        })?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    /// Pending rows due at `now_ms` for the given channels, oldest first, at most `per_channel`
    /// of each (as `store::outbox::due`; it ignores claims, see [`PgStore::claim`]).
    pub async fn due(
        &self,
        now_ms: i64,
        channels: &[String],
        per_channel: usize,
    ) -> Result<Vec<PendingRow>, StoreError> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(
                "SELECT id, dedup_key, channel, payload, attempts, created_ms FROM (
                   SELECT id, dedup_key, channel, payload, attempts, created_ms,
                          ROW_NUMBER() OVER (PARTITION BY channel ORDER BY id) AS n
                   FROM alert_outbox
                   WHERE state = 'pending' AND next_attempt_ms <= $1 AND channel = ANY($2)) AS d
                 WHERE n <= $3 ORDER BY id",
            )
            .await
            .map_err(PgError::from)?;
        let rows = client
            .query(&stmt, &[&now_ms, &channels, &limit(per_channel)])
            .await
            .map_err(PgError::from)?;
        Ok(rows
            .iter()
            .map(pending_row)
            .collect::<Result<_, _>>()
            .map_err(PgError::from)?)
    }

    /// Claims for `dispatcher` the rows `due` would return, leaving out rows another
    /// dispatcher holds (locked right now, or claimed with a lease not yet lapsed), and marks
    /// them claimed until `now_ms + lease_ms`. Rows this dispatcher already holds come back
    /// again (it may retry after a failed round). Oldest first, at most `per_channel` rows of
    /// each channel.
    pub async fn claim(
        &self,
        dispatcher: &str,
        now_ms: i64,
        channels: &[String],
        per_channel: usize,
        lease_ms: i64,
    ) -> Result<Vec<PendingRow>, StoreError> {
        let until = now_ms.saturating_add(lease_ms.max(1));
        let rows = in_transaction!(self, |tx| {
            // The candidates (per-channel fair, as `due`); the claim condition is repeated on
            // the locking scan so a row claimed by a commit since this snapshot is re-checked
            // against its new version and skipped.
            let stmt = tx
                .prepare_cached(
                    "WITH candidates AS (
                       SELECT id FROM (
                         SELECT id, ROW_NUMBER() OVER (PARTITION BY channel ORDER BY id) AS n
                         FROM alert_outbox
                         WHERE state = 'pending' AND next_attempt_ms <= $1 AND channel = ANY($2)
                           AND (claim_until_ms IS NULL OR claim_until_ms <= $1 OR claimed_by = $4)) AS c
                       WHERE n <= $3),
                     locked AS (
                       SELECT o.id FROM alert_outbox o
                       WHERE o.id IN (SELECT id FROM candidates)
                         AND o.state = 'pending' AND o.next_attempt_ms <= $1
                         AND (o.claim_until_ms IS NULL OR o.claim_until_ms <= $1 OR o.claimed_by = $4)
                       ORDER BY o.id
                       FOR UPDATE SKIP LOCKED)
                     UPDATE alert_outbox o SET claimed_by = $4, claim_until_ms = $5
                     FROM locked WHERE o.id = locked.id
                     RETURNING o.id, o.dedup_key, o.channel, o.payload, o.attempts, o.created_ms",
                )
                .await?;
            tx.query(
                &stmt,
                &[&now_ms, &channels, &limit(per_channel), &dispatcher, &until],
            )
            .await?
        })?;
        let mut out: Vec<PendingRow> = rows
            .iter()
            .map(pending_row)
            .collect::<Result<_, _>>()
            .map_err(PgError::from)?;
        out.sort_by_key(|r| r.id);
        Ok(out)
    }

    /// Marks pending rows of channels not in `configured` as `expired`; returns how many rows
    /// expired, per channel.
    pub async fn expire_unconfigured(
        &self,
        configured: &[String],
        now_ms: i64,
    ) -> Result<Vec<(String, usize)>, StoreError> {
        let rows = in_transaction!(self, |tx| {
            let stmt = tx
                .prepare_cached(
                    "WITH gone AS (
                       UPDATE alert_outbox SET state = 'expired', next_attempt_ms = $2,
                         claimed_by = NULL, claim_until_ms = NULL,
                         last_error = 'expired: channel `' || channel || '` is no longer configured'
                       WHERE state = 'pending' AND NOT (channel = ANY($1))
                       RETURNING channel)
                     SELECT channel, COUNT(*) FROM gone GROUP BY channel ORDER BY channel",
                )
                .await?;
            tx.query(&stmt, &[&configured, &now_ms]).await?
        })?;
        let out: Result<Vec<(String, i64)>, tokio_postgres::Error> = rows
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect();
        Ok(out
            .map_err(PgError::from)?
            .into_iter()
            .map(|(c, n)| (c, usize::try_from(n).unwrap_or(0)))
            .collect())
    }

    /// The earliest `next_attempt_ms` among pending rows, per channel.
    pub async fn next_due_by_channel(&self) -> Result<Vec<(String, i64)>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT channel, MIN(next_attempt_ms) FROM alert_outbox WHERE state = 'pending' GROUP BY channel",
                &[],
            )
            .await
            .map_err(PgError::from)?;
        let out: Result<Vec<_>, tokio_postgres::Error> = rows
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect();
        Ok(out.map_err(PgError::from)?)
    }

    /// Records the outcomes of one round in one transaction and ends their claims.
    pub async fn apply(&self, outcomes: &[Outcome]) -> Result<(), StoreError> {
        if outcomes.is_empty() {
            return Ok(());
        }
        in_transaction!(self, |tx| {
            for o in outcomes {
                match o {
                    Outcome::Delivered { id, at_ms } => {
                        tx.execute(
                            "UPDATE alert_outbox SET state = 'delivered', attempts = attempts + 1,
                               delivered_ms = $2, last_error = NULL,
                               claimed_by = NULL, claim_until_ms = NULL WHERE id = $1",
                            &[id, at_ms],
                        )
                        .await?
                    }
                    Outcome::Skipped { id, at_ms, reason } => {
                        tx.execute(
                            "UPDATE alert_outbox SET state = 'skipped', attempts = attempts + 1,
                               next_attempt_ms = $2, last_error = $3,
                               claimed_by = NULL, claim_until_ms = NULL WHERE id = $1",
                            &[id, at_ms, reason],
                        )
                        .await?
                    }
                    Outcome::Failed { id, next_ms, error } => {
                        tx.execute(
                            "UPDATE alert_outbox SET attempts = attempts + 1, next_attempt_ms = $2,
                               last_error = $3, claimed_by = NULL, claim_until_ms = NULL WHERE id = $1",
                            &[id, next_ms, error],
                        )
                        .await?
                    }
                    Outcome::Invalid { id, error } => {
                        tx.execute(
                            "UPDATE alert_outbox SET state = 'invalid', last_error = $2,
                               claimed_by = NULL, claim_until_ms = NULL WHERE id = $1",
                            &[id, error],
                        )
                        .await?
                    }
                };
            }
        })?;
        Ok(())
    }

    /// Per-channel figures from the table.
    pub async fn channel_summary(&self) -> Result<Vec<ChannelSummary>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT channel,
                        COUNT(*) FILTER (WHERE state = 'pending'),
                        COUNT(*) FILTER (WHERE state = 'delivered'),
                        MIN(created_ms) FILTER (WHERE state = 'pending'),
                        MAX(delivered_ms) FILTER (WHERE state = 'delivered'),
                        COALESCE(MAX(attempts) FILTER (WHERE state = 'pending'), 0),
                        (SELECT o.last_error FROM alert_outbox o
                          WHERE o.channel = a.channel AND o.state = 'pending' AND o.last_error IS NOT NULL
                          ORDER BY o.id LIMIT 1)
                 FROM alert_outbox a GROUP BY channel ORDER BY channel",
                &[],
            )
            .await
            .map_err(PgError::from)?;
        let count = |v: i64| u64::try_from(v).unwrap_or(0);
        let out: Result<Vec<_>, tokio_postgres::Error> = rows
            .iter()
            .map(|r| {
                Ok(ChannelSummary {
                    channel: r.try_get(0)?,
                    pending: count(r.try_get(1)?),
                    delivered: count(r.try_get(2)?),
                    oldest_pending_ms: r.try_get(3)?,
                    last_delivery_ms: r.try_get(4)?,
                    pending_attempts: count(r.try_get(5)?),
                    last_error: r.try_get(6)?,
                })
            })
            .collect();
        Ok(out.map_err(PgError::from)?)
    }

    /// Recently created keys (for cooldowns that survive a restart): (dedup_key, created_ms).
    pub async fn recent_keys(&self, since_ms: i64) -> Result<Vec<(String, i64)>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT dedup_key, MAX(created_ms) FROM alert_outbox WHERE created_ms >= $1 GROUP BY dedup_key",
                &[&since_ms],
            )
            .await
            .map_err(PgError::from)?;
        let out: Result<Vec<_>, tokio_postgres::Error> = rows
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect();
        Ok(out.map_err(PgError::from)?)
    }

    /// The id of each row's queued entry (by dedup key and channel), `None` where there is none.
    pub async fn ids_of(&self, rows: &[NewRow]) -> Result<Vec<Option<i64>>, StoreError> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached("SELECT id FROM alert_outbox WHERE dedup_key = $1 AND channel = $2")
            .await
            .map_err(PgError::from)?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let row = client
                .query_opt(&stmt, &[&r.dedup_key, &r.channel])
                .await
                .map_err(PgError::from)?;
            out.push(match row {
                Some(row) => Some(row.try_get(0).map_err(PgError::from)?),
                None => None,
            });
        }
        Ok(out)
    }

    /// The highest alert id any queued notification carries, so a restart numbers on from it.
    /// Read from the payload text: a payload that is not JSON is skipped, not an error.
    pub async fn max_alert_id(&self) -> Result<Option<i64>, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_one(
                r#"SELECT MAX(substring(payload from '"alert_id":\s*([0-9]{1,18})')::BIGINT) FROM alert_outbox"#,
                &[],
            )
            .await
            .map_err(PgError::from)?;
        Ok(row.try_get(0).map_err(PgError::from)?)
    }
}
