//! The authoring commands: `check` (everything without a request, every profile's skips), `new` (starting
//! files that pass `check` and never overwrite) and `schema`, through the library and the binary.

use std::path::{Path, PathBuf};
use std::process::Command;

use passwordless_conformance::authoring::check::check_project;
use passwordless_conformance::authoring::new::{NewError, new_file};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A project folder with the repository's schemas and tenant fixture, and the given files.
fn project(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pc-authoring-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("scenarios")).unwrap();
    for folder in ["schemas", "mock"] {
        std::fs::create_dir_all(dir.join(folder)).unwrap();
        for entry in std::fs::read_dir(repo().join(folder)).unwrap().flatten() {
            if entry.path().is_file() {
                std::fs::copy(entry.path(), dir.join(folder).join(entry.file_name())).unwrap();
            }
        }
    }
    for (file, text) in files {
        let path = dir.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

fn binary(args: &[&str], root: &Path) -> (Option<i32>, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_passwordless-conformance"))
        .args(args)
        .arg("--project")
        .arg(root)
        .output()
        .unwrap();
    let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&output.stderr));
    (output.status.code(), text)
}

const TARGETS: &str = "
mock:
  kind: mock
  tenant: mock/tenant.yaml
staging:
  kind: remote
  base_url: https://${PC_CHECK_TEST_DOMAIN}
  clients:
    native:
      client_id: ${PC_CHECK_TEST_CLIENT}
  users:
    email_user:
      email: ${PC_CHECK_TEST_EMAIL}
      unique_email: true
";

#[test]
fn check_reports_every_problem_with_its_place_and_exits_1() {
    let root = project(
        "broken",
        &[
            ("targets.yaml", TARGETS),
            (
                "scenarios/typo.yaml",
                "name: typo\nsteps:\n  - name: a\n    reqest: { method: GET, path: / }\n",
            ),
            (
                "scenarios/matrix.yaml",
                "name: m\nmatrix: { flow: [good, missing] }\nsteps:\n  - name: go\n    use: \"{{ flow }}\"\n",
            ),
            (
                "flows/good.yaml",
                "name: good\nsteps:\n  - name: ping\n    request: { method: GET, path: / }\n",
            ),
            (
                "flows/bad.yaml",
                "name: bad\nsteps:\n  - name: ping\n    request: { method: GETT, path: / }\n",
            ),
        ],
    );
    let (code, output) = binary(&["check"], &root);
    assert_eq!(code, Some(1), "{output}");
    assert!(
        output.contains("profile `mock`: skips none of the 1 scenario trial that loads"),
        "{output}"
    );
    assert!(output.contains("--> scenarios/typo.yaml:4:5"), "{output}");
    assert!(output.contains("did you mean `request`?"), "{output}");
    assert!(output.contains("--> flows/bad.yaml:4:24"), "{output}");
    assert!(output.contains("unknown flow `missing`"), "{output}");
    assert!(
        output.contains("--> scenarios/matrix.yaml:5:10"),
        "{output}"
    );
    assert!(
        output.contains("checked 3 scenario trials and 2 flows: 4 errors, 0 warnings"),
        "{output}"
    );
    // A filter checks only the trials it names (and the flows they use, through them).
    let (code, output) = binary(&["check", "matrix.yaml[flow=good]"], &root);
    assert_eq!(code, Some(0), "{output}");
    assert!(
        output.contains("checked 1 scenario trial and 0 flows: 0 errors"),
        "{output}"
    );
}

#[test]
fn check_tells_what_each_profile_would_skip_without_failing() {
    let root = project(
        "profiles",
        &[
            ("targets.yaml", TARGETS),
            (
                "scenarios/clock.yaml",
                "name: clock\nrequires: [clock]\nsteps:\n  - name: wait\n    clock: { advance: 1 }\n",
            ),
            (
                "scenarios/keys.yaml",
                "name: keys\nsteps:\n  - name: read\n    request: { method: GET, path: /.well-known/jwks.json }\n    expect:\n      schema: jwks.json\n      body:\n        $.keys.first: { absent: true }\n",
            ),
        ],
    );
    let report = check_project(&root, &[]);
    assert!(!report.has_errors(), "{report}");
    assert_eq!(report.warnings.len(), 1, "{report}");
    let text = report.to_string();
    assert!(
        text.contains("profile `mock`: skips none of the 2 scenario trials that load"),
        "{text}"
    );
    assert!(
        text.contains("profile `staging` (read with stand-ins for `PC_CHECK_TEST_DOMAIN`, `PC_CHECK_TEST_CLIENT`, `PC_CHECK_TEST_EMAIL`, not set here): would skip 1 of the 2 scenario trials that load:"),
        "{text}"
    );
    assert!(
        text.contains("skip clock.yaml: target `staging` lacks `clock`"),
        "{text}"
    );
    // Warnings alone exit 0.
    let (code, output) = binary(&["check"], &root);
    assert_eq!(code, Some(0), "{output}");
    assert!(
        output.contains("warning: `$.keys.first` can never be present"),
        "{output}"
    );
}

#[test]
fn the_shipped_project_checks_clean() {
    let report = check_project(repo(), &[]);
    assert!(!report.has_errors(), "{report}");
    assert!(report.warnings.is_empty(), "{report}");
    assert!(report.flows >= 4 && report.trials >= 80, "{report}");
    let names: Vec<&str> = report
        .profiles
        .iter()
        .map(|profile| profile.name.as_str())
        .collect();
    for name in ["mock", "mock-limited", "mock-features", "staging"] {
        assert!(names.contains(&name), "{names:?}");
    }
}

#[test]
fn new_files_pass_check_as_written_and_are_never_overwritten() {
    let root = project("new", &[]);
    for folder in ["flows", "scenarios/passwordless"] {
        std::fs::create_dir_all(root.join(folder)).unwrap();
    }
    std::fs::copy(
        repo().join("flows/mfa_login.yaml"),
        root.join("flows/mfa_login.yaml"),
    )
    .unwrap();
    std::fs::copy(
        repo().join("scenarios/passwordless/login_code.yaml"),
        root.join("scenarios/passwordless/login_code.yaml"),
    )
    .unwrap();
    std::fs::copy(
        repo().join("flows/code_by_email.yaml"),
        root.join("flows/code_by_email.yaml"),
    )
    .unwrap();
    std::fs::copy(
        repo().join("flows/code_by_sms.yaml"),
        root.join("flows/code_by_sms.yaml"),
    )
    .unwrap();
    let written = [
        new_file(&root, Path::new("passwordless/my_login"), None).unwrap(),
        new_file(&root, Path::new("flows/my_flow.yaml"), None).unwrap(),
        new_file(&root, Path::new("mfa/with_flow"), Some("mfa_login")).unwrap(),
        new_file(
            &root,
            Path::new("scenarios/copy.yaml"),
            Some("passwordless/login_code.yaml[channel=sms]"),
        )
        .unwrap(),
        new_file(
            &root,
            Path::new("flows/other_login"),
            Some("flows/mfa_login"),
        )
        .unwrap(),
    ];
    assert_eq!(
        written,
        [
            "scenarios/passwordless/my_login.yaml",
            "flows/my_flow.yaml",
            "scenarios/mfa/with_flow.yaml",
            "scenarios/copy.yaml",
            "flows/other_login.yaml",
        ]
    );
    let report = check_project(&root, &[]);
    assert!(!report.has_errors(), "{report}");
    assert!(report.warnings.is_empty(), "{report}");
    assert_eq!(report.flows, 5, "{report}");
    // And what the editor sees agrees: each file validates against the schema its modeline names.
    for written in &written {
        let schema_file = if written.starts_with("flows/") {
            "flow.schema.json"
        } else {
            "scenario.schema.json"
        };
        let schema: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(repo().join(schema_file)).unwrap())
                .unwrap();
        let document: serde_json::Value =
            serde_yaml::from_str(&std::fs::read_to_string(root.join(written)).unwrap()).unwrap();
        let validator = jsonschema::validator_for(&schema).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&document)
            .map(|error| error.to_string())
            .collect();
        assert!(errors.is_empty(), "{written}: {errors:?}");
    }
    let my_login = std::fs::read_to_string(root.join(&written[0])).unwrap();
    assert!(
        my_login.starts_with("# yaml-language-server: $schema=../../scenario.schema.json\n"),
        "{my_login}"
    );
    let my_flow = std::fs::read_to_string(root.join(&written[1])).unwrap();
    assert!(
        my_flow.starts_with("# yaml-language-server: $schema=../flow.schema.json\n"),
        "{my_flow}"
    );
    let with_flow = std::fs::read_to_string(root.join(&written[2])).unwrap();
    assert!(with_flow.contains("    use: mfa_login\n"), "{with_flow}");
    assert!(with_flow.contains("requires: [outbox]\n"), "{with_flow}");

    let before = std::fs::read_to_string(root.join(&written[0])).unwrap();
    let again = new_file(&root, Path::new("passwordless/my_login.yaml"), None);
    assert!(matches!(again, Err(NewError::Exists { .. })), "{again:?}");
    assert_eq!(
        std::fs::read_to_string(root.join(&written[0])).unwrap(),
        before
    );
    for (path, from) in [
        ("../outside", None),
        ("notes.txt", None),
        ("x", Some("no_such_thing")),
        ("flows/from_scenario", Some("passwordless/login_code.yaml")),
        ("flows/mfa_login_clash", Some("mfa_login_clash")),
    ] {
        let refused = new_file(&root, Path::new(path), from);
        assert!(refused.is_err(), "{path}: {refused:?}");
    }
    // A flow file named like an existing flow would make `use:` ambiguous.
    let clash = new_file(&root, Path::new("flows/mfa_login.yml"), None);
    assert!(clash.is_err(), "{clash:?}");
}

#[test]
fn new_from_the_command_line_says_what_it_wrote() {
    let root = project("new-cli", &[]);
    let (code, output) = binary(&["new", "passwordless/first"], &root);
    assert_eq!(code, Some(0), "{output}");
    assert!(
        output.contains("wrote scenarios/passwordless/first.yaml"),
        "{output}"
    );
    let (code, output) = binary(&["new", "passwordless/first"], &root);
    assert_eq!(code, Some(1), "{output}");
    assert!(output.contains("already exists"), "{output}");
    let (code, output) = binary(&["check"], &root);
    assert_eq!(code, Some(0), "{output}");
}
