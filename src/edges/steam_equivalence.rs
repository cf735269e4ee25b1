//! Steam over the grouped paths must not change a row: the grouping and the whole detection
//! against the code they replaced (a hash of the event id per row, an ordered map of book names
//! per slot, moves found again per book and event), on random paths with ties in time, books
//! that share prefixes, ladders mixed in, and moves in both directions.

use super::board::FastHash;
use super::steam::tests::{params, quote, steam_board};
use super::steam::{detect_steam, direction, toward, Follower, SteamParams, SteamReport};
use super::steam::{Price, StaleLine, SteamEvent};
use super::steam_paths::{SlotKey, SteamPaths};
use crate::domain::{MarketKind, Quote, Scope, Selection};
use proptest::prelude::*;
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Clone, Copy)]
struct Move<'a> {
    book: &'a str,
    at_ms: i64,
    from: &'a Quote,
    to: &'a Quote,
}

fn is_originator(book: &str, p: &SteamParams) -> bool {
    p.originators.iter().any(|o| o.eq_ignore_ascii_case(book))
}

fn price(q: &Quote) -> Price {
    Price {
        american: q.american,
        line: q.line,
    }
}

type Slot<'a> = (SlotKey<'a>, BTreeMap<&'a str, Vec<&'a Quote>>);

/// The grouping before rows were filed under integer ids: a hash of the event id per row and an
/// ordered map of book names per slot.
fn old_paths_by_slot(quotes: &[Quote]) -> Vec<Slot<'_>> {
    let mut slots: HashMap<SlotKey<'_>, BTreeMap<&str, Vec<&Quote>>, FastHash> = HashMap::default();
    for q in quotes {
        if !matches!(
            q.market,
            MarketKind::Moneyline
                | MarketKind::Moneyline3Way
                | MarketKind::Spread
                | MarketKind::Total
        ) {
            continue;
        }
        slots
            .entry((q.event_id.as_str(), q.market, q.scope, q.selection))
            .or_default()
            .entry(q.book.as_str())
            .or_default()
            .push(q);
    }
    let mut slots: Vec<_> = slots.into_iter().collect();
    slots.sort_by(|a, b| a.0.cmp(&b.0));
    slots
}

/// The moves of one path as `detect_steam` found them before, verbatim.
fn old_moves<'a>(path: &[&'a Quote], p: &SteamParams) -> Vec<Move<'a>> {
    let mut out = Vec::new();
    let Some(mut anchor) = path.first().copied() else {
        return out;
    };
    for q in &path[1..] {
        let (pts, prob) = toward(q.selection, anchor, q);
        match direction(pts, prob, p.min_points, p.min_prob) {
            1 => {
                out.push(Move {
                    book: q.book.as_str(),
                    at_ms: q.observed_ms,
                    from: anchor,
                    to: q,
                });
                anchor = q;
            }
            -1 => anchor = q,
            _ => {}
        }
    }
    out
}

/// `detect_steam` before the grouped paths, verbatim.
fn old_detect_steam(quotes: &[Quote], p: &SteamParams, now_ms: i64) -> SteamReport {
    let slots = old_paths_by_slot(quotes);
    let since = now_ms.saturating_sub(p.lookback_ms);
    let mut report = SteamReport::default();
    for ((event_id, market, scope, selection), mut books) in slots {
        for path in books.values_mut() {
            path.sort_by_key(|q| q.observed_ms);
        }
        let mut all: Vec<Move> = books.values().flat_map(|path| old_moves(path, p)).collect();
        all.sort_by(|a, b| a.at_ms.cmp(&b.at_ms).then_with(|| a.book.cmp(b.book)));
        let mut events: Vec<(Move, Vec<Follower>)> = Vec::new();
        for m in &all {
            let open = events.iter_mut().rev().find(|(e, _)| {
                m.at_ms >= e.at_ms && m.at_ms <= e.at_ms.saturating_add(p.window_ms)
            });
            match open {
                Some((e, followers))
                    if m.book != e.book && !followers.iter().any(|f| f.book == m.book) =>
                {
                    followers.push(Follower {
                        book: m.book.to_string(),
                        lag_seconds: m.at_ms.saturating_sub(e.at_ms) as f64 / 1000.0,
                    });
                }
                Some(_) => {}
                None if is_originator(m.book, p) => events.push((*m, Vec::new())),
                None => {}
            }
        }
        // A book is stale for the latest closed event it missed, and only while it still deals
        // a number the originator has left.
        let mut stale: BTreeMap<&str, StaleLine> = BTreeMap::new();
        let mut slot_events = Vec::new();
        for (e, followers) in events {
            let closed = now_ms >= e.at_ms.saturating_add(p.window_ms);
            let mut stale_books = Vec::new();
            if closed {
                let orig_now = books
                    .get(e.book)
                    .and_then(|path| path.last().copied())
                    .unwrap_or(e.to);
                for (book, path) in &books {
                    if *book == e.book || followers.iter().any(|f| f.book == *book) {
                        continue;
                    }
                    let (Some(first), Some(last)) = (path.first(), path.last()) else {
                        continue;
                    };
                    if first.observed_ms > e.at_ms {
                        continue; // it started quoting after the move: nothing to follow
                    }
                    let moved_since = old_moves(path, p).iter().any(|m| m.at_ms > e.at_ms);
                    let (pts, prob) = toward(selection, last, orig_now);
                    if moved_since || direction(pts, prob, p.min_points, p.min_prob) != 1 {
                        continue;
                    }
                    stale_books.push(book.to_string());
                    stale.insert(
                        book,
                        StaleLine {
                            event_id: event_id.to_string(),
                            market,
                            scope,
                            selection,
                            book: book.to_string(),
                            price: price(last),
                            originator: e.book.to_string(),
                            originator_price: price(orig_now),
                            steam_at_ms: e.at_ms,
                            stale_seconds: now_ms
                                .saturating_sub(e.at_ms.saturating_add(p.window_ms))
                                .max(0) as f64
                                / 1000.0,
                            fair_prob: None,
                            push_prob: 0.0,
                            ev: None,
                        },
                    );
                }
            }
            if e.at_ms < since {
                continue;
            }
            let (move_points, move_prob) = toward(selection, e.from, e.to);
            slot_events.push(SteamEvent {
                event_id: event_id.to_string(),
                market,
                scope,
                selection,
                originator: e.book.to_string(),
                at_ms: e.at_ms,
                from: price(e.from),
                to: price(e.to),
                move_prob,
                move_points: move_points.max(0.0),
                followers,
                stale_books,
                window_closed: closed,
            });
        }
        report
            .stale
            .extend(stale.into_values().filter(|s| s.steam_at_ms >= since));
        report.events.extend(slot_events);
    }
    report
        .events
        .sort_by(|a, b| b.at_ms.cmp(&a.at_ms).then_with(|| a.id().cmp(&b.id())));
    report
}

/// Slots, books and paths with the very same rows in the same order.
type Shape<'a> = Vec<(SlotKey<'a>, Vec<(&'a str, Vec<*const Quote>)>)>;

fn old_shape<'a>(slots: &[Slot<'a>]) -> Shape<'a> {
    slots
        .iter()
        .map(|(k, books)| {
            let books = books
                .iter()
                .map(|(b, path)| (*b, path.iter().map(|q| *q as *const Quote).collect()))
                .collect();
            (*k, books)
        })
        .collect()
}

fn shape<'a>(p: &SteamPaths<'a>) -> Shape<'a> {
    p.slots()
        .map(|(k, books)| {
            let books = books
                .iter()
                .map(|b| {
                    let rows = p.rows(b);
                    // Each row's copied fields are its quote's.
                    for r in rows {
                        let q = r.quote;
                        assert_eq!(
                            (r.at_ms, r.line, r.american),
                            (q.observed_ms, q.line, q.american)
                        );
                    }
                    (
                        p.book(b.0),
                        rows.iter().map(|r| r.quote as *const Quote).collect(),
                    )
                })
                .collect();
            (k, books)
        })
        .collect()
}

/// Book names and event ids that share a length, a prefix or a suffix, so the in-place
/// comparison of two words meets near misses.
const BOOKS: [&str; 5] = ["pinnacle", "pinnaclf", "bovada", "draftkings", "circa"];
const EVENTS: [&str; 3] = ["2025_10_G01", "2025_10_G10", "ev10"];

/// Random path rows: a few books, events, markets (a ladder among them), both sides, lines and
/// prices from short lists so moves of every kind happen, times on a coarse grid so rows tie.
fn any_rows() -> impl Strategy<Value = Vec<Quote>> {
    let row = (
        0usize..5,
        0usize..3,
        0usize..4,
        0usize..2,
        0usize..2,
        0usize..4,
        0usize..4,
        0i64..40,
    );
    proptest::collection::vec(row, 0..160).prop_map(|rows| {
        rows.into_iter()
            .map(|(b, e, m, sel, sc, line, am, t)| Quote {
                event_id: EVENTS[e].into(),
                market: [
                    MarketKind::Spread,
                    MarketKind::Total,
                    MarketKind::Moneyline,
                    MarketKind::SpreadAlt,
                ][m],
                selection: [Selection::Home, Selection::Away][sel],
                scope: [Scope::Game, Scope::H1][sc],
                line: Some([-3.0, -3.5, -2.5, -4.0][line]),
                american: [-110, -105, -125, 120][am],
                observed_ms: t * 10_000,
                ..quote(BOOKS[b], -3.0, -110, 0)
            })
            .collect()
    })
}

fn same_report(a: &SteamReport, b: &SteamReport) -> Result<(), TestCaseError> {
    prop_assert_eq!(&a.events, &b.events);
    prop_assert_eq!(&a.stale, &b.stale);
    Ok(())
}

proptest! {
    #[test]
    fn packed_grouping_files_every_row_as_before(qs in any_rows()) {
        prop_assert_eq!(
            shape(&SteamPaths::grouped(&qs)),
            old_shape(&old_paths_by_slot(&qs))
        );
    }

    #[test]
    fn grouped_paths_give_the_old_steam(
        qs in any_rows(),
        originators in proptest::collection::vec(0usize..5, 0..3),
        window in 0i64..200_000,
        lookback in 0i64..600_000,
        now in 0i64..500_000,
    ) {
        let origin: Vec<String> = originators.iter().map(|b| BOOKS[*b].to_uppercase()).collect();
        let p = SteamParams { window_ms: window, lookback_ms: lookback, ..params(&origin) };
        same_report(&detect_steam(&qs, &p, now), &old_detect_steam(&qs, &p, now))?;
    }
}

#[test]
fn grouped_paths_give_the_old_steam_on_the_steam_board() {
    let origin = vec!["pinnacle".to_string()];
    let board = steam_board();
    for now in [1_050_000, 1_300_000] {
        let p = params(&origin);
        let new = detect_steam(&board, &p, now);
        assert!(!new.events.is_empty());
        same_report(&new, &old_detect_steam(&board, &p, now)).expect("same report");
    }
}

/// A bench-shaped odds path: sharp books move every main line half a point at once, copiers
/// follow 20-80 s later (some inside the window, some after), one book never does, each path's
/// latest row comes last in the input, and a ladder rung is mixed in.
fn bench_path() -> Vec<Quote> {
    let books = ["pinnacle", "circa", "draftkings", "fanduel", "bovada"];
    let mut latest = Vec::new();
    for (g, event) in EVENTS.iter().take(2).enumerate() {
        for (b, book) in books.iter().enumerate() {
            for scope in [Scope::Game, Scope::H1] {
                for (market, selection, line) in [
                    (MarketKind::Spread, Selection::Home, Some(-3.0 - g as f64)),
                    (MarketKind::Spread, Selection::Away, Some(3.0 + g as f64)),
                    (MarketKind::Total, Selection::Over, Some(44.0)),
                    (MarketKind::Moneyline, Selection::Home, None),
                    (MarketKind::SpreadAlt, Selection::Home, Some(-7.0)),
                ] {
                    latest.push(Quote {
                        event_id: (*event).into(),
                        market,
                        scope,
                        selection,
                        line: if b == 4 { line.map(|l| l + 0.5) } else { line },
                        american: -110 - b as i64,
                        observed_ms: 1_000_000 - b as i64 * 1_000,
                        ..quote(book, 0.0, -110, 0)
                    });
                }
            }
        }
    }
    let mut path = Vec::new();
    for (i, q) in latest.iter().enumerate() {
        let b = books.iter().position(|x| *x == q.book).unwrap_or(0);
        let moved_at = 700_000 + if b < 2 { 0 } else { 20_000 * b as i64 };
        for step in 0..6 {
            let t = 400_000 + step * 60_000 + (i % 3) as i64 * 10_000;
            let mut old = q.clone();
            old.observed_ms = t;
            if t < moved_at && b != 4 {
                old.line = q.line.map(|l| l + 0.5);
            }
            path.push(old);
        }
    }
    path.extend(latest);
    path
}

#[test]
fn grouped_paths_give_the_old_steam_on_a_bench_shaped_path() {
    let path = bench_path();
    let origin = vec!["pinnacle".to_string(), "circa".to_string()];
    let every: Vec<String> = ["bovada", "circa", "draftkings", "fanduel", "pinnacle"]
        .map(String::from)
        .to_vec();
    for (originators, window) in [(&origin, 60_000), (&every, 60_000), (&origin, 200_000)] {
        let p = SteamParams {
            window_ms: window,
            ..params(originators)
        };
        let new = detect_steam(&path, &p, 1_000_000);
        // Not a vacuous comparison: events with followers, and stale lines.
        assert!(new.events.iter().any(|e| !e.followers.is_empty()));
        assert!(!new.stale.is_empty());
        same_report(&new, &old_detect_steam(&path, &p, 1_000_000)).expect("same report");
    }
}
