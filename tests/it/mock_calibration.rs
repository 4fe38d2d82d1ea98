//! Calibrating the mock to a real tenant: a fixture's `evidence_overrides:` replace the status,
//! `error` and `error_description` of catalogue entries wherever the mock answers them — JSON
//! errors of every endpoint, the errors a magic link redirects with, and emulated rate limits —
//! without a rebuild.

#![allow(
    clippy::unwrap_used,
    reason = "a test crate: a panic is a failed test, and clippy only exempts #[test] functions themselves"
)]

use std::path::Path;

use crate::support::{Mock, entry, error, get, otp_grant, post, redirect, status};
use passwordless_conformance::mock::Tenant;
use serde_json::json;

/// The built-in fixture with `overrides` appended (a YAML mapping body, indented two spaces).
fn calibrated(overrides: &str) -> Mock {
    let yaml = format!(
        "{}\nevidence_overrides:\n{overrides}",
        include_str!("../../mock/tenant.yaml")
    );
    Mock::with_tenant(Tenant::from_yaml_str(&yaml, Path::new("tenant.yaml")).unwrap())
}

#[tokio::test]
async fn an_override_replaces_status_code_and_text_and_keeps_the_values() {
    let mock = calibrated(
        "  token.otp.expired:\n    status: 400\n    error: expired_token\n    description: Code expired\n  token.grant_not_allowed:\n    description: \"{grant_type} is off for this app\"\n  mfa.bearer.missing:\n    status: 403\n",
    );
    let code = mock.email_code("native-app", "a@example.com").await;
    mock.state.clock().advance(181);
    mock.check([
        (
            "an expired code",
            otp_grant("email", "a@example.com", &code),
            error(400, "expired_token", "Code expired"),
        ),
        (
            "a grant the client lacks: only the text changes, with its value",
            otp_grant("email", "a@example.com", "123456")
                .with(json!({"client_id": "no-passwordless-app"})),
            error(
                403,
                "unauthorized_client",
                "http://auth0.com/oauth/grant-type/passwordless/otp is off for this app",
            )
            .json(
                "/error_uri",
                "https://auth0.com/docs/clients/client-grant-types",
            ),
        ),
        (
            "an answer from an extractor: only the status changes",
            get("/mfa/authenticators"),
            error(
                403,
                "invalid_grant",
                "The mfa_token provided is invalid. Try getting a new token.",
            )
            .header("content-type", "application/json; charset=utf-8"),
        ),
        (
            "an entry the fixture leaves alone",
            otp_grant("email", "nobody@example.com", "123456"),
            entry("token.otp.wrong_code_email"),
        ),
    ])
    .await;
}

#[tokio::test]
async fn a_link_redirects_with_the_calibrated_error() {
    let mock =
        calibrated("  token.otp.wrong_code_email:\n    description: That code is not right\n");
    let query = "client_id=native-app&connection=email&email=a%40example.com&verification_code=000000&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb";
    mock.check([(
        "a link with a wrong code",
        get(format!("/passwordless/verify_redirect?{query}")),
        redirect(&[
            ("error", Some("access_denied")),
            ("error_description", Some("That code is not right")),
        ]),
    )])
    .await;
}

#[tokio::test]
async fn an_emulated_rate_limit_answers_the_calibrated_429() {
    let yaml = format!(
        "{}\nrate_limits:\n  endpoints:\n    /passwordless/start: {{ burst: 1, per_hour: 1 }}\nevidence_overrides:\n  wire.rate_limited:\n    error: too_many_attempts\n    description: Slow down\n",
        include_str!("../../mock/tenant.yaml")
    );
    let mock = Mock::with_tenant(Tenant::from_yaml_str(&yaml, Path::new("t.yaml")).unwrap());
    let start = || {
        post(
            "/passwordless/start",
            json!({"client_id": "native-app", "connection": "email", "email": "a@example.com", "send": "code"}),
        )
    };
    mock.check([
        ("the burst", start(), status(200)),
        (
            "over the limit",
            start(),
            error(429, "too_many_attempts", "Slow down").header("x-ratelimit-remaining", "0"),
        ),
    ])
    .await;
}

#[test]
fn an_override_of_an_unknown_entry_is_refused_with_a_suggestion() {
    let yaml = format!(
        "{}\nevidence_overrides:\n  token.otp.expird:\n    status: 400\n",
        include_str!("../../mock/tenant.yaml")
    );
    let error = Tenant::from_yaml_str(&yaml, Path::new("tenant.yaml")).unwrap_err();
    let rendered = error.to_string();
    assert!(
        rendered.contains("`evidence_overrides` names `token.otp.expird`"),
        "{rendered}"
    );
    assert!(
        rendered.contains("did you mean `token.otp.expired`?"),
        "{rendered}"
    );
}
