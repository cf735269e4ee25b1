//! Halves and quarters. games.csv has no period scores, so sub-game scopes use a small
//! generative model instead of an empirical table: each team gets a fixed number of possessions
//! in the period, each ends in a score with some probability, and a score is worth 7, 3, 6, 8 or
//! 2. That reproduces what matters for period markets: many ties (0-0, 3-3, 7-7), margins
//! lumped on 3 and 7, and a per-team spread close to the game's once periods are summed.

use super::model::GameInputs;
use crate::domain::Scope;

/// Share of game points scored in each scope. The second quarter (two-minute drill) and the
/// fourth outscore the first and third; overtime (about 1% of points) belongs to the second half.
pub fn points_share(scope: Scope) -> f64 {
    match scope {
        Scope::Game => 1.0,
        Scope::H1 => 0.495,
        Scope::H2 => 0.505,
        Scope::Q1 => 0.205,
        Scope::Q2 => 0.29,
        Scope::Q3 => 0.215,
        Scope::Q4 => 0.28,
    }
}

/// Possessions per team in the scope (about 11 a game).
fn possessions(scope: Scope) -> usize {
    match scope {
        Scope::Game => 11,
        Scope::H1 | Scope::H2 => 6,
        _ => 3,
    }
}

/// Value of a scoring possession and its share: TD with PAT, field goal, TD with missed or no
/// PAT, TD with two-point conversion, safety.
const SCORES: [(usize, f64); 5] = [(7, 0.55), (3, 0.36), (6, 0.04), (8, 0.03), (2, 0.02)];

fn mean_score() -> f64 {
    SCORES.iter().map(|(v, p)| *v as f64 * p).sum()
}

/// Exact pmf of one team's points in `scope` when it averages `mean` points there.
pub fn team_points_pmf(mean: f64, scope: Scope) -> Vec<f64> {
    let n = possessions(scope);
    let max_value = SCORES.iter().map(|(v, _)| *v).max().unwrap_or(8);
    let q = (mean.max(0.0) / mean_score() / n as f64).clamp(0.0, 0.95);
    let mut out = vec![0.0; n * max_value + 1];
    let mut binom = 1.0f64;
    for (k, conv) in convolutions(n).iter().enumerate() {
        let pk = binom * q.powi(k as i32) * (1.0 - q).powi((n - k) as i32);
        for (x, c) in conv.iter().enumerate() {
            out[x] += pk * c;
        }
        if k < n {
            binom = binom * (n - k) as f64 / (k + 1) as f64;
        }
    }
    out
}

/// For k = 0..=n, the pmf of the points of k scoring possessions, built up one convolution at
/// a time. They do not depend on the scoring rate, so they are computed once per n.
fn convolutions(n: usize) -> &'static [Vec<f64>] {
    const MOST: usize = 11;
    static TABLES: std::sync::OnceLock<Vec<Vec<Vec<f64>>>> = std::sync::OnceLock::new();
    let tables = TABLES.get_or_init(|| {
        let max_value = SCORES.iter().map(|(v, _)| *v).max().unwrap_or(8);
        (0..=MOST)
            .map(|n| {
                let mut convs = vec![vec![1.0]];
                for _ in 0..n {
                    let conv = convs.last().expect("at least k = 0");
                    let mut next = vec![0.0; conv.len() + max_value];
                    for (x, c) in conv.iter().enumerate() {
                        for (v, p) in SCORES {
                            next[x + v] += c * p;
                        }
                    }
                    convs.push(next);
                }
                convs
            })
            .collect()
    });
    match tables.get(n) {
        Some(t) => t,
        None => &tables[MOST],
    }
}

/// Team means for the scope: the scope's share of each team's game expectation.
pub fn team_means(inputs: &GameInputs, scope: Scope) -> (f64, f64) {
    let share = points_share(scope);
    let home = (inputs.mean_total + inputs.mean_margin) / 2.0;
    let away = (inputs.mean_total - inputs.mean_margin) / 2.0;
    ((home * share).max(0.0), (away * share).max(0.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn team_pmf_has_the_requested_mean() {
        for scope in [Scope::H1, Scope::Q2, Scope::Q4] {
            for mean in [0.5, 5.0, 11.0] {
                let p = team_points_pmf(mean, scope);
                assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
                let m: f64 = p.iter().enumerate().map(|(i, x)| i as f64 * x).sum();
                assert!((m - mean).abs() < 1e-9, "{scope}: {m} vs {mean}");
                assert!(p[1] == 0.0, "one point is not a score");
            }
        }
    }

    #[test]
    fn shares_add_up() {
        let q: f64 = [Scope::Q1, Scope::Q2, Scope::Q3, Scope::Q4]
            .iter()
            .map(|s| points_share(*s))
            .sum();
        assert!(
            (points_share(Scope::H1) - points_share(Scope::Q1) - points_share(Scope::Q2)).abs()
                < 1e-12
        );
        assert!((points_share(Scope::H1) + points_share(Scope::H2) - 1.0).abs() < 1e-12);
        assert!(q < 1.0 && q > 0.98, "quarters leave room for overtime");
    }
}
