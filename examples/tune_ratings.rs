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
//! final parameters. Nothing here reads a game after 2014. Other modes (environment):
//! `TUNE_ONLY=8,9` searches only those knobs; `TUNE_SET=name=value,...` scores one candidate
//! against the frozen parameters with its paired standard error; `TUNE_FIT_LAST=2011` searches
//! (or scores) on 2006-2011 and reports the 2012-2014 games as a holdout; `TUNE_DIAG=1` prints,
//! for the frozen parameters or the `TUNE_SET` candidate, how far the model's margins are from
//! the closing spreads by season; `TUNE_COMPARE=1` rescores the earlier single changes.

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
        16 => ("market_half_life", &mut p.market_half_life, 7.0),
        17 => ("market_ridge", &mut p.market_ridge, 0.5),
        18 => ("qb_prior_starts", &mut p.qb_prior_starts, 4.0),
        19 => ("qb_market_share", &mut p.qb_market_share, 0.1),
        20 => ("qb_scale", &mut p.qb_scale, 0.25),
        21 => ("home_field_fit", &mut p.home_field_fit, 0.25),
        22 => ("hfa_ridge", &mut p.hfa_ridge, 5.0),
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
            let q = self.home_win(g.season, p.margin_sigma, preds[i].margin);
            out.push((q - if won { 1.0 } else { 0.0 }).powi(2));
        }
        out
    }

    /// The home win probability (ties left out) of a mean margin, read from the season's
    /// key-number margin pmf exactly as the backtest reads it.
    fn home_win(&self, season: i32, sigma: f64, margin: f64) -> f64 {
        let pmf = self.keys[&season]
            .clone()
            .with_sigma(sigma)
            .margin_pmf(margin);
        let mid = pmf.len() / 2;
        let below: f64 = pmf[..mid].iter().sum();
        let above: f64 = pmf[mid + 1..].iter().sum();
        above / (above + below)
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

/// How far the model's margins are from the closing spreads it never sees, by season and by
/// whether a team changes its starting quarterback, beside the Brier of the closing spread read
/// through the same pmf.
fn diagnose(t: &Tuner, q: &RatingParams) {
    let preds = RatingState::walk_forward(t.games, *q);
    let mut changed = vec![false; t.games.len()];
    let mut last_qb: BTreeMap<&str, &str> = BTreeMap::new();
    for (i, g) in t.games.iter().enumerate() {
        for (team, qb) in [(&g.home_team, &g.home_qb_id), (&g.away_team, &g.away_qb_id)] {
            if let Some(qb) = qb {
                changed[i] |= last_qb.insert(team, qb).is_some_and(|l| l != qb);
            }
        }
    }
    // n, sum |d|, sum d^2, sum d, model Brier, spread Brier; d = model margin - spread.
    type Sums = [f64; 6];
    let mut rows: BTreeMap<String, Sums> = BTreeMap::new();
    for &(i, won) in &t.scored {
        let g = &t.games[i];
        let Some(spread) = g.spread_line else {
            continue;
        };
        let y = if won { 1.0 } else { 0.0 };
        let d = preds[i].margin - spread;
        let row = [
            1.0,
            d.abs(),
            d * d,
            d,
            (t.home_win(g.season, q.margin_sigma, preds[i].margin) - y).powi(2),
            (t.home_win(g.season, q.margin_sigma, spread) - y).powi(2),
        ];
        for key in [
            g.season.to_string(),
            "all".to_string(),
            format!("qb change {}", changed[i]),
        ] {
            let e = rows.entry(key).or_default();
            e.iter_mut().zip(row).for_each(|(a, b)| *a += b);
        }
    }
    for (key, e) in &rows {
        println!(
            "{key}: n {} |model-spread| {:.2} rms {:.2} bias {:+.2} brier model {:.4} spread {:.4}",
            e[0],
            e[1] / e[0],
            (e[2] / e[0]).sqrt(),
            e[3] / e[0],
            e[4] / e[0],
            e[5] / e[0]
        );
    }
}

/// `base` with the knobs of a `name=value,name=value` list set (names as in `field`).
fn candidate(base: RatingParams, spec: &str) -> RatingParams {
    let mut q = base;
    for kv in spec.split(',') {
        let (name, value) = kv.split_once('=').expect("name=value");
        let value: f64 = value.trim().parse().expect("a number");
        let i = (0..)
            .find(|&i| field(&mut q, i).is_none_or(|f| f.0 == name.trim()))
            .expect("field");
        *field(&mut q, i)
            .unwrap_or_else(|| panic!("no parameter {name}"))
            .1 = value;
    }
    q
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
    let keys: BTreeMap<i32, KeyNumberTable> = (2006..=LAST_TUNING_SEASON)
        .map(|s| {
            let k = KeyNumberTable::fit(&games, i32::MIN..=s - 1)
                .unwrap_or_else(|| KeyNumberTable::flat(13.0));
            (s, k)
        })
        .collect();
    // TUNE_FIT_LAST=2011 searches on the scored games up to 2011 only and then reports the
    // change on the 2012-2014 games the search never scored (a holdout inside the tuning
    // seasons).
    let fit_last: i32 = std::env::var("TUNE_FIT_LAST")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(LAST_TUNING_SEASON);
    let (fit, holdout): (Vec<_>, Vec<_>) = scored
        .iter()
        .partition(|(i, _)| games[*i].season <= fit_last);
    let t = Tuner {
        games: &games,
        scored: fit,
        keys: keys.clone(),
    };
    let hold = Tuner {
        games: &games,
        scored: holdout,
        keys,
    };
    let mut best = RatingParams::TUNED;
    // TUNE_ONLY=13,14 searches only those parameters (see `field`); the rest stay fixed.
    let only: Option<Vec<usize>> = std::env::var("TUNE_ONLY")
        .ok()
        .map(|v| v.split(',').filter_map(|x| x.trim().parse().ok()).collect());
    let set = std::env::var("TUNE_SET").ok();
    let q = set.as_deref().map_or(best, |v| candidate(best, v));
    if std::env::var("TUNE_DIAG").is_ok() {
        diagnose(&t, &q);
        return;
    }
    if set.is_some() {
        // One candidate against the frozen parameters, on the search games and (with
        // TUNE_FIT_LAST) on the holdout.
        for (label, tuner) in [("search", &t), ("holdout", &hold)] {
            if tuner.scored.is_empty() {
                continue;
            }
            let (d, se) = tuner.compare(&best, &q);
            println!(
                "{label} ({} games): Brier {:.6} -> {:.6}, change {d:+.6} (paired SE {se:.6}, z {:.2})",
                tuner.scored.len(),
                tuner.brier(&best),
                tuner.brier(&q),
                d / se
            );
        }
        return;
    }
    if std::env::var("TUNE_COMPARE").is_ok() {
        // The single changes tried, each against the frozen parameters: Brier difference and
        // its paired standard error on the tuning games.
        let mut early = best;
        (early.early_boost, early.early_games) = (0.9375, 2.0);
        let mut sharp = best;
        sharp.margin_sigma = 11.875;
        for (name, q) in [
            ("early_boost 0.9375 over 2 games", early),
            ("margin_sigma 11.875", sharp),
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
    let (d, se) = t.compare(&RatingParams::TUNED, &best);
    println!(
        "search games: Brier change {d:+.6} (paired SE {se:.6}, z {:.2})",
        d / se
    );
    if !hold.scored.is_empty() {
        let (d, se) = hold.compare(&RatingParams::TUNED, &best);
        println!(
            "holdout {}-{LAST_TUNING_SEASON} ({} games): Brier change {d:+.6} (paired SE {se:.6}, z {:.2})",
            fit_last + 1,
            hold.scored.len(),
            d / se
        );
    }
}
