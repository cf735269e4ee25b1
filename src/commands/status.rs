//! `status`: a one-shot health report for monitors, read from the store over a read-only
//! connection (safe against a production store another process writes).
//!
//! Exit codes: 0 healthy; 1 unhealthy (a problem is listed) or the store cannot be read;
//! 2 bad usage or configuration.

use super::{load_config, Failure, Outcome};
use crate::alerts::outbox::ChannelSummary;
use crate::cli::{GlobalArgs, OutputFormat, StatusArgs};
use crate::config::Config;
use crate::domain::MarketKind;
use crate::store::{self, now_ms, Store};
use anyhow::Context;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FreshnessStatus {
    pub book: String,
    pub market_group: String,
    pub age_seconds: f64,
    pub stalled: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SourceStatus {
    pub source: String,
    pub polls: usize,
    pub success_rate: f64,
    pub last_poll_ms: Option<i64>,
    pub last_error: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SimulationStatus {
    pub started_ms: i64,
    pub latency_seconds: f64,
    pub target_seconds: f64,
    pub iterations: i64,
    pub trigger: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct StatusReport {
    pub healthy: bool,
    pub problems: Vec<String>,
    pub storage_path: String,
    pub checked_ms: i64,
    pub stalled_after_seconds: f64,
    pub freshness: Vec<FreshnessStatus>,
    pub sources: Vec<SourceStatus>,
    pub last_simulation: Option<SimulationStatus>,
    pub alert_channels: Vec<ChannelSummary>,
    pub outbox_pending: u64,
}

/// The guide's latency target (5 s per 20k iterations), scaled to a run's iterations.
fn simulation_target_seconds(cfg: &Config, iterations: i64) -> f64 {
    cfg.analytics.simulation_latency_target_seconds * (iterations.max(1) as f64 / 20_000.0)
}

/// [`report_store`] on the SQLite file at `path`, for synchronous callers.
pub fn report(cfg: &Config, path: &Path, now: i64) -> Result<StatusReport, store::StoreError> {
    let store = Store::reader(path, cfg.storage.busy_timeout_ms);
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| store::StoreError::Batch(format!("starting the runtime: {e}")))?
        .block_on(report_store(cfg, &store, now))
}

/// Reads the store and judges it against the guide's health targets at `now`.
pub async fn report_store(
    cfg: &Config,
    store: &Store,
    now: i64,
) -> Result<StatusReport, store::StoreError> {
    let overview = store
        .overview(crate::ingest::health::SUCCESS_WINDOW)
        .await?;
    let rules = &cfg.alerts.rules;
    let judge = crate::health::Judge::from_config(cfg);
    let stalled_after = judge.stalled_after_seconds;
    let mut problems = Vec::new();

    let mut groups: BTreeMap<(String, String), i64> = BTreeMap::new();
    for (book, market, seen, _source) in overview.last_seen {
        let group = market
            .parse::<MarketKind>()
            .map(|m| m.group().to_string())
            .unwrap_or(market);
        let slot = groups.entry((book, group)).or_insert(seen);
        *slot = (*slot).max(seen);
    }
    let freshness: Vec<FreshnessStatus> = groups
        .into_iter()
        .map(|((book, market_group), seen)| {
            let age = (now - seen).max(0) as f64 / 1000.0;
            FreshnessStatus {
                stalled: judge.stalled(age),
                book,
                market_group,
                age_seconds: age,
            }
        })
        .collect();
    for f in &freshness {
        problems.extend(judge.stalled_problem(&f.book, &f.market_group, f.age_seconds));
    }

    let mut sources: Vec<SourceStatus> = Vec::new();
    for run in overview.runs {
        if sources.last().is_none_or(|s| s.source != run.source) {
            sources.push(SourceStatus {
                source: run.source.clone(),
                polls: 0,
                success_rate: 0.0,
                last_poll_ms: None,
                last_error: None,
            });
        }
        if let Some(s) = sources.last_mut() {
            s.success_rate = (s.success_rate * s.polls as f64 + f64::from(u8::from(run.ok)))
                / (s.polls + 1) as f64;
            s.polls += 1;
            s.last_poll_ms = Some(run.finished_ms);
            s.last_error = run.error;
        }
    }
    for s in &sources {
        problems.extend(judge.source_problem(&s.source, s.success_rate, s.polls as u64));
    }

    let runs: Vec<SimulationStatus> = store
        .recent_simulations(rules.backlog_runs.max(1) as usize)
        .await?
        .into_iter()
        .map(|r| SimulationStatus {
            started_ms: r.started_ms,
            latency_seconds: r.latency_ms / 1000.0,
            target_seconds: simulation_target_seconds(cfg, r.iterations),
            iterations: r.iterations,
            trigger: r.trigger,
        })
        .collect();
    if runs.len() >= rules.backlog_runs.max(1) as usize
        && runs.iter().all(|r| r.latency_seconds > r.target_seconds)
    {
        problems.push(format!(
            "analytics backlog: the last {} simulations breached their latency target",
            runs.len()
        ));
    }

    let channels = store.outbox_channel_summary().await?;
    let silence_ms = (rules.delivery_silence_hours * 3_600_000.0) as i64;
    for c in &channels {
        if rules.delivery_error_burst > 0
            && c.pending_attempts >= u64::from(rules.delivery_error_burst)
        {
            problems.push(format!(
                "alert channel {}: {} failed attempts, {} notifications pending{}",
                c.channel,
                c.pending_attempts,
                c.pending,
                c.last_error
                    .as_deref()
                    .map(|e| format!(" (last error: {e})"))
                    .unwrap_or_default()
            ));
        } else if c
            .oldest_pending_ms
            .is_some_and(|t| silence_ms > 0 && now - t >= silence_ms)
        {
            problems.push(format!(
                "alert channel {}: notifications pending for over {:.1}h",
                c.channel, rules.delivery_silence_hours
            ));
        }
    }
    Ok(StatusReport {
        healthy: problems.is_empty(),
        problems,
        storage_path: store.describe(),
        checked_ms: now,
        stalled_after_seconds: stalled_after,
        freshness,
        sources,
        last_simulation: runs.into_iter().next(),
        outbox_pending: channels.iter().map(|c| c.pending).sum(),
        alert_channels: channels,
    })
}

pub fn render_text(r: &StatusReport) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "status: {}  (store {})",
        if r.healthy { "healthy" } else { "UNHEALTHY" },
        r.storage_path
    );
    for p in &r.problems {
        let _ = writeln!(o, "  ! {p}");
    }
    let _ = writeln!(
        o,
        "freshness (stalled after {:.0}s):",
        r.stalled_after_seconds
    );
    if r.freshness.is_empty() {
        let _ = writeln!(o, "  no quotes stored yet");
    }
    for f in &r.freshness {
        let _ = writeln!(
            o,
            "  {} {:<16} {:<10} {:>8.1}s",
            if f.stalled { "✗" } else { "✓" },
            f.book,
            f.market_group,
            f.age_seconds
        );
    }
    let _ = writeln!(o, "sources:");
    if r.sources.is_empty() {
        let _ = writeln!(o, "  no polls recorded yet");
    }
    for s in &r.sources {
        let _ = writeln!(
            o,
            "  {:<16} success {:>5.1}% over {} polls{}",
            s.source,
            s.success_rate * 100.0,
            s.polls,
            s.last_error
                .as_deref()
                .map(|e| format!("  last error: {e}"))
                .unwrap_or_default()
        );
    }
    match &r.last_simulation {
        Some(s) => {
            let _ = writeln!(
                o,
                "last simulation: {:.2}s for {} iterations (target {:.2}s, {})",
                s.latency_seconds, s.iterations, s.target_seconds, s.trigger
            );
        }
        None => {
            let _ = writeln!(o, "last simulation: none recorded");
        }
    }
    let _ = writeln!(o, "alert delivery (outbox pending: {}):", r.outbox_pending);
    if r.alert_channels.is_empty() {
        let _ = writeln!(o, "  no alerts sent yet");
    }
    for c in &r.alert_channels {
        let _ = writeln!(
            o,
            "  {:<12} delivered {:>5}  pending {:>4}{}",
            c.channel,
            c.delivered,
            c.pending,
            c.last_error
                .as_deref()
                .map(|e| format!("  last error: {e}"))
                .unwrap_or_default()
        );
    }
    o
}

pub fn run(g: &GlobalArgs, a: &StatusArgs) -> Outcome {
    let cfg = load_config(g)?.config;
    let json = a.format == OutputFormat::Json;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    let (result, where_) = rt.block_on(async {
        let store = match Store::open(&cfg, false).await {
            Ok((s, _)) => s,
            Err(e) => return (Err(e.to_string()), cfg.ingestion.storage_path.clone()),
        };
        let where_ = store.describe();
        if !store.exists() {
            let msg = format!("no store at {where_} (start `ingest` first or pass --storage)");
            return (Err(msg), where_);
        }
        (
            report_store(&cfg, &store, now_ms())
                .await
                .map_err(|e| e.to_string()),
            where_,
        )
    });
    let mut out = std::io::stdout().lock();
    use std::io::Write;
    match result {
        Ok(r) => {
            let text = if json {
                serde_json::to_string_pretty(&r).unwrap_or_default() + "\n"
            } else {
                render_text(&r)
            };
            let _ = out.write_all(text.as_bytes());
            if r.healthy {
                Ok(())
            } else {
                Err(Failure::Code(1))
            }
        }
        Err(e) => {
            if json {
                let v =
                    serde_json::json!({"healthy": false, "problems": [e], "storage_path": where_});
                let _ = writeln!(out, "{v}");
            } else {
                let _ = writeln!(out, "status: UNHEALTHY\n  ! {e}");
            }
            Err(Failure::Code(1))
        }
    }
}
