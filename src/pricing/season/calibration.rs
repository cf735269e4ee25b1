//! Walk-forward calibration of the season simulator: for each season scored and each checkpoint
//! week, the rest of the season is simulated as known on that week's first game day (the
//! known-before judge), and P(make playoffs), P(win division) and P(win Super Bowl) are scored
//! against what happened, beside a naive baseline that knows each club's current win percentage
//! only.
//!
//! The baseline, fitted walk-forward: for a checkpoint of season S at week W, every club of
//! every earlier season from 2002 (the current alignment) at the same week is put in a bucket of
//! its win percentage so far (tenths, rounded), and the bucket's event rate is smoothed toward
//! the overall rate with two pseudo-clubs. The rates are then scaled so they add up to the
//! season's known number of slots (12 or 14 playoff clubs, 8 division winners, 1 champion),
//! capped at 1: the slot counts are known in advance, and without this the baseline would be
//! handicapped in 2020, the first 7-seed season. Nothing in the simulator is fitted here.
//!
//! A simulated probability is scored as `(count + 0.5) / (simulations + 1)`, so a club the
//! simulation never saw win is not scored as certain to lose (a log loss needs that), chosen
//! before any score was seen.
//!
//! The simulator's one fitted quantity, the strength shocks' spread, is fitted for each checkpoint
//! on earlier seasons' same week only (`drift`), and reported per checkpoint.

use super::drift::{self, Residuals};
use super::league::League;
use super::simulate::Tally;
use super::standings::{half_wins, Standings};
use super::tiebreak::rank_season;
use super::{inputs, SeasonError, SeasonSchedule};
use crate::pricing::backtest::{metrics, Metrics};
use crate::pricing::known::{known_before, week_starts, Cutoff};
use crate::pricing::{GameRecord, PricingEngine};
use rand::SeedableRng;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::ops::RangeInclusive;

pub const CALIBRATION_SCHEMA: &str = "nflreadpy-betting/futures-calibration/1";

/// Checkpoint weeks: the rest of the season from the first day of each.
pub const WEEKS: [i32; 4] = [4, 8, 12, 16];

/// First season of the current alignment (32 clubs, 8 divisions of 4): baseline training starts
/// here.
pub const FIRST_ALIGNED_SEASON: i32 = 2002;

/// Pseudo-clubs at the overall rate added to each baseline bucket.
const BASELINE_PRIOR: f64 = 2.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    Playoffs,
    Division,
    SuperBowl,
}

impl Target {
    pub const ALL: [Target; 3] = [Target::Playoffs, Target::Division, Target::SuperBowl];

    pub fn label(self) -> &'static str {
        match self {
            Target::Playoffs => "make playoffs",
            Target::Division => "win division",
            Target::SuperBowl => "win Super Bowl",
        }
    }
}

/// Model and baseline scored on one set of forecasts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scored {
    pub target: Target,
    /// `None` for the pooled rows.
    pub week: Option<i32>,
    pub model: Metrics,
    pub baseline: Metrics,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CalibrationReport {
    pub schema: String,
    pub first_season: i32,
    pub last_season: i32,
    pub weeks: Vec<i32>,
    pub simulations: u32,
    pub seed: u64,
    /// The strength shocks' spread each checkpoint ran with, fitted on earlier seasons.
    pub spreads: Vec<SpreadAt>,
    /// One row per (target, week); `pooled` has one per target over all weeks.
    pub checkpoints: Vec<Scored>,
    pub pooled: Vec<Scored>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SpreadAt {
    pub season: i32,
    pub week: i32,
    /// Points (standard deviation of one club's shock).
    pub spread: f64,
}

/// (probability, what happened) pairs.
type Forecasts = Vec<(f64, bool)>;

/// One club at one checkpoint: its record so far and what happened.
#[derive(Debug, Clone, Copy)]
struct ClubAt {
    pct_bucket: usize,
    happened: [bool; 3],
}

/// Runs the calibration over `seasons` (each must be finished in the games file).
pub fn run(
    engine: &PricingEngine,
    seasons: RangeInclusive<i32>,
    simulations: u32,
    seed: u64,
) -> Result<CalibrationReport, SeasonError> {
    let games = engine.games();
    let starts = week_starts(games);
    let league = League::embedded();
    let mut history: BTreeMap<(i32, i32), Vec<ClubAt>> = BTreeMap::new();
    let mut residuals: BTreeMap<(i32, i32), Residuals> = BTreeMap::new();
    for season in FIRST_ALIGNED_SEASON..=*seasons.end() {
        let outcome = Outcome::of(games, season, &league)?;
        for week in WEEKS {
            let cutoff = checkpoint(&starts, season, week)?;
            history.insert((season, week), outcome.clubs_at(games, &cutoff, &league)?);
            residuals.insert((season, week), drift::residuals(engine, season, &cutoff));
        }
    }
    let mut spreads = Vec::new();
    let mut pairs: HashMap<(Target, i32), (Forecasts, Forecasts)> = HashMap::new();
    for season in seasons.clone() {
        for week in WEEKS {
            let cutoff = checkpoint(&starts, season, week)?;
            let earlier: Vec<&Residuals> = residuals
                .range((FIRST_ALIGNED_SEASON, week)..(season, week))
                .filter(|((_, w), _)| *w == week)
                .map(|(_, r)| r)
                .collect();
            let spread = drift::spread(&earlier);
            spreads.push(SpreadAt {
                season,
                week,
                spread,
            });
            let sim = inputs::season_sim_with(engine, season, &cutoff, spread)?;
            let tally = sim.run(simulations, seed);
            let clubs = &history[&(season, week)];
            let baseline = baseline(&history, season, week, clubs, sim.schedule());
            for (t, club) in clubs.iter().enumerate() {
                let model = model_probs(&tally, t);
                for (i, target) in Target::ALL.iter().enumerate() {
                    let e = pairs.entry((*target, week)).or_default();
                    e.0.push((model[i], club.happened[i]));
                    e.1.push((baseline[t][i], club.happened[i]));
                }
            }
        }
    }
    let score = |target: Target, week: Option<i32>| {
        let (m, b): (Vec<_>, Vec<_>) = WEEKS
            .iter()
            .filter(|w| week.is_none_or(|x| x == **w))
            .filter_map(|w| pairs.get(&(target, *w)))
            .map(|(m, b)| (m.clone(), b.clone()))
            .unzip();
        Scored {
            target,
            week,
            model: metrics(m.into_iter().flatten()),
            baseline: metrics(b.into_iter().flatten()),
        }
    };
    Ok(CalibrationReport {
        schema: CALIBRATION_SCHEMA.to_string(),
        first_season: *seasons.start(),
        last_season: *seasons.end(),
        weeks: WEEKS.to_vec(),
        simulations,
        seed,
        spreads,
        checkpoints: Target::ALL
            .iter()
            .flat_map(|&t| WEEKS.iter().map(move |&w| (t, w)))
            .map(|(t, w)| score(t, Some(w)))
            .collect(),
        pooled: Target::ALL.iter().map(|&t| score(t, None)).collect(),
    })
}

/// The first game day of a season's week.
fn checkpoint(
    starts: &crate::pricing::known::WeekStarts,
    season: i32,
    week: i32,
) -> Result<Cutoff, SeasonError> {
    starts
        .get(&(season, week))
        .cloned()
        .ok_or(SeasonError::NoSeason(season))
}

/// The simulated chances of club `t`, in [`Target::ALL`] order.
fn model_probs(tally: &Tally, t: usize) -> [f64; 3] {
    let n = f64::from(tally.simulations) + 1.0;
    let made: u32 = tally.reached[t][1..].iter().sum();
    [
        (f64::from(made) + 0.5) / n,
        (f64::from(tally.division[t]) + 0.5) / n,
        (f64::from(tally.reached[t][super::bracket::CHAMPION as usize]) + 0.5) / n,
    ]
}

/// What happened in a finished season, by team code.
struct Outcome {
    season: i32,
    happened: HashMap<String, [bool; 3]>,
}

impl Outcome {
    fn of(games: &[GameRecord], season: i32, league: &League) -> Result<Outcome, SeasonError> {
        let unfinished = SeasonError::Unfinished(season);
        let sched = SeasonSchedule::build(games, season, league, |_| true)?;
        if games
            .iter()
            .any(|g| g.season == season && g.game_type == "REG" && !g.is_played())
        {
            return Err(unfinished);
        }
        let scores: Vec<(u8, u8)> = sched
            .games
            .iter()
            .map(|g| g.result.unwrap_or((0, 0)))
            .collect();
        let st = Standings::new(&sched, &scores);
        let mut coin = rand_pcg::Pcg64Mcg::seed_from_u64(season as u64);
        let ranks = rank_season(&st, &mut coin);
        let post: Vec<&GameRecord> = games
            .iter()
            .filter(|g| g.season == season && g.game_type != "REG")
            .collect();
        let champion = post
            .iter()
            .find(|g| g.game_type == "SB")
            .and_then(|g| match g.margin()? {
                m if m > 0 => Some(g.home_team.clone()),
                m if m < 0 => Some(g.away_team.clone()),
                _ => None,
            })
            .ok_or(unfinished)?;
        let happened = sched
            .clubs
            .iter()
            .enumerate()
            .map(|(t, c)| {
                let playoffs = post
                    .iter()
                    .any(|g| g.home_team == c.code || g.away_team == c.code);
                (
                    c.code.clone(),
                    [playoffs, ranks.div_rank[t] == 1, champion == c.code],
                )
            })
            .collect();
        Ok(Outcome { season, happened })
    }

    /// Every club's win-percentage bucket at `cutoff` and what happened to it.
    fn clubs_at(
        &self,
        games: &[GameRecord],
        cutoff: &Cutoff,
        league: &League,
    ) -> Result<Vec<ClubAt>, SeasonError> {
        let sched = SeasonSchedule::build(games, self.season, league, |g| known_before(g, cutoff))?;
        let mut rec = vec![(0u32, 0u32); sched.len()];
        for g in &sched.games {
            if let Some((h, a)) = g.result {
                rec[g.home as usize].0 += half_wins(h, a);
                rec[g.away as usize].0 += half_wins(a, h);
                rec[g.home as usize].1 += 1;
                rec[g.away as usize].1 += 1;
            }
        }
        Ok(sched
            .clubs
            .iter()
            .zip(rec)
            .map(|(c, (w2, g))| ClubAt {
                pct_bucket: bucket(w2, g),
                happened: self.happened.get(&c.code).copied().unwrap_or_default(),
            })
            .collect())
    }
}

/// Win percentage in tenths, rounded (0..=10); a club with no games is at .500.
fn bucket(w2: u32, games: u32) -> usize {
    if games == 0 {
        return 5;
    }
    ((f64::from(w2) / f64::from(2 * games) * 10.0).round() as usize).min(10)
}

/// The baseline's chances for each club of `season` at `week`, from earlier seasons only.
fn baseline(
    history: &BTreeMap<(i32, i32), Vec<ClubAt>>,
    season: i32,
    week: i32,
    clubs: &[ClubAt],
    sched: &SeasonSchedule,
) -> Vec<[f64; 3]> {
    let mut counts = [[(0.0f64, 0.0f64); 11]; 3];
    let mut overall = [(0.0f64, 0.0f64); 3];
    for ((s, w), past) in history {
        if *s >= season || *w != week {
            continue;
        }
        for c in past {
            for i in 0..3 {
                let y = f64::from(u8::from(c.happened[i]));
                counts[i][c.pct_bucket].0 += y;
                counts[i][c.pct_bucket].1 += 1.0;
                overall[i].0 += y;
                overall[i].1 += 1.0;
            }
        }
    }
    let slots = [
        (2 * sched.playoff_seeds()) as f64,
        sched.division_masks().len() as f64,
        1.0,
    ];
    let mut out: Vec<[f64; 3]> = clubs
        .iter()
        .map(|c| {
            let mut p = [0.0; 3];
            for i in 0..3 {
                let base = if overall[i].1 > 0.0 {
                    overall[i].0 / overall[i].1
                } else {
                    slots[i] / clubs.len().max(1) as f64
                };
                let (k, n) = counts[i][c.pct_bucket];
                p[i] = (k + BASELINE_PRIOR * base) / (n + BASELINE_PRIOR);
            }
            p
        })
        .collect();
    for i in 0..3 {
        let sum: f64 = out.iter().map(|p| p[i]).sum();
        if sum > 0.0 {
            let scale = slots[i] / sum;
            out.iter_mut().for_each(|p| p[i] = (p[i] * scale).min(1.0));
        }
    }
    out
}
