//! Coordinate search of the rating hyper-parameters on 1999-2014 only (never later seasons).
//!
//! Objective: moneyline Brier (ties left out) of the walk-forward model on the 2006-2014 games
//! with a closing moneyline (the seasons 1999-2005 have none in games.csv; they are burn-in),
//! the win probability read from each season's key-number margin pmf exactly as the backtest
//! reads it. Each pass tries every parameter at its value times 0.5, 0.75, 1.25 and 1.5 (or plus
//! and minus a step for those that may be zero) and keeps a change only when it lowers the
//! objective by more than 1e-6; passes repeat until none does.
//!
//! `cargo run --release --example tune_ratings [games.csv]` prints every accepted step and the
//! final parameters. Nothing here reads a game after 2014.

use nflreadpy_betting::pricing::keynumbers::KeyNumberTable;
use nflreadpy_betting::pricing::{load_games, GameRecord, RatingParams, RatingState};
use std::collections::BTreeMap;

const LAST_TUNING_SEASON: i32 = 2014;

/// Multiplicative steps tried per parameter; `TUNE_FINE=1` uses 0.9, 0.95, 1.05 and 1.1.
static FACTORS: std::sync::LazyLock<Vec<f64>> = std::sync::LazyLock::new(|| {
    if std::env::var("TUNE_FINE").is_ok() {
        vec![0.9, 0.95, 1.05, 1.1]
    } else {
        vec![0.5, 0.75, 1.25, 1.5]
    }
});

fn field(p: &mut RatingParams, i: usize) -> Option<(&'static str, &mut f64, f64)> {
    // (name, value, additive step used when the value is zero)
    Some(match i {
        0 => ("k_result", &mut p.k_result, 0.01),
        1 => ("k_market", &mut p.k_market, 0.02),
        2 => ("season_revert", &mut p.season_revert, 0.05),
        3 => ("home_field", &mut p.home_field, 0.25),
        4 => ("k_home_field", &mut p.k_home_field, 0.0005),
        5 => ("rest_per_week", &mut p.rest_per_week, 0.25),
        6 => ("divisional", &mut p.divisional, 0.05),
        7 => ("margin_cap", &mut p.margin_cap, 2.0),
        8 => ("k_qb", &mut p.k_qb, 0.01),
        9 => ("qb_replacement", &mut p.qb_replacement, 0.5),
        10 => ("k_qb_usual", &mut p.k_qb_usual, 0.01),
        11 => ("qb_revert", &mut p.qb_revert, 0.05),
        12 => ("margin_sigma", &mut p.margin_sigma, 0.5),
        13 => ("early_boost", &mut p.early_boost, 0.5),
        14 => ("early_games", &mut p.early_games, 1.0),
        15 => ("market_blend", &mut p.market_blend, 0.1),
        16 => ("k_market_fast", &mut p.k_market_fast, 0.1),
        _ => return None,
    })
}

struct Tuner<'a> {
    games: &'a [GameRecord],
    /// Played 2006-2014 games with a closing moneyline and no tie: (index, home won).
    scored: Vec<(usize, bool)>,
    /// Key-number tables per season, fitted on earlier seasons (sigma applied per call).
    keys: BTreeMap<i32, KeyNumberTable>,
}

impl Tuner<'_> {
    fn brier(&self, p: &RatingParams) -> f64 {
        let e = self.errors(p);
        e.iter().sum::<f64>() / e.len() as f64
    }

    /// Squared error of every scored game.
    fn errors(&self, p: &RatingParams) -> Vec<f64> {
        let preds = RatingState::walk_forward(self.games, *p);
        let mut out = Vec::with_capacity(self.scored.len());
        for &(i, won) in &self.scored {
            let g = &self.games[i];
            let keys = self.keys[&g.season].clone().with_sigma(p.margin_sigma);
            let pmf = keys.margin_pmf(preds[i].margin);
            let mid = pmf.len() / 2;
            let below: f64 = pmf[..mid].iter().sum();
            let above: f64 = pmf[mid + 1..].iter().sum();
            let q = above / (above + below);
            out.push((q - if won { 1.0 } else { 0.0 }).powi(2));
        }
        out
    }

    /// Brier difference `b - a` over the scored games and its paired standard error.
    fn compare(&self, a: &RatingParams, b: &RatingParams) -> (f64, f64) {
        let d: Vec<f64> = self
            .errors(b)
            .iter()
            .zip(self.errors(a))
            .map(|(y, x)| y - x)
            .collect();
        let n = d.len() as f64;
        let mean = d.iter().sum::<f64>() / n;
        let var = d.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        (mean, (var / n).sqrt())
    }
}

fn main() {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/data/games.csv").into());
    let all = load_games(path).expect("games.csv");
    // Only what the tuning seasons hold: later games are dropped before anything is computed.
    let games: Vec<GameRecord> = all
        .into_iter()
        .filter(|g| g.season <= LAST_TUNING_SEASON)
        .collect();
    let scored = games
        .iter()
        .enumerate()
        .filter(|(_, g)| g.season >= 2006 && g.home_moneyline.is_some())
        .filter_map(|(i, g)| {
            let m = g.margin()?;
            (m != 0).then_some((i, m > 0))
        })
        .collect::<Vec<_>>();
    let keys = (2006..=LAST_TUNING_SEASON)
        .map(|s| {
            let k = KeyNumberTable::fit(&games, i32::MIN..=s - 1)
                .unwrap_or_else(|| KeyNumberTable::flat(13.0));
            (s, k)
        })
        .collect();
    let t = Tuner {
        games: &games,
        scored,
        keys,
    };
    let mut best = RatingParams::TUNED;
    // TUNE_ONLY=13,14 searches only those parameters (see `field`); the rest stay fixed.
    let only: Option<Vec<usize>> = std::env::var("TUNE_ONLY")
        .ok()
        .map(|v| v.split(',').filter_map(|x| x.trim().parse().ok()).collect());
    if std::env::var("TUNE_COMPARE").is_ok() {
        // The single changes tried, each against the frozen parameters: Brier difference and
        // its paired standard error on the tuning games.
        let mut early = best;
        (early.early_boost, early.early_games) = (0.9375, 2.0);
        let mut sharp = best;
        sharp.margin_sigma = 11.875;
        let mut blend = best;
        if let Some(v) = std::env::var("TUNE_BLEND").ok().and_then(|v| {
            let (b, k) = v.split_once(',')?;
            Some((b.parse().ok()?, k.parse().ok()?))
        }) {
            (blend.market_blend, blend.k_market_fast) = v;
        }
        for (name, q) in [
            ("early_boost 0.9375 over 2 games", early),
            ("margin_sigma 11.875", sharp),
            ("market-only rating blend (TUNE_BLEND=blend,k)", blend),
        ] {
            let (d, se) = t.compare(&best, &q);
            println!(
                "{name}: Brier change {d:+.6} (paired SE {se:.6}, z {:.2})",
                d / se
            );
        }
        return;
    }
    let mut best_b = t.brier(&best);
    println!("games scored: {} start brier {best_b:.6}", t.scored.len());
    for pass in 0..6 {
        let mut improved = false;
        for i in 0.. {
            let mut probe = best;
            let Some((name, v, step)) = field(&mut probe, i) else {
                break;
            };
            if only.as_ref().is_some_and(|o| !o.contains(&i)) {
                continue;
            }
            let base = *v;
            let candidates: Vec<f64> = if base == 0.0 {
                vec![step, -step, 2.0 * step]
            } else {
                FACTORS.iter().map(|f| base * f).collect()
            };
            for c in candidates {
                let mut q = best;
                *field(&mut q, i).expect("field").1 = c;
                let b = t.brier(&q);
                if b < best_b - 1e-6 {
                    println!("pass {pass}: {name} {base} -> {c}: {best_b:.6} -> {b:.6}");
                    best = q;
                    best_b = b;
                    improved = true;
                }
            }
        }
        if !improved {
            break;
        }
    }
    println!("final brier {best_b:.6}\n{best:#?}");
}
