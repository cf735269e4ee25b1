//! Halves and quarters, fitted to how points really fall (the measured tables in
//! `data/periods/`, 3,508 games of 2010-2022). For one team with expected game points `E`:
//! - its quarter pmf is the team-quarter table's pmf for `E`'s bucket: the table's own lumps (0, 3, 7, 10, 14) and zeros (no 1-point
//!   quarter), with the quarter shares that depend on `E`, blended with the neighbouring
//!   bucket's within half a point of the edge;
//! - a half's shape is the convolution of its quarters', times a per-point correction fitted
//!   so that the slate's pooled half pmf is the table's (same-team dependence between quarters,
//!   and overtime's lumps in the second half);
//! - each pmf is exponentially tilted to its mean: the quarter means are the interpolated
//!   table means scaled by a home/away factor (home teams score a larger share early), plus an
//!   overtime mean, all scaled so they add up to `E`. So quarters sum to the game in mean, the
//!   first half is Q1 + Q2 and the second half Q3 + Q4 + overtime, exactly.
//!
//! The two teams' joint is the product of their pmfs times a dependence ratio (how much
//! likelier a score line, 0-0, 7-7, 7-0, is than independence says), then scaled back to the
//! two marginals, so ties and margins follow the tables while means stay exact. Ratios and
//! corrections are fitted on the tables only (see [`PeriodModel::fit`]); every price is a sum
//! over an exact grid.

mod fit;
pub mod holdout;
pub mod shape;
pub mod tables;

use super::model::{GameInputs, JointPmf};
use crate::domain::Scope;
pub use tables::{PeriodTables, TableError, HALF_SIDE, QUARTER_SIDE};

/// The scopes the period model knows, in its own order: Q1-Q4, first half, second half with
/// overtime (how books and the product price it).
pub const SCOPES: [Scope; 6] = [
    Scope::Q1,
    Scope::Q2,
    Scope::Q3,
    Scope::Q4,
    Scope::H1,
    Scope::H2,
];

fn index(scope: Scope) -> Option<usize> {
    SCOPES.iter().position(|s| *s == scope)
}

fn grid_side(i: usize) -> usize {
    if i < 4 {
        QUARTER_SIDE
    } else {
        HALF_SIDE
    }
}

/// Nominal share of game points in a scope: it sets the width of price ladders only (prices
/// come from the fitted pmfs). Kept at the values the ladders have always used, within a point
/// of the tables' shares (Q1 19.7%, Q2 30.5%, Q3 21.0%, Q4 28.3%), so no rung moves.
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

/// Width (expected points) of the blend between two buckets' pmfs around the edge between
/// them. A full linear interpolation between centres (a band of 3) mixes every team's shape
/// with its neighbour's, which widens the pooled pmf; a narrow band keeps each bucket's measured
/// shape and still moves prices smoothly across an edge.
const BLEND_BAND: f64 = 1.0;

/// The fitted period model.
#[derive(Debug, Clone, PartialEq)]
pub struct PeriodModel {
    /// Expected game points at which each bucket's pmf applies.
    centres: Vec<f64>,
    /// `base[q][bucket]`: the team-quarter table's pmf.
    base: [Vec<Vec<f64>>; 4],
    /// `side_factor[q][0 home, 1 away]`: the side's share of its points in quarter q over the
    /// share of all teams.
    side_factor: [[f64; 2]; 4],
    /// Overtime points per point of expected game points.
    ot_per_point: f64,
    /// Per scope and side, the per-point correction of the shape (ones for a fresh model).
    correction: [[Vec<f64>; 2]; 6],
    /// Per scope, the dependence ratio on the (home, away) grid.
    dependence: [Vec<f64>; 6],
}

/// One team's expected points in each quarter and in overtime; they add up to the game's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TeamSplit {
    pub quarters: [f64; 4],
    pub overtime: f64,
}

impl TeamSplit {
    /// Expected points in a scope (the game's is the sum of every part).
    pub fn scope(&self, scope: Scope) -> f64 {
        let q = &self.quarters;
        match scope {
            Scope::Game => q.iter().sum::<f64>() + self.overtime,
            Scope::H1 => q[0] + q[1],
            Scope::H2 => q[2] + q[3] + self.overtime,
            Scope::Q1 => q[0],
            Scope::Q2 => q[1],
            Scope::Q3 => q[2],
            Scope::Q4 => q[3],
        }
    }
}

/// Team expectation from a game's inputs: finite, at least zero and at most 120 points (the
/// tilt cannot reach beyond the grid; no NFL closing line comes near).
fn team_expectations(inputs: &GameInputs) -> (f64, f64) {
    let clean = |x: f64| {
        if x.is_finite() {
            x.clamp(0.0, 120.0)
        } else {
            0.0
        }
    };
    let (t, m) = (inputs.mean_total, inputs.mean_margin);
    (clean((t + m) / 2.0), clean((t - m) / 2.0))
}

impl PeriodModel {
    /// The model fitted on the shipped tables, once per process.
    pub fn shipped() -> Option<&'static PeriodModel> {
        static MODEL: std::sync::OnceLock<Option<PeriodModel>> = std::sync::OnceLock::new();
        MODEL
            .get_or_init(|| PeriodTables::shipped().ok().map(|t| PeriodModel::fit(&t)))
            .as_ref()
    }

    /// The interpolated quarter pmfs for expected game points `e`.
    fn quarter_shapes(&self, e: f64) -> [Vec<f64>; 4] {
        std::array::from_fn(|q| shape::interpolate(&self.centres, &self.base[q], e, BLEND_BAND))
    }

    fn split_of(&self, shapes: &[Vec<f64>; 4], e: f64, side: usize) -> TeamSplit {
        let raw: [f64; 4] =
            std::array::from_fn(|q| shape::mean(&shapes[q]) * self.side_factor[q][side]);
        let ot = self.ot_per_point * e;
        let sum = raw.iter().sum::<f64>() + ot;
        let s = if sum > 0.0 { e / sum } else { 0.0 };
        TeamSplit {
            quarters: raw.map(|m| m * s),
            overtime: ot * s,
        }
    }

    /// How a team (side 0 home, 1 away) with expected game points `e` spreads them.
    pub fn split(&self, e: f64, side: usize) -> TeamSplit {
        let e = if e.is_finite() {
            e.clamp(0.0, 120.0)
        } else {
            0.0
        };
        self.split_of(&self.quarter_shapes(e), e, side.min(1))
    }

    /// Exact pmf of the points of a team (side 0 home, 1 away) with expected game points `e`
    /// in the model's scope `i` (see [`SCOPES`]).
    fn team_pmf(&self, e: f64, side: usize, i: usize) -> Vec<f64> {
        let e = if e.is_finite() {
            e.clamp(0.0, 120.0)
        } else {
            0.0
        };
        let shapes = self.quarter_shapes(e);
        let split = self.split_of(&shapes, e, side);
        let n = grid_side(i);
        let mut p = match i {
            0..=3 => shapes[i].clone(),
            4 => shape::convolve(&shapes[0], &shapes[1], n),
            _ => shape::convolve(&shapes[2], &shapes[3], n),
        };
        p.resize(n, 0.0);
        for (x, c) in p.iter_mut().zip(&self.correction[i][side]) {
            *x *= c;
        }
        shape::normalise(&mut p);
        shape::tilt(&p, split.scope(SCOPES[i]))
    }

    /// Exact pmf of one team's points in `scope` (home when `home`), index = points.
    pub fn team_points_pmf(&self, inputs: &GameInputs, scope: Scope, home: bool) -> Vec<f64> {
        let (h, a) = team_expectations(inputs);
        match index(scope) {
            Some(i) if home => self.team_pmf(h, 0, i),
            Some(i) => self.team_pmf(a, 1, i),
            None => vec![1.0],
        }
    }

    /// The (home, away) grid of scope `i`, `side * side` cells summing to one.
    fn joint_cells(&self, e_home: f64, e_away: f64, i: usize) -> Vec<f64> {
        let n = grid_side(i);
        let ph = self.team_pmf(e_home, 0, i);
        let pa = self.team_pmf(e_away, 1, i);
        let mut cells = vec![0.0; n * n];
        for (h, row) in cells.chunks_exact_mut(n).enumerate() {
            for (a, cell) in row.iter_mut().enumerate() {
                *cell = ph[h] * pa[a] * self.dependence[i][h * n + a];
            }
        }
        shape::scale_to_marginals(&mut cells, n, &ph, &pa);
        cells
    }

    /// Exact joint pmf of a period's (home, away) points; `None` for the full game.
    pub fn joint(&self, inputs: &GameInputs, scope: Scope) -> Option<JointPmf> {
        let i = index(scope)?;
        let (h, a) = team_expectations(inputs);
        JointPmf::from_cells(grid_side(i), self.joint_cells(h, a, i))
    }

    /// Both teams' expected points in `scope`.
    pub fn team_means(&self, inputs: &GameInputs, scope: Scope) -> (f64, f64) {
        let (h, a) = team_expectations(inputs);
        (self.split(h, 0).scope(scope), self.split(a, 1).scope(scope))
    }
}

/// Period grids already built, by (home, away) expectation and scope: the engine reprices the
/// same games every refresh, and a period grid costs a few times a full-game one. The grid is a
/// pure function of the key, so the cache changes no result; it is emptied when full.
type GridKey = (u64, u64, usize);
static GRIDS: std::sync::OnceLock<std::sync::Mutex<std::collections::HashMap<GridKey, JointPmf>>> =
    std::sync::OnceLock::new();
const GRID_CACHE_ENTRIES: usize = 4096;

/// Exact joint pmf of a period from the shipped model.
pub fn joint(inputs: &GameInputs, scope: Scope) -> Option<JointPmf> {
    let model = PeriodModel::shipped()?;
    let i = index(scope)?;
    let (h, a) = team_expectations(inputs);
    let key = (h.to_bits(), a.to_bits(), i);
    let cache = GRIDS.get_or_init(Default::default);
    if let Some(j) = cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
        return Some(j);
    }
    let j = JointPmf::from_cells(grid_side(i), model.joint_cells(h, a, i))?;
    if let Ok(mut c) = cache.lock() {
        if c.len() >= GRID_CACHE_ENTRIES {
            c.clear();
        }
        c.insert(key, j.clone());
    }
    Some(j)
}

/// Both teams' expected points in `scope` from the shipped model.
pub fn team_means(inputs: &GameInputs, scope: Scope) -> (f64, f64) {
    match PeriodModel::shipped() {
        Some(m) => m.team_means(inputs, scope),
        None => {
            let (h, a) = team_expectations(inputs);
            let s = points_share(scope);
            (h * s, a * s)
        }
    }
}

#[cfg(test)]
mod tests;
