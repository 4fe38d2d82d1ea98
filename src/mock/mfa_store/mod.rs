//! MFA state: enrolled devices, `mfa_token`s, MFA access tokens, out-of-band challenges and
//! per-user failure buckets.
//!
//! A *device* is one enrolment (`dev_…`); it shows up as one or two authenticators: a phone as
//! `sms|dev_…` (and its twin `voice|dev_…` on tenants with voice), a push device as
//! `push|dev_…` plus its OTP twin with a device id of its own, everything else as one. Deleting
//! either twin deletes the device. A device is `active` once confirmed (seed factors are; new
//! enrolments wait for a successful MFA grant). On tenants with the e-mail factor, a user's
//! verified e-mail shows as one more, undeletable e-mail authenticator.
//!
//! Rules kept here, each under the one lock of the store so they are exact under concurrency:
//! a TOTP step is accepted at most once per device (RFC 6238 §5.2), an `oob_code` redeems at most
//! once and lives five minutes, and the per-user failure buckets (wrong OTPs and binding codes;
//! wrong recovery codes; ten each, one back every six minutes) count every failure. The lock is
//! a `std::sync::Mutex` held for synchronous work only.
//!
//! The store answers with its own rejections ([`MfaRejection`], [`TokenProblem`],
//! [`AlreadyEnrolled`]); handlers turn them into Auth0's errors. It knows nothing of HTTP.
//! `data.rs` holds the store and its records, `devices.rs` how a device shows as authenticators,
//! `factors.rs` listing, enrolling and deleting, `proofs.rs` tokens, challenges and the checks of
//! a second factor with their failure limits.

mod data;
mod devices;
mod factors;
mod proofs;

pub use data::{FailureKind, MfaStore, PushDecision};
pub use devices::{Authenticator, ChallengeTarget};
pub use factors::{AlreadyEnrolled, DeleteRefusal};
pub use proofs::{Limits, MfaRejection, OobOwner, OobRequest, OobWait, TokenProblem};
