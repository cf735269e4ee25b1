//! The HTTP service against a running server on loopback, over the real engine and replay feed.

use nflreadpy_betting::api::{self, ApiSettings, ApiState};
use nflreadpy_betting::config::{Config, SourceConfig};
use nflreadpy_betting::engine::{Engine, EngineOptions, Mode};
use serde_json::Value;
use std::time::Duration;

struct Server {
    base: String,
    engine: Option<Engine>,
    _dir: tempfile::TempDir,
}

async fn start(token: Option<&str>) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = Config::default();
    cfg.ingestion.storage_path = dir.path().join("api.sqlite3").display().to_string();
    cfg.ingestion.scheduler.interval_seconds = 0.5;
    for s in &mut cfg.sources {
        if let SourceConfig::Replay(r) = s {
            r.games_path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/games.csv").into();
        }
    }
    let settings = ApiSettings {
        bind: "127.0.0.1:0".into(),
        token: token.map(Into::into),
        cors_origins: vec![],
        rate_limit_per_second: 10_000.0,
        max_body_bytes: 4096,
        allowed_hosts: vec![],
    };
    let (handle, engine) =
        Engine::start(cfg.clone(), EngineOptions::new(Mode::Live, 0.2, 1000)).unwrap();
    let mut rx = handle.subscribe();
    for _ in 0..50 {
        if rx.borrow().ingest.quotes_latest > 0 {
            break;
        }
        let _ = tokio::time::timeout(Duration::from_millis(200), rx.changed()).await;
    }
    let state = ApiState::new(
        handle,
        nflreadpy_betting::store::Store::reader(dir.path().join("api.sqlite3"), 5000),
        &settings,
    )
    .with_calibration(
        concat!(env!("CARGO_MANIFEST_DIR"), "/data/games.csv").into(),
        cfg.analytics.clone(),
    )
    .with_evaluation(one_week_archive(dir.path()), Default::default());
    let (listener, addr) = api::bind(&settings).await.unwrap();
    let app = api::router(state, &settings);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Server {
        base: format!("http://{addr}"),
        engine: Some(engine),
        _dir: dir,
    }
}

/// One week of the shipped odds archive, in the archive layout: `/evaluation` stays quick.
fn one_week_archive(dir: &std::path::Path) -> std::path::PathBuf {
    let out = dir.join("odds");
    std::fs::create_dir_all(out.join("2024")).unwrap();
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/data/odds/2024/week_1.csv"),
        out.join("2024/week_1.csv"),
    )
    .unwrap();
    out
}

/// A server attached to the SQLite store at `db` (its own engine reading it), served by the
/// product's `api::serve`, with the given token and per-client rate limit.
async fn attached(
    db: &std::path::Path,
    token: Option<&str>,
    rate_limit_per_second: f64,
) -> (std::net::SocketAddr, Engine) {
    let mut cfg = Config::default();
    cfg.ingestion.storage_path = db.display().to_string();
    let settings = ApiSettings {
        bind: "127.0.0.1:0".into(),
        token: token.map(Into::into),
        cors_origins: vec![],
        rate_limit_per_second,
        max_body_bytes: 4096,
        allowed_hosts: vec![],
    };
    let (handle, engine) = Engine::start(cfg, EngineOptions::new(Mode::Attach, 0.2, 1000)).unwrap();
    let state = ApiState::new(
        handle,
        nflreadpy_betting::store::Store::reader(db.to_path_buf(), 5000),
        &settings,
    );
    let (listener, addr) = api::bind(&settings).await.unwrap();
    let app = api::router(state, &settings);
    tokio::spawn(api::serve(listener, app, std::future::pending()));
    (addr, engine)
}

async fn get(url: &str) -> (u16, String, Value) {
    let r = reqwest::get(url).await.unwrap();
    let status = r.status().as_u16();
    let ctype = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let body = r.text().await.unwrap();
    (
        status,
        ctype,
        serde_json::from_str(&body).unwrap_or(Value::Null),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endpoints_shapes_filters_and_pagination() {
    let mut s = start(None).await;
    let b = &s.base;
    assert_eq!(get(&format!("{b}/healthz")).await.0, 200);
    let (code, _, ready) = get(&format!("{b}/readyz")).await;
    assert_eq!(code, 200, "{ready}");

    let (code, _, page) = get(&format!(
        "{b}/api/v1/markets?book=pinnacle&market=spread&scope=game&limit=5&offset=2"
    ))
    .await;
    assert_eq!(code, 200);
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 5);
    assert_eq!(page["limit"], 5);
    assert_eq!(page["offset"], 2);
    assert!(page["total"].as_u64().unwrap() >= 20);
    for q in items {
        assert_eq!(q["book"], "pinnacle");
        assert_eq!(q["market"], "spread");
        for k in [
            "event_id",
            "scope",
            "selection",
            "line",
            "american",
            "decimal",
            "implied_prob",
            "changed_ms",
            "seen_ms",
        ] {
            assert!(q.get(k).is_some(), "missing {k}");
        }
    }
    let event = items[0]["event_id"].as_str().unwrap().to_string();
    let (_, _, hist) = get(&format!(
        "{b}/api/v1/line-history?event={event}&market=spread&scope=game&selection=home"
    ))
    .await;
    assert!(!hist["items"].as_array().unwrap().is_empty());

    let (code, _, opp) = get(&format!("{b}/api/v1/opportunities?min_ev=0.01&limit=10")).await;
    assert_eq!(code, 200);
    assert!(opp["items"].is_array());
    let (code, _, f) = get(&format!("{b}/api/v1/filters")).await;
    assert_eq!(code, 200);
    assert!(f["books"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x == "pinnacle"));
    assert!(f["events"].as_array().unwrap().len() >= 13);
    let (code, _, st) = get(&format!("{b}/api/v1/status")).await;
    assert_eq!(code, 200);
    assert_eq!(st["meta"]["mode"], "live");
    let (code, _, al) = get(&format!("{b}/api/v1/alerts")).await;
    assert_eq!(code, 200);
    assert!(al["items"].is_array() && al["channels"].is_array());
    let (code, _, cal) = get(&format!("{b}/api/v1/calibration")).await;
    assert_eq!(code, 200);
    let market = cal["moneyline"]["market"]["brier"].as_f64().unwrap();
    assert!((0.19..0.23).contains(&market), "{market}");
    assert!(
        cal["spread"]["model"]["brier"].is_number() && cal["total_points"]["model_mae"].is_number()
    );
    assert_eq!(
        cal["moneyline"]["market"]["calibration"]
            .as_array()
            .unwrap()
            .len(),
        10
    );
    let (code, _, ev) = get(&format!("{b}/api/v1/evaluation")).await;
    assert_eq!(code, 200, "{ev}");
    assert_eq!(ev["schema"], "nflreadpy-betting/evaluation/1");
    assert_eq!(ev["archive"]["played"], 16);
    assert!(ev["total"]["opener_bets"]["all"]["clv_points"]["n"].is_number());
    let (code, _, pf) = get(&format!("{b}/api/v1/portfolio")).await;
    assert_eq!(code, 200);
    assert!(pf["bets"].is_array() && pf["total_fraction"].is_number());
    for (path, lists) in [
        ("arbitrage", &["arbitrage", "low_hold"][..]),
        ("middles", &["middles"][..]),
        ("steam", &["steam", "stale"][..]),
        ("books", &["books"][..]),
    ] {
        let (code, _, body) = get(&format!("{b}/api/v1/{path}")).await;
        assert_eq!(code, 200, "{path}");
        for l in lists {
            assert!(body[*l].is_array(), "{path}: {body}");
        }
    }
    let (code, _, doc) = get(&format!("{b}/api/v1/openapi.json")).await;
    assert_eq!(code, 200);
    assert_eq!(doc["openapi"], "3.0.3");
    for path in ["arbitrage", "middles", "steam", "books"] {
        assert!(
            doc["paths"][format!("/api/v1/{path}")]["get"].is_object(),
            "{path}"
        );
    }
    let r = reqwest::get(format!("{b}/")).await.unwrap();
    assert!(r.text().await.unwrap().contains("<title>nflreadpy-betting"));
    s.engine.take().unwrap().shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_are_problem_documents() {
    let mut s = start(None).await;
    let b = &s.base;
    for (url, want) in [
        (format!("{b}/api/v1/nope"), 404),
        (format!("{b}/api/v1/markets?limit=0"), 422),
        (format!("{b}/api/v1/markets?market=cricket"), 422),
        (format!("{b}/api/v1/opportunities?min_ev=lots"), 422),
        (format!("{b}/api/v1/line-history?market=spread"), 422),
        (format!("{b}/nothing-here"), 404),
    ] {
        let (code, ctype, body) = get(&url).await;
        assert_eq!(code, want, "{url}");
        assert_eq!(ctype, "application/problem+json", "{url}");
        assert_eq!(body["status"], want);
        assert!(body["detail"].as_str().unwrap().len() > 5);
    }
    let c = reqwest::Client::new();
    let r = c
        .post(format!("{b}/api/v1/export"))
        .header("content-type", "application/json")
        .body("not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);
    let r = c
        .post(format!("{b}/api/v1/export"))
        .header("content-type", "application/json")
        .body("x".repeat(10_000))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 413);
    s.engine.take().unwrap().shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_configured_token_is_required_and_checked() {
    let mut s = start(Some("s3cret-token")).await;
    let b = &s.base;
    let (code, ctype, body) = get(&format!("{b}/api/v1/markets")).await;
    assert_eq!(code, 401);
    assert_eq!(ctype, "application/problem+json");
    assert!(!body.to_string().contains("s3cret"));
    assert_eq!(get(&format!("{b}/metrics")).await.0, 401);
    let c = reqwest::Client::new();
    let r = c
        .get(format!("{b}/api/v1/markets"))
        .bearer_auth("wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let r = c
        .get(format!("{b}/api/v1/markets?limit=1"))
        .bearer_auth("s3cret-token")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    // The web view's cookie carries the same token (EventSource cannot send a header).
    for (cookie, want) in [
        ("theme=dark; nflreadpy_token=s3cret-token", 200),
        ("nflreadpy_token=s3cret%2Dtoken", 200),
        ("nflreadpy_token=wrong", 401),
        ("other_token=s3cret-token", 401),
    ] {
        let r = c
            .get(format!("{b}/api/v1/markets/stream"))
            .header("cookie", cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), want, "{cookie}");
    }
    // Probes stay open for process managers.
    assert_eq!(get(&format!("{b}/healthz")).await.0, 200);
    s.engine.take().unwrap().shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn non_loopback_bind_without_token_is_refused() {
    let settings = ApiSettings {
        bind: "0.0.0.0:0".into(),
        token: None,
        cors_origins: vec![],
        rate_limit_per_second: 1.0,
        max_body_bytes: 1,
        allowed_hosts: vec![],
    };
    let err = api::bind(&settings).await.err().unwrap();
    assert!(err.to_string().contains("without a bearer token"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stream_sends_snapshots_and_quote_changes() {
    let mut s = start(None).await;
    let mut r = reqwest::get(format!("{}/api/v1/markets/stream", s.base))
        .await
        .unwrap();
    assert_eq!(r.headers()["content-type"], "text/event-stream");
    let mut text = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !(text.contains("event: snapshot") && text.contains("event: quotes"))
        && tokio::time::Instant::now() < deadline
    {
        if let Ok(Ok(Some(chunk))) = tokio::time::timeout(Duration::from_secs(2), r.chunk()).await {
            text.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
    assert!(text.contains("event: snapshot"), "{text}");
    assert!(text.contains("event: quotes"), "{text}");
    s.engine.take().unwrap().shutdown().await;
}

/// Issue 13, item 3: the stream's cursor was `changed_ms` with `LIMIT 2000`, so 5,000 changes
/// sharing one timestamp were cut to 2,000 and a late-stamped change was never sent. It now
/// pages on the store's change sequence: every change arrives exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stream_sends_5000_changes_with_one_timestamp_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("stream.sqlite3");
    let conn = nflreadpy_betting::store::open_for_writing(&db, 5000).unwrap();
    let now = nflreadpy_betting::store::now_ms();
    let insert = |conn: &rusqlite::Connection, from: usize, to: usize, observed: i64| {
        conn.execute_batch("BEGIN").unwrap();
        for i in from..to {
            conn.execute(
                "INSERT INTO quotes_history (event_id, book, market, scope, selection, ladder_key, line, american, observed_ms, source)
                 VALUES ('ev', ?1, 'moneyline', 'game', 'home', '', NULL, -110, ?2, 'test')",
                rusqlite::params![format!("book{i}"), observed],
            )
            .unwrap();
        }
        conn.execute_batch("COMMIT").unwrap();
    };
    insert(&conn, 0, 5000, now);
    let (addr, engine) = attached(&db, None, 10_000.0).await;

    let mut r = reqwest::get(format!("http://{addr}/api/v1/markets/stream"))
        .await
        .unwrap();
    let mut text = String::new();
    let mut seen: Vec<String> = Vec::new();
    let mut late_written = false;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while seen.len() < 5010 && tokio::time::Instant::now() < deadline {
        if let Ok(Ok(Some(chunk))) = tokio::time::timeout(Duration::from_secs(2), r.chunk()).await {
            text.push_str(&String::from_utf8_lossy(&chunk));
        }
        // Complete events end with a blank line.
        while let Some(end) = text.find("\n\n") {
            let ev: String = text.drain(..end + 2).collect();
            if !ev.contains("event: quotes") {
                continue;
            }
            let data: String = ev
                .lines()
                .filter_map(|l| l.strip_prefix("data: ").or_else(|| l.strip_prefix("data:")))
                .collect();
            let rows: Vec<Value> = serde_json::from_str(&data).unwrap();
            seen.extend(rows.iter().map(|q| q["book"].as_str().unwrap().to_string()));
        }
        if seen.len() >= 5000 && !late_written {
            // Ten more, stamped an hour in the past: a timestamp cursor would never send them.
            insert(&conn, 5000, 5010, now - 3_600_000);
            late_written = true;
        }
    }
    let unique: std::collections::BTreeSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "a change was sent twice");
    assert_eq!(seen.len(), 5010, "every change exactly once");
    engine.shutdown().await;
}

/// Issue 13, item 4: one global bucket sat in front of `/healthz` and `/readyz` and before the
/// token check, so anonymous traffic could fail a liveness probe. The limit is now per client,
/// after authentication, and the probes are exempt.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probes_are_never_rate_limited_and_clients_have_their_own_budget() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("limit.sqlite3");
    drop(nflreadpy_betting::store::open_for_writing(&db, 5000).unwrap());
    let (addr, engine) = attached(&db, Some("sesame"), 2.0).await;
    let base = format!("http://{addr}");
    let noisy = reqwest::Client::new();
    let other = reqwest::Client::builder()
        .local_address("127.0.0.2".parse::<std::net::IpAddr>().unwrap())
        .build()
        .unwrap();
    // Anonymous traffic is refused by the token check and spends nobody's budget.
    for _ in 0..50 {
        let r = noisy
            .get(format!("{base}/api/v1/status"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 401);
    }
    // An authenticated client runs out...
    let mut limited = 0;
    for _ in 0..50 {
        let r = noisy
            .get(format!("{base}/api/v1/status"))
            .bearer_auth("sesame")
            .send()
            .await
            .unwrap();
        if r.status().as_u16() == 429 {
            assert!(r.headers().contains_key("retry-after"));
            limited += 1;
        }
    }
    assert!(limited > 0, "the limit never applied");
    // ...while the probes still answer it, and another client still has its budget.
    for _ in 0..50 {
        let r = noisy.get(format!("{base}/healthz")).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 200);
        let r = noisy.get(format!("{base}/readyz")).send().await.unwrap();
        assert_ne!(r.status().as_u16(), 429);
    }
    let r = other
        .get(format!("{base}/api/v1/status"))
        .bearer_auth("sesame")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    engine.shutdown().await;
}

/// Issue 22, item 5: with no token, a page on another site could pause ingestion (a
/// `text/plain` POST with `Origin: http://evil.example` answered 200), record a bet (201), and
/// through DNS rebinding read everything (`Host: attacker.com` was served). Changes need JSON
/// and, when an Origin is sent, this server's own; the Host must be one the server was bound for.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cross_site_requests_and_foreign_hosts_are_refused() {
    let mut s = start(None).await;
    let b = s.base.clone();
    let c = reqwest::Client::new();
    let post = |path: &str, ctype: &str, origin: Option<&str>| {
        let mut r = c
            .post(format!("{b}{path}"))
            .header("content-type", ctype)
            .body("{}");
        if let Some(o) = origin {
            r = r.header("origin", o);
        }
        r.send()
    };
    for path in ["/api/v1/ingest/pause", "/api/v1/bets", "/api/v1/scan"] {
        let r = post(path, "text/plain", Some("http://evil.example"))
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 415, "{path}");
        let r = post(path, "text/plain", None).await.unwrap();
        assert_eq!(r.status().as_u16(), 415, "{path}");
        let r = post(path, "application/json", Some("http://evil.example"))
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 403, "{path}");
        let r = post(path, "application/json", Some("null")).await.unwrap();
        assert_eq!(r.status().as_u16(), 403, "{path}");
    }
    // Its own page, and tools that send no Origin, still work.
    let r = post("/api/v1/ingest/pause", "application/json", Some(b.as_str()))
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let r = post("/api/v1/ingest/resume", "application/json", None)
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);

    let r = c
        .get(format!("{b}/api/v1/markets"))
        .header("host", "attacker.com")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    let r = c
        .get(format!("{b}/"))
        .header("host", "attacker.com:8080")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    for host in ["localhost", &b["http://".len()..]] {
        let r = c
            .get(format!("{b}/api/v1/markets"))
            .header("host", host)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200, "{host}");
    }
    // Probes answer whatever name a load balancer uses.
    let r = c
        .get(format!("{b}/healthz"))
        .header("host", "pod-1.internal")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    s.engine.take().unwrap().shutdown().await;
}

/// Issue 22, item 11: a `Last-Event-ID` above the head (10000000) never got a quote event again.
/// An id beyond the head resumes from the head, and the stream says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_last_event_id_beyond_the_head_resumes_from_the_head() {
    let mut s = start(None).await;
    let mut r = reqwest::Client::new()
        .get(format!("{}/api/v1/markets/stream", s.base))
        .header("last-event-id", "10000000")
        .send()
        .await
        .unwrap();
    let mut text = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while !(text.contains("event: resync") && text.contains("event: quotes"))
        && tokio::time::Instant::now() < deadline
    {
        if let Ok(Ok(Some(chunk))) = tokio::time::timeout(Duration::from_secs(2), r.chunk()).await {
            text.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
    assert!(text.contains("event: resync"), "{text}");
    assert!(text.contains("beyond the newest stored change"), "{text}");
    assert!(text.contains("event: quotes"), "{text}");
    s.engine.take().unwrap().shutdown().await;
}

/// Issue 22, item 13: 2,000 wrong tokens were answered 401 every time, never throttled. A
/// client that keeps guessing is locked out, and while it is even the right token is refused
/// (so the answers tell a guesser nothing).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_tokens_are_throttled() {
    let mut s = start(Some("s3cret-token")).await;
    let b = s.base.clone();
    let c = reqwest::Client::new();
    let mut throttled = 0;
    for i in 0..200 {
        let r = c
            .get(format!("{b}/api/v1/markets?limit=1"))
            .bearer_auth(format!("guess-{i}"))
            .send()
            .await
            .unwrap();
        match r.status().as_u16() {
            401 => {}
            429 => {
                assert!(r.headers().contains_key("retry-after"));
                throttled += 1;
            }
            other => panic!("guess {i}: {other}"),
        }
    }
    assert!(throttled > 100, "{throttled} of 200 guesses throttled");
    let r = c
        .get(format!("{b}/api/v1/markets?limit=1"))
        .bearer_auth("s3cret-token")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 429);
    s.engine.take().unwrap().shutdown().await;
}

/// Issue 22, item 13: 3,000 connections that never finished their headers were held 40 s and
/// more. A client gets `api::HEADER_READ_TIMEOUT` to send its headers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_headers_are_cut_off() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("slow.sqlite3");
    drop(nflreadpy_betting::store::open_for_writing(&db, 5000).unwrap());
    let (addr, engine) = attached(&db, None, 1000.0).await;
    let mut slow = Vec::new();
    for _ in 0..50 {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        s.write_all(b"GET /api/v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            .await
            .unwrap();
        slow.push(s);
    }
    // Generous: the timeout plus a loaded machine's delays.
    let bound = api::HEADER_READ_TIMEOUT + Duration::from_secs(50);
    for (i, mut s) in slow.into_iter().enumerate() {
        let mut buf = [0u8; 512];
        let closed = tokio::time::timeout(bound, async {
            loop {
                match s.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {} // a 408 before the close is fine
                }
            }
        })
        .await;
        assert!(closed.is_ok(), "connection {i} still open after {bound:?}");
    }
    // A normal request still works.
    let r = reqwest::get(format!("http://{addr}/healthz"))
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    engine.shutdown().await;
}

/// The engine simulates the season in the background once the model is fitted; the endpoint
/// shows the progress, then the forecast of the replayed week's season and the priced board.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn futures_endpoint_shows_the_background_season_simulation() {
    let mut s = start(None).await;
    let url = format!("{}/api/v1/futures", s.base);
    let mut last = Value::Null;
    for _ in 0..600 {
        let (code, _, doc) = get(&url).await;
        assert_eq!(code, 200);
        if doc["state"] == "ready" {
            last = doc;
            break;
        }
        assert!(
            ["idle", "running"].contains(&doc["state"].as_str().unwrap()),
            "{doc}"
        );
        assert!(doc["done"].as_u64() <= doc["total"].as_u64(), "{doc}");
        last = doc;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(last["state"], "ready", "never finished: {last}");
    let fc = &last["forecast"];
    assert_eq!(fc["schema"], "nflreadpy-betting/futures/1");
    assert_eq!(fc["teams"].as_array().unwrap().len(), 32);
    assert_eq!(fc["simulations"], last["total"]);
    // The replay's present: the first day of the week it replays.
    assert_eq!(fc["as_of"], last["as_of"]);
    let sb: f64 = fc["teams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["p_super_bowl"].as_f64().unwrap())
        .sum();
    assert!((sb - 1.0).abs() < 1e-9, "one champion per season: {sb}");
    assert_eq!(
        last["edges"],
        serde_json::json!([]),
        "no outright prices stored"
    );
    s.engine.take().unwrap().shutdown().await;
}
