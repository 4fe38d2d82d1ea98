//! `POST /oauth/token` of the mock tenant, in-process: what the passwordless OTP, authorization
//! code and refresh grants mint, and the mechanics behind them (users, clients, bodies, which
//! parameters are checked before a code is spent). The exact errors are Auth0's contract and
//! live in `scenarios/errors/token/`; these tests name them by catalogue entry.

use crate::support::{
    CONFIDENTIAL_SECRET, MFA_OTP, Mock, PASSWORDLESS_OTP, PUBLIC_URL, entry, entry_with, get,
    otp_grant, post, post_form, post_raw, query_param, status, verify_with_jwks,
};
use serde_json::{Value, json};

const TOKEN: &str = "/oauth/token";
const EMAIL: &str = "qa+token@example.com";
const PHONE: &str = "+15555550142";

async fn jwks(mock: &Mock) -> Value {
    mock.call(get("/.well-known/jwks.json")).await.json
}

// ---- success ------------------------------------------------------------------------------------

#[tokio::test]
async fn email_code_yields_an_opaque_access_token_and_an_id_token() {
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
    reply.expect(
        status(200)
            .json("/token_type", "Bearer")
            .json("/expires_in", 86400)
            .json("/scope", "openid email")
            .header("cache-control", "no-store")
            .header("content-type", "application/json"),
    );
    assert!(reply.json.get("refresh_token").is_none());

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

    assert!(id.get("name").is_none(), "no profile scope: {id}");
    // Without an API audience the access token is opaque: a five-part JWE shape, never a JWS.
    let access = reply.json["access_token"].as_str().unwrap();
    assert_eq!(access.split('.').count(), 5, "{access}");
    assert!(passwordless_conformance::redact::decode_jwt(access).is_none());
}

#[tokio::test]
async fn the_profile_scope_adds_name_nickname_picture_and_updated_at() {
    let mock = Mock::new();
    let code = mock.email_code("native-app", "Test-User@example.com").await;
    let reply = mock
        .otp_grant(
            "email",
            "Test-User@example.com",
            &code,
            json!({"scope": "openid profile"}),
        )
        .await;
    reply.expect(status(200));
    let id = verify_with_jwks(reply.json["id_token"].as_str().unwrap(), &jwks(&mock).await);
    assert_eq!(id["name"], "test-user@example.com");
    assert_eq!(id["nickname"], "test-user");
    assert_eq!(
        id["picture"],
        "https://s.gravatar.com/avatar/3664adb7d1eea0bd7d0b134577663889?s=480&r=pg&d=https%3A%2F%2Fcdn.auth0.com%2Favatars%2Fte.png"
    );
    let updated_at = id["updated_at"].as_str().unwrap();
    assert!(updated_at.ends_with(".000Z"), "{updated_at}");
    assert!(id.get("email").is_none());
}

#[tokio::test]
async fn the_mfa_api_audience_keeps_only_its_scopes_and_lives_ten_minutes() {
    let mock = Mock::new();
    let access = mock.mfa_access_token("totp_enrolled").await;
    let claims = verify_with_jwks(&access, &jwks(&mock).await);
    assert_eq!(
        claims["aud"],
        json!([
            format!("{PUBLIC_URL}/mfa/"),
            format!("{PUBLIC_URL}/userinfo")
        ])
    );
    assert_eq!(
        claims["scope"],
        "openid enroll read:authenticators remove:authenticators"
    );
    assert_eq!(
        claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(),
        600
    );
    // A scope the MFA API does not have is dropped.
    mock.settle_at_step_start();
    let token = mock
        .mfa_token(
            "totp_enrolled",
            json!({"audience": format!("{PUBLIC_URL}/mfa/"), "scope": "read:authenticators write:things"}),
        )
        .await;
    mock.state.clock().advance(30);
    let otp = mock.totp_at(&mock.totp_secret("totp_enrolled"), 0);
    mock.mfa_grant(MFA_OTP, json!({"mfa_token": token, "otp": otp}))
        .await
        .expect(
            status(200)
                .json("/scope", "read:authenticators")
                .json("/expires_in", 600),
        );
}

#[tokio::test]
async fn no_openid_scope_means_no_id_token() {
    let mock = Mock::new();
    let code = mock.email_code("native-app", EMAIL).await;
    let reply = mock.otp_grant("email", EMAIL, &code, json!({})).await;
    reply.expect(status(200));
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
    reply.expect(status(200));
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
    reply.expect(status(200));
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
    reply.expect(status(200).json("/scope", "openid offline_access"));
    let refresh_token = reply.json["refresh_token"].as_str().unwrap();
    let refresh = |token: &str| {
        post(
            TOKEN,
            json!({"grant_type": "refresh_token", "client_id": "native-app", "refresh_token": token}),
        )
    };
    let refreshed = mock.call(refresh(refresh_token)).await;
    refreshed.expect(status(200));
    assert!(refreshed.json["access_token"].is_string());
    assert!(refreshed.json["id_token"].is_string());
    mock.check([
        (
            "the same token again: refresh tokens are reusable",
            refresh(refresh_token),
            status(200),
        ),
        (
            "the token of another client",
            refresh(refresh_token).with(json!({"client_id": "no-passwordless-app"})),
            entry("token.refresh.invalid"),
        ),
    ])
    .await;
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
    reply.expect(status(200).json("/scope", "openid"));
    assert!(reply.json.get("refresh_token").is_none());
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
    let email = "existing-user@example.com";
    let code = mock.email_code("native-app", email).await;
    let reply = mock
        .otp_grant("email", email, &code, json!({"scope": "openid"}))
        .await;
    let id = verify_with_jwks(reply.json["id_token"].as_str().unwrap(), &jwks(&mock).await);
    assert_eq!(id["sub"], "email|65c4bca2b6c3ddf424cef5d5");
}

#[tokio::test]
async fn clients_send_forms_and_confidential_clients_their_secret_in_the_body_or_basic() {
    let mock = Mock::new();
    let form_code = mock.email_code("native-app", EMAIL).await;
    let form = post_form(
        TOKEN,
        &[
            ("grant_type", PASSWORDLESS_OTP),
            ("client_id", "native-app"),
            ("realm", "email"),
            ("username", EMAIL),
            ("otp", &form_code),
        ],
    );
    mock.check([("a form body", form, status(200))]).await;
    let confidential =
        |code: &str| otp_grant("email", EMAIL, code).with(json!({"client_id": "regular-web-app"}));
    let code = mock.email_code("regular-web-app", EMAIL).await;
    mock.check([(
        "the secret in the body",
        confidential(&code).with(json!({"client_secret": CONFIDENTIAL_SECRET})),
        status(200),
    )])
    .await;
    let code = mock.email_code("regular-web-app", EMAIL).await;
    mock.check([(
        "the secret as HTTP Basic, no client_id in the body",
        confidential(&code)
            .without("client_id")
            .basic("regular-web-app", CONFIDENTIAL_SECRET),
        status(200),
    )])
    .await;
}

#[tokio::test]
async fn a_magic_link_code_exchanges_once_for_tokens_without_refresh_token() {
    let mock = Mock::new();
    let code = magic_link_code(&mock, "openid offline_access").await;
    let exchange = |client_id: &str, redirect_uri: &str| {
        post(
            TOKEN,
            json!({"grant_type": "authorization_code", "client_id": client_id, "code": code,
                   "redirect_uri": redirect_uri}),
        )
    };
    // A code refused for its redirect_uri or client stays redeemable.
    mock.check([
        (
            "another redirect_uri",
            exchange("native-app", "https://evil.example.com/cb"),
            entry("token.code.redirect_mismatch"),
        ),
        (
            "another client",
            exchange("email-only-app", "https://app.example.com/cb"),
            entry("token.code.invalid"),
        ),
    ])
    .await;
    let reply = mock
        .call(exchange("native-app", "https://app.example.com/cb"))
        .await;
    reply.expect(status(200));
    assert!(reply.json["id_token"].is_string());
    assert!(reply.json.get("refresh_token").is_none());
    mock.check([(
        "the same code again",
        exchange("native-app", "https://app.example.com/cb"),
        entry("token.code.invalid"),
    )])
    .await;
}

/// Opens a magic link sent with `scope` and returns the authorization code it redirects with.
async fn magic_link_code(mock: &Mock, scope: &str) -> String {
    let start = post(
        "/passwordless/start",
        json!({"client_id": "native-app", "connection": "email", "email": EMAIL, "send": "link",
               "authParams": {"redirect_uri": "https://app.example.com/cb", "scope": scope}}),
    );
    mock.call(start).await.expect(status(200));
    let link = url::Url::parse(&mock.state.outbox().latest(EMAIL).unwrap().link.unwrap()).unwrap();
    let opened = mock
        .call(get(format!("{}?{}", link.path(), link.query().unwrap())))
        .await;
    query_param(&opened.location(), "code").unwrap()
}

// ---- what cannot be written as a scenario -------------------------------------------------------

#[tokio::test]
async fn broken_token_bodies_are_invalid_request_json() {
    Mock::new()
        .check([
            (
                "malformed JSON",
                post_raw(TOKEN, Some("application/json"), "{"),
                entry_with("wire.body.malformed_json", &[("code", "invalid_request")]),
            ),
            (
                "an unsupported content type",
                post_raw(TOKEN, Some("text/xml"), "<a/>"),
                entry_with(
                    "wire.body.unsupported_content_type",
                    &[("code", "invalid_request"), ("content_type", "text/xml")],
                ),
            ),
            (
                "an oversized body",
                post_raw(TOKEN, Some("application/json"), "x".repeat(65 * 1024)),
                entry_with(
                    "wire.body.too_large",
                    &[("code", "invalid_request"), ("limit", "65536")],
                ),
            ),
        ])
        .await;
}

#[tokio::test]
async fn a_request_refused_for_a_bad_parameter_leaves_the_code_redeemable() {
    let mock = Mock::new();
    let code = mock.email_code("native-app", EMAIL).await;
    let grant = || otp_grant("email", EMAIL, &code);
    mock.check([
        (
            "an unknown audience",
            grant().with(json!({"audience": "https://nope.example.com/"})),
            entry_with(
                "token.audience_unknown",
                &[("audience", "https://nope.example.com/")],
            ),
        ),
        (
            "a scope that is not a string",
            grant().with(json!({"scope": 42})),
            entry_with("token.not_a_string", &[("name", "scope")]),
        ),
        (
            "a nonce that is not a string",
            grant().with(json!({"nonce": ["n"]})),
            entry_with("token.not_a_string", &[("name", "nonce")]),
        ),
        (
            "an audience that is not a string",
            grant().with(json!({"audience": false})),
            entry_with("token.not_a_string", &[("name", "audience")]),
        ),
        ("the same code, corrected", grant(), status(200)),
    ])
    .await;
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
    reply.expect(status(200));
    assert!(reply.json.get("id_token").is_none(), "{}", reply.text);
}
