//! What steps remember for later ones: the `capture` of an HTTP step (a JSONPath or a header, then an optional
//! query parameter and regex group) and of an `otp` step (parts of the message). Every capture is recorded as
//! a definition of its step, so the validation stage can tell a capture used too early from a typo.

use super::Loader;
use super::step::StepCtx;
use super::text::{At, describe, one_of_and, suggestion};
use super::tree::Yaml;
use crate::scenario::TEMPLATE_NAMESPACES;
use crate::scenario::model::{CaptureSource, CaptureSpec, OtpField};
use crate::scenario::references::CaptureDef;

pub(crate) const CAPTURE_KEYS: [&str; 5] = ["jsonpath", "header", "query", "regex", "secret"];
const OTP_FIELDS: [&str; 4] = ["code", "link", "body", "link_query.<param>"];

impl Loader<'_> {
    pub(super) fn captures(
        &mut self,
        value: At<'_>,
        ctx: &StepCtx<'_>,
    ) -> Option<Vec<CaptureSpec>> {
        let at = self.mapping(value, &format!("`capture` of {}", ctx.label))?;
        let mut captures = Vec::new();
        let mut ok = true;
        for (name, spec) in self.entries(at) {
            let name_ok = self.capture_name(&name, spec, &ctx.label);
            match (name_ok, self.capture_spec(&name, spec, ctx)) {
                (true, Some(capture)) => captures.push(capture),
                _ => ok = false,
            }
        }
        ok.then_some(captures)
    }

    /// Checks a capture's name and records it as defined by the current step.
    fn capture_name(&mut self, name: &str, at: At<'_>, label: &str) -> bool {
        let mut chars = name.chars();
        let is_identifier = chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !is_identifier {
            self.report(
                at.key_mark(),
                format!("invalid capture name `{name}` in {label}"),
                Some("a capture is used as `{{ name }}`: use letters, digits and `_`, not starting with a digit".to_string()),
            );
            return false;
        }
        if TEMPLATE_NAMESPACES.contains(&name) {
            self.report(
                at.key_mark(),
                format!(
                    "capture name `{name}` in {label} collides with the template namespace `{name}`"
                ),
                Some(format!(
                    "{} are reserved for the template context: pick another name",
                    one_of_and(TEMPLATE_NAMESPACES)
                )),
            );
            return false;
        }
        self.references.captures.push(CaptureDef {
            name: name.to_string(),
            step: self.step,
            span: at.key_mark().span,
        });
        true
    }

    fn capture_spec(&mut self, name: &str, at: At<'_>, ctx: &StepCtx<'_>) -> Option<CaptureSpec> {
        let span = at.key_mark().span;
        let subject = format!("capture `{name}` in {}", ctx.label);
        match &at.node.yaml {
            Yaml::Str(json_path) => {
                let valid = self.json_path(json_path, at.value_mark(), &ctx.label);
                return valid.then(|| CaptureSpec {
                    name: name.to_string(),
                    source: CaptureSource::JsonPath(json_path.clone()),
                    query: None,
                    regex: None,
                    secret: false,
                    span,
                });
            }
            Yaml::Map(_) => {}
            other => {
                self.report(
                    at.value_mark(),
                    format!(
                        "expected a jsonpath or a mapping for {subject}, found {}",
                        describe(other)
                    ),
                    Some(
                        "write e.g. `token: $.access_token` or `redirect: { header: location }`"
                            .to_string(),
                    ),
                );
                return None;
            }
        }
        self.check_keys(at, &CAPTURE_KEYS, &format!("in {subject}"));
        let source = match (at.get("jsonpath"), at.get("header")) {
            (None, None) => {
                self.report(
                    at.key_mark(),
                    format!("{subject} has no source"),
                    Some("give it `jsonpath: $.field` or `header: name`".to_string()),
                );
                None
            }
            (Some(_), Some(header)) => {
                self.report(
                    header.key_mark(),
                    format!("{subject} has both `jsonpath` and `header`"),
                    Some("a capture takes one value: keep one of them".to_string()),
                );
                None
            }
            (Some(value), None) => self
                .string(value, &format!("`jsonpath` of {subject}"))
                .filter(|json_path| self.json_path(json_path, value.value_mark(), &ctx.label))
                .map(CaptureSource::JsonPath),
            (None, Some(value)) => self
                .string(value, &format!("`header` of {subject}"))
                .and_then(|header| {
                    // A header named as a value: point at the value, not at `header:`.
                    let at_value = At {
                        node: value.node,
                        intro: value.value_mark(),
                    };
                    self.header_name(&header, at_value, &format!("in {subject}"))
                })
                .map(CaptureSource::Header),
        };
        let query = match at.get("query") {
            None => Some(None),
            Some(value) => self
                .non_empty_string(value, &format!("`query` of {subject}"))
                .map(Some),
        };
        let regex = match at.get("regex") {
            None => Some(None),
            Some(value) => self
                .string(value, &format!("`regex` of {subject}"))
                .filter(|pattern| self.regex(pattern, value, &subject, true))
                .map(Some),
        };
        let secret = match at.get("secret") {
            None => Some(false),
            Some(value) => self.boolean(value, &format!("`secret` of {subject}")),
        };
        Some(CaptureSpec {
            name: name.to_string(),
            source: source?,
            query: query?,
            regex: regex?,
            secret: secret?,
            span,
        })
    }

    pub(super) fn otp_captures(
        &mut self,
        value: At<'_>,
        ctx: &StepCtx<'_>,
    ) -> Option<Vec<(String, OtpField)>> {
        match &value.node.yaml {
            Yaml::Map(entries) if !entries.is_empty() => {}
            Yaml::Null | Yaml::Map(_) => {
                self.report(
                    value.key_mark(),
                    format!("`capture` in `otp` of {} is empty", ctx.label),
                    Some("leave it out to capture the code as `code`".to_string()),
                );
                return None;
            }
            other => {
                self.report(
                    value.value_mark(),
                    format!(
                        "expected a mapping for `capture` in `otp` of {}, found {}",
                        ctx.label,
                        describe(other)
                    ),
                    Some("write e.g. `capture: { code: code, link: link }`".to_string()),
                );
                return None;
            }
        }
        let mut captures = Vec::new();
        let mut ok = true;
        for (name, field_at) in self.entries(value) {
            let name_ok = self.capture_name(&name, field_at, &ctx.label);
            let subject = format!("capture `{name}` in {}", ctx.label);
            let field = self
                .string(field_at, &subject)
                .and_then(|field| self.otp_field(&field, field_at, &subject));
            match (name_ok, field) {
                (true, Some(field)) => captures.push((name, field)),
                _ => ok = false,
            }
        }
        ok.then_some(captures)
    }

    fn otp_field(&mut self, field: &str, at: At<'_>, subject: &str) -> Option<OtpField> {
        match field {
            "code" => return Some(OtpField::Code),
            "link" => return Some(OtpField::Link),
            "body" => return Some(OtpField::Body),
            _ => {}
        }
        if let Some(param) = field.strip_prefix("link_query.")
            && !param.is_empty()
        {
            return Some(OtpField::LinkQuery(param.to_string()));
        }
        let hint = if field.starts_with("link_query") {
            "name the query parameter, e.g. `link_query.code`".to_string()
        } else {
            suggestion(field, &OTP_FIELDS[..3])
                .unwrap_or_else(|| format!("the fields are {}", one_of_and(&OTP_FIELDS)))
        };
        self.report(
            at.value_mark(),
            format!("unknown otp field `{field}` for {subject}"),
            Some(hint),
        );
        None
    }
}
