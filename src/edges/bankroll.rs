//! Bankroll paths: replay a slate of bets period after period, compounding stakes as fractions
//! of the current bankroll, and report growth, drawdown and risk of ruin. Bets on one game are
//! settled from one shared draw per game: a margin percentile for sides and moneylines and a
//! total percentile for totals, so a home spread and a home moneyline win together, home and
//! away lose together, and each bet still wins with exactly its own probability.

use crate::config::schema::BankrollConfig;
use crate::domain::Selection;
use crate::edges::Opportunity;
use crate::pricing::montecarlo::{key_of, mix64, stream};
use rand::Rng;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;

/// One bet as the simulator needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct PathBet {
    pub event_id: String,
    pub selection: Selection,
    pub win: f64,
    pub push: f64,
    pub decimal: f64,
    /// Stake as a fraction of the bankroll at the start of the period.
    pub fraction: f64,
}

impl From<&Opportunity> for PathBet {
    fn from(o: &Opportunity) -> Self {
        PathBet {
            event_id: o.event_id.clone(),
            selection: o.selection,
            win: o.fair_prob,
            push: o.push_prob,
            decimal: o.decimal,
            fraction: o.stake_fraction,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BankrollReport {
    pub trials: u32,
    pub periods: u32,
    pub initial: f64,
    pub mean_terminal: f64,
    pub median_terminal: f64,
    pub p05_terminal: f64,
    pub p95_terminal: f64,
    /// Peak-to-trough drawdown as a fraction of the peak, median and 95th percentile over paths.
    pub drawdown_p50: f64,
    pub drawdown_p95: f64,
    /// Share of paths that ever fell below `ruin_fraction` of the start.
    pub risk_of_ruin: f64,
    pub ruin_fraction: f64,
    /// Mean of ln(terminal / initial) / periods.
    pub mean_log_growth: f64,
}

/// Which shared percentile settles a bet, and from which end a win is counted.
fn side(sel: Selection) -> (usize, Side) {
    match sel {
        Selection::Home => (0, Side::High),
        Selection::Away => (0, Side::Low),
        Selection::Tie => (0, Side::Middle),
        Selection::Over | Selection::HomeOver | Selection::AwayOver => (1, Side::High),
        Selection::Under | Selection::HomeUnder | Selection::AwayUnder => (1, Side::Low),
    }
}

#[derive(Debug, Clone, Copy)]
enum Side {
    High,
    Low,
    Middle,
}

/// Settles a bet against percentile `u`: +1 win, 0 push, -1 loss.
fn settle(u: f64, win: f64, push: f64, s: Side) -> i8 {
    let (lo, hi) = match s {
        Side::High => (1.0 - win, 1.0),
        Side::Low => (0.0, win),
        Side::Middle => (0.5 - win / 2.0, 0.5 + win / 2.0),
    };
    if u >= lo && u < hi {
        return 1;
    }
    let (plo, phi) = match s {
        Side::High => (1.0 - win - push, 1.0 - win),
        Side::Low => (win, win + push),
        Side::Middle => (hi, hi + push),
    };
    if u >= plo && u < phi {
        0
    } else {
        -1
    }
}

/// Simulates `cfg.trials` paths of `cfg.periods` periods. Each path has its own random stream,
/// so the report is identical for any rayon pool size.
pub fn simulate(bets: &[PathBet], cfg: &BankrollConfig) -> BankrollReport {
    let games: Vec<&str> = {
        let mut g: Vec<&str> = bets.iter().map(|b| b.event_id.as_str()).collect();
        g.sort_unstable();
        g.dedup();
        g
    };
    let game_of: BTreeMap<&str, usize> = games.iter().enumerate().map(|(i, g)| (*g, i)).collect();
    let plan: Vec<(usize, usize, Side, &PathBet)> = bets
        .iter()
        .map(|b| {
            let (which, s) = side(b.selection);
            (
                game_of.get(b.event_id.as_str()).copied().unwrap_or(0),
                which,
                s,
                b,
            )
        })
        .collect();
    let floor = cfg.ruin_fraction * cfg.initial;
    let trials = cfg.trials.max(1);
    let paths: Vec<(f64, f64, bool)> = (0..trials)
        .into_par_iter()
        .map(|t| {
            let mut rng = stream(cfg.seed, key_of("bankroll") ^ mix64(t as u64), 0);
            let mut bank = cfg.initial;
            let (mut peak, mut max_dd, mut ruined) = (bank, 0.0f64, false);
            let mut draws = vec![[0.0f64; 2]; games.len()];
            for _ in 0..cfg.periods {
                for d in draws.iter_mut() {
                    *d = [rng.random::<f64>(), rng.random::<f64>()];
                }
                let start = bank;
                let mut pnl = 0.0;
                for (g, which, s, b) in &plan {
                    let stake = start * b.fraction;
                    pnl += match settle(draws[*g][*which], b.win, b.push, *s) {
                        1 => stake * (b.decimal - 1.0),
                        0 => 0.0,
                        _ => -stake,
                    };
                }
                bank = (start + pnl).max(0.0);
                peak = peak.max(bank);
                if peak > 0.0 {
                    max_dd = max_dd.max(1.0 - bank / peak);
                }
                ruined |= bank < floor;
                if bank <= 0.0 {
                    break;
                }
            }
            (bank, max_dd, ruined)
        })
        .collect();
    let mut terminal: Vec<f64> = paths.iter().map(|p| p.0).collect();
    let mut dd: Vec<f64> = paths.iter().map(|p| p.1).collect();
    terminal.sort_by(f64::total_cmp);
    dd.sort_by(f64::total_cmp);
    let n = paths.len() as f64;
    let periods = cfg.periods.max(1) as f64;
    BankrollReport {
        trials,
        periods: cfg.periods,
        initial: cfg.initial,
        mean_terminal: terminal.iter().sum::<f64>() / n,
        median_terminal: quantile(&terminal, 0.5),
        p05_terminal: quantile(&terminal, 0.05),
        p95_terminal: quantile(&terminal, 0.95),
        drawdown_p50: quantile(&dd, 0.5),
        drawdown_p95: quantile(&dd, 0.95),
        risk_of_ruin: paths.iter().filter(|p| p.2).count() as f64 / n,
        ruin_fraction: cfg.ruin_fraction,
        mean_log_growth: terminal
            .iter()
            .map(|t| (t.max(1e-300) / cfg.initial).ln() / periods)
            .sum::<f64>()
            / n,
    }
}

/// Linear-interpolated quantile of sorted data.
pub(crate) fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let pos = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let (i, frac) = (pos.floor() as usize, pos.fract());
    let next = sorted.get(i + 1).copied().unwrap_or(sorted[i]);
    sorted[i] + frac * (next - sorted[i])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edges::kelly::{kelly, log_growth};

    fn bet(event: &str, selection: Selection, win: f64, d: f64, fraction: f64) -> PathBet {
        PathBet {
            event_id: event.into(),
            selection,
            win,
            push: 0.0,
            decimal: d,
            fraction,
        }
    }

    fn cfg(trials: u32, periods: u32) -> BankrollConfig {
        BankrollConfig {
            trials,
            periods,
            initial: 1.0,
            ..BankrollConfig::default()
        }
    }

    #[test]
    fn growth_matches_kelly_theory() {
        // -110 at p = 0.5445, half Kelly: growth per bet (2c - c^2) g* = 0.75 * 0.000860.
        let d = 1.0 + 100.0 / 110.0;
        let f = 0.5 * kelly(0.5445, 0.0, d);
        let r = simulate(&[bet("g", Selection::Home, 0.5445, d, f)], &cfg(4000, 500));
        let theory = log_growth(0.5445, 0.0, d, f);
        println!(
            "half-Kelly log growth per bet: simulated {:.6}, theory {theory:.6}",
            r.mean_log_growth
        );
        assert!((r.mean_log_growth - theory).abs() < 0.25 * theory, "{r:?}");
        assert!(r.median_terminal > 1.0 && r.drawdown_p95 >= r.drawdown_p50);
    }

    #[test]
    fn full_kelly_ruin_near_the_diffusion_formula() {
        // Full Kelly: P(ever halving) -> 0.5 at an infinite horizon; 0.44 after 2,000 bets.
        let d = 1.0 + 100.0 / 110.0;
        let f = kelly(0.5445, 0.0, d);
        let r = simulate(&[bet("g", Selection::Home, 0.5445, d, f)], &cfg(2000, 2000));
        println!(
            "full-Kelly risk of halving over 2000 bets: {:.3}",
            r.risk_of_ruin
        );
        assert!((0.35..0.52).contains(&r.risk_of_ruin), "{}", r.risk_of_ruin);
    }

    #[test]
    fn same_game_bets_are_correlated() {
        // Home and away of one game never both win; two independent games sometimes do.
        let d = 2.0;
        let one_game = [
            bet("g", Selection::Home, 0.5, d, 0.5),
            bet("g", Selection::Away, 0.5, d, 0.5),
        ];
        let r = simulate(&one_game, &cfg(200, 10));
        assert!(
            (r.median_terminal - 1.0).abs() < 1e-12 && r.drawdown_p95 < 1e-12,
            "a perfect hedge: {r:?}"
        );
        let two_games = [
            bet("g", Selection::Home, 0.5, d, 0.5),
            bet("h", Selection::Away, 0.5, d, 0.5),
        ];
        assert!(simulate(&two_games, &cfg(200, 10)).drawdown_p95 > 0.4);
    }

    #[test]
    fn settlement_keeps_each_probability() {
        let mut counts = [0u32; 3];
        for i in 0..100_000 {
            let u = (i as f64 + 0.5) / 100_000.0;
            counts[(settle(u, 0.45, 0.1, Side::Low) + 1) as usize] += 1;
        }
        assert_eq!(counts, [45_000, 10_000, 45_000]);
    }

    #[test]
    fn thread_count_does_not_change_the_report() {
        let bets = [
            bet("g", Selection::Home, 0.55, 2.0, 0.05),
            bet("g", Selection::Over, 0.52, 1.95, 0.02),
        ];
        let run = |n: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .expect("pool");
            pool.install(|| simulate(&bets, &cfg(300, 52)))
        };
        let (a, b) = (run(1), run(2));
        assert_eq!(a, b);
        assert_eq!(a.mean_terminal.to_bits(), b.mean_terminal.to_bits());
    }
}
