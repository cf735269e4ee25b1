//! Drawing a game whose expected margin a simulated season's strength shocks have moved, still
//! from the exact model: the margin from the model's margin pmf at the moved mean, then the
//! score from the game's own joint pmf given that margin.
//!
//! The model's margin pmf depends on the expected margin alone (the season's key-number table
//! centred on it), so one grid of alias tables serves every game: means from -40 to +40 points
//! in quarter points (321 tables of 121 margins, about 310 KB, cache-resident). A mean between
//! two grid points draws from one of the two with the probabilities that make the mixture's
//! mean exactly the wanted one.

use crate::pricing::alias::AliasTable;
use crate::pricing::keynumbers::MAX_MARGIN;
use crate::pricing::model::JointPmf;
use rayon::prelude::*;

const GRID_MAX: f64 = 40.0;
const GRID_STEP: f64 = 0.25;

/// Margin alias tables on a grid of expected margins.
#[derive(Debug, Clone)]
pub struct MarginGrid {
    tables: Vec<AliasTable>,
}

impl MarginGrid {
    /// `margin_at(mean)`: the model's margin pmf (index 0 = margin -MAX_MARGIN) at `mean`.
    pub fn new(margin_at: impl Fn(f64) -> Vec<f64> + Sync) -> Option<MarginGrid> {
        let n = (2.0 * GRID_MAX / GRID_STEP) as usize + 1;
        let built: Vec<Option<AliasTable>> = (0..n)
            .into_par_iter()
            .map(|i| AliasTable::new(&margin_at(-GRID_MAX + i as f64 * GRID_STEP)))
            .collect();
        // The model's pmf can fail far out (measured: the 2024 model's at -44.5 points, where
        // its centring search diverges); such a point takes its nearest good neighbour's table.
        let good: Vec<usize> = (0..n).filter(|&i| built[i].is_some()).collect();
        let tables = (0..n)
            .map(|i| {
                let j = good.iter().copied().min_by_key(|&j| j.abs_diff(i))?;
                built[j].clone()
            })
            .collect::<Option<Vec<_>>>()?;
        Some(MarginGrid { tables })
    }

    /// A margin index drawn at expected margin `mean`: `pick` chooses between the two grid
    /// points around it, `u` draws from the chosen table.
    #[inline]
    pub fn draw(&self, mean: f64, pick: u32, u: u32) -> usize {
        let last = self.tables.len() - 1;
        let x = if mean.is_finite() {
            ((mean + GRID_MAX) / GRID_STEP).clamp(0.0, last as f64)
        } else {
            GRID_MAX / GRID_STEP
        };
        let i = (x as usize).min(last);
        let up = x - i as f64;
        let i = if i < last && f64::from(pick) < up * 4_294_967_296.0 {
            i + 1
        } else {
            i
        };
        self.tables[i].sample(u)
    }
}

/// One game's score given its margin, from its joint pmf: per margin, a run of cumulative
/// thresholds (over 2^32) and the scores they lead to, all of a game's runs in one array so a
/// draw touches one or two cache lines (inverse transform by binary search within the run).
#[derive(Debug, Clone)]
pub struct GivenMargin {
    /// The game's expected margin before shocks.
    pub mean: f64,
    /// Per margin index: (first entry, entries).
    spans: Vec<(u32, u32)>,
    cum: Vec<u32>,
    scores: Vec<(u8, u8)>,
}

impl GivenMargin {
    pub fn new(joint: &JointPmf, mean: f64) -> GivenMargin {
        let side = joint.side();
        let width = 2 * MAX_MARGIN as usize + 1;
        let mut cells: Vec<Vec<(f64, (u8, u8))>> = vec![Vec::new(); width];
        for i in joint.support() {
            let (h, a) = (i as usize / side, i as usize % side);
            let m = h as i64 - a as i64 + i64::from(MAX_MARGIN);
            if let Some(c) = usize::try_from(m).ok().and_then(|m| cells.get_mut(m)) {
                c.push((
                    joint.cells()[i as usize],
                    (h.min(255) as u8, a.min(255) as u8),
                ));
            }
        }
        let mut out = GivenMargin {
            mean,
            spans: Vec::with_capacity(width),
            cum: Vec::new(),
            scores: Vec::new(),
        };
        for run in cells {
            let total: f64 = run.iter().map(|c| c.0).sum();
            let start = out.cum.len() as u32;
            if !(total.is_finite() && total > 0.0) {
                out.spans.push((start, 0));
                continue;
            }
            let mut acc = 0.0;
            for (p, score) in &run {
                acc += p;
                let t = (acc / total * 4_294_967_296.0).round();
                out.cum.push(t.min(u32::MAX as f64) as u32);
                out.scores.push(*score);
            }
            out.spans.push((start, run.len() as u32));
        }
        out
    }

    /// The score for margin index `m` (as [`MarginGrid::draw`] gives it).
    #[inline]
    pub fn score(&self, m: usize, u: u32) -> (u8, u8) {
        match self.spans.get(m) {
            Some(&(start, len)) if len > 0 => {
                let (start, len) = (start as usize, len as usize);
                // The last threshold stands for 2^32: every draw below it is in the run.
                let k = self.cum[start..start + len - 1].partition_point(|&c| c <= u);
                self.scores[start + k]
            }
            // A margin the game's own grid never produces (its mass there is below 1e-8; a
            // shock can make it drawable): a typical score with that margin.
            _ => {
                let d = (m as i32 - MAX_MARGIN).clamp(-200, 200);
                ((17 + d.max(0)) as u8, (17 + (-d).max(0)) as u8)
            }
        }
    }

    /// A margin's exact score distribution (for tests and checks).
    pub fn outcomes(&self, m: usize) -> Vec<((u8, u8), f64)> {
        let Some(&(start, len)) = self.spans.get(m) else {
            return Vec::new();
        };
        let mut prev = 0.0;
        (start as usize..(start + len) as usize)
            .map(|i| {
                let c = if i + 1 == (start + len) as usize {
                    4_294_967_296.0
                } else {
                    f64::from(self.cum[i])
                };
                let p = (c - prev) / 4_294_967_296.0;
                prev = c;
                (self.scores[i], p)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn joint_and_margin() -> (JointPmf, Vec<f64>) {
        let side = 6;
        let cells: Vec<f64> = (0..side * side)
            .map(|i| 1.0 + ((i * 7) % 5) as f64)
            .collect();
        let joint = JointPmf::from_cells(side, cells).unwrap();
        let mut margin = vec![0.0; 2 * MAX_MARGIN as usize + 1];
        for h in 0..side {
            for a in 0..side {
                margin[(h as i32 - a as i32 + MAX_MARGIN) as usize] += joint.prob(h, a);
            }
        }
        (joint, margin)
    }

    #[test]
    fn margin_then_score_given_margin_is_the_joint() {
        let (joint, margin) = joint_and_margin();
        let g = GivenMargin::new(&joint, 0.0);
        let mut rebuilt = vec![0.0; 36];
        for (m, pm) in margin.iter().enumerate() {
            for ((h, a), p) in g.outcomes(m) {
                rebuilt[h as usize * 6 + a as usize] += pm * p;
            }
        }
        for (i, (x, y)) in rebuilt.iter().zip(joint.cells()).enumerate() {
            assert!((x - y).abs() < 1e-6, "cell {i}: {x} vs {y}");
        }
        // A margin outside the grid still gives a score with that margin.
        let (h, a) = g.score(MAX_MARGIN as usize + 30, 7);
        assert_eq!(i32::from(h) - i32::from(a), 30);
    }

    #[test]
    fn grid_draws_mix_neighbours_to_the_wanted_mean() {
        // Each grid table is a point mass on its mean rounded down to a whole point.
        let grid = MarginGrid::new(|mean| {
            let mut m = vec![0.0; 2 * MAX_MARGIN as usize + 1];
            m[(mean.floor() as i32 + MAX_MARGIN) as usize] = 1.0;
            m
        })
        .unwrap();
        // A grid point whose pmf fails borrows its neighbour's table.
        let holes = MarginGrid::new(|mean| {
            let mut m = vec![0.0; 2 * MAX_MARGIN as usize + 1];
            if mean != 2.0 {
                m[(mean.floor() as i32 + MAX_MARGIN) as usize] = 1.0;
            }
            m
        })
        .unwrap();
        assert_eq!(holes.draw(2.0, u32::MAX, 0) as i32 - MAX_MARGIN, 1);
        let at = |mean: f64, pick: u32| grid.draw(mean, pick, 0) as i32 - MAX_MARGIN;
        assert_eq!(at(3.0, u32::MAX), 3);
        // 3.9: between grid points 3.75 and 4.0, the upper one 60% of picks.
        assert_eq!(at(3.9, 0), 4);
        assert_eq!(at(3.9, (0.59 * 4_294_967_296.0) as u32), 4);
        assert_eq!(at(3.9, (0.61 * 4_294_967_296.0) as u32), 3);
        assert_eq!(at(1e9, 0), 40);
        assert_eq!(at(f64::NAN, 0), 0);
    }
}
