//! The period backtest: every half and quarter market the product prices (moneyline, three-way,
//! spread and total ladders, team totals), priced for each game of a period-scores file and
//! graded on its period scores. Three forecasts per market: the model (walk-forward ratings
//! through the period model: only games of earlier weeks), the market (the closing spread and
//! total through the period model) and the blend of the two at `analytics.model_weight`. Pushes
//! are left out; a three-way tie is a loss for both team selections.

use crate::config::schema::AnalyticsConfig;
use crate::data::periods::PeriodScores;
use crate::domain::{MarketKind, PeriodGate, Scope};
use crate::edges::settle::{grade_on, GameScores, Grade};
use crate::pricing::backtest::{metrics, CalibrationBin};
use crate::pricing::period::{self, SCOPES};
use crate::pricing::prices::{price_sheet, ScopeDist};
use crate::pricing::{GameInputs, GameRecord, PricingEngine, RatingState};
use rayon::prelude::*;
use serde::Serialize;

pub const SCHEMA: &str = "nflreadpy-betting/period-backtest/1";
/// The seasons the period model's tables were measured on: games of these seasons in a file
/// are in-sample for the period model (not for the ratings).
pub const FITTED_ON: (i32, i32) = (2010, 2022);

/// One forecast's scores.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ForecastScore {
    /// Predictions (market rungs) scored.
    pub n: usize,
    pub brier: f64,
    /// Ten equal-width buckets of predicted probability: `n`, mean predicted, observed.
    pub calibration: Vec<CalibrationBin>,
    /// Largest |mean predicted - observed| over buckets with at least `min_bucket`
    /// predictions; null when none has that many.
    pub largest_calibration_error: Option<f64>,
    /// The same over every non-empty bucket, however small.
    pub largest_calibration_error_any: Option<f64>,
}

/// Model, market and blend on one slice of the markets.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Slice {
    /// `all`, a scope (`1h`, `2h`, `1q`..`4q`) or a market type.
    pub slice: String,
    pub model: ForecastScore,
    pub market: ForecastScore,
    pub blend: ForecastScore,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeriodBacktest {
    pub schema: &'static str,
    /// Games of the file scored (in the games file, with closing spread and total).
    pub games: usize,
    /// Games of the file left out, with the reason.
    pub skipped: Vec<String>,
    /// Games scored from the seasons the period model was fitted on (in-sample for it).
    pub in_sample_games: usize,
    pub fitted_on_seasons: (i32, i32),
    pub second_half_overtime: bool,
    pub min_bucket: usize,
    pub all: Slice,
    pub by_scope: Vec<Slice>,
    pub by_market: Vec<Slice>,
}

/// One scored prediction.
struct Row {
    scope: Scope,
    market: MarketKind,
    model: f64,
    market_p: f64,
    blend: f64,
    won: bool,
}

fn score(rows: &[&Row], pick: impl Fn(&Row) -> f64, min_bucket: usize) -> ForecastScore {
    let m = metrics(rows.iter().map(|r| (pick(r), r.won)));
    let worst = |min: usize| {
        m.calibration
            .iter()
            .filter(|b| b.n >= min.max(1))
            .map(|b| (b.mean_predicted - b.observed).abs())
            .fold(None, |acc: Option<f64>, e| {
                Some(acc.map_or(e, |a| a.max(e)))
            })
    };
    ForecastScore {
        n: m.n,
        brier: m.brier,
        largest_calibration_error: worst(min_bucket),
        largest_calibration_error_any: worst(1),
        calibration: m.calibration,
    }
}

fn slice(name: String, rows: &[&Row], min_bucket: usize) -> Slice {
    Slice {
        slice: name,
        model: score(rows, |r| r.model, min_bucket),
        market: score(rows, |r| r.market_p, min_bucket),
        blend: score(rows, |r| r.blend, min_bucket),
    }
}

fn market_type(m: MarketKind) -> &'static str {
    match m {
        MarketKind::Moneyline => "moneyline",
        MarketKind::Moneyline3Way => "moneyline_3way",
        MarketKind::Spread | MarketKind::SpreadAlt => "spread",
        MarketKind::Total | MarketKind::TotalAlt => "total",
        MarketKind::TeamTotal => "team_total",
    }
}

/// Scores every period market of every game in `periods` that the games file knows with a
/// closing spread and total.
pub fn run(
    games: &[GameRecord],
    periods: &PeriodScores,
    cfg: &AnalyticsConfig,
    min_bucket: usize,
) -> PeriodBacktest {
    let engine = PricingEngine::from_games(games, cfg).ok();
    let preds = RatingState::walk_forward(
        games,
        engine.as_ref().map(|e| *e.params()).unwrap_or_default(),
    );
    let mut skipped = Vec::new();
    let mut jobs = Vec::new();
    for (id, row) in &periods.rows {
        let Some(i) = games.iter().position(|g| &g.game_id == id) else {
            skipped.push(format!("{id}: not in the games file"));
            continue;
        };
        let g = &games[i];
        let (Some(spread), Some(total)) = (g.spread_line, g.total_line) else {
            skipped.push(format!("{id}: no closing spread and total"));
            continue;
        };
        let model = GameInputs {
            mean_margin: preds[i].margin,
            mean_total: preds[i].total,
        };
        let market = GameInputs {
            mean_margin: spread,
            mean_total: total,
        };
        jobs.push((g.season, row.periods, model, market));
    }
    let ot = cfg.periods.second_half_overtime;
    let weights = cfg.model_weight;
    let per_game: Vec<Vec<Row>> = jobs
        .par_iter()
        .map(|(_, line, model, market)| {
            let mut rows = Vec::new();
            let scores = GameScores {
                final_score: line.score(Scope::Game, true),
                periods: Some(line),
                second_half_overtime: ot,
            };
            for scope in SCOPES {
                let (Some(mj), Some(kj)) =
                    (period::joint(model, scope), period::joint(market, scope))
                else {
                    continue;
                };
                let (md, kd) = (ScopeDist::from_joint(&mj), ScopeDist::from_joint(&kj));
                let width = 10.0 * period::points_share(scope).sqrt();
                for p in price_sheet(&kd, scope, width) {
                    let won = match grade_on(
                        p.market.as_str(),
                        scope.as_str(),
                        p.selection.as_str(),
                        p.line,
                        &scores,
                    ) {
                        Grade::Won => true,
                        Grade::Lost => false,
                        _ => continue,
                    };
                    let Some(mo) = md.outcome(p.market, p.selection, p.line) else {
                        continue;
                    };
                    let prob = |o: &crate::pricing::OutcomeProb| {
                        if p.market == MarketKind::Moneyline3Way {
                            o.win
                        } else {
                            o.win_given_action()
                        }
                    };
                    let (model_p, market_p) = (prob(&mo), prob(&p.prob));
                    let w = weights.for_market(p.market);
                    rows.push(Row {
                        scope,
                        market: p.market,
                        model: model_p,
                        market_p,
                        blend: w * model_p + (1.0 - w) * market_p,
                        won,
                    });
                }
            }
            rows
        })
        .collect();
    let rows: Vec<&Row> = per_game.iter().flatten().collect();
    let by_scope = SCOPES
        .iter()
        .map(|s| {
            let r: Vec<&Row> = rows.iter().copied().filter(|r| r.scope == *s).collect();
            slice(s.as_str().to_string(), &r, min_bucket)
        })
        .collect();
    let by_market = [
        "moneyline",
        "moneyline_3way",
        "spread",
        "total",
        "team_total",
    ]
    .iter()
    .map(|m| {
        let r: Vec<&Row> = rows
            .iter()
            .copied()
            .filter(|r| market_type(r.market) == *m)
            .collect();
        slice(m.to_string(), &r, min_bucket)
    })
    .collect();
    PeriodBacktest {
        schema: SCHEMA,
        games: jobs.len(),
        skipped,
        in_sample_games: jobs
            .iter()
            .filter(|j| (FITTED_ON.0..=FITTED_ON.1).contains(&j.0))
            .count(),
        fitted_on_seasons: FITTED_ON,
        second_half_overtime: ot,
        min_bucket,
        all: slice("all".into(), &rows, min_bucket),
        by_scope,
        by_market,
    }
}

/// Decides the gate: open once the user's period scores hold `min_games` scored games and the
/// blend's largest calibration error (buckets of `min_bucket` predictions) is within
/// `tolerance`.
pub fn gate(
    games: &[GameRecord],
    periods: Option<&PeriodScores>,
    cfg: &AnalyticsConfig,
) -> PeriodGate {
    let g = &cfg.periods.gate;
    let closed = |reason: String, games: usize, err: Option<f64>| PeriodGate {
        state: "closed",
        reason,
        min_ev: cfg.value_threshold.max(g.min_ev),
        games,
        largest_calibration_error: err,
    };
    if !g.enabled {
        return PeriodGate {
            state: "off",
            reason: "analytics.periods.gate.enabled is false".into(),
            min_ev: cfg.value_threshold,
            games: 0,
            largest_calibration_error: None,
        };
    }
    let Some(p) = periods else {
        return closed(
            "no period-scores file (periods.csv beside the games file)".into(),
            0,
            None,
        );
    };
    if p.len() < g.min_games {
        return closed(
            format!(
                "the period-scores file has {} games; the gate needs {} (analytics.periods.gate.min_games)",
                p.len(),
                g.min_games
            ),
            p.len(),
            None,
        );
    }
    let bt = run(games, p, cfg, g.min_bucket);
    match bt.all.blend.largest_calibration_error {
        None => closed(
            format!("no calibration bucket has {} predictions", g.min_bucket),
            bt.games,
            None,
        ),
        Some(e) if bt.games < g.min_games => closed(
            format!(
                "{} of the file's games could be scored; the gate needs {}",
                bt.games, g.min_games
            ),
            bt.games,
            Some(e),
        ),
        Some(e) if e > g.tolerance => closed(
            format!(
                "largest calibration error {:.1} points > tolerance {:.1}",
                100.0 * e,
                100.0 * g.tolerance
            ),
            bt.games,
            Some(e),
        ),
        Some(e) => PeriodGate {
            state: "open",
            reason: format!(
                "largest calibration error {:.1} points <= tolerance {:.1} over {} games",
                100.0 * e,
                100.0 * g.tolerance,
                bt.games
            ),
            min_ev: cfg.value_threshold,
            games: bt.games,
            largest_calibration_error: Some(e),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn inputs() -> (Vec<GameRecord>, PeriodScores) {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let games = crate::pricing::load_games(root.join("data/games.csv")).expect("games");
        let periods = crate::data::periods::load(&root.join("data/periods.csv")).expect("periods");
        (games, periods)
    }

    #[test]
    fn scores_every_period_market_of_the_shipped_week() {
        let (games, periods) = inputs();
        let cfg = AnalyticsConfig::default();
        let bt = run(&games, &periods, &cfg, 200);
        assert_eq!(bt.games, 14);
        assert_eq!(bt.in_sample_games, 0);
        assert_eq!(bt.by_scope.len(), 6);
        for s in &bt.by_scope {
            assert!(s.model.n > 100, "{}: {}", s.slice, s.model.n);
            assert!(
                s.blend.brier > 0.0 && s.blend.brier < 0.35,
                "{}",
                s.blend.brier
            );
        }
        let kinds: Vec<&str> = bt
            .by_market
            .iter()
            .filter(|m| m.model.n > 0)
            .map(|m| m.slice.as_str())
            .collect();
        assert_eq!(
            kinds,
            [
                "moneyline",
                "moneyline_3way",
                "spread",
                "total",
                "team_total"
            ]
        );
        let n: usize = bt.all.model.calibration.iter().map(|b| b.n).sum();
        assert_eq!(n, bt.all.model.n);
    }

    #[test]
    fn the_gate_stays_closed_on_fourteen_games() {
        let (games, periods) = inputs();
        let cfg = AnalyticsConfig::default();
        let g = gate(&games, Some(&periods), &cfg);
        assert_eq!(g.state, "closed");
        assert!(g.reason.contains("14 games"), "{}", g.reason);
        assert_eq!(g.min_ev, 0.05);
        let mut off = cfg.clone();
        off.periods.gate.enabled = false;
        assert!(gate(&games, None, &off).is_open());
        let mut loose = cfg;
        loose.periods.gate.min_games = 10;
        loose.periods.gate.min_bucket = 1;
        loose.periods.gate.tolerance = 0.49;
        let g = gate(&games, Some(&periods), &loose);
        assert_eq!(g.state, "open", "{}", g.reason);
    }
}
