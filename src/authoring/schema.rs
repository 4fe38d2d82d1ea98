//! `passwordless-conformance schema`: the JSON Schemas (draft 2020-12) of the scenario and flow formats.
//!
//! Generated from the serde surface model ([`crate::scenario::surface`]) with `schemars`, so that the
//! schema cannot drift from the types; `scenario.schema.json` and `flow.schema.json` at the top of the
//! repository are this output, committed, and a test fails when they are stale (regenerate them with
//! `UPDATE_SCHEMA=1 cargo test --lib surface`).

pub use crate::scenario::surface::{flow_schema, scenario_schema};

/// The file the scenario schema is committed as, at the project's top.
pub const SCENARIO_SCHEMA_FILE: &str = "scenario.schema.json";

/// The file the flow schema is committed as, at the project's top.
pub const FLOW_SCHEMA_FILE: &str = "flow.schema.json";
