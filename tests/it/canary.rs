//! Secrets never leak: a canary secret is planted in a target profile (from the environment) and
//! in a scenario, the main job runs scenarios that pass and fail using it, and every output
//! channel — stdout, stderr, failure reports, snapshot files — is searched for it in every
//! encoding a request might carry it in.

use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use passwordless_conformance::mock::{MockServer, Tenant};

/// The client secret the profile reads from the environment.
const CANARY_SECRET: &str = "canary-client-secret-7d1f0b52";
/// A second secret, only in the environment, that a scenario sends in a header.
const CANARY_TOKEN: &str = "canary-api-token-93be44aa";

fn write(root: &Path, name: &str, text: &str) {
    let path = root.join(name);
    std::fs::create_dir_all(path.parent().expect("a parent folder")).expect("create folder");
    std::fs::write(path, text).expect("write file");
}

fn forms(secret: &str) -> Vec<String> {
    vec![
        secret.to_owned(),
        STANDARD.encode(secret),
        URL_SAFE_NO_PAD.encode(secret),
        url::form_urlencoded::byte_serialize(secret.as_bytes()).collect(),
    ]
}

fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(folder).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                found.push(path);
            }
        }
    }
    found
}

/// A tenant whose confidential client's secret is the canary.
fn canary_tenant() -> Tenant {
    let mut tenant = Tenant::builtin();
    for client in &mut tenant.clients {
        if client.role == "confidential" {
            client.client_secret = Some(CANARY_SECRET.to_owned());
        }
    }
    tenant
}

const PASSING: &str = r#"
name: the confidential client authenticates in the body and with Basic
steps:
  - name: start with the secret in the body
    request:
      method: POST
      path: /passwordless/start
      json:
        client_id: "{{ clients.confidential.client_id }}"
        client_secret: "{{ clients.confidential.client_secret }}"
        connection: email
        email: canary@example.com
        send: code
    expect:
      status: 200
  - name: token call with Basic credentials and the secret in a query string and a header
    request:
      method: POST
      path: "/oauth/token?echo={{ clients.confidential.client_secret | urlencode }}"
      headers:
        authorization: "Basic {{ (clients.confidential.client_id ~ ':' ~ clients.confidential.client_secret) | base64 }}"
        x-api-token: "{{ env.CANARY_API_TOKEN }}"
        x-encoded: "{{ clients.confidential.client_secret | base64url }}"
      form:
        grant_type: http://auth0.com/oauth/grant-type/passwordless/otp
        username: canary@example.com
        realm: email
        otp: "000000"
    expect:
      status: [403, 401]
"#;

const FAILING: &str = r#"
name: a failing check shows the exchange, never the secret
steps:
  - name: start with the secret, expecting the wrong status
    request:
      method: POST
      path: /passwordless/start
      json:
        client_id: "{{ clients.confidential.client_id }}"
        client_secret: "{{ clients.confidential.client_secret }}"
        connection: email
        email: canary@example.com
        send: code
    expect:
      status: 418
      body:
        $.email: "{{ clients.confidential.client_secret }}"
"#;

#[test]
fn a_canary_secret_never_reaches_any_output() {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let mock = runtime
        .block_on(MockServer::start(canary_tenant()))
        .expect("the mock starts");

    let root = std::env::temp_dir().join(format!("pc-canary-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    write(&root, "scenarios/canary/passing.yaml", PASSING);
    write(&root, "scenarios/canary/failing.yaml", FAILING);
    write(
        &root,
        "targets.yaml",
        &format!(
            "canary:\n  kind: remote\n  base_url: {}\n  clients:\n    confidential:\n      client_id: regular-web-app\n      client_secret: ${{CANARY_CLIENT_SECRET}}\n",
            mock.base_url()
        ),
    );
    std::fs::create_dir_all(root.join("schemas")).expect("schemas folder");

    let output = Command::new(env!("CARGO_BIN_EXE_passwordless-conformance"))
        .args(["run", "--jobs", "1", "--project"])
        .arg(&root)
        .env("CONFORMANCE_TARGET", "canary")
        .env("CANARY_CLIENT_SECRET", CANARY_SECRET)
        .env("CANARY_API_TOKEN", CANARY_TOKEN)
        // Outside CI insta writes `.snap.new` files: they are searched too.
        .env_remove("CI")
        .env("INSTA_UPDATE", "new")
        .output()
        .expect("the main job runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();

    // The run did use the secret: the passing scenario got past the snapshot-less first run only
    // by failing on the missing snapshot, and the failing one failed on its checks.
    assert!(stdout.contains("FAIL canary/failing.yaml"), "{stdout}");
    assert!(stdout.contains("status: expected 418, got 200"), "{stdout}");
    assert!(
        stdout.contains("[clients.confidential.client_secret]"),
        "{stdout}"
    );

    let mut channels = vec![("stdout".to_owned(), stdout), ("stderr".to_owned(), stderr)];
    for file in files_below(&root) {
        if let Ok(text) = std::fs::read_to_string(&file) {
            if file.ends_with("targets.yaml") {
                continue; // holds only the `${CANARY_CLIENT_SECRET}` reference
            }
            channels.push((file.display().to_string(), text));
        }
    }
    let snapshots = channels
        .iter()
        .filter(|(name, _)| name.contains(".snap"))
        .count();
    assert!(
        snapshots >= 1,
        "expected insta to write snapshots for review"
    );
    for secret in [CANARY_SECRET, CANARY_TOKEN] {
        for form in forms(secret) {
            for (channel, text) in &channels {
                assert!(
                    !text.contains(&form),
                    "`{form}` (a form of a canary secret) leaked into {channel}:\n{text}"
                );
            }
        }
    }
    drop(mock);
}
