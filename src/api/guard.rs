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

pub async fn require_token(State(state): State<ApiState>, req: Request, next: Next) -> Response {
    if let Some(token) = &state.token {
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
