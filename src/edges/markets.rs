//! One cross-book pass over the board and its odds path: arbitrage, middles, low hold, steam,
//! stale lines priced against the originator's new number, and book profiles. The engine runs it
//! on every pricing pass; `scan` and the benches call the same function.

use super::arbitrage::{arbitrage_in, Arbitrage};
use super::board::{usable, Board, FastHash};
use super::book_profile::{book_profiles, BookProfile};
use super::consensus::MarketKey;
use super::grouping::same_str;
use super::hold::{low_holds_in, LowHold};
use super::kelly::expected_value;
use super::middles::{middles_in, Middle};
use super::steam::{detect_steam_in, StaleLine, SteamEvent, SteamParams};
use super::steam_paths::SteamPaths;
use crate::config::schema::AnalyticsConfig;
use crate::domain::{devig, MarketKind, Quote, Scope, Selection};
use crate::pricing::SlateSimulation;
use serde::Serialize;
use std::collections::HashMap;

/// Longest list of each kind a pass keeps: the views show the best, and snapshots stay small.
pub const MAX_ROWS: usize = 200;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MarketIntel {
    /// Best return first; stale ones included (flagged).
    pub arbitrage: Vec<Arbitrage>,
    /// Best EV first.
    pub middles: Vec<Middle>,
    /// Lowest hold first.
    pub low_hold: Vec<LowHold>,
    /// Newest first.
    pub steam: Vec<SteamEvent>,
    /// Best EV first (unpriced ones last).
    pub stale: Vec<StaleLine>,
    pub books: Vec<BookProfile>,
    /// Distinct steam events so far: the engine counts across passes; one pass alone reports
    /// the events in its lookback.
    pub steam_total: u64,
}

/// The whole cross-book pass. `quotes` holds the odds paths (history and latest) of the fresh
/// slots; `latest` each book's live price.
pub fn scan_markets(
    quotes: &[Quote],
    latest: &[&Quote],
    sim: &SlateSimulation,
    cfg: &AnalyticsConfig,
    now_ms: i64,
) -> MarketIntel {
    let mk = &cfg.markets;
    let params = SteamParams {
        originators: mk.originators(&cfg.sharp_books),
        min_prob: mk.steam_min_prob,
        min_points: mk.steam_min_points,
        window_ms: (mk.steam_window_seconds * 1000.0) as i64,
        lookback_ms: (mk.steam_lookback_seconds * 1000.0) as i64,
    };
    let every_book = book_names(latest);
    let leader_params = SteamParams {
        originators: &every_book,
        ..params
    };
    // The board's scans beside the odds path's, on two threads where the pool has them: each
    // side groups its own input once (the board's 110,000 quotes on a full slate, the path's
    // 150,000 rows), and reading those is most of the pass.
    let ((arbitrage, middles, low_hold), (steam, leaders)) = rayon::join(
        || {
            let board = Board::of(latest);
            // Grouping the board takes longer than the path side, whose thread then takes
            // middles.
            let (arbitrage, (middles, low_hold)) = rayon::join(
                || arbitrage_in(&board, now_ms, mk.arb_freshness_seconds, MAX_ROWS),
                || {
                    rayon::join(
                        || middles_in(&board, sim, mk.middle_min_ev, MAX_ROWS),
                        || low_holds_in(&board, mk.low_hold_max),
                    )
                },
            );
            (arbitrage, middles, low_hold)
        },
        || {
            let paths = SteamPaths::of(quotes);
            (
                detect_steam_in(&paths, &params, now_ms),
                detect_steam_in(&paths, &leader_params, now_ms),
            )
        },
    );
    let books = book_profiles(latest, &steam, &leaders, cfg);
    let index = MainIndex::of(latest);
    let mut stale: Vec<StaleLine> = steam
        .stale
        .iter()
        .map(|s| price_stale(s, &index, sim, cfg))
        .collect();
    stale.sort_by(|a, b| {
        b.ev.unwrap_or(f64::NEG_INFINITY)
            .total_cmp(&a.ev.unwrap_or(f64::NEG_INFINITY))
            .then_with(|| a.event_id.cmp(&b.event_id))
            .then_with(|| a.book.cmp(&b.book))
    });
    let steam_total = steam.events.len() as u64;
    let mut out = MarketIntel {
        steam_total,
        arbitrage,
        middles,
        low_hold,
        steam: steam.events,
        stale,
        books,
    };
    out.arbitrage.truncate(MAX_ROWS);
    out.middles.truncate(MAX_ROWS);
    out.low_hold.truncate(MAX_ROWS);
    out.steam.truncate(MAX_ROWS);
    out.stale.truncate(MAX_ROWS);
    out
}

/// Every book on the board, sorted, once each. The board lists a book's quotes together, so
/// the previous name answers nearly every quote (a copy of every quote's name, sorted, was
/// 110,000 allocations on a full slate).
fn book_names(latest: &[&Quote]) -> Vec<String> {
    let mut names: Vec<&str> = Vec::new();
    let mut last: Option<&str> = None;
    for q in latest {
        if last.is_some_and(|l| same_str(l, &q.book)) {
            continue;
        }
        if !names.contains(&q.book.as_str()) {
            names.push(&q.book);
        }
        last = Some(&q.book);
    }
    names.sort_unstable();
    names.into_iter().map(String::from).collect()
}

type MainKey<'a> = (&'a str, &'a str, MarketKind, Scope, Selection);

/// Each book's live main-market price per selection, for pricing stale lines without a scan of
/// the whole board per line.
pub struct MainIndex<'a>(HashMap<MainKey<'a>, &'a Quote, FastHash>);

impl<'a> MainIndex<'a> {
    pub fn of(latest: &[&'a Quote]) -> MainIndex<'a> {
        MainIndex(
            latest
                .iter()
                .filter(|q| !q.market.is_ladder())
                .map(|q| {
                    (
                        (
                            q.event_id.as_str(),
                            q.book.as_str(),
                            q.market,
                            q.scope,
                            q.selection,
                        ),
                        *q,
                    )
                })
                .collect(),
        )
    }

    fn get(
        &self,
        event_id: &str,
        book: &str,
        m: MarketKind,
        sc: Scope,
        s: Selection,
    ) -> Option<&'a Quote> {
        self.0.get(&(event_id, book, m, sc, s)).copied()
    }
}

/// The stale price against the originator's new number: the originator's complete market
/// de-vigged gives the fair win probability at its line; where the stale book deals another
/// line, the exact score distribution moves that probability to the stale line (so a half point
/// across 3 is worth what it is worth), and supplies the push share.
pub fn price_stale(
    s: &StaleLine,
    index: &MainIndex<'_>,
    sim: &SlateSimulation,
    cfg: &AnalyticsConfig,
) -> StaleLine {
    let mut out = s.clone();
    let at = |book: &str, sel| index.get(&s.event_id, book, s.market, s.scope, sel);
    let (Some(orig), Some(stale_q)) = (at(&s.originator, s.selection), at(&s.book, s.selection))
    else {
        return out;
    };
    let Some(key) = MarketKey::of(orig) else {
        return out;
    };
    let mut implied = Vec::new();
    let mut pos = None;
    for (i, sel) in key.selections().iter().enumerate() {
        // The other side at the originator's same number (a spread's away side mirrors it).
        let Some(q) =
            at(&orig.book, *sel).filter(|q| usable(q) && MarketKey::of(q).as_ref() == Some(&key))
        else {
            return out;
        };
        if *sel == s.selection {
            pos = Some(i);
        }
        implied.push(1.0 / q.decimal());
    }
    let (Some(i), Ok(fair)) = (pos, devig(&implied, cfg.devig_method)) else {
        return out;
    };
    let outcome = |line| sim.outcome(&s.event_id, s.market, s.scope, s.selection, line);
    let mut p = fair[i];
    if stale_q.line != orig.line {
        match (outcome(stale_q.line), outcome(orig.line)) {
            (Some(a), Some(b)) => p += a.win_given_action() - b.win_given_action(),
            _ => return out,
        }
    }
    let p = p.clamp(0.0, 1.0);
    let push = outcome(stale_q.line).map_or(0.0, |o| o.push);
    let win = p * (1.0 - push);
    out.fair_prob = Some(win);
    out.push_prob = push;
    out.ev = usable(stale_q).then(|| expected_value(win, push, stale_q.decimal()));
    out
}

#[cfg(test)]
mod tests {
    use super::super::steam::tests::{steam_board, two_sided_steam_board};
    use super::*;
    use crate::domain::{MarketKind, Scope, Selection};

    proptest::proptest! {
        #[test]
        fn book_names_are_the_sorted_distinct_books(
            picks in proptest::collection::vec(0usize..5, 0..40)
        ) {
            let names = ["pinnacle", "pinnaclf", "bovada", "b", ""];
            let qs: Vec<Quote> = picks
                .iter()
                .map(|b| Quote { book: names[*b].into(), ..steam_board()[0].clone() })
                .collect();
            let latest: Vec<&Quote> = qs.iter().collect();
            let mut old: Vec<String> = latest.iter().map(|q| q.book.clone()).collect();
            old.sort();
            old.dedup();
            proptest::prop_assert_eq!(book_names(&latest), old);
        }
    }

    #[test]
    fn the_stale_line_is_priced_against_the_new_number() {
        let board = two_sided_steam_board();
        let now = 1_300_000;
        let latest: Vec<&Quote> = board.iter().filter(|q| q.observed_ms == now).collect();
        let cfg = AnalyticsConfig {
            sharp_books: vec!["pinnacle".into()],
            ..AnalyticsConfig::default()
        };
        let sim = crate::edges::tests::one_game_sim(&cfg, 3.5);
        let intel = scan_markets(&board, &latest, &sim, &cfg, now);
        assert_eq!(intel.steam.len(), 1);
        assert_eq!(intel.stale.len(), 1);
        let s = &intel.stale[0];
        // Pinnacle -3.5 at -105 both ways is a coin flip at -3.5; Bovada's -3 adds the margin-3
        // mass as a push and wins it back from the losing side.
        let exact = |l| {
            sim.outcome(
                "ev1",
                MarketKind::Spread,
                Scope::Game,
                Selection::Home,
                Some(l),
            )
            .expect("outcome")
        };
        let want_p = 0.5 + exact(-3.0).win_given_action() - exact(-3.5).win_given_action();
        let push = exact(-3.0).push;
        assert!((s.push_prob - push).abs() < 1e-12);
        let win = want_p * (1.0 - push);
        assert!((s.fair_prob.expect("priced") - win).abs() < 1e-9);
        let d = 1.0 + 100.0 / 110.0;
        assert!((s.ev.expect("ev") - (win * d + push - 1.0)).abs() < 1e-9);
        assert!(
            s.ev.expect("ev") > 0.0,
            "stale -3 after steam to -3.5 is an edge"
        );
        assert_eq!(intel.books.len(), 3);
    }
}
