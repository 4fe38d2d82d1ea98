//! How a device shows in `GET /mfa/authenticators`, and which TOTP step a code matches.

use serde::Serialize;

use super::data::Device;
use crate::mock::address::{mask_email, mask_phone};
use crate::mock::tenant::Factor;

/// The time step of TOTP codes, in seconds (RFC 6238 default, as Auth0 uses).
pub const TOTP_STEP_SECONDS: u64 = 30;

/// One entry of `GET /mfa/authenticators` (§5.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Authenticator {
    /// E.g. `totp|dev_6NWz8awwC8brh2dN`.
    pub id: String,
    /// `otp`, `oob` or `recovery-code`.
    pub authenticator_type: &'static str,
    /// `sms`, `voice`, `email` or `auth0` for `oob` authenticators.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oob_channel: Option<&'static str>,
    /// A masked phone number or address, or the push device's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Whether the enrolment was confirmed.
    pub active: bool,
    /// The customizable-MFA type: `otp`, `phone`, `email`, `push-notification`, `recovery-code`.
    #[serde(rename = "type")]
    pub kind: &'static str,
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
/// order of [`Factor::authenticator_kinds`].
pub(super) fn device_authenticators(device: &Device) -> Vec<(Authenticator, Option<String>)> {
    let dev = device.id();
    let active = device.active;
    let make = |prefix: &str,
                authenticator_type: &'static str,
                oob_channel: Option<&'static str>,
                name: Option<String>,
                kind: &'static str| Authenticator {
        id: format!("{prefix}|{dev}"),
        authenticator_type,
        oob_channel,
        name,
        active,
        kind,
    };
    match &device.factor {
        Factor::Totp { .. } => vec![(make("totp", "otp", None, None, "otp"), None)],
        Factor::Sms { phone_number, .. } => {
            let masked = mask_phone(phone_number);
            vec![
                (
                    make("sms", "oob", Some("sms"), Some(masked.clone()), "phone"),
                    Some(phone_number.clone()),
                ),
                (
                    make("voice", "oob", Some("voice"), Some(masked), "phone"),
                    Some(phone_number.clone()),
                ),
            ]
        }
        Factor::Email { email, .. } => vec![(
            make(
                "email",
                "oob",
                Some("email"),
                Some(mask_email(email)),
                "email",
            ),
            Some(email.clone()),
        )],
        Factor::Push { name, .. } => vec![
            (
                make(
                    "push",
                    "oob",
                    Some("auth0"),
                    Some(name.clone()),
                    "push-notification",
                ),
                None,
            ),
            (make("totp", "otp", None, None, "otp"), None),
        ],
        Factor::RecoveryCode { .. } => vec![(
            make(
                "recovery-code",
                "recovery-code",
                None,
                None,
                "recovery-code",
            ),
            None,
        )],
    }
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
        for factor in factors {
            let device = Device {
                user_id: "u".to_owned(),
                factor: factor.clone(),
                active: true,
                last_otp_step: None,
            };
            let ids: Vec<String> = device_authenticators(&device)
                .into_iter()
                .map(|(authenticator, _)| authenticator.id)
                .collect();
            assert_eq!(ids, factor.authenticator_ids());
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
