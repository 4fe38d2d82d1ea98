//! Where scenarios run: the embedded mock tenant or a real tenant.
//!
//! Takes the configuration (from the environment: `CONFORMANCE_TARGET` and friends, so that
//! `cargo test`'s own arguments stay libtest's) and gives a [`TargetConfig`]; per trial,
//! [`Session::open`] turns it into a live [`Session`]: a base URL (for the mock, a fresh in-process
//! server on `127.0.0.1:0`), an HTTP client, the template values (clients, connections, test
//! identities made unique per trial), where one-time codes can be read, and the redactor seeded
//! with every secret the target holds. It knows nothing of scenarios' steps.

mod config;
mod session;

pub use config::{
    ClientCredentials, IdentityTemplate, RemoteTarget, TargetConfig, TargetError, TargetKind,
};
pub use session::{OtpMessage, Session, SessionError};
