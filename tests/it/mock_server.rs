//! The mock over real sockets: `MockServer`, `serve_with_shutdown` (plain and TLS), concurrency.

#![allow(
    clippy::unwrap_used,
    reason = "a test crate: a panic is a failed test, and clippy only exempts #[test] functions themselves"
)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::support::{PASSWORDLESS_OTP, wrong_code};
use passwordless_conformance::mock::{
    MockError, MockServer, ServeOptions, Tenant, TlsFiles, serve_with_shutdown,
};
use serde_json::{Value, json};

const EMAIL: &str = "socket@example.com";

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn start_email(client: &reqwest::Client, base: &str, email: &str) -> String {
    let reply = client
        .post(format!("{base}/passwordless/start"))
        .json(&json!({"client_id": "native-app", "connection": "email", "email": email, "send": "code"}))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    let message: Value = client
        .get(format!("{base}/__mock/outbox"))
        .query(&[("to", email)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    message["code"].as_str().unwrap().to_owned()
}

async fn redeem(client: &reqwest::Client, base: &str, email: &str, otp: &str) -> (u16, Value) {
    let reply = client
        .post(format!("{base}/oauth/token"))
        .form(&[
            ("grant_type", PASSWORDLESS_OTP),
            ("client_id", "native-app"),
            ("realm", "email"),
            ("username", email),
            ("otp", otp),
        ])
        .send()
        .await
        .unwrap();
    let status = reply.status().as_u16();
    (status, reply.json().await.unwrap())
}

#[tokio::test(flavor = "current_thread")]
async fn mock_server_starts_on_a_current_thread_runtime_and_serves_a_login() {
    let server = MockServer::start(Tenant::builtin()).await.unwrap();
    assert!(server.base_url().starts_with("http://127.0.0.1:"));
    assert_eq!(
        server.tenant().client_for_role("native").unwrap().client_id,
        "native-app"
    );
    let client = client();
    let code = start_email(&client, server.base_url(), EMAIL).await;
    let (status, body) = redeem(&client, server.base_url(), EMAIL, &code).await;
    assert_eq!(status, 200, "{body}");
    let discovery: Value = client
        .get(format!(
            "{}/.well-known/openid-configuration",
            server.base_url()
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(discovery["issuer"], format!("{}/", server.base_url()));
}

#[tokio::test(flavor = "current_thread")]
async fn expiry_over_a_socket_uses_the_control_clock() {
    let server = MockServer::start(Tenant::builtin()).await.unwrap();
    let client = client();
    let code = start_email(&client, server.base_url(), EMAIL).await;
    let advanced = client
        .post(format!("{}/__mock/clock/advance", server.base_url()))
        .json(&json!({"seconds": 181}))
        .send()
        .await
        .unwrap();
    assert_eq!(advanced.status(), 200);
    let (status, body) = redeem(&client, server.base_url(), EMAIL, &code).await;
    assert_eq!(status, 403);
    assert_eq!(
        body["error_description"],
        "The verification code has expired. Please try to login again."
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_concurrent_redemptions_of_one_code_succeed_exactly_once() {
    let server = MockServer::start(Tenant::builtin()).await.unwrap();
    let base: Arc<str> = server.base_url().into();
    let client = client();
    let code = start_email(&client, &base, EMAIL).await;
    let attempts = (0..20).map(|_| {
        let (client, base, code) = (client.clone(), base.clone(), code.clone());
        tokio::spawn(async move { redeem(&client, &base, EMAIL, &code).await })
    });
    let mut successes = 0;
    for attempt in attempts {
        let (status, body) = attempt.await.unwrap();
        match status {
            200 => successes += 1,
            403 => assert_eq!(
                body["error_description"],
                "Wrong email or verification code."
            ),
            other => panic!("unexpected status {other}: {body}"),
        }
    }
    assert_eq!(successes, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_concurrent_wrong_attempts_are_counted_exactly() {
    let server = MockServer::start(Tenant::builtin()).await.unwrap();
    let base: Arc<str> = server.base_url().into();
    let client = client();
    let code = start_email(&client, &base, EMAIL).await;
    let wrong = wrong_code(&code);
    let attempts = (0..10).map(|_| {
        let (client, base, wrong) = (client.clone(), base.clone(), wrong.clone());
        tokio::spawn(async move { redeem(&client, &base, EMAIL, &wrong).await })
    });
    let mut descriptions = Vec::new();
    for attempt in attempts {
        let (status, body) = attempt.await.unwrap();
        assert_eq!(status, 403, "{body}");
        descriptions.push(body["error_description"].as_str().unwrap().to_owned());
    }
    let wrong_count = descriptions
        .iter()
        .filter(|d| *d == "Wrong email or verification code.")
        .count();
    let exhausted_count = descriptions
        .iter()
        .filter(|d| {
            *d == "You've reached the maximum number of attempts. Please try to login again."
        })
        .count();
    assert_eq!((wrong_count, exhausted_count), (2, 8), "{descriptions:?}");
    let (status, _) = redeem(&client, &base, EMAIL, &code).await;
    assert_eq!(
        status, 403,
        "the right code is dead after three wrong attempts"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn dropping_the_server_stops_it() {
    let server = MockServer::start(Tenant::builtin()).await.unwrap();
    let base = server.base_url().to_owned();
    server.shutdown().await.unwrap();
    let result = client()
        .get(format!("{base}/.well-known/jwks.json"))
        .send()
        .await;
    assert!(result.is_err(), "{result:?}");
}

fn free_port() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/tls")
        .join(name)
}

/// Polls `url` until it answers, for at most ten seconds.
async fn wait_until_up(client: &reqwest::Client, url: &str) -> reqwest::Response {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        match client.get(url).send().await {
            Ok(response) => return response,
            Err(error) if tokio::time::Instant::now() > deadline => {
                panic!("{url} never came up: {error}")
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_uses_the_public_url_as_issuer_and_stops_on_its_shutdown_signal() {
    let listen = free_port();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let opts = ServeOptions {
        public_url: Some("https://mock.example.test/".to_owned()),
        ..ServeOptions::new(listen, Tenant::builtin())
    };
    let server = tokio::spawn(serve_with_shutdown(opts, async {
        let _ = stopped.await;
    }));
    let client = client();
    let discovery: Value = wait_until_up(
        &client,
        &format!("http://{listen}/.well-known/openid-configuration"),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(discovery["issuer"], "https://mock.example.test/");
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_speaks_https_with_the_given_certificate() {
    let listen = free_port();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let opts = ServeOptions {
        tls: Some(TlsFiles {
            cert: fixture("cert.pem"),
            key: fixture("key.pem"),
        }),
        ..ServeOptions::new(listen, Tenant::builtin())
    };
    let server = tokio::spawn(serve_with_shutdown(opts, async {
        let _ = stopped.await;
    }));
    let certificate =
        reqwest::Certificate::from_pem(&std::fs::read(fixture("cert.pem")).unwrap()).unwrap();
    let client = reqwest::Client::builder()
        .tls_certs_only([certificate])
        .build()
        .unwrap();
    let url = format!(
        "https://localhost:{}/.well-known/openid-configuration",
        listen.port()
    );
    let discovery: Value = wait_until_up(&client, &url).await.json().await.unwrap();
    assert_eq!(
        discovery["issuer"],
        format!("https://127.0.0.1:{}/", listen.port())
    );
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(15), server)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
}

#[tokio::test(flavor = "current_thread")]
async fn a_missing_certificate_file_is_named_in_the_error() {
    let opts = ServeOptions {
        tls: Some(TlsFiles {
            cert: PathBuf::from("/nonexistent/cert.pem"),
            key: fixture("key.pem"),
        }),
        ..ServeOptions::new("127.0.0.1:0".parse().unwrap(), Tenant::builtin())
    };
    let error = serve_with_shutdown(opts, async {}).await.unwrap_err();
    assert!(
        matches!(
            error,
            MockError::TlsFile {
                what: "certificate",
                ..
            }
        ),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .starts_with("cannot read TLS certificate `/nonexistent/cert.pem`: "),
        "{error}"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_certificate_that_is_not_pem_is_an_invalid_tls_config() {
    let opts = ServeOptions {
        tls: Some(TlsFiles {
            cert: fixture("README.md"),
            key: fixture("key.pem"),
        }),
        ..ServeOptions::new("127.0.0.1:0".parse().unwrap(), Tenant::builtin())
    };
    let error = serve_with_shutdown(opts, async {}).await.unwrap_err();
    assert!(matches!(error, MockError::TlsConfig { .. }), "{error:?}");
    assert!(
        error.to_string().contains("hint: both must be PEM files"),
        "{error}"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_bad_public_url_is_rejected_before_serving() {
    let opts = ServeOptions {
        public_url: Some("mock.example.test".to_owned()),
        ..ServeOptions::new("127.0.0.1:0".parse().unwrap(), Tenant::builtin())
    };
    let error = serve_with_shutdown(opts, async {}).await.unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("invalid public url `mock.example.test`"),
        "{error}"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_taken_listen_address_is_a_bind_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let listen = taken.local_addr().unwrap();
    let opts = ServeOptions::new(listen, Tenant::builtin());
    let error = serve_with_shutdown(opts, async {}).await.unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with(&format!("cannot listen on `{listen}`: ")),
        "{error}"
    );
}
