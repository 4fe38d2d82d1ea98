//! MFA on the mock tenant, in-process: entering MFA (`mfa_required`), the `mfa-otp` and
//! `mfa-recovery-code` grants, `mfa_token` errors, the per-user failure limits, concurrency.
//! Out-of-band challenges are in `mock_mfa_oob`; enrolment and the authenticator list in
//! `mock_mfa_manage`.

#![allow(
    clippy::unwrap_used,
    reason = "a test crate: a panic is a failed test, and clippy only exempts #[test] functions themselves"
)]

use std::path::Path;
use std::sync::Arc;

use crate::support::{
    MFA_OOB, MFA_OTP, MFA_RECOVERY_CODE, Mock, PUBLIC_URL, error, get, mfa_grant, post, post_form,
    status, verify_with_jwks, wrong_code,
};
use passwordless_conformance::mock::Tenant;
use serde_json::{Value, json};

async fn jwks(mock: &Mock) -> Value {
    mock.call(get("/.well-known/jwks.json")).await.json
}

fn challenge_types(reply: &Value) -> Vec<String> {
    reply["mfa_requirements"]["challenge"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["type"].as_str().unwrap().to_owned())
        .collect()
}

// ---- entering MFA (§5.1) ------------------------------------------------------------------------

#[tokio::test]
async fn an_enrolled_user_gets_mfa_required_with_an_opaque_token() {
    let mock = Mock::new();
    let email = mock.user_email("totp_enrolled");
    let reply = mock
        .email_login("native-app", &email, json!({"scope": "openid"}))
        .await;
    reply.expect(error(
        403,
        "mfa_required",
        "Multifactor authentication required",
    ));
    let token = reply.json["mfa_token"].as_str().unwrap();
    assert!(token.starts_with("Fe26.2*"), "{token}");
    assert!(token.len() > 100, "{token}");
    assert_eq!(
        reply.json["mfa_requirements"],
        json!({"challenge": [{"type": "otp"}]})
    );
    assert_eq!(reply.headers["cache-control"], "no-store");
    assert!(reply.json.get("access_token").is_none());
}

#[tokio::test]
async fn mfa_requirements_list_the_types_each_user_can_use() {
    let mock = Mock::new();
    for (role, expected) in [
        ("sms_enrolled", vec!["phone"]),
        ("email_enrolled", vec!["email"]),
        ("push_enrolled", vec!["otp", "push-notification"]),
        ("recovery_enrolled", vec!["recovery-code"]),
        (
            "multi_factor",
            vec![
                "otp",
                "push-notification",
                "phone",
                "recovery-code",
                "email",
            ],
        ),
    ] {
        let email = mock.user_email(role);
        let reply = mock.email_login("native-app", &email, json!({})).await;
        assert_eq!(reply.status, 403, "{role}: {}", reply.text);
        assert_eq!(challenge_types(&reply.json), expected, "{role}");
    }
}

#[tokio::test]
async fn a_user_who_must_enrol_gets_enroll_requirements() {
    let mock = Mock::new();
    let email = mock.user_email("must_enrol");
    let reply = mock.email_login("native-app", &email, json!({})).await;
    reply.expect(error(
        403,
        "mfa_required",
        "Multifactor authentication required",
    ));
    assert_eq!(
        reply.json["mfa_requirements"],
        json!({"enroll": [
            {"type": "otp"}, {"type": "phone"}, {"type": "email"}, {"type": "push-notification"}
        ]})
    );
}

#[tokio::test]
async fn users_without_factors_log_in_without_mfa() {
    let mock = Mock::new();
    for email in ["existing-user@example.com", "brand-new@example.com"] {
        let reply = mock.email_login("native-app", email, json!({})).await;
        assert_eq!(reply.status, 200, "{email}: {}", reply.text);
    }
}

#[tokio::test]
async fn a_client_with_policy_always_asks_new_users_to_enrol() {
    let mock = Mock::new();
    let reply = mock
        .email_login("mfa-always-app", "new-user@example.com", json!({}))
        .await;
    reply.expect(error(
        403,
        "mfa_required",
        "Multifactor authentication required",
    ));
    assert!(reply.json["mfa_requirements"]["enroll"].is_array());
}

const POLICY_TENANT: &str = r#"
clients:
  - client_id: app
    name: App
    role: native
    app_type: native
    grant_types: [http://auth0.com/oauth/grant-type/passwordless/otp]
    connections: [email]
  - client_id: never-app
    name: Never App
    role: never
    app_type: native
    mfa: never
    grant_types: [http://auth0.com/oauth/grant-type/passwordless/otp]
    connections: [email]
connections:
  - name: email
    strategy: email
mfa:
  policy: always
users:
  - user_id: email|000000000000000000000001
    connection: email
    email: opted-out@example.com
    mfa: never
    factors:
      - type: totp
        secret: GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ
"#;

#[tokio::test]
async fn the_user_policy_beats_the_client_policy_which_beats_the_tenant_policy() {
    let tenant = Tenant::from_yaml_str(POLICY_TENANT, Path::new("policy.yaml")).unwrap();
    let mock = Mock::with_tenant(tenant);
    // Tenant `always`: a new user must enrol.
    let reply = mock.email_login("app", "new@example.com", json!({})).await;
    assert_eq!(reply.json["error"], "mfa_required", "{}", reply.text);
    // Client `never` beats the tenant.
    let reply = mock
        .email_login("never-app", "other@example.com", json!({}))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    // User `never` beats everything, even with a factor.
    let reply = mock
        .email_login("app", "opted-out@example.com", json!({}))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
}

// ---- mfa-otp (§5.6) -----------------------------------------------------------------------------

#[tokio::test]
async fn a_totp_code_yields_the_tokens_of_the_first_request_marked_with_mfa() {
    let mock = Mock::new();
    mock.settle_at_step_start();
    let token = mock
        .mfa_token(
            "totp_enrolled",
            json!({
                "scope": "openid email offline_access",
                "audience": "https://api.example.com/",
                "nonce": "n-mfa",
            }),
        )
        .await;
    let otp = mock.totp_at(&mock.totp_secret("totp_enrolled"), 0);
    // A scope sent with the MFA grant does not change what the mfa_token is bound to.
    let reply = mock
        .mfa_grant(
            MFA_OTP,
            json!({"mfa_token": token, "otp": otp, "scope": "openid profile"}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json["scope"], "openid email offline_access");
    assert_eq!(reply.json["token_type"], "Bearer");
    assert!(
        reply.json["refresh_token"]
            .as_str()
            .unwrap()
            .starts_with("v1.")
    );
    assert_eq!(reply.headers["cache-control"], "no-store");

    let jwks = jwks(&mock).await;
    let id = verify_with_jwks(reply.json["id_token"].as_str().unwrap(), &jwks);
    assert_eq!(id["sub"], "email|2f86b83ea3b93ad2e8d052f8");
    assert_eq!(id["email"], "totp@example.com");
    assert_eq!(id["nonce"], "n-mfa");
    assert_eq!(id["amr"], json!(["mfa"]));
    let access = verify_with_jwks(reply.json["access_token"].as_str().unwrap(), &jwks);
    assert_eq!(
        access["aud"],
        json!(["https://api.example.com/", format!("{PUBLIC_URL}/userinfo")])
    );
    assert_eq!(access["amr"], json!(["mfa"]));
    assert_eq!(access["azp"], "native-app");

    // Tokens refreshed from an MFA login still say so.
    let refreshed = mock
        .call(post(
            "/oauth/token",
            json!({
                "grant_type": "refresh_token",
                "client_id": "native-app",
                "refresh_token": reply.json["refresh_token"],
            }),
        ))
        .await;
    assert_eq!(refreshed.status, 200, "{}", refreshed.text);
    let access = verify_with_jwks(refreshed.json["access_token"].as_str().unwrap(), &jwks);
    assert_eq!(access["amr"], json!(["mfa"]));
}

#[tokio::test]
async fn the_mfa_otp_grant_accepts_form_bodies_and_the_confidential_client() {
    let mock = Mock::new();
    mock.settle_at_step_start();
    let email = mock.user_email("totp_enrolled");
    let reply = mock.email_login("regular-web-app", &email, json!({})).await;
    let token = reply.json["mfa_token"].as_str().unwrap().to_owned();
    let otp = mock.totp_at(&mock.totp_secret("totp_enrolled"), 0);
    let reply = mock
        .call(post_form(
            "/oauth/token",
            &[
                ("grant_type", MFA_OTP),
                ("client_id", "regular-web-app"),
                ("client_secret", crate::support::CONFIDENTIAL_SECRET),
                ("mfa_token", &token),
                ("otp", &otp),
            ],
        ))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert!(reply.json.get("id_token").is_none());
}

#[tokio::test]
async fn totp_codes_one_step_either_side_are_accepted() {
    for offset in [-30, 30] {
        let mock = Mock::new();
        mock.settle_at_step_start();
        let token = mock.mfa_token("totp_enrolled", json!({})).await;
        let otp = mock.totp_at(&mock.totp_secret("totp_enrolled"), offset);
        let reply = mock
            .mfa_grant(MFA_OTP, json!({"mfa_token": token, "otp": otp}))
            .await;
        assert_eq!(reply.status, 200, "offset {offset}: {}", reply.text);
    }
}

#[tokio::test]
async fn totp_codes_two_steps_away_are_invalid() {
    for offset in [-60, 60] {
        let mock = Mock::new();
        mock.settle_at_step_start();
        let token = mock.mfa_token("totp_enrolled", json!({})).await;
        let otp = mock.totp_at(&mock.totp_secret("totp_enrolled"), offset);
        mock.mfa_grant(MFA_OTP, json!({"mfa_token": token, "otp": otp}))
            .await
            .expect(error(403, "invalid_grant", "Invalid otp_code."));
    }
}

#[tokio::test]
async fn a_wrong_otp_is_invalid_otp_code() {
    let mock = Mock::new();
    mock.settle_at_step_start();
    let token = mock.mfa_token("totp_enrolled", json!({})).await;
    let otp = mock.totp_at(&mock.totp_secret("totp_enrolled"), 0);
    mock.mfa_grant(
        MFA_OTP,
        json!({"mfa_token": token, "otp": wrong_code(&otp)}),
    )
    .await
    .expect(error(403, "invalid_grant", "Invalid otp_code."));
    mock.mfa_grant(MFA_OTP, json!({"mfa_token": token, "otp": "not-a-code"}))
        .await
        .expect(error(403, "invalid_grant", "Invalid otp_code."));
}

#[tokio::test]
async fn a_totp_code_is_accepted_once_but_the_mfa_token_lives_on() {
    let mock = Mock::new();
    mock.settle_at_step_start();
    let secret = mock.totp_secret("totp_enrolled");
    let token = mock.mfa_token("totp_enrolled", json!({})).await;
    let otp = mock.totp_at(&secret, 0);
    let first = mock
        .mfa_grant(MFA_OTP, json!({"mfa_token": token, "otp": otp}))
        .await;
    assert_eq!(first.status, 200, "{}", first.text);
    // RFC 6238 §5.2: the same code is refused the second time.
    mock.mfa_grant(MFA_OTP, json!({"mfa_token": token, "otp": otp}))
        .await
        .expect(error(403, "invalid_grant", "Invalid otp_code."));
    // The mfa_token is not single use: the next step's code works with it.
    mock.state.clock().advance(30);
    let next = mock.totp_at(&secret, 0);
    let again = mock
        .mfa_grant(MFA_OTP, json!({"mfa_token": token, "otp": next}))
        .await;
    assert_eq!(again.status, 200, "{}", again.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_concurrent_grants_with_one_token_and_code_succeed_exactly_once() {
    let mock = Arc::new(Mock::new());
    mock.settle_at_step_start();
    let token = mock.mfa_token("totp_enrolled", json!({})).await;
    let otp = mock.totp_at(&mock.totp_secret("totp_enrolled"), 0);
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..10 {
        let (mock, token, otp) = (Arc::clone(&mock), token.clone(), otp.clone());
        tasks.spawn(async move {
            mock.mfa_grant(MFA_OTP, json!({"mfa_token": token, "otp": otp}))
                .await
        });
    }
    let mut successes = 0;
    while let Some(reply) = tasks.join_next().await {
        let reply = reply.unwrap();
        if reply.status == 200 {
            successes += 1;
        } else {
            reply.expect(error(403, "invalid_grant", "Invalid otp_code."));
        }
    }
    assert_eq!(successes, 1);
}

// ---- mfa_token errors ---------------------------------------------------------------------------

#[tokio::test]
async fn an_mfa_token_expires_after_ten_minutes() {
    let mock = Mock::new();
    let token = mock.mfa_token("totp_enrolled", json!({})).await;
    mock.state.clock().advance(590);
    let secret = mock.totp_secret("totp_enrolled");
    // Still valid just before: a wrong code is judged as a code.
    mock.mfa_grant(MFA_OTP, json!({"mfa_token": token, "otp": "000000x"}))
        .await
        .expect(error(403, "invalid_grant", "Invalid otp_code."));
    mock.state.clock().advance(11);
    let otp = mock.totp_at(&secret, 0);
    mock.mfa_grant(MFA_OTP, json!({"mfa_token": token, "otp": otp}))
        .await
        .expect(error(403, "expired_token", "mfa_token is expired"));
    mock.challenge(&token, json!({})).await.expect(error(
        403,
        "expired_token",
        "mfa_token is expired",
    ));
}

#[tokio::test]
async fn mfa_grants_check_the_client_the_token_and_the_parameters_first() {
    let mock = Mock::new();
    let token = mock.mfa_token("totp_enrolled", json!({})).await;
    let grant = |grant_type: &str, fields: Value| mfa_grant(grant_type, fields);
    let mut rows = vec![
        (
            "a made-up token",
            grant(MFA_OTP, json!({"mfa_token": "nonsense", "otp": "123456"})),
            error(403, "invalid_grant", "Malformed mfa_token"),
        ),
        (
            "a sealed-looking token the mock never issued",
            grant(
                MFA_OTP,
                json!({"mfa_token": "Fe26.2**0123456789abcdef*x*y**z*w", "otp": "123456"}),
            ),
            error(403, "invalid_grant", "Malformed mfa_token"),
        ),
        (
            "another client's token",
            grant(MFA_OTP, json!({"mfa_token": token, "otp": "123456"}))
                .with(json!({"client_id": "mfa-always-app"})),
            error(403, "invalid_grant", "Malformed mfa_token"),
        ),
        (
            "no mfa_token",
            grant(MFA_OTP, json!({"otp": "123456"})),
            error(400, "invalid_request", "missing mfa_token parameter"),
        ),
        (
            "no otp",
            grant(MFA_OTP, json!({"mfa_token": token})),
            error(400, "invalid_request", "missing otp parameter"),
        ),
        (
            "no recovery_code",
            grant(MFA_RECOVERY_CODE, json!({"mfa_token": token})),
            error(400, "invalid_request", "missing recovery_code parameter"),
        ),
        (
            "an otp that is not a string",
            grant(MFA_OTP, json!({"mfa_token": token, "otp": 123456})),
            error(400, "invalid_request", "otp must be a string"),
        ),
    ];
    for grant_type in [MFA_OTP, MFA_OOB, MFA_RECOVERY_CODE] {
        rows.push((
            "a client without the grant",
            grant(grant_type, json!({"mfa_token": "x"}))
                .with(json!({"client_id": "email-only-app"})),
            error(
                403,
                "unauthorized_client",
                format!("Grant type '{grant_type}' not allowed for the client."),
            ),
        ));
    }
    mock.check(rows).await;
}

// ---- failure limits (§5.6, §10) -----------------------------------------------------------------

const TOO_MANY_CODES: &str = "Too many failed codes. Wait for some minutes before retrying.";

#[tokio::test]
async fn the_eleventh_wrong_otp_in_an_hour_is_too_many_attempts() {
    let mock = Mock::new();
    mock.settle_at_step_start();
    let secret = mock.totp_secret("totp_enrolled");
    let token = mock.mfa_token("totp_enrolled", json!({})).await;
    let wrong = wrong_code(&mock.totp_at(&secret, 0));
    let wrong_row = (
        "a wrong code",
        mfa_grant(MFA_OTP, json!({"mfa_token": token, "otp": wrong})),
        error(403, "invalid_grant", "Invalid otp_code."),
    );
    let mut rows = vec![wrong_row; 10];
    rows.push((
        "the eleventh wrong code",
        mfa_grant(MFA_OTP, json!({"mfa_token": token, "otp": wrong})),
        error(429, "too_many_attempts", TOO_MANY_CODES)
            .header("x-ratelimit-limit", "10")
            .header("x-ratelimit-remaining", "0"),
    ));
    mock.check(rows).await;
    let reply = mock
        .mfa_grant(MFA_OTP, json!({"mfa_token": token, "otp": wrong}))
        .await;
    let reset: u64 = reply.headers["x-ratelimit-reset"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(reset > mock.state.clock().unix_now());
    // Blocked even with the right code, for any mfa_token of the user.
    let right = mock.totp_at(&secret, 0);
    let fresh_token = mock.mfa_token("totp_enrolled", json!({})).await;
    mock.check([(
        "the right code with a fresh token",
        mfa_grant(MFA_OTP, json!({"mfa_token": fresh_token, "otp": right})),
        error(429, "too_many_attempts", TOO_MANY_CODES),
    )])
    .await;
    // An hour later the window has moved on.
    mock.state.clock().advance(3_600);
    let token = mock.mfa_token("totp_enrolled", json!({})).await;
    let right = mock.totp_at(&secret, 0);
    mock.check([(
        "the right code an hour later",
        mfa_grant(MFA_OTP, json!({"mfa_token": token, "otp": right})),
        status(200),
    )])
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_wrong_otps_are_counted_exactly() {
    let mock = Arc::new(Mock::new());
    let token = mock.mfa_token("totp_enrolled", json!({})).await;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..15 {
        let (mock, token) = (Arc::clone(&mock), token.clone());
        tasks.spawn(async move {
            mock.mfa_grant(MFA_OTP, json!({"mfa_token": token, "otp": "12345x"}))
                .await
                .status
        });
    }
    let mut statuses = Vec::new();
    while let Some(status) = tasks.join_next().await {
        statuses.push(status.unwrap());
    }
    assert_eq!(statuses.iter().filter(|s| **s == 403).count(), 10);
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 5);
}

// ---- mfa-recovery-code (§5.6) -------------------------------------------------------------------

#[tokio::test]
async fn a_recovery_code_is_consumed_and_replaced() {
    let mock = Mock::new();
    let old = mock.recovery_code("recovery_enrolled");
    let token = mock
        .mfa_token("recovery_enrolled", json!({"scope": "openid"}))
        .await;
    let reply = mock
        .mfa_grant(
            MFA_RECOVERY_CODE,
            json!({"mfa_token": token, "recovery_code": old}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert!(reply.json["id_token"].is_string());
    let new = reply.json["recovery_code"].as_str().unwrap().to_owned();
    assert_eq!(new.len(), 24);
    assert!(
        new.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    );
    assert_ne!(new, old);
    // The old code is gone; the new one works once.
    mock.mfa_grant(
        MFA_RECOVERY_CODE,
        json!({"mfa_token": token, "recovery_code": old}),
    )
    .await
    .expect(error(403, "invalid_grant", "Invalid recovery_code."));
    let reply = mock
        .mfa_grant(
            MFA_RECOVERY_CODE,
            json!({"mfa_token": token, "recovery_code": new.to_lowercase()}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_ne!(reply.json["recovery_code"], json!(new));
}

#[tokio::test]
async fn the_eleventh_wrong_recovery_code_is_too_many_attempts_on_its_own_counter() {
    let mock = Mock::new();
    mock.settle_at_step_start();
    let token = mock.mfa_token("multi_factor", json!({})).await;
    for _ in 0..10 {
        mock.mfa_grant(
            MFA_RECOVERY_CODE,
            json!({"mfa_token": token, "recovery_code": "WRONGWRONGWRONGWRONGWRON"}),
        )
        .await
        .expect(error(403, "invalid_grant", "Invalid recovery_code."));
    }
    let right = mock.recovery_code("multi_factor");
    mock.mfa_grant(
        MFA_RECOVERY_CODE,
        json!({"mfa_token": token, "recovery_code": right}),
    )
    .await
    .expect(error(
        429,
        "too_many_attempts",
        "Too many failed recovery codes. Wait for some minutes before retrying.",
    ));
    // Wrong recovery codes do not use up the OTP budget.
    let otp = mock.totp_at(&mock.totp_secret("multi_factor"), 0);
    let reply = mock
        .mfa_grant(MFA_OTP, json!({"mfa_token": token, "otp": otp}))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
}

#[tokio::test]
async fn a_user_without_a_recovery_code_cannot_use_one() {
    let mock = Mock::new();
    let token = mock.mfa_token("totp_enrolled", json!({})).await;
    let code = mock.recovery_code("recovery_enrolled");
    mock.mfa_grant(
        MFA_RECOVERY_CODE,
        json!({"mfa_token": token, "recovery_code": code}),
    )
    .await
    .expect(error(403, "invalid_grant", "Invalid recovery_code."));
}
