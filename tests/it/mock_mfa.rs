//! MFA on the mock tenant, in-process: the mechanics behind `mfa_required`, the `mfa-otp` and
//! `mfa-recovery-code` grants — policies, the tenant's features, TOTP steps, lifetimes on the
//! injected clock, the failure buckets and races. The exact answers are Auth0's contract and
//! live in the scenarios under `scenarios/errors/mfa/`; these tests name them by catalogue
//! entry. Out-of-band challenges are in `mock_mfa_oob`; enrolment and the authenticator list in
//! `mock_mfa_manage`.

#![allow(
    clippy::unwrap_used,
    reason = "a test crate: a panic is a failed test, and clippy only exempts #[test] functions themselves"
)]

use std::path::Path;
use std::sync::Arc;

use crate::support::{
    MFA_OTP, MFA_RECOVERY_CODE, Mock, PUBLIC_URL, entry, get, mfa_grant, post, post_form, status,
    verify_with_jwks, wrong_code,
};
use passwordless_conformance::mock::{Tenant, TenantFeatures};
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

/// The built-in tenant with Customizable MFA switched on.
fn customizable() -> Mock {
    let mut tenant = Tenant::builtin();
    tenant.features = TenantFeatures {
        customizable_mfa: true,
        ..tenant.features
    };
    Mock::with_tenant(tenant)
}

// ---- entering MFA -------------------------------------------------------------------------------

#[tokio::test]
async fn mfa_required_seals_the_expiry_of_its_token_and_sends_no_requirements_on_a_plain_tenant() {
    let mock = Mock::new();
    let email = mock.user_email("totp_enrolled");
    let reply = mock
        .email_login("native-app", &email, json!({"scope": "openid"}))
        .await;
    reply.expect(entry("token.mfa_required"));
    let token = reply.json["mfa_token"].as_str().unwrap();
    let parts: Vec<&str> = token.split('*').collect();
    assert_eq!(parts.len(), 8, "{token}");
    assert_eq!(parts[0], "Fe26.2");
    let expiry_ms: u64 = parts[5].parse().unwrap();
    assert_eq!(expiry_ms, (mock.state.clock().unix_now() + 600) * 1000);
    assert!(
        reply.json.get("mfa_requirements").is_none(),
        "{}",
        reply.text
    );
    assert!(reply.json.get("access_token").is_none());
}

#[tokio::test]
async fn customizable_mfa_lists_the_types_each_user_can_use() {
    let mock = customizable();
    for (role, expected) in [
        ("sms_enrolled", vec!["phone", "email"]),
        ("email_enrolled", vec!["email"]),
        ("push_enrolled", vec!["otp", "push-notification", "email"]),
        ("recovery_enrolled", vec!["recovery-code", "email"]),
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
async fn customizable_mfa_asks_a_user_without_a_factor_to_enrol_what_the_tenant_offers() {
    let mock = customizable();
    let email = mock.user_email("must_enrol");
    let reply = mock.email_login("native-app", &email, json!({})).await;
    reply.expect(entry("token.mfa_required"));
    // A verified e-mail is no enrolment: the user still enrols.
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
async fn asking_for_the_mfa_api_audience_always_requires_mfa() {
    let mock = Mock::new();
    let audience = format!("{PUBLIC_URL}/mfa/");
    let reply = mock
        .email_login(
            "native-app",
            "brand-new@example.com",
            json!({"audience": audience, "scope": "enroll"}),
        )
        .await;
    reply.expect(entry("token.mfa_required"));
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

// ---- mfa-otp ------------------------------------------------------------------------------------

#[tokio::test]
async fn a_totp_code_yields_the_tokens_of_the_first_request_without_amr() {
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
    reply.expect(status(200).json("/scope", "openid email offline_access"));
    assert!(
        reply.json["refresh_token"]
            .as_str()
            .unwrap()
            .starts_with("v1.")
    );

    let jwks = jwks(&mock).await;
    let id = verify_with_jwks(reply.json["id_token"].as_str().unwrap(), &jwks);
    assert_eq!(id["sub"], "email|2f86b83ea3b93ad2e8d052f8");
    assert_eq!(id["nonce"], "n-mfa");
    assert!(id.get("amr").is_none(), "{id}");
    let access = verify_with_jwks(reply.json["access_token"].as_str().unwrap(), &jwks);
    assert_eq!(
        access["aud"],
        json!(["https://api.example.com/", format!("{PUBLIC_URL}/userinfo")])
    );
    assert!(access.get("amr").is_none(), "{access}");

    // Tokens refreshed from an MFA login carry none either.
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
    refreshed.expect(status(200));
    let access = verify_with_jwks(refreshed.json["access_token"].as_str().unwrap(), &jwks);
    assert!(access.get("amr").is_none(), "{access}");
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
    reply.expect(status(200));
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
            .expect(entry("token.mfa_otp.invalid"));
    }
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
    first.expect(status(200));
    // RFC 6238 §5.2: the same code is refused the second time.
    mock.mfa_grant(MFA_OTP, json!({"mfa_token": token, "otp": otp}))
        .await
        .expect(entry("token.mfa_otp.invalid"));
    // The mfa_token is not single use: the next step's code works with it.
    mock.state.clock().advance(30);
    let next = mock.totp_at(&secret, 0);
    mock.mfa_grant(MFA_OTP, json!({"mfa_token": token, "otp": next}))
        .await
        .expect(status(200));
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
            reply.expect(entry("token.mfa_otp.invalid"));
        }
    }
    assert_eq!(successes, 1);
}

// ---- the mfa_token ------------------------------------------------------------------------------

#[tokio::test]
async fn an_mfa_token_lives_ten_minutes_on_the_mock_clock() {
    let mock = Mock::new();
    let token = mock.mfa_token("totp_enrolled", json!({})).await;
    mock.state.clock().advance(590);
    let secret = mock.totp_secret("totp_enrolled");
    // Still valid just before: a wrong code is judged as a code.
    mock.mfa_grant(MFA_OTP, json!({"mfa_token": token, "otp": "000000x"}))
        .await
        .expect(entry("token.mfa_otp.invalid"));
    mock.state.clock().advance(11);
    let otp = mock.totp_at(&secret, 0);
    mock.mfa_grant(MFA_OTP, json!({"mfa_token": token, "otp": otp}))
        .await
        .expect(entry("token.mfa_token.expired"));
    mock.challenge(&token, json!({}))
        .await
        .expect(entry("token.mfa_token.expired"));
}

#[tokio::test]
async fn an_mfa_token_is_bound_to_the_client_it_was_issued_to() {
    let mock = Mock::new();
    let token = mock.mfa_token("totp_enrolled", json!({})).await;
    mock.check([(
        "another client's token",
        mfa_grant(MFA_OTP, json!({"mfa_token": token, "otp": "123456"}))
            .with(json!({"client_id": "mfa-always-app"})),
        entry("token.mfa_token.malformed"),
    )])
    .await;
}

// ---- failure buckets ----------------------------------------------------------------------------

#[tokio::test]
async fn ten_wrong_otps_empty_the_bucket_and_one_attempt_comes_back_every_six_minutes() {
    let mock = Mock::new();
    mock.settle_at_step_start();
    let secret = mock.totp_secret("totp_enrolled");
    let token = mock.mfa_token("totp_enrolled", json!({})).await;
    let wrong = wrong_code(&mock.totp_at(&secret, 0));
    let wrong_row = (
        "a wrong code",
        mfa_grant(MFA_OTP, json!({"mfa_token": token, "otp": wrong})),
        entry("token.mfa_otp.invalid"),
    );
    let mut rows = vec![wrong_row; 10];
    rows.push((
        "the eleventh wrong code",
        mfa_grant(MFA_OTP, json!({"mfa_token": token, "otp": wrong})),
        entry("token.mfa.failures_exhausted")
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
    let now = mock.state.clock().unix_now();
    assert!((now + 300..=now + 360).contains(&reset), "{reset} vs {now}");
    // Blocked even with the right code, for any mfa_token of the user.
    let right = mock.totp_at(&secret, 0);
    let fresh_token = mock.mfa_token("totp_enrolled", json!({})).await;
    mock.check([(
        "the right code with a fresh token",
        mfa_grant(MFA_OTP, json!({"mfa_token": fresh_token, "otp": right})),
        entry("token.mfa.failures_exhausted"),
    )])
    .await;
    // Six minutes later one attempt has come back: the next wrong code is judged as a code,
    // and the one after it is refused again.
    mock.state.clock().advance(360);
    let token = mock.mfa_token("totp_enrolled", json!({})).await;
    let wrong = wrong_code(&mock.totp_at(&secret, 0));
    mock.check([
        (
            "a wrong code after six minutes",
            mfa_grant(MFA_OTP, json!({"mfa_token": token, "otp": wrong})),
            entry("token.mfa_otp.invalid"),
        ),
        (
            "and another",
            mfa_grant(MFA_OTP, json!({"mfa_token": token, "otp": wrong})),
            entry("token.mfa.failures_exhausted"),
        ),
    ])
    .await;
    // An hour later the bucket is full again.
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

// ---- mfa-recovery-code --------------------------------------------------------------------------

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
    reply.expect(status(200));
    assert!(reply.json["id_token"].is_string());
    let new = reply.json["recovery_code"].as_str().unwrap().to_owned();
    assert_eq!(new.len(), 24);
    assert_ne!(new, old);
    // The old code is gone; the new one works once, whatever its case.
    mock.mfa_grant(
        MFA_RECOVERY_CODE,
        json!({"mfa_token": token, "recovery_code": old}),
    )
    .await
    .expect(entry("token.mfa_recovery.invalid"));
    let reply = mock
        .mfa_grant(
            MFA_RECOVERY_CODE,
            json!({"mfa_token": token, "recovery_code": new.to_lowercase()}),
        )
        .await;
    reply.expect(status(200));
    assert_ne!(reply.json["recovery_code"], json!(new));
}

#[tokio::test]
async fn wrong_recovery_codes_have_a_bucket_of_their_own() {
    let mock = Mock::new();
    mock.settle_at_step_start();
    let token = mock.mfa_token("multi_factor", json!({})).await;
    for _ in 0..10 {
        mock.mfa_grant(
            MFA_RECOVERY_CODE,
            json!({"mfa_token": token, "recovery_code": "WRONGWRONGWRONGWRONGWRON"}),
        )
        .await
        .expect(entry("token.mfa_recovery.invalid"));
    }
    let right = mock.recovery_code("multi_factor");
    mock.mfa_grant(
        MFA_RECOVERY_CODE,
        json!({"mfa_token": token, "recovery_code": right}),
    )
    .await
    .expect(entry("token.mfa.recovery_failures_exhausted"));
    // Wrong recovery codes do not use up the OTP bucket.
    let otp = mock.totp_at(&mock.totp_secret("multi_factor"), 0);
    mock.mfa_grant(MFA_OTP, json!({"mfa_token": token, "otp": otp}))
        .await
        .expect(status(200));
}
