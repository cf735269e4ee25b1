//! `validate-config`: loads the layered configuration and reports it valid (with warnings and
//! notes, optionally every effective key) or lists every error; JSON with `--log-format json`.

use super::load::load_request;
use super::outcome::{Failure, Outcome};
use crate::cli::{GlobalArgs, LogFormat, ValidateConfigArgs};
use crate::config;
use std::io::Write;

/// The period gate's state as the engine would decide it now: the period backtest on the
/// period-scores file beside the games file (run only once the file holds enough games).
fn period_gate_line(cfg: &config::Config) -> String {
    let games_path = std::path::PathBuf::from(&cfg.analytics.ratings.games_path);
    let games = match crate::pricing::load_games(&games_path) {
        Ok(g) => g,
        Err(e) => return format!("analytics.periods.gate (state) = unknown: {e}"),
    };
    let periods = match crate::data::periods::load_beside(&games_path, &games) {
        Ok(p) => p,
        Err(e) => return format!("analytics.periods.gate (state) = closed: {e}"),
    };
    let gate = crate::evaluation::periods::gate(&games, periods.as_ref(), &cfg.analytics);
    format!(
        "analytics.periods.gate (state) = {}: {}; half and quarter edges need EV >= {:.1}%",
        gate.state,
        gate.reason,
        100.0 * gate.min_ev
    )
}

pub fn run(g: &GlobalArgs, a: &ValidateConfigArgs) -> Outcome {
    let req = load_request(g);
    let json = g.log_format == Some(LogFormat::Json);
    let mut out = std::io::stdout().lock();
    match config::load(&req) {
        Ok(loaded) => {
            if json {
                let v = serde_json::json!({
                    "valid": true,
                    "environment": loaded.config.environment,
                    "warnings": loaded.warnings.iter().map(|w| w.to_string()).collect::<Vec<_>>(),
                    "notes": loaded.notes.iter().map(|w| w.to_string()).collect::<Vec<_>>(),
                });
                let _ = writeln!(out, "{v}");
            } else {
                let _ = writeln!(
                    out,
                    "Configuration '{}' is valid.",
                    loaded.config.environment
                );
                for w in loaded.warnings.iter().chain(&loaded.notes) {
                    let _ = writeln!(out, "{w}");
                }
            }
            if a.print {
                for line in loaded.effective_lines() {
                    let _ = writeln!(out, "{line}");
                }
                let _ = writeln!(out, "{}", period_gate_line(&loaded.config));
            }
            if a.warnings_as_errors && !loaded.warnings.is_empty() {
                return Err(Failure::Usage(format!(
                    "{} warning(s) treated as errors (--warnings-as-errors)",
                    loaded.warnings.len()
                )));
            }
            Ok(())
        }
        Err(report) => {
            if json {
                let v = serde_json::json!({
                    "valid": false,
                    "errors": report.errors.iter().map(|w| w.to_string()).collect::<Vec<_>>(),
                    "warnings": report.warnings.iter().map(|w| w.to_string()).collect::<Vec<_>>(),
                });
                let _ = writeln!(out, "{v}");
                return Err(Failure::Code(2));
            }
            Err(Failure::Usage(format!(
                "Configuration invalid ({} error{}):\n{report}",
                report.errors.len(),
                if report.errors.len() == 1 { "" } else { "s" }
            )))
        }
    }
}
