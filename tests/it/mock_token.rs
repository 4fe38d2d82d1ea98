//! `POST /oauth/token` of the mock tenant: the passwordless OTP grant and its errors, in-process.

#![allow(
    clippy::unwrap_used,
    reason = "a test crate: a panic is a failed test, and clippy only exempts #[test] functions themselves"
)]

use crate::support::{
    CONFIDENTIAL_SECRET, Mock, PASSWORDLESS_OTP, PUBLIC_URL, query_param, verify_with_jwks,
    wrong_code,
};
use serde_json::{Value, json};

const TOKEN: &str = "/oauth/token";
const EMAIL: &str = "qa+token@example.com";
const PHONE: &str = "+15555550142";

async fn jwks(mock: &Mock) -> Value {
    mock.get("/.well-known/jwks.json").await.json
}

// ---- success (§3.2) -----------------------------------------------------------------------------

#[tokio::test]
async fn email_code_yields_access_and_id_token() {
    let mock = Mock::new();
    let code = mock.email_code("native-app", EMAIL).await;
    let reply = mock
        .otp_grant(
            "email",
            EMAIL,
            &code,
            json!({"scope": "openid email", "nonce": "n-1"}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json["token_type"], "Bearer");
    assert_eq!(reply.json["expires_in"], 86400);
    assert_eq!(reply.json["scope"], "openid email");
    assert!(reply.json.get("refresh_token").is_none());
    assert_eq!(reply.headers["cache-control"], "no-store");

    let jwks = jwks(&mock).await;
    let id = verify_with_jwks(reply.json["id_token"].as_str().unwrap(), &jwks);
    assert_eq!(id["iss"], format!("{PUBLIC_URL}/"));
    assert_eq!(id["aud"], "native-app");
    assert_eq!(id["email"], EMAIL);
    assert_eq!(id["email_verified"], true);
    assert_eq!(id["nonce"], "n-1");
    let sub = id["sub"].as_str().unwrap();
    let hex = sub.strip_prefix("email|").unwrap();
    assert_eq!(hex.len(), 24);
    assert!(id["exp"].as_u64().unwrap() > id["iat"].as_u64().unwrap());

    let access = verify_with_jwks(reply.json["access_token"].as_str().unwrap(), &jwks);
    assert_eq!(access["sub"], sub);
    assert_eq!(access["aud"], format!("{PUBLIC_URL}/userinfo"));
    assert_eq!(access["azp"], "native-app");
    assert_eq!(access["scope"], "openid email");
}

#[tokio::test]
async fn no_openid_scope_means_no_id_token() {
    let mock = Mock::new();
    let code = mock.email_code("native-app", EMAIL).await;
    let reply = mock.otp_grant("email", EMAIL, &code, json!({})).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert!(reply.json.get("id_token").is_none());
    assert!(reply.json["access_token"].is_string());
}

#[tokio::test]
async fn sms_code_yields_an_sms_user_with_phone_claims() {
    let mock = Mock::new();
    let code = mock.sms_code(PHONE).await;
    let reply = mock
        .otp_grant("sms", PHONE, &code, json!({"scope": "openid phone"}))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let id = verify_with_jwks(reply.json["id_token"].as_str().unwrap(), &jwks(&mock).await);
    assert!(id["sub"].as_str().unwrap().starts_with("sms|"));
    assert_eq!(id["phone_number"], PHONE);
    assert_eq!(id["phone_verified"], true);
}

#[tokio::test]
async fn audience_puts_the_api_and_userinfo_into_aud() {
    let mock = Mock::new();
    let code = mock.email_code("native-app", EMAIL).await;
    let reply = mock
        .otp_grant(
            "email",
            EMAIL,
            &code,
            json!({"scope": "openid", "audience": "https://api.example.com/"}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let access = verify_with_jwks(
        reply.json["access_token"].as_str().unwrap(),
        &jwks(&mock).await,
    );
    assert_eq!(
        access["aud"],
        json!(["https://api.example.com/", format!("{PUBLIC_URL}/userinfo")])
    );
}

#[tokio::test]
async fn offline_access_yields_a_refresh_token_that_refreshes() {
    let mock = Mock::new();
    let code = mock.email_code("native-app", EMAIL).await;
    let reply = mock
        .otp_grant(
            "email",
            EMAIL,
            &code,
            json!({"scope": "openid offline_access", "audience": "https://api.example.com/"}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let refresh_token = reply.json["refresh_token"].as_str().unwrap();
    assert_eq!(reply.json["scope"], "openid offline_access");

    let refreshed = mock
        .post_json(
            TOKEN,
            json!({"grant_type": "refresh_token", "client_id": "native-app", "refresh_token": refresh_token}),
        )
        .await;
    assert_eq!(refreshed.status, 200, "{}", refreshed.text);
    assert!(refreshed.json["access_token"].is_string());
    assert!(refreshed.json["id_token"].is_string());
}

#[tokio::test]
async fn offline_access_for_an_api_without_it_is_dropped() {
    let mock = Mock::new();
    let code = mock.email_code("native-app", EMAIL).await;
    let reply = mock
        .otp_grant(
            "email",
            EMAIL,
            &code,
            json!({"scope": "openid offline_access", "audience": "https://no-offline.example.com/"}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert!(reply.json.get("refresh_token").is_none());
    assert_eq!(reply.json["scope"], "openid");
}

#[tokio::test]
async fn an_unknown_refresh_token_is_invalid_grant() {
    let mock = Mock::new();
    mock.post_json(
        TOKEN,
        json!({"grant_type": "refresh_token", "client_id": "native-app", "refresh_token": "v1.nope"}),
    )
    .await
    .assert_error(403, "invalid_grant", "Unknown or invalid refresh token.");
}

#[tokio::test]
async fn the_second_login_reuses_the_user_created_by_the_first() {
    let mock = Mock::new();
    let mut subjects = Vec::new();
    for _ in 0..2 {
        let code = mock.email_code("native-app", EMAIL).await;
        let reply = mock
            .otp_grant("email", EMAIL, &code, json!({"scope": "openid"}))
            .await;
        let id = verify_with_jwks(reply.json["id_token"].as_str().unwrap(), &jwks(&mock).await);
        subjects.push(id["sub"].clone());
    }
    assert_eq!(subjects[0], subjects[1]);
}

#[tokio::test]
async fn a_seeded_user_logs_in_with_its_fixture_id() {
    let mock = Mock::new();
    let code = mock
        .email_code("native-app", "existing-user@example.com")
        .await;
    let reply = mock
        .otp_grant(
            "email",
            "existing-user@example.com",
            &code,
            json!({"scope": "openid"}),
        )
        .await;
    let id = verify_with_jwks(reply.json["id_token"].as_str().unwrap(), &jwks(&mock).await);
    assert_eq!(id["sub"], "email|65c4bca2b6c3ddf424cef5d5");
}

#[tokio::test]
async fn form_encoded_token_request_is_accepted() {
    let mock = Mock::new();
    let code = mock.email_code("native-app", EMAIL).await;
    let reply = mock
        .post_form(
            TOKEN,
            &[
                ("grant_type", PASSWORDLESS_OTP),
                ("client_id", "native-app"),
                ("realm", "email"),
                ("username", EMAIL),
                ("otp", &code),
            ],
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
}

#[tokio::test]
async fn confidential_client_authenticates_with_body_secret_or_basic() {
    let mock = Mock::new();
    let code = mock.email_code("regular-web-app", EMAIL).await;
    let reply = mock
        .post_json(
            TOKEN,
            json!({"grant_type": PASSWORDLESS_OTP, "client_id": "regular-web-app", "client_secret": CONFIDENTIAL_SECRET,
                   "realm": "email", "username": EMAIL, "otp": code}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);

    let code = mock.email_code("regular-web-app", EMAIL).await;
    let basic = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        format!("regular-web-app:{CONFIDENTIAL_SECRET}"),
    );
    let request = axum::http::Request::post(TOKEN)
        .header("content-type", "application/json")
        .header("authorization", format!("Basic {basic}"))
        .body(axum::body::Body::from(
            json!({"grant_type": PASSWORDLESS_OTP, "realm": "email", "username": EMAIL, "otp": code})
                .to_string(),
        ))
        .unwrap();
    let reply = mock.send(request).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
}

#[tokio::test]
async fn a_magic_link_code_exchanges_for_tokens_without_refresh_token() {
    let mock = Mock::new();
    mock.post_json(
        "/passwordless/start",
        json!({"client_id": "native-app", "connection": "email", "email": EMAIL, "send": "link",
               "authParams": {"redirect_uri": "https://app.example.com/cb", "scope": "openid offline_access"}}),
    )
    .await;
    let link = url::Url::parse(&mock.state.outbox().latest(EMAIL).unwrap().link.unwrap()).unwrap();
    let location = mock
        .get(&format!("{}?{}", link.path(), link.query().unwrap()))
        .await
        .location();
    let code = query_param(&location, "code").unwrap();
    let exchange = json!({"grant_type": "authorization_code", "client_id": "native-app", "code": code,
                          "redirect_uri": "https://app.example.com/cb"});
    let reply = mock.post_json(TOKEN, exchange.clone()).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert!(reply.json["id_token"].is_string());
    assert!(reply.json.get("refresh_token").is_none());
    mock.post_json(TOKEN, exchange).await.assert_error(
        403,
        "invalid_grant",
        "Invalid authorization code",
    );
}

// ---- errors (§3.3) ------------------------------------------------------------------------------

#[tokio::test]
async fn missing_client_id_is_invalid_request() {
    let mock = Mock::new();
    mock.post_json(TOKEN, json!({"grant_type": PASSWORDLESS_OTP}))
        .await
        .assert_error(400, "invalid_request", "missing client_id parameter");
}

#[tokio::test]
async fn missing_grant_type_is_invalid_request() {
    let mock = Mock::new();
    mock.post_json(TOKEN, json!({"client_id": "native-app"}))
        .await
        .assert_error(400, "invalid_request", "missing grant_type parameter");
}

#[tokio::test]
async fn unknown_client_is_invalid_client() {
    let mock = Mock::new();
    mock.post_json(
        TOKEN,
        json!({"grant_type": PASSWORDLESS_OTP, "client_id": "nobody"}),
    )
    .await
    .assert_error(401, "invalid_client", "Unknown client: nobody");
}

#[tokio::test]
async fn confidential_client_without_secret_is_invalid_client() {
    let mock = Mock::new();
    mock.post_json(
        TOKEN,
        json!({"grant_type": PASSWORDLESS_OTP, "client_id": "regular-web-app"}),
    )
    .await
    .assert_error(401, "invalid_client", "Client authentication is required");
}

#[tokio::test]
async fn confidential_client_with_a_wrong_secret_is_invalid_client() {
    let mock = Mock::new();
    mock.post_json(
        TOKEN,
        json!({"grant_type": PASSWORDLESS_OTP, "client_id": "regular-web-app", "client_secret": "guess"}),
    )
    .await
    .assert_error(401, "invalid_client", "Invalid client credentials");
}

#[tokio::test]
async fn grant_not_enabled_for_the_client_is_unauthorized_client_with_error_uri() {
    let mock = Mock::new();
    let reply = mock
        .post_json(
            TOKEN,
            json!({"grant_type": PASSWORDLESS_OTP, "client_id": "no-passwordless-app",
                   "realm": "email", "username": EMAIL, "otp": "123456"}),
        )
        .await;
    reply.assert_error(
        403,
        "unauthorized_client",
        "Grant type 'http://auth0.com/oauth/grant-type/passwordless/otp' not allowed for the client.",
    );
    assert_eq!(
        reply.json["error_uri"],
        "https://auth0.com/docs/clients/client-grant-types"
    );
}

#[tokio::test]
async fn an_unknown_grant_type_is_unsupported() {
    let mock = Mock::new();
    mock.post_json(
        TOKEN,
        json!({"grant_type": "magic", "client_id": "native-app"}),
    )
    .await
    .assert_error(
        400,
        "unsupported_grant_type",
        "Unsupported grant type: magic",
    );
}

#[tokio::test]
async fn missing_username_otp_or_realm_is_invalid_request() {
    let mock = Mock::new();
    let full = json!({"grant_type": PASSWORDLESS_OTP, "client_id": "native-app",
                      "realm": "email", "username": EMAIL, "otp": "123456"});
    for name in ["username", "otp", "realm"] {
        let mut body = full.clone();
        body.as_object_mut().unwrap().remove(name);
        mock.post_json(TOKEN, body).await.assert_error(
            400,
            "invalid_request",
            &format!("missing {name} parameter"),
        );
    }
}

#[tokio::test]
async fn a_non_string_parameter_is_invalid_request() {
    let mock = Mock::new();
    mock.otp_grant("email", EMAIL, "x", json!({"otp": 123456}))
        .await
        .assert_error(400, "invalid_request", "otp must be a string");
}

#[tokio::test]
async fn unknown_realm_means_the_connection_was_not_found() {
    let mock = Mock::new();
    mock.otp_grant("carrier-pigeon", EMAIL, "123456", json!({}))
        .await
        .assert_error(400, "invalid_request", "the connection was not found");
}

#[tokio::test]
async fn realm_not_enabled_for_the_client_means_the_connection_was_disabled() {
    let mock = Mock::new();
    mock.post_json(
        TOKEN,
        json!({"grant_type": PASSWORDLESS_OTP, "client_id": "email-only-app",
               "realm": "sms", "username": PHONE, "otp": "123456"}),
    )
    .await
    .assert_error(400, "invalid_request", "the connection was disabled");
}

#[tokio::test]
async fn wrong_email_code_is_invalid_grant() {
    let mock = Mock::new();
    let code = mock.email_code("native-app", EMAIL).await;
    mock.otp_grant("email", EMAIL, &wrong_code(&code), json!({}))
        .await
        .assert_error(403, "invalid_grant", "Wrong email or verification code.");
}

#[tokio::test]
async fn wrong_sms_code_is_invalid_grant() {
    let mock = Mock::new();
    let code = mock.sms_code(PHONE).await;
    mock.otp_grant("sms", PHONE, &wrong_code(&code), json!({}))
        .await
        .assert_error(
            403,
            "invalid_grant",
            "Wrong phone number or verification code.",
        );
}

#[tokio::test]
async fn a_code_without_a_start_is_wrong() {
    let mock = Mock::new();
    mock.otp_grant("email", EMAIL, "123456", json!({}))
        .await
        .assert_error(403, "invalid_grant", "Wrong email or verification code.");
}

#[tokio::test]
async fn a_superseded_code_is_rejected_like_a_wrong_one() {
    let mock = Mock::new();
    let first = mock.email_code("native-app", EMAIL).await;
    let second = loop {
        let code = mock.email_code("native-app", EMAIL).await;
        if code != first {
            break code;
        }
    };
    mock.otp_grant("email", EMAIL, &first, json!({}))
        .await
        .assert_error(403, "invalid_grant", "Wrong email or verification code.");
    assert_eq!(
        mock.otp_grant("email", EMAIL, &second, json!({}))
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn a_used_code_cannot_be_used_again() {
    let mock = Mock::new();
    let code = mock.email_code("native-app", EMAIL).await;
    assert_eq!(
        mock.otp_grant("email", EMAIL, &code, json!({}))
            .await
            .status,
        200
    );
    mock.otp_grant("email", EMAIL, &code, json!({}))
        .await
        .assert_error(403, "invalid_grant", "Wrong email or verification code.");
}

#[tokio::test]
async fn expired_code_is_rejected_with_invalid_grant() {
    let mock = Mock::new();
    let code = mock.email_code("native-app", EMAIL).await;
    mock.state.clock().advance(180);
    mock.otp_grant("email", EMAIL, &code, json!({}))
        .await
        .assert_error(
            403,
            "invalid_grant",
            "The verification code has expired. Please try to login again.",
        );
}

#[tokio::test]
async fn a_code_is_still_valid_just_before_its_lifetime_ends() {
    let mock = Mock::new();
    let code = mock.email_code("native-app", EMAIL).await;
    mock.state.clock().advance(178);
    assert_eq!(
        mock.otp_grant("email", EMAIL, &code, json!({}))
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn the_third_wrong_attempt_exhausts_the_code_and_the_right_code_then_fails() {
    let mock = Mock::new();
    let code = mock.email_code("native-app", EMAIL).await;
    let wrong = wrong_code(&code);
    for _ in 0..2 {
        mock.otp_grant("email", EMAIL, &wrong, json!({}))
            .await
            .assert_error(403, "invalid_grant", "Wrong email or verification code.");
    }
    let exhausted = "You've reached the maximum number of attempts. Please try to login again.";
    mock.otp_grant("email", EMAIL, &wrong, json!({}))
        .await
        .assert_error(403, "invalid_grant", exhausted);
    mock.otp_grant("email", EMAIL, &code, json!({}))
        .await
        .assert_error(403, "invalid_grant", exhausted);
    let fresh = mock.email_code("native-app", EMAIL).await;
    assert_eq!(
        mock.otp_grant("email", EMAIL, &fresh, json!({}))
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn unknown_audience_is_service_not_found_and_does_not_burn_the_code() {
    let mock = Mock::new();
    let code = mock.email_code("native-app", EMAIL).await;
    mock.otp_grant(
        "email",
        EMAIL,
        &code,
        json!({"audience": "https://nope.example.com/"}),
    )
    .await
    .assert_error(
        403,
        "access_denied",
        "Service not found: https://nope.example.com/",
    );
    assert_eq!(
        mock.otp_grant("email", EMAIL, &code, json!({}))
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn mfa_grants_need_the_grant_on_the_client_and_an_mfa_token() {
    let mock = Mock::new();
    mock.post_json(
        TOKEN,
        json!({"grant_type": "http://auth0.com/oauth/grant-type/mfa-otp", "client_id": "no-passwordless-app"}),
    )
    .await
    .assert_error(
        403,
        "unauthorized_client",
        "Grant type 'http://auth0.com/oauth/grant-type/mfa-otp' not allowed for the client.",
    );
    // The grants themselves are tested in tests/mock_mfa*.rs.
    mock.post_json(
        TOKEN,
        json!({"grant_type": "http://auth0.com/oauth/grant-type/mfa-otp", "client_id": "native-app"}),
    )
    .await
    .assert_error(400, "invalid_request", "missing mfa_token parameter");
}

#[tokio::test]
async fn malformed_token_bodies_are_invalid_request_json() {
    let mock = Mock::new();
    mock.post_raw(TOKEN, Some("application/json"), "{")
        .await
        .assert_error(400, "invalid_request", "Invalid JSON body");
    mock.post_raw(TOKEN, Some("text/xml"), "<a/>")
        .await
        .assert_error(415, "invalid_request", "Unsupported content type: text/xml");
    mock.post_raw(TOKEN, Some("application/json"), "x".repeat(65 * 1024))
        .await
        .assert_error(
            413,
            "invalid_request",
            "Request body is larger than 65536 bytes",
        );
}

// ---- leniency found by running auth0-python against the mock ------------------------------------

#[tokio::test]
async fn null_optional_parameters_count_as_absent() {
    let mock = Mock::new();
    let code = mock.email_code("native-app", EMAIL).await;
    // auth0-python's passwordless `login` sends every omitted argument as JSON null.
    let reply = mock
        .otp_grant(
            "email",
            EMAIL,
            &code,
            json!({"audience": null, "scope": null, "nonce": null, "redirect_uri": null,
                   "client_secret": null, "client_assertion": null, "client_assertion_type": null}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert!(reply.json.get("id_token").is_none(), "{}", reply.text);
    // The same for a confidential client's secret: `null` is no secret.
    mock.otp_grant(
        "email",
        EMAIL,
        "000000",
        json!({"client_id": "regular-web-app", "client_secret": null}),
    )
    .await
    .assert_error(401, "invalid_client", "Client authentication is required");
}

#[tokio::test]
async fn a_null_required_parameter_is_missing() {
    let mock = Mock::new();
    mock.post_json(
        TOKEN,
        json!({"client_id": "native-app", "grant_type": null}),
    )
    .await
    .assert_error(400, "invalid_request", "missing grant_type parameter");
    mock.otp_grant("email", EMAIL, "123456", json!({"realm": null}))
        .await
        .assert_error(400, "invalid_request", "missing realm parameter");
}

#[tokio::test]
async fn a_request_refused_for_a_bad_parameter_leaves_the_code_redeemable() {
    let mock = Mock::new();
    let code = mock.email_code("native-app", EMAIL).await;
    for (extra, message) in [
        (json!({"scope": 42}), "scope must be a string"),
        (json!({"nonce": ["n"]}), "nonce must be a string"),
        (json!({"audience": false}), "audience must be a string"),
    ] {
        mock.otp_grant("email", EMAIL, &code, extra)
            .await
            .assert_error(400, "invalid_request", message);
    }
    let reply = mock
        .otp_grant("email", EMAIL, &code, json!({"scope": "openid"}))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
}

#[tokio::test]
async fn an_authorization_code_refused_for_its_redirect_uri_or_client_stays_redeemable() {
    let mock = Mock::new();
    mock.post_json(
        "/passwordless/start",
        json!({"client_id": "native-app", "connection": "email", "email": EMAIL, "send": "link",
               "authParams": {"redirect_uri": "https://app.example.com/cb", "scope": "openid"}}),
    )
    .await;
    let link = url::Url::parse(&mock.state.outbox().latest(EMAIL).unwrap().link.unwrap()).unwrap();
    let location = mock
        .get(&format!("{}?{}", link.path(), link.query().unwrap()))
        .await
        .location();
    let code = query_param(&location, "code").unwrap();
    let exchange = |client_id: &str, redirect_uri: &str| {
        json!({"grant_type": "authorization_code", "client_id": client_id, "code": code,
               "redirect_uri": redirect_uri})
    };
    mock.post_json(TOKEN, exchange("native-app", "https://evil.example.com/cb"))
        .await
        .assert_error(403, "invalid_grant", "Invalid redirect_uri");
    mock.post_json(
        TOKEN,
        exchange("email-only-app", "https://app.example.com/cb"),
    )
    .await
    .assert_error(403, "invalid_grant", "Invalid authorization code");
    let reply = mock
        .post_json(TOKEN, exchange("native-app", "https://app.example.com/cb"))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
}
