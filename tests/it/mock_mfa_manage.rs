//! Managing MFA factors on the mock tenant: the mechanics of `GET`/`DELETE /mfa/authenticators`
//! (twins, what the tenant's features list), `POST /mfa/associate` with its confirmation by the
//! MFA grants, `GET /__mock/tenant`, and one whole flow over a real socket. The exact answers are
//! Auth0's contract and live in `scenarios/errors/mfa/` and `scenarios/mfa/`.
//!
//! Over 600 lines on purpose: the factors' life cycle (list, enrol, confirm, delete) reads as one
//! story over one helper; the table-driven error cases are already in YAML.

#![allow(
    clippy::unwrap_used,
    reason = "a test crate: a panic is a failed test, and clippy only exempts #[test] functions themselves"
)]

use crate::support::{MFA_OOB, MFA_OTP, Mock, delete, entry, get, post, post_raw, status, totp};
use passwordless_conformance::mock::{MfaFactor, MockServer, Tenant, TenantFeatures};
use serde_json::{Value, json};

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|item| item["id"].as_str().unwrap().to_owned())
        .collect()
}

/// The built-in tenant with other features.
fn with_features(customizable_mfa: bool, factors: &[MfaFactor]) -> Mock {
    let mut tenant = Tenant::builtin();
    tenant.features = TenantFeatures {
        customizable_mfa,
        factors: factors.to_vec(),
    };
    Mock::with_tenant(tenant)
}

/// The authenticator ids of the user with `role`, as the roster lists them.
async fn roster_ids(mock: &Mock, role: &str) -> Vec<String> {
    let tenant = mock.call(get("/__mock/tenant")).await.json;
    let user = tenant["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|user| user["role"] == role)
        .unwrap()
        .clone();
    user["factors"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|factor| factor["authenticator_ids"].as_array().unwrap().clone())
        .map(|id| id.as_str().unwrap().to_owned())
        .collect()
}

// ---- GET /mfa/authenticators --------------------------------------------------------------------

#[tokio::test]
async fn the_list_shows_every_factor_in_the_recorded_shape() {
    let mock = Mock::new();
    let token = mock.mfa_token("multi_factor", json!({})).await;
    let reply = mock.call(get("/mfa/authenticators").bearer(&token)).await;
    reply.expect(status(200).header("content-type", "application/json; charset=utf-8"));
    let push_twin = roster_ids(&mock, "multi_factor").await[4].clone();
    assert!(push_twin.starts_with("totp|dev_"), "{push_twin}");
    assert_ne!(push_twin, "totp|dev_v7YkNJUomN2u17Zf");
    assert_eq!(
        reply.json,
        json!([
            {"id": "recovery-code|dev_w9xn21kmms8BBJoK", "authenticator_type": "recovery-code", "active": true},
            {"id": "sms|dev_ggro16khPwDsGyj0", "authenticator_type": "oob", "active": true, "oob_channel": "sms", "name": "XXXXXXXX8731"},
            {"id": "email|dev_3KzXO4UjOoJAauLk", "authenticator_type": "oob", "active": true, "oob_channel": "email", "name": "*****@exam*******"},
            {"id": "push|dev_v7YkNJUomN2u17Zf", "authenticator_type": "oob", "active": true, "oob_channel": "auth0"},
            {"id": push_twin, "authenticator_type": "otp", "active": true},
            {"id": "totp|dev_vlMFSKtXmj9rhVVC", "authenticator_type": "otp", "active": true},
        ])
    );
    // The member order is the recording's.
    assert!(
        reply
            .text
            .contains(r#"{"id":"sms|dev_ggro16khPwDsGyj0","authenticator_type":"oob","active":true,"oob_channel":"sms","name":"XXXXXXXX8731"}"#),
        "{}",
        reply.text
    );
}

#[tokio::test]
async fn the_tenant_features_decide_twins_types_and_verified_emails() {
    // A plain tenant: no voice twin, no `type`, no verified e-mail.
    let plain = with_features(false, &[MfaFactor::Otp, MfaFactor::Sms]);
    let token = plain.mfa_token("sms_enrolled", json!({})).await;
    let list = plain.call(get("/mfa/authenticators").bearer(&token)).await;
    assert_eq!(ids(&list.json), ["sms|dev_5yzohH231zhLkoKW"]);
    assert!(list.json[0].get("type").is_none());

    // Voice, e-mail and Customizable MFA: the twin, the address and `type`.
    let rich = with_features(
        true,
        &[
            MfaFactor::Otp,
            MfaFactor::Sms,
            MfaFactor::Voice,
            MfaFactor::Email,
        ],
    );
    let token = rich.mfa_token("sms_enrolled", json!({})).await;
    let list = rich.call(get("/mfa/authenticators").bearer(&token)).await;
    let ids = ids(&list.json);
    assert_eq!(
        &ids[..2],
        ["sms|dev_5yzohH231zhLkoKW", "voice|dev_5yzohH231zhLkoKW"]
    );
    assert!(ids[2].starts_with("email|dev_"), "{ids:?}");
    let types: Vec<&Value> = list
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|a| &a["type"])
        .collect();
    assert_eq!(types, [&json!("phone"), &json!("phone"), &json!("email")]);
    assert_eq!(list.json[2]["name"], "*******@exam*******");
    assert_eq!(list.json[2]["active"], true);
    // The verified e-mail has the same id at every login.
    let again = rich.mfa_token("sms_enrolled", json!({})).await;
    let list = rich.call(get("/mfa/authenticators").bearer(&again)).await;
    assert_eq!(list.json[2]["id"], json!(ids[2]));
}

#[tokio::test]
async fn a_tenant_without_a_factor_does_not_enrol_it() {
    let mock = with_features(false, &[MfaFactor::Otp]);
    let token = mock.mfa_token("must_enrol", json!({})).await;
    let associate = |body: Value| post("/mfa/associate", body).bearer(&token);
    mock.check([
        (
            "sms on a tenant without it",
            associate(
                json!({"authenticator_types": ["oob"], "oob_channels": ["sms"], "phone_number": "+15555550199"}),
            ),
            crate::support::entry_with("mfa.associate.unsupported_channel", &[("value", "sms")]),
        ),
        (
            "an authenticator app, which it has, without recovery codes",
            associate(json!({"authenticator_types": ["otp"]})),
            status(200).json("/recovery_codes", Value::Null),
        ),
    ])
    .await;
}

#[tokio::test]
async fn the_bearer_is_checked_before_the_body() {
    Mock::new()
        .check([(
            "a made-up bearer with a broken body",
            post_raw("/mfa/associate", Some("application/json"), "{").bearer("nope"),
            entry("mfa.bearer.invalid"),
        )])
        .await;
}

// ---- DELETE /mfa/authenticators/{id} ------------------------------------------------------------

#[tokio::test]
async fn deleting_one_twin_deletes_both() {
    let mock = Mock::new();
    let access = mock.mfa_access_token("multi_factor").await;
    let push_twin = roster_ids(&mock, "multi_factor").await[4].clone();
    // The push device's OTP twin takes the push device along, but not the separate TOTP device.
    let reply = mock
        .call(
            delete(format!(
                "/mfa/authenticators/{}",
                push_twin.replace('|', "%7C")
            ))
            .bearer(&access),
        )
        .await;
    reply.expect(status(204));
    assert!(reply.text.is_empty());
    let list = mock.call(get("/mfa/authenticators").bearer(&access)).await;
    assert_eq!(
        ids(&list.json),
        [
            "recovery-code|dev_w9xn21kmms8BBJoK",
            "sms|dev_ggro16khPwDsGyj0",
            "email|dev_3KzXO4UjOoJAauLk",
            "totp|dev_vlMFSKtXmj9rhVVC",
        ]
    );
    mock.call(delete("/mfa/authenticators/push%7Cdev_v7YkNJUomN2u17Zf").bearer(&access))
        .await
        .expect(entry("mfa.delete.not_found"));
}

#[tokio::test]
async fn a_user_whose_last_factor_is_deleted_logs_in_without_mfa() {
    let mock = Mock::new();
    let access = mock.mfa_access_token("totp_enrolled").await;
    // Another user's authenticator is not found.
    mock.call(delete("/mfa/authenticators/sms%7Cdev_5yzohH231zhLkoKW").bearer(&access))
        .await
        .expect(entry("mfa.delete.not_found"));
    mock.call(delete("/mfa/authenticators/totp%7Cdev_EmbyVRbnXNn7Icrd").bearer(&access))
        .await
        .expect(status(204));
    let email = mock.user_email("totp_enrolled");
    let reply = mock.email_login("native-app", &email, json!({})).await;
    reply.expect(status(200));
}

#[tokio::test]
async fn an_mfa_access_token_expires_after_ten_minutes() {
    let mock = Mock::new();
    let access = mock.mfa_access_token("totp_enrolled").await;
    mock.state.clock().advance(599);
    mock.call(get("/mfa/authenticators").bearer(&access))
        .await
        .expect(status(200));
    mock.state.clock().advance(1);
    mock.call(get("/mfa/authenticators").bearer(&access))
        .await
        .expect(entry("mfa.bearer.expired"));
}

// ---- POST /mfa/associate ------------------------------------------------------------------------

#[tokio::test]
async fn recovery_codes_come_with_the_first_enrolment_and_the_first_confirmation_confirms_them() {
    let mock = Mock::new();
    let token = mock.mfa_token("must_enrol", json!({})).await;
    let first = mock
        .call(post("/mfa/associate", json!({"authenticator_types": "otp"})).bearer(&token))
        .await;
    first.expect(status(200));
    let recovery = first.json["recovery_codes"][0].as_str().unwrap().to_owned();
    assert_eq!(recovery.len(), 24);
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
    second.expect(status(200));
    assert!(
        second.json.get("recovery_codes").is_none(),
        "{}",
        second.text
    );
    // The recorded member order.
    let members: Vec<&String> = second.json.as_object().unwrap().keys().collect();
    assert_eq!(
        members,
        [
            "authenticator_type",
            "binding_method",
            "oob_channel",
            "oob_code"
        ]
    );

    // Confirming the phone confirms the recovery code too; the TOTP stays unconfirmed.
    let code = mock.last_code("+15555550199");
    mock.mfa_grant(
        MFA_OOB,
        json!({"mfa_token": token, "oob_code": second.json["oob_code"], "binding_code": code}),
    )
    .await
    .expect(status(200));
    let list = mock.call(get("/mfa/authenticators").bearer(&token)).await;
    let states: Vec<_> = list
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let kind = a["id"].as_str().unwrap().split('|').next().unwrap();
            (kind.to_owned(), a["active"] == true)
        })
        .collect();
    assert_eq!(
        states,
        [
            ("totp".to_owned(), false),
            ("recovery-code".to_owned(), true),
            ("sms".to_owned(), true),
            ("email".to_owned(), true),
        ]
    );
    // The recovery code of the first enrolment now works.
    mock.mfa_grant(
        "http://auth0.com/oauth/grant-type/mfa-recovery-code",
        json!({"mfa_token": token, "recovery_code": recovery}),
    )
    .await
    .expect(status(200));
    // Now enrolled: the mfa_token may not enrol more.
    mock.call(post("/mfa/associate", json!({"authenticator_types": ["otp"]})).bearer(&token))
        .await
        .expect(entry("mfa.associate.already_enrolled"));
}

#[tokio::test]
async fn enrolling_totp_is_confirmed_by_its_first_code() {
    let mock = Mock::new();
    mock.settle_at_step_start();
    let token = mock.mfa_token("must_enrol", json!({})).await;
    let reply = mock
        .call(post("/mfa/associate", json!({"authenticator_types": ["otp"]})).bearer(&token))
        .await;
    reply.expect(status(200));
    let secret = reply.json["secret"].as_str().unwrap().to_owned();
    assert_eq!(
        reply.json["barcode_uri"],
        format!(
            "otpauth://totp/passwordless-conformance-mock:enrol%40example.com?secret={secret}&issuer=passwordless-conformance-mock&algorithm=SHA1&digits=6&period=30"
        )
    );
    let otp = totp(&secret, mock.state.clock().unix_now());
    mock.mfa_grant(MFA_OTP, json!({"mfa_token": token, "otp": otp}))
        .await
        .expect(status(200));
    let email = mock.user_email("must_enrol");
    let reply = mock.email_login("native-app", &email, json!({})).await;
    reply.expect(entry("token.mfa_required"));
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
    reply.expect(status(200).json("/oob_channel", "email"));
    let message = mock
        .state
        .outbox()
        .latest("second-inbox@example.com")
        .unwrap();
    assert_eq!(serde_json::to_value(message.channel).unwrap(), "email");
    mock.mfa_grant(
        MFA_OOB,
        json!({"mfa_token": token, "oob_code": reply.json["oob_code"], "binding_code": message.code}),
    )
    .await
    .expect(status(200));
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
    reply.expect(status(200).json("/oob_channel", "auth0"));
    let members: Vec<&String> = reply.json.as_object().unwrap().keys().collect();
    assert_eq!(
        members,
        [
            "authenticator_type",
            "barcode_uri",
            "recovery_codes",
            "oob_channel",
            "oob_code"
        ]
    );
    let barcode = reply.json["barcode_uri"].as_str().unwrap();
    let (prefix, base_url) = barcode.split_once("&base_url=").unwrap();
    assert_eq!(
        base_url,
        "https%3A%2F%2Fpasswordless-conformance-mock.guardian.us.auth0.com"
    );
    let transaction = prefix
        .strip_prefix(
            "otpauth://totp/passwordless-conformance-mock:enrol%40example.com?enrollment_tx_id=",
        )
        .unwrap();
    assert_eq!(transaction.len(), 32);
    assert!(transaction.chars().all(|c| c.is_ascii_alphanumeric()));
    let oob = reply.json["oob_code"].as_str().unwrap().to_owned();
    let poll = json!({"mfa_token": token, "oob_code": oob});
    mock.mfa_grant(MFA_OOB, poll.clone())
        .await
        .expect(entry("token.mfa_oob.pending"));
    mock.call(post(format!("/__mock/push/{oob}/approve"), json!({})))
        .await
        .expect(status(200));
    mock.state.clock().advance(5);
    mock.mfa_grant(MFA_OOB, poll).await.expect(status(200));
    let list = mock.call(get("/mfa/authenticators").bearer(&token)).await;
    let push = &list.json.as_array().unwrap()[0];
    assert_eq!(push["oob_channel"], "auth0");
    assert!(push.get("name").is_none());
    assert_eq!(push["active"], true);
}

#[tokio::test]
async fn failed_enrolments_enrol_nothing() {
    let mock = Mock::new();
    let token = mock.mfa_token("must_enrol", json!({})).await;
    let associate = |body: Value| post("/mfa/associate", body).bearer(&token);
    mock.check([
        (
            "two types at once",
            associate(json!({"authenticator_types": ["otp", "oob"]})),
            status(400),
        ),
        (
            "sms without phone_number",
            associate(json!({"authenticator_types": ["oob"], "oob_channels": ["sms"]})),
            status(400),
        ),
        (
            "a bad phone number",
            associate(
                json!({"authenticator_types": ["oob"], "oob_channels": ["sms"], "phone_number": "555"}),
            ),
            status(400),
        ),
    ])
    .await;
    let list = mock.call(get("/mfa/authenticators").bearer(&token)).await;
    let kinds: Vec<&str> = list
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["oob_channel"].as_str().unwrap_or("none"))
        .collect();
    // Only the verified e-mail of the login.
    assert_eq!(kinds, ["email"]);
}

// ---- control API --------------------------------------------------------------------------------

#[tokio::test]
async fn the_tenant_description_lists_users_with_roles_features_and_factor_secrets() {
    let mock = Mock::new();
    let reply = mock.call(get("/__mock/tenant")).await;
    reply.expect(status(200));
    assert_eq!(reply.json["mfa"]["policy"], "when_enrolled");
    assert_eq!(reply.json["mfa"]["push_poll_interval_seconds"], 5);
    assert_eq!(
        reply.json["features"],
        json!({"customizable_mfa": false, "factors": ["otp", "sms", "email", "push", "recovery_code"]})
    );
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
        by_role("sms_enrolled")["factors"][0]["authenticator_ids"],
        json!(["sms|dev_5yzohH231zhLkoKW"])
    );
    let push_ids = by_role("push_enrolled")["factors"][0]["authenticator_ids"].clone();
    assert_eq!(push_ids[0], "push|dev_b1Vuc6KL2kRxjke1");
    assert!(push_ids[1].as_str().unwrap().starts_with("totp|dev_"));
    assert_eq!(
        by_role("multi_factor")["factors"].as_array().unwrap().len(),
        5
    );
    let enrol = by_role("must_enrol");
    assert_eq!(enrol["mfa"], "always");
    assert_eq!(enrol["factors"], json!([]));

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
            ("scope", "openid remove:authenticators"),
            ("audience", &format!("{base}/mfa/")),
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
    let access = tokens["access_token"].as_str().unwrap();

    let deleted = http
        .delete(format!(
            "{base}/mfa/authenticators/totp%7Cdev_EmbyVRbnXNn7Icrd"
        ))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    server.shutdown().await.unwrap();
}
