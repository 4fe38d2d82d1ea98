//! Errors of the control API (`/__mock/...`), which is the mock's own and no part of Auth0:
//! not catalogued, never calibrated.

use axum::http::StatusCode;

use super::AuthError;

/// 400 `invalid_request`: missing \`NAME\` query parameter.
pub fn missing_query_parameter(name: &str) -> AuthError {
    AuthError::new(
        StatusCode::BAD_REQUEST,
        "invalid_request",
        format!("missing `{name}` query parameter"),
    )
}

/// 404 `not_found`: no message sent to \`TO\`.
pub fn no_message(to: &str) -> AuthError {
    AuthError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        format!("no message sent to `{to}`"),
    )
}

/// 400 `invalid_request` with a free text about the body.
pub fn invalid_body(description: impl Into<String>) -> AuthError {
    AuthError::new(StatusCode::BAD_REQUEST, "invalid_request", description)
}

/// 404 `not_found`: no push challenge or enrolment has oob_code \`CODE\`.
pub fn no_push(oob_code: &str) -> AuthError {
    AuthError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        format!("no pending push notification with oob_code `{oob_code}`"),
    )
}
