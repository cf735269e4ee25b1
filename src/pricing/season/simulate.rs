//! The Monte Carlo over seasons. Every remaining game is drawn from its exact joint score pmf
//! (one alias table per game, built once per run), the standings are ranked with the full
//! tiebreakers, and the playoffs are played to a champion. Only counts are kept, so memory is
//! flat in the number of simulations.
//!
//! Each simulated season first draws every club a strength shock, normal with spread `tau`
//! (see `drift`), which moves the expected margin of each of its remaining games (and playoff
//! games) by the difference of the two clubs' shocks. The shifted game is drawn exactly as well:
//! its margin from the model's margin pmf at the shifted mean (one alias table per whole-point
//! shift, built once per run), then its score from the game's own joint pmf given that margin.
//! With `tau = 0` a game is drawn from its joint pmf directly.
//!
//! Reproducibility: simulations come in fixed chunks of [`SIM_CHUNK`], and chunk `k` draws
//! everything (scores, coin tosses, playoff games) from its own stream
//! [`montecarlo::stream`]`(seed, key, k)`; tallies are integer counts summed in any order. So
//! the output depends on (inputs, simulations, seed) and never on the thread count.

use super::bracket::{self, PlayoffOdds};
use super::schedule::SeasonSchedule;
use super::standings::Standings;
use super::tiebreak::rank_season;
use super::MAX_TEAMS;
use crate::pricing::alias::AliasTable;
use crate::pricing::model::JointPmf;
use crate::pricing::montecarlo::{key_of, mix64, stream};
use crate::pricing::keynumbers::MAX_MARGIN;
use rand::RngCore;
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;

/// Seasons per stream. Fixed forever: a given seed means the same numbers.
pub const SIM_CHUNK: u32 = 1024;

/// Draws one game's final score.
#[derive(Debug, Clone)]
pub struct ScoreSampler {
    table: AliasTable,
    scores: Vec<(u8, u8)>,
}

impl ScoreSampler {
    /// Over the positive cells of a full-game joint pmf (cell `h * side + a`). `None` for a pmf
    /// with no mass (cannot come from the model, which always renormalises).
    pub fn new(joint: &JointPmf) -> Option<ScoreSampler> {
        let side = joint.side();
        let support = joint.support();
        let weights: Vec<f64> = support.iter().map(|&i| joint.cells()[i as usize]).collect();
        let scores = support
            .iter()
            .map(|&i| {
                let (h, a) = (i as usize / side, i as usize % side);
                (h.min(255) as u8, a.min(255) as u8)
            })
            .collect();
        Some(ScoreSampler {
            table: AliasTable::new(&weights)?,
            scores,
        })
    }

    /// A 0-0 tie with certainty: the stand-in for a game the model has no pmf for.
    fn tie() -> Option<ScoreSampler> {
        Some(ScoreSampler {
            table: AliasTable::new(&[1.0])?,
            scores: vec![(0, 0)],
        })
    }

    #[inline]
    pub fn draw(&self, u: u32) -> (u8, u8) {
        self.scores[self.table.sample(u)]
    }

    /// Exact chance of each (home, away) score the sampler can draw.
    pub fn outcomes(&self) -> impl Iterator<Item = ((u8, u8), f64)> + '_ {
        self.scores
            .iter()
            .copied()
            .zip(self.table.probabilities())
    }
}

/// What the simulator asks of the game model.
pub trait SeasonModel: Sync {
    /// The full-game joint score pmf of schedule game `game` (one still to play).
    fn joint(&self, game: usize) -> JointPmf;
    /// Its margin pmf (index 0 = margin -MAX_MARGIN) with the expected margin moved by `shift`.
    fn margin(&self, game: usize, shift: f64) -> Vec<f64>;
    /// A playoff pairing's expected margin.
    fn playoff_mean(&self, home: usize, away: usize, neutral: bool) -> f64;
    /// A playoff game's chance for the side expected to win by `mean` (no ties in the playoffs).
    fn win_at(&self, mean: f64) -> f64;
}

/// Most whole points a game's expected margin is shifted by; beyond, the shift is capped.
const MAX_SHIFT: i32 = 20;

/// A game drawn under strength shocks: a margin table per whole-point shift, then the score
/// given the margin from the game's unshifted joint pmf.
#[derive(Debug, Clone)]
pub struct ShiftedSampler {
    reach: i32,
    margins: Vec<AliasTable>,
    given: Vec<Option<ScoreSampler>>,
}

impl ShiftedSampler {
    fn new(
        joint: &JointPmf,
        reach: i32,
        margin_at: impl Fn(f64) -> Vec<f64>,
    ) -> Option<ShiftedSampler> {
        let margins = (-reach..=reach)
            .map(|s| AliasTable::new(&margin_at(f64::from(s))))
            .collect::<Option<Vec<_>>>()?;
        let side = joint.side();
        let width = 2 * MAX_MARGIN as usize + 1;
        let mut cells: Vec<(Vec<f64>, Vec<(u8, u8)>)> = vec![(Vec::new(), Vec::new()); width];
        for i in joint.support() {
            let (h, a) = (i as usize / side, i as usize % side);
            let m = h as i64 - a as i64 + i64::from(MAX_MARGIN);
            if let Some(c) = usize::try_from(m).ok().and_then(|m| cells.get_mut(m)) {
                c.0.push(joint.cells()[i as usize]);
                c.1.push((h.min(255) as u8, a.min(255) as u8));
            }
        }
        let given = cells
            .into_iter()
            .map(|(w, scores)| {
                Some(ScoreSampler {
                    table: AliasTable::new(&w)?,
                    scores,
                })
            })
            .collect();
        Some(ShiftedSampler {
            reach,
            margins,
            given,
        })
    }

    #[inline]
    fn draw(&self, shift: f64, r: u64) -> (u8, u8) {
        let s = if shift.is_finite() {
            (shift.round() as i32).clamp(-self.reach, self.reach)
        } else {
            0
        };
        let m = self.margins[(s + self.reach) as usize].sample((r >> 32) as u32);
        match &self.given[m] {
            Some(t) => t.draw(r as u32),
            // A margin the unshifted grid never produces (mass below 1e-8 even when shifted):
            // a typical score with that margin.
            None => {
                let d = m as i32 - MAX_MARGIN;
                ((17 + d.max(0)) as u8, (17 + (-d).max(0)) as u8)
            }
        }
    }
}

/// Everything a run needs, built once: the schedule, known scores, one sampler per remaining
/// game and the playoff pairings' odds.
#[derive(Debug, Clone)]
pub struct SeasonSim {
    sched: SeasonSchedule,
    known: Vec<(u8, u8)>,
    remaining: Vec<(u16, ScoreSampler)>,
    /// With a positive spread, the same games' shifted samplers, in the same order.
    shifted: Vec<ShiftedSampler>,
    spread: f64,
    odds: PlayoffOdds,
}

/// Counts over simulated seasons, per team in schedule order.
#[derive(Debug, Clone, PartialEq)]
pub struct Tally {
    pub simulations: u32,
    /// `half_wins[t][w]`: seasons in which team `t` ended with `w` half-wins.
    pub half_wins: Vec<Vec<u32>>,
    pub division: Vec<u32>,
    /// `seeds[t][s]`: seasons seeded `s + 1`.
    pub seeds: Vec<Vec<u32>>,
    /// `reached[t][r]`: seasons in which team `t` reached round `r` exactly (see `bracket`).
    pub reached: Vec<[u32; 6]>,
    pub first_pick: Vec<u32>,
}

impl Tally {
    fn empty(sched: &SeasonSchedule) -> Tally {
        let n = sched.len();
        Tally {
            simulations: 0,
            half_wins: (0..n)
                .map(|t| vec![0; 2 * sched.slots(t).len() + 1])
                .collect(),
            division: vec![0; n],
            seeds: vec![vec![0; sched.playoff_seeds()]; n],
            reached: vec![[0; 6]; n],
            first_pick: vec![0; n],
        }
    }

    fn add(mut self, other: Tally) -> Tally {
        self.simulations += other.simulations;
        let add = |a: &mut [u32], b: &[u32]| a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
        for t in 0..self.division.len() {
            add(&mut self.half_wins[t], &other.half_wins[t]);
            add(&mut self.seeds[t], &other.seeds[t]);
            add(&mut self.reached[t], &other.reached[t]);
        }
        add(&mut self.division, &other.division);
        add(&mut self.first_pick, &other.first_pick);
        self
    }
}

impl SeasonSim {
    /// Builds the run: one sampler per game still to play, and with `spread > 0` (the
    /// strength shocks' standard deviation, points) its shifted samplers.
    pub fn new(sched: SeasonSchedule, model: &impl SeasonModel, spread: f64) -> SeasonSim {
        let spread = if spread.is_finite() { spread.max(0.0) } else { 0.0 };
        // Shifts reach four standard deviations of a difference of two shocks.
        let reach = ((4.0 * std::f64::consts::SQRT_2 * spread).ceil() as i32).min(MAX_SHIFT);
        let todo: Vec<usize> = (0..sched.games.len())
            .filter(|&g| sched.games[g].result.is_none())
            .collect();
        let built: Vec<(u16, ScoreSampler, Option<ShiftedSampler>)> = todo
            .par_iter()
            .filter_map(|&g| {
                let joint = model.joint(g);
                let sampler = ScoreSampler::new(&joint).or_else(ScoreSampler::tie)?;
                let shifted = (spread > 0.0)
                    .then(|| ShiftedSampler::new(&joint, reach, |s| model.margin(g, s)))
                    .flatten();
                Some((g as u16, sampler, shifted))
            })
            .collect();
        // A game whose shifted tables could not be built keeps the whole run unshocked rather
        // than mixing the two.
        let all_shifted = spread > 0.0 && built.iter().all(|b| b.2.is_some());
        let mut remaining = Vec::with_capacity(built.len());
        let mut shifted = Vec::new();
        for (g, s, sh) in built {
            remaining.push((g, s));
            if let (true, Some(sh)) = (all_shifted, sh) {
                shifted.push(sh);
            }
        }
        let known = sched
            .games
            .iter()
            .map(|g| g.result.unwrap_or((0, 0)))
            .collect();
        let odds = PlayoffOdds::new(
            sched.len(),
            |h, a, n| model.playoff_mean(h, a, n),
            |m| model.win_at(m),
        );
        SeasonSim {
            sched,
            known,
            remaining,
            shifted,
            spread: if all_shifted { spread } else { 0.0 },
            odds,
        }
    }

    /// The strength shocks' standard deviation this run draws (0: none).
    pub fn spread(&self) -> f64 {
        self.spread
    }

    pub fn schedule(&self) -> &SeasonSchedule {
        &self.sched
    }

    pub fn odds(&self) -> &PlayoffOdds {
        &self.odds
    }

    /// The remaining games' samplers, by game index.
    pub fn remaining(&self) -> &[(u16, ScoreSampler)] {
        &self.remaining
    }

    /// Simulates `simulations` seasons from `seed`, spread over the current rayon pool.
    pub fn run(&self, simulations: u32, seed: u64) -> Tally {
        let key = key_of("season") ^ mix64(self.sched.season as u64);
        (0..simulations.div_ceil(SIM_CHUNK))
            .into_par_iter()
            .map(|chunk| {
                let n = (simulations - chunk * SIM_CHUNK).min(SIM_CHUNK);
                self.chunk(n, &mut stream(seed, key, u64::from(chunk)))
            })
            .reduce(|| Tally::empty(&self.sched), Tally::add)
    }

    fn chunk(&self, n: u32, rng: &mut impl RngCore) -> Tally {
        let mut tally = Tally::empty(&self.sched);
        tally.simulations = n;
        let mut scores = self.known.clone();
        for _ in 0..n {
            self.one_season(&mut scores, rng, &mut tally);
        }
        tally
    }

    fn one_season(&self, scores: &mut [(u8, u8)], rng: &mut impl RngCore, tally: &mut Tally) {
        let mut shocks = [0.0f64; MAX_TEAMS];
        if self.spread > 0.0 {
            for s in shocks.iter_mut().take(self.sched.len()) {
                let z: f64 = StandardNormal.sample(rng);
                *s = self.spread * z;
            }
            for ((g, _), sh) in self.remaining.iter().zip(&self.shifted) {
                let f = &self.sched.games[*g as usize];
                let shift = shocks[f.home as usize] - shocks[f.away as usize];
                scores[*g as usize] = sh.draw(shift, rng.next_u64());
            }
        } else {
            self.draw_unshocked(scores, rng);
        }
        self.finish_season(scores, &shocks, rng, tally);
    }

    fn draw_unshocked(&self, scores: &mut [(u8, u8)], rng: &mut impl RngCore) {
        // Two draws per 64-bit output, high half first, as the game Monte Carlo does.
        let mut pairs = self.remaining.chunks_exact(2);
        for pair in pairs.by_ref() {
            let r = rng.next_u64();
            scores[pair[0].0 as usize] = pair[0].1.draw((r >> 32) as u32);
            scores[pair[1].0 as usize] = pair[1].1.draw(r as u32);
        }
        if let [(g, s)] = pairs.remainder() {
            scores[*g as usize] = s.draw((rng.next_u64() >> 32) as u32);
        }
    }

    fn finish_season(
        &self,
        scores: &[(u8, u8)],
        shocks: &[f64; MAX_TEAMS],
        rng: &mut impl RngCore,
        tally: &mut Tally,
    ) {
        let st = Standings::new(&self.sched, scores);
        let ranks = rank_season(&st, rng);
        let seeds = self.sched.playoff_seeds();
        for t in 0..self.sched.len() {
            tally.half_wins[t][st.record(t).w2 as usize] += 1;
            tally.division[t] += u32::from(ranks.div_rank[t] == 1);
            let r = ranks.conf_rank[t] as usize;
            if (1..=seeds).contains(&r) {
                tally.seeds[t][r - 1] += 1;
            }
        }
        let mut reached = [0u8; MAX_TEAMS];
        let playoff = [&ranks.order[0][..seeds], &ranks.order[1][..seeds]];
        bracket::play(playoff, &self.odds, shocks, rng, &mut reached);
        for t in 0..self.sched.len() {
            tally.reached[t][reached[t] as usize] += 1;
        }
        tally.first_pick[first_pick(&st, rng)] += 1;
    }
}

/// The club with the first pick of the draft: the worst win percentage, then the weakest
/// schedule, then a seeded coin toss. A simplification of the draft order's full tiebreakers
/// (division or conference procedures reversed, then head-to-head, common games and strength of
/// victory), which the first pick almost never needs beyond strength of schedule.
pub fn first_pick(st: &Standings, rng: &mut impl RngCore) -> usize {
    let n = st.schedule().len();
    let mut best: Option<(f64, f64, u32, usize)> = None;
    for t in 0..n {
        let key = (st.win_pct(t), st.sos(t));
        let better = match best {
            None => true,
            Some((p, s, _, _)) => key.0 < p || (key.0 == p && key.1 < s),
        };
        let tied = best.is_some_and(|(p, s, _, _)| key.0 == p && key.1 == s);
        if better {
            best = Some((key.0, key.1, rng.next_u32(), t));
        } else if tied {
            let d = rng.next_u32();
            if best.is_some_and(|(_, _, b, _)| d > b) {
                best = Some((key.0, key.1, d, t));
            }
        }
    }
    best.map_or(0, |b| b.3)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small joint pmf over scores 0..6 and its margin marginal on the model's margin axis.
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
    fn unshifted_draws_reproduce_the_joint_exactly() {
        let (joint, margin) = joint_and_margin();
        let s = ShiftedSampler::new(&joint, 2, |_| margin.clone()).unwrap();
        let pm = s.margins[2].probabilities();
        let mut rebuilt = vec![0.0; 36];
        for (m, given) in s.given.iter().enumerate() {
            let Some(given) = given else { continue };
            for ((h, a), p) in given.outcomes() {
                rebuilt[h as usize * 6 + a as usize] += pm[m] * p;
            }
        }
        for (i, (x, y)) in rebuilt.iter().zip(joint.cells()).enumerate() {
            assert!((x - y).abs() < 1e-6, "cell {i}: {x} vs {y}");
        }
    }

    #[test]
    fn shifts_pick_their_table_and_are_capped() {
        let (joint, margin) = joint_and_margin();
        // Shift s puts every margin draw on +s (a point mass), so the drawn score shows it.
        let s = ShiftedSampler::new(&joint, 3, |shift| {
            let mut m = vec![0.0; margin.len()];
            m[(shift as i32 + MAX_MARGIN) as usize] = 1.0;
            m
        })
        .unwrap();
        for (shift, want) in [(0.2, 0), (1.6, 2), (-2.4, -2), (40.0, 3), (f64::NAN, 0)] {
            let (h, a) = s.draw(shift, 0x1234_5678_9abc_def0);
            assert_eq!(i32::from(h) - i32::from(a), want, "shift {shift}");
        }
    }
}
