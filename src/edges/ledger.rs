//! What makes a bet recordable: a known market, scope and selection, a line where the market
//! has one, a price a book could quote, a positive stake. Pure: the store checks the event.

use crate::domain::odds::Odds;
use crate::domain::{MarketKind, Scope, Selection};
use crate::store::bets::NewBet;
use thiserror::Error;

/// A bet as a person or a script types it.
#[derive(Debug, Clone, Default)]
pub struct BetRequest {
    pub event_id: String,
    pub market: String,
    pub scope: Option<String>,
    pub selection: String,
    pub line: Option<f64>,
    pub book: String,
    /// American (`-110`), decimal (`1.91`) or fractional (`10/11`).
    pub price: String,
    pub stake: f64,
    pub paper: bool,
    pub note: Option<String>,
}

#[derive(Debug, Error, PartialEq)]
pub enum LedgerError {
    #[error("{field}: {problem}")]
    Invalid {
        field: &'static str,
        problem: String,
    },
}

fn invalid(field: &'static str, problem: impl Into<String>) -> LedgerError {
    LedgerError::Invalid {
        field,
        problem: problem.into(),
    }
}

/// The largest stake accepted in one bet: beyond it a typo is likelier than a wager.
pub const MAX_STAKE: f64 = 1e9;

/// Checks a request and turns it into the row to store, placed at `now_ms`.
pub fn validate(req: &BetRequest, now_ms: i64) -> Result<NewBet, LedgerError> {
    let event_id = req.event_id.trim();
    if event_id.is_empty() {
        return Err(invalid(
            "event",
            "expected an event id such as 2025_12_BUF_HOU",
        ));
    }
    let market: MarketKind = req.market.trim().parse().map_err(|_| {
        invalid(
            "market",
            format!(
                "expected moneyline, moneyline_3way, spread, total, team_total, spread_alt or total_alt, got `{}`",
                req.market.trim()
            ),
        )
    })?;
    let scope: Scope = match req.scope.as_deref().map(str::trim) {
        None | Some("") => Scope::Game,
        Some(s) => s.parse().map_err(|_| {
            invalid(
                "scope",
                format!("expected game, 1h, 2h, 1q, 2q, 3q or 4q, got `{s}`"),
            )
        })?,
    };
    let selection: Selection = req.selection.trim().parse().map_err(|_| {
        invalid(
            "selection",
            format!(
                "expected home, away, tie, over, under or a team total side, got `{}`",
                req.selection.trim()
            ),
        )
    })?;
    if !crate::domain::market::selection_fits(market, selection) {
        return Err(invalid(
            "selection",
            format!(
                "a {} market has no `{}` side",
                market.as_str(),
                selection.as_str()
            ),
        ));
    }
    let line = match (market.has_line(), req.line) {
        (true, None) => {
            return Err(invalid(
                "line",
                format!(
                    "a {} bet needs its line (e.g. --line -3.5)",
                    market.as_str()
                ),
            ))
        }
        (true, Some(l)) if !l.is_finite() || l.abs() > 500.0 => {
            return Err(invalid(
                "line",
                format!("expected a line between -500 and 500, got {l}"),
            ))
        }
        (true, Some(l)) if (l * 2.0).fract() != 0.0 => {
            return Err(invalid(
                "line",
                format!("expected a whole or half point, got {l}"),
            ))
        }
        (false, Some(_)) => {
            return Err(invalid(
                "line",
                format!("a {} bet has no line", market.as_str()),
            ))
        }
        // The file source's range rules: a spread within +/-100, a total above 0.
        (_, l) => {
            crate::domain::market::check_line(market, l).map_err(|why| invalid("line", why))?
        }
    };
    let book = req.book.trim();
    if book.is_empty() {
        return Err(invalid("book", "expected the book's name, e.g. pinnacle"));
    }
    let odds = Odds::parse(&req.price).map_err(|e| invalid("price", e.to_string()))?;
    if odds.american().unsigned_abs() > crate::domain::odds::MAX_AMERICAN as u64 {
        return Err(invalid(
            "price",
            format!(
                "{} is beyond +/-{} American, no book's price",
                req.price.trim(),
                crate::domain::odds::MAX_AMERICAN
            ),
        ));
    }
    if !(req.stake.is_finite() && req.stake > 0.0 && req.stake <= MAX_STAKE) {
        return Err(invalid(
            "stake",
            format!(
                "expected a positive amount up to {MAX_STAKE:e}, got {}",
                req.stake
            ),
        ));
    }
    Ok(NewBet {
        paper: req.paper,
        event_id: event_id.to_string(),
        market: market.as_str().to_string(),
        scope: scope.as_str().to_string(),
        selection: selection.as_str().to_string(),
        line,
        book: book.to_string(),
        decimal: odds.decimal(),
        stake: req.stake,
        placed_ms: now_ms,
        fair_prob: None,
        ev: None,
        model_prob: None,
        consensus_prob: None,
        note: req.note.clone().filter(|n| !n.trim().is_empty()),
        dedup_key: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req() -> BetRequest {
        BetRequest {
            event_id: "2025_12_BUF_HOU".into(),
            market: "spread".into(),
            scope: None,
            selection: "home".into(),
            line: Some(-3.5),
            book: "pinnacle".into(),
            price: "-110".into(),
            stake: 100.0,
            ..Default::default()
        }
    }

    #[test]
    fn a_good_bet_is_normalised() {
        let b = validate(&req(), 5).unwrap();
        assert_eq!(
            (b.market.as_str(), b.scope.as_str(), b.line, b.placed_ms),
            ("spread", "game", Some(-3.5), 5)
        );
        assert!((b.decimal - (1.0 + 100.0 / 110.0)).abs() < 1e-12);
        let frac = validate(
            &BetRequest {
                price: "10/11".into(),
                ..req()
            },
            0,
        )
        .unwrap();
        assert!((frac.decimal - b.decimal).abs() < 1e-12);
    }

    /// Issue 22, item 7: a total under -44.5 was stored (and graded won), a total on `home` and
    /// a moneyline `tie` were stored and never graded, a price of 99999999999 was accepted. The
    /// ledger applies the file source's market rules.
    #[test]
    fn the_ledger_applies_the_market_rules_of_the_feeds() {
        let total = |selection: &str, line: f64| BetRequest {
            market: "total".into(),
            selection: selection.into(),
            line: Some(line),
            ..req()
        };
        for (r, field) in [
            (total("over", -44.5), "line"),
            (total("over", 0.0), "line"),
            (total("home", 44.5), "selection"),
            (
                BetRequest {
                    market: "moneyline".into(),
                    selection: "tie".into(),
                    line: None,
                    ..req()
                },
                "selection",
            ),
            (
                BetRequest {
                    line: Some(-150.5),
                    ..req()
                },
                "line",
            ),
            (
                BetRequest {
                    price: "99999999999".into(),
                    ..req()
                },
                "price",
            ),
        ] {
            match validate(&r, 0) {
                Err(LedgerError::Invalid { field: f, .. }) => assert_eq!(f, field, "{r:?}"),
                Ok(b) => panic!("{r:?} was accepted as {b:?}"),
            }
        }
        assert!(validate(&total("under", 44.5), 0).is_ok());
        let three_way = BetRequest {
            market: "moneyline_3way".into(),
            selection: "tie".into(),
            line: None,
            ..req()
        };
        assert!(validate(&three_way, 0).is_ok());
    }

    #[test]
    fn each_bad_field_is_named() {
        let cases: Vec<(BetRequest, &str)> = vec![
            (
                BetRequest {
                    event_id: " ".into(),
                    ..req()
                },
                "event",
            ),
            (
                BetRequest {
                    market: "parlay".into(),
                    ..req()
                },
                "market",
            ),
            (
                BetRequest {
                    scope: Some("5q".into()),
                    ..req()
                },
                "scope",
            ),
            (
                BetRequest {
                    selection: "draw-ish".into(),
                    ..req()
                },
                "selection",
            ),
            (
                BetRequest {
                    line: None,
                    ..req()
                },
                "line",
            ),
            (
                BetRequest {
                    line: Some(f64::NAN),
                    ..req()
                },
                "line",
            ),
            (
                BetRequest {
                    line: Some(-3.25),
                    ..req()
                },
                "line",
            ),
            (
                BetRequest {
                    market: "moneyline".into(),
                    ..req()
                },
                "line",
            ),
            (
                BetRequest {
                    book: "".into(),
                    ..req()
                },
                "book",
            ),
            (
                BetRequest {
                    price: "+50".into(),
                    ..req()
                },
                "price",
            ),
            (
                BetRequest {
                    price: "1.0".into(),
                    ..req()
                },
                "price",
            ),
            (
                BetRequest {
                    price: "abc".into(),
                    ..req()
                },
                "price",
            ),
            (
                BetRequest {
                    stake: -5.0,
                    ..req()
                },
                "stake",
            ),
            (
                BetRequest {
                    stake: 0.0,
                    ..req()
                },
                "stake",
            ),
            (
                BetRequest {
                    stake: f64::INFINITY,
                    ..req()
                },
                "stake",
            ),
            (
                BetRequest {
                    stake: 1e12,
                    ..req()
                },
                "stake",
            ),
        ];
        for (r, field) in cases {
            match validate(&r, 0) {
                Err(LedgerError::Invalid { field: f, .. }) => assert_eq!(f, field, "{r:?}"),
                Ok(b) => panic!("accepted {r:?} as {b:?}"),
            }
        }
    }
}
