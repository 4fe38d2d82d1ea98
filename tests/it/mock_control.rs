//! The control API (`/__mock/...`), discovery, and the JSON fallbacks of the mock, in-process.

#![allow(
    clippy::unwrap_used,
    reason = "a test crate: a panic is a failed test, and clippy only exempts #[test] functions themselves"
)]

use crate::support::{Mock, PUBLIC_URL, verify_with_jwks};
use serde_json::json;

#[tokio::test]
async fn outbox_returns_the_latest_message_for_an_address() {
    let mock = Mock::new();
    let code = mock.email_code("native-app", "a@example.com").await;
    let reply = mock.get("/__mock/outbox?to=a%40example.com").await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json["to"], "a@example.com");
    assert_eq!(reply.json["channel"], "email");
    assert_eq!(reply.json["code"], code);
    assert_eq!(reply.json["link"], serde_json::Value::Null);
    assert!(reply.json["body"].as_str().unwrap().contains(&code));
    assert!(reply.json["sent_at"].is_string());
}

#[tokio::test]
async fn outbox_finds_phone_numbers_with_an_encoded_or_raw_plus() {
    let mock = Mock::new();
    let code = mock.sms_code("+15555550100").await;
    for query in ["to=%2B15555550100", "to=+15555550100"] {
        let reply = mock.get(&format!("/__mock/outbox?{query}")).await;
        assert_eq!(reply.status, 200, "{query}: {}", reply.text);
        assert_eq!(reply.json["code"], code);
        assert_eq!(reply.json["channel"], "sms");
    }
}

#[tokio::test]
async fn outbox_without_a_message_is_a_json_404() {
    let mock = Mock::new();
    mock.get("/__mock/outbox?to=nobody%40example.com")
        .await
        .assert_error(404, "not_found", "no message sent to `nobody@example.com`");
}

#[tokio::test]
async fn outbox_without_to_is_a_json_400() {
    let mock = Mock::new();
    mock.get("/__mock/outbox").await.assert_error(
        400,
        "invalid_request",
        "missing `to` query parameter",
    );
}

#[tokio::test]
async fn tenant_lists_clients_with_roles_and_test_secrets() {
    let mock = Mock::new();
    let reply = mock.get("/__mock/tenant").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json["test_tenant"], true);
    assert_eq!(reply.json["issuer"], format!("{PUBLIC_URL}/"));
    let clients = reply.json["clients"].as_array().unwrap();
    let confidential = clients
        .iter()
        .find(|c| c["role"] == "confidential")
        .unwrap();
    assert_eq!(confidential["client_id"], "regular-web-app");
    assert_eq!(confidential["client_secret"], "regular-web-app-test-secret");
    assert_eq!(reply.json["connections"][0]["name"], "email");
    assert!(reply.json["users"].as_array().unwrap().len() >= 2);
}

#[tokio::test]
async fn clock_advance_moves_the_clock_and_reports_now() {
    let mock = Mock::new();
    let before = mock.state.clock().unix_now();
    let reply = mock
        .post_json("/__mock/clock/advance", json!({"seconds": 3600}))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let now = reply.json["now"].as_u64().unwrap();
    assert!((3600..=3602).contains(&(now - before)), "{before} -> {now}");
    assert_eq!(reply.json["offset_seconds"], 3600);
}

#[tokio::test]
async fn clock_advance_with_a_bad_body_is_a_json_400() {
    let mock = Mock::new();
    for body in [
        json!({}),
        json!({"seconds": -1}),
        json!({"seconds": "soon"}),
        json!({"seconds": 1.5}),
    ] {
        let reply = mock.post_json("/__mock/clock/advance", body).await;
        reply.assert_error(
            400,
            "invalid_request",
            "`seconds` must be a non-negative integer, e.g. {\"seconds\": 181}",
        );
    }
    mock.post_raw("/__mock/clock/advance", Some("application/json"), "nope")
        .await
        .assert_error(400, "invalid_request", "Invalid JSON body");
}

#[tokio::test]
async fn unknown_routes_are_a_json_404() {
    let mock = Mock::new();
    mock.get("/userinfo")
        .await
        .assert_error(404, "not_found", "Not Found");
    mock.post_json("/dbconnections/signup", json!({}))
        .await
        .assert_error(404, "not_found", "Not Found");
}

#[tokio::test]
async fn wrong_methods_are_a_json_405() {
    let mock = Mock::new();
    mock.get("/passwordless/start").await.assert_error(
        405,
        "method_not_allowed",
        "Method Not Allowed",
    );
    mock.post_json("/.well-known/jwks.json", json!({}))
        .await
        .assert_error(405, "method_not_allowed", "Method Not Allowed");
}

#[tokio::test]
async fn discovery_names_the_issuer_with_a_trailing_slash() {
    let mock = Mock::new();
    let reply = mock.get("/.well-known/openid-configuration").await;
    assert_eq!(reply.status, 200);
    let config = reply.json;
    assert_eq!(config["issuer"], format!("{PUBLIC_URL}/"));
    assert_eq!(
        config["token_endpoint"],
        format!("{PUBLIC_URL}/oauth/token")
    );
    assert_eq!(
        config["jwks_uri"],
        format!("{PUBLIC_URL}/.well-known/jwks.json")
    );
    assert_eq!(
        config["id_token_signing_alg_values_supported"],
        json!(["RS256"])
    );
    assert!(
        config["grant_types_supported"]
            .as_array()
            .unwrap()
            .contains(&json!("http://auth0.com/oauth/grant-type/passwordless/otp"))
    );
}

#[tokio::test]
async fn jwks_publishes_one_rs256_signing_key_named_as_a_test_key() {
    let mock = Mock::new();
    let jwks = mock.get("/.well-known/jwks.json").await.json;
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0]["alg"], "RS256");
    assert_eq!(keys[0]["kty"], "RSA");
    assert_eq!(keys[0]["use"], "sig");
    assert_eq!(keys[0]["e"], "AQAB");
    assert!(keys[0]["kid"].as_str().unwrap().contains("test-key"));
}

#[tokio::test]
async fn a_token_the_mock_issued_verifies_against_the_jwks_it_serves() {
    let mock = Mock::new();
    let code = mock.email_code("native-app", "a@example.com").await;
    let reply = mock
        .otp_grant("email", "a@example.com", &code, json!({"scope": "openid"}))
        .await;
    let jwks = mock.get("/.well-known/jwks.json").await.json;
    let claims = verify_with_jwks(reply.json["id_token"].as_str().unwrap(), &jwks);
    assert_eq!(claims["iss"], format!("{PUBLIC_URL}/"));
}
