//! Exact slate pricing, the Monte Carlo check and its kernel. Besides criterion's report, prints
//! machine-readable lines that `benches/pricing_vs_numpy.sh` compares with the numpy twin:
//! `RUST_EXACT_SLATE_MS` (16 games, every market and scope, priced exactly; median of 15),
//! `RUST_CHECK_SLATE_MS` (the same plus the Monte Carlo check at 20,000 draws per scope),
//! `RUST_NS_PER_GAME` (kernel, single thread, full-game grid, 1e6 draws, median of 7 runs) and
//! `RUST_NS_PER_GAME_POOL` (the same over the whole rayon pool).

use criterion::{black_box, Criterion, Throughput};
#[path = "support/mod.rs"]
mod support;
use nflreadpy_betting::domain::Scope;
use nflreadpy_betting::pricing::alias::AliasTable;
use nflreadpy_betting::pricing::montecarlo::{par_sample_counts, sample_counts, GridSampler};
use nflreadpy_betting::pricing::{GameInputs, PricingEngine, SlateGame};
use std::time::{Duration, Instant};
use support::{engine, median_ms};

fn slate() -> Vec<SlateGame> {
    (0..16)
        .map(|i| {
            let margin = -10.5 + 1.4 * i as f64;
            SlateGame::new(
                format!("2025_10_G{i:02}"),
                GameInputs {
                    mean_margin: margin,
                    mean_total: 38.5 + i as f64,
                },
                2025,
            )
        })
        .collect()
}

/// Prices the slate (and checks it with `iterations` draws per scope), then reads every price.
fn price(e: &PricingEngine, games: &[SlateGame], iterations: u32, seed: u64) -> usize {
    let sim = e.simulate_slate(games, iterations, seed);
    games
        .iter()
        .map(|g| sim.price_sheet(&g.event_id).len())
        .sum()
}

/// The sampler's table for a typical game: the positive cells of the full-game grid.
fn game_table(e: &PricingEngine) -> AliasTable {
    let j = e.score_model(2025).joint(
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
    let games = slate();
    // The score model is fitted once per season and cached; a warm engine is what runs.
    black_box(price(&e, &games, 0, 0));
    let exact = median_ms(15, |r| {
        black_box(price(&e, &games, 0, r));
    });
    println!(
        "RUST_EXACT_SLATE_MS={exact:.3} threads={}",
        rayon::current_num_threads()
    );
    let exact_1 = single.install(|| {
        median_ms(15, |r| {
            black_box(price(&e, &games, 0, r));
        })
    });
    println!("RUST_EXACT_SLATE_MS_1_THREAD={exact_1:.3}");
    let checked = median_ms(7, |r| {
        black_box(price(&e, &games, 20_000, r));
    });
    println!(
        "RUST_CHECK_SLATE_MS={checked:.3} threads={}",
        rayon::current_num_threads()
    );
    let sim = e.simulate_slate(&games, 20_000, 7);
    if let Some(c) = sim.check() {
        println!("RUST_CHECK_MAX_Z={:.3} markets={}", c.max_abs_z, c.markets);
    }

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
    g.bench_function("16_games_all_markets_scopes_exact", |b| {
        b.iter(|| price(&e, &games, 0, 7))
    });
    g.bench_function("16_games_all_markets_scopes_exact_1_thread", |b| {
        b.iter(|| single.install(|| price(&e, &games, 0, 7)))
    });
    g.bench_function("16_games_exact_plus_check_20k", |b| {
        b.iter(|| price(&e, &games, 20_000, 7))
    });
    g.finish();
    c.final_summary();
}
