//! Season futures: 100,000 full 2024 seasons (the whole regular season from week 1, every
//! tiebreaker and the playoffs to a champion) on one thread and on two. Besides criterion's
//! report, prints `SEASONS_100K_MS_1_THREAD` and `SEASONS_100K_MS_2_THREADS` (median of 5 runs;
//! the run itself, after the once-per-run setup, which is timed apart as `SEASON_SETUP_MS`).

use criterion::{black_box, Criterion};
#[path = "support/mod.rs"]
mod support;
use nflreadpy_betting::pricing::known::Cutoff;
use nflreadpy_betting::pricing::season::inputs::season_sim;
use std::time::{Duration, Instant};
use support::{engine, median_ms};

const SEASONS: u32 = 100_000;

fn main() {
    let engine = engine();
    // Before the 2024 opener: all 272 games to play.
    let cutoff = Cutoff::day("2024-09-01");
    let t = Instant::now();
    let sim = season_sim(&engine, 2024, &cutoff).expect("2024 schedule");
    println!(
        "SEASON_SETUP_MS={:.1} games_to_play={}",
        t.elapsed().as_secs_f64() * 1e3,
        sim.remaining().len()
    );
    let pool = |n| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .expect("pool")
    };
    let (one, two) = (pool(1), pool(2));
    let ms1 = one.install(|| median_ms(5, |r| drop(black_box(sim.run(SEASONS, r)))));
    println!("SEASONS_100K_MS_1_THREAD={ms1:.1}");
    let ms2 = two.install(|| median_ms(5, |r| drop(black_box(sim.run(SEASONS, r)))));
    println!("SEASONS_100K_MS_2_THREADS={ms2:.1}");

    let mut c = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(10))
        .configure_from_args();
    let mut g = c.benchmark_group("season");
    g.bench_function("100k_seasons_1_thread", |b| {
        b.iter(|| one.install(|| sim.run(SEASONS, 7)))
    });
    g.bench_function("100k_seasons_2_threads", |b| {
        b.iter(|| two.install(|| sim.run(SEASONS, 7)))
    });
    g.finish();
    c.final_summary();
}
