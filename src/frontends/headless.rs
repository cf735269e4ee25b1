//! `dashboard --headless`: one line per refresh on stdout — a text summary, or with
//! `--log-format json` one JSON object (the serialized `Snapshot` plus the figures the panes
//! derive from it) — until `--cycles`, `--duration` or SIGINT/SIGTERM. The result says whether
//! the health targets held, so monitors can use the exit code.

use crate::engine::EngineHandle;
use crate::ingest::breaker::BreakerState;
use crate::snapshot::Snapshot;
use serde::Serialize;
use std::future::Future;
use std::io::Write;
use std::time::Duration;

pub use crate::duration::parse_duration;

#[derive(Debug, Clone, PartialEq)]
pub struct HeadlessOptions {
    /// Seconds between lines.
    pub refresh_seconds: f64,
    /// JSON lines instead of text.
    pub json: bool,
    /// Stop after this many lines.
    pub cycles: Option<u64>,
    /// Stop after this long (see `parse_duration` for `30s`, `5m`, `1h`).
    pub duration: Option<Duration>,
}

impl Default for HeadlessOptions {
    fn default() -> Self {
        HeadlessOptions {
            refresh_seconds: 1.0,
            json: false,
            cycles: None,
            duration: None,
        }
    }
}

/// Figures the panes compute from a snapshot, for scripts that want them ready-made.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Derived {
    pub health_ok: bool,
    pub snapshot_age_seconds: f64,
    pub edge_count: usize,
    pub best_ev: Option<f64>,
    pub max_quote_age_seconds: Option<f64>,
    /// Books with a market group older than `stalled_after_seconds`.
    pub stalled_books: Vec<String>,
    pub open_breakers: Vec<String>,
    pub min_success_rate: Option<f64>,
    pub last_simulation_ms: Option<f64>,
    pub last_simulation_target_ms: Option<f64>,
    pub simulations_over_target: usize,
    pub alerts_firing: usize,
    pub alerts_acked: usize,
    pub channels_failing: Vec<String>,
}

impl Derived {
    pub fn of(s: &Snapshot, now_ms: i64) -> Derived {
        let drift = (now_ms - s.taken_ms).max(0) as f64 / 1000.0;
        let mut stalled: Vec<String> = s
            .ingest
            .freshness
            .iter()
            .filter(|f| f.age_seconds + drift > s.ingest.stalled_after_seconds)
            .map(|f| f.book.clone())
            .collect();
        stalled.dedup();
        let last = s.simulations.last();
        Derived {
            health_ok: s.health.ok,
            snapshot_age_seconds: drift,
            edge_count: s.edges.len(),
            best_ev: s.edges.iter().map(|e| e.ev).reduce(f64::max),
            max_quote_age_seconds: s
                .ingest
                .freshness
                .iter()
                .map(|f| f.age_seconds + drift)
                .reduce(f64::max),
            stalled_books: stalled,
            open_breakers: s
                .ingest
                .sources
                .iter()
                .filter(|x| x.breaker == BreakerState::Open)
                .map(|x| x.name.clone())
                .collect(),
            min_success_rate: s
                .ingest
                .sources
                .iter()
                .map(|x| x.success_rate)
                .reduce(f64::min),
            last_simulation_ms: last.map(|r| r.latency_ms),
            last_simulation_target_ms: last.map(|r| r.target_ms),
            simulations_over_target: s
                .simulations
                .iter()
                .filter(|r| r.latency_ms > r.target_ms)
                .count(),
            alerts_firing: s
                .alerts
                .alerts
                .iter()
                .filter(|a| a.state == "firing")
                .count(),
            alerts_acked: s
                .alerts
                .alerts
                .iter()
                .filter(|a| a.state == "acked")
                .count(),
            channels_failing: s
                .alerts
                .channels
                .iter()
                .filter(|c| !c.ok)
                .map(|c| c.channel.clone())
                .collect(),
        }
    }
}

#[derive(Serialize)]
struct JsonLine<'a> {
    #[serde(flatten)]
    snapshot: &'a Snapshot,
    derived: Derived,
}

/// One output line (without the newline).
pub fn render_line(s: &Snapshot, now_ms: i64, json: bool) -> anyhow::Result<String> {
    let d = Derived::of(s, now_ms);
    if json {
        return Ok(serde_json::to_string(&JsonLine {
            snapshot: s,
            derived: d,
        })?);
    }
    let ts = chrono::DateTime::<chrono::Utc>::from_timestamp_millis(now_ms)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default();
    let state = if s.ingest.paused {
        "paused"
    } else if s.meta.mode.is_empty() {
        "live"
    } else {
        &s.meta.mode
    };
    let pct = |v: f64| format!("{:+.1}%", v * 100.0);
    let mut parts = vec![
        ts,
        format!("v{}", s.version),
        state.to_string(),
        format!("health={}", if d.health_ok { "ok" } else { "FAIL" }),
        format!("edges={}", d.edge_count),
    ];
    if let Some(best) = s.edges.iter().max_by(|a, b| a.ev.total_cmp(&b.ev)) {
        parts.push(format!(
            "best={} {}@{}",
            pct(best.ev),
            best.selection.replace(' ', "_"),
            best.book
        ));
    }
    if let Some(age) = d.max_quote_age_seconds {
        parts.push(format!("max_quote_age={age:.0}s"));
    }
    if !d.stalled_books.is_empty() {
        parts.push(format!("stalled={}", d.stalled_books.join(",")));
    }
    if !d.open_breakers.is_empty() {
        parts.push(format!("breakers_open={}", d.open_breakers.join(",")));
    }
    if let (Some(ms), Some(t)) = (d.last_simulation_ms, d.last_simulation_target_ms) {
        parts.push(format!("sim={:.2}s/{:.2}s", ms / 1000.0, t / 1000.0));
    }
    parts.push(format!("alerts_firing={}", d.alerts_firing));
    let b = &s.bets;
    if b.open + b.settled > 0 {
        parts.push(format!("bets_open={} bets_settled={}", b.open, b.settled));
        if b.settled > 0 {
            parts.push(format!("pnl={:+.2}", b.pnl));
        }
        if let Some(c) = b.clv_mean {
            parts.push(format!("clv={:+.2}pts/{}", c * 100.0, b.clv_n));
        }
    }
    if !d.channels_failing.is_empty() {
        parts.push(format!("channels_failing={}", d.channels_failing.join(",")));
    }
    let mut line = parts.join(" ");
    if !s.health.problems.is_empty() {
        line.push_str(" | ");
        line.push_str(&s.health.problems.join("; "));
    }
    Ok(line)
}

/// Prints to stdout until a stop condition or SIGINT/SIGTERM; returns whether the health targets
/// held in the last snapshot printed.
pub async fn run(handle: EngineHandle, opts: HeadlessOptions) -> anyhow::Result<bool> {
    let stdout = std::io::stdout();
    run_with(handle, opts, stdout.lock(), shutdown_signal(), || {
        chrono::Utc::now().timestamp_millis()
    })
    .await
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// The loop behind `run`, with the output, the stop signal and the clock supplied by the caller.
pub async fn run_with<W: Write>(
    handle: EngineHandle,
    opts: HeadlessOptions,
    mut out: W,
    stop: impl Future<Output = ()>,
    clock: impl Fn() -> i64,
) -> anyhow::Result<bool> {
    let period = crate::duration::secs_clamped(
        opts.refresh_seconds,
        crate::duration::MIN_REFRESH,
        crate::duration::MAX_REFRESH,
    );
    let mut tick = tokio::time::interval(period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let deadline = opts.duration.map(|d| tokio::time::Instant::now() + d);
    let until = async {
        match deadline {
            Some(d) => tokio::time::sleep_until(d).await,
            None => std::future::pending().await,
        }
    };
    tokio::pin!(stop, until);
    let mut printed = 0u64;
    let mut ok = handle.latest().health.ok;
    loop {
        if opts.cycles.is_some_and(|n| printed >= n) {
            break;
        }
        tokio::select! {
            biased;
            _ = &mut stop => break,
            _ = &mut until => break,
            _ = tick.tick() => {}
        }
        let snap = handle.latest();
        writeln!(out, "{}", render_line(&snap, clock(), opts.json)?)?;
        out.flush()?;
        ok = snap.health.ok;
        printed += 1;
    }
    Ok(ok)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::fixture;

    fn healthy() -> Snapshot {
        let mut s = fixture::snapshot();
        s.health.ok = true;
        s.health.problems.clear();
        s
    }

    #[tokio::test(start_paused = true)]
    async fn stops_after_cycles_and_reports_health() {
        let (handle, _engine) = EngineHandle::channel(healthy(), true);
        let opts = HeadlessOptions {
            refresh_seconds: 1.0,
            cycles: Some(3),
            ..Default::default()
        };
        let mut out = Vec::new();
        let ok = run_with(handle, opts, &mut out, std::future::pending(), || {
            fixture::NOW_MS
        })
        .await
        .unwrap();
        assert!(ok);
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text.lines().count(), 3);
        let first = text.lines().next().unwrap();
        assert!(
            first.starts_with("2025-11-09T18:05:00Z v7 live health=ok edges=50 best=+"),
            "{first}"
        );
        assert!(
            first.contains("stalled=betmgm") && first.contains("breakers_open=betmgm"),
            "{first}"
        );
        assert!(first.contains("channels_failing=pagerduty"), "{first}");
    }

    #[tokio::test(start_paused = true)]
    async fn json_lines_carry_the_snapshot_and_derived_figures_and_fail_health() {
        let (handle, _engine) = EngineHandle::channel(fixture::snapshot(), true);
        let opts = HeadlessOptions {
            refresh_seconds: 0.5,
            json: true,
            cycles: Some(2),
            ..Default::default()
        };
        let mut out = Vec::new();
        let ok = run_with(handle, opts, &mut out, std::future::pending(), || {
            fixture::NOW_MS + 2_000
        })
        .await
        .unwrap();
        assert!(!ok, "the fixture's health problems make the run fail");
        let text = String::from_utf8(out).unwrap();
        for line in text.lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            assert_eq!(v["version"], 7);
            assert_eq!(v["edges"].as_array().unwrap().len(), 50);
            assert_eq!(v["derived"]["edge_count"], 50);
            assert_eq!(v["derived"]["snapshot_age_seconds"], 2.0);
            assert_eq!(v["derived"]["open_breakers"], serde_json::json!(["betmgm"]));
            assert_eq!(v["derived"]["alerts_firing"], 2);
            assert_eq!(v["derived"]["health_ok"], false);
        }
        assert_eq!(text.lines().count(), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn stops_at_the_duration_or_on_the_stop_signal() {
        let (handle, _engine) = EngineHandle::channel(healthy(), true);
        let opts = HeadlessOptions {
            refresh_seconds: 1.0,
            duration: Some(parse_duration("5s").unwrap()),
            ..Default::default()
        };
        let mut out = Vec::new();
        run_with(
            handle.clone(),
            opts,
            &mut out,
            std::future::pending(),
            || fixture::NOW_MS,
        )
        .await
        .unwrap();
        let n = String::from_utf8(out).unwrap().lines().count();
        assert!(
            (5..=6).contains(&n),
            "ticks at 0..=4 s (and maybe 5 s): {n}"
        );

        let mut out = Vec::new();
        let stop = tokio::time::sleep(Duration::from_millis(2500));
        run_with(handle, HeadlessOptions::default(), &mut out, stop, || {
            fixture::NOW_MS
        })
        .await
        .unwrap();
        assert_eq!(String::from_utf8(out).unwrap().lines().count(), 3);
    }

    #[test]
    fn follows_newer_snapshots() {
        let s = fixture::snapshot();
        let line = render_line(&s, fixture::NOW_MS, false).unwrap();
        assert!(
            line.contains("health=FAIL") && line.contains("| betmgm quotes 142s old"),
            "{line}"
        );
        // The ledger's totals: 3 open, 3 settled, -1.61, mean CLV 0.60 points over 5 bets.
        assert!(
            line.contains("bets_open=3 bets_settled=3 pnl=-1.61 clv=+0.60pts/5"),
            "{line}"
        );
        let json = render_line(&s, fixture::NOW_MS, true).unwrap();
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["bets"]["open"], 3);
        assert!(v["bets"].get("rows").is_none(), "rows stay in the TUI");
    }
}
