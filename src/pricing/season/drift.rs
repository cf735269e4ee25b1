//! How far a club's level over the rest of a season strays from its rating at a checkpoint: the
//! spread `tau` of the per-club strength shock a simulated season draws (see `simulate`).
//! Frozen ratings make a club's remaining games independent, but its true level is uncertain
//! and drifts, which ties those games together; without the shock the simulated futures are
//! too confident.
//!
//! Estimated by the method of moments from earlier seasons only, at the same checkpoint week:
//! a game's residual (its margin minus the prediction made at the checkpoint) is the home
//! club's shock minus the away club's plus noise, so a club's mean residual `r` over its `n`
//! remaining games has `E[r^2] = tau^2 (1 - 1/n) + s^2 / n`, with `s^2` the residual variance
//! per game. Pooling clubs, `tau^2 = sum(r^2 - s^2/n) / sum(1 - 1/n)`, floored at zero.

use super::calibration::FIRST_ALIGNED_SEASON;
use crate::pricing::known::{self, known_before, Cutoff};
use crate::pricing::ratings::canonical_team;
use crate::pricing::PricingEngine;
use std::collections::BTreeMap;

/// One season's residuals after one checkpoint.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Residuals {
    /// Per club: (sum of its residuals, its own side's sign applied; games).
    by_team: BTreeMap<String, (f64, u32)>,
    squares: f64,
    games: u32,
}

/// The residuals of `season`'s regular-season games not known at `cutoff`, against the
/// predictions the ratings at `cutoff` make for them.
pub fn residuals(engine: &PricingEngine, season: i32, cutoff: &Cutoff) -> Residuals {
    let state = engine.ratings_at(cutoff);
    let mut out = Residuals::default();
    for g in engine.games() {
        if g.season != season || g.game_type != "REG" || known_before(g, cutoff) {
            continue;
        }
        let Some(margin) = g.margin() else { continue };
        let ctx = known::context_at(g, engine.starters(), cutoff);
        let r = f64::from(margin) - state.predict(&ctx).margin;
        if !r.is_finite() {
            continue;
        }
        out.squares += r * r;
        out.games += 1;
        for (team, sign) in [(&g.home_team, 1.0), (&g.away_team, -1.0)] {
            let e = out
                .by_team
                .entry(canonical_team(team).to_string())
                .or_default();
            e.0 += sign * r;
            e.1 += 1;
        }
    }
    out
}

/// The pooled spread of the shocks (points), 0 with nothing to learn from.
pub fn spread(samples: &[&Residuals]) -> f64 {
    let (sq, games) = samples
        .iter()
        .fold((0.0, 0u32), |(s, n), r| (s + r.squares, n + r.games));
    if games == 0 {
        return 0.0;
    }
    let s2 = sq / f64::from(games);
    let (mut num, mut den) = (0.0, 0.0);
    for r in samples {
        for &(sum, n) in r.by_team.values() {
            if n < 2 {
                continue;
            }
            let n = f64::from(n);
            let mean = sum / n;
            num += mean * mean - s2 / n;
            den += 1.0 - 1.0 / n;
        }
    }
    if den > 0.0 {
        (num / den).max(0.0).sqrt()
    } else {
        0.0
    }
}

/// The spread for a checkpoint of `season` in `week`, from every earlier season's same week.
pub fn spread_before(engine: &PricingEngine, season: i32, week: i32) -> f64 {
    let starts = engine.week_starts();
    let samples: Vec<Residuals> = (FIRST_ALIGNED_SEASON..season)
        .filter_map(|s| starts.get(&(s, week)).map(|c| residuals(engine, s, c)))
        .collect();
    spread(&samples.iter().collect::<Vec<_>>())
}

/// The schedule week of `season` a cutoff falls in: that of its first game not yet known
/// (`None` when every game is known).
pub fn week_at(engine: &PricingEngine, season: i32, cutoff: &Cutoff) -> Option<i32> {
    engine
        .games()
        .iter()
        .filter(|g| g.season == season && g.game_type == "REG" && !known_before(g, cutoff))
        .map(|g| g.week)
        .min()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(teams: &[(&str, f64, u32)], squares: f64, games: u32) -> Residuals {
        Residuals {
            by_team: teams
                .iter()
                .map(|(t, s, n)| (t.to_string(), (*s, *n)))
                .collect(),
            squares,
            games,
        }
    }

    #[test]
    fn no_spread_when_means_are_what_noise_gives() {
        // s^2 = 100, n = 4: noise alone gives E[r^2] = 25; these means square to 25.
        let r = sample(&[("A", 20.0, 4), ("B", -20.0, 4)], 400.0, 4);
        assert!(spread(&[&r]) < 1e-9);
    }

    #[test]
    fn spread_grows_with_the_clubs_mean_residuals() {
        let r = sample(&[("A", 40.0, 4), ("B", -40.0, 4)], 400.0, 4);
        // r^2 = 100, s^2/n = 25, (100 - 25) / (1 - 1/4) = 100.
        assert!((spread(&[&r]) - 10.0).abs() < 1e-9);
        assert_eq!(spread(&[]), 0.0);
    }
}
