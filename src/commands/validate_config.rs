//! `validate-config`: loads the layered configuration and reports it valid (with warnings and
//! notes, optionally every effective key) or lists every error; JSON with `--log-format json`.

use super::load::load_request;
use super::outcome::{Failure, Outcome};
use crate::cli::{GlobalArgs, LogFormat, ValidateConfigArgs};
use crate::config;
use std::io::Write;

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
