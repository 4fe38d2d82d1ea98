//! Errors of `GET /passwordless/verify_redirect` (catalogue area `link`), one line per entry.
//! Problems found before `redirect_uri` is known answer JSON; later ones redirect (the handler
//! writes the entry's code and text into the redirect).

use super::{AuthError, catalogued};

pub fn missing_parameter(name: &str) -> AuthError { catalogued("link.missing_parameter", &[("name", name)]) }
pub fn invalid_redirect_uri(value: &str) -> AuthError { catalogued("link.invalid_redirect_uri", &[("value", value)]) }
pub fn unsupported_response_type(value: &str) -> AuthError { catalogued("link.unsupported_response_type", &[("value", value)]) }
