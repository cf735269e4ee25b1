//! Finding +EV prices: best price per selection across books, fair probability from the market
//! consensus blended with the model, EV and Kelly with pushes, and the worst-case gate.

use super::consensus::{consensus, MarketKey};
use super::kelly::{expected_value, kelly};
use super::movement::line_movement;
use crate::config::schema::AnalyticsConfig;
use crate::domain::{Event, MarketKind, Quote, Scope, Selection};
use crate::pricing::SlateSimulation;
use serde::Serialize;
use std::collections::BTreeMap;

/// One bet worth making, with everything needed to explain it. Field names are a public
/// contract (JSON exports, alerts): do not rename.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Opportunity {
    pub event_id: String,
    /// AWAY@HOME.
    pub event: String,
    pub market: MarketKind,
    pub scope: Scope,
    pub selection: Selection,
    pub line: Option<f64>,
    pub book: String,
    pub american: i64,
    pub decimal: f64,
    /// Blended probability that the bet wins (pushes excluded).
    pub fair_prob: f64,
    /// The model's win probability, when the slate simulated this event.
    pub model_prob: Option<f64>,
    /// The de-vigged consensus win probability (scaled by the model's push probability).
    pub consensus_prob: f64,
    pub push_prob: f64,
    pub ev: f64,
    pub worst_case_ev: f64,
    pub kelly_full: f64,
    pub stake_fraction: f64,
    pub stake: f64,
    pub books_used: Vec<String>,
    pub width: f64,
    pub devig_method: String,
    pub movement_points: Option<f64>,
    pub movement_prob: Option<f64>,
    /// Monte Carlo standard error of `model_prob`.
    pub std_error: Option<f64>,
}

impl Opportunity {
    /// The team the bet backs, for team exposure limits (totals back no team).
    pub fn team<'a>(&self, events: &'a BTreeMap<&str, &Event>) -> Option<&'a str> {
        let e = events.get(self.event_id.as_str())?;
        match self.selection {
            Selection::Home | Selection::HomeOver => Some(e.home_team.as_str()),
            Selection::Away | Selection::AwayOver => Some(e.away_team.as_str()),
            _ => None,
        }
    }
}

type SlotKey = (String, String, MarketKind, Scope, Selection, String);

/// Every opportunity whose EV clears `value_threshold` (and, with `worst_case_gate`, whose EV under
/// the worst-case de-vig does too), best EV first. `quotes` may hold whole odds paths: the latest
/// quote per book and slot is the live price, older ones give the movement. Stakes here are
/// single-bet fractional Kelly capped at `max_bet_fraction`; [`super::Portfolio`] then applies
/// the simultaneous-bet and exposure rules.
pub fn find_opportunities(
    quotes: &[Quote],
    events: &[Event],
    sim: &SlateSimulation,
    cfg: &AnalyticsConfig,
    bankroll: f64,
) -> Vec<Opportunity> {
    let mut paths: BTreeMap<SlotKey, Vec<&Quote>> = BTreeMap::new();
    for q in quotes {
        let key = (
            q.event_id.clone(),
            q.book.clone(),
            q.market,
            q.scope,
            q.selection,
            q.ladder_key(),
        );
        paths.entry(key).or_default().push(q);
    }
    for p in paths.values_mut() {
        p.sort_by_key(|q| q.observed_ms);
    }
    let mut markets: BTreeMap<MarketKey, Vec<&Quote>> = BTreeMap::new();
    for p in paths.values() {
        if let Some(latest) = p.last() {
            if let Some(k) = MarketKey::of(latest) {
                markets.entry(k).or_default().push(latest);
            }
        }
    }
    let labels: BTreeMap<&str, String> = events
        .iter()
        .map(|e| (e.event_id.as_str(), e.label()))
        .collect();
    let mut out = Vec::new();
    for (key, latest) in &markets {
        let Some(cons) = consensus(key, latest, cfg) else {
            continue;
        };
        for &selection in key.selections() {
            let Some(best) = latest
                .iter()
                .filter(|q| {
                    q.selection == selection && q.decimal().is_finite() && q.decimal() > 1.0
                })
                .max_by(|a, b| {
                    a.decimal()
                        .total_cmp(&b.decimal())
                        .then_with(|| b.book.cmp(&a.book))
                })
            else {
                continue;
            };
            let (Some(&cons_p), Some(&worst_p)) =
                (cons.prob.get(&selection), cons.worst.get(&selection))
            else {
                continue;
            };
            let model = sim.outcome(&key.event_id, key.market, key.scope, selection, best.line);
            let push = model.map_or(0.0, |m| m.push);
            // The model's win share counts only where it holds an opinion (both teams rated);
            // otherwise its distribution still supplies the push share.
            let mw = if sim.has_opinion(&key.event_id) {
                cfg.model_weight.for_market(key.market)
            } else {
                0.0
            };
            // De-vigged prices say who wins given action; the model supplies the push share.
            let (fair_cond, worst_cond) = match model {
                Some(m) => (
                    mw * m.win_given_action() + (1.0 - mw) * cons_p,
                    mw * m.win_given_action() + (1.0 - mw) * worst_p,
                ),
                None => (cons_p, worst_p),
            };
            let action = 1.0 - push;
            let d = best.decimal();
            let fair = fair_cond * action;
            let ev = expected_value(fair, push, d);
            let worst_case_ev = expected_value(worst_cond * action, push, d);
            // Halves and quarters need the period gate's EV until the period backtest on the
            // user's own scores has shown the model calibrated.
            let threshold = if key.scope == Scope::Game {
                cfg.value_threshold
            } else {
                cfg.periods.min_ev(cfg.value_threshold)
            };
            if ev < threshold || (cfg.worst_case_gate && worst_case_ev < threshold) {
                continue;
            }
            let kelly_full = kelly(fair, push, d);
            let stake_fraction = (cfg.kelly_fraction * kelly_full)
                .min(cfg.max_bet_fraction)
                .max(0.0);
            let path_key = (
                key.event_id.clone(),
                best.book.clone(),
                key.market,
                key.scope,
                selection,
                best.ladder_key(),
            );
            let movement = paths.get(&path_key).and_then(|p| {
                let owned: Vec<Quote> = p.iter().map(|q| (*q).clone()).collect();
                line_movement(&owned)
            });
            out.push(Opportunity {
                event_id: key.event_id.clone(),
                event: labels
                    .get(key.event_id.as_str())
                    .cloned()
                    .unwrap_or_else(|| key.event_id.clone()),
                market: key.market,
                scope: key.scope,
                selection,
                line: best.line,
                book: best.book.clone(),
                american: best.american,
                decimal: d,
                fair_prob: fair,
                model_prob: model
                    .filter(|_| sim.has_opinion(&key.event_id))
                    .map(|m| m.win),
                consensus_prob: cons_p * action,
                push_prob: push,
                ev,
                worst_case_ev,
                kelly_full,
                stake_fraction,
                stake: stake_fraction * bankroll,
                books_used: cons.books.clone(),
                width: cons.width.get(&selection).copied().unwrap_or(0.0),
                devig_method: cfg.devig_method.name().to_string(),
                movement_points: movement.and_then(|m| m.points),
                movement_prob: movement.filter(|m| m.observations > 1).map(|m| m.prob),
                std_error: model.map(|m| m.std_error),
            });
        }
    }
    out.sort_by(|a, b| {
        b.ev.total_cmp(&a.ev)
            .then_with(|| a.event_id.cmp(&b.event_id))
    });
    out
}
