//! The engine core: ingestion, pricing and alerts running in background tasks, publishing
//! immutable snapshots and taking commands (both defined in `crate::snapshot`, the leaf every
//! front end shares). Front ends never reach past this module.

pub mod bets;
pub mod export;
pub mod futures;
pub mod handle;
pub mod pricer;
pub mod runtime;

pub use handle::{EngineHandle, EngineSide};
pub use runtime::{Engine, EngineError, EngineOptions, Mode};
