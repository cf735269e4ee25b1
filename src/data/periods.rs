//! The optional period-scores file (`periods.csv` beside the games file): quarter and overtime
//! points per team, one row a game, in the layout of `data/periods/period_scores_*.csv`. Checked
//! like the games file: every field an integer >= 0, every game known to the games file, and its
//! periods summing to the game's final.

use crate::domain::PeriodLine;
use crate::pricing::GameRecord;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// The header of a period-scores file.
pub const COLUMNS: [&str; 13] = [
    "game_id", "season", "week", "home_q1", "home_q2", "home_q3", "home_q4", "home_ot", "away_q1",
    "away_q2", "away_q3", "away_q4", "away_ot",
];

/// Larger than any period file could honestly be (a row is about 50 bytes; 300 games a season).
const MAX_BYTES: u64 = 16 << 20;

#[derive(Debug, Error)]
pub enum PeriodsError {
    #[error("cannot read period scores {}: {source}", .path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: larger than {MAX_BYTES} bytes; not a period-scores file", .path.display())]
    TooLarge { path: PathBuf },
    #[error("{}:{line}: {message}", .path.display())]
    Invalid {
        path: PathBuf,
        line: u64,
        message: String,
    },
}

/// One row of the file.
#[derive(Debug, Clone, PartialEq)]
pub struct PeriodRow {
    pub game_id: String,
    pub season: i32,
    pub week: i32,
    pub line: u64,
    pub periods: PeriodLine,
}

/// Every row, by game id.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PeriodScores {
    pub rows: BTreeMap<String, PeriodRow>,
}

impl PeriodScores {
    pub fn get(&self, game_id: &str) -> Option<&PeriodLine> {
        self.rows.get(game_id).map(|r| &r.periods)
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// (first, last) season in the file.
    pub fn seasons(&self) -> Option<(i32, i32)> {
        let s = self.rows.values().map(|r| r.season);
        Some((s.clone().min()?, s.max()?))
    }
}

/// Where the period-scores file of a games file lives: `periods.csv` beside it.
pub fn path_beside(games: &Path) -> PathBuf {
    games.with_file_name("periods.csv")
}

/// Reads and checks a period-scores file on its own (layout, values, duplicate games).
pub fn load(path: &Path) -> Result<PeriodScores, PeriodsError> {
    let io = |source| PeriodsError::Io {
        path: path.to_path_buf(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.len() > MAX_BYTES {
        return Err(PeriodsError::TooLarge {
            path: path.to_path_buf(),
        });
    }
    let text = std::fs::read_to_string(path).map_err(io)?;
    parse(path, &text)
}

/// [`load`], or `None` when the file does not exist (it is optional).
pub fn load_optional(path: &Path) -> Result<Option<PeriodScores>, PeriodsError> {
    match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        _ => load(path).map(Some),
    }
}

/// The period scores beside a games file, checked against its games; `None` when there is no
/// such file (it is optional).
pub fn load_beside(
    games_path: &Path,
    games: &[GameRecord],
) -> Result<Option<PeriodScores>, PeriodsError> {
    let path = path_beside(games_path);
    let Some(scores) = load_optional(&path)? else {
        return Ok(None);
    };
    check_against_games(&path, &scores, games)?;
    Ok(Some(scores))
}

pub fn parse(path: &Path, text: &str) -> Result<PeriodScores, PeriodsError> {
    let invalid = |line: u64, message: String| PeriodsError::Invalid {
        path: path.to_path_buf(),
        line,
        message,
    };
    let mut lines = text.lines().enumerate();
    let header: Vec<&str> = match lines.next() {
        Some((_, h)) => h.trim_start_matches('\u{feff}').trim().split(',').collect(),
        None => return Err(invalid(1, "empty file; expected a header".into())),
    };
    if header != COLUMNS {
        return Err(invalid(
            1,
            format!("header: expected {}", COLUMNS.join(",")),
        ));
    }
    let mut out = PeriodScores::default();
    for (i, raw) in lines {
        let line = i as u64 + 1;
        if raw.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = raw.trim().split(',').collect();
        if f.len() != COLUMNS.len() {
            return Err(invalid(
                line,
                format!("expected {} columns, found {}", COLUMNS.len(), f.len()),
            ));
        }
        let int = |c: usize, lo: i32, hi: i32| -> Result<i32, PeriodsError> {
            f[c].trim()
                .parse::<i32>()
                .ok()
                .filter(|v| (lo..=hi).contains(v))
                .ok_or_else(|| {
                    invalid(
                        line,
                        format!(
                            "column {:?} has {:?}, expected an integer {lo}..={hi}",
                            COLUMNS[c], f[c]
                        ),
                    )
                })
        };
        let game_id = f[0].trim();
        if game_id.is_empty() {
            return Err(invalid(line, "column \"game_id\" is empty".into()));
        }
        let season = int(1, 1920, 2200)?;
        let week = int(2, 1, 30)?;
        let mut periods = PeriodLine::default();
        for k in 0..5 {
            periods.home[k] = int(3 + k, 0, 200)?;
            periods.away[k] = int(8 + k, 0, 200)?;
        }
        if let Some(first) = out.rows.get(game_id) {
            return Err(invalid(
                line,
                format!("game {game_id} already on line {}", first.line),
            ));
        }
        out.rows.insert(
            game_id.to_string(),
            PeriodRow {
                game_id: game_id.to_string(),
                season,
                week,
                line,
                periods,
            },
        );
    }
    Ok(out)
}

/// Checks the rows against the games file: each game exists, with the same season and week,
/// and, once it has a final, its periods sum to it.
pub fn check_against_games(
    path: &Path,
    scores: &PeriodScores,
    games: &[GameRecord],
) -> Result<(), PeriodsError> {
    let by_id: std::collections::HashMap<&str, &GameRecord> =
        games.iter().map(|g| (g.game_id.as_str(), g)).collect();
    for r in scores.rows.values() {
        let invalid = |message: String| PeriodsError::Invalid {
            path: path.to_path_buf(),
            line: r.line,
            message,
        };
        let Some(g) = by_id.get(r.game_id.as_str()) else {
            return Err(invalid(format!(
                "game {} is not in the games file",
                r.game_id
            )));
        };
        if (g.season, g.week) != (r.season, r.week) {
            return Err(invalid(format!(
                "game {} is season {} week {} in the games file, not {} week {}",
                r.game_id, g.season, g.week, r.season, r.week
            )));
        }
        if let (Some(h), Some(a)) = (g.home_score, g.away_score) {
            let (ph, pa) = r.periods.score(crate::domain::Scope::Game, true);
            if (ph, pa) != (h, a) {
                return Err(invalid(format!(
                    "game {}: periods sum to {ph}-{pa}, the final is {h}-{a}",
                    r.game_id
                )));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn games() -> Vec<GameRecord> {
        crate::pricing::load_games(Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/data/games.csv"
        )))
        .expect("games.csv")
    }

    #[test]
    fn the_shipped_file_sums_to_every_final() {
        let p = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/data/periods.csv"));
        let s = load(p).expect("periods.csv");
        assert_eq!(s.len(), 14);
        check_against_games(p, &s, &games()).expect("sums to the finals");
    }

    #[test]
    fn each_bad_file_names_line_and_column() {
        let head = COLUMNS.join(",");
        let p = Path::new("periods.csv");
        let err = |body: &str| {
            parse(p, &format!("{head}\n{body}\n"))
                .unwrap_err()
                .to_string()
        };
        assert!(err("x,2025,12,0,0,0,0,0,0,0,0,0").contains("expected 13 columns"));
        let e = err("g,2025,12,0,-3,0,0,0,0,0,0,0,0");
        assert!(e.contains("periods.csv:2") && e.contains("home_q2"), "{e}");
        let e = err("g,2025,12,0,0,0,0,0,0,0,0,0,0\ng,2025,12,0,0,0,0,0,0,0,0,0,0");
        assert!(e.contains(":3") && e.contains("already on line 2"), "{e}");
        assert!(parse(p, "game_id,season\n")
            .unwrap_err()
            .to_string()
            .contains("header"));
        let bad_sum = parse(
            p,
            &format!("{head}\n2025_12_ATL_NO,2025,12,0,7,0,3,0,3,13,0,8,1\n"),
        )
        .expect("parses");
        let e = check_against_games(p, &bad_sum, &games())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("periods sum to 10-25, the final is 10-24"),
            "{e}"
        );
        let unknown =
            parse(p, &format!("{head}\nnope,2025,12,0,0,0,0,0,0,0,0,0,0\n")).expect("parses");
        assert!(check_against_games(p, &unknown, &games())
            .unwrap_err()
            .to_string()
            .contains("not in the games file"));
    }
}
