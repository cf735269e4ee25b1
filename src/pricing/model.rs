//! The game model: an exact joint distribution of (home points, away points) for each scope.
//! Full game: margin from the key-number table (centred on the expected margin), total from a
//! normal centred on the expected total and rounded to the parity the margin allows (home and
//! away points are then whole numbers). Halves and quarters: independent team scores from the
//! possession model in `period`. Every market is a sum over this grid, so Monte Carlo has an
//! exact answer to be checked against.

use super::keynumbers::{KeyNumberTable, MAX_MARGIN};
use super::period;
use crate::domain::{normal, Scope};
use serde::{Deserialize, Serialize};

/// Most points one team can score in the full-game grid; mass beyond is negligible (< 1e-9)
/// for any realistic total and is dropped before renormalising.
pub const MAX_TEAM_POINTS: usize = 80;

/// What the model needs to know about a game.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GameInputs {
    /// Expected home minus away points.
    pub mean_margin: f64,
    /// Expected combined points.
    pub mean_total: f64,
}

/// Cells below this probability are set to zero: their total mass is under 1e-8, and dropping
/// them halves the grid the sampler touches, keeping its tables in L1 cache.
pub const NEGLIGIBLE: f64 = 1e-12;

/// Probability of every (home, away) score in a square grid.
#[derive(Debug, Clone, PartialEq)]
pub struct JointPmf {
    side: usize,
    probs: Vec<f64>,
}

impl JointPmf {
    /// `probs[h * side + a]`; renormalised so it sums to one.
    pub fn from_cells(side: usize, mut probs: Vec<f64>) -> Option<Self> {
        if side == 0 || probs.len() != side * side {
            return None;
        }
        let t: f64 = probs.iter().sum();
        if !(t.is_finite() && t > 0.0) {
            return None;
        }
        probs
            .iter_mut()
            .for_each(|p| *p = if *p / t < NEGLIGIBLE { 0.0 } else { *p });
        let t: f64 = probs.iter().sum();
        probs.iter_mut().for_each(|p| *p /= t);
        Some(JointPmf { side, probs })
    }

    /// Number of possible points per team (the grid is side x side).
    pub fn side(&self) -> usize {
        self.side
    }

    pub fn cells(&self) -> &[f64] {
        &self.probs
    }

    /// Indices of the cells with positive probability.
    pub fn support(&self) -> Vec<u32> {
        (0..self.probs.len() as u32)
            .filter(|&i| self.probs[i as usize] > 0.0)
            .collect()
    }

    pub fn prob(&self, home: usize, away: usize) -> f64 {
        if home < self.side && away < self.side {
            self.probs[home * self.side + away]
        } else {
            0.0
        }
    }

    pub fn mean_margin(&self) -> f64 {
        self.expect(|h, a| h as f64 - a as f64)
    }

    pub fn mean_total(&self) -> f64 {
        self.expect(|h, a| (h + a) as f64)
    }

    fn expect(&self, f: impl Fn(usize, usize) -> f64) -> f64 {
        let mut s = 0.0;
        for h in 0..self.side {
            for a in 0..self.side {
                s += self.probs[h * self.side + a] * f(h, a);
            }
        }
        s
    }
}

/// The fitted score model shared by every game of a slate.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreModel {
    keys: KeyNumberTable,
    total_sigma: f64,
}

impl ScoreModel {
    pub fn new(keys: KeyNumberTable, total_sigma: f64) -> Self {
        ScoreModel { keys, total_sigma }
    }

    pub fn keys(&self) -> &KeyNumberTable {
        &self.keys
    }

    pub fn total_sigma(&self) -> f64 {
        self.total_sigma
    }

    /// Exact joint pmf of the scope's (home, away) points.
    pub fn joint(&self, inputs: &GameInputs, scope: Scope) -> JointPmf {
        match scope {
            Scope::Game => self.game_joint(inputs),
            _ => period_joint(inputs, scope),
        }
    }

    /// Exact full-game margin pmf, index 0 = margin -MAX_MARGIN.
    pub fn margin_pmf(&self, mean_margin: f64) -> Vec<f64> {
        self.keys.margin_pmf(mean_margin)
    }

    fn game_joint(&self, inputs: &GameInputs) -> JointPmf {
        let margin = self.keys.margin_pmf(inputs.mean_margin);
        let target = inputs
            .mean_total
            .clamp(10.0, 2.0 * MAX_TEAM_POINTS as f64 - 40.0);
        // The floor at |margin| (the loser cannot score below zero) lifts the mean a little for
        // low totals; re-centre the latent normal until the grid's mean total is the target.
        let mut centre = target;
        let mut joint = self.game_joint_at(&margin, centre);
        for _ in 0..6 {
            let err = target - joint.mean_total();
            if err.abs() < 1e-9 {
                break;
            }
            centre += err;
            joint = self.game_joint_at(&margin, centre);
        }
        joint
    }

    fn game_joint_at(&self, margin: &[f64], centre: f64) -> JointPmf {
        let side = MAX_TEAM_POINTS + 1;
        let max_total = 2 * MAX_TEAM_POINTS;
        // cdf[k] = P(latent total < k); totals with a given parity own the interval [t-1, t+1).
        let cdf: Vec<f64> = (0..=max_total + 2)
            .map(|k| normal::cdf((k as f64 - centre) / self.total_sigma))
            .collect();
        let mut probs = vec![0.0; side * side];
        for (i, pm) in margin.iter().enumerate() {
            if *pm == 0.0 {
                continue;
            }
            let m = i as i64 - MAX_MARGIN as i64;
            let lo = m.unsigned_abs() as usize;
            let mut t = lo;
            while t <= max_total {
                let h = (t as i64 + m) / 2;
                let a = (t as i64 - m) / 2;
                if h < 0 || a < 0 || h as usize >= side || a as usize >= side {
                    break;
                }
                let below = if t == lo { 0.0 } else { cdf[t - 1] };
                probs[h as usize * side + a as usize] += pm * (cdf[t + 1] - below);
                t += 2;
            }
        }
        // from_cells cannot fail here: the grid is square and holds positive mass.
        JointPmf::from_cells(side, probs).unwrap_or_else(|| uniform(side))
    }
}

fn period_joint(inputs: &GameInputs, scope: Scope) -> JointPmf {
    let (home_mean, away_mean) = period::team_means(inputs, scope);
    let home = period::team_points_pmf(home_mean, scope);
    let away = period::team_points_pmf(away_mean, scope);
    let side = home.len().max(away.len());
    let mut probs = vec![0.0; side * side];
    for (h, ph) in home.iter().enumerate() {
        for (a, pa) in away.iter().enumerate() {
            probs[h * side + a] = ph * pa;
        }
    }
    JointPmf::from_cells(side, probs).unwrap_or_else(|| uniform(side))
}

fn uniform(side: usize) -> JointPmf {
    JointPmf {
        side,
        probs: vec![1.0 / (side * side) as f64; side * side],
    }
}
