//! Walk-forward evaluation on history: for each game of the test seasons, the model's home win
//! probability comes from ratings fitted on earlier games only and a key-number table fitted on
//! earlier seasons only; the market's is the closing moneyline de-vigged by the power method.
//! Ties are left out (a win probability has nothing to say about them).

use crate::config::schema::AnalyticsConfig;
use crate::domain::{devig, odds::american_to_implied, DevigMethod};
use crate::pricing::keynumbers::{KeyNumberTable, MAX_MARGIN};
use crate::pricing::{EloRatings, GameRecord};
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
    #[serde(flatten)]
    pub scored: Scored,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BacktestReport {
    pub start_season: i32,
    pub end_season: i32,
    /// Weight of the model in the blend (the configured `model_weight`).
    pub model_weight: f64,
    pub devig_method: String,
    pub overall: Scored,
    pub by_season: Vec<SeasonReport>,
    /// Blend Brier at other model weights, for choosing the weight (in-sample on these seasons).
    pub blend_sweep: Vec<(f64, f64)>,
}

struct Row {
    season: i32,
    home_won: bool,
    model: f64,
    market: f64,
}

/// Evaluates seasons `start..=end`; games without scores or closing moneylines are skipped.
pub fn run(games: &[GameRecord], cfg: &AnalyticsConfig, start: i32, end: i32) -> BacktestReport {
    let diffs = EloRatings::walk_forward_diffs(games, &cfg.ratings);
    let mut tables: BTreeMap<i32, Option<KeyNumberTable>> = BTreeMap::new();
    let mut rows = Vec::new();
    for (g, diff) in games.iter().zip(&diffs) {
        if g.season < start || g.season > end {
            continue;
        }
        let (Some(margin), Some(hm), Some(am)) = (g.margin(), g.home_moneyline, g.away_moneyline)
        else {
            continue;
        };
        if margin == 0 {
            continue;
        }
        let (Ok(ph), Ok(pa)) = (american_to_implied(hm), american_to_implied(am)) else {
            continue;
        };
        let Ok(fair) = devig(&[ph, pa], DevigMethod::Power) else {
            continue;
        };
        let table = tables
            .entry(g.season)
            .or_insert_with(|| KeyNumberTable::fit(games, i32::MIN..=g.season - 1));
        let spread = diff / crate::pricing::ratings::ELO_PER_POINT;
        let model = match table {
            Some(t) => win_given_no_tie(&t.margin_pmf(spread)),
            None => crate::pricing::ratings::logistic(*diff),
        };
        rows.push(Row {
            season: g.season,
            home_won: margin > 0,
            model,
            market: fair[0],
        });
    }
    let w = cfg.model_weight.clamp(0.0, 1.0);
    let blend_sweep = [0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 1.0]
        .iter()
        .map(|&x| {
            (
                x,
                metrics(
                    rows.iter()
                        .map(|r| (x * r.model + (1.0 - x) * r.market, r.home_won)),
                )
                .brier,
            )
        })
        .collect();
    let by_season = (start..=end)
        .filter(|s| rows.iter().any(|r| r.season == *s))
        .map(|s| SeasonReport {
            season: s,
            scored: score(rows.iter().filter(|r| r.season == s), w),
        })
        .collect();
    BacktestReport {
        start_season: start,
        end_season: end,
        model_weight: w,
        devig_method: DevigMethod::Power.name().into(),
        overall: score(rows.iter(), w),
        by_season,
        blend_sweep,
    }
}

fn score<'a>(rows: impl Iterator<Item = &'a Row> + Clone, w: f64) -> Scored {
    Scored {
        model: metrics(rows.clone().map(|r| (r.model, r.home_won))),
        market: metrics(rows.clone().map(|r| (r.market, r.home_won))),
        blend: metrics(rows.map(|r| (w * r.model + (1.0 - w) * r.market, r.home_won))),
    }
}

/// P(home wins | no tie) from a margin pmf indexed from -MAX_MARGIN.
fn win_given_no_tie(pmf: &[f64]) -> f64 {
    let zero = MAX_MARGIN as usize;
    let win: f64 = pmf.iter().skip(zero + 1).sum();
    let lose: f64 = pmf.iter().take(zero).sum();
    win / (win + lose)
}

pub fn metrics(pairs: impl Iterator<Item = (f64, bool)>) -> Metrics {
    let mut bins: Vec<(usize, f64, f64)> = vec![(0, 0.0, 0.0); 10];
    let (mut n, mut brier, mut ll, mut right) = (0usize, 0.0, 0.0, 0usize);
    for (p, won) in pairs {
        let y = if won { 1.0 } else { 0.0 };
        let pc = p.clamp(1e-12, 1.0 - 1e-12);
        n += 1;
        brier += (p - y).powi(2);
        ll -= y * pc.ln() + (1.0 - y) * (1.0 - pc).ln();
        right += usize::from((p > 0.5) == won);
        let b = ((p * 10.0).floor() as usize).min(9);
        bins[b].0 += 1;
        bins[b].1 += p;
        bins[b].2 += y;
    }
    let d = n.max(1) as f64;
    Metrics {
        n,
        brier: brier / d,
        log_loss: ll / d,
        accuracy: right as f64 / d,
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
    fn walk_forward_2020_2024() {
        let games =
            load_games(concat!(env!("CARGO_MANIFEST_DIR"), "/data/games.csv")).expect("games");
        let cfg = AnalyticsConfig::default();
        let r = run(&games, &cfg, 2020, 2024);
        let o = &r.overall;
        println!(
            "backtest 2020-2024 (n={}): market Brier {:.4} logloss {:.4} | model Brier {:.4} logloss {:.4} | blend(w={}) Brier {:.4} logloss {:.4}",
            o.market.n, o.market.brier, o.market.log_loss, o.model.brier, o.model.log_loss, r.model_weight, o.blend.brier, o.blend.log_loss
        );
        for s in &r.by_season {
            println!(
                "  {}: n={} market {:.4} model {:.4} blend {:.4}",
                s.season,
                s.scored.market.n,
                s.scored.market.brier,
                s.scored.model.brier,
                s.scored.blend.brier
            );
        }
        println!("  blend sweep (w, Brier): {:?}", r.blend_sweep);
        assert!(o.market.n > 1300);
        assert!(
            (0.19..=0.23).contains(&o.market.brier),
            "{}",
            o.market.brier
        );
        assert!((0.20..=0.24).contains(&o.model.brier), "{}", o.model.brier);
        assert!(
            o.blend.brier <= o.market.brier + 0.002,
            "blend {} market {}",
            o.blend.brier,
            o.market.brier
        );
        assert_eq!(r.by_season.len(), 5);
        let json = serde_json::to_value(&r).expect("json");
        assert!(json["by_season"][0]["market"]["brier"].is_number());
    }
}
