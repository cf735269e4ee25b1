//! The binary's edge: dispatches parsed arguments to one command each (`commands/`) and turns
//! their outcome into the exit code (0 ok, 1 runtime failure, 2 usage or configuration error).

use crate::cli::{Cli, Command};
use crate::commands::{self, Failure, Outcome};
use std::process::ExitCode;

pub fn run(cli: Cli) -> ExitCode {
    let result = dispatch(cli);
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(msg)) => {
            crate::logging::stderr_line(msg.trim_end());
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
        Some(Command::ValidateConfig(a)) => commands::validate_config::run(&g, &a),
        Some(Command::Completions(a)) => commands::completions::run(&a),
        Some(Command::Healthcheck(a)) => commands::healthcheck::run(&a),
        Some(Command::Ingest(a)) => commands::ingest::run(&g, &a),
        Some(Command::Simulate(a)) => commands::analytics::simulate(&g, &a),
        Some(Command::Scan(a)) => commands::analytics::scan(&g, &a),
        Some(Command::Dashboard(a)) => commands::dashboard::run(&g, &a),
        None => commands::dashboard::run(&g, &crate::cli::DashboardArgs::default()),
        Some(Command::Backtest(a)) => commands::analytics::backtest(&g, &a),
        Some(Command::Futures(a)) => commands::futures::run(&g, &a),
        Some(Command::Serve(a)) => commands::serve::run(&g, &a),
        Some(Command::Status(a)) => commands::status::run(&g, &a),
        Some(Command::Store(a)) => commands::store::run(&g, &a),
        Some(Command::Bets(a)) => commands::bets::run(&g, &a),
        Some(Command::Data(a)) => commands::data::run(&g, &a),
    }
}
