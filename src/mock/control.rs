//! The control API under `/__mock/`: test-only endpoints that are no part of Auth0's surface.
//!
//! They let a harness read the outbox, inspect the tenant (ids, roles, test secrets, enrolled
//! factors), move the injected clock, and answer push notifications. A real tenant has none of
//! this; scenarios that need it declare `requires:`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use serde_json::{Value, json};

use super::clock::MAX_OFFSET_SECONDS;
use super::errors::body::Flavor;
use super::errors::{AuthError, control, not_found};
use super::mfa_store::PushDecision;
use super::outbox::Message;
use super::params::{Params, read_params};
use super::state::AppState;

/// Whether `path` belongs to the control API (`/__mock` and everything under it), which is never
/// rate limited nor delayed.
pub fn is_control_path(path: &str) -> bool {
    path.strip_prefix("/__mock")
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// `GET /__mock/outbox?to=ADDR`: the newest message sent to `ADDR`.
pub async fn control_outbox(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Json<Message>, AuthError> {
    let params = Params::from_urlencoded(query.unwrap_or_default().as_bytes());
    let to = params
        .string("to")
        .ok()
        .flatten()
        .filter(|to| !to.is_empty())
        .ok_or_else(|| control::missing_query_parameter("to"))?;
    state
        .outbox()
        .latest(to)
        .map(Json)
        .ok_or_else(|| control::no_message(to))
}

/// `GET /__mock/tenant`: the fixture plus the users that exist now, each with its `role`, its
/// own `mfa` policy and its `factors` (with their test secrets, `active` flag and authenticator
/// ids).
pub async fn control_tenant(State(state): State<AppState>) -> Json<Value> {
    let tenant = state.tenant();
    let users: Vec<Value> = state
        .users()
        .all()
        .into_iter()
        .map(|user| {
            let policy = tenant.user(&user.user_id).and_then(|seed| seed.mfa);
            let factors = state.mfa().describe(&user.user_id);
            let mut value = serde_json::to_value(&user).unwrap_or(Value::Null);
            if let Value::Object(fields) = &mut value {
                fields.insert("mfa".into(), json!(policy));
                fields.insert("factors".into(), Value::from(factors));
            }
            value
        })
        .collect();
    Json(json!({
        "test_tenant": true,
        "warning": "this is a mock tenant for tests: its secrets and signing key are public",
        "name": tenant.name,
        "issuer": state.issuer(),
        "clients": tenant.clients,
        "connections": tenant.connections,
        "apis": tenant.apis,
        "mfa": tenant.mfa,
        "users": users,
        "messages_sent": state.outbox().sent_total(),
        "clock": clock_body(&state),
    }))
}

/// `GET /__mock/clock`: the mock's current time.
pub async fn control_clock(State(state): State<AppState>) -> Json<Value> {
    Json(clock_body(&state))
}

/// `POST /__mock/clock/advance` with `{"seconds": N}`: move the clock forward.
pub async fn control_clock_advance(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, AuthError> {
    let params = read_params(&headers, body, Flavor::Control)?;
    let seconds = match params.get("seconds") {
        Some(Value::Number(number)) => number.as_u64(),
        Some(Value::String(text)) => text.parse::<u64>().ok(),
        _ => None,
    }
    .ok_or_else(|| {
        control::invalid_body("`seconds` must be a non-negative integer, e.g. {\"seconds\": 181}")
    })?;
    if seconds > MAX_OFFSET_SECONDS {
        return Err(control::invalid_body(format!(
            "`seconds` must be at most {MAX_OFFSET_SECONDS}"
        )));
    }
    state.clock().advance(seconds);
    Ok(Json(clock_body(&state)))
}

/// `POST /__mock/push/{oob_code}/approve`: the user allows the push notification, now or
/// `after_seconds` later on the injected clock.
pub async fn control_push_approve(
    state: State<AppState>,
    oob_code: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, AuthError> {
    decide_push(state, oob_code, headers, body, PushDecision::Approved)
}

/// `POST /__mock/push/{oob_code}/reject`: the user denies the push notification, now or
/// `after_seconds` later on the injected clock.
pub async fn control_push_reject(
    state: State<AppState>,
    oob_code: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, AuthError> {
    decide_push(state, oob_code, headers, body, PushDecision::Rejected)
}

fn decide_push(
    State(state): State<AppState>,
    oob_code: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
    decision: PushDecision,
) -> Result<Json<Value>, AuthError> {
    let Path(oob_code) = oob_code.map_err(|_| not_found())?;
    let params = read_params(&headers, body, Flavor::Control)?;
    let after_seconds = match params.get("after_seconds") {
        None => Some(0),
        Some(Value::Number(number)) => number.as_u64(),
        Some(Value::String(text)) => text.parse::<u64>().ok(),
        Some(_) => None,
    }
    .filter(|seconds| *seconds <= MAX_OFFSET_SECONDS)
    .ok_or_else(|| {
        control::invalid_body(
            "`after_seconds` must be a non-negative integer, e.g. {\"after_seconds\": 10}",
        )
    })?;
    let effective_at = state.clock().unix_now().saturating_add(after_seconds);
    if !state.mfa().decide_push(&oob_code, decision, effective_at) {
        return Err(control::no_push(&oob_code));
    }
    Ok(Json(json!({
        "oob_code": oob_code,
        "decision": decision,
        "effective_at": effective_at,
    })))
}

fn clock_body(state: &AppState) -> Value {
    json!({
        "now": state.clock().unix_now(),
        "offset_seconds": state.clock().offset_seconds(),
    })
}
