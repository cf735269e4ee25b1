//! Pricing: team ratings learned walk-forward from history (only what was known before each
//! kickoff), an exact joint score distribution per game and scope, and every market priced from
//! that distribution. Monte Carlo draws from the same distribution only to check it. Everything
//! downstream (edges, bankroll, the dashboard) reads a [`SlateSimulation`].

pub mod alias;
pub mod backtest;
pub mod games;
pub mod keynumbers;
pub mod known;
pub mod model;
pub mod montecarlo;
pub mod opener;
pub mod period;
pub mod prices;
pub mod ratings;

pub use games::{load_games, GameRecord, GamesError};
pub use known::{known_before, Cutoff};
pub use model::{GameInputs, JointPmf, ScoreModel};
pub use prices::{OutcomeProb, Price, ScopeDist};
pub use ratings::{GameContext, Prediction, RatingParams, RatingState};

use crate::config::schema::AnalyticsConfig;
use crate::domain::{Event, MarketKind, Scope, Selection};
use keynumbers::KeyNumberTable;
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum PricingError {
    #[error(transparent)]
    Games(#[from] GamesError),
    #[error("not enough played games with closing lines to fit the score model ({0}; need 500)")]
    TooLittleHistory(usize),
}

/// One game of a slate: its id, the model's expectation, the season whose score model prices
/// it, and whether the model has an opinion (both teams rated) or only shapes pushes.
#[derive(Debug, Clone, PartialEq)]
pub struct SlateGame {
    pub event_id: String,
    pub inputs: GameInputs,
    pub season: i32,
    pub model_opinion: bool,
}

impl SlateGame {
    pub fn new(event_id: impl Into<String>, inputs: GameInputs, season: i32) -> Self {
        SlateGame {
            event_id: event_id.into(),
            inputs,
            season,
            model_opinion: true,
        }
    }
}

/// The model's pre-game view of one event.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelView {
    pub prediction: Prediction,
    pub season: i32,
    /// The day whose knowledge it rests on (results of earlier days only).
    pub cutoff: Cutoff,
    /// False when a team has never been seen: the prediction is then a league-average shape,
    /// not an opinion, and the blend gives it no weight.
    pub opinion: bool,
}

/// History plus the fitted models, each built lazily per cutoff and cached.
#[derive(Debug)]
pub struct PricingEngine {
    games: Vec<GameRecord>,
    by_id: HashMap<String, usize>,
    week_starts: known::WeekStarts,
    starters: known::LastStarters,
    params: RatingParams,
    states: Mutex<BTreeMap<Cutoff, Arc<RatingState>>>,
    models: Mutex<BTreeMap<i32, Arc<ScoreModel>>>,
}

impl Clone for PricingEngine {
    fn clone(&self) -> Self {
        PricingEngine {
            games: self.games.clone(),
            by_id: self.by_id.clone(),
            week_starts: self.week_starts.clone(),
            starters: self.starters.clone(),
            params: self.params,
            states: Mutex::new(self.states.lock().map(|s| s.clone()).unwrap_or_default()),
            models: Mutex::new(self.models.lock().map(|s| s.clone()).unwrap_or_default()),
        }
    }
}

impl PricingEngine {
    pub fn from_games(games: &[GameRecord], _cfg: &AnalyticsConfig) -> Result<Self, PricingError> {
        let with_lines = games
            .iter()
            .filter(|g| g.spread_line.is_some() && g.is_played())
            .count();
        if with_lines < 500 {
            return Err(PricingError::TooLittleHistory(with_lines));
        }
        Ok(PricingEngine {
            by_id: games
                .iter()
                .enumerate()
                .map(|(i, g)| (g.game_id.clone(), i))
                .collect(),
            week_starts: known::week_starts(games),
            starters: known::LastStarters::of(games),
            games: games.to_vec(),
            params: RatingParams::TUNED,
            states: Mutex::new(BTreeMap::new()),
            models: Mutex::new(BTreeMap::new()),
        })
    }

    /// Final scores (home, away) by nflverse `game_id`, of every played game in the file.
    pub fn finals(&self) -> HashMap<String, (i32, i32)> {
        self.games
            .iter()
            .filter_map(|g| Some((g.game_id.clone(), (g.home_score?, g.away_score?))))
            .collect()
    }

    pub fn params(&self) -> &RatingParams {
        &self.params
    }

    /// Ratings from every game known before `cutoff`.
    pub fn ratings_at(&self, cutoff: &Cutoff) -> Arc<RatingState> {
        if let Ok(cache) = self.states.lock() {
            if let Some(s) = cache.get(cutoff) {
                return s.clone();
            }
        }
        let state = Arc::new(RatingState::as_of(&self.games, self.params, cutoff));
        if let Ok(mut cache) = self.states.lock() {
            // A long-running engine sees a new cutoff a day; keep the cache small.
            if cache.len() > 64 {
                cache.clear();
            }
            cache.insert(cutoff.clone(), state.clone());
        }
        state
    }

    /// The score model for games of `season`: key numbers, totals spread and the margin-total
    /// link fitted on earlier seasons only, the margin's spread from the rating model.
    pub fn score_model(&self, season: i32) -> Arc<ScoreModel> {
        if let Ok(cache) = self.models.lock() {
            if let Some(m) = cache.get(&season) {
                return m.clone();
            }
        }
        let sigma = self.params.margin_sigma;
        let keys = KeyNumberTable::fit(&self.games, i32::MIN..=season - 1)
            .map(|k| k.with_sigma(sigma))
            .unwrap_or_else(|| KeyNumberTable::flat(sigma));
        let model = Arc::new(ScoreModel::fit(
            keys,
            self.games.iter().filter(|g| g.season < season),
        ));
        if let Ok(mut cache) = self.models.lock() {
            cache.insert(season, model.clone());
        }
        model
    }

    /// The model's view of an event, from what was known before its kickoff: the earlier of the
    /// feed's kickoff and the first day of the game's schedule week when the schedule knows it. The
    /// schedule row supplies rest, starters, site and weather; its scores and lines are never
    /// read.
    pub fn view(&self, event: &Event) -> ModelView {
        let row = event
            .game_id
            .as_ref()
            .and_then(|id| self.by_id.get(id))
            .map(|&i| &self.games[i]);
        let mut cutoff = Cutoff::at_ms(event.commence_ms);
        if let Some(g) = row {
            cutoff = cutoff.min(known::week_cutoff(&self.week_starts, g));
        }
        let season = event
            .season
            .or(row.map(|g| g.season))
            .unwrap_or_else(|| season_of(&cutoff));
        let ctx = match row {
            Some(g) => GameContext::of(g),
            None => GameContext::teams(season, &event.home_team, &event.away_team),
        };
        let state = self.ratings_at(&cutoff);
        let opinion = state.knows(&ctx.home) && state.knows(&ctx.away);
        ModelView {
            prediction: state.predict(&ctx),
            season,
            cutoff,
            opinion,
        }
    }

    /// The model's view of a schedule game (by nflverse `game_id`) when its advance opener was
    /// posted ([`known::open_cutoff`]): results of earlier days only, each team's last known
    /// starting quarterback, no kickoff weather. `None` for a game the file does not hold.
    pub fn open_view(&self, game_id: &str) -> Option<ModelView> {
        let g = &self.games[*self.by_id.get(game_id)?];
        let cutoff = known::open_cutoff(&self.week_starts, g);
        let ctx = known::context_at(g, &self.starters, &cutoff);
        Some(self.view_with(&ctx, g.season, cutoff))
    }

    /// The model's view of a schedule game at its week's cutoff, the schedule row's starters and
    /// weather: what [`view`](Self::view) gives the game's feed event.
    pub fn kickoff_view(&self, game_id: &str) -> Option<ModelView> {
        let g = &self.games[*self.by_id.get(game_id)?];
        let cutoff = known::week_cutoff(&self.week_starts, g);
        Some(self.view_with(&GameContext::of(g), g.season, cutoff))
    }

    fn view_with(&self, ctx: &GameContext, season: i32, cutoff: Cutoff) -> ModelView {
        let state = self.ratings_at(&cutoff);
        ModelView {
            prediction: state.predict(ctx),
            opinion: state.knows(&ctx.home) && state.knows(&ctx.away),
            season,
            cutoff,
        }
    }

    /// The schedule rows the engine prices from.
    pub fn games(&self) -> &[GameRecord] {
        &self.games
    }

    /// The schedule row of an nflverse `game_id`.
    pub fn game(&self, game_id: &str) -> Option<&GameRecord> {
        self.by_id.get(game_id).map(|&i| &self.games[i])
    }

    /// Each team's starters by day, as the opener's view reads them.
    pub fn starters(&self) -> &known::LastStarters {
        &self.starters
    }

    /// The first game day of every (season, week) of the schedule.
    pub fn week_starts(&self) -> &known::WeekStarts {
        &self.week_starts
    }

    /// The slate entry for an event.
    pub fn slate_game(&self, event: &Event) -> SlateGame {
        let v = self.view(event);
        SlateGame {
            event_id: event.event_id.clone(),
            inputs: GameInputs {
                mean_margin: v.prediction.margin,
                mean_total: v.prediction.total,
            },
            season: v.season,
            model_opinion: v.opinion,
        }
    }

    /// Prices every scope of every game exactly, then runs the Monte Carlo check with
    /// `iterations` draws per scope (0 skips it). Prices depend only on the games; the check
    /// depends on (games, iterations, seed), never on thread count.
    pub fn simulate_slate(
        &self,
        games: &[SlateGame],
        iterations: u32,
        seed: u64,
    ) -> SlateSimulation {
        self.simulate_scopes(games, &Scope::ALL, iterations, seed)
    }

    /// As [`simulate_slate`](Self::simulate_slate) for `scopes` only (a backtest of full-game
    /// markets needs no periods); queries of any other scope answer `None`.
    pub fn simulate_scopes(
        &self,
        games: &[SlateGame],
        scopes: &[Scope],
        iterations: u32,
        seed: u64,
    ) -> SlateSimulation {
        let tasks: Vec<(usize, Scope)> = (0..games.len())
            .flat_map(|i| scopes.iter().map(move |s| (i, *s)))
            .collect();
        let models: BTreeMap<i32, Arc<ScoreModel>> = games
            .iter()
            .map(|g| (g.season, self.score_model(g.season)))
            .collect();
        let sims: Vec<ScopeSim> = tasks
            .par_iter()
            .map(|&(i, scope)| {
                let g = &games[i];
                let joint = models[&g.season].joint(&g.inputs, scope);
                let exact = ScopeDist::from_joint(&joint);
                let sampled = (iterations > 0).then(|| {
                    let key = montecarlo::key_of(&g.event_id) ^ montecarlo::mix64(scope as u64);
                    let counts = match montecarlo::GridSampler::new(&joint) {
                        Some(sampler) => sampler.sample_counts(iterations, seed, key),
                        None => vec![0; joint.cells().len()],
                    };
                    let cells: Vec<f64> = counts.iter().map(|c| *c as f64).collect();
                    ScopeDist::from_cells(joint.side(), &cells, Some(iterations as u64))
                });
                ScopeSim {
                    check: sampled
                        .as_ref()
                        .map(|s| check_scope(&exact, s, scope, iterations)),
                    sampled,
                    exact,
                    joint,
                }
            })
            .collect();
        let mut events = BTreeMap::new();
        let mut sims = sims.into_iter();
        for g in games {
            let per_game: Vec<ScopeSim> = sims.by_ref().take(scopes.len()).collect();
            events.insert(
                g.event_id.clone(),
                EventSim {
                    game: g.clone(),
                    scopes: per_game,
                },
            );
        }
        SlateSimulation {
            iterations,
            seed,
            scopes: scopes.to_vec(),
            events,
        }
    }
}

/// The season an instant falls in: September to February belong to the year play began.
fn season_of(cutoff: &Cutoff) -> i32 {
    let year: i32 = cutoff
        .as_str()
        .get(..4)
        .and_then(|y| y.parse().ok())
        .unwrap_or(0);
    let month: u32 = cutoff
        .as_str()
        .get(5..7)
        .and_then(|m| m.parse().ok())
        .unwrap_or(9);
    if month < 8 {
        year - 1
    } else {
        year
    }
}

/// Markets whose expected count of wins (or of losses) in the sample is below this are not
/// scored: with a handful of expected draws the count is Poisson, not normal, and a |z| there
/// says nothing about the grid.
const CHECK_MIN_EXPECTED: f64 = 10.0;

/// The Monte Carlo check of one scope: every market of its price sheet, sampled against exact.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CheckResult {
    /// Markets compared.
    pub markets: usize,
    /// Largest |sampled - exact| / standard error.
    pub max_abs_z: f64,
    /// The market where it happened.
    pub worst: String,
    /// Largest standard error of a sampled win probability.
    pub max_std_error: f64,
}

fn check_scope(exact: &ScopeDist, sampled: &ScopeDist, scope: Scope, n: u32) -> CheckResult {
    let width = 10.0 * period::points_share(scope).sqrt();
    let mut out = CheckResult {
        markets: 0,
        max_abs_z: 0.0,
        worst: String::new(),
        max_std_error: 0.0,
    };
    for p in prices::price_sheet(exact, scope, width) {
        let Some(s) = sampled.outcome(p.market, p.selection, p.line) else {
            continue;
        };
        let e = p.prob.win;
        let draws = f64::from(n.max(1));
        if draws * e.min(1.0 - e) < CHECK_MIN_EXPECTED {
            continue;
        }
        out.markets += 1;
        let se = (e * (1.0 - e) / draws).sqrt();
        out.max_std_error = out.max_std_error.max(s.std_error);
        let z = (s.win - e).abs() / se;
        if z > out.max_abs_z {
            out.max_abs_z = z;
            out.worst = format!(
                "{} {} {}{}",
                scope,
                p.market,
                p.selection,
                p.line.map(|l| format!(" {l}")).unwrap_or_default()
            );
        }
    }
    out
}

#[derive(Debug, Clone)]
struct ScopeSim {
    joint: JointPmf,
    exact: ScopeDist,
    sampled: Option<ScopeDist>,
    check: Option<CheckResult>,
}

#[derive(Debug, Clone)]
struct EventSim {
    game: SlateGame,
    /// In `SlateSimulation::scopes` order.
    scopes: Vec<ScopeSim>,
}

/// The whole-slate result of the Monte Carlo check.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SlateCheck {
    pub iterations: u32,
    pub markets: usize,
    pub max_abs_z: f64,
    /// `event scope market selection line` of the largest |z|.
    pub worst: String,
    pub max_std_error: f64,
}

/// Exact score distributions of a slate (and the Monte Carlo check), queried by market.
#[derive(Debug, Clone)]
pub struct SlateSimulation {
    iterations: u32,
    seed: u64,
    /// The scopes each event was priced in, in `EventSim::scopes` order.
    scopes: Vec<Scope>,
    events: BTreeMap<String, EventSim>,
}

impl SlateSimulation {
    /// A slate with no events: every model query answers `None` (market-only scanning).
    pub fn empty() -> Self {
        SlateSimulation {
            iterations: 0,
            seed: 0,
            scopes: Vec::new(),
            events: BTreeMap::new(),
        }
    }

    pub fn iterations(&self) -> u32 {
        self.iterations
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    pub fn event_ids(&self) -> impl Iterator<Item = &str> {
        self.events.keys().map(String::as_str)
    }

    pub fn inputs(&self, event_id: &str) -> Option<GameInputs> {
        self.events.get(event_id).map(|e| e.game.inputs)
    }

    pub fn game(&self, event_id: &str) -> Option<&SlateGame> {
        self.events.get(event_id).map(|e| &e.game)
    }

    /// Whether the model holds an opinion on the event (both teams rated).
    pub fn has_opinion(&self, event_id: &str) -> bool {
        self.events
            .get(event_id)
            .is_some_and(|e| e.game.model_opinion)
    }

    fn scope(&self, event_id: &str, scope: Scope) -> Option<&ScopeSim> {
        let i = self.scopes.iter().position(|s| *s == scope)?;
        self.events.get(event_id)?.scopes.get(i)
    }

    /// The exact probabilities of a selection (standard error zero).
    pub fn outcome(
        &self,
        event_id: &str,
        market: MarketKind,
        scope: Scope,
        selection: Selection,
        line: Option<f64>,
    ) -> Option<OutcomeProb> {
        self.scope(event_id, scope)?
            .exact
            .outcome(market, selection, line)
    }

    /// Exact home-minus-away margin probabilities (non-zero entries, ascending margin).
    pub fn margin_distribution(&self, event_id: &str, scope: Scope) -> Option<Vec<(i32, f64)>> {
        Some(self.scope(event_id, scope)?.exact.margin.entries())
    }

    pub fn exact(&self, event_id: &str, scope: Scope) -> Option<&ScopeDist> {
        Some(&self.scope(event_id, scope)?.exact)
    }

    /// The Monte Carlo sample the check drew (`None` when it did not run).
    pub fn sampled(&self, event_id: &str, scope: Scope) -> Option<&ScopeDist> {
        self.scope(event_id, scope)?.sampled.as_ref()
    }

    pub fn joint(&self, event_id: &str, scope: Scope) -> Option<&JointPmf> {
        Some(&self.scope(event_id, scope)?.joint)
    }

    /// The Monte Carlo check over every priced market of the slate; `None` when it did not run.
    pub fn check(&self) -> Option<SlateCheck> {
        let mut out: Option<SlateCheck> = None;
        for (id, e) in &self.events {
            for c in e.scopes.iter().filter_map(|s| s.check.as_ref()) {
                let o = out.get_or_insert_with(|| SlateCheck {
                    iterations: self.iterations,
                    markets: 0,
                    max_abs_z: 0.0,
                    worst: String::new(),
                    max_std_error: 0.0,
                });
                o.markets += c.markets;
                o.max_std_error = o.max_std_error.max(c.max_std_error);
                if c.max_abs_z > o.max_abs_z || o.worst.is_empty() {
                    o.max_abs_z = c.max_abs_z;
                    o.worst = format!("{id} {}", c.worst);
                }
            }
        }
        out
    }

    /// Fair prices of every standard market and ladder rung in every scope of one event.
    pub fn price_sheet(&self, event_id: &str) -> Vec<Price> {
        let mut out = Vec::new();
        for scope in Scope::ALL {
            if let Some(s) = self.scope(event_id, scope) {
                let width = 10.0 * period::points_share(scope).sqrt();
                out.extend(prices::price_sheet(&s.exact, scope, width));
            }
        }
        out
    }
}

#[cfg(test)]
mod engine_tests;
