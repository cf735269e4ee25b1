//! Expected value and Kelly staking, with pushes (a push returns the stake, so it neither helps
//! nor hurts and drops out of the growth equation).

/// EV per unit staked at decimal odds `d`: win pays d, push returns the stake.
pub fn expected_value(win: f64, push: f64, d: f64) -> f64 {
    win * d + push - 1.0
}

/// Full-Kelly fraction maximising win·ln(1+b f) + lose·ln(1−f), b = d − 1:
/// f* = (b·win − lose) / (b·(win + lose)). Zero when the bet has no edge.
pub fn kelly(win: f64, push: f64, d: f64) -> f64 {
    let b = d - 1.0;
    let lose = (1.0 - win - push).max(0.0);
    if b.is_nan() || b <= 0.0 || win + lose <= 0.0 {
        return 0.0;
    }
    ((b * win - lose) / (b * (win + lose))).max(0.0)
}

/// Thorp's optimum for each of two simultaneous independent even-money bets whose single-bet
/// Kelly is `f`: f/(1+f²). Used as the shrink for any set of simultaneous independent bets,
/// where it is slightly conservative for more than two.
pub fn thorp_shrink(f: f64) -> f64 {
    f / (1.0 + f * f)
}

/// Kelly stakes for mutually exclusive outcomes of one event (at most one wins), e.g. both sides
/// of a market at different books or a three-way market. Kelly's original algorithm: add
/// outcomes in order of p·d while p·d exceeds the reserve rate R = (1 − Σp)/(1 − Σ1/d), then stake
/// p − R/d on each. Returns a fraction per outcome, zero for those left out.
pub fn kelly_mutually_exclusive(probs: &[f64], decimals: &[f64]) -> Vec<f64> {
    let n = probs.len().min(decimals.len());
    let mut order: Vec<usize> = (0..n)
        .filter(|&i| decimals[i] > 1.0 && probs[i] > 0.0)
        .collect();
    order.sort_by(|&a, &b| (probs[b] * decimals[b]).total_cmp(&(probs[a] * decimals[a])));
    let (mut sum_p, mut sum_inv) = (0.0, 0.0);
    let mut reserve = 1.0;
    let mut chosen = 0;
    for (k, &i) in order.iter().enumerate() {
        let ev_rate = probs[i] * decimals[i];
        if ev_rate <= reserve {
            break;
        }
        sum_p += probs[i];
        sum_inv += 1.0 / decimals[i];
        chosen = k + 1;
        reserve = if sum_inv < 1.0 {
            ((1.0 - sum_p) / (1.0 - sum_inv)).max(0.0)
        } else {
            0.0
        };
    }
    let mut out = vec![0.0; probs.len()];
    for &i in &order[..chosen] {
        out[i] = (probs[i] - reserve / decimals[i]).max(0.0);
    }
    out
}

/// Expected log growth of one bet, for checks and the bankroll report.
pub fn log_growth(win: f64, push: f64, d: f64, f: f64) -> f64 {
    let lose = (1.0 - win - push).max(0.0);
    win * (1.0 + (d - 1.0) * f).ln() + lose * (1.0 - f).ln()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn research_vectors() {
        // p = 0.5 at +110: EV 5%, Kelly 4.55%, quarter Kelly 1.14%.
        assert!((expected_value(0.5, 0.0, 2.1) - 0.05).abs() < 1e-12);
        assert!((kelly(0.5, 0.0, 2.1) - 0.045_454_545).abs() < 1e-8);
        assert!((0.25 * kelly(0.5, 0.0, 2.1) - 0.0114).abs() < 1e-4);
        // -110 at p = 0.5445: EV 0.0395, f* 0.0434, g* 0.000860.
        let d = 1.0 + 100.0 / 110.0;
        assert!((expected_value(0.5445, 0.0, d) - 0.0395).abs() < 1e-4);
        assert!((kelly(0.5445, 0.0, d) - 0.0434).abs() < 1e-4);
        assert!((log_growth(0.5445, 0.0, d, kelly(0.5445, 0.0, d)) - 0.000860).abs() < 5e-6);
        // Thorp: p = 0.55 even money, single Kelly 0.10, each of two simultaneous bets 0.099.
        assert!((kelly(0.55, 0.0, 2.0) - 0.10).abs() < 1e-12);
        assert!((thorp_shrink(0.10) - 0.0990).abs() < 1e-4);
        // CNO: fair +100/+100 both offered at +150: 100% combined Kelly split by probability.
        let f = kelly_mutually_exclusive(&[0.5, 0.5], &[2.5, 2.5]);
        assert!((f[0] - 0.5).abs() < 1e-12 && (f[1] - 0.5).abs() < 1e-12);
    }

    #[test]
    fn thorp_shrink_is_the_two_bet_optimum() {
        // Brute-force the joint growth of two independent even-money bets at p = 0.55.
        let (p, q) = (0.55, 0.45);
        let g = |f: f64| {
            p * p * (1.0 + 2.0 * f).ln() + 2.0 * p * q * 1.0f64.ln() + q * q * (1.0 - 2.0 * f).ln()
        };
        let best = (0..=20_000)
            .map(|i| i as f64 * 1e-5)
            .max_by(|a, b| g(*a).total_cmp(&g(*b)))
            .unwrap_or(0.0);
        assert!((best - thorp_shrink(0.10)).abs() < 2e-5, "{best}");
    }

    #[test]
    fn pushes_are_neutral() {
        // A push-heavy bet with the same win/lose ratio has the same Kelly as the no-push bet
        // scaled to the action it sees.
        let with_push = kelly(0.45, 0.10, 2.2);
        let without = kelly(0.45 / 0.9, 0.0, 2.2);
        assert!((with_push - without).abs() < 1e-12);
        assert!((expected_value(0.45, 0.10, 2.2) - (0.45 * 2.2 + 0.10 - 1.0)).abs() < 1e-15);
        assert_eq!(kelly(0.3, 0.0, 2.0), 0.0);
    }

    #[test]
    fn mutually_exclusive_matches_single_kelly_for_one_outcome() {
        let f = kelly_mutually_exclusive(&[0.55, 0.45], &[2.0, 1.8]);
        assert!((f[0] - kelly(0.55, 0.0, 2.0)).abs() < 1e-12, "{f:?}");
        assert_eq!(f[1], 0.0);
    }

    proptest! {
        #[test]
        fn kelly_maximises_growth(p in 0.05f64..0.95, push in 0.0f64..0.2, d in 1.05f64..6.0) {
            prop_assume!(p + push < 1.0);
            let f = kelly(p, push, d);
            prop_assert!((0.0..1.0).contains(&f));
            let g = |x: f64| log_growth(p, push, d, x);
            if f > 0.0 {
                prop_assert!(expected_value(p, push, d) > 0.0);
                for x in [f * 0.9, f * 1.1, f + 0.01].into_iter().filter(|x| *x < 1.0) {
                    prop_assert!(g(f) >= g(x) - 1e-12);
                }
            } else {
                prop_assert!(expected_value(p, push, d) <= 1e-12);
            }
        }

        #[test]
        fn exclusive_stakes_maximise_growth(ps in prop::collection::vec(0.05f64..1.0, 2..5), ds in prop::collection::vec(1.1f64..8.0, 5)) {
            let t: f64 = ps.iter().sum();
            let probs: Vec<f64> = ps.iter().map(|x| x / t).collect();
            let ds = &ds[..probs.len()];
            let f = kelly_mutually_exclusive(&probs, ds);
            prop_assert!(f.iter().all(|x| *x >= 0.0) && f.iter().sum::<f64>() <= 1.0 + 1e-9);
            // Expected log growth when exactly one outcome wins; the stakes beat standing aside
            // and every small change to one stake.
            let growth = |f: &[f64]| {
                let kept = 1.0 - f.iter().sum::<f64>();
                probs.iter().enumerate().map(|(i, p)| p * (kept + f[i] * ds[i]).ln()).sum::<f64>()
            };
            let g = growth(&f);
            prop_assert!(g >= -1e-12);
            for i in 0..f.len() {
                for step in [-1e-4, 1e-4] {
                    let mut h = f.clone();
                    h[i] = (h[i] + step).max(0.0);
                    if h.iter().sum::<f64>() < 1.0 {
                        prop_assert!(g >= growth(&h) - 1e-9, "{f:?} vs {h:?}");
                    }
                }
            }
        }
    }
}
