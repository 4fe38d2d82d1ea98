//! Errors of the MFA side of `POST /oauth/token` (catalogue area `token`): `mfa_required`, a
//! broken `mfa_token`, and the `mfa-otp`, `mfa-oob` and `mfa-recovery-code` grants, one line per
//! entry.

use serde_json::Value;

use super::{AuthError, catalogued};

/// 403 `mfa_required` with `mfa_token` (and, on Customizable MFA tenants, `mfa_requirements`)
/// as top-level siblings of `error`.
pub fn mfa_required(mfa_token: &str, requirements: Option<Value>) -> AuthError {
    let error = catalogued("token.mfa_required", &[]).with_member("mfa_token", Value::from(mfa_token));
    match requirements {
        Some(requirements) => error.with_member("mfa_requirements", requirements),
        None => error,
    }
}

pub fn mfa_token_expired() -> AuthError { catalogued("token.mfa_token.expired", &[]) }
pub fn malformed_mfa_token() -> AuthError { catalogued("token.mfa_token.malformed", &[]) }
pub fn invalid_otp_code() -> AuthError { catalogued("token.mfa_otp.invalid", &[]) }
pub fn not_enrolled() -> AuthError { catalogued("token.mfa_otp.not_enrolled", &[]) }
pub fn not_enrolled_with_otp() -> AuthError { catalogued("token.mfa_otp.not_enrolled_with_otp", &[]) }
pub fn authorization_pending() -> AuthError { catalogued("token.mfa_oob.pending", &[]) }
pub fn slow_down(interval_seconds: u64) -> AuthError { catalogued("token.mfa_oob.slow_down", &[("interval", &interval_seconds.to_string())]) }
pub fn push_rejected() -> AuthError { catalogued("token.mfa_oob.push_rejected", &[]) }
pub fn invalid_binding_code() -> AuthError { catalogued("token.mfa_oob.binding_code_invalid", &[]) }
pub fn missing_binding_code() -> AuthError { catalogued("token.mfa_oob.binding_code_missing", &[]) }
pub fn malformed_oob_code() -> AuthError { catalogued("token.mfa_oob.malformed", &[]) }
pub fn foreign_oob_code() -> AuthError { catalogued("token.mfa_oob.foreign", &[]) }
pub fn oob_code_expired() -> AuthError { catalogued("token.mfa_oob.expired", &[]) }
pub fn invalid_recovery_code() -> AuthError { catalogued("token.mfa_recovery.invalid", &[]) }
pub fn no_recovery_code() -> AuthError { catalogued("token.mfa_recovery.none", &[]) }
pub fn too_many_failed_codes(limit: u32, reset_unix: u64) -> AuthError { catalogued("token.mfa.failures_exhausted", &[]).with_rate_limit(limit, 0, reset_unix) }
pub fn too_many_failed_recovery_codes(limit: u32, reset_unix: u64) -> AuthError { catalogued("token.mfa.recovery_failures_exhausted", &[]).with_rate_limit(limit, 0, reset_unix) }
