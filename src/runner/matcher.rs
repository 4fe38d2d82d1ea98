//! Body and header matchers.
//!
//! Takes a [`Matcher`] as the scenario wrote it and the values a JSONPath (or a header name)
//! selected, and says whether they satisfy it, or what came back instead. Expected values are
//! templates, rendered here against the trial's context. Values in messages are redacted before
//! they are shortened: a token cut at 200 characters is still a live token.

use serde_json::Value;

use crate::redact::Redactor;
use crate::scenario::{JsonType, MatchRule, Matcher};
use crate::template::TemplateContext;

/// Checks every selected value against every rule; `Err` says what failed, in one sentence.
pub fn check_matcher(
    matcher: &Matcher,
    selected: &[&Value],
    context: &TemplateContext,
    redactor: &Redactor,
) -> Result<(), String> {
    for rule in &matcher.rules {
        check_rule(rule, selected, context, redactor)?;
    }
    Ok(())
}

fn check_rule(
    rule: &MatchRule,
    selected: &[&Value],
    context: &TemplateContext,
    redactor: &Redactor,
) -> Result<(), String> {
    let show = |value: &Value| show(value, redactor);
    match rule {
        MatchRule::Exists(true) | MatchRule::Absent(false) => {
            if selected.is_empty() {
                return Err("expected a value, found none".to_owned());
            }
            Ok(())
        }
        MatchRule::Exists(false) | MatchRule::Absent(true) => match selected.first() {
            Some(found) => Err(format!("expected no value, found {}", show(found))),
            None => Ok(()),
        },
        _ => {
            if selected.is_empty() {
                return Err("expected a value, found none".to_owned());
            }
            for value in selected {
                check_one(rule, value, context, redactor)?;
            }
            Ok(())
        }
    }
}

fn check_one(
    rule: &MatchRule,
    value: &Value,
    context: &TemplateContext,
    redactor: &Redactor,
) -> Result<(), String> {
    let show = |value: &Value| show(value, redactor);
    let render = |expected: &Value| {
        context
            .render_value(expected)
            .map_err(|error| error.to_string())
    };
    match rule {
        MatchRule::Equals(expected) => {
            let expected = render(expected)?;
            if json_equal(&expected, value) {
                Ok(())
            } else {
                Err(format!("expected {}, got {}", show(&expected), show(value)))
            }
        }
        MatchRule::NotEquals(unexpected) => {
            let unexpected = render(unexpected)?;
            if json_equal(&unexpected, value) {
                Err(format!(
                    "expected anything but {}, got it",
                    show(&unexpected)
                ))
            } else {
                Ok(())
            }
        }
        MatchRule::Regex(pattern) => {
            let regex = super::compiled::regex(pattern)
                .map_err(|error| format!("invalid regex `{pattern}`: {error}"))?;
            match value.as_str() {
                Some(text) if regex.is_match(text) => Ok(()),
                Some(_) => Err(format!(
                    "expected a match for /{pattern}/, got {}",
                    show(value)
                )),
                None => Err(format!(
                    "expected a string matching /{pattern}/, got {}",
                    show(value)
                )),
            }
        }
        MatchRule::Type(expected) => {
            if json_type_matches(*expected, value) {
                Ok(())
            } else {
                Err(format!(
                    "expected type {}, got {} {}",
                    type_name(*expected),
                    actual_type(value),
                    show(value)
                ))
            }
        }
        MatchRule::OneOf(options) => {
            let options = options.iter().map(render).collect::<Result<Vec<_>, _>>()?;
            if options.iter().any(|option| json_equal(option, value)) {
                Ok(())
            } else {
                Err(format!(
                    "expected one of {}, got {}",
                    show(&Value::Array(options)),
                    show(value)
                ))
            }
        }
        MatchRule::Contains(needle) => {
            let needle = render(needle)?;
            let found = match (value, &needle) {
                (Value::String(text), Value::String(part)) => text.contains(part.as_str()),
                (Value::Array(items), _) => items.iter().any(|item| json_equal(item, &needle)),
                _ => false,
            };
            if found {
                Ok(())
            } else {
                Err(format!(
                    "expected {} to contain {}",
                    show(value),
                    show(&needle)
                ))
            }
        }
        // Handled in `check_rule`.
        MatchRule::Exists(_) | MatchRule::Absent(_) => Ok(()),
    }
}

/// Equality that treats `1` and `1.0` alike, as JSON does.
fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x == y || x.as_f64() == y.as_f64(),
        (Value::Array(xs), Value::Array(ys)) => {
            xs.len() == ys.len() && xs.iter().zip(ys).all(|(x, y)| json_equal(x, y))
        }
        (Value::Object(xs), Value::Object(ys)) => {
            xs.len() == ys.len()
                && xs
                    .iter()
                    .all(|(key, x)| ys.get(key).is_some_and(|y| json_equal(x, y)))
        }
        _ => a == b,
    }
}

fn json_type_matches(expected: JsonType, value: &Value) -> bool {
    match expected {
        JsonType::String => value.is_string(),
        JsonType::Number => value.is_number(),
        JsonType::Integer => value.is_i64() || value.is_u64(),
        JsonType::Boolean => value.is_boolean(),
        JsonType::Object => value.is_object(),
        JsonType::Array => value.is_array(),
        JsonType::Null => value.is_null(),
    }
}

fn type_name(json_type: JsonType) -> &'static str {
    match json_type {
        JsonType::String => "string",
        JsonType::Number => "number",
        JsonType::Integer => "integer",
        JsonType::Boolean => "boolean",
        JsonType::Object => "object",
        JsonType::Array => "array",
        JsonType::Null => "null",
    }
}

fn actual_type(value: &Value) -> &'static str {
    match value {
        Value::String(_) => "string",
        Value::Number(number) if number.is_f64() => "number",
        Value::Number(_) => "integer",
        Value::Bool(_) => "boolean",
        Value::Object(_) => "object",
        Value::Array(_) => "array",
        Value::Null => "null",
    }
}

/// A value as it appears in a failure message: compact JSON, secrets replaced, then long values
/// shortened.
pub(crate) fn show(value: &Value, redactor: &Redactor) -> String {
    format!("`{}`", redactor.excerpt(&value.to_string(), 200))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    fn matcher(rules: Vec<MatchRule>) -> Matcher {
        Matcher {
            rules,
            evidence: Vec::new(),
        }
    }

    fn check(rules: Vec<MatchRule>, values: &[Value]) -> Result<(), String> {
        let mut context = TemplateContext::new();
        context.insert("code", json!("123456"));
        let selected: Vec<&Value> = values.iter().collect();
        check_matcher(&matcher(rules), &selected, &context, &Redactor::new())
    }

    #[test]
    fn equals_renders_templates_and_compares_json() {
        assert!(
            check(
                vec![MatchRule::Equals(json!("{{ code }}"))],
                &[json!("123456")]
            )
            .is_ok()
        );
        assert!(check(vec![MatchRule::Equals(json!(86400))], &[json!(86400.0)]).is_ok());
        let error = check(vec![MatchRule::Equals(json!("a"))], &[json!("b")]).unwrap_err();
        assert_eq!(error, "expected `\"a\"`, got `\"b\"`");
    }

    #[test]
    fn absent_and_exists_look_at_the_number_of_values() {
        assert!(check(vec![MatchRule::Absent(true)], &[]).is_ok());
        assert!(check(vec![MatchRule::Absent(true)], &[json!(1)]).is_err());
        assert!(check(vec![MatchRule::Exists(true)], &[json!(null)]).is_ok());
        assert!(check(vec![MatchRule::Exists(true)], &[]).is_err());
    }

    #[test]
    fn other_rules_fail_when_nothing_was_selected() {
        let error = check(vec![MatchRule::Type(JsonType::String)], &[]).unwrap_err();
        assert_eq!(error, "expected a value, found none");
    }

    #[test]
    fn type_distinguishes_integers_from_numbers() {
        assert!(check(vec![MatchRule::Type(JsonType::Integer)], &[json!(3)]).is_ok());
        assert!(check(vec![MatchRule::Type(JsonType::Number)], &[json!(3)]).is_ok());
        assert!(check(vec![MatchRule::Type(JsonType::Integer)], &[json!(3.5)]).is_err());
    }

    #[test]
    fn regex_one_of_contains_and_not_equals() {
        assert!(
            check(
                vec![MatchRule::Regex("^[0-9]{6}$".into())],
                &[json!("123456")]
            )
            .is_ok()
        );
        assert!(check(vec![MatchRule::Regex("^x".into())], &[json!(5)]).is_err());
        assert!(
            check(
                vec![MatchRule::OneOf(vec![json!("a"), json!("b")])],
                &[json!("b")]
            )
            .is_ok()
        );
        assert!(check(vec![MatchRule::OneOf(vec![json!("a")])], &[json!("c")]).is_err());
        assert!(check(vec![MatchRule::Contains(json!("pen"))], &[json!("openid")]).is_ok());
        assert!(check(vec![MatchRule::Contains(json!(2))], &[json!([1, 2])]).is_ok());
        assert!(check(vec![MatchRule::NotEquals(json!("a"))], &[json!("a")]).is_err());
    }

    #[test]
    fn a_long_secret_is_hidden_before_it_is_cut() {
        let token = format!("v1.{}", "r".repeat(400));
        let mut redactor = Redactor::new();
        redactor.learn_field("refresh_token", &json!(token));
        let selected = json!(token);
        let error = check_matcher(
            &matcher(vec![MatchRule::Equals(json!("x"))]),
            &[&selected],
            &TemplateContext::new(),
            &redactor,
        )
        .unwrap_err();
        assert_eq!(error, "expected `\"x\"`, got `\"[refresh_token]\"`");
    }

    #[test]
    fn every_selected_value_must_match() {
        let error = check(
            vec![MatchRule::Equals(json!("RSA"))],
            &[json!("RSA"), json!("EC")],
        )
        .unwrap_err();
        assert!(error.contains("EC"), "{error}");
    }
}
