//! How the stores' rejections read on the wire: each domain rejection becomes Auth0's error.
//!
//! Stores answer in their own terms ([`OtpRejection`], [`CodeRejection`], [`TokenProblem`],
//! [`MfaRejection`], [`AlreadyEnrolled`], [`ClientAuthFailure`]); handlers pass them through the
//! conversions here, so the mapping from a rule to its status, code and text is written once.
//! The answers themselves live in `errors/` and the evidence catalogue.

use super::client_auth::ClientAuthFailure;
use super::errors::{AuthError, mfa, start, token, token_mfa};
use super::grants::CodeRejection;
use super::mfa_store::{AlreadyEnrolled, DeleteRefusal, FailureKind, MfaRejection, TokenProblem};
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
        ClientAuthFailure::Missing => token::client_secret_missing(),
        ClientAuthFailure::Invalid => token::client_secret_wrong(),
    }
}

/// An `mfa_token` sent in the body (the MFA grants, `/mfa/challenge`).
pub fn mfa_token_rejected(problem: TokenProblem) -> AuthError {
    match problem {
        TokenProblem::Malformed => token_mfa::malformed_mfa_token(),
        TokenProblem::Expired => token_mfa::mfa_token_expired(),
    }
}

/// An `mfa_token` or MFA access token sent as `Authorization: Bearer` (list, delete,
/// associate).
pub fn bearer_rejected(problem: TokenProblem) -> AuthError {
    match problem {
        TokenProblem::Malformed => mfa::bearer_invalid(),
        TokenProblem::Expired => mfa::bearer_expired(),
    }
}

impl From<DeleteRefusal> for AuthError {
    fn from(refusal: DeleteRefusal) -> AuthError {
        match refusal {
            DeleteRefusal::NotFound => mfa::authenticator_not_found(),
            DeleteRefusal::VerifiedEmail => mfa::verified_email_undeletable(),
        }
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
            MfaRejection::InvalidOtp => token_mfa::invalid_otp_code(),
            MfaRejection::NotEnrolled => token_mfa::not_enrolled(),
            MfaRejection::NotEnrolledWithOtp => token_mfa::not_enrolled_with_otp(),
            MfaRejection::MalformedOobCode => token_mfa::malformed_oob_code(),
            MfaRejection::ForeignOobCode => token_mfa::foreign_oob_code(),
            MfaRejection::ExpiredOobCode => token_mfa::oob_code_expired(),
            MfaRejection::MissingBindingCode => token_mfa::missing_binding_code(),
            MfaRejection::InvalidBindingCode => token_mfa::invalid_binding_code(),
            MfaRejection::AuthorizationPending => token_mfa::authorization_pending(),
            MfaRejection::SlowDown { interval_seconds } => token_mfa::slow_down(interval_seconds),
            MfaRejection::PushRejected => token_mfa::push_rejected(),
            MfaRejection::InvalidRecoveryCode => token_mfa::invalid_recovery_code(),
            MfaRejection::NoRecoveryCode => token_mfa::no_recovery_code(),
            MfaRejection::TooManyFailures {
                kind: FailureKind::Otp,
                limit,
                reset_at,
            } => token_mfa::too_many_failed_codes(limit, reset_at),
            MfaRejection::TooManyFailures {
                kind: FailureKind::RecoveryCode,
                limit,
                reset_at,
            } => token_mfa::too_many_failed_recovery_codes(limit, reset_at),
        }
    }
}
