//! Listing, enrolling and deleting a user's factors.

use serde::Serialize;

use super::data::{Device, MfaStore};
use super::devices::{Authenticator, ChallengeTarget, device_authenticators};
use crate::mock::ids::{device_id, recovery_code};
use crate::mock::lock::lock;
use crate::mock::tenant::{Factor, RosterFactor};

/// The user already has a confirmed factor, so `/mfa/associate` may not enrol another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlreadyEnrolled;

/// The result of a new enrolment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrolment {
    /// The new device's id (`dev_…`).
    pub device_id: String,
    /// The recovery code issued with the user's first enrolment.
    pub recovery_code: Option<String>,
}

/// The `mfa_requirements` of an `mfa_required` answer: what the user can be challenged with,
/// or what they may enrol when they have no confirmed factor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MfaRequirements {
    /// The types of the user's confirmed factors.
    Challenge(Vec<RequirementType>),
    /// The types a user without a confirmed factor may enrol.
    Enroll(Vec<RequirementType>),
}

/// One entry of [`MfaRequirements`]: `{"type": "otp"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RequirementType {
    /// `otp`, `push-notification`, `phone`, `recovery-code` or `email`.
    #[serde(rename = "type")]
    pub kind: &'static str,
}

/// The order of the reference's sample of `mfa_requirements.challenge` (§5.1).
const CHALLENGE_ORDER: [&str; 5] = [
    "otp",
    "push-notification",
    "phone",
    "recovery-code",
    "email",
];

/// What a user without a confirmed factor may enrol, in the reference's order.
const ENROLL_TYPES: [&str; 4] = ["otp", "phone", "email", "push-notification"];

impl MfaStore {
    /// Whether the user has at least one confirmed factor.
    pub fn is_enrolled(&self, user_id: &str) -> bool {
        lock(&self.data)
            .devices_of(user_id)
            .any(|device| device.active)
    }

    /// The `mfa_requirements` of an `mfa_required` answer for the user.
    pub fn requirements(&self, user_id: &str) -> MfaRequirements {
        let mut types: Vec<&'static str> = Vec::new();
        for authenticator in self.authenticators(user_id) {
            if authenticator.active && !types.contains(&authenticator.kind) {
                types.push(authenticator.kind);
            }
        }
        types.sort_by_key(|kind| CHALLENGE_ORDER.iter().position(|known| known == kind));
        let entries =
            |kinds: &[&'static str]| kinds.iter().map(|kind| RequirementType { kind }).collect();
        if types.is_empty() {
            MfaRequirements::Enroll(entries(&ENROLL_TYPES))
        } else {
            MfaRequirements::Challenge(entries(&types))
        }
    }

    /// Every authenticator of the user, confirmed or not, in enrolment order.
    pub fn authenticators(&self, user_id: &str) -> Vec<Authenticator> {
        lock(&self.data)
            .devices_of(user_id)
            .flat_map(|device| device_authenticators(device).into_iter().map(|(a, _)| a))
            .collect()
    }

    /// The confirmed authenticators the user can be challenged with (not recovery codes).
    pub fn challenge_targets(&self, user_id: &str) -> Vec<ChallengeTarget> {
        lock(&self.data)
            .devices_of(user_id)
            .filter(|device| device.active)
            .flat_map(|device| {
                device_authenticators(device)
                    .into_iter()
                    .filter(|(authenticator, _)| {
                        authenticator.authenticator_type != "recovery-code"
                    })
                    .map(|(authenticator, address)| ChallengeTarget {
                        authenticator,
                        device_id: device.id().to_owned(),
                        address,
                    })
            })
            .collect()
    }

    /// Deletes the device behind `authenticator_id` (both twins); `false` if the user has none.
    pub fn delete(&self, user_id: &str, authenticator_id: &str) -> bool {
        let mut data = lock(&self.data);
        let before = data.devices.len();
        data.devices.retain(|device| {
            device.user_id != user_id
                || !device_authenticators(device)
                    .iter()
                    .any(|(authenticator, _)| authenticator.id == authenticator_id)
        });
        data.devices.len() != before
    }

    /// Enrols a new, unconfirmed factor (the `id` is made here). Refused when the user already
    /// has a confirmed factor; the first enrolment also creates a recovery code.
    pub fn enrol(&self, user_id: &str, factor: Factor) -> Result<Enrolment, AlreadyEnrolled> {
        let mut data = lock(&self.data);
        if data.devices_of(user_id).any(|device| device.active) {
            return Err(AlreadyEnrolled);
        }
        let first = !data
            .devices_of(user_id)
            .any(|device| matches!(device.factor, Factor::RecoveryCode { .. }));
        let factor = super::data::with_id_and_secret(factor);
        let device_id = factor.id().unwrap_or_default().to_owned();
        data.devices.push(Device {
            user_id: user_id.to_owned(),
            factor,
            active: false,
            last_otp_step: None,
        });
        let recovery_code = first.then(|| {
            let code = recovery_code();
            data.devices.push(Device {
                user_id: user_id.to_owned(),
                factor: Factor::RecoveryCode {
                    id: Some(self::device_id()),
                    recovery_code: code.clone(),
                },
                active: false,
                last_otp_step: None,
            });
            code
        });
        Ok(Enrolment {
            device_id,
            recovery_code,
        })
    }

    /// The user's devices with their test secrets, as the roster lists them.
    pub fn describe(&self, user_id: &str) -> Vec<RosterFactor> {
        lock(&self.data)
            .devices_of(user_id)
            .map(|device| RosterFactor {
                factor: device.factor.clone(),
                active: device.active,
                authenticator_ids: device_authenticators(device)
                    .into_iter()
                    .map(|(authenticator, _)| authenticator.id)
                    .collect(),
            })
            .collect()
    }
}
