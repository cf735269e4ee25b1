//! Arbitrage: when the best prices of a market's selections, taken at different books, imply
//! less than 100%, staking each leg in proportion to its implied probability pays the same
//! whatever happens, and that payout is more than the total stake.

use super::board::{best_legs, Board, BoardKey};
use crate::domain::{MarketKind, Quote, Scope, Selection};
use serde::Serialize;
use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq)]
pub enum SplitError {
    #[error("legs: an arbitrage needs at least two legs, got {0}")]
    TooFewLegs(usize),
    #[error("legs[{index}].decimal: {value} is not a price (expected finite decimal odds > 1)")]
    BadPrice { index: usize, value: f64 },
}

/// Stakes that pay the same on every outcome, and what that payout returns.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Split {
    /// Share of the total stake on each leg (sums to one).
    pub shares: Vec<f64>,
    /// Sum of the legs' implied probabilities; below one is an arbitrage.
    pub book_sum: f64,
    /// Profit per unit of total stake whichever leg wins (negative when there is no arbitrage).
    pub ret: f64,
}

/// The equal-payout split of one unit across legs at `decimals` (a complete market).
pub fn equal_payout(decimals: &[f64]) -> Result<Split, SplitError> {
    if decimals.len() < 2 {
        return Err(SplitError::TooFewLegs(decimals.len()));
    }
    if let Some((index, &value)) = decimals
        .iter()
        .enumerate()
        .find(|(_, d)| !(d.is_finite() && **d > 1.0))
    {
        return Err(SplitError::BadPrice { index, value });
    }
    let book_sum: f64 = decimals.iter().map(|d| 1.0 / d).sum();
    Ok(Split {
        shares: decimals.iter().map(|d| (1.0 / d) / book_sum).collect(),
        book_sum,
        ret: 1.0 / book_sum - 1.0,
    })
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArbLeg {
    pub book: String,
    pub market: MarketKind,
    pub selection: Selection,
    pub line: Option<f64>,
    pub american: i64,
    pub decimal: f64,
    /// Share of the total stake on this leg.
    pub stake_share: f64,
    pub age_seconds: f64,
}

/// One arbitrage across books. Whole-number lines can push on every leg at once, which returns
/// the stakes: `ret` is what a decided market pays, and a push is break-even.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Arbitrage {
    pub event_id: String,
    /// spread and total here include their alternate ladders.
    pub market: MarketKind,
    pub scope: Scope,
    /// The line from the home / over point of view.
    pub line: Option<f64>,
    pub legs: Vec<ArbLeg>,
    pub book_sum: f64,
    /// Guaranteed profit per unit of total stake.
    pub ret: f64,
    /// Age of the oldest leg: an old leg may already be gone.
    pub oldest_leg_seconds: f64,
    /// Some leg is older than `analytics.markets.arb_freshness_seconds`: shown, never alerted.
    pub stale: bool,
    pub push_possible: bool,
}

/// Every arbitrage on the board (latest quotes), best return first.
pub fn find_arbitrage(latest: &[&Quote], now_ms: i64, freshness_seconds: f64) -> Vec<Arbitrage> {
    arbitrage_in(&Board::of(latest), now_ms, freshness_seconds, usize::MAX)
}

/// The same over a board already grouped (a pass groups once for all its scans), at most
/// `limit` rows: the first `limit` of the whole list. The refusals that turn away nearly every
/// market (one book on every side, no return) are answered from the board's legs, book ranks
/// and prices without reading a quote or allocating, and only the arbitrages that make the cut
/// become rows (a busy board holds thousands).
pub fn arbitrage_in(
    board: &Board<'_>,
    now_ms: i64,
    freshness_seconds: f64,
    limit: usize,
) -> Vec<Arbitrage> {
    // Every arbitrage's return and market, in key order.
    let mut found: Vec<(f64, usize)> = Vec::new();
    for (i, (key, legs)) in board.markets().enumerate() {
        let Some((best, n)) = best_legs(key, legs) else {
            continue;
        };
        let best = || best.iter().take(n).flatten();
        let Some(first) = best().next() else { continue };
        // `arbitrage_row`'s refusals, in the same arithmetic: equal ranks are the same book,
        // and the book sum adds the same prices in the same order as `equal_payout`.
        if n < 2 || best().all(|l| l.book == first.book) {
            continue;
        }
        let book_sum: f64 = best().map(|l| 1.0 / l.decimal).sum();
        let ret = 1.0 / book_sum - 1.0;
        if ret <= 1e-9 {
            continue;
        }
        found.push((ret, i));
    }
    // `arbitrage_over`'s order: markets are in key order, which sorts event ids first, so the market
    // index breaks ties exactly as the event id and then the stable sort do.
    let order = |a: &(f64, usize), b: &(f64, usize)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
    if found.len() > limit && limit > 0 {
        found.select_nth_unstable_by(limit - 1, order);
    }
    found.truncate(limit);
    found.sort_unstable_by(order);
    found
        .into_iter()
        .filter_map(|(_, i)| {
            let (key, legs) = board.market(i);
            let (best, n) = best_legs(key, legs)?;
            let quotes: Vec<&Quote> = best.iter().take(n).flatten().map(|l| l.quote).collect();
            arbitrage_row(key, &quotes, now_ms, freshness_seconds)
        })
        .collect()
}

/// The scan over markets in key order with their best legs, however those were found: the
/// whole list, every row built and sorted (the reference `arbitrage_in` is held to).
#[cfg(test)]
pub(crate) fn arbitrage_over<'a, 'q: 'a>(
    groups: impl Iterator<Item = (&'a BoardKey<'q>, Option<Vec<&'q Quote>>)>,
    now_ms: i64,
    freshness_seconds: f64,
) -> Vec<Arbitrage> {
    let mut out: Vec<Arbitrage> = groups
        .filter_map(|(key, legs)| arbitrage_row(key, &legs?, now_ms, freshness_seconds))
        .collect();
    // Best return first; a stable sort, so markets in key order break ties after the event id.
    out.sort_by(|a, b| {
        b.ret
            .total_cmp(&a.ret)
            .then_with(|| a.event_id.cmp(&b.event_id))
    });
    out
}

/// The arbitrage in one market's best legs, if there is one.
fn arbitrage_row(
    key: &BoardKey<'_>,
    legs: &[&Quote],
    now_ms: i64,
    freshness_seconds: f64,
) -> Option<Arbitrage> {
    // One book on every side is not an arbitrage anyone can take: books never hang one.
    if legs.iter().all(|l| l.book == legs[0].book) {
        return None;
    }
    let decimals: Vec<f64> = legs.iter().map(|q| q.decimal()).collect();
    let split = equal_payout(&decimals).ok()?;
    // +170 / -170 breaks even exactly; float rounding can put it a hair above zero, and a
    // "+0.00%" arbitrage on the desk's screen is noise.
    if split.ret <= 1e-9 {
        return None;
    }
    let age = |q: &Quote| now_ms.saturating_sub(q.observed_ms).max(0) as f64 / 1000.0;
    let oldest = legs.iter().map(|q| age(q)).fold(0.0, f64::max);
    let line = key.line();
    Some(Arbitrage {
        event_id: key.event_id.to_string(),
        market: key.market,
        scope: key.scope,
        line,
        legs: legs
            .iter()
            .zip(&split.shares)
            .map(|(q, share)| ArbLeg {
                book: q.book.clone(),
                market: q.market,
                selection: q.selection,
                line: q.line,
                american: q.american,
                decimal: q.decimal(),
                stake_share: *share,
                age_seconds: age(q),
            })
            .collect(),
        book_sum: split.book_sum,
        ret: split.ret,
        oldest_leg_seconds: oldest,
        stale: oldest > freshness_seconds,
        push_possible: line.is_some_and(|l| l.fract() == 0.0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::odds::american_to_decimal;
    use proptest::prelude::*;

    // The edges tests' one-quote builder (event ev1, game scope).
    use crate::edges::tests::q as quote;

    #[test]
    fn a_break_even_pair_is_not_an_arbitrage() {
        // +170 / -170 sums to exactly one implied unit: no return, whatever the float rounding.
        let qs = [
            quote("a", MarketKind::Moneyline, Selection::Home, None, 170, 0),
            quote("b", MarketKind::Moneyline, Selection::Away, None, -170, 0),
        ];
        let refs: Vec<&Quote> = qs.iter().collect();
        assert!(find_arbitrage(&refs, 10_000, 120.0).is_empty());
    }

    #[test]
    fn plus_110_both_ways_returns_five_percent_on_a_50_50_split() {
        let qs = [
            quote("a", MarketKind::Moneyline, Selection::Home, None, 110, 0),
            quote("b", MarketKind::Moneyline, Selection::Away, None, 110, 0),
            quote("b", MarketKind::Moneyline, Selection::Home, None, -130, 0),
            quote("a", MarketKind::Moneyline, Selection::Away, None, -130, 0),
        ];
        let refs: Vec<&Quote> = qs.iter().collect();
        let arbs = find_arbitrage(&refs, 10_000, 120.0);
        assert_eq!(arbs.len(), 1);
        let a = &arbs[0];
        assert!((a.ret - 0.05).abs() < 1e-12, "return {}", a.ret);
        assert_eq!(a.legs.len(), 2);
        for leg in &a.legs {
            assert!((leg.stake_share - 0.5).abs() < 1e-12);
            assert_eq!(leg.american, 110);
        }
        assert_eq!(
            (a.legs[0].book.as_str(), a.legs[1].book.as_str()),
            ("a", "b")
        );
        assert!(!a.stale && a.oldest_leg_seconds == 10.0 && !a.push_possible);
        // 100 staked: 50 on each side at 2.10 pays 105 either way.
        assert!((100.0 * a.legs[0].stake_share * a.legs[0].decimal - 105.0).abs() < 1e-9);
    }

    #[test]
    fn three_way_arbitrage_splits_for_equal_payout() {
        // +200 / +250 / +900: implied 1/3 + 2/7 + 1/10 = 0.719..., return 1/0.719 - 1.
        let qs = [
            quote(
                "a",
                MarketKind::Moneyline3Way,
                Selection::Home,
                None,
                200,
                0,
            ),
            quote(
                "b",
                MarketKind::Moneyline3Way,
                Selection::Away,
                None,
                250,
                0,
            ),
            quote("c", MarketKind::Moneyline3Way, Selection::Tie, None, 900, 0),
        ];
        let refs: Vec<&Quote> = qs.iter().collect();
        let arbs = find_arbitrage(&refs, 0, 120.0);
        assert_eq!(arbs.len(), 1);
        let sum = 1.0 / 3.0 + 1.0 / 3.5 + 1.0 / 10.0;
        assert!((arbs[0].book_sum - sum).abs() < 1e-12);
        assert!((arbs[0].ret - (1.0 / sum - 1.0)).abs() < 1e-12);
        let payouts: Vec<f64> = arbs[0]
            .legs
            .iter()
            .map(|l| l.stake_share * l.decimal)
            .collect();
        for p in &payouts {
            assert!((p - payouts[0]).abs() < 1e-12);
        }
        let shares: f64 = arbs[0].legs.iter().map(|l| l.stake_share).sum();
        assert!((shares - 1.0).abs() < 1e-12);
    }

    #[test]
    fn ordinary_markets_and_single_book_prices_are_not_arbitrage() {
        let qs = [
            quote(
                "a",
                MarketKind::Spread,
                Selection::Home,
                Some(-3.0),
                -110,
                0,
            ),
            quote("b", MarketKind::Spread, Selection::Away, Some(3.0), -105, 0),
            // An alternate rung at the same number joins the main line's market.
            quote(
                "c",
                MarketKind::SpreadAlt,
                Selection::Away,
                Some(3.0),
                -102,
                0,
            ),
        ];
        let refs: Vec<&Quote> = qs.iter().collect();
        assert!(find_arbitrage(&refs, 0, 120.0).is_empty());
        let qs = [
            quote("a", MarketKind::Spread, Selection::Home, Some(-3.0), 105, 0),
            quote(
                "c",
                MarketKind::SpreadAlt,
                Selection::Away,
                Some(3.0),
                105,
                0,
            ),
        ];
        let refs: Vec<&Quote> = qs.iter().collect();
        let arbs = find_arbitrage(&refs, 200_000, 120.0);
        assert_eq!(arbs.len(), 1);
        assert!(arbs[0].stale && arbs[0].push_possible);
        assert_eq!(arbs[0].market, MarketKind::Spread);
        assert_eq!(arbs[0].line, Some(-3.0));
    }

    #[test]
    fn split_errors_name_the_bad_leg() {
        assert_eq!(equal_payout(&[2.0]), Err(SplitError::TooFewLegs(1)));
        let e = equal_payout(&[2.0, f64::NAN]).unwrap_err();
        assert!(e.to_string().starts_with("legs[1].decimal"));
        assert!(equal_payout(&[2.0, 1.0]).is_err());
    }

    proptest! {
        #[test]
        fn equal_payout_pays_the_same_on_every_leg(prices in proptest::collection::vec(
            prop_oneof![-2000i64..=-100, 100i64..=2000], 2..4)) {
            let d: Vec<f64> = prices.iter().map(|a| american_to_decimal(*a).unwrap()).collect();
            let s = equal_payout(&d).unwrap();
            let total: f64 = s.shares.iter().sum();
            prop_assert!((total - 1.0).abs() < 1e-9);
            for (share, d) in s.shares.iter().zip(&d) {
                prop_assert!((share * d - (1.0 + s.ret)).abs() < 1e-9);
            }
            prop_assert_eq!(s.ret > 0.0, s.book_sum < 1.0);
        }

        #[test]
        fn any_input_is_an_answer_or_an_error(d in proptest::collection::vec(any::<f64>(), 0..4)) {
            if let Ok(s) = equal_payout(&d) {
                prop_assert!(s.ret.is_finite() && s.ret > -1.0);
            }
        }
    }
}
