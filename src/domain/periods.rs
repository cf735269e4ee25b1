//! One game's period scores (quarters and overtime per team) and the score of any scope.

use super::Scope;
use serde::Serialize;

/// Points per quarter and in overtime: `[q1, q2, q3, q4, ot]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PeriodLine {
    pub home: [i32; 5],
    pub away: [i32; 5],
}

impl PeriodLine {
    /// (home, away) points in `scope`. The second half counts overtime when
    /// `second_half_overtime` (how most books grade it); quarters never do.
    pub fn score(&self, scope: Scope, second_half_overtime: bool) -> (i32, i32) {
        let ot = usize::from(second_half_overtime);
        let sum = |t: &[i32; 5], parts: &[usize]| parts.iter().map(|&i| t[i]).sum::<i32>();
        let parts: Vec<usize> = match scope {
            Scope::Game => vec![0, 1, 2, 3, 4],
            Scope::H1 => vec![0, 1],
            Scope::H2 => [2, 3, 4][..2 + ot].to_vec(),
            Scope::Q1 => vec![0],
            Scope::Q2 => vec![1],
            Scope::Q3 => vec![2],
            Scope::Q4 => vec![3],
        };
        (sum(&self.home, &parts), sum(&self.away, &parts))
    }
}

/// Whether the period gate is open, and why: half and quarter edges, alerts and paper bets
/// need `min_ev` while it is closed (decided by `evaluation::periods::gate`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeriodGate {
    /// `open`, `closed` or `off` (analytics.periods.gate.enabled false).
    pub state: &'static str,
    pub reason: String,
    /// EV a half or quarter opportunity needs now.
    pub min_ev: f64,
    /// Games of the user's period-scores file the backtest scored.
    pub games: usize,
    /// The blend's largest calibration error over buckets with enough predictions.
    pub largest_calibration_error: Option<f64>,
}

impl PeriodGate {
    pub fn is_open(&self) -> bool {
        self.state != "closed"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_add_up() {
        // 2025_12_IND_KC: home 0 9 0 11 (ot 3), away 7 7 6 0.
        let p = PeriodLine {
            home: [0, 9, 0, 11, 3],
            away: [7, 7, 6, 0, 0],
        };
        assert_eq!(p.score(Scope::Game, true), (23, 20));
        assert_eq!(p.score(Scope::H1, true), (9, 14));
        assert_eq!(p.score(Scope::H2, true), (14, 6));
        assert_eq!(p.score(Scope::H2, false), (11, 6));
        assert_eq!(p.score(Scope::Q4, true), (11, 0));
    }
}
