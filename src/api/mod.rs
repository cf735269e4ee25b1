//! The HTTP service: REST API for automation, health probes, Prometheus metrics and the web view
//! for the trading desk. It reads the same engine snapshots and store as the terminal front ends.

mod guard;
mod params;
mod problem;
mod routes;

pub use crate::secret::constant_time_eq;
pub use problem::Problem;

use crate::engine::EngineHandle;
use crate::secret::Secret;
use crate::store::{self, Store};
use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue, Method};
use axum::middleware;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use thiserror::Error;
use tower_http::cors::{AllowOrigin, CorsLayer};

#[derive(Clone)]
pub struct ApiState {
    pub handle: EngineHandle,
    pub store: Store,
    /// The process's writable store, when it has one (bets are recorded through it).
    pub writer: Option<Store>,
    pub token: Option<Secret>,
    limiter: Arc<guard::ClientLimiter>,
    auth_throttle: Arc<guard::AuthThrottle>,
    /// Backtest behind `/calibration`: computed once, on first request.
    calibration: Arc<tokio::sync::OnceCell<Result<serde_json::Value, String>>>,
    calibration_source: Option<(PathBuf, crate::config::AnalyticsConfig)>,
    /// The real-market evaluation behind `/evaluation`: computed once.
    evaluation: Arc<tokio::sync::OnceCell<Result<serde_json::Value, String>>>,
    /// The odds archive it evaluates (`analytics.ratings.odds_path`) and the plausibility guard.
    evaluation_odds: Option<(PathBuf, crate::config::schema::PlausibilityConfig)>,
}

#[derive(Debug, Clone)]
pub struct ApiSettings {
    pub bind: String,
    pub token: Option<Secret>,
    pub cors_origins: Vec<String>,
    pub rate_limit_per_second: f64,
    pub max_body_bytes: usize,
    /// `api.allowed_hosts`: names besides the bound address the `Host` header may carry.
    pub allowed_hosts: Vec<String>,
}

#[derive(Debug, Error)]
pub enum ApiError {
    #[error("cannot bind {0}: expected HOST:PORT such as 127.0.0.1:8080")]
    BadBind(String),
    #[error("refusing to serve on non-loopback address {0} without a bearer token (set api.token, e.g. ${{NFLREADPY_API_TOKEN}})")]
    TokenRequired(String),
    #[error("cannot listen on {0}: {1}")]
    Listen(String, std::io::Error),
}

impl ApiState {
    pub fn new(handle: EngineHandle, store: Store, settings: &ApiSettings) -> Self {
        ApiState {
            handle,
            store,
            writer: None,
            token: settings.token.clone().filter(|t| !t.is_empty()),
            limiter: Arc::new(guard::ClientLimiter::new(settings.rate_limit_per_second)),
            auth_throttle: Arc::new(guard::AuthThrottle::default()),
            calibration: Arc::new(tokio::sync::OnceCell::new()),
            calibration_source: None,
            evaluation: Arc::new(tokio::sync::OnceCell::new()),
            evaluation_odds: None,
        }
    }

    /// Lets `POST /api/v1/bets` record through this process's writable store.
    pub fn with_writer(mut self, store: Store) -> Self {
        self.writer = store.is_writable().then_some(store);
        self
    }

    /// The games file and analytics settings `/calibration` backtests with.
    pub fn with_calibration(
        mut self,
        games: PathBuf,
        analytics: crate::config::AnalyticsConfig,
    ) -> Self {
        self.calibration_source = Some((games, analytics));
        self
    }

    /// The odds archive `/evaluation` evaluates against the calibration's games file.
    pub fn with_evaluation(
        mut self,
        odds: PathBuf,
        plausibility: crate::config::schema::PlausibilityConfig,
    ) -> Self {
        self.evaluation_odds = Some((odds, plausibility));
        self
    }

    /// `backtest --odds` of the configured archive (the same document), computed once.
    pub async fn evaluation(&self) -> Result<serde_json::Value, Problem> {
        let (Some((odds, plausibility)), Some((games, cfg))) = (
            self.evaluation_odds.clone(),
            self.calibration_source.clone(),
        ) else {
            return Err(Problem::not_found(
                "the real-market evaluation is not configured for this server",
            ));
        };
        computed_once(
            &self.evaluation,
            "evaluation",
            "the real-market evaluation is unavailable: the odds archive or the games file could not be read",
            move || {
                let loaded = crate::evaluation::Loaded::from_paths(&odds, &games)
                    .map_err(|e| e.to_string())?;
                let (eval, _) = crate::evaluation::evaluate(&loaded, &cfg, &plausibility)
                    .map_err(|e| e.to_string())?;
                serde_json::to_value(eval).map_err(|e| e.to_string())
            },
        )
        .await
    }

    /// Walk-forward backtest of the five latest complete seasons, computed once.
    pub async fn calibration(&self) -> Result<serde_json::Value, Problem> {
        let Some((games, cfg)) = self.calibration_source.clone() else {
            return Err(Problem::not_found(
                "calibration is not configured for this server",
            ));
        };
        computed_once(
            &self.calibration,
            "calibration",
            "calibration is unavailable: the games file could not be read",
            move || {
                let games = crate::pricing::games::load_games(&games).map_err(|e| e.to_string())?;
                let last = games
                    .iter()
                    .filter(|g| g.home_score.is_some() && g.home_moneyline.is_some())
                    .map(|g| g.season)
                    .max();
                let Some(end) = last else {
                    return Err("no finished games with moneylines".to_string());
                };
                let (report, _) = crate::pricing::backtest::run(&games, &cfg, end - 4, end);
                serde_json::to_value(report).map_err(|e| e.to_string())
            },
        )
        .await
    }
}

/// A document computed once per server, off the async workers; requests that come while it is
/// computed wait for the same result. A failure answers 503 with `unavailable`, the cause in
/// the log only (and it is not retried: the inputs are files read at the first request).
async fn computed_once(
    cell: &tokio::sync::OnceCell<Result<serde_json::Value, String>>,
    what: &'static str,
    unavailable: &'static str,
    work: impl FnOnce() -> Result<serde_json::Value, String> + Send + 'static,
) -> Result<serde_json::Value, Problem> {
    let res = cell
        .get_or_init(|| async move {
            tokio::task::spawn_blocking(work)
                .await
                .map_err(|e| e.to_string())?
        })
        .await;
    res.clone().map_err(|e| {
        tracing::warn!(error = %e, "{what} failed");
        Problem::new(axum::http::StatusCode::SERVICE_UNAVAILABLE, unavailable)
    })
}

/// A failed store read as the API answers it: 503, the cause in the log only.
pub(crate) fn unreadable(e: store::StoreError) -> Problem {
    tracing::warn!(error = %e, "api store read failed");
    Problem::new(
        axum::http::StatusCode::SERVICE_UNAVAILABLE,
        "the store is not readable right now",
    )
}

pub fn router(state: ApiState, settings: &ApiSettings) -> Router {
    // Layers run outermost-last: the token check first, then the client's rate limit.
    let limit = || middleware::from_fn_with_state(state.clone(), guard::rate_limit);
    let auth = || middleware::from_fn_with_state(state.clone(), guard::require_token);
    let api = Router::new()
        .route("/markets", get(routes::markets))
        .route("/markets/stream", get(routes::markets_stream))
        .route("/opportunities", get(routes::opportunities))
        .route("/line-history", get(routes::line_history))
        .route("/simulations/latest", get(routes::simulations_latest))
        .route("/alerts", get(routes::alerts))
        .route("/alerts/{id}/ack", post(routes::ack_alert))
        .route("/filters", get(routes::filters))
        .route("/calibration", get(routes::calibration))
        .route("/evaluation", get(routes::evaluation))
        .route("/portfolio", get(routes::portfolio))
        .route("/arbitrage", get(routes::arbitrage))
        .route("/middles", get(routes::middles))
        .route("/steam", get(routes::steam))
        .route("/books", get(routes::books))
        .route("/futures", get(routes::futures))
        .route("/bets", get(routes::bets))
        .route("/bets", post(routes::add_bet))
        .route("/bets/report", get(routes::bets_report))
        .route("/status", get(routes::status))
        .route("/scan", post(routes::scan))
        .route("/ingest/pause", post(routes::pause_ingest))
        .route("/ingest/resume", post(routes::resume_ingest))
        .route("/export", post(routes::export))
        .route("/openapi.json", get(openapi))
        .fallback(routes::not_found)
        .layer(limit())
        .layer(auth());
    let pages = Router::new()
        .route(
            "/",
            get(|| asset("text/html; charset=utf-8", include_str!("web/index.html"))),
        )
        .route(
            "/app.js",
            get(|| asset("text/javascript; charset=utf-8", include_str!("web/app.js"))),
        )
        .route(
            "/style.css",
            get(|| asset("text/css; charset=utf-8", include_str!("web/style.css"))),
        )
        .route_layer(limit())
        .route("/metrics", get(metrics).layer(limit()).layer(auth()))
        .nest("/api/v1", api)
        .fallback(routes::not_found);
    // Probes answer whatever the traffic: no token, no rate limit.
    let policy = Arc::new(guard::OriginPolicy::new(
        &settings.bind,
        &settings.allowed_hosts,
        &settings.cors_origins,
    ));
    let mut app = Router::new()
        .route("/healthz", get(routes::healthz))
        .route("/readyz", get(routes::readyz))
        .merge(pages)
        .layer(DefaultBodyLimit::max(settings.max_body_bytes))
        .with_state(state)
        .layer(middleware::from_fn_with_state(policy, guard::same_origin));
    if !settings.cors_origins.is_empty() {
        let origins: Vec<HeaderValue> = settings
            .cors_origins
            .iter()
            .filter_map(|o| o.parse().ok())
            .collect();
        app = app.layer(
            CorsLayer::new()
                .allow_origin(AllowOrigin::list(origins))
                .allow_methods([Method::GET, Method::POST])
                .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE]),
        );
    }
    app
}

async fn asset(content_type: &'static str, body: &'static str) -> axum::response::Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

async fn openapi() -> axum::response::Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        include_str!("openapi.json"),
    )
        .into_response()
}

async fn metrics(
    axum::extract::State(st): axum::extract::State<ApiState>,
) -> axum::response::Response {
    let text = st.handle.metrics_text();
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response()
}

/// How long a client may take to send a request's headers. Without a bound, thousands of
/// connections that trickle a header byte now and then hold the server's sockets for good.
pub const HEADER_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);
/// How long shutdown waits for open connections (a stream never ends on its own).
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(5);

/// Serves `app` on `listener` over HTTP/1.1 with each request's peer address (which the
/// per-client limits key on) and [`HEADER_READ_TIMEOUT`]; on `shutdown`, stops accepting and
/// lets open requests finish for a short while.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(c) => c,
                Err(e) => {
                    // Out of file descriptors and the like: pause rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let service = hyper_util::service::TowerToHyperService::new(
            app.clone()
                .layer(axum::Extension(axum::extract::ConnectInfo(peer))),
        );
        let conn =
            graceful.watch(http.serve_connection(hyper_util::rt::TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, %peer, "connection ended");
            }
        });
    }
    drop(listener);
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown()).await;
    Ok(())
}

/// Checks the bind address against the token rule, then listens.
pub async fn bind(
    settings: &ApiSettings,
) -> Result<(tokio::net::TcpListener, SocketAddr), ApiError> {
    let addr: SocketAddr = settings
        .bind
        .parse()
        .map_err(|_| ApiError::BadBind(settings.bind.clone()))?;
    if !addr.ip().is_loopback() && settings.token.as_ref().is_none_or(|t| t.is_empty()) {
        return Err(ApiError::TokenRequired(settings.bind.clone()));
    }
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| ApiError::Listen(settings.bind.clone(), e))?;
    let local = listener
        .local_addr()
        .map_err(|e| ApiError::Listen(settings.bind.clone(), e))?;
    Ok((listener, local))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    /// (METHOD, path) of every `.route(...)` in the router above; routes of the `api` router
    /// are under `/api/v1`. The web page's assets are not part of the API document.
    fn routes_in_source() -> BTreeSet<(String, String)> {
        let src = include_str!("mod.rs");
        let body = &src[src.find("pub fn router(").unwrap_or(0)..];
        let body = &body[..body.find("\n}\n").unwrap_or(body.len())];
        let api_end = body.find("let pages").unwrap_or(0);
        let mut out = BTreeSet::new();
        let mut rest = body;
        let mut offset = 0;
        while let Some(i) = rest
            .find(".route(\n")
            .into_iter()
            .chain(rest.find(".route(\""))
            .min()
        {
            let after = &rest[i + ".route(".len()..];
            let q1 = after.find('"').unwrap();
            let path = &after[q1 + 1..];
            let path = &path[..path.find('"').unwrap()];
            let handler = &after[q1 + path.len() + 2..];
            let method = if handler
                .trim_start_matches([',', ' ', '\n'])
                .starts_with("post(")
            {
                "POST"
            } else {
                "GET"
            };
            let in_api = offset + i < api_end;
            let full = if in_api {
                format!("/api/v1{path}")
            } else {
                path.to_string()
            };
            if !["/", "/app.js", "/style.css"].contains(&full.as_str()) {
                out.insert((method.to_string(), full));
            }
            offset += i + ".route(".len();
            rest = after;
        }
        out
    }

    fn routes_in_document() -> BTreeSet<(String, String)> {
        let doc: serde_json::Value = serde_json::from_str(include_str!("openapi.json")).unwrap();
        let mut out = BTreeSet::new();
        for (path, ops) in doc["paths"].as_object().unwrap() {
            for method in ops.as_object().unwrap().keys() {
                out.insert((method.to_uppercase(), path.clone()));
            }
        }
        out
    }

    /// Issue 13, item 13: the OpenAPI document is written by hand, so it must name every route
    /// the router serves, and nothing else.
    #[test]
    fn every_route_is_in_the_openapi_document_and_back() {
        let served = routes_in_source();
        let documented = routes_in_document();
        assert!(served.len() >= 15, "{served:?}");
        let missing: Vec<_> = served.difference(&documented).collect();
        let extra: Vec<_> = documented.difference(&served).collect();
        assert!(missing.is_empty(), "served but not documented: {missing:?}");
        assert!(extra.is_empty(), "documented but not served: {extra:?}");
    }
}
