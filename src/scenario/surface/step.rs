//! The surface of a step: one of `request`, `otp`, `clock` or `use`, each with its own keys.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

use super::Templated;
use super::request::{Capture, Expect, Request};

/// One step: exactly one of `request`, `otp`, `clock` or `use`, with a name unique in its file.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Step {
    /// Send an HTTP request and check the response.
    Request(Box<RequestStep>),
    /// Read the last one-time code (or magic link) sent to an address.
    Otp(OtpStep),
    /// Move the target's clock forward.
    Clock(ClockStep),
    /// Run a flow's steps in place.
    Use(UseStep),
}

/// A step that sends an HTTP request.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestStep {
    /// What the step does, unique in its file: reports and snapshots name it.
    pub name: String,
    /// The request to send.
    pub request: Request,
    /// What the response must look like. Default: anything.
    #[serde(default)]
    pub expect: Option<Expect>,
    /// Values to remember for later steps: name → where from. A name is then usable as `{{ name }}`.
    /// Default: none.
    #[serde(default)]
    #[schemars(extend("propertyNames" = { "pattern": "^[A-Za-z_][A-Za-z0-9_]*$" }))]
    pub capture: BTreeMap<String, Capture>,
    /// Repeat the request until a condition holds (push approval). Default: send it once.
    #[serde(default)]
    pub poll: Option<Poll>,
}

/// How a step repeats its request. On a target with a controllable clock the waits move the clock
/// instead of sleeping.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Poll {
    /// The condition that ends polling successfully (status, schema, body and header checks).
    pub until: Expect,
    /// A condition that ends polling at once (e.g. `body: { $.error: invalid_grant }`); `expect` then
    /// judges the last answer.
    #[serde(default)]
    pub stop_if: Option<Expect>,
    /// Seconds between attempts. Default: 5 (Auth0's recommended MFA poll interval); an
    /// `error: slow_down` answer adds 5.
    #[serde(default)]
    pub interval: Option<Templated<PositiveNumber>>,
    /// At most this many requests. Default: 10.
    #[serde(default)]
    pub max_attempts: Option<Templated<PositiveNumber>>,
    /// At most this many seconds of waiting in all. Default: 120.
    #[serde(default)]
    pub max_seconds: Option<Templated<PositiveNumber>>,
    /// Whether `error: slow_down` adds 5 seconds to the interval, as RFC 8628 asks. Default: `true`.
    #[serde(default)]
    pub slow_down: Option<Templated<bool>>,
}

/// A whole number greater than 0.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct PositiveNumber(#[schemars(range(min = 1))] pub u64);

/// A step that reads the last message sent to an address (needs `requires: [outbox]`).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OtpStep {
    /// What the step does, unique in its file.
    pub name: String,
    /// The message to read.
    pub otp: Otp,
}

/// The message an `otp` step reads.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Otp {
    /// The address the message was sent to (a template, e.g. `"{{ users.email_user.email }}"`).
    pub to: String,
    /// `email` or `sms`. Default: e-mail when the address has an `@`. Give it in a flow whose address is
    /// a param, so listing can tell which targets can read it.
    #[serde(default)]
    pub channel: Option<Templated<Channel>>,
    /// Names to remember → the part of the message: `code`, `link`, `body` or `link_query.<param>`.
    /// Default: `code: code`.
    #[serde(default)]
    #[schemars(extend("propertyNames" = { "pattern": "^[A-Za-z_][A-Za-z0-9_]*$" }))]
    pub capture: BTreeMap<String, OtpPart>,
}

/// A part of a message.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct OtpPart(#[schemars(pattern("^(code|link|body|link_query\\..+)$"))] pub String);

/// How a code is delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// By e-mail.
    Email,
    /// By text message.
    Sms,
}

/// A step that moves the target's clock (needs `requires: [clock]`).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClockStep {
    /// What the step does, unique in its file.
    pub name: String,
    /// How far to move the clock.
    pub clock: Clock,
}

/// How far to move the clock.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Clock {
    /// Seconds to move forward (at least 1).
    pub advance: Templated<PositiveNumber>,
}

/// A step that runs a flow's steps in place, named `<this step> › <flow step>` in reports.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UseStep {
    /// What the step does, unique in its file: the flow's steps are named after it.
    pub name: String,
    /// The flow: its `name:`, or its path under `flows/` (`.yaml` optional). A matrix may choose it
    /// (`"code_by_{{ channel }}"`); no other template.
    #[serde(rename = "use")]
    pub flow: String,
    /// Values for the flow's params: param → value (templates read the caller's names). A param without
    /// a default must be given. Default: none.
    #[serde(default)]
    pub with: BTreeMap<String, serde_json::Value>,
}
