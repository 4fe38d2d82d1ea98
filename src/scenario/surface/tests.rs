//! The surface, the loader and the committed schema files agree, and every shipped file validates.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

use super::*;
use crate::scenario::{Capability, JsonType, accepted_keys};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

/// The property names of the object schema `node` of `schema`, through `$ref`s and `anyOf`/`oneOf`/`allOf`
/// branches (a step is one of four objects: its keys are theirs together).
fn keys_of(schema: &Value, node: &Value, out: &mut BTreeSet<String>) {
    if let Some(reference) = node.get("$ref").and_then(Value::as_str) {
        let name = reference.trim_start_matches("#/$defs/");
        keys_of(schema, &schema["$defs"][name], out);
    }
    if let Some(properties) = node.get("properties").and_then(Value::as_object) {
        out.extend(properties.keys().cloned());
    }
    for branches in ["anyOf", "oneOf", "allOf"] {
        for branch in node
            .get(branches)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            keys_of(schema, branch, out);
        }
    }
}

/// Where each part of the language the loader knows is described in the schemas.
fn place_in_schema(place: &str) -> (&'static str, Option<&'static str>) {
    match place {
        "scenario" => ("scenario", None),
        "flow" => ("flow", None),
        "param" => ("flow", Some("ParamSpec")),
        "step" => ("scenario", Some("Step")),
        "request" => ("scenario", Some("Request")),
        "expect" => ("scenario", Some("Expect")),
        "jwt" => ("scenario", Some("JwtCheck")),
        "matcher" => ("scenario", Some("MatcherRules")),
        "capture" => ("scenario", Some("CaptureSpec")),
        "poll" => ("scenario", Some("Poll")),
        "otp" => ("scenario", Some("Otp")),
        "clock" => ("scenario", Some("Clock")),
        other => panic!("the loader knows a place `{other}` the schema test does not map"),
    }
}

#[test]
fn every_key_the_loader_accepts_is_in_the_schema_and_no_other() {
    let scenario = parse(&scenario_schema());
    let flow = parse(&flow_schema());
    let mut described: BTreeSet<(&str, &str)> = BTreeSet::new();
    for (place, loader_keys) in accepted_keys() {
        let (which, definition) = place_in_schema(place);
        let schema = if which == "flow" { &flow } else { &scenario };
        let node = match definition {
            None => schema.clone(),
            Some(name) => schema["$defs"][name].clone(),
        };
        assert!(!node.is_null(), "no `{definition:?}` in the {which} schema");
        let mut schema_keys = BTreeSet::new();
        keys_of(schema, &node, &mut schema_keys);
        let loader_keys: BTreeSet<String> = loader_keys.iter().map(|key| key.to_string()).collect();
        assert_eq!(schema_keys, loader_keys, "keys of `{place}`");
        described.insert((which, definition.unwrap_or("")));
    }
    // And the other way round: every object of the schemas with fixed keys is one the loader reads.
    for (which, schema) in [("scenario", &scenario), ("flow", &flow)] {
        for (name, definition) in schema["$defs"].as_object().unwrap() {
            if definition.get("properties").is_some() {
                let step_kind =
                    ["RequestStep", "OtpStep", "ClockStep", "UseStep"].contains(&name.as_str());
                assert!(
                    step_kind
                        || described.contains(&("scenario", name.as_str()))
                        || described.contains(&(which, name.as_str())),
                    "`{name}` of the {which} schema has keys no loader place checks"
                );
            }
        }
    }
}

/// The names an enumeration of the schema offers (its `const`s and `enum` values, through branches).
fn constants(schema: &Value, name: &str) -> Vec<String> {
    fn collect(node: &Value, found: &mut Vec<String>) {
        if let Some(constant) = node.get("const").and_then(Value::as_str) {
            found.push(constant.to_owned());
        }
        for value in node
            .get("enum")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            found.push(value.as_str().unwrap().to_owned());
        }
        for branches in ["anyOf", "oneOf"] {
            for branch in node
                .get(branches)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                collect(branch, found);
            }
        }
    }
    let mut found = Vec::new();
    collect(&schema["$defs"][name], &mut found);
    found
}

#[test]
fn the_schemas_names_are_the_loaders() {
    let schema = parse(&scenario_schema());
    let capabilities: Vec<&str> = Capability::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(constants(&schema, "CapabilityName"), capabilities);
    let types: Vec<&str> = JsonType::ALL.iter().map(|t| t.as_str()).collect();
    assert_eq!(constants(&schema, "JsonTypeName"), types);
    assert_eq!(constants(&schema, "Channel"), ["email", "sms"]);
    assert_eq!(
        constants(&schema, "Method"),
        crate::scenario::load_constants::METHODS
    );
    assert_eq!(
        constants(&schema, "Encoding"),
        crate::scenario::load_constants::ENCODINGS
    );
}

#[test]
fn the_committed_schemas_are_what_the_types_give() {
    for (file, generated) in [
        ("scenario.schema.json", scenario_schema()),
        ("flow.schema.json", flow_schema()),
    ] {
        let path = root().join(file);
        if std::env::var_os("UPDATE_SCHEMA").is_some() {
            std::fs::write(&path, &generated).unwrap();
            continue;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == generated,
            "{file} is stale: regenerate it with `UPDATE_SCHEMA=1 cargo test --lib surface` and commit it"
        );
    }
}

/// Validates every YAML file below `dir` against the schema in `schema_file`; the problems found.
fn validate_folder(dir: &Path, schema_file: &str) -> Vec<String> {
    let schema: Value = parse(&std::fs::read_to_string(root().join(schema_file)).unwrap());
    let validator = jsonschema::validator_for(&schema).unwrap();
    let mut problems = Vec::new();
    let mut count = 0;
    for file in crate::files::discover_files(dir).unwrap() {
        count += 1;
        let text = std::fs::read_to_string(&file.path).unwrap();
        let document: Value = serde_yaml::from_str(&text).unwrap();
        for error in validator.iter_errors(&document) {
            problems.push(format!(
                "{}: {} at {}",
                file.id,
                error,
                error.instance_path()
            ));
        }
    }
    assert!(count > 0, "nothing in {}", dir.display());
    problems
}

#[test]
fn every_shipped_scenario_and_flow_validates_against_the_committed_schemas() {
    let mut problems = validate_folder(&root().join("scenarios"), "scenario.schema.json");
    problems.extend(validate_folder(&root().join("flows"), "flow.schema.json"));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_schema_catches_what_the_loader_refuses() {
    let schema = parse(&scenario_schema());
    let validator = jsonschema::validator_for(&schema).unwrap();
    let valid = |yaml: &str| {
        let document: Value = serde_yaml::from_str(yaml).unwrap();
        validator.is_valid(&document)
    };
    let step = "  - name: a\n    request: { method: GET, path: / }\n";
    assert!(valid(&format!("name: x\nsteps:\n{step}")));
    assert!(valid(&format!(
        "name: x\nsteps:\n{}",
        step.replace("GET", "post")
    )));
    assert!(!valid(&format!("name: x\nstep:\n{step}")), "a misspelt key");
    assert!(!valid("name: x\nsteps: []\n"), "no step");
    assert!(
        !valid(
            "name: x\nsteps:\n  - name: a\n    request: { method: GET, path: / }\n    otp: { to: a@b.c }\n"
        ),
        "two actions"
    );
    assert!(
        !valid(&format!(
            "name: x\nmatrix: {{ channel: [\"{{{{ x }}}}\"] }}\nsteps:\n{step}"
        )),
        "a template as a matrix value"
    );
    assert!(valid(
        "name: x\nmatrix: { s: [200] }\nsteps:\n  - name: a\n    request: { method: GET, path: / }\n    expect: { status: \"{{ s }}\", body: { $.a: 1, $.b: { type: string } } }\n"
    ));
    assert!(
        !valid(
            "name: x\nsteps:\n  - name: a\n    request: { method: GET, path: / }\n    expect: { body: { $.a: { tpye: string } } }\n"
        ),
        "a misspelt rule"
    );
}

#[test]
fn every_shipped_file_points_editors_at_its_schema() {
    for (folder, schema_file) in [
        ("scenarios", "scenario.schema.json"),
        ("flows", "flow.schema.json"),
    ] {
        for file in crate::files::discover_files(&root().join(folder)).unwrap() {
            let text = std::fs::read_to_string(&file.path).unwrap();
            let first = text.lines().next().unwrap_or_default();
            let target = first
                .strip_prefix("# yaml-language-server: $schema=")
                .unwrap_or_else(|| panic!("{folder}/{}: no modeline on line 1", file.id));
            let resolved = file.path.parent().unwrap().join(target);
            assert_eq!(
                std::fs::canonicalize(&resolved).ok(),
                std::fs::canonicalize(root().join(schema_file)).ok(),
                "{folder}/{}: `{target}` is not {schema_file}",
                file.id
            );
        }
    }
    // Editors that do not read modelines (VS Code without them, JetBrains through its own mapping) use
    // the workspace's globs.
    let settings: Value =
        parse(&std::fs::read_to_string(root().join(".vscode/settings.json")).unwrap());
    assert_eq!(
        settings["yaml.schemas"]["./scenario.schema.json"][0],
        "scenarios/**/*.yaml"
    );
    assert_eq!(
        settings["yaml.schemas"]["./flow.schema.json"][0],
        "flows/**/*.yaml"
    );
}
