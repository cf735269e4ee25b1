//! What every source adapter returns. Adapters are plain structs with
//! `async fn poll(&mut self, now_ms: i64) -> Result<SourceBatch, SourceError>`; the scheduler
//! dispatches over them with an enum, so no trait objects are needed.

use crate::domain::outright::OutrightQuote;
use crate::domain::{Event, Quote};
use crate::store::records::Quarantined;
use std::time::Duration;
use thiserror::Error;

/// One poll's worth of normalised data.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct SourceBatch {
    pub events: Vec<Event>,
    pub quotes: Vec<Quote>,
    /// Season-long prices (Super Bowl, conference, division, playoffs, win totals).
    pub outrights: Vec<OutrightQuote>,
    /// Quotes or events that could not be normalised, kept with their reason, never dropped.
    pub rejected: Vec<Quarantined>,
    /// Request-credit headers, for sources that meter use.
    pub quota: Option<Quota>,
    /// Non-fatal notes for the operator (e.g. "quota low").
    pub warnings: Vec<String>,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    pub remaining: Option<u64>,
    pub used: Option<u64>,
    pub last: Option<u64>,
}

#[derive(Debug, Error, Clone, PartialEq)]
pub enum SourceError {
    #[error("HTTP {status}: {message}")]
    Http { status: u16, message: String },
    #[error("credentials rejected (HTTP {status}): {message}")]
    Unauthorized { status: u16, message: String },
    #[error("rate limited (HTTP 429){}: {message}", retry_after.map(|d| format!(", retry after {}s", d.as_secs())).unwrap_or_default())]
    RateLimited {
        retry_after: Option<Duration>,
        message: String,
    },
    #[error("request parameters rejected (HTTP 422): {0}")]
    BadRequest(String),
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    #[error("network error: {0}")]
    Network(String),
    #[error("unparseable response: {0}")]
    Parse(String),
    #[error("I/O error: {0}")]
    Io(String),
}

impl SourceError {
    /// Whether another attempt in the same cycle can help. Bad credentials or parameters won't.
    pub fn retryable(&self) -> bool {
        match self {
            SourceError::Http { status, .. } => *status >= 500,
            SourceError::RateLimited { .. } | SourceError::Timeout(_) | SourceError::Network(_) => {
                true
            }
            SourceError::Parse(_) | SourceError::Io(_) => true,
            SourceError::Unauthorized { .. } | SourceError::BadRequest(_) => false,
        }
    }

    /// Metric label for failure counts.
    pub fn reason(&self) -> &'static str {
        match self {
            SourceError::Http { .. } => "http_error",
            SourceError::Unauthorized { .. } => "unauthorized",
            SourceError::RateLimited { .. } => "rate_limited",
            SourceError::BadRequest(_) => "bad_request",
            SourceError::Timeout(_) => "timeout",
            SourceError::Network(_) => "network",
            SourceError::Parse(_) => "parse_error",
            SourceError::Io(_) => "io_error",
        }
    }

    /// Server-requested wait before the next attempt.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            SourceError::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}
