//! The pricing pipeline every front end shares: stored quotes in, priced opportunities, portfolio
//! and bankroll out. `simulate`, `scan`, the dashboard engine and the API all call `Pricer::price`.

use crate::config::Config;
use crate::domain::{Event, MarketKind, Quote, Scope, Selection};
use crate::edges::bankroll::{self, BankrollReport, PathBet};
use crate::edges::steam::StaleLine;
use crate::edges::{find_opportunities, Opportunity, Portfolio};
use crate::edges::{kelly, scan_markets, MarketIntel};
use crate::pricing::montecarlo::{check_limit, CHECK_Z_LIMIT};
use crate::pricing::{games, PricingEngine, SlateGame, SlateSimulation};
use crate::snapshot::{BookPrice, EdgeKind, EdgeRow, SimulationRun};
use crate::store::read::LatestQuote;
use crate::store::records::{OpportunityRecord, SimulationRecord};
use crate::store::{Store, StoreError};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum PricerError {
    #[error(transparent)]
    Games(#[from] games::GamesError),
    #[error(transparent)]
    Pricing(#[from] crate::pricing::PricingError),
}

/// Quotes and events read from the store for one pricing pass.
pub type MarketData = crate::store::MarketRead;

/// The odds path since the market opened, bounded so pricing time stays flat.
const HISTORY_DAYS_MS: i64 = 7 * 86_400_000;
const HISTORY_ROWS: usize = 200_000;

impl MarketData {
    /// Fresh latest quotes (confirmed within `stale_after_seconds`) with their recent odds paths.
    pub async fn read(store: &Store, cfg: &Config, now_ms: i64) -> Result<MarketData, StoreError> {
        store
            .market_read(
                fresh_since(cfg, now_ms),
                now_ms - HISTORY_DAYS_MS,
                HISTORY_ROWS,
            )
            .await
            .map(|d| screened(d, cfg))
    }

    /// The same for synchronous callers.
    pub fn read_blocking(
        store: &Store,
        cfg: &Config,
        now_ms: i64,
    ) -> Result<MarketData, StoreError> {
        store
            .market_read_blocking(
                fresh_since(cfg, now_ms),
                now_ms - HISTORY_DAYS_MS,
                HISTORY_ROWS,
            )
            .map(|d| screened(d, cfg))
    }
}

/// The board without the quotes the plausibility judge keeps out: each poll was judged on its
/// own, but books of one market can come from different sources and polls, and an outlier
/// among them must not reach consensus, edges or arbitrage either.
fn screened(mut d: MarketData, cfg: &Config) -> MarketData {
    let refs: Vec<&Quote> = d.latest.iter().map(|l| &l.quote).collect();
    let out: std::collections::HashSet<usize> =
        crate::ingest::plausible::judge(&refs, &cfg.ingestion.plausibility)
            .into_iter()
            .map(|r| r.index)
            .collect();
    if !out.is_empty() {
        tracing::debug!(
            quotes = out.len(),
            "implausible stored quotes left out of pricing"
        );
        let mut i = 0;
        d.latest.retain(|_| {
            i += 1;
            !out.contains(&(i - 1))
        });
    }
    d
}

fn fresh_since(cfg: &Config, now_ms: i64) -> i64 {
    now_ms - (cfg.ingestion.stale_after_seconds * 1000.0) as i64
}

/// Everything one pricing pass produced.
#[derive(Debug, Clone)]
pub struct PricingRun {
    pub opportunities: Vec<Opportunity>,
    pub portfolio: Portfolio,
    pub bankroll: Option<BankrollReport>,
    pub run: SimulationRun,
    pub edges: Vec<EdgeRow>,
    pub sim: SlateSimulation,
    /// Model and fair home win per game of the slate.
    pub games: Vec<crate::edges::GameView>,
    /// The cross-book pass over the same board.
    pub market: MarketIntel,
    pub seed: u64,
}

/// The knobs of one pricing pass.
#[derive(Debug, Clone, Copy)]
pub struct Pass<'a> {
    pub iterations: u32,
    pub seed: u64,
    pub bankroll: f64,
    pub with_bankroll: bool,
    /// What asked for it: refresh, scan, simulate.
    pub trigger: &'a str,
    pub now_ms: i64,
}

pub struct Pricer {
    engine: std::sync::Arc<PricingEngine>,
    cfg: Config,
    /// The period scores beside the games file (empty when there are none).
    periods: std::sync::Arc<crate::data::periods::PeriodScores>,
    /// Whether period edges are held to the gate's EV (see `evaluation::periods::gate`).
    period_gate: crate::domain::PeriodGate,
}

impl Pricer {
    /// Fits ratings and the score model from `games` (default `analytics.ratings.games_path`).
    pub fn load(cfg: &Config, games_path: Option<&Path>) -> Result<Pricer, PricerError> {
        let path = games_path
            .map(Path::to_path_buf)
            .unwrap_or_else(|| cfg.analytics.ratings.games_path.clone().into());
        let games = games::load_games(&path)?;
        let engine = std::sync::Arc::new(PricingEngine::from_games(&games, &cfg.analytics)?);
        // The period scores are optional: a file that does not load or disagrees with the
        // games file grades nothing and keeps the gate closed, with the reason in the log.
        let periods = crate::data::periods::load_beside(&path, &games).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "period scores not used");
            None
        });
        let period_gate =
            crate::evaluation::periods::gate(&games, periods.as_ref(), &cfg.analytics);
        let mut cfg = cfg.clone();
        cfg.analytics.periods.gate_open = period_gate.is_open();
        Ok(Pricer {
            engine,
            cfg,
            periods: std::sync::Arc::new(periods.unwrap_or_default()),
            period_gate,
        })
    }

    /// Quarter scores by game, from the period-scores file beside the games file.
    pub fn periods(&self) -> &std::sync::Arc<crate::data::periods::PeriodScores> {
        &self.periods
    }

    pub fn period_gate(&self) -> &crate::domain::PeriodGate {
        &self.period_gate
    }

    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// The fitted model: its score distributions value moved lines, its games hold the finals.
    pub fn engine(&self) -> &std::sync::Arc<PricingEngine> {
        &self.engine
    }

    pub fn price(&self, data: &MarketData, pass: &Pass) -> PricingRun {
        let Pass {
            iterations,
            seed,
            bankroll,
            with_bankroll,
            now_ms,
            ..
        } = *pass;
        let trigger = pass.trigger;
        let started = Instant::now();
        let live_events: Vec<&Event> = data
            .events
            .iter()
            .filter(|e| data.latest.iter().any(|q| q.quote.event_id == e.event_id))
            .collect();
        let slate: Vec<SlateGame> = live_events
            .iter()
            .map(|e| {
                let mut g = self.engine.slate_game(e);
                if !g.model_opinion {
                    // No opinion on unrated teams: the market's lines only shape the pushes,
                    // and the blend leaves the price to consensus.
                    let (total, spread) = market_lines(&data.latest, &e.event_id);
                    if let Some(s) = spread {
                        g.inputs.mean_margin = -s;
                    }
                    if let Some(t) = total {
                        g.inputs.mean_total = t;
                    }
                }
                g
            })
            .collect();
        let sim = self.engine.simulate_slate(&slate, iterations, seed);
        // Paths for the fresh slots only: a book that stopped quoting a market is not a price.
        let fresh: std::collections::HashSet<String> =
            data.latest.iter().map(|l| l.quote.slot_key()).collect();
        let mut quotes: Vec<Quote> = data
            .history
            .iter()
            .filter(|q| fresh.contains(&q.slot_key()))
            .cloned()
            .collect();
        quotes.extend(data.latest.iter().map(|l| l.quote.clone()));
        let events: Vec<Event> = live_events.iter().map(|e| (*e).clone()).collect();
        let opportunities =
            find_opportunities(&quotes, &events, &sim, &self.cfg.analytics, bankroll);
        let portfolio = Portfolio::allocate(&opportunities, &events, &self.cfg.analytics, bankroll);
        let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
        let bankroll_report = (with_bankroll && !portfolio.bets.is_empty()).then(|| {
            let bets: Vec<PathBet> = portfolio.bets.iter().map(PathBet::from).collect();
            let mut bcfg = self.cfg.analytics.bankroll.clone();
            bcfg.initial = bankroll;
            bankroll::simulate(&bets, &bcfg)
        });
        let markets = data.latest.len();
        let check = sim.check();
        let run = SimulationRun {
            started_ms: now_ms,
            latency_ms,
            iterations,
            events: slate.len(),
            markets,
            max_std_error: check.as_ref().map_or(0.0, |c| c.max_std_error),
            max_abs_z: check.as_ref().map(|c| c.max_abs_z),
            check_limit: check
                .as_ref()
                .map_or(CHECK_Z_LIMIT, |c| check_limit(c.markets)),
            check_markets: check.as_ref().map_or(0, |c| c.markets),
            check_worst: check.map(|c| c.worst).unwrap_or_default(),
            trigger: trigger.to_string(),
            target_ms: self.cfg.analytics.simulation_latency_target_seconds
                * 1000.0
                * iterations as f64
                / 20_000.0,
        };
        let stakes: BTreeMap<String, (f64, f64)> = portfolio
            .bets
            .iter()
            .map(|b| (edge_key(b), (b.stake_fraction, b.stake)))
            .collect();
        let mut edges: Vec<EdgeRow> = opportunities
            .iter()
            .map(|o| edge_row(o, &data.latest, &stakes, now_ms))
            .collect();
        let live: Vec<&Quote> = data.latest.iter().map(|l| &l.quote).collect();
        let games = crate::edges::game_views(&live, &sim, &self.cfg.analytics);
        let market = scan_markets(&quotes, &live, &sim, &self.cfg.analytics, now_ms);
        add_stale_edges(&mut edges, &market, &events, &self.cfg, bankroll);
        PricingRun {
            opportunities,
            portfolio,
            bankroll: bankroll_report,
            run,
            edges,
            sim,
            games,
            market,
            seed,
        }
    }
}

/// Records for the store: the run and every opportunity.
pub fn records(p: &PricingRun) -> (SimulationRecord, Vec<OpportunityRecord>) {
    let sim = SimulationRecord {
        started_ms: p.run.started_ms,
        latency_ms: p.run.latency_ms,
        iterations: p.run.iterations,
        seed: p.seed,
        events: p.run.events,
        markets: p.run.markets,
        max_std_error: p.run.max_std_error,
        max_abs_z: p.run.max_abs_z,
        trigger: p.run.trigger.clone(),
    };
    let opps = p
        .edges
        .iter()
        .map(|e| OpportunityRecord {
            detected_ms: p.run.started_ms,
            event_id: e.event_id.clone(),
            market: e.market.clone(),
            scope: e.scope.clone(),
            selection: e.selection.clone(),
            line: e.line,
            book: e.book.clone(),
            american: e.american,
            fair_prob: e.fair_prob,
            push_prob: e.push_prob,
            ev: e.ev,
            kelly: e.kelly,
            stake: e.stake,
            detail: serde_json::to_string(e).unwrap_or_default(),
        })
        .collect();
    (sim, opps)
}

/// The stable key of an opportunity: event|market|scope|selection|line|book.
pub fn edge_key(o: &Opportunity) -> String {
    format!(
        "{}|{}|{}|{}|{}|{}",
        o.event_id,
        o.market,
        o.scope,
        o.selection,
        o.line.map(|l| format!("{l:.1}")).unwrap_or_default(),
        o.book
    )
}

/// Median main-line total and home spread across books, for the model's inputs.
fn market_lines(latest: &[LatestQuote], event_id: &str) -> (Option<f64>, Option<f64>) {
    let pick = |market: MarketKind, sel: Selection| {
        let mut v: Vec<f64> = latest
            .iter()
            .map(|l| &l.quote)
            .filter(|q| {
                q.event_id == event_id
                    && q.market == market
                    && q.scope == Scope::Game
                    && q.selection == sel
            })
            .filter_map(|q| q.line)
            .collect();
        v.sort_by(f64::total_cmp);
        (!v.is_empty()).then(|| v[v.len() / 2])
    };
    (
        pick(MarketKind::Total, Selection::Over),
        pick(MarketKind::Spread, Selection::Home),
    )
}

fn edge_row(
    o: &Opportunity,
    latest: &[LatestQuote],
    stakes: &BTreeMap<String, (f64, f64)>,
    now_ms: i64,
) -> EdgeRow {
    let key = edge_key(o);
    let same = |q: &Quote| {
        q.event_id == o.event_id
            && q.market == o.market
            && q.scope == o.scope
            && q.selection == o.selection
            && (!o.market.is_ladder()
                || q.line
                    .zip(o.line)
                    .is_some_and(|(a, b)| (a - b).abs() < 1e-9))
    };
    let mut other_books: Vec<BookPrice> = latest
        .iter()
        .filter(|l| same(&l.quote))
        .map(|l| BookPrice {
            book: l.quote.book.clone(),
            american: l.quote.american,
            line: l.quote.line,
        })
        .collect();
    other_books.sort_by(|a, b| a.book.cmp(&b.book));
    let changed = latest
        .iter()
        .find(|l| same(&l.quote) && l.quote.book == o.book)
        .map(|l| l.quote.observed_ms);
    let (kelly, stake) = stakes.get(&key).copied().unwrap_or((0.0, 0.0));
    EdgeRow {
        kind: EdgeKind::Value,
        key,
        event_id: o.event_id.clone(),
        event: o.event.clone(),
        market: o.market.to_string(),
        scope: o.scope.to_string(),
        selection: o.selection.to_string(),
        line: o.line,
        book: o.book.clone(),
        american: o.american,
        decimal: o.decimal,
        fair_prob: o.fair_prob,
        model_prob: o.model_prob,
        consensus_prob: Some(o.consensus_prob),
        push_prob: o.push_prob,
        ev: o.ev,
        worst_case_ev: Some(o.worst_case_ev),
        kelly,
        stake,
        std_error: o.std_error.unwrap_or(0.0),
        age_seconds: changed
            .map(|c| (now_ms - c).max(0) as f64 / 1000.0)
            .unwrap_or(0.0),
        movement_points: o.movement_points,
        movement_prob: o.movement_prob,
        books_used: o.books_used.clone(),
        width: o.width,
        other_books,
    }
}

/// Stale lines priced at or above `analytics.markets.stale_min_ev` join the edges as kind
/// `stale`, ranked by EV with the value edges. A price that is already a value edge keeps its
/// row and is marked stale: the steam says why the edge is there.
fn add_stale_edges(
    edges: &mut Vec<EdgeRow>,
    market: &MarketIntel,
    events: &[Event],
    cfg: &Config,
    bankroll: f64,
) {
    let a = &cfg.analytics;
    for s in &market.stale {
        let (Some(ev), Some(win)) = (s.ev, s.fair_prob) else {
            continue;
        };
        if ev < a.markets.stale_min_ev {
            continue;
        }
        let key = stale_key(s);
        if let Some(row) = edges.iter_mut().find(|e| e.key == key) {
            row.kind = EdgeKind::Stale;
            continue;
        }
        let decimal =
            crate::domain::odds::american_to_decimal(s.price.american).unwrap_or(f64::NAN);
        let stake_fraction = (a.kelly_fraction * kelly(win, s.push_prob, decimal))
            .min(a.max_bet_fraction)
            .max(0.0);
        edges.push(EdgeRow {
            kind: EdgeKind::Stale,
            key,
            event_id: s.event_id.clone(),
            event: events
                .iter()
                .find(|e| e.event_id == s.event_id)
                .map(Event::label)
                .unwrap_or_else(|| s.event_id.clone()),
            market: s.market.to_string(),
            scope: s.scope.to_string(),
            selection: s.selection.to_string(),
            line: s.price.line,
            book: s.book.clone(),
            american: s.price.american,
            decimal,
            fair_prob: win,
            model_prob: None,
            consensus_prob: None,
            push_prob: s.push_prob,
            ev,
            worst_case_ev: None,
            kelly: stake_fraction,
            stake: stake_fraction * bankroll,
            std_error: 0.0,
            age_seconds: s.stale_seconds,
            movement_points: None,
            movement_prob: None,
            books_used: vec![s.originator.clone()],
            width: 0.0,
            other_books: vec![BookPrice {
                book: s.originator.clone(),
                american: s.originator_price.american,
                line: s.originator_price.line,
            }],
        });
    }
    edges.sort_by(|a, b| b.ev.total_cmp(&a.ev).then_with(|| a.key.cmp(&b.key)));
}

/// The edge key of a stale line (same shape as [`edge_key`]).
fn stale_key(s: &StaleLine) -> String {
    format!(
        "{}|{}|{}|{}|{}|{}",
        s.event_id,
        s.market,
        s.scope,
        s.selection,
        s.price.line.map(|l| format!("{l:.1}")).unwrap_or_default(),
        s.book
    )
}
