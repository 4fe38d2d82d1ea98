//! Managing MFA factors on the mock tenant: `GET`/`DELETE /mfa/authenticators`,
//! `POST /mfa/associate` with its confirmation by the MFA grants, `GET /__mock/tenant`, and one
//! whole flow over a real socket.

#![allow(
    clippy::unwrap_used,
    reason = "a test crate: a panic is a failed test, and clippy only exempts #[test] functions themselves"
)]

use crate::support::{
    MFA_OOB, MFA_OTP, Mock, PUBLIC_URL, delete, error, get, post, post_raw, status, totp,
};
use passwordless_conformance::mock::{MockServer, Tenant};
use serde_json::{Value, json};

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|item| item["id"].as_str().unwrap().to_owned())
        .collect()
}

// ---- GET /mfa/authenticators (§5.2) -------------------------------------------------------------

#[tokio::test]
async fn the_authenticator_list_shows_every_factor_with_its_twins() {
    let mock = Mock::new();
    let token = mock.mfa_token("multi_factor", json!({})).await;
    let reply = mock.call(get("/mfa/authenticators").bearer(&token)).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(
        reply.json,
        json!([
            {"id": "recovery-code|dev_w9xn21kmms8BBJoK", "authenticator_type": "recovery-code", "active": true, "type": "recovery-code"},
            {"id": "sms|dev_ggro16khPwDsGyj0", "authenticator_type": "oob", "oob_channel": "sms", "name": "XXXXXXXX8731", "active": true, "type": "phone"},
            {"id": "voice|dev_ggro16khPwDsGyj0", "authenticator_type": "oob", "oob_channel": "voice", "name": "XXXXXXXX8731", "active": true, "type": "phone"},
            {"id": "email|dev_3KzXO4UjOoJAauLk", "authenticator_type": "oob", "oob_channel": "email", "name": "m*****@example.com", "active": true, "type": "email"},
            {"id": "push|dev_v7YkNJUomN2u17Zf", "authenticator_type": "oob", "oob_channel": "auth0", "name": "iPhone 15 (mock)", "active": true, "type": "push-notification"},
            {"id": "totp|dev_v7YkNJUomN2u17Zf", "authenticator_type": "otp", "active": true, "type": "otp"},
            {"id": "totp|dev_vlMFSKtXmj9rhVVC", "authenticator_type": "otp", "active": true, "type": "otp"},
        ])
    );
}

#[tokio::test]
async fn the_mfa_api_wants_a_valid_bearer_mfa_token() {
    let mock = Mock::new();
    let token = mock.mfa_token("totp_enrolled", json!({})).await;
    let challenge_header = "Bearer error=\"invalid_token\"";
    mock.check([
        (
            "no bearer",
            get("/mfa/authenticators"),
            error(401, "invalid_token", "Missing Bearer token")
                .header("www-authenticate", challenge_header),
        ),
        (
            "a forged bearer",
            get("/mfa/authenticators").bearer("Fe26.2**forged"),
            error(401, "invalid_token", "Malformed mfa_token")
                .header("www-authenticate", challenge_header),
        ),
        (
            "a made-up bearer, checked before the body",
            post_raw("/mfa/associate", Some("application/json"), "{").bearer("nope"),
            error(401, "invalid_token", "Malformed mfa_token"),
        ),
        (
            "601 seconds later",
            post("/__mock/clock/advance", json!({"seconds": 601})),
            status(200),
        ),
        (
            "an expired bearer",
            get("/mfa/authenticators").bearer(&token),
            error(401, "expired_token", "mfa_token is expired")
                .header("www-authenticate", challenge_header),
        ),
        (
            "an expired bearer on delete",
            delete("/mfa/authenticators/totp%7Cdev_EmbyVRbnXNn7Icrd").bearer(&token),
            error(401, "expired_token", "mfa_token is expired"),
        ),
    ])
    .await;
}

// ---- DELETE /mfa/authenticators/{id} (§5.3) -----------------------------------------------------

#[tokio::test]
async fn deleting_one_twin_deletes_both() {
    let mock = Mock::new();
    let token = mock.mfa_token("multi_factor", json!({})).await;
    let reply = mock
        .call(delete("/mfa/authenticators/voice%7Cdev_ggro16khPwDsGyj0").bearer(&token))
        .await;
    assert_eq!(reply.status, 204, "{}", reply.text);
    assert!(reply.text.is_empty());
    // The push device takes its OTP twin along, but not the separate TOTP device.
    let reply = mock
        .call(delete("/mfa/authenticators/push%7Cdev_v7YkNJUomN2u17Zf").bearer(&token))
        .await;
    assert_eq!(reply.status, 204, "{}", reply.text);
    let list = mock.call(get("/mfa/authenticators").bearer(&token)).await;
    assert_eq!(
        ids(&list.json),
        [
            "recovery-code|dev_w9xn21kmms8BBJoK",
            "email|dev_3KzXO4UjOoJAauLk",
            "totp|dev_vlMFSKtXmj9rhVVC",
        ]
    );
    mock.call(delete("/mfa/authenticators/sms%7Cdev_ggro16khPwDsGyj0").bearer(&token))
        .await
        .expect(error(
            404,
            "not_found",
            "Authenticator not found: sms|dev_ggro16khPwDsGyj0",
        ));
}

#[tokio::test]
async fn a_user_whose_last_factor_is_deleted_logs_in_without_mfa() {
    let mock = Mock::new();
    let token = mock.mfa_token("totp_enrolled", json!({})).await;
    // Another user's authenticator is not found.
    mock.call(delete("/mfa/authenticators/sms%7Cdev_5yzohH231zhLkoKW").bearer(&token))
        .await
        .expect(error(
            404,
            "not_found",
            "Authenticator not found: sms|dev_5yzohH231zhLkoKW",
        ));
    let reply = mock
        .call(delete("/mfa/authenticators/totp%7Cdev_EmbyVRbnXNn7Icrd").bearer(&token))
        .await;
    assert_eq!(reply.status, 204, "{}", reply.text);
    let email = mock.user_email("totp_enrolled");
    let reply = mock.email_login("native-app", &email, json!({})).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
}

// ---- POST /mfa/associate (§5.5) -----------------------------------------------------------------

#[tokio::test]
async fn enrolling_totp_then_confirming_it_with_mfa_otp() {
    let mock = Mock::new();
    mock.settle_at_step_start();
    let token = mock
        .mfa_token("must_enrol", json!({"scope": "openid"}))
        .await;
    let reply = mock
        .call(post("/mfa/associate", json!({"authenticator_types": ["otp"]})).bearer(&token))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json["authenticator_type"], "otp");
    let secret = reply.json["secret"].as_str().unwrap().to_owned();
    assert_eq!(secret.len(), 32);
    assert_eq!(
        reply.json["barcode_uri"],
        format!(
            "otpauth://totp/passwordless-conformance-mock:enrol@example.com?secret={secret}&issuer=passwordless-conformance-mock&algorithm=SHA1&digits=6&period=30"
        )
    );
    let recovery = reply.json["recovery_codes"][0].as_str().unwrap().to_owned();
    assert_eq!(recovery.len(), 24);
    assert!(
        recovery
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    );
    assert_eq!(reply.json["recovery_codes"].as_array().unwrap().len(), 1);

    // Unconfirmed: listed, not active.
    let list = mock.call(get("/mfa/authenticators").bearer(&token)).await;
    let actives: Vec<_> = list
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["type"].clone(), a["active"].clone()))
        .collect();
    assert_eq!(
        actives,
        [
            (json!("otp"), json!(false)),
            (json!("recovery-code"), json!(false))
        ]
    );

    let otp = totp(&secret, mock.state.clock().unix_now());
    let reply = mock
        .mfa_grant(MFA_OTP, json!({"mfa_token": token, "otp": otp}))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert!(reply.json["id_token"].is_string());
    let list = mock.call(get("/mfa/authenticators").bearer(&token)).await;
    assert!(
        list.json
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["active"] == true),
        "{}",
        list.text
    );

    // Now enrolled: the next login is challenged, and enrolling again is refused.
    let email = mock.user_email("must_enrol");
    let reply = mock.email_login("native-app", &email, json!({})).await;
    assert_eq!(
        reply.json["mfa_requirements"],
        json!({"challenge": [{"type": "otp"}, {"type": "recovery-code"}]})
    );
    let token = reply.json["mfa_token"].as_str().unwrap();
    mock.call(post("/mfa/associate", json!({"authenticator_types": ["otp"]})).bearer(token))
        .await
        .expect(error(403, "access_denied", "User is already enrolled"));
}

#[tokio::test]
async fn recovery_codes_come_with_the_first_enrolment_only() {
    let mock = Mock::new();
    let token = mock.mfa_token("must_enrol", json!({})).await;
    let first = mock
        .call(post("/mfa/associate", json!({"authenticator_types": "otp"})).bearer(&token))
        .await;
    assert_eq!(first.status, 200, "{}", first.text);
    assert!(first.json["recovery_codes"].is_array());
    let second = mock
        .call(
            post(
                "/mfa/associate",
                json!({
                    "authenticator_types": ["oob"],
                    "oob_channels": ["sms"],
                    "phone_number": "+15555550199",
                }),
            )
            .bearer(&token),
        )
        .await;
    assert_eq!(second.status, 200, "{}", second.text);
    assert!(
        second.json.get("recovery_codes").is_none(),
        "{}",
        second.text
    );
    assert_eq!(second.json["authenticator_type"], "oob");
    assert_eq!(second.json["oob_channel"], "sms");
    assert_eq!(second.json["binding_method"], "prompt");

    // Confirming the phone confirms the recovery code too; the TOTP stays unconfirmed.
    let code = mock.last_code("+15555550199");
    let reply = mock
        .mfa_grant(
            MFA_OOB,
            json!({"mfa_token": token, "oob_code": second.json["oob_code"], "binding_code": code}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let list = mock.call(get("/mfa/authenticators").bearer(&token)).await;
    let states: Vec<_> = list
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["id"]
                    .as_str()
                    .unwrap()
                    .split('|')
                    .next()
                    .unwrap()
                    .to_owned(),
                a["active"] == true,
            )
        })
        .collect();
    assert_eq!(
        states,
        [
            ("totp".to_owned(), false),
            ("recovery-code".to_owned(), true),
            ("sms".to_owned(), true),
            ("voice".to_owned(), true),
        ]
    );
    // The recovery code of the first enrolment now works.
    let recovery = first.json["recovery_codes"][0].as_str().unwrap();
    let reply = mock
        .mfa_grant(
            "http://auth0.com/oauth/grant-type/mfa-recovery-code",
            json!({"mfa_token": token, "recovery_code": recovery}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
}

#[tokio::test]
async fn enrolling_email_sends_a_code_through_the_outbox() {
    let mock = Mock::new();
    let token = mock.mfa_token("must_enrol", json!({})).await;
    let reply = mock
        .call(
            post(
                "/mfa/associate",
                json!({
                    "client_id": "native-app",
                    "authenticator_types": ["oob"],
                    "oob_channels": ["email"],
                    "email": "second-inbox@example.com",
                }),
            )
            .bearer(&token),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json["oob_channel"], "email");
    let message = mock
        .state
        .outbox()
        .latest("second-inbox@example.com")
        .unwrap();
    assert_eq!(serde_json::to_value(message.channel).unwrap(), "email");
    let reply = mock
        .mfa_grant(
            MFA_OOB,
            json!({"mfa_token": token, "oob_code": reply.json["oob_code"], "binding_code": message.code}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
}

#[tokio::test]
async fn enrolling_push_is_confirmed_when_the_device_approves() {
    let mock = Mock::new();
    let token = mock.mfa_token("must_enrol", json!({})).await;
    let reply = mock
        .call(
            post(
                "/mfa/associate",
                json!({"authenticator_types": ["oob"], "oob_channels": ["auth0"]}),
            )
            .bearer(&token),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json["oob_channel"], "auth0");
    assert!(reply.json.get("binding_method").is_none());
    assert!(reply.json["recovery_codes"].is_array());
    let barcode = reply.json["barcode_uri"].as_str().unwrap();
    assert!(
        barcode.starts_with(
            "otpauth://totp/passwordless-conformance-mock:enrol@example.com?enrollment_tx_id="
        ),
        "{barcode}"
    );
    assert!(
        barcode.ends_with(&format!(
            "&base_url={}",
            url::form_urlencoded::byte_serialize(format!("{PUBLIC_URL}/").as_bytes())
                .collect::<String>()
        )),
        "{barcode}"
    );
    let oob = reply.json["oob_code"].as_str().unwrap().to_owned();
    let poll = json!({"mfa_token": token, "oob_code": oob});
    assert_eq!(
        mock.mfa_grant(MFA_OOB, poll.clone()).await.json["error"],
        "authorization_pending"
    );
    let reply = mock
        .call(post(format!("/__mock/push/{oob}/approve"), json!({})))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    mock.state.clock().advance(5);
    let reply = mock.mfa_grant(MFA_OOB, poll).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let list = mock.call(get("/mfa/authenticators").bearer(&token)).await;
    let push = &list.json.as_array().unwrap()[0];
    assert_eq!(push["oob_channel"], "auth0");
    assert_eq!(push["name"], "Mock Device");
    assert_eq!(push["active"], true);
}

#[tokio::test]
async fn associate_reports_bad_requests() {
    let mock = Mock::new();
    let token = mock.mfa_token("must_enrol", json!({})).await;
    let associate = |body: Value| post("/mfa/associate", body).bearer(&token);
    let bad = |description: &str| error(400, "invalid_request", description);
    mock.check([
        (
            "no authenticator_types",
            associate(json!({})),
            bad("missing authenticator_types parameter"),
        ),
        (
            "types that are not strings",
            associate(json!({"authenticator_types": [1]})),
            bad("authenticator_types must be an array of strings"),
        ),
        (
            "an unknown type",
            associate(json!({"authenticator_types": ["webauthn"]})),
            bad("Unsupported authenticator type: webauthn"),
        ),
        (
            "two types at once",
            associate(json!({"authenticator_types": ["otp", "oob"]})),
            bad("Unsupported authenticator type: otp oob"),
        ),
        (
            "oob without channels",
            associate(json!({"authenticator_types": ["oob"]})),
            bad("missing oob_channels parameter"),
        ),
        (
            "an unknown channel",
            associate(json!({"authenticator_types": ["oob"], "oob_channels": ["pigeon"]})),
            bad("Unsupported oob channel: pigeon"),
        ),
        (
            "sms without phone_number",
            associate(json!({"authenticator_types": ["oob"], "oob_channels": ["sms"]})),
            bad("missing phone_number parameter"),
        ),
        (
            "voice with a bad phone number",
            associate(
                json!({"authenticator_types": ["oob"], "oob_channels": ["voice"], "phone_number": "555"}),
            ),
            bad("Invalid phone_number: 555"),
        ),
        (
            "email with a bad address",
            associate(
                json!({"authenticator_types": ["oob"], "oob_channels": ["email"], "email": "nope"}),
            ),
            bad("Invalid email: nope"),
        ),
        (
            "nothing was enrolled by the failed calls",
            get("/mfa/authenticators").bearer(&token),
            status(200).json("", json!([])),
        ),
    ])
    .await;
}

// ---- control API --------------------------------------------------------------------------------

#[tokio::test]
async fn the_tenant_description_lists_users_with_roles_and_factor_secrets() {
    let mock = Mock::new();
    let reply = mock.call(get("/__mock/tenant")).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json["mfa"]["policy"], "when_enrolled");
    assert_eq!(reply.json["mfa"]["push_poll_interval_seconds"], 5);
    let users = reply.json["users"].as_array().unwrap();
    let by_role = |role: &str| {
        users
            .iter()
            .find(|user| user["role"] == role)
            .unwrap_or_else(|| panic!("no user with role {role}"))
            .clone()
    };
    let totp_user = by_role("totp_enrolled");
    assert_eq!(totp_user["email"], "totp@example.com");
    assert_eq!(
        totp_user["factors"],
        json!([{
            "type": "totp",
            "id": "dev_EmbyVRbnXNn7Icrd",
            "secret": mock.totp_secret("totp_enrolled"),
            "active": true,
            "authenticator_ids": ["totp|dev_EmbyVRbnXNn7Icrd"],
        }])
    );
    assert_eq!(
        by_role("sms_enrolled")["factors"][0]["phone_number"],
        "+15555558730"
    );
    assert_eq!(
        by_role("recovery_enrolled")["factors"][0]["recovery_code"],
        mock.recovery_code("recovery_enrolled")
    );
    assert_eq!(
        by_role("push_enrolled")["factors"][0]["authenticator_ids"],
        json!(["push|dev_b1Vuc6KL2kRxjke1", "totp|dev_b1Vuc6KL2kRxjke1"])
    );
    assert_eq!(
        by_role("multi_factor")["factors"].as_array().unwrap().len(),
        5
    );
    let enrol = by_role("must_enrol");
    assert_eq!(enrol["mfa"], "always");
    assert_eq!(enrol["factors"], json!([]));
    assert_eq!(by_role("existing_email")["mfa"], Value::Null);

    // A rotated recovery code shows up at once.
    let token = mock.mfa_token("recovery_enrolled", json!({})).await;
    let reply = mock
        .mfa_grant(
            "http://auth0.com/oauth/grant-type/mfa-recovery-code",
            json!({"mfa_token": token, "recovery_code": mock.recovery_code("recovery_enrolled")}),
        )
        .await;
    let fresh = reply.json["recovery_code"].clone();
    let users = mock.call(get("/__mock/tenant")).await.json["users"].clone();
    let recovery = users
        .as_array()
        .unwrap()
        .iter()
        .find(|user| user["role"] == "recovery_enrolled")
        .unwrap()
        .clone();
    assert_eq!(recovery["factors"][0]["recovery_code"], fresh);
}

// ---- over a socket ------------------------------------------------------------------------------

#[tokio::test]
async fn the_whole_totp_flow_works_over_a_socket() {
    let server = MockServer::start(Tenant::builtin()).await.unwrap();
    let base = server.base_url().to_owned();
    let http = reqwest::Client::new();
    let now = server.state().clock().unix_now();
    server.state().clock().advance(30 - now % 30);

    let start = http
        .post(format!("{base}/passwordless/start"))
        .json(&json!({"client_id": "native-app", "connection": "email", "email": "totp@example.com", "send": "code"}))
        .send()
        .await
        .unwrap();
    assert_eq!(start.status(), 200);
    let code = server
        .state()
        .outbox()
        .latest("totp@example.com")
        .unwrap()
        .code;
    let reply = http
        .post(format!("{base}/oauth/token"))
        .form(&[
            (
                "grant_type",
                "http://auth0.com/oauth/grant-type/passwordless/otp",
            ),
            ("client_id", "native-app"),
            ("realm", "email"),
            ("username", "totp@example.com"),
            ("otp", &code),
            ("scope", "openid"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 403);
    let body: Value = reply.json().await.unwrap();
    let token = body["mfa_token"].as_str().unwrap().to_owned();

    let list: Value = http
        .get(format!("{base}/mfa/authenticators"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list[0]["id"], "totp|dev_EmbyVRbnXNn7Icrd");

    let tenant: Value = http
        .get(format!("{base}/__mock/tenant"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let secret = tenant["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|user| user["role"] == "totp_enrolled")
        .unwrap()["factors"][0]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let otp = totp(&secret, server.state().clock().unix_now());
    let reply = http
        .post(format!("{base}/oauth/token"))
        .form(&[
            ("grant_type", MFA_OTP),
            ("client_id", "native-app"),
            ("mfa_token", &token),
            ("otp", &otp),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    let tokens: Value = reply.json().await.unwrap();
    assert!(tokens["id_token"].is_string());

    let deleted = http
        .delete(format!(
            "{base}/mfa/authenticators/totp%7Cdev_EmbyVRbnXNn7Icrd"
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    server.shutdown().await.unwrap();
}
