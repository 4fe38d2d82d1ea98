//! `POST /oauth/token` of the mock tenant: the passwordless OTP grant and its errors, in-process.

use crate::support::{
    CONFIDENTIAL_SECRET, Mock, PASSWORDLESS_OTP, PUBLIC_URL, error, get, otp_grant, post,
    post_form, post_raw, query_param, status, verify_with_jwks, wrong_code,
};
use serde_json::{Value, json};

const TOKEN: &str = "/oauth/token";
const EMAIL: &str = "qa+token@example.com";
const PHONE: &str = "+15555550142";
const WRONG_EMAIL_OR_CODE: &str = "Wrong email or verification code.";
const EXHAUSTED: &str = "You've reached the maximum number of attempts. Please try to login again.";

async fn jwks(mock: &Mock) -> Value {
    mock.call(get("/.well-known/jwks.json")).await.json
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
    reply.expect(
        status(200)
            .json("/token_type", "Bearer")
            .json("/expires_in", 86400)
            .json("/scope", "openid email")
            .header("cache-control", "no-store"),
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
            "an unknown refresh token",
            refresh("v1.nope"),
            error(403, "invalid_grant", "Unknown or invalid refresh token."),
        ),
        (
            "the token of another client",
            refresh(refresh_token).with(json!({"client_id": "no-passwordless-app"})),
            error(403, "invalid_grant", "Unknown or invalid refresh token."),
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
            error(403, "invalid_grant", "Invalid redirect_uri"),
        ),
        (
            "another client",
            exchange("email-only-app", "https://app.example.com/cb"),
            error(403, "invalid_grant", "Invalid authorization code"),
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
        error(403, "invalid_grant", "Invalid authorization code"),
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

// ---- errors (§3.3) ------------------------------------------------------------------------------

#[tokio::test]
async fn token_errors_before_any_code_is_looked_at() {
    let mfa_otp = "http://auth0.com/oauth/grant-type/mfa-otp";
    Mock::new()
        .check([
            (
                "no client_id",
                post(TOKEN, json!({"grant_type": PASSWORDLESS_OTP})),
                error(400, "invalid_request", "missing client_id parameter"),
            ),
            (
                "no grant_type",
                post(TOKEN, json!({"client_id": "native-app"})),
                error(400, "invalid_request", "missing grant_type parameter"),
            ),
            (
                "a null grant_type",
                post(TOKEN, json!({"client_id": "native-app", "grant_type": null})),
                error(400, "invalid_request", "missing grant_type parameter"),
            ),
            (
                "an unknown client",
                post(TOKEN, json!({"grant_type": PASSWORDLESS_OTP, "client_id": "nobody"})),
                error(401, "invalid_client", "Unknown client: nobody"),
            ),
            (
                "a confidential client without its secret",
                post(TOKEN, json!({"grant_type": PASSWORDLESS_OTP, "client_id": "regular-web-app"})),
                error(401, "invalid_client", "Client authentication is required"),
            ),
            (
                "a confidential client with a null secret",
                otp_grant("email", EMAIL, "000000")
                    .with(json!({"client_id": "regular-web-app", "client_secret": null})),
                error(401, "invalid_client", "Client authentication is required"),
            ),
            (
                "a confidential client with a wrong secret",
                post(
                    TOKEN,
                    json!({"grant_type": PASSWORDLESS_OTP, "client_id": "regular-web-app", "client_secret": "guess"}),
                ),
                error(401, "invalid_client", "Invalid client credentials"),
            ),
            (
                "a grant the client does not have",
                otp_grant("email", EMAIL, "123456").with(json!({"client_id": "no-passwordless-app"})),
                error(
                    403,
                    "unauthorized_client",
                    "Grant type 'http://auth0.com/oauth/grant-type/passwordless/otp' not allowed for the client.",
                )
                .json("/error_uri", "https://auth0.com/docs/clients/client-grant-types"),
            ),
            (
                "an MFA grant the client does not have",
                post(TOKEN, json!({"grant_type": mfa_otp, "client_id": "no-passwordless-app"})),
                error(
                    403,
                    "unauthorized_client",
                    format!("Grant type '{mfa_otp}' not allowed for the client."),
                ),
            ),
            (
                "an MFA grant without mfa_token",
                post(TOKEN, json!({"grant_type": mfa_otp, "client_id": "native-app"})),
                error(400, "invalid_request", "missing mfa_token parameter"),
            ),
            (
                "a grant type Auth0 does not have",
                post(TOKEN, json!({"grant_type": "magic", "client_id": "native-app"})),
                error(400, "unsupported_grant_type", "Unsupported grant type: magic"),
            ),
            (
                "no username",
                otp_grant("email", EMAIL, "123456").without("username"),
                error(400, "invalid_request", "missing username parameter"),
            ),
            (
                "no otp",
                otp_grant("email", EMAIL, "123456").without("otp"),
                error(400, "invalid_request", "missing otp parameter"),
            ),
            (
                "no realm",
                otp_grant("email", EMAIL, "123456").without("realm"),
                error(400, "invalid_request", "missing realm parameter"),
            ),
            (
                "a null realm",
                otp_grant("email", EMAIL, "123456").with(json!({"realm": null})),
                error(400, "invalid_request", "missing realm parameter"),
            ),
            (
                "an otp that is not a string",
                otp_grant("email", EMAIL, "x").with(json!({"otp": 123456})),
                error(400, "invalid_request", "otp must be a string"),
            ),
            (
                "an unknown realm",
                otp_grant("carrier-pigeon", EMAIL, "123456"),
                error(400, "invalid_request", "the connection was not found"),
            ),
            (
                "a realm the client does not have",
                otp_grant("sms", PHONE, "123456").with(json!({"client_id": "email-only-app"})),
                error(400, "invalid_request", "the connection was disabled"),
            ),
            (
                "a code without a start",
                otp_grant("email", EMAIL, "123456"),
                error(403, "invalid_grant", WRONG_EMAIL_OR_CODE),
            ),
        ])
        .await;
}

#[tokio::test]
async fn broken_token_bodies_are_invalid_request_json() {
    Mock::new()
        .check([
            (
                "malformed JSON",
                post_raw(TOKEN, Some("application/json"), "{"),
                error(400, "invalid_request", "Invalid JSON body"),
            ),
            (
                "an unsupported content type",
                post_raw(TOKEN, Some("text/xml"), "<a/>"),
                error(415, "invalid_request", "Unsupported content type: text/xml"),
            ),
            (
                "an oversized body",
                post_raw(TOKEN, Some("application/json"), "x".repeat(65 * 1024)),
                error(
                    413,
                    "invalid_request",
                    "Request body is larger than 65536 bytes",
                ),
            ),
        ])
        .await;
}

#[tokio::test]
async fn wrong_codes_are_invalid_grant_with_the_channels_text() {
    let mock = Mock::new();
    let email_code = mock.email_code("native-app", EMAIL).await;
    let sms_code = mock.sms_code(PHONE).await;
    mock.check([
        (
            "a wrong e-mail code",
            otp_grant("email", EMAIL, &wrong_code(&email_code)),
            error(403, "invalid_grant", WRONG_EMAIL_OR_CODE),
        ),
        (
            "a wrong SMS code",
            otp_grant("sms", PHONE, &wrong_code(&sms_code)),
            error(
                403,
                "invalid_grant",
                "Wrong phone number or verification code.",
            ),
        ),
    ])
    .await;
}

// ---- the lives of a code: superseded, used, expired, exhausted, kept ----------------------------

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
    mock.check([
        (
            "the first code",
            otp_grant("email", EMAIL, &first),
            error(403, "invalid_grant", WRONG_EMAIL_OR_CODE),
        ),
        (
            "the second code",
            otp_grant("email", EMAIL, &second),
            status(200),
        ),
        (
            "the second code again",
            otp_grant("email", EMAIL, &second),
            error(403, "invalid_grant", WRONG_EMAIL_OR_CODE),
        ),
    ])
    .await;
}

#[tokio::test]
async fn a_code_lives_its_connections_lifetime_on_the_mock_clock() {
    let mock = Mock::new();
    let advance = |seconds: u64| post("/__mock/clock/advance", json!({"seconds": seconds}));
    let code = mock.email_code("native-app", EMAIL).await;
    mock.check([
        ("178 seconds later", advance(178), status(200)),
        ("still valid", otp_grant("email", EMAIL, &code), status(200)),
    ])
    .await;
    let code = mock.email_code("native-app", EMAIL).await;
    mock.check([
        ("180 seconds later", advance(180), status(200)),
        (
            "expired",
            otp_grant("email", EMAIL, &code),
            error(
                403,
                "invalid_grant",
                "The verification code has expired. Please try to login again.",
            ),
        ),
    ])
    .await;
}

#[tokio::test]
async fn the_third_wrong_attempt_exhausts_the_code_and_the_right_code_then_fails() {
    let mock = Mock::new();
    let code = mock.email_code("native-app", EMAIL).await;
    let wrong = wrong_code(&code);
    mock.check([
        (
            "wrong, 1",
            otp_grant("email", EMAIL, &wrong),
            error(403, "invalid_grant", WRONG_EMAIL_OR_CODE),
        ),
        (
            "wrong, 2",
            otp_grant("email", EMAIL, &wrong),
            error(403, "invalid_grant", WRONG_EMAIL_OR_CODE),
        ),
        (
            "wrong, 3",
            otp_grant("email", EMAIL, &wrong),
            error(403, "invalid_grant", EXHAUSTED),
        ),
        (
            "the right code",
            otp_grant("email", EMAIL, &code),
            error(403, "invalid_grant", EXHAUSTED),
        ),
    ])
    .await;
    let fresh = mock.email_code("native-app", EMAIL).await;
    mock.check([(
        "a fresh code",
        otp_grant("email", EMAIL, &fresh),
        status(200),
    )])
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
            error(
                403,
                "access_denied",
                "Service not found: https://nope.example.com/",
            ),
        ),
        (
            "a scope that is not a string",
            grant().with(json!({"scope": 42})),
            error(400, "invalid_request", "scope must be a string"),
        ),
        (
            "a nonce that is not a string",
            grant().with(json!({"nonce": ["n"]})),
            error(400, "invalid_request", "nonce must be a string"),
        ),
        (
            "an audience that is not a string",
            grant().with(json!({"audience": false})),
            error(400, "invalid_request", "audience must be a string"),
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
