//! Fitting the period model on the measured tables.

use super::shape;
use super::tables::{Bucket, PeriodTables};
use super::{grid_side, PeriodModel};
use rayon::prelude::*;

/// Pseudo-games in every cell of a correction or ratio update: a cell seen a handful of times
/// moves little, one seen hundreds of times gets its measured value.
const PSEUDO_GAMES: f64 = 5.0;
/// Rounds of (marginal correction, dependence ratio) updates; the third moves no market by
/// more than a few hundredths of a point.
const ROUNDS: usize = 3;

/// Where each bucket's pmf sits on the expected-points axis: the middle of a closed bucket; an
/// open end half its neighbour's width beyond its edge.
fn centres(buckets: &[Bucket]) -> Vec<f64> {
    let width = buckets
        .iter()
        .find_map(|b| Some(b.to? - b.from?))
        .filter(|w| *w > 0.0)
        .unwrap_or(3.0);
    buckets
        .iter()
        .map(|b| match (b.from, b.to) {
            (Some(f), Some(t)) => 0.5 * (f + t),
            (None, Some(t)) => t - 0.5 * width,
            (Some(f), None) => f + 0.5 * width,
            (None, None) => 22.5,
        })
        .collect()
}

fn row_sums(cells: &[f64], n: usize) -> Vec<f64> {
    cells.chunks_exact(n).map(|r| r.iter().sum()).collect()
}

fn col_sums(cells: &[f64], n: usize) -> Vec<f64> {
    let mut out = vec![0.0; n];
    for row in cells.chunks_exact(n) {
        for (o, x) in out.iter_mut().zip(row) {
            *o += x;
        }
    }
    out
}

/// Mean points of the home (rows) and away (columns) teams in a joint table of counts.
fn side_means(cells: &[f64], n: usize) -> (f64, f64) {
    let games: f64 = cells.iter().sum();
    if games <= 0.0 {
        return (0.0, 0.0);
    }
    (
        shape::mean(&row_sums(cells, n)) / games,
        shape::mean(&col_sums(cells, n)) / games,
    )
}

impl PeriodModel {
    /// Fits the model on `t`:
    /// 1. the bucket pmfs are the team-quarter table's, normalised;
    /// 2. the home/away factor of each quarter is the side's share of its points there (from
    ///    the quarter joint) over all teams' share;
    /// 3. overtime points per expected point: the second half's mean with overtime minus
    ///    without, over the slate's mean expectation (the closing lines in the tables'
    ///    population file);
    /// 4. then, per scope, a few rounds of: price every game of the slate, pool, and move each
    ///    side's per-point correction by (observed + 5) / (pooled + 5) of its marginal counts,
    ///    then the dependence ratio by the same on the joint's cells.
    pub fn fit(t: &PeriodTables) -> PeriodModel {
        let base = std::array::from_fn(|q| {
            t.team_quarter[q]
                .iter()
                .map(|counts| {
                    let mut p = counts.clone();
                    shape::normalise(&mut p);
                    p
                })
                .collect()
        });
        let n = super::QUARTER_SIDE;
        let means: Vec<(f64, f64)> = t.quarter_joint.iter().map(|c| side_means(c, n)).collect();
        let (game_home, game_away) = means
            .iter()
            .fold((0.0, 0.0), |(h, a), (x, y)| (h + x, a + y));
        let side_factor = std::array::from_fn(|q| {
            let (h, a) = means[q];
            let all = (h + a) / (game_home + game_away);
            let f = |x: f64, game: f64| {
                let r = x / game / all;
                if r.is_finite() && r > 0.0 {
                    r
                } else {
                    1.0
                }
            };
            [f(h, game_home), f(a, game_away)]
        });
        let hn = super::HALF_SIDE;
        let (with_h, with_a) = side_means(&t.second_half_ot, hn);
        let (reg_h, reg_a) = side_means(&t.second_half, hn);
        let ot_team = ((with_h + with_a) - (reg_h + reg_a)).max(0.0) / 2.0;
        let pop_games: f64 = t.population.iter().map(|p| p.2).sum();
        let mean_e = t
            .population
            .iter()
            .map(|(h, a, w)| (h + a) / 2.0 * w)
            .sum::<f64>()
            / pop_games.max(1.0);
        let mut model = PeriodModel {
            centres: centres(&t.buckets),
            base,
            side_factor,
            ot_per_point: if mean_e > 0.0 { ot_team / mean_e } else { 0.0 },
            correction: std::array::from_fn(|i| std::array::from_fn(|_| vec![1.0; grid_side(i)])),
            dependence: std::array::from_fn(|i| vec![1.0; grid_side(i).pow(2)]),
        };
        for i in 0..super::SCOPES.len() {
            let observed = observed(t, i);
            let games: f64 = observed.iter().sum();
            if games <= 0.0 {
                continue;
            }
            let n = grid_side(i);
            let ratio = |o: f64, m: f64| (o + PSEUDO_GAMES) / (m + PSEUDO_GAMES);
            for _ in 0..ROUNDS {
                // A quarter's shape is its bucket's measured pmf already: only the halves
                // (built from quarters) need their marginal corrected.
                let pooled = model.pooled(&t.population, i);
                for (side, (obs, fit)) in [
                    (row_sums(&observed, n), row_sums(&pooled, n)),
                    (col_sums(&observed, n), col_sums(&pooled, n)),
                ]
                .into_iter()
                .enumerate()
                .filter(|_| i >= 4)
                {
                    for ((c, o), m) in model.correction[i][side].iter_mut().zip(&obs).zip(&fit) {
                        *c *= ratio(*o, m * games);
                    }
                }
                let pooled = model.pooled(&t.population, i);
                for ((r, o), m) in model.dependence[i].iter_mut().zip(&observed).zip(&pooled) {
                    *r *= ratio(*o, m * games);
                }
            }
        }
        model
    }

    /// The slate's pooled joint of scope `i`: every (home, away) expectation priced and
    /// weighted by its games, summed in the population's order (the same at any thread count).
    pub(super) fn pooled(&self, population: &[(f64, f64, f64)], i: usize) -> Vec<f64> {
        let n = grid_side(i);
        let grids: Vec<Vec<f64>> = population
            .par_iter()
            .map(|(h, a, _)| self.joint_cells(*h, *a, i))
            .collect();
        let total: f64 = population.iter().map(|p| p.2).sum();
        let mut out = vec![0.0; n * n];
        for (g, (_, _, w)) in grids.iter().zip(population) {
            for (o, x) in out.iter_mut().zip(g) {
                *o += w * x / total.max(1.0);
            }
        }
        out
    }
}

/// The measured joint of scope `i` as counts on the scope's grid.
pub(super) fn observed(t: &PeriodTables, i: usize) -> Vec<f64> {
    match i {
        0..=3 => t.quarter_joint[i].clone(),
        4 => t.first_half.clone(),
        _ => t.second_half_ot.clone(),
    }
}
