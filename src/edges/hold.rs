//! Low hold: the best combined price per market across books and what it still holds, beside
//! each book's own hold on the same market. A shopper who always takes the best side pays the
//! combined hold, not any one book's.

use super::arbitrage::equal_payout;
use super::board::{Best, Board};
use crate::domain::{MarketKind, Quote, Scope, Selection};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HoldLeg {
    pub selection: Selection,
    pub book: String,
    pub american: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LowHold {
    pub event_id: String,
    pub market: MarketKind,
    pub scope: Scope,
    pub line: Option<f64>,
    /// Best price per selection across books.
    pub legs: Vec<HoldLeg>,
    /// Booksum of the best prices minus one (negative: an arbitrage).
    pub hold: f64,
    /// Each book's own hold on this market, for books quoting every side.
    pub book_holds: BTreeMap<String, f64>,
}

/// The hold of one book's complete market: the booksum of its implied probabilities minus one.
pub fn hold_of(decimals: &[f64]) -> Option<f64> {
    equal_payout(decimals).ok().map(|s| s.book_sum - 1.0)
}

/// Markets whose best combined price holds at most `max_hold`, lowest hold first.
pub fn low_holds(latest: &[&Quote], max_hold: f64) -> Vec<LowHold> {
    low_holds_in(&Board::of(latest), max_hold)
}

/// The same over a board already grouped.
pub fn low_holds_in(board: &Board<'_>, max_hold: f64) -> Vec<LowHold> {
    low_holds_over(board.best(), max_hold)
}

/// The scan over markets in key order with their best legs, however those were found.
pub(crate) fn low_holds_over<'a, 'q: 'a>(
    groups: impl Iterator<Item = Best<'a, 'q>>,
    max_hold: f64,
) -> Vec<LowHold> {
    let mut out = Vec::new();
    for (key, legs, quotes) in groups {
        let Some(legs) = legs else {
            continue;
        };
        let Some(hold) = hold_of(&legs.iter().map(|q| q.decimal()).collect::<Vec<_>>()) else {
            continue;
        };
        if hold > max_hold {
            continue;
        }
        out.push(LowHold {
            event_id: key.event_id.to_string(),
            market: key.market,
            scope: key.scope,
            line: key.line(),
            legs: legs
                .iter()
                .map(|q| HoldLeg {
                    selection: q.selection,
                    book: q.book.clone(),
                    american: q.american,
                })
                .collect(),
            hold,
            book_holds: book_holds(key.selections(), quotes),
        });
    }
    out.sort_by(|a, b| {
        a.hold
            .total_cmp(&b.hold)
            .then_with(|| a.event_id.cmp(&b.event_id))
    });
    out
}

/// Each book's hold over `selections`, for books that quote all of them.
pub fn book_holds(selections: &[Selection], quotes: &[&Quote]) -> BTreeMap<String, f64> {
    let mut by_book: BTreeMap<&str, Vec<Option<f64>>> = BTreeMap::new();
    for q in quotes {
        if let Some(i) = selections.iter().position(|s| *s == q.selection) {
            let slots = by_book
                .entry(q.book.as_str())
                .or_insert_with(|| vec![None; selections.len()]);
            // Two rungs of one book at one number (main and ladder): its better price counts.
            let d = q.decimal();
            slots[i] = Some(slots[i].map_or(d, |old: f64| old.max(d)));
        }
    }
    by_book
        .into_iter()
        .filter_map(|(book, slots)| {
            let d: Option<Vec<f64>> = slots.into_iter().collect();
            Some((book.to_string(), hold_of(&d?)?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quote(book: &str, selection: Selection, american: i64) -> Quote {
        Quote {
            event_id: "ev1".into(),
            book: book.into(),
            market: MarketKind::Total,
            scope: Scope::Game,
            selection,
            line: Some(44.5),
            american,
            observed_ms: 0,
            source: "test".into(),
        }
    }

    #[test]
    fn best_prices_hold_less_than_any_book() {
        let qs = [
            quote("a", Selection::Over, -105),
            quote("a", Selection::Under, -115),
            quote("b", Selection::Over, -115),
            quote("b", Selection::Under, -105),
        ];
        let refs: Vec<&Quote> = qs.iter().collect();
        let lh = low_holds(&refs, 0.05);
        assert_eq!(lh.len(), 1);
        let own = 1.0 / (1.0 + 100.0 / 105.0) + 1.0 / (1.0 + 100.0 / 115.0) - 1.0;
        let best = 2.0 / (1.0 + 100.0 / 105.0) - 1.0;
        assert!((lh[0].hold - best).abs() < 1e-12);
        assert!((lh[0].book_holds["a"] - own).abs() < 1e-12);
        assert!((lh[0].book_holds["b"] - own).abs() < 1e-12);
        assert_eq!(lh[0].legs[0].book, "a");
        assert_eq!(lh[0].legs[1].book, "b");
        assert!(low_holds(&refs, 0.01).is_empty());
        assert_eq!(hold_of(&[2.0]), None);
    }
}
