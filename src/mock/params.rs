//! What handlers take from a request: body parameters (JSON or form), one path segment, and
//! HTTP Basic credentials, each with Auth0-style errors.
//!
//! axum's `Json`/`Form`/`Path` extractors answer mistakes with plain text; Auth0 always answers
//! JSON. So [`Params`] is an extractor of its own (`FromRequest` with `Rejection = AuthError`):
//! it reads `application/json` (an object) or `application/x-www-form-urlencoded` (every value
//! a string) and answers a broken body with the endpoint's error code (`invalid_request`;
//! [`StartParams`] for `/passwordless/start`'s `bad.request`). An empty body is an empty
//! object, which lets the endpoint report the first missing property like Auth0 does. Bodies
//! are capped by the router at [`BODY_LIMIT_BYTES`](super::errors::BODY_LIMIT_BYTES). JSON
//! `null` counts as absent for optional parameters (evidence `wire.body.null_is_absent`), and
//! unknown parameters are ignored (`wire.extra_parameters`).

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use base64::Engine;
use serde_json::{Map, Value};

use super::errors::wire::{self as body_errors, Flavor};
use super::errors::{AuthError, not_found, token};

/// The parameters of one request, in the order they were sent; as an extractor, the body of a
/// request whose broken bodies answer `invalid_request`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Params {
    fields: Map<String, Value>,
}

/// The body parameters of `/passwordless/start`, whose broken bodies answer `bad.request`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StartParams(pub Params);

/// One path segment (`{id}`, `{oob_code}`); a segment that is not UTF-8 is the JSON 404.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathParam(pub String);

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

    /// An optional string parameter as `/oauth/token` and the MFA API read them: an empty
    /// string and JSON `null` (auth0-python sends omitted parameters as `null`) count as absent;
    /// another type is `<name> must be a string`.
    pub fn optional(&self, name: &str) -> Result<Option<&str>, AuthError> {
        self.optional_string(name)
            .map(|value| value.filter(|text| !text.is_empty()))
            .map_err(|_| token::not_a_string(name))
    }

    /// A string parameter that must be present: `missing <name> parameter` otherwise.
    pub fn required(&self, name: &str) -> Result<&str, AuthError> {
        self.optional(name)?
            .ok_or_else(|| token::missing_parameter(name))
    }
}

impl<S: Send + Sync> FromRequest<S> for Params {
    type Rejection = AuthError;

    async fn from_request(request: Request, state: &S) -> Result<Params, AuthError> {
        read_body(request, state, Flavor::Token).await
    }
}

impl<S: Send + Sync> FromRequest<S> for StartParams {
    type Rejection = AuthError;

    async fn from_request(request: Request, state: &S) -> Result<StartParams, AuthError> {
        read_body(request, state, Flavor::Start)
            .await
            .map(StartParams)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for PathParam {
    type Rejection = AuthError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<PathParam, AuthError> {
        let Path(segment) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| not_found())?;
        Ok(PathParam(segment))
    }
}

/// Buffers the body (within the router's limit) and parses it by its `Content-Type`.
async fn read_body<S: Send + Sync>(
    request: Request,
    state: &S,
    flavor: Flavor,
) -> Result<Params, AuthError> {
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let bytes = Bytes::from_request(request, state)
        .await
        .map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                body_errors::too_large(flavor)
            } else {
                body_errors::unreadable(flavor)
            }
        })?;
    parse_body(&content_type, &bytes, flavor)
}

/// Parses an already-read body according to its `Content-Type` (empty when none was sent).
pub fn parse_body(content_type: &str, bytes: &[u8], flavor: Flavor) -> Result<Params, AuthError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Params::default());
    }
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

/// The token of an `Authorization: Bearer ...` header, if there is a non-empty one.
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .filter(|token| !token.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn json_with_charset_is_parsed() {
        let params = parse_body(
            "application/json; charset=utf-8",
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
            "application/json",
            br#"{"scope":null,"nonce":"n","empty":""}"#,
            Flavor::Token,
        )
        .unwrap();
        assert_eq!(params.optional_string("scope"), Ok(None));
        assert_eq!(params.optional_string("nonce"), Ok(Some("n")));
        assert!(params.present("scope").is_none());
        assert_eq!(params.string("scope"), Err(&Value::Null));
        assert_eq!(params.optional("empty"), Ok(None));
        assert_eq!(
            params.required("scope").unwrap_err().description(),
            "missing scope parameter"
        );
    }

    #[test]
    fn form_values_are_strings() {
        let params = parse_body(
            "application/x-www-form-urlencoded",
            b"otp=012345&username=a%2Bb%40example.com",
            Flavor::Token,
        )
        .unwrap();
        assert_eq!(params.string("otp"), Ok(Some("012345")));
        assert_eq!(params.string("username"), Ok(Some("a+b@example.com")));
    }

    #[test]
    fn empty_body_is_an_empty_object_whatever_the_content_type() {
        let params = parse_body("", b"", Flavor::Start).unwrap();
        assert_eq!(params.names().count(), 0);
    }

    #[test]
    fn non_object_json_and_unknown_content_types_are_rejected() {
        let error = parse_body("application/json", b"[1]", Flavor::Start).unwrap_err();
        assert_eq!(error.description(), "Request body must be a JSON object");
        assert_eq!(error.error(), "bad.request");
        let error = parse_body("text/plain", b"hi", Flavor::Token).unwrap_err();
        assert_eq!(error.status(), 415);
        assert_eq!(error.error(), "invalid_request");
    }

    #[test]
    fn basic_and_bearer_credentials_are_read_from_the_authorization_header() {
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
        assert_eq!(bearer_token(&headers), None);
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("bearer  Fe26.2**x "),
        );
        assert_eq!(bearer_token(&headers), Some("Fe26.2**x"));
    }
}
