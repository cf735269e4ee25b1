//! What a season simulation reports per team, as serialisable types (the `futures` command's
//! JSON, schema [`FUTURES_SCHEMA`]), and [`forecast`], which runs one.

use super::bracket::{CHAMPION, CONFERENCE_GAME, MADE_PLAYOFFS, SUPER_BOWL};
use super::inputs::{cutoff_of, season_of, season_sim};
use super::simulate::{SeasonSim, Tally};
use super::standings::half_wins;
use super::{SeasonError, MAX_SIMULATIONS};
use crate::pricing::PricingEngine;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::sync::atomic::AtomicU32;

/// The JSON document's `schema` value; bumped when a field changes meaning or goes away.
pub const FUTURES_SCHEMA: &str = "nflreadpy-betting/futures/1";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeasonForecast {
    pub schema: String,
    pub season: u16,
    /// Results of games before this day count; every later regular-season game is simulated.
    pub as_of: NaiveDate,
    pub simulations: u32,
    pub seed: u64,
    /// Playoff clubs per conference (7 since 2020, 6 before): the length of `p_seed`.
    pub playoff_seeds: u8,
    /// Regular-season games already played and still to play, league-wide.
    pub games_played: u32,
    pub games_remaining: u32,
    /// Alphabetical by team code.
    pub teams: Vec<TeamForecast>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamForecast {
    pub team: String,
    pub conference: String,
    pub division: String,
    /// Regular-season games on its schedule.
    pub games: u32,
    /// Wins so far, a tie counting one half.
    pub current_wins: f64,
    pub mean_wins: f64,
    /// `wins[i]` = P(final wins = i / 2), ties counting one half: half-win steps from 0 to
    /// `games`, so a line's over, push and under are sums (see [`TeamForecast::p_over`]).
    pub wins: Vec<f64>,
    pub p_division: f64,
    /// `p_seed[s]` = P(conference seed s + 1).
    pub p_seed: Vec<f64>,
    pub p_playoffs: f64,
    /// Reach the conference championship game.
    pub p_conference_game: f64,
    /// Win the conference (reach the Super Bowl).
    pub p_conference: f64,
    pub p_super_bowl: f64,
    /// The first pick of the next draft (worst record; see `simulate::first_pick`).
    pub p_first_pick: Option<f64>,
}

impl TeamForecast {
    /// (over, push, under) of a season win total `line` (a tie counts one half win, as books
    /// settle it): a whole-number line pushes on exactly that many wins.
    pub fn p_over(&self, line: f64) -> (f64, f64, f64) {
        let (mut over, mut push, mut under) = (0.0, 0.0, 0.0);
        for (i, p) in self.wins.iter().enumerate() {
            let w = i as f64 / 2.0;
            if w > line {
                over += p;
            } else if w == line {
                push += p;
            } else {
                under += p;
            }
        }
        (over, push, under)
    }
}

/// Simulates the rest of the season `as_of` falls in, `simulations` times from `seed`.
pub fn forecast(
    engine: &PricingEngine,
    as_of: NaiveDate,
    simulations: u32,
    seed: u64,
) -> Result<SeasonForecast, SeasonError> {
    if !(1..=MAX_SIMULATIONS).contains(&simulations) {
        return Err(SeasonError::Simulations(u64::from(simulations)));
    }
    forecast_with_progress(engine, as_of, simulations, seed, &AtomicU32::new(0))
}

/// [`forecast`], counting the seasons simulated so far into `progress` (the dashboard shows it
/// while a background run goes on). The result does not depend on how progress is read.
pub fn forecast_with_progress(
    engine: &PricingEngine,
    as_of: NaiveDate,
    simulations: u32,
    seed: u64,
    progress: &AtomicU32,
) -> Result<SeasonForecast, SeasonError> {
    if !(1..=MAX_SIMULATIONS).contains(&simulations) {
        return Err(SeasonError::Simulations(u64::from(simulations)));
    }
    let cutoff = cutoff_of(as_of);
    let sim = season_sim(engine, season_of(as_of), &cutoff)?;
    let tally = sim.run_counted(simulations, seed, progress);
    Ok(summarise(&sim, &tally, as_of, seed))
}

/// The forecast a tally says.
pub fn summarise(sim: &SeasonSim, tally: &Tally, as_of: NaiveDate, seed: u64) -> SeasonForecast {
    let sched = sim.schedule();
    let mut now = vec![0u32; sched.len()];
    for g in &sched.games {
        if let Some((h, a)) = g.result {
            now[g.home as usize] += half_wins(h, a);
            now[g.away as usize] += half_wins(a, h);
        }
    }
    let n = f64::from(tally.simulations.max(1));
    let share = |c: u32| f64::from(c) / n;
    let teams = sched
        .clubs
        .iter()
        .enumerate()
        .map(|(t, club)| {
            let wins: Vec<f64> = tally.half_wins[t].iter().map(|&c| share(c)).collect();
            let reached = &tally.reached[t];
            let at_least = |r: u8| share(reached[r as usize..].iter().sum());
            TeamForecast {
                team: club.code.clone(),
                conference: club.conference.clone(),
                division: club.division.clone(),
                games: sched.slots(t).len() as u32,
                current_wins: f64::from(now[t]) / 2.0,
                mean_wins: wins
                    .iter()
                    .enumerate()
                    .map(|(i, p)| i as f64 / 2.0 * p)
                    .sum(),
                wins,
                p_division: share(tally.division[t]),
                p_seed: tally.seeds[t].iter().map(|&c| share(c)).collect(),
                p_playoffs: at_least(MADE_PLAYOFFS),
                p_conference_game: at_least(CONFERENCE_GAME),
                p_conference: at_least(SUPER_BOWL),
                p_super_bowl: at_least(CHAMPION),
                p_first_pick: Some(share(tally.first_pick[t])),
            }
        })
        .collect();
    let remaining = sched.games.iter().filter(|g| g.result.is_none()).count() as u32;
    SeasonForecast {
        schema: FUTURES_SCHEMA.to_string(),
        season: u16::try_from(sched.season).unwrap_or(0),
        as_of,
        simulations: tally.simulations,
        seed,
        playoff_seeds: sched.playoff_seeds() as u8,
        games_played: sched.games.len() as u32 - remaining,
        games_remaining: remaining,
        teams,
    }
}
