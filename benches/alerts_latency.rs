//! Edge detected -> webhook received, on loopback, through the whole path: `observe` (rules),
//! the outbox insert through the store writer, the dispatcher, HTTP POST with HMAC signature,
//! and a real HTTP receiver. Prints p50/p99/max; no assertions (numbers go to BENCHMARKS.md).
//!
//!     cargo bench --bench alerts_latency

#[path = "../tests/alerts_common/mod.rs"]
mod common;

use common::*;
use nflreadpy_betting::alerts::{AlertsEngine, DispatchOptions};
use nflreadpy_betting::store::{now_ms, StoreWriter};
use std::path::PathBuf;
use std::time::Duration;

const ALERTS: usize = 500;

fn pct(sorted: &[i64], p: f64) -> i64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

async fn run(spacing: Duration, label: &str) {
    let rx = http_receiver().await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config_with_channels(dir.path(), vec![webhook(rx.url("/hook"))]);
    let path = PathBuf::from(&cfg.ingestion.storage_path);
    let (writer, thread) = StoreWriter::spawn(&path, 5000, 64).unwrap();
    let mut eng = AlertsEngine::new(
        &cfg,
        Some(nflreadpy_betting::store::Store::from_writer(
            &path,
            5000,
            writer.clone(),
        )),
    )
    .unwrap();
    let disp = eng
        .dispatcher(DispatchOptions::from_config(&cfg.alerts))
        .unwrap();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(disp.run(stopped));

    let started = std::time::Instant::now();
    if spacing.is_zero() {
        let now = now_ms();
        eng.observe_and_enqueue(&snapshot_with_edges(ALERTS, now), now)
            .await
            .unwrap();
    } else {
        // One more edge appears each tick: a new alert per observation.
        for i in 1..=ALERTS {
            let now = now_ms();
            eng.observe_and_enqueue(&snapshot_with_edges(i, now), now)
                .await
                .unwrap();
            tokio::time::sleep(spacing).await;
        }
    }
    assert!(wait_for(120.0, || rx.accepted("/hook").len() == ALERTS).await);
    let elapsed = started.elapsed();
    let mut lat: Vec<i64> = rx
        .accepted("/hook")
        .iter()
        .map(|r| r.at_ms - r.json()["notification"]["detected_ms"].as_i64().unwrap())
        .collect();
    lat.sort_unstable();
    println!(
        "{label:<34} n={} p50={} ms p99={} ms max={} ms (wall {:.2}s)",
        lat.len(),
        pct(&lat, 0.50),
        pct(&lat, 0.99),
        lat.last().unwrap(),
        elapsed.as_secs_f64()
    );
    let _ = stop.send(true);
    let _ = task.await;
    drop((eng, writer));
    thread.join();
    rx.stop();
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` passes nothing useful: run either way
    // only when asked for a bench run.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        run(Duration::from_millis(5), "spaced (one new edge every 5 ms)").await;
        run(Duration::ZERO, "burst (500 edges in one snapshot)").await;
    });
}
