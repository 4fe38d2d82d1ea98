//! The tenant fixture: the clients, connections, APIs and seed users the mock serves.
//!
//! A [`Tenant`] is plain data read from YAML (`mock/tenant.yaml` is the built-in one). It is never
//! mutated while the mock runs; users created by a first login live in the run-time state instead.
//! The issuer is deliberately not part of the fixture: it is the public URL the mock is served under.
//!
//! The folder follows the fixture's seams: `model.rs` the tenant itself (connections, APIs and
//! the lookups handlers use), `mfa.rs` its MFA settings and policies, `apps.rs` the
//! applications, `users.rs` the seed users and their factors, `load.rs` reading a file,
//! `validation.rs` checking what serde cannot (every problem reported as a
//! [`Diagnostic`](crate::diagnostic::Diagnostic) pointing at its line), and `roster.rs` the typed
//! answer of `GET /__mock/tenant` that a harness reads.
//!
//! MFA lives in three places: the tenant-wide [`MfaSettings`] (policy, push polling interval,
//! failure limits), an optional [`MfaPolicy`] per client and per user (the most specific one wins:
//! user, then client, then tenant), and the factors a seed user has already enrolled ([`Factor`]),
//! with the test secrets a scenario needs to pass the challenge.
//!
//! `features:` ([`TenantFeatures`]) states what changes the wire: the MFA factors the tenant
//! has and whether Customizable MFA (Early Access) is on. `evidence_overrides:` replaces the
//! status, code or text of catalogue entries (`evidence.yaml`) with what a real tenant answers.
//!
//! Three optional sections change how the tenant behaves rather than what it holds: `smtp:`
//! ([`SmtpSettings`](super::smtp::SmtpSettings)), `rate_limits:`
//! ([`RateLimits`](super::rate_limit::RateLimits)) and `latency_ms`. Their types live with the
//! code that uses them. The fixture knows nothing of the run-time state or HTTP.

mod apps;
mod features;
mod load;
mod mfa;
mod model;
mod roster;
mod users;
mod validation;

pub use apps::{AppType, Client, PASSWORDLESS_OTP_GRANT};
pub use features::{MfaFactor, TenantFeatures};
pub use load::TenantError;
pub use mfa::{MfaPolicy, MfaSettings};
pub use model::{Api, Connection, Strategy, Tenant};
pub use roster::{Roster, RosterFactor, RosterUser, TEST_TENANT_WARNING, TenantDescription};
pub use users::{DEFAULT_PUSH_DEVICE_NAME, Factor, User};
