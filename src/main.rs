use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = nflreadpy_betting::cli::Cli::parse();
    nflreadpy_betting::app::run(cli)
}
