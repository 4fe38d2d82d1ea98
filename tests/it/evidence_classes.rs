//! A run against a real tenant tells two kinds of failure apart by the evidence their checks name
//! (`evidence:` in an `expect`): a tenant that deviates from documented behaviour, and a guess of
//! the mock's that the tenant settled otherwise (calibrate). The "real tenant" here is the mock
//! served over a socket and calibrated by a fixture to answer otherwise, reached through a
//! `kind: remote` profile; the same scenarios pass on the embedded mock.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use passwordless_conformance::mock::{MockServer, Tenant};

use super::engine::project;

/// Without `grant_type`: the text is the mock's guess (`token.missing_parameter`, inferred).
const GUESS: &str = r#"name: a parameter other than client_id is missing
steps:
  - name: exchange without grant_type
    request:
      method: POST
      path: /oauth/token
      json: { client_id: "{{ clients.native.client_id }}", username: a@example.com, otp: "123456", realm: email }
    expect:
      evidence: token.missing_parameter
      status: 400
      body:
        $.error: invalid_request
        $.error_description: missing grant_type parameter
"#;

/// Without `client_id`: documented (`token.missing_client_id`).
const FACT: &str = r#"name: client_id is missing
steps:
  - name: exchange without client_id
    request:
      method: POST
      path: /oauth/token
      json: { grant_type: "http://auth0.com/oauth/grant-type/passwordless/otp", username: a@example.com, otp: "123456", realm: email }
    expect:
      evidence: token.missing_client_id
      status: 400
      body:
        $.error: invalid_request
        $.error_description: missing client_id parameter
"#;

/// The same check naming no evidence.
const UNNAMED: &str = r#"name: client_id is missing, no evidence named
steps:
  - name: exchange without client_id
    request:
      method: POST
      path: /oauth/token
      json: { grant_type: "http://auth0.com/oauth/grant-type/passwordless/otp", username: a@example.com, otp: "123456", realm: email }
    expect:
      status: 400
"#;

/// The built-in tenant, answering both entries otherwise.
fn calibrated_tenant() -> Tenant {
    let yaml = format!(
        "{}\nevidence_overrides:\n  token.missing_parameter:\n    description: \"{{name}} is required\"\n  token.missing_client_id:\n    status: 401\n    error: unauthorized_client\n",
        include_str!("../../mock/tenant.yaml")
    );
    Tenant::from_yaml_str(&yaml, Path::new("tenant.yaml")).unwrap()
}

fn scenarios_project(base_url: &str) -> PathBuf {
    let root = project(&[
        ("guess.yaml", GUESS),
        ("fact.yaml", FACT),
        ("unnamed.yaml", UNNAMED),
    ]);
    std::fs::write(
        root.join("targets.yaml"),
        format!(
            "tenant:\n  kind: remote\n  base_url: {base_url}\n  clients:\n    native: {{ client_id: native-app }}\n  connections:\n    email: email\n"
        ),
    )
    .unwrap();
    root
}

async fn run(root: PathBuf, target: &str) -> Output {
    let target = target.to_owned();
    tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_passwordless-conformance"))
            .args(["run", "--jobs", "1", "--no-snapshots", "--project"])
            .arg(&root)
            .env("CONFORMANCE_TARGET", target)
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

/// The `FAIL` line of `file` and the report indented under it.
fn report_of(stdout: &str, file: &str) -> String {
    let mut lines = stdout
        .lines()
        .skip_while(|line| !line.starts_with(&format!("FAIL {file}")));
    let first = lines
        .next()
        .unwrap_or_else(|| panic!("no FAIL {file} in:\n{stdout}"));
    let report: Vec<&str> = lines.take_while(|line| line.starts_with("     ")).collect();
    format!("{first}\n{}", report.join("\n"))
}

#[tokio::test(flavor = "multi_thread")]
async fn on_a_real_tenant_a_deviation_and_a_guess_to_calibrate_are_reported_apart() {
    let server = MockServer::start(calibrated_tenant()).await.unwrap();
    let root = scenarios_project(server.base_url());
    let output = run(root, "tenant").await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");

    let fact = report_of(&stdout, "fact.yaml");
    assert!(
        fact.lines()
            .next()
            .unwrap()
            .ends_with(": the tenant deviates from the evidence"),
        "{fact}"
    );
    assert!(
        fact.contains("rests on evidence `token.missing_client_id` (documented): https://"),
        "{fact}"
    );
    assert!(!fact.contains("evidence_overrides"), "{fact}");

    let guess = report_of(&stdout, "guess.yaml");
    assert!(
        guess
            .lines()
            .next()
            .unwrap()
            .ends_with(": the mock's guess differs: calibrate"),
        "{guess}"
    );
    assert!(
        guess.contains("rests on evidence `token.missing_parameter` (inferred)"),
        "{guess}"
    );
    assert!(
        guess.contains("evidence_overrides:")
            && guess.contains(
                "token.missing_parameter: { status: 400, error: \"invalid_request\", description: \"grant_type is required\" }"
            ),
        "{guess}"
    );

    let unnamed = report_of(&stdout, "unnamed.yaml");
    assert!(
        unnamed.lines().next().unwrap().ends_with(&format!(
            ": {}",
            passwordless_conformance::runner::FailureClass::Unclassified
        )),
        "{unnamed}"
    );

    assert!(stdout.contains("0 passed, 3 failed, 0 skipped"), "{stdout}");
    assert!(
        stdout.contains(
            "of the failures: 1 the tenant deviates from the evidence, 1 the mock's guess differs: calibrate, 1 "
        ),
        "{stdout}"
    );
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn on_the_embedded_mock_the_same_scenarios_pass_and_nothing_is_classified() {
    let root = scenarios_project("http://127.0.0.1:9");
    let output = run(root, "mock").await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("3 passed, 0 failed, 0 skipped"), "{stdout}");
    assert!(!stdout.contains("of the failures"), "{stdout}");
}
