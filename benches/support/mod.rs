//! What more than one bench needs: the engine fitted on the shipped games file, and a median of
//! timed runs.

use nflreadpy_betting::config::schema::AnalyticsConfig;
use nflreadpy_betting::pricing::{load_games, PricingEngine};
use std::time::Instant;

pub fn engine() -> PricingEngine {
    let games =
        load_games(concat!(env!("CARGO_MANIFEST_DIR"), "/data/games.csv")).expect("games.csv");
    PricingEngine::from_games(&games, &AnalyticsConfig::default()).expect("engine")
}

/// Median wall time in milliseconds of `runs` calls of `f(run number)`.
pub fn median_ms(runs: usize, mut f: impl FnMut(u64)) -> f64 {
    let mut v: Vec<f64> = (0..runs)
        .map(|r| {
            let t = Instant::now();
            f(r as u64);
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    v.sort_by(f64::total_cmp);
    v[runs / 2]
}
