//! Checking what serde cannot in a tenant fixture: references, uniqueness, secrets, addresses.
//!
//! Takes a parsed [`Tenant`]; gives every rule it breaks as a problem that becomes a
//! [`Diagnostic`] pointing at its line (`file:line:col`, the source line, a caret, a hint, "did
//! you mean" for a near-miss connection). All rules are checked and all reported. Problems are
//! placed by searching the text for the offending value after its owner (there is no
//! span-keeping YAML reader yet), so a duplicate is shown at its second occurrence.

use std::collections::HashSet;

use super::apps::AppType;
use super::model::{Strategy, Tenant};
use super::users::Factor;
use crate::diagnostic::{Diagnostic, Span, did_you_mean, one_of};
use crate::evidence;
use crate::mock::address::{is_e164, is_email};

/// A rule a fixture breaks, and the text to point at.
pub(super) struct Problem {
    /// The text to point at, matched as a whole token.
    needle: String,
    /// Which occurrence of `needle` (1-based) after `anchor`: 2 for the second of two duplicates.
    nth: usize,
    /// Look for `needle` only after the first occurrence of this text, e.g. its owner's id.
    anchor: Option<String>,
    message: String,
    hint: Option<String>,
}

impl Problem {
    fn at(needle: &str, message: String) -> Problem {
        Problem {
            needle: needle.to_owned(),
            nth: 1,
            anchor: None,
            message,
            hint: None,
        }
    }

    /// A problem reported by a section's own check: the text may carry `\nhint: …`.
    fn from_check((needle, text): (&str, String)) -> Problem {
        match text.split_once("\nhint: ") {
            Some((message, hint)) => Problem::at(needle, message.to_owned()).with_hint(hint),
            None => Problem::at(needle, text),
        }
    }

    fn after(mut self, anchor: &str) -> Problem {
        self.anchor = Some(anchor.to_owned());
        self
    }

    fn second(mut self) -> Problem {
        self.nth = 2;
        self
    }

    fn with_hint(mut self, hint: impl Into<String>) -> Problem {
        self.hint = Some(hint.into());
        self
    }

    /// The problem as a diagnostic placed in `text`.
    pub(super) fn diagnostic(self, file: &str, text: &str) -> Diagnostic {
        let start = self
            .anchor
            .as_deref()
            .and_then(|anchor| locate(text, anchor, 1, 0))
            .unwrap_or(0);
        let span = locate(text, &self.needle, self.nth, start)
            .or_else(|| locate(text, &self.needle, 1, 0))
            .map_or(Span { line: 1, col: 1 }, |byte| span_of(text, byte));
        let diagnostic =
            Diagnostic::new(file, text, span, self.needle.chars().count(), self.message);
        match self.hint {
            Some(hint) => diagnostic.with_hint(hint),
            None => diagnostic,
        }
    }
}

/// The byte offset of the `nth` occurrence of `needle` at or after byte `from`, outside
/// comments, as a whole token (not inside a longer name or value).
fn locate(text: &str, needle: &str, nth: usize, from: usize) -> Option<usize> {
    if needle.is_empty() {
        return None;
    }
    let mut seen = 0;
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        let code = line.split_once(" #").map_or(line, |(code, _)| code);
        let code = if code.trim_start().starts_with('#') {
            ""
        } else {
            code
        };
        let mut search = 0;
        while let Some(found) = code[search..].find(needle) {
            let idx = search + found;
            search = idx + needle.len();
            let at = line_start + idx;
            let before = code[..idx].chars().next_back();
            let after = code[idx + needle.len()..].chars().next();
            let whole = !before.is_some_and(is_word) && !after.is_some_and(is_word);
            if at >= from && whole {
                seen += 1;
                if seen == nth {
                    return Some(at);
                }
            }
        }
        line_start += line.len();
    }
    None
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || "_-.|@+/".contains(c)
}

/// The 1-based line and column (in characters) of byte `offset`.
fn span_of(text: &str, offset: usize) -> Span {
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |idx| idx + 1);
    Span {
        line,
        col: text[line_start..offset].chars().count() + 1,
    }
}

/// Every rule the tenant breaks.
pub(super) fn problems(tenant: &Tenant) -> Vec<Problem> {
    let mut problems = Vec::new();
    let connection_names: Vec<&str> = tenant.connections.iter().map(|c| c.name.as_str()).collect();
    let unknown_connection =
        |problem: Problem, name: &str| match did_you_mean(name, &connection_names) {
            Some(near) => problem.with_hint(format!("did you mean `{near}`?")),
            None if connection_names.is_empty() => {
                problem.with_hint("the fixture has no connections")
            }
            None => problem.with_hint(format!("known connections: {}", one_of(&connection_names))),
        };

    let mut seen_clients = HashSet::new();
    for client in &tenant.clients {
        let id = &client.client_id;
        if !seen_clients.insert(id.as_str()) {
            problems.push(Problem::at(id, format!("client id `{id}` is used twice")).second());
        }
        if client.app_type == AppType::RegularWeb && client.client_secret.is_none() {
            problems.push(
                Problem::at(
                    id,
                    format!("client `{id}` is `regular_web` but has no `client_secret`"),
                )
                .with_hint("confidential clients must authenticate, so give it a test secret"),
            );
        }
        for name in &client.connections {
            if tenant.connection(name).is_none() {
                let problem = Problem::at(
                    name,
                    format!("client `{id}` enables unknown connection `{name}`"),
                );
                problems.push(unknown_connection(problem.after(id), name));
            }
        }
    }

    let mut seen_connections = HashSet::new();
    for connection in &tenant.connections {
        let name = &connection.name;
        let owner = format!("name: {name}");
        if !seen_connections.insert(name.as_str()) {
            problems.push(
                Problem::at(&owner, format!("connection `{name}` is defined twice")).second(),
            );
        }
        if !(1..=12).contains(&connection.otp_length) {
            problems.push(
                Problem::at(
                    "otp_length",
                    format!(
                        "connection `{name}` has `otp_length` {}, expected 1 to 12 digits",
                        connection.otp_length
                    ),
                )
                .after(&owner),
            );
        }
        if connection.otp_lifetime_seconds == 0 {
            problems.push(
                Problem::at(
                    "otp_lifetime_seconds",
                    format!("connection `{name}` has `otp_lifetime_seconds` 0, codes would never be valid"),
                )
                .after(&owner),
            );
        }
    }

    let mut seen_roles = HashSet::new();
    for user in &tenant.users {
        let id = &user.user_id;
        let Some(connection) = tenant.connection(&user.connection) else {
            let problem = Problem::at(
                &user.connection,
                format!(
                    "user `{id}` belongs to unknown connection `{}`",
                    user.connection
                ),
            );
            problems.push(unknown_connection(problem.after(id), &user.connection));
            continue;
        };
        let identifier_ok = match connection.strategy {
            Strategy::Email => user.email.is_some(),
            Strategy::Sms => user.phone_number.is_some(),
        };
        if !identifier_ok {
            problems.push(Problem::at(
                id,
                format!(
                    "user `{id}` on connection `{}` needs `{}`",
                    connection.name,
                    connection.strategy.identifier_field()
                ),
            ));
        }
        if let Some(role) = &user.role
            && !seen_roles.insert(role.as_str())
        {
            problems.push(Problem::at(role, format!("user role `{role}` is used twice")).second());
        }
        for factor in &user.factors {
            if let Err(problem) = check_factor(factor) {
                let message = format!("user `{id}`: {}", problem.message);
                problems.push(Problem { message, ..problem }.after(id));
            }
            let kind = factor.kind().as_str();
            if !tenant.features.has(factor.kind()) {
                let needle = match factor {
                    Factor::RecoveryCode { .. } => "type: recovery_code".to_owned(),
                    _ => format!("type: {kind}"),
                };
                problems.push(
                    Problem::at(
                        &needle,
                        format!(
                            "user `{id}` has a `{kind}` factor, which the tenant does not enable"
                        ),
                    )
                    .after(id)
                    .with_hint(format!("add `{kind}` to `features.factors`")),
                );
            }
        }
    }

    for (id, calibration) in &tenant.evidence_overrides {
        let Some(entry) = evidence::lookup(id) else {
            let ids: Vec<&str> = evidence::catalogue().ids().collect();
            let problem = Problem::at(
                id,
                format!(
                    "`evidence_overrides` names `{id}`, which the evidence catalogue does not have"
                ),
            )
            .after("evidence_overrides:");
            problems.push(match did_you_mean(id, &ids) {
                Some(near) => problem.with_hint(format!("did you mean `{near}`?")),
                None => problem.with_hint("the ids are listed in docs/evidence.md"),
            });
            continue;
        };
        if let Some(message) = calibration.problem(entry) {
            problems.push(Problem::at(id, message).after("evidence_overrides:"));
        }
    }

    if let Some(smtp) = &tenant.smtp
        && let Err(problem) = smtp.check()
    {
        problems.push(Problem::from_check(problem));
    }
    if let Some(provider) = &tenant.phone_provider
        && let Err(reason) = provider.check()
    {
        problems.push(Problem::at(
            "webhook:",
            format!(
                "`phone_provider.webhook` `{}` is not usable: {reason}",
                provider.webhook
            ),
        ));
    }
    if let Some(rate_limits) = &tenant.rate_limits
        && let Err(problem) = rate_limits.check()
    {
        problems.push(Problem::from_check(problem).after("rate_limits:"));
    }
    if tenant.mfa.mfa_token_lifetime_seconds == 0 {
        problems.push(Problem::at(
            "mfa_token_lifetime_seconds",
            "`mfa_token_lifetime_seconds` is 0, MFA tokens would never be valid".to_owned(),
        ));
    }
    problems
}

/// Checks a seed factor's id, secret or address.
fn check_factor(factor: &Factor) -> Result<(), Problem> {
    if let Some(id) = factor.id()
        && !is_device_id(id)
    {
        return Err(Problem::at(
            id,
            format!("factor id `{id}` must be `dev_` followed by letters and digits"),
        )
        .with_hint("e.g. `dev_6NWz8awwC8brh2dN`"));
    }
    match factor {
        Factor::Totp { secret, .. }
        | Factor::Push {
            secret: Some(secret),
            ..
        } => match totp_rs::Secret::try_from_base32(secret) {
            Ok(bytes) if bytes.as_bytes().len() >= 16 => Ok(()),
            _ => Err(Problem::at(
                secret,
                format!("TOTP secret `{secret}` must be base32 (A-Z, 2-7) of at least 128 bits"),
            )
            .with_hint("32 characters, e.g. `GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ`")),
        },
        Factor::Sms { phone_number, .. } if !is_e164(phone_number) => Err(Problem::at(
            phone_number,
            format!("phone number `{phone_number}` is not E.164"),
        )
        .with_hint("e.g. `+15555550100`")),
        Factor::Email { email, .. } if !is_email(email) => Err(Problem::at(
            email,
            format!("`{email}` is not an e-mail address"),
        )),
        Factor::RecoveryCode {
            recovery_code: code,
            ..
        } if code.is_empty() || !code.chars().all(|c| c.is_ascii_alphanumeric()) => {
            let needle = if code.is_empty() {
                "recovery_code"
            } else {
                code
            };
            Err(Problem::at(
                needle,
                format!("recovery code `{code}` must be letters and digits"),
            ))
        }
        _ => Ok(()),
    }
}

/// Whether `id` looks like an Auth0 device id: `dev_` and 1 to 32 ASCII letters and digits.
fn is_device_id(id: &str) -> bool {
    id.strip_prefix("dev_").is_some_and(|rest| {
        (1..=32).contains(&rest.len()) && rest.chars().all(|c| c.is_ascii_alphanumeric())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock::tenant::TenantError;
    use std::path::Path;

    fn invalid(text: &str) -> TenantError {
        Tenant::from_yaml_str(text, Path::new("t.yaml")).unwrap_err()
    }

    /// `file:line:col: message` of each diagnostic.
    fn problems_of(text: &str) -> Vec<String> {
        invalid(text)
            .diagnostics()
            .iter()
            .map(|d| format!("{}:{}: {}", d.file, d.span, d.message))
            .collect()
    }

    const ONE_USER: &str = "clients: []\nconnections:\n  - name: email\n    strategy: email\nusers:\n  - user_id: email|1\n    connection: email\n    email: a@example.com\n    factors:\n";

    #[test]
    fn a_bad_factor_secret_is_shown_at_its_line_with_a_hint() {
        let text = format!("{ONE_USER}      - type: totp\n        secret: NOT-BASE32\n");
        let rendered = invalid(&text).to_string();
        let expected = "\
invalid tenant file `t.yaml`
error: user `email|1`: TOTP secret `NOT-BASE32` must be base32 (A-Z, 2-7) of at least 128 bits
  --> t.yaml:11:17
   |
11 |         secret: NOT-BASE32
   |                 ^^^^^^^^^^
   = hint: 32 characters, e.g. `GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ`";
        assert_eq!(rendered, expected);
    }

    #[test]
    fn unknown_factor_fields_and_bad_phone_numbers_are_refused() {
        let extra = format!(
            "{ONE_USER}      - type: sms\n        phone_number: \"+15555550100\"\n        colour: red\n"
        );
        assert!(invalid(&extra).to_string().contains("colour"));
        let bad_phone = format!("{ONE_USER}      - type: sms\n        phone_number: \"555\"\n");
        assert_eq!(
            problems_of(&bad_phone),
            ["t.yaml:11:24: user `email|1`: phone number `555` is not E.164"]
        );
    }

    #[test]
    fn every_broken_rule_is_reported_and_duplicates_point_at_the_second() {
        let text = "clients:\n  - {client_id: a, name: A, role: native, app_type: regular_web, connections: [emial]}\nconnections:\n  - name: email\n    strategy: email\n    otp_length: 13\nusers:\n  - user_id: email|1\n    connection: email\n    email: a@example.com\n    role: r\n  - user_id: email|2\n    connection: email\n    email: b@example.com\n    role: r\n";
        assert_eq!(
            problems_of(text),
            [
                "t.yaml:2:17: client `a` is `regular_web` but has no `client_secret`",
                "t.yaml:2:80: client `a` enables unknown connection `emial`",
                "t.yaml:6:5: connection `email` has `otp_length` 13, expected 1 to 12 digits",
                "t.yaml:15:11: user role `r` is used twice",
            ]
        );
        let error = invalid(text);
        let typo = &error.diagnostics()[1];
        assert_eq!(typo.hint.as_deref(), Some("did you mean `email`?"));
    }

    #[test]
    fn overrides_must_name_catalogue_entries_and_stay_4xx() {
        let text = "clients: []\nconnections: []\nevidence_overrides:\n  token.otp.wrong_code_emial:\n    status: 400\n  token.otp.expired:\n    status: 503\n";
        let error = invalid(text);
        let messages: Vec<&str> = error
            .diagnostics()
            .iter()
            .map(|d| d.message.as_str())
            .collect();
        assert_eq!(
            messages,
            [
                "`evidence_overrides` names `token.otp.wrong_code_emial`, which the evidence catalogue does not have",
                "override of `token.otp.expired` has status 503, expected 400 to 499",
            ]
        );
        assert_eq!(
            error.diagnostics()[0].hint.as_deref(),
            Some("did you mean `token.otp.wrong_code_email`?")
        );
        assert_eq!(error.diagnostics()[1].span.line, 6);
    }

    #[test]
    fn a_seed_factor_needs_its_factor_enabled() {
        let text = format!("{ONE_USER}      - type: email\n        email: a@example.com\n");
        assert_eq!(
            problems_of(&text),
            ["t.yaml:10:9: user `email|1` has a `email` factor, which the tenant does not enable"]
        );
    }

    #[test]
    fn unknown_connection_reference_points_at_its_line() {
        let text = "clients:\n  - client_id: a\n    name: A\n    role: native\n    app_type: native\n    connections: [mail]\nconnections: []\n";
        assert_eq!(
            problems_of(text),
            ["t.yaml:6:19: client `a` enables unknown connection `mail`"]
        );
    }
}
