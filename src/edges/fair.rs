//! The per-game view a script asks for first: what the model alone says (before the blend) and
//! the fair home win probability after the model meets the de-vigged consensus.

use super::consensus::{consensus, MarketKey};
use crate::config::schema::AnalyticsConfig;
use crate::domain::{MarketKind, Quote, Scope, Selection};
use crate::pricing::SlateSimulation;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GameView {
    pub event_id: String,
    /// Model only: P(home wins | no tie), expected home margin and total points.
    pub model_home_win: f64,
    pub model_margin: f64,
    pub model_total: f64,
    /// False when a team was unrated: the model numbers are a league-average shape.
    pub model_opinion: bool,
    /// De-vigged full-game moneyline consensus, when books quote it.
    pub consensus_home_win: Option<f64>,
    /// The blend of the two at the moneyline weight (consensus alone without an opinion; the
    /// model alone when no book quotes the moneyline).
    pub fair_home_win: f64,
}

/// One view per game of the slate, in event id order. `latest` holds each book's live quotes.
pub fn game_views(
    latest: &[&Quote],
    sim: &SlateSimulation,
    cfg: &AnalyticsConfig,
) -> Vec<GameView> {
    let mut out = Vec::new();
    for id in sim.event_ids() {
        let Some(game) = sim.game(id) else { continue };
        let Some(model) = sim.outcome(
            id,
            MarketKind::Moneyline,
            Scope::Game,
            Selection::Home,
            None,
        ) else {
            continue;
        };
        let quotes: Vec<&Quote> = latest
            .iter()
            .copied()
            .filter(|q| {
                q.event_id == id && q.market == MarketKind::Moneyline && q.scope == Scope::Game
            })
            .collect();
        let cons = quotes
            .first()
            .and_then(|q| MarketKey::of(q))
            .and_then(|key| consensus(&key, &quotes, cfg))
            .and_then(|c| c.prob.get(&Selection::Home).copied());
        let m = model.win_given_action();
        let w = if game.model_opinion {
            cfg.model_weight.for_market(MarketKind::Moneyline)
        } else {
            0.0
        };
        let fair = match cons {
            Some(c) => w * m + (1.0 - w) * c,
            None => m,
        };
        out.push(GameView {
            event_id: id.to_string(),
            model_home_win: m,
            model_margin: game.inputs.mean_margin,
            model_total: game.inputs.mean_total,
            model_opinion: game.model_opinion,
            consensus_home_win: cons,
            fair_home_win: fair,
        });
    }
    out
}
