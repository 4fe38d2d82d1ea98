//! What templates can name on a target: its clients, connections and users by role (a mock's
//! roster, or a remote profile's), the identities a session invents made unique per trial, and
//! the template values and redactor built from them.
//!
//! Takes a [`Roster`] or a [`RemoteTarget`]; gives a [`TargetRoster`] and, from it, the template
//! context and the [`Redactor`] seeded with every secret value. Nothing here sends a request.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::config::{ClientCredentials, IdentityTemplate, RemoteTarget, TargetConfig};
use crate::mock::{Factor, Roster};
use crate::redact::Redactor;
use crate::template::TemplateContext;

/// What templates can name on a target, by role: clients, connections (by strategy) and users.
pub(super) struct TargetRoster {
    pub(super) clients: BTreeMap<String, ClientCredentials>,
    pub(super) connections: BTreeMap<String, String>,
    pub(super) users: BTreeMap<String, IdentityTemplate>,
}

impl TargetRoster {
    /// A mock's roster: its clients by role, its first connection of each strategy, its users
    /// that have a role (with their factors' test secrets), plus the identities the session
    /// invents (`identities::SESSION_IDENTITIES`), made unique per trial.
    pub(super) fn from_mock(roster: &Roster) -> TargetRoster {
        let clients = roster
            .clients
            .iter()
            .map(|client| {
                let credentials = ClientCredentials {
                    client_id: client.client_id.clone(),
                    client_secret: client.client_secret.clone(),
                };
                (client.role.clone(), credentials)
            })
            .collect();
        let mut connections = BTreeMap::new();
        for connection in &roster.connections {
            connections
                .entry(connection.strategy.as_str().to_owned())
                .or_insert_with(|| connection.name.clone());
        }
        let mut users = mock_users(roster);
        for identity in super::identities::SESSION_IDENTITIES {
            users.insert(
                identity.role.to_owned(),
                IdentityTemplate {
                    email: identity.email.map(str::to_owned),
                    phone_number: identity.phone_number.map(str::to_owned),
                    unique_email: identity.email.is_some(),
                    unique_phone: identity.phone_number.is_some(),
                    ..IdentityTemplate::default()
                },
            );
        }
        TargetRoster {
            clients,
            connections,
            users,
        }
    }

    /// A remote profile's clients, connections and users, as `targets.yaml` gives them.
    pub(super) fn from_remote(remote: &RemoteTarget) -> TargetRoster {
        TargetRoster {
            clients: remote.clients.clone(),
            connections: remote.connections.clone(),
            users: remote.users.clone(),
        }
    }
}

/// The mock's users that have a `role`, with the secrets of their enrolled factors.
fn mock_users(roster: &Roster) -> BTreeMap<String, IdentityTemplate> {
    let mut users = BTreeMap::new();
    for user in &roster.users {
        let Some(role) = &user.role else {
            continue;
        };
        let mut identity = IdentityTemplate {
            email: user.email.clone(),
            phone_number: user.phone_number.clone(),
            ..IdentityTemplate::default()
        };
        // A later factor's secret wins, in enrolment order.
        for listed in &user.factors {
            let (field, secret) = match &listed.factor {
                Factor::Totp { secret, .. }
                | Factor::Push {
                    secret: Some(secret),
                    ..
                } => ("totp_secret", secret),
                Factor::RecoveryCode { recovery_code, .. } => ("recovery_code", recovery_code),
                Factor::Sms { phone_number, .. } => ("mfa_phone_number", phone_number),
                Factor::Push { secret: None, .. } | Factor::Email { .. } => continue,
            };
            identity.secrets.insert(field.to_owned(), secret.clone());
        }
        users.insert(role.clone(), identity);
    }
    users
}

/// The template values (`target`, `clients`, `connections`, `users`, `env`, `run`) and the
/// redactor seeded with every value among them that must not be shown.
pub(super) fn template_values(
    config: &TargetConfig,
    base_url: &str,
    roster: &TargetRoster,
    trial_tag: &str,
) -> (TemplateContext, Redactor) {
    let mut redactor = Redactor::new();
    for (value, placeholder) in &config.secrets {
        redactor.add_fallback(value, placeholder);
    }
    let mut context = TemplateContext::new();
    redactor.add_volatile(base_url, "[base_url]");
    // Derived values (a nickname made of the unique e-mail's local part) must not leak the tag.
    redactor.add_volatile(trial_tag, "[run.id]");
    context.insert("target", json!({"name": config.name, "base_url": base_url}));

    let mut clients_value = Map::new();
    for (role, credentials) in &roster.clients {
        redactor.add_volatile(
            &credentials.client_id,
            &format!("[clients.{role}.client_id]"),
        );
        let mut client = json!({"client_id": credentials.client_id});
        if let Some(secret) = &credentials.client_secret {
            redactor.add(secret, &format!("[clients.{role}.client_secret]"));
            client["client_secret"] = json!(secret);
        }
        clients_value.insert(role.clone(), client);
    }
    context.insert("clients", Value::Object(clients_value));
    context.insert("connections", json!(roster.connections));

    let mut users_value = Map::new();
    for (role, identity) in &roster.users {
        let mut user = Map::new();
        if let Some(email) = &identity.email {
            let email = if identity.unique_email {
                unique_email(email, trial_tag)
            } else {
                email.clone()
            };
            redactor.add_volatile(&email, &format!("[users.{role}.email]"));
            user.insert("email".to_owned(), json!(email));
        }
        if let Some(phone) = &identity.phone_number {
            let phone = if identity.unique_phone {
                unique_phone(phone, trial_tag)
            } else {
                phone.clone()
            };
            redactor.add_volatile(&phone, &format!("[users.{role}.phone_number]"));
            if identity.unique_phone {
                // The MFA API names a phone by its last four digits (`XXXXXXXX0177`): a per-trial
                // number makes that name per-trial too.
                redactor.add_volatile(
                    &masked_phone(&phone),
                    &format!("[users.{role}.phone_number masked]"),
                );
            }
            user.insert("phone_number".to_owned(), json!(phone));
        }
        for (field, secret) in &identity.secrets {
            redactor.add(secret, &format!("[users.{role}.{field}]"));
            user.insert(field.clone(), json!(secret));
        }
        users_value.insert(role.clone(), Value::Object(user));
    }
    context.insert("users", Value::Object(users_value));
    let environment = Environment::of_process();
    for (value, placeholder) in &environment.secrets {
        redactor.add(value, placeholder);
    }
    context.insert("env", environment.variables.clone());
    context.insert("run", json!({"id": trial_tag}));
    (context, redactor)
}

/// The process's environment variables as the `env` namespace, and those that hold secrets.
struct Environment {
    /// `{NAME: value}` for every variable.
    variables: Value,
    /// `(value, placeholder)` of each variable whose name says it holds a secret.
    secrets: Vec<(String, String)>,
}

impl Environment {
    /// Read once per process: the crate never changes its environment (no `unsafe`, so no
    /// `set_var`), and reading and sorting it for every trial showed up in profiles.
    fn of_process() -> &'static Environment {
        static ENVIRONMENT: std::sync::LazyLock<Environment> = std::sync::LazyLock::new(|| {
            let variables: BTreeMap<String, String> = std::env::vars().collect();
            let secrets = variables
                .iter()
                .filter(|(name, value)| looks_secret(name) && value.len() >= 8)
                .map(|(name, value)| (value.clone(), format!("[env.{name}]")))
                .collect();
            Environment {
                variables: json!(variables),
                secrets,
            }
        });
        &ENVIRONMENT
    }
}

/// Whether an environment variable's name says it holds a secret (`…SECRET`, `…TOKEN`, …):
/// such values are redacted wherever a scenario uses them.
fn looks_secret(name: &str) -> bool {
    let name = name.to_ascii_uppercase();
    [
        "SECRET",
        "TOKEN",
        "PASSWORD",
        "PASSWD",
        "API_KEY",
        "PRIVATE",
        "CREDENTIAL",
        "RECOVERY",
        "TOTP",
    ]
    .iter()
    .any(|marker| name.contains(marker))
}

/// How Auth0 names a phone authenticator: every character but the last four replaced by `X`
/// (`+15555550177` → `XXXXXXXX0177`; evidence `mfa.list.mask_phone`).
fn masked_phone(phone: &str) -> String {
    let count = phone.chars().count();
    phone
        .chars()
        .enumerate()
        .map(|(index, c)| if index + 4 < count { 'X' } else { c })
        .collect()
}

/// `qa@example.com` + `k3x9` → `qa+k3x9@example.com` (an existing `+tag` is kept before ours).
pub(crate) fn unique_email(base: &str, tag: &str) -> String {
    match base.rsplit_once('@') {
        Some((local, domain)) => format!("{local}+{tag}@{domain}"),
        None => base.to_owned(),
    }
}

/// Replaces the last seven digits of `base` with digits derived from `tag`.
pub(crate) fn unique_phone(base: &str, tag: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in tag.bytes() {
        hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
    }
    let digits = format!("{:07}", hash % 10_000_000);
    // By characters, not bytes: a profile's number is whatever its author typed.
    let characters = base.chars().count();
    let keep = characters.saturating_sub(7).max(2).min(characters);
    let kept: String = base.chars().take(keep).collect();
    format!("{kept}{digits}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_get_a_plus_tag() {
        assert_eq!(
            unique_email("qa@example.com", "ab12"),
            "qa+ab12@example.com"
        );
        assert_eq!(
            unique_email("qa+ci@example.com", "ab12"),
            "qa+ci+ab12@example.com"
        );
    }

    #[test]
    fn a_masked_phone_keeps_its_last_four_characters() {
        assert_eq!(masked_phone("+15555550177"), "XXXXXXXX0177");
        assert_eq!(masked_phone("123"), "123");
    }

    #[test]
    fn phones_stay_e164_and_differ_by_tag() {
        let one = unique_phone("+15555550100", "a");
        let two = unique_phone("+15555550100", "b");
        assert_ne!(one, two);
        assert_eq!(one.len(), "+15555550100".len());
        assert!(one.starts_with("+1555"));
        assert!(one[1..].chars().all(|c| c.is_ascii_digit()));
    }

    #[test]
    fn a_phone_with_other_characters_is_cut_by_characters() {
        assert_eq!(unique_phone("+ééé555555", "a").chars().count(), 10);
        assert_eq!(unique_phone("é", "a").chars().count(), 8);
    }
}
