//! `mfa_token`s, out-of-band challenges, and the checks of a second factor with their limits.

use super::data::{Challenge, FailureKind, MfaData, MfaStore, PushDecision, Wait};
use super::devices::totp_step;
use crate::mock::grants::Authorization;
use crate::mock::ids::{constant_time_eq, random_digits, recovery_code, sealed_token};
use crate::mock::lock::lock;
use crate::mock::tenant::Factor;

/// The window of the per-user failure limits, in seconds.
pub const FAILURE_WINDOW_SECONDS: u64 = 3_600;

/// The digits of a binding code.
const BINDING_CODE_DIGITS: usize = 6;

/// Why an `mfa_token` was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenProblem {
    /// Never issued by this mock (or issued to another client).
    Malformed,
    /// Outlived its lifetime.
    Expired,
}

/// Why a second factor was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MfaRejection {
    /// No TOTP secret of the user matches the code (or its step was used already).
    InvalidOtp,
    /// The `oob_code` is unknown, redeemed, rejected, or belongs to another `mfa_token`.
    InvalidOobCode,
    /// The `oob_code` waits for a binding code and none was sent.
    MissingBindingCode,
    /// The binding code is wrong; the `oob_code` survives.
    InvalidBindingCode,
    /// The push notification has no answer yet.
    AuthorizationPending,
    /// The client polls a push `oob_code` faster than every `interval_seconds`.
    SlowDown {
        /// The shortest gap between two polls, in seconds.
        interval_seconds: u64,
    },
    /// The user denied the push notification.
    PushRejected,
    /// The recovery code is not the user's.
    InvalidRecoveryCode,
    /// The user used up the failure budget of `kind` for the window.
    TooManyFailures {
        /// Which budget.
        kind: FailureKind,
        /// Its size.
        limit: u32,
        /// Unix seconds when the oldest counted failure leaves the window.
        reset_at: u64,
    },
}

/// What a new `oob_code` waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OobWait {
    /// The user types the binding code sent to them (`binding_method: prompt`).
    Prompt,
    /// The user approves or rejects a push notification; the client polls.
    Push,
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

impl MfaStore {
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

    /// Issues an `oob_code` of `mfa_token` for a challenge (or an enrolment) of `device_id`.
    ///
    /// For [`OobWait::Prompt`] a fresh binding code is made and handed to `send` in the same
    /// step (the outbox records the message there), so messages are ordered like the codes;
    /// `send` gets `None` for a push. Returns the `oob_code` and what `send` returned.
    pub fn issue_oob<R>(
        &self,
        mfa_token: &str,
        device_id: &str,
        wait: OobWait,
        send: impl FnOnce(Option<&str>) -> R,
    ) -> (String, R) {
        let oob_code = sealed_token();
        let mut data = lock(&self.data);
        let (wait, sent) = match wait {
            OobWait::Prompt => {
                let binding_code = random_digits(BINDING_CODE_DIGITS);
                let sent = send(Some(&binding_code));
                (Wait::Prompt { binding_code }, sent)
            }
            OobWait::Push => {
                let wait = Wait::Push {
                    decision: None,
                    last_poll: None,
                };
                (wait, send(None))
            }
        };
        data.challenges.insert(
            oob_code.clone(),
            Challenge {
                mfa_token: mfa_token.to_owned(),
                device_id: device_id.to_owned(),
                wait,
            },
        );
        (oob_code, sent)
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
    ) -> Result<(), MfaRejection> {
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
            Some(device.id().to_owned())
        });
        match matched {
            Some(device_id) => {
                data.confirm(user_id, &device_id);
                Ok(())
            }
            None => {
                data.record_failure(user_id, FailureKind::Otp, now);
                Err(MfaRejection::InvalidOtp)
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
    ) -> Result<(), MfaRejection> {
        let mut data = lock(&self.data);
        let challenge = data
            .challenges
            .get_mut(oob_code)
            .filter(|challenge| challenge.mfa_token == mfa_token)
            .ok_or(MfaRejection::InvalidOobCode)?;
        let device_id = challenge.device_id.clone();
        match &mut challenge.wait {
            Wait::Prompt {
                binding_code: expected,
            } => {
                let expected = expected.clone();
                let presented = binding_code.ok_or(MfaRejection::MissingBindingCode)?;
                data.check_limit(user_id, FailureKind::Otp, limits, now)?;
                if !constant_time_eq(expected.as_bytes(), presented.as_bytes()) {
                    data.record_failure(user_id, FailureKind::Otp, now);
                    return Err(MfaRejection::InvalidBindingCode);
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
                    return Err(MfaRejection::SlowDown {
                        interval_seconds: limits.push_poll_interval_seconds,
                    });
                }
                match *decision {
                    Some((PushDecision::Approved, at)) if now >= at => {}
                    Some((PushDecision::Rejected, at)) if now >= at => {
                        data.challenges.remove(oob_code);
                        return Err(MfaRejection::PushRejected);
                    }
                    _ => return Err(MfaRejection::AuthorizationPending),
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
    ) -> Result<String, MfaRejection> {
        let mut data = lock(&self.data);
        data.check_limit(user_id, FailureKind::RecoveryCode, limits, now)?;
        let presented: String = presented
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let slot = data.devices.iter_mut().find_map(|device| {
            let owned = device.user_id == user_id && device.active;
            match &mut device.factor {
                Factor::RecoveryCode {
                    recovery_code: code,
                    ..
                } if owned
                    && constant_time_eq(
                        code.to_ascii_uppercase().as_bytes(),
                        presented.as_bytes(),
                    ) =>
                {
                    Some(code)
                }
                _ => None,
            }
        });
        match slot {
            Some(code) => {
                let fresh = recovery_code();
                code.clone_from(&fresh);
                Ok(fresh)
            }
            None => {
                data.record_failure(user_id, FailureKind::RecoveryCode, now);
                Err(MfaRejection::InvalidRecoveryCode)
            }
        }
    }
}

impl MfaData {
    /// Refuses when the user used up the hourly budget of `kind`.
    fn check_limit(
        &mut self,
        user_id: &str,
        kind: FailureKind,
        limits: &Limits,
        now: u64,
    ) -> Result<(), MfaRejection> {
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
        let reset_at = failures
            .first()
            .map_or(now, |oldest| oldest.saturating_add(FAILURE_WINDOW_SECONDS));
        Err(MfaRejection::TooManyFailures {
            kind,
            limit,
            reset_at,
        })
    }

    fn record_failure(&mut self, user_id: &str, kind: FailureKind, now: u64) {
        self.failures
            .entry((user_id.to_owned(), kind))
            .or_default()
            .push(now);
    }
}
