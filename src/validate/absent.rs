//! Checks that can never fail: `absent: true` (or `exists: false`) on a JSONPath that the step's own `schema:`
//! rules out. When the body matches the schema the path cannot select anything, and when it does not the
//! schema check fails first, so such a check proves nothing — most often its path has a typo. These are
//! warnings: the scenario still runs.
//!
//! The analysis is deliberately small and errs towards silence: it follows paths made of names (`$.a.b`,
//! `$['a']`), indexes and wildcards through `properties`, `additionalProperties: false`, a property schema of
//! `false`, `not: { required: [...] }`, `type`, `items`, `allOf`/`anyOf`/`oneOf` and `$ref`s between the
//! project's schemas; anything else (filters, descendants, `patternProperties`, `if`/`then`) counts as
//! "might exist".

use std::collections::BTreeMap;

use serde_json::Value;

use super::{Finding, Report};
use crate::diagnostic::did_you_mean;
use crate::scenario::{BodyCheck, MatchRule, Step, StepKind};

/// How many `$ref`s one question may follow (schemas may refer to each other in a circle).
const MAX_REFS: usize = 32;

/// Warns about every never-failing absence check of a step that names a schema.
pub(super) fn check_absent_paths(
    steps: &[Step],
    schemas: &BTreeMap<String, Option<Value>>,
    out: &mut Report<'_>,
) {
    for step in steps {
        let StepKind::Http(http) = &step.kind else {
            continue;
        };
        let Some(schema_name) = &http.expect.schema else {
            continue;
        };
        let Some(Some(schema)) = schemas.get(&schema_name.value) else {
            continue;
        };
        for check in &http.expect.body {
            if !claims_absence(check) {
                continue;
            }
            let Some(segments) = simple_path(&check.path) else {
                continue;
            };
            let walker = Walker { schemas };
            if let Some(reason) = walker.never(schema, schema, &segments, 0) {
                out.warning(Finding {
                    span: check.span,
                    width: check.path.chars().count(),
                    message: format!(
                        "`{}` can never be present in a body that matches `{}`, so this absence check can never fail",
                        check.path, schema_name.value
                    ),
                    hint: Some(reason.hint()),
                });
            }
        }
    }
}

/// Whether a check says "nothing is there".
fn claims_absence(check: &BodyCheck) -> bool {
    check
        .matcher
        .rules
        .iter()
        .any(|rule| matches!(rule, MatchRule::Absent(true) | MatchRule::Exists(false)))
}

/// One step of a simple JSONPath.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Name(String),
    /// An index or a wildcard into an array (or a wildcard over an object's members).
    Any,
}

/// The segments of a path made only of names, indexes and wildcards; `None` for anything else.
fn simple_path(path: &str) -> Option<Vec<Segment>> {
    let mut rest = path.strip_prefix('$')?;
    let mut segments = Vec::new();
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix(".*").or_else(|| rest.strip_prefix("[*]")) {
            segments.push(Segment::Any);
            rest = after;
        } else if let Some(after) = rest.strip_prefix('.') {
            if after.starts_with('.') {
                return None;
            }
            let end = after
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
                .unwrap_or(after.len());
            if end == 0 {
                return None;
            }
            segments.push(Segment::Name(after[..end].to_owned()));
            rest = &after[end..];
        } else if let Some(after) = rest.strip_prefix('[') {
            let close = after.find(']')?;
            let inner = &after[..close];
            let quoted = inner
                .strip_prefix('\'')
                .and_then(|name| name.strip_suffix('\''))
                .or_else(|| {
                    inner
                        .strip_prefix('"')
                        .and_then(|name| name.strip_suffix('"'))
                });
            match quoted {
                Some(name) if !name.contains(['\\', '\'', '"']) => {
                    segments.push(Segment::Name(name.to_owned()));
                }
                Some(_) => return None,
                None if inner.parse::<i64>().is_ok() => segments.push(Segment::Any),
                None => return None,
            }
            rest = &after[close + 1..];
        } else {
            return None;
        }
    }
    Some(segments)
}

/// Why a path can never select anything.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Never {
    /// The schema allows no member of that name (`additionalProperties: false`), listing those it allows.
    NoSuchMember { name: String, allowed: Vec<String> },
    /// The schema forbids the member outright (`name: false`, `not: { required: [name] }`).
    Forbidden { name: String },
    /// The value there is not an object or an array.
    NotAContainer { found: String },
}

impl Never {
    fn hint(&self) -> String {
        match self {
            Never::NoSuchMember { name, allowed } => {
                let allowed: Vec<&str> = allowed.iter().map(String::as_str).collect();
                match did_you_mean(name, &allowed) {
                    Some(close) => format!(
                        "the schema allows no member `{name}` (`additionalProperties: false`): did you mean `{close}`?"
                    ),
                    None => format!(
                        "the schema allows no member `{name}` (`additionalProperties: false`): check the path, or remove the check"
                    ),
                }
            }
            Never::Forbidden { name } => format!(
                "the schema already forbids `{name}`: the schema check proves its absence, so remove this check or fix its path"
            ),
            Never::NotAContainer { found } => format!(
                "the schema makes the value on the way a {found}, which has no members: check the path"
            ),
        }
    }
}

struct Walker<'s> {
    schemas: &'s BTreeMap<String, Option<Value>>,
}

impl Walker<'_> {
    /// Why `segments` can never select a node of a value valid against `schema` (a part of the document
    /// `root`, against which `#…` references resolve); `None` when they might.
    fn never(
        &self,
        root: &Value,
        schema: &Value,
        segments: &[Segment],
        refs: usize,
    ) -> Option<Never> {
        let (first, rest) = segments.split_first()?;
        let object = match schema {
            Value::Bool(_) => return None,
            Value::Object(object) => object,
            _ => return None,
        };
        if let Some(Value::String(reference)) = object.get("$ref")
            && refs < MAX_REFS
            && let Some((target_root, target)) = self.resolve(root, reference)
            && let Some(never) = self.never(target_root, target, segments, refs + 1)
        {
            return Some(never);
        }
        if let Some(Value::Array(all)) = object.get("allOf")
            && let Some(never) = all
                .iter()
                .find_map(|branch| self.never(root, branch, segments, refs))
        {
            return Some(never);
        }
        for key in ["anyOf", "oneOf"] {
            if let Some(Value::Array(branches)) = object.get(key)
                && !branches.is_empty()
            {
                let reasons: Vec<Never> = branches
                    .iter()
                    .filter_map(|branch| self.never(root, branch, segments, refs))
                    .collect();
                if reasons.len() == branches.len() {
                    return reasons.into_iter().next();
                }
            }
        }
        if let Some(found) = excluded_container(object, first) {
            return Some(Never::NotAContainer { found });
        }
        let child = match first {
            Segment::Any => object.get("items"),
            Segment::Name(name) => {
                if forbids_required(object, name) {
                    return Some(Never::Forbidden { name: name.clone() });
                }
                match object.get("properties").and_then(|p| p.get(name)) {
                    Some(Value::Bool(false)) => {
                        return Some(Never::Forbidden { name: name.clone() });
                    }
                    Some(child) => Some(child),
                    None if has_pattern_properties(object) => None,
                    None if object.get("additionalProperties") == Some(&Value::Bool(false)) => {
                        let allowed = object
                            .get("properties")
                            .and_then(Value::as_object)
                            .map(|properties| properties.keys().cloned().collect())
                            .unwrap_or_default();
                        return Some(Never::NoSuchMember {
                            name: name.clone(),
                            allowed,
                        });
                    }
                    None => object.get("additionalProperties"),
                }
            }
        };
        child.and_then(|child| self.never(root, child, rest, refs))
    }

    /// The document and schema a `$ref` points at: `file.json#/pointer` (a file of `schemas/`, as the
    /// schemas' `$id`s make relative references), `#/pointer` (the same document), or a full `$id` URL.
    fn resolve<'v>(&'v self, root: &'v Value, reference: &str) -> Option<(&'v Value, &'v Value)> {
        let (file, pointer) = reference.split_once('#').unwrap_or((reference, ""));
        let document = match file.rsplit('/').next().filter(|name| !name.is_empty()) {
            Some(name) => self.schemas.get(name)?.as_ref()?,
            None => root,
        };
        let target = if pointer.is_empty() {
            document
        } else {
            document.pointer(pointer)?
        };
        Some((document, target))
    }
}

/// When the schema's `type` rules out the container a segment needs, the type it allows instead.
fn excluded_container(
    object: &serde_json::Map<String, Value>,
    segment: &Segment,
) -> Option<String> {
    let types: Vec<&str> = match object.get("type")? {
        Value::String(one) => vec![one.as_str()],
        Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
        _ => return None,
    };
    let needed: &[&str] = match segment {
        Segment::Name(_) => &["object"],
        Segment::Any => &["object", "array"],
    };
    if types.iter().any(|found| needed.contains(found)) || types.is_empty() {
        return None;
    }
    Some(types.join(" or "))
}

/// `not: { required: [.., name, ..] }`: the member may never be present.
fn forbids_required(object: &serde_json::Map<String, Value>, name: &str) -> bool {
    let Some(Value::Object(not)) = object.get("not") else {
        return false;
    };
    not.len() == 1
        && not
            .get("required")
            .and_then(Value::as_array)
            .is_some_and(|required| required.iter().any(|item| item.as_str() == Some(name)))
}

fn has_pattern_properties(object: &serde_json::Map<String, Value>) -> bool {
    object
        .get("patternProperties")
        .and_then(Value::as_object)
        .is_some_and(|patterns| !patterns.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn name(text: &str) -> Segment {
        Segment::Name(text.to_owned())
    }

    #[test]
    fn simple_paths_are_names_indexes_and_wildcards() {
        assert_eq!(
            simple_path("$.a['b c'][0].*"),
            Some(vec![name("a"), name("b c"), Segment::Any, Segment::Any])
        );
        assert_eq!(simple_path("$"), Some(vec![]));
        assert_eq!(simple_path("$..a"), None);
        assert_eq!(simple_path("$[?@.a == 1]"), None);
        assert_eq!(simple_path("$[0:2]"), None);
    }

    fn never(schema: Value, path: &str) -> Option<Never> {
        let mut schemas = BTreeMap::new();
        schemas.insert(
            "common.json".to_owned(),
            Some(json!({"$defs": {"text": {"type": "string"}, "closed": {"type": "object", "additionalProperties": false, "properties": {"a": {}}}}})),
        );
        let walker = Walker { schemas: &schemas };
        walker.never(&schema, &schema, &simple_path(path).unwrap_or_default(), 0)
    }

    #[test]
    fn closed_objects_rule_out_other_members() {
        let schema = json!({"type": "object", "properties": {"refresh_token": {}}, "additionalProperties": false});
        assert_eq!(
            never(schema.clone(), "$.refersh_token"),
            Some(Never::NoSuchMember {
                name: "refersh_token".into(),
                allowed: vec!["refresh_token".into()]
            })
        );
        assert_eq!(never(schema, "$.refresh_token"), None);
        // Open objects allow anything.
        assert_eq!(never(json!({"type": "object"}), "$.anything"), None);
    }

    #[test]
    fn forbidden_members_and_scalars_have_nothing_below() {
        let forbids = json!({"not": {"required": ["oob_code"]}});
        assert_eq!(
            never(forbids, "$.oob_code"),
            Some(Never::Forbidden {
                name: "oob_code".into()
            })
        );
        let token = json!({"properties": {"access_token": {"$ref": "common.json#/$defs/text"}}});
        assert_eq!(
            never(token.clone(), "$.access_token.sub"),
            Some(Never::NotAContainer {
                found: "string".into()
            })
        );
        assert_eq!(never(token, "$.access_token"), None);
    }

    #[test]
    fn references_within_a_document_resolve_against_it() {
        let schema = json!({
            "properties": {"keys": {"type": "array", "items": {"$ref": "#/$defs/key"}}},
            "$defs": {"key": {"type": "object", "additionalProperties": false, "properties": {"kid": {}}}}
        });
        assert_eq!(never(schema.clone(), "$.keys[0].kid"), None);
        assert!(matches!(
            never(schema.clone(), "$.keys[*].d"),
            Some(Never::NoSuchMember { .. })
        ));
        assert!(matches!(
            never(schema, "$.keys.first"),
            Some(Never::NotAContainer { .. })
        ));
    }

    #[test]
    fn any_of_needs_every_branch_to_rule_out() {
        let schema = json!({"anyOf": [{"$ref": "common.json#/$defs/closed"}, {"type": "object"}]});
        assert_eq!(never(schema, "$.b"), None);
        let schema = json!({"oneOf": [{"$ref": "common.json#/$defs/closed"}, {"type": "string"}]});
        assert!(never(schema, "$.b").is_some());
    }

    #[test]
    fn circular_references_end() {
        let mut schemas = BTreeMap::new();
        schemas.insert("loop.json".to_owned(), Some(json!({"$ref": "loop.json"})));
        let walker = Walker { schemas: &schemas };
        let schema = json!({"$ref": "loop.json"});
        assert_eq!(walker.never(&schema, &schema, &[name("a")], 0), None);
    }
}
