//! Issue 13, item 5: nothing pruned on its own, so a replay run grew ~6 GB a day. A long
//! simulated run — ten days of quote changes, simulations with opportunities, metric samples,
//! ingest runs and delivered alerts, written through the real store writer into a real SQLite
//! file on a simulated clock — with `storage.retention_days: 1` and the retention pass every
//! simulated hour, stays under a stated size, while what retention must keep is kept.

use nflreadpy_betting::domain::{Event, MarketKind, Quote, Scope, Selection};
use nflreadpy_betting::store::outbox::{self, NewRow};
use nflreadpy_betting::store::records::{
    insert_ingest_run, insert_metric_samples, insert_simulation, IngestRun, MetricSample,
    OpportunityRecord, SimulationRecord,
};
use nflreadpy_betting::store::{quotes, retention, StoreWriter};

/// The bound this test states: ten simulated days with a one-day horizon fit in 16 MiB
/// (database plus WAL). Without retention the same run writes several times that.
const MAX_BYTES: u64 = 16 * 1024 * 1024;

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;
const TICKS_PER_HOUR: i64 = 6;
const QUOTES_PER_TICK: usize = 120;

fn file_bytes(db: &std::path::Path) -> u64 {
    let wal = db.with_extension("sqlite3-wal");
    [db.to_path_buf(), wal]
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum()
}

fn count(db: &std::path::Path, sql: &str) -> i64 {
    let c = nflreadpy_betting::store::open_for_reading(db, 5000).unwrap();
    c.query_row(sql, [], |r| r.get(0)).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_run_with_retention_stays_under_its_stated_size() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("long.sqlite3");
    let (writer, thread) = StoreWriter::spawn(&db, 5000, 64).unwrap();
    let start: i64 = 1_700_000_000_000;
    let days = 10;
    let end = start + days * DAY;
    // One game far in the future (its latest quotes must survive), and one game per day
    // that kicks off at the end of that day.
    let future = Event {
        event_id: "future".into(),
        game_id: None,
        season: Some(2030),
        week: Some(1),
        home_team: "KC".into(),
        away_team: "BAL".into(),
        commence_ms: end + 30 * DAY,
    };
    let pending_key = "pending-forever:trigger".to_string();
    let mut size_after_day = Vec::new();
    let mut written_history = 0usize;
    let (keep, _) = retention::settings(&nflreadpy_betting::config::StorageConfig {
        retention_days: 1.0,
        ..Default::default()
    });
    let mut tick = 0i64;
    let mut now = start;
    while now < end {
        let day = (now - start) / DAY;
        let game = Event {
            event_id: format!("day{day}"),
            commence_ms: start + (day + 1) * DAY,
            ..future.clone()
        };
        let events = vec![game.clone(), future.clone()];
        let qs: Vec<Quote> = (0..QUOTES_PER_TICK)
            .map(|i| Quote {
                event_id: if i % 2 == 0 {
                    game.event_id.clone()
                } else {
                    "future".into()
                },
                book: format!("book{}", i % 12),
                market: MarketKind::Moneyline,
                scope: Scope::ALL[(i / 12) % Scope::ALL.len()],
                selection: if i % 24 < 12 {
                    Selection::Home
                } else {
                    Selection::Away
                },
                line: None,
                american: -110 - ((tick + i as i64) % 40),
                observed_ms: now,
                source: "replay".into(),
            })
            .collect();
        let t = now;
        let first = tick == 0;
        let key = pending_key.clone();
        let changed = writer
            .write(move |c| {
                quotes::upsert_events(c, &events, t)?;
                let s = quotes::write_quotes(c, &qs, t)?;
                insert_ingest_run(
                    c,
                    &IngestRun {
                        source: "replay".into(),
                        scheduled_ms: t,
                        started_ms: t,
                        finished_ms: t,
                        ok: true,
                        attempts: 1,
                        quotes_received: qs.len(),
                        quotes_changed: s.changed,
                        quotes_rejected: 0,
                        error: None,
                    },
                )?;
                let samples: Vec<MetricSample> = (0..20)
                    .map(|i| MetricSample {
                        ts_ms: t,
                        name: format!("ingestion.metric_{i}"),
                        labels: "{\"source\":\"replay\"}".into(),
                        value: i as f64,
                    })
                    .collect();
                insert_metric_samples(c, &samples)?;
                let opps: Vec<OpportunityRecord> = (0..5)
                    .map(|i| OpportunityRecord {
                        detected_ms: t,
                        event_id: "future".into(),
                        market: "moneyline".into(),
                        scope: "game".into(),
                        selection: "home".into(),
                        line: None,
                        book: format!("book{i}"),
                        american: 120,
                        fair_prob: 0.5,
                        push_prob: 0.0,
                        ev: 0.05,
                        kelly: 0.01,
                        stake: 20.0,
                        detail: "x".repeat(600),
                    })
                    .collect();
                insert_simulation(
                    c,
                    &SimulationRecord {
                        started_ms: t,
                        latency_ms: 100.0,
                        iterations: 10_000,
                        seed: 1,
                        events: 2,
                        markets: 10,
                        max_std_error: 0.01,
                        max_abs_z: Some(2.0),
                        trigger: "tick".into(),
                    },
                    &opps,
                )?;
                let mut rows = vec![NewRow {
                    dedup_key: format!("edge-{t}:trigger"),
                    rule: "new_edge".into(),
                    severity: "info".into(),
                    channel: "slack".into(),
                    payload: "{}".into(),
                    created_ms: t,
                    next_attempt_ms: t,
                }];
                if first {
                    rows.push(NewRow {
                        dedup_key: key,
                        ..rows[0].clone()
                    });
                }
                outbox::enqueue(c, &rows)?;
                // Everything but the pending row is delivered at once.
                c.execute(
                    "UPDATE alert_outbox SET state = 'delivered', delivered_ms = ?1
                     WHERE state = 'pending' AND dedup_key <> 'pending-forever:trigger'",
                    [t],
                )?;
                Ok(s.changed)
            })
            .await
            .unwrap();
        written_history += changed;
        tick += 1;
        now += HOUR / TICKS_PER_HOUR;
        if tick % TICKS_PER_HOUR == 0 {
            retention::run_once(
                &nflreadpy_betting::store::Store::from_writer(&db, 5000, writer.clone()),
                keep,
                now,
            )
            .await
            .unwrap();
        }
        if (now - start) % DAY == 0 {
            size_after_day.push(file_bytes(&db));
        }
    }
    retention::run_once(
        &nflreadpy_betting::store::Store::from_writer(&db, 5000, writer.clone()),
        keep,
        now,
    )
    .await
    .unwrap();
    let history = count(&db, "SELECT COUNT(*) FROM quotes_history");
    let bytes = file_bytes(&db);
    eprintln!(
        "retention run: {days} simulated days, {written_history} history rows written, {history} kept, {bytes} bytes on disk; after each day: {size_after_day:?}"
    );
    assert!(
        bytes <= MAX_BYTES,
        "{bytes} bytes is over the stated {MAX_BYTES}"
    );
    // Growth stops once the horizon is reached: the last day is no larger than day three
    // plus a margin for page-level slack.
    let day3 = size_after_day[2];
    let last = *size_after_day.last().unwrap();
    assert!(last <= day3 + day3 / 2, "still growing: {size_after_day:?}");
    // Only about a day of history is left.
    let per_day = written_history as i64 / days;
    assert!(
        history <= per_day * 2,
        "{history} kept of {written_history}"
    );
    // What retention must keep, it keeps.
    let future_latest = count(
        &db,
        "SELECT COUNT(*) FROM quotes_latest WHERE event_id = 'future'",
    );
    assert_eq!(future_latest, (QUOTES_PER_TICK / 2) as i64);
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM alert_outbox WHERE state = 'pending'"
        ),
        1,
        "the undelivered alert is kept whatever its age"
    );
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM quotes_history WHERE observed_ms < 1700000000000 + 8 * 86400000"
        ),
        0
    );
    let integrity: String = nflreadpy_betting::store::open_for_reading(&db, 5000)
        .unwrap()
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
    drop(writer);
    thread.join();
}
