//! Closing-line value and settlement on a hand-made odds path where every number is known, on
//! the embedded SQLite store and on PostgreSQL: the close is the last quote before kickoff
//! (a later one is ignored), an unmoved moneyline is plain de-vig arithmetic, a half point
//! bought across 3 is valued through the key-number distribution, a whole-number spread
//! pushes, a void stays void with no CLV, a bet placed after kickoff is left alone.

#[path = "common/pg.rs"]
mod pg;

use nflreadpy_betting::config::schema::AnalyticsConfig;
use nflreadpy_betting::domain::{DevigMethod, Event, MarketKind, Quote, Scope, Selection};
use nflreadpy_betting::engine::bets::{run_pass, PassInputs};
use nflreadpy_betting::pricing::games::load_games;
use nflreadpy_betting::pricing::PricingEngine;
use nflreadpy_betting::store::bets::NewBet;
use nflreadpy_betting::store::{PollBatch, Store};
use std::collections::HashSet;

const EVENT: &str = "T_ATL_NO";
/// The shipped file's game: ATL 24 at NO 10 (home NO), so the home margin is -14.
const GAME: &str = "2025_12_ATL_NO";
const KICKOFF: i64 = 1_000_000;

fn q(book: &str, market: MarketKind, sel: Selection, line: Option<f64>, am: i64, t: i64) -> Quote {
    Quote {
        event_id: EVENT.into(),
        book: book.into(),
        market,
        scope: Scope::Game,
        selection: sel,
        line,
        american: am,
        observed_ms: t,
        source: "test".into(),
    }
}

/// The odds path, one poll per distinct time.
fn path() -> Vec<Vec<Quote>> {
    use MarketKind::{Moneyline, Spread};
    use Selection::{Away, Home};
    vec![
        vec![
            q("draftkings", Spread, Home, Some(-2.5), -110, 100),
            q("draftkings", Spread, Away, Some(2.5), -110, 100),
            q("pinnacle", Spread, Home, Some(-2.5), -105, 100),
            q("pinnacle", Spread, Away, Some(2.5), -115, 100),
            q("draftkings", Moneyline, Home, None, -150, 100),
            q("draftkings", Moneyline, Away, None, 130, 100),
        ],
        // The market moves to NO -3 before kickoff: this is the close.
        vec![
            q("draftkings", Spread, Home, Some(-3.0), -110, 500),
            q("draftkings", Spread, Away, Some(3.0), -110, 500),
            q("pinnacle", Spread, Home, Some(-3.0), -110, 600),
            q("pinnacle", Spread, Away, Some(3.0), -110, 600),
        ],
        // After kickoff: never the close.
        vec![
            q("draftkings", Spread, Home, Some(-7.0), -110, KICKOFF + 10),
            q("draftkings", Spread, Away, Some(7.0), -110, KICKOFF + 10),
            q("draftkings", Moneyline, Away, None, 400, KICKOFF + 10),
        ],
    ]
}

fn bet(market: &str, sel: &str, line: Option<f64>, decimal: f64, placed: i64) -> NewBet {
    NewBet {
        paper: false,
        event_id: EVENT.into(),
        market: market.into(),
        scope: "game".into(),
        selection: sel.into(),
        line,
        book: "draftkings".into(),
        decimal,
        stake: 100.0,
        placed_ms: placed,
        fair_prob: None,
        ev: None,
        model_prob: None,
        consensus_prob: None,
        note: None,
        dedup_key: None,
    }
}

async fn scenario(store: &Store) {
    let event = Event {
        event_id: EVENT.into(),
        game_id: Some(GAME.into()),
        season: Some(2025),
        week: Some(12),
        home_team: "NO".into(),
        away_team: "ATL".into(),
        commence_ms: KICKOFF,
    };
    for poll in path() {
        let t = poll[0].observed_ms;
        store
            .write_poll(
                PollBatch {
                    events: vec![event.clone()],
                    quotes: poll,
                    ..Default::default()
                },
                t,
            )
            .await
            .expect("poll written");
    }
    let close = store
        .closing_quotes(EVENT.into(), KICKOFF)
        .await
        .expect("closing quotes");
    let line_of = |book: &str, sel: Selection| {
        close
            .iter()
            .find(|c| c.book == book && c.market == MarketKind::Spread && c.selection == sel)
            .map(|c| (c.line, c.american, c.observed_ms))
    };
    assert_eq!(
        line_of("draftkings", Selection::Home),
        Some((Some(-3.0), -110, 500))
    );
    assert_eq!(
        line_of("pinnacle", Selection::Away),
        Some((Some(3.0), -110, 600))
    );
    assert_eq!(close.len(), 6, "{close:?}");
    // The store's query and the pure definition agree on the close.
    let key = |q: &Quote| (q.book.clone(), q.market, q.selection, q.observed_ms);
    let mut by_sql: Vec<_> = close.iter().map(key).collect();
    let mut by_def: Vec<_> =
        nflreadpy_betting::edges::clv::closing_quotes(&path().concat(), KICKOFF)
            .iter()
            .map(key)
            .collect();
    by_sql.sort();
    by_def.sort();
    assert_eq!(by_sql, by_def);
    assert!(close.iter().all(|c| c.observed_ms < KICKOFF));

    let d110 = 1.0 + 100.0 / 110.0;
    let ids = [
        // 1: NO -2.5 at -110, the close is -3: the half point across 3. NO lost by 14.
        bet("spread", "home", Some(-2.5), d110, 150),
        // 2: ATL on the moneyline at 2.5: the line cannot move. ATL won: +150.
        bet("moneyline", "away", None, 2.5, 150),
        // 3: NO +14 at 2.0: a push on a whole-number spread.
        bet("spread", "home", Some(14.0), 2.0, 150),
        // 4: voided before the game.
        bet("moneyline", "home", None, 1.6, 150),
        // 5: placed after kickoff: belongs to no close this event had.
        bet("moneyline", "home", None, 1.6, KICKOFF + 20),
    ];
    let mut id = Vec::new();
    for b in ids {
        id.push(store.insert_bet(b).await.expect("insert").expect("new bet"));
    }
    assert!(store
        .void_bet(id[3], 200, "scratched".into())
        .await
        .unwrap());

    let games = load_games(concat!(env!("CARGO_MANIFEST_DIR"), "/data/games.csv")).unwrap();
    let analytics = AnalyticsConfig {
        devig_method: DevigMethod::Multiplicative,
        ..AnalyticsConfig::default()
    };
    let engine = std::sync::Arc::new(PricingEngine::from_games(&games, &analytics).unwrap());
    let finals = engine.finals();
    assert_eq!(finals.get(GAME), Some(&(10, 24)));
    let mut tried = HashSet::new();
    // Before kickoff: nothing to value or grade.
    let periods = nflreadpy_betting::data::periods::PeriodScores::default();
    let inputs = |now| PassInputs {
        finals: &finals,
        periods: &periods,
        pricing: Some(engine.clone()),
        analytics: &analytics,
        final_delay_ms: Some(5_000),
        now_ms: now,
        max_valued: usize::MAX,
    };
    let r = run_pass(store, &inputs(KICKOFF - 1), &mut tried)
        .await
        .unwrap();
    assert!(r.valued.is_empty() && r.graded.is_empty(), "{r:?}");
    // Kicked off, final not yet due: CLV only.
    let r = run_pass(store, &inputs(KICKOFF + 1_000), &mut tried)
        .await
        .unwrap();
    assert_eq!(r.valued, vec![id[0], id[1], id[2]], "{r:?}");
    assert!(r.graded.is_empty());
    let b = |i: usize| {
        let id = id[i];
        async move { store.get_bet(id).await.unwrap().unwrap() }
    };
    // Bet 2: draftkings closed ATL +130 against NO -150, de-vigged multiplicatively.
    let (h, a) = (0.6, 1.0 / 2.3);
    let fair_away = a / (h + a);
    let b2 = b(1).await;
    assert!(
        (b2.clv_book.unwrap() - (fair_away - 0.4)).abs() < 1e-12,
        "{b2:?}"
    );
    // Expected ROI at the close: the win probability times the price, less one.
    let roi = b2.clv_roi_book.unwrap();
    assert!((roi - (fair_away * 2.5 - 1.0)).abs() < 1e-12, "{b2:?}");
    // No sharp book closed the moneyline: the consensus is draftkings' own.
    assert!((b2.clv_consensus.unwrap() - (fair_away - 0.4)).abs() < 1e-12);
    // Bet 1: the close is 50/50 at -3 given action, so -2.5 wins (1 + P(margin = 3)) / 2 of
    // the time; P(margin = 3) near a 3-point spread is 7-12% in the key-number table.
    let b1 = b(0).await;
    let clv = b1.clv_book.unwrap();
    let push_at_3 = 2.0 * (clv + 1.0 / d110) - 1.0;
    assert!(
        push_at_3 > 0.07 && push_at_3 < 0.12,
        "{b1:?} push {push_at_3}"
    );
    // Pinnacle closed -3 at -110 both ways too: the same consensus.
    assert!((b1.clv_consensus.unwrap() - clv).abs() < 1e-9, "{b1:?}");
    // Bet 3: +14 against a -3 close is a big favourite: positive CLV at 2.0.
    let b3 = b(2).await;
    assert!(b3.clv_book.unwrap() > 0.3, "{b3:?}");
    // The void and the late bet have none.
    for i in [3, 4] {
        let x = b(i).await;
        assert!(x.clv_book.is_none() && x.clv_consensus.is_none(), "{x:?}");
    }

    // The final is due: grades and P&L at the bet's price.
    let r = run_pass(store, &inputs(KICKOFF + 5_000), &mut tried)
        .await
        .unwrap();
    assert!(r.valued.is_empty(), "valued once only: {r:?}");
    let graded: Vec<(i64, &str, Option<f64>)> =
        r.graded.iter().map(|g| (g.id, g.status, g.pnl)).collect();
    assert_eq!(
        graded,
        vec![
            (id[0], "lost", Some(-100.0)),
            (id[1], "won", Some(150.0)),
            (id[2], "push", Some(0.0)),
        ]
    );
    assert_eq!(b(3).await.status, "void");
    assert_eq!(b(4).await.status, "open");
    // Graded bets keep their CLV.
    assert_eq!(b(0).await.clv_book, Some(clv));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clv_and_settlement_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let (store, thread) = Store::open_writable(dir.path().join("clv.sqlite3"), 5000, 64).unwrap();
    scenario(&store).await;
    drop(store);
    let _ = tokio::task::spawn_blocking(move || thread.join()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clv_and_settlement_on_postgres() {
    let Some(db) = pg::TestDb::new("clv").await else {
        return;
    };
    let mut cfg = nflreadpy_betting::config::Config::default();
    cfg.storage.url = Some(db.url.clone());
    let (store, _) = Store::open(&cfg, true).await.expect("postgres store");
    scenario(&store).await;
    drop(store);
    db.drop_db().await;
}
