//! `POST /passwordless/start` and `GET /passwordless/verify_redirect` of the mock tenant,
//! in-process: what start answers and sends, magic links, the order in which problems are found,
//! broken bodies, and contention. The exact errors are Auth0's contract and live in
//! `scenarios/errors/start/` and `scenarios/errors/link/`; these tests name them by catalogue
//! entry.

use std::path::Path;
use std::sync::Arc;

use crate::support::{
    CONFIDENTIAL_SECRET, Call, Mock, PUBLIC_URL, entry, entry_with, get, post, post_form, post_raw,
    query_param, redirect, status, wrong_code,
};
use passwordless_conformance::mock::Tenant;
use serde_json::{Value, json};

const START: &str = "/passwordless/start";

/// A code by e-mail for `qa+001@example.com` through the native app.
fn email_start() -> Call {
    post(
        START,
        json!({"client_id": "native-app", "connection": "email", "email": "qa+001@example.com", "send": "code"}),
    )
}

fn sms_start(phone: &str) -> Call {
    post(
        START,
        json!({"client_id": "native-app", "connection": "sms", "phone_number": phone}),
    )
}

// ---- success ------------------------------------------------------------------------------------

#[tokio::test]
async fn the_verified_flag_of_the_start_answer_is_the_users() {
    let mock = Mock::new();
    let reply = mock.call(email_start()).await;
    reply.expect(
        status(200)
            .json("/email", "qa+001@example.com")
            .json("/email_verified", false)
            .header("content-type", "application/json; charset=utf-8"),
    );
    let id = reply.json["_id"].as_str().unwrap();
    assert_eq!(id.len(), 24);
    assert!(id.chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(reply.json.as_object().unwrap().len(), 3);
    // After a login the address has a user, who proved it.
    let code = mock.last_code("qa+001@example.com");
    mock.otp_grant("email", "qa+001@example.com", &code, json!({}))
        .await
        .expect(status(200));
    mock.call(email_start())
        .await
        .expect(status(200).json("/email_verified", true));
    // A seed user exists from the start.
    mock.call(sms_start("+15555550100")).await.expect(
        status(200)
            .json("/phone_number", "+15555550100")
            .json("/phone_verified", true)
            .json("/request_language", Value::Null),
    );
    mock.call(sms_start("+15555550123"))
        .await
        .expect(status(200).json("/phone_verified", false));
}

#[tokio::test]
async fn email_code_is_recorded_in_the_outbox() {
    let mock = Mock::new();
    mock.call(email_start()).await.expect(status(200));
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
async fn clients_start_with_json_or_form_bodies() {
    Mock::new()
        .check([
            (
                "the confidential client with its secret",
                post(
                    START,
                    json!({"client_id": "regular-web-app", "client_secret": CONFIDENTIAL_SECRET,
                           "connection": "email", "email": "a@example.com", "send": "code"}),
                ),
                status(200),
            ),
            (
                "a form body, accepted leniently",
                post_form(
                    START,
                    &[
                        ("client_id", "native-app"),
                        ("connection", "sms"),
                        ("phone_number", "+15555550100"),
                        ("send", "code"),
                    ],
                ),
                status(200),
            ),
        ])
        .await;
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
    let start = post(
        START,
        json!({"client_id": "native-app", "connection": "email", "email": "a@example.com", "send": "link",
               "authParams": {"response_type": "code", "redirect_uri": "https://app.example.com/cb",
                              "scope": "openid email", "state": "xyz", "nonce": "n-1"}}),
    );
    mock.call(start).await.expect(status(200));
    let message = mock.state.outbox().latest("a@example.com").unwrap();
    let link = url::Url::parse(message.link.as_deref().unwrap()).unwrap();
    assert_eq!(
        link.as_str().split('?').next().unwrap(),
        format!("{PUBLIC_URL}/passwordless/verify_redirect")
    );
    for (name, value) in [
        ("client_id", "native-app"),
        ("connection", "email"),
        ("email", "a@example.com"),
        ("verification_code", message.code.as_str()),
        ("redirect_uri", "https://app.example.com/cb"),
        ("state", "xyz"),
    ] {
        assert_eq!(query_param(&link, name).as_deref(), Some(value), "{name}");
    }
    assert!(message.body.contains(link.as_str()));
}

#[tokio::test]
async fn omitted_send_defaults_to_a_link_for_email() {
    let mock = Mock::new();
    mock.call(email_start().without("send"))
        .await
        .expect(status(200));
    let message = mock.state.outbox().latest("qa+001@example.com").unwrap();
    assert!(message.link.is_some());
}

#[tokio::test]
async fn link_ios_and_link_android_point_at_app_paths_with_the_code() {
    let mock = Mock::new();
    for (send, platform) in [("link_ios", "ios"), ("link_android", "android")] {
        mock.call(email_start().with(json!({"send": send})))
            .await
            .expect(status(200));
        let message = mock.state.outbox().latest("qa+001@example.com").unwrap();
        assert_eq!(
            message.link.unwrap(),
            format!(
                "{PUBLIC_URL}/{platform}/native-app/email?code={}",
                message.code
            )
        );
    }
}

/// Sends a magic link to `email` and returns it as a path and query to open.
async fn link_for(mock: &Mock, email: &str, auth_params: Value) -> String {
    let start = post(
        START,
        json!({"client_id": "native-app", "connection": "email", "email": email, "send": "link", "authParams": auth_params}),
    );
    mock.call(start).await.expect(status(200));
    let link = url::Url::parse(&mock.state.outbox().latest(email).unwrap().link.unwrap()).unwrap();
    format!("{}?{}", link.path(), link.query().unwrap_or(""))
}

const CALLBACK: &str = "https://app.example.com/cb";

#[tokio::test]
async fn a_link_works_once_then_redirects_with_access_denied() {
    let mock = Mock::new();
    let link = link_for(
        &mock,
        "a@example.com",
        json!({"redirect_uri": CALLBACK, "state": "s-1", "response_type": "code"}),
    )
    .await;
    let first = mock.call(get(&link)).await;
    first.expect(redirect(&[("state", Some("s-1")), ("error", None)]));
    assert!(
        first
            .location()
            .as_str()
            .starts_with(&format!("{CALLBACK}?"))
    );
    assert!(query_param(&first.location(), "code").is_some_and(|code| !code.is_empty()));
    mock.check([(
        "the same link again",
        get(&link),
        redirect(&[
            ("error", Some("access_denied")),
            (
                "error_description",
                Some(description("token.otp.wrong_code_email", &[]).as_str()),
            ),
            ("state", Some("s-1")),
            ("code", None),
        ]),
    )])
    .await;
}

#[tokio::test]
async fn a_link_refused_before_its_redirect_uri_is_known_answers_json() {
    let mock = Mock::new();
    let without = link_for(&mock, "a@example.com", json!({})).await;
    let relative = link_for(&mock, "b@example.com", json!({"redirect_uri": "/cb"})).await;
    mock.check([
        (
            "no redirect_uri",
            get(without),
            entry_with("link.missing_parameter", &[("name", "redirect_uri")]),
        ),
        (
            "a relative redirect_uri",
            get(relative),
            entry_with("link.invalid_redirect_uri", &[("value", "/cb")]),
        ),
        (
            "no client_id",
            get("/passwordless/verify_redirect"),
            entry("start.missing_client_id"),
        ),
    ])
    .await;
}

#[tokio::test]
async fn a_link_refused_after_its_redirect_uri_is_known_redirects_with_the_error() {
    let mock = Mock::new();
    let token = link_for(
        &mock,
        "a@example.com",
        json!({"redirect_uri": CALLBACK, "response_type": "token"}),
    )
    .await;
    let audience = link_for(
        &mock,
        "b@example.com",
        json!({"redirect_uri": CALLBACK, "audience": "https://nope.example.com/"}),
    )
    .await;
    let expired = link_for(&mock, "c@example.com", json!({"redirect_uri": CALLBACK})).await;
    mock.check([
        (
            "response_type token",
            get(token),
            redirect(&[("error", Some("unsupported_response_type"))]),
        ),
        (
            "an unknown audience",
            get(audience),
            redirect(&[
                ("error", Some("access_denied")),
                (
                    "error_description",
                    Some(
                        description(
                            "token.audience_unknown",
                            &[("audience", "https://nope.example.com/")],
                        )
                        .as_str(),
                    ),
                ),
            ]),
        ),
        (
            "181 seconds later",
            post("/__mock/clock/advance", json!({"seconds": 181})),
            status(200),
        ),
        (
            "an expired link",
            get(expired),
            redirect(&[(
                "error_description",
                Some(description("token.otp.expired", &[]).as_str()),
            )]),
        ),
    ])
    .await;
}

#[tokio::test]
async fn a_wrong_code_in_a_link_counts_as_an_attempt() {
    let mock = Mock::new();
    let link = link_for(&mock, "a@example.com", json!({"redirect_uri": CALLBACK})).await;
    let code = mock.last_code("a@example.com");
    let wrong = link.replace(
        &format!("verification_code={code}"),
        &format!("verification_code={}", wrong_code(&code)),
    );
    let wrong_row = (
        "a wrong code",
        get(&wrong),
        redirect(&[("error", Some("access_denied"))]),
    );
    mock.check([
        wrong_row.clone(),
        wrong_row.clone(),
        wrong_row,
        (
            "the right code, too late",
            get(&link),
            redirect(&[(
                "error_description",
                Some(description("token.otp.attempts_exhausted", &[]).as_str()),
            )]),
        ),
    ])
    .await;
}

// ---- the order in which problems are found ---------------------------------------------------------

/// The description of catalogue entry `id` with `args` filled in.
fn description(id: &str, args: &[(&str, &str)]) -> String {
    passwordless_conformance::evidence::lookup(id)
        .unwrap()
        .describe(args)
}

#[tokio::test]
async fn start_finds_problems_in_auth0s_order() {
    // Each row carries every later problem too: the first one listed is the one answered.
    Mock::new()
        .check([
            (
                "no client_id",
                email_start()
                    .without("client_id")
                    .with(json!({"colour": "red"})),
                entry("start.missing_client_id"),
            ),
            (
                "an empty body",
                post_raw(START, None, ""),
                entry("start.missing_client_id"),
            ),
            (
                "an unknown property",
                email_start().with(json!({"colour": "red", "client_id": "nobody"})),
                entry_with("start.properties_not_allowed", &[("names", "colour")]),
            ),
            (
                "an unknown client",
                email_start().with(json!({"client_id": "nobody", "connection": "pigeon"})),
                entry_with("start.unknown_client", &[("client_id", "nobody")]),
            ),
            (
                "a confidential client without its secret",
                email_start().with(json!({"client_id": "regular-web-app", "connection": "pigeon"})),
                entry("start.client_authentication_required"),
            ),
            (
                "a confidential client with a wrong secret",
                email_start()
                    .with(json!({"client_id": "regular-web-app", "client_secret": "guess"})),
                entry("start.invalid_client_credentials"),
            ),
            (
                "no connection",
                email_start()
                    .without("connection")
                    .with(json!({"email": 5})),
                entry("start.missing_connection"),
            ),
            (
                "an unknown connection",
                email_start().with(json!({"connection": "carrier-pigeon", "email": 5})),
                entry("start.unknown_connection"),
            ),
            (
                "a connection the client does not have",
                sms_start("555").with(json!({"client_id": "email-only-app"})),
                entry("start.connection_disabled"),
            ),
            (
                "sms without phone_number",
                sms_start("+15555550100").without("phone_number"),
                entry("start.missing_phone_number"),
            ),
            (
                "no plus",
                sms_start("5555550100"),
                entry("start.phone_number_pattern"),
            ),
            (
                "spaces",
                sms_start("+1 555 555 0100"),
                entry("start.phone_number_pattern"),
            ),
            (
                "sixteen digits",
                sms_start("+1234567890123456"),
                entry("start.phone_number_pattern"),
            ),
            (
                "email without email",
                email_start()
                    .without("email")
                    .with(json!({"send": "pigeon"})),
                entry("start.missing_email"),
            ),
            (
                "a malformed email",
                email_start().with(json!({"email": "not-an-address", "send": "pigeon"})),
                entry_with("start.email_invalid", &[("value", "not-an-address")]),
            ),
            (
                "authParams an array",
                email_start().with(json!({"authParams": [1], "send": "pigeon"})),
                entry_with("start.auth_params_not_object", &[("type", "array")]),
            ),
            (
                "authParams a number",
                email_start().with(json!({"authParams": 3})),
                entry_with("start.auth_params_not_object", &[("type", "integer")]),
            ),
            (
                "an unknown send",
                email_start().with(json!({"send": "pigeon"})),
                entry_with("start.send_invalid", &[("value", "pigeon")]),
            ),
            (
                "a null client_id",
                post(START, json!({"client_id": null})),
                entry_with(
                    "start.not_a_string",
                    &[("field", "client_id"), ("type", "null")],
                ),
            ),
        ])
        .await;
}

#[tokio::test]
async fn broken_start_bodies_are_json_errors() {
    let oversized = format!("{{\"client_id\":\"{}\"}}", "x".repeat(70 * 1024));
    Mock::new()
        .check([
            (
                "malformed JSON",
                post_raw(START, Some("application/json"), "{\"client_id\":"),
                entry_with("wire.body.malformed_json", &[("code", "bad.request")]),
            ),
            (
                "a JSON array",
                post_raw(START, Some("application/json"), "[]"),
                entry_with("wire.body.not_an_object", &[("code", "bad.request")]),
            ),
            (
                "an unsupported content type",
                post_raw(START, Some("text/plain"), "client_id=native-app"),
                entry_with(
                    "wire.body.unsupported_content_type",
                    &[("code", "bad.request"), ("content_type", "text/plain")],
                ),
            ),
            (
                "an oversized body",
                post_raw(START, Some("application/json"), oversized),
                entry_with(
                    "wire.body.too_large",
                    &[("code", "bad.request"), ("limit", "65536")],
                ),
            ),
        ])
        .await;
}

#[tokio::test]
async fn disabled_signup_refuses_unknown_identifiers_but_serves_known_users() {
    let yaml = "clients:\n  - {client_id: c, name: C, role: native, app_type: native, connections: [email]}\nconnections:\n  - {name: email, strategy: email, disable_signup: true}\nusers:\n  - {user_id: 'email|65c4bca2b6c3ddf424cef5d5', connection: email, email: known@example.com}\n";
    let mock = Mock::with_tenant(Tenant::from_yaml_str(yaml, Path::new("t.yaml")).unwrap());
    let start = |email: &str| {
        post(
            START,
            json!({"client_id": "c", "connection": "email", "email": email, "send": "code"}),
        )
    };
    mock.check([
        (
            "a new address",
            start("new@example.com"),
            entry("start.signup_disabled"),
        ),
        (
            "a known user, in any case",
            start("Known@Example.com"),
            status(200),
        ),
    ])
    .await;
}

#[tokio::test]
async fn null_optional_properties_count_as_absent() {
    let mock = Mock::new();
    // auth0-python sends omitted fields as JSON null.
    let nulls = json!({"client_id": "native-app", "connection": "email", "email": "null@example.com",
                       "send": null, "authParams": null, "client_secret": null,
                       "client_assertion": null, "client_assertion_type": null});
    mock.check([
        ("optional properties null", post(START, nulls), status(200)),
        (
            "a required property null",
            post(
                START,
                json!({"client_id": "native-app", "connection": null, "email": "null@example.com"}),
            ),
            entry_with(
                "start.not_a_string",
                &[("field", "connection"), ("type", "null")],
            ),
        ),
    ])
    .await;
    // No `send` means a link for e-mail, as without the property.
    let message = mock.state.outbox().latest("null@example.com").unwrap();
    assert!(message.link.is_some(), "{message:?}");
}

// ---- under contention ---------------------------------------------------------------------------

/// Two hundred parallel starts for one address, fifty rounds: the outbox's newest message must
/// carry the code the store accepts. Before issuing and recording were one step, about one round
/// in eight (eight worker threads on two cores) left an older, already replaced code in the
/// outbox. Eight threads on purpose: more threads than cores get preempted between steps.
#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn the_outbox_keeps_the_newest_code_under_parallel_starts() {
    for round in 0..50 {
        let mock = Arc::new(Mock::new());
        let email = format!("contended-{round}@example.com");
        let mut starts = tokio::task::JoinSet::new();
        for _ in 0..200 {
            let (mock, email) = (Arc::clone(&mock), email.clone());
            starts.spawn(async move {
                let start = email_start().with(json!({"email": email}));
                mock.call(start).await.status
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
