//! `run --accept`: new and changed snapshots accepted without cargo-insta, in exactly the file
//! insta would write; never in CI, where nothing is written whatever `INSTA_UPDATE` says.

use std::path::Path;
use std::process::{Command, Output};

use super::engine::{DISCOVERY, project};

fn run(root: &Path, args: &[&str], env: &[(&str, &str)]) -> (Output, String) {
    std::fs::create_dir_all(root.join("schemas")).unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_passwordless-conformance"));
    command
        .args(["run", "--jobs", "1", "--project"])
        .arg(root)
        .args(args)
        .env("CONFORMANCE_TARGET", "mock")
        .env_remove("CI")
        .env_remove("TF_BUILD")
        .env_remove("INSTA_UPDATE")
        .env_remove("INSTA_OUTPUT");
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output, text)
}

#[test]
fn accept_writes_the_snapshot_insta_itself_would_write() {
    let accepted = project(&[("discovery.yaml", DISCOVERY)]);
    let (output, text) = run(&accepted, &["--accept"], &[]);
    assert_eq!(output.status.code(), Some(0), "{text}");
    let file = accepted.join("snapshots/mock/discovery.snap");
    assert!(
        text.contains(&format!("snapshot accepted: {}", file.display())),
        "{text}"
    );
    assert!(!file.with_extension("snap.new").exists());

    let by_insta = project(&[("discovery.yaml", DISCOVERY)]);
    let (output, text) = run(&by_insta, &[], &[("INSTA_UPDATE", "always")]);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        std::fs::read_to_string(by_insta.join("snapshots/mock/discovery.snap")).unwrap()
    );

    // Accepted means committed: a run in CI now passes.
    let (output, text) = run(&accepted, &[], &[("CI", "true")]);
    assert_eq!(output.status.code(), Some(0), "{text}");
}

#[test]
fn accept_replaces_a_changed_snapshot_and_a_pending_one_for_review() {
    let root = project(&[("discovery.yaml", DISCOVERY)]);
    let (output, text) = run(&root, &["--accept"], &[]);
    assert_eq!(output.status.code(), Some(0), "{text}");
    let file = root.join("snapshots/mock/discovery.snap");
    let good = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, good.replace("status: 200", "status: 201")).unwrap();

    // Reviewed the usual way first: a `.snap.new` in insta's format, for `cargo insta review`.
    let (output, text) = run(&root, &[], &[]);
    assert_eq!(output.status.code(), Some(1), "{text}");
    let pending = file.with_extension("snap.new");
    let pending_text = std::fs::read_to_string(&pending).unwrap();
    assert!(
        insta::Snapshot::from_file(&pending).is_ok() && pending_text.contains("status: 200"),
        "{pending_text}"
    );

    let (output, text) = run(&root, &["--accept"], &[]);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), good);
    assert!(!pending.exists());
}

#[test]
fn accept_is_refused_in_ci_and_nothing_is_written() {
    let root = project(&[("discovery.yaml", DISCOVERY)]);
    for ci in [("CI", "true"), ("TF_BUILD", "True")] {
        let (output, text) = run(&root, &["--accept"], &[ci]);
        assert_eq!(output.status.code(), Some(2), "{text}");
        assert!(
            text.contains(
                "`--accept` is refused when CI is set: snapshots are never written in CI"
            ),
            "{text}"
        );
    }
    let (output, text) = run(&root, &["--accept"], &[("INSTA_UPDATE", "no")]);
    assert_eq!(output.status.code(), Some(2), "{text}");
    assert!(text.contains("INSTA_UPDATE=no disagree"), "{text}");
    assert!(!root.join("snapshots").exists());
}

#[test]
fn in_ci_insta_update_writes_nothing_either() {
    let root = project(&[("discovery.yaml", DISCOVERY)]);
    for update in ["always", "new", "force", "unseen"] {
        let (output, text) = run(&root, &[], &[("CI", "true"), ("INSTA_UPDATE", update)]);
        assert_eq!(output.status.code(), Some(1), "{text}");
        assert!(text.contains("snapshot missing:"), "{text}");
        assert!(
            text.contains(&format!(
                "note: INSTA_UPDATE={update} is ignored when CI is set: snapshots are never written in CI"
            )),
            "{text}"
        );
        assert!(!root.join("snapshots").exists(), "written with {update}");
    }
}
