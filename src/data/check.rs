//! Is a downloaded schedule fit to replace the one on disk? First on its own (text, not an HTML
//! page, complete, the columns `load_games` needs with the right types, values the model can
//! use), then against the old file (no season going backwards, no played game losing its score,
//! no block of games vanishing). Then what changed, for the operator.

use super::DataError;
use crate::pricing::games::{read_games, GameRecord};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// Every team code nflverse uses, the relocated franchises' old codes included (its schedule
/// keeps OAK, SD and STL for their seasons). A code outside this list is a different file or a
/// franchise move this release does not know yet; either way the ratings would mis-key it.
pub const TEAM_CODES: [&str; 35] = [
    "ARI", "ATL", "BAL", "BUF", "CAR", "CHI", "CIN", "CLE", "DAL", "DEN", "DET", "GB", "HOU",
    "IND", "JAX", "KC", "LA", "LAC", "LV", "MIA", "MIN", "NE", "NO", "NYG", "NYJ", "OAK", "PHI",
    "PIT", "SD", "SEA", "SF", "STL", "TB", "TEN", "WAS",
];

pub const GAME_TYPES: [&str; 5] = ["REG", "WC", "DIV", "CON", "SB"];

/// Unplayed games may leave the schedule when the league moves them (a new week, a new
/// `game_id`); this many at once is no reschedule but a download cut at a line boundary.
pub const MAX_DROPPED_UNPLAYED: usize = 16;

/// Closing lines the model can learn from: the widest NFL spread on record is 27 points and
/// totals have stayed within 28-64; these bounds leave room for any real game and none for a
/// typo or a sentinel value.
pub const MAX_ABS_SPREAD: f64 = 60.0;
pub const TOTAL_RANGE: (f64, f64) = (10.0, 120.0);
/// American moneylines: at least 100 either way (nothing between -100 and +100 exists), at
/// most this long.
pub const MAX_ABS_MONEYLINE: i64 = 100_000;

/// Examples shown per kind of change.
pub const EXAMPLES: usize = 5;

/// The bytes as a schedule, or the first reason they are not one. `url` names the download in
/// every message.
pub fn validate(
    url: &str,
    body: &[u8],
    content_type: Option<&str>,
) -> Result<Vec<GameRecord>, DataError> {
    let start = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(body.len());
    let head = body[start..]
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(&body[start..]);
    if head.is_empty() {
        return Err(DataError::Empty {
            url: url.to_string(),
        });
    }
    let html_type = content_type.is_some_and(|t| t.to_ascii_lowercase().contains("text/html"));
    if html_type || head.first() == Some(&b'<') {
        let hint = String::from_utf8_lossy(&head[..head.len().min(400)]);
        let title = hint
            .to_ascii_lowercase()
            .find("<title>")
            .and_then(|i| {
                let rest = &hint[i + 7..];
                rest.find('<').map(|j| rest[..j].trim().to_string())
            })
            .unwrap_or_default();
        return Err(DataError::Html {
            url: url.to_string(),
            hint: if title.is_empty() {
                String::new()
            } else {
                format!("title {title:?}")
            },
        });
    }
    if let Err(e) = std::str::from_utf8(body) {
        return Err(DataError::NotText {
            url: url.to_string(),
            offset: e.valid_up_to(),
        });
    }
    // nflverse writes a line ending after every row; a body without one stopped mid-row.
    if !body.ends_with(b"\n") {
        let last = body.rsplit(|b| *b == b'\n').next().unwrap_or_default();
        return Err(DataError::Truncated {
            url: url.to_string(),
            why: format!(
                "the last line has no line ending (it ends {:?})",
                tail_text(last)
            ),
        });
    }
    let games = read_games(body, Path::new(url))?;
    if games.is_empty() {
        return Err(DataError::Invalid {
            url: url.to_string(),
            line: 2,
            message: "the header is there but no game follows".into(),
        });
    }
    let pfr_ids = pfr_column(body);
    let mut seen_pfr: HashMap<&str, (u64, &str)> = HashMap::new();
    // A season past next year's is a typo or a test row: once in, it would make every real
    // update look like the season going backwards.
    let latest_season = chrono::Datelike::year(&chrono::Utc::now()) + 1;
    let mut seen: HashMap<&str, u64> = HashMap::new();
    for (i, g) in games.iter().enumerate() {
        // nflverse fields hold no line breaks, so row i is line i + 2 (after the header).
        let line = i as u64 + 2;
        let bad = |message: String| DataError::Invalid {
            url: url.to_string(),
            line,
            message: format!("{}: {message}", g.game_id),
        };
        if let Some(first) = seen.insert(g.game_id.as_str(), line) {
            return Err(bad(format!("game_id repeats the one on line {first}")));
        }
        if !(1920..=2100).contains(&g.season) {
            return Err(bad(format!(
                "season {} is not a year from 1920 to 2100",
                g.season
            )));
        }
        if !GAME_TYPES.contains(&g.game_type.as_str()) {
            return Err(bad(format!(
                "game_type {:?}, expected one of {}",
                g.game_type,
                GAME_TYPES.join(", ")
            )));
        }
        if !(1..=25).contains(&g.week) {
            return Err(bad(format!("week {} is not from 1 to 25", g.week)));
        }
        let Ok(day) = chrono::NaiveDate::parse_from_str(&g.gameday, "%Y-%m-%d") else {
            return Err(bad(format!("gameday {:?}, expected YYYY-MM-DD", g.gameday)));
        };
        if g.season > latest_season {
            return Err(bad(format!(
                "season {} is after {latest_season}: no such schedule exists yet",
                g.season
            )));
        }
        let year = chrono::Datelike::year(&day);
        if year != g.season && year != g.season + 1 {
            return Err(bad(format!(
                "gameday {} is not in season {} (its year must be {} or {})",
                g.gameday,
                g.season,
                g.season,
                g.season + 1
            )));
        }
        for (side, team) in [("home_team", &g.home_team), ("away_team", &g.away_team)] {
            if !TEAM_CODES.contains(&team.as_str()) {
                return Err(bad(format!(
                    "{side} {team:?} is no nflverse team code (expected one of {})",
                    TEAM_CODES.join(" ")
                )));
            }
        }
        if g.home_team == g.away_team {
            return Err(bad(format!("{} plays itself", g.home_team)));
        }
        let expected_id = format!("{}_{:02}_{}_{}", g.season, g.week, g.away_team, g.home_team);
        if g.game_id != expected_id {
            return Err(bad(format!(
                "game_id does not match its season {}, week {} and teams {} @ {} (expected {expected_id})",
                g.season, g.week, g.away_team, g.home_team
            )));
        }
        if let Some(Some(pfr)) = pfr_ids.get(i) {
            if let Some((first, other)) = seen_pfr.insert(pfr.as_str(), (line, g.game_id.as_str()))
            {
                return Err(bad(format!(
                    "pfr id {pfr:?} is also {other}'s (line {first}): two games cannot be one"
                )));
            }
        }
        if let Some(s) = g.spread_line {
            if s.abs() > MAX_ABS_SPREAD {
                return Err(bad(format!(
                    "spread_line {s} is not within +/-{MAX_ABS_SPREAD}"
                )));
            }
        }
        if let Some(t) = g.total_line {
            if !(TOTAL_RANGE.0..=TOTAL_RANGE.1).contains(&t) {
                return Err(bad(format!(
                    "total_line {t} is not from {} to {}",
                    TOTAL_RANGE.0, TOTAL_RANGE.1
                )));
            }
        }
        for (side, ml) in [
            ("home_moneyline", g.home_moneyline),
            ("away_moneyline", g.away_moneyline),
        ] {
            if let Some(m) = ml {
                if m.unsigned_abs() < 100 || m.unsigned_abs() > MAX_ABS_MONEYLINE as u64 {
                    return Err(bad(format!(
                        "{side} {m} is no American price (at least 100 and at most {MAX_ABS_MONEYLINE} either way)"
                    )));
                }
            }
        }
        match (g.home_score, g.away_score) {
            (Some(_), None) | (None, Some(_)) => {
                return Err(bad("one score is set and the other blank".into()))
            }
            (Some(h), Some(a)) if !(0..=200).contains(&h) || !(0..=200).contains(&a) => {
                return Err(bad(format!("score {a}-{h} is not from 0 to 200")))
            }
            _ => {}
        }
    }
    Ok(games)
}

/// The optional `pfr` column (Pro-Football-Reference's game id), row by row; empty when the
/// file has no such column. `NA` and blanks are no id.
fn pfr_column(body: &[u8]) -> Vec<Option<String>> {
    let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(body);
    let Some(col) = rdr.headers().ok().and_then(|h| {
        h.iter()
            .position(|c| c.trim_start_matches('\u{feff}') == "pfr")
    }) else {
        return Vec::new();
    };
    rdr.records()
        .map(|r| {
            r.ok()
                .and_then(|r| r.get(col).map(|v| v.trim().to_string()))
                .filter(|v| !v.is_empty() && v != "NA")
        })
        .collect()
}

fn tail_text(last: &[u8]) -> String {
    let s = String::from_utf8_lossy(last);
    let chars: Vec<char> = s.chars().collect();
    let from = chars.len().saturating_sub(40);
    chars[from..].iter().collect()
}

/// One kind of change: how many, and the latest few in file order.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Change {
    pub count: usize,
    pub examples: Vec<String>,
}

impl Change {
    fn from_all(all: Vec<String>) -> Change {
        let count = all.len();
        let examples = all
            .into_iter()
            .skip(count.saturating_sub(EXAMPLES))
            .collect();
        Change { count, examples }
    }
}

/// What the new file adds or changes relative to the old one.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Changes {
    /// Games played in the new file and not in the old (new or newly scored).
    pub new_results: Change,
    /// Game ids the old file did not have.
    pub new_games: Change,
    /// Closing spread, total or moneyline different.
    pub changed_lines: Change,
    /// Played in both, with a different score (nflverse corrections).
    pub corrected_scores: Change,
    /// Unplayed games no longer scheduled (moved to another id).
    pub dropped_games: Change,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.new_results.count == 0
            && self.new_games.count == 0
            && self.changed_lines.count == 0
            && self.corrected_scores.count == 0
            && self.dropped_games.count == 0
    }
}

fn matchup(g: &GameRecord) -> String {
    match (g.away_score, g.home_score) {
        (Some(a), Some(h)) => format!("{} {a} @ {} {h}", g.away_team, g.home_team),
        _ => format!("{} @ {}", g.away_team, g.home_team),
    }
}

fn opt<T: std::fmt::Display>(v: &Option<T>) -> String {
    v.as_ref()
        .map_or_else(|| "blank".to_string(), |v| v.to_string())
}

/// Refuses a new file that knows less than the old one, else lists what changed. `path` is the
/// file on disk (named in the refusal).
pub fn compare(
    url: &str,
    path: &Path,
    old: &[GameRecord],
    new: &[GameRecord],
) -> Result<Changes, DataError> {
    let refuse = |message: String| DataError::Regression {
        url: url.to_string(),
        path: path.to_path_buf(),
        message,
    };
    let old_last = old.iter().map(|g| g.season).max();
    let new_last = new.iter().map(|g| g.season).max();
    if let (Some(o), Some(n)) = (old_last, new_last) {
        if n < o {
            return Err(refuse(format!(
                "the season goes backwards: the file on disk reaches {o}, the download only {n}"
            )));
        }
    }
    let by_id: HashMap<&str, &GameRecord> = new.iter().map(|g| (g.game_id.as_str(), g)).collect();
    let mut dropped = Vec::new();
    for g in old {
        match by_id.get(g.game_id.as_str()) {
            Some(n) if g.is_played() && !n.is_played() => {
                return Err(refuse(format!(
                    "a played game lost its score: {} ({} on {}) has none in the download",
                    g.game_id,
                    matchup(g),
                    g.gameday
                )))
            }
            Some(_) => {}
            None if g.is_played() => {
                return Err(refuse(format!(
                    "a played game lost its score: {} ({} on {}) is missing from the download",
                    g.game_id,
                    matchup(g),
                    g.gameday
                )))
            }
            None => dropped.push(format!("{} {} {}", g.game_id, g.gameday, matchup(g))),
        }
    }
    if dropped.len() > MAX_DROPPED_UNPLAYED {
        return Err(refuse(format!(
            "{} scheduled games of the file on disk are missing from the download (first {}): \
             a truncated or different file",
            dropped.len(),
            dropped[0]
        )));
    }
    let old_by_id: HashMap<&str, &GameRecord> =
        old.iter().map(|g| (g.game_id.as_str(), g)).collect();
    let old_ids: HashSet<&str> = old_by_id.keys().copied().collect();
    let (mut results, mut games, mut lines, mut scores) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for n in new {
        let o = old_by_id.get(n.game_id.as_str());
        if !old_ids.contains(n.game_id.as_str()) {
            games.push(format!("{} {} {}", n.game_id, n.gameday, matchup(n)));
        }
        if n.is_played() && !o.is_some_and(|o| o.is_played()) {
            results.push(format!("{} {} {}", n.game_id, n.gameday, matchup(n)));
        }
        let Some(o) = o else { continue };
        if o.is_played()
            && n.is_played()
            && (o.home_score, o.away_score) != (n.home_score, n.away_score)
        {
            scores.push(format!("{} {} -> {}", n.game_id, matchup(o), matchup(n)));
        }
        let mut diffs = Vec::new();
        if o.spread_line != n.spread_line {
            diffs.push(format!(
                "spread_line {} -> {}",
                opt(&o.spread_line),
                opt(&n.spread_line)
            ));
        }
        if o.total_line != n.total_line {
            diffs.push(format!(
                "total_line {} -> {}",
                opt(&o.total_line),
                opt(&n.total_line)
            ));
        }
        if o.home_moneyline != n.home_moneyline {
            diffs.push(format!(
                "home_moneyline {} -> {}",
                opt(&o.home_moneyline),
                opt(&n.home_moneyline)
            ));
        }
        if o.away_moneyline != n.away_moneyline {
            diffs.push(format!(
                "away_moneyline {} -> {}",
                opt(&o.away_moneyline),
                opt(&n.away_moneyline)
            ));
        }
        if !diffs.is_empty() {
            lines.push(format!("{} {}", n.game_id, diffs.join(", ")));
        }
    }
    Ok(Changes {
        new_results: Change::from_all(results),
        new_games: Change::from_all(games),
        changed_lines: Change::from_all(lines),
        corrected_scores: Change::from_all(scores),
        dropped_games: Change::from_all(dropped),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "game_id,season,game_type,week,gameday,away_team,away_score,home_team,home_score,location,result,overtime,away_moneyline,home_moneyline,spread_line,total_line\n";

    fn file(rows: &[&str]) -> Vec<u8> {
        let mut s = HEADER.to_string();
        for r in rows {
            s.push_str(r);
            s.push('\n');
        }
        s.into_bytes()
    }

    const PLAYED: &str = "2025_01_MIN_ATL,2025,REG,1,2025-09-07,MIN,17,ATL,14,Home,-3,0,,,-4,49";
    const UNPLAYED: &str = "2025_02_KC_BUF,2025,REG,2,2025-09-14,KC,,BUF,,Home,,,,,2.5,47.5";

    fn err(body: &[u8]) -> String {
        validate("u", body, None).unwrap_err().to_string()
    }

    #[test]
    fn the_shipped_file_is_valid() {
        let body = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/data/games.csv")).unwrap();
        let g = validate("games.csv", &body, Some("text/plain")).unwrap();
        assert!(g.len() > 7000);
    }

    #[test]
    fn each_bad_body_names_its_reason() {
        assert!(err(b"").contains("empty"));
        assert!(err(b"<!DOCTYPE html><title>Not Found</title>").contains("HTML page"));
        assert!(err(b"<!DOCTYPE html><title>Rate limit</title>").contains("Rate limit"));
        let mut cut = file(&[PLAYED, UNPLAYED]);
        cut.truncate(cut.len() - 10);
        assert!(err(&cut).contains("truncated"), "{}", err(&cut));
        assert!(err(b"a,b\n1,2\n").contains("missing column"));
        assert!(err(&file(&[&PLAYED.replace("MIN,17", "MNN,17")])).contains("\"MNN\""));
        assert!(err(&file(&[&PLAYED.replace(",14,", ",,")])).contains("one score"));
        assert!(err(&file(&[PLAYED, PLAYED])).contains("repeats"));
        assert!(err(&file(&[&PLAYED.replace("2025-09-07", "07/09/2025")])).contains("gameday"));
        assert!(err(&file(&[])).contains("no game"));
        assert!(err(b"\xff\xfe,x\n").contains("UTF-8"));
    }

    #[test]
    fn regressions_are_refused_and_changes_listed() {
        let old = validate("u", &file(&[PLAYED, UNPLAYED]), None).unwrap();
        let p = Path::new("games.csv");
        let lost = validate(
            "u",
            &file(&[&PLAYED.replace("17,ATL,14", ",ATL,"), UNPLAYED]),
            None,
        )
        .unwrap();
        let e = compare("u", p, &old, &lost).unwrap_err().to_string();
        assert!(
            e.contains("lost its score") && e.contains("2025_01_MIN_ATL"),
            "{e}"
        );
        let back = validate(
            "u",
            &file(&[&PLAYED
                .replace("2025_01", "2024_01")
                .replace(",2025,", ",2024,")]),
            None,
        )
        .unwrap();
        let e = compare("u", p, &old, &back).unwrap_err().to_string();
        assert!(e.contains("goes backwards"), "{e}");

        let scored = UNPLAYED
            .replace("KC,,BUF,,", "KC,20,BUF,23,")
            .replace("2.5,47.5", "3,47.5");
        let extra = "2025_03_BUF_MIA,2025,REG,3,2025-09-21,BUF,,MIA,,Home,,,,,-6,45";
        let new = validate("u", &file(&[PLAYED, &scored, extra]), None).unwrap();
        let c = compare("u", p, &old, &new).unwrap();
        assert_eq!(c.new_results.count, 1);
        assert_eq!(
            c.new_results.examples,
            ["2025_02_KC_BUF 2025-09-14 KC 20 @ BUF 23"]
        );
        assert_eq!(c.new_games.count, 1);
        assert_eq!(
            c.changed_lines.examples,
            ["2025_02_KC_BUF spread_line 2.5 -> 3"]
        );
        assert_eq!(c.corrected_scores.count, 0);
        assert!(compare("u", p, &old, &old).unwrap().is_empty());
    }
}
