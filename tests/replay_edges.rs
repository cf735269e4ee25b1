//! The replay market must give the dashboard and alerts something true to show: edges that
//! appear as soft books trail the sharp line and vanish as they catch up.

use nflreadpy_betting::config::{Config, SourceConfig};
use nflreadpy_betting::engine::pricer::{MarketData, Pass, Pricer};
use nflreadpy_betting::ingest::replay::ReplayFeed;
use nflreadpy_betting::store::{quotes, StoreWriter};
use std::collections::BTreeSet;

#[test]
fn edges_appear_and_vanish_over_a_market_cycle() {
    let mut cfg = Config::default();
    let games = concat!(env!("CARGO_MANIFEST_DIR"), "/data/games.csv");
    cfg.analytics.ratings.games_path = games.into();
    let SourceConfig::Replay(r) = &mut cfg.sources[0] else {
        panic!("replay first")
    };
    r.games_path = games.into();
    let rcfg = r.clone();
    let feed = ReplayFeed::new(&rcfg, 0).unwrap();
    let pricer = Pricer::load(&cfg, None).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("replay.sqlite3");
    let (writer, _t) = StoreWriter::spawn(&db, 5000, 8).unwrap();
    let cycle_ms = (rcfg.market_hours * 3_600_000.0 / rcfg.time_compression) as i64;
    let base = 100 * cycle_ms; // the start of some later cycle
    let mut counts = Vec::new();
    let mut seen: Vec<BTreeSet<String>> = Vec::new();
    for step in 0..24 {
        let now = base + cycle_ms * step / 24 + 1;
        let batch = feed.snapshot(now);
        writer
            .write_blocking(move |c| {
                quotes::upsert_events(c, &batch.events, now)?;
                quotes::write_quotes(c, &batch.quotes, now)
            })
            .unwrap();
        let store = nflreadpy_betting::store::Store::reader(&db, 5000);
        let data = MarketData::read_blocking(&store, &cfg, now).unwrap();
        let pass = Pass {
            iterations: 5000,
            seed: 1,
            bankroll: 1000.0,
            with_bankroll: false,
            trigger: "test",
            now_ms: now,
        };
        let run = pricer.price(&data, &pass);
        counts.push(run.edges.len());
        seen.push(run.edges.iter().map(|e| e.key.clone()).collect());
    }
    eprintln!("edges per 1/24 of a cycle: {counts:?}");
    let with_edges = counts.iter().filter(|c| **c > 0).count();
    assert!(
        with_edges >= 12,
        "edges in only {with_edges} of 24 samples: {counts:?}"
    );
    assert!(
        counts.iter().all(|c| *c < 200),
        "implausibly many edges: {counts:?}"
    );
    // Edges come and go: consecutive samples do not show the same set.
    let changes = seen.windows(2).filter(|w| w[0] != w[1]).count();
    assert!(changes >= 12, "{changes}");
}
