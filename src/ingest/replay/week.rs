//! Picks the NFL week the replay feed trades, from the nflverse schedule with closing lines.

use crate::pricing::games::GameRecord;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum WeekError {
    #[error("cannot read the replay schedule: {0}")]
    Games(#[from] crate::pricing::games::GamesError),
    #[error("{path} has no week with closing spreads and totals{}", .wanted.map(|(s, w)| format!(" for season {s} week {w}")).unwrap_or_default())]
    NoWeek {
        path: String,
        wanted: Option<(i32, i32)>,
    },
}

/// One game of the replayed week, with the real closing market it drifts toward.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplayGame {
    pub game_id: String,
    pub season: i32,
    pub week: i32,
    pub home: String,
    pub away: String,
    /// Closing home margin the market expected (nflverse `spread_line`: > 0 favours home).
    pub close_margin: f64,
    pub close_total: f64,
    /// The real market, when the odds archive holds the week (see `real`).
    pub real: Option<super::real::RealMarket>,
}

/// Games of `season`/`week` of the schedule `rows` (read from `name`), or of the most recent
/// completed week with closing lines.
pub fn pick_week(
    rows: &[GameRecord],
    name: &str,
    season: Option<i32>,
    week: Option<i32>,
) -> Result<Vec<ReplayGame>, WeekError> {
    let name = name.to_string();
    let complete = |r: &GameRecord| {
        r.spread_line.is_some() && r.total_line.is_some() && r.home_score.is_some()
    };
    let target = match (season, week) {
        (Some(s), Some(w)) => Some((s, w)),
        _ => {
            // Latest (season, week) whose every game has lines and a result.
            let mut weeks: Vec<(i32, i32)> = rows
                .iter()
                .filter(|r| season.is_none_or(|s| r.season == s))
                .map(|r| (r.season, r.week))
                .collect();
            weeks.sort_unstable();
            weeks.dedup();
            weeks.into_iter().rev().find(|(s, w)| {
                let games: Vec<&GameRecord> = rows
                    .iter()
                    .filter(|r| r.season == *s && r.week == *w)
                    .collect();
                !games.is_empty() && games.iter().all(|r| complete(r))
            })
        }
    };
    let Some((s, w)) = target else {
        return Err(WeekError::NoWeek {
            path: name,
            wanted: None,
        });
    };
    let games: Vec<ReplayGame> = rows
        .iter()
        .filter(|r| r.season == s && r.week == w)
        .filter_map(|r| {
            Some(ReplayGame {
                close_margin: r.spread_line?,
                close_total: r.total_line?,
                game_id: r.game_id.clone(),
                season: r.season,
                week: r.week,
                home: r.home_team.clone(),
                away: r.away_team.clone(),
                real: None,
            })
        })
        .collect();
    if games.is_empty() {
        return Err(WeekError::NoWeek {
            path: name,
            wanted: Some((s, w)),
        });
    }
    Ok(games)
}
