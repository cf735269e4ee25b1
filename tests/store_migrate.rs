//! `store migrate` and `store check` through the real binary.
//!
//! A SQLite store is seeded the way the product writes one (replay-feed polls through the
//! writer thread, ingest runs, quarantine, metrics, a pricing run with opportunities, alerts in
//! every outbox state), copied SQLite -> PostgreSQL -> a second SQLite file, and everything read
//! back is compared with the original: every table row by row, the latest board, the change
//! stream from cursor 0 and the outbox. The PostgreSQL parts use the server named by
//! `NFLREADPY_BETTING_TEST_PG_URL` (a database of their own each, as in `store_postgres.rs`)
//! and, without it, say so and pass, except under CI where they fail. The SQLite parts always
//! run.

use nflreadpy_betting::config::{Config, SourceConfig};
use nflreadpy_betting::domain::outright::{OutrightMarket, OutrightQuote, OutrightSide};
use nflreadpy_betting::domain::Quote;
use nflreadpy_betting::ingest::replay::ReplayFeed;
use nflreadpy_betting::store::outbox::{self, NewRow, Outcome};
use nflreadpy_betting::store::postgres::PgStore;
use nflreadpy_betting::store::read::{self, LatestQuote, QuoteChange};
use nflreadpy_betting::store::records::{
    self, IngestRun, MetricSample, OpportunityRecord, Quarantined, SimulationRecord,
};
use nflreadpy_betting::store::{open_for_reading, quotes, StoreWriter};
use std::path::Path;
use std::process::Output;

#[path = "common/pg.rs"]
mod pg;
use pg::{admin, TestDb};

const TABLES: [&str; 11] = [
    "events",
    "quotes_latest",
    "outrights_latest",
    "quotes_history",
    "quarantine",
    "ingest_runs",
    "simulations",
    "opportunities",
    "alert_outbox",
    "metrics_samples",
    "bets",
];

// ---------------------------------------------------------------------------------------------
// The binary.

fn bin(args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_nflreadpy-betting"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("NFLREADPY_BETTING_ENV")
        .env_remove("NFLREADPY_BETTING_CONFIG")
        .args(args)
        .output()
        .expect("the binary runs")
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn expect_code(o: &Output, code: i32) -> (String, String) {
    let (out, err) = text(o);
    assert_eq!(
        o.status.code(),
        Some(code),
        "stdout:\n{out}\nstderr:\n{err}"
    );
    (out, err)
}

/// Runs `store migrate --format json` and returns the report after checking it says ok.
fn migrate_ok(from: &str, to: &str) -> serde_json::Value {
    let o = bin(&[
        "store", "migrate", "--from", from, "--to", to, "--format", "json",
    ]);
    let (out, _) = expect_code(&o, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["committed"], true, "{v}");
    v
}

fn store_check(storage: &str) -> Output {
    bin(&["store", "check", "--storage", storage])
}

// ---------------------------------------------------------------------------------------------
// A realistic store.

fn replay_feed() -> ReplayFeed {
    let mut cfg = Config::default();
    let games = concat!(env!("CARGO_MANIFEST_DIR"), "/data/games.csv");
    let SourceConfig::Replay(r) = &mut cfg.sources[0] else {
        panic!("the default configuration starts with the replay source")
    };
    r.games_path = games.into();
    ReplayFeed::new(r, 0).expect("the bundled replay week loads")
}

/// A store written as the product writes one: `polls` replay polls across a market cycle
/// (so prices move and the odds path grows), each with its ingest run and metrics; rejected
/// quotes in quarantine; a pricing run with opportunities; alerts delivered, skipped, failing,
/// invalid and pending.
fn seed(path: &Path, polls: i64) {
    let feed = replay_feed();
    let (writer, thread) = StoreWriter::spawn(path, 5000, 8).unwrap();
    let base = 1_760_000_000_000i64;
    for step in 0..polls {
        let now = base + step * 15 * 60_000;
        let mut batch = feed.snapshot(now);
        // A few quotes a real feed would have rejected, as the normaliser records them.
        let rejected: Vec<Quarantined> = (0..2)
            .map(|i| Quarantined {
                source: "replay".into(),
                reason: if i == 0 {
                    "price_out_of_range"
                } else {
                    "unknown_team"
                }
                .into(),
                detail: format!(r#"{{"poll":{step},"american":{}}}"#, 99_000 + i),
                observed_ms: now,
            })
            .collect();
        batch.rejected = rejected;
        writer
            .write_blocking(move |c| {
                quotes::upsert_events(c, &batch.events, now)?;
                let stats = quotes::write_quotes(c, &batch.quotes, now)?;
                // A futures board whose price moves every other poll.
                nflreadpy_betting::store::outrights::write_outrights(
                    c,
                    &[OutrightQuote {
                        season: 2025,
                        book: "circa".into(),
                        market: OutrightMarket::WinTotal,
                        team: "KC".into(),
                        side: OutrightSide::Over,
                        line: Some(11.5),
                        american: if step % 2 == 0 { -115 } else { -120 },
                        observed_ms: now,
                        source: "file".into(),
                    }],
                    now,
                )?;
                records::insert_quarantine(c, &batch.rejected)?;
                records::insert_ingest_run(
                    c,
                    &IngestRun {
                        source: "replay".into(),
                        scheduled_ms: now,
                        started_ms: now,
                        finished_ms: now + 40,
                        ok: step % 5 != 4,
                        attempts: 1 + u32::from(step % 5 == 4),
                        quotes_received: stats.received,
                        quotes_changed: stats.changed,
                        quotes_rejected: 2,
                        error: (step % 5 == 4).then(|| "timed out after 10s".to_string()),
                    },
                )?;
                records::insert_metric_samples(
                    c,
                    &[
                        MetricSample {
                            ts_ms: now,
                            name: "ingestion.poll_latency".into(),
                            labels: r#"{"source":"replay"}"#.into(),
                            value: 0.04,
                        },
                        MetricSample {
                            ts_ms: now,
                            name: "ingestion.success_rate".into(),
                            labels: r#"{"source":"replay"}"#.into(),
                            value: 1.0,
                        },
                    ],
                )?;
                Ok(())
            })
            .unwrap();
    }
    let now = base + polls * 15 * 60_000;
    let picks: Vec<Quote> = feed.snapshot(now).quotes.into_iter().take(3).collect();
    writer
        .write_blocking(move |c| {
            let opps: Vec<OpportunityRecord> = picks
                .iter()
                .map(|q| OpportunityRecord {
                    detected_ms: now,
                    event_id: q.event_id.clone(),
                    market: q.market.as_str().into(),
                    scope: q.scope.as_str().into(),
                    selection: q.selection.as_str().into(),
                    line: q.line,
                    book: q.book.clone(),
                    american: q.american,
                    fair_prob: 0.5321,
                    push_prob: 0.0,
                    ev: 0.031,
                    kelly: 0.012,
                    stake: 12.5,
                    detail: format!(r#"{{"book":"{}"}}"#, q.book),
                })
                .collect();
            records::insert_simulation(
                c,
                &SimulationRecord {
                    started_ms: now,
                    latency_ms: 812.5,
                    iterations: 20_000,
                    seed: u64::MAX - 7,
                    events: 14,
                    markets: 420,
                    max_std_error: 0.0031,
                    max_abs_z: Some(2.4),
                    trigger: "schedule".into(),
                },
                &opps,
            )?;
            records::insert_simulation(
                c,
                &SimulationRecord {
                    started_ms: now + 1,
                    latency_ms: 790.0,
                    iterations: 20_000,
                    seed: 42,
                    events: 14,
                    markets: 420,
                    max_std_error: 0.003,
                    max_abs_z: None,
                    trigger: "change".into(),
                },
                &[],
            )?;
            let rows: Vec<NewRow> = (0..5)
                .map(|i| NewRow {
                    dedup_key: format!("edge:{i}:open"),
                    rule: "edge".into(),
                    severity: if i % 2 == 0 { "warning" } else { "info" }.into(),
                    channel: if i < 3 { "slack" } else { "email" }.into(),
                    payload: format!(r#"{{"title":"edge {i}"}}"#),
                    created_ms: now + i,
                    next_attempt_ms: now + i,
                })
                .collect();
            outbox::enqueue(c, &rows)?;
            let event: String = c.query_row(
                "SELECT event_id FROM events ORDER BY event_id LIMIT 1",
                [],
                |r| r.get(0),
            )?;
            for (i, paper) in [(0, false), (1, true)] {
                nflreadpy_betting::store::bets::insert(
                    c,
                    &nflreadpy_betting::store::bets::NewBet {
                        paper,
                        event_id: event.clone(),
                        market: "spread".into(),
                        scope: "game".into(),
                        selection: "home".into(),
                        line: Some(-3.5),
                        book: "pinnacle".into(),
                        decimal: 1.91,
                        stake: 100.0 + i as f64,
                        placed_ms: now + i,
                        fair_prob: paper.then_some(0.55),
                        ev: paper.then_some(0.05),
                        model_prob: None,
                        consensus_prob: paper.then_some(0.54),
                        note: None,
                        dedup_key: paper.then(|| "edge-key".to_string()),
                    },
                )?;
            }
            outbox::apply(
                c,
                &[
                    Outcome::Delivered {
                        id: 1,
                        at_ms: now + 100,
                    },
                    Outcome::Skipped {
                        id: 2,
                        at_ms: now + 100,
                        reason: "quiet hours".into(),
                    },
                    Outcome::Failed {
                        id: 3,
                        next_ms: now + 60_000,
                        error: "HTTP 503".into(),
                    },
                    Outcome::Invalid {
                        id: 4,
                        error: "unreadable payload".into(),
                    },
                ],
            )?;
            Ok(())
        })
        .unwrap();
    drop(writer);
    thread.join();
    // Everything into the main file (the corruption test overwrites it in place).
    let c = rusqlite::Connection::open(path).unwrap();
    c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .unwrap();
}

/// Every row of every table, in a fixed order, as text: equal dumps are equal stores.
fn dump_sqlite(path: &Path) -> Vec<(String, Vec<String>)> {
    let c = open_for_reading(path, 5000).unwrap();
    TABLES
        .iter()
        .map(|t| {
            let order = match *t {
                "events" => "event_id",
                "quotes_latest" => "event_id, book, market, scope, selection, ladder_key",
                "outrights_latest" => "season, book, market, team, side, line_key",
                "metrics_samples" => "ts_ms, name, labels, value",
                _ => "id",
            };
            let mut s = c
                .prepare(&format!("SELECT * FROM {t} ORDER BY {order}"))
                .unwrap();
            let n = s.column_count();
            let rows = s
                .query_map([], |r| {
                    let cells: Vec<String> = (0..n)
                        .map(|i| format!("{:?}", r.get_ref(i).unwrap()))
                        .collect();
                    Ok(cells.join("|"))
                })
                .unwrap()
                .collect::<Result<Vec<_>, _>>()
                .unwrap();
            (t.to_string(), rows)
        })
        .collect()
}

fn sorted_latest(mut v: Vec<LatestQuote>) -> Vec<LatestQuote> {
    v.sort_by(|a, b| {
        let k = |l: &LatestQuote| {
            (
                l.quote.event_id.clone(),
                l.quote.book.clone(),
                l.quote.market,
                l.quote.scope,
                l.quote.selection,
                l.quote.ladder_key(),
            )
        };
        k(a).cmp(&k(b))
    });
    v
}

/// What a front end reads: the latest board, the change stream from 0, the outbox figures.
#[derive(Debug, PartialEq)]
struct Reads {
    latest: Vec<LatestQuote>,
    changes: Vec<QuoteChange>,
    outbox: Vec<outbox::ChannelSummary>,
    counts: Vec<i64>,
}

fn reads_sqlite(path: &Path) -> Reads {
    let c = open_for_reading(path, 5000).unwrap();
    Reads {
        latest: sorted_latest(read::latest_quotes(&c, 0).unwrap()),
        changes: read::changes_after(&c, 0, 1 << 30).unwrap(),
        outbox: outbox::channel_summary(&c).unwrap(),
        counts: TABLES.iter().map(|t| read::count(&c, t).unwrap()).collect(),
    }
}

async fn reads_pg(pg: &PgStore) -> Reads {
    let mut counts = Vec::new();
    for t in TABLES {
        counts.push(pg.count(t).await.unwrap());
    }
    Reads {
        latest: sorted_latest(pg.latest_quotes(0).await.unwrap()),
        changes: pg.changes_after(0, 1 << 30).await.unwrap(),
        outbox: pg.channel_summary().await.unwrap(),
        counts,
    }
}

fn json_counts(report: &serde_json::Value) -> Vec<(String, i64, i64)> {
    report["tables"]
        .as_array()
        .expect("tables")
        .iter()
        .map(|t| {
            (
                t["table"].as_str().unwrap().to_string(),
                t["source"].as_i64().unwrap(),
                t["target"].as_i64().unwrap(),
            )
        })
        .collect()
}

fn arg(p: &Path) -> String {
    p.to_str().expect("temp paths are UTF-8").to_string()
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL test databases: tests/common/pg.rs.

/// Every column of the PostgreSQL schema is copied, or on the short list of those left behind
/// on purpose: a migration that adds one cannot be forgotten here.
async fn assert_copies_every_pg_column(url: &str) {
    use nflreadpy_betting::store::migrate::{copied_columns, PG_BOOKKEEPING, PG_ONLY_COLUMNS};
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    let driver = tokio::spawn(conn);
    let rows = client
        .query(
            "SELECT table_name::text, column_name::text FROM information_schema.columns
             WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position",
            &[],
        )
        .await
        .unwrap();
    let mut live: Vec<String> = rows
        .iter()
        .map(|r| format!("{}.{}", r.get::<_, String>(0), r.get::<_, String>(1)))
        .filter(|c| !PG_ONLY_COLUMNS.contains(&c.as_str()))
        .filter(|c| {
            !PG_BOOKKEEPING
                .iter()
                .any(|t| c.starts_with(&format!("{t}.")))
        })
        .collect();
    live.sort();
    let mut copied: Vec<String> = copied_columns()
        .into_iter()
        .flat_map(|(t, cols)| cols.into_iter().map(move |c| format!("{t}.{c}")))
        .collect();
    copied.sort();
    assert_eq!(
        copied, live,
        "store::migrate::TABLES is out of step with the PostgreSQL schema"
    );
    drop(client);
    let _ = driver.await;
}

/// The binary runs blocking; the PostgreSQL tests are async for the store reads.
async fn bin_async(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        bin(&refs)
    })
    .await
    .unwrap()
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

// ---------------------------------------------------------------------------------------------
// The tests.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_to_postgres_to_sqlite_keeps_every_row_cursor_and_count() {
    let Some(db) = TestDb::new("roundtrip").await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.sqlite3"), dir.path().join("b.sqlite3"));
    // The writer's blocking calls may not run on the runtime's own threads.
    tokio::task::spawn_blocking({
        let a = a.clone();
        move || seed(&a, 12)
    })
    .await
    .unwrap();
    let original = reads_sqlite(&a);
    assert!(
        original.counts.iter().all(|n| *n > 0),
        "{:?}",
        original.counts
    );
    assert!(
        original.changes.len() > original.latest.len(),
        "prices moved"
    );

    let v = tokio::task::spawn_blocking({
        let (a, url) = (arg(&a), db.url.clone());
        move || migrate_ok(&a, &url)
    })
    .await
    .unwrap();
    for (i, (table, source, target)) in json_counts(&v).into_iter().enumerate() {
        assert_eq!(table, TABLES[i]);
        assert_eq!(
            (source, target),
            (original.counts[i], original.counts[i]),
            "{table}"
        );
    }
    let pg = PgStore::connect(&db.url, 2).await.unwrap();
    assert_eq!(reads_pg(&pg).await, original, "PostgreSQL reads differ");
    assert_copies_every_pg_column(&db.url).await;
    let o = bin_async(strings(&["store", "check", "--storage", &db.url])).await;
    let (out, _) = expect_code(&o, 0);
    assert!(
        out.contains("(postgresql)") && out.contains("ok      sequences"),
        "{out}"
    );

    let v = tokio::task::spawn_blocking({
        let (url, b) = (db.url.clone(), format!("sqlite:{}", arg(&b)));
        move || migrate_ok(&url, &b)
    })
    .await
    .unwrap();
    assert_eq!(
        v["rows"].as_i64(),
        Some(original.counts.iter().sum::<i64>())
    );
    assert_eq!(
        reads_sqlite(&b),
        original,
        "the second SQLite file reads differently"
    );
    assert_eq!(
        dump_sqlite(&b),
        dump_sqlite(&a),
        "rows differ after the round trip"
    );

    // The copied sequence goes on where the source's stopped: a cursor at the old end sees
    // exactly the next change, numbered next.
    let last = original.changes.last().unwrap().seq;
    let mut moved = original.latest[0].quote.clone();
    moved.american += if moved.american > 0 { 5 } else { -5 };
    pg.write_quotes(std::slice::from_ref(&moved), moved.observed_ms + 1)
        .await
        .unwrap();
    let next = pg.changes_after(last, 10).await.unwrap();
    assert_eq!(next.len(), 1, "{next:?}");
    assert_eq!(next[0].seq, last + 1);
    assert_eq!(next[0].american, moved.american);
    let ids = pg
        .insert_ingest_run(&IngestRun {
            source: "after".into(),
            scheduled_ms: 1,
            started_ms: 1,
            finished_ms: 2,
            ok: true,
            attempts: 1,
            quotes_received: 0,
            quotes_changed: 0,
            quotes_rejected: 0,
            error: None,
        })
        .await
        .unwrap();
    assert_eq!(
        ids,
        original.counts[5] + 1,
        "the ingest_runs id sequence was set past the copy"
    );

    // A non-empty PostgreSQL target is refused, and left exactly as it was.
    let before = reads_pg(&pg).await;
    let o = bin_async(strings(&[
        "store",
        "migrate",
        "--from",
        &arg(&a),
        "--to",
        &db.url,
    ]))
    .await;
    let (_, err) = expect_code(&o, 1);
    assert!(err.contains("is not empty: table events holds"), "{err}");
    assert_eq!(reads_pg(&pg).await, before);

    // A sequence set back behind its table is what `store check` exists to catch.
    admin(&db.url, "SELECT setval('quotes_history_id_seq', 1)").await;
    let o = bin_async(strings(&["store", "check", "--storage", &db.url])).await;
    let (out, _) = expect_code(&o, 1);
    assert!(
        out.contains("FAILED  sequences") && out.contains("quotes_history"),
        "{out}"
    );
    drop(pg);
    db.drop_db().await;
}

#[test]
fn sqlite_to_sqlite_copies_everything_and_reports_counts() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (
        dir.path().join("a.sqlite3"),
        dir.path().join("sub/b.sqlite3"),
    );
    seed(&a, 6);
    let o = bin(&[
        "store",
        "migrate",
        "--from",
        &arg(&a),
        "--to",
        &format!("sqlite:{}", arg(&b)),
    ]);
    let (out, _) = expect_code(&o, 0);
    let original = reads_sqlite(&a);
    for (i, t) in TABLES.iter().enumerate() {
        let n = original.counts[i];
        let line = out
            .lines()
            .find(|l| l.split_whitespace().next() == Some(t))
            .unwrap_or_else(|| panic!("no line for {t}:\n{out}"));
        let cols: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(cols, [*t, &n.to_string(), &n.to_string(), "ok"], "{out}");
    }
    assert!(out.contains("rows/s); committed"), "{out}");
    assert_eq!(reads_sqlite(&b), original);
    assert_eq!(dump_sqlite(&b), dump_sqlite(&a));
    let (out, _) = expect_code(&store_check(&arg(&b)), 0);
    assert!(out.contains("all 10 checks passed"), "{out}");
}

#[test]
fn a_target_with_rows_is_refused_and_left_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.sqlite3"), dir.path().join("b.sqlite3"));
    seed(&a, 3);
    seed(&b, 2);
    let before = dump_sqlite(&b);
    let o = bin(&["store", "migrate", "--from", &arg(&a), "--to", &arg(&b)]);
    let (out, err) = expect_code(&o, 1);
    assert!(out.is_empty(), "{out}");
    assert!(
        err.contains("is not empty: table events holds 14 row(s)")
            && err.contains("nothing was written"),
        "{err}"
    );
    assert_eq!(dump_sqlite(&b), before);

    // The same file under two names is no copy either.
    let o = bin(&[
        "store",
        "migrate",
        "--from",
        &arg(&a),
        "--to",
        &format!("sqlite:{}", arg(&a)),
    ]);
    let (_, err) = expect_code(&o, 1);
    assert!(err.contains("the same store"), "{err}");
}

#[test]
fn bad_locations_are_usage_errors_that_never_show_the_password() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.sqlite3");
    seed(&a, 1);
    let a = arg(&a);
    for (to, says) in [
        (
            "mysql://desk:hunter2@db/betting",
            "expected sqlite:PATH or postgres://",
        ),
        ("postgres://desk:hunter2@/betting", "expected a host"),
        (
            "postgres://desk:hunter2@db:notaport/betting",
            "invalid PostgreSQL URL",
        ),
        ("sqlite:", "empty path"),
        (
            "postgres://desk:${NFLREADPY_TEST_UNSET_VAR}@db/x",
            "NFLREADPY_TEST_UNSET_VAR is not set",
        ),
    ] {
        let o = bin(&["store", "migrate", "--from", &a, "--to", to]);
        let (out, err) = expect_code(&o, 2);
        assert!(err.contains(says), "{to}: {err}");
        assert!(!format!("{out}{err}").contains("hunter2"), "{to}: {err}");
    }
    // Missing flags are clap's usage errors.
    let (_, err) = expect_code(&bin(&["store", "migrate", "--from", &a]), 2);
    assert!(err.contains("--to"), "{err}");

    // A well-formed URL to a server that is not there (loopback port 1: refused at once) is a
    // runtime failure; the password still never shows, also when it came from ${VAR}.
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_nflreadpy-betting"))
        .args(["store", "migrate", "--from", &a, "--to"])
        .arg("postgres://desk:${NFLREADPY_TEST_PW}@127.0.0.1:1/betting?connect_timeout=5")
        .env("NFLREADPY_TEST_PW", "hunter2")
        .output()
        .unwrap();
    let (out, err) = expect_code(&o, 1);
    assert!(
        err.contains("cannot reach PostgreSQL at desk@127.0.0.1:1/betting"),
        "{err}"
    );
    assert!(!format!("{out}{err}").contains("hunter2"), "{err}");

    // No source file: said plainly, and none is created.
    let gone = dir.path().join("gone.sqlite3");
    let o = bin(&[
        "store",
        "migrate",
        "--from",
        &arg(&gone),
        "--to",
        &arg(&dir.path().join("c.sqlite3")),
    ]);
    let (_, err) = expect_code(&o, 1);
    assert!(err.contains("there is no SQLite store at"), "{err}");
    assert!(!gone.exists());
}

#[test]
fn store_check_passes_a_good_store_and_names_what_is_broken() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.sqlite3");
    seed(&good, 4);
    let (out, _) = expect_code(&store_check(&arg(&good)), 0);
    assert!(
        out.contains("(sqlite)") && out.contains("all 10 checks passed"),
        "{out}"
    );
    let o = bin(&[
        "store",
        "check",
        "--format",
        "json",
        "--storage",
        &format!("sqlite:{}", arg(&good)),
    ]);
    let (out, _) = expect_code(&o, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["checks"].as_array().map(Vec::len), Some(10), "{v}");

    // An event deleted from under its quotes, and a simulation from under its opportunities,
    // with foreign keys off (as a hand edit or a broken tool would).
    let dangling = dir.path().join("dangling.sqlite3");
    std::fs::copy(&good, &dangling).unwrap();
    {
        let c = rusqlite::Connection::open(&dangling).unwrap();
        c.execute_batch(
            "PRAGMA foreign_keys = OFF;
             DELETE FROM events WHERE event_id = (SELECT event_id FROM quotes_latest LIMIT 1);
             DELETE FROM simulations WHERE id = (SELECT simulation_id FROM opportunities LIMIT 1);",
        )
        .unwrap();
    }
    let (out, _) = expect_code(&store_check(&arg(&dangling)), 1);
    for name in [
        "foreign-keys",
        "latest-events",
        "history-events",
        "opportunity-simulations",
    ] {
        assert!(out.contains(&format!("FAILED  {name}")), "{name}:\n{out}");
    }
    assert!(out.contains("ok      integrity"), "{out}");
    assert!(out.contains("4 of 10 checks FAILED"), "{out}");

    // Bytes overwritten in the middle of the file: the pages there no longer parse.
    let torn = dir.path().join("torn.sqlite3");
    std::fs::copy(&good, &torn).unwrap();
    {
        use std::io::{Seek, SeekFrom, Write};
        let len = std::fs::metadata(&torn).unwrap().len();
        assert!(len > 64 * 4096, "a store big enough to tear: {len} bytes");
        let mut f = std::fs::OpenOptions::new().write(true).open(&torn).unwrap();
        f.seek(SeekFrom::Start((len / 2) / 4096 * 4096)).unwrap();
        f.write_all(&[0xA5; 4 * 4096]).unwrap();
    }
    let o = store_check(&arg(&torn));
    let (out, err) = expect_code(&o, 1);
    assert!(out.contains("FAILED  integrity"), "{out}{err}");

    // No file at all: an error, not a new empty store.
    let none = dir.path().join("none.sqlite3");
    let (_, err) = expect_code(&store_check(&arg(&none)), 1);
    assert!(err.contains("there is no SQLite store at"), "{err}");
    assert!(!none.exists());
}
