//! The seed users of a tenant fixture and the second factors they enrolled before the mock starts.

use serde::{Deserialize, Serialize};

use super::features::{MfaFactor, TenantFeatures};
use super::mfa::MfaPolicy;
use crate::mock::ids::derived_device_id;

/// A user that exists before any login.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct User {
    /// The Auth0 user id, e.g. `email|65c4bca2b6c3ddf424cef5d5`.
    pub user_id: String,
    /// The connection the user belongs to.
    pub connection: String,
    /// The e-mail address (for `email` connections).
    #[serde(default)]
    pub email: Option<String>,
    /// The E.164 phone number (for `sms` connections).
    #[serde(default)]
    pub phone_number: Option<String>,
    /// The name the harness picks this user by (`users.<role>`), e.g. `totp_enrolled`.
    /// The default value is none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// The user's own MFA policy, which overrides the client's and the tenant's.
    /// The default value is none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mfa: Option<MfaPolicy>,
    /// Second factors enrolled before the mock starts. The default value is none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub factors: Vec<Factor>,
}

/// A second factor a seed user has enrolled (and confirmed) before the mock starts.
///
/// `id` is the device part of the authenticator ids (`dev_` + 16 characters, e.g.
/// `dev_6NWz8awwC8brh2dN`); a random one is made when it is left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Factor {
    /// An authenticator app (RFC 6238: SHA-1, 6 digits, 30 s): `totp|dev_…`.
    Totp {
        /// The device id. The default value is a random one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        /// The shared secret, base32 (at least 128 bits).
        secret: String,
    },
    /// A phone for text messages: `sms|dev_…`, with its voice twin `voice|dev_…` when the tenant
    /// has the voice factor.
    Sms {
        /// The device id. The default value is a random one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        /// The E.164 phone number.
        phone_number: String,
    },
    /// An e-mail address for codes: `email|dev_…`.
    Email {
        /// The device id. The default value is a random one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        /// The address codes go to.
        email: String,
    },
    /// A push device (Guardian), with its OTP twin: `push|dev_…` and `totp|dev_…` (the twin's
    /// device id is derived from the push device's).
    Push {
        /// The device id. The default value is a random one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        /// The device's name, for your own reference: Auth0 lists push authenticators without
        /// one (evidence `mfa.list.body`). The default value is `Mock Device`.
        #[serde(default = "default_push_device_name")]
        name: String,
        /// The base32 secret of the OTP twin. The default value is a random one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        secret: Option<String>,
    },
    /// A recovery code: `recovery-code|dev_…`.
    RecoveryCode {
        /// The device id. The default value is a random one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        /// The code (Auth0 uses 24 upper-case letters and digits).
        recovery_code: String,
    },
}

/// The name a push device gets when the fixture (or an enrolment) names none.
pub const DEFAULT_PUSH_DEVICE_NAME: &str = "Mock Device";

impl User {
    /// The identifier a login uses for this user (e-mail or phone number).
    pub fn identifier(&self) -> Option<&str> {
        self.email.as_deref().or(self.phone_number.as_deref())
    }
}

impl Factor {
    /// The device id from the fixture, if it names one.
    pub fn id(&self) -> Option<&str> {
        match self {
            Factor::Totp { id, .. }
            | Factor::Sms { id, .. }
            | Factor::Email { id, .. }
            | Factor::Push { id, .. }
            | Factor::RecoveryCode { id, .. } => id.as_deref(),
        }
    }

    /// The tenant factor this enrolment belongs to.
    pub fn kind(&self) -> MfaFactor {
        match self {
            Factor::Totp { .. } => MfaFactor::Otp,
            Factor::Sms { .. } => MfaFactor::Sms,
            Factor::Email { .. } => MfaFactor::Email,
            Factor::Push { .. } => MfaFactor::Push,
            Factor::RecoveryCode { .. } => MfaFactor::RecoveryCode,
        }
    }

    /// The authenticator ids (`<kind>|<device id>`) this factor shows as, in list order: a phone
    /// is `sms` (and its `voice` twin when the tenant has voice), a push device is `push` and its
    /// OTP twin `totp` with a device id of its own (evidence `mfa.list.push_twin`); none before
    /// the factor has an id.
    pub fn authenticator_ids(&self, features: &TenantFeatures) -> Vec<String> {
        let Some(id) = self.id() else {
            return Vec::new();
        };
        match self {
            Factor::Totp { .. } => vec![format!("totp|{id}")],
            Factor::Sms { .. } if features.has(MfaFactor::Voice) => {
                vec![format!("sms|{id}"), format!("voice|{id}")]
            }
            Factor::Sms { .. } => vec![format!("sms|{id}")],
            Factor::Email { .. } => vec![format!("email|{id}")],
            Factor::Push { .. } => vec![
                format!("push|{id}"),
                format!("totp|{}", derived_device_id("push-otp-twin", id)),
            ],
            Factor::RecoveryCode { .. } => vec![format!("recovery-code|{id}")],
        }
    }
}

fn default_push_device_name() -> String {
    DEFAULT_PUSH_DEVICE_NAME.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_phones_voice_twin_shares_its_id_and_a_push_devices_otp_twin_has_its_own() {
        let phone = Factor::Sms {
            id: Some("dev_a".to_owned()),
            phone_number: "+15555550100".to_owned(),
        };
        let voice = TenantFeatures {
            factors: vec![MfaFactor::Sms, MfaFactor::Voice],
            ..TenantFeatures::default()
        };
        assert_eq!(
            phone.authenticator_ids(&voice),
            ["sms|dev_a", "voice|dev_a"]
        );
        assert_eq!(
            phone.authenticator_ids(&TenantFeatures::default()),
            ["sms|dev_a"]
        );
        let push = Factor::Push {
            id: None,
            name: DEFAULT_PUSH_DEVICE_NAME.to_owned(),
            secret: None,
        };
        assert!(push.authenticator_ids(&voice).is_empty());
        let push = Factor::Push {
            id: Some("dev_b".to_owned()),
            name: DEFAULT_PUSH_DEVICE_NAME.to_owned(),
            secret: None,
        };
        let ids = push.authenticator_ids(&voice);
        assert_eq!(ids[0], "push|dev_b");
        assert!(ids[1].starts_with("totp|dev_") && ids[1] != "totp|dev_b");
    }
}
