//! A project outside this repository: `init` writes one, and it runs green against the embedded
//! mock from its own folder with nothing but the binary — no cargo, no schemas, no targets.yaml
//! profiles, no tenant fixture — through `run` and through the library's harness entry point.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use libtest_mimic::Arguments;

fn fresh_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "pc-init-it-{tag}-{}-{}",
        std::process::id(),
        rand::random::<u32>()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The binary, run in `dir` as an installed binary would be: no cargo on PATH, CI set.
fn binary_in(dir: &Path, args: &[&str], target: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_passwordless-conformance"));
    command
        .args(args)
        .current_dir(dir)
        .env("PATH", "")
        .env("CARGO", "/nonexistent/cargo")
        .env("CI", "true")
        .env_remove("CONFORMANCE_TARGET")
        .env_remove("INSTA_UPDATE")
        .env_remove("INSTA_OUTPUT")
        .env_remove("INSTA_WORKSPACE_ROOT");
    if let Some(target) = target {
        command.env("CONFORMANCE_TARGET", target);
    }
    command.output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn an_initialized_folder_runs_green_on_the_embedded_mock_from_outside_the_repository() {
    let outside = fresh_dir("green");
    let init = binary_in(&outside, &["init", "project"], None);
    assert!(init.status.success(), "{}", text(&init.stderr));
    assert!(text(&init.stdout).contains("scenarios/login_email_code.yaml"));
    let project = outside.join("project");
    assert!(!project.join("schemas").exists() && !project.join("mock").exists());

    let run = binary_in(&project, &["run"], None);
    let (stdout, stderr) = (text(&run.stdout), text(&run.stderr));
    assert!(
        stdout.contains("PASS login_email_code.yaml")
            && stdout.contains("1 passed, 0 failed, 0 skipped"),
        "{stdout}\n{stderr}"
    );
    assert_eq!(run.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stderr.is_empty(), "{stderr}");

    // `--project` from elsewhere, and a built-in profile the starter targets.yaml does not define.
    let features = binary_in(
        &outside,
        &["run", "--no-snapshots", "--project", "project"],
        Some("mock-features"),
    );
    assert!(
        text(&features.stdout).contains("1 passed, 0 failed, 0 skipped"),
        "{}",
        text(&features.stdout)
    );

    // Nothing is overwritten by a second `init`.
    let again = binary_in(&outside, &["init", "project"], None);
    assert_eq!(again.status.code(), Some(2));
    assert!(
        text(&again.stderr).contains("already in"),
        "{}",
        text(&again.stderr)
    );
}

#[test]
fn a_project_schema_replaces_the_built_in_one_of_the_same_name() {
    let outside = fresh_dir("schema");
    assert!(binary_in(&outside, &["init", "p"], None).status.success());
    let schemas = outside.join("p/schemas");
    std::fs::create_dir_all(&schemas).unwrap();
    std::fs::write(
        schemas.join("token-success.json"),
        r#"{"$id": "https://passwordless-conformance.test/schemas/token-success.json",
            "type": "object", "required": ["our_own_member"]}"#,
    )
    .unwrap();
    let run = binary_in(&outside.join("p"), &["run"], None);
    let stdout = text(&run.stdout);
    assert!(stdout.contains("FAIL login_email_code.yaml"), "{stdout}");
    assert!(stdout.contains("our_own_member"), "{stdout}");
}

#[test]
fn the_harness_entry_point_runs_a_project_as_libtest_trials() {
    let outside = fresh_dir("harness");
    passwordless_conformance::init::init(&outside.join("p")).unwrap();
    let log = outside.join("libtest.log");
    let arguments = Arguments {
        test_threads: Some(1),
        // libtest-mimic prints its report itself; keep it out of this test's output.
        logfile: Some(log.display().to_string()),
        ..Arguments::default()
    };
    let conclusion =
        passwordless_conformance::harness::run_with_args(outside.join("p"), &arguments);
    assert_eq!((conclusion.num_passed, conclusion.num_failed), (1, 0));
    let report = std::fs::read_to_string(&log).unwrap();
    assert!(
        report.contains("test login_email_code.yaml ... ok"),
        "{report}"
    );

    // A folder without scenarios/ is one failing trial, not an empty green run.
    let empty = passwordless_conformance::harness::run_with_args(fresh_dir("empty"), &arguments);
    assert_eq!((empty.num_passed, empty.num_failed), (0, 1));
    let report = std::fs::read_to_string(&log).unwrap();
    assert!(report.contains("cannot read `"), "{report}");
}
