//! The control API (`/__mock/...`), signing, and the JSON fallbacks of the mock, in-process.

use crate::support::{
    Mock, PUBLIC_URL, entry, entry_with, error, get, post, post_raw, status, verify_with_jwks,
};
use passwordless_conformance::mock::{Tenant, TenantDescription};
use serde_json::{Value, json};

#[tokio::test]
async fn the_outbox_answers_the_newest_message_to_an_address() {
    let mock = Mock::new();
    let email_code = mock.email_code("native-app", "a@example.com").await;
    let sms_code = mock.sms_code("+15555550100").await;
    let outbox = |query: &str| get(format!("/__mock/outbox?{query}"));
    mock.check([
        (
            "an e-mail address",
            outbox("to=a%40example.com"),
            status(200)
                .json("/to", "a@example.com")
                .json("/channel", "email")
                .json("/code", email_code.as_str())
                .json("/link", Value::Null),
        ),
        (
            "a phone number with an encoded plus",
            outbox("to=%2B15555550100"),
            status(200)
                .json("/code", sms_code.as_str())
                .json("/channel", "sms"),
        ),
        (
            "a phone number with a raw plus (read as a space)",
            outbox("to=+15555550100"),
            status(200).json("/code", sms_code.as_str()),
        ),
        (
            "an address without a message",
            outbox("to=nobody%40example.com"),
            error(404, "not_found", "no message sent to `nobody@example.com`"),
        ),
        (
            "no address",
            get("/__mock/outbox"),
            error(400, "invalid_request", "missing `to` query parameter"),
        ),
    ])
    .await;
    let message = mock.call(outbox("to=a%40example.com")).await.json;
    assert!(message["body"].as_str().unwrap().contains(&email_code));
    assert!(message["sent_at"].is_string());
}

#[tokio::test]
async fn the_tenant_roster_lists_clients_with_roles_and_test_secrets() {
    let mock = Mock::new();
    let reply = mock.call(get("/__mock/tenant")).await;
    reply.expect(
        status(200)
            .json("/test_tenant", true)
            .json("/issuer", format!("{PUBLIC_URL}/"))
            .json("/connections/0/name", "email"),
    );
    let description: TenantDescription = serde_json::from_value(reply.json).unwrap();
    let confidential = description
        .roster
        .clients
        .iter()
        .find(|client| client.role == "confidential")
        .unwrap();
    assert_eq!(confidential.client_id, "regular-web-app");
    assert_eq!(
        confidential.client_secret.as_deref(),
        Some("regular-web-app-test-secret")
    );
    assert!(description.roster.users.len() >= 2);
}

#[tokio::test]
async fn a_tenants_roster_without_a_server_is_the_roster_the_server_answers() {
    // The built-in fixture names every factor id and push secret, so nothing is left to chance.
    let mock = Mock::new();
    let served: TenantDescription =
        serde_json::from_value(mock.call(get("/__mock/tenant")).await.json).unwrap();
    assert_eq!(served.roster, Tenant::builtin().roster());
}

#[tokio::test]
async fn the_clock_moves_forward_only_by_whole_seconds() {
    let mock = Mock::new();
    let before = mock.state.clock().unix_now();
    let reply = mock
        .call(post("/__mock/clock/advance", json!({"seconds": 3600})))
        .await;
    reply.expect(status(200).json("/offset_seconds", 3600));
    let now = reply.json["now"].as_u64().unwrap();
    assert!((3600..=3602).contains(&(now - before)), "{before} -> {now}");
    let bad_seconds = "`seconds` must be a non-negative integer, e.g. {\"seconds\": 181}";
    let advance = |body: Value| post("/__mock/clock/advance", body);
    mock.check([
        (
            "no seconds",
            advance(json!({})),
            error(400, "invalid_request", bad_seconds),
        ),
        (
            "negative",
            advance(json!({"seconds": -1})),
            error(400, "invalid_request", bad_seconds),
        ),
        (
            "words",
            advance(json!({"seconds": "soon"})),
            error(400, "invalid_request", bad_seconds),
        ),
        (
            "a fraction",
            advance(json!({"seconds": 1.5})),
            error(400, "invalid_request", bad_seconds),
        ),
        (
            "not JSON",
            post_raw("/__mock/clock/advance", Some("application/json"), "nope"),
            entry_with("wire.body.malformed_json", &[("code", "invalid_request")]),
        ),
        (
            "the clock is unchanged",
            get("/__mock/clock"),
            status(200).json("/offset_seconds", 3600),
        ),
    ])
    .await;
}

#[tokio::test]
async fn unknown_routes_and_wrong_methods_answer_through_the_whole_router() {
    // The exact answers are scenarios (`scenarios/errors/wire/`); here every route kind reaches
    // its fallback, the control API's too.
    Mock::new()
        .check([
            (
                "no /userinfo",
                get("/userinfo"),
                entry("wire.unknown_route"),
            ),
            (
                "no database signup",
                post("/dbconnections/signup", json!({})),
                entry("wire.unknown_route"),
            ),
            (
                "GET on a POST route",
                get("/passwordless/start"),
                entry("wire.method_not_allowed"),
            ),
            (
                "POST on a GET route",
                post("/.well-known/jwks.json", json!({})),
                entry("wire.method_not_allowed"),
            ),
            (
                "an unknown control path",
                get("/__mock/nothing"),
                entry("wire.unknown_route"),
            ),
        ])
        .await;
}

#[tokio::test]
async fn a_token_the_mock_issued_verifies_against_the_first_key_of_the_jwks_it_serves() {
    let mock = Mock::new();
    let code = mock.email_code("native-app", "a@example.com").await;
    let reply = mock
        .otp_grant("email", "a@example.com", &code, json!({"scope": "openid"}))
        .await;
    let jwks = mock.call(get("/.well-known/jwks.json")).await.json;
    let claims = verify_with_jwks(reply.json["id_token"].as_str().unwrap(), &jwks);
    assert_eq!(claims["iss"], format!("{PUBLIC_URL}/"));
}
