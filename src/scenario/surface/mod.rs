//! The scenario and flow formats as plain serde types: what a person writes, described for editors.
//!
//! This is the *surface* of the language, the shape of the YAML with the docs a person reads on hover; the
//! loader (`load/`) keeps its own span-keeping reader and gives the model (`Scenario`, `Flow`) the runner uses.
//! [`scenario_schema`] and [`flow_schema`] derive JSON Schemas (draft 2020-12) from these types with
//! `schemars`; `scenario.schema.json` and `flow.schema.json` at the top of the repository are their committed
//! output, which editors load through the `yaml-language-server` modeline. Tests keep the three in step: every
//! key the loader accepts is a property here and every property here a key the loader accepts
//! ([`super::accepted_keys`]), the committed files equal what these types give, and every shipped scenario
//! and flow validates against them. Nothing here is used to load a file.
//!
//! A string in a typed place (a status, an encoding, a capability) may be a template reading only matrix
//! names, filled in when the matrix expands: [`Templated`] says so.

mod request;
mod step;

use std::collections::BTreeMap;

use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde::Deserialize;

pub use request::{
    Capture, CaptureSpec, Encoding, Expect, JsonTypeName, JwtCheck, Matcher, MatcherRules, Method,
    Request, Status,
};
pub use step::{Channel, Clock, ClockStep, Otp, OtpStep, Poll, RequestStep, Step, UseStep};

/// A scenario file under `scenarios/`: named steps run in order against a target (the embedded mock
/// tenant unless `CONFORMANCE_TARGET` names a profile of `targets.yaml`). Its trial is named by its path
/// under `scenarios/`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "passwordless-conformance scenario")]
pub struct ScenarioFile {
    /// What the scenario checks, in a few words: shown in reports and at the top of its snapshot.
    pub name: String,
    /// What the scenario proves and why, with the evidence it rests on. Optional.
    #[serde(default)]
    pub description: Option<String>,
    /// Labels for selecting scenarios (`email`, `mfa`, `negative`, …). Default: none.
    #[serde(default)]
    pub tags: Vec<String>,
    /// What the target must offer beyond plain HTTP. A target without it reports the scenario as
    /// skipped, with the reason. Default: nothing. A step that reads the outbox needs `outbox`, one
    /// that moves the clock `clock`, and so do the flows a step uses.
    #[serde(default)]
    pub requires: Vec<Templated<CapabilityName>>,
    /// One trial per combination of these values, named `path[name=value,…]` (filters, `--exact` and
    /// snapshots use that name). Each name is visible to templates; a template reading only matrix names
    /// is filled in when the matrix expands, so it may stand anywhere (`use: "code_by_{{ channel }}"`,
    /// `encoding: "{{ encoding }}"`). At most 100 combinations. Default: one trial, no matrix.
    #[serde(default)]
    #[schemars(extend("propertyNames" = { "pattern": "^[A-Za-z_][A-Za-z0-9_]*$" }, "minProperties" = 1))]
    pub matrix: Option<BTreeMap<String, MatrixValues>>,
    /// The steps, run in order until one fails (at least one).
    #[schemars(length(min = 1))]
    pub steps: Vec<Step>,
}

/// A flow file under `flows/`: steps that scenarios (and other flows) run in place with `use:`. Its params
/// are visible to its own steps only; what its steps capture stays visible to the caller's later steps.
/// Reports and snapshots name its steps `<calling step> › <step>`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "passwordless-conformance flow")]
pub struct FlowFile {
    /// How `use:` names the flow (a step may also give its path under `flows/`). Unique in the project.
    pub name: String,
    /// What the steps do, in a sentence. Optional.
    #[serde(default)]
    pub description: Option<String>,
    /// The values a caller gives with `with:`. Write `name:` (nothing) for a param the caller must give,
    /// or `name: { default: …, description: … }`. Default: none.
    #[serde(default)]
    #[schemars(extend("propertyNames" = { "pattern": "^[A-Za-z_][A-Za-z0-9_]*$" }))]
    pub params: BTreeMap<String, Option<ParamSpec>>,
    /// The steps, run in order in place of the step that uses the flow (at least one).
    #[schemars(length(min = 1))]
    pub steps: Vec<Step>,
}

/// A param of a flow.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ParamSpec {
    /// The value when the caller gives none: templates inside are rendered when the flow starts and may
    /// read the template namespaces and earlier params. Without it, every caller must give the param.
    #[serde(default)]
    pub default: Option<serde_json::Value>,
    /// What the value is for, shown to people writing a `with:`. Optional.
    #[serde(default)]
    pub description: Option<String>,
}

/// The values one matrix name takes: plain strings, numbers or booleans, each once (at least one).
#[derive(Debug, Deserialize, JsonSchema)]
pub struct MatrixValues(
    #[schemars(length(min = 1), extend("uniqueItems" = true))] pub Vec<MatrixValue>,
);

/// A matrix value: a string, number or boolean. It becomes part of the trial's name, so it is never a
/// template.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum MatrixValue {
    /// A string (not a template).
    Text(#[schemars(extend("not" = { "pattern": "\\{\\{" }))] String),
    /// A number.
    Number(f64),
    /// A boolean.
    Flag(bool),
}

/// A value, or a template reading only matrix names that the matrix fills in before the file is read.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
#[schemars(rename = "{T}OrMatrixTemplate")]
pub enum Templated<T> {
    /// The value itself.
    Value(T),
    /// A template over matrix names (`"{{ encoding }}"`), filled in when the matrix expands.
    Template(#[schemars(pattern("\\{\\{"))] String),
}

/// Something a target must offer beyond plain HTTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CapabilityName {
    /// The target lets the harness read the messages it sent (e-mail, SMS): needed by `otp` steps.
    Outbox,
    /// The target's clock can be moved forward: needed by `clock` steps (the mock's injected clock).
    Clock,
    /// A test can approve or reject push notifications (the mock's `/__mock/push/…`).
    PushControl,
    /// The target may be driven into its rate limits (a mock emulating them, or a throwaway tenant).
    RateLimitProbe,
    /// The target may be driven into the MFA failure limit (the mock, whose tenant starts afresh
    /// every trial; on a shared tenant it would lock the account out).
    FailureLimitProbe,
    /// The tenant has Customizable MFA (Early Access): authenticators carry `type`, `mfa_required`
    /// carries `mfa_requirements`.
    CustomizableMfa,
    /// The tenant has the voice factor: each phone shows a `voice` twin.
    VoiceFactor,
    /// The tenant has the e-mail factor: verified e-mails show as e-mail authenticators.
    EmailFactor,
}

/// The JSON Schema (draft 2020-12) of scenario files, as pretty JSON ending in a line break.
pub fn scenario_schema() -> String {
    render(
        SchemaSettings::draft2020_12()
            .into_generator()
            .into_root_schema_for::<ScenarioFile>(),
    )
}

/// The JSON Schema (draft 2020-12) of flow files, as pretty JSON ending in a line break.
pub fn flow_schema() -> String {
    render(
        SchemaSettings::draft2020_12()
            .into_generator()
            .into_root_schema_for::<FlowFile>(),
    )
}

fn render(schema: schemars::Schema) -> String {
    let mut text = serde_json::to_string_pretty(&schema)
        .unwrap_or_else(|error| format!("{{\"error\": \"{error}\"}}"));
    text.push('\n');
    text
}

#[cfg(test)]
mod tests;
