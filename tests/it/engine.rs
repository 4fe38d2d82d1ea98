//! The engine end to end on throw-away projects: broken files, broken targets, the CLI.
//!
//! Each test builds a small project folder (scenarios + the real schemas) and runs it through the
//! same `Suite` that `cargo test` and `run` use.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::time::Duration;

use passwordless_conformance::targets::{ClientCredentials, OtpSources, RemoteTarget, TargetKind};
use passwordless_conformance::validate::ProjectContext;
use passwordless_conformance::{
    SchemaRegistry, SnapshotMode, Suite, TargetConfig, TrialOutcome, discover,
};

pub(crate) fn project(files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "pc-engine-{}-{}",
        std::process::id(),
        rand_suffix()
    ));
    for (name, text) in files {
        let path = dir.join("scenarios").join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::SeqCst)
}

pub(crate) fn suite(root: &Path, target: TargetConfig) -> Suite {
    Suite {
        scenarios_dir: root.join("scenarios"),
        snapshots_dir: root.join("snapshots"),
        target: Ok(target),
        schemas: SchemaRegistry::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas")),
        snapshots: SnapshotMode::Skip,
        run_id: "test".to_owned(),
        // Validate against this repository's schemas, profiles and fixtures.
        project: ProjectContext::load(Path::new(env!("CARGO_MANIFEST_DIR"))),
        prepared: Default::default(),
        record_steps: true,
    }
}

fn mock_target() -> TargetConfig {
    TargetConfig::builtin_mock()
}

pub(crate) fn remote_target(base_url: &str, timeout: Duration) -> TargetConfig {
    let mut clients = BTreeMap::new();
    clients.insert(
        "native".to_owned(),
        ClientCredentials {
            client_id: "faulty-client".to_owned(),
            client_secret: None,
        },
    );
    TargetConfig {
        name: "faulty".to_owned(),
        kind: TargetKind::Remote(RemoteTarget {
            base_url: base_url.to_owned(),
            clients,
            connections: BTreeMap::new(),
            users: BTreeMap::new(),
        }),
        timeout,
        otp_sources: OtpSources::default(),
        ..TargetConfig::builtin_mock()
    }
}

pub(crate) fn run_all(suite: &Suite) -> BTreeMap<String, TrialOutcome> {
    discover(&suite.scenarios_dir)
        .unwrap()
        .into_iter()
        .map(|file| (file.id.clone(), suite.run_file(&file)))
        .collect()
}

pub(crate) fn failure(outcome: &TrialOutcome) -> &str {
    match outcome {
        TrialOutcome::Failed(failure) => &failure.report,
        other => panic!("expected a failure, got {other:?}"),
    }
}

pub(crate) const DISCOVERY: &str = r#"
name: discovery
steps:
  - name: read discovery
    request:
      method: GET
      path: /.well-known/openid-configuration
    expect:
      status: 200
"#;

#[test]
fn a_broken_file_is_one_failure_and_the_others_still_run() {
    let root = project(&[
        ("good.yaml", DISCOVERY),
        (
            "broken.yaml",
            "name: broken\nsteps:\n  - name: a\n    reqest:\n      method: GET\n",
        ),
    ]);
    let outcomes = run_all(&suite(&root, mock_target()));
    assert_eq!(outcomes["good.yaml"], TrialOutcome::Passed);
    let report = failure(&outcomes["broken.yaml"]);
    assert!(report.contains("--> scenarios/broken.yaml:4:5"), "{report}");
    assert!(report.contains("did you mean `request`?"), "{report}");
}

#[test]
fn a_failing_check_names_the_step_the_line_and_what_came_back() {
    let root = project(&[(
        "wrong.yaml",
        r#"
name: wrong expectations
steps:
  - name: read discovery
    request:
      method: GET
      path: /.well-known/openid-configuration
    expect:
      status: 201
      schema: oauth-error.json
      body:
        $.issuer: { regex: "^nope" }
"#,
    )]);
    let outcomes = run_all(&suite(&root, mock_target()));
    let report = failure(&outcomes["wrong.yaml"]);
    assert!(
        report.contains("step 1 of 1 (`read discovery`) failed"),
        "{report}"
    );
    assert!(report.contains("status: expected 201, got 200"), "{report}");
    assert!(report.contains("schema `oauth-error.json`"), "{report}");
    assert!(
        report.contains("body `$.issuer`: expected a match for /^nope/"),
        "{report}"
    );
    assert!(report.contains("at scenarios/wrong.yaml:12:9"), "{report}");
    assert!(report.contains("exchange so far (redacted):"), "{report}");
    // The mock's port changes every run; reports show the placeholder.
    assert!(report.contains("[base_url]/"), "{report}");
}

#[test]
fn an_undefined_template_name_fails_before_the_first_request() {
    let root = project(&[(
        "undefined.yaml",
        r#"
name: undefined
steps:
  - name: use a capture that does not exist
    request:
      method: GET
      path: "/x?c={{ nothing_here }}"
"#,
    )]);
    let outcomes = run_all(&suite(&root, mock_target()));
    let report = failure(&outcomes["undefined.yaml"]);
    assert!(
        report.contains("unknown name `nothing_here` in step 1"),
        "{report}"
    );
    assert!(
        report.contains("--> scenarios/undefined.yaml:7:22"),
        "{report}"
    );
    assert!(!report.contains("exchange so far"), "{report}");
}

#[test]
fn a_template_only_the_run_can_check_is_a_clear_failure() {
    // Environment variables are read when the step runs; an unset one is a rendering error.
    let root = project(&[(
        "unset.yaml",
        r#"
name: unset variable
steps:
  - name: use a variable nobody set
    request:
      method: GET
      path: "/x?c={{ env.PC_SURELY_UNSET_VARIABLE }}"
"#,
    )]);
    let outcomes = run_all(&suite(&root, mock_target()));
    let report = failure(&outcomes["unset.yaml"]);
    assert!(
        report.contains("cannot render template `/x?c={{ env.PC_SURELY_UNSET_VARIABLE }}`"),
        "{report}"
    );
    assert!(report.contains("undefined"), "{report}");
}

#[test]
fn a_missing_schema_file_names_the_known_ones() {
    let root = project(&[(
        "schema.yaml",
        r#"
name: missing schema
steps:
  - name: read discovery
    request:
      method: GET
      path: /.well-known/openid-configuration
    expect:
      schema: no-such-schema.json
"#,
    )]);
    let outcomes = run_all(&suite(&root, mock_target()));
    let report = failure(&outcomes["schema.yaml"]);
    assert!(
        report.contains("unknown schema `no-such-schema.json`"),
        "{report}"
    );
    assert!(
        report.contains("--> scenarios/schema.yaml:9:15"),
        "{report}"
    );
    assert!(report.contains("`token-success.json`"), "{report}");
}

/// A one-connection server on 127.0.0.1 that answers with `reply` (or never, for `None`).
fn faulty_server(reply: Option<&'static [u8]>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let Ok((mut stream, _)) = listener.accept() else {
            return;
        };
        let mut buffer = [0_u8; 4096];
        let _ = stream.read(&mut buffer);
        match reply {
            Some(bytes) => {
                let _ = stream.write_all(bytes);
            }
            // Hold the connection open without answering until the client gives up.
            None => {
                let _ = stream.read(&mut buffer);
            }
        }
    });
    format!("http://{address}")
}

#[test]
fn a_non_json_response_is_reported_with_the_body() {
    let base_url = faulty_server(Some(
        b"HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: 15\r\nconnection: close\r\n\r\n<html>hi</html>",
    ));
    let root = project(&[(
        "discovery.yaml",
        DISCOVERY
            .replace("status: 200", "body: { $.issuer: { exists: true } }")
            .as_str(),
    )]);
    let outcomes = run_all(&suite(
        &root,
        remote_target(&base_url, Duration::from_secs(10)),
    ));
    let report = failure(&outcomes["discovery.yaml"]);
    assert!(
        report.contains("the response body is not JSON: `<html>hi</html>`"),
        "{report}"
    );
}

#[test]
fn a_truncated_body_is_reported_not_hung_on() {
    let base_url = faulty_server(Some(
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"a\":",
    ));
    let root = project(&[("discovery.yaml", DISCOVERY)]);
    let outcomes = run_all(&suite(
        &root,
        remote_target(&base_url, Duration::from_secs(10)),
    ));
    let report = failure(&outcomes["discovery.yaml"]);
    assert!(report.contains("broke off"), "{report}");
}

#[test]
fn an_unreachable_target_is_reported_with_a_hint() {
    let address = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let root = project(&[("discovery.yaml", DISCOVERY)]);
    let outcomes = run_all(&suite(
        &root,
        remote_target(&format!("http://{address}"), Duration::from_secs(10)),
    ));
    let report = failure(&outcomes["discovery.yaml"]);
    assert!(report.contains("cannot reach"), "{report}");
    assert!(
        report.contains("`base_url` of the target's profile"),
        "{report}"
    );
}

#[test]
fn a_silent_target_times_out_instead_of_hanging() {
    let base_url = faulty_server(None);
    let root = project(&[("discovery.yaml", DISCOVERY)]);
    let outcomes = run_all(&suite(
        &root,
        remote_target(&base_url, Duration::from_millis(300)),
    ));
    let report = failure(&outcomes["discovery.yaml"]);
    assert!(report.contains("no complete response from"), "{report}");
    // The hint names the setting that exists, and the host, which is not secret, is shown.
    assert!(report.contains("raise `timeout_seconds`"), "{report}");
    assert!(report.contains(&format!("`{base_url}`")), "{report}");
}

#[test]
fn scenarios_needing_an_outbox_are_ignored_on_a_target_without_one() {
    let root = project(&[(
        "otp.yaml",
        r#"
name: needs codes
requires: [outbox]
steps:
  - name: read a code
    otp:
      to: a@b.test
"#,
    )]);
    let outcomes = run_all(&suite(
        &root,
        remote_target("http://127.0.0.1:9", Duration::from_secs(1)),
    ));
    match &outcomes["otp.yaml"] {
        TrialOutcome::Ignored(reason) => assert!(reason.contains("lacks `outbox`"), "{reason}"),
        other => panic!("expected ignored, got {other:?}"),
    }
}

#[test]
fn the_cli_prints_a_line_per_scenario_and_fails_when_one_fails() {
    let root = project(&[
        ("good.yaml", DISCOVERY),
        ("bad.yaml", &DISCOVERY.replace("status: 200", "status: 418")),
    ]);
    std::fs::create_dir_all(root.join("schemas")).unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_passwordless-conformance"))
        .args(["run", "--no-snapshots", "--project"])
        .arg(&root)
        .env("CONFORMANCE_TARGET", "mock")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("PASS good.yaml"), "{stdout}");
    assert!(stdout.contains("FAIL bad.yaml"), "{stdout}");
    assert!(stdout.contains("status: expected 418, got 200"), "{stdout}");
    assert!(stdout.contains("1 passed, 1 failed, 0 skipped"), "{stdout}");
}

#[test]
fn scenarios_naming_a_role_the_target_lacks_are_ignored() {
    // The target answers discovery, but has no `no_passwordless` client and no MFA test user.
    let base_url = faulty_server(Some(
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}",
    ));
    let root = project(&[(
        "roles.yaml",
        r#"
name: needs roles
steps:
  - name: use them
    request:
      method: POST
      path: /oauth/token
      json:
        client_id: "{{ clients.no_passwordless.client_id }}"
        username: "{{ users.totp_enrolled.email }}"
"#,
    )]);
    let outcomes = run_all(&suite(
        &root,
        remote_target(&base_url, Duration::from_secs(5)),
    ));
    match &outcomes["roles.yaml"] {
        TrialOutcome::Ignored(reason) => {
            assert!(reason.contains("client role `no_passwordless`"), "{reason}");
            assert!(reason.contains("user role `totp_enrolled`"), "{reason}");
        }
        other => panic!("expected ignored, got {other:?}"),
    }
}

#[test]
fn the_shipped_profiles_load_and_name_what_is_missing() {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("targets.yaml"))
        .unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let vars = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    };
    let mock = TargetConfig::from_profiles(Some(&text), "mock", &vars(&[]), root).unwrap();
    assert!(matches!(mock.kind, TargetKind::Mock(_)));
    let maildev =
        TargetConfig::from_profiles(Some(&text), "mock-maildev", &vars(&[]), root).unwrap();
    assert!(matches!(
        maildev.otp_sources.email,
        Some(passwordless_conformance::targets::OtpSource::HttpInbox(_))
    ));

    // Staging without its variables: the first required one is named, with the key that needs it.
    let error = TargetConfig::from_profiles(Some(&text), "staging", &vars(&[]), root).unwrap_err();
    assert!(error.to_string().contains("`AUTH0_DOMAIN`"), "{error}");
    let minimal = vars(&[
        ("AUTH0_DOMAIN", "qa.eu.auth0.com"),
        ("AUTH0_NATIVE_CLIENT_ID", "abc"),
        ("QA_EMAIL", "qa@example.com"),
    ]);
    let staging = TargetConfig::from_profiles(Some(&text), "staging", &minimal, root).unwrap();
    let TargetKind::Remote(remote) = &staging.kind else {
        panic!("remote")
    };
    assert_eq!(remote.clients.keys().collect::<Vec<_>>(), ["native"]);
    assert_eq!(remote.users.keys().collect::<Vec<_>>(), ["email_user"]);
    assert!(staging.otp_sources.email.is_none());
    assert_eq!(staging.rate_limits.len(), 2);
}

#[test]
fn a_tls_failure_is_reported_not_hung_on() {
    // A plain-HTTP server reached over https: the handshake fails.
    let base_url = faulty_server(Some(
        b"HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n",
    ))
    .replace("http://", "https://");
    let root = project(&[("discovery.yaml", DISCOVERY)]);
    let outcomes = run_all(&suite(
        &root,
        remote_target(&base_url, Duration::from_secs(10)),
    ));
    let report = failure(&outcomes["discovery.yaml"]);
    assert!(report.contains("the TLS handshake failed"), "{report}");
    assert!(report.contains("certificate is not trusted"), "{report}");
}

#[test]
fn compare_lists_where_two_targets_disagree() {
    let root = std::env::temp_dir().join(format!("pc-compare-{}", std::process::id()));
    let snap = |target: &str, name: &str, body: &str| {
        let dir = root.join("snapshots").join(target);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join(format!("{name}.snap")),
            format!("---\nsource: src/snapshot.rs\n---\n{body}"),
        )
        .unwrap();
    };
    let expired_mock = "- step: use the expired code\n  response:\n    status: 403\n    body:\n      error: invalid_grant\n      error_description: The verification code has expired. Please try to login again.\n";
    let expired_staging = "- step: use the expired code\n  response:\n    status: 400\n    body:\n      error: invalid_grant\n      error_description: The verification code has expired. Please try to login again.\n      error_uri: https://x\n";
    snap("mock", "expired", expired_mock);
    snap("staging", "expired", expired_staging);
    snap("mock", "same", "- step: a\n  response:\n    status: 200\n");
    snap(
        "staging",
        "same",
        "- step: a\n  response:\n    status: 200\n",
    );
    snap("mock", "mock_only", "[]");
    // Profiles of their own: the built-in `staging` shares the mock's snapshots.
    std::fs::write(
        root.join("targets.yaml"),
        "mock: { kind: mock }\nstaging: { kind: remote, base_url: \"https://tenant.example\" }\n",
    )
    .unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_passwordless-conformance"))
        .args(["compare", "mock", "staging", "--project"])
        .arg(&root)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains(
            "expired\n  step 1 `use the expired code`\n    status: mock 403, staging 400"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("$.error_uri: mock absent, staging string"),
        "{stdout}"
    );
    assert!(!stdout.contains("same\n"), "{stdout}");
    assert!(stdout.contains("only in mock: mock_only"), "{stdout}");
    assert!(
        stdout.contains("2 scenarios compared, 1 differ"),
        "{stdout}"
    );
}
