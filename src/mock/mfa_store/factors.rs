//! Listing, enrolling and deleting a user's factors.
//!
//! A user's authenticators are their devices' (confirmed or not) plus, on tenants with the
//! e-mail factor, their verified e-mail address as an active e-mail authenticator that cannot be
//! deleted and does not count as an enrolment (unless the same address was enrolled explicitly).

use serde::Serialize;

use super::data::{Device, MfaStore};
use super::devices::{
    Authenticator, ChallengeTarget, device_authenticators, verified_email_authenticator,
    verified_email_device,
};
use crate::mock::address::normalize_identifier;
use crate::mock::ids::{device_id, recovery_code};
use crate::mock::lock::lock;
use crate::mock::tenant::{Factor, MfaFactor, RosterFactor};

/// The user already has a confirmed factor, so an `mfa_token` may not enrol another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlreadyEnrolled;

/// Why an authenticator was not deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeleteRefusal {
    /// The user has no authenticator with this id.
    NotFound,
    /// It is the authenticator of a verified e-mail, which cannot be deleted.
    VerifiedEmail,
}

/// The result of a new enrolment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrolment {
    /// The new device's id (`dev_…`).
    pub device_id: String,
    /// The recovery code issued with the user's first enrolment.
    pub recovery_code: Option<String>,
}

/// The `mfa_requirements` of an `mfa_required` answer (Customizable MFA only): what the user can
/// be challenged with, or what they may enrol when they have no confirmed factor.
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

/// The order of Auth0's documented sample of `mfa_requirements.challenge`.
const CHALLENGE_ORDER: [&str; 5] = [
    "otp",
    "push-notification",
    "phone",
    "recovery-code",
    "email",
];

impl MfaStore {
    /// Whether the user has at least one confirmed factor (a verified e-mail does not count).
    pub fn is_enrolled(&self, user_id: &str) -> bool {
        lock(&self.data)
            .devices_of(user_id)
            .any(|device| device.active)
    }

    /// The `mfa_requirements` of an `mfa_required` answer, on Customizable-MFA tenants.
    pub fn requirements(&self, user_id: &str, email: Option<&str>) -> Option<MfaRequirements> {
        if !self.features.customizable_mfa {
            return None;
        }
        let mut types: Vec<&'static str> = Vec::new();
        for authenticator in self.authenticators(user_id, email) {
            let kind = authenticator.requirement_type();
            if authenticator.active && !types.contains(&kind) {
                types.push(kind);
            }
        }
        types.sort_by_key(|kind| CHALLENGE_ORDER.iter().position(|known| known == kind));
        let entries =
            |kinds: &[&'static str]| kinds.iter().map(|kind| RequirementType { kind }).collect();
        // A verified e-mail alone is no enrolment: such a user enrols first.
        if !self.is_enrolled(user_id) {
            let enrollable: Vec<&'static str> = [
                (MfaFactor::Otp, "otp"),
                (MfaFactor::Sms, "phone"),
                (MfaFactor::Email, "email"),
                (MfaFactor::Push, "push-notification"),
            ]
            .iter()
            .filter(|(factor, _)| self.features.has(*factor))
            .map(|(_, kind)| *kind)
            .collect();
            return Some(MfaRequirements::Enroll(entries(&enrollable)));
        }
        Some(MfaRequirements::Challenge(entries(&types)))
    }

    /// Every authenticator of the user, confirmed or not, in enrolment order; the verified
    /// e-mail (when the tenant has the e-mail factor) last.
    pub fn authenticators(&self, user_id: &str, email: Option<&str>) -> Vec<Authenticator> {
        self.shown(user_id, email)
            .into_iter()
            .map(|(authenticator, _, _)| authenticator)
            .collect()
    }

    /// The confirmed authenticators the user can be challenged with (not recovery codes).
    pub fn challenge_targets(&self, user_id: &str, email: Option<&str>) -> Vec<ChallengeTarget> {
        self.shown(user_id, email)
            .into_iter()
            .filter(|(authenticator, _, _)| {
                authenticator.active && authenticator.authenticator_type != "recovery-code"
            })
            .map(|(authenticator, device_id, address)| ChallengeTarget {
                authenticator,
                device_id,
                address,
            })
            .collect()
    }

    /// Each authenticator with its device id and the address a code for it goes to.
    fn shown(
        &self,
        user_id: &str,
        email: Option<&str>,
    ) -> Vec<(Authenticator, String, Option<String>)> {
        let data = lock(&self.data);
        let mut shown: Vec<(Authenticator, String, Option<String>)> = data
            .devices_of(user_id)
            .flat_map(|device| {
                device_authenticators(device, &self.features)
                    .into_iter()
                    .map(|(authenticator, address)| {
                        (authenticator, device.id().to_owned(), address)
                    })
            })
            .collect();
        if let Some(email) = email.filter(|_| self.features.has(MfaFactor::Email)) {
            let enrolled_explicitly = data.devices_of(user_id).any(|device| {
                matches!(&device.factor, Factor::Email { email: enrolled, .. }
                    if normalize_identifier(enrolled) == normalize_identifier(email))
            });
            if !enrolled_explicitly {
                let (authenticator, address) =
                    verified_email_authenticator(user_id, email, &self.features);
                shown.push((authenticator, verified_email_device(user_id), address));
            }
        }
        shown
    }

    /// Deletes the device behind `authenticator_id` (with its twin).
    pub fn delete(&self, user_id: &str, authenticator_id: &str) -> Result<(), DeleteRefusal> {
        if authenticator_id == format!("email|{}", verified_email_device(user_id))
            && self.features.has(MfaFactor::Email)
        {
            return Err(DeleteRefusal::VerifiedEmail);
        }
        let mut data = lock(&self.data);
        let before = data.devices.len();
        data.devices.retain(|device| {
            device.user_id != user_id
                || !device_authenticators(device, &self.features)
                    .iter()
                    .any(|(authenticator, _)| authenticator.id == authenticator_id)
        });
        if data.devices.len() == before {
            Err(DeleteRefusal::NotFound)
        } else {
            Ok(())
        }
    }

    /// Enrols a new, unconfirmed factor (the `id` is made here), confirmed later by a grant
    /// with it (evidence `mfa.associate.confirmation`). With `as_first` (an `mfa_token`),
    /// refused when the user already has a confirmed factor; an MFA access token with `enroll`
    /// may add more. The first enrolment also creates a recovery code when the tenant has that
    /// factor (evidence `mfa.associate.first_recovery_code`).
    pub fn enrol(
        &self,
        user_id: &str,
        factor: Factor,
        as_first: bool,
    ) -> Result<Enrolment, AlreadyEnrolled> {
        let mut data = lock(&self.data);
        if as_first && data.devices_of(user_id).any(|device| device.active) {
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
        let recovery_code = (first && self.features.has(MfaFactor::RecoveryCode)).then(|| {
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
                authenticator_ids: device_authenticators(device, &self.features)
                    .into_iter()
                    .map(|(authenticator, _)| authenticator.id)
                    .collect(),
            })
            .collect()
    }
}
