//! A season's simulation inputs as the product knew them on a day: the games known before the
//! cutoff (the known-before judge: results of earlier days only) count with their results, and
//! every other regular-season game is priced from the ratings at the cutoff with the exact
//! full-game score model the single-game pricer uses.
//!
//! Ratings are frozen at the cutoff for the rest of the simulated season, an argued
//! simplification of updating them on simulated results: the live model moves a team by 5% of a
//! result's surprise (`k_result`) and most of its learning comes from closing lines (`k_market`),
//! which a simulated season does not have; a frozen rating gives each game the marginal the
//! pricer would quote today, which is what a futures price is a function of. What it leaves out
//! (the correlation between one team's later games that rating drift would add) shows in the
//! walk-forward calibration, which is reported as measured.

use super::league::League;
use super::schedule::SeasonSchedule;
use super::simulate::SeasonSim;
use super::SeasonError;
use crate::domain::Scope;
use crate::pricing::known::{self, known_before, Cutoff};
use crate::pricing::{GameContext, GameInputs, PricingEngine};

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

/// Builds the run for `season` as known at `cutoff`.
pub fn season_sim(
    engine: &PricingEngine,
    season: i32,
    cutoff: &Cutoff,
) -> Result<SeasonSim, SeasonError> {
    let sched = SeasonSchedule::build(engine.games(), season, &League::embedded(), |g| {
        known_before(g, cutoff)
    })?;
    let state = engine.ratings_at(cutoff);
    let model = engine.score_model(season);
    let starters = engine.starters();
    let pmf = |g: usize| {
        let fixture = &sched.games[g];
        let ctx = match engine.game(&fixture.game_id) {
            Some(row) => known::context_at(row, starters, cutoff),
            None => GameContext::teams(
                season,
                &sched.clubs[fixture.home as usize].code,
                &sched.clubs[fixture.away as usize].code,
            ),
        };
        let p = state.predict(&ctx);
        model.joint(
            &GameInputs {
                mean_margin: p.margin,
                mean_total: p.total,
            },
            Scope::Game,
        )
    };
    let win = |h: usize, a: usize, neutral: bool| {
        let (home, away) = (&sched.clubs[h].code, &sched.clubs[a].code);
        let mut ctx = GameContext::teams(season, home, away);
        ctx.neutral = neutral;
        ctx.home_qb = starters.before(home, cutoff).map(str::to_string);
        ctx.away_qb = starters.before(away, cutoff).map(str::to_string);
        playoff_win(&model.margin_pmf(state.predict(&ctx).margin))
    };
    let sched_for_sim = sched.clone();
    Ok(SeasonSim::new(sched_for_sim, pmf, win))
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
