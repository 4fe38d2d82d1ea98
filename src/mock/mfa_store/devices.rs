//! How a device shows in `GET /mfa/authenticators`, and which TOTP step a code matches.

use serde::Serialize;

use super::data::Device;
use crate::mock::address::{mask_email, mask_phone};
use crate::mock::ids::derived_device_id;
use crate::mock::tenant::{Factor, MfaFactor, TenantFeatures};

/// The time step of TOTP codes, in seconds (RFC 6238 default, as Auth0 uses).
pub const TOTP_STEP_SECONDS: u64 = 30;

/// One entry of `GET /mfa/authenticators`, its members in the recorded order (evidence
/// `mfa.list.body`): `id`, `authenticator_type`, `active`, `oob_channel`, `name`, and `type`
/// last on Customizable-MFA tenants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Authenticator {
    /// E.g. `totp|dev_6NWz8awwC8brh2dN`.
    pub id: String,
    /// `otp`, `oob` or `recovery-code`.
    pub authenticator_type: &'static str,
    /// Whether the enrolment was confirmed.
    pub active: bool,
    /// `sms`, `voice`, `email` or `auth0` for `oob` authenticators.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oob_channel: Option<&'static str>,
    /// A masked phone number or address (push devices have none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The Customizable-MFA type (`otp`, `phone`, `email`, `push-notification`,
    /// `recovery-code`), listed only when the tenant has that feature.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<&'static str>,
}

impl Authenticator {
    /// The Customizable-MFA type, whether or not the list shows it.
    pub fn requirement_type(&self) -> &'static str {
        match (self.authenticator_type, self.oob_channel) {
            ("otp", _) => "otp",
            ("recovery-code", _) => "recovery-code",
            (_, Some("auth0")) => "push-notification",
            (_, Some("email")) => "email",
            _ => "phone",
        }
    }
}

/// An authenticator the user can be challenged with, and where a code for it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChallengeTarget {
    /// The listed authenticator.
    pub authenticator: Authenticator,
    /// The device it belongs to.
    pub device_id: String,
    /// The phone number or address of an `sms`/`voice`/`email` authenticator.
    pub address: Option<String>,
}

/// The authenticators a device shows, each with the address a code for it goes to, in the
/// order of [`Factor::authenticator_ids`].
pub(super) fn device_authenticators(
    device: &Device,
    features: &TenantFeatures,
) -> Vec<(Authenticator, Option<String>)> {
    let dev = device.id();
    let active = device.active;
    let make = |id: String,
                authenticator_type: &'static str,
                oob_channel: Option<&'static str>,
                name: Option<String>| {
        let mut authenticator = Authenticator {
            id,
            authenticator_type,
            active,
            oob_channel,
            name,
            kind: None,
        };
        if features.customizable_mfa {
            authenticator.kind = Some(authenticator.requirement_type());
        }
        authenticator
    };
    match &device.factor {
        Factor::Totp { .. } => vec![(make(format!("totp|{dev}"), "otp", None, None), None)],
        Factor::Sms { phone_number, .. } => {
            let masked = mask_phone(phone_number);
            let mut shown = vec![(
                make(
                    format!("sms|{dev}"),
                    "oob",
                    Some("sms"),
                    Some(masked.clone()),
                ),
                Some(phone_number.clone()),
            )];
            // evidence `mfa.list.voice_twin`
            if features.has(MfaFactor::Voice) {
                shown.push((
                    make(format!("voice|{dev}"), "oob", Some("voice"), Some(masked)),
                    Some(phone_number.clone()),
                ));
            }
            shown
        }
        Factor::Email { email, .. } => vec![(
            make(
                format!("email|{dev}"),
                "oob",
                Some("email"),
                Some(mask_email(email)),
            ),
            Some(email.clone()),
        )],
        Factor::Push { .. } => vec![
            (
                make(format!("push|{dev}"), "oob", Some("auth0"), None),
                None,
            ),
            (
                make(
                    format!("totp|{}", derived_device_id("push-otp-twin", dev)),
                    "otp",
                    None,
                    None,
                ),
                None,
            ),
        ],
        Factor::RecoveryCode { .. } => vec![(
            make(format!("recovery-code|{dev}"), "recovery-code", None, None),
            None,
        )],
    }
}

/// The device id of the e-mail authenticator a verified address shows as.
pub(super) fn verified_email_device(user_id: &str) -> String {
    derived_device_id("verified-email", user_id)
}

/// The active, undeletable e-mail authenticator of a user's verified address, on tenants with
/// the e-mail factor (evidence `mfa.list.verified_email`).
pub(super) fn verified_email_authenticator(
    user_id: &str,
    email: &str,
    features: &TenantFeatures,
) -> (Authenticator, Option<String>) {
    let mut authenticator = Authenticator {
        id: format!("email|{}", verified_email_device(user_id)),
        authenticator_type: "oob",
        active: true,
        oob_channel: Some("email"),
        name: Some(mask_email(email)),
        kind: None,
    };
    if features.customizable_mfa {
        authenticator.kind = Some("email");
    }
    (authenticator, Some(email.to_owned()))
}

/// The TOTP step `otp` matches for this factor at `now` (±1 step), if it has a TOTP secret.
pub(super) fn totp_step(factor: &Factor, otp: &str, now: u64) -> Option<u64> {
    let secret = match factor {
        Factor::Totp { secret, .. }
        | Factor::Push {
            secret: Some(secret),
            ..
        } => secret,
        _ => return None,
    };
    let bytes = totp_rs::Secret::try_from_base32(secret).ok()?;
    let totp = totp_rs::Builder::new()
        .with_secret(bytes)
        .with_step_duration(TOTP_STEP_SECONDS)
        .with_skew(1)
        .build()
        .ok()?;
    totp.check(otp.trim(), now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock::tenant::DEFAULT_PUSH_DEVICE_NAME;

    #[test]
    fn members_come_in_the_recorded_order_and_type_only_with_customizable_mfa() {
        let device = Device {
            user_id: "u".to_owned(),
            factor: Factor::Sms {
                id: Some("dev_b".to_owned()),
                phone_number: "+15555550100".to_owned(),
            },
            active: false,
            last_otp_step: None,
        };
        let (plain, _) = device_authenticators(&device, &TenantFeatures::default()).remove(0);
        assert_eq!(
            serde_json::to_string(&plain).unwrap(),
            r#"{"id":"sms|dev_b","authenticator_type":"oob","active":false,"oob_channel":"sms","name":"XXXXXXXX0100"}"#
        );
        let customizable = TenantFeatures {
            customizable_mfa: true,
            ..TenantFeatures::default()
        };
        let (typed, _) = device_authenticators(&device, &customizable).remove(0);
        assert!(
            serde_json::to_string(&typed)
                .unwrap()
                .ends_with(r#","type":"phone"}"#)
        );
    }

    #[test]
    fn a_devices_authenticator_ids_are_its_factors() {
        let factors = [
            Factor::Totp {
                id: Some("dev_a".to_owned()),
                secret: "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ".to_owned(),
            },
            Factor::Sms {
                id: Some("dev_b".to_owned()),
                phone_number: "+15555550100".to_owned(),
            },
            Factor::Email {
                id: Some("dev_c".to_owned()),
                email: "a@example.com".to_owned(),
            },
            Factor::Push {
                id: Some("dev_d".to_owned()),
                name: DEFAULT_PUSH_DEVICE_NAME.to_owned(),
                secret: None,
            },
            Factor::RecoveryCode {
                id: Some("dev_e".to_owned()),
                recovery_code: "ABC".to_owned(),
            },
        ];
        let features = TenantFeatures {
            customizable_mfa: true,
            factors: vec![MfaFactor::Otp, MfaFactor::Sms, MfaFactor::Voice],
        };
        for factor in factors {
            let device = Device {
                user_id: "u".to_owned(),
                factor: factor.clone(),
                active: true,
                last_otp_step: None,
            };
            for features in [&features, &TenantFeatures::default()] {
                let ids: Vec<String> = device_authenticators(&device, features)
                    .into_iter()
                    .map(|(authenticator, _)| authenticator.id)
                    .collect();
                assert_eq!(ids, factor.authenticator_ids(features));
            }
        }
    }

    #[test]
    fn a_totp_step_is_accepted_only_within_one_step() {
        let secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
        let factor = Factor::Totp {
            id: Some("dev_a".to_owned()),
            secret: secret.to_owned(),
        };
        let bytes = totp_rs::Secret::try_from_base32(secret).unwrap();
        let totp = totp_rs::Builder::new().with_secret(bytes).build().unwrap();
        let now: u64 = 1_700_000_010;
        for (offset, ok) in [
            (-60i64, false),
            (-30, true),
            (0, true),
            (30, true),
            (60, false),
        ] {
            let code = totp
                .generate(now.checked_add_signed(offset).unwrap())
                .to_string();
            assert_eq!(totp_step(&factor, &code, now).is_some(), ok, "{offset}");
        }
    }
}
