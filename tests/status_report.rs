//! `status` reads health from the store over a read-only connection: freshness, success rate,
//! last simulation, alert delivery and outbox backlog; unhealthy means exit code 1.

use nflreadpy_betting::commands::status::{render_text, report};
use nflreadpy_betting::config::Config;
use nflreadpy_betting::store::StoreWriter;
use rusqlite::params;

const NOW: i64 = 1_700_000_000_000;

fn seed(path: &std::path::Path, seen_ms: i64, ok_runs: usize, failing_attempts: i64) {
    let (w, t) = StoreWriter::spawn(path, 5000, 8).unwrap();
    w.write_blocking(move |c| {
        c.execute("DELETE FROM quotes_latest", [])?;
        c.execute("DELETE FROM ingest_runs", [])?;
        c.execute("DELETE FROM alert_outbox", [])?;
        c.execute(
            "INSERT INTO quotes_latest VALUES ('ev1','pinnacle','spread','game','home','-3.5',-3.5,-110,?1,?1,'replay')",
            [seen_ms],
        )?;
        for i in 0..20 {
            c.execute(
                "INSERT INTO ingest_runs (source, scheduled_ms, started_ms, finished_ms, ok, attempts, quotes_received, quotes_changed, quotes_rejected, error)
                 VALUES ('replay', ?1, ?1, ?1, ?2, 1, 10, 1, 0, NULL)",
                params![NOW - (20 - i) * 10_000, i64::from(i >= 20 - ok_runs as i64)],
            )?;
        }
        c.execute(
            "INSERT INTO simulations (started_ms, latency_ms, iterations, seed, events, markets, max_std_error, trigger)
             VALUES (?1, 1200.0, 20000, 1, 16, 300, 0.003, 'schedule')",
            [NOW - 60_000],
        )?;
        c.execute(
            "INSERT INTO alert_outbox (dedup_key, rule, severity, channel, payload, created_ms, state, attempts, next_attempt_ms, delivered_ms)
             VALUES ('a@1:trigger', 'new_edge', 'info', 'slack', '{}', ?1, 'delivered', 1, ?1, ?1)",
            [NOW - 1000],
        )?;
        if failing_attempts > 0 {
            c.execute(
                "INSERT INTO alert_outbox (dedup_key, rule, severity, channel, payload, created_ms, state, attempts, next_attempt_ms, last_error)
                 VALUES ('b@2:trigger', 'new_edge', 'info', 'webhook', '{}', ?1, 'pending', ?2, ?1, 'HTTP 503: unavailable')",
                params![NOW - 1000, failing_attempts],
            )?;
        }
        Ok(())
    })
    .unwrap();
    drop(w);
    t.join();
}

#[test]
fn healthy_then_each_kind_of_problem() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sqlite3");
    let cfg = Config::default();

    seed(&path, NOW - 5_000, 20, 0);
    let r = report(&cfg, &path, NOW).unwrap();
    assert!(r.healthy, "{:?}", r.problems);
    assert_eq!(r.sources[0].success_rate, 1.0);
    assert_eq!(r.freshness[0].market_group, "spread");
    assert_eq!(r.last_simulation.as_ref().unwrap().latency_seconds, 1.2);
    assert_eq!(r.outbox_pending, 0);
    assert!(render_text(&r).starts_with("status: healthy"));

    // Stale quotes (over 3 x the 10 s interval), a failing source, a failing channel.
    seed(&path, NOW - 120_000, 17, 4);
    let r = report(&cfg, &path, NOW).unwrap();
    assert!(!r.healthy);
    let all = r.problems.join("\n");
    assert!(all.contains("ingestion stalled: pinnacle spread"), "{all}");
    assert!(all.contains("source replay: success rate 85%"), "{all}");
    assert!(
        all.contains("alert channel webhook: 4 failed attempts"),
        "{all}"
    );
    assert_eq!(r.outbox_pending, 1);
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["healthy"], false);
    assert!(render_text(&r).contains("UNHEALTHY"));
}
