//! `expect.jwt`: a token's signature against the target's JWKS, its expiry, header and claims.

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{DecodingKey, Validation, decode, decode_header};
use serde_json::Value;

use super::Problem;
use super::matcher::check_matcher;
use crate::redact::{Redactor, decode_jwt};
use crate::scenario::{BodyCheck, JwtCheck};
use crate::targets::JwksError;
use crate::template::TemplateContext;

/// Checks one `jwt` entry against the response body; `jwks` is the target's key set (or why it
/// could not be fetched), needed only when the signature is verified.
pub fn check_jwt(
    check: &JwtCheck,
    body: &Value,
    jwks: Option<&Result<JwkSet, JwksError>>,
    context: &TemplateContext,
    redactor: &Redactor,
) -> Vec<Problem> {
    let subject = format!("jwt `{}`", check.path);
    let at = |message: String| Problem::at(format!("{subject}: {message}"), check.span);
    let token = match super::compiled::json_path(&check.path) {
        Ok(path) => match path.query(body).all().as_slice() {
            [Value::String(token)] => token.clone(),
            [] => return vec![at("no value there".to_owned())],
            [other] => {
                return vec![at(format!(
                    "expected a string, got {}",
                    super::matcher::show(other, redactor)
                ))];
            }
            _ => {
                return vec![at(
                    "the path selects several values; point it at one token".to_owned()
                )];
            }
        },
        Err(error) => return vec![at(format!("invalid JSONPath: {error}"))],
    };
    let Some((header, claims)) = decode_jwt(&token) else {
        return vec![at(
            "not a JWT (three base64url parts with a JSON header and claims)".to_owned(),
        )];
    };

    let mut problems = Vec::new();
    if check.verify_signature
        && let Err(message) = verify_signature(&token, jwks)
    {
        problems.push(at(message));
    }
    if check.not_expired {
        match claims.get("exp").and_then(Value::as_u64) {
            Some(exp) if exp > context.target_now() => {}
            Some(exp) => problems.push(at(format!(
                "expired: `exp` {exp} is not after the target's time {}",
                context.target_now()
            ))),
            None => problems.push(at("has no numeric `exp` claim".to_owned())),
        }
    }
    let judge = Judge { context, redactor };
    problems.extend(check_parts(
        &check.header,
        &header,
        &subject,
        "header",
        &judge,
    ));
    problems.extend(check_parts(
        &check.claims,
        &claims,
        &subject,
        "claim",
        &judge,
    ));
    problems
}

/// What matchers need besides the values: the templates' context and the redactor for messages.
struct Judge<'a> {
    context: &'a TemplateContext,
    redactor: &'a Redactor,
}

fn check_parts(
    checks: &[BodyCheck],
    document: &Value,
    subject: &str,
    part: &str,
    judge: &Judge<'_>,
) -> Vec<Problem> {
    let mut problems = Vec::new();
    for check in checks {
        let selected: Vec<&Value> = match super::compiled::json_path(&check.path) {
            Ok(path) => path.query(document).all(),
            Err(error) => {
                problems.push(Problem::at(
                    format!(
                        "{subject} {part} `{}`: invalid JSONPath: {error}",
                        check.path
                    ),
                    check.span,
                ));
                continue;
            }
        };
        if let Err(message) =
            check_matcher(&check.matcher, &selected, judge.context, judge.redactor)
        {
            problems.push(Problem::at(
                format!("{subject} {part} `{}`: {message}", check.path),
                check.span,
            ));
        }
    }
    problems
}

fn verify_signature(token: &str, jwks: Option<&Result<JwkSet, JwksError>>) -> Result<(), String> {
    let jwks = match jwks {
        Some(Ok(jwks)) => jwks,
        Some(Err(error)) => return Err(format!("cannot verify the signature: {error}")),
        None => return Err("cannot verify the signature: no key set was fetched".to_owned()),
    };
    let header = decode_header(token).map_err(|error| format!("unreadable header: {error}"))?;
    let jwk = match &header.kid {
        Some(kid) => jwks.find(kid).ok_or_else(|| {
            format!("signed with key `{kid}`, which the target's JWKS does not publish")
        })?,
        None => match jwks.keys.as_slice() {
            [only] => only,
            _ => return Err("the token has no `kid` and the JWKS has several keys".to_owned()),
        },
    };
    let key = DecodingKey::from_jwk(jwk).map_err(|error| format!("unusable JWK: {error}"))?;
    let mut validation = Validation::new(header.alg);
    // Claims are judged by the scenario's own checks and `not_expired`, on the target's clock.
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.validate_nbf = false;
    validation.required_spec_claims.clear();
    decode::<Value>(token, &key, &validation)
        .map(|_| ())
        .map_err(|error| format!("the signature does not verify: {error}"))
}
