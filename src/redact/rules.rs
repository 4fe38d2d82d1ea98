//! Secrets recognised by where they stand, whether or not anyone registered them.
//!
//! Takes any text and finds the values that sit in a credential's place: the password of a URL
//! (`https://user:pass@host`), the value of a secret field in a query string, form or fragment
//! (`code=…`, `secret=…` inside an `otpauth://` URI), in JSON text (`"refresh_token":"…"`), the
//! credentials after `Bearer` or `Basic`, and anything shaped like a JWT (even cut short, since a
//! truncated token is still a live one). [`find`] lists them; the redactor both hides them and
//! learns their values, so the same value is hidden wherever else it turns up.

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use super::names::{SECRET_FIELDS, TOKEN_FIELDS};

/// A value found in a credential's place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Where the value is in the text.
    pub range: Range<usize>,
    /// What to show instead.
    pub placeholder: String,
}

fn field_alternation() -> String {
    SECRET_FIELDS
        .iter()
        .chain(TOKEN_FIELDS)
        .map(|field| regex::escape(field))
        .collect::<Vec<_>>()
        .join("|")
}

/// `scheme://user:password@` (the userinfo is group 1).
static USERINFO: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r#"(?i)\b[a-z][a-z0-9+.\-]*://([^\s/?#@\[\]"'<>`]+)@"#).ok());

/// `name=value` of a secret field in a query string, form, fragment or `otpauth://` URI.
static PAIR: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(&format!(
        r#"(?i)(?:^|[?&#;,\s"'(`])({})=([^&\s#"'<>;,)`\[][^&\s#"'<>;,)`]*)"#,
        field_alternation()
    ))
    .ok()
});

/// `"name": "value"` of a secret field in JSON text (the value is group 2, escapes kept).
static JSON_STRING: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(&format!(
        r#"(?i)"({})"\s*:\s*"((?:[^"\\]|\\.)*)""#,
        field_alternation()
    ))
    .ok()
});

/// `"name": ["a", "b"]` of a secret field in JSON text (the list's inside is group 2).
static JSON_LIST: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(&format!(
        r#"(?i)"({})"\s*:\s*\[((?:\s*"(?:[^"\\]|\\.)*"\s*,?)*)\s*\]"#,
        field_alternation()
    ))
    .ok()
});

static JSON_LIST_ITEM: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r#""((?:[^"\\]|\\.)*)""#).ok());

/// `Bearer <token>` / `Basic <credentials>`; group 3 is the character after, so that an
/// auth-param such as `Bearer error="invalid_token"` is left alone.
static SCHEME_CREDENTIALS: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r#"(?i)\b(bearer|basic)\s+([A-Za-z0-9\-._~+/]+=*)("?)"#).ok());

/// A JWT or the start of one: a base64url JSON header (`{"` is `eyJ`), a dot, more.
static JWT_SHAPE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"eyJ[A-Za-z0-9_\-]{8,}(?:\.[A-Za-z0-9_\-]*){1,4}|eyJ[A-Za-z0-9_\-]{20,}").ok()
});

/// Every value in a credential's place inside `text`, in no particular order (ranges may nest;
/// the caller keeps the outermost).
pub fn find(text: &str) -> Vec<Found> {
    let mut found = Vec::new();
    let mut push = |range: Range<usize>, placeholder: String| {
        if !range.is_empty() && !text[range.clone()].starts_with('[') {
            found.push(Found { range, placeholder });
        }
    };
    // Each regex runs only where its landmark is present: most strings have none.
    if let Some(regex) = USERINFO
        .as_ref()
        .filter(|_| text.contains("://") && text.contains('@'))
    {
        for captures in regex.captures_iter(text) {
            if let Some(userinfo) = captures.get(1) {
                push(userinfo.range(), "[credentials]".to_owned());
            }
        }
    }
    if let Some(regex) = PAIR.as_ref().filter(|_| text.contains('=')) {
        for captures in regex.captures_iter(text) {
            if let (Some(name), Some(value)) = (captures.get(1), captures.get(2)) {
                push(value.range(), placeholder(name.as_str()));
            }
        }
    }
    let json_like = text.contains('"') && text.contains(':');
    if let Some(regex) = JSON_STRING.as_ref().filter(|_| json_like) {
        for captures in regex.captures_iter(text) {
            if let (Some(name), Some(value)) = (captures.get(1), captures.get(2)) {
                push(value.range(), placeholder(name.as_str()));
            }
        }
    }
    if let (Some(regex), Some(item), true) =
        (JSON_LIST.as_ref(), JSON_LIST_ITEM.as_ref(), json_like)
    {
        for captures in regex.captures_iter(text) {
            if let (Some(name), Some(list)) = (captures.get(1), captures.get(2)) {
                for value in item.captures_iter(list.as_str()).filter_map(|c| c.get(1)) {
                    let start = list.start() + value.start();
                    push(
                        start..list.start() + value.end(),
                        placeholder(name.as_str()),
                    );
                }
            }
        }
    }
    let has_scheme =
        contains_ignoring_case(text, "bearer") || contains_ignoring_case(text, "basic");
    if let Some(regex) = SCHEME_CREDENTIALS.as_ref().filter(|_| has_scheme) {
        for captures in regex.captures_iter(text) {
            let is_auth_param = captures.get(3).is_some_and(|quote| !quote.is_empty());
            if let Some(credentials) = captures.get(2)
                && !is_auth_param
                && credentials.len() >= 6
            {
                push(credentials.range(), "[credentials]".to_owned());
            }
        }
    }
    if let Some(regex) = JWT_SHAPE.as_ref().filter(|_| text.contains("eyJ")) {
        for token in regex.find_iter(text) {
            push(token.range(), "[jwt]".to_owned());
        }
    }
    found
}

fn contains_ignoring_case(text: &str, word: &str) -> bool {
    text.as_bytes()
        .windows(word.len())
        .any(|window| window.eq_ignore_ascii_case(word.as_bytes()))
}

fn placeholder(field: &str) -> String {
    format!("[{}]", field.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hide(text: &str) -> String {
        let found = find(text)
            .into_iter()
            .map(|found| (found.range, found.placeholder))
            .collect();
        super::super::splice(text, found)
    }

    #[test]
    fn url_passwords_are_hidden_and_hosts_kept() {
        assert_eq!(
            hide("GET https://qa:hunter2@mail.example/api?x=1 failed"),
            "GET https://[credentials]@mail.example/api?x=1 failed"
        );
        assert_eq!(hide("mail qa@example.com"), "mail qa@example.com");
    }

    #[test]
    fn secret_fields_in_queries_forms_and_otpauth_uris_are_hidden() {
        assert_eq!(
            hide("otpauth://totp/T:qa?secret=JBSWY3DPEHPK3PXP&issuer=T"),
            "otpauth://totp/T:qa?secret=[secret]&issuer=T"
        );
        assert_eq!(
            hide("grant_type=x&refresh_token=v1.abc&scope=openid"),
            "grant_type=x&refresh_token=[refresh_token]&scope=openid"
        );
        assert_eq!(
            hide("cb#access_token=abc&error_code=7"),
            "cb#access_token=[access_token]&error_code=7"
        );
    }

    #[test]
    fn secret_fields_in_json_text_are_hidden() {
        assert_eq!(
            hide(
                r#"{"refresh_token": "v1.a\"b", "recovery_codes": ["A1", "B2"], "token_type":"Bearer"}"#
            ),
            r#"{"refresh_token": "[refresh_token]", "recovery_codes": ["[recovery_codes]", "[recovery_codes]"], "token_type":"Bearer"}"#
        );
    }

    #[test]
    fn bearer_and_basic_credentials_are_hidden_but_auth_params_kept() {
        assert_eq!(
            hide("authorization: Basic YWJjOmRlZg=="),
            "authorization: Basic [credentials]"
        );
        assert_eq!(
            hide(r#"Bearer error="invalid_token""#),
            r#"Bearer error="invalid_token""#
        );
    }

    #[test]
    fn jwts_are_hidden_even_when_cut_short() {
        assert_eq!(
            hide("got `eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.sig`"),
            "got `[jwt]`"
        );
        assert_eq!(hide("got `eyJhbGciOiJSUzI1NiIsInR5cCI6…`"), "got `[jwt]…`");
    }
}
