//! Matchers: a plain value to compare with, or a mapping of rules (`equals`, `regex`, `type`, …). Values to
//! compare with are templates; regexes are checked to compile.

use super::Loader;
use super::text::{At, describe, one_of_and, regex_problem, suggestion};
use super::tree::Yaml;
use crate::scenario::model::{JsonType, MatchRule, Matcher};

pub(crate) const MATCHER_KEYS: [&str; 8] = [
    "equals",
    "not_equals",
    "regex",
    "exists",
    "absent",
    "type",
    "one_of",
    "contains",
];

/// The one key of a matcher's mapping that is not a rule: the evidence that one check rests on.
pub(crate) const MATCHER_EVIDENCE_KEY: &str = "evidence";

impl Loader<'_> {
    /// Reads a matcher: a scalar or sequence to compare with, or a mapping of rules.
    pub(super) fn matcher(&mut self, at: At<'_>, subject: &str) -> Option<Matcher> {
        match &at.node.yaml {
            Yaml::Map(entries) if entries.is_empty() => {
                self.report(
                    at.value_mark(),
                    format!("empty matcher for {subject}"),
                    Some("use `equals: {}` to compare with an empty object".to_string()),
                );
                return None;
            }
            Yaml::Map(_) => {}
            _ => {
                let json = self.json_value(at, subject)?;
                return Some(Matcher {
                    rules: vec![MatchRule::Equals(json)],
                    evidence: Vec::new(),
                });
            }
        }
        let mut rules = Vec::new();
        let mut evidence = Vec::new();
        let mut ok = true;
        for (key, rule_at) in self.entries(at) {
            let what = format!("`{key}` of {subject}");
            let rule = match key.as_str() {
                // Not a rule: the catalogue entries this one check rests on.
                MATCHER_EVIDENCE_KEY => {
                    match self.evidence_ids(rule_at, &format!("for {subject}")) {
                        Some(ids) => evidence = ids,
                        None => ok = false,
                    }
                    continue;
                }
                "equals" => self.json_value(rule_at, &what).map(MatchRule::Equals),
                "not_equals" => self.json_value(rule_at, &what).map(MatchRule::NotEquals),
                "contains" => self.json_value(rule_at, &what).map(MatchRule::Contains),
                "exists" => self.boolean(rule_at, &what).map(MatchRule::Exists),
                "absent" => self.boolean(rule_at, &what).map(MatchRule::Absent),
                "regex" => self
                    .string(rule_at, &what)
                    .filter(|pattern| self.regex(pattern, rule_at, subject, false))
                    .map(MatchRule::Regex),
                "type" => self.json_type(rule_at, subject).map(MatchRule::Type),
                "one_of" => self.one_of(rule_at, &what).map(MatchRule::OneOf),
                unknown => {
                    let hint = suggestion(unknown, &MATCHER_KEYS).unwrap_or_else(|| {
                        format!("the matchers are {}", one_of_and(&MATCHER_KEYS))
                    });
                    self.report(
                        rule_at.key_mark(),
                        format!("unknown matcher `{unknown}` for {subject}"),
                        Some(hint),
                    );
                    None
                }
            };
            match rule {
                Some(rule) => rules.push(rule),
                None => ok = false,
            }
        }
        if ok && rules.is_empty() {
            self.report(
                at.value_mark(),
                format!("matcher for {subject} has `evidence` but no rule"),
                Some("add the rule the evidence is about, e.g. `equals:`".to_string()),
            );
            return None;
        }
        ok.then_some(Matcher { rules, evidence })
    }

    fn json_type(&mut self, at: At<'_>, subject: &str) -> Option<JsonType> {
        let name = self.string(at, &format!("`type` of {subject}"))?;
        if let Some(json_type) = JsonType::ALL.iter().find(|t| t.as_str() == name) {
            return Some(*json_type);
        }
        let names: Vec<&str> = JsonType::ALL.iter().map(|t| t.as_str()).collect();
        let hint = suggestion(&name, &names)
            .unwrap_or_else(|| format!("the types are {}", one_of_and(&names)));
        self.report(
            at.value_mark(),
            format!("unknown type `{name}` for {subject}"),
            Some(hint),
        );
        None
    }

    fn one_of(&mut self, at: At<'_>, what: &str) -> Option<Vec<serde_json::Value>> {
        match &at.node.yaml {
            Yaml::Seq(items) if !items.is_empty() => {
                let mut values = Vec::new();
                let mut ok = true;
                for item in items {
                    let item_at = At {
                        node: &item.value,
                        intro: item.dash,
                    };
                    match self.json_value(item_at, what) {
                        Some(json) => values.push(json),
                        None => ok = false,
                    }
                }
                ok.then_some(values)
            }
            other => {
                self.report(
                    at.value_mark(),
                    format!(
                        "expected a non-empty list for {what}, found {}",
                        describe(other)
                    ),
                    Some("write e.g. `one_of: [invalid_grant, unauthorized_client]`".to_string()),
                );
                None
            }
        }
    }

    /// Checks that `pattern` compiles (and, for captures, has a group 1). The runner uses a regex as written:
    /// it is not a template.
    pub(super) fn regex(
        &mut self,
        pattern: &str,
        at: At<'_>,
        subject: &str,
        needs_group: bool,
    ) -> bool {
        match regex::Regex::new(pattern) {
            Ok(regex) if needs_group && regex.captures_len() < 2 => {
                self.report(
                    at.value_mark(),
                    format!("regex `{pattern}` of {subject} has no capture group"),
                    Some("the captured value is group 1, e.g. `code=([0-9]+)`".to_string()),
                );
                false
            }
            Ok(_) => true,
            Err(error) => {
                self.report(
                    at.value_mark(),
                    format!(
                        "invalid regex `{pattern}` for {subject}: {}",
                        regex_problem(&error)
                    ),
                    None,
                );
                false
            }
        }
    }
}
