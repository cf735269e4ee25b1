//! Pricing: Elo ratings and a key-number-aware score model fitted once from history, then Monte
//! Carlo over a slate of games. Everything downstream (edges, bankroll, the dashboard) reads a
//! [`SlateSimulation`].

pub mod alias;
pub mod games;
pub mod keynumbers;
pub mod model;
pub mod montecarlo;
pub mod period;
pub mod prices;
pub mod ratings;

pub use games::{load_games, GameRecord, GamesError};
pub use model::{GameInputs, JointPmf, ScoreModel};
pub use prices::{OutcomeProb, Price, ScopeDist};
pub use ratings::EloRatings;

use crate::config::schema::AnalyticsConfig;
use crate::domain::{Event, MarketKind, Scope, Selection};
use keynumbers::KeyNumberTable;
use rayon::prelude::*;
use std::collections::{BTreeMap, HashSet};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum PricingError {
    #[error(transparent)]
    Games(#[from] GamesError),
    #[error("not enough played games with closing lines to fit the score model ({0}; need 500)")]
    TooLittleHistory(usize),
}

/// Seasons of history behind the league-average total used when no market total is known.
const LEAGUE_TOTAL_SEASONS: i32 = 10;

/// Ratings plus score model, built once from history.
#[derive(Debug, Clone)]
pub struct PricingEngine {
    ratings: EloRatings,
    model: ScoreModel,
    league_total: f64,
    neutral_games: HashSet<String>,
}

impl PricingEngine {
    pub fn from_games(games: &[GameRecord], cfg: &AnalyticsConfig) -> Result<Self, PricingError> {
        let ratings = EloRatings::fit(games, &cfg.ratings, None);
        let keys = KeyNumberTable::fit(games, i32::MIN..=i32::MAX).ok_or_else(|| {
            PricingError::TooLittleHistory(
                games
                    .iter()
                    .filter(|g| g.spread_line.is_some() && g.is_played())
                    .count(),
            )
        })?;
        let residuals: Vec<f64> = games
            .iter()
            .filter_map(|g| Some(g.total()? as f64 - g.total_line?))
            .collect();
        let total_sigma = std_dev(&residuals).filter(|s| *s > 1.0).unwrap_or(13.5);
        let last = games
            .iter()
            .filter(|g| g.is_played())
            .map(|g| g.season)
            .max()
            .unwrap_or(0);
        let recent: Vec<f64> = games
            .iter()
            .filter(|g| g.season > last - LEAGUE_TOTAL_SEASONS)
            .filter_map(|g| g.total().map(f64::from))
            .collect();
        let league_total = mean(&recent).unwrap_or(45.0);
        let neutral_games = games
            .iter()
            .filter(|g| g.neutral)
            .map(|g| g.game_id.clone())
            .collect();
        Ok(PricingEngine {
            ratings,
            model: ScoreModel::new(keys, total_sigma),
            league_total,
            neutral_games,
        })
    }

    pub fn ratings(&self) -> &EloRatings {
        &self.ratings
    }

    pub fn model(&self) -> &ScoreModel {
        &self.model
    }

    /// Average combined points over the last ten seasons of history.
    pub fn league_total(&self) -> f64 {
        self.league_total
    }

    /// The model's view of a game. The margin comes from the ratings; `market_spread` (the home
    /// selection's line, negative when home is favoured) is used only when the ratings do not
    /// know a team, so the model stays an independent opinion to blend with the market. The
    /// total comes from the market when given (ratings carry no total information).
    pub fn inputs(
        &self,
        event: &Event,
        market_total: Option<f64>,
        market_spread: Option<f64>,
    ) -> GameInputs {
        let neutral = event
            .game_id
            .as_ref()
            .is_some_and(|id| self.neutral_games.contains(id));
        let mean_margin =
            if self.ratings.knows(&event.home_team) && self.ratings.knows(&event.away_team) {
                match event.season {
                    Some(season) => {
                        let mut r = self.ratings.clone();
                        r.advance_to(season);
                        r.spread(&event.home_team, &event.away_team, neutral)
                    }
                    None => self
                        .ratings
                        .spread(&event.home_team, &event.away_team, neutral),
                }
            } else if let Some(line) = market_spread.filter(|l| l.is_finite()) {
                -line
            } else if neutral {
                0.0
            } else {
                self.ratings.home_field_points()
            };
        let mean_total = market_total
            .filter(|t| t.is_finite() && *t > 0.0)
            .unwrap_or(self.league_total);
        GameInputs {
            mean_margin,
            mean_total,
        }
    }

    /// Simulates every scope of every game with `iterations` draws each, on the current rayon
    /// pool. Output depends only on (inputs, iterations, seed, event ids), never on thread count.
    pub fn simulate_slate(
        &self,
        games: &[(String, GameInputs)],
        iterations: u32,
        seed: u64,
    ) -> SlateSimulation {
        let iterations = iterations.max(1);
        let tasks: Vec<(usize, Scope)> = (0..games.len())
            .flat_map(|i| Scope::ALL.into_iter().map(move |s| (i, s)))
            .collect();
        let sims: Vec<ScopeSim> = tasks
            .par_iter()
            .map(|&(i, scope)| {
                let (id, inputs) = &games[i];
                let joint = self.model.joint(inputs, scope);
                let key = montecarlo::key_of(id) ^ montecarlo::mix64(scope as u64);
                let counts = match montecarlo::GridSampler::new(&joint) {
                    Some(sampler) => sampler.sample_counts(iterations, seed, key),
                    None => vec![0; joint.cells().len()],
                };
                let cells: Vec<f64> = counts.iter().map(|c| *c as f64).collect();
                ScopeSim {
                    exact: ScopeDist::from_joint(&joint),
                    simulated: ScopeDist::from_cells(joint.side(), &cells, Some(iterations as u64)),
                    joint,
                }
            })
            .collect();
        let mut events = BTreeMap::new();
        let mut sims = sims.into_iter();
        for (id, inputs) in games {
            let scopes: Vec<ScopeSim> = sims.by_ref().take(Scope::ALL.len()).collect();
            events.insert(
                id.clone(),
                EventSim {
                    inputs: *inputs,
                    scopes,
                },
            );
        }
        SlateSimulation {
            iterations,
            seed,
            events,
        }
    }
}

#[derive(Debug, Clone)]
struct ScopeSim {
    joint: JointPmf,
    exact: ScopeDist,
    simulated: ScopeDist,
}

#[derive(Debug, Clone)]
struct EventSim {
    inputs: GameInputs,
    /// In `Scope::ALL` order.
    scopes: Vec<ScopeSim>,
}

/// Simulated (and exact) score distributions of a slate, queried by market.
#[derive(Debug, Clone)]
pub struct SlateSimulation {
    iterations: u32,
    seed: u64,
    events: BTreeMap<String, EventSim>,
}

impl SlateSimulation {
    /// A slate with no events: every model query answers `None` (market-only scanning).
    pub fn empty() -> Self {
        SlateSimulation {
            iterations: 0,
            seed: 0,
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
        self.events.get(event_id).map(|e| e.inputs)
    }

    fn scope(&self, event_id: &str, scope: Scope) -> Option<&ScopeSim> {
        let i = Scope::ALL.iter().position(|s| *s == scope)?;
        self.events.get(event_id)?.scopes.get(i)
    }

    /// Simulated probabilities with the Monte Carlo standard error of the win probability.
    pub fn outcome(
        &self,
        event_id: &str,
        market: MarketKind,
        scope: Scope,
        selection: Selection,
        line: Option<f64>,
    ) -> Option<OutcomeProb> {
        self.scope(event_id, scope)?
            .simulated
            .outcome(market, selection, line)
    }

    /// The same query answered from the exact distribution the simulation samples.
    pub fn exact_outcome(
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

    /// Simulated home-minus-away margin frequencies (non-zero entries, ascending margin).
    pub fn margin_distribution(&self, event_id: &str, scope: Scope) -> Option<Vec<(i32, f64)>> {
        Some(self.scope(event_id, scope)?.simulated.margin.entries())
    }

    pub fn exact_margin_distribution(
        &self,
        event_id: &str,
        scope: Scope,
    ) -> Option<Vec<(i32, f64)>> {
        Some(self.scope(event_id, scope)?.exact.margin.entries())
    }

    pub fn simulated(&self, event_id: &str, scope: Scope) -> Option<&ScopeDist> {
        Some(&self.scope(event_id, scope)?.simulated)
    }

    pub fn joint(&self, event_id: &str, scope: Scope) -> Option<&JointPmf> {
        Some(&self.scope(event_id, scope)?.joint)
    }

    /// Fair prices of every standard market and ladder rung in every scope of one event.
    pub fn price_sheet(&self, event_id: &str) -> Vec<Price> {
        let mut out = Vec::new();
        for scope in Scope::ALL {
            if let Some(s) = self.scope(event_id, scope) {
                let width = 10.0 * period::points_share(scope).sqrt();
                out.extend(prices::price_sheet(&s.simulated, scope, width));
            }
        }
        out
    }
}

fn mean(v: &[f64]) -> Option<f64> {
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

fn std_dev(v: &[f64]) -> Option<f64> {
    let m = mean(v)?;
    Some((v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / v.len() as f64).sqrt())
}

#[cfg(test)]
mod engine_tests;
