//! The one judge of ingestion health. The engine's snapshot health, `status`, `/readyz`, the
//! alert rules and every front end's colours ask it, so a source is never healthy in one place
//! and failing in another. The floor is `alerts.rules.failure_burst_success_rate` (the guide's
//! "page below 95%"); the target is the guide's "> 99%", shown but never paged on.

use serde::Serialize;

/// The guide's success-rate target for `ingestion.success_rate`.
pub const SUCCESS_TARGET: f64 = 0.99;

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Judge {
    /// Below this a source is failing (a health problem; the failure-burst rule counts it).
    pub success_floor: f64,
    /// At or above this a source is healthy; between floor and target it is degraded.
    pub success_target: f64,
    /// A (book, market group) whose newest quote is older than this has stalled.
    pub stalled_after_seconds: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Healthy,
    Degraded,
    Failing,
}

impl Default for Judge {
    fn default() -> Self {
        Judge::from_config(&crate::config::Config::default())
    }
}

impl Judge {
    pub fn from_config(cfg: &crate::config::Config) -> Judge {
        let rules = &cfg.alerts.rules;
        Judge::new(
            rules.failure_burst_success_rate,
            rules.stalled_freshness_multiple * cfg.ingestion.scheduler.interval_seconds.max(1.0),
        )
    }

    pub fn new(success_floor: f64, stalled_after_seconds: f64) -> Judge {
        Judge {
            success_floor,
            success_target: SUCCESS_TARGET.max(success_floor),
            stalled_after_seconds,
        }
    }

    /// A success rate's level; an unknown rate (NaN) is failing.
    pub fn success(&self, rate: f64) -> Level {
        if rate >= self.success_target {
            Level::Healthy
        } else if rate >= self.success_floor {
            Level::Degraded
        } else {
            Level::Failing
        }
    }

    /// The problem line for a source under the floor, once it has polled.
    pub fn source_problem(&self, source: &str, rate: f64, polls: u64) -> Option<String> {
        (polls > 0 && self.success(rate) == Level::Failing).then(|| {
            format!(
                "source {source}: success rate {:.0}% over the last {polls} polls (floor {:.0}%, target {:.0}%)",
                rate * 100.0,
                self.success_floor * 100.0,
                self.success_target * 100.0
            )
        })
    }

    /// The problem line for a store that stopped answering: named as an outage of the store, so
    /// it is never mistaken for a stalled feed.
    pub fn store_problem(&self, down_for_seconds: f64, error: &str) -> String {
        format!(
            "store unreachable for {:.0}s: {error} (quote ages are as of the last read)",
            down_for_seconds.max(0.0)
        )
    }

    pub fn stalled(&self, age_seconds: f64) -> bool {
        age_seconds > self.stalled_after_seconds
    }

    /// The problem line for a stalled (book, market group).
    pub fn stalled_problem(&self, book: &str, group: &str, age_seconds: f64) -> Option<String> {
        self.stalled(age_seconds).then(|| {
            format!(
                "ingestion stalled: {book} {group} quotes are {age_seconds:.0}s old (limit {:.0}s)",
                self.stalled_after_seconds
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::health::SourceHealth;
    use crate::snapshot::IngestView;

    /// Issue 13, item 7: the engine hard-coded a 0.95 floor while `status` used the configured
    /// one and the TUI coloured at 0.99/0.95. With the floor configured at 90%, a source at 93%
    /// is degraded everywhere and failing nowhere; at 85% it is failing everywhere.
    #[test]
    fn one_health_judge_for_engine_status_rules_and_tui() {
        let mut cfg = crate::config::Config::default();
        cfg.alerts.rules.failure_burst_success_rate = 0.90;
        let judge = Judge::from_config(&cfg);
        for (rate, failing) in [(0.93, false), (0.85, true), (0.995, false)] {
            let mut ingest = IngestView::configured(&cfg);
            let mut s = SourceHealth::new("replay", 10.0);
            s.polls_total = 20;
            s.success_rate = rate;
            ingest.sources = vec![s];
            let engine = crate::engine::runtime::health_of(&ingest, 0);
            assert_eq!(
                engine.ok, !failing,
                "engine at {rate}: {:?}",
                engine.problems
            );
            assert_eq!(ingest.judge(), judge, "the snapshot carries the same judge");
            assert_eq!(judge.success(rate) == Level::Failing, failing);
            assert_eq!(judge.source_problem("replay", rate, 20).is_some(), failing);
        }
        assert_eq!(judge.success(0.93), Level::Degraded);
        assert_eq!(judge.success(0.995), Level::Healthy);
        assert_eq!(judge.success(f64::NAN), Level::Failing);
    }
}
