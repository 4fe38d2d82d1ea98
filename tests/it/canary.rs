//! Secrets never leak: a canary tenant hands out known secrets of every class — client secret,
//! API token, access/ID/refresh tokens, `mfa_token`, `oob_code`, TOTP secret and `otpauth://`
//! URI, recovery codes, one-time code and link, inbox credentials — and echoes back whatever it
//! is sent, in whatever encoding. The main job runs scenarios that pass, that fail on checks
//! quoting those values, and that run for the first time (new snapshots), outside CI, in CI and
//! accepting snapshots, each also writing JUnit and HTML reports; then every channel — stdout,
//! stderr, failure reports with their curl reproducers, `.snap` and `.snap.new` files, the JUnit
//! and HTML files — is searched for every secret in every encoding a request or a message might
//! carry it in: raw, percent-encoded (form, strict, `/` kept, lower-case hex), JSON-escaped,
//! base64 and base64url, the composite `base64(id:secret)`, the first hundred characters of long
//! tokens (a token cut short is still a live one), and each of those as HTML and XML escape it.
//!
//! Over 600 lines on purpose: one canary tenant and one sweep over every channel; split, each part
//! would have to rebuild both.

use std::path::{Path, PathBuf};
use std::process::Command;

use axum::Json;
use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::IntoResponse;
use axum::routing::{any, get, post};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
use serde_json::{Value, json};

/// The confidential client's secret, from the environment: `/`, `+`, `<` and `~` make each
/// encoder write it differently.
const CLIENT_SECRET: &str = "canary/Client+Secret<7d1f0b52>~ok";
const CLIENT_ID: &str = "canary-web-app";
/// An API token only the environment knows; a scenario sends it in a header.
const API_TOKEN: &str = "canary-api-token-93be44aa";
/// The inbox's `authorization` header, from a variable named as the staging guide recommends.
const INBOX_AUTHORIZATION: &str = "Bearer canary-inbox-token-8e1d5a";
/// The password inside the inbox's URL.
const INBOX_PASSWORD: &str = "canary-inbox-pass-31c9";
/// A header value from a variable whose name says nothing: secret because it fills a header.
const INBOX_KEY: &str = "canary-plain-named-value-77f0";
const REFRESH_TOKEN_PREFIX: &str = "canary-refresh-";
const MFA_TOKEN: &str = "canary-mfa-token-0f3c9b";
const OOB_CODE: &str = "canary-oob-code-77aa41";
const TOTP_SECRET: &str = "CANARYTOTPSECRETJBSWY3DPEHPK3PXP";
const RECOVERY_CODE: &str = "CANARYRECOVERYCODE1234AB";
/// The one-time code the OTP command prints, and the link it prints.
const OTP_CODE: &str = "73915028";

fn refresh_token() -> String {
    // Longer than the 200 characters a message shows of a value.
    format!("{REFRESH_TOKEN_PREFIX}{}", "5b2e81c0d9".repeat(30))
}

fn jwt(kind: &str) -> String {
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","typ":"JWT"}"#);
    let claims = URL_SAFE_NO_PAD.encode(
        json!({"sub": "canary|user", "token": kind, "padding": "x".repeat(120)}).to_string(),
    );
    format!("{header}.{claims}.canary-{kind}-signature-4f1e")
}

fn barcode_uri() -> String {
    format!("otpauth://totp/Canary:qa%40example.com?secret={TOTP_SECRET}&issuer=Canary")
}

fn otp_link(base_url: &str) -> String {
    format!("{base_url}/passwordless/verify?verification_code={OTP_CODE}&connection=email&state=s1")
}

/// The canary tenant: fixed secrets on the Auth0 paths, an echo of any request, a text answer,
/// a failing inbox.
fn canary_router() -> axum::Router {
    async fn echo(method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Json<Value> {
        let headers: serde_json::Map<String, Value> = headers
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_owned(),
                    json!(String::from_utf8_lossy(value.as_bytes())),
                )
            })
            .collect();
        Json(json!({
            "method": method.as_str(),
            "uri": uri.to_string(),
            "headers": headers,
            "body": String::from_utf8_lossy(&body),
        }))
    }
    axum::Router::new()
        .route("/echo", any(echo))
        .route("/echo/{*rest}", any(echo))
        .route(
            "/oauth/token",
            post(|| async {
                Json(json!({
                    "access_token": jwt("access"),
                    "id_token": jwt("id"),
                    "refresh_token": refresh_token(),
                    "token_type": "Bearer",
                    "expires_in": 86400,
                }))
            }),
        )
        .route(
            "/mfa/associate",
            post(|| async {
                Json(json!({
                    "authenticator_type": "otp",
                    "secret": TOTP_SECRET,
                    "barcode_uri": barcode_uri(),
                    "recovery_codes": [RECOVERY_CODE],
                }))
            }),
        )
        .route(
            "/mfa-required",
            post(|| async {
                (
                    StatusCode::FORBIDDEN,
                    Json(json!({"error": "mfa_required", "mfa_token": MFA_TOKEN})),
                )
            }),
        )
        .route(
            "/mfa/challenge",
            post(|| async {
                Json(json!({"challenge_type": "oob", "oob_code": OOB_CODE, "binding_method": "prompt"}))
            }),
        )
        .route(
            "/text",
            get(|| async {
                format!(
                    "refresh_token={}&access_token={}\n{}\n",
                    refresh_token(),
                    jwt("access"),
                    barcode_uri()
                )
                .into_response()
            }),
        )
        .route(
            "/inbox",
            get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "inbox down").into_response() }),
        )
}

fn write(root: &Path, name: &str, text: &str) {
    let path = root.join(name);
    std::fs::create_dir_all(path.parent().expect("a parent folder")).expect("create folder");
    std::fs::write(path, text).expect("write file");
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

/// Every way `secret` may be written by a template filter, an HTTP client or a serializer.
fn forms(secret: &str) -> Vec<String> {
    let percent = |keep: &dyn Fn(u8) -> bool, lower: bool| -> String {
        secret
            .bytes()
            .map(|byte| {
                if byte.is_ascii_alphanumeric() || keep(byte) {
                    char::from(byte).to_string()
                } else if lower {
                    format!("%{byte:02x}")
                } else {
                    format!("%{byte:02X}")
                }
            })
            .collect()
    };
    let json = serde_json::to_string(secret).expect("a string serializes");
    let json = json[1..json.len() - 1].to_owned();
    let mut forms = vec![
        secret.to_owned(),
        STANDARD.encode(secret),
        URL_SAFE.encode(secret),
        URL_SAFE_NO_PAD.encode(secret),
        url::form_urlencoded::byte_serialize(secret.as_bytes()).collect(),
        percent(&|byte| matches!(byte, b'-' | b'.' | b'_' | b'~'), false),
        percent(&|byte| matches!(byte, b'-' | b'.' | b'_' | b'~'), true),
        // minijinja's `urlencode`: `/` kept.
        percent(&|byte| matches!(byte, b'-' | b'.' | b'_' | b'/'), false),
        json.clone(),
        // `tojson`: HTML-safe escapes.
        json.replace('<', "\\u003c").replace('>', "\\u003e"),
        json.replace('/', "\\/"),
    ];
    if secret.len() > 100 {
        forms.push(secret[..100].to_owned());
    }
    // As the HTML report (minijinja) and the JUnit file (quick-xml) escape text.
    let escaped: Vec<String> = forms
        .iter()
        .flat_map(|form| {
            let amp = form.replace('&', "&amp;");
            let markup = amp.replace('<', "&lt;").replace('>', "&gt;");
            [
                markup
                    .replace('"', "&quot;")
                    .replace('\'', "&#x27;")
                    .replace('/', "&#x2f;"),
                markup.replace('"', "&quot;").replace('\'', "&apos;"),
            ]
        })
        .collect();
    forms.extend(escaped);
    forms.sort();
    forms.dedup();
    forms
}

/// Every secret the canary tenant and environment hold, by name.
fn secrets(base_url: &str) -> Vec<(&'static str, String)> {
    let access = jwt("access");
    let id = jwt("id");
    let payload = |token: &str| token.split('.').nth(1).unwrap_or_default().to_owned();
    vec![
        ("client secret", CLIENT_SECRET.to_owned()),
        ("client credentials", format!("{CLIENT_ID}:{CLIENT_SECRET}")),
        ("API token", API_TOKEN.to_owned()),
        ("inbox authorization", INBOX_AUTHORIZATION.to_owned()),
        ("inbox token", "canary-inbox-token-8e1d5a".to_owned()),
        ("inbox password", INBOX_PASSWORD.to_owned()),
        ("inbox key", INBOX_KEY.to_owned()),
        ("access token", access.clone()),
        ("access token claims", payload(&access)),
        (
            "access token signature",
            "canary-access-signature-4f1e".to_owned(),
        ),
        ("ID token", id.clone()),
        ("ID token claims", payload(&id)),
        ("refresh token", refresh_token()),
        ("mfa_token", MFA_TOKEN.to_owned()),
        ("oob_code", OOB_CODE.to_owned()),
        ("TOTP secret", TOTP_SECRET.to_owned()),
        ("otpauth URI", barcode_uri()),
        ("recovery code", RECOVERY_CODE.to_owned()),
        ("one-time code", OTP_CODE.to_owned()),
        ("magic link", otp_link(base_url)),
    ]
}

const START: &str = r#"
  - name: send the secret in every encoding, to an echo
    request:
      method: POST
      path: "/echo/{{ clients.confidential.client_secret | urlencode }}?client_secret={{ clients.confidential.client_secret | urlencode }}&q={{ clients.confidential.client_secret | urlencode }}"
      headers:
        x-creds: "Basic {{ (clients.confidential.client_id ~ ':' ~ clients.confidential.client_secret) | base64 }}"
        x-api-token: "{{ env.CANARY_API_TOKEN }}"
        x-inbox: "{{ env.QA_INBOX_AUTHORIZATION }}"
        x-encoded: "{{ clients.confidential.client_secret | base64url }}"
      json:
        client_id: "{{ clients.confidential.client_id }}"
        client_secret: "{{ clients.confidential.client_secret }}"
        note: "{{ (clients.confidential.client_id ~ ':' ~ clients.confidential.client_secret) | base64 }}"
        escaped: "{{ clients.confidential.client_secret | tojson }}"
        plain: "{{ clients.confidential.client_secret }}"
    expect:
      status: 200
"#;

/// A scenario that passes on every step (and so fails only on its missing snapshot).
fn passing() -> String {
    format!(
        r#"
name: every class of secret passes through a passing scenario
requires: [outbox]
steps:{START}
  - name: the secret inside an absolute URL
    request:
      method: GET
      path: "{{{{ target.base_url }}}}/echo?x={{{{ clients.confidential.client_secret | urlencode }}}}&y={{{{ clients.confidential.client_secret }}}}"
    expect:
      status: 200
  - name: tokens
    request:
      method: POST
      path: /oauth/token
      form:
        grant_type: client_credentials
        client_id: "{{{{ clients.confidential.client_id }}}}"
        client_secret: "{{{{ clients.confidential.client_secret }}}}"
    expect:
      status: 200
      body:
        $.refresh_token: {{ exists: true }}
  - name: enrol an authenticator app
    request: {{ method: POST, path: /mfa/associate, json: {{ authenticator_types: [otp] }} }}
    expect:
      status: 200
    capture:
      totp_uri: $.barcode_uri
  - name: MFA is required
    request: {{ method: POST, path: /mfa-required, json: {{}} }}
    expect:
      status: 403
    capture:
      mfa_token: $.mfa_token
  - name: challenge
    request:
      method: POST
      path: /mfa/challenge
      headers:
        authorization: "Bearer {{{{ mfa_token }}}}"
      json: {{ mfa_token: "{{{{ mfa_token }}}}" }}
    expect:
      status: 200
    capture:
      oob_code: $.oob_code
  - name: read the code and the link
    otp:
      to: canary@example.com
      capture:
        code: code
        link: link
  - name: send every captured secret back, encoded
    request:
      method: POST
      path: "/echo/{{{{ oob_code | urlencode }}}}?link={{{{ link | urlencode }}}}&m={{{{ mfa_token | base64 }}}}"
      headers:
        x-link: "{{{{ link }}}}"
        x-uri: "{{{{ totp_uri | urlencode }}}}"
      form:
        otp: "{{{{ code }}}}"
        binding_code: "{{{{ code }}}}"
        oob_code: "{{{{ oob_code }}}}"
        mfa_token: "{{{{ mfa_token }}}}"
        note: "code {{{{ code }}}} link {{{{ link }}}} uri {{{{ totp_uri }}}}"
    expect:
      status: 200
  - name: secrets in a text answer
    request: {{ method: GET, path: /text }}
    expect:
      status: 200
"#
    )
}

/// Scenarios whose checks fail while quoting the secrets.
const FAILING: &[(&str, &str)] = &[
    (
        "failing/client_secret.yaml",
        r#"
name: checks quote the client secret and its composite forms
steps:
  - name: send the secret in every encoding, to an echo
    request:
      method: POST
      path: "/echo?q={{ clients.confidential.client_secret | urlencode }}"
      headers:
        x-note: "{{ (clients.confidential.client_id ~ ':' ~ clients.confidential.client_secret) | base64 }}"
      json:
        escaped: "{{ clients.confidential.client_secret | tojson }}"
    expect:
      status: 418
      body:
        "$.headers['x-note']": nope
        $.uri: { regex: "^nope" }
        $.body: "{{ clients.confidential.client_secret }}x"
"#,
    ),
    (
        "failing/tokens.yaml",
        r#"
name: checks quote tokens
steps:
  - name: tokens
    request: { method: POST, path: /oauth/token, json: {} }
    expect:
      body:
        $.refresh_token: nope
        $.access_token: { type: integer }
        $: { equals: {} }
"#,
    ),
    (
        "failing/mfa.yaml",
        r#"
name: checks quote the TOTP secret, the otpauth URI and recovery codes
steps:
  - name: enrol
    request: { method: POST, path: /mfa/associate, json: {} }
    expect:
      body:
        $.recovery_codes: { equals: [] }
        $.barcode_uri: { regex: "^nope" }
        $.secret: { type: integer }
"#,
    ),
    (
        "failing/mfa_token.yaml",
        r#"
name: checks quote the mfa_token and oob_code
steps:
  - name: MFA is required
    request: { method: POST, path: /mfa-required, json: {} }
    expect:
      body:
        $.mfa_token: nope
  - name: never reached
    request: { method: POST, path: /mfa/challenge, json: {} }
"#,
    ),
    (
        "failing/bearer.yaml",
        r#"
name: a failing request carries the mfa_token as a header and in its body
steps:
  - name: MFA is required
    request: { method: POST, path: /mfa-required, json: {} }
    expect:
      status: 403
    capture:
      mfa_token: $.mfa_token
  - name: challenge with the token
    request:
      method: POST
      path: /mfa/challenge
      headers:
        authorization: "Bearer {{ mfa_token }}"
      json: { mfa_token: "{{ mfa_token }}", challenge_type: oob }
    expect:
      status: 418
"#,
    ),
    (
        "failing/oob_code.yaml",
        r#"
name: checks quote the oob_code
steps:
  - name: challenge
    request: { method: POST, path: /mfa/challenge, json: {} }
    expect:
      body:
        $.oob_code: { one_of: [a, b] }
"#,
    ),
    (
        "failing/otp.yaml",
        r#"
name: checks quote the one-time code and link
requires: [outbox]
steps:
  - name: read the code and the link
    otp:
      to: canary@example.com
      capture:
        code: code
        link: link
  - name: echo them
    request:
      method: POST
      path: "/echo?l={{ link | urlencode }}"
      json: { otp: "{{ code }}", link: "{{ link }}", copy: "{{ code }}" }
    expect:
      body:
        $.body: { contains: "{{ code }}!" }
        $.uri: "{{ link }}"
"#,
    ),
    (
        "failing/text.yaml",
        r#"
name: a text answer is quoted where JSON was expected
steps:
  - name: secrets in a text answer
    request: { method: GET, path: /text }
    expect:
      body:
        $.refresh_token: { exists: true }
"#,
    ),
    (
        "failing/inbox.yaml",
        r#"
name: the inbox fails, and its credentials are not shown
requires: [outbox]
steps:
  - name: read an SMS
    otp:
      to: "+15555550123"
      channel: sms
      capture:
        code: code
"#,
    ),
];

fn profile(base_url: &str, inbox_url: &str) -> String {
    format!(
        r#"
{{name}}:
  kind: remote
  base_url: {base_url}
  timeout_seconds: 10
  clients:
    confidential:
      client_id: {CLIENT_ID}
      client_secret: ${{CANARY_CLIENT_SECRET}}
  otp_sources:
    email:
      command: printf '%s' "$CANARY_MESSAGE"
    sms:
      http_inbox:
        url: "{inbox_url}"
        headers:
          authorization: ${{QA_INBOX_AUTHORIZATION}}
          x-mailbox: ${{CANARY_PLAIN_NAME}}
        recipient: $.to
        body: $.text
        timeout_seconds: 2
"#
    )
}

struct Run {
    stdout: String,
    stderr: String,
}

fn run_main_job(root: &Path, target: &str, base_url: &str, configure: &[(&str, &str)]) -> Run {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    let reports = root.join("reports");
    let run = RUNS.fetch_add(1, Ordering::SeqCst);
    let mut command = Command::new(env!("CARGO_BIN_EXE_passwordless-conformance"));
    command
        .args(["run", "--jobs", "2", "--project"])
        .arg(root)
        .arg("--junit")
        .arg(reports.join(format!("junit-{run}.xml")))
        .arg("--html")
        .arg(reports.join(format!("report-{run}.html")))
        .env("CONFORMANCE_TARGET", target)
        .env("CANARY_CLIENT_SECRET", CLIENT_SECRET)
        .env("CANARY_API_TOKEN", API_TOKEN)
        .env("QA_INBOX_AUTHORIZATION", INBOX_AUTHORIZATION)
        .env("CANARY_PLAIN_NAME", INBOX_KEY)
        .env(
            "CANARY_MESSAGE",
            format!("Your code is {OTP_CODE}. Or open {}", otp_link(base_url)),
        )
        .env_remove("CI")
        .env_remove("TF_BUILD")
        .env_remove("INSTA_UPDATE")
        .env_remove("INSTA_OUTPUT");
    for (name, value) in configure {
        command.env(name, value);
    }
    let output = command.output().expect("the main job runs");
    Run {
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

#[test]
fn no_secret_of_any_class_reaches_any_channel_in_any_encoding() {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("a port");
    let base_url = format!("http://{}", listener.local_addr().expect("an address"));
    runtime.spawn(async move { axum::serve(listener, canary_router()).await });
    // A port nothing listens on, for an inbox that cannot be reached.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a port");
    let host = base_url.trim_start_matches("http://");

    let root = std::env::temp_dir().join(format!("pc-canary-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    write(&root, "scenarios/passing.yaml", &passing());
    for (name, text) in FAILING {
        write(&root, &format!("scenarios/{name}"), text);
    }
    let failing_inbox = format!("http://qa-user:{INBOX_PASSWORD}@{host}/inbox?to={{to}}");
    let closed_inbox = format!("http://qa-user:{INBOX_PASSWORD}@{closed}/inbox?to={{to}}");
    write(
        &root,
        "targets.yaml",
        &format!(
            "{}{}",
            profile(&base_url, &failing_inbox).replace("{name}", "canary"),
            profile(&base_url, &closed_inbox).replace("{name}", "canary-closed-inbox"),
        ),
    );
    std::fs::create_dir_all(root.join("schemas")).expect("schemas folder");

    // In CI (nothing written), outside CI (`.snap.new` for review), accepting (`.snap`), and
    // against an inbox that cannot be reached.
    let runs = [
        run_main_job(&root, "canary", &base_url, &[("CI", "true")]),
        run_main_job(&root, "canary", &base_url, &[]),
        run_main_job(&root, "canary", &base_url, &[("INSTA_UPDATE", "always")]),
        run_main_job(&root, "canary-closed-inbox", &base_url, &[("CI", "true")]),
    ];

    // The runs did handle the secrets: the scenarios got as far as they should, and said so.
    let [ci, review, accept, closed_run] = &runs;
    assert!(
        ci.stdout.contains("snapshot missing:")
            && review.stdout.contains("new snapshot written for review:")
            && accept.stdout.contains("PASS passing.yaml"),
        "{}\n{}\n{}",
        ci.stdout,
        review.stdout,
        accept.stdout
    );
    for expected in [
        "body `$.refresh_token`: expected `\"nope\"`, got `\"[refresh_token]\"`",
        "body `$.access_token`: expected type integer, got string `\"[access_token]\"`",
        "body `$.recovery_codes`: expected `[]`, got `[\"[recovery_codes]\"]`",
        "body `$.barcode_uri`: expected a match for /^nope/",
        "body `$.mfa_token`: expected `\"nope\"`, got `\"[mfa_token]\"`",
        "body `$.oob_code`: expected one of",
        "body `$.headers['x-note']`: expected `\"nope\"`, got `\"base64(canary-web-app:[clients.confidential.client_secret])\"`",
        "[clients.confidential.client_secret]",
        "[otp:code]",
        "the response body is not JSON: `refresh_token=[refresh_token]",
        &format!("the HTTP inbox at `{base_url}` failed: `{base_url}/inbox` answered 500"),
    ] {
        assert!(
            accept.stdout.contains(expected),
            "expected `{expected}` in:\n{}",
            accept.stdout
        );
    }
    // Failing requests come with a reproducer whose secrets are variables, in every report.
    for expected in [
        "reproduce the failing request:",
        r#"'"${CLIENTS_CONFIDENTIAL_CLIENT_SECRET}"'"#,
        r#""${OTP_CODE}""#,
        r#""${MFA_TOKEN}""#,
        &format!("BASE_URL='{base_url}'"),
    ] {
        assert!(
            accept.stdout.contains(expected),
            "expected `{expected}` in:\n{}",
            accept.stdout
        );
    }
    let report_files: Vec<PathBuf> = files_below(&root.join("reports"));
    assert_eq!(report_files.len(), 2 * runs.len(), "{report_files:?}");
    for file in &report_files {
        let text = std::fs::read_to_string(file).unwrap();
        assert!(
            text.contains("CLIENTS_CONFIDENTIAL_CLIENT_SECRET"),
            "{}",
            file.display()
        );
    }
    // Hosts are not secret: an inbox that cannot be reached is named by its base URL.
    assert!(
        closed_run
            .stdout
            .contains(&format!("the HTTP inbox at `http://{closed}` failed:")),
        "{}",
        closed_run.stdout
    );

    let mut channels: Vec<(String, String)> = Vec::new();
    for (index, run) in runs.iter().enumerate() {
        channels.push((format!("stdout of run {index}"), run.stdout.clone()));
        channels.push((format!("stderr of run {index}"), run.stderr.clone()));
    }
    for file in files_below(&root) {
        if file.ends_with("targets.yaml") || file.starts_with(root.join("scenarios")) {
            continue; // inputs, holding only references and templates
        }
        if let Ok(text) = std::fs::read_to_string(&file) {
            channels.push((file.display().to_string(), text));
        }
    }
    let snapshot_files: Vec<&String> = channels
        .iter()
        .map(|(name, _)| name)
        .filter(|name| name.ends_with(".snap") || name.ends_with(".snap.new"))
        .collect();
    assert!(
        snapshot_files.iter().any(|name| name.ends_with(".snap"))
            && snapshot_files
                .iter()
                .any(|name| name.ends_with(".snap.new")),
        "expected both accepted and pending snapshots: {snapshot_files:?}"
    );

    let mut leaks = Vec::new();
    for (class, secret) in secrets(&base_url) {
        for form in forms(&secret) {
            for (channel, text) in &channels {
                if text.contains(&form) {
                    leaks.push(format!("{class} as `{form}` in {channel}"));
                }
            }
        }
    }
    assert!(leaks.is_empty(), "leaks:\n{}", leaks.join("\n"));
}
