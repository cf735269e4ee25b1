//! Retention: bounded growth without an operator. Everything older than
//! `storage.retention_days` goes — the odds path, quarantined rows, ingest runs, simulations
//! and their opportunities, metric samples, alerts already delivered — in small chunks so the
//! writer never stalls ingestion, then freed pages go back to the file system (incremental
//! vacuum). Never removed: the latest quote of a game not yet started, an undelivered alert,
//! the newest history row (the change stream's sequence), and bets (the ledger is never
//! pruned).

use super::records::PruneStats;
use rusqlite::Connection;

/// Rows per table per pass: small enough that one pass is a short transaction.
pub const CHUNK: usize = 5_000;
/// Free pages returned to the file system per pass.
pub const VACUUM_PAGES: i64 = 2_000;

/// One chunk of retention at `cutoff_ms` (never later than `now_ms`). Returns what went; call
/// again while anything did.
pub fn pass(
    conn: &Connection,
    cutoff_ms: i64,
    now_ms: i64,
    chunk: usize,
) -> rusqlite::Result<PruneStats> {
    super::records::delete_older_than(conn, cutoff_ms.min(now_ms), Some(chunk.max(1)))
}

/// Returns up to `pages` free pages to the file system (a no-op unless the file was created
/// with `auto_vacuum = INCREMENTAL`, as every store is since schema version 2). Returns the
/// free pages left.
pub fn incremental_vacuum(conn: &Connection, pages: i64) -> rusqlite::Result<i64> {
    let mut stmt = conn.prepare(&format!("PRAGMA incremental_vacuum({})", pages.max(1)))?;
    let mut rows = stmt.query([])?;
    while rows.next()?.is_some() {}
    conn.query_row("PRAGMA freelist_count", [], |r| r.get(0))
}

impl PruneStats {
    /// Rows removed, all tables together.
    pub fn total(&self) -> usize {
        self.quotes_history
            + self.quotes_latest
            + self.quarantine
            + self.ingest_runs
            + self.simulations
            + self.opportunities
            + self.metrics_samples
            + self.alert_outbox
            + self.events
    }

    pub fn add(&mut self, o: &PruneStats) {
        self.quotes_history += o.quotes_history;
        self.quotes_latest += o.quotes_latest;
        self.quarantine += o.quarantine;
        self.ingest_runs += o.ingest_runs;
        self.simulations += o.simulations;
        self.opportunities += o.opportunities;
        self.metrics_samples += o.metrics_samples;
        self.alert_outbox += o.alert_outbox;
        self.events += o.events;
    }
}

use super::{Store, StoreError};
use std::time::Duration;

/// Everything older than `keep` goes (see [`pass`]), chunk by chunk through the writer, then
/// free pages are returned. Returns the rows removed.
pub async fn run_once(
    store: &Store,
    keep: Duration,
    now_ms: i64,
) -> Result<PruneStats, StoreError> {
    let cutoff = now_ms.saturating_sub(crate::duration::millis_i64(keep));
    let mut total = PruneStats::default();
    loop {
        let s = store.retention_pass(cutoff, now_ms, CHUNK).await?;
        total.add(&s);
        if s.total() == 0 {
            break;
        }
        tokio::task::yield_now().await;
    }
    // Bounded: a huge free list is returned over the next passes, never in one long stall.
    for _ in 0..50 {
        let left = store.vacuum_some(VACUUM_PAGES).await?;
        if left == 0 {
            break;
        }
    }
    Ok(total)
}

/// The background retention task: a pass at start, then one every `every`, until `shutdown`.
pub async fn run(
    store: Store,
    keep: Duration,
    every: Duration,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    {
        loop {
            if *shutdown.borrow() {
                break;
            }
            match run_once(&store, keep, super::now_ms()).await {
                Ok(s) if s.total() > 0 => {
                    tracing::info!(
                        removed = s.total(),
                        history = s.quotes_history,
                        samples = s.metrics_samples,
                        "retention pass"
                    )
                }
                Ok(_) => {}
                Err(StoreError::WriterGone | StoreError::ReadOnly) => break,
                Err(e) => tracing::warn!(error = %e, "retention pass failed"),
            }
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                _ = shutdown.changed() => {}
            }
        }
    }
}

/// The configured horizon and cadence.
pub fn settings(cfg: &crate::config::StorageConfig) -> (Duration, Duration) {
    use crate::duration::{secs_clamped, MAX_ANY};
    (
        secs_clamped(
            cfg.retention_days * 86_400.0,
            Duration::from_secs(60),
            MAX_ANY,
        ),
        secs_clamped(
            cfg.retention_interval_seconds,
            Duration::from_millis(100),
            Duration::from_secs(86_400),
        ),
    )
}
