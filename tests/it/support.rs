//! Shared helpers for the mock's integration tests: an in-process client over `tower::oneshot`,
//! ONE table-driven way to send requests and check answers ([`Call`], [`Expect`],
//! [`Mock::check`]), and small flows (send a code, log in, get an `mfa_token`).
//!
//! A table row is `(name, call, expect)`: what the row shows, the request, and what must come
//! back. [`Mock::check`] sends the rows in order on one mock (so a row can rely on the ones
//! before it: a code sent, the clock moved through the control API) and reports every row that
//! disagrees, not just the first.

#![allow(
    dead_code,
    reason = "each test file uses a different subset of the helpers"
)]

use std::fmt::Write as _;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, header};
use http_body_util::BodyExt;
use passwordless_conformance::evidence;
use passwordless_conformance::mock::{AppState, Clock, EventSink, Factor, Tenant, router};
use serde_json::{Value, json};
use tower::ServiceExt;

pub const PUBLIC_URL: &str = "http://mock.test";
pub const PASSWORDLESS_OTP: &str = "http://auth0.com/oauth/grant-type/passwordless/otp";
pub const CONFIDENTIAL_SECRET: &str = "regular-web-app-test-secret";
pub const MFA_OTP: &str = "http://auth0.com/oauth/grant-type/mfa-otp";
pub const MFA_OOB: &str = "http://auth0.com/oauth/grant-type/mfa-oob";
pub const MFA_RECOVERY_CODE: &str = "http://auth0.com/oauth/grant-type/mfa-recovery-code";

/// The mock router with its state, driven without a socket.
pub struct Mock {
    pub app: Router,
    pub state: AppState,
}

/// A response, with the body parsed as JSON when it is JSON.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
    pub json: Value,
}

impl Reply {
    /// Asserts `expect` (as a table row would), showing the answer when it disagrees.
    #[track_caller]
    pub fn expect(&self, expect: Expect) {
        let problems = expect.mismatches(self);
        assert!(
            problems.is_empty(),
            "{}\n    answer: {} {}",
            problems.join("; "),
            self.status,
            self.text
        );
    }

    /// The `Location` header.
    pub fn location(&self) -> url::Url {
        let location = self.headers[header::LOCATION].to_str().unwrap();
        url::Url::parse(location).unwrap()
    }
}

/// The value of query parameter `name` in `url`.
pub fn query_param(url: &url::Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

impl Mock {
    pub fn new() -> Mock {
        Mock::with_tenant(Tenant::builtin())
    }

    pub fn with_tenant(tenant: Tenant) -> Mock {
        Mock::with_events(tenant, EventSink::ignore())
    }

    /// A mock whose events go to `events`, on a frozen clock (time moves only by `advance`).
    pub fn with_events(tenant: Tenant, events: EventSink) -> Mock {
        let state = AppState::with_clock(tenant, PUBLIC_URL, events, Clock::frozen());
        Mock {
            app: router(state.clone()),
            state,
        }
    }

    /// Sends a request built by hand (extensions, odd methods) and reads the answer.
    pub async fn send(&self, request: Request<Body>) -> Reply {
        let response = self.app.clone().oneshot(request).await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let text = String::from_utf8(bytes.to_vec()).unwrap();
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            text,
            json,
        }
    }

    /// Sends one call and reads the answer.
    pub async fn call(&self, call: Call) -> Reply {
        self.send(call.request()).await
    }

    /// Sends each row's call in order and checks its answer; panics listing every row that
    /// disagrees, with what came back.
    pub async fn check<'a>(&self, rows: impl IntoIterator<Item = (&'a str, Call, Expect)>) {
        let mut report = String::new();
        for (idx, (name, call, expect)) in rows.into_iter().enumerate() {
            let shown = format!("{} {}", call.method, call.path);
            let reply = self.call(call).await;
            let problems = expect.mismatches(&reply);
            if !problems.is_empty() {
                let _ = writeln!(
                    report,
                    "row {} `{name}` ({shown}): {}\n    answer: {} {}",
                    idx + 1,
                    problems.join("; "),
                    reply.status,
                    reply.text
                );
            }
        }
        assert!(report.is_empty(), "rows that disagree:\n{report}");
    }

    /// The code in the newest message to `to`.
    pub fn last_code(&self, to: &str) -> String {
        self.state
            .outbox()
            .latest(to)
            .expect("a message was sent")
            .code
    }

    /// Sends a code by e-mail with `client_id` and returns it.
    pub async fn email_code(&self, client_id: &str, email: &str) -> String {
        let mut body =
            json!({"client_id": client_id, "connection": "email", "email": email, "send": "code"});
        if client_id == "regular-web-app" {
            body["client_secret"] = json!(CONFIDENTIAL_SECRET);
        }
        let reply = self.call(post("/passwordless/start", body)).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        self.last_code(email)
    }

    /// Sends a code by SMS to `phone` with the native app and returns it.
    pub async fn sms_code(&self, phone: &str) -> String {
        let body = json!({"client_id": "native-app", "connection": "sms", "phone_number": phone, "send": "code"});
        let reply = self.call(post("/passwordless/start", body)).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        self.last_code(phone)
    }

    /// The OTP grant as the native app, with extra fields merged in.
    pub async fn otp_grant(&self, realm: &str, username: &str, otp: &str, extra: Value) -> Reply {
        self.call(otp_grant(realm, username, otp).with(extra)).await
    }
}

impl Mock {
    /// Logs `email` in with an e-mail code through `client_id` and returns the reply (a token set,
    /// or `mfa_required`), with extra OTP-grant fields merged in.
    pub async fn email_login(&self, client_id: &str, email: &str, extra: Value) -> Reply {
        let code = self.email_code(client_id, email).await;
        let mut extra = extra;
        extra["client_id"] = json!(client_id);
        if client_id == "regular-web-app" {
            extra["client_secret"] = json!(CONFIDENTIAL_SECRET);
        }
        self.otp_grant("email", email, &code, extra).await
    }

    /// Logs the built-in user with `role` in through the native app and returns the `mfa_token`
    /// of the `mfa_required` answer.
    pub async fn mfa_token(&self, role: &str, extra: Value) -> String {
        let email = self.user_email(role);
        let reply = self.email_login("native-app", &email, extra).await;
        assert_eq!(reply.status, 403, "{}", reply.text);
        assert_eq!(reply.json["error"], "mfa_required", "{}", reply.text);
        reply.json["mfa_token"].as_str().unwrap().to_owned()
    }

    /// The e-mail address of the seed user with `role`.
    pub fn user_email(&self, role: &str) -> String {
        self.state
            .tenant()
            .user_for_role(role)
            .and_then(|user| user.email.clone())
            .expect("a seed user with this role")
    }

    /// The TOTP secret of the seed user with `role` (its TOTP factor, else its push device's).
    pub fn totp_secret(&self, role: &str) -> String {
        let user = self.state.tenant().user_for_role(role).unwrap();
        user.factors
            .iter()
            .find_map(|factor| match factor {
                Factor::Totp { secret, .. } => Some(secret.clone()),
                _ => None,
            })
            .or_else(|| {
                user.factors.iter().find_map(|factor| match factor {
                    Factor::Push { secret, .. } => secret.clone(),
                    _ => None,
                })
            })
            .expect("a TOTP secret")
    }

    /// The recovery code of the seed user with `role`.
    pub fn recovery_code(&self, role: &str) -> String {
        let user = self.state.tenant().user_for_role(role).unwrap();
        user.factors
            .iter()
            .find_map(|factor| match factor {
                Factor::RecoveryCode { recovery_code, .. } => Some(recovery_code.clone()),
                _ => None,
            })
            .expect("a recovery code")
    }

    /// Moves the mock clock to the start of the next 30-second TOTP step, so that a code computed
    /// now stays in the same step for the rest of the test.
    pub fn settle_at_step_start(&self) {
        let now = self.state.clock().unix_now();
        self.state.clock().advance(30 - now % 30);
    }

    /// The TOTP code of `secret` at the mock's time shifted by `offset_seconds`.
    pub fn totp_at(&self, secret: &str, offset_seconds: i64) -> String {
        let now = self.state.clock().unix_now();
        totp(secret, now.checked_add_signed(offset_seconds).unwrap())
    }

    /// An MFA grant as the native app: `grant_type` plus `fields`.
    pub async fn mfa_grant(&self, grant_type: &str, fields: Value) -> Reply {
        self.call(mfa_grant(grant_type, fields)).await
    }

    /// `POST /mfa/challenge` as the native app with `fields`.
    pub async fn challenge(&self, mfa_token: &str, fields: Value) -> Reply {
        self.call(challenge(mfa_token, fields)).await
    }

    /// An access token for the MFA API with all its scopes, for the seed user with `role`, who
    /// must have a TOTP secret: a login for `{issuer}mfa/`, then the `mfa-otp` grant.
    pub async fn mfa_access_token(&self, role: &str) -> String {
        self.settle_at_step_start();
        let token = self
            .mfa_token(
                role,
                json!({
                    "audience": format!("{PUBLIC_URL}/mfa/"),
                    "scope": "openid enroll read:authenticators remove:authenticators",
                }),
            )
            .await;
        let otp = self.totp_at(&self.totp_secret(role), 0);
        let reply = self
            .mfa_grant(MFA_OTP, json!({"mfa_token": token, "otp": otp}))
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        reply.json["access_token"].as_str().unwrap().to_owned()
    }
}

/// The RFC 6238 code (SHA-1, 6 digits, 30 s) of a base32 `secret` at Unix time `at`.
pub fn totp(secret: &str, at: u64) -> String {
    let bytes = totp_rs::Secret::try_from_base32(secret).unwrap();
    totp_rs::Builder::new()
        .with_secret(bytes)
        .build()
        .unwrap()
        .generate(at)
        .to_string()
}

/// A code that differs from `code` in every digit.
pub fn wrong_code(code: &str) -> String {
    code.chars()
        .map(|c| if c == '0' { '1' } else { '0' })
        .collect()
}

/// Decodes a JWT's claims after verifying it with the mock's published JWKS entry.
pub fn verify_with_jwks(token: &str, jwks: &Value) -> Value {
    let key = &jwks["keys"][0];
    let decoding_key = jsonwebtoken::DecodingKey::from_rsa_components(
        key["n"].as_str().unwrap(),
        key["e"].as_str().unwrap(),
    )
    .unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.validate_aud = false;
    let data = jsonwebtoken::decode::<Value>(token, &decoding_key, &validation).unwrap();
    assert_eq!(data.header.kid.as_deref(), key["kid"].as_str());
    data.claims
}

// ---- the table: calls -----------------------------------------------------------------------------

/// A request of a table row.
#[derive(Debug, Clone)]
pub struct Call {
    method: Method,
    path: String,
    headers: Vec<(String, String)>,
    content_type: Option<String>,
    body: Vec<u8>,
    /// The JSON body, kept as a value so that rows can add or drop fields.
    json: Option<Value>,
}

/// `GET path`.
pub fn get(path: impl Into<String>) -> Call {
    Call {
        method: Method::GET,
        path: path.into(),
        headers: Vec::new(),
        content_type: None,
        body: Vec::new(),
        json: None,
    }
}

/// `DELETE path`.
pub fn delete(path: impl Into<String>) -> Call {
    Call {
        method: Method::DELETE,
        ..get(path)
    }
}

/// `POST path` with a JSON body.
pub fn post(path: impl Into<String>, body: Value) -> Call {
    Call {
        method: Method::POST,
        content_type: Some("application/json".to_owned()),
        json: Some(body),
        ..get(path)
    }
}

/// `POST path` with a form body.
pub fn post_form(path: impl Into<String>, pairs: &[(&str, &str)]) -> Call {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    post_raw(path, Some("application/x-www-form-urlencoded"), body)
}

/// `POST path` with these bytes and this content type (or none).
pub fn post_raw(
    path: impl Into<String>,
    content_type: Option<&str>,
    body: impl Into<Vec<u8>>,
) -> Call {
    Call {
        method: Method::POST,
        content_type: content_type.map(str::to_owned),
        body: body.into(),
        ..get(path)
    }
}

/// The passwordless OTP grant as the native app.
pub fn otp_grant(realm: &str, username: &str, otp: &str) -> Call {
    post(
        "/oauth/token",
        json!({
            "grant_type": PASSWORDLESS_OTP,
            "client_id": "native-app",
            "realm": realm,
            "username": username,
            "otp": otp,
        }),
    )
}

/// An MFA grant as the native app: `grant_type` plus `fields`.
pub fn mfa_grant(grant_type: &str, fields: Value) -> Call {
    post(
        "/oauth/token",
        json!({"grant_type": grant_type, "client_id": "native-app"}),
    )
    .with(fields)
}

/// `POST /mfa/challenge` as the native app with `fields`.
pub fn challenge(mfa_token: &str, fields: Value) -> Call {
    post(
        "/mfa/challenge",
        json!({"client_id": "native-app", "mfa_token": mfa_token}),
    )
    .with(fields)
}

impl Call {
    /// Adds (or replaces) the fields of `extra` in the JSON body.
    pub fn with(mut self, extra: Value) -> Call {
        if let (Some(Value::Object(body)), Value::Object(extra)) = (&mut self.json, extra) {
            body.extend(extra);
        }
        self
    }

    /// Drops a field of the JSON body.
    pub fn without(mut self, name: &str) -> Call {
        if let Some(Value::Object(body)) = &mut self.json {
            body.remove(name);
        }
        self
    }

    /// Adds `Authorization: Bearer <token>`.
    pub fn bearer(self, token: &str) -> Call {
        self.header("authorization", &format!("Bearer {token}"))
    }

    /// Adds `Authorization: Basic base64(id:secret)`.
    pub fn basic(self, id: &str, secret: &str) -> Call {
        let encoded = base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            format!("{id}:{secret}"),
        );
        self.header("authorization", &format!("Basic {encoded}"))
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Call {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// The request.
    pub fn request(&self) -> Request<Body> {
        let mut builder = Request::builder()
            .method(self.method.clone())
            .uri(self.path.as_str());
        if let Some(content_type) = &self.content_type {
            builder = builder.header(header::CONTENT_TYPE, content_type.as_str());
        }
        for (name, value) in &self.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        let body = match &self.json {
            Some(json) => json.to_string().into_bytes(),
            None => self.body.clone(),
        };
        builder.body(Body::from(body)).unwrap()
    }
}

// ---- the table: expectations ----------------------------------------------------------------------

/// What a table row expects back.
#[derive(Debug, Clone)]
pub struct Expect {
    status: u16,
    error: Option<(String, String)>,
    json: Vec<(String, Value)>,
    headers: Vec<(String, String)>,
    redirect: Vec<(String, Option<String>)>,
}

/// Just this status.
pub fn status(status: u16) -> Expect {
    Expect {
        status,
        error: None,
        json: Vec::new(),
        headers: Vec::new(),
        redirect: Vec::new(),
    }
}

/// The answer of evidence catalogue entry `id`: its status and, for an error, its `error` and
/// `error_description` (Auth0's exact strings live in `evidence.yaml`, not in the tests).
pub fn entry(id: &str) -> Expect {
    entry_with(id, &[])
}

/// Like [`entry`], with the entry's `{name}` placeholders filled from `args`.
pub fn entry_with(id: &str, args: &[(&str, &str)]) -> Expect {
    let entry = evidence::lookup(id).unwrap_or_else(|| panic!("no evidence entry `{id}`"));
    let status_code = entry.status.expect("an answer entry");
    match &entry.error {
        Some(code) => error(
            status_code,
            &evidence::fill(code, args),
            entry.describe(args),
        ),
        None => status(status_code),
    }
}

/// Auth0's error shape: this status, `error` and `error_description`, as JSON.
pub fn error(status_code: u16, code: &str, description: impl Into<String>) -> Expect {
    Expect {
        error: Some((code.to_owned(), description.into())),
        ..status(status_code)
    }
}

/// A 302 whose `Location` carries these query parameters (`None`: must not carry it).
pub fn redirect(params: &[(&str, Option<&str>)]) -> Expect {
    Expect {
        redirect: params
            .iter()
            .map(|(name, value)| ((*name).to_owned(), value.map(str::to_owned)))
            .collect(),
        ..status(302)
    }
}

impl Expect {
    /// The JSON body has `value` at `pointer` (RFC 6901, e.g. `/mfa_requirements/challenge`).
    pub fn json(mut self, pointer: &str, value: impl Into<Value>) -> Expect {
        self.json.push((pointer.to_owned(), value.into()));
        self
    }

    /// The answer has this header value.
    pub fn header(mut self, name: &str, value: &str) -> Expect {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// What in `reply` differs from this expectation.
    pub fn mismatches(&self, reply: &Reply) -> Vec<String> {
        let mut problems = Vec::new();
        if reply.status != self.status {
            problems.push(format!("status {}, expected {}", reply.status, self.status));
        }
        if let Some((code, description)) = &self.error {
            if reply.json["error"] != code.as_str() {
                problems.push(format!("error {}, expected `{code}`", reply.json["error"]));
            }
            if reply.json["error_description"] != description.as_str() {
                problems.push(format!(
                    "error_description {}, expected `{description}`",
                    reply.json["error_description"]
                ));
            }
            let content_type = reply
                .headers
                .get(header::CONTENT_TYPE)
                .and_then(|value| value.to_str().ok())
                .unwrap_or("");
            if !content_type.starts_with("application/json") {
                problems.push(format!("content type `{content_type}`, expected JSON"));
            }
        }
        for (pointer, value) in &self.json {
            let found = reply.json.pointer(pointer).unwrap_or(&Value::Null);
            if found != value {
                problems.push(format!("{pointer} is {found}, expected {value}"));
            }
        }
        for (name, value) in &self.headers {
            let found = reply.headers.get(name).and_then(|v| v.to_str().ok());
            if found != Some(value.as_str()) {
                problems.push(format!("header {name} is {found:?}, expected `{value}`"));
            }
        }
        if !self.redirect.is_empty() {
            match reply
                .headers
                .get(header::LOCATION)
                .and_then(|value| value.to_str().ok())
                .and_then(|location| url::Url::parse(location).ok())
            {
                None => problems.push("no absolute Location".to_owned()),
                Some(location) => {
                    for (name, value) in &self.redirect {
                        let found = query_param(&location, name);
                        if found != *value {
                            problems.push(format!(
                                "Location `{name}` is {found:?}, expected {value:?}"
                            ));
                        }
                    }
                }
            }
        }
        problems
    }
}
