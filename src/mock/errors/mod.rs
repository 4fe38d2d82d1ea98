//! Every error the mock answers with, each one an entry of the evidence catalogue
//! (`evidence.yaml`, documented in `docs/evidence.md`).
//!
//! [`AuthError`] turns into Auth0's JSON error body (`{"error", "error_description"[,
//! "error_uri"]}`, or `{}` for an entry without a code) through `IntoResponse`, and leaves a
//! copy of itself in the response's extensions, so that the calibration layer can replace its
//! status, code and text with a tenant fixture's `evidence_overrides:` and write it anew.
//!
//! One file per endpoint, one line per entry: [`start`], [`link`], [`token`] (clients, the
//! passwordless grant, authorization codes, refresh tokens), [`token_mfa`] (`mfa_required` and
//! the MFA grants), [`mfa`] (the MFA API), [`wire`] (routes, bodies, rate limits) and
//! [`control`] (the mock's own control API, which is no part of Auth0 and not catalogued). The
//! contract is checked from outside by the scenarios under `scenarios/errors/`.
//!
//! This module knows nothing of the tenant, the stores or the handlers.

// The per-endpoint files are tables, one entry per line: rustfmt would spread each over four.
pub mod control;
#[rustfmt::skip]
pub mod link;
#[rustfmt::skip]
pub mod mfa;
#[rustfmt::skip]
pub mod start;
#[rustfmt::skip]
pub mod token;
#[rustfmt::skip]
pub mod token_mfa;
#[rustfmt::skip]
pub mod wire;

use std::borrow::Cow;

use axum::Json;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use crate::evidence::{self, Override};

pub use wire::{BODY_LIMIT_BYTES, method_not_allowed, not_found, server_error, too_many_requests};

/// The `error_uri` Auth0 adds to `unauthorized_client` on `/oauth/token`.
pub const GRANT_TYPES_DOC_URI: &str = "https://auth0.com/docs/clients/client-grant-types";

/// An error response in Auth0's JSON shape. Boxed, because handlers return it in every
/// `Result` and most answers are not errors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthError(Box<Answer>);

/// What an [`AuthError`] holds.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Answer {
    status: StatusCode,
    /// `None` for an answer whose body is `{}`.
    error: Option<Cow<'static, str>>,
    description: String,
    /// The catalogue entry the answer comes from (`None` for the control API).
    entry: Option<&'static str>,
    /// The values filled into the entry's `{name}` placeholders.
    args: Vec<(&'static str, String)>,
    error_uri: Option<&'static str>,
    members: Vec<(&'static str, Value)>,
    headers: Vec<(HeaderName, HeaderValue)>,
}

/// The answer of the catalogue entry `id`, its `{name}` placeholders filled from `args`.
///
/// A missing entry is a bug of the mock's own (a unit test checks every id the mock names), so
/// it answers 500 rather than panicking.
pub fn catalogued(id: &'static str, args: &[(&'static str, &str)]) -> AuthError {
    let Some(entry) = evidence::lookup(id) else {
        return server_error(&format!("evidence entry `{id}` is missing"));
    };
    let owned: Vec<(&'static str, String)> = args
        .iter()
        .map(|(name, value)| (*name, (*value).to_owned()))
        .collect();
    let borrowed = borrow(&owned);
    AuthError(Box::new(Answer {
        status: entry
            .status
            .and_then(|status| StatusCode::from_u16(status).ok())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        error: entry
            .error
            .as_deref()
            .map(|code| Cow::Owned(evidence::fill(code, &borrowed))),
        description: entry.describe(&borrowed),
        entry: Some(id),
        args: owned,
        error_uri: None,
        members: Vec::new(),
        headers: Vec::new(),
    }))
}

fn borrow<'a>(args: &'a [(&'static str, String)]) -> Vec<(&'a str, &'a str)> {
    args.iter()
        .map(|(name, value)| (*name, value.as_str()))
        .collect()
}

impl AuthError {
    /// An error that is no catalogue entry (the control API's): a status, a code and a text.
    pub fn new(
        status: StatusCode,
        error: impl Into<Cow<'static, str>>,
        description: impl Into<String>,
    ) -> AuthError {
        AuthError(Box::new(Answer {
            status,
            error: Some(error.into()),
            description: description.into(),
            entry: None,
            args: Vec::new(),
            error_uri: None,
            members: Vec::new(),
            headers: Vec::new(),
        }))
    }

    /// Adds an `error_uri` member to the body.
    pub fn with_error_uri(mut self, uri: &'static str) -> AuthError {
        self.0.error_uri = Some(uri);
        self
    }

    /// Adds a top-level member to the body, after `error_description` (e.g. `mfa_token`).
    pub fn with_member(mut self, name: &'static str, value: Value) -> AuthError {
        self.0.members.push((name, value));
        self
    }

    /// Adds a response header.
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> AuthError {
        self.0.headers.push((name, value));
        self
    }

    /// Adds the `X-RateLimit-*` headers SDKs read from a 429.
    pub fn with_rate_limit(self, limit: u32, remaining: u32, reset_unix: u64) -> AuthError {
        self.with_header(
            HeaderName::from_static("x-ratelimit-limit"),
            HeaderValue::from(limit),
        )
        .with_header(
            HeaderName::from_static("x-ratelimit-remaining"),
            HeaderValue::from(remaining),
        )
        .with_header(
            HeaderName::from_static("x-ratelimit-reset"),
            HeaderValue::from(reset_unix),
        )
    }

    /// The same answer with a tenant's calibration applied: its status, code and text replace
    /// the catalogue's (the text with the same `{name}` values filled in).
    pub fn calibrated(mut self, calibration: &Override) -> AuthError {
        if let Some(status) = calibration
            .status
            .and_then(|status| StatusCode::from_u16(status).ok())
        {
            self.0.status = status;
        }
        if let Some(error) = &calibration.error {
            self.0.error = Some(Cow::Owned(error.clone()));
        }
        if let Some(description) = &calibration.description {
            self.0.description = evidence::fill(description, &borrow(&self.0.args));
        }
        self
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.0.status
    }

    /// The `error` code (empty for an answer whose body is `{}`).
    pub fn error(&self) -> &str {
        self.0.error.as_deref().unwrap_or_default()
    }

    /// The `error_description` text.
    pub fn description(&self) -> &str {
        &self.0.description
    }

    /// The catalogue entry the answer comes from.
    pub fn entry(&self) -> Option<&'static str> {
        self.0.entry
    }

    /// The JSON body.
    pub fn body(&self) -> Value {
        let answer = &self.0;
        let mut body = Map::new();
        if let Some(error) = &answer.error {
            body.insert("error".into(), Value::from(error.as_ref()));
            body.insert(
                "error_description".into(),
                Value::from(answer.description.as_str()),
            );
        }
        if let Some(uri) = answer.error_uri {
            body.insert("error_uri".into(), Value::from(uri));
        }
        for (name, value) in &answer.members {
            body.insert((*name).into(), value.clone());
        }
        Value::Object(body)
    }
}

impl IntoResponse for AuthError {
    fn into_response(self) -> Response {
        let mut response = (self.status(), Json(self.body())).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        for (name, value) in &self.0.headers {
            headers.insert(name.clone(), value.clone());
        }
        // The calibration layer reads the answer back from here.
        response.extensions_mut().insert(self);
        response
    }
}

/// The JSON type name used in validation messages (`integer` for whole numbers, as z-schema does).
pub fn json_type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_catalogued_answer_fills_its_placeholders_and_keeps_its_entry() {
        let error = token::grant_not_allowed("refresh_token");
        assert_eq!(error.status(), StatusCode::FORBIDDEN);
        assert_eq!(error.error(), "unauthorized_client");
        assert_eq!(
            error.description(),
            "Grant type 'refresh_token' not allowed for the client."
        );
        assert_eq!(error.entry(), Some("token.grant_not_allowed"));
        assert_eq!(error.body()["error_uri"], GRANT_TYPES_DOC_URI);
    }

    #[test]
    fn a_calibration_replaces_status_code_and_text_with_the_same_values() {
        let calibration = Override {
            status: Some(400),
            error: Some("invalid_request".into()),
            description: Some("{grant_type} is off".into()),
        };
        let error = token::grant_not_allowed("refresh_token").calibrated(&calibration);
        assert_eq!(error.status(), StatusCode::BAD_REQUEST);
        assert_eq!(error.error(), "invalid_request");
        assert_eq!(error.description(), "refresh_token is off");
    }

    #[test]
    fn an_entry_without_a_code_answers_an_empty_object() {
        let error = not_found();
        assert_eq!(error.status(), StatusCode::NOT_FOUND);
        assert_eq!(error.body(), serde_json::json!({}));
    }

    #[test]
    fn a_placeholder_in_the_code_is_filled_too() {
        let error = start::not_a_string("email", &Value::from(3));
        assert_eq!(error.error(), "bad.email");
        assert_eq!(
            error.description(),
            "Expected type string but found type integer"
        );
    }
}
