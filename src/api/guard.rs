//! Bearer-token check (constant time) and a global token-bucket rate limit. Browsers cannot put
//! a header on an `EventSource`, so the web view sends the same token as the
//! `nflreadpy_token` cookie (set by the page, `SameSite=Strict`, so no other site's request
//! carries it).

use super::problem::Problem;
use super::ApiState;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::borrow::Cow;
use std::sync::Mutex;
use std::time::Instant;

/// Compares without an early exit, so response time says nothing about how much matched.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = (a.len() ^ b.len()) as u8;
    for i in 0..a.len().max(b.len()) {
        diff |= a.get(i).copied().unwrap_or(0) ^ b.get(i).copied().unwrap_or(0xff);
    }
    diff == 0
}

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
        if !constant_time_eq(presented.as_bytes(), token.as_bytes()) {
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

pub struct TokenBucket {
    rate: f64,
    burst: f64,
    state: Mutex<(f64, Instant)>,
}

impl TokenBucket {
    pub fn new(rate_per_second: f64) -> Self {
        let burst = rate_per_second.max(1.0);
        TokenBucket {
            rate: rate_per_second.max(0.001),
            burst,
            state: Mutex::new((burst, Instant::now())),
        }
    }

    /// Takes one token; on refusal returns the seconds until one is available.
    pub fn take(&self) -> Result<(), f64> {
        let Ok(mut s) = self.state.lock() else {
            return Ok(());
        };
        let now = Instant::now();
        let refill = now.duration_since(s.1).as_secs_f64() * self.rate;
        s.0 = (s.0 + refill).min(self.burst);
        s.1 = now;
        if s.0 >= 1.0 {
            s.0 -= 1.0;
            Ok(())
        } else {
            Err((1.0 - s.0) / self.rate)
        }
    }
}

pub async fn rate_limit(State(state): State<ApiState>, req: Request, next: Next) -> Response {
    match state.limiter.take() {
        Ok(()) => next.run(req).await,
        Err(wait) => {
            let mut resp =
                Problem::new(StatusCode::TOO_MANY_REQUESTS, "request rate limit exceeded")
                    .into_response();
            let secs = wait.ceil().max(1.0) as u64;
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
    fn constant_time_eq_is_equality() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
        assert!(!constant_time_eq(b"", b"a"));
        assert!(constant_time_eq(b"", b""));
    }

    #[test]
    fn bucket_refuses_past_its_burst() {
        let b = TokenBucket::new(2.0);
        assert!(b.take().is_ok());
        assert!(b.take().is_ok());
        assert!(b.take().is_err());
    }
}
