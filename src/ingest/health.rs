//! Ingestion health as operators read it: per-source success rate, poll latency and breaker state,
//! and quote freshness per book and market group (the guide's `ingestion.*` metrics).

use super::breaker::BreakerState;
use super::source::Quota;
use serde::Serialize;
use std::collections::{BTreeMap, VecDeque};

/// Polls kept for the success-rate window.
pub const SUCCESS_WINDOW: usize = 20;
/// Success rates kept per source for the failure-burst streak (far above any sane
/// `failure_burst_intervals`).
pub const RATE_HISTORY: usize = 256;
/// Poll latencies kept for sparklines.
pub const LATENCY_HISTORY: usize = 60;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SourceHealth {
    pub name: String,
    pub interval_seconds: f64,
    pub breaker: BreakerState,
    pub consecutive_failures: u32,
    pub polls_total: u64,
    pub polls_ok: u64,
    /// Successful share of the last `SUCCESS_WINDOW` polls (1.0 before any poll).
    pub success_rate: f64,
    #[serde(skip)]
    pub recent: VecDeque<bool>,
    /// `success_rate` after each poll, newest last (at most `RATE_HISTORY`): the streak the
    /// scraper-failure-burst rule counts, exported so Prometheus can count it too.
    #[serde(skip)]
    pub rate_history: VecDeque<f64>,
    pub last_poll_ms: Option<i64>,
    pub last_ok_ms: Option<i64>,
    pub last_error: Option<String>,
    /// `ingestion.poll_latency`: actual start minus scheduled start, seconds, newest last.
    pub poll_latency_seconds: VecDeque<f64>,
    pub quotes_received: u64,
    pub quotes_changed: u64,
    pub rejected_by_reason: BTreeMap<String, u64>,
    pub errors_by_reason: BTreeMap<String, u64>,
    pub quota: Option<QuotaView>,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct QuotaView {
    pub remaining: Option<u64>,
    pub used: Option<u64>,
}

impl From<Quota> for QuotaView {
    fn from(q: Quota) -> Self {
        QuotaView {
            remaining: q.remaining,
            used: q.used,
        }
    }
}

impl SourceHealth {
    pub fn new(name: &str, interval_seconds: f64) -> Self {
        SourceHealth {
            name: name.to_string(),
            interval_seconds,
            breaker: BreakerState::Closed,
            consecutive_failures: 0,
            polls_total: 0,
            polls_ok: 0,
            success_rate: 1.0,
            recent: VecDeque::new(),
            rate_history: VecDeque::new(),
            last_poll_ms: None,
            last_ok_ms: None,
            last_error: None,
            poll_latency_seconds: VecDeque::new(),
            quotes_received: 0,
            quotes_changed: 0,
            rejected_by_reason: BTreeMap::new(),
            errors_by_reason: BTreeMap::new(),
            quota: None,
        }
    }

    pub fn record_poll(&mut self, ok: bool, at_ms: i64, latency_s: f64) {
        self.polls_total += 1;
        self.polls_ok += u64::from(ok);
        self.recent.push_back(ok);
        while self.recent.len() > SUCCESS_WINDOW {
            self.recent.pop_front();
        }
        self.success_rate =
            self.recent.iter().filter(|x| **x).count() as f64 / self.recent.len() as f64;
        self.rate_history.push_back(self.success_rate);
        while self.rate_history.len() > RATE_HISTORY {
            self.rate_history.pop_front();
        }
        self.last_poll_ms = Some(at_ms);
        if ok {
            self.last_ok_ms = Some(at_ms);
        }
        self.poll_latency_seconds.push_back(latency_s);
        while self.poll_latency_seconds.len() > LATENCY_HISTORY {
            self.poll_latency_seconds.pop_front();
        }
    }

    /// Polls in a row, ending with the latest, whose success rate was under `floor` (the
    /// scraper-failure-burst streak; at most `RATE_HISTORY`).
    pub fn polls_under_floor(&self, floor: f64) -> u32 {
        let n = self
            .rate_history
            .iter()
            .rev()
            .take_while(|r| **r < floor)
            .count();
        u32::try_from(n).unwrap_or(u32::MAX)
    }
}

/// `ingestion.quote_freshness_seconds`: when each (book, market group) was last confirmed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Freshness {
    last_seen: BTreeMap<(String, String), i64>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FreshnessRow {
    pub book: String,
    pub market_group: String,
    pub age_seconds: f64,
}

impl Freshness {
    pub fn observe(&mut self, book: &str, group: &str, seen_ms: i64) {
        let slot = self
            .last_seen
            .entry((book.to_string(), group.to_string()))
            .or_insert(seen_ms);
        *slot = (*slot).max(seen_ms);
    }

    pub fn rows(&self, now_ms: i64) -> Vec<FreshnessRow> {
        self.last_seen
            .iter()
            .map(|((book, group), seen)| FreshnessRow {
                book: book.clone(),
                market_group: group.clone(),
                age_seconds: ((now_ms - seen).max(0)) as f64 / 1000.0,
            })
            .collect()
    }

    pub fn max_age_seconds(&self, now_ms: i64) -> Option<f64> {
        self.rows(now_ms)
            .into_iter()
            .map(|r| r.age_seconds)
            .reduce(f64::max)
    }
}
