//! Request values as templates.
//!
//! Takes the raw strings and JSON trees a scenario wrote (`"{{ clients.native.client_id }}"`) and
//! a [`TemplateContext`] (the target's values, captures, environment), and gives rendered
//! `serde_json::Value`s. A string that is exactly one expression keeps the JSON type of what it
//! evaluates to, so `"{{ expires_in }}"` stays a number. Undefined names are errors, never empty
//! strings. Rendering is minijinja's; this module only decides what to render and how to keep types.
//! It also lets the scenario loader read a template without rendering it ([`referenced_names`]):
//! minijinja's parser checks the syntax and lists the names the template reads.

use std::sync::{Arc, LazyLock, OnceLock};

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
pub fn referenced_names(template: &str) -> Result<Vec<String>, TemplateSyntaxError> {
    // The globals (functions) of the rendering environment, found once.
    static GLOBALS: std::sync::LazyLock<Vec<String>> = std::sync::LazyLock::new(|| {
        environment(0)
            .globals()
            .map(|(name, _)| name.to_owned())
            .collect()
    });
    if let Some(mut names) = plain_names(template) {
        names.retain(|name| !GLOBALS.iter().any(|global| global == name_root(name)));
        names.sort();
        names.dedup();
        return Ok(names);
    }
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
        .filter(|name| !GLOBALS.iter().any(|global| global == name_root(name)))
        .collect();
    names.sort();
    Ok(names)
}

fn name_root(dotted: &str) -> &str {
    dotted.split('.').next().unwrap_or(dotted)
}

/// The names of a template whose blocks all hold a plain name (`{{ users.a.email }}`), in the
/// order written, found without minijinja's parser (which showed in the profile of loading);
/// `None` for anything else (statements, comments, filters, an unclosed block), which the parser
/// then reads.
fn plain_names(template: &str) -> Option<Vec<String>> {
    if template.contains("{%") || template.contains("{#") {
        return None;
    }
    let mut names = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let end = after.find("}}")?;
        let name = after[..end].trim();
        if !is_plain_name(name) {
            return None;
        }
        names.push(name.to_owned());
        rest = &after[end + 2..];
    }
    Some(names)
}

/// Whether `dotted` is a name minijinja looks up key by key (`users.a.email`): identifiers
/// joined by dots, the first not a literal or an operator.
fn is_plain_name(dotted: &str) -> bool {
    // Literals and operators are not names, whatever the context holds.
    const RESERVED: [&str; 11] = [
        "true", "false", "none", "True", "False", "None", "and", "or", "not", "in", "is",
    ];
    let is_identifier = |part: &str| {
        part.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    !RESERVED.contains(&name_root(dotted)) && dotted.split('.').all(is_identifier)
}

/// Everything a template can refer to.
#[derive(Debug, Clone, Default)]
pub struct TemplateContext {
    root: Map<String, Value>,
    /// `root` as minijinja sees it, converted on the first render that needs minijinja after a
    /// change: converting the whole context (the environment's variables included) on every
    /// render was most of a step's own cost.
    converted: OnceLock<minijinja::Value>,
    /// How far the target's clock is ahead of ours, in seconds (moved by `clock` steps and by
    /// polling on a target with a controllable clock), so `totp()` computes the code the target
    /// expects now.
    clock_offset_seconds: u64,
    /// The rendering environment for this clock offset, made on first use and shared by clones.
    environment: OnceLock<Arc<Environment<'static>>>,
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
        self.converted = OnceLock::new();
    }

    /// Removes a top-level name (a flow's param, when the flow ends).
    pub fn remove(&mut self, name: &str) {
        self.root.remove(name);
    }

    /// Moves the clock `totp()` reads forward by `seconds`, as the target's was.
    pub fn advance_clock(&mut self, seconds: u64) {
        self.clock_offset_seconds = self.clock_offset_seconds.saturating_add(seconds);
        self.environment = OnceLock::new();
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
        match self.render_names(template) {
            Some(value) => Ok(value),
            None => self.render_minijinja(template),
        }
    }

    fn render_minijinja(&self, template: &str) -> Result<Value, TemplateError> {
        let env = self
            .environment
            .get_or_init(|| shared_environment(self.clock_offset_seconds));
        let context = self
            .converted
            .get_or_init(|| minijinja::Value::from_serialize(&self.root))
            .clone();
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

    /// The common case without minijinja: a template whose blocks are all plain names
    /// (`{{ clients.native.client_id }}`, `Bearer {{ access_token }}`), each found in the
    /// context, gives what minijinja would (the value itself for a lone block, else the text with
    /// each string put in place) without compiling anything. `None` sends the template to
    /// minijinja: statements, comments, filters, calls, a name that is not there (for
    /// minijinja's error), a value that is not a string inside text (for minijinja's formatting),
    /// and a trailing newline (which minijinja drops).
    fn render_names(&self, template: &str) -> Option<Value> {
        if let Some(expression) = sole_expression(template) {
            return self.lookup(expression).cloned();
        }
        if template.contains("{%") || template.contains("{#") || template.ends_with('\n') {
            return None;
        }
        let mut rendered = String::with_capacity(template.len());
        let mut rest = template;
        while let Some(start) = rest.find("{{") {
            rendered.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after.find("}}")?;
            match self.lookup(after[..end].trim())? {
                Value::String(text) => rendered.push_str(text),
                _ => return None,
            }
            rest = &after[end + 2..];
        }
        rendered.push_str(rest);
        Some(Value::String(rendered))
    }

    /// The value at a dotted name (`users.email_user.email`) when every part is an identifier
    /// minijinja would look up as a key and the value is there.
    fn lookup(&self, dotted: &str) -> Option<&Value> {
        if !is_plain_name(dotted) {
            return None;
        }
        let mut parts = dotted.split('.');
        let mut value = self.root.get(parts.next()?)?;
        for part in parts {
            value = value.as_object()?.get(part)?;
        }
        Some(value)
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

/// The rendering environment for a clock offset; the one for our own clock is made once per
/// process.
fn shared_environment(clock_offset_seconds: u64) -> Arc<Environment<'static>> {
    static AT_OUR_CLOCK: LazyLock<Arc<Environment<'static>>> =
        LazyLock::new(|| Arc::new(environment(0)));
    if clock_offset_seconds == 0 {
        Arc::clone(&AT_OUR_CLOCK)
    } else {
        Arc::new(environment(clock_offset_seconds))
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
    fn referenced_names_are_dotted_chains_without_the_environments_functions() {
        let names =
            referenced_names("{{ totp(users.totp_enrolled.totp_secret) }} {{ code }}").unwrap();
        assert_eq!(names, ["code", "users.totp_enrolled.totp_secret"]);
        assert!(referenced_names("{{ code").is_err());
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
    fn plain_names_render_without_minijinja_exactly_as_with_it() {
        let mut context = context();
        context.insert(
            "users",
            json!({"a": {"email": "a+x@example.com", "age": 3}}),
        );
        context.insert("none_like", json!(null));
        for template in [
            "{{ code }}",
            " {{ expires_in }} ",
            "{{ users.a.email }}",
            "{{ users.a }}",
            "{{ none_like }}",
            "to={{ users.a.email }}&c={{ code }}",
            "}} {{ code }} {{code}}x",
            "{{ clients.native.client_id }}/{{ code }}",
        ] {
            let fast = context.render_names(template);
            let slow = context.render_minijinja(template).unwrap();
            assert_eq!(fast.as_ref(), Some(&slow), "{template}");
        }
        // What the fast path leaves to minijinja, and minijinja still renders.
        for template in [
            "a {{ code }}\n",
            "n={{ expires_in }}",
            "{{ code | upper }}",
            "x {{- code }}",
            "{% if true %}{{ code }}{% endif %}",
            "{{ true }}",
            "{{ users['a'].email }}",
        ] {
            assert_eq!(context.render_names(template), None, "{template}");
            assert!(context.render_str(template).is_ok(), "{template}");
        }
        assert!(context.render_str("{{ users.b.email }}").is_err());
        assert!(context.render_str("x {{ users.a.name }}").is_err());
    }

    #[test]
    fn plain_names_are_listed_without_the_parser_exactly_as_with_it() {
        for template in [
            "{{ code }}",
            "{{ users.a.email }}-{{ code }}-{{ code }}",
            "x {{range}} {{ loop_count }}",
            "}} {{ b.c }}{{a}}",
        ] {
            let mut parsed = Environment::empty()
                .template_from_str(template)
                .unwrap()
                .undeclared_variables(true)
                .into_iter()
                .filter(|name| name_root(name) != "range")
                .collect::<Vec<_>>();
            parsed.sort();
            assert!(plain_names(template).is_some(), "{template}");
            assert_eq!(referenced_names(template).unwrap(), parsed, "{template}");
        }
        for template in ["{{ code", "{{ a | upper }}", "{# c #}{{ a }}", "{{ true }}"] {
            assert_eq!(plain_names(template), None, "{template}");
        }
    }

    #[test]
    fn plain_strings_are_untouched() {
        assert_eq!(context().render_str("a } b").unwrap(), json!("a } b"));
    }
}
