//! Real deliveries to loopback receivers: Slack, the signed webhook, PagerDuty (trigger,
//! acknowledge and resolve) over HTTP, email through a small SMTP sink, and the headless terminal line.

#[path = "alerts_common/mod.rs"]
mod common;

use common::*;
use nflreadpy_betting::alerts::channels::TerminalOutput;
use nflreadpy_betting::alerts::{send_test_alert, AlertsEngine, DispatchOptions};
use nflreadpy_betting::config::{ChannelConfig, DesktopChannel, TerminalChannel};
use nflreadpy_betting::store::{self, now_ms, StoreWriter};
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

#[derive(Clone, Default)]
struct Buf(Arc<Mutex<Vec<u8>>>);
impl Write for Buf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_channel_delivers_triggers_and_resolves_to_loopback_receivers() {
    let rx = http_receiver().await;
    let smtp = smtp_sink().await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config_with_channels(
        dir.path(),
        vec![
            slack(rx.url("/slack")),
            webhook(rx.url("/hook")),
            pagerduty(rx.url("/pd"), "info"),
            email(smtp.addr),
            ChannelConfig::Terminal(TerminalChannel::default()),
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
    let term = Buf::default();
    let disp = eng
        .dispatcher(DispatchOptions::from_config(&cfg.alerts))
        .unwrap()
        .with_terminal_output(TerminalOutput::json_lines(Box::new(term.clone())));
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(disp.run(stopped));

    let now = now_ms();
    let ev = eng
        .observe_and_enqueue(&snapshot_with_edges(1, now), now)
        .await
        .unwrap();
    assert_eq!(ev.len(), 1);
    assert!(
        wait_for(15.0, || rx.accepted("/slack").len() == 1
            && rx.accepted("/hook").len() == 1
            && rx.accepted("/pd").len() == 1
            && smtp.mails.lock().unwrap().len() == 1)
        .await,
        "not every channel received the alert"
    );

    let s = &rx.accepted("/slack")[0].json();
    assert!(s["text"].as_str().unwrap().contains("New edge"), "{s}");
    assert!(s["blocks"].as_array().is_some_and(|b| !b.is_empty()));

    let h = &rx.accepted("/hook")[0];
    assert_eq!(
        h.signature_ok,
        Some(true),
        "HMAC signature verified by the receiver"
    );
    let hook_key = h.header("idempotency-key").unwrap().to_string();
    assert!(!hook_key.is_empty());
    assert_eq!(h.json()["notification"]["rule"], "new_edge");

    let p = rx.accepted("/pd")[0].json();
    assert_eq!(p["routing_key"], ROUTING_KEY);
    assert_eq!(p["event_action"], "trigger");
    assert_eq!(p["payload"]["severity"], "info");
    let dedup = p["dedup_key"].as_str().unwrap().to_string();

    let mail = smtp.mails.lock().unwrap()[0].clone();
    assert!(mail.from.contains("alerts@example.com"));
    assert!(mail.to[0].contains("oncall@example.com"));
    assert!(
        mail.data.contains("Subject: [INFO] New edge"),
        "{}",
        mail.data
    );
    assert!(mail.data.contains("BAL @ KC #0"), "{}", mail.data);

    // Someone acks it: PagerDuty and the webhook hear it; people are not messaged again, and a
    // second ack sends nothing more.
    let id = ev[0].alert.id;
    let acked = now_ms();
    assert_eq!(eng.ack(id, acked).unwrap().state, "acked");
    assert_eq!(eng.enqueue().await.unwrap(), 2);
    eng.ack(id, acked).unwrap();
    assert_eq!(eng.enqueue().await.unwrap(), 0);
    assert!(
        wait_for(15.0, || rx.accepted("/pd").len() == 2
            && rx.accepted("/hook").len() == 2)
        .await,
        "acknowledge not delivered"
    );
    let a = rx.accepted("/pd")[1].json();
    assert_eq!(a["event_action"], "acknowledge");
    assert_eq!(a["dedup_key"], dedup);
    let h = rx.accepted("/hook")[1].json();
    assert_eq!(h["notification"]["action"], "acknowledge");
    assert!(h["subject"].as_str().unwrap().starts_with("[ACKNOWLEDGED]"));
    assert_eq!(rx.accepted("/slack").len(), 1);
    assert_eq!(smtp.mails.lock().unwrap().len(), 1);

    // The edge disappears: every channel hears the resolve; PagerDuty with the same dedup_key.
    let later = now_ms();
    let ev = eng
        .observe_and_enqueue(&snapshot_with_edges(0, later), later)
        .await
        .unwrap();
    assert_eq!(ev.len(), 1);
    assert!(
        wait_for(15.0, || rx.accepted("/pd").len() == 3
            && rx.accepted("/hook").len() == 3
            && rx.accepted("/slack").len() == 2
            && smtp.mails.lock().unwrap().len() == 2)
        .await
    );
    let r = rx.accepted("/pd")[2].json();
    assert_eq!(r["event_action"], "resolve");
    assert_eq!(r["dedup_key"], dedup);
    assert!(rx.accepted("/slack")[1].json()["text"]
        .as_str()
        .unwrap()
        .contains("[RESOLVED]"));
    assert_ne!(
        rx.accepted("/hook")[2].header("idempotency-key").unwrap(),
        hook_key
    );

    // Headless terminal: one JSON line per notification.
    let out = String::from_utf8(term.0.lock().unwrap().clone()).unwrap();
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert_eq!(lines[0]["type"], "alert");
    assert_eq!(lines[1]["action"], "resolve");

    // The view and the table agree: nothing pending, delivered everywhere.
    eng.observe(&snapshot_with_edges(0, now_ms()), now_ms());
    let view = eng.view();
    assert!(view.channels.iter().all(|c| c.ok && c.pending == 0));
    assert_eq!(pending_rows(&path), 0);
    // Secrets never reach the store.
    let conn = store::open_for_reading(&path, 5000).unwrap();
    let dump: String = conn
        .query_row(
            "SELECT group_concat(payload || coalesce(last_error, ''), ' ') FROM alert_outbox",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(!dump.contains(WEBHOOK_SECRET) && !dump.contains(ROUTING_KEY));

    let _ = stop.send(true);
    let _ = task.await;
    drop((eng, writer));
    thread.join();
    rx.stop();
    smtp.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_alert_reports_each_channel_and_errors_stay_secret_free() {
    let rx = http_receiver().await;
    // A port with nobody listening, and a Slack URL whose path is the secret.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_addr = dead.local_addr().unwrap();
    drop(dead);
    let secret_url = format!("http://{dead_addr}/services/T000/B000/SUPERSECRETTOKEN");
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config_with_channels(
        dir.path(),
        vec![
            webhook(rx.url("/hook")),
            slack(secret_url),
            pagerduty(rx.url("/pd"), "critical"),
        ],
    );
    cfg.alerts
        .channels
        .push(ChannelConfig::Desktop(DesktopChannel {
            enabled: true,
            min_severity: "info".into(),
        }));
    let path = PathBuf::from(&cfg.ingestion.storage_path);
    let (writer, thread) = StoreWriter::spawn(&path, 5000, 64).unwrap();
    let results = send_test_alert(
        &cfg,
        &nflreadpy_betting::store::Store::from_writer(&path, 5000, writer.clone()),
    )
    .await;
    let names: Vec<&str> = results.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["webhook", "slack", "pagerduty", "desktop"]);
    assert!(results[0].1.is_ok(), "{:?}", results[0]);
    assert!(
        results[2].1.is_ok(),
        "test alerts reach every channel whatever its min_severity"
    );
    let err = results[1].1.as_ref().unwrap_err();
    assert!(!err.contains("SUPERSECRETTOKEN"), "secret leaked: {err}");
    assert!(err.contains("connect"), "{err}");
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
        let e = results[3].1.as_ref().unwrap_err();
        assert!(e.starts_with("skipped: no desktop session"), "{e}");
    }
    assert_eq!(
        rx.accepted("/hook")[0].json()["notification"]["rule"],
        "test"
    );
    drop(writer);
    thread.join();
    // Test alerts are settled, not left for the dispatcher to retry.
    assert_eq!(pending_rows(&path), 0);
    let conn = store::open_for_reading(&path, 5000).unwrap();
    let errs: String = conn
        .query_row(
            "SELECT group_concat(coalesce(last_error, ''), ' ') FROM alert_outbox",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(!errs.contains("SUPERSECRETTOKEN"), "{errs}");
    rx.stop();
}

/// Email through a relay that requires STARTTLS with a certificate from a private CA: trusted
/// through `ca_file`, the login goes over TLS only; without the CA, or to a relay that offers no
/// STARTTLS, nothing is sent in plain text and the error says why without the password.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_uses_starttls_with_a_private_ca_and_logs_in_over_tls_only() {
    const PASSWORD: &str = "smtp-pa55word-secret";
    let tls_sink = smtp_sink_tls().await;
    let plain_sink = smtp_sink().await;
    let ca = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tls/ca.pem");
    let channel = |addr: std::net::SocketAddr, ca_file: Option<&std::path::Path>| {
        let ChannelConfig::Email(mut e) = email(addr) else {
            unreachable!()
        };
        e.starttls = true;
        e.ca_file = ca_file.map(|p| p.display().to_string());
        e.username = "alerts-bot".into();
        e.password = PASSWORD.into();
        ChannelConfig::Email(e)
    };
    let dir = tempfile::tempdir().unwrap();
    let cfg = config_with_channels(
        dir.path(),
        vec![
            channel(tls_sink.addr, Some(&ca)),
            channel(tls_sink.addr, None),
            channel(plain_sink.addr, Some(&ca)),
        ],
    );
    let path = PathBuf::from(&cfg.ingestion.storage_path);
    let (writer, thread) = StoreWriter::spawn(&path, 5000, 64).unwrap();
    let results = send_test_alert(
        &cfg,
        &nflreadpy_betting::store::Store::from_writer(&path, 5000, writer.clone()),
    )
    .await;
    drop(writer);
    thread.join();

    assert!(results[0].1.is_ok(), "{:?}", results[0]);
    let mails = tls_sink.mails.lock().unwrap().clone();
    assert_eq!(mails.len(), 1, "only the trusted connection delivers");
    assert!(mails[0].over_tls);
    assert_eq!(
        mails[0].login.as_deref(),
        Some("alerts-bot:smtp-pa55word-secret")
    );
    assert!(
        mails[0].data.contains("Subject: [INFO] Test alert"),
        "{}",
        mails[0].data
    );

    let untrusted = results[1].1.as_ref().unwrap_err();
    assert!(
        untrusted.to_lowercase().contains("certificate"),
        "{untrusted}"
    );
    let no_starttls = results[2].1.as_ref().unwrap_err();
    assert!(
        plain_sink.mails.lock().unwrap().is_empty(),
        "sent in plain text"
    );
    for e in [untrusted, no_starttls] {
        assert!(!e.contains(PASSWORD), "password leaked: {e}");
    }
    tls_sink.stop();
    plain_sink.stop();
}
