//! The MFA store and the records it keeps behind its one lock.

use std::collections::HashMap;
use std::sync::Mutex;

use serde::Serialize;

use crate::mock::grants::Authorization;
use crate::mock::ids::{device_id, totp_secret};
use crate::mock::tenant::{Factor, Tenant, TenantFeatures};

/// The MFA state of the tenant.
#[derive(Debug, Default)]
pub struct MfaStore {
    pub(super) data: Mutex<MfaData>,
    /// The tenant's factors and Customizable-MFA switch; fixed for the store's life.
    pub(super) features: TenantFeatures,
}

/// Everything behind the store's lock.
#[derive(Debug, Default)]
pub(super) struct MfaData {
    pub(super) devices: Vec<Device>,
    /// `mfa_token`s and the login each finishes.
    pub(super) tokens: HashMap<String, Authorization>,
    /// Access tokens for the MFA API's audience, and what they allow.
    pub(super) api_tokens: HashMap<String, ApiGrant>,
    pub(super) challenges: HashMap<String, Challenge>,
    pub(super) buckets: HashMap<(String, FailureKind), Bucket>,
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

/// An access token for the MFA API: the login it came from and its scopes.
#[derive(Debug, Clone)]
pub(super) struct ApiGrant {
    pub(super) authorization: Authorization,
    pub(super) scopes: Vec<String>,
}

/// Who may redeem an `oob_code`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Owner {
    /// The `mfa_token` it was issued under (a challenge, or an enrolment with an `mfa_token`).
    MfaToken(String),
    /// Any `mfa_token` of the user (an enrolment made with an MFA access token).
    User,
}

/// An `oob_code` waiting for its proof.
#[derive(Debug, Clone)]
pub(super) struct Challenge {
    pub(super) owner: Owner,
    pub(super) user_id: String,
    pub(super) device_id: String,
    pub(super) wait: Wait,
    /// Unix seconds when the `oob_code` (and its binding code) stops being accepted.
    pub(super) expires_at: u64,
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

/// A per-user budget of failed proofs: `used` of the bucket's size, one coming back every
/// refill interval counted from `since`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct Bucket {
    pub(super) used: u32,
    pub(super) since: u64,
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
    /// The confirmed factors of the fixture's seed users, under the fixture's features.
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
            features: tenant.features.clone(),
        }
    }

    /// The features the store was seeded with.
    pub fn features(&self) -> &TenantFeatures {
        &self.features
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
        if !self
            .devices
            .iter()
            .any(|device| device.user_id == user_id && device.id() == device_id)
        {
            // A verified e-mail is no enrolment: nothing to confirm.
            return;
        }
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
