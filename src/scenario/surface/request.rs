//! The surface of an HTTP step: its `request`, its `expect` (status, schema, matchers, JWT checks) and its
//! `capture`.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

use super::Templated;

/// The request of an HTTP step. Every string in it is a template (`"{{ clients.native.client_id }}"`).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// The HTTP method (upper or lower case).
    pub method: Templated<Method>,
    /// The path, relative to the target's base URL (`/oauth/token`), with a query string if needed; or
    /// an absolute URL from a template (a captured magic link).
    pub path: String,
    /// Extra request headers: name → value (a template). Default: none.
    #[serde(default)]
    pub headers: BTreeMap<String, Scalar>,
    /// A JSON body (templates inside strings; a string that is exactly `"{{ expr }}"` keeps the
    /// expression's JSON type). One of `json`, `form` or `body`. Default: no body.
    #[serde(default)]
    pub json: Option<serde_json::Value>,
    /// An `application/x-www-form-urlencoded` body: field → string, number or boolean (templates inside).
    /// One of `json`, `form` or `body`. Default: no body.
    #[serde(default)]
    pub form: Option<BTreeMap<String, Scalar>>,
    /// A body sent as `encoding` says, so that a matrix can send one body both ways. One of `json`,
    /// `form` or `body`. Default: no body.
    #[serde(default)]
    pub body: Option<serde_json::Value>,
    /// How `body` is sent: `json` (the default) or `form`. Usually a matrix template
    /// (`encoding: "{{ encoding }}"`).
    #[serde(default)]
    pub encoding: Option<Templated<Encoding>>,
    /// Whether to follow redirects. Default: `false`, so a `302` and its `location` can be checked.
    #[serde(default)]
    pub follow_redirects: Option<Templated<bool>>,
}

/// An HTTP method.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
#[schemars(transform = case_insensitive_methods)]
pub enum Method {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `PATCH`
    Patch,
    /// `DELETE`
    Delete,
}

/// The loader takes methods in any case: the schema offers the upper-case names and accepts the others.
fn case_insensitive_methods(schema: &mut schemars::Schema) {
    let names = ["GET", "POST", "PUT", "PATCH", "DELETE"];
    let pattern: Vec<String> = names
        .iter()
        .map(|name| {
            name.chars()
                .map(|c| format!("[{}{}]", c, c.to_ascii_lowercase()))
                .collect::<String>()
        })
        .collect();
    let offered = schema.clone();
    *schema = schemars::json_schema!({
        "description": "The HTTP method, in any case.",
        "anyOf": [
            offered,
            { "type": "string", "pattern": format!("^(?:{})$", pattern.join("|")) }
        ]
    });
}

/// How a `body` is sent.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Encoding {
    /// `application/json`.
    Json,
    /// `application/x-www-form-urlencoded` (every field a string, number or boolean).
    Form,
}

/// A string, number or boolean (strings are templates).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Scalar {
    /// A string (a template).
    Text(String),
    /// A number.
    Number(f64),
    /// A boolean.
    Flag(bool),
}

/// What the response must look like. Every part is optional.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// The entries of the evidence catalogue (docs/evidence.md) these checks rest on: an id or a list.
    /// A failure on a real tenant is then classified (the tenant deviates from the evidence, or the
    /// mock's guess differs). Only in a step's `expect`, not in `poll`'s `until` or `stop_if`.
    #[serde(default)]
    pub evidence: Option<EvidenceIds>,
    /// The status code, or a list of allowed codes. Default: any status.
    #[serde(default)]
    pub status: Option<Templated<Status>>,
    /// A JSON Schema file under `schemas/` (e.g. `token-success.json`) the body must satisfy.
    #[serde(default)]
    pub schema: Option<String>,
    /// Checks on the JSON body: an RFC 9535 JSONPath (`$.error`) → a matcher every selected value must
    /// satisfy. Default: none.
    #[serde(default)]
    pub body: BTreeMap<String, Matcher>,
    /// Checks on response headers: name → matcher. Default: none.
    #[serde(default)]
    pub headers: BTreeMap<String, Matcher>,
    /// Checks on JWTs in the body: the token's JSONPath (`$.id_token`) → what to check. Default: none.
    #[serde(default)]
    pub jwt: BTreeMap<String, JwtCheck>,
}

/// One status code, or a list of allowed ones.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Status {
    /// One status code.
    One(#[schemars(range(min = 100, max = 599))] u16),
    /// Any of these status codes.
    AnyOf(#[schemars(length(min = 1), inner(range(min = 100, max = 599)))] Vec<u16>),
}

/// Checks on a JWT found in the body.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct JwtCheck {
    /// Verify the signature against the target's JWKS. Default: `true`.
    #[serde(default)]
    pub verify_signature: Option<Templated<bool>>,
    /// Require `exp` to be in the future, on the target's clock. Default: `true`.
    #[serde(default)]
    pub not_expired: Option<Templated<bool>>,
    /// Checks on the decoded header: JSONPath (`$.alg`) → matcher. Default: none.
    #[serde(default)]
    pub header: BTreeMap<String, Matcher>,
    /// Checks on the decoded claims: JSONPath (`$.iss`, `$.amr`) → matcher. Default: none.
    #[serde(default)]
    pub claims: BTreeMap<String, Matcher>,
}

/// A plain value or list to compare with (`equals`), or a mapping of rules that must all hold.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Matcher {
    /// Rules that must all hold (at least one).
    Rules(Box<MatcherRules>),
    /// A value the selected value must equal (templates inside strings).
    Equals(#[schemars(schema_with = "not_a_mapping")] serde_json::Value),
}

/// Any JSON value but an object: a mapping is a matcher's rules.
fn not_a_mapping(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "description": "A value the selected value must equal: a string (template), number, boolean, null or list.",
        "not": { "type": "object" }
    })
}

/// The rules of a matcher; every rule written must hold.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("minProperties" = 1))]
pub struct MatcherRules {
    /// Not a rule: the evidence catalogue entries this one check rests on (an id or a list).
    #[serde(default)]
    pub evidence: Option<EvidenceIds>,
    /// Equals this value (a template in strings).
    #[serde(default)]
    pub equals: Option<serde_json::Value>,
    /// Differs from this value.
    #[serde(default)]
    pub not_equals: Option<serde_json::Value>,
    /// Is a string matching this regex (Rust `regex` syntax; not a template).
    #[serde(default)]
    pub regex: Option<String>,
    /// `true`: the path selects at least one value; `false`: none.
    #[serde(default)]
    pub exists: Option<Templated<bool>>,
    /// `true`: the path selects no value; `false`: at least one.
    #[serde(default)]
    pub absent: Option<Templated<bool>>,
    /// Has this JSON type.
    #[serde(default, rename = "type")]
    pub json_type: Option<Templated<JsonTypeName>>,
    /// Equals one of these values.
    #[serde(default)]
    pub one_of: Option<Vec<serde_json::Value>>,
    /// A string containing this text, or an array containing this element.
    #[serde(default)]
    pub contains: Option<serde_json::Value>,
}

/// An entry of the evidence catalogue, or several (each once).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum EvidenceIds {
    /// One entry.
    One(EvidenceId),
    /// Several entries.
    Many(#[schemars(length(min = 1), extend("uniqueItems" = true))] Vec<EvidenceId>),
}

/// The id of an entry of `evidence.yaml` (docs/evidence.md), e.g. `token.otp.expired`.
#[derive(Debug, Deserialize)]
pub struct EvidenceId(pub String);

impl JsonSchema for EvidenceId {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "EvidenceId".into()
    }

    /// The catalogue's ids, each with what it says, so that an editor completes and explains them.
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let entries: Vec<serde_json::Value> = crate::evidence::catalogue()
            .entries
            .iter()
            .map(|entry| serde_json::json!({ "const": entry.id, "description": entry.what }))
            .collect();
        schemars::json_schema!({
            "description": "The id of an entry of the evidence catalogue (evidence.yaml, docs/evidence.md).",
            "type": "string",
            "oneOf": entries
        })
    }
}

/// A JSON type, for `type:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum JsonTypeName {
    /// A string.
    String,
    /// A number (integers too).
    Number,
    /// A whole number.
    Integer,
    /// `true` or `false`.
    Boolean,
    /// An object.
    Object,
    /// An array.
    Array,
    /// `null`.
    Null,
}

/// What to remember from a response: a JSONPath (shorthand), or a mapping saying where from.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Capture {
    /// An RFC 9535 JSONPath into the JSON body, which must select exactly one value.
    Path(String),
    /// Where the value comes from, and what to take of it.
    Spec(CaptureSpec),
}

/// Where a captured value comes from: `jsonpath` or `header`, then optionally `query` and `regex`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CaptureSpec {
    /// An RFC 9535 JSONPath into the JSON body (one of `jsonpath` or `header`).
    #[serde(default)]
    pub jsonpath: Option<String>,
    /// A response header, e.g. `location` (one of `jsonpath` or `header`).
    #[serde(default)]
    pub header: Option<String>,
    /// Then take this query parameter of the value, read as a URL.
    #[serde(default)]
    pub query: Option<String>,
    /// Then take capture group 1 of this regex.
    #[serde(default)]
    pub regex: Option<String>,
    /// Redact the value in every report and snapshot. Default: `false` (captures of secret fields such
    /// as `mfa_token`, `oob_code` and tokens are redacted anyway).
    #[serde(default)]
    pub secret: Option<Templated<bool>>,
}
