//! Test helpers shared by the ingestion tests: a scriptable loopback HTTP/1.1 server and a
//! temp-dir store.
//!
//! The server is a few dozen lines over tokio's `TcpListener` rather than a web framework: the
//! fault tests need exact control of what goes on the wire (a body cut short, a reply that never
//! comes, arbitrary status lines), and it costs no extra build time. It binds 127.0.0.1 only.

#![allow(dead_code)]

use nflreadpy_betting::domain::{Event, Quote};
use nflreadpy_betting::ingest::SourceBatch;
use nflreadpy_betting::store::quotes::{upsert_events, write_quotes, QuoteWriteStats};
use nflreadpy_betting::store::records::insert_quarantine;
use nflreadpy_betting::store::{open_for_reading, StoreWriter};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Wait this long before answering (timeouts).
    pub delay: Duration,
    /// Send the body this many bytes at a time with this pause after each (slow downloads).
    pub trickle: Option<(usize, Duration)>,
    /// Announce this Content-Length instead of the body's (a body cut short on the wire).
    pub declared_length: Option<usize>,
}

impl Reply {
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.into(),
            delay: Duration::ZERO,
            trickle: None,
            declared_length: None,
        }
    }

    /// Replaces the default `application/json`.
    pub fn content_type(mut self, value: &str) -> Reply {
        self.headers
            .retain(|(k, _)| !k.eq_ignore_ascii_case("content-type"));
        self.headers.push(("Content-Type".into(), value.into()));
        self
    }

    pub fn trickle(mut self, bytes: usize, every: Duration) -> Reply {
        self.trickle = Some((bytes.max(1), every));
        self
    }

    pub fn declared_length(mut self, n: usize) -> Reply {
        self.declared_length = Some(n);
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub fn delay(mut self, d: Duration) -> Reply {
        self.delay = d;
        self
    }
}

#[derive(Debug, Clone)]
pub struct Recorded {
    /// Request target: path and query.
    pub target: String,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

type Routes = Arc<Mutex<Vec<(String, Reply)>>>;

pub struct TestServer {
    pub addr: SocketAddr,
    routes: Routes,
    requests: Arc<Mutex<Vec<Recorded>>>,
}

impl TestServer {
    pub async fn start() -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().unwrap();
        let routes: Routes = Arc::new(Mutex::new(Vec::new()));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let (r2, q2) = (routes.clone(), requests.clone());
        tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                let (routes, requests) = (r2.clone(), q2.clone());
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 4096];
                    while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 65_536 {
                        match sock.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                    let head = String::from_utf8_lossy(&buf).to_string();
                    let mut lines = head.split("\r\n");
                    let target = lines
                        .next()
                        .and_then(|l| l.split(' ').nth(1))
                        .unwrap_or("")
                        .to_string();
                    let headers = lines
                        .take_while(|l| !l.is_empty())
                        .filter_map(|l| l.split_once(':'))
                        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
                        .collect();
                    requests.lock().unwrap().push(Recorded {
                        target: target.clone(),
                        headers,
                    });
                    let reply = routes
                        .lock()
                        .unwrap()
                        .iter()
                        .rev()
                        .find(|(p, _)| target.contains(p.as_str()))
                        .map(|(_, r)| r.clone())
                        .unwrap_or_else(|| Reply::new(404, r#"{"message":"no route"}"#));
                    tokio::time::sleep(reply.delay).await;
                    let mut out = format!(
                        "HTTP/1.1 {} Test\r\nContent-Length: {}\r\nConnection: close\r\n",
                        reply.status,
                        reply.declared_length.unwrap_or(reply.body.len())
                    );
                    for (k, v) in &reply.headers {
                        out.push_str(&format!("{k}: {v}\r\n"));
                    }
                    out.push_str("\r\n");
                    let _ = sock.write_all(out.as_bytes()).await;
                    match reply.trickle {
                        None => {
                            let _ = sock.write_all(&reply.body).await;
                        }
                        Some((n, every)) => {
                            for chunk in reply.body.chunks(n) {
                                if sock.write_all(chunk).await.is_err() {
                                    return;
                                }
                                tokio::time::sleep(every).await;
                            }
                        }
                    }
                    let _ = sock.shutdown().await;
                });
            }
        });
        TestServer {
            addr,
            routes,
            requests,
        }
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Answers every request whose target contains `path` with `reply` (latest route wins).
    pub fn route(&self, path: &str, reply: Reply) {
        self.routes.lock().unwrap().push((path.to_string(), reply));
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }
}

pub fn fixture(name: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/odds")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

pub const WK1: &str = "theoddsapi_v4_nfl_odds_2026-08-22_h2h_spreads_wk1.json";
pub const WK8: &str = "theoddsapi_v4_nfl_odds_2025-10-21_h2h_spreads_totals_wk8.json";

/// A temp-dir store with its writer thread.
pub struct TestStore {
    pub dir: tempfile::TempDir,
    pub writer: StoreWriter,
}

impl TestStore {
    pub fn new() -> TestStore {
        let dir = tempfile::tempdir().unwrap();
        let (writer, _thread) =
            StoreWriter::spawn(&dir.path().join("odds.sqlite3"), 5000, 64).unwrap();
        TestStore { dir, writer }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.path().join("odds.sqlite3")
    }

    /// Stores a batch the way the scheduler does: events, quotes and quarantine in one job.
    pub async fn store(&self, batch: &SourceBatch, now_ms: i64) -> QuoteWriteStats {
        let (events, quotes, rejected) = (
            batch.events.clone(),
            batch.quotes.clone(),
            batch.rejected.clone(),
        );
        self.writer
            .write(move |c| {
                upsert_events(c, &events, now_ms)?;
                let stats = write_quotes(c, &quotes, now_ms)?;
                insert_quarantine(c, &rejected)?;
                Ok(stats)
            })
            .await
            .unwrap()
    }

    pub fn count(&self, table: &str) -> i64 {
        let c = open_for_reading(&self.path(), 5000).unwrap();
        nflreadpy_betting::store::read::count(&c, table).unwrap()
    }

    pub fn events(&self) -> Vec<Event> {
        let c = open_for_reading(&self.path(), 5000).unwrap();
        nflreadpy_betting::store::read::events(&c).unwrap()
    }

    /// Latest quotes, sorted, without the seen time (which moves on every poll).
    pub fn latest(&self) -> Vec<Quote> {
        let c = open_for_reading(&self.path(), 5000).unwrap();
        let mut v: Vec<Quote> = nflreadpy_betting::store::read::latest_quotes(&c, 0)
            .unwrap()
            .into_iter()
            .map(|l| l.quote)
            .collect();
        v.sort_by(|a, b| {
            (
                &a.event_id,
                &a.book,
                a.market,
                a.scope,
                a.selection,
                a.ladder_key(),
            )
                .cmp(&(
                    &b.event_id,
                    &b.book,
                    b.market,
                    b.scope,
                    b.selection,
                    b.ladder_key(),
                ))
        });
        v
    }

    pub fn quarantine_reasons(&self) -> Vec<(String, i64)> {
        let c = open_for_reading(&self.path(), 5000).unwrap();
        let mut s = c
            .prepare("SELECT reason, COUNT(*) FROM quarantine GROUP BY reason ORDER BY reason")
            .unwrap();
        s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }
}

pub fn find<'a>(
    quotes: &'a [Quote],
    event: &str,
    book: &str,
    market: &str,
    sel: &str,
) -> &'a Quote {
    quotes
        .iter()
        .find(|q| {
            q.event_id == event
                && q.book == book
                && q.market.as_str() == market
                && q.selection.as_str() == sel
        })
        .unwrap_or_else(|| panic!("no quote {event} {book} {market} {sel}"))
}

pub fn write_file(dir: &Path, name: &str, body: &[u8]) {
    std::fs::write(dir.join(name), body).unwrap();
}

/// Starts the real binary's `serve` on an ephemeral loopback port from the repository root;
/// returns the process and the base URL it printed (ending in `/`).
pub fn spawn_serve(db: &std::path::Path, env: &[(&str, &str)]) -> (std::process::Child, String) {
    let (server, url, _log) = spawn_serve_logged(db, env);
    (server, url)
}

/// Everything a spawned server wrote to stderr so far: printed when a test fails, so a panic or
/// an error in the server is visible in the test output instead of lost with its pipe.
#[derive(Clone, Default)]
pub struct ServerLog(Arc<Mutex<String>>);

impl ServerLog {
    pub fn text(&self) -> String {
        self.0.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

/// [`spawn_serve`], keeping its stderr: a thread reads it to the end (so the server never writes
/// to a closed or full pipe) and keeps every line.
pub fn spawn_serve_logged(
    db: &std::path::Path,
    env: &[(&str, &str)],
) -> (std::process::Child, String, ServerLog) {
    use std::io::{BufRead, BufReader};
    let mut server = std::process::Command::new(env!("CARGO_BIN_EXE_nflreadpy-betting"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["serve", "--bind", "127.0.0.1:0", "--storage"])
        .arg(db)
        .envs(env.iter().copied())
        .env("RUST_BACKTRACE", "1")
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("the binary starts");
    let stderr = server.stderr.take().expect("piped stderr");
    let log = ServerLog::default();
    let (url_tx, url_rx) = std::sync::mpsc::channel();
    let sink = log.clone();
    std::thread::spawn(move || {
        let mut url_tx = Some(url_tx);
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(url) = line
                .split_whitespace()
                .find(|w| w.starts_with("http://"))
                .filter(|_| url_tx.is_some())
            {
                let _ = url_tx.take().map(|tx| tx.send(url.to_string()));
            }
            if let Ok(mut s) = sink.0.lock() {
                s.push_str(&line);
                s.push('\n');
            }
        }
    });
    let url = url_rx
        .recv_timeout(Duration::from_secs(120))
        .unwrap_or_else(|_| panic!("the server printed no address; its log:\n{}", log.text()));
    (server, url, log)
}

/// A minimal HTTP/1.0 client (the test crate has no blocking HTTP client): status and body.
pub fn http(method: &str, url: &str) -> Option<(u16, String)> {
    let rest = url.strip_prefix("http://")?;
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(host).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(30))).ok()?;
    let req = format!(
        "{method} /{path} HTTP/1.0\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    s.write_all(req.as_bytes()).ok()?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).ok()?;
    let text = String::from_utf8_lossy(&buf).into_owned();
    let (head, body) = text.split_once("\r\n\r\n")?;
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    Some((status, body.to_string()))
}

/// Polls `check` every half second until it returns `Some`, for at most `bound`.
pub fn wait_for<T>(what: &str, bound: Duration, mut check: impl FnMut() -> Option<T>) -> T {
    let start = std::time::Instant::now();
    loop {
        if let Some(v) = check() {
            return v;
        }
        assert!(
            start.elapsed() < bound,
            "gave up after {bound:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// The binary from the repository root with no stray configuration layers (no environment
/// file, no extra config files, no `NFLREADPY_BETTING__` overrides from the caller's shell).
pub fn bin() -> assert_cmd::Command {
    let mut c = assert_cmd::Command::cargo_bin("nflreadpy-betting").expect("the binary");
    c.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("NFLREADPY_BETTING_ENV")
        .env_remove("NFLREADPY_BETTING_CONFIG");
    for (k, _) in std::env::vars() {
        if k.starts_with("NFLREADPY_BETTING__") {
            c.env_remove(k);
        }
    }
    c
}
