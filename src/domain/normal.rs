//! The standard normal CDF and its inverse, needed by the probit de-vig and the margin model.

/// Φ(x), accurate to ~1e-15 through libm's erfc.
pub fn cdf(x: f64) -> f64 {
    0.5 * libm::erfc(-x / std::f64::consts::SQRT_2)
}

/// Steps per unit of the tabulated Φ used by [`cdf_fast`].
const TABLE_STEPS: f64 = 64.0;
/// The table covers [-TABLE_RANGE, TABLE_RANGE]; beyond it Φ is 0 or 1 to 1e-15.
const TABLE_RANGE: f64 = 8.5;

/// Φ(x) and φ(x) at the table's knots.
fn table() -> &'static [(f64, f64)] {
    static T: std::sync::OnceLock<Vec<(f64, f64)>> = std::sync::OnceLock::new();
    T.get_or_init(|| {
        let n = (2.0 * TABLE_RANGE * TABLE_STEPS) as usize;
        (0..=n)
            .map(|i| {
                let x = -TABLE_RANGE + i as f64 / TABLE_STEPS;
                (
                    cdf(x),
                    (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt(),
                )
            })
            .collect()
    })
}

/// Φ(x) by cubic Hermite interpolation of a table of Φ and φ (error below 1e-11): the score
/// grid evaluates Φ tens of thousands of times per game, and erfc was most of its cost.
pub fn cdf_fast(x: f64) -> f64 {
    FastCdf::new().at(x)
}

/// [`cdf_fast`] with the table fetched once, for loops.
#[derive(Clone, Copy)]
pub struct FastCdf {
    t: &'static [(f64, f64)],
}

impl Default for FastCdf {
    fn default() -> Self {
        Self::new()
    }
}

impl FastCdf {
    pub fn new() -> Self {
        FastCdf { t: table() }
    }

    #[inline]
    pub fn at(&self, x: f64) -> f64 {
        if x.is_nan() {
            return f64::NAN;
        }
        if x <= -TABLE_RANGE {
            return 0.0;
        }
        if x >= TABLE_RANGE {
            return 1.0;
        }
        interpolate(self.t, x)
    }
}

#[inline]
fn interpolate(t: &[(f64, f64)], x: f64) -> f64 {
    let u = (x + TABLE_RANGE) * TABLE_STEPS;
    // u > 0 here, so truncation is the floor (and libm's floor is not inlined).
    let i = (u as usize).min(t.len() - 2);
    let s = u - i as f64;
    let h = 1.0 / TABLE_STEPS;
    let ((p0, d0), (p1, d1)) = (t[i], t[i + 1]);
    let (s2, s3) = (s * s, s * s * s);
    let h00 = 2.0 * s3 - 3.0 * s2 + 1.0;
    let h10 = s3 - 2.0 * s2 + s;
    let h01 = -2.0 * s3 + 3.0 * s2;
    let h11 = s3 - s2;
    (h00 * p0 + h10 * h * d0 + h01 * p1 + h11 * h * d1).clamp(0.0, 1.0)
}

/// Φ⁻¹(p): Acklam's rational approximation (rel. error 1.15e-9) polished by one Halley step,
/// which brings it to full double precision.
pub fn inv_cdf(p: f64) -> f64 {
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    const LOW: f64 = 0.02425;
    let x = if p < LOW {
        let q = (-2.0 * p.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p <= 1.0 - LOW {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        let q = (-2.0 * (1.0 - p).ln()).sqrt();
        -(((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    let e = cdf(x) - p;
    let u = e * (2.0 * std::f64::consts::PI).sqrt() * (x * x / 2.0).exp();
    x - u / (1.0 + x * u / 2.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tabulated_cdf_matches_erfc() {
        let mut worst: f64 = 0.0;
        for i in -100_000..=100_000 {
            let x = i as f64 * 1e-4;
            worst = worst.max((cdf_fast(x) - cdf(x)).abs());
        }
        assert!(worst < 1e-10, "{worst}");
        assert_eq!(cdf_fast(-40.0), 0.0);
        assert_eq!(cdf_fast(40.0), 1.0);
        assert!(cdf_fast(f64::NAN).is_nan());
    }

    #[test]
    fn known_values() {
        assert!((cdf(0.0) - 0.5).abs() < 1e-15);
        assert!((cdf(1.959_963_984_540_054) - 0.975).abs() < 1e-12);
        assert!((inv_cdf(0.975) - 1.959_963_984_540_054).abs() < 1e-10);
        for p in [1e-10, 0.001, 0.02, 0.3, 0.5, 0.77, 0.99, 1.0 - 1e-9] {
            assert!((cdf(inv_cdf(p)) - p).abs() < 1e-12 * p.max(1e-3), "p={p}");
        }
    }
}
