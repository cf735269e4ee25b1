//! Crash safety of the outbox: a child process enqueues alerts and starts delivering them to a
//! slow receiver; it is killed with SIGKILL mid-delivery. A restart delivers every alert, and
//! each arrives exactly once at the (idempotent) receiver: webhook by Idempotency-Key,
//! PagerDuty by dedup_key.
//!
//! The child is this test binary re-run with `ALERTS_CRASH_CHILD_DB` set.

#[path = "alerts_common/mod.rs"]
mod common;

use common::*;
use nflreadpy_betting::alerts::{AlertsEngine, DispatchOptions};
use nflreadpy_betting::store::{now_ms, StoreWriter};
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

const EDGES: usize = 12;

fn crash_config(dir: &std::path::Path, base: &str) -> nflreadpy_betting::config::Config {
    config_with_channels(
        dir,
        vec![
            webhook(format!("{base}/hook")),
            pagerduty(format!("{base}/pd"), "info"),
        ],
    )
}

/// The child: enqueue, announce, deliver until killed.
#[test]
fn crash_child_dispatcher() {
    let (Ok(dir), Ok(base)) = (
        std::env::var("ALERTS_CRASH_CHILD_DIR"),
        std::env::var("ALERTS_CRASH_CHILD_BASE"),
    ) else {
        return;
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let cfg = crash_config(std::path::Path::new(&dir), &base);
        let path = PathBuf::from(&cfg.ingestion.storage_path);
        let (writer, _thread) = StoreWriter::spawn(&path, 5000, 64).unwrap();
        let mut eng = AlertsEngine::new(
            &cfg,
            Some(nflreadpy_betting::store::Store::from_writer(
                &path, 5000, writer,
            )),
        )
        .unwrap();
        let now = now_ms();
        eng.observe_and_enqueue(&snapshot_with_edges(EDGES, now), now)
            .await
            .unwrap();
        println!("enqueued");
        let disp = eng
            .dispatcher(DispatchOptions::from_config(&cfg.alerts))
            .unwrap();
        let (_stop, stopped) = tokio::sync::watch::channel(false);
        disp.run(stopped).await;
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_delivery_then_restart_delivers_each_alert_exactly_once() {
    // A slow receiver, so the kill lands while requests are in flight.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let rx = http_receiver_on(listener, Duration::from_millis(150)).await;
    let base = format!("http://{}", rx.addr);
    let dir = tempfile::tempdir().unwrap();

    let exe = std::env::current_exe().unwrap();
    let mut child = Command::new(&exe)
        .args([
            "crash_child_dispatcher",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("ALERTS_CRASH_CHILD_DIR", dir.path())
        .env("ALERTS_CRASH_CHILD_BASE", &base)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let announced = tokio::task::spawn_blocking(move || {
        BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .any(|l| l.ends_with("enqueued"))
    })
    .await
    .unwrap();
    assert!(announced, "the child never enqueued");
    // Kill once a few deliveries reached the receiver, well before all 2 x EDGES did.
    assert!(
        wait_for(30.0, || rx.raw_count() >= 4).await,
        "the child delivered nothing"
    );
    child.kill().unwrap(); // SIGKILL
    let _ = child.wait();
    let before = rx.raw_count();
    assert!(
        before < 2 * EDGES,
        "the kill came too late to test anything ({before})"
    );

    // Restart: a fresh process state over the same store and the same receiver.
    let cfg = crash_config(dir.path(), &base);
    let path = PathBuf::from(&cfg.ingestion.storage_path);
    assert!(
        pending_rows(&path) > 0,
        "nothing left pending after the kill"
    );
    let (writer, thread) = StoreWriter::spawn(&path, 5000, 64).unwrap();
    let eng = AlertsEngine::new(
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
    assert!(
        wait_for(60.0, || pending_rows(&path) == 0).await,
        "pending rows were not picked up after the restart"
    );
    let _ = stop.send(true);
    let _ = task.await;
    drop((eng, writer));
    thread.join();

    let inbox = rx.inbox.lock().unwrap();
    let mut per_key: HashMap<String, usize> = HashMap::new();
    for r in &inbox.accepted {
        let key = match r.path.as_str() {
            "/hook" => format!("hook|{}", r.json()["notification"]["incident_key"]),
            _ => format!("pd|{}", r.json()["dedup_key"]),
        };
        *per_key.entry(key).or_default() += 1;
    }
    let hooks = per_key.keys().filter(|k| k.starts_with("hook|")).count();
    let pds = per_key.keys().filter(|k| k.starts_with("pd|")).count();
    assert_eq!(hooks, EDGES, "every alert reached the webhook");
    assert_eq!(pds, EDGES, "every alert reached PagerDuty");
    assert!(
        per_key.values().all(|n| *n == 1),
        "an alert was accepted twice: {per_key:?}"
    );
    // Retries after the crash re-sent at most the one request in flight per channel, with the
    // same idempotency key, which the receiver recognised.
    let dupes = inbox.raw.len() - inbox.accepted.len();
    assert!(dupes <= 2, "{dupes} duplicate requests");
    drop(inbox);
    rx.stop();
}
