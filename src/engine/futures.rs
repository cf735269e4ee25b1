//! The futures service: simulates the season in the background whenever the pricing model is
//! (re)fitted, which is when results or ratings change, and prices the stored outright board
//! against the latest simulation. It never blocks a refresh: the simulation runs on the blocking
//! pool and the engine loop only looks at its progress counter.

use super::pricer::Pricer;
use crate::config::Config;
use crate::domain::outright::OutrightQuote;
use crate::edges::futures::{price_forecast, FuturesRules};
use crate::pricing::games::GameRecord;
use crate::pricing::season::{self, SeasonForecast};
use crate::snapshot::{FuturesState, FuturesView};
use crate::store::Store;
use chrono::NaiveDate;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use tokio::task::JoinHandle;

/// How often the stored outright board is re-read and re-priced.
const BOARD_EVERY_MS: i64 = 30_000;

pub struct FuturesService {
    cfg: Config,
    view: FuturesView,
    task: Option<JoinHandle<Result<SeasonForecast, String>>>,
    progress: Arc<AtomicU32>,
    /// The model the current (or running) simulation came from.
    model: Option<Arc<Pricer>>,
    quotes: Vec<OutrightQuote>,
    board_read_ms: i64,
}

impl FuturesService {
    pub fn new(cfg: &Config) -> FuturesService {
        FuturesService {
            cfg: cfg.clone(),
            view: FuturesView {
                min_ev: cfg.analytics.futures.min_ev,
                ..FuturesView::default()
            },
            task: None,
            progress: Arc::new(AtomicU32::new(0)),
            model: None,
            quotes: Vec::new(),
            board_read_ms: i64::MIN,
        }
    }

    /// What the Futures pane and `/api/v1/futures` show now.
    pub fn view(&self) -> FuturesView {
        let mut v = self.view.clone();
        if v.state == FuturesState::Running {
            v.done = self.progress.load(Ordering::Relaxed).min(v.total);
        }
        v
    }

    /// One engine tick: collect a finished simulation, start one for a new model, and re-price
    /// the board when it is due. `pricer` is the model pricing uses now.
    pub async fn tick(&mut self, pricer: Option<&Arc<Pricer>>, store: &Store, now_ms: i64) {
        if self.task.as_ref().is_some_and(JoinHandle::is_finished) {
            self.collect(now_ms).await;
        }
        let fresh_model = match (pricer, &self.model) {
            (Some(p), Some(m)) => !Arc::ptr_eq(p, m),
            (Some(_), None) => true,
            (None, _) => false,
        };
        if fresh_model && self.task.is_none() {
            if let Some(p) = pricer {
                self.start(p.clone());
            }
        }
        if now_ms.saturating_sub(self.board_read_ms) >= BOARD_EVERY_MS {
            self.board_read_ms = now_ms;
            self.read_board(store, now_ms).await;
        }
    }

    fn start(&mut self, pricer: Arc<Pricer>) {
        let games = pricer.engine().games();
        let Some(as_of) = as_of(&self.cfg, games) else {
            self.model = Some(pricer);
            self.view.state = FuturesState::Failed;
            self.view.error = Some("no season to simulate: the games file holds no played game and analytics.futures.as_of is unset".into());
            return;
        };
        let simulations = self.cfg.analytics.futures.simulations;
        let seed = self.cfg.analytics.seed;
        self.progress.store(0, Ordering::Relaxed);
        self.view.state = FuturesState::Running;
        self.view.done = 0;
        self.view.total = simulations;
        self.view.error = None;
        self.view.as_of = Some(as_of.to_string());
        let progress = self.progress.clone();
        let engine = pricer.engine().clone();
        self.model = Some(pricer);
        tracing::info!(%as_of, simulations, "simulating the season in the background");
        self.task = Some(tokio::task::spawn_blocking(move || {
            season::forecast_with_progress(&engine, as_of, simulations, seed, &progress)
                .map_err(|e| e.to_string())
        }));
    }

    async fn collect(&mut self, now_ms: i64) {
        let Some(task) = self.task.take() else { return };
        match task.await {
            Ok(Ok(fc)) => {
                tracing::info!(
                    season = fc.season,
                    simulations = fc.simulations,
                    "season simulated"
                );
                self.view.state = FuturesState::Ready;
                self.view.done = fc.simulations;
                self.view.finished_ms = Some(now_ms);
                self.view.forecast = Some(fc);
                self.price();
            }
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "the season simulation failed");
                self.view.state = FuturesState::Failed;
                self.view.error = Some(e);
            }
            Err(e) => {
                tracing::error!(error = %e, "the season simulation task failed");
                self.view.state = FuturesState::Failed;
                self.view.error = Some(format!("the simulation task failed: {e}"));
            }
        }
    }

    async fn read_board(&mut self, store: &Store, now_ms: i64) {
        let Some(season) = self.view.forecast.as_ref().map(|f| i32::from(f.season)) else {
            return;
        };
        let max_age_ms = self.cfg.analytics.futures.max_age_ms();
        match store
            .latest_outrights(Some(season), now_ms.saturating_sub(max_age_ms))
            .await
        {
            Ok(q) => {
                self.quotes = q;
                self.price();
            }
            Err(e) => tracing::warn!(error = %e, "cannot read the outright board"),
        }
    }

    /// Prices the board against the simulation, as of the simulation's day.
    fn price(&mut self) {
        let (Some(fc), Some(model)) = (&self.view.forecast, &self.model) else {
            return;
        };
        let rules = FuturesRules::from_analytics(&self.cfg.analytics);
        let Some(edges) = price_forecast(fc, model.engine().games(), &self.quotes, &rules) else {
            return;
        };
        self.view.edges = edges;
        self.view.quotes = self.quotes.len();
    }
}

/// The day the engine simulates from: `analytics.futures.as_of`; else, with an enabled replay
/// source, the first day of the replayed week (the replay's present); else the day after the
/// games file's latest result.
pub fn as_of(cfg: &Config, games: &[GameRecord]) -> Option<NaiveDate> {
    if let Some(d) = cfg
        .analytics
        .futures
        .as_of
        .as_deref()
        .and_then(|d| NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok())
    {
        return Some(d);
    }
    let replay = cfg.sources.iter().find_map(|s| match s {
        crate::config::SourceConfig::Replay(r) if r.enabled => Some(r),
        _ => None,
    });
    let day = |g: &GameRecord| NaiveDate::parse_from_str(&g.gameday, "%Y-%m-%d").ok();
    if let Some(r) = replay {
        if let Ok(week) = crate::ingest::replay::pick_week(games, "replay", r.season, r.week) {
            let first = week.first().map(|g| (g.season, g.week));
            if let Some((s, w)) = first {
                return games
                    .iter()
                    .filter(|g| g.season == s && g.week == w)
                    .filter_map(day)
                    .min();
            }
        }
    }
    games
        .iter()
        .filter(|g| g.home_score.is_some() && g.away_score.is_some())
        .filter_map(day)
        .max()
        .and_then(|d| d.succ_opt())
}
