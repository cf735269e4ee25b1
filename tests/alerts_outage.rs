//! Channel outage: the receiver is down, alerts queue in the outbox and the delivery-failure rule
//! fires; the receiver comes back, everything is delivered exactly once and the rule resolves.

#[path = "alerts_common/mod.rs"]
mod common;

use common::*;
use nflreadpy_betting::alerts::{AlertsEngine, DispatchOptions, EventKind};
use nflreadpy_betting::store::{now_ms, StoreWriter};
use std::path::PathBuf;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outage_queues_alerts_fires_delivery_failure_then_delivers_each_once() {
    // Reserve a port, then leave it closed: the receiver is "down".
    let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = probe.local_addr().unwrap();
    drop(probe);
    let base = format!("http://{addr}");
    let dir = tempfile::tempdir().unwrap();
    let cfg = config_with_channels(
        dir.path(),
        vec![
            webhook(format!("{base}/hook")),
            pagerduty(format!("{base}/pd"), "info"),
        ],
    );
    let path = PathBuf::from(&cfg.ingestion.storage_path);
    let (writer, thread) = StoreWriter::spawn(&path, 5000, 64).unwrap();
    let mut eng = AlertsEngine::new(&cfg, Some(writer.clone())).unwrap();
    let stats = eng.stats();
    let disp = eng
        .dispatcher(DispatchOptions::from_config(&cfg.alerts))
        .unwrap();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(disp.run(stopped));

    let edges = 5;
    let t0 = now_ms();
    eng.observe_and_enqueue(&snapshot_with_edges(edges, t0), t0)
        .await
        .unwrap();
    assert_eq!(pending_rows(&path), 2 * edges as i64);

    // Let the channels fail repeatedly.
    let burst = cfg.alerts.rules.delivery_error_burst;
    assert!(
        wait_for(20.0, || stats
            .lock()
            .unwrap()
            .channels
            .values()
            .all(|c| c.consecutive_errors >= burst))
        .await,
        "channels never failed {burst} times"
    );
    let t1 = now_ms();
    let ev = eng
        .observe_and_enqueue(&snapshot_with_edges(edges, t1), t1)
        .await
        .unwrap();
    let failures: Vec<_> = ev
        .iter()
        .filter(|e| e.kind == EventKind::Fired && e.alert.rule == "alert_delivery_failure")
        .collect();
    assert_eq!(failures.len(), 2, "one per failing channel: {ev:?}");
    // Each failure notice is routed to the other channel, not down the failing one.
    for f in &failures {
        assert_eq!(f.channels.len(), 1, "{f:?}");
        assert!(!f.alert.message.contains(&f.channels[0]), "{f:?}");
    }
    let view = eng.view();
    assert!(view.channels.iter().all(|c| !c.ok && c.pending > 0));
    assert!(view.channels.iter().all(|c| c
        .last_error
        .as_deref()
        .is_some_and(|e| e.contains("connect"))));
    // Nothing was lost while down.
    assert_eq!(pending_rows(&path), 2 * edges as i64 + 2);

    // The receiver comes back on the same address.
    let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
    let rx = http_receiver_on(listener, Duration::ZERO).await;
    assert!(
        wait_for(20.0, || pending_rows(&path) == 0).await,
        "the outbox did not drain after the outage"
    );

    // The rule resolves once deliveries succeed, and its resolve is delivered too.
    let t2 = now_ms();
    let ev = eng
        .observe_and_enqueue(&snapshot_with_edges(edges, t2), t2)
        .await
        .unwrap();
    let resolved = ev
        .iter()
        .filter(|e| e.kind == EventKind::Resolved && e.alert.rule == "alert_delivery_failure")
        .count();
    assert_eq!(resolved, 2, "{ev:?}");
    assert!(wait_for(20.0, || pending_rows(&path) == 0).await);

    let (raw, accepted) = {
        let i = rx.inbox.lock().unwrap();
        (i.raw.clone(), i.accepted.clone())
    };
    // No duplicates at all: refused connections never reached the receiver.
    assert_eq!(raw.len(), accepted.len(), "duplicates delivered");
    let hook_edges = accepted
        .iter()
        .filter(|r| r.path == "/hook" && r.json()["notification"]["rule"] == "new_edge")
        .count();
    let pd_edges = accepted
        .iter()
        .filter(|r| r.path == "/pd" && r.json()["payload"]["component"] == "new_edge")
        .count();
    assert_eq!(hook_edges, edges);
    assert_eq!(pd_edges, edges);
    // The webhook's failure notice went to PagerDuty (trigger, then resolve on the same
    // dedup_key); PagerDuty's went to the webhook (trigger and resolve).
    let hook_notices: Vec<String> = accepted
        .iter()
        .filter(|r| {
            r.path == "/hook" && r.json()["notification"]["rule"] == "alert_delivery_failure"
        })
        .map(|r| {
            r.json()["notification"]["action"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(hook_notices, ["trigger", "resolve"]);
    let pd_trigger = accepted
        .iter()
        .find(|r| r.path == "/pd" && r.json()["payload"]["component"] == "alert_delivery_failure")
        .expect("PagerDuty heard the webhook's failure")
        .json();
    let pd_resolve = accepted
        .iter()
        .filter(|r| r.path == "/pd" && r.json()["event_action"] == "resolve")
        .filter(|r| r.json()["dedup_key"] == pd_trigger["dedup_key"])
        .count();
    assert_eq!(pd_resolve, 1);

    let _ = stop.send(true);
    let _ = task.await;
    drop((eng, writer));
    thread.join();
    rx.stop();
}
