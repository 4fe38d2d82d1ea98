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
pub use factors::AlreadyEnrolled;
pub use proofs::{Limits, MfaRejection, OobWait, TokenProblem};
