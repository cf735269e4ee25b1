//! The game model: an exact joint distribution of (home points, away points) for each scope.
//! Full game: margin from the key-number table (centred on the expected margin), total given
//! the margin from a key-number-weighted normal of the margin's parity whose centre rises with
//! |margin| (see [`ScoreModel`]). Halves and quarters: the period model fitted to measured
//! quarter and half scores (`period`), with means that add up to the game's. Every market is a sum over this grid: prices
//! are exact, and Monte Carlo is only the check that the grid says what it should.

use super::games::GameRecord;
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
    pub fn from_cells(side: usize, probs: Vec<f64>) -> Option<Self> {
        if side == 0 || probs.len() != side * side {
            return None;
        }
        let t: f64 = probs.iter().sum();
        if !(t.is_finite() && t > 0.0) {
            return None;
        }
        Some(Self::normalised(side, probs, t))
    }

    /// [`from_cells`](Self::from_cells) once the cells' sum `t` (finite, positive, summed in
    /// index order) is known: negligible cells dropped and the rest renormalised.
    fn normalised(side: usize, mut probs: Vec<f64>, t: f64) -> Self {
        // One pass drops negligible cells and sums what is left, in index order (the sum
        // starts at -0.0, as `Iterator::sum` does).
        // A cell well clear of the threshold (a factor of two either side, far beyond the
        // rounding of `p / t`) is decided without the division; the rest divide as before.
        let (clear_keep, clear_drop) = (2.0 * NEGLIGIBLE * t, 0.5 * NEGLIGIBLE * t);
        let mut kept = -0.0f64;
        for p in probs.iter_mut() {
            let v = *p;
            let keep = if v >= clear_keep {
                true
            } else if v < clear_drop {
                false
            } else {
                v / t >= NEGLIGIBLE
            };
            if !keep {
                *p = 0.0;
            }
            kept += *p;
        }
        probs.iter_mut().for_each(|p| *p /= kept);
        JointPmf { side, probs }
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

/// The (margin, total) grid of reference games whose centre offsets start the search.
const OFFSET_MARGINS: [f64; 9] = [-24.0, -18.0, -12.0, -6.0, 0.0, 6.0, 12.0, 18.0, 24.0];
const OFFSET_TOTALS: [f64; 9] = [25.0, 30.0, 35.0, 40.0, 45.0, 50.0, 55.0, 60.0, 70.0];

/// How close the full-game grid's mean total comes to the model's (points).
pub const MEAN_TOLERANCE: f64 = 5e-3;

/// Totals are modelled on 0..=MAX_TOTAL for the key-number table.
const MAX_TOTAL: usize = 2 * MAX_TEAM_POINTS;
/// Pseudo-games of prior belief in "no key-number effect" per total.
const TOTAL_SHRINK: f64 = 8.0;

/// The fitted score model shared by every game of a season's slate. Assumptions (documented in
/// the README's pricing notes):
/// - the margin is the key-number table's pmf centred on the model's mean margin;
/// - given the margin, the total is a discretised normal of the parity the margin allows, its
///   centre moved by `blowout_slope` points per point of |margin| above its expectation (games
///   decided by more score more: fitted on history), reweighted by the totals' key-number table
///   (37, 41, 44, 47, 51 ... are likelier than a normal says) and re-centred so the grid's mean
///   total is the model's;
/// - halves and quarters come from the period model fitted to measured period scores
///   (`period`): each team's quarter and overtime means add up to its game expectation.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreModel {
    keys: KeyNumberTable,
    total_sigma: f64,
    total_weights: Vec<f64>,
    blowout_slope: f64,
    /// Latent centre minus target total, solved for a grid of (margin, total) when the model is
    /// fitted: the search starts from its bilinear interpolation, and one pass usually ends it.
    centre_offsets: Vec<f64>,
}

impl ScoreModel {
    /// A model with no totals key numbers and no margin-total link.
    pub fn new(keys: KeyNumberTable, total_sigma: f64) -> Self {
        ScoreModel {
            keys,
            total_sigma,
            total_weights: vec![1.0; MAX_TOTAL + 1],
            blowout_slope: 0.0,
            centre_offsets: Vec::new(),
        }
        .with_centre_offsets()
    }

    /// Fits the totals' spread, key numbers and the margin-total link on `games` (the caller
    /// passes only games known before the slate it prices).
    pub fn fit<'a>(
        keys: KeyNumberTable,
        games: impl Iterator<Item = &'a GameRecord> + Clone,
    ) -> Self {
        let rows: Vec<(f64, i32, f64, i32)> = games
            .filter_map(|g| Some((g.spread_line?, g.margin()?, g.total_line?, g.total()?)))
            .collect();
        if rows.len() < 500 {
            return ScoreModel::new(keys, 13.5);
        }
        let n = rows.len() as f64;
        let res: Vec<f64> = rows.iter().map(|r| r.3 as f64 - r.2).collect();
        let mean_res = res.iter().sum::<f64>() / n;
        let total_sigma = (res.iter().map(|x| (x - mean_res).powi(2)).sum::<f64>() / n)
            .sqrt()
            .max(5.0);
        // |margin| above what the closing spread's bucket expects, against the total's surprise.
        let bucket = |s: f64| (s.abs() / 3.5).floor().min(4.0) as usize;
        let mut sum_abs = [0.0f64; 5];
        let mut cnt = [0.0f64; 5];
        for r in &rows {
            sum_abs[bucket(r.0)] += r.1.abs() as f64;
            cnt[bucket(r.0)] += 1.0;
        }
        let (mut sxy, mut sxx) = (0.0, 0.0);
        for (r, y) in rows.iter().zip(&res) {
            let b = bucket(r.0);
            let x = r.1.abs() as f64 - sum_abs[b] / cnt[b].max(1.0);
            sxy += x * (y - mean_res);
            sxx += x * x;
        }
        let blowout_slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
        let mut observed = vec![0.0; MAX_TOTAL + 1];
        let mut expected = vec![0.0; MAX_TOTAL + 1];
        for r in &rows {
            observed[(r.3.max(0) as usize).min(MAX_TOTAL)] += 1.0;
            let centre = r.2 + mean_res;
            for (t, e) in expected.iter_mut().enumerate() {
                let z = |x: f64| normal::cdf((x - centre) / total_sigma);
                *e += z(t as f64 + 0.5) - z(t as f64 - 0.5);
            }
        }
        let total_weights = observed
            .iter()
            .zip(&expected)
            .map(|(o, e)| (o + TOTAL_SHRINK) / (e + TOTAL_SHRINK))
            .collect();
        ScoreModel {
            keys,
            total_sigma,
            total_weights,
            blowout_slope,
            centre_offsets: Vec::new(),
        }
        .with_centre_offsets()
    }

    /// Solves the reference games of the offset grid to full precision.
    fn with_centre_offsets(mut self) -> Self {
        let mut offsets = Vec::with_capacity(OFFSET_MARGINS.len() * OFFSET_TOTALS.len());
        let mut cols = TotalColumns::default();
        for &m in &OFFSET_MARGINS {
            let abs = AbsMargin::of(&self.keys.margin_pmf(m));
            for &total in &OFFSET_TOTALS {
                let start = total + offsets.last().copied().unwrap_or(0.0);
                let centre = self.solve_centre(&abs, total, start, 1e-9, 30, &mut cols);
                offsets.push(centre - total);
            }
        }
        self.centre_offsets = offsets;
        self
    }

    /// The interpolated start of the centre search for a game.
    fn start_offset(&self, margin: f64, total: f64) -> f64 {
        if self.centre_offsets.len() != OFFSET_MARGINS.len() * OFFSET_TOTALS.len() {
            return 0.0;
        }
        let locate = |grid: &[f64], x: f64| -> (usize, f64) {
            let x = x.clamp(grid[0], grid[grid.len() - 1]);
            let i = grid
                .windows(2)
                .position(|w| x <= w[1])
                .unwrap_or(grid.len() - 2);
            (i, (x - grid[i]) / (grid[i + 1] - grid[i]))
        };
        let (i, u) = locate(&OFFSET_MARGINS, margin);
        let (j, v) = locate(&OFFSET_TOTALS, total);
        let at = |a: usize, b: usize| self.centre_offsets[a * OFFSET_TOTALS.len() + b];
        (1.0 - u) * ((1.0 - v) * at(i, j) + v * at(i, j + 1))
            + u * ((1.0 - v) * at(i + 1, j) + v * at(i + 1, j + 1))
    }

    pub fn keys(&self) -> &KeyNumberTable {
        &self.keys
    }

    pub fn total_sigma(&self) -> f64 {
        self.total_sigma
    }

    /// Points of total per point of |margin| above its expectation.
    pub fn blowout_slope(&self) -> f64 {
        self.blowout_slope
    }

    /// How much likelier a game total of `t` is than the normal says.
    pub fn total_weight(&self, t: usize) -> f64 {
        self.total_weights.get(t).copied().unwrap_or(1.0)
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
        let target = if inputs.mean_total.is_finite() {
            inputs
                .mean_total
                .clamp(10.0, 2.0 * MAX_TEAM_POINTS as f64 - 40.0)
        } else {
            44.0
        };
        // Start where a typical game needed to start: usually one pass is then enough.
        let mut cols = TotalColumns::with_capacity();
        let start = target + self.start_offset(inputs.mean_margin, target);
        self.solve_centre(
            &AbsMargin::of(&margin),
            target,
            start,
            MEAN_TOLERANCE,
            4,
            &mut cols,
        );
        let side = MAX_TEAM_POINTS + 1;
        let mut probs = vec![0.0; side * side];
        // Cell (h, a) has margin m = h - a and total h + a = |m| + 2j: entry j of column |m|,
        // zero beyond the column's end. Filled row by row so the grid's sum builds up in index
        // order as it is written (what `JointPmf::from_cells` would sum).
        let mut sum = -0.0f64;
        for (h, row) in probs.chunks_exact_mut(side).enumerate() {
            for (a, cell) in row.iter_mut().enumerate() {
                let m = h as i64 - a as i64;
                let k = m.unsigned_abs() as usize;
                // Margins beyond MAX_MARGIN hold no mass.
                let pm = if k <= MAX_MARGIN as usize {
                    margin[(m + MAX_MARGIN as i64) as usize]
                } else {
                    0.0
                };
                if pm != 0.0 {
                    if let Some(w) = cols.column(k).get((h + a - k) / 2) {
                        *cell = pm * w;
                    }
                }
                sum += *cell;
            }
        }
        if sum.is_finite() && sum > 0.0 {
            JointPmf::normalised(side, probs, sum)
        } else {
            uniform(side)
        }
    }

    /// The floor at |margin| (the loser cannot score below zero) and the key-number weights move
    /// the mean a little: moves the latent centre from `start` until the grid's mean total is
    /// within `tolerance` of `target`, in at most `passes` passes. The mean is nearly parallel
    /// to the centre, so each pass shrinks the error by about two orders of magnitude. Returns
    /// the last centre evaluated; `cols` holds its columns.
    fn solve_centre(
        &self,
        abs: &AbsMargin,
        target: f64,
        start: f64,
        tolerance: f64,
        passes: usize,
        cols: &mut TotalColumns,
    ) -> f64 {
        let mut centre = start;
        for pass in 0..passes {
            self.total_columns(centre, abs.mean, cols);
            let err = cols.mean(&abs.pmf) - target;
            if !err.is_finite() || err.abs() < tolerance || pass + 1 == passes {
                break;
            }
            centre -= err;
        }
        centre
    }

    /// For each |margin| k, the distribution of the total over k, k+2, k+4, ... (both teams
    /// within the grid), normalised to one. A margin and its negative share a column: the total
    /// depends on how lopsided the game was, not on who won it.
    fn total_columns(&self, centre: f64, mean_abs: f64, out: &mut TotalColumns) {
        let max_total = 2 * MAX_TEAM_POINTS;
        out.values.clear();
        out.starts.clear();
        out.sums.clear();
        for k in 0..=MAX_MARGIN as usize {
            out.starts.push(out.values.len());
            let c = centre + self.blowout_slope * (k as f64 - mean_abs);
            let inv = 1.0 / self.total_sigma;
            let phi = normal::FastCdf::new();
            // Totals of the margin's parity own the interval [t-1, t+1) of the latent normal;
            // the lowest one also owns everything below. Both scores (t +- k) / 2 must fit the
            // grid: t <= 2 * MAX - k.
            // The column is built in a local buffer (at most MAX_TEAM_POINTS + 1 entries), so
            // the loop keeps its state in registers, then appended in one copy.
            let mut buf = [0.0f64; MAX_TEAM_POINTS + 1];
            let mut n = 0;
            let mut below = 0.0;
            let mut t = k;
            let mut mass = 0.0;
            while t + k <= max_total && n < buf.len() {
                let upper = phi.at((t as f64 + 1.0 - c) * inv);
                let w = (upper - below) * self.total_weight(t);
                buf[n] = w;
                n += 1;
                mass += w;
                below = upper;
                // Beyond 7.3 sigma the rest of the column holds under 1e-13.
                if below >= 1.0 - 1e-13 {
                    break;
                }
                t += 2;
            }
            let column = &mut buf[..n];
            // Renormalise within the margin so the key-number weights on totals leave the
            // margin's probability (and so every spread and moneyline price) untouched.
            if mass > 0.0 {
                column.iter_mut().for_each(|w| *w /= mass);
            }
            // The column's expected total, while it is in cache (what `mean` weighs).
            out.sums.push(column_total(column, k));
            out.values.extend_from_slice(column);
        }
        out.starts.push(out.values.len());
    }
}

/// A margin pmf (index 0 = -MAX_MARGIN) folded onto |margin|, with its mean: all the total
/// columns depend on.
struct AbsMargin {
    pmf: Vec<f64>,
    mean: f64,
}

impl AbsMargin {
    fn of(margin: &[f64]) -> AbsMargin {
        let mut pmf = vec![0.0; MAX_MARGIN as usize + 1];
        let mut mean = 0.0;
        for (i, p) in margin.iter().enumerate() {
            let k = (i as i64 - MAX_MARGIN as i64).unsigned_abs() as usize;
            pmf[k] += p;
            mean += p * k as f64;
        }
        AbsMargin { pmf, mean }
    }
}

/// The total's distribution for every |margin|, in one buffer.
#[derive(Debug, Default)]
struct TotalColumns {
    values: Vec<f64>,
    /// Column k is values[starts[k]..starts[k + 1]]; entry j is the total k + 2j.
    starts: Vec<usize>,
    /// Column k's expected total ([`column_total`]).
    sums: Vec<f64>,
}

/// Expected total of the column for |margin| = k.
#[inline]
fn column_total(column: &[f64], k: usize) -> f64 {
    column
        .iter()
        .enumerate()
        .map(|(j, w)| w * (k + 2 * j) as f64)
        .sum::<f64>()
}

impl TotalColumns {
    /// Room for a typical game's columns (about 3,500 entries), so the passes never reallocate.
    fn with_capacity() -> Self {
        TotalColumns {
            values: Vec::with_capacity(8 * MAX_TOTAL * MAX_MARGIN as usize / 4),
            starts: Vec::with_capacity(MAX_MARGIN as usize + 2),
            sums: Vec::with_capacity(MAX_MARGIN as usize + 1),
        }
    }

    fn column(&self, k: usize) -> &[f64] {
        &self.values[self.starts[k]..self.starts[k + 1]]
    }

    /// Mean total when |margin| = k has probability `abs_pmf[k]`.
    fn mean(&self, abs_pmf: &[f64]) -> f64 {
        abs_pmf
            .iter()
            .enumerate()
            .map(|(k, p)| {
                if *p == 0.0 {
                    return 0.0;
                }
                p * self.sums[k]
            })
            .sum()
    }
}

/// A period's joint from the fitted period model; a grid with no mass (which the model never
/// builds) is a uniform one rather than a panic.
fn period_joint(inputs: &GameInputs, scope: Scope) -> JointPmf {
    period::joint(inputs, scope).unwrap_or_else(|| uniform(period::QUARTER_SIDE))
}

fn uniform(side: usize) -> JointPmf {
    JointPmf {
        side,
        probs: vec![1.0 / (side * side) as f64; side * side],
    }
}
