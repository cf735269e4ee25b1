//! The enabled sources of a configuration, built into pollable adapters.

use super::normalize::Normalizer;
use super::replay::{ReplayFeed, WeekError};
use super::source::{SourceBatch, SourceError};
use super::sources::{FileDrop, Pinnacle, SetupError, TheOddsApi};
use crate::config::{Config, SourceConfig};
use std::sync::Arc;
use std::time::Duration;
use thiserror::Error;

pub enum SourceAdapter {
    Replay(Box<ReplayFeed>),
    TheOddsApi(Box<TheOddsApi>),
    File(Box<FileDrop>),
    Pinnacle(Box<Pinnacle>),
}

impl SourceAdapter {
    pub async fn poll(&mut self, now_ms: i64) -> Result<SourceBatch, SourceError> {
        match self {
            SourceAdapter::Replay(r) => r.poll(now_ms).await,
            SourceAdapter::TheOddsApi(s) => s.poll(now_ms).await,
            SourceAdapter::File(s) => s.poll(now_ms).await,
            SourceAdapter::Pinnacle(s) => s.poll(now_ms).await,
        }
    }
}

#[derive(Debug, Error)]
pub enum BuildError {
    #[error("source `replay`: {0}")]
    Replay(#[from] WeekError),
    #[error("source `{0}`: {1}")]
    Setup(String, SetupError),
    #[error("--source {0}: no enabled source of that type (enabled: {1})")]
    NotEnabled(String, String),
}

/// A configured source ready to poll: its adapter, name and cadence.
pub struct SourceSlot {
    pub name: String,
    pub adapter: SourceAdapter,
    pub interval_seconds: f64,
}

/// Builds every enabled source (or only those named in `only`), in config order.
/// The replay market's clock starts at the Unix epoch, so every process (ingest, dashboard, a
/// restart) sees the same market at the same wall time.
pub fn build(
    cfg: &Config,
    only: &[String],
    default_interval: f64,
) -> Result<Vec<SourceSlot>, BuildError> {
    let enabled: Vec<&SourceConfig> = cfg.sources.iter().filter(|s| s.enabled()).collect();
    for want in only {
        if !enabled.iter().any(|s| s.kind() == want) {
            let names: Vec<&str> = enabled.iter().map(|s| s.kind()).collect();
            return Err(BuildError::NotEnabled(want.clone(), names.join(", ")));
        }
    }
    let mut out = Vec::new();
    // The configured games file (what `data update` refreshes) names the events of a season
    // the shipped copy does not have yet.
    let games = std::path::Path::new(&cfg.analytics.ratings.games_path);
    let (normalizer, err) = Normalizer::with_games_file(games);
    if let Some(e) = err {
        tracing::warn!(error = %e, "feed events are matched to the shipped schedule only");
    }
    let normalizer = Arc::new(normalizer);
    for s in enabled
        .into_iter()
        .filter(|s| only.is_empty() || only.iter().any(|o| o == s.kind()))
    {
        let interval = s.poll_interval_seconds().unwrap_or(default_interval);
        let adapter = match s {
            SourceConfig::Replay(r) => SourceAdapter::Replay(Box::new(ReplayFeed::new(r, 0)?)),
            SourceConfig::TheOddsApi(c) => SourceAdapter::TheOddsApi(Box::new(
                TheOddsApi::new(
                    c,
                    crate::duration::secs_clamped(
                        c.timeout_seconds,
                        Duration::from_millis(1),
                        Duration::from_secs(300),
                    ),
                    normalizer.clone(),
                )
                .map_err(|e| BuildError::Setup("the-odds-api".into(), e))?,
            )),
            SourceConfig::File(c) => {
                SourceAdapter::File(Box::new(FileDrop::new(c, normalizer.clone())))
            }
            SourceConfig::Pinnacle(c) => SourceAdapter::Pinnacle(Box::new(
                Pinnacle::new(
                    c,
                    crate::duration::secs_clamped(
                        c.timeout_seconds,
                        Duration::from_millis(1),
                        Duration::from_secs(300),
                    ),
                    normalizer.clone(),
                )
                .map_err(|e| BuildError::Setup("pinnacle".into(), e))?,
            )),
        };
        out.push(SourceSlot {
            name: s.kind().to_string(),
            adapter,
            interval_seconds: interval,
        });
    }
    Ok(out)
}
