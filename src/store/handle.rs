//! The one door to the store for everything outside `store/`: typed operations (a poll's batch,
//! the latest board, an odds path, the outbox, retention, status reads), never a connection,
//! over either backend. SQLite: reads open a read-only connection per call off the async
//! workers; writes go through the writer thread's batched transactions. PostgreSQL: every
//! operation takes a pooled connection. A read-only handle (`--attach`) cannot write at all.

use super::bets::{self, Bet, BetFilter, NewBet};
use super::outbox::{self, ChannelSummary, NewRow, Outcome, PendingRow};
use super::outrights;
use super::postgres::{ChangeSignal, LeaderGuard, PgStore};
use super::quotes::{self, QuoteWriteStats};
use super::read::{self, LatestQuote, QuoteChange, RunRow};
use super::records::{
    self, IngestRun, MetricSample, OpportunityRecord, PruneStats, Quarantined, SimulationRecord,
    SimulationTiming,
};
use super::writer::{StoreWriter, WriterThread};
use super::{open_for_reading, retention, StoreError};
use crate::config::location::Location;
use crate::domain::outright::OutrightQuote;
use crate::domain::{Event, MarketKind, Quote, Scope, Selection};
use rusqlite::Connection;
use std::path::{Path, PathBuf};

/// A cheap-to-clone handle on one store.
#[derive(Clone)]
pub struct Store {
    backend: Backend,
    writable: bool,
}

#[derive(Clone)]
enum Backend {
    Sqlite {
        path: PathBuf,
        busy_timeout_ms: u64,
        writer: Option<StoreWriter>,
    },
    Postgres(PgStore),
}

/// Who prices and alerts: the holder of the store's leader lock. SQLite has one writer process
/// per file, so its leader is whoever asks; PostgreSQL holds an advisory lock on a dedicated
/// connection for as long as this lives.
pub struct Leadership {
    guard: Option<LeaderGuard>,
}

impl Leadership {
    /// Whether the lock is still held (a lost connection loses it).
    pub fn is_held(&self) -> bool {
        self.guard.as_ref().is_none_or(LeaderGuard::is_held)
    }
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
    /// Season-long prices, written to their own latest-price table.
    pub outrights: Vec<OutrightQuote>,
    pub rejected: Vec<Quarantined>,
    /// The run record; its `quotes_changed` is filled from the write.
    pub run: Option<IngestRun>,
}

impl Store {
    /// A SQLite handle that only reads (front ends attached to a store another process writes).
    pub fn reader(path: impl Into<PathBuf>, busy_timeout_ms: u64) -> Store {
        Store {
            backend: Backend::Sqlite {
                path: path.into(),
                busy_timeout_ms,
                writer: None,
            },
            writable: false,
        }
    }

    /// Opens (creating and migrating) a SQLite store and starts its writer thread.
    pub fn open_writable(
        path: impl Into<PathBuf>,
        busy_timeout_ms: u64,
        max_batch_ops: usize,
    ) -> Result<(Store, WriterThread), StoreError> {
        let path = path.into();
        let (writer, thread) = StoreWriter::spawn(&path, busy_timeout_ms, max_batch_ops)?;
        Ok((Store::from_writer(path, busy_timeout_ms, writer), thread))
    }

    /// A handle over a writer thread already started (tests and benches that also seed the
    /// store through [`StoreWriter`]).
    pub fn from_writer(
        path: impl Into<PathBuf>,
        busy_timeout_ms: u64,
        writer: StoreWriter,
    ) -> Store {
        Store {
            backend: Backend::Sqlite {
                path: path.into(),
                busy_timeout_ms,
                writer: Some(writer),
            },
            writable: true,
        }
    }

    /// Opens the store a configuration names (`storage.url`, else `ingestion.storage_path`).
    /// Writable: SQLite starts its writer thread (returned, to join at exit) and PostgreSQL
    /// brings its schema up to date. Read-only: nothing is created or migrated; a SQLite file
    /// that does not exist yet is reported as such by the first read.
    pub async fn open(
        cfg: &crate::config::Config,
        writable: bool,
    ) -> Result<(Store, Option<WriterThread>), StoreError> {
        let location = Location::from_config(cfg).map_err(StoreError::Location)?;
        let busy = cfg.storage.busy_timeout_ms;
        match location {
            Location::Sqlite(path) if writable => {
                let (store, thread) = Store::open_writable(path, busy, cfg.storage.max_batch_ops)?;
                Ok((store, Some(thread)))
            }
            Location::Sqlite(path) => Ok((Store::reader(path, busy), None)),
            Location::Postgres(url) => {
                let pool = cfg.storage.pool_size;
                let pg = if writable {
                    PgStore::connect(&url, pool).await?
                } else {
                    PgStore::open(&url, None, pool)?
                };
                Ok((
                    Store {
                        backend: Backend::Postgres(pg),
                        writable,
                    },
                    None,
                ))
            }
        }
    }

    /// The same store without the right to write: what a read-only front end gets.
    pub fn read_only(&self) -> Store {
        let backend = match &self.backend {
            Backend::Sqlite {
                path,
                busy_timeout_ms,
                ..
            } => Backend::Sqlite {
                path: path.clone(),
                busy_timeout_ms: *busy_timeout_ms,
                writer: None,
            },
            Backend::Postgres(pg) => Backend::Postgres(pg.clone()),
        };
        Store {
            backend,
            writable: false,
        }
    }

    /// Where the store lives, for messages: a path, or `user@host:port/db` (no password).
    pub fn describe(&self) -> String {
        match &self.backend {
            Backend::Sqlite { path, .. } => path.display().to_string(),
            Backend::Postgres(pg) => format!("postgres://{}", pg.target()),
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self.backend, Backend::Postgres(_))
    }

    /// Whether there may be anything to read: a SQLite file exists; a server is assumed to.
    pub fn exists(&self) -> bool {
        match &self.backend {
            Backend::Sqlite { path, .. } => path.exists(),
            Backend::Postgres(_) => true,
        }
    }

    pub fn is_writable(&self) -> bool {
        self.writable
    }

    /// Jobs queued for the SQLite writer and not yet taken; `None` for a read-only handle and
    /// for PostgreSQL (no queue: each write takes a pooled connection).
    pub fn queue_depth(&self) -> Option<usize> {
        match &self.backend {
            Backend::Sqlite { writer, .. } => writer.as_ref().map(StoreWriter::queue_depth),
            Backend::Postgres(_) => None,
        }
    }

    /// Times a write waited for room in the SQLite writer's queue.
    pub fn backpressure_waits(&self) -> Option<u64> {
        match &self.backend {
            Backend::Sqlite { writer, .. } => writer.as_ref().map(StoreWriter::backpressure_waits),
            Backend::Postgres(_) => None,
        }
    }

    /// Changes committed by any process, pushed as they commit (PostgreSQL `LISTEN`); `None` on
    /// SQLite, whose readers poll the file.
    pub fn listen(&self) -> Option<tokio::sync::watch::Receiver<ChangeSignal>> {
        match &self.backend {
            Backend::Sqlite { .. } => None,
            Backend::Postgres(pg) => Some(pg.listen()),
        }
    }

    /// Tries to become the one process that prices and alerts on this store; `None` while
    /// another holds it.
    pub async fn try_lead(&self, name: &str) -> Result<Option<Leadership>, StoreError> {
        match &self.backend {
            Backend::Sqlite { .. } => Ok(Some(Leadership { guard: None })),
            Backend::Postgres(pg) => Ok(pg
                .try_lead(name)
                .await?
                .map(|g| Leadership { guard: Some(g) })),
        }
    }

    fn pg(&self) -> Option<&PgStore> {
        match &self.backend {
            Backend::Postgres(pg) => Some(pg),
            Backend::Sqlite { .. } => None,
        }
    }

    fn check_writable(&self) -> Result<(), StoreError> {
        if self.writable {
            Ok(())
        } else {
            Err(StoreError::ReadOnly)
        }
    }

    async fn read<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        let Backend::Sqlite {
            path,
            busy_timeout_ms,
            ..
        } = &self.backend
        else {
            return Err(StoreError::Batch(
                "a SQLite read on a PostgreSQL store".into(),
            ));
        };
        let (path, busy) = (path.clone(), *busy_timeout_ms);
        tokio::task::spawn_blocking(move || read_now(&path, busy, f))
            .await
            .map_err(|e| StoreError::Batch(format!("the read task failed: {e}")))?
    }

    fn read_blocking<T>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        match &self.backend {
            Backend::Sqlite {
                path,
                busy_timeout_ms,
                ..
            } => read_now(path, *busy_timeout_ms, f),
            Backend::Postgres(_) => Err(StoreError::Batch(
                "a blocking read needs the SQLite store; PostgreSQL is read asynchronously".into(),
            )),
        }
    }

    async fn write<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        match &self.backend {
            Backend::Sqlite {
                writer: Some(w), ..
            } if self.writable => w.write(f).await,
            Backend::Sqlite { .. } => Err(StoreError::ReadOnly),
            Backend::Postgres(_) => Err(StoreError::Batch(
                "a SQLite write on a PostgreSQL store".into(),
            )),
        }
    }

    /// The store answers a trivial query.
    pub async fn ping(&self) -> Result<(), StoreError> {
        if let Some(pg) = self.pg() {
            return pg.last_seq().await.map(|_| ());
        }
        self.read(|c| c.query_row("SELECT 1", [], |r| r.get::<_, i64>(0)))
            .await
            .map(|_| ())
    }

    /// Latest quotes confirmed since `seen_since_ms`.
    pub async fn latest_quotes(&self, seen_since_ms: i64) -> Result<Vec<LatestQuote>, StoreError> {
        if let Some(pg) = self.pg() {
            return pg.latest_quotes(seen_since_ms).await;
        }
        self.read(move |c| read::latest_quotes(c, seen_since_ms))
            .await
    }

    /// One pricing pass's input: latest quotes seen since `seen_since_ms`, the odds paths since
    /// `history_since_ms` (at most `history_limit` rows), and the events.
    pub async fn market_read(
        &self,
        seen_since_ms: i64,
        history_since_ms: i64,
        history_limit: usize,
    ) -> Result<MarketRead, StoreError> {
        if let Some(pg) = self.pg() {
            return Ok(MarketRead {
                latest: pg.latest_quotes(seen_since_ms).await?,
                history: pg
                    .history_for_events(history_since_ms, history_limit)
                    .await?,
                events: pg.events().await?,
            });
        }
        self.read(move |c| market_read(c, seen_since_ms, history_since_ms, history_limit))
            .await
    }

    /// [`Store::market_read`] for synchronous callers on SQLite (benches, tests).
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
        if let Some(pg) = self.pg() {
            return pg
                .history(&event_id, market, scope, selection, book.as_deref(), limit)
                .await;
        }
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
        if let Some(pg) = self.pg() {
            return pg.seq_before(since_ms).await;
        }
        self.read(move |c| read::seq_before(c, since_ms)).await
    }

    /// Up to `limit` price changes after sequence `after_seq`, in sequence order.
    pub async fn changes_after(
        &self,
        after_seq: i64,
        limit: usize,
    ) -> Result<Vec<QuoteChange>, StoreError> {
        if let Some(pg) = self.pg() {
            return pg.changes_after(after_seq, limit).await;
        }
        self.read(move |c| read::changes_after(c, after_seq, limit))
            .await
    }

    /// Counts, events, freshness and recent runs (`runs_per_source` each).
    pub async fn overview(&self, runs_per_source: usize) -> Result<Overview, StoreError> {
        if let Some(pg) = self.pg() {
            return Ok(Overview {
                event_quote_counts: pg.event_quote_counts().await?,
                events: pg.events().await?,
                last_seen: pg.last_seen_by_book_market().await?,
                runs: pg.recent_runs(runs_per_source).await?,
                quotes_latest: pg.count("quotes_latest").await?,
                quotes_history: pg.count("quotes_history").await?,
                quarantined: pg.count("quarantine").await?,
            });
        }
        self.read(move |c| overview(c, runs_per_source)).await
    }

    /// [`Store::overview`] for synchronous callers on SQLite.
    pub fn overview_blocking(&self, runs_per_source: usize) -> Result<Overview, StoreError> {
        self.read_blocking(|c| overview(c, runs_per_source))
    }

    /// The latest `n` stored simulation runs, newest first.
    pub async fn recent_simulations(&self, n: usize) -> Result<Vec<SimulationTiming>, StoreError> {
        if let Some(pg) = self.pg() {
            return pg.recent_simulations(n).await;
        }
        self.read(move |c| records::recent_simulations(c, n)).await
    }

    /// A poll's events, quotes, rejects and run record in one transaction; the stats of the
    /// quote write (what changed goes to the history).
    pub async fn write_poll(
        &self,
        batch: PollBatch,
        now_ms: i64,
    ) -> Result<QuoteWriteStats, StoreError> {
        self.check_writable()?;
        if let Some(pg) = self.pg() {
            return pg
                .write_poll_with_records(
                    &batch.events,
                    &batch.quotes,
                    &batch.outrights,
                    &batch.rejected,
                    batch.run.as_ref(),
                    now_ms,
                )
                .await;
        }
        self.write(move |c| {
            quotes::upsert_events(c, &batch.events, now_ms)?;
            let mut stats = quotes::write_quotes(c, &batch.quotes, now_ms)?;
            stats.changed += outrights::write_outrights(c, &batch.outrights, now_ms)?;
            records::insert_quarantine(c, &batch.rejected)?;
            if let Some(mut run) = batch.run {
                run.quotes_changed = stats.changed;
                records::insert_ingest_run(c, &run)?;
            }
            Ok(stats)
        })
        .await
    }

    /// The latest outright prices seen since `seen_since_ms`, of one season or all.
    pub async fn latest_outrights(
        &self,
        season: Option<i32>,
        seen_since_ms: i64,
    ) -> Result<Vec<OutrightQuote>, StoreError> {
        if let Some(pg) = self.pg() {
            return pg.latest_outrights(season, seen_since_ms).await;
        }
        self.read(move |c| outrights::latest_outrights(c, season, seen_since_ms))
            .await
    }

    /// A run record on its own (a failed poll).
    pub async fn record_run(&self, run: IngestRun) -> Result<i64, StoreError> {
        self.check_writable()?;
        if let Some(pg) = self.pg() {
            return pg.insert_ingest_run(&run).await;
        }
        self.write(move |c| records::insert_ingest_run(c, &run))
            .await
    }

    pub async fn insert_simulation(
        &self,
        sim: SimulationRecord,
        opps: Vec<OpportunityRecord>,
    ) -> Result<i64, StoreError> {
        self.check_writable()?;
        if let Some(pg) = self.pg() {
            return pg.insert_simulation(&sim, &opps).await;
        }
        self.write(move |c| records::insert_simulation(c, &sim, &opps))
            .await
    }

    pub async fn insert_metric_samples(&self, rows: Vec<MetricSample>) -> Result<(), StoreError> {
        self.check_writable()?;
        if let Some(pg) = self.pg() {
            return pg.insert_metric_samples(&rows).await;
        }
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
        self.check_writable()?;
        if let Some(pg) = self.pg() {
            return pg.prune_older_than(cutoff_ms, now_ms, dry_run).await;
        }
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
        self.check_writable()?;
        if let Some(pg) = self.pg() {
            return pg.pass(cutoff_ms, now_ms, chunk).await;
        }
        self.write(move |c| retention::pass(c, cutoff_ms, now_ms, chunk))
            .await
    }

    /// Returns up to `pages` free pages to the file system; the pages still free after
    /// (PostgreSQL's autovacuum does this itself: 0).
    pub async fn vacuum_some(&self, pages: i64) -> Result<i64, StoreError> {
        self.check_writable()?;
        if let Some(pg) = self.pg() {
            return pg.incremental_vacuum(pages).await;
        }
        self.write(move |c| retention::incremental_vacuum(c, pages))
            .await
    }

    pub async fn outbox_enqueue(&self, rows: Vec<NewRow>) -> Result<usize, StoreError> {
        self.check_writable()?;
        if let Some(pg) = self.pg() {
            return pg.enqueue(&rows).await;
        }
        self.write(move |c| outbox::enqueue(c, &rows)).await
    }

    /// Enqueues and returns each row's id (`None` where a duplicate was already queued).
    pub async fn outbox_enqueue_ids(
        &self,
        rows: Vec<NewRow>,
    ) -> Result<Vec<Option<i64>>, StoreError> {
        self.check_writable()?;
        if let Some(pg) = self.pg() {
            pg.enqueue(&rows).await?;
            return pg.ids_of(&rows).await;
        }
        self.write(move |c| {
            outbox::enqueue(c, &rows)?;
            outbox::ids_of(c, &rows)
        })
        .await
    }

    pub async fn outbox_apply(&self, outcomes: Vec<Outcome>) -> Result<(), StoreError> {
        self.check_writable()?;
        if let Some(pg) = self.pg() {
            return pg.apply(&outcomes).await;
        }
        self.write(move |c| outbox::apply(c, &outcomes)).await
    }

    /// Rows due at `now_ms` of the `channels` ready to send, at most `per_channel` each, for
    /// `dispatcher`: on PostgreSQL claimed with a lease of `lease_ms` (`FOR UPDATE SKIP
    /// LOCKED`), so two dispatchers on one database never send the same row; SQLite has one
    /// dispatcher per file.
    pub async fn outbox_due(
        &self,
        dispatcher: &str,
        now_ms: i64,
        channels: Vec<String>,
        per_channel: usize,
        lease_ms: i64,
    ) -> Result<Vec<PendingRow>, StoreError> {
        if let Some(pg) = self.pg() {
            self.check_writable()?;
            return pg
                .claim(dispatcher, now_ms, &channels, per_channel, lease_ms)
                .await;
        }
        self.read(move |c| outbox::due(c, now_ms, &channels, per_channel))
            .await
    }

    /// Expires pending rows of channels no longer configured; (channel, rows) expired.
    pub async fn outbox_expire_unconfigured(
        &self,
        configured: Vec<String>,
        now_ms: i64,
    ) -> Result<Vec<(String, usize)>, StoreError> {
        self.check_writable()?;
        if let Some(pg) = self.pg() {
            return pg.expire_unconfigured(&configured, now_ms).await;
        }
        self.write(move |c| outbox::expire_unconfigured(c, &configured, now_ms))
            .await
    }

    pub async fn outbox_next_due_by_channel(&self) -> Result<Vec<(String, i64)>, StoreError> {
        if let Some(pg) = self.pg() {
            return pg.next_due_by_channel().await;
        }
        self.read(outbox::next_due_by_channel).await
    }

    pub async fn outbox_channel_summary(&self) -> Result<Vec<ChannelSummary>, StoreError> {
        if let Some(pg) = self.pg() {
            return pg.channel_summary().await;
        }
        self.read(outbox::channel_summary).await
    }

    /// What a restarting alert engine needs from the outbox (see [`OutboxRestore`]).
    pub async fn outbox_restore(&self, since_ms: i64) -> Result<OutboxRestore, StoreError> {
        if let Some(pg) = self.pg() {
            return Ok(OutboxRestore {
                recent_keys: pg.recent_keys(since_ms).await?,
                max_alert_id: pg.max_alert_id().await?,
                channels: pg.channel_summary().await?,
            });
        }
        self.read(move |c| outbox_restore(c, since_ms)).await
    }

    /// [`Store::outbox_restore`] for synchronous callers on SQLite.
    pub fn outbox_restore_blocking(&self, since_ms: i64) -> Result<OutboxRestore, StoreError> {
        self.read_blocking(|c| outbox_restore(c, since_ms))
    }

    /// Records a bet that the caller has validated; `None` when one with the same dedup key
    /// (a paper bet on an edge already logged) is there. Refuses an unknown event.
    pub async fn insert_bet(&self, bet: NewBet) -> Result<Option<i64>, StoreError> {
        self.check_writable()?;
        if let Some(pg) = self.pg() {
            if !pg.event_exists(&bet.event_id).await? {
                return Err(StoreError::UnknownEvent(bet.event_id));
            }
            return pg.insert_bet(&bet).await;
        }
        self.write(move |c| {
            if !bets::event_exists(c, &bet.event_id)? {
                return Ok(Err(bet.event_id));
            }
            bets::insert(c, &bet).map(Ok)
        })
        .await?
        .map_err(StoreError::UnknownEvent)
    }

    /// Bets newest first.
    pub async fn list_bets(&self, filter: BetFilter) -> Result<Vec<Bet>, StoreError> {
        if let Some(pg) = self.pg() {
            return pg.list_bets(&filter).await;
        }
        self.read(move |c| bets::list(c, &filter)).await
    }

    pub async fn get_bet(&self, id: i64) -> Result<Option<Bet>, StoreError> {
        if let Some(pg) = self.pg() {
            return pg.get_bet(id).await;
        }
        self.read(move |c| bets::get(c, id)).await
    }

    /// Records a grade on an open or ungraded bet (see [`bets::settle`]).
    pub async fn settle_bet(
        &self,
        id: i64,
        status: &'static str,
        pnl: Option<f64>,
        settled_ms: i64,
        note: Option<String>,
    ) -> Result<bool, StoreError> {
        self.check_writable()?;
        if let Some(pg) = self.pg() {
            return pg
                .settle_bet(id, status, pnl, settled_ms, note.as_deref())
                .await;
        }
        self.write(move |c| bets::settle(c, id, status, pnl, settled_ms, note.as_deref()))
            .await
    }

    /// Every stored event, by kickoff.
    pub async fn events(&self) -> Result<Vec<Event>, StoreError> {
        if let Some(pg) = self.pg() {
            return pg.events().await;
        }
        self.read(read::events).await
    }

    /// The event's closing quotes: per slot, the last price observed before `kickoff_ms`.
    pub async fn closing_quotes(
        &self,
        event_id: String,
        kickoff_ms: i64,
    ) -> Result<Vec<Quote>, StoreError> {
        if let Some(pg) = self.pg() {
            return pg.closing_quotes(&event_id, kickoff_ms).await;
        }
        self.read(move |c| read::closing_quotes(c, &event_id, kickoff_ms))
            .await
    }

    /// Records a bet's closing-line value (see [`bets::set_clv`]).
    pub async fn set_bet_clv(
        &self,
        id: i64,
        clv_book: Option<f64>,
        clv_consensus: Option<f64>,
    ) -> Result<bool, StoreError> {
        self.check_writable()?;
        if let Some(pg) = self.pg() {
            return pg.set_bet_clv(id, clv_book, clv_consensus).await;
        }
        self.write(move |c| bets::set_clv(c, id, clv_book, clv_consensus))
            .await
    }

    /// Voids an open or ungraded bet; `false` when there is none or it is already graded.
    pub async fn void_bet(&self, id: i64, now_ms: i64, reason: String) -> Result<bool, StoreError> {
        self.check_writable()?;
        if let Some(pg) = self.pg() {
            return pg.void_bet(id, now_ms, &reason).await;
        }
        self.write(move |c| bets::void(c, id, now_ms, &reason))
            .await
    }
}

fn outbox_restore(c: &Connection, since_ms: i64) -> rusqlite::Result<OutboxRestore> {
    Ok(OutboxRestore {
        recent_keys: outbox::recent_keys(c, since_ms)?,
        max_alert_id: outbox::max_alert_id(c)?,
        channels: outbox::channel_summary(c)?,
    })
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
