//! Secrets and per-run values out of everything we show.
//!
//! Takes the values a run must never print (client secrets, codes, tokens, captures) and the
//! values that change from run to run (generated identities, the mock's port), and gives
//! [`Redactor::redact_json`] / [`Redactor::redact_str`], which replace them with stable
//! placeholders such as `[otp:code]`. JSON fields that always hold a secret or a per-run value
//! (`access_token`, `mfa_token`, `_id`, …) are replaced by key whatever their value; JWTs are shown
//! as their decoded header and claims with times and ids redacted. Failure messages, transcripts
//! and snapshots all pass through here.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Map, Value};

/// Fields whose value is a secret wherever they appear, in requests and responses alike.
const SECRET_KEYS: &[&str] = &[
    "client_secret",
    "client_assertion",
    "otp",
    "code",
    "verification_code",
    "binding_code",
    "oob_code",
    "mfa_token",
    "refresh_token",
    "recovery_code",
    "recovery_codes",
    "secret",
    "barcode_uri",
    "password",
];

/// Fields holding a JWT (or an opaque token where the tenant issues one).
const TOKEN_KEYS: &[&str] = &["access_token", "id_token"];

/// Fields whose value differs on every run but is not secret.
const VOLATILE_KEYS: &[&str] = &["_id", "sent_at", "now"];

/// JWT claims that are times.
const TIME_CLAIMS: &[&str] = &["iat", "exp", "nbf", "auth_time", "updated_at"];

/// JWT claims that are per-run identifiers (`picture` is keyed by a hash of the per-run e-mail).
const ID_CLAIMS: &[&str] = &["jti", "sid", "nonce", "at_hash", "c_hash", "picture"];

/// Replaces secrets and per-run values with stable placeholders.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    /// (value, placeholder), kept longest value first so a secret that contains another is
    /// replaced whole.
    values: Vec<(String, String)>,
}

impl Redactor {
    /// A redactor that knows no values yet (key rules still apply).
    pub fn new() -> Redactor {
        Redactor::default()
    }

    /// Registers `value` to be shown as `placeholder`, also in its URL-encoded, base64 and
    /// base64url forms. Values shorter than four characters are ignored: replacing them would
    /// garble ordinary text and they are too short to be secrets worth hiding.
    pub fn add(&mut self, value: &str, placeholder: &str) {
        if value.chars().count() < 4 {
            return;
        }
        let forms = [
            value.to_owned(),
            url::form_urlencoded::byte_serialize(value.as_bytes()).collect::<String>(),
            percent_encode_strict(value),
            STANDARD.encode(value),
            URL_SAFE_NO_PAD.encode(value),
        ];
        for form in forms {
            if !self.values.iter().any(|(known, _)| *known == form) {
                self.values.push((form, placeholder.to_owned()));
            }
        }
        self.values
            .sort_by(|(a, _), (b, _)| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    }

    /// Replaces every registered value inside `text`.
    pub fn redact_str(&self, text: &str) -> String {
        let mut redacted = text.to_owned();
        for (value, placeholder) in &self.values {
            if redacted.contains(value.as_str()) {
                redacted = redacted.replace(value.as_str(), placeholder);
            }
        }
        redacted
    }

    /// Redacts a header value: credentials in `Authorization` are always hidden.
    pub fn redact_header(&self, name: &str, value: &str) -> String {
        if name.eq_ignore_ascii_case("authorization") {
            let scheme = value.split_whitespace().next().unwrap_or("");
            return format!("{scheme} [credentials]").trim().to_owned();
        }
        self.redact_url_or_text(value)
    }

    /// Redacts a JSON document: secret keys, token keys (JWTs decoded), volatile keys, and every
    /// registered value inside the remaining strings.
    pub fn redact_json(&self, value: &Value) -> Value {
        match value {
            Value::Object(fields) => {
                let mut redacted = Map::new();
                for (key, item) in fields {
                    redacted.insert(key.clone(), self.redact_field(key, item));
                }
                Value::Object(redacted)
            }
            Value::Array(items) => {
                Value::Array(items.iter().map(|item| self.redact_json(item)).collect())
            }
            Value::String(text) => Value::String(self.redact_url_or_text(text)),
            other => other.clone(),
        }
    }

    fn redact_field(&self, key: &str, value: &Value) -> Value {
        if value.is_null() {
            return Value::Null;
        }
        if SECRET_KEYS.contains(&key) {
            return match value {
                Value::Array(items) => Value::Array(
                    items
                        .iter()
                        .map(|_| Value::String(format!("[{key}]")))
                        .collect(),
                ),
                _ => Value::String(format!("[{key}]")),
            };
        }
        if TOKEN_KEYS.contains(&key) {
            return match value.as_str().and_then(decode_jwt) {
                Some(decoded) => self.redact_jwt(decoded),
                None => Value::String(format!("[{key}]")),
            };
        }
        if (key == "id" || key == "authenticator_id")
            && let Some((kind, _)) = value.as_str().and_then(|id| id.split_once("|dev_"))
        {
            // Authenticator ids are random at enrolment; the kind prefix is what conforms.
            return Value::String(format!("{kind}|dev_[id]"));
        }
        if VOLATILE_KEYS.contains(&key)
            || (key.ends_with("_at") && !value.is_object() && !value.is_array())
        {
            return Value::String(format!("[{}]", key.trim_start_matches('_')));
        }
        self.redact_json(value)
    }

    fn redact_jwt(&self, (header, claims): (Value, Value)) -> Value {
        let mut claims = claims;
        if let Value::Object(fields) = &mut claims {
            for (claim, value) in fields.iter_mut() {
                if TIME_CLAIMS.contains(&claim.as_str()) && value.is_number() {
                    *value = Value::String("[timestamp]".to_owned());
                } else if ID_CLAIMS.contains(&claim.as_str()) {
                    *value = Value::String(format!("[{claim}]"));
                } else if claim == "sub"
                    && let Some(sub) = value.as_str()
                {
                    *value = Value::String(redact_user_id(sub));
                }
            }
        }
        let mut jwt = Map::new();
        jwt.insert("jwt_header".to_owned(), self.redact_json(&header));
        jwt.insert("jwt_claims".to_owned(), self.redact_json(&claims));
        Value::Object(jwt)
    }

    /// URLs get their secret query parameters hidden; then registered values are replaced.
    fn redact_url_or_text(&self, text: &str) -> String {
        let text = match url::Url::parse(text) {
            Ok(url) if url.query().is_some() && url.has_host() => {
                let pairs: Vec<(String, String)> = url
                    .query_pairs()
                    .map(|(name, value)| {
                        let value = if SECRET_KEYS.contains(&name.as_ref()) {
                            format!("[{name}]")
                        } else {
                            value.into_owned()
                        };
                        (name.into_owned(), value)
                    })
                    .collect();
                let mut url = url;
                url.query_pairs_mut().clear().extend_pairs(pairs);
                // Keep placeholders readable in snapshots.
                url.to_string().replace("%5B", "[").replace("%5D", "]")
            }
            _ => text.to_owned(),
        };
        self.redact_str(&text)
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters (as minijinja's `urlencode`
/// and most URL builders do), a form `form_urlencoded` does not produce for `*` and `~`.
fn percent_encode_strict(value: &str) -> String {
    let mut encoded = String::new();
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

/// `email|65c4bca2b6c3ddf424cef5d5` → `email|[user_id]`: the connection stays visible.
fn redact_user_id(user_id: &str) -> String {
    match user_id.split_once('|') {
        Some((provider, _)) => format!("{provider}|[user_id]"),
        None => "[user_id]".to_owned(),
    }
}

/// Decodes a compact JWS into (header, claims) without checking the signature.
pub fn decode_jwt(token: &str) -> Option<(Value, Value)> {
    let mut parts = token.split('.');
    let (header, claims, _signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let decode = |part: &str| -> Option<Value> {
        let bytes = URL_SAFE_NO_PAD.decode(part.trim_end_matches('=')).ok()?;
        serde_json::from_slice(&bytes).ok()
    };
    Some((decode(header)?, decode(claims)?))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    fn jwt(claims: Value) -> String {
        let header = URL_SAFE_NO_PAD.encode(json!({"alg": "RS256", "typ": "JWT"}).to_string());
        let claims = URL_SAFE_NO_PAD.encode(claims.to_string());
        format!("{header}.{claims}.c2lnbmF0dXJl")
    }

    #[test]
    fn secret_keys_are_hidden_whatever_their_value() {
        let redacted = Redactor::new().redact_json(&json!({
            "client_secret": "s3cr3t-value", "otp": "123456", "mfa_token": "Fe26.2*abc",
            "recovery_codes": ["A", "B"], "email": "a@b.c"
        }));
        assert_eq!(
            redacted,
            json!({"client_secret": "[client_secret]", "otp": "[otp]", "mfa_token": "[mfa_token]",
                   "recovery_codes": ["[recovery_codes]", "[recovery_codes]"], "email": "a@b.c"})
        );
    }

    #[test]
    fn jwts_are_decoded_with_times_and_ids_redacted() {
        let token = jwt(
            json!({"iss": "https://t/", "sub": "email|65c4bca2b6c3ddf424cef5d5",
                               "iat": 1, "exp": 2, "aud": "x"}),
        );
        let redacted = Redactor::new().redact_json(&json!({"id_token": token}));
        assert_eq!(
            redacted,
            json!({"id_token": {"jwt_header": {"alg": "RS256", "typ": "JWT"},
                   "jwt_claims": {"iss": "https://t/", "sub": "email|[user_id]",
                                  "iat": "[timestamp]", "exp": "[timestamp]", "aud": "x"}}})
        );
    }

    #[test]
    fn opaque_tokens_become_placeholders() {
        let redacted = Redactor::new().redact_json(&json!({"access_token": "opaque-token"}));
        assert_eq!(redacted, json!({"access_token": "[access_token]"}));
    }

    #[test]
    fn registered_values_are_replaced_in_every_encoding() {
        let mut redactor = Redactor::new();
        redactor.add("qa+x1@example.com", "[users.email_user.email]");
        redactor.add("canary-secret", "[secret]");
        assert_eq!(
            redactor.redact_str("to qa+x1@example.com or qa%2Bx1%40example.com"),
            "to [users.email_user.email] or [users.email_user.email]"
        );
        assert_eq!(
            redactor.redact_str(&format!("b64 {}", STANDARD.encode("canary-secret"))),
            "b64 [secret]"
        );
    }

    #[test]
    fn strictly_percent_encoded_values_are_replaced_too() {
        let mut redactor = Redactor::new();
        redactor.add("Fe26.2**abc*d", "[capture:oob_code]");
        assert_eq!(
            redactor.redact_str("/__mock/push/Fe26.2%2A%2Aabc%2Ad/approve"),
            "/__mock/push/[capture:oob_code]/approve"
        );
    }

    #[test]
    fn authenticator_ids_keep_their_kind() {
        let redacted =
            Redactor::new().redact_json(&json!([{"id": "totp|dev_m24XgLOVY6NJWVrl"}, {"id": 7}]));
        assert_eq!(redacted, json!([{"id": "totp|dev_[id]"}, {"id": 7}]));
    }

    #[test]
    fn times_in_fields_ending_in_at_are_redacted() {
        let redacted = Redactor::new()
            .redact_json(&json!({"effective_at": 1795842799, "sent_at": "2026-01-01T00:00:00Z"}));
        assert_eq!(
            redacted,
            json!({"effective_at": "[effective_at]", "sent_at": "[sent_at]"})
        );
    }

    #[test]
    fn secret_query_parameters_in_urls_are_hidden() {
        let redactor = Redactor::new();
        let redacted = redactor.redact_json(&json!(
            "https://app.test/cb?code=AbC123&state=xyz&verification_code=123456"
        ));
        assert_eq!(
            redacted,
            json!(
                "https://app.test/cb?code=[code]&state=xyz&verification_code=[verification_code]"
            )
        );
    }

    #[test]
    fn authorization_headers_never_show_credentials() {
        let redactor = Redactor::new();
        assert_eq!(
            redactor.redact_header("Authorization", "Basic YTpi"),
            "Basic [credentials]"
        );
        assert_eq!(
            redactor.redact_header("authorization", "Bearer x.y.z"),
            "Bearer [credentials]"
        );
    }

    #[test]
    fn longer_values_win_over_values_they_contain() {
        let mut redactor = Redactor::new();
        redactor.add("abcd", "[short]");
        redactor.add("abcdefgh", "[long]");
        assert_eq!(redactor.redact_str("abcdefgh abcd"), "[long] [short]");
    }
}
