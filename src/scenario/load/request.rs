//! The `request` of an HTTP step: method, path, headers, and a `json`, `form` or `body` (with its `encoding`)
//! body. Every string in it is a template, read through [`Loader::template`](super::Loader) so its names are
//! recorded. `body` with `encoding` exists so that a matrix can send one body both ways
//! (`encoding: "{{ encoding }}"` is filled in before the request is read).

use super::Loader;
use super::step::StepCtx;
use super::text::{At, describe, one_of_and, suggestion, template_hint};
use super::tree::Yaml;
use crate::scenario::model::{RequestBody, RequestSpec};

pub(crate) const REQUEST_KEYS: [&str; 8] = [
    "method",
    "path",
    "headers",
    "json",
    "form",
    "body",
    "encoding",
    "follow_redirects",
];
pub(crate) const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];
/// The values of `encoding`.
pub(crate) const ENCODINGS: [&str; 2] = ["json", "form"];

impl Loader<'_> {
    pub(super) fn request(&mut self, value: At<'_>, ctx: &StepCtx<'_>) -> Option<RequestSpec> {
        let at = self.mapping(value, &format!("`request` of {}", ctx.label))?;
        let place = format!("in `request` of {}", ctx.label);
        self.check_keys(at, &REQUEST_KEYS, &place);

        let method = match at.get("method") {
            None => {
                self.report(
                    at.key_mark(),
                    format!("missing `method` {place}"),
                    Some("add e.g. `method: POST`".to_string()),
                );
                None
            }
            Some(value) => self
                .string(value, &format!("`method` {place}"))
                .and_then(|method| {
                    let upper = method.to_uppercase();
                    if METHODS.contains(&upper.as_str()) {
                        return Some(upper);
                    }
                    let hint = suggestion(&upper, &METHODS)
                        .unwrap_or_else(|| format!("the methods are {}", one_of_and(&METHODS)));
                    self.report(
                        value.value_mark(),
                        format!("unknown http method `{method}` {place}"),
                        Some(hint),
                    );
                    None
                }),
        };

        let url_path = match at.get("path") {
            None => {
                self.report(
                    at.key_mark(),
                    format!("missing `path` {place}"),
                    Some("add e.g. `path: /passwordless/start`".to_string()),
                );
                None
            }
            Some(value) => {
                let what = format!("`path` {place}");
                self.template_string(value, &what).and_then(|url_path| {
                    if url_path.starts_with('/') || url_path.starts_with("{{") {
                        return Some(url_path);
                    }
                    self.report(
                        value.value_mark(),
                        format!("{what} must start with `/`"),
                        Some(
                            "paths are relative to the target's base url, e.g. `/oauth/token`"
                                .to_string(),
                        ),
                    );
                    None
                })
            }
        };

        let headers = match at.get_present("headers") {
            None => Some(Vec::new()),
            Some(value) => self.request_headers(value, &place),
        };

        let body = self.request_body(at, ctx, &place);

        let follow_redirects = match at.get("follow_redirects") {
            None => Some(false),
            Some(value) => self.boolean(value, &format!("`follow_redirects` {place}")),
        };

        Some(RequestSpec {
            method: method?,
            path: url_path?,
            headers: headers?,
            body: body?,
            follow_redirects: follow_redirects?,
        })
    }

    /// The body: one of `json`, `form`, or `body` sent as its `encoding` says (default `json`).
    fn request_body(&mut self, at: At<'_>, ctx: &StepCtx<'_>, place: &str) -> Option<RequestBody> {
        let given: Vec<(&str, At<'_>)> = ["json", "form", "body"]
            .into_iter()
            .filter_map(|key| at.get(key).map(|value| (key, value)))
            .collect();
        if let [(first, _), (second, value), ..] = given.as_slice() {
            self.report(
                value.key_mark(),
                format!(
                    "`request` of {} has both `{first}` and `{second}`",
                    ctx.label
                ),
                Some(if [*first, *second] == ["json", "form"] {
                    "use `json` for a json body or `form` for an url-encoded form, not both"
                        .to_string()
                } else {
                    "a request has one body: `json`, `form`, or `body` with its `encoding`"
                        .to_string()
                }),
            );
            return None;
        }
        let encoding = match at.get("encoding") {
            None => Some("json".to_string()),
            Some(value) => self.encoding(value, place),
        };
        match given.first() {
            None if at.has("encoding") => {
                let mark = at.get("encoding").map_or(at.key_mark(), At::key_mark);
                self.report(
                    mark,
                    format!("`encoding` {place} has no `body` to encode"),
                    Some("add `body:`, or remove `encoding`".to_string()),
                );
                None
            }
            None => Some(RequestBody::None),
            Some((key, _)) if *key != "body" && at.has("encoding") => {
                let mark = at.get("encoding").map_or(at.key_mark(), At::key_mark);
                self.report(
                    mark,
                    format!("`encoding` {place} goes with `body`, not `{key}`"),
                    Some(format!(
                        "`{key}:` already says how it is sent: write `body:` with `encoding:`, or drop `encoding`"
                    )),
                );
                None
            }
            Some(("json", json)) => self
                .json_value(*json, &format!("`json` {place}"))
                .map(RequestBody::Json),
            Some(("form", form)) => self.form(*form, place),
            Some((_, body)) => match encoding?.as_str() {
                "form" => self.form(*body, place),
                _ => self
                    .json_value(*body, &format!("`body` {place}"))
                    .map(RequestBody::Json),
            },
        }
    }

    fn encoding(&mut self, value: At<'_>, place: &str) -> Option<String> {
        let text = self.string(value, &format!("`encoding` {place}"))?;
        if ENCODINGS.contains(&text.as_str()) {
            return Some(text);
        }
        let hint = if crate::template::is_template(&text) {
            "the encoding is decided before anything runs: write `json` or `form`, or a template over matrix names only".to_string()
        } else {
            suggestion(&text, &ENCODINGS)
                .unwrap_or_else(|| format!("the encodings are {}", one_of_and(&ENCODINGS)))
        };
        self.report(
            value.value_mark(),
            format!("unknown encoding `{text}` {place}"),
            Some(hint),
        );
        None
    }

    fn request_headers(&mut self, value: At<'_>, place: &str) -> Option<Vec<(String, String)>> {
        let at = self.mapping(value, &format!("`headers` {place}"))?;
        let mut headers = Vec::new();
        let mut ok = true;
        for (name, value) in self.entries(at) {
            let Some(lower) = self.header_name(&name, value, place) else {
                ok = false;
                continue;
            };
            let what = format!("header `{name}` {place}");
            let text = match &value.node.yaml {
                Yaml::Bool(b) => Some(b.to_string()),
                Yaml::Int(n) => Some(n.to_string()),
                Yaml::Float(n) => Some(n.to_string()),
                _ => self.template_string(value, &what),
            };
            match text {
                Some(text) => headers.push((lower, text)),
                None => ok = false,
            }
        }
        ok.then_some(headers)
    }

    /// Checks a header name written as the key (or value) at `at`, giving it lower-case.
    pub(super) fn header_name(&mut self, name: &str, at: At<'_>, place: &str) -> Option<String> {
        let is_token_char = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
        if !name.is_empty() && name.chars().all(is_token_char) {
            return Some(name.to_ascii_lowercase());
        }
        self.report(
            at.key_mark(),
            format!("invalid header name `{name}` {place}"),
            Some("header names are letters, digits and `-`, e.g. `content-type`".to_string()),
        );
        None
    }

    fn form(&mut self, value: At<'_>, place: &str) -> Option<RequestBody> {
        let at = self.mapping(value, &format!("`form` {place}"))?;
        let mut fields = Vec::new();
        let mut ok = true;
        for (name, value) in self.entries(at) {
            let what = format!("form field `{name}` {place}");
            match &value.node.yaml {
                Yaml::Str(_) | Yaml::Int(_) | Yaml::Float(_) | Yaml::Bool(_) => {
                    match self.json_value(value, &what) {
                        Some(json) => fields.push((name, json)),
                        None => ok = false,
                    }
                }
                other => {
                    ok = false;
                    let hint = template_hint(value.node).unwrap_or_else(|| {
                        "form fields are strings, numbers or booleans; use `\"\"` for an empty value"
                            .to_string()
                    });
                    self.report(
                        value.value_mark(),
                        format!("expected a scalar for {what}, found {}", describe(other)),
                        Some(hint),
                    );
                }
            }
        }
        ok.then_some(RequestBody::Form(fields))
    }
}
