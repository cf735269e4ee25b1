//! Bets the evaluation makes on history: the product's own edge rule at the opener's price
//! (`edges::find_opportunities`, the code and thresholds live pricing uses), and line shopping
//! at the close (each book against the de-vigged consensus of the other books). Each bet is
//! graded on the final score at flat unit stakes and, where it was made before the close, given
//! its closing-line value against the closing consensus of every book (`edges::clv`).

use super::game::{home_margin, total_line, GameEval};
use crate::config::schema::AnalyticsConfig;
use crate::domain::{MarketKind, Quote, Scope, Selection};
use crate::edges::clv::{centred_inputs, clv, BetLine, LineModel};
use crate::edges::consensus::{consensus, MarketKey};
use crate::edges::find_opportunities;
use crate::edges::settle::grade;
use crate::pricing::opener::MoveModel;
use crate::pricing::{GameInputs, SlateSimulation};
use crate::pricing::{PricingEngine, SlateGame};
use std::collections::BTreeMap;

/// One bet as the figures count it.
#[derive(Debug, Clone, PartialEq)]
pub struct BetRecord {
    pub season: i32,
    pub game_id: String,
    pub market: MarketKind,
    pub selection: String,
    pub line: Option<f64>,
    pub book: String,
    pub american: i64,
    /// EV per unit the rule saw when it bet.
    pub ev: f64,
    /// Closing-line value in probability points (0.02 = 2 points): the bet's win probability
    /// given action under the closing consensus, minus the price's break-even. `None` for bets
    /// made at the close, or when the close could not value the bet.
    pub clv: Option<f64>,
    /// Profit per unit staked from the final score (push 0).
    pub profit: f64,
}

/// The three full-game markets both the opener and the closes quote.
pub const MARKETS: [MarketKind; 3] = [MarketKind::Moneyline, MarketKind::Spread, MarketKind::Total];

/// The product's rule at the opener: `find_opportunities` over the opener alone (the only market
/// there is when it is posted) with the model as known at the opener's cutoff; `cfg` carries the
/// thresholds and the blend weights. `clv_cfg` is the closing consensus's (every book, equal
/// weights).
pub fn opener_bets(
    g: &GameEval,
    sim: &SlateSimulation,
    cfg: &AnalyticsConfig,
    clv_cfg: &AnalyticsConfig,
) -> Vec<BetRecord> {
    let opps = find_opportunities(&g.opener, std::slice::from_ref(&g.event), sim, cfg, 1.0);
    let base = GameInputs {
        mean_margin: g.model_open.prediction.margin,
        mean_total: g.model_open.prediction.total,
    };
    opps.into_iter()
        .filter(|o| o.scope == Scope::Game && MARKETS.contains(&o.market))
        .map(|o| {
            let bet = BetLine {
                market: o.market,
                scope: o.scope,
                selection: o.selection,
                line: o.line,
                book: o.book.clone(),
                decimal: o.decimal,
            };
            let model = LineModel {
                model: &g.score_model,
                base,
            };
            let value = clv(&bet, &g.closes, Some(model), clv_cfg);
            BetRecord {
                season: g.season,
                game_id: g.id().to_string(),
                market: o.market,
                selection: o.selection.to_string(),
                line: o.line,
                book: o.book.clone(),
                american: o.american,
                ev: o.ev,
                clv: value.consensus.ok().map(|c| c.points),
                profit: profit(g, o.market, &o.selection.to_string(), o.line, o.decimal),
            }
        })
        .collect()
}

/// EV against the predicted close a move-model bet must reach: zero, so a bet is made exactly
/// when the predicted close values it above its price. Fixed, never tuned on results.
pub const MOVE_MODEL_MIN_EV: f64 = 0.0;

/// The product's opener rule with the move model: the game priced where the move model expects
/// the market to close (`pricing::opener`, fitted on earlier seasons): the exact distribution is
/// centred so the predicted closing spread and total are fair 50/50 lines, with the model's full
/// weight, and `find_opportunities` bets the opener's spread and total where that price beats
/// the opener's. Moneylines are left out: the opener's moneyline disagrees with its own spread
/// by about 4 points of probability on average, and the close does not move toward either (the
/// evaluation's moneyline movement figures), so a margin forecast says nothing about where it
/// closes. `None` when the opener has no spread or total.
pub fn move_model_bets(
    g: &GameEval,
    model: &MoveModel,
    engine: &PricingEngine,
    cfg: &AnalyticsConfig,
    clv_cfg: &AnalyticsConfig,
) -> Option<Vec<BetRecord>> {
    let (om, ot) = (home_margin(&g.opener)?, total_line(&g.opener)?);
    let p = g.model_open.prediction;
    let (margin, total) = model.close(om, p.margin, ot, p.total);
    let base = GameInputs {
        mean_margin: p.margin,
        mean_total: p.total,
    };
    let lm = LineModel {
        model: &g.score_model,
        base,
    };
    let fair_line = |market: MarketKind, selection: Selection, line: f64| BetLine {
        market,
        scope: Scope::Game,
        selection,
        line: Some(line),
        book: String::new(),
        decimal: 2.0,
    };
    let m = centred_inputs(
        lm,
        &fair_line(MarketKind::Spread, Selection::Home, -margin),
        Some(-margin),
        0.5,
    )?;
    let t = centred_inputs(
        lm,
        &fair_line(MarketKind::Total, Selection::Over, total),
        Some(total),
        0.5,
    )?;
    let slate = SlateGame {
        event_id: g.id().to_string(),
        inputs: GameInputs {
            mean_margin: m.mean_margin,
            mean_total: t.mean_total,
        },
        season: g.season,
        model_opinion: true,
    };
    let sim = engine.simulate_scopes(&[slate], &[Scope::Game], 0, 0);
    let mut cfg = cfg.clone();
    cfg.model_weight = crate::config::schema::ModelWeights {
        moneyline: 1.0,
        spread: 1.0,
        total: 1.0,
    };
    cfg.value_threshold = MOVE_MODEL_MIN_EV;
    let mut bets = opener_bets(g, &sim, &cfg, clv_cfg);
    bets.retain(|b| b.market != MarketKind::Moneyline);
    Some(bets)
}

/// Profit per unit of a full-game bet on the final score.
pub fn profit(g: &GameEval, market: MarketKind, selection: &str, line: Option<f64>, d: f64) -> f64 {
    grade(
        market.as_str(),
        Scope::Game.as_str(),
        selection,
        line,
        g.home_score,
        g.away_score,
    )
    .pnl(d, 1.0)
    .unwrap_or(0.0)
}

/// Line shopping at the close: every book's closing price against the de-vigged consensus of
/// the other books at the same line; a bet wherever the EV given action reaches the threshold.
pub fn shopping_bets(g: &GameEval, cfg: &AnalyticsConfig) -> Vec<BetRecord> {
    let mut markets: BTreeMap<MarketKey, Vec<&Quote>> = BTreeMap::new();
    for q in &g.closes {
        if MARKETS.contains(&q.market) {
            if let Some(k) = MarketKey::of(q) {
                markets.entry(k).or_default().push(q);
            }
        }
    }
    let mut out = Vec::new();
    for (key, quotes) in &markets {
        for q in quotes {
            let others: Vec<&Quote> = quotes
                .iter()
                .copied()
                .filter(|o| o.book != q.book)
                .collect();
            let Some(c) = consensus(key, &others, cfg) else {
                continue;
            };
            let Some(p) = c.prob.get(&q.selection).copied() else {
                continue;
            };
            let d = q.decimal();
            let ev = p * d - 1.0;
            if ev.is_nan() || ev < cfg.value_threshold {
                continue;
            }
            out.push(BetRecord {
                season: g.season,
                game_id: g.id().to_string(),
                market: q.market,
                selection: q.selection.to_string(),
                line: q.line,
                book: q.book.clone(),
                american: q.american,
                ev,
                clv: None,
                profit: profit(g, q.market, &q.selection.to_string(), q.line, d),
            });
        }
    }
    out
}
