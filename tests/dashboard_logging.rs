//! Issue 13, item 10: the dashboard set its logger up twice, so the log pane's first line was
//! always the false "a log subscriber was installed before the dashboard started", and the
//! pane ignored `-v` and `logging.level`. Its own test binary: the subscriber is process-wide.

use nflreadpy_betting::cli::GlobalArgs;
use nflreadpy_betting::config::Config;
use nflreadpy_betting::{logging, tui};

#[test]
fn no_false_log_subscriber_warning_and_the_log_pane_honours_verbosity() {
    std::env::remove_var("NFLREADPY_BETTING_LOG");
    let mut cfg = Config::default();
    let mut g = GlobalArgs::default();
    assert_eq!(logging::directive(&g, &cfg), "nflreadpy_betting=info,warn");
    cfg.logging.level = "warn".into();
    assert_eq!(logging::directive(&g, &cfg), "nflreadpy_betting=warn,warn");
    g.verbose = 2;
    assert_eq!(logging::directive(&g, &cfg), "nflreadpy_betting=debug,warn");

    // What `dashboard` does before the UI starts, then what the UI checks.
    assert!(tui::init_tui_logging(logging::filter(&g, &cfg)));
    assert_eq!(
        tui::log_pane_warning(|| tracing_subscriber::EnvFilter::new("info")),
        None,
        "a normal start must not warn"
    );
    // The pane's filter is the one built from -vv and logging.level, not a fixed info.
    assert!(tracing::enabled!(target: "nflreadpy_betting::engine", tracing::Level::DEBUG));
    assert!(!tracing::enabled!(target: "nflreadpy_betting::engine", tracing::Level::TRACE));
}
