//! `mfa_token`s, MFA access tokens, out-of-band challenges, and the checks of a second factor
//! with their failure buckets.

use super::data::{
    ApiGrant, Bucket, Challenge, FailureKind, MfaData, MfaStore, Owner, PushDecision, Wait,
};
use super::devices::totp_step;
use crate::mock::grants::Authorization;
use crate::mock::ids::{constant_time_eq, random_digits, recovery_code, sealed_token};
use crate::mock::lock::lock;
use crate::mock::tenant::Factor;

/// How long an `oob_code` and its binding code live, in seconds (evidence
/// `token.mfa.binding_code_lifetime`).
pub const OOB_CODE_LIFETIME_SECONDS: u64 = 300;

/// The digits of a binding code.
const BINDING_CODE_DIGITS: usize = 6;

/// Why an `mfa_token` (or MFA access token) was not accepted.
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
    /// The user has no confirmed factor at all (`mfa-otp`).
    NotEnrolled,
    /// The user has confirmed factors but none that makes TOTP codes (`mfa-otp`).
    NotEnrolledWithOtp,
    /// The `oob_code` is unknown or already redeemed.
    MalformedOobCode,
    /// The `oob_code` belongs to another `mfa_token`.
    ForeignOobCode,
    /// The `oob_code` outlived its lifetime.
    ExpiredOobCode,
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
    /// The user denied the push notification (final: every later poll answers the same).
    PushRejected,
    /// The recovery code is not the user's.
    InvalidRecoveryCode,
    /// The user has no confirmed recovery code.
    NoRecoveryCode,
    /// The user used up the failure bucket of `kind`.
    TooManyFailures {
        /// Which bucket.
        kind: FailureKind,
        /// Its size.
        limit: u32,
        /// Unix seconds when one attempt comes back.
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

/// Who may redeem a new `oob_code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OobOwner<'a> {
    /// Only this `mfa_token` (challenges, and enrolments made with it).
    MfaToken(&'a str),
    /// Any `mfa_token` of the user (enrolments made with an MFA access token).
    User,
}

/// Per-user limits and polling, from the tenant's MFA settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The bucket of wrong OTPs and binding codes; one attempt comes back every hour / size.
    pub otp_failures_per_hour: u32,
    /// The bucket of wrong recovery codes, refilled the same way.
    pub recovery_code_failures_per_hour: u32,
    /// The shortest gap between two polls of a push `oob_code`, in seconds.
    pub push_poll_interval_seconds: u64,
}

/// Where a new `oob_code` goes: whose it is, for which device, waiting for what, and when.
#[derive(Debug, Clone, Copy)]
pub struct OobRequest<'a> {
    /// Who may redeem it.
    pub owner: OobOwner<'a>,
    /// The user it proves.
    pub user_id: &'a str,
    /// The device (or verified e-mail) it was sent for.
    pub device_id: &'a str,
    /// A binding code, or a push.
    pub wait: OobWait,
    /// Unix seconds now.
    pub now: u64,
}

impl MfaStore {
    /// Issues an `mfa_token` for a login that still needs a second factor; it expires at the
    /// authorization's `expires_at`.
    pub fn issue_token(&self, authorization: Authorization) -> String {
        let token = sealed_token(authorization.expires_at);
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

    /// Remembers an access token minted for the MFA API's audience, with its scopes; it
    /// expires at the authorization's `expires_at`.
    pub fn register_api_token(&self, token: &str, authorization: Authorization, scopes: &[&str]) {
        lock(&self.data).api_tokens.insert(
            token.to_owned(),
            ApiGrant {
                authorization,
                scopes: scopes.iter().map(|scope| (*scope).to_owned()).collect(),
            },
        );
    }

    /// The login and scopes behind an MFA access token, if it is one and valid at `now`.
    pub fn api_grant(
        &self,
        token: &str,
        now: u64,
    ) -> Option<Result<(Authorization, Vec<String>), TokenProblem>> {
        let data = lock(&self.data);
        let grant = data.api_tokens.get(token)?;
        if now >= grant.authorization.expires_at {
            return Some(Err(TokenProblem::Expired));
        }
        Some(Ok((grant.authorization.clone(), grant.scopes.clone())))
    }

    /// Issues an `oob_code` as `request` says.
    ///
    /// For [`OobWait::Prompt`] a fresh binding code is made and handed to `send` in the same
    /// step (the outbox records the message there), so messages are ordered like the codes;
    /// `send` gets `None` for a push. Returns the `oob_code` and what `send` returned.
    pub fn issue_oob<R>(
        &self,
        request: OobRequest<'_>,
        send: impl FnOnce(Option<&str>) -> R,
    ) -> (String, R) {
        let expires_at = request.now.saturating_add(OOB_CODE_LIFETIME_SECONDS);
        let oob_code = sealed_token(expires_at);
        let mut data = lock(&self.data);
        let (wait, sent) = match request.wait {
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
        let owner = match request.owner {
            OobOwner::MfaToken(token) => Owner::MfaToken(token.to_owned()),
            OobOwner::User => Owner::User,
        };
        data.challenges.insert(
            oob_code.clone(),
            Challenge {
                owner,
                user_id: request.user_id.to_owned(),
                device_id: request.device_id.to_owned(),
                wait,
                expires_at,
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

    /// Checks an OTP against the user's TOTP secrets (±1 step), confirmed or not; success
    /// confirms the device.
    pub fn verify_otp(
        &self,
        user_id: &str,
        otp: &str,
        now: u64,
        limits: &Limits,
    ) -> Result<(), MfaRejection> {
        let mut data = lock(&self.data);
        // An authenticator app (or push device) being enrolled may be confirmed here; a user
        // without one is refused before it costs an attempt.
        let makes_otp = data
            .devices_of(user_id)
            .any(|device| matches!(device.factor, Factor::Totp { .. } | Factor::Push { .. }));
        if !makes_otp {
            let enrolled = data.devices_of(user_id).any(|device| device.active);
            return Err(if enrolled {
                MfaRejection::NotEnrolledWithOtp
            } else {
                MfaRejection::NotEnrolled
            });
        }
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
                data.record_failure(user_id, FailureKind::Otp, limits, now);
                Err(MfaRejection::InvalidOtp)
            }
        }
    }

    /// Redeems an `oob_code` with `mfa_token` (whose login is `user_id`): checks the binding
    /// code or polls the push. Success consumes the code and confirms the device.
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
            .get(oob_code)
            .ok_or(MfaRejection::MalformedOobCode)?;
        let owned = match &challenge.owner {
            Owner::MfaToken(owner) => owner == mfa_token,
            Owner::User => challenge.user_id == user_id,
        };
        if !owned {
            return Err(MfaRejection::ForeignOobCode);
        }
        if now >= challenge.expires_at {
            data.challenges.remove(oob_code);
            return Err(MfaRejection::ExpiredOobCode);
        }
        let device_id = challenge.device_id.clone();
        match challenge.wait.clone() {
            Wait::Prompt {
                binding_code: expected,
            } => {
                let presented = binding_code.ok_or(MfaRejection::MissingBindingCode)?;
                data.check_limit(user_id, FailureKind::Otp, limits, now)?;
                if !constant_time_eq(expected.as_bytes(), presented.as_bytes()) {
                    data.record_failure(user_id, FailureKind::Otp, limits, now);
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
                if let Some(Challenge {
                    wait: Wait::Push { last_poll, .. },
                    ..
                }) = data.challenges.get_mut(oob_code)
                {
                    *last_poll = Some(now);
                }
                if too_fast {
                    return Err(MfaRejection::SlowDown {
                        interval_seconds: limits.push_poll_interval_seconds,
                    });
                }
                match decision {
                    Some((PushDecision::Approved, at)) if now >= at => {}
                    Some((PushDecision::Rejected, at)) if now >= at => {
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
        let has_code = data
            .devices_of(user_id)
            .any(|device| device.active && matches!(device.factor, Factor::RecoveryCode { .. }));
        if !has_code {
            return Err(MfaRejection::NoRecoveryCode);
        }
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
                data.record_failure(user_id, FailureKind::RecoveryCode, limits, now);
                Err(MfaRejection::InvalidRecoveryCode)
            }
        }
    }
}

impl Limits {
    /// The bucket size of `kind` and how often one attempt comes back, in seconds (evidence
    /// `token.mfa.failure_bucket`: 10, one every 360 s).
    fn bucket(&self, kind: FailureKind) -> (u32, u64) {
        let size = match kind {
            FailureKind::Otp => self.otp_failures_per_hour,
            FailureKind::RecoveryCode => self.recovery_code_failures_per_hour,
        };
        (size, 3_600 / u64::from(size.max(1)))
    }
}

impl Bucket {
    /// Gives back the attempts that refilled by `now`.
    fn refill(&mut self, interval: u64, now: u64) {
        let interval = interval.max(1);
        if self.used == 0 {
            self.since = now;
            return;
        }
        let back = now.saturating_sub(self.since) / interval;
        let back = u32::try_from(back).unwrap_or(u32::MAX).min(self.used);
        self.used -= back;
        self.since = if self.used == 0 {
            now
        } else {
            self.since + u64::from(back) * interval
        };
    }
}

impl MfaData {
    /// Refuses when the user used up the bucket of `kind`.
    fn check_limit(
        &mut self,
        user_id: &str,
        kind: FailureKind,
        limits: &Limits,
        now: u64,
    ) -> Result<(), MfaRejection> {
        let (limit, interval) = limits.bucket(kind);
        let Some(bucket) = self.buckets.get_mut(&(user_id.to_owned(), kind)) else {
            return Ok(());
        };
        bucket.refill(interval, now);
        if bucket.used < limit {
            return Ok(());
        }
        Err(MfaRejection::TooManyFailures {
            kind,
            limit,
            reset_at: bucket.since.saturating_add(interval),
        })
    }

    fn record_failure(&mut self, user_id: &str, kind: FailureKind, limits: &Limits, now: u64) {
        let (_, interval) = limits.bucket(kind);
        let bucket = self.buckets.entry((user_id.to_owned(), kind)).or_default();
        bucket.refill(interval, now);
        bucket.used = bucket.used.saturating_add(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_gives_one_attempt_back_per_interval() {
        let mut bucket = Bucket::default();
        bucket.refill(360, 1_000);
        bucket.used = 10;
        bucket.refill(360, 1_359);
        assert_eq!(bucket.used, 10);
        bucket.refill(360, 1_360);
        assert_eq!(bucket.used, 9);
        assert_eq!(bucket.since, 1_360);
        bucket.refill(360, 1_360 + 3 * 360 + 10);
        assert_eq!(bucket.used, 6);
        bucket.refill(360, 100_000);
        assert_eq!((bucket.used, bucket.since), (0, 100_000));
    }
}
