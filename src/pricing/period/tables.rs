//! The measured period tables shipped in `data/periods/` (see its README): counts, parsed with
//! errors that name the file, line and column.

use thiserror::Error;

/// Most points one team scores in a quarter on the quarter grid (the tables top out at 35).
pub const QUARTER_SIDE: usize = 40;
/// Most points one team scores in a half (with overtime) on the half grid (the tables top out
/// at 45; the mass a high expectation pushes beyond 63 is far below 1e-9).
pub const HALF_SIDE: usize = 64;

#[derive(Debug, Error, PartialEq)]
#[error("{file}:{line}: {message}")]
pub struct TableError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

/// One expected-points bucket `[from, to)` of the team-quarter table; `None` is an open end.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bucket {
    pub from: Option<f64>,
    pub to: Option<f64>,
}

/// Everything the period model is fitted on.
#[derive(Debug, Clone, PartialEq)]
pub struct PeriodTables {
    /// Buckets in increasing order.
    pub buckets: Vec<Bucket>,
    /// `team_quarter[q][b][points]`: team-games of bucket `b` that scored `points` in quarter
    /// `q + 1`.
    pub team_quarter: [Vec<Vec<f64>>; 4],
    /// `quarter_joint[q][h * QUARTER_SIDE + a]`: games with that quarter's score.
    pub quarter_joint: [Vec<f64>; 4],
    /// First half, second half with overtime, second half without (`HALF_SIDE` squared).
    pub first_half: Vec<f64>,
    pub second_half_ot: Vec<f64>,
    pub second_half: Vec<f64>,
    /// Games per (home, away) expected points, each the middle of the whole point it falls in
    /// (16.75 is 16.5): the slate the tables were measured on, from the closing lines (known
    /// before kickoff).
    pub population: Vec<(f64, f64, f64)>,
}

const TEAM_QUARTER: &str = "team_quarter_points_2010_2022.csv";
const QUARTER_JOINT: &str = "quarter_scores_joint_2010_2022.csv";
const HALF_JOINT: &str = "half_scores_joint_2010_2022.csv";
const POPULATION: &str = "expected_points_2010_2022.csv";

impl PeriodTables {
    /// The tables compiled into the binary from `data/periods/`.
    pub fn shipped() -> Result<PeriodTables, TableError> {
        PeriodTables::parse(
            include_str!("../../../data/periods/team_quarter_points_2010_2022.csv"),
            include_str!("../../../data/periods/quarter_scores_joint_2010_2022.csv"),
            include_str!("../../../data/periods/half_scores_joint_2010_2022.csv"),
            include_str!("../../../data/periods/expected_points_2010_2022.csv"),
        )
    }

    pub fn parse(
        team_quarter: &str,
        quarter_joint: &str,
        half_joint: &str,
        population: &str,
    ) -> Result<PeriodTables, TableError> {
        let mut buckets: Vec<Bucket> = Vec::new();
        let mut rows = Vec::new();
        for (line, f) in records(
            TEAM_QUARTER,
            team_quarter,
            &[
                "quarter",
                "expected_game_points_from",
                "expected_game_points_to",
                "points",
                "teams",
            ],
        )? {
            let err = |column: &str, expected: &str| bad(TEAM_QUARTER, line, column, expected);
            let q = quarter(&f[0]).ok_or_else(|| err("quarter", "1, 2, 3 or 4"))?;
            let edge = |s: &str, column: &str| -> Result<Option<f64>, TableError> {
                if s.is_empty() {
                    return Ok(None);
                }
                match s.parse::<f64>() {
                    Ok(x) if x.is_finite() => Ok(Some(x)),
                    _ => Err(err(column, "a number or empty (open end)")),
                }
            };
            let b = Bucket {
                from: edge(&f[1], "expected_game_points_from")?,
                to: edge(&f[2], "expected_game_points_to")?,
            };
            let points = count(&f[3])
                .filter(|p| (*p as usize) < QUARTER_SIDE)
                .ok_or_else(|| err("points", "an integer 0..40"))?;
            let teams = count(&f[4]).ok_or_else(|| err("teams", "a count >= 0"))?;
            if !buckets.contains(&b) {
                buckets.push(b);
            }
            rows.push((q, b, points as usize, teams));
        }
        buckets.sort_by(|a, b| {
            let key = |b: &Bucket| b.from.unwrap_or(f64::NEG_INFINITY);
            key(a).total_cmp(&key(b))
        });
        if buckets.is_empty() {
            return Err(bad(TEAM_QUARTER, 1, "teams", "at least one row"));
        }
        let empty = || vec![vec![0.0; QUARTER_SIDE]; buckets.len()];
        let mut tq = [empty(), empty(), empty(), empty()];
        for (q, b, points, teams) in rows {
            let i = buckets.iter().position(|x| *x == b).unwrap_or(0);
            tq[q][i][points] += teams;
        }
        let mut qj: [Vec<f64>; 4] = std::array::from_fn(|_| vec![0.0; QUARTER_SIDE.pow(2)]);
        for (line, f) in records(
            QUARTER_JOINT,
            quarter_joint,
            &["quarter", "home_points", "away_points", "games"],
        )? {
            let err = |column: &str, expected: &str| bad(QUARTER_JOINT, line, column, expected);
            let q = quarter(&f[0]).ok_or_else(|| err("quarter", "1, 2, 3 or 4"))?;
            let cell = cell(&f[1], &f[2], QUARTER_SIDE)
                .ok_or_else(|| err("home_points/away_points", "integers 0..40"))?;
            qj[q][cell] += count(&f[3]).ok_or_else(|| err("games", "a count >= 0"))?;
        }
        let mut halves: [Vec<f64>; 3] = std::array::from_fn(|_| vec![0.0; HALF_SIDE.pow(2)]);
        for (line, f) in records(
            HALF_JOINT,
            half_joint,
            &["half", "home_points", "away_points", "games"],
        )? {
            let err = |column: &str, expected: &str| bad(HALF_JOINT, line, column, expected);
            let h = match f[0].as_str() {
                "1" => 0,
                "2+ot" => 1,
                "2" => 2,
                _ => return Err(err("half", "1, 2 or 2+ot")),
            };
            let cell = cell(&f[1], &f[2], HALF_SIDE)
                .ok_or_else(|| err("home_points/away_points", "integers 0..64"))?;
            halves[h][cell] += count(&f[3]).ok_or_else(|| err("games", "a count >= 0"))?;
        }
        let mut pop = Vec::new();
        for (line, f) in records(
            POPULATION,
            population,
            &["home_expected_points", "away_expected_points", "games"],
        )? {
            let err = |column: &str| bad(POPULATION, line, column, "a number >= 0");
            let num = |s: &str, column: &str| {
                s.parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite() && *x >= 0.0 && *x <= 200.0)
                    .ok_or_else(|| err(column))
            };
            pop.push((
                num(&f[0], "home_expected_points")?,
                num(&f[1], "away_expected_points")?,
                count(&f[2]).ok_or_else(|| err("games"))?,
            ));
        }
        let [first_half, second_half_ot, second_half] = halves;
        let tables = PeriodTables {
            buckets,
            team_quarter: tq,
            quarter_joint: qj,
            first_half,
            second_half_ot,
            second_half,
            population: pop,
        };
        for (name, t) in [
            (QUARTER_JOINT, tables.quarter_joint[0].as_slice()),
            (HALF_JOINT, tables.first_half.as_slice()),
        ] {
            if t.iter().sum::<f64>() <= 0.0 {
                return Err(bad(name, 1, "games", "at least one game"));
            }
        }
        if tables.population.iter().map(|p| p.2).sum::<f64>() <= 0.0 {
            return Err(bad(POPULATION, 1, "games", "at least one game"));
        }
        Ok(tables)
    }

    /// The tables with fold `fold` of `k` taken out (`held == false`) or alone (`held ==
    /// true`): each cell's count is split as evenly as whole games allow, the remainder going
    /// to folds chosen by the cell's index, so every game lands in exactly one fold.
    pub fn fold(&self, fold: usize, k: usize, held: bool) -> PeriodTables {
        let k = k.max(1);
        let split = |cells: &[f64], salt: usize| -> Vec<f64> {
            cells
                .iter()
                .enumerate()
                .map(|(i, &n)| {
                    let n = n.max(0.0).round() as u64;
                    let (base, rem) = (n / k as u64, n % k as u64);
                    let extra = ((i * 7919 + salt + fold) % k) < rem as usize;
                    let mine = (base + u64::from(extra)) as f64;
                    if held {
                        mine
                    } else {
                        n as f64 - mine
                    }
                })
                .collect()
        };
        let mut out = self.clone();
        for (q, buckets) in out.team_quarter.iter_mut().enumerate() {
            for (b, row) in buckets.iter_mut().enumerate() {
                *row = split(row, 31 * q + b);
            }
        }
        for (q, t) in out.quarter_joint.iter_mut().enumerate() {
            *t = split(t, 101 + q);
        }
        out.first_half = split(&out.first_half, 211);
        out.second_half_ot = split(&out.second_half_ot, 223);
        out.second_half = split(&out.second_half, 227);
        out
    }
}

type Record = (usize, Vec<String>);

/// Rows of a headed CSV whose header is exactly `columns`, with their 1-based line numbers.
fn records(file: &str, text: &str, columns: &[&str]) -> Result<Vec<Record>, TableError> {
    let mut lines = text.lines().enumerate();
    let header: Vec<&str> = lines
        .next()
        .map(|(_, h)| h.trim().split(',').collect())
        .unwrap_or_default();
    if header != columns {
        return Err(TableError {
            file: file.into(),
            line: 1,
            message: format!("header: expected {}", columns.join(",")),
        });
    }
    let mut out = Vec::new();
    for (i, l) in lines {
        if l.trim().is_empty() {
            continue;
        }
        let f: Vec<String> = l.trim().split(',').map(str::to_string).collect();
        if f.len() != columns.len() {
            return Err(TableError {
                file: file.into(),
                line: i + 1,
                message: format!("expected {} columns, found {}", columns.len(), f.len()),
            });
        }
        out.push((i + 1, f));
    }
    Ok(out)
}

fn bad(file: &str, line: usize, column: &str, expected: &str) -> TableError {
    TableError {
        file: file.into(),
        line,
        message: format!("column {column}: expected {expected}"),
    }
}

fn quarter(s: &str) -> Option<usize> {
    match s {
        "1" => Some(0),
        "2" => Some(1),
        "3" => Some(2),
        "4" => Some(3),
        _ => None,
    }
}

fn count(s: &str) -> Option<f64> {
    s.parse::<u32>().ok().map(f64::from)
}

fn cell(h: &str, a: &str, side: usize) -> Option<usize> {
    let h = h.parse::<usize>().ok().filter(|x| *x < side)?;
    let a = a.parse::<usize>().ok().filter(|x| *x < side)?;
    Some(h * side + a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_tables_parse_and_hold_every_game() {
        let t = PeriodTables::shipped().expect("shipped tables parse");
        assert_eq!(t.buckets.len(), 6);
        for q in 0..4 {
            assert_eq!(t.quarter_joint[q].iter().sum::<f64>(), 3508.0);
            let teams: f64 = t.team_quarter[q].iter().flatten().sum();
            assert_eq!(teams, 2.0 * 3508.0);
        }
        for h in [&t.first_half, &t.second_half_ot, &t.second_half] {
            assert_eq!(h.iter().sum::<f64>(), 3508.0);
        }
        assert_eq!(t.population.iter().map(|p| p.2).sum::<f64>(), 3508.0);
    }

    #[test]
    fn population_is_the_closing_lines_of_the_games_file() {
        let games = crate::pricing::load_games(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/data/games.csv"
        )))
        .expect("games.csv");
        let mut counts = std::collections::BTreeMap::new();
        for g in games.iter().filter(|g| (2010..=2022).contains(&g.season)) {
            let (Some(s), Some(t), Some(_)) = (g.spread_line, g.total_line, g.home_score) else {
                continue;
            };
            // The middle of the point the expectation falls in: bucket edges are whole points,
            // so every team stays in its bucket.
            let key = (
                ((t + s) / 2.0).floor() as i64,
                ((t - s) / 2.0).floor() as i64,
            );
            *counts.entry(key).or_insert(0.0) += 1.0;
        }
        let shipped = PeriodTables::shipped().expect("shipped").population;
        let shipped: std::collections::BTreeMap<(i64, i64), f64> = shipped
            .iter()
            .map(|(h, a, n)| ((h.floor() as i64, a.floor() as i64), *n))
            .collect();
        assert_eq!(counts, shipped);
    }

    #[test]
    fn folds_partition_every_count() {
        let t = PeriodTables::shipped().expect("shipped");
        let mut sum = vec![0.0; t.first_half.len()];
        for f in 0..5 {
            let held = t.fold(f, 5, true);
            let rest = t.fold(f, 5, false);
            for (i, (h, r)) in held.first_half.iter().zip(&rest.first_half).enumerate() {
                assert_eq!(h + r, t.first_half[i]);
                sum[i] += h;
            }
        }
        assert_eq!(sum, t.first_half);
    }

    #[test]
    fn errors_name_file_line_and_column() {
        let e = PeriodTables::parse(
            "quarter,expected_game_points_from,expected_game_points_to,points,teams\n5,,17,0,1\n",
            "quarter,home_points,away_points,games\n1,0,0,1\n",
            "half,home_points,away_points,games\n1,0,0,1\n",
            "home_expected_points,away_expected_points,games\n20,20,1\n",
        )
        .unwrap_err();
        assert_eq!(e.file, TEAM_QUARTER);
        assert_eq!(e.line, 2);
        assert!(e.message.contains("quarter"), "{e}");
        let e = PeriodTables::parse(
            "quarter,expected_game_points_from,expected_game_points_to,points,teams\n1,,17,0,1\n",
            "quarter,home_points,away_points,games\n1,0,x,1\n",
            "half,home_points,away_points,games\n1,0,0,1\n",
            "home_expected_points,away_expected_points,games\n20,20,1\n",
        )
        .unwrap_err();
        assert_eq!((e.file.as_str(), e.line), (QUARTER_JOINT, 2));
    }
}
