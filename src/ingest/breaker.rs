//! Per-source circuit breaker: after `failure_threshold` failed polls in a row the source is left
//! alone for `open_seconds`, then one half-open probe decides whether it closes again.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BreakerState {
    Closed,
    Open,
    HalfOpen,
}

impl BreakerState {
    pub fn as_str(self) -> &'static str {
        match self {
            BreakerState::Closed => "closed",
            BreakerState::Open => "open",
            BreakerState::HalfOpen => "half_open",
        }
    }
}

#[derive(Debug, Clone)]
pub struct CircuitBreaker {
    threshold: u32,
    open_ms: i64,
    consecutive_failures: u32,
    opened_at_ms: Option<i64>,
    state: BreakerState,
}

impl CircuitBreaker {
    pub fn new(threshold: u32, open_seconds: f64) -> Self {
        CircuitBreaker {
            threshold: threshold.max(1),
            open_ms: (open_seconds * 1000.0) as i64,
            consecutive_failures: 0,
            opened_at_ms: None,
            state: BreakerState::Closed,
        }
    }

    /// Whether a poll may run now; moves Open to HalfOpen once the open period has passed.
    pub fn allow(&mut self, now_ms: i64) -> bool {
        match self.state {
            BreakerState::Closed | BreakerState::HalfOpen => true,
            BreakerState::Open => {
                if now_ms - self.opened_at_ms.unwrap_or(now_ms) >= self.open_ms {
                    self.state = BreakerState::HalfOpen;
                    true
                } else {
                    false
                }
            }
        }
    }

    pub fn record(&mut self, ok: bool, now_ms: i64) {
        if ok {
            self.consecutive_failures = 0;
            self.state = BreakerState::Closed;
            self.opened_at_ms = None;
            return;
        }
        self.consecutive_failures += 1;
        // A failed probe re-opens at once; a closed breaker opens at the threshold.
        if self.state == BreakerState::HalfOpen || self.consecutive_failures >= self.threshold {
            self.state = BreakerState::Open;
            self.opened_at_ms = Some(now_ms);
        }
    }

    pub fn state(&self) -> BreakerState {
        self.state
    }

    pub fn consecutive_failures(&self) -> u32 {
        self.consecutive_failures
    }
}

/// Sleep before retry `attempt` (1-based): uniform in [0, min(cap, base^attempt)] seconds, the
/// "full jitter" scheme, unless the server asked for a specific wait.
pub fn backoff_seconds(
    attempt: u32,
    base: f64,
    cap: f64,
    unit: f64,
    retry_after: Option<f64>,
) -> f64 {
    if let Some(ra) = retry_after {
        return ra.min(cap.max(ra.min(3600.0)));
    }
    let ceiling = base.powi(attempt as i32).min(cap);
    ceiling * unit.clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_after_threshold_then_probes() {
        let mut b = CircuitBreaker::new(3, 10.0);
        for t in 0..3 {
            assert!(b.allow(t));
            b.record(false, t);
        }
        assert_eq!(b.state(), BreakerState::Open);
        assert!(!b.allow(5_000));
        assert!(b.allow(12_000));
        assert_eq!(b.state(), BreakerState::HalfOpen);
        b.record(false, 12_000);
        assert_eq!(b.state(), BreakerState::Open);
        assert!(b.allow(22_001));
        b.record(true, 22_001);
        assert_eq!(b.state(), BreakerState::Closed);
        assert_eq!(b.consecutive_failures(), 0);
    }

    #[test]
    fn backoff_is_full_jitter_capped_and_honours_retry_after() {
        assert_eq!(backoff_seconds(3, 2.0, 60.0, 1.0, None), 8.0);
        assert_eq!(backoff_seconds(10, 2.0, 60.0, 1.0, None), 60.0);
        assert_eq!(backoff_seconds(3, 2.0, 60.0, 0.25, None), 2.0);
        assert_eq!(backoff_seconds(1, 2.0, 60.0, 0.5, Some(7.0)), 7.0);
    }
}
