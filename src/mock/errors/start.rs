//! Errors of `POST /passwordless/start` (catalogue area `start`), one line per entry: the
//! function names the entry whose status, code and text it answers (see `docs/evidence.md`).

use serde_json::Value;

use super::{AuthError, catalogued, json_type_name};

/// 400 `bad.<name>` `Missing required property: <name>`.
pub fn missing_property(name: &str) -> AuthError {
    match name {
        "client_id" => catalogued("start.missing_client_id", &[]),
        "connection" => catalogued("start.missing_connection", &[]),
        "phone_number" => catalogued("start.missing_phone_number", &[]),
        "email" => catalogued("start.missing_email", &[]),
        other => super::link::missing_parameter(other),
    }
}

pub fn properties_not_allowed(names: &[&str]) -> AuthError { catalogued("start.properties_not_allowed", &[("names", &names.join(", "))]) }
pub fn unknown_client(client_id: &str) -> AuthError { catalogued("start.unknown_client", &[("client_id", client_id)]) }
pub fn client_authentication_required() -> AuthError { catalogued("start.client_authentication_required", &[]) }
pub fn invalid_client_credentials() -> AuthError { catalogued("start.invalid_client_credentials", &[]) }
pub fn connection_does_not_exist() -> AuthError { catalogued("start.unknown_connection", &[]) }
pub fn connection_disabled() -> AuthError { catalogued("start.connection_disabled", &[]) }
pub fn phone_number_pattern() -> AuthError { catalogued("start.phone_number_pattern", &[]) }
pub fn invalid_email(value: &str) -> AuthError { catalogued("start.email_invalid", &[("value", value)]) }
pub fn auth_params_not_object(found: &Value) -> AuthError { catalogued("start.auth_params_not_object", &[("type", json_type_name(found))]) }
pub fn not_a_string(field: &str, found: &Value) -> AuthError { catalogued("start.not_a_string", &[("field", field), ("type", json_type_name(found))]) }
pub fn send_not_allowed(value: &str) -> AuthError { catalogued("start.send_invalid", &[("value", value)]) }
pub fn signup_disabled() -> AuthError { catalogued("start.signup_disabled", &[]) }
