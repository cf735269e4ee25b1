//! Polls sources on their cadence with jitter, retries (exponential backoff with full jitter,
//! `Retry-After` honoured) and a circuit breaker per source, and commits each poll's batch and its
//! run record in one store transaction before reporting it.

use super::adapter::SourceSlot;
use super::breaker::{backoff_seconds, CircuitBreaker};
use super::health::{Freshness, SourceHealth};
use super::source::{Quota, SourceBatch, SourceError};
use crate::config::IngestionConfig;
use crate::store::records::IngestRun;
use crate::store::{now_ms, PollBatch, Store};
use rand::Rng;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, watch, Notify};

#[derive(Debug, Clone, PartialEq)]
pub struct SchedulerSettings {
    pub interval_seconds: f64,
    pub jitter_seconds: f64,
    pub retries: u32,
    pub retry_backoff: f64,
    pub max_backoff_seconds: f64,
    pub timeout_seconds: f64,
    pub breaker_threshold: u32,
    pub breaker_open_seconds: f64,
    /// Quotes stamped further than this past the poll's clock are quarantined, not stored.
    pub future_tolerance_seconds: f64,
    pub plausibility: crate::config::schema::PlausibilityConfig,
}

impl SchedulerSettings {
    pub fn from_config(c: &IngestionConfig) -> Self {
        let s = &c.scheduler;
        SchedulerSettings {
            interval_seconds: s.interval_seconds,
            jitter_seconds: s.jitter_seconds,
            retries: s.retries,
            retry_backoff: s.retry_backoff,
            max_backoff_seconds: s.max_backoff_seconds,
            timeout_seconds: s.timeout_seconds,
            breaker_threshold: c.circuit_breaker.failure_threshold,
            breaker_open_seconds: c.circuit_breaker.open_seconds,
            future_tolerance_seconds: c.future_tolerance_seconds,
            plausibility: c.plausibility.clone(),
        }
    }
}

/// The outcome of one scheduled poll of one source, after retries and the store commit.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PollReport {
    pub source: String,
    pub scheduled_ms: i64,
    pub started_ms: i64,
    pub finished_ms: i64,
    pub ok: bool,
    /// The breaker was open, so the source was not called.
    pub skipped: bool,
    pub attempts: u32,
    pub events: usize,
    pub quotes_received: usize,
    pub quotes_changed: usize,
    pub quotes_rejected: usize,
    pub rejected_by_reason: BTreeMap<String, usize>,
    pub error: Option<String>,
    pub error_reason: Option<String>,
    pub warnings: Vec<String>,
    #[serde(skip)]
    pub quota: Option<Quota>,
    /// (book, market group) pairs confirmed by this poll.
    #[serde(skip)]
    pub seen: Vec<(String, String)>,
}

impl PollReport {
    pub fn poll_latency_seconds(&self) -> f64 {
        (self.started_ms - self.scheduled_ms).max(0) as f64 / 1000.0
    }
}

/// Shared, cheaply cloned view of ingestion for snapshots and health checks.
#[derive(Debug, Default)]
pub struct IngestState {
    pub sources: Vec<SourceHealth>,
    pub freshness: Freshness,
    pub paused: bool,
    pub cycles: u64,
    /// Book -> the source that last delivered its quotes.
    pub book_sources: std::collections::BTreeMap<String, String>,
}

pub type SharedIngestState = Arc<Mutex<IngestState>>;

impl IngestState {
    pub fn new(runners: &[Runner]) -> SharedIngestState {
        Arc::new(Mutex::new(IngestState {
            sources: runners
                .iter()
                .map(|r| SourceHealth::new(&r.slot.name, r.slot.interval_seconds))
                .collect(),
            ..Default::default()
        }))
    }

    pub fn apply(&mut self, r: &PollReport, breaker: &CircuitBreaker) {
        self.cycles += 1;
        for (book, group) in &r.seen {
            self.freshness.observe(book, group, r.finished_ms);
            self.book_sources.insert(book.clone(), r.source.clone());
        }
        let Some(h) = self.sources.iter_mut().find(|h| h.name == r.source) else {
            return;
        };
        h.breaker = breaker.state();
        h.consecutive_failures = breaker.consecutive_failures();
        if r.skipped {
            return;
        }
        h.record_poll(r.ok, r.finished_ms, r.poll_latency_seconds());
        h.quotes_received += r.quotes_received as u64;
        h.quotes_changed += r.quotes_changed as u64;
        for (reason, n) in &r.rejected_by_reason {
            *h.rejected_by_reason.entry(reason.clone()).or_default() += *n as u64;
        }
        if let Some(reason) = &r.error_reason {
            *h.errors_by_reason.entry(reason.clone()).or_default() += 1;
        }
        h.last_error = r.error.clone();
        if let Some(q) = r.quota {
            h.quota = Some(q.into());
        }
    }
}

/// One source with its breaker, as the runner owns it.
pub struct Runner {
    pub slot: SourceSlot,
    pub breaker: CircuitBreaker,
}

impl Runner {
    pub fn new(slot: SourceSlot, s: &SchedulerSettings) -> Self {
        Runner {
            slot,
            breaker: CircuitBreaker::new(s.breaker_threshold, s.breaker_open_seconds),
        }
    }

    /// Polls once (with retries), commits the result and returns the report. A shutdown request
    /// cuts retries short but never a store write already started.
    pub async fn poll_once(
        &mut self,
        s: &SchedulerSettings,
        writer: &Store,
        scheduled_ms: i64,
        shutdown: &watch::Receiver<bool>,
    ) -> PollReport {
        let started = now_ms();
        let mut report = PollReport {
            source: self.slot.name.clone(),
            scheduled_ms,
            started_ms: started,
            finished_ms: started,
            ok: false,
            skipped: false,
            attempts: 0,
            events: 0,
            quotes_received: 0,
            quotes_changed: 0,
            quotes_rejected: 0,
            rejected_by_reason: BTreeMap::new(),
            error: None,
            error_reason: None,
            warnings: vec![],
            quota: None,
            seen: vec![],
        };
        if !self.breaker.allow(started) {
            report.skipped = true;
            report.error = Some("circuit breaker open: poll skipped".into());
            return report;
        }
        let timeout = crate::duration::secs_clamped(
            s.timeout_seconds,
            Duration::from_millis(1),
            Duration::from_secs(300),
        );
        let mut outcome: Result<SourceBatch, SourceError>;
        loop {
            report.attempts += 1;
            outcome = match tokio::time::timeout(timeout, self.slot.adapter.poll(now_ms())).await {
                Ok(r) => r,
                Err(_) => Err(SourceError::Timeout(timeout)),
            };
            let Err(e) = &outcome else { break };
            if !e.retryable() || report.attempts > s.retries || *shutdown.borrow() {
                break;
            }
            let wait = backoff_seconds(
                report.attempts,
                s.retry_backoff,
                s.max_backoff_seconds,
                rand::rng().random::<f64>(),
                e.retry_after().map(|d| d.as_secs_f64()),
            );
            tracing::warn!(source = %self.slot.name, attempt = report.attempts, error = %e, wait_s = wait, "poll failed; retrying");
            let mut stop = shutdown.clone();
            tokio::select! {
                _ = tokio::time::sleep(crate::duration::secs_clamped(wait, Duration::ZERO, crate::duration::MAX_BACKOFF)) => {}
                _ = stop.changed() => break,
            }
        }
        let now = now_ms();
        // The breaker judges the source: a poll it answered is a success for it even when the
        // store could not take the batch (a full disk, a database outage), so polling goes on
        // and the prices are stored as soon as the store is back.
        let source_ok = outcome.is_ok();
        match outcome {
            Ok(mut batch) => {
                quarantine_future(&mut batch, now, s.future_tolerance_seconds, &self.slot.name);
                quarantine_implausible(&mut batch, now, &s.plausibility, &self.slot.name);
                report.ok = true;
                report.events = batch.events.len();
                report.quotes_received = batch.quotes.len() + batch.outrights.len();
                report.quotes_rejected = batch.rejected.len();
                for r in &batch.rejected {
                    *report
                        .rejected_by_reason
                        .entry(r.reason.clone())
                        .or_default() += 1;
                }
                report.warnings = batch.warnings.clone();
                report.quota = batch.quota;
                let mut seen: Vec<(String, String)> = batch
                    .quotes
                    .iter()
                    .map(|q| (q.book.clone(), q.market.group().to_string()))
                    .chain(
                        batch
                            .outrights
                            .iter()
                            .map(|q| (q.book.clone(), "outrights".to_string())),
                    )
                    .collect();
                seen.sort();
                seen.dedup();
                report.seen = seen;
                let run = self.run_record(&report, now);
                let stored = writer
                    .write_poll(
                        PollBatch {
                            events: batch.events,
                            quotes: batch.quotes,
                            outrights: batch.outrights,
                            rejected: batch.rejected,
                            run: Some(run),
                        },
                        now,
                    )
                    .await;
                match stored {
                    Ok(stats) => report.quotes_changed = stats.changed,
                    Err(e) => {
                        report.ok = false;
                        report.error = Some(format!("store write failed: {e}"));
                        report.error_reason = Some("store_error".into());
                        report.seen.clear();
                    }
                }
            }
            Err(e) => {
                report.error = Some(e.to_string());
                report.error_reason = Some(e.reason().to_string());
                let run = self.run_record(&report, now);
                if let Err(store_err) = writer.record_run(run).await {
                    tracing::error!(error = %store_err, "cannot record the failed poll");
                }
            }
        }
        report.finished_ms = now_ms();
        self.breaker.record(source_ok, report.finished_ms);
        report
    }

    fn run_record(&self, r: &PollReport, finished_ms: i64) -> IngestRun {
        IngestRun {
            source: r.source.clone(),
            scheduled_ms: r.scheduled_ms,
            started_ms: r.started_ms,
            finished_ms,
            ok: r.error.is_none(),
            attempts: r.attempts,
            quotes_received: r.quotes_received,
            quotes_changed: r.quotes_changed,
            quotes_rejected: r.quotes_rejected,
            error: r.error.clone(),
        }
    }
}

/// Controls shared by every runner: pause/resume and "poll now".
#[derive(Clone)]
pub struct Controls {
    pub paused: watch::Sender<bool>,
    pub poll_now: Arc<Notify>,
    pub shutdown: watch::Sender<bool>,
}

impl Controls {
    pub fn new() -> Self {
        Controls {
            paused: watch::channel(false).0,
            poll_now: Arc::new(Notify::new()),
            shutdown: watch::channel(false).0,
        }
    }
}

impl Default for Controls {
    fn default() -> Self {
        Self::new()
    }
}

/// `ingestion.plausibility`: a price out of bounds, or far from every other book's price of the
/// same selection in the batch, goes to quarantine with its reason instead of the store.
pub fn quarantine_implausible(
    batch: &mut SourceBatch,
    now_ms: i64,
    cfg: &crate::config::schema::PlausibilityConfig,
    source: &str,
) {
    // A kickoff before the first season the product knows or years ahead is a broken feed (a
    // zero timestamp, a year typed as 2100): the event and its quotes are kept out.
    let (earliest, latest) = super::plausible::kickoff_bounds(now_ms);
    let (keep, wild): (Vec<_>, Vec<_>) = std::mem::take(&mut batch.events)
        .into_iter()
        .partition(|e| (earliest..=latest).contains(&e.commence_ms));
    batch.events = keep;
    if !wild.is_empty() {
        let ids: std::collections::HashSet<&str> =
            wild.iter().map(|e| e.event_id.as_str()).collect();
        batch.quotes.retain(|q| !ids.contains(q.event_id.as_str()));
        let day = |ms: i64| {
            chrono::DateTime::from_timestamp_millis(ms)
                .map(|d| d.format("%Y-%m-%d").to_string())
                .unwrap_or_else(|| format!("{ms} ms"))
        };
        for e in &wild {
            batch.rejected.push(crate::store::records::Quarantined {
                source: source.to_string(),
                reason: super::plausible::IMPLAUSIBLE_KICKOFF.into(),
                detail: format!(
                    "event {} kicks off on {}, outside {}..{}; the event and its quotes were kept out",
                    crate::ingest::sources::clip(&e.event_id, 100),
                    day(e.commence_ms),
                    day(earliest),
                    day(latest)
                ),
                observed_ms: now_ms,
            });
        }
    }
    let refs: Vec<&crate::domain::Quote> = batch.quotes.iter().collect();
    let rejections = super::plausible::judge(&refs, cfg);
    if rejections.is_empty() {
        return;
    }
    let out: std::collections::HashSet<usize> = rejections.iter().map(|r| r.index).collect();
    let quotes = std::mem::take(&mut batch.quotes);
    batch.quotes = quotes
        .into_iter()
        .enumerate()
        .filter(|(i, _)| !out.contains(i))
        .map(|(_, q)| q)
        .collect();
    tracing::warn!(source, quotes = rejections.len(), first = %rejections[0].detail, "implausible quotes quarantined");
    for r in rejections {
        batch.rejected.push(crate::store::records::Quarantined {
            source: source.to_string(),
            reason: r.reason.into(),
            detail: r.detail,
            observed_ms: now_ms,
        });
    }
}

/// `ingestion.future_tolerance_seconds`: a quote stamped later than `now` plus the tolerance
/// is a clock or feed error; it goes to quarantine with its reason instead of the store.
pub fn quarantine_future(
    batch: &mut SourceBatch,
    now_ms: i64,
    tolerance_seconds: f64,
    source: &str,
) {
    let limit = now_ms.saturating_add((tolerance_seconds.clamp(0.0, 86_400.0) * 1000.0) as i64);
    let reject = |what: String, observed_ms: i64| crate::store::records::Quarantined {
        source: source.to_string(),
        reason: "future_timestamp".into(),
        detail: format!(
            "{what}: stamped {} ms ahead of the clock (tolerance {tolerance_seconds}s)",
            observed_ms - now_ms
        ),
        observed_ms: now_ms,
    };
    let (keep, future): (Vec<_>, Vec<_>) = std::mem::take(&mut batch.quotes)
        .into_iter()
        .partition(|q| q.observed_ms <= limit);
    batch.quotes = keep;
    for q in future {
        let what = format!("{} {} {} {}", q.event_id, q.book, q.market, q.selection);
        batch.rejected.push(reject(what, q.observed_ms));
    }
    let (keep, future): (Vec<_>, Vec<_>) = std::mem::take(&mut batch.outrights)
        .into_iter()
        .partition(|q| q.observed_ms <= limit);
    batch.outrights = keep;
    for q in future {
        let what = format!("{} {} {} {}", q.season, q.book, q.market, q.team);
        batch.rejected.push(reject(what, q.observed_ms));
    }
}

/// Poll reports waiting for their reader at most; a slow reader slows the pollers down.
pub const REPORT_QUEUE: usize = 256;

/// Runs every source on its own cadence until shutdown; each report goes to `reports` (a
/// bounded queue: the poller waits for room, except once shutdown has begun).
pub fn spawn_continuous(
    runners: Vec<Runner>,
    settings: SchedulerSettings,
    writer: Store,
    state: SharedIngestState,
    controls: Controls,
    reports: mpsc::Sender<PollReport>,
) -> tokio::task::JoinSet<()> {
    let mut set = tokio::task::JoinSet::new();
    for mut runner in runners {
        let (settings, writer, state, controls, reports) = (
            settings.clone(),
            writer.clone(),
            state.clone(),
            controls.clone(),
            reports.clone(),
        );
        set.spawn(async move {
            let interval_ms = (runner.slot.interval_seconds.max(0.05) * 1000.0) as i64;
            let mut due = now_ms();
            let mut shutdown = controls.shutdown.subscribe();
            let mut paused = controls.paused.subscribe();
            loop {
                let jitter = rand::rng().random::<f64>() * settings.jitter_seconds.max(0.0);
                let wake = due + (jitter * 1000.0) as i64;
                let wait = Duration::from_millis((wake - now_ms()).max(0) as u64);
                let mut forced = false;
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = controls.poll_now.notified() => { forced = true; }
                    _ = shutdown.changed() => {}
                }
                if *shutdown.borrow() {
                    break;
                }
                if *paused.borrow() && !forced {
                    // Sit out paused periods without busy-waiting; "poll now" still polls.
                    tokio::select! {
                        _ = paused.changed() => {}
                        _ = controls.poll_now.notified() => { forced = true; }
                        _ = shutdown.changed() => {}
                    }
                    if *shutdown.borrow() {
                        break;
                    }
                    if !forced {
                        due = now_ms();
                        continue;
                    }
                }
                let scheduled = if forced { now_ms() } else { due };
                let report = runner
                    .poll_once(&settings, &writer, scheduled, &shutdown)
                    .await;
                if let Ok(mut st) = state.lock() {
                    st.apply(&report, &runner.breaker);
                }
                if *shutdown.borrow() {
                    let _ = reports.try_send(report);
                } else {
                    tokio::select! {
                        _ = reports.send(report) => {}
                        _ = shutdown.changed() => {}
                    }
                }
                // Stay on the nominal grid; after a long stall start again from now.
                due += interval_ms;
                if due < now_ms() - interval_ms {
                    due = now_ms();
                }
            }
        });
    }
    set
}

/// Polls every runner once, in order, committing each batch; the `ingest --interval 0` pass.
pub async fn single_pass(
    runners: &mut [Runner],
    settings: &SchedulerSettings,
    writer: &Store,
    state: &SharedIngestState,
) -> Vec<PollReport> {
    let (_keep, shutdown) = watch::channel(false);
    let mut reports = Vec::with_capacity(runners.len());
    for r in runners.iter_mut() {
        let report = r.poll_once(settings, writer, now_ms(), &shutdown).await;
        if let Ok(mut st) = state.lock() {
            st.apply(&report, &r.breaker);
        }
        reports.push(report);
    }
    reports
}

#[cfg(test)]
mod future_tests {
    use super::*;
    use crate::domain::{MarketKind, Quote, Scope, Selection};

    /// Issue 13, item 8: `ingestion.future_tolerance_seconds` was validated but read by
    /// nothing; quotes stamped past it are now quarantined with their reason.
    #[test]
    fn quotes_stamped_past_the_future_tolerance_are_quarantined() {
        let q = |ms: i64| Quote {
            event_id: "e".into(),
            book: "b".into(),
            market: MarketKind::Moneyline,
            scope: Scope::Game,
            selection: Selection::Home,
            line: None,
            american: -110,
            observed_ms: ms,
            source: "t".into(),
        };
        let now = 1_000_000;
        let mut batch = SourceBatch {
            quotes: vec![q(now), q(now + 299_000), q(now + 301_000), q(i64::MAX)],
            ..Default::default()
        };
        quarantine_future(&mut batch, now, 300.0, "t");
        assert_eq!(batch.quotes.len(), 2);
        assert_eq!(batch.rejected.len(), 2);
        assert!(batch
            .rejected
            .iter()
            .all(|r| r.reason == "future_timestamp"));
    }
}
