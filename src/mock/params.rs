//! Reading request parameters from a JSON or form body, with Auth0-style errors.
//!
//! axum's `Json`/`Form` extractors answer mistakes with plain text; Auth0 always answers JSON.
//! So the handlers take the raw body and this module parses it: `application/json` (an object) or
//! `application/x-www-form-urlencoded` (every value a string). An empty body is an empty object,
//! which lets the endpoint report the first missing property like Auth0 does.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode, header};
use base64::Engine;
use serde_json::{Map, Value};

use super::errors::AuthError;
use super::errors::body::{self as body_errors, Flavor};

/// The parameters of one request, in the order they were sent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Params {
    fields: Map<String, Value>,
}

impl Params {
    /// Parameters from a JSON object.
    pub fn from_map(fields: Map<String, Value>) -> Params {
        Params { fields }
    }

    /// Parameters from a query or form string (`a=1&b=2`); later duplicates win.
    pub fn from_urlencoded(text: &[u8]) -> Params {
        let fields = url::form_urlencoded::parse(text)
            .map(|(name, value)| (name.into_owned(), Value::String(value.into_owned())))
            .collect();
        Params { fields }
    }

    /// The raw value of a parameter.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.fields.get(name)
    }

    /// The parameter names, in request order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.fields.keys().map(String::as_str)
    }

    /// The value of a parameter that is present and not JSON `null`.
    pub fn present(&self, name: &str) -> Option<&Value> {
        self.fields.get(name).filter(|value| !value.is_null())
    }

    /// Like [`Params::string`], but JSON `null` counts as absent (for optional parameters).
    pub fn optional_string(&self, name: &str) -> Result<Option<&str>, &Value> {
        match self.present(name) {
            None => Ok(None),
            Some(Value::String(text)) => Ok(Some(text)),
            Some(other) => Err(other),
        }
    }

    /// A string parameter: `Ok(None)` when absent, `Err(value)` when present with another type
    /// (JSON `null` included).
    pub fn string(&self, name: &str) -> Result<Option<&str>, &Value> {
        match self.fields.get(name) {
            None => Ok(None),
            Some(Value::String(text)) => Ok(Some(text)),
            Some(other) => Err(other),
        }
    }
}

/// Parses a body that axum buffered (the router caps bodies at
/// [`BODY_LIMIT_BYTES`](super::errors::BODY_LIMIT_BYTES)).
pub fn read_params(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
    flavor: Flavor,
) -> Result<Params, AuthError> {
    let bytes = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            body_errors::too_large(flavor)
        } else {
            body_errors::unreadable(flavor)
        }
    })?;
    parse_body(headers, &bytes, flavor)
}

/// Parses an already-read body according to its `Content-Type`.
pub fn parse_body(headers: &HeaderMap, bytes: &[u8], flavor: Flavor) -> Result<Params, AuthError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Params::default());
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("");
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if essence == "application/json" || essence.ends_with("+json") {
        match serde_json::from_slice::<Value>(bytes) {
            Ok(Value::Object(fields)) => Ok(Params::from_map(fields)),
            Ok(_) => Err(body_errors::not_an_object(flavor)),
            Err(_) => Err(body_errors::malformed_json(flavor)),
        }
    } else if essence == "application/x-www-form-urlencoded" {
        Ok(Params::from_urlencoded(bytes))
    } else {
        let shown = if content_type.is_empty() {
            "(none)"
        } else {
            content_type
        };
        Err(body_errors::unsupported_content_type(flavor, shown))
    }
}

/// The `client_id` and `client_secret` of an `Authorization: Basic ...` header, if well formed.
pub fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    let decode = |part: &str| {
        url::form_urlencoded::parse(format!("v={part}").as_bytes())
            .next()
            .map(|(_, value)| value.into_owned())
    };
    Some((decode(id)?, decode(secret)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(content_type: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_str(content_type).unwrap(),
        );
        headers
    }

    #[test]
    fn json_with_charset_is_parsed() {
        let params = parse_body(
            &headers("application/json; charset=utf-8"),
            br#"{"a":"1","b":2}"#,
            Flavor::Start,
        )
        .unwrap();
        assert_eq!(params.string("a"), Ok(Some("1")));
        assert_eq!(params.string("b"), Err(&Value::from(2)));
        assert_eq!(params.string("c"), Ok(None));
    }

    #[test]
    fn null_is_absent_only_for_optional_readers() {
        let params = parse_body(
            &headers("application/json"),
            br#"{"scope":null,"nonce":"n"}"#,
            Flavor::Token,
        )
        .unwrap();
        assert_eq!(params.optional_string("scope"), Ok(None));
        assert_eq!(params.optional_string("nonce"), Ok(Some("n")));
        assert!(params.present("scope").is_none());
        assert_eq!(params.string("scope"), Err(&Value::Null));
    }

    #[test]
    fn form_values_are_strings() {
        let params = parse_body(
            &headers("application/x-www-form-urlencoded"),
            b"otp=012345&username=a%2Bb%40example.com",
            Flavor::Token,
        )
        .unwrap();
        assert_eq!(params.string("otp"), Ok(Some("012345")));
        assert_eq!(params.string("username"), Ok(Some("a+b@example.com")));
    }

    #[test]
    fn empty_body_is_an_empty_object_whatever_the_content_type() {
        let params = parse_body(&HeaderMap::new(), b"", Flavor::Start).unwrap();
        assert_eq!(params.names().count(), 0);
    }

    #[test]
    fn non_object_json_and_unknown_content_types_are_rejected() {
        let error = parse_body(&headers("application/json"), b"[1]", Flavor::Start).unwrap_err();
        assert_eq!(error.description(), "Request body must be a JSON object");
        let error = parse_body(&headers("text/plain"), b"hi", Flavor::Token).unwrap_err();
        assert_eq!(error.status(), 415);
        assert_eq!(error.error(), "invalid_request");
    }

    #[test]
    fn basic_credentials_are_decoded() {
        let mut headers = HeaderMap::new();
        let encoded = base64::engine::general_purpose::STANDARD.encode("my%20app:s3cret:x");
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_str(&format!("Basic {encoded}")).unwrap(),
        );
        assert_eq!(
            basic_credentials(&headers),
            Some(("my app".to_owned(), "s3cret:x".to_owned()))
        );
    }
}
