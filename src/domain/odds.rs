//! Odds formats and their conversions. Pure functions; every constructor rejects prices that no
//! book can quote, so nonsense from a feed stops here instead of poisoning EV maths downstream.

use std::fmt;
use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq)]
pub enum OddsError {
    #[error("American odds {0} are impossible: they must be <= -100 or >= +100")]
    AmericanOutOfRange(i64),
    #[error("decimal odds {0} are impossible: they must be finite and greater than 1.0")]
    DecimalTooLow(f64),
    #[error(
        "fractional odds {num}/{den} are impossible: need a positive numerator and denominator"
    )]
    BadFraction { num: i64, den: i64 },
    #[error("probability {0} is outside the open interval (0, 1)")]
    ProbabilityOutOfRange(f64),
    #[error("cannot parse odds {0:?}: expected American (+150, -110), decimal (2.50) or fractional (3/2)")]
    Unparseable(String),
}

/// A price, stored as decimal odds (stake included), the one format every formula uses.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Odds(f64);

impl Odds {
    pub fn from_decimal(d: f64) -> Result<Self, OddsError> {
        if !d.is_finite() || d <= 1.0 {
            return Err(OddsError::DecimalTooLow(d));
        }
        Ok(Odds(d))
    }

    pub fn from_american(a: i64) -> Result<Self, OddsError> {
        american_to_decimal(a).map(Odds)
    }

    pub fn from_fractional(num: i64, den: i64) -> Result<Self, OddsError> {
        if num <= 0 || den <= 0 {
            return Err(OddsError::BadFraction { num, den });
        }
        Ok(Odds(1.0 + num as f64 / den as f64))
    }

    /// The price at which a bet on an outcome of probability `p` breaks even.
    pub fn fair(p: f64) -> Result<Self, OddsError> {
        if !(p > 0.0 && p < 1.0) {
            return Err(OddsError::ProbabilityOutOfRange(p));
        }
        Ok(Odds(1.0 / p))
    }

    /// Parses "+150", "-110", "2.5" or "3/2". Integers with a sign or magnitude of at least 100
    /// read as American because that is how every US feed and trader writes them.
    pub fn parse(text: &str) -> Result<Self, OddsError> {
        let t = text.trim();
        let bad = || OddsError::Unparseable(t.to_string());
        if let Some((n, d)) = t.split_once('/') {
            let num = n.trim().parse::<i64>().map_err(|_| bad())?;
            let den = d.trim().parse::<i64>().map_err(|_| bad())?;
            return Self::from_fractional(num, den);
        }
        if t.starts_with('+') || t.starts_with('-') || (!t.contains('.') && t.len() >= 3) {
            let a = t.parse::<i64>().map_err(|_| bad())?;
            return Self::from_american(a);
        }
        let d = t.parse::<f64>().map_err(|_| bad())?;
        Self::from_decimal(d)
    }

    pub fn decimal(self) -> f64 {
        self.0
    }

    /// Implied probability including the book's margin.
    pub fn implied(self) -> f64 {
        1.0 / self.0
    }

    /// Net profit per unit staked (the `b` of the Kelly formula).
    pub fn profit(self) -> f64 {
        self.0 - 1.0
    }

    /// American odds rounded to the nearest integer, the way books display them.
    pub fn american(self) -> i64 {
        decimal_to_american(self.0)
    }

    /// Fractional odds with the smallest denominator up to `max_den` closest to the profit.
    pub fn fractional(self, max_den: i64) -> (i64, i64) {
        best_fraction(self.profit(), max_den.max(1))
    }
}

impl fmt::Display for Odds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:+}", self.american())
    }
}

/// Prices beyond this (+/-) are feed garbage or a typo rather than real long shots.
pub const MAX_AMERICAN: i64 = 100_000;

pub fn american_to_decimal(a: i64) -> Result<f64, OddsError> {
    if a >= 100 {
        Ok(1.0 + a as f64 / 100.0)
    } else if a <= -100 {
        Ok(1.0 + 100.0 / (-a) as f64)
    } else {
        Err(OddsError::AmericanOutOfRange(a))
    }
}

/// Decimal 2.0 is +100 (even money); shorter prices are negative American odds.
pub fn decimal_to_american(d: f64) -> i64 {
    if d >= 2.0 {
        ((d - 1.0) * 100.0).round() as i64
    } else {
        (-100.0 / (d - 1.0)).round() as i64
    }
}

pub fn american_to_implied(a: i64) -> Result<f64, OddsError> {
    american_to_decimal(a).map(|d| 1.0 / d)
}

pub fn probability_to_american(p: f64) -> Result<i64, OddsError> {
    Odds::fair(p).map(Odds::american)
}

/// Best rational approximation by continued fractions (Stern-Brocot bounded by `max_den`).
fn best_fraction(x: f64, max_den: i64) -> (i64, i64) {
    let (mut p0, mut q0, mut p1, mut q1) = (0i64, 1i64, 1i64, 0i64);
    let mut v = x;
    for _ in 0..64 {
        let a = v.floor();
        let ai = a as i64;
        let q2 = q0 + ai * q1;
        if q2 > max_den {
            break;
        }
        let p2 = p0 + ai * p1;
        (p0, q0, p1, q1) = (p1, q1, p2, q2);
        let frac = v - a;
        if frac < 1e-12 {
            break;
        }
        v = 1.0 / frac;
    }
    if q1 == 0 {
        return (x.round() as i64, 1);
    }
    (p1, q1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn american_decimal_round_trip_on_book_prices() {
        assert_eq!(american_to_decimal(150).unwrap(), 2.5);
        assert!((american_to_decimal(-110).unwrap() - 1.909_090_909).abs() < 1e-9);
        assert_eq!(american_to_decimal(100).unwrap(), 2.0);
        assert_eq!(american_to_decimal(-100).unwrap(), 2.0);
        assert_eq!(decimal_to_american(2.5), 150);
        assert_eq!(decimal_to_american(1.909_090_909), -110);
    }

    #[test]
    fn impossible_prices_are_rejected() {
        assert_eq!(
            american_to_decimal(50),
            Err(OddsError::AmericanOutOfRange(50))
        );
        assert_eq!(
            american_to_decimal(0),
            Err(OddsError::AmericanOutOfRange(0))
        );
        assert!(Odds::from_decimal(1.0).is_err());
        assert!(Odds::from_decimal(f64::NAN).is_err());
        assert!(Odds::from_fractional(0, 1).is_err());
        assert!(Odds::fair(1.0).is_err());
        assert!(Odds::parse("abc").is_err());
    }

    #[test]
    fn parse_reads_every_format() {
        assert_eq!(Odds::parse("+150").unwrap().decimal(), 2.5);
        assert_eq!(Odds::parse("-200").unwrap().decimal(), 1.5);
        assert_eq!(Odds::parse("2.5").unwrap().decimal(), 2.5);
        assert_eq!(Odds::parse("3/2").unwrap().decimal(), 2.5);
        assert_eq!(Odds::parse("2.50").unwrap().fractional(512), (3, 2));
    }

    proptest! {
        #[test]
        fn american_round_trips(a in prop_oneof![100i64..100_000, -100_000i64..=-101]) {
            let d = american_to_decimal(a).unwrap();
            prop_assert!(d > 1.0);
            prop_assert_eq!(decimal_to_american(d), a);
        }

        #[test]
        fn implied_probability_is_a_probability(d in 1.0001f64..1000.0) {
            let p = Odds::from_decimal(d).unwrap().implied();
            prop_assert!(p > 0.0 && p < 1.0);
        }
    }
}
