//! Each book on real closes: what it holds, how well its de-vigged moneyline close forecasts,
//! how far it sits from the other books, and whether it counts as sharp. The sharp set for a
//! season is chosen on earlier seasons only: a book is sharp when its closes beat the other
//! books' consensus (lower paired Brier) over at least `MIN_GAMES` earlier games.

use super::game::{hold, home_win, GameEval};
use super::stats::Estimate;
use crate::config::schema::AnalyticsConfig;
use crate::domain::{MarketKind, Quote, Selection};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Earlier games a book needs before it can be called sharp or soft.
pub const MIN_GAMES: usize = 200;

/// One book's close of one game.
#[derive(Debug, Clone, PartialEq)]
pub struct BookRecord {
    pub season: i32,
    pub book: String,
    /// Overround of its moneyline, spread and total.
    pub hold: [Option<f64>; 3],
    /// Its de-vigged home win probability and the other books' consensus, when both exist.
    pub p_book: Option<f64>,
    pub p_others: Option<f64>,
    pub home_won: Option<bool>,
}

pub fn records(g: &GameEval, cfg: &AnalyticsConfig) -> Vec<BookRecord> {
    let books: BTreeSet<&str> = g.closes.iter().map(|q| q.book.as_str()).collect();
    books
        .into_iter()
        .map(|book| {
            let own: Vec<&Quote> = g.closes.iter().filter(|q| q.book == book).collect();
            let others: Vec<&Quote> = g.closes.iter().filter(|q| q.book != book).collect();
            let of = |m: MarketKind| {
                let qs: Vec<&Quote> = own
                    .iter()
                    .copied()
                    .filter(|q| q.market == m && q.selection != Selection::Tie)
                    .collect();
                hold(&qs)
            };
            BookRecord {
                season: g.season,
                book: book.to_string(),
                hold: [
                    of(MarketKind::Moneyline),
                    of(MarketKind::Spread),
                    of(MarketKind::Total),
                ],
                p_book: home_win(own.iter().copied(), cfg),
                p_others: home_win(others.iter().copied(), cfg),
                home_won: g.home_won(),
            }
        })
        .collect()
}

/// A book's profile over a set of its records.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BookProfile {
    pub book: String,
    /// `null` for the row over every season.
    pub season: Option<i32>,
    pub games: usize,
    pub hold_moneyline: Estimate,
    pub hold_spread: Estimate,
    pub hold_total: Estimate,
    /// Brier of its de-vigged moneyline close (ties left out).
    pub brier: Estimate,
    /// Its Brier minus the other books' consensus Brier on the same games (negative: sharper
    /// than the rest).
    pub brier_vs_others: Estimate,
    /// |its home win probability - the others'|, in probability points.
    pub distance_points: Estimate,
    /// `sharp`, `soft` or `unrated` (too few earlier games), chosen on the seasons before this
    /// one; on the all-seasons row, chosen on every season shown (for the season after them).
    pub class: String,
}

fn profile(book: &str, season: Option<i32>, rs: &[&BookRecord], class: String) -> BookProfile {
    let vals = |f: &dyn Fn(&BookRecord) -> Option<f64>| -> Estimate {
        Estimate::of(&rs.iter().filter_map(|r| f(r)).collect::<Vec<f64>>())
    };
    let brier = |p: f64, y: bool| (p - f64::from(u8::from(y))).powi(2);
    BookProfile {
        book: book.to_string(),
        season,
        games: rs.len(),
        hold_moneyline: vals(&|r| r.hold[0]),
        hold_spread: vals(&|r| r.hold[1]),
        hold_total: vals(&|r| r.hold[2]),
        brier: vals(&|r| Some(brier(r.p_book?, r.home_won?))),
        brier_vs_others: vals(&|r| {
            let y = r.home_won?;
            Some(brier(r.p_book?, y) - brier(r.p_others?, y))
        }),
        distance_points: vals(&|r| Some(100.0 * (r.p_book? - r.p_others?).abs())),
        class,
    }
}

/// `sharp`/`soft`/`unrated` of `book` from `earlier` records.
fn class_of(book: &str, earlier: &[&BookRecord]) -> String {
    let own: Vec<&BookRecord> = earlier.iter().copied().filter(|r| r.book == book).collect();
    let diff = profile(book, None, &own, String::new()).brier_vs_others;
    match diff.mean {
        Some(m) if diff.n >= MIN_GAMES => if m < 0.0 { "sharp" } else { "soft" }.to_string(),
        _ => "unrated".to_string(),
    }
}

/// The sharp books for `season`, chosen on the records of earlier seasons.
pub fn sharp_set(records: &[BookRecord], season: i32) -> Vec<String> {
    let earlier: Vec<&BookRecord> = records.iter().filter(|r| r.season < season).collect();
    let books: BTreeSet<&str> = earlier.iter().map(|r| r.book.as_str()).collect();
    books
        .into_iter()
        .filter(|b| class_of(b, &earlier) == "sharp")
        .map(str::to_string)
        .collect()
}

/// Every book's profile per season and over all seasons, books in id order.
pub fn profiles(records: &[BookRecord]) -> Vec<BookProfile> {
    let mut by_book: BTreeMap<(u32, &str), Vec<&BookRecord>> = BTreeMap::new();
    for r in records {
        let id = r
            .book
            .trim_start_matches("book-")
            .parse()
            .unwrap_or(u32::MAX);
        by_book.entry((id, r.book.as_str())).or_default().push(r);
    }
    let all: Vec<&BookRecord> = records.iter().collect();
    let mut out = Vec::new();
    for ((_, book), rs) in &by_book {
        let seasons: BTreeSet<i32> = rs.iter().map(|r| r.season).collect();
        for s in &seasons {
            let these: Vec<&BookRecord> = rs.iter().copied().filter(|r| r.season == *s).collect();
            let earlier: Vec<&BookRecord> = all.iter().copied().filter(|r| r.season < *s).collect();
            out.push(profile(book, Some(*s), &these, class_of(book, &earlier)));
        }
        out.push(profile(book, None, rs, class_of(book, &all)));
    }
    out
}
