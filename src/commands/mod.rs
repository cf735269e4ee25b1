//! One module per CLI command: each loads what it needs and calls engine functions.

pub mod dashboard;
pub mod ingest;
pub mod serve;

/// Prometheus text for a snapshot (the full registry lands with the metrics module).
pub fn metrics_text(_snap: &crate::engine::Snapshot) -> String {
    "# the metrics registry is not available in this build\n".to_string()
}
