//! The process's shared TLS client configuration (`targets::client_tls_config`) against the mock
//! served over HTTPS with the self-signed fixture certificate.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use passwordless_conformance::mock::{ServeOptions, Tenant, TlsFiles, serve_with_shutdown};
use passwordless_conformance::targets::client_tls_config;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/tls")
        .join(name)
}

fn client_trusting(extra_ca_pem: Option<&[u8]>) -> reqwest::Client {
    let tls = client_tls_config(extra_ca_pem).unwrap();
    reqwest::Client::builder()
        .tls_backend_preconfigured(rustls::ClientConfig::clone(&tls))
        .build()
        .unwrap()
}

/// Serves the mock over HTTPS with the fixture certificate until the returned sender is dropped.
async fn https_mock() -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let listen = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let options = ServeOptions {
        tls: Some(TlsFiles {
            cert: fixture("cert.pem"),
            key: fixture("key.pem"),
        }),
        ..ServeOptions::new(listen, Tenant::builtin())
    };
    tokio::spawn(serve_with_shutdown(options, async {
        let _ = stopped.await;
    }));
    // Poll until the listener is up (at most ten seconds), without a fixed delay.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while tokio::net::TcpStream::connect(listen).await.is_err() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the mock never came up"
        );
        tokio::task::yield_now().await;
    }
    (listen, stop)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_extra_ca_is_trusted_and_without_it_the_handshake_fails() {
    let (listen, _stop) = https_mock().await;
    let url = format!(
        "https://localhost:{}/.well-known/openid-configuration",
        listen.port()
    );
    let pem = std::fs::read(fixture("cert.pem")).unwrap();

    let trusted = client_trusting(Some(&pem)).get(&url).send().await.unwrap();
    assert_eq!(trusted.status(), 200);

    let error = client_trusting(None).get(&url).send().await.unwrap_err();
    let chain = std::iter::successors(Some(&error as &dyn std::error::Error), |e| e.source())
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(": ");
    assert!(chain.contains("certificate"), "{chain}");
}

#[test]
fn the_configuration_is_shared_per_ca_set_and_differs_between_sets() {
    let pem = std::fs::read(fixture("cert.pem")).unwrap();
    let system = client_tls_config(None).unwrap();
    let with_ca = client_tls_config(Some(&pem)).unwrap();
    assert!(Arc::ptr_eq(&system, &client_tls_config(None).unwrap()));
    assert!(Arc::ptr_eq(
        &with_ca,
        &client_tls_config(Some(&pem)).unwrap()
    ));
    assert!(!Arc::ptr_eq(&system, &with_ca));
}

#[test]
fn a_key_is_not_a_certificate_authority() {
    let key = std::fs::read(fixture("key.pem")).unwrap();
    let error = client_tls_config(Some(&key)).unwrap_err();
    assert!(
        error.to_string().contains("no certificate found"),
        "{error}"
    );
}
