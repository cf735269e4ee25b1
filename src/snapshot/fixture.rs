//! A fixed, seeded `Snapshot` that looks like a Sunday afternoon: five books (one stalled with an
//! open breaker), a slate of games, ~50 edges, recent simulation runs and alerts in every state.
//! Test data only: the TUI's snapshot tests and the headless printer's tests use it as
//! `crate::snapshot::fixture` (a `#[cfg(test)]` module), and the render benchmark compiles the
//! same file into itself (`#[path]` in `benches/tui.rs`). So that one file builds in both crates it
//! names the library by its crate name, which `lib.rs` binds to `crate` in test builds
//! (`extern crate self as nflreadpy_betting`).

use nflreadpy_betting::domain::odds::{american_to_decimal, decimal_to_american};
use nflreadpy_betting::edges::MarketIntel;
use nflreadpy_betting::ingest::breaker::BreakerState;
use nflreadpy_betting::ingest::health::{FreshnessRow, SourceHealth};
use nflreadpy_betting::snapshot::*;
use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64;

/// 2025-11-09 18:05:00 UTC: Week 10, early games in the fourth quarter.
pub const NOW_MS: i64 = 1_762_711_500_000;

const BOOKS: [&str; 5] = ["pinnacle", "draftkings", "fanduel", "caesars", "betmgm"];
const GAMES: [(&str, &str); 8] = [
    ("BUF", "MIA"),
    ("KC", "DEN"),
    ("PHI", "GB"),
    ("SF", "LA"),
    ("DET", "WAS"),
    ("BAL", "MIN"),
    ("NYJ", "CLE"),
    ("TB", "NO"),
];
const MARKETS: [&str; 3] = ["moneyline", "spread", "total"];
const SCOPES: [&str; 3] = ["game", "game", "1h"];

/// The standard fixture: 50 edges.
pub fn snapshot() -> Snapshot {
    snapshot_with_edges(50)
}

pub fn snapshot_with_edges(n: usize) -> Snapshot {
    let mut rng = Pcg64::seed_from_u64(17);
    let taken = NOW_MS;
    let mut sources = Vec::new();
    for (i, book) in BOOKS.iter().enumerate() {
        let mut h = SourceHealth::new(book, 10.0);
        for p in 0..60 {
            let ok = match *book {
                "betmgm" => p < 48,
                "caesars" => p % 9 != 4,
                _ => true,
            };
            let base = 0.08 + 0.04 * i as f64;
            let jitter: f64 = rng.random_range(0.0..0.25);
            let spike = if *book == "betmgm" && p >= 44 {
                4.0 + p as f64 * 0.05
            } else {
                0.0
            };
            h.record_poll(ok, taken - (60 - p) * 10_000, base + jitter + spike);
        }
        h.quotes_received = 4_000 + 731 * i as u64;
        h.quotes_changed = 900 + 97 * i as u64;
        if *book == "betmgm" {
            h.breaker = BreakerState::Open;
            h.consecutive_failures = 12;
            h.last_error = Some("HTTP 503 Service Unavailable".into());
            h.last_ok_ms = Some(taken - 142_000);
            h.errors_by_reason.insert("http_5xx".into(), 12);
        }
        if *book == "caesars" {
            h.breaker = BreakerState::HalfOpen;
            h.consecutive_failures = 0;
            h.errors_by_reason.insert("timeout".into(), 6);
        }
        sources.push(h);
    }
    let mut freshness = Vec::new();
    for book in BOOKS {
        for (g, group) in ["h2h", "spreads", "totals"].iter().enumerate() {
            let age = match book {
                "betmgm" => 142.0 + g as f64 * 3.0,
                "caesars" if g == 2 => 19.5,
                _ => 1.0 + rng.random_range(0.0..9.0f64).round() + g as f64,
            };
            freshness.push(FreshnessRow {
                book: book.into(),
                market_group: group.to_string(),
                age_seconds: age,
            });
        }
    }
    let events: Vec<EventView> = GAMES
        .iter()
        .enumerate()
        .map(|(i, (home, away))| EventView {
            event_id: format!("2025_10_{away}_{home}"),
            label: format!("{away} @ {home}"),
            home_team: home.to_string(),
            away_team: away.to_string(),
            commence_ms: taken - 8_100_000 + (i as i64 / 5) * 11_700_000,
            books: if i % 3 == 0 { 4 } else { 5 },
            quotes: 30 + i * 2,
        })
        .collect();
    let mut edges = Vec::with_capacity(n);
    for i in 0..n {
        let ev_ix = i % GAMES.len();
        let (home, away) = GAMES[ev_ix];
        let market = MARKETS[(i / GAMES.len()) % 3];
        let scope = SCOPES[(i / 3) % 3];
        let book = BOOKS[(i * 7 + i / 5) % 4];
        let home_side = rng.random_bool(0.5);
        let team = if home_side { home } else { away };
        // Selections as the engine names them; the line travels beside them.
        let _ = team;
        let side = if home_side { "home" } else { "away" };
        let (selection, line) = match market {
            "moneyline" => (side.to_string(), None),
            "spread" => {
                let pts = (rng.random_range(1..=14) as f64) - 0.5 * (rng.random_range(0..2) as f64);
                let l = if home_side { -pts } else { pts };
                (side.to_string(), Some(l))
            }
            _ => {
                let total = 38.5 + rng.random_range(0..16) as f64;
                let over = rng.random_bool(0.5);
                (if over { "over" } else { "under" }.to_string(), Some(total))
            }
        };
        let fair: f64 = match market {
            "moneyline" => rng.random_range(0.22..0.78),
            _ => rng.random_range(0.46..0.58),
        };
        let ev_target: f64 = 0.02 + rng.random_range(0.0..1.0f64).powi(3) * 0.09;
        let decimal_raw = (1.0 + ev_target) / fair;
        // Rounding a price above 1.0 gives at most -100 or at least +100, never an impossible one.
        let american = decimal_to_american(decimal_raw);
        let decimal = american_to_decimal(american).expect("a rounded book price");
        let ev = fair * decimal - 1.0;
        let b = decimal - 1.0;
        let kelly = (((b * fair - (1.0 - fair)) / b) * 0.5).clamp(0.0, 0.05);
        let stake = (kelly * 2000.0 * 100.0).round() / 100.0;
        let age = if book == "betmgm" {
            142.0
        } else {
            (rng.random_range(0.0..1.0f64).powi(2) * 600.0).round()
        };
        let moved = rng.random_bool(0.6);
        let movement_points = if moved && market != "moneyline" {
            Some(0.5 * rng.random_range(-3..=3) as f64)
        } else {
            None
        };
        let movement_prob = moved.then(|| rng.random_range(-0.03..0.03f64));
        let other_books = BOOKS
            .iter()
            .map(|bk| BookPrice {
                book: bk.to_string(),
                american: if *bk == book {
                    american
                } else {
                    american - rng.random_range(5..40) * american.signum()
                },
                line,
            })
            .collect();
        edges.push(EdgeRow {
            kind: EdgeKind::Value,
            key: format!("2025_10_{away}_{home}|{market}|{scope}|{selection}|{book}"),
            event_id: format!("2025_10_{away}_{home}"),
            event: format!("{away} @ {home}"),
            market: market.into(),
            scope: scope.into(),
            selection,
            line,
            book: book.into(),
            american,
            decimal,
            fair_prob: fair,
            model_prob: Some((fair + rng.random_range(-0.02..0.02)).clamp(0.01, 0.99)),
            consensus_prob: Some((fair + rng.random_range(-0.015..0.015)).clamp(0.01, 0.99)),
            push_prob: if market == "spread" && line.is_some_and(|l| l.fract() == 0.0) {
                0.03
            } else {
                0.0
            },
            ev,
            worst_case_ev: Some(ev - rng.random_range(0.0..0.02)),
            kelly,
            stake,
            // Prices are exact; the draw keeps the fixture's random stream (and so every other
            // snapshot) as it was.
            std_error: {
                let _ = rng.random_range(0.002..0.006);
                0.0
            },
            age_seconds: age,
            movement_points,
            movement_prob,
            books_used: BOOKS.iter().take(4).map(|b| b.to_string()).collect(),
            width: rng.random_range(0.02..0.06),
            other_books,
        });
    }
    edges.sort_by(|a, b| b.ev.total_cmp(&a.ev));
    // Two of the edges are books left behind by steam: the kind column shows it.
    for i in [1usize, 4] {
        if let Some(e) = edges.get_mut(i) {
            e.kind = EdgeKind::Stale;
        }
    }
    let simulations = (0..8)
        .map(|k| {
            let iterations = if k == 5 { 20_000 } else { 15_000 };
            let target_ms = 5_000.0 * iterations as f64 / 20_000.0;
            let latency_ms = match k {
                5 => 5_830.0,
                3 => 3_610.0,
                _ => 1_650.0 + rng.random_range(0.0..900.0f64).round(),
            };
            SimulationRun {
                started_ms: taken - (8 - k as i64) * 60_000,
                latency_ms,
                iterations,
                events: 8,
                markets: 46,
                max_std_error: 0.5 / (iterations as f64).sqrt() + rng.random_range(0.0..0.0005),
                // One run breaches the check's limit so the pane's warning shows.
                max_abs_z: Some([2.8, 3.9, 3.2, 3.6, 2.9, 6.7, 3.4, 3.1][k]),
                check_limit: 5.6,
                check_markets: 8 * 7 * 130,
                check_worst: "2025_12_BUF_HOU q3 total over 12.5".into(),
                trigger: [
                    "schedule", "quotes", "quotes", "schedule", "quotes", "command", "quotes",
                    "schedule",
                ][k]
                    .into(),
                target_ms,
            }
        })
        .collect();
    let alerts = AlertsView {
        alerts: vec![
            AlertRow {
                id: 42,
                rule: "ingestion_stalled".into(),
                severity: "critical".into(),
                state: "firing".into(),
                message: "betmgm h2h quotes 142s old (limit 30s)".into(),
                since_ms: taken - 112_000,
                delivered: 2,
                pending: 1,
            },
            AlertRow {
                id: 41,
                rule: "scraper_failure_burst".into(),
                severity: "critical".into(),
                state: "firing".into(),
                message: "betmgm success rate 80% over 5 intervals".into(),
                since_ms: taken - 95_000,
                delivered: 1,
                pending: 1,
            },
            AlertRow {
                id: 40,
                rule: "analytics_backlog".into(),
                severity: "warning".into(),
                state: "acked".into(),
                message: "simulation over target 1 of last 3 runs".into(),
                since_ms: taken - 1_260_000,
                delivered: 2,
                pending: 0,
            },
            AlertRow {
                id: 39,
                rule: "new_edge".into(),
                severity: "info".into(),
                state: "resolved".into(),
                message: "KC -2.5 at draftkings +4.8% EV".into(),
                since_ms: taken - 2_400_000,
                delivered: 3,
                pending: 0,
            },
            AlertRow {
                id: 38,
                rule: "line_movement".into(),
                severity: "info".into(),
                state: "resolved".into(),
                message: "PHI total moved 2.0 points at pinnacle".into(),
                since_ms: taken - 3_900_000,
                delivered: 3,
                pending: 0,
            },
        ],
        channels: vec![
            ChannelHealth {
                channel: "terminal".into(),
                ok: true,
                pending: 0,
                delivered: 41,
                last_error: None,
                last_delivery_ms: Some(taken - 95_000),
            },
            ChannelHealth {
                channel: "slack".into(),
                ok: true,
                pending: 0,
                delivered: 38,
                last_error: None,
                last_delivery_ms: Some(taken - 95_000),
            },
            ChannelHealth {
                channel: "pagerduty".into(),
                ok: false,
                pending: 2,
                delivered: 3,
                last_error: Some("HTTP 429 rate limited".into()),
                last_delivery_ms: Some(taken - 3_600_000),
            },
        ],
        silences: vec![Silence {
            rule: "line_movement".into(),
            until_ms: taken + 2_700_000,
        }],
    };
    let meta = Meta {
        environment: "production".into(),
        storage_path: "/var/lib/nflreadpy/odds.sqlite3".into(),
        started_ms: taken - 11_520_000,
        mode: "live".into(),
        read_only: false,
        refresh_seconds: 1.0,
        value_threshold: 0.02,
        bankroll: 2000.0,
        iterations: 15_000,
        period_gate: Some(nflreadpy_betting::domain::PeriodGate {
            state: "closed",
            reason: "the period-scores file has 14 games; the gate needs 200 (analytics.periods.gate.min_games)".into(),
            min_ev: 0.05,
            games: 14,
            largest_calibration_error: None,
        }),
    };
    Snapshot {
        taken_ms: taken,
        meta,
        ingest: IngestView {
            paused: false,
            sources,
            freshness,
            freshness_target_seconds: 15.0,
            stalled_after_seconds: 30.0,
            success_floor: 0.95,
            quotes_latest: 1_184,
            quotes_history: 96_512,
            quarantined: 7,
            last_poll_ms: Some(taken - 1_200),
            book_sources: Default::default(),
            store_down: None,
        },
        events,
        edges,
        market: market_intel(taken),
        simulations,
        alerts,
        health: Health {
            ok: false,
            problems: vec![
                "betmgm quotes 142s old (target 15s)".into(),
                "betmgm success rate 80% (target 99%)".into(),
            ],
        },
        bets: fixture_bets(),
        futures: fixture_futures(),
        version: 7,
    }
}

/// A real season simulation (2024 as of 1 November, from the shipped games file, 2,000 seasons)
/// and a hand-made outright board priced against it; computed once per test process.
pub fn fixture_futures() -> FuturesView {
    use nflreadpy_betting::domain::outright::{OutrightMarket, OutrightQuote, OutrightSide};
    static VIEW: std::sync::OnceLock<FuturesView> = std::sync::OnceLock::new();
    VIEW.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/games.csv");
        let games =
            nflreadpy_betting::pricing::load_games(std::path::Path::new(path)).expect("games");
        let cfg = nflreadpy_betting::config::AnalyticsConfig::default();
        let engine =
            nflreadpy_betting::pricing::PricingEngine::from_games(&games, &cfg).expect("engine");
        let as_of = chrono::NaiveDate::from_ymd_opt(2024, 11, 1).expect("date");
        let fc = nflreadpy_betting::pricing::season::forecast(&engine, as_of, 2_000, 17)
            .expect("forecast");
        let q = |market, team: &str, side, line, american| OutrightQuote {
            season: 2024,
            book: "circa".into(),
            market,
            team: team.into(),
            side,
            line,
            american,
            observed_ms: NOW_MS - 600_000,
            source: "file".into(),
        };
        let quotes = vec![
            q(
                OutrightMarket::SuperBowl,
                "KC",
                OutrightSide::Win,
                None,
                450,
            ),
            q(
                OutrightMarket::SuperBowl,
                "DET",
                OutrightSide::Win,
                None,
                400,
            ),
            q(
                OutrightMarket::Division,
                "PIT",
                OutrightSide::Win,
                None,
                250,
            ),
            q(
                OutrightMarket::Playoffs,
                "MIN",
                OutrightSide::Yes,
                None,
                -150,
            ),
            q(OutrightMarket::Playoffs, "MIN", OutrightSide::No, None, 130),
            q(
                OutrightMarket::WinTotal,
                "DET",
                OutrightSide::Over,
                Some(12.5),
                110,
            ),
        ];
        let settle = nflreadpy_betting::edges::futures::Settlement::from_games(&games, 2024)
            .expect("season");
        let rules = nflreadpy_betting::edges::futures::FuturesRules {
            min_ev: 0.05,
            kelly_fraction: 0.25,
            max_bet_fraction: 0.05,
            two_way_devig: nflreadpy_betting::domain::DevigMethod::Power,
        };
        let edges = nflreadpy_betting::edges::futures::price_outrights(
            2024, &fc.teams, &quotes, &rules, &settle, NOW_MS,
        );
        FuturesView {
            state: FuturesState::Ready,
            done: fc.simulations,
            total: fc.simulations,
            as_of: Some(as_of.to_string()),
            finished_ms: Some(NOW_MS - 60_000),
            error: None,
            quotes: quotes.len(),
            min_ev: 0.05,
            forecast: Some(fc),
            edges,
        }
    })
    .clone()
}

/// Cross-book views for the Markets overlay and the Books pane: one fresh and one stale
/// arbitrage, two middles, low-hold markets, steam with a stale book, six book profiles.
pub fn market_intel(taken: i64) -> MarketIntel {
    use nflreadpy_betting::domain::{MarketKind as M, Scope, Selection as S};
    use nflreadpy_betting::edges::arbitrage::{ArbLeg, Arbitrage};
    use nflreadpy_betting::edges::book_profile::BookProfile;
    use nflreadpy_betting::edges::hold::{HoldLeg, LowHold};
    use nflreadpy_betting::edges::middles::{Axis, Middle, MiddleLeg};
    use nflreadpy_betting::edges::steam::{Follower, Price, StaleLine, SteamEvent};
    let leg = |book: &str, selection, line, american: i64, share, age| ArbLeg {
        book: book.into(),
        market: if matches!(selection, S::Over | S::Under) {
            M::Total
        } else {
            M::Spread
        },
        selection,
        line,
        american,
        decimal: american_to_decimal(american).unwrap_or(2.0),
        stake_share: share,
        age_seconds: age,
    };
    let arbitrage = vec![
        Arbitrage {
            event_id: "2025_10_BUF_MIA".into(),
            market: M::Spread,
            scope: Scope::Game,
            line: Some(-3.5),
            legs: vec![
                leg("fanduel", S::Home, Some(-3.5), 108, 0.4959, 12.0),
                leg("pinnacle", S::Away, Some(3.5), 105, 0.5041, 4.0),
            ],
            book_sum: 0.9640,
            ret: 0.0373,
            oldest_leg_seconds: 12.0,
            stale: false,
            push_possible: false,
        },
        Arbitrage {
            event_id: "2025_10_DET_WAS".into(),
            market: M::Total,
            scope: Scope::H1,
            line: Some(24.5),
            legs: vec![
                leg("betmgm", S::Over, Some(24.5), 104, 0.5, 184.0),
                leg("draftkings", S::Under, Some(24.5), 104, 0.5, 9.0),
            ],
            book_sum: 0.9804,
            ret: 0.02,
            oldest_leg_seconds: 184.0,
            stale: true,
            push_possible: false,
        },
    ];
    let mleg = |book: &str, market, selection, line, american, share| MiddleLeg {
        book: book.into(),
        market,
        selection,
        line,
        american,
        stake_share: share,
    };
    let middles = vec![
        Middle {
            event_id: "2025_10_KC_DEN".into(),
            scope: Scope::Game,
            axis: Axis::Margin,
            low: mleg("pinnacle", M::Spread, S::Home, -2.5, -105, 0.5),
            high: mleg("caesars", M::SpreadAlt, S::Away, 3.5, -105, 0.5),
            width: 1.0,
            middle_prob: 0.094,
            push_prob: 0.0,
            ev: 0.0366,
        },
        Middle {
            event_id: "2025_10_PHI_GB".into(),
            scope: Scope::Game,
            axis: Axis::Total,
            low: mleg("draftkings", M::Total, S::Over, 44.0, -110, 0.5),
            high: mleg("fanduel", M::TotalAlt, S::Under, 46.5, -110, 0.5),
            width: 2.5,
            middle_prob: 0.061,
            push_prob: 0.031,
            ev: 0.0102,
        },
    ];
    let hleg = |selection, book: &str, american| HoldLeg {
        selection,
        book: book.into(),
        american,
    };
    let low_hold = vec![
        LowHold {
            event_id: "2025_10_SF_LA".into(),
            market: M::Moneyline,
            scope: Scope::Game,
            line: None,
            legs: vec![
                hleg(S::Home, "pinnacle", -118),
                hleg(S::Away, "draftkings", 115),
            ],
            hold: 0.0062,
            book_holds: [("draftkings", 0.046), ("pinnacle", 0.024)]
                .into_iter()
                .map(|(b, h)| (b.to_string(), h))
                .collect(),
        },
        LowHold {
            event_id: "2025_10_BAL_MIN".into(),
            market: M::Total,
            scope: Scope::Game,
            line: Some(47.5),
            legs: vec![
                hleg(S::Over, "fanduel", -102),
                hleg(S::Under, "pinnacle", -106),
            ],
            hold: 0.0128,
            book_holds: [("fanduel", 0.045), ("pinnacle", 0.025)]
                .into_iter()
                .map(|(b, h)| (b.to_string(), h))
                .collect(),
        },
    ];
    let price = |american, line| Price { american, line };
    let steam = vec![
        SteamEvent {
            event_id: "2025_10_NYJ_CLE".into(),
            market: M::Spread,
            scope: Scope::Game,
            selection: S::Home,
            originator: "pinnacle".into(),
            at_ms: taken - 95_000,
            from: price(-105, Some(-2.5)),
            to: price(-108, Some(-3.0)),
            move_prob: 0.007,
            move_points: 0.5,
            followers: vec![
                Follower {
                    book: "draftkings".into(),
                    lag_seconds: 22.0,
                },
                Follower {
                    book: "fanduel".into(),
                    lag_seconds: 41.0,
                },
            ],
            stale_books: vec!["betmgm".into()],
            window_closed: true,
        },
        SteamEvent {
            event_id: "2025_10_TB_NO".into(),
            market: M::Moneyline,
            scope: Scope::Game,
            selection: S::Away,
            originator: "pinnacle".into(),
            at_ms: taken - 20_000,
            from: price(120, None),
            to: price(110, None),
            move_prob: 0.022,
            move_points: 0.0,
            followers: vec![Follower {
                book: "caesars".into(),
                lag_seconds: 14.0,
            }],
            stale_books: vec![],
            window_closed: false,
        },
    ];
    let stale = vec![StaleLine {
        event_id: "2025_10_NYJ_CLE".into(),
        market: M::Spread,
        scope: Scope::Game,
        selection: S::Home,
        book: "betmgm".into(),
        price: price(-110, Some(-2.5)),
        originator: "pinnacle".into(),
        originator_price: price(-108, Some(-3.0)),
        steam_at_ms: taken - 95_000,
        stale_seconds: 35.0,
        fair_prob: Some(0.5412),
        push_prob: 0.0,
        ev: Some(0.0332),
    }];
    let profile = |book: &str,
                   originator,
                   hold: f64,
                   dist,
                   first: (usize, usize),
                   lag,
                   stale: (usize, usize),
                   class: &str| BookProfile {
        book: book.into(),
        originator,
        hold_by_market: [
            ("moneyline", hold - 0.004),
            ("spread", hold),
            ("total", hold + 0.002),
        ]
        .into_iter()
        .map(|(m, h)| (m.to_string(), h))
        .collect(),
        hold: Some(hold),
        consensus_distance: Some(dist),
        first_moves: first.0,
        moves: first.1,
        first_share: (first.1 > 0).then(|| first.0 as f64 / first.1 as f64),
        median_lag_seconds: lag,
        steam_seen: stale.1,
        steam_stale: stale.0,
        stale_share: (stale.1 > 0).then(|| stale.0 as f64 / stale.1 as f64),
        class: class.into(),
    };
    let books = vec![
        profile(
            "betmgm",
            false,
            0.051,
            0.0191,
            (6, 58),
            Some(49.0),
            (14, 31),
            "soft",
        ),
        profile(
            "caesars",
            false,
            0.047,
            0.0122,
            (4, 44),
            Some(27.0),
            (5, 31),
            "soft",
        ),
        profile(
            "draftkings",
            false,
            0.045,
            0.0104,
            (5, 52),
            Some(22.0),
            (3, 31),
            "soft",
        ),
        profile(
            "fanduel",
            false,
            0.046,
            0.0113,
            (7, 50),
            Some(33.0),
            (4, 31),
            "soft",
        ),
        profile(
            "pinnacle",
            true,
            0.024,
            0.0031,
            (38, 41),
            None,
            (0, 0),
            "sharp",
        ),
    ];
    MarketIntel {
        arbitrage,
        middles,
        low_hold,
        steam,
        stale,
        books,
        steam_total: 14,
    }
}

/// The engine's answer to a detail request for `edge`: every book's path over the last hour and
/// the model's margin distribution.
pub fn detail_for(edge: &EdgeRow) -> DetailView {
    let mut history = Vec::new();
    for (b, bp) in edge.other_books.iter().enumerate() {
        for step in 0..12 {
            let drift = ((step - 11) * (b as i64 + 1)) % 7;
            history.push(HistoryPoint {
                book: bp.book.clone(),
                observed_ms: NOW_MS - (12 - step) * 300_000,
                american: bp.american + drift * bp.american.signum(),
                line: bp.line,
            });
        }
    }
    let margin_distribution = (-24..=24)
        .map(|m: i32| {
            let base = (-((m as f64 - 2.5).powi(2)) / 180.0).exp();
            let key = match m.abs() {
                3 => 2.2,
                7 => 1.7,
                10 | 14 => 1.3,
                0 => 0.1,
                _ => 1.0,
            };
            (m, base * key / 14.0)
        })
        .collect();
    DetailView {
        key: edge.key.clone(),
        history,
        margin_distribution,
    }
}

/// A ledger with every state the Bets pane draws: open with a live and a recorded CLV, open
/// with no CLV yet, won, lost, push, void and ungraded; a first half and a second quarter
/// settled from period scores, a first quarter still ungraded.
fn fixture_bets() -> BetsView {
    // (id, event, market, selection, line, book, decimal, status, pnl, clv, clv recorded)
    type Spec<'a> = (
        i64,
        &'a str,
        &'a str,
        &'a str,
        Option<f64>,
        &'a str,
        f64,
        &'a str,
        Option<f64>,
        Option<f64>,
        bool,
    );
    let specs: [Spec; 8] = [
        (
            7,
            "2025_10_MIA_BUF",
            "spread",
            "away",
            Some(5.5),
            "fanduel",
            1.95,
            "open",
            None,
            Some(0.021),
            false,
        ),
        (
            6,
            "2025_10_DEN_KC",
            "total",
            "over",
            Some(44.5),
            "draftkings",
            1.91,
            "open",
            None,
            Some(-0.008),
            true,
        ),
        (
            5,
            "2025_10_NO_TB",
            "moneyline",
            "away",
            None,
            "caesars",
            2.5,
            "open",
            None,
            None,
            false,
        ),
        (
            4,
            "2025_10_DEN_KC",
            "spread",
            "home",
            Some(-3.0),
            "betmgm",
            1.91,
            "won",
            Some(26.39),
            Some(0.034),
            true,
        ),
        (
            3,
            "2025_10_MIA_BUF",
            "total",
            "under",
            Some(13.5),
            "pinnacle",
            1.87,
            "lost",
            Some(-28.0),
            Some(-0.012),
            true,
        ),
        (
            2,
            "2025_10_NO_TB",
            "spread",
            "home",
            Some(14.0),
            "fanduel",
            2.0,
            "push",
            Some(0.0),
            Some(0.005),
            true,
        ),
        (
            1,
            "2025_10_NO_TB",
            "moneyline",
            "home",
            None,
            "draftkings",
            1.6,
            "void",
            Some(0.0),
            None,
            false,
        ),
        (
            0,
            "2025_10_DEN_KC",
            "spread",
            "home",
            Some(-0.5),
            "pinnacle",
            2.05,
            "ungraded",
            None,
            Some(0.011),
            true,
        ),
    ];
    let rows = specs
        .iter()
        .map(
            |&(id, event, market, sel, line, book, decimal, status, pnl, clv, fin)| BetRow {
                id,
                paper: id % 2 == 0,
                event_id: event.into(),
                market: market.into(),
                scope: match id {
                    0 => "1q",
                    3 => "2q",
                    4 => "1h",
                    _ => "game",
                }
                .into(),
                selection: sel.into(),
                line,
                book: book.into(),
                decimal,
                stake: 25.0 + id as f64,
                placed_ms: NOW_MS - id * 3_600_000,
                status: status.into(),
                pnl,
                clv,
                clv_final: fin,
            },
        )
        .collect();
    BetsView {
        open: 3,
        settled: 3,
        staked: 29.0 + 28.0 + 27.0,
        pnl: 26.39 - 28.0,
        clv_mean: Some((-0.008 + 0.034 - 0.012 + 0.005 + 0.011) / 5.0),
        clv_n: 5,
        rows,
    }
}
