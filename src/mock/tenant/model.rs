//! The tenant itself: connections and APIs, and the lookups handlers use.

use std::fmt;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use super::apps::Client;
use super::features::TenantFeatures;
use super::mfa::{MfaPolicy, MfaSettings};
use super::users::User;
use crate::evidence::Override;
use crate::mock::phone_provider::PhoneProvider;
use crate::mock::rate_limit::RateLimits;
use crate::mock::smtp::SmtpSettings;

/// A mock Auth0 tenant: clients, passwordless connections, APIs and seed users.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tenant {
    /// A name shown by the control API. The default value is `mock`.
    #[serde(default = "default_tenant_name")]
    pub name: String,
    /// The applications of the tenant.
    pub clients: Vec<Client>,
    /// The passwordless connections of the tenant.
    pub connections: Vec<Connection>,
    /// The APIs (resource servers) an `audience` may name. The default value is none.
    #[serde(default)]
    pub apis: Vec<Api>,
    /// Users that exist before any login. The default value is none.
    #[serde(default)]
    pub users: Vec<User>,
    /// When MFA applies and how its limits are set. The default value is [`MfaSettings::default`].
    #[serde(default)]
    pub mfa: MfaSettings,
    /// The features that change the wire (factors, Customizable MFA). The default value is a
    /// plain, generally available tenant ([`TenantFeatures::default`]).
    #[serde(default)]
    pub features: TenantFeatures,
    /// What this tenant answers where the mock's evidence catalogue (`evidence.yaml`) says
    /// otherwise: status, `error` and `error_description` by entry id, so a team calibrates the
    /// mock to its staging tenant without a rebuild. The default value is none.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub evidence_overrides: IndexMap<String, Override>,
    /// Deliver e-mails over SMTP too, like a custom SMTP provider. The default value is none
    /// (messages only go to the outbox).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smtp: Option<SmtpSettings>,
    /// Deliver text messages to a webhook too, like a custom phone provider whose Action forwards
    /// them. The default value is none (messages only go to the outbox).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_provider: Option<PhoneProvider>,
    /// Emulate Auth0's rate limits. The default value is none (nothing is limited).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limits: Option<RateLimits>,
    /// How long every response of the Auth0 surface (not the control API) is delayed, in
    /// milliseconds. The default value is 0.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub latency_ms: u64,
}

/// A passwordless connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Connection {
    /// The connection name, sent as `connection` and `realm`.
    pub name: String,
    /// How codes are delivered.
    pub strategy: Strategy,
    /// The number of digits in a code. The default value is 6 (evidence `codes.length`).
    #[serde(default = "default_otp_length")]
    pub otp_length: u8,
    /// How long a code stays valid, in seconds. The default value is 180 (evidence
    /// `codes.lifetime`).
    #[serde(default = "default_otp_lifetime")]
    pub otp_lifetime_seconds: u64,
    /// Refuse identifiers that have no user yet. The default value is `false`.
    #[serde(default)]
    pub disable_signup: bool,
}

/// The delivery channel of a passwordless connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// Codes and links go to an e-mail address.
    Email,
    /// Codes go to a phone number by text message.
    Sms,
}

/// An API (resource server) that access tokens may be issued for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Api {
    /// The identifier sent as `audience`, e.g. `https://api.example.com/`.
    pub identifier: String,
    /// A display name. The default value is none.
    #[serde(default)]
    pub name: Option<String>,
    /// Whether `offline_access` yields a refresh token. The default value is `false`.
    #[serde(default)]
    pub allow_offline_access: bool,
    /// The access-token lifetime, in seconds. The default value is 86400.
    #[serde(default = "default_token_lifetime")]
    pub token_lifetime_seconds: u64,
}

impl Tenant {
    /// The client with this `client_id`.
    pub fn client(&self, client_id: &str) -> Option<&Client> {
        self.clients.iter().find(|c| c.client_id == client_id)
    }

    /// The first client whose `role` is `role` (e.g. `native`, `confidential`, `no_passwordless`).
    pub fn client_for_role(&self, role: &str) -> Option<&Client> {
        self.clients.iter().find(|c| c.role == role)
    }

    /// The connection with this name.
    pub fn connection(&self, name: &str) -> Option<&Connection> {
        self.connections.iter().find(|c| c.name == name)
    }

    /// The API whose identifier is `audience`.
    pub fn api(&self, audience: &str) -> Option<&Api> {
        self.apis.iter().find(|a| a.identifier == audience)
    }

    /// The seed user with this user id.
    pub fn user(&self, user_id: &str) -> Option<&User> {
        self.users.iter().find(|u| u.user_id == user_id)
    }

    /// The first seed user whose `role` is `role` (e.g. `totp_enrolled`).
    pub fn user_for_role(&self, role: &str) -> Option<&User> {
        self.users.iter().find(|u| u.role.as_deref() == Some(role))
    }

    /// The tenant's calibration of catalogue entry `id`, if it has one.
    pub fn evidence_override(&self, id: &str) -> Option<&Override> {
        self.evidence_overrides.get(id)
    }

    /// The MFA policy for `user_id` logging in through `client`: the user's, else the client's,
    /// else the tenant's.
    pub fn mfa_policy(&self, client: &Client, user_id: &str) -> MfaPolicy {
        self.user(user_id)
            .and_then(|user| user.mfa)
            .or(client.mfa)
            .unwrap_or(self.mfa.policy)
    }
}

impl Strategy {
    /// The request field that carries the identifier: `email` or `phone_number`.
    pub fn identifier_field(self) -> &'static str {
        match self {
            Strategy::Email => "email",
            Strategy::Sms => "phone_number",
        }
    }

    /// The lower-case name used on the wire and in user ids.
    pub fn as_str(self) -> &'static str {
        match self {
            Strategy::Email => "email",
            Strategy::Sms => "sms",
        }
    }
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

fn is_zero(value: &u64) -> bool {
    *value == 0
}

fn default_tenant_name() -> String {
    "mock".to_owned()
}

fn default_otp_length() -> u8 {
    6
}

fn default_otp_lifetime() -> u64 {
    180
}

fn default_token_lifetime() -> u64 {
    86_400
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn the_most_specific_mfa_policy_wins() {
        let text = "clients:\n  - client_id: a\n    name: A\n    role: a\n    app_type: native\n    mfa: always\n  - client_id: b\n    name: B\n    role: b\n    app_type: native\nconnections: []\nmfa:\n  policy: never\n";
        let mut tenant = Tenant::from_yaml_str(text, Path::new("t.yaml")).unwrap();
        let (a, b) = (tenant.clients[0].clone(), tenant.clients[1].clone());
        assert_eq!(tenant.mfa_policy(&a, "email|1"), MfaPolicy::Always);
        assert_eq!(tenant.mfa_policy(&b, "email|1"), MfaPolicy::Never);
        tenant.users.push(User {
            user_id: "email|1".to_owned(),
            connection: "email".to_owned(),
            email: Some("a@example.com".to_owned()),
            phone_number: None,
            role: None,
            mfa: Some(MfaPolicy::WhenEnrolled),
            factors: Vec::new(),
        });
        assert_eq!(tenant.mfa_policy(&a, "email|1"), MfaPolicy::WhenEnrolled);
    }

    #[test]
    fn defaults_are_filled_in() {
        let text = "clients: []\nconnections:\n  - name: email\n    strategy: email\n";
        let tenant = Tenant::from_yaml_str(text, Path::new("t.yaml")).unwrap();
        let connection = &tenant.connections[0];
        assert_eq!(connection.otp_length, 6);
        assert_eq!(connection.otp_lifetime_seconds, 180);
        assert!(!connection.disable_signup);
        assert_eq!(tenant.name, "mock");
    }
}
