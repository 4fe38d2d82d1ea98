//! When MFA applies and how its limits are set: the tenant-wide settings and the policy a client
//! or user may override.

use serde::{Deserialize, Serialize};

/// When a login must pass a second factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MfaPolicy {
    /// Never ask for a second factor.
    Never,
    /// Always ask; a user without an active factor must enrol first.
    Always,
    /// Ask when the user has at least one enrolled, active factor (Auth0's "adaptive" feel).
    #[default]
    WhenEnrolled,
}

/// Tenant-wide MFA settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MfaSettings {
    /// The policy of clients and users that set none. The default value is `when_enrolled`.
    #[serde(default)]
    pub policy: MfaPolicy,
    /// How long an `mfa_token` stays valid, in seconds. The default value is 600.
    #[serde(default = "default_mfa_token_lifetime")]
    pub mfa_token_lifetime_seconds: u64,
    /// The shortest gap between two polls of a push `oob_code` before `slow_down`, in seconds.
    /// The default value is 5.
    #[serde(default = "default_push_poll_interval")]
    pub push_poll_interval_seconds: u64,
    /// Wrong OTPs and binding codes a user may send per hour before `too_many_attempts`.
    /// The default value is 10.
    #[serde(default = "default_mfa_failures_per_hour")]
    pub otp_failures_per_hour: u32,
    /// Wrong recovery codes a user may send per hour before `too_many_attempts`.
    /// The default value is 10.
    #[serde(default = "default_mfa_failures_per_hour")]
    pub recovery_code_failures_per_hour: u32,
}

impl Default for MfaSettings {
    fn default() -> MfaSettings {
        MfaSettings {
            policy: MfaPolicy::default(),
            mfa_token_lifetime_seconds: default_mfa_token_lifetime(),
            push_poll_interval_seconds: default_push_poll_interval(),
            otp_failures_per_hour: default_mfa_failures_per_hour(),
            recovery_code_failures_per_hour: default_mfa_failures_per_hour(),
        }
    }
}

fn default_mfa_token_lifetime() -> u64 {
    600
}

fn default_push_poll_interval() -> u64 {
    5
}

fn default_mfa_failures_per_hour() -> u32 {
    10
}
