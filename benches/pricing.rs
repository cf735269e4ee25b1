//! Monte Carlo kernel and slate pricing. Besides criterion's report, prints one machine-readable
//! line `RUST_NS_PER_GAME=<median ns>` (single thread, full-game grid, 1e6 draws, median of 7
//! runs) that `benches/pricing_vs_numpy.sh` compares with the numpy kernel, and the same over
//! the whole rayon pool (`RUST_NS_PER_GAME_POOL`).

use criterion::{black_box, Criterion, Throughput};
use nflreadpy_betting::config::schema::AnalyticsConfig;
use nflreadpy_betting::domain::Scope;
use nflreadpy_betting::pricing::alias::AliasTable;
use nflreadpy_betting::pricing::montecarlo::{par_sample_counts, sample_counts, GridSampler};
use nflreadpy_betting::pricing::{load_games, GameInputs, PricingEngine};
use std::time::{Duration, Instant};

fn engine() -> PricingEngine {
    let games =
        load_games(concat!(env!("CARGO_MANIFEST_DIR"), "/data/games.csv")).expect("games.csv");
    PricingEngine::from_games(&games, &AnalyticsConfig::default()).expect("engine")
}

fn slate() -> Vec<(String, GameInputs)> {
    (0..16)
        .map(|i| {
            let margin = -10.5 + 1.4 * i as f64;
            (
                format!("2025_10_G{i:02}"),
                GameInputs {
                    mean_margin: margin,
                    mean_total: 38.5 + i as f64,
                },
            )
        })
        .collect()
}

/// The sampler's table for a typical game: the positive cells of the full-game grid.
fn game_table(e: &PricingEngine) -> AliasTable {
    let j = e.model().joint(
        &GameInputs {
            mean_margin: 3.0,
            mean_total: 45.5,
        },
        Scope::Game,
    );
    let s = GridSampler::new(&j).expect("sampler");
    println!(
        "full-game grid: {} cells, {} with positive probability",
        j.cells().len(),
        s.support_len()
    );
    s.table().clone()
}

fn main() {
    let e = engine();
    let table = game_table(&e);
    let single = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("pool");
    let n = 1_000_000u32;
    let mut runs: Vec<f64> = (0..7)
        .map(|r| {
            let t = Instant::now();
            black_box(sample_counts(&table, n, r, 1));
            t.elapsed().as_nanos() as f64 / n as f64
        })
        .collect();
    runs.sort_by(f64::total_cmp);
    println!("RUST_NS_PER_GAME={:.3}", runs[3]);
    // The same draws spread over the global rayon pool, as the product runs them (after a
    // warm-up, so the pool's threads are up).
    for r in 0..20 {
        black_box(par_sample_counts(&table, n, r, 1));
    }
    let mut par: Vec<f64> = (0..15)
        .map(|r| {
            let t = Instant::now();
            black_box(par_sample_counts(&table, n, r, 1));
            t.elapsed().as_nanos() as f64 / n as f64
        })
        .collect();
    par.sort_by(f64::total_cmp);
    println!(
        "RUST_NS_PER_GAME_POOL={:.3} threads={}",
        par[7],
        rayon::current_num_threads()
    );
    let mut slate_ms: Vec<f64> = (0..7)
        .map(|r| {
            let t = Instant::now();
            let sim = e.simulate_slate(&slate(), 20_000, r);
            let prices: usize = slate()
                .iter()
                .map(|(id, _)| sim.price_sheet(id).len())
                .sum();
            black_box(prices);
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    slate_ms.sort_by(f64::total_cmp);
    println!(
        "RUST_SLATE_MS={:.3} threads={}",
        slate_ms[3],
        rayon::current_num_threads()
    );

    let mut c = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    let mut g = c.benchmark_group("mc_kernel");
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function("game_grid_1e6_draws_1_thread", |b| {
        b.iter(|| single.install(|| sample_counts(&table, n, 7, 1)))
    });
    g.bench_function("game_grid_1e6_draws_pool", |b| {
        b.iter(|| par_sample_counts(&table, n, 7, 1))
    });
    g.finish();
    let mut g = c.benchmark_group("slate");
    g.bench_function("16_games_all_markets_scopes_20k", |b| {
        b.iter(|| {
            let sim = e.simulate_slate(&slate(), 20_000, 7);
            slate()
                .iter()
                .map(|(id, _)| sim.price_sheet(id).len())
                .sum::<usize>()
        })
    });
    g.bench_function("16_games_all_markets_scopes_20k_1_thread", |b| {
        b.iter(|| {
            single.install(|| {
                let sim = e.simulate_slate(&slate(), 20_000, 7);
                slate()
                    .iter()
                    .map(|(id, _)| sim.price_sheet(id).len())
                    .sum::<usize>()
            })
        })
    });
    g.finish();
    c.final_summary();
}
