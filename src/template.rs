//! Request values as templates.
//!
//! Takes the raw strings and JSON trees a scenario wrote (`"{{ clients.native.client_id }}"`) and
//! a [`TemplateContext`] (the target's values, captures, environment), and gives rendered
//! `serde_json::Value`s. A string that is exactly one expression keeps the JSON type of what it
//! evaluates to, so `"{{ expires_in }}"` stays a number. Undefined names are errors, never empty
//! strings. Rendering is minijinja's; this module only decides what to render and how to keep types.

use minijinja::{Environment, UndefinedBehavior};
use serde_json::{Map, Value};

/// The names a scenario can use in templates; captures live beside them at the top level.
pub const NAMESPACES: &[&str] = &["target", "clients", "connections", "users", "env", "run"];

/// Everything a template can refer to.
#[derive(Debug, Clone, Default)]
pub struct TemplateContext {
    root: Map<String, Value>,
}

/// A template that could not be rendered.
#[derive(Debug, Clone, thiserror::Error)]
#[error("cannot render template `{template}`: {message}\nhint: {hint}")]
pub struct TemplateError {
    /// The template as written.
    pub template: String,
    /// What went wrong.
    pub message: String,
    /// What the scenario can refer to.
    pub hint: String,
}

impl TemplateContext {
    /// An empty context.
    pub fn new() -> TemplateContext {
        TemplateContext::default()
    }

    /// Sets a top-level name (a namespace such as `clients`, or a capture).
    pub fn insert(&mut self, name: impl Into<String>, value: Value) {
        self.root.insert(name.into(), value);
    }

    /// Looks up a top-level name.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.root.get(name)
    }

    /// Renders every string inside `value`, keeping the shape of arrays and objects.
    pub fn render_value(&self, value: &Value) -> Result<Value, TemplateError> {
        Ok(match value {
            Value::String(text) => self.render_str(text)?,
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|item| self.render_value(item))
                    .collect::<Result<_, _>>()?,
            ),
            Value::Object(fields) => {
                let mut rendered = Map::new();
                for (key, item) in fields {
                    rendered.insert(key.clone(), self.render_value(item)?);
                }
                Value::Object(rendered)
            }
            other => other.clone(),
        })
    }

    /// Renders one string. `"{{ expr }}"` alone keeps `expr`'s JSON type; anything else gives a string.
    pub fn render_str(&self, template: &str) -> Result<Value, TemplateError> {
        if !template.contains("{{") && !template.contains("{%") {
            return Ok(Value::String(template.to_owned()));
        }
        let env = environment();
        let context = minijinja::Value::from_serialize(&self.root);
        if let Some(expression) = sole_expression(template) {
            let compiled = env
                .compile_expression(expression)
                .map_err(|error| self.error(template, &error))?;
            let value = compiled
                .eval(&context)
                .map_err(|error| self.error(template, &error))?;
            if value.is_undefined() {
                return Err(self.error_message(template, "undefined value".to_owned()));
            }
            return serde_json::to_value(&value)
                .map_err(|error| self.error_message(template, error.to_string()));
        }
        env.render_str(template, &context)
            .map(Value::String)
            .map_err(|error| self.error(template, &error))
    }

    /// Renders a template that must give a string (paths, header values, addresses).
    pub fn render_string(&self, template: &str) -> Result<String, TemplateError> {
        Ok(match self.render_str(template)? {
            Value::String(text) => text,
            other => other.to_string(),
        })
    }

    fn error(&self, template: &str, error: &minijinja::Error) -> TemplateError {
        let mut message = error.kind().to_string();
        if let Some(detail) = error.detail() {
            message = format!("{message}: {detail}");
        }
        self.error_message(template, message)
    }

    fn error_message(&self, template: &str, message: String) -> TemplateError {
        let names: Vec<&str> = self.root.keys().map(String::as_str).collect();
        TemplateError {
            template: template.to_owned(),
            message,
            hint: format!(
                "templates can use {}; captures exist only after the step that makes them",
                names
                    .iter()
                    .map(|name| format!("`{name}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env
}

/// `"{{ a.b }}"` → `Some("a.b")`; anything with text around it or a second block → `None`.
fn sole_expression(template: &str) -> Option<&str> {
    let inner = template
        .trim()
        .strip_prefix("{{")?
        .strip_suffix("}}")?
        .trim();
    let has_more_blocks = inner.contains("{{")
        || inner.contains("}}")
        || inner.contains("{%")
        || inner.contains("%}");
    (!has_more_blocks).then_some(inner)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    fn context() -> TemplateContext {
        let mut context = TemplateContext::new();
        context.insert("clients", json!({"native": {"client_id": "abc"}}));
        context.insert("expires_in", json!(86400));
        context.insert("code", json!("012345"));
        context
    }

    #[test]
    fn sole_expression_keeps_its_json_type() {
        assert_eq!(
            context().render_str("{{ expires_in }}").unwrap(),
            json!(86400)
        );
        assert_eq!(context().render_str("{{code}}").unwrap(), json!("012345"));
    }

    #[test]
    fn text_around_an_expression_gives_a_string() {
        assert_eq!(
            context()
                .render_str("id={{ clients.native.client_id }}!")
                .unwrap(),
            json!("id=abc!")
        );
        assert_eq!(
            context().render_str("{{ expires_in }}s").unwrap(),
            json!("86400s")
        );
    }

    #[test]
    fn nested_values_are_rendered_in_place() {
        let rendered = context()
            .render_value(&json!({"a": ["{{ code }}", 1, {"b": "{{ expires_in }}"}]}))
            .unwrap();
        assert_eq!(rendered, json!({"a": ["012345", 1, {"b": 86400}]}));
    }

    #[test]
    fn undefined_names_are_errors_with_a_hint() {
        let error = context()
            .render_str("{{ clients.web.client_id }}")
            .unwrap_err();
        assert!(error.to_string().contains("undefined"), "{error}");
        assert!(error.hint.contains("`clients`"), "{error}");
        let error = context().render_str("x {{ nope }}").unwrap_err();
        assert!(error.to_string().contains("undefined"), "{error}");
    }

    #[test]
    fn plain_strings_are_untouched() {
        assert_eq!(context().render_str("a } b").unwrap(), json!("a } b"));
    }
}
