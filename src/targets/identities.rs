//! The shape of the identities a trial uses in templates, written down once.
//!
//! Gives the identities a session invents rather than finds ([`SESSION_IDENTITIES`]: `email_user` and
//! `sms_user`, made unique per trial so that parallel trials and repeated runs never share a user or a code),
//! and the fields each template namespace offers ([`USER_FIELDS`], [`CLIENT_FIELDS`], …). The session builds
//! the template context from them; the validation stage and the suite read them to tell a typo from a role
//! this target lacks, and a shared test account from a per-trial one. Nothing here does anything.

/// An identity the session makes up for every trial on the mock (on a real tenant, profiles define these
/// roles themselves, with `unique_email`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionIdentity {
    /// The role scenarios name it by (`users.email_user`).
    pub role: &'static str,
    /// The base e-mail address, made unique per trial with a `+tag`.
    pub email: Option<&'static str>,
    /// The base E.164 phone number, made unique per trial in its last digits.
    pub phone_number: Option<&'static str>,
}

/// The identities the session invents on the mock: one per passwordless channel.
pub const SESSION_IDENTITIES: [SessionIdentity; 2] = [
    SessionIdentity {
        role: "email_user",
        email: Some("qa@example.com"),
        phone_number: None,
    },
    SessionIdentity {
        role: "sms_user",
        phone_number: Some("+15555550100"),
        email: None,
    },
];

/// Whether `role` is one the session invents (unique per trial, so never shared between trials).
pub fn is_session_identity(role: &str) -> bool {
    SESSION_IDENTITIES
        .iter()
        .any(|identity| identity.role == role)
}

/// The fields a user role can offer (`users.<role>.<field>`): its address, and the secrets of its factors.
pub const USER_FIELDS: [&str; 5] = [
    "email",
    "phone_number",
    "totp_secret",
    "recovery_code",
    "mfa_phone_number",
];

/// The fields a client role can offer (`clients.<role>.<field>`).
pub const CLIENT_FIELDS: [&str; 2] = ["client_id", "client_secret"];

/// The fields of `target` in templates.
pub const TARGET_FIELDS: [&str; 2] = ["name", "base_url"];

/// The fields of `run` in templates.
pub const RUN_FIELDS: [&str; 1] = ["id"];
