//! A remote profile against one long-lived mock, as a real tenant is used: state survives between
//! runs and is shared by every process. `run` is the real binary; the mock runs in this process on
//! a runtime of its own.
//!
//! - A recovery code spent by one run is replaced, so the next run passes too.
//! - Two shards (`CONFORMANCE_SHARD`) log in with their own accounts and together stay within the
//!   mock's emulated rate limit; without sharding the same two processes exceed it.
//! - `ca_file` is what makes the harness trust a TLS tenant's certificate.
//! - A profile missing variables names all of them, once.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::mpsc;
use std::time::Duration;

use passwordless_conformance::mock::{
    EventSink, MockEvent, MockServer, ServeOptions, TlsFiles, serve_with_shutdown,
};
use passwordless_conformance::mock::{RateLimits, Tenant};

fn repository() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A throw-away project: the repository's schemas and flows, the given scenario files (copied from the
/// repository's `scenarios/`, or written), and `targets.yaml`.
fn project(name: &str, scenarios: &[(&str, String)], targets: &str) -> PathBuf {
    let root = std::env::temp_dir().join(format!("pc-staging-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("schemas")).unwrap();
    for entry in std::fs::read_dir(repository().join("schemas")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), root.join("schemas").join(entry.file_name())).unwrap();
    }
    for (path, text) in scenarios {
        let file = root.join("scenarios").join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, text).unwrap();
    }
    for entry in std::fs::read_dir(repository().join("flows")).unwrap() {
        let entry = entry.unwrap();
        std::fs::create_dir_all(root.join("flows")).unwrap();
        std::fs::copy(entry.path(), root.join("flows").join(entry.file_name())).unwrap();
    }
    std::fs::write(root.join("targets.yaml"), targets).unwrap();
    root
}

fn scenario(path: &str) -> (&str, String) {
    let text = std::fs::read_to_string(repository().join("scenarios").join(path)).unwrap();
    (path, text)
}

/// `run --no-snapshots` on `root`, with only `env` (and PATH) in its environment.
fn run(root: &Path, env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_passwordless-conformance"));
    command
        .args(["run", "--no-snapshots", "--project"])
        .arg(root)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .envs(env.iter().copied());
    command
}

fn texts(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The documented tenant as the mock serves it, with `rate_limits` replaced.
fn staging_tenant(rate_limits: Option<&str>) -> Tenant {
    let mut tenant =
        Tenant::from_yaml_file(&repository().join("mock/staging-tenant.yaml")).unwrap();
    tenant.rate_limits = rate_limits.map(|text| serde_yaml::from_str::<RateLimits>(text).unwrap());
    tenant
}

/// A mock on a runtime of its own, so it keeps answering while this thread waits for processes.
fn serve(tenant: Tenant) -> (tokio::runtime::Runtime, MockServer) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let server = runtime.block_on(MockServer::start(tenant)).unwrap();
    (runtime, server)
}

const RECOVERY_CODE: &str = "441YYH2TWHQ9M4NVVCUDU1YO";

#[test]
fn a_spent_recovery_code_is_replaced_so_the_next_run_passes_too() {
    let (runtime, server) = serve(staging_tenant(None));
    let targets = r#"
tenant:
  kind: remote
  base_url: ${BASE}
  clients: { native: { client_id: native-app } }
  users:
    recovery_enrolled: { email: recovery@example.com, recovery_code: "${QA_RECOVERY_CODE}" }
  otp_sources: { email: { mock_outbox: {} } }
  rotated_secrets: { file: state/rotated-secrets.json }
"#;
    let root = project(
        "rotation",
        &[
            scenario("mfa/recovery_code.yaml"),
            scenario("errors/mfa/wrong_recovery_code.yaml"),
        ],
        targets,
    );
    let env = [
        ("CONFORMANCE_TARGET", "tenant"),
        ("BASE", server.base_url()),
        ("QA_RECOVERY_CODE", RECOVERY_CODE),
    ];
    for round in ["first", "second"] {
        let output = run(&root, &env).output().unwrap();
        let text = texts(&output);
        assert!(
            text.contains("2 passed, 0 failed, 0 skipped"),
            "{round} run:\n{text}"
        );
    }
    let stored = std::fs::read_to_string(root.join("state/rotated-secrets.json")).unwrap();
    assert!(
        stored.contains("tenant/recovery_enrolled/recovery_code"),
        "{stored}"
    );
    assert!(
        !stored.contains(RECOVERY_CODE),
        "the spent seed is not kept: {stored}"
    );

    // Without the store, the variable's code (spent long ago) is all there is: the rotation is
    // what kept the second run green.
    std::fs::remove_file(root.join("state/rotated-secrets.json")).unwrap();
    let output = run(&root, &env).output().unwrap();
    let text = texts(&output);
    assert!(text.contains("0 passed, 2 failed"), "{text}");
    assert!(!text.contains(RECOVERY_CODE), "secrets never show: {text}");
    drop(server);
    drop(runtime);
}

/// A login that sends two codes (the first superseded): two starts per file.
const LOGIN: &str = r#"
name: log in with the shard's own account
requires: [outbox]
steps:
  - name: ask for a code
    request:
      method: POST
      path: /passwordless/start
      json: { client_id: "{{ clients.native.client_id }}", connection: email, email: "{{ users.account.email }}", send: code }
    expect: { status: 200 }
  - name: ask again
    request:
      method: POST
      path: /passwordless/start
      json: { client_id: "{{ clients.native.client_id }}", connection: email, email: "{{ users.account.email }}", send: code }
    expect: { status: 200 }
  - name: read the newest code
    otp: { to: "{{ users.account.email }}" }
  - name: log in
    request:
      method: POST
      path: /oauth/token
      json:
        grant_type: http://auth0.com/oauth/grant-type/passwordless/otp
        client_id: "{{ clients.native.client_id }}"
        username: "{{ users.account.email }}"
        otp: "{{ code }}"
        realm: email
        scope: openid
    expect: { status: 200 }
"#;

#[test]
fn two_shards_use_their_own_accounts_and_together_stay_within_the_rate_limit() {
    // The mock allows 5 starts at once and 1.5 a second; the profile's budget says 4 and 1 (a
    // margin for requests that arrive closer together than they left), and each of two shards
    // may spend half of it. Without shards, two processes spend 8 at once.
    let limits = "endpoints:\n  /passwordless/start: { burst: 5, per_minute: 90, key: any }\n";
    let (runtime, server) = serve(staging_tenant(Some(limits)));
    let targets = r#"
tenant:
  kind: remote
  base_url: ${BASE}
  clients: { native: { client_id: native-app } }
  users:
    account: { email: "${QA_ACCOUNT_EMAIL}" }
  otp_sources: { email: { mock_outbox: {} } }
  rate_limits:
    /passwordless/start: { burst: 4, rate: 1/second }
  max_rate_limit_wait_seconds: 0
"#;
    let files: Vec<(&str, String)> = ["a.yaml", "b.yaml", "c.yaml", "d.yaml"]
        .into_iter()
        .map(|name| (name, LOGIN.to_owned()))
        .collect();
    let root = project("shards", &files, targets);
    let shard = |base: &str, index: &str, sharded: bool| {
        let mut command = run(
            &root,
            &[
                ("CONFORMANCE_TARGET", "tenant"),
                ("BASE", base),
                ("QA_ACCOUNT_EMAIL", "shared@example.com"),
                ("QA_ACCOUNT_EMAIL_1", "shard1@example.com"),
                ("QA_ACCOUNT_EMAIL_2", "shard2@example.com"),
            ],
        );
        command.args(["--jobs", "2"]);
        if sharded {
            command.env("CONFORMANCE_SHARD", format!("{index}/2"));
        }
        command
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (one, two) = (
        shard(server.base_url(), "1", true),
        shard(server.base_url(), "2", true),
    );
    let (one, two) = (
        one.wait_with_output().unwrap(),
        two.wait_with_output().unwrap(),
    );
    for (output, index) in [(&one, 1), (&two, 2)] {
        let text = texts(output);
        assert!(
            text.contains(&format!(
                "shard {index}/2: scenario files {index}, {}, {}, … of the whole list",
                index + 2,
                index + 4
            )),
            "{text}"
        );
        assert!(
            text.contains("2 passed, 0 failed, 0 skipped"),
            "shard {index}:\n{text}"
        );
    }
    let outbox = server.state().outbox();
    for address in ["shard1@example.com", "shard2@example.com"] {
        assert!(outbox.latest(address).is_some(), "{address} got no code");
    }
    assert!(
        outbox.latest("shared@example.com").is_none(),
        "a shard used the unsharded account"
    );
    drop(server);

    // The same two processes without shards, on a mock as fresh as the first: each spends the
    // whole budget, the mock says 429, and with no waiting allowed the runs fail. The shares
    // above are what kept the shards within the limit.
    let control = runtime
        .block_on(MockServer::start(staging_tenant(Some(limits))))
        .unwrap();
    let (one, two) = (
        shard(control.base_url(), "1", false),
        shard(control.base_url(), "2", false),
    );
    let outputs = [
        one.wait_with_output().unwrap(),
        two.wait_with_output().unwrap(),
    ];
    let texts: Vec<String> = outputs.iter().map(texts).collect();
    assert!(
        texts.iter().any(|text| text.contains("429")),
        "without shards the limit is exceeded:\n{}",
        texts.join("\n")
    );
    drop(control);
    drop(runtime);
}

const DISCOVERY: &str = r#"
name: discovery over TLS
steps:
  - name: read discovery
    request: { method: GET, path: /.well-known/openid-configuration }
    expect: { status: 200 }
"#;

#[test]
fn a_tls_tenant_is_trusted_through_ca_file_and_only_through_it() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let tls = repository().join("tests/fixtures/tls");
    let (listening, url) = mpsc::channel();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let options = ServeOptions {
        tls: Some(TlsFiles {
            cert: tls.join("cert.pem"),
            key: tls.join("key.pem"),
        }),
        events: EventSink::new(move |event: &MockEvent| {
            if let MockEvent::Listening { public_url } = event {
                let _ = listening.send(public_url.clone());
            }
        }),
        ..ServeOptions::new(
            "127.0.0.1:0".parse::<SocketAddr>().unwrap(),
            Tenant::builtin(),
        )
    };
    let server = runtime.spawn(serve_with_shutdown(options, async {
        let _ = stopped.await;
    }));
    let url = url.recv_timeout(Duration::from_secs(10)).unwrap();
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");
    let targets = "tls:\n  kind: remote\n  base_url: ${BASE}\n  ca_file: ${CA:-}\n";
    let root = project("tls", &[("discovery.yaml", DISCOVERY.to_owned())], targets);
    let ca = tls.join("cert.pem");
    let env = [("CONFORMANCE_TARGET", "tls"), ("BASE", url.as_str())];

    let trusted = run(&root, &env).env("CA", &ca).output().unwrap();
    assert!(
        texts(&trusted).contains("1 passed, 0 failed"),
        "{}",
        texts(&trusted)
    );
    let untrusted = run(&root, &env).output().unwrap();
    let text = texts(&untrusted);
    assert!(text.contains("0 passed, 1 failed"), "{text}");
    assert!(text.contains("TLS handshake failed"), "{text}");

    std::fs::write(root.join("not-a-cert.pem"), "hello\n").unwrap();
    let broken = run(&root, &env)
        .env("CA", root.join("not-a-cert.pem"))
        .output()
        .unwrap();
    let text = texts(&broken);
    assert_eq!(broken.status.code(), Some(2), "{text}");
    assert!(text.contains("no certificate found"), "{text}");

    stop.send(()).unwrap();
    runtime.block_on(server).unwrap().unwrap();
}

#[test]
fn every_missing_variable_is_named_once() {
    let targets = "staging:\n  kind: remote\n  base_url: https://${AUTH0_DOMAIN}\n  clients:\n    native: { client_id: \"${AUTH0_NATIVE_CLIENT_ID}\" }\n  users:\n    email_user: { email: \"${QA_EMAIL}\", unique_email: true }\n";
    let root = project(
        "missing",
        &[
            ("one.yaml", DISCOVERY.to_owned()),
            ("two.yaml", DISCOVERY.to_owned()),
        ],
        targets,
    );
    let output = run(&root, &[("CONFORMANCE_TARGET", "staging")])
        .output()
        .unwrap();
    let text = texts(&output);
    assert_eq!(output.status.code(), Some(2), "{text}");
    assert!(
        text.contains("target `staging` needs 3 environment variables that are not set"),
        "{text}"
    );
    for variable in ["AUTH0_DOMAIN", "AUTH0_NATIVE_CLIENT_ID", "QA_EMAIL"] {
        assert_eq!(
            text.matches(&format!("`{variable}`")).count(),
            1,
            "`{variable}` once:\n{text}"
        );
    }
}

#[test]
fn an_unconfigured_target_fails_each_trial_in_one_line_and_is_reported_once() {
    let targets = "staging:\n  kind: remote\n  base_url: https://${AUTH0_DOMAIN}\n  clients:\n    native: { client_id: \"${AUTH0_NATIVE_CLIENT_ID}\" }\n";
    let root = project(
        "unconfigured",
        &[
            ("one.yaml", DISCOVERY.to_owned()),
            ("two.yaml", DISCOVERY.to_owned()),
        ],
        targets,
    );
    let error = passwordless_conformance::TargetConfig::from_profiles(
        Some(targets),
        "staging",
        &std::collections::BTreeMap::new(),
        &root,
    )
    .unwrap_err();
    let report = error.to_string();
    let mut suite = super::engine::suite(
        &root,
        passwordless_conformance::TargetConfig::builtin_mock(),
    );
    suite.target = Err(error);
    assert_eq!(
        suite.configuration_report().map(ToString::to_string),
        Some(report)
    );
    for file in passwordless_conformance::discover(&suite.scenarios_dir).unwrap() {
        let passwordless_conformance::TrialOutcome::Failed(failure) = suite.run_file(&file) else {
            panic!("an unconfigured target cannot pass");
        };
        assert_eq!(
            failure.cause,
            passwordless_conformance::FailureCause::Unconfigured
        );
        let report = failure.report;
        assert!(
            report.starts_with("target `staging` needs 2 environment variables"),
            "{report}"
        );
        assert!(
            !report.contains("AUTH0_DOMAIN"),
            "the list is reported once, not per trial: {report}"
        );
        assert_eq!(report.lines().count(), 1, "{report}");
    }
}

#[test]
fn the_staging_profile_defines_every_role_and_the_document_lists_every_variable() {
    let targets = std::fs::read_to_string(repository().join("targets.yaml")).unwrap();
    let document = std::fs::read_to_string(repository().join("docs/staging-tenant.md")).unwrap();
    let start = targets.find("\nstaging:\n").unwrap();
    let profile = &targets[start..];
    let profile = match profile[1..].find("\n\n# ") {
        Some(end) => &profile[..end + 1],
        None => profile,
    };
    let reference = regex::Regex::new(r"\$\{([A-Z0-9_]+)").unwrap();
    let mut vars = std::collections::BTreeMap::new();
    for variable in reference
        .captures_iter(profile)
        .map(|found| found[1].to_owned())
    {
        assert!(
            document.contains(&format!("`{variable}`")),
            "docs/staging-tenant.md does not list `{variable}`"
        );
        let value = match variable.as_str() {
            "AUTH0_DOMAIN" => "qa.example.test",
            name if name.contains("EMAIL") => "qa@example.test",
            name if name.contains("PHONE") => "+15555550100",
            name if name.ends_with("_URL") => "https://inbox.example.test",
            name if name.ends_with("TOTP_SECRET") => "JBSWY3DPEHPK3PXP",
            // Optional settings keep their defaults.
            "CONFORMANCE_CA_FILE" | "CONFORMANCE_SNAPSHOTS" | "CONFORMANCE_ROTATED_SECRETS" => {
                continue;
            }
            _ => "value-of-the-variable",
        };
        vars.insert(variable, value.to_owned());
    }
    let config = passwordless_conformance::TargetConfig::from_profiles(
        Some(&targets),
        "staging",
        &vars,
        repository(),
    )
    .unwrap();
    let suite = super::engine::suite(repository(), config);
    let mut skipped = Vec::new();
    for file in passwordless_conformance::discover(&suite.scenarios_dir).unwrap() {
        match suite.plan(&file) {
            passwordless_conformance::suite::TrialPlan::Skip { reason, .. } => {
                assert!(
                    reason.contains(" lacks `"),
                    "only missing capabilities may skip a scenario on the full staging profile: {reason}"
                );
                skipped.push(file.id);
            }
            passwordless_conformance::suite::TrialPlan::Broken(report) => panic!("{report}"),
            passwordless_conformance::suite::TrialPlan::Run { .. } => {}
        }
    }
    assert!(skipped.len() < 20, "{skipped:?}");
}
