//! `POST /passwordless/start` and `GET /passwordless/verify_redirect` of the mock tenant, in-process.

#![allow(
    clippy::unwrap_used,
    reason = "a test crate: a panic is a failed test, and clippy only exempts #[test] functions themselves"
)]

use std::path::Path;

use crate::support::{CONFIDENTIAL_SECRET, Mock, PUBLIC_URL, query_param, wrong_code};
use passwordless_conformance::mock::Tenant;
use serde_json::json;

const START: &str = "/passwordless/start";

fn email_start() -> serde_json::Value {
    json!({"client_id": "native-app", "connection": "email", "email": "qa+001@example.com", "send": "code"})
}

// ---- success ------------------------------------------------------------------------------------

#[tokio::test]
async fn email_start_answers_id_email_and_email_verified_false() {
    let mock = Mock::new();
    let reply = mock.post_json(START, email_start()).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let id = reply.json["_id"].as_str().unwrap();
    assert_eq!(id.len(), 24);
    assert!(id.chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(reply.json["email"], "qa+001@example.com");
    assert_eq!(reply.json["email_verified"], false);
    assert_eq!(reply.json.as_object().unwrap().len(), 3);
}

#[tokio::test]
async fn sms_start_answers_id_phone_number_and_request_language() {
    let mock = Mock::new();
    let reply = mock
        .post_json(
            START,
            json!({"client_id": "native-app", "connection": "sms", "phone_number": "+15555550100", "send": "code"}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json["phone_number"], "+15555550100");
    assert_eq!(reply.json["request_language"], serde_json::Value::Null);
    assert_eq!(reply.json["_id"].as_str().unwrap().len(), 24);
}

#[tokio::test]
async fn email_code_is_recorded_in_the_outbox() {
    let mock = Mock::new();
    mock.post_json(START, email_start()).await;
    let message = mock.state.outbox().latest("qa+001@example.com").unwrap();
    assert_eq!(message.code.len(), 6);
    assert!(message.code.chars().all(|c| c.is_ascii_digit()));
    assert!(message.body.contains(&message.code), "{}", message.body);
    assert_eq!(message.link, None);
    assert!(humantime::parse_rfc3339(&message.sent_at).is_ok());
}

#[tokio::test]
async fn sms_body_says_your_verification_code_is() {
    let mock = Mock::new();
    let code = mock.sms_code("+15555550199").await;
    let message = mock.state.outbox().latest("+15555550199").unwrap();
    assert_eq!(message.body, format!("Your verification code is: {code}"));
}

#[tokio::test]
async fn confidential_client_with_its_secret_may_start() {
    let mock = Mock::new();
    let reply = mock
        .post_json(
            START,
            json!({"client_id": "regular-web-app", "client_secret": CONFIDENTIAL_SECRET,
                   "connection": "email", "email": "a@example.com", "send": "code"}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
}

#[tokio::test]
async fn form_encoded_start_is_accepted_leniently() {
    let mock = Mock::new();
    let reply = mock
        .post_form(
            START,
            &[
                ("client_id", "native-app"),
                ("connection", "sms"),
                ("phone_number", "+15555550100"),
                ("send", "code"),
            ],
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
}

#[tokio::test]
async fn custom_otp_length_is_respected() {
    let yaml = "clients:\n  - {client_id: c, name: C, role: native, app_type: native, connections: [email]}\nconnections:\n  - {name: email, strategy: email, otp_length: 8}\n";
    let mock = Mock::with_tenant(Tenant::from_yaml_str(yaml, Path::new("t.yaml")).unwrap());
    let code = mock.email_code("c", "a@example.com").await;
    assert_eq!(code.len(), 8);
}

// ---- links --------------------------------------------------------------------------------------

#[tokio::test]
async fn link_start_emails_a_verify_redirect_link_with_auth_params() {
    let mock = Mock::new();
    let reply = mock
        .post_json(
            START,
            json!({"client_id": "native-app", "connection": "email", "email": "a@example.com", "send": "link",
                   "authParams": {"response_type": "code", "redirect_uri": "https://app.example.com/cb",
                                  "scope": "openid email", "state": "xyz", "nonce": "n-1"}}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let message = mock.state.outbox().latest("a@example.com").unwrap();
    let link = url::Url::parse(message.link.as_deref().unwrap()).unwrap();
    assert_eq!(
        link.as_str().split('?').next().unwrap(),
        format!("{PUBLIC_URL}/passwordless/verify_redirect")
    );
    assert_eq!(query_param(&link, "client_id").unwrap(), "native-app");
    assert_eq!(query_param(&link, "connection").unwrap(), "email");
    assert_eq!(query_param(&link, "email").unwrap(), "a@example.com");
    assert_eq!(
        query_param(&link, "verification_code").unwrap(),
        message.code
    );
    assert_eq!(
        query_param(&link, "redirect_uri").unwrap(),
        "https://app.example.com/cb"
    );
    assert_eq!(query_param(&link, "state").unwrap(), "xyz");
    assert!(message.body.contains(link.as_str()));
}

#[tokio::test]
async fn omitted_send_defaults_to_a_link_for_email() {
    let mock = Mock::new();
    mock.post_json(
        START,
        json!({"client_id": "native-app", "connection": "email", "email": "a@example.com"}),
    )
    .await;
    assert!(
        mock.state
            .outbox()
            .latest("a@example.com")
            .unwrap()
            .link
            .is_some()
    );
}

#[tokio::test]
async fn link_ios_and_link_android_point_at_app_paths_with_the_code() {
    let mock = Mock::new();
    for (send, platform) in [("link_ios", "ios"), ("link_android", "android")] {
        mock.post_json(
            START,
            json!({"client_id": "native-app", "connection": "email", "email": "a@example.com", "send": send}),
        )
        .await;
        let message = mock.state.outbox().latest("a@example.com").unwrap();
        assert_eq!(
            message.link.unwrap(),
            format!(
                "{PUBLIC_URL}/{platform}/native-app/email?code={}",
                message.code
            )
        );
    }
}

async fn link_for(mock: &Mock, email: &str, auth_params: serde_json::Value) -> url::Url {
    let reply = mock
        .post_json(
            START,
            json!({"client_id": "native-app", "connection": "email", "email": email, "send": "link", "authParams": auth_params}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    url::Url::parse(&mock.state.outbox().latest(email).unwrap().link.unwrap()).unwrap()
}

fn path_and_query(url: &url::Url) -> String {
    format!("{}?{}", url.path(), url.query().unwrap_or(""))
}

#[tokio::test]
async fn opening_a_link_redirects_with_an_authorization_code_and_state() {
    let mock = Mock::new();
    let link = link_for(
        &mock,
        "a@example.com",
        json!({"redirect_uri": "https://app.example.com/cb", "state": "s-1", "response_type": "code"}),
    )
    .await;
    let reply = mock.get(&path_and_query(&link)).await;
    assert_eq!(reply.status, 302, "{}", reply.text);
    let location = reply.location();
    assert!(location.as_str().starts_with("https://app.example.com/cb?"));
    assert!(query_param(&location, "code").is_some_and(|code| !code.is_empty()));
    assert_eq!(query_param(&location, "state").unwrap(), "s-1");
}

#[tokio::test]
async fn a_link_works_once_then_redirects_with_access_denied() {
    let mock = Mock::new();
    let link = link_for(
        &mock,
        "a@example.com",
        json!({"redirect_uri": "https://app.example.com/cb", "state": "s-1"}),
    )
    .await;
    assert_eq!(mock.get(&path_and_query(&link)).await.status, 302);
    let reply = mock.get(&path_and_query(&link)).await;
    assert_eq!(reply.status, 302);
    let location = reply.location();
    assert_eq!(query_param(&location, "error").unwrap(), "access_denied");
    assert_eq!(
        query_param(&location, "error_description").unwrap(),
        "Wrong email or verification code."
    );
    assert_eq!(query_param(&location, "state").unwrap(), "s-1");
    assert_eq!(query_param(&location, "code"), None);
}

#[tokio::test]
async fn an_expired_link_redirects_with_the_expiry_text() {
    let mock = Mock::new();
    let link = link_for(
        &mock,
        "a@example.com",
        json!({"redirect_uri": "https://app.example.com/cb"}),
    )
    .await;
    mock.state.clock().advance(181);
    let location = mock.get(&path_and_query(&link)).await.location();
    assert_eq!(
        query_param(&location, "error_description").unwrap(),
        "The verification code has expired. Please try to login again."
    );
}

#[tokio::test]
async fn a_link_without_redirect_uri_is_a_json_400() {
    let mock = Mock::new();
    let link = link_for(&mock, "a@example.com", json!({})).await;
    mock.get(&path_and_query(&link)).await.assert_error(
        400,
        "bad.redirect_uri",
        "Missing required property: redirect_uri",
    );
}

#[tokio::test]
async fn a_link_with_a_relative_redirect_uri_is_a_json_400() {
    let mock = Mock::new();
    let link = link_for(&mock, "a@example.com", json!({"redirect_uri": "/cb"})).await;
    mock.get(&path_and_query(&link)).await.assert_error(
        400,
        "bad.redirect_uri",
        "Invalid redirect_uri: /cb",
    );
}

#[tokio::test]
async fn a_link_asking_for_tokens_redirects_with_unsupported_response_type() {
    let mock = Mock::new();
    let link = link_for(
        &mock,
        "a@example.com",
        json!({"redirect_uri": "https://app.example.com/cb", "response_type": "token"}),
    )
    .await;
    let location = mock.get(&path_and_query(&link)).await.location();
    assert_eq!(
        query_param(&location, "error").unwrap(),
        "unsupported_response_type"
    );
}

#[tokio::test]
async fn a_link_for_an_unknown_audience_redirects_with_service_not_found() {
    let mock = Mock::new();
    let link = link_for(
        &mock,
        "a@example.com",
        json!({"redirect_uri": "https://app.example.com/cb", "audience": "https://nope.example.com/"}),
    )
    .await;
    let location = mock.get(&path_and_query(&link)).await.location();
    assert_eq!(query_param(&location, "error").unwrap(), "access_denied");
    assert_eq!(
        query_param(&location, "error_description").unwrap(),
        "Service not found: https://nope.example.com/"
    );
}

#[tokio::test]
async fn verify_redirect_without_client_id_is_a_json_400() {
    let mock = Mock::new();
    mock.get("/passwordless/verify_redirect")
        .await
        .assert_error(400, "bad.client_id", "Missing required property: client_id");
}

#[tokio::test]
async fn a_wrong_code_in_a_link_counts_as_an_attempt() {
    let mock = Mock::new();
    let link = link_for(
        &mock,
        "a@example.com",
        json!({"redirect_uri": "https://app.example.com/cb"}),
    )
    .await;
    let code = query_param(&link, "verification_code").unwrap();
    let mut wrong = link.clone();
    wrong.set_query(Some(&link.query().unwrap().replace(
        &format!("verification_code={code}"),
        &format!("verification_code={}", wrong_code(&code)),
    )));
    for _ in 0..3 {
        mock.get(&path_and_query(&wrong)).await;
    }
    let location = mock.get(&path_and_query(&link)).await.location();
    assert_eq!(
        query_param(&location, "error_description").unwrap(),
        "You've reached the maximum number of attempts. Please try to login again."
    );
}

// ---- errors (§2.4), in Auth0's order ------------------------------------------------------------

#[tokio::test]
async fn missing_client_id_is_bad_client_id() {
    let mock = Mock::new();
    mock.post_json(
        START,
        json!({"connection": "email", "email": "a@example.com"}),
    )
    .await
    .assert_error(400, "bad.client_id", "Missing required property: client_id");
}

#[tokio::test]
async fn empty_body_is_missing_client_id() {
    let mock = Mock::new();
    mock.post_raw(START, None, "").await.assert_error(
        400,
        "bad.client_id",
        "Missing required property: client_id",
    );
}

#[tokio::test]
async fn unknown_property_is_not_allowed() {
    let mock = Mock::new();
    let mut body = email_start();
    body["colour"] = json!("red");
    mock.post_json(START, body).await.assert_error(
        400,
        "bad.request",
        "the following properties are not allowed: colour",
    );
}

#[tokio::test]
async fn unknown_client_is_bad_client_id() {
    let mock = Mock::new();
    let mut body = email_start();
    body["client_id"] = json!("nobody");
    mock.post_json(START, body)
        .await
        .assert_error(400, "bad.client_id", "Unknown client: nobody");
}

#[tokio::test]
async fn confidential_client_without_secret_needs_client_authentication() {
    let mock = Mock::new();
    let mut body = email_start();
    body["client_id"] = json!("regular-web-app");
    mock.post_json(START, body).await.assert_error(
        403,
        "unauthorized_client",
        "Client authentication is required",
    );
}

#[tokio::test]
async fn confidential_client_with_a_wrong_secret_is_invalid_client() {
    let mock = Mock::new();
    let mut body = email_start();
    body["client_id"] = json!("regular-web-app");
    body["client_secret"] = json!("guess");
    mock.post_json(START, body).await.assert_error(
        401,
        "invalid_client",
        "Invalid client credentials",
    );
}

#[tokio::test]
async fn missing_connection_is_bad_connection() {
    let mock = Mock::new();
    mock.post_json(
        START,
        json!({"client_id": "native-app", "email": "a@example.com"}),
    )
    .await
    .assert_error(
        400,
        "bad.connection",
        "Missing required property: connection",
    );
}

#[tokio::test]
async fn unknown_connection_does_not_exist() {
    let mock = Mock::new();
    let mut body = email_start();
    body["connection"] = json!("carrier-pigeon");
    mock.post_json(START, body).await.assert_error(
        400,
        "bad.connection",
        "Connection does not exist",
    );
}

#[tokio::test]
async fn connection_not_enabled_for_the_client_is_disabled() {
    let mock = Mock::new();
    mock.post_json(
        START,
        json!({"client_id": "email-only-app", "connection": "sms", "phone_number": "+15555550100"}),
    )
    .await
    .assert_error(400, "bad.connection", "Connection is disabled");
}

#[tokio::test]
async fn sms_without_phone_number_is_bad_phone_number() {
    let mock = Mock::new();
    mock.post_json(
        START,
        json!({"client_id": "native-app", "connection": "sms"}),
    )
    .await
    .assert_error(
        400,
        "bad.phone_number",
        "Missing required property: phone_number",
    );
}

#[tokio::test]
async fn phone_number_not_in_e164_does_not_match_the_pattern() {
    let mock = Mock::new();
    for phone in ["5555550100", "+1 555 555 0100", "+1234567890123456"] {
        mock.post_json(
            START,
            json!({"client_id": "native-app", "connection": "sms", "phone_number": phone}),
        )
        .await
        .assert_error(
            400,
            "bad.phone_number",
            r"String does not match pattern: ^\+[0-9]{1,15}$",
        );
    }
}

#[tokio::test]
async fn email_connection_without_email_is_bad_email() {
    let mock = Mock::new();
    mock.post_json(
        START,
        json!({"client_id": "native-app", "connection": "email"}),
    )
    .await
    .assert_error(400, "bad.email", "Missing required property: email");
}

#[tokio::test]
async fn malformed_email_is_bad_email() {
    let mock = Mock::new();
    let mut body = email_start();
    body["email"] = json!("not-an-address");
    mock.post_json(START, body).await.assert_error(
        400,
        "bad.email",
        "Object didn't pass validation for format email: not-an-address",
    );
}

#[tokio::test]
async fn auth_params_that_is_not_an_object_is_bad_auth_params() {
    let mock = Mock::new();
    for (value, type_name) in [
        (json!("x"), "string"),
        (json!([1]), "array"),
        (json!(3), "integer"),
    ] {
        let mut body = email_start();
        body["authParams"] = value;
        mock.post_json(START, body).await.assert_error(
            400,
            "bad.authParams",
            &format!("error in authParams - invalid type: {type_name} (expected object)"),
        );
    }
}

#[tokio::test]
async fn unknown_send_value_is_bad_send() {
    let mock = Mock::new();
    let mut body = email_start();
    body["send"] = json!("pigeon");
    mock.post_json(START, body).await.assert_error(
        400,
        "bad.send",
        "No enum match for: \"pigeon\"",
    );
}

#[tokio::test]
async fn a_field_of_the_wrong_type_is_a_400_not_a_crash() {
    let mock = Mock::new();
    let mut body = email_start();
    body["email"] = json!(5);
    mock.post_json(START, body).await.assert_error(
        400,
        "bad.email",
        "Expected type string but found type integer",
    );
    mock.post_json(START, json!({"client_id": null}))
        .await
        .assert_error(
            400,
            "bad.client_id",
            "Expected type string but found type null",
        );
}

#[tokio::test]
async fn disabled_signup_refuses_unknown_identifiers_but_serves_known_users() {
    let yaml = "clients:\n  - {client_id: c, name: C, role: native, app_type: native, connections: [email]}\nconnections:\n  - {name: email, strategy: email, disable_signup: true}\nusers:\n  - {user_id: 'email|65c4bca2b6c3ddf424cef5d5', connection: email, email: known@example.com}\n";
    let mock = Mock::with_tenant(Tenant::from_yaml_str(yaml, Path::new("t.yaml")).unwrap());
    mock.post_json(
        START,
        json!({"client_id": "c", "connection": "email", "email": "new@example.com", "send": "code"}),
    )
    .await
    .assert_error(403, "access_denied", "Signups are not allowed for this connection");
    let code = mock.email_code("c", "Known@Example.com").await;
    assert_eq!(code.len(), 6);
}

// ---- broken bodies ------------------------------------------------------------------------------

#[tokio::test]
async fn malformed_json_is_a_json_400() {
    let mock = Mock::new();
    mock.post_raw(START, Some("application/json"), "{\"client_id\":")
        .await
        .assert_error(400, "bad.request", "Invalid JSON body");
}

#[tokio::test]
async fn a_json_array_body_is_a_json_400() {
    let mock = Mock::new();
    mock.post_raw(START, Some("application/json"), "[]")
        .await
        .assert_error(400, "bad.request", "Request body must be a JSON object");
}

#[tokio::test]
async fn an_unsupported_content_type_is_a_json_415() {
    let mock = Mock::new();
    mock.post_raw(START, Some("text/plain"), "client_id=native-app")
        .await
        .assert_error(415, "bad.request", "Unsupported content type: text/plain");
}

#[tokio::test]
async fn an_oversized_body_is_a_json_413() {
    let mock = Mock::new();
    let body = format!("{{\"client_id\":\"{}\"}}", "x".repeat(70 * 1024));
    mock.post_raw(START, Some("application/json"), body)
        .await
        .assert_error(
            413,
            "bad.request",
            "Request body is larger than 65536 bytes",
        );
}

#[tokio::test]
async fn null_optional_properties_count_as_absent() {
    let mock = Mock::new();
    // auth0-python sends omitted fields as JSON null.
    let reply = mock
        .post_json(
            START,
            json!({"client_id": "native-app", "connection": "email", "email": "null@example.com",
                   "send": null, "authParams": null, "client_secret": null,
                   "client_assertion": null, "client_assertion_type": null}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    // No `send` means a link for e-mail, as without the property.
    let message = mock.state.outbox().latest("null@example.com").unwrap();
    assert!(message.link.is_some(), "{message:?}");
    // Required properties still must be strings.
    mock.post_json(
        START,
        json!({"client_id": "native-app", "connection": null, "email": "null@example.com"}),
    )
    .await
    .assert_error(
        400,
        "bad.connection",
        "Expected type string but found type null",
    );
}

// ---- under contention ---------------------------------------------------------------------------

/// Two hundred parallel starts for one address, fifty rounds: the outbox's newest message must
/// carry the code the store accepts. Before issuing and recording were one step, about one round
/// in eight (eight worker threads on two cores) left an older, already replaced code in the
/// outbox. Eight threads on purpose: more threads than cores get preempted between steps.
#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn the_outbox_keeps_the_newest_code_under_parallel_starts() {
    for round in 0..50 {
        let mock = std::sync::Arc::new(Mock::new());
        let email = format!("contended-{round}@example.com");
        let mut starts = tokio::task::JoinSet::new();
        for _ in 0..200 {
            let (mock, email) = (std::sync::Arc::clone(&mock), email.clone());
            starts.spawn(async move {
                let body = json!({"client_id": "native-app", "connection": "email", "email": email, "send": "code"});
                mock.post_json(START, body).await.status
            });
        }
        while let Some(status) = starts.join_next().await {
            assert_eq!(status.unwrap(), 200);
        }
        let code = mock.last_code(&email);
        let reply = mock.otp_grant("email", &email, &code, json!({})).await;
        assert_eq!(
            reply.status, 200,
            "round {round}: the outbox kept a replaced code: {}",
            reply.text
        );
    }
}
