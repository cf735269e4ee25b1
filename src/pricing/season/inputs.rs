//! A season's simulation inputs as the product knew them on a day: the games known before the
//! cutoff (the known-before judge: results of earlier days only) count with their results, and
//! every other regular-season game is priced from the ratings at the cutoff with the exact
//! full-game score model the single-game pricer uses.
//!
//! Ratings are frozen at the cutoff for the rest of the simulated season, an argued
//! simplification of updating them on simulated results: the live model moves a team by 5% of a
//! result's surprise (`k_result`) and most of its learning comes from closing lines (`k_market`),
//! which a simulated season does not have; a frozen rating gives each game the marginal the
//! pricer would quote today. What frozen ratings leave out, the uncertainty and drift of a
//! club's true level that ties its remaining games together, each simulated season puts back as
//! a per-club strength shock whose spread is fitted on earlier seasons only (`drift`).

use super::drift;
use super::league::League;
use super::schedule::SeasonSchedule;
use super::simulate::{SeasonModel, SeasonSim};
use super::SeasonError;
use crate::domain::Scope;
use crate::pricing::known::{self, known_before, Cutoff};
use crate::pricing::{
    GameContext, GameInputs, JointPmf, Prediction, PricingEngine, RatingState, ScoreModel,
};
use std::sync::Arc;

/// The season a day belongs to: August to December are the year play begins, January to July
/// the season before.
pub fn season_of(day: chrono::NaiveDate) -> i32 {
    use chrono::Datelike;
    if day.month() < 8 {
        day.year() - 1
    } else {
        day.year()
    }
}

/// The cutoff of a day: what was known before its first kickoff.
pub fn cutoff_of(day: chrono::NaiveDate) -> Cutoff {
    Cutoff::day(&day.format("%Y-%m-%d").to_string())
}

/// Builds the run for `season` as known at `cutoff`, with the strength shocks' spread fitted on
/// earlier seasons at the same week (see `drift`).
pub fn season_sim(
    engine: &PricingEngine,
    season: i32,
    cutoff: &Cutoff,
) -> Result<SeasonSim, SeasonError> {
    let spread = drift::week_at(engine, season, cutoff)
        .map_or(0.0, |week| drift::spread_before(engine, season, week));
    season_sim_with(engine, season, cutoff, spread)
}

/// As [`season_sim`] with a given shock spread (points; 0 for frozen ratings alone).
pub fn season_sim_with(
    engine: &PricingEngine,
    season: i32,
    cutoff: &Cutoff,
    spread: f64,
) -> Result<SeasonSim, SeasonError> {
    let sched = SeasonSchedule::build(engine.games(), season, &League::embedded(), |g| {
        known_before(g, cutoff)
    })?;
    let model = EngineModel {
        engine,
        sched: &sched,
        cutoff,
        state: engine.ratings_at(cutoff),
        scores: engine.score_model(season),
    };
    let sim = SeasonSim::new(sched.clone(), &model, spread);
    Ok(sim)
}

/// The product's game model as known at a cutoff, for the simulator.
struct EngineModel<'a> {
    engine: &'a PricingEngine,
    sched: &'a SeasonSchedule,
    cutoff: &'a Cutoff,
    state: Arc<RatingState>,
    scores: Arc<ScoreModel>,
}

impl EngineModel<'_> {
    /// A schedule game's expectation: its own row's schedule facts with each club's last known
    /// starter and no kickoff weather (`known::context_at`).
    fn predict(&self, game: usize) -> Prediction {
        let fixture = &self.sched.games[game];
        let ctx = match self.engine.game(&fixture.game_id) {
            Some(row) => known::context_at(row, self.engine.starters(), self.cutoff),
            None => GameContext::teams(
                self.sched.season,
                &self.sched.clubs[fixture.home as usize].code,
                &self.sched.clubs[fixture.away as usize].code,
            ),
        };
        self.state.predict(&ctx)
    }
}

impl SeasonModel for EngineModel<'_> {
    fn joint(&self, game: usize) -> JointPmf {
        let p = self.predict(game);
        self.scores.joint(
            &GameInputs {
                mean_margin: p.margin,
                mean_total: p.total,
            },
            Scope::Game,
        )
    }

    fn mean(&self, game: usize) -> f64 {
        self.predict(game).margin
    }

    fn margin_at(&self, mean: f64) -> Vec<f64> {
        self.scores.margin_pmf(mean)
    }

    fn playoff_mean(&self, home: usize, away: usize, neutral: bool) -> f64 {
        let (h, a) = (&self.sched.clubs[home].code, &self.sched.clubs[away].code);
        let starters = self.engine.starters();
        let mut ctx = GameContext::teams(self.sched.season, h, a);
        ctx.neutral = neutral;
        ctx.home_qb = starters.before(h, self.cutoff).map(str::to_string);
        ctx.away_qb = starters.before(a, self.cutoff).map(str::to_string);
        self.state.predict(&ctx).margin
    }

    fn win_at(&self, mean: f64) -> f64 {
        playoff_win(&self.scores.margin_pmf(mean))
    }
}

/// A playoff game's chance for the home side: a regulation tie goes to overtime, which the model
/// calls a coin flip (playoff overtime has no ties).
fn playoff_win(margin: &[f64]) -> f64 {
    let mid = margin.len() / 2;
    let total: f64 = margin.iter().sum();
    if !(total.is_finite() && total > 0.0) {
        return 0.5;
    }
    let above: f64 = margin[mid + 1..].iter().sum();
    (above + 0.5 * margin[mid]) / total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn season_turns_in_august() {
        let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(season_of(d("2024-11-01")), 2024);
        assert_eq!(season_of(d("2025-01-10")), 2024);
        assert_eq!(season_of(d("2025-08-01")), 2025);
    }

    #[test]
    fn playoff_win_splits_the_tie() {
        // margins -1, 0, +1
        assert!((playoff_win(&[0.25, 0.5, 0.25]) - 0.5).abs() < 1e-12);
        assert!((playoff_win(&[0.0, 0.5, 0.5]) - 0.75).abs() < 1e-12);
        assert_eq!(playoff_win(&[0.0, 0.0, 0.0]), 0.5);
    }
}
