//! Writes for the operational tables: ingest runs, quarantine, simulations, opportunities,
//! metrics samples, and retention pruning.

use rusqlite::{params, Connection};

#[derive(Debug, Clone, PartialEq)]
pub struct IngestRun {
    pub source: String,
    pub scheduled_ms: i64,
    pub started_ms: i64,
    pub finished_ms: i64,
    pub ok: bool,
    pub attempts: u32,
    pub quotes_received: usize,
    pub quotes_changed: usize,
    pub quotes_rejected: usize,
    pub error: Option<String>,
}

pub fn insert_ingest_run(conn: &Connection, r: &IngestRun) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO ingest_runs (source, scheduled_ms, started_ms, finished_ms, ok, attempts, quotes_received, quotes_changed, quotes_rejected, error)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        r.source,
        r.scheduled_ms,
        r.started_ms,
        r.finished_ms,
        r.ok,
        r.attempts,
        r.quotes_received as i64,
        r.quotes_changed as i64,
        r.quotes_rejected as i64,
        r.error
    ])?;
    Ok(conn.last_insert_rowid())
}

#[derive(Debug, Clone, PartialEq)]
pub struct Quarantined {
    pub source: String,
    pub reason: String,
    pub detail: String,
    pub observed_ms: i64,
}

pub fn insert_quarantine(conn: &Connection, rows: &[Quarantined]) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO quarantine (source, reason, detail, observed_ms) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for q in rows {
        stmt.execute(params![q.source, q.reason, q.detail, q.observed_ms])?;
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq)]
pub struct MetricSample {
    pub ts_ms: i64,
    pub name: String,
    pub labels: String,
    pub value: f64,
}

pub fn insert_metric_samples(conn: &Connection, rows: &[MetricSample]) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO metrics_samples (ts_ms, name, labels, value) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for m in rows {
        stmt.execute(params![m.ts_ms, m.name, m.labels, m.value])?;
    }
    Ok(())
}

/// Rows removed by one prune, per table.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct PruneStats {
    pub quotes_history: usize,
    pub quotes_latest: usize,
    pub quarantine: usize,
    pub ingest_runs: usize,
    pub simulations: usize,
    pub opportunities: usize,
    pub metrics_samples: usize,
    pub alert_outbox: usize,
    pub events: usize,
}

/// Deletes history stored before `cutoff_ms`. Latest quotes of games that kicked off before the
/// cutoff and were last stored or confirmed before it go too; pending alerts are kept whatever their age, so nothing undelivered is lost.
/// The cutoff is never later than `now_ms`, so the latest quotes of a game not yet started are
/// never removed, whatever the caller passes. With `dry_run` the same deletes run inside a
/// savepoint that is rolled back: the counts are exactly what a real prune would remove.
pub fn prune_older_than(
    conn: &Connection,
    cutoff_ms: i64,
    now_ms: i64,
    dry_run: bool,
) -> rusqlite::Result<PruneStats> {
    conn.execute_batch("SAVEPOINT prune")?;
    let stats = delete_older_than(conn, cutoff_ms.min(now_ms), None);
    let end = match (&stats, dry_run) {
        (Ok(_), false) => conn.execute_batch("RELEASE prune"),
        _ => conn
            .execute_batch("ROLLBACK TO prune")
            .and_then(|_| conn.execute_batch("RELEASE prune")),
    };
    let stats = stats?;
    end?;
    Ok(stats)
}

/// The one deletion policy of `scan --prune-older-than` and the retention task: every row
/// stored before `cutoff_ms` (an odds-path row's age counts from when it was stored, not from
/// the price's own time, so imported history is never lost on arrival), table by table, at most `limit` rows per table (`None`: all). Never
/// removed: the newest history row (its id keeps the change sequence from ever restarting), the
/// latest quote of a game not yet started, an undelivered alert.
pub fn delete_older_than(
    conn: &Connection,
    cutoff_ms: i64,
    limit: Option<usize>,
) -> rusqlite::Result<PruneStats> {
    // SQLite reads LIMIT -1 as no limit.
    let n = limit.map_or(-1, |l| i64::try_from(l).unwrap_or(i64::MAX));
    let del = |sql: &str| conn.execute(sql, params![cutoff_ms, n]);
    Ok(PruneStats {
        quotes_history: del(
            "DELETE FROM quotes_history WHERE id IN (
               SELECT id FROM quotes_history WHERE stored_ms < ?1
                 AND id < (SELECT MAX(id) FROM quotes_history)
               ORDER BY stored_ms LIMIT ?2)",
        )?,
        quotes_latest: del(
            "DELETE FROM quotes_latest WHERE event_id IN (
               SELECT event_id FROM events e WHERE commence_ms < ?1
                 AND NOT EXISTS (SELECT 1 FROM quotes_latest l
                                 WHERE l.event_id = e.event_id AND l.seen_ms >= ?1)
               LIMIT ?2)",
        )?,
        quarantine: del(
            "DELETE FROM quarantine WHERE id IN (
               SELECT id FROM quarantine WHERE observed_ms < ?1 LIMIT ?2)",
        )?,
        ingest_runs: del(
            "DELETE FROM ingest_runs WHERE id IN (
               SELECT id FROM ingest_runs WHERE started_ms < ?1 LIMIT ?2)",
        )?,
        opportunities: del(
            "DELETE FROM opportunities WHERE id IN (
               SELECT id FROM opportunities WHERE detected_ms < ?1 LIMIT ?2)",
        )?,
        simulations: del(
            "DELETE FROM simulations WHERE id IN (
               SELECT id FROM simulations WHERE started_ms < ?1
                 AND id NOT IN (SELECT simulation_id FROM opportunities WHERE simulation_id IS NOT NULL)
               LIMIT ?2)",
        )?,
        metrics_samples: del(
            "DELETE FROM metrics_samples WHERE rowid IN (
               SELECT rowid FROM metrics_samples WHERE ts_ms < ?1 LIMIT ?2)",
        )?,
        alert_outbox: del(
            "DELETE FROM alert_outbox WHERE id IN (
               SELECT id FROM alert_outbox WHERE created_ms < ?1 AND state <> 'pending' LIMIT ?2)",
        )?,
        events: del(
            "DELETE FROM events WHERE event_id IN (
               SELECT event_id FROM events WHERE commence_ms < ?1 AND updated_ms < ?1
                 AND event_id NOT IN (SELECT event_id FROM quotes_latest)
                 AND event_id NOT IN (SELECT event_id FROM quotes_history)
                 AND event_id NOT IN (SELECT event_id FROM bets)
               LIMIT ?2)",
        )?,
    })
}

#[derive(Debug, Clone, PartialEq)]
pub struct SimulationRecord {
    pub started_ms: i64,
    pub latency_ms: f64,
    pub iterations: u32,
    pub seed: u64,
    pub events: usize,
    pub markets: usize,
    pub max_std_error: f64,
    /// The Monte Carlo check's largest |z| (`None` when it did not run).
    pub max_abs_z: Option<f64>,
    pub trigger: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OpportunityRecord {
    pub detected_ms: i64,
    pub event_id: String,
    pub market: String,
    pub scope: String,
    pub selection: String,
    pub line: Option<f64>,
    pub book: String,
    pub american: i64,
    pub fair_prob: f64,
    pub push_prob: f64,
    pub ev: f64,
    pub kelly: f64,
    pub stake: f64,
    /// The full opportunity as JSON, for exports and audits.
    pub detail: String,
}

/// One pricing run and the opportunities it found, in one transaction.
pub fn insert_simulation(
    conn: &Connection,
    sim: &SimulationRecord,
    opps: &[OpportunityRecord],
) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO simulations (started_ms, latency_ms, iterations, seed, events, markets, max_std_error, trigger, max_abs_z)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        sim.started_ms,
        sim.latency_ms,
        sim.iterations,
        sim.seed as i64,
        sim.events as i64,
        sim.markets as i64,
        sim.max_std_error,
        sim.trigger,
        sim.max_abs_z
    ])?;
    let id = conn.last_insert_rowid();
    let mut stmt = conn.prepare_cached(
        "INSERT INTO opportunities (simulation_id, detected_ms, event_id, market, scope, selection, line, book, american,
                                    fair_prob, push_prob, ev, kelly, stake, detail)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
    )?;
    for o in opps {
        stmt.execute(params![
            id,
            o.detected_ms,
            o.event_id,
            o.market,
            o.scope,
            o.selection,
            o.line,
            o.book,
            o.american,
            o.fair_prob,
            o.push_prob,
            o.ev,
            o.kelly,
            o.stake,
            o.detail
        ])?;
    }
    Ok(id)
}

/// One stored simulation run as the status report judges it.
#[derive(Debug, Clone)]
pub struct SimulationTiming {
    pub started_ms: i64,
    pub latency_ms: f64,
    pub iterations: i64,
    pub trigger: String,
}

/// The latest `n` stored simulation runs, newest first.
pub fn recent_simulations(conn: &Connection, n: usize) -> rusqlite::Result<Vec<SimulationTiming>> {
    let mut stmt = conn.prepare(
        "SELECT started_ms, latency_ms, iterations, trigger FROM simulations ORDER BY started_ms DESC LIMIT ?1",
    )?;
    let rows = stmt.query_map([n.min(i64::MAX as usize) as i64], |r| {
        Ok(SimulationTiming {
            started_ms: r.get(0)?,
            latency_ms: r.get(1)?,
            iterations: r.get(2)?,
            trigger: r.get(3)?,
        })
    })?;
    rows.collect()
}
