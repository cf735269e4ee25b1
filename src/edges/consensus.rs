//! Market consensus: de-vig each book's complete market (both sides of a two-way, all three of a
//! three-way) and average the fair probabilities across books, sharp books weighted up. The
//! spread of the books' fair probabilities (the width) says how much to trust the consensus.

use crate::config::schema::AnalyticsConfig;
use crate::domain::{devig, DevigMethod, MarketKind, Quote, Scope, Selection};
use std::collections::BTreeMap;

/// One de-vig unit: the mutually exclusive selections of one market at one line.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MarketKey {
    pub event_id: String,
    pub market: MarketKind,
    pub scope: Scope,
    /// 0 for the whole game, 1 for the home team's total, 2 for the away team's.
    pub side: u8,
    /// The line from the home / over point of view, in hundredths, so Home -3.5 and Away +3.5
    /// share a key.
    pub line: Option<i64>,
}

impl MarketKey {
    pub fn of(q: &Quote) -> Option<MarketKey> {
        use MarketKind as M;
        use Selection as S;
        let hundredths = |l: f64| (l * 100.0).round() as i64;
        let line = q.line.filter(|l| l.is_finite());
        let (side, line) = match (q.market, q.selection) {
            (M::Moneyline, S::Home | S::Away) | (M::Moneyline3Way, S::Home | S::Away | S::Tie) => {
                (0, None)
            }
            (M::Spread | M::SpreadAlt, S::Home) => (0, Some(hundredths(line?))),
            (M::Spread | M::SpreadAlt, S::Away) => (0, Some(hundredths(-line?))),
            (M::Total | M::TotalAlt, S::Over | S::Under) => (0, Some(hundredths(line?))),
            (M::TeamTotal, S::HomeOver | S::HomeUnder) => (1, Some(hundredths(line?))),
            (M::TeamTotal, S::AwayOver | S::AwayUnder) => (2, Some(hundredths(line?))),
            _ => return None,
        };
        Some(MarketKey {
            event_id: q.event_id.clone(),
            market: q.market,
            scope: q.scope,
            side,
            line,
        })
    }

    /// The selections that make the market complete.
    pub fn selections(&self) -> &'static [Selection] {
        selections_of(self.market, self.side)
    }
}

/// The selections that make a market complete (`side` as in [`MarketKey`]).
pub fn selections_of(market: MarketKind, side: u8) -> &'static [Selection] {
    use MarketKind as M;
    use Selection as S;
    match (market, side) {
        (M::Moneyline3Way, _) => &[S::Home, S::Away, S::Tie],
        (M::Total | M::TotalAlt, _) => &[S::Over, S::Under],
        (M::TeamTotal, 1) => &[S::HomeOver, S::HomeUnder],
        (M::TeamTotal, _) => &[S::AwayOver, S::AwayUnder],
        _ => &[S::Home, S::Away],
    }
}

/// Fair probabilities for one market, conditional on no push (what a de-vigged price means).
#[derive(Debug, Clone, PartialEq)]
pub struct Consensus {
    /// Weighted mean of the books' fair probabilities under the configured method.
    pub prob: BTreeMap<Selection, f64>,
    /// The same under the worst-case method (per side, not a distribution).
    pub worst: BTreeMap<Selection, f64>,
    /// Max minus min of the books' fair probabilities.
    pub width: BTreeMap<Selection, f64>,
    pub books: Vec<String>,
}

pub fn is_sharp(book: &str, cfg: &AnalyticsConfig) -> bool {
    cfg.sharp_books.iter().any(|s| s.eq_ignore_ascii_case(book))
}

/// Consensus over `quotes` (latest quotes of one market key, any books). Books missing a side,
/// or quoting an arbitrage, are left out; `None` when no book is left.
pub fn consensus(key: &MarketKey, quotes: &[&Quote], cfg: &AnalyticsConfig) -> Option<Consensus> {
    let wanted = key.selections();
    let mut by_book: BTreeMap<&str, BTreeMap<Selection, f64>> = BTreeMap::new();
    for q in quotes {
        let d = q.decimal();
        if d.is_finite() && d > 1.0 {
            by_book
                .entry(q.book.as_str())
                .or_default()
                .insert(q.selection, 1.0 / d);
        }
    }
    let mut weight_sum = 0.0;
    let mut prob: BTreeMap<Selection, f64> = BTreeMap::new();
    let mut worst: BTreeMap<Selection, f64> = BTreeMap::new();
    let mut lo: BTreeMap<Selection, f64> = BTreeMap::new();
    let mut hi: BTreeMap<Selection, f64> = BTreeMap::new();
    let mut books = Vec::new();
    for (book, implied) in by_book {
        let Some(pi) = wanted
            .iter()
            .map(|s| implied.get(s).copied())
            .collect::<Option<Vec<f64>>>()
        else {
            continue;
        };
        let (Ok(fair), Ok(wc)) = (
            devig(&pi, cfg.devig_method),
            devig(&pi, DevigMethod::WorstCase),
        ) else {
            continue;
        };
        let w = if is_sharp(book, cfg) {
            cfg.sharp_weight.max(0.0)
        } else {
            1.0
        };
        if w == 0.0 {
            continue;
        }
        weight_sum += w;
        for (i, s) in wanted.iter().enumerate() {
            *prob.entry(*s).or_default() += w * fair[i];
            *worst.entry(*s).or_default() += w * wc[i];
            let l = lo.entry(*s).or_insert(f64::INFINITY);
            *l = l.min(fair[i]);
            let h = hi.entry(*s).or_insert(f64::NEG_INFINITY);
            *h = h.max(fair[i]);
        }
        books.push(book.to_string());
    }
    if books.is_empty() {
        return None;
    }
    prob.values_mut().for_each(|p| *p /= weight_sum);
    worst.values_mut().for_each(|p| *p /= weight_sum);
    let width = wanted
        .iter()
        .map(|s| {
            (
                *s,
                hi.get(s).copied().unwrap_or(0.0) - lo.get(s).copied().unwrap_or(0.0),
            )
        })
        .collect();
    Some(Consensus {
        prob,
        worst,
        width,
        books,
    })
}
