//! The scenario language: what a QA engineer writes in a YAML file, as Rust types.
//!
//! This module takes the text of a scenario file and gives back a [`Scenario`], or a [`LoadError`] listing
//! every problem with compiler-style [`Diagnostic`]s. It is the syntax side only: it knows nothing of HTTP,
//! axum, snapshots, targets or the mock tenant, and never reads a file other than the one it loads. Template
//! strings (`{{ code }}`) are kept raw; the loader parses them with `template` only to check their
//! syntax and record the names they use ([`References`]). Whether those names exist in the project is the
//! validation stage's question ([`crate::validate`]).
//!
//! ```
//! use passwordless_conformance::scenario::{parse_scenario, StepKind};
//!
//! let text = "
//! name: wait for the code to expire
//! requires: [clock]
//! steps:
//!   - name: let time pass
//!     clock:
//!       advance: 181
//! ";
//! let scenario = parse_scenario(text, "scenarios/clock.yaml").unwrap();
//! assert_eq!(scenario.steps[0].name, "let time pass");
//! assert!(matches!(scenario.steps[0].kind, StepKind::Clock(_)));
//! ```

mod capability;
mod error;
mod load;
mod model;
mod references;
pub mod surface;
#[cfg(test)]
mod tests;

pub use crate::diagnostic::{Diagnostic, Span};
pub use crate::template::NAMESPACES as TEMPLATE_NAMESPACES;
pub use error::LoadError;
#[cfg(test)]
pub(crate) use load::constants as load_constants;
pub use load::{
    MAX_COMBINATIONS, MAX_DEPTH, MAX_FILE_BYTES, MAX_NODES, MAX_REPORTED, accepted_keys,
    load_flow_file, load_scenario_file, load_scenario_variant, parse_flow, parse_scenario,
    parse_scenario_bytes, read_matrix,
};
pub(crate) use load::{Unloaded, load_file_partially, load_flow_partially, top_level_name};
pub use model::*;
pub use references::{CaptureDef, FlowUse, NameUse, References, SchemaUse, TemplateName};
