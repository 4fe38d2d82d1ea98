//! Skipped reads as skipped everywhere: the target's gaps are decided when the trials are listed.
//!
//! The scenario harness (`tests/scenarios.rs`) is `suite::trials` plus `libtest_mimic::run`; these tests
//! drive the same two in-process, with libtest's own arguments and its log file, against a target that
//! lacks a capability, a role and a code source.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use libtest_mimic::Arguments;
use passwordless_conformance::suite::trials::{listing_notes, selected_trials, trials};
use passwordless_conformance::targets::{
    HttpInbox, IdentityTemplate, OtpSource, OtpSources, RemoteTarget, TargetKind,
};
use passwordless_conformance::validate::ProjectContext;
use passwordless_conformance::{
    SchemaRegistry, SnapshotMode, Suite, TagFilter, TargetConfig, discover,
};

const NEEDS_CLOCK: &str = "
name: needs the clock
requires: [clock]
steps:
  - name: wait
    clock: { advance: 60 }
";

const NEEDS_A_ROLE: &str = r#"
name: needs an MFA user
steps:
  - name: log in
    request:
      method: POST
      path: /oauth/token
      json: { username: "{{ users.totp_enrolled.email }}" }
"#;

const NEEDS_SMS_CODES: &str = r#"
name: needs sms codes
requires: [outbox]
steps:
  - name: read the code
    otp:
      to: "{{ users.sms_user.phone_number }}"
"#;

const RUNS: &str = "
name: runs
steps:
  - name: ping
    request: { method: GET, path: / }
";

/// A project of its own for each test (tests run in parallel).
fn project(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pc-listing-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let files = [
        ("clock.yaml", NEEDS_CLOCK),
        ("role.yaml", NEEDS_A_ROLE),
        ("sms.yaml", NEEDS_SMS_CODES),
        ("runs.yaml", RUNS),
        (
            "broken.yaml",
            "name: broken\nsteps:\n  - name: a\n    reqest: {}\n",
        ),
    ];
    for (name, text) in files {
        let path = dir.join("scenarios").join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

/// A real tenant (nothing listens on port 9) with e-mail codes only, no clock, and only `sms_user`.
fn staging_like() -> TargetConfig {
    let mut users = BTreeMap::new();
    users.insert(
        "sms_user".to_owned(),
        IdentityTemplate {
            phone_number: Some("+15555550100".to_owned()),
            ..IdentityTemplate::default()
        },
    );
    TargetConfig {
        name: "staging-like".to_owned(),
        kind: TargetKind::Remote(RemoteTarget {
            base_url: "http://127.0.0.1:9".to_owned(),
            clients: BTreeMap::new(),
            connections: BTreeMap::new(),
            users,
        }),
        timeout: Duration::from_secs(2),
        otp_sources: OtpSources {
            email: Some(OtpSource::HttpInbox(HttpInbox {
                url: "http://127.0.0.1:9/{to}".to_owned(),
                headers: Vec::new(),
                messages: "$[*]".to_owned(),
                recipient: "$.to".to_owned(),
                body: "$.text".to_owned(),
                sent_at: None,
                code_regex: "([0-9]{6})".to_owned(),
                link_regex: "(https?://[^ ]+)".to_owned(),
                interval: Duration::from_millis(10),
                timeout: Duration::from_millis(10),
            })),
            sms: None,
        },
        ..TargetConfig::builtin_mock()
    }
}

fn suite(root: &Path) -> Arc<Suite> {
    Arc::new(Suite {
        scenarios_dir: root.join("scenarios"),
        snapshots_dir: root.join("snapshots"),
        target: Ok(staging_like()),
        // Listing reads no schema: an empty folder is enough.
        schemas: SchemaRegistry::load(&root.join("schemas")),
        snapshots: SnapshotMode::Skip,
        run_id: "test".to_owned(),
        project: ProjectContext::load(Path::new(env!("CARGO_MANIFEST_DIR"))),
        prepared: Default::default(),
        record_steps: true,
    })
}

/// Runs the harness with `args` (libtest's), returning its conclusion and what it printed.
fn harness(root: &Path, args: &[&str]) -> (libtest_mimic::Conclusion, String) {
    let suite = suite(root);
    let files = discover(&suite.scenarios_dir).unwrap();
    let log = root.join(format!(
        "log-{}.txt",
        args.join("_").replace(['-', ' '], "")
    ));
    let log_arg = log.to_string_lossy().into_owned();
    let mut all = vec!["scenarios", "--test-threads", "1", "--logfile", &log_arg];
    all.extend(args);
    let arguments = Arguments::from_iter(all);
    let planned = trials(&suite, files);
    let conclusion = libtest_mimic::run(
        &arguments,
        planned.into_iter().map(|planned| planned.trial).collect(),
    );
    (
        conclusion,
        std::fs::read_to_string(&log).unwrap_or_default(),
    )
}

#[test]
fn what_the_target_lacks_is_ignored_when_the_trials_are_listed() {
    let root = project("listed");
    let suite = suite(&root);
    let planned = trials(&suite, discover(&suite.scenarios_dir).unwrap());
    let ignored: Vec<&str> = planned
        .iter()
        .filter(|planned| planned.trial.has_ignored_flag())
        .map(|planned| planned.trial.name())
        .collect();
    // A broken file is a failing trial, never a skipped one.
    assert_eq!(ignored, ["clock.yaml", "role.yaml", "sms.yaml"]);

    let notes = listing_notes(&planned, &Arguments::from_iter(["scenarios"])).join("\n");
    assert!(
        notes.contains("skipped clock.yaml: target `staging-like` lacks `clock`"),
        "{notes}"
    );
    assert!(
        notes.contains("skipped role.yaml: target `staging-like` has no user role `totp_enrolled`"),
        "{notes}"
    );
    assert!(
        notes.contains(
            "skipped sms.yaml: target `staging-like` has no source of one-time codes for sms"
        ),
        "{notes}"
    );
    // Notes follow libtest's filter: a run of one trial says nothing about the others.
    let one = listing_notes(
        &planned,
        &Arguments::from_iter(["scenarios", "--exact", "runs.yaml"]),
    );
    assert!(one.is_empty(), "{one:?}");
}

#[test]
fn listing_and_running_report_the_skips_as_ignored_never_as_passed() {
    let root = project("run");
    let (_, listed) = harness(&root, &["--list", "--ignored"]);
    assert_eq!(
        listed.lines().collect::<Vec<_>>(),
        ["clock.yaml: test", "role.yaml: test", "sms.yaml: test"]
    );

    let (conclusion, log) = harness(&root, &[]);
    assert_eq!(conclusion.num_ignored, 3, "{log}");
    assert_eq!(conclusion.num_passed, 0, "{log}");
    // `broken.yaml` does not load; `runs.yaml` finds nothing listening.
    assert_eq!(conclusion.num_failed, 2, "{log}");
    for name in ["clock.yaml", "role.yaml", "sms.yaml"] {
        let line = log
            .lines()
            .find(|line| line.starts_with(&format!("test {name} ")))
            .unwrap_or_default();
        assert!(line.ends_with("... ignored"), "{log}");
    }
}

#[test]
fn a_skipped_trial_run_anyway_fails_with_its_reason() {
    let root = project("forced");
    let (conclusion, log) = harness(&root, &["--include-ignored", "--exact", "clock.yaml"]);
    assert_eq!(conclusion.num_failed, 1, "{log}");
    assert!(
        log.contains("cannot run on this target: target `staging-like` lacks `clock`"),
        "{log}"
    );
}

#[test]
fn run_shows_the_warnings_of_a_scenario_that_passes() {
    let root = std::env::temp_dir().join(format!("pc-listing-warn-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("scenarios")).unwrap();
    std::fs::create_dir_all(root.join("schemas")).unwrap();
    let schemas = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas");
    for file in ["jwks.json", "common.json"] {
        std::fs::copy(schemas.join(file), root.join("schemas").join(file)).unwrap();
    }
    std::fs::write(
        root.join("scenarios/keys.yaml"),
        "
name: keys
steps:
  - name: read the keys
    request: { method: GET, path: /.well-known/jwks.json }
    expect:
      status: 200
      schema: jwks.json
      body:
        $.keys.first: { absent: true }
",
    )
    .unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_passwordless-conformance"))
        .args(["run", "--no-snapshots", "--project"])
        .arg(&root)
        .env("CONFORMANCE_TARGET", "mock")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("PASS keys.yaml"), "{stdout}");
    assert!(
        stdout.contains(
            "warning: `$.keys.first` can never be present in a body that matches `jwks.json`"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("--> scenarios/keys.yaml:10:9"), "{stdout}");
}

#[test]
fn tags_leave_scenarios_out_of_the_list_rather_than_reporting_them_as_skipped() {
    let root = project("tags");
    for (name, tags) in [("fast.yaml", "[smoke]"), ("slow.yaml", "[smoke, slow]")] {
        std::fs::write(
            root.join("scenarios").join(name),
            format!(
                "name: {name}\ntags: {tags}\n{}",
                RUNS.trim_start().trim_start_matches("name: runs\n")
            ),
        )
        .unwrap();
    }
    let suite = suite(&root);
    let files = discover(&suite.scenarios_dir).unwrap();
    let selected = selected_trials(
        &suite,
        files,
        &TagFilter::parse("CONFORMANCE_TAGS", "smoke,!slow").unwrap(),
    );
    let names: Vec<&str> = selected
        .planned
        .iter()
        .map(|planned| planned.trial.name())
        .collect();
    // A file that does not load has unknown tags: it stays, and fails.
    assert_eq!(names, ["broken.yaml", "fast.yaml"]);
    assert_eq!(
        selected.notes,
        [
            "CONFORMANCE_TAGS=smoke,!slow selects 2 scenario files and leaves out 5 (not listed, not run)"
        ]
    );

    // What is left out is neither passed nor ignored: libtest never hears of it.
    let log = root.join("tags-log.txt");
    let arguments = Arguments::from_iter([
        "scenarios",
        "--test-threads",
        "1",
        "--logfile",
        log.to_str().unwrap(),
    ]);
    let conclusion = libtest_mimic::run(
        &arguments,
        selected
            .planned
            .into_iter()
            .map(|planned| planned.trial)
            .collect(),
    );
    let log = std::fs::read_to_string(&log).unwrap_or_default();
    assert_eq!(
        (
            conclusion.num_passed,
            conclusion.num_ignored,
            conclusion.num_failed
        ),
        (0, 0, 2),
        "{log}"
    );
    assert!(
        !log.contains("slow.yaml") && !log.contains("clock.yaml"),
        "{log}"
    );
}

#[test]
fn a_misspelt_tag_in_conformance_tags_is_named() {
    let root = project("misspelt");
    std::fs::write(
        root.join("scenarios/tagged.yaml"),
        "name: tagged\ntags: [smoke]\nsteps:\n  - name: ping\n    request: { method: GET, path: / }\n",
    )
    .unwrap();
    let suite = suite(&root);
    let selected = selected_trials(
        &suite,
        discover(&suite.scenarios_dir).unwrap(),
        &TagFilter::parse("CONFORMANCE_TAGS", "smok").unwrap(),
    );
    assert!(
        selected.notes.contains(
            &"warning: no scenario has the tag `smok` named in CONFORMANCE_TAGS (did you mean `smoke`?)"
                .to_owned()
        ),
        "{:?}",
        selected.notes
    );
}
