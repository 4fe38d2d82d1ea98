//! Where scenarios run: the embedded mock tenant or a real tenant.
//!
//! Takes the configuration (the profile of `targets.yaml` that `CONFORMANCE_TARGET` names, so that
//! `cargo test`'s own arguments stay libtest's) and gives a [`TargetConfig`]; per trial,
//! [`Session::open`] turns it into a live [`Session`]: a base URL (for the mock, a fresh in-process
//! server on `127.0.0.1:0`), an HTTP client, the template values (clients, connections, test
//! identities made unique per trial), where one-time codes can be read, and the redactor seeded
//! with every secret the target holds. It knows nothing of scenarios' steps.

mod command;
mod config;
mod extras;
pub mod identities;
mod load;
mod otp;
mod profile;
pub mod rotation;
mod session;
mod shard;
mod sources;
mod tls;
mod values;
mod variables;

pub use config::{
    ClientCredentials, CommandSource, DEFAULT_MAX_RESPONSE_BYTES, HttpInbox, IdentityTemplate,
    MockTarget, OtpSource, OtpSources, PROFILE_FILE, RateBudget, RemoteTarget, RotationStore,
    SnapshotSettings, TargetConfig, TargetError, TargetKind,
};
pub use extras::{RATE_SCALE_VARIABLE, is_folder_name};
pub use otp::{OtpError, OtpMessage, OtpQuery};
pub use session::{ControlFailure, JwksError, Session, SessionError, mock_tenant};
pub use shard::{SHARD_VARIABLE, Shard, ShardError};
pub use tls::{TlsError, client_tls_config};
pub use variables::{MissingVariable, MissingVariables};
