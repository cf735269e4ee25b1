//! Reading the archive's CSV layout. A file that cannot be read, or lacks a column every game
//! needs, is an error naming the file; a game or a book's market that cannot be trusted is
//! rejected with file, line, column and reason, and the rest of the file still loads.

use super::{ArchiveGame, Lines, TwoWay, BOOK_IDS};
use crate::domain::MarketKind;
use crate::ingest::normalize::{eastern_to_utc_ms, Teams};
use crate::ingest::sources::{american_from_json, check_line, OddsFormat};
use chrono::{NaiveDate, NaiveTime};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// Larger than any season folder of the layout (22 weeks of 16 games is under 100 KB each).
const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

#[derive(Debug, Error)]
pub enum ArchiveError {
    #[error("{path}: {message}")]
    Io { path: String, message: String },
    #[error("{path} line {line}: {message}")]
    Layout {
        path: String,
        line: u64,
        message: String,
    },
    #[error(
        "{path}: no <season>/week_<n>.csv files (the archive layout: data/odds/2024/week_1.csv)"
    )]
    Empty { path: String },
}

/// Something the archive holds that was not loaded, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejected {
    /// `<season>/week_<n>.csv line L[, column C]`.
    pub place: String,
    pub reason: String,
}

/// Every game of an archive folder, and what was rejected.
#[derive(Debug, Clone, Default)]
pub struct Archive {
    pub games: Vec<ArchiveGame>,
    pub rejected: Vec<Rejected>,
    pub files: usize,
}

impl Archive {
    pub fn seasons(&self) -> Vec<i32> {
        let mut s: Vec<i32> = self.games.iter().map(|g| g.season).collect();
        s.sort_unstable();
        s.dedup();
        s
    }
}

/// Loads every `<season>/week_<n>.csv` under `dir` (any seasons present), in season and week
/// order.
pub fn load_dir(dir: &Path) -> Result<Archive, ArchiveError> {
    let io = |p: &Path, e: std::io::Error| ArchiveError::Io {
        path: p.display().to_string(),
        message: e.to_string(),
    };
    let mut files: Vec<(i32, i32, PathBuf)> = Vec::new();
    for season_dir in std::fs::read_dir(dir).map_err(|e| io(dir, e))? {
        let season_dir = season_dir.map_err(|e| io(dir, e))?.path();
        let Some(season) = season_dir
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.parse::<i32>().ok())
            .filter(|_| season_dir.is_dir())
        else {
            continue;
        };
        for f in std::fs::read_dir(&season_dir).map_err(|e| io(&season_dir, e))? {
            let f = f.map_err(|e| io(&season_dir, e))?.path();
            let week = f
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_prefix("week_"))
                .and_then(|n| n.strip_suffix(".csv"))
                .and_then(|n| n.parse::<i32>().ok());
            if let Some(week) = week {
                files.push((season, week, f));
            }
        }
    }
    if files.is_empty() {
        return Err(ArchiveError::Empty {
            path: dir.display().to_string(),
        });
    }
    files.sort();
    let teams = Teams::embedded();
    let mut out = Archive::default();
    for (season, week, path) in files {
        let len = std::fs::metadata(&path).map_err(|e| io(&path, e))?.len();
        if len > MAX_FILE_BYTES {
            return Err(ArchiveError::Io {
                path: path.display().to_string(),
                message: format!("{len} bytes, more than the {MAX_FILE_BYTES} a week file can be"),
            });
        }
        let text = std::fs::read(&path).map_err(|e| io(&path, e))?;
        let name = format!("{season}/week_{week}.csv");
        parse_week(&name, season, week, &text, &teams, &mut out)?;
        out.files += 1;
    }
    Ok(out)
}

/// One week of the archive (`<dir>/<season>/week_<week>.csv`); `None` when the archive has no
/// such file.
pub fn load_week(dir: &Path, season: i32, week: i32) -> Result<Option<Archive>, ArchiveError> {
    let path = dir
        .join(season.to_string())
        .join(format!("week_{week}.csv"));
    if !path.is_file() {
        return Ok(None);
    }
    let text = std::fs::read(&path).map_err(|e| ArchiveError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    })?;
    let mut out = Archive::default();
    let name = format!("{season}/week_{week}.csv");
    parse_week(&name, season, week, &text, &Teams::embedded(), &mut out)?;
    out.files = 1;
    Ok(Some(out))
}

/// Column positions of one file.
struct Columns {
    site_id: usize,
    season: usize,
    week: usize,
    team: usize,
    date: usize,
    time: usize,
    score: usize,
    rotation: usize,
    /// `opening_*` then each book's, by prefix.
    lines: Vec<(Option<u32>, LineColumns)>,
}

#[derive(Clone, Copy)]
struct LineColumns {
    moneyline: usize,
    spread: usize,
    spread_odds: usize,
    total: usize,
    total_odds: usize,
}

fn columns(name: &str, headers: &csv::StringRecord) -> Result<Columns, ArchiveError> {
    let find = |h: &str| {
        headers
            .iter()
            .position(|x| x.trim_start_matches('\u{feff}') == h)
    };
    let need = |h: &str| {
        find(h).ok_or_else(|| ArchiveError::Layout {
            path: name.to_string(),
            line: 1,
            message: format!("no `{h}` column (the archive layout has game_id, season, week, team, date, time, score, rotation, opening_* and <book>_*)"),
        })
    };
    let line_cols = |prefix: &str| -> Option<LineColumns> {
        Some(LineColumns {
            moneyline: find(&format!("{prefix}_moneyline"))?,
            spread: find(&format!("{prefix}_spread"))?,
            spread_odds: find(&format!("{prefix}_spread_odds"))?,
            total: find(&format!("{prefix}_total"))?,
            total_odds: find(&format!("{prefix}_total_odds"))?,
        })
    };
    let mut lines = vec![(
        None,
        line_cols("opening").ok_or_else(|| ArchiveError::Layout {
            path: name.to_string(),
            line: 1,
            message: "no complete set of opening_moneyline, opening_spread, opening_spread_odds, opening_total, opening_total_odds columns".into(),
        })?,
    )];
    for id in BOOK_IDS {
        if let Some(c) = line_cols(&id.to_string()) {
            lines.push((Some(id), c));
        }
    }
    Ok(Columns {
        site_id: need("game_id")?,
        season: need("season")?,
        week: need("week")?,
        team: need("team")?,
        date: need("date")?,
        time: need("time")?,
        score: need("score")?,
        rotation: need("rotation")?,
        lines,
    })
}

/// One team row, parsed only as far as grouping needs.
struct Row {
    line: u64,
    record: csv::StringRecord,
    rotation: i64,
}

fn parse_week(
    name: &str,
    season: i32,
    week: i32,
    text: &[u8],
    teams: &Teams,
    out: &mut Archive,
) -> Result<(), ArchiveError> {
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(text);
    let headers = rdr
        .headers()
        .map_err(|e| ArchiveError::Layout {
            path: name.to_string(),
            line: 1,
            message: e.to_string(),
        })?
        .clone();
    let cols = columns(name, &headers)?;
    let mut by_game: BTreeMap<String, Vec<Row>> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    for rec in rdr.records() {
        let record = match rec {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                out.rejected.push(Rejected {
                    place: format!("{name} line {line}"),
                    reason: format!("unreadable row: {e}"),
                });
                continue;
            }
        };
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        if record.len() != headers.len() {
            out.rejected.push(Rejected {
                place: format!("{name} line {line}"),
                reason: format!(
                    "{} fields where the header has {}",
                    record.len(),
                    headers.len()
                ),
            });
            continue;
        }
        let id = record.get(cols.site_id).unwrap_or("").to_string();
        let rotation = match record.get(cols.rotation).and_then(int) {
            Some(r) => r,
            None => {
                out.rejected.push(Rejected {
                    place: format!("{name} line {line}, column rotation"),
                    reason: format!(
                        "expected a whole rotation number, got {:?}",
                        record.get(cols.rotation).unwrap_or("")
                    ),
                });
                continue;
            }
        };
        if !by_game.contains_key(&id) {
            order.push(id.clone());
        }
        by_game.entry(id).or_default().push(Row {
            line,
            record,
            rotation,
        });
    }
    for id in order {
        let Some(mut rows) = by_game.remove(&id) else {
            continue;
        };
        if rows.len() != 2 {
            out.rejected.push(Rejected {
                place: format!("{name} line {}", rows[0].line),
                reason: format!(
                    "game {id:?} has {} rows; a game is two rows, one per team",
                    rows.len()
                ),
            });
            continue;
        }
        rows.sort_by_key(|r| r.rotation);
        match game(name, season, week, &cols, &rows[0], &rows[1], teams, out) {
            Ok(g) => out.games.push(g),
            Err(r) => out.rejected.push(r),
        }
    }
    Ok(())
}

fn int(s: &str) -> Option<i64> {
    let x: f64 = s.trim().parse().ok()?;
    (x.is_finite() && x.fract() == 0.0 && x.abs() < 1e12).then_some(x as i64)
}

#[allow(clippy::too_many_arguments)]
fn game(
    name: &str,
    season: i32,
    week: i32,
    cols: &Columns,
    away: &Row,
    home: &Row,
    teams: &Teams,
    out: &mut Archive,
) -> Result<ArchiveGame, Rejected> {
    let at = |row: &Row, col: usize| Rejected {
        place: format!(
            "{name} line {}, column {}",
            row.line,
            column_name(cols, col)
        ),
        reason: String::new(),
    };
    let fail = |row: &Row, col: usize, reason: String| Rejected {
        reason,
        ..at(row, col)
    };
    let get = |row: &Row, col: usize| row.record.get(col).unwrap_or("").to_string();
    for row in [away, home] {
        let s = get(row, cols.season);
        if int(&s) != Some(i64::from(season)) {
            return Err(fail(
                row,
                cols.season,
                format!("season {s:?} in a file of the {season} folder"),
            ));
        }
        let w = get(row, cols.week);
        if int(&w) != Some(i64::from(week)) {
            return Err(fail(
                row,
                cols.week,
                format!("week {w:?} in week_{week}.csv"),
            ));
        }
    }
    let team = |row: &Row| -> Result<String, Rejected> {
        let t = get(row, cols.team);
        teams
            .code(&t)
            .map(str::to_string)
            .ok_or_else(|| fail(row, cols.team, format!("unknown team {t:?}")))
    };
    let (away_team, home_team) = (team(away)?, team(home)?);
    if away_team == home_team {
        return Err(fail(home, cols.team, format!("both rows name {home_team}")));
    }
    let kickoff_ms =
        kickoff(season, &get(away, cols.date), &get(away, cols.time)).ok_or_else(|| {
            fail(
                away,
                cols.date,
                format!(
                    "expected a date like `Sun 9/9` and a time like `1:00 PM`, got {:?} {:?}",
                    get(away, cols.date),
                    get(away, cols.time)
                ),
            )
        })?;
    let score = |row: &Row| -> Result<Option<i32>, Rejected> {
        let s = get(row, cols.score);
        if s.is_empty() {
            return Ok(None);
        }
        int(&s)
            .filter(|x| (0..=200).contains(x))
            .map(|x| Some(x as i32))
            .ok_or_else(|| {
                fail(
                    row,
                    cols.score,
                    format!("score {s:?} is not a whole number in 0..=200"),
                )
            })
    };
    let (away_score, home_score) = (score(away)?, score(home)?);
    let mut opener = Lines::default();
    let mut closes = Vec::new();
    for (book, lc) in &cols.lines {
        let (lines, rejected) = lines_of(away, home, lc);
        for (col_row, col, reason) in rejected {
            let row = if col_row { home } else { away };
            out.rejected.push(Rejected {
                reason: format!(
                    "{}{reason}",
                    book.map(|b| format!("book {b}: "))
                        .unwrap_or_else(|| "opener: ".into())
                ),
                ..at(row, col)
            });
        }
        match book {
            None => opener = lines,
            Some(id) if !lines.is_empty() => closes.push((*id, lines)),
            Some(_) => {}
        }
    }
    Ok(ArchiveGame {
        file: name.to_string(),
        line: away.line,
        site_id: get(away, cols.site_id),
        season,
        week,
        away: away_team,
        home: home_team,
        kickoff_ms,
        away_score,
        home_score,
        opener,
        closes,
    })
}

fn column_name(cols: &Columns, col: usize) -> String {
    let named = [
        (cols.site_id, "game_id"),
        (cols.season, "season"),
        (cols.week, "week"),
        (cols.team, "team"),
        (cols.date, "date"),
        (cols.time, "time"),
        (cols.score, "score"),
        (cols.rotation, "rotation"),
    ];
    if let Some((_, n)) = named.iter().find(|(c, _)| *c == col) {
        return n.to_string();
    }
    for (book, lc) in &cols.lines {
        let prefix = book
            .map(|b| b.to_string())
            .unwrap_or_else(|| "opening".into());
        for (c, suffix) in [
            (lc.moneyline, "moneyline"),
            (lc.spread, "spread"),
            (lc.spread_odds, "spread_odds"),
            (lc.total, "total"),
            (lc.total_odds, "total_odds"),
        ] {
            if c == col {
                return format!("{prefix}_{suffix}");
            }
        }
    }
    format!("#{}", col + 1)
}

/// The site's `Sun 9/9` and `1:00 PM` (US Eastern) in the season's calendar: September to
/// December in the season's year, January and February in the next.
fn kickoff(season: i32, date: &str, time: &str) -> Option<i64> {
    let md = date.split_whitespace().last()?;
    let (m, d) = md.split_once('/')?;
    let (m, d): (u32, u32) = (m.parse().ok()?, d.parse().ok()?);
    let year = if m >= 8 { season } else { season + 1 };
    let day = NaiveDate::from_ymd_opt(year, m, d)?;
    let t = NaiveTime::parse_from_str(&time.to_ascii_uppercase(), "%I:%M %p").ok()?;
    Some(eastern_to_utc_ms(day.and_time(t)))
}

/// (whether the home row, column, reason) of a cell that was rejected.
type CellReject = (bool, usize, String);

fn price_of(v: &str) -> Result<i64, String> {
    let x: f64 = v
        .parse()
        .map_err(|_| format!("expected an American price, got {v:?}"))?;
    american_from_json(&serde_json::json!(x), OddsFormat::American)
}

fn line_of(v: &str, kind: MarketKind) -> Result<f64, String> {
    let l: f64 = v
        .parse()
        .map_err(|_| format!("expected a line, got {v:?}"))?;
    check_line(kind, Some(l))?.ok_or_else(|| format!("{kind} needs a line"))
}

/// One book's (or the opener's) three markets from the two rows. A blank market is absent; a
/// market whose cells do not make sense is absent and rejected, the book's other markets stand.
fn lines_of(away: &Row, home: &Row, c: &LineColumns) -> (Lines, Vec<CellReject>) {
    let mut rejected: Vec<CellReject> = Vec::new();
    let cell = |(h, col): (bool, usize)| {
        (if h { home } else { away })
            .record
            .get(col)
            .unwrap_or("")
            .trim()
            .to_string()
    };
    // A market is read only when every one of its cells is filled; a partly filled one is a
    // defect of the row, reported against the first blank cell. Cells parse in order and the
    // first that fails rejects the market.
    let mut read = |cells: &[(bool, usize)], kinds: &[Option<MarketKind>]| -> Option<Vec<f64>> {
        let vals: Vec<String> = cells.iter().map(|&c| cell(c)).collect();
        if vals.iter().all(|v| v.is_empty()) {
            return None;
        }
        if let Some(i) = vals.iter().position(|v| v.is_empty()) {
            rejected.push((
                cells[i].0,
                cells[i].1,
                "blank beside filled cells of the same market".into(),
            ));
            return None;
        }
        let mut out = Vec::with_capacity(vals.len());
        for ((v, at), kind) in vals.iter().zip(cells).zip(kinds) {
            let parsed = match kind {
                Some(k) => line_of(v, *k),
                None => price_of(v).map(|a| a as f64),
            };
            match parsed {
                Ok(x) => out.push(x),
                Err(e) => {
                    rejected.push((at.0, at.1, e));
                    return None;
                }
            }
        }
        Some(out)
    };
    let (sp, tot) = (Some(MarketKind::Spread), Some(MarketKind::Total));
    let ml = read(&[(true, c.moneyline), (false, c.moneyline)], &[None, None]);
    let spread = read(
        &[
            (true, c.spread),
            (false, c.spread),
            (true, c.spread_odds),
            (false, c.spread_odds),
        ],
        &[sp, sp, None, None],
    );
    // The away row's total price is the over (see the module docs of `archive`).
    let total = read(
        &[
            (false, c.total),
            (true, c.total),
            (false, c.total_odds),
            (true, c.total_odds),
        ],
        &[tot, tot, None, None],
    );
    let mut out = Lines::default();
    if let Some(v) = ml {
        out.moneyline = Some(TwoWay {
            line: None,
            first: v[0] as i64,
            second: v[1] as i64,
        });
    }
    if let Some(v) = spread {
        if (v[0] + v[1]).abs() > 1e-9 {
            rejected.push((
                false,
                c.spread,
                format!(
                    "the away spread {} is not the home spread {} reversed",
                    v[1], v[0]
                ),
            ));
        } else {
            out.spread = Some(TwoWay {
                line: Some(v[0]),
                first: v[2] as i64,
                second: v[3] as i64,
            });
        }
    }
    if let Some(v) = total {
        if (v[0] - v[1]).abs() > 1e-9 {
            rejected.push((
                true,
                c.total,
                format!(
                    "the home row's total {} differs from the away row's {}",
                    v[1], v[0]
                ),
            ));
        } else {
            out.total = Some(TwoWay {
                line: Some(v[0]),
                first: v[2] as i64,
                second: v[3] as i64,
            });
        }
    }
    (out, rejected)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "game_id,team_id,season,week,team,date,time,score,outcome,rotation,opening_moneyline,opening_spread,opening_spread_odds,opening_total,opening_total_odds,8_moneyline,8_spread,8_spread_odds,8_total,8_total_odds,9_moneyline,9_spread,9_spread_odds,9_total,9_total_odds";

    fn parse(body: &str) -> Archive {
        let mut out = Archive::default();
        let text = format!("{HEADER}\n{body}");
        parse_week(
            "2018/week_1.csv",
            2018,
            1,
            text.as_bytes(),
            &Teams::embedded(),
            &mut out,
        )
        .expect("the layout is read");
        out
    }

    #[test]
    fn reads_a_game_with_the_away_row_first_by_rotation() {
        // Rows out of order: the lower rotation is still the away team.
        let a = parse(
            "1,2,2018,1,Detroit,Mon 9/10,7:10 PM,17,FINAL,480,-300,-6.5,-110,43.5,-110,-340,-7,-117,44,-110,,,,,\n\
             1,1,2018,1,N.Y. Jets,Mon 9/10,7:10 PM,48,FINAL,479,250,6.5,-110,43.5,-105,285,7,-103,44,-112,,,,,\n",
        );
        assert!(a.rejected.is_empty(), "{:?}", a.rejected);
        let g = &a.games[0];
        assert_eq!((g.away.as_str(), g.home.as_str()), ("NYJ", "DET"));
        assert_eq!((g.away_score, g.home_score), (Some(48), Some(17)));
        let ml = g.opener.moneyline.unwrap();
        assert_eq!((ml.first, ml.second), (-300, 250));
        let sp = g.opener.spread.unwrap();
        assert_eq!(sp.line, Some(-6.5));
        let tot = g.opener.total.unwrap();
        // The away row's total price is the over.
        assert_eq!((tot.line, tot.first, tot.second), (Some(43.5), -105, -110));
        assert_eq!(g.closes.len(), 1, "book 9 is blank: left out");
        assert_eq!(g.closes[0].0, 8);
        // 2018-09-10 19:10 EDT is 23:10 UTC.
        assert_eq!(
            g.kickoff_ms,
            chrono::DateTime::parse_from_rfc3339("2018-09-10T23:10:00Z")
                .unwrap()
                .timestamp_millis()
        );
    }

    #[test]
    fn bad_cells_are_rejected_by_place_and_the_rest_stands() {
        let a = parse(
            "1,1,2018,1,N.Y. Jets,Mon 9/10,7:10 PM,48,FINAL,479,250,6.5,-110,43.5,-105,0,7,-103,44,-112,270,7,-105,44.5,-105\n\
             1,2,2018,1,Detroit,Mon 9/10,7:10 PM,17,FINAL,480,-300,-6.5,-110,43.5,-110,-340,-6,-117,44,-110,-340,-7,-115,,-115\n",
        );
        let places: Vec<String> = a
            .rejected
            .iter()
            .map(|r| format!("{}: {}", r.place, r.reason))
            .collect();
        assert!(
            places
                .iter()
                .any(|p| p.contains("line 2, column 8_moneyline")),
            "{places:?}"
        );
        assert!(
            places.iter().any(|p| p.contains("is not the home spread")),
            "{places:?}"
        );
        assert!(
            places
                .iter()
                .any(|p| p.contains("9_total") && p.contains("blank")),
            "{places:?}"
        );
        let g = &a.games[0];
        let b8 = &g.closes.iter().find(|(b, _)| *b == 8).unwrap().1;
        assert!(b8.moneyline.is_none() && b8.spread.is_none());
        assert!(b8.total.is_some(), "the book's other market stands");
        let b9 = &g.closes.iter().find(|(b, _)| *b == 9).unwrap().1;
        assert!(b9.moneyline.is_some() && b9.spread.is_some() && b9.total.is_none());
    }

    #[test]
    fn a_lone_row_and_an_unknown_team_are_rejected_not_loaded() {
        let a = parse(
            "1,1,2018,1,N.Y. Jets,Mon 9/10,7:10 PM,48,FINAL,479,250,6.5,-110,43.5,-105,,,,,,,,,,\n\
             2,1,2018,1,Gotham,Sun 9/9,1:00 PM,1,FINAL,481,250,6.5,-110,43.5,-105,,,,,,,,,,\n\
             2,2,2018,1,Detroit,Sun 9/9,1:00 PM,2,FINAL,482,-300,-6.5,-110,43.5,-110,,,,,,,,,,\n",
        );
        assert!(a.games.is_empty());
        assert_eq!(a.rejected.len(), 2, "{:?}", a.rejected);
        assert!(a.rejected[0].reason.contains("1 rows"));
        assert!(a.rejected[1].reason.contains("Gotham"));
    }

    #[test]
    fn a_file_without_the_opener_columns_is_an_error() {
        let mut out = Archive::default();
        let err = parse_week(
            "2018/week_1.csv",
            2018,
            1,
            b"game_id,season,week,team,date,time,score,rotation\n",
            &Teams::embedded(),
            &mut out,
        )
        .unwrap_err();
        assert!(err.to_string().contains("opening_moneyline"), "{err}");
    }

    #[test]
    fn the_site_team_names_map_to_franchises() {
        let t = Teams::embedded();
        for (name, code) in [
            ("N.Y. Jets", "NYJ"),
            ("N.Y. Giants", "NYG"),
            ("L.A. Rams", "LA"),
            ("L.A. Chargers", "LAC"),
            ("Oakland", "LV"),
            ("Las Vegas", "LV"),
            ("Washington", "WAS"),
        ] {
            assert_eq!(t.code(name), Some(code), "{name}");
        }
    }
}
