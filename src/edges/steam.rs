//! Steam and stale lines from the odds path. A move at an originator book (by default the sharp
//! books) of at least a configured size is steam; books that move the same way within the window
//! are its followers, with their lags. A book that has still not moved when the window closes, and
//! still deals a number the originator has left, is a stale line: the classic edge.
//!
//! Moves are measured from an anchor that resets at each move, so a price that drifts one cent
//! per poll still counts once the drift adds up. Only main markets are scanned: every rung of a
//! ladder moves with its main line, and would repeat each event dozens of times.

use super::steam_paths::{Row, SteamPaths};
use crate::domain::odds::american_to_decimal;
use crate::domain::{MarketKind, Quote, Scope, Selection};
use serde::Serialize;
use std::ops::Range;

#[derive(Debug, Clone, Copy)]
pub struct SteamParams<'a> {
    /// Books whose moves start steam (compared without case).
    pub originators: &'a [String],
    pub min_prob: f64,
    pub min_points: f64,
    pub window_ms: i64,
    /// Events older than this (before `now - lookback_ms`) are left out.
    pub lookback_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Follower {
    pub book: String,
    pub lag_seconds: f64,
}

/// The price a book dealt, for display: American odds and line.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Price {
    pub american: i64,
    pub line: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SteamEvent {
    pub event_id: String,
    pub market: MarketKind,
    pub scope: Scope,
    /// The side the money came in on.
    pub selection: Selection,
    pub originator: String,
    pub at_ms: i64,
    pub from: Price,
    pub to: Price,
    /// Change in implied probability toward `selection` (with the vig).
    pub move_prob: f64,
    /// Points the line moved against `selection` (0 when only the price moved).
    pub move_points: f64,
    pub followers: Vec<Follower>,
    /// Books that had not followed when the window closed.
    pub stale_books: Vec<String>,
    /// False while followers may still come.
    pub window_closed: bool,
}

impl SteamEvent {
    /// Stable identity of the event, for counters and alert dedup.
    pub fn id(&self) -> String {
        format!(
            "{}|{}|{}|{}|{}|{}",
            self.event_id, self.market, self.scope, self.selection, self.originator, self.at_ms
        )
    }
}

/// A book still dealing the number an originator has left.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StaleLine {
    pub event_id: String,
    pub market: MarketKind,
    pub scope: Scope,
    pub selection: Selection,
    pub book: String,
    pub price: Price,
    pub originator: String,
    /// The originator's price after its move, and now.
    pub originator_price: Price,
    pub steam_at_ms: i64,
    /// How long the book has been stale: since the follow window closed.
    pub stale_seconds: f64,
    /// Win probability against the new fair price, its push share and the EV; `None` when the
    /// originator's complete market is not on the board.
    pub fair_prob: Option<f64>,
    pub push_prob: f64,
    pub ev: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SteamReport {
    pub events: Vec<SteamEvent>,
    pub stale: Vec<StaleLine>,
}

/// Line points move against a selection when they make it harder to win: spread sides and
/// unders when the line falls (-3 to -3.5, +3 to +2.5), overs when it rises.
fn against_sign(s: Selection) -> f64 {
    match s {
        Selection::Over | Selection::HomeOver | Selection::AwayOver => 1.0,
        _ => -1.0,
    }
}

/// How far `to` is from `from` toward `selection`: (points the line moved against the
/// selection, implied probability gained). Positive means money on the selection.
pub fn toward(selection: Selection, from: &Quote, to: &Quote) -> (f64, f64) {
    toward_prices(
        selection,
        (from.line, from.american),
        (to.line, to.american),
    )
}

/// `toward` over (line, American odds) pairs, as the grouped paths hold them.
fn toward_prices(
    selection: Selection,
    from: (Option<f64>, i64),
    to: (Option<f64>, i64),
) -> (f64, f64) {
    let points = match (from.0, to.0) {
        (Some(a), Some(b)) if a.is_finite() && b.is_finite() => against_sign(selection) * (b - a),
        _ => 0.0,
    };
    // `Quote::decimal`, then the implied probability of a usable price.
    let implied = |american: i64| {
        let d = american_to_decimal(american).unwrap_or(f64::NAN);
        if d.is_finite() && d > 1.0 {
            1.0 / d
        } else {
            f64::NAN
        }
    };
    (points, implied(to.1) - implied(from.1))
}

/// `toward` between two path rows.
fn toward_rows(selection: Selection, from: &Row<'_>, to: &Row<'_>) -> (f64, f64) {
    toward_prices(
        selection,
        (from.line, from.american),
        (to.line, to.american),
    )
}

/// +1 for a move toward the selection, -1 for one away, 0 for none, at the given thresholds.
/// A line move decides by itself; the price only counts when the line stayed put.
pub fn direction(points: f64, prob: f64, min_points: f64, min_prob: f64) -> i8 {
    if points.abs() > 1e-9 {
        if points >= min_points - 1e-9 {
            1
        } else if points <= -(min_points - 1e-9) {
            -1
        } else {
            0
        }
    } else if prob >= min_prob {
        1
    } else if prob <= -min_prob {
        -1
    } else {
        0
    }
}

#[derive(Debug, Clone, Copy)]
struct Move<'a> {
    /// The book's rank on the paths (`SteamPaths::book`).
    book: u32,
    /// The book's place among its slot's paths (name order).
    idx: usize,
    at_ms: i64,
    from: Row<'a>,
    to: Row<'a>,
}

/// Appends the moves toward `selection` along one book's path (oldest first).
fn moves_into<'a>(
    path: &[Row<'a>],
    (book, idx): (u32, usize),
    selection: Selection,
    p: &SteamParams,
    out: &mut Vec<Move<'a>>,
) {
    let Some(mut anchor) = path.first().copied() else {
        return;
    };
    for q in &path[1..] {
        let (pts, prob) = toward_rows(selection, &anchor, q);
        match direction(pts, prob, p.min_points, p.min_prob) {
            1 => {
                out.push(Move {
                    book,
                    idx,
                    at_ms: q.at_ms,
                    from: anchor,
                    to: *q,
                });
                anchor = *q;
            }
            -1 => anchor = *q,
            _ => {}
        }
    }
}

fn is_originator(book: &str, p: &SteamParams) -> bool {
    p.originators.iter().any(|o| o.eq_ignore_ascii_case(book))
}

fn price(q: &Row<'_>) -> Price {
    Price {
        american: q.american,
        line: q.line,
    }
}

/// Steam events and stale lines in `quotes` (odds paths of any books, any order; repeated
/// confirmations of one price are harmless). Events newest first; stale lines carry no EV here
/// (see `markets::price_stale`).
pub fn detect_steam(quotes: &[Quote], p: &SteamParams, now_ms: i64) -> SteamReport {
    detect_steam_in(&SteamPaths::of(quotes), p, now_ms)
}

/// The same over paths already grouped (a pass groups once for its two steam scans).
pub fn detect_steam_in<'q>(paths: &SteamPaths<'q>, p: &SteamParams, now_ms: i64) -> SteamReport {
    let since = now_ms.saturating_sub(p.lookback_ms);
    let mut report = SteamReport::default();
    // Which books start steam, by rank: once per scan, not once per move.
    let originator: Vec<bool> = paths.books().iter().map(|b| is_originator(b, p)).collect();
    // Each book's moves, found once per slot: the stale check reads them again.
    let mut moves: Vec<Move<'q>> = Vec::new();
    let mut spans: Vec<Range<usize>> = Vec::new();
    for ((event_id, market, scope, selection), books) in paths.slots() {
        moves.clear();
        spans.clear();
        for (idx, path) in books.iter().enumerate() {
            let start = moves.len();
            moves_into(paths.rows(path), (path.0, idx), selection, p, &mut moves);
            spans.push(start..moves.len());
        }
        // Books are in name order, so their places order them as their names do.
        let mut all = moves.clone();
        all.sort_by(|a, b| a.at_ms.cmp(&b.at_ms).then_with(|| a.idx.cmp(&b.idx)));
        // Each event with its followers' places and lags.
        let mut events: Vec<(Move, Vec<(usize, f64)>)> = Vec::new();
        for m in &all {
            let open = events.iter_mut().rev().find(|(e, _)| {
                m.at_ms >= e.at_ms && m.at_ms <= e.at_ms.saturating_add(p.window_ms)
            });
            match open {
                Some((e, followers))
                    if m.idx != e.idx && !followers.iter().any(|f| f.0 == m.idx) =>
                {
                    let lag = m.at_ms.saturating_sub(e.at_ms) as f64 / 1000.0;
                    followers.push((m.idx, lag));
                }
                Some(_) => {}
                None if originator.get(m.book as usize) == Some(&true) => {
                    events.push((*m, Vec::new()))
                }
                None => {}
            }
        }
        // A book is stale for the latest closed event it missed (its index here), and only
        // while it still deals a number the originator has left.
        let mut stale: Vec<Option<usize>> = vec![None; books.len()];
        let last_row =
            |idx: usize, or: Row<'q>| paths.rows(&books[idx]).last().copied().unwrap_or(or);
        for (n, (e, followers)) in events.iter().enumerate() {
            let closed = now_ms >= e.at_ms.saturating_add(p.window_ms);
            let mut stale_books = Vec::new();
            if closed {
                let orig_now = last_row(e.idx, e.to);
                for (idx, path) in books.iter().enumerate() {
                    if idx == e.idx || followers.iter().any(|f| f.0 == idx) {
                        continue;
                    }
                    let rows = paths.rows(path);
                    let (Some(first), Some(last)) = (rows.first(), rows.last()) else {
                        continue;
                    };
                    if first.at_ms > e.at_ms {
                        continue; // it started quoting after the move: nothing to follow
                    }
                    let moved_since = moves[spans[idx].clone()].iter().any(|m| m.at_ms > e.at_ms);
                    let (pts, prob) = toward_rows(selection, last, &orig_now);
                    if moved_since || direction(pts, prob, p.min_points, p.min_prob) != 1 {
                        continue;
                    }
                    stale_books.push(paths.book(path.0).to_string());
                    stale[idx] = Some(n);
                }
            }
            if e.at_ms < since {
                continue;
            }
            let (move_points, move_prob) = toward_rows(selection, &e.from, &e.to);
            report.events.push(SteamEvent {
                event_id: event_id.to_string(),
                market,
                scope,
                selection,
                originator: paths.book(e.book).to_string(),
                at_ms: e.at_ms,
                from: price(&e.from),
                to: price(&e.to),
                move_prob,
                move_points: move_points.max(0.0),
                followers: followers
                    .iter()
                    .map(|(idx, lag)| Follower {
                        book: paths.book(books[*idx].0).to_string(),
                        lag_seconds: *lag,
                    })
                    .collect(),
                stale_books,
                window_closed: closed,
            });
        }
        for (idx, n) in stale.iter().enumerate() {
            let Some(e) = n.map(|n| &events[n].0) else {
                continue;
            };
            if e.at_ms < since {
                continue;
            }
            report.stale.push(StaleLine {
                event_id: event_id.to_string(),
                market,
                scope,
                selection,
                book: paths.book(books[idx].0).to_string(),
                price: price(&last_row(idx, e.to)),
                originator: paths.book(e.book).to_string(),
                originator_price: price(&last_row(e.idx, e.to)),
                steam_at_ms: e.at_ms,
                stale_seconds: now_ms
                    .saturating_sub(e.at_ms.saturating_add(p.window_ms))
                    .max(0) as f64
                    / 1000.0,
                fair_prob: None,
                push_prob: 0.0,
                ev: None,
            });
        }
    }
    // Each id formatted once, not once per comparison (a stable sort, as before).
    report
        .events
        .sort_by_cached_key(|e| (std::cmp::Reverse(e.at_ms), e.id()));
    report
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn quote(book: &str, line: f64, american: i64, t_s: i64) -> Quote {
        Quote {
            event_id: "ev1".into(),
            book: book.into(),
            market: MarketKind::Spread,
            scope: Scope::Game,
            selection: Selection::Home,
            line: Some(line),
            american,
            observed_ms: t_s * 1000,
            source: "test".into(),
        }
    }

    /// Pinnacle moves home -3 to -3.5 at t0 = 1000 s; DraftKings follows 40 s later; Bovada
    /// never does. Every book re-confirms its price each 10 s.
    pub fn steam_board() -> Vec<Quote> {
        let mut qs = Vec::new();
        for t in (900..=1300).step_by(10) {
            let moved = |at: i64| t >= at;
            qs.push(if moved(1000) {
                quote("pinnacle", -3.5, -105, t)
            } else {
                quote("pinnacle", -3.0, -105, t)
            });
            qs.push(if moved(1040) {
                quote("draftkings", -3.5, -110, t)
            } else {
                quote("draftkings", -3.0, -110, t)
            });
            qs.push(quote("bovada", -3.0, -110, t));
        }
        qs
    }

    /// The steam board with each market completed (the away side at each book's line and
    /// price), so holds and fair prices can be measured on it.
    pub fn two_sided_steam_board() -> Vec<Quote> {
        let mut board = steam_board();
        let away: Vec<Quote> = board
            .iter()
            .map(|q| Quote {
                selection: crate::domain::Selection::Away,
                line: q.line.map(|l| -l),
                ..q.clone()
            })
            .collect();
        board.extend(away);
        board
    }

    pub fn params(originators: &[String]) -> SteamParams<'_> {
        SteamParams {
            originators,
            min_prob: 0.015,
            min_points: 0.5,
            window_ms: 60_000,
            lookback_ms: 3_600_000,
        }
    }

    #[test]
    fn one_steam_event_with_a_40_second_follower_and_one_stale_line() {
        let origin = vec!["pinnacle".to_string()];
        let r = detect_steam(&steam_board(), &params(&origin), 1_300_000);
        assert_eq!(r.events.len(), 1, "{:#?}", r.events);
        let e = &r.events[0];
        assert_eq!((e.originator.as_str(), e.at_ms), ("pinnacle", 1_000_000));
        assert_eq!(e.selection, Selection::Home);
        assert_eq!(
            e.followers,
            vec![Follower {
                book: "draftkings".into(),
                lag_seconds: 40.0
            }]
        );
        assert_eq!(e.stale_books, vec!["bovada".to_string()]);
        assert!(e.window_closed && (e.move_points - 0.5).abs() < 1e-12);
        assert_eq!(r.stale.len(), 1);
        let s = &r.stale[0];
        assert_eq!((s.book.as_str(), s.price.line), ("bovada", Some(-3.0)));
        assert_eq!(s.originator_price.line, Some(-3.5));
        assert_eq!(s.stale_seconds, 240.0);
    }

    #[test]
    fn no_stale_line_while_the_window_is_open_or_after_a_late_follow() {
        let origin = vec!["pinnacle".to_string()];
        let board: Vec<Quote> = steam_board()
            .into_iter()
            .filter(|q| q.observed_ms <= 1_050_000)
            .collect();
        let r2 = detect_steam(&board, &params(&origin), 1_050_000);
        assert_eq!(r2.events.len(), 1);
        assert!(r2.stale.is_empty() && !r2.events[0].window_closed);
        // Bovada catching up after the window is no longer stale.
        let mut late = steam_board();
        late.push(quote("bovada", -3.5, -110, 1_310));
        let r3 = detect_steam(&late, &params(&origin), 1_320_000);
        assert!(r3.stale.is_empty());
        // With no originator the same board holds no steam.
        assert!(detect_steam(&steam_board(), &params(&[]), 1_300_000)
            .events
            .is_empty());
    }

    #[test]
    fn price_drift_counts_once_it_adds_up() {
        let origin = vec!["pinnacle".to_string()];
        // -105 to -125 a cent or two at a time: no single step reaches 1.5% implied.
        let qs: Vec<Quote> = (0..=20)
            .map(|i| quote("pinnacle", -3.0, -105 - i, i * 10))
            .collect();
        let r = detect_steam(&qs, &params(&origin), 300_000);
        assert!(!r.events.is_empty());
        assert!(r.events.iter().all(|e| e.move_prob >= 0.015));
    }

    proptest::proptest! {
        #[test]
        fn any_path_gives_an_answer_not_a_panic(
            rows in proptest::collection::vec(
                (0usize..3, proptest::option::of(-20.0f64..20.0), proptest::prelude::any::<i64>(),
                 proptest::prelude::any::<i64>()), 0..60),
            window in proptest::prelude::any::<i64>(),
            now in proptest::prelude::any::<i64>(),
        ) {
            let books = ["pinnacle", "draftkings", "bovada"];
            let qs: Vec<Quote> = rows
                .iter()
                .map(|(b, line, am, t)| Quote {
                    line: *line,
                    american: *am,
                    observed_ms: *t,
                    ..quote(books[*b], 0.0, -110, 0)
                })
                .collect();
            let origin = vec!["pinnacle".to_string()];
            let p = SteamParams { window_ms: window, lookback_ms: window, ..params(&origin) };
            let r = detect_steam(&qs, &p, now);
            for s in &r.stale {
                proptest::prop_assert!(s.stale_seconds >= 0.0);
            }
        }
    }

    #[test]
    fn direction_reads_lines_before_prices() {
        assert_eq!(direction(0.5, -0.1, 0.5, 0.015), 1);
        assert_eq!(direction(-0.5, 0.1, 0.5, 0.015), -1);
        assert_eq!(direction(0.0, 0.02, 0.5, 0.015), 1);
        assert_eq!(direction(0.0, 0.01, 0.5, 0.015), 0);
        assert_eq!(direction(0.0, f64::NAN, 0.5, 0.015), 0);
    }
}
