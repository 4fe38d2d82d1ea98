//! Hostile targets: a raw TCP server on 127.0.0.1:0 that answers each path in its own broken way
//! (garbage instead of HTTP, oversized headers, an endless or slow-drip body, invalid UTF-8,
//! HTML where JSON is expected, absurd rate-limit headers). Each broken answer fails its own
//! trial with a message a person can act on; a well-behaved path on the same server passes; the
//! run never crashes, hangs or fills memory.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use passwordless_conformance::TrialOutcome;

use super::engine::{DISCOVERY, failure, project, remote_target, run_all, suite};

/// Starts the hostile server; its base URL.
pub(crate) fn hostile_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || answer(stream));
        }
    });
    format!("http://{address}")
}

/// Reads the request head and answers according to its path. Write errors end the answer: the
/// harness hangs up on answers it refuses, which is the point.
fn answer(mut stream: TcpStream) {
    let mut head = Vec::new();
    let mut byte = [0_u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 64 * 1024 {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => return,
        }
    }
    let head = String::from_utf8_lossy(&head);
    let path = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
    let json = |body: &str| {
        format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        )
        .into_bytes()
    };
    let reply: Vec<u8> = match path.as_str() {
        "/ok" => json(r#"{"issuer":"https://hostile.test/"}"#),
        "/garbage" => b"\x16\x03\x01 this is not HTTP at all \x00\xff\r\n\r\n".to_vec(),
        "/bad-header" => b"HTTP/1.1 200 OK\r\nx-bad\x01name: 1\r\n\r\n".to_vec(),
        "/huge-headers" => {
            let mut reply = b"HTTP/1.1 200 OK\r\n".to_vec();
            for index in 0..20_000 {
                reply.extend_from_slice(format!("x-h{index}: {}\r\n", "a".repeat(64)).as_bytes());
            }
            reply.extend_from_slice(b"\r\n");
            reply
        }
        "/announced-gigabyte" => {
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1073741824\r\n\r\n{".to_vec()
        }
        "/endless" => {
            let _ = stream.write_all(
                b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n[",
            );
            let chunk = [b'1'; 64 * 1024];
            // Until the harness hangs up: it must stop reading at `max_response_bytes`.
            while stream.write_all(&chunk).is_ok() {}
            return;
        }
        "/drip" => {
            let _ = stream.write_all(
                b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n",
            );
            // A byte every 20 ms: each read makes progress, so only a deadline on the whole
            // exchange ends it. (The pause is the hostile behaviour itself, not a test waiting.)
            while stream.write_all(b" ").is_ok() {
                std::thread::sleep(Duration::from_millis(20));
            }
            return;
        }
        "/invalid-utf8" => {
            let body = b"{\"issuer\": \"\xff\xfe\xfd\"}";
            let mut reply = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nx-odd: @@\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            )
            .into_bytes();
            // A header value that is not UTF-8 either.
            if let Some(at) = reply.windows(2).position(|pair| pair == b"@@") {
                reply.splice(at..at + 2, [0xff, 0xfe]);
            }
            reply.extend_from_slice(body);
            reply
        }
        // A token whose key set never ends: checking its signature must stop reading the set too.
        "/signed" => json(r#"{"id_token":"eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6ImsifQ.eyJzdWIiOiJ4In0.c2ln"}"#),
        "/.well-known/jwks.json" => {
            let _ = stream.write_all(
                b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n{\"keys\":[",
            );
            let chunk = [b' '; 64 * 1024];
            while stream.write_all(&chunk).is_ok() {}
            return;
        }
        "/html" => b"HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: 22\r\nconnection: close\r\n\r\n<html>not json</html>\n".to_vec(),
        other => match other.split_once("/429/") {
            Some((_, rest)) => {
                let (header, value) = rest.split_once('/').unwrap_or(("retry-after", "x"));
                let value = value.replace("%20", " ");
                format!(
                    "HTTP/1.1 429 Too Many Requests\r\n{header}: {value}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                )
                .into_bytes()
            }
            None => b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".to_vec(),
        },
    };
    let _ = stream.write_all(&reply);
}

fn scenario(path: &str) -> String {
    DISCOVERY
        .replace("/.well-known/openid-configuration", path)
        .replace(
            "status: 200",
            "status: 200\n      body:\n        $.issuer: { exists: true }",
        )
}

#[test]
fn each_hostile_answer_fails_its_own_trial_with_a_clear_message_and_the_others_pass() {
    let base_url = hostile_server();
    let cases: &[(&str, &str, &[&str])] = &[
        ("garbage.yaml", "/garbage", &["is not valid HTTP"]),
        ("bad_header.yaml", "/bad-header", &["is not valid HTTP"]),
        ("huge_headers.yaml", "/huge-headers", &["is not valid HTTP"]),
        (
            "announced.yaml",
            "/announced-gigabyte",
            &[
                "larger than `max_response_bytes` (8388608 bytes)",
                "announces 1073741824 bytes",
            ],
        ),
        (
            "endless.yaml",
            "/endless",
            &[
                "larger than `max_response_bytes` (8388608 bytes)",
                "stopped reading after",
            ],
        ),
        (
            "drip.yaml",
            "/drip",
            &[
                "no complete response from",
                "within 1.5s",
                "timeout_seconds",
            ],
        ),
        (
            "invalid_utf8.yaml",
            "/invalid-utf8",
            &["body `$.issuer`: the response body is not JSON: `{\"issuer\": \"\u{fffd}"],
        ),
        (
            "html.yaml",
            "/html",
            &["the response body is not JSON: `<html>not json</html>"],
        ),
        (
            "retry_inf.yaml",
            "/429/retry-after/inf",
            &[
                "status: expected 200, got 429",
                "note: ignored `retry-after: inf`",
            ],
        ),
        (
            "retry_exponent.yaml",
            "/429/retry-after/1e20",
            &["note: ignored `retry-after: 1e20`: not a number of seconds or an HTTP date"],
        ),
        (
            "retry_negative.yaml",
            "/429/retry-after/-5",
            &["note: ignored `retry-after: -5`"],
        ),
        (
            "retry_huge.yaml",
            "/429/retry-after/99999999999999999999999",
            &["asks to wait longer than `max_rate_limit_wait_seconds`"],
        ),
        (
            "reset_garbage.yaml",
            "/429/x-ratelimit-reset/soon%20please",
            &["note: ignored `x-ratelimit-reset: soon please`: not a number of seconds;"],
        ),
    ];
    let mut files: Vec<(String, String)> = cases
        .iter()
        .map(|(name, path, _)| ((*name).to_owned(), scenario(path)))
        .collect();
    files.push(("ok.yaml".to_owned(), scenario("/ok")));
    files.push(("endless_jwks.yaml".to_owned(), SIGNED.to_owned()));
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(name, text)| (name.as_str(), text.as_str()))
        .collect();
    let root = project(&files);
    let outcomes = run_all(&suite(
        &root,
        remote_target(&base_url, Duration::from_millis(1500)),
    ));
    assert_eq!(outcomes["ok.yaml"], TrialOutcome::Passed);
    for (name, _, expected) in cases {
        let report = failure(&outcomes[*name]);
        for part in *expected {
            assert!(
                report.contains(part),
                "{name}: expected `{part}` in:\n{report}"
            );
        }
        assert!(!report.contains("panicked"), "{name}:\n{report}");
    }
    let report = failure(&outcomes["endless_jwks.yaml"]);
    assert!(
        report.contains("cannot verify the signature")
            && report.contains(
                "/.well-known/jwks.json` sent more than `max_response_bytes` (8388608 bytes)"
            ),
        "{report}"
    );
}

/// A token check that fetches the target's key set (`/.well-known/jwks.json`).
const SIGNED: &str = "
name: signed
steps:
  - name: get a token
    request: { method: GET, path: /signed }
    expect:
      status: 200
      jwt:
        $.id_token:
          not_expired: false
          claims:
            $.sub: x
";

#[test]
fn the_cli_survives_hostile_answers_and_prints_its_summary() {
    let base_url = hostile_server();
    let root = project(&[
        ("ok.yaml", &scenario("/ok")),
        ("garbage.yaml", &scenario("/garbage")),
        ("endless.yaml", &scenario("/endless")),
        ("retry.yaml", &scenario("/429/retry-after/inf")),
    ]);
    std::fs::create_dir_all(root.join("schemas")).unwrap();
    std::fs::write(
        root.join("targets.yaml"),
        format!(
            "hostile:\n  kind: remote\n  base_url: {base_url}\n  timeout_seconds: 5\n  max_response_bytes: 65536\n"
        ),
    )
    .unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_passwordless-conformance"))
        .args(["run", "--no-snapshots", "--project"])
        .arg(&root)
        .env("CONFORMANCE_TARGET", "hostile")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(stdout.contains("PASS ok.yaml"), "{stdout}");
    // The profile's own limit, in bytes, is the one applied.
    assert!(
        stdout.contains("larger than `max_response_bytes` (65536 bytes)"),
        "{stdout}"
    );
    assert!(stdout.contains("1 passed, 3 failed, 0 skipped"), "{stdout}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
