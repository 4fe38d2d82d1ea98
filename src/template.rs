//! Request values as templates.
//!
//! Takes the raw strings and JSON trees a scenario wrote (`"{{ clients.native.client_id }}"`) and
//! a [`TemplateContext`] (the target's values, captures, environment), and gives rendered
//! `serde_json::Value`s. A string that is exactly one expression keeps the JSON type of what it
//! evaluates to, so `"{{ expires_in }}"` stays a number. Undefined names are errors, never empty
//! strings. Rendering is minijinja's; this module only decides what to render and how to keep types.
//! It also lets the scenario loader read a template without rendering it ([`referenced_names`]):
//! minijinja's parser checks the syntax and lists the names the template reads.

use minijinja::{Environment, UndefinedBehavior};
use serde_json::{Map, Value};

/// The names a scenario can use in templates; captures live beside them at the top level.
pub const NAMESPACES: &[&str] = &["target", "clients", "connections", "users", "env", "run"];

/// Whether `text` is rendered as a template (it holds `{{` or `{%`); other strings are used as written.
pub fn is_template(text: &str) -> bool {
    text.contains("{{") || text.contains("{%")
}

/// A template whose syntax minijinja rejects.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct TemplateSyntaxError {
    /// What is wrong, in minijinja's words (`unexpected end of input, expected end of variable block`).
    pub message: String,
    /// Whether the template ends inside a block (`{{ code` without `}}`).
    pub unclosed: bool,
}

/// The names a template reads, as minijinja's static analysis sees them: attribute chains written with dots
/// (`users.email_user.email`, `code`), sorted and without repeats. The functions and filters of the
/// rendering environment (`totp`, `range`, …) are not names. A name reached by subscript (`users['x']`) is
/// reported up to the subscript (`users`).
///
/// ```
/// use passwordless_conformance::template::referenced_names;
/// let names = referenced_names("{{ totp(users.totp_enrolled.totp_secret) }} {{ code }}").unwrap();
/// assert_eq!(names, ["code", "users.totp_enrolled.totp_secret"]);
/// assert!(referenced_names("{{ code").is_err());
/// ```
pub fn referenced_names(template: &str) -> Result<Vec<String>, TemplateSyntaxError> {
    // The globals (functions) of the rendering environment, found once.
    static GLOBALS: std::sync::LazyLock<Vec<String>> = std::sync::LazyLock::new(|| {
        environment(0)
            .globals()
            .map(|(name, _)| name.to_owned())
            .collect()
    });
    // Parsing needs no filters, tests or functions: an empty environment is much cheaper to make.
    let env = Environment::empty();
    let compiled = env.template_from_str(template).map_err(|error| {
        let message = error
            .detail()
            .map_or_else(|| error.kind().to_string(), str::to_owned);
        TemplateSyntaxError {
            unclosed: message.contains("end of input"),
            message,
        }
    })?;
    let mut names: Vec<String> = compiled
        .undeclared_variables(true)
        .into_iter()
        .filter(|name| {
            let root = name.split('.').next().unwrap_or(name);
            !GLOBALS.iter().any(|global| global == root)
        })
        .collect();
    names.sort();
    Ok(names)
}

/// Everything a template can refer to.
#[derive(Debug, Clone, Default)]
pub struct TemplateContext {
    root: Map<String, Value>,
    /// How far the target's clock is ahead of ours, in seconds (moved by `clock` steps and by
    /// polling on a target with a controllable clock), so `totp()` computes the code the target
    /// expects now.
    clock_offset_seconds: u64,
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

    /// Removes a top-level name (a flow's param, when the flow ends).
    pub fn remove(&mut self, name: &str) {
        self.root.remove(name);
    }

    /// Moves the clock `totp()` reads forward by `seconds`, as the target's was.
    pub fn advance_clock(&mut self, seconds: u64) {
        self.clock_offset_seconds = self.clock_offset_seconds.saturating_add(seconds);
    }

    /// The target's time now, in Unix seconds, as far as this context knows.
    pub fn target_now(&self) -> u64 {
        unix_now().saturating_add(self.clock_offset_seconds)
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
        if !is_template(template) {
            return Ok(Value::String(template.to_owned()));
        }
        let env = environment(self.clock_offset_seconds);
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

fn environment<'source>(clock_offset_seconds: u64) -> Environment<'source> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.add_filter("base64", |text: String| {
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, text)
    });
    env.add_filter("base64url", |text: String| {
        base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, text)
    });
    env.add_function(
        "totp",
        move |secret: String| -> Result<String, minijinja::Error> {
            let now = unix_now().saturating_add(clock_offset_seconds);
            totp_code(&secret, now).map_err(|message| {
                minijinja::Error::new(minijinja::ErrorKind::InvalidOperation, message)
            })
        },
    );
    env
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .unwrap_or(0)
}

/// The RFC 6238 code at `unix_time` for a base32 secret (SHA1, 6 digits, 30 s, as Auth0 enrols)
/// or an `otpauth://totp/…` URI (whose algorithm, digits and period are honoured).
pub fn totp_code(secret_or_uri: &str, unix_time: u64) -> Result<String, String> {
    let totp = if secret_or_uri.starts_with("otpauth://") {
        totp_rs::Totp::from_url_unchecked(secret_or_uri)
            .map_err(|error| format!("totp(): not a usable otpauth URI: {error}"))?
    } else {
        let cleaned: String = secret_or_uri
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect::<String>()
            .to_ascii_uppercase();
        let secret = totp_rs::Secret::try_from_base32(cleaned.trim_end_matches('='))
            .map_err(|_| "totp(): the secret is not base32 (A–Z, 2–7)".to_owned())?;
        totp_rs::Builder::new()
            .with_secret(secret)
            .build_noncompliant()
    };
    Ok(totp.generate(unix_time).to_string())
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
    fn totp_follows_rfc_6238() {
        // RFC 6238 appendix B: the SHA1 secret "12345678901234567890" at T = 59 gives 94287082 (8
        // digits); Auth0's 6-digit codes are its last six.
        let secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
        assert_eq!(totp_code(secret, 59).unwrap(), "287082");
        let uri = format!("otpauth://totp/t:u?secret={secret}&digits=8&period=30&algorithm=SHA1");
        assert_eq!(totp_code(&uri, 59).unwrap(), "94287082");
        assert!(totp_code("not base32!", 59).is_err());
    }

    #[test]
    fn totp_reads_the_targets_clock() {
        let mut context = TemplateContext::new();
        context.insert("secret", json!("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"));
        let now = context.render_str("{{ totp(secret) }}").unwrap();
        context.advance_clock(3600);
        let later = context.render_str("{{ totp(secret) }}").unwrap();
        assert_eq!(
            later,
            json!(totp_code("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", context.target_now()).unwrap())
        );
        assert_eq!(now.as_str().unwrap().len(), 6);
    }

    #[test]
    fn base64_filters_build_basic_credentials() {
        let mut context = TemplateContext::new();
        context.insert("id", json!("a"));
        context.insert("secret", json!("b?"));
        assert_eq!(
            context
                .render_str("Basic {{ (id ~ ':' ~ secret) | base64 }}")
                .unwrap(),
            json!("Basic YTpiPw==")
        );
        assert_eq!(
            context.render_str("{{ secret | base64url }}").unwrap(),
            json!("Yj8")
        );
    }

    #[test]
    fn referenced_names_come_from_minijinjas_parser() {
        assert_eq!(
            referenced_names("{{ users.a.email }}-{{ clients.native.client_id | urlencode }}")
                .unwrap(),
            ["clients.native.client_id", "users.a.email"]
        );
        assert_eq!(
            referenced_names("{% for x in range(2) %}{{ x }}{{ y.z }}{% endfor %}").unwrap(),
            ["y.z"]
        );
        assert_eq!(referenced_names("{{ users['a'].b }}").unwrap(), ["users"]);
        let error = referenced_names("{{ code").unwrap_err();
        assert!(error.unclosed, "{error:?}");
        let error = referenced_names("{{ }}").unwrap_err();
        assert!(!error.unclosed, "{error:?}");
        assert!(referenced_names("{% if %}").is_err());
    }

    #[test]
    fn plain_strings_are_untouched() {
        assert_eq!(context().render_str("a } b").unwrap(), json!("a } b"));
    }
}
