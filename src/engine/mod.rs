//! The engine core: ingestion, pricing and alerts running in background tasks, publishing
//! immutable snapshots and taking commands. Front ends never reach past this module.

pub mod command;
pub mod export;
pub mod handle;
pub mod pricer;
pub mod runtime;
pub mod snapshot;

pub use command::{Command, DetailView, ExportFormat, HistoryPoint, Reply};
pub use handle::{EngineHandle, EngineSide};
pub use runtime::{Engine, EngineError, EngineOptions, Mode};
pub use snapshot::*;
