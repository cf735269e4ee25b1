//! Team names to nflverse codes, and feed games to nflverse `game_id`s.
//!
//! Both tables ship inside the binary (`include_str!` of `data/teams.csv` and `data/games.csv`),
//! so normalisation never depends on the working directory or on how the binary was installed
//! (the old Python tool silently got an empty registry when installed as a wheel). The schedule
//! adds about 2 MB to the binary and parses in a few milliseconds; [`Schedule::from_path`] loads a
//! newer nflverse file when an operator has one (the shipped copy stops at the 2025 season).

use crate::domain::Event;
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc, Weekday};
use std::collections::HashMap;
use std::path::Path;
use thiserror::Error;

const TEAMS_CSV: &str = include_str!("../../data/teams.csv");
const GAMES_CSV: &str = include_str!("../../data/games.csv");

/// How far a feed's kickoff may sit from the schedule's and still be the same game. Generous on
/// purpose: flexed or rescheduled games move by hours, and a pairing never repeats within days.
pub const KICKOFF_TOLERANCE_MS: i64 = 36 * 3600 * 1000;

#[derive(Debug, Error, Clone, PartialEq)]
pub enum NormalizeError {
    #[error("unknown team {0:?}")]
    UnknownTeam(String),
    #[error("cannot read the schedule {path}: {message}")]
    Io { path: String, message: String },
    #[error("schedule line {line}: {message}")]
    Schedule { line: u64, message: String },
}

/// Abbreviations used by other data sets and vendors, and the franchise's earlier codes, mapped to
/// the code nflverse uses today. nflverse's own schedule keeps OAK/SD/STL for old seasons; those
/// are mapped too so a franchise is one key for matching.
const CODE_ALIASES: &[(&str, &str)] = &[
    ("OAK", "LV"),
    ("LVR", "LV"),
    ("SD", "LAC"),
    ("SDG", "LAC"),
    ("STL", "LA"),
    ("SL", "LA"),
    ("LAR", "LA"),
    ("RAM", "LA"),
    ("JAC", "JAX"),
    ("WSH", "WAS"),
    ("ARZ", "ARI"),
    ("BLT", "BAL"),
    ("CLV", "CLE"),
    ("HST", "HOU"),
    ("GNB", "GB"),
    ("KAN", "KC"),
    ("NWE", "NE"),
    ("NOR", "NO"),
    ("SFO", "SF"),
    ("TAM", "TB"),
];

/// Names not in teams.csv: old names of current franchises and common short forms.
const NAME_ALIASES: &[(&str, &str)] = &[
    ("Washington Redskins", "WAS"),
    ("Washington Football Team", "WAS"),
    ("Redskins", "WAS"),
    ("Football Team", "WAS"),
    ("Los Angeles Raiders", "LV"),
    ("Oakland", "LV"),
    ("Oakland Raiders", "LV"),
    ("San Diego", "LAC"),
    ("San Diego Chargers", "LAC"),
    ("St. Louis Rams", "LA"),
    ("LA Rams", "LA"),
    ("LA Chargers", "LAC"),
    ("NY Jets", "NYJ"),
    ("NY Giants", "NYG"),
    ("Niners", "SF"),
    ("Bucs", "TB"),
    ("Tampa Bay Bucs", "TB"),
    ("Jags", "JAX"),
    ("Pats", "NE"),
    ("Houston Oilers", "TEN"),
    ("Tennessee Oilers", "TEN"),
    ("Oilers", "TEN"),
    ("Baltimore Colts", "IND"),
    ("Phoenix Cardinals", "ARI"),
    ("St. Louis Cardinals", "ARI"),
    ("Boston Patriots", "NE"),
];

/// Lower-case ASCII letters and digits only: "St. Louis Rams" and "st louis rams" are one key.
fn key(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The current nflverse code for any known abbreviation (historical ones included).
pub fn franchise_code(code: &str) -> &str {
    CODE_ALIASES
        .iter()
        .find(|(from, _)| from.eq_ignore_ascii_case(code))
        .map(|(_, to)| *to)
        .unwrap_or(code)
}

/// Team names, nicknames, cities and abbreviations to current nflverse codes.
#[derive(Debug, Clone)]
pub struct Teams {
    by_key: HashMap<String, String>,
    codes: Vec<String>,
}

impl Teams {
    /// The table compiled into the binary from `data/teams.csv`.
    pub fn embedded() -> Teams {
        Teams::from_csv(TEAMS_CSV).expect("the shipped data/teams.csv parses")
    }

    /// Builds the table from nflverse `teams.csv` text (columns `team_abbr`, `team_name`,
    /// `team_nick`) plus the built-in aliases. A key that would name two franchises (a city such as
    /// "Los Angeles" or "New York") is left out rather than guessed.
    pub fn from_csv(text: &str) -> Result<Teams, NormalizeError> {
        let mut rdr = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let headers = rdr
            .headers()
            .map_err(|e| NormalizeError::Schedule {
                line: 1,
                message: e.to_string(),
            })?
            .clone();
        let col = |name: &str| {
            headers
                .iter()
                .position(|h| h == name)
                .ok_or_else(|| NormalizeError::Schedule {
                    line: 1,
                    message: format!("teams table has no `{name}` column"),
                })
        };
        let (abbr_i, name_i, nick_i) = (col("team_abbr")?, col("team_name")?, col("team_nick")?);
        let mut candidates: HashMap<String, Vec<String>> = HashMap::new();
        let mut add = |k: &str, code: &str| {
            let k = key(k);
            if !k.is_empty() {
                let v = candidates.entry(k).or_default();
                if !v.iter().any(|c| c == code) {
                    v.push(code.to_string());
                }
            }
        };
        let mut codes = Vec::new();
        for (i, rec) in rdr.records().enumerate() {
            let rec = rec.map_err(|e| NormalizeError::Schedule {
                line: i as u64 + 2,
                message: e.to_string(),
            })?;
            let (abbr, name, nick) = (
                rec.get(abbr_i).unwrap_or(""),
                rec.get(name_i).unwrap_or(""),
                rec.get(nick_i).unwrap_or(""),
            );
            if abbr.is_empty() {
                continue;
            }
            let code = franchise_code(abbr);
            if !codes.iter().any(|c| c == code) {
                codes.push(code.to_string());
            }
            add(abbr, code);
            add(code, code);
            add(name, code);
            add(nick, code);
            if let Some(city) = name
                .strip_suffix(nick)
                .map(str::trim)
                .filter(|c| !c.is_empty())
            {
                add(city, code);
                // "Kansas City" + "Chiefs" written together without a space still matches via key().
            }
        }
        for (from, to) in CODE_ALIASES {
            add(from, to);
        }
        for (name, code) in NAME_ALIASES {
            add(name, code);
        }
        let by_key = candidates
            .into_iter()
            .filter(|(_, v)| v.len() == 1)
            .map(|(k, mut v)| (k, v.remove(0)))
            .collect();
        codes.sort();
        Ok(Teams { by_key, codes })
    }

    /// The current nflverse code for a name, nickname, city or abbreviation; case and punctuation
    /// do not matter. `None` for anything unknown or ambiguous.
    pub fn code(&self, name: &str) -> Option<&str> {
        self.by_key.get(&key(name)).map(String::as_str)
    }

    /// Every current franchise code, sorted.
    pub fn codes(&self) -> &[String] {
        &self.codes
    }
}

/// One row of the nflverse schedule.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduledGame {
    pub game_id: String,
    pub season: i32,
    pub week: i32,
    pub game_type: String,
    /// Codes as the schedule writes them (OAK for a 2015 Raiders game).
    pub home_team: String,
    pub away_team: String,
    /// Kickoff from `gameday` + `gametime` (US/Eastern); 13:00 Eastern when the time is blank.
    pub kickoff_ms: i64,
    /// `location == "Neutral"`: the listed home team may not be the one a book calls home.
    pub neutral: bool,
}

/// The nflverse schedule indexed by franchise pair.
#[derive(Debug, Clone, Default)]
pub struct Schedule {
    games: Vec<ScheduledGame>,
    /// (franchise a, franchise b) with a < b, to indices into `games`.
    by_pair: HashMap<(String, String), Vec<usize>>,
    by_id: HashMap<String, usize>,
}

impl Schedule {
    /// The schedule compiled into the binary from `data/games.csv` (1999 to 2025).
    pub fn embedded() -> Schedule {
        Schedule::from_csv(GAMES_CSV).expect("the shipped data/games.csv parses")
    }

    /// A schedule with no games: every event gets a synthetic id.
    pub fn empty() -> Schedule {
        Schedule::default()
    }

    /// Loads an nflverse `games.csv` from disk (e.g. a fresher download than the shipped copy).
    pub fn from_path(path: &Path) -> Result<Schedule, NormalizeError> {
        let text = std::fs::read_to_string(path).map_err(|e| NormalizeError::Io {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        Schedule::from_csv(&text)
    }

    /// Parses nflverse `games.csv` text. Needs `game_id, season, game_type, week, gameday,
    /// gametime, away_team, home_team, location`; other columns are ignored.
    pub fn from_csv(text: &str) -> Result<Schedule, NormalizeError> {
        let mut rdr = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let bad = |line: u64, message: String| NormalizeError::Schedule { line, message };
        let headers = rdr.headers().map_err(|e| bad(1, e.to_string()))?.clone();
        let col = |name: &str| {
            headers
                .iter()
                .position(|h| h == name)
                .ok_or_else(|| bad(1, format!("no `{name}` column")))
        };
        let idx = [
            col("game_id")?,
            col("season")?,
            col("game_type")?,
            col("week")?,
            col("gameday")?,
            col("gametime")?,
            col("away_team")?,
            col("home_team")?,
            col("location")?,
        ];
        let mut s = Schedule::default();
        for (i, rec) in rdr.records().enumerate() {
            let line = i as u64 + 2;
            let rec = rec.map_err(|e| bad(line, e.to_string()))?;
            let f = |j: usize| rec.get(idx[j]).unwrap_or("");
            let season: i32 = f(1)
                .parse()
                .map_err(|_| bad(line, format!("season {:?} is not a year", f(1))))?;
            let week: i32 = f(3)
                .parse()
                .map_err(|_| bad(line, format!("week {:?} is not a number", f(3))))?;
            let day = NaiveDate::parse_from_str(f(4), "%Y-%m-%d")
                .map_err(|_| bad(line, format!("gameday {:?} is not YYYY-MM-DD", f(4))))?;
            let time = if f(5).is_empty() {
                NaiveTime::from_hms_opt(13, 0, 0).unwrap_or_default()
            } else {
                NaiveTime::parse_from_str(f(5), "%H:%M")
                    .map_err(|_| bad(line, format!("gametime {:?} is not HH:MM", f(5))))?
            };
            let game = ScheduledGame {
                game_id: f(0).to_string(),
                season,
                week,
                game_type: f(2).to_string(),
                away_team: f(6).to_string(),
                home_team: f(7).to_string(),
                kickoff_ms: eastern_to_utc_ms(day.and_time(time)),
                neutral: f(8).eq_ignore_ascii_case("neutral"),
            };
            s.push(game);
        }
        Ok(s)
    }

    fn push(&mut self, game: ScheduledGame) {
        let n = self.games.len();
        self.by_pair
            .entry(pair(&game.home_team, &game.away_team))
            .or_default()
            .push(n);
        self.by_id.insert(game.game_id.clone(), n);
        self.games.push(game);
    }

    /// This schedule, plus the games of `older` it does not have: a refreshed file (`data
    /// update`) adds the new season's games and wins where both list a game, while a short file
    /// never hides what the shipped one knows.
    pub fn with_fallback(mut self, older: &Schedule) -> Schedule {
        for g in &older.games {
            if !self.by_id.contains_key(&g.game_id) {
                self.push(g.clone());
            }
        }
        self
    }

    pub fn len(&self) -> usize {
        self.games.len()
    }

    pub fn is_empty(&self) -> bool {
        self.games.is_empty()
    }

    pub fn game(&self, game_id: &str) -> Option<&ScheduledGame> {
        self.by_id.get(game_id).map(|&i| &self.games[i])
    }

    /// The scheduled game between these two franchises (any codes, historical ones included)
    /// whose kickoff is nearest `kickoff_ms`, within [`KICKOFF_TOLERANCE_MS`]. The second value
    /// is true when the schedule lists the teams the other way round (a neutral-site game a book
    /// orients differently, or a feed that swapped them): two teams never meet twice in 36 hours,
    /// so the pairing identifies the game and the schedule's orientation wins.
    pub fn find(&self, home: &str, away: &str, kickoff_ms: i64) -> Option<(&ScheduledGame, bool)> {
        let (h, a) = (franchise_code(home), franchise_code(away));
        let idxs = self.by_pair.get(&pair(h, a))?;
        let g = idxs
            .iter()
            .map(|&i| &self.games[i])
            .filter(|g| (g.kickoff_ms - kickoff_ms).abs() <= KICKOFF_TOLERANCE_MS)
            .min_by_key(|g| (g.kickoff_ms - kickoff_ms).abs())?;
        Some((g, franchise_code(&g.home_team) != h))
    }
}

fn pair(a: &str, b: &str) -> (String, String) {
    let (a, b) = (franchise_code(a), franchise_code(b));
    if a <= b {
        (a.to_string(), b.to_string())
    } else {
        (b.to_string(), a.to_string())
    }
}

fn nth_sunday(year: i32, month: u32, n: u32) -> NaiveDate {
    let first = NaiveDate::from_ymd_opt(year, month, 1).unwrap_or_default();
    let to_sunday = (7 - first.weekday().num_days_from_sunday()) % 7;
    first + chrono::Days::new((to_sunday + 7 * (n - 1)) as u64)
}

fn last_sunday(year: i32, month: u32) -> NaiveDate {
    let mut d = nth_sunday(year, month, 4);
    while (d + chrono::Days::new(7)).month() == month {
        d = d + chrono::Days::new(7);
    }
    debug_assert_eq!(d.weekday(), Weekday::Sun);
    d
}

/// US Eastern daylight time for a local wall-clock time (the federal rules since 1987; the
/// 02:00 change-over hour itself does not matter for football).
fn eastern_dst(local: NaiveDateTime) -> bool {
    let y = local.year();
    let (start, end) = if y >= 2007 {
        (nth_sunday(y, 3, 2), nth_sunday(y, 11, 1))
    } else {
        (nth_sunday(y, 4, 1), last_sunday(y, 10))
    };
    let two = NaiveTime::from_hms_opt(2, 0, 0).unwrap_or_default();
    local >= start.and_time(two) && local < end.and_time(two)
}

/// US/Eastern wall-clock time to UTC milliseconds.
pub fn eastern_to_utc_ms(local: NaiveDateTime) -> i64 {
    let offset_h = if eastern_dst(local) { 4 } else { 5 };
    Utc.from_utc_datetime(&local).timestamp_millis() + offset_h * 3_600_000
}

/// UTC milliseconds to US/Eastern wall-clock time.
pub fn utc_ms_to_eastern(ms: i64) -> NaiveDateTime {
    let utc = DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .naive_utc();
    let edt = utc - chrono::Duration::hours(4);
    if eastern_dst(edt) {
        edt
    } else {
        utc - chrono::Duration::hours(5)
    }
}

/// NFL season of a kickoff: the year the season started in September, so January and February
/// games (playoffs, Super Bowl) belong to the previous year's season.
pub fn season_of(kickoff_ms: i64) -> i32 {
    let d = utc_ms_to_eastern(kickoff_ms).date();
    if d.month() <= 2 {
        d.year() - 1
    } else {
        d.year()
    }
}

/// A feed event resolved to its canonical [`Event`].
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    pub event: Event,
    /// The canonical home team is the feed's away team: flip home/away selections.
    pub swapped: bool,
}

/// Team table plus schedule: turns (home name, away name, kickoff) from any feed into one event.
#[derive(Debug, Clone)]
pub struct Normalizer {
    pub teams: Teams,
    pub schedule: Schedule,
}

impl Normalizer {
    pub fn new(teams: Teams, schedule: Schedule) -> Normalizer {
        Normalizer { teams, schedule }
    }

    /// Both shipped tables, compiled in.
    pub fn embedded() -> Normalizer {
        Normalizer::new(Teams::embedded(), Schedule::embedded())
    }

    /// The games file at `path` (what `data update` refreshes) over the shipped schedule, so
    /// the events of every season it schedules get their nflverse `game_id`; the shipped one
    /// alone, with the reason, when the file cannot be read.
    pub fn with_games_file(path: &Path) -> (Normalizer, Option<NormalizeError>) {
        match Schedule::from_path(path) {
            Ok(s) => (
                Normalizer::new(Teams::embedded(), s.with_fallback(&Schedule::embedded())),
                None,
            ),
            Err(e) => (Normalizer::embedded(), Some(e)),
        }
    }

    pub fn team(&self, name: &str) -> Option<&str> {
        self.teams.code(name)
    }

    /// The canonical event for a feed's game. When the schedule knows it, the event carries the
    /// nflverse `game_id`, season, week and the schedule's team codes and orientation; otherwise
    /// its id is `{season}_{YYYYMMDD}_{AWAY}_{HOME}` with the US/Eastern kickoff date (the date
    /// nflverse calls `gameday`). The kickoff is always the feed's, which follows late changes.
    pub fn resolve(
        &self,
        home_name: &str,
        away_name: &str,
        kickoff_ms: i64,
    ) -> Result<Resolved, NormalizeError> {
        let home = self
            .team(home_name)
            .ok_or_else(|| NormalizeError::UnknownTeam(home_name.to_string()))?;
        let away = self
            .team(away_name)
            .ok_or_else(|| NormalizeError::UnknownTeam(away_name.to_string()))?;
        if home == away {
            return Err(NormalizeError::UnknownTeam(format!(
                "{home_name} vs {away_name}: the same team twice"
            )));
        }
        if let Some((g, swapped)) = self.schedule.find(home, away, kickoff_ms) {
            return Ok(Resolved {
                event: Event {
                    event_id: g.game_id.clone(),
                    game_id: Some(g.game_id.clone()),
                    season: Some(g.season),
                    week: Some(g.week),
                    home_team: g.home_team.clone(),
                    away_team: g.away_team.clone(),
                    commence_ms: kickoff_ms,
                },
                swapped,
            });
        }
        let season = season_of(kickoff_ms);
        let date = utc_ms_to_eastern(kickoff_ms).date().format("%Y%m%d");
        Ok(Resolved {
            event: Event {
                event_id: format!("{season}_{date}_{away}_{home}"),
                game_id: None,
                season: Some(season),
                week: None,
                home_team: home.to_string(),
                away_team: away.to_string(),
                commence_ms: kickoff_ms,
            },
            swapped: false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(rfc3339: &str) -> i64 {
        DateTime::parse_from_rfc3339(rfc3339)
            .unwrap()
            .timestamp_millis()
    }

    #[test]
    fn names_nicknames_codes_and_punctuation() {
        let t = Teams::embedded();
        assert_eq!(t.code("Los Angeles Chargers"), Some("LAC"));
        assert_eq!(t.code("los angeles chargers"), Some("LAC"));
        assert_eq!(t.code("  Chiefs "), Some("KC"));
        assert_eq!(t.code("kansas-city"), Some("KC"));
        assert_eq!(t.code("San Francisco 49ers"), Some("SF"));
        assert_eq!(t.code("49ers"), Some("SF"));
        assert_eq!(t.code("lac"), Some("LAC"));
        assert_eq!(t.code("JAC"), Some("JAX"));
        assert_eq!(t.code("JAX"), Some("JAX"));
        assert_eq!(t.code("WSH"), Some("WAS"));
        assert_eq!(t.code("LAR"), Some("LA"));
        assert_eq!(t.code("LA"), Some("LA"));
        assert_eq!(t.code("Los Angeles Rams"), Some("LA"));
        assert_eq!(t.code("N.Y. Jets"), Some("NYJ"));
        assert_eq!(t.codes().len(), 32);
    }

    #[test]
    fn historical_names_map_to_current_franchises() {
        let t = Teams::embedded();
        for n in [
            "Washington Redskins",
            "Washington Football Team",
            "Washington Commanders",
            "Washington",
        ] {
            assert_eq!(t.code(n), Some("WAS"), "{n}");
        }
        for n in ["Oakland Raiders", "Las Vegas Raiders", "OAK", "Raiders"] {
            assert_eq!(t.code(n), Some("LV"), "{n}");
        }
        for n in ["San Diego Chargers", "Los Angeles Chargers", "SD"] {
            assert_eq!(t.code(n), Some("LAC"), "{n}");
        }
        for n in ["St. Louis Rams", "St Louis Rams", "STL", "Los Angeles Rams"] {
            assert_eq!(t.code(n), Some("LA"), "{n}");
        }
    }

    #[test]
    fn unknown_and_ambiguous_names_are_none() {
        let t = Teams::embedded();
        assert_eq!(t.code("London Monarchs"), None);
        assert_eq!(t.code(""), None);
        assert_eq!(t.code("Los Angeles"), None, "two franchises");
        assert_eq!(t.code("New York"), None, "two franchises");
        let n = Normalizer::new(t, Schedule::empty());
        assert_eq!(
            n.resolve("Kansas City Chiefs", "Springfield Atoms", 0)
                .unwrap_err(),
            NormalizeError::UnknownTeam("Springfield Atoms".into())
        );
    }

    #[test]
    fn eastern_time_follows_daylight_saving() {
        let d = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
        // 2025-10-23 20:15 EDT is 00:15Z the next day (the MIN @ LAC Thursday game).
        assert_eq!(
            eastern_to_utc_ms(d("2025-10-23 20:15")),
            ms("2025-10-24T00:15:00Z")
        );
        // After the November change-over Eastern is UTC-5.
        assert_eq!(
            eastern_to_utc_ms(d("2025-11-09 13:00")),
            ms("2025-11-09T18:00:00Z")
        );
        // Pre-2007 rules: 2005-10-30 was the last Sunday of October, already standard time.
        assert_eq!(
            eastern_to_utc_ms(d("2005-10-30 13:00")),
            ms("2005-10-30T18:00:00Z")
        );
        assert_eq!(
            eastern_to_utc_ms(d("2005-10-23 13:00")),
            ms("2005-10-23T17:00:00Z")
        );
        assert_eq!(
            utc_ms_to_eastern(ms("2025-10-24T00:15:00Z")),
            d("2025-10-23 20:15")
        );
    }

    #[test]
    fn season_of_january_and_february_games_is_the_previous_year() {
        assert_eq!(season_of(ms("2025-02-09T23:30:00Z")), 2024); // Super Bowl LIX
        assert_eq!(season_of(ms("2026-01-04T18:00:00Z")), 2025);
        assert_eq!(season_of(ms("2025-09-05T00:20:00Z")), 2025);
        // 01:00Z on 1 March is still 28 February in New York.
        assert_eq!(season_of(ms("2025-03-01T01:00:00Z")), 2024);
    }

    #[test]
    fn schedule_matches_within_36_hours() {
        let n = Normalizer::embedded();
        let kick = ms("2025-10-24T00:15:00Z");
        let r = n
            .resolve("Los Angeles Chargers", "Minnesota Vikings", kick)
            .unwrap();
        assert_eq!(r.event.event_id, "2025_08_MIN_LAC");
        assert_eq!((r.event.season, r.event.week), (Some(2025), Some(8)));
        assert!(!r.swapped);
        let r = n.resolve("LAC", "MIN", kick + 35 * 3_600_000).unwrap();
        assert_eq!(r.event.game_id.as_deref(), Some("2025_08_MIN_LAC"));
        let r = n.resolve("LAC", "MIN", kick + 37 * 3_600_000).unwrap();
        assert_eq!(r.event.game_id, None);
        assert_eq!(r.event.event_id, "2025_20251025_MIN_LAC");
    }

    #[test]
    fn a_refreshed_games_file_names_the_new_season() {
        let kick = ms("2026-09-13T17:00:00Z");
        // Before the refresh: a made-up id.
        let r = Normalizer::embedded().resolve("LV", "MIA", kick).unwrap();
        assert_eq!(r.event.game_id, None);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("games.csv");
        std::fs::write(
            &path,
            "game_id,season,game_type,week,gameday,weekday,gametime,away_team,away_score,home_team,home_score,location\n\
             2026_01_MIA_LV,2026,REG,1,2026-09-13,Sunday,13:00,MIA,,LV,,Home\n",
        )
        .unwrap();
        let (n, err) = Normalizer::with_games_file(&path);
        assert!(err.is_none(), "{err:?}");
        let r = n
            .resolve("Las Vegas Raiders", "Miami Dolphins", kick)
            .unwrap();
        assert_eq!(r.event.event_id, "2026_01_MIA_LV");
        assert_eq!((r.event.season, r.event.week), (Some(2026), Some(1)));
        // The shipped seasons are still known.
        let r = n.resolve("LAC", "MIN", ms("2025-10-24T00:15:00Z")).unwrap();
        assert_eq!(r.event.game_id.as_deref(), Some("2025_08_MIN_LAC"));
        // An unreadable file falls back to the shipped schedule and says why.
        let (n, err) = Normalizer::with_games_file(&dir.path().join("missing.csv"));
        assert!(err.is_some());
        assert!(n.schedule.len() > 7000);
    }

    #[test]
    fn neutral_site_games_match_either_orientation() {
        let n = Normalizer::embedded();
        let g = n.schedule.game("2025_04_MIN_PIT").unwrap().clone();
        assert!(g.neutral);
        let r = n
            .resolve("Minnesota Vikings", "Pittsburgh Steelers", g.kickoff_ms)
            .unwrap();
        assert_eq!(r.event.event_id, "2025_04_MIN_PIT");
        assert_eq!(
            (r.event.home_team.as_str(), r.event.away_team.as_str()),
            ("PIT", "MIN")
        );
        assert!(r.swapped);
        let r = n
            .resolve("Pittsburgh Steelers", "Minnesota Vikings", g.kickoff_ms)
            .unwrap();
        assert!(!r.swapped);
    }

    #[test]
    fn historical_codes_match_old_schedule_rows() {
        let n = Normalizer::embedded();
        let g = n
            .schedule
            .games
            .iter()
            .find(|g| g.season == 2015 && g.home_team == "OAK")
            .unwrap()
            .clone();
        let r = n
            .resolve("Oakland Raiders", &g.away_team, g.kickoff_ms + 3_600_000)
            .unwrap();
        assert_eq!(r.event.event_id, g.game_id);
        assert_eq!(r.event.home_team, "OAK");
    }

    #[test]
    fn unknown_games_get_a_synthetic_id_with_the_right_season() {
        let n = Normalizer::embedded();
        // A January 2027 playoff game is not in the shipped schedule: season 2026.
        let r = n
            .resolve(
                "Buffalo Bills",
                "Kansas City Chiefs",
                ms("2027-01-17T01:15:00Z"),
            )
            .unwrap();
        assert_eq!(r.event.event_id, "2026_20270116_KC_BUF");
        assert_eq!(r.event.season, Some(2026));
        assert_eq!(r.event.week, None);
    }

    #[test]
    fn every_shipped_game_parses() {
        let s = Schedule::embedded();
        assert!(s.len() > 7000);
        assert!(s.game("2025_08_WAS_KC").is_some());
    }
}
