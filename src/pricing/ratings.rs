//! FiveThirtyEight-style NFL Elo (`nfl-elo-game/forecast.py`): logistic win probability with a
//! home-field bonus, a margin-of-victory multiplier damped by the pre-game favourite's edge (so
//! blowouts by favourites teach less), and a pull toward the league mean between seasons.

use super::games::GameRecord;
use crate::config::schema::RatingsConfig;
use std::collections::BTreeMap;

/// League mean rating; 538 reverts toward 1505 rather than 1500.
pub const MEAN_ELO: f64 = 1505.0;
/// Franchises that appear after the first season of history start here (538's expansion rating).
pub const EXPANSION_ELO: f64 = 1300.0;
/// 538: "divide ELODIFF by 25" to get a point spread.
pub const ELO_PER_POINT: f64 = 25.0;

/// Relocated franchises keep their rating under the current code.
pub fn canonical_team(code: &str) -> &str {
    match code {
        "OAK" => "LV",
        "SD" => "LAC",
        "STL" => "LA",
        other => other,
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct EloRatings {
    ratings: BTreeMap<String, f64>,
    /// The season the ratings were last updated in; a later season reverts before predicting.
    season: Option<i32>,
    /// Teams first seen in this season are original franchises, later ones are expansions.
    first_season: Option<i32>,
    k: f64,
    hfa: f64,
    revert: f64,
    mov: bool,
}

impl EloRatings {
    pub fn new(cfg: &RatingsConfig) -> Self {
        EloRatings {
            ratings: BTreeMap::new(),
            season: None,
            first_season: None,
            k: cfg.k_factor,
            hfa: cfg.home_field_elo,
            revert: cfg.season_revert,
            mov: cfg.margin_of_victory,
        }
    }

    /// Walk forward through every played game strictly before `before` = (season, week), or
    /// all played games when `None`. Ratings therefore never see the games they will predict.
    pub fn fit(games: &[GameRecord], cfg: &RatingsConfig, before: Option<(i32, i32)>) -> Self {
        let mut elo = EloRatings::new(cfg);
        for g in chronological(games) {
            if let Some(b) = before {
                if (g.season, g.week) >= b {
                    continue;
                }
            }
            elo.update(g);
        }
        if let Some((season, _)) = before {
            elo.advance_to(season);
        }
        elo
    }

    /// The pre-game Elo difference (home minus away, with home field) of every game in `games`,
    /// in the given order, each from ratings fitted on earlier games only.
    pub fn walk_forward_diffs(games: &[GameRecord], cfg: &RatingsConfig) -> Vec<f64> {
        let mut elo = EloRatings::new(cfg);
        let mut out = vec![0.5; games.len()];
        let mut order: Vec<usize> = (0..games.len()).collect();
        order.sort_by(|&a, &b| chrono_key(&games[a]).cmp(&chrono_key(&games[b])));
        for i in order {
            let g = &games[i];
            elo.advance_to(g.season);
            out[i] = elo.elo_diff(&g.home_team, &g.away_team, g.neutral);
            elo.update(g);
        }
        out
    }

    /// Applies the between-season reversion once when `season` is newer than the last update.
    pub fn advance_to(&mut self, season: i32) {
        if self.season.is_some_and(|s| season > s) {
            for r in self.ratings.values_mut() {
                *r = MEAN_ELO * self.revert + *r * (1.0 - self.revert);
            }
        }
        if self.season.is_none_or(|s| season > s) {
            self.season = Some(season);
        }
    }

    /// One played game; unplayed games are ignored.
    pub fn update(&mut self, g: &GameRecord) {
        let Some(margin) = g.margin() else { return };
        self.advance_to(g.season);
        let first = *self.first_season.get_or_insert(g.season);
        let start = if g.season == first {
            MEAN_ELO
        } else {
            EXPANSION_ELO
        };
        let home = canonical_team(&g.home_team).to_string();
        let away = canonical_team(&g.away_team).to_string();
        self.ratings.entry(home.clone()).or_insert(start);
        self.ratings.entry(away.clone()).or_insert(start);
        let diff = self.elo_diff(&home, &away, g.neutral);
        let p_home = logistic(diff);
        let result = match margin.cmp(&0) {
            std::cmp::Ordering::Greater => 1.0,
            std::cmp::Ordering::Less => 0.0,
            std::cmp::Ordering::Equal => 0.5,
        };
        let mult = if self.mov {
            let winner_diff = if result == 1.0 {
                diff
            } else if result == 0.0 {
                -diff
            } else {
                0.0
            };
            let damp = if result == 0.5 {
                1.0
            } else {
                winner_diff * 0.001 + 2.2
            };
            ((margin.abs().max(1) as f64) + 1.0).ln() * 2.2 / damp
        } else {
            1.0
        };
        let shift = self.k * mult * (result - p_home);
        if let Some(r) = self.ratings.get_mut(&home) {
            *r += shift;
        }
        if let Some(r) = self.ratings.get_mut(&away) {
            *r -= shift;
        }
    }

    pub fn rating(&self, team: &str) -> Option<f64> {
        self.ratings.get(canonical_team(team)).copied()
    }

    pub fn knows(&self, team: &str) -> bool {
        self.ratings.contains_key(canonical_team(team))
    }

    /// Home minus away rating plus home field (none at neutral sites). Unknown teams rate as
    /// league average.
    pub fn elo_diff(&self, home: &str, away: &str, neutral: bool) -> f64 {
        let h = self.rating(home).unwrap_or(MEAN_ELO);
        let a = self.rating(away).unwrap_or(MEAN_ELO);
        h - a + if neutral { 0.0 } else { self.hfa }
    }

    pub fn home_win_prob(&self, home: &str, away: &str, neutral: bool) -> f64 {
        logistic(self.elo_diff(home, away, neutral))
    }

    /// Expected home margin in points (home-favoured positive).
    pub fn spread(&self, home: &str, away: &str, neutral: bool) -> f64 {
        self.elo_diff(home, away, neutral) / ELO_PER_POINT
    }

    pub fn home_field_points(&self) -> f64 {
        self.hfa / ELO_PER_POINT
    }

    pub fn teams(&self) -> impl Iterator<Item = (&str, f64)> {
        self.ratings.iter().map(|(k, v)| (k.as_str(), *v))
    }
}

pub fn logistic(elo_diff: f64) -> f64 {
    1.0 / (10f64.powf(-elo_diff / 400.0) + 1.0)
}

fn chrono_key(g: &GameRecord) -> (i32, i32, &str, &str) {
    (g.season, g.week, g.gameday.as_str(), g.game_id.as_str())
}

fn chronological(games: &[GameRecord]) -> Vec<&GameRecord> {
    let mut v: Vec<&GameRecord> = games.iter().collect();
    v.sort_by(|a, b| chrono_key(a).cmp(&chrono_key(b)));
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pricing::games::load_games;

    fn game(season: i32, week: i32, home: &str, away: &str, hs: i32, as_: i32) -> GameRecord {
        GameRecord {
            game_id: format!("{season}_{week:02}_{away}_{home}"),
            season,
            game_type: "REG".into(),
            week,
            gameday: format!("{season}-09-{:02}", week),
            home_team: home.into(),
            away_team: away.into(),
            home_score: Some(hs),
            away_score: Some(as_),
            spread_line: None,
            total_line: None,
            home_moneyline: None,
            away_moneyline: None,
            neutral: false,
            overtime: false,
        }
    }

    fn cfg538() -> RatingsConfig {
        RatingsConfig {
            home_field_elo: 65.0,
            ..RatingsConfig::default()
        }
    }

    #[test]
    fn one_update_matches_forecast_py() {
        // Equal teams, HFA 65, home wins by 7: p = 0.59262, mult = ln 8 * 2.2 / 2.265.
        let e = EloRatings::fit(&[game(2000, 1, "A", "B", 24, 17)], &cfg538(), None);
        let p = logistic(65.0);
        let shift = 20.0 * (8f64.ln() * 2.2 / (0.065 + 2.2)) * (1.0 - p);
        assert!((e.rating("A").unwrap() - (1505.0 + shift)).abs() < 1e-9);
        assert!((e.rating("B").unwrap() - (1505.0 - shift)).abs() < 1e-9);
        assert!((shift - 16.4625).abs() < 1e-3, "{shift}");
    }

    #[test]
    fn seasons_revert_and_relocations_carry() {
        let games = [
            game(2000, 1, "OAK", "B", 30, 0),
            game(2001, 1, "LV", "B", 0, 0),
        ];
        let before = EloRatings::fit(&games[..1], &cfg538(), None);
        let r0 = before.rating("LV").unwrap();
        assert_eq!(
            before.rating("OAK"),
            Some(r0),
            "OAK and LV are one franchise"
        );
        let next = EloRatings::fit(&games[..1], &cfg538(), Some((2001, 1)));
        let want = 1505.0 / 3.0 + r0 * 2.0 / 3.0;
        assert!((next.rating("LV").unwrap() - want).abs() < 1e-9);
        // A team first seen after the first season is an expansion franchise.
        let exp = EloRatings::fit(
            &[games[0].clone(), game(2002, 1, "HOU", "B", 0, 0)],
            &cfg538(),
            None,
        );
        assert!(exp.rating("HOU").unwrap() < 1400.0);
    }

    #[test]
    fn spread_and_probability_agree_in_direction() {
        let e = EloRatings::fit(
            &[game(2000, 1, "A", "B", 35, 0)],
            &RatingsConfig::default(),
            None,
        );
        assert!(e.spread("A", "B", false) > e.spread("A", "B", true));
        assert!(
            e.home_win_prob("A", "B", false) > 0.5
                && e.home_win_prob("B", "A", false) < 0.5 + 1e-12
        );
        assert!((e.spread("X", "Y", false) - 48.0 / 25.0).abs() < 1e-12);
    }

    #[test]
    fn walk_forward_brier_is_in_the_538_range() {
        let g = load_games(concat!(env!("CARGO_MANIFEST_DIR"), "/data/games.csv")).unwrap();
        let diffs = EloRatings::walk_forward_diffs(&g, &cfg538());
        let (mut n, mut sum) = (0.0, 0.0);
        for (rec, d) in g.iter().zip(&diffs) {
            if (2002..=2020).contains(&rec.season) {
                if let Some(m) = rec.margin().filter(|m| *m != 0) {
                    let y = if m > 0 { 1.0 } else { 0.0 };
                    sum += (logistic(*d) - y).powi(2);
                    n += 1.0;
                }
            }
        }
        let brier = sum / n;
        println!("walk-forward Elo Brier 2002-2020: {brier:.4} over {n} games");
        assert!((0.212..0.226).contains(&brier), "{brier}");
    }
}
