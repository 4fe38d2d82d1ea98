//! The tenant fixture's `latency_ms`: every response of the Auth0 surface is delayed by that much.
//!
//! Takes each request; sleeps (a tokio timer, so other requests go on meanwhile), then hands
//! it on. A slow tenant shows whether clients and the harness cope with real network delays.
//! The control API (`/__mock/...`) is never delayed. With `latency_ms: 0` (the default) the
//! layer does nothing.

use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

use super::control::is_control_path;
use super::state::AppState;

/// The middleware: waits `latency_ms` before the request goes on, so the delay also covers
/// answers that never reach a handler (404, 405, 429).
pub async fn latency(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let delay = state.tenant().latency_ms;
    if delay > 0 && !is_control_path(request.uri().path()) {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    next.run(request).await
}
