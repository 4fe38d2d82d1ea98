//! The control API under `/__mock/`: test-only endpoints that are no part of Auth0's surface.
//!
//! They let a harness read the outbox, read the tenant's roster (ids, roles, test secrets,
//! enrolled factors) as a [`TenantDescription`], move the injected clock, and answer push
//! notifications. A real tenant has none of this; scenarios that need it declare `requires:`.

use axum::Json;
use axum::extract::{RawQuery, State};
use serde_json::{Value, json};

use super::clock::{ClockReading, MAX_OFFSET_SECONDS};
use super::errors::{AuthError, control};
use super::mfa_store::PushDecision;
use super::outbox::Message;
use super::params::{Params, PathParam};
use super::state::AppState;
use super::tenant::{Roster, RosterUser, TEST_TENANT_WARNING, TenantDescription};

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
pub async fn control_tenant(State(state): State<AppState>) -> Json<TenantDescription> {
    Json(describe(&state))
}

/// The roster of the running tenant.
fn describe(state: &AppState) -> TenantDescription {
    let tenant = state.tenant();
    let users = state
        .users()
        .all()
        .into_iter()
        .map(|user| RosterUser {
            mfa: tenant.user(&user.user_id).and_then(|seed| seed.mfa),
            factors: state.mfa().describe(&user.user_id),
            user_id: user.user_id,
            connection: user.connection,
            strategy: user.strategy,
            email: user.email,
            phone_number: user.phone_number,
            created_at: user.created_at,
            role: user.role,
        })
        .collect();
    TenantDescription {
        test_tenant: true,
        warning: TEST_TENANT_WARNING.to_owned(),
        issuer: state.issuer(),
        roster: Roster {
            name: tenant.name.clone(),
            clients: tenant.clients.clone(),
            connections: tenant.connections.clone(),
            apis: tenant.apis.clone(),
            mfa: tenant.mfa.clone(),
            features: tenant.features.clone(),
            users,
        },
        messages_sent: state.outbox().sent_total(),
        clock: state.clock().reading(),
    }
}

/// `GET /__mock/clock`: the mock's current time.
pub async fn control_clock(State(state): State<AppState>) -> Json<ClockReading> {
    Json(state.clock().reading())
}

/// `POST /__mock/clock/advance` with `{"seconds": N}`: move the clock forward.
pub async fn control_clock_advance(
    State(state): State<AppState>,
    params: Params,
) -> Result<Json<ClockReading>, AuthError> {
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
    Ok(Json(state.clock().reading()))
}

/// `POST /__mock/push/{oob_code}/approve`: the user allows the push notification, now or
/// `after_seconds` later on the injected clock.
pub async fn control_push_approve(
    State(state): State<AppState>,
    PathParam(oob_code): PathParam,
    params: Params,
) -> Result<Json<Value>, AuthError> {
    decide_push(&state, &oob_code, &params, PushDecision::Approved)
}

/// `POST /__mock/push/{oob_code}/reject`: the user denies the push notification, now or
/// `after_seconds` later on the injected clock.
pub async fn control_push_reject(
    State(state): State<AppState>,
    PathParam(oob_code): PathParam,
    params: Params,
) -> Result<Json<Value>, AuthError> {
    decide_push(&state, &oob_code, &params, PushDecision::Rejected)
}

fn decide_push(
    state: &AppState,
    oob_code: &str,
    params: &Params,
    decision: PushDecision,
) -> Result<Json<Value>, AuthError> {
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
    if !state.mfa().decide_push(oob_code, decision, effective_at) {
        return Err(control::no_push(oob_code));
    }
    Ok(Json(json!({
        "oob_code": oob_code,
        "decision": decision,
        "effective_at": effective_at,
    })))
}
