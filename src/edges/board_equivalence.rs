//! The shared board must not change a single row: arbitrage, low hold and middles over
//! `Board::of` against the algorithms it replaced (a hash map of vectors per market for
//! arbitrage and low hold; a second grouping into ordered maps per axis for middles), on a
//! bench-shaped board and on random ones with ties, duplicates and unusable prices.

use super::arbitrage::{arbitrage_in, arbitrage_over};
use super::board::{
    best_of, board_key, hundredths, pack, usable, Board, BoardKey, EventIds, U64Hasher,
};
use super::grouping::same_str;
use super::hold::{low_holds_in, low_holds_over};
use super::middles::{find_middles_reference, middles_in};
use crate::domain::{MarketKind as M, Quote, Scope, Selection as S};
use crate::pricing::{load_games, GameInputs, PricingEngine, SlateGame, SlateSimulation};
use proptest::prelude::*;
use std::collections::HashMap;

type OldGroup<'a> = (BoardKey<'a>, Vec<&'a Quote>);

/// The grouping before the shared board: a vector per market, sorted by key.
fn old_group<'a>(latest: &[&'a Quote]) -> Vec<OldGroup<'a>> {
    let mut events = EventIds::default();
    let mut by: HashMap<(u64, Option<i64>), OldGroup<'a>, U64Hasher> = HashMap::default();
    for q in latest {
        if usable(q) {
            if let Some(k) = board_key(q) {
                let e = events.id(k.event_id);
                by.entry(pack(e, &k))
                    .or_insert_with(|| (k, Vec::new()))
                    .1
                    .push(q);
            }
        }
    }
    let mut out: Vec<_> = by.into_values().collect();
    out.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    out
}

/// The best legs before the one-pass scan: one `max_by` per selection.
fn old_best_legs<'a>(key: &BoardKey<'_>, quotes: &[&'a Quote]) -> Option<Vec<&'a Quote>> {
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

fn sim(games: usize) -> SlateSimulation {
    let rows = load_games(concat!(env!("CARGO_MANIFEST_DIR"), "/data/games.csv")).expect("games");
    let engine = PricingEngine::from_games(&rows, &Default::default()).expect("engine");
    let slate: Vec<SlateGame> = (0..games)
        .map(|g| {
            SlateGame::new(
                format!("G{g}"),
                GameInputs {
                    mean_margin: -3.0 + g as f64,
                    mean_total: 44.0,
                },
                2025,
            )
        })
        .collect();
    engine.simulate_slate(&slate, 0, 1)
}

fn assert_same(qs: &[Quote], sim: &SlateSimulation) {
    let latest: Vec<&Quote> = qs.iter().collect();
    let board = Board::of(&latest);
    let old = old_group(&latest);
    let old_iter = || {
        old.iter()
            .map(|(k, v)| (k, old_best_legs(k, v), v.as_slice()))
    };
    assert_eq!(board.len(), old.len());
    for (((k, qs), (_, legs)), (ok, oqs)) in board.groups().zip(board.markets()).zip(&old) {
        assert_eq!((k, qs), (ok, oqs.as_slice()));
        // Same quote objects, not only equal ones (exact ties within a book).
        let ptrs = |v: Option<Vec<&Quote>>| {
            v.map(|v| v.into_iter().map(|q| q as *const Quote).collect::<Vec<_>>())
        };
        assert_eq!(ptrs(best_of(k, legs)), ptrs(old_best_legs(ok, oqs)));
    }
    let arbs = arbitrage_over(old_iter().map(|(k, b, _)| (k, b)), 5_000, 120.0);
    // The scan keeps the first `limit` rows of the whole list.
    for limit in [usize::MAX, 200, 3, 1, 0] {
        assert_eq!(
            arbitrage_in(&board, 5_000, 120.0, limit),
            arbs[..arbs.len().min(limit)]
        );
    }
    assert_eq!(low_holds_in(&board, 0.5), low_holds_over(old_iter(), 0.5));
    // Short limits make the scan drop candidates and skip pairs under its cutoff.
    for (min_ev, limit) in [
        (-1.0, usize::MAX),
        (-0.05, 7),
        (0.0, 200),
        (0.0, 1),
        (-0.3, 3),
        (0.0, 0),
    ] {
        assert_eq!(
            middles_in(&board, sim, min_ev, limit),
            find_middles_reference(&latest, sim, min_ev, limit)
        );
    }
}

/// A bench-shaped board: every scope, main lines, both ladders and team totals, books off by
/// half points, prices with noise (so ties between books happen).
fn ladder_board(games: usize, books: usize, seed: u64) -> Vec<Quote> {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_pcg::Pcg64::seed_from_u64(seed);
    let mut qs = Vec::new();
    for g in 0..games {
        for b in 0..books {
            for scope in Scope::ALL {
                let mut push = |market, selection, line: Option<f64>, rng: &mut rand_pcg::Pcg64| {
                    let a: i64 = rng.random_range(-125..-95);
                    qs.push(Quote {
                        event_id: format!("G{g}"),
                        book: format!("book{}", b % 7),
                        market,
                        scope,
                        selection,
                        line,
                        american: if a > -100 { 100 + (-a - 95) } else { a },
                        observed_ms: rng.random_range(0..10_000),
                        source: "test".into(),
                    });
                };
                let spread = -3.0 + 0.5 * (b % 3) as f64;
                let tot = 44.0 + 0.5 * (b % 2) as f64;
                push(M::Moneyline, S::Home, None, &mut rng);
                push(M::Moneyline, S::Away, None, &mut rng);
                push(M::Spread, S::Home, Some(spread), &mut rng);
                push(M::Spread, S::Away, Some(-spread), &mut rng);
                push(M::Total, S::Over, Some(tot), &mut rng);
                push(M::Total, S::Under, Some(tot), &mut rng);
                for k in -4..4 {
                    let l = spread + k as f64;
                    push(M::SpreadAlt, S::Home, Some(l), &mut rng);
                    push(M::SpreadAlt, S::Away, Some(-l), &mut rng);
                    push(M::TotalAlt, S::Over, Some(tot + k as f64), &mut rng);
                    push(M::TotalAlt, S::Under, Some(tot + k as f64), &mut rng);
                }
                for (o, u) in [(S::HomeOver, S::HomeUnder), (S::AwayOver, S::AwayUnder)] {
                    push(M::TeamTotal, o, Some(21.5), &mut rng);
                    push(M::TeamTotal, u, Some(22.5), &mut rng);
                }
            }
        }
    }
    qs
}

#[test]
fn the_shared_board_gives_the_old_rows_on_a_ladder_board() {
    let sim = sim(3);
    for seed in 0..3 {
        let qs = ladder_board(3, 10, seed);
        let latest: Vec<&Quote> = qs.iter().collect();
        // Not a vacuous comparison: the board has rows of each kind.
        assert!(!find_middles_reference(&latest, &sim, 0.0, 200).is_empty());
        let old = old_group(&latest);
        let old_iter = old
            .iter()
            .map(|(k, v)| (k, old_best_legs(k, v), v.as_slice()));
        assert!(!low_holds_over(old_iter, 0.5).is_empty());
        assert_same(&qs, &sim);
    }
}

fn any_quote() -> impl Strategy<Value = Quote> {
    let markets = prop_oneof![
        Just((M::Moneyline, S::Home)),
        Just((M::Moneyline, S::Away)),
        Just((M::Moneyline3Way, S::Tie)),
        Just((M::Spread, S::Home)),
        Just((M::SpreadAlt, S::Away)),
        Just((M::Spread, S::Away)),
        Just((M::Total, S::Over)),
        Just((M::TotalAlt, S::Under)),
        Just((M::TeamTotal, S::HomeOver)),
        Just((M::TeamTotal, S::AwayUnder)),
        Just((M::Spread, S::Over)),
    ];
    (
        0usize..2,
        0usize..4,
        markets,
        0usize..2,
        proptest::option::of(-8i32..8),
        // Long shots too, up to absurd ones, where rounding in the middles' EV bound is largest.
        prop_oneof![
            4 => prop_oneof![Just(-110i64), Just(105), -300i64..300],
            1 => prop_oneof![Just(100_000i64), Just(1_000_000_000_000), Just(-1_000_000_000)],
        ],
        0i64..10_000,
    )
        .prop_map(|(g, b, (market, selection), sc, line, american, t)| Quote {
            event_id: format!("G{g}"),
            book: ["a", "b", "c", "d"][b].into(),
            market,
            scope: [Scope::Game, Scope::H1][sc],
            selection,
            line: line.map(|l| f64::from(l) / 2.0 + if market == M::Total { 44.0 } else { 0.0 }),
            american,
            observed_ms: t,
            source: "test".into(),
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn the_shared_board_gives_the_old_rows_on_random_boards(
        qs in proptest::collection::vec(any_quote(), 0..120)
    ) {
        assert_same(&qs, &sim(2));
    }
}

proptest! {
    #[test]
    fn hundredths_round_as_before(l in prop_oneof![
        any::<f64>(),
        -100.0f64..100.0,
        // Near and at half hundredths, and around 2^52 where floats stop having fractions.
        (-4000i32..4000).prop_map(|h| f64::from(h) / 200.0),
        (-8i64..8).prop_map(|d| (4_503_599_627_370_496.0 + d as f64 * 0.5) / 100.0),
    ]) {
        prop_assert_eq!(hundredths(l), (l * 100.0).round() as i64);
        prop_assert_eq!(hundredths(-l), (-l * 100.0).round() as i64);
    }

    #[test]
    fn same_str_is_string_equality(a in "[ab]{0,20}", b in "[ab]{0,20}") {
        prop_assert_eq!(same_str(&a, &b), a == b);
        prop_assert!(same_str(&a, &a.clone()));
    }
}
