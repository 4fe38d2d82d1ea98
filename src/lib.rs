//! Conformance tests for Auth0-style embedded passwordless login and MFA.
//!
//! Most users never touch this library: they run `cargo test` (or `passwordless-conformance run`)
//! on a project of YAML scenarios. The library is for a project that wants its own test binary
//! or runs the mock tenant from Rust:
//!
//! - [`harness::main`] / [`harness::run`]: the whole harness over a project folder (listing-time
//!   skips, snapshots, the summary), as `tests/scenarios.rs` uses it;
//! - [`Suite`]: the same, one trial at a time ([`Suite::plan`], [`Suite::run_file`] →
//!   [`TrialOutcome`], a failure typed by its [`FailureCause`]), against a [`TargetConfig`] from
//!   `targets.yaml`;
//! - [`run_scenario`]: one parsed [`Scenario`] on an open [`Session`];
//! - [`mock`]: the mock tenant ([`mock::MockServer`] on `127.0.0.1:0`, or [`mock::serve`]).
//!
//! Inside, a scenario travels `scenario` (load, `file:line:col` diagnostics) → `validate` (flows,
//! names, schemas) → `suite` (discover, gate, verdict) → `runner` (HTTP steps, checks, transcript)
//! → `snapshot` (the redacted transcript) → `report` (lines, JUnit, HTML, annotations);
//! `ARCHITECTURE.md` is the map. Those modules are reachable for this crate's binary, tests,
//! benches and fuzz targets, hidden from the docs, and not API.

// The documented surface: what a library user needs to run a suite (or one scenario) and the
// mock tenant. The binary, `tests/it`, the benches and the fuzz targets reach further, into the
// modules below marked `doc(hidden)`: they are not API and may change at any commit.
pub mod harness;
pub mod mock;

#[doc(hidden)]
pub mod authoring;
mod budget;
#[doc(hidden)]
pub mod compare;
// Only its test writes and checks `docs/coverage.md`.
#[cfg(test)]
mod coverage;
mod defaults;
#[doc(hidden)]
pub mod diagnostic;
#[doc(hidden)]
pub mod evidence;
#[doc(hidden)]
pub mod files;
mod guard;
#[doc(hidden)]
pub mod init;
#[doc(hidden)]
pub mod redact;
#[doc(hidden)]
pub mod report;
#[doc(hidden)]
pub mod runner;
#[doc(hidden)]
pub mod scenario;
mod schema;
#[doc(hidden)]
pub mod sealed;
#[doc(hidden)]
pub mod snapshot;
#[doc(hidden)]
pub mod suite;
#[doc(hidden)]
pub mod targets;
mod template;
#[doc(hidden)]
pub mod validate;

pub use runner::{RunCtx, ScenarioOutcome, run_scenario};
pub use scenario::{Scenario, load_scenario_file, parse_scenario};
pub use schema::{SchemaError, SchemaRegistry};
pub use suite::{
    Failure, FailureCause, ScenarioFile, Selection, SnapshotMode, Suite, TagFilter, TrialOutcome,
    discover,
};
pub use targets::{Session, TargetConfig, TargetError};
