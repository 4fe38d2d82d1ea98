//! What `run` prints, whatever happens: one clear line for a snapshot that is new, missing or
//! different (never insta's panic text or a backtrace), a verdict and a summary even when a trial
//! panics, and a quiet exit when the reader of its output goes away (`run | head`).

use std::path::Path;
use std::process::{Command, Output, Stdio};

use super::engine::{DISCOVERY, project};

fn run(root: &Path, configure: impl FnOnce(&mut Command)) -> Output {
    std::fs::create_dir_all(root.join("schemas")).unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_passwordless-conformance"));
    command
        .args(["run", "--jobs", "1", "--project"])
        .arg(root)
        .env("CONFORMANCE_TARGET", "mock")
        .env_remove("CI")
        .env_remove("TF_BUILD")
        .env_remove("INSTA_UPDATE")
        .env_remove("INSTA_OUTPUT");
    configure(&mut command);
    command.output().unwrap()
}

fn texts(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Nothing of insta's or Rust's panic reporting reaches the output.
fn assert_no_panic_noise(stdout: &str, stderr: &str) {
    for noise in [
        "panicked",
        "stack backtrace",
        "RUST_BACKTRACE",
        "Snapshot Summary",
    ] {
        assert!(!stdout.contains(noise), "`{noise}` in stdout:\n{stdout}");
        assert!(!stderr.contains(noise), "`{noise}` in stderr:\n{stderr}");
    }
}

#[test]
fn a_first_run_writes_the_new_snapshot_for_review_and_says_so_in_one_line() {
    let root = project(&[("discovery.yaml", DISCOVERY)]);
    let output = run(&root, |_| {});
    let (stdout, stderr) = texts(&output);
    let pending = root.join("snapshots/mock/discovery.snap.new");
    assert!(pending.exists(), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "new snapshot written for review: {}",
            pending.display()
        )),
        "{stdout}"
    );
    assert!(stdout.contains("0 passed, 1 failed, 0 skipped"), "{stdout}");
    assert_no_panic_noise(&stdout, &stderr);
}

#[test]
fn in_ci_a_missing_snapshot_fails_and_nothing_is_written() {
    let root = project(&[("discovery.yaml", DISCOVERY)]);
    let output = run(&root, |command| {
        command.env("CI", "true");
    });
    let (stdout, stderr) = texts(&output);
    let file = root.join("snapshots/mock/discovery.snap");
    assert!(
        stdout.contains(&format!("snapshot missing: {}", file.display())),
        "{stdout}"
    );
    assert!(!root.join("snapshots/mock/discovery.snap.new").exists());
    assert!(!file.exists());
    assert_eq!(output.status.code(), Some(1));
    assert_no_panic_noise(&stdout, &stderr);
}

#[test]
fn a_changed_transcript_names_the_snapshot_and_shows_the_lines_that_differ() {
    let root = project(&[("discovery.yaml", DISCOVERY)]);
    // Accept a first snapshot, then make it say something else.
    let accepted = run(&root, |command| {
        command.env("INSTA_UPDATE", "always");
    });
    assert_eq!(accepted.status.code(), Some(0), "{}", texts(&accepted).0);
    let file = root.join("snapshots/mock/discovery.snap");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replace("status: 200", "status: 201")).unwrap();

    let output = run(&root, |command| {
        command.env("CI", "true");
    });
    let (stdout, stderr) = texts(&output);
    assert!(
        stdout.contains(&format!(
            "the transcript differs from the snapshot {}",
            file.display()
        )),
        "{stdout}"
    );
    assert!(stdout.contains("-    status: 201"), "{stdout}");
    assert!(stdout.contains("+    status: 200"), "{stdout}");
    assert_no_panic_noise(&stdout, &stderr);

    // Outside CI the new version is also written for review.
    let output = run(&root, |_| {});
    let (stdout, _) = texts(&output);
    assert!(
        stdout.contains("the new one is written for review:"),
        "{stdout}"
    );
}

#[test]
fn an_insta_setting_it_cannot_read_is_named_not_taken_for_a_missing_snapshot() {
    let root = project(&[("discovery.yaml", DISCOVERY)]);
    let output = run(&root, |command| {
        command.env("INSTA_UPDATE", "sometimes");
    });
    let (stdout, stderr) = texts(&output);
    assert!(stdout.contains("insta failed:"), "{stdout}");
    assert!(stdout.contains("INSTA_UPDATE"), "{stdout}");
    assert!(!stdout.contains("snapshot missing"), "{stdout}");
    assert_no_panic_noise(&stdout, &stderr);
}

#[test]
fn a_trial_that_panics_gets_a_failed_verdict_and_the_run_prints_its_summary() {
    // The harness has no known panic left to reach; debug builds inject one on request.
    let root = project(&[("one.yaml", DISCOVERY), ("two.yaml", DISCOVERY)]);
    std::fs::create_dir_all(root.join("schemas")).unwrap();
    let output = run(&root, |command| {
        command
            .env("CONFORMANCE_TARGET", "mock")
            .env("CONFORMANCE_PANIC_IN", "one.yaml")
            .arg("--no-snapshots");
    });
    let (stdout, stderr) = texts(&output);
    assert!(
        stdout.contains("FAIL one.yaml") && stdout.contains("PASS two.yaml"),
        "{stdout}"
    );
    assert!(
        stdout.contains("the harness panicked while running `scenarios/one.yaml`"),
        "{stdout}"
    );
    assert!(stdout.contains("1 passed, 1 failed, 0 skipped"), "{stdout}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn run_into_a_closed_pipe_exits_quietly() {
    let root = project(&[("discovery.yaml", DISCOVERY)]);
    std::fs::create_dir_all(root.join("schemas")).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_passwordless-conformance"))
        .args(["run", "--no-snapshots", "--project"])
        .arg(&root)
        .env("CONFORMANCE_TARGET", "mock")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Like `run | head -0`: the reader is gone before the first line is written.
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(141), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
}

#[test]
fn compare_into_a_closed_pipe_exits_quietly() {
    let root = project(&[]);
    // More differences than a pipe holds, so a write meets the closed pipe whenever it happens.
    for (folder, status) in [("left", 200), ("right", 400)] {
        let dir = root.join("snapshots").join(folder);
        std::fs::create_dir_all(&dir).unwrap();
        for index in 0..1500 {
            std::fs::write(
                dir.join(format!("scenario_number_{index}.snap")),
                format!("---\nsource: src/snapshot.rs\n---\n- step: a step\n  response:\n    status: {status}\n"),
            )
            .unwrap();
        }
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_passwordless-conformance"))
        .args(["compare", "left", "right", "--project"])
        .arg(&root)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(141), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
}

#[test]
fn snapshots_stay_quiet_without_cargo_or_an_insta_settings_file_like_an_installed_binary() {
    // A project of its own (no `.config/insta.yaml`), no cargo to find the folder the binary was
    // built in: insta must still print nothing beside the harness's one line.
    let root = project(&[("discovery.yaml", DISCOVERY)]);
    let output = run(&root, |command| {
        command
            .env("PATH", "")
            .env("CARGO", "/nonexistent/cargo")
            .env_remove("INSTA_WORKSPACE_ROOT");
    });
    let (stdout, stderr) = texts(&output);
    assert!(
        stdout.contains("new snapshot written for review"),
        "{stdout}"
    );
    assert!(!stderr.contains("cargo metadata"), "{stderr}");
    assert!(stderr.trim().is_empty(), "{stderr}");
    assert_no_panic_noise(&stdout, &stderr);
    let pending = std::fs::read_to_string(root.join("snapshots/mock/discovery.snap.new")).unwrap();
    assert!(pending.contains("openid-configuration"), "{pending}");
}
