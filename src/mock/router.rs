//! The routes of the mock tenant, and nothing else.
//!
//! Unknown paths get a JSON 404 and wrong methods a JSON 405, so no client ever sees axum's
//! plain-text defaults. Request bodies are capped at `BODY_LIMIT_BYTES` (64 KiB). Layers
//! (`layers.rs`) wrap the routes: the fixture's `latency_ms` delay and `rate_limits:` (never on
//! `/__mock/`), Auth0's content types, and the fixture's `evidence_overrides:`. Client IPs for per-IP limits come from `ConnectInfo<SocketAddr>`,
//! so serve the router with `into_make_service_with_connect_info::<SocketAddr>()`.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::from_fn_with_state;
use axum::response::IntoResponse;
use axum::routing::{delete, get, post};

use super::control::{
    control_clock, control_clock_advance, control_outbox, control_push_approve,
    control_push_reject, control_tenant,
};
use super::discovery::{discovery_jwks, discovery_openid_configuration};
use super::errors::{BODY_LIMIT_BYTES, method_not_allowed, not_found};
use super::layers::{calibrate, content_type, latency, rate_limit};
use super::mfa::{mfa_associate, mfa_authenticator_delete, mfa_authenticators_list, mfa_challenge};
use super::passwordless::{passwordless_start, passwordless_verify_redirect};
use super::state::AppState;
use super::token::oauth_token;

/// The mock tenant's HTTP routes over `state`.
///
/// ```
/// use passwordless_conformance::mock::{AppState, Tenant, router};
/// let app = router(AppState::new(Tenant::builtin(), "http://localhost:8080"));
/// # drop(app);
/// ```
pub fn router(state: AppState) -> Router {
    let routes = Router::new()
        .route("/passwordless/start", post(passwordless_start))
        .route(
            "/passwordless/verify_redirect",
            get(passwordless_verify_redirect),
        )
        .route("/oauth/token", post(oauth_token))
        .route("/mfa/authenticators", get(mfa_authenticators_list))
        .route("/mfa/authenticators/{id}", delete(mfa_authenticator_delete))
        .route("/mfa/challenge", post(mfa_challenge))
        .route("/mfa/associate", post(mfa_associate))
        .route(
            "/.well-known/openid-configuration",
            get(discovery_openid_configuration),
        )
        .route("/.well-known/jwks.json", get(discovery_jwks))
        .route("/__mock/outbox", get(control_outbox))
        .route("/__mock/tenant", get(control_tenant))
        .route("/__mock/clock", get(control_clock))
        .route("/__mock/clock/advance", post(control_clock_advance))
        .route(
            "/__mock/push/{oob_code}/approve",
            post(control_push_approve),
        )
        .route("/__mock/push/{oob_code}/reject", post(control_push_reject))
        .fallback(|| async { not_found().into_response() })
        .method_not_allowed_fallback(|| async { method_not_allowed().into_response() })
        .layer(DefaultBodyLimit::max(BODY_LIMIT_BYTES));
    // The last layer runs first: calibration rewrites a handler's answer, rate limits may
    // answer 429 instead, the content type is settled for both, and the delay covers all.
    // The fixture never changes while the mock runs, so a layer it does not need is left out
    // rather than asked on every request (each costs a boxed future and a clone of the routes).
    let tenant = state.tenant();
    let mut app = routes;
    if !tenant.evidence_overrides.is_empty() {
        app = app.layer(from_fn_with_state(state.clone(), calibrate));
    }
    if tenant.rate_limits.is_some() {
        app = app.layer(from_fn_with_state(state.clone(), rate_limit));
    }
    app = app.layer(axum::middleware::from_fn(content_type));
    if tenant.latency_ms > 0 {
        app = app.layer(from_fn_with_state(state.clone(), latency));
    }
    app.with_state(state)
}
