//! The one door to the store for everything outside `store/`: typed operations (a poll's batch,
//! the latest board, an odds path, the outbox, retention, status reads), never a connection.
//! Reads open a read-only connection per call off the async workers; writes go through the
//! writer thread's batched transactions, so a read-only handle (`--attach`) cannot write at all.

use super::outbox::{self, ChannelSummary, NewRow, Outcome, PendingRow};
use super::quotes::{self, QuoteWriteStats};
use super::read::{self, LatestQuote, QuoteChange, RunRow};
use super::records::{
    self, IngestRun, MetricSample, OpportunityRecord, PruneStats, Quarantined, SimulationRecord,
    SimulationTiming,
};
use super::writer::{StoreWriter, WriterThread};
use super::{open_for_reading, retention, StoreError};
use crate::domain::{Event, MarketKind, Quote, Scope, Selection};
use rusqlite::Connection;
use std::path::{Path, PathBuf};

/// A cheap-to-clone handle on one store.
#[derive(Clone)]
pub struct Store {
    path: PathBuf,
    busy_timeout_ms: u64,
    writer: Option<StoreWriter>,
}

/// What one pricing pass reads: fresh latest quotes, their recent odds paths, the events.
#[derive(Debug, Default, Clone)]
pub struct MarketRead {
    pub latest: Vec<LatestQuote>,
    pub history: Vec<Quote>,
    pub events: Vec<Event>,
}

/// What a snapshot or a status report reads each refresh.
#[derive(Debug, Default, Clone)]
pub struct Overview {
    /// (event id, books, quotes) per event with stored quotes.
    pub event_quote_counts: Vec<(String, i64, i64)>,
    pub events: Vec<Event>,
    /// (book, market, last seen ms, source) per book and market.
    pub last_seen: Vec<(String, String, i64, String)>,
    /// The latest runs of each source, newest last per source.
    pub runs: Vec<RunRow>,
    pub quotes_latest: i64,
    pub quotes_history: i64,
    pub quarantined: i64,
}

/// What a restarting alert engine reads back from the outbox.
#[derive(Debug, Clone, Default)]
pub struct OutboxRestore {
    /// Dedup keys notified recently, with when.
    pub recent_keys: Vec<(String, i64)>,
    /// The highest alert id handed out.
    pub max_alert_id: Option<i64>,
    pub channels: Vec<ChannelSummary>,
}

/// A poll's whole batch, committed in one transaction.
#[derive(Debug, Clone, Default)]
pub struct PollBatch {
    pub events: Vec<Event>,
    pub quotes: Vec<Quote>,
    pub rejected: Vec<Quarantined>,
    /// The run record; its `quotes_changed` is filled from the write.
    pub run: Option<IngestRun>,
}

impl Store {
    /// A handle that only reads (front ends attached to a store another process writes).
    pub fn reader(path: impl Into<PathBuf>, busy_timeout_ms: u64) -> Store {
        Store {
            path: path.into(),
            busy_timeout_ms,
            writer: None,
        }
    }

    /// Opens (creating and migrating) the store and starts its writer thread.
    pub fn open_writable(
        path: impl Into<PathBuf>,
        busy_timeout_ms: u64,
        max_batch_ops: usize,
    ) -> Result<(Store, WriterThread), StoreError> {
        let path = path.into();
        let (writer, thread) = StoreWriter::spawn(&path, busy_timeout_ms, max_batch_ops)?;
        Ok((
            Store {
                path,
                busy_timeout_ms,
                writer: Some(writer),
            },
            thread,
        ))
    }

    /// A handle over a writer thread already started (tests and benches that also seed the
    /// store through [`StoreWriter`]).
    pub fn from_writer(
        path: impl Into<PathBuf>,
        busy_timeout_ms: u64,
        writer: StoreWriter,
    ) -> Store {
        Store {
            path: path.into(),
            busy_timeout_ms,
            writer: Some(writer),
        }
    }

    /// The same store without its writer: what a read-only front end gets.
    pub fn read_only(&self) -> Store {
        Store {
            writer: None,
            ..self.clone()
        }
    }

    /// Where the store lives, for messages.
    pub fn location(&self) -> &Path {
        &self.path
    }

    /// Whether there is anything to read yet.
    pub fn exists(&self) -> bool {
        self.path.exists()
    }

    pub fn is_writable(&self) -> bool {
        self.writer.is_some()
    }

    /// Jobs queued for the writer and not yet taken; `None` for a read-only handle.
    pub fn queue_depth(&self) -> Option<usize> {
        self.writer.as_ref().map(StoreWriter::queue_depth)
    }

    /// Times a write waited for room in the writer's queue; `None` for a read-only handle.
    pub fn backpressure_waits(&self) -> Option<u64> {
        self.writer.as_ref().map(StoreWriter::backpressure_waits)
    }

    async fn read<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        let (path, busy) = (self.path.clone(), self.busy_timeout_ms);
        tokio::task::spawn_blocking(move || read_now(&path, busy, f))
            .await
            .map_err(|e| StoreError::Batch(format!("the read task failed: {e}")))?
    }

    fn read_blocking<T>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        read_now(&self.path, self.busy_timeout_ms, f)
    }

    async fn write<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        match &self.writer {
            Some(w) => w.write(f).await,
            None => Err(StoreError::ReadOnly),
        }
    }

    /// The store answers a trivial query.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.read(|c| c.query_row("SELECT 1", [], |r| r.get::<_, i64>(0)))
            .await
            .map(|_| ())
    }

    /// Latest quotes confirmed since `seen_since_ms`.
    pub async fn latest_quotes(&self, seen_since_ms: i64) -> Result<Vec<LatestQuote>, StoreError> {
        self.read(move |c| read::latest_quotes(c, seen_since_ms))
            .await
    }

    /// One pricing pass's input: latest quotes seen since `seen_since_ms`, the odds paths since
    /// `history_since_ms` (at most `history_limit` rows), and the events; one connection, so
    /// the three agree.
    pub async fn market_read(
        &self,
        seen_since_ms: i64,
        history_since_ms: i64,
        history_limit: usize,
    ) -> Result<MarketRead, StoreError> {
        self.read(move |c| market_read(c, seen_since_ms, history_since_ms, history_limit))
            .await
    }

    /// [`Store::market_read`] for synchronous callers (CLI one-shots, benches).
    pub fn market_read_blocking(
        &self,
        seen_since_ms: i64,
        history_since_ms: i64,
        history_limit: usize,
    ) -> Result<MarketRead, StoreError> {
        self.read_blocking(|c| market_read(c, seen_since_ms, history_since_ms, history_limit))
    }

    /// One selection's odds path, oldest first (optionally one book's).
    pub async fn history(
        &self,
        event_id: String,
        market: MarketKind,
        scope: Scope,
        selection: Selection,
        book: Option<String>,
        limit: usize,
    ) -> Result<Vec<Quote>, StoreError> {
        self.read(move |c| {
            read::history(
                c,
                &event_id,
                market,
                scope,
                selection,
                book.as_deref(),
                limit,
            )
        })
        .await
    }

    /// The last change sequence stamped before `since_ms` (0 when none).
    pub async fn seq_before(&self, since_ms: i64) -> Result<i64, StoreError> {
        self.read(move |c| read::seq_before(c, since_ms)).await
    }

    /// Up to `limit` price changes after sequence `after_seq`, in sequence order.
    pub async fn changes_after(
        &self,
        after_seq: i64,
        limit: usize,
    ) -> Result<Vec<QuoteChange>, StoreError> {
        self.read(move |c| read::changes_after(c, after_seq, limit))
            .await
    }

    /// Counts, events, freshness and recent runs (`runs_per_source` each).
    pub async fn overview(&self, runs_per_source: usize) -> Result<Overview, StoreError> {
        self.read(move |c| overview(c, runs_per_source)).await
    }

    /// [`Store::overview`] for synchronous callers.
    pub fn overview_blocking(&self, runs_per_source: usize) -> Result<Overview, StoreError> {
        self.read_blocking(|c| overview(c, runs_per_source))
    }

    /// The latest `n` stored simulation runs, newest first.
    pub fn recent_simulations_blocking(
        &self,
        n: usize,
    ) -> Result<Vec<SimulationTiming>, StoreError> {
        self.read_blocking(|c| records::recent_simulations(c, n))
    }

    /// Alerts still waiting for delivery, over every channel.
    pub fn outbox_summary_blocking(&self) -> Result<Vec<ChannelSummary>, StoreError> {
        self.read_blocking(outbox::channel_summary)
    }

    /// A poll's events, quotes, rejects and run record in one transaction; the stats of the
    /// quote write (what changed goes to the history).
    pub async fn write_poll(
        &self,
        batch: PollBatch,
        now_ms: i64,
    ) -> Result<QuoteWriteStats, StoreError> {
        self.write(move |c| {
            quotes::upsert_events(c, &batch.events, now_ms)?;
            let stats = quotes::write_quotes(c, &batch.quotes, now_ms)?;
            records::insert_quarantine(c, &batch.rejected)?;
            if let Some(mut run) = batch.run {
                run.quotes_changed = stats.changed;
                records::insert_ingest_run(c, &run)?;
            }
            Ok(stats)
        })
        .await
    }

    /// A run record on its own (a failed poll).
    pub async fn record_run(&self, run: IngestRun) -> Result<i64, StoreError> {
        self.write(move |c| records::insert_ingest_run(c, &run))
            .await
    }

    pub async fn insert_simulation(
        &self,
        sim: SimulationRecord,
        opps: Vec<OpportunityRecord>,
    ) -> Result<i64, StoreError> {
        self.write(move |c| records::insert_simulation(c, &sim, &opps))
            .await
    }

    pub async fn insert_metric_samples(&self, rows: Vec<MetricSample>) -> Result<(), StoreError> {
        self.write(move |c| records::insert_metric_samples(c, &rows))
            .await
    }

    /// `scan --prune-older-than`: what is older than `cutoff_ms` (or would be, with `dry_run`).
    pub async fn prune_older_than(
        &self,
        cutoff_ms: i64,
        now_ms: i64,
        dry_run: bool,
    ) -> Result<PruneStats, StoreError> {
        self.write(move |c| records::prune_older_than(c, cutoff_ms, now_ms, dry_run))
            .await
    }

    /// One chunk of the retention policy (see [`retention::pass`]).
    pub async fn retention_pass(
        &self,
        cutoff_ms: i64,
        now_ms: i64,
        chunk: usize,
    ) -> Result<PruneStats, StoreError> {
        self.write(move |c| retention::pass(c, cutoff_ms, now_ms, chunk))
            .await
    }

    /// Returns up to `pages` free pages to the file system; the pages still free after.
    pub async fn vacuum_some(&self, pages: i64) -> Result<i64, StoreError> {
        self.write(move |c| retention::incremental_vacuum(c, pages))
            .await
    }

    pub async fn outbox_enqueue(&self, rows: Vec<NewRow>) -> Result<usize, StoreError> {
        self.write(move |c| outbox::enqueue(c, &rows)).await
    }

    /// Enqueues and returns each row's id (`None` where a duplicate was already queued).
    pub async fn outbox_enqueue_ids(
        &self,
        rows: Vec<NewRow>,
    ) -> Result<Vec<Option<i64>>, StoreError> {
        self.write(move |c| {
            outbox::enqueue(c, &rows)?;
            outbox::ids_of(c, &rows)
        })
        .await
    }

    pub async fn outbox_apply(&self, outcomes: Vec<Outcome>) -> Result<(), StoreError> {
        self.write(move |c| outbox::apply(c, &outcomes)).await
    }

    /// Rows due at `now_ms` of the `channels` ready to send, at most `per_channel` each.
    pub async fn outbox_due(
        &self,
        now_ms: i64,
        channels: Vec<String>,
        per_channel: usize,
    ) -> Result<Vec<PendingRow>, StoreError> {
        self.read(move |c| outbox::due(c, now_ms, &channels, per_channel))
            .await
    }

    /// Expires pending rows of channels no longer configured; (channel, rows) expired.
    pub async fn outbox_expire_unconfigured(
        &self,
        configured: Vec<String>,
        now_ms: i64,
    ) -> Result<Vec<(String, usize)>, StoreError> {
        self.write(move |c| outbox::expire_unconfigured(c, &configured, now_ms))
            .await
    }

    pub async fn outbox_next_due_by_channel(&self) -> Result<Vec<(String, i64)>, StoreError> {
        self.read(outbox::next_due_by_channel).await
    }

    pub async fn outbox_channel_summary(&self) -> Result<Vec<ChannelSummary>, StoreError> {
        self.read(outbox::channel_summary).await
    }

    /// What a restarting alert engine needs: the dedup keys notified since `since_ms`, the
    /// highest alert id handed out, and the per-channel summary.
    pub fn outbox_restore_blocking(&self, since_ms: i64) -> Result<OutboxRestore, StoreError> {
        self.read_blocking(|c| {
            Ok(OutboxRestore {
                recent_keys: outbox::recent_keys(c, since_ms)?,
                max_alert_id: outbox::max_alert_id(c)?,
                channels: outbox::channel_summary(c)?,
            })
        })
    }
}

fn read_now<T>(
    path: &Path,
    busy: u64,
    f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
) -> Result<T, StoreError> {
    let conn = open_for_reading(path, busy)?;
    f(&conn).map_err(StoreError::Sql)
}

fn market_read(
    c: &Connection,
    seen_since_ms: i64,
    history_since_ms: i64,
    history_limit: usize,
) -> rusqlite::Result<MarketRead> {
    Ok(MarketRead {
        latest: read::latest_quotes(c, seen_since_ms)?,
        history: read::history_for_events(c, history_since_ms, history_limit)?,
        events: read::events(c)?,
    })
}

fn overview(c: &Connection, runs_per_source: usize) -> rusqlite::Result<Overview> {
    Ok(Overview {
        event_quote_counts: read::event_quote_counts(c)?,
        events: read::events(c)?,
        last_seen: read::last_seen_by_book_market(c)?,
        runs: read::recent_runs(c, runs_per_source)?,
        quotes_latest: read::count(c, "quotes_latest")?,
        quotes_history: read::count(c, "quotes_history")?,
        quarantined: read::count(c, "quarantine")?,
    })
}
