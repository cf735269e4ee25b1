//! The binary's edge: turns parsed arguments into engine calls and outcomes into exit codes
//! (0 ok, 1 runtime failure, 2 usage or configuration error).

use crate::cli::{Cli, Command, GlobalArgs, LogFormat, ValidateConfigArgs};
use crate::config::{self, LoadRequest, Loaded};
use clap::CommandFactory;
use std::io::Write;
use std::process::ExitCode;

/// A failure with the exit code it maps to.
#[derive(Debug)]
pub enum Failure {
    /// Bad usage or configuration: exit 2.
    Usage(String),
    /// Something failed while running: exit 1.
    Runtime(anyhow::Error),
    /// The command ran and wants a specific exit code (monitors, health checks).
    Code(u8),
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Self {
        Failure::Runtime(e)
    }
}

pub type Outcome = Result<(), Failure>;

pub fn run(cli: Cli) -> ExitCode {
    let result = dispatch(cli);
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(msg)) => {
            crate::logging::stderr_line(format_args!("{}", msg.trim_end()));
            ExitCode::from(2)
        }
        Err(Failure::Runtime(e)) => {
            crate::logging::stderr_line(format_args!("error: {e:#}"));
            ExitCode::from(1)
        }
        Err(Failure::Code(c)) => ExitCode::from(c),
    }
}

fn dispatch(cli: Cli) -> Outcome {
    let g = cli.global;
    match cli.command {
        Some(Command::ValidateConfig(a)) => validate_config(&g, &a),
        Some(Command::Completions(a)) => {
            let mut cmd = Cli::command();
            clap_complete::generate(
                a.shell,
                &mut cmd,
                "nflreadpy-betting",
                &mut std::io::stdout(),
            );
            Ok(())
        }
        Some(Command::Ingest(a)) => crate::commands::ingest::run(&g, &a),
        Some(Command::Simulate(a)) => crate::commands::analytics::simulate(&g, &a),
        Some(Command::Scan(a)) => crate::commands::analytics::scan(&g, &a),
        Some(Command::Dashboard(a)) => crate::commands::dashboard::run(&g, &a),
        None => crate::commands::dashboard::run(&g, &crate::cli::DashboardArgs::default()),
        Some(Command::Backtest(a)) => crate::commands::analytics::backtest(&g, &a),
        Some(Command::Serve(a)) => crate::commands::serve::run(&g, &a),
        Some(Command::Status(a)) => crate::commands::status::run(&g, &a),
    }
}

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

fn validate_config(g: &GlobalArgs, a: &ValidateConfigArgs) -> Outcome {
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
