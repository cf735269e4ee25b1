//! Invariants of the engine against history and against its own exact distributions.

use super::*;
use crate::config::schema::AnalyticsConfig;
use std::sync::OnceLock;

fn history() -> &'static [GameRecord] {
    static G: OnceLock<Vec<GameRecord>> = OnceLock::new();
    G.get_or_init(|| {
        load_games(concat!(env!("CARGO_MANIFEST_DIR"), "/data/games.csv")).expect("games.csv")
    })
}

fn engine() -> &'static PricingEngine {
    static E: OnceLock<PricingEngine> = OnceLock::new();
    E.get_or_init(|| {
        PricingEngine::from_games(history(), &AnalyticsConfig::default()).expect("engine")
    })
}

fn slate() -> Vec<(String, GameInputs)> {
    vec![
        (
            "fav3".into(),
            GameInputs {
                mean_margin: 3.0,
                mean_total: 44.5,
            },
        ),
        (
            "dog7".into(),
            GameInputs {
                mean_margin: -7.0,
                mean_total: 51.0,
            },
        ),
        (
            "pick".into(),
            GameInputs {
                mean_margin: 0.0,
                mean_total: 38.0,
            },
        ),
    ]
}

fn queries() -> Vec<(MarketKind, Selection, Option<f64>)> {
    use MarketKind as M;
    use Selection as S;
    let mut q = vec![
        (M::Moneyline, S::Home, None),
        (M::Moneyline, S::Away, None),
        (M::Moneyline3Way, S::Home, None),
        (M::Moneyline3Way, S::Away, None),
        (M::Moneyline3Way, S::Tie, None),
    ];
    for l in [-7.0, -3.5, -3.0, 0.0, 2.5, 3.0, 10.0] {
        q.push((M::Spread, S::Home, Some(l)));
        q.push((M::Spread, S::Away, Some(-l)));
    }
    for l in [3.5, 10.0, 20.5, 44.0, 44.5, 51.0] {
        q.push((M::Total, S::Over, Some(l)));
        q.push((M::Total, S::Under, Some(l)));
        q.push((M::TeamTotal, S::HomeOver, Some(l / 2.0)));
        q.push((M::TeamTotal, S::HomeUnder, Some(l / 2.0)));
        q.push((M::TeamTotal, S::AwayOver, Some(l / 2.0)));
        q.push((M::TeamTotal, S::AwayUnder, Some(l / 2.0)));
    }
    q
}

#[test]
fn probabilities_are_valid_and_complements_sum_to_one() {
    let sim = engine().simulate_slate(&slate(), 20_000, 3);
    for (id, _) in slate() {
        for scope in Scope::ALL {
            for exact in [false, true] {
                let get = |m, s, l| {
                    if exact {
                        sim.exact_outcome(&id, m, scope, s, l)
                    } else {
                        sim.outcome(&id, m, scope, s, l)
                    }
                    .expect("priced")
                };
                for (m, s, l) in queries() {
                    let o = get(m, s, l);
                    for p in [o.win, o.push, o.lose] {
                        assert!(
                            (0.0..=1.0 + 1e-12).contains(&p),
                            "{id} {scope} {m} {s} {l:?}: {o:?}"
                        );
                    }
                    assert!((o.win + o.push + o.lose - 1.0).abs() < 1e-9, "{o:?}");
                    if let Some(opp) = s.opposite() {
                        if m != MarketKind::Moneyline3Way {
                            let l2 = if matches!(m, MarketKind::Spread) {
                                l.map(|x| -x)
                            } else {
                                l
                            };
                            let other = get(m, opp, l2);
                            assert!(
                                (o.win - other.lose).abs() < 1e-12
                                    && (o.push - other.push).abs() < 1e-12
                            );
                        }
                    }
                }
                let three: f64 = [Selection::Home, Selection::Away, Selection::Tie]
                    .into_iter()
                    .map(|s| get(MarketKind::Moneyline3Way, s, None).win)
                    .sum();
                assert!((three - 1.0).abs() < 1e-9, "three-way sums to {three}");
                let ml = get(MarketKind::Moneyline, Selection::Home, None);
                let tie = get(MarketKind::Moneyline3Way, Selection::Tie, None);
                assert!(
                    (ml.push - tie.win).abs() < 1e-12,
                    "a moneyline pushes exactly on a tie"
                );
            }
        }
    }
    assert!(sim
        .outcome(
            "fav3",
            MarketKind::Spread,
            Scope::Game,
            Selection::Home,
            None
        )
        .is_none());
    assert!(sim
        .outcome(
            "fav3",
            MarketKind::Total,
            Scope::Game,
            Selection::Home,
            Some(44.5)
        )
        .is_none());
    assert!(sim
        .outcome(
            "nope",
            MarketKind::Moneyline,
            Scope::Game,
            Selection::Home,
            None
        )
        .is_none());
}

#[test]
fn league_average_game_matches_history_2015_2024() {
    let e = engine();
    let recent: Vec<&GameRecord> = history()
        .iter()
        .filter(|g| (2015..=2024).contains(&g.season) && g.is_played())
        .collect();
    let n = recent.len() as f64;
    let hist_total = recent.iter().filter_map(|g| g.total()).sum::<i32>() as f64 / n;
    let hist_margin = recent.iter().filter_map(|g| g.margin()).sum::<i32>() as f64 / n;
    let event = Event {
        event_id: "avg".into(),
        game_id: None,
        season: None,
        week: None,
        home_team: "HOME".into(),
        away_team: "AWAY".into(),
        commence_ms: 0,
    };
    let inputs = e.inputs(&event, None, None);
    let sim = e.simulate_slate(&[("avg".into(), inputs)], 400_000, 11);
    let dist = sim.simulated("avg", Scope::Game).expect("simulated");
    println!(
        "league-average game: simulated total {:.2} margin {:.2}; history 2015-2024 total {hist_total:.2} margin {hist_margin:.2}",
        dist.total.mean(),
        dist.margin.mean()
    );
    assert!((dist.total.mean() - hist_total).abs() < 1.0);
    assert!((dist.margin.mean() - hist_margin).abs() < 0.5);
}

#[test]
fn push_at_three_matches_history() {
    let (mut games, mut pushes) = (0.0, 0.0);
    for g in history() {
        if let (Some(s), Some(m)) = (g.spread_line, g.margin()) {
            if s.abs() == 3.0 {
                games += 1.0;
                // spread_line > 0: home favoured; the push is the favourite winning by exactly 3.
                if m as f64 == s {
                    pushes += 1.0;
                }
            }
        }
    }
    let empirical = pushes / games;
    let sim = engine().simulate_slate(
        &[(
            "g".into(),
            GameInputs {
                mean_margin: 3.0,
                mean_total: 44.0,
            },
        )],
        200_000,
        5,
    );
    let exact = sim
        .exact_outcome(
            "g",
            MarketKind::Spread,
            Scope::Game,
            Selection::Home,
            Some(-3.0),
        )
        .expect("priced");
    let simulated = sim
        .outcome(
            "g",
            MarketKind::Spread,
            Scope::Game,
            Selection::Home,
            Some(-3.0),
        )
        .expect("priced");
    let normal_only =
        crate::domain::normal::cdf(0.5 / 13.2) - crate::domain::normal::cdf(-0.5 / 13.2);
    println!(
        "push at -3: empirical {empirical:.4} (n={games}), model exact {:.4}, simulated {:.4}, bare normal {normal_only:.4}",
        exact.push, simulated.push
    );
    assert!((exact.push - empirical).abs() < 0.015);
    assert!((simulated.push - empirical).abs() < 0.015);
}

#[test]
fn key_numbers_show_in_the_margin() {
    let sim = engine().simulate_slate(
        &[(
            "g".into(),
            GameInputs {
                mean_margin: 2.0,
                mean_total: 45.0,
            },
        )],
        1,
        1,
    );
    let m: BTreeMap<i32, f64> = sim
        .exact_margin_distribution("g", Scope::Game)
        .expect("dist")
        .into_iter()
        .collect();
    let at = |k: i32| m.get(&k).copied().unwrap_or(0.0) + m.get(&-k).copied().unwrap_or(0.0);
    assert!(at(3) > 0.12 && at(3) > 2.0 * at(2) && at(7) > at(8) && at(7) > at(6));
    assert!(at(10) > at(11) && at(14) > at(13));
    assert!(at(0) < 0.01, "full-game ties are rare: {}", at(0));
    // Quarters tie often, halves sometimes, full games almost never.
    let tie = |scope| {
        sim.exact_outcome("g", MarketKind::Moneyline3Way, scope, Selection::Tie, None)
            .expect("tie")
            .win
    };
    assert!(
        tie(Scope::Q1) > 0.15 && tie(Scope::Q3) > 0.15,
        "1q tie {}",
        tie(Scope::Q1)
    );
    assert!(tie(Scope::H1) > 0.05 && tie(Scope::H1) < tie(Scope::Q1));
    // Halves add up to about the game.
    let mean = |scope| sim.joint("g", scope).expect("joint").mean_total();
    assert!((mean(Scope::H1) + mean(Scope::H2) - 45.0).abs() < 0.2);
    assert!(mean(Scope::Q2) > mean(Scope::Q1) && mean(Scope::Q4) > mean(Scope::Q3));
}

#[test]
fn game_total_matches_the_market_total() {
    for total in [37.5, 44.0, 52.5] {
        let j = engine().model().joint(
            &GameInputs {
                mean_margin: -6.5,
                mean_total: total,
            },
            Scope::Game,
        );
        assert!(
            (j.mean_total() - total).abs() < 1e-6,
            "{total}: {}",
            j.mean_total()
        );
        assert!((j.mean_margin() + 6.5).abs() < 1e-3, "{}", j.mean_margin());
    }
}

#[test]
fn monte_carlo_matches_exact_within_three_standard_errors() {
    let sim = engine().simulate_slate(&slate(), 50_000, 2024);
    let mut worst: f64 = 0.0;
    for (id, _) in slate() {
        for scope in [Scope::Game, Scope::H1, Scope::Q2] {
            // A handful of main markets: with hundreds of checks a 3-SE bound would be breached by
            // chance alone.
            let main = [
                (MarketKind::Moneyline, Selection::Home, None),
                (MarketKind::Spread, Selection::Home, Some(-3.0)),
                (MarketKind::Spread, Selection::Away, Some(6.5)),
                (MarketKind::Total, Selection::Over, Some(20.5)),
                (MarketKind::TeamTotal, Selection::AwayUnder, Some(10.5)),
            ];
            for (m, s, l) in main {
                let mc = sim.outcome(&id, m, scope, s, l).expect("mc");
                let ex = sim.exact_outcome(&id, m, scope, s, l).expect("exact");
                let se = (ex.win * (1.0 - ex.win) / 50_000.0).sqrt().max(1e-12);
                let z = (mc.win - ex.win).abs() / se;
                worst = worst.max(z);
                assert!(
                    z <= 3.0,
                    "{id} {scope} {m} {s} {l:?}: mc {} exact {} se {se}",
                    mc.win,
                    ex.win
                );
                assert_eq!(mc.std_error, (mc.win * (1.0 - mc.win) / 50_000.0).sqrt());
            }
        }
    }
    println!("largest |MC - exact| / SE: {worst:.2}");
}

#[test]
fn same_seed_same_bits_on_one_and_two_threads() {
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool");
        pool.install(|| engine().simulate_slate(&slate(), 30_000, 42))
    };
    let (a, b) = (run(1), run(2));
    let mut compared = 0;
    for (id, _) in slate() {
        for scope in Scope::ALL {
            for (m, s, l) in queries() {
                let (x, y) = (
                    a.outcome(&id, m, scope, s, l),
                    b.outcome(&id, m, scope, s, l),
                );
                let (x, y) = (x.expect("a"), y.expect("b"));
                assert_eq!(x.win.to_bits(), y.win.to_bits());
                assert_eq!(x.push.to_bits(), y.push.to_bits());
                assert_eq!(x.std_error.to_bits(), y.std_error.to_bits());
                compared += 1;
            }
            assert_eq!(
                a.margin_distribution(&id, scope),
                b.margin_distribution(&id, scope)
            );
        }
    }
    assert!(compared > 1000);
    let c = engine().simulate_slate(&slate(), 30_000, 43);
    assert_ne!(
        a.margin_distribution("fav3", Scope::Game),
        c.margin_distribution("fav3", Scope::Game)
    );
}

#[test]
fn an_event_prices_the_same_in_any_slate() {
    let full = engine().simulate_slate(&slate(), 10_000, 8);
    let alone = engine().simulate_slate(&slate()[1..2], 10_000, 8);
    assert_eq!(
        full.margin_distribution("dog7", Scope::Q3),
        alone.margin_distribution("dog7", Scope::Q3)
    );
}

#[test]
fn inputs_follow_ratings_and_market() {
    let e = engine();
    let ev = |home: &str, away: &str| Event {
        event_id: "x".into(),
        game_id: None,
        season: Some(2025),
        week: Some(10),
        home_team: home.into(),
        away_team: away.into(),
        commence_ms: 0,
    };
    let a = e.inputs(&ev("KC", "NYJ"), Some(47.5), Some(-9.5));
    let b = e.inputs(&ev("NYJ", "KC"), None, None);
    assert!((a.mean_margin + b.mean_margin - 2.0 * e.ratings().home_field_points()).abs() < 1e-9);
    assert_eq!(a.mean_total, 47.5);
    assert!((b.mean_total - e.league_total()).abs() < 1e-12);
    let unknown = e.inputs(&ev("AAA", "BBB"), None, Some(-4.5));
    assert_eq!(
        unknown.mean_margin, 4.5,
        "unknown teams fall back to the market spread"
    );
}

#[test]
fn price_sheet_covers_every_scope_and_ladder() {
    let sim = engine().simulate_slate(&slate()[..1], 5_000, 1);
    let sheet = sim.price_sheet("fav3");
    for scope in Scope::ALL {
        assert!(sheet
            .iter()
            .any(|p| p.scope == scope && p.market == MarketKind::SpreadAlt));
        assert!(sheet
            .iter()
            .any(|p| p.scope == scope && p.market == MarketKind::TeamTotal));
    }
    assert!(sheet.len() > 7 * 100, "{}", sheet.len());
}
