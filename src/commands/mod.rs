//! One module per CLI command: each loads what it needs and calls engine functions. `outcome`
//! (what they return) and `load` (their configuration) are shared with `app`, which only
//! dispatches, so no command imports `app`.

pub mod analytics;
pub mod bets;
pub mod completions;
pub mod dashboard;
pub mod data;
pub mod futures;
pub mod futures_edges;
pub mod futures_print;
pub mod healthcheck;
pub mod ingest;
pub mod load;
pub mod odds_archive;
pub mod outcome;
pub mod period_backtest;
pub mod scan_kind;
pub mod serve;
pub mod status;
pub mod store;
pub mod validate_config;

pub use load::load_config;
pub use outcome::{Failure, Outcome};
