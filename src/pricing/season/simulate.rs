//! The Monte Carlo over seasons. Every remaining game is drawn from its exact joint score pmf
//! (one alias table per game, built once per run), the standings are ranked with the full
//! tiebreakers, and the playoffs are played to a champion. Only counts are kept, so memory is
//! flat in the number of simulations.
//!
//! Each simulated season first draws every club a strength shock, normal with spread `tau`
//! (see `drift`), which moves the expected margin of each of its remaining games (and playoff
//! games) by the difference of the two clubs' shocks. The shifted game is drawn exactly as well
//! (`shock`): its margin from the model's margin pmf at the shifted mean, then its score from
//! the game's own joint pmf given that margin. With `tau = 0` a game is drawn from its joint pmf
//! directly.
//!
//! Reproducibility: simulations come in fixed chunks of [`SIM_CHUNK`], and chunk `k` draws
//! everything (scores, coin tosses, playoff games) from its own stream
//! [`montecarlo::stream`]`(seed, key, k)`; tallies are integer counts summed in any order. So
//! the output depends on (inputs, simulations, seed) and never on the thread count.

use super::bracket::{self, PlayoffOdds};
use super::schedule::SeasonSchedule;
use super::shock::{GivenMargin, MarginGrid};
use super::standings::Standings;
use super::tiebreak::rank_season;
use super::MAX_TEAMS;
use crate::pricing::alias::AliasTable;
use crate::pricing::model::JointPmf;
use crate::pricing::montecarlo::{key_of, mix64, stream};
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
        self.scores.iter().copied().zip(self.table.probabilities())
    }
}

/// What the simulator asks of the game model.
pub trait SeasonModel: Sync {
    /// The full-game joint score pmf of schedule game `game` (one still to play).
    fn joint(&self, game: usize) -> JointPmf;
    /// Its expected home-minus-away margin.
    fn mean(&self, game: usize) -> f64;
    /// The model's margin pmf (index 0 = margin -MAX_MARGIN) at expected margin `mean`.
    fn margin_at(&self, mean: f64) -> Vec<f64>;
    /// A playoff pairing's expected margin.
    fn playoff_mean(&self, home: usize, away: usize, neutral: bool) -> f64;
    /// A playoff game's chance for the side expected to win by `mean` (no ties in the playoffs).
    fn win_at(&self, mean: f64) -> f64;
}

/// Everything a run needs, built once: the schedule, known scores, one sampler per remaining
/// game and the playoff pairings' odds.
#[derive(Debug, Clone)]
pub struct SeasonSim {
    sched: SeasonSchedule,
    known: Vec<(u8, u8)>,
    remaining: Vec<(u16, ScoreSampler)>,
    /// With a positive spread, the same games' score-given-margin samplers, in the same order,
    /// and the margin tables they share.
    shifted: Vec<GivenMargin>,
    grid: Option<MarginGrid>,
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
        let spread = if spread.is_finite() {
            spread.max(0.0)
        } else {
            0.0
        };
        let todo: Vec<usize> = (0..sched.games.len())
            .filter(|&g| sched.games[g].result.is_none())
            .collect();
        let grid = (spread > 0.0)
            .then(|| MarginGrid::new(|m| model.margin_at(m)))
            .flatten();
        let built: Vec<(u16, ScoreSampler, Option<GivenMargin>)> = todo
            .par_iter()
            .filter_map(|&g| {
                let joint = model.joint(g);
                let sampler = ScoreSampler::new(&joint).or_else(ScoreSampler::tie)?;
                let given = grid
                    .is_some()
                    .then(|| GivenMargin::new(&joint, model.mean(g)));
                Some((g as u16, sampler, given))
            })
            .collect();
        let mut remaining = Vec::with_capacity(built.len());
        let mut shifted = Vec::new();
        for (g, s, given) in built {
            remaining.push((g, s));
            shifted.extend(given);
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
            spread: if grid.is_some() { spread } else { 0.0 },
            grid,
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
        self.run_counted(simulations, seed, &std::sync::atomic::AtomicU32::new(0))
    }

    /// [`SeasonSim::run`], adding each finished chunk's seasons to `progress`.
    pub fn run_counted(
        &self,
        simulations: u32,
        seed: u64,
        progress: &std::sync::atomic::AtomicU32,
    ) -> Tally {
        let key = key_of("season") ^ mix64(self.sched.season as u64);
        (0..simulations.div_ceil(SIM_CHUNK))
            .into_par_iter()
            .map(|chunk| {
                let n = (simulations - chunk * SIM_CHUNK).min(SIM_CHUNK);
                let tally = self.chunk(n, &mut stream(seed, key, u64::from(chunk)));
                progress.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
                tally
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
        if let Some(grid) = &self.grid {
            for s in shocks.iter_mut().take(self.sched.len()) {
                let z: f64 = StandardNormal.sample(rng);
                *s = self.spread * z;
            }
            let mut picks = 0u64;
            for (i, ((g, _), given)) in self.remaining.iter().zip(&self.shifted).enumerate() {
                let f = &self.sched.games[*g as usize];
                let mean = given.mean + shocks[f.home as usize] - shocks[f.away as usize];
                // One output draws margin and score; every other game refills two grid picks.
                if i % 2 == 0 {
                    picks = rng.next_u64();
                }
                let pick = if i % 2 == 0 {
                    (picks >> 32) as u32
                } else {
                    picks as u32
                };
                let r = rng.next_u64();
                let m = grid.draw(mean, pick, (r >> 32) as u32);
                scores[*g as usize] = given.score(m, r as u32);
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
        for (counts, &r) in tally.reached.iter_mut().zip(&reached) {
            counts[r as usize] += 1;
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
