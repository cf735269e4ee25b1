//! The live board grouped for cross-book scans: every complete market with each book's latest
//! price per selection. Main and alternate lines at the same number are one market here, because
//! a bettor can take home -3 at one book's main line and away +3 at another's ladder.

use super::consensus::MarketKey;
use crate::domain::{MarketKind, Quote};
use std::collections::HashMap;

/// The market a quote belongs to across books, with alternate ladders folded onto main lines.
pub fn board_key(q: &Quote) -> Option<MarketKey> {
    let mut key = MarketKey::of(q)?;
    key.market = family(key.market);
    Some(key)
}

/// Spread and total ladders settle exactly like the main lines at the same number.
pub fn family(m: MarketKind) -> MarketKind {
    match m {
        MarketKind::SpreadAlt => MarketKind::Spread,
        MarketKind::TotalAlt => MarketKind::Total,
        other => other,
    }
}

/// Latest quotes grouped by cross-book market, in key order so scans are deterministic.
pub fn group<'a>(latest: &[&'a Quote]) -> Vec<(MarketKey, Vec<&'a Quote>)> {
    let mut by: HashMap<MarketKey, Vec<&'a Quote>> = HashMap::new();
    for q in latest {
        if usable(q) {
            if let Some(k) = board_key(q) {
                by.entry(k).or_default().push(q);
            }
        }
    }
    let mut out: Vec<_> = by.into_iter().collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// A price every formula can use: finite decimal odds above evens-minus-everything.
pub fn usable(q: &Quote) -> bool {
    let d = q.decimal();
    d.is_finite() && d > 1.0
}

/// The best price per selection of `key`, in `key.selections()` order; `None` when some
/// selection has no price. Ties go to the alphabetically first book so scans are stable.
pub fn best_legs<'a>(key: &MarketKey, quotes: &[&'a Quote]) -> Option<Vec<&'a Quote>> {
    key.selections()
        .iter()
        .map(|s| {
            quotes
                .iter()
                .copied()
                .filter(|q| q.selection == *s)
                .max_by(|a, b| {
                    a.decimal()
                        .total_cmp(&b.decimal())
                        .then_with(|| b.book.cmp(&a.book))
                })
        })
        .collect()
}

/// The line from the home / over point of view (what `MarketKey.line` stores in hundredths).
pub fn key_line(key: &MarketKey) -> Option<f64> {
    key.line.map(|l| l as f64 / 100.0)
}
