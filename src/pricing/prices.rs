//! Settling markets against a score distribution: each market is a tail or point probability of
//! the margin, the total or one team's points, so the four marginals with prefix sums answer any
//! line (main, alternate, team total) in O(1).

use super::model::JointPmf;
use crate::domain::{MarketKind, Selection};
use serde::Serialize;

/// Win, push and lose probabilities of one selection; `std_error` is the Monte Carlo standard
/// error of `win` (zero for exact values).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct OutcomeProb {
    pub win: f64,
    pub push: f64,
    pub lose: f64,
    pub std_error: f64,
}

impl OutcomeProb {
    /// Win probability given no push: what a de-vigged two-way market estimates.
    pub fn win_given_action(&self) -> f64 {
        let action = self.win + self.lose;
        if action > 0.0 {
            self.win / action
        } else {
            0.0
        }
    }
}

/// `x.ceil()` without the libm call (the baseline x86-64 target has no rounding instruction),
/// equal to it wherever the result is used here (a signed zero aside).
#[inline]
fn ceil(x: f64) -> f64 {
    if x.abs() < 4.5e15 {
        let t = x as i64 as f64;
        if t < x {
            t + 1.0
        } else {
            t
        }
    } else {
        x.ceil()
    }
}

/// A pmf over consecutive integers starting at `offset`, with running sums for tail queries.
#[derive(Debug, Clone, PartialEq)]
pub struct IntPmf {
    offset: i32,
    pmf: Vec<f64>,
    /// cum[i] = P(X < offset + i).
    cum: Vec<f64>,
}

impl IntPmf {
    pub fn new(offset: i32, pmf: Vec<f64>) -> Self {
        let mut cum = Vec::with_capacity(pmf.len() + 1);
        let mut acc = 0.0;
        cum.push(0.0);
        for p in &pmf {
            acc += p;
            cum.push(acc);
        }
        IntPmf { offset, pmf, cum }
    }

    pub fn total_mass(&self) -> f64 {
        self.cum.last().copied().unwrap_or(0.0)
    }

    /// No negative mass anywhere: bounds that hold for a probability distribution hold here.
    pub fn is_nonnegative(&self) -> bool {
        self.pmf.iter().all(|p| *p >= 0.0)
    }

    /// P(X = x).
    pub fn at(&self, x: i32) -> f64 {
        usize::try_from(x - self.offset)
            .ok()
            .and_then(|i| self.pmf.get(i).copied())
            .unwrap_or(0.0)
    }

    /// P(X < x) for real x.
    pub fn below(&self, x: f64) -> f64 {
        // Smallest integer >= x is the first value not counted.
        let k = ceil(x) - self.offset as f64;
        if k <= 0.0 {
            0.0
        } else if k as usize >= self.pmf.len() {
            self.total_mass()
        } else {
            self.cum[k as usize]
        }
    }

    /// (P(X > x), P(X = x), P(X < x)) for real x; the middle is zero off the integers.
    pub fn split(&self, x: f64) -> (f64, f64, f64) {
        let below = self.below(x);
        let eq = if x.abs() < 1e6 && (x as i64) as f64 == x {
            self.at(x as i32)
        } else {
            0.0
        };
        let above = (self.total_mass() - below - eq).max(0.0);
        (above, eq, below)
    }

    pub fn mean(&self) -> f64 {
        self.pmf
            .iter()
            .enumerate()
            .map(|(i, p)| (self.offset + i as i32) as f64 * p)
            .sum::<f64>()
            / self.total_mass()
    }

    pub fn entries(&self) -> Vec<(i32, f64)> {
        self.pmf
            .iter()
            .enumerate()
            .filter(|(_, p)| **p > 0.0)
            .map(|(i, p)| (self.offset + i as i32, *p))
            .collect()
    }
}

/// `out[h]` = the sum of row h of a `side`-wide grid (each row summed in order from -0.0, as
/// `Iterator::sum` does), four rows at a time: four independent chains of additions instead of
/// one.
fn row_sums(cells: &[f64], side: usize, out: &mut [f64]) {
    if side == 0 {
        return;
    }
    let rows = (cells.len() / side).min(side).min(out.len());
    let cells = &cells[..rows * side];
    let mut quads = cells.chunks_exact(4 * side);
    let mut h = 0;
    for q in quads.by_ref() {
        let (r0, rest) = q.split_at(side);
        let (r1, rest) = rest.split_at(side);
        let (r2, r3) = rest.split_at(side);
        let mut s = [-0.0f64; 4];
        for (((a, b), c), d) in r0.iter().zip(r1).zip(r2).zip(r3) {
            s[0] += a;
            s[1] += b;
            s[2] += c;
            s[3] += d;
        }
        out[h..h + 4].copy_from_slice(&s);
        h += 4;
    }
    for r in quads.remainder().chunks_exact(side) {
        out[h] = r.iter().sum();
        h += 1;
    }
}

/// The four marginals of one scope's (home, away) distribution, exact or simulated.
#[derive(Debug, Clone, PartialEq)]
pub struct ScopeDist {
    pub margin: IntPmf,
    pub total: IntPmf,
    pub home: IntPmf,
    pub away: IntPmf,
    /// Monte Carlo sample size, `None` for exact distributions.
    pub samples: Option<u64>,
}

impl ScopeDist {
    pub fn from_joint(joint: &JointPmf) -> Self {
        Self::from_cells(joint.side(), joint.cells(), None)
    }

    /// From per-cell masses (probabilities, or counts with `samples` set to their sum).
    pub fn from_cells(side: usize, cells: &[f64], samples: Option<u64>) -> Self {
        let scale = samples.map(|n| 1.0 / n.max(1) as f64).unwrap_or(1.0);
        let mut margin = vec![0.0; 2 * side - 1];
        let mut total = vec![0.0; 2 * side - 1];
        let mut home = vec![0.0; side];
        let mut away = vec![0.0; side];
        // Row by row, as slices: margin h - a runs backwards along the row, total h + a forwards,
        // so each marginal is a plain vector add the compiler can vectorise.
        for (h, row) in cells.chunks_exact(side).take(side).enumerate() {
            if row.iter().all(|p| *p == 0.0) {
                continue;
            }
            for (m, p) in margin[h..h + side].iter_mut().rev().zip(row) {
                *m += p;
            }
            for (t, p) in total[h..h + side].iter_mut().zip(row) {
                *t += p;
            }
            for (w, p) in away.iter_mut().zip(row) {
                *w += p;
            }
        }
        row_sums(cells, side, &mut home);
        if scale != 1.0 {
            for v in [&mut margin, &mut total, &mut home, &mut away] {
                v.iter_mut().for_each(|x| *x *= scale);
            }
        }
        ScopeDist {
            margin: IntPmf::new(1 - side as i32, margin),
            total: IntPmf::new(0, total),
            home: IntPmf::new(0, home),
            away: IntPmf::new(0, away),
            samples,
        }
    }

    /// Settles `selection` of `market` at `line` (see `Quote.line`). `None` when the selection
    /// does not belong to the market or a line is missing where one is needed.
    pub fn outcome(
        &self,
        market: MarketKind,
        selection: Selection,
        line: Option<f64>,
    ) -> Option<OutcomeProb> {
        use MarketKind as M;
        use Selection as S;
        let (win, push, lose) = match (market, selection) {
            (M::Moneyline, S::Home) => self.margin.split(0.0),
            (M::Moneyline, S::Away) => flip(self.margin.split(0.0)),
            (M::Moneyline3Way, S::Home) => no_push(self.margin.split(0.0)),
            (M::Moneyline3Way, S::Away) => no_push(flip(self.margin.split(0.0))),
            (M::Moneyline3Way, S::Tie) => {
                let (gt, eq, lt) = self.margin.split(0.0);
                (eq, 0.0, gt + lt)
            }
            // Home -3.5 wins when margin - 3.5 > 0, i.e. margin > -line.
            (M::Spread | M::SpreadAlt, S::Home) => self.margin.split(-finite(line)?),
            // Away +3.5 wins when -margin + 3.5 > 0, i.e. margin < line.
            (M::Spread | M::SpreadAlt, S::Away) => flip(self.margin.split(finite(line)?)),
            (M::Total | M::TotalAlt, S::Over) => self.total.split(finite(line)?),
            (M::Total | M::TotalAlt, S::Under) => flip(self.total.split(finite(line)?)),
            (M::TeamTotal, S::HomeOver) => self.home.split(finite(line)?),
            (M::TeamTotal, S::HomeUnder) => flip(self.home.split(finite(line)?)),
            (M::TeamTotal, S::AwayOver) => self.away.split(finite(line)?),
            (M::TeamTotal, S::AwayUnder) => flip(self.away.split(finite(line)?)),
            _ => return None,
        };
        let std_error = match self.samples {
            Some(n) if n > 0 => (win * (1.0 - win) / n as f64).sqrt(),
            _ => 0.0,
        };
        Some(OutcomeProb {
            win,
            push,
            lose,
            std_error,
        })
    }
}

fn finite(line: Option<f64>) -> Option<f64> {
    line.filter(|l| l.is_finite())
}

fn flip((above, eq, below): (f64, f64, f64)) -> (f64, f64, f64) {
    (below, eq, above)
}

/// A three-way market has no push: a tie is a loss for both team selections.
fn no_push((win, eq, lose): (f64, f64, f64)) -> (f64, f64, f64) {
    (win, 0.0, lose + eq)
}

/// One fair price for the price sheet.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Price {
    pub market: MarketKind,
    pub scope: crate::domain::Scope,
    pub selection: Selection,
    pub line: Option<f64>,
    pub prob: OutcomeProb,
    /// Fair American odds for the win-given-action probability (what a no-vig two-way line
    /// quotes); `None` for certainties.
    pub fair_american: Option<i64>,
}

/// Lines to price around a centre: every half point within `half_width`.
pub fn ladder(centre: f64, half_width: f64) -> Vec<f64> {
    let c = (centre * 2.0).round() / 2.0;
    let steps = (half_width * 2.0).round() as i64;
    (-steps..=steps).map(|i| c + i as f64 / 2.0).collect()
}

/// Every standard market of one scope: moneylines, three-way, spread and total ladders around
/// the distribution's centre, and team-total ladders.
pub fn price_sheet(dist: &ScopeDist, scope: crate::domain::Scope, width: f64) -> Vec<Price> {
    use MarketKind as M;
    use Selection as S;
    let mut out = Vec::with_capacity(256);
    let mut push = |market: M, selection: S, line: Option<f64>| {
        if let Some(prob) = dist.outcome(market, selection, line) {
            let p = if market == M::Moneyline3Way {
                prob.win
            } else {
                prob.win_given_action()
            };
            let fair_american = crate::domain::odds::probability_to_american(p).ok();
            out.push(Price {
                market,
                scope,
                selection,
                line,
                prob,
                fair_american,
            });
        }
    };
    push(M::Moneyline, S::Home, None);
    push(M::Moneyline, S::Away, None);
    for s in [S::Home, S::Away, S::Tie] {
        push(M::Moneyline3Way, s, None);
    }
    for l in ladder(-dist.margin.mean(), width) {
        push(M::SpreadAlt, S::Home, Some(l));
        push(M::SpreadAlt, S::Away, Some(-l));
    }
    for l in ladder(dist.total.mean(), width) {
        push(M::TotalAlt, S::Over, Some(l));
        push(M::TotalAlt, S::Under, Some(l));
    }
    for l in ladder(dist.home.mean(), width / 2.0) {
        push(M::TeamTotal, S::HomeOver, Some(l));
        push(M::TeamTotal, S::HomeUnder, Some(l));
    }
    for l in ladder(dist.away.mean(), width / 2.0) {
        push(M::TeamTotal, S::AwayOver, Some(l));
        push(M::TeamTotal, S::AwayUnder, Some(l));
    }
    out
}
