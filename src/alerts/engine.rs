//! `AlertsEngine`: the facade the engine runtime calls each snapshot. It diffs the rules'
//! conditions into fire/resolve transitions, applies silences, cooldowns, digests and quiet
//! hours, stages one outbox row per routed channel and commits them through the store writer.

use super::channels::{self, Delivered, SendContext};
use super::notification::{key_digest, Action, DigestItem, Notification};
use super::outbox::{DispatchOptions, DispatchStats, Dispatcher, NewRow, Outcome, SharedStats};
use super::policy::{self, Route};
use super::rules::{Condition, Observation, Rule, RuleEngine};
use super::{AlertsError, Severity};
use crate::config::{AlertsConfig, Config};
use crate::metrics::Extra;
use crate::snapshot::command::{Command, Reply};
use crate::snapshot::{AlertRow, AlertsView, ChannelHealth, Silence, Snapshot};
use crate::store::{now_ms, Store};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;
use tokio::sync::Notify;

/// Resolved alerts kept for the alert pane.
const RESOLVED_KEPT: usize = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EventKind {
    Fired,
    Resolved,
}

/// One transition, as `observe` reports it (for logs and tests).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertEvent {
    pub kind: EventKind,
    pub alert: AlertRow,
    /// The condition's instance (`new_edge|<edge key>`, ...): what the alert is about.
    pub instance: String,
    /// Channels a notification was staged for (immediately or into a digest).
    pub channels: Vec<String>,
    /// Why nobody was notified, when nobody was: silenced, cooldown, disabled.
    pub suppressed: Option<String>,
}

#[derive(Debug, Clone)]
struct Active {
    id: i64,
    rule: Rule,
    severity: Severity,
    message: String,
    since_ms: i64,
    acked: bool,
    incident_key: String,
    notified: Vec<String>,
}

#[derive(Debug, Clone, Default)]
struct DigestWindow {
    ends_ms: i64,
    items: Vec<DigestItem>,
}

pub struct AlertsEngine {
    cfg: AlertsConfig,
    environment: String,
    routes: Vec<Route>,
    rules: RuleEngine,
    cadence_seconds: f64,
    active: BTreeMap<String, Active>,
    resolved: VecDeque<AlertRow>,
    silences: BTreeMap<Rule, i64>,
    last_notified: HashMap<String, i64>,
    digests: BTreeMap<String, DigestWindow>,
    staged: Vec<NewRow>,
    stats: SharedStats,
    wake: Arc<Notify>,
    store: Store,
    /// Off while another process leads pricing on a shared store: rules still run and show,
    /// but only the leader queues notifications, so an edge is alerted once.
    sending: bool,
    next_id: i64,
    utc_offset_minutes: Option<i32>,
    render_latency_seconds: Option<f64>,
    health_check_ok: Option<bool>,
}

/// Splits an outbox dedup key `<instance>@<fired_ms>:<action>` into its instance.
fn instance_of(dedup_key: &str) -> Option<&str> {
    dedup_key.rsplit_once('@').map(|(i, _)| i)
}

impl AlertsEngine {
    /// Builds the engine from configuration. With a writable `store` alerts go to its outbox;
    /// read-only or without one (an attached front end) they are evaluated and shown but never
    /// sent. Cooldowns and alert ids carry over from the outbox when the store exists (without
    /// a handle, the configured store is read).
    pub fn new(cfg: &Config, store: Option<Store>) -> Result<AlertsEngine, AlertsError> {
        let routes = policy::routes(&cfg.alerts.channels).map_err(|(index, problem)| {
            AlertsError::Channel {
                index,
                kind: policy::kind_of(&cfg.alerts.channels[index]).to_string(),
                problem,
            }
        })?;
        let store = store.unwrap_or_else(|| {
            Store::reader(&cfg.ingestion.storage_path, cfg.storage.busy_timeout_ms)
        });
        let mut eng = AlertsEngine {
            cfg: cfg.alerts.clone(),
            environment: cfg.environment.clone(),
            stats: DispatchStats::shared(&routes),
            routes,
            rules: RuleEngine::new(cfg.alerts.rules.clone()),
            cadence_seconds: cfg.ingestion.scheduler.interval_seconds.max(1.0),
            active: BTreeMap::new(),
            resolved: VecDeque::new(),
            silences: BTreeMap::new(),
            last_notified: HashMap::new(),
            digests: BTreeMap::new(),
            staged: Vec::new(),
            wake: Arc::new(Notify::new()),
            store,
            sending: true,
            next_id: 1,
            utc_offset_minutes: None,
            render_latency_seconds: None,
            health_check_ok: None,
        };
        eng.restore();
        Ok(eng)
    }

    /// Cooldowns, alert ids and channel counts from the outbox of a SQLite store (read at
    /// once); a PostgreSQL store is read by [`AlertsEngine::restore_async`].
    fn restore(&mut self) {
        if !self.store.exists() || self.store.is_postgres() {
            return;
        }
        let since = now_ms() - (self.cfg.cooldown_seconds * 1000.0) as i64;
        if let Ok(restored) = self.store.outbox_restore_blocking(since) {
            self.apply_restore(restored);
        }
    }

    /// [`AlertsEngine::restore`] for a PostgreSQL store, before the first observation.
    pub async fn restore_async(&mut self) {
        if !self.store.is_postgres() {
            return;
        }
        let since = now_ms() - (self.cfg.cooldown_seconds * 1000.0) as i64;
        match self.store.outbox_restore(since).await {
            Ok(restored) => self.apply_restore(restored),
            Err(e) => tracing::warn!(error = %e, "alert cooldowns not restored from the outbox"),
        }
    }

    fn apply_restore(&mut self, restored: crate::store::handle::OutboxRestore) {
        for (key, at) in restored.recent_keys {
            if let Some(inst) = instance_of(&key) {
                let slot = self.last_notified.entry(inst.to_string()).or_insert(at);
                *slot = (*slot).max(at);
            }
        }
        self.next_id = restored.max_alert_id.unwrap_or(0) + 1;
        if let Ok(mut s) = self.stats.lock() {
            s.merge_summary(&restored.channels);
        }
    }

    /// Whether this process queues notifications (it leads pricing on the store).
    pub fn set_sending(&mut self, sending: bool) {
        self.sending = sending;
    }

    /// Pins the quiet-hours clock to a fixed UTC offset (tests; hosts whose local time is wrong).
    pub fn set_utc_offset_minutes(&mut self, minutes: Option<i32>) {
        self.utc_offset_minutes = minutes;
    }

    /// What the front end measured: its last render time and health probe, if it has them.
    pub fn set_frontend(
        &mut self,
        render_latency_seconds: Option<f64>,
        health_check_ok: Option<bool>,
    ) {
        self.render_latency_seconds = render_latency_seconds;
        self.health_check_ok = health_check_ok;
    }

    pub fn routes(&self) -> &[Route] {
        &self.routes
    }

    pub fn stats(&self) -> SharedStats {
        self.stats.clone()
    }

    /// Conditions whose last notification is still within the cooldown.
    pub fn cooldowns_tracked(&self) -> usize {
        self.last_notified.len()
    }

    /// The extra metrics input (`metrics::collect(&snap, &engine.metrics_extra())`).
    pub fn metrics_extra(&self) -> Extra {
        Extra {
            render_latency_seconds: self.render_latency_seconds,
            health_check_ok: self.health_check_ok,
            channels: self.stats.lock().map(|s| s.counters()).unwrap_or_default(),
            store_queue_depth: self.store.queue_depth().map(|d| d as u64),
            store_backpressure_waits: self.store.backpressure_waits(),
            rules: Some(self.cfg.rules.clone()),
            cadence_seconds: Some(self.cadence_seconds),
            dashboard_stale_checks: Some(self.rules.dashboard_stale_checks()),
            dispatcher_errors: self.stats.lock().map(|s| s.dispatcher_errors).ok(),
        }
    }

    /// A dispatcher for this engine's channels, sharing its stats and wake-up signal.
    /// `None` without a writable store.
    pub fn dispatcher(&self, opts: DispatchOptions) -> Option<Dispatcher> {
        if !self.store.is_writable() {
            return None;
        }
        Some(Dispatcher::new(
            self.store.clone(),
            self.routes.clone(),
            self.stats.clone(),
            self.wake.clone(),
            opts,
        ))
    }

    fn offset_minutes(&self, now: i64) -> i32 {
        use chrono::{Local, Offset, TimeZone};
        self.utc_offset_minutes.unwrap_or_else(|| {
            Local
                .timestamp_millis_opt(now)
                .single()
                .map(|d| d.offset().fix().local_minus_utc() / 60)
                .unwrap_or(0)
        })
    }

    /// Evaluates the rules against `snap` at `now_ms`, stages notifications, returns transitions.
    /// Pure apart from the staging buffer: call `enqueue` to commit what it staged.
    pub fn observe(&mut self, snap: &Snapshot, now_ms: i64) -> Vec<AlertEvent> {
        let extra = self.metrics_extra();
        let obs =
            Observation::from_snapshot(snap, &extra, &self.cfg.rules, self.cadence_seconds, now_ms);
        self.observe_conditions(&obs)
    }

    /// The same from a prepared observation (tests drive rules through this).
    pub fn observe_conditions(&mut self, obs: &Observation) -> Vec<AlertEvent> {
        let now = obs.now_ms;
        self.silences.retain(|_, until| *until > now);
        // Past its cooldown an entry decides nothing: forget it, so the map stays as small as
        // the set of recently notified conditions.
        let cooldown_ms = (self.cfg.cooldown_seconds.max(0.0) * 1000.0) as i64;
        self.last_notified
            .retain(|_, at| now.saturating_sub(*at) < cooldown_ms);
        let conds = if self.cfg.enabled {
            self.rules.evaluate(obs)
        } else {
            BTreeMap::new()
        };
        let mut events = Vec::new();
        let gone: Vec<String> = self
            .active
            .keys()
            .filter(|k| !conds.contains_key(*k))
            .cloned()
            .collect();
        for key in gone {
            if let Some(a) = self.active.remove(&key) {
                events.push(self.resolve(a, now));
            }
        }
        for (key, c) in conds {
            if let Some(a) = self.active.get_mut(&key) {
                a.message = c.message.clone();
                continue;
            }
            events.push(self.fire(key, c, now));
        }
        self.flush_digests(now);
        events
    }

    fn row_of(&self, a: &Active, state: &str) -> AlertRow {
        let delivered = self
            .stats
            .lock()
            .ok()
            .and_then(|s| s.delivered_by_alert.get(&a.id).copied())
            .unwrap_or(0);
        AlertRow {
            id: a.id,
            rule: a.rule.as_str().to_string(),
            severity: a.severity.as_str().to_string(),
            state: state.to_string(),
            message: a.message.clone(),
            since_ms: a.since_ms,
            delivered,
            pending: a.notified.len().saturating_sub(delivered),
        }
    }

    fn fire(&mut self, key: String, c: Condition, now: i64) -> AlertEvent {
        let id = self.next_id;
        self.next_id += 1;
        let cooldown_ms = (self.cfg.cooldown_seconds * 1000.0) as i64;
        let suppressed = if self.silences.contains_key(&c.rule) {
            Some("silenced".to_string())
        } else if self
            .last_notified
            .get(&key)
            .is_some_and(|t| now - t < cooldown_ms)
        {
            Some(format!(
                "cooldown ({}s since the last notification)",
                (now - self.last_notified[&key]) / 1000
            ))
        } else {
            None
        };
        let mut a = Active {
            id,
            rule: c.rule,
            severity: c.severity,
            message: c.message.clone(),
            since_ms: now,
            acked: false,
            incident_key: format!("{key}@{now}"),
            notified: vec![],
        };
        if suppressed.is_none() {
            let targets: Vec<String> = self
                .routes
                .iter()
                .filter(|r| c.severity >= r.min_severity)
                .filter(|r| c.skip_channel.as_deref() != Some(r.name.as_str()))
                .map(|r| r.name.clone())
                .collect();
            self.notify(&a, Action::Trigger, &targets, now);
            a.notified = targets;
            self.last_notified.insert(key.clone(), now);
        }
        tracing::debug!(alert_id = id, rule = c.rule.as_str(), severity = c.severity.as_str(), message = %c.message, suppressed = ?suppressed, "alert fired");
        let ev = AlertEvent {
            kind: EventKind::Fired,
            alert: self.row_of(&a, "firing"),
            instance: key.clone(),
            channels: a.notified.clone(),
            suppressed,
        };
        self.active.insert(key, a);
        ev
    }

    fn resolve(&mut self, a: Active, now: i64) -> AlertEvent {
        // Only channels that heard the trigger hear the resolve (PagerDuty closes its incident).
        let targets = a.notified.clone();
        if !targets.is_empty() {
            self.notify(&a, Action::Resolve, &targets, now);
        }
        tracing::info!(alert_id = a.id, rule = a.rule.as_str(), "alert resolved");
        let mut row = self.row_of(&a, "resolved");
        row.since_ms = now;
        self.resolved.push_front(row.clone());
        self.resolved.truncate(RESOLVED_KEPT);
        AlertEvent {
            kind: EventKind::Resolved,
            alert: row,
            instance: instance_of(&a.incident_key).unwrap_or_default().to_string(),
            channels: targets,
            suppressed: None,
        }
    }

    /// Stages one row per target channel; informational alerts go through the digest.
    fn notify(&mut self, a: &Active, action: Action, targets: &[String], now: i64) {
        let n = self.notification(a, action, now);
        let digest_ms = (self.cfg.digest_seconds * 1000.0) as i64;
        for ch in targets {
            if a.severity == Severity::Info && digest_ms > 0 {
                // The first informational alert of a window goes out at once (edges are
                // time-critical); the rest of the window's alerts arrive as one digest.
                let w = self.digests.entry(ch.clone()).or_default();
                if now < w.ends_ms {
                    w.items.push(DigestItem {
                        action,
                        rule: n.rule.clone(),
                        severity: n.severity,
                        message: n.message.clone(),
                        at_ms: now,
                    });
                    continue;
                }
                w.ends_ms = now + digest_ms;
            }
            let dedup = format!("{}:{}", n.incident_key, action.as_str());
            self.stage(ch, &dedup, &n, now);
        }
    }

    fn notification(&self, a: &Active, action: Action, now: i64) -> Notification {
        Notification {
            action,
            alert_id: a.id,
            rule: a.rule.as_str().to_string(),
            severity: a.severity,
            title: a.rule.title().to_string(),
            message: a.message.clone(),
            incident_key: a.incident_key.clone(),
            detected_ms: now,
            environment: self.environment.clone(),
            items: vec![],
        }
    }

    fn flush_digests(&mut self, now: i64) {
        let digest_ms = (self.cfg.digest_seconds * 1000.0) as i64;
        let due: Vec<String> = self
            .digests
            .iter()
            .filter(|(_, w)| w.ends_ms <= now)
            .map(|(k, _)| k.clone())
            .collect();
        for ch in due {
            let Some(w) = self.digests.remove(&ch) else {
                continue;
            };
            if w.items.is_empty() {
                continue;
            }
            let n = Notification {
                action: Action::Trigger,
                alert_id: 0,
                rule: "digest".into(),
                severity: Severity::Info,
                title: format!("{} informational alerts", w.items.len()),
                message: format!(
                    "{} informational alerts in the last {:.0}s:",
                    w.items.len(),
                    self.cfg.digest_seconds
                ),
                incident_key: format!("digest|{ch}@{}", w.ends_ms),
                detected_ms: w.items.first().map(|i| i.at_ms).unwrap_or(now),
                environment: self.environment.clone(),
                items: w.items,
            };
            let dedup = format!("{}:trigger", n.incident_key);
            self.stage(&ch, &dedup, &n, now);
            // The window just used its send: the next one starts now.
            self.digests.insert(
                ch,
                DigestWindow {
                    ends_ms: now + digest_ms,
                    items: vec![],
                },
            );
        }
    }

    fn stage(&mut self, channel: &str, dedup: &str, n: &Notification, now: i64) {
        let Some(route) = self.routes.iter().find(|r| r.name == channel) else {
            return;
        };
        let mut next = now;
        if let Some(q) = &self.cfg.quiet_hours {
            let paging_ok = route.paging && q.allow_paging;
            if !paging_ok {
                if let Some(end) = policy::quiet_until(q, now, self.offset_minutes(now)) {
                    next = end;
                }
            }
        }
        let payload = serde_json::to_string(n).unwrap_or_default();
        self.staged.push(NewRow {
            dedup_key: dedup.to_string(),
            rule: n.rule.clone(),
            severity: n.severity.as_str().to_string(),
            channel: channel.to_string(),
            payload,
            created_ms: now,
            next_attempt_ms: next,
        });
    }

    /// Rows staged by `observe` and not yet committed.
    pub fn staged(&self) -> &[NewRow] {
        &self.staged
    }

    /// Hands the staged rows to the caller instead of `enqueue` (tests; custom writers).
    pub fn take_staged(&mut self) -> Vec<NewRow> {
        std::mem::take(&mut self.staged)
    }

    /// Commits staged rows to the outbox (one transaction) and wakes the dispatcher. Without a
    /// writer the rows are dropped: a read-only front end shows alerts but never sends them.
    pub async fn enqueue(&mut self) -> Result<usize, AlertsError> {
        if self.staged.is_empty() {
            return Ok(0);
        }
        let rows = std::mem::take(&mut self.staged);
        if !self.store.is_writable() || !self.sending {
            return Ok(0);
        }
        match self.store.outbox_enqueue(rows).await {
            Ok(n) => {
                self.wake.notify_one();
                Ok(n)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// `observe` then `enqueue`: the one call the runtime makes per snapshot.
    pub async fn observe_and_enqueue(
        &mut self,
        snap: &Snapshot,
        now_ms: i64,
    ) -> Result<Vec<AlertEvent>, AlertsError> {
        let ev = self.observe(snap, now_ms);
        self.enqueue().await?;
        Ok(ev)
    }

    /// The alert pane's data: active alerts (firing or acked), then recent resolutions.
    pub fn view(&self) -> AlertsView {
        let mut alerts: Vec<AlertRow> = self
            .active
            .values()
            .map(|a| self.row_of(a, if a.acked { "acked" } else { "firing" }))
            .collect();
        alerts.sort_by(|a, b| {
            severity_rank(&b.severity)
                .cmp(&severity_rank(&a.severity))
                .then(b.since_ms.cmp(&a.since_ms))
        });
        alerts.extend(self.resolved.iter().cloned());
        let stats = self.stats.lock().map(|s| s.counters()).unwrap_or_default();
        let channels = self
            .routes
            .iter()
            .map(|r| {
                let c = stats.iter().find(|c| c.channel == r.name);
                ChannelHealth {
                    channel: r.name.clone(),
                    ok: c.is_none_or(|c| c.consecutive_errors == 0),
                    pending: c.map(|c| c.pending as usize).unwrap_or(0),
                    delivered: c.map(|c| c.sent as usize).unwrap_or(0),
                    last_error: c.and_then(|c| c.last_error.clone()),
                    last_delivery_ms: c.and_then(|c| c.last_delivery_ms),
                }
            })
            .collect();
        AlertsView {
            alerts,
            channels,
            silences: self
                .silences
                .iter()
                .map(|(r, until)| Silence {
                    rule: r.as_str().to_string(),
                    until_ms: *until,
                })
                .collect(),
        }
    }

    /// Acknowledges a firing alert: it stays in the pane as `acked` until it resolves. The first
    /// ack stages an `acknowledge` for the machine channels that heard the trigger (PagerDuty
    /// stops escalating the incident; webhook consumers see it); people in Slack, email and on
    /// the desktop are not paged again for it. Call `enqueue` to send.
    pub fn ack(&mut self, id: i64, now_ms: i64) -> Result<AlertRow, AlertsError> {
        let a = self
            .active
            .values_mut()
            .find(|a| a.id == id)
            .ok_or(AlertsError::UnknownAlert(id))?;
        let first = !a.acked;
        a.acked = true;
        let a = a.clone();
        if first {
            let targets: Vec<String> = a
                .notified
                .iter()
                .filter(|ch| {
                    self.routes
                        .iter()
                        .any(|r| &r.name == *ch && matches!(r.kind, "pagerduty" | "webhook"))
                })
                .cloned()
                .collect();
            let n = self.notification(&a, Action::Acknowledge, now_ms);
            let dedup = format!("{}:{}", n.incident_key, Action::Acknowledge.as_str());
            for ch in &targets {
                self.stage(ch, &dedup, &n, now_ms);
            }
        }
        Ok(self.row_of(&a, "acked"))
    }

    /// Silences a rule's notifications for `seconds` (0 or less lifts the silence). Detection
    /// goes on and the pane still shows the alerts; resolutions of alerts already sent still go
    /// out so paging incidents close.
    pub fn silence(
        &mut self,
        rule: &str,
        seconds: f64,
        now_ms: i64,
    ) -> Result<Silence, AlertsError> {
        let r = Rule::parse(rule)
            .ok_or_else(|| AlertsError::UnknownRule(rule.to_string(), Rule::names()))?;
        // Clamped to the longest silence, so no value can wrap the deadline.
        let d = crate::duration::secs_clamped(
            seconds,
            std::time::Duration::ZERO,
            crate::duration::MAX_SILENCE,
        );
        let until = now_ms.saturating_add(crate::duration::millis_i64(d));
        if seconds > 0.0 {
            self.silences.insert(r, until);
        } else {
            self.silences.remove(&r);
        }
        Ok(Silence {
            rule: r.as_str().to_string(),
            until_ms: until,
        })
    }

    /// Answers `Command::Ack` and `Command::Silence`; `None` for any other command.
    pub fn handle(&mut self, cmd: &Command, now_ms: i64) -> Option<Reply> {
        Some(match cmd {
            Command::Ack { id } => match self.ack(*id, now_ms) {
                Ok(row) => Reply::Done(format!("acknowledged alert {} ({})", row.id, row.rule)),
                Err(e) => Reply::Error(e.to_string()),
            },
            Command::Silence { rule, seconds } => match self.silence(rule, *seconds, now_ms) {
                Ok(s) if *seconds > 0.0 => {
                    Reply::Done(format!("silenced {} for {:.0}s", s.rule, seconds))
                }
                Ok(s) => Reply::Done(format!("silence on {} lifted", s.rule)),
                Err(e) => Reply::Error(e.to_string()),
            },
            _ => return None,
        })
    }
}

fn severity_rank(s: &str) -> u8 {
    Severity::parse(s).map(|s| s as u8).unwrap_or(0)
}

/// The runbook's pipeline check (`simulate --enable-alerts`): one test alert through every
/// enabled channel, written to the outbox first like any alert, sent directly, and the outcome
/// of each reported. Failed test rows are closed rather than retried later.
pub async fn send_test_alert(cfg: &Config, store: &Store) -> Vec<(String, Result<(), String>)> {
    let routes = match policy::routes(&cfg.alerts.channels) {
        Ok(r) => r,
        Err((i, problem)) => return vec![(format!("channels[{i}]"), Err(problem))],
    };
    let now = now_ms();
    let n = Notification {
        action: Action::Trigger,
        alert_id: 0,
        rule: "test".into(),
        severity: Severity::Info,
        title: "Test alert".into(),
        message: "nflreadpy-betting test alert: if you can read this, this channel works.".into(),
        incident_key: format!("test@{now}"),
        detected_ms: now,
        environment: cfg.environment.clone(),
        items: vec![],
    };
    let payload = serde_json::to_string(&n).unwrap_or_default();
    let rows: Vec<NewRow> = routes
        .iter()
        .map(|r| NewRow {
            dedup_key: format!("{}:trigger", n.incident_key),
            rule: "test".into(),
            severity: "info".into(),
            channel: r.name.clone(),
            payload: payload.clone(),
            created_ms: now,
            // Not due for the dispatcher: this call sends and settles them itself.
            next_attempt_ms: i64::MAX,
        })
        .collect();
    let ids: Vec<Option<i64>> = match store.outbox_enqueue_ids(rows).await {
        Ok(ids) => ids,
        Err(e) => {
            tracing::warn!(error = %e, "test alert not recorded in the outbox");
            vec![None; routes.len()]
        }
    };
    let ctx = SendContext::new(std::time::Duration::from_secs(10));
    let mut results = Vec::new();
    let mut outcomes = Vec::new();
    for (r, id) in routes.iter().zip(ids) {
        let key = key_digest(&format!("{}:trigger|{}", n.incident_key, r.name));
        let res = channels::send(r, &n, &key, &ctx).await;
        let at = now_ms();
        let (report, outcome) = match res {
            Ok(Delivered::Sent) => (Ok(()), id.map(|id| Outcome::Delivered { id, at_ms: at })),
            Ok(Delivered::Skipped(why)) => (
                Err(format!("skipped: {why}")),
                id.map(|id| Outcome::Skipped {
                    id,
                    at_ms: at,
                    reason: why,
                }),
            ),
            Err(e) => (
                Err(e.clone()),
                id.map(|id| Outcome::Skipped {
                    id,
                    at_ms: at,
                    reason: format!("test alert failed: {e}"),
                }),
            ),
        };
        outcomes.extend(outcome);
        results.push((r.name.clone(), report));
    }
    if !outcomes.is_empty() {
        if let Err(e) = store.outbox_apply(outcomes).await {
            tracing::warn!(error = %e, "test alert outcomes not recorded");
        }
    }
    results
}
