//! The period model's goodness of fit on games it did not see: 5-fold over the tables' games
//! (each cell's games exchangeable; see `pricing::period::holdout`), every market pooled over
//! the tables' slate, next to the assumption-built possession model it replaced (the "before").
//!
//! cargo run --release --example period_holdout [-- K]

use nflreadpy_betting::pricing::period::holdout::{self, MarketFit};
use nflreadpy_betting::pricing::period::{PeriodTables, SCOPES};

/// The replaced model: per-team possession pmf with fixed shares (src/pricing/period.rs before
/// the fitted model), pooled over the same slate with the two teams independent.
mod before {
    const SCORES: [(usize, f64); 5] = [(7, 0.55), (3, 0.36), (6, 0.04), (8, 0.03), (2, 0.02)];

    pub fn share(i: usize) -> f64 {
        [0.205, 0.29, 0.215, 0.28, 0.495, 0.505][i]
    }

    pub fn team_pmf(mean: f64, i: usize) -> Vec<f64> {
        let n = if i < 4 { 3 } else { 6 };
        let mean_score: f64 = SCORES.iter().map(|(v, p)| *v as f64 * p).sum();
        let q = (mean.max(0.0) / mean_score / n as f64).clamp(0.0, 0.95);
        let mut one = [0.0; 9];
        one[0] = 1.0 - q;
        for (v, p) in SCORES {
            one[v] += q * p;
        }
        let mut out = vec![1.0];
        for _ in 0..n {
            let mut next = vec![0.0; out.len() + 8];
            for (x, a) in out.iter().enumerate() {
                for (v, b) in one.iter().enumerate() {
                    next[x + v] += a * b;
                }
            }
            out = next;
        }
        out
    }
}

fn print(label: &str, fits: &[MarketFit]) {
    println!("\n{label}");
    println!(
        "{:<4} {:<48} {:>6} {:>9} {:>9} {:>6}",
        "scope", "market", "n", "predicted", "observed", "error"
    );
    for f in fits {
        println!(
            "{:<4} {:<48} {:>6} {:>8.1}% {:>8.1}% {:>6.2}",
            f.scope,
            f.market,
            f.n,
            100.0 * f.predicted,
            100.0 * f.observed,
            100.0 * (f.predicted - f.observed)
        );
    }
}

fn worst_by_scope(label: &str, fits: &[MarketFit], min_n: f64) {
    println!("\n{label}: largest |predicted - observed| per scope (markets with n >= {min_n})");
    for s in SCOPES {
        let w = fits
            .iter()
            .filter(|f| f.scope == s.as_str() && f.n >= min_n)
            .max_by(|a, b| a.error().total_cmp(&b.error()));
        if let Some(w) = w {
            println!(
                "  {:<3} {:>5.2} points  ({}: {:.1}% vs {:.1}%)",
                s.as_str(),
                100.0 * w.error(),
                w.market,
                100.0 * w.predicted,
                100.0 * w.observed
            );
        }
    }
}

fn main() -> anyhow::Result<()> {
    let k: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(5);
    let t = PeriodTables::shipped()?;
    let games: f64 = t.population.iter().map(|p| p.2).sum();
    // Before: the possession model on the same slate, against all games.
    let mut before = Vec::new();
    for (i, s) in SCOPES.iter().enumerate() {
        let n = if i < 4 { 40 } else { 64 };
        let mut pooled = vec![0.0; n * n];
        for (h, a, w) in &t.population {
            let ph = before::team_pmf(h * before::share(i), i);
            let pa = before::team_pmf(a * before::share(i), i);
            for (x, p) in ph.iter().enumerate().take(n) {
                for (y, q) in pa.iter().enumerate().take(n) {
                    pooled[x * n + y] += w * p * q / games;
                }
            }
        }
        let observed = match i {
            0..=3 => t.quarter_joint[i].clone(),
            4 => t.first_half.clone(),
            _ => t.second_half_ot.clone(),
        };
        let obs_games: f64 = observed.iter().sum();
        for ((m, p), (_, o)) in holdout::markets(&pooled, n)
            .into_iter()
            .zip(holdout::markets(&observed, n))
        {
            before.push(MarketFit {
                scope: s.as_str().into(),
                market: m,
                n: obs_games,
                predicted: p,
                observed: o,
            });
        }
    }
    let after = holdout::kfold(&t, k);
    let buckets = holdout::kfold_team_buckets(&t, k);
    let key = |f: &&MarketFit| {
        f.scope == "2q"
            && ["total under 3.5", "total under 7.5", "total under 10.5"]
                .contains(&f.market.as_str())
            || f.scope == "1q" && f.market == "total under 10.5"
    };
    println!("The issue's figures (before: possession model; after: fitted, {k}-fold held out):");
    for (b, a) in before.iter().filter(key).zip(after.iter().filter(key)) {
        println!(
            "  {} {:<18} before {:>5.1}%  after {:>5.1}%  observed {:>5.1}%  (n {})",
            a.scope,
            a.market,
            100.0 * b.predicted,
            100.0 * a.predicted,
            100.0 * a.observed,
            a.n
        );
    }
    worst_by_scope("Before (possession model)", &before, 200.0);
    worst_by_scope(&format!("After ({k}-fold held out)"), &after, 200.0);
    worst_by_scope(
        &format!("After, team totals by expected-points bucket ({k}-fold)"),
        &buckets,
        200.0,
    );
    print(&format!("Every market, {k}-fold held out"), &after);
    print(
        &format!("Team totals by bucket, {k}-fold held out"),
        &buckets,
    );
    Ok(())
}
