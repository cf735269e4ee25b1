//! One regular season as indices: its clubs (alphabetical, so every run numbers them alike),
//! their conference and division, and its games, each either played (a known result) or still
//! to play. Team sets are `u32` bit masks, which keeps the tiebreakers free of allocation.

use super::league::League;
use super::{SeasonError, MAX_TEAMS};
use crate::pricing::games::GameRecord;

/// A club of the season.
#[derive(Debug, Clone, PartialEq)]
pub struct Club {
    pub code: String,
    pub conference: String,
    pub division: String,
    /// Index of the conference (0 or 1, alphabetical) and of the division (alphabetical).
    pub conf: u8,
    pub div: u8,
}

/// A regular-season game: the teams by index and, once known, the score (home, away).
#[derive(Debug, Clone, PartialEq)]
pub struct Fixture {
    pub game_id: String,
    pub home: u8,
    pub away: u8,
    pub result: Option<(u8, u8)>,
}

/// One game from one team's side.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Slot {
    pub game: u16,
    pub opp: u8,
    pub home: bool,
}

#[derive(Debug, Clone)]
pub struct SeasonSchedule {
    pub season: i32,
    pub clubs: Vec<Club>,
    pub games: Vec<Fixture>,
    pub conf_names: [String; 2],
    slots: Vec<Vec<Slot>>,
    opp_mask: Vec<u32>,
    div_masks: Vec<u32>,
    conf_masks: [u32; 2],
}

impl SeasonSchedule {
    /// The regular season `season` of `games`; a game whose result `known` accepts counts as
    /// played, one it rejects is to be played. A known game without a result (cancelled, as
    /// BUF-CIN in 2022) is left out: it was never played and never will be.
    pub fn build(
        games: &[GameRecord],
        season: i32,
        league: &League,
        known: impl Fn(&GameRecord) -> bool,
    ) -> Result<SeasonSchedule, SeasonError> {
        let reg: Vec<&GameRecord> = games
            .iter()
            .filter(|g| g.season == season && g.game_type == "REG")
            .collect();
        if reg.is_empty() {
            return Err(SeasonError::NoSeason(season));
        }
        let mut codes: Vec<&str> = reg
            .iter()
            .flat_map(|g| [g.home_team.as_str(), g.away_team.as_str()])
            .collect();
        codes.sort_unstable();
        codes.dedup();
        if codes.len() > MAX_TEAMS {
            return Err(SeasonError::TooManyTeams {
                season,
                teams: codes.len(),
            });
        }
        let clubs = align(season, &codes, league)?;
        let index = |code: &str| codes.binary_search(&code).map(|i| i as u8).unwrap_or(0);
        let mut fixtures = Vec::with_capacity(reg.len());
        for g in reg {
            let result = match (known(g), g.home_score, g.away_score) {
                (false, _, _) => None,
                (true, Some(h), Some(a)) => Some(score(g, h, a)?),
                (true, _, _) => continue,
            };
            fixtures.push(Fixture {
                game_id: g.game_id.clone(),
                home: index(&g.home_team),
                away: index(&g.away_team),
                result,
            });
        }
        Ok(SeasonSchedule::from_parts(season, clubs, fixtures))
    }

    fn from_parts(season: i32, clubs: Vec<Club>, games: Vec<Fixture>) -> SeasonSchedule {
        let n = clubs.len();
        let mut slots = vec![Vec::new(); n];
        let mut opp_mask = vec![0u32; n];
        for (i, g) in games.iter().enumerate() {
            let (h, a) = (g.home as usize, g.away as usize);
            slots[h].push(Slot {
                game: i as u16,
                opp: g.away,
                home: true,
            });
            slots[a].push(Slot {
                game: i as u16,
                opp: g.home,
                home: false,
            });
            opp_mask[h] |= 1 << a;
            opp_mask[a] |= 1 << h;
        }
        let divisions = clubs.iter().map(|c| c.div as usize + 1).max().unwrap_or(0);
        let mut div_masks = vec![0u32; divisions];
        let mut conf_masks = [0u32; 2];
        let mut conf_names = [String::new(), String::new()];
        for (i, c) in clubs.iter().enumerate() {
            div_masks[c.div as usize] |= 1 << i;
            conf_masks[c.conf as usize] |= 1 << i;
            conf_names[c.conf as usize] = c.conference.clone();
        }
        SeasonSchedule {
            season,
            clubs,
            games,
            conf_names,
            slots,
            opp_mask,
            div_masks,
            conf_masks,
        }
    }

    /// Clubs per conference that make the playoffs: 7 since 2020, 6 before.
    pub fn playoff_seeds(&self) -> usize {
        if self.season >= 2020 {
            7
        } else {
            6
        }
    }

    pub fn len(&self) -> usize {
        self.clubs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.clubs.is_empty()
    }

    /// A team's games in schedule order.
    pub fn slots(&self, team: usize) -> &[Slot] {
        &self.slots[team]
    }

    /// Every team a team plays at least once.
    pub fn opponents(&self, team: usize) -> u32 {
        self.opp_mask[team]
    }

    pub fn division_mask(&self, div: usize) -> u32 {
        self.div_masks[div]
    }

    pub fn division_masks(&self) -> &[u32] {
        &self.div_masks
    }

    pub fn conference_mask(&self, conf: usize) -> u32 {
        self.conf_masks[conf]
    }

    /// Whether every game already has a result.
    pub fn is_complete(&self) -> bool {
        self.games.iter().all(|g| g.result.is_some())
    }

    pub fn team(&self, code: &str) -> Option<usize> {
        self.clubs.iter().position(|c| c.code == code)
    }
}

fn score(g: &GameRecord, h: i32, a: i32) -> Result<(u8, u8), SeasonError> {
    match (u8::try_from(h), u8::try_from(a)) {
        (Ok(h), Ok(a)) => Ok((h, a)),
        _ => Err(SeasonError::BadScore {
            game_id: g.game_id.clone(),
            home: h,
            away: a,
        }),
    }
}

/// Conference and division of each code; two conferences of four divisions, or an error.
fn align(season: i32, codes: &[&str], league: &League) -> Result<Vec<Club>, SeasonError> {
    let mut named = Vec::with_capacity(codes.len());
    for code in codes {
        let (conf, div) = league.of(code).ok_or_else(|| SeasonError::UnknownTeam {
            season,
            team: code.to_string(),
        })?;
        named.push((code.to_string(), conf.to_string(), div.to_string()));
    }
    let mut confs: Vec<&str> = named.iter().map(|(_, c, _)| c.as_str()).collect();
    confs.sort_unstable();
    confs.dedup();
    let mut divs: Vec<(&str, &str)> = named
        .iter()
        .map(|(_, c, d)| (c.as_str(), d.as_str()))
        .collect();
    divs.sort_unstable();
    divs.dedup();
    for conf in &confs {
        let n = divs.iter().filter(|(c, _)| c == conf).count();
        if confs.len() != 2 || n != 4 {
            return Err(SeasonError::BadAlignment {
                season,
                conference: conf.to_string(),
                divisions: n,
            });
        }
    }
    Ok(named
        .iter()
        .map(|(code, conf, div)| Club {
            code: code.clone(),
            conf: confs.iter().position(|c| c == conf).unwrap_or(0) as u8,
            div: divs
                .iter()
                .position(|(c, d)| c == conf && d == div)
                .unwrap_or(0) as u8,
            conference: conf.clone(),
            division: div.clone(),
        })
        .collect())
}
