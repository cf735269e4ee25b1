//! Grading a bet from a final score, or for halves and quarters from the game's period scores:
//! won, lost or push, and its P&L at the bet's price. Pure; a period bet on a game with no
//! period scores is left ungraded with that reason.

use crate::domain::{MarketKind, PeriodLine, Scope, Selection};

#[derive(Debug, Clone, PartialEq)]
pub enum Grade {
    Won,
    Lost,
    Push,
    /// Cannot be graded from a final score; the reason says why.
    Ungraded(String),
}

impl Grade {
    pub fn status(&self) -> &'static str {
        match self {
            Grade::Won => "won",
            Grade::Lost => "lost",
            Grade::Push => "push",
            Grade::Ungraded(_) => "ungraded",
        }
    }

    /// Profit at `decimal` for `stake`: a win pays stake x (decimal - 1), a loss costs the
    /// stake, a push returns it; `None` when ungraded.
    pub fn pnl(&self, decimal: f64, stake: f64) -> Option<f64> {
        match self {
            Grade::Won => Some(stake * (decimal - 1.0)),
            Grade::Lost => Some(-stake),
            Grade::Push => Some(0.0),
            Grade::Ungraded(_) => None,
        }
    }
}

fn by_sign(x: f64) -> Grade {
    if x > 0.0 {
        Grade::Won
    } else if x < 0.0 {
        Grade::Lost
    } else {
        Grade::Push
    }
}

/// What a game's bets are graded on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GameScores<'a> {
    /// Final (home, away) score, overtime included.
    pub final_score: (i32, i32),
    /// Quarter and overtime points, when the period-scores file has the game.
    pub periods: Option<&'a PeriodLine>,
    /// Whether second-half bets count overtime (`analytics.periods.second_half_overtime`).
    pub second_half_overtime: bool,
}

/// Grades a bet (market, scope, selection and line as stored) on the final `home`-`away` score;
/// halves and quarters are ungraded (no period scores).
pub fn grade(
    market: &str,
    scope: &str,
    selection: &str,
    line: Option<f64>,
    home: i32,
    away: i32,
) -> Grade {
    grade_on(
        market,
        scope,
        selection,
        line,
        &GameScores {
            final_score: (home, away),
            periods: None,
            second_half_overtime: true,
        },
    )
}

/// Grades a bet on the score of its scope: the final for the game, the sum of the period
/// scores for a half or quarter.
pub fn grade_on(
    market: &str,
    scope: &str,
    selection: &str,
    line: Option<f64>,
    scores: &GameScores<'_>,
) -> Grade {
    let (Ok(m), Ok(sc), Ok(sel)) = (
        market.parse::<MarketKind>(),
        scope.parse::<Scope>(),
        selection.parse::<Selection>(),
    ) else {
        return Grade::Ungraded(format!("unknown market {market} {scope} {selection}"));
    };
    let (home, away) = match (sc, scores.periods) {
        (Scope::Game, _) => scores.final_score,
        (_, Some(p)) => p.score(sc, scores.second_half_overtime),
        (_, None) => {
            return Grade::Ungraded(format!(
                "{} needs period scores; periods.csv has no row for this game",
                sc.as_str()
            ))
        }
    };
    let (h, a) = (f64::from(home), f64::from(away));
    let need_line = || line.ok_or_else(|| Grade::Ungraded("no line stored".into()));
    let g = match (m, sel) {
        (MarketKind::Moneyline, Selection::Home) => by_sign(h - a),
        (MarketKind::Moneyline, Selection::Away) => by_sign(a - h),
        (MarketKind::Moneyline3Way, Selection::Home) => win_if(h > a),
        (MarketKind::Moneyline3Way, Selection::Away) => win_if(a > h),
        (MarketKind::Moneyline3Way, Selection::Tie) => win_if(h == a),
        (MarketKind::Spread | MarketKind::SpreadAlt, Selection::Home) => match need_line() {
            Ok(l) => by_sign(h - a + l),
            Err(g) => g,
        },
        (MarketKind::Spread | MarketKind::SpreadAlt, Selection::Away) => match need_line() {
            Ok(l) => by_sign(a - h + l),
            Err(g) => g,
        },
        (MarketKind::Total | MarketKind::TotalAlt, Selection::Over) => match need_line() {
            Ok(l) => by_sign(h + a - l),
            Err(g) => g,
        },
        (MarketKind::Total | MarketKind::TotalAlt, Selection::Under) => match need_line() {
            Ok(l) => by_sign(l - h - a),
            Err(g) => g,
        },
        (MarketKind::TeamTotal, s) => match need_line() {
            Ok(l) => match s {
                Selection::HomeOver => by_sign(h - l),
                Selection::HomeUnder => by_sign(l - h),
                Selection::AwayOver => by_sign(a - l),
                Selection::AwayUnder => by_sign(l - a),
                _ => Grade::Ungraded(format!("team_total has no selection {selection}")),
            },
            Err(g) => g,
        },
        _ => Grade::Ungraded(format!("{market} has no selection {selection}")),
    };
    g
}

fn win_if(c: bool) -> Grade {
    if c {
        Grade::Won
    } else {
        Grade::Lost
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_market_on_known_scores() {
        // KC 27 - 24 BUF (home KC).
        let g = |m: &str, s: &str, l: Option<f64>| grade(m, "game", s, l, 27, 24);
        assert_eq!(g("moneyline", "home", None), Grade::Won);
        assert_eq!(g("moneyline", "away", None), Grade::Lost);
        assert_eq!(g("moneyline_3way", "tie", None), Grade::Lost);
        // A push on a whole-number spread: home -3 on a 3-point win.
        assert_eq!(g("spread", "home", Some(-3.0)), Grade::Push);
        assert_eq!(g("spread", "away", Some(3.0)), Grade::Push);
        assert_eq!(g("spread", "home", Some(-2.5)), Grade::Won);
        assert_eq!(g("spread_alt", "away", Some(3.5)), Grade::Won);
        assert_eq!(g("total", "over", Some(51.0)), Grade::Push);
        assert_eq!(g("total", "under", Some(51.5)), Grade::Won);
        assert_eq!(g("total_alt", "over", Some(50.5)), Grade::Won);
        assert_eq!(g("team_total", "away_over", Some(24.5)), Grade::Lost);
        assert_eq!(g("team_total", "home_under", Some(27.5)), Grade::Won);
        // A tie: the two-way moneyline is refunded, the three-way tie wins.
        assert_eq!(
            grade("moneyline", "game", "home", None, 20, 20),
            Grade::Push
        );
        assert_eq!(
            grade("moneyline_3way", "game", "tie", None, 20, 20),
            Grade::Won
        );
        assert!(matches!(
            grade("spread", "1h", "home", Some(-0.5), 27, 24),
            Grade::Ungraded(_)
        ));
        assert!(matches!(g("spread", "home", None), Grade::Ungraded(_)));
    }

    #[test]
    fn halves_and_quarters_from_period_scores() {
        // 2025_12_IND_KC: KC (home) 0 9 0 11, 3 in overtime; IND 7 7 6 0.
        let p = PeriodLine {
            home: [0, 9, 0, 11, 3],
            away: [7, 7, 6, 0, 0],
        };
        let on = |ot: bool| GameScores {
            final_score: (23, 20),
            periods: Some(&p),
            second_half_overtime: ot,
        };
        let g =
            |m: &str, s: &str, sel: &str, l: Option<f64>, ot: bool| grade_on(m, s, sel, l, &on(ot));
        assert_eq!(g("moneyline", "1h", "away", None, true), Grade::Won);
        assert_eq!(g("total", "2h", "over", Some(19.5), true), Grade::Won);
        assert_eq!(g("total", "2h", "over", Some(19.5), false), Grade::Lost);
        assert_eq!(g("total", "2h", "under", Some(17.0), false), Grade::Push);
        assert_eq!(g("moneyline_3way", "1q", "away", None, true), Grade::Won);
        assert_eq!(g("spread", "4q", "home", Some(-10.5), true), Grade::Won);
        assert_eq!(
            g("team_total", "3q", "home_under", Some(0.5), true),
            Grade::Won
        );
        assert_eq!(g("moneyline", "game", "home", None, false), Grade::Won);
        let none = GameScores {
            periods: None,
            ..on(true)
        };
        match grade_on("total", "2q", "over", Some(13.5), &none) {
            Grade::Ungraded(why) => assert!(why.contains("period scores"), "{why}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn pnl_at_the_price() {
        assert_eq!(Grade::Won.pnl(1.5, 100.0), Some(50.0));
        assert_eq!(Grade::Lost.pnl(1.5, 100.0), Some(-100.0));
        assert_eq!(Grade::Push.pnl(1.5, 100.0), Some(0.0));
        assert_eq!(Grade::Ungraded("x".into()).pnl(1.5, 100.0), None);
    }
}
