//! Flows and matrices end to end, on throw-away projects run against the embedded mock: a flow runs in place
//! with its params and gives back its captures, its failures point at both files, a matrix lists one trial
//! per combination (gated, filtered and run one by one), and hostile flow folders end in clear errors.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use libtest_mimic::Arguments;
use passwordless_conformance::suite::trials::trials;
use passwordless_conformance::targets::{
    ClientCredentials, HttpInbox, IdentityTemplate, OtpSource, OtpSources, RemoteTarget, TargetKind,
};
use passwordless_conformance::validate::{
    FlowEntry, MAX_EXPANDED_STEPS, MAX_FLOW_DEPTH, MAX_FLOW_FILES, ProjectContext,
};
use passwordless_conformance::{
    SchemaRegistry, SnapshotMode, Suite, TargetConfig, TrialOutcome, discover,
};

use passwordless_conformance::scenario::MAX_REPORTED;

use super::engine::failure;

/// A project of scenarios and flows in a folder of its own.
fn project(name: &str, scenarios: &[(&str, &str)], flows: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pc-flows-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (folder, files) in [("scenarios", scenarios), ("flows", flows)] {
        std::fs::create_dir_all(dir.join(folder)).unwrap();
        for (file, text) in files {
            let path = dir.join(folder).join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
    }
    dir
}

fn suite(root: &Path, target: TargetConfig) -> Suite {
    Suite {
        scenarios_dir: root.join("scenarios"),
        snapshots_dir: root.join("snapshots"),
        target: Ok(target),
        schemas: SchemaRegistry::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas")),
        snapshots: SnapshotMode::Skip,
        run_id: "test".to_owned(),
        project: ProjectContext::load(root),
        prepared: Default::default(),
        record_steps: true,
    }
}

fn run_all(suite: &Suite) -> BTreeMap<String, TrialOutcome> {
    discover(&suite.scenarios_dir)
        .unwrap()
        .into_iter()
        .map(|file| (file.id.clone(), suite.run_file(&file)))
        .collect()
}

const READ_DISCOVERY: &str = r#"
name: read_discovery
params:
  issuer:
  not_this:
    default: "{{ issuer }}!"
  document:
    default: openid-configuration
steps:
  - name: read discovery
    request:
      method: GET
      path: "/.well-known/{{ document }}"
    expect:
      status: 200
      body:
        $.issuer: { not_equals: "{{ issuer }}" }
        $.jwks_uri: { not_equals: "{{ not_this }}" }
    capture:
      jwks: $.jwks_uri
"#;

#[test]
fn a_flow_runs_in_place_with_its_params_and_gives_back_its_captures() {
    let root = project(
        "in-place",
        &[(
            "uses.yaml",
            r#"
name: a flow in place
steps:
  - name: remember the issuer
    request: { method: GET, path: /.well-known/openid-configuration }
    capture: { issuer: $.issuer }
  - name: read it again
    use: read_discovery
    with: { issuer: "not the issuer" }
  - name: the caller's capture is back and the flow's is here
    request: { method: GET, path: /.well-known/openid-configuration }
    expect:
      body:
        $.issuer: "{{ issuer }}"
        $.jwks_uri: "{{ jwks }}"
"#,
        )],
        &[("read_discovery.yaml", READ_DISCOVERY)],
    );
    let outcomes = run_all(&suite(&root, TargetConfig::builtin_mock()));
    assert_eq!(outcomes["uses.yaml"], TrialOutcome::Passed);
}

#[test]
fn a_failure_inside_a_flow_points_at_the_flow_and_the_calling_step() {
    let root = project(
        "failing",
        &[(
            "nested.yaml",
            r#"
name: a flow that fails
steps:
  - name: read twice
    use: twice
"#,
        )],
        &[
            ("read_discovery.yaml", READ_DISCOVERY),
            (
                "twice.yaml",
                r#"
name: twice
steps:
  - name: first
    use: read_discovery
    with: { issuer: x }
  - name: second
    use: read_discovery.yaml
    with: { issuer: x, document: nowhere }
"#,
            ),
        ],
    );
    let outcomes = run_all(&suite(&root, TargetConfig::builtin_mock()));
    let report = failure(&outcomes["nested.yaml"]);
    assert!(
        report.contains("step 1 of 1 (`read twice › second › read discovery`) failed"),
        "{report}"
    );
    assert!(
        report.contains("--> flows/read_discovery.yaml:10:3"),
        "{report}"
    );
    assert!(
        report.contains("called from flows/twice.yaml:7:3 (`read twice › second`)"),
        "{report}"
    );
    assert!(
        report.contains("called from scenarios/nested.yaml:4:3 (`read twice`)"),
        "{report}"
    );
    assert!(report.contains("status: expected 200, got 404"), "{report}");
    assert!(
        report.contains("- step: read twice › first › read discovery"),
        "{report}"
    );
    // What reports (console, JUnit, HTML, annotations) read: the step sits at the scenario's `use:`,
    // its problems in the flow's file.
    let suite = suite(&root, TargetConfig::builtin_mock());
    let file = discover(&suite.scenarios_dir).unwrap().remove(0);
    let details = suite.run_file_report(&file).details;
    let step = details.failed_step.unwrap();
    assert_eq!(
        (step.number, step.line, step.name.as_str()),
        (1, 4, "read twice › second › read discovery")
    );
    assert_eq!(details.problems[0].file, "flows/read_discovery.yaml");
    assert_eq!(details.problems[0].line, 10);
}

#[test]
fn a_broken_flow_fails_every_scenario_using_it_with_both_lines() {
    let root = project(
        "broken",
        &[(
            "user.yaml",
            "name: user\nsteps:\n  - name: go\n    use: bad\n",
        )],
        &[(
            "bad.yaml",
            "name: bad\nsteps:\n  - name: x\n    reqest: { method: GET, path: / }\n",
        )],
    );
    let outcomes = run_all(&suite(&root, TargetConfig::builtin_mock()));
    let report = failure(&outcomes["user.yaml"]);
    assert!(report.contains("--> scenarios/user.yaml:4:10"), "{report}");
    assert!(report.contains("--> flows/bad.yaml:4:5"), "{report}");
    assert!(report.contains("did you mean `request`?"), "{report}");
}

const MATRIX: &str = r#"
name: "discovery by {{ encoding }}"
tags: ["{{ encoding }}"]
matrix:
  document: [openid-configuration, jwks.json]
  encoding: [json, form]
steps:
  - name: read a document the matrix names
    request:
      method: GET
      path: "/.well-known/{{ document }}"
    expect:
      status: 200
  - name: the values are names when steps run
    request:
      method: POST
      path: "/oauth/token?d={{ document }}&t={{ target.name }}"
      encoding: "{{ encoding }}"
      body: { grant_type: nonsense, client_id: "{{ clients.native.client_id }}" }
    expect:
      status: 400
      body:
        $.error: unsupported_grant_type
"#;

#[test]
fn a_matrix_makes_one_named_trial_per_combination() {
    let root = project("matrix", &[("m.yaml", MATRIX)], &[]);
    let suite = suite(&root, TargetConfig::builtin_mock());
    let outcomes = run_all(&suite);
    let names: Vec<&str> = outcomes.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "m.yaml[document=jwks.json,encoding=form]",
            "m.yaml[document=jwks.json,encoding=json]",
            "m.yaml[document=openid-configuration,encoding=form]",
            "m.yaml[document=openid-configuration,encoding=json]",
        ]
    );
    for (name, outcome) in &outcomes {
        assert_eq!(*outcome, TrialOutcome::Passed, "{name}");
    }
}

#[test]
fn exact_selects_one_combination() {
    let root = project("exact", &[("m.yaml", MATRIX)], &[]);
    let suite = Arc::new(suite(&root, TargetConfig::builtin_mock()));
    let planned = trials(&suite, discover(&suite.scenarios_dir).unwrap());
    let log = root.join("log.txt").to_string_lossy().into_owned();
    let arguments = Arguments::from_iter([
        "scenarios",
        "--test-threads",
        "1",
        "--logfile",
        &log,
        "--exact",
        "m.yaml[document=jwks.json,encoding=form]",
    ]);
    let conclusion = libtest_mimic::run(
        &arguments,
        planned.into_iter().map(|planned| planned.trial).collect(),
    );
    assert_eq!(conclusion.num_passed, 1);
    assert_eq!(conclusion.num_filtered_out, 3);
}

/// A real tenant (nothing listens on port 9) with e-mail codes only and no SMS user.
fn email_only_target() -> TargetConfig {
    let mut users = BTreeMap::new();
    users.insert(
        "email_user".to_owned(),
        IdentityTemplate {
            email: Some("qa@example.com".to_owned()),
            ..IdentityTemplate::default()
        },
    );
    let mut clients = BTreeMap::new();
    clients.insert(
        "native".to_owned(),
        ClientCredentials {
            client_id: "native-app".to_owned(),
            client_secret: None,
        },
    );
    let connections = [("email", "email"), ("sms", "sms")]
        .map(|(kind, name)| (kind.to_owned(), name.to_owned()))
        .into();
    TargetConfig {
        name: "email-only".to_owned(),
        kind: TargetKind::Remote(RemoteTarget {
            base_url: "http://127.0.0.1:9".to_owned(),
            clients,
            connections,
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

#[test]
fn a_combination_the_target_cannot_run_is_skipped_alone_at_listing() {
    // The shipped flows: `code_by_sms` names the SMS user and reads SMS codes; `code_by_email` does not.
    let root = project(
        "gate",
        &[(
            "login.yaml",
            r#"
name: login by {{ channel }}
requires: [outbox]
matrix:
  channel: [email, sms]
steps:
  - name: get a code
    use: "code_by_{{ channel }}"
"#,
        )],
        &[],
    );
    let flows = Path::new(env!("CARGO_MANIFEST_DIR")).join("flows");
    for file in ["code_by_email.yaml", "code_by_sms.yaml"] {
        std::fs::copy(flows.join(file), root.join("flows").join(file)).unwrap();
    }
    let suite = Arc::new(suite(&root, email_only_target()));
    let planned = trials(&suite, discover(&suite.scenarios_dir).unwrap());
    let ignored: Vec<(&str, bool)> = planned
        .iter()
        .map(|planned| (planned.trial.name(), planned.trial.has_ignored_flag()))
        .collect();
    assert_eq!(
        ignored,
        [
            ("login.yaml[channel=email]", false),
            ("login.yaml[channel=sms]", true)
        ]
    );
}

#[test]
fn a_deep_chain_of_flows_is_an_error_not_a_stack_overflow() {
    let mut flows: Vec<(String, String)> = Vec::new();
    for index in 0..200 {
        flows.push((
            format!("f{index}.yaml"),
            format!(
                "name: f{index}\nsteps:\n  - name: next\n    use: f{}\n",
                index + 1
            ),
        ));
    }
    flows.push((
        "f200.yaml".to_owned(),
        "name: f200\nsteps:\n  - name: ping\n    request: { method: GET, path: / }\n".to_owned(),
    ));
    let flows: Vec<(&str, &str)> = flows
        .iter()
        .map(|(file, text)| (file.as_str(), text.as_str()))
        .collect();
    let root = project(
        "deep",
        &[("top.yaml", "name: top\nsteps:\n  - name: go\n    use: f0\n")],
        &flows,
    );
    let outcomes = run_all(&suite(&root, TargetConfig::builtin_mock()));
    let report = failure(&outcomes["top.yaml"]);
    assert!(
        report.contains(&format!("flows nest more than {MAX_FLOW_DEPTH} deep")),
        "{report}"
    );
}

#[test]
fn flows_that_multiply_are_stopped_at_the_expanded_step_cap() {
    // Each level uses the one below ten times: 10^4 steps at the top.
    let ten_uses = |below: &str| {
        (0..10)
            .map(|index| format!("  - name: use {index}\n    use: {below}\n"))
            .collect::<String>()
    };
    let levels = [
        (
            "l0.yaml".to_owned(),
            "name: l0\nsteps:\n  - name: ping\n    request: { method: GET, path: / }\n".to_owned(),
        ),
        (
            "l1.yaml".to_owned(),
            format!("name: l1\nsteps:\n{}", ten_uses("l0")),
        ),
        (
            "l2.yaml".to_owned(),
            format!("name: l2\nsteps:\n{}", ten_uses("l1")),
        ),
        (
            "l3.yaml".to_owned(),
            format!("name: l3\nsteps:\n{}", ten_uses("l2")),
        ),
        (
            "l4.yaml".to_owned(),
            format!("name: l4\nsteps:\n{}", ten_uses("l3")),
        ),
    ];
    let flows: Vec<(&str, &str)> = levels
        .iter()
        .map(|(file, text)| (file.as_str(), text.as_str()))
        .collect();
    let root = project(
        "wide",
        &[("top.yaml", "name: top\nsteps:\n  - name: go\n    use: l4\n")],
        &flows,
    );
    let suite = suite(&root, TargetConfig::builtin_mock());
    let entries: BTreeMap<&str, &FlowEntry> = suite.project.flows.entries().collect();
    assert!(matches!(entries["l3.yaml"], FlowEntry::Ready { .. }));
    let FlowEntry::Broken { diagnostics, .. } = entries["l4.yaml"] else {
        panic!("l4 should be broken");
    };
    assert!(
        diagnostics[0].message.contains(&format!(
            "run 10000 steps once their flows are expanded, more than the {MAX_EXPANDED_STEPS}"
        )),
        "{diagnostics:?}"
    );
    let outcomes = run_all(&suite);
    let report = failure(&outcomes["top.yaml"]);
    assert!(report.contains("flow `l4`"), "{report}");
}

#[test]
fn a_folder_of_too_many_flows_is_read_up_to_the_cap() {
    let flows: Vec<(String, String)> = (0..MAX_FLOW_FILES + 4)
        .map(|index| {
            (
                format!("f{index:04}.yaml"),
                format!("name: f{index}\nsteps:\n  - name: ping\n    request: {{ method: GET, path: / }}\n"),
            )
        })
        .collect();
    let flows: Vec<(&str, &str)> = flows
        .iter()
        .map(|(file, text)| (file.as_str(), text.as_str()))
        .collect();
    let root = project("many", &[], &flows);
    let project = ProjectContext::load(&root);
    assert_eq!(project.flows.entries().count(), MAX_FLOW_FILES);
    assert_eq!(
        project.flows.problems,
        [format!(
            "`flows/` holds {} flow files; only the first {MAX_FLOW_FILES} are read",
            MAX_FLOW_FILES + 4
        )]
    );
}

#[test]
fn a_flow_with_thousands_of_problems_is_capped_like_any_file() {
    let mut text = String::from("name: noisy\nsteps:\n");
    for index in 0..20_000 {
        text.push_str(&format!("  - nme: s{index}\n"));
    }
    let root = project(
        "noisy",
        &[(
            "user.yaml",
            "name: user\nsteps:\n  - name: go\n    use: noisy\n",
        )],
        &[("noisy.yaml", &text)],
    );
    let suite = suite(&root, TargetConfig::builtin_mock());
    let entries: BTreeMap<&str, &FlowEntry> = suite.project.flows.entries().collect();
    let FlowEntry::Broken {
        diagnostics,
        omitted,
        ..
    } = entries["noisy.yaml"]
    else {
        panic!("the flow should be broken");
    };
    assert_eq!(diagnostics.len(), MAX_REPORTED);
    assert_eq!(diagnostics.len() + omitted, 60_000);
    let outcomes = run_all(&suite);
    let report = failure(&outcomes["user.yaml"]);
    assert!(
        report.contains("flow `noisy` (flows/noisy.yaml) has 60000 problems"),
        "{report}"
    );
    assert!(report.contains("… and 1 more problem"), "{report}");
}
