//! Loopback receivers for the alert tests: one HTTP server (Slack, webhook, PagerDuty paths) and
//! a minimal SMTP sink. Everything binds 127.0.0.1 only.
#![allow(dead_code)]

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::Router;
use nflreadpy_betting::config::{
    ChannelConfig, Config, EmailChannel, PagerDutyChannel, SlackChannel, WebhookChannel,
};
use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

pub const WEBHOOK_SECRET: &str = "test-hmac-secret-5f2a";
pub const ROUTING_KEY: &str = "R0UTINGKEYsecret0000000000000000";

#[derive(Debug, Clone)]
pub struct Req {
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// For webhook requests: the receiver checked X-Signature against the body.
    pub signature_ok: Option<bool>,
    /// Wall-clock receipt time, ms since the epoch (latency = at_ms - detected_ms).
    pub at_ms: i64,
}

impl Req {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

#[derive(Default)]
pub struct Inbox {
    pub raw: Vec<Req>,
    /// Accepted once per idempotency key, as an idempotent receiver would.
    pub accepted: Vec<Req>,
    seen: HashSet<String>,
}

#[derive(Clone)]
struct Shared {
    inbox: Arc<Mutex<Inbox>>,
    delay: Duration,
}

pub struct HttpReceiver {
    pub addr: SocketAddr,
    pub inbox: Arc<Mutex<Inbox>>,
    task: tokio::task::JoinHandle<()>,
}

impl HttpReceiver {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }
    pub fn accepted(&self, path: &str) -> Vec<Req> {
        self.inbox
            .lock()
            .unwrap()
            .accepted
            .iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect()
    }
    pub fn raw_count(&self) -> usize {
        self.inbox.lock().unwrap().raw.len()
    }
    pub fn stop(self) {
        self.task.abort();
    }
}

fn verify(secret: &str, body: &[u8], sig: Option<&str>) -> bool {
    use hmac::{Hmac, Mac};
    let Some(hexsig) = sig.and_then(|s| s.strip_prefix("sha256=")) else {
        return false;
    };
    let Ok(bytes) = (0..hexsig.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hexsig.get(i..i + 2).unwrap_or("zz"), 16))
        .collect::<Result<Vec<u8>, _>>()
    else {
        return false;
    };
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    mac.verify_slice(&bytes).is_ok()
}

async fn handle(
    State(st): State<Shared>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    if !st.delay.is_zero() {
        tokio::time::sleep(st.delay).await;
    }
    let path = uri.path().to_string();
    let hv: Vec<(String, String)> = headers
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    let sig = headers.get("x-signature").and_then(|v| v.to_str().ok());
    let signature_ok = (path == "/hook").then(|| verify(WEBHOOK_SECRET, &body, sig));
    let req = Req {
        path: path.clone(),
        headers: hv,
        body: body.to_vec(),
        signature_ok,
        at_ms: nflreadpy_betting::store::now_ms(),
    };
    let key = match path.as_str() {
        "/hook" => req.header("idempotency-key").map(|s| format!("hook|{s}")),
        "/pd" => {
            let v = req.json();
            Some(format!(
                "pd|{}|{}",
                v["dedup_key"].as_str().unwrap_or(""),
                v["event_action"].as_str().unwrap_or("")
            ))
        }
        _ => None,
    };
    let mut inbox = st.inbox.lock().unwrap();
    inbox.raw.push(req.clone());
    if signature_ok == Some(false) {
        return (StatusCode::UNAUTHORIZED, "bad signature".into());
    }
    let fresh = match key {
        Some(k) => inbox.seen.insert(k),
        None => true,
    };
    if fresh {
        inbox.accepted.push(req);
    }
    if path == "/pd" {
        (StatusCode::ACCEPTED, r#"{"status":"success"}"#.into())
    } else {
        (StatusCode::OK, "ok".into())
    }
}

/// Serves `/slack`, `/hook` (HMAC checked with `WEBHOOK_SECRET`) and `/pd` on `listener`.
pub async fn http_receiver_on(listener: TcpListener, delay: Duration) -> HttpReceiver {
    let addr = listener.local_addr().unwrap();
    let inbox: Arc<Mutex<Inbox>> = Arc::default();
    let st = Shared {
        inbox: inbox.clone(),
        delay,
    };
    let app = Router::new().fallback(handle).with_state(st);
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    HttpReceiver { addr, inbox, task }
}

pub async fn http_receiver() -> HttpReceiver {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    http_receiver_on(l, Duration::ZERO).await
}

#[derive(Debug, Clone, Default)]
pub struct Mail {
    pub from: String,
    pub to: Vec<String>,
    pub data: String,
}

pub struct SmtpSink {
    pub addr: SocketAddr,
    pub mails: Arc<Mutex<Vec<Mail>>>,
    task: tokio::task::JoinHandle<()>,
}

impl SmtpSink {
    pub fn stop(self) {
        self.task.abort();
    }
}

/// A minimal SMTP server: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT. No TLS, no AUTH.
pub async fn smtp_sink() -> SmtpSink {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mails: Arc<Mutex<Vec<Mail>>> = Arc::default();
    let m2 = mails.clone();
    let task = tokio::spawn(async move {
        loop {
            let Ok((sock, _)) = listener.accept().await else {
                return;
            };
            let mails = m2.clone();
            tokio::spawn(async move {
                let (r, mut w) = sock.into_split();
                let mut r = BufReader::new(r);
                let _ = w.write_all(b"220 localhost test SMTP sink\r\n").await;
                let mut cur = Mail::default();
                let mut line = String::new();
                loop {
                    line.clear();
                    if r.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    let cmd = line.trim_end().to_string();
                    let upper = cmd.to_ascii_uppercase();
                    let reply: &[u8] = if upper.starts_with("EHLO") {
                        b"250-localhost\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"
                    } else if upper.starts_with("HELO") {
                        b"250 localhost\r\n"
                    } else if upper.starts_with("MAIL FROM:") {
                        cur = Mail::default();
                        cur.from = cmd[10..].trim().to_string();
                        b"250 OK\r\n"
                    } else if upper.starts_with("RCPT TO:") {
                        cur.to.push(cmd[8..].trim().to_string());
                        b"250 OK\r\n"
                    } else if upper == "DATA" {
                        let _ = w.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await;
                        let mut data = String::new();
                        loop {
                            line.clear();
                            if r.read_line(&mut line).await.unwrap_or(0) == 0 {
                                return;
                            }
                            if line == ".\r\n" || line == ".\n" {
                                break;
                            }
                            let l = line.strip_prefix('.').unwrap_or(&line);
                            data.push_str(l);
                        }
                        cur.data = data;
                        mails.lock().unwrap().push(std::mem::take(&mut cur));
                        b"250 OK queued\r\n"
                    } else if upper == "QUIT" {
                        let _ = w.write_all(b"221 bye\r\n").await;
                        return;
                    } else if upper == "RSET" || upper == "NOOP" {
                        b"250 OK\r\n"
                    } else {
                        b"502 not implemented\r\n"
                    };
                    if w.write_all(reply).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    SmtpSink { addr, mails, task }
}

/// A config whose store lives in `dir` and whose channels point at the loopback receivers.
pub fn config_with_channels(dir: &std::path::Path, channels: Vec<ChannelConfig>) -> Config {
    let mut cfg = Config::default();
    cfg.ingestion.storage_path = dir.join("store.sqlite3").display().to_string();
    cfg.alerts.channels = channels;
    cfg.alerts.digest_seconds = 0.0;
    cfg.alerts.retry_base_seconds = 0.05;
    cfg.alerts.retry_max_seconds = 0.2;
    cfg.alerts.send_timeout_seconds = 5.0;
    cfg
}

pub fn slack(url: String) -> ChannelConfig {
    ChannelConfig::Slack(SlackChannel {
        enabled: true,
        webhook_url: url,
        min_severity: "info".into(),
    })
}

pub fn webhook(url: String) -> ChannelConfig {
    ChannelConfig::Webhook(WebhookChannel {
        enabled: true,
        url,
        secret: WEBHOOK_SECRET.into(),
        headers: Default::default(),
        min_severity: "info".into(),
    })
}

pub fn pagerduty(url: String, min: &str) -> ChannelConfig {
    ChannelConfig::Pagerduty(PagerDutyChannel {
        enabled: true,
        routing_key: ROUTING_KEY.into(),
        events_url: url,
        min_severity: min.into(),
    })
}

pub fn email(addr: SocketAddr) -> ChannelConfig {
    ChannelConfig::Email(EmailChannel {
        enabled: true,
        smtp_host: addr.ip().to_string(),
        smtp_port: addr.port(),
        starttls: false,
        username: String::new(),
        password: String::new(),
        from: "alerts@example.com".into(),
        to: vec!["oncall@example.com".into()],
        min_severity: "info".into(),
    })
}

/// A snapshot with `n` edges above the alert threshold, taken at `now`.
pub fn snapshot_with_edges(n: usize, now: i64) -> nflreadpy_betting::engine::snapshot::Snapshot {
    use nflreadpy_betting::engine::snapshot::{EdgeRow, Snapshot};
    let edges = (0..n)
        .map(|i| EdgeRow {
            key: format!("ev{i}|spread|game|home|-3.5|book{}", i % 3),
            event_id: format!("ev{i}"),
            event: format!("BAL @ KC #{i}"),
            market: "spread".into(),
            scope: "game".into(),
            selection: "home".into(),
            line: Some(-3.5),
            book: format!("book{}", i % 3),
            american: 120,
            decimal: 2.2,
            ev: 0.05,
            ..Default::default()
        })
        .collect();
    Snapshot {
        taken_ms: now,
        edges,
        ..Default::default()
    }
}

/// Polls `cond` every 20 ms for up to `secs`.
pub async fn wait_for(secs: f64, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = std::time::Instant::now() + Duration::from_secs_f64(secs);
    while std::time::Instant::now() < deadline {
        if cond() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    cond()
}

/// Pending rows in the outbox.
pub fn pending_rows(path: &std::path::Path) -> i64 {
    let conn = nflreadpy_betting::store::open_for_reading(path, 5000).unwrap();
    conn.query_row(
        "SELECT COUNT(*) FROM alert_outbox WHERE state = 'pending'",
        [],
        |r| r.get(0),
    )
    .unwrap()
}
