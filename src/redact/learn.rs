//! Learning secrets from where they stand in an exchange, captured or not.
//!
//! Takes the parts of a request or response — JSON bodies, form fields, header values, any
//! text — and registers with the redactor every value that sits in a credential's place: the
//! values of secret fields (by name), credentials in headers named as such, and what the rules
//! find in text. From then on the value is hidden wherever else it turns up, in any encoding.

use base64::Engine as _;
use serde_json::Value;

use super::names::{is_credential_name, is_secret_field};
use super::{Redactor, rules};

impl Redactor {
    /// Learns the secrets a JSON document carries: the values of secret fields (strings, lists
    /// of strings, long numbers) and every secret in a credential's place inside its strings.
    pub fn learn_json(&mut self, value: &Value) {
        match value {
            Value::Object(fields) => {
                for (key, item) in fields {
                    self.learn_field(key, item);
                    self.learn_json(item);
                }
            }
            Value::Array(items) => {
                for item in items {
                    self.learn_json(item);
                }
            }
            Value::String(text) => self.learn_text(text),
            _ => {}
        }
    }

    /// Learns the value of field `name` if the name marks a secret.
    pub fn learn_field(&mut self, name: &str, value: &Value) {
        if !is_secret_field(name) {
            return;
        }
        let placeholder = format!("[{}]", name.to_ascii_lowercase());
        match value {
            Value::String(text) => self.learn(text, &placeholder),
            Value::Number(number) => self.learn(&number.to_string(), &placeholder),
            Value::Array(items) => {
                for item in items {
                    self.learn_field(name, item);
                }
            }
            _ => {}
        }
    }

    /// Learns every secret that stands in a credential's place inside `text` (URL passwords,
    /// secret query and form fields, `otpauth://` secrets, `Bearer`/`Basic` credentials, JWTs),
    /// in its decoded form too, so it is found wherever else it is written.
    pub fn learn_text(&mut self, text: &str) {
        for found in rules::find(text) {
            let raw = &text[found.range.clone()];
            self.learn(raw, &found.placeholder);
            let decoded: String = url::form_urlencoded::parse(format!("x={raw}").as_bytes())
                .next()
                .map(|(_, value)| value.into_owned())
                .unwrap_or_default();
            self.learn(&decoded, &found.placeholder);
            if let Ok(unescaped) = serde_json::from_str::<String>(&format!("\"{raw}\"")) {
                self.learn(&unescaped, &found.placeholder);
            }
            if found.placeholder == "[credentials]" {
                // `user:password` of a URL, or `id:secret` inside `Basic`.
                let pair = base64::engine::general_purpose::STANDARD
                    .decode(raw)
                    .ok()
                    .and_then(|bytes| String::from_utf8(bytes).ok())
                    .unwrap_or(decoded);
                if let Some((_, password)) = pair.split_once(':') {
                    self.learn(password, "[credentials]");
                }
            }
        }
    }

    /// Learns what a header carries when its name says it is a credential (`Authorization`,
    /// `x-api-key`, `Cookie`), and any secret in a credential's place inside its value.
    pub fn learn_header(&mut self, name: &str, value: &str) {
        if is_credential_name(name) {
            self.learn(value.trim(), "[credentials]");
            if let Some((_, credentials)) = value.trim().split_once(char::is_whitespace) {
                self.learn(credentials.trim(), "[credentials]");
            }
        }
        self.learn_text(value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_of_secret_fields_are_learned_and_hidden_everywhere() {
        let mut redactor = Redactor::new();
        redactor.learn_json(&json!({
            "refresh_token": "v1.opaque-refresh-token",
            "recovery_codes": ["RECOVERYCODE24CHARSLONG1"],
            "barcode_uri": "otpauth://totp/T:qa?secret=JBSWY3DPEHPK3PXP&issuer=T",
            "token_type": "Bearer",
        }));
        let message = redactor.redact_message(
            "expected `x`, got `v1.opaque-refresh-token`; codes RECOVERYCODE24CHARSLONG1; totp JBSWY3DPEHPK3PXP; Bearer",
        );
        assert_eq!(
            message,
            "expected `x`, got `[refresh_token]`; codes [recovery_codes]; totp [secret]; Bearer"
        );
    }

    #[test]
    fn headers_named_as_credentials_are_learned() {
        let mut redactor = Redactor::new();
        redactor.learn_header("x-api-key", "key-0123456789");
        redactor.learn_header("authorization", "Bearer opaque-bearer-token");
        assert_eq!(
            redactor.redact_message("key-0123456789 and opaque-bearer-token"),
            "[credentials] and [credentials]"
        );
        assert_eq!(
            redactor.redact_header("X-Api-Key", "anything"),
            "[credentials]"
        );
    }
}
