//! Data-driven tests of scenario diagnostics.
//!
//! Each `tests/bad_scenarios/<case>.yaml` is loaded and must fail; the rendered diagnostics must equal
//! `tests/bad_scenarios/<case>.expected` byte for byte. To add a case, drop in a YAML file and run
//! `UPDATE_EXPECT=1 cargo test --test it diagnostics`, then read the new `.expected` file before committing it.

use std::fs;
use std::path::{Path, PathBuf};

use passwordless_conformance::scenario::load_scenario_file;

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad_scenarios")
}

/// Loads `yaml_path`, renders its diagnostics and compares them with the `.expected` file next to it.
/// Returns a description of the mismatch, if any.
fn check(yaml_path: &Path) -> Option<String> {
    let case = yaml_path.file_stem()?.to_string_lossy().into_owned();
    let display_path = format!("tests/bad_scenarios/{case}.yaml");
    let actual = match load_scenario_file(yaml_path, &display_path) {
        Ok(_) => "(loaded without errors)\n".to_string(),
        Err(error) => format!("{error}\n"),
    };
    let expected_path = yaml_path.with_extension("expected");
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        if let Err(error) = fs::write(&expected_path, &actual) {
            return Some(format!(
                "{case}: cannot write {}: {error}",
                expected_path.display()
            ));
        }
        return None;
    }
    let expected = fs::read_to_string(&expected_path).unwrap_or_default();
    (expected != actual)
        .then(|| format!("{case}: diagnostics differ\n{}", diff(&expected, &actual)))
}

/// A line diff good enough to read a mismatch: `-` expected, `+` actual.
fn diff(expected: &str, actual: &str) -> String {
    let expected: Vec<&str> = expected.lines().collect();
    let actual: Vec<&str> = actual.lines().collect();
    // Longest common subsequence table, then walk it.
    let mut lcs = vec![vec![0usize; actual.len() + 1]; expected.len() + 1];
    for i in (0..expected.len()).rev() {
        for j in (0..actual.len()).rev() {
            lcs[i][j] = if expected[i] == actual[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut out = String::new();
    while i < expected.len() || j < actual.len() {
        if i < expected.len() && j < actual.len() && expected[i] == actual[j] {
            out.push_str(&format!("  {}\n", expected[i]));
            i += 1;
            j += 1;
        } else if i < expected.len() && (j == actual.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            out.push_str(&format!("- {}\n", expected[i]));
            i += 1;
        } else {
            out.push_str(&format!("+ {}\n", actual[j]));
            j += 1;
        }
    }
    out
}

#[test]
fn bad_scenarios_report_the_expected_diagnostics() {
    let mut cases: Vec<PathBuf> = fs::read_dir(cases_dir())
        .map(|entries| {
            entries
                .filter_map(|entry| entry.ok().map(|entry| entry.path()))
                .filter(|path| path.extension().is_some_and(|ext| ext == "yaml"))
                .collect()
        })
        .unwrap_or_default();
    cases.sort();
    assert!(!cases.is_empty(), "no cases in {}", cases_dir().display());
    let failures: Vec<String> = cases.iter().filter_map(|case| check(case)).collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed (run with UPDATE_EXPECT=1 to accept):\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn every_case_has_an_expected_file() {
    for entry in fs::read_dir(cases_dir()).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|ext| ext == "expected") {
            assert!(
                path.with_extension("yaml").exists(),
                "{} has no yaml file",
                path.display()
            );
        }
    }
}

#[test]
fn unreadable_file_is_a_load_error() {
    let error = load_scenario_file(
        Path::new("tests/bad_scenarios/does-not-exist.yaml"),
        "x.yaml",
    );
    let message = error.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(
        message.starts_with("error: cannot read scenario file: "),
        "{message}"
    );
    assert!(message.ends_with("\n --> x.yaml"), "{message}");
}
