//! Channel outage: the receiver is down, alerts queue in the outbox and the delivery-failure rule
//! fires; the receiver comes back, everything is delivered exactly once and the rule resolves.

#[path = "alerts_common/mod.rs"]
mod common;

use common::*;
use nflreadpy_betting::alerts::{AlertsEngine, DispatchOptions, EventKind};
use nflreadpy_betting::store::outbox;
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
    let mut eng = AlertsEngine::new(
        &cfg,
        Some(nflreadpy_betting::store::Store::from_writer(
            &path,
            5000,
            writer.clone(),
        )),
    )
    .unwrap();
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

/// Issue 13, item 2: 500 rows queued for a dead webhook used to fill every 200-row scan, so the
/// live channel never heard of a new alert. Now each channel is scanned on its own, held
/// channels are left out in SQL, and rows of a channel removed from the configuration expire
/// with the reason recorded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_dead_channel_never_starves_the_others() {
    let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = probe.local_addr().unwrap();
    drop(probe);
    let live = http_receiver().await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config_with_channels(
        dir.path(),
        vec![
            webhook(format!("http://{dead}/hook")),
            slack(live.url("/slack")),
        ],
    );
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
    let t0 = now_ms();
    eng.observe_and_enqueue(&snapshot_with_edges(1, t0), t0)
        .await
        .unwrap();
    // 500 more for the dead webhook, and 20 for a channel that is no longer configured.
    writer
        .write(move |c| {
            let payload: String = c.query_row(
                "SELECT payload FROM alert_outbox WHERE channel = 'webhook' LIMIT 1",
                [],
                |r| r.get(0),
            )?;
            let rows: Vec<outbox::NewRow> = (0..520)
                .map(|i| outbox::NewRow {
                    dedup_key: format!("queued-{i}:trigger"),
                    rule: "new_edge".into(),
                    severity: "info".into(),
                    channel: if i < 500 { "webhook" } else { "pagerduty-old" }.into(),
                    payload: payload.clone(),
                    created_ms: t0,
                    next_attempt_ms: t0,
                })
                .collect();
            outbox::enqueue(c, &rows)
        })
        .await
        .unwrap();
    let disp = eng
        .dispatcher(DispatchOptions::from_config(&cfg.alerts))
        .unwrap();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(disp.run(stopped));

    let slack_edges = || {
        live.accepted("/slack")
            .iter()
            .filter(|r| r.json().to_string().contains("BAL @ KC"))
            .count()
    };
    assert!(wait_for(30.0, || slack_edges() >= 1).await);
    // New alerts keep arriving at the live channel while the dead one holds 500.
    for round in 1..=3 {
        let t = now_ms();
        let snap = snapshot_with_edges(1 + round * 2, t);
        eng.observe_and_enqueue(&snap, t).await.unwrap();
        let want = 1 + round * 2;
        assert!(
            wait_for(30.0, || slack_edges() >= want).await,
            "round {round}: the live channel got {} of {want} alerts",
            slack_edges()
        );
    }
    let conn = nflreadpy_betting::store::open_for_reading(&path, 5000).unwrap();
    let dead_pending: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM alert_outbox WHERE channel = 'webhook' AND state = 'pending'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(dead_pending >= 500, "{dead_pending}");
    let (expired, reason): (i64, String) = conn
        .query_row(
            "SELECT COUNT(*), MAX(last_error) FROM alert_outbox WHERE channel = 'pagerduty-old' AND state = 'expired'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(expired, 20);
    assert!(reason.contains("no longer configured"), "{reason}");

    let _ = stop.send(true);
    let _ = task.await;
    drop((eng, writer));
    thread.join();
    live.stop();
}

/// Issue 13, item 6: `last_notified` kept one entry per condition ever notified, forever.
/// Entries past the cooldown decide nothing and are now forgotten.
#[test]
fn last_notified_is_pruned_past_the_cooldown() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config_with_channels(dir.path(), vec![]);
    cfg.alerts.cooldown_seconds = 60.0;
    let mut eng = AlertsEngine::new(&cfg, None).unwrap();
    let t0 = 1_700_000_000_000;
    for round in 0..20 {
        let t = t0 + round * 1000;
        let mut snap = snapshot_with_edges(50, t);
        for e in &mut snap.edges {
            e.key = format!("{}-{round}", e.key);
            e.event_id = format!("{}-{round}", e.event_id);
        }
        eng.observe(&snap, t);
    }
    assert!(eng.cooldowns_tracked() >= 50);
    let later = t0 + 20_000 + 61_000;
    eng.observe(&snapshot_with_edges(0, later), later);
    assert_eq!(eng.cooldowns_tracked(), 0);
}
