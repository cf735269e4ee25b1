//! Bearer-token check (constant time) and a per-client rate limit. Browsers cannot put
//! a header on an `EventSource`, so the web view sends the same token as the
//! `nflreadpy_token` cookie (set by the page, `SameSite=Strict`, so no other site's request
//! carries it).

use super::problem::Problem;
use super::ApiState;
use axum::extract::ConnectInfo;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::Clock;
use std::borrow::Cow;
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;

/// Wrong tokens a client may present per second (and in one burst) before it is shut out for
/// a while: enough for a person mistyping, far too few to guess a token.
pub const AUTH_FAILURES_PER_SECOND: f64 = 10.0;
/// How long a client that spent its wrong-token budget is refused without a look at its token.
pub const AUTH_LOCKOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Throttles clients that keep presenting wrong tokens. While a client is locked out every
/// request of it is refused before its token is compared, so the answers tell a guesser
/// nothing.
pub struct AuthThrottle {
    failures: ClientLimiter,
    locked: std::sync::Mutex<std::collections::HashMap<IpAddr, std::time::Instant>>,
}

impl Default for AuthThrottle {
    fn default() -> Self {
        AuthThrottle {
            failures: ClientLimiter::new(AUTH_FAILURES_PER_SECOND),
            locked: std::sync::Mutex::new(std::collections::HashMap::new()),
        }
    }
}

impl AuthThrottle {
    /// The time left of `client`'s lockout, if any.
    fn locked_for(&self, client: IpAddr) -> Option<std::time::Duration> {
        let mut locked = self.locked.lock().unwrap_or_else(|e| e.into_inner());
        let now = std::time::Instant::now();
        locked.retain(|_, until| *until > now);
        locked.get(&client).map(|until| *until - now)
    }

    /// Counts a wrong token; true when it spent the budget and the client is now locked out.
    fn failed(&self, client: IpAddr) -> bool {
        if self.failures.check(client).is_ok() {
            return false;
        }
        let mut locked = self.locked.lock().unwrap_or_else(|e| e.into_inner());
        if locked.len() < 100_000 {
            locked.insert(client, std::time::Instant::now() + AUTH_LOCKOUT);
        }
        true
    }
}

fn too_many(wait: std::time::Duration, detail: &str) -> Response {
    let mut resp = Problem::new(StatusCode::TOO_MANY_REQUESTS, detail).into_response();
    let secs = wait.as_secs_f64().ceil().max(1.0) as u64;
    if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
        resp.headers_mut().insert(header::RETRY_AFTER, v);
    }
    resp
}

pub async fn require_token(State(state): State<ApiState>, req: Request, next: Next) -> Response {
    if let Some(token) = &state.token {
        let client = client_of(&req);
        if let Some(wait) = state.auth_throttle.locked_for(client) {
            return too_many(
                wait,
                "too many wrong tokens from this client; wait and retry",
            );
        }
        let bearer = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        let presented = match bearer {
            Some(b) => Cow::Borrowed(b),
            None => token_cookie(&req).unwrap_or_default(),
        };
        if !token.matches(presented.as_bytes()) {
            // A request with no token at all guesses nothing; only wrong tokens count.
            if !presented.is_empty() && state.auth_throttle.failed(client) {
                return too_many(
                    AUTH_LOCKOUT,
                    "too many wrong tokens from this client; wait and retry",
                );
            }
            let mut resp =
                Problem::new(StatusCode::UNAUTHORIZED, "a valid bearer token is required")
                    .into_response();
            resp.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            return resp;
        }
    }
    next.run(req).await
}

pub const TOKEN_COOKIE: &str = "nflreadpy_token";

/// Who may reach the server through a browser. A page on another site can make the browser
/// send "simple" requests (a form or `text/plain` POST, no preflight) to a loopback server,
/// and DNS rebinding lets it read answers under its own name; neither has a token to stop it
/// when none is configured.
#[derive(Debug, Clone)]
pub struct OriginPolicy {
    /// Host names (no port, lower case) the server answers to; empty means any (a server bound
    /// to every interface with no `api.allowed_hosts` cannot know its names).
    pub hosts: Vec<String>,
    /// `api.cors_origins`: other origins whose pages may call the API.
    pub cors_origins: Vec<String>,
}

impl OriginPolicy {
    /// The names a server bound to `bind` answers to: its address, `localhost` on loopback, and
    /// `extra` (`api.allowed_hosts`).
    pub fn new(bind: &str, extra: &[String], cors_origins: &[String]) -> OriginPolicy {
        let mut hosts: Vec<String> = extra
            .iter()
            .map(|h| h.trim().to_ascii_lowercase())
            .collect();
        if let Ok(addr) = bind.parse::<SocketAddr>() {
            if addr.ip().is_unspecified() {
                if extra.is_empty() {
                    hosts.clear();
                }
            } else {
                hosts.push(match addr.ip() {
                    IpAddr::V6(v6) => format!("[{v6}]"),
                    IpAddr::V4(v4) => v4.to_string(),
                });
                if addr.ip().is_loopback() {
                    hosts.extend(["localhost".to_string(), "127.0.0.1".into(), "[::1]".into()]);
                }
            }
        }
        OriginPolicy {
            hosts,
            cors_origins: cors_origins
                .iter()
                .map(|o| o.trim_end_matches('/').to_ascii_lowercase())
                .collect(),
        }
    }

    fn host_allowed(&self, host: &str) -> bool {
        self.hosts.is_empty() || self.hosts.iter().any(|h| h == &host_name(host))
    }
}

/// `Host` without its port, lower case (`[::1]:8080` -> `[::1]`).
fn host_name(host: &str) -> String {
    let h = host.trim().to_ascii_lowercase();
    if h.starts_with('[') {
        return h
            .split_inclusive(']')
            .next()
            .unwrap_or_default()
            .to_string();
    }
    h.split(':').next().unwrap_or_default().to_string()
}

fn forbidden(status: StatusCode, detail: &str) -> Response {
    Problem::new(status, detail).into_response()
}

/// Host, content type and origin checks in front of every route but the probes: the `Host`
/// must be one the server was bound for; a request that changes anything must be JSON (which
/// a browser cannot send cross-site without a preflight this server never grants) and, when it
/// names an `Origin`, come from the server's own origin or one of `api.cors_origins`.
pub async fn same_origin(
    State(policy): State<std::sync::Arc<OriginPolicy>>,
    req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path();
    if path == "/healthz" || path == "/readyz" {
        return next.run(req).await;
    }
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    if let Some(h) = &host {
        if !policy.host_allowed(h) {
            return forbidden(
                StatusCode::FORBIDDEN,
                "this server does not answer to that Host name (add it to api.allowed_hosts)",
            );
        }
    }
    let safe = matches!(
        *req.method(),
        axum::http::Method::GET | axum::http::Method::HEAD | axum::http::Method::OPTIONS
    );
    if !safe {
        let json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"));
        if !json {
            return forbidden(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "a request that changes anything must be sent as Content-Type: application/json",
            );
        }
        if let Some(origin) = req.headers().get(header::ORIGIN) {
            let origin = origin.to_str().unwrap_or_default().to_ascii_lowercase();
            let own = host.as_deref().is_some_and(|h| {
                let h = h.to_ascii_lowercase();
                origin == format!("http://{h}") || origin == format!("https://{h}")
            });
            if !own && !policy.cors_origins.contains(&origin) {
                return forbidden(
                    StatusCode::FORBIDDEN,
                    "cross-origin request refused: the Origin is neither this server nor one of api.cors_origins",
                );
            }
        }
    }
    next.run(req).await
}

/// The cookie's value, percent-decoded (the page encodes it so any token survives `;` and `=`).
fn token_cookie(req: &Request) -> Option<Cow<'_, str>> {
    req.headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == TOKEN_COOKIE)
        .and_then(|(_, value)| {
            percent_encoding::percent_decode_str(value)
                .decode_utf8()
                .ok()
        })
}

/// Requests per second per client (by peer address), with a burst of one second's worth.
/// Keyed, so one noisy client cannot spend another's budget; it runs after authentication and
/// never in front of `/healthz` or `/readyz`.
pub struct ClientLimiter {
    limiter: governor::DefaultKeyedRateLimiter<IpAddr>,
    clock: governor::clock::DefaultClock,
}

impl ClientLimiter {
    pub fn new(rate_per_second: f64) -> Self {
        let rate = if rate_per_second.is_finite() {
            rate_per_second.clamp(0.001, 1e6)
        } else {
            1.0
        };
        let period = crate::duration::secs_clamped(
            1.0 / rate,
            std::time::Duration::from_micros(1),
            std::time::Duration::from_secs(1000),
        );
        let burst = NonZeroU32::new(rate.ceil().clamp(1.0, 1e6) as u32).unwrap_or(NonZeroU32::MIN);
        let quota = governor::Quota::with_period(period)
            .unwrap_or_else(|| governor::Quota::per_second(NonZeroU32::MIN))
            .allow_burst(burst);
        ClientLimiter {
            limiter: governor::RateLimiter::keyed(quota),
            clock: governor::clock::DefaultClock::default(),
        }
    }

    /// Takes one request from `client`'s budget; on refusal, the wait until the next is allowed.
    pub fn check(&self, client: IpAddr) -> Result<(), std::time::Duration> {
        // Forget idle clients now and then, so the table stays small.
        if self.limiter.len() > 10_000 {
            self.limiter.retain_recent();
        }
        self.limiter
            .check_key(&client)
            .map_err(|not_until| not_until.wait_time_from(self.clock.now()))
    }
}

/// The peer address when the server was started with connect info; loopback otherwise.
fn client_of(req: &Request) -> IpAddr {
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::V4(std::net::Ipv4Addr::LOCALHOST))
}

pub async fn rate_limit(State(state): State<ApiState>, req: Request, next: Next) -> Response {
    match state.limiter.check(client_of(&req)) {
        Ok(()) => next.run(req).await,
        Err(wait) => {
            let mut resp =
                Problem::new(StatusCode::TOO_MANY_REQUESTS, "request rate limit exceeded")
                    .into_response();
            let secs = wait.as_secs_f64().ceil().max(1.0) as u64;
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                resp.headers_mut().insert(header::RETRY_AFTER, v);
            }
            resp
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limiter_refuses_past_its_burst_per_client() {
        let b = ClientLimiter::new(2.0);
        let (a, c) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        assert!(b.check(a).is_ok());
        assert!(b.check(a).is_ok());
        assert!(b.check(a).is_err());
        assert!(b.check(c).is_ok(), "another client has its own budget");
        for odd in [0.0, -1.0, f64::NAN, f64::INFINITY, 1e300, 1e-300] {
            let _ = ClientLimiter::new(odd).check(a);
        }
    }
}
