//! Where two targets disagree: the committed transcripts of the same scenarios, compared by shape.
//!
//! Takes two snapshot folders (`snapshots/mock`, `snapshots/staging`) and gives, per scenario and
//! step, the differences that matter for conformance: status codes, `error` codes and
//! descriptions, fields present on one side only, and fields whose JSON type differs. Values that
//! vary by nature (ids, tokens, times) are not compared. This is how a team learns where the mock
//! and a real tenant disagree, and how the reference's UNVERIFIED rows get settled.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde_json::Value;

/// Why the comparison could not be made.
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    /// A snapshot folder could not be read.
    #[error(
        "cannot read snapshot folder `{path}`: {message}\nhint: run the scenarios against that target first (its snapshots live in snapshots/<target>/)"
    )]
    Folder {
        /// The folder.
        path: String,
        /// Why.
        message: String,
    },
}

/// All differences between two targets.
#[derive(Debug, Default, PartialEq)]
pub struct Comparison {
    /// Name of the first target.
    pub left: String,
    /// Name of the second target.
    pub right: String,
    /// Scenarios with differences, by snapshot name.
    pub scenarios: BTreeMap<String, Vec<Difference>>,
    /// Snapshots only the first target has.
    pub only_left: Vec<String>,
    /// Snapshots only the second target has.
    pub only_right: Vec<String>,
    /// Snapshots one side has and the other takes from it, having none of its own (its profile
    /// shares the first's, `snapshots.shared_with`): equal wherever that profile ran them.
    pub shared: Vec<String>,
    /// Scenarios compared.
    pub compared: usize,
}

/// One difference in one step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// The step's name (or number).
    pub step: String,
    /// What differs, e.g. `status` or `$.error_description`.
    pub what: String,
    /// The first target's side.
    pub left: String,
    /// The second target's side.
    pub right: String,
}

impl Comparison {
    /// Whether the two targets agree on everything compared.
    pub fn is_empty(&self) -> bool {
        self.scenarios.is_empty() && self.only_left.is_empty() && self.only_right.is_empty()
    }
}

/// Compares every snapshot the two folders have in common. `shares` maps a folder to the folder
/// its profile shares (see [`crate::targets::TargetConfig::snapshot_sharing`]): a snapshot only the shared
/// folder has is listed as [`Comparison::shared`], not as a difference.
pub fn compare_targets(
    root: &Path,
    left: &str,
    right: &str,
    shares: &BTreeMap<String, String>,
) -> Result<Comparison, CompareError> {
    // A folder that shares another's may hold nothing yet: every transcript equal.
    let read = |folder: &str, other: &str| {
        let shares_other = shares.get(folder).is_some_and(|shared| shared == other);
        match read_folder(&root.join(folder)) {
            Err(_) if shares_other && !root.join(folder).exists() => Ok(BTreeMap::new()),
            read => read,
        }
    };
    let left_snapshots = read(left, right)?;
    let right_snapshots = read(right, left)?;
    let mut comparison = Comparison {
        left: left.to_owned(),
        right: right.to_owned(),
        ..Comparison::default()
    };
    let right_shares_left = shares.get(right).is_some_and(|shared| shared == left);
    let left_shares_right = shares.get(left).is_some_and(|shared| shared == right);
    for (name, left_transcript) in &left_snapshots {
        let Some(right_transcript) = right_snapshots.get(name) else {
            if right_shares_left {
                comparison.shared.push(name.clone());
            } else {
                comparison.only_left.push(name.clone());
            }
            continue;
        };
        comparison.compared += 1;
        let differences = compare_transcripts(left_transcript, right_transcript);
        if !differences.is_empty() {
            comparison.scenarios.insert(name.clone(), differences);
        }
    }
    for name in right_snapshots.keys() {
        if left_snapshots.contains_key(name) {
            continue;
        }
        if left_shares_right {
            comparison.shared.push(name.clone());
        } else {
            comparison.only_right.push(name.clone());
        }
    }
    Ok(comparison)
}

fn read_folder(path: &Path) -> Result<BTreeMap<String, Value>, CompareError> {
    let entries = std::fs::read_dir(path).map_err(|error| CompareError::Folder {
        path: path.display().to_string(),
        message: error.to_string(),
    })?;
    let mut snapshots = BTreeMap::new();
    for entry in entries.flatten() {
        let file = entry.path();
        if file.extension().is_none_or(|ext| ext != "snap") {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        let name = file
            .file_stem()
            .map(|stem| stem.to_string_lossy().into_owned())
            .unwrap_or_default();
        snapshots.insert(name, parse_snapshot(&text));
    }
    Ok(snapshots)
}

/// The transcript inside an insta snapshot file (after its `---` metadata block).
pub fn parse_snapshot(text: &str) -> Value {
    let body = match text.strip_prefix("---") {
        Some(rest) => rest.split_once("\n---\n").map_or(rest, |(_, body)| body),
        None => text,
    };
    serde_yaml::from_str(body).unwrap_or(Value::Null)
}

/// The differences of shape between two transcripts, step by step.
pub fn compare_transcripts(left: &Value, right: &Value) -> Vec<Difference> {
    let empty = Vec::new();
    let left_steps = left.as_array().unwrap_or(&empty);
    let right_steps = right.as_array().unwrap_or(&empty);
    let mut differences = Vec::new();
    for index in 0..left_steps.len().max(right_steps.len()) {
        let (left_step, right_step) = (left_steps.get(index), right_steps.get(index));
        let step = left_step
            .or(right_step)
            .and_then(|step| step.get("step"))
            .and_then(Value::as_str)
            .map_or_else(
                || format!("step {}", index + 1),
                |name| format!("step {} `{name}`", index + 1),
            );
        let (Some(left_step), Some(right_step)) = (left_step, right_step) else {
            differences.push(Difference {
                step,
                what: "step".to_owned(),
                left: if left_step.is_some() {
                    "ran"
                } else {
                    "did not run"
                }
                .to_owned(),
                right: if right_step.is_some() {
                    "ran"
                } else {
                    "did not run"
                }
                .to_owned(),
            });
            continue;
        };
        let mut differ = |what: String, left: String, right: String| {
            if left != right {
                differences.push(Difference {
                    step: step.clone(),
                    what,
                    left,
                    right,
                });
            }
        };
        let left_response = &left_step["response"];
        let right_response = &right_step["response"];
        differ(
            "status".to_owned(),
            show(&left_response["status"]),
            show(&right_response["status"]),
        );
        for field in ["error", "error_description"] {
            let (a, b) = (
                &left_response["body"][field],
                &right_response["body"][field],
            );
            if !a.is_null() || !b.is_null() {
                differ(format!("$.{field}"), show(a), show(b));
            }
        }
        let mut left_shape = BTreeMap::new();
        let mut right_shape = BTreeMap::new();
        shape(&left_response["body"], "$", &mut left_shape);
        shape(&right_response["body"], "$", &mut right_shape);
        let paths: std::collections::BTreeSet<&String> =
            left_shape.keys().chain(right_shape.keys()).collect();
        for path in paths {
            let absent = "absent".to_owned();
            differ(
                path.clone(),
                left_shape
                    .get(path)
                    .cloned()
                    .unwrap_or_else(|| absent.clone()),
                right_shape.get(path).cloned().unwrap_or(absent),
            );
        }
    }
    differences
}

/// Every field below `value` with its JSON type; array items are merged under `[*]`.
fn shape(value: &Value, path: &str, out: &mut BTreeMap<String, String>) {
    match value {
        Value::Object(fields) => {
            for (key, item) in fields {
                let child = format!("{path}.{key}");
                out.insert(child.clone(), type_name(item).to_owned());
                shape(item, &child, out);
            }
        }
        Value::Array(items) => {
            for item in items {
                let child = format!("{path}[*]");
                out.insert(child.clone(), type_name(item).to_owned());
                shape(item, &child, out);
            }
        }
        _ => {}
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(number) if number.is_f64() => "number",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn show(value: &Value) -> String {
    match value {
        Value::Null => "absent".to_owned(),
        Value::String(text) => format!("{text:?}"),
        other => other.to_string(),
    }
}

impl fmt::Display for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (left, right) = (&self.left, &self.right);
        for (scenario, differences) in &self.scenarios {
            writeln!(f, "{scenario}")?;
            let mut current_step = "";
            for difference in differences {
                if difference.step != current_step {
                    writeln!(f, "  {}", difference.step)?;
                    current_step = &difference.step;
                }
                writeln!(
                    f,
                    "    {}: {left} {}, {right} {}",
                    difference.what, difference.left, difference.right
                )?;
            }
        }
        if !self.only_left.is_empty() {
            writeln!(f, "only in {left}: {}", self.only_left.join(", "))?;
        }
        if !self.only_right.is_empty() {
            writeln!(f, "only in {right}: {}", self.only_right.join(", "))?;
        }
        write!(
            f,
            "{} scenarios compared, {} differ",
            self.compared,
            self.scenarios.len()
        )?;
        if !self.shared.is_empty() {
            write!(
                f,
                "; {} more shared (one side keeps no snapshot of its own: equal wherever it ran)",
                self.shared.len()
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn statuses_errors_and_shapes_are_compared_not_values() {
        let left = json!([{"step": "use the code", "response": {"status": 403, "body": {
            "error": "invalid_grant", "error_description": "The verification code has expired. Please try to login again.",
            "id": "[id]", "n": 1}}}]);
        let right = json!([{"step": "use the code", "response": {"status": 400, "body": {
            "error": "invalid_grant", "error_description": "Expired.", "id": "[id]", "n": "1", "error_uri": "u"}}}]);
        let differences = compare_transcripts(&left, &right);
        let whats: Vec<&str> = differences.iter().map(|d| d.what.as_str()).collect();
        assert_eq!(
            whats,
            ["status", "$.error_description", "$.error_uri", "$.n"]
        );
        assert_eq!(differences[2].left, "absent");
        assert_eq!(differences[3].right, "string");
    }

    #[test]
    fn identical_transcripts_have_no_differences() {
        let transcript = json!([{"step": "s", "response": {"status": 200, "body": {"a": [1, 2]}}}]);
        assert!(compare_transcripts(&transcript, &transcript).is_empty());
    }

    #[test]
    fn a_folder_that_shares_another_s_lacks_nothing() {
        let root = std::env::temp_dir().join(format!("pc-compare-{}", std::process::id()));
        let snapshot =
            "---\nsource: src/snapshot.rs\n---\n- step: a\n  response:\n    status: 200\n";
        for (folder, name) in [("mock", "a"), ("mock", "b"), ("own", "b")] {
            std::fs::create_dir_all(root.join(folder)).unwrap();
            std::fs::write(root.join(folder).join(format!("{name}.snap")), snapshot).unwrap();
        }
        let plain = compare_targets(&root, "mock", "own", &BTreeMap::new()).unwrap();
        assert_eq!(plain.only_left, ["a"]);
        assert!(!plain.is_empty());
        let shares = BTreeMap::from([("own".to_owned(), "mock".to_owned())]);
        let shared = compare_targets(&root, "mock", "own", &shares).unwrap();
        assert!(shared.is_empty(), "{shared}");
        assert_eq!(shared.shared, ["a"]);
        assert_eq!(shared.compared, 1);
        let reversed = compare_targets(&root, "own", "mock", &shares).unwrap();
        assert!(reversed.is_empty(), "{reversed}");
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn snapshot_metadata_is_skipped() {
        let text = "---\nsource: src/snapshot.rs\n---\n- step: a\n  response:\n    status: 200\n";
        assert_eq!(
            parse_snapshot(text),
            json!([{"step": "a", "response": {"status": 200}}])
        );
    }
}
