//! The outbox: every notification is a row in `alert_outbox` (one per channel) before anything is
//! sent, and leaves `pending` only when its channel confirms. The dispatcher delivers due rows,
//! backs a failing channel off exponentially, and picks pending rows up again after a crash.
//! Channels with an idempotency key (webhook `Idempotency-Key`, PagerDuty `dedup_key`) turn the
//! at-least-once retries into exactly-once at the receiver.

use super::channels::{self, Delivered, SendContext, TerminalOutput};
use super::notification::{key_digest, Action, Notification};
use super::policy::Route;
use super::AlertsError;
use crate::duration::{secs_clamped, MAX_BACKOFF};
use crate::metrics::ChannelCounters;
use crate::store::{now_ms, Store};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{watch, Notify};

pub use crate::store::outbox::{
    ChannelSummary, NewRow, Outcome, PendingRow, DELIVERED, EXPIRED, INVALID, PENDING, SKIPPED,
};

/// What the dispatcher has seen, shared with the engine (rules, view) and the metrics.
#[derive(Debug, Clone, Default)]
pub struct DispatchStats {
    pub channels: BTreeMap<String, ChannelCounters>,
    /// Channels that confirmed each alert, by alert id (for the alert pane's delivered column).
    pub delivered_by_alert: HashMap<i64, usize>,
    /// Failures of the dispatcher itself (`alerts.dispatcher_errors_total`).
    pub dispatcher_errors: u64,
}

pub type SharedStats = Arc<Mutex<DispatchStats>>;

impl DispatchStats {
    pub fn shared(routes: &[Route]) -> SharedStats {
        let mut s = DispatchStats::default();
        for r in routes {
            s.channel(&r.name);
        }
        Arc::new(Mutex::new(s))
    }

    fn channel(&mut self, name: &str) -> &mut ChannelCounters {
        self.channels
            .entry(name.to_string())
            .or_insert_with(|| ChannelCounters {
                channel: name.to_string(),
                ..Default::default()
            })
    }

    /// Merges the table's view (pending counts, oldest pending, last delivery).
    pub fn merge_summary(&mut self, rows: &[ChannelSummary]) {
        for c in self.channels.values_mut() {
            c.pending = 0;
            c.oldest_pending_ms = None;
        }
        for r in rows {
            let c = self.channel(&r.channel);
            c.pending = r.pending;
            c.oldest_pending_ms = r.oldest_pending_ms;
            c.last_delivery_ms = c.last_delivery_ms.max(r.last_delivery_ms);
            // The table's count survives restarts, so the counter stays monotonic across them.
            c.sent = c.sent.max(r.delivered);
            if r.pending == 0 {
                c.last_error = None;
            } else if r.last_error.is_some() {
                c.last_error = r.last_error.clone();
            }
        }
    }

    pub fn counters(&self) -> Vec<ChannelCounters> {
        self.channels.values().cloned().collect()
    }
}

/// Counts one failure of the dispatcher itself.
fn count_error(stats: &SharedStats) {
    let mut s = match stats.lock() {
        Ok(s) => s,
        Err(p) => p.into_inner(),
    };
    s.dispatcher_errors += 1;
}

#[derive(Debug, Clone)]
pub struct DispatchOptions {
    /// Longest sleep between outbox scans when nothing wakes the dispatcher.
    pub poll_interval: Duration,
    /// First retry delay for a failing channel; doubles per consecutive failure.
    pub base_backoff: Duration,
    pub max_backoff: Duration,
    /// Rows read per scan.
    pub batch: usize,
    /// Per-send timeout (HTTP, SMTP, D-Bus).
    pub send_timeout: Duration,
}

impl DispatchOptions {
    pub fn from_config(a: &crate::config::AlertsConfig) -> DispatchOptions {
        DispatchOptions {
            base_backoff: secs_clamped(a.retry_base_seconds, Duration::from_millis(1), MAX_BACKOFF),
            max_backoff: secs_clamped(a.retry_max_seconds, Duration::from_millis(1), MAX_BACKOFF),
            send_timeout: secs_clamped(
                a.send_timeout_seconds,
                Duration::from_millis(100),
                Duration::from_secs(600),
            ),
            ..Default::default()
        }
    }
}

impl Default for DispatchOptions {
    fn default() -> Self {
        DispatchOptions {
            poll_interval: Duration::from_secs(1),
            base_backoff: Duration::from_secs(2),
            max_backoff: Duration::from_secs(300),
            batch: 200,
            send_timeout: Duration::from_secs(10),
        }
    }
}

/// Delivers outbox rows. Cheap to clone; `run` until shutdown, or `run_once` from tests.
#[derive(Clone)]
pub struct Dispatcher {
    store: Store,
    /// This dispatcher's name on claimed rows (PostgreSQL): process id and a random tag, so two
    /// processes on one host never share it.
    id: Arc<str>,
    routes: Arc<Vec<Route>>,
    ctx: SendContext,
    stats: SharedStats,
    wake: Arc<Notify>,
    opts: DispatchOptions,
    /// Per channel: no attempt before this instant (channel-level backoff keeps rows in order).
    hold: Arc<Mutex<HashMap<String, i64>>>,
    /// Rows of removed channels have been expired (once per process).
    expired: Arc<std::sync::atomic::AtomicBool>,
}

impl Dispatcher {
    pub fn new(
        store: Store,
        routes: Vec<Route>,
        stats: SharedStats,
        wake: Arc<Notify>,
        opts: DispatchOptions,
    ) -> Dispatcher {
        let id = format!("pid{}-{:08x}", std::process::id(), rand::random::<u32>());
        Dispatcher {
            store,
            id: id.into(),
            routes: Arc::new(routes),
            ctx: SendContext::new(opts.send_timeout),
            stats,
            wake,
            opts,
            hold: Arc::default(),
            expired: Arc::default(),
        }
    }

    /// Headless runs print terminal-channel notifications as JSON lines here.
    pub fn with_terminal_output(mut self, out: TerminalOutput) -> Dispatcher {
        self.ctx.terminal = out;
        self
    }

    pub fn stats(&self) -> SharedStats {
        self.stats.clone()
    }

    fn backoff_ms(&self, consecutive: u32) -> i64 {
        let base = self.opts.base_backoff.as_millis() as f64;
        let max = self.opts.max_backoff.as_millis() as f64;
        (base * 2f64.powi(consecutive.saturating_sub(1).min(30) as i32)).min(max) as i64
    }

    /// Refreshes pending counts and last deliveries from the table.
    pub async fn refresh_stats(&self) -> Result<(), AlertsError> {
        let rows = self.store.outbox_channel_summary().await?;
        if let Ok(mut s) = self.stats.lock() {
            s.merge_summary(&rows);
        }
        Ok(())
    }

    /// One scan: sends every due row (channels in parallel, rows of one channel in order) and
    /// records the outcomes. Returns how many rows were attempted.
    pub async fn run_once(&self, now: i64) -> Result<usize, AlertsError> {
        if !self.expired.swap(true, std::sync::atomic::Ordering::SeqCst) {
            self.expire_unconfigured(now).await;
        }
        let batch = self.opts.batch;
        // Channels backing off are left out in SQL, so their queue cannot fill the scan.
        let ready: Vec<String> = {
            let hold = self
                .hold
                .lock()
                .map_err(|_| AlertsError::Outbox("poisoned".into()))?;
            self.routes
                .iter()
                .filter(|r| hold.get(&r.name).is_none_or(|t| *t <= now))
                .map(|r| r.name.clone())
                .collect()
        };
        if ready.is_empty() {
            self.refresh_stats().await?;
            return Ok(0);
        }
        // A claim outlives the whole round (a channel's rows go one after another, each bounded
        // by the send timeout), so no second dispatcher claims a row while the first may still
        // be sending it; a dispatcher that dies leaves its rows for that long.
        let lease_ms = crate::duration::millis_i64(self.opts.send_timeout)
            .saturating_mul(batch as i64 + 1)
            .saturating_add(30_000);
        let rows = self
            .store
            .outbox_due(&self.id, now, ready, batch, lease_ms)
            .await?;
        let mut by_channel: BTreeMap<String, Vec<PendingRow>> = BTreeMap::new();
        for r in rows {
            by_channel.entry(r.channel.clone()).or_default().push(r);
        }
        let mut tasks = tokio::task::JoinSet::new();
        for (channel, rows) in by_channel {
            let Some(route) = self.routes.iter().find(|r| r.name == channel).cloned() else {
                continue; // `due` only returns configured channels
            };
            let me = self.clone();
            tasks.spawn(async move { me.deliver_channel(route, rows).await });
        }
        let mut attempted = 0;
        while let Some(res) = tasks.join_next().await {
            match res {
                Ok(n) => attempted += n,
                Err(e) => {
                    count_error(&self.stats);
                    tracing::warn!(error = %e, "an alert channel task failed")
                }
            }
        }
        self.refresh_stats().await?;
        Ok(attempted)
    }

    /// Rows queued for channels since removed from the configuration can never be delivered:
    /// they leave `pending` as `expired`, the reason recorded on each row and in the log.
    async fn expire_unconfigured(&self, now: i64) {
        let names: Vec<String> = self.routes.iter().map(|r| r.name.clone()).collect();
        match self.store.outbox_expire_unconfigured(names, now).await {
            Ok(gone) => {
                for (channel, rows) in gone {
                    tracing::warn!(channel = %channel, rows, "alert channel no longer configured: its undelivered notifications expired");
                }
            }
            Err(e) => {
                count_error(&self.stats);
                tracing::warn!(error = %e, "cannot expire outbox rows of removed channels")
            }
        }
    }

    /// Sends a channel's due rows in order and records each outcome as soon as it is known, so
    /// a crash can repeat at most the one send in flight (which the idempotency key absorbs).
    async fn deliver_channel(&self, route: Route, rows: Vec<PendingRow>) -> usize {
        let mut attempted = 0;
        for row in rows {
            let outcome = self.deliver_row(&route, &row).await;
            let failed = matches!(outcome, Outcome::Failed { .. });
            attempted += 1;
            if let Err(e) = self.store.outbox_apply(vec![outcome]).await {
                count_error(&self.stats);
                tracing::warn!(error = %e, "cannot record an alert delivery outcome");
            }
            if failed {
                // Later rows of this channel wait behind this one, so order is kept.
                break;
            }
        }
        attempted
    }

    async fn deliver_row(&self, route: &Route, row: &PendingRow) -> Outcome {
        let n: Notification = match serde_json::from_str(&row.payload) {
            Ok(n) => n,
            Err(e) => {
                return Outcome::Invalid {
                    id: row.id,
                    error: format!("unreadable payload: {e}"),
                }
            }
        };
        let key = key_digest(&format!("{}|{}", row.dedup_key, row.channel));
        let result = channels::send(route, &n, &key, &self.ctx).await;
        let at = now_ms();
        let mut stats = match self.stats.lock() {
            Ok(s) => s,
            Err(p) => p.into_inner(),
        };
        match result {
            Ok(Delivered::Sent) => {
                let c = stats.channel(&route.name);
                c.sent += 1;
                c.consecutive_errors = 0;
                c.last_delivery_ms = Some(at);
                c.last_error = None;
                c.latency
                    .observe((at - n.detected_ms).max(0) as f64 / 1000.0);
                if n.action == Action::Trigger {
                    *stats.delivered_by_alert.entry(n.alert_id).or_default() += 1;
                }
                Outcome::Delivered {
                    id: row.id,
                    at_ms: at,
                }
            }
            Ok(Delivered::Skipped(reason)) => {
                let c = stats.channel(&route.name);
                c.skipped += 1;
                if c.skipped == 1 {
                    tracing::info!(channel = %route.name, reason = %reason, "alert channel unavailable here; skipping its notifications");
                }
                Outcome::Skipped {
                    id: row.id,
                    at_ms: at,
                    reason,
                }
            }
            Err(error) => {
                let c = stats.channel(&route.name);
                c.failed += 1;
                c.consecutive_errors += 1;
                c.last_error = Some(error.clone());
                let wait = self.backoff_ms(c.consecutive_errors);
                tracing::warn!(channel = %route.name, attempts = row.attempts + 1, retry_in_ms = wait, error = %error, "alert delivery failed; will retry");
                drop(stats);
                if let Ok(mut h) = self.hold.lock() {
                    h.insert(route.name.clone(), at + wait);
                }
                Outcome::Failed {
                    id: row.id,
                    next_ms: at + wait,
                    error,
                }
            }
        }
    }

    /// Delivers until `shutdown` turns true. Wakes on `wake` (new rows), on the next due retry,
    /// or every `poll_interval`.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        if let Err(e) = self.refresh_stats().await {
            tracing::debug!(error = %e, "outbox not readable yet");
        }
        loop {
            if *shutdown.borrow() {
                break;
            }
            let attempted = match self.run_once(now_ms()).await {
                Ok(n) => n,
                Err(e) => {
                    count_error(&self.stats);
                    tracing::warn!(error = %e, "alert dispatcher scan failed");
                    0
                }
            };
            if attempted >= self.opts.batch {
                continue;
            }
            let mut sleep = self.opts.poll_interval;
            if let Ok(next) = self.store.outbox_next_due_by_channel().await {
                let hold = self.hold.lock().map(|h| h.clone()).unwrap_or_default();
                // A held channel's rows are due only when its hold ends.
                let wake_at = next
                    .iter()
                    .filter(|(ch, _)| self.routes.iter().any(|r| &r.name == ch))
                    .map(|(ch, t)| (*t).max(hold.get(ch).copied().unwrap_or(0)))
                    .min();
                if let Some(at) = wake_at {
                    let wait = (at - now_ms()).max(5) as u64;
                    sleep = sleep.min(Duration::from_millis(wait));
                }
            }
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(sleep) => {}
                _ = shutdown.changed() => {}
            }
        }
    }
}
