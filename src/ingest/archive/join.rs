//! Placing archive games on the nflverse schedule: same season, same week, same two franchises.
//! Home and away follow the schedule (a neutral-site game the site lists the other way round is
//! turned over); what cannot be placed is reported with the reason.

use super::ArchiveGame;
use crate::ingest::normalize::franchise_code;
use crate::pricing::GameRecord;
use std::collections::HashMap;

/// An archive game and its schedule row (an index into the games slice).
#[derive(Debug, Clone, PartialEq)]
pub struct Joined {
    pub game: ArchiveGame,
    pub row: usize,
    /// The site listed home and away the other way round (`game` is already turned over).
    pub swapped: bool,
}

/// An archive game with no schedule row, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Unjoined {
    pub game: ArchiveGame,
    pub reason: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct JoinReport {
    pub joined: Vec<Joined>,
    pub unjoined: Vec<Unjoined>,
}

/// Joins on (season, week, franchise pair). A pair the schedule has in another week of the
/// season (a postponed game) is named as such; the site's lines are those of the original date,
/// so it is not joined to the game that was played later.
pub fn join(archive: &[ArchiveGame], games: &[GameRecord]) -> JoinReport {
    let pair = |a: &str, b: &str| {
        let (a, b) = (franchise_code(a).to_string(), franchise_code(b).to_string());
        if a < b {
            (a, b)
        } else {
            (b, a)
        }
    };
    let mut by_key: HashMap<(i32, i32, (String, String)), usize> = HashMap::new();
    let mut by_season: HashMap<(i32, (String, String)), Vec<usize>> = HashMap::new();
    for (i, g) in games.iter().enumerate() {
        let p = pair(&g.home_team, &g.away_team);
        by_key.insert((g.season, g.week, p.clone()), i);
        by_season.entry((g.season, p)).or_default().push(i);
    }
    let mut out = JoinReport::default();
    for a in archive {
        let p = pair(&a.home, &a.away);
        match by_key.get(&(a.season, a.week, p.clone())) {
            Some(&i) => {
                let g = &games[i];
                let swapped = franchise_code(&g.home_team) != franchise_code(&a.home);
                let game = if swapped { a.swapped() } else { a.clone() };
                out.joined.push(Joined {
                    game,
                    row: i,
                    swapped,
                });
            }
            None => {
                let elsewhere: Vec<String> = by_season
                    .get(&(a.season, p))
                    .map(|v| {
                        v.iter()
                            .map(|&i| {
                                format!(
                                    "{} (week {}, {})",
                                    games[i].game_id, games[i].week, games[i].gameday
                                )
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let reason = if elsewhere.is_empty() {
                    format!(
                        "the schedule has no {}-{} game in {} week {} (cancelled, or not in the games file)",
                        a.away, a.home, a.season, a.week
                    )
                } else {
                    format!(
                        "the schedule has no such game in week {}, only this pairing in another week: {} (a postponed or cancelled game; the site's lines are those of its original date)",
                        a.week,
                        elsewhere.join(", ")
                    )
                };
                out.unjoined.push(Unjoined {
                    game: a.clone(),
                    reason,
                });
            }
        }
    }
    out
}
