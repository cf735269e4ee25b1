//! Log setup at the binary edge: text or JSON lines to stderr, level from config and -v/-q.

use crate::cli::{GlobalArgs, LogFormat};
use crate::config::Config;
use tracing_subscriber::EnvFilter;

pub fn json_output(g: &GlobalArgs, cfg: &Config) -> bool {
    match g.log_format {
        Some(f) => f == LogFormat::Json,
        None => cfg.logging.format == "json",
    }
}

pub fn color_enabled(g: &GlobalArgs) -> bool {
    !g.no_color && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Installs the global subscriber once; later calls are ignored (tests call it repeatedly).
/// The filter directive from `logging.level` moved by `-v`/`-q` (`nflreadpy_betting=debug,warn`).
pub fn directive(g: &GlobalArgs, cfg: &Config) -> String {
    const LEVELS: [&str; 5] = ["error", "warn", "info", "debug", "trace"];
    let base = LEVELS
        .iter()
        .position(|l| *l == cfg.logging.level)
        .unwrap_or(2) as i32;
    let idx = (base + g.verbose as i32 - g.quiet as i32).clamp(0, 4) as usize;
    format!("nflreadpy_betting={},warn", LEVELS[idx])
}

/// `NFLREADPY_BETTING_LOG` when set, else [`directive`]: the same for stderr and the log pane.
pub fn filter(g: &GlobalArgs, cfg: &Config) -> EnvFilter {
    EnvFilter::try_from_env("NFLREADPY_BETTING_LOG")
        .unwrap_or_else(|_| EnvFilter::new(directive(g, cfg)))
}

pub fn init(g: &GlobalArgs, cfg: &Config) {
    let filter = filter(g, cfg);
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // A closed stderr (a parent that stopped reading, a detached SSH session) must not stop
        // the process: by default the subscriber reports a failed write with `eprintln!`, which
        // panics on that same closed pipe and kills whichever task was logging.
        .log_internal_errors(false)
        .with_target(false);
    let _ = if json_output(g, cfg) {
        builder.json().with_current_span(false).try_init()
    } else {
        // Escape codes only where a terminal renders them, not in files, pipes or journald.
        let ansi = color_enabled(g) && std::io::IsTerminal::is_terminal(&std::io::stderr());
        builder.with_ansi(ansi).try_init()
    };
}

/// One line to stderr for the person at the terminal, ignoring a closed stream (`eprintln!`
/// panics on one, which would take a long-running command down with it).
pub fn stderr_line(line: impl std::fmt::Display) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{line}");
}
