//! How the stores' rejections read on the wire: each domain rejection becomes Auth0's error.
//!
//! Stores answer in their own terms ([`OtpRejection`], [`CodeRejection`], [`TokenProblem`],
//! [`MfaRejection`], [`AlreadyEnrolled`], [`ClientAuthFailure`]); handlers pass them through the
//! conversions here, so the mapping from a rule to its status, code and text is written once.
//! The texts themselves live in `errors.rs`.

use super::client_auth::ClientAuthFailure;
use super::errors::{AuthError, mfa, start, token};
use super::grants::CodeRejection;
use super::mfa_store::{AlreadyEnrolled, FailureKind, MfaRejection, TokenProblem};
use super::otp::OtpRejection;
use super::tenant::Strategy;

/// The error the OTP grant answers for a rejected code; the magic link reuses its text.
pub fn otp_rejected(rejection: OtpRejection, strategy: Strategy) -> AuthError {
    match rejection {
        OtpRejection::Wrong => match strategy {
            Strategy::Email => token::wrong_email_or_code(),
            Strategy::Sms => token::wrong_phone_or_code(),
        },
        OtpRejection::Expired => token::code_expired(),
        OtpRejection::AttemptsExhausted => token::attempts_exhausted(),
    }
}

/// A confidential client that did not prove itself on `/passwordless/start`.
pub fn start_client_unauthenticated(failure: ClientAuthFailure) -> AuthError {
    match failure {
        ClientAuthFailure::Missing => start::client_authentication_required(),
        ClientAuthFailure::Invalid => start::invalid_client_credentials(),
    }
}

/// A confidential client that did not prove itself on `/oauth/token` or `/mfa/challenge`.
pub fn token_client_unauthenticated(failure: ClientAuthFailure) -> AuthError {
    match failure {
        ClientAuthFailure::Missing => token::client_authentication_required(),
        ClientAuthFailure::Invalid => token::invalid_client_credentials(),
    }
}

/// An `mfa_token` sent in the body (the MFA grants, `/mfa/challenge`).
pub fn mfa_token_rejected(problem: TokenProblem) -> AuthError {
    match problem {
        TokenProblem::Malformed => mfa::malformed_mfa_token(),
        TokenProblem::Expired => mfa::mfa_token_expired(),
    }
}

/// An `mfa_token` sent as `Authorization: Bearer` (list, delete, associate).
pub fn bearer_rejected(problem: TokenProblem) -> AuthError {
    match problem {
        TokenProblem::Malformed => mfa::bearer_malformed(),
        TokenProblem::Expired => mfa::bearer_expired(),
    }
}

impl From<CodeRejection> for AuthError {
    fn from(rejection: CodeRejection) -> AuthError {
        match rejection {
            CodeRejection::Unknown => token::invalid_authorization_code(),
            CodeRejection::RedirectMismatch => token::redirect_uri_mismatch(),
        }
    }
}

impl From<AlreadyEnrolled> for AuthError {
    fn from(_: AlreadyEnrolled) -> AuthError {
        mfa::already_enrolled()
    }
}

impl From<MfaRejection> for AuthError {
    fn from(rejection: MfaRejection) -> AuthError {
        match rejection {
            MfaRejection::InvalidOtp => mfa::invalid_otp_code(),
            MfaRejection::InvalidOobCode => mfa::invalid_oob_code(),
            MfaRejection::MissingBindingCode => token::missing_parameter("binding_code"),
            MfaRejection::InvalidBindingCode => mfa::invalid_binding_code(),
            MfaRejection::AuthorizationPending => mfa::authorization_pending(),
            MfaRejection::SlowDown { interval_seconds } => mfa::slow_down(interval_seconds),
            MfaRejection::PushRejected => mfa::push_rejected(),
            MfaRejection::InvalidRecoveryCode => mfa::invalid_recovery_code(),
            MfaRejection::TooManyFailures {
                kind: FailureKind::Otp,
                limit,
                reset_at,
            } => mfa::too_many_failed_codes(limit, reset_at),
            MfaRejection::TooManyFailures {
                kind: FailureKind::RecoveryCode,
                limit,
                reset_at,
            } => mfa::too_many_failed_recovery_codes(limit, reset_at),
        }
    }
}
