//! Answers that belong to no one endpoint (catalogue area `wire`): unknown routes, wrong
//! methods, broken bodies, emulated rate limits, and the mock's own failures; one line per entry.

use axum::http::StatusCode;

use super::{AuthError, catalogued};

/// The largest request body the mock reads, in bytes.
pub const BODY_LIMIT_BYTES: usize = 64 * 1024;

/// Which error code an endpoint uses for a broken body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// `/passwordless/start`: `bad.request`.
    Start,
    /// `/oauth/token`, the MFA API (`/mfa/...`) and the control API: `invalid_request`.
    Token,
}

impl Flavor {
    fn code(self) -> &'static str {
        match self {
            Flavor::Start => "bad.request",
            Flavor::Token => "invalid_request",
        }
    }
}

pub fn not_found() -> AuthError { catalogued("wire.unknown_route", &[]) }
pub fn method_not_allowed() -> AuthError { catalogued("wire.method_not_allowed", &[]) }
pub fn too_many_requests() -> AuthError { catalogued("wire.rate_limited", &[]) }
pub fn malformed_json(flavor: Flavor) -> AuthError { catalogued("wire.body.malformed_json", &[("code", flavor.code())]) }
pub fn not_an_object(flavor: Flavor) -> AuthError { catalogued("wire.body.not_an_object", &[("code", flavor.code())]) }
pub fn unsupported_content_type(flavor: Flavor, content_type: &str) -> AuthError { catalogued("wire.body.unsupported_content_type", &[("code", flavor.code()), ("content_type", content_type)]) }
pub fn too_large(flavor: Flavor) -> AuthError { catalogued("wire.body.too_large", &[("code", flavor.code()), ("limit", &BODY_LIMIT_BYTES.to_string())]) }
pub fn unreadable(flavor: Flavor) -> AuthError { catalogued("wire.body.unreadable", &[("code", flavor.code())]) }

/// 500 `server_error`: something inside the mock failed (never caused by the request). Built
/// without a catalogue lookup, because a failed lookup answers this.
pub fn server_error(detail: &str) -> AuthError {
    let mut error = AuthError::new(StatusCode::INTERNAL_SERVER_ERROR, "server_error", detail);
    // evidence `wire.server_error`
    error.0.entry = Some("wire.server_error");
    error
}
