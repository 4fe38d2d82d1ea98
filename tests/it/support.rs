//! Shared helpers for the mock's integration tests: an in-process client over `tower::oneshot`,
//! and small flows (send a code, log in) used by several test files.

#![allow(
    dead_code,
    reason = "each test binary uses a different subset of the helpers"
)]

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, header};
use http_body_util::BodyExt;
use passwordless_conformance::mock::{AppState, Factor, Tenant, router};
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
    /// Asserts Auth0's error shape: status, `error`, `error_description`, JSON content type.
    #[track_caller]
    pub fn assert_error(&self, status: u16, error: &str, description: &str) {
        assert_eq!(self.status, status, "status of {}", self.text);
        assert_eq!(self.json["error"], error, "error of {}", self.text);
        assert_eq!(
            self.json["error_description"], description,
            "error_description of {}",
            self.text
        );
        let content_type = self.headers[header::CONTENT_TYPE].to_str().unwrap();
        assert!(
            content_type.starts_with("application/json"),
            "{content_type}"
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
        let state = AppState::new(tenant, PUBLIC_URL);
        Mock {
            app: router(state.clone()),
            state,
        }
    }

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

    pub async fn get(&self, path: &str) -> Reply {
        self.send(Request::get(path).body(Body::empty()).unwrap())
            .await
    }

    pub async fn post_json(&self, path: &str, body: Value) -> Reply {
        self.post_raw(path, Some("application/json"), body.to_string())
            .await
    }

    pub async fn post_form(&self, path: &str, pairs: &[(&str, &str)]) -> Reply {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        self.post_raw(path, Some("application/x-www-form-urlencoded"), body)
            .await
    }

    /// A request with `Authorization: Bearer <token>` and an optional JSON body.
    pub async fn bearer(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> Reply {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"));
        let body = match body {
            Some(body) => {
                request = request.header(header::CONTENT_TYPE, "application/json");
                Body::from(body.to_string())
            }
            None => Body::empty(),
        };
        self.send(request.body(body).unwrap()).await
    }

    pub async fn post_raw(
        &self,
        path: &str,
        content_type: Option<&str>,
        body: impl Into<Body>,
    ) -> Reply {
        let mut request = Request::post(path);
        if let Some(content_type) = content_type {
            request = request.header(header::CONTENT_TYPE, content_type);
        }
        self.send(request.body(body.into()).unwrap()).await
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
        let reply = self.post_json("/passwordless/start", body).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        self.last_code(email)
    }

    /// Sends a code by SMS to `phone` with the native app and returns it.
    pub async fn sms_code(&self, phone: &str) -> String {
        let reply = self
            .post_json(
                "/passwordless/start",
                json!({"client_id": "native-app", "connection": "sms", "phone_number": phone, "send": "code"}),
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        self.last_code(phone)
    }

    /// The OTP grant as the native app, with extra fields merged in.
    pub async fn otp_grant(&self, realm: &str, username: &str, otp: &str, extra: Value) -> Reply {
        let mut body = json!({
            "grant_type": PASSWORDLESS_OTP,
            "client_id": "native-app",
            "realm": realm,
            "username": username,
            "otp": otp,
        });
        if let (Value::Object(body), Value::Object(extra)) = (&mut body, extra) {
            body.extend(extra);
        }
        self.post_json("/oauth/token", body).await
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
        let mut body = json!({"grant_type": grant_type, "client_id": "native-app"});
        if let (Value::Object(body), Value::Object(fields)) = (&mut body, fields) {
            body.extend(fields);
        }
        self.post_json("/oauth/token", body).await
    }

    /// `POST /mfa/challenge` as the native app with `fields`.
    pub async fn challenge(&self, mfa_token: &str, fields: Value) -> Reply {
        let mut body = json!({"client_id": "native-app", "mfa_token": mfa_token});
        if let (Value::Object(body), Value::Object(fields)) = (&mut body, fields) {
            body.extend(fields);
        }
        self.post_json("/mfa/challenge", body).await
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
