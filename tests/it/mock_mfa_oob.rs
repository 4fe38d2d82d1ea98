//! MFA challenges and the `mfa-oob` grant on the mock tenant, in-process: SMS, voice and e-mail
//! binding codes through the outbox, push notifications answered through the control API.

#![allow(
    clippy::unwrap_used,
    reason = "a test crate: a panic is a failed test, and clippy only exempts #[test] functions themselves"
)]

use std::path::Path;

use crate::support::{
    CONFIDENTIAL_SECRET, MFA_OOB, MFA_OTP, Mock, challenge, error, get, post, post_form, post_raw,
    status, wrong_code,
};
use passwordless_conformance::mock::Tenant;
use serde_json::json;

const MULTI_SMS: &str = "sms|dev_ggro16khPwDsGyj0";
const MULTI_VOICE: &str = "voice|dev_ggro16khPwDsGyj0";
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

// ---- /mfa/challenge (§5.4) ----------------------------------------------------------------------

#[tokio::test]
async fn an_otp_challenge_just_says_otp() {
    let mock = Mock::new();
    let token = mock.mfa_token("totp_enrolled", json!({})).await;
    let reply = mock.challenge(&token, json!({})).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json, json!({"challenge_type": "otp"}));
    let reply = mock
        .challenge(&token, json!({"challenge_type": "otp oob"}))
        .await;
    assert_eq!(reply.json, json!({"challenge_type": "otp"}));
}

#[tokio::test]
async fn an_sms_challenge_sends_a_binding_code_that_mfa_oob_redeems_once() {
    let mock = Mock::new();
    let token = mock
        .mfa_token("sms_enrolled", json!({"scope": "openid"}))
        .await;
    let reply = mock.challenge(&token, json!({})).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json["challenge_type"], "oob");
    assert_eq!(reply.json["binding_method"], "prompt");
    let oob = reply.json["oob_code"].as_str().unwrap().to_owned();
    assert!(oob.starts_with("Fe26.2*"), "{oob}");

    let message = mock.state.outbox().latest("+15555558730").unwrap();
    assert_eq!(serde_json::to_value(message.channel).unwrap(), json!("sms"));
    assert_eq!(message.code.len(), 6);
    assert!(message.code.chars().all(|c| c.is_ascii_digit()));
    assert!(message.body.contains(&message.code));

    let grant = json!({"mfa_token": token, "oob_code": oob, "binding_code": message.code});
    let reply = mock.mfa_grant(MFA_OOB, grant.clone()).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert!(reply.json["id_token"].is_string());
    // An oob_code redeems at most once.
    mock.mfa_grant(MFA_OOB, grant)
        .await
        .expect(error(403, "invalid_grant", "Invalid oob_code."));
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
    let reply = mock
        .mfa_grant(
            MFA_OOB,
            json!({"mfa_token": token, "oob_code": oob, "binding_code": message.code}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
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
        (json!({"authenticator_id": MULTI_VOICE}), MULTI_PHONE),
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
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert!(reply.json.get("binding_method").is_none());
}

const NOT_ENROLLED_FOR_IT: &str =
    "User is not enrolled with an authenticator that supports the requested challenge type.";

#[tokio::test]
async fn a_challenge_without_a_fitting_factor_is_unsupported_challenge_type() {
    let mock = Mock::new();
    let enrol = mock.mfa_token("must_enrol", json!({})).await;
    let sms = mock.mfa_token("sms_enrolled", json!({})).await;
    let recovery = mock.mfa_token("recovery_enrolled", json!({})).await;
    let unsupported = || error(400, "unsupported_challenge_type", NOT_ENROLLED_FOR_IT);
    mock.check([
        (
            "a user with no factor",
            challenge(&enrol, json!({})),
            unsupported(),
        ),
        (
            "otp for a phone",
            challenge(&sms, json!({"challenge_type": "otp"})),
            unsupported(),
        ),
        (
            "the e-mail channel for a phone",
            challenge(&sms, json!({"oob_channel": "email"})),
            unsupported(),
        ),
        (
            "recovery codes are never challenged",
            challenge(&recovery, json!({})),
            unsupported(),
        ),
        (
            "a challenge type that does not exist",
            challenge(&sms, json!({"challenge_type": "sms"})),
            error(
                400,
                "unsupported_challenge_type",
                "Unsupported challenge type: sms",
            ),
        ),
        (
            "another user's authenticator",
            challenge(&sms, json!({"authenticator_id": MULTI_SMS})),
            error(
                400,
                "invalid_request",
                format!("Invalid authenticator_id: {MULTI_SMS}"),
            ),
        ),
    ])
    .await;
}

#[tokio::test]
async fn a_challenge_checks_the_client_and_the_mfa_token() {
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
    let confidential = json!({"client_id": "regular-web-app", "mfa_token": confidential_token});
    mock.check([
        (
            "no client_id",
            post("/mfa/challenge", json!({"mfa_token": token})),
            error(400, "invalid_request", "missing client_id parameter"),
        ),
        (
            "an unknown client",
            post("/mfa/challenge", json!({"client_id": "nope", "mfa_token": token})),
            error(401, "invalid_client", "Unknown client: nope"),
        ),
        (
            "no mfa_token",
            post("/mfa/challenge", json!({"client_id": "native-app"})),
            error(400, "invalid_request", "missing mfa_token parameter"),
        ),
        (
            "a made-up mfa_token",
            challenge("garbage", json!({})),
            error(403, "invalid_grant", "Malformed mfa_token"),
        ),
        (
            "the native app's token presented by another client",
            post(
                "/mfa/challenge",
                json!({"client_id": "regular-web-app", "client_secret": CONFIDENTIAL_SECRET, "mfa_token": token}),
            ),
            error(403, "invalid_grant", "Malformed mfa_token"),
        ),
        (
            "malformed JSON",
            post_raw("/mfa/challenge", Some("application/json"), "{"),
            error(400, "invalid_request", "Invalid JSON body"),
        ),
        (
            "a confidential client without its secret",
            post("/mfa/challenge", confidential.clone()),
            error(401, "invalid_client", "Client authentication is required"),
        ),
        (
            "a confidential client with a wrong secret",
            post("/mfa/challenge", confidential).with(json!({"client_secret": "wrong"})),
            error(401, "invalid_client", "Invalid client credentials"),
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
async fn a_wrong_binding_code_is_refused_but_does_not_kill_the_oob_code() {
    let mock = Mock::new();
    let token = mock.mfa_token("sms_enrolled", json!({})).await;
    let oob = oob_code(&mock, &token, json!({})).await;
    let code = mock.last_code("+15555558730");
    mock.mfa_grant(
        MFA_OOB,
        json!({"mfa_token": token, "oob_code": oob, "binding_code": wrong_code(&code)}),
    )
    .await
    .expect(error(403, "invalid_grant", "Invalid binding_code."));
    mock.mfa_grant(MFA_OOB, json!({"mfa_token": token, "oob_code": oob}))
        .await
        .expect(error(
            400,
            "invalid_request",
            "missing binding_code parameter",
        ));
    let reply = mock
        .mfa_grant(
            MFA_OOB,
            json!({"mfa_token": token, "oob_code": oob, "binding_code": code}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
}

#[tokio::test]
async fn an_oob_code_only_works_with_its_own_mfa_token() {
    let mock = Mock::new();
    let first = mock.mfa_token("sms_enrolled", json!({})).await;
    let oob = oob_code(&mock, &first, json!({})).await;
    let code = mock.last_code("+15555558730");
    let second = mock.mfa_token("sms_enrolled", json!({})).await;
    mock.mfa_grant(
        MFA_OOB,
        json!({"mfa_token": second, "oob_code": oob, "binding_code": code}),
    )
    .await
    .expect(error(403, "invalid_grant", "Invalid oob_code."));
    mock.mfa_grant(
        MFA_OOB,
        json!({"mfa_token": first, "oob_code": "Fe26.2**nope", "binding_code": code}),
    )
    .await
    .expect(error(403, "invalid_grant", "Invalid oob_code."));
    mock.mfa_grant(MFA_OOB, json!({"mfa_token": first}))
        .await
        .expect(error(400, "invalid_request", "missing oob_code parameter"));
}

#[tokio::test]
async fn wrong_binding_codes_and_wrong_otps_share_one_limit() {
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
        .expect(error(403, "invalid_grant", "Invalid otp_code."));
    }
    let oob = oob_code(&mock, &token, json!({"authenticator_id": MULTI_SMS})).await;
    let code = mock.last_code(MULTI_PHONE);
    let wrong = json!({"mfa_token": token, "oob_code": oob, "binding_code": wrong_code(&code)});
    for _ in 0..5 {
        mock.mfa_grant(MFA_OOB, wrong.clone()).await.expect(error(
            403,
            "invalid_grant",
            "Invalid binding_code.",
        ));
    }
    let reply = mock
        .mfa_grant(
            MFA_OOB,
            json!({"mfa_token": token, "oob_code": oob, "binding_code": code}),
        )
        .await;
    reply.expect(error(
        429,
        "too_many_attempts",
        "Too many failed codes. Wait for some minutes before retrying.",
    ));
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
    let pending = "Authorization pending: please repeat the request in a few seconds.";

    mock.mfa_grant(MFA_OOB, poll.clone()).await.expect(error(
        400,
        "authorization_pending",
        pending,
    ));
    let approve = mock
        .call(post(
            format!("/__mock/push/{oob}/approve"),
            json!({"after_seconds": 10}),
        ))
        .await;
    assert_eq!(approve.status, 200, "{}", approve.text);
    assert_eq!(approve.json["decision"], "approved");
    // Polling again at once is too fast.
    mock.mfa_grant(MFA_OOB, poll.clone()).await.expect(error(
        400,
        "slow_down",
        "You are polling faster than allowed. Wait 5 seconds before polling again.",
    ));
    mock.state.clock().advance(5);
    mock.mfa_grant(MFA_OOB, poll.clone()).await.expect(error(
        400,
        "authorization_pending",
        pending,
    ));
    mock.state.clock().advance(5);
    let reply = mock.mfa_grant(MFA_OOB, poll.clone()).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert!(reply.json["id_token"].is_string());
    mock.state.clock().advance(5);
    mock.mfa_grant(MFA_OOB, poll)
        .await
        .expect(error(403, "invalid_grant", "Invalid oob_code."));
}

#[tokio::test]
async fn a_rejected_push_is_final() {
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
    assert_eq!(reply.status, 200, "{}", reply.text);
    let poll = json!({"mfa_token": token, "oob_code": oob});
    mock.mfa_grant(MFA_OOB, poll.clone()).await.expect(error(
        403,
        "invalid_grant",
        "MFA Authorization rejected.",
    ));
    mock.state.clock().advance(5);
    mock.mfa_grant(MFA_OOB, poll)
        .await
        .expect(error(403, "invalid_grant", "Invalid oob_code."));
}

#[tokio::test]
async fn the_push_approval_reaches_a_poll_made_right_after_it() {
    let mock = Mock::new();
    let token = mock.mfa_token("push_enrolled", json!({})).await;
    let oob = oob_code(&mock, &token, json!({"oob_channel": "auth0"})).await;
    let reply = mock
        .call(post(format!("/__mock/push/{oob}/approve"), json!({})))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let reply = mock
        .mfa_grant(MFA_OOB, json!({"mfa_token": token, "oob_code": oob}))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
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
    assert_eq!(
        mock.mfa_grant(MFA_OOB, poll.clone()).await.json["error"],
        "authorization_pending"
    );
    mock.state.clock().advance(1);
    mock.mfa_grant(MFA_OOB, poll.clone()).await.expect(error(
        400,
        "slow_down",
        "You are polling faster than allowed. Wait 2 seconds before polling again.",
    ));
    mock.state.clock().advance(2);
    assert_eq!(
        mock.mfa_grant(MFA_OOB, poll).await.json["error"],
        "authorization_pending"
    );
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
            error(405, "method_not_allowed", "Method Not Allowed"),
        ),
    ])
    .await;
}
