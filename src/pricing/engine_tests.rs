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

fn game(id: &str, mean_margin: f64, mean_total: f64) -> SlateGame {
    SlateGame::new(
        id,
        GameInputs {
            mean_margin,
            mean_total,
        },
        2025,
    )
}

fn slate() -> Vec<SlateGame> {
    vec![
        game("fav3", 3.0, 44.5),
        game("dog7", -7.0, 51.0),
        game("pick", 0.0, 38.0),
    ]
}

fn ids() -> Vec<String> {
    slate().into_iter().map(|g| g.event_id).collect()
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
    let sim = engine().simulate_slate(&slate(), 0, 3);
    for id in ids() {
        for scope in Scope::ALL {
            let get = |m, s, l| sim.outcome(&id, m, scope, s, l).expect("priced");
            for (m, s, l) in queries() {
                let o = get(m, s, l);
                for p in [o.win, o.push, o.lose] {
                    assert!(
                        (0.0..=1.0 + 1e-12).contains(&p),
                        "{id} {scope} {m} {s} {l:?}: {o:?}"
                    );
                }
                assert!((o.win + o.push + o.lose - 1.0).abs() < 1e-9, "{o:?}");
                assert_eq!(o.std_error, 0.0, "exact prices carry no sampling error");
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
    let q = |id: &str, m, s, l| sim.outcome(id, m, Scope::Game, s, l);
    assert!(q("fav3", MarketKind::Spread, Selection::Home, None).is_none());
    assert!(q("fav3", MarketKind::Total, Selection::Home, Some(44.5)).is_none());
    assert!(q("nope", MarketKind::Moneyline, Selection::Home, None).is_none());
}

/// The model's own slates of 2015-2024 (every game priced from what was known before it) have
/// the league's scoring and home margin.
#[test]
fn model_slates_match_history_2015_2024() {
    let games = history();
    let preds = RatingState::walk_forward(games, RatingParams::TUNED);
    let (mut n, mut model_total, mut model_margin, mut total, mut margin) =
        (0.0, 0.0, 0.0, 0.0, 0.0);
    for (g, p) in games.iter().zip(&preds) {
        if !(2015..=2024).contains(&g.season) || !g.is_played() {
            continue;
        }
        let joint = engine().score_model(g.season).joint(
            &GameInputs {
                mean_margin: p.margin,
                mean_total: p.total,
            },
            Scope::Game,
        );
        n += 1.0;
        model_total += joint.mean_total();
        model_margin += joint.mean_margin();
        total += g.total().unwrap_or(0) as f64;
        margin += g.margin().unwrap_or(0) as f64;
    }
    let (mt, mm, ht, hm) = (model_total / n, model_margin / n, total / n, margin / n);
    println!("2015-2024 ({n} games): model total {mt:.2} margin {mm:.2}; history total {ht:.2} margin {hm:.2}");
    assert!((mt - ht).abs() < 1.0, "total {mt} vs {ht}");
    assert!((mm - hm).abs() < 0.5, "margin {mm} vs {hm}");
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
    let sim = engine().simulate_slate(&[game("g", 3.0, 44.0)], 0, 5);
    let exact = sim
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
        "push at -3: empirical {empirical:.4} (n={games}), model exact {:.4}, bare normal {normal_only:.4}",
        exact.push
    );
    assert!((exact.push - empirical).abs() < 0.015);
}

#[test]
fn key_numbers_show_in_the_margin_and_the_total() {
    let sim = engine().simulate_slate(&[game("g", 2.0, 45.0)], 0, 1);
    let m: BTreeMap<i32, f64> = sim
        .margin_distribution("g", Scope::Game)
        .expect("dist")
        .into_iter()
        .collect();
    let at = |k: i32| m.get(&k).copied().unwrap_or(0.0) + m.get(&-k).copied().unwrap_or(0.0);
    assert!(at(3) > 0.12 && at(3) > 2.0 * at(2) && at(7) > at(8) && at(7) > at(6));
    assert!(at(10) > at(11) && at(14) > at(13));
    assert!(at(0) < 0.01, "full-game ties are rare: {}", at(0));
    // Totals: 41 and 44 (3+7 combinations) beat their odd/even neighbours' normal share.
    let model = engine().score_model(2025);
    assert!(model.total_weight(41) > 1.0 && model.total_weight(44) > 1.0);
    assert!(model.total_weight(41) > model.total_weight(42));
    assert!(
        model.blowout_slope() > 0.0,
        "blowouts score more: {}",
        model.blowout_slope()
    );
    // Quarters tie often, halves sometimes, full games almost never.
    let tie = |scope| {
        sim.outcome("g", MarketKind::Moneyline3Way, scope, Selection::Tie, None)
            .expect("tie")
            .win
    };
    assert!(
        tie(Scope::Q1) > 0.15 && tie(Scope::Q3) > 0.15,
        "1q tie {}",
        tie(Scope::Q1)
    );
    assert!(tie(Scope::H1) > 0.05 && tie(Scope::H1) < tie(Scope::Q1));
}

#[test]
fn periods_add_up_to_the_game() {
    let sim = engine().simulate_slate(&[game("g", -4.5, 47.0)], 0, 1);
    let mean = |scope, f: fn(&JointPmf) -> f64| f(sim.joint("g", scope).expect("joint"));
    let (t, m) = (
        JointPmf::mean_total as fn(&JointPmf) -> f64,
        JointPmf::mean_margin as fn(&JointPmf) -> f64,
    );
    assert!((mean(Scope::Game, t) - 47.0).abs() < crate::pricing::model::MEAN_TOLERANCE);
    assert!((mean(Scope::H1, t) + mean(Scope::H2, t) - 47.0).abs() < 1e-6);
    assert!((mean(Scope::H1, m) + mean(Scope::H2, m) + 4.5).abs() < 1e-6);
    let quarters: f64 = [Scope::Q1, Scope::Q2, Scope::Q3, Scope::Q4]
        .iter()
        .map(|s| mean(*s, t))
        .sum();
    // Quarters leave about 1% of points to overtime.
    assert!(quarters < 47.0 && quarters > 0.98 * 47.0, "{quarters}");
    assert!(mean(Scope::Q2, t) > mean(Scope::Q1, t) && mean(Scope::Q4, t) > mean(Scope::Q3, t));
}

#[test]
fn game_total_and_margin_are_the_model_s() {
    for total in [37.5, 44.0, 52.5] {
        let j = engine().score_model(2025).joint(
            &GameInputs {
                mean_margin: -6.5,
                mean_total: total,
            },
            Scope::Game,
        );
        // Within the centre search's tolerance.
        assert!(
            (j.mean_total() - total).abs() < crate::pricing::model::MEAN_TOLERANCE,
            "{total}: {}",
            j.mean_total()
        );
        assert!((j.mean_margin() + 6.5).abs() < 1e-3, "{}", j.mean_margin());
    }
}

/// Margin and total are linked as in history: a lopsided result comes with more points.
#[test]
fn margin_and_total_are_correlated() {
    let j = engine().score_model(2025).joint(
        &GameInputs {
            mean_margin: 0.0,
            mean_total: 45.0,
        },
        Scope::Game,
    );
    let (mut close, mut close_n, mut wide, mut wide_n) = (0.0, 0.0, 0.0, 0.0);
    for h in 0..j.side() {
        for a in 0..j.side() {
            let p = j.prob(h, a);
            let d = (h as i32 - a as i32).abs();
            if d <= 3 {
                close += p * (h + a) as f64;
                close_n += p;
            } else if d >= 14 {
                wide += p * (h + a) as f64;
                wide_n += p;
            }
        }
    }
    assert!(
        wide / wide_n > close / close_n + 2.0,
        "close {} wide {}",
        close / close_n,
        wide / wide_n
    );
}

/// Prices are exact: any iteration count and any seed give the same numbers.
#[test]
fn prices_do_not_depend_on_iterations_or_seed() {
    let a = engine().simulate_slate(&slate(), 0, 1);
    let b = engine().simulate_slate(&slate(), 20_000, 99);
    for id in ids() {
        for scope in Scope::ALL {
            for (m, s, l) in queries() {
                assert_eq!(
                    a.outcome(&id, m, scope, s, l),
                    b.outcome(&id, m, scope, s, l)
                );
            }
        }
        assert_eq!(a.price_sheet(&id), b.price_sheet(&id));
    }
    assert!(a.check().is_none() && b.check().is_some());
}

#[test]
fn monte_carlo_check_is_within_four_standard_errors_on_every_market() {
    let sim = engine().simulate_slate(&slate(), 20_000, 2024);
    let c = sim.check().expect("checked");
    println!(
        "Monte Carlo check: {} markets, largest |z| {:.2} at {}",
        c.markets, c.max_abs_z, c.worst
    );
    assert!(c.markets > 1000, "{}", c.markets);
    assert!(c.max_abs_z <= 4.0, "{c:?}");
    assert!(c.max_abs_z <= crate::pricing::montecarlo::check_limit(c.markets));
    // And it can fail: a sample from a different game is far off.
    let other = engine().simulate_slate(&[game("fav3", 6.0, 44.5)], 20_000, 2024);
    let exact = sim.exact("fav3", Scope::Game).expect("exact");
    let wrong = other.sampled("fav3", Scope::Game).expect("sampled");
    let e = exact
        .outcome(MarketKind::Moneyline, Selection::Home, None)
        .expect("e")
        .win;
    let w = wrong
        .outcome(MarketKind::Moneyline, Selection::Home, None)
        .expect("w")
        .win;
    assert!((w - e).abs() / (e * (1.0 - e) / 20_000.0).sqrt() > 4.0);
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
    for id in ids() {
        for scope in Scope::ALL {
            assert_eq!(a.sampled(&id, scope), b.sampled(&id, scope));
        }
    }
    assert_eq!(a.check(), b.check());
    let c = engine().simulate_slate(&slate(), 30_000, 43);
    assert_ne!(
        a.sampled("fav3", Scope::Game),
        c.sampled("fav3", Scope::Game)
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
    assert_eq!(
        full.sampled("dog7", Scope::Q3),
        alone.sampled("dog7", Scope::Q3)
    );
}

fn event(home: &str, away: &str, game_id: Option<&str>, season: i32, commence_ms: i64) -> Event {
    Event {
        event_id: game_id.unwrap_or("x").into(),
        game_id: game_id.map(str::to_string),
        season: Some(season),
        week: None,
        home_team: home.into(),
        away_team: away.into(),
        commence_ms,
    }
}

#[test]
fn unrated_teams_have_no_opinion() {
    let e = engine();
    let v = e.view(&event("KC", "NYJ", None, 2025, 1_764_000_000_000));
    assert!(v.opinion);
    let u = e.view(&event("AAA", "BBB", None, 2025, 1_764_000_000_000));
    assert!(!u.opinion, "never-seen teams are not rated");
    let swap = e.view(&event("NYJ", "KC", None, 2025, 1_764_000_000_000));
    // Swapping home and away flips the team difference around the home field.
    let hfa = e.ratings_at(&v.cutoff).home_field();
    assert!((v.prediction.margin + swap.prediction.margin - 2.0 * hfa).abs() < 1e-9);
}

/// The replayed week is priced from what was known before it: blanking its results and closing
/// lines (and every later game's) changes nothing the model says.
#[test]
fn replay_week_prices_identically_with_its_results_blanked() {
    let games = history();
    let week: Vec<&GameRecord> = games
        .iter()
        .filter(|g| g.season == 2025 && g.week == 12)
        .collect();
    assert!(week.len() >= 13 && week.iter().all(|g| g.is_played()));
    let first_day = week.iter().map(|g| g.gameday.clone()).min().expect("days");
    let blanked = known::blank_unknown(games, &Cutoff::day(&first_day));
    assert!(blanked
        .iter()
        .any(|g| g.season == 2025 && g.week == 12 && !g.is_played()));
    let full = PricingEngine::from_games(games, &AnalyticsConfig::default()).expect("full");
    let blank = PricingEngine::from_games(&blanked, &AnalyticsConfig::default()).expect("blank");
    // The replay stamps events with today's clock; the schedule's day still bounds knowledge.
    let now = 1_796_000_000_000;
    let events: Vec<Event> = week
        .iter()
        .map(|g| event(&g.home_team, &g.away_team, Some(&g.game_id), g.season, now))
        .collect();
    let slate_full: Vec<SlateGame> = events.iter().map(|e| full.slate_game(e)).collect();
    let slate_blank: Vec<SlateGame> = events.iter().map(|e| blank.slate_game(e)).collect();
    assert_eq!(slate_full, slate_blank);
    let (a, b) = (
        full.simulate_slate(&slate_full, 2_000, 3),
        blank.simulate_slate(&slate_blank, 2_000, 3),
    );
    for e in &events {
        assert_eq!(a.price_sheet(&e.event_id), b.price_sheet(&e.event_id));
    }
    assert_eq!(a.check(), b.check());
    // And the test can fail: with the results of the week itself visible, a Sunday game would
    // see Thursday's, and ratings from the whole file differ from those before the week.
    let later = full.ratings_at(&Cutoff::end_of_time());
    let before = full.ratings_at(&Cutoff::day(&first_day));
    assert_ne!(*later, *before);
}

#[test]
fn price_sheet_covers_every_scope_and_ladder() {
    let sim = engine().simulate_slate(&slate()[..1], 0, 1);
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

/// `cargo test --release --lib -- --ignored slate_timing --nocapture`: a quick look at exact
/// slate pricing without criterion (BENCHMARKS.md uses `cargo bench --bench pricing`).
#[test]
#[ignore]
fn slate_timing() {
    let e = engine();
    let games: Vec<SlateGame> = (0..16)
        .map(|i| game(&format!("g{i}"), -10.5 + 1.4 * i as f64, 38.5 + i as f64))
        .collect();
    std::hint::black_box(e.simulate_slate(&games, 0, 0));
    let t = std::time::Instant::now();
    for r in 0..300 {
        let sim = e.simulate_slate(&games, 0, r);
        std::hint::black_box(
            games
                .iter()
                .map(|g| sim.price_sheet(&g.event_id).len())
                .sum::<usize>(),
        );
    }
    println!("16-game slate priced exactly: {:?}", t.elapsed() / 300);
}

/// How the check's largest |z| is distributed when nothing is wrong (16 games, 20k draws).
#[test]
#[ignore]
fn check_z_distribution() {
    let e = engine();
    let games: Vec<SlateGame> = (0..16)
        .map(|i| game(&format!("g{i}"), -10.5 + 1.4 * i as f64, 38.5 + i as f64))
        .collect();
    let mut z: Vec<f64> = (0..200)
        .map(|seed| {
            e.simulate_slate(&games, 20_000, seed)
                .check()
                .expect("check")
                .max_abs_z
        })
        .collect();
    z.sort_by(f64::total_cmp);
    let over = z.iter().filter(|x| **x > 4.0).count();
    println!(
        "max |z| over 200 seeds: median {:.2}, p90 {:.2}, p99 {:.2}, max {:.2}; runs over 4: {over}",
        z[100], z[180], z[198], z[199]
    );
}

/// The advance opener's view (issue 21): a game's open-time price must not move when its own
/// starting quarterbacks, its own result and lines, or the previous week's scores change in the
/// games file, while the kickoff view (which may see the previous week) does move.
#[test]
fn open_time_price_ignores_the_actual_starters_and_the_previous_week() {
    let games = history();
    // A mid-season regular-season game both of whose teams played the week before.
    let target = games
        .iter()
        .find(|g| g.season == 2023 && g.week == 9 && g.game_type == "REG")
        .expect("a 2023 week 9 game")
        .clone();
    let base = engine().open_view(&target.game_id).expect("open view");
    let prev_day_count = games
        .iter()
        .filter(|g| g.season == 2023 && g.week == 8)
        .count();
    assert!(prev_day_count > 10);
    let mut changed: Vec<GameRecord> = games.to_vec();
    for g in changed.iter_mut() {
        if g.game_id == target.game_id {
            // A surprise starter for both teams and a made-up result and line.
            g.home_qb_id = Some("00-9999999".into());
            g.away_qb_id = Some("00-9999998".into());
            g.home_score = Some(70);
            g.away_score = Some(0);
            g.spread_line = Some(-30.0);
            g.temp = Some(-20.0);
            g.wind = Some(60.0);
        }
        if g.season == 2023 && g.week == 8 {
            // The previous week's results turned upside down.
            let (h, a) = (g.home_score, g.away_score);
            g.home_score = a.map(|x| x + 21);
            g.away_score = h;
            g.spread_line = g.spread_line.map(|s| -s);
        }
    }
    let other = PricingEngine::from_games(&changed, &AnalyticsConfig::default()).expect("engine");
    let open = other.open_view(&target.game_id).expect("open view");
    assert_eq!(open.cutoff, base.cutoff);
    assert_eq!(
        open.prediction.margin.to_bits(),
        base.prediction.margin.to_bits(),
        "the open-time margin moved"
    );
    assert_eq!(
        open.prediction.total.to_bits(),
        base.prediction.total.to_bits(),
        "the open-time total moved"
    );
    // The same edits do move the kickoff view: the test can fail.
    let k0 = engine()
        .kickoff_view(&target.game_id)
        .expect("kickoff view");
    let k1 = other.kickoff_view(&target.game_id).expect("kickoff view");
    assert_ne!(
        k0.prediction.margin.to_bits(),
        k1.prediction.margin.to_bits()
    );
}

#[test]
fn the_open_cutoff_is_the_previous_week_in_season_and_the_own_week_otherwise() {
    let e = engine();
    let first_day = |s: i32, w: i32| {
        history()
            .iter()
            .filter(|g| g.season == s && g.week == w)
            .map(|g| g.gameday.clone())
            .min()
            .expect("a week")
    };
    let pick = |s: i32, w: i32, t: &str| {
        history()
            .iter()
            .find(|g| g.season == s && g.week == w && g.game_type == t)
            .expect("a game")
            .game_id
            .clone()
    };
    let v = e.open_view(&pick(2022, 10, "REG")).unwrap();
    assert_eq!(v.cutoff.as_str(), first_day(2022, 9));
    let v = e.open_view(&pick(2022, 1, "REG")).unwrap();
    assert_eq!(v.cutoff.as_str(), first_day(2022, 1));
    let v = e.open_view(&pick(2022, 19, "WC")).unwrap();
    assert_eq!(v.cutoff.as_str(), first_day(2022, 19));
    // The last known starter: a team's starter in its last game before the cutoff.
    let g = history()
        .iter()
        .find(|g| g.game_id == pick(2022, 10, "REG"))
        .unwrap();
    let cutoff = known::open_cutoff(e.week_starts(), g);
    let last = history()
        .iter()
        .filter(|x| {
            (x.home_team == g.home_team || x.away_team == g.home_team)
                && x.gameday.as_str() < cutoff.as_str()
        })
        .max_by(|a, b| a.gameday.cmp(&b.gameday))
        .unwrap();
    let qb = if last.home_team == g.home_team {
        &last.home_qb_id
    } else {
        &last.away_qb_id
    };
    assert_eq!(e.starters().before(&g.home_team, &cutoff), qb.as_deref());
}
