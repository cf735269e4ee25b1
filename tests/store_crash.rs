//! Kill -9 a writer process mid-batch, twenty times, and reopen: the file must pass
//! `PRAGMA integrity_check` and hold every batch the writer acknowledged as committed.
//!
//! The child is this same test binary re-run with `STORE_CRASH_CHILD_DB` set, so the test needs
//! no helper binary and exercises the real `StoreWriter`.

use nflreadpy_betting::domain::{Event, MarketKind, Quote, Scope, Selection};
use nflreadpy_betting::store::{self, quotes, StoreWriter};
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

const QUOTES_PER_JOB: usize = 400;

fn batch(tag: &str) -> (Event, Vec<Quote>) {
    let event = Event {
        event_id: tag.to_string(),
        game_id: None,
        season: Some(2024),
        week: Some(1),
        home_team: "KC".into(),
        away_team: "BAL".into(),
        commence_ms: 1_700_000_000_000,
    };
    let quotes = (0..QUOTES_PER_JOB)
        .map(|i| Quote {
            event_id: tag.to_string(),
            book: format!("book{}", i % 10),
            market: MarketKind::SpreadAlt,
            scope: Scope::Game,
            selection: if i % 2 == 0 {
                Selection::Home
            } else {
                Selection::Away
            },
            line: Some((i / 20) as f64 + 0.5),
            american: -110 - (i % 7) as i64,
            observed_ms: 1_700_000_000_000 + i as i64,
            source: "crash-test".into(),
        })
        .collect();
    (event, quotes)
}

/// The child: four threads write batches as fast as they can and announce each commit.
#[test]
fn crash_child_writer() {
    let Ok(db) = std::env::var("STORE_CRASH_CHILD_DB") else {
        return;
    };
    let round: String = std::env::var("STORE_CRASH_ROUND").unwrap_or_default();
    let (writer, _thread) = StoreWriter::spawn(std::path::Path::new(&db), 5000, 8).unwrap();
    let out = Arc::new(Mutex::new(std::io::stdout()));
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let writer = writer.clone();
            let out = out.clone();
            let round = round.clone();
            std::thread::spawn(move || {
                for i in 0.. {
                    let tag = format!("r{round}-t{t}-b{i}");
                    let (event, qs) = batch(&tag);
                    writer
                        .write_blocking(move |c| {
                            quotes::upsert_events(c, &[event], 0)?;
                            quotes::write_quotes(c, &qs, 0)
                        })
                        .unwrap();
                    let mut o = out.lock().unwrap();
                    writeln!(o, "committed {tag}").unwrap();
                    o.flush().unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        let _ = h.join();
    }
}

#[test]
fn sigkill_mid_batch_never_corrupts_or_loses_committed_batches() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crash.sqlite3");
    let exe = std::env::current_exe().unwrap();
    let mut committed: Vec<String> = Vec::new();
    for round in 0..20 {
        let mut child = Command::new(&exe)
            .args([
                "crash_child_writer",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("STORE_CRASH_CHILD_DB", &db)
            .env("STORE_CRASH_ROUND", round.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        // Vary the moment of the kill: after 1..=12 acknowledged batches.
        let wanted = 1 + (round * 7) % 12;
        let mut seen = 0;
        while seen < wanted {
            let Some(Ok(line)) = lines.next() else { break };
            if let Some(tag) = line.strip_prefix("committed ") {
                committed.push(tag.to_string());
                seen += 1;
            }
        }
        child.kill().unwrap(); // SIGKILL on Unix
                               // Acknowledgements already in the pipe were committed before the kill.
        for line in lines.map_while(Result::ok) {
            if let Some(tag) = line.strip_prefix("committed ") {
                committed.push(tag.to_string());
            }
        }
        let _ = child.wait();
        assert!(seen > 0, "round {round}: the child committed nothing");

        let conn = store::open_for_reading(&db, 5000).unwrap();
        let check: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok", "round {round}");
        for tag in &committed {
            let n: i64 = conn
                .query_row(
                    "SELECT COUNT(*) FROM quotes_history WHERE event_id = ?1",
                    [tag],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(
                n as usize, QUOTES_PER_JOB,
                "round {round}: batch {tag} incomplete"
            );
        }
        // No partial batch from the killed transaction is visible either.
        let partial: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM (SELECT event_id, COUNT(*) c FROM quotes_history GROUP BY event_id HAVING c <> ?1)",
                [QUOTES_PER_JOB as i64],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(partial, 0, "round {round}");
    }
    assert!(committed.len() >= 20);
}

/// Issue 13: `ingest` itself, with the retention task passing every 0.2 s, killed with SIGKILL
/// twenty times at varied moments. Each reopen passes `PRAGMA integrity_check`, and the
/// history inside the retention horizon never shrinks; the rows seeded beyond the horizon are
/// removed by retention along the way.
#[test]
fn sigkill_of_ingest_with_retention_running_keeps_integrity_and_history() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ingest-crash.sqlite3");
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    // 3,000 changes from 60 days ago: work for retention while ingestion runs.
    {
        let conn = store::open_for_writing(&db, 5000).unwrap();
        let old = store::now_ms() - 60 * 86_400_000;
        conn.execute_batch("BEGIN").unwrap();
        for i in 0..3000 {
            conn.execute(
                "INSERT INTO quotes_history (event_id, book, market, scope, selection, ladder_key, line, american, observed_ms, source)
                 VALUES ('old', ?1, 'moneyline', 'game', 'home', '', NULL, -110, ?2, 'seed')",
                rusqlite::params![format!("b{i}"), old],
            )
            .unwrap();
        }
        conn.execute_batch("COMMIT").unwrap();
    }
    let recent = |conn: &rusqlite::Connection| -> i64 {
        conn.query_row(
            "SELECT COUNT(*) FROM quotes_history WHERE observed_ms > ?1",
            [store::now_ms() - 29 * 86_400_000],
            |r| r.get(0),
        )
        .unwrap()
    };
    let mut last_recent = 0;
    let mut kills_mid_run = 0;
    for round in 0..20u64 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_nflreadpy-betting"))
            .current_dir(&root)
            .env_remove("NFLREADPY_BETTING_ENV")
            .env_remove("NFLREADPY_BETTING_CONFIG")
            .env(
                "NFLREADPY_BETTING__storage__retention_interval_seconds",
                "0.2",
            )
            .args(["ingest", "--interval", "0.3", "--jitter", "0", "--storage"])
            .arg(&db)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        // Kill after 1..=4 polls, then a varied extra delay (0-270 ms): a poll, a retention
        // pass or a vacuum may be in flight.
        let wanted = 1 + round % 4;
        let mut polls = 0;
        while polls < wanted {
            match lines.next() {
                Some(Ok(line)) if line.contains(" ingest source=") => polls += 1,
                Some(Ok(_)) => {}
                _ => break,
            }
        }
        std::thread::sleep(std::time::Duration::from_millis((round * 97) % 300));
        if child.try_wait().unwrap().is_none() {
            kills_mid_run += 1;
        }
        child.kill().unwrap();
        let _ = child.wait();
        assert!(polls > 0, "round {round}: ingest never polled");

        let conn = store::open_for_reading(&db, 5000).unwrap();
        let check: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok", "round {round}");
        let now_recent = recent(&conn);
        assert!(
            now_recent >= last_recent,
            "round {round}: history shrank from {last_recent} to {now_recent}"
        );
        last_recent = now_recent;
    }
    assert_eq!(kills_mid_run, 20);
    assert!(last_recent > 0);
    let conn = store::open_for_reading(&db, 5000).unwrap();
    let old: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM quotes_history WHERE event_id = 'old'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(old <= 1, "retention never ran: {old} old rows left");
}
