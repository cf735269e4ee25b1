//! Key numbers: NFL margins pile up on 3, 7, 10, 14, 6 and 4 because scores come in 3s and 7s,
//! so a bare normal margin gives a push at 3 about a third as often as it happens. The table
//! here learns, from closing spreads in history, how much more (or less) often each final
//! margin occurs than a discretised normal centred on the closing spread predicts, and reweights
//! the normal by that ratio. The spread still sets where the mass sits; the table sets its shape.

use super::games::GameRecord;
use crate::domain::normal;
use std::ops::RangeInclusive;

/// Largest |margin| modelled; larger margins (a handful since 1999) fold into this one.
pub const MAX_MARGIN: i32 = 60;
/// Pseudo-games of prior belief in "no key-number effect" per margin: keeps rare margins near 1.
const SHRINK: f64 = 4.0;

#[derive(Debug, Clone, PartialEq)]
pub struct KeyNumberTable {
    /// Residual spread of margin about the closing spread.
    sigma: f64,
    /// Weight for |margin| = 0..=MAX_MARGIN.
    weights: Vec<f64>,
    games: usize,
}

impl KeyNumberTable {
    /// Fits on played games in `seasons` with a closing spread. `None` when fewer than 500
    /// such games exist: too few to tell key numbers from noise.
    pub fn fit(games: &[GameRecord], seasons: RangeInclusive<i32>) -> Option<Self> {
        let rows: Vec<(f64, i32)> = games
            .iter()
            .filter(|g| seasons.contains(&g.season))
            .filter_map(|g| Some((g.spread_line?, g.margin()?)))
            .collect();
        if rows.len() < 500 {
            return None;
        }
        let n = rows.len() as f64;
        let mean_res = rows.iter().map(|(s, m)| *m as f64 - s).sum::<f64>() / n;
        let sigma = (rows
            .iter()
            .map(|(s, m)| (*m as f64 - s - mean_res).powi(2))
            .sum::<f64>()
            / n)
            .sqrt();
        let size = MAX_MARGIN as usize + 1;
        let mut observed = vec![0.0; size];
        let mut expected = vec![0.0; size];
        for (spread, margin) in &rows {
            observed[margin.unsigned_abs().min(MAX_MARGIN as u32) as usize] += 1.0;
            for (m, p) in discretised_normal(*spread, sigma) {
                expected[m.unsigned_abs() as usize] += p;
            }
        }
        let weights = observed
            .iter()
            .zip(&expected)
            .map(|(o, e)| (o + SHRINK) / (e + SHRINK))
            .collect();
        Some(KeyNumberTable {
            sigma,
            weights,
            games: rows.len(),
        })
    }

    /// No key-number effect: a discretised normal (for seasons with too little history).
    pub fn flat(sigma: f64) -> Self {
        KeyNumberTable {
            sigma,
            weights: vec![1.0; MAX_MARGIN as usize + 1],
            games: 0,
        }
    }

    /// The same key-number shape around a different spread of outcomes: the model's margin is
    /// less certain than the closing spread the table was fitted about.
    pub fn with_sigma(mut self, sigma: f64) -> Self {
        if sigma.is_finite() && sigma > 1.0 {
            self.sigma = sigma;
        }
        self
    }

    pub fn sigma(&self) -> f64 {
        self.sigma
    }

    pub fn games(&self) -> usize {
        self.games
    }

    /// How much likelier |margin| = `m` is than the normal says.
    pub fn weight(&self, m: i32) -> f64 {
        self.weights
            .get(m.unsigned_abs() as usize)
            .copied()
            .unwrap_or(1.0)
    }

    /// Exact margin probabilities for margins -MAX_MARGIN..=MAX_MARGIN (index 0 is -MAX_MARGIN),
    /// with the centre solved so the mean margin equals `mean` (reweighting alone would drag the
    /// mean toward the nearest key number).
    pub fn margin_pmf(&self, mean: f64) -> Vec<f64> {
        let mean = mean.clamp(-(MAX_MARGIN as f64) + 10.0, MAX_MARGIN as f64 - 10.0);
        let size = 2 * MAX_MARGIN as usize + 1;
        let mut best: (f64, Vec<f64>) = (f64::INFINITY, Vec::with_capacity(size));
        // Two buffers for the whole search: the candidate and the best so far trade places.
        let mut scratch = Vec::with_capacity(size);
        let mut eval = |centre: f64| {
            self.weighted_into(centre, &mut scratch);
            let err = pmf_mean(&scratch) - mean;
            if err.abs() < best.0.abs() {
                best.0 = err;
                std::mem::swap(&mut best.1, &mut scratch);
            }
            err
        };
        // Secant on the centre: the mean is smooth and increasing in it, so a few steps suffice.
        let (mut x0, mut x1) = (mean, mean + 1.0);
        let mut f0 = eval(x0);
        for _ in 0..20 {
            let f1 = eval(x1);
            if f1.abs() < 1e-10 || (f1 - f0).abs() < 1e-15 {
                break;
            }
            let x2 = x1 - f1 * (x1 - x0) / (f1 - f0);
            (x0, f0, x1) = (x1, f1, x2);
        }
        best.1
    }

    /// The reweighted, normalised discretised normal about `centre`, written into `p`. Each
    /// cell boundary's Φ is evaluated once (a margin's upper bound is the next one's lower);
    /// the values are those of [`discretised_normal`].
    fn weighted_into(&self, centre: f64, p: &mut Vec<f64>) {
        p.clear();
        let phi = normal::FastCdf::new();
        let mut lo = 0.0;
        for m in -MAX_MARGIN..=MAX_MARGIN {
            let hi = if m == MAX_MARGIN {
                1.0
            } else {
                phi.at((m as f64 + 0.5 - centre) / self.sigma)
            };
            p.push((hi - lo) * self.weight(m));
            lo = hi;
        }
        let t: f64 = p.iter().sum();
        p.iter_mut().for_each(|x| *x /= t);
    }
}

/// Mean of a margin pmf indexed from -MAX_MARGIN.
pub fn pmf_mean(p: &[f64]) -> f64 {
    p.iter()
        .enumerate()
        .map(|(i, x)| (i as f64 - MAX_MARGIN as f64) * x)
        .sum()
}

/// P(round(N(mu, sigma)) = m) for every m in range, tails folded into the end points.
fn discretised_normal(mu: f64, sigma: f64) -> impl Iterator<Item = (i32, f64)> {
    let cdf = move |x: f64| normal::cdf_fast((x - mu) / sigma);
    (-MAX_MARGIN..=MAX_MARGIN).map(move |m| {
        let lo = if m == -MAX_MARGIN {
            0.0
        } else {
            cdf(m as f64 - 0.5)
        };
        let hi = if m == MAX_MARGIN {
            1.0
        } else {
            cdf(m as f64 + 0.5)
        };
        (m, hi - lo)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pricing::games::load_games;

    fn table() -> KeyNumberTable {
        let g = load_games(concat!(env!("CARGO_MANIFEST_DIR"), "/data/games.csv")).unwrap();
        KeyNumberTable::fit(&g, 1999..=2024).unwrap()
    }

    #[test]
    fn key_numbers_outweigh_their_neighbours() {
        let t = table();
        assert!((12.5..14.5).contains(&t.sigma()), "sigma {}", t.sigma());
        assert!(
            t.weight(3) > 2.0 && t.weight(7) > 1.3,
            "w3 {} w7 {}",
            t.weight(3),
            t.weight(7)
        );
        assert!(t.weight(3) > t.weight(2) && t.weight(3) > t.weight(5));
        assert!(t.weight(7) > t.weight(8) && t.weight(10) > t.weight(9));
        assert!(
            t.weight(0) < 0.2,
            "ties are rare after overtime: {}",
            t.weight(0)
        );
    }

    #[test]
    fn pmf_keeps_the_requested_mean_and_sums_to_one() {
        let t = table();
        for mean in [-14.0, -3.0, 0.0, 2.5, 3.0, 6.5, 17.0] {
            let p = t.margin_pmf(mean);
            assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
            assert!(
                (pmf_mean(&p) - mean).abs() < 1e-6,
                "{mean}: {}",
                pmf_mean(&p)
            );
        }
    }
}
