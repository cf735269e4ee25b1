//! Removing the bookmaker's margin ("de-vig"): turn one book's implied probabilities for a set of
//! mutually exclusive outcomes into fair probabilities. Formulas and test vectors come from
//! `analytics-anchors.md` §1 (opisthokonta/implied, mberk/shin, the CNO devigger README).

use super::normal;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq)]
pub enum DevigError {
    #[error("a market needs at least two outcomes to de-vig, got {0}")]
    TooFewOutcomes(usize),
    #[error("implied probability {0} is not in (0, 1)")]
    BadProbability(f64),
    #[error("the booksum {0:.4} is below 1: the prices are an arbitrage, not a vigged market")]
    NoMargin(f64),
    #[error("the {0} method did not converge")]
    NoConvergence(DevigMethod),
    #[error("unknown de-vig method {0:?}: expected one of multiplicative, additive, power, shin, odds_ratio, probit, worst_case")]
    UnknownMethod(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DevigMethod {
    Multiplicative,
    Additive,
    Power,
    Shin,
    OddsRatio,
    Probit,
    /// For each side, the lowest fair probability across multiplicative, additive, power and
    /// Shin. Not a coherent distribution (it sums to less than one): a conservative gate.
    WorstCase,
}

impl DevigMethod {
    pub const ALL: [DevigMethod; 7] = [
        DevigMethod::Multiplicative,
        DevigMethod::Additive,
        DevigMethod::Power,
        DevigMethod::Shin,
        DevigMethod::OddsRatio,
        DevigMethod::Probit,
        DevigMethod::WorstCase,
    ];

    pub fn name(self) -> &'static str {
        match self {
            DevigMethod::Multiplicative => "multiplicative",
            DevigMethod::Additive => "additive",
            DevigMethod::Power => "power",
            DevigMethod::Shin => "shin",
            DevigMethod::OddsRatio => "odds_ratio",
            DevigMethod::Probit => "probit",
            DevigMethod::WorstCase => "worst_case",
        }
    }
}

impl fmt::Display for DevigMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for DevigMethod {
    type Err = DevigError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().to_ascii_lowercase().replace('-', "_");
        DevigMethod::ALL
            .into_iter()
            .find(|m| m.name() == norm)
            .ok_or_else(|| DevigError::UnknownMethod(s.to_string()))
    }
}

/// Fair probabilities for `implied` (each 1/decimal odds) under `method`.
pub fn devig(implied: &[f64], method: DevigMethod) -> Result<Vec<f64>, DevigError> {
    check(implied)?;
    match method {
        DevigMethod::Multiplicative => Ok(multiplicative(implied)),
        DevigMethod::Additive => Ok(additive(implied)),
        DevigMethod::Power => power(implied),
        DevigMethod::Shin => shin(implied),
        DevigMethod::OddsRatio => odds_ratio(implied),
        DevigMethod::Probit => probit(implied),
        DevigMethod::WorstCase => worst_case(implied),
    }
}

/// The booksum minus one: how much the book keeps per unit of fair probability.
pub fn overround(implied: &[f64]) -> f64 {
    implied.iter().sum::<f64>() - 1.0
}

fn check(implied: &[f64]) -> Result<(), DevigError> {
    if implied.len() < 2 {
        return Err(DevigError::TooFewOutcomes(implied.len()));
    }
    if let Some(&bad) = implied.iter().find(|p| !(**p > 0.0 && **p < 1.0)) {
        return Err(DevigError::BadProbability(bad));
    }
    let s: f64 = implied.iter().sum();
    if s < 1.0 - 1e-12 {
        return Err(DevigError::NoMargin(s));
    }
    Ok(())
}

fn multiplicative(pi: &[f64]) -> Vec<f64> {
    let s: f64 = pi.iter().sum();
    pi.iter().map(|p| p / s).collect()
}

/// Can go negative for long shots in wide markets; clamped at zero and renormalised so callers
/// always get a distribution.
fn additive(pi: &[f64]) -> Vec<f64> {
    let n = pi.len() as f64;
    let s: f64 = pi.iter().sum();
    let raw: Vec<f64> = pi.iter().map(|p| (p - (s - 1.0) / n).max(0.0)).collect();
    let t: f64 = raw.iter().sum();
    raw.into_iter().map(|p| p / t).collect()
}

fn power(pi: &[f64]) -> Result<Vec<f64>, DevigError> {
    // Σ π^k is decreasing in k; k = 1 gives S >= 1, so the root lies in [1, kmax].
    let f = |k: f64| pi.iter().map(|p| p.powf(k)).sum::<f64>() - 1.0;
    let k = bisect(f, 1.0, 64.0).ok_or(DevigError::NoConvergence(DevigMethod::Power))?;
    Ok(normalised(pi.iter().map(|p| p.powf(k)).collect()))
}

fn shin(pi: &[f64]) -> Result<Vec<f64>, DevigError> {
    let s: f64 = pi.iter().sum();
    let n = pi.len();
    let z = if n == 2 {
        let delta = pi[0] - pi[1];
        let d2 = delta * delta;
        (s - 1.0) * (d2 - s) / (s * (d2 - 1.0))
    } else {
        // Σp(z) falls from √S at z = 0 through 1: bisection finds the same root as mberk's
        // Jullien–Salanié iteration without its slow convergence on lopsided markets.
        let total = |z: f64| -> f64 {
            pi.iter()
                .map(|p| ((z * z + 4.0 * (1.0 - z) * p * p / s).sqrt() - z) / (2.0 * (1.0 - z)))
                .sum::<f64>()
                - 1.0
        };
        bisect(total, 0.0, 0.999).ok_or(DevigError::NoConvergence(DevigMethod::Shin))?
    };
    Ok(shin_probabilities(pi, z))
}

/// Shin's fair probabilities for insider share `z`; exposed so tests can check z itself.
pub fn shin_probabilities(pi: &[f64], z: f64) -> Vec<f64> {
    let s: f64 = pi.iter().sum();
    let raw: Vec<f64> = pi
        .iter()
        .map(|p| ((z * z + 4.0 * (1.0 - z) * p * p / s).sqrt() - z) / (2.0 * (1.0 - z)))
        .collect();
    normalised(raw)
}

fn odds_ratio(pi: &[f64]) -> Result<Vec<f64>, DevigError> {
    let fair = |c: f64| -> Vec<f64> { pi.iter().map(|p| p / (c + p - c * p)).collect() };
    // Σ fair(c) is decreasing in c and equals S >= 1 at c = 1.
    let c = bisect(|c| fair(c).iter().sum::<f64>() - 1.0, 1.0, 1e6)
        .ok_or(DevigError::NoConvergence(DevigMethod::OddsRatio))?;
    Ok(normalised(fair(c)))
}

fn probit(pi: &[f64]) -> Result<Vec<f64>, DevigError> {
    let z: Vec<f64> = pi.iter().map(|p| normal::inv_cdf(*p)).collect();
    let fair = |c: f64| -> Vec<f64> { z.iter().map(|x| normal::cdf(x - c)).collect() };
    let c = bisect(|c| fair(c).iter().sum::<f64>() - 1.0, 0.0, 40.0)
        .ok_or(DevigError::NoConvergence(DevigMethod::Probit))?;
    Ok(normalised(fair(c)))
}

fn worst_case(pi: &[f64]) -> Result<Vec<f64>, DevigError> {
    let candidates = [multiplicative(pi), additive(pi), power(pi)?, shin(pi)?];
    Ok((0..pi.len())
        .map(|i| {
            candidates
                .iter()
                .map(|c| c[i])
                .fold(f64::INFINITY, f64::min)
        })
        .collect())
}

/// Removes the last rounding residue so Σp is 1 to machine precision.
fn normalised(v: Vec<f64>) -> Vec<f64> {
    let t: f64 = v.iter().sum();
    v.into_iter().map(|p| p / t).collect()
}

/// Root of a decreasing function on [lo, hi]; None when the bracket holds no sign change.
fn bisect(f: impl Fn(f64) -> f64, mut lo: f64, mut hi: f64) -> Option<f64> {
    let (flo, fhi) = (f(lo), f(hi));
    if flo == 0.0 {
        return Some(lo);
    }
    if flo.signum() == fhi.signum() {
        return None;
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        let fm = f(mid);
        if fm == 0.0 || (hi - lo) < 1e-15 * mid.abs().max(1.0) {
            return Some(mid);
        }
        if fm.signum() == flo.signum() {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some(0.5 * (lo + hi))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::odds::american_to_implied;
    use proptest::prelude::*;

    fn implied_decimal(d: &[f64]) -> Vec<f64> {
        d.iter().map(|x| 1.0 / x).collect()
    }

    #[test]
    fn shin_three_way_matches_mberk_vector() {
        let pi = implied_decimal(&[2.6, 2.4, 4.3]);
        let p = devig(&pi, DevigMethod::Shin).unwrap();
        let want = [
            0.372_994_060_332_089_65,
            0.404_779_410_920_018_4,
            0.222_226_528_747_427_5,
        ];
        for (a, b) in p.iter().zip(want) {
            assert!((a - b).abs() < 1e-9, "{a} vs {b}");
        }
        let direct = shin_probabilities(&pi, 0.016_942_512_764_070_55);
        for (a, b) in direct.iter().zip(want) {
            assert!((a - b).abs() < 1e-9);
        }
    }

    #[test]
    fn shin_equals_additive_for_two_outcomes() {
        let pi = implied_decimal(&[1.5, 2.74]);
        let s = devig(&pi, DevigMethod::Shin).unwrap();
        let a = devig(&pi, DevigMethod::Additive).unwrap();
        assert!((s[0] - 0.650_851_581_508_515_7).abs() < 1e-9);
        assert!((a[0] - 0.650_851_581_508_515_7).abs() < 1e-9);
    }

    #[test]
    fn cno_plus900_minus3000_vector() {
        // The CNO devigger README: fair underdog +968 (mult), +1412 (add), +2192 (power).
        let pi = vec![
            american_to_implied(-3000).unwrap(),
            american_to_implied(900).unwrap(),
        ];
        let cases = [
            (DevigMethod::Multiplicative, 0.906_344, 968),
            (DevigMethod::Additive, 0.933_871, 1412),
            (DevigMethod::Power, 0.956_377, 2192),
            (DevigMethod::OddsRatio, 0.942_633, 0),
            (DevigMethod::Probit, 0.941_217, 0),
        ];
        for (m, fav, dog_american) in cases {
            let p = devig(&pi, m).unwrap();
            assert!((p[0] - fav).abs() < 1e-6, "{m}: {} vs {fav}", p[0]);
            if dog_american != 0 {
                let got = crate::domain::odds::probability_to_american(p[1]).unwrap();
                assert!(
                    (got - dog_american).abs() <= 1,
                    "{m}: {got} vs {dog_american}"
                );
            }
        }
    }

    #[test]
    fn worst_case_takes_the_minimum_per_side_and_is_not_coherent() {
        let pi = vec![
            american_to_implied(-3000).unwrap(),
            american_to_implied(900).unwrap(),
        ];
        let w = devig(&pi, DevigMethod::WorstCase).unwrap();
        assert!((w[0] - 0.906_344).abs() < 1e-6); // multiplicative is lowest for the favourite
        let dog_min = [
            DevigMethod::Multiplicative,
            DevigMethod::Additive,
            DevigMethod::Power,
            DevigMethod::Shin,
        ]
        .iter()
        .map(|m| devig(&pi, *m).unwrap()[1])
        .fold(1.0, f64::min);
        assert_eq!(w[1], dog_min);
        assert!(w.iter().sum::<f64>() < 1.0);
    }

    #[test]
    fn bad_markets_are_rejected() {
        assert_eq!(
            devig(&[0.5], DevigMethod::Power),
            Err(DevigError::TooFewOutcomes(1))
        );
        assert!(matches!(
            devig(&[0.4, 0.4], DevigMethod::Power),
            Err(DevigError::NoMargin(_))
        ));
        assert!(matches!(
            devig(&[0.4, 1.2], DevigMethod::Power),
            Err(DevigError::BadProbability(_))
        ));
        assert!("nonsense".parse::<DevigMethod>().is_err());
        assert_eq!(
            "odds-ratio".parse::<DevigMethod>().unwrap(),
            DevigMethod::OddsRatio
        );
    }

    fn market() -> impl Strategy<Value = Vec<f64>> {
        // 2 to 6 outcomes with a margin between 0.5% and 15%.
        (prop::collection::vec(0.02f64..1.0, 2..6), 0.005f64..0.15)
            .prop_map(|(w, margin)| {
                let t: f64 = w.iter().sum();
                w.iter()
                    .map(|x| (x / t) * (1.0 + margin))
                    .filter(|p| *p < 0.999)
                    .collect::<Vec<_>>()
            })
            .prop_filter("needs two outcomes", |v| {
                v.len() >= 2 && v.iter().sum::<f64>() >= 1.0
            })
    }

    proptest! {
        #[test]
        fn coherent_methods_give_ordered_distributions(pi in market()) {
            for m in DevigMethod::ALL.into_iter().filter(|m| *m != DevigMethod::WorstCase) {
                let p = devig(&pi, m).unwrap();
                prop_assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-9, "{m} sums to {}", p.iter().sum::<f64>());
                for x in &p {
                    prop_assert!((0.0..=1.0).contains(x));
                }
                for i in 0..pi.len() {
                    for j in 0..pi.len() {
                        if pi[i] > pi[j] + 1e-12 {
                            prop_assert!(p[i] >= p[j] - 1e-12, "{m} reorders outcomes");
                        }
                    }
                }
            }
            let w = devig(&pi, DevigMethod::WorstCase).unwrap();
            prop_assert!(w.iter().sum::<f64>() <= 1.0 + 1e-9);
        }
    }
}
