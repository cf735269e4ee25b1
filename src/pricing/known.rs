//! The one judge of "known before kickoff". Every model input (ratings, key-number tables, the
//! league scoring level, backtest training sets) asks this module what it may see, so a price
//! for a game never rests on that game's result or closing line, or on anything later.
//!
//! The rule is by calendar day (US Eastern, where NFL kickoffs are scheduled): a game's result
//! and closing lines are known to every game on a later day and to none on the same day. Games
//! on one day overlap (1 pm and 4 pm kickoffs finish after later ones start), so a same-day
//! result is never used, even when it was technically in.
//!
//! A game is priced as of the first day of its schedule week ([`week_cutoff`]): a week's games
//! trade together (books post Sunday's lines before Thursday's game, and the replay opens a whole
//! week at once), so Sunday's price does not move on Thursday's result. The backtest uses the
//! same cutoff, so what it measures is what the product prices.
//!
//! An advance opener is priced at a second, earlier cutoff ([`open_cutoff`]): the real archive's
//! opener was posted before the previous week's games (its move to the close correlates 0.32 with
//! each side's margin-against-the-spread surprise in that week's game, and 0.09 with the game
//! before; measured on 1,725 regular-season games of 2018-2024 past week 1). So it knows the
//! results of games before the previous week only, and each team's starting quarterback is its
//! last known starter ([`LastStarters`]), never the game's actual one. Week 1 and the playoffs
//! keep their own week's cutoff: a week-1 opener is posted in the off-season, after every
//! earlier game, and a playoff opener cannot exist before its pairing does (measured: the move of
//! 87 playoff openers correlates 0.01 with the previous round's surprise, and is 0.73 points on
//! average against 1.75 in the regular season, the size of a line posted days before, not a
//! week).

use super::games::GameRecord;
use super::ratings::{canonical_team, GameContext};

/// A kickoff day, `YYYY-MM-DD`; compares chronologically as text.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cutoff(String);

/// NFL kickoffs are scheduled in US Eastern time; a UTC instant is moved back five hours (EST;
/// an hour early under daylight time, which only matters for games after 11 pm Eastern, and
/// there are none) before taking its date, so an 8:20 pm Sunday game is Sunday, not Monday.
const EASTERN_OFFSET_MS: i64 = 5 * 3_600_000;

impl Cutoff {
    /// The day of a game's kickoff as the games file writes it.
    pub fn day(day: &str) -> Cutoff {
        Cutoff(day.trim().to_string())
    }

    /// The Eastern calendar day of a UTC instant in milliseconds.
    pub fn at_ms(ms: i64) -> Cutoff {
        let day = chrono::DateTime::from_timestamp_millis(ms.saturating_sub(EASTERN_OFFSET_MS))
            .map(|t| t.format("%Y-%m-%d").to_string())
            .unwrap_or_else(|| "0000-00-00".into());
        Cutoff(day)
    }

    /// After every day (everything in a file is known).
    pub fn end_of_time() -> Cutoff {
        Cutoff("9999-12-31".into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The earlier of two cutoffs.
    pub fn min(self, other: Cutoff) -> Cutoff {
        std::cmp::min(self, other)
    }
}

/// The first game day of each (season, week) of a schedule.
pub type WeekStarts = std::collections::HashMap<(i32, i32), Cutoff>;

/// The cutoff a schedule game is priced at: the first game day of its (season, week) in
/// `starts` (from [`week_starts`]), or its own day for a week the map does not hold.
pub fn week_cutoff(starts: &WeekStarts, game: &GameRecord) -> Cutoff {
    starts
        .get(&(game.season, game.week))
        .cloned()
        .unwrap_or_else(|| Cutoff::day(&game.gameday))
}

/// The first game day of every (season, week) in the schedule.
pub fn week_starts(games: &[GameRecord]) -> WeekStarts {
    let mut out: std::collections::HashMap<(i32, i32), Cutoff> = std::collections::HashMap::new();
    for g in games {
        let day = Cutoff::day(&g.gameday);
        out.entry((g.season, g.week))
            .and_modify(|c| {
                if day < *c {
                    *c = day.clone();
                }
            })
            .or_insert(day);
    }
    out
}

/// The cutoff an advance opener of `game` was priced at: the first day of the previous week of
/// the regular season (week 2 on), else the game's own week cutoff (week 1, playoffs).
pub fn open_cutoff(starts: &WeekStarts, game: &GameRecord) -> Cutoff {
    let own = week_cutoff(starts, game);
    if game.game_type != "REG" || game.week <= 1 {
        return own;
    }
    starts
        .get(&(game.season, game.week - 1))
        .cloned()
        .unwrap_or(own)
        .min(Cutoff::day(&game.gameday))
}

/// Each team's starting quarterbacks by game day, to answer "who started its last game known
/// before a cutoff".
#[derive(Debug, Clone, Default)]
pub struct LastStarters {
    /// Franchise code to (game day, starter id), in day order.
    by_team: std::collections::HashMap<String, Vec<(String, String)>>,
}

impl LastStarters {
    pub fn of(games: &[GameRecord]) -> LastStarters {
        let mut by_team: std::collections::HashMap<String, Vec<(String, String)>> =
            std::collections::HashMap::new();
        for g in games {
            for (team, qb) in [(&g.home_team, &g.home_qb_id), (&g.away_team, &g.away_qb_id)] {
                if let Some(qb) = qb.as_ref().filter(|q| !q.is_empty()) {
                    by_team
                        .entry(canonical_team(team).to_string())
                        .or_default()
                        .push((g.gameday.clone(), qb.clone()));
                }
            }
        }
        for v in by_team.values_mut() {
            v.sort();
        }
        LastStarters { by_team }
    }

    /// The starter of `team`'s last game on a day before `cutoff`, if any.
    pub fn before(&self, team: &str, cutoff: &Cutoff) -> Option<&str> {
        let v = self.by_team.get(canonical_team(team))?;
        let n = v.partition_point(|(day, _)| day.as_str() < cutoff.as_str());
        n.checked_sub(1).map(|i| v[i].1.as_str())
    }
}

/// What the model may know of `game` at `cutoff` when the game itself is days away: its schedule
/// (teams, site, rest, roof), each team's last known starter in place of the game's, and no
/// kickoff weather (not known a week ahead).
pub fn context_at(game: &GameRecord, starters: &LastStarters, cutoff: &Cutoff) -> GameContext {
    let mut ctx = GameContext::of(game);
    ctx.home_qb = starters.before(&game.home_team, cutoff).map(str::to_string);
    ctx.away_qb = starters.before(&game.away_team, cutoff).map(str::to_string);
    ctx.temp = None;
    ctx.wind = None;
    ctx
}

/// Whether `game`'s result and closing lines were known before kickoffs on `cutoff`'s day.
pub fn known_before(game: &GameRecord, cutoff: &Cutoff) -> bool {
    game.gameday.as_str() < cutoff.as_str()
}

/// The games file with everything not yet known at `cutoff` blanked: results and closing lines
/// of games on that day and later. Schedules, rest days and starting quarterbacks stay (they
/// are announced before kickoff). Used by the leak tests: a model must price identically from
/// this and from the full file.
pub fn blank_unknown(games: &[GameRecord], cutoff: &Cutoff) -> Vec<GameRecord> {
    games
        .iter()
        .map(|g| {
            let mut g = g.clone();
            if !known_before(&g, cutoff) {
                g.home_score = None;
                g.away_score = None;
                g.spread_line = None;
                g.total_line = None;
                g.home_moneyline = None;
                g.away_moneyline = None;
                g.overtime = false;
            }
            g
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eastern_day_of_a_late_kickoff() {
        // 2025-11-24 01:15 UTC is Sunday night football, 2025-11-23 Eastern.
        let ms = chrono::DateTime::parse_from_rfc3339("2025-11-24T01:15:00Z")
            .unwrap()
            .timestamp_millis();
        assert_eq!(Cutoff::at_ms(ms).as_str(), "2025-11-23");
    }

    #[test]
    fn same_day_is_not_known() {
        let g = GameRecord {
            gameday: "2025-11-23".into(),
            ..GameRecord::default()
        };
        assert!(!known_before(&g, &Cutoff::day("2025-11-23")));
        assert!(known_before(&g, &Cutoff::day("2025-11-24")));
        assert!(known_before(&g, &Cutoff::end_of_time()));
    }
}
