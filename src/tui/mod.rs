//! The full-screen dashboard. It reads `Snapshot`s and sends `Command`s through an
//! `EngineHandle`; it never reaches into the engine, the store or the clock while drawing.
//!
//! Layout of the module: `command` (the one grammar), `keymap` and `theme` (data files),
//! `view` (view state), `app` (input -> state + effects), `ui` (pure drawing),
//! `event_loop` (redraw policy), `terminal` (raw mode, signals, panic restore).

pub mod app;
pub mod command;
pub mod event_loop;
pub mod keymap;
pub mod terminal;
pub mod theme;
pub mod ui;
pub mod view;

#[cfg(test)]
mod snapshot_tests;

use crate::config::schema::DashboardConfig;
use crate::engine::EngineHandle;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tokio::sync::mpsc;

pub use event_loop::{run_loop, AppEvent};
pub use ui::draw;

/// How the dashboard looks and behaves; build with `from_config` and adjust from CLI flags.
#[derive(Debug, Clone, PartialEq)]
pub struct TuiOptions {
    /// Snapshot cadence the engine was asked for (shown; redraws follow snapshot changes).
    pub refresh_seconds: f64,
    /// Theme name: a built-in (`default`, `mono`, `high-contrast`, `colorblind`) or a file stem in
    /// `themes_dir`.
    pub theme: String,
    /// Force the `mono` theme (set it from `--no-color` or `NO_COLOR`, see `logging::color_enabled`).
    pub no_color: bool,
    /// Use the ASCII glyph fallbacks (default: when the locale is not UTF-8).
    pub ascii: bool,
    /// User key map laid over the built-in one; a missing file is fine.
    pub keymap_path: Option<PathBuf>,
    /// Directory of user theme files that override built-ins by name.
    pub themes_dir: Option<PathBuf>,
    pub max_fps: u32,
    /// Hide and refuse commands that change production state.
    pub read_only: bool,
    /// Where `:export` writes when no path is given.
    pub export_dir: PathBuf,
}

impl Default for TuiOptions {
    fn default() -> Self {
        TuiOptions::from_config(&DashboardConfig::default(), false, false)
    }
}

impl TuiOptions {
    pub fn from_config(cfg: &DashboardConfig, read_only: bool, no_color: bool) -> TuiOptions {
        let opt_path = |s: &str| (!s.is_empty()).then(|| PathBuf::from(s));
        TuiOptions {
            refresh_seconds: cfg.refresh_seconds,
            theme: cfg.theme.clone(),
            no_color,
            ascii: !theme::unicode_locale(),
            keymap_path: opt_path(&cfg.keymap_path),
            themes_dir: opt_path(&cfg.themes_dir),
            max_fps: cfg.max_fps,
            read_only,
            export_dir: PathBuf::from(&cfg.export_dir),
        }
    }
}

/// Routes `tracing` into the log pane. Call it instead of `logging::init` when the dashboard runs
/// full-screen (stderr is the screen); returns false when a global subscriber already exists.
pub fn init_tui_logging(filter: tracing_subscriber::EnvFilter) -> bool {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    if TUI_LOGGING.get().is_some() {
        return true; // already ours: the first call's filter stands
    }
    let _ = tui_logger::init_logger(tui_logger::LevelFilter::Trace);
    tui_logger::set_default_level(tui_logger::LevelFilter::Trace);
    let ok = tracing_subscriber::registry()
        .with(filter)
        .with(tui_logger::TuiTracingSubscriberLayer)
        .try_init()
        .is_ok();
    if ok {
        let _ = TUI_LOGGING.set(());
    }
    ok
}

/// Set once the log pane's subscriber is the process's.
static TUI_LOGGING: std::sync::OnceLock<()> = std::sync::OnceLock::new();

/// The warning the dashboard shows when logs cannot reach the log pane: only when another
/// subscriber, not ours, was installed first. (`dashboard` installs ours with the `-v` and
/// `logging.level` filter before starting, so a normal start shows none.)
pub fn log_pane_warning(
    default_filter: impl FnOnce() -> tracing_subscriber::EnvFilter,
) -> Option<String> {
    if init_tui_logging(default_filter()) {
        None
    } else {
        Some("a log subscriber was installed before the dashboard started: logs bypass the log pane (call tui::init_tui_logging instead)".into())
    }
}

/// Opens the full-screen dashboard over `handle` until the user quits or a signal arrives.
/// The terminal is restored on every way out, panics included.
pub async fn run(handle: EngineHandle, opts: TuiOptions) -> anyhow::Result<()> {
    let read_only = opts.read_only || handle.read_only();
    let mut app = app::App::new(&TuiOptions {
        read_only,
        ..opts.clone()
    });
    app.view.live_log = true;
    if let Some(w) = log_pane_warning(|| {
        tracing_subscriber::EnvFilter::try_from_env("NFLREADPY_BETTING_LOG")
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("nflreadpy_betting=info,warn"))
    }) {
        app.view.warnings.push(w);
    }
    for w in &app.view.warnings {
        tracing::warn!("{w}");
    }
    let mut guard = terminal::TerminalGuard::enter()?;
    let (tx, mut rx) = mpsc::channel(256);
    let stop = Arc::new(AtomicBool::new(false));
    let paused = Arc::new(AtomicBool::new(false));
    let input = terminal::spawn_input_thread(tx.clone(), stop.clone(), paused.clone());
    terminal::spawn_signal_task(tx);
    let mut host = terminal::TerminalHost {
        input_paused: paused,
    };
    let result = run_loop(
        &mut guard.terminal,
        &mut app,
        &handle,
        &mut rx,
        opts.max_fps,
        &mut host,
        &event_loop::system_clock,
    )
    .await;
    stop.store(true, Ordering::SeqCst);
    drop(rx);
    drop(guard);
    let _ = input.join();
    result
}
