//! The engine core on the real replay feed and a real SQLite file: snapshots out, commands in.

use nflreadpy_betting::config::{Config, SourceConfig};
use nflreadpy_betting::engine::{Engine, EngineOptions, Mode};
use nflreadpy_betting::snapshot::{Command, Reply};
use std::time::Duration;

fn config(dir: &std::path::Path) -> Config {
    let mut cfg = Config::default();
    cfg.ingestion.storage_path = dir.join("engine.sqlite3").display().to_string();
    cfg.ingestion.scheduler.interval_seconds = 0.2;
    cfg.ingestion.scheduler.jitter_seconds = 0.0;
    for s in &mut cfg.sources {
        if let SourceConfig::Replay(r) = s {
            r.games_path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/games.csv").into();
        }
    }
    cfg
}

async fn wait_for<F: Fn(&nflreadpy_betting::snapshot::Snapshot) -> bool>(
    h: &nflreadpy_betting::engine::EngineHandle,
    f: F,
) -> bool {
    let mut rx = h.subscribe();
    for _ in 0..100 {
        if f(&rx.borrow()) {
            return true;
        }
        let _ = tokio::time::timeout(Duration::from_millis(200), rx.changed()).await;
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_engine_publishes_replay_data_and_obeys_commands() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path());
    let opts = EngineOptions::new(Mode::Live, 0.1, 1000);
    let (handle, engine) = Engine::start(cfg.clone(), opts).unwrap();
    assert!(
        wait_for(&handle, |s| s.ingest.quotes_latest > 1000
            && !s.events.is_empty())
        .await,
        "no data"
    );
    let snap = handle.latest();
    assert_eq!(snap.meta.mode, "live");
    assert!(snap
        .ingest
        .sources
        .iter()
        .any(|s| s.name == "replay" && s.polls_ok > 0));
    assert!(snap.ingest.freshness.iter().any(|f| f.book == "pinnacle"));

    assert_eq!(
        handle.send(Command::Pause).await,
        Reply::Done("ingestion paused".into())
    );
    assert!(wait_for(&handle, |s| s.ingest.paused).await);
    let polls = |s: &nflreadpy_betting::snapshot::Snapshot| s.ingest.sources[0].polls_total;
    // While paused no scheduled poll runs; "ingest now" still polls once.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = polls(&handle.latest());
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(polls(&handle.latest()) <= before + 1, "polled while paused");
    assert!(matches!(
        handle.send(Command::IngestNow).await,
        Reply::Done(_)
    ));
    assert!(wait_for(&handle, |s| polls(s) > before).await);
    assert!(matches!(handle.send(Command::Resume).await, Reply::Done(_)));

    // A second process attaches read-only to the same store.
    let attach = EngineOptions::new(Mode::Attach, 0.1, 1000);
    let (ro, ro_engine) = Engine::start(cfg, attach).unwrap();
    assert!(
        wait_for(&ro, |s| s.ingest.quotes_latest > 1000
            && s.ingest.sources.iter().any(|x| x.polls_ok > 0))
        .await
    );
    assert!(ro.latest().meta.read_only);
    assert!(matches!(ro.send(Command::Pause).await, Reply::Error(_)));
    ro_engine.shutdown().await;
    engine.shutdown().await;

    // The live engine samples its metrics into the store; the attached one never writes.
    let db = rusqlite::Connection::open(dir.path().join("engine.sqlite3")).unwrap();
    let samples: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM metrics_samples WHERE name = 'ingestion.success_rate' \
             AND json_extract(labels, '$.source') = 'replay'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(samples >= 1, "no ingestion samples stored");
}

#[tokio::test]
async fn attach_without_a_store_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path());
    let err = Engine::start(cfg, EngineOptions::new(Mode::Attach, 1.0, 1))
        .err()
        .unwrap();
    assert!(err.to_string().contains("does not exist"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pricing_runs_and_detail_carries_history_and_the_model_distribution() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path());
    cfg.analytics.ratings.games_path =
        concat!(env!("CARGO_MANIFEST_DIR"), "/data/games.csv").into();
    cfg.analytics.value_threshold = 0.0;
    let (handle, engine) = Engine::start(cfg, EngineOptions::new(Mode::Live, 0.1, 2000)).unwrap();
    assert!(
        wait_for(&handle, |s| !s.simulations.is_empty()
            && !s.edges.is_empty())
        .await,
        "no pricing pass"
    );
    let snap = handle.latest();
    let run = snap.simulations.last().unwrap();
    assert_eq!(run.iterations, 2000);
    assert!(run.events >= 13);
    let edge = &snap.edges[0];
    match handle
        .send(Command::Detail {
            key: edge.key.clone(),
        })
        .await
    {
        Reply::Detail(d) => {
            assert!(!d.history.is_empty());
            assert!(
                !d.margin_distribution.is_empty(),
                "no model distribution for {}",
                edge.key
            );
            let total: f64 = d.margin_distribution.iter().map(|(_, p)| p).sum();
            assert!((total - 1.0).abs() < 1e-6);
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(handle.send(Command::Scan).await, Reply::Done(_)));
    let path = dir.path().join("x.json");
    let reply = handle
        .send(Command::Export {
            format: nflreadpy_betting::snapshot::ExportFormat::Json,
            path: Some(path.clone()),
        })
        .await;
    assert!(matches!(reply, Reply::Done(_)), "{reply:?}");
    assert!(path.exists());
    engine.shutdown().await;
}

/// Issue 13, item 8: DashboardStale's "health checks fail repeatedly" half could never fire
/// (`health_check_ok` was always `None`). The engine's health check is now the store read of
/// each refresh: a store that stops answering raises the alert.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_stale_fires_when_health_checks_fail() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path());
    cfg.alerts.rules.dashboard_stale_checks = 3;
    let db = std::path::PathBuf::from(&cfg.ingestion.storage_path);
    drop(nflreadpy_betting::store::open_for_writing(&db, 5000).unwrap());
    let (handle, engine) = Engine::start(cfg, EngineOptions::new(Mode::Attach, 0.1, 1000)).unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!handle
        .latest()
        .alerts
        .alerts
        .iter()
        .any(|a| a.rule == "dashboard_stale"));
    // The store goes away under the running engine.
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    assert!(
        wait_for(&handle, |s| s.alerts.alerts.iter().any(|a| a.rule
            == "dashboard_stale"
            && a.message.contains("health checks")))
        .await,
        "{:?}",
        handle.latest().alerts
    );
    engine.shutdown().await;
}
