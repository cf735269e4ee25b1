//! The cross-book scans of one pricing pass (arbitrage, middles, steam, and the whole
//! `scan_markets` with low hold, stale pricing and book profiles) over a synthetic 16-game board:
//! 10 books, seven scopes, every ladder (20 alternate spreads, 19 alternate totals, team totals),
//! and a ten-minute odds path on the main markets with sharp books moving first. Goal: the three
//! scans under 5 ms per pass, the shared grouping of the board included. Prints
//! `MARKETS_PASS_MS` (median of 15 runs of all three as the engine runs them, the board's scans
//! beside steam) and `MARKETS_PASS_1T_MS` (the same on one thread) besides criterion's report.

use criterion::{black_box, Criterion};
use nflreadpy_betting::config::schema::AnalyticsConfig;
use nflreadpy_betting::domain::odds::decimal_to_american;
use nflreadpy_betting::domain::{MarketKind as M, Quote, Scope, Selection as S};
use nflreadpy_betting::edges::arbitrage::{arbitrage_in, find_arbitrage};
use nflreadpy_betting::edges::board::Board as Grouped;
use nflreadpy_betting::edges::markets::MAX_ROWS;
use nflreadpy_betting::edges::middles::{find_middles, middles_in};
use nflreadpy_betting::edges::scan_markets;
use nflreadpy_betting::edges::steam::{detect_steam, SteamParams};
use nflreadpy_betting::pricing::{load_games, GameInputs, PricingEngine, SlateGame};
use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64;
use std::time::{Duration, Instant};

const BOOKS: [&str; 10] = [
    "pinnacle",
    "circa",
    "lowvig",
    "draftkings",
    "fanduel",
    "betmgm",
    "caesars",
    "bovada",
    "betrivers",
    "espnbet",
];
const NOW: i64 = 1_762_711_500_000;

/// A fair two-way price shaded by `vig` and a book's noise, as American odds.
fn price(p: f64, vig: f64, noise: f64) -> i64 {
    let q = (p * (1.0 + vig) + noise).clamp(0.03, 0.97);
    decimal_to_american(1.0 / q)
}

struct Board {
    latest: Vec<Quote>,
    /// Odds paths of the main markets (history plus the latest).
    paths: Vec<Quote>,
}

fn board() -> Board {
    let mut rng = Pcg64::seed_from_u64(15);
    let mut latest = Vec::new();
    let mut paths = Vec::new();
    for g in 0..16 {
        let event_id = format!("2025_10_G{g:02}");
        let margin = -7.0 + g as f64;
        let total = 40.0 + g as f64 * 0.5;
        for (b, book) in BOOKS.iter().enumerate() {
            let sharp = b < 3;
            let vig = if sharp { 0.025 } else { 0.045 };
            for scope in Scope::ALL {
                let share = if scope == Scope::Game { 1.0 } else { 0.5 };
                let mut push = |market, selection, line: Option<f64>, p: f64, rng: &mut Pcg64| {
                    let q = Quote {
                        event_id: event_id.clone(),
                        book: book.to_string(),
                        market,
                        scope,
                        selection,
                        line,
                        american: price(p, vig, rng.random_range(-0.015..0.015)),
                        observed_ms: NOW - rng.random_range(0..30_000),
                        source: "bench".into(),
                    };
                    latest.push(q);
                };
                let spread = (margin * share * 2.0).round() / 2.0 + 0.5 * (b % 3) as f64 - 0.5;
                let tot = (total * share * 2.0).round() / 2.0 + 0.5 * (b % 2) as f64;
                push(M::Moneyline, S::Home, None, 0.55, &mut rng);
                push(M::Moneyline, S::Away, None, 0.45, &mut rng);
                if scope != Scope::Game {
                    push(M::Moneyline3Way, S::Home, None, 0.45, &mut rng);
                    push(M::Moneyline3Way, S::Away, None, 0.4, &mut rng);
                    push(M::Moneyline3Way, S::Tie, None, 0.15, &mut rng);
                }
                push(M::Spread, S::Home, Some(-spread), 0.5, &mut rng);
                push(M::Spread, S::Away, Some(spread), 0.5, &mut rng);
                push(M::Total, S::Over, Some(tot), 0.5, &mut rng);
                push(M::Total, S::Under, Some(tot), 0.5, &mut rng);
                for k in -10..10 {
                    let l = spread + k as f64;
                    let p = (0.5 + 0.03 * k as f64).clamp(0.05, 0.95);
                    push(M::SpreadAlt, S::Home, Some(-l), p, &mut rng);
                    push(M::SpreadAlt, S::Away, Some(l), 1.0 - p, &mut rng);
                }
                for k in -9..10 {
                    let l = tot + k as f64;
                    let p = (0.5 - 0.03 * k as f64).clamp(0.05, 0.95);
                    push(M::TotalAlt, S::Over, Some(l), p, &mut rng);
                    push(M::TotalAlt, S::Under, Some(l), 1.0 - p, &mut rng);
                }
                for (o, u) in [(S::HomeOver, S::HomeUnder), (S::AwayOver, S::AwayUnder)] {
                    for k in -1..=1 {
                        let l = (tot / 2.0).floor() + 0.5 + k as f64;
                        push(M::TeamTotal, o, Some(l), 0.5, &mut rng);
                        push(M::TeamTotal, u, Some(l), 0.5, &mut rng);
                    }
                }
            }
        }
    }
    // Ten minutes of path on the main markets: sharp books move a half point at t0, copiers
    // follow 20-160 s later, the last book never does (it still deals the old number).
    let main = |q: &Quote| matches!(q.market, M::Moneyline | M::Spread | M::Total);
    for q in latest.iter_mut() {
        if q.book == BOOKS[9] && main(q) {
            q.line = q.line.map(|l| l + 0.5);
        }
    }
    for q in &latest {
        if !main(q) {
            continue;
        }
        let b = BOOKS.iter().position(|x| *x == q.book).unwrap_or(0);
        let moved_at = NOW - 300_000 + if b < 3 { 0 } else { 20_000 * b as i64 };
        for step in 0..6 {
            let t = NOW - 600_000 + step * 100_000;
            let mut old = q.clone();
            old.observed_ms = t;
            if t < moved_at && b != 9 {
                old.line = q.line.map(|l| l + 0.5);
            }
            paths.push(old);
        }
    }
    paths.extend(latest.iter().cloned());
    Board { latest, paths }
}

fn main() {
    let b = board();
    let latest: Vec<&Quote> = b.latest.iter().collect();
    let games =
        load_games(concat!(env!("CARGO_MANIFEST_DIR"), "/data/games.csv")).expect("games.csv");
    let cfg = AnalyticsConfig::default();
    let engine = PricingEngine::from_games(&games, &cfg).expect("engine");
    let slate: Vec<SlateGame> = (0..16)
        .map(|g| {
            SlateGame::new(
                format!("2025_10_G{g:02}"),
                GameInputs {
                    mean_margin: -7.0 + g as f64,
                    mean_total: 40.0 + g as f64 * 0.5,
                },
                2025,
            )
        })
        .collect();
    let sim = engine.simulate_slate(&slate, 0, 1);
    let origin: Vec<String> = ["pinnacle", "circa", "lowvig"].map(String::from).to_vec();
    let params = SteamParams {
        originators: &origin,
        min_prob: 0.015,
        min_points: 0.5,
        window_ms: 60_000,
        lookback_ms: 1_800_000,
    };
    // One pass as `scan_markets` runs it: the board grouped once (timed) and shared by
    // arbitrage and middles, beside the odds path's steam scan, on rayon's pool (two threads on
    // this machine; the path side's thread takes middles once steam is done). The engine keeps
    // `MAX_ROWS` of each.
    let three = || {
        let ((a, m), s) = rayon::join(
            || {
                let board = Grouped::of(&latest);
                rayon::join(
                    || arbitrage_in(&board, NOW, 120.0, MAX_ROWS),
                    || middles_in(&board, &sim, 0.0, MAX_ROWS),
                )
            },
            || detect_steam(&b.paths, &params, NOW),
        );
        a.len() + m.len() + s.events.len() + s.stale.len()
    };
    // The same work on one thread, one scan after another.
    let one_thread = || {
        let board = Grouped::of(&latest);
        let a = arbitrage_in(&board, NOW, 120.0, MAX_ROWS);
        let m = middles_in(&board, &sim, 0.0, MAX_ROWS);
        let s = detect_steam(&b.paths, &params, NOW);
        a.len() + m.len() + s.events.len() + s.stale.len()
    };
    let found = three();
    assert_eq!(found, one_thread());
    let median_ms = |pass: &dyn Fn() -> usize| {
        let mut runs: Vec<f64> = (0..15)
            .map(|_| {
                let t = Instant::now();
                black_box(pass());
                t.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        runs.sort_by(f64::total_cmp);
        runs[runs.len() / 2]
    };
    let pass_ms = median_ms(&three);
    let one_thread_ms = median_ms(&one_thread);
    let intel = scan_markets(&b.paths, &latest, &sim, &cfg, NOW);
    println!(
        "MARKETS_BOARD quotes={} path={} arbitrage={} middles={} steam={} stale={} (rows found {found})",
        b.latest.len(),
        b.paths.len(),
        intel.arbitrage.len(),
        intel.middles.len(),
        intel.steam.len(),
        intel.stale.len()
    );
    println!("MARKETS_PASS_MS {pass_ms:.3}");
    println!("MARKETS_PASS_1T_MS {one_thread_ms:.3}");

    let mut c = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    let mut g = c.benchmark_group("markets");
    g.bench_function("board (grouping, shared)", |bch| {
        bch.iter(|| black_box(Grouped::of(&latest).len()))
    });
    g.bench_function("arbitrage", |bch| {
        bch.iter(|| black_box(find_arbitrage(&latest, NOW, 120.0)))
    });
    g.bench_function("middles", |bch| {
        bch.iter(|| black_box(find_middles(&latest, &sim, 0.0, 200)))
    });
    g.bench_function("steam", |bch| {
        bch.iter(|| black_box(detect_steam(&b.paths, &params, NOW)))
    });
    g.bench_function("arbitrage+middles+steam", |bch| {
        bch.iter(|| black_box(three()))
    });
    g.bench_function("arbitrage+middles+steam (one thread)", |bch| {
        bch.iter(|| black_box(one_thread()))
    });
    g.bench_function("scan_markets (all views)", |bch| {
        bch.iter(|| black_box(scan_markets(&b.paths, &latest, &sim, &cfg, NOW)))
    });
    g.finish();
    c.final_summary();
}
