//! Turning single-bet stakes into a slate's stakes: bets on outcomes of one market are sized
//! together (combined Kelly), independent simultaneous bets shrink (Thorp), then per-bet, per-event
//! and per-team caps scale stakes down. Scaling is proportional so the ranking survives.

use super::consensus::MarketKey;
use super::kelly::{kelly_mutually_exclusive, thorp_shrink};
use super::opportunity::Opportunity;
use crate::config::schema::AnalyticsConfig;
use crate::domain::{Event, Quote};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Portfolio {
    /// The bets with their final `stake_fraction` and `stake`; zero-stake bets are dropped.
    pub bets: Vec<Opportunity>,
    pub total_fraction: f64,
    pub event_exposure: BTreeMap<String, f64>,
    pub team_exposure: BTreeMap<String, f64>,
}

impl Portfolio {
    pub fn allocate(
        opportunities: &[Opportunity],
        events: &[Event],
        cfg: &AnalyticsConfig,
        bankroll: f64,
    ) -> Portfolio {
        let mut bets: Vec<Opportunity> = opportunities.to_vec();
        let mut full: Vec<f64> = bets.iter().map(|b| b.kelly_full).collect();

        // Outcomes of one market at one line: at most one wins.
        let mut groups: BTreeMap<MarketKey, Vec<usize>> = BTreeMap::new();
        for (i, b) in bets.iter().enumerate() {
            if let Some(k) = MarketKey::of(&as_quote(b)) {
                groups.entry(k).or_default().push(i);
            }
        }
        for idx in groups.values().filter(|g| g.len() > 1) {
            let probs: Vec<f64> = idx.iter().map(|&i| bets[i].fair_prob).collect();
            let decimals: Vec<f64> = idx.iter().map(|&i| bets[i].decimal).collect();
            for (&i, f) in idx.iter().zip(kelly_mutually_exclusive(&probs, &decimals)) {
                full[i] = f;
            }
        }
        let simultaneous = groups.len() > 1;
        for (b, f) in bets.iter_mut().zip(&full) {
            let f = if simultaneous { thorp_shrink(*f) } else { *f };
            b.stake_fraction = (cfg.kelly_fraction * f).clamp(0.0, cfg.max_bet_fraction);
        }

        let by_id: BTreeMap<&str, &Event> =
            events.iter().map(|e| (e.event_id.as_str(), e)).collect();
        scale_groups(&mut bets, cfg.max_event_exposure, |b| {
            Some(b.event_id.clone())
        });
        scale_groups(&mut bets, cfg.max_team_exposure, |b| {
            b.team(&by_id).map(str::to_string)
        });

        bets.retain(|b| b.stake_fraction > 0.0);
        for b in &mut bets {
            b.stake = b.stake_fraction * bankroll;
        }
        let sum_by = |key: &dyn Fn(&Opportunity) -> Option<String>| {
            let mut m: BTreeMap<String, f64> = BTreeMap::new();
            for b in &bets {
                if let Some(k) = key(b) {
                    *m.entry(k).or_default() += b.stake_fraction;
                }
            }
            m
        };
        let event_exposure = sum_by(&|b| Some(b.event_id.clone()));
        let team_exposure = sum_by(&|b| b.team(&by_id).map(str::to_string));
        let total_fraction = bets.iter().map(|b| b.stake_fraction).sum();
        Portfolio {
            bets,
            total_fraction,
            event_exposure,
            team_exposure,
        }
    }
}

/// Scales every group whose stakes add up to more than `cap` down to exactly `cap`.
fn scale_groups(bets: &mut [Opportunity], cap: f64, key: impl Fn(&Opportunity) -> Option<String>) {
    let mut sums: BTreeMap<String, f64> = BTreeMap::new();
    for b in bets.iter() {
        if let Some(k) = key(b) {
            *sums.entry(k).or_default() += b.stake_fraction;
        }
    }
    for b in bets.iter_mut() {
        if let Some(total) = key(b).and_then(|k| sums.get(&k).copied()) {
            if total > cap && total > 0.0 {
                b.stake_fraction *= cap.max(0.0) / total;
            }
        }
    }
}

fn as_quote(b: &Opportunity) -> Quote {
    Quote {
        event_id: b.event_id.clone(),
        book: b.book.clone(),
        market: b.market,
        scope: b.scope,
        selection: b.selection,
        line: b.line,
        american: b.american,
        observed_ms: 0,
        source: String::new(),
    }
}
