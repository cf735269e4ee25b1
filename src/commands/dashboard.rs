//! `dashboard` (also the default command): the engine in background tasks and the full-screen
//! UI, or its headless twin printing one snapshot per refresh.

use super::{load_config, Failure, Outcome};
use crate::cli::{DashboardArgs, GlobalArgs};
use crate::duration;
use crate::engine::{Engine, EngineOptions, Mode};
use crate::frontends::headless;
use crate::tui;
use anyhow::Context;
use std::io::IsTerminal;

pub fn run(g: &GlobalArgs, a: &DashboardArgs) -> Outcome {
    let loaded = load_config(g)?;
    let mut cfg = loaded.config;
    let refresh = match a.refresh {
        Some(Some(s)) => {
            duration::secs(s, duration::MIN_REFRESH, duration::MAX_REFRESH)
                .map_err(|e| Failure::Usage(format!("error: --refresh: {e}")))?;
            s
        }
        _ => cfg.dashboard.refresh_seconds,
    };
    cfg.dashboard.refresh_seconds = refresh;
    if let Some(t) = &a.theme {
        cfg.dashboard.theme = t.clone();
    }
    let duration = match &a.duration {
        Some(d) => Some(
            duration::parse_bounded(d, duration::MAX_RUN)
                .map_err(|e| Failure::Usage(format!("error: --duration: {e}")))?,
        ),
        None => None,
    };
    if !a.headless && !std::io::stdout().is_terminal() {
        return Err(Failure::Usage(
            "error: the dashboard needs a terminal, and stdout is not one.\n\
             For scripts and cron use `nflreadpy-betting dashboard --headless` (add --log-format json for JSON lines)."
                .into(),
        ));
    }
    let mode = if a.attach { Mode::Attach } else { Mode::Live };
    let iterations = a.iterations.unwrap_or(cfg.analytics.iterations.dashboard);
    if a.headless {
        crate::logging::init(g, &cfg);
    } else {
        // The log pane honours -v/-q and logging.level, as stderr does headless.
        tui::init_tui_logging(crate::logging::filter(g, &cfg));
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    rt.block_on(async {
        let mut opts = EngineOptions::new(mode, refresh, iterations);
        opts.terminal_alerts_json = a.headless && crate::logging::json_output(g, &cfg);
        let (store, writer_thread) = crate::store::Store::open(&cfg, mode == Mode::Live)
            .await
            .map_err(|e| Failure::Runtime(anyhow::Error::new(e).context("opening the store")))?;
        let (handle, mut engine) = Engine::start_on(cfg.clone(), opts, store, writer_thread)
            .map_err(|e| Failure::Usage(format!("error: {e}")))?;
        let front = async {
            if a.headless {
                let hopts = headless::HeadlessOptions {
                    refresh_seconds: refresh,
                    json: crate::logging::json_output(g, &cfg),
                    cycles: a.cycles,
                    duration,
                };
                match headless::run(handle, hopts).await {
                    Ok(true) => Ok(()),
                    Ok(false) => Err(Failure::Code(1)),
                    Err(e) => Err(Failure::Runtime(e)),
                }
            } else {
                let topts = tui::TuiOptions::from_config(
                    &cfg.dashboard,
                    a.attach,
                    !crate::logging::color_enabled(g),
                );
                tui::run(handle, topts).await.map_err(Failure::Runtime)
            }
        };
        // A panicked engine ends the front end (the terminal is restored as the TUI drops).
        let result = tokio::select! {
            r = front => r,
            why = engine.failed() => {
                tracing::error!(panic = %why, "the engine stopped");
                Err(Failure::Runtime(anyhow::anyhow!("the engine stopped: {why}")))
            }
        };
        // Ingestion stops after the poll in flight; every acknowledged batch is committed.
        engine.shutdown().await;
        result
    })
}
