//! A step's `expect`: status, JSON Schema, body matchers, header matchers.
//!
//! Every check of a step is evaluated, so one run reports all that is wrong with a response.

use serde_json::Value;

use super::Problem;
use super::matcher::check_matcher;
use super::transcript::{RecordedResponse, ResponseBody};
use crate::redact::Redactor;
use crate::scenario::Expect;
use crate::schema::{SchemaError, SchemaRegistry};
use crate::template::TemplateContext;

/// Checks `response` against `expect`; the problems found, in the order the scenario wrote them.
pub fn check_response(
    expect: &Expect,
    response: &RecordedResponse,
    schemas: Result<&SchemaRegistry, &SchemaError>,
    context: &TemplateContext,
    redactor: &Redactor,
) -> Vec<Problem> {
    let mut problems = Vec::new();
    if let Some(statuses) = &expect.status
        && !statuses.contains(&response.status)
    {
        let expected = statuses
            .iter()
            .map(u16::to_string)
            .collect::<Vec<_>>()
            .join(" or ");
        problems.push(Problem::new(format!(
            "{}{expected}, got {}",
            super::classify::STATUS_PROBLEM,
            response.status
        )));
    }

    let json = match &response.body {
        ResponseBody::Json(value) => Some(value),
        _ => None,
    };
    let not_json = || match &response.body {
        ResponseBody::Empty => "the response has no body".to_owned(),
        ResponseBody::Text(text) => format!(
            "the response body is not JSON: `{}`",
            redactor.excerpt(text.trim(), 120)
        ),
        ResponseBody::Json(_) => String::new(),
    };

    if let Some(schema) = &expect.schema {
        match (schemas, json) {
            (Err(error), _) => problems.push(Problem::at(
                format!(
                    "schema `{}`: the schemas could not be loaded: {error}",
                    schema.value
                ),
                schema.span,
            )),
            (Ok(_), None) => problems.push(Problem::at(
                format!("schema `{}`: {}", schema.value, not_json()),
                schema.span,
            )),
            (Ok(registry), Some(body)) => match registry.check(&schema.value, body) {
                Err(unknown) => problems.push(Problem::at(unknown.to_string(), schema.span)),
                Ok(violations) => {
                    for violation in violations {
                        let at = if violation.instance_path.is_empty() {
                            "the body".to_owned()
                        } else {
                            format!("`{}`", violation.instance_path)
                        };
                        problems.push(Problem::at(
                            format!("schema `{}`: {at}: {}", schema.value, violation.message),
                            schema.span,
                        ));
                    }
                }
            },
        }
    }

    for check in &expect.body {
        let Some(body) = json else {
            problems.push(Problem::at(
                format!("body `{}`: {}", check.path, not_json()),
                check.span,
            ));
            continue;
        };
        let path = match super::compiled::json_path(&check.path) {
            Ok(path) => path,
            Err(error) => {
                problems.push(Problem::at(
                    format!("body `{}`: invalid JSONPath: {error}", check.path),
                    check.span,
                ));
                continue;
            }
        };
        let selected: Vec<&Value> = path.query(body).all();
        if let Err(message) = check_matcher(&check.matcher, &selected, context, redactor) {
            problems.push(Problem::at(
                format!("body `{}`: {message}", check.path),
                check.span,
            ));
        }
    }

    for check in &expect.headers {
        let values: Vec<Value> = response
            .header_values(&check.name)
            .into_iter()
            .map(|value| Value::String(value.to_owned()))
            .collect();
        let selected: Vec<&Value> = values.iter().collect();
        if let Err(message) = check_matcher(&check.matcher, &selected, context, redactor) {
            problems.push(Problem::at(
                format!("header `{}`: {message}", check.name),
                check.span,
            ));
        }
    }
    problems
}
