//! Issue 22 on PostgreSQL: the change-sequence ordering lock of the quote writer, and TLS to a
//! throwaway server with a certificate from a private CA made here with `openssl`
//! (`sslmode=require`, `verify-ca` and `verify-full` with `sslrootcert`).
//!
//! Both need the server binaries; like the other PostgreSQL tests they skip with a note when
//! `NFLREADPY_BETTING_TEST_PG_URL` is not set (and fail under CI).

#[path = "common/pg.rs"]
mod pg;

use nflreadpy_betting::domain::{Event, MarketKind, Quote, Scope, Selection};
use nflreadpy_betting::store::postgres::{PgStore, SEQUENCE_LOCK};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

const EVENT: &str = "2025_12_BUF_HOU";

fn event(now: i64) -> Event {
    Event {
        event_id: EVENT.into(),
        game_id: Some(EVENT.into()),
        season: Some(2025),
        week: Some(12),
        home_team: "HOU".into(),
        away_team: "BUF".into(),
        commence_ms: now + 86_400_000,
    }
}

fn quote(book: &str, american: i64, now: i64) -> Quote {
    Quote {
        event_id: EVENT.into(),
        book: book.into(),
        market: MarketKind::Moneyline,
        scope: Scope::Game,
        selection: Selection::Home,
        line: None,
        american,
        observed_ms: now,
        source: "test".into(),
    }
}

/// Reads every change after `cursor` the way a stream or an attached front end follows the
/// sequence, moving the cursor.
async fn follow(store: &PgStore, cursor: &mut i64, seen: &mut BTreeSet<i64>) {
    loop {
        let page = store.changes_after(*cursor, 100).await.expect("changes");
        let Some(last) = page.last().map(|c| c.seq) else {
            return;
        };
        seen.extend(page.iter().map(|c| c.seq));
        *cursor = last;
    }
}

/// The quote writer takes `SEQUENCE_LOCK` before it draws history ids and holds it to commit,
/// so ids become visible in id order. Without it, a writer that commits while another holds an
/// earlier, uncommitted id lets a reader's cursor pass that id for good.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_cursor_never_passes_a_row_a_slower_writer_has_yet_to_commit() {
    let Some(db) = pg::TestDb::new("seqlock").await else {
        return;
    };
    let store = db.store(4).await;
    let now = nflreadpy_betting::store::now_ms();
    store
        .upsert_events(&[event(now)], now)
        .await
        .expect("event");

    // A slower writer: it has taken the lock and drawn its id, and has not committed yet.
    let (slow, conn) = tokio_postgres::connect(&db.url, tokio_postgres::NoTls)
        .await
        .expect("connect");
    tokio::spawn(conn);
    slow.batch_execute("BEGIN").await.expect("begin");
    slow.execute("SELECT pg_advisory_xact_lock($1)", &[&SEQUENCE_LOCK])
        .await
        .expect("lock");
    slow.execute(
        "INSERT INTO quotes_history (event_id, book, market, scope, selection, ladder_key, line, american, observed_ms, source, stored_ms)
         VALUES ($1, 'slow', 'moneyline', 'game', 'away', '', NULL, 105, $2, 'test', $2)",
        &[&EVENT, &now],
    )
    .await
    .expect("insert");

    // The product's writer meanwhile, and a reader following the sequence.
    let fast_store = store.clone();
    let fast = tokio::spawn(async move {
        fast_store
            .write_quotes(&[quote("fast", -120, now)], now)
            .await
    });
    // Time for the fast writer to commit if nothing held it (a slow machine only makes this
    // test pass without the lock, never fail with it).
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (mut cursor, mut seen) = (0, BTreeSet::new());
    follow(&store, &mut cursor, &mut seen).await;

    slow.batch_execute("COMMIT").await.expect("commit");
    tokio::time::timeout(pg::WAIT, fast)
        .await
        .expect("the fast writer finishes once the slow one commits")
        .expect("task")
        .expect("write");
    follow(&store, &mut cursor, &mut seen).await;

    let all: BTreeSet<i64> = slow
        .query("SELECT id FROM quotes_history", &[])
        .await
        .expect("ids")
        .iter()
        .map(|r| r.get::<_, i64>(0))
        .collect();
    assert_eq!(all.len(), 2);
    assert_eq!(seen, all, "the reader skipped a change");
    drop(slow);
    drop(store);
    db.drop_db().await;
}

/// Runs a command, panicking with its output when it fails.
fn sh(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{cmd:?}: {text}");
    text
}

/// A CA and a server certificate it signed for `localhost` only, in `dir`.
fn private_ca(dir: &Path) {
    let openssl = |args: &[&str]| {
        sh(Command::new("openssl").current_dir(dir).args(args));
    };
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    let mut ca = vec!["req", "-x509"];
    ca.extend(ec);
    ca.extend([
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        "-days",
        "2",
        "-subj",
        "/CN=nflreadpy throwaway test CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    openssl(&ca);
    let mut csr = vec!["req"];
    csr.extend(ec);
    csr.extend([
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=localhost",
    ]);
    openssl(&csr);
    std::fs::write(
        dir.join("ext.cnf"),
        "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
    )
    .expect("extensions");
    openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.crt",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
    ]);
}

/// A throwaway TLS server started by `scripts/test-postgres.sh`, stopped on drop.
struct TlsServer {
    dir: PathBuf,
    port: u16,
}

impl TlsServer {
    fn script(&self) -> Command {
        let mut c = Command::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/scripts/test-postgres.sh"
        ));
        c.env("PGTEST_DIR", &self.dir)
            .env("PGTEST_PORT", self.port.to_string());
        c
    }
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        let _ = self.script().arg("stop").output();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_to_a_server_with_a_private_ca() {
    if pg::base_url().is_none() {
        return;
    }
    let certs = tempfile::tempdir().expect("tempdir");
    private_ca(certs.path());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    // Outside the test's private temp dir: the server runs as the `postgres` user under root.
    let server = TlsServer {
        dir: std::env::temp_dir().join(format!("nflreadpy-pg-tls-{}-{port}", std::process::id())),
        port,
    };
    sh(server
        .script()
        .env("PGTEST_SSL_DIR", certs.path())
        .arg("start"));
    let ca = certs.path().join("ca.crt").display().to_string();
    let url = |host: &str, query: &str| {
        format!("postgres://nflreadpy@{host}:{port}/nflreadpy_test?{query}")
    };
    let connects = |u: String| async move {
        match PgStore::connect(&u, 1).await {
            Ok(s) => s
                .count("events")
                .await
                .map(|_| ())
                .map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        }
    };
    // require: encrypted; who answers is not checked (libpq's meaning), so no CA is needed.
    let kept = PgStore::connect(&url("127.0.0.1", "sslmode=require"), 1)
        .await
        .expect("sslmode=require");
    kept.count("events").await.expect("a query over TLS");
    // verify-full against the private CA, by the name the certificate carries.
    connects(url(
        "localhost",
        &format!("sslmode=verify-full&sslrootcert={ca}"),
    ))
    .await
    .expect("verify-full by name");
    // verify-ca checks the chain only; verify-full refuses a name the certificate lacks.
    connects(url(
        "127.0.0.1",
        &format!("sslmode=verify-ca&sslrootcert={ca}"),
    ))
    .await
    .expect("verify-ca by address");
    let err = connects(url(
        "127.0.0.1",
        &format!("sslmode=verify-full&sslrootcert={ca}"),
    ))
    .await
    .expect_err("the certificate does not name 127.0.0.1");
    assert!(!err.is_empty());
    // Without the private CA the chain cannot be trusted.
    connects(url("localhost", "sslmode=verify-full"))
        .await
        .expect_err("an unknown CA");

    // Every session the store opened was encrypted: the server says so.
    let (admin, conn) = tokio_postgres::connect(
        &format!("postgres://postgres@127.0.0.1:{port}/postgres?sslmode=disable"),
        tokio_postgres::NoTls,
    )
    .await
    .expect("admin");
    tokio::spawn(conn);
    let row = admin
        .query_one(
            "SELECT COUNT(*) FILTER (WHERE s.ssl), COUNT(*) FILTER (WHERE NOT s.ssl)
             FROM pg_stat_activity a JOIN pg_stat_ssl s ON s.pid = a.pid
             WHERE a.application_name LIKE 'nflreadpy-betting%'",
            &[],
        )
        .await
        .expect("pg_stat_ssl");
    let (encrypted, plain): (i64, i64) = (row.get(0), row.get(1));
    assert!(
        encrypted >= 1 && plain == 0,
        "{encrypted} encrypted, {plain} plain"
    );
    drop(kept);
}
