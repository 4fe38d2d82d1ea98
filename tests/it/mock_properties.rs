//! Property tests of the mock's request handling: whatever method, path, headers and body a
//! client sends, the router answers without a panic and never with a 5xx, and every error is
//! Auth0's JSON error shape.
//!
//! Requests go through the router in-process (`tower::ServiceExt::oneshot`), a few per case so
//! that state can build up (a code sent, then a grant). Bodies are either arbitrary bytes or
//! objects made of the parameter names the mock reads with values of every JSON type, so the
//! cases reach deep into the handlers rather than stopping at the body parser. The number of cases
//! is bounded so that `cargo test` stays fast; `PROPTEST_CASES=5000 cargo test --test it
//! mock_properties` runs more.

use axum::body::Body;
use axum::http::{Method, Request, header};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Map, Value, json};

use crate::support::{Mock, Reply};

/// The routes the mock serves, with their method.
const ROUTES: &[(&str, &str)] = &[
    ("POST", "/passwordless/start"),
    ("GET", "/passwordless/verify_redirect"),
    ("POST", "/oauth/token"),
    ("GET", "/mfa/authenticators"),
    ("DELETE", "/mfa/authenticators/totp%7Cdev_EmbyVRbnXNn7Icrd"),
    ("DELETE", "/mfa/authenticators/%FF%FE"),
    ("POST", "/mfa/challenge"),
    ("POST", "/mfa/associate"),
    ("GET", "/.well-known/openid-configuration"),
    ("GET", "/.well-known/jwks.json"),
    ("GET", "/__mock/outbox"),
    ("GET", "/__mock/tenant"),
    ("GET", "/__mock/clock"),
    ("POST", "/__mock/clock/advance"),
    ("POST", "/__mock/push/Fe26.2**x/approve"),
    ("POST", "/__mock/push/%C3%28/reject"),
];

/// Paths that are near misses.
const ODD_PATHS: &[&str] = &[
    "/__mock",
    "/",
    "//oauth//token",
    "/oauth/token/",
    "/mfa",
    "/%00",
];

/// Every parameter name some endpoint reads.
const NAMES: &[&str] = &[
    "client_id",
    "client_secret",
    "client_assertion",
    "client_assertion_type",
    "connection",
    "email",
    "phone_number",
    "send",
    "authParams",
    "grant_type",
    "realm",
    "username",
    "otp",
    "scope",
    "audience",
    "nonce",
    "code",
    "redirect_uri",
    "refresh_token",
    "mfa_token",
    "oob_code",
    "binding_code",
    "recovery_code",
    "challenge_type",
    "authenticator_id",
    "oob_channel",
    "authenticator_types",
    "oob_channels",
    "seconds",
    "after_seconds",
    "to",
    "response_type",
    "state",
    "verification_code",
];

/// Strings that mean something to the mock, and strings that mean trouble.
const WORDS: &[&str] = &[
    "native-app",
    "regular-web-app",
    "regular-web-app-test-secret",
    "email-only-app",
    "mfa-always-app",
    "email",
    "sms",
    "code",
    "link",
    "link_ios",
    "qa@example.com",
    "totp@example.com",
    "+15555550100",
    "http://auth0.com/oauth/grant-type/passwordless/otp",
    "http://auth0.com/oauth/grant-type/mfa-otp",
    "http://auth0.com/oauth/grant-type/mfa-oob",
    "http://auth0.com/oauth/grant-type/mfa-recovery-code",
    "authorization_code",
    "refresh_token",
    "openid email offline_access",
    "https://api.example.com/",
    "https://app.example.com/cb",
    "otp",
    "oob",
    "auth0",
    "voice",
    "123456",
    "Fe26.2**x",
    "",
    " ",
    "\u{0}",
    "é\u{202e}💥",
    "%",
    "18446744073709551616",
    "-1",
];

fn method() -> impl Strategy<Value = Method> {
    prop_oneof![
        Just(Method::GET),
        Just(Method::POST),
        Just(Method::DELETE),
        Just(Method::PUT),
        Just(Method::PATCH),
        Just(Method::OPTIONS),
        Just(Method::HEAD),
    ]
}

/// Mostly a real route with its method; else any method on a route, a near miss, or a route
/// with junk appended. Sometimes with a query string.
fn route() -> impl Strategy<Value = (Method, String)> {
    let real = proptest::sample::select(ROUTES).prop_map(|(method, path)| {
        (
            Method::from_bytes(method.as_bytes()).unwrap_or(Method::GET),
            path.to_owned(),
        )
    });
    let paths = prop_oneof![
        proptest::sample::select(ROUTES).prop_map(|(_, path)| path.to_owned()),
        proptest::sample::select(ODD_PATHS).prop_map(str::to_owned),
        (
            proptest::sample::select(ROUTES),
            "[a-zA-Z0-9%._~!$&'()*+,;=:@/-]{0,24}"
        )
            .prop_map(|((_, path), tail)| format!("{path}{tail}")),
    ];
    let any_route = (method(), paths);
    let query = proptest::option::of(query_string());
    (prop_oneof![3 => real, 1 => any_route], query).prop_map(
        |((method, path), query)| match query {
            Some(query) => (method, format!("{path}?{query}")),
            None => (method, path),
        },
    )
}

fn query_string() -> impl Strategy<Value = String> {
    proptest::collection::vec((proptest::sample::select(NAMES), word()), 0..6).prop_map(|pairs| {
        url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish()
    })
}

fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => proptest::sample::select(WORDS).prop_map(str::to_owned),
        1 => any::<String>(),
        1 => "[a-z0-9+@._-]{0,300}",
    ]
}

/// Any JSON value, a few levels deep, biased towards the words the mock knows.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(|number| json!(number)),
        word().prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            proptest::collection::vec((word(), inner), 0..4)
                .prop_map(|fields| Value::Object(fields.into_iter().collect())),
        ]
    })
}

/// A body and the content type it is sent with: mostly parameters as JSON or a form with the
/// right type, else arbitrary bytes with any type (or none).
fn body() -> impl Strategy<Value = (Option<String>, Vec<u8>)> {
    let params = proptest::collection::vec((proptest::sample::select(NAMES), json_value()), 0..8)
        .prop_map(|fields| {
            fields
                .into_iter()
                .map(|(name, value)| (name.to_owned(), value))
                .collect::<Map<String, Value>>()
        })
        .boxed();
    let json_type = prop_oneof![
        Just("application/json"),
        Just("application/json; charset=utf-8"),
        Just("application/vnd.api+json"),
    ];
    let json_body = (json_type, params.clone()).prop_map(|(content_type, fields)| {
        let body = Value::Object(fields).to_string().into_bytes();
        (Some(content_type.to_owned()), body)
    });
    let form_body = params.prop_map(|fields| {
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in fields {
            let text = value
                .as_str()
                .map_or_else(|| value.to_string(), str::to_owned);
            form.append_pair(&name, &text);
        }
        let body = form.finish().into_bytes();
        (Some("application/x-www-form-urlencoded".to_owned()), body)
    });
    let content_type = proptest::option::of(prop_oneof![
        Just("application/json".to_owned()),
        Just("application/x-www-form-urlencoded".to_owned()),
        Just("text/plain".to_owned()),
        Just("multipart/form-data; boundary=x".to_owned()),
        "[ -~]{0,40}",
    ]);
    let bytes = (content_type, proptest::collection::vec(any::<u8>(), 0..512));
    prop_oneof![4 => json_body, 3 => form_body, 3 => bytes]
}

/// Extra headers: credentials of every shape, and arbitrary header values.
fn headers() -> impl Strategy<Value = Vec<(String, Vec<u8>)>> {
    let authorization = prop_oneof![
        word().prop_map(|secret| {
            let encoded = base64::Engine::encode(
                &base64::engine::general_purpose::STANDARD,
                format!("regular-web-app:{secret}"),
            );
            format!("Basic {encoded}")
        }),
        "Basic [A-Za-z0-9+/=]{0,40}",
        word().prop_map(|token| format!("Bearer {token}")),
        "[ -~]{0,60}",
    ]
    .prop_map(|value| ("authorization".to_owned(), value.into_bytes()));
    let other = (
        prop_oneof![
            Just("x-request-language".to_owned()),
            Just("auth0-forwarded-for".to_owned()),
            Just("content-length".to_owned()),
            Just("accept".to_owned()),
            "x-[a-z]{1,12}",
        ],
        proptest::collection::vec(any::<u8>(), 0..64),
    );
    proptest::collection::vec(
        prop_oneof![authorization, other.prop_map(|(name, value)| (name, value))],
        0..4,
    )
}

#[derive(Debug, Clone)]
struct Call {
    method: Method,
    path: String,
    content_type: Option<String>,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
}

fn call() -> impl Strategy<Value = Call> {
    (route(), body(), headers()).prop_map(|((method, path), (content_type, body), headers)| Call {
        method,
        path,
        content_type,
        headers,
        body,
    })
}

impl Call {
    /// The request, or `None` when `http` itself refuses a part (a header value with a control
    /// character, say): no client could send it.
    fn request(&self) -> Option<Request<Body>> {
        let mut builder = Request::builder()
            .method(self.method.clone())
            .uri(self.path.as_str());
        if let Some(content_type) = &self.content_type {
            builder = builder.header(header::CONTENT_TYPE, content_type.as_str());
        }
        for (name, value) in &self.headers {
            let value = axum::http::HeaderValue::from_bytes(value).ok()?;
            builder = builder.header(name.as_str(), value);
        }
        builder.body(Body::from(self.body.clone())).ok()
    }
}

/// Checks one answer: no 5xx, and an error is Auth0's JSON shape (a 404 may be the empty
/// object Auth0 answers for paths it does not serve, evidence `wire.unknown_route`).
fn check(call: &Call, reply: &Reply) -> Result<(), TestCaseError> {
    prop_assert!(
        reply.status < 500,
        "{} {} answered {}: {}",
        call.method,
        call.path,
        reply.status,
        reply.text
    );
    let unknown_path = reply.status == 404 && reply.json == serde_json::json!({});
    if reply.status >= 400 && call.method != Method::HEAD && !unknown_path {
        prop_assert!(
            reply.json["error"].is_string() && reply.json["error_description"].is_string(),
            "{} {} answered {} without Auth0's error shape: {}",
            call.method,
            call.path,
            reply.status,
            reply.text
        );
    }
    Ok(())
}

/// 128 cases per property unless `PROPTEST_CASES` asks for more; failures are printed (with the
/// shrunk input), not written to a regressions file.
fn config() -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(128);
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

#[test]
fn arbitrary_requests_never_get_a_5xx_or_a_panic() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut runner = TestRunner::new(config());
    runner
        .run(&proptest::collection::vec(call(), 1..5), |calls| {
            runtime.block_on(async {
                let mock = Mock::new();
                for call in &calls {
                    let Some(request) = call.request() else {
                        continue;
                    };
                    let reply = mock.send(request).await;
                    check(call, &reply)?;
                }
                Ok(())
            })
        })
        .unwrap();
}

#[test]
fn requests_after_a_real_login_never_get_a_5xx_or_a_panic() {
    // The same property, with a user mid-login: a code sent and an `mfa_token` issued, so that
    // grants and the MFA API get past their first checks.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut runner = TestRunner::new(config());
    runner
        .run(&proptest::collection::vec(call(), 1..4), |calls| {
            runtime.block_on(async {
                let mock = Mock::new();
                let mfa_token = mock.mfa_token("multi_factor", json!({})).await;
                for call in &calls {
                    let mut call = call.clone();
                    call.headers.push((
                        "authorization".to_owned(),
                        format!("Bearer {mfa_token}").into_bytes(),
                    ));
                    if let Ok(Value::Object(mut fields)) =
                        serde_json::from_slice::<Value>(&call.body)
                    {
                        fields.insert("mfa_token".to_owned(), Value::from(mfa_token.as_str()));
                        call.body = Value::Object(fields).to_string().into_bytes();
                    }
                    let Some(request) = call.request() else {
                        continue;
                    };
                    let reply = mock.send(request).await;
                    check(&call, &reply)?;
                }
                Ok(())
            })
        })
        .unwrap();
}
