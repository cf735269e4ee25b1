//! Walk-forward evaluation on history, every market the model prices.
//!
//! Each game's model view comes from [`RatingState::walk_forward`] (ratings from games on
//! earlier days only) and the score model of its season (key numbers, totals spread and the
//! margin-total link fitted on earlier seasons only). The market is the closing line: the
//! moneyline de-vigged by the power method, and 50/50 at the closing spread and total. The
//! blend weight for each evaluated season and market type is the one that minimised Brier on
//! the five seasons before it (never the season scored). Ties are left out of moneyline scores and
//! pushes out of spread and total scores; the predictions file keeps every game.

use crate::config::schema::{AnalyticsConfig, ModelWeights};
use crate::domain::{devig, odds::american_to_implied, DevigMethod};
use crate::pricing::{GameInputs, GameRecord, PricingEngine, RatingState};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CalibrationBin {
    pub lower: f64,
    pub upper: f64,
    pub n: usize,
    pub mean_predicted: f64,
    pub observed: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Metrics {
    pub n: usize,
    pub brier: f64,
    pub log_loss: f64,
    pub accuracy: f64,
    /// Slope b of the logistic regression logit(P(y)) = a + b logit(p): 1 is calibrated, above
    /// 1 under-confident, below 1 over-confident.
    pub recalibration_slope: f64,
    pub recalibration_intercept: f64,
    /// Ten equal-width bins of predicted probability.
    pub calibration: Vec<CalibrationBin>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scored {
    pub model: Metrics,
    pub market: Metrics,
    pub blend: Metrics,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeasonReport {
    pub season: i32,
    /// The blend weights used for this season, chosen on earlier seasons.
    pub weights: ModelWeights,
    pub moneyline: Scored,
    pub spread: Scored,
    pub total: Scored,
}

/// Point forecasts against the closing line's.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PointError {
    pub n: usize,
    pub model_mae: f64,
    pub market_mae: f64,
    pub model_rmse: f64,
    pub market_rmse: f64,
    /// Mean of model minus the closing line (positive: the model expects more home margin or
    /// more points than the market did).
    pub bias_vs_market: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BacktestReport {
    pub start_season: i32,
    pub end_season: i32,
    pub devig_method: String,
    /// Hyper-parameters were tuned on these seasons and are frozen (see `pricing::ratings`).
    pub tuned_on: (i32, i32),
    /// Moneyline: home win probability, ties left out.
    pub moneyline: Scored,
    /// Spread: home cover probability at the closing spread against the 50/50 market, pushes
    /// left out.
    pub spread: Scored,
    /// Total: over probability at the closing total against 50/50, pushes left out.
    pub total: Scored,
    pub margin: PointError,
    pub total_points: PointError,
    pub by_season: Vec<SeasonReport>,
    /// The walk-forward choice for the latest evaluated season: the shipped default.
    pub latest_weights: ModelWeights,
    /// Brier of the moneyline blend at fixed weights over the evaluated seasons. In-sample: for
    /// reading only, never for choosing the weight.
    pub moneyline_sweep: Vec<(f64, f64)>,
}

/// One game's walk-forward numbers: what the predictions file writes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Prediction {
    pub game_id: String,
    pub season: i32,
    pub week: i32,
    pub model_home_win: f64,
    pub market_home_win: Option<f64>,
    pub blend_home_win: Option<f64>,
    pub model_margin: f64,
    pub model_total: f64,
    pub closing_spread: Option<f64>,
    pub closing_total: Option<f64>,
    pub home_score: i32,
    pub away_score: i32,
    /// P(home covers the closing spread | no push) and P(over the closing total | no push).
    pub model_home_cover: Option<f64>,
    pub model_over: Option<f64>,
    pub blend_home_cover: Option<f64>,
    pub blend_over: Option<f64>,
}

impl Prediction {
    pub const CSV_HEADER: [&'static str; 16] = [
        "game_id",
        "season",
        "week",
        "model_home_win",
        "market_home_win",
        "blend_home_win",
        "model_margin",
        "model_total",
        "closing_spread",
        "closing_total",
        "home_score",
        "away_score",
        "model_home_cover",
        "model_over",
        "blend_home_cover",
        "blend_over",
    ];

    pub fn csv_record(&self) -> Vec<String> {
        let f = |x: f64| format!("{x:.6}");
        let o = |x: Option<f64>| x.map(f).unwrap_or_default();
        vec![
            self.game_id.clone(),
            self.season.to_string(),
            self.week.to_string(),
            f(self.model_home_win),
            o(self.market_home_win),
            o(self.blend_home_win),
            f(self.model_margin),
            f(self.model_total),
            o(self.closing_spread),
            o(self.closing_total),
            self.home_score.to_string(),
            self.away_score.to_string(),
            o(self.model_home_cover),
            o(self.model_over),
            o(self.blend_home_cover),
            o(self.blend_over),
        ]
    }

    fn home_won(&self) -> Option<bool> {
        (self.home_score != self.away_score).then_some(self.home_score > self.away_score)
    }

    fn covered(&self) -> Option<bool> {
        let s = self.closing_spread?;
        let m = f64::from(self.home_score - self.away_score);
        (m != s).then_some(m > s)
    }

    fn went_over(&self) -> Option<bool> {
        let t = self.closing_total?;
        let x = f64::from(self.home_score + self.away_score);
        (x != t).then_some(x > t)
    }
}

/// The weight grid the walk-forward choice searches.
const WEIGHTS: [f64; 21] = [
    0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8,
    0.85, 0.9, 0.95, 1.0,
];

/// Model-side numbers of every played game, before any blend.
struct Row {
    game: usize,
    model_win: f64,
    model_cover: Option<f64>,
    model_over: Option<f64>,
    market_win: Option<f64>,
    margin: f64,
    total: f64,
}

/// Evaluates seasons `start..=end`. Returns the report and one prediction per played game in
/// range with a closing moneyline.
pub fn run(
    games: &[GameRecord],
    cfg: &AnalyticsConfig,
    start: i32,
    end: i32,
) -> (BacktestReport, Vec<Prediction>) {
    let engine = PricingEngine::from_games(games, cfg).ok();
    let preds = RatingState::walk_forward(
        games,
        engine.as_ref().map(|e| *e.params()).unwrap_or_default(),
    );
    // Every played game up to `end` is scored by the model: earlier seasons train the blend.
    let idx: Vec<usize> = (0..games.len())
        .filter(|&i| games[i].is_played() && games[i].season <= end)
        .collect();
    let rows: Vec<Row> = idx
        .par_iter()
        .map(|&i| {
            let g = &games[i];
            let p = preds[i];
            let inputs = GameInputs {
                mean_margin: p.margin,
                mean_total: p.total,
            };
            let (model_win, model_cover, model_over) = match &engine {
                Some(e) => {
                    let model = e.score_model(g.season);
                    let joint = model.joint(&inputs, crate::domain::Scope::Game);
                    let dist = crate::pricing::ScopeDist::from_joint(&joint);
                    let given_action = |(above, _eq, below): (f64, f64, f64)| {
                        (above + below > 0.0).then(|| above / (above + below))
                    };
                    (
                        given_action(dist.margin.split(0.0)).unwrap_or(0.5),
                        g.spread_line
                            .and_then(|s| given_action(dist.margin.split(s))),
                        g.total_line.and_then(|t| given_action(dist.total.split(t))),
                    )
                }
                None => (margin_win(p.margin), None, None),
            };
            Row {
                game: i,
                model_win,
                model_cover,
                model_over,
                market_win: market_home_win(g),
                margin: p.margin,
                total: p.total,
            }
        })
        .collect();
    let seasons: Vec<i32> = (start..=end).collect();
    let weights: BTreeMap<i32, ModelWeights> = seasons
        .iter()
        .map(|&s| (s, choose_weights(&rows, games, s)))
        .collect();
    let mut predictions = Vec::new();
    for r in &rows {
        let g = &games[r.game];
        if g.season < start || r.market_win.is_none() {
            continue;
        }
        let w = weights[&g.season];
        predictions.push(Prediction {
            game_id: g.game_id.clone(),
            season: g.season,
            week: g.week,
            model_home_win: r.model_win,
            market_home_win: r.market_win,
            blend_home_win: r.market_win.map(|m| blend(w.moneyline, r.model_win, m)),
            model_margin: r.margin,
            model_total: r.total,
            closing_spread: g.spread_line,
            closing_total: g.total_line,
            home_score: g.home_score.unwrap_or(0),
            away_score: g.away_score.unwrap_or(0),
            model_home_cover: r.model_cover,
            model_over: r.model_over,
            blend_home_cover: r.model_cover.map(|c| blend(w.spread, c, 0.5)),
            blend_over: r.model_over.map(|o| blend(w.total, o, 0.5)),
        });
    }
    let score_all =
        |filter: &dyn Fn(&Prediction) -> bool| Scores::of(predictions.iter().filter(|p| filter(p)));
    let all = score_all(&|_| true);
    let by_season = seasons
        .iter()
        .filter(|s| predictions.iter().any(|p| p.season == **s))
        .map(|&s| {
            let sc = score_all(&|p| p.season == s);
            SeasonReport {
                season: s,
                weights: weights[&s],
                moneyline: sc.moneyline,
                spread: sc.spread,
                total: sc.total,
            }
        })
        .collect();
    let moneyline_sweep = WEIGHTS
        .iter()
        .step_by(2)
        .map(|&w| {
            let m = metrics(predictions.iter().filter_map(|p| {
                Some((
                    blend(w, p.model_home_win, p.market_home_win?),
                    p.home_won()?,
                ))
            }));
            (w, m.brier)
        })
        .collect();
    let report = BacktestReport {
        start_season: start,
        end_season: end,
        devig_method: DevigMethod::Power.name().into(),
        tuned_on: (1999, 2014),
        moneyline: all.moneyline,
        spread: all.spread,
        total: all.total,
        margin: point_error(predictions.iter().filter_map(|p| {
            Some((
                p.model_margin,
                p.closing_spread?,
                f64::from(p.home_score - p.away_score),
            ))
        })),
        total_points: point_error(predictions.iter().filter_map(|p| {
            Some((
                p.model_total,
                p.closing_total?,
                f64::from(p.home_score + p.away_score),
            ))
        })),
        by_season,
        latest_weights: weights.get(&end).copied().unwrap_or_default(),
        moneyline_sweep,
    };
    (report, predictions)
}

struct Scores {
    moneyline: Scored,
    spread: Scored,
    total: Scored,
}

impl Scores {
    fn of<'a>(preds: impl Iterator<Item = &'a Prediction> + Clone) -> Scores {
        let ml = preds.clone().filter_map(|p| {
            Some((
                p.model_home_win,
                p.market_home_win?,
                p.blend_home_win?,
                p.home_won()?,
            ))
        });
        let sp = preds
            .clone()
            .filter_map(|p| Some((p.model_home_cover?, 0.5, p.blend_home_cover?, p.covered()?)));
        let to = preds.filter_map(|p| Some((p.model_over?, 0.5, p.blend_over?, p.went_over()?)));
        Scores {
            moneyline: scored(ml),
            spread: scored(sp),
            total: scored(to),
        }
    }
}

fn scored(rows: impl Iterator<Item = (f64, f64, f64, bool)> + Clone) -> Scored {
    Scored {
        model: metrics(rows.clone().map(|r| (r.0, r.3))),
        market: metrics(rows.clone().map(|r| (r.1, r.3))),
        blend: metrics(rows.map(|r| (r.2, r.3))),
    }
}

fn blend(w: f64, model: f64, market: f64) -> f64 {
    w * model + (1.0 - w) * market
}

/// Seasons behind each blend-weight choice. A trailing window rather than all of history: the
/// market has grown more efficient, and seasons inside the hyper-parameters' tuning range flatter
/// the model (an expanding window picked 0.25-0.35 for spreads and totals from 1999-2014 and
/// lost to the market on 2015-2024; see the README).
pub const BLEND_WINDOW: i32 = 5;

/// For season `s`, the weight per market type with the lowest Brier over the `BLEND_WINDOW`
/// seasons before it (never `s` itself). With no earlier data the weight is 0: consensus stands
/// alone.
fn choose_weights(rows: &[Row], games: &[GameRecord], s: i32) -> ModelWeights {
    let earlier = || {
        rows.iter()
            .filter(|r| (s - BLEND_WINDOW..s).contains(&games[r.game].season))
    };
    let pick = |pairs: Vec<(f64, f64, bool)>| -> f64 {
        if pairs.is_empty() {
            return 0.0;
        }
        let mut best = (f64::INFINITY, 0.0);
        for w in WEIGHTS {
            let b = pairs
                .iter()
                .map(|(m, k, y)| (blend(w, *m, *k) - if *y { 1.0 } else { 0.0 }).powi(2))
                .sum::<f64>();
            // Ties go to the smaller weight: the model must earn its place.
            if b < best.0 - 1e-12 {
                best = (b, w);
            }
        }
        best.1
    };
    let ml = earlier()
        .filter_map(|r| {
            let g = &games[r.game];
            let m = g.margin()?;
            (m != 0).then_some((r.model_win, r.market_win?, m > 0))
        })
        .collect();
    let sp = earlier()
        .filter_map(|r| {
            let g = &games[r.game];
            let (m, s) = (f64::from(g.margin()?), g.spread_line?);
            (m != s).then_some((r.model_cover?, 0.5, m > s))
        })
        .collect();
    let to = earlier()
        .filter_map(|r| {
            let g = &games[r.game];
            let (x, t) = (f64::from(g.total()?), g.total_line?);
            (x != t).then_some((r.model_over?, 0.5, x > t))
        })
        .collect();
    ModelWeights {
        moneyline: pick(ml),
        spread: pick(sp),
        total: pick(to),
    }
}

/// The closing moneyline de-vigged by the power method. A pair whose implied probabilities sum
/// below one (2020_01_LV_CAR closed +134 / -124) has no vig to remove by a power; it is
/// normalised instead, so no game with a closing moneyline drops out.
pub fn market_home_win(g: &GameRecord) -> Option<f64> {
    let (hm, am) = (g.home_moneyline?, g.away_moneyline?);
    let (ph, pa) = (american_to_implied(hm).ok()?, american_to_implied(am).ok()?);
    match devig(&[ph, pa], DevigMethod::Power) {
        Ok(f) => Some(f[0]),
        Err(_) => (ph + pa > 0.0).then(|| ph / (ph + pa)),
    }
}

/// P(home wins | no tie) under a plain normal, for a file too short for a score model.
fn margin_win(margin: f64) -> f64 {
    crate::domain::normal::cdf(margin / crate::pricing::RatingParams::TUNED.margin_sigma)
}

fn point_error(rows: impl Iterator<Item = (f64, f64, f64)>) -> PointError {
    let (mut n, mut mae, mut kae, mut mse, mut kse, mut bias) = (0usize, 0.0, 0.0, 0.0, 0.0, 0.0);
    for (model, market, actual) in rows {
        n += 1;
        mae += (actual - model).abs();
        kae += (actual - market).abs();
        mse += (actual - model).powi(2);
        kse += (actual - market).powi(2);
        bias += model - market;
    }
    let d = n.max(1) as f64;
    PointError {
        n,
        model_mae: mae / d,
        market_mae: kae / d,
        model_rmse: (mse / d).sqrt(),
        market_rmse: (kse / d).sqrt(),
        bias_vs_market: bias / d,
    }
}

/// Logistic regression of y on logit(p) by Newton's method: (intercept, slope).
pub fn recalibration(pairs: &[(f64, bool)]) -> (f64, f64) {
    let xs: Vec<(f64, f64)> = pairs
        .iter()
        .map(|(p, y)| {
            let p = p.clamp(1e-6, 1.0 - 1e-6);
            ((p / (1.0 - p)).ln(), if *y { 1.0 } else { 0.0 })
        })
        .collect();
    let (mut a, mut b) = (0.0f64, 1.0f64);
    for _ in 0..50 {
        let (mut ga, mut gb, mut haa, mut hab, mut hbb) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for (x, y) in &xs {
            let q = 1.0 / (1.0 + (-(a + b * x)).exp());
            let w = q * (1.0 - q);
            ga += y - q;
            gb += (y - q) * x;
            haa += w;
            hab += w * x;
            hbb += w * x * x;
        }
        let det = haa * hbb - hab * hab;
        if !(det.is_finite() && det.abs() > 1e-12) {
            break;
        }
        let da = (hbb * ga - hab * gb) / det;
        let db = (haa * gb - hab * ga) / det;
        a += da;
        b += db;
        if da.abs() < 1e-10 && db.abs() < 1e-10 {
            break;
        }
    }
    (a, b)
}

pub fn metrics(pairs: impl Iterator<Item = (f64, bool)>) -> Metrics {
    let pairs: Vec<(f64, bool)> = pairs.collect();
    let mut bins: Vec<(usize, f64, f64)> = vec![(0, 0.0, 0.0); 10];
    let (mut brier, mut ll, mut right) = (0.0, 0.0, 0usize);
    for &(p, won) in &pairs {
        let y = if won { 1.0 } else { 0.0 };
        let pc = p.clamp(1e-12, 1.0 - 1e-12);
        brier += (p - y).powi(2);
        ll -= y * pc.ln() + (1.0 - y) * (1.0 - pc).ln();
        right += usize::from((p > 0.5) == won);
        let b = ((p * 10.0).floor().max(0.0) as usize).min(9);
        bins[b].0 += 1;
        bins[b].1 += p;
        bins[b].2 += y;
    }
    let n = pairs.len();
    let d = n.max(1) as f64;
    // A constant forecast (the 50/50 market) has no slope to fit.
    let varies = pairs.iter().any(|(p, _)| (p - pairs[0].0).abs() > 1e-9);
    let (a, b) = if varies {
        recalibration(&pairs)
    } else {
        (f64::NAN, f64::NAN)
    };
    Metrics {
        n,
        brier: brier / d,
        log_loss: ll / d,
        accuracy: right as f64 / d,
        recalibration_slope: b,
        recalibration_intercept: a,
        calibration: bins
            .into_iter()
            .enumerate()
            .map(|(i, (k, sp, sy))| CalibrationBin {
                lower: i as f64 / 10.0,
                upper: (i + 1) as f64 / 10.0,
                n: k,
                mean_predicted: if k > 0 { sp / k as f64 } else { f64::NAN },
                observed: if k > 0 { sy / k as f64 } else { f64::NAN },
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pricing::load_games;

    #[test]
    fn metrics_of_known_forecasts() {
        let m = metrics([(0.8, true), (0.8, false), (0.3, false), (0.5, true)].into_iter());
        assert!((m.brier - (0.04 + 0.64 + 0.09 + 0.25) / 4.0).abs() < 1e-12);
        assert_eq!(m.n, 4);
        assert_eq!(m.calibration[8].n, 2);
        assert!((m.calibration[8].observed - 0.5).abs() < 1e-12);
        assert!(
            (metrics([(0.5, true), (0.5, false)].into_iter()).log_loss - 2f64.ln()).abs() < 1e-12
        );
    }

    #[test]
    fn recalibration_slope_of_a_calibrated_and_a_shrunk_forecast() {
        // Outcomes drawn exactly at their probabilities (deterministic thinning).
        let mut pairs = Vec::new();
        for k in 1..20 {
            let p = k as f64 / 20.0;
            for j in 0..200 {
                pairs.push((p, (j as f64) < p * 200.0));
            }
        }
        let (a, b) = recalibration(&pairs);
        assert!(a.abs() < 0.05 && (b - 1.0).abs() < 0.05, "{a} {b}");
        // Forecasts pulled halfway to 0.5 are under-confident: slope well above 1.
        let shrunk: Vec<(f64, bool)> = pairs
            .iter()
            .map(|(p, y)| (0.5 + (p - 0.5) * 0.5, *y))
            .collect();
        assert!(recalibration(&shrunk).1 > 1.5);
    }

    #[test]
    fn walk_forward_every_market() {
        let games =
            load_games(concat!(env!("CARGO_MANIFEST_DIR"), "/data/games.csv")).expect("games");
        let (r, preds) = run(&games, &AnalyticsConfig::default(), 2022, 2024);
        assert!(r.moneyline.market.n > 800);
        assert!(r.spread.model.n > 800 && r.total.model.n > 800);
        // Every game with a closing moneyline is in the file; ties only drop from the scores.
        let with_ml = games
            .iter()
            .filter(|g| {
                (2022..=2024).contains(&g.season)
                    && g.is_played()
                    && g.home_moneyline.is_some()
                    && g.away_moneyline.is_some()
            })
            .count();
        assert_eq!(preds.len(), with_ml);
        // The printed Brier recomputes from the predictions.
        let (mut s, mut n) = (0.0, 0.0);
        for p in &preds {
            if let Some(y) = p.home_won() {
                s += (p.model_home_win - if y { 1.0 } else { 0.0 }).powi(2);
                n += 1.0;
            }
        }
        assert!((s / n - r.moneyline.model.brier).abs() < 1e-12);
        // Blend weights come from earlier seasons: 2022's never saw 2022.
        let w22 = r.by_season[0].weights;
        let (alt, _) = run(&games, &AnalyticsConfig::default(), 2022, 2022);
        assert_eq!(alt.by_season[0].weights, w22);
        assert!(
            (0.19..0.23).contains(&r.moneyline.model.brier),
            "{}",
            r.moneyline.model.brier
        );
    }
}
