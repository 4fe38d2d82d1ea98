//! The tenant fixture: the clients, connections, APIs and seed users the mock serves.
//!
//! A [`Tenant`] is plain data read from YAML (`mock/tenant.yaml` is the built-in one). It is never
//! mutated while the mock runs; users created by a first login live in the run-time state instead.
//! The issuer is deliberately not part of the fixture: it is the public URL the mock is served under.
//!
//! MFA lives in three places: the tenant-wide [`MfaSettings`] (policy, push polling interval,
//! failure limits), an optional [`MfaPolicy`] per client and per user (the most specific one wins:
//! user, then client, then tenant), and the factors a seed user has already enrolled ([`Factor`]),
//! with the test secrets a scenario needs to pass the challenge.
//!
//! Three optional sections change how the tenant behaves rather than what it holds: `smtp:`
//! ([`SmtpSettings`], delivery of e-mails), `rate_limits:` ([`RateLimits`]) and `latency_ms`.
//! Their types live with the code that uses them (`smtp.rs`, `rate_limit.rs`, `latency.rs`).

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::passwordless::{is_e164, is_email};
use super::rate_limit::RateLimits;
use super::smtp::SmtpSettings;

/// The grant type of the embedded passwordless login (`/oauth/token` with an OTP).
pub const PASSWORDLESS_OTP_GRANT: &str = "http://auth0.com/oauth/grant-type/passwordless/otp";

/// The built-in fixture, shipped as `mock/tenant.yaml`.
const BUILTIN_YAML: &str = include_str!("../../mock/tenant.yaml");

/// Where [`Tenant::builtin`] says its fixture came from in error messages.
const BUILTIN_PATH: &str = "mock/tenant.yaml (built in)";

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
    /// Deliver e-mails over SMTP too, like a custom SMTP provider. The default value is none
    /// (messages only go to the outbox).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smtp: Option<SmtpSettings>,
    /// Emulate Auth0's rate limits. The default value is none (nothing is limited).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limits: Option<RateLimits>,
    /// How long every response of the Auth0 surface (not the control API) is delayed, in
    /// milliseconds. The default value is 0.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub latency_ms: u64,
}

/// When a login must pass a second factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MfaPolicy {
    /// Never ask for a second factor.
    Never,
    /// Always ask; a user without an active factor must enrol first.
    Always,
    /// Ask when the user has at least one enrolled, active factor (Auth0's "adaptive" feel).
    #[default]
    WhenEnrolled,
}

/// Tenant-wide MFA settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MfaSettings {
    /// The policy of clients and users that set none. The default value is `when_enrolled`.
    #[serde(default)]
    pub policy: MfaPolicy,
    /// How long an `mfa_token` stays valid, in seconds. The default value is 600.
    #[serde(default = "default_mfa_token_lifetime")]
    pub mfa_token_lifetime_seconds: u64,
    /// The shortest gap between two polls of a push `oob_code` before `slow_down`, in seconds.
    /// The default value is 5.
    #[serde(default = "default_push_poll_interval")]
    pub push_poll_interval_seconds: u64,
    /// Wrong OTPs and binding codes a user may send per hour before `too_many_attempts`.
    /// The default value is 10.
    #[serde(default = "default_mfa_failures_per_hour")]
    pub otp_failures_per_hour: u32,
    /// Wrong recovery codes a user may send per hour before `too_many_attempts`.
    /// The default value is 10.
    #[serde(default = "default_mfa_failures_per_hour")]
    pub recovery_code_failures_per_hour: u32,
}

impl Default for MfaSettings {
    fn default() -> MfaSettings {
        MfaSettings {
            policy: MfaPolicy::default(),
            mfa_token_lifetime_seconds: default_mfa_token_lifetime(),
            push_poll_interval_seconds: default_push_poll_interval(),
            otp_failures_per_hour: default_mfa_failures_per_hour(),
            recovery_code_failures_per_hour: default_mfa_failures_per_hour(),
        }
    }
}

/// A second factor a seed user has enrolled (and confirmed) before the mock starts.
///
/// `id` is the device part of the authenticator ids (`dev_` + 16 characters, e.g.
/// `dev_6NWz8awwC8brh2dN`); a random one is made when it is left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Factor {
    /// An authenticator app (RFC 6238: SHA-1, 6 digits, 30 s): `totp|dev_…`.
    Totp {
        /// The device id. The default value is a random one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        /// The shared secret, base32 (at least 128 bits).
        secret: String,
    },
    /// A phone for text messages, with its voice twin: `sms|dev_…` and `voice|dev_…`.
    Sms {
        /// The device id. The default value is a random one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        /// The E.164 phone number.
        phone_number: String,
    },
    /// An e-mail address for codes: `email|dev_…`.
    Email {
        /// The device id. The default value is a random one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        /// The address codes go to.
        email: String,
    },
    /// A push device (Guardian), with its OTP twin: `push|dev_…` and `totp|dev_…`.
    Push {
        /// The device id. The default value is a random one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        /// The device name shown in the authenticator list. The default value is `Mock Device`.
        #[serde(default = "default_push_device_name")]
        name: String,
        /// The base32 secret of the OTP twin. The default value is a random one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        secret: Option<String>,
    },
    /// A recovery code: `recovery-code|dev_…`.
    RecoveryCode {
        /// The device id. The default value is a random one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        /// The code (Auth0 uses 24 upper-case letters and digits).
        recovery_code: String,
    },
}

/// An application registered in the tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Client {
    /// The public identifier sent as `client_id`.
    pub client_id: String,
    /// A display name.
    pub name: String,
    /// The name the harness picks this client by, e.g. `native` or `confidential`.
    pub role: String,
    /// Whether the application is public (`native`) or confidential (`regular_web`).
    pub app_type: AppType,
    /// The secret of a confidential client; required for `regular_web`, ignored for `native`.
    #[serde(default)]
    pub client_secret: Option<String>,
    /// The grant types the client may use, e.g. [`PASSWORDLESS_OTP_GRANT`]. The default value is none.
    #[serde(default)]
    pub grant_types: Vec<String>,
    /// The names of the connections enabled for the client. The default value is none.
    #[serde(default)]
    pub connections: Vec<String>,
    /// The MFA policy of logins through this client. The default value is the tenant's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mfa: Option<MfaPolicy>,
}

/// The application types the mock knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppType {
    /// A public client (mobile or desktop app): authenticates with `client_id` only.
    Native,
    /// A confidential client: must authenticate with its `client_secret`.
    RegularWeb,
}

/// A passwordless connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Connection {
    /// The connection name, sent as `connection` and `realm`.
    pub name: String,
    /// How codes are delivered.
    pub strategy: Strategy,
    /// The number of digits in a code. The default value is 6.
    #[serde(default = "default_otp_length")]
    pub otp_length: u8,
    /// How long a code stays valid, in seconds. The default value is 180.
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

/// A user that exists before any login.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct User {
    /// The Auth0 user id, e.g. `email|65c4bca2b6c3ddf424cef5d5`.
    pub user_id: String,
    /// The connection the user belongs to.
    pub connection: String,
    /// The e-mail address (for `email` connections).
    #[serde(default)]
    pub email: Option<String>,
    /// The E.164 phone number (for `sms` connections).
    #[serde(default)]
    pub phone_number: Option<String>,
    /// The name the harness picks this user by (`users.<role>`), e.g. `totp_enrolled`.
    /// The default value is none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// The user's own MFA policy, which overrides the client's and the tenant's.
    /// The default value is none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mfa: Option<MfaPolicy>,
    /// Second factors enrolled before the mock starts. The default value is none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub factors: Vec<Factor>,
}

/// Why a tenant fixture could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum TenantError {
    /// The file could not be read.
    #[error("cannot read tenant file `{path}`: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file is not valid YAML or does not match the fixture format.
    #[error("invalid tenant file `{}`: {message}", location_of(path, *line, *col))]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line of the problem, when known.
        line: Option<usize>,
        /// 1-based column of the problem, when known.
        col: Option<usize>,
        /// What is wrong.
        message: String,
    },
}

fn location_of(path: &Path, line: Option<usize>, col: Option<usize>) -> String {
    match (line, col) {
        (Some(line), Some(col)) => format!("{}:{line}:{col}", path.display()),
        _ => path.display().to_string(),
    }
}

impl Tenant {
    /// The built-in tenant (`mock/tenant.yaml`): clients `native-app`, `regular-web-app`,
    /// `no-passwordless-app`, `email-only-app`, `mfa-always-app`; connections `email` and `sms`;
    /// seed users with a `role` each, among them one per MFA factor (`totp_enrolled`,
    /// `sms_enrolled`, `email_enrolled`, `push_enrolled`, `recovery_enrolled`), one with all of
    /// them (`multi_factor`) and one who must enrol (`must_enrol`).
    ///
    /// ```
    /// use passwordless_conformance::mock::Tenant;
    /// let tenant = Tenant::builtin();
    /// assert_eq!(tenant.client_for_role("native").map(|c| c.client_id.as_str()), Some("native-app"));
    /// ```
    pub fn builtin() -> Tenant {
        match Tenant::from_yaml_str(BUILTIN_YAML, Path::new(BUILTIN_PATH)) {
            Ok(tenant) => tenant,
            // The fixture is compiled in and parsed by a unit test, so this cannot happen at run time.
            Err(error) => panic!("the built-in tenant fixture is broken: {error}"),
        }
    }

    /// Reads a tenant fixture from a YAML file.
    pub fn from_yaml_file(path: &Path) -> Result<Tenant, TenantError> {
        let text = std::fs::read_to_string(path).map_err(|source| TenantError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Tenant::from_yaml_str(&text, path)
    }

    /// Parses a tenant fixture; `path` is only used in error messages.
    pub fn from_yaml_str(text: &str, path: &Path) -> Result<Tenant, TenantError> {
        let tenant: Tenant = serde_yaml::from_str(text).map_err(|error| {
            let location = error.location();
            TenantError::Parse {
                path: path.to_path_buf(),
                line: location.as_ref().map(|l| l.line()),
                col: location.as_ref().map(|l| l.column()),
                message: without_location(error.to_string()),
            }
        })?;
        tenant.check().map_err(|problem| {
            let (line, col) = match locate(text, &problem.needle) {
                Some((line, col)) => (Some(line), Some(col)),
                None => (None, None),
            };
            TenantError::Parse {
                path: path.to_path_buf(),
                line,
                col,
                message: problem.message,
            }
        })?;
        Ok(tenant)
    }

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

    /// The MFA policy for `user_id` logging in through `client`: the user's, else the client's,
    /// else the tenant's.
    pub fn mfa_policy(&self, client: &Client, user_id: &str) -> MfaPolicy {
        self.user(user_id)
            .and_then(|user| user.mfa)
            .or(client.mfa)
            .unwrap_or(self.mfa.policy)
    }

    /// Checks what serde cannot: references, uniqueness, required secrets.
    fn check(&self) -> Result<(), Problem> {
        let mut seen_clients = std::collections::HashSet::new();
        for client in &self.clients {
            if !seen_clients.insert(client.client_id.as_str()) {
                return Err(Problem::at(
                    &client.client_id,
                    format!("client id `{}` is used twice", client.client_id),
                ));
            }
            if client.app_type == AppType::RegularWeb && client.client_secret.is_none() {
                return Err(Problem::at(
                    &client.client_id,
                    format!(
                        "client `{}` is `regular_web` but has no `client_secret`\nhint: confidential clients must authenticate, so give it a test secret",
                        client.client_id
                    ),
                ));
            }
            for name in &client.connections {
                if self.connection(name).is_none() {
                    return Err(Problem::at(
                        name,
                        format!(
                            "client `{}` enables unknown connection `{name}`",
                            client.client_id
                        ),
                    ));
                }
            }
        }
        let mut seen_connections = std::collections::HashSet::new();
        for connection in &self.connections {
            if !seen_connections.insert(connection.name.as_str()) {
                return Err(Problem::at(
                    &connection.name,
                    format!("connection `{}` is defined twice", connection.name),
                ));
            }
            if !(1..=12).contains(&connection.otp_length) {
                return Err(Problem::at(
                    "otp_length",
                    format!(
                        "connection `{}` has `otp_length` {}, expected 1 to 12 digits",
                        connection.name, connection.otp_length
                    ),
                ));
            }
            if connection.otp_lifetime_seconds == 0 {
                return Err(Problem::at(
                    "otp_lifetime_seconds",
                    format!(
                        "connection `{}` has `otp_lifetime_seconds` 0, codes would never be valid",
                        connection.name
                    ),
                ));
            }
        }
        for user in &self.users {
            let Some(connection) = self.connection(&user.connection) else {
                return Err(Problem::at(
                    &user.user_id,
                    format!(
                        "user `{}` belongs to unknown connection `{}`",
                        user.user_id, user.connection
                    ),
                ));
            };
            let identifier_ok = match connection.strategy {
                Strategy::Email => user.email.is_some(),
                Strategy::Sms => user.phone_number.is_some(),
            };
            if !identifier_ok {
                return Err(Problem::at(
                    &user.user_id,
                    format!(
                        "user `{}` on connection `{}` needs `{}`",
                        user.user_id,
                        connection.name,
                        connection.strategy.identifier_field()
                    ),
                ));
            }
            if let Some(role) = &user.role
                && self.user_for_role(role).map(|u| u.user_id.as_str()) != Some(&user.user_id)
            {
                return Err(Problem::at(
                    role,
                    format!("user role `{role}` is used twice"),
                ));
            }
            for factor in &user.factors {
                factor.check().map_err(|(needle, message)| {
                    Problem::at(needle, format!("user `{}`: {message}", user.user_id))
                })?;
            }
        }
        if let Some(smtp) = &self.smtp {
            smtp.check()
                .map_err(|(needle, message)| Problem::at(needle, message))?;
        }
        if let Some(rate_limits) = &self.rate_limits {
            rate_limits
                .check()
                .map_err(|(needle, message)| Problem::at(needle, message))?;
        }
        if self.mfa.mfa_token_lifetime_seconds == 0 {
            return Err(Problem::at(
                "mfa_token_lifetime_seconds",
                "`mfa_token_lifetime_seconds` is 0, MFA tokens would never be valid".to_owned(),
            ));
        }
        Ok(())
    }
}

impl Client {
    /// Whether the client must authenticate with a secret.
    pub fn is_confidential(&self) -> bool {
        self.app_type == AppType::RegularWeb
    }

    /// Whether `grant_type` is enabled for the client.
    pub fn allows_grant(&self, grant_type: &str) -> bool {
        self.grant_types.iter().any(|g| g == grant_type)
    }

    /// Whether the connection named `connection` is enabled for the client.
    pub fn has_connection(&self, connection: &str) -> bool {
        self.connections.iter().any(|c| c == connection)
    }
}

impl Factor {
    /// The device id from the fixture, if it names one.
    pub fn id(&self) -> Option<&str> {
        match self {
            Factor::Totp { id, .. }
            | Factor::Sms { id, .. }
            | Factor::Email { id, .. }
            | Factor::Push { id, .. }
            | Factor::RecoveryCode { id, .. } => id.as_deref(),
        }
    }

    /// Checks secrets and addresses; the error is a needle to point at and a message.
    fn check(&self) -> Result<(), (&str, String)> {
        if let Some(id) = self.id()
            && !is_device_id(id)
        {
            return Err((
                id,
                format!(
                    "factor id `{id}` must be `dev_` followed by letters and digits, e.g. `dev_6NWz8awwC8brh2dN`"
                ),
            ));
        }
        match self {
            Factor::Totp { secret, .. }
            | Factor::Push {
                secret: Some(secret),
                ..
            } => match totp_rs::Secret::try_from_base32(secret) {
                Ok(bytes) if bytes.as_bytes().len() >= 16 => Ok(()),
                _ => Err((
                    secret,
                    format!(
                        "TOTP secret `{secret}` must be base32 (A-Z, 2-7) of at least 128 bits\nhint: 32 characters, e.g. `GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ`"
                    ),
                )),
            },
            Factor::Sms { phone_number, .. } if !is_e164(phone_number) => Err((
                phone_number,
                format!("phone number `{phone_number}` is not E.164, e.g. `+15555550100`"),
            )),
            Factor::Email { email, .. } if !is_email(email) => {
                Err((email, format!("`{email}` is not an e-mail address")))
            }
            Factor::RecoveryCode {
                recovery_code: code,
                ..
            } if code.is_empty() || !code.chars().all(|c| c.is_ascii_alphanumeric()) => Err((
                if code.is_empty() {
                    "recovery_code:"
                } else {
                    code
                },
                format!("recovery code `{code}` must be letters and digits"),
            )),
            _ => Ok(()),
        }
    }
}

/// Whether `id` looks like an Auth0 device id: `dev_` and 1 to 32 ASCII letters and digits.
fn is_device_id(id: &str) -> bool {
    id.strip_prefix("dev_").is_some_and(|rest| {
        (1..=32).contains(&rest.len()) && rest.chars().all(|c| c.is_ascii_alphanumeric())
    })
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

impl User {
    /// The identifier a login uses for this user (e-mail or phone number).
    pub fn identifier(&self) -> Option<&str> {
        self.email.as_deref().or(self.phone_number.as_deref())
    }
}

/// A semantic problem and a piece of source text to point at.
struct Problem {
    needle: String,
    message: String,
}

impl Problem {
    fn at(needle: &str, message: String) -> Problem {
        Problem {
            needle: needle.to_owned(),
            message,
        }
    }
}

/// The 1-based line and column of the first occurrence of `needle` outside comments.
fn locate(text: &str, needle: &str) -> Option<(usize, usize)> {
    text.lines().enumerate().find_map(|(idx, line)| {
        let code = line.split_once('#').map_or(line, |(code, _)| code);
        code.find(needle)
            .map(|byte| (idx + 1, code[..byte].chars().count() + 1))
    })
}

/// serde_yaml appends ` at line L column C`; the location is already in the error's path.
fn without_location(mut message: String) -> String {
    if let Some(idx) = message.rfind(" at line ") {
        message.truncate(idx);
    }
    message
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

fn default_mfa_token_lifetime() -> u64 {
    600
}

fn default_push_poll_interval() -> u64 {
    5
}

fn default_mfa_failures_per_hour() -> u32 {
    10
}

fn default_push_device_name() -> String {
    "Mock Device".to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_tenant_parses_and_has_the_contract_clients() {
        let tenant = Tenant::builtin();
        let ids: Vec<_> = tenant
            .clients
            .iter()
            .map(|c| c.client_id.as_str())
            .collect();
        assert_eq!(
            ids,
            [
                "native-app",
                "regular-web-app",
                "no-passwordless-app",
                "email-only-app",
                "mfa-always-app"
            ]
        );
        let confidential = tenant.client_for_role("confidential").unwrap();
        assert_eq!(
            confidential.client_secret.as_deref(),
            Some("regular-web-app-test-secret")
        );
        assert!(
            !tenant
                .client_for_role("no_passwordless")
                .unwrap()
                .allows_grant(PASSWORDLESS_OTP_GRANT)
        );
        assert!(
            !tenant
                .client("email-only-app")
                .unwrap()
                .has_connection("sms")
        );
        assert_eq!(tenant.connection("sms").unwrap().otp_length, 6);
        assert!(
            tenant
                .api("https://api.example.com/")
                .unwrap()
                .allow_offline_access
        );
    }

    #[test]
    fn builtin_tenant_has_a_user_per_mfa_factor() {
        let tenant = Tenant::builtin();
        for role in [
            "totp_enrolled",
            "sms_enrolled",
            "email_enrolled",
            "push_enrolled",
            "recovery_enrolled",
            "multi_factor",
        ] {
            let user = tenant.user_for_role(role).unwrap();
            assert!(!user.factors.is_empty(), "{role}");
        }
        assert_eq!(
            tenant.user_for_role("multi_factor").unwrap().factors.len(),
            5
        );
        let enrol = tenant.user_for_role("must_enrol").unwrap();
        assert_eq!(enrol.mfa, Some(MfaPolicy::Always));
        assert!(enrol.factors.is_empty());
        assert_eq!(tenant.mfa.policy, MfaPolicy::WhenEnrolled);
        assert_eq!(
            tenant.client_for_role("mfa_always").unwrap().mfa,
            Some(MfaPolicy::Always)
        );
    }

    #[test]
    fn factors_are_checked_and_unknown_factor_fields_are_refused() {
        let base = "clients: []\nconnections:\n  - name: email\n    strategy: email\nusers:\n  - user_id: email|1\n    connection: email\n    email: a@example.com\n    factors:\n";
        let bad_secret = format!("{base}      - type: totp\n        secret: NOT-BASE32\n");
        let message = Tenant::from_yaml_str(&bad_secret, Path::new("t.yaml"))
            .unwrap_err()
            .to_string();
        assert!(
            message.starts_with(
                "invalid tenant file `t.yaml:11:17`: user `email|1`: TOTP secret `NOT-BASE32`"
            ),
            "{message}"
        );
        let extra = format!(
            "{base}      - type: sms\n        phone_number: \"+15555550100\"\n        colour: red\n"
        );
        let message = Tenant::from_yaml_str(&extra, Path::new("t.yaml"))
            .unwrap_err()
            .to_string();
        assert!(message.contains("colour"), "{message}");
        let bad_phone = format!("{base}      - type: sms\n        phone_number: \"555\"\n");
        assert!(Tenant::from_yaml_str(&bad_phone, Path::new("t.yaml")).is_err());
        let duplicate_role = "clients: []\nconnections:\n  - name: email\n    strategy: email\nusers:\n  - user_id: email|1\n    connection: email\n    email: a@example.com\n    role: r\n  - user_id: email|2\n    connection: email\n    email: b@example.com\n    role: r\n";
        let message = Tenant::from_yaml_str(duplicate_role, Path::new("t.yaml"))
            .unwrap_err()
            .to_string();
        assert!(message.contains("user role `r` is used twice"), "{message}");
    }

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
    fn unknown_key_is_reported_with_file_line_and_column() {
        let text = "clients: []\nconnections: []\ncolour: red\n";
        let error = Tenant::from_yaml_str(text, Path::new("t.yaml")).unwrap_err();
        let message = error.to_string();
        assert!(
            message.starts_with("invalid tenant file `t.yaml:3:1`"),
            "{message}"
        );
        assert!(message.contains("colour"), "{message}");
    }

    #[test]
    fn unknown_connection_reference_points_at_its_line() {
        let text = "clients:\n  - client_id: a\n    name: A\n    role: native\n    app_type: native\n    connections: [mail]\nconnections: []\n";
        let message = Tenant::from_yaml_str(text, Path::new("t.yaml"))
            .unwrap_err()
            .to_string();
        assert_eq!(
            message,
            "invalid tenant file `t.yaml:6:19`: client `a` enables unknown connection `mail`"
        );
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

    #[test]
    fn missing_file_error_names_the_file() {
        let error = Tenant::from_yaml_file(Path::new("/nonexistent/tenant.yaml")).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("cannot read tenant file `/nonexistent/tenant.yaml`: "),
            "{error}"
        );
    }
}
