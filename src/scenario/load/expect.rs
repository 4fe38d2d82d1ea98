//! What a response must look like: `expect` (and `until` / `stop_if` of `poll`) with its `status`, `schema`,
//! `body` and `headers` checks and `jwt` checks, and the JSONPaths they select with.

use serde_json_path::JsonPath;

use super::Loader;
use super::step::StepCtx;
use super::text::{At, describe};
use super::tree::{Mark, Yaml};
use crate::diagnostic::Span;
use crate::scenario::model::{BodyCheck, Expect, HeaderCheck, JwtCheck, Located};
use crate::scenario::references::SchemaUse;

pub(crate) const EXPECT_KEYS: [&str; 6] =
    ["evidence", "status", "schema", "body", "headers", "jwt"];
pub(crate) const JWT_KEYS: [&str; 4] = ["verify_signature", "not_expired", "header", "claims"];

impl Loader<'_> {
    /// Reads an expectation block (`expect`, or `until` / `stop_if` of `poll`).
    pub(super) fn expect_at(
        &mut self,
        value: At<'_>,
        ctx: &StepCtx<'_>,
        what: &str,
    ) -> Option<Expect> {
        let at = self.mapping(value, &format!("{what} of {}", ctx.label))?;
        let place = format!("in {what} of {}", ctx.label);
        self.check_keys(at, &EXPECT_KEYS, &place);

        let status = match at.get("status") {
            None => Some(None),
            Some(value) => self.status(value, ctx).map(Some),
        };
        let schema = match at.get("schema") {
            None => Some(None),
            Some(value) => self
                .non_empty_string(value, &format!("`schema` {place}"))
                .map(|file| {
                    let located = Located {
                        value: file,
                        span: value.value_mark().span,
                    };
                    self.references.schemas.push(SchemaUse {
                        file: located.clone(),
                        step: self.step,
                    });
                    Some(located)
                }),
        };
        let body = match at.get_present("body") {
            None => Some(Vec::new()),
            Some(value) => self.body_checks(value, ctx, "`body` in `expect`"),
        };
        let headers = match at.get_present("headers") {
            None => Some(Vec::new()),
            Some(value) => self.header_checks(value, ctx),
        };
        let jwt = match at.get_present("jwt") {
            None => Some(Vec::new()),
            Some(value) => self.jwt_checks(value, ctx),
        };
        let evidence = self.evidence_of(at, ctx, what);
        let expect = Expect {
            status: status?,
            schema: schema?,
            body: body?,
            headers: headers?,
            jwt: jwt?,
            evidence: evidence?,
        };
        if what != "`expect`" {
            self.no_evidence_in(&expect, what, ctx);
        }
        Some(expect)
    }

    fn jwt_checks(&mut self, value: At<'_>, ctx: &StepCtx<'_>) -> Option<Vec<JwtCheck>> {
        let at = self.mapping(value, &format!("`jwt` in `expect` of {}", ctx.label))?;
        let mut checks = Vec::new();
        let mut ok = true;
        for (json_path, entry) in self.entries(at) {
            let key_mark = entry.key_mark();
            let valid_path = self.json_path(&json_path, key_mark, &ctx.label);
            let place = format!("in `jwt` `{json_path}` of {}", ctx.label);
            let Some(spec) = self.mapping(entry, &format!("`jwt` `{json_path}` of {}", ctx.label))
            else {
                ok = false;
                continue;
            };
            self.check_keys(spec, &JWT_KEYS, &place);
            let verify_signature = match spec.get("verify_signature") {
                None => Some(true),
                Some(value) => self.boolean(value, &format!("`verify_signature` {place}")),
            };
            let not_expired = match spec.get("not_expired") {
                None => Some(true),
                Some(value) => self.boolean(value, &format!("`not_expired` {place}")),
            };
            let header = match spec.get_present("header") {
                None => Some(Vec::new()),
                Some(value) => self.body_checks(value, ctx, "`header` of a `jwt` check"),
            };
            let claims = match spec.get_present("claims") {
                None => Some(Vec::new()),
                Some(value) => self.body_checks(value, ctx, "`claims` of a `jwt` check"),
            };
            match (valid_path, verify_signature, not_expired, header, claims) {
                (true, Some(verify_signature), Some(not_expired), Some(header), Some(claims)) => {
                    checks.push(JwtCheck {
                        path: json_path,
                        verify_signature,
                        not_expired,
                        header,
                        claims,
                        span: key_mark.span,
                    });
                }
                _ => ok = false,
            }
        }
        ok.then_some(checks)
    }

    fn status(&mut self, at: At<'_>, ctx: &StepCtx<'_>) -> Option<Vec<u16>> {
        let mut codes = Vec::new();
        match &at.node.yaml {
            Yaml::Int(_) | Yaml::Float(_) => codes.push(self.status_code(at, ctx)?),
            Yaml::Seq(items) if items.is_empty() => {
                self.report(
                    at.value_mark(),
                    format!("`status` in {} is an empty list", ctx.label),
                    Some(
                        "list the status codes that are acceptable, e.g. `[200, 201]`".to_string(),
                    ),
                );
                return None;
            }
            Yaml::Seq(items) => {
                let mut ok = true;
                for item in items {
                    let item_at = At {
                        node: &item.value,
                        intro: item.dash,
                    };
                    match self.status_code(item_at, ctx) {
                        Some(code) => codes.push(code),
                        None => ok = false,
                    }
                }
                if !ok {
                    return None;
                }
            }
            other => {
                self.report(
                    at.value_mark(),
                    format!(
                        "expected a status code or a list of status codes for `status` in {}, found {}",
                        ctx.label,
                        describe(other)
                    ),
                    Some("write e.g. `status: 200` or `status: [200, 201]`".to_string()),
                );
                return None;
            }
        }
        Some(codes)
    }

    fn status_code(&mut self, at: At<'_>, ctx: &StepCtx<'_>) -> Option<u16> {
        let code = match at.node.yaml {
            Yaml::Int(n) => u16::try_from(n).ok(),
            _ => None,
        };
        match code {
            Some(code) if (100..=599).contains(&code) => Some(code),
            _ => {
                self.report(
                    at.value_mark(),
                    format!(
                        "expected an http status code for `status` in {}, found {}",
                        ctx.label,
                        describe(&at.node.yaml)
                    ),
                    Some("status codes are whole numbers from 100 to 599".to_string()),
                );
                None
            }
        }
    }

    /// Reads JSONPath → matcher checks (`body`, and a JWT's `header` and `claims`).
    pub(super) fn body_checks(
        &mut self,
        value: At<'_>,
        ctx: &StepCtx<'_>,
        what: &str,
    ) -> Option<Vec<BodyCheck>> {
        let at = self.mapping(value, &format!("{what} of {}", ctx.label))?;
        let mut checks = Vec::new();
        let mut ok = true;
        for (json_path, entry) in self.entries(at) {
            let key_mark = entry.key_mark();
            let valid_path = self.json_path(&json_path, key_mark, &ctx.label);
            let matcher = self.matcher(entry, &format!("`{json_path}` in {}", ctx.label));
            match (valid_path, matcher) {
                (true, Some(matcher)) => checks.push(BodyCheck {
                    path: json_path,
                    matcher,
                    span: key_mark.span,
                }),
                _ => ok = false,
            }
        }
        ok.then_some(checks)
    }

    /// Checks that `json_path` parses, reporting the parser's complaint at the offending character.
    pub(super) fn json_path(&mut self, json_path: &str, mark: Mark, label: &str) -> bool {
        let Err(error) = JsonPath::parse(json_path) else {
            return true;
        };
        if !json_path.starts_with('$') {
            self.report(
                mark,
                format!("invalid jsonpath `{json_path}` in {label}: a jsonpath starts with `$`"),
                Some(format!("write e.g. `$.{json_path}`")),
            );
            return false;
        }
        // The parser's position counts bytes from 0.
        let offset = error.position().min(json_path.len());
        let problem = if error.message() == "parser error" {
            match json_path.get(offset..).filter(|rest| !rest.is_empty()) {
                Some(rest) => format!("syntax error at `{rest}`"),
                None => "unexpected end".to_string(),
            }
        } else {
            error.message().to_string()
        };
        // Point at the character the parser stopped at when the key is written without quotes.
        let chars = json_path.chars().count();
        let mark = if mark.width == chars {
            let char_offset = json_path
                .get(..offset)
                .map_or(0, |before| before.chars().count())
                .min(chars.saturating_sub(1));
            Mark {
                span: Span {
                    line: mark.span.line,
                    col: mark.span.col + char_offset,
                },
                width: 1,
            }
        } else {
            mark
        };
        self.report(
            mark,
            format!("invalid jsonpath `{json_path}` in {label}: {problem}"),
            Some("jsonpaths follow rfc 9535, e.g. `$.error` or `$.items[0].id`".to_string()),
        );
        false
    }

    fn header_checks(&mut self, value: At<'_>, ctx: &StepCtx<'_>) -> Option<Vec<HeaderCheck>> {
        let at = self.mapping(value, &format!("`headers` in `expect` of {}", ctx.label))?;
        let mut checks = Vec::new();
        let mut ok = true;
        for (name, entry) in self.entries(at) {
            let lower = self.header_name(&name, entry, &format!("in `expect` of {}", ctx.label));
            let matcher = self.matcher(entry, &format!("header `{name}` in {}", ctx.label));
            match (lower, matcher) {
                (Some(lower), Some(matcher)) => checks.push(HeaderCheck {
                    name: lower,
                    matcher,
                    span: entry.key_mark().span,
                }),
                _ => ok = false,
            }
        }
        ok.then_some(checks)
    }
}
