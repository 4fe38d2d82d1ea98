//! A live connection to a target for one trial.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{Map, Value, json};

use super::config::{ClientCredentials, IdentityTemplate, OtpSource, TargetConfig, TargetKind};
use super::otp::{OtpError, OtpMessage, OtpQuery, read_message};
use crate::mock::{MockServer, Tenant};
use crate::redact::Redactor;
use crate::scenario::{Capability, Channel};
use crate::template::TemplateContext;

/// Everything one trial needs to talk to its target.
pub struct Session {
    /// The target's name (`mock`, `staging`, …).
    pub target_name: String,
    /// Base URL without a trailing slash.
    pub base_url: String,
    /// The HTTP client of this trial's runtime (redirects are never followed automatically).
    pub http: reqwest::Client,
    /// The template values: `target`, `clients`, `connections`, `users`, `env`, `run`.
    pub context: TemplateContext,
    /// Seeded with the target's secrets and this trial's per-run values.
    pub redactor: Redactor,
    /// What the target offers beyond plain HTTP.
    pub capabilities: Vec<Capability>,
    /// Where one-time codes are read, per channel.
    otp_sources: super::config::OtpSources,
    /// Request budgets of the profile, shared by all trials of the process.
    pub rate_limits: Vec<super::config::RateBudget>,
    /// The longest a `429` may make us wait before retrying.
    pub max_rate_limit_wait: Duration,
    /// How long one HTTP exchange may take.
    pub timeout: Duration,
    /// The target's JSON Web Key Set, fetched on first use.
    jwks: tokio::sync::OnceCell<Result<jsonwebtoken::jwk::JwkSet, String>>,
    /// Keeps the embedded mock alive for as long as the session.
    _mock: Option<MockServer>,
}

/// The session could not be opened, or a target service failed.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// The embedded mock could not start.
    #[error("cannot start the embedded mock tenant: {0}")]
    MockStart(String),
    /// The tenant fixture could not be read.
    #[error("{0}")]
    Tenant(String),
    /// The HTTP client could not be built.
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
    /// The target has no way to read one-time codes.
    #[error(
        "target `{target}` has no source of one-time codes for {channel}\nhint: add `otp_sources: {{ {channel}: … }}` to its profile in targets.yaml"
    )]
    NoOtpSource {
        /// The target's name.
        target: String,
        /// `email` or `sms`.
        channel: String,
    },
    /// Reading a one-time code failed.
    #[error(transparent)]
    Otp(#[from] OtpError),
    /// The target cannot move its clock.
    #[error(
        "target `{target}` has no controllable clock\nhint: declare `requires: [clock]` so the scenario is skipped on this target"
    )]
    NoClock {
        /// The target's name.
        target: String,
    },
    /// No message reached the address in time.
    #[error(
        "no message was sent to `{to}` within {waited:?}\nhint: check that the step before sent one to the same address"
    )]
    NoMessage {
        /// The address.
        to: String,
        /// How long we waited.
        waited: Duration,
    },
    /// A control request to the mock failed.
    #[error("control request `{what}` failed: {message}")]
    Control {
        /// The request.
        what: String,
        /// What went wrong.
        message: String,
    },
}

impl Session {
    /// Opens a session for one trial. `trial_tag` makes this trial's identities unique.
    pub async fn open(config: &TargetConfig, trial_tag: &str) -> Result<Session, SessionError> {
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|error| SessionError::Client(error.to_string()))?;

        let (base_url, clients, connections, users, mock) = match &config.kind {
            TargetKind::Mock(mock_target) => {
                let tenant = match &mock_target.tenant_file {
                    Some(path) => Tenant::from_yaml_file(path)
                        .map_err(|error| SessionError::Tenant(error.to_string()))?,
                    None => Tenant::builtin(),
                };
                let mut tenant = tenant;
                if let Some(smtp) = &mock_target.smtp {
                    let settings = smtp.parse().map_err(|error| {
                        SessionError::Tenant(format!("`smtp` of target `{}`: {error}", config.name))
                    })?;
                    tenant.smtp = Some(settings);
                }
                if let Some(limits) = &mock_target.rate_limits {
                    let limits = serde_yaml::from_value(limits.clone()).map_err(|error| {
                        SessionError::Tenant(format!(
                            "`emulate.rate_limits` of target `{}`: {error}",
                            config.name
                        ))
                    })?;
                    tenant.rate_limits = Some(limits);
                }
                if let Some(latency_ms) = mock_target.latency_ms {
                    tenant.latency_ms = latency_ms;
                }
                let mock = MockServer::start(tenant)
                    .await
                    .map_err(|error| SessionError::MockStart(error.to_string()))?;
                let base_url = mock.base_url().to_owned();
                let described = fetch_json(
                    &http,
                    &format!("{base_url}/__mock/tenant"),
                    "GET /__mock/tenant",
                )
                .await?;
                let (clients, connections) = mock_clients_and_connections(&described);
                let mut users = mock_users(&described);
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
                (base_url, clients, connections, users, Some(mock))
            }
            TargetKind::Remote(remote) => (
                remote.base_url.clone(),
                remote.clients.clone(),
                remote.connections.clone(),
                remote.users.clone(),
                None,
            ),
        };

        let mut redactor = Redactor::new();
        let mut context = TemplateContext::new();
        redactor.add(&base_url, "[base_url]");
        // Derived values (a nickname made of the unique e-mail's local part) must not leak the tag.
        redactor.add(trial_tag, "[run.id]");
        context.insert("target", json!({"name": config.name, "base_url": base_url}));

        let mut clients_value = Map::new();
        for (role, credentials) in &clients {
            redactor.add(
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
        context.insert("connections", json!(connections));

        let mut users_value = Map::new();
        for (role, identity) in &users {
            let mut user = Map::new();
            if let Some(email) = &identity.email {
                let email = if identity.unique_email {
                    unique_email(email, trial_tag)
                } else {
                    email.clone()
                };
                redactor.add(&email, &format!("[users.{role}.email]"));
                user.insert("email".to_owned(), json!(email));
            }
            if let Some(phone) = &identity.phone_number {
                let phone = if identity.unique_phone {
                    unique_phone(phone, trial_tag)
                } else {
                    phone.clone()
                };
                redactor.add(&phone, &format!("[users.{role}.phone_number]"));
                user.insert("phone_number".to_owned(), json!(phone));
            }
            for (field, secret) in &identity.secrets {
                redactor.add(secret, &format!("[users.{role}.{field}]"));
                user.insert(field.clone(), json!(secret));
            }
            users_value.insert(role.clone(), Value::Object(user));
        }
        context.insert("users", Value::Object(users_value));
        let env: BTreeMap<String, String> = std::env::vars().collect();
        for (name, value) in &env {
            if looks_secret(name) && value.len() >= 8 {
                redactor.add(value, &format!("[env.{name}]"));
            }
        }
        context.insert("env", json!(env));
        context.insert("run", json!({"id": trial_tag}));

        Ok(Session {
            target_name: config.name.clone(),
            base_url,
            http,
            context,
            redactor,
            capabilities: config.capabilities(),
            otp_sources: config.otp_sources.clone(),
            rate_limits: config.rate_limits.clone(),
            max_rate_limit_wait: config.max_rate_limit_wait,
            timeout: config.timeout,
            jwks: tokio::sync::OnceCell::new(),
            _mock: mock,
        })
    }

    /// The last message sent to `to` on `channel` since `since`, from the target's OTP source.
    pub async fn latest_message(
        &self,
        to: &str,
        channel: Channel,
        since: std::time::SystemTime,
    ) -> Result<OtpMessage, SessionError> {
        let source: Option<&OtpSource> = match channel {
            Channel::Email => self.otp_sources.email.as_ref(),
            Channel::Sms => self.otp_sources.sms.as_ref(),
        };
        let Some(source) = source else {
            return Err(SessionError::NoOtpSource {
                target: self.target_name.clone(),
                channel: channel_name(channel).to_owned(),
            });
        };
        let query = OtpQuery {
            to,
            channel: channel_name(channel),
            since,
        };
        Ok(read_message(source, &query, &self.http, &self.base_url).await?)
    }

    /// Whether the target can read codes sent on `channel`.
    pub fn has_otp_source(&self, channel: Channel) -> bool {
        match channel {
            Channel::Email => self.otp_sources.email.is_some(),
            Channel::Sms => self.otp_sources.sms.is_some(),
        }
    }

    /// The target's signing keys (`/.well-known/jwks.json`), fetched once per session.
    pub async fn jwks(&self) -> &Result<jsonwebtoken::jwk::JwkSet, String> {
        self.jwks
            .get_or_init(|| async {
                let url = format!("{}/.well-known/jwks.json", self.base_url);
                let response = self
                    .http
                    .get(&url)
                    .send()
                    .await
                    .map_err(|error| format!("cannot fetch `{url}`: {error}"))?;
                if !response.status().is_success() {
                    return Err(format!("`{url}` answered {}", response.status()));
                }
                response
                    .json()
                    .await
                    .map_err(|error| format!("`{url}` is not a JSON Web Key Set: {error}"))
            })
            .await
    }

    /// Waits `seconds` between polling attempts: on a target with a controllable clock by moving
    /// that clock (instantly; returns `true`), elsewhere by sleeping (returns `false`).
    pub async fn wait(&self, seconds: u64) -> Result<bool, SessionError> {
        if self.capabilities.contains(&Capability::Clock) {
            self.advance_clock(seconds).await?;
            Ok(true)
        } else {
            tokio::time::sleep(Duration::from_secs(seconds)).await;
            Ok(false)
        }
    }

    /// Moves the target's clock forward.
    pub async fn advance_clock(&self, seconds: u64) -> Result<(), SessionError> {
        if !self.capabilities.contains(&Capability::Clock) {
            return Err(SessionError::NoClock {
                target: self.target_name.clone(),
            });
        }
        let what = "POST /__mock/clock/advance";
        let response = self
            .http
            .post(format!("{}/__mock/clock/advance", self.base_url))
            .json(&json!({"seconds": seconds}))
            .send()
            .await
            .map_err(|error| control_error(what, &error))?;
        if !response.status().is_success() {
            return Err(SessionError::Control {
                what: what.to_owned(),
                message: format!("status {}", response.status()),
            });
        }
        Ok(())
    }
}

fn channel_name(channel: Channel) -> &'static str {
    match channel {
        Channel::Email => "email",
        Channel::Sms => "sms",
    }
}

fn control_error(what: &str, error: &reqwest::Error) -> SessionError {
    SessionError::Control {
        what: what.to_owned(),
        message: error.to_string(),
    }
}

async fn fetch_json(http: &reqwest::Client, url: &str, what: &str) -> Result<Value, SessionError> {
    let response = http
        .get(url)
        .send()
        .await
        .map_err(|error| control_error(what, &error))?;
    response
        .json()
        .await
        .map_err(|error| control_error(what, &error))
}

/// Reads the clients (by role) and connections (by strategy) that `GET /__mock/tenant` describes.
fn mock_clients_and_connections(
    tenant: &Value,
) -> (
    BTreeMap<String, ClientCredentials>,
    BTreeMap<String, String>,
) {
    let mut clients = BTreeMap::new();
    for client in tenant["clients"].as_array().into_iter().flatten() {
        let (Some(role), Some(client_id)) = (client["role"].as_str(), client["client_id"].as_str())
        else {
            continue;
        };
        clients.insert(
            role.to_owned(),
            ClientCredentials {
                client_id: client_id.to_owned(),
                client_secret: client["client_secret"].as_str().map(str::to_owned),
            },
        );
    }
    let mut connections = BTreeMap::new();
    for connection in tenant["connections"].as_array().into_iter().flatten() {
        if let (Some(name), Some(strategy)) =
            (connection["name"].as_str(), connection["strategy"].as_str())
        {
            connections
                .entry(strategy.to_owned())
                .or_insert_with(|| name.to_owned());
        }
    }
    (clients, connections)
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

/// The mock tenant's users that have a `role`, with the secrets of their enrolled factors, as
/// `GET /__mock/tenant` lists them.
fn mock_users(tenant: &Value) -> BTreeMap<String, IdentityTemplate> {
    let mut users = BTreeMap::new();
    for user in tenant["users"].as_array().into_iter().flatten() {
        let Some(role) = user["role"].as_str() else {
            continue;
        };
        let text = |value: &Value| value.as_str().map(str::to_owned);
        let mut identity = IdentityTemplate {
            email: text(&user["email"]),
            phone_number: text(&user["phone_number"]),
            ..IdentityTemplate::default()
        };
        for factor in user["factors"].as_array().into_iter().flatten() {
            for (field, key) in [
                ("totp_secret", "secret"),
                ("recovery_code", "recovery_code"),
            ] {
                if let Some(secret) = text(&factor[key]).or_else(|| text(&factor[field])) {
                    identity.secrets.insert(field.to_owned(), secret);
                }
            }
            if let Some(phone) = text(&factor["phone_number"]) {
                identity
                    .secrets
                    .insert("mfa_phone_number".to_owned(), phone);
            }
        }
        users.insert(role.to_owned(), identity);
    }
    users
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
    let keep = base.len().saturating_sub(7).max(2);
    format!("{}{}", &base[..keep.min(base.len())], digits)
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
    fn phones_stay_e164_and_differ_by_tag() {
        let one = unique_phone("+15555550100", "a");
        let two = unique_phone("+15555550100", "b");
        assert_ne!(one, two);
        assert_eq!(one.len(), "+15555550100".len());
        assert!(one.starts_with("+1555"));
        assert!(one[1..].chars().all(|c| c.is_ascii_digit()));
    }
}
