//! `run`'s selection and reports, through the binary: several filters, tags, `--target`, the
//! piped output (a line per trial, the failed files again, the time, the summary), JUnit read
//! back with a parser other than the writer's, the HTML file's escaping, GitHub annotations and
//! the curl reproducer. The HTML file is also rendered in a real browser by `.ci/html-report.sh`.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

use quick_xml::events::{BytesStart, Event};

use super::engine::{DISCOVERY, project};
use super::support::CONFIDENTIAL_SECRET;

/// Passes; tagged `smoke`.
const PASSING: &str = r#"
name: discovery answers
tags: [smoke]
steps:
  - name: read discovery
    request:
      method: GET
      path: /.well-known/openid-configuration
    expect:
      status: 200
"#;

/// Fails on a body check written on line 15 (the step starts on line 5), after sending the confidential client's secret.
const FAILING: &str = r#"
name: the token endpoint refuses a made-up code
tags: [mfa, confidential]
steps:
  - name: exchange a code that was never sent
    request:
      method: POST
      path: /oauth/token
      form:
        grant_type: http://auth0.com/oauth/grant-type/passwordless/otp
        client_id: "{{ clients.confidential.client_id }}"
        client_secret: "{{ clients.confidential.client_secret }}"
    expect:
      body:
        $.error: "this is not the error"
"#;

/// The mock cannot run it: skipped, with the reason.
const SKIPPED: &str = r#"
name: needs a target that may be driven into its rate limits
tags: [slow]
requires: [rate_limit_probe]
steps:
  - name: read discovery
    request: { method: GET, path: /.well-known/openid-configuration }
"#;

/// Does not load: no `steps` (line 1) and an unknown key on line 3.
const BROKEN: &str = "name: broken\ntags: [smoke]\nstepz: []\n";

/// Markup, quotes, control characters and an XML end-of-CDATA in every name it has.
const HOSTILE: &str = "name: \"<script>alert('name')</script> ]]> & \\\" \\x01\\x1b[31m\"\ntags: [\"<b>tag</b>\"]\nsteps:\n  - name: \"<img src=x onerror=alert(1)>\"\n    request: { method: GET, path: \"/.well-known/openid-configuration\" }\n    expect:\n      status: 418\n";

const HOSTILE_FILE: &str = "odd <b>&'\"name, v:1.yaml";

fn reports_project() -> std::path::PathBuf {
    let root = project(&[
        ("ok.yaml", PASSING),
        ("fails.yaml", FAILING),
        ("skipped.yaml", SKIPPED),
        ("broken.yaml", BROKEN),
        (HOSTILE_FILE, HOSTILE),
    ]);
    std::fs::create_dir_all(root.join("schemas")).unwrap();
    root
}

fn run(root: &Path, args: &[&str], env: &[(&str, &str)]) -> (Output, String, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_passwordless-conformance"));
    command
        .args(["run", "--jobs", "2", "--no-snapshots", "--project"])
        .arg(root)
        .args(args)
        .env_remove("CONFORMANCE_TARGET")
        .env_remove("CONFORMANCE_TAGS")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("CI");
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output, stdout, stderr)
}

/// The trials a run's output names, from its `PASS`/`FAIL`/`SKIP` lines.
fn verdicts(stdout: &str) -> BTreeMap<String, String> {
    stdout
        .lines()
        .filter_map(|line| {
            let (verdict, rest) = line.split_once(' ')?;
            if !matches!(verdict, "PASS" | "FAIL" | "SKIP") {
                return None;
            }
            let name = rest.split_once(" (").map_or(rest, |(name, _)| name);
            Some((name.to_owned(), verdict.to_owned()))
        })
        .collect()
}

#[test]
fn piped_output_is_a_line_per_trial_then_the_failed_files_the_time_and_the_summary() {
    let root = reports_project();
    let (output, stdout, _) = run(&root, &[], &[]);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    // No progress bar when nobody watches: no carriage returns, no escape codes of ours.
    assert!(!stdout.contains('\r'), "{stdout:?}");
    assert!(
        !stdout.contains("\u{1b}[") && !stdout.contains("\u{1b}]"),
        "{stdout:?}"
    );
    assert_eq!(
        verdicts(&stdout),
        BTreeMap::from([
            ("broken.yaml".to_owned(), "FAIL".to_owned()),
            ("fails.yaml".to_owned(), "FAIL".to_owned()),
            (HOSTILE_FILE.to_owned(), "FAIL".to_owned()),
            ("ok.yaml".to_owned(), "PASS".to_owned()),
            ("skipped.yaml".to_owned(), "SKIP".to_owned()),
        ])
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.first(), Some(&"running 5 scenarios against `mock`"));
    let failed_at = lines
        .iter()
        .position(|line| *line == "failed (3):")
        .unwrap_or_else(|| panic!("no list of failed files:\n{stdout}"));
    assert_eq!(
        lines[failed_at + 1..failed_at + 4],
        [
            "  scenarios/broken.yaml:1:1",
            "  scenarios/fails.yaml:5 (step 1 `exchange a code that was never sent`)",
            &format!("  scenarios/{HOSTILE_FILE}:4 (step 1 `<img src=x onerror=alert(1)>`)"),
        ]
    );
    assert!(
        lines[lines.len() - 2].starts_with("finished in "),
        "{stdout}"
    );
    assert_eq!(lines.last(), Some(&"1 passed, 3 failed, 1 skipped"));
}

#[test]
fn a_failing_request_prints_a_curl_command_with_secrets_as_variables() {
    let root = reports_project();
    let (_, stdout, _) = run(&root, &["fails"], &[]);
    assert!(
        stdout.contains("reproduce the failing request:"),
        "{stdout}"
    );
    assert!(stdout.contains("BASE_URL='http://127.0.0.1:"), "{stdout}");
    assert!(
        stdout.contains(r#""${BASE_URL}"'/oauth/token'"#)
            && stdout.contains(
                r#"--data-urlencode 'client_secret='"${CLIENTS_CONFIDENTIAL_CLIENT_SECRET}""#
            )
            && stdout.contains("--data-urlencode 'client_id=regular-web-app'"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "#   CLIENTS_CONFIDENTIAL_CLIENT_SECRET: `client_secret` of client role `confidential`"
        ),
        "{stdout}"
    );
    assert!(!stdout.contains(CONFIDENTIAL_SECRET), "{stdout}");
}

#[test]
fn any_of_several_filters_selects_and_tags_narrow_it_down() {
    let root = reports_project();
    let (_, stdout, _) = run(&root, &["ok.yaml", "skipped"], &[]);
    assert_eq!(
        verdicts(&stdout).into_keys().collect::<Vec<_>>(),
        ["ok.yaml", "skipped.yaml"]
    );

    // A file that does not load has no known tags: a tag filter keeps it, and it fails.
    let (_, stdout, _) = run(&root, &["--tag", "mfa", "--tag", "smoke"], &[]);
    assert_eq!(
        verdicts(&stdout).into_keys().collect::<Vec<_>>(),
        ["broken.yaml", "fails.yaml", "ok.yaml"]
    );
    assert!(
        stdout.starts_with("running 3 scenarios against `mock` (2 more left out by the tags)"),
        "{stdout}"
    );
    assert!(
        stdout.ends_with("1 passed, 2 failed, 0 skipped\n"),
        "{stdout}"
    );

    let (_, stdout, _) = run(
        &root,
        &[
            "--skip-tag",
            "slow",
            "--skip-tag",
            "mfa",
            "ok.yaml",
            "broken",
            "fails",
            "skipped",
        ],
        &[],
    );
    assert_eq!(
        verdicts(&stdout).into_keys().collect::<Vec<_>>(),
        ["broken.yaml", "ok.yaml"]
    );
}

#[test]
fn conformance_tags_selects_when_no_tag_is_given_and_a_misspelt_tag_is_named() {
    let root = reports_project();
    let (_, stdout, _) = run(&root, &[], &[("CONFORMANCE_TAGS", "smoke,!slow")]);
    assert_eq!(
        verdicts(&stdout).into_keys().collect::<Vec<_>>(),
        ["broken.yaml", "ok.yaml"]
    );
    // --tag replaces the variable rather than adding to it.
    let (_, stdout, _) = run(&root, &["--tag", "slow"], &[("CONFORMANCE_TAGS", "smoke")]);
    assert_eq!(
        verdicts(&stdout).into_keys().collect::<Vec<_>>(),
        ["broken.yaml", "skipped.yaml"]
    );

    let (_, stdout, _) = run(&root, &["--tag", "smok"], &[]);
    assert!(
        stdout.contains("warning: no scenario has the tag `smok` (did you mean `smoke`?)"),
        "{stdout}"
    );
    let (output, _, stderr) = run(&root, &[], &[("CONFORMANCE_TAGS", "smoke,,mfa")]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr.contains("has an empty tag"), "{stderr}");
}

#[test]
fn target_overrides_conformance_target() {
    let root = reports_project();
    std::fs::write(
        root.join("targets.yaml"),
        "other:\n  kind: remote\n  base_url: http://127.0.0.1:9\n",
    )
    .unwrap();
    let (output, stdout, stderr) = run(
        &root,
        &["--target", "mock", "ok.yaml"],
        &[("CONFORMANCE_TARGET", "no-such-profile")],
    );
    assert_eq!(output.status.code(), Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("against `mock`"), "{stdout}");

    let (output, _, stderr) = run(&root, &["--target", "othr", "ok.yaml"], &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr.contains("`othr`") && stderr.contains("did you mean `other`?"),
        "{stderr}"
    );
}

/// Every element of a JUnit file: (name, attributes, text), in document order.
fn parse_xml(xml: &str) -> Vec<(String, BTreeMap<String, String>, String)> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut elements: Vec<(String, BTreeMap<String, String>, String)> = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    let attributes = |start: &BytesStart<'_>| -> BTreeMap<String, String> {
        start
            .attributes()
            .map(|attribute| {
                let attribute = attribute.expect("a well-formed attribute");
                (
                    String::from_utf8(attribute.key.as_ref().to_vec()).unwrap(),
                    attribute
                        .normalized_value(quick_xml::XmlVersion::Explicit1_0)
                        .expect("an attribute that unescapes")
                        .into_owned(),
                )
            })
            .collect()
    };
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(start) => {
                let name = String::from_utf8(start.name().as_ref().to_vec()).unwrap();
                elements.push((name, attributes(&start), String::new()));
                open.push(elements.len() - 1);
            }
            Event::Empty(start) => {
                let name = String::from_utf8(start.name().as_ref().to_vec()).unwrap();
                elements.push((name, attributes(&start), String::new()));
            }
            Event::Text(text) => {
                if let Some(&index) = open.last() {
                    elements[index]
                        .2
                        .push_str(&text.xml10_content().expect("text in UTF-8"));
                }
            }
            // `&lt;`, `&#10;`: entities come as events of their own.
            Event::GeneralRef(reference) => {
                let raw = format!("&{};", reference.decode().expect("a reference in UTF-8"));
                let resolved = quick_xml::escape::unescape(&raw).expect("a known entity");
                if let Some(&index) = open.last() {
                    elements[index].2.push_str(&resolved);
                }
            }
            Event::CData(text) => {
                if let Some(&index) = open.last() {
                    elements[index]
                        .2
                        .push_str(&String::from_utf8_lossy(&text.into_inner()));
                }
            }
            Event::End(_) => {
                open.pop();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    elements
}

#[test]
fn junit_has_a_testcase_per_trial_with_ci_attributes_and_escapes_hostile_names() {
    let root = reports_project();
    let junit = root.join("reports/junit.xml");
    let (output, stdout, stderr) = run(&root, &["--junit", junit.to_str().unwrap()], &[]);
    assert_eq!(output.status.code(), Some(1), "{stdout}{stderr}");
    let xml = std::fs::read_to_string(&junit).unwrap();
    let elements = parse_xml(&xml);

    let suites: Vec<_> = elements
        .iter()
        .filter(|(name, ..)| name == "testsuite")
        .collect();
    assert_eq!(suites.len(), 1, "{xml}");
    let suite = &suites[0].1;
    for (attribute, expected) in [
        ("tests", "5"),
        ("failures", "2"),
        ("errors", "1"),
        ("skipped", "1"),
    ] {
        assert_eq!(suite[attribute], expected, "{attribute} in {xml}");
    }
    for attribute in ["time", "timestamp", "hostname", "name"] {
        assert!(
            suite.get(attribute).is_some_and(|value| !value.is_empty()),
            "{attribute} in {xml}"
        );
    }

    let cases: Vec<usize> = elements
        .iter()
        .enumerate()
        .filter(|(_, (name, ..))| name == "testcase")
        .map(|(index, _)| index)
        .collect();
    assert_eq!(cases.len(), 5, "{xml}");
    // What follows a testcase up to the next one is its content.
    let content = |name: &str| {
        let at = cases
            .iter()
            .position(|&index| elements[index].1["name"] == name)
            .unwrap_or_else(|| panic!("no testcase `{name}` in {xml}"));
        let end = cases.get(at + 1).copied().unwrap_or(elements.len());
        (&elements[cases[at]].1, &elements[cases[at] + 1..end])
    };

    let (case, children) = content("ok.yaml");
    assert_eq!(case["classname"], "scenarios");
    assert_eq!(case["file"], "scenarios/ok.yaml");
    assert!(case["time"].parse::<f64>().is_ok(), "{xml}");
    assert!(
        children.iter().all(|(name, ..)| name.starts_with("system")),
        "{xml}"
    );

    let (_, children) = content("skipped.yaml");
    let skipped = children
        .iter()
        .find(|(name, ..)| name == "skipped")
        .unwrap();
    assert_eq!(
        skipped.1["message"],
        "target `mock` lacks `rate_limit_probe` (required by scenarios/skipped.yaml)"
    );

    let (_, children) = content("fails.yaml");
    let failure = children
        .iter()
        .find(|(name, ..)| name == "failure")
        .unwrap();
    assert_eq!(
        failure.1["message"],
        "step 1 of 1 (`exchange a code that was never sent`) failed"
    );
    assert_eq!(failure.1["type"], "check");
    assert!(
        failure
            .2
            .contains("body `$.error`: expected `\"this is not the error\"`")
            && failure.2.contains("at scenarios/fails.yaml:15:9")
            && failure.2.contains("${CLIENTS_CONFIDENTIAL_CLIENT_SECRET}"),
        "{}",
        failure.2
    );
    assert!(!xml.contains(CONFIDENTIAL_SECRET), "{xml}");

    let (_, children) = content("broken.yaml");
    let error = children.iter().find(|(name, ..)| name == "error").unwrap();
    assert_eq!(error.1["type"], "invalid scenario");
    assert!(error.2.contains("unknown key `stepz`"), "{}", error.2);

    // The hostile names come back as written, less what XML cannot hold at all (control
    // characters are dropped, as nextest's writer does).
    let (case, children) = content(HOSTILE_FILE);
    assert_eq!(case["file"], format!("scenarios/{HOSTILE_FILE}"));
    let failure = children
        .iter()
        .find(|(name, ..)| name == "failure")
        .unwrap();
    assert_eq!(
        failure.1["message"],
        "step 1 of 1 (`<img src=x onerror=alert(1)>`) failed"
    );
    assert!(!xml.contains('\u{1}') && !xml.contains('\u{1b}'), "{xml:?}");
}

#[test]
fn the_html_report_is_one_self_contained_file_where_every_value_is_text() {
    let root = reports_project();
    let html_path = root.join("report.html");
    let (_, stdout, _) = run(&root, &["--html", html_path.to_str().unwrap()], &[]);
    let html = std::fs::read_to_string(&html_path).unwrap_or_else(|_| panic!("{stdout}"));
    // Nothing from the network: no external URL in any attribute, a CSP that forbids it (its
    // quotes escaped like any attribute's).
    let csp = html.replace("&#x27;", "'");
    assert!(
        csp.contains("Content-Security-Policy\" content=\"default-src 'none';"),
        "{html}"
    );
    for external in [
        "src=\"http",
        "href=\"http",
        "src=\"//",
        "href=\"//",
        "@import",
        "url(",
    ] {
        assert!(!html.contains(external), "`{external}` in the report");
    }
    // One style and one script, both the report's own.
    assert_eq!(html.matches("<script").count(), 1);
    assert_eq!(html.matches("<style").count(), 1);
    // The hostile names are text.
    assert!(!html.contains("<img"), "an injected element");
    assert!(!html.contains("<b>"), "an injected element");
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(html.contains("&lt;script&gt;alert("));
    // What a person needs: counts, checks at their lines, the reproducer, steps (read with the
    // escapes undone; the browser test reads what the page shows).
    let text = html
        .replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    assert!(
        html.contains(r#"<span id="count-failed">3</span>"#),
        "{html}"
    );
    assert!(text.contains("scenarios/fails.yaml:15:9"), "{html}");
    assert!(
        text.contains("'client_secret='\"${CLIENTS_CONFIDENTIAL_CLIENT_SECRET}\""),
        "{html}"
    );
    assert!(
        text.contains("exchange a code that was never sent"),
        "{html}"
    );
    assert!(!text.contains(CONFIDENTIAL_SECRET));
}

#[test]
fn in_github_actions_failures_are_annotations_at_the_failing_check_s_line() {
    let root = reports_project();
    // Paths are relative to the repository, where the workflow runs.
    let workspace = root.to_str().unwrap();
    let (_, stdout, _) = run(
        &root,
        &[],
        &[("GITHUB_ACTIONS", "true"), ("GITHUB_WORKSPACE", workspace)],
    );
    let annotations: Vec<&str> = stdout
        .lines()
        .filter(|line| line.starts_with("::error "))
        .collect();
    assert_eq!(
        annotations,
        [
            "::error file=scenarios/broken.yaml,line=1,col=1,title=broken.yaml%3A the scenario file does not load::missing required key `steps` at the top level",
            "::error file=scenarios/broken.yaml,line=3,col=1,title=broken.yaml%3A the scenario file does not load::unknown key `stepz` at the top level",
            "::error file=scenarios/fails.yaml,line=15,col=9,title=fails.yaml%3A step 1 `exchange a code that was never sent` failed::body `$.error`: expected `\"this is not the error\"`, got `\"invalid_request\"`",
            // The hostile name's `,` and `:` are escaped, so it cannot end a property early.
            "::error file=scenarios/odd <b>&'\"name%2C v%3A1.yaml,line=4,col=3,title=odd <b>&'\"name%2C v%3A1.yaml%3A step 1 `<img src=x onerror=alert(1)>` failed::status: expected 418, got 200",
        ]
    );
    // Without GITHUB_ACTIONS, none.
    let (_, stdout, _) = run(&root, &[], &[]);
    assert!(!stdout.contains("::error"), "{stdout}");
}

#[test]
fn on_a_terminal_a_progress_bar_runs_below_the_lines() {
    // `script` gives the run a terminal; without it there is nothing to check this with.
    let root = project(&[("ok.yaml", DISCOVERY)]);
    std::fs::create_dir_all(root.join("schemas")).unwrap();
    let command = format!(
        "{} run --no-snapshots --project {}",
        env!("CARGO_BIN_EXE_passwordless-conformance"),
        root.display()
    );
    let Ok(output) = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env_remove("CONFORMANCE_TARGET")
        .env("TERM", "xterm")
        .output()
    else {
        // TODO-correctness: no `script` (util-linux) on this machine to give the run a terminal.
        return;
    };
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("PASS ok.yaml"), "{text:?}");
    assert!(text.contains("1 passed, 0 failed, 0 skipped"), "{text:?}");
    // The bar (`0/1`) is drawn and redrawn with escape codes (a terminal turns every `\n`
    // into `\r\n`, so carriage returns prove nothing).
    assert!(
        text.contains("0/1") && text.contains("\u{1b}[2K"),
        "{text:?}"
    );
}
