//! Errors of the MFA API, `/mfa/...` (catalogue area `mfa`), one line per entry. `/mfa/challenge`
//! takes its `mfa_token` in the body and answers its problems like the grants (`token_mfa.rs`).

use super::{AuthError, catalogued};

pub fn bearer_missing() -> AuthError { catalogued("mfa.bearer.missing", &[]) }
pub fn bearer_invalid() -> AuthError { catalogued("mfa.bearer.invalid", &[]) }
pub fn bearer_expired() -> AuthError { catalogued("mfa.bearer.expired", &[]) }
pub fn insufficient_scope(scope: &str) -> AuthError { catalogued("mfa.bearer.insufficient_scope", &[("scope", scope)]) }
pub fn delete_needs_access_token() -> AuthError { catalogued("mfa.delete.mfa_token_refused", &[]) }
pub fn authenticator_not_found() -> AuthError { catalogued("mfa.delete.not_found", &[]) }
pub fn verified_email_undeletable() -> AuthError { catalogued("mfa.delete.verified_email", &[]) }
pub fn unsupported_challenge_type() -> AuthError { catalogued("mfa.challenge.unsupported", &[]) }
pub fn unknown_challenge_type(value: &str) -> AuthError { catalogued("mfa.challenge.unknown_type", &[("value", value)]) }
pub fn invalid_authenticator_id(id: &str) -> AuthError { catalogued("mfa.challenge.invalid_authenticator", &[("value", id)]) }
pub fn already_enrolled() -> AuthError { catalogued("mfa.associate.already_enrolled", &[]) }
pub fn invalid_phone_number() -> AuthError { catalogued("mfa.associate.invalid_phone", &[]) }
pub fn invalid_email(value: &str) -> AuthError { catalogued("mfa.associate.invalid_email", &[("value", value)]) }
pub fn not_a_string_array(name: &str) -> AuthError { catalogued("mfa.associate.not_a_list", &[("name", name)]) }
pub fn unsupported_authenticator_type(value: &str) -> AuthError { catalogued("mfa.associate.unsupported_type", &[("value", value)]) }
pub fn unsupported_oob_channel(value: &str) -> AuthError { catalogued("mfa.associate.unsupported_channel", &[("value", value)]) }
