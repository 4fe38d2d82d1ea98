//! The tenant features that change what goes over the wire: which MFA factors exist, and
//! whether Customizable MFA (Early Access) is on.
//!
//! Takes the fixture's `features:` section (or a staging profile's, read the same way); gives
//! the switches the MFA store and handlers consult. The defaults describe a plain, generally
//! available tenant: no Early Access feature, the factors most tenants enable (authenticator
//! app, SMS, push, recovery codes) and neither voice nor the e-mail factor, whose presence
//! changes the authenticator list. This module knows nothing of HTTP or the stores.

use serde::{Deserialize, Serialize};

/// What the tenant offers that changes the wire.
///
/// ```yaml
/// features:
///   customizable_mfa: false
///   factors: [otp, sms, email, push, recovery_code]
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantFeatures {
    /// Customizable MFA with embedded flows (Early Access): authenticators carry `type` and
    /// `mfa_required` carries `mfa_requirements`. The default value is `false`.
    #[serde(default)]
    pub customizable_mfa: bool,
    /// The MFA factors enabled on the tenant. `voice` adds the voice twin of every phone;
    /// `email` lists each user's verified e-mail as an e-mail authenticator. The default value
    /// is `[otp, sms, push, recovery_code]`.
    #[serde(default = "default_factors")]
    pub factors: Vec<MfaFactor>,
}

/// An MFA factor a tenant can enable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MfaFactor {
    /// An authenticator app (one-time passwords).
    Otp,
    /// Codes by text message.
    Sms,
    /// Codes by voice call, on the same phone enrolments as SMS.
    Voice,
    /// Codes by e-mail, to verified addresses and explicitly enrolled ones.
    Email,
    /// Push notifications (Guardian).
    Push,
    /// Recovery codes, issued with the first enrolment.
    RecoveryCode,
}

impl MfaFactor {
    /// The name used in fixtures and profiles.
    pub fn as_str(self) -> &'static str {
        match self {
            MfaFactor::Otp => "otp",
            MfaFactor::Sms => "sms",
            MfaFactor::Voice => "voice",
            MfaFactor::Email => "email",
            MfaFactor::Push => "push",
            MfaFactor::RecoveryCode => "recovery_code",
        }
    }
}

impl Default for TenantFeatures {
    fn default() -> TenantFeatures {
        TenantFeatures {
            customizable_mfa: false,
            factors: default_factors(),
        }
    }
}

impl TenantFeatures {
    /// Whether `factor` is enabled.
    pub fn has(&self, factor: MfaFactor) -> bool {
        self.factors.contains(&factor)
    }
}

fn default_factors() -> Vec<MfaFactor> {
    vec![
        MfaFactor::Otp,
        MfaFactor::Sms,
        MfaFactor::Push,
        MfaFactor::RecoveryCode,
    ]
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_default_is_a_plain_generally_available_tenant() {
        let features: TenantFeatures = serde_yaml::from_str("{}").unwrap();
        assert_eq!(features, TenantFeatures::default());
        assert!(!features.customizable_mfa);
        assert!(!features.has(MfaFactor::Voice));
        assert!(!features.has(MfaFactor::Email));
        assert!(features.has(MfaFactor::Otp));
    }
}
