//! One-time codes: issuing, superseding, redeeming, counting wrong attempts.
//!
//! Rules: per (connection, identifier) only the newest code is valid (evidence
//! `codes.supersede`); a code is single use; it expires after the connection's lifetime; the
//! third wrong attempt on a code kills it (`codes.max_attempts`), and a new code brings fresh
//! attempts (`codes.new_code_after_lock`). Every check-and-update happens under one lock, so concurrent redemptions of one
//! code succeed at most once and wrong attempts are counted exactly. Issuing a code and recording
//! its message happen under that same lock, so messages are recorded in the order their codes
//! were issued. The lock is a `std::sync::Mutex` held only for synchronous work, never across an
//! `.await`. This module knows nothing of HTTP, the outbox or Auth0's error texts: it answers
//! with an [`OtpRejection`].

use std::collections::HashMap;
use std::sync::Mutex;

use super::address::normalize_identifier;
use super::ids::{constant_time_eq, random_digits};
use super::lock::lock;

/// Wrong attempts allowed on one code; the attempt that reaches this number kills the code.
pub const MAX_FAILED_ATTEMPTS: u32 = 3;

/// Why a code was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OtpRejection {
    /// No code was issued, the code is wrong, already used, or superseded by a newer one.
    Wrong,
    /// The newest code outlived its connection's lifetime.
    Expired,
    /// This attempt, or an earlier one, was the last allowed wrong attempt on the code.
    AttemptsExhausted,
}

/// The codes currently issued, keyed by connection and normalised identifier.
#[derive(Debug, Default)]
pub struct OtpStore {
    codes: Mutex<HashMap<(String, String), IssuedCode>>,
}

#[derive(Debug)]
struct IssuedCode {
    code: String,
    expires_at: u64,
    failed_attempts: u32,
}

impl OtpStore {
    /// Issues a fresh numeric code of `length` digits that replaces any earlier code for the key,
    /// and hands it to `record` in the same step: no other code is issued until `record` returns,
    /// so whatever `record` keeps (the outbox's message) is ordered exactly like the codes.
    pub fn issue<R>(
        &self,
        connection: &str,
        identifier: &str,
        length: u8,
        expires_at: u64,
        record: impl FnOnce(&str) -> R,
    ) -> R {
        let code = random_digits(usize::from(length));
        let mut codes = lock(&self.codes);
        let recorded = record(&code);
        codes.insert(
            key(connection, identifier),
            IssuedCode {
                code,
                expires_at,
                failed_attempts: 0,
            },
        );
        recorded
    }

    /// Redeems `code` at time `now` (Unix seconds); success consumes it.
    pub fn redeem(
        &self,
        connection: &str,
        identifier: &str,
        code: &str,
        now: u64,
    ) -> Result<(), OtpRejection> {
        let key = key(connection, identifier);
        let mut codes = lock(&self.codes);
        let Some(issued) = codes.get_mut(&key) else {
            return Err(OtpRejection::Wrong);
        };
        if issued.failed_attempts >= MAX_FAILED_ATTEMPTS {
            return Err(OtpRejection::AttemptsExhausted);
        }
        if now >= issued.expires_at {
            return Err(OtpRejection::Expired);
        }
        if !constant_time_eq(issued.code.as_bytes(), code.as_bytes()) {
            issued.failed_attempts += 1;
            return Err(if issued.failed_attempts >= MAX_FAILED_ATTEMPTS {
                OtpRejection::AttemptsExhausted
            } else {
                OtpRejection::Wrong
            });
        }
        codes.remove(&key);
        Ok(())
    }
}

fn key(connection: &str, identifier: &str) -> (String, String) {
    (connection.to_owned(), normalize_identifier(identifier))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issue(store: &OtpStore, connection: &str, identifier: &str, length: u8) -> String {
        store.issue(connection, identifier, length, 100, str::to_owned)
    }

    fn wrong_code(code: &str) -> String {
        code.chars()
            .map(|c| if c == '0' { '1' } else { '0' })
            .collect()
    }

    #[test]
    fn codes_have_the_requested_number_of_digits() {
        let store = OtpStore::default();
        for length in [1, 4, 6, 12] {
            let code = issue(&store, "email", "a@example.com", length);
            assert_eq!(code.len(), usize::from(length));
            assert!(code.chars().all(|c| c.is_ascii_digit()));
        }
    }

    #[test]
    fn a_code_is_single_use() {
        let store = OtpStore::default();
        let code = issue(&store, "email", "a@example.com", 6);
        assert_eq!(store.redeem("email", "A@example.com", &code, 10), Ok(()));
        assert_eq!(
            store.redeem("email", "a@example.com", &code, 10),
            Err(OtpRejection::Wrong)
        );
    }

    #[test]
    fn a_newer_code_supersedes_the_older_one() {
        let store = OtpStore::default();
        let old = issue(&store, "sms", "+15555550100", 6);
        let new = loop {
            let candidate = issue(&store, "sms", "+15555550100", 6);
            if candidate != old {
                break candidate;
            }
        };
        assert_eq!(
            store.redeem("sms", "+15555550100", &old, 10),
            Err(OtpRejection::Wrong)
        );
        assert_eq!(store.redeem("sms", "+15555550100", &new, 10), Ok(()));
    }

    #[test]
    fn a_code_expires_at_its_deadline() {
        let store = OtpStore::default();
        let code = issue(&store, "email", "a@example.com", 6);
        assert_eq!(
            store.redeem("email", "a@example.com", &code, 100),
            Err(OtpRejection::Expired)
        );
    }

    #[test]
    fn the_third_wrong_attempt_kills_the_code() {
        let store = OtpStore::default();
        let code = issue(&store, "email", "a@example.com", 6);
        let wrong = wrong_code(&code);
        let results: Vec<_> = (0..3)
            .map(|_| store.redeem("email", "a@example.com", &wrong, 10))
            .collect();
        assert_eq!(
            results,
            [
                Err(OtpRejection::Wrong),
                Err(OtpRejection::Wrong),
                Err(OtpRejection::AttemptsExhausted)
            ]
        );
        assert_eq!(
            store.redeem("email", "a@example.com", &code, 10),
            Err(OtpRejection::AttemptsExhausted)
        );
    }
}
