//! The scenario model: what a QA engineer writes in a YAML file, as plain Rust types.
//!
//! Takes nothing and does nothing: [`load`](super::load) builds these values, the validation stage and the
//! runner read them. Template strings (`{{ code }}`) are kept raw, exactly as written. Every check, capture and
//! step remembers the [`Span`] where it was written, so that a failure at run time can point back into the file,
//! and [`References`] lists every name the scenario takes from outside itself.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

pub use super::capability::Capability;
pub use crate::diagnostic::{Located, Span};

use super::references::References;

/// One scenario file: a named sequence of steps run against a target.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// What the scenario checks, in a few words (`name:`, required).
    pub name: String,
    /// A longer explanation (`description:`, optional).
    pub description: Option<String>,
    /// Free-form labels for selecting scenarios (`tags:`, default empty).
    pub tags: Vec<String>,
    /// Capabilities the target must offer beyond plain HTTP (`requires:`, default empty, no duplicates).
    pub requires: Vec<Capability>,
    /// The steps, in order (never empty).
    pub steps: Vec<Step>,
    /// Everything the scenario's templates and checks take from the target and the project.
    pub references: References,
    /// The file the scenario came from.
    pub source: SourceFile,
    /// The scenario's `matrix:`, when it has one (default: none, one trial).
    pub matrix: Option<Matrix>,
    /// The combination of the matrix this scenario was loaded for: its values are visible to templates,
    /// and its templates that read only matrix names were filled in with them when it was loaded.
    pub combination: Option<Combination>,
}

/// A scenario-level `matrix:`: one trial per combination of its values.
#[derive(Debug, Clone, PartialEq)]
pub struct Matrix {
    /// The names and their values, in the order written.
    pub axes: Vec<MatrixAxis>,
}

/// One name of a matrix and the values it takes.
#[derive(Debug, Clone, PartialEq)]
pub struct MatrixAxis {
    /// The name templates read (`channel`).
    pub name: String,
    /// The values, in the order written: strings, numbers or booleans, never templates.
    pub values: Vec<serde_json::Value>,
    /// Where the name was written.
    pub span: Span,
}

/// One value for each name of a matrix.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Combination {
    /// Name and value, in the order the matrix names them.
    pub values: Vec<(String, serde_json::Value)>,
}

impl Matrix {
    /// Every combination, the first name varying slowest (`a=1,b=x`, `a=1,b=y`, `a=2,b=x`, …).
    pub fn combinations(&self) -> Vec<Combination> {
        let mut combinations = vec![Combination { values: Vec::new() }];
        for axis in &self.axes {
            combinations = combinations
                .into_iter()
                .flat_map(|partial| {
                    axis.values.iter().map(move |value| {
                        let mut values = partial.values.clone();
                        values.push((axis.name.clone(), value.clone()));
                        Combination { values }
                    })
                })
                .collect();
        }
        combinations
    }
}

impl Combination {
    /// `channel=email,encoding=form`: what goes between the brackets of a trial's name.
    pub fn label(&self) -> String {
        self.values
            .iter()
            .map(|(name, value)| format!("{name}={}", value_text(value)))
            .collect::<Vec<_>>()
            .join(",")
    }
}

impl Combination {
    /// The trial name of this combination of the file named `file_id`: `passwordless/login.yaml[channel=sms]`.
    pub fn trial_id(&self, file_id: &str) -> String {
        format!("{file_id}[{}]", self.label())
    }
}

/// Splits a trial name into the file's own name and the combination's label:
/// `login.yaml[channel=sms]` → (`login.yaml`, `Some("channel=sms")`); a name without one is all file.
pub fn split_trial_id(trial_id: &str) -> (&str, Option<&str>) {
    for extension in [".yaml[", ".yml["] {
        if let Some(at) = trial_id.find(extension)
            && let Some(label) = trial_id[at + extension.len()..].strip_suffix(']')
        {
            return (&trial_id[..at + extension.len() - 1], Some(label));
        }
    }
    (trial_id, None)
}

/// A matrix value as it is shown in a trial's name: a string as written, anything else as JSON.
pub fn value_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// A reusable sequence of steps, from a file under `flows/`: run in place by a step's `use:`.
#[derive(Debug, Clone, PartialEq)]
pub struct Flow {
    /// How `use:` names it (`name:`, required).
    pub name: String,
    /// Where the name was written.
    pub name_span: Span,
    /// What the flow does (`description:`, optional).
    pub description: Option<String>,
    /// The values a caller passes with `with:`, in the order written.
    pub params: Vec<Param>,
    /// The steps, in order (never empty).
    pub steps: Vec<Step>,
    /// Everything the flow's templates and checks take from outside it (its params are `given`).
    pub references: References,
    /// The file the flow came from.
    pub source: SourceFile,
    /// What linking found (empty until the validation stage links the flow to the flows it uses).
    pub linked: FlowSummary,
}

/// What a linked flow needs from its caller and gives back to it, its own steps and the flows it uses
/// together.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FlowSummary {
    /// The capabilities its steps need (`outbox` for an `otp` step, `clock` for a `clock` step): the calling
    /// scenario must require them.
    pub needs: Vec<Capability>,
    /// The captures visible to the caller's later steps, in the order they are made.
    pub captures: Vec<String>,
    /// How many steps run when the flow runs (the steps of the flows it uses included).
    pub expanded_steps: usize,
    /// How many flows deep its uses go (0 for a flow that uses none).
    pub depth: usize,
}

/// A value a flow takes from its caller.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// The name the flow's templates read.
    pub name: String,
    /// The value when the caller gives none (templates inside, rendered when the flow starts; they may
    /// read the template namespaces and earlier params); `None`: the caller must give one.
    pub default: Option<serde_json::Value>,
    /// What the value is for, shown to authors (`description:`, optional).
    pub description: Option<String>,
    /// Where the name was written.
    pub span: Span,
}

/// The text a scenario was loaded from and how to name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// The path as given to the loader (for [`parse_scenario`](super::parse_scenario), the display path).
    pub path: PathBuf,
    /// The path as shown to people, e.g. `scenarios/passwordless/email.yaml`.
    pub display_path: String,
    /// The whole file.
    pub text: String,
}

/// One step of a scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// The step's name (required, unique within the scenario).
    pub name: String,
    /// Where the step starts (its `-` marker).
    pub span: Span,
    /// What the step does.
    pub kind: StepKind,
}

/// What a step does: exactly one of `request`, `otp`, `clock` or `use`.
#[derive(Debug, Clone, PartialEq)]
#[allow(
    clippy::large_enum_variant,
    reason = "a scenario holds a handful of steps; boxing would only make matching on them noisier"
)]
pub enum StepKind {
    /// Send an HTTP request and check the response.
    Http(HttpStep),
    /// Read the last one-time code sent to an address.
    Otp(OtpStep),
    /// Move the target's clock forward.
    Clock(ClockStep),
    /// Run the steps of a flow in place.
    Use(UseStep),
}

/// A step that runs a flow (`use:` with `with:`).
#[derive(Debug, Clone, PartialEq)]
pub struct UseStep {
    /// The flow as written: its `name:`, or its path under `flows/` (`mfa/login.yaml`, `.yaml` optional).
    pub flow: Located<String>,
    /// The values given to the flow's params, in the order written (templates rendered by the caller).
    pub with: Vec<Binding>,
    /// The flow, once the validation stage has linked it; `None` straight out of the loader.
    pub resolved: Option<Arc<Flow>>,
}

/// A value given to a flow's param.
#[derive(Debug, Clone, PartialEq)]
pub struct Binding {
    /// The param.
    pub name: String,
    /// The value: templates inside strings, rendered with the caller's names when the flow starts.
    pub value: serde_json::Value,
    /// Where the param's name was written.
    pub span: Span,
}

/// Calls `visit` on every step of `steps` and, depth first, of the flows they use (once linked), with how
/// many flows deep the step is (0 for `steps` themselves). Linking caps how deep flows nest.
pub fn each_step<'s>(steps: &'s [Step], visit: &mut impl FnMut(&'s Step, usize)) {
    fn walk<'s>(steps: &'s [Step], depth: usize, visit: &mut impl FnMut(&'s Step, usize)) {
        for step in steps {
            visit(step, depth);
            if let StepKind::Use(UseStep {
                resolved: Some(flow),
                ..
            }) = &step.kind
            {
                walk(&flow.steps, depth + 1, visit);
            }
        }
    }
    walk(steps, 0, visit);
}

/// An HTTP exchange: the request, what the response must look like, and what to remember from it.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpStep {
    /// The request to send.
    pub request: RequestSpec,
    /// Checks on the response (default: none).
    pub expect: Expect,
    /// Values to remember for later steps, in the order written (default: none).
    pub capture: Vec<CaptureSpec>,
    /// Repeat the request until a condition holds (default: send it once).
    pub poll: Option<Poll>,
}

/// How a step repeats its request until the response says it may stop.
///
/// Between attempts the runner waits `interval_seconds`: on a target with a controllable clock it
/// moves that clock instead of sleeping, so polling the mock is instant and deterministic.
#[derive(Debug, Clone, PartialEq)]
pub struct Poll {
    /// The condition that ends polling successfully (status, body and header checks).
    pub until: Expect,
    /// A condition that ends polling at once (e.g. `$.error: invalid_grant`); `expect` then judges.
    pub stop_if: Option<Expect>,
    /// Seconds between attempts (default 5, Auth0's recommended MFA poll interval).
    pub interval_seconds: u64,
    /// At most this many requests (default 10).
    pub max_attempts: u32,
    /// At most this long in all, in seconds of waiting (default 120).
    pub max_seconds: u64,
    /// Whether an `error: slow_down` answer adds 5 s to the interval (default `true`, as RFC 8628 asks).
    pub slow_down: bool,
    /// Where `poll:` was written.
    pub span: Span,
}

/// The request of an HTTP step. Strings are raw templates.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestSpec {
    /// Upper-case HTTP method: `GET`, `POST`, `PUT`, `PATCH` or `DELETE`.
    pub method: String,
    /// Path relative to the target's base URL, possibly with a query string (template).
    pub path: String,
    /// Extra request headers: lower-case name and template value, in the order written.
    pub headers: Vec<(String, String)>,
    /// The request body.
    pub body: RequestBody,
    /// Whether to follow redirects (default `false`, so a `302` and its `location` can be checked).
    pub follow_redirects: bool,
}

/// The body of a request.
#[derive(Debug, Clone, PartialEq)]
pub enum RequestBody {
    /// No body.
    None,
    /// A JSON body (templates inside strings).
    Json(serde_json::Value),
    /// An `application/x-www-form-urlencoded` body: field names and scalar values, in the order written.
    Form(Vec<(String, serde_json::Value)>),
}

/// What the response of an HTTP step must look like. Every part is optional.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Expect {
    /// Allowed status codes (one of them must match); `None` means any status.
    pub status: Option<Vec<u16>>,
    /// A JSON Schema file under `schemas/` the body must satisfy.
    pub schema: Option<Located<String>>,
    /// Checks on the JSON body, in the order written.
    pub body: Vec<BodyCheck>,
    /// Checks on response headers, in the order written.
    pub headers: Vec<HeaderCheck>,
    /// Checks on JWTs found in the body, in the order written.
    pub jwt: Vec<JwtCheck>,
    /// The evidence catalogue entries (`evidence.yaml` ids) these checks rest on (`evidence:`, a
    /// known id or a list of them; default none): a failure on a real tenant is told apart by
    /// their grades, a guess to calibrate or a deviation from documented behaviour.
    pub evidence: Vec<Located<String>>,
}

/// A check on a JWT taken from the response body: its signature and its header and claims.
#[derive(Debug, Clone, PartialEq)]
pub struct JwtCheck {
    /// JSONPath of the token in the body (`$.id_token`).
    pub path: String,
    /// Verify the signature against the target's JWKS (default `true`).
    pub verify_signature: bool,
    /// Require `exp` to be in the future on the target's clock (default `true`).
    pub not_expired: bool,
    /// Checks on the decoded header (`$.alg: RS256`).
    pub header: Vec<BodyCheck>,
    /// Checks on the decoded claims (`$.iss`, `$.amr`, …).
    pub claims: Vec<BodyCheck>,
    /// Where the token's JSONPath was written.
    pub span: Span,
}

/// A check on the nodes a JSONPath selects in the response body.
#[derive(Debug, Clone, PartialEq)]
pub struct BodyCheck {
    /// An RFC 9535 JSONPath, checked to parse at load time.
    pub path: String,
    /// What every selected node must satisfy.
    pub matcher: Matcher,
    /// Where the JSONPath key was written.
    pub span: Span,
}

/// A check on a response header.
#[derive(Debug, Clone, PartialEq)]
pub struct HeaderCheck {
    /// The header name, lower-case.
    pub name: String,
    /// What the header value must satisfy.
    pub matcher: Matcher,
    /// Where the header name was written.
    pub span: Span,
}

/// A set of rules that must all hold.
#[derive(Debug, Clone, PartialEq)]
pub struct Matcher {
    /// The rules, in the order written (never empty).
    pub rules: Vec<MatchRule>,
    /// The evidence catalogue entries this one check rests on (`evidence:` beside the rules;
    /// default none, and then the check rests on its `expect`'s).
    pub evidence: Vec<Located<String>>,
}

/// One rule of a matcher. Values are raw templates, rendered by the runner.
#[derive(Debug, Clone, PartialEq)]
pub enum MatchRule {
    /// The value equals this one (`equals:`, or a bare scalar or sequence).
    Equals(serde_json::Value),
    /// The value differs from this one (`not_equals:`).
    NotEquals(serde_json::Value),
    /// The value is a string matching this regex (`regex:`), checked to compile at load time. A regex is not
    /// a template: it is used as written.
    Regex(String),
    /// The path selects at least one node (`true`) or none (`false`).
    Exists(bool),
    /// The path selects no node (`true`) or at least one (`false`).
    Absent(bool),
    /// The value has this JSON type.
    Type(JsonType),
    /// The value equals one of these.
    OneOf(Vec<serde_json::Value>),
    /// The value is a string containing this string, or an array containing this element.
    Contains(serde_json::Value),
}

/// A JSON type name as written after `type:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JsonType {
    /// `string`
    String,
    /// `number` (integers are numbers too)
    Number,
    /// `integer`
    Integer,
    /// `boolean`
    Boolean,
    /// `object`
    Object,
    /// `array`
    Array,
    /// `null`
    Null,
}

impl JsonType {
    /// Every type, in the order they are documented.
    pub const ALL: [JsonType; 7] = [
        JsonType::String,
        JsonType::Number,
        JsonType::Integer,
        JsonType::Boolean,
        JsonType::Object,
        JsonType::Array,
        JsonType::Null,
    ];

    /// The name used in YAML.
    pub fn as_str(self) -> &'static str {
        match self {
            JsonType::String => "string",
            JsonType::Number => "number",
            JsonType::Integer => "integer",
            JsonType::Boolean => "boolean",
            JsonType::Object => "object",
            JsonType::Array => "array",
            JsonType::Null => "null",
        }
    }
}

impl fmt::Display for JsonType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A value to remember from a response, under a name usable in later templates.
#[derive(Debug, Clone, PartialEq)]
pub struct CaptureSpec {
    /// The name, an identifier not colliding with [`TEMPLATE_NAMESPACES`](super::TEMPLATE_NAMESPACES).
    pub name: String,
    /// Where the value comes from.
    pub source: CaptureSource,
    /// Then take this query parameter of the selected string, read as a URL.
    pub query: Option<String>,
    /// Then take capture group 1 of this regex (checked to compile and to have a group at load time).
    pub regex: Option<String>,
    /// Whether the value must be redacted in reports (default `false`).
    pub secret: bool,
    /// Where the capture's name was written.
    pub span: Span,
}

/// Where a captured value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaptureSource {
    /// A JSONPath into the JSON body (checked to parse at load time); it must select exactly one node.
    JsonPath(String),
    /// A response header, lower-case name.
    Header(String),
}

/// Read the last message sent to an address from the target's outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct OtpStep {
    /// The address (e-mail or phone number) as a raw template.
    pub to: String,
    /// The channel, when given; otherwise the runner infers it (an address with `@` is e-mail).
    pub channel: Option<Channel>,
    /// Names to remember and the part of the message each takes, in the order written (default `code: code`).
    pub capture: Vec<(String, OtpField)>,
}

/// How a one-time code is delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    /// `email`
    Email,
    /// `sms`
    Sms,
}

impl Channel {
    /// The name used in YAML.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
        }
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A part of an outbox message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OtpField {
    /// The one-time code (`code`).
    Code,
    /// The magic link (`link`).
    Link,
    /// The whole message text (`body`).
    Body,
    /// A query parameter of the magic link (`link_query.<param>`).
    LinkQuery(String),
}

/// Move the target's clock forward.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockStep {
    /// How far, in seconds (at least 1).
    pub advance_seconds: u64,
}
