//! Ingestion: sources (replay, the-odds-api, file drop, pinnacle) produce normalised batches; the
//! scheduler polls them with retries, backoff and circuit breakers, and hands batches to the store.

pub mod adapter;
pub mod archive;
pub mod breaker;
pub mod health;
pub mod normalize;
pub mod plausible;
pub mod replay;
pub mod scheduler;
pub mod source;
pub mod sources;

pub use normalize::Normalizer;
pub use source::{Quota, SourceBatch, SourceError};
