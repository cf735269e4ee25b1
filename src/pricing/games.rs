//! The nflverse schedule (`data/games.csv`): scores and closing lines, the history every model
//! here is fitted on. Columns are found by header name so upstream column reordering is harmless.

use std::path::{Path, PathBuf};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum GamesError {
    #[error("cannot read games file {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}:{line}: malformed CSV: {source}")]
    Csv {
        path: PathBuf,
        line: u64,
        source: csv::Error,
    },
    #[error("{path}: missing column {column:?} in the header")]
    MissingColumn { path: PathBuf, column: &'static str },
    #[error("{path}:{line}: column {column:?} has {value:?}, expected {expected}")]
    BadField {
        path: PathBuf,
        line: u64,
        column: &'static str,
        value: String,
        expected: &'static str,
    },
}

/// One scheduled or played game. Scores are `None` for games not yet played.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GameRecord {
    pub game_id: String,
    pub season: i32,
    /// REG, WC, DIV, CON or SB.
    pub game_type: String,
    pub week: i32,
    /// Kickoff date as written in the file (YYYY-MM-DD); sorts chronologically as text.
    pub gameday: String,
    pub home_team: String,
    pub away_team: String,
    pub home_score: Option<i32>,
    pub away_score: Option<i32>,
    /// Closing spread, positive when the home team is favoured.
    pub spread_line: Option<f64>,
    pub total_line: Option<f64>,
    pub home_moneyline: Option<i64>,
    pub away_moneyline: Option<i64>,
    pub neutral: bool,
    pub overtime: bool,
    /// Days since each team's previous game (7 for a normal week, 13+ after a bye).
    pub home_rest: Option<i32>,
    pub away_rest: Option<i32>,
    pub div_game: bool,
    /// dome, closed, open or outdoors.
    pub roof: Option<String>,
    /// Kickoff temperature (F) and wind (mph); blank for domes and many recent games.
    pub temp: Option<f64>,
    pub wind: Option<f64>,
    /// Starting quarterbacks (GSIS ids), known before kickoff.
    pub home_qb_id: Option<String>,
    pub away_qb_id: Option<String>,
}

impl GameRecord {
    /// Home minus away points, once played.
    pub fn margin(&self) -> Option<i32> {
        Some(self.home_score? - self.away_score?)
    }

    pub fn total(&self) -> Option<i32> {
        Some(self.home_score? + self.away_score?)
    }

    pub fn is_played(&self) -> bool {
        self.home_score.is_some() && self.away_score.is_some()
    }
}

const COLUMNS: [&str; 15] = [
    "game_id",
    "season",
    "game_type",
    "week",
    "gameday",
    "home_team",
    "away_team",
    "home_score",
    "away_score",
    "spread_line",
    "total_line",
    "home_moneyline",
    "away_moneyline",
    "location",
    "overtime",
];

/// Columns the model uses when present; older or trimmed files without them still load.
const OPTIONAL: [&str; 8] = [
    "home_rest",
    "away_rest",
    "div_game",
    "roof",
    "temp",
    "wind",
    "home_qb_id",
    "away_qb_id",
];

/// Reads every game in file order (nflverse sorts by season, week, kickoff).
pub fn load_games(path: impl AsRef<Path>) -> Result<Vec<GameRecord>, GamesError> {
    let path = path.as_ref();
    let file = std::fs::File::open(path).map_err(|source| GamesError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    read_games(
        Bounded {
            inner: file,
            left: MAX_GAMES_BYTES,
        },
        path,
    )
}

/// Far past any schedule (nflverse's whole history is about 2 MB), so a wrong path such as
/// `/dev/zero` or a runaway file ends in an error instead of exhausting memory.
pub const MAX_GAMES_BYTES: u64 = 64 * 1024 * 1024;

/// A reader that fails once more than `left` bytes came through it.
struct Bounded<R> {
    inner: R,
    left: u64,
}

impl<R: std::io::Read> std::io::Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n as u64 > self.left {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("the file is larger than {MAX_GAMES_BYTES} bytes; no games file is"),
            ));
        }
        self.left -= n as u64;
        Ok(n)
    }
}

/// As [`load_games`] from any reader; `origin` names the source in errors.
pub fn read_games(
    reader: impl std::io::Read,
    origin: &Path,
) -> Result<Vec<GameRecord>, GamesError> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(reader);
    let csv_err = |source: csv::Error| {
        let line = source.position().map(|p| p.line()).unwrap_or(1);
        GamesError::Csv {
            path: origin.to_path_buf(),
            line,
            source,
        }
    };
    let headers = rdr.headers().map_err(csv_err)?.clone();
    let mut idx = [0usize; COLUMNS.len()];
    for (slot, name) in idx.iter_mut().zip(COLUMNS) {
        *slot = headers
            .iter()
            .position(|h| h.trim() == name)
            .ok_or(GamesError::MissingColumn {
                path: origin.to_path_buf(),
                column: name,
            })?;
    }
    let opt_idx: Vec<Option<usize>> = OPTIONAL
        .iter()
        .map(|name| headers.iter().position(|h| h.trim() == *name))
        .collect();
    let mut out = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(csv_err)?;
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        let field = |i: usize| rec.get(idx[i]).unwrap_or("").trim();
        let bad = |i: usize, expected: &'static str| GamesError::BadField {
            path: origin.to_path_buf(),
            line,
            column: COLUMNS[i],
            value: field(i).to_string(),
            expected,
        };
        let req_int = |i: usize| field(i).parse::<i32>().map_err(|_| bad(i, "an integer"));
        let opt =
            |i: usize| -> Option<&str> { Some(field(i)).filter(|s| !s.is_empty() && *s != "NA") };
        let opt_i32 = |i: usize| {
            opt(i)
                .map(|s| s.parse::<i32>().map_err(|_| bad(i, "an integer or blank")))
                .transpose()
        };
        let opt_i64 = |i: usize| {
            opt(i)
                .map(|s| s.parse::<i64>().map_err(|_| bad(i, "an integer or blank")))
                .transpose()
        };
        let opt_f64 = |i: usize| {
            opt(i)
                .map(|s| {
                    s.parse::<f64>()
                        .ok()
                        .filter(|v| v.is_finite())
                        .ok_or_else(|| bad(i, "a number or blank"))
                })
                .transpose()
        };
        let neutral = match field(13) {
            "Home" | "" => false,
            "Neutral" => true,
            _ => return Err(bad(13, "Home or Neutral")),
        };
        let overtime = match field(14) {
            "1" => true,
            "0" | "" | "NA" => false,
            _ => return Err(bad(14, "0, 1 or blank")),
        };
        let extra = |j: usize| -> Option<&str> {
            opt_idx[j]
                .and_then(|i| rec.get(i))
                .map(str::trim)
                .filter(|s| !s.is_empty() && *s != "NA")
        };
        let bad_extra = |j: usize, expected: &'static str| GamesError::BadField {
            path: origin.to_path_buf(),
            line,
            column: OPTIONAL[j],
            value: extra(j).unwrap_or("").to_string(),
            expected,
        };
        let extra_i32 = |j: usize| {
            extra(j)
                .map(|s| {
                    s.parse::<i32>()
                        .ok()
                        .filter(|v| (0..=400).contains(v))
                        .ok_or_else(|| bad_extra(j, "a whole number of days or blank"))
                })
                .transpose()
        };
        let extra_f64 = |j: usize| {
            extra(j)
                .map(|s| {
                    s.parse::<f64>()
                        .ok()
                        .filter(|v| v.is_finite() && v.abs() < 1000.0)
                        .ok_or_else(|| bad_extra(j, "a number or blank"))
                })
                .transpose()
        };
        let div_game = match extra(2) {
            None | Some("0") => false,
            Some("1") => true,
            Some(_) => return Err(bad_extra(2, "0, 1 or blank")),
        };
        let game_id = field(0).to_string();
        if game_id.is_empty() {
            return Err(bad(0, "a game id"));
        }
        out.push(GameRecord {
            game_id,
            season: req_int(1)?,
            game_type: field(2).to_string(),
            week: req_int(3)?,
            gameday: field(4).to_string(),
            home_team: field(5).to_string(),
            away_team: field(6).to_string(),
            home_score: opt_i32(7)?,
            away_score: opt_i32(8)?,
            spread_line: opt_f64(9)?,
            total_line: opt_f64(10)?,
            home_moneyline: opt_i64(11)?,
            away_moneyline: opt_i64(12)?,
            neutral,
            overtime,
            home_rest: extra_i32(0)?,
            away_rest: extra_i32(1)?,
            div_game,
            roof: extra(3).map(str::to_string),
            temp: extra_f64(4)?,
            wind: extra_f64(5)?,
            home_qb_id: extra(6).map(str::to_string),
            away_qb_id: extra(7).map(str::to_string),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "game_id,season,game_type,week,gameday,away_team,away_score,home_team,home_score,location,result,overtime,away_moneyline,home_moneyline,spread_line,total_line";

    #[test]
    fn reads_rows_and_blanks() {
        let text = format!(
            "{HEADER}\n1999_01_MIN_ATL,1999,REG,1,1999-09-12,MIN,17,ATL,14,Home,-3,0,,,-4,49\n2025_18_X_Y,2025,REG,18,2026-01-04,X,,Y,,Neutral,,,-150,130,3.5,44.5\n"
        );
        let g = read_games(text.as_bytes(), Path::new("t.csv")).unwrap();
        assert_eq!(g.len(), 2);
        assert_eq!(g[0].margin(), Some(-3));
        assert_eq!(g[0].spread_line, Some(-4.0));
        assert!(!g[0].neutral && g[1].neutral);
        assert_eq!(g[1].home_score, None);
        assert_eq!(g[1].away_moneyline, Some(-150));
    }

    #[test]
    fn errors_name_file_line_and_column() {
        let text = format!(
            "{HEADER}\n1999_01_MIN_ATL,1999,REG,1,1999-09-12,MIN,17,ATL,xx,Home,-3,0,,,-4,49\n"
        );
        let e = read_games(text.as_bytes(), Path::new("games.csv"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("games.csv:2") && e.contains("home_score") && e.contains("\"xx\""),
            "{e}"
        );
        let e = read_games("game_id,season\n".as_bytes(), Path::new("g.csv"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("missing column"), "{e}");
        let e = load_games("/nonexistent/games.csv")
            .unwrap_err()
            .to_string();
        assert!(e.contains("/nonexistent/games.csv"), "{e}");
    }

    #[test]
    fn shipped_file_loads() {
        let g = load_games(concat!(env!("CARGO_MANIFEST_DIR"), "/data/games.csv")).unwrap();
        assert!(g.len() > 7000);
        assert!(g.iter().any(|r| r.neutral));
        assert!(g.iter().filter(|r| r.season == 2015).all(|r| r.is_played()));
    }
}
