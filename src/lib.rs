//! Conformance tests for Auth0-style embedded passwordless login and MFA.
//!
//! A scenario (`scenarios/**/*.yaml`) travels this pipeline:
//!
//! 1. [`scenario`] loads the YAML (one [`Scenario`] per combination of its matrix) with the names it
//!    references, or into diagnostics that point at `file:line:col`; [`validate`] links the flows
//!    its steps use and checks names, schemas and captures against the project before anything is
//!    sent;
//! 2. [`suite`] discovers the files, decides at listing time which ones the target cannot run
//!    (skipped, with the reason), and turns each into a verdict, opening a [`Session`] on the
//!    [`TargetConfig`]'s target — by default the embedded [`mock`] tenant, fresh per trial;
//! 3. [`runner`] sends each step over HTTP with [`template`]d values, checks status, matchers and
//!    [`schema`]s, and records a transcript;
//! 4. [`snapshot`] compares the [`redact`]ed transcript with `snapshots/<target>/`;
//! 5. [`report`] renders the finished run: `run`'s lines, JUnit XML, one HTML file, GitHub
//!    annotations.
//!
//! The CLI (`passwordless-conformance run | mock | check | new | schema`) and `tests/scenarios.rs`
//! are thin layers over [`Suite`] and [`authoring`]. Beside the pipeline, [`evidence`] is the catalogue of Auth0 behaviours the mock
//! imitates, each with its source and grade.

pub mod authoring;
pub mod budget;
pub mod compare;
pub mod coverage;
pub mod defaults;
pub mod diagnostic;
pub mod evidence;
pub mod guard;
pub mod harness;
pub mod init;
pub mod mock;
pub mod redact;
pub mod report;
pub mod runner;
pub mod scenario;
pub mod schema;
pub mod sealed;
pub mod snapshot;
pub mod suite;
pub mod targets;
pub mod template;
pub mod validate;

pub use runner::{RunCtx, ScenarioOutcome, run_scenario};
pub use scenario::{Scenario, load_scenario_file, parse_scenario};
pub use schema::SchemaRegistry;
pub use suite::{
    Failure, FailureCause, ScenarioFile, Selection, SnapshotMode, Suite, TagFilter, TrialOutcome,
    discover,
};
pub use targets::{Session, TargetConfig};
