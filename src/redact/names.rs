//! Which names mark a secret: fields of JSON bodies, forms and query strings; headers;
//! environment variables.
//!
//! Two rules, on purpose. Fields are matched exactly against the OAuth and Auth0 names that carry
//! credentials (`refresh_token`, `mfa_token`, …), because a looser rule would hide conformance
//! facts such as `token_type`. Headers and variables are named by people (`QA_INBOX_AUTHORIZATION`,
//! `x-api-key`), so they are matched by the words in their names.

/// Fields whose value is a secret wherever they appear: request and response bodies, forms,
/// query strings and fragments.
pub const SECRET_FIELDS: &[&str] = &[
    "client_secret",
    "client_assertion",
    "code_verifier",
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
    "totp_secret",
    "barcode_uri",
    "password",
    "login_ticket",
    "session_token",
];

/// Fields holding a token: JWTs are shown decoded (claims, not signature), opaque ones hidden.
pub const TOKEN_FIELDS: &[&str] = &["access_token", "id_token"];

/// Whether a JSON, form or query field of this name carries a secret or a token.
pub fn is_secret_field(name: &str) -> bool {
    let name = name.trim();
    SECRET_FIELDS
        .iter()
        .chain(TOKEN_FIELDS)
        .any(|field| field.eq_ignore_ascii_case(name))
}

/// Parts that mark a credential wherever they occur in a name (`X_APITOKEN`, `DBPASSWORD`).
const CREDENTIAL_PARTS: &[&str] = &[
    "SECRET",
    "TOKEN",
    "PASSWORD",
    "PASSWD",
    "PASSPHRASE",
    "CREDENTIAL",
    "APIKEY",
    "AUTHORIZATION",
    "COOKIE",
    "PRIVATE",
];

/// Words that mark a credential when they stand alone in a name (`QA_INBOX_AUTH`, `X-API-KEY`,
/// `QA_RECOVERY_CODE`); inside other words they mean nothing (`AUTHOR`, `KEYBOARD`, `CODEC`).
const CREDENTIAL_WORDS: &[&str] = &[
    "AUTH",
    "KEY",
    "PASS",
    "CREDS",
    "SESSION",
    "SIGNATURE",
    "SIG",
    "OTP",
    "TOTP",
    "RECOVERY",
    "CODE",
    "PIN",
    "DSN",
    "BEARER",
    "COOKIES",
];

/// Whether a header or environment variable of this name carries a credential, by the words in
/// its name: `QA_INBOX_AUTHORIZATION`, `AUTH0_WEB_CLIENT_SECRET`, `x-api-key`, `MAIL_PASS`.
pub fn is_credential_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    if CREDENTIAL_PARTS.iter().any(|part| upper.contains(part)) {
        return true;
    }
    upper
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|word| CREDENTIAL_WORDS.contains(&word))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_variables_the_staging_guide_recommends_are_credentials() {
        for name in [
            "QA_INBOX_AUTHORIZATION",
            "AUTH0_WEB_CLIENT_SECRET",
            "QA_TOTP_SECRET",
            "QA_RECOVERY_CODE",
            "MAILPIT_AUTH",
            "SMTP_PASS",
            "x-api-key",
            "X-Api-Token",
            "cookie",
            "proxy-authorization",
        ] {
            assert!(is_credential_name(name), "{name}");
        }
    }

    #[test]
    fn ordinary_names_are_not_credentials() {
        for name in [
            "QA_EMAIL",
            "AUTH0_DOMAIN",
            "QA_INBOX_URL",
            "PWD",
            "HOME",
            "CARGO_PKG_AUTHORS",
            "content-type",
            "www-authenticate",
            "KEYBOARD_LAYOUT",
        ] {
            assert!(!is_credential_name(name), "{name}");
        }
    }

    #[test]
    fn secret_fields_are_matched_exactly() {
        assert!(is_secret_field("refresh_token"));
        assert!(is_secret_field("Access_Token"));
        assert!(!is_secret_field("token_type"));
        assert!(!is_secret_field("error_code"));
    }
}
