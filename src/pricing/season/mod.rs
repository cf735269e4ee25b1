//! Season futures: the rest of a regular season simulated game by game from the exact game model,
//! standings with the NFL's tiebreaking procedures, the playoff bracket and the playoffs to a
//! champion. Division, playoff, conference and Super Bowl probabilities and win-total
//! distributions come out as counts over simulated seasons, never stored seasons.
//!
//! One job per file: [`league`] (which conference and division a club is in), [`schedule`] (one
//! season's games as indices), [`standings`] (records and the figures tiebreakers compare),
//! [`tiebreak`] (division ranks and conference seeds), [`bracket`] (the playoffs), [`simulate`]
//! (the Monte Carlo), [`forecast`] (what it reports).

pub mod bracket;
pub mod calibration;
pub mod drift;
pub mod forecast;
pub mod inputs;
pub mod league;
pub mod schedule;
pub mod shock;
pub mod simulate;
pub mod standings;
pub mod tiebreak;

pub use forecast::{forecast, SeasonForecast, TeamForecast, FUTURES_SCHEMA};
pub use schedule::SeasonSchedule;
pub use standings::Standings;
pub use tiebreak::{rank_season, Decided, SeasonRanks, Step};

use thiserror::Error;

/// Most clubs a season may hold: team sets are bit masks in a `u32`.
pub const MAX_TEAMS: usize = 32;

/// Most simulations one run may ask for: a million seasons is about ten seconds a thread.
pub const MAX_SIMULATIONS: u32 = 1_000_000;

#[derive(Debug, Error, PartialEq)]
pub enum SeasonError {
    #[error("the games file holds no regular-season games of season {0}")]
    NoSeason(i32),
    #[error("season {season}: team {team:?} is not in the league table (data/teams.csv)")]
    UnknownTeam { season: i32, team: String },
    #[error("season {season}: {teams} teams, at most {MAX_TEAMS} are supported")]
    TooManyTeams { season: i32, teams: usize },
    #[error(
        "season {season}: conference {conference:?} has {divisions} divisions; the bracket needs \
         2 conferences of 4"
    )]
    BadAlignment {
        season: i32,
        conference: String,
        divisions: usize,
    },
    #[error("game {game_id}: score {home}-{away} is outside 0..=255")]
    BadScore {
        game_id: String,
        home: i32,
        away: i32,
    },
    #[error(
        "season {0} is not finished in the games file (a result or the Super Bowl is missing)"
    )]
    Unfinished(i32),
    #[error("simulations must be between 1 and {MAX_SIMULATIONS}, got {0}")]
    Simulations(u64),
}
