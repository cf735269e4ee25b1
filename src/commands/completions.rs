//! `completions`: the shell completion script for the CLI, on stdout.

use super::outcome::Outcome;
use crate::cli::{Cli, CompletionsArgs};
use clap::CommandFactory;

pub fn run(a: &CompletionsArgs) -> Outcome {
    let mut cmd = Cli::command();
    clap_complete::generate(
        a.shell,
        &mut cmd,
        "nflreadpy-betting",
        &mut std::io::stdout(),
    );
    Ok(())
}
