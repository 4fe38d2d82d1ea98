//! The middlewares around the Auth0 surface: the fixture's `latency_ms` and `rate_limits:`, its
//! `evidence_overrides:`, and Auth0's content types.
//!
//! Takes each request and the tenant's settings; gives the response, delayed, rate limited and
//! calibrated as the fixture says. The control API (`/__mock/...`) is never delayed nor limited. Both run
//! before routing, so they also cover answers that never reach a handler (404, 405), and the
//! delay covers 429s too (the router adds the rate limit first, so it runs last).
//!
//! Latency: every response waits `latency_ms` (a tokio timer, so other requests go on
//! meanwhile); a slow tenant shows whether clients and the harness cope with real network
//! delays. With `latency_ms: 0` (the default) the router leaves the layer out.
//!
//! Rate limits: the buckets of `rate_limit.rs` decide; this layer writes `X-RateLimit-*` on
//! every response of a limited endpoint, unless the response has its own (the MFA failure
//! limits' 429), and `Retry-After` on a 429 when the fixture asks for it.

use std::net::SocketAddr;
use std::time::{Duration, Instant, SystemTime};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::errors::{AuthError, too_many_requests};
use super::paths::{answers_with_charset, is_control_path};
use super::rate_limit::Decision;
use super::state::AppState;

/// The latency middleware: waits `latency_ms` before the request goes on.
pub async fn latency(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let delay = state.tenant().latency_ms;
    if delay > 0 && !is_control_path(request.uri().path()) {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    next.run(request).await
}

/// The rate-limit middleware: limits the Auth0 surface as the tenant's `rate_limits:` say.
pub async fn rate_limit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(limits) = &state.tenant().rate_limits else {
        return next.run(request).await;
    };
    let path = request.uri().path();
    if is_control_path(path) {
        return next.run(request).await;
    }
    let ip = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    let Some(decision) = state.rate_limiter().take(limits, path, ip, Instant::now()) else {
        return next.run(request).await;
    };
    let mut response = if decision.allowed {
        next.run(request).await
    } else {
        state.calibrate(too_many_requests()).into_response()
    };
    apply(&decision, &mut response, limits.retry_after);
    response
}

/// The calibration middleware: an error answer whose catalogue entry the fixture overrides is
/// written anew with the fixture's status, code and text.
pub async fn calibrate(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    if state.tenant().evidence_overrides.is_empty() {
        return response;
    }
    let overridden = response
        .extensions()
        .get::<AuthError>()
        .filter(|error| {
            error
                .entry()
                .is_some_and(|id| state.tenant().evidence_override(id).is_some())
        })
        .cloned();
    match overridden {
        Some(error) => state.calibrate(error).into_response(),
        None => response,
    }
}

/// The content-type middleware: `charset=utf-8` on the JSON answers of the endpoints where Auth0
/// writes it.
pub async fn content_type(request: Request, next: Next) -> Response {
    let with_charset = answers_with_charset(request.uri().path());
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if with_charset
        && headers
            .get(header::CONTENT_TYPE)
            .is_some_and(|value| value == "application/json")
    {
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
    }
    response
}

/// Adds the rate-limit headers to `response`, unless it already has its own.
fn apply(decision: &Decision, response: &mut Response, retry_after: bool) {
    let headers = response.headers_mut();
    if headers.contains_key("x-ratelimit-limit") {
        return;
    }
    headers.insert(
        HeaderName::from_static("x-ratelimit-limit"),
        HeaderValue::from(decision.limit),
    );
    headers.insert(
        HeaderName::from_static("x-ratelimit-remaining"),
        HeaderValue::from(decision.remaining),
    );
    headers.insert(
        HeaderName::from_static("x-ratelimit-reset"),
        HeaderValue::from(decision.reset_unix_seconds(SystemTime::now())),
    );
    if retry_after
        && !decision.allowed
        && let Ok(value) = HeaderValue::from_str(&decision.retry_after_text())
    {
        headers.insert(header::RETRY_AFTER, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock::errors::token_mfa::too_many_failed_codes;

    #[test]
    fn headers_are_added_unless_the_response_has_its_own() {
        let decision = Decision {
            allowed: false,
            limit: 5,
            remaining: 0,
            full_in: Duration::from_secs(2),
            next_in: Duration::from_micros(20_500),
        };
        let mut response = too_many_requests().into_response();
        apply(&decision, &mut response, true);
        let headers = response.headers();
        assert_eq!(headers["x-ratelimit-limit"], "5");
        assert_eq!(headers["x-ratelimit-remaining"], "0");
        assert_eq!(headers[header::RETRY_AFTER], "0.021");
        let mut own = too_many_failed_codes(10, 42).into_response();
        apply(&decision, &mut own, true);
        assert_eq!(own.headers()["x-ratelimit-limit"], "10");
        assert_eq!(own.headers()["x-ratelimit-reset"], "42");
        assert!(own.headers().get(header::RETRY_AFTER).is_none());
    }
}
