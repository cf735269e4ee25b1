//! Builds the registry from a `Snapshot` and the few figures a snapshot does not carry.

use super::{Family, Kind, Registry};
use crate::domain::MarketKind;
use crate::snapshot::Snapshot;
use serde::Serialize;

/// Upper bounds (seconds) of the dispatch-latency histogram buckets; the guide's target is 10 s.
pub const LATENCY_BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// A cumulative latency histogram (seconds), as Prometheus wants it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LatencyHistogram {
    /// Count of observations at or under each of `LATENCY_BUCKETS`.
    pub buckets: Vec<u64>,
    pub sum: f64,
    pub count: u64,
}

impl Default for LatencyHistogram {
    fn default() -> Self {
        LatencyHistogram {
            buckets: vec![0; LATENCY_BUCKETS.len()],
            sum: 0.0,
            count: 0,
        }
    }
}

impl LatencyHistogram {
    pub fn observe(&mut self, seconds: f64) {
        let s = seconds.max(0.0);
        for (i, le) in LATENCY_BUCKETS.iter().enumerate() {
            if s <= *le {
                self.buckets[i] += 1;
            }
        }
        self.sum += s;
        self.count += 1;
    }
}

/// Per-channel delivery counters kept by the alert dispatcher.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ChannelCounters {
    pub channel: String,
    pub sent: u64,
    pub failed: u64,
    pub skipped: u64,
    pub pending: u64,
    pub consecutive_errors: u32,
    pub latency: LatencyHistogram,
    pub last_delivery_ms: Option<i64>,
    /// Creation time of the oldest undelivered row (the delivery-silence rule reads it).
    pub oldest_pending_ms: Option<i64>,
    /// The latest failure, secret-free.
    pub last_error: Option<String>,
}

/// What the snapshot does not carry: the front end's render time and the dispatcher's counters.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Extra {
    /// `dashboard.render_latency`: the last frame or API response time, seconds.
    pub render_latency_seconds: Option<f64>,
    /// The latest health probe of the dashboard or API (`/healthz`), when a front end runs one.
    pub health_check_ok: Option<bool>,
    pub channels: Vec<ChannelCounters>,
    /// The store writer's queue: jobs waiting now, and submissions that had to wait for room.
    pub store_queue_depth: Option<u64>,
    pub store_backpressure_waits: Option<u64>,
    /// The configured alert-rule thresholds, exported as gauges so Prometheus alerting rules
    /// compare against the same numbers as the product's own rules (never a copied constant).
    pub rules: Option<crate::config::AlertRules>,
    /// The ingestion cadence (poll interval, seconds): the dashboard's render budget.
    pub cadence_seconds: Option<f64>,
    /// Dashboard checks in a row over budget or failing (the dashboard-stale streak).
    pub dashboard_stale_checks: Option<u32>,
    /// Errors of the alert dispatcher itself (scans, outcome writes, channel tasks), as
    /// opposed to a channel refusing a notification (`alerts.failed_total`).
    pub dispatcher_errors: Option<u64>,
}

fn group_of(market: &str) -> &str {
    market
        .parse::<MarketKind>()
        .map(|m| m.group())
        .unwrap_or(market)
}

/// Collects every family. Families always appear (with HELP and TYPE) even before they have
/// samples, so scrapers and `status` can tell "no data yet" from "metric missing".
pub fn collect(snap: &Snapshot, extra: &Extra) -> Registry {
    let mut fams = Vec::new();
    let ing = &snap.ingest;

    let mut f = Family::new(
        "ingestion.poll_latency",
        Kind::Gauge,
        "Seconds between the scheduled and the actual start of the latest poll, per source.",
    );
    for s in &ing.sources {
        if let Some(v) = s.poll_latency_seconds.back() {
            f.push(&[("source", &s.name)], *v);
        }
    }
    fams.push(f);

    let mut f = Family::new(
        "ingestion.success_rate",
        Kind::Gauge,
        "Share (0-1) of successful polls over the recent window, per source.",
    );
    for s in &ing.sources {
        f.push(&[("source", &s.name)], s.success_rate);
    }
    fams.push(f);

    let mut f = Family::new(
        "ingestion.quote_freshness_seconds",
        Kind::Gauge,
        "Age in seconds of the newest quote per book and market group.",
    );
    for r in &ing.freshness {
        f.push(
            &[("book", &r.book), ("market_group", &r.market_group)],
            r.age_seconds,
        );
    }
    fams.push(f);

    let mut f = Family::new(
        "ingestion.stalled_after_seconds",
        Kind::Gauge,
        "Freshness above which ingestion counts as stalled (multiple of the poll interval).",
    );
    f.push(&[], ing.stalled_after_seconds);
    fams.push(f);

    let mut f = Family::new(
        "ingestion.last_success_timestamp_seconds",
        Kind::Gauge,
        "Unix time in seconds of the latest successful poll, per source (absent before one).",
    );
    for s in &ing.sources {
        if let Some(ms) = s.last_ok_ms {
            f.push(&[("source", &s.name)], ms as f64 / 1000.0);
        }
    }
    fams.push(f);

    let mut f = Family::new(
        "ingestion.poll_interval_seconds",
        Kind::Gauge,
        "Configured seconds between polls, per source.",
    );
    for s in &ing.sources {
        f.push(&[("source", &s.name)], s.interval_seconds);
    }
    fams.push(f);

    let mut f = Family::new(
        "ingestion.success_rate_breach_polls",
        Kind::Gauge,
        "Polls in a row, ending with the latest, whose success rate was under the failure-burst floor, per source.",
    );
    for s in &ing.sources {
        f.push(
            &[("source", &s.name)],
            f64::from(s.polls_under_floor(ing.success_floor)),
        );
    }
    fams.push(f);

    let mut polls = Family::new(
        "ingestion.polls_total",
        Kind::Counter,
        "Polls per source and outcome.",
    );
    let mut received = Family::new(
        "ingestion.quotes_received_total",
        Kind::Counter,
        "Quotes received per source.",
    );
    let mut changed = Family::new(
        "ingestion.quotes_changed_total",
        Kind::Counter,
        "Quotes whose price or line changed, per source.",
    );
    let mut rejected = Family::new(
        "ingestion.quotes_rejected_total",
        Kind::Counter,
        "Quotes rejected by validation, per source and reason.",
    );
    let mut errors = Family::new(
        "ingestion.poll_errors_total",
        Kind::Counter,
        "Failed polls per source and error kind.",
    );
    let mut breaker = Family::new(
        "ingestion.breaker_state",
        Kind::Gauge,
        "Circuit breaker state per source: 1 for the current state, 0 for the others.",
    );
    let mut consecutive = Family::new(
        "ingestion.consecutive_failures",
        Kind::Gauge,
        "Failed polls in a row per source.",
    );
    for s in &ing.sources {
        let src = s.name.as_str();
        polls.push(&[("source", src), ("outcome", "ok")], s.polls_ok as f64);
        polls.push(
            &[("source", src), ("outcome", "error")],
            s.polls_total.saturating_sub(s.polls_ok) as f64,
        );
        received.push(&[("source", src)], s.quotes_received as f64);
        changed.push(&[("source", src)], s.quotes_changed as f64);
        for (reason, n) in &s.rejected_by_reason {
            rejected.push(&[("source", src), ("reason", reason)], *n as f64);
        }
        for (reason, n) in &s.errors_by_reason {
            errors.push(&[("source", src), ("reason", reason)], *n as f64);
        }
        for state in ["closed", "open", "half_open"] {
            let on = s.breaker.as_str() == state;
            breaker.push(
                &[("source", src), ("state", state)],
                f64::from(u8::from(on)),
            );
        }
        consecutive.push(&[("source", src)], f64::from(s.consecutive_failures));
    }
    fams.extend([
        polls,
        received,
        changed,
        rejected,
        errors,
        breaker,
        consecutive,
    ]);

    let mut f = Family::new(
        "ingestion.quotes_stored",
        Kind::Gauge,
        "Rows in the store: latest prices, price history and quarantined quotes.",
    );
    f.push(&[("table", "latest")], ing.quotes_latest as f64);
    f.push(&[("table", "history")], ing.quotes_history as f64);
    f.push(&[("table", "quarantine")], ing.quarantined as f64);
    fams.push(f);

    let mut f = Family::new(
        "analytics.simulation_latency",
        Kind::Gauge,
        "Duration in seconds of the latest Monte Carlo run, per trigger.",
    );
    let mut target = Family::new(
        "analytics.simulation_latency_target_seconds",
        Kind::Gauge,
        "Target duration in seconds for the latest run (5 s per 20k iterations, scaled), per trigger.",
    );
    let mut seen: Vec<&str> = Vec::new();
    let mut runs: Vec<_> = snap.simulations.iter().collect();
    runs.sort_by_key(|r| std::cmp::Reverse(r.started_ms));
    for r in &runs {
        if seen.contains(&r.trigger.as_str()) {
            continue;
        }
        seen.push(&r.trigger);
        f.push(&[("trigger", &r.trigger)], r.latency_ms / 1000.0);
        target.push(&[("trigger", &r.trigger)], r.target_ms / 1000.0);
    }
    fams.extend([f, target]);

    // The analytics-backlog streak as the product's rule counts it: the latest runs, newest
    // first, each over its own target. Prometheus only samples the latest run's gauges, so
    // "three runs" has to be counted here.
    let mut f = Family::new(
        "analytics.simulation_latency_breach_runs",
        Kind::Gauge,
        "Simulation runs in a row, ending with the latest, that took longer than their latency target.",
    );
    if !runs.is_empty() {
        let n = runs
            .iter()
            .take_while(|r| r.target_ms > 0.0 && r.latency_ms > r.target_ms)
            .count();
        f.push(&[], n as f64);
    }
    fams.push(f);

    let mut z = Family::new(
        "analytics.pricing_check_max_abs_z",
        Kind::Gauge,
        "Largest |sampled - exact| / standard error of the latest run's Monte Carlo check (NaN: the check broke).",
    );
    let mut zlim = Family::new(
        "analytics.pricing_check_limit",
        Kind::Gauge,
        "The |z| above which the latest run's Monte Carlo check fails (widened for the markets checked).",
    );
    if let Some(last) = runs.first() {
        if let Some(v) = last.max_abs_z {
            z.push(&[], v);
            zlim.push(
                &[],
                last.check_limit
                    .max(crate::pricing::montecarlo::CHECK_Z_LIMIT),
            );
        }
    }
    fams.extend([z, zlim]);

    let mut f = Family::new(
        "analytics.edge_count",
        Kind::Gauge,
        "Opportunities above the value threshold (investigate sudden drops to zero).",
    );
    f.push(&[], snap.edges.len() as f64);
    fams.push(f);
    let mut f = Family::new(
        "analytics.edges_by_group",
        Kind::Gauge,
        "Opportunities above the value threshold per book and market group.",
    );
    let mut groups: std::collections::BTreeMap<(&str, &str), usize> = Default::default();
    for e in &snap.edges {
        *groups.entry((&e.book, group_of(&e.market))).or_default() += 1;
    }
    for ((book, group), n) in groups {
        f.push(&[("book", book), ("market_group", group)], n as f64);
    }
    fams.push(f);

    let mut f = Family::new(
        "market.arbitrage_count",
        Kind::Gauge,
        "Arbitrage opportunities across books in the latest pricing pass, by freshness of the oldest leg.",
    );
    let stale = snap.market.arbitrage.iter().filter(|a| a.stale).count();
    f.push(
        &[("legs", "fresh")],
        (snap.market.arbitrage.len() - stale) as f64,
    );
    f.push(&[("legs", "stale")], stale as f64);
    fams.push(f);
    let mut f = Family::new(
        "market.steam_total",
        Kind::Counter,
        "Steam moves detected at originator books since the engine started.",
    );
    f.push(&[], snap.market.steam_total as f64);
    fams.push(f);

    let b = &snap.bets;
    let mut f = Family::new(
        "bets.open",
        Kind::Gauge,
        "Bets (real and paper) not yet graded or voided.",
    );
    f.push(&[], b.open as f64);
    fams.push(f);
    let mut f = Family::new(
        "bets.settled_total",
        Kind::Counter,
        "Bets graded won, lost or push.",
    );
    f.push(&[], b.settled as f64);
    fams.push(f);
    let mut f = Family::new(
        "bets.clv_mean",
        Kind::Gauge,
        "Mean closing-line value in probability points (0.01 = one point) against the sharp consensus close, over the bets valued so far (absent before one).",
    );
    if let Some(m) = b.clv_mean {
        f.push(&[], m);
    }
    fams.push(f);

    let mut lat = Family::new(
        "alerts.dispatch_latency",
        Kind::Histogram,
        "Seconds from detection to confirmed delivery, per channel.",
    );
    let mut sent = Family::new(
        "alerts.sent_total",
        Kind::Counter,
        "Notifications confirmed by the channel.",
    );
    let mut failed = Family::new(
        "alerts.failed_total",
        Kind::Counter,
        "Delivery attempts that failed (each is retried with backoff).",
    );
    let mut skipped = Family::new(
        "alerts.skipped_total",
        Kind::Counter,
        "Notifications a channel could not show here and dropped on purpose (desktop without a session).",
    );
    let mut pending = Family::new(
        "alerts.outbox_pending",
        Kind::Gauge,
        "Notifications written to the outbox and not yet delivered, per channel.",
    );
    let mut consecutive = Family::new(
        "alerts.channel_consecutive_errors",
        Kind::Gauge,
        "Failed delivery attempts in a row, per channel.",
    );
    for c in &extra.channels {
        let ch = c.channel.as_str();
        let mut acc = 0;
        for (i, le) in super::collect::LATENCY_BUCKETS.iter().enumerate() {
            acc = c.latency.buckets.get(i).copied().unwrap_or(acc);
            lat.push_suffixed(
                "_bucket",
                &[("channel", ch), ("le", &le.to_string())],
                acc as f64,
            );
        }
        lat.push_suffixed(
            "_bucket",
            &[("channel", ch), ("le", "+Inf")],
            c.latency.count as f64,
        );
        lat.push_suffixed("_sum", &[("channel", ch)], c.latency.sum);
        lat.push_suffixed("_count", &[("channel", ch)], c.latency.count as f64);
        sent.push(&[("channel", ch)], c.sent as f64);
        failed.push(&[("channel", ch)], c.failed as f64);
        skipped.push(&[("channel", ch)], c.skipped as f64);
        pending.push(&[("channel", ch)], c.pending as f64);
        consecutive.push(&[("channel", ch)], f64::from(c.consecutive_errors));
    }
    if extra.channels.is_empty() {
        for c in &snap.alerts.channels {
            pending.push(&[("channel", &c.channel)], c.pending as f64);
        }
    }
    fams.extend([lat, sent, failed, skipped, pending, consecutive]);

    let mut f = Family::new(
        "alerts.dispatcher_errors_total",
        Kind::Counter,
        "Errors of the alert dispatcher itself: outbox scans, outcome writes and channel tasks that failed.",
    );
    if let Some(v) = extra.dispatcher_errors {
        f.push(&[], v as f64);
    }
    fams.push(f);

    let mut oldest = Family::new(
        "alerts.oldest_pending_timestamp_seconds",
        Kind::Gauge,
        "Unix time in seconds when the oldest undelivered notification was queued, per channel (absent when none waits).",
    );
    let mut last = Family::new(
        "alerts.last_delivery_timestamp_seconds",
        Kind::Gauge,
        "Unix time in seconds of the latest confirmed delivery, per channel (absent before one).",
    );
    for c in &extra.channels {
        if let Some(ms) = c.oldest_pending_ms {
            oldest.push(&[("channel", &c.channel)], ms as f64 / 1000.0);
        }
        if let Some(ms) = c.last_delivery_ms {
            last.push(&[("channel", &c.channel)], ms as f64 / 1000.0);
        }
    }
    fams.extend([oldest, last]);

    let mut f = Family::new(
        "alerts.firing",
        Kind::Gauge,
        "Alerts currently firing or acknowledged, per rule and severity.",
    );
    let mut firing: std::collections::BTreeMap<(&str, &str), usize> = Default::default();
    for a in &snap.alerts.alerts {
        if a.state != "resolved" {
            *firing.entry((&a.rule, &a.severity)).or_default() += 1;
        }
    }
    for ((rule, sev), n) in firing {
        f.push(&[("rule", rule), ("severity", sev)], n as f64);
    }
    fams.push(f);

    let mut f = Family::new(
        "dashboard.render_latency",
        Kind::Gauge,
        "Seconds to draw the latest dashboard frame or answer the latest API request.",
    );
    if let Some(v) = extra.render_latency_seconds {
        f.push(&[], v);
    }
    fams.push(f);

    let mut f = Family::new(
        "dashboard.render_budget_seconds",
        Kind::Gauge,
        "The ingestion cadence in seconds: the render latency the dashboard-stale rule allows.",
    );
    if let Some(v) = extra.cadence_seconds {
        f.push(&[], v);
    }
    fams.push(f);

    let mut f = Family::new(
        "dashboard.health_check_ok",
        Kind::Gauge,
        "1 when the latest dashboard or API health check passed, else 0.",
    );
    if let Some(ok) = extra.health_check_ok {
        f.push(&[], f64::from(u8::from(ok)));
    }
    fams.push(f);

    let mut f = Family::new(
        "dashboard.stale_checks",
        Kind::Gauge,
        "Dashboard checks in a row whose render latency exceeded the cadence or whose health check failed.",
    );
    if let Some(v) = extra.dashboard_stale_checks {
        f.push(&[], f64::from(v));
    }
    fams.push(f);

    fams.extend(rule_thresholds(extra.rules.as_ref()));

    let mut f = Family::new(
        "store.writer_queue_depth",
        Kind::Gauge,
        "Write jobs waiting for the store writer (the queue is bounded).",
    );
    if let Some(v) = extra.store_queue_depth {
        f.push(&[], v as f64);
    }
    fams.push(f);

    let mut f = Family::new(
        "store.writer_backpressure_total",
        Kind::Counter,
        "Writes that found the store writer's queue full and waited for room.",
    );
    if let Some(v) = extra.store_backpressure_waits {
        f.push(&[], v as f64);
    }
    fams.push(f);

    let mut f = Family::new(
        "health.ok",
        Kind::Gauge,
        "1 when every health target of the operations guide holds, else 0.",
    );
    f.push(&[], f64::from(u8::from(snap.health.ok)));
    fams.push(f);

    let mut f = Family::new(
        "nflreadpy_betting.build_info",
        Kind::Gauge,
        "Always 1; the labels name the running build.",
    );
    f.push(
        &[
            ("version", env!("CARGO_PKG_VERSION")),
            ("git_sha", crate::GIT_SHA),
        ],
        1.0,
    );
    fams.push(f);

    Registry {
        taken_ms: snap.taken_ms,
        families: fams,
    }
}

/// Reads one threshold out of the configured rules.
type Threshold = fn(&crate::config::AlertRules) -> f64;

/// The alert-rule thresholds from configuration, one gauge each, so Prometheus rules read the
/// configured values (`deploy/prometheus/rules.yml`). Families appear even without a value.
fn rule_thresholds(rules: Option<&crate::config::AlertRules>) -> Vec<Family> {
    let specs: [(&str, &str, Threshold); 6] = [
        (
            "alerts.rule_stalled_freshness_multiple",
            "Multiple of a source's poll interval after which its silence counts as ingestion stalled.",
            |r| r.stalled_freshness_multiple,
        ),
        (
            "alerts.rule_failure_burst_success_rate",
            "Success rate (0-1) under which a poll counts toward a scraper failure burst.",
            |r| r.failure_burst_success_rate,
        ),
        (
            "alerts.rule_failure_burst_intervals",
            "Consecutive polls under the success-rate floor that make a scraper failure burst.",
            |r| f64::from(r.failure_burst_intervals),
        ),
        (
            "alerts.rule_backlog_runs",
            "Consecutive simulation runs over their latency target that make an analytics backlog.",
            |r| f64::from(r.backlog_runs),
        ),
        (
            "alerts.rule_dashboard_stale_checks",
            "Consecutive slow or failing dashboard checks that make the dashboard stale.",
            |r| f64::from(r.dashboard_stale_checks),
        ),
        (
            "alerts.rule_delivery_silence_seconds",
            "Seconds without a delivery, while notifications wait, that make an alert delivery failure.",
            |r| r.delivery_silence_hours * 3600.0,
        ),
    ];
    let mut out: Vec<Family> = specs
        .into_iter()
        .map(|(name, help, get)| {
            let mut f = Family::new(name, Kind::Gauge, help);
            if let Some(r) = rules {
                f.push(&[], get(r));
            }
            f
        })
        .collect();
    let mut f = Family::new(
        "alerts.rule_delivery_error_burst",
        Kind::Gauge,
        "Consecutive failed deliveries on one channel (or dispatcher errors) that make an alert delivery failure; 0 turns that half off.",
    );
    if let Some(r) = rules {
        f.push(&[], f64::from(r.delivery_error_burst));
    }
    out.push(f);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_is_cumulative() {
        let mut h = LatencyHistogram::default();
        h.observe(0.003);
        h.observe(0.2);
        h.observe(100.0);
        assert_eq!(h.buckets[0], 1);
        assert_eq!(h.buckets[5], 2); // le 0.25
        assert_eq!(*h.buckets.last().unwrap(), 2);
        assert_eq!(h.count, 3);
    }

    #[test]
    fn streaks_count_from_the_latest_and_thresholds_come_from_config() {
        use crate::ingest::health::SourceHealth;
        use crate::snapshot::SimulationRun;
        let mut src = SourceHealth::new("replay", 10.0);
        // 20-poll window: one failure drops the rate to 0.5, then 0.67, 0.75...: under 0.95.
        src.record_poll(true, 1_000, 0.0);
        for i in 0..3 {
            src.record_poll(false, 2_000 + i, 0.0);
        }
        let mut snap = Snapshot::default();
        snap.ingest.success_floor = 0.95;
        snap.ingest.sources = vec![src];
        let run = |started_ms, latency_ms| SimulationRun {
            started_ms,
            latency_ms,
            target_ms: 1000.0,
            ..Default::default()
        };
        snap.simulations = vec![
            run(1, 2000.0),
            run(2, 500.0),
            run(3, 1500.0),
            run(4, 1200.0),
        ];
        let extra = Extra {
            rules: Some(crate::config::AlertRules::default()),
            ..Default::default()
        };
        let reg = collect(&snap, &extra);
        let value = |n: &str| {
            reg.family(n)
                .and_then(|f| f.samples.first())
                .map(|s| s.value)
        };
        assert_eq!(value("ingestion.success_rate_breach_polls"), Some(3.0));
        assert_eq!(value("analytics.simulation_latency_breach_runs"), Some(2.0));
        assert_eq!(value("alerts.rule_failure_burst_intervals"), Some(5.0));
        assert_eq!(
            value("alerts.rule_delivery_silence_seconds"),
            Some(21_600.0)
        );
        assert_eq!(value("ingestion.last_success_timestamp_seconds"), Some(1.0));
        let build = reg
            .family("nflreadpy_betting.build_info")
            .map(|f| &f.samples[0]);
        assert!(build.is_some_and(|s| s
            .labels
            .iter()
            .any(|(k, v)| k == "git_sha" && !v.is_empty())));
    }

    #[test]
    fn market_arbitrage_count_and_steam_total_come_from_the_cross_book_views() {
        let reg = collect(&crate::snapshot::fixture::snapshot(), &Extra::default());
        let text = crate::metrics::prometheus::render(&reg);
        assert!(
            text.contains("market_arbitrage_count{legs=\"fresh\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("market_arbitrage_count{legs=\"stale\"} 1"),
            "{text}"
        );
        assert!(text.contains("# TYPE market_steam_total counter"), "{text}");
        assert!(text.contains("\nmarket_steam_total 14\n"), "{text}");
    }

    #[test]
    fn every_guide_metric_is_a_family_even_when_empty() {
        let reg = collect(&Snapshot::default(), &Extra::default());
        for name in super::super::GUIDE_METRICS {
            assert!(reg.family(name).is_some(), "{name} missing");
        }
    }
}
