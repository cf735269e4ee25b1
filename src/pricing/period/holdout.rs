//! How well the period model predicts period scores it was not fitted on: k-fold over the
//! tables' games. The tables are aggregates with no season split, so each cell's games are
//! treated as exchangeable: fold f holds about 1/k of every cell's count, the model is fitted on
//! the rest, and the slate (the population's closing lines) is priced and pooled against the
//! held-out counts. Every game is predicted once, by a model that never saw it.

use super::fit::observed;
use super::tables::PeriodTables;
use super::{grid_side, PeriodModel, SCOPES};
use serde::Serialize;

/// One market over the whole slate: mean predicted probability against the observed frequency.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MarketFit {
    pub scope: String,
    pub market: String,
    /// Games (or team-games) the frequency is over.
    pub n: f64,
    pub predicted: f64,
    pub observed: f64,
}

impl MarketFit {
    pub fn error(&self) -> f64 {
        (self.predicted - self.observed).abs()
    }
}

/// The model fitted without fold `f` of `k`, and that fold's counts (`k` = 1: fitted and
/// scored on everything, in sample).
fn fit_without(t: &PeriodTables, f: usize, k: usize) -> (PeriodModel, PeriodTables) {
    if k > 1 {
        (PeriodModel::fit(&t.fold(f, k, false)), t.fold(f, k, true))
    } else {
        (PeriodModel::fit(t), t.clone())
    }
}

/// Every market of one scope's pooled (home, away) grid: totals under x.5, home margin above
/// l (spreads, moneylines), the tie (three-way), and each team under x.5 (team totals).
pub fn markets(cells: &[f64], n: usize) -> Vec<(String, f64)> {
    let mass: f64 = cells.iter().sum();
    let mass = if mass > 0.0 { mass } else { 1.0 };
    let sum = |f: &dyn Fn(usize, usize) -> bool| -> f64 {
        let mut s = 0.0;
        for h in 0..n {
            for a in 0..n {
                if f(h, a) {
                    s += cells[h * n + a];
                }
            }
        }
        s / mass
    };
    let top = if n > 40 { 50 } else { 30 };
    let mut out = Vec::new();
    for x in 0..top {
        out.push((format!("total under {x}.5"), sum(&|h, a| h + a <= x)));
    }
    for l in -14i64..=14 {
        out.push((
            format!("home margin above {l}.5"),
            sum(&|h, a| h as i64 - a as i64 > l),
        ));
    }
    out.push(("tie".into(), sum(&|h, a| h == a)));
    for x in 0..top / 2 {
        out.push((format!("home under {x}.5"), sum(&|h, _| h <= x)));
        out.push((format!("away under {x}.5"), sum(&|_, a| a <= x)));
    }
    out
}

/// Predicted (model) and observed market frequencies over the slate, every fold pooled.
pub fn kfold(t: &PeriodTables, k: usize) -> Vec<MarketFit> {
    let mut acc: Vec<Vec<(String, f64, f64, f64)>> = vec![Vec::new(); SCOPES.len()];
    for f in 0..k.max(1) {
        let (model, held) = fit_without(t, f, k);
        for (i, a) in acc.iter_mut().enumerate() {
            let n = grid_side(i);
            let obs = observed(&held, i);
            let games: f64 = obs.iter().sum();
            let pred = markets(&model.pooled(&t.population, i), n);
            let seen = markets(&obs, n);
            if a.is_empty() {
                *a = pred
                    .iter()
                    .map(|(m, _)| (m.clone(), 0.0, 0.0, 0.0))
                    .collect();
            }
            for ((slot, (_, p)), (_, o)) in a.iter_mut().zip(&pred).zip(&seen) {
                slot.1 += games;
                slot.2 += games * p;
                slot.3 += games * o;
            }
        }
    }
    let mut out = Vec::new();
    for (i, a) in acc.into_iter().enumerate() {
        for (market, n, p, o) in a {
            if n > 0.0 {
                out.push(MarketFit {
                    scope: SCOPES[i].as_str().to_string(),
                    market,
                    n,
                    predicted: p / n,
                    observed: o / n,
                });
            }
        }
    }
    out
}

/// Team totals by expected-points bucket (the team-quarter table's calibration): for each
/// quarter and bucket, P(team scores at most x) predicted for the slate's teams in the bucket
/// against the held-out frequency, every fold pooled.
pub fn kfold_team_buckets(t: &PeriodTables, k: usize) -> Vec<MarketFit> {
    let mut out: Vec<MarketFit> = Vec::new();
    for f in 0..k.max(1) {
        let (model, held) = fit_without(t, f, k);
        let mut slot = 0;
        for (q, scope) in SCOPES.iter().enumerate().take(4) {
            for (b, bucket) in t.buckets.iter().enumerate() {
                let inside = |e: f64| {
                    bucket.from.is_none_or(|f| e >= f) && bucket.to.is_none_or(|to| e < to)
                };
                let mut pred = vec![0.0; super::QUARTER_SIDE];
                let mut teams = 0.0;
                for (h, a, w) in &t.population {
                    for (side, e) in [(0, *h), (1, *a)] {
                        if inside(e) {
                            for (p, x) in pred.iter_mut().zip(model.team_pmf(e, side, q)) {
                                *p += w * x;
                            }
                            teams += w;
                        }
                    }
                }
                let obs = &held.team_quarter[q][b];
                let n: f64 = obs.iter().sum();
                if teams <= 0.0 || n <= 0.0 {
                    continue;
                }
                let label = match (bucket.from, bucket.to) {
                    (Some(a), Some(b)) => format!("[{a}, {b})"),
                    (None, Some(b)) => format!("below {b}"),
                    (Some(a), None) => format!("{a} and up"),
                    (None, None) => "all".into(),
                };
                let (mut cp, mut co) = (0.0, 0.0);
                for x in 0..15 {
                    cp += pred[x] / teams;
                    co += obs[x] / n;
                    if f == 0 {
                        out.push(MarketFit {
                            scope: scope.as_str().to_string(),
                            market: format!("team under {x}.5, expected points {label}"),
                            n: 0.0,
                            predicted: 0.0,
                            observed: 0.0,
                        });
                    }
                    let m = &mut out[slot];
                    m.n += n;
                    m.predicted += n * cp;
                    m.observed += n * co;
                    slot += 1;
                }
            }
        }
    }
    for m in &mut out {
        if m.n > 0.0 {
            m.predicted /= m.n;
            m.observed /= m.n;
        }
    }
    out
}
