//! The operational tables and retention on PostgreSQL, as `store::records` and
//! `store::retention` do them on SQLite.

use super::{in_transaction, PgError, PgStore};
use crate::store::records::{
    IngestRun, MetricSample, OpportunityRecord, PruneStats, Quarantined, SimulationRecord,
};
use crate::store::StoreError;
use deadpool_postgres::Transaction;

fn as_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn as_usize(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

/// The deletion policy of `store::records::delete_older_than`, statement for statement.
/// `LIMIT NULL` is no limit in PostgreSQL.
async fn delete_older_than_tx(
    tx: &Transaction<'_>,
    cutoff_ms: i64,
    limit: Option<usize>,
) -> Result<PruneStats, PgError> {
    let n: Option<i64> = limit.map(as_i64);
    let del = |sql: &'static str| async move {
        let stmt = tx.prepare_cached(sql).await?;
        Ok::<usize, PgError>(as_usize(tx.execute(&stmt, &[&cutoff_ms, &n]).await?))
    };
    Ok(PruneStats {
        quotes_history: del("DELETE FROM quotes_history WHERE id IN (
               SELECT id FROM quotes_history WHERE stored_ms < $1
                 AND id < (SELECT MAX(id) FROM quotes_history)
               ORDER BY stored_ms LIMIT $2)")
        .await?,
        quotes_latest: del("DELETE FROM quotes_latest WHERE event_id IN (
               SELECT e.event_id FROM events e WHERE e.commence_ms < $1
                 AND NOT EXISTS (SELECT 1 FROM quotes_latest l
                                 WHERE l.event_id = e.event_id AND l.seen_ms >= $1)
               LIMIT $2)")
        .await?,
        quarantine: del("DELETE FROM quarantine WHERE id IN (
               SELECT id FROM quarantine WHERE observed_ms < $1 LIMIT $2)")
        .await?,
        ingest_runs: del("DELETE FROM ingest_runs WHERE id IN (
               SELECT id FROM ingest_runs WHERE started_ms < $1 LIMIT $2)")
        .await?,
        opportunities: del("DELETE FROM opportunities WHERE id IN (
               SELECT id FROM opportunities WHERE detected_ms < $1 LIMIT $2)")
        .await?,
        simulations: del("DELETE FROM simulations WHERE id IN (
               SELECT s.id FROM simulations s WHERE s.started_ms < $1
                 AND NOT EXISTS (SELECT 1 FROM opportunities o WHERE o.simulation_id = s.id)
               LIMIT $2)")
        .await?,
        // No id column (as in SQLite, where rowid serves): the physical row id does.
        metrics_samples: del("DELETE FROM metrics_samples WHERE ctid = ANY(ARRAY(
               SELECT ctid FROM metrics_samples WHERE ts_ms < $1 LIMIT $2))")
        .await?,
        alert_outbox: del("DELETE FROM alert_outbox WHERE id IN (
               SELECT id FROM alert_outbox WHERE created_ms < $1 AND state <> 'pending' LIMIT $2)")
        .await?,
        events: del("DELETE FROM events WHERE event_id IN (
               SELECT e.event_id FROM events e WHERE e.commence_ms < $1 AND e.updated_ms < $1
                 AND NOT EXISTS (SELECT 1 FROM quotes_latest l WHERE l.event_id = e.event_id)
                 AND NOT EXISTS (SELECT 1 FROM quotes_history h WHERE h.event_id = e.event_id)
                 AND NOT EXISTS (SELECT 1 FROM bets b WHERE b.event_id = e.event_id)
               LIMIT $2)")
        .await?,
    })
}

pub(super) async fn insert_ingest_run_tx(
    tx: &Transaction<'_>,
    r: &IngestRun,
) -> Result<i64, PgError> {
    Ok(tx
        .query_one(
            "INSERT INTO ingest_runs (source, scheduled_ms, started_ms, finished_ms, ok, attempts, quotes_received, quotes_changed, quotes_rejected, error)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
            &[
                &r.source,
                &r.scheduled_ms,
                &r.started_ms,
                &r.finished_ms,
                &r.ok,
                &i64::from(r.attempts),
                &as_i64(r.quotes_received),
                &as_i64(r.quotes_changed),
                &as_i64(r.quotes_rejected),
                &r.error,
            ],
        )
        .await?
        .try_get::<_, i64>(0)?)
}

pub(super) async fn insert_quarantine_tx(
    tx: &Transaction<'_>,
    rows: &[Quarantined],
) -> Result<(), PgError> {
    if rows.is_empty() {
        return Ok(());
    }
    let source: Vec<&str> = rows.iter().map(|r| r.source.as_str()).collect();
    let reason: Vec<&str> = rows.iter().map(|r| r.reason.as_str()).collect();
    let detail: Vec<&str> = rows.iter().map(|r| r.detail.as_str()).collect();
    let observed: Vec<i64> = rows.iter().map(|r| r.observed_ms).collect();
    tx.execute(
        "INSERT INTO quarantine (source, reason, detail, observed_ms)
         SELECT s, r, d, o FROM unnest($1::text[], $2::text[], $3::text[], $4::int8[])
              WITH ORDINALITY AS u(s, r, d, o, n) ORDER BY n",
        &[&source, &reason, &detail, &observed],
    )
    .await?;
    Ok(())
}

impl PgStore {
    pub async fn insert_ingest_run(&self, r: &IngestRun) -> Result<i64, StoreError> {
        let id = in_transaction!(self, |tx| insert_ingest_run_tx(&tx, r).await?)?;
        Ok(id)
    }

    pub async fn insert_quarantine(&self, rows: &[Quarantined]) -> Result<(), StoreError> {
        if rows.is_empty() {
            return Ok(());
        }
        in_transaction!(self, |tx| insert_quarantine_tx(&tx, rows).await?)?;
        Ok(())
    }

    pub async fn insert_metric_samples(&self, rows: &[MetricSample]) -> Result<(), StoreError> {
        if rows.is_empty() {
            return Ok(());
        }
        let ts: Vec<i64> = rows.iter().map(|r| r.ts_ms).collect();
        let name: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
        let labels: Vec<&str> = rows.iter().map(|r| r.labels.as_str()).collect();
        let value: Vec<f64> = rows.iter().map(|r| r.value).collect();
        in_transaction!(self, |tx| {
            tx.execute(
                "INSERT INTO metrics_samples (ts_ms, name, labels, value)
                 SELECT * FROM unnest($1::int8[], $2::text[], $3::text[], $4::float8[])",
                &[&ts, &name, &labels, &value],
            )
            .await?
        })?;
        Ok(())
    }

    /// One pricing run and the opportunities it found, in one transaction.
    pub async fn insert_simulation(
        &self,
        sim: &SimulationRecord,
        opps: &[OpportunityRecord],
    ) -> Result<i64, StoreError> {
        let id = in_transaction!(self, |tx| {
            let id: i64 = tx
                .query_one(
                    "INSERT INTO simulations (started_ms, latency_ms, iterations, seed, events, markets, max_std_error, trigger, max_abs_z)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                    &[
                        &sim.started_ms,
                        &sim.latency_ms,
                        &i64::from(sim.iterations),
                        // The bits of the seed, as SQLite stores it.
                        &(sim.seed as i64),
                        &as_i64(sim.events),
                        &as_i64(sim.markets),
                        &sim.max_std_error,
                        &sim.trigger,
                        &sim.max_abs_z,
                    ],
                )
                .await?
                .try_get(0)?;
            if !opps.is_empty() {
                let text =
                    |f: fn(&OpportunityRecord) -> &str| opps.iter().map(f).collect::<Vec<&str>>();
                let num =
                    |f: fn(&OpportunityRecord) -> f64| opps.iter().map(f).collect::<Vec<f64>>();
                let detected: Vec<i64> = opps.iter().map(|o| o.detected_ms).collect();
                let line: Vec<Option<f64>> = opps.iter().map(|o| o.line).collect();
                let american: Vec<i64> = opps.iter().map(|o| o.american).collect();
                tx.execute(
                    "INSERT INTO opportunities (simulation_id, detected_ms, event_id, market, scope, selection, line, book, american,
                                                fair_prob, push_prob, ev, kelly, stake, detail)
                     SELECT $1, d, e, m, sc, se, l, b, a, fp, pp, ev, k, st, dt
                     FROM unnest($2::int8[], $3::text[], $4::text[], $5::text[], $6::text[], $7::float8[], $8::text[],
                                 $9::int8[], $10::float8[], $11::float8[], $12::float8[], $13::float8[], $14::float8[], $15::text[])
                          WITH ORDINALITY AS u(d, e, m, sc, se, l, b, a, fp, pp, ev, k, st, dt, n)
                     ORDER BY n",
                    &[
                        &id,
                        &detected,
                        &text(|o| &o.event_id),
                        &text(|o| &o.market),
                        &text(|o| &o.scope),
                        &text(|o| &o.selection),
                        &line,
                        &text(|o| &o.book),
                        &american,
                        &num(|o| o.fair_prob),
                        &num(|o| o.push_prob),
                        &num(|o| o.ev),
                        &num(|o| o.kelly),
                        &num(|o| o.stake),
                        &text(|o| &o.detail),
                    ],
                )
                .await?;
            }
            id
        })?;
        Ok(id)
    }

    /// `store::records::prune_older_than`: everything older than the cutoff (never later than
    /// `now_ms`) in one transaction; with `dry_run` the transaction is rolled back, so the
    /// counts are exactly what a real prune would remove.
    pub async fn prune_older_than(
        &self,
        cutoff_ms: i64,
        now_ms: i64,
        dry_run: bool,
    ) -> Result<PruneStats, StoreError> {
        let cutoff = cutoff_ms.min(now_ms);
        if !dry_run {
            return self.delete_older_than(cutoff, None).await;
        }
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(PgError::from)?;
        let stats = delete_older_than_tx(&tx, cutoff, None).await?;
        tx.rollback().await.map_err(PgError::from)?;
        Ok(stats)
    }

    /// `store::records::delete_older_than`: the one deletion policy, at most `limit` rows per
    /// table. Never removed: the newest history row, the latest quote of a game not yet
    /// started, an undelivered alert.
    pub async fn delete_older_than(
        &self,
        cutoff_ms: i64,
        limit: Option<usize>,
    ) -> Result<PruneStats, StoreError> {
        Ok(in_transaction!(self, |tx| delete_older_than_tx(
            &tx, cutoff_ms, limit
        )
        .await?)?)
    }

    /// `store::retention::pass`: one chunk of retention at `cutoff_ms` (never later than
    /// `now_ms`); call again while anything went.
    pub async fn pass(
        &self,
        cutoff_ms: i64,
        now_ms: i64,
        chunk: usize,
    ) -> Result<PruneStats, StoreError> {
        self.delete_older_than(cutoff_ms.min(now_ms), Some(chunk.max(1)))
            .await
    }

    /// `store::retention::incremental_vacuum` has nothing to do here: autovacuum makes the
    /// space of deleted rows reusable. Returns 0 (no free pages waiting).
    pub async fn incremental_vacuum(&self, _pages: i64) -> Result<i64, StoreError> {
        Ok(0)
    }

    /// The latest `n` stored simulation runs, newest first.
    pub async fn recent_simulations(
        &self,
        n: usize,
    ) -> Result<Vec<crate::store::records::SimulationTiming>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT started_ms, latency_ms, iterations, trigger FROM simulations ORDER BY started_ms DESC LIMIT $1",
                &[&i64::try_from(n).unwrap_or(i64::MAX)],
            )
            .await
            .map_err(PgError::from)?;
        let out: Result<Vec<_>, tokio_postgres::Error> = rows
            .iter()
            .map(|r| {
                Ok(crate::store::records::SimulationTiming {
                    started_ms: r.try_get(0)?,
                    latency_ms: r.try_get(1)?,
                    iterations: r.try_get(2)?,
                    trigger: r.try_get(3)?,
                })
            })
            .collect();
        Ok(out.map_err(PgError::from)?)
    }
}
