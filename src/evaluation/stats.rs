//! The one shape every evaluated figure takes: a sample mean with its 95% interval, and a
//! correlation with its Fisher interval.

use serde::Serialize;

const Z95: f64 = 1.959_963_984_540_054;

/// A sample mean with a normal-approximation 95% interval (`mean +/- 1.96 sd / sqrt(n)`); the
/// interval is absent below two observations.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Estimate {
    pub n: usize,
    pub mean: Option<f64>,
    pub ci95_low: Option<f64>,
    pub ci95_high: Option<f64>,
}

impl Estimate {
    pub fn of(xs: &[f64]) -> Estimate {
        let n = xs.len();
        if n == 0 {
            return Estimate {
                n,
                mean: None,
                ci95_low: None,
                ci95_high: None,
            };
        }
        let mean = xs.iter().sum::<f64>() / n as f64;
        if n < 2 {
            return Estimate {
                n,
                mean: Some(mean),
                ci95_low: None,
                ci95_high: None,
            };
        }
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        let half = Z95 * (var / n as f64).sqrt();
        Estimate {
            n,
            mean: Some(mean),
            ci95_low: Some(mean - half),
            ci95_high: Some(mean + half),
        }
    }

    /// Whether the whole interval lies above zero.
    pub fn above_zero(&self) -> bool {
        self.ci95_low.is_some_and(|l| l > 0.0)
    }
}

/// Pearson correlation with the Fisher-z 95% interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Correlation {
    pub n: usize,
    pub r: Option<f64>,
    pub ci95_low: Option<f64>,
    pub ci95_high: Option<f64>,
}

impl Correlation {
    pub fn of(pairs: &[(f64, f64)]) -> Correlation {
        let n = pairs.len();
        let none = Correlation {
            n,
            r: None,
            ci95_low: None,
            ci95_high: None,
        };
        if n < 3 {
            return none;
        }
        let nf = n as f64;
        let (mx, my) = (
            pairs.iter().map(|p| p.0).sum::<f64>() / nf,
            pairs.iter().map(|p| p.1).sum::<f64>() / nf,
        );
        let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
        for (x, y) in pairs {
            sxy += (x - mx) * (y - my);
            sxx += (x - mx).powi(2);
            syy += (y - my).powi(2);
        }
        if sxx <= 0.0 || syy <= 0.0 {
            return none;
        }
        let r = (sxy / (sxx * syy).sqrt()).clamp(-1.0, 1.0);
        let z = r.clamp(-0.999_999, 0.999_999).atanh();
        let half = if n > 3 {
            Z95 / (nf - 3.0).sqrt()
        } else {
            f64::INFINITY
        };
        Correlation {
            n,
            r: Some(r),
            ci95_low: Some((z - half).tanh()),
            ci95_high: Some((z + half).tanh()),
        }
    }
}

/// Brier score and log loss of probabilities against 0/1 outcomes, each with its interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Scores {
    pub brier: Estimate,
    pub log_loss: Estimate,
}

impl Scores {
    pub fn of(pairs: &[(f64, bool)]) -> Scores {
        let brier: Vec<f64> = pairs
            .iter()
            .map(|&(p, y)| (p - f64::from(u8::from(y))).powi(2))
            .collect();
        let log: Vec<f64> = pairs
            .iter()
            .map(|&(p, y)| {
                let p = p.clamp(1e-6, 1.0 - 1e-6);
                -(if y { p } else { 1.0 - p }).ln()
            })
            .collect();
        Scores {
            brier: Estimate::of(&brier),
            log_loss: Estimate::of(&log),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_interval_of_a_known_sample() {
        let e = Estimate::of(&[1.0, 2.0, 3.0, 4.0]);
        assert_eq!(e.mean, Some(2.5));
        // sd = 1.29099, se = 0.645497
        assert!((e.ci95_low.unwrap() - (2.5 - 1.959964 * 0.645497)).abs() < 1e-5);
        assert!(Estimate::of(&[]).mean.is_none());
        assert!(Estimate::of(&[1.0]).ci95_low.is_none());
    }

    #[test]
    fn correlation_of_a_line_is_one_and_its_interval_holds_it() {
        let pairs: Vec<(f64, f64)> = (0..10).map(|i| (i as f64, 2.0 * i as f64 + 1.0)).collect();
        let c = Correlation::of(&pairs);
        assert!((c.r.unwrap() - 1.0).abs() < 1e-12);
        let noisy: Vec<(f64, f64)> = (0..50)
            .map(|i| (i as f64, if i % 2 == 0 { 1.0 } else { -1.0 }))
            .collect();
        let c = Correlation::of(&noisy);
        assert!(c.ci95_low.unwrap() < c.r.unwrap() && c.r.unwrap() < c.ci95_high.unwrap());
    }

    #[test]
    fn brier_and_log_loss_of_a_coin() {
        let s = Scores::of(&[(0.5, true), (0.5, false)]);
        assert_eq!(s.brier.mean, Some(0.25));
        assert!((s.log_loss.mean.unwrap() - std::f64::consts::LN_2).abs() < 1e-12);
    }
}
