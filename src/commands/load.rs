//! Configuration for a command: the global flags become a load request, warnings go to
//! stderr, and the rayon pool takes `analytics.threads`.

use super::outcome::Failure;
use crate::cli::GlobalArgs;
use crate::config::{self, LoadRequest, Loaded};

pub fn load_request(g: &GlobalArgs) -> LoadRequest {
    let mut req = LoadRequest::from_process_env();
    req.config_path = if g.config_is_default() {
        None
    } else {
        Some(g.config.clone())
    };
    req.environment = g.environment.clone();
    req.alerts_config = g.alerts_config.clone();
    req.storage = g.storage.clone();
    req
}

/// Loads configuration for a command; any error is a usage failure listing every problem.
pub fn load_config(g: &GlobalArgs) -> Result<Loaded, Failure> {
    match config::load(&load_request(g)) {
        Ok(l) => {
            for w in &l.warnings {
                crate::logging::stderr_line(w);
            }
            configure_threads(l.config.analytics.threads);
            Ok(l)
        }
        Err(report) => Err(Failure::Usage(format!(
            "configuration invalid ({} error{}):\n{report}",
            report.errors.len(),
            if report.errors.len() == 1 { "" } else { "s" }
        ))),
    }
}

/// `analytics.threads`: the rayon pool Monte Carlo, pricing and the bankroll simulation run on
/// (0 = one per core, rayon's default). Results do not depend on it (seed-stable chunking).
pub fn configure_threads(threads: usize) {
    if threads == 0 {
        return;
    }
    if let Err(e) = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("pricing-{i}"))
        .build_global()
    {
        // Already built in this process (a second load): the first setting stands.
        tracing::debug!(error = %e, "the rayon pool was already configured");
    }
}
