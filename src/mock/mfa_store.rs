//! MFA state: enrolled devices, `mfa_token`s, out-of-band challenges and per-user failure counts.
//!
//! A *device* is one enrolment (`dev_…`); it shows up as one or two authenticators: a phone as the
//! twins `sms|dev_…` and `voice|dev_…`, a push device as `push|dev_…` plus its OTP twin
//! `totp|dev_…`, everything else as one. Deleting either twin deletes the device. A device is
//! `active` once confirmed (seed factors are; new enrolments wait for a successful MFA grant).
//!
//! Rules kept here, each under the one lock of the store so they are exact under concurrency:
//! a TOTP step is accepted at most once per device (RFC 6238 §5.2), an `oob_code` redeems at most
//! once, and the per-user failure windows (wrong OTPs and binding codes; wrong recovery codes)
//! count every failure. The lock is a `std::sync::Mutex` held for synchronous work only.

use std::collections::HashMap;
use std::sync::Mutex;

use rand::Rng;
use serde::Serialize;
use serde_json::{Value, json};

use super::errors::{AuthError, mfa, token};
use super::ids::{random_hex, random_token};
use super::state::{Authorization, lock};
use super::tenant::{Factor, Tenant};

/// The time step of TOTP codes, in seconds (RFC 6238 default, as Auth0 uses).
pub const TOTP_STEP_SECONDS: u64 = 30;

/// The window of the per-user failure limits, in seconds.
pub const FAILURE_WINDOW_SECONDS: u64 = 3_600;

/// Every `mfa_token` and `oob_code` starts like an Iron-sealed string.
pub const SEALED_PREFIX: &str = "Fe26.2*";

/// An opaque string that looks like Auth0's Iron-sealed tokens (`Fe26.2**…`) and means nothing.
pub fn sealed_token() -> String {
    format!(
        "{SEALED_PREFIX}*{}*{}*{}**{}*{}",
        random_hex(64),
        random_token(16),
        random_token(48),
        random_hex(64),
        random_token(32)
    )
}

/// A fresh device id: `dev_` and 16 letters and digits.
pub fn device_id() -> String {
    format!("dev_{}", random_alphanumeric(16, false))
}

/// A fresh recovery code: 24 upper-case letters and digits, like Auth0's.
pub fn recovery_code() -> String {
    random_alphanumeric(24, true)
}

/// A fresh base32 TOTP secret of 160 bits (32 characters).
pub fn totp_secret() -> String {
    let mut bytes = [0u8; 20];
    rand::rng().fill(&mut bytes);
    totp_rs::Secret::from(bytes).to_base32()
}

/// A 6-digit binding code.
pub fn binding_code() -> String {
    let mut rng = rand::rng();
    (0..6)
        .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
        .collect()
}

fn random_alphanumeric(length: usize, upper_only: bool) -> String {
    const UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    const MIXED: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let alphabet = if upper_only { UPPER } else { MIXED };
    let mut rng = rand::rng();
    (0..length)
        .map(|_| char::from(alphabet[rng.random_range(0..alphabet.len())]))
        .collect()
}

/// Why an `mfa_token` was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenProblem {
    /// Never issued by this mock (or issued to another client).
    Malformed,
    /// Outlived its lifetime.
    Expired,
}

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

/// What a new `oob_code` waits for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OobWait {
    /// The user types the code sent to them (`binding_method: prompt`).
    Prompt {
        /// The expected `binding_code`.
        binding_code: String,
    },
    /// The user approves or rejects a push notification; the client polls.
    Push,
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

/// The result of a new enrolment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrolment {
    /// The new device's id (`dev_…`).
    pub device_id: String,
    /// The recovery code issued with the user's first enrolment.
    pub recovery_code: Option<String>,
}

/// Per-user limits and polling, from the tenant's MFA settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Wrong OTPs and binding codes per hour.
    pub otp_failures_per_hour: u32,
    /// Wrong recovery codes per hour.
    pub recovery_code_failures_per_hour: u32,
    /// The shortest gap between two polls of a push `oob_code`, in seconds.
    pub push_poll_interval_seconds: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum FailureKind {
    Otp,
    RecoveryCode,
}

#[derive(Debug, Clone)]
struct Device {
    user_id: String,
    /// Always carries its `id` (and, for push, its OTP twin's `secret`).
    factor: Factor,
    active: bool,
    /// The last TOTP step accepted, so a code is accepted at most once.
    last_otp_step: Option<u64>,
}

#[derive(Debug, Clone)]
struct Challenge {
    mfa_token: String,
    device_id: String,
    wait: Wait,
}

#[derive(Debug, Clone)]
enum Wait {
    Prompt {
        binding_code: String,
    },
    Push {
        decision: Option<(PushDecision, u64)>,
        last_poll: Option<u64>,
    },
}

#[derive(Debug, Default)]
struct MfaData {
    devices: Vec<Device>,
    tokens: HashMap<String, Authorization>,
    challenges: HashMap<String, Challenge>,
    failures: HashMap<(String, FailureKind), Vec<u64>>,
}

/// The MFA state of the tenant.
#[derive(Debug, Default)]
pub struct MfaStore {
    data: Mutex<MfaData>,
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

    /// Issues an `mfa_token` for a login that still needs a second factor.
    pub fn issue_token(&self, authorization: Authorization) -> String {
        let token = sealed_token();
        lock(&self.data).tokens.insert(token.clone(), authorization);
        token
    }

    /// The login behind an `mfa_token`, if it was issued to `client_id` (when given) and is
    /// still valid at `now`.
    pub fn transaction(
        &self,
        mfa_token: &str,
        client_id: Option<&str>,
        now: u64,
    ) -> Result<Authorization, TokenProblem> {
        let data = lock(&self.data);
        let authorization = data
            .tokens
            .get(mfa_token)
            .filter(|authorization| client_id.is_none_or(|id| authorization.client_id == id))
            .ok_or(TokenProblem::Malformed)?;
        if now >= authorization.expires_at {
            return Err(TokenProblem::Expired);
        }
        Ok(authorization.clone())
    }

    /// Whether the user has at least one confirmed factor.
    pub fn is_enrolled(&self, user_id: &str) -> bool {
        lock(&self.data)
            .devices
            .iter()
            .any(|device| device.user_id == user_id && device.active)
    }

    /// The `mfa_requirements` of an `mfa_required` answer: the types the user can be
    /// challenged with, or the types they may enrol when they have no confirmed factor.
    pub fn requirements(&self, user_id: &str) -> Value {
        let mut types: Vec<&str> = Vec::new();
        for authenticator in self.authenticators(user_id) {
            if authenticator.active && !types.contains(&authenticator.kind) {
                types.push(authenticator.kind);
            }
        }
        // The order of the reference's sample (§5.1).
        let order = [
            "otp",
            "push-notification",
            "phone",
            "recovery-code",
            "email",
        ];
        types.sort_by_key(|kind| order.iter().position(|known| known == kind));
        if types.is_empty() {
            let enroll: Vec<Value> = ["otp", "phone", "email", "push-notification"]
                .iter()
                .map(|kind| json!({"type": kind}))
                .collect();
            json!({"enroll": enroll})
        } else {
            let challenge: Vec<Value> = types.iter().map(|kind| json!({"type": kind})).collect();
            json!({"challenge": challenge})
        }
    }

    /// Every authenticator of the user, confirmed or not, in enrolment order.
    pub fn authenticators(&self, user_id: &str) -> Vec<Authenticator> {
        lock(&self.data)
            .devices
            .iter()
            .filter(|device| device.user_id == user_id)
            .flat_map(|device| device_authenticators(device).into_iter().map(|(a, _)| a))
            .collect()
    }

    /// The confirmed authenticators the user can be challenged with (not recovery codes).
    pub fn challenge_targets(&self, user_id: &str) -> Vec<ChallengeTarget> {
        lock(&self.data)
            .devices
            .iter()
            .filter(|device| device.user_id == user_id && device.active)
            .flat_map(|device| {
                device_authenticators(device)
                    .into_iter()
                    .filter(|(authenticator, _)| {
                        authenticator.authenticator_type != "recovery-code"
                    })
                    .map(|(authenticator, address)| ChallengeTarget {
                        authenticator,
                        device_id: device_id_of(device).to_owned(),
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
    pub fn enrol(&self, user_id: &str, factor: Factor) -> Result<Enrolment, AuthError> {
        let mut data = lock(&self.data);
        let user_devices = || data.devices.iter().filter(|d| d.user_id == user_id);
        if user_devices().any(|device| device.active) {
            return Err(mfa::already_enrolled());
        }
        let first = !user_devices().any(|d| matches!(d.factor, Factor::RecoveryCode { .. }));
        let factor = with_id_and_secret(factor);
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

    /// Issues an `oob_code` for a challenge (or an enrolment) of `device_id`.
    pub fn issue_oob(&self, mfa_token: &str, device_id: &str, wait: OobWait) -> String {
        let oob_code = sealed_token();
        let wait = match wait {
            OobWait::Prompt { binding_code } => Wait::Prompt { binding_code },
            OobWait::Push => Wait::Push {
                decision: None,
                last_poll: None,
            },
        };
        lock(&self.data).challenges.insert(
            oob_code.clone(),
            Challenge {
                mfa_token: mfa_token.to_owned(),
                device_id: device_id.to_owned(),
                wait,
            },
        );
        oob_code
    }

    /// Records the user's answer to a push notification, effective from `effective_at`.
    /// `false` when no push waits under this `oob_code`.
    pub fn decide_push(&self, oob_code: &str, decision: PushDecision, effective_at: u64) -> bool {
        match lock(&self.data).challenges.get_mut(oob_code) {
            Some(Challenge {
                wait: Wait::Push { decision: slot, .. },
                ..
            }) => {
                *slot = Some((decision, effective_at));
                true
            }
            _ => false,
        }
    }

    /// Checks an OTP against the user's TOTP secrets (±1 step); success confirms the device.
    pub fn verify_otp(
        &self,
        user_id: &str,
        otp: &str,
        now: u64,
        limits: &Limits,
    ) -> Result<(), AuthError> {
        let mut data = lock(&self.data);
        data.check_limit(user_id, FailureKind::Otp, limits, now)?;
        let matched = data.devices.iter_mut().find_map(|device| {
            if device.user_id != user_id {
                return None;
            }
            let step = totp_step(&device.factor, otp, now)?;
            if device.last_otp_step.is_some_and(|last| step <= last) {
                // RFC 6238 §5.2: a code is accepted once.
                return None;
            }
            device.last_otp_step = Some(step);
            Some(device_id_of(device).to_owned())
        });
        match matched {
            Some(device_id) => {
                data.confirm(user_id, &device_id);
                Ok(())
            }
            None => {
                data.record_failure(user_id, FailureKind::Otp, now);
                Err(mfa::invalid_otp_code())
            }
        }
    }

    /// Redeems an `oob_code` of `mfa_token`: checks the binding code or polls the push.
    /// Success consumes the code and confirms the device.
    pub fn redeem_oob(
        &self,
        mfa_token: &str,
        user_id: &str,
        oob_code: &str,
        binding_code: Option<&str>,
        now: u64,
        limits: &Limits,
    ) -> Result<(), AuthError> {
        let mut data = lock(&self.data);
        let challenge = data
            .challenges
            .get_mut(oob_code)
            .filter(|challenge| challenge.mfa_token == mfa_token)
            .ok_or_else(mfa::invalid_oob_code)?;
        let device_id = challenge.device_id.clone();
        match &mut challenge.wait {
            Wait::Prompt {
                binding_code: expected,
            } => {
                let expected = expected.clone();
                let presented =
                    binding_code.ok_or_else(|| token::missing_parameter("binding_code"))?;
                data.check_limit(user_id, FailureKind::Otp, limits, now)?;
                if !constant_time_eq(expected.as_bytes(), presented.as_bytes()) {
                    data.record_failure(user_id, FailureKind::Otp, now);
                    return Err(mfa::invalid_binding_code());
                }
            }
            Wait::Push {
                decision,
                last_poll,
            } => {
                let too_fast = last_poll.is_some_and(|last| {
                    now < last.saturating_add(limits.push_poll_interval_seconds)
                });
                *last_poll = Some(now);
                if too_fast {
                    return Err(mfa::slow_down(limits.push_poll_interval_seconds));
                }
                match *decision {
                    Some((PushDecision::Approved, at)) if now >= at => {}
                    Some((PushDecision::Rejected, at)) if now >= at => {
                        data.challenges.remove(oob_code);
                        return Err(mfa::push_rejected());
                    }
                    _ => return Err(mfa::authorization_pending()),
                }
            }
        }
        data.challenges.remove(oob_code);
        data.confirm(user_id, &device_id);
        Ok(())
    }

    /// Redeems a recovery code and returns the user's new one.
    pub fn redeem_recovery_code(
        &self,
        user_id: &str,
        presented: &str,
        now: u64,
        limits: &Limits,
    ) -> Result<String, AuthError> {
        let mut data = lock(&self.data);
        data.check_limit(user_id, FailureKind::RecoveryCode, limits, now)?;
        let presented: String = presented
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let slot = data.devices.iter_mut().find_map(|device| match device {
            Device {
                user_id: owner,
                active: true,
                factor:
                    Factor::RecoveryCode {
                        recovery_code: code,
                        ..
                    },
                ..
            } if owner == user_id
                && constant_time_eq(code.to_ascii_uppercase().as_bytes(), presented.as_bytes()) =>
            {
                Some(code)
            }
            _ => None,
        });
        match slot {
            Some(code) => {
                let fresh = recovery_code();
                code.clone_from(&fresh);
                Ok(fresh)
            }
            None => {
                data.record_failure(user_id, FailureKind::RecoveryCode, now);
                Err(mfa::invalid_recovery_code())
            }
        }
    }

    /// The user's devices with their test secrets, for the control API.
    pub fn describe(&self, user_id: &str) -> Vec<Value> {
        lock(&self.data)
            .devices
            .iter()
            .filter(|device| device.user_id == user_id)
            .map(|device| {
                let ids: Vec<String> = device_authenticators(device)
                    .into_iter()
                    .map(|(authenticator, _)| authenticator.id)
                    .collect();
                let mut value = serde_json::to_value(&device.factor).unwrap_or(Value::Null);
                if let Value::Object(fields) = &mut value {
                    fields.insert("active".into(), Value::from(device.active));
                    fields.insert("authenticator_ids".into(), json!(ids));
                }
                value
            })
            .collect()
    }
}

impl MfaData {
    /// Fails with `too_many_attempts` when the user used up the hourly budget of `kind`.
    fn check_limit(
        &mut self,
        user_id: &str,
        kind: FailureKind,
        limits: &Limits,
        now: u64,
    ) -> Result<(), AuthError> {
        let limit = match kind {
            FailureKind::Otp => limits.otp_failures_per_hour,
            FailureKind::RecoveryCode => limits.recovery_code_failures_per_hour,
        };
        let Some(failures) = self.failures.get_mut(&(user_id.to_owned(), kind)) else {
            return Ok(());
        };
        failures.retain(|at| now < at.saturating_add(FAILURE_WINDOW_SECONDS));
        if failures.len() < usize::try_from(limit).unwrap_or(usize::MAX) {
            return Ok(());
        }
        let reset = failures
            .first()
            .map_or(now, |oldest| oldest.saturating_add(FAILURE_WINDOW_SECONDS));
        Err(match kind {
            FailureKind::Otp => mfa::too_many_failed_codes(limit, reset),
            FailureKind::RecoveryCode => mfa::too_many_failed_recovery_codes(limit, reset),
        })
    }

    fn record_failure(&mut self, user_id: &str, kind: FailureKind, now: u64) {
        self.failures
            .entry((user_id.to_owned(), kind))
            .or_default()
            .push(now);
    }

    /// Confirms a device and the recovery code enrolled with it.
    fn confirm(&mut self, user_id: &str, device_id: &str) {
        for device in &mut self.devices {
            if device.user_id == user_id
                && (device_id_of(device) == device_id
                    || matches!(device.factor, Factor::RecoveryCode { .. }))
            {
                device.active = true;
            }
        }
    }
}

/// Fills in a random device id and, for push devices, a random OTP-twin secret.
fn with_id_and_secret(mut factor: Factor) -> Factor {
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

fn device_id_of(device: &Device) -> &str {
    device.factor.id().unwrap_or_default()
}

/// The authenticators a device shows, each with the address a code for it goes to.
fn device_authenticators(device: &Device) -> Vec<(Authenticator, Option<String>)> {
    let dev = device_id_of(device);
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

/// `+15555558730` → `XXXXXXXX8730`: every character but the last four becomes `X`.
pub fn mask_phone(phone: &str) -> String {
    let count = phone.chars().count();
    phone
        .chars()
        .enumerate()
        .map(|(idx, c)| if idx + 4 < count { 'X' } else { c })
        .collect()
}

/// `email-mfa@example.com` → `e*****@example.com` (UNVERIFIED: Auth0's e-mail mask).
pub fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}*****@{domain}")
        }
        None => "*****".to_owned(),
    }
}

/// The TOTP step `otp` matches for this factor at `now` (±1 step), if it has a TOTP secret.
fn totp_step(factor: &Factor, otp: &str, now: u64) -> Option<u64> {
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

/// Compares without an early exit, so timing does not reveal how many leading characters matched.
fn constant_time_eq(left: &[u8], right: &[u8]) -> bool {
    left.len() == right.len()
        && left
            .iter()
            .zip(right)
            .fold(0u8, |acc, (l, r)| acc | (l ^ r))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_are_masked_but_the_last_four_digits() {
        assert_eq!(mask_phone("+15555558730"), "XXXXXXXX8730");
        assert_eq!(mask_phone("+123"), "+123");
    }

    #[test]
    fn emails_keep_their_first_letter_and_domain() {
        assert_eq!(mask_email("email-mfa@example.com"), "e*****@example.com");
    }

    #[test]
    fn generated_secrets_and_codes_have_auth0_shapes() {
        let secret = totp_secret();
        assert_eq!(secret.len(), 32);
        assert!(totp_rs::Secret::try_from_base32(&secret).is_ok());
        let code = recovery_code();
        assert_eq!(code.len(), 24);
        assert!(
            code.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        );
        assert!(sealed_token().starts_with("Fe26.2**"));
        assert_ne!(sealed_token(), sealed_token());
        let id = device_id();
        assert_eq!(id.len(), 20);
        assert!(id.starts_with("dev_"));
    }

    #[test]
    fn a_totp_step_is_accepted_once_and_only_within_one_step() {
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
