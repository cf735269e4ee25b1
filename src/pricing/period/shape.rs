//! Pure pmf operations the period model is built from: interpolation between buckets,
//! exponential tilting to a mean, convolution and matrix scaling to given marginals.

/// Mean of a pmf over 0, 1, 2, ...
pub fn mean(p: &[f64]) -> f64 {
    p.iter().enumerate().map(|(i, x)| i as f64 * x).sum()
}

/// Scales `p` to sum to one; a pmf with no positive mass becomes a point mass at zero.
pub fn normalise(p: &mut [f64]) {
    let t: f64 = p.iter().sum();
    if t.is_finite() && t > 0.0 {
        p.iter_mut().for_each(|x| *x /= t);
    } else {
        p.iter_mut().for_each(|x| *x = 0.0);
        if let Some(first) = p.first_mut() {
            *first = 1.0;
        }
    }
}

/// The pmf at `x` from pmfs that each hold for a bucket around its (increasing) `centre`: the
/// bucket's own pmf, blended linearly with the neighbour's within `band` points of the edge
/// between them (half-way between centres), so prices never jump at an edge; flat beyond the
/// ends (the tilt then moves the mean).
pub fn interpolate(centres: &[f64], pmfs: &[Vec<f64>], x: f64, band: f64) -> Vec<f64> {
    let n = centres.len().min(pmfs.len());
    if n == 0 {
        return vec![1.0];
    }
    // NaN lands here too: the first bucket's pmf.
    if x.is_nan() || x <= centres[0] {
        return pmfs[0].clone();
    }
    if x >= centres[n - 1] {
        return pmfs[n - 1].clone();
    }
    let i = centres.windows(2).position(|w| x < w[1]).unwrap_or(0);
    let edge = 0.5 * (centres[i] + centres[i + 1]);
    let half_gap = 0.5 * (centres[i + 1] - centres[i]);
    let band = band.clamp(1e-9, 2.0 * half_gap);
    let u = ((x - edge) / band + 0.5).clamp(0.0, 1.0);
    pmfs[i]
        .iter()
        .zip(&pmfs[i + 1])
        .map(|(a, b)| (1.0 - u) * a + u * b)
        .collect()
}

/// The exponential tilt of `p` (q(x) proportional to p(x) e^(theta x)) whose mean is `target`:
/// the tilt keeps every zero a zero and the ratios between neighbouring lumps as close to the
/// shape as a new mean allows. A target outside the support's range is clamped to it. Bisection
/// and Newton on theta: the result depends on nothing but the inputs.
pub fn tilt(p: &[f64], target: f64) -> Vec<f64> {
    let support: Vec<usize> = (0..p.len()).filter(|&i| p[i] > 0.0).collect();
    let (Some(&lo_x), Some(&hi_x)) = (support.first(), support.last()) else {
        let mut out = vec![0.0; p.len().max(1)];
        out[0] = 1.0;
        return out;
    };
    if lo_x == hi_x || !target.is_finite() {
        let mut out = p.to_vec();
        normalise(&mut out);
        return out;
    }
    let target = target.clamp(lo_x as f64 + 1e-9, hi_x as f64 - 1e-9);
    let logs: Vec<f64> = p.iter().map(|x| x.ln()).collect();
    let tilted = |theta: f64| -> Vec<f64> {
        let top = support
            .iter()
            .map(|&i| logs[i] + theta * i as f64)
            .fold(f64::NEG_INFINITY, f64::max);
        let mut q: Vec<f64> = (0..p.len())
            .map(|i| {
                if p[i] > 0.0 {
                    (logs[i] + theta * i as f64 - top).exp()
                } else {
                    0.0
                }
            })
            .collect();
        normalise(&mut q);
        q
    };
    // Newton on theta (the mean's derivative is the variance), kept inside a bisection
    // bracket: a handful of steps, and never a step that leaves the bracket.
    let (mut lo, mut hi) = (-40.0f64, 40.0f64);
    let mut theta = 0.0;
    for _ in 0..100 {
        let q = tilted(theta);
        let m = mean(&q);
        let err = m - target;
        if err.abs() < 1e-12 {
            return q;
        }
        if err < 0.0 {
            lo = theta;
        } else {
            hi = theta;
        }
        let var: f64 = q
            .iter()
            .enumerate()
            .map(|(i, x)| (i as f64 - m).powi(2) * x)
            .sum();
        let next = theta - err / var;
        theta = if next.is_finite() && next > lo && next < hi {
            next
        } else {
            0.5 * (lo + hi)
        };
    }
    tilted(theta)
}

/// Convolution of two pmfs, cut at `len` entries (the caller's grid).
pub fn convolve(a: &[f64], b: &[f64], len: usize) -> Vec<f64> {
    let mut out = vec![0.0; len];
    for (i, x) in a.iter().enumerate() {
        if *x == 0.0 {
            continue;
        }
        for (j, y) in b.iter().enumerate() {
            if let Some(o) = out.get_mut(i + j) {
                *o += x * y;
            }
        }
    }
    out
}

/// The (row, column) grid closest to `seed` (a non-negative `side` x `side` matrix) whose row
/// sums are `rows` and column sums `cols` (iterative proportional fitting). With the seed the
/// product of the marginals times a dependence ratio, the result keeps the marginals exactly
/// (so the means) and carries the ratio's ties and margins.
pub fn scale_to_marginals(seed: &mut [f64], side: usize, rows: &[f64], cols: &[f64]) {
    let mut col_sums = vec![0.0; side];
    for _ in 0..200 {
        let mut worst = 0.0f64;
        for (h, row) in seed.chunks_exact_mut(side).enumerate() {
            let s: f64 = row.iter().sum();
            let want = rows.get(h).copied().unwrap_or(0.0);
            if s > 0.0 {
                let f = want / s;
                row.iter_mut().for_each(|x| *x *= f);
            }
            worst = worst.max((s - want).abs());
        }
        col_sums.iter_mut().for_each(|c| *c = 0.0);
        for row in seed.chunks_exact(side) {
            for (c, x) in col_sums.iter_mut().zip(row) {
                *c += x;
            }
        }
        for (a, c) in col_sums.iter().enumerate() {
            let want = cols.get(a).copied().unwrap_or(0.0);
            worst = worst.max((c - want).abs());
        }
        if worst < 1e-13 {
            break;
        }
        for row in seed.chunks_exact_mut(side) {
            for (a, x) in row.iter_mut().enumerate() {
                if col_sums[a] > 0.0 {
                    *x *= cols.get(a).copied().unwrap_or(0.0) / col_sums[a];
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn tilt_keeps_zeros_and_hits_the_mean() {
        let p = [0.5, 0.0, 0.0, 0.3, 0.0, 0.0, 0.0, 0.2];
        for target in [0.3, 2.3, 5.0, 6.9] {
            let q = tilt(&p, target);
            assert!((mean(&q) - target).abs() < 1e-9, "{target}: {}", mean(&q));
            assert!(q[1] == 0.0 && q[2] == 0.0 && q[4] == 0.0);
        }
    }

    #[test]
    fn scaling_reaches_both_marginals() {
        let rows = [0.5, 0.3, 0.2];
        let cols = [0.6, 0.1, 0.3];
        let mut seed: Vec<f64> = (0..9).map(|i| 1.0 + (i % 4) as f64).collect();
        scale_to_marginals(&mut seed, 3, &rows, &cols);
        for h in 0..3 {
            let s: f64 = seed[h * 3..h * 3 + 3].iter().sum();
            assert!((s - rows[h]).abs() < 1e-12);
        }
        for a in 0..3 {
            let s: f64 = (0..3).map(|h| seed[h * 3 + a]).sum();
            assert!((s - cols[a]).abs() < 1e-12);
        }
    }

    proptest! {
        #[test]
        fn tilt_is_a_pmf_for_any_target(
            p in proptest::collection::vec(0.0f64..1.0, 1..30),
            target in -1e6f64..1e6,
        ) {
            let q = tilt(&p, target);
            prop_assert!(q.iter().all(|x| x.is_finite() && *x >= 0.0 && *x <= 1.0));
            prop_assert!((q.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        }
    }
}
