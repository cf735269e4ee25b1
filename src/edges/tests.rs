use super::*;
use crate::config::schema::AnalyticsConfig;
use crate::domain::{DevigMethod, Event, MarketKind, Quote, Scope, Selection};
use crate::pricing::{load_games, GameInputs, PricingEngine, SlateGame, SlateSimulation};

/// One quote of event `ev1`, game scope; shared by the edges modules' tests.
pub(crate) fn q(
    book: &str,
    market: MarketKind,
    selection: Selection,
    line: Option<f64>,
    american: i64,
    t: i64,
) -> Quote {
    Quote {
        event_id: "ev1".into(),
        book: book.into(),
        market,
        scope: Scope::Game,
        selection,
        line,
        american,
        observed_ms: t,
        source: "test".into(),
    }
}

/// The exact distributions of event `ev1` alone (2025, total 45) with the model fitted on the
/// shipped games file; shared by the edges modules' tests.
pub(crate) fn one_game_sim(cfg: &AnalyticsConfig, mean_margin: f64) -> SlateSimulation {
    let games = load_games(concat!(env!("CARGO_MANIFEST_DIR"), "/data/games.csv")).expect("games");
    let engine = PricingEngine::from_games(&games, cfg).expect("engine");
    engine.simulate_slate(
        &[SlateGame::new(
            "ev1",
            GameInputs {
                mean_margin,
                mean_total: 45.0,
            },
            2025,
        )],
        0,
        1,
    )
}

fn event() -> Event {
    Event {
        event_id: "ev1".into(),
        game_id: None,
        season: Some(2025),
        week: Some(1),
        home_team: "KC".into(),
        away_team: "BUF".into(),
        commence_ms: 0,
    }
}

fn market_only() -> AnalyticsConfig {
    AnalyticsConfig {
        model_weight: crate::config::schema::ModelWeights {
            moneyline: 0.0,
            spread: 0.0,
            total: 0.0,
        },
        ..AnalyticsConfig::default()
    }
}

#[test]
fn ev_and_kelly_at_plus_110_against_a_fair_coin() {
    // Pinnacle -105/-105 is a fair coin; a soft book hangs +110 on home. With the sharp book all but
    // alone in the consensus: EV 5%, full Kelly 4.55%, half Kelly 2.27% of bankroll.
    let cfg = AnalyticsConfig {
        sharp_weight: 1e9,
        ..market_only()
    };
    let quotes = vec![
        q(
            "pinnacle",
            MarketKind::Moneyline,
            Selection::Home,
            None,
            -105,
            1,
        ),
        q(
            "pinnacle",
            MarketKind::Moneyline,
            Selection::Away,
            None,
            -105,
            1,
        ),
        q("soft", MarketKind::Moneyline, Selection::Home, None, 110, 1),
        q(
            "soft",
            MarketKind::Moneyline,
            Selection::Away,
            None,
            -135,
            1,
        ),
    ];
    let opps = find_opportunities(&quotes, &[event()], &SlateSimulation::empty(), &cfg, 1000.0);
    assert_eq!(opps.len(), 1, "{opps:#?}");
    let o = &opps[0];
    assert_eq!(
        (o.book.as_str(), o.selection, o.event.as_str()),
        ("soft", Selection::Home, "BUF@KC")
    );
    assert!(
        (o.fair_prob - 0.5).abs() < 1e-6 && (o.ev - 0.05).abs() < 1e-5,
        "{o:?}"
    );
    assert!((o.kelly_full - 0.045_454_5).abs() < 1e-5);
    assert!((o.stake_fraction - 0.022_727).abs() < 1e-5 && (o.stake - 22.727).abs() < 1e-2);
    assert_eq!(
        o.books_used,
        vec!["pinnacle".to_string(), "soft".to_string()]
    );
    assert!(o.width > 0.0 && o.model_prob.is_none() && o.push_prob == 0.0);
}

#[test]
fn consensus_weights_sharp_books() {
    let cfg = market_only();
    let quotes = [
        q(
            "pinnacle",
            MarketKind::Moneyline,
            Selection::Home,
            None,
            -105,
            1,
        ),
        q(
            "pinnacle",
            MarketKind::Moneyline,
            Selection::Away,
            None,
            -105,
            1,
        ),
        q(
            "draftkings",
            MarketKind::Moneyline,
            Selection::Home,
            None,
            -150,
            1,
        ),
        q(
            "draftkings",
            MarketKind::Moneyline,
            Selection::Away,
            None,
            130,
            1,
        ),
        // A one-sided book cannot be de-vigged and stays out.
        q(
            "lonely",
            MarketKind::Moneyline,
            Selection::Home,
            None,
            -400,
            1,
        ),
    ];
    let refs: Vec<&Quote> = quotes.iter().collect();
    let key = MarketKey::of(&quotes[0]).expect("key");
    let c = consensus(&key, &refs, &cfg).expect("consensus");
    let dk = crate::domain::devig(
        &[1.0 / 1.666_666_666_666_666_7, 1.0 / 2.3],
        DevigMethod::Power,
    )
    .expect("devig");
    let want = (3.0 * 0.5 + dk[0]) / 4.0;
    assert!((c.prob[&Selection::Home] - want).abs() < 1e-9);
    assert!((c.prob[&Selection::Home] + c.prob[&Selection::Away] - 1.0).abs() < 1e-12);
    assert!((c.width[&Selection::Home] - (dk[0] - 0.5)).abs() < 1e-9);
    assert!(c.worst[&Selection::Home] <= c.prob[&Selection::Home] + 1e-12);
    assert_eq!(
        c.books,
        vec!["draftkings".to_string(), "pinnacle".to_string()]
    );
    // Spread sides at opposite lines share one market; totals pair on the same line.
    let a = MarketKey::of(&q(
        "b",
        MarketKind::Spread,
        Selection::Home,
        Some(-3.5),
        -110,
        1,
    ));
    let b = MarketKey::of(&q(
        "b",
        MarketKind::Spread,
        Selection::Away,
        Some(3.5),
        -110,
        1,
    ));
    assert_eq!(a, b);
    assert!(MarketKey::of(&q("b", MarketKind::Spread, Selection::Home, None, -110, 1)).is_none());
}

#[test]
fn worst_case_gate_blocks_long_shots_priced_off_one_method() {
    // +900/-3000: the multiplicative underdog is 9.4%, the worst case (power) 4.4%. A +1100 dog
    // looks like +12% EV under multiplicative and -48% under the worst case.
    let quotes = vec![
        q(
            "pinnacle",
            MarketKind::Moneyline,
            Selection::Home,
            None,
            -3000,
            1,
        ),
        q(
            "pinnacle",
            MarketKind::Moneyline,
            Selection::Away,
            None,
            900,
            1,
        ),
        q(
            "soft",
            MarketKind::Moneyline,
            Selection::Away,
            None,
            1100,
            1,
        ),
    ];
    let gated = AnalyticsConfig {
        devig_method: DevigMethod::Multiplicative,
        ..market_only()
    };
    assert!(find_opportunities(
        &quotes,
        &[event()],
        &SlateSimulation::empty(),
        &gated,
        100.0
    )
    .is_empty());
    let open = AnalyticsConfig {
        worst_case_gate: false,
        ..gated
    };
    let opps = find_opportunities(&quotes, &[event()], &SlateSimulation::empty(), &open, 100.0);
    assert_eq!(opps.len(), 1);
    assert!(
        (opps[0].ev - 0.124).abs() < 2e-3 && opps[0].worst_case_ev < -0.4,
        "{:?}",
        opps[0]
    );
    assert_eq!(opps[0].devig_method, "multiplicative");
}

#[test]
fn best_price_wins_and_the_path_gives_movement() {
    let cfg = AnalyticsConfig {
        sharp_weight: 1e9,
        ..market_only()
    };
    let quotes = vec![
        q(
            "pinnacle",
            MarketKind::Spread,
            Selection::Home,
            Some(-3.5),
            -105,
            1,
        ),
        q(
            "pinnacle",
            MarketKind::Spread,
            Selection::Away,
            Some(3.5),
            -105,
            1,
        ),
        q(
            "a",
            MarketKind::Spread,
            Selection::Home,
            Some(-3.5),
            -110,
            1,
        ),
        q("a", MarketKind::Spread, Selection::Home, Some(-3.5), 108, 5),
        q("a", MarketKind::Spread, Selection::Away, Some(3.5), -130, 5),
        q("b", MarketKind::Spread, Selection::Home, Some(-3.5), 104, 5),
        q("b", MarketKind::Spread, Selection::Away, Some(3.5), -125, 5),
    ];
    let opps = find_opportunities(&quotes, &[event()], &SlateSimulation::empty(), &cfg, 100.0);
    assert_eq!(opps.len(), 1, "{opps:#?}");
    assert_eq!((opps[0].book.as_str(), opps[0].american), ("a", 108));
    let implied = |a: i64| crate::domain::odds::american_to_implied(a).expect("odds");
    assert!((opps[0].movement_prob.expect("moved") - (implied(108) - implied(-110))).abs() < 1e-12);
    assert_eq!(opps[0].movement_points, Some(0.0));
    let path = [
        q(
            "a",
            MarketKind::Spread,
            Selection::Home,
            Some(-3.0),
            -110,
            1,
        ),
        q(
            "a",
            MarketKind::Spread,
            Selection::Home,
            Some(-3.5),
            -105,
            2,
        ),
    ];
    let m = line_movement(&path).expect("movement");
    assert_eq!(m.points, Some(-0.5));
    assert!(m.prob < 0.0 && m.observations == 2);
    assert!(line_movement(&[]).is_none());
}

#[test]
fn model_supplies_pushes_and_blends() {
    let cfg = AnalyticsConfig::default();
    let sim = one_game_sim(&cfg, 3.0);
    let quotes = vec![
        q(
            "pinnacle",
            MarketKind::Spread,
            Selection::Home,
            Some(-3.0),
            -105,
            1,
        ),
        q(
            "pinnacle",
            MarketKind::Spread,
            Selection::Away,
            Some(3.0),
            -115,
            1,
        ),
        q(
            "soft",
            MarketKind::Spread,
            Selection::Home,
            Some(-3.0),
            120,
            1,
        ),
        q(
            "soft",
            MarketKind::Spread,
            Selection::Away,
            Some(3.0),
            -150,
            1,
        ),
    ];
    let opps = find_opportunities(&quotes, &[event()], &sim, &cfg, 100.0);
    let o = opps
        .iter()
        .find(|o| o.selection == Selection::Home)
        .expect("home +120 is an edge");
    let m = sim
        .outcome(
            "ev1",
            MarketKind::Spread,
            Scope::Game,
            Selection::Home,
            Some(-3.0),
        )
        .expect("model");
    assert!(o.push_prob > 0.06 && (o.push_prob - m.push).abs() < 1e-15);
    assert!((o.ev - (o.fair_prob * o.decimal + o.push_prob - 1.0)).abs() < 1e-12);
    let w = cfg.model_weight.for_market(MarketKind::Spread);
    assert!(w > 0.0, "the shipped spread weight blends the model in");
    let blended = w * m.win_given_action() + (1.0 - w) * o.consensus_prob / (1.0 - o.push_prob);
    assert!((o.fair_prob - blended * (1.0 - o.push_prob)).abs() < 1e-12);
    assert_eq!(o.model_prob, Some(m.win));
    assert_eq!(o.std_error, Some(0.0), "prices are exact");
}

fn opp(
    event_id: &str,
    selection: Selection,
    kelly_full: f64,
    fair: f64,
    decimal: f64,
) -> Opportunity {
    Opportunity {
        event_id: event_id.into(),
        event: "BUF@KC".into(),
        market: MarketKind::Moneyline,
        scope: Scope::Game,
        selection,
        line: None,
        book: "soft".into(),
        american: crate::domain::odds::decimal_to_american(decimal),
        decimal,
        fair_prob: fair,
        model_prob: None,
        consensus_prob: fair,
        push_prob: 0.0,
        ev: fair * decimal - 1.0,
        worst_case_ev: fair * decimal - 1.0,
        kelly_full,
        stake_fraction: 0.0,
        stake: 0.0,
        books_used: vec![],
        width: 0.0,
        devig_method: "power".into(),
        movement_points: None,
        movement_prob: None,
        std_error: None,
    }
}

#[test]
fn portfolio_applies_caps_and_simultaneous_rules() {
    let cfg = AnalyticsConfig {
        kelly_fraction: 1.0,
        max_bet_fraction: 0.05,
        max_event_exposure: 0.06,
        ..Default::default()
    };
    let mut ev2 = event();
    ev2.event_id = "ev2".into();
    ev2.home_team = "DET".into();
    ev2.away_team = "GB".into();
    // One bet alone: plain Kelly, under the per-bet cap.
    let single = Portfolio::allocate(
        &[opp("ev1", Selection::Home, 0.04, 0.52, 2.0)],
        &[event()],
        &cfg,
        1000.0,
    );
    assert!(
        (single.bets[0].stake_fraction - 0.04).abs() < 1e-12
            && (single.bets[0].stake - 40.0).abs() < 1e-9
    );
    // Two independent bets: Thorp shrink, each capped at 5%.
    let two = Portfolio::allocate(
        &[
            opp("ev1", Selection::Home, 0.10, 0.55, 2.0),
            opp("ev2", Selection::Home, 0.04, 0.52, 2.0),
        ],
        &[event(), ev2.clone()],
        &cfg,
        1000.0,
    );
    assert_eq!(two.bets[0].stake_fraction, 0.05);
    assert!((two.bets[1].stake_fraction - thorp_shrink(0.04)).abs() < 1e-12);
    // Both sides of one market: combined Kelly, then the event cap scales them together.
    let both = Portfolio::allocate(
        &[
            opp("ev1", Selection::Home, 0.25, 0.5, 2.5),
            opp("ev1", Selection::Away, 0.25, 0.5, 2.5),
        ],
        &[event()],
        &cfg,
        1000.0,
    );
    assert!(
        (both.event_exposure["ev1"] - 0.06).abs() < 1e-12,
        "{both:?}"
    );
    assert!((both.bets[0].stake_fraction - both.bets[1].stake_fraction).abs() < 1e-12);
    // Team cap: two bets backing KC in different scopes of one event.
    let team_cfg = AnalyticsConfig {
        max_team_exposure: 0.03,
        ..cfg.clone()
    };
    let mut h1 = opp("ev1", Selection::Home, 0.04, 0.52, 2.0);
    h1.scope = Scope::H1;
    let t = Portfolio::allocate(
        &[opp("ev1", Selection::Home, 0.04, 0.52, 2.0), h1],
        &[event()],
        &team_cfg,
        1000.0,
    );
    assert!((t.team_exposure["KC"] - 0.03).abs() < 1e-12, "{t:?}");
    assert!(t.total_fraction <= 0.03 + 1e-12);
}

#[test]
fn opportunity_serialises_with_stable_names() {
    let v = serde_json::to_value(opp("ev1", Selection::Home, 0.1, 0.5, 2.1)).expect("json");
    let keys: Vec<&str> = v
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    let want = [
        "american",
        "book",
        "books_used",
        "consensus_prob",
        "decimal",
        "devig_method",
        "ev",
        "event",
        "event_id",
        "fair_prob",
        "kelly_full",
        "line",
        "market",
        "model_prob",
        "movement_points",
        "movement_prob",
        "push_prob",
        "scope",
        "selection",
        "stake",
        "stake_fraction",
        "std_error",
        "width",
        "worst_case_ev",
    ];
    let mut sorted = keys.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, want);
    assert_eq!(v["market"], "moneyline");
    assert_eq!(v["scope"], "game");
    assert_eq!(v["selection"], "home");
}
