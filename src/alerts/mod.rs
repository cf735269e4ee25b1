//! Alerting: rules over engine snapshots, an outbox written before any send, and a dispatcher
//! that delivers each notification to its channels with retries.
//!
//! Flow: `AlertsEngine::observe` turns a `Snapshot` into fire/resolve transitions and stages one
//! outbox row per routed channel; `AlertsEngine::enqueue` commits them through the store's single
//! writer; `Dispatcher::run` delivers due rows, backs off on failures and marks rows delivered.

pub mod channels;
mod engine;
pub mod notification;
pub mod outbox;
pub mod policy;
pub mod rules;

pub use engine::{send_test_alert, AlertEvent, AlertsEngine, EventKind};
pub use notification::{Action, Notification};
pub use outbox::{DispatchOptions, DispatchStats, Dispatcher, SharedStats};
pub use rules::{Condition, Observation, Rule};

use serde::{Deserialize, Serialize};
use std::fmt;
use thiserror::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        match s.trim().to_ascii_lowercase().as_str() {
            "info" => Some(Severity::Info),
            "warning" | "warn" => Some(Severity::Warning),
            "critical" | "crit" => Some(Severity::Critical),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Error)]
pub enum AlertsError {
    #[error("alerts.channels[{index}] ({kind}): {problem}")]
    Channel {
        index: usize,
        kind: String,
        problem: String,
    },
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error("no alert with id {0} is firing")]
    UnknownAlert(i64),
    #[error("unknown alert rule {0:?}; rules: {1}")]
    UnknownRule(String, String),
    #[error("the outbox query failed: {0}")]
    Outbox(String),
}
