//! Arbitrage and middles on the real closing boards, found by the same `edges` code the live
//! board runs, and what each would have returned.

use super::game::GameEval;
use crate::config::schema::AnalyticsConfig;
use crate::domain::{odds::american_to_decimal, MarketKind, Quote};
use crate::edges::arbitrage::find_arbitrage;
use crate::edges::middles::{find_middles, MiddleLeg};
use crate::pricing::SlateSimulation;

/// One game's closing board.
#[derive(Debug, Clone, PartialEq)]
pub struct BoardRecord {
    pub season: i32,
    /// Each arbitrage: (market, guaranteed return per unit of total stake).
    pub arbitrage: Vec<(MarketKind, f64)>,
    /// Each middle the board lists: (EV the model gave it, realised return per unit of total
    /// stake on the final score).
    pub middles: Vec<(f64, f64)>,
}

/// The closing board of `g`: every arbitrage, and the middles reaching
/// `analytics.markets.middle_min_ev` under the model at kickoff (`sim`), at most 20 per game.
pub fn board(g: &GameEval, sim: &SlateSimulation, cfg: &AnalyticsConfig) -> BoardRecord {
    let latest: Vec<&Quote> = g.closes.iter().collect();
    // Every close carries the same stamp: none is stale against another.
    let arbitrage = find_arbitrage(&latest, g.close_ms, f64::MAX)
        .into_iter()
        .map(|a| (a.market, a.ret))
        .collect();
    let middles = find_middles(&latest, sim, cfg.markets.middle_min_ev, 20)
        .into_iter()
        .map(|m| {
            let realised = leg_return(g, &m.low) + leg_return(g, &m.high);
            (m.ev, realised)
        })
        .collect();
    BoardRecord {
        season: g.season,
        arbitrage,
        middles,
    }
}

fn leg_return(g: &GameEval, leg: &MiddleLeg) -> f64 {
    let d = american_to_decimal(leg.american).unwrap_or(1.0);
    leg.stake_share * super::bets::profit(g, leg.market, leg.selection.as_str(), Some(leg.line), d)
}
