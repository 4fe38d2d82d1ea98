//! Rate-limit emulation (`rate_limits:` in the tenant fixture) and the response delay
//! (`latency_ms`): token buckets per endpoint and key, `X-RateLimit-*` headers, the 429 body,
//! refills on the real clock, and a control API that is never limited nor delayed.

#![allow(
    clippy::unwrap_used,
    reason = "a test crate: a panic is a failed test, and clippy only exempts #[test] functions themselves"
)]

use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::support::{Mock, Reply, error, get, post};
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use passwordless_conformance::mock::{MockServer, Tenant};
use serde_json::{Value, json};

const BUILTIN_YAML: &str = include_str!("../../mock/tenant.yaml");
const JWKS: &str = "/.well-known/jwks.json";
const TOO_MANY: &str = "Too many requests. Check the X-RateLimit-Limit, X-RateLimit-Remaining and X-RateLimit-Reset headers.";

/// The built-in tenant plus `extra` top-level YAML (e.g. a `rate_limits:` section).
fn tenant(extra: &str) -> Tenant {
    Tenant::from_yaml_str(&format!("{BUILTIN_YAML}\n{extra}"), Path::new("t.yaml")).unwrap()
}

fn header<'r>(reply: &'r Reply, name: &str) -> Option<&'r str> {
    reply.headers.get(name).map(|value| value.to_str().unwrap())
}

fn header_number(reply: &Reply, name: &str) -> u64 {
    header(reply, name)
        .unwrap_or_else(|| panic!("no `{name}` in {:?}", reply.headers))
        .parse()
        .unwrap()
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn start_body(email: &str) -> Value {
    json!({"client_id": "native-app", "connection": "email", "email": email, "send": "code"})
}

/// A GET as if it came from `ip`, the way `into_make_service_with_connect_info` marks requests.
async fn get_from(mock: &Mock, path: &str, ip: [u8; 4]) -> Reply {
    let request = Request::get(path)
        .extension(ConnectInfo(SocketAddr::from((ip, 40_000))))
        .body(Body::empty())
        .unwrap();
    mock.send(request).await
}

#[tokio::test]
async fn an_exhausted_burst_answers_429_with_headers_and_the_exact_body() {
    let mock = Mock::with_tenant(tenant(
        "rate_limits:\n  endpoints:\n    /passwordless/start: { burst: 3, per_hour: 3, key: ip }\n",
    ));
    let before = unix_now();
    for remaining in [2, 1, 0] {
        let reply = mock
            .call(post(
                "/passwordless/start",
                start_body("limited@example.com"),
            ))
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        assert_eq!(header_number(&reply, "x-ratelimit-limit"), 3);
        assert_eq!(header_number(&reply, "x-ratelimit-remaining"), remaining);
        // Full again after (3 - remaining) refills of 20 minutes each, on the real clock.
        let reset = header_number(&reply, "x-ratelimit-reset");
        let full_in = (3 - remaining) * 1200;
        assert!(
            (before + full_in..=unix_now() + full_in + 1).contains(&reset),
            "{reset}"
        );
    }
    let sent = mock.state.outbox().sent_total();

    let reply = mock
        .call(post(
            "/passwordless/start",
            start_body("limited@example.com"),
        ))
        .await;
    reply.expect(error(429, "too_many_requests", TOO_MANY));
    assert_eq!(
        reply.json,
        json!({"error": "too_many_requests", "error_description": TOO_MANY})
    );
    assert_eq!(header_number(&reply, "x-ratelimit-limit"), 3);
    assert_eq!(header_number(&reply, "x-ratelimit-remaining"), 0);
    assert!(header_number(&reply, "x-ratelimit-reset") >= before + 3600);
    assert_eq!(header(&reply, "retry-after"), None);
    // A refused request does nothing: no code was issued.
    assert_eq!(mock.state.outbox().sent_total(), sent);
}

#[tokio::test]
async fn oauth_token_is_limited_before_its_parameters_are_read() {
    let mock = Mock::with_tenant(tenant(
        "rate_limits:\n  endpoints:\n    /oauth/token: { burst: 1, per_second: 0.001, key: any }\n",
    ));
    let first = mock.call(post("/oauth/token", json!({}))).await;
    first.expect(error(400, "invalid_request", "missing client_id parameter"));
    assert_eq!(header_number(&first, "x-ratelimit-remaining"), 0);
    let second = mock.call(post("/oauth/token", json!({}))).await;
    second.expect(error(429, "too_many_requests", TOO_MANY));
    // Other endpoints are not limited and carry no rate-limit headers.
    let jwks = mock.call(get(JWKS)).await;
    assert_eq!(jwks.status, 200);
    assert_eq!(header(&jwks, "x-ratelimit-limit"), None);
}

#[tokio::test]
async fn a_scaled_bucket_refills_in_milliseconds_and_says_when_in_retry_after() {
    // 20 per hour, scaled by 3600: one request back every 50 ms.
    let mock = Mock::with_tenant(tenant(&format!(
        "rate_limits:\n  scale: 3600\n  retry_after: true\n  endpoints:\n    {JWKS}: {{ burst: 1, per_hour: 20 }}\n"
    )));
    let mut limited = None;
    for _ in 0..1000 {
        let reply = mock.call(get(JWKS)).await;
        if reply.status == 429 {
            limited = Some(reply);
            break;
        }
    }
    let limited = limited.expect("a burst of 1 runs out faster than 20 requests per second");
    let retry_after: f64 = header(&limited, "retry-after").unwrap().parse().unwrap();
    assert!(
        retry_after > 0.0 && retry_after <= 0.05,
        "Retry-After {retry_after}"
    );

    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let reply = mock.call(get(JWKS)).await;
        if reply.status == 200 {
            assert_eq!(header_number(&reply, "x-ratelimit-remaining"), 0);
            assert_eq!(header(&reply, "retry-after"), None);
            break;
        }
        assert!(Instant::now() < deadline, "the bucket never refilled");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test]
async fn ip_keyed_buckets_are_per_client_ip_and_any_keyed_ones_are_shared() {
    let mock = Mock::with_tenant(tenant(&format!(
        "rate_limits:\n  endpoints:\n    {JWKS}: {{ burst: 1, per_hour: 1, key: ip }}\n    /.well-known/openid-configuration: {{ burst: 1, per_hour: 1, key: tenant }}\n"
    )));
    assert_eq!(get_from(&mock, JWKS, [10, 0, 0, 1]).await.status, 200);
    assert_eq!(get_from(&mock, JWKS, [10, 0, 0, 1]).await.status, 429);
    assert_eq!(get_from(&mock, JWKS, [10, 0, 0, 2]).await.status, 200);

    let discovery = "/.well-known/openid-configuration";
    assert_eq!(get_from(&mock, discovery, [10, 0, 0, 1]).await.status, 200);
    assert_eq!(get_from(&mock, discovery, [10, 0, 0, 2]).await.status, 429);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_get_exactly_the_burst() {
    let mock = Mock::with_tenant(tenant(&format!(
        "rate_limits:\n  endpoints:\n    {JWKS}: {{ burst: 10, per_hour: 1 }}\n"
    )));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..40 {
        let app = mock.app.clone();
        tasks.spawn(async move {
            use tower::ServiceExt;
            let request = Request::get(JWKS).body(Body::empty()).unwrap();
            app.oneshot(request).await.unwrap().status().as_u16()
        });
    }
    let statuses = tasks.join_all().await;
    assert_eq!(statuses.iter().filter(|status| **status == 200).count(), 10);
    assert_eq!(statuses.iter().filter(|status| **status == 429).count(), 30);
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn over_a_socket_the_peer_address_is_the_ip_key() {
    let server = MockServer::start(tenant(&format!(
        "rate_limits:\n  endpoints:\n    {JWKS}: {{ burst: 1, per_hour: 1, key: ip }}\n"
    )))
    .await
    .unwrap();
    let url = format!("{}{JWKS}", server.base_url());
    let from = |ip: [u8; 4]| {
        reqwest::Client::builder()
            .local_address(std::net::IpAddr::from(ip))
            .build()
            .unwrap()
    };
    let (first, second) = (from([127, 0, 0, 1]), from([127, 0, 0, 2]));
    assert_eq!(first.get(&url).send().await.unwrap().status(), 200);
    let limited = first.get(&url).send().await.unwrap();
    assert_eq!(limited.status(), 429);
    assert_eq!(limited.headers()["x-ratelimit-remaining"], "0");
    // Linux routes all of 127.0.0.0/8 to the loopback device.
    assert_eq!(second.get(&url).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn the_control_api_is_never_limited_nor_delayed() {
    // Ten minutes of latency: only the control API can answer within the test's patience.
    let mock = Mock::with_tenant(tenant(
        "latency_ms: 600000\nrate_limits:\n  endpoints:\n    /.well-known/jwks.json: { burst: 1, per_hour: 1 }\n",
    ));
    tokio::time::timeout(Duration::from_secs(60), async {
        for _ in 0..5 {
            let reply = mock.call(get("/__mock/clock")).await;
            assert_eq!(reply.status, 200, "{}", reply.text);
            assert_eq!(header(&reply, "x-ratelimit-limit"), None);
        }
    })
    .await
    .expect("the control API answered without delay");

    let message = Tenant::from_yaml_str(
        &format!(
            "{BUILTIN_YAML}\nrate_limits:\n  endpoints:\n    /__mock/outbox: {{ burst: 1, per_second: 1 }}\n"
        ),
        Path::new("t.yaml"),
    )
    .unwrap_err()
    .to_string();
    assert!(
        message.contains(
            "rate-limited endpoint `/__mock/outbox` is part of the control API, which is never limited"
        ),
        "{message}"
    );
}

#[tokio::test]
async fn latency_delays_every_auth0_response() {
    let mock = Mock::with_tenant(tenant("latency_ms: 150\n"));
    for path in [JWKS, "/no/such/route"] {
        let started = Instant::now();
        let reply = mock.call(get(path)).await;
        assert!(
            started.elapsed() >= Duration::from_millis(150),
            "{path} answered {} after {:?}",
            reply.status,
            started.elapsed()
        );
    }
}

#[tokio::test]
async fn without_rate_limits_nothing_is_limited_and_no_header_is_added() {
    let mock = Mock::new();
    for _ in 0..60 {
        let reply = mock
            .call(post("/passwordless/start", start_body("free@example.com")))
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        assert_eq!(header(&reply, "x-ratelimit-limit"), None);
    }
}

#[test]
fn the_fixture_rate_limits_section_is_checked_with_its_location() {
    let error = Tenant::from_yaml_str(
        &format!(
            "{BUILTIN_YAML}\nrate_limits:\n  endpoints:\n    /oauth/token: {{ burst: 30, per_second: 30, per_hour: 30 }}\n"
        ),
        Path::new("t.yaml"),
    )
    .unwrap_err();
    let diagnostic = &error.diagnostics()[0];
    let line = BUILTIN_YAML.lines().count() + 4;
    assert_eq!(
        format!(
            "{}:{}: {}",
            diagnostic.file, diagnostic.span, diagnostic.message
        ),
        format!(
            "t.yaml:{line}:5: rate-limited endpoint `/oauth/token` needs exactly one of `per_second`, `per_minute`, `per_hour`"
        )
    );
    let message = Tenant::from_yaml_str(
        &format!(
            "{BUILTIN_YAML}\nrate_limits:\n  endpoints:\n    /oauth/token: {{ burst: 30, per_second: 30, key: user }}\n"
        ),
        Path::new("t.yaml"),
    )
    .unwrap_err()
    .to_string();
    assert!(message.contains("unknown variant `user`"), "{message}");
}
