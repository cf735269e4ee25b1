//! Futures edges: each outright price against the season simulation's probability, with the
//! market's own de-vigged view beside it.
//!
//! De-vig. A winner market (Super Bowl, conference, division) has many runners and one winner;
//! the two-way methods do not apply. Shin's method does: it models the margin as the book's
//! defence against insiders, which loads more of it onto long shots, the favourite-longshot bias
//! outright books show (a 100-1 shot's implied 1% is mostly margin; a favourite's is not). A book's
//! board is de-vigged only when it prices the whole field: a partial board's implied
//! probabilities do not sum to the book's margin, so no fair price is claimed for it. Playoffs
//! yes/no and win totals over/under are two-way prices, de-vigged with `analytics.devig_method`.
//!
//! Stakes. A futures stake is tied up until the market settles (months for a Super Bowl price),
//! so the edge also reports the days to settlement and the EV per year of lock-up, and stakes use
//! `analytics.futures.kelly_fraction`, smaller than the game fraction.

use super::kelly::{expected_value, kelly};
use crate::config::schema::AnalyticsConfig;
use crate::domain::devig::{devig, DevigMethod};
use crate::domain::outright::{OutrightMarket, OutrightQuote, OutrightSide};
use crate::domain::sample::median;
use crate::pricing::games::GameRecord;
use crate::pricing::season::{SeasonForecast, TeamForecast};
use serde::Serialize;
use std::collections::BTreeMap;

/// (win, push) of a side by the simulation: win totals push when the wins land on the line.
pub fn chance(
    team: &TeamForecast,
    market: OutrightMarket,
    side: OutrightSide,
    line: Option<f64>,
) -> (f64, f64) {
    match (market, side) {
        (OutrightMarket::SuperBowl, _) => (team.p_super_bowl, 0.0),
        (OutrightMarket::Conference, _) => (team.p_conference, 0.0),
        (OutrightMarket::Division, _) => (team.p_division, 0.0),
        (OutrightMarket::Playoffs, OutrightSide::No) => (1.0 - team.p_playoffs, 0.0),
        (OutrightMarket::Playoffs, _) => (team.p_playoffs, 0.0),
        (OutrightMarket::WinTotal, side) => {
            // A quote without a line never reaches here (the parsers refuse it); NaN prices it
            // at nothing rather than at a made-up line.
            let (over, push, under) = team.p_over(line.unwrap_or(f64::NAN));
            if side == OutrightSide::Under {
                (under, push)
            } else {
                (over, push)
            }
        }
    }
}

/// The field a winner market is run over: the league, the conference or the division.
fn field(team: &TeamForecast, market: OutrightMarket) -> Option<&str> {
    match market {
        OutrightMarket::SuperBowl => Some("NFL"),
        OutrightMarket::Conference => Some(&team.conference),
        OutrightMarket::Division => Some(&team.division),
        _ => None,
    }
}

/// When each market settles, to tell how long a stake is tied up.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settlement {
    /// The last regular-season game: divisions, playoff spots and win totals.
    pub regular_season_end_ms: i64,
    /// The Super Bowl: conference and Super Bowl winners.
    pub super_bowl_ms: i64,
}

impl Settlement {
    /// From the schedule: the last regular-season game day and the Super Bowl's, at the end of
    /// the day (UTC). A Super Bowl not yet scheduled is put five weeks after the last regular
    /// game, where the NFL puts it. `None` when the season has no regular-season games.
    pub fn from_games(games: &[GameRecord], season: i32) -> Option<Settlement> {
        let day_end = |d: &str| {
            chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(23, 59, 59))
                .map(|t| t.and_utc().timestamp_millis())
        };
        let last = |kind: &dyn Fn(&str) -> bool| {
            games
                .iter()
                .filter(|g| g.season == season && kind(&g.game_type))
                .filter_map(|g| day_end(&g.gameday))
                .max()
        };
        let regular = last(&|t| t == "REG")?;
        let super_bowl = last(&|t| t == "SB").unwrap_or(regular + 35 * 86_400_000);
        Some(Settlement {
            regular_season_end_ms: regular,
            super_bowl_ms: super_bowl,
        })
    }

    fn of(&self, market: OutrightMarket) -> i64 {
        match market {
            OutrightMarket::SuperBowl | OutrightMarket::Conference => self.super_bowl_ms,
            _ => self.regular_season_end_ms,
        }
    }
}

/// The rules an outright price must pass to count as an edge.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FuturesRules {
    pub min_ev: f64,
    pub kelly_fraction: f64,
    pub max_bet_fraction: f64,
    pub two_way_devig: DevigMethod,
}

/// One outright price, priced.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FutureEdge {
    pub season: i32,
    pub book: String,
    pub market: OutrightMarket,
    pub team: String,
    pub side: OutrightSide,
    pub line: Option<f64>,
    pub american: i64,
    pub decimal: f64,
    /// The simulation's probability that the side wins (and pushes, for win totals).
    pub model_prob: f64,
    pub push_prob: f64,
    /// This book's own fair probability (de-vigged); none for a partial board or a lone side.
    pub book_fair_prob: Option<f64>,
    /// The median of every book's fair probability for the same side.
    pub consensus_prob: Option<f64>,
    /// EV per unit staked at the model's probability: model_prob * decimal + push_prob - 1.
    pub ev: f64,
    /// Stake as a fraction of the bankroll (fractional Kelly, capped).
    pub stake_fraction: f64,
    pub days_to_settle: f64,
    /// EV spread over the lock-up: ev * 365 / days_to_settle.
    pub ev_per_year: f64,
    pub observed_ms: i64,
}

impl FutureEdge {
    /// Whether the price is an edge at the EV floor `min_ev` (and earns a stake): the one judge
    /// the pane, the alerts and `futures --edges` share.
    pub fn is_edge(&self, min_ev: f64) -> bool {
        self.ev >= min_ev && self.stake_fraction > 0.0
    }
}

impl FuturesRules {
    /// The rules `analytics` sets: the futures floor and Kelly fraction, the game stake cap,
    /// the two-way de-vig method.
    pub fn from_analytics(a: &AnalyticsConfig) -> FuturesRules {
        FuturesRules {
            min_ev: a.futures.min_ev,
            kelly_fraction: a.futures.kelly_fraction,
            max_bet_fraction: a.max_bet_fraction,
            two_way_devig: a.devig_method,
        }
    }
}

/// Prices `quotes` against a season forecast, as of the forecast's day (noon UTC: the lock-up
/// runs from the moment the simulation stands for), settling on the schedule in `games`.
/// `None` when `games` holds no regular season of the forecast's season.
pub fn price_forecast(
    fc: &SeasonForecast,
    games: &[GameRecord],
    quotes: &[OutrightQuote],
    rules: &FuturesRules,
) -> Option<Vec<FutureEdge>> {
    let season = i32::from(fc.season);
    let settle = Settlement::from_games(games, season)?;
    let priced_at = fc
        .as_of
        .and_hms_opt(12, 0, 0)
        .map(|t| t.and_utc().timestamp_millis())
        .unwrap_or_default();
    Some(price_outrights(
        season, &fc.teams, quotes, rules, &settle, priced_at,
    ))
}

/// Prices every quote of `season` against the simulation's teams; best EV first. Quotes of
/// other seasons or of teams the simulation does not know are left out.
pub fn price_outrights(
    season: i32,
    chances: &[TeamForecast],
    quotes: &[OutrightQuote],
    rules: &FuturesRules,
    settlement: &Settlement,
    now_ms: i64,
) -> Vec<FutureEdge> {
    let by_team: BTreeMap<&str, &TeamForecast> =
        chances.iter().map(|c| (c.team.as_str(), c)).collect();
    let quotes: Vec<&OutrightQuote> = quotes
        .iter()
        .filter(|q| q.season == season && by_team.contains_key(q.team.as_str()))
        .filter(|q| q.decimal().is_finite() && q.decimal() > 1.0)
        .collect();
    let fair = book_fair(&quotes, &by_team, chances, rules.two_way_devig);
    let mut consensus: BTreeMap<SideKey, Vec<f64>> = BTreeMap::new();
    for (i, q) in quotes.iter().enumerate() {
        if let Some(p) = fair[i] {
            consensus.entry(side_key(q)).or_default().push(p);
        }
    }
    let mut out: Vec<FutureEdge> = quotes
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let team = by_team[q.team.as_str()];
            let (win, push) = chance(team, q.market, q.side, q.line);
            let d = q.decimal();
            let ev = expected_value(win, push, d);
            let stake = (rules.kelly_fraction * kelly(win, push, d)).min(rules.max_bet_fraction);
            let days = ((settlement.of(q.market) - now_ms) as f64 / 86_400_000.0).max(1.0);
            FutureEdge {
                season: q.season,
                book: q.book.clone(),
                market: q.market,
                team: q.team.clone(),
                side: q.side,
                line: q.line,
                american: q.american,
                decimal: d,
                model_prob: win,
                push_prob: push,
                book_fair_prob: fair[i],
                consensus_prob: consensus
                    .get(&side_key(q))
                    .and_then(|v| median(&mut v.clone())),
                ev,
                stake_fraction: stake.max(0.0),
                days_to_settle: days,
                ev_per_year: ev * 365.0 / days,
                observed_ms: q.observed_ms,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.ev.total_cmp(&a.ev)
            .then_with(|| a.team.cmp(&b.team))
            .then_with(|| a.book.cmp(&b.book))
            .then_with(|| a.market.cmp(&b.market))
            .then_with(|| a.side.cmp(&b.side))
    });
    out
}

type SideKey = (OutrightMarket, String, OutrightSide, i64);

fn side_key(q: &OutrightQuote) -> SideKey {
    let line = q.line.map(|l| (l * 2.0).round() as i64).unwrap_or(i64::MIN);
    (q.market, q.team.clone(), q.side, line)
}

/// Each quote's fair probability within its own book's board (index-aligned with `quotes`).
fn book_fair(
    quotes: &[&OutrightQuote],
    by_team: &BTreeMap<&str, &TeamForecast>,
    chances: &[TeamForecast],
    two_way: DevigMethod,
) -> Vec<Option<f64>> {
    let mut fair = vec![None; quotes.len()];
    // Winner markets: the whole field of one book, or nothing.
    let mut fields: BTreeMap<(&str, OutrightMarket, &str), Vec<usize>> = BTreeMap::new();
    // Two-way markets: both sides at one book and line.
    let mut pairs: BTreeMap<(&str, OutrightMarket, &str, i64), Vec<usize>> = BTreeMap::new();
    for (i, q) in quotes.iter().enumerate() {
        let team = by_team[q.team.as_str()];
        if let Some(field) = field(team, q.market) {
            fields
                .entry((&q.book, q.market, field))
                .or_default()
                .push(i);
        } else {
            let line = q.line.map(|l| (l * 2.0).round() as i64).unwrap_or(i64::MIN);
            pairs
                .entry((&q.book, q.market, &q.team, line))
                .or_default()
                .push(i);
        }
    }
    for ((_, market, field), idx) in fields {
        let size = chances
            .iter()
            .filter(|c| self::field(c, market) == Some(field))
            .count();
        let mut teams: Vec<&str> = idx.iter().map(|&i| quotes[i].team.as_str()).collect();
        teams.sort_unstable();
        teams.dedup();
        if teams.len() != size || idx.len() != size {
            continue;
        }
        let implied: Vec<f64> = idx.iter().map(|&i| 1.0 / quotes[i].decimal()).collect();
        if let Ok(p) = devig(&implied, DevigMethod::Shin) {
            for (k, &i) in idx.iter().enumerate() {
                fair[i] = Some(p[k]);
            }
        }
    }
    for (_, idx) in pairs {
        let [a, b] = idx[..] else { continue };
        if quotes[a].side.opposite() != Some(quotes[b].side) {
            continue;
        }
        let implied = [1.0 / quotes[a].decimal(), 1.0 / quotes[b].decimal()];
        if let Ok(p) = devig(&implied, two_way) {
            fair[a] = Some(p[0]);
            fair[b] = Some(p[1]);
        }
    }
    fair
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn team(code: &str, div: &str, p: f64) -> TeamForecast {
        // Wins: 8, 9 or 10 (half-win steps 16, 18, 20) with 0.25/0.5/0.25.
        let mut wins = vec![0.0; 35];
        wins[16] = 0.25;
        wins[18] = 0.5;
        wins[20] = 0.25;
        TeamForecast {
            team: code.into(),
            conference: "AFC".into(),
            division: div.into(),
            games: 17,
            current_wins: 0.0,
            mean_wins: 9.0,
            wins,
            p_division: p,
            p_seed: vec![0.0; 7],
            p_playoffs: 0.5,
            p_conference_game: p,
            p_conference: p / 2.0,
            p_super_bowl: p / 4.0,
            p_first_pick: None,
        }
    }

    fn quote(
        book: &str,
        m: OutrightMarket,
        t: &str,
        s: OutrightSide,
        line: Option<f64>,
        a: i64,
    ) -> OutrightQuote {
        OutrightQuote {
            season: 2024,
            book: book.into(),
            market: m,
            team: t.into(),
            side: s,
            line,
            american: a,
            observed_ms: 0,
            source: "t".into(),
        }
    }

    fn rules() -> FuturesRules {
        FuturesRules {
            min_ev: 0.05,
            kelly_fraction: 0.25,
            max_bet_fraction: 0.02,
            two_way_devig: DevigMethod::Multiplicative,
        }
    }

    const SETTLE: Settlement = Settlement {
        regular_season_end_ms: 100 * 86_400_000,
        super_bowl_ms: 135 * 86_400_000,
    };

    #[test]
    fn a_whole_division_board_is_devigged_and_priced_against_the_model() {
        let chances = vec![
            team("BUF", "AFC East", 0.55),
            team("MIA", "AFC East", 0.25),
            team("NYJ", "AFC East", 0.15),
            team("NE", "AFC East", 0.05),
        ];
        let div = OutrightMarket::Division;
        let w = OutrightSide::Win;
        let qs = vec![
            quote("a", div, "BUF", w, None, -150),
            quote("a", div, "MIA", w, None, 300),
            quote("a", div, "NYJ", w, None, 600),
            quote("a", div, "NE", w, None, 2500),
            // A partial board at another book: priced, never de-vigged.
            quote("b", div, "MIA", w, None, 400),
        ];
        let edges = price_outrights(2024, &chances, &qs, &rules(), &SETTLE, 0);
        assert_eq!(edges.len(), 5);
        let mia_b = edges.iter().find(|e| e.book == "b").unwrap();
        assert_eq!(mia_b.book_fair_prob, None);
        // EV recomputable from the printed columns: 0.25 * 5.0 - 1.
        assert!((mia_b.ev - 0.25).abs() < 1e-12);
        assert!(mia_b.is_edge(rules().min_ev));
        assert!(
            edges.windows(2).all(|w| w[0].ev >= w[1].ev),
            "best EV first"
        );
        assert_eq!(
            (edges[0].team.as_str(), edges[0].book.as_str()),
            ("NE", "a")
        );
        let a_sum: f64 = edges
            .iter()
            .filter(|e| e.book == "a")
            .map(|e| e.book_fair_prob.unwrap())
            .sum();
        assert!((a_sum - 1.0).abs() < 1e-9);
        // The lock-up runs to the end of the regular season.
        assert_eq!(mia_b.days_to_settle, 100.0);
        assert!((mia_b.ev_per_year - 0.25 * 365.0 / 100.0).abs() < 1e-12);
    }

    #[test]
    fn win_totals_push_on_a_whole_line_and_pair_for_the_devig() {
        let chances = vec![team("BUF", "AFC East", 0.5)];
        let wt = OutrightMarket::WinTotal;
        let qs = vec![
            quote("a", wt, "BUF", OutrightSide::Over, Some(9.0), 100),
            quote("a", wt, "BUF", OutrightSide::Under, Some(9.0), -120),
            quote("a", wt, "BUF", OutrightSide::Over, Some(8.5), -300),
        ];
        let edges = price_outrights(2024, &chances, &qs, &rules(), &SETTLE, 0);
        let over9 = edges
            .iter()
            .find(|e| e.side == OutrightSide::Over && e.line == Some(9.0))
            .unwrap();
        assert_eq!((over9.model_prob, over9.push_prob), (0.25, 0.5));
        assert!((over9.ev - (0.25 * 2.0 + 0.5 - 1.0)).abs() < 1e-12);
        assert!(over9.book_fair_prob.is_some());
        let over85 = edges.iter().find(|e| e.line == Some(8.5)).unwrap();
        assert_eq!(over85.model_prob, 0.75);
        assert_eq!(over85.book_fair_prob, None);
    }

    #[test]
    fn other_seasons_and_unknown_teams_are_left_out() {
        let chances = vec![team("BUF", "AFC East", 0.5)];
        let mut old = quote(
            "a",
            OutrightMarket::Playoffs,
            "BUF",
            OutrightSide::Yes,
            None,
            -200,
        );
        old.season = 2023;
        let ghost = quote(
            "a",
            OutrightMarket::Playoffs,
            "XXX",
            OutrightSide::Yes,
            None,
            -200,
        );
        assert!(price_outrights(2024, &chances, &[old, ghost], &rules(), &SETTLE, 0).is_empty());
    }

    proptest! {
        #[test]
        fn ev_and_stakes_stay_sane(p in 0.0f64..1.0, american in prop_oneof![-5000i64..-100, 100i64..50_000]) {
            let mut t = team("BUF", "AFC East", 0.5);
            t.p_super_bowl = p;
            let q = quote("a", OutrightMarket::SuperBowl, "BUF", OutrightSide::Win, None, american);
            let e = &price_outrights(2024, &[t], &[q], &rules(), &SETTLE, 0)[0];
            prop_assert!((e.ev - (p * e.decimal - 1.0)).abs() < 1e-9);
            prop_assert!(e.stake_fraction >= 0.0 && e.stake_fraction <= rules().max_bet_fraction);
            prop_assert!(e.ev < 0.0 || e.stake_fraction > 0.0 || p == 0.0 || e.ev == 0.0);
        }
    }
}
