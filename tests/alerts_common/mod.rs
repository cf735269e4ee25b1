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
    /// Whether the message came over the STARTTLS-upgraded connection.
    pub over_tls: bool,
    /// The decoded `AUTH` credentials of its session, as `user:password`.
    pub login: Option<String>,
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
    smtp_sink_with(None).await
}

/// The same sink offering STARTTLS with the test certificate in tests/fixtures/tls (issued for
/// 127.0.0.1 and localhost by the test CA in ca.pem), and AUTH PLAIN/LOGIN once encrypted, as
/// a submission relay does.
pub async fn smtp_sink_tls() -> SmtpSink {
    use tokio_rustls::rustls;
    use tokio_rustls::rustls::pki_types::pem::PemObject;
    use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tls");
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(dir.join("server.pem"))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let key = PrivateKeyDer::from_pem_file(dir.join("server.key")).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    smtp_sink_with(Some(tokio_rustls::TlsAcceptor::from(Arc::new(config)))).await
}

async fn smtp_sink_with(tls: Option<tokio_rustls::TlsAcceptor>) -> SmtpSink {
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
            let tls = tls.clone();
            tokio::spawn(async move {
                let mut plain = BufReader::new(sock);
                let _ = plain
                    .get_mut()
                    .write_all(b"220 localhost test SMTP sink\r\n")
                    .await;
                let offer = tls.is_some();
                if smtp_session(&mut plain, offer, false, &mails).await == Ended::StartTls {
                    let Some(acceptor) = tls else { return };
                    let Ok(stream) = acceptor.accept(plain.into_inner()).await else {
                        return;
                    };
                    smtp_session(&mut BufReader::new(stream), false, true, &mails).await;
                }
            });
        }
    });
    SmtpSink { addr, mails, task }
}

#[derive(PartialEq)]
enum Ended {
    Closed,
    StartTls,
}

/// One SMTP dialogue on a plain or TLS stream; returns when the client quits, hangs up or asks
/// for STARTTLS (the caller then upgrades the connection and starts a fresh dialogue).
async fn smtp_session<S>(
    r: &mut BufReader<S>,
    offer_starttls: bool,
    over_tls: bool,
    mails: &Mutex<Vec<Mail>>,
) -> Ended
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    let decode =
        |s: &str| String::from_utf8_lossy(&b64.decode(s.trim()).unwrap_or_default()).into_owned();
    let mut cur = Mail::default();
    let mut login: Option<String> = None;
    let mut line = String::new();
    macro_rules! next_line {
        () => {{
            line.clear();
            if r.read_line(&mut line).await.unwrap_or(0) == 0 {
                return Ended::Closed;
            }
            line.trim_end().to_string()
        }};
    }
    loop {
        let cmd = next_line!();
        let upper = cmd.to_ascii_uppercase();
        let reply: Vec<u8> = if upper.starts_with("EHLO") {
            let mut caps = String::from("250-localhost\r\n");
            if offer_starttls {
                caps.push_str("250-STARTTLS\r\n");
            }
            if over_tls {
                caps.push_str("250-AUTH PLAIN LOGIN\r\n");
            }
            caps.push_str("250 8BITMIME\r\n");
            caps.into_bytes()
        } else if upper.starts_with("HELO") {
            b"250 localhost\r\n".to_vec()
        } else if upper == "STARTTLS" && offer_starttls {
            let _ = r.get_mut().write_all(b"220 ready to start TLS\r\n").await;
            return Ended::StartTls;
        } else if upper.starts_with("AUTH PLAIN") && over_tls {
            let initial = cmd[10..].trim().to_string();
            let response = if initial.is_empty() {
                let _ = r.get_mut().write_all(b"334 \r\n").await;
                next_line!()
            } else {
                initial
            };
            // authzid NUL authcid NUL passwd
            let parts: Vec<String> = decode(&response).split('\0').map(str::to_string).collect();
            login = parts
                .get(1)
                .zip(parts.get(2))
                .map(|(u, p)| format!("{u}:{p}"));
            b"235 2.7.0 Authentication successful\r\n".to_vec()
        } else if upper.starts_with("AUTH LOGIN") && over_tls {
            let _ = r.get_mut().write_all(b"334 VXNlcm5hbWU6\r\n").await;
            let user = decode(&next_line!());
            let _ = r.get_mut().write_all(b"334 UGFzc3dvcmQ6\r\n").await;
            let pass = decode(&next_line!());
            login = Some(format!("{user}:{pass}"));
            b"235 2.7.0 Authentication successful\r\n".to_vec()
        } else if upper.starts_with("MAIL FROM:") {
            cur = Mail {
                from: cmd[10..].trim().to_string(),
                over_tls,
                login: login.clone(),
                ..Mail::default()
            };
            b"250 OK\r\n".to_vec()
        } else if upper.starts_with("RCPT TO:") {
            cur.to.push(cmd[8..].trim().to_string());
            b"250 OK\r\n".to_vec()
        } else if upper == "DATA" {
            let _ = r
                .get_mut()
                .write_all(b"354 end with <CRLF>.<CRLF>\r\n")
                .await;
            let mut data = String::new();
            loop {
                line.clear();
                if r.read_line(&mut line).await.unwrap_or(0) == 0 {
                    return Ended::Closed;
                }
                if line == ".\r\n" || line == ".\n" {
                    break;
                }
                data.push_str(line.strip_prefix('.').unwrap_or(&line));
            }
            cur.data = data;
            mails.lock().unwrap().push(std::mem::take(&mut cur));
            b"250 OK queued\r\n".to_vec()
        } else if upper == "QUIT" {
            let _ = r.get_mut().write_all(b"221 bye\r\n").await;
            return Ended::Closed;
        } else if upper == "RSET" || upper == "NOOP" {
            b"250 OK\r\n".to_vec()
        } else {
            b"502 not implemented\r\n".to_vec()
        };
        if r.get_mut().write_all(&reply).await.is_err() {
            return Ended::Closed;
        }
    }
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
        webhook_url: url.into(),
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
        ca_file: None,
        username: String::new(),
        password: Default::default(),
        from: "alerts@example.com".into(),
        to: vec!["oncall@example.com".into()],
        min_severity: "info".into(),
    })
}

/// A snapshot with `n` edges above the alert threshold, taken at `now`.
pub fn snapshot_with_edges(n: usize, now: i64) -> nflreadpy_betting::snapshot::Snapshot {
    use nflreadpy_betting::snapshot::{EdgeRow, Snapshot};
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
