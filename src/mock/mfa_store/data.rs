//! The MFA store and the records it keeps behind its one lock.

use std::collections::HashMap;
use std::sync::Mutex;

use serde::Serialize;

use crate::mock::grants::Authorization;
use crate::mock::ids::{device_id, totp_secret};
use crate::mock::tenant::{Factor, Tenant};

/// The MFA state of the tenant.
#[derive(Debug, Default)]
pub struct MfaStore {
    pub(super) data: Mutex<MfaData>,
}

/// Everything behind the store's lock.
#[derive(Debug, Default)]
pub(super) struct MfaData {
    pub(super) devices: Vec<Device>,
    pub(super) tokens: HashMap<String, Authorization>,
    pub(super) challenges: HashMap<String, Challenge>,
    pub(super) failures: HashMap<(String, FailureKind), Vec<u64>>,
}

/// One enrolment of one user.
#[derive(Debug, Clone)]
pub(super) struct Device {
    pub(super) user_id: String,
    /// Always carries its `id` (and, for push, its OTP twin's `secret`).
    pub(super) factor: Factor,
    pub(super) active: bool,
    /// The last TOTP step accepted, so a code is accepted at most once.
    pub(super) last_otp_step: Option<u64>,
}

/// An `oob_code` waiting for its proof.
#[derive(Debug, Clone)]
pub(super) struct Challenge {
    pub(super) mfa_token: String,
    pub(super) device_id: String,
    pub(super) wait: Wait,
}

/// What an `oob_code` waits for.
#[derive(Debug, Clone)]
pub(super) enum Wait {
    Prompt {
        binding_code: String,
    },
    Push {
        decision: Option<(PushDecision, u64)>,
        last_poll: Option<u64>,
    },
}

/// Which per-user failure budget a wrong proof counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FailureKind {
    /// Wrong OTPs and binding codes.
    Otp,
    /// Wrong recovery codes.
    RecoveryCode,
}

/// A decision on a push notification, made through the control API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PushDecision {
    /// The user tapped "Allow".
    Approved,
    /// The user tapped "Deny".
    Rejected,
}

impl MfaStore {
    /// The confirmed factors of the fixture's seed users.
    pub fn seeded(tenant: &Tenant) -> MfaStore {
        let mut devices = Vec::new();
        for user in &tenant.users {
            for factor in &user.factors {
                devices.push(Device {
                    user_id: user.user_id.clone(),
                    factor: with_id_and_secret(factor.clone()),
                    active: true,
                    last_otp_step: None,
                });
            }
        }
        MfaStore {
            data: Mutex::new(MfaData {
                devices,
                ..MfaData::default()
            }),
        }
    }
}

impl Device {
    /// The device id (`dev_…`).
    pub(super) fn id(&self) -> &str {
        self.factor.id().unwrap_or_default()
    }
}

impl MfaData {
    /// The devices of one user, in enrolment order.
    pub(super) fn devices_of<'a>(&'a self, user_id: &'a str) -> impl Iterator<Item = &'a Device> {
        self.devices
            .iter()
            .filter(move |device| device.user_id == user_id)
    }

    /// Confirms a device and the recovery code enrolled with it.
    pub(super) fn confirm(&mut self, user_id: &str, device_id: &str) {
        for device in &mut self.devices {
            if device.user_id == user_id
                && (device.id() == device_id
                    || matches!(device.factor, Factor::RecoveryCode { .. }))
            {
                device.active = true;
            }
        }
    }
}

/// Fills in a random device id and, for push devices, a random OTP-twin secret.
pub(super) fn with_id_and_secret(mut factor: Factor) -> Factor {
    match &mut factor {
        Factor::Totp { id, .. }
        | Factor::Sms { id, .. }
        | Factor::Email { id, .. }
        | Factor::RecoveryCode { id, .. } => {
            id.get_or_insert_with(device_id);
        }
        Factor::Push { id, secret, .. } => {
            id.get_or_insert_with(device_id);
            secret.get_or_insert_with(totp_secret);
        }
    }
    factor
}
