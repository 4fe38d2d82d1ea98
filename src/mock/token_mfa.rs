//! The MFA side of `POST /oauth/token`: entering MFA, and the three MFA grants.
//!
//! [`mfa_gate`] runs after a passwordless code was accepted: when the user's MFA policy applies,
//! or the login asks for the MFA API's audience (evidence `token.mfa_required.audience`), it
//! answers `mfa_required` with a fresh `mfa_token` bound to the user, the client, and the
//! audience, scope and nonce first asked for. The grants take that token plus proof of a second
//! factor and mint the usual token set for the bound login, without `amr` (evidence
//! `tokens.amr`).
//!
//! An `mfa_token` is NOT single use: like Auth0's Iron-sealed tokens it stays valid for its whole
//! lifetime (list, challenge, associate and grants all accept it again; evidence
//! `token.mfa_token.reuse`). What is single use is
//! the proof: a TOTP step is accepted once per device (RFC 6238 §5.2), an `oob_code` redeems once,
//! a recovery code is replaced when used. So ten concurrent `mfa-otp` grants with one token and
//! one code yield exactly one token set; the other nine get `Invalid otp_code.` (and count as
//! failures).

use serde_json::Value;

use super::errors::{AuthError, server_error, token_mfa};
use super::grants::Authorization;
use super::mfa_store::Limits;
use super::minting::{RefreshPolicy, mint_tokens};
use super::params::Params;
use super::rejections::mfa_token_rejected;
use super::state::AppState;
use super::tenant::{Client, MfaPolicy};

/// The MFA one-time-password grant.
pub const MFA_OTP_GRANT: &str = "http://auth0.com/oauth/grant-type/mfa-otp";
/// The MFA out-of-band grant.
pub const MFA_OOB_GRANT: &str = "http://auth0.com/oauth/grant-type/mfa-oob";
/// The MFA recovery-code grant.
pub const MFA_RECOVERY_CODE_GRANT: &str = "http://auth0.com/oauth/grant-type/mfa-recovery-code";

/// Lets `authorization` through, or answers `mfa_required` when the MFA policy applies.
pub fn mfa_gate(
    state: &AppState,
    client: &Client,
    authorization: Authorization,
    now: u64,
) -> Result<Authorization, AuthError> {
    let user_id = authorization.user.user_id.clone();
    let required = match state.tenant().mfa_policy(client, &user_id) {
        MfaPolicy::Never => false,
        MfaPolicy::Always => true,
        MfaPolicy::WhenEnrolled => state.mfa().is_enrolled(&user_id),
    } || authorization.audience.as_deref() == Some(state.mfa_audience().as_str());
    if !required {
        return Ok(authorization);
    }
    let email = authorization.user.email.clone();
    // evidence `token.mfa_token.lifetime`
    let lifetime = state.tenant().mfa.mfa_token_lifetime_seconds;
    let mfa_token = state.mfa().issue_token(Authorization {
        expires_at: now.saturating_add(lifetime),
        ..authorization
    });
    let requirements = state
        .mfa()
        .requirements(&user_id, email.as_deref())
        .map(serde_json::to_value)
        .transpose()
        .map_err(|error| server_error(&format!("cannot write mfa_requirements: {error}")))?;
    Err(token_mfa::mfa_required(&mfa_token, requirements))
}

/// `grant_type=http://auth0.com/oauth/grant-type/mfa-otp`: `mfa_token` + `otp`.
pub fn mfa_otp_grant(
    state: &AppState,
    client: &Client,
    params: &Params,
) -> Result<Value, AuthError> {
    let (_, authorization) = transaction(state, client, params)?;
    let otp = params.required("otp")?;
    let now = state.clock().unix_now();
    state
        .mfa()
        .verify_otp(&authorization.user.user_id, otp, now, &limits(state))?;
    finish(state, authorization)
}

/// `grant_type=http://auth0.com/oauth/grant-type/mfa-oob`: `mfa_token` + `oob_code`
/// (+ `binding_code` for codes sent by text message, voice or e-mail).
pub fn mfa_oob_grant(
    state: &AppState,
    client: &Client,
    params: &Params,
) -> Result<Value, AuthError> {
    let (mfa_token, authorization) = transaction(state, client, params)?;
    let oob_code = params.required("oob_code")?;
    let binding_code = params.optional("binding_code")?;
    let now = state.clock().unix_now();
    state.mfa().redeem_oob(
        &mfa_token,
        &authorization.user.user_id,
        oob_code,
        binding_code,
        now,
        &limits(state),
    )?;
    finish(state, authorization)
}

/// `grant_type=http://auth0.com/oauth/grant-type/mfa-recovery-code`: `mfa_token` +
/// `recovery_code`; the answer adds the user's new `recovery_code` (evidence
/// `token.mfa_recovery.new_code`).
pub fn mfa_recovery_code_grant(
    state: &AppState,
    client: &Client,
    params: &Params,
) -> Result<Value, AuthError> {
    let (_, authorization) = transaction(state, client, params)?;
    let recovery_code = params.required("recovery_code")?;
    let now = state.clock().unix_now();
    let fresh = state.mfa().redeem_recovery_code(
        &authorization.user.user_id,
        recovery_code,
        now,
        &limits(state),
    )?;
    let mut tokens = finish(state, authorization)?;
    if let Value::Object(body) = &mut tokens {
        body.insert("recovery_code".into(), Value::from(fresh));
    }
    Ok(tokens)
}

/// The `mfa_token` in the body of the request and the login behind it. Shared with
/// `/mfa/challenge`.
pub fn transaction(
    state: &AppState,
    client: &Client,
    params: &Params,
) -> Result<(String, Authorization), AuthError> {
    let mfa_token = params.required("mfa_token")?;
    let now = state.clock().unix_now();
    let authorization = state
        .mfa()
        .transaction(mfa_token, Some(&client.client_id), now)
        .map_err(mfa_token_rejected)?;
    Ok((mfa_token.to_owned(), authorization))
}

/// The token set of the bound login.
fn finish(state: &AppState, authorization: Authorization) -> Result<Value, AuthError> {
    mint_tokens(state, &authorization, RefreshPolicy::WhenRequested)
}

/// The tenant's MFA limits (evidence `token.mfa.failure_bucket`, `token.mfa.push_poll_interval`).
fn limits(state: &AppState) -> Limits {
    let settings = &state.tenant().mfa;
    Limits {
        otp_failures_per_hour: settings.otp_failures_per_hour,
        recovery_code_failures_per_hour: settings.recovery_code_failures_per_hour,
        push_poll_interval_seconds: settings.push_poll_interval_seconds,
    }
}
