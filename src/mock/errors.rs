//! Every error the mock answers with, in one place: status, `error` code and `error_description`.
//!
//! [`AuthError`] turns into Auth0's JSON error body (`{"error", "error_description"[, "error_uri"]}`)
//! through `IntoResponse`. The strings are a contract: each one has a test in `tests/it/mock_*.rs`.
//! Functions are grouped by endpoint ([`start`], [`token`], [`mfa`], [`link`], [`control`]) and
//! shared body-parsing errors live in [`body`].
//!
//! # Unverified choices
//!
//! The protocol reference (§2.4, §3.3, §5, §9, §10) does not pin these down; the mock's choice is listed here
//! so a run against a real tenant can settle them. Everything not in this list is copied from the
//! reference verbatim.
//!
//! `/passwordless/start`
//! - unknown client: 400 `bad.client_id` `Unknown client: <id>`
//! - confidential client with a wrong secret (or an unsupported `client_assertion`): 401
//!   `invalid_client` `Invalid client credentials`
//! - e-mail missing: 400 `bad.email` `Missing required property: email`
//! - e-mail malformed: 400 `bad.email` `Object didn't pass validation for format email: <value>`
//! - a field of the wrong JSON type: 400 `bad.<field>` `Expected type string but found type <type>`
//! - `send` not one of code/link/link_ios/link_android: 400 `bad.send` `No enum match for: "<value>"`
//! - sign-up disabled and the identifier has no user: 403 `access_denied`
//!   `Signups are not allowed for this connection` (also on `/oauth/token`)
//! - body errors: malformed JSON 400 `bad.request` `Invalid JSON body`; body not an object 400
//!   `bad.request` `Request body must be a JSON object`; unsupported content type 415 `bad.request`
//!   `Unsupported content type: <type>`; oversized 413 `bad.request`
//!   `Request body is larger than 65536 bytes`. An empty body counts as `{}`.
//!
//! `/oauth/token`
//! - missing `grant_type`/`username`/`otp`/`realm`/`code`/`refresh_token`: 400 `invalid_request`
//!   `missing <name> parameter` (the verified `client_id` text, generalised)
//! - a parameter that is not a string (JSON): 400 `invalid_request` `<name> must be a string`
//! - unknown client: 401 `invalid_client` `Unknown client: <id>`
//! - confidential client without a secret: 401 `invalid_client` `Client authentication is required`;
//!   with a wrong secret: 401 `invalid_client` `Invalid client credentials`
//! - grant type Auth0 does not have, or one the mock does not implement (`password`,
//!   `client_credentials`, `password-realm`, `device_code`): 400 `unsupported_grant_type`
//!   `Unsupported grant type: <grant>`
//! - expired code: 403 `invalid_grant` (status and code; the text is known)
//! - third wrong attempt, and every attempt after it: 403 `invalid_grant` (status and code)
//! - unknown or reused authorization code: 403 `invalid_grant` `Invalid authorization code`;
//!   `redirect_uri` differing from the link's: 403 `invalid_grant` `Invalid redirect_uri`
//! - unknown refresh token: 403 `invalid_grant` `Unknown or invalid refresh token.`
//! - body errors as for `/passwordless/start` but with `invalid_request`.
//!
//! MFA grants on `/oauth/token` (§5.6; the texts not listed here are verified, their statuses are not)
//! - `invalid_grant` `Invalid otp_code.`, `invalid_grant` `Malformed mfa_token`, `expired_token`
//!   `mfa_token is expired`, `invalid_grant` `MFA Authorization rejected.`: status 403, like the
//!   passwordless grant's `invalid_grant`
//! - `authorization_pending` (verified text) and `slow_down`: status 400, as in RFC 8628; the
//!   `slow_down` text is `You are polling faster than allowed. Wait <n> seconds before polling
//!   again.` with `<n>` the fixture's `push_poll_interval_seconds` (default 5). Every poll, also
//!   one answered `slow_down`, restarts the interval.
//! - wrong binding code: 403 `invalid_grant` `Invalid binding_code.`; the `oob_code` survives it
//! - prompt `oob_code` without `binding_code`: 400 `invalid_request` `missing binding_code parameter`
//! - unknown, redeemed, rejected `oob_code`, or one from another `mfa_token`: 403 `invalid_grant`
//!   `Invalid oob_code.`
//! - wrong recovery code: 403 `invalid_grant` `Invalid recovery_code.`
//! - an `mfa_token` that was never issued, or issued to another client: 403 `invalid_grant`
//!   `Malformed mfa_token`
//! - per-user failure limits: the 11th wrong OTP or binding code within an hour (sliding window on
//!   the injected clock), and every attempt after it until the window moves on, even a right
//!   one: 429 `too_many_attempts` `Too many failed codes. Wait for some minutes before retrying.`;
//!   recovery codes have their own counter: 429 `too_many_attempts` `Too many failed recovery
//!   codes. Wait for some minutes before retrying.`; both with `X-RateLimit-Limit`,
//!   `X-RateLimit-Remaining: 0` and `X-RateLimit-Reset` (when the oldest counted failure leaves
//!   the window). A replayed TOTP code counts as a failure.
//!
//! MFA API (`/mfa/...`)
//! - bearer endpoints (list, delete, associate): no `Authorization: Bearer` 401 `invalid_token`
//!   `Missing Bearer token`; unknown token 401 `invalid_token` `Malformed mfa_token`; expired token
//!   401 `expired_token` `mfa_token is expired`; all with `WWW-Authenticate: Bearer
//!   error="invalid_token"`
//! - `/mfa/challenge` takes the token in the body and answers its problems like the grants (403);
//!   its client errors are those of `/oauth/token`
//! - no fitting factor (also: none at all, or only a recovery code): 400
//!   `unsupported_challenge_type` `User is not enrolled with an authenticator that supports the
//!   requested challenge type.`; a `challenge_type` other than `otp`/`oob`: 400
//!   `unsupported_challenge_type` `Unsupported challenge type: <value>`; an `authenticator_id` that
//!   is not an active authenticator of the user: 400 `invalid_request` `Invalid authenticator_id: <id>`
//! - `/mfa/associate` when the user has a confirmed factor: 403 `access_denied`
//!   `User is already enrolled` (text verified); missing `authenticator_types`/`oob_channels`/
//!   `phone_number`/`email`: 400 `invalid_request` `missing <name> parameter`; wrong JSON type:
//!   400 `invalid_request` `<name> must be an array of strings`; unknown or several types: 400
//!   `invalid_request` `Unsupported authenticator type: <value>`; unknown channel: 400
//!   `invalid_request` `Unsupported oob channel: <value>`; 400 `invalid_request`
//!   `Invalid phone_number: <value>` / `Invalid email: <value>`
//! - `DELETE` of an id the user does not have: 404 `not_found` `Authenticator not found: <id>`
//!
//! MFA behaviour (not errors), equally unverified
//! - an `mfa_token` is `Fe26.2**` + random parts, lives `mfa_token_lifetime_seconds` (600) and is
//!   NOT single use (Iron-sealed tokens are stateless); a TOTP step is accepted once per device
//!   (RFC 6238 §5.2) and an `oob_code` redeems once, so one proof yields one token set
//! - `mfa_required.mfa_requirements`: `challenge` lists the types of the user's confirmed factors
//!   in the order `otp`, `push-notification`, `phone`, `recovery-code`, `email` (a push device
//!   also offers `otp`, its twin); a user without one gets `enroll`
//!   `[otp, phone, email, push-notification]`
//! - `/mfa/authenticators` entries carry `type` (customizable MFA) besides §5.2's fields; an e-mail
//!   factor's `name` is masked as `e*****@example.com`; a phone always has its voice twin
//! - a challenge without `authenticator_id` prefers OTP, then push, SMS, voice, e-mail; voice codes
//!   go to the outbox as `sms` messages
//! - `/mfa/associate` needs no `client_id`, enrols one type per call, and may be repeated while no
//!   factor is confirmed; `recovery_codes` come with the user's first enrolment only (the first
//!   without any recovery code, confirmed or not); confirming any enrolment confirms the recovery
//!   code; an `mfa_token` may delete authenticators; push enrolment `barcode_uri` is
//!   `otpauth://totp/<tenant>:<user>?enrollment_tx_id=<random>&base_url=<issuer, encoded>`
//! - MFA never applies to magic links or refresh tokens; tokens refreshed from an MFA login keep
//!   `amr: ["mfa"]`
//!
//! `/passwordless/verify_redirect` (magic link)
//! - problems found before `redirect_uri` is known answer JSON 400 with the `/passwordless/start`
//!   codes (`bad.client_id`, `bad.connection`, `bad.email`, ...); a missing or unparsable
//!   `redirect_uri` is 400 `bad.redirect_uri`.
//! - a wrong, used, superseded, expired or exhausted code redirects (302) to `redirect_uri` with
//!   `error=access_denied` and the `/oauth/token` description; a `response_type` other than `code`
//!   redirects with `error=unsupported_response_type`; an unknown `audience` redirects with
//!   `error=access_denied` `Service not found: <aud>`; sign-up disabled redirects with
//!   `error=access_denied` `Signups are not allowed for this connection`.
//!
//! Everywhere: unknown route 404 `not_found` `Not Found`; wrong method 405 `method_not_allowed`
//! `Method Not Allowed`; an internal failure (never caused by input) 500 `server_error`.
//!
//! Rate limits and delivery (`rate_limit.rs`, `smtp.rs`; all opt-in through the tenant fixture)
//! - over a `rate_limits:` bucket: 429 `too_many_requests` `Too many requests. Check the
//!   X-RateLimit-Limit, X-RateLimit-Remaining and X-RateLimit-Reset headers.` (the code is
//!   verified, the text is not), the same on every endpoint
//! - `X-RateLimit-*` on every response of a limited endpoint, not only on 429s;
//!   `X-RateLimit-Reset` is when the bucket is full again (rounded up to the second), not when
//!   the next request is allowed; `Retry-After` (off by default) is decimal seconds until the
//!   next request is allowed
//! - a failed SMTP delivery still answers 200 (the message is in the outbox with `smtp_error`)
//!
//! Lenient parsing, equally unverified (auth0-python sends omitted parameters as JSON `null`)
//! - `/oauth/token` (and the MFA API, which shares its parameter reading): a JSON `null`
//!   parameter counts as absent, so a `null` optional parameter is ignored and a `null` required
//!   one is `missing <name> parameter`
//! - `/passwordless/start`: a JSON `null` `send`, `authParams`, `client_secret`,
//!   `client_assertion` or `client_assertion_type` counts as absent; a `null` required property
//!   (`client_id`, `connection`, `email`, `phone_number`) is still
//!   `Expected type string but found type null`
//! - no request refused for a parameter (scope, nonce, audience, redirect_uri, ...) consumes its
//!   one-time code or authorization code: every parameter is checked before the code is redeemed

use std::borrow::Cow;

use axum::Json;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

/// The `error_uri` Auth0 adds to `unauthorized_client` on `/oauth/token`.
pub const GRANT_TYPES_DOC_URI: &str = "https://auth0.com/docs/clients/client-grant-types";

/// The largest request body the mock reads, in bytes.
pub const BODY_LIMIT_BYTES: usize = 64 * 1024;

/// An error response in Auth0's JSON shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthError {
    status: StatusCode,
    error: Cow<'static, str>,
    description: String,
    error_uri: Option<&'static str>,
    members: Vec<(&'static str, Value)>,
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl AuthError {
    /// An error with a status, an `error` code and an `error_description`.
    pub fn new(
        status: StatusCode,
        error: impl Into<Cow<'static, str>>,
        description: impl Into<String>,
    ) -> AuthError {
        AuthError {
            status,
            error: error.into(),
            description: description.into(),
            error_uri: None,
            members: Vec::new(),
            headers: Vec::new(),
        }
    }

    /// Adds an `error_uri` member to the body.
    pub fn with_error_uri(mut self, uri: &'static str) -> AuthError {
        self.error_uri = Some(uri);
        self
    }

    /// Adds a top-level member to the body, after `error_description` (e.g. `mfa_token`).
    pub fn with_member(mut self, name: &'static str, value: Value) -> AuthError {
        self.members.push((name, value));
        self
    }

    /// Adds a response header.
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> AuthError {
        self.headers.push((name, value));
        self
    }

    /// Adds the `X-RateLimit-*` headers SDKs read from every 429 (§7).
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

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The `error` code.
    pub fn error(&self) -> &str {
        &self.error
    }

    /// The `error_description` text.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// The JSON body.
    pub fn body(&self) -> Value {
        let mut body = Map::new();
        body.insert("error".into(), Value::from(self.error.as_ref()));
        body.insert(
            "error_description".into(),
            Value::from(self.description.as_str()),
        );
        if let Some(uri) = self.error_uri {
            body.insert("error_uri".into(), Value::from(uri));
        }
        for (name, value) in &self.members {
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
        for (name, value) in self.headers {
            headers.insert(name, value);
        }
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

/// Errors of `POST /passwordless/start` (§2.4).
pub mod start {
    use super::*;

    /// 400 `bad.<name>` `Missing required property: <name>` (verified for client_id, connection,
    /// phone_number; UNVERIFIED for email).
    pub fn missing_property(name: &str) -> AuthError {
        AuthError::new(
            StatusCode::BAD_REQUEST,
            format!("bad.{name}"),
            format!("Missing required property: {name}"),
        )
    }

    /// 400 `bad.request` `the following properties are not allowed: <names>`.
    pub fn properties_not_allowed(names: &[&str]) -> AuthError {
        AuthError::new(
            StatusCode::BAD_REQUEST,
            "bad.request",
            format!(
                "the following properties are not allowed: {}",
                names.join(", ")
            ),
        )
    }

    /// UNVERIFIED: 400 `bad.client_id` `Unknown client: <id>`.
    pub fn unknown_client(client_id: &str) -> AuthError {
        AuthError::new(
            StatusCode::BAD_REQUEST,
            "bad.client_id",
            format!("Unknown client: {client_id}"),
        )
    }

    /// 403 `unauthorized_client` `Client authentication is required`.
    pub fn client_authentication_required() -> AuthError {
        AuthError::new(
            StatusCode::FORBIDDEN,
            "unauthorized_client",
            "Client authentication is required",
        )
    }

    /// UNVERIFIED: 401 `invalid_client` `Invalid client credentials`.
    pub fn invalid_client_credentials() -> AuthError {
        AuthError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Invalid client credentials",
        )
    }

    /// 400 `bad.connection` `Connection does not exist`.
    pub fn connection_does_not_exist() -> AuthError {
        AuthError::new(
            StatusCode::BAD_REQUEST,
            "bad.connection",
            "Connection does not exist",
        )
    }

    /// 400 `bad.connection` `Connection is disabled`.
    pub fn connection_disabled() -> AuthError {
        AuthError::new(
            StatusCode::BAD_REQUEST,
            "bad.connection",
            "Connection is disabled",
        )
    }

    /// 400 `bad.phone_number` `String does not match pattern: ^\+[0-9]{1,15}$`.
    pub fn phone_number_pattern() -> AuthError {
        AuthError::new(
            StatusCode::BAD_REQUEST,
            "bad.phone_number",
            r"String does not match pattern: ^\+[0-9]{1,15}$",
        )
    }

    /// UNVERIFIED: 400 `bad.email` `Object didn't pass validation for format email: <value>`.
    pub fn invalid_email(value: &str) -> AuthError {
        AuthError::new(
            StatusCode::BAD_REQUEST,
            "bad.email",
            format!("Object didn't pass validation for format email: {value}"),
        )
    }

    /// 400 `bad.authParams` `error in authParams - invalid type: <type> (expected object)`.
    pub fn auth_params_not_object(found: &Value) -> AuthError {
        AuthError::new(
            StatusCode::BAD_REQUEST,
            "bad.authParams",
            format!(
                "error in authParams - invalid type: {} (expected object)",
                json_type_name(found)
            ),
        )
    }

    /// UNVERIFIED: 400 `bad.<field>` `Expected type string but found type <type>`.
    pub fn not_a_string(field: &str, found: &Value) -> AuthError {
        AuthError::new(
            StatusCode::BAD_REQUEST,
            format!("bad.{field}"),
            format!(
                "Expected type string but found type {}",
                json_type_name(found)
            ),
        )
    }

    /// UNVERIFIED: 400 `bad.send` `No enum match for: "<value>"`.
    pub fn send_not_allowed(value: &str) -> AuthError {
        AuthError::new(
            StatusCode::BAD_REQUEST,
            "bad.send",
            format!("No enum match for: {}", Value::from(value)),
        )
    }

    /// UNVERIFIED: 403 `access_denied` `Signups are not allowed for this connection`.
    pub fn signup_disabled() -> AuthError {
        AuthError::new(
            StatusCode::FORBIDDEN,
            "access_denied",
            "Signups are not allowed for this connection",
        )
    }
}

/// Errors of `POST /oauth/token` (§3.3).
pub mod token {
    use super::*;

    /// 400 `invalid_request` `missing <name> parameter` (verified for client_id only).
    pub fn missing_parameter(name: &str) -> AuthError {
        AuthError::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            format!("missing {name} parameter"),
        )
    }

    /// UNVERIFIED: 400 `invalid_request` `<name> must be a string`.
    pub fn not_a_string(name: &str) -> AuthError {
        AuthError::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            format!("{name} must be a string"),
        )
    }

    /// UNVERIFIED: 401 `invalid_client` `Unknown client: <id>`.
    pub fn unknown_client(client_id: &str) -> AuthError {
        AuthError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            format!("Unknown client: {client_id}"),
        )
    }

    /// UNVERIFIED: 401 `invalid_client` `Client authentication is required`.
    pub fn client_authentication_required() -> AuthError {
        AuthError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client authentication is required",
        )
    }

    /// UNVERIFIED: 401 `invalid_client` `Invalid client credentials`.
    pub fn invalid_client_credentials() -> AuthError {
        AuthError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Invalid client credentials",
        )
    }

    /// UNVERIFIED: 400 `unsupported_grant_type` `Unsupported grant type: <grant>`.
    pub fn unsupported_grant_type(grant_type: &str) -> AuthError {
        AuthError::new(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            format!("Unsupported grant type: {grant_type}"),
        )
    }

    /// 403 `unauthorized_client` `Grant type '<grant>' not allowed for the client.` + `error_uri`.
    pub fn grant_not_allowed(grant_type: &str) -> AuthError {
        AuthError::new(
            StatusCode::FORBIDDEN,
            "unauthorized_client",
            format!("Grant type '{grant_type}' not allowed for the client."),
        )
        .with_error_uri(GRANT_TYPES_DOC_URI)
    }

    /// 400 `invalid_request` `the connection was not found`.
    pub fn connection_not_found() -> AuthError {
        AuthError::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "the connection was not found",
        )
    }

    /// 400 `invalid_request` `the connection was disabled`.
    pub fn connection_disabled() -> AuthError {
        AuthError::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "the connection was disabled",
        )
    }

    /// 403 `invalid_grant` `Wrong email or verification code.`
    pub fn wrong_email_or_code() -> AuthError {
        AuthError::new(
            StatusCode::FORBIDDEN,
            "invalid_grant",
            "Wrong email or verification code.",
        )
    }

    /// 403 `invalid_grant` `Wrong phone number or verification code.`
    pub fn wrong_phone_or_code() -> AuthError {
        AuthError::new(
            StatusCode::FORBIDDEN,
            "invalid_grant",
            "Wrong phone number or verification code.",
        )
    }

    /// UNVERIFIED status and code: 403 `invalid_grant`
    /// `The verification code has expired. Please try to login again.`
    pub fn code_expired() -> AuthError {
        AuthError::new(
            StatusCode::FORBIDDEN,
            "invalid_grant",
            "The verification code has expired. Please try to login again.",
        )
    }

    /// UNVERIFIED status and code: 403 `invalid_grant`
    /// `You've reached the maximum number of attempts. Please try to login again.`
    pub fn attempts_exhausted() -> AuthError {
        AuthError::new(
            StatusCode::FORBIDDEN,
            "invalid_grant",
            "You've reached the maximum number of attempts. Please try to login again.",
        )
    }

    /// 403 `access_denied` `Service not found: <audience>`.
    pub fn service_not_found(audience: &str) -> AuthError {
        AuthError::new(
            StatusCode::FORBIDDEN,
            "access_denied",
            format!("Service not found: {audience}"),
        )
    }

    /// UNVERIFIED: 403 `invalid_grant` `Invalid authorization code`.
    pub fn invalid_authorization_code() -> AuthError {
        AuthError::new(
            StatusCode::FORBIDDEN,
            "invalid_grant",
            "Invalid authorization code",
        )
    }

    /// UNVERIFIED: 403 `invalid_grant` `Invalid redirect_uri`.
    pub fn redirect_uri_mismatch() -> AuthError {
        AuthError::new(
            StatusCode::FORBIDDEN,
            "invalid_grant",
            "Invalid redirect_uri",
        )
    }

    /// UNVERIFIED status: 403 `invalid_grant` `Unknown or invalid refresh token.`
    pub fn invalid_refresh_token() -> AuthError {
        AuthError::new(
            StatusCode::FORBIDDEN,
            "invalid_grant",
            "Unknown or invalid refresh token.",
        )
    }
}

/// Errors of the MFA API (`/mfa/...`) and of the MFA grants on `/oauth/token` (§5).
pub mod mfa {
    use super::*;

    /// 403 `mfa_required` `Multifactor authentication required`, with `mfa_token` and
    /// `mfa_requirements` as top-level siblings of `error` (§7 rule 2).
    pub fn mfa_required(mfa_token: &str, requirements: Value) -> AuthError {
        AuthError::new(
            StatusCode::FORBIDDEN,
            "mfa_required",
            "Multifactor authentication required",
        )
        .with_member("mfa_token", Value::from(mfa_token))
        .with_member("mfa_requirements", requirements)
    }

    /// UNVERIFIED status: 403 `expired_token` `mfa_token is expired`.
    pub fn mfa_token_expired() -> AuthError {
        AuthError::new(
            StatusCode::FORBIDDEN,
            "expired_token",
            "mfa_token is expired",
        )
    }

    /// UNVERIFIED status: 403 `invalid_grant` `Malformed mfa_token` (also for a token the mock
    /// never issued, or issued to another client).
    pub fn malformed_mfa_token() -> AuthError {
        AuthError::new(
            StatusCode::FORBIDDEN,
            "invalid_grant",
            "Malformed mfa_token",
        )
    }

    /// UNVERIFIED status: 403 `invalid_grant` `Invalid otp_code.`
    pub fn invalid_otp_code() -> AuthError {
        AuthError::new(StatusCode::FORBIDDEN, "invalid_grant", "Invalid otp_code.")
    }

    /// UNVERIFIED: 403 `invalid_grant` `Invalid binding_code.`
    pub fn invalid_binding_code() -> AuthError {
        AuthError::new(
            StatusCode::FORBIDDEN,
            "invalid_grant",
            "Invalid binding_code.",
        )
    }

    /// UNVERIFIED: 403 `invalid_grant` `Invalid oob_code.` (unknown, already redeemed, rejected,
    /// or from another `mfa_token`).
    pub fn invalid_oob_code() -> AuthError {
        AuthError::new(StatusCode::FORBIDDEN, "invalid_grant", "Invalid oob_code.")
    }

    /// UNVERIFIED: 403 `invalid_grant` `Invalid recovery_code.`
    pub fn invalid_recovery_code() -> AuthError {
        AuthError::new(
            StatusCode::FORBIDDEN,
            "invalid_grant",
            "Invalid recovery_code.",
        )
    }

    /// UNVERIFIED status (RFC 8628 uses 400): 400 `authorization_pending`
    /// `Authorization pending: please repeat the request in a few seconds.`
    pub fn authorization_pending() -> AuthError {
        AuthError::new(
            StatusCode::BAD_REQUEST,
            "authorization_pending",
            "Authorization pending: please repeat the request in a few seconds.",
        )
    }

    /// UNVERIFIED status (RFC 8628 uses 400) and text: 400 `slow_down`
    /// `You are polling faster than allowed. Wait <n> seconds before polling again.`
    pub fn slow_down(interval_seconds: u64) -> AuthError {
        AuthError::new(
            StatusCode::BAD_REQUEST,
            "slow_down",
            format!(
                "You are polling faster than allowed. Wait {interval_seconds} seconds before polling again."
            ),
        )
    }

    /// UNVERIFIED status: 403 `invalid_grant` `MFA Authorization rejected.`
    pub fn push_rejected() -> AuthError {
        AuthError::new(
            StatusCode::FORBIDDEN,
            "invalid_grant",
            "MFA Authorization rejected.",
        )
    }

    /// UNVERIFIED text: 429 `too_many_attempts`
    /// `Too many failed codes. Wait for some minutes before retrying.` with `X-RateLimit-*`.
    pub fn too_many_failed_codes(limit: u32, reset_unix: u64) -> AuthError {
        AuthError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            "Too many failed codes. Wait for some minutes before retrying.",
        )
        .with_rate_limit(limit, 0, reset_unix)
    }

    /// UNVERIFIED text: 429 `too_many_attempts`
    /// `Too many failed recovery codes. Wait for some minutes before retrying.` with `X-RateLimit-*`.
    pub fn too_many_failed_recovery_codes(limit: u32, reset_unix: u64) -> AuthError {
        AuthError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            "Too many failed recovery codes. Wait for some minutes before retrying.",
        )
        .with_rate_limit(limit, 0, reset_unix)
    }

    /// UNVERIFIED: 401 `invalid_token` `Missing Bearer token` (no `Authorization: Bearer` header).
    pub fn bearer_missing() -> AuthError {
        AuthError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "Missing Bearer token",
        )
        .with_header(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer error=\"invalid_token\""),
        )
    }

    /// UNVERIFIED: 401 `invalid_token` `Malformed mfa_token` (a bearer the mock never issued).
    pub fn bearer_malformed() -> AuthError {
        AuthError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "Malformed mfa_token",
        )
        .with_header(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer error=\"invalid_token\""),
        )
    }

    /// UNVERIFIED: 401 `expired_token` `mfa_token is expired` (an expired bearer).
    pub fn bearer_expired() -> AuthError {
        AuthError::new(
            StatusCode::UNAUTHORIZED,
            "expired_token",
            "mfa_token is expired",
        )
        .with_header(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer error=\"invalid_token\""),
        )
    }

    /// UNVERIFIED text: 400 `unsupported_challenge_type`
    /// `User is not enrolled with an authenticator that supports the requested challenge type.`
    pub fn unsupported_challenge_type() -> AuthError {
        AuthError::new(
            StatusCode::BAD_REQUEST,
            "unsupported_challenge_type",
            "User is not enrolled with an authenticator that supports the requested challenge type.",
        )
    }

    /// UNVERIFIED: 400 `unsupported_challenge_type` `Unsupported challenge type: <value>`.
    pub fn unknown_challenge_type(value: &str) -> AuthError {
        AuthError::new(
            StatusCode::BAD_REQUEST,
            "unsupported_challenge_type",
            format!("Unsupported challenge type: {value}"),
        )
    }

    /// UNVERIFIED: 400 `invalid_request` `Invalid authenticator_id: <id>` (not one of the user's
    /// active authenticators).
    pub fn invalid_authenticator_id(id: &str) -> AuthError {
        AuthError::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            format!("Invalid authenticator_id: {id}"),
        )
    }

    /// UNVERIFIED code and status: 403 `access_denied` `User is already enrolled`.
    pub fn already_enrolled() -> AuthError {
        AuthError::new(
            StatusCode::FORBIDDEN,
            "access_denied",
            "User is already enrolled",
        )
    }

    /// UNVERIFIED: 400 `invalid_request` `<name> must be an array of strings`.
    pub fn not_a_string_array(name: &str) -> AuthError {
        AuthError::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            format!("{name} must be an array of strings"),
        )
    }

    /// UNVERIFIED: 400 `invalid_request` `Unsupported authenticator type: <value>` (also for
    /// more than one type, which the mock does not enrol at once).
    pub fn unsupported_authenticator_type(value: &str) -> AuthError {
        AuthError::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            format!("Unsupported authenticator type: {value}"),
        )
    }

    /// UNVERIFIED: 400 `invalid_request` `Unsupported oob channel: <value>`.
    pub fn unsupported_oob_channel(value: &str) -> AuthError {
        AuthError::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            format!("Unsupported oob channel: {value}"),
        )
    }

    /// UNVERIFIED: 400 `invalid_request` `Invalid phone_number: <value>` (not E.164).
    pub fn invalid_phone_number(value: &str) -> AuthError {
        AuthError::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            format!("Invalid phone_number: {value}"),
        )
    }

    /// UNVERIFIED: 400 `invalid_request` `Invalid email: <value>`.
    pub fn invalid_email(value: &str) -> AuthError {
        AuthError::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            format!("Invalid email: {value}"),
        )
    }

    /// UNVERIFIED: 404 `not_found` `Authenticator not found: <id>`.
    pub fn authenticator_not_found(id: &str) -> AuthError {
        AuthError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("Authenticator not found: {id}"),
        )
    }
}

/// Errors of `GET /passwordless/verify_redirect` that cannot be redirected.
pub mod link {
    use super::*;

    /// UNVERIFIED: 400 `bad.redirect_uri` `Invalid redirect_uri: <value>`.
    pub fn invalid_redirect_uri(value: &str) -> AuthError {
        AuthError::new(
            StatusCode::BAD_REQUEST,
            "bad.redirect_uri",
            format!("Invalid redirect_uri: {value}"),
        )
    }
}

/// Errors of reading a request body, shared by the POST endpoints.
pub mod body {
    use super::*;

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

    /// UNVERIFIED: 400 `Invalid JSON body`.
    pub fn malformed_json(flavor: Flavor) -> AuthError {
        AuthError::new(StatusCode::BAD_REQUEST, flavor.code(), "Invalid JSON body")
    }

    /// UNVERIFIED: 400 `Request body must be a JSON object`.
    pub fn not_an_object(flavor: Flavor) -> AuthError {
        AuthError::new(
            StatusCode::BAD_REQUEST,
            flavor.code(),
            "Request body must be a JSON object",
        )
    }

    /// UNVERIFIED: 415 `Unsupported content type: <type>`.
    pub fn unsupported_content_type(flavor: Flavor, content_type: &str) -> AuthError {
        AuthError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            flavor.code(),
            format!("Unsupported content type: {content_type}"),
        )
    }

    /// UNVERIFIED: 413 `Request body is larger than 65536 bytes`.
    pub fn too_large(flavor: Flavor) -> AuthError {
        AuthError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            flavor.code(),
            format!("Request body is larger than {BODY_LIMIT_BYTES} bytes"),
        )
    }

    /// 400 when the body could not be read at all (the client hung up).
    pub fn unreadable(flavor: Flavor) -> AuthError {
        AuthError::new(
            StatusCode::BAD_REQUEST,
            flavor.code(),
            "Request body could not be read",
        )
    }
}

/// Errors of the control API (`/__mock/...`), which is not part of Auth0.
pub mod control {
    use super::*;

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
}

/// 404 `not_found` `Not Found`.
pub fn not_found() -> AuthError {
    AuthError::new(StatusCode::NOT_FOUND, "not_found", "Not Found")
}

/// 405 `method_not_allowed` `Method Not Allowed`.
pub fn method_not_allowed() -> AuthError {
    AuthError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "Method Not Allowed",
    )
}

/// UNVERIFIED text: 429 `too_many_requests` `Too many requests. Check the X-RateLimit-Limit,
/// X-RateLimit-Remaining and X-RateLimit-Reset headers.` (the rate-limit layer adds the headers).
pub fn too_many_requests() -> AuthError {
    AuthError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_requests",
        "Too many requests. Check the X-RateLimit-Limit, X-RateLimit-Remaining and X-RateLimit-Reset headers.",
    )
}

/// 500 `server_error`: something inside the mock failed (never caused by the request).
pub fn server_error(description: impl Into<String>) -> AuthError {
    AuthError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "server_error",
        description,
    )
}
