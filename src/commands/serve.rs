//! `serve`: the REST API, probes, metrics and web view, over an engine run here or attached.

use super::{load_config, Failure, Outcome};
use crate::api::{self, ApiSettings, ApiState};
use crate::cli::{GlobalArgs, ServeArgs};
use crate::engine::{Engine, EngineOptions, Mode};
use anyhow::Context;
use std::path::PathBuf;

pub fn run(g: &GlobalArgs, a: &ServeArgs) -> Outcome {
    let loaded = load_config(g)?;
    let cfg = loaded.config;
    crate::logging::init(g, &cfg);
    let settings = ApiSettings {
        bind: a.bind.clone().unwrap_or_else(|| cfg.api.bind.clone()),
        token: cfg.api.token.clone(),
        cors_origins: cfg.api.cors_origins.clone(),
        rate_limit_per_second: cfg.api.rate_limit_per_second,
        max_body_bytes: cfg.api.max_body_bytes,
        allowed_hosts: cfg.api.allowed_hosts.clone(),
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    rt.block_on(async move {
        let (listener, addr) = api::bind(&settings).await.map_err(|e| match e {
            api::ApiError::Listen(..) => Failure::Runtime(e.into()),
            _ => Failure::Usage(format!("error: {e}")),
        })?;
        let mode = if a.attach { Mode::Attach } else { Mode::Live };
        let opts = EngineOptions::new(mode, cfg.dashboard.refresh_seconds, cfg.analytics.iterations.dashboard);
        let (store, writer_thread) = crate::store::Store::open(&cfg, mode == Mode::Live)
            .await
            .map_err(|e| Failure::Runtime(anyhow::Error::new(e).context("opening the store")))?;
        let api_store = store.read_only();
        let api_writer = store.clone();
        let (handle, engine) = Engine::start_on(cfg.clone(), opts, store, writer_thread)
            .map_err(|e| Failure::Runtime(e.into()))?;
        let state = ApiState::new(handle, api_store, &settings)
            .with_writer(api_writer)
            .with_calibration(PathBuf::from(&cfg.analytics.ratings.games_path), cfg.analytics.clone())
            .with_evaluation(
                PathBuf::from(&cfg.analytics.ratings.odds_path),
                cfg.ingestion.plausibility.clone(),
            );
        // The backtest behind /calibration takes seconds; start it now so the first request
        // waits less (requests that come earlier wait on the same computation).
        let warm = state.clone();
        tokio::spawn(async move {
            let _ = warm.calibration().await;
        });
        let app = api::router(state, &settings);
        crate::logging::stderr_line(format_args!("Serving on http://{addr}/ (API under /api/v1, probes /healthz /readyz, metrics /metrics). Ctrl+C to stop."));
        let mut engine = engine;
        let served = tokio::select! {
            r = api::serve(listener, app, shutdown_signal()) => r.context("serving HTTP").map_err(Failure::Runtime),
            why = engine.failed() => {
                tracing::error!(panic = %why, "the engine stopped; exiting so the process manager restarts it");
                Err(Failure::Runtime(anyhow::anyhow!("the engine stopped: {why}")))
            }
        };
        engine.shutdown().await;
        served
    })
}

async fn shutdown_signal() {
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(t) => t,
        Err(_) => return std::future::pending().await,
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}
