//! Errors of `POST /oauth/token` (catalogue area `token`): client authentication, the
//! passwordless grant, authorization codes and refresh tokens, one line per entry. The MFA side
//! of the endpoint is in `token_mfa.rs`.

use super::{AuthError, GRANT_TYPES_DOC_URI, catalogued};

/// 400 `invalid_request` `missing <name> parameter` (documented for `client_id` only).
pub fn missing_parameter(name: &str) -> AuthError {
    match name {
        "client_id" => catalogued("token.missing_client_id", &[]),
        other => catalogued("token.missing_parameter", &[("name", other)]),
    }
}

pub fn not_a_string(name: &str) -> AuthError { catalogued("token.not_a_string", &[("name", name)]) }
pub fn unknown_client() -> AuthError { catalogued("token.client.unknown", &[]) }
pub fn client_secret_missing() -> AuthError { catalogued("token.client.secret_missing", &[]) }
pub fn client_secret_wrong() -> AuthError { catalogued("token.client.secret_wrong", &[]) }
pub fn unsupported_grant_type(grant_type: &str) -> AuthError { catalogued("token.unsupported_grant_type", &[("grant_type", grant_type)]) }
pub fn grant_not_allowed(grant_type: &str) -> AuthError { catalogued("token.grant_not_allowed", &[("grant_type", grant_type)]).with_error_uri(GRANT_TYPES_DOC_URI) }
pub fn connection_not_found() -> AuthError { catalogued("token.connection_not_found", &[]) }
pub fn connection_disabled() -> AuthError { catalogued("token.connection_disabled", &[]) }
pub fn audience_unknown(audience: &str) -> AuthError { catalogued("token.audience_unknown", &[("audience", audience)]) }
pub fn wrong_email_or_code() -> AuthError { catalogued("token.otp.wrong_code_email", &[]) }
pub fn wrong_phone_or_code() -> AuthError { catalogued("token.otp.wrong_code_sms", &[]) }
pub fn code_expired() -> AuthError { catalogued("token.otp.expired", &[]) }
pub fn attempts_exhausted() -> AuthError { catalogued("token.otp.attempts_exhausted", &[]) }
pub fn invalid_authorization_code() -> AuthError { catalogued("token.code.invalid", &[]) }
pub fn redirect_uri_mismatch() -> AuthError { catalogued("token.code.redirect_mismatch", &[]) }
pub fn invalid_refresh_token() -> AuthError { catalogued("token.refresh.invalid", &[]) }
