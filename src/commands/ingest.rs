//! `ingest`: continuous polling, or one pass with `--interval 0`.

use super::{load_config, Failure, Outcome};
use crate::cli::{GlobalArgs, IngestArgs};
use crate::ingest::adapter;
use crate::ingest::scheduler::{
    self as scheduler, spawn_continuous, Controls, IngestState, PollReport, Runner,
    SchedulerSettings, SharedIngestState,
};
use crate::snapshot::{IngestView, Snapshot};
use crate::store::{now_ms, Store};
use anyhow::Context;
use serde_json::json;

pub fn run(g: &GlobalArgs, a: &IngestArgs) -> Outcome {
    let loaded = load_config(g)?;
    let cfg = loaded.config;
    crate::logging::init(g, &cfg);
    let json = crate::logging::json_output(g, &cfg);
    let settings = settings_with_flags(&loaded.merged, &cfg, a)?;
    let single_shot = settings.interval_seconds == 0.0;
    let mut slots = adapter::build(&cfg, &a.sources, settings.interval_seconds)
        .map_err(|e| Failure::Usage(format!("error: {e}")))?;
    if a.interval.is_some() && !single_shot {
        // An explicit --interval beats per-source cadences from the config.
        for s in &mut slots {
            s.interval_seconds = settings.interval_seconds;
        }
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    let (writer, writer_thread) = rt
        .block_on(Store::open(&cfg, true))
        .context("opening the store for ingestion")?;
    let storage = writer.describe();
    let runners: Vec<Runner> = slots
        .into_iter()
        .map(|s| Runner::new(s, &settings))
        .collect();
    let state = IngestState::new(&runners);
    let sampler = Sampler {
        writer: &writer,
        state: state.clone(),
        every: crate::duration::secs_clamped(
            cfg.metrics.sample_interval_seconds,
            std::time::Duration::from_secs(1),
            crate::duration::MAX_BACKOFF,
        ),
        view: IngestView::configured(&cfg),
        metrics: cfg.metrics.clone(),
        storage: cfg.storage.clone(),
        rules: cfg.alerts.rules.clone(),
        cadence_seconds: cfg.ingestion.scheduler.interval_seconds.max(1.0),
    };
    let result = if single_shot {
        rt.block_on(single_pass(
            runners, &settings, &writer, &state, json, &storage, &sampler,
        ))
    } else {
        rt.block_on(continuous(
            runners,
            settings,
            writer.clone(),
            state,
            json,
            &sampler,
        ))
    };
    drop(writer);
    // Every acknowledged batch is committed before the process exits.
    if let Some(t) = writer_thread {
        t.join();
    }
    result
}

/// The command-line flags are the last configuration layer: they go into the configuration and
/// through the same range checks as the keys they override, so a flag can never skip a ceiling
/// the configuration file would be held to.
fn settings_with_flags(
    merged: &crate::config::layers::Merged,
    cfg: &crate::config::Config,
    a: &IngestArgs,
) -> Result<SchedulerSettings, Failure> {
    let mut c = cfg.clone();
    let s = &mut c.ingestion.scheduler;
    let mut flags: Vec<(&str, &str)> = Vec::new();
    if let Some(x) = a.interval {
        s.interval_seconds = x;
        flags.push(("ingestion.scheduler.interval_seconds", "--interval"));
    }
    if let Some(x) = a.jitter {
        s.jitter_seconds = x;
        flags.push(("ingestion.scheduler.jitter_seconds", "--jitter"));
    }
    if let Some(x) = a.retries {
        s.retries = x;
        flags.push(("ingestion.scheduler.retries", "--retries"));
    }
    if let Some(x) = a.retry_backoff {
        s.retry_backoff = x;
        flags.push(("ingestion.scheduler.retry_backoff", "--retry-backoff"));
    }
    let problems: Vec<String> = crate::config::validate::check_ranges(merged, &c)
        .into_iter()
        .filter(|i| i.severity == crate::config::Severity::Error)
        .filter_map(|i| {
            let key = i.path.as_deref()?;
            let (_, flag) = flags.iter().find(|(k, _)| *k == key)?;
            Some(format!("error: {flag}: {} (as for {key})", i.message))
        })
        .collect();
    if !problems.is_empty() {
        return Err(Failure::Usage(problems.join("\n")));
    }
    Ok(SchedulerSettings::from_config(&c.ingestion))
}

async fn single_pass(
    mut runners: Vec<Runner>,
    settings: &SchedulerSettings,
    writer: &Store,
    state: &SharedIngestState,
    json: bool,
    storage: &str,
    sampler: &Sampler<'_>,
) -> Outcome {
    let reports = scheduler::single_pass(&mut runners, settings, writer, state).await;
    // Cron-driven stores get their retention pass here.
    let (keep, _) = crate::store::retention::settings(&sampler.storage);
    let pruned = match crate::store::retention::run_once(writer, keep, now_ms()).await {
        Ok(p) => p,
        Err(e) => {
            tracing::warn!(error = %e, "retention pass failed");
            Default::default()
        }
    };
    sampler.store().await;
    sampler.textfile().await;
    let all_ok = reports.iter().all(|r| r.ok);
    let total: usize = reports.iter().map(|r| r.quotes_received).sum();
    let changed: usize = reports.iter().map(|r| r.quotes_changed).sum();
    for report in &reports {
        print_report(report, state, json);
    }
    if json {
        println!(
            "{}",
            json!({"summary": {"ok": all_ok, "quotes": total, "changed": changed, "storage": storage, "retention": pruned}})
        );
    } else {
        println!(
            "Ingested {total} quotes ({changed} changed) into {}",
            storage
        );
        if pruned.total() > 0 {
            // Whatever retention takes is said, so no row ever disappears without a word.
            println!(
                "Retention removed {} row(s) stored more than {} days ago: {} odds-path changes, {} latest quotes of finished games, {} events, {} other",
                pruned.total(),
                sampler.storage.retention_days,
                pruned.quotes_history,
                pruned.quotes_latest,
                pruned.events,
                pruned.total() - pruned.quotes_history - pruned.quotes_latest - pruned.events
            );
        }
    }
    if all_ok {
        Ok(())
    } else {
        Err(Failure::Code(1))
    }
}

async fn continuous(
    runners: Vec<Runner>,
    settings: SchedulerSettings,
    writer: Store,
    state: SharedIngestState,
    json: bool,
    sampler: &Sampler<'_>,
) -> Outcome {
    let controls = Controls::new();
    let (keep, every) = crate::store::retention::settings(&sampler.storage);
    let retention = tokio::spawn(crate::store::retention::run(
        writer.clone(),
        keep,
        every,
        controls.shutdown.subscribe(),
    ));
    let (tx, mut rx) = tokio::sync::mpsc::channel(crate::ingest::scheduler::REPORT_QUEUE);
    crate::logging::stderr_line(format_args!(
        "Starting ingestion scheduler ({} source(s)). Press Ctrl+C to stop.",
        runners.len()
    ));
    let mut tasks = spawn_continuous(
        runners,
        settings,
        writer,
        state.clone(),
        controls.clone(),
        tx,
    );
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .context("installing SIGTERM handler")?;
    let mut sample_tick =
        tokio::time::interval_at(tokio::time::Instant::now() + sampler.every, sampler.every);
    loop {
        tokio::select! {
            Some(report) = rx.recv() => {
                print_report(&report, &state, json);
                sampler.textfile().await;
            }
            _ = sample_tick.tick() => sampler.store().await,
            _ = tokio::signal::ctrl_c() => break,
            _ = term.recv() => break,
        }
    }
    crate::logging::stderr_line(format_args!("Stopping: finishing the poll in flight..."));
    let _ = controls.shutdown.send(true);
    // Keep reading while the pollers finish, so none waits on a full queue.
    loop {
        tokio::select! {
            Some(report) = rx.recv() => print_report(&report, &state, json),
            joined = tasks.join_next() => if joined.is_none() { break },
        }
    }
    while let Ok(report) = rx.try_recv() {
        print_report(&report, &state, json);
    }
    let _ = retention.await;
    sampler.store().await;
    sampler.textfile().await;
    Ok(())
}

/// Stores this process's `ingestion.*` metrics in `metrics_samples` (the engine does the same
/// for every family when the dashboard or `serve` runs ingestion itself).
struct Sampler<'a> {
    writer: &'a Store,
    state: SharedIngestState,
    every: std::time::Duration,
    /// The configured thresholds; each sample fills in the scheduler's state.
    view: IngestView,
    metrics: crate::config::MetricsConfig,
    storage: crate::config::StorageConfig,
    /// Exported as threshold gauges in the textfile, for the Prometheus rules.
    rules: crate::config::AlertRules,
    cadence_seconds: f64,
}

impl Sampler<'_> {
    fn snapshot(&self) -> Snapshot {
        let now = now_ms();
        let mut ingest = self.view.clone();
        if let Ok(st) = self.state.lock() {
            ingest.fill_from_state(&st, now);
        }
        let health = crate::engine::runtime::health_of(&ingest, now);
        Snapshot {
            taken_ms: now,
            ingest,
            health,
            ..Default::default()
        }
    }

    /// The node-exporter textfile, when `metrics.textfile` is set: after each pass and at exit.
    async fn textfile(&self) {
        let extra = crate::metrics::Extra {
            store_queue_depth: self.writer.queue_depth().map(|d| d as u64),
            store_backpressure_waits: self.writer.backpressure_waits(),
            rules: Some(self.rules.clone()),
            cadence_seconds: Some(self.cadence_seconds),
            ..Default::default()
        };
        crate::metrics::write_configured(&self.metrics, &self.snapshot(), &extra).await;
    }

    async fn store(&self) {
        let snap = self.snapshot();
        let rows = crate::metrics::collect(&snap, &Default::default()).stored_samples("ingestion.");
        if let Err(e) = self.writer.insert_metric_samples(rows).await {
            tracing::warn!(error = %e, "cannot store metric samples");
        }
    }
}

/// One metrics line per poll, for log shippers.
pub fn print_report(r: &PollReport, state: &SharedIngestState, json: bool) {
    let (rate, breaker, fresh) = state
        .lock()
        .ok()
        .and_then(|st| {
            let h = st.sources.iter().find(|h| h.name == r.source)?;
            Some((
                h.success_rate,
                h.breaker.as_str(),
                st.freshness.max_age_seconds(now_ms()),
            ))
        })
        .unwrap_or((f64::NAN, "unknown", None));
    let ts = chrono::DateTime::from_timestamp_millis(r.finished_ms)
        .map(|t| t.to_rfc3339())
        .unwrap_or_default();
    let duration_ms = r.finished_ms - r.started_ms;
    if json {
        println!(
            "{}",
            json!({
                "ts": ts, "event": "ingest_poll", "source": r.source, "ok": r.ok, "skipped": r.skipped,
                "attempts": r.attempts, "events": r.events, "quotes_received": r.quotes_received,
                "quotes_changed": r.quotes_changed, "quotes_rejected": r.quotes_rejected,
                "rejected_by_reason": r.rejected_by_reason, "error": r.error, "error_reason": r.error_reason,
                "ingestion.poll_latency": r.poll_latency_seconds(), "duration_ms": duration_ms,
                "ingestion.success_rate": rate, "breaker": breaker,
                "ingestion.quote_freshness_seconds": fresh, "warnings": r.warnings,
            })
        );
    } else {
        let status = if r.skipped {
            "skipped"
        } else if r.ok {
            "ok"
        } else {
            "FAILED"
        };
        let mut line = format!(
            "{ts} ingest source={} status={status} attempts={} events={} received={} changed={} rejected={} poll_latency={:.3}s duration={}ms success_rate={:.1}% breaker={breaker}",
            r.source, r.attempts, r.events, r.quotes_received, r.quotes_changed, r.quotes_rejected, r.poll_latency_seconds(), duration_ms, rate * 100.0
        );
        if let Some(f) = fresh {
            line.push_str(&format!(" freshness_max={f:.1}s"));
        }
        if let Some(e) = &r.error {
            line.push_str(&format!(" error=\"{e}\""));
        }
        println!("{line}");
        for w in &r.warnings {
            crate::logging::stderr_line(format_args!("warning: {}: {w}", r.source));
        }
    }
}
