//! The ledger's scorecard: per group (all bets, or by book, market or edge bucket) the count,
//! money staked and won, ROI, mean closing-line value with its 95% interval, and the share of
//! bets that beat the close. Pure: `bets report`, the API and the metrics share it.

use crate::store::bets::Bet;
use serde::Serialize;
use std::collections::BTreeMap;
use std::str::FromStr;

/// How to split the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    Book,
    Market,
    EdgeBucket,
}

impl FromStr for GroupBy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim() {
            "book" => Ok(GroupBy::Book),
            "market" => Ok(GroupBy::Market),
            "edge_bucket" => Ok(GroupBy::EdgeBucket),
            other => Err(format!(
                "by: expected book, market or edge_bucket, got `{other}`"
            )),
        }
    }
}

/// Mean of a sample with its 95% confidence interval (Student's t); the interval is absent
/// below two observations.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MeanCi {
    pub n: usize,
    pub mean: Option<f64>,
    pub ci95_low: Option<f64>,
    pub ci95_high: Option<f64>,
}

/// One group's line of the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportRow {
    /// `all`, or the book, market or edge bucket.
    pub group: String,
    /// Bets placed, voids excluded.
    pub count: usize,
    pub open: usize,
    /// Won, lost or pushed: the bets P&L and ROI are over.
    pub settled: usize,
    pub won: usize,
    pub lost: usize,
    pub push: usize,
    /// Stakes of the settled bets.
    pub staked: f64,
    pub pnl: f64,
    /// P&L over staked; absent with nothing settled.
    pub roi: Option<f64>,
    /// CLV in probability points (0.01 is one point) against the sharp consensus close.
    pub clv_consensus: MeanCi,
    /// The same against each bet's own book's close.
    pub clv_book: MeanCi,
    /// Share of the bets with a consensus CLV that beat the close (CLV above zero).
    pub beat_close: Option<f64>,
}

/// The report: the total over every bet in range, then one row per group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub since_ms: Option<i64>,
    pub by: Option<GroupBy>,
    pub total: ReportRow,
    pub rows: Vec<ReportRow>,
}

/// The edge bucket of a bet: its EV at placement, in bands a desk reads (`2-4%`).
pub fn edge_bucket(ev: Option<f64>) -> &'static str {
    match ev {
        None => "unknown",
        Some(e) if !e.is_finite() => "unknown",
        Some(e) if e < 0.02 => "<2%",
        Some(e) if e < 0.04 => "2-4%",
        Some(e) if e < 0.06 => "4-6%",
        Some(e) if e < 0.10 => "6-10%",
        Some(_) => "10%+",
    }
}

/// `--since`: a date (`2026-09-01`, midnight UTC) or a duration back from `now_ms` (`7d`).
pub fn parse_since(s: &str, now_ms: i64) -> Result<i64, String> {
    let s = s.trim();
    if let Ok(d) = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(d
            .and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc().timestamp_millis())
            .unwrap_or(0));
    }
    match crate::duration::parse_bounded(s, crate::duration::MAX_ANY) {
        Ok(d) => Ok(now_ms.saturating_sub(crate::duration::millis_i64(d))),
        Err(_) => Err(format!(
            "since: expected a date (2026-09-01) or a duration back from now (7d), got `{s}`"
        )),
    }
}

/// Builds the report over `bets` placed at or after `since_ms`.
pub fn report(bets: &[Bet], since_ms: Option<i64>, by: Option<GroupBy>) -> Report {
    let chosen: Vec<&Bet> = bets
        .iter()
        .filter(|b| since_ms.is_none_or(|s| b.placed_ms >= s))
        .collect();
    let mut groups: BTreeMap<String, Vec<&Bet>> = BTreeMap::new();
    if let Some(by) = by {
        for b in &chosen {
            let key = match by {
                GroupBy::Book => b.book.clone(),
                GroupBy::Market => b.market.clone(),
                GroupBy::EdgeBucket => edge_bucket(b.ev).to_string(),
            };
            groups.entry(key).or_default().push(b);
        }
    }
    Report {
        since_ms,
        by,
        total: row("all", &chosen),
        rows: groups.iter().map(|(g, bs)| row(g, bs)).collect(),
    }
}

fn row(group: &str, bets: &[&Bet]) -> ReportRow {
    let live: Vec<&&Bet> = bets.iter().filter(|b| b.status != "void").collect();
    let count_of = |s: &str| live.iter().filter(|b| b.status == s).count();
    let settled: Vec<&&&Bet> = live
        .iter()
        .filter(|b| matches!(b.status.as_str(), "won" | "lost" | "push"))
        .collect();
    // `Sum` for f64 starts at -0.0, which prints as "-0.00" for a group with nothing settled.
    let staked: f64 = settled.iter().map(|b| b.stake).fold(0.0, |a, x| a + x);
    let pnl: f64 = settled.iter().filter_map(|b| b.pnl).fold(0.0, |a, x| a + x);
    let cons: Vec<f64> = live.iter().filter_map(|b| b.clv_consensus).collect();
    let book: Vec<f64> = live.iter().filter_map(|b| b.clv_book).collect();
    ReportRow {
        group: group.to_string(),
        count: live.len(),
        open: count_of("open"),
        settled: settled.len(),
        won: count_of("won"),
        lost: count_of("lost"),
        push: count_of("push"),
        staked,
        pnl,
        roi: (staked > 0.0).then(|| pnl / staked),
        clv_consensus: mean_ci(&cons),
        clv_book: mean_ci(&book),
        beat_close: (!cons.is_empty())
            .then(|| cons.iter().filter(|c| **c > 0.0).count() as f64 / cons.len() as f64),
    }
}

/// Two-sided 97.5% quantiles of Student's t for 1..=30 degrees of freedom; beyond, the normal.
const T975: [f64; 30] = [
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
    2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
    2.052, 2.048, 2.045, 2.042,
];

/// Mean and 95% interval of `xs` (non-finite values ignored).
pub fn mean_ci(xs: &[f64]) -> MeanCi {
    let xs: Vec<f64> = xs.iter().copied().filter(|x| x.is_finite()).collect();
    let n = xs.len();
    if n == 0 {
        return MeanCi {
            n,
            mean: None,
            ci95_low: None,
            ci95_high: None,
        };
    }
    let mean = xs.iter().sum::<f64>() / n as f64;
    if n < 2 {
        return MeanCi {
            n,
            mean: Some(mean),
            ci95_low: None,
            ci95_high: None,
        };
    }
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let t = T975.get(n - 2).copied().unwrap_or(1.959_964);
    let half = t * (var / n as f64).sqrt();
    MeanCi {
        n,
        mean: Some(mean),
        ci95_low: Some(mean - half),
        ci95_high: Some(mean + half),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn bet(book: &str, status: &str, stake: f64, pnl: Option<f64>, clv: Option<f64>) -> Bet {
        Bet {
            id: 1,
            paper: true,
            event_id: "e".into(),
            market: "spread".into(),
            scope: "game".into(),
            selection: "home".into(),
            line: Some(-3.0),
            book: book.into(),
            decimal: 2.0,
            stake,
            placed_ms: 1_000,
            fair_prob: None,
            ev: Some(0.03),
            model_prob: None,
            consensus_prob: None,
            status: status.into(),
            settled_ms: None,
            pnl,
            clv_book: clv,
            clv_consensus: clv,
            clv_roi_book: None,
            clv_roi_consensus: None,
            note: None,
        }
    }

    /// Issue 22, item 13: a group with nothing settled showed `-0.00` staked and P&L (an empty
    /// f64 sum is negative zero).
    #[test]
    fn nothing_settled_is_positive_zero() {
        let open = bet("dk", "open", 50.0, None, None);
        let r = row("dk", &[&open]);
        assert!(
            r.staked.is_sign_positive() && r.pnl.is_sign_positive(),
            "{r:?}"
        );
        assert_eq!(format!("{:.2} {:+.2}", r.staked, r.pnl), "0.00 +0.00");
    }

    #[test]
    fn known_ledger() {
        let bets = vec![
            bet("dk", "won", 100.0, Some(100.0), Some(0.02)),
            bet("dk", "lost", 50.0, Some(-50.0), Some(-0.01)),
            bet("fd", "push", 20.0, Some(0.0), Some(0.03)),
            bet("fd", "open", 10.0, None, None),
            bet("fd", "void", 999.0, Some(0.0), Some(0.5)),
        ];
        let r = report(&bets, None, Some(GroupBy::Book));
        let t = &r.total;
        assert_eq!((t.count, t.open, t.settled), (4, 1, 3));
        assert_eq!((t.won, t.lost, t.push), (1, 1, 1));
        assert_eq!(t.staked, 170.0);
        assert_eq!(t.pnl, 50.0);
        assert!((t.roi.unwrap() - 50.0 / 170.0).abs() < 1e-12);
        // CLV 0.02, -0.01, 0.03: mean 0.01 (1e-17 rounding aside), sd 0.02082, t(2) = 4.303.
        let c = t.clv_consensus;
        assert_eq!(c.n, 3);
        assert!((c.mean.unwrap() - 0.04 / 3.0).abs() < 1e-12);
        let sd = ((0.02f64 - 0.04 / 3.0).powi(2)
            + (-0.01f64 - 0.04 / 3.0).powi(2)
            + (0.03f64 - 0.04 / 3.0).powi(2))
            / 2.0;
        let half = 4.303 * (sd / 3.0).sqrt();
        assert!((c.ci95_high.unwrap() - (0.04 / 3.0 + half)).abs() < 1e-12);
        assert!((t.beat_close.unwrap() - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(r.rows.len(), 2);
        assert_eq!(r.rows[0].group, "dk");
        assert_eq!(r.rows[1].count, 2);
        assert_eq!(report(&bets, Some(2_000), None).total.count, 0);
        assert_eq!(edge_bucket(Some(0.03)), "2-4%");
        assert_eq!(edge_bucket(Some(f64::NAN)), "unknown");
        assert!("pitcher".parse::<GroupBy>().unwrap_err().starts_with("by:"));
        assert_eq!(parse_since("1970-01-02", 0), Ok(86_400_000));
        assert_eq!(parse_since("1d", 100_000_000), Ok(100_000_000 - 86_400_000));
        assert!(parse_since("yesterday", 0)
            .unwrap_err()
            .starts_with("since:"));
    }

    proptest! {
        /// The interval holds the mean and narrows with more of the same data; groups add up
        /// to the total.
        #[test]
        fn interval_and_groups_are_consistent(xs in proptest::collection::vec(-0.2f64..0.2, 2..40)) {
            let c = mean_ci(&xs);
            let (lo, m, hi) = (c.ci95_low.unwrap(), c.mean.unwrap(), c.ci95_high.unwrap());
            prop_assert!(lo <= m && m <= hi);
            let doubled: Vec<f64> = xs.iter().chain(xs.iter()).copied().collect();
            let d = mean_ci(&doubled);
            prop_assert!(d.ci95_high.unwrap() - d.ci95_low.unwrap() <= hi - lo + 1e-12);
            let bets: Vec<Bet> = xs
                .iter()
                .enumerate()
                .map(|(i, x)| bet(if i % 3 == 0 { "a" } else { "b" }, "won", 1.0, Some(*x), Some(*x)))
                .collect();
            let r = report(&bets, None, Some(GroupBy::Book));
            let n: usize = r.rows.iter().map(|g| g.count).sum();
            prop_assert_eq!(n, r.total.count);
            let pnl: f64 = r.rows.iter().map(|g| g.pnl).sum();
            prop_assert!((pnl - r.total.pnl).abs() < 1e-9);
        }
    }
}
