//! MFA challenges and the `mfa-oob` grant on the mock tenant, in-process: the mechanics of SMS,
//! voice and e-mail binding codes through the outbox, push notifications answered through the
//! control API, lifetimes on the injected clock and the shared failure bucket. The exact answers
//! are Auth0's contract and live in `scenarios/errors/mfa/`; these tests name them by catalogue
//! entry.

#![allow(
    clippy::unwrap_used,
    reason = "a test crate: a panic is a failed test, and clippy only exempts #[test] functions themselves"
)]

use std::path::Path;

use crate::support::{
    CONFIDENTIAL_SECRET, MFA_OOB, MFA_OTP, Mock, entry, entry_with, error, get, post, post_form,
    post_raw, status, wrong_code,
};
use passwordless_conformance::mock::Tenant;
use serde_json::json;

const MULTI_SMS: &str = "sms|dev_ggro16khPwDsGyj0";
const MULTI_EMAIL: &str = "email|dev_3KzXO4UjOoJAauLk";
const MULTI_PUSH: &str = "push|dev_v7YkNJUomN2u17Zf";
const MULTI_PHONE: &str = "+15555558731";

/// Challenges with `fields` and returns the `oob_code`.
async fn oob_code(mock: &Mock, token: &str, fields: serde_json::Value) -> String {
    let reply = mock.challenge(token, fields).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json["challenge_type"], "oob");
    reply.json["oob_code"].as_str().unwrap().to_owned()
}

// ---- /mfa/challenge -----------------------------------------------------------------------------

#[tokio::test]
async fn an_sms_challenge_records_its_binding_code_which_redeems_once() {
    let mock = Mock::new();
    let token = mock
        .mfa_token("sms_enrolled", json!({"scope": "openid"}))
        .await;
    let reply = mock.challenge(&token, json!({})).await;
    reply.expect(status(200).json("/binding_method", "prompt"));
    let oob = reply.json["oob_code"].as_str().unwrap().to_owned();
    // The seal carries the oob_code's expiry: five minutes.
    let expiry_ms: u64 = oob.split('*').nth(5).unwrap().parse().unwrap();
    assert_eq!(expiry_ms, (mock.state.clock().unix_now() + 300) * 1000);

    let message = mock.state.outbox().latest("+15555558730").unwrap();
    assert_eq!(serde_json::to_value(message.channel).unwrap(), json!("sms"));
    assert_eq!(message.code.len(), 6);
    assert!(message.code.chars().all(|c| c.is_ascii_digit()));
    assert!(message.body.contains(&message.code));

    let grant = json!({"mfa_token": token, "oob_code": oob, "binding_code": message.code});
    let reply = mock.mfa_grant(MFA_OOB, grant.clone()).await;
    reply.expect(status(200));
    assert!(reply.json["id_token"].is_string());
    // An oob_code redeems at most once.
    mock.mfa_grant(MFA_OOB, grant)
        .await
        .expect(entry("token.mfa_oob.malformed"));
}

#[tokio::test]
async fn an_email_challenge_sends_the_code_by_email() {
    let mock = Mock::new();
    let token = mock.mfa_token("email_enrolled", json!({})).await;
    let oob = oob_code(&mock, &token, json!({"challenge_type": "oob"})).await;
    let message = mock.state.outbox().latest("email-mfa@example.com").unwrap();
    assert_eq!(
        serde_json::to_value(message.channel).unwrap(),
        json!("email")
    );
    mock.mfa_grant(
        MFA_OOB,
        json!({"mfa_token": token, "oob_code": oob, "binding_code": message.code}),
    )
    .await
    .expect(status(200));
}

#[tokio::test]
async fn authenticator_id_and_oob_channel_pick_the_factor() {
    let mock = Mock::new();
    let token = mock.mfa_token("multi_factor", json!({})).await;
    // Without a choice, OTP comes first.
    assert_eq!(
        mock.challenge(&token, json!({})).await.json,
        json!({"challenge_type": "otp"})
    );
    // Then push, among the out-of-band factors.
    let reply = mock
        .challenge(&token, json!({"challenge_type": "oob"}))
        .await;
    assert!(reply.json.get("binding_method").is_none(), "{}", reply.text);
    for (fields, to) in [
        (json!({"authenticator_id": MULTI_SMS}), MULTI_PHONE),
        (
            json!({"authenticator_id": MULTI_EMAIL}),
            "multi@example.com",
        ),
        (
            json!({"challenge_type": "oob", "oob_channel": "email"}),
            "multi@example.com",
        ),
    ] {
        let before = mock.state.outbox().sent_total();
        let reply = mock.challenge(&token, fields.clone()).await;
        assert_eq!(reply.status, 200, "{fields}: {}", reply.text);
        assert_eq!(reply.json["binding_method"], "prompt", "{fields}");
        assert_eq!(mock.state.outbox().sent_total(), before + 1, "{fields}");
        assert!(mock.state.outbox().latest(to).is_some(), "{fields}");
    }
    let reply = mock
        .challenge(&token, json!({"authenticator_id": MULTI_PUSH}))
        .await;
    reply.expect(status(200));
    assert!(reply.json.get("binding_method").is_none());
}

#[tokio::test]
async fn a_challenge_is_bound_to_the_client_of_its_mfa_token() {
    let mock = Mock::new();
    let token = mock.mfa_token("sms_enrolled", json!({})).await;
    let email = mock.user_email("sms_enrolled");
    let confidential_token = mock
        .email_login("regular-web-app", &email, json!({}))
        .await
        .json["mfa_token"]
        .as_str()
        .unwrap()
        .to_owned();
    mock.check([
        (
            "the native app's token presented by another client",
            post(
                "/mfa/challenge",
                json!({"client_id": "regular-web-app", "client_secret": CONFIDENTIAL_SECRET, "mfa_token": token}),
            ),
            entry("token.mfa_token.malformed"),
        ),
        (
            "a confidential client with its secret, as a form",
            post_form(
                "/mfa/challenge",
                &[
                    ("client_id", "regular-web-app"),
                    ("client_secret", CONFIDENTIAL_SECRET),
                    ("mfa_token", &confidential_token),
                ],
            ),
            status(200),
        ),
    ])
    .await;
}

// ---- mfa-oob with binding codes -----------------------------------------------------------------

#[tokio::test]
async fn a_binding_code_lives_five_minutes_on_the_mock_clock() {
    let mock = Mock::new();
    let token = mock.mfa_token("sms_enrolled", json!({})).await;
    let oob = oob_code(&mock, &token, json!({})).await;
    let code = mock.last_code("+15555558730");
    mock.state.clock().advance(299);
    mock.mfa_grant(
        MFA_OOB,
        json!({"mfa_token": token, "oob_code": oob, "binding_code": code}),
    )
    .await
    .expect(status(200));
    let oob = oob_code(&mock, &token, json!({})).await;
    let code = mock.last_code("+15555558730");
    mock.state.clock().advance(300);
    let grant = json!({"mfa_token": token, "oob_code": oob, "binding_code": code});
    mock.mfa_grant(MFA_OOB, grant.clone())
        .await
        .expect(entry("token.mfa_oob.expired"));
    // An expired oob_code is gone.
    mock.mfa_grant(MFA_OOB, grant)
        .await
        .expect(entry("token.mfa_oob.malformed"));
}

#[tokio::test]
async fn wrong_binding_codes_and_wrong_otps_share_one_bucket() {
    let mock = Mock::new();
    mock.settle_at_step_start();
    let token = mock.mfa_token("multi_factor", json!({})).await;
    let otp = mock.totp_at(&mock.totp_secret("multi_factor"), 0);
    for _ in 0..5 {
        mock.mfa_grant(
            MFA_OTP,
            json!({"mfa_token": token, "otp": wrong_code(&otp)}),
        )
        .await
        .expect(entry("token.mfa_otp.invalid"));
    }
    let oob = oob_code(&mock, &token, json!({"authenticator_id": MULTI_SMS})).await;
    let code = mock.last_code(MULTI_PHONE);
    let wrong = json!({"mfa_token": token, "oob_code": oob, "binding_code": wrong_code(&code)});
    for _ in 0..5 {
        mock.mfa_grant(MFA_OOB, wrong.clone())
            .await
            .expect(entry("token.mfa_oob.binding_code_invalid"));
    }
    mock.mfa_grant(
        MFA_OOB,
        json!({"mfa_token": token, "oob_code": oob, "binding_code": code}),
    )
    .await
    .expect(entry("token.mfa.failures_exhausted"));
}

// ---- push notifications -------------------------------------------------------------------------

#[tokio::test]
async fn a_push_is_pending_until_approved_after_the_chosen_delay() {
    let mock = Mock::new();
    let token = mock
        .mfa_token("push_enrolled", json!({"scope": "openid"}))
        .await;
    let oob = oob_code(&mock, &token, json!({"challenge_type": "oob"})).await;
    let poll = json!({"mfa_token": token, "oob_code": oob});

    mock.mfa_grant(MFA_OOB, poll.clone())
        .await
        .expect(entry("token.mfa_oob.pending"));
    let approve = mock
        .call(post(
            format!("/__mock/push/{oob}/approve"),
            json!({"after_seconds": 10}),
        ))
        .await;
    approve.expect(status(200).json("/decision", "approved"));
    // Polling again at once is too fast.
    mock.mfa_grant(MFA_OOB, poll.clone())
        .await
        .expect(entry_with("token.mfa_oob.slow_down", &[("interval", "5")]));
    mock.state.clock().advance(5);
    mock.mfa_grant(MFA_OOB, poll.clone())
        .await
        .expect(entry("token.mfa_oob.pending"));
    mock.state.clock().advance(5);
    let reply = mock.mfa_grant(MFA_OOB, poll.clone()).await;
    reply.expect(status(200));
    assert!(reply.json["id_token"].is_string());
    mock.state.clock().advance(5);
    mock.mfa_grant(MFA_OOB, poll)
        .await
        .expect(entry("token.mfa_oob.malformed"));
}

#[tokio::test]
async fn a_rejected_push_stays_rejected() {
    let mock = Mock::new();
    let token = mock.mfa_token("push_enrolled", json!({})).await;
    let oob = oob_code(
        &mock,
        &token,
        json!({"authenticator_id": "push|dev_b1Vuc6KL2kRxjke1"}),
    )
    .await;
    let reply = mock
        .call(post_raw(format!("/__mock/push/{oob}/reject"), None, ""))
        .await;
    reply.expect(status(200));
    let poll = json!({"mfa_token": token, "oob_code": oob});
    mock.mfa_grant(MFA_OOB, poll.clone())
        .await
        .expect(entry("token.mfa_oob.push_rejected"));
    mock.state.clock().advance(5);
    mock.mfa_grant(MFA_OOB, poll)
        .await
        .expect(entry("token.mfa_oob.push_rejected"));
}

#[tokio::test]
async fn the_push_approval_reaches_a_poll_made_right_after_it() {
    let mock = Mock::new();
    let token = mock.mfa_token("push_enrolled", json!({})).await;
    let oob = oob_code(&mock, &token, json!({"oob_channel": "auth0"})).await;
    mock.call(post(format!("/__mock/push/{oob}/approve"), json!({})))
        .await
        .expect(status(200));
    mock.mfa_grant(MFA_OOB, json!({"mfa_token": token, "oob_code": oob}))
        .await
        .expect(status(200));
}

#[tokio::test]
async fn the_push_poll_interval_comes_from_the_fixture() {
    let yaml = include_str!("../../mock/tenant.yaml").replace(
        "push_poll_interval_seconds: 5",
        "push_poll_interval_seconds: 2",
    );
    let tenant = Tenant::from_yaml_str(&yaml, Path::new("tenant.yaml")).unwrap();
    let mock = Mock::with_tenant(tenant);
    let token = mock.mfa_token("push_enrolled", json!({})).await;
    let oob = oob_code(&mock, &token, json!({"challenge_type": "oob"})).await;
    let poll = json!({"mfa_token": token, "oob_code": oob});
    mock.mfa_grant(MFA_OOB, poll.clone())
        .await
        .expect(entry("token.mfa_oob.pending"));
    mock.state.clock().advance(1);
    mock.mfa_grant(MFA_OOB, poll.clone())
        .await
        .expect(entry_with("token.mfa_oob.slow_down", &[("interval", "2")]));
    mock.state.clock().advance(2);
    mock.mfa_grant(MFA_OOB, poll)
        .await
        .expect(entry("token.mfa_oob.pending"));
}

#[tokio::test]
async fn the_push_control_api_reports_unknown_codes_and_bad_delays() {
    let mock = Mock::new();
    // A prompt (SMS) oob_code cannot be approved like a push.
    let sms_token = mock.mfa_token("sms_enrolled", json!({})).await;
    let prompt = oob_code(&mock, &sms_token, json!({})).await;
    let push_token = mock.mfa_token("push_enrolled", json!({})).await;
    let push = oob_code(&mock, &push_token, json!({"challenge_type": "oob"})).await;
    mock.check([
        (
            "an unknown oob_code",
            post("/__mock/push/Fe26.2**nope/approve", json!({})),
            error(
                404,
                "not_found",
                "no pending push notification with oob_code `Fe26.2**nope`",
            ),
        ),
        (
            "a prompt oob_code",
            post(format!("/__mock/push/{prompt}/approve"), json!({})),
            status(404),
        ),
        (
            "a negative delay",
            post(
                format!("/__mock/push/{push}/approve"),
                json!({"after_seconds": -1}),
            ),
            error(
                400,
                "invalid_request",
                "`after_seconds` must be a non-negative integer, e.g. {\"after_seconds\": 10}",
            ),
        ),
        (
            "GET instead of POST",
            get(format!("/__mock/push/{push}/approve")),
            entry("wire.method_not_allowed"),
        ),
    ])
    .await;
}
