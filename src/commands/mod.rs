//! One module per CLI command: each loads what it needs and calls engine functions.

pub mod analytics;
pub mod dashboard;
pub mod ingest;
pub mod serve;
pub mod status;
