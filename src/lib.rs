//! nflreadpy-betting: odds ingestion, pricing, edges and alerts for NFL betting desks.
//! The engine modules know nothing of any front end; front ends read snapshots and send commands.

/// The git commit this binary was built from (`build.rs`; "unknown" outside a git checkout).
pub const GIT_SHA: &str = env!("NFLREADPY_BETTING_GIT_SHA");

// Test builds name the library by its crate name so that `snapshot/fixture.rs` compiles both
// here and inside the render benchmark, which includes the same file.
#[cfg(test)]
extern crate self as nflreadpy_betting;

pub mod alerts;
pub mod api;
pub mod app;
pub mod cli;
pub mod commands;
pub mod config;
pub mod data;
pub mod domain;
pub mod duration;
pub mod edges;
pub mod engine;
pub mod evaluation;
pub mod frontends;
pub mod health;
pub mod ingest;
pub mod logging;
pub mod metrics;
pub mod pricing;
pub mod secret;
pub mod snapshot;
pub mod store;
pub mod tui;
