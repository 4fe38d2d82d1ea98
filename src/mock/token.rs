//! `POST /oauth/token`: client checks, then one function per grant type.
//!
//! Implemented grants: the passwordless OTP grant, `authorization_code` (for codes from magic
//! links), `refresh_token`, and the MFA grants (`mfa-otp`, `mfa-oob`, `mfa-recovery-code`), which
//! live in `token_mfa.rs`. A passwordless login whose MFA policy applies ends in `mfa_required`
//! instead of tokens; the MFA grants then finish it.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::client_auth::authenticate;
use super::errors::{AuthError, start, token};
use super::grants::Authorization;
use super::minting::{RefreshPolicy, mint_tokens};
use super::params::{Params, basic_credentials};
use super::rejections::{otp_rejected, token_client_unauthenticated};
use super::state::AppState;
use super::tenant::{Client, PASSWORDLESS_OTP_GRANT};
use super::token_mfa::{
    MFA_OOB_GRANT, MFA_OTP_GRANT, MFA_RECOVERY_CODE_GRANT, mfa_gate, mfa_oob_grant, mfa_otp_grant,
    mfa_recovery_code_grant,
};

/// Grant types Auth0 has: a client lacking one of these gets `unauthorized_client`; any other
/// value is `unsupported_grant_type`.
const AUTH0_GRANT_TYPES: [&str; 10] = [
    PASSWORDLESS_OTP_GRANT,
    MFA_OTP_GRANT,
    MFA_OOB_GRANT,
    MFA_RECOVERY_CODE_GRANT,
    "authorization_code",
    "refresh_token",
    "client_credentials",
    "password",
    "http://auth0.com/oauth/grant-type/password-realm",
    "urn:ietf:params:oauth:grant-type:device_code",
];

/// `POST /oauth/token`: exchange a code, authorization code or refresh token for tokens.
pub async fn oauth_token(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Params,
) -> Result<Response, AuthError> {
    let client_id = requested_client_id(&params, &headers)?;
    let grant_type = params.required("grant_type")?;
    if !AUTH0_GRANT_TYPES.contains(&grant_type) {
        return Err(token::unsupported_grant_type(grant_type));
    }
    let client = authenticated_client(&state, &client_id, &params, &headers)?;
    if !client.allows_grant(grant_type) {
        return Err(token::grant_not_allowed(grant_type));
    }

    let tokens = match grant_type {
        PASSWORDLESS_OTP_GRANT => passwordless_otp_grant(&state, client, &params)?,
        "authorization_code" => authorization_code_grant(&state, client, &params)?,
        "refresh_token" => refresh_token_grant(&state, client, &params)?,
        MFA_OTP_GRANT => mfa_otp_grant(&state, client, &params)?,
        MFA_OOB_GRANT => mfa_oob_grant(&state, client, &params)?,
        MFA_RECOVERY_CODE_GRANT => mfa_recovery_code_grant(&state, client, &params)?,
        other => return Err(token::unsupported_grant_type(other)),
    };
    let mut response = Json(tokens).into_response();
    // evidence `wire.token_cache_headers`
    let response_headers = response.headers_mut();
    response_headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response_headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    Ok(response)
}

/// The `client_id` of a request: the parameter, else the id of HTTP Basic credentials.
/// Shared with `/mfa/challenge`.
pub fn requested_client_id(params: &Params, headers: &HeaderMap) -> Result<String, AuthError> {
    match params.optional("client_id")? {
        Some(client_id) => Ok(client_id.to_owned()),
        None => basic_credentials(headers)
            .map(|(id, _)| id)
            .ok_or_else(|| token::missing_parameter("client_id")),
    }
}

/// The client `client_id` names, once it has proved who it is (secret in the body or HTTP Basic)
/// if it is confidential; the token endpoint's errors otherwise. Shared with `/mfa/challenge`.
pub fn authenticated_client<'a>(
    state: &'a AppState,
    client_id: &str,
    params: &Params,
    headers: &HeaderMap,
) -> Result<&'a Client, AuthError> {
    let client = state
        .tenant()
        .client(client_id)
        .ok_or_else(token::unknown_client)?;
    authenticate(client, params, headers).map_err(token_client_unauthenticated)?;
    Ok(client)
}

/// `grant_type=http://auth0.com/oauth/grant-type/passwordless/otp`.
fn passwordless_otp_grant(
    state: &AppState,
    client: &Client,
    params: &Params,
) -> Result<Value, AuthError> {
    let username = params.required("username")?;
    let otp = params.required("otp")?;
    let realm = params.required("realm")?;
    let connection = state
        .tenant()
        .connection(realm)
        .ok_or_else(token::connection_not_found)?;
    if !client.has_connection(&connection.name) {
        return Err(token::connection_disabled());
    }
    // Every parameter is checked before the code is redeemed: a refused request must leave the
    // code for a corrected one (evidence `token.checks_before_redeem`).
    let audience = audience(state, params)?;
    let scope = params.optional("scope")?.unwrap_or("").to_owned();
    let nonce = params.optional("nonce")?.map(str::to_owned);
    let now = state.clock().unix_now();
    state
        .otp()
        .redeem(&connection.name, username, otp, now)
        .map_err(|rejection| otp_rejected(rejection, connection.strategy))?;
    if connection.disable_signup && state.users().find(&connection.name, username).is_none() {
        return Err(start::signup_disabled());
    }
    let user = state
        .users()
        .find_or_create(connection, username, state.clock().now());
    let authorization = Authorization {
        client_id: client.client_id.clone(),
        user,
        scope,
        audience,
        nonce,
        redirect_uri: None,
        expires_at: now,
    };
    let authorization = mfa_gate(state, client, authorization, now)?;
    mint_tokens(state, &authorization, RefreshPolicy::WhenRequested)
}

/// `grant_type=authorization_code`, for codes handed out by a magic link.
fn authorization_code_grant(
    state: &AppState,
    client: &Client,
    params: &Params,
) -> Result<Value, AuthError> {
    let code = params.required("code")?;
    let redirect_uri = params.optional("redirect_uri")?;
    let now = state.clock().unix_now();
    let authorization = state
        .grants()
        .redeem_code(code, &client.client_id, redirect_uri, now)?;
    // Magic links never yield refresh tokens.
    mint_tokens(state, &authorization, RefreshPolicy::Never)
}

/// `grant_type=refresh_token`: new access (and ID) token, same refresh token kept by the client
/// (evidence `token.refresh.body`); never MFA, never `amr`.
fn refresh_token_grant(
    state: &AppState,
    client: &Client,
    params: &Params,
) -> Result<Value, AuthError> {
    let refresh_token = params.required("refresh_token")?;
    let authorization = state
        .grants()
        .refresh_token(refresh_token, &client.client_id)
        .ok_or_else(token::invalid_refresh_token)?;
    mint_tokens(state, &authorization, RefreshPolicy::Never)
}

/// The `audience` parameter, checked against the tenant's APIs and the MFA API's audience.
fn audience(state: &AppState, params: &Params) -> Result<Option<String>, AuthError> {
    match params.optional("audience")? {
        Some(audience)
            if state.tenant().api(audience).is_none() && audience != state.mfa_audience() =>
        {
            Err(token::audience_unknown(audience))
        }
        audience => Ok(audience.map(str::to_owned)),
    }
}
